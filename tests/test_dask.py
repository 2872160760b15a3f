"""Dask arrays in, lazy dask arrays out, equal to the NumPy results for any chunking."""
import numpy as np
import pytest

import imgconv
from imgconv.dask import merge_small_chunks

da = pytest.importorskip("dask.array")

FILTER_MODES = ["reflect", "mirror", "nearest", "wrap", "constant"]
PAD_MODES = ["reflect", "edge", "symmetric", "wrap", "constant"]
CHUNKINGS = {"one": -1, "tiny": (1, 2), "small": (5, 7), "uneven": (16, 9)}


def _image(shape=(41, 30), dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "u":
        return rng.integers(0, 256, shape).astype(dtype)
    return rng.random(shape).astype(dtype)


def _lazy(image, chunks, channel_axis=None):
    if chunks == -1:
        return da.from_array(image, chunks=-1)
    spec = list(chunks)
    if channel_axis is not None:
        spec.insert(channel_axis % image.ndim, -1)
    return da.from_array(image, chunks=tuple(spec))


def _same(lazy, expected):
    assert isinstance(lazy, da.Array)
    got = lazy.compute(scheduler="threads")
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("chunks", CHUNKINGS.values(), ids=CHUNKINGS.keys())
@pytest.mark.parametrize("mode", FILTER_MODES)
def test_atrous_filter(mode, chunks):
    image = _image()
    kernel = np.random.default_rng(1).standard_normal((3, 4))
    kwargs = dict(mode=mode, cval=0.25)
    _same(imgconv.atrous_filter(_lazy(image, chunks), kernel, (3, 2), **kwargs),
          imgconv.atrous_filter(image, kernel, (3, 2), **kwargs))


@pytest.mark.parametrize("channel_axis", [0, -1])
def test_atrous_filter_color_and_integer(channel_axis):
    image = _image((3, 33, 26) if channel_axis == 0 else (33, 26, 3), np.uint8)
    kernel = np.ones((5, 5)) / 25
    lazy = _lazy(image, (6, 5), channel_axis)
    _same(imgconv.atrous_filter(lazy, kernel, 4, channel_axis=channel_axis),
          imgconv.atrous_filter(image, kernel, 4, channel_axis=channel_axis))


@pytest.mark.parametrize("chunks", CHUNKINGS.values(), ids=CHUNKINGS.keys())
@pytest.mark.parametrize("mode", FILTER_MODES)
def test_starlet(mode, chunks):
    image = _image((70, 45), np.float32)
    lazy = imgconv.starlet(_lazy(image, chunks), 3, mode=mode)
    _same(lazy, imgconv.starlet(image, 3, mode=mode))


@pytest.mark.parametrize("chunks", [(9, 13), (30, 1)], ids=["small", "columns"])
@pytest.mark.parametrize("mode", ["mirror", "wrap"])
def test_multiscale_features(mode, chunks):
    image = _image((64, 52), np.uint8)
    _same(imgconv.multiscale_features(_lazy(image, chunks), n_scales=3, mode=mode),
          imgconv.multiscale_features(image, n_scales=3, mode=mode))


def test_multiscale_features_color():
    image = _image((40, 31, 3))
    lazy = _lazy(image, (12, 12), -1)
    _same(imgconv.multiscale_features(lazy, n_scales=2, channel_axis=-1, texture=False),
          imgconv.multiscale_features(image, n_scales=2, channel_axis=-1, texture=False))


RESAMPLERS = {
    "upscale-3": lambda f: f(imgconv.upscale, 3),
    "upscale-2x1": lambda f: f(imgconv.upscale, (2, 1)),
    "resize-up": lambda f: f(imgconv.resize, (50, 47)),
    "resize-down": lambda f: f(imgconv.resize, (9, 13)),
    "rescale-0.37": lambda f: f(imgconv.rescale, 0.37),
}


@pytest.mark.parametrize("chunks", CHUNKINGS.values(), ids=CHUNKINGS.keys())
@pytest.mark.parametrize("mode", PAD_MODES)
@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("resampler", RESAMPLERS.values(), ids=RESAMPLERS.keys())
def test_resampling(resampler, order, mode, chunks):
    image = _image((23, 31))
    kwargs = dict(order=order, mode=mode, cval=1.5)
    resampler(lambda fn, arg: _same(fn(_lazy(image, chunks), arg, **kwargs),
                                    fn(image, arg, **kwargs)))


@pytest.mark.parametrize("channel_axis", [None, 0, -1])
@pytest.mark.parametrize(
    "dtype,kwargs",
    [("uint8", {}), ("uint8", dict(preserve_dtype=True)), ("uint16", dict(preserve_range=True)),
     ("float32", dict(mode="constant", cval=-3.0)), ("int16", dict(order=0, anti_aliasing=True)),
     ("uint8", dict(mode="constant", cval=900, preserve_dtype=True)), ("bool", {}),
     ("float16", dict(order=0))],
    ids=lambda v: v if isinstance(v, str) else "-".join(f"{k}={x}" for k, x in v.items()),
)
def test_resampling_dtypes_and_channels(dtype, kwargs, channel_axis):
    shape = {None: (19, 26), 0: (3, 19, 26), -1: (19, 26, 3)}[channel_axis]
    rng = np.random.default_rng(2)
    if dtype == "bool":
        image = rng.random(shape) > 0.5
    elif dtype.startswith("float"):
        image = rng.random(shape).astype(dtype)
    else:
        image = rng.integers(0, 200, shape).astype(dtype)
    kwargs = dict(kwargs, channel_axis=channel_axis)
    for fn, arg in ((imgconv.upscale, 2), (imgconv.resize, (7, 11)), (imgconv.rescale, 1.3)):
        if fn is imgconv.upscale and "anti_aliasing" in kwargs:
            continue
        _same(fn(_lazy(image, (5, 8), channel_axis), arg, **kwargs), fn(image, arg, **kwargs))


def _close(lazy, expected, order):
    """Orders 0 and 1 bit for bit; orders >= 2 to rounding (the prefilter's
    recursion restarts at chunk edges, with a halo that makes it exact to
    float64 precision)."""
    assert isinstance(lazy, da.Array)
    got = lazy.compute(scheduler="threads")
    assert got.dtype == expected.dtype and got.shape == expected.shape
    if order < 2:
        np.testing.assert_array_equal(got, expected)
    elif expected.dtype.kind == "f":
        tol = 1e-13 if expected.dtype == np.float64 else 1e-6
        np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)
    else:
        assert np.abs(got.astype(int) - expected).max() <= 1


@pytest.mark.parametrize("order", [0, 1, 2, 3, 5])
def test_any_dimension_any_chunking(order):
    rng = np.random.default_rng(3 + order)
    for trial in range(12):
        ndim = int(rng.integers(1, 4))
        shape = tuple(int(s) for s in rng.integers(1, 30 if ndim < 3 else 12, ndim))
        target = tuple(int(s) for s in rng.integers(1, 40 if ndim < 3 else 14, ndim))
        chunks = tuple(int(c) for c in rng.integers(1, 9, ndim))   # smaller than the halo
        mode = PAD_MODES[trial % len(PAD_MODES)]
        image = _image(shape, seed=trial)
        kwargs = dict(order=order, mode=mode, cval=0.7)
        _close(imgconv.resize(da.from_array(image, chunks=chunks), target, **kwargs),
               imgconv.resize(image, target, **kwargs), order)


@pytest.mark.parametrize("order", [1, 3])
def test_volumes_and_stacks(order):
    volume = _image((14, 12, 10), np.float32, seed=5)
    lazy = da.from_array(volume, chunks=(5, 4, 10))
    _close(imgconv.upscale(lazy, 2, order=order), imgconv.upscale(volume, 2, order=order),
           order)
    _close(imgconv.resize(lazy, (7, 25, 10), order=order),
           imgconv.resize(volume, (7, 25, 10), order=order), order)
    frames = _image((3, 16, 12, 3), np.uint8, seed=6)
    lazy = da.from_array(frames, chunks=(1, 5, 6, 3))
    kwargs = dict(order=order, channel_axis=-1, preserve_dtype=True)
    _close(imgconv.rescale(lazy, (1, 0.5, 1.5), **kwargs),
           imgconv.rescale(frames, (1, 0.5, 1.5), **kwargs), order)


def test_results_are_lazy_until_computed():
    calls = []
    image = da.from_array(_image(), chunks=10).map_blocks(
        lambda b: calls.append(1) or b, meta=np.empty((0, 0)))
    out = imgconv.starlet(image, 2)
    resized = imgconv.resize(image, (15, 17), mode="constant")
    assert calls == [] and isinstance(out, da.Array) and isinstance(resized, da.Array)
    out.compute(scheduler="sync")
    assert calls


def test_bad_arguments_raise_before_anything_is_scheduled():
    lazy = da.zeros((20, 20), chunks=5)
    with pytest.raises(ValueError, match="mode must be one of"):
        imgconv.atrous_filter(lazy, np.ones((3, 3)), 2, mode="edge")
    with pytest.raises(ValueError, match="dilation must be >= 1"):
        imgconv.atrous_filter(lazy, np.ones((3, 3)), 0)
    with pytest.raises(ValueError, match="n_scales must be >= 1"):
        imgconv.starlet(lazy, 0)
    with pytest.raises(ValueError, match="channel_axis=2 is out of range"):
        imgconv.starlet(lazy, 2, channel_axis=2)
    with pytest.raises(ValueError, match="factor must be >= 1"):
        imgconv.upscale(lazy, 0)
    with pytest.raises(ValueError, match=r"would have .* pixels"):
        imgconv.resize(lazy, (10**6, 10**6))
    with pytest.raises(ValueError, match="not defined for a bool image"):
        imgconv.rescale(lazy > 0, 2, order=1)
    masked = da.ma.masked_greater(lazy, 0.5)
    for call in (lambda: imgconv.resize(masked, (3, 3)), lambda: imgconv.starlet(masked, 2)):
        with pytest.raises(TypeError, match="image is a masked array"):
            call()
    with pytest.raises(ValueError, match=r"image must be \(H, W\), got shape \(20, 20, 1\)"):
        imgconv.starlet(lazy[..., None], 2)
    with pytest.raises(ValueError, match="the coefficient array would have 1200 pixels"):
        imgconv.starlet(lazy, 2, max_pixels=1000)
    with pytest.raises(ValueError, match="the feature array would have 3200 pixels"):
        imgconv.multiscale_features(lazy, n_scales=2, max_pixels=1000)


@pytest.mark.parametrize(
    "chunks,minimum,expected",
    [((5, 5, 5), 3, (5, 5, 5)), ((1, 1, 1, 1), 2, (2, 2)), ((1, 1, 1), 2, (3,)),
     ((4, 1, 4), 2, (4, 5)), ((2,), 9, (2,)), ((7, 1), 3, (8,))],
)
def test_merge_small_chunks(chunks, minimum, expected):
    merged = merge_small_chunks(chunks, minimum)
    assert merged == expected and sum(merged) == sum(chunks)


@pytest.fixture(scope="module")
def cluster_client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            yield client


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_upscale_a_zarr_store_on_workers_with_a_memory_limit(tmp_path):
    """Read a zarr array, upscale it, write zarr: each task holds one output
    chunk and the input chunks its taps read, never the whole image."""
    distributed = pytest.importorskip("distributed")
    zarr = pytest.importorskip("zarr")
    image = _image((384, 320), np.float32, seed=7)
    source = zarr.create_array(tmp_path / "in.zarr", shape=image.shape, chunks=(64, 64),
                               dtype=image.dtype)
    source[...] = image
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  memory_limit="1GiB", dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        lazy = imgconv.upscale(da.from_zarr(str(tmp_path / "in.zarr")), 2)
        da.to_zarr(lazy, str(tmp_path / "out.zarr"))
    written = zarr.open_array(tmp_path / "out.zarr", mode="r")
    assert written.shape == (768, 640) and written.chunks == (128, 128)
    np.testing.assert_array_equal(written[...], imgconv.upscale(image, 2))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_on_a_local_cluster_of_two_worker_processes(cluster_client):
    image = _image((96, 80), np.float32)
    lazy = _lazy(image, (32, 25))
    kernel = np.ones((3, 3)) / 9
    futures = cluster_client.compute([imgconv.atrous_filter(lazy, kernel, 8, mode="wrap"),
                                      imgconv.starlet(lazy, 3),
                                      imgconv.multiscale_features(lazy, n_scales=2),
                                      imgconv.upscale(lazy, 3),
                                      imgconv.rescale(lazy, 0.4, mode="constant"),
                                      imgconv.resize(lazy, (50, 70), order=3)])
    got = cluster_client.gather(futures)
    np.testing.assert_array_equal(got[0], imgconv.atrous_filter(image, kernel, 8, mode="wrap"))
    np.testing.assert_array_equal(got[1], imgconv.starlet(image, 3))
    np.testing.assert_array_equal(got[2], imgconv.multiscale_features(image, n_scales=2))
    np.testing.assert_array_equal(got[3], imgconv.upscale(image, 3))
    np.testing.assert_array_equal(got[4], imgconv.rescale(image, 0.4, mode="constant"))
    np.testing.assert_allclose(got[5], imgconv.resize(image, (50, 70), order=3), rtol=1e-6,
                               atol=1e-6)
