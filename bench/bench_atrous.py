"""atrous_filter, starlet and multiscale_features against their anchors.

Targets (same run, same threads):

* atrous_filter 3x3 on 2048x2048 float32 at dilation 1, 2, 4, 8, 16: no
  slower than cv2.filter2D with the zero-stuffed kernel at dilation 1, at
  least 5x faster at 8 and 16 (cv2 switches to a DFT above 11x11), at least
  10x faster than scipy.ndimage.correlate everywhere; the time at dilation
  16 within 1.5x of the time at dilation 1 (compare the imgconv rows);
* starlet, 6 scales on 2048x2048: at least 5x faster than the same
  transform with scipy.ndimage.correlate1d;
* multiscale_features on 1024x1024 gray, 6 scales: at least 5x faster than
  skimage.feature.multiscale_basic_features with its 6 default sigmas;
* atrous_filter 3x3 at dilation 8 into a caller's array (``out=``): at most
  0.2x the time of cv2.filter2D with ``dst=`` and the zero-stuffed kernel.

Every timed imgconv result is checked once against its anchor (scipy's
correlate, the correlate1d starlet; for the features, their intensity
planes against that starlet).

And conv2d's two methods for a dilated conv, which decides method='auto'.
"""
import numpy as np
import pytest
from scipy import ndimage

import imgconv
from common import THREADS, assert_close, optional, run
from imgconv.atrous import B3_SPLINE

DILATIONS = [1, 2, 4, 8, 16]


def _stuffed(kernel, d):
    out = np.zeros((d * (kernel.shape[0] - 1) + 1, d * (kernel.shape[1] - 1) + 1), kernel.dtype)
    out[::d, ::d] = kernel
    return out


def _image(rng, size=2048):
    return rng.standard_normal((size, size)).astype(np.float32)


def _kernel(rng):
    return rng.standard_normal((3, 3)).astype(np.float32)


def _filter_group(d):
    return f"atrous_filter 3x3 2048^2 d={d:02d}"


@pytest.mark.parametrize("dilation", DILATIONS)
def test_atrous_filter_imgconv(benchmark, rng, dilation):
    image, kernel = _image(rng), _kernel(rng)
    out = run(benchmark, _filter_group(dilation), "imgconv", imgconv.atrous_filter, image,
              kernel, dilation, mode="reflect", n_threads=THREADS)
    expected = ndimage.correlate(image.astype(np.float64), _stuffed(kernel, dilation),
                                 mode="reflect")
    assert_close(out, expected, 1e-4)


@pytest.mark.parametrize("dilation", DILATIONS)
def test_atrous_filter_cv2(benchmark, rng, cv2_threads, dilation):
    cv2 = cv2_threads
    run(benchmark, _filter_group(dilation), "cv2", cv2.filter2D, _image(rng), -1,
        _stuffed(_kernel(rng), dilation), borderType=cv2.BORDER_REFLECT)


@pytest.mark.parametrize("dilation", DILATIONS)
def test_atrous_filter_scipy(benchmark, rng, dilation):
    run(benchmark, _filter_group(dilation), "scipy", ndimage.correlate, _image(rng),
        _stuffed(_kernel(rng), dilation), mode="reflect")


# ------------------------------------------------- into a caller's array ---

GROUP_OUT = "atrous_filter 3x3 2048^2 d=8 into an existing array"


def test_atrous_filter_into_out_imgconv(benchmark, rng):
    image, kernel = _image(rng), _kernel(rng)
    out = np.empty_like(image)
    run(benchmark, GROUP_OUT, "imgconv", imgconv.atrous_filter, image, kernel, 8,
        mode="reflect", out=out, n_threads=THREADS)
    assert_close(out, ndimage.correlate(image.astype(np.float64), _stuffed(kernel, 8),
                                        mode="reflect"), 1e-4)


def test_atrous_filter_into_out_cv2(benchmark, rng, cv2_threads):
    cv2 = cv2_threads
    image = _image(rng)
    dst = np.empty_like(image)
    run(benchmark, GROUP_OUT, "cv2", cv2.filter2D, image, -1, _stuffed(_kernel(rng), 8),
        dst=dst, borderType=cv2.BORDER_REFLECT)


# ------------------------------------------------------------- starlet ---

GROUP_STARLET = "starlet 6 scales 2048^2"


def _starlet_correlate1d(image, n_scales):
    planes, smooth = [], image
    for j in range(n_scales):
        kernel = np.zeros(4 * 2**j + 1, image.dtype)
        kernel[::2**j] = B3_SPLINE
        smoother = ndimage.correlate1d(smooth, kernel, axis=0, mode="mirror")
        smoother = ndimage.correlate1d(smoother, kernel, axis=1, mode="mirror")
        planes.append(smooth - smoother)
        smooth = smoother
    return np.array(planes + [smooth])


def test_starlet_imgconv(benchmark, rng):
    image = _image(rng)
    out = run(benchmark, GROUP_STARLET, "imgconv", imgconv.starlet, image, 6, n_threads=THREADS)
    assert_close(out, _starlet_correlate1d(image.astype(np.float64), 6), 1e-4)


def test_starlet_scipy(benchmark, rng):
    run(benchmark, GROUP_STARLET, "scipy", _starlet_correlate1d, _image(rng), 6)


# -------------------------------------------------- multiscale_features ---

GROUP_FEATURES = "multiscale_features 1024^2 gray 6 scales"


def test_multiscale_features_imgconv(benchmark, rng):
    image = _image(rng, 1024)
    out = run(benchmark, GROUP_FEATURES, "imgconv", imgconv.multiscale_features, image,
              n_scales=6, n_threads=THREADS)
    # features 0, 4, 8, ...: the smoothed planes, the starlet's coarse planes
    smooth = image.astype(np.float64)
    for j in range(6):
        kernel = np.zeros(4 * 2**j + 1)
        kernel[::2**j] = B3_SPLINE
        smooth = ndimage.correlate1d(ndimage.correlate1d(smooth, kernel, axis=0, mode="mirror"),
                                     kernel, axis=1, mode="mirror")
        assert_close(out[..., 4 * j], smooth, 1e-4)


def test_multiscale_features_skimage(benchmark, rng):
    feature = optional("skimage.feature")
    run(benchmark, GROUP_FEATURES, "skimage", feature.multiscale_basic_features,
        _image(rng, 1024), workers=THREADS)


# ------------------------------------------- conv2d: method for dilation ---

def _method_group(d):
    return f"conv2d C=64 128^2 3x3 d={d:02d} gemm vs space_to_batch"


@pytest.mark.parametrize("dilation", [2, 4, 16])
@pytest.mark.parametrize("method", ["gemm", "space_to_batch"])
def test_conv2d_dilated_method(benchmark, rng, dilation, method):
    x = rng.standard_normal((1, 64, 128, 128)).astype(np.float32)
    w = rng.standard_normal((64, 64, 3, 3)).astype(np.float32)
    library = "imgconv" if method == "gemm" else "imgconv-s2b"
    out = run(benchmark, _method_group(dilation), library, imgconv.conv2d, x, w,
              padding=dilation, dilation=dilation, method=method, n_threads=THREADS)
    expected = imgconv.conv2d(x.astype(np.float64), w.astype(np.float64), padding=dilation,
                              dilation=dilation)
    assert_close(out, expected, 1e-3)
