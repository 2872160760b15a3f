"""Dask support: the image functions on arrays larger than memory.

Given a dask array, :func:`imgconv.upscale`, :func:`imgconv.resize`,
:func:`imgconv.rescale`, :func:`imgconv.atrous_filter`, :func:`imgconv.starlet`
and :func:`imgconv.multiscale_features` return a lazy dask array equal to the
NumPy result, for any chunking. They compute each chunk with just enough
neighbouring pixels (its halo): one input pixel for a bilinear upscale,
``dilation * (k // 2)`` for a filter, the sum for a chain. The border mode is
applied inside the chunks that touch the image border, the way scikit-image
and dask-image do it (``map_overlap(..., boundary='none')``), except 'wrap',
whose halo comes from the opposite side of the image. Chunks smaller than
the halo are merged with their neighbours first. Each chunk runs on one
thread unless ``n_threads`` says otherwise: dask runs the chunks in parallel.

Install with ``pip install imgconv[dask]``.
"""
import functools

import numpy as np

from . import _validate as v

__all__ = ["is_dask_array", "dask_aware"]

#: ndimage mode names whose extension is periodic.
_WRAP_MODES = ("wrap", "grid-wrap")


def is_dask_array(value):
    """True for a ``dask.array.Array`` (without importing dask)."""
    return type(value).__module__.startswith("dask.") and hasattr(value, "map_overlap")


def dask_aware(fn):
    """Let the image function ``fn(image, ...)`` take a dask array: its dask
    version below (same name, same arguments) runs instead."""
    @functools.wraps(fn)
    def wrapper(image, *args, **kwargs):
        if is_dask_array(image):
            v.check_array(image._meta, "image")      # a masked dask array is refused too
            return globals()[f"_dask_{fn.__name__}"](fn, image, *args, **kwargs)
        return fn(image, *args, **kwargs)

    return wrapper


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

def _dask_atrous_filter(fn, image, kernel, dilation, *, mode="reflect", cval=0.0,
                        channel_axis=None, preserve_range=False, n_threads=None):
    axis, spatial = _spatial_axes(image, channel_axis)
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


def _dask_starlet(fn, image, n_scales, *, mode="mirror", cval=0.0, channel_axis=None,
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


def _dask_multiscale_features(fn, image, *, intensity=True, edges=True, texture=True,
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


def map_halo(block_fn, image, halo, spatial_axes, *, wrap=False, factors=(1, 1),
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
    halo : (int, int)
        Input pixels of context needed on each side, per spatial axis.
    spatial_axes : (int, int)
        The image's row and column axes.
    wrap : bool
        The border mode is periodic: chunks at the border take their halo from
        the opposite side.
    factors : (int, int)
        Output pixels per input pixel along the spatial axes.
    new_axis_size : int, optional
    dtype : numpy dtype of the result.

    Returns
    -------
    dask.array.Array
        Chunked like ``image`` (times ``factors``), plus the new axis if any.
    """
    import dask.array as da

    halo = tuple(int(h) for h in halo)
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
        depth[axis] = h
        # one chunk has no neighbour: its own border mode is then exact
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
            if h == 0:
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

def _resize_module():
    """imgconv.resize the module (the package's ``resize`` is the function)."""
    import importlib

    return importlib.import_module(f"{__package__}.resize")


def _image_shaped(image):
    """A NumPy stand-in with the shape and dtype of a lazy image and no data,
    for validating arguments exactly as the NumPy path does."""
    return np.broadcast_to(np.zeros((), image.dtype.newbyteorder("=")), image.shape)


def _dask_upscale(fn, image, factor, *, method="auto", max_pixels=None, **kwargs):
    rs = _resize_module()

    # every method gives the polyphase pixels; chunks run the tap-table kernel
    v.check_choice(method, "method", rs.UPSCALE_METHODS)
    req = _request(image, **kwargs)
    factor = v.check_pair(factor, "factor", min_value=1)
    out_hw = tuple(f * n for f, n in zip(factor, req.spatial))
    req.check_output(out_hw, max_pixels)
    return _resample_lazy(req, image, out_hw)


def _dask_resize(fn, image, output_shape, *, anti_aliasing=None, anti_aliasing_sigma=None,
                 max_pixels=None, **kwargs):
    rs = _resize_module()

    req = _request(image, implied_channels=True, **kwargs)
    out_hw = rs._check_output_shape(output_shape, req)
    req.check_output(out_hw, max_pixels)
    return _resample_lazy(req, image, out_hw, anti_aliasing, anti_aliasing_sigma)


def _dask_rescale(fn, image, scale, *, anti_aliasing=None, anti_aliasing_sigma=None,
                  max_pixels=None, **kwargs):
    rs = _resize_module()

    req = _request(image, **kwargs)
    out_hw = rs._rescaled_shape(scale, req.spatial)
    req.check_output(out_hw, max_pixels)
    return _resample_lazy(req, image, out_hw, anti_aliasing, anti_aliasing_sigma)


def _request(image, *, order=None, mode="reflect", cval=0.0, clip=True, channel_axis=None,
             preserve_range=False, preserve_dtype=False, n_threads=None,
             implied_channels=False):
    rs = _resize_module()

    return rs._Request(_image_shaped(image), channel_axis, order, mode, cval, clip,
                       preserve_range, preserve_dtype, _block_threads(n_threads),
                       implied_channels)


def _output_chunks(in_chunks, n, m):
    """Output chunks along an axis of n -> m pixels: the input's, scaled."""
    if m % n == 0:
        return tuple(c * (m // n) for c in in_chunks)
    bounds = np.round(np.cumsum((0,) + tuple(in_chunks)) * (m / n)).astype(int)
    sizes = tuple(int(b) for b in np.diff(bounds) if b > 0)
    return sizes if sum(sizes) == m else (m,)


def _local_taps(index, weight):
    """The input lines a block of taps reads, and the taps renumbered into them
    (-1, the constant, stays -1)."""
    lines = np.unique(index[index >= 0])
    local = np.where(index >= 0, np.searchsorted(lines, index), -1)
    return lines, local, weight


def _resample_lazy(req, image, out_hw, anti_aliasing=None, anti_aliasing_sigma=None):
    """``_resample`` of the NumPy path, one output chunk at a time.

    Each axis's tap table is computed once for the whole image, exactly as
    the NumPy path computes it; an output chunk reads only the input rows
    and columns its taps name and runs the same compiled kernel with the
    same order of operations, so the result equals the NumPy one bit for bit.
    The clip bounds (the whole input's range) are computed lazily first.
    """
    import dask.array as da

    rs = _resize_module()

    axis, (height, width) = req.axis, req.spatial
    dtype = req.array.dtype
    hwc = image[..., None] if axis is None else da.moveaxis(image, axis, -1)
    hwc = hwc.astype(dtype)                                      # native byte order
    if dtype == np.float16:
        hwc = hwc.astype(np.float32)
    sigmas = rs._anti_aliasing_sigmas(req, out_hw, anti_aliasing, anti_aliasing_sigma)
    chunks = (_output_chunks(hwc.chunks[0], height, out_hw[0]),
              _output_chunks(hwc.chunks[1], width, out_hw[1]))

    if req.order == 0 and sigmas == (0.0, 0.0):
        tables = ((rs._nearest_index(height, out_hw[0])[:, None], None),
                  (rs._nearest_index(width, out_hw[1])[:, None], None))
        out = _gather_lazy(hwc, tables, chunks, _nearest_block, hwc.dtype)
        return _restore_axes(out, axis)
    if req.order == 0 and hwc.dtype.kind != "f":
        return _blurred_integer_nearest_lazy(req, image, out_hw, sigmas)

    tables = tuple(rs._axis_taps(n, m, req.order, req.code, s)
                   for n, m, s in zip(req.spatial, out_hw, sigmas))
    rows_first = out_hw[0] < height
    run = dict(code=req.code, cval=req.cval, n_threads=req.n_threads, rows_first=rows_first)

    integer = (req.preserve_dtype and req.order == 1 and dtype in rs._INTEGER_KERNELS)
    if integer:
        lo, hi = (da.min(hwc), da.max(hwc)) if req.clip else (None, None)
        outside = (req.mode == "constant" and req.clip
                   and not _in_range_delayed(lo, hi, req.cval))
        if not outside:
            info = np.iinfo(dtype)
            bounds = (lo, hi) if req.clip else (int(info.min), int(info.max))
            out = _gather_lazy(hwc, tables, chunks, _resample_block, dtype, bounds=bounds,
                               compute=rs._INTEGER_KERNELS[dtype], out_dtype=dtype,
                               clip=True, **run)
            return _restore_axes(out, axis)

    if req.order == 1:
        floats = hwc.map_blocks(v.image_to_float, req.preserve_range or req.preserve_dtype,
                                dtype=v.float_dtype_for(hwc.dtype))
    else:
        floats = hwc
    compute = v.float_dtype_for(floats.dtype)
    floats = floats.astype(compute)
    if req.order == 1 and out_hw == req.spatial and sigmas == (0.0, 0.0):
        out = floats                # ndimage.zoom's identity at zoom 1, as _resample
    else:
        lo, hi = _nan_aware_range(floats) if req.clip else (0.0, 0.0)
        # in mode 'constant' the bounds may widen to cval depending on the
        # result: clip afterwards (what the kernel's own clip gives when not)
        late = req.clip and req.mode == "constant"
        out = _gather_lazy(floats, tables, chunks, _resample_block, compute, bounds=(lo, hi),
                           compute=compute, out_dtype=compute, clip=req.clip and not late,
                           **run)
        if late:
            out = _clip_cval_lazy(out, lo, hi, req.mode, req.cval, compute)
    if req.preserve_dtype:
        out = out.map_blocks(rs._to_dtype, dtype, dtype=dtype)
    return _restore_axes(out, axis)


def _restore_axes(out, axis):
    import dask.array as da

    return out[..., 0] if axis is None else da.moveaxis(out, -1, axis)


def _nan_aware_range(array):
    """Delayed (min, max), ignoring NaN when there are some (scikit-image's
    rule): the NumPy path's range of each chunk, then theirs (fmin and fmax
    skip the chunks that are all NaN)."""
    import dask

    rs = _resize_module()

    def combine(ranges):
        lo, hi = zip(*ranges)
        return np.fmin.reduce(lo), np.fmax.reduce(hi)

    parts = [dask.delayed(rs._input_range)(c) for c in array.to_delayed().ravel()]
    return dask.delayed(combine, nout=2)(parts)


def _in_range_delayed(lo, hi, cval):
    """Whether cval lies in [lo, hi], computed now: the graph depends on it
    (only for integer results in mode 'constant', where the NumPy path picks
    its kernel by it)."""
    import dask

    lo, hi = dask.compute(lo, hi)
    return bool(lo <= cval <= hi)


def _clip_cval_lazy(out, lo, hi, mode, cval, dtype):
    """scikit-image's ``_clip_warp_output``: clip to the input's range, widened
    to cval in mode 'constant' when cval lies outside it and the output
    reaches it."""
    import dask

    rs = _resize_module()

    out_lo, out_hi = _nan_aware_range(out)

    def bounds(lo, hi, out_lo, out_hi):
        return rs._clip_bounds((lo, hi), (out_lo, out_hi), mode, cval, dtype)

    new_lo, new_hi = dask.delayed(bounds, nout=2)(lo, hi, out_lo, out_hi)
    return out.map_blocks(lambda b, a, z: np.clip(b, np.asarray(a), np.asarray(z)),
                          new_lo, new_hi, dtype=out.dtype)


def _gather_lazy(hwc, tables, chunks, block_fn, dtype, bounds=None, **kwargs):
    """Output chunks of ``block_fn(sub, rows, cols, bounds, **kwargs)``, each
    computed from the input lines its taps read.

    One task per output chunk, reading the input chunks that hold those lines
    directly (a hand-built graph: slicing the dask array per output chunk
    would add layers by the hundred for small chunks). ``bounds`` may be a
    delayed pair computed from the whole image.
    """
    import functools

    import dask
    import dask.array as da
    from dask.base import tokenize
    from dask.highlevelgraph import HighLevelGraph

    hwc = hwc.rechunk({2: -1})
    (row_index, row_weight), (col_index, col_weight) = tables
    edges = [np.cumsum((0,) + c) for c in hwc.chunks[:2]]
    bounds = dask.delayed(tuple)(list(bounds)) if bounds is not None else dask.delayed(None)
    fn = functools.partial(_block_from_chunks, functools.partial(block_fn, **kwargs))
    name = f"imgconv-resample-{tokenize(hwc, tables, chunks, block_fn, dtype, bounds, kwargs)}"

    def split(index, weight, start, size):
        return _local_taps(index[start:start + size],
                           None if weight is None else weight[start:start + size])

    graph = {}
    r0 = 0
    for bi, rh in enumerate(chunks[0]):
        lines_r, local_r, w_r = split(row_index, row_weight, r0, rh)
        parts_r, pick_r = _chunk_picks(lines_r, edges[0])
        c0 = 0
        for bj, cw in enumerate(chunks[1]):
            lines_c, local_c, w_c = split(col_index, col_weight, c0, cw)
            parts_c, pick_c = _chunk_picks(lines_c, edges[1])
            keys = [[(hwc.name, a, b, 0) for b in parts_c] for a in parts_r]
            graph[(name, bi, bj, 0)] = (fn, keys, pick_r, pick_c, (local_r, w_r),
                                        (local_c, w_c), bounds.key)
            c0 += cw
        r0 += rh
    layers = HighLevelGraph.from_collections(name, graph, dependencies=[hwc, bounds])
    return da.Array(layers, name, chunks + ((hwc.shape[2],),), dtype=dtype)


def _chunk_picks(lines, edges):
    """The chunks holding sorted ``lines`` (edges: chunk boundaries), and the
    lines' positions in those chunks put end to end."""
    if lines.size == 0:
        lines = np.zeros(1, np.intp)            # only the constant is read
    chunk_of = np.searchsorted(edges, lines, side="right") - 1
    parts = np.unique(chunk_of)
    starts = np.concatenate([[0], np.cumsum(np.diff(edges)[parts])[:-1]])
    owner = np.searchsorted(parts, chunk_of)
    return parts.tolist(), starts[owner] + lines - edges[parts[owner]]


def _block_from_chunks(block_fn, chunks, pick_rows, pick_cols, rows, cols, bounds):
    region = np.concatenate([np.concatenate(row, axis=1) for row in chunks], axis=0)
    return block_fn(region[pick_rows][:, pick_cols], rows, cols, bounds)


def _nearest_block(sub, rows, cols, bounds):
    return sub[np.ix_(rows[0][:, 0], cols[0][:, 0])]


def _resample_block(sub, rows, cols, bounds, *, compute, out_dtype, clip, code, cval,
                    n_threads, rows_first):
    rs = _resize_module()

    planes = np.ascontiguousarray(sub)[None]
    out = rs._run_resample(planes, (rows[0].shape[0], cols[0].shape[0]), rows, cols, 0, code,
                           cval, bounds, clip, compute, out_dtype, n_threads,
                           rows_first=rows_first)
    return out[0]


def _blurred_integer_nearest_lazy(req, image, out_hw, sigmas):
    """order 0 with anti-aliasing on an integer image: scikit-image filters in
    the integer dtype with scipy.ndimage (chunk by chunk with the filter's
    halo), then takes the nearest pixels; clipped to the input's range."""
    import dask.array as da
    from scipy import ndimage

    rs = _resize_module()

    axis = req.axis
    full_sigma = list(sigmas)
    if axis is not None:
        full_sigma.insert(axis, 0.0)
    radius = [int(4.0 * s + 0.5) for s in sigmas]
    spatial = tuple(i for i in range(image.ndim) if i != axis)
    mode = v.PAD_TO_NDIMAGE[req.mode]
    filtered = map_halo(lambda b: ndimage.gaussian_filter(b, full_sigma, cval=req.cval,
                                                          mode=mode),
                        image.astype(req.array.dtype), radius, spatial,
                        wrap=mode in _WRAP_MODES)
    hwc = filtered[..., None] if axis is None else da.moveaxis(filtered, axis, -1)
    chunks = (_output_chunks(hwc.chunks[0], req.spatial[0], out_hw[0]),
              _output_chunks(hwc.chunks[1], req.spatial[1], out_hw[1]))
    tables = ((rs._nearest_index(req.spatial[0], out_hw[0])[:, None], None),
              (rs._nearest_index(req.spatial[1], out_hw[1])[:, None], None))
    out = _gather_lazy(hwc, tables, chunks, _nearest_block, hwc.dtype)
    if req.clip:
        source = image.astype(req.array.dtype)
        lo, hi = _nan_aware_range(source)
        out = _clip_cval_lazy(out, lo, hi, req.mode, req.cval, req.array.dtype)
    return _restore_axes(out, axis)
