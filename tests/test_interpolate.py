"""interpolate against torch.nn.functional.interpolate itself: every mode,
dimension, align_corners, size and scale_factor rule, antialias, dtypes."""
import numpy as np
import pytest

import imgconv
from imgconv import interpolate

torch = pytest.importorskip("torch")
F = torch.nn.functional

INTERPOLATING = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}


def torch_interpolate(x, **kwargs):
    return F.interpolate(torch.from_numpy(np.ascontiguousarray(x)), **kwargs).numpy()


def assert_like_torch(ours, theirs, exact):
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    if exact:
        np.testing.assert_array_equal(ours, theirs)
    else:
        tol = 1e-6 if ours.dtype == np.float32 else 1e-12
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=tol)


def random_call(rng):
    """A random valid call: mode, array, and keyword arguments."""
    mode = str(rng.choice(["nearest", "nearest-exact", "linear", "bilinear", "bicubic",
                           "trilinear", "area", "bilinear-aa", "bicubic-aa"]))
    antialias = mode.endswith("-aa")
    mode = mode.removesuffix("-aa")
    ndim = INTERPOLATING.get(mode, int(rng.integers(3, 6)))
    spatial = tuple(int(s) for s in rng.integers(1, 30 if ndim < 5 else 10, ndim - 2))
    dtype = str(rng.choice(["float32", "float64", "uint8"]))
    if dtype == "uint8" and mode not in ("nearest", "nearest-exact", "bilinear", "bicubic"):
        dtype = "float32"
    shape = (int(rng.integers(1, 3)), int(rng.integers(1, 5))) + spatial
    x = rng.random(shape)
    x = (x * 255).astype(np.uint8) if dtype == "uint8" else x.astype(dtype)
    kwargs = dict(mode=mode)
    if mode in INTERPOLATING and not antialias and rng.random() < 0.4:
        kwargs["align_corners"] = bool(rng.integers(0, 2))
    if antialias:
        kwargs["antialias"] = True
    if rng.random() < 0.5:
        kwargs["size"] = tuple(int(s) for s in rng.integers(1, 40 if ndim < 5 else 12, ndim - 2))
    else:
        kwargs["scale_factor"] = tuple(float(f) for f in rng.uniform(0.3, 3.0, ndim - 2))
        if rng.random() < 0.3:
            kwargs["recompute_scale_factor"] = True
    return x, kwargs


@pytest.mark.parametrize("seed", range(8))
def test_random_calls(seed):
    rng = np.random.default_rng(seed)
    compared = 0
    for _ in range(60):
        x, kwargs = random_call(rng)
        try:
            theirs = torch_interpolate(x, **kwargs)
        except RuntimeError:          # e.g. a factor that leaves no pixel
            with pytest.raises(ValueError):
                interpolate(x, **kwargs)
            continue
        exact = kwargs["mode"].startswith("nearest") or x.dtype == np.uint8
        assert_like_torch(interpolate(x, **kwargs), theirs, exact)
        compared += 1
    assert compared >= 50


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("antialias", [False, True])
def test_uint8_photos(mode, antialias):
    skimage_data = pytest.importorskip("skimage.data")
    photo = np.ascontiguousarray(skimage_data.astronaut()[::2, ::2].transpose(2, 0, 1))[None]
    for size in [(64, 80), (300, 211), (256, 256)]:
        kwargs = dict(size=size, mode=mode, antialias=antialias)
        np.testing.assert_array_equal(interpolate(photo, **kwargs),
                                      torch_interpolate(photo, **kwargs))


def test_scale_factor_and_size_give_different_pixels_as_torch():
    x = np.random.default_rng(3).random((1, 2, 10, 13)).astype(np.float32)
    by_factor = interpolate(x, scale_factor=1.7, mode="bilinear")
    by_size = interpolate(x, size=by_factor.shape[2:], mode="bilinear")
    assert not np.allclose(by_factor, by_size)
    assert_like_torch(by_factor, torch_interpolate(x, scale_factor=1.7, mode="bilinear"), False)
    recomputed = interpolate(x, scale_factor=1.7, mode="bilinear", recompute_scale_factor=True)
    assert_like_torch(recomputed, by_size, False)


def test_an_upscale_is_a_transposed_convolution_with_the_bilinear_kernel():
    """interpolate(x, scale_factor=s, mode='bilinear') is a transposed
    convolution of each channel with bilinear_kernel(s), stride s, on the
    input extended by one pixel per side (edge values), cropped by s."""
    rng = np.random.default_rng(4)
    for s in (2, 3, 4):
        x = rng.random((2, 3, 9, 7))
        channels = x.shape[1]
        padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="edge")
        deconv = imgconv.conv_transpose2d(padded, imgconv.bilinear_kernel(s, channels=channels),
                                          stride=s, padding=s // 2, groups=channels)
        np.testing.assert_allclose(interpolate(x, scale_factor=s, mode="bilinear"),
                                   deconv[:, :, s:-s, s:-s], rtol=0, atol=1e-12)


def test_dask_arrays_equal_numpy():
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(5)
    for x, kwargs in [(rng.random((2, 3, 20, 17)).astype(np.float32),
                       dict(size=(31, 9), mode="bicubic")),
                      ((rng.random((1, 3, 40, 30)) * 255).astype(np.uint8),
                       dict(scale_factor=0.45, mode="bilinear", antialias=True)),
                      (rng.random((1, 2, 9, 8, 7)), dict(scale_factor=2, mode="trilinear")),
                      (rng.random((2, 2, 25)), dict(size=11, mode="nearest-exact"))]:
        lazy = interpolate(da.from_array(x, chunks=(1, 2) + (6,) * (x.ndim - 2)), **kwargs)
        assert isinstance(lazy, da.Array)
        np.testing.assert_array_equal(lazy.compute(), interpolate(x, **kwargs))


@pytest.mark.parametrize(
    "kwargs,error",
    [(dict(size=4, scale_factor=2), ValueError), (dict(), ValueError),
     (dict(size=4, mode="bilinear"), ValueError),           # 3-D input
     (dict(size=4, mode="nearest", align_corners=True), ValueError),
     (dict(size=4, mode="linear", antialias=True), ValueError),
     (dict(size=(4, 5), mode="linear"), ValueError),
     (dict(size=0, mode="linear"), ValueError),
     (dict(size=4, recompute_scale_factor=True), ValueError),
     (dict(size=4.5), TypeError), (dict(scale_factor="2"), TypeError),
     (dict(size=4, mode="cubic"), ValueError)],
    ids=str,
)
def test_errors_where_torch_raises(kwargs, error):
    x = np.zeros((1, 2, 8), np.float32)
    with pytest.raises(Exception):  # noqa: B017 - torch raises several exception types
        torch_interpolate(x, **kwargs)
    with pytest.raises(error):
        interpolate(x, **kwargs)


def test_uint8_refused_where_torch_refuses_it():
    x = np.zeros((1, 2, 8), np.uint8)
    with pytest.raises(Exception):  # noqa: B017 - torch raises several exception types
        torch_interpolate(x, size=4, mode="linear")
    with pytest.raises(TypeError, match="does not take uint8"):
        interpolate(x, size=4, mode="linear")


def test_inputs_are_validated():
    with pytest.raises(TypeError, match="input must have a real numeric or bool dtype"):
        interpolate(np.zeros((1, 1, 4), complex), size=2)
    with pytest.raises(TypeError, match="input is a masked array"):
        interpolate(np.ma.zeros((1, 1, 4)), size=2)
    with pytest.raises(ValueError, match="would have 100 pixels"):
        interpolate(np.zeros((1, 1, 4, 4), np.float32), size=10, max_pixels=99)
