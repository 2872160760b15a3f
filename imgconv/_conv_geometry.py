"""Geometry of 2-D convolutions: parameter normalisation, output sizes and
the argument checks that the convolution, its methods and the kernel
rewrites share.

A leaf of the package: it imports nothing of imgconv's but ``_validate``.
Every size is a Python int, so nothing here can overflow.

Along one axis, with ``n`` input pixels, kernel size ``k``, stride ``s``,
padding ``p`` and dilation ``d`` (PyTorch's definitions), the dilated kernel
reaches ``d*(k - 1) + 1`` pixels and

* conv2d has ``(n + p_begin + p_end - d*(k - 1) - 1) // s + 1`` outputs
  (``p_begin = p_end = p`` unless ``padding='same'``);
* conv_transpose2d has ``(n - 1)*s - 2*p + d*(k - 1) + output_padding + 1``
  outputs. It is the adjoint of the conv2d with the same parameters that
  maps its output back onto its input, which is how it is described here:
  by that conv2d's geometry, with image and output grid swapped.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from . import _validate as v

__all__ = [
    "ConvGeometry", "dilated_size", "as_batch", "check_weight", "check_bias",
    "check_groups", "check_in_channels", "conv_geometry", "transpose_params",
    "transpose_output_size", "transpose_geometry", "PaddedImage", "SlotConv",
    "core_kernel", "channels_last_conv", "with_rows",
]


@dataclass(frozen=True)
class ConvGeometry:
    """The validated geometry of one conv2d.

    The conv2d maps an image of ``height x width`` pixels to an output grid
    of ``out_height x out_width`` pixels; output pixel ``(oy, ox)`` reads
    image pixel ``(oy*stride[0] - pad_begin[0] + ky*dilation[0],
    ox*stride[1] - pad_begin[1] + kx*dilation[1])`` for tap ``(ky, kx)`` of
    a ``kernel`` sized kernel, and zero outside the image. The padding at
    the bottom and right follows from the sizes. A transposed convolution
    is described by the geometry of the conv2d it is the adjoint of (its
    input is that conv2d's output grid, its output that conv2d's image).

    The compiled kernels read these attributes by name (``pyx/conv.pyx``).
    """

    height: int
    width: int
    out_height: int
    out_width: int
    kernel: tuple
    stride: tuple
    pad_begin: tuple
    dilation: tuple

    @property
    def out_size(self):
        return self.out_height, self.out_width

    @property
    def size(self):
        return self.height, self.width

    @property
    def pad_end(self):
        """Bottom and right padding: what the last output reaches beyond the image."""
        return tuple((o - 1) * s + d * (k - 1) + 1 - n - b for o, s, d, k, n, b in
                     zip(self.out_size, self.stride, self.dilation, self.kernel, self.size,
                         self.pad_begin))


def dilated_size(kernel, dilation):
    """Pixels spanned by ``kernel`` taps ``dilation`` apart."""
    return dilation * (kernel - 1) + 1


def as_batch(input, name="input"):
    """Validated input as a 4-D array, and whether the caller gave a batch."""
    array = v.check_tensor(input, name, (3, 4))
    batched = array.ndim == 4
    return (array if batched else array[None]), batched


def check_weight(weight, dtype):
    """A 4-D weight without empty dimensions, as a contiguous ``dtype`` array."""
    array = v.check_tensor(weight, "weight", (4,))
    if array.shape[0] == 0:
        raise ValueError(f"weight must not have empty dimensions, got shape {array.shape}")
    return v.as_compute_array(array, dtype)


def check_bias(bias, channels, dtype):
    """Bias as a contiguous vector of ``channels`` values, or None."""
    if bias is None:
        return None
    array = v.check_array(bias, "bias")
    if array.shape != (channels,):
        raise ValueError(
            f"bias must have shape ({channels},) to match the {channels} output "
            f"channels, got shape {array.shape}"
        )
    return v.as_compute_array(array, dtype)


def check_groups(groups, in_channels, out_channels):
    """``groups`` as an int that divides both channel counts."""
    groups = v.check_int(groups, "groups", min_value=1)
    for what, channels in (("input", in_channels), ("output", out_channels)):
        if channels % groups:
            raise ValueError(
                f"groups={groups} must divide the {what} channels, got {channels} "
                f"{what} channels"
            )
    return groups


def check_in_channels(weight_shape, expected, channels, what, detail=""):
    """Raise unless the ``expected`` input channels of a weight of
    ``weight_shape`` (``detail``: how they follow from it) are the
    ``channels`` that ``what`` (the input, described) has."""
    if expected != channels:
        raise ValueError(
            f"weight of shape {tuple(weight_shape)} expects {expected} input channels"
            f"{detail}, but {what} has {channels}"
        )


def conv_geometry(height, width, kernel, stride, padding, dilation):
    """Geometry of conv2d on a ``height x width`` image, with torch's
    arguments (``padding`` an int, a pair, 'same' or 'valid')."""
    stride = v.check_pair(stride, "stride", min_value=1)
    dilation = v.check_pair(dilation, "dilation", min_value=1)
    kernel = tuple(int(k) for k in kernel)
    reach = tuple(dilated_size(k, d) for k, d in zip(kernel, dilation))
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
    return ConvGeometry(height, width, *out, kernel, stride, begin, dilation)


def transpose_params(stride: Any, padding: Any, output_padding: Any, dilation: Any
                     ) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int]]:
    """Validated ``(stride, padding, output_padding, dilation)`` pairs of a
    transposed convolution: each output_padding below its stride or its
    dilation (as torch requires)."""
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


def transpose_output_size(height, width, kernel, stride, padding, output_padding, dilation):
    """``(H_out, W_out)`` of a transposed convolution with validated pairs of
    parameters (torch's formula); raises if the output would be empty."""
    size = tuple(
        (n - 1) * s - 2 * p + d * (k - 1) + op + 1
        for n, k, s, p, op, d in zip((height, width), kernel, stride, padding,
                                     output_padding, dilation)
    )
    if min(size) <= 0:
        raise ValueError(
            f"the output would be empty: input {height}x{width}, kernel "
            f"{kernel[0]}x{kernel[1]}, stride {stride}, padding {padding}, dilation "
            f"{dilation}, output_padding {output_padding} give {size[0]}x{size[1]}"
        )
    return size


def transpose_geometry(height, width, kernel, stride, padding, output_padding, dilation):
    """Geometry of the conv2d whose adjoint is this transposed convolution
    (its image is the transposed convolution's output)."""
    stride, padding, output_padding, dilation = transpose_params(
        stride, padding, output_padding, dilation)
    kernel = tuple(int(k) for k in kernel)
    out = transpose_output_size(height, width, kernel, stride, padding, output_padding,
                                dilation)
    return ConvGeometry(*out, height, width, kernel, stride, padding, dilation)



# ------------------------------------------------------ channels last ---

@dataclass(frozen=True)
class PaddedImage:
    """A channels-last image in a zero-padded buffer of pixel slots.

    The buffer holds ``rows * row`` slots of ``channels`` values; pixel
    ``(y, x)`` of the ``height x width`` image is slot
    ``(y + top) * row + x + left`` and every other slot holds zeros, so a
    convolution reads its padding from the buffer instead of testing
    bounds. With ``row >= width + max(pad_left, pad_right)`` the zeros at the
    end of one row and the start of the next serve as the right and the
    left padding at once.

    With a ``block`` other than (1, 1) the image is the input rearranged by
    space_to_depth: pixel ``(y, x)`` holds the channels of input pixel
    ``(bh*y + sy - shift[0], bw*x + sx - shift[1])`` for each phase
    ``(sy, sx)``, phase-major (channel ``(sy*bw + sx)*C + c``), zero outside
    the input. ``source_width`` and ``source_channels`` describe the input.
    The compiled kernels read these attributes by name.
    """

    height: int
    width: int
    channels: int
    top: int
    left: int
    row: int
    rows: int
    block: tuple = (1, 1)
    shift: tuple = (0, 0)
    source_width: int = 0
    source_channels: int = 0

    @property
    def slots(self):
        return self.rows * self.row

    def slot(self, y, x):
        """The slot of pixel ``(y, x)``."""
        return (y + self.top) * self.row + x + self.left


@dataclass(frozen=True)
class SlotConv:
    """A stride-1 convolution between two channels-last slot buffers.

    Output ``(oy, ox)`` reads input slot
    ``in_base + (oy + ky*dilation[0]) * in_row + ox + kx*dilation[1]`` for
    tap ``(ky, kx)`` (the padding is in the buffer) and is written to slot
    ``out_base + oy * out_row + ox * out_step`` (a step above 1 interleaves
    several convolutions' outputs, the phases of a transposed convolution).
    The compiled kernels read these attributes by name.
    """

    in_row: int
    in_base: int
    in_channels: int
    kernel: tuple
    dilation: tuple
    out_height: int
    out_width: int
    out_row: int
    out_base: int
    out_channels: int
    out_step: int = 1

    @property
    def out_size(self):
        return self.out_height, self.out_width


#: Output rows (and columns) past its last output that a kernel of the
#: channels-last engine may read, in dilations: the taps of the kernel, or a
#: Winograd tile's 4 input pixels from the first output of its tile.
WINOGRAD_TILE_REACH = 3


def core_kernel(geo):
    """The kernel of the stride-1 convolution that ``geo`` becomes on the
    space_to_depth of its input by the stride: ``ceil(k / s)`` taps per axis."""
    return tuple(-(-k // s) for k, s in zip(geo.kernel, geo.stride))


def _rows_read(image, conv):
    """Rows of slots the kernels may read from ``image`` for ``conv``."""
    reach = [max(k - 1, WINOGRAD_TILE_REACH) * d for k, d in zip(conv.kernel, conv.dilation)]
    last = (conv.in_base + (conv.out_height - 1 + reach[0]) * conv.in_row
            + conv.in_row - 1 + reach[1])
    return last // image.row + 1


def channels_last_conv(geo, in_channels, out_channels, *, reach=None, dest=None):
    """The channels-last form of a conv2d of geometry ``geo``: the
    PaddedImage of its input and the stride-1 SlotConv on it.

    Stride 1: the input padded as the convolution pads it. Stride > 1
    (dilation 1): its space_to_depth by the stride, padded as the
    convolution pads it, on which the convolution is a VALID stride-1 one
    with ``core_kernel(geo)``. ``reach``: a (top, left) padding of the buffer
    larger than the convolution's own (a layout that several layers share).
    ``dest``: the PaddedImage the output is written into, default a compact
    buffer (slot ``oy * W_out + ox``).
    """
    (pt, pl), pr = geo.pad_begin, geo.pad_end[1]
    if geo.stride == (1, 1):
        # a negative padding (a crop, as the zero-insertion of a transposed
        # convolution makes) only moves the first tap into the image
        top, left = reach or (max(pt, 0), max(pl, 0))
        row = max(geo.width + max(left, pr), geo.out_width)
        image = PaddedImage(geo.height, geo.width, in_channels, top, left, row, 0)
        kernel, dilation, base = geo.kernel, geo.dilation, (top - pt) * row + left - pl
    else:
        kernel = core_kernel(geo)
        height, width = (o + k - 1 for o, k in zip(geo.out_size, kernel))
        image = PaddedImage(height, width, in_channels * geo.stride[0] * geo.stride[1], 0, 0,
                            width, 0, geo.stride, geo.pad_begin, geo.width, in_channels)
        dilation, base = (1, 1), 0
    out_row, out_base = (geo.out_width, 0) if dest is None else (dest.row, dest.slot(0, 0))
    conv = SlotConv(image.row, base, image.channels, kernel, dilation, *geo.out_size, out_row,
                    out_base, out_channels)
    return with_rows(image, conv), conv


def with_rows(image, *convs):
    """``image`` with enough rows for every SlotConv that reads it."""
    rows = max([image.top + image.height + 1] + [_rows_read(image, c) for c in convs])
    return replace(image, rows=rows)
