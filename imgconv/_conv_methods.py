"""The methods of the convolution engine, on validated arrays.

Each ``run_*`` takes contiguous arrays of one float dtype (the input as
``(N, C, H, W)``), a missing bias as None, and the ``ConvGeometry`` of the
convolution (``imgconv/_conv_geometry.py``); it bounds the sizes, allocates
the output (unless given a checked, C-contiguous ``out`` of the result's
shape and dtype) and the per-thread work buffers, and calls a compiled
kernel of ``pyx/conv.pyx`` with BLAS kept single-threaded. The public
dispatch (``imgconv/conv.py``) chooses among them.
"""
import numpy as np

from . import _validate as v
from ._conv_geometry import ConvGeometry, conv_geometry
from ._ext import conv as _conv
from ._threads import blas_single_threaded, effective_n_threads
from .shuffle import batch_to_space, space_to_batch

#: Size of one thread's im2col / col2im buffer. 1 MiB keeps it in L2 cache
#: next to the GEMM's packed panels, and bounds the total whatever the image.
TILE_BYTES = 1 << 20

#: conv_transpose2d splits each group's output channels into at most this many
#: blocks, the work items of its threads.
MAX_CHANNEL_BLOCKS = 8

#: Size of a Winograd work item's transformed input and products (16 x
#: channels x tiles each): big enough for efficient GEMMs, small enough to
#: stay in cache (measured best of 0.5 to 4 MiB).
WINOGRAD_TILE_BYTES = 1 << 20

#: Winograd F(2x2, 3x3) transform of the 3x3 filters: u = G @ w @ G.T.
WINOGRAD_G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])


def _tile_pixels(column_bytes, n_pixels):
    """Pixels per work tile: a tile's columns fill about TILE_BYTES, and an
    image has at least a few tiles so that threads share it. Depends on the
    shapes only, never on the thread count, so results do not either."""
    tile = max(1, TILE_BYTES // max(1, column_bytes))
    return max(1, min(tile, -(-n_pixels // 4)))


def _work(n_threads, size, dtype):
    """Per-thread work buffers: ``(threads, size)``."""
    return np.empty((n_threads, size), dtype)


def _output(out, shape, dtype):
    """The caller's output, or a new one."""
    return np.empty(shape, dtype) if out is None else out


def run_gemm(x, w, bias, geo, groups, n_threads, max_pixels=None, out=None):
    """conv2d by im2col + GEMM; returns (N, C_out, H_out, W_out)."""
    v.check_output_pixels(geo.out_size, max_pixels)
    depth = w.shape[1] * w.shape[2] * w.shape[3]
    v.check_blas_size(depth, "the weight's C_in/groups*kH*kW")
    v.check_blas_size(geo.height * geo.width, "the input's H*W")
    n_out = geo.out_height * geo.out_width
    v.check_blas_size(n_out, "the output's H_out*W_out")
    tile = _tile_pixels(depth * x.itemsize, n_out)
    out = _output(out, (x.shape[0], w.shape[0], *geo.out_size), x.dtype)
    n = effective_n_threads(n_threads)
    work = _work(n, _conv.gemm_workspace_size(geo, w.shape[1], tile), x.dtype)
    with blas_single_threaded():
        _conv.conv2d_gemm(x, w, bias, out, work, geo, groups, tile, n)
    return out


def run_transpose_gemm(x, w, bias, geo, groups, n_threads, max_pixels=None, out=None):
    """conv_transpose2d by GEMM + col2im; ``geo`` is the adjoint conv2d's
    geometry (its image is the output here, its grid the input)."""
    out_per_group = w.shape[1]
    taps = w.shape[2] * w.shape[3]
    v.check_output_pixels(geo.size, max_pixels)
    v.check_blas_size(out_per_group * taps, "the weight's C_out/groups*kH*kW")
    v.check_blas_size(x.shape[2] * x.shape[3], "the input's H*W")
    block = -(-out_per_group // min(out_per_group, MAX_CHANNEL_BLOCKS))
    tile = _tile_pixels(block * taps * x.itemsize, x.shape[2] * x.shape[3])
    out = _output(out, (x.shape[0], out_per_group * groups, *geo.size), x.dtype)
    n = effective_n_threads(n_threads)
    work = _work(n, _conv.transpose_workspace_size(geo, block, tile), x.dtype)
    with blas_single_threaded():
        _conv.conv_transpose2d_gemm(x, w, bias, out, work, geo, groups, block, tile, n)
    return out


def run_space_to_batch(x, w, bias, geo, groups, n_threads, max_pixels=None, out=None):
    """Stride-1 dilated conv2d as space_to_batch -> conv2d -> batch_to_space.

    Each of the dh*dw phases of the padded input (rows ``i*dh + y``, columns
    ``j*dw + x``) is an image on which the dilated kernel becomes an
    ordinary one (dilation 1, no padding); batch_to_space interleaves the
    phases' outputs back. The bottom and right padding are rounded up to a
    multiple of the dilation and the excess is cropped afterwards.
    """
    v.check_output_pixels(geo.out_size, max_pixels)
    reach = [d * (k - 1) for d, k in zip(geo.dilation, geo.kernel)]
    padded = [out + r for out, r in zip(geo.out_size, reach)]
    excess = [-p % d for p, d in zip(padded, geo.dilation)]
    pads = tuple((begin, p + e - n - begin) for begin, p, e, n in
                 zip(geo.pad_begin, padded, excess, geo.size))
    phases = space_to_batch(x, geo.dilation, pads)
    inner = conv_geometry(phases.shape[2], phases.shape[3], geo.kernel, 1, 0, 1)
    y = run_gemm(phases, w, bias, inner, groups, n_threads, max_pixels)
    result = batch_to_space(y, geo.dilation, tuple((0, e) for e in excess))
    if out is None:
        return result
    out[...] = result
    return out


def run_winograd(x, w, bias, geo, groups, n_threads, max_pixels=None, out=None):
    """conv2d of a 3x3, stride-1 weight by Winograd F(2x2, 3x3)."""
    out_channels = w.shape[0]
    v.check_output_pixels(geo.out_size, max_pixels)
    # G w G.T in float64, rounded once to the compute type
    u = np.einsum("ai,ocij,bj->aboc", WINOGRAD_G, w.astype(np.float64), WINOGRAD_G)
    u = np.ascontiguousarray(u.reshape(16, out_channels, w.shape[1]), x.dtype)
    n_rows, row_tiles = _conv.winograd_layout(geo)
    per_tile = 16 * (w.shape[1] + out_channels // groups)
    rows_per_item = max(1, min(WINOGRAD_TILE_BYTES // (per_tile * x.itemsize * row_tiles),
                               -(-n_rows // 4)))
    out = _output(out, (x.shape[0], out_channels, *geo.out_size), x.dtype)
    n = effective_n_threads(n_threads)
    work = _work(n, _conv.winograd_workspace_size(geo, w.shape[1], out_channels // groups,
                                                  rows_per_item), x.dtype)
    with blas_single_threaded():
        _conv.conv2d_winograd(x, u, bias, out, work, geo, groups, rows_per_item, n)
    return out


def run_zero_insert(x, w, bias, geo, groups, n_threads, max_pixels=None, out=None):
    """Transposed conv by input padding: insert stride-1 zeros between the
    input pixels, then an ordinary stride-1 conv2d with the flipped kernel
    (input and output channels swapped within each group). The border
    padding ``dilation*(k - 1) - padding`` (negative: a crop) is the conv's."""
    batch, in_channels, height, width = x.shape
    (sh, sw), (dh, dw) = geo.stride, geo.dilation
    kh, kw = geo.kernel
    v.check_output_pixels(geo.size, max_pixels)
    stuffed_h, stuffed_w = (height - 1) * sh + 1, (width - 1) * sw + 1
    v.check_output_pixels((stuffed_h, stuffed_w), max_pixels, what="zero-inserted input")
    stuffed = np.zeros((batch, in_channels, stuffed_h, stuffed_w), x.dtype)
    stuffed[:, :, ::sh, ::sw] = x
    per_group = w.shape[1]
    flipped = w[:, :, ::-1, ::-1].reshape(groups, in_channels // groups, per_group, kh, kw)
    flipped = np.ascontiguousarray(flipped.transpose(0, 2, 1, 3, 4)).reshape(
        groups * per_group, in_channels // groups, kh, kw)
    pad_begin = (dh * (kh - 1) - geo.pad_begin[0], dw * (kw - 1) - geo.pad_begin[1])
    conv = ConvGeometry(stuffed_h, stuffed_w, *geo.size, geo.kernel, (1, 1), pad_begin,
                        geo.dilation)
    return run_gemm(stuffed, flipped, bias, conv, groups, n_threads, max_pixels, out)


def run_subpixel(x, sub, bias, n_threads, max_pixels=None, out=None):
    """Transposed conv by kernel padding (``sub``, a ``SubpixelConv`` from
    :func:`imgconv.kernel_padding`): ordinary convolutions whose output
    channels are (channel, phase) pairs, each phase then written into its
    interleaved rows and columns of the output (depth_to_space one phase at
    a time, in parallel). Phases whose taps cover the same part of the
    shared window share one conv2d (all of them when k == s: the classic
    [1, 1, In, Out*s*s] kernel); a phase never computes the window's zero
    taps, so a k=4, s=2 kernel costs 2x2 taps per phase, not 3x3."""
    batch, in_channels, height, width = x.shape
    out_h, out_w = sub.output_size(height, width)
    grid_h, grid_w = sub.grid_size(height, width)
    (top, _), (left, _) = sub.conv_padding(height, width)
    sh, sw = sub.stride
    v.check_output_pixels((out_h, out_w), max_pixels)
    weight = v.as_compute_array(sub.weight, x.dtype)
    out = _output(out, (batch, sub.out_channels, out_h, out_w), x.dtype)
    n = effective_n_threads(n_threads)
    by_window = {}
    for ry, rows in enumerate(sub.windows[0][:out_h]):
        for rx, cols in enumerate(sub.windows[1][:out_w]):
            by_window.setdefault((rows, cols), []).append((ry, rx))
    for ((y0, y1), (x0, x1)), phases in by_window.items():
        if y0 == y1 or x0 == x1:                # no tap reaches these phases
            for ry, rx in phases:
                out[:, :, ry::sh, rx::sw] = 0 if bias is None else bias[:, None, None]
            continue
        # output channel c * len(phases) + j is channel c at phases[j]
        index = (np.arange(sub.out_channels)[:, None] * (sh * sw)
                 + [ry * sw + rx for ry, rx in phases]).ravel()
        phase_weight = np.ascontiguousarray(weight[index, :, y0:y1, x0:x1])
        src, pad = x, (top - y0, left - x0)
        if (y1 - y0, x1 - x0) == (1, 1) and pad == (0, 0) and (grid_h, grid_w) != (height, width):
            # a 1x1 conv reads input (q, p) for output (q, p): give it an
            # input of the output's size, so that the engine's unpadded 1x1
            # shortcut (which compares pixel counts, not shapes) stays right
            src = np.zeros((batch, in_channels, grid_h, grid_w), x.dtype)
            src[:, :, :height, :width] = x[:, :, :grid_h, :grid_w]
        conv = ConvGeometry(*src.shape[2:], grid_h, grid_w, phase_weight.shape[2:], (1, 1),
                            pad, (1, 1))
        phase_bias = None if bias is None else np.repeat(bias, len(phases))
        result = run_gemm(src, phase_weight, phase_bias, conv, sub.groups, n_threads,
                          max_pixels)
        result = result.reshape(batch, sub.out_channels, len(phases), grid_h, grid_w)
        for j, (ry, rx) in enumerate(phases):
            target = out[:, :, ry::sh, rx::sw]
            _conv.scatter_phase(result[:, :, j, :target.shape[2], :target.shape[3]],
                                target, n)
    return out
