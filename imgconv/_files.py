"""Image files for the command line: one code path for every command.

Reading (header checked against the pixel bound before decoding), straight
alpha, conversion of float results back to the file's bit depth, atomic
writes with the user's permissions, and the per-file loop (progress bar, one
line per failed file, exit status).
"""
import math
import os
import secrets
import stat
import sys
from pathlib import Path

import numpy as np

from . import _validate as v
from ._ext import primitives as _primitives
from ._threads import effective_n_threads

#: Image file types read and written, and the imageio plugin of each. Naming
#: the plugin keeps imageio from trying every other reader on a broken file.
PLUGINS = {".png": "pillow", ".jpg": "pillow", ".jpeg": "pillow", ".bmp": "pillow",
           ".tif": "tifffile", ".tiff": "tifffile"}
IMAGE_EXTENSIONS = tuple(PLUGINS)
#: Files that hold arrays of any shape and dtype (starlet planes, features).
ARRAY_EXTENSIONS = (".npy", ".tif", ".tiff")


class UserError(Exception):
    """A mistake in the command line or an input file: reported in one line."""


# ----------------------------------------------------------------- reading

def find_files(inputs, extensions=IMAGE_EXTENSIONS):
    """The files named by INPUT arguments (folders: their files of ``extensions``, sorted)."""
    files = []
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            found = sorted(p for p in path.iterdir()
                           if p.is_file() and p.suffix.lower() in extensions)
            if not found:
                raise UserError(f"{name}: folder holds no {', '.join(extensions)} file")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise UserError(f"{name}: no such file or folder")
    return files


def check_writable(path, extensions=IMAGE_EXTENSIONS, suffix=None):
    """Refuse an output file type (``path``'s, or ``suffix``) before any work
    is done for it."""
    if (suffix or Path(path).suffix).lower() not in extensions:
        raise UserError(f"{path}: unsupported output type; use one of {', '.join(extensions)}")


def _plugin(path):
    plugin = PLUGINS.get(Path(path).suffix.lower())
    if plugin is None:
        raise UserError(f"{path}: unsupported file type; use one of {', '.join(IMAGE_EXTENSIONS)}")
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


def read_array(path, max_values):
    """An array from ``.npy`` or TIFF (every page), and the metadata recorded
    with it (:func:`write_output`; empty for a file written elsewhere). The
    size in the header is checked against ``max_values`` before decoding."""
    suffix = Path(path).suffix.lower()
    if suffix not in ARRAY_EXTENSIONS:
        raise UserError(f"{path}: unsupported file type; use one of {', '.join(ARRAY_EXTENSIONS)}")
    tif = None
    try:
        if suffix == ".npy":
            # memory-mapped: the header is read, the values only when copied
            mapped = np.load(path, mmap_mode="r", allow_pickle=False)
            shape, metadata = mapped.shape, {}
            read = lambda: np.array(mapped)              # noqa: E731
        else:
            import tifffile

            tif = tifffile.TiffFile(path)
            shape = tif.series[0].shape
            metadata = dict(tif.shaped_metadata[0]) if tif.shaped_metadata else {}
            read = tif.series[0].asarray
    except Exception as exc:  # noqa: BLE001 - any reader failure is the file's fault
        if tif is not None:
            tif.close()
        raise UserError(f"{path}: not a readable array ({exc})") from None
    try:
        values = math.prod(shape)
        if values > max_values:
            raise UserError(f"{path}: {values} values (shape {tuple(shape)}) is more than "
                            f"--max-pixels {max_values}; refusing to decode it")
        try:
            array = read()
        except Exception as exc:  # noqa: BLE001
            raise UserError(f"{path}: cannot decode ({exc})") from None
    finally:
        if tif is not None:
            tif.close()
    metadata.pop("shape", None)
    if metadata.pop("channels_last", False):
        array = np.moveaxis(array, 1, -1)
    return array, metadata


# ------------------------------------------------------------------- alpha

def split_alpha(image):
    """(colour, alpha): alpha is the last of 2 or 4 channels; None without one."""
    if image.ndim == 3 and image.shape[-1] in (2, 4):
        return image[..., :-1], image[..., -1]
    return image, None


def _channel_axis(array):
    return -1 if array.ndim == 3 else None


def with_alpha(image, transform, alpha="premultiply"):
    """``transform(array, channel_axis)`` of an image with straight alpha.

    alpha : {'premultiply', 'keep', 'plain'}
        'premultiply' (for a transform that mixes pixels: a resampling, a
        weighted average): the colour is multiplied by the alpha, transformed
        with it and divided by the transformed alpha (colour 0 where that is
        0), so that invisible pixels lend no colour to their neighbours.
        'keep': the colour channels are transformed, the alpha kept as it is
        (for a filter whose weights do not average, such as a derivative).
        'plain': every channel transformed alike.

    An image without alpha, or whose alpha is the same everywhere, is
    transformed as a whole in any case (premultiplying would change nothing).
    uint8 and uint16 images stay integers, transformed by the integer kernels:
    the premultiplied colour is held in 16 bits (exact for uint8,
    ``colour * alpha / 65535`` rounded for uint16) and divided by the alpha
    in the same units (for uint8, ``alpha * 255`` in 16 bits), transformed
    alike, so that a uniform colour comes back exactly whatever the alpha;
    the quotient is rounded half to even. Float images are premultiplied in
    their own type. Other integer types are transformed plainly.
    """
    colour, a = split_alpha(image)
    if (a is None or alpha == "plain" or a.min() == a.max()
            or (alpha == "premultiply" and image.dtype.kind != "f"
                and image.dtype not in (np.uint8, np.uint16))):
        return transform(image, _channel_axis(image))
    if alpha == "keep":
        return np.concatenate([transform(colour, -1), a[..., None]], axis=-1)
    if image.dtype.kind == "f":
        premultiplied = transform(colour * a[..., None], -1)
        a_out = transform(a, None)
        colour_out = np.divide(premultiplied, a_out[..., None],
                               out=np.zeros_like(premultiplied), where=a_out[..., None] != 0)
        return np.concatenate([colour_out.astype(image.dtype), a_out[..., None]], axis=-1)
    if image.dtype == np.uint8:
        # colour x alpha <= 255 * 255: exact in 16 bits; the divisor is the
        # alpha in the same units, so a uniform colour comes back exactly
        premultiplied = np.multiply(colour, a[..., None], dtype=np.uint16)
        divisor = np.multiply(a, 255, dtype=np.uint16)
    else:
        # colour x alpha / 65535 rounded to 16 bits: in the units of the alpha
        wide = colour.astype(np.uint64) * a[..., None]
        premultiplied = ((wide + 32767) // 65535).astype(np.uint16)
        divisor = None
    colour_out = transform(premultiplied, -1)
    a_out = transform(a, None)
    out = np.empty(colour_out.shape[:-1] + (image.shape[-1],), image.dtype)
    out[..., -1] = a_out
    _unpremultiply(colour_out, a_out if divisor is None else transform(divisor, None), a_out,
                   np.iinfo(image.dtype).max, out)
    return out


def _unpremultiply(colour, divisor, alpha, top, out):
    """``out[..., :-1] = min(round(colour * (top / divisor)), top)``, rounded
    half to even, 0 where nothing shows (``alpha`` or ``divisor`` 0); ``out``
    a new C-contiguous array whose last channel is the alpha."""
    pixels = alpha.size
    _primitives.unpremultiply(
        np.ascontiguousarray(colour, np.uint16).reshape(pixels, -1),
        np.ascontiguousarray(divisor, np.uint16).reshape(pixels),
        np.ascontiguousarray(alpha, out.dtype).reshape(pixels), float(top),
        out.reshape(pixels, -1), effective_n_threads(None))


def from_float(result, dtype):
    """A float result (in scikit-image's units: [0, 1] for unsigned integer
    files, [-1, 1] for signed) as ``dtype``, clipped to the type's range,
    converted by scikit-image (``img_as_ubyte`` and its kin)."""
    from skimage import util

    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return result.astype(dtype)
    convert = {np.dtype(np.uint8): util.img_as_ubyte, np.dtype(np.uint16): util.img_as_uint,
               np.dtype(np.int16): util.img_as_int, np.dtype(bool): util.img_as_bool}.get(dtype)
    if convert is None:
        raise UserError(f"cannot write {dtype} pixels; the float result can go to .npy or "
                        ".tif with --float")
    return convert(np.clip(result, -1.0 if dtype.kind == "i" else 0.0, 1.0))


# ----------------------------------------------------------------- writing

def _new_file_beside(path):
    """An empty new file in ``path``'s folder, created with mode 0666 so
    that the umask (and any default ACL of the folder) gives it what every
    new file of the user gets; ``tempfile.mkstemp`` would make it 0600."""
    for _ in range(100):
        tmp = path.with_name(f".{path.stem}-{secrets.token_hex(6)}{path.suffix}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                         0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(f"no free temporary name beside {path}")


def write_atomic(path, write, overwrite):
    """Call ``write(tmp)`` on a new file in ``path``'s folder, then rename it to ``path``.

    A missing folder is created (with its parents); a reader never sees a
    half-written ``path``, and a failure leaves no temporary file behind.
    The file gets the permissions of any new file of the user (0644 under
    umask 022); a file it replaces keeps its own.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise UserError(f"{path}: exists; pass --overwrite to replace it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _new_file_beside(path)
    except OSError as exc:                               # e.g. a parent is a file
        raise UserError(f"{path}: cannot write ({exc})") from None
    try:
        write(tmp)
        if path.exists():
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        os.replace(tmp, path)
    except Exception as exc:  # noqa: BLE001
        tmp.unlink(missing_ok=True)
        raise UserError(f"{path}: cannot write ({exc})") from None


def write_output(path, array, overwrite, metadata=None):
    """Write an image, or an array to ``.npy`` / TIFF, atomically.

    With ``metadata`` (a dict of JSON values) a TIFF holds a stack of images,
    (N, H, W) or (N, H, W, C), as gray pages with its shape and the metadata
    recorded (read back by :func:`read_array`; ``.npy`` records none);
    without, image files get the array as an image.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        def write(tmp):
            # through a file object: np.save would append ".npy" to a name ending ".NPY"
            with open(tmp, "wb") as f:
                np.save(f, array)
    elif metadata is not None:
        import tifffile

        pages, metadata = array, dict(metadata)
        if array.ndim == 4:         # (N, H, W, C): gray pages, N then C, for any TIFF reader
            pages, metadata["channels_last"] = np.moveaxis(array, -1, 1), True

        def write(tmp):
            tifffile.imwrite(tmp, pages, photometric="minisblack", metadata=metadata)
    else:
        import imageio.v3 as iio

        plugin = _plugin(path)

        def write(tmp):
            iio.imwrite(tmp, array, extension=suffix, plugin=plugin)
    write_atomic(path, write, overwrite)


# ------------------------------------------------------------ the file loop

def output_path(source, args, many, suffix, extension=None):
    """Where the result for ``source`` goes: ``-o``, else ``--out-dir`` (or
    the source's folder) / stem + ``--suffix`` (or ``suffix``) + extension."""
    if args.output:
        if many:
            raise UserError("-o/--output takes one input file; use --out-dir for several")
        return Path(args.output)
    folder = Path(args.out_dir) if args.out_dir else source.parent
    suffix = args.suffix if args.suffix is not None else suffix
    return folder / f"{source.stem}{suffix}{extension or source.suffix}"


def _progress(items, desc):
    from tqdm import tqdm

    # disable=None: a bar on a terminal, silence when piped or logged
    return tqdm(items, desc=desc, unit="file", disable=None, file=sys.stderr)


def transform_files(args, desc, compute, suffix, *, read=read_image,
                    inputs=IMAGE_EXTENSIONS, extension=None, outputs=IMAGE_EXTENSIONS):
    """Run ``compute`` on every input file and write each result.

    ``compute(data, limit)`` takes what ``read(path, limit)`` returns and
    gives ``(array, metadata)`` for :func:`write_output`. Files come from
    ``args.inputs`` (files and folders), outputs from :func:`output_path`;
    an existing output is refused before the input is read, unless
    ``--overwrite``. Each failure is one line on stderr and the others go on.
    Returns the exit status: 1 when any file failed.
    """
    from tqdm import tqdm

    files = find_files(args.inputs, inputs)
    # resolved once, so that the header checks and the library agree
    limit = v.max_pixels_limit(args.max_pixels)
    failures = 0
    for source in _progress(files, desc):
        try:
            target = output_path(source, args, len(files) > 1, suffix, extension)
            check_writable(target, outputs)
            if target.exists() and not args.overwrite:
                raise UserError(f"{target}: exists; pass --overwrite to replace it")
            array, metadata = compute(read(source, limit), limit)
            write_output(target, array, args.overwrite, metadata)
            continue
        except UserError as exc:
            message = str(exc)
        except (ValueError, TypeError, MemoryError, OSError) as exc:
            message = f"{source}: {exc or type(exc).__name__}"
        failures += 1
        tqdm.write(f"imgconv: {message}", file=sys.stderr)
    if failures:
        print(f"imgconv: {failures} of {len(files)} file(s) failed", file=sys.stderr)
        return 1
    return 0
