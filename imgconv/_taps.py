"""Tap generators: the per-axis tables of a separable resampling.

A resampling of one axis from ``n`` input to ``m`` output pixels is a table
``(index, weight)`` of shape ``(m, taps)``: output ``o`` is
``sum_t weight[o, t] * input[index[o, t]]``, summed in tap order, where an
index of -1 reads the constant ``cval``. Every rule imgconv knows is one
such generator; the plan (:mod:`imgconv._plan`) never knows which library
a table came from.

This module holds scikit-image's rules (``scipy.ndimage.zoom`` with
``grid_mode=True``, orders 0-5, and the anti-aliasing Gaussian). The
formulas are derived in ``docs/algorithms.rst`` (section "B-spline
resampling").
"""
import functools

import numpy as np

from . import _validate as v
from ._ext import resample as _kernels
from ._ext.primitives import border_map

#: Pixels scipy.ndimage pads each axis with (edge values or cval) before the
#: spline prefilter, in modes 'nearest' and 'grid-constant' (orders >= 2).
PREPAD = 12

#: The poles of the B-spline prefilter of each order (scipy.ndimage's values).
SPLINE_POLES = {
    2: (-0.171572875253809902396622551580603843,),
    3: (-0.267949192431122706472553658494127633,),
    4: (-0.361341225900220177092212841325675255, -0.013725429297339121360331226939128204),
    5: (-0.430575347099973791851434783493520110, -0.043096288203264653822712376822550182),
}


def _readonly(*arrays):
    for a in arrays:
        a.flags.writeable = False
    return arrays


def window_index(first, count, n_in):
    """The index table of windows of consecutive pixels: row ``o`` reads
    ``first[o] .. first[o] + count[o] - 1``, padded to the longest window
    (at least one tap) by repeating its last pixel (its first when empty,
    kept inside ``[0, n_in)``). Returns the table and the mask of the real
    taps; padding taps are meant to carry a zero weight."""
    taps = np.arange(max(int(count.max(initial=0)), 1))
    real = taps < count[:, None]
    last = np.minimum(first + np.maximum(count - 1, 0), n_in - 1)
    return np.where(real, first[:, None] + taps, last[:, None]).astype(np.intp), real


def grid_coordinates(n, m, offset=0):
    """Input coordinate of each of ``m`` output pixels over ``n`` inputs,
    pixel centres aligned: ``((o + 0.5) * (n / m)) - 0.5``, computed in that
    order in float64 (nearest-neighbour ties depend on it), plus ``offset``."""
    zoom = n / m
    coords = (np.arange(m, dtype=np.float64) + 0.5) * zoom - 0.5
    return coords + offset if offset else coords


def spline_weights(coords, order):
    """The ``order + 1`` B-spline weights at each coordinate, and the index of
    the first tap: scipy.ndimage's formulas, operation for operation, with the
    last weight ``1 - (sum of the others)``."""
    first = np.floor(coords if order & 1 else coords + 0.5)
    x = coords - first
    z = 1.0 - x
    w = np.empty((coords.size, order + 1))
    if order == 1:
        w[:, 0] = 1.0 - x
    elif order == 2:
        w[:, 1] = 0.75 - x * x
        y = 0.5 - x
        w[:, 0] = 0.5 * y * y
    elif order == 3:
        w[:, 1] = (x * x * (x - 2.0) * 3.0 + 4.0) / 6.0
        w[:, 2] = (z * z * (z - 2.0) * 3.0 + 4.0) / 6.0
        w[:, 0] = z * z * z / 6.0
    elif order == 4:
        t = x * x
        w[:, 2] = t * (t * 0.25 - 0.625) + 115.0 / 192.0
        y = 1.0 + x
        w[:, 1] = y * (y * (y * (5.0 - y) / 6.0 - 1.25) + 5.0 / 24.0) + 55.0 / 96.0
        w[:, 3] = z * (z * (z * (5.0 - z) / 6.0 - 1.25) + 5.0 / 24.0) + 55.0 / 96.0
        y = 0.5 - x
        t = y * y
        w[:, 0] = t * t / 24.0
    elif order == 5:
        t = x * x
        w[:, 2] = t * (t * (0.25 - x / 12.0) - 0.5) + 0.55
        t = z * z
        w[:, 3] = t * (t * (0.25 - z / 12.0) - 0.5) + 0.55
        y = x + 1.0
        w[:, 1] = y * (y * (y * (y * (y / 24.0 - 0.375) + 1.25) - 1.75) + 0.625) + 0.425
        y = z + 1.0
        w[:, 4] = y * (y * (y * (y * (y / 24.0 - 0.375) + 1.25) - 1.75) + 0.625) + 0.425
        y = 1.0 - x
        t = y * y
        w[:, 0] = y * t * t / 120.0
    last = np.ones(coords.size)
    for i in range(order):
        last -= w[:, i]
    w[:, order] = last
    return first.astype(np.intp) - order // 2, w


def prepadded(order, code):
    """Whether scipy.ndimage pads the axis by PREPAD before the prefilter:
    orders >= 2 in modes 'nearest' and 'grid-constant'."""
    codes = v.BORDER_CODES
    return order >= 2 and code in (codes["nearest"], codes["constant"])


@functools.lru_cache(maxsize=256)
def spline_taps(n, m, order, code):
    """Taps of scikit-image's resize of an axis of ``n`` to ``m`` pixels with
    spline ``order`` (0-5) and border ``code``.

    Order 0 takes pixel ``floor(x + 0.5)`` (ties up, never outside); order 1
    interpolates linearly, reading outside through the border rule (-1 for
    cval); orders >= 2 weigh ``order + 1`` B-spline coefficients, indexed into
    the coefficient line, which is padded by PREPAD per side in modes
    'nearest' and 'constant' (:func:`prepadded`) and otherwise read through
    the border rule. Tables are cached and read-only.
    """
    pad = PREPAD if prepadded(order, code) else 0
    coords = grid_coordinates(n, m, pad)
    if order == 0:
        index = np.floor(coords + 0.5).astype(np.intp)[:, None]
        return _readonly(index, np.ones((m, 1)))
    first, weight = spline_weights(coords, order)
    index = first[:, None] + np.arange(order + 1)
    if not pad:
        index = border_map(index, n, code)
    return _readonly(index, weight)


def gaussian_kernel(sigma):
    """scipy.ndimage's Gaussian: radius ``int(4 sigma + 0.5)``, normalised."""
    radius = int(4.0 * sigma + 0.5)
    x = np.arange(-radius, radius + 1)
    phi = np.exp(-0.5 / (sigma * sigma) * x ** 2)
    return radius, phi / phi.sum()


def merge_taps(index, weight):
    """Sum the weights of equal indices within each row, keeping the indices in
    increasing order (-1 first); rows are padded with zero-weight copies of
    their first tap. Zero weights stay taps: a NaN they read still spreads."""
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


@functools.lru_cache(maxsize=64)
def blurred_taps(n, m, order, code, sigma):
    """Taps of ``zoom(gaussian_filter(x, sigma))`` along one axis (orders 0
    and 1): each interpolation tap spread over the Gaussian around it, read
    through the border rule; taps reading cval stay cval, as zoom reads cval
    there, not a blurred cval."""
    index, weight = spline_taps(n, m, order, code)
    radius = int(4.0 * sigma + 0.5)
    # a huge sigma makes a huge table: bound it before allocating
    v.check_output_pixels((m, index.shape[1], 2 * radius + 1), what="anti-aliasing tap table")
    radius, gauss = gaussian_kernel(sigma)
    spread = border_map(index[:, :, None] + np.arange(-radius, radius + 1), n, code)
    spread = np.where(index[:, :, None] < 0, -1, spread)
    weights = weight[:, :, None] * gauss
    return _readonly(*merge_taps(spread.reshape(m, -1), weights.reshape(m, -1)))


#: Lines shorter than this may not be the identity under SciPy's 'reflect'
#: prefilter and evaluation at the integers (the effect of its initialisation
#: decays as the poles' powers: below 1e-22 from 32 pixels on).
REFLECT_IDENTITY_LENGTH = 32


def spline_is_identity(n, code):
    """Whether prefiltering a line of ``n`` and evaluating it at the integers
    gives it back (to float rounding), so that an axis that keeps its size
    needs no pass. Not so for short lines in mode 'reflect' (numpy.pad
    'symmetric') where SciPy (up to 1.17) reads its running sum in the causal
    initialisation."""
    if n <= 1 or code != v.BORDER_CODES["reflect"] or n >= REFLECT_IDENTITY_LENGTH:
        return True
    return not reflect_reads_running_sum()


def prefilter_init(code):
    """The kernels' boundary initialisation of the prefilter for a border code,
    as scipy.ndimage chooses it: 'nearest' (padded first) takes the 'reflect'
    one, 'constant' (padded first) the 'mirror' one."""
    codes = v.BORDER_CODES
    if code == codes["wrap"]:
        return _kernels.INITS["wrap"]
    if code in (codes["reflect"], codes["nearest"]):
        return _kernels.INITS["reflect"]
    return _kernels.INITS["mirror"]


def prefilter_line(line, order, code, reads_running_sum=None):
    """The B-spline prefilter of a 1-D float64 line (a copy), as the kernels
    compute it along any axis."""
    if reads_running_sum is None:
        reads_running_sum = reflect_reads_running_sum()
    coefficients = np.array(line, dtype=np.float64).reshape(1, -1, 1)
    _kernels.prefilter(coefficients, np.array(SPLINE_POLES[order]), prefilter_init(code),
                       reads_running_sum, 1)
    return coefficients.ravel()


@functools.lru_cache(maxsize=1)
def reflect_reads_running_sum():
    """Whether the installed SciPy's prefilter in mode 'reflect' reads its
    running sum in the last term of the causal initialisation, as SciPy up
    to 1.17 does; decided once by filtering a short line with
    ``scipy.ndimage.spline_filter1d``."""
    from scipy import ndimage

    line = np.array([1.0, -2.0, 0.5, 3.0])
    theirs = ndimage.spline_filter1d(line, 3, mode="reflect")
    ours = prefilter_line(line, 3, v.BORDER_CODES["reflect"], reads_running_sum=True)
    return bool(np.allclose(ours, theirs, rtol=1e-13, atol=0))
