"""The resampling plan: every decision of a resampling, made once, in Python.

A plan says, for an image of a given shape and dtype, what the executors
(:mod:`imgconv._resample` for NumPy arrays, :mod:`imgconv.dask` for Dask
arrays) compute: how the image is read (dtype conversion), the optional
Gaussian blur and B-spline prefilter, one tap table per resampled axis, the
order of the passes over the axes and which two are fused, the clip policy,
and the compute and output dtypes. It holds no pixel data and reads none;
the executors only carry it out, so no rule exists in two places.

Tap tables come from generators (:mod:`imgconv._taps`); the plan does not
know which library a rule follows.
"""
import functools
import math
from dataclasses import dataclass, field

import numpy as np

from . import _taps
from . import _validate as v

#: Pixels scipy.ndimage pads an axis with before the spline prefilter.
PREPAD = _taps.PREPAD

#: Highest spline order computed in float32 for float32 images (the
#: coefficients are still found in float64, then rounded once).
FLOAT32_MAX_ORDER = 3

#: Longest axis the kernels' 32-bit index tables reach.
INDEX_LIMIT = 2**31 - 1

#: Relative cost of a column-pass element (a gather from a table) against a
#: row-blend element (a contiguous, vectorised multiply-add), for choosing
#: the order of the fused passes.
COLUMN_COST = 4


@dataclass(frozen=True, eq=False)
class AxisPlan:
    """One resampled axis: output ``o`` is ``sum_t weight[o, t] * x[index[o, t]]``
    along ``axis`` (index -1: cval), indices into ``n_in`` (the coefficient
    line, padded or not, for orders >= 2)."""
    axis: int
    n_in: int
    n_out: int
    index: np.ndarray
    weight: np.ndarray


@dataclass(frozen=True)
class Step:
    """One pass of the executor: ``'fused'`` resamples ``axes = (h, w)``
    together, ``h`` the axis just before ``w`` or None (w alone); ``'axis'``
    resamples ``axes = (a,)`` on its own. ``blend_first``: the fused pass
    blends input rows before resampling along ``w``. ``dtype``: what the
    pass stores, when not the plan's (a library that rounds between its
    passes). ``shift``: a fixed-point pass (integer weights with ``shift``
    fraction bits, uint8 in and out); 0 for float arithmetic."""
    kind: str
    axes: tuple
    blend_first: bool = False
    dtype: np.dtype | None = None
    shift: int = 0


@dataclass(frozen=True, eq=False)
class Plan:
    """A validated resampling of an array of ``in_shape`` to ``out_shape``.

    ``source``: how the executor reads the image: ``'as-is'``, ``'float32'``
    (float16 widened), ``'scale'`` (uint8/uint16 read by the kernels as
    ``value * scale``), or ``'float'`` (converted in Python by scikit-image's
    rules, ``preserve_range`` given). ``gather``: nearest neighbour, indices
    only, the dtype kept. ``blur``: scipy.ndimage Gaussian sigma per axis,
    applied before the gather or the prefilter (None: none). ``prefilter``:
    the axes whose B-spline prefilter runs (orders >= 2), padded by
    ``prepad`` first. ``steps``: the passes in order. ``clip``: ``'none'``,
    ``'range'`` (to the input's range, widened to cval as scikit-image) or
    ``'cval'`` (only when cval lies outside the input's range, mode
    'constant'). ``compute``: the kernels' float type; ``out_dtype``: what
    the last pass writes; ``result_dtype``: the returned dtype (integers
    rounded from ``out_dtype`` in Python when they differ).
    """
    in_shape: tuple
    out_shape: tuple
    dtype: np.dtype
    source: str
    scale: float
    preserve_range: bool
    gather: bool
    order: int
    mode: str
    code: int
    cval: float
    blur: tuple
    prefilter: tuple
    prepad: int
    axes: dict
    steps: tuple
    compute: np.dtype
    out_dtype: np.dtype
    result_dtype: np.dtype
    clip: str
    identity: bool = field(default=False)
    #: what the executors derive from the plan and keep (the tables as the
    #: kernels take them): plans are cached and run again
    memo: dict = field(default_factory=dict, repr=False)

    def tables(self):
        """{axis: (index, weight)} of the resampled axes."""
        return {a: (p.index, p.weight) for a, p in self.axes.items()}

    @property
    def filter_mode(self):
        """The scipy.ndimage mode of the blur and the prefilter."""
        return v.PAD_TO_NDIMAGE[self.mode]


#: The integer dtypes the kernels read (converted while read) and write
#: (rounded and clipped while written).
KERNEL_INTEGERS = (np.dtype(np.uint8), np.dtype(np.uint16))


def _dyadic_factor(n, m):
    """Whether n -> m is an upscale by a power of two (weights exact in float32)."""
    f = m // n
    return m == f * n and f & (f - 1) == 0


@functools.lru_cache(maxsize=64)
def resample_plan(shape, dtype, out_shape, *, order, code, mode, cval, clip, preserve_range,
                  preserve_dtype, sigmas, channel_axis=None):
    """The plan of scikit-image's ``resize`` of an array of ``shape`` and
    ``dtype`` to ``out_shape`` (same length; the channel axis, if any, keeps
    its size).

    ``sigmas``: the anti-aliasing Gaussian per axis (0: none), already decided
    by scikit-image's rules. Axes whose size does not change cost no pass,
    unless filtered, or unless their spline is not the identity at the
    integers (orders >= 2 in mode 'symmetric', whose prefilter in SciPy up to
    1.17 does not invert its own evaluation on short lines).
    """
    dtype = np.dtype(dtype)
    ndim = len(shape)
    for n in tuple(shape) + tuple(out_shape):
        # the kernels' tables index an axis with 32-bit integers
        if n + 2 * PREPAD > INDEX_LIMIT:
            raise ValueError(f"an axis of {n} pixels is longer than the resampler indexes "
                             f"({INDEX_LIMIT - 2 * PREPAD})")
    blurred = any(s > 0 for s in sigmas)
    work = [a for a in range(ndim) if out_shape[a] != shape[a] or sigmas[a] > 0]
    if work and order >= 2:
        # scikit-image returns a copy only when no axis changes
        work = [a for a in range(ndim) if a in work
                or not _taps.spline_is_identity(shape[a], code)]

    if order == 0:
        # scikit-image widens float16 to float32; preserve_dtype narrows back
        # (a plain copy of the pixels when nothing is filtered)
        widen = dtype == np.float16 and (blurred or not preserve_dtype)
        read = np.dtype(np.float32) if widen else dtype
        result = dtype if preserve_dtype else read
        return Plan(tuple(shape), tuple(out_shape), dtype, "float32" if widen else "as-is",
                    1.0, preserve_range, gather=True, order=0, mode=mode, code=code,
                    cval=cval, blur=tuple(sigmas) if blurred else None, prefilter=(),
                    prepad=0, axes=_gather_axes(shape, out_shape, code), steps=(),
                    compute=read, out_dtype=read, result_dtype=result,
                    clip="range" if clip and blurred else "none", identity=not work)

    # orders >= 1: floats by scikit-image's rules
    float_out = np.dtype(np.float32) if dtype.kind == "f" and dtype.itemsize <= 4 else \
        np.dtype(np.float64)
    result = dtype if preserve_dtype else float_out
    if dtype.kind == "f":
        source, scale = ("float32" if dtype == np.float16 else "as-is"), 1.0
    elif dtype in KERNEL_INTEGERS:
        keep = preserve_range or preserve_dtype
        source, scale = "scale", 1.0 if keep else 1.0 / np.iinfo(dtype).max
    else:
        source, scale = "float", 1.0
    prepad = PREPAD if _taps.prepadded(order, code) else 0
    prefilter = tuple(work) if order >= 2 else ()
    axes = {}
    for a in work:
        if order >= 2 or sigmas[a] == 0:
            index, weight = _taps.spline_taps(shape[a], out_shape[a], order, code)
        else:
            index, weight = _taps.blurred_taps(shape[a], out_shape[a], order, code,
                                               float(sigmas[a]))
        n_in = shape[a] + 2 * prepad if order >= 2 else shape[a]
        axes[a] = AxisPlan(a, n_in, out_shape[a], index, weight)

    # float32 arithmetic where it is exact enough: float32 images up to order 3
    # (B-spline coefficients grow with the order: up to 7.5 times the image's
    # range at order 5, where float32 would cost more than the tolerance),
    # and integer results of power-of-two upscales (dyadic weights)
    if float_out == np.float64 or order > FLOAT32_MAX_ORDER:
        compute = np.dtype(np.float64)
    else:
        compute = np.dtype(np.float32)
    if preserve_dtype and dtype in KERNEL_INTEGERS:
        out_dtype = dtype
        dyadic = (order == 1 and not blurred and dtype == np.uint8
                  and all(_dyadic_factor(shape[a], out_shape[a]) for a in work))
        compute = np.dtype(np.float32) if dyadic else np.dtype(np.float64)
    else:
        out_dtype = float_out        # other integers and float16: cast afterwards

    if not clip:
        policy = "none"
    elif order >= 2:
        policy = "range"
    elif mode == "constant":
        policy = "cval"          # convex, unless cval lies outside the input's range
    else:
        policy = "none"          # convex combinations cannot leave the input's range
    in_shape = tuple(shape)
    coeff_shape = tuple(s + 2 * prepad if a in prefilter else s for a, s in enumerate(shape))
    return Plan(in_shape, tuple(out_shape), dtype, source, scale, preserve_range,
                gather=False, order=order, mode=mode, code=code, cval=cval,
                blur=tuple(sigmas) if (blurred and order >= 2) else None,
                prefilter=prefilter, prepad=prepad, axes=axes,
                steps=plan_steps(coeff_shape if order >= 2 else in_shape, axes, channel_axis),
                compute=compute, out_dtype=out_dtype, result_dtype=result, clip=policy,
                identity=not work)


def _gather_axes(shape, out_shape, code):
    """Nearest-neighbour index tables of the axes that change size."""
    axes = {}
    for a, (n, m) in enumerate(zip(shape, out_shape)):
        if n != m:
            index, weight = _taps.spline_taps(n, m, 0, code)
            axes[a] = AxisPlan(a, n, m, index, weight)
    return axes


def plan_steps(shape, axes, channel_axis=None):
    """The passes over the resampled ``axes`` of an array of ``shape``.

    The last resampled axis and the one just before it, if adjacent, run
    fused (the rows cached or blended first, whichever costs less) when the
    last one's pixels are short (at most COLUMN_PASS_CHANNELS values); every
    other axis is a pass of contiguous runs of its own, those that shrink
    before the fused pass (largest shrink first) and those that grow after
    it, so that the intermediate arrays stay small.
    """
    if not axes:
        return ()
    resampled = sorted(axes)
    w = resampled[-1]
    h = resampled[-2] if len(resampled) > 1 and resampled[-2] == w - 1 else None
    if math.prod(shape[w + 1:]) > COLUMN_PASS_CHANNELS:
        h = w = None                # long runs after the axis: blended a run at a time
    others = [a for a in resampled if a not in (h, w)]

    def ratio(a):
        return axes[a].n_out / axes[a].n_in

    before = sorted((a for a in others if axes[a].n_out < axes[a].n_in), key=ratio)
    after = sorted((a for a in others if axes[a].n_out >= axes[a].n_in), key=ratio)
    current = list(shape)
    for a in before:
        current[a] = axes[a].n_out
    fused = [] if w is None else [Step("fused", (h, w), _blend_first(current, axes, h, w))]
    return tuple([Step("axis", (a,)) for a in before] + fused
                 + [Step("axis", (a,)) for a in after])


def _blend_first(shape, axes, h, w):
    """Whether blending input rows first costs less than caching resampled rows.
    A pass over the last axis alone takes each row through the line buffer
    too: a plain copy, read in order, after which the column pass reads from
    cache instead of waiting on memory for each gather."""
    if h is None:
        return True
    rows, cols = axes[h], axes[w]
    inner = int(np.prod(shape[w + 1:], dtype=np.int64))
    column = cols.n_out * cols.index.shape[1] * inner * COLUMN_COST
    row_taps = rows.index.shape[1]
    needed = np.unique(rows.index).size
    cached = needed * column + rows.n_out * row_taps * cols.n_out * inner
    blended = rows.n_out * (row_taps * cols.n_in * inner + column)
    return blended < cached


#: Largest product of the axes after a pass's axis for which the fused
#: kernel's column pass (a row of pixels of that many values) beats a pass of
#: contiguous runs.
COLUMN_PASS_CHANNELS = 4


def table_plan(shape, dtype, out_shape, tables, *, passes, source, scale=1.0,
               preserve_range=False, compute, out_dtype, result_dtype, intermediate=None,
               shifts=None, clip="none", cval=0.0):
    """A plan from tables made by another library's rule (Pillow, PyTorch).

    ``tables``: {axis: (index, weight)} of the resampled axes; every index in
    range. ``passes``: ``'gather'`` (indices only, the dtype kept),
    ``'joint'`` (the axes in any order, no rounding between them: the fused
    passes of :func:`plan_steps`) or a tuple of axes, one pass each in that
    order, each storing ``intermediate`` (a library rounding between its
    passes) and, with ``shifts`` ({axis: fraction bits}), in fixed point.
    """
    shape, out_shape = tuple(shape), tuple(out_shape)
    axes = {a: AxisPlan(a, shape[a], out_shape[a], index, weight)
            for a, (index, weight) in tables.items()}
    steps = ()
    if passes == "joint":
        steps = plan_steps(shape, axes)
    elif passes != "gather":
        current, steps = list(shape), []
        for k, a in enumerate(passes):
            last = k == len(passes) - 1
            kind, pair = ("fused", (None, a)) if math.prod(current[a + 1:]) <= \
                COLUMN_PASS_CHANNELS else ("axis", (a,))
            steps.append(Step(kind, pair, blend_first=kind == "fused",
                              dtype=None if last else np.dtype(intermediate),
                              shift=(shifts or {}).get(a, 0)))
            current[a] = out_shape[a]
        steps = tuple(steps)
    return Plan(shape, out_shape, np.dtype(dtype), source, scale, preserve_range,
                gather=passes == "gather", order=0 if passes == "gather" else 1, mode="edge",
                code=v.BORDER_CODES["nearest"], cval=cval, blur=None, prefilter=(), prepad=0,
                axes=axes, steps=steps, compute=np.dtype(compute), out_dtype=np.dtype(out_dtype),
                result_dtype=np.dtype(result_dtype), clip=clip, identity=not axes)
