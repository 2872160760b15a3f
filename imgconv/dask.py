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
the halo are merged with their neighbours first.

Install with ``pip install imgconv[dask]``.
"""
import numpy as np

__all__ = ["is_dask_array"]


def is_dask_array(value):
    """True for a ``dask.array.Array`` (without importing dask)."""
    return type(value).__module__.startswith("dask.") and hasattr(value, "map_overlap")


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
        merged[-2] += merged.pop()
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
