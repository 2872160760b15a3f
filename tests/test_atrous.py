"""Dilated convolution: conv2d's space_to_batch method, atrous_filter and the
starlet transform, against scipy.ndimage with zero-stuffed kernels."""
import itertools

import numpy as np
import pytest
from scipy import ndimage

import imgconv
from imgconv import atrous_filter, conv2d, istarlet, starlet
from reference import conv2d_ref

#: The B3-spline kernel of the starlet (Starck & Murtagh), independent of the code.
B3_SPLINE = np.array([1, 4, 6, 4, 1]) / 16

MODES = ["reflect", "mirror", "nearest", "wrap", "constant"]
NDIMAGE_TO_PAD = {"reflect": "symmetric", "mirror": "reflect", "nearest": "edge",
                  "wrap": "wrap", "constant": "constant"}
TOL = {np.float32: 1e-6, np.float64: 1e-12}
DTYPES = pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])


def random(shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def pair(value):
    return tuple(value) if isinstance(value, tuple) else (value, value)


def relative_error(a, b):
    scale = max(1.0, float(np.abs(b).max(initial=0)))
    return float(np.abs(np.asarray(a, np.float64) - b).max(initial=0)) / scale


def stuffed(kernel, dilation):
    """The kernel with dilation - 1 zeros between its taps."""
    kernel = np.asarray(kernel, np.float64)
    dy, dx = pair(dilation)
    out = np.zeros((dy * (kernel.shape[0] - 1) + 1, dx * (kernel.shape[1] - 1) + 1))
    out[::dy, ::dx] = kernel
    return out


def padded_reference(image, kernel, mode, cval=0.0):
    """Correlation by its definition: extend with numpy.pad, centre as ndimage
    (element len // 2 of the kernel), sum over the valid window.

    scipy.ndimage.correlate itself reads outside its input in mode 'reflect'
    once the kernel is about 8 times longer than the image (SciPy 1.17;
    correlate1d is right), so tiny images are checked against this instead.
    """
    centre = [k // 2 for k in kernel.shape]
    pads = [(c, k - 1 - c) for c, k in zip(centre, kernel.shape)]
    pad_mode = NDIMAGE_TO_PAD[mode]
    extra = {"constant_values": cval} if pad_mode == "constant" else {}
    ext = np.pad(image.astype(np.float64), pads, mode=pad_mode, **extra)
    out = np.zeros(image.shape)
    for ky, kx in zip(*np.nonzero(kernel)):
        out += kernel[ky, kx] * ext[ky:ky + image.shape[0], kx:kx + image.shape[1]]
    return out


# ------------------------------------------------- conv2d space_to_batch ---

S2B_CASES = list(itertools.product(
    [1, 2, 3, (2, 3), (4, 1)],                    # dilation
    [0, 1, 2, (0, 3), "same", "valid"],           # padding
    [1, 2, 3, (3, 2)],                            # kernel
))


@pytest.mark.parametrize("groups", [1, 2], ids=["g1", "g2"])
@pytest.mark.parametrize("dilation,padding,kernel", S2B_CASES,
                         ids=lambda v: str(v).replace(" ", ""))
def test_conv2d_space_to_batch_equals_im2col(dilation, padding, kernel, groups):
    x = random((2, 4, 13, 11), seed=1)
    kh, kw = pair(kernel)
    weight = random((6, 4 // groups, kh, kw), seed=2)
    bias = random(6, seed=3)
    kwargs = dict(padding=padding, dilation=dilation, groups=groups)
    try:
        direct = conv2d(x, weight, bias, method="gemm", **kwargs)
    except ValueError:
        with pytest.raises(ValueError, match="kernel is larger than the padded input"):
            conv2d(x, weight, bias, method="space_to_batch", **kwargs)
        return
    out = conv2d(x, weight, bias, method="space_to_batch", **kwargs)
    assert out.shape == direct.shape and out.dtype == direct.dtype
    assert relative_error(out, direct) < 1e-12
    if padding not in ("same", "valid"):
        ph, pw = pair(padding)
        expected = conv2d_ref(x, weight, bias, (1, 1), ((ph, ph), (pw, pw)), pair(dilation),
                              groups)
        assert relative_error(out, expected) < 1e-12


@DTYPES
def test_conv2d_space_to_batch_dtypes_unbatched_and_auto(dtype):
    x = random((3, 20, 17), dtype)
    weight = random((2, 3, 3, 3), dtype, 1)
    expected = conv2d(x, weight, padding="same", dilation=4, method="gemm")
    out = conv2d(x, weight, padding="same", dilation=4, method="space_to_batch", n_threads=1)
    assert out.dtype == dtype and out.shape == (2, 20, 17)
    assert relative_error(out, expected) < TOL[dtype] * 10
    np.testing.assert_array_equal(conv2d(x, weight, padding="same", dilation=4), expected)


def test_conv2d_method_errors():
    x, weight = np.zeros((1, 2, 9, 9)), np.zeros((2, 2, 3, 3))
    with pytest.raises(ValueError,
                       match=r"method='space_to_batch' needs stride 1, got stride=\(2, 1\)"):
        conv2d(x, weight, stride=(2, 1), dilation=2, method="space_to_batch")
    with pytest.raises(ValueError,
                       match="method must be one of 'auto', 'gemm', 'winograd', "
                             "'space_to_batch'; got 'fft'"):
        conv2d(x, weight, method="fft")


# ------------------------------------------------------- atrous_filter ---

KERNEL_SHAPES = [(3, 3), (2, 2), (4, 1), (1, 5), (2, 3), (5, 4)]


@DTYPES
@pytest.mark.parametrize("dilation", [1, 2, 3, (2, 5)], ids=lambda d: f"d{d}".replace(" ", ""))
@pytest.mark.parametrize("kernel_shape", KERNEL_SHAPES, ids=lambda s: f"k{s[0]}x{s[1]}")
@pytest.mark.parametrize("mode", MODES)
def test_atrous_filter_equals_ndimage_correlate(mode, kernel_shape, dilation, dtype):
    image = random((23, 31), dtype)
    kernel = random(kernel_shape, seed=1)
    expected = ndimage.correlate(image.astype(np.float64), stuffed(kernel, dilation),
                                 mode=mode, cval=0.75)
    out = atrous_filter(image, kernel, dilation, mode=mode, cval=0.75)
    assert out.dtype == dtype and out.shape == image.shape
    assert relative_error(out, expected) < TOL[dtype]


@pytest.mark.parametrize("dilation", [1, 3, 8, (5, 2)], ids=lambda d: f"d{d}".replace(" ", ""))
@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (3, 2), (5, 1), (1, 4)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("mode", MODES)
def test_atrous_filter_images_smaller_than_the_reach(mode, shape, dilation):
    image = random(shape, seed=2)
    kernel = random((3, 4), seed=3)
    big = stuffed(kernel, dilation)
    out = atrous_filter(image, kernel, dilation, mode=mode, cval=-0.5)
    assert relative_error(out, padded_reference(image, big, mode, -0.5)) < 1e-12
    ndimage_reads_outside = mode == "reflect" and max(big.shape) >= 8 * min(shape) > 8
    if not ndimage_reads_outside:
        expected = ndimage.correlate(image, big, mode=mode, cval=-0.5)
        assert relative_error(out, expected) < 1e-12


@pytest.mark.parametrize("mode", ["grid-mirror", "grid-wrap", "grid-constant"])
def test_atrous_filter_grid_mode_aliases(mode):
    image = random((9, 12))
    kernel = random((3, 3), seed=1)
    expected = ndimage.correlate(image, stuffed(kernel, 2), mode=mode, cval=2.0)
    assert relative_error(atrous_filter(image, kernel, 2, mode=mode, cval=2.0), expected) < 1e-12


def test_atrous_filter_skips_zero_taps_as_ndimage_does():
    image = random((8, 9))
    image[3, 4] = np.nan                     # read only by the zero tap at the centre
    kernel = np.array([[1.0, 0.0, -1.0]])
    out = atrous_filter(image, kernel, 2)
    expected = ndimage.correlate(image, stuffed(kernel, 2))
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)
    assert not np.isnan(out[3, 4])
    np.testing.assert_array_equal(atrous_filter(image, np.zeros((2, 2)), 3), np.zeros((8, 9)))


@pytest.mark.parametrize("channel_axis", [0, -1, 2])
def test_atrous_filter_filters_each_channel(channel_axis):
    image = random((3, 10, 12)) if channel_axis == 0 else random((10, 12, 3))
    kernel = random((3, 2), seed=1)
    out = atrous_filter(image, kernel, (2, 3), mode="wrap", channel_axis=channel_axis)
    assert out.shape == image.shape and out.flags.c_contiguous
    for c in range(3):
        index = (c,) if channel_axis == 0 else (..., c)
        expected = ndimage.correlate(image[index], stuffed(kernel, (2, 3)), mode="wrap")
        assert relative_error(out[index], expected) < 1e-12


def test_atrous_filter_dtype_rules():
    image = np.arange(30, dtype=np.uint8).reshape(5, 6) * 8
    kernel = np.ones((1, 2))
    scaled = atrous_filter(image, kernel, 1)
    assert scaled.dtype == np.float64
    expected = ndimage.correlate(image / 255.0, stuffed(kernel, 1))
    assert relative_error(scaled, expected) < 1e-12
    kept = atrous_filter(image, kernel, 1, preserve_range=True)
    assert relative_error(kept, ndimage.correlate(image.astype(float), kernel)) < 1e-12
    signed = atrous_filter(np.array([[-128, 127]], np.int8), [[1.0]], 1)
    np.testing.assert_allclose(signed, [[-1.0, 1.0]])
    assert atrous_filter(image.astype(np.float16), kernel, 1).dtype == np.float32
    assert atrous_filter(image > 100, kernel, 1).dtype == np.float64
    # the kernel follows the image's float type
    single = atrous_filter(image.astype(np.float32), kernel.astype(np.float64), 1)
    assert single.dtype == np.float32


@pytest.mark.parametrize("layout", ["fortran", "negative-strides", "strided", "read-only",
                                    "big-endian"])
def test_atrous_filter_layouts_give_the_contiguous_result(layout):
    base = random((20, 26))
    image = {
        "fortran": np.asfortranarray(base),
        "negative-strides": base[::-1, ::-1],
        "strided": base[::2, 1::2],
        "read-only": base.copy(),
        "big-endian": base.astype(">f8"),
    }[layout]
    image.flags.writeable = layout != "read-only"
    kernel = np.asfortranarray(random((3, 3), seed=1))
    before = image.copy()
    out = atrous_filter(image, kernel[::-1], 2, mode="mirror")
    np.testing.assert_array_equal(out, atrous_filter(np.array(image, "<f8", order="C"),
                                                     kernel[::-1].copy(), 2, mode="mirror"))
    np.testing.assert_array_equal(image, before)


def test_atrous_filter_results_do_not_depend_on_the_thread_count(four_cores):
    image = random((3, 67, 45), np.float32)
    kernel = random((3, 3), seed=1)
    serial = atrous_filter(image, kernel, 4, channel_axis=0, n_threads=1)
    for n in (2, 3, 4, -1, None):
        np.testing.assert_array_equal(
            atrous_filter(image, kernel, 4, channel_axis=0, n_threads=n), serial)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(image=np.zeros(5)), ValueError, r"image must be \(H, W\), got shape \(5,\)"),
        (dict(image=np.zeros((4, 4, 3))), ValueError, "for a color image pass channel_axis"),
        (dict(image=np.zeros((0, 4))), ValueError, "image must not have empty dimensions"),
        (dict(image=np.zeros((4, 4), complex)), TypeError, "image must have a real numeric"),
        (dict(image=np.ma.zeros((4, 4))), TypeError, "image is a masked array"),
        (dict(image=np.zeros((4, 4)), channel_axis=2), ValueError,
         "channel_axis=2 is out of range"),
        (dict(kernel=np.ones(3)), ValueError,
         r"kernel must be 2-D and not empty, got shape \(3,\)"),
        (dict(kernel=np.ones((0, 3))), ValueError, "kernel must be 2-D and not empty"),
        (dict(kernel=[["a"]]), TypeError, "kernel must have a real numeric"),
        (dict(dilation=0), ValueError, "dilation must be >= 1, got 0"),
        (dict(dilation=True), TypeError, "dilation must be an integer, got the bool True"),
        (dict(dilation=2.0), TypeError, "dilation must be an integer, got 2.0"),
        (dict(dilation=(1, 2, 3)), ValueError, "dilation must be an integer or a pair"),
        (dict(dilation=2**40), ValueError, "dilation=1099511627776 dilates a 3-tap kernel"),
        (dict(mode="symmetric"), ValueError, "mode must be one of 'reflect'.*got 'symmetric'"),
        (dict(cval="0"), TypeError, "cval must be a real number, got '0'"),
        (dict(cval=np.nan), ValueError, "cval must be finite, got nan"),
        (dict(preserve_range=1), TypeError, "preserve_range must be True or False, got 1"),
        (dict(n_threads=0), ValueError, "n_threads must be None or a non-zero integer, got 0"),
        (dict(n_threads=1.5), TypeError, "n_threads must be an integer, got 1.5"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_atrous_filter_errors(kwargs, error, match):
    args = dict(image=np.zeros((6, 6)), kernel=np.ones((3, 3)), dilation=2)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        atrous_filter(**args)


def test_atrous_filter_pixel_bound_is_checked_before_converting(monkeypatch):
    monkeypatch.setenv("IMGCONV_MAX_PIXELS", "100")
    with pytest.raises(ValueError, match=r"output would have 110 pixels \(shape \(10, 11\)\)"):
        atrous_filter(np.zeros((10, 11, 3), np.uint8), np.ones((3, 3)), 1, channel_axis=-1)


# ------------------------------------------------------------- starlet ---

def starlet_reference(image, n_scales, mode="mirror", cval=0.0):
    """The starlet with scipy.ndimage.correlate1d, row then column, float64."""
    planes, smooth = [], image.astype(np.float64)
    for j in range(n_scales):
        kernel = np.zeros(4 * 2**j + 1)
        kernel[::2**j] = B3_SPLINE
        smoother = ndimage.correlate1d(smooth, kernel, axis=0, mode=mode, cval=cval)
        smoother = ndimage.correlate1d(smoother, kernel, axis=1, mode=mode, cval=cval)
        planes.append(smooth - smoother)
        smooth = smoother
    return np.array(planes + [smooth])


@DTYPES
@pytest.mark.parametrize("n_scales", [1, 2, 5])
@pytest.mark.parametrize("mode", MODES)
def test_starlet_equals_correlate1d_reference(mode, n_scales, dtype):
    image = random((29, 40), dtype)
    out = starlet(image, n_scales, mode=mode, cval=0.5)
    assert out.shape == (n_scales + 1, 29, 40) and out.dtype == dtype
    expected = starlet_reference(image, n_scales, mode, 0.5)
    assert relative_error(out, expected) < TOL[dtype] * 4


@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (6, 1), (5, 7)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("mode", MODES)
def test_starlet_small_images(mode, shape):
    image = random(shape, seed=4)
    out = starlet(image, 4, mode=mode, cval=1.5)
    assert relative_error(out, starlet_reference(image, 4, mode, 1.5)) < 1e-12
    assert relative_error(istarlet(out), image) < 1e-15


@pytest.mark.parametrize("mode", MODES)
def test_starlet_smoothing_is_the_2d_correlation_with_the_stuffed_outer_product(mode):
    image = random((17, 23), seed=5)
    coarse = image
    for j in range(3):
        coarse = ndimage.correlate(coarse, stuffed(np.outer(B3_SPLINE, B3_SPLINE), 2**j),
                                   mode=mode, cval=3.0)
    assert relative_error(starlet(image, 3, mode=mode, cval=3.0)[-1], coarse) < 1e-12


@DTYPES
def test_starlet_reconstruction_is_exact_to_rounding(dtype):
    image = np.random.default_rng(6).random((64, 50)).astype(dtype)
    coefficients = starlet(image, 6)
    eps = np.finfo(dtype).eps
    assert np.abs(istarlet(coefficients) - image).max() <= 4 * eps
    # the details are zero-mean band-pass planes: the coarse plane keeps the mean (wrap)
    wide = image.astype(np.float64)
    periodic = starlet(wide, 4, mode="wrap")
    assert abs(periodic[-1].mean() - wide.mean()) < 1e-12
    assert np.abs(periodic[:-1].mean(axis=(1, 2))).max() < 1e-12


def test_starlet_default_mode_is_mirror():
    image = random((12, 9), seed=7)
    np.testing.assert_array_equal(starlet(image, 3), starlet(image, 3, mode="mirror"))


@pytest.mark.parametrize("channel_axis", [0, -1])
def test_starlet_channels(channel_axis):
    image = random((2, 11, 13)) if channel_axis == 0 else random((11, 13, 2))
    out = starlet(image, 3, channel_axis=channel_axis)
    assert out.shape == (4,) + image.shape and out.flags.c_contiguous
    for c in range(2):
        index = (slice(None), c) if channel_axis == 0 else (..., c)
        image_index = (c,) if channel_axis == 0 else (..., c)
        np.testing.assert_array_equal(out[index], starlet(image[image_index], 3))
    assert relative_error(istarlet(out), image) < 1e-15


def test_starlet_integer_image_and_threads(four_cores):
    image = (np.arange(40 * 33) % 251).astype(np.uint8).reshape(40, 33)
    out = starlet(image, 3, n_threads=1)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, starlet_reference(image / 255.0, 3), rtol=0, atol=1e-15)
    np.testing.assert_allclose(istarlet(out), image / 255.0, rtol=0, atol=1e-15)
    kept = starlet(image, 3, preserve_range=True)
    np.testing.assert_allclose(kept, starlet_reference(image.astype(float), 3), rtol=0,
                               atol=1e-12)
    np.testing.assert_allclose(istarlet(kept), image, rtol=0, atol=1e-12)
    for n in (2, 3, 4, None):
        np.testing.assert_array_equal(starlet(image, 3, n_threads=n), out)


def test_starlet_does_not_modify_its_input():
    image = random((16, 16))[::-1]
    image.flags.writeable = False
    before = image.copy()
    out = starlet(image, 2)
    np.testing.assert_array_equal(image, before)
    np.testing.assert_array_equal(out, starlet(image.copy(), 2))


def test_istarlet_dtypes_and_layouts():
    planes = random((3, 4, 5), np.float32)
    out = istarlet(planes)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, planes[2] + planes[1] + planes[0])
    assert istarlet(np.ones((2, 3, 3), np.int32)).dtype == np.float64
    np.testing.assert_array_equal(istarlet(np.asfortranarray(planes)), out)
    np.testing.assert_array_equal(istarlet(planes.tolist()), istarlet(planes.astype(np.float64)))


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: starlet(np.zeros((4, 4)), 0), ValueError, "n_scales must be >= 1, got 0"),
        (lambda: starlet(np.zeros((4, 4)), 33), ValueError, "n_scales must be <= 32, got 33"),
        (lambda: starlet(np.zeros((4, 4)), 2.0), TypeError, "n_scales must be an integer"),
        (lambda: starlet(np.zeros((4, 4)), 2, mode="edge"), ValueError, "mode must be one of"),
        (lambda: starlet(np.zeros(4), 2), ValueError, r"image must be \(H, W\)"),
        (lambda: starlet(np.zeros((4, 4)), 2, cval=None), TypeError, "cval must be a real"),
        (lambda: starlet(np.zeros((4, 4)), 2, n_threads=0), ValueError, "n_threads must be"),
        (lambda: istarlet(np.zeros((1, 4, 4))), ValueError,
         r"coefficients must be at least 2 planes .* got shape \(1, 4, 4\)"),
        (lambda: istarlet(np.zeros((3, 4))), ValueError,
         r"coefficients must be at least 2 planes .* got shape \(3, 4\)"),
        (lambda: istarlet(np.zeros((3, 0, 4))), ValueError,
         r"coefficients must not have empty dimensions, got shape \(3, 0, 4\)"),
        (lambda: istarlet(np.zeros((3, 4, 4), complex)), TypeError,
         "coefficients must have a real numeric"),
    ],
    ids=["n_scales=0", "n_scales=33", "n_scales-float", "mode", "1-D", "cval", "n_threads",
         "one-plane", "2-D", "empty", "complex"],
)
def test_starlet_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_starlet_bounds_the_coefficient_array_before_allocating(monkeypatch):
    monkeypatch.setenv("IMGCONV_MAX_PIXELS", "1000")
    starlet(np.zeros((10, 10)), 3)
    with pytest.raises(ValueError, match=r"coefficient array would have 1100 pixels"):
        starlet(np.zeros((10, 10)), 10)


def test_starlet_max_pixels_bounds_the_coefficients():
    image = np.zeros((40, 50))
    with pytest.raises(ValueError, match=r"the coefficient array would have 8000 pixels .* "
                                         r"more than max_pixels=5000"):
        starlet(image, 3, max_pixels=5000)
    assert starlet(image, 3, max_pixels=8000).shape == (4, 40, 50)


# ------------------------------------------------------------------ out= ---

@pytest.mark.parametrize("channel_axis", [None, 0, -1])
def test_atrous_filter_into_out(channel_axis, four_cores):
    rng = np.random.default_rng(50)
    shape = {None: (23, 19), 0: (3, 23, 19), -1: (23, 19, 3)}[channel_axis]
    image = rng.random(shape).astype(np.float32)
    kernel = rng.standard_normal((3, 4))
    expected = imgconv.atrous_filter(image, kernel, (2, 3), channel_axis=channel_axis)
    for n in (1, 3):
        out = np.full(shape, 9, np.float32)
        got = imgconv.atrous_filter(image, kernel, (2, 3), channel_axis=channel_axis, out=out,
                                    n_threads=n)
        assert got is out
        np.testing.assert_array_equal(out, expected)


def test_atrous_filter_refuses_a_wrong_out_before_writing():
    image = np.random.default_rng(51).random((12, 10))
    kernel = np.ones((3, 3))
    for out, error, match in [
            (np.zeros((12, 11)), ValueError, "out must be an array of shape"),
            (np.zeros((12, 10), np.float32), ValueError, "dtype float64"),
            (np.zeros((10, 12)).T, ValueError, "C-contiguous"),
            (image, ValueError, "shares memory with an input")]:
        before = out.copy()
        with pytest.raises(error, match=match):
            imgconv.atrous_filter(image, kernel, 2, out=out)
        np.testing.assert_array_equal(out, before)
    with pytest.raises(ValueError, match="would have 120 pixels"):
        imgconv.atrous_filter(image, kernel, 2, max_pixels=100)
