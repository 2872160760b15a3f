"""Pixel rearrangements between space, channels and batch (NCHW tensors).

``depth_to_space`` is the last step of a transposed convolution computed by
kernel padding (sub-pixel convolution); ``space_to_batch`` and
``batch_to_space`` turn a dilated convolution into an ordinary one. All four
move data only: the dtype is kept (in native byte order) and the result is a
new C-contiguous array.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from . import _validate as v

if TYPE_CHECKING:
    from ._typing import Array, ArrayLike, Margins, Pair


__all__ = ["depth_to_space", "space_to_depth", "space_to_batch", "batch_to_space"]


def _tensor(input, ndims=(3, 4)):
    """Validated input as a native-endian 4-D array, and whether it was 4-D."""
    array = v.check_tensor(input, "input", ndims)
    array = v.as_native(array)
    batched = array.ndim == 4
    return (array if batched else array[None]), batched


def _check_mode(mode):
    return v.check_choice(mode, "mode", ("CRD", "DCR"))


def _split_axis(array, axis, sizes):
    """View of ``array`` with ``axis`` split into ``sizes`` (row-major), for
    any strides: splitting an axis never needs a copy."""
    step = array.strides[axis]
    strides = [step * int(np.prod(sizes[i + 1:])) for i in range(len(sizes))]
    return np.lib.stride_tricks.as_strided(
        array, array.shape[:axis] + tuple(sizes) + array.shape[axis + 1:],
        array.strides[:axis] + tuple(strides) + array.strides[axis + 1:])


def _output(out, shape, dtype, batched, input):
    """``(result, target)``: the caller's ``out`` (any strides, checked before
    anything is written) or a new C-contiguous array of ``shape``, unbatched
    as the input was; and the same as a 4-D view."""
    if out is None:
        target = np.empty(shape, dtype)
        return (target if batched else target[0]), target
    out = v.check_out(out, shape if batched else shape[1:], dtype, (input,), contiguous=False)
    return out, (out if batched else out[None])


def depth_to_space(input: ArrayLike, block_size: Pair, mode: Literal["CRD", "DCR"] = "CRD", *,
                   max_pixels: int | None = None, out: Array | None = None) -> Array:
    """Move blocks of channels into blocks of pixels.

    ``(N, C*bh*bw, H, W) -> (N, C, H*bh, W*bw)`` (also unbatched ``(C*bh*bw, H, W)``).

    Parameters
    ----------
    input : array_like, shape (N, C*bh*bw, H, W) or (C*bh*bw, H, W)
    block_size : int or (int, int)
        Block height and width ``(bh, bw)``.
    mode : {'CRD', 'DCR'}, optional
        Channel order within the input. 'CRD' (column, row, depth; torch's
        ``pixel_shuffle``, ONNX mode 'CRD'):
        ``out[n, c, h*bh + y, w*bw + x] = in[n, (c*bh + y)*bw + x, h, w]``.
        'DCR' (depth, column, row; TensorFlow's ``depth_to_space``, ONNX's
        default): ``out[n, c, h*bh + y, w*bw + x] = in[n, (y*bw + x)*C + c, h, w]``.
    max_pixels : int, optional
        Bound on the output's pixels, height x width (default:
        ``IMGCONV_MAX_PIXELS`` or 178,956,970), checked before anything is
        allocated.
    out : ndarray, optional
        Where to write the result: a writeable array (any strides) of exactly
        the result's shape and dtype that shares no memory with the input.
        It is checked before anything is written (ValueError or TypeError
        otherwise), filled and returned.

    Returns
    -------
    ndarray, shape (N, C, H*bh, W*bw) or (C, H*bh, W*bw)

    Examples
    --------
    >>> import numpy as np
    >>> from imgconv import depth_to_space
    >>> depth_to_space(np.arange(4).reshape(4, 1, 1), 2)
    array([[[0, 1],
            [2, 3]]])
    """
    x, batched = _tensor(input)
    bh, bw = v.check_pair(block_size, "block_size", min_value=1)
    _check_mode(mode)
    n, depth, h, w = x.shape
    if depth % (bh * bw):
        raise ValueError(
            f"input channels must be a multiple of block_size product {bh}*{bw}={bh * bw}, "
            f"got {depth} channels (input shape {np.shape(input)})"
        )
    c = depth // (bh * bw)
    v.check_output_pixels((h * bh, w * bw), max_pixels)
    result, target = _output(out, (n, c, h * bh, w * bw), x.dtype, batched, input)
    if mode == "CRD":
        blocks = x.reshape(n, c, bh, bw, h, w).transpose(0, 1, 4, 2, 5, 3)
    else:
        blocks = x.reshape(n, bh, bw, c, h, w).transpose(0, 3, 4, 1, 5, 2)
    # target[n, c, h*bh + y, w*bw + x] as (n, c, h, y, w, x)
    np.copyto(_split_axis(_split_axis(target, 3, (w, bw)), 2, (h, bh)), blocks)
    return result


def space_to_depth(input: ArrayLike, block_size: Pair, mode: Literal["CRD", "DCR"] = "CRD", *,
                   max_pixels: int | None = None, out: Array | None = None) -> Array:
    """Move blocks of pixels into channels: the inverse of :func:`depth_to_space`.

    ``(N, C, H*bh, W*bw) -> (N, C*bh*bw, H, W)``, with the same ``mode``
    conventions (``space_to_depth(depth_to_space(x, b, m), b, m) == x``).

    Parameters
    ----------
    input : array_like, shape (N, C, H*bh, W*bw) or (C, H*bh, W*bw)
        The dtype is kept.
    block_size : int or (int, int)
        Block height and width ``(bh, bw)``; they must divide H*bh and W*bw.
    mode : {'CRD', 'DCR'}, optional
        Channel order of the output, as in :func:`depth_to_space` ('CRD':
        torch's ``pixel_unshuffle``).
    max_pixels : int, optional
        As in :func:`depth_to_space`.
    out : ndarray, optional
        As in :func:`depth_to_space`.

    Returns
    -------
    ndarray, shape (N, C*bh*bw, H, W) or (C*bh*bw, H, W)

    Examples
    --------
    >>> import numpy as np
    >>> from imgconv import space_to_depth
    >>> space_to_depth(np.arange(4).reshape(1, 2, 2), 2).ravel()
    array([0, 1, 2, 3])
    """
    x, batched = _tensor(input)
    bh, bw = v.check_pair(block_size, "block_size", min_value=1)
    _check_mode(mode)
    n, c, hh, ww = x.shape
    if hh % bh or ww % bw:
        raise ValueError(
            f"input height and width must be multiples of block_size ({bh}, {bw}), "
            f"got {hh}x{ww} (input shape {np.shape(input)})"
        )
    h, w = hh // bh, ww // bw
    v.check_output_pixels((h, w), max_pixels)
    result, target = _output(out, (n, c * bh * bw, h, w), x.dtype, batched, input)
    blocks = x.reshape(n, c, h, bh, w, bw)
    if mode == "CRD":
        channels, blocks = (c, bh, bw), blocks.transpose(0, 1, 3, 5, 2, 4)
    else:
        channels, blocks = (bh, bw, c), blocks.transpose(0, 3, 5, 1, 2, 4)
    np.copyto(_split_axis(target, 1, channels), blocks)
    return result


def _check_margins(margins, name):
    """((top, bottom), (left, right)) from an int, a pair, or a pair of pairs."""
    if v.is_sequence(margins) and len(margins) == 2 and all(v.is_sequence(m) for m in margins):
        return tuple(v.check_pair(m, name, min_value=0) for m in margins)
    a, b = v.check_pair(margins, name, min_value=0)
    return (a, a), (b, b)


def space_to_batch(input: ArrayLike, block_size: Pair, paddings: Margins = 0, *,
                   max_pixels: int | None = None) -> Array:
    """Zero-pad, then move each phase of a ``block_size`` grid into the batch.

    TensorFlow's ``space_to_batch_nd`` in NCHW: with ``xp`` the input padded by
    ``paddings``, ``out[(y*bw + x)*N + n, c, i, j] = xp[n, c, i*bh + y, j*bw + x]``.
    A convolution with dilation ``(bh, bw)`` equals ``space_to_batch`` ->
    ordinary convolution -> :func:`batch_to_space`.

    Parameters
    ----------
    input : array_like, shape (N, C, H, W)
    block_size : int or (int, int)
    paddings : int, (int, int) or ((top, bottom), (left, right)), optional
        The padded height and width must be multiples of the block size.
    max_pixels : int, optional
        Bound on the padded height x width, as in :func:`depth_to_space`.

    Returns
    -------
    ndarray, shape (bh*bw*N, C, (H + top + bottom) // bh, (W + left + right) // bw)

    Examples
    --------
    >>> import numpy as np
    >>> from imgconv import space_to_batch
    >>> space_to_batch(np.arange(16).reshape(1, 1, 4, 4), 2)[:, 0]
    array([[[ 0,  2],
            [ 8, 10]],
    <BLANKLINE>
           [[ 1,  3],
            [ 9, 11]],
    <BLANKLINE>
           [[ 4,  6],
            [12, 14]],
    <BLANKLINE>
           [[ 5,  7],
            [13, 15]]])
    """
    x, _ = _tensor(input, (4,))
    bh, bw = v.check_pair(block_size, "block_size", min_value=1)
    (pt, pb), (pl, pr) = _check_margins(paddings, "paddings")
    n, c, h, w = x.shape
    hp, wp = h + pt + pb, w + pl + pr
    if hp % bh or wp % bw:
        raise ValueError(
            f"padded size {hp}x{wp} (input {h}x{w}, paddings (({pt}, {pb}), ({pl}, {pr}))) "
            f"must be a multiple of block_size ({bh}, {bw})"
        )
    v.check_output_pixels((hp, wp), max_pixels, what="padded input")
    padded = np.zeros((n, c, hp, wp), x.dtype)
    padded[:, :, pt:pt + h, pl:pl + w] = x
    blocks = padded.reshape(n, c, hp // bh, bh, wp // bw, bw).transpose(3, 5, 0, 1, 2, 4)
    return np.ascontiguousarray(blocks).reshape(bh * bw * n, c, hp // bh, wp // bw)


def batch_to_space(input: ArrayLike, block_size: Pair, crops: Margins = 0, *,
                   max_pixels: int | None = None) -> Array:
    """Interleave the batch's phases back into space, then crop: the inverse of
    :func:`space_to_batch` (``batch_to_space(space_to_batch(x, b, p), b, p) == x``).

    Parameters
    ----------
    input : array_like, shape (bh*bw*N, C, H, W)
    block_size : int or (int, int)
    crops : int, (int, int) or ((top, bottom), (left, right)), optional
    max_pixels : int, optional
        As in :func:`depth_to_space`.

    Returns
    -------
    ndarray, shape (N, C, H*bh - top - bottom, W*bw - left - right)

    Examples
    --------
    >>> import numpy as np
    >>> from imgconv import batch_to_space, space_to_batch
    >>> x = np.arange(30.0).reshape(1, 1, 5, 6)
    >>> crops = ((1, 0), (0, 2))
    >>> bool((batch_to_space(space_to_batch(x, 2, crops), 2, crops) == x).all())
    True
    """
    x, _ = _tensor(input, (4,))
    bh, bw = v.check_pair(block_size, "block_size", min_value=1)
    (ct, cb), (cl, cr) = _check_margins(crops, "crops")
    nb, c, h, w = x.shape
    if nb % (bh * bw):
        raise ValueError(
            f"input batch must be a multiple of block_size product {bh}*{bw}={bh * bw}, "
            f"got {nb} (input shape {x.shape})"
        )
    if ct + cb >= h * bh or cl + cr >= w * bw:
        raise ValueError(
            f"crops (({ct}, {cb}), ({cl}, {cr})) leave nothing of the {h * bh}x{w * bw} "
            f"result"
        )
    n = nb // (bh * bw)
    v.check_output_pixels((h * bh - ct - cb, w * bw - cl - cr), max_pixels)
    full = x.reshape(bh, bw, n, c, h, w).transpose(2, 3, 4, 0, 5, 1).reshape(n, c, h * bh, w * bw)
    return np.ascontiguousarray(full[:, :, ct:h * bh - cb, cl:w * bw - cr])
