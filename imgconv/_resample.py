"""The NumPy executor of resampling plans (:mod:`imgconv._plan`).

:func:`execute` carries out a plan on an ndarray: it reads the image as the
plan says, decides the clip bounds from the data when the plan needs them,
runs the optional blur and B-spline prefilter, then the passes with the
compiled kernels (``pyx/resample.pyx``). :func:`run_steps` is the part that
needs only tables and a source array: the Dask executor calls it on each
output chunk, with the tables cut to the chunk, and gets the same bits.
"""
import math

import numpy as np

from . import _taps
from . import _validate as v
from ._ext import primitives as _primitives
from ._ext import resample as _kernels

#: Bound on one thread's cache of resampled rows (elements are floats).
CACHE_BYTES = 4 << 20

#: Outputs of STREAM_BYTES to FRESH_BYTES are written with streaming stores:
#: they do not fit in the cache, and skipping the read of each line before
#: writing it saves 10-20% (2896^2 float32 x2, one thread: 3.7 ms vs 4.1).
#: Smaller ones stay in a large last-level cache (32 MiB on the machine the
#: constants were measured on), where whoever reads the result next, or
#: allocates the same memory again, finds them: a 1000^2 -> 1333x1777 float32
#: resize (9.5 MB) takes 0.50 ms with plain stores, 0.69-0.82 ms streaming.
#: Larger outputs are fresh pages from mmap (glibc's threshold stops at
#: 32 MiB) whose page faults cost as much as the resampling; there streaming
#: measured slightly slower (4096^2: 14.0 ms vs 13.7), so they use plain stores.
STREAM_BYTES = 16 << 20
FRESH_BYTES = 32 << 20

#: Work items per thread: blocks of output rows handed out dynamically.
ITEMS_PER_THREAD = 4

#: Results (and sources) of fewer elements than this run on one thread: waking
#: a second thread costs more than it saves on a few microseconds of work. The
#: kernels' results do not depend on the thread count.
SMALL_ELEMENTS = 1 << 16

#: The kernels' accumulator in fixed-point passes (integer weights): float64,
#: in which their integer sums are exact.
FIXED_POINT = np.dtype(np.float64)

#: Inputs below this many elements take NumPy's min/max (no thread start-up).
PARALLEL_RANGE_SIZE = 4096


# ------------------------------------------------------------- reading ---

def read_source(plan, image):
    """The image as the first pass reads it: native byte order, C-contiguous,
    float16 widened, and integers other than uint8/uint16 converted to
    float64 by scikit-image's rules (uint8/uint16 are converted by the
    kernels while read)."""
    if plan.source == "float":
        image = v.image_to_float(image, plan.preserve_range)
    elif plan.source == "float32":
        image = image.astype(np.float32)
    return v.as_compute_array(image, image.dtype)


def as_floats(plan, x):
    """``x`` (as read_source gives it) as float64 values in the image's units
    of the result: integers scaled as scikit-image's ``img_as_float``."""
    if plan.source == "scale":
        return np.multiply(x, plan.scale, dtype=np.float64)
    return x.astype(np.float64)


def input_range(x, n_threads=1):
    """min and max of an array, ignoring NaN if there are some (as
    scikit-image's clip): one parallel pass for float32/float64."""
    if x.dtype not in (np.float32, np.float64) or x.size < PARALLEL_RANGE_SIZE:
        lo = np.min(x)
        if np.isnan(lo):
            return np.nanmin(x), np.nanmax(x)
        return lo, np.max(x)
    flat = v.as_compute_array(x, x.dtype).reshape(-1)
    chunks = np.empty((4 * n_threads, 2), flat.dtype)
    _primitives.value_range(flat, chunks, n_threads)
    lo, hi = chunks[:, 0].min(), chunks[:, 1].max()
    if lo > hi:                                  # all NaN, as np.nanmin says
        return flat.dtype.type(np.nan), flat.dtype.type(np.nan)
    return lo, hi


def source_range(plan, x, n_threads=1):
    """The range of the image in the result's units (scaled integers too)."""
    lo, hi = input_range(x, n_threads)
    if plan.source == "scale":
        return np.float64(lo) * plan.scale, np.float64(hi) * plan.scale
    return lo, hi


# ----------------------------------------------------------------- clip ---

def cval_outside(image_range, mode, cval):
    lo, hi = image_range
    return mode == "constant" and not lo <= cval <= hi


def clip_bounds(image_range, out_range, mode, cval, dtype):
    """scikit-image's ``_clip_warp_output`` bounds: the input's range, widened
    to cval when mode 'constant' put a cval outside it inside the output's
    range (``out_range`` is only read then)."""
    lo, hi = image_range
    if cval_outside(image_range, mode, cval) and out_range[0] <= cval <= out_range[1]:
        c = np.dtype(dtype).type(cval)
        return min(lo, c), max(hi, c)
    return lo, hi


def clip_late(out, image_range, mode, cval, dtype, n_threads=1):
    """Clip ``out`` in place to :func:`clip_bounds`."""
    out_range = input_range(out, n_threads) if cval_outside(image_range, mode, cval) else None
    lo, hi = clip_bounds(image_range, out_range, mode, cval, dtype)
    np.clip(out, np.asarray(lo), np.asarray(hi), out=out)


def clip_policy(plan, image_range):
    """(kernel clips, clips afterwards) for a plan's clip policy and the
    input's range (None when the policy needs none)."""
    if plan.clip == "none":
        return False, False
    late = cval_outside(image_range, plan.mode, plan.cval)
    return plan.clip == "range" and not late, late


def kernel_bounds(plan, image_range, kernel_clip):
    """The [lo, hi] the last pass clips to: the input's range, and for integer
    outputs at most their type's range."""
    lo, hi = image_range if kernel_clip else (-np.inf, np.inf)
    if plan.out_dtype.kind in "iu":
        info = np.iinfo(plan.out_dtype)
        lo, hi = max(float(lo), info.min), min(float(hi), info.max)
    return float(lo), float(hi)


def to_result(plan, y):
    """The last pass's output as the plan's result dtype: integers rounded
    half to even and clipped to their type's range."""
    dtype = plan.result_dtype
    if y.dtype == dtype:
        return y
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        y = np.clip(np.rint(y), info.min, info.max)
    return y.astype(dtype)


# ------------------------------------------------------------ prefilter ---

def coefficients(plan, x, n_threads=1):
    """The B-spline coefficients of ``x``: padded by the plan's prepad in modes
    'nearest'/'constant' (edge values, or cval cast to the image's dtype, as
    scipy.ndimage pads), then prefiltered along each axis of
    ``plan.prefilter`` in turn, in double arithmetic, stored in the plan's
    compute type (float32 coefficients are rounded after each axis)."""
    compute = plan.compute
    if plan.prepad:
        pad = [(plan.prepad, plan.prepad) if a in plan.prefilter else (0, 0)
               for a in range(x.ndim)]
        if plan.filter_mode == "nearest":
            c = np.pad(x, pad, mode="edge").astype(compute, copy=False)
        else:
            cval = np.asarray(plan.cval).astype(x.dtype)
            c = np.pad(x, pad, mode="constant", constant_values=cval).astype(compute,
                                                                             copy=False)
    else:
        c = np.array(x, dtype=compute, order="C")
    poles = np.array(_taps.SPLINE_POLES[plan.order])
    init = _taps.prefilter_init(plan.code)
    reads_sum = _taps.reflect_reads_running_sum()
    for a in plan.prefilter:
        shape = c.shape
        view = c.reshape(math.prod(shape[:a]), shape[a], math.prod(shape[a + 1:]))
        _kernels.prefilter(view, poles, init, reads_sum, n_threads)
    return c


def blur(plan, x):
    """scikit-image's anti-aliasing before a gather or a prefilter: scipy.ndimage's
    Gaussian in the image's dtype (rounded after each axis, as it does)."""
    from scipy import ndimage

    return ndimage.gaussian_filter(x, plan.blur, mode=plan.filter_mode, cval=plan.cval)


# --------------------------------------------------------------- passes ---

def column_form(index, weight, factor=0):
    """How the kernels run a column table (``(m, taps)`` index and weight):
    ``{'form', 'lo', 'hi', 'factor'}``.

    Outputs [lo, hi) read inside the row only (no -1): a window (consecutive
    taps) where the table allows, else any taps; a window may further be
    phases, for an integer ``factor`` (a pattern of ``factor`` outputs
    repeating one pixel further each time). The outputs outside [lo, hi)
    take the table as it is. Found from the table itself, so a table cut to a
    chunk gets its own."""
    _, taps = index.shape
    valid = (index >= 0).all(axis=1)
    window = valid & (index == index[:, :1] + np.arange(taps)).all(axis=1)
    for good, form in ((window, "window"), (valid, "taps")):  # noqa: B007 - read after the loop
        lo, hi = _run(good)
        if hi - lo > 0:
            break
    else:
        return dict(form=_kernels.FORMS["taps"], lo=0, hi=0, factor=0)
    if form == "window" and factor > 1:
        p_lo, p_hi = -(-lo // factor) * factor, hi // factor * factor
        if p_hi - p_lo >= 2 * factor:
            first = index[p_lo:p_hi, 0].reshape(-1, factor)
            weights = weight[p_lo:p_hi].reshape(-1, factor, taps)
            if ((first - first[:1] == np.arange(first.shape[0])[:, None]).all()
                    and (weights == weights[:1]).all()):
                return dict(form=_kernels.FORMS["phases"], lo=p_lo, hi=p_hi, factor=factor)
    return dict(form=_kernels.FORMS[form], lo=lo, hi=hi, factor=0)


def _run(good):
    """The range [lo, hi) between the leading and trailing False entries of
    ``good`` if every entry within it is True, else (0, 0)."""
    if not good.any():
        return 0, 0
    lo = int(np.argmax(good))
    hi = good.size - int(np.argmax(good[::-1]))
    return (lo, hi) if good[lo:hi].all() else (0, 0)


def _identity_rows(n, compute):
    """The row table of a fused pass without rows: each output row is its input row."""
    return np.arange(n, dtype=np.int32)[:, None], np.ones((n, 1), compute)


def _integer_factor(n_in, n_out):
    return n_out // n_in if n_out % n_in == 0 else 0


def _schedule(n_threads, blend_first=False, slots=0):
    return dict(blend_first=blend_first, slots=slots, items=ITEMS_PER_THREAD * n_threads)


def _streams(out, fresh=True):
    """Whether a float output is written with streaming stores: outputs that
    do not fit in the cache, unless they are fresh pages too large for the
    allocator to reuse (see FRESH_BYTES)."""
    return out.dtype.kind == "f" and STREAM_BYTES <= out.nbytes and (
        not fresh or out.nbytes <= FRESH_BYTES)


def run_steps(plan, x, tables, *, scale, bounds, clip, out=None, n_threads=1, memo=None):
    """Run the plan's passes on the source array ``x`` with ``tables``
    ({axis: (index, weight)}, possibly cut to a chunk). The first pass reads
    ``x`` converting integers as ``value * scale``; the last writes
    ``plan.out_dtype`` (into ``out`` if given), clipped to ``bounds`` when
    ``clip``. ``memo``: a dict that keeps the tables as the kernels take
    them, for tables that are used again (the plan's own)."""
    steps = plan.steps
    source = dict(scale=scale, cval=plan.cval, convert_rows=False)
    for k, step in enumerate(steps):
        last = k == len(steps) - 1
        dtype = plan.out_dtype if last else (step.dtype or plan.compute)
        compute = FIXED_POINT if step.shift else plan.compute
        lo, hi = bounds if last else (-np.inf, np.inf)
        if step.shift:                      # uint8 in and out
            lo, hi = max(lo, 0.0), min(hi, 255.0)
        store = dict(lo=lo, hi=hi, clip=clip and last, stream=False, shift=step.shift)
        target = out if last else None
        if step.kind == "fused":
            w = step.axes[1]
            factor = _integer_factor(plan.in_shape[w], plan.out_shape[w])
            x = _fused(step, x, tables, compute, dtype, source, store, target,
                       n_threads, factor, memo)
        else:
            x = _axis(step.axes[0], x, tables, compute, dtype, source, store, target,
                      n_threads, memo)
        source = dict(scale=1.0, cval=plan.cval, convert_rows=False)
    return x


def _output(shape, dtype, out):
    if out is None:
        return np.empty(shape, dtype)
    return out


def _prepared(tables, axis, role, compute, memo, factor=0):
    """An axis's table as the kernels take it: ``'rows'`` (index int32 and
    weights, (m, taps)) or ``'cols'`` (planar, (taps, m), and the column
    form); kept in ``memo`` when given."""
    key = (axis, role, compute.char)
    if memo is not None and key in memo:
        return memo[key]
    index, weight = tables[axis]
    if role == "rows":
        prepared = (np.ascontiguousarray(index, np.int32),
                    np.ascontiguousarray(weight, compute))
    else:
        prepared = (np.ascontiguousarray(index.T, np.int32),
                    np.ascontiguousarray(weight.T, compute),
                    column_form(index, weight, factor))
    if memo is not None:
        memo[key] = prepared
    return prepared


def _fused(step, x, tables, compute, dtype, source, store, out, n_threads, factor, memo):
    h, w = step.axes
    shape = x.shape
    channels = math.prod(shape[w + 1:])
    col_index, col_weight, cols = _prepared(tables, w, "cols", compute, memo, factor)
    col_taps, out_width = col_index.shape
    if h is None:
        planes, height = 1, math.prod(shape[:w])
        row_index, row_weight = _identity_rows(height, compute)
        out_shape = shape[:w] + (out_width,) + shape[w + 1:]
    else:
        planes, height = math.prod(shape[:h]), shape[h]
        row_index, row_weight = _prepared(tables, h, "rows", compute, memo)
        out_shape = shape[:h] + (row_index.shape[0], out_width) + shape[w + 1:]
    out_height = row_index.shape[0]
    width = shape[w]
    y = _output(out_shape, dtype, out)
    source = dict(source)
    source["convert_rows"] = x.dtype.kind in "iu" and out_width * col_taps >= width
    row_len = out_width * channels
    wanted = row_index.shape[1] + -(-height // max(out_height, 1)) + 1
    slots = max(2, min(wanted, CACHE_BYTES // max(1, row_len * compute.itemsize)))
    store = dict(store)
    store["stream"] = _streams(y, fresh=out is None)
    _kernels.resample2d(
        x.reshape(planes, height, width, channels),
        y.reshape(planes, out_height, out_width, channels),
        row_index, row_weight, col_index, col_weight, cols, source, store,
        _schedule(n_threads, step.blend_first, slots), n_threads)
    return y


def _axis(a, x, tables, compute, dtype, source, store, out, n_threads, memo):
    index, weight = _prepared(tables, a, "rows", compute, memo)
    shape = x.shape
    batch, inner = math.prod(shape[:a]), math.prod(shape[a + 1:])
    out_shape = shape[:a] + (index.shape[0],) + shape[a + 1:]
    y = _output(out_shape, dtype, out)
    _kernels.axis_pass(x.reshape(batch, shape[a], inner),
                       y.reshape(batch, index.shape[0], inner), index, weight, source, store,
                       _schedule(n_threads), n_threads)
    return y


# --------------------------------------------------------------- gather ---

def gather_rows(shape, tables, last):
    """The input row (over the axes before ``last``, flattened) of every
    output row: index tables of the resampled axes, identity elsewhere."""
    combined = np.zeros((), np.intp)
    for a in range(last):
        index = tables[a][0][:, 0] if a in tables else np.arange(shape[a])
        combined = (combined[..., None] * shape[a] + index).astype(np.intp)
    return combined.reshape(-1)


def run_gather(x, tables, out=None, n_threads=1):
    """Nearest neighbour: whole pixels copied, bit for bit, any dtype."""
    shape = x.shape
    last = max(tables)
    col_index = np.ascontiguousarray(tables[last][0][:, 0], np.intp)
    rows = gather_rows(shape, tables, last)
    channels = math.prod(shape[last + 1:])
    out_shape = tuple(tables[a][0].shape[0] if a in tables else s for a, s in enumerate(shape))
    y = _output(out_shape, x.dtype, out)
    # view each pixel as units of the largest power-of-two size dividing it
    pixel_bytes = channels * x.itemsize
    unit = math.gcd(pixel_bytes, 8)
    raw_type = np.dtype(f"u{unit}")
    width = shape[last]
    raw = x.reshape(-1, width, channels).view(raw_type)
    raw_out = y.reshape(-1, col_index.size, channels).view(raw_type)
    factor = col_index.size // width if col_index.size % width == 0 else 0
    if factor and not (col_index == np.arange(col_index.size) // factor).all():
        factor = 0
    stream = STREAM_BYTES <= y.nbytes and (out is not None or y.nbytes <= FRESH_BYTES)
    _kernels.gather(raw, raw_out, rows, col_index, factor, stream,
                    ITEMS_PER_THREAD * n_threads, n_threads)
    return y


# -------------------------------------------------------------- execute ---

def execute(plan, image, out=None, n_threads=1):
    """Carry out ``plan`` on the ndarray ``image``; returns the result, written
    into ``out`` when given (an array the caller checked: the result's shape
    and dtype, C-contiguous, apart from the image)."""
    result = _execute(plan, image, out, n_threads)
    if out is not None and result is not out:
        np.copyto(out, result)
        return out
    return result


def _execute(plan, image, out, n_threads):
    """execute's work; writes into ``out`` where the last kernel can, else
    returns a new array."""
    if max(math.prod(plan.out_shape), math.prod(plan.in_shape)) < SMALL_ELEMENTS:
        n_threads = 1
    x = read_source(plan, image)
    direct = out if out is not None and plan.out_dtype == plan.result_dtype else None
    if plan.gather:
        return _execute_gather(plan, x, direct, n_threads)
    if plan.identity:
        # scipy.ndimage.zoom returns the image itself at zoom 1: no neighbour
        # is read, so NaN and inf stay in their pixels
        y = as_floats(plan, x) if plan.source == "scale" and plan.out_dtype.kind == "f" else x
        return to_result(plan, np.array(y, dtype=plan.out_dtype, copy=True))
    image_range = source_range(plan, x, n_threads) if plan.clip != "none" else None
    kernel_clip, late = clip_policy(plan, image_range)
    bounds = kernel_bounds(plan, image_range, kernel_clip)
    scale = plan.scale if plan.source == "scale" else 1.0
    if plan.order >= 2:
        if plan.blur or plan.source == "scale":
            x = as_floats(plan, x) if plan.blur is None else blur(plan, _image_floats(plan, x))
        x = coefficients(plan, x, n_threads)
        scale = 1.0
    if late:
        # the float result first, clipped by scikit-image's rule, then rounded
        plan_float = _with_float_output(plan)
        y = run_steps(plan_float, x, plan.tables(), scale=scale, bounds=bounds, clip=False,
                      out=direct if plan_float is plan else None, n_threads=n_threads,
                      memo=plan.memo)
        clip_late(y, image_range, plan.mode, plan.cval, y.dtype, n_threads)
        return to_result(plan, y)
    y = run_steps(plan, x, plan.tables(), scale=scale, bounds=bounds, clip=kernel_clip,
                  out=direct, n_threads=n_threads, memo=plan.memo)
    return to_result(plan, y)


def _image_floats(plan, x):
    """The float image scikit-image blurs: float32 stays float32."""
    return x if x.dtype.kind == "f" else as_floats(plan, x)


def _with_float_output(plan):
    """The plan writing floats (for a late clip before the rounding)."""
    import dataclasses

    if plan.out_dtype.kind == "f":
        return plan
    return dataclasses.replace(plan, out_dtype=np.dtype(np.float64))


def _execute_gather(plan, x, out, n_threads):
    source = x
    if plan.blur:
        x = blur(plan, x)
    if plan.axes:
        y = run_gather(x, plan.tables(), out=out if x.dtype == plan.result_dtype else None,
                       n_threads=n_threads)
    else:
        y = x.copy()
    if plan.clip != "none":
        clip_late(y, input_range(source, n_threads), plan.mode, plan.cval, source.dtype,
                  n_threads)
    return to_result(plan, y)
