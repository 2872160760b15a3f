"""``interpolate``: PyTorch's ``torch.nn.functional.interpolate`` on NumPy and Dask arrays.

Tensor vocabulary (``input`` is ``(N, C, ...)``), torch's arguments and
semantics, torch's pixels: the tables are PyTorch's own, computed in its
compute type with its rounding (:mod:`imgconv._torch`), run by imgconv's
resampling engine (:mod:`imgconv._plan`).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from . import _resample, _torch
from . import _validate as v
from ._threads import effective_n_threads
from .dask import execute_lazy, is_dask_array

if TYPE_CHECKING:
    from ._typing import Image, ImageOut, NDArray, Scales, Sizes


__all__ = ["interpolate"]


def interpolate(input: Image, size: Sizes | None = None, scale_factor: Scales | None = None,
                mode: Literal["nearest", "nearest-exact", "linear", "bilinear", "bicubic",
                              "trilinear", "area", "lanczos"] = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False, *, n_threads: int | None = None,
                max_pixels: int | None = None, out: NDArray[Any] | None = None) -> ImageOut:
    """Resize a batch of images or volumes as ``torch.nn.functional.interpolate``.

    Parameters
    ----------
    input : array_like or dask.array.Array, shape (N, C, W), (N, C, H, W) or (N, C, D, H, W)
        float32, float64 or uint8 (uint8 for the modes PyTorch takes it
        with: nearest, nearest-exact, bilinear, bicubic, lanczos).
    size : int or sequence of int, optional
        Output spatial size. Exactly one of ``size`` and ``scale_factor``.
    scale_factor : float or sequence of float, optional
        Multiplier of the spatial size: ``trunc(n * scale_factor)`` pixels;
        the kernel uses the factor itself for its coordinates (giving other
        pixels than ``size`` for non-integer ratios), unless
        ``recompute_scale_factor`` is true or the mode is 'area'.
    mode : {'nearest', 'nearest-exact', 'linear', 'bilinear', 'bicubic', 'trilinear', 'area', 'lanczos'}
        As torch: 'linear' takes 3-D input, 'bilinear', 'bicubic' and
        'lanczos' 4-D, 'trilinear' 5-D; 'nearest' is torch's
        ``floor(o * n / m)`` (not pixel-centred), 'nearest-exact' the
        centred one; 'bicubic' uses a = -0.75 and edge replication; 'area'
        is adaptive average pooling.
    align_corners : bool, optional
        For the interpolating modes (default False); an error for the others.
    recompute_scale_factor : bool, optional
        Recompute the kernel's scale from the output size (only with
        ``scale_factor``).
    antialias : bool, optional
        For 'bilinear', 'bicubic' and 'lanczos' (which requires it) on 4-D
        input: when shrinking, the filter's support widens with the shrink
        factor (Pillow's algorithm, torch's arithmetic).
    n_threads : int, optional
        Threads to use (None: all cores); the result does not depend on it.
    max_pixels : int, optional
        Bound on the output's spatial pixels, checked before allocating.
    out : ndarray, optional
        Where to write the result (exactly its shape and dtype, C-contiguous,
        writeable, apart from ``input``; checked before anything is written);
        returned. Not for dask arrays.

    Returns
    -------
    ndarray or dask.array.Array
        ``(N, C, *size)``, the input's dtype. float32 within 1e-6 and float64
        within 1e-12 of torch; nearest modes and uint8 bit for bit.

    Raises
    ------
    ValueError, TypeError
        Where torch raises (an invalid combination of arguments, a dtype a
        mode does not take), naming the argument.

    Examples
    --------
    >>> import numpy as np
    >>> from imgconv import interpolate
    >>> x = np.arange(8, dtype=np.float32).reshape(1, 1, 2, 4)
    >>> interpolate(x, scale_factor=2, mode="bilinear")[0, 0, 0]
    array([0.  , 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3.  ], dtype=float32)
    >>> interpolate(x, size=(1, 2), mode="nearest")[0, 0]
    array([[0., 2.]], dtype=float32)
    """  # noqa: E501 - numpydoc wants the vocabulary of 'mode' on one line
    lazy = is_dask_array(input)
    if is_dask_array(input):
        v.check_array(input._meta, "input")
        shape, dtype = input.shape, input.dtype.newbyteorder("=")
    else:
        input = v.as_native(v.check_array(input, "input"))
        shape, dtype = input.shape, input.dtype
    request = _torch.check_interpolate(shape, dtype, size, scale_factor, mode, align_corners,
                                       recompute_scale_factor, antialias)
    v.check_output_pixels(request.out_shape[2:], max_pixels)
    if out is not None and lazy:
        raise TypeError("out= takes NumPy results; for a dask array store the lazy result "
                        "instead (dask.array.store(result, target))")
    v.check_out(out, request.out_shape, dtype, (input,))
    if 0 in request.out_shape:
        return out if out is not None else np.empty(request.out_shape, dtype)
    channels_last = not lazy and _is_channels_last(input)
    passes = _torch.interpolate_passes(request, channels_last=channels_last)
    plan = _torch.torch_plan(request, passes)
    if lazy:
        return execute_lazy(plan, input, 1 if n_threads is None else
                            effective_n_threads(n_threads))
    return _resample.execute(plan, input, out=out, n_threads=effective_n_threads(n_threads))


def _is_channels_last(array):
    """Whether an (N, C, ...) array's memory is channels-last (torch's
    ``channels_last`` layout), which chooses torch's nearest kernel."""
    if array.ndim < 4 or array.flags.c_contiguous:
        return False
    return np.moveaxis(array, 1, -1).flags.c_contiguous and math.prod(array.shape[2:]) > 1
