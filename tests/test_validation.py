"""The input contract every public function keeps: bad input gets a clear
TypeError/ValueError; odd but valid input gives the result of a clean copy;
the caller's array is never written."""
import numpy as np
import pytest

import imgconv
from imgconv import _validate as v
from public_api import CASE_IDS, CASES, expected_dtype, first_array


def _result(case, x):
    return first_array(case.call(x))


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@pytest.mark.parametrize(
    "dtype,what",
    [(np.complex128, "complex"), (object, "object"), ("U3", "str"),
     ("datetime64[s]", "datetime"), ([("a", "f8")], "structured")],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_unsupported_dtypes_raise_type_error(case, dtype, what):
    x = np.zeros(case.shape, dtype=dtype)
    with pytest.raises(TypeError, match=r"must have a real numeric or bool dtype, got dtype"):
        case.call(x)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_masked_arrays_are_rejected(case):
    x = np.ma.masked_array(case.make_input(), mask=np.zeros(case.shape, bool))
    with pytest.raises(TypeError, match="masked array; masks are not supported"):
        case.call(x)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_wrong_ndim_raises_value_error(case):
    if case.any_ndim:
        with pytest.raises(ValueError, match="must have at least one dimension, got a 0-d"):
            case.call(np.zeros(()))
        return
    with pytest.raises(ValueError, match=r"must be .*got shape \(5,\)"):
        case.call(np.zeros(5))


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_empty_dimensions_raise_value_error(case):
    shape = case.shape[:-1] + (0,)
    with pytest.raises(ValueError, match="must not have empty dimensions"):
        case.call(np.zeros(shape))


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "uint8", "int16", "bool"])
def test_dtype_rules(case, dtype):
    x = case.make_input(dtype=np.float64)
    x = (x > 0) if dtype == "bool" else (x * 100 if "int" in dtype else x).astype(dtype)
    if dtype == "bool" and not case.accepts_bool:
        with pytest.raises(ValueError, match="not defined for a bool image"):
            case.call(x)
    else:
        assert _result(case, x).dtype == expected_dtype(case, dtype)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_big_endian_input_gives_the_native_result(case):
    x = case.make_input()
    out = _result(case, x.astype(">f8"))
    assert np.asarray(out).dtype.isnative
    np.testing.assert_array_equal(out, _result(case, x))


def _views(x):
    """Odd but valid layouts of the same values as ``x``."""
    fortran = np.asfortranarray(x)
    flipped = np.flip(np.flip(x, -1).copy(), -1)          # negative strides
    padded = np.zeros(tuple(2 * s for s in x.shape), x.dtype)
    strided = padded[tuple(slice(None, None, 2) for _ in x.shape)]
    strided[...] = x
    readonly = x.copy()
    readonly.flags.writeable = False
    return {"fortran": fortran, "negative-stride": flipped, "strided": strided,
            "read-only": readonly}


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("layout", ["fortran", "negative-stride", "strided", "read-only"])
def test_views_give_the_result_of_a_contiguous_copy_and_are_not_written(case, layout):
    x = case.make_input()
    view = _views(x)[layout]
    before = view.copy()
    np.testing.assert_array_equal(_result(case, view), _result(case, x))
    np.testing.assert_array_equal(view, before)


@pytest.mark.parametrize("case", [c for c in CASES if c.name != "conv_lipschitz"],
                         ids=[n for n in CASE_IDS if n != "conv_lipschitz"])
def test_nan_and_inf_propagate_only_where_they_are_read(case):
    """A NaN and an inf pixel reach the outputs that read them, and no others:
    the outputs a perturbation of those two pixels leaves unchanged (grown by
    one pixel, for taps of weight zero, which ndimage-style sums still read)
    keep the values they have without them."""
    from scipy import ndimage

    x = case.make_input()
    spots = [0, x.size // 2]
    clean = np.asarray(_result(case, x))
    nudged = x.copy()
    nudged.flat[spots] += 100.0
    reach = np.asarray(_result(case, nudged)) != clean
    reach = ndimage.binary_dilation(reach, np.ones((3,) * reach.ndim, bool))
    bad = x.copy()
    bad.flat[spots[1]] = np.nan
    bad.flat[spots[0]] = np.inf
    out = np.asarray(_result(case, bad))
    assert out.shape == clean.shape and out.dtype == clean.dtype
    if case.kind == "data":
        assert np.isnan(out).sum() == 1 and np.isinf(out).sum() == 1
    assert not np.isfinite(out).all()
    assert not (~np.isfinite(out) & ~reach).any(), "NaN or inf spread beyond the pixels reading it"
    np.testing.assert_allclose(out[~reach], clean[~reach], rtol=1e-12, atol=1e-12)


def test_conv_lipschitz_refuses_a_weight_that_is_not_finite():
    weight = np.ones((1, 1, 3, 3))
    weight[0, 0, 1, 1] = np.nan
    with pytest.raises(ValueError, match="weight must be finite"):
        imgconv.conv_lipschitz(weight, (1, 8, 8))


# ---------------------------------------------------- scalar arguments ---

@pytest.mark.parametrize(
    "value,error,match",
    [
        (True, TypeError, "n must be an integer, got the bool True"),
        (np.bool_(False), TypeError, "n must be an integer, got the bool"),
        (2.0, TypeError, "n must be an integer, got 2.0"),
        ("2", TypeError, "n must be an integer, got '2'"),
        (None, TypeError, "n must be an integer, got None"),
        (0, ValueError, "n must be >= 1, got 0"),
    ],
    ids=lambda v: repr(v) if not isinstance(v, type) else None,
)
def test_check_int(value, error, match):
    with pytest.raises(error, match=match):
        v.check_int(value, "n", min_value=1)


def test_check_int_accepts_numpy_integers():
    assert v.check_int(np.int64(3), "n") == 3
    assert type(v.check_int(np.uint8(3), "n")) is int


@pytest.mark.parametrize(
    "value,error,match",
    [
        (float("nan"), ValueError, "x must be finite, got nan"),
        (float("inf"), ValueError, "x must be finite, got inf"),
        (0.0, ValueError, "x must be > 0, got 0.0"),
        (True, TypeError, "x must be a real number, got True"),
        (1j, TypeError, "x must be a real number, got 1j"),
    ],
)
def test_check_float(value, error, match):
    with pytest.raises(error, match=match):
        v.check_float(value, "x", min_value=0, exclusive_min=True)


def test_max_pixels_from_argument_environment_and_default(monkeypatch):
    monkeypatch.delenv("IMGCONV_MAX_PIXELS", raising=False)
    assert v.max_pixels_limit() == v.DEFAULT_MAX_PIXELS == 178_956_970
    monkeypatch.setenv("IMGCONV_MAX_PIXELS", "1000")
    assert v.max_pixels_limit() == 1000
    assert v.max_pixels_limit(5) == 5
    with pytest.raises(ValueError, match="would have 1001 pixels"):
        v.check_output_pixels((7, 143))
    monkeypatch.setenv("IMGCONV_MAX_PIXELS", "lots")
    with pytest.raises(ValueError,
                       match="IMGCONV_MAX_PIXELS must be a positive integer, got 'lots'"):
        v.max_pixels_limit()
    with pytest.raises(ValueError, match="max_pixels must be >= 1, got 0"):
        v.max_pixels_limit(0)


# every public function that allocates an image-sized result takes max_pixels=
# and refuses a result beyond it before computing anything
_IMAGE = np.zeros((6, 6))
_TENSOR = np.zeros((1, 4, 6, 6))
MAX_PIXELS_CALLS = {
    "upscale": lambda m: imgconv.upscale(_IMAGE, 2, max_pixels=m),
    "resize": lambda m: imgconv.resize(_IMAGE, (9, 9), max_pixels=m),
    "rescale": lambda m: imgconv.rescale(_IMAGE, 1.5, max_pixels=m),
    "interpolate": lambda m: imgconv.interpolate(_TENSOR, scale_factor=2, max_pixels=m),
    "atrous_filter": lambda m: imgconv.atrous_filter(_IMAGE, np.ones((3, 3)), 2, max_pixels=m),
    "starlet": lambda m: imgconv.starlet(_IMAGE, 2, max_pixels=m),
    "istarlet": lambda m: imgconv.istarlet(np.zeros((3, 6, 6)), max_pixels=m),
    "multiscale_features": lambda m: imgconv.multiscale_features(_IMAGE, n_scales=2,
                                                                 max_pixels=m),
    "conv2d": lambda m: imgconv.conv2d(_TENSOR, np.zeros((2, 4, 3, 3)), max_pixels=m),
    "conv_transpose2d": lambda m: imgconv.conv_transpose2d(_TENSOR, np.zeros((4, 2, 2, 2)),
                                                           stride=2, max_pixels=m),
    "depth_to_space": lambda m: imgconv.depth_to_space(_TENSOR, 2, max_pixels=m),
    "space_to_depth": lambda m: imgconv.space_to_depth(_TENSOR, 2, max_pixels=m),
    "space_to_batch": lambda m: imgconv.space_to_batch(_TENSOR, 2, max_pixels=m),
    "batch_to_space": lambda m: imgconv.batch_to_space(np.zeros((4, 1, 3, 3)), 2, max_pixels=m),
    "ContextModule": lambda m: imgconv.ContextModule(4)(_TENSOR, max_pixels=m),
}


@pytest.mark.parametrize("name", sorted(MAX_PIXELS_CALLS))
def test_every_allocating_function_takes_max_pixels(name):
    call = MAX_PIXELS_CALLS[name]
    assert call(10_000) is not None
    with pytest.raises(ValueError, match=r"would have \d+ pixels .*more than max_pixels=8"):
        call(8)
    with pytest.raises(ValueError, match="max_pixels must be >= 1, got 0"):
        call(0)


def test_output_size_cannot_overflow():
    # 2**62 + 1 on a side: computed in Python ints, refused, never wrapped around
    with pytest.raises(ValueError, match=r"would have \d{30,} pixels"):
        v.check_output_pixels((2**62 + 1, 2**62 + 1))


@pytest.mark.parametrize(
    "axis,shape,match",
    [
        (3, (4, 4, 3), "channel_axis=3 is out of range for an image with 3 dimensions"),
        (-4, (4, 4, 3), "channel_axis=-4 is out of range"),
        (None, (4, 4, 3),
         r"image must be \(H, W\), got shape \(4, 4, 3\); for a color image pass channel_axis"),
        (0, (4, 4), r"image must be 3-D with channels at channel_axis=0, got shape \(4, 4\)"),
        (-1, (4, 0, 3), "image must not have empty dimensions"),
    ],
)
def test_check_image(axis, shape, match):
    with pytest.raises(ValueError, match=match):
        v.check_image(np.zeros(shape), axis)


def test_check_image_channel_axis_must_be_an_integer():
    with pytest.raises(TypeError, match=r"channel_axis must be an integer, got 1\.0"):
        v.check_image(np.zeros((4, 4, 3)), 1.0)


@pytest.mark.parametrize("mode", ["reflect", "edge", "symmetric", "wrap", "constant"])
def test_pad_modes_translate_as_skimage(mode):
    from skimage.transform._warps import _to_ndimage_mode

    ndi = _to_ndimage_mode(mode)
    assert v.BORDER_CODES[v.PAD_TO_NDIMAGE[mode]] == v.BORDER_CODES[ndi]


def test_mode_names_are_checked():
    with pytest.raises(ValueError, match=r"mode must be one of 'constant', 'edge'.*got 'mirror'"):
        v.check_pad_mode("mirror")
    with pytest.raises(ValueError, match=r"mode must be one of 'reflect'.*got 'edge'"):
        v.check_filter_mode("edge")


@pytest.mark.parametrize(
    "dtype,preserve_range,expected_dtype,expected_max",
    [
        ("uint8", False, np.float64, 1.0),
        ("uint8", True, np.float64, 255.0),
        ("uint16", False, np.float64, 1.0),
        ("int16", False, np.float64, 1.0),
        ("float16", False, np.float32, 255.0),
        ("float32", False, np.float32, 255.0),
        ("bool", False, np.float64, 1.0),
    ],
)
def test_image_to_float_follows_skimage(dtype, preserve_range, expected_dtype, expected_max):
    from skimage._shared.utils import convert_to_float

    if dtype == "bool":
        image = np.array([[0, 1]], bool)
    else:
        image = np.array([[0, np.iinfo(dtype).max if "int" in dtype else 255]], dtype)
    out = v.image_to_float(image, preserve_range)
    assert out.dtype == expected_dtype
    assert v.float_dtype_for(image.dtype) == expected_dtype
    np.testing.assert_array_equal(out, convert_to_float(image, preserve_range))
    assert out.max() == expected_max


def test_outputs_beyond_the_blas_index_range_are_refused_before_allocating(monkeypatch):
    """With the pixel limit lifted, a 60001 x 80001 output plane (4.8e9
    pixels) is still refused: BLAS indexes with 32-bit integers."""
    monkeypatch.setenv("IMGCONV_MAX_PIXELS", str(10**12))
    with pytest.raises(ValueError, match=r"the output's H_out\*W_out is 4800140001, more than"):
        imgconv.conv2d(np.ones((1, 1, 1, 1)), np.ones((1, 1, 1, 1)), padding=(30000, 40000))


def test_zero_dimensional_arrays_are_numbers():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    w = np.ones((1, 1, 2, 2))
    np.testing.assert_array_equal(imgconv.conv2d(x, w, stride=np.array(2)),
                                  imgconv.conv2d(x, w, stride=2))
    image = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(imgconv.upscale(image, np.array(2)), imgconv.upscale(image, 2))
    np.testing.assert_array_equal(imgconv.rescale(image, np.array(0.5)),
                                  imgconv.rescale(image, 0.5))
    np.testing.assert_array_equal(imgconv.resize(image, (2, 2), cval=np.array(0.5)),
                                  imgconv.resize(image, (2, 2), cval=0.5))
    np.testing.assert_array_equal(imgconv.depth_to_space(x.reshape(1, 4, 2, 2), np.array(2)),
                                  imgconv.depth_to_space(x.reshape(1, 4, 2, 2), 2))
    with pytest.raises(TypeError, match="stride must be an integer, got the bool"):
        imgconv.conv2d(x, w, stride=np.array(True))


def test_integers_beyond_the_kernels_range_are_refused():
    x, w = np.ones((1, 1, 4, 4)), np.ones((1, 1, 2, 2))
    with pytest.raises(ValueError, match=r"stride must be at most 2\*\*62 in magnitude"):
        imgconv.conv2d(x, w, stride=2**63)
    with pytest.raises(ValueError, match=r"padding must be at most 2\*\*62 in magnitude"):
        imgconv.conv_transpose2d(x, w, padding=2**70)
