"""The methods of the convolution engine, on validated arrays.

Each ``run_*`` takes contiguous arrays of one float dtype (the input as
``(N, C, H, W)``), a missing bias as None, and the ``ConvGeometry`` of the
convolution (``imgconv/_conv_geometry.py``); it bounds the sizes, allocates
the output (unless given a checked, C-contiguous ``out`` of the result's
shape and dtype) and the per-thread work buffers, and calls a compiled
kernel of ``pyx/conv.pyx`` with BLAS kept single-threaded. The public
dispatch (``imgconv/conv.py``) chooses among them.
"""
import threading
from dataclasses import replace

import numpy as np

from . import _validate as v
from ._conv_geometry import (
    ConvGeometry,
    PaddedImage,
    SlotConv,
    channels_last_conv,
    conv_geometry,
    core_kernel,
    with_rows,
)
from ._ext import conv as _conv
from ._threads import blas_single_threaded, effective_n_threads
from .shuffle import batch_to_space, space_to_batch

#: Size of one thread's im2col / col2im buffer. 1 MiB keeps it in L2 cache
#: next to the GEMM's packed panels, and bounds the total whatever the image.
TILE_BYTES = 1 << 20

#: conv_transpose2d splits each group's output channels into at most this many
#: blocks, the work items of its threads.
MAX_CHANNEL_BLOCKS = 8

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


#: Work arrays up to this size are kept between calls, one set per Python
#: thread: a fresh one of a few MiB costs page faults on every call.
SCRATCH_BYTES = 64 << 20

_scratch_arrays = threading.local()


def scratch(name, shape, dtype):
    """An uninitialised array private to this Python thread, reused by the
    next call that asks for ``name`` (never handed to the caller)."""
    dtype = np.dtype(dtype)
    size = int(np.prod(shape))
    if size * dtype.itemsize > SCRATCH_BYTES:
        return np.empty(shape, dtype)
    cache = _scratch_arrays.__dict__
    array = cache.get((name, dtype))
    if array is None or array.size < size:
        array = cache[(name, dtype)] = np.empty(size, dtype)
    return array[:size].reshape(shape)


def padded_scratch(name, image, batch, dtype):
    """A scratch buffer of ``batch`` images in the PaddedImage layout
    ``image`` whose padding slots hold zeros (the kernels never write them;
    they are cleared when the buffer last served another layout)."""
    shape = (batch, image.slots, image.channels)
    if int(np.prod(shape)) * np.dtype(dtype).itemsize > SCRATCH_BYTES:
        return np.zeros(shape, dtype)
    array = scratch(name, shape, dtype)
    layouts = _scratch_arrays.__dict__.setdefault("layouts", {})
    key = (image, batch, array.__array_interface__["data"][0])
    if layouts.get((name, array.dtype)) != key:
        grid = array.reshape(batch, image.rows, image.row, image.channels)
        grid[:, :image.top] = 0
        grid[:, image.top + image.height:] = 0
        grid[:, :, :image.left] = 0
        grid[:, :, image.left + image.width:] = 0
        layouts[(name, array.dtype)] = key
    return array


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


def run_zero_insert(x, w, bias, geo, groups, n_threads, max_pixels=None, out=None, *,
                    method="gemm"):
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
    if method == "auto":
        method = auto_conv2d_method(flipped, conv, groups)
    return run_conv2d(stuffed, flipped, bias, conv, groups, n_threads, max_pixels, out,
                      method=method)


def run_subpixel(x, sub, bias, n_threads, max_pixels=None, out=None, *, method="gemm"):
    """Transposed conv by kernel padding (``sub``, a ``SubpixelConv`` from
    :func:`imgconv.kernel_padding`): ordinary convolutions whose output
    channels are (channel, phase) pairs, each phase then written into its
    interleaved rows and columns of the output (depth_to_space one phase at
    a time, in parallel). Phases whose taps cover the same part of the
    shared window share one conv2d (all of them when k == s: the classic
    [1, 1, In, Out*s*s] kernel); a phase never computes the window's zero
    taps, so a k=4, s=2 kernel costs 2x2 taps per phase, not 3x3."""
    if min(sub.in_channels, sub.out_channels) // sub.groups >= CHANNELS_LAST_MIN_CHANNELS:
        return run_subpixel_channels_last(x, sub, bias, n_threads, max_pixels, out,
                                          method=method)
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


# ------------------------------------------------------- channels last ---

#: The channels-last engine (exact GEMMs over the taps, or Winograd) runs
#: convolutions with at least this many input and output channels per group;
#: with fewer, a GEMM over the channels of one tap is too thin and im2col +
#: GEMM on planes is faster.
CHANNELS_LAST_MIN_CHANNELS = 8

#: 'auto' runs Winograd on the layers the channels-last engine takes whose
#: kernel is 3x3 (stride 1) or 2x2 per stride phase, from this many input
#: channels per group: with fewer, the transforms cost more than the
#: multiplications they save.
WINOGRAD_MIN_CHANNELS = 16

#: Output pixels per GEMM of the channels-last kernels: their products
#: (pixels x C_out) stay in the L1 cache, and OpenBLAS runs GEMMs this small
#: through its unpacked small-matrix kernels (measured fastest).
SLOT_TILE_BYTES = 32 << 10

#: Winograd tiles per item: the transformed inputs and the products of a
#: tile set (16 x tiles x channels each) stay within the L2 cache.
WINOGRAD_TILE_BYTES = 512 << 10

#: Winograd's weight transforms u = G @ w @ G.T, for 3x3 and 2x2 kernels.
WINOGRAD_G = {
    3: np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]]),
    2: np.array([[1.0, 0.0], [0.5, 0.5], [0.5, -0.5], [0.0, 1.0]]),
}

#: The same as coefficients of the taps: u[4a + b] = sum_t coef[4a + b, t] w[t]
#: with coef[4a + b, r*i + j] = G[a, i] * G[b, j].
WINOGRAD_COEF = {r: np.einsum("ai,bj->abij", g, g).reshape(16, r * r)
                 for r, g in WINOGRAD_G.items()}


def _multiple_of_8(value, low, high):
    return max(low, min(high, value // 8 * 8))


def slot_tile(conv, itemsize):
    """Output positions per GEMM tile of :func:`run_slot_gemm`."""
    return _multiple_of_8(SLOT_TILE_BYTES // (conv.out_channels * itemsize), 16, 512)


def winograd_tile(conv, itemsize):
    """Tiles per work item of the Winograd kernel (at least 32: with many
    input channels, fewer tiles make GEMMs too short to be efficient)."""
    per_tile = 16 * (conv.in_channels + conv.out_channels) * itemsize
    return _multiple_of_8(WINOGRAD_TILE_BYTES // per_tile, 32, 256)


def slot_weight(w, dtype, n_threads=None):
    """A conv2d weight as the taps of the channels-last kernels:
    ``(kh*kw, C_in/groups, C_out)``, tap ``(i, j)`` at ``i*kw + j``."""
    out_c, in_c, kh, kw = w.shape
    taps = np.empty((kh * kw, in_c, out_c), dtype)
    _conv.weight_taps(v.as_compute_array(w, dtype), taps, effective_n_threads(n_threads))
    return taps


def space_to_depth_taps(taps, geo):
    """The taps of the stride-1 convolution on the space_to_depth of the
    input by the stride: tap ``(a, b)`` of the ``core_kernel(geo)``, input
    channel ``(sy*sw + sx)*C + c`` is the tap ``(sh*a + sy, sw*b + sx)`` of
    channel ``c`` (zero past the kernel)."""
    (sh, sw), (rh, rw), (kh, kw) = geo.stride, core_kernel(geo), geo.kernel
    in_c, out_c = taps.shape[1:]
    core = np.zeros((rh * rw, sh * sw * in_c, out_c), taps.dtype)
    for a in range(rh):
        for b in range(rw):
            for sy in range(sh):
                for sx in range(sw):
                    if sh * a + sy < kh and sw * b + sx < kw:
                        phase = sy * sw + sx
                        core[a * rw + b, phase * in_c:(phase + 1) * in_c] = \
                            taps[(sh * a + sy) * kw + sw * b + sx]
    return core


def winograd_weight(taps, n_threads=None):
    """Taps of a 3x3 or 2x2 kernel (from :func:`slot_weight`) transformed for
    Winograd, G w G.T summed in float64 and rounded once to their type:
    ``(16, C_in/groups, C_out)``."""
    u = np.empty((16, *taps.shape[1:]), taps.dtype)
    n = effective_n_threads(n_threads)
    r = round(taps.shape[0] ** 0.5)
    _conv.winograd_weight(taps, WINOGRAD_COEF[r], np.empty((n, taps.shape[2])), u, n)
    return u


def pack(x, image, n):
    """``x`` (N, C, H, W) in the channels-last layout ``image`` (a scratch array)."""
    packed = scratch("packed input", (x.shape[0], image.slots, image.channels), x.dtype)
    work = scratch("pack work", (n, _conv.pack_workspace_size(image)), x.dtype)
    _conv.pack_channels_last(x, packed, work, image, n)
    return packed


def slot_kernel(method, packed, weight, bias, y, conv, groups, activation, n):
    """Run the channels-last GEMM or Winograd kernel of ``conv``; ``weight``
    from :func:`slot_weight` or :func:`winograd_weight`."""
    dtype = packed.dtype
    if method == "winograd":
        tile = winograd_tile(conv, dtype.itemsize)
        work = scratch("conv work", (n, _conv.winograd_workspace_size(conv, tile)), dtype)
        _conv.slot_winograd(packed, weight, bias, y, work, conv, groups, tile, activation, n)
    else:
        tile = slot_tile(conv, dtype.itemsize)
        work = scratch("conv work", (n, _conv.slot_gemm_workspace_size(conv, tile)), dtype)
        _conv.slot_gemm(packed, weight, bias, y, work, conv, groups, tile, activation, n)


#: Weights prepared for the channels-last kernels that each Python thread
#: keeps, with a copy of what they were prepared from: a layer called again
#: with an equal weight (checked element by element) skips the rearrangement.
PREPARED_WEIGHTS = 4


def _prepared_weight(w, geo, method, n_threads):
    """``w`` as the channels-last kernel of ``method`` takes it: the taps
    (of the space_to_depth by the stride), transformed for Winograd."""
    key = (w.shape, w.dtype, geo.kernel, geo.stride, method)
    cache = _scratch_arrays.__dict__.setdefault("weights", [])
    for i, (known, source, prepared) in enumerate(cache):
        if known == key and np.array_equal(source, w):
            cache.insert(0, cache.pop(i))
            return prepared
    prepared = slot_weight(w, w.dtype, n_threads)
    if geo.stride != (1, 1):
        prepared = space_to_depth_taps(prepared, geo)
    if method == "winograd":
        prepared = winograd_weight(prepared, n_threads)
    cache.insert(0, (key, w.copy(), prepared))
    del cache[PREPARED_WEIGHTS:]
    return prepared


def run_channels_last(x, w, bias, geo, groups, n_threads, max_pixels=None, out=None, *,
                      method="gemm"):
    """conv2d in the channels-last engine: pack the input (padded, or its
    space_to_depth by the stride), one stride-1 channels-last convolution
    by GEMMs over the taps (exact) or by Winograd, then back to planes.
    Stride > 1 needs dilation 1 and one group."""
    v.check_output_pixels(geo.out_size, max_pixels)
    image, conv = channels_last_conv(geo, x.shape[1], w.shape[0])
    for size, what in ((image.channels, "the packed input's channels"),
                       (w.shape[0], "the output channels")):
        v.check_blas_size(size, what)
    weight = _prepared_weight(w, geo, method, n_threads)
    out = _output(out, (x.shape[0], w.shape[0], *geo.out_size), x.dtype)
    n = effective_n_threads(n_threads)
    with blas_single_threaded():
        packed = pack(x, image, n)
        y = scratch("channels-last output", (x.shape[0], geo.out_height * geo.out_width,
                                             w.shape[0]), x.dtype)
        slot_kernel(method, packed, weight, bias, y, conv, groups, _conv.Activation.IDENTITY, n)
        _conv.unpack_channels_last(y, out, n)
    return out


def run_conv_stack(x, layers, n_threads, out=None):
    """A stack of stride-1 convolutions that keep the image size, in the
    channels-last engine: the input is packed once, each layer reads the
    previous one's output from a zero-padded buffer and writes its own
    (bias and activation in the output pass) into the other, and the last
    one's output goes back to planes.

    ``layers``: ``(method, weight, bias, kernel, dilation, activation)`` per
    layer, ``weight`` from :func:`slot_weight` or :func:`winograd_weight`
    (``(taps or 16, C_in, C_out)``), odd kernels padded 'same'.
    """
    batch, channels, height, width = x.shape
    pads = [(d[0] * (k[0] - 1) // 2, d[1] * (k[1] - 1) // 2) for _, _, _, k, d, _ in layers]
    top, left = (max(p[axis] for p in pads) for axis in (0, 1))
    layout = PaddedImage(height, width, channels, top, left, width + left, 0)
    convs, in_channels = [], channels
    for i, ((_, weight, _, kernel, dilation, _), (pt, pl)) in enumerate(zip(layers, pads)):
        last = i == len(layers) - 1
        convs.append(SlotConv(layout.row, (top - pt) * layout.row + left - pl, in_channels,
                              kernel, dilation, height, width, width if last else layout.row,
                              0 if last else layout.slot(0, 0), weight.shape[2]))
        in_channels = weight.shape[2]
    layout = with_rows(layout, *convs)
    v.check_blas_size(max(c.in_channels for c in convs), "the layers' channels")
    out = _output(out, (batch, in_channels, height, width), x.dtype)
    n = effective_n_threads(n_threads)
    with blas_single_threaded():
        source = pack(x, layout, n)
        for i, ((method, weight, bias, _, _, activation), conv) in enumerate(zip(layers, convs)):
            if i == len(layers) - 1:
                target = scratch("channels-last output", (batch, height * width,
                                                          conv.out_channels), x.dtype)
            else:
                image = replace(layout, channels=conv.out_channels)
                target = padded_scratch(f"layer output {i % 2}", image, batch, x.dtype)
            slot_kernel(method, source, weight, bias, target, conv, 1, activation, n)
            source = target
        _conv.unpack_channels_last(source, out, n)
    return out


def channels_last_fits(w, geo, groups):
    """Whether the channels-last engine computes this convolution: stride 1,
    or a stride with dilation 1 and one group (space_to_depth by the stride),
    and enough channels per group."""
    if geo.stride != (1, 1) and (geo.dilation != (1, 1) or groups != 1):
        return False
    return min(w.shape[1], w.shape[0] // groups) >= CHANNELS_LAST_MIN_CHANNELS


def winograd_fits(geo, groups):
    """Winograd's F(2x2, 3x3) and F(3x3, 2x2) compute stride-1 3x3 and 2x2
    kernels (any dilation), and strided ones whose phases have 3x3 or 2x2
    taps (dilation 1, one group)."""
    if geo.stride != (1, 1) and (geo.dilation != (1, 1) or groups != 1):
        return False
    return core_kernel(geo) in ((3, 3), (2, 2))


def auto_conv2d_method(w, geo, groups):
    """The method conv2d's 'auto' runs (measurements: bench/bench_conv.py)."""
    if (channels_last_fits(w, geo, groups) and winograd_fits(geo, groups)
            and w.shape[1] >= WINOGRAD_MIN_CHANNELS):
        return "winograd"
    return "gemm"


def run_conv2d(x, w, bias, geo, groups, n_threads, max_pixels=None, out=None, *,
               method="gemm"):
    """conv2d by GEMMs ('gemm': on channels-last pixels where they fit, else
    im2col on planes) or by Winograd ('winograd')."""
    if method == "winograd" or channels_last_fits(w, geo, groups):
        return run_channels_last(x, w, bias, geo, groups, n_threads, max_pixels, out,
                                 method=method)
    return run_gemm(x, w, bias, geo, groups, n_threads, max_pixels, out)


def run_subpixel_channels_last(x, sub, bias, n_threads, max_pixels=None, out=None, *,
                               method="gemm"):
    """Transposed conv by kernel padding on channels-last pixels: the input
    is packed once, and each output phase ``(ry, rx)`` is a stride-1
    convolution by its taps of the shared window (GEMMs over the taps, or
    Winograd where 'auto' allows and they are 2x2 or 3x3) that writes its
    outputs straight into their interleaved slots (``out_step`` = the
    stride) of one channels-last output, which returns to planes once."""
    batch, in_channels, height, width = x.shape
    out_h, out_w = sub.output_size(height, width)
    (sh, sw), (off_h, off_w) = sub.stride, sub.offset
    v.check_output_pixels((out_h, out_w), max_pixels)
    weight = v.as_compute_array(sub.weight, x.dtype)
    out_c = sub.out_channels
    phases = []
    for ry, (y0, y1) in enumerate(sub.windows[0][:out_h]):
        for rx, (x0, x1) in enumerate(sub.windows[1][:out_w]):
            grid = (-(-(out_h - ry) // sh), -(-(out_w - rx) // sw))
            phases.append((ry, rx, (y0, y1), (x0, x1), grid))
    live = [p for p in phases if p[2][0] < p[2][1] and p[3][0] < p[3][1]]
    # padding: what the phases read before the image and past it
    top = max([0] + [-(off_h + y0) for _, _, (y0, _), _, _ in live])
    left = max([0] + [-(off_w + x0) for _, _, _, (x0, _), _ in live])
    right = max([0] + [g[1] - 1 + off_w + x1 - width for _, _, _, (_, x1), g in live])
    row = max(width + max(left, right), max(g[1] for *_, g in phases))
    layout = PaddedImage(height, width, in_channels, top, left, row, 0)
    convs = [(SlotConv(row, layout.slot(off_h + y0, off_w + x0), in_channels,
                       (y1 - y0, x1 - x0), (1, 1), *grid, sh * out_w, ry * out_w + rx, out_c,
                       sw), ry, rx, y0, y1, x0, x1)
             for ry, rx, (y0, y1), (x0, x1), grid in live]
    layout = with_rows(layout, *(c[0] for c in convs))
    out = _output(out, (batch, out_c, out_h, out_w), x.dtype)
    n = effective_n_threads(n_threads)
    channel = np.arange(out_c) * (sh * sw)
    with blas_single_threaded():
        packed = pack(x, layout, n)
        y = scratch("channels-last output", (batch, out_h * out_w, out_c), x.dtype)
        if len(live) < len(phases):       # phases no tap reaches: the bias
            grid = y.reshape(batch, out_h, out_w, out_c)
            for ry, rx, *_ in set(phases) - set(live):
                grid[:, ry::sh, rx::sw] = 0 if bias is None else bias
        for conv, ry, rx, y0, y1, x0, x1 in convs:
            taps = slot_weight(weight[channel + ry * sw + rx, :, y0:y1, x0:x1], x.dtype, n)
            kernel = "gemm"
            if (method == "auto" and conv.kernel in ((2, 2), (3, 3))
                    and in_channels // sub.groups >= WINOGRAD_MIN_CHANNELS):
                kernel, taps = "winograd", winograd_weight(taps, n)
            slot_kernel(kernel, packed, taps, bias, y, conv, sub.groups,
                        _conv.Activation.IDENTITY, n)
        _conv.unpack_channels_last(y, out, n)
    return out
