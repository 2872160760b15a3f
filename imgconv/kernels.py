"""Fixed upsampling kernels, and kernel padding: a transposed convolution
rewritten as an ordinary convolution followed by ``depth_to_space``.

Upscaling an image by an integer factor ``s`` is a transposed convolution
with stride ``s`` and a fixed kernel, one channel at a time (``groups = C``):

========================  =====================  ===========  =====================
kernel                    size                   padding      border
========================  =====================  ===========  =====================
``bilinear_kernel(s)``    ``2s - s % 2``         ``s // 2``   extend the input by one
                                                              pixel per side, crop
                                                              ``s`` output pixels
``bilinear_kernel(s,      ``2s - 1``             ``s - 1``    zero (output length
align_corners=True)``                                         ``s*(n - 1) + 1``)
``nearest_kernel(s)``     ``s``                  ``0``        none
========================  =====================  ===========  =====================

The first gives scikit-image's ``resize`` (half-pixel centres), the second the
``align_corners=True`` interpolation of PyTorch, the third ``np.repeat``.

:func:`kernel_padding` turns any transposed-convolution weight into the
weight of an ordinary convolution with ``C_out * sh * sw`` outputs, one per
output channel and phase of the stride grid; ``depth_to_space`` then
interleaves the phases. It is computed once per weight and reused.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import _validate as v
from ._conv_geometry import check_groups, check_weight, transpose_output_size, transpose_params

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

    from ._typing import Array, ArrayLike, Pair


__all__ = ["bilinear_kernel", "nearest_kernel", "kernel_padding", "SubpixelConv"]


def _bilinear_1d(factor, align_corners):
    """1-D bilinear kernel of an integer factor (Caffe/FCN bilinear filler)."""
    if align_corners:
        size, centre, scale = 2 * factor - 1, factor - 1, factor
    else:
        size = 2 * factor - factor % 2
        scale = (size + 1) // 2
        centre = scale - 1 if size % 2 else scale - 0.5
    return 1 - np.abs(np.arange(size) - centre) / scale


def _as_weight(kernel_2d, channels, dtype):
    """A 2-D kernel as itself, or as a per-channel (C, 1, kh, kw) weight."""
    dtype = v.check_dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"dtype must be a float dtype, got {dtype}")
    kernel_2d = kernel_2d.astype(dtype)
    if channels is None:
        return kernel_2d
    channels = v.check_int(channels, "channels", min_value=1)
    return np.ascontiguousarray(np.broadcast_to(kernel_2d, (channels, 1, *kernel_2d.shape)))


def _check_factor(factor):
    """Integer factors per axis, their kernel (at most 2s x 2s) bounded like
    any output before it is allocated."""
    fh, fw = v.check_pair(factor, "factor", min_value=1)
    v.check_output_pixels((2 * fh, 2 * fw), what="kernel")
    return fh, fw


def bilinear_kernel(factor: Pair, *, align_corners: bool = False, channels: int | None = None,
                    dtype: DTypeLike = np.float64) -> Array:
    """Bilinear upsampling kernel of an integer factor (one per axis allowed).

    Parameters
    ----------
    factor : int or (int, int)
        Upscaling factor ``s`` (per axis: ``(sh, sw)``), at least 1.
    align_corners : bool, optional
        False (default): the Caffe/FCN bilinear filler, size ``2s - s % 2``,
        symmetric for every size, ``K[j] = 1 - |j - c| / f`` with
        ``f = ceil(size / 2)`` and ``c = f - 1`` (odd size) or ``f - 0.5``
        (even size). With stride ``s``, padding ``s // 2`` and the input
        extended by one pixel per side, it gives scikit-image's ``resize``.
        True: the triangle ``1 - |j - (s - 1)| / s`` of size ``2s - 1``; with
        padding ``s - 1`` it maps ``n`` pixels to ``s*(n - 1) + 1`` with the
        corner pixels aligned (PyTorch's ``align_corners=True``).
    channels : int, optional
        If given, return a ``(channels, 1, kh, kw)`` weight for
        :func:`imgconv.conv_transpose2d` with ``groups=channels`` (each
        channel upsampled on its own).
    dtype : float dtype, optional

    Returns
    -------
    ndarray, shape (kh, kw) or (channels, 1, kh, kw)
        The outer product of the two 1-D kernels.

    Examples
    --------
    >>> import numpy as np
    >>> from imgconv import bilinear_kernel, conv_transpose2d
    >>> bilinear_kernel((1, 2))
    array([[0.25, 0.75, 0.75, 0.25]])
    >>> x = np.array([[[0.0, 1.0, 1.0, 0.0]]])          # one channel, one row
    >>> xp = np.pad(x, ((0, 0), (0, 0), (1, 1)), mode="reflect")
    >>> y = conv_transpose2d(xp, bilinear_kernel((1, 2), channels=1), stride=(1, 2),
    ...                      padding=(0, 1), groups=1)
    >>> y[..., 2:-2]                                    # crop s=2 per side
    array([[[0.25, 0.25, 0.75, 1.  , 1.  , 0.75, 0.25, 0.25]]])
    """
    fh, fw = _check_factor(factor)
    align_corners = v.check_bool(align_corners, "align_corners")
    kernel = np.outer(_bilinear_1d(fh, align_corners), _bilinear_1d(fw, align_corners))
    return _as_weight(kernel, channels, dtype)


def nearest_kernel(factor: Pair, *, channels: int | None = None,
                   dtype: DTypeLike = np.float64) -> Array:
    """Nearest-neighbour upsampling kernel: ones of size ``(sh, sw)``.

    With stride ``s`` and no padding, the transposed convolution repeats
    every pixel ``s`` times along each axis (``np.repeat``), which is
    scikit-image's ``order=0`` resize for an integer factor.

    Parameters
    ----------
    factor : int or (int, int)
    channels : int, optional
        As in :func:`bilinear_kernel`.
    dtype : float dtype, optional

    Returns
    -------
    ndarray, shape (sh, sw) or (channels, 1, sh, sw)

    Examples
    --------
    >>> import numpy as np
    >>> from imgconv import conv_transpose2d, nearest_kernel
    >>> conv_transpose2d(np.array([[[1.0, 2.0]]]), nearest_kernel(2, channels=1), stride=2)
    array([[[1., 1., 2., 2.],
            [1., 1., 2., 2.]]])
    """
    fh, fw = _check_factor(factor)
    return _as_weight(np.ones((fh, fw)), channels, dtype)


# ------------------------------------------------------ kernel padding ---

def _phase_taps(size, stride, padding):
    """1-D kernel padding (docs/algorithms.rst, "Kernel padding").

    For output phase ``r`` (``o = stride*q + r``),
    ``y[o] = sum_u K[stride*(a_r - u) + b_r] * x[q + u]`` with
    ``a_r, b_r = divmod(r + padding, stride)``. Returns ``(u_min, table)``:
    ``table[r, t]`` is the index into K of the tap on ``x[q + u_min + t]``,
    or -1 where that tap is zero.
    """
    a = [(r + padding) // stride for r in range(stride)]
    b = [(r + padding) % stride for r in range(stride)]
    u_max = max(a)
    u_min = min(a_r - math.ceil((size - b_r) / stride) + 1 for a_r, b_r in zip(a, b))
    u = np.arange(u_min, u_max + 1)
    index = stride * (np.array(a)[:, None] - u) + np.array(b)[:, None]
    return u_min, np.where((index >= 0) & (index < size), index, -1)


def _phase_windows(table, dilation):
    """Per phase, the ``(start, stop)`` of its taps that can be non-zero
    within the shared window (the dilated kernel's inserted zeros excluded);
    ``(0, 0)`` for a phase that no tap reaches."""
    live = (table >= 0) & (table % dilation == 0)
    windows = []
    for row in live:
        taps = np.flatnonzero(row)
        windows.append((int(taps[0]), int(taps[-1]) + 1) if taps.size else (0, 0))
    return tuple(windows)


@dataclass(frozen=True, eq=False)
class SubpixelConv:
    """A transposed convolution rewritten by :func:`kernel_padding`.

    ``conv_transpose2d(x, kernel, stride, padding, output_padding, groups,
    dilation)`` equals: pad ``x`` by :meth:`conv_padding` (negative values
    crop), ``conv2d(..., weight, groups=groups)``,
    ``depth_to_space(..., stride)`` (CRD order, as torch's ``pixel_shuffle``)
    and keep the first :meth:`output_size` rows and columns.
    Pass it as the ``weight`` of :func:`imgconv.conv_transpose2d` to reuse it.

    Attributes
    ----------
    weight : ndarray, shape (C_out*sh*sw, C_in/groups, Th, Tw)
        Channel ``(c*sh + ry)*sw + rx`` holds the taps of output channel
        ``c`` at phase ``(ry, rx)``, on a window of ``Th x Tw`` input pixels
        shared by all phases.
    offset : (int, int)
        Input offset of the window's first tap (``u_min`` per axis, <= 0 in
        the usual cases): output pixel ``(sh*q + ry, sw*p + rx)`` reads input
        rows ``q + offset[0] .. q + offset[0] + Th - 1``.
    windows : (tuple, tuple)
        Per axis, per phase, the ``(start, stop)`` range of window taps that
        can be non-zero: phase ``(ry, rx)`` only needs
        ``weight[..., windows[0][ry][0]:windows[0][ry][1], windows[1][rx][0]:windows[1][rx][1]]``.
    groups, in_channels, out_channels : int
    kernel_size, stride, padding, output_padding, dilation : (int, int)
        The transposed convolution it was built from.
    """

    weight: np.ndarray
    offset: tuple[int, int]
    windows: tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]
    groups: int
    in_channels: int
    out_channels: int
    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    output_padding: tuple[int, int]
    dilation: tuple[int, int]

    def __post_init__(self) -> None:
        # kernel_padding builds it; one made or edited by hand must keep the
        # layout its weight was built for, or conv_transpose2d would compute
        # something else without a word
        stride, padding, _, dilation = transpose_params(
            self.stride, self.padding, self.output_padding, self.dilation)
        kernel = v.check_pair(self.kernel_size, "kernel_size", min_value=1)
        in_channels = v.check_int(self.in_channels, "in_channels", min_value=1)
        out_channels = v.check_int(self.out_channels, "out_channels", min_value=1)
        groups = check_groups(self.groups, in_channels, out_channels)
        tables = [_phase_taps(d * (k - 1) + 1, s, p)
                  for k, s, p, d in zip(kernel, stride, padding, dilation)]
        expected = dict(
            shape=(out_channels * stride[0] * stride[1], in_channels // groups,
                   *(table.shape[1] for _, table in tables)),
            offset=tuple(u for u, _ in tables),
            windows=tuple(_phase_windows(table, d) for (_, table), d in zip(tables, dilation)))
        weight = self.weight
        found = dict(shape=getattr(weight, "shape", None), offset=self.offset,
                     windows=self.windows)
        if (not isinstance(weight, np.ndarray) or weight.dtype not in (np.float32, np.float64)
                or found != expected):
            raise ValueError(
                f"this SubpixelConv is inconsistent: its geometry needs a float32 or float64 "
                f"weight of shape {expected['shape']}, offset {expected['offset']} and "
                f"windows {expected['windows']}, it has {_describe_fields(found, weight)}; "
                "build one with kernel_padding"
            )

    def output_size(self, height: int, width: int) -> tuple[int, int]:
        """``(H_out, W_out)`` of the transposed convolution on an
        ``height x width`` input (torch's formula); raises if empty."""
        return transpose_output_size(height, width, self.kernel_size, self.stride,
                                     self.padding, self.output_padding, self.dilation)

    def grid_size(self, height: int, width: int) -> tuple[int, ...]:
        """Rows and columns ``(Qh, Qw)`` of the ordinary convolution's output:
        ``ceil(H_out / sh)`` by ``ceil(W_out / sw)``."""
        return tuple(-(-n // s) for n, s in zip(self.output_size(height, width), self.stride))

    def conv_padding(self, height: int, width: int) -> tuple[tuple[int, int], ...]:
        """``((top, bottom), (left, right))`` padding of the input for the
        VALID convolution; a negative value crops that many pixels."""
        window = self.weight.shape[2:]
        pads = []
        for n, q, t, u in zip((height, width), self.grid_size(height, width), window,
                              self.offset):
            pads.append((-u, q + t - 1 - n + u))
        return tuple(pads)


def _describe_fields(found, weight):
    """The SubpixelConv fields that its consistency check compares."""
    kind = f"dtype {weight.dtype}" if isinstance(weight, np.ndarray) else type(weight).__name__
    return (f"a weight of shape {found['shape']} ({kind}), offset {found['offset']} and "
            f"windows {found['windows']}")


def kernel_padding(weight: ArrayLike, stride: Pair = 1, padding: Pair = 0,
                   output_padding: Pair = 0, dilation: Pair = 1, groups: int = 1) -> SubpixelConv:
    """Rewrite a transposed convolution as a convolution + ``depth_to_space``.

    Kernel padding (the "sub-pixel convolution" view): output pixel
    ``o = s*q + r`` of a stride-``s`` transposed convolution only sees the
    kernel taps of phase ``r``, so each phase is an ordinary convolution of
    the input, and all ``sh*sw`` phases of all output channels form one
    convolution with ``C_out*sh*sw`` outputs on a shared window. A
    ``[2, 2, In, Out]`` stride-2 kernel becomes a ``[1, 1, In, Out*4]`` one.
    Dilation is applied to the kernel first (zeros between taps).

    Parameters
    ----------
    weight : array_like, shape (C_in, C_out / groups, kH, kW)
        Transposed-convolution weight in torch's layout.
    stride, padding, output_padding, dilation : int or (int, int), optional
    groups : int, optional
        As in :func:`imgconv.conv_transpose2d` (output_padding must be
        smaller than the stride or the dilation).

    Returns
    -------
    SubpixelConv
        The convolution weight and its geometry. Pass it as ``weight`` to
        :func:`imgconv.conv_transpose2d` to run it without rebuilding.

    Examples
    --------
    >>> import numpy as np
    >>> from imgconv import conv_transpose2d, kernel_padding
    >>> w = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> sub = kernel_padding(w, stride=2, padding=1)
    >>> sub.weight.shape                      # 4 phases, a 3x3 window
    (4, 1, 3, 3)
    >>> x = np.random.default_rng(0).standard_normal((1, 5, 6))
    >>> bool(np.allclose(conv_transpose2d(x, sub), conv_transpose2d(x, w, stride=2, padding=1)))
    True
    >>> kernel_padding(np.ones((3, 8, 2, 2)), stride=2).weight.shape   # k == s: 1x1
    (32, 3, 1, 1)
    """
    array = v.check_array(weight, "weight")
    w = check_weight(array, v.float_dtype_for(array.dtype))
    in_channels, per_group, kh, kw = w.shape
    groups = check_groups(groups, in_channels, in_channels)
    stride, padding, output_padding, dilation = transpose_params(
        stride, padding, output_padding, dilation)
    # bound the rearranged weight (one window per phase, at most
    # dilated_k // s + 2 taps wide) before any table of its size exists
    windows = [(d * (k - 1) + 1) // s + 2 for k, s, d in zip((kh, kw), stride, dilation)]
    v.check_output_pixels((in_channels * per_group * stride[0] * stride[1], *windows),
                          what="rearranged weight")
    # dilate the kernel: taps `dilation` apart, zeros between
    dilated = np.zeros((in_channels, per_group, dilation[0] * (kh - 1) + 1,
                        dilation[1] * (kw - 1) + 1), w.dtype)
    dilated[:, :, ::dilation[0], ::dilation[1]] = w
    (u_h, tab_h), (u_w, tab_w) = (_phase_taps(n, s, p) for n, s, p in
                                  zip(dilated.shape[2:], stride, padding))
    # index -1 reads the appended zero row / column
    padded = np.pad(dilated, ((0, 0), (0, 0), (0, 1), (0, 1)))
    taps = padded[:, :, tab_h[:, :, None, None], tab_w[None, None, :, :]]
    # (C_in, C_out/g, sh, Th, sw, Tw) -> (g, C_out/g, sh, sw, C_in/g, Th, Tw)
    sh, th, sw, tw = taps.shape[2:]
    taps = taps.reshape(groups, in_channels // groups, per_group, sh, th, sw, tw)
    conv_weight = taps.transpose(0, 2, 3, 5, 1, 4, 6).reshape(
        groups * per_group * sh * sw, in_channels // groups, th, tw)
    return SubpixelConv(
        weight=np.ascontiguousarray(conv_weight), offset=(u_h, u_w),
        windows=(_phase_windows(tab_h, dilation[0]), _phase_windows(tab_w, dilation[1])),
        groups=groups, in_channels=in_channels, out_channels=per_group * groups,
        kernel_size=(kh, kw), stride=stride, padding=padding,
        output_padding=output_padding, dilation=dilation)
