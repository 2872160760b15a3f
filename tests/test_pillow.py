"""resize(..., filter=...) against PIL.Image.resize itself: Pillow's bytes for
uint8 images, its 'F' mode for float32, on random sizes, photos, boxes."""
import numpy as np
import pytest

import imgconv
from imgconv import resize

Image = pytest.importorskip("PIL.Image")

FILTERS = ["nearest", "box", "bilinear", "hamming", "bicubic", "lanczos"]
PIL_MODES = {1: "L", 3: "RGB", 4: "RGBX"}


def pillow(image, size, filter, box=None, mode=None):
    """PIL's resize of an array to ``size`` (rows, cols)."""
    pil = Image.fromarray(image, mode or ("F" if image.dtype == np.float32 else
                                          PIL_MODES[image.shape[2] if image.ndim == 3 else 1]))
    resampling = getattr(Image.Resampling, filter.upper())
    return np.asarray(pil.resize((int(size[1]), int(size[0])), resampling, box=box))


def ours(image, size, filter, **kwargs):
    axis = -1 if image.ndim == 3 else None
    return resize(image, size, channel_axis=axis, filter=filter,
                  preserve_dtype=image.dtype == np.uint8, **kwargs)


@pytest.mark.parametrize("filter", FILTERS)
@pytest.mark.parametrize("seed", range(4))
def test_random_sizes_uint8_bit_exact(filter, seed):
    rng = np.random.default_rng(seed * 10 + FILTERS.index(filter))
    for _ in range(25):
        h, w = (int(s) for s in rng.integers(1, 91, 2))
        size = tuple(int(s) for s in rng.integers(1, 181, 2))
        channels = int(rng.choice([1, 3, 4]))
        image = rng.integers(0, 256, (h, w, channels) if channels > 1 else (h, w), np.uint8)
        got = ours(image, size, filter)
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, pillow(image, size, filter))


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_every_channel_count_wide_windows_and_row_ends(channels):
    """The integer kernels take 4-16 taps per load and stop where a load
    would pass the row's end: channel by channel against Pillow's 'L',
    shrinks of up to 60x (windows of hundreds of taps, more than the
    kernels hold in registers), enlargements, and widths around the loads'
    reach."""
    rng = np.random.default_rng(20 + channels)
    cases = [((40, 600), (7, 10)), ((600, 40), (10, 7)), ((33, 17), (70, 45)),
             ((5, 6), (5, 3)), ((300, 301), (149, 151)), ((2, 1), (9, 1)), ((1, 90), (1, 2))]
    cases += [((int(rng.integers(1, 70)), int(rng.integers(1, 70))),
               (int(rng.integers(1, 140)), int(rng.integers(1, 140)))) for _ in range(12)]
    for filter in FILTERS[1:]:
        for shape, size in cases:
            image = rng.integers(0, 256, shape + (channels,), np.uint8)
            got = resize(image, size, channel_axis=-1, filter=filter, preserve_dtype=True)
            for c in range(channels):
                np.testing.assert_array_equal(
                    got[..., c], pillow(np.ascontiguousarray(image[..., c]), size, filter),
                    err_msg=f"{filter} {shape} -> {size}, channel {c} of {channels}")


@pytest.mark.parametrize("filter", FILTERS)
@pytest.mark.parametrize("seed", range(3))
def test_random_sizes_float32_equal_mode_f(filter, seed):
    rng = np.random.default_rng(100 + seed * 10 + FILTERS.index(filter))
    for _ in range(25):
        h, w = (int(s) for s in rng.integers(1, 91, 2))
        size = tuple(int(s) for s in rng.integers(1, 181, 2))
        image = (rng.standard_normal((h, w)) * 50).astype(np.float32)
        got = ours(image, size, filter)
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, pillow(image, size, filter))


@pytest.mark.parametrize("filter", FILTERS[1:])
def test_tall_shrinks_take_the_vertical_pass_first(filter):
    """Pillow 13 runs the vertical pass first when the height shrinks much
    more than the width: the uint8 image between the passes differs."""
    rng = np.random.default_rng(7)
    for h, w, size in [(90, 20, (9, 18)), (80, 33, (4, 30)), (64, 64, (8, 60)),
                       (50, 10, (5, 10))]:
        image = rng.integers(0, 256, (h, w, 3), np.uint8)
        np.testing.assert_array_equal(ours(image, size, filter), pillow(image, size, filter))


@pytest.mark.parametrize("filter", FILTERS)
def test_photos_shrunk_and_enlarged(filter):
    skimage_data = pytest.importorskip("skimage.data")
    photo = skimage_data.astronaut()[::3, ::2]          # (171, 256, 3)
    gray = skimage_data.camera()[::4, ::3]
    for size in [(57, 85), (40, 200), (300, 412), (171, 256)]:
        np.testing.assert_array_equal(ours(photo, size, filter), pillow(photo, size, filter))
        np.testing.assert_array_equal(ours(gray, size, filter), pillow(gray, size, filter))


@pytest.mark.parametrize("filter", FILTERS)
def test_boxes(filter):
    rng = np.random.default_rng(8)
    image = rng.integers(0, 256, (40, 50, 3), np.uint8)
    floats = rng.random((40, 50)).astype(np.float32)
    for (x0, y0, x1, y1), size in [((3.5, 2.25, 41.0, 33.5), (20, 30)),
                                   ((0, 0, 50, 40), (17, 61)), ((10, 5, 30, 25), (20, 20)),
                                   ((1.5, 0.5, 2.5, 39.5), (7, 3))]:
        box = ((y0, y1), (x0, x1))
        np.testing.assert_array_equal(ours(image, size, filter, box=box),
                                      pillow(image, size, filter, box=(x0, y0, x1, y1)))
        np.testing.assert_array_equal(ours(floats, size, filter, box=box),
                                      pillow(floats, size, filter, box=(x0, y0, x1, y1)))


@pytest.mark.parametrize("filter", FILTERS)
def test_premultiplied_alpha_as_pillow_rgba(filter):
    rng = np.random.default_rng(9)
    image = rng.integers(0, 256, (23, 31, 4), np.uint8)
    image[..., 3] = rng.choice([0, 255, 90], (23, 31))
    for size in [(11, 13), (46, 62)]:
        got = ours(image, size, filter, premultiply_alpha=True)
        np.testing.assert_array_equal(got, pillow(image, size, filter, mode="RGBA"))
    la = image[..., 2:]
    got = resize(la, (11, 40), channel_axis=-1, filter=filter, preserve_dtype=True,
                 premultiply_alpha=True)
    np.testing.assert_array_equal(got, pillow(la, (11, 40), filter, mode="LA"))


def test_channels_first_any_count_and_float64():
    rng = np.random.default_rng(10)
    image = rng.integers(0, 256, (5, 30, 26), np.uint8)
    for filter in FILTERS:
        got = resize(image, (13, 40), channel_axis=0, filter=filter, preserve_dtype=True)
        for c in range(5):
            np.testing.assert_array_equal(got[c], pillow(image[c], (13, 40), filter))
    floats = rng.random((30, 26))
    got64 = resize(floats, (13, 40), filter="lanczos")
    got32 = resize(floats.astype(np.float32), (13, 40), filter="lanczos")
    assert got64.dtype == np.float64
    np.testing.assert_allclose(got64, got32, atol=1e-6)


def test_uint8_without_preserve_dtype_is_the_rule_in_floats():
    rng = np.random.default_rng(11)
    image = rng.integers(0, 256, (20, 30), np.uint8)
    got = resize(image, (7, 11), filter="bicubic")
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, resize(image / 255.0, (7, 11), filter="bicubic"),
                               rtol=0, atol=1e-15)
    kept = resize(image, (7, 11), filter="bicubic", preserve_range=True)
    np.testing.assert_allclose(kept, got * 255, rtol=1e-13)


def test_volumes_and_dask_arrays():
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(12)
    volume = rng.integers(0, 256, (9, 20, 17), np.uint8)
    got = resize(volume, (5, 31, 8), filter="bilinear", preserve_dtype=True)
    assert got.shape == (5, 31, 8) and got.dtype == np.uint8
    for image, kwargs in [(volume, dict(preserve_dtype=True)),
                          (rng.random((33, 29)).astype(np.float32), {})]:
        size = (5, 31, 8)[-image.ndim:]
        expected = resize(image, size, filter="lanczos", **kwargs)
        lazy = resize(da.from_array(image, chunks=4), size, filter="lanczos", **kwargs)
        np.testing.assert_array_equal(lazy.compute(), expected)
    stack = rng.integers(0, 256, (3, 20, 17, 3), np.uint8)
    got = resize(stack, (3, 9, 30, 3), filter="hamming", preserve_dtype=True, channel_axis=-1)
    for t in range(3):
        np.testing.assert_array_equal(got[t], pillow(stack[t], (9, 30), "hamming"))


@pytest.mark.parametrize(
    "kwargs,match",
    [(dict(filter="cubic"), "filter must be one of 'nearest', 'box', 'bilinear'"),
     (dict(filter="bicubic", order=3), "order cannot be given with it"),
     (dict(filter="bicubic", mode="edge"), "mode cannot be given with it"),
     (dict(filter="bicubic", anti_aliasing=False, cval=2),
      "cval, anti_aliasing cannot be given with it"),
     (dict(box=((0, 4), (0, 5))), "box and premultiply_alpha belong to filter"),
     (dict(filter="box", box=((0, 4),)), r"box must give \(start, stop\) for each of the 2"),
     (dict(filter="box", box=((0, 4), (1, 9))), r"box must lie within the image: .* \(1.0, 9.0\)"),
     (dict(filter="box", premultiply_alpha=True), "premultiply_alpha=True is Pillow's rule"),
     (dict(filter="box", premultiply_alpha=1), "premultiply_alpha must be True or False")],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_errors(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        resize(np.zeros((4, 5)), (2, 2), **kwargs)


def test_public_names():
    assert "interpolate" in imgconv.__all__ and "resize" in imgconv.__all__
