"""Image resampling with scikit-image's conventions: ``upscale``, ``resize``, ``rescale``.

The three functions give the pixels of ``skimage.transform.resize`` and
``rescale``: any number of dimensions (1-D signals, images, volumes,
stacks), channels at any axis, spline orders 0 to 5, the five border modes,
anti-aliasing, clipping and scikit-image's dtype rules. ``upscale`` is the
integer-factor case, which for orders 0 and 1 can also run as a transposed
convolution (see :mod:`imgconv.kernels`).

Each call is validated here, then turned into a plan (:mod:`imgconv._plan`:
one tap table per resampled axis, the order of the passes, the clip and
dtype rules), which the NumPy executor (:mod:`imgconv._resample`) or, for
a Dask array, the Dask executor (:mod:`imgconv.dask`) carries out.
``docs/algorithms.rst`` derives the formulas.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from . import _pillow, _plan, _resample
from . import _validate as v
from ._threads import effective_n_threads
from .dask import execute_lazy, is_dask_array

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._typing import Image, ImageOut, NDArray, PadMode, Scales, Sizes


__all__ = ["upscale", "resize", "rescale"]

#: Values of ``method`` for :func:`upscale`.
UPSCALE_METHODS = ("auto", "polyphase", "gemm", "subpixel", "zero_insert")

#: Spline orders: 0 nearest, 1 linear, 2-5 B-splines.
MAX_ORDER = 5


class _Request:
    """The validated arguments of one resampling call, common to the three
    functions. ``meta`` is an ndarray with the image's shape and (native)
    dtype that holds no data, for Dask arrays as for NumPy ones."""

    def __init__(self, image, channel_axis, order, mode, cval, clip, preserve_range,
                 preserve_dtype, n_threads):
        if is_dask_array(image):
            v.check_array(image._meta, "image")          # a masked dask array is refused too
            meta = np.broadcast_to(np.zeros((), image.dtype.newbyteorder("=")), image.shape)
        else:
            image = v.as_native(v.check_array(image, "image"))
            meta = image
        if meta.ndim == 0:
            raise ValueError("image must have at least one dimension, got a 0-d array")
        self.axis = v.check_channel_axis(channel_axis, meta.ndim)
        if 0 in meta.shape:
            raise ValueError(f"image must not have empty dimensions, got shape {meta.shape}")
        self.image, self.meta = image, meta
        self.order = _check_order(order, meta.dtype)
        self.code = v.check_pad_mode(mode)
        self.mode = mode
        self.cval = v.check_float(cval, "cval", finite=False)
        self.clip = v.check_bool(clip, "clip")
        self.preserve_range = v.check_bool(preserve_range, "preserve_range")
        self.preserve_dtype = v.check_bool(preserve_dtype, "preserve_dtype")
        if (self.preserve_dtype and meta.dtype.kind in "biu" and self.mode == "constant"
                and not np.isfinite(self.cval)):
            raise ValueError(
                f"cval must be finite for an integer result (preserve_dtype=True on a "
                f"{meta.dtype} image), got {self.cval}")
        self.lazy = is_dask_array(image)
        # dask runs the chunks in parallel: one thread each unless told
        self.n_threads = (1 if n_threads is None else effective_n_threads(n_threads)) \
            if self.lazy else effective_n_threads(n_threads)

    @property
    def spatial(self):
        """The axes that are resampled (all but the channel axis)."""
        return tuple(a for a in range(self.meta.ndim) if a != self.axis)

    def run(self, out_shape, requested, anti_aliasing=None, anti_aliasing_sigma=None,
            max_pixels=None, out=None):
        """Resize to ``out_shape`` (full, ints); ``requested``: the sizes asked
        for (floats allowed), from which the default anti-aliasing comes."""
        v.check_output_pixels([s for a, s in enumerate(out_shape) if a != self.axis],
                              max_pixels)
        sigmas = self.sigmas(out_shape, requested, anti_aliasing, anti_aliasing_sigma)
        image, meta = self.image, self.meta
        if len(out_shape) > meta.ndim:       # scikit-image appends size-1 axes
            extra = (1,) * (len(out_shape) - meta.ndim)
            image = image.reshape(image.shape + extra)
            meta = np.broadcast_to(meta[(...,) + (None,) * len(extra)], meta.shape + extra)
        plan = _plan.resample_plan(
            meta.shape, meta.dtype, tuple(out_shape), order=self.order, code=self.code,
            mode=self.mode, cval=self.cval, clip=self.clip,
            preserve_range=self.preserve_range or self.preserve_dtype,
            preserve_dtype=self.preserve_dtype, sigmas=sigmas, channel_axis=self.axis)
        self.check_out(out, plan.out_shape, plan.result_dtype)
        return self.execute(plan, image, out)

    def run_pillow(self, out_shape, filter, box, premultiply_alpha, max_pixels, out=None):
        """Resize to ``out_shape`` by Pillow's rule for ``filter``."""
        v.check_output_pixels([s for a, s in enumerate(out_shape) if a != self.axis],
                              max_pixels)
        spatial = [a for a in range(len(out_shape)) if a != self.axis]
        if len(out_shape) != self.meta.ndim:
            raise ValueError(
                f"filter={filter!r} resizes the image's own axes: output_shape must not add "
                f"axes to an image of shape {self.meta.shape}, got {out_shape}")
        boxes = _check_box(box, [self.meta.shape[a] for a in spatial])
        premultiply_alpha = v.check_bool(premultiply_alpha, "premultiply_alpha")
        dtype = self.meta.dtype
        if premultiply_alpha and not (dtype == np.uint8 and self.preserve_dtype
                                      and self.axis is not None
                                      and self.meta.shape[self.axis] in (2, 4)):
            raise ValueError(
                "premultiply_alpha=True is Pillow's rule for 'RGBA' and 'LA' images: it needs "
                "a uint8 image with preserve_dtype=True and 2 or 4 channels at channel_axis, "
                f"got dtype {dtype}, shape {self.meta.shape} and channel_axis={self.axis}")
        rule = _pillow.pillow_plan(self.meta.shape, dtype, out_shape, spatial, filter, boxes,
                                   preserve_dtype=self.preserve_dtype,
                                   preserve_range=self.preserve_range)
        result_dtype = dtype if self.preserve_dtype else v.image_to_float(
            np.zeros((), dtype), self.preserve_range).dtype
        if rule.plan is not None:
            result_dtype = rule.plan.result_dtype
        self.check_out(out, out_shape, result_dtype)
        image = self.image
        premultiply = premultiply_alpha and rule.premultiply
        if premultiply:
            image = _map(image, _pillow.premultiply_alpha, self.axis)
        if rule.crop is not None:
            region = tuple(slice(c, c + out_shape[a]) for a, c in zip(spatial, rule.crop))
            index = [slice(None)] * len(out_shape)
            for a, r in zip(spatial, region):
                index[a] = r
            result = image[tuple(index)]
            if not self.preserve_dtype:
                result = _map(result, v.image_to_float, self.preserve_range)
            result = result.copy()
        else:
            for a in rule.zero_pad:
                pad = [(0, 0)] * len(out_shape)
                pad[a] = (0, 1)
                image = _pad_zero(image, pad)
            result = self.execute(rule.plan, image, None if premultiply else out)
        if premultiply:
            result = _map(result, _pillow.unpremultiply_alpha, self.axis)
        return _into(out, result)

    def check_out(self, out, shape, dtype):
        """A caller's ``out`` checked against the result, before anything runs."""
        if out is not None and self.lazy:
            raise TypeError(
                "out= takes NumPy results; for a dask array store the lazy result instead "
                "(dask.array.store(result, target))")
        return v.check_out(out, shape, dtype, (self.image,))

    def execute(self, plan, image, out=None):
        if self.lazy:
            return execute_lazy(plan, image, self.n_threads)
        return _resample.execute(plan, image, out=out, n_threads=self.n_threads)

    def sigmas(self, out_shape, requested, anti_aliasing, anti_aliasing_sigma):
        """Gaussian sigma per axis (0: no filter), by scikit-image's rules; the
        channel axis is never filtered."""
        dtype = self.meta.dtype
        ndim = len(out_shape)
        spatial = [a for a in range(ndim) if a != self.axis]
        given = _check_sigma(anti_aliasing_sigma, len(self.spatial))  # checked even unused
        shape = self.meta.shape + (1,) * (ndim - self.meta.ndim)
        if anti_aliasing is None:
            anti_aliasing = (dtype.kind != "b" and not (dtype.kind in "iu" and self.order == 0)
                             and any(requested[a] < shape[a] for a in range(ndim)))
        elif v.check_bool(anti_aliasing, "anti_aliasing") and dtype.kind == "b":
            raise ValueError("anti_aliasing must be False for bool images")
        if not anti_aliasing:
            return (0.0,) * ndim
        factors = [shape[a] / requested[a] for a in range(ndim)]
        sigmas = [0.0] * ndim
        if given is None:                                # scikit-image's default
            for a in spatial:
                sigmas[a] = max(0.0, (factors[a] - 1) / 2)
        else:
            if len(given) == 1:
                given = given * len(spatial)
            elif len(given) < len(spatial):              # appended axes: not filtered
                given = given + (0.0,) * (len(spatial) - len(given))
            for a, s in zip(spatial, given):
                sigmas[a] = s
            if any(sigmas[a] > 0 and factors[a] <= 1 for a in spatial):
                v.warn_caller("Anti-aliasing standard deviation greater than zero but not "
                              "down-sampling along all axes")
        # scipy.ndimage's gaussian_filter skips the axes with sigma <= 1e-15
        return tuple(s if s > 1e-15 else 0.0 for s in sigmas)

    def full_shape(self, spatial_sizes):
        """A full output shape from one size per spatial axis (channels kept)."""
        shape = list(self.meta.shape)
        for a, size in zip(self.spatial, spatial_sizes):
            shape[a] = size
        return tuple(shape)


def _into(out, result):
    """``result``, or ``out`` holding it."""
    if out is None or result is out:
        return result
    np.copyto(out, result)
    return out


def _map(image, fn, *args):
    """``fn(image, *args)``, block by block for a dask array."""
    if is_dask_array(image):
        meta = fn(np.zeros((1,) * image.ndim, image.dtype), *args)
        return image.map_blocks(fn, *args, dtype=meta.dtype)
    return fn(image, *args)


def _pad_zero(image, pad):
    if is_dask_array(image):
        import dask.array as da

        return da.pad(image, pad, mode="constant")
    return np.pad(image, pad, mode="constant")


def _check_box(box, sizes):
    """A source region per spatial axis, ``((start, stop), ...)``, or None."""
    if box is None:
        return None
    if not v.is_sequence(box) or len(box) != len(sizes) or not all(
            v.is_sequence(b) and len(b) == 2 for b in box):
        raise ValueError(
            f"box must give (start, stop) for each of the {len(sizes)} spatial axes, "
            f"got {v._describe(box)}")
    checked = []
    for (start, stop), n, k in zip(box, sizes, range(len(sizes))):
        start = v.check_float(start, "box")
        stop = v.check_float(stop, "box")
        if not 0 <= start <= stop <= n:
            raise ValueError(
                f"box must lie within the image: 0 <= start <= stop <= {n} on spatial axis "
                f"{k}, got ({start}, {stop})")
        checked.append((start, stop))
    return tuple(checked)


def _check_order(order, dtype):
    """scikit-image's rule: None is 0 for bool images, else 1; 0-5 accepted,
    bool images only with 0."""
    if order is None:
        return 0 if dtype.kind == "b" else 1
    order = v.check_int(order, "order")
    if not 0 <= order <= MAX_ORDER:
        raise ValueError(
            f"order must be 0 (nearest), 1 (linear) or 2-5 (B-splines), got {order}")
    if dtype.kind == "b" and order != 0:
        raise ValueError(
            f"order={order} is not defined for a bool image: use order=0, or cast the "
            "image to another dtype")
    return order


def _check_sigma(sigma, n_spatial):
    """A given anti_aliasing_sigma as a tuple (one value, or one per spatial
    axis); None stays None."""
    if sigma is None:
        return None
    if v.is_sequence(sigma):
        if len(sigma) not in (1, n_spatial):
            raise ValueError(
                f"anti_aliasing_sigma must be a number or one per spatial axis "
                f"({n_spatial}), got {sigma!r}")
        sigmas = tuple(v.check_float(s, "anti_aliasing_sigma") for s in sigma)
    else:
        sigmas = (v.check_float(sigma, "anti_aliasing_sigma"),)
    if any(s < 0 for s in sigmas):
        raise ValueError(f"anti_aliasing_sigma must be >= 0, got {sigma!r}")
    return sigmas


def _zoomed_size(n, requested):
    """The size scipy.ndimage.zoom makes of an axis of ``n`` asked to become
    ``requested`` (a float): ``round(n * (1 / (n / requested)))``, half to even."""
    return int(round(n * (1 / (n / requested))))


def _check_output_shape(output_shape, req):
    """(full output shape, the sizes asked for) of ``resize``: scikit-image's
    rules with ``channel_axis=None`` (one entry fewer keeps the last axis,
    more entries append size-1 axes); with a channel axis, the spatial sizes
    or the full shape with the channel count unchanged."""
    if not v.is_sequence(output_shape):
        raise TypeError(
            f"output_shape must be a sequence of numbers, got {v._describe(output_shape)}")
    requested = [v.check_float(s, "output_shape", min_value=0, exclusive_min=True)
                 for s in output_shape]
    shape, ndim = req.meta.shape, req.meta.ndim
    if req.axis is None:
        if len(requested) == ndim - 1:
            requested.append(float(shape[-1]))          # the channels are kept
        elif len(requested) < ndim - 1:
            raise ValueError(
                f"output_shape must have at least {ndim - 1} entries for an image of shape "
                f"{shape}, got {tuple(output_shape)!r}")
    elif len(requested) == ndim - 1:
        requested.insert(req.axis, float(shape[req.axis]))
    elif len(requested) == ndim:
        if requested[req.axis] != shape[req.axis]:
            raise ValueError(
                f"output_shape {tuple(output_shape)!r} changes the number of channels "
                f"({shape[req.axis]} at axis {req.axis}); resizing across channels is not "
                "supported")
    else:
        raise ValueError(
            f"output_shape must be the spatial sizes ({ndim - 1}) or the full shape of the "
            f"image {shape}, got {tuple(output_shape)!r}")
    in_shape = shape + (1,) * (len(requested) - ndim)
    out_shape = tuple(_zoomed_size(n, r) if r != n else n
                      for n, r in zip(in_shape, requested))
    for r, m in zip(requested, out_shape):
        if m < 1:
            raise ValueError(f"output_shape entry {r} gives no pixel; sizes must round to >= 1")
    return out_shape, requested


# ------------------------------------------------------------ public API ---

def _upscale_conv(req, factor, method):
    """upscale through the convolution engine: the transposed convolution of
    each channel with the bilinear (input extended by one pixel per side in
    the mode, output cropped by the factor) or the nearest kernel."""
    from .conv import conv_transpose2d
    from .kernels import bilinear_kernel, nearest_kernel

    if req.lazy or req.meta.ndim - (req.axis is not None) != 2 or req.order > 1:
        raise ValueError(
            f"method={method!r} runs the transposed convolution of 2-D NumPy images: the image "
            f"must be 2-D (with or without channels) and the order 0 or 1, got shape "
            f"{req.meta.shape} and order {req.order}; method='auto' takes every order, "
            "dimension and Dask arrays")
    image, dtype = req.image, req.meta.dtype
    if req.order == 1:
        image = v.image_to_float(image, req.preserve_range or req.preserve_dtype)
    compute = v.float_dtype_for(image.dtype)
    image = image.astype(compute, copy=False)
    x = image[None] if req.axis is None else np.moveaxis(image, req.axis, 0)
    channels = x.shape[0]
    if req.order == 0:
        out = conv_transpose2d(x, nearest_kernel(factor, channels=channels), stride=factor,
                               groups=channels, method=method, n_threads=req.n_threads)
        out = out.astype(np.float32 if dtype == np.float16 else dtype)
    else:
        pad_mode = {"constant": dict(mode="constant", constant_values=req.cval)}.get(
            req.mode, dict(mode=req.mode))
        padded = np.pad(x, ((0, 0), (1, 1), (1, 1)), **pad_mode)
        out = conv_transpose2d(padded, bilinear_kernel(factor, channels=channels),
                               stride=factor, padding=(factor[0] // 2, factor[1] // 2),
                               groups=channels, method=method, n_threads=req.n_threads)
        out = out[:, factor[0]:-factor[0], factor[1]:-factor[1]]
    out = out[0] if req.axis is None else np.ascontiguousarray(np.moveaxis(out, 0, req.axis))
    if req.order == 1 and req.clip:
        _resample.clip_late(out, _resample.input_range(image), req.mode, req.cval, image.dtype)
    if req.preserve_dtype and dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.clip(np.rint(out), info.min, info.max).astype(dtype)
    return out.astype(dtype) if req.preserve_dtype else out


def upscale(image: Image, factor: Sizes, *, order: int | None = None, mode: PadMode = "reflect",
            cval: float = 0.0, clip: bool = True, channel_axis: int | None = None,
            preserve_range: bool = False, preserve_dtype: bool = False,
            method: Literal["auto", "polyphase", "gemm", "subpixel", "zero_insert"] = "auto",
            n_threads: int | None = None, max_pixels: int | None = None,
            out: NDArray[Any] | None = None) -> ImageOut:
    """Enlarge an image by integer factors, as a transposed convolution.

    The result equals ``skimage.transform.rescale(image, factor, order=order,
    mode=mode, cval=cval, clip=clip, preserve_range=preserve_range,
    channel_axis=channel_axis)``, for any number of dimensions: each axis is
    upsampled by a transposed convolution with stride ``factor`` and a fixed
    kernel (nearest: ``np.repeat``; linear: the bilinear kernel
    :func:`imgconv.bilinear_kernel`; orders 2-5: the B-spline, after
    scikit-image's spline prefilter).

    Parameters
    ----------
    image : array_like or dask.array.Array
        Any number of dimensions (a 1-D signal, an image, a volume, a stack
        of frames), with channels at ``channel_axis`` if any. Any real or
        bool dtype.
    factor : int or sequence of int
        Integer factor, at least 1, or one per spatial axis; each spatial
        axis of ``n`` pixels becomes ``factor * n``.
    order : {None, 0, 1, 2, 3, 4, 5}, optional
        0: nearest neighbour (pixels repeated, dtype kept), 1: linear,
        2-5: B-spline. None (default): 0 for bool images, else 1
        (scikit-image's rule).
    mode : {'reflect', 'edge', 'symmetric', 'wrap', 'constant'}, optional
        How the image extends past its border (numpy.pad names, as
        scikit-image.transform).
    cval : float, optional
        Value outside the image in mode 'constant'.
    clip : bool, optional
        Clip the result to the input's range (widened to cval only where
        scikit-image does), as scikit-image.
    channel_axis : int, optional
        Axis of the channels; they are not resampled. None: every axis is
        spatial.
    preserve_range : bool, optional
        Keep the values of an integer image instead of scaling them to
        [0, 1] (orders >= 1), as scikit-image.
    preserve_dtype : bool, optional
        Return the input's dtype: an integer image (a uint8 or uint16 photo)
        is computed in its own units (as ``preserve_range=True``; cval too)
        and rounded half to even, then clipped to its type's range. uint8
        and uint16 are read and written by the compiled kernels, no float
        image on the way.
    method : {'auto', 'polyphase', 'gemm', 'subpixel', 'zero_insert'}, optional
        'polyphase' (what 'auto' runs): the fused separable kernels.
        'gemm', 'subpixel', 'zero_insert' (orders 0 and 1 of 2-D images):
        the transposed convolution through :func:`imgconv.conv_transpose2d`
        with that method, one channel per group. All give the same pixels up
        to float rounding.
    n_threads : int, optional
        Threads to use: None for all cores, negative to count from the end.
        The result does not depend on it.
    max_pixels : int, optional
        Bound on the output's spatial pixels (default: ``IMGCONV_MAX_PIXELS``
        or 178,956,970), checked before anything is allocated.
    out : ndarray, optional
        Where to write the result: an array of exactly the result's shape and
        dtype, C-contiguous, writeable and apart from ``image`` (checked before
        anything is written); it is returned. Reusing one saves allocating
        (and page-faulting) a fresh output per call. Not for dask arrays.

    Returns
    -------
    ndarray or dask.array.Array
        Each spatial axis ``factor`` times longer, the channel axis where it
        was. dtype as scikit-image: order 0 keeps the input's (float16 gives
        float32); otherwise float32 for float16/float32 and float64 for the
        rest; ``preserve_dtype=True`` gives the input's.

    See Also
    --------
    resize, rescale

    Examples
    --------
    >>> import numpy as np
    >>> from imgconv import upscale
    >>> row = np.array([[0.0, 4.0, 8.0]])
    >>> upscale(row, (1, 2))                    # mode 'reflect': 4 0 4 8 4
    array([[1., 1., 3., 5., 7., 7.]])
    >>> upscale(row, (1, 2), mode="edge")       # as cv2.resize and torch
    array([[0., 1., 3., 5., 7., 8.]])
    >>> upscale(row, (2, 1), order=0)
    array([[0., 4., 8.],
           [0., 4., 8.]])
    >>> upscale(np.array([0.0, 1.0, 0.0, 0.5]), 2, order=3).round(4)   # a 1-D signal
    array([0.1516, 0.1516, 0.8297, 0.8766, 0.2172, 0.0219, 0.4031, 0.4031])
    >>> photo = np.array([[[0, 100, 255]]], dtype=np.uint8)       # one RGB pixel
    >>> upscale(photo, 2, channel_axis=-1, preserve_dtype=True)[..., 1]
    array([[100, 100],
           [100, 100]], dtype=uint8)
    """
    v.check_choice(method, "method", UPSCALE_METHODS)
    req = _Request(image, channel_axis, order, mode, cval, clip, preserve_range,
                   preserve_dtype, n_threads)
    factors = _check_factors(factor, len(req.spatial))
    out_shape = req.full_shape([f * req.meta.shape[a] for a, f in zip(req.spatial, factors)])
    if method in ("auto", "polyphase"):
        return req.run(out_shape, out_shape, max_pixels=max_pixels, out=out)
    v.check_output_pixels([out_shape[a] for a in req.spatial], max_pixels)
    if out is not None:
        # the result's dtype, as the plan of the same call says
        plan = _plan.resample_plan(
            req.meta.shape, req.meta.dtype, out_shape, order=req.order, code=req.code,
            mode=req.mode, cval=req.cval, clip=req.clip,
            preserve_range=req.preserve_range or req.preserve_dtype,
            preserve_dtype=req.preserve_dtype, sigmas=(0.0,) * len(out_shape),
            channel_axis=req.axis)
        req.check_out(out, out_shape, plan.result_dtype)
    return _into(out, _upscale_conv(req, factors, method))


def _check_factors(factor, n_spatial):
    """An int or one int >= 1 per spatial axis, as a tuple."""
    if v.is_sequence(factor):
        if len(factor) != n_spatial:
            raise ValueError(
                f"factor must be an integer or one per spatial axis ({n_spatial}), got "
                f"{v._describe(factor)}")
        return tuple(v.check_int(f, "factor", min_value=1) for f in factor)
    return (v.check_int(factor, "factor", min_value=1),) * n_spatial


def resize(image: Image, output_shape: Sequence[float], *, order: int | None = None,
           mode: PadMode = "reflect", cval: float = 0.0, clip: bool = True,
           preserve_range: bool = False, anti_aliasing: bool | None = None,
           anti_aliasing_sigma: Scales | None = None, channel_axis: int | None = None,
           preserve_dtype: bool = False,
           filter: Literal["nearest", "box", "bilinear", "hamming", "bicubic", "lanczos"]
           | None = None,
           box: Sequence[tuple[float, float]] | None = None, premultiply_alpha: bool = False,
           n_threads: int | None = None, max_pixels: int | None = None,
           out: NDArray[Any] | None = None) -> ImageOut:
    """Resize an image to any shape: ``skimage.transform.resize``, pixel for pixel.

    Parameters
    ----------
    image : array_like or dask.array.Array
        Any number of dimensions, channels at ``channel_axis`` if any.
    output_shape : sequence of numbers
        With ``channel_axis=None``, scikit-image's rules: one size per axis;
        one entry fewer keeps the last axis (the channels of an RGB image);
        more entries append size-1 axes to the image. With ``channel_axis``:
        the spatial sizes, or the full shape with the channel count
        unchanged. Sizes may be floats (an axis of ``n`` asked to become
        ``s`` gets ``round(n * (1 / (n / s)))`` pixels, as scikit-image).
    order : {None, 0, 1, 2, 3, 4, 5}, optional
        0 nearest, 1 linear, 2-5 B-spline; None: 0 for bool images, else 1.
    mode : {'reflect', 'edge', 'symmetric', 'wrap', 'constant'}, optional
        Border extension (numpy.pad names), for the interpolation, the
        spline prefilter and the anti-aliasing filter alike.
    cval : float, optional
        Value outside the image in mode 'constant'.
    clip : bool, optional
        Clip the result to the input's range, as scikit-image.
    preserve_range : bool, optional
        Keep the values of an integer image (orders >= 1) instead of scaling
        them to [0, 1].
    anti_aliasing : bool, optional
        Gaussian-filter the image before shrinking. None (default): True
        when some axis shrinks, unless the image is bool or an integer image
        resampled with order 0 (scikit-image's rule).
    anti_aliasing_sigma : float or sequence of float, optional
        Standard deviation per spatial axis; default ``max(0, (in/out - 1) / 2)``.
        The filter is scipy.ndimage's, truncated at 4 sigma. (Given as one
        number, scikit-image also filters across the channel axis; imgconv
        never does.)
    channel_axis : int, optional
        Axis of the channels, which are not resampled.
    preserve_dtype : bool, optional
        Return the input's dtype, integers rounded half to even and clipped
        to the type (values and cval in the image's own units); see
        :func:`upscale`.
    filter : {'nearest', 'box', 'bilinear', 'hamming', 'bicubic', 'lanczos'}, optional
        Compute what ``PIL.Image.resize`` computes with that filter instead
        of scikit-image's splines: the support widened by the shrink factor,
        the window clipped at the border and renormalised, Pillow 13's pass
        order. uint8 images with ``preserve_dtype=True`` give Pillow's bytes
        (22-bit fixed point, uint8 between the passes); float32 images
        Pillow's 'F' mode (double sums, float32 between the passes); float64
        the same without that rounding; other images are converted by
        scikit-image's rules first. ``order``, ``mode``, ``cval``,
        ``anti_aliasing`` and ``anti_aliasing_sigma`` belong to the spline
        rule and must be left out; ``clip`` does not apply. Images whose
        two spatial axes change (frames of a stack too) follow Pillow
        exactly; other counts take one pass per axis, the last first.
    box : sequence of (float, float), optional
        With ``filter``: the source region, ``(start, stop)`` per spatial axis
        in pixels (Pillow's ``box`` in rows-then-columns order), resized to
        ``output_shape``.
    premultiply_alpha : bool, optional
        With ``filter``, on a uint8 image of 2 or 4 channels (LA, RGBA; the
        last is alpha) and ``preserve_dtype=True``: premultiply the colours by
        the alpha before resizing and divide after, with Pillow's rounding,
        as Pillow does for its 'RGBA' and 'LA' modes (so that transparent
        pixels do not bleed colour into their neighbours).
    n_threads : int, optional
        Threads to use; the result does not depend on it.
    max_pixels : int, optional
        Bound on the output's spatial pixels, checked before anything is
        allocated.
    out : ndarray, optional
        Where to write the result: an array of exactly the result's shape and
        dtype, C-contiguous, writeable and apart from ``image`` (checked before
        anything is written); it is returned. Reusing one saves allocating
        (and page-faulting) a fresh output per call. Not for dask arrays.

    Returns
    -------
    ndarray or dask.array.Array
        dtype as scikit-image (order 0 keeps it; otherwise float32 for
        float16/float32, else float64), or the input's with ``preserve_dtype``.

    Notes
    -----
    Each resampled axis is one tap table (for orders 0 and 1 the Gaussian is
    composed into it), applied axis by axis; the innermost two axes run
    fused, reading only the input rows and pixels their taps touch. Axes
    whose size does not change cost no pass: NaN does not spread along them,
    so a stack of frames resized along its rows and columns equals each
    frame resized alone (scikit-image reads a zero-weight neighbour there).

    Examples
    --------
    >>> import numpy as np
    >>> from imgconv import resize
    >>> image = np.arange(16.0).reshape(4, 4)
    >>> resize(image, (2, 2))            # anti-aliased, as skimage.transform.resize
    array([[ 3.03621184,  4.8217271 ],
           [10.1782729 , 11.96378816]])
    >>> resize(image, (2, 3), order=0, anti_aliasing=False)
    array([[ 4.,  6.,  7.],
           [12., 14., 15.]])
    >>> volume = np.random.default_rng(0).random((16, 16, 16), dtype=np.float32)
    >>> resize(volume, (32, 24, 8), order=3).shape        # a volume, cubic B-spline
    (32, 24, 8)
    >>> photo = np.arange(48, dtype=np.uint8).reshape(4, 4, 3) * 5
    >>> resize(photo, (2, 2), channel_axis=-1, filter="bicubic", preserve_dtype=True)[..., 0]
    array([[ 44,  71],
           [154, 181]], dtype=uint8)
    """
    if filter is not None:
        _check_pillow_arguments(filter, order, mode, cval, anti_aliasing, anti_aliasing_sigma)
    elif box is not None or premultiply_alpha is not False:
        raise ValueError("box and premultiply_alpha belong to filter=...; give a filter or "
                         "leave them out")
    req = _Request(image, channel_axis, order, mode, cval, clip, preserve_range,
                   preserve_dtype, n_threads)
    out_shape, requested = _check_output_shape(output_shape, req)
    if filter is not None:
        return req.run_pillow(out_shape, filter, box, premultiply_alpha, max_pixels, out)
    return req.run(out_shape, requested, anti_aliasing, anti_aliasing_sigma, max_pixels, out)


def _check_pillow_arguments(filter, order, mode, cval, anti_aliasing, anti_aliasing_sigma):
    """filter= names Pillow's rule: the spline rule's options must be left out."""
    v.check_choice(filter, "filter", _pillow.PILLOW_FILTERS)
    given = [name for name, value, default in (
        ("order", order, None), ("mode", mode, "reflect"), ("cval", cval, 0.0),
        ("anti_aliasing", anti_aliasing, None), ("anti_aliasing_sigma", anti_aliasing_sigma,
                                                 None))
        if not (value is default or (isinstance(value, str) and value == default)
                or (name == "cval" and isinstance(value, (int, float)) and value == 0))]
    if given:
        raise ValueError(
            f"filter={filter!r} computes Pillow's resize, whose border and anti-aliasing are "
            f"its own: {', '.join(given)} cannot be given with it (they choose scikit-image's "
            "spline rule); pass either filter or order")


def rescale(image: Image, scale: Scales, *, order: int | None = None, mode: PadMode = "reflect",
            cval: float = 0.0, clip: bool = True, preserve_range: bool = False,
            anti_aliasing: bool | None = None, anti_aliasing_sigma: Scales | None = None,
            channel_axis: int | None = None, preserve_dtype: bool = False,
            n_threads: int | None = None, max_pixels: int | None = None,
            out: NDArray[Any] | None = None) -> ImageOut:
    """Scale an image by a factor: ``skimage.transform.rescale``, pixel for pixel.

    Each spatial axis of ``n`` pixels gets ``max(round(scale * n), 1)``
    (round half to even) and the result equals :func:`resize` to that shape.

    Parameters
    ----------
    image : array_like or dask.array.Array
        Any number of dimensions, channels at ``channel_axis`` if any (with
        ``channel_axis=None`` every axis is scaled, as scikit-image).
    scale : float or sequence of float
        Positive scale factor, or one per spatial axis.
    order, mode, cval, clip, preserve_range, anti_aliasing, anti_aliasing_sigma, \
channel_axis, preserve_dtype, n_threads, max_pixels, out :
        As in :func:`resize`.

    Returns
    -------
    ndarray or dask.array.Array

    Examples
    --------
    >>> import numpy as np
    >>> from imgconv import rescale
    >>> rescale(np.ones((5, 7)), 0.5).shape
    (2, 4)
    >>> rescale(np.eye(2), 1.5, order=0)
    array([[1., 0., 0.],
           [0., 1., 1.],
           [0., 1., 1.]])
    >>> rescale(np.ones((4, 6, 3)), (0.5, 2), channel_axis=-1).shape
    (2, 12, 3)
    """
    req = _Request(image, channel_axis, order, mode, cval, clip, preserve_range,
                   preserve_dtype, n_threads)
    sizes = _rescaled_sizes(scale, [req.meta.shape[a] for a in req.spatial])
    out_shape = req.full_shape(sizes)
    return req.run(out_shape, out_shape, anti_aliasing, anti_aliasing_sigma, max_pixels, out)


def _rescaled_sizes(scale, spatial):
    """Output size of each spatial axis of ``rescale``: ``max(round(scale * n), 1)``."""
    if v.is_sequence(scale):
        if len(scale) not in (1, len(spatial)):
            raise ValueError(
                f"scale must be a number or one per spatial axis ({len(spatial)}), got "
                f"{scale!r}")
        scales = tuple(scale) if len(scale) == len(spatial) else tuple(scale) * len(spatial)
    else:
        scales = (scale,) * len(spatial)
    scales = tuple(v.check_float(s, "scale", min_value=0, exclusive_min=True) for s in scales)
    sizes = [s * n for s, n in zip(scales, spatial)]
    if not all(math.isfinite(size) for size in sizes):
        raise ValueError(f"scale={scale!r} gives an output too large to represent")
    return tuple(int(max(np.round(size), 1)) for size in sizes)
