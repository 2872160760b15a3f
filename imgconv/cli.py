"""The ``imgconv`` command line: resize, upscale, filter and decompose image
files, compute features, run a demo.

Run ``imgconv --help`` (or ``python -m imgconv --help``) for the commands.
User mistakes end in a one-line message and a non-zero exit status, never a
traceback. The file handling (reading, bit depth, alpha, atomic writes, the
per-file loop) is shared by every command, in ``imgconv._files``.
"""
import argparse
import re
import sys
import time
from pathlib import Path

import numpy as np

import imgconv

from . import _validate as v
from ._files import (
    ARRAY_EXTENSIONS,
    IMAGE_EXTENSIONS,
    UserError,
    check_writable,
    from_float,
    read_array,
    read_image,
    transform_files,
    with_alpha,
    write_output,
)
from .atrous import B3_SPLINE

#: numpy.pad names, for resampling (as skimage.transform)
PAD_MODES = ("reflect", "edge", "symmetric", "wrap", "constant")
#: scipy.ndimage names, for filtering (as skimage.filters)
FILTER_MODES = ("reflect", "mirror", "nearest", "wrap", "constant")
#: Pillow's resampling filters by name (``imgconv.resize(..., filter=...)``)
PIL_FILTERS = ("nearest", "box", "bilinear", "hamming", "bicubic", "lanczos")


def _named_kernels():
    """The kernels ``imgconv filter --kernel`` knows by name (correlation
    weights: sobel-x grows with the column, sobel-y with the row)."""
    sobel = np.outer([1.0, 2.0, 1.0], [-1.0, 0.0, 1.0]) / 4      # as skimage.filters.sobel_v
    gaussian = np.outer(B3_SPLINE, B3_SPLINE)
    return {
        "box": np.full((3, 3), 1.0 / 9),
        "gaussian": gaussian,
        "b3-spline": gaussian,
        "laplacian": np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]),
        "sobel-x": sobel,
        "sobel-y": sobel.T.copy(),
    }


KERNELS = _named_kernels()


# ------------------------------------------------------------ argument types

def _pair(text, kind, what):
    """'2' or '2x3' (rows x columns) -> a positive ``kind`` or a (rows, cols) pair."""
    noun = "an integer" if kind is int else "a number"
    parts = text.lower().split("x")
    try:
        values = [kind(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{what} must be {noun} or ROWSxCOLS {noun.split()[1]}s, got {text!r}") from None
    if len(values) not in (1, 2) or not all(value > 0 and np.isfinite(value) for value in values):
        bound = ">= 1" if kind is int else "> 0"
        raise argparse.ArgumentTypeError(f"{what} must be {bound}, got {text!r}")
    return values[0] if len(values) == 1 else tuple(values)


def _factor(text):
    return _pair(text, int, "factor")


def _dilation(text):
    return _pair(text, int, "dilation")


def _scale(text):
    return _pair(text, float, "scale")


def _size(text):
    """'WIDTHxHEIGHT' -> (height, width), the order of an array's shape."""
    match = re.fullmatch(r"(\d+)[xX](\d+)", text)
    if not match or min(int(g) for g in match.groups()) < 1:
        raise argparse.ArgumentTypeError(
            f"size must be WIDTHxHEIGHT with positive integers, got {text!r}")
    width, height = (int(g) for g in match.groups())
    return height, width


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _label(value):
    """A factor or scale as it appears in a file name: 2, 2x3, 0.5."""
    return "x".join(f"{x:g}" for x in value) if isinstance(value, tuple) else f"{value:g}"


# ------------------------------------------------------------- resampling

def upscale_pixels(image, factor, *, order=1, mode="reflect", n_threads=None,
                   max_pixels=None):
    """Upscale an image as read from a file by integer factors, in its own dtype.

    uint8 and uint16 images are resampled by the library's integer kernels
    (``imgconv.upscale(..., preserve_dtype=True)``): the pixels are those of
    the library call. An alpha channel (the last of 2 or 4) is straight:
    see :func:`imgconv._files.with_alpha`, used when ``order`` mixes pixels.

    Examples
    --------
    >>> import numpy as np
    >>> upscale_pixels(np.array([[0, 255]], dtype=np.uint8), (1, 2), mode="edge")
    array([[  0,  64, 191, 255]], dtype=uint8)
    """
    def transform(array, channel_axis):
        return imgconv.upscale(array, factor, order=order, mode=mode,
                               channel_axis=channel_axis, preserve_dtype=True,
                               n_threads=n_threads, max_pixels=max_pixels)

    return with_alpha(image, transform, "premultiply" if order else "plain")


def resize_pixels(image, *, shape=None, scale=None, order=1, filter=None, anti_aliasing=True,
                  mode="reflect", n_threads=None, max_pixels=None):
    """Resize an image as read from a file to ``shape`` (rows, cols) or by
    ``scale``, in its own dtype.

    ``imgconv.resize`` (or ``imgconv.rescale`` for ``scale``) with
    ``preserve_dtype=True``: uint8 and uint16 images run in the integer
    kernels. Anti-aliasing (scikit-image's Gaussian before shrinking) applies
    for order > 0 unless ``anti_aliasing=False``; order 0 never blurs, so
    that labels stay labels. ``filter`` names a Pillow filter instead of an
    order. Alpha as in :func:`upscale_pixels`.

    Examples
    --------
    >>> import numpy as np
    >>> resize_pixels(np.array([[0, 100, 200, 250]], dtype=np.uint8), shape=(1, 2))
    array([[ 61, 217]], dtype=uint8)
    """
    options = dict(preserve_dtype=True, n_threads=n_threads, max_pixels=max_pixels)
    if filter is None:
        options.update(order=order, mode=mode,
                       anti_aliasing=None if order and anti_aliasing else False)
    else:
        options.update(filter=filter)

    def transform(array, channel_axis):
        if shape is None:
            return imgconv.rescale(array, scale, channel_axis=channel_axis, **options)
        return imgconv.resize(array, shape, channel_axis=channel_axis, **options)

    return with_alpha(image, transform, "plain" if filter is None and not order else "premultiply")


def _longest_side(image, max_side):
    """(rows, cols) with the longest side ``max_side`` and the aspect kept;
    an image already within it keeps its size (a thumbnail never enlarges)."""
    h, w = image.shape[:2]
    longest = max(h, w)
    if longest <= max_side:
        return h, w
    return tuple(max(1, round(n * max_side / longest)) if n != longest else max_side
                 for n in (h, w))


def _resize_suffix(args):
    if args.size:
        return f"_{args.size[1]}x{args.size[0]}"
    if args.scale:
        return f"_x{_label(args.scale)}"
    return f"_max{args.max_side}"


def cmd_resize(args):
    def compute(image, limit):
        shape = _longest_side(image, args.max_side) if args.max_side else args.size
        order = 1 if args.order is None else args.order
        return resize_pixels(image, shape=shape, scale=args.scale, order=order,
                             filter=args.filter, anti_aliasing=args.anti_aliasing,
                             mode=args.mode, n_threads=args.threads, max_pixels=limit), None

    return transform_files(args, "resize", compute, _resize_suffix(args))


def cmd_upscale(args):
    def compute(image, limit):
        if args.size:
            return resize_pixels(image, shape=args.size, order=args.order, anti_aliasing=False,
                                 mode=args.mode, n_threads=args.threads,
                                 max_pixels=limit), None
        return upscale_pixels(image, args.factor, order=args.order, mode=args.mode,
                              n_threads=args.threads, max_pixels=limit), None

    suffix = f"_{args.size[1]}x{args.size[0]}" if args.size else f"_x{_label(args.factor)}"
    return transform_files(args, "upscale", compute, suffix)


# --------------------------------------------------------------- filtering

def _kernel(text):
    """A kernel name or a ``.npy`` file -> (2-D float array, label for file names)."""
    if text.lower().endswith(".npy"):
        try:
            kernel = np.load(text, allow_pickle=False)
        except Exception as exc:  # noqa: BLE001 - any reader failure is the file's fault
            raise UserError(f"--kernel {text}: not a readable .npy file ({exc})") from None
        if kernel.ndim != 2 or 0 in kernel.shape or kernel.dtype.kind not in "biuf":
            raise UserError(f"--kernel {text}: expected a non-empty 2-D array of real numbers, "
                            f"got shape {kernel.shape} and dtype {kernel.dtype}")
        return kernel.astype(np.float64), Path(text).stem
    if text.lower() not in KERNELS:
        raise UserError(f"--kernel {text}: expected one of {', '.join(KERNELS)} or a .npy file")
    return KERNELS[text.lower()], text.lower()


def filter_pixels(image, kernel, dilation=1, *, mode="reflect", as_float=False,
                  n_threads=None):
    """``imgconv.atrous_filter`` of an image as read from a file.

    The image is filtered in scikit-image's float units ([0, 1] for unsigned
    integer files) and converted back to its dtype (clipped to its range),
    or returned as float with ``as_float``. A straight alpha channel is
    premultiplied when every weight is >= 0 (an average: transparent pixels
    lend no colour) and kept as it is otherwise (a derivative of the alpha
    means nothing).

    Examples
    --------
    >>> import numpy as np
    >>> filter_pixels(np.array([[0, 0, 255, 0, 0]], dtype=np.uint8), [[1/3, 1/3, 1/3]])
    array([[ 0, 85, 85, 85,  0]], dtype=uint8)
    """
    import skimage.util

    dtype = image.dtype
    work = image if dtype.kind == "f" else skimage.util.img_as_float(image)

    def transform(array, channel_axis):
        return imgconv.atrous_filter(array, kernel, dilation, mode=mode,
                                     channel_axis=channel_axis, n_threads=n_threads)

    alpha = "premultiply" if np.min(kernel) >= 0 else "keep"
    out = with_alpha(work, transform, alpha)
    return out if as_float else from_float(out, dtype)


def cmd_filter(args):
    kernel, label = _kernel(args.kernel)
    dilation = "" if args.dilation == 1 else f"_d{_label(args.dilation)}"
    outputs = ARRAY_EXTENSIONS if args.float else IMAGE_EXTENSIONS

    def compute(image, limit):
        return filter_pixels(image, kernel, args.dilation, mode=args.mode, as_float=args.float,
                             n_threads=args.threads), None

    extension = ".tif" if args.float else None
    return transform_files(args, "filter", compute, f"_{label}{dilation}", extension=extension,
                           outputs=outputs)


# ----------------------------------------------------------------- starlet

#: What a starlet TIFF records beside its planes, so that --inverse can
#: rebuild the file as it was.
STARLET_TAG = "starlet"


def starlet_planes(image, n_scales, *, mode="mirror", n_threads=None, max_pixels=None):
    """``imgconv.starlet`` of an image as read from a file, and the metadata
    that :func:`starlet_image` needs to rebuild the file.

    Every channel is decomposed, alpha included (the transform is linear and
    its inverse exact). Integer images are decomposed in scikit-image's float
    units, [0, 1] for unsigned types.

    Examples
    --------
    >>> import numpy as np
    >>> planes, metadata = starlet_planes(np.full((4, 5), 255, np.uint8), 2)
    >>> planes.shape, metadata["dtype"]
    ((3, 4, 5), '|u1')
    >>> starlet_image(planes, metadata)
    array([[255, 255, 255, 255, 255],
           [255, 255, 255, 255, 255],
           [255, 255, 255, 255, 255],
           [255, 255, 255, 255, 255]], dtype=uint8)
    """
    planes = imgconv.starlet(image, n_scales, mode=mode, channel_axis=-1 if image.ndim == 3
                             else None, n_threads=n_threads, max_pixels=max_pixels)
    return planes, {"imgconv": STARLET_TAG, "dtype": image.dtype.str, "mode": mode}


def starlet_image(planes, metadata, *, n_threads=None):
    """The image rebuilt from starlet planes (:func:`imgconv.istarlet`), as the
    dtype recorded in ``metadata`` (float when none was)."""
    image = imgconv.istarlet(planes, n_threads=n_threads)
    dtype = metadata.get("dtype")
    return image if dtype is None else from_float(image, dtype)


def cmd_starlet(args):
    extension = f".{args.format.lstrip('.').lower()}"
    if args.inverse:
        outputs = IMAGE_EXTENSIONS + (".npy",)
        check_writable(f"--format {args.format}", outputs, extension)

        def inverse(data, limit):
            return starlet_image(*data, n_threads=args.threads), None

        return transform_files(args, "starlet --inverse", inverse, "_inverse", read=read_array,
                               inputs=ARRAY_EXTENSIONS, extension=extension, outputs=outputs)
    check_writable(f"--format {args.format}", ARRAY_EXTENSIONS, extension)

    def forward(image, limit):
        return starlet_planes(image, args.scales, mode=args.mode, n_threads=args.threads,
                              max_pixels=limit)

    return transform_files(args, "starlet", forward, "_starlet", extension=extension,
                           outputs=ARRAY_EXTENSIONS)


# --------------------------------------------------------------------- demo

def _side_by_side(panels, gap=8):
    """Panels of equal height on a white background, left to right."""
    height = max(p.shape[0] for p in panels)
    width = sum(p.shape[1] for p in panels) + gap * (len(panels) - 1)
    canvas = np.full((height, width, 3), 255, np.uint8)
    x = 0
    for panel in panels:
        canvas[:panel.shape[0], x:x + panel.shape[1]] = panel
        x += panel.shape[1] + gap
    return canvas


def cmd_demo(args):
    import skimage.data
    from skimage.transform import rescale

    image = skimage.data.astronaut()                      # ships with scikit-image
    factor = args.factor
    out_dir = Path(args.out_dir)
    start = time.perf_counter()
    bilinear = imgconv.upscale(image, factor, channel_axis=-1, n_threads=args.threads)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    reference = rescale(image, factor, order=1, channel_axis=-1)
    theirs = time.perf_counter() - start
    nearest = imgconv.upscale(image, factor, order=0, channel_axis=-1, n_threads=args.threads)
    difference = float(np.abs(bilinear - reference).max())
    result = (np.clip(bilinear, 0, 1) * 255).round().astype(np.uint8)
    write_output(out_dir / f"astronaut_x{factor}.png", result, True)
    # a crop around the face, each method at the same scale, the input enlarged by repetition
    y0, x0, size = 40, 150, 96
    crop = (slice(y0 * factor, (y0 + size) * factor), slice(x0 * factor, (x0 + size) * factor))
    source = np.repeat(np.repeat(image[y0:y0 + size, x0:x0 + size], factor, 0), factor, 1)
    comparison = _side_by_side([nearest[crop], result[crop], source])
    write_output(out_dir / "comparison.png", comparison, True)
    print(f"upscaled astronaut {image.shape[1]}x{image.shape[0]} by {factor}: "
          f"imgconv {ours * 1e3:.1f} ms, skimage.transform.rescale {theirs * 1e3:.1f} ms "
          f"({theirs / ours:.0f}x), max difference {difference:.1e}")
    print(f"wrote {out_dir / f'astronaut_x{factor}.png'} and {out_dir / 'comparison.png'} "
          "(nearest | bilinear | input)")
    return 0


# ----------------------------------------------------------------- features

def cmd_features(args):
    out = Path(args.output)
    # the output's problems are found before the (long) computation
    if out.suffix.lower() not in (".npy", ".tif", ".tiff"):
        raise UserError(f"{out}: the output must end in .npy, .tif or .tiff")
    if out.exists() and not args.overwrite:
        raise UserError(f"{out}: exists; pass --overwrite to replace it")
    limit = v.max_pixels_limit(args.max_pixels)
    image = read_image(Path(args.input), limit)
    channel_axis = -1 if image.ndim == 3 else None
    if channel_axis is not None and image.shape[-1] in (2, 4):
        image = image[..., :-1]                          # alpha is not a feature
        if image.shape[-1] == 1:
            image, channel_axis = image[..., 0], None
    features = imgconv.multiscale_features(image, n_scales=args.scales, channel_axis=channel_axis,
                                           n_threads=args.threads, max_pixels=limit)
    write_output(out, features if out.suffix.lower() == ".npy" else np.moveaxis(features, -1, 0),
                 args.overwrite)
    print(f"{args.input}: {features.shape[-1]} features of {features.shape[0]}x"
          f"{features.shape[1]} pixels -> {out}")
    return 0



# ------------------------------------------------------------------- parser

FILES_NOTE = """\
Every command takes image files and folders (their .png, .jpg, .jpeg, .bmp,
.tif, .tiff files) and writes each result beside its input, or into
--out-dir, named by --suffix; -o names the output of a single input. An
existing output is replaced only with --overwrite, and keeps its permissions;
a new one gets those of any new file (0644 under umask 022). Files are written
whole or not at all. A file whose header announces more than --max-pixels
pixels is refused before it is decoded. A file that fails is reported in one
line and the others go on; the exit status is then 1.
"""

ALPHA_NOTE = """\
8- and 16-bit files come back with the same bit depth (16-bit color needs
TIFF: Pillow writes no 16-bit color PNG), resampled by imgconv's integer
kernels with the library's rounding (half to even). Alpha (the last of 2 or 4
channels) is straight: for a resampling that mixes pixels the colour is
premultiplied by it, so that transparent pixels lend no colour. An 8-bit
image's premultiplied colour is exact in 16 bits (a 16-bit image's is rounded
to 16 bits), resampled by the 16-bit kernel, then divided by the alpha
resampled in the same units and rounded half to even (a uniform colour comes
back exactly under any alpha); a pixel that ends fully transparent gets
colour 0. An alpha that is the same everywhere (an opaque
image) is resampled like any channel.
"""

EPILOG_UPSCALE = f"""\
examples:
  imgconv upscale photo.png -s 2                 writes photo_x2.png
  imgconv upscale scans/ -s 4 --order 0 --out-dir big/
  imgconv upscale icon.png --size 512x512 -o icon_512.png --overwrite

{ALPHA_NOTE}
{FILES_NOTE}"""

EPILOG_RESIZE = f"""\
examples:
  imgconv resize photo.png --size 640x480          writes photo_640x480.png
  imgconv resize photos/ --max-side 256 --out-dir thumbs/
  imgconv resize scan.tif --scale 0.5 --order 0    nearest neighbour, no blur
  imgconv resize photo.png --scale 0.25 --no-anti-aliasing

Shrinking is anti-aliased (scikit-image's Gaussian, sigma (in/out - 1) / 2)
unless --no-anti-aliasing; --order 0 never blurs, so that labels stay labels.
--max-side never enlarges: an image within it keeps its size.
--filter takes Pillow's filter names where imgconv.resize has filter=.

{ALPHA_NOTE}
{FILES_NOTE}"""

EPILOG_FILTER = f"""\
examples:
  imgconv filter photo.png -k gaussian --dilation 4   writes photo_gaussian_d4.png
  imgconv filter cells/ -k sobel-x --float --out-dir gx/
  imgconv filter photo.png -k my_kernel.npy --mode wrap

Kernels: box (3x3 mean), gaussian or b3-spline (5x5, the starlet's
[1 4 6 4 1]/16 in both directions), laplacian, sobel-x, sobel-y (normalised
as scikit-image's Sobel filters: a step of 1 gives 1), or a 2-D .npy array of
correlation weights. The taps are --dilation pixels apart (ROWSxCOLS for two
spacings); the cost does not grow with it.

The result keeps the file's bit depth, clipped to its range (negative
derivatives become 0); --float writes the float result instead, in
scikit-image's units ([0, 1] for unsigned integer files), to .tif or .npy.
A straight alpha channel is premultiplied for kernels whose weights are all
>= 0 and kept unchanged for the others.

{FILES_NOTE}"""

EPILOG_STARLET = f"""\
examples:
  imgconv starlet photo.png -n 5                 writes photo_starlet.tif
  imgconv starlet photos/ --format npy --out-dir planes/
  imgconv starlet --inverse photo_starlet.tif -o rebuilt.png

The planes are float, the detail planes w1..wN then the coarse plane, in
scikit-image's units ([0, 1] for unsigned integer files). A TIFF holds them as
gray pages (plane by plane, channel by channel within each) and records the
input's dtype, so that --inverse rebuilds the file bit for bit; a .npy holds
the array of imgconv.starlet, (N + 1, H, W[, C]), and its inverse is float.
Every channel is decomposed, alpha included. --max-pixels bounds the values
of the planes.

{FILES_NOTE}"""

EPILOG_FEATURES = """\
examples:
  imgconv features cells.tif -o cells_features.npy
  imgconv features photo.png -o features.tif --scales 4
The .npy holds float32 (H, W, n_features); the .tif one page per feature.
"""


def _file_options(parser, suffix_help, threads, limit):
    """The options every file command shares."""
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", metavar="OUT", help="output file (one input only)")
    where.add_argument("--out-dir", metavar="DIR", help="folder for the outputs")
    parser.add_argument("--suffix", default=None, help=f"added to the input's name ({suffix_help})")
    parser.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    parser.add_argument("-j", "--threads", **threads)
    parser.add_argument("--max-pixels", **limit)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="imgconv",
        description="Image resizing and multi-scale filtering as convolutions.",
        epilog="run 'imgconv COMMAND --help' for a command's options and examples",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # default None: the environment variable, as in the library
    limit_default = f"default: IMGCONV_MAX_PIXELS, else {v.DEFAULT_MAX_PIXELS}"
    limit = dict(type=_positive_int, default=None, metavar="N",
                 help=f"refuse images (in or out) of more pixels ({limit_default})")
    threads = dict(type=int, default=None, metavar="N",
                   help="threads to use (default: all cores)")
    described = dict(formatter_class=argparse.RawDescriptionHelpFormatter)
    pad_mode = dict(choices=PAD_MODES, default="reflect",
                    help="border extension, numpy.pad names (default reflect)")

    resize = sub.add_parser("resize", help="resize image files to a size, a scale or a "
                            "longest side", epilog=EPILOG_RESIZE, **described,
                            description="Resize images (scikit-image's resize, anti-aliased "
                                        "when shrinking).")
    how = resize.add_mutually_exclusive_group(required=True)
    how.add_argument("--size", type=_size, metavar="WxH", help="output size in pixels")
    how.add_argument("--scale", type=_scale, metavar="S",
                     help="scale factor, or ROWSxCOLS factors (0.5: half the size)")
    how.add_argument("--max-side", type=_positive_int, metavar="N",
                     help="longest side in pixels, aspect kept (thumbnails)")
    kind = resize.add_mutually_exclusive_group()
    # default None, not 1: argparse takes an option given with its default's
    # value for one not given, and would let --order 1 --filter pass
    kind.add_argument("--order", type=int, choices=range(6), default=None,
                      help="spline order: 0 nearest, 1 bilinear (default), up to 5")
    kind.add_argument("--filter", choices=PIL_FILTERS, default=None,
                      help="a Pillow filter instead of a spline order")
    resize.add_argument("--no-anti-aliasing", dest="anti_aliasing", action="store_false",
                        help="do not blur before shrinking")
    resize.add_argument("--mode", **pad_mode)
    _file_options(resize, "default _WxH, _xSCALE or _maxN", threads, limit)
    resize.set_defaults(run=cmd_resize)

    up = sub.add_parser("upscale", help="upscale image files by integer factors",
                        epilog=EPILOG_UPSCALE, **described,
                        description="Upscale images by an integer factor or to a size.")
    how = up.add_mutually_exclusive_group(required=True)
    how.add_argument("-s", "--factor", type=_factor, metavar="FACTOR",
                     help="integer factor, or ROWSxCOLS factors")
    how.add_argument("--size", type=_size, metavar="WxH", help="output size in pixels")
    up.add_argument("--order", type=int, choices=range(6), default=1,
                    help="spline order: 0 nearest, 1 bilinear (default), up to 5")
    up.add_argument("--mode", **pad_mode)
    _file_options(up, "default _xFACTOR or _WxH", threads, limit)
    up.set_defaults(run=cmd_upscale)

    filt = sub.add_parser("filter", help="filter image files with a dilated kernel",
                          epilog=EPILOG_FILTER, **described,
                          description="Correlate images with a kernel whose taps are "
                                      "--dilation pixels apart (imgconv.atrous_filter).")
    filt.add_argument("-k", "--kernel", required=True, metavar="KERNEL",
                      help=f"{', '.join(KERNELS)}, or a .npy file")
    filt.add_argument("-d", "--dilation", type=_dilation, default=1, metavar="D",
                      help="spacing of the taps, or ROWSxCOLS spacings (default 1)")
    filt.add_argument("--mode", choices=FILTER_MODES, default="reflect",
                      help="border extension, scipy.ndimage names (default reflect)")
    filt.add_argument("--float", action="store_true",
                      help="write the float result (.tif by default, or .npy)")
    _file_options(filt, "default _KERNEL or _KERNEL_dD", threads, limit)
    filt.set_defaults(run=cmd_filter)

    star = sub.add_parser("starlet", help="starlet (a trous wavelet) planes of image files, "
                          "or the image back", epilog=EPILOG_STARLET, **described,
                          description="Decompose images into starlet planes "
                                      "(imgconv.starlet), or rebuild them (--inverse).")
    star.add_argument("-n", "--scales", type=_positive_int, default=4, metavar="N",
                      help="number of detail planes (default 4)")
    star.add_argument("--mode", choices=FILTER_MODES, default="mirror",
                      help="border extension, scipy.ndimage names (default mirror)")
    star.add_argument("--inverse", action="store_true",
                      help="rebuild images from planes files (.tif, .npy)")
    star.add_argument("--format", default="tif", metavar="EXT",
                      help="output type: tif or npy for planes; for --inverse, an image "
                           "type or npy (default tif)")
    _file_options(star, "default _starlet, or _inverse", threads, limit)
    star.set_defaults(run=cmd_starlet)

    demo = sub.add_parser("demo", help="upscale a sample image and compare with scikit-image",
                          description="Upscale scikit-image's astronaut, write the result "
                                      "and a nearest | bilinear | input comparison, and time "
                                      "it against skimage.transform.rescale.")
    demo.add_argument("-s", "--factor", type=_positive_int, default=2, metavar="FACTOR")
    demo.add_argument("--out-dir", default=".", metavar="DIR")
    demo.add_argument("-j", "--threads", **threads)
    demo.set_defaults(run=cmd_demo)

    feat = sub.add_parser("features", help="multi-scale features of an image",
                          epilog=EPILOG_FEATURES, **described,
                          description="Multi-scale atrous features of an image.")
    feat.add_argument("input", metavar="INPUT")
    feat.add_argument("-o", "--output", required=True, metavar="OUT",
                      help="output .npy or .tif")
    feat.add_argument("--scales", type=_positive_int, default=6, metavar="N",
                      help="number of scales (default 6)")
    feat.add_argument("--overwrite", action="store_true")
    feat.add_argument("-j", "--threads", **threads)
    feat.add_argument("--max-pixels", **dict(limit, help=(
        "refuse an input of more pixels, or features of more values "
        f"(channels x scales x features x pixels) ({limit_default})")))
    feat.set_defaults(run=cmd_features)
    return parser


def main(argv=None):
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except UserError as exc:
        print(f"imgconv: {exc}", file=sys.stderr)
        return 1
    except (ValueError, TypeError) as exc:
        print(f"imgconv: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
