"""Convolution and transposed convolution with PyTorch semantics: the
public functions, their argument checks and the choice of method.

``conv2d`` is GEMMs over the kernel taps on channels-last pixels (im2col +
GEMM on planes for few channels), or Winograd for the 3x3 and 2x2 layers it
suits; ``conv_transpose2d`` is GEMM + col2im (the gradient of conv2d with
respect to its input) or one of its two rewrites as ordinary convolutions.
The methods themselves are in ``imgconv/_conv_methods.py``, the shape
arithmetic in ``imgconv/_conv_geometry.py``.

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
from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from . import _validate as v
from ._conv_geometry import (
    as_batch,
    check_bias,
    check_groups,
    check_in_channels,
    check_weight,
    conv_geometry,
    transpose_geometry,
    transpose_params,
)
from ._conv_methods import (
    CHANNELS_LAST_MIN_CHANNELS,
    auto_conv2d_method,
    run_conv2d,
    run_space_to_batch,
    run_subpixel,
    run_transpose_gemm,
    run_zero_insert,
    winograd_fits,
)
from .kernels import SubpixelConv, kernel_padding

if TYPE_CHECKING:
    from ._typing import Array, ArrayLike, Pair


__all__ = ["conv2d", "conv_transpose2d"]

#: Methods of conv2d and of conv_transpose2d; see their docstrings.
CONV_METHODS = ("auto", "gemm", "winograd", "space_to_batch")
TRANSPOSE_METHODS = ("auto", "gemm", "subpixel", "zero_insert")

def _checked_out(out, shape, dtype, batched, inputs):
    """The caller's ``out`` (checked before anything is written) as a 4-D
    view, or None. The kernels write C-contiguous arrays."""
    out = v.check_out(out, shape if batched else shape[1:], dtype, inputs)
    return out if out is None or batched else out[None]


def _check_method_fits(method, geo, groups):
    if method == "space_to_batch" and geo.stride != (1, 1):
        raise ValueError(
            f"method='space_to_batch' needs stride 1, got stride={geo.stride}; use "
            "method='gemm'"
        )
    if method == "winograd" and not winograd_fits(geo, groups):
        raise ValueError(
            f"method='winograd' computes 3x3 or 2x2 kernels per stride phase (a kernel of "
            f"ceil(k/stride) = 3 or 2 taps per axis; with a stride, dilation 1 and groups=1), "
            f"got a {geo.kernel[0]}x{geo.kernel[1]} kernel with stride={geo.stride}, "
            f"dilation={geo.dilation}, groups={groups}; use method='gemm'"
        )


def conv2d(input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None,
           stride: Pair = 1, padding: Pair | Literal["same", "valid"] = 0, dilation: Pair = 1,
           groups: int = 1, *,
           method: Literal["auto", "gemm", "winograd", "space_to_batch"] = "auto",
           n_threads: int | None = None, max_pixels: int | None = None,
           out: Array | None = None) -> Array:
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
        'gemm' multiplies the weight by the input exactly: with at least 8
        channels per group (and for a stride, dilation 1 and one group) on
        channels-last pixels, one GEMM per kernel tap reading the padded
        input in place; otherwise by im2col (gathering the dilated receptive
        fields) and one GEMM. 'winograd' computes each 2x2 block of outputs
        of a 3x3 kernel (stride 1, any dilation) with Winograd's F(2x2, 3x3),
        16 products per block and channel pair instead of 36, and each 3x3
        block of a 2x2 kernel with F(3x3, 2x2), 16 instead of 36; a strided
        kernel with 3x3 or 2x2 taps per stride phase (4x4 or 3x3 with
        stride 2, dilation 1, one group) is such a kernel on the input's
        space_to_depth by the stride. 'space_to_batch' (stride 1) computes a
        dilated conv as ``space_to_batch`` -> ordinary conv ->
        ``batch_to_space``, as TensorFlow's ``atrous_conv2d``. 'auto' runs
        'winograd' where it applies with at least 16 input channels per
        group (8 outputs), else 'gemm': the fastest measured. All agree to
        float rounding (Winograd's transforms add a few units of rounding,
        ~3e-7 relative in float32).
    n_threads : int, optional
        Threads to use: None for all cores, negative to count from the end.
        The result does not depend on it.
    max_pixels : int, optional
        Bound on the output's pixels (``H_out * W_out``), checked before
        anything is allocated; default ``IMGCONV_MAX_PIXELS`` or 178956970.
    out : ndarray, optional
        Where to write the result: a writeable, C-contiguous array of exactly
        the result's shape and dtype that shares no memory with the inputs.
        It is checked before anything is written (ValueError or TypeError
        otherwise), filled and returned.

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
    v.check_choice(method, "method", CONV_METHODS)
    x, batched = as_batch(input)
    dtype = v.float_dtype_for(x.dtype)
    w = check_weight(weight, dtype)
    out_channels, per_group = w.shape[:2]
    groups = check_groups(groups, x.shape[1], out_channels)
    check_in_channels(w.shape, per_group * groups, x.shape[1], f"input of shape {np.shape(input)}",
                      f" (C_in/groups={per_group}, groups={groups})")
    b = check_bias(bias, out_channels, dtype)
    geo = conv_geometry(x.shape[2], x.shape[3], w.shape[2:], stride, padding, dilation)
    v.check_output_pixels(geo.out_size, max_pixels)
    if method == "auto":
        method = auto_conv2d_method(w, geo, groups)
    _check_method_fits(method, geo, groups)
    target = _checked_out(out, (x.shape[0], out_channels, *geo.out_size), dtype, batched,
                          (input, weight, bias))
    x = v.as_compute_array(x, dtype)
    if method == "space_to_batch":
        result = run_space_to_batch(x, w, b, geo, groups, n_threads, max_pixels, target)
    else:
        result = run_conv2d(x, w, b, geo, groups, n_threads, max_pixels, target, method=method)
    return out if out is not None else result if batched else result[0]


def _auto_transpose_method(geo, w_shape, groups):
    """The method 'auto' runs, by the rule the measurements support
    (bench/bench_conv.py, bench/bench_resize.py): with stride 1
    'zero_insert' inserts nothing and is one plain conv2d, the fastest; with
    a stride, kernel padding on channels-last pixels where the channels
    allow (one stride-1 convolution per output phase, each written straight
    into its interleaved positions), else GEMM + col2im, which does the
    least arithmetic and data movement on planes (input padding multiplies
    by zeros)."""
    if geo.stride == (1, 1):
        return "zero_insert"
    if min(w_shape[0] // groups, w_shape[1]) >= CHANNELS_LAST_MIN_CHANNELS:
        return "subpixel"
    return "gemm"


def _subpixel_arguments(sub, stride, padding, output_padding, groups, dilation, method):
    """Check that the arguments given with a SubpixelConv weight agree with it:
    each must be left at its default or equal the value it was built with."""
    if method not in ("auto", "subpixel"):
        raise ValueError(
            f"a SubpixelConv weight runs with method 'subpixel' (or 'auto'), got "
            f"method={method!r}"
        )
    given = dict(zip(("stride", "padding", "output_padding", "dilation"),
                     transpose_params(stride, padding, output_padding, dilation)))
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


def conv_transpose2d(input: ArrayLike, weight: ArrayLike | SubpixelConv,
                     bias: ArrayLike | None = None, stride: Pair = 1, padding: Pair = 0,
                     output_padding: Pair = 0, groups: int = 1, dilation: Pair = 1, *,
                     method: Literal["auto", "gemm", "subpixel", "zero_insert"] = "auto",
                     n_threads: int | None = None, max_pixels: int | None = None,
                     out: Array | None = None) -> Array:
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
        ordinary conv2d with ``C_out*sh*sw`` outputs, then depth_to_space;
        with at least 8 channels per group, one convolution per output phase
        on channels-last pixels, each writing straight into its interleaved
        positions. 'zero_insert': input padding, insert ``stride - 1`` zeros
        between the input pixels and run an ordinary conv2d with the flipped
        kernel. 'auto' picks the fastest for the shape: 'zero_insert' for
        stride 1 (then a plain conv2d, nothing inserted), with a stride
        'subpixel' where the channels allow and 'gemm' otherwise; and, as
        conv2d's 'auto', it lets those convolutions run Winograd's F(2x2, 3x3)
        or F(3x3, 2x2) where they have 3x3 or 2x2 taps and 16 input channels
        per group (a few more units of rounding; the named methods multiply
        exactly).
    n_threads, max_pixels : int, optional
        As in :func:`conv2d`.
    out : ndarray, optional
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
    v.check_choice(method, "method", TRANSPOSE_METHODS)
    x, batched = as_batch(input)
    dtype = v.float_dtype_for(x.dtype)
    sub = weight if isinstance(weight, SubpixelConv) else None
    if sub is not None:
        _subpixel_arguments(sub, stride, padding, output_padding, groups, dilation, method)
        stride, padding, groups = sub.stride, sub.padding, sub.groups
        output_padding, dilation = sub.output_padding, sub.dilation
        w_shape = (sub.in_channels, sub.out_channels // groups, *sub.kernel_size)
    else:
        w = check_weight(weight, dtype)
        w_shape = w.shape
    in_channels = w_shape[0]
    check_in_channels(w_shape, in_channels, x.shape[1], f"input of shape {np.shape(input)}")
    groups = check_groups(groups, in_channels, in_channels)
    b = check_bias(bias, w_shape[1] * groups, dtype)
    geo = transpose_geometry(x.shape[2], x.shape[3], w_shape[2:], stride, padding,
                             output_padding, dilation)
    v.check_output_pixels(geo.size, max_pixels)
    target = _checked_out(out, (x.shape[0], w_shape[1] * groups, *geo.size), dtype, batched,
                          (input, weight if sub is None else sub.weight, bias))
    x = v.as_compute_array(x, dtype)
    auto = method == "auto"
    if sub is not None:
        method = "subpixel"
    elif auto:
        method = _auto_transpose_method(geo, w_shape, groups)
    # 'auto' lets the convolutions it runs take Winograd, as conv2d's does
    inner = "auto" if auto else "gemm"
    if method == "gemm":
        result = run_transpose_gemm(x, w, b, geo, groups, n_threads, max_pixels, target)
    elif method == "zero_insert":
        result = run_zero_insert(x, w, b, geo, groups, n_threads, max_pixels, target,
                                 method=inner)
    else:
        if sub is None:
            sub = kernel_padding(w, geo.stride, geo.pad_begin, output_padding, geo.dilation,
                                 groups)
        result = run_subpixel(x, sub, b, n_threads, max_pixels, target, method=inner)
    return out if out is not None else result if batched else result[0]
