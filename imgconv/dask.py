"""Dask support: the image functions on arrays larger than memory.

Given a dask array, :func:`imgconv.upscale`, :func:`imgconv.resize`,
:func:`imgconv.rescale`, :func:`imgconv.atrous_filter`, :func:`imgconv.starlet`
and :func:`imgconv.multiscale_features` return a lazy dask array equal to the
NumPy result, for any chunking.

Resampling runs the same plan as the NumPy path (:mod:`imgconv._plan`):
:func:`execute_lazy` computes each output chunk in one task from exactly the
input pixels its taps read, with the tables cut to the chunk, through the
NumPy executor's :func:`imgconv._resample.run_steps`, so the bits are the
NumPy ones. The B-spline prefilter (orders >= 2) is recursive along whole
lines; chunks run it with a halo long enough for the recursion's memory to
fall below float64 precision (the result differs from the NumPy one by
rounding only).

The filters compute each chunk with just enough neighbouring pixels (its
halo): ``dilation * (k // 2)`` for a filter, the sum for a chain. The border
mode is applied inside the chunks that touch the image border, the way
scikit-image and dask-image do it (``map_overlap(..., boundary='none')``),
except 'wrap', whose halo comes from the opposite side of the image. Chunks
smaller than the halo are merged with their neighbours first. Each chunk runs
on one thread unless ``n_threads`` says otherwise: dask runs the chunks in
parallel.

Install with ``pip install imgconv[dask]``.
"""
from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeGuard, TypeVar, cast

import numpy as np

from . import _validate as v

if TYPE_CHECKING:
    from ._typing import DaskArray

_Function = TypeVar("_Function", bound=Callable[..., Any])

__all__ = ["is_dask_array", "dask_aware", "execute_lazy"]

#: ndimage mode names whose extension is periodic.
_WRAP_MODES = ("wrap", "grid-wrap")


def is_dask_array(value: object) -> TypeGuard[DaskArray]:
    """True for a ``dask.array.Array`` (without importing dask)."""
    return type(value).__module__.startswith("dask.") and hasattr(value, "map_overlap")


def dask_aware(lazy: Callable[..., Any]) -> Callable[[_Function], _Function]:
    """Decorator: the image function ``fn(image, ...)`` given a dask array
    runs ``lazy(fn, image, ...)`` instead (same arguments), its Dask version
    from this module."""
    def decorate(fn: _Function) -> _Function:
        @functools.wraps(fn)
        def wrapper(image, *args, **kwargs):
            if is_dask_array(image):
                v.check_array(image._meta, "image")  # a masked dask array is refused too
                return lazy(fn, image, *args, **kwargs)
            return fn(image, *args, **kwargs)

        return cast("_Function", wrapper)

    return decorate


def _image_shaped(image):
    """A NumPy stand-in with the shape and dtype of a lazy image and no data,
    for validating arguments exactly as the NumPy path does."""
    return np.broadcast_to(np.zeros((), image.dtype.newbyteorder("=")), image.shape)


def _spatial_axes(image, channel_axis):
    """Row and column axes of a (lazy) image, validated as the NumPy path does."""
    _, axis = v.check_image(_image_shaped(image), channel_axis)
    return axis, tuple(i for i in range(image.ndim) if i != axis)


def _block_threads(n_threads):
    """Threads per chunk: dask already runs chunks in parallel, so None means one."""
    return 1 if n_threads is None else n_threads


def _probe(fn, image, axis, *args, **kwargs):
    """Run ``fn`` on a tiny image of the same dtype and layout: it validates
    every argument and tells the result's dtype before anything is scheduled."""
    shape = [3] * image.ndim
    if axis is not None:
        shape[axis] = image.shape[axis]
    return fn(np.zeros(shape, image.dtype), *args, **kwargs)


# ------------------------------------------------------------- filters ---

def lazy_atrous_filter(fn, image, kernel, dilation, *, mode="reflect", cval=0.0,
                       channel_axis=None, preserve_range=False, n_threads=None, max_pixels=None,
                       out=None):
    if out is not None:
        raise TypeError("out= takes NumPy results; for a dask array store the lazy result "
                        "instead (dask.array.store(result, target))")
    axis, spatial = _spatial_axes(image, channel_axis)
    v.check_output_pixels([image.shape[a] for a in spatial], max_pixels)
    kwargs = dict(mode=mode, cval=cval, channel_axis=channel_axis,
                  preserve_range=preserve_range, n_threads=_block_threads(n_threads))
    dtype = _probe(fn, image, axis, kernel, dilation, **kwargs).dtype
    kernel = np.asarray(kernel)
    dilation = v.check_pair(dilation, "dilation", min_value=1)
    # ndimage centres the dilated kernel on (d*(k-1)+1)//2: the left reach is the larger
    halo = tuple((d * (k - 1) + 1) // 2 for k, d in zip(kernel.shape, dilation))
    return map_halo(lambda block: fn(block, kernel, dilation, **kwargs), image, halo, spatial,
                    wrap=mode in _WRAP_MODES, dtype=dtype)


def _starlet_halo(n_scales):
    """Pixels per side that scales 1..J of the B3 smoothing reach: sum of 2 * 2**j."""
    return 2 * (2**n_scales - 1)


def lazy_starlet(fn, image, n_scales, *, mode="mirror", cval=0.0, channel_axis=None,
                  preserve_range=False, n_threads=None, max_pixels=None):
    axis, spatial = _spatial_axes(image, channel_axis)
    kwargs = dict(mode=mode, cval=cval, channel_axis=channel_axis,
                  preserve_range=preserve_range, n_threads=_block_threads(n_threads),
                  max_pixels=max_pixels)
    probe = _probe(fn, image, axis, n_scales, **kwargs)
    # the whole result is bounded, as the NumPy path bounds it
    v.check_output_pixels((probe.shape[0], *image.shape), max_pixels, what="coefficient array")
    halo = _starlet_halo(n_scales)

    def planes_last(block):
        return np.moveaxis(fn(block, n_scales, **kwargs), 0, -1)

    planes = map_halo(planes_last, image, (halo, halo), spatial, wrap=mode in _WRAP_MODES,
                      new_axis_size=probe.shape[0], dtype=probe.dtype)
    return planes.transpose((planes.ndim - 1,) + tuple(range(planes.ndim - 1)))


def lazy_multiscale_features(fn, image, *, intensity=True, edges=True, texture=True,
                              n_scales=6, mode="mirror", cval=0.0, channel_axis=None,
                              n_threads=None, max_pixels=None):
    import dask.array as da

    axis, _ = _spatial_axes(image, channel_axis)
    kwargs = dict(intensity=intensity, edges=edges, texture=texture, n_scales=n_scales,
                  mode=mode, cval=cval, n_threads=_block_threads(n_threads),
                  max_pixels=max_pixels)
    probe = _probe(fn, image, axis, channel_axis=channel_axis, **kwargs)
    v.check_output_pixels((*[s for i, s in enumerate(image.shape) if i != axis],
                           probe.shape[-1]), max_pixels, what="feature array")
    # the smoothing of J scales, then differences 2**(J-1) pixels apart
    halo = _starlet_halo(n_scales) + 2 ** (n_scales - 1)
    per_channel = probe.shape[-1] // (1 if axis is None else image.shape[axis])
    channels = [image] if axis is None else [da.take(image, c, axis=axis)
                                            for c in range(image.shape[axis])]
    features = [map_halo(lambda block: fn(block, **kwargs), gray, (halo, halo), (0, 1),
                         wrap=mode in _WRAP_MODES, new_axis_size=per_channel,
                         dtype=probe.dtype) for gray in channels]
    return features[0] if len(features) == 1 else da.concatenate(features, axis=-1)


def merge_small_chunks(chunks, minimum):
    """Chunk sizes along one axis with every chunk >= ``minimum``, merging
    small ones into a neighbour (one chunk if the axis itself is smaller)."""
    merged = []
    for size in chunks:
        if merged and merged[-1] < minimum:
            merged[-1] += size
        else:
            merged.append(size)
    if len(merged) > 1 and merged[-1] < minimum:
        last = merged.pop()
        merged[-1] += last
    return tuple(merged)


def map_halo(block_fn, image, halo, spatial_axes, *, wrap=False, factors=None,
             new_axis_size=None, dtype=None):
    """Apply ``block_fn`` chunk by chunk with ``halo`` pixels of context.

    Parameters
    ----------
    block_fn : callable
        ``block_fn(block) -> ndarray``: the NumPy function, applied to a chunk
        plus its halo, with the image's border mode. Its result has
        ``factors[i]`` output pixels per input pixel along spatial axis ``i``
        and, if ``new_axis_size``, a new last axis of that size.
    image : dask.array.Array
    halo : sequence of int
        Input pixels of context needed on each side, per spatial axis.
    spatial_axes : sequence of int
        The image's spatial axes.
    wrap : bool
        The border mode is periodic: chunks at the border take their halo from
        the opposite side.
    factors : sequence of int, optional
        Output pixels per input pixel along the spatial axes (default 1).
    new_axis_size : int, optional
    dtype : numpy dtype of the result.

    Returns
    -------
    dask.array.Array
        Chunked like ``image`` (times ``factors``), plus the new axis if any.
    """
    import dask.array as da

    halo = tuple(int(h) for h in halo)
    factors = (1,) * len(halo) if factors is None else tuple(factors)
    chunks = list(image.chunks)
    for axis, h in zip(spatial_axes, halo):
        chunks[axis] = merge_small_chunks(image.chunks[axis], max(1, h))
    if tuple(chunks) != image.chunks:
        image = image.rechunk(tuple(chunks))
    depth, boundary = {}, {}
    for axis in range(image.ndim):
        depth[axis] = 0
        boundary[axis] = "none"
    periodic = {}
    for axis, h in zip(spatial_axes, halo):
        # one chunk has no neighbour: its own border mode is then exact
        depth[axis] = h if len(image.chunks[axis]) > 1 else 0
        periodic[axis] = wrap and h > 0 and len(image.chunks[axis]) > 1
        boundary[axis] = "periodic" if periodic[axis] else "none"

    out_chunks = list(image.chunks)
    for axis, f in zip(spatial_axes, factors):
        out_chunks[axis] = tuple(f * c for c in image.chunks[axis])
    new_axis = None
    if new_axis_size is not None:
        out_chunks.append((new_axis_size,))
        new_axis = [image.ndim]

    def run(block, block_info=None):
        info = block_info[0]
        location, counts = info["chunk-location"], info["num-chunks"]
        result = block_fn(block)
        index = [slice(None)] * result.ndim
        for axis, h, f in zip(spatial_axes, halo, factors):
            if depth[axis] == 0:
                continue
            before = h if periodic[axis] or location[axis] > 0 else 0
            after = h if periodic[axis] or location[axis] < counts[axis] - 1 else 0
            index[axis] = slice(f * before, result.shape[axis] - f * after)
        return result[tuple(index)]

    return da.map_overlap(run, image, depth=depth, boundary=boundary, trim=False,
                          chunks=tuple(out_chunks), new_axis=new_axis,
                          dtype=dtype if dtype is not None else image.dtype,
                          meta=np.empty((0,) * len(out_chunks), dtype or image.dtype))


# ----------------------------------------------------------- resampling ---

#: The prefilter's recursion, restarted at a chunk's edge, has decayed below
#: this relative size by the end of the chunk's halo.
PREFILTER_DECAY = 1e-20


def prefilter_halo(order):
    """Pixels of halo after which the B-spline prefilter of ``order`` forgets
    where it started: its largest pole's powers fall below PREFILTER_DECAY."""
    from ._taps import SPLINE_POLES

    z = max(abs(p) for p in SPLINE_POLES[order])
    return int(np.ceil(np.log(PREFILTER_DECAY) / np.log(z)))


def execute_lazy(plan, image, n_threads=1):
    """Carry out a resampling plan on a dask array, lazily.

    Every rule comes from the plan: the reading of the image, blur,
    prefilter, tables, passes, clip and dtypes are the NumPy executor's, run
    chunk by chunk.
    """
    from . import _resample as rs

    light = _light(plan)
    x = image.map_blocks(functools.partial(rs.read_source, light), dtype=_read_dtype(plan))
    if plan.gather:
        source = x
        if plan.blur:
            x = _blur_lazy(plan, x)
        out = x if not plan.axes else _resample_chunks(
            light, x, plan.tables(), _output_chunks(plan, x), x.dtype, n_threads=n_threads)
        if plan.clip != "none":
            out = _clip_late_lazy(out, _range_lazy(rs.input_range, source), plan, source.dtype)
        if out.dtype != plan.result_dtype:
            out = out.map_blocks(functools.partial(rs.to_result, light),
                                 dtype=plan.result_dtype)
        return out
    if plan.identity:
        return x.map_blocks(_identity_block, light, dtype=plan.result_dtype)

    image_range = _range_lazy(functools.partial(rs.source_range, light), x) \
        if plan.clip != "none" else None
    scale = plan.scale if plan.source == "scale" else 1.0
    if plan.order >= 2:
        if plan.blur is not None:
            floats = x if x.dtype.kind == "f" else x.map_blocks(
                functools.partial(rs.as_floats, light), dtype=np.float64)
            x = _blur_lazy(plan, floats)
        if plan.source == "scale" and plan.blur is None:
            x = x.map_blocks(functools.partial(rs.as_floats, light), dtype=np.float64)
        x = _coefficients_lazy(plan, x, n_threads)
        scale = 1.0
    # an integer result in mode 'constant' may need scikit-image's late clip,
    # which needs the float result first
    late_possible = plan.clip != "none" and plan.mode == "constant"
    run_plan = light
    if late_possible and plan.out_dtype.kind != "f":
        run_plan = dataclasses.replace(light, out_dtype=np.dtype(np.float64))
    out = _resample_chunks(run_plan, x, plan.tables(), _output_chunks(plan, x, image),
                           run_plan.out_dtype, scale=scale, image_range=image_range,
                           n_threads=n_threads)
    if late_possible:
        out = _clip_late_lazy(out, image_range, plan, run_plan.out_dtype, only_if_outside=True)
    if out.dtype != plan.result_dtype:
        out = out.map_blocks(functools.partial(rs.to_result, light), dtype=plan.result_dtype)
    return out


def _read_dtype(plan):
    if plan.source == "float":
        return np.dtype(np.float64)
    if plan.source == "float32":
        return np.dtype(np.float32)
    return plan.dtype


def _light(plan):
    """The plan without its tables, as the tasks carry it (the tables go to
    each task cut to its chunk)."""
    return dataclasses.replace(plan, axes={})


def _identity_block(block, plan):
    from . import _resample as rs

    y = rs.as_floats(plan, block) if plan.source == "scale" and plan.out_dtype.kind == "f" \
        else block
    return rs.to_result(plan, np.array(y, dtype=plan.out_dtype, copy=True))


def _range_lazy(range_fn, array):
    """Delayed (min, max) of ``array``, ignoring NaN when there are some
    (scikit-image's rule): ``range_fn`` of each chunk, then theirs (fmin and
    fmax skip the chunks that are all NaN)."""
    import dask

    def combine(ranges):
        lo, hi = zip(*ranges)
        return np.fmin.reduce(lo), np.fmax.reduce(hi)

    parts = [dask.delayed(range_fn)(c) for c in array.to_delayed().ravel()]
    return dask.delayed(combine)(parts)


def _clip_late_lazy(out, image_range, plan, dtype, only_if_outside=False):
    """scikit-image's clip to the input's range, widened to cval in mode
    'constant' when cval lies outside it and the output reaches it; with
    ``only_if_outside``, only when cval lies outside (the kernels clipped
    the other cases already)."""
    import dask

    from . import _resample as rs

    out_range = _range_lazy(rs.input_range, out)

    def bounds(image_range, out_range):
        if only_if_outside and not rs.cval_outside(image_range, plan.mode, plan.cval):
            return None
        return rs.clip_bounds(image_range, out_range, plan.mode, plan.cval, dtype)

    def clip(block, bounds):
        if bounds is None:
            return block
        return np.clip(block, np.asarray(bounds[0]), np.asarray(bounds[1]))

    return out.map_blocks(clip, dask.delayed(bounds)(image_range, out_range), dtype=out.dtype)


def _blur_lazy(plan, x):
    """The plan's scipy.ndimage Gaussian, chunk by chunk with its halo."""
    from . import _resample as rs

    light = _light(plan)
    axes = [a for a, s in enumerate(plan.blur) if s > 0]
    halo = [int(4.0 * plan.blur[a] + 0.5) for a in axes]
    return map_halo(lambda block: rs.blur(light, block), x, halo, axes,
                    wrap=plan.filter_mode in _WRAP_MODES)


def _coefficients_lazy(plan, x, n_threads):
    """The plan's B-spline coefficients, chunk by chunk with a halo that makes
    the restarted recursion exact to float64 rounding."""
    import dask.array as da

    from . import _resample as rs

    light = _light(plan)
    if plan.prepad:
        pad = [(plan.prepad, plan.prepad) if a in plan.prefilter else (0, 0)
               for a in range(x.ndim)]
        if plan.filter_mode == "nearest":
            x = da.pad(x, pad, mode="edge")
        else:
            x = da.pad(x, pad, mode="constant",
                       constant_values=np.asarray(plan.cval).astype(x.dtype))
    halo = [prefilter_halo(plan.order)] * len(plan.prefilter)

    def block_coefficients(block):
        # padded already: the chunk is prefiltered as it is
        return rs.coefficients(dataclasses.replace(light, prepad=0), block, n_threads)

    return map_halo(block_coefficients, x, halo, plan.prefilter,
                    wrap=plan.filter_mode in _WRAP_MODES, dtype=plan.compute)


def _output_chunks(plan, x, image=None):
    """Output chunks: along a resampled axis the input's chunk boundaries
    scaled by the zoom (the coefficient line's padding left out), else the
    input's."""
    chunks = []
    for a, in_chunks in enumerate(x.chunks):
        if a not in plan.axes:
            chunks.append(in_chunks)
            continue
        n, m = plan.in_shape[a], plan.out_shape[a]
        base = in_chunks if image is None or plan.order < 2 else image.chunks[a]
        if m % n == 0:
            chunks.append(tuple(c * (m // n) for c in base))
            continue
        edges = np.round(np.cumsum((0,) + tuple(base)) * (m / n)).astype(int)
        sizes = tuple(int(b) for b in np.diff(edges) if b > 0)
        chunks.append(sizes if sum(sizes) == m else (m,))
    return tuple(chunks)


def _resample_chunks(plan, x, tables, out_chunks, dtype, *, scale=1.0, image_range=None,
                     n_threads=1):
    """One task per output chunk: the input pixels its taps read, cut from the
    chunks of ``x`` that hold them, and the plan's passes (or the gather) on
    them with the tables cut to the chunk.

    A hand-built graph: slicing the dask array per output chunk would add
    layers by the hundred for small chunks.
    """
    import dask
    import dask.array as da
    from dask.base import tokenize
    from dask.highlevelgraph import HighLevelGraph

    edges = [np.cumsum((0,) + c) for c in x.chunks]
    out_edges = [np.cumsum((0,) + c) for c in out_chunks]
    bounds = dask.delayed(image_range) if image_range is not None else dask.delayed(None)
    name = "imgconv-resample-" + tokenize(x, plan.steps, plan.gather, plan.out_dtype, scale,
                                          out_chunks, [tables[a] for a in sorted(tables)],
                                          bounds)
    task = functools.partial(_chunk, plan, scale=scale, n_threads=n_threads)

    graph = {}
    for block in np.ndindex(*[len(c) for c in out_chunks]):
        parts, spans, picks, local = [], [], [], {}
        for a, b in enumerate(block):
            o0, o1 = out_edges[a][b], out_edges[a][b + 1]
            if a in tables:
                index, weight = tables[a]
                lines, local_index = _local_lines(index[o0:o1])
                local[a] = (local_index, weight[o0:o1])
            else:
                lines = np.arange(o0, o1)
            chunk_ids, chunk_spans, pick = _chunk_picks(lines, edges[a])
            parts.append(chunk_ids)
            spans.append(chunk_spans)
            picks.append(pick)
        keys = np.empty([len(p) for p in parts], dtype=object)
        for where in np.ndindex(*keys.shape):
            keys[where] = (x.name,) + tuple(parts[a][w] for a, w in enumerate(where))
        graph[(name,) + block] = (task, keys.tolist(), spans, picks, local, bounds.key)
    layers = HighLevelGraph.from_collections(name, graph, dependencies=[x, bounds])
    return da.Array(layers, name, out_chunks, dtype=dtype,
                    meta=np.empty((0,) * len(out_chunks), dtype))


def _local_lines(index):
    """The input lines a block of taps reads, and the taps renumbered into them
    (-1, the constant, stays -1)."""
    lines = np.unique(index[index >= 0])
    if lines.size == 0:
        lines = np.zeros(1, np.intp)            # only the constant is read
    local = np.where(index >= 0, np.searchsorted(lines, index), -1).astype(np.intp)
    return lines, local


def _chunk_picks(lines, edges):
    """Where sorted ``lines`` lie (edges: chunk boundaries): the chunks that
    hold them, the span of each chunk they use (``slice``), and the lines'
    positions in those spans put end to end (a slice when consecutive, else
    an index array)."""
    chunk_of = np.searchsorted(edges, lines, side="right") - 1
    parts = np.unique(chunk_of)
    local = lines - edges[chunk_of]
    spans = [slice(int(local[chunk_of == p].min()), int(local[chunk_of == p].max()) + 1)
             for p in parts]
    lengths = np.array([s.stop - s.start for s in spans])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    owner = np.searchsorted(parts, chunk_of)
    pick = starts[owner] + local - np.array([s.start for s in spans])[owner]
    if pick.size and (np.diff(pick) == 1).all():
        pick = slice(int(pick[0]), int(pick[-1]) + 1)
    return parts.tolist(), spans, pick


def _assemble(blocks, spans):
    """The chunks, each cut to its spans along every axis, joined (np.block);
    a single chunk is only sliced, never copied."""
    def cut(node, depth, index):
        if isinstance(node, list):
            return [cut(child, depth + 1, index + (k,)) for k, child in enumerate(node)]
        return node[tuple(spans[a][k] for a, k in enumerate(index))]

    pieces = cut(blocks, 0, ())
    single = pieces
    while isinstance(single, list) and len(single) == 1:
        single = single[0]
    return single if not isinstance(single, list) else np.block(pieces)


def _chunk(plan, blocks, spans, picks, local, image_range, *, scale, n_threads):
    """One output chunk: the region of the input the taps read, then the
    plan's passes on it."""
    from . import _resample as rs

    region = _assemble(blocks, spans)
    for a, pick in enumerate(picks):
        if isinstance(pick, slice):
            if pick != slice(0, region.shape[a]):
                region = region[(slice(None),) * a + (pick,)]
        else:
            region = np.take(region, pick, axis=a)
    region = np.ascontiguousarray(region)
    if plan.gather:
        return rs.run_gather(region, local, n_threads=n_threads)
    kernel_clip, _ = rs.clip_policy(plan, image_range)
    bounds = rs.kernel_bounds(plan, image_range, kernel_clip)
    return rs.run_steps(plan, region, local, scale=scale, bounds=bounds, clip=kernel_clip,
                        n_threads=n_threads)
