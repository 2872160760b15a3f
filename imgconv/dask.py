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
            return globals()[f"_dask_{fn.__name__}"](fn, image, *args, **kwargs)
        return fn(image, *args, **kwargs)

    return wrapper


def _spatial_axes(image, channel_axis):
    """Row and column axes of a (lazy) image, validated as the NumPy path would."""
    axis = v.check_channel_axis(channel_axis, image.ndim)
    expected = 2 if axis is None else 3
    if image.ndim != expected:
        raise ValueError(f"image must be {expected}-D with channel_axis={channel_axis}, "
                         f"got shape {image.shape}")
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
                  preserve_range=False, n_threads=None):
    axis, spatial = _spatial_axes(image, channel_axis)
    kwargs = dict(mode=mode, cval=cval, channel_axis=channel_axis,
                  preserve_range=preserve_range, n_threads=_block_threads(n_threads))
    probe = _probe(fn, image, axis, n_scales, **kwargs)
    halo = _starlet_halo(n_scales)

    def planes_last(block):
        return np.moveaxis(fn(block, n_scales, **kwargs), 0, -1)

    planes = map_halo(planes_last, image, (halo, halo), spatial, wrap=mode in _WRAP_MODES,
                      new_axis_size=probe.shape[0], dtype=probe.dtype)
    return planes.transpose((planes.ndim - 1,) + tuple(range(planes.ndim - 1)))


def _dask_multiscale_features(fn, image, *, intensity=True, edges=True, texture=True,
                              n_scales=6, mode="mirror", cval=0.0, channel_axis=None,
                              n_threads=None):
    import dask.array as da

    axis, spatial = _spatial_axes(image, channel_axis)
    kwargs = dict(intensity=intensity, edges=edges, texture=texture, n_scales=n_scales,
                  mode=mode, cval=cval, n_threads=_block_threads(n_threads))
    probe = _probe(fn, image, axis, channel_axis=channel_axis, **kwargs)
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
