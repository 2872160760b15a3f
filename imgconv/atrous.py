"""Atrous (dilated) filters: the atrous filter, the starlet transform and a
multi-scale feature bank built from them.

Every filter here correlates with a small kernel whose taps are ``dilation``
pixels apart, by reading the pixels under the taps only: the cost does not
grow with the dilation, unlike a correlation with the zero-stuffed kernel
(what ``scipy.ndimage.correlate`` or ``cv2.filter2D`` would be given).

Conventions follow ``skimage.filters``:

* border modes are scipy.ndimage's names: 'reflect' (edge repeated),
  'mirror' (edge not repeated), 'nearest', 'wrap', 'constant' (with
  ``cval``), and the ``'grid-*'`` aliases;
* a kernel of length ``k`` dilated by ``d`` covers ``d*(k - 1) + 1``
  pixels and is centred as ndimage centres that zero-stuffed kernel, on its
  element ``(d*(k - 1) + 1) // 2``;
* dtypes: float32 and float64 images are filtered in their own precision
  (float16 in float32); integer and bool images are converted to float64 by
  ``skimage.util.img_as_float`` (uint8 to [0, 1], signed types to [-1, 1])
  unless ``preserve_range=True``, which keeps their values. ``cval`` applies
  to the converted image. :func:`multiscale_features` converts as
  ``skimage.feature.multiscale_basic_features`` does (``img_as_float32``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import _validate as v
from ._ext import atrous as _atrous
from ._ext.primitives import border_map
from ._threads import effective_n_threads
from .dask import dask_aware, lazy_atrous_filter, lazy_multiscale_features, lazy_starlet

if TYPE_CHECKING:
    from ._typing import ArrayLike, Image, ImageOut, NDArray, NdimageMode, Pair


__all__ = ["atrous_filter", "starlet", "istarlet", "multiscale_features", "B3_SPLINE"]

#: The B3-spline scaling filter of the starlet transform (Starck & Murtagh).
B3_SPLINE = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16

#: Largest dilated kernel extent accepted (pixels per axis); far beyond any
#: image, and small enough that the kernels' index arithmetic cannot overflow.
MAX_REACH = 2**40

#: Largest number of starlet scales: the last dilation is 2**(n_scales - 1).
MAX_SCALES = 32


# ------------------------------------------------------------- helpers ---

def _image_planes(image, channel_axis, preserve_range, name="image", max_pixels=None):
    """Validated image as contiguous float planes (C, H, W), and its channel axis."""
    array, axis = v.check_image(image, channel_axis, name)
    spatial = [s for i, s in enumerate(array.shape) if i != axis]
    v.check_output_pixels(spatial, max_pixels)
    converted = v.image_to_float(array, v.check_bool(preserve_range, "preserve_range"))
    planes = np.moveaxis(v.to_channels_last(converted, axis), -1, 0)
    return v.as_compute_array(planes, v.float_dtype_for(array.dtype)), axis


def _from_planes(planes, axis):
    """(C, H, W) planes back to the image's layout, as a contiguous array."""
    return np.ascontiguousarray(v.from_channels_last(np.moveaxis(planes, 0, -1), axis))


def _check_reach(taps, dilation, name):
    reach = dilation * (taps - 1) + 1
    if reach > MAX_REACH:
        raise ValueError(
            f"{name}={dilation} dilates a {taps}-tap kernel to {reach} pixels, more than "
            f"the {MAX_REACH} supported"
        )


#: The period, in bytes, of the addresses the CPU compares for 4K aliasing
#: (see _empty_apart).
PAGE = 4096


def _empty_apart(planes):
    """An uninitialised array like ``planes`` whose data starts half a page
    away from theirs, modulo 4 KiB.

    The kernels write output row y while reading input rows at the same
    column offsets. When the row pitch is a multiple of 4 KiB (power-of-two
    widths) and both arrays start at the same offset within a page, each
    store shares its low 12 address bits with the loads that follow it, and
    the CPU holds those loads back until the store resolves ("4K aliasing"):
    15-20% slower on 2048-pixel rows. Half a page apart, they never alias.
    """
    size = planes.size
    buffer = np.empty(size + PAGE // planes.itemsize, planes.dtype)
    shift = (planes.ctypes.data + PAGE // 2 - buffer.ctypes.data) % PAGE // planes.itemsize
    return buffer[shift:shift + size].reshape(planes.shape)


def _border_table(n, taps, dilation, code):
    """Where each tap of a dilated 1-D kernel reads, for every position:
    ``table[t, i]`` is position ``i + t*dilation - centre`` through the border
    rule (-1: the constant), with scipy.ndimage's centre ``reach // 2`` of the
    zero-stuffed kernel of length ``reach = dilation*(taps - 1) + 1``."""
    centre = (dilation * (taps - 1) + 1) // 2
    positions = np.arange(n) + np.arange(taps)[:, None] * dilation - centre
    return border_map(positions, n, code)


def _interior(n, taps, dilation):
    """The positions [lo, hi) at which every tap reads inside [0, n); lo <= hi."""
    reach = dilation * (taps - 1) + 1
    lo = min(reach // 2, n)
    return lo, max(lo, n - (reach - 1 - reach // 2))


def _taps(kernel, dtype):
    """Non-zero taps of a 2-D kernel as (rows, columns, weights), row-major."""
    rows, cols = np.nonzero(kernel)
    return (rows.astype(np.intp), cols.astype(np.intp),
            np.ascontiguousarray(kernel[rows, cols], dtype))


def _correlate(planes, kernel, dilation, code, cval, n_threads, out=None):
    """Correlate validated planes (C, H, W) with a validated 2-D kernel."""
    if out is None:
        out = _empty_apart(planes)
    tap_rows, tap_cols, weights = _taps(kernel, planes.dtype)
    (kh, kw), (height, width) = kernel.shape, planes.shape[1:]
    rows = _border_table(height, kh, dilation[0], code)
    cols = _border_table(width, kw, dilation[1], code)
    lo, hi = _interior(width, kw, dilation[1])
    _atrous.correlate(planes, tap_rows, tap_cols, weights, rows, cols, dilation[1], lo, hi,
                      cval, out, n_threads)
    return out


def _smooth(planes, taps, dilation, code, cval, n_threads, out, detail=None):
    """Correlate planes with outer(taps, taps) dilated by ``dilation`` on both axes;
    with ``detail``, also write ``planes - out`` there."""
    taps = np.asarray(taps, planes.dtype)
    height, width = planes.shape[1:]
    rows = _border_table(height, taps.size, dilation, code)
    cols = _border_table(width, taps.size, dilation, code)
    lo, hi = _interior(width, taps.size, dilation)
    work = np.empty((n_threads, width), planes.dtype)
    _atrous.separable(planes, taps, taps, rows, cols, dilation, lo, hi, cval, out, detail,
                      work, n_threads)
    return out


# --------------------------------------------------------- atrous_filter ---

@dask_aware(lazy_atrous_filter)
def atrous_filter(image: Image, kernel: ArrayLike, dilation: Pair, *,
                  mode: NdimageMode = "reflect", cval: float = 0.0,
                  channel_axis: int | None = None, preserve_range: bool = False,
                  n_threads: int | None = None, max_pixels: int | None = None,
                  out: NDArray[Any] | None = None) -> ImageOut:
    """Correlate each channel with a small kernel whose taps are ``dilation`` apart.

    The result equals ``scipy.ndimage.correlate(image, stuffed, mode=mode,
    cval=cval)`` with ``stuffed`` the kernel with ``dilation - 1`` zeros
    inserted between its taps, but only the taps are read: the cost is
    that of the small kernel, whatever the dilation. (One exception: in mode
    'reflect' with a reach of several image widths beyond the border, SciPy
    1.17's ``correlate`` stops extending the image by symmetry; imgconv
    keeps extending it.)

    Parameters
    ----------
    image : array_like, shape (H, W) or with channels at ``channel_axis``
        Image to filter; see the module notes for dtypes.
    kernel : array_like, shape (kh, kw)
        Correlation weights (not flipped), cast to the image's float type.
        Odd and even sizes are accepted. Taps of weight zero are skipped, so
        an infinite or NaN pixel under them does not spread (ndimage skips
        them too, and also those below 2.2e-16 in magnitude).
    dilation : int or (int, int)
        Spacing of the taps along rows and columns, >= 1.
    mode : {'reflect', 'mirror', 'nearest', 'wrap', 'constant'}, optional
        scipy.ndimage border mode (the ``'grid-*'`` aliases too). Images smaller
        than the kernel's reach are extended repeatedly, as ndimage does.
    cval : float, optional
        Value outside the image in mode 'constant'.
    channel_axis : int, optional
        Axis of the channels, filtered independently; None for a gray image.
    preserve_range : bool, optional
        Keep the values of integer images instead of scaling them to [0, 1].
    n_threads : int, optional
        Threads to use: None for all cores, negative to count from the end.
        The result does not depend on it.
    max_pixels : int, optional
        Bound on the image's pixels (default: ``IMGCONV_MAX_PIXELS`` or
        178,956,970), checked before anything is allocated.
    out : ndarray, optional
        Where to write the result: exactly its shape and dtype, C-contiguous,
        writeable, apart from ``image`` (checked before anything is written);
        returned. Gray and channels-first images are filtered straight into
        it. Not for dask arrays.

    Returns
    -------
    ndarray
        Same shape as ``image``, float32 or float64.

    Examples
    --------
    >>> import numpy as np
    >>> from imgconv import atrous_filter
    >>> image = np.zeros((5, 9))
    >>> image[2, 4] = 1
    >>> atrous_filter(image, [[1.0, 2.0, 3.0]], dilation=3)[2]
    array([0., 3., 0., 0., 2., 0., 0., 1., 0.])
    """
    weights = v.check_array(kernel, "kernel")
    if weights.ndim != 2 or 0 in weights.shape:
        raise ValueError(f"kernel must be 2-D and not empty, got shape {weights.shape}")
    dilation = v.check_pair(dilation, "dilation", min_value=1)
    for taps, d in zip(weights.shape, dilation):
        _check_reach(taps, d, "dilation")
    code = v.check_filter_mode(mode)
    cval = v.check_float(cval, "cval")
    n = effective_n_threads(n_threads)
    planes, axis = _image_planes(image, channel_axis, preserve_range, max_pixels=max_pixels)
    shape = v.check_array(image, "image").shape
    v.check_out(out, shape, planes.dtype, (image,) if isinstance(image, np.ndarray) else ())
    # gray and channels-first images have the planes' layout: filter into out
    direct = out is not None and axis in (None, 0)
    result = _correlate(planes, v.as_compute_array(weights, planes.dtype), dilation, code,
                        cval, n, out.reshape(planes.shape) if direct and out is not None else None)
    if direct and out is not None:
        return out
    result = _from_planes(result, axis)
    if out is None:
        return result
    np.copyto(out, result)
    return out


# --------------------------------------------------------------- starlet ---

def _check_n_scales(n_scales):
    return v.check_int(n_scales, "n_scales", min_value=1, max_value=MAX_SCALES)


@dask_aware(lazy_starlet)
def starlet(image: Image, n_scales: int, *, mode: NdimageMode = "mirror", cval: float = 0.0,
            channel_axis: int | None = None, preserve_range: bool = False,
            n_threads: int | None = None, max_pixels: int | None = None) -> ImageOut:
    """Isotropic undecimated wavelet transform ("starlet", à trous algorithm).

    With ``h`` the B3-spline filter ``[1, 4, 6, 4, 1] / 16`` applied
    separably along both axes and ``h_j`` that filter with its taps
    ``2**j`` pixels apart (Starck & Murtagh)::

        c_0 = image,   c_{j+1} = c_j (*) h_j,   w_{j+1} = c_j - c_{j+1}

    for j = 0 .. n_scales - 1. The image is the sum of the planes
    ``c_J + w_J + ... + w_1`` (see :func:`istarlet`).

    Parameters
    ----------
    image : array_like, shape (H, W) or with channels at ``channel_axis``
        Image to decompose; see the module notes for dtypes.
    n_scales : int
        Number of detail planes J, 1 <= J <= 32.
    mode : {'mirror', 'reflect', 'nearest', 'wrap', 'constant'}, optional
        scipy.ndimage border mode of every smoothing. The default 'mirror'
        extends the image by whole-sample symmetry (``c[-k] = c[k]``), the
        border rule of Starck & Murtagh's starlet: the edge pixel is not
        repeated, so it does not weigh twice in the smoothing, and the
        extension of a smoothed plane is the smoothing of the extension, so
        no plane shows a seam at the border. The reconstruction is exact
        whatever the mode.
    cval : float, optional
        Value outside the image in mode 'constant'.
    channel_axis : int, optional
        Axis of the channels, transformed independently; None for a gray image.
    preserve_range : bool, optional
        Keep the values of integer images instead of scaling them to [0, 1].
    n_threads : int, optional
        Threads to use: None for all cores, negative to count from the end.
        The result does not depend on it.
    max_pixels : int, optional
        Bound on the values of the result, ``(n_scales + 1) * image.size``
        (default: ``IMGCONV_MAX_PIXELS`` or 178,956,970), checked before
        anything is allocated.

    Returns
    -------
    coefficients : ndarray, shape (n_scales + 1,) + image.shape
        ``coefficients[j - 1]`` is the detail plane ``w_j`` (finest first)
        and ``coefficients[-1]`` the coarse plane ``c_J``; float32 or float64.

    Examples
    --------
    >>> import numpy as np
    >>> from imgconv import istarlet, starlet
    >>> image = np.random.default_rng(0).random((32, 32))
    >>> coefficients = starlet(image, 3)
    >>> coefficients.shape
    (4, 32, 32)
    >>> bool(np.allclose(istarlet(coefficients), image, rtol=0, atol=1e-15))
    True
    """
    n_scales = _check_n_scales(n_scales)
    code = v.check_filter_mode(mode)
    cval = v.check_float(cval, "cval")
    n = effective_n_threads(n_threads)
    array, axis = v.check_image(image, channel_axis)
    v.check_output_pixels((n_scales + 1, *array.shape), max_pixels, what="coefficient array")
    planes, axis = _image_planes(array, axis, preserve_range, max_pixels=max_pixels)
    out = np.empty((n_scales + 1, *planes.shape), planes.dtype)
    # c_j alternates between a spare buffer and the coarse slot so that the
    # last smoothing lands in the coarse slot; each detail goes straight to
    # its slot, in the same pass as the smoothing that defines it.
    spare = np.empty_like(planes) if n_scales > 1 else None
    smooth = planes
    for j in range(n_scales):
        target = out[n_scales] if (n_scales - 1 - j) % 2 == 0 else spare
        _smooth(smooth, B3_SPLINE, 2**j, code, cval, n, target, detail=out[j])
        smooth = target
    if axis is None:
        return out[:, 0]
    return np.ascontiguousarray(np.moveaxis(out, 1, axis + 1))


def istarlet(coefficients: ArrayLike, *, n_threads: int | None = None,
             max_pixels: int | None = None) -> NDArray[Any]:
    """Image from its starlet coefficients: the sum of all planes.

    Summed from the coarse plane to the finest details, so that each partial
    sum is a smoothed image (``c_{j-1} = c_j + w_j``) and the reconstruction
    of :func:`starlet`'s output is exact to float rounding.

    Parameters
    ----------
    coefficients : array_like, shape (n_scales + 1, ...)
        Detail planes then the coarse plane, as :func:`starlet` returns them
        (any image layout after the first axis). float32 and float64 are
        kept, float16 is summed in float32, integers and bool in float64.
    n_threads : int, optional
        Threads to use: None for all cores, negative to count from the end.
    max_pixels : int, optional
        Largest number of pixels of the image (``coefficients.shape[1:]``, its
        channels included) accepted, as in :func:`starlet`.

    Returns
    -------
    ndarray, shape coefficients.shape[1:]

    Examples
    --------
    >>> import numpy as np
    >>> from imgconv import istarlet
    >>> istarlet(np.array([[[0.5, -1.0]], [[1.5, 3.0]]]))
    array([[2., 2.]])
    """
    array = v.check_array(coefficients, "coefficients")
    if array.ndim < 3 or array.shape[0] < 2:
        raise ValueError(
            "coefficients must be at least 2 planes (details and the coarse plane) of an "
            f"image, shape (n_scales + 1, H, W, ...), got shape {array.shape}"
        )
    if 0 in array.shape:
        raise ValueError(
            f"coefficients must not have empty dimensions, got shape {array.shape}"
        )
    v.check_output_pixels(array.shape[1:], max_pixels, what="image")
    n = effective_n_threads(n_threads)
    planes = v.as_compute_array(array, v.float_dtype_for(array.dtype))
    out = np.empty(array.shape[1:], planes.dtype)
    _atrous.sum_planes(planes.reshape(array.shape[0], -1), out.reshape(-1), n)
    return out


# --------------------------------------------------- multiscale_features ---

def _channel_features(plane, out, intensity, edges, texture, code, cval, n_threads):
    """Features of one validated float32 plane (1, H, W) into ``out`` (J, F, H, W)."""
    spare = None if intensity else [np.empty_like(plane), np.empty_like(plane)]
    smooth = plane
    for j in range(out.shape[0]):
        # c_{j+1} is smoothed at dilation 2**j and differentiated over 2**j pixels
        d = 2**j
        slots = iter(out[j])
        target = next(slots)[None] if intensity else spare[j % 2]
        smooth = _smooth(smooth, B3_SPLINE, d, code, cval, n_threads, target)
        magnitude = next(slots) if edges else None
        large, small = (next(slots), next(slots)) if texture else (None, None)
        if edges or texture:
            height, width = smooth.shape[1:]
            _atrous.derivative_features(smooth[0], _border_table(height, 3, d, code),
                                        _border_table(width, 3, d, code), d, cval, magnitude,
                                        large, small, n_threads)


@dask_aware(lazy_multiscale_features)
def multiscale_features(image: Image, *, intensity: bool = True, edges: bool = True,
                        texture: bool = True, n_scales: int = 6, mode: NdimageMode = "mirror",
                        cval: float = 0.0, channel_axis: int | None = None,
                        n_threads: int | None = None, max_pixels: int | None = None
                        ) -> ImageOut:
    """Multi-scale intensity, edge and texture features of every pixel.

    The role of ``skimage.feature.multiscale_basic_features`` (features for
    pixel classifiers), built from atrous filters: the Gaussian blurs are
    replaced by the starlet's smoothed planes ``c_1 .. c_J`` (see
    :func:`starlet`; ``c_j`` is the image smoothed by the B3-spline filter at
    dilations 1, 2, ..., ``2**(j-1)``, a blur of standard deviation
    ``sqrt((4**j - 1) / 3)`` pixels: 1, 2.2, 4.6, 9.2, 18.5, 37), and the
    derivatives are central differences with taps ``d_j = 2**(j-1)``
    pixels apart, each an atrous filter. At scale j:

    * intensity: ``c_j``;
    * edges: the gradient magnitude ``sqrt(g_r**2 + g_c**2)`` with
      ``g_r = (c_j[r + d, c] - c_j[r - d, c]) / (2 d)`` (``g_c`` alike);
    * texture: the two eigenvalues (larger first) of the Hessian
      ``[[h_rr, h_rc], [h_rc, h_cc]]``, ``h_rr = (c_j[r + d] - 2 c_j[r] + c_j[r - d]) / d**2``,
      ``h_rc = (c_j[r+d, c+d] - c_j[r+d, c-d] - c_j[r-d, c+d] + c_j[r-d, c-d]) / (4 d**2)``.

    Derivatives are in units of value per pixel (not scale-normalised).
    Every filter extends the border by ``mode``.

    Feature index table, for a gray image with all groups enabled (as
    skimage orders them: scale by scale, and within a scale intensity,
    edges, texture):

    ============  ==========================================
    index         feature
    ============  ==========================================
    4*(j-1)       intensity ``c_j``
    4*(j-1) + 1   gradient magnitude at scale j
    4*(j-1) + 2   larger Hessian eigenvalue at scale j
    4*(j-1) + 3   smaller Hessian eigenvalue at scale j
    ============  ==========================================

    for j = 1 .. n_scales. With groups disabled, the remaining features keep
    this order (``F`` per scale: 1 for intensity, 1 for edges, 2 for
    texture). With channels, the features of channel 0 come first, then
    those of channel 1, and so on, as in skimage.

    Parameters
    ----------
    image : array_like, shape (H, W) or with channels at ``channel_axis``
        Converted to float32 as skimage does (``img_as_float32``: integer
        images scaled to [0, 1]).
    intensity, edges, texture : bool, optional
        Feature groups to compute; at least one must be True.
    n_scales : int, optional
        Number of scales J, 1 <= J <= 32. The default 6 gives 24 features per
        channel, as skimage's 6 default sigmas.
    mode : {'mirror', 'reflect', 'nearest', 'wrap', 'constant'}, optional
        scipy.ndimage border mode; 'mirror' as :func:`starlet`.
    cval : float, optional
        Value outside the image in mode 'constant'.
    channel_axis : int, optional
        Axis of the channels; None for a gray image.
    n_threads : int, optional
        Threads to use: None for all cores, negative to count from the end.
        The result does not depend on it.
    max_pixels : int, optional
        Bound on the values of the result, ``H * W * n_features`` (default:
        ``IMGCONV_MAX_PIXELS`` or 178,956,970), checked before anything is
        allocated.

    Returns
    -------
    features : ndarray, float32, shape (H, W, n_features)
        ``n_features = C * n_scales * F``. The array is a view of contiguous
        feature planes: ``features[..., k]`` is contiguous, and
        ``np.ascontiguousarray(features)`` gives skimage's memory layout.

    Examples
    --------
    >>> import numpy as np
    >>> from imgconv import multiscale_features
    >>> image = np.zeros((64, 64), np.float32)
    >>> image[:, 32:] = 1
    >>> features = multiscale_features(image, n_scales=3)
    >>> features.shape, features.dtype
    ((64, 64, 12), dtype('float32'))
    >>> features[10, 29:35, 0] * 16        # intensity c_1 across the edge, in 16ths
    array([ 0.,  1.,  5., 11., 15., 16.], dtype=float32)
    >>> features[10, 29:35, 1] * 32        # its gradient magnitude, in 32nds
    array([ 1.,  5., 10., 10.,  5.,  1.], dtype=float32)
    """
    array, axis = v.check_image(image, channel_axis)
    groups = [v.check_bool(flag, name) for flag, name in
              ((intensity, "intensity"), (edges, "edges"), (texture, "texture"))]
    if not any(groups):
        raise ValueError("at least one of intensity, edges and texture must be True")
    intensity, edges, texture = groups
    n_scales = _check_n_scales(n_scales)
    code = v.check_filter_mode(mode)
    cval = v.check_float(cval, "cval")
    n = effective_n_threads(n_threads)
    per_scale = intensity + edges + 2 * texture
    height, width = (s for i, s in enumerate(array.shape) if i != axis)
    channels = 1 if axis is None else array.shape[axis]
    v.check_output_pixels((channels * n_scales * per_scale, height, width), max_pixels,
                          what="feature array")

    from skimage.util import img_as_float32

    planes = v.as_compute_array(
        np.moveaxis(v.to_channels_last(img_as_float32(array), axis), -1, 0), np.float32)
    out = np.empty((channels, n_scales, per_scale, height, width), np.float32)
    for c in range(channels):
        _channel_features(planes[c:c + 1], out[c], intensity, edges, texture, code, cval, n)
    return np.moveaxis(out.reshape(-1, height, width), 0, -1)
