"""Tap generators for Pillow's ``Image.resize`` (Pillow 13), one axis at a time.

Pillow resizes an image in up to two separable passes over tap tables of
the same kind as :mod:`imgconv._taps` builds: output ``o`` of a pass is
``sum_t weight[o, t] * x[index[o, t]]``, summed in tap order. This module
makes those tables, exactly as Pillow makes them, and says which passes
Pillow runs and in which order (:func:`pillow_steps`). The rules, the
rounding and the pass order are stated in ``docs/algorithms.rst``, section
"Pillow's resize"; the functions below cite it.

Conventions of the tables built here:

- ``index`` is ``intp``, ``weight`` float64 (Pillow's double coefficients)
  or int32 (its 22-bit fixed-point coefficients), both of shape
  ``(n_out, taps)`` and read-only. Pillow's window of an output is a run of
  consecutive input pixels clipped to the image; rows shorter than the
  table are padded with zero-weight taps that repeat a valid index.
  A zero fixed-point weight adds exactly 0 to the integer sum; a zero double
  weight adds ``+-0.0`` to a sum that starts at ``+0.0``, which leaves every
  finite sum unchanged. Only a non-finite pixel read by a padding tap would
  change the result (``0 * inf`` is NaN): an executor that must match Pillow
  on non-finite 'F' images skips the taps after :func:`pillow_taps`'s
  ``count`` per row.
- Axes are named as in scikit-image: axis 0 is the rows (Pillow's
  vertical pass, y), axis 1 the columns (horizontal pass, x). A box is given
  per axis as ``(in0, in1)``, the source interval Pillow's ``box`` gives for
  that axis (``box=(x0, y0, x1, y1)`` is ``((y0, y1), (x0, x1))`` here).
"""
import functools
import math
from dataclasses import dataclass

import numpy as np

from ._taps import _readonly, window_index

#: The filters of ``Image.resize``, by imgconv's names.
PILLOW_FILTERS = ("nearest", "box", "bilinear", "hamming", "bicubic", "lanczos")

#: Half-width of each interpolating filter at scale 1 (Pillow's ``support``).
FILTER_SUPPORT = {"box": 0.5, "bilinear": 1.0, "hamming": 1.0, "bicubic": 2.0, "lanczos": 3.0}

#: Fractional bits of Pillow's fixed-point coefficients for 8-bit images.
PRECISION_BITS = 22

#: Hamming's window constants, float32 literals in Pillow's C source
#: (0.54f and 0.46f, not the doubles 0.54 and 0.46).
HAMMING_A = float(np.float32(0.54))
HAMMING_B = float(np.float32(0.46))


@functools.lru_cache(maxsize=1)
def _numpy_trig_is_libm():
    """Whether NumPy's float64 sin and cos give the C library's results, bit
    for bit, on a sample of the arguments the filters take (NumPy calls libm
    on most builds; a SIMD build could differ in the last bit). Pillow calls
    libm, and so does :mod:`math`."""
    x = np.linspace(-3.0 * math.pi, 3.0 * math.pi, 20011)
    x = np.concatenate([x, x * (1 + 2.0 ** -40),
                        np.random.default_rng(0).uniform(-10, 10, 20000)])
    reference_sin = np.fromiter(map(math.sin, x.tolist()), np.float64, x.size)
    reference_cos = np.fromiter(map(math.cos, x.tolist()), np.float64, x.size)
    return bool(np.array_equal(np.sin(x), reference_sin)
                and np.array_equal(np.cos(x), reference_cos))


def libm_sin(x):
    """The C library's ``sin`` of each element of a float64 array."""
    if _numpy_trig_is_libm():
        return np.sin(x)
    return np.fromiter(map(math.sin, x.ravel().tolist()), np.float64, x.size).reshape(x.shape)


def libm_cos(x):
    """The C library's ``cos`` of each element of a float64 array."""
    if _numpy_trig_is_libm():
        return np.cos(x)
    return np.fromiter(map(math.cos, x.ravel().tolist()), np.float64, x.size).reshape(x.shape)


def _sinc(x):
    """Pillow's ``sinc_filter``: 1 at 0, else ``sin(x pi) / (x pi)`` (double)."""
    out = np.ones_like(x)
    nonzero = x != 0.0
    t = x[nonzero] * math.pi
    out[nonzero] = libm_sin(t) / t
    return out


def pillow_kernel(filter, x):
    """Pillow's filter ``filter`` evaluated at each element of the float64
    array ``x``, operation for operation as Pillow's C code (double
    arithmetic, no fused multiply-add); see ``docs/algorithms.rst``,
    "Pillow's resize"."""
    x = np.asarray(x, dtype=np.float64)
    ax = np.abs(x)
    out = np.zeros_like(x)
    if filter == "box":
        out[(x > -0.5) & (x <= 0.5)] = 1.0
    elif filter == "bilinear":
        inside = ax < 1.0
        out[inside] = 1.0 - ax[inside]
    elif filter == "hamming":
        out[ax == 0.0] = 1.0
        inside = (ax > 0.0) & (ax < 1.0)
        t = ax[inside] * math.pi
        out[inside] = libm_sin(t) / t * (HAMMING_A + HAMMING_B * libm_cos(t))
    elif filter == "bicubic":
        # a = -0.5: (a + 2) = 1.5 and (a + 3) = 2.5, both exact
        near = ax < 1.0
        far = (ax >= 1.0) & (ax < 2.0)
        u = ax[near]
        out[near] = ((1.5 * u - 2.5) * u) * u + 1.0
        u = ax[far]
        out[far] = (((u - 5.0) * u + 8.0) * u - 4.0) * -0.5
    elif filter == "lanczos":
        inside = (x >= -3.0) & (x < 3.0)
        u = x[inside]
        out[inside] = _sinc(u) * _sinc(u / 3.0)
    else:
        raise ValueError(f"filter must be one of {PILLOW_FILTERS[1:]} here, got {filter!r}")
    return out


def pillow_box(n_in, box=None, *, axis_name="axis"):
    """The source interval ``(in0, in1)`` of one axis as Pillow's C code
    receives it: two float32 values (returned as Python floats), the whole
    axis ``(0, n_in)`` when ``box`` is None.

    Raises ValueError where Pillow does: a negative start, an end beyond
    the image, an end before the start. An empty interval is accepted, as
    Pillow accepts it.
    """
    if isinstance(n_in, bool) or not isinstance(n_in, (int, np.integer)) or n_in < 1:
        raise ValueError(f"the input length must be a positive integer, got {n_in!r}")
    if box is None:
        return 0.0, float(np.float32(n_in))
    try:
        in0, in1 = box
        in0, in1 = np.float32(in0), np.float32(in1)
    except (TypeError, ValueError):
        raise TypeError(f"the box of the {axis_name} must be a pair of numbers (start, end), "
                        f"got {box!r}") from None
    if not (np.isfinite(in0) and np.isfinite(in1)):
        raise ValueError(f"the box of the {axis_name} must be finite, got {box!r}")
    if in0 < 0:
        raise ValueError(f"the box of the {axis_name} starts before the image: {box!r}")
    if in1 > np.float32(n_in):
        raise ValueError(f"the box of the {axis_name} ends beyond the image "
                         f"({n_in} pixels): {box!r}")
    if in1 - in0 < 0:
        raise ValueError(f"the box of the {axis_name} ends before it starts: {box!r}")
    return float(in0), float(in1)


def _check_out(n_out):
    if isinstance(n_out, bool) or not isinstance(n_out, (int, np.integer)) or n_out < 1:
        raise ValueError(f"the output length must be a positive integer, got {n_out!r}")
    return int(n_out)


def _check_filter(filter):
    if filter not in FILTER_SUPPORT:
        raise ValueError(f"filter must be one of {tuple(FILTER_SUPPORT)} for tap weights "
                         f"('nearest' has index tables only), got {filter!r}")


@functools.lru_cache(maxsize=128)
def _windows(n_in, n_out, filter, box):
    """Pillow's ``precompute_coeffs``: the first input pixel, the number of
    taps and the normalised double weights of every output."""
    in0, in1 = pillow_box(n_in, box)
    # (double)(float)(in1 - in0) / outSize: the difference is taken in float32
    scale = float(np.float32(in1) - np.float32(in0)) / n_out
    filterscale = max(scale, 1.0)
    support = FILTER_SUPPORT[filter] * filterscale
    center = in0 + (np.arange(n_out, dtype=np.float64) + 0.5) * scale
    # C casts truncate toward zero
    first = np.maximum(np.trunc(center - support + 0.5), 0).astype(np.intp)
    stop = np.minimum(np.trunc(center + support + 0.5), n_in).astype(np.intp)
    count = np.maximum(stop - first, 0)
    index, real = window_index(first, count, n_in)
    x = ((np.arange(index.shape[1]) + first[:, None]).astype(np.float64) - center[:, None]
         + 0.5) * (1.0 / filterscale)
    weight = np.where(real, pillow_kernel(filter, x), 0.0)
    # the sequential sum of Pillow's loop (cumsum adds left to right; the
    # zero taps after a row's window add exactly 0 to a sum that starts at +0)
    total = np.cumsum(weight, axis=1)[:, -1]
    nonzero = total != 0.0
    weight[nonzero] /= total[nonzero, None]
    return _readonly(index, weight, count)


def pillow_taps(n_in, n_out, filter, box=None):
    """Pillow's double-precision taps of one axis (the 'F', 'I' and 'I;16'
    modes use them as they are).

    Parameters
    ----------
    n_in, n_out : int
        Input and output lengths of the axis (>= 1).
    filter : {'box', 'bilinear', 'hamming', 'bicubic', 'lanczos'}
        Pillow's filter (``Image.Resampling.BOX`` ...).
    box : pair of float, optional
        The source interval ``(in0, in1)`` on this axis, rounded to float32 as
        Pillow's C code receives it; default ``(0, n_in)``.

    Returns
    -------
    index : ndarray of intp, shape (n_out, taps)
        Input pixels, consecutive within a row, padded with a repeated valid
        index.
    weight : ndarray of float64, shape (n_out, taps)
        The normalised weights (0 on padding taps).
    count : ndarray of intp, shape (n_out,)
        The taps of each row that Pillow reads (the rest are padding; a row
        may have none, and then its output is 0).

    Notes
    -----
    ``scale = float32(in1 - in0) / n_out``, support widened by
    ``max(scale, 1)``, window ``[trunc(c - support + 0.5), trunc(c + support
    + 0.5))`` clipped to the image around ``c = in0 + (o + 0.5) scale``,
    weights ``K((i - c + 0.5) / max(scale, 1))`` divided by their sequential
    sum: ``docs/algorithms.rst``, "Pillow's resize".
    """
    _check_filter(filter)
    n_out = _check_out(n_out)
    return _windows(int(n_in), n_out, filter, _box_key(box))


def fixed_point(weight):
    """Pillow's 22-bit fixed-point coefficients of double weights:
    ``trunc(w 2**22 + 0.5)`` for ``w >= 0``, ``trunc(w 2**22 - 0.5)`` below
    (int32, read-only)."""
    scaled = np.asarray(weight, dtype=np.float64) * float(1 << PRECISION_BITS)
    fixed = np.trunc(np.where(scaled < 0, scaled - 0.5, scaled + 0.5)).astype(np.int32)
    return _readonly(fixed)[0]


@functools.lru_cache(maxsize=128)
def _fixed_taps(n_in, n_out, filter, box):
    index, weight, _ = _windows(n_in, n_out, filter, box)
    return index, fixed_point(weight)


def pillow_fixed_taps(n_in, n_out, filter, box=None):
    """Pillow's taps of one axis for 8-bit images: the indices of
    :func:`pillow_taps` and the int32 coefficients of :func:`fixed_point`.

    A pass computes, per channel, ``clamp((2**21 + sum_t x[index] * w) >> 22,
    0, 255)`` with an arithmetic shift, in 32-bit integers (which cannot
    overflow), and stores uint8. Padding taps have coefficient 0 and add
    nothing.
    """
    _check_filter(filter)
    n_out = _check_out(n_out)
    return _fixed_taps(int(n_in), n_out, filter, _box_key(box))


def _box_key(box):
    """A box as a hashable cache key (float32 values, as Pillow reads them)."""
    if box is None:
        return None
    try:
        in0, in1 = box
        return float(np.float32(in0)), float(np.float32(in1))
    except (TypeError, ValueError):
        raise TypeError(f"a box must be a pair of numbers (start, end), got {box!r}") from None


@functools.lru_cache(maxsize=128)
def _nearest_index(n_in, n_out, box, accumulate):
    in0, in1 = pillow_box(n_in, box)
    step = float(np.float32(in1) - np.float32(in0)) / n_out
    if accumulate:
        # x = in0 + step / 2, then x += step per output: a running double sum
        # (numpy's cumsum adds strictly left to right)
        increments = np.full(n_out, step)
        increments[0] = in0 + step * 0.5
        position = np.cumsum(increments)
    else:
        position = step * (np.arange(n_out, dtype=np.float64) + 0.5) + in0
    index = np.where(position < 0, -1, np.trunc(position)).astype(np.intp)
    index[index >= n_in] = -1
    return _readonly(index[:, None])[0]


def pillow_nearest_index(n_in, n_out, box=None, *, accumulate=True):
    """Pillow's NEAREST source pixel of each output of one axis.

    Parameters
    ----------
    n_in, n_out : int
        Input and output lengths of the axis.
    box : pair of float, optional
        The source interval ``(in0, in1)``, rounded to float32 as Pillow
        reads it.
    accumulate : bool
        True (8-bit and 32-bit modes: L, RGB, RGBA, F, I ...): the position
        is a running double sum, ``x = in0 + step/2`` then ``x += step``
        after each output, ``step = float32(in1 - in0) / n_out``. False
        (the 16-bit 'I;16' modes): ``x = step (o + 0.5) + in0`` per output.
        They differ in the last bit for some sizes, which moves a pixel.

    Returns
    -------
    ndarray of intp, shape (n_out, 1)
        ``trunc(x)``, or -1 where ``x`` falls outside the image (negative or
        ``>= n_in``, possible with an empty box at the image's end): Pillow
        writes 0 there, so the pixel is read as cval 0. Weights are 1.
    """
    n_out = _check_out(n_out)
    return _nearest_index(int(n_in), n_out, _box_key(box), bool(accumulate))


@dataclass(frozen=True)
class PillowSteps:
    """What Pillow computes for a resize of a 2-D image (plus channels).

    Attributes
    ----------
    axes : tuple of int
        The axes resampled with the filter's taps, in Pillow's pass order
        (0: rows, 1: columns); empty for 'nearest' and for a crop.
    gather : bool
        Filter 'nearest': every output pixel is copied whole from row
        ``pillow_nearest_index(rows)`` and column
        ``pillow_nearest_index(cols)`` of the input (0 where either index is
        -1); no pass arithmetic.
    crop : tuple of int or None
        ``(row0, col0)`` when Pillow crops instead of resampling (an integral
        box of exactly the output's size): the output is
        ``image[row0:row0 + out_rows, col0:col0 + out_cols]``.
    premultiply : bool
        Whether an image of Pillow's mode 'RGBA' or 'LA' goes through
        :func:`premultiply_alpha` before and :func:`unpremultiply_alpha`
        after (every filter but 'nearest', unless Pillow returns a plain copy:
        same size and no box other than the whole image). Other modes never
        do; imgconv applies it only on request.
    """
    axes: tuple
    gather: bool
    crop: tuple
    premultiply: bool


def pillow_steps(in_shape, out_shape, filter, boxes=None):
    """The passes of Pillow's ``resize`` of an image of ``in_shape = (rows,
    cols)`` to ``out_shape``, with ``filter`` and an optional box per axis
    ``((row0, row1), (col0, col1))``.

    A pass is skipped when the axis keeps its length over the whole image
    (no box, or the box ``(0, n)``). When both run, the vertical pass
    (axis 0) goes first iff ``out_rows < in_rows`` and ``2 (in_cols -
    out_cols) < in_rows - out_rows`` (image sizes, not the box; a tie goes
    horizontal first); otherwise the horizontal pass (axis 1) does. The
    image between the passes has the input's mode: uint8 rounded and clipped
    by the fixed-point formula for 8-bit images, float32 for 'F'.
    See ``docs/algorithms.rst``, "Pillow's resize".
    """
    if filter not in PILLOW_FILTERS:
        raise ValueError(f"filter must be one of {PILLOW_FILTERS}, got {filter!r}")
    in_shape = tuple(int(n) for n in in_shape)
    out_shape = tuple(_check_out(n) for n in out_shape)
    if len(in_shape) != 2 or len(out_shape) != 2:
        raise ValueError(f"Pillow resizes 2-D images: got shapes {in_shape} and {out_shape}")
    if boxes is None:
        boxes = (None, None)
    intervals = [pillow_box(n, b, axis_name=name)
                 for n, b, name in zip(in_shape, boxes, ("rows", "columns"))]
    # Image.resize returns a copy before anything else (no premultiplication)
    whole = all(b is None or tuple(b) == (0, n) for n, b in zip(in_shape, boxes))
    if whole and in_shape == out_shape:
        return PillowSteps(axes=(), gather=False, crop=(0, 0), premultiply=False)
    premultiply = filter != "nearest"
    # the C layer crops when the box is integral and exactly the output size
    starts = [np.float32(a) for a, _ in intervals]
    lengths = [np.float32(b) - np.float32(a) for a, b in intervals]
    if all(s - np.float32(int(s)) == 0 and length == n
           for s, length, n in zip(starts, lengths, out_shape)):
        return PillowSteps(axes=(), gather=False, crop=tuple(int(s) for s in starts),
                           premultiply=premultiply)
    if filter == "nearest":
        return PillowSteps(axes=(), gather=True, crop=None, premultiply=False)
    need = [out != n or a != 0.0 or b != out
            for n, out, (a, b) in zip(in_shape, out_shape, intervals)]
    (in_rows, in_cols), (out_rows, out_cols) = in_shape, out_shape
    vertical_first = out_rows < in_rows and 2 * (in_cols - out_cols) < in_rows - out_rows
    order = (0, 1) if vertical_first else (1, 0)
    return PillowSteps(axes=tuple(a for a in order if need[a]), gather=False, crop=None,
                       premultiply=premultiply)


def _split_alpha(pixels, channel_axis):
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8:
        raise TypeError(f"premultiplication works on uint8 pixels, got dtype {pixels.dtype}")
    moved = np.moveaxis(pixels, channel_axis, -1)
    if moved.shape[-1] < 2:
        raise ValueError("premultiplication needs colour channels and a last alpha channel "
                         f"on the channel axis, got {moved.shape[-1]} channel(s)")
    return moved


def premultiply_alpha(pixels, channel_axis=-1):
    """Pillow's 'RGBA' -> 'RGBa' ('LA' -> 'La') conversion: every colour
    channel ``c`` becomes ``(t + (t >> 8)) >> 8`` with ``t = c a + 128``, the
    alpha ``a`` (the last channel on ``channel_axis``) is kept. Returns a new
    uint8 array."""
    moved = _split_alpha(pixels, channel_axis)
    alpha = moved[..., -1:].astype(np.uint32)
    t = moved[..., :-1].astype(np.uint32) * alpha + 128
    out = moved.copy()
    out[..., :-1] = (t + (t >> 8)) >> 8
    return np.moveaxis(out, -1, channel_axis)


def unpremultiply_alpha(pixels, channel_axis=-1):
    """Pillow's 'RGBa' -> 'RGBA' ('La' -> 'LA') conversion: colour channels
    are kept where the alpha is 0 or 255, else become ``min(255, (255 c) //
    a)``. Returns a new uint8 array."""
    moved = _split_alpha(pixels, channel_axis)
    alpha = moved[..., -1:].astype(np.uint32)
    colour = moved[..., :-1].astype(np.uint32)
    keep = (alpha == 0) | (alpha == 255)
    scaled = np.minimum((255 * colour) // np.maximum(alpha, 1), 255)
    out = moved.copy()
    out[..., :-1] = np.where(keep, colour, scaled)
    return np.moveaxis(out, -1, channel_axis)


@dataclass(frozen=True)
class PillowResize:
    """An image resize by Pillow's rule, for the executors.

    ``plan``: the :mod:`imgconv._plan` plan (None for a crop); ``crop``:
    the start of each axis for a crop (Pillow copies the box); ``zero_pad``:
    axes the source needs one pixel of 0 appended to (nearest outputs that
    Pillow writes 0, indexed there); ``premultiply``: whether Pillow
    premultiplies an 'RGBA'/'LA' image for these passes.
    """
    plan: object
    crop: tuple
    zero_pad: tuple
    premultiply: bool


def pillow_plan(shape, dtype, out_shape, spatial, filter, boxes=None, *, preserve_dtype=False,
                preserve_range=False):
    """The plan of Pillow's resize of an image of ``shape`` and ``dtype``
    (``spatial``: its resampled axes, the others channels or frames) to
    ``out_shape``.

    Two spatial axes follow :func:`pillow_steps` exactly, and so do two
    axes that change among more (each frame of a stack resized as Pillow
    resizes it); one axis is one pass; more take their passes from the last
    axis to the first (Pillow has no rule for them). Arithmetic: uint8 with
    ``preserve_dtype``, Pillow's 22-bit fixed point with a uint8 image
    between the passes; float32 (and float16, widened), Pillow's 'F' mode:
    double sums, float32 between the passes; float64 the same without that
    rounding; other images are first converted to float64 by scikit-image's
    rules (``preserve_range``), and rounded back to their dtype with ``preserve_dtype``.
    """
    from ._plan import table_plan

    dtype = np.dtype(dtype)
    boxes = tuple(boxes) if boxes is not None else (None,) * len(spatial)
    n_in = [shape[a] for a in spatial]
    n_out = [out_shape[a] for a in spatial]
    if len(spatial) == 2:
        steps = pillow_steps(n_in, n_out, filter, boxes)
        order, gather, crop, premultiply = steps.axes, steps.gather, steps.crop, steps.premultiply
    else:
        intervals = [pillow_box(n, b) for n, b in zip(n_in, boxes)]
        whole = all(b is None or tuple(b) == (0, n) for n, b in zip(n_in, boxes))
        integral = all(float(np.float32(a)) == int(a) and b - a == m
                       for (a, b), m in zip(intervals, n_out))
        gather = filter == "nearest"
        copy = whole and n_in == n_out
        crop = (0,) * len(spatial) if copy else (
            tuple(int(a) for a, _ in intervals) if integral else None)
        premultiply = not copy and not gather
        need = [k for k in range(len(spatial))
                if n_out[k] != n_in[k] or intervals[k] != (0.0, float(n_in[k]))]
        if crop is not None or gather:
            order = ()
        elif len(need) == 2:
            # two axes change (a stack of frames): Pillow's order for them
            pair = pillow_steps([n_in[k] for k in need], [n_out[k] for k in need], filter,
                                [boxes[k] for k in need]).axes
            order = tuple(need[k] for k in pair)
        else:
            order = tuple(reversed(need))
    if crop is not None:
        return PillowResize(None, tuple(crop), (), premultiply)

    # the image as the passes read it
    fixed = dtype == np.uint8 and preserve_dtype and not gather
    if gather or fixed:
        source, scale, read = "as-is", 1.0, dtype
    elif dtype.kind == "f":
        source, scale = ("float32" if dtype == np.float16 else "as-is"), 1.0
        read = np.dtype(np.float32) if dtype.itemsize <= 4 else np.dtype(np.float64)
    elif dtype in (np.uint8, np.uint16):
        keep = preserve_range or preserve_dtype
        source, scale, read = "scale", 1.0 if keep else 1.0 / np.iinfo(dtype).max, \
            np.dtype(np.float64)
    else:
        source, scale, read = "float", 1.0, np.dtype(np.float64)

    zero_pad, tables = [], {}
    shape = list(shape)
    for k, a in enumerate(spatial):
        if gather:
            index = pillow_nearest_index(n_in[k], n_out[k], boxes[k])
            if (index < 0).any():           # Pillow writes 0: read a pixel of 0
                zero_pad.append(a)
                shape[a] += 1
                index = np.where(index < 0, n_in[k], index)
            tables[a] = (index, np.ones(index.shape))
        elif k in order:
            make = pillow_fixed_taps if fixed else pillow_taps
            tables[a] = make(n_in[k], n_out[k], filter, boxes[k])[:2]
    if gather:
        result = dtype
        plan = table_plan(shape, dtype, out_shape, tables, passes="gather", source=source,
                          compute=dtype, out_dtype=dtype, result_dtype=result)
        return PillowResize(plan, None, tuple(zero_pad), False)
    result = dtype if preserve_dtype else read
    out_dtype = np.dtype(np.uint8) if fixed else read
    plan = table_plan(
        shape, dtype, out_shape, tables, passes=tuple(spatial[k] for k in order),
        source=source, scale=scale, preserve_range=preserve_range or preserve_dtype,
        compute=np.float64, out_dtype=out_dtype, result_dtype=result,
        intermediate=np.uint8 if fixed else read,
        shifts={spatial[k]: PRECISION_BITS for k in order} if fixed else None)
    return PillowResize(plan, None, (), premultiply)
