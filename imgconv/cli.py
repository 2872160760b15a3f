"""The ``imgconv`` command line: upscale image files, run a demo, compute features.

Run ``imgconv --help`` (or ``python -m imgconv --help``) for the commands.
User mistakes end in a one-line message and a non-zero exit status, never a
traceback.
"""
import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from . import _validate as v

#: File types read and written, and the imageio plugin of each. Naming the
#: plugin keeps imageio from trying every other reader on a broken file.
PLUGINS = {".png": "pillow", ".jpg": "pillow", ".jpeg": "pillow", ".bmp": "pillow",
           ".tif": "tifffile", ".tiff": "tifffile"}
EXTENSIONS = tuple(PLUGINS)
MODES = ("reflect", "edge", "symmetric", "wrap", "constant")


class UserError(Exception):
    """A mistake in the command line or an input file: reported in one line."""


# ------------------------------------------------------------ argument types

def _factor(text):
    """'2' or '2x3' (rows x columns) -> int or (int, int)."""
    parts = text.lower().split("x")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"factor must be an integer or ROWSxCOLS integers, got {text!r}") from None
    if len(values) not in (1, 2) or min(values) < 1:
        raise argparse.ArgumentTypeError(f"factor must be >= 1, got {text!r}")
    return values[0] if len(values) == 1 else tuple(values)


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


# ----------------------------------------------------------------- reading

def _image_files(inputs):
    """The image files named by INPUT arguments (folders: their image files, sorted)."""
    files = []
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            found = sorted(p for p in path.iterdir()
                           if p.is_file() and p.suffix.lower() in EXTENSIONS)
            if not found:
                raise UserError(f"{name}: folder holds no image ({', '.join(EXTENSIONS)})")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise UserError(f"{name}: no such file or folder")
    return files


def _plugin(path):
    plugin = PLUGINS.get(Path(path).suffix.lower())
    if plugin is None:
        raise UserError(f"{path}: unsupported file type; use one of {', '.join(EXTENSIONS)}")
    return plugin


def _header_shape(path):
    """Image shape from the file's header, without decoding the pixels."""
    import imageio.v3 as iio

    plugin = _plugin(path)
    try:
        with iio.imopen(path, "r", plugin=plugin) as file:
            return tuple(file.properties().shape)
    except Exception as exc:  # noqa: BLE001 - any reader failure is the file's fault
        raise UserError(f"{path}: not a readable image ({exc})") from None


def read_image(path, max_pixels):
    """Decode an image after checking its header against ``max_pixels``.

    Returns an array (H, W) or (H, W, C) of the file's own dtype.
    """
    import imageio.v3 as iio

    shape = _header_shape(path)
    if len(shape) < 2:
        raise UserError(f"{path}: not a 2-D image (shape {shape})")
    pixels = shape[0] * shape[1]
    if pixels > max_pixels:
        raise UserError(f"{path}: {shape[1]}x{shape[0]} = {pixels} pixels is more than "
                        f"--max-pixels {max_pixels}; refusing to decode it")
    try:
        image = np.asarray(iio.imread(path, plugin=_plugin(path)))
    except Exception as exc:  # noqa: BLE001
        raise UserError(f"{path}: cannot decode ({exc})") from None
    if image.ndim == 3 and image.shape[0] in (1,) and image.shape[-1] not in (1, 2, 3, 4):
        image = image[0]                                 # a one-page stack
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[-1] > 4):
        raise UserError(f"{path}: unsupported image shape {image.shape}")
    if image.dtype.kind not in "uif" and image.dtype != bool:
        raise UserError(f"{path}: unsupported pixel type {image.dtype}")
    return image


def _write_atomic(path, write, overwrite):
    """Call ``write(tmp)`` on a temporary file in ``path``'s folder, then rename.

    A missing folder is created (with its parents); a reader never sees a
    half-written ``path``, and a failure leaves no temporary file behind.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise UserError(f"{path}: exists; pass --overwrite to replace it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix,
                                   dir=path.parent)
    except OSError as exc:                               # e.g. a parent is a file
        raise UserError(f"{path}: cannot write ({exc})") from None
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except Exception as exc:  # noqa: BLE001
        Path(tmp).unlink(missing_ok=True)
        raise UserError(f"{path}: cannot write ({exc})") from None


def write_image(path, image, overwrite):
    """Write an image file through a temporary file (see :func:`_write_atomic`)."""
    import imageio.v3 as iio

    path = Path(path)
    plugin = _plugin(path)
    _write_atomic(path, lambda tmp: iio.imwrite(tmp, image, extension=path.suffix,
                                                plugin=plugin), overwrite)


def _write_npy(path, array, overwrite):
    def write(tmp):
        # through a file object: np.save would append ".npy" to a name ending ".NPY"
        with open(tmp, "wb") as f:
            np.save(f, array)

    _write_atomic(path, write, overwrite)


# --------------------------------------------------------------- upscaling

def _to_file_dtype(result, dtype):
    """Round and clip a float result back into the file's integer dtype."""
    if dtype.kind == "f":
        return result.astype(dtype)
    if dtype == bool:
        return result >= 0.5
    info = np.iinfo(dtype)
    return np.clip(np.rint(result), info.min, info.max).astype(dtype)


def upscale_pixels(image, factor=None, size=None, order=1, mode="reflect", n_threads=None,
                   max_pixels=None):
    """Upscale (or resize to ``size`` = (H, W)) an image as read from a file.

    The dtype (bit depth) comes back as it went in. An alpha channel (the last
    of 2 or 4 channels) is premultiplied for bilinear interpolation, so that
    transparent pixels do not bleed their colour, then divided out again.
    ``max_pixels`` bounds the output's pixels as in :func:`imgconv.upscale`
    (None: ``IMGCONV_MAX_PIXELS`` or the default).
    """
    import imgconv

    dtype = image.dtype
    work = image.astype(np.float64) if dtype.kind != "f" else image
    has_alpha = work.ndim == 3 and work.shape[-1] in (2, 4) and order == 1
    if has_alpha:
        alpha = work[..., -1:] / (np.iinfo(dtype).max if dtype.kind in "ui" else 1.0)
        work = np.concatenate([work[..., :-1] * alpha, work[..., -1:]], axis=-1)
    channel_axis = -1 if work.ndim == 3 else None
    if size is not None:
        out = imgconv.resize(work, size, order=order, mode=mode, channel_axis=channel_axis,
                             preserve_range=True, anti_aliasing=False, n_threads=n_threads,
                             max_pixels=max_pixels)
    else:
        out = imgconv.upscale(work, factor, order=order, mode=mode, channel_axis=channel_axis,
                              preserve_range=True, n_threads=n_threads, max_pixels=max_pixels)
    if has_alpha:
        scale = np.iinfo(dtype).max if dtype.kind in "ui" else 1.0
        alpha = out[..., -1:] / scale
        colour = np.divide(out[..., :-1], alpha, out=np.zeros_like(out[..., :-1]),
                           where=alpha > 0)
        out = np.concatenate([colour, out[..., -1:]], axis=-1)
    return _to_file_dtype(out, dtype)


def _output_path(source, args, many):
    if args.output:
        if many:
            raise UserError("-o/--output takes one input file; use --out-dir for several")
        return Path(args.output)
    folder = Path(args.out_dir) if args.out_dir else source.parent
    if args.suffix is not None:
        suffix = args.suffix
    elif args.size:
        suffix = f"_{args.size[1]}x{args.size[0]}"
    else:
        factor = args.factor if isinstance(args.factor, int) else "x".join(map(str, args.factor))
        suffix = f"_x{factor}"
    return folder / f"{source.stem}{suffix}{source.suffix}"


def _progress(items, desc):
    from tqdm import tqdm

    # disable=None: a bar on a terminal, silence when piped or logged
    return tqdm(items, desc=desc, unit="image", disable=None, file=sys.stderr)


def cmd_upscale(args):
    files = _image_files(args.inputs)
    # resolved once, so that the header check, the output check and the library agree
    limit = v.max_pixels_limit(args.max_pixels)
    failures = 0
    for source in _progress(files, "upscale"):
        try:
            target = _output_path(source, args, len(files) > 1)
            if target.exists() and not args.overwrite:
                raise UserError(f"{target}: exists; pass --overwrite to replace it")
            image = read_image(source, limit)
            h, w = image.shape[:2]
            if args.size:
                out_shape = args.size
            else:
                fy, fx = args.factor if isinstance(args.factor, tuple) else (args.factor,) * 2
                out_shape = (h * fy, w * fx)
            if out_shape[0] * out_shape[1] > limit:
                raise UserError(f"{source}: the result would have {out_shape[0] * out_shape[1]} "
                                f"pixels, more than --max-pixels {limit}")
            out = upscale_pixels(image, args.factor, args.size, args.order, args.mode,
                                 args.threads, max_pixels=limit)
            write_image(target, out, args.overwrite)
        except (UserError, ValueError, TypeError, MemoryError) as exc:
            failures += 1
            print(f"imgconv: {exc}", file=sys.stderr)
    if failures:
        print(f"imgconv: {failures} of {len(files)} file(s) failed", file=sys.stderr)
        return 1
    return 0


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

    import imgconv

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
    write_image(out_dir / f"astronaut_x{factor}.png", result, True)
    # a crop around the face, each method at the same scale, the input enlarged by repetition
    y0, x0, size = 40, 150, 96
    crop = (slice(y0 * factor, (y0 + size) * factor), slice(x0 * factor, (x0 + size) * factor))
    source = np.repeat(np.repeat(image[y0:y0 + size, x0:x0 + size], factor, 0), factor, 1)
    comparison = _side_by_side([nearest[crop], result[crop], source])
    write_image(out_dir / "comparison.png", comparison, True)
    print(f"upscaled astronaut {image.shape[1]}x{image.shape[0]} by {factor}: "
          f"imgconv {ours * 1e3:.1f} ms, skimage.transform.rescale {theirs * 1e3:.1f} ms "
          f"({theirs / ours:.0f}x), max difference {difference:.1e}")
    print(f"wrote {out_dir / f'astronaut_x{factor}.png'} and {out_dir / 'comparison.png'} "
          "(nearest | bilinear | input)")
    return 0


# ----------------------------------------------------------------- features

def cmd_features(args):
    import imgconv

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
    if out.suffix.lower() == ".npy":
        _write_npy(out, features, args.overwrite)
    else:
        write_image(out, np.moveaxis(features, -1, 0), args.overwrite)
    print(f"{args.input}: {features.shape[-1]} features of {features.shape[0]}x"
          f"{features.shape[1]} pixels -> {out}")
    return 0


# ------------------------------------------------------------------- parser

EPILOG_UPSCALE = """\
examples:
  imgconv upscale photo.png -s 2                 writes photo_x2.png
  imgconv upscale scans/ -s 4 --order 0 --out-dir big/
  imgconv upscale icon.png --size 512x512 -o icon_512.png --overwrite
8- and 16-bit files come back with the same bit depth (16-bit color needs TIFF:
Pillow writes no 16-bit color PNG); an alpha channel is
premultiplied for bilinear interpolation. A file whose header announces more
than --max-pixels pixels is refused before it is decoded.
"""

EPILOG_FEATURES = """\
examples:
  imgconv features cells.tif -o cells_features.npy
  imgconv features photo.png -o features.tif --scales 4
The .npy holds float32 (H, W, n_features); the .tif one page per feature.
"""


def build_parser():
    parser = argparse.ArgumentParser(
        prog="imgconv",
        description="Image upscaling and multi-scale features as convolutions.",
        epilog="run 'imgconv COMMAND --help' for a command's options and examples",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # default None: the environment variable, as in the library
    limit_default = f"default: IMGCONV_MAX_PIXELS, else {v.DEFAULT_MAX_PIXELS}"
    limit = dict(type=_positive_int, default=None, metavar="N")
    threads = dict(type=int, default=None, metavar="N",
                   help="threads to use (default: all cores)")

    up = sub.add_parser("upscale", help="upscale image files",
                        formatter_class=argparse.RawDescriptionHelpFormatter,
                        epilog=EPILOG_UPSCALE,
                        description="Upscale images by an integer factor or to a size.")
    up.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    how = up.add_mutually_exclusive_group(required=True)
    how.add_argument("-s", "--factor", type=_factor, metavar="FACTOR",
                     help="integer factor, or ROWSxCOLS factors")
    how.add_argument("--size", type=_size, metavar="WxH", help="output size in pixels")
    up.add_argument("--order", type=int, choices=(0, 1), default=1,
                    help="0 nearest, 1 bilinear (default)")
    up.add_argument("--mode", choices=MODES, default="reflect",
                    help="border extension, numpy.pad names (default reflect)")
    where = up.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", metavar="OUT", help="output file (one input only)")
    where.add_argument("--out-dir", metavar="DIR", help="folder for the outputs")
    up.add_argument("--suffix", default=None,
                    help="added to the input's name (default _xFACTOR or _WxH)")
    up.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    up.add_argument("-j", "--threads", **threads)
    up.add_argument("--max-pixels", **limit,
                    help=f"refuse images (in or out) of more pixels ({limit_default})")
    up.set_defaults(run=cmd_upscale)

    demo = sub.add_parser("demo", help="upscale a sample image and compare with scikit-image",
                          description="Upscale scikit-image's astronaut, write the result "
                                      "and a nearest | bilinear | input comparison, and time "
                                      "it against skimage.transform.rescale.")
    demo.add_argument("-s", "--factor", type=_positive_int, default=2, metavar="FACTOR")
    demo.add_argument("--out-dir", default=".", metavar="DIR")
    demo.add_argument("-j", "--threads", **threads)
    demo.set_defaults(run=cmd_demo)

    feat = sub.add_parser("features", help="multi-scale features of an image",
                          formatter_class=argparse.RawDescriptionHelpFormatter,
                          epilog=EPILOG_FEATURES,
                          description="Multi-scale atrous features of an image.")
    feat.add_argument("input", metavar="INPUT")
    feat.add_argument("-o", "--output", required=True, metavar="OUT",
                      help="output .npy or .tif")
    feat.add_argument("--scales", type=_positive_int, default=6, metavar="N",
                      help="number of scales (default 6)")
    feat.add_argument("--overwrite", action="store_true")
    feat.add_argument("-j", "--threads", **threads)
    feat.add_argument("--max-pixels", **limit,
                      help="refuse an input of more pixels, or features of more values "
                           f"(channels x scales x features x pixels) ({limit_default})")
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
