"""Image resampling with scikit-image's conventions: ``upscale``, ``resize``, ``rescale``.

``resize`` and ``rescale`` give the pixels of ``skimage.transform.resize`` and
``rescale`` for ``order`` 0 (nearest) and 1 (bilinear), anti-aliasing
included; ``upscale`` is the integer-factor case, computed as a transposed
convolution with a fixed kernel (see :mod:`imgconv.kernels`).

How the pixels are computed
---------------------------
scikit-image filters with ``scipy.ndimage.gaussian_filter`` (truncated at 4
sigma) when shrinking, then calls ``scipy.ndimage.zoom(..., grid_mode=True)``:
output pixel ``o`` of an axis of ``n -> m`` pixels samples the input at
``x = (o + 0.5) * (n / m) - 0.5`` (computed in exactly that order, so that
nearest-neighbour ties resolve identically); bilinear weighs pixels
``floor(x)`` and ``floor(x) + 1`` by ``1 - t`` and ``t``, ``t = x - floor(x)``;
nearest takes ``floor(x + 0.5)``. Both steps are separable, so each axis
becomes one tap table (the Gaussian composed with the interpolation), and the
compiled kernel (``pyx/polyphase.pyx``) applies the two tables, rows through
a per-thread cache of horizontally resampled rows. For an integer factor the
horizontal pass is polyphase: the ``s`` phases of the sub-pixel form of the
bilinear transposed convolution, each written into its interleaved position.
Nearest neighbour without a filter copies pixels, bit for bit, in any dtype.
"""
import math

import numpy as np

from . import _validate as v
from ._ext import polyphase as _poly
from ._ext.runtime import border_index_table
from ._threads import effective_n_threads
from .dask import dask_aware

__all__ = ["upscale", "resize", "rescale"]

#: Values of ``method`` for :func:`upscale`.
UPSCALE_METHODS = ("auto", "polyphase", "gemm", "subpixel", "zero_insert")

#: Bound on one thread's cache of resampled rows (elements are floats).
CACHE_BYTES = 4 << 20

#: Outputs of STREAM_BYTES to FRESH_BYTES are written with streaming stores:
#: they do not fit in the cache, and skipping the read of each line before
#: writing it saves 10-20% (2896^2 float32 x2, one thread: 3.7 ms vs 4.1).
#: Larger outputs are fresh pages from mmap (glibc's threshold stops at
#: 32 MiB) whose page faults cost as much as the resampling; there streaming
#: measured slightly slower (4096^2: 14.0 ms vs 13.7), so they use plain stores.
STREAM_BYTES = 8 << 20
FRESH_BYTES = 32 << 20

#: Work items per thread: blocks of output rows handed out dynamically.
ITEMS_PER_THREAD = 4

#: The integer dtypes the compiled kernel rounds into directly, and the float
#: type it computes them in (exact for every factor's weights on 8 bits).
_INTEGER_KERNELS = {np.dtype(np.uint8): np.float32, np.dtype(np.uint16): np.float64}


# ----------------------------------------------------------- tap tables ---

def _border_map(positions, n, code):
    """Integer positions mapped into [0, n) by the border rule (-1: constant)."""
    lo, hi = int(positions.min()), int(positions.max())
    table = np.array(border_index_table(n, lo, hi + 1, code), np.intp)
    return table[positions - lo]


def _coordinates(n, m):
    """Input coordinate of each output pixel, as ndimage.zoom(grid_mode=True)
    computes it: ``(o + 0.5) * zoom - 0.5`` with ``zoom = n / m``."""
    return (np.arange(m, dtype=np.float64) + 0.5) * (n / m) - 0.5


def _nearest_index(n, m):
    # x + 0.5 lies in (0, n): never outside the image
    return np.floor(_coordinates(n, m) + 0.5).astype(np.intp)


def _linear_taps(n, m, code):
    """(index, weight), shape (m, 2): bilinear taps of every output pixel."""
    x = _coordinates(n, m)
    first = np.floor(x)
    t = x - first
    first = first.astype(np.intp)
    index = _border_map(np.stack([first, first + 1], axis=1), n, code)
    return index, np.stack([1 - t, t], axis=1)


def _phase_weights(factor):
    """Per phase r of an integer factor s: the sub-pixel taps of REFERENCE
    section 3. Phase r sits at offset ``f = (2r + 1 - s) / 2s``; its taps are
    pixels (q - 1, q) with weights (-f, 1 + f) if f < 0, else pixels
    (q, q + 1) with (1 - f, f). Returns (offset 0 or 1, weights (s, 2))."""
    f = (2 * np.arange(factor) + 1 - factor) / (2 * factor)
    before = f < 0
    weight = np.stack([np.where(before, -f, 1 - f), np.where(before, 1 + f, f)], axis=1)
    return np.where(before, 0, 1).astype(np.intp), weight


def _phase_rows(n, factor, code):
    """Bilinear row taps of an integer factor, from the phase weights."""
    offset, weight = _phase_weights(factor)
    phase = np.tile(np.arange(factor), n)
    first = np.repeat(np.arange(n), factor) - 1 + offset[phase]
    index = _border_map(np.stack([first, first + 1], axis=1), n, code)
    return index, weight[phase]


def _gaussian(sigma):
    """scipy.ndimage's Gaussian: radius ``int(4 sigma + 0.5)``, normalised."""
    radius = int(4.0 * sigma + 0.5)
    x = np.arange(-radius, radius + 1)
    phi = np.exp(-0.5 / (sigma * sigma) * x ** 2)
    return radius, phi / phi.sum()


def _merge_taps(index, weight):
    """Sum the weights of equal indices within each row; pad rows with
    zero-weight copies of their first tap."""
    order = np.argsort(index, axis=1, kind="stable")
    index = np.take_along_axis(index, order, axis=1)
    weight = np.take_along_axis(weight, order, axis=1)
    starts = np.ones(index.shape, bool)
    starts[:, 1:] = index[:, 1:] != index[:, :-1]
    segment = np.cumsum(starts, axis=1) - 1
    m, taps = index.shape[0], int(segment[:, -1].max()) + 1
    rows = np.broadcast_to(np.arange(m)[:, None], index.shape)
    merged_index = np.repeat(index[:, :1], taps, axis=1)
    merged_index[rows, segment] = index
    merged_weight = np.zeros((m, taps))
    np.add.at(merged_weight, (rows, segment), weight)
    return merged_index, merged_weight


def _blurred_taps(index, weight, n, code, sigma):
    """Taps of ``zoom(gaussian_filter(x))`` along one axis: each interpolation
    tap spread over the Gaussian around it (taps reading the constant stay
    constant, as zoom reads cval there, not a blurred cval)."""
    radius = int(4.0 * sigma + 0.5)
    # a huge sigma makes a huge table: bound it before allocating
    v.check_output_pixels((index.shape[0], index.shape[1], 2 * radius + 1),
                          what="anti-aliasing tap table")
    radius, gauss = _gaussian(sigma)
    spread = _border_map(index[:, :, None] + np.arange(-radius, radius + 1), n, code)
    spread = np.where(index[:, :, None] < 0, -1, spread)
    weights = weight[:, :, None] * gauss
    m = index.shape[0]
    return _merge_taps(spread.reshape(m, -1), weights.reshape(m, -1))


def _axis_taps(n, m, order, code, sigma):
    """(index, weight) of one axis; index -1 reads the constant."""
    if order == 1:
        if sigma == 0 and m % n == 0:
            return _phase_rows(n, m // n, code)
        index, weight = _linear_taps(n, m, code)
    else:
        index, weight = _nearest_index(n, m)[:, None], np.ones((m, 1))
    if sigma > 0:
        index, weight = _blurred_taps(index, weight, n, code, sigma)
    return index, weight


# -------------------------------------------------------------- kernels ---

def _planes(array, axis):
    """The image as contiguous (P, H, W, C) planes without moving data when
    the layout allows: gray (1, H, W, 1), channels first (C, H, W, 1),
    channels last (1, H, W, C); a middle channel axis is moved last."""
    if axis is None:
        return v.as_compute_array(array, array.dtype)[None, :, :, None]
    if axis == 0:
        return v.as_compute_array(array, array.dtype)[:, :, :, None]
    return v.as_compute_array(np.moveaxis(array, axis, -1), array.dtype)[None]


def _unplanes(out, axis):
    """Inverse of :func:`_planes` on a result."""
    if axis is None:
        return out[0, :, :, 0]
    if axis == 0:
        return out[:, :, :, 0]
    out = out[0]
    return out if axis == 2 else np.ascontiguousarray(np.moveaxis(out, -1, axis))


def _items(planes, out_height, n_threads):
    """Rows per work item: about ITEMS_PER_THREAD items per thread."""
    blocks = max(1, -(-ITEMS_PER_THREAD * n_threads // planes))
    return max(1, -(-out_height // blocks))


def _streams(out):
    return STREAM_BYTES <= out.nbytes <= FRESH_BYTES


def _run_resample(planes, out_hw, rows, cols, col_factor, code, cval, bounds, clip,
                  compute, out_dtype, n_threads, rows_first=None):
    """Run polyphase.resample on (P, H, W, C) planes; ``rows`` and ``cols``
    are (index, weight) tables (cols: phase offsets and weights when
    ``col_factor`` > 0, else indices into the input row). ``rows_first``
    overrides the order of the passes (a part of an image computed as the
    whole image would be)."""
    count, height, width, channels = planes.shape
    out_h, out_w = out_hw
    row_index, row_weight = rows
    col_index, col_weight = cols
    if col_factor == 0:
        col_index = col_index + 1          # the kernel's row starts with an extension pixel
        if np.all(col_index[:, 1:] - col_index[:, :-1] == 1):
            col_factor, col_index = -1, col_index[:, :1]     # consecutive: first index only
    else:
        col_index = col_index[:, None]
    row_len = out_w * channels
    itemsize = np.dtype(compute).itemsize
    # shrinking vertically: blend input rows first, then one horizontal pass
    # per output row (no cache); else cache horizontally resampled input rows
    if rows_first is None:
        rows_first = out_h < height
    wanted = row_index.shape[1] + -(-height // out_h) + 1
    slots = 0 if rows_first else max(2, min(wanted, CACHE_BYTES // max(1, row_len * itemsize)))
    n = effective_n_threads(n_threads)
    work = np.empty((n, (width + 2) * channels + (1 + slots) * row_len), compute)
    # a cache line of padding between the threads' tags
    tags = np.empty((n, 2 * slots + 8), np.intp)
    out = np.empty((count, out_h, out_w, channels), out_dtype)
    lo, hi = bounds
    _poly.resample(planes, out, np.ascontiguousarray(row_index, np.intp),
                   np.ascontiguousarray(row_weight, compute),
                   np.ascontiguousarray(col_index, np.intp),
                   np.ascontiguousarray(col_weight, compute), col_factor, code,
                   float(cval), float(lo), float(hi), clip, _streams(out), rows_first, work,
                   tags, _items(count, out_h, n), n)
    return out


def _run_gather(planes, out_hw, n_threads):
    """Nearest neighbour without a filter: whole pixels copied, any dtype."""
    count, height, width, channels = planes.shape
    out_h, out_w = out_hw
    # view each pixel as units of the largest power-of-two size dividing it
    pixel_bytes = channels * planes.itemsize
    unit = math.gcd(pixel_bytes, 8)
    raw = planes.view(np.dtype(f"u{unit}")).reshape(count, height, width, pixel_bytes // unit)
    out = np.empty((count, out_h, out_w, raw.shape[3]), raw.dtype)
    factor = out_w // width if out_w % width == 0 else 0
    n = effective_n_threads(n_threads)
    work = np.empty((n, out_w * raw.shape[3]), raw.dtype)
    _poly.gather(raw, out, _nearest_index(height, out_h), _nearest_index(width, out_w),
                 factor, _streams(out), work, _items(count, out_h, n), n)
    return out.view(planes.dtype).reshape(count, out_h, out_w, channels)


# -------------------------------------------------------------- options ---

def _check_order(order, dtype):
    """scikit-image's rule: None is 0 for bool images, else 1."""
    if order is None:
        return 0 if dtype == bool else 1
    order = v.check_int(order, "order")
    if order not in (0, 1):
        raise ValueError(
            f"order must be 0 (nearest) or 1 (bilinear), got {order}; higher spline "
            "orders are not implemented"
        )
    if dtype == bool and order != 0:
        raise ValueError(
            f"order={order} is not defined for a bool image: use order=0, or cast the "
            "image to another dtype"
        )
    return order


def _check_sigma(sigma):
    """A given anti_aliasing_sigma as one value per spatial axis (None stays None)."""
    if sigma is None:
        return None
    if v.is_sequence(sigma):
        if len(sigma) != 2:
            raise ValueError(
                f"anti_aliasing_sigma must be a number or one per spatial axis, got "
                f"{sigma!r}"
            )
        sigmas = tuple(v.check_float(s, "anti_aliasing_sigma") for s in sigma)
    else:
        sigmas = (v.check_float(sigma, "anti_aliasing_sigma"),) * 2
    if any(s < 0 for s in sigmas):
        raise ValueError(f"anti_aliasing_sigma must be >= 0, got {sigma!r}")
    return sigmas


def _input_range(image, n_threads=1):
    """min and max of an image, ignoring NaN if there are some (as skimage):
    one parallel pass for float32/float64, numpy otherwise."""
    if image.dtype not in (np.float32, np.float64) or image.size < 4096:
        lo = np.min(image)
        if np.isnan(lo):
            return np.nanmin(image), np.nanmax(image)
        return lo, np.max(image)
    flat = v.as_compute_array(image, image.dtype).reshape(-1)
    chunks = np.empty((4 * n_threads, 2), flat.dtype)
    _poly.value_range(flat, chunks, n_threads)
    lo, hi = chunks[:, 0].min(), chunks[:, 1].max()
    if lo > hi:                                  # all NaN, as np.nanmin says
        return flat.dtype.type(np.nan), flat.dtype.type(np.nan)
    return lo, hi


def _clip_bounds(image_range, out_range, mode, cval, dtype):
    """scikit-image's _clip_warp_output bounds: the input's range, widened to
    cval when mode 'constant' put a cval outside it inside the output's range
    (``out_range`` is only read then)."""
    lo, hi = image_range
    if _cval_outside(image_range, mode, cval) and out_range[0] <= cval <= out_range[1]:
        c = np.dtype(dtype).type(cval)
        return min(lo, c), max(hi, c)
    return lo, hi


def _clip_cval(image_range, out, mode, cval, dtype):
    """Clip ``out`` in place to :func:`_clip_bounds`."""
    out_range = _input_range(out) if _cval_outside(image_range, mode, cval) else None
    lo, hi = _clip_bounds(image_range, out_range, mode, cval, dtype)
    np.clip(out, np.asarray(lo), np.asarray(hi), out=out)


def _cval_outside(image_range, mode, cval):
    lo, hi = image_range
    return mode == "constant" and not lo <= cval <= hi


def _to_dtype(out, dtype):
    """A float result in the image's own units as ``dtype``: integers rounded
    half to even and clipped to the type's range."""
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        out = np.clip(np.rint(out), info.min, info.max)
    return out.astype(dtype)


# ------------------------------------------------------------- pipeline ---

class _Request:
    """The validated arguments of one resampling call."""

    def __init__(self, image, channel_axis, order, mode, cval, clip, preserve_range,
                 preserve_dtype, n_threads, implied_channels=False):
        array = v.check_array(image, "image")
        if channel_axis is None and implied_channels and array.ndim == 3:
            channel_axis = -1          # skimage.transform.resize keeps a trailing axis
        array, self.axis = v.check_image(array, channel_axis)
        self.array = v.as_native(array)
        self.order = _check_order(order, self.array.dtype)
        self.code = v.check_pad_mode(mode)
        self.mode = mode
        self.cval = v.check_float(cval, "cval", finite=False)
        self.clip = v.check_bool(clip, "clip")
        self.preserve_range = v.check_bool(preserve_range, "preserve_range")
        self.preserve_dtype = v.check_bool(preserve_dtype, "preserve_dtype")
        if (self.preserve_dtype and self.array.dtype.kind in "biu" and self.mode == "constant"
                and not np.isfinite(self.cval)):
            raise ValueError(
                f"cval must be finite for an integer result (preserve_dtype=True on a "
                f"{self.array.dtype} image), got {self.cval}")
        self.n_threads = effective_n_threads(n_threads)
        self.spatial = tuple(s for i, s in enumerate(self.array.shape) if i != self.axis)

    def check_output(self, out_hw, max_pixels):
        """Bound the output's pixels before anything of its size exists."""
        v.check_output_pixels(out_hw, max_pixels)


def _anti_aliasing_sigmas(req, out_hw, anti_aliasing, anti_aliasing_sigma):
    """Gaussian sigma per spatial axis (0: no filter), by scikit-image's rules."""
    dtype = req.array.dtype
    given = _check_sigma(anti_aliasing_sigma)       # checked even when unused
    if anti_aliasing is None:
        anti_aliasing = (dtype != bool and not (dtype.kind in "iu" and req.order == 0)
                         and any(m < n for m, n in zip(out_hw, req.spatial)))
    elif v.check_bool(anti_aliasing, "anti_aliasing") and dtype == bool:
        raise ValueError("anti_aliasing must be False for bool images")
    if not anti_aliasing:
        return 0.0, 0.0
    factors = tuple(n / m for n, m in zip(req.spatial, out_hw))
    if given is None:                                # scikit-image's default
        sigmas = tuple(max(0.0, (f - 1) / 2) for f in factors)
    else:
        sigmas = given
        if any(s > 0 and f <= 1 for s, f in zip(sigmas, factors)):
            v.warn_caller("Anti-aliasing standard deviation greater than zero but not "
                          "down-sampling along all axes")
    # gaussian_filter skips the axes with sigma <= 1e-15
    return tuple(s if s > 1e-15 else 0.0 for s in sigmas)


def _resample(req, out_hw, anti_aliasing=None, anti_aliasing_sigma=None):
    """resize of a validated request to ``out_hw`` spatial pixels."""
    image, dtype = req.array, req.array.dtype
    if dtype == np.float16:
        image = image.astype(np.float32)
    sigmas = _anti_aliasing_sigmas(req, out_hw, anti_aliasing, anti_aliasing_sigma)
    result_dtype = dtype if req.preserve_dtype else None

    if req.order == 1 and out_hw == req.spatial and sigmas == (0.0, 0.0):
        # scipy.ndimage.zoom (skimage's resize) returns the image itself at
        # zoom 1: no neighbour is read, so NaN and inf stay in their pixels
        out = v.image_to_float(image, req.preserve_range or req.preserve_dtype)
        out = out.astype(v.float_dtype_for(out.dtype), order="C", copy=True)
        return out if result_dtype is None else _to_dtype(out, result_dtype)
    if req.order == 0 and sigmas == (0.0, 0.0):
        out = _run_gather(_planes(image, req.axis), out_hw, req.n_threads)
        return _unplanes(out, req.axis).astype(result_dtype or image.dtype, copy=False)
    if req.order == 0 and image.dtype.kind != "f":
        return _blurred_integer_nearest(req, image, out_hw, sigmas)

    rows = _axis_taps(req.spatial[0], out_hw[0], req.order, req.code, sigmas[0])
    if req.order == 1 and sigmas[1] == 0 and out_hw[1] % req.spatial[1] == 0:
        col_factor = out_hw[1] // req.spatial[1]        # the polyphase pass
        cols = _phase_weights(col_factor)
    else:
        col_factor = 0
        cols = _axis_taps(req.spatial[1], out_hw[1], req.order, req.code, sigmas[1])
    tables = (rows, cols, col_factor)

    if req.preserve_dtype and req.order == 1 and dtype in _INTEGER_KERNELS:
        out = _integer_resample(req, image, out_hw, tables)
        if out is not None:
            return out

    if req.order == 1:
        image = v.image_to_float(image, req.preserve_range or req.preserve_dtype)
    compute = v.float_dtype_for(image.dtype)
    image = image.astype(compute, copy=False)
    image_range = _input_range(image, req.n_threads) if req.clip else (0.0, 0.0)
    late_clip = req.clip and _cval_outside(image_range, req.mode, req.cval)
    out = _run_resample(_planes(image, req.axis), out_hw, *tables, req.code, req.cval,
                        image_range, req.clip and not late_clip, compute, compute,
                        req.n_threads)
    out = _unplanes(out, req.axis)
    if late_clip:
        _clip_cval(image_range, out, req.mode, req.cval, image.dtype)
    return out if result_dtype is None else _to_dtype(out, result_dtype)


def _integer_resample(req, image, out_hw, tables):
    """preserve_dtype for uint8 / uint16: the kernel reads the integers and
    rounds into the same type, no float image on the way. None when the
    clip bounds depend on the result (cval outside the range in mode
    'constant'): the float path then decides them as scikit-image does."""
    info = np.iinfo(image.dtype)
    bounds = info.min, info.max
    if req.clip:
        lo, hi = _input_range(image)
        if _cval_outside((lo, hi), req.mode, req.cval):
            return None
        bounds = int(lo), int(hi)
    out = _run_resample(_planes(image, req.axis), out_hw, *tables, req.code, req.cval,
                        bounds, True, _INTEGER_KERNELS[image.dtype], image.dtype,
                        req.n_threads)
    return _unplanes(out, req.axis)


def _blurred_integer_nearest(req, image, out_hw, sigmas):
    """order 0 with anti_aliasing=True on an integer image: scikit-image
    filters in the integer dtype (rounding after each axis), so this rare
    case filters with scipy.ndimage exactly as it does, then gathers."""
    from scipy import ndimage

    full_sigma = list(sigmas)
    if req.axis is not None:
        full_sigma.insert(req.axis, 0.0)
    # for a filter, ndimage's 'constant' and 'wrap' are skimage's 'grid-*' modes
    filtered = ndimage.gaussian_filter(image, full_sigma, cval=req.cval,
                                       mode=v.PAD_TO_NDIMAGE[req.mode])
    out = _unplanes(_run_gather(_planes(filtered, req.axis), out_hw, req.n_threads), req.axis)
    if req.clip:
        _clip_cval(_input_range(image), out, req.mode, req.cval, image.dtype)
    return out


# ------------------------------------------------------------ public API ---

def _upscale_conv(req, factor, method):
    """upscale through the convolution engine: the transposed convolution of
    each channel with the bilinear (input extended by one pixel per side in
    the mode, output cropped by the factor) or the nearest kernel."""
    from .conv import conv_transpose2d
    from .kernels import bilinear_kernel, nearest_kernel

    image, dtype = req.array, req.array.dtype
    if req.order == 1:
        image = v.image_to_float(image, req.preserve_range or req.preserve_dtype)
    compute = v.float_dtype_for(image.dtype)
    image = image.astype(compute, copy=False)
    x = image[None] if req.axis is None else np.moveaxis(image, req.axis, 0)
    channels = x.shape[0]
    if req.order == 0:
        out = conv_transpose2d(x, nearest_kernel(factor, channels=channels), stride=factor,
                               groups=channels, method=method, n_threads=req.n_threads)
        out = out.astype(np.float32 if dtype == np.float16 else dtype)
    else:
        pad_mode = {"constant": dict(mode="constant", constant_values=req.cval)}.get(
            req.mode, dict(mode=req.mode))
        padded = np.pad(x, ((0, 0), (1, 1), (1, 1)), **pad_mode)
        out = conv_transpose2d(padded, bilinear_kernel(factor, channels=channels),
                               stride=factor, padding=(factor[0] // 2, factor[1] // 2),
                               groups=channels, method=method, n_threads=req.n_threads)
        out = out[:, factor[0]:-factor[0], factor[1]:-factor[1]]
    out = out[0] if req.axis is None else np.ascontiguousarray(np.moveaxis(out, 0, req.axis))
    if req.order == 1 and req.clip:
        _clip_cval(_input_range(image), out, req.mode, req.cval, image.dtype)
    return _to_dtype(out, dtype) if req.preserve_dtype else out


@dask_aware
def upscale(image, factor, *, order=None, mode="reflect", cval=0.0, clip=True,
            channel_axis=None, preserve_range=False, preserve_dtype=False, method="auto",
            n_threads=None, max_pixels=None):
    """Enlarge an image by integer factors, as a transposed convolution.

    The result equals ``skimage.transform.rescale(image, factor, order=order,
    mode=mode, cval=cval, clip=clip, preserve_range=preserve_range,
    channel_axis=channel_axis)``: each channel is upsampled by a transposed
    convolution with stride ``factor`` and the bilinear kernel
    (:func:`imgconv.bilinear_kernel`, order 1) or the nearest kernel
    (``np.repeat``, order 0).

    Parameters
    ----------
    image : array_like, shape (H, W), or 3-D with channels at ``channel_axis``
        Any real or bool dtype.
    factor : int or (int, int)
        Integer factor, at least 1, or one per axis ``(fh, fw)``; the output
        is ``(fh*H, fw*W)``.
    order : {None, 0, 1}, optional
        0: nearest neighbour (pixels repeated, dtype kept), 1: bilinear.
        None (default): 0 for bool images, else 1 (scikit-image's rule).
    mode : {'reflect', 'edge', 'symmetric', 'wrap', 'constant'}, optional
        How the image extends past its border (numpy.pad names, as
        scikit-image.transform). Only the outer ``factor // 2`` output pixels
        per side depend on it.
    cval : float, optional
        Value outside the image in mode 'constant'.
    clip : bool, optional
        Clip the result to the input's range (widened to cval only where
        scikit-image does), as scikit-image.
    channel_axis : int, optional
        Axis of the channels of a color image; None for a gray image.
    preserve_range : bool, optional
        Keep the values of an integer image instead of scaling them to
        [0, 1] (order 1), as scikit-image.
    preserve_dtype : bool, optional
        Return the input's dtype: an integer image (a uint8 or uint16 photo)
        is computed in its own units (as ``preserve_range=True``; cval too)
        and rounded half to even, then clipped to its type's range. uint8
        and uint16 run in the compiled kernel without a float image.
    method : {'auto', 'polyphase', 'gemm', 'subpixel', 'zero_insert'}, optional
        'polyphase' (what 'auto' runs): the fused separable kernel.
        'gemm', 'subpixel', 'zero_insert': the transposed convolution
        through :func:`imgconv.conv_transpose2d` with that method, one
        channel per group. All give the same pixels up to float rounding.
    n_threads : int, optional
        Threads to use: None for all cores, negative to count from the end.
        The result does not depend on it.
    max_pixels : int, optional
        Bound on the output's pixels (default: ``IMGCONV_MAX_PIXELS`` or
        178,956,970), checked before anything is allocated.

    Returns
    -------
    ndarray
        ``(fh*H, fw*W)`` with the channel axis where it was. dtype as
        scikit-image: order 0 keeps the input's (float16 gives float32);
        order 1 gives float32 for float16/float32 and float64 otherwise;
        ``preserve_dtype=True`` gives the input's.

    See Also
    --------
    resize, rescale

    Examples
    --------
    >>> import numpy as np
    >>> from imgconv import upscale
    >>> row = np.array([[0.0, 4.0, 8.0]])
    >>> upscale(row, (1, 2))                    # mode 'reflect': 4 0 4 8 4
    array([[1., 1., 3., 5., 7., 7.]])
    >>> upscale(row, (1, 2), mode="edge")       # as cv2.resize and torch
    array([[0., 1., 3., 5., 7., 8.]])
    >>> upscale(row, (2, 1), order=0)
    array([[0., 4., 8.],
           [0., 4., 8.]])
    >>> photo = np.array([[[0, 100, 255]]], dtype=np.uint8)       # one RGB pixel
    >>> upscale(photo, 2, channel_axis=-1, preserve_dtype=True)[..., 1]
    array([[100, 100],
           [100, 100]], dtype=uint8)
    """
    v.check_choice(method, "method", UPSCALE_METHODS)
    req = _Request(image, channel_axis, order, mode, cval, clip, preserve_range,
                   preserve_dtype, n_threads)
    factor = v.check_pair(factor, "factor", min_value=1)
    out_hw = tuple(f * n for f, n in zip(factor, req.spatial))
    req.check_output(out_hw, max_pixels)
    if method in ("auto", "polyphase"):
        return _resample(req, out_hw)
    return _upscale_conv(req, factor, method)


def _check_output_shape(output_shape, req):
    """Spatial output size from a resize ``output_shape``: (rows, cols), or
    the full shape with the channel count unchanged."""
    if not v.is_sequence(output_shape):
        raise TypeError(
            f"output_shape must be a sequence of integers, got {output_shape!r}")
    shape = tuple(v.check_int(s, "output_shape", min_value=1) for s in output_shape)
    if len(shape) == 2:
        return shape
    if req.axis is not None and len(shape) == 3:
        channels = req.array.shape[req.axis]
        if shape[req.axis] != channels:
            raise ValueError(
                f"output_shape {shape} changes the number of channels ({channels} at axis "
                f"{req.axis}); resizing across channels is not supported"
            )
        return tuple(s for i, s in enumerate(shape) if i != req.axis)
    raise ValueError(
        f"output_shape must be (rows, cols) or the full shape of the image "
        f"{req.array.shape}, got {output_shape!r}"
    )


@dask_aware
def resize(image, output_shape, *, order=None, mode="reflect", cval=0.0, clip=True,
           preserve_range=False, anti_aliasing=None, anti_aliasing_sigma=None,
           channel_axis=None, preserve_dtype=False, n_threads=None, max_pixels=None):
    """Resize an image to any shape; ``skimage.transform.resize`` for order 0 and 1.

    Parameters
    ----------
    image : array_like, shape (H, W), or 3-D with channels at ``channel_axis``
        A 3-D image without ``channel_axis`` has its channels last, as
        scikit-image assumes when ``output_shape`` has two entries.
    output_shape : sequence of int
        ``(rows, cols)``, or the image's full shape with the channel count
        unchanged.
    order : {None, 0, 1}, optional
        0 nearest, 1 bilinear; None: 0 for bool images, else 1.
    mode : {'reflect', 'edge', 'symmetric', 'wrap', 'constant'}, optional
        Border extension (numpy.pad names), for the interpolation and the
        anti-aliasing filter alike.
    cval : float, optional
        Value outside the image in mode 'constant'.
    clip : bool, optional
        Clip the result to the input's range, as scikit-image.
    preserve_range : bool, optional
        Keep the values of an integer image (order 1) instead of scaling
        them to [0, 1].
    anti_aliasing : bool, optional
        Gaussian-filter the image before shrinking. None (default): True
        when some axis shrinks, unless the image is bool or an integer image
        resampled with order 0 (scikit-image's rule).
    anti_aliasing_sigma : float or (float, float), optional
        Standard deviation per spatial axis; default ``max(0, (in/out - 1) / 2)``.
        The filter is scipy.ndimage's, truncated at 4 sigma. (Given as one
        number, scikit-image also filters across the channel axis; imgconv
        never does.)
    channel_axis : int, optional
        Axis of the channels of a color image.
    preserve_dtype : bool, optional
        Return the input's dtype, integers rounded half to even and clipped
        to the type (values and cval in the image's own units); see
        :func:`upscale`.
    n_threads : int, optional
        Threads to use; the result does not depend on it.
    max_pixels : int, optional
        Bound on the output's pixels, checked before anything is allocated.

    Returns
    -------
    ndarray
        dtype as scikit-image (order 0 keeps it; order 1: float32 for
        float16/float32, else float64), or the input's with ``preserve_dtype``.

    Notes
    -----
    Each axis is one tap table, the Gaussian composed with the interpolation,
    so the image is read once; no intermediate image is made.

    Examples
    --------
    >>> import numpy as np
    >>> from imgconv import resize
    >>> image = np.arange(16.0).reshape(4, 4)
    >>> resize(image, (2, 2))            # anti-aliased, as skimage.transform.resize
    array([[ 3.03621184,  4.8217271 ],
           [10.1782729 , 11.96378816]])
    >>> resize(image, (2, 3), order=0, anti_aliasing=False)
    array([[ 4.,  6.,  7.],
           [12., 14., 15.]])
    """
    req = _Request(image, channel_axis, order, mode, cval, clip, preserve_range,
                   preserve_dtype, n_threads, implied_channels=True)
    out_hw = _check_output_shape(output_shape, req)
    req.check_output(out_hw, max_pixels)
    return _resample(req, out_hw, anti_aliasing, anti_aliasing_sigma)


@dask_aware
def rescale(image, scale, *, order=None, mode="reflect", cval=0.0, clip=True,
            preserve_range=False, anti_aliasing=None, anti_aliasing_sigma=None,
            channel_axis=None, preserve_dtype=False, n_threads=None, max_pixels=None):
    """Scale an image by a factor; ``skimage.transform.rescale`` for order 0 and 1.

    The output has ``max(round(scale * n), 1)`` pixels along each spatial
    axis (round half to even) and equals :func:`resize` to that shape.

    Parameters
    ----------
    image : array_like, shape (H, W), or 3-D with channels at ``channel_axis``
    scale : float or (float, float)
        Positive scale factor, or one per spatial axis.
    order, mode, cval, clip, preserve_range, anti_aliasing, anti_aliasing_sigma, \
channel_axis, preserve_dtype, n_threads, max_pixels :
        As in :func:`resize`.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from imgconv import rescale
    >>> rescale(np.ones((5, 7)), 0.5).shape
    (2, 4)
    >>> rescale(np.eye(2), 1.5, order=0)
    array([[1., 0., 0.],
           [0., 1., 1.],
           [0., 1., 1.]])
    """
    req = _Request(image, channel_axis, order, mode, cval, clip, preserve_range,
                   preserve_dtype, n_threads)
    out_hw = _rescaled_shape(scale, req.spatial)
    req.check_output(out_hw, max_pixels)
    return _resample(req, out_hw, anti_aliasing, anti_aliasing_sigma)


def _rescaled_shape(scale, spatial):
    """Output (rows, cols) of ``rescale``: ``max(round(scale * n), 1)`` per axis."""
    if v.is_sequence(scale):
        if len(scale) != 2:
            raise ValueError(
                f"scale must be a number or one per spatial axis (2), got {scale!r}")
        scales = tuple(scale)
    else:
        scales = (scale, scale)
    scales = tuple(v.check_float(s, "scale", min_value=0, exclusive_min=True) for s in scales)
    sizes = [s * n for s, n in zip(scales, spatial)]
    if not all(math.isfinite(size) for size in sizes):
        raise ValueError(f"scale={scale!r} gives an output too large to represent")
    return tuple(int(max(np.round(size), 1)) for size in sizes)
