"""Convolution and transposed convolution with PyTorch semantics.

``conv2d`` is im2col + GEMM, ``conv_transpose2d`` is GEMM + col2im (the
gradient of conv2d with respect to its input). Both run compiled loops over
tiles of the image with OpenMP, calling BLAS through SciPy.

Layouts and output sizes follow ``torch.nn.functional``:

* input ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``;
* conv2d weight ``(C_out, C_in / groups, kH, kW)``,
  ``H_out = (H + 2 p - d (kH - 1) - 1) // s + 1``;
* conv_transpose2d weight ``(C_in, C_out / groups, kH, kW)``,
  ``H_out = (H - 1) s - 2 p + d (kH - 1) + output_padding + 1``.

Dtypes: float32 computes in float32 and float64 in float64; float16 computes
in float32; integer and bool inputs are converted to float64 (values kept, not
rescaled). Weight and bias are cast to the input's float type.
"""
from dataclasses import dataclass

import numpy as np

from . import _validate as v
from ._ext import conv as _conv
from ._ext import polyphase as _polyphase
from ._threads import blas_single_threaded, effective_n_threads

__all__ = ["conv2d", "conv_transpose2d", "conv_lipschitz"]

#: Size of one thread's im2col / col2im buffer. 1 MiB keeps it in L2 cache
#: next to the GEMM's packed panels, and bounds the total whatever the image.
TILE_BYTES = 1 << 20

#: conv_transpose2d splits each group's output channels into at most this many
#: blocks, the work items of its threads.
MAX_CHANNEL_BLOCKS = 8


@dataclass(frozen=True)
class _Conv:
    """The validated geometry of one conv2d (or of the conv2d a transposed
    convolution is the adjoint of): image side ``(height, width)``, output
    grid ``(out_height, out_width)``."""

    height: int
    width: int
    out_height: int
    out_width: int
    stride: tuple
    pad_begin: tuple  # (top, left); bottom and right follow from the sizes
    dilation: tuple

    def kernel_args(self):
        return (*self.stride, *self.pad_begin, *self.dilation)


def _as_batch(input, name="input"):
    """Validated input as a 4-D array, and whether the caller gave a batch."""
    array = v.check_tensor(input, name, (3, 4))
    batched = array.ndim == 4
    return (array if batched else array[None]), batched


def _check_weight(weight, dtype):
    array = v.check_tensor(weight, "weight", (4,))
    if array.shape[0] == 0:
        raise ValueError(f"weight must not have empty dimensions, got shape {array.shape}")
    return v.as_compute_array(array, dtype)


def _check_bias(bias, channels, dtype):
    """Bias as a contiguous vector of ``channels`` values (zeros for None)."""
    if bias is None:
        return np.zeros(channels, dtype), False
    array = v.check_array(bias, "bias")
    if array.shape != (channels,):
        raise ValueError(
            f"bias must have shape ({channels},) to match the {channels} output "
            f"channels, got shape {array.shape}"
        )
    return v.as_compute_array(array, dtype), True


def _check_groups(groups, in_channels, out_channels):
    groups = v.check_int(groups, "groups", min_value=1)
    for what, channels in (("input", in_channels), ("output", out_channels)):
        if channels % groups:
            raise ValueError(
                f"groups={groups} must divide the {what} channels, got {channels} "
                f"{what} channels"
            )
    return groups


def _dilated(kernel, dilation):
    return dilation * (kernel - 1) + 1


def _conv_geometry(height, width, kernel, stride, padding, dilation):
    """Geometry of conv2d on an (height, width) image; padding as torch takes it."""
    stride = v.check_pair(stride, "stride", min_value=1)
    dilation = v.check_pair(dilation, "dilation", min_value=1)
    reach = tuple(_dilated(k, d) for k, d in zip(kernel, dilation))
    if isinstance(padding, str):
        v.check_choice(padding, "padding", ("same", "valid"))
        if padding == "valid":
            begin = end = (0, 0)
        else:
            if stride != (1, 1):
                raise ValueError(
                    f"padding='same' needs stride 1 (as in torch), got stride={stride}"
                )
            # torch puts the odd pixel of an even kernel's padding at the end
            begin = tuple((r - 1) // 2 for r in reach)
            end = tuple(r - 1 - b for r, b in zip(reach, begin))
    else:
        begin = end = v.check_pair(padding, "padding", min_value=0)
    size = (height, width)
    padded = tuple(n + b + e for n, b, e in zip(size, begin, end))
    if any(p < r for p, r in zip(padded, reach)):
        raise ValueError(
            f"the kernel is larger than the padded input: padded input size "
            f"{padded[0]}x{padded[1]} (input {height}x{width}, padding {padding!r}), "
            f"kernel size {kernel[0]}x{kernel[1]} dilated to {reach[0]}x{reach[1]}"
        )
    out = tuple((p - r) // s + 1 for p, r, s in zip(padded, reach, stride))
    return _Conv(height, width, *out, stride, begin, dilation)


def _tile_pixels(column_bytes, n_pixels):
    """Pixels per work tile: a tile's columns fill about TILE_BYTES, and an
    image has at least a few tiles so that threads share it. Depends on the
    shapes only, never on the thread count, so results do not either."""
    tile = max(1, TILE_BYTES // max(1, column_bytes))
    return max(1, min(tile, -(-n_pixels // 4)))


def _run_conv2d(x, w, bias, has_bias, geo, groups, n_threads):
    """conv2d on validated arrays of one float dtype; returns (N, C_out, ...)."""
    batch = x.shape[0]
    out_channels = w.shape[0]
    v.check_output_pixels((geo.out_height, geo.out_width))
    depth = w.shape[1] * w.shape[2] * w.shape[3]
    v.check_blas_size(depth, "the weight's C_in/groups*kH*kW")
    v.check_blas_size(geo.height * geo.width, "the input's H*W")
    n_out = geo.out_height * geo.out_width
    v.check_blas_size(n_out, "the output's H_out*W_out")
    tile = _tile_pixels(depth * x.itemsize, n_out)
    out = np.empty((batch, out_channels, geo.out_height, geo.out_width), x.dtype)
    n = effective_n_threads(n_threads)
    work = np.empty((n, depth * tile), x.dtype)
    with blas_single_threaded():
        _conv.conv2d_gemm(x, w, bias, has_bias, out, work, *geo.kernel_args(), groups, tile, n)
    return out


def _run_conv_transpose2d(x, w, bias, geo, groups, n_threads):
    """Transposed conv on validated arrays; ``geo`` is the adjoint conv2d's
    geometry (its image is the output here, its grid the input)."""
    batch = x.shape[0]
    out_per_group = w.shape[1]
    taps = w.shape[2] * w.shape[3]
    v.check_output_pixels((geo.height, geo.width))
    v.check_blas_size(out_per_group * taps, "the weight's C_out/groups*kH*kW")
    v.check_blas_size(x.shape[2] * x.shape[3], "the input's H*W")
    block = -(-out_per_group // min(out_per_group, MAX_CHANNEL_BLOCKS))
    tile = _tile_pixels(block * taps * x.itemsize, x.shape[2] * x.shape[3])
    out = np.empty((batch, out_per_group * groups, geo.height, geo.width), x.dtype)
    n = effective_n_threads(n_threads)
    work = np.empty((n, block * taps * tile), x.dtype)
    with blas_single_threaded():
        _conv.conv_transpose2d_gemm(x, w, bias, out, work, *geo.kernel_args(), groups, block,
                                    tile, n)
    return out


def _conv2d_space_to_batch(x, w, bias, has_bias, geo, groups, n_threads):
    """Stride-1 dilated conv2d as space_to_batch -> conv2d -> batch_to_space.

    Each of the dh*dw phases of the padded input (rows ``i*dh + y``, columns
    ``j*dw + x``) is an image on which the dilated kernel becomes an
    ordinary one (dilation 1, no padding); batch_to_space interleaves the
    phases' outputs back. The bottom and right padding are rounded up to a
    multiple of the dilation and the excess is cropped afterwards.
    """
    from .shuffle import batch_to_space, space_to_batch

    kernel = w.shape[2:]
    reach = [d * (k - 1) for d, k in zip(geo.dilation, kernel)]
    padded = [out + r for out, r in zip((geo.out_height, geo.out_width), reach)]
    excess = [-p % d for p, d in zip(padded, geo.dilation)]
    pads = tuple((begin, p + e - n - begin) for begin, p, e, n in
                 zip(geo.pad_begin, padded, excess, (geo.height, geo.width)))
    phases = space_to_batch(x, geo.dilation, pads)
    inner = _conv_geometry(phases.shape[2], phases.shape[3], kernel, 1, 0, 1)
    y = _run_conv2d(phases, w, bias, has_bias, inner, groups, n_threads)
    return batch_to_space(y, geo.dilation, tuple((0, e) for e in excess))


#: Winograd F(2x2, 3x3) transform of the 3x3 filters: u = G @ w @ G.T.
_WINOGRAD_G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])

#: Size of a Winograd work item's transformed input and products (16 x
#: channels x tiles each): big enough for efficient GEMMs, small enough to
#: stay in cache (measured best of 0.5 to 4 MiB).
WINOGRAD_TILE_BYTES = 1 << 20

#: 'auto' runs Winograd for 3x3 stride-1 convolutions with at least this many
#: input and output channels per group, and at most WINOGRAD_MAX_CHANNELS
#: input channels: there it measured 1.2-1.4x faster than im2col + GEMM;
#: with fewer channels its transforms cost more than the saved products, and
#: with more the GEMM alone is efficient enough.
WINOGRAD_MIN_CHANNELS = 32
WINOGRAD_MAX_CHANNELS = 128


def _winograd_rows(out_height, dilation):
    """First output row of each row of 2x2 tiles: rows y and y + dilation of
    one phase of the dilation grid."""
    starts = np.arange(out_height)
    return np.ascontiguousarray(starts[starts % (2 * dilation) < dilation], np.intp)


def _winograd_row_tiles(out_width, dilation):
    """Tiles in a row: each phase of the dilation grid tiled two columns at a time."""
    return sum(-(-(-(-(out_width - phase) // dilation)) // 2) for phase in range(dilation))


def _auto_conv2d_method(w, geo, groups):
    """The method 'auto' runs (measurements: bench/bench_conv.py)."""
    cout_g, cin_g = w.shape[0] // groups, w.shape[1]
    if (w.shape[2:] == (3, 3) and geo.stride == (1, 1)
            and WINOGRAD_MIN_CHANNELS <= cin_g <= WINOGRAD_MAX_CHANNELS
            and cout_g >= WINOGRAD_MIN_CHANNELS):
        return "winograd"
    return "gemm"


def _run_conv2d_winograd(x, w, bias, geo, groups, n_threads):
    """conv2d of a 3x3, stride-1 weight by Winograd F(2x2, 3x3)."""
    batch, out_channels = x.shape[0], w.shape[0]
    v.check_output_pixels((geo.out_height, geo.out_width))
    # G w G.T in float64, rounded once to the compute type
    u = np.einsum("ai,ocij,bj->aboc", _WINOGRAD_G, w.astype(np.float64), _WINOGRAD_G)
    u = np.ascontiguousarray(u.reshape(16, out_channels, w.shape[1]), x.dtype)
    rows = _winograd_rows(geo.out_height, geo.dilation[0])
    row_tiles = _winograd_row_tiles(geo.out_width, min(geo.dilation[1], geo.out_width))
    per_tile = 16 * (w.shape[1] + out_channels // groups)
    rows_per_item = max(1, min(WINOGRAD_TILE_BYTES // (per_tile * x.itemsize * row_tiles),
                               -(-rows.size // 4)))
    out = np.empty((batch, out_channels, geo.out_height, geo.out_width), x.dtype)
    n = effective_n_threads(n_threads)
    work = np.empty((n, per_tile * rows_per_item * row_tiles + 16 * row_tiles
                     + 3 * (geo.out_width + 4)), x.dtype)
    with blas_single_threaded():
        _conv.conv2d_winograd(x, u, bias, out, rows, row_tiles, work, *geo.pad_begin,
                              *geo.dilation, groups, rows_per_item, n)
    return out


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *,
           method="auto", n_threads=None):
    """2-D convolution (cross-correlation), as ``torch.nn.functional.conv2d``.

    Parameters
    ----------
    input : array_like, shape (N, C_in, H, W) or (C_in, H, W)
        Input tensor. float32 and float64 are kept; float16 computes in
        float32, integers and bool in float64.
    weight : array_like, shape (C_out, C_in / groups, kH, kW)
        Filters, cast to the input's float type.
    bias : array_like, shape (C_out,), optional
        Added to every output pixel of each channel.
    stride, dilation : int or (int, int), optional
        Step between output pixels and between kernel taps, each >= 1.
    padding : int, (int, int), 'same' or 'valid', optional
        Implicit zeros on both sides. 'same' keeps the input size (stride 1
        only) and, for an even dilated kernel, pads one more at the bottom and
        right, as torch does.
    groups : int, optional
        Split input and output channels into this many independent groups
        (``groups == C_in`` with ``C_out == C_in`` is a depthwise conv).
    method : {'auto', 'gemm', 'winograd', 'space_to_batch'}, optional
        'gemm' gathers the dilated receptive fields (im2col) and multiplies
        them by the weight. 'winograd' (3x3 kernels, stride 1, any dilation)
        computes each 2x2 block of outputs with Winograd's F(2x2, 3x3): 16
        products per block and channel pair instead of 36, in 16 GEMMs.
        'space_to_batch' (stride 1) computes a dilated conv as
        ``space_to_batch`` -> ordinary conv -> ``batch_to_space``, as
        TensorFlow's ``atrous_conv2d``. 'auto' runs 'winograd' for 3x3
        stride-1 layers with 32 to 128 input channels per group (and at least
        32 outputs), else 'gemm': the fastest measured (space_to_batch is
        1.2-1.8x slower than gemm: its rearrangements cost more than im2col's
        dilated gather). All agree to float rounding (Winograd's transforms
        add a few units of rounding in float32, ~3e-7 relative).
    n_threads : int, optional
        Threads to use: None for all cores, negative to count from the end.
        The result does not depend on it.

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
        ``H_out = (H + pad_top + pad_bottom - dilation*(kH - 1) - 1) // stride + 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from imgconv import conv2d
    >>> x = np.arange(16.0).reshape(1, 4, 4)
    >>> w = np.ones((1, 1, 2, 2))
    >>> conv2d(x, w, stride=2)
    array([[[10., 18.],
            [42., 50.]]])
    """
    v.check_choice(method, "method", ("auto", "gemm", "winograd", "space_to_batch"))
    x, batched = _as_batch(input)
    dtype = v.float_dtype_for(x.dtype)
    w = _check_weight(weight, dtype)
    out_channels, per_group = w.shape[:2]
    groups = _check_groups(groups, x.shape[1], out_channels)
    if per_group * groups != x.shape[1]:
        raise ValueError(
            f"weight of shape {w.shape} expects {per_group * groups} input channels "
            f"(C_in/groups={per_group}, groups={groups}), but input of shape "
            f"{np.shape(input)} has {x.shape[1]}"
        )
    b, has_bias = _check_bias(bias, out_channels, dtype)
    geo = _conv_geometry(x.shape[2], x.shape[3], w.shape[2:], stride, padding, dilation)
    x = v.as_compute_array(x, dtype)
    if method == "auto":
        method = _auto_conv2d_method(w, geo, groups)
    if method in ("space_to_batch", "winograd") and geo.stride != (1, 1):
        raise ValueError(
            f"method={method!r} needs stride 1, got stride={geo.stride}; use method='gemm'"
        )
    if method == "winograd" and w.shape[2:] != (3, 3):
        raise ValueError(
            f"method='winograd' computes 3x3 kernels, got a {w.shape[2]}x{w.shape[3]} "
            "kernel; use method='gemm'"
        )
    if method == "space_to_batch":
        out = _conv2d_space_to_batch(x, w, b, has_bias, geo, groups, n_threads)
    elif method == "winograd":
        out = _run_conv2d_winograd(x, w, b, geo, groups, n_threads)
    else:
        out = _run_conv2d(x, w, b, has_bias, geo, groups, n_threads)
    return out if batched else out[0]


def _transpose_params(stride, padding, output_padding, dilation):
    """Validated (stride, padding, output_padding, dilation) pairs of a
    transposed convolution."""
    stride = v.check_pair(stride, "stride", min_value=1)
    dilation = v.check_pair(dilation, "dilation", min_value=1)
    padding = v.check_pair(padding, "padding", min_value=0)
    output_padding = v.check_pair(output_padding, "output_padding", min_value=0)
    for op, s, d in zip(output_padding, stride, dilation):
        if op >= max(s, d):
            raise ValueError(
                f"output_padding must be smaller than either stride or dilation, got "
                f"output_padding={output_padding}, stride={stride}, dilation={dilation}"
            )
    return stride, padding, output_padding, dilation


def _transpose_geometry(height, width, kernel, stride, padding, output_padding, dilation):
    """Geometry of the conv2d whose adjoint is this transposed conv."""
    stride, padding, output_padding, dilation = _transpose_params(
        stride, padding, output_padding, dilation)
    out = tuple(
        (n - 1) * s - 2 * p + _dilated(k, d) + op
        for n, s, p, k, d, op in zip((height, width), stride, padding, kernel, dilation,
                                     output_padding)
    )
    if min(out) <= 0:
        raise ValueError(
            f"the output would be empty: input {height}x{width}, kernel "
            f"{kernel[0]}x{kernel[1]}, stride {stride}, padding {padding}, dilation "
            f"{dilation}, output_padding {output_padding} give {out[0]}x{out[1]}"
        )
    return _Conv(*out, height, width, stride, padding, dilation)


#: Methods of conv_transpose2d; see its docstring.
TRANSPOSE_METHODS = ("auto", "gemm", "subpixel", "zero_insert")


def _run_zero_insert(x, w, bias, has_bias, geo, groups, n_threads):
    """Transposed conv by input padding: insert stride-1 zeros between the
    input pixels, then an ordinary stride-1 conv2d with the flipped kernel
    (input and output channels swapped within each group). The border
    padding ``dilation*(k - 1) - padding`` (negative: a crop) is the conv's."""
    batch, in_channels, height, width = x.shape
    (sh, sw), (dh, dw) = geo.stride, geo.dilation
    kh, kw = w.shape[2:]
    stuffed_h, stuffed_w = (height - 1) * sh + 1, (width - 1) * sw + 1
    v.check_output_pixels((stuffed_h, stuffed_w), what="zero-inserted input")
    stuffed = np.zeros((batch, in_channels, stuffed_h, stuffed_w), x.dtype)
    stuffed[:, :, ::sh, ::sw] = x
    per_group = w.shape[1]
    flipped = w[:, :, ::-1, ::-1].reshape(groups, in_channels // groups, per_group, kh, kw)
    flipped = np.ascontiguousarray(flipped.transpose(0, 2, 1, 3, 4)).reshape(
        groups * per_group, in_channels // groups, kh, kw)
    pad_begin = (dh * (kh - 1) - geo.pad_begin[0], dw * (kw - 1) - geo.pad_begin[1])
    conv = _Conv(stuffed_h, stuffed_w, geo.height, geo.width, (1, 1), pad_begin, geo.dilation)
    return _run_conv2d(stuffed, flipped, bias, has_bias, conv, groups, n_threads)


def _run_subpixel(x, sub, bias, has_bias, n_threads):
    """Transposed conv by kernel padding (``sub`` from
    :func:`imgconv.kernels.kernel_padding`): ordinary convolutions whose
    output channels are (channel, phase) pairs, each phase then written into
    its interleaved rows and columns of the output (depth_to_space one phase
    at a time, in parallel). Phases whose taps cover the same part of the
    shared window share one conv2d (all of them when k == s: the classic
    [1, 1, In, Out*s*s] kernel); a phase never computes the window's zero
    taps, so a k=4, s=2 kernel costs 2x2 taps per phase, not 3x3."""
    batch, in_channels, height, width = x.shape
    out_h, out_w = sub.output_size(height, width)
    grid_h, grid_w = sub.grid_size(height, width)
    (top, _), (left, _) = sub.conv_padding(height, width)
    sh, sw = sub.stride
    v.check_output_pixels((out_h, out_w))
    weight = v.as_compute_array(sub.weight, x.dtype)
    out = np.empty((batch, sub.out_channels, out_h, out_w), x.dtype)
    n = effective_n_threads(n_threads)
    by_window = {}
    for ry, rows in enumerate(sub.windows[0][:out_h]):
        for rx, cols in enumerate(sub.windows[1][:out_w]):
            by_window.setdefault((rows, cols), []).append((ry, rx))
    for ((y0, y1), (x0, x1)), phases in by_window.items():
        if y0 == y1 or x0 == x1:                # no tap reaches these phases
            for ry, rx in phases:
                out[:, :, ry::sh, rx::sw] = bias[:, None, None]
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
        conv = _Conv(*src.shape[2:], grid_h, grid_w, (1, 1), pad, (1, 1))
        result = _run_conv2d(src, phase_weight, np.repeat(bias, len(phases)), has_bias, conv,
                             sub.groups, n_threads)
        result = result.reshape(batch, sub.out_channels, len(phases), grid_h, grid_w)
        for j, (ry, rx) in enumerate(phases):
            target = out[:, :, ry::sh, rx::sw]
            _polyphase.scatter_phase(result[:, :, j, :target.shape[2], :target.shape[3]],
                                     target, n)
    return out


def _auto_transpose_method(geo):
    """The method 'auto' runs, by the rule the measurements support (docs,
    bench/bench_resize.py): with stride 1 'zero_insert' inserts nothing and
    is one plain conv2d, the fastest; with a stride, GEMM + col2im does the
    least arithmetic and data movement (kernel padding does the same
    arithmetic but also scatters each phase into the output; input padding
    multiplies by zeros)."""
    return "zero_insert" if geo.stride == (1, 1) else "gemm"


def _subpixel_arguments(sub, stride, padding, output_padding, groups, dilation, method):
    """Check that the arguments given with a SubpixelConv weight agree with it:
    each must be left at its default or equal the value it was built with."""
    if method not in ("auto", "subpixel"):
        raise ValueError(
            f"a SubpixelConv weight runs with method 'subpixel' (or 'auto'), got "
            f"method={method!r}"
        )
    given = dict(zip(("stride", "padding", "output_padding", "dilation"),
                     _transpose_params(stride, padding, output_padding, dilation)))
    given["groups"] = v.check_int(groups, "groups", min_value=1)
    defaults = dict(stride=(1, 1), padding=(0, 0), output_padding=(0, 0), dilation=(1, 1),
                    groups=1)
    for name, value in given.items():
        built = getattr(sub, name)
        if value != defaults[name] and value != built:
            raise ValueError(
                f"{name}={value} differs from the {name}={built} the SubpixelConv "
                f"weight was built with; leave it out or pass the same value"
            )


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1, *, method="auto", n_threads=None):
    """2-D transposed convolution ("deconvolution"), as
    ``torch.nn.functional.conv_transpose2d``.

    The adjoint of :func:`conv2d` with the same weight, stride, padding,
    dilation and groups: ``<conv2d(x, w), y> == <x, conv_transpose2d(y, w)>``.

    Parameters
    ----------
    input : array_like, shape (N, C_in, H, W) or (C_in, H, W)
        Input tensor (same dtype rules as :func:`conv2d`).
    weight : array_like, shape (C_in, C_out / groups, kH, kW), or SubpixelConv
        Filters in torch's transposed layout, or the result of
        :func:`imgconv.kernel_padding` (computed once, reused; its stride,
        padding, output_padding, dilation and groups are then used, and the
        arguments of the same names must be left out or agree).
    bias : array_like, shape (C_out,), optional
    stride, padding, dilation : int or (int, int), optional
        As in torch: ``padding`` removes ``dilation*(k-1) - padding`` pixels
        of implicit zero padding on each side.
    output_padding : int or (int, int), optional
        Extra rows/columns at the bottom/right of the output; each must be
        smaller than the stride or the dilation.
    groups : int, optional
    method : {'auto', 'gemm', 'subpixel', 'zero_insert'}, optional
        How to compute it; all give the same result up to float rounding.
        'gemm': GEMM + col2im (the input gradient of conv2d).
        'subpixel': kernel padding (:func:`imgconv.kernel_padding`), an
        ordinary conv2d with ``C_out*sh*sw`` outputs, then depth_to_space.
        'zero_insert': input padding, insert ``stride - 1`` zeros between the
        input pixels and run an ordinary conv2d with the flipped kernel.
        'auto' picks the fastest for the shape: 'zero_insert' for stride 1
        (then a plain conv2d, nothing inserted), 'gemm' otherwise (measured;
        see the documentation).
    n_threads : int, optional
        As in :func:`conv2d`.

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out) or (C_out, H_out, W_out)
        ``H_out = (H - 1)*stride - 2*padding + dilation*(kH - 1) + output_padding + 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from imgconv import conv_transpose2d
    >>> x = np.array([[[1.0, 2.0]]])            # (C_in=1, H=1, W=2)
    >>> conv_transpose2d(x, np.ones((1, 1, 1, 2)), stride=2)
    array([[[1., 1., 2., 2.]]])
    >>> conv_transpose2d(x, np.ones((1, 1, 1, 2)), stride=2, method="zero_insert")
    array([[[1., 1., 2., 2.]]])
    """
    from .kernels import SubpixelConv, kernel_padding

    v.check_choice(method, "method", TRANSPOSE_METHODS)
    x, batched = _as_batch(input)
    dtype = v.float_dtype_for(x.dtype)
    sub = weight if isinstance(weight, SubpixelConv) else None
    if sub is not None:
        _subpixel_arguments(sub, stride, padding, output_padding, groups, dilation, method)
        stride, padding, groups = sub.stride, sub.padding, sub.groups
        output_padding, dilation = sub.output_padding, sub.dilation
        w_shape = (sub.in_channels, sub.out_channels // groups, *sub.kernel_size)
    else:
        w = _check_weight(weight, dtype)
        w_shape = w.shape
    in_channels = w_shape[0]
    if in_channels != x.shape[1]:
        raise ValueError(
            f"weight of shape {w_shape} expects {in_channels} input channels, but input of "
            f"shape {np.shape(input)} has {x.shape[1]}"
        )
    groups = _check_groups(groups, in_channels, in_channels)
    b, has_bias = _check_bias(bias, w_shape[1] * groups, dtype)
    geo = _transpose_geometry(x.shape[2], x.shape[3], w_shape[2:], stride, padding,
                              output_padding, dilation)
    x = v.as_compute_array(x, dtype)
    if sub is not None:
        method = "subpixel"
    elif method == "auto":
        method = _auto_transpose_method(geo)
    if method == "gemm":
        out = _run_conv_transpose2d(x, w, b, geo, groups, n_threads)
    elif method == "zero_insert":
        out = _run_zero_insert(x, w, b, has_bias, geo, groups, n_threads)
    else:
        if sub is None:
            sub = kernel_padding(w, geo.stride, geo.pad_begin, output_padding, geo.dilation,
                                 groups)
        out = _run_subpixel(x, sub, b, has_bias, n_threads)
    return out if batched else out[0]


def _top_eigenpair_power(apply, start, tol, max_iter):
    """Largest eigenvalue and its unit eigenvector of the symmetric PSD
    operator ``apply``, by power iteration from ``start`` (unit norm)."""
    vector = start
    for _ in range(max_iter):
        image = apply(vector)
        top = float(np.dot(vector, image))
        norm = float(np.linalg.norm(image))
        # stop on the residual, not on the change of the estimate, which
        # stalls long before convergence when the top two values are close
        if norm == 0.0 or np.linalg.norm(image - top * vector) <= tol * top:
            return top, vector
        vector = image / norm
    raise RuntimeError(f"conv_lipschitz did not converge in max_iter={max_iter} iterations")


#: Krylov vectors per Lanczos cycle, and the memory they may take (each is a
#: float64 vector of the input's size).
LANCZOS_BASIS = 24
LANCZOS_BYTES = 256 << 20


def _top_eigenpair_lanczos(apply, start, tol, max_iter, precision):
    """Largest eigenpair of a symmetric PSD operator by thick-restart Lanczos
    (Wu & Simon) with full reorthogonalisation, from ``start`` (unit norm).

    A cycle extends an orthonormal basis ``V`` one product at a time and
    keeps the projected matrix ``H = V.T @ N @ V``. At a restart the top
    Ritz vectors stay in the basis (so a cluster of nearly equal top values
    is resolved together, where restarting from one vector would crawl), and
    the basis grows again from the common residual direction. A basis that
    stops growing (to ``precision``, the relative accuracy of ``apply``)
    spans an invariant subspace holding the start vector's component on the
    top eigenvector, so its Ritz pair is exact. Every step is deterministic:
    ARPACK, by contrast, restarts from a random vector of its own then.
    """
    size = start.size
    basis_size = max(2, min(size, LANCZOS_BASIS, LANCZOS_BYTES // (8 * size)))
    keep = max(1, basis_size // 3)        # a basis of 2 (huge inputs) keeps 1
    basis = np.zeros((basis_size, size))
    projected = np.zeros((basis_size, basis_size))
    basis[0], first, products = start, 0, 0
    while True:
        for j in range(first, basis_size):
            w = apply(basis[j])
            products += 1
            projected[j, j] = float(np.dot(basis[j], w))
            for _ in range(2):            # twice is enough (Kahan, Parlett)
                w -= basis[:j + 1].T @ (basis[:j + 1] @ w)
            b = float(np.linalg.norm(w))
            scale = np.abs(np.diag(projected)[:j + 1]).max()
            if j + 1 == basis_size or b <= precision * scale:
                break
            projected[j, j + 1] = projected[j + 1, j] = b
            basis[j + 1] = w / b
        k = j + 1
        values, vectors = np.linalg.eigh(projected[:k, :k])
        top = float(values[-1])
        # ||N x - theta x|| of a Ritz vector x = V y is |b * y[-1]|
        residual = abs(b * vectors[-1, -1])
        if residual <= tol * abs(top) or k < basis_size or top <= 0:
            vector = basis[:k].T @ vectors[:, -1]
            return top, vector / np.linalg.norm(vector)
        if products >= max_iter:
            raise RuntimeError(
                f"conv_lipschitz did not converge in max_iter={max_iter} iterations")
        # thick restart: the top `keep` Ritz pairs, coupled to the residual
        # direction w / b through the last row of their coordinates
        kept = vectors[:, -keep:]
        basis[:keep] = kept.T @ basis[:k]
        projected[:] = 0
        projected[:keep, :keep] = np.diag(values[-keep:])
        projected[:keep, keep] = projected[keep, :keep] = b * kept[-1]
        basis[keep] = w / b
        first = keep


def conv_lipschitz(weight, input_shape, stride=1, padding=0, dilation=1, groups=1, *,
                   method="lanczos", tol=1e-8, max_iter=1000, random_state=0, n_threads=None):
    """Operator norm (largest singular value) of a conv2d layer.

    ``conv2d`` and ``conv_transpose2d`` are an adjoint pair, so the largest
    eigenvalue of ``conv_transpose2d(conv2d(x))`` is the square of the largest
    singular value of the layer: its Lipschitz constant in the l2 norm, the
    bound a WGAN-style critic must respect. The bias does not change it.

    Parameters
    ----------
    weight : array_like, shape (C_out, C_in / groups, kH, kW)
        The layer's filters; their float type is the computation's.
    input_shape : tuple of int
        ``(C_in, H, W)`` (or ``(N, C_in, H, W)``: the norm does not depend on N)
        of the inputs the layer is applied to; the border effects of padding
        make the norm depend on it.
    stride, padding, dilation, groups :
        As in :func:`conv2d`, 'same' and 'valid' included.
    method : {'lanczos', 'power'}, optional
        'lanczos': restarted Lanczos iteration on the normal operator ``N``,
        usually in far fewer products than 'power', plain power iteration
        (which needs ~1/gap products when the top two singular values are
        close). Both are deterministic.
    tol : float, optional
        Relative tolerance on the residual ``||N v - lambda v|| <= tol * lambda``
        with ``lambda = sigma**2`` (at least 100 times float64's machine
        epsilon: the products are computed in float64 whatever the weight's
        type).
    max_iter : int, optional
        Bound on the products with ``N``; a ``RuntimeError`` is raised if the
        residual is not reached by then.
    random_state : None, int, numpy.random.Generator or numpy.random.SeedSequence, optional
        Seed of the starting vector.
    n_threads : int, optional
        As in :func:`conv2d`.

    Returns
    -------
    sigma : float
        The largest singular value.
    vector : ndarray, shape (C_in, H, W)
        A unit-norm input that attains it: ``||conv2d(vector)|| == sigma``;
        float32 for float16/float32 weights, else float64.

    Examples
    --------
    >>> import numpy as np
    >>> from imgconv import conv_lipschitz
    >>> w = np.full((1, 1, 3, 3), 1 / 9)           # a 3x3 mean filter
    >>> sigma, _ = conv_lipschitz(w, (1, 32, 32), padding=1)
    >>> bool(0.9 < sigma < 1.0)                      # zero padding: just under 1
    True
    """
    v.check_choice(method, "method", ("lanczos", "power"))
    tol = v.check_float(tol, "tol", min_value=0, exclusive_min=True)
    max_iter = v.check_int(max_iter, "max_iter", min_value=1)
    random_state = v.check_random_state(random_state)
    v.check_n_threads(n_threads)
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) not in (3, 4):
        raise ValueError(
            f"input_shape must be a tuple (C_in, H, W) or (N, C_in, H, W) of positive "
            f"integers, got {input_shape!r}"
        )
    shape = tuple(v.check_int(s, "input_shape", min_value=1) for s in input_shape)
    channels, height, width = shape[-3:]
    w = v.check_array(weight, "weight")
    dtype = v.float_dtype_for(w.dtype)
    # float64 products whatever the weight's type: the iterations need a
    # residual far below float32's rounding, and every float32 is a float64
    w = _check_weight(w, np.float64)
    if not np.isfinite(w).all():
        raise ValueError("weight must be finite to have an operator norm; it holds NaN or Inf")
    out_channels, per_group = w.shape[:2]
    groups = _check_groups(groups, channels, out_channels)
    if per_group * groups != channels:
        raise ValueError(
            f"weight of shape {w.shape} expects {per_group * groups} input channels, but "
            f"input_shape {input_shape} has {channels}"
        )
    geo = _conv_geometry(height, width, w.shape[2:], stride, padding, dilation)
    # the vectors are allocated before the first product checks the sizes
    v.check_output_pixels((height, width), what="input")
    v.check_output_pixels((geo.out_height, geo.out_width))
    # conv2d's adjoint: a transposed conv from conv2d's output grid back onto the input
    adjoint = _Conv(height, width, geo.out_height, geo.out_width, geo.stride, geo.pad_begin,
                    geo.dilation)
    # torch's transposed layout makes the conv2d weight its own adjoint's weight
    no_bias, zeros_in = np.zeros(out_channels), np.zeros(channels)

    def normal(x):
        y = _run_conv2d(x.reshape(1, channels, height, width), w, no_bias, False, geo,
                        groups, n_threads)
        return _run_conv_transpose2d(y, w, zeros_in, adjoint, groups, n_threads).ravel()

    rng = np.random.default_rng(random_state)
    start = rng.standard_normal(channels * height * width)
    start /= np.linalg.norm(start)
    if not w.any():                       # the zero operator: any vector attains 0
        return 0.0, start.astype(dtype).reshape(channels, height, width)
    precision = 100 * float(np.finfo(np.float64).eps)
    tol = max(tol, precision)
    if method == "lanczos":
        top, vector = _top_eigenpair_lanczos(normal, start, tol, max_iter, precision)
    else:
        top, vector = _top_eigenpair_power(normal, start, tol, max_iter)
    vector = (vector / np.linalg.norm(vector)).astype(dtype)
    return float(np.sqrt(max(top, 0.0))), vector.reshape(channels, height, width)
