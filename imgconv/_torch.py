"""Tap generators for PyTorch's ``torch.nn.functional.interpolate`` (2.13, CPU).

Every mode of ``interpolate`` is, per spatial axis, a table of the kind
:mod:`imgconv._taps` builds: output ``o`` reads ``sum_t weight[o, t] *
x[index[o, t]]``. This module builds those tables as PyTorch does, in its
compute type ``T`` (float32 for float32 input, float64 for float64: every
step rounded to ``T``, with the fused multiply-adds of PyTorch's AVX2/AVX512
kernels emulated exactly), the int16 fixed-point tables of its uint8 path,
the output size and scale rules, the argument checks, and which passes
PyTorch runs in which arithmetic (:func:`interpolate_passes`). The rules are
stated in ``docs/algorithms.rst``, section "PyTorch's interpolate".

Tables: ``index`` is ``intp`` of shape ``(n_out, taps)``, always inside
``[0, n_in)``; ``weight`` has dtype ``T`` (or int16 for uint8), same shape;
rows with fewer taps than the table are padded with zero weights on a
repeated valid index. Tables are read-only. Spatial axes are numbered as in
the array, ``2 .. ndim - 1`` (N and C come first).
"""
import ctypes
import ctypes.util
import functools
import math
import numbers
import operator
from dataclasses import dataclass

import numpy as np

from ._pillow import libm_sin
from ._taps import _readonly, window_index

#: Every mode of ``interpolate``.
MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area",
         "lanczos")

#: Modes bound to one number of dimensions (the others take 3, 4 or 5).
MODE_NDIM = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5, "lanczos": 4}

#: Modes that take ``align_corners`` (the interpolating ones).
ALIGNABLE = ("linear", "bilinear", "bicubic", "trilinear", "lanczos")

#: Modes with an anti-aliased variant, and their filter's full width at scale 1.
ANTIALIAS_WIDTH = {"bilinear": 2, "bicubic": 4, "lanczos": 6}

#: Modes PyTorch runs on uint8 input.
UINT8_MODES = ("nearest", "nearest-exact", "bilinear", "bicubic", "lanczos")

#: The cubic convolution constant of the non-antialiased bicubic mode (and of
#: its uint8 weights) and of the antialiased one.
CUBIC_A = -0.75
CUBIC_A_ANTIALIAS = -0.5

#: Largest output size (PyTorch's sizes are 64-bit integers).
INT64_MAX = 2**63 - 1

#: Input dtypes imgconv computes as PyTorch does.
DTYPES = (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.uint8))

#: Most channels PyTorch's vectorised uint8 kernels take (more use the
#: generic separable kernel).
UINT8_VECTOR_CHANNELS = 4

#: The nearest modes of 4-D input use PyTorch's channels-last kernel when the
#: output is this small (sum of its two spatial sizes), whatever the layout.
NEAREST_SMALL_OUTPUT = 128


# ------------------------------------------------------------------ arithmetic in T
#
# PyTorch's AVX2/AVX512 builds contract ``a * b + c`` into one fused
# multiply-add (one rounding) at the places docs/algorithms.rst lists.
# NumPy has no fma, so it is emulated, exactly:
#
# * float32: the product of two float32 numbers is exact in float64 (24 + 24
#   <= 53 bits). The sum ``p + c`` is rounded to float64 *to odd* (the exact
#   sum if representable, else whichever of its two float64 neighbours has
#   an odd last bit; found from the exact rounding error of TwoSum), then to
#   float32 to nearest. Rounding to odd with at least two more bits than the
#   target, then to nearest, equals rounding the exact value to nearest once
#   (53 >= 24 + 2): Boldo and Melquiond, "Emulation of a FMA and
#   correctly-rounded sums: proved algorithms using rounding to odd", IEEE
#   Trans. Computers 57(4), 2008, Theorem 1.
# * float64: Dekker's exact product ``uh + ul = a b`` (Veltkamp splitting),
#   TwoSum ``th + tl = c + uh``, ``v = round_to_odd(tl + ul)``, result
#   ``th + v`` rounded to nearest: the same paper's emulated FMA (Algorithm
#   5, proved for any precision >= 5 without overflow or underflow, which the
#   small coordinates and weights here never approach).
# TwoSum (Knuth) gives the exact error of a float64 addition, also without
# overflow. tests/test_torch_taps.py checks both against exact rationals.


def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _round_to_odd_sum(a, b):
    """``a + b`` (float64 arrays) rounded to odd."""
    s, e = _two_sum(a, b)
    s = np.array(s, dtype=np.float64, ndmin=1)
    e = np.broadcast_to(e, s.shape)
    move = (e != 0) & ((s.view(np.int64) & 1) == 0)
    s[move] = np.nextafter(s[move], np.where(e[move] > 0, np.inf, -np.inf))
    return s


_VELTKAMP = 134217729.0    # 2**27 + 1


def _split(a):
    c = _VELTKAMP * a
    high = c - (c - a)
    return high, a - high


def _two_product(a, b):
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def fma(a, b, c, dtype):
    """``a * b + c`` rounded once to ``dtype`` (float32 or float64),
    elementwise; returns an array of ``dtype`` (at least 1-D)."""
    dtype = np.dtype(dtype)
    a, b, c = (np.asarray(v, dtype=dtype).astype(np.float64) for v in (a, b, c))
    a, b, c = np.broadcast_arrays(a, b, c)
    if dtype == np.float32:
        return _round_to_odd_sum(a * b, c).astype(np.float32)
    uh, ul = _two_product(a, b)
    th, tl = _two_sum(c, uh)
    return np.array(th + _round_to_odd_sum(tl, ul), dtype=np.float64, ndmin=1)


def floorf(x):
    """C's ``floorf`` of a value: rounded to float32 first, then floored
    (PyTorch calls it in its float64 kernels too); float64 result."""
    return np.floor(np.asarray(x).astype(np.float32)).astype(np.float64)


# ------------------------------------------------------------------ coordinates


def compute_scale(n_in, n_out, align_corners, scale, dtype):
    """PyTorch's ``area_pixel_compute_scale`` in ``dtype``: ``(n_in - 1) /
    (n_out - 1)`` with align_corners (0 for one output), else ``1 / scale``
    (computed in double) when a positive scale factor reaches the kernel,
    else ``n_in / n_out`` (in ``dtype``)."""
    t = np.dtype(dtype).type
    if align_corners:
        return t(n_in - 1) / t(n_out - 1) if n_out > 1 else t(0)
    if scale is not None and scale > 0:
        return t(1.0 / scale)
    return t(n_in) / t(n_out)


def source_index(scale, n_out, align_corners, cubic, dtype):
    """PyTorch's ``area_pixel_compute_source_index`` of every output, in
    ``dtype``: ``scale o`` with align_corners, else ``fma(scale, o + 0.5,
    -0.5)``, clamped at 0 unless ``cubic``."""
    t = np.dtype(dtype).type
    o = np.arange(n_out).astype(dtype)
    if align_corners:
        return t(scale) * o
    src = fma(scale, o + t(0.5), t(-0.5), dtype)[:n_out]
    return src if cubic else np.where(src < 0, t(0), src)


def guard_index(src, n_in, dtype):
    """PyTorch's ``guard_index_and_lambda``: ``i0 = min(floorf(src), n_in -
    1)`` and ``lambda = clamp(src - i0, 0, 1)`` in ``dtype``."""
    t = np.dtype(dtype).type
    first = np.minimum(floorf(src), n_in - 1).astype(np.intp)
    lam = np.minimum(np.maximum(src - first.astype(dtype), t(0)), t(1))
    return first, lam


# ------------------------------------------------------------------ per-axis generators


def _check_sizes(n_in, n_out):
    for name, n in (("n_in", n_in), ("n_out", n_out)):
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"{name} must be a positive integer, got {n!r}")
    return int(n_in), int(n_out)


def _compute_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"the compute type must be float32 or float64, got {dtype}")
    return dtype


@functools.lru_cache(maxsize=128)
def _nearest_index(n_in, n_out, scale, exact, dtype, kernel):
    f32 = np.float32
    o = np.arange(n_out)
    if kernel == "channels_last":
        if not exact and n_out == n_in:
            return _readonly(o[:, None].astype(np.intp))[0]
        if not exact and n_out == 2 * n_in:
            return _readonly((o >> 1)[:, None].astype(np.intp))[0]
        s = compute_scale(n_in, n_out, False, scale, np.float32)
        if exact:
            position = (o + 0.5) * np.float64(s)                   # double
        else:
            position = o.astype(f32) * s                         # float
    else:
        t = np.dtype(dtype).type
        s = compute_scale(n_in, n_out, False, scale, dtype)
        if exact:
            position = source_index(s, n_out, False, False, dtype).astype(np.float64) + 0.5
        else:
            position = t(s) * o.astype(dtype)
    index = np.minimum(floorf(position), n_in - 1).astype(np.intp)
    return _readonly(index[:, None])[0]


def nearest_taps(n_in, n_out, scale=None, *, exact=False, dtype=np.float32, kernel="generic"):
    """PyTorch's nearest (``exact=False``) or nearest-exact source index of
    each output.

    Parameters
    ----------
    n_in, n_out : int
        Axis lengths.
    scale : float or None
        The scale factor the kernel receives (None when ``size`` was given
        or the factor recomputed).
    exact : bool
        'nearest-exact' instead of 'nearest'.
    dtype : float32 or float64
        The compute type of the generic kernel (float32 for uint8 input).
    kernel : {'generic', 'channels_last'}
        Which of PyTorch's kernels runs (:func:`nearest_kernel`); the
        channels-last one computes in float32 whatever the input, and its
        'nearest' copies when ``n_out == n_in`` and halves the index when
        ``n_out == 2 n_in``.

    Returns
    -------
    ndarray of intp, shape (n_out, 1)
        'nearest': ``min(floorf(scale o), n_in - 1)``; 'nearest-exact':
        ``min(floorf(src + 0.5), n_in - 1)`` with ``src`` the clamped
        half-pixel source index (generic kernel) or ``floorf((o + 0.5)
        scale)`` (channels-last kernel). Weights are 1.
    """
    n_in, n_out = _check_sizes(n_in, n_out)
    if kernel not in ("generic", "channels_last"):
        raise ValueError(f"kernel must be 'generic' or 'channels_last', got {kernel!r}")
    return _nearest_index(n_in, n_out, scale, bool(exact), _compute_dtype(dtype), kernel)


@functools.lru_cache(maxsize=128)
def _linear_taps(n_in, n_out, scale, align_corners, dtype):
    t = dtype.type
    if n_out == n_in:
        # PyTorch copies an axis that keeps its length, whatever the factor
        o = np.arange(n_out, dtype=np.intp)
        weight = np.zeros((n_out, 2), dtype)
        weight[:, 0] = 1
        return _readonly(np.stack([o, o], axis=1), weight)
    s = compute_scale(n_in, n_out, align_corners, scale, dtype)
    first, lam1 = guard_index(source_index(s, n_out, align_corners, False, dtype), n_in, dtype)
    second = first + (first < n_in - 1)
    weight = np.stack([t(1) - lam1, lam1], axis=1).astype(dtype)
    return _readonly(np.stack([first, second], axis=1), weight)


def linear_taps(n_in, n_out, scale=None, *, align_corners=False, dtype=np.float32):
    """PyTorch's linear interpolation of one axis ('linear', 'bilinear',
    'trilinear' without antialias): two taps ``(i0, i1)`` with weights
    ``(1 - lambda, lambda)`` in ``dtype``.

    ``i0, lambda`` come from :func:`guard_index` of the source index (clamped
    at 0); ``i1 = i0 + 1`` except at the last pixel. An axis that keeps its
    length is copied (taps ``(o, o)``, weights ``(1, 0)``) even when a scale
    factor other than 1 was given. Returns ``(index, weight)``.
    """
    n_in, n_out = _check_sizes(n_in, n_out)
    return _linear_taps(n_in, n_out, scale, bool(align_corners), _compute_dtype(dtype))


def cubic_coefficients(t, a, dtype):
    """The four Keys cubic weights at fractional offset ``t`` (an array of
    ``dtype``) with constant ``a``, as PyTorch's non-antialiased bicubic
    kernel computes them: ``cc2(t + 1), cc1(t), cc1(1 - t), cc2(2 - t)``
    (the offsets rounded to ``dtype``), where ``cc1(x) = ((a + 2) x - (a +
    3)) x x + 1`` and ``cc2(x) = ((a x - 5a) x + 8a) x - 4a``, inner
    multiply-adds fused, last steps not (:func:`cubic_near`)."""
    t_ = np.dtype(dtype).type
    x2 = t_(1) - t
    return [cubic_far(t + t_(1), a, dtype, fused_last=False),
            cubic_near(t, a, dtype, fused_last=False),
            cubic_near(x2, a, dtype, fused_last=False),
            cubic_far(x2 + t_(1), a, dtype, fused_last=False)]


@functools.lru_cache(maxsize=128)
def _cubic_taps(n_in, n_out, scale, align_corners, dtype):
    s = compute_scale(n_in, n_out, align_corners, scale, dtype)
    first, t = guard_index(source_index(s, n_out, align_corners, True, dtype), n_in, dtype)
    weight = np.stack(cubic_coefficients(t, CUBIC_A, dtype), axis=1)
    index = np.clip(first[:, None] - 1 + np.arange(4), 0, n_in - 1)
    return _readonly(index, weight.astype(dtype))


def cubic_taps(n_in, n_out, scale=None, *, align_corners=False, dtype=np.float32):
    """PyTorch's bicubic interpolation of one axis (without antialias): four
    taps ``clamp(i0 - 1 + k, 0, n_in - 1)`` (the border pixel repeated; equal
    indices simply add) with the Keys weights, ``a = -0.75``, of
    :func:`cubic_coefficients` at ``lambda``. The source index is not clamped
    at 0, and an axis that keeps its length is not a copy unless the scale is
    exactly 1. Returns ``(index, weight)``."""
    n_in, n_out = _check_sizes(n_in, n_out)
    return _cubic_taps(n_in, n_out, scale, bool(align_corners), _compute_dtype(dtype))


def area_bounds(n_in, n_out):
    """The pooling window ``[start, end)`` of every output of adaptive average
    pooling: ``floor(o n_in / n_out)`` to ``ceil((o + 1) n_in / n_out)``."""
    o = np.arange(n_out, dtype=np.int64)
    return (o * n_in) // n_out, -((-(o + 1) * n_in) // n_out)


@functools.lru_cache(maxsize=128)
def _area_taps(n_in, n_out, dtype):
    start, end = area_bounds(n_in, n_out)
    count = end - start
    index, real = window_index(start, count, n_in)
    weight = np.where(real, (dtype.type(1) / count.astype(dtype))[:, None], 0).astype(dtype)
    return _readonly(index, weight)


def area_taps(n_in, n_out, *, dtype=np.float32):
    """'area' (adaptive average pooling) on one axis: the mean of the window
    of :func:`area_bounds`, as taps of weight ``1 / (end - start)`` in
    ``dtype``. PyTorch sums the window in ``dtype`` and divides the sum by
    each axis's window length; the product of these weights is the same
    mean to float rounding. Returns ``(index, weight)``."""
    n_in, n_out = _check_sizes(n_in, n_out)
    return _area_taps(n_in, n_out, _compute_dtype(dtype))


# ------------------------------------------------------------------ antialias filters


@functools.lru_cache(maxsize=1)
def _c_sinf():
    """The C library's ``sinf`` (through ctypes), or None where it cannot be
    loaded."""
    try:
        function = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6").sinf
    except (OSError, AttributeError):
        return None
    function.restype = ctypes.c_float
    function.argtypes = [ctypes.c_float]
    return function


def _sin(x, dtype):
    """``sin`` in ``dtype`` as PyTorch calls it: the C library's double
    ``sin``, or for float32 its ``sinf``, which is not always the correctly
    rounded sine (glibc's differs from the rounded double sine for about 1 %
    of arguments); evaluated once per distinct argument. Without a loadable
    C library, the double sine rounded to float32 (within one unit in the
    last place)."""
    x = np.asarray(x, dtype=dtype)
    sinf = _c_sinf()
    if np.dtype(dtype) == np.float64 or sinf is None:
        return libm_sin(x.astype(np.float64)).astype(dtype)
    distinct, inverse = np.unique(x, return_inverse=True)
    values = np.fromiter(map(sinf, distinct.tolist()), np.float32, distinct.size)
    return values[inverse].reshape(x.shape)


def antialias_filter(mode, x, dtype):
    """PyTorch's antialias filter of ``mode`` at ``x`` (an array of
    ``dtype``), every step in ``dtype``: triangle ``max(0, 1 - |x|)``
    ('bilinear'), Keys cubic with ``a = -0.5`` and fused multiply-adds
    ('bicubic'), ``sinc(x) sinc(x / 3)`` for ``|x| < 3`` ('lanczos': the
    first factor in ``dtype``, the second and the product in double, rounded
    to ``dtype``), ``sinc(v) = sin(v pi) / (v pi)``. The uint8 path passes ``mode='cubic-0.75'``
    for its non-antialiased bicubic weights (a = -0.75)."""
    dtype = np.dtype(dtype)
    t = dtype.type
    x = np.abs(np.asarray(x, dtype=dtype))
    out = np.zeros_like(x)
    if mode == "bilinear":
        inside = x < 1
        out[inside] = t(1) - x[inside]
    elif mode in ("bicubic", "cubic-0.75"):
        a = CUBIC_A if mode == "cubic-0.75" else CUBIC_A_ANTIALIAS
        near = x < 1
        far = (x >= 1) & (x < 2)
        out[near] = cubic_near(x[near], a, dtype)
        out[far] = cubic_far(x[far], a, dtype)
    elif mode == "lanczos":
        inside = x < 3
        u = x[inside]
        # sinc(x / 3.0) deduces its type from the double argument: it runs
        # in double, and so does the product, rounded to dtype on return
        third = _sinc(u.astype(np.float64) / 3.0, np.float64)
        out[inside] = (_sinc(u, dtype).astype(np.float64) * third).astype(dtype)
    else:
        raise ValueError(f"unknown antialias filter {mode!r}")
    return out


def cubic_near(x, a, dtype, *, fused_last=True):
    """``cc1(x) = ((a + 2) x - (a + 3)) x x + 1`` in ``dtype``: ``p = fma(a +
    2, x, -(a + 3))``, then ``fma(p x, x, 1)`` (PyTorch's filter functions)
    or, with ``fused_last=False``, ``(p x) x + 1`` rounded at each step (its
    non-antialiased float kernel)."""
    t = np.dtype(dtype).type
    a = t(a)
    p = fma(a + t(2), x, -(a + t(3)), dtype)
    if fused_last:
        return fma(p * x, x, t(1), dtype)
    return (p * x) * x + t(1)


def cubic_far(x, a, dtype, *, fused_last=True):
    """``cc2(x) = ((a x - 5a) x + 8a) x - 4a`` in ``dtype``: ``p = fma(a, x,
    -5a)``, ``q = fma(p, x, 8a)``, then ``fma(q, x, -4a)`` or, with
    ``fused_last=False``, ``q x - 4a`` rounded at each step."""
    t = np.dtype(dtype).type
    a = t(a)
    p = fma(a, x, -(t(5) * a), dtype)
    q = fma(p, x, t(8) * a, dtype)
    if fused_last:
        return fma(q, x, -(t(4) * a), dtype)
    return q * x - t(4) * a


def _sinc(x, dtype):
    t = np.dtype(dtype).type
    out = np.ones_like(x)
    nonzero = x != 0
    v = x[nonzero] * t(math.pi)
    out[nonzero] = _sin(v, dtype) / v
    return out


def _antialias_windows(n_in, n_out, scale, align_corners, mode, dtype):
    """PyTorch's antialias windows (Pillow's algorithm in ``dtype``): first
    pixel, tap count and normalised weights of every output, and the
    largest weight."""
    t = dtype.type
    width = ANTIALIAS_WIDTH.get(mode, 4)
    s = float(compute_scale(n_in, n_out, align_corners, scale, dtype))
    support = t(width * 0.5 * s if s >= 1.0 else width * 0.5)
    max_taps = int(math.ceil(support)) * 2 + 1
    invscale = t(1.0 / s if s >= 1.0 else 1.0)
    center = (s * (np.arange(n_out) + 0.5)).astype(dtype)
    first = np.maximum(np.trunc((center - support).astype(np.float64) + 0.5), 0).astype(np.intp)
    stop = np.minimum(np.trunc((center + support).astype(np.float64) + 0.5), n_in)
    count = np.clip(stop.astype(np.intp) - first, 0, max_taps)
    index, real = window_index(first, count, n_in)
    offset = (np.arange(index.shape[1]) + first[:, None]).astype(dtype) - center[:, None]
    x = ((offset.astype(np.float64) + 0.5) * np.float64(invscale)).astype(dtype)
    weight = np.where(real, antialias_filter(mode, x, dtype), t(0)).astype(dtype)
    # sequential sum in dtype (cumsum adds left to right in the array's dtype)
    total = np.cumsum(weight, axis=1, dtype=dtype)[:, -1]
    nonzero = total != 0
    weight[nonzero] /= total[nonzero, None]
    largest = np.where(nonzero, weight.max(axis=1, initial=0), 0).max(initial=0)
    return index, weight, float(largest)


@functools.lru_cache(maxsize=128)
def _antialias_taps(n_in, n_out, scale, align_corners, mode, dtype):
    index, weight, _ = _antialias_windows(n_in, n_out, scale, align_corners, mode, dtype)
    return _readonly(index, weight)


def antialias_taps(n_in, n_out, scale=None, *, mode="bilinear", align_corners=False,
                   dtype=np.float32):
    """PyTorch's antialiased resampling of one axis (``antialias=True``,
    modes 'bilinear', 'bicubic', 'lanczos'): Pillow's windowed filter, in
    ``dtype``.

    ``support = (width / 2) max(scale, 1)``, ``center = scale (o + 0.5)``
    (also with align_corners, which only changes ``scale``), window
    ``[trunc(center - support + 0.5), trunc(center + support + 0.5))``
    clipped to the axis and to ``2 ceil(support) + 1`` taps, weights
    ``filter((i - center + 0.5) / max(scale, 1))`` divided by their
    sequential sum. Returns ``(index, weight)``.
    """
    n_in, n_out = _check_sizes(n_in, n_out)
    if mode not in ANTIALIAS_WIDTH:
        raise ValueError(f"mode must be one of {tuple(ANTIALIAS_WIDTH)}, got {mode!r}")
    return _antialias_taps(n_in, n_out, scale, bool(align_corners), mode,
                           _compute_dtype(dtype))


# ------------------------------------------------------------------ uint8 fixed point


def _interpolating_windows(n_in, n_out, scale, align_corners, mode):
    """The double weights of PyTorch's uint8 path without antialias: the
    source index and lambda as the float64 kernels, taps ``[i0 - s + 1, i0 +
    s]`` (s = 1 or 2), and the weights of taps outside the axis added to the
    first or last tap inside it. Also returns the largest weight, taken over
    the running sums as they are accumulated."""
    f64 = np.dtype(np.float64)
    width = 2 if mode == "bilinear" else 4
    half = width // 2
    s = compute_scale(n_in, n_out, align_corners, scale, f64)
    first, lam = guard_index(source_index(s, n_out, align_corners, width > 2, f64), n_in, f64)
    unbound_first = first - half + 1
    start = np.maximum(unbound_first, 0)
    count = np.clip(np.minimum(first + half + 1, n_in) - start, 0, width)
    filter_mode = "bilinear" if mode == "bilinear" else "cubic-0.75"
    weight = np.zeros((n_out, width))
    rows = np.arange(n_out)
    slot = np.zeros(n_out, np.intp)
    largest = 0.0
    for j in range(width):
        w = antialias_filter(filter_mode, float(j + 1 - half) - lam, f64)
        position = unbound_first + j
        slot = np.where(position <= 0, 0, np.where(position >= n_in - 1, count - 1, slot))
        weight[rows, slot] += w
        largest = max(largest, float(weight[rows, slot].max(initial=0)))
        slot = slot + 1
    index, _ = window_index(start, count, n_in)
    if index.shape[1] < width:
        # every window is shorter than the filter (a short axis): the slots
        # beyond the longest window hold no weight
        weight = weight[:, :index.shape[1]]
    return index, weight, largest


def fixed_point_precision(largest_weight):
    """PyTorch's int16 weight precision: the first ``p`` in ``0 .. 21`` with
    ``int(0.5 + w_max 2**(p + 1)) >= 2**15``, else 22."""
    for precision in range(22):
        if int(0.5 + largest_weight * (1 << (precision + 1))) >= 1 << 15:
            return precision
    return 22


@functools.lru_cache(maxsize=128)
def _uint8_taps(n_in, n_out, scale, align_corners, mode, antialias):
    if antialias:
        index, weight, largest = _antialias_windows(n_in, n_out, scale, align_corners, mode,
                                                    np.dtype(np.float64))
    else:
        index, weight, largest = _interpolating_windows(n_in, n_out, scale, align_corners, mode)
    precision = fixed_point_precision(largest)
    scaled = weight * float(1 << precision)
    w16 = np.trunc(np.where(scaled < 0, scaled - 0.5, scaled + 0.5)).astype(np.int16)
    return _readonly(index, w16) + (precision,)


def uint8_taps(n_in, n_out, scale=None, *, mode="bilinear", align_corners=False,
               antialias=False):
    """PyTorch's int16 fixed-point taps of one axis for uint8 input (modes
    'bilinear', 'bicubic', and 'lanczos' with antialias).

    The double weights (:func:`antialias_taps` in float64 with antialias;
    else the interpolating taps, window ``[i0 - s + 1, i0 + s]`` with taps
    outside the axis added to the nearest tap inside, and ``a = -0.75`` for
    bicubic) become ``trunc(w 2**p +- 0.5)`` (half away from zero) with the
    precision ``p`` of :func:`fixed_point_precision`.

    Returns
    -------
    index : ndarray of intp, shape (n_out, taps)
    weight : ndarray of int16, shape (n_out, taps)
    precision : int
        ``p``: a pass computes ``clamp((2**(p - 1) + sum x w) >> p, 0, 255)``
        in 32-bit integers and stores uint8.
    """
    n_in, n_out = _check_sizes(n_in, n_out)
    if mode not in ANTIALIAS_WIDTH or (mode == "lanczos" and not antialias):
        raise ValueError(f"uint8 tables exist for 'bilinear', 'bicubic' and antialiased "
                         f"'lanczos', got mode={mode!r}, antialias={antialias!r}")
    return _uint8_taps(n_in, n_out, scale, bool(align_corners), mode, bool(antialias))


# ------------------------------------------------------------------ arguments


@dataclass(frozen=True)
class Interpolation:
    """A validated ``interpolate`` call.

    Attributes
    ----------
    in_shape, out_shape : tuple of int
        ``(N, C, *spatial)`` of the input and the output.
    dtype : numpy.dtype
        float32, float64 or uint8.
    mode : str
    align_corners : bool
        False for the modes that do not take it.
    antialias : bool
    scales : tuple of (float or None)
        Per spatial axis, the scale factor PyTorch's kernel receives: the
        given ``scale_factor`` unless ``size`` was given, the factor was
        recomputed, or the mode is 'area' (None).
    """
    in_shape: tuple
    out_shape: tuple
    dtype: np.dtype
    mode: str
    align_corners: bool
    antialias: bool
    scales: tuple

    @property
    def compute_dtype(self):
        """PyTorch's type for tables and sums: float64 for float64 input,
        float32 otherwise."""
        return np.dtype(np.float64) if self.dtype == np.float64 else np.dtype(np.float32)


def _spatial_values(value, dim, name, in_shape):
    if isinstance(value, (list, tuple)):
        if len(value) != dim:
            raise ValueError(
                f"{name} must have one value per spatial dimension ({dim} for an input of "
                f"shape {tuple(in_shape)}), got {value!r}")
        return list(value)
    return [value] * dim


def _as_size(value):
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"size must hold integers, got the bool {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"size must be an int or a sequence of ints, got {value!r}") from None


def _as_factor(value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"scale_factor must be a number or a sequence of numbers, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"scale_factor must be finite, got {value!r}")
    return value


def check_interpolate(shape, dtype, size=None, scale_factor=None, mode="nearest",
                      align_corners=None, recompute_scale_factor=None, antialias=False):
    """Validate the arguments of ``interpolate`` on an array of ``shape`` and
    ``dtype`` as PyTorch does, and resolve the output size.

    Raises ``ValueError`` (a wrong value or combination) or ``TypeError`` (a
    wrong kind of value, or a dtype the mode does not take) wherever PyTorch
    raises, naming the argument, the value and what is accepted.

    Output sizes (``docs/algorithms.rst``, "PyTorch's interpolate"): with
    ``size``, that size, and the kernel gets no scale; with
    ``scale_factor``, ``trunc(n_in * factor)`` in double, and the kernel gets
    the factor unless ``recompute_scale_factor`` is true or the mode is
    'area'. Every output size must be >= 1, except for 'area' (0 gives an
    empty result).

    Returns
    -------
    Interpolation
    """
    shape = tuple(int(n) for n in shape)
    ndim = len(shape)
    if ndim not in (3, 4, 5):
        raise ValueError(f"input must have 3, 4 or 5 dimensions (N, C, spatial...), got shape "
                         f"{shape}")
    dtype = np.dtype(dtype)
    if dtype not in DTYPES:
        raise TypeError(f"input dtype must be float32, float64 or uint8, got {dtype}")
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if mode in ALIGNABLE:
        if align_corners is None:
            align_corners = False
        elif not isinstance(align_corners, (bool, np.bool_)):
            raise TypeError(f"align_corners must be a bool or None, got {align_corners!r}")
    elif align_corners is not None:
        raise ValueError(f"align_corners can only be set with the interpolating modes "
                         f"{ALIGNABLE}, got align_corners={align_corners!r} with mode={mode!r}")
    # PyTorch reads these two by truth value, as Python does
    recompute_scale_factor = bool(recompute_scale_factor)
    antialias = bool(antialias)
    dim = ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size and scale_factor may be given, got both "
                         f"(size={size!r}, scale_factor={scale_factor!r})")
    if size is None and scale_factor is None:
        raise ValueError("one of size and scale_factor must be given")
    if size is not None:
        out_spatial = [_as_size(v) for v in _spatial_values(size, dim, "size", shape)]
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor=True is meaningless with an explicit size; "
                             "give scale_factor instead, or leave recompute_scale_factor None")
        scales = [None] * dim
    else:
        factors = [_as_factor(v) for v in _spatial_values(scale_factor, dim, "scale_factor",
                                                          shape)]
        # trunc(double(n_in) * factor)
        products = [n * f for n, f in zip(shape[2:], factors)]
        if any(not -INT64_MAX <= p <= INT64_MAX for p in products):
            raise ValueError(f"scale_factor {scale_factor!r} gives output sizes beyond 64-bit "
                             f"integers for the spatial shape {shape[2:]}")
        out_spatial = [int(p) for p in products]
        recompute = recompute_scale_factor or mode == "area"
        scales = [None] * dim if recompute else factors
    if antialias and not (mode in ANTIALIAS_WIDTH and ndim == 4):
        raise ValueError(f"antialias=True is only for the modes {tuple(ANTIALIAS_WIDTH)} on 4-D "
                         f"input, got mode={mode!r} on {ndim}-D input")
    if MODE_NDIM.get(mode, ndim) != ndim:
        raise ValueError(f"mode {mode!r} takes {MODE_NDIM[mode]}-D input (N, C, spatial...), "
                         f"got {ndim}-D input of shape {shape}")
    if mode == "lanczos":
        if align_corners:
            raise ValueError("mode 'lanczos' does not take align_corners=True")
        if not antialias:
            raise ValueError("mode 'lanczos' requires antialias=True")
    # adaptive pooling returns an empty output before it looks at the dtype
    empty_area = mode == "area" and 0 in shape[:2] + tuple(out_spatial)
    if dtype == np.uint8 and mode not in UINT8_MODES and not empty_area:
        raise TypeError(f"mode {mode!r} does not take uint8 input (uint8 is accepted by "
                        f"{UINT8_MODES}), convert to float32 or float64")
    if any(n > INT64_MAX for n in out_spatial):
        raise ValueError(f"output sizes must fit in 64-bit integers, got {out_spatial}")
    if mode == "area":
        # adaptive pooling takes no channels, except in 3-D, but needs pixels
        if any(n < 1 for n in shape[2:]) or (ndim == 5 and shape[1] < 1):
            raise ValueError(f"mode 'area' needs non-empty spatial axes (and channels, for "
                             f"5-D input), got shape {shape}")
        if any(n < 0 for n in out_spatial):
            raise ValueError(f"output sizes must be >= 0 for mode 'area', got {out_spatial}")
    else:
        if any(n < 1 for n in shape[2:]) or any(n < 1 for n in out_spatial):
            raise ValueError(f"input and output spatial sizes must be > 0, got input "
                             f"{shape[2:]} and output {tuple(out_spatial)}")
        if shape[1] < 1:
            raise ValueError(f"input must have at least one channel, got shape {shape}")
    return Interpolation(shape, shape[:2] + tuple(out_spatial), dtype, mode,
                         bool(align_corners), bool(antialias), tuple(scales))


# ------------------------------------------------------------------ passes


def nearest_kernel(request, channels_last=False):
    """Which of PyTorch's nearest kernels runs: ``'channels_last'`` for 4-D
    input whose output is small (``out_H + out_W <= 128``) or whose layout is
    channels-last with more than 3 channels, and for 5-D channels-last input
    with more than 3 channels; ``'generic'`` otherwise. ``channels_last``:
    whether the array's strides are channels-last (NHWC / NDHWC in memory)."""
    ndim = len(request.in_shape)
    many_channels = channels_last and request.in_shape[1] > 3
    if ndim == 4 and (sum(request.out_shape[2:]) <= NEAREST_SMALL_OUTPUT or many_channels):
        return "channels_last"
    if ndim == 5 and many_channels:
        return "channels_last"
    return "generic"


def row0_bug(request, uint8_vectorized=True):
    """Whether PyTorch's antialiased vertical pass reads the first output
    row's taps for every row: when the output is one column wide (``out_W ==
    1``) and the height changes, in the float antialias path, and in the uint8
    path (with or without antialias) when its generic separable kernel runs
    (more than 4 channels, or a build without the AVX2 uint8 kernels:
    ``uint8_vectorized=False``). Every output row then equals row 0."""
    if len(request.in_shape) != 4 or request.mode not in ANTIALIAS_WIDTH:
        return False
    if request.out_shape[3] != 1 or request.out_shape[2] == request.in_shape[2]:
        return False
    if request.dtype == np.uint8:
        return not uint8_vectorized or request.in_shape[1] > UINT8_VECTOR_CHANNELS
    return request.antialias


@dataclass(frozen=True)
class Passes:
    """How PyTorch computes an ``interpolate`` call, for an executor.

    Attributes
    ----------
    arithmetic : str
        ``'gather'``: nearest modes, ``x[index]`` per axis, the dtype kept.
        ``'joint'``: one pass over the taps of all ``axes`` together (the
        weights multiplied), summed in the compute type, rounded once to the
        input dtype. ``'separable'``: antialias on floats, one pass per axis
        in ``axes`` order (W then H), each summed in the compute type and
        stored in the input dtype. ``'fixed'``: uint8 interpolation, int16
        weights, one pass per axis (W then H), each ``clamp((2**(p-1) + sum
        x w) >> p, 0, 255)`` stored as uint8.
    axes : tuple of int
        The array axes resampled, in pass order; axes missing are copied.
    tables : dict
        ``axis -> (index, weight)``; with the row-0 bug already applied.
    precision : dict
        ``axis -> p`` for ``'fixed'``.
    row0_bug : bool
        Whether :func:`row0_bug` applies (the H table's rows all equal row 0).
    """
    arithmetic: str
    axes: tuple
    tables: dict
    precision: dict
    row0_bug: bool


def interpolate_passes(request, *, channels_last=False, uint8_vectorized=True):
    """The passes PyTorch runs for a validated call (:func:`check_interpolate`).

    ``channels_last`` says whether the input's memory layout is channels-last
    (it chooses the nearest kernel); ``uint8_vectorized`` whether the
    PyTorch build being matched has its AVX2 uint8 kernels (it decides the
    row-0 bug for uint8).
    """
    spatial = range(2, len(request.in_shape))
    sizes = {a: (request.in_shape[a], request.out_shape[a]) for a in spatial}
    scale = dict(zip(spatial, request.scales))
    dtype = request.compute_dtype
    mode = request.mode
    last_first = tuple(reversed(spatial))
    if 0 in request.out_shape:
        # nothing to compute (area may give an empty output)
        return Passes("joint", (), {}, {}, False)
    if mode in ("nearest", "nearest-exact"):
        kernel = nearest_kernel(request, channels_last)
        indices = {a: nearest_taps(*sizes[a], scale[a], exact=mode == "nearest-exact",
                                   dtype=dtype, kernel=kernel) for a in spatial}
        tables = {a: (index, np.ones(index.shape, dtype)) for a, index in indices.items()}
        return Passes("gather", last_first, tables, {}, False)
    if mode == "area":
        tables = {a: area_taps(*sizes[a], dtype=dtype) for a in spatial}
        return Passes("joint", last_first, tables, {}, False)
    bug = row0_bug(request, uint8_vectorized)
    if request.dtype == np.uint8 or request.antialias:
        axes = tuple(a for a in last_first if sizes[a][0] != sizes[a][1])
        if request.dtype == np.uint8:
            built = {a: uint8_taps(*sizes[a], scale[a], mode=mode,
                                   align_corners=request.align_corners,
                                   antialias=request.antialias) for a in axes}
            tables = {a: t[:2] for a, t in built.items()}
            precision = {a: t[2] for a, t in built.items()}
            arithmetic = "fixed"
        else:
            tables = {a: antialias_taps(*sizes[a], scale[a], mode=mode,
                                        align_corners=request.align_corners, dtype=dtype)
                      for a in axes}
            precision = {}
            arithmetic = "separable"
        if bug:
            index, weight = tables[2]
            tables[2] = _readonly(np.repeat(index[:1], len(index), axis=0),
                                  np.repeat(weight[:1], len(weight), axis=0))
        return Passes(arithmetic, axes, tables, precision, bug)
    if mode == "bicubic":
        tables = {a: cubic_taps(*sizes[a], scale[a], align_corners=request.align_corners,
                                dtype=dtype) for a in spatial}
        return Passes("joint", last_first, tables, {}, False)
    # linear modes: an axis that keeps its length is a copy
    axes = tuple(a for a in last_first if sizes[a][0] != sizes[a][1])
    tables = {a: linear_taps(*sizes[a], scale[a], align_corners=request.align_corners,
                             dtype=dtype) for a in axes}
    return Passes("joint", axes, tables, {}, False)


def torch_plan(request, passes):
    """The :mod:`imgconv._plan` plan of an ``interpolate`` call: nearest modes
    gather; the interpolating modes without antialias sum the taps of every
    axis without rounding between them (in float64: within float32's
    rounding of PyTorch's float32 sums, and of its float64 ones); antialias
    rounds to the input's dtype between its W and H passes; uint8 runs
    PyTorch's fixed-point passes (uint8 between them)."""
    from ._plan import table_plan

    dtype = request.dtype
    common = dict(source="as-is", out_dtype=dtype, result_dtype=dtype)
    if passes.arithmetic == "gather":
        return table_plan(request.in_shape, dtype, request.out_shape, passes.tables,
                          passes="gather", compute=dtype, **common)
    if passes.arithmetic == "fixed":
        return table_plan(request.in_shape, dtype, request.out_shape, passes.tables,
                          passes=passes.axes, compute=np.float64, intermediate=np.uint8,
                          shifts=passes.precision, **common)
    order = "joint" if passes.arithmetic == "joint" else passes.axes
    return table_plan(request.in_shape, dtype, request.out_shape, passes.tables, passes=order,
                      compute=np.float64, intermediate=dtype, **common)
