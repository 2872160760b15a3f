"""multiscale_features against a reference built from scipy.ndimage.correlate
with zero-stuffed kernels, and against skimage's layout."""
import numpy as np
import pytest
from scipy import ndimage
from skimage.feature import multiscale_basic_features
from skimage.util import img_as_float32

from imgconv import multiscale_features

#: The B3-spline kernel of the starlet (Starck & Murtagh), independent of the code.
B3_SPLINE = np.array([1, 4, 6, 4, 1]) / 16

#: The documented derivatives as 3x3 stencils on taps d apart, divided by d
#: (first derivatives) or d**2 (second derivatives).
DERIVATIVE_STENCILS = {
    "d/dr": np.array([[0, -1, 0], [0, 0, 0], [0, 1, 0]]) / 2,
    "d/dc": np.array([[0, 0, 0], [-1, 0, 1], [0, 0, 0]]) / 2,
    "d2/dr2": np.array([[0, 1, 0], [0, -2, 0], [0, 1, 0]], float),
    "d2/dc2": np.array([[0, 0, 0], [1, -2, 1], [0, 0, 0]], float),
    "d2/drdc": np.array([[1, 0, -1], [0, 0, 0], [-1, 0, 1]]) / 4,
}


def stuffed(kernel, d):
    kernel = np.asarray(kernel, np.float64)
    out = np.zeros((d * (kernel.shape[0] - 1) + 1, d * (kernel.shape[1] - 1) + 1))
    out[::d, ::d] = kernel
    return out


def features_reference(image, n_scales, intensity=True, edges=True, texture=True,
                       mode="mirror", cval=0.0):
    """The documented definition, scale by scale, in float64 from the float32 image."""
    smooth = img_as_float32(image).astype(np.float64)
    b3 = np.outer(B3_SPLINE, B3_SPLINE)
    features = []

    def correlate(plane, name, d):
        return ndimage.correlate(plane, stuffed(DERIVATIVE_STENCILS[name], d), mode=mode,
                                 cval=cval)

    for j in range(n_scales):
        d = 2**j
        smooth = ndimage.correlate(smooth, stuffed(b3, d), mode=mode, cval=cval)
        if intensity:
            features.append(smooth)
        if edges:
            g_r, g_c = correlate(smooth, "d/dr", d) / d, correlate(smooth, "d/dc", d) / d
            features.append(np.hypot(g_r, g_c))
        if texture:
            h_rr = correlate(smooth, "d2/dr2", d) / d**2
            h_cc = correlate(smooth, "d2/dc2", d) / d**2
            h_rc = correlate(smooth, "d2/drdc", d) / d**2
            radius = np.sqrt(((h_rr - h_cc) / 2) ** 2 + h_rc**2)
            features += [(h_rr + h_cc) / 2 + radius, (h_rr + h_cc) / 2 - radius]
    return np.stack(features, axis=-1)


def assert_features_close(out, expected, image_scale=1.0):
    """float32 output: within float32 rounding of the image's values (every
    feature is a smoothed value or a difference of them divided by d >= 1)."""
    assert out.dtype == np.float32 and out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6 * image_scale)


@pytest.mark.parametrize("mode", ["mirror", "reflect", "nearest", "wrap", "constant"])
def test_features_equal_the_ndimage_reference(mode):
    image = np.random.default_rng(0).random((45, 38))
    out = multiscale_features(image, n_scales=4, mode=mode, cval=0.25)
    assert out.shape == (45, 38, 16)
    assert_features_close(out, features_reference(image, 4, mode=mode, cval=0.25))


@pytest.mark.parametrize(
    "groups", [(True, False, False), (False, True, False), (False, False, True),
               (True, False, True), (False, True, True)],
    ids=["intensity", "edges", "texture", "intensity+texture", "edges+texture"])
def test_feature_groups_keep_the_documented_order(groups):
    image = np.random.default_rng(1).random((30, 33)).astype(np.float32)
    intensity, edges, texture = groups
    out = multiscale_features(image, intensity=intensity, edges=edges, texture=texture,
                              n_scales=3)
    expected = features_reference(image, 3, intensity, edges, texture)
    assert_features_close(out, expected)


def test_feature_index_table():
    """Index 4*(j-1) + (0 intensity, 1 edges, 2 larger, 3 smaller eigenvalue)."""
    image = np.random.default_rng(2).random((40, 40))
    out = multiscale_features(image, n_scales=3)
    full = features_reference(image, 3)
    for j in range(1, 4):
        for k, name in enumerate(["intensity", "edges", "large", "small"]):
            index = 4 * (j - 1) + k
            np.testing.assert_allclose(out[..., index], full[..., index], rtol=0, atol=2e-6,
                                       err_msg=f"scale {j} {name}")
    assert (out[..., 2::4] >= out[..., 3::4]).all()


@pytest.mark.parametrize("channel_axis", [0, -1])
def test_features_channels_concatenate_as_skimage(channel_axis):
    rng = np.random.default_rng(3)
    image = rng.random((3, 20, 24)) if channel_axis == 0 else rng.random((20, 24, 3))
    out = multiscale_features(image, n_scales=2, channel_axis=channel_axis)
    assert out.shape == (20, 24, 3 * 8)
    for c in range(3):
        channel = image[c] if channel_axis == 0 else image[..., c]
        np.testing.assert_array_equal(out[..., 8 * c:8 * (c + 1)],
                                      multiscale_features(channel, n_scales=2))


def test_features_have_skimage_shape_and_dtype():
    image = np.random.default_rng(4).random((32, 36)).astype(np.float32)
    ours = multiscale_features(image)
    theirs = multiscale_basic_features(image)
    assert ours.shape == theirs.shape == (32, 36, 24) and ours.dtype == theirs.dtype
    color = np.random.default_rng(5).random((16, 18, 3))
    assert (multiscale_features(color, channel_axis=-1).shape
            == multiscale_basic_features(color, channel_axis=-1).shape)


def test_features_convert_integers_as_skimage():
    image = (np.arange(24 * 30) % 256).astype(np.uint8).reshape(24, 30)
    out = multiscale_features(image, n_scales=2)
    np.testing.assert_array_equal(out, multiscale_features(img_as_float32(image), n_scales=2))
    assert_features_close(out, features_reference(image, 2))


def test_features_tiny_image_and_large_scales():
    image = np.random.default_rng(6).random((3, 5))
    out = multiscale_features(image, n_scales=5)
    assert out.shape == (3, 5, 20)
    assert np.isfinite(out).all()
    assert_features_close(out, features_reference(image, 5))


def test_features_layouts_threads_and_input_untouched(four_cores):
    base = np.random.default_rng(7).random((50, 41))
    image = base[::-1, ::2]
    image.flags.writeable = False
    before = image.copy()
    serial = multiscale_features(image, n_scales=3, n_threads=1)
    np.testing.assert_array_equal(serial, multiscale_features(np.ascontiguousarray(image),
                                                              n_scales=3))
    for n in (2, 3, 4, None):
        np.testing.assert_array_equal(multiscale_features(image, n_scales=3, n_threads=n),
                                      serial)
    np.testing.assert_array_equal(image, before)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(intensity=False, edges=False, texture=False), ValueError,
         "at least one of intensity, edges and texture must be True"),
        (dict(edges=1), TypeError, "edges must be True or False, got 1"),
        (dict(texture="yes"), TypeError, "texture must be True or False, got 'yes'"),
        (dict(n_scales=0), ValueError, "n_scales must be >= 1, got 0"),
        (dict(n_scales=None), TypeError, "n_scales must be an integer, got None"),
        (dict(mode="symmetric"), ValueError, "mode must be one of"),
        (dict(cval=np.inf), ValueError, "cval must be finite"),
        (dict(channel_axis=3), ValueError, "channel_axis=3 is out of range"),
        (dict(image=np.zeros((4, 4, 3))), ValueError, "for a color image pass channel_axis"),
        (dict(image=np.zeros((4, 4), complex)), TypeError, "image must have a real numeric"),
        (dict(n_threads=0), ValueError, "n_threads must be None or a non-zero integer"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_features_errors(kwargs, error, match):
    args = dict(image=np.zeros((8, 8)))
    args.update(kwargs)
    with pytest.raises(error, match=match):
        multiscale_features(**args)


def test_features_bound_the_output_before_allocating(monkeypatch):
    monkeypatch.setenv("IMGCONV_MAX_PIXELS", "10000")
    with pytest.raises(ValueError, match=r"feature array would have 24000 pixels"):
        multiscale_features(np.zeros((10, 100)))


def test_max_pixels_bounds_the_feature_array():
    image = np.zeros((40, 50), np.float32)
    with pytest.raises(ValueError, match=r"the feature array would have 24000 pixels .* "
                                         r"more than max_pixels=10000"):
        multiscale_features(image, n_scales=3, max_pixels=10_000)
    assert multiscale_features(image, n_scales=3, max_pixels=24_000).shape == (40, 50, 12)
