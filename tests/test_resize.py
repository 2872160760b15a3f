"""upscale, resize and rescale against scikit-image (pixel for pixel), OpenCV
and PyTorch (mode 'edge'), and between their own methods."""
import itertools
import tracemalloc

import numpy as np
import pytest
import skimage.transform as sk

import imgconv
from imgconv import rescale, resize, upscale

MODES = ["reflect", "edge", "symmetric", "wrap", "constant"]
CHANNEL_AXES = [None, 0, -1]


def random_image(shape, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) > 0.5
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(max(info.min, -1000), info.max, shape, endpoint=True).astype(dtype)
    return rng.random(shape).astype(dtype)


def with_channels(shape, channel_axis, channels=3):
    if channel_axis is None:
        return shape
    shape = list(shape)
    shape.insert(channel_axis % 3, channels)
    return tuple(shape)


def assert_same_pixels(ours, theirs, exact=False):
    """skimage's dtype and shape; integers and, with ``exact`` (nearest
    without anti-aliasing), floats bit-exact; else float64 to 1e-12 and
    float32 to 1e-6 (relative to the image's magnitude)."""
    assert ours.dtype == theirs.dtype
    assert ours.shape == theirs.shape
    if exact or ours.dtype.kind not in "f":
        np.testing.assert_array_equal(ours, theirs)
        return
    tol = 1e-12 if ours.dtype == np.float64 else 1e-6
    scale = max(1.0, float(np.nanmax(np.abs(theirs), initial=0)))
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    diff = np.abs(ours.astype(np.float64) - theirs.astype(np.float64))
    assert float(np.nanmax(diff, initial=0)) <= tol * scale


def sk_resize(image, shape, channel_axis=None, **kwargs):
    """skimage.transform.resize with a channel axis (it only knows trailing ones)."""
    if channel_axis is None:
        return sk.resize(image, shape, **kwargs)
    moved = np.moveaxis(image, channel_axis, -1)
    return np.moveaxis(sk.resize(moved, shape, **kwargs), -1, channel_axis)


# --------------------------------------------------------------- upscale ---

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("factor", [1, 2, 3, 4, 5, 6, 7, 8, (2, 3), (1, 4)], ids=str)
def test_upscale_equals_skimage_rescale(factor, order, mode):
    fh, fw = factor if isinstance(factor, tuple) else (factor, factor)
    for shape, channel_axis in [((7, 5), None), ((6, 9), -1), ((5, 4), 0), ((1, 6), None),
                                ((5, 1), -1), ((1, 1), None)]:
        image = random_image(with_channels(shape, channel_axis), seed=sum(shape))
        ours = upscale(image, factor, order=order, mode=mode, cval=0.4,
                       channel_axis=channel_axis)
        theirs = sk.rescale(image, (fh, fw), order=order, mode=mode, cval=0.4,
                            channel_axis=channel_axis)
        assert_same_pixels(ours, theirs, exact=order == 0)


@pytest.mark.parametrize("factor", [2, 3, 16, 17])
def test_upscale_nearest_is_np_repeat(factor):
    image = random_image((3, 5, 2), np.int64) * 2**40          # beyond float64's integers
    out = upscale(image, factor, order=0, channel_axis=-1)
    np.testing.assert_array_equal(out, np.repeat(np.repeat(image, factor, 0), factor, 1))


@pytest.mark.parametrize("method", ["gemm", "subpixel", "zero_insert"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("factor", [1, 2, 3, 4, (3, 2)], ids=str)
def test_upscale_methods_give_the_polyphase_pixels(factor, order, mode, method):
    for dtype, channel_axis in [(np.float64, None), (np.float32, -1), (np.uint8, 0)]:
        image = random_image(with_channels((6, 5), channel_axis), dtype, seed=3)
        kwargs = dict(order=order, mode=mode, cval=0.7, channel_axis=channel_axis)
        expected = upscale(image, factor, method="polyphase", **kwargs)
        assert_same_pixels(upscale(image, factor, method=method, **kwargs), expected,
                           exact=order == 0)


@pytest.mark.parametrize("method", ["auto", "gemm", "subpixel", "zero_insert"])
def test_upscale_methods_on_one_pixel_images(method):
    for shape in [(1, 1), (1, 4), (3, 1)]:
        image = random_image(shape, seed=4)
        for mode in MODES:
            assert_same_pixels(upscale(image, 3, mode=mode, method=method),
                               sk.rescale(image, 3, mode=mode))


# ---------------------------------------------------- resize and rescale ---

RESIZE_CASES = [
    ((7, 5), (10, 3)), ((13, 11), (4, 17)), ((6, 6), (6, 6)), ((9, 1), (4, 3)),
    ((1, 9), (3, 2)), ((1, 1), (3, 5)), ((16, 16), (5, 5)), ((12, 18), (6, 6)),
    ((8, 10), (24, 30)), ((20, 7), (3, 1)), ((5, 5), (1, 1)), ((31, 17), (19, 23)),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("shapes", RESIZE_CASES, ids=lambda c: f"{c[0]}to{c[1]}")
def test_resize_equals_skimage(shapes, order, mode):
    source, target = shapes
    for channel_axis in CHANNEL_AXES:
        image = random_image(with_channels(source, channel_axis), seed=5)
        kwargs = dict(order=order, mode=mode, cval=0.3)
        ours = resize(image, target, channel_axis=channel_axis, **kwargs)
        assert_same_pixels(ours, sk_resize(image, target, channel_axis, **kwargs))


@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("scale", [0.25, 1 / 3, 0.5, 0.6, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.7,
                                   (0.5, 2.0), (1.3, 0.4)], ids=str)
def test_rescale_equals_skimage(scale, order):
    for channel_axis, mode in itertools.product(CHANNEL_AXES, MODES):
        image = random_image(with_channels((23, 17), channel_axis), np.float32, seed=6)
        kwargs = dict(order=order, mode=mode, channel_axis=channel_axis)
        assert_same_pixels(rescale(image, scale, **kwargs), sk.rescale(image, scale, **kwargs))


DTYPES = [np.uint8, np.uint16, np.int16, np.float16, np.float32, np.float64, bool]


@pytest.mark.parametrize("preserve_range", [False, True], ids=["scaled", "preserve_range"])
@pytest.mark.parametrize(
    "dtype,order",
    [(d, o) for d in DTYPES for o in (0, 1) if not (d is bool and o == 1)],   # bool: order 0
    ids=lambda v: np.dtype(v).name if not isinstance(v, int) else f"order{v}")
def test_dtypes_follow_skimage(dtype, order, preserve_range):
    for source, target in [((9, 7), (20, 15)), ((9, 7), (4, 5)), ((8, 8), (4, 4))]:
        image = random_image(source, dtype, seed=7)
        kwargs = dict(order=order, preserve_range=preserve_range)
        assert_same_pixels(resize(image, target, **kwargs), sk.resize(image, target, **kwargs))


def test_default_order_of_bool_images_is_nearest():
    image = random_image((5, 6), bool)
    assert_same_pixels(resize(image, (9, 4)), sk.resize(image, (9, 4)))
    assert_same_pixels(upscale(image, 3), sk.rescale(image, 3))


def test_nearest_ties_resolve_as_skimage():
    """128 -> 160 puts output pixels exactly between two inputs (the source
    coordinate (o + 0.5) * 128 / 160 - 0.5 ends in .5 for some o): the tie goes
    where scikit-image's float64 coordinate arithmetic sends it
    (docs/algorithms.rst, the coordinates of scikit-image's rule)."""
    image = np.arange(128 * 3, dtype=np.uint16).reshape(3, 128)
    for target in [(3, 160), (3, 64), (3, 96), (3, 200), (2, 37)]:
        ours = resize(image, target, order=0)
        np.testing.assert_array_equal(ours, sk.resize(image, target, order=0))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.uint8], ids=str)
def test_nearest_is_bit_exact_for_any_values(dtype):
    image = random_image((11, 13), dtype, seed=8)
    if dtype == np.int64:
        image >>= 11          # skimage goes through float64: keep it exact there
    if image.dtype.kind == "f":
        image[2, 3], image[5, 5], image[0, 0] = np.nan, np.inf, -0.0
    for target in [(22, 26), (5, 6), (17, 4), (33, 13)]:
        ours = resize(image, target, order=0, anti_aliasing=False)
        theirs = sk.resize(image, target, order=0, anti_aliasing=False)
        assert ours.dtype == theirs.dtype
        # values equal, NaN where NaN (ndimage's sum 0.0 + x turns -0.0
        # into 0.0; imgconv copies the bits: the nearest pixels' bits, below)
        np.testing.assert_array_equal(ours, theirs)
        rows = np.minimum(((np.arange(target[0]) + 0.5) * 11 / target[0]).astype(int), 10)
        cols = np.minimum(((np.arange(target[1]) + 0.5) * 13 / target[1]).astype(int), 12)
        picked = image[np.ix_(rows, cols)]
        assert ours.tobytes() == picked.astype(ours.dtype).tobytes()


# ---------------------------------------------------------- anti-aliasing ---

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("sigma", [None, 0.8, (1.5, 0.0), (0.3, 2.0)], ids=str)
def test_anti_aliasing_sigma(sigma, mode):
    image = random_image((30, 26), seed=9)
    kwargs = dict(mode=mode, cval=0.2, anti_aliasing=True, anti_aliasing_sigma=sigma)
    assert_same_pixels(resize(image, (9, 11), **kwargs), sk.resize(image, (9, 11), **kwargs))
    assert_same_pixels(resize(image, (9, 11), order=0, **kwargs),
                       sk.resize(image, (9, 11), order=0, **kwargs))


def test_anti_aliasing_off_and_on_explicitly():
    image = random_image((20, 20), np.float32, seed=10)
    for anti_aliasing in [False, True]:
        for order in [0, 1]:
            kwargs = dict(order=order, anti_aliasing=anti_aliasing)
            assert_same_pixels(resize(image, (7, 6), **kwargs), sk.resize(image, (7, 6), **kwargs))


def test_integer_nearest_with_anti_aliasing_filters_in_the_integer_dtype():
    image = random_image((21, 19), np.uint8, seed=11)
    for mode in MODES:
        kwargs = dict(order=0, anti_aliasing=True, mode=mode, cval=300)
        assert_same_pixels(resize(image, (8, 6), **kwargs), sk.resize(image, (8, 6), **kwargs))


def test_sigma_on_an_axis_that_is_not_shrunk_warns_as_skimage():
    image = random_image((10, 10), seed=12)
    with pytest.warns(UserWarning, match="not down-sampling along all axes") as record:
        ours = resize(image, (5, 20), anti_aliasing=True, anti_aliasing_sigma=1.0)
    assert record[0].filename == __file__          # the caller's line, not imgconv's
    with pytest.warns(UserWarning, match="not down-sampling along all axes"):
        theirs = sk.resize(image, (5, 20), anti_aliasing=True, anti_aliasing_sigma=1.0)
    assert_same_pixels(ours, theirs)


def test_three_x_downscale_with_anti_aliasing_rgb_uint8():
    image = random_image((60, 45, 3), np.uint8, seed=13)
    for channel_axis in [-1, None]:      # None: trailing channels, as skimage assumes
        assert_same_pixels(resize(image, (20, 15), channel_axis=channel_axis),
                           sk.resize(image, (20, 15)))


# ------------------------------------------------------- clip and values ---

@pytest.mark.parametrize("cval", [-2.0, 0.5, 3.0])
@pytest.mark.parametrize("clip", [True, False])
def test_clip_and_cval_as_skimage(clip, cval):
    image = random_image((7, 6), seed=14)
    for target in [(14, 12), (21, 5), (3, 3), (1, 8)]:
        kwargs = dict(mode="constant", cval=cval, clip=clip)
        assert_same_pixels(resize(image, target, **kwargs), sk.resize(image, target, **kwargs))
        assert_same_pixels(resize(image, target, order=0, **kwargs),
                           sk.resize(image, target, order=0, **kwargs))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("size", [8, 90], ids=["small", "large"])   # the range: numpy / kernel
def test_nan_propagates_and_clip_ignores_it(size, dtype):
    image = random_image((size, size), dtype, seed=15) * 3 - 1
    image[3, 4] = np.nan
    image[size - 1, 0] = np.nan
    for target in [(2 * size, 2 * size), (5, 3), (size + 3, size - 2)]:
        assert_same_pixels(resize(image, target), sk.resize(image, target))


def test_all_nan_image():
    image = np.full((70, 70), np.nan)
    out = upscale(image, 2)
    assert out.shape == (140, 140) and np.isnan(out).all()


def test_caffe_bilinear_deconvolution_is_rescale_constant_without_clip():
    image = random_image((5, 6), seed=16)
    out = upscale(image, 2, mode="constant", cval=0.0, clip=False)
    assert_same_pixels(out, sk.rescale(image, 2, mode="constant", clip=False))


# ------------------------------------------------------- preserve_dtype ---

@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("factor", [2, 4, 8, (2, 4)], ids=str)
def test_preserve_dtype_rounds_the_exact_result(dtype, factor):
    """Power-of-two factors have dyadic weights, so the result is exact and
    the rounding (half to even) is the rounding of skimage's float result."""
    image = random_image((9, 7, 3), dtype, seed=17)
    for mode in MODES:
        ours = upscale(image, factor, mode=mode, cval=5, channel_axis=-1, preserve_dtype=True)
        theirs = sk.rescale(image, factor, mode=mode, cval=5, channel_axis=-1,
                            preserve_range=True)
        assert ours.dtype == dtype
        np.testing.assert_array_equal(ours, np.rint(theirs).astype(dtype))


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int16, np.int32, np.float16],
                         ids=lambda d: np.dtype(d).name)
def test_preserve_dtype_any_shape(dtype):
    image = random_image((19, 14), dtype, seed=18)
    for target in [(37, 40), (7, 5), (19, 3)]:
        ours = resize(image, target, preserve_dtype=True)
        theirs = sk.resize(image, target, preserve_range=True)
        assert ours.dtype == dtype
        if np.dtype(dtype).kind == "f":
            np.testing.assert_array_equal(ours, theirs.astype(dtype))
            continue
        info = np.iinfo(dtype)
        expected = np.clip(np.rint(theirs), info.min, info.max)
        # weights of arbitrary shapes are not exact: a value within float
        # rounding of a half may round either way
        diff = np.abs(ours.astype(np.int64) - expected)
        assert diff.max() <= 1
        assert np.all((diff == 0) | (np.abs(theirs - np.floor(theirs) - 0.5) < 1e-6))


def test_preserve_dtype_constant_mode_cval_outside_range():
    image = random_image((6, 5), np.uint8, seed=19) // 2 + 10
    ours = upscale(image, 3, mode="constant", cval=300, preserve_dtype=True)
    theirs = sk.rescale(image, 3, mode="constant", cval=300, preserve_range=True)
    np.testing.assert_array_equal(ours, np.rint(theirs).astype(np.uint8))


def test_preserve_dtype_of_nearest_and_float_images():
    image = random_image((4, 5), np.float16, seed=20)
    assert upscale(image, 2, preserve_dtype=True).dtype == np.float16
    assert upscale(image, 2, order=0, preserve_dtype=True).dtype == np.float16
    assert upscale(image, 2, order=0).dtype == np.float32          # as skimage
    labels = random_image((4, 5), np.int32, seed=21)
    np.testing.assert_array_equal(upscale(labels, 2, order=0, preserve_dtype=True),
                                  np.repeat(np.repeat(labels, 2, 0), 2, 1))


# --------------------------------------------------- OpenCV and PyTorch ---

EDGE_CASES = [((64, 48), (128, 96)), ((64, 48), (256, 192)), ((33, 17), (70, 41)),
              ((50, 60), (35, 21)), ((7, 9), (63, 27))]


@pytest.mark.parametrize("channels", [None, 3])
@pytest.mark.parametrize("shapes", EDGE_CASES, ids=lambda c: f"{c[0]}to{c[1]}")
def test_edge_mode_bilinear_equals_cv2_resize(shapes, channels):
    cv2 = pytest.importorskip("cv2")
    source, target = shapes
    shape = source if channels is None else (*source, channels)
    image = random_image(shape, np.float32, seed=22)
    ours = resize(image, target, mode="edge", anti_aliasing=False)
    theirs = cv2.resize(image, target[::-1], interpolation=cv2.INTER_LINEAR)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=2e-6)


@pytest.mark.parametrize("shapes", EDGE_CASES, ids=lambda c: f"{c[0]}to{c[1]}")
def test_edge_mode_bilinear_equals_torch_interpolate(shapes):
    torch = pytest.importorskip("torch")
    source, target = shapes
    image = random_image((3, *source), np.float32, seed=23)
    ours = resize(image, target, mode="edge", anti_aliasing=False, channel_axis=0)
    theirs = torch.nn.functional.interpolate(torch.from_numpy(image)[None], size=target,
                                             mode="bilinear", align_corners=False)[0]
    # torch computes the source coordinates in float32 (ulp 4e-6 at 50)
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=0, atol=1e-5)


def test_uint8_photo_within_one_level_of_cv2():
    cv2 = pytest.importorskip("cv2")
    image = random_image((40, 30, 3), np.uint8, seed=24)
    ours = upscale(image, 2, mode="edge", channel_axis=-1, preserve_dtype=True)
    theirs = cv2.resize(image, (60, 80), interpolation=cv2.INTER_LINEAR)
    assert np.abs(ours.astype(int) - theirs).max() <= 1


# ------------------------------------------------------------- threads ---

@pytest.mark.parametrize("case", ["upscale", "upscale-u8", "resize-aa", "nearest"])
def test_results_do_not_depend_on_the_thread_count(case, four_cores):
    rgb = random_image((37, 29, 3), np.float32, seed=25)
    run = {
        "upscale": lambda n: upscale(rgb, 3, channel_axis=-1, n_threads=n),
        "upscale-u8": lambda n: upscale((rgb * 255).astype(np.uint8), 2, channel_axis=-1,
                                        preserve_dtype=True, n_threads=n),
        "resize-aa": lambda n: resize(rgb, (11, 13), channel_axis=-1, n_threads=n),
        "nearest": lambda n: resize(rgb, (70, 50), order=0, channel_axis=-1, n_threads=n),
    }[case]
    serial = run(1)
    for n in (2, 3, 4, -1, None):
        np.testing.assert_array_equal(run(n), serial)


# ------------------------------------------------------- input handling ---

@pytest.mark.parametrize("function", ["upscale", "resize", "rescale"])
def test_inputs_are_not_modified_and_layout_does_not_matter(function):
    base = random_image((14, 3, 18), seed=26)
    call = {
        "upscale": lambda im, **kw: upscale(im, 2, **kw),
        "resize": lambda im, **kw: resize(im, (5, 4), **kw),
        "rescale": lambda im, **kw: rescale(im, 1.5, **kw),
    }[function]
    views = {
        "strided": base[::2, :, ::-2],
        "fortran": np.asfortranarray(base),
        "big-endian": base.astype(">f8"),
        "middle-axis": base,
    }
    for name, view in views.items():
        view = view.copy() if name == "big-endian" else view
        view.flags.writeable = False
        before = view.copy()
        out = call(view, channel_axis=1)
        np.testing.assert_array_equal(out, call(np.ascontiguousarray(view), channel_axis=1))
        np.testing.assert_array_equal(view, before)
        assert out.shape[1] == 3


def test_list_input_and_middle_channel_axis():
    image = random_image((5, 3, 4), seed=27)
    out = upscale(image.tolist(), 2, channel_axis=1)
    expected = np.moveaxis(sk.rescale(np.moveaxis(image, 1, -1), 2, channel_axis=-1), -1, 1)
    assert_same_pixels(out, expected)


def test_output_shape_with_channels():
    image = random_image((6, 8, 3), seed=28)
    assert resize(image, (3, 4, 3)).shape == (3, 4, 3)
    assert resize(np.moveaxis(image, -1, 0), (3, 3, 4), channel_axis=0).shape == (3, 3, 4)
    assert_same_pixels(resize(image, (3, 4)), sk.resize(image, (3, 4)))


def test_upscale_memory_stays_near_the_output_size():
    image = random_image((256, 256, 3), np.float32, seed=29)
    out_bytes = 4 * image.nbytes
    for kwargs in [dict(), dict(order=0)]:
        tracemalloc.start()
        try:
            upscale(image, 2, channel_axis=-1, **kwargs)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak <= 1.25 * out_bytes
    photo = (image * 255).astype(np.uint8)
    tracemalloc.start()
    try:
        upscale(photo, 2, channel_axis=-1, preserve_dtype=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= 1.25 * 4 * photo.nbytes      # no float image on the way


# --------------------------------------------------------------- errors ---

IMAGE = np.zeros((4, 5))


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: upscale(IMAGE, 0), ValueError, "factor must be >= 1, got 0"),
        (lambda: upscale(IMAGE, 2.0), TypeError, "factor must be an integer, got 2.0"),
        (lambda: upscale(IMAGE, True), TypeError, "factor must be an integer, got the bool"),
        (lambda: upscale(IMAGE, (2, 2, 2)), ValueError,
         r"factor must be an integer or one per spatial axis \(2\)"),
        (lambda: upscale(IMAGE, 2, order=6), ValueError,
         r"order must be 0 \(nearest\), 1 \(linear\) or 2-5 \(B-splines\), got 6"),
        (lambda: upscale(IMAGE, 2, order=-1), ValueError, "order must be 0 .*, got -1"),
        (lambda: upscale(IMAGE, 2, order="linear"), TypeError, "order must be an integer"),
        (lambda: upscale(IMAGE > 0, 2, order=1), ValueError,
         "order=1 is not defined for a bool image"),
        (lambda: resize(IMAGE > 0, (3, 3), order=3), ValueError,
         "order=3 is not defined for a bool image"),
        (lambda: upscale(IMAGE, 2, mode="mirror"), ValueError,
         "mode must be one of 'constant', 'edge', 'symmetric', 'reflect', 'wrap'; got 'mirror'"),
        (lambda: upscale(IMAGE, 2, cval="a"), TypeError, "cval must be a real number, got 'a'"),
        (lambda: upscale(IMAGE, 2, clip=1), TypeError, "clip must be True or False, got 1"),
        (lambda: upscale(IMAGE, 2, preserve_range="yes"), TypeError,
         "preserve_range must be True or False, got 'yes'"),
        (lambda: upscale(IMAGE, 2, preserve_dtype=None), TypeError,
         "preserve_dtype must be True or False, got None"),
        (lambda: upscale(IMAGE, 2, method="fft"), ValueError,
         "method must be one of 'auto', 'polyphase', 'gemm', 'subpixel', 'zero_insert'; got 'fft'"),
        (lambda: upscale(IMAGE, 2, order=3, method="gemm"), ValueError,
         (r"method='gemm' runs the transposed convolution of 2-D NumPy images: .* order 0 or 1, "
          r"got shape \(4, 5\) and order 3")),
        (lambda: upscale(np.zeros((3, 4, 5)), 2, method="subpixel"), ValueError,
         r"image must be 2-D \(with or without channels\).* got shape \(3, 4, 5\)"),
        (lambda: upscale(IMAGE, 2, n_threads=0), ValueError,
         "n_threads must be None or a non-zero integer, got 0"),
        (lambda: upscale(IMAGE, 2, channel_axis=2), ValueError,
         r"channel_axis=2 is out of range for an image with 2 dimensions"),
        (lambda: upscale(IMAGE, 2, channel_axis=1.0), TypeError,
         "channel_axis must be an integer, got 1.0"),
        (lambda: upscale(np.zeros(()), 2), ValueError,
         "image must have at least one dimension, got a 0-d array"),
        (lambda: upscale(np.zeros((0, 3)), 2), ValueError,
         r"image must not have empty dimensions, got shape \(0, 3\)"),
        (lambda: upscale(np.zeros((3, 3), complex), 2), TypeError,
         "image must have a real numeric or bool dtype, got dtype complex128"),
        (lambda: upscale(np.ma.zeros((3, 3)), 2), TypeError, "image is a masked array"),
        (lambda: upscale(IMAGE, 2**61), ValueError,
         r"the output would have \d+ pixels .* more than max_pixels=178956970"),
        (lambda: upscale(IMAGE, 3, max_pixels=100), ValueError,
         r"would have 180 pixels \(shape \(12, 15\)\), more than max_pixels=100"),
        (lambda: upscale(np.zeros((4, 5, 3)), 3, channel_axis=-1, max_pixels=100), ValueError,
         r"would have 180 pixels \(shape \(12, 15\)\)"),
        (lambda: upscale(IMAGE, 2, max_pixels=0), ValueError, "max_pixels must be >= 1, got 0"),
        (lambda: resize(IMAGE, (0, 3)), ValueError, "output_shape must be > 0, got 0.0"),
        (lambda: resize(IMAGE, (0.1, 3)), ValueError,
         "output_shape entry 0.1 gives no pixel; sizes must round to >= 1"),
        (lambda: resize(IMAGE, (np.inf, 3)), ValueError, "output_shape must be finite, got inf"),
        (lambda: resize(IMAGE, (True, 3)), TypeError,
         "output_shape must be a real number, got True"),
        (lambda: resize(IMAGE, 7), TypeError, "output_shape must be a sequence of numbers, got 7"),
        (lambda: resize(np.zeros((4, 5, 6)), (2,)), ValueError,
         (r"output_shape must have at least 2 entries for an image of shape \(4, 5, 6\), "
          r"got \(2,\)")),
        (lambda: resize(np.zeros((4, 5, 3)), (2, 3, 4), channel_axis=-1), ValueError,
         r"output_shape \(2, 3, 4\) changes the number of channels \(3 at axis 2\)"),
        (lambda: resize(np.zeros((4, 5, 3)), (2, 3, 3, 1), channel_axis=-1), ValueError,
         (r"output_shape must be the spatial sizes \(2\) or the full shape of the image "
          r"\(4, 5, 3\), got \(2, 3, 3, 1\)")),
        (lambda: resize(IMAGE > 0, (2, 2), anti_aliasing=True), ValueError,
         "anti_aliasing must be False for bool images"),
        (lambda: resize(IMAGE, (2, 2), anti_aliasing=1), TypeError,
         "anti_aliasing must be True or False, got 1"),
        (lambda: resize(IMAGE, (2, 2), anti_aliasing_sigma=-1.0), ValueError,
         r"anti_aliasing_sigma must be >= 0, got -1.0"),
        (lambda: resize(IMAGE, (2, 2), anti_aliasing_sigma=(1.0, 2.0, 3.0)), ValueError,
         (r"anti_aliasing_sigma must be a number or one per spatial axis \(2\), got "
          r"\(1.0, 2.0, 3.0\)")),
        (lambda: resize(IMAGE, (2, 2), anti_aliasing_sigma="wide"), TypeError,
         "anti_aliasing_sigma must be a real number, got 'wide'"),
        (lambda: resize(IMAGE, (2, 2), anti_aliasing=False, anti_aliasing_sigma="wide"),
         TypeError, "anti_aliasing_sigma must be a real number, got 'wide'"),
        (lambda: rescale(IMAGE, 1e308), ValueError,
         r"scale=1e\+308 gives an output too large to represent"),
        (lambda: resize(IMAGE, (3, 3), cval=10**400), ValueError,
         "cval is too large for a float"),
        (lambda: rescale(IMAGE, 0), ValueError, "scale must be > 0, got 0.0"),
        (lambda: rescale(IMAGE, np.inf), ValueError, "scale must be finite, got inf"),
        (lambda: rescale(IMAGE, (1, 2, 3)), ValueError,
         r"scale must be a number or one per spatial axis \(2\), got \(1, 2, 3\)"),
        (lambda: rescale(np.zeros((4, 5, 3)), (1, 2, 3), channel_axis=2), ValueError,
         r"scale must be a number or one per spatial axis \(2\)"),
        (lambda: rescale(IMAGE, "2"), TypeError, "scale must be a real number, got '2'"),
        (lambda: rescale(IMAGE, 1e10), ValueError, "the output would have"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_max_pixels_from_the_environment(monkeypatch):
    monkeypatch.setenv("IMGCONV_MAX_PIXELS", "50")
    with pytest.raises(ValueError, match=r"would have 80 pixels .* max_pixels=50"):
        upscale(IMAGE, 2)
    assert upscale(IMAGE, 2, max_pixels=80).shape == (8, 10)


def test_public_names():
    assert {"upscale", "resize", "rescale"} <= set(imgconv.__all__)
    assert all(name in imgconv.__all__ for name in itertools.chain(
        ["bilinear_kernel", "nearest_kernel", "kernel_padding", "SubpixelConv"]))


def test_preserve_dtype_needs_a_finite_cval_for_integer_images():
    image = np.zeros((4, 4), np.uint8)
    with pytest.raises(ValueError, match="cval must be finite for an integer result"):
        imgconv.upscale(image, 2, mode="constant", cval=np.inf, preserve_dtype=True)
    # a float image takes it (inf at the border, as skimage), and so does a
    # mode that never reads cval
    out = imgconv.upscale(image.astype(np.float32), 2, mode="constant", cval=np.inf,
                          preserve_dtype=True, clip=False)
    expected = sk.rescale(image.astype(np.float32), 2, mode="constant", cval=np.inf,
                          clip=False)
    np.testing.assert_array_equal(out, expected)
    assert np.isinf(out[0]).any() and (out[2:-2, 2:-2] == 0).all()
    out = imgconv.upscale(image + 9, 2, cval=np.nan, preserve_dtype=True)
    assert out.dtype == np.uint8 and (out == 9).all()


def test_kernel_sizes_are_bounded_before_allocating():
    with pytest.raises(ValueError, match=r"the kernel would have .* pixels"):
        imgconv.bilinear_kernel(2**31)
    with pytest.raises(ValueError, match=r"the kernel would have .* pixels"):
        imgconv.nearest_kernel((1, 2**40))


@pytest.mark.parametrize("call", [lambda im: resize(im, im.shape), lambda im: upscale(im, 1),
                                  lambda im: rescale(im, 1.0)], ids=["resize", "upscale",
                                                                     "rescale"])
def test_same_shape_reads_no_neighbour(call):
    """skimage's resize returns the image itself at zoom 1 (scipy.ndimage.zoom's
    early exit): a NaN or inf pixel stays in its place."""
    image = random_image((4, 5), seed=30)
    image[1, 2], image[3, 3] = np.inf, np.nan
    ours = call(image)
    np.testing.assert_array_equal(ours, sk.resize(image, (4, 5)))
    assert ours is not image and np.isfinite(ours).sum() == 18


def test_anti_aliasing_tap_tables_are_bounded_before_allocating():
    with pytest.raises(ValueError, match="the anti-aliasing tap table would have"):
        resize(np.ones((4, 4)), (2, 2), anti_aliasing_sigma=1e9)


# ------------------------------------- any dimension, spline orders 0-5 ---

def _sk_resize_nd(image, output_shape, channel_axis=None, **kwargs):
    """skimage.transform.resize with the channels at channel_axis (kept)."""
    if channel_axis is None:
        return sk.resize(image, output_shape, **kwargs)
    moved = np.moveaxis(image, channel_axis, -1)
    return np.moveaxis(sk.resize(moved, output_shape, **kwargs), -1, channel_axis)


def _nd_cases(seed, count, max_ndim=4):
    """Random resize problems: ndim 1-4, 1 to 40 pixels per axis (fewer for
    volumes), enlarging, shrinking and non-integer ratios, every mode."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        ndim = int(rng.integers(1, max_ndim + 1))
        top = 41 if ndim <= 2 else 11
        shape = tuple(int(s) for s in rng.integers(1, top, ndim))
        target = tuple(int(s) for s in rng.integers(1, top, ndim))
        yield shape, target, str(rng.choice(MODES)), float(rng.choice([0.0, 0.35, -1.5]))


@pytest.mark.parametrize("order", [0, 1, 2, 3, 4, 5])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_any_dimension_and_order_equals_skimage(order, dtype):
    for k, (shape, target, mode, cval) in enumerate(_nd_cases(100 + order, 40)):
        image = random_image(shape, dtype, seed=k)
        kwargs = dict(order=order, mode=mode, cval=cval)
        assert_same_pixels(resize(image, target, **kwargs), sk.resize(image, target, **kwargs),
                           exact=order == 0)


@pytest.mark.parametrize("order", [0, 1, 3, 5])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int16, np.float16],
                         ids=lambda d: np.dtype(d).name)
def test_integer_and_half_images_in_any_dimension(order, dtype):
    for k, (shape, target, mode, cval) in enumerate(_nd_cases(200 + order, 12, max_ndim=3)):
        image = random_image(shape, dtype, seed=k)
        for preserve_range in (False, True):
            kwargs = dict(order=order, mode=mode, cval=cval, preserve_range=preserve_range)
            assert_same_pixels(resize(image, target, **kwargs),
                               sk.resize(image, target, **kwargs))


@pytest.mark.parametrize("order", [1, 2, 3, 5])
@pytest.mark.parametrize("mode", MODES)
def test_spline_orders_with_anti_aliasing(order, mode):
    image = random_image((27, 33), seed=31)
    for sigma in (None, 0.7, (1.5, 0.0)):
        kwargs = dict(order=order, mode=mode, cval=0.6, anti_aliasing=True,
                      anti_aliasing_sigma=sigma)
        assert_same_pixels(resize(image, (8, 13), **kwargs), sk.resize(image, (8, 13), **kwargs))
    kwargs = dict(order=order, mode=mode, anti_aliasing=False)
    assert_same_pixels(resize(image, (8, 13), **kwargs), sk.resize(image, (8, 13), **kwargs))


@pytest.mark.parametrize("order", [0, 1, 3, 4])
@pytest.mark.parametrize("channel_axis", [0, 1, 2, -1])
def test_channels_at_any_axis_of_a_volume(order, channel_axis):
    shape = [7, 6, 5]
    shape.insert(channel_axis % 4, 3)
    image = random_image(tuple(shape), seed=32)
    for target in [(9, 4, 11), (3, 6, 2)]:
        for mode in ("reflect", "symmetric", "constant"):
            kwargs = dict(order=order, mode=mode, cval=0.25)
            ours = resize(image, target, channel_axis=channel_axis, **kwargs)
            assert_same_pixels(ours, _sk_resize_nd(image, target, channel_axis, **kwargs),
                               exact=order == 0)


@pytest.mark.parametrize("order", [0, 1, 2, 3])
def test_rescale_and_upscale_of_volumes_and_signals(order):
    volume = random_image((6, 5, 7), seed=33)
    signal = random_image((13,), seed=34)
    for mode in MODES:
        kwargs = dict(order=order, mode=mode, cval=0.4)
        assert_same_pixels(rescale(volume, (0.5, 2.0, 1.3), **kwargs),
                           sk.rescale(volume, (0.5, 2.0, 1.3), **kwargs), exact=order == 0)
        assert_same_pixels(upscale(volume, (2, 1, 3), **kwargs),
                           sk.rescale(volume, (2, 1, 3), **kwargs), exact=order == 0)
        assert_same_pixels(upscale(signal, 3, **kwargs), sk.rescale(signal, 3, **kwargs),
                           exact=order == 0)
        rgb_frames = random_image((4, 6, 5, 3), seed=35)
        assert_same_pixels(rescale(rgb_frames, (1, 1.5, 0.5), channel_axis=-1, **kwargs),
                           sk.rescale(rgb_frames, (1, 1.5, 0.5), channel_axis=-1, **kwargs),
                           exact=order == 0)


def test_output_shape_rules_of_skimage():
    image = random_image((6, 8, 3), seed=36)
    # one entry fewer keeps the last axis; more entries append size-1 axes
    assert_same_pixels(resize(image, (3, 4)), sk.resize(image, (3, 4)))
    assert_same_pixels(resize(image, (3, 4, 3, 2)), sk.resize(image, (3, 4, 3, 2)))
    assert resize(image[..., 0], (3, 4, 5)).shape == (3, 4, 5)
    # every axis of a 3-D array without channel_axis is resampled, channels too
    assert_same_pixels(resize(image, (3, 4, 5)), sk.resize(image, (3, 4, 5)))
    # float sizes: round(n * (1 / (n / s))), half to even, as skimage
    for target in [(3.0, 6.0), np.asarray([3.0, 6.0]), (2.5, 5.5), (4.5, 7.4999)]:
        assert_same_pixels(resize(image[..., 0], target), sk.resize(image[..., 0], target))
    assert resize(image[..., 0], (2.5, 4.5)).shape == (2, 4)


def test_a_stack_of_frames_equals_each_frame_resized():
    frames = random_image((5, 17, 13, 3), seed=37)
    frames[2, 4, 4, 1] = np.nan                   # stays in its own frame and channel
    for order in (0, 1, 3):
        stack = resize(frames, (5, 7, 29, 3), order=order)
        for t in range(5):
            single = resize(frames[t], (7, 29), order=order, channel_axis=-1)
            np.testing.assert_array_equal(stack[t], single)
        assert not np.isnan(np.delete(stack, 2, axis=0)).any()


def test_an_axis_that_keeps_its_size_costs_no_pass():
    from imgconv._plan import resample_plan

    def passes(shape, out_shape, order, mode="reflect", code=1):
        plan = resample_plan(shape, np.dtype(np.float32), out_shape, order=order, code=code,
                             mode=mode, cval=0.0, clip=True, preserve_range=False,
                             preserve_dtype=False, sigmas=(0.0,) * len(shape))
        return sorted(plan.axes)

    assert passes((4, 64, 64, 3), (4, 128, 96, 3), 1) == [1, 2]
    assert passes((64, 64, 64), (64, 64, 32), 3) == [2]
    # mode 'symmetric' (ndimage 'reflect') prefilters short axes that keep their size
    symmetric = passes((64, 64, 3), (32, 32, 3), 3, "symmetric", code=0)
    assert symmetric == ([0, 1, 2] if imgconv._taps.reflect_reads_running_sum() else [0, 1])


def test_symmetric_mode_spline_orders_mix_short_axes_as_skimage():
    image = random_image((9, 7, 3), seed=38)
    for order in (2, 3, 5):
        kwargs = dict(order=order, mode="symmetric")
        assert_same_pixels(resize(image, (13, 4), **kwargs), sk.resize(image, (13, 4), **kwargs))
        assert_same_pixels(resize(image, (9, 7), **kwargs), sk.resize(image, (9, 7), **kwargs))


@pytest.mark.parametrize("order", [2, 3, 4, 5])
def test_spline_nan_fills_the_output_as_skimage(order):
    image = random_image((9, 8), seed=39)
    image[4, 3] = np.nan
    ours = resize(image, (11, 5), order=order)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(sk.resize(image, (11, 5),
                                                                      order=order)))
    assert np.isnan(ours).all()


@pytest.mark.parametrize("mode", MODES)
def test_prefilter_equals_scipy_spline_filter(mode):
    """The compiled prefilter gives scipy.ndimage.spline_filter1d's coefficients
    bit for bit, boundary initialisations included (SciPy's 'reflect' one
    as installed)."""
    from scipy import ndimage

    from imgconv import _taps
    from imgconv._validate import PAD_TO_NDIMAGE, check_pad_mode

    ndi_mode = PAD_TO_NDIMAGE[mode]
    ndi_mode = {"constant": "grid-constant", "wrap": "grid-wrap"}.get(ndi_mode, ndi_mode)
    rng = np.random.default_rng(40)
    for n in (2, 3, 4, 7, 30, 101):
        line = rng.standard_normal(n)
        for order in (2, 3, 4, 5):
            ours = _taps.prefilter_line(line, order, check_pad_mode(mode))
            np.testing.assert_array_equal(ours, ndimage.spline_filter1d(line, order,
                                                                        mode=ndi_mode))


def test_upscale_spline_orders_on_color_images():
    photo = random_image((12, 9, 3), np.uint8, seed=41)
    for order in (2, 3, 4, 5):
        for mode in MODES:
            kwargs = dict(order=order, mode=mode, channel_axis=-1)
            assert_same_pixels(upscale(photo, 3, **kwargs), sk.rescale(photo, 3, **kwargs))
            ours = upscale(photo, 2, preserve_dtype=True, **kwargs)
            theirs = sk.rescale(photo, 2, preserve_range=True, **kwargs)
            assert ours.dtype == np.uint8
            diff = np.abs(ours.astype(int) - np.clip(np.rint(theirs), 0, 255))
            assert diff.max() <= 1
            assert np.all((diff == 0) | (np.abs(theirs - np.floor(theirs) - 0.5) < 1e-9))


# ------------------------------------------------------------------ out= ---

OUT_CALLS = {
    "upscale": lambda x, **kw: upscale(x, 2, **kw),
    "upscale-u8": lambda x, **kw: upscale((x * 255).astype(np.uint8), 3, channel_axis=-1,
                                          preserve_dtype=True, **kw),
    "upscale-gemm": lambda x, **kw: upscale(x[..., 0], 2, method="gemm", **kw),
    "resize-aa": lambda x, **kw: resize(x, (7, 5), channel_axis=-1, **kw),
    "resize-cubic-constant": lambda x, **kw: resize(x, (30, 9), order=3, mode="constant",
                                                    cval=5.0, channel_axis=-1, **kw),
    "resize-nearest": lambda x, **kw: resize(x, (31, 5), order=0, channel_axis=-1, **kw),
    "resize-pillow": lambda x, **kw: resize((x * 255).astype(np.uint8), (9, 30),
                                            channel_axis=-1, filter="lanczos",
                                            preserve_dtype=True, **kw),
    "resize-int16": lambda x, **kw: resize((x * 100).astype(np.int16), (9, 30), channel_axis=-1,
                                           preserve_dtype=True, **kw),
    "rescale-volume": lambda x, **kw: rescale(x, (0.5, 1.5, 2), **kw),
    "interpolate": lambda x, **kw: imgconv.interpolate(
        np.moveaxis(x, -1, 0)[None].copy(), scale_factor=1.5, mode="bicubic", **kw),
}


@pytest.mark.parametrize("name", OUT_CALLS)
def test_out_gets_the_allocating_result_and_is_returned(name, four_cores):
    image = random_image((19, 14, 3), np.float32, seed=42)
    call = OUT_CALLS[name]
    expected = call(image)
    for n in (1, 3):
        out = np.full(expected.shape, 7, expected.dtype)
        got = call(image, out=out, n_threads=n)
        assert got is out
        np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("name", OUT_CALLS)
def test_a_wrong_out_is_refused_before_anything_is_written(name):
    image = random_image((19, 14, 3), np.float32, seed=43)
    call = OUT_CALLS[name]
    expected = call(image)
    wrong_dtype = np.float64 if expected.dtype != np.float64 else np.float32
    bad = {
        "shape": (np.zeros(expected.shape[:-1] + (expected.shape[-1] + 1,), expected.dtype),
                  ValueError, "out must be an array of shape"),
        "dtype": (np.zeros(expected.shape, wrong_dtype), ValueError, "and dtype"),
        "strides": (np.zeros(expected.shape[::-1], expected.dtype).T, ValueError,
                    "must be C-contiguous"),
        "list": (expected.tolist(), TypeError, "out must be an array"),
    }
    read_only = np.zeros(expected.shape, expected.dtype)
    read_only.flags.writeable = False
    bad["read-only"] = (read_only, ValueError, "out is read-only")
    for out, error, match in bad.values():
        before = np.array(out, copy=True) if isinstance(out, np.ndarray) else None
        with pytest.raises(error, match=match):
            call(image, out=out)
        if before is not None:
            np.testing.assert_array_equal(out, before)


def test_out_must_not_overlap_the_image():
    image = random_image((10, 10), seed=44)
    with pytest.raises(ValueError, match="out shares memory with an input"):
        resize(image, (10, 10), order=0, out=image)
    buffer = np.zeros(400)
    with pytest.raises(ValueError, match="out shares memory with an input"):
        upscale(buffer[:100].reshape(10, 10), 2, out=buffer.reshape(20, 20))
    assert not buffer.any()


def test_out_is_refused_for_dask_arrays():
    da = pytest.importorskip("dask.array")
    lazy = da.zeros((8, 8), chunks=4)
    with pytest.raises(TypeError, match="out= takes NumPy results; for a dask array"):
        upscale(lazy, 2, out=np.zeros((16, 16)))
    with pytest.raises(TypeError, match="out= takes NumPy results"):
        imgconv.interpolate(lazy[None, None], size=(4, 4), out=np.zeros((1, 1, 4, 4)))


def test_streaming_stores_give_the_same_bits(monkeypatch):
    """Large float outputs are written with streaming stores (from
    _resample.STREAM_BYTES on); lowering the bound to 0 takes small ones,
    of odd widths, through the same code, which must store the same bits."""
    from imgconv import _resample
    rng = np.random.default_rng(12)
    calls = [
        lambda: resize(rng_image(np.float32, (37, 53)), (101, 77), mode="edge"),
        lambda: resize(rng_image(np.float64, (20, 31, 3)), (45, 64), channel_axis=-1),
        lambda: resize(rng_image(np.float32, (29, 41)), (61, 90), order=3, mode="reflect"),
        lambda: resize(rng_image(np.float64, (29, 41)), (13, 90), order=0),
        lambda: upscale(rng_image(np.float32, (33, 19, 2)), 2, channel_axis=-1),
        lambda: upscale(rng_image(np.float64, (17, 23)), 3, order=0),
    ]

    def rng_image(dtype, shape):
        return rng.random(shape).astype(dtype)

    for call in calls:
        state = rng.bit_generator.state
        plain = call()
        rng.bit_generator.state = state
        monkeypatch.setattr(_resample, "STREAM_BYTES", 0)
        streamed = call()
        monkeypatch.undo()
        assert streamed.dtype == plain.dtype
        np.testing.assert_array_equal(streamed, plain)
