"""The imgconv command line, run in-process (and once as ``python -m imgconv``)."""
import os
import stat
import subprocess
import sys

import imageio.v3 as iio
import numpy as np
import pytest
import tifffile

import imgconv
from imgconv.cli import main, resize_pixels, upscale_pixels


def _photo(shape, dtype=np.uint8, seed=0):
    rng = np.random.default_rng(seed)
    top = np.iinfo(dtype).max
    return rng.integers(0, top, shape, endpoint=True).astype(dtype)


def _axis(image):
    return -1 if image.ndim == 3 else None


def _library_upscale(image, factor, **kwargs):
    """What the CLI promises for an image without alpha: the library's own
    result in the file's dtype (uint8 / uint16 from the integer kernels)."""
    return imgconv.upscale(image, factor, channel_axis=_axis(image), preserve_dtype=True,
                           **kwargs)


POSIX_MODES = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


@pytest.fixture
def umask():
    """Set the process umask for one test, then restore it."""
    saved = os.umask(0o022)
    os.umask(saved)
    yield lambda mask: os.umask(mask)
    os.umask(saved)


# Files of every kind the commands are tested on. Pillow writes no 16-bit
# color PNG: 16-bit color goes through TIFF.
FILES = {
    "rgb8-png": ((9, 7, 3), np.uint8, ".png"),
    "gray16-png": ((6, 11), np.uint16, ".png"),
    "rgb8-tif": ((8, 6, 3), np.uint8, ".tif"),
    "rgb16-tif": ((5, 4, 3), np.uint16, ".tif"),
    "rgba8-png": ((7, 8, 4), np.uint8, ".png"),
    "rgba16-tif": ((6, 5, 4), np.uint16, ".tif"),
}


def _file(tmp_path, kind, name="in", seed=0):
    shape, dtype, suffix = FILES[kind]
    image = _photo(shape, dtype, seed)
    if image.shape[-1] == 4:                     # some fully transparent pixels
        image[: shape[0] // 3, :, 3] = 0
    path = tmp_path / f"{name}{suffix}"
    iio.imwrite(path, image)
    return path, iio.imread(path)


# ------------------------------------------------- resampling: the library's pixels

@pytest.mark.parametrize("kind", [k for k in FILES if "rgba" not in k])
@pytest.mark.parametrize("order", [0, 1])
def test_upscale_gives_the_library_integer_result(tmp_path, kind, order, capsys):
    source, image = _file(tmp_path, kind)
    assert main(["upscale", str(source), "-s", "2", "--order", str(order)]) == 0
    out = iio.imread(tmp_path / f"in_x2{source.suffix}")
    assert out.dtype == image.dtype
    np.testing.assert_array_equal(out, _library_upscale(image, 2, order=order))
    assert capsys.readouterr().err == ""         # no progress bar off a terminal


@pytest.mark.parametrize("kind", [k for k in FILES if "rgba" not in k])
@pytest.mark.parametrize("order", [0, 1])
def test_resize_gives_the_library_integer_result(tmp_path, kind, order):
    source, image = _file(tmp_path, kind)
    assert main(["resize", str(source), "--size", "5x3", "--order", str(order)]) == 0
    out = iio.imread(tmp_path / f"in_5x3{source.suffix}")
    # anti-aliased for order 1 (skimage's default), never for order 0
    expected = imgconv.resize(image, (3, 5), order=order, channel_axis=_axis(image),
                              preserve_dtype=True, anti_aliasing=None if order else False)
    assert out.dtype == image.dtype
    np.testing.assert_array_equal(out, expected)


def test_the_pixels_go_to_the_integer_kernels_without_a_float_copy(monkeypatch):
    calls = []
    real = imgconv.upscale

    def spy(image, *args, **kwargs):
        calls.append((image.dtype, kwargs["preserve_dtype"]))
        return real(image, *args, **kwargs)

    monkeypatch.setattr(imgconv, "upscale", spy)
    image = _photo((6, 5, 3))
    np.testing.assert_array_equal(upscale_pixels(image, 3),
                                  real(image, 3, channel_axis=-1, preserve_dtype=True))
    assert calls == [(np.uint8, True)]


def test_upscale_jpeg_and_bmp(tmp_path):
    for suffix in (".jpg", ".bmp"):
        image = _photo((6, 6, 3))
        source = tmp_path / f"in{suffix}"
        iio.imwrite(source, image)
        image = iio.imread(source)               # what the file holds (JPEG is lossy)
        assert main(["upscale", str(source), "-s", "2"]) == 0
        out = iio.imread(tmp_path / f"in_x2{suffix}")
        assert out.dtype == np.uint8 and out.shape == (12, 12, 3)
        if suffix == ".bmp":
            np.testing.assert_array_equal(out, _library_upscale(image, 2))


def test_upscale_nearest_size_mode_and_output(tmp_path):
    image = _photo((6, 4, 3))
    source = tmp_path / "in.png"
    iio.imwrite(source, image)
    assert main(["upscale", str(source), "-s", "3x2", "--order", "0",
                 "-o", str(tmp_path / "out.png")]) == 0
    np.testing.assert_array_equal(iio.imread(tmp_path / "out.png"),
                                  np.repeat(np.repeat(image, 3, 0), 2, 1))
    assert main(["upscale", str(source), "--size", "10x15", "--mode", "edge",
                 "--out-dir", str(tmp_path / "sized")]) == 0
    sized = iio.imread(tmp_path / "sized" / "in_10x15.png")
    expected = imgconv.resize(image, (15, 10), mode="edge", channel_axis=-1,
                              preserve_dtype=True, anti_aliasing=False)
    np.testing.assert_array_equal(sized, expected)


# ------------------------------------------------------------------- alpha

@pytest.mark.parametrize("kind", ["rgba8-png", "rgba16-tif"])
@pytest.mark.parametrize("command", [["upscale", "-s", "3"], ["resize", "--size", "3x4"]],
                         ids=["upscale", "resize"])
def test_straight_alpha_is_resampled_premultiplied(tmp_path, kind, command):
    source, image = _file(tmp_path, kind)
    target = tmp_path / f"out{source.suffix}"
    assert main([command[0], str(source), *command[1:], "-o", str(target)]) == 0
    out = iio.imread(target)
    assert out.dtype == image.dtype
    # alpha: the integer kernel's own result
    np.testing.assert_array_equal(out[..., 3], _library_resample(command, image[..., 3]))
    # colour: what composites right is colour x alpha, the premultiplied colour,
    # here against the float64 resampling of the exact premultiplied colour
    top = np.iinfo(image.dtype).max
    x = image.astype(np.float64)
    premultiplied = x[..., :3] * x[..., 3:] / top
    if command[0] == "upscale":
        expected = imgconv.upscale(premultiplied, 3, channel_axis=-1, preserve_range=True)
    else:
        expected = imgconv.resize(premultiplied, (4, 3), channel_axis=-1, preserve_range=True)
    got = out[..., :3] * out[..., 3:].astype(np.float64) / top
    # 8 bits: the quotient's rounding, at most alpha / 2 / top + 1/2; 16 bits: the
    # premultiplied colour rounded to 16 bits too
    assert np.abs(got - expected).max() <= (1.0 if top == 255 else 1.5)
    assert (out[out[..., 3] == 0][:, :3] == 0).all()


def _library_resample(command, plane):
    if command[0] == "upscale":
        return imgconv.upscale(plane, 3, preserve_dtype=True)
    return imgconv.resize(plane, (4, 3), preserve_dtype=True)


def test_alpha_is_premultiplied_so_transparent_colour_does_not_bleed(tmp_path):
    image = np.zeros((8, 8, 4), np.uint8)
    image[:, :4] = (255, 0, 0, 0)          # transparent red
    image[:, 4:] = (0, 0, 255, 255)        # opaque blue
    source = tmp_path / "rgba.png"
    iio.imwrite(source, image)
    for command in (["upscale", "-s", "4"], ["resize", "--scale", "0.5"],
                    ["filter", "-k", "gaussian"]):
        assert main([command[0], str(source), *command[1:], "--suffix", "_o",
                     "--overwrite"]) == 0
        out = iio.imread(tmp_path / "rgba_o.png")
        visible = out[..., 3] > 0
        assert visible.any() and (out[..., 3] < 255).any()
        assert out[visible][:, 0].max() == 0             # no red where anything shows
        assert out[visible][:, 2].min() == 255


def test_an_opaque_alpha_is_resampled_like_any_channel(tmp_path):
    image = _photo((6, 7, 4))
    image[..., 3] = 255
    assert np.array_equal(upscale_pixels(image, 2),
                          imgconv.upscale(image, 2, channel_axis=-1, preserve_dtype=True))
    assert np.array_equal(resize_pixels(image, shape=(3, 3)),
                          imgconv.resize(image, (3, 3), channel_axis=-1, preserve_dtype=True))


def test_nearest_keeps_straight_colour_under_transparent_pixels():
    image = _photo((5, 5, 2))
    image[0, 0, 1] = 0
    np.testing.assert_array_equal(upscale_pixels(image, 2, order=0),
                                  np.repeat(np.repeat(image, 2, 0), 2, 1))


# ------------------------------------------------------------------ resize

def test_resize_scale_and_max_side(tmp_path):
    source, image = _file(tmp_path, "rgb8-png")                # 9 x 7
    assert main(["resize", str(source), "--scale", "0.5"]) == 0
    np.testing.assert_array_equal(iio.imread(tmp_path / "in_x0.5.png"),
                                  imgconv.rescale(image, 0.5, channel_axis=-1,
                                                  preserve_dtype=True))
    assert main(["resize", str(source), "--scale", "2x0.5", "--order", "0"]) == 0
    assert iio.imread(tmp_path / "in_x2x0.5.png").shape == (18, 4, 3)
    assert main(["resize", str(source), "--max-side", "3"]) == 0
    thumb = iio.imread(tmp_path / "in_max3.png")
    np.testing.assert_array_equal(thumb, imgconv.resize(image, (3, 2), channel_axis=-1,
                                                        preserve_dtype=True))
    # a thumbnail never enlarges
    assert main(["resize", str(source), "--max-side", "100"]) == 0
    np.testing.assert_array_equal(iio.imread(tmp_path / "in_max100.png"), image)


def test_resize_without_anti_aliasing_and_order_zero_never_blurs(tmp_path):
    source, image = _file(tmp_path, "gray16-png")
    assert main(["resize", str(source), "--scale", "0.5", "--no-anti-aliasing"]) == 0
    np.testing.assert_array_equal(
        iio.imread(tmp_path / "in_x0.5.png"),
        imgconv.rescale(image, 0.5, anti_aliasing=False, preserve_dtype=True))
    assert main(["resize", str(source), "--size", "4x2", "--order", "0"]) == 0
    nearest = iio.imread(tmp_path / "in_4x2.png")
    assert set(nearest.ravel()) <= set(image.ravel())            # labels stay labels


@pytest.mark.parametrize("order", [2, 3, 5])
def test_resize_spline_orders_give_the_library_result(tmp_path, order):
    source, image = _file(tmp_path, "rgb8-png")
    assert main(["resize", str(source), "--size", "9x7", "--order", str(order)]) == 0
    np.testing.assert_array_equal(
        iio.imread(tmp_path / "in_9x7.png"),
        imgconv.resize(image, (7, 9), order=order, channel_axis=-1, preserve_dtype=True))


@pytest.mark.parametrize("kind", ["rgb8-png", "gray16-png", "rgb16-tif"])
@pytest.mark.parametrize("filter", ["bilinear", "lanczos"])
def test_resize_filter_gives_pillows_result(tmp_path, kind, filter):
    source, image = _file(tmp_path, kind)
    assert main(["resize", str(source), "--size", "4x3", "--filter", filter]) == 0
    name = next(p for p in tmp_path.iterdir() if p.stem.endswith("_4x3"))
    np.testing.assert_array_equal(
        iio.imread(name),
        imgconv.resize(image, (3, 4), filter=filter, channel_axis=_axis(image),
                       preserve_dtype=True))


# ------------------------------------------------------------------ filter

@pytest.mark.parametrize("kind", list(FILES))
def test_filter_each_file_kind(tmp_path, kind):
    from skimage import util

    source, image = _file(tmp_path, kind)
    assert main(["filter", str(source), "-k", "box", "-d", "2"]) == 0
    out = iio.imread(tmp_path / f"in_box_d2{source.suffix}")
    assert out.dtype == image.dtype and out.shape == image.shape
    if image.shape[-1] != 4:
        expected = imgconv.atrous_filter(image, np.full((3, 3), 1 / 9), 2,
                                         channel_axis=_axis(image))
        convert = util.img_as_ubyte if image.dtype == np.uint8 else util.img_as_uint
        np.testing.assert_array_equal(out, convert(np.clip(expected, 0, 1)))


@pytest.mark.parametrize("name", ["box", "gaussian", "b3-spline", "laplacian", "sobel-x",
                                  "sobel-y"])
def test_filter_named_kernels_float(tmp_path, name):
    image = _photo((12, 10))
    source = tmp_path / "in.png"
    iio.imwrite(source, image)
    assert main(["filter", str(source), "-k", name, "--float", "--mode", "wrap"]) == 0
    got = tifffile.imread(tmp_path / f"in_{name}.tif")
    kernels = {
        "box": np.full((3, 3), 1 / 9),
        "gaussian": np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256,
        "b3-spline": np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256,
        "laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
        "sobel-x": np.outer([1, 2, 1], [-1, 0, 1]) / 4,
        "sobel-y": np.outer([-1, 0, 1], [1, 2, 1]) / 4,
    }
    np.testing.assert_allclose(got, imgconv.atrous_filter(image, kernels[name], 1, mode="wrap"),
                               rtol=0, atol=1e-15)


def test_filter_sobel_grows_with_the_column_and_clips_negatives(tmp_path):
    ramp = np.tile(np.arange(0, 250, 25, dtype=np.uint8), (6, 1))
    for name, image in (("up", ramp), ("down", ramp[:, ::-1])):
        iio.imwrite(tmp_path / f"{name}.png", image)
        assert main(["filter", str(tmp_path / f"{name}.png"), "-k", "sobel-x",
                     "--mode", "nearest"]) == 0
    assert (iio.imread(tmp_path / "up_sobel-x.png")[:, 1:-1] == 50).all()   # 25 a pixel, over 2
    assert (iio.imread(tmp_path / "down_sobel-x.png") == 0).all()


def test_filter_npy_kernel_dilation_and_npy_output(tmp_path):
    image = _photo((9, 8, 3))
    source = tmp_path / "in.tif"
    iio.imwrite(source, image)
    kernel = np.array([[1.0, -2.0, 0.5]])
    np.save(tmp_path / "k.npy", kernel)
    assert main(["filter", str(source), "-k", str(tmp_path / "k.npy"), "-d", "2x3", "--float",
                 "-o", str(tmp_path / "out.npy")]) == 0
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"),
                                  imgconv.atrous_filter(image, kernel, (2, 3), channel_axis=-1))


@pytest.mark.parametrize(
    "kernel,message",
    [("blur", ("--kernel blur: expected one of box, gaussian, b3-spline, laplacian, sobel-x, "
               "sobel-y or a .npy file")),
     ("k3.npy", "k3.npy: expected a non-empty 2-D array of real numbers, got shape (3,)"),
     ("missing.npy", "missing.npy: not a readable .npy file")])
def test_filter_bad_kernels_are_one_line(tmp_path, kernel, message, capsys):
    source, _ = _file(tmp_path, "rgb8-png")
    np.save(tmp_path / "k3.npy", np.ones(3))
    if kernel.endswith(".npy"):
        kernel = str(tmp_path / kernel)
    assert main(["filter", str(source), "-k", kernel]) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err


def test_filter_refuses_float_only_output_types(tmp_path, capsys):
    source, _ = _file(tmp_path, "rgb8-png")
    assert main(["filter", str(source), "-k", "box", "--float",
                 "-o", str(tmp_path / "o.png")]) == 1
    assert "o.png: unsupported output type; use one of .npy, .tif, .tiff" in (
        capsys.readouterr().err)


# ----------------------------------------------------------------- starlet

@pytest.mark.parametrize("kind", list(FILES))
def test_starlet_round_trip_is_bit_exact(tmp_path, kind):
    source, image = _file(tmp_path, kind)
    assert main(["starlet", str(source), "-n", "3"]) == 0
    planes_path = tmp_path / "in_starlet.tif"
    with tifffile.TiffFile(planes_path) as tif:         # gray pages, plane then channel
        channels = image.shape[2] if image.ndim == 3 else 1
        assert len(tif.pages) == 4 * channels
        assert tif.pages[0].shape == image.shape[:2]
    assert main(["starlet", "--inverse", str(planes_path), "--format", source.suffix]) == 0
    rebuilt = iio.imread(tmp_path / f"in_starlet_inverse{source.suffix}")
    assert rebuilt.dtype == image.dtype
    np.testing.assert_array_equal(rebuilt, image)


def test_starlet_npy_holds_the_library_array_and_rebuilds_float(tmp_path):
    source, image = _file(tmp_path, "rgb8-png")
    assert main(["starlet", str(source), "-n", "2", "--mode", "reflect",
                 "--format", "npy"]) == 0
    planes = np.load(tmp_path / "in_starlet.npy")
    np.testing.assert_array_equal(planes, imgconv.starlet(image, 2, mode="reflect",
                                                          channel_axis=-1))
    assert main(["starlet", "--inverse", str(tmp_path / "in_starlet.npy")]) == 0
    rebuilt = tifffile.imread(tmp_path / "in_starlet_inverse.tif")
    np.testing.assert_allclose(rebuilt, image / 255, rtol=0, atol=1e-12)


def test_starlet_tiff_planes_are_the_library_planes(tmp_path):
    source, image = _file(tmp_path, "rgba16-tif")
    assert main(["starlet", str(source), "-n", "2", "-o", str(tmp_path / "p.tif")]) == 0
    pages = tifffile.imread(tmp_path / "p.tif")                # (3, C, H, W)
    np.testing.assert_array_equal(np.moveaxis(pages, 1, -1),
                                  imgconv.starlet(image, 2, channel_axis=-1))


def test_starlet_bad_inputs_are_one_line(tmp_path, capsys):
    source, _ = _file(tmp_path, "rgb8-png")
    assert main(["starlet", str(source), "--format", "png"]) == 1
    assert "--format png: unsupported output type; use one of .npy, .tif, .tiff" in (
        capsys.readouterr().err)
    assert main(["starlet", "--inverse", str(source)]) == 1
    assert "in.png: unsupported file type; use one of .npy, .tif, .tiff" in (
        capsys.readouterr().err)
    (tmp_path / "broken.npy").write_bytes(b"\x93NUMPY garbage")
    assert main(["starlet", "--inverse", str(tmp_path / "broken.npy")]) == 1
    assert "broken.npy: not a readable array" in capsys.readouterr().err
    assert main(["starlet", str(source), "-n", "3", "--max-pixels", "200"]) == 1
    assert "coefficient array would have" in capsys.readouterr().err


def test_starlet_inverse_refuses_planes_over_the_limit_before_decoding(tmp_path, capsys):
    np.save(tmp_path / "p.npy", np.zeros((3, 10, 10)))
    assert main(["starlet", "--inverse", str(tmp_path / "p.npy"), "--max-pixels", "299"]) == 1
    assert "300 values (shape (3, 10, 10)) is more than --max-pixels 299" in (
        capsys.readouterr().err)


# ---------------------------------------------------- folders, failures, files

COMMANDS = {
    "resize": (["--scale", "0.5"], "_x0.5.png"),
    "upscale": (["-s", "2"], "_x2.png"),
    "filter": (["-k", "laplacian"], "_laplacian.png"),
    "starlet": (["-n", "2"], "_starlet.tif"),
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_folder_with_a_broken_file(tmp_path, command, capsys):
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(3):
        iio.imwrite(folder / f"p{i}.png", _photo((5, 6, 3), seed=i))
    (folder / "broken.png").write_bytes(b"\x89PNG not really")
    (folder / "notes.txt").write_text("not an image")
    options, suffix = COMMANDS[command]
    assert main([command, str(folder), *options, "--out-dir", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "broken.png: not a readable image" in err[0]
    assert err[1] == "imgconv: 1 of 4 file(s) failed" and "Traceback" not in "".join(err)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        f"p{i}{suffix}" for i in range(3)]                # and no temporary left


def test_folders_suffix_and_batches(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(3):
        iio.imwrite(folder / f"p{i}.png", _photo((5, 6, 3), seed=i))
    assert main(["upscale", str(folder), "-s", "2", "--out-dir", str(tmp_path / "big"),
                 "--suffix", "_big"]) == 0
    assert sorted(p.name for p in (tmp_path / "big").iterdir()) == [
        "p0_big.png", "p1_big.png", "p2_big.png"]


@POSIX_MODES
@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077], ids=["022", "027", "077"])
def test_new_outputs_get_the_mode_of_a_plain_open(tmp_path, command, mask, umask):
    source, _ = _file(tmp_path, "rgb8-png")
    umask(mask)
    with open(tmp_path / "plain", "w"):
        pass
    options, suffix = COMMANDS[command]
    assert main([command, str(source), *options]) == 0
    mode = stat.S_IMODE(os.stat(tmp_path / f"in{suffix}").st_mode)
    assert mode == stat.S_IMODE(os.stat(tmp_path / "plain").st_mode) == 0o666 & ~mask


@POSIX_MODES
@pytest.mark.parametrize("output", ["out.png", "out.tif", "out.npy"])
def test_a_replaced_output_keeps_its_mode(tmp_path, output, umask):
    umask(0o022)
    source, _ = _file(tmp_path, "rgb8-png")
    target = tmp_path / output
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    command = ["filter", str(source), "-k", "box", "-o", str(target), "--overwrite"]
    assert main(command + (["--float"] if output == "out.npy" else [])) == 0
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    assert target.read_bytes() != b"old"


@POSIX_MODES
def test_features_output_gets_the_mode_of_a_plain_open(tmp_path, umask):
    umask(0o002)
    source, _ = _file(tmp_path, "rgb8-png")
    assert main(["features", str(source), "-o", str(tmp_path / "f.npy"), "--scales", "1"]) == 0
    assert stat.S_IMODE(os.stat(tmp_path / "f.npy").st_mode) == 0o664


def test_never_overwrites_without_the_flag(tmp_path, capsys):
    source = tmp_path / "in.png"
    iio.imwrite(source, _photo((4, 4)))
    target = tmp_path / "in_x2.png"
    target.write_bytes(b"keep me")
    assert main(["upscale", str(source), "-s", "2"]) == 1
    assert target.read_bytes() == b"keep me"
    assert "exists; pass --overwrite" in capsys.readouterr().err
    assert main(["upscale", str(source), "-s", "2", "--overwrite"]) == 0
    assert iio.imread(target).shape == (8, 8)


def test_a_bad_file_is_reported_and_the_rest_done(tmp_path, capsys):
    good = tmp_path / "good.png"
    iio.imwrite(good, _photo((4, 4)))
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG not really")
    assert main(["upscale", str(bad), str(good), "-s", "2", "--out-dir", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "bad.png: not a readable image" in err and "1 of 2 file(s) failed" in err
    assert (tmp_path / "o" / "good_x2.png").exists()
    assert not list((tmp_path / "o").glob(".*"))       # no temporary file left behind


def test_decompression_bomb_is_refused_before_decoding(tmp_path, monkeypatch, capsys):
    source = tmp_path / "big.png"
    iio.imwrite(source, _photo((100, 120)))

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded an image over the limit")

    monkeypatch.setattr(iio, "imread", no_decoding)
    for command in (["upscale", "-s", "2"], ["resize", "--scale", "0.5"],
                    ["filter", "-k", "box"], ["starlet"]):
        assert main([command[0], str(source), *command[1:], "--max-pixels", "10000"]) == 1
        assert "12000 pixels is more than --max-pixels 10000" in capsys.readouterr().err


def test_output_over_the_limit_is_refused(tmp_path, capsys):
    source = tmp_path / "in.png"
    iio.imwrite(source, _photo((10, 10)))
    assert main(["upscale", str(source), "-s", "4", "--max-pixels", "1000"]) == 1
    assert "the output would have 1600 pixels" in capsys.readouterr().err
    assert not (tmp_path / "in_x4.png").exists()


@pytest.mark.parametrize("how", [["-s", "2"], ["--size", "20x20"]], ids=["factor", "size"])
def test_max_pixels_overrides_a_lower_environment_limit(tmp_path, monkeypatch, how, capsys):
    source = tmp_path / "in.png"
    iio.imwrite(source, _photo((10, 10)))
    monkeypatch.setenv("IMGCONV_MAX_PIXELS", "100")
    # without the option the environment's limit holds, for the input as for the library
    assert main(["upscale", str(source), *how]) == 1
    assert "400 pixels (shape (20, 20)), more than max_pixels=100" in capsys.readouterr().err
    # the option reaches imgconv.upscale / imgconv.resize, which would refuse 400 > 100
    assert main(["upscale", str(source), *how, "--max-pixels", "10000", "-o",
                 str(tmp_path / "out.png")]) == 0
    assert iio.imread(tmp_path / "out.png").shape == (20, 20)


def test_max_pixels_lowers_a_higher_environment_limit(tmp_path, monkeypatch, capsys):
    source = tmp_path / "in.png"
    iio.imwrite(source, _photo((10, 10)))
    monkeypatch.setenv("IMGCONV_MAX_PIXELS", "1000000")
    calls = []
    real = imgconv.upscale
    monkeypatch.setattr(imgconv, "upscale", lambda *a, **kw: calls.append(kw) or real(*a, **kw))
    assert main(["upscale", str(source), "-s", "2", "--max-pixels", "399"]) == 1
    assert "the output would have 400 pixels (shape (20, 20)), more than max_pixels=399" in (
        capsys.readouterr().err)
    assert main(["upscale", str(source), "-s", "2", "--max-pixels", "400"]) == 0
    assert [kw["max_pixels"] for kw in calls] == [399, 400]


@pytest.mark.parametrize(
    "argv,message",
    [
        (["upscale", "x.png", "-s", "0"], "factor must be >= 1"),
        (["upscale", "x.png", "-s", "two"], "factor must be an integer"),
        (["upscale", "x.png", "--size", "10"], "size must be WIDTHxHEIGHT"),
        (["upscale", "x.png"], "one of the arguments -s/--factor --size is required"),
        (["upscale", "x.png", "-s", "2", "--mode", "mirror"], "invalid choice: 'mirror'"),
        (["resize", "x.png"], "one of the arguments --size --scale --max-side is required"),
        (["resize", "x.png", "--scale", "-1"], "scale must be > 0, got '-1'"),
        (["resize", "x.png", "--max-side", "0"], "expected a positive integer, got '0'"),
        (["resize", "x.png", "--size", "4x4", "--order", "6"], "invalid choice: 6"),
        (["resize", "x.png", "--size", "4x4", "--order", "1", "--filter", "box"],
         "argument --filter: not allowed with argument --order"),
        (["resize", "x.png", "--size", "4x4", "--filter", "cubic"], "invalid choice: 'cubic'"),
        (["filter", "x.png"], "the following arguments are required: -k/--kernel"),
        (["filter", "x.png", "-k", "box", "-d", "0"], "dilation must be >= 1"),
        (["filter", "x.png", "-k", "box", "--mode", "edge"], "invalid choice: 'edge'"),
        (["starlet", "x.png", "-n", "0"], "expected a positive integer, got '0'"),
        (["features", "x.png"], "the following arguments are required: -o/--output"),
    ],
)
def test_usage_errors_are_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_missing_input_is_one_line(tmp_path, capsys):
    assert main(["upscale", str(tmp_path / "nope.png"), "-s", "2"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.endswith("nope.png: no such file or folder") and "\n" not in err


def test_demo_writes_result_and_comparison(tmp_path, capsys):
    assert main(["demo", "--out-dir", str(tmp_path)]) == 0
    result = iio.imread(tmp_path / "astronaut_x2.png")
    assert result.shape == (1024, 1024, 3) and result.dtype == np.uint8
    assert iio.imread(tmp_path / "comparison.png").shape[2] == 3
    out = capsys.readouterr().out
    assert "skimage.transform.rescale" in out and "max difference" in out


@pytest.mark.parametrize("suffix", [".npy", ".tif"])
def test_features_written_as_npy_or_tif(tmp_path, suffix, capsys):
    image = _photo((24, 20))
    source = tmp_path / "cells.png"
    iio.imwrite(source, image)
    out = tmp_path / f"features{suffix}"
    assert main(["features", str(source), "-o", str(out), "--scales", "3"]) == 0
    expected = imgconv.multiscale_features(image, n_scales=3)
    got = np.load(out) if suffix == ".npy" else np.moveaxis(iio.imread(out), 0, -1)
    np.testing.assert_array_equal(got, expected)
    assert main(["features", str(source), "-o", str(out)]) == 1
    assert "exists; pass --overwrite" in capsys.readouterr().err


def test_features_max_pixels_bounds_the_feature_values(tmp_path, capsys):
    source = tmp_path / "cells.png"
    iio.imwrite(source, _photo((10, 10)))                # gray: 2 scales x 4 features
    out = tmp_path / "f.npy"
    assert main(["features", str(source), "-o", str(out), "--scales", "2",
                 "--max-pixels", "500"]) == 1
    err = capsys.readouterr().err
    assert "the feature array would have 800 pixels" in err and "Traceback" not in err
    assert not out.exists()
    assert main(["features", str(source), "-o", str(out), "--scales", "2",
                 "--max-pixels", "800"]) == 0
    assert np.load(out).shape == (10, 10, 8)


def test_features_input_limit(tmp_path, monkeypatch, capsys):
    source = tmp_path / "cells.png"
    iio.imwrite(source, _photo((10, 10)))
    monkeypatch.setenv("IMGCONV_MAX_PIXELS", "50")
    assert main(["features", str(source), "-o", str(tmp_path / "f.npy")]) == 1
    assert "100 pixels is more than --max-pixels 50" in capsys.readouterr().err
    assert not (tmp_path / "f.npy").exists()


@pytest.mark.parametrize("suffix", [".npy", ".tif"])
def test_features_create_a_missing_output_folder_as_upscale_does(tmp_path, suffix):
    source = tmp_path / "cells.png"
    iio.imwrite(source, _photo((8, 6)))
    out = tmp_path / "sub" / "deeper" / f"f{suffix}"
    assert main(["features", str(source), "-o", str(out), "--scales", "2"]) == 0
    got = np.load(out) if suffix == ".npy" else np.moveaxis(iio.imread(out), 0, -1)
    assert got.shape == (8, 6, 8)
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]   # no temporary left
    assert main(["upscale", str(source), "-s", "2", "-o", str(tmp_path / "new" / "up.png")]) == 0


@pytest.mark.parametrize("command", [["features"], ["upscale", "-s", "2"]])
def test_unwritable_output_folder_is_one_line(tmp_path, command, capsys):
    source = tmp_path / "cells.png"
    iio.imwrite(source, _photo((4, 4)))
    (tmp_path / "a_file").write_text("not a folder")
    out = tmp_path / "a_file" / "out.tif"
    assert main([command[0], str(source), *command[1:], "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert f"{out}: cannot write" in err[0] and "Traceback" not in "".join(err)
    assert len(err) == (1 if command[0] == "features" else 2)   # upscale adds "1 of 1 failed"


def test_features_refuse_a_bad_output_before_computing(tmp_path, monkeypatch, capsys):
    source = tmp_path / "cells.png"
    iio.imwrite(source, _photo((4, 4)))

    def no_computing(*args, **kwargs):
        raise AssertionError("computed features for an output that cannot be written")

    monkeypatch.setattr(imgconv, "multiscale_features", no_computing)
    assert main(["features", str(source), "-o", str(tmp_path / "f.png")]) == 1
    assert "the output must end in .npy, .tif or .tiff" in capsys.readouterr().err
    (tmp_path / "f.npy").write_bytes(b"keep me")
    assert main(["features", str(source), "-o", str(tmp_path / "f.npy")]) == 1
    assert (tmp_path / "f.npy").read_bytes() == b"keep me"


def test_python_dash_m_help_shows_examples():
    for command in ("upscale", "resize", "filter", "starlet"):
        run = subprocess.run([sys.executable, "-m", "imgconv", command, "--help"],
                             capture_output=True, text=True, check=True)
        assert "examples:" in run.stdout and "--max-pixels" in run.stdout
        assert "--overwrite" in run.stdout and "umask" in run.stdout
    top = subprocess.run([sys.executable, "-m", "imgconv", "--help"], capture_output=True,
                         text=True, check=True)
    for command in ("resize", "upscale", "filter", "starlet", "demo", "features"):
        assert command in top.stdout


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_unpremultiply_kernel_equals_the_numpy_formula(dtype):
    from imgconv._files import _unpremultiply
    rng = np.random.default_rng(7)
    top = np.iinfo(dtype).max
    colour = rng.integers(0, 65536, (33, 17, 3), dtype=np.uint16)
    divisor = rng.integers(0, 65536, (33, 17), dtype=np.uint16)
    divisor[::5] = 0
    alpha = rng.integers(0, top + 1, (33, 17)).astype(dtype)
    alpha[:, ::4] = 0
    colour[0, 0], divisor[0, 0], alpha[0, 0] = 1, 2, 1      # a tie: top / 2 = x.5
    factor = np.zeros(divisor.shape)
    np.divide(float(top), divisor, out=factor, where=(divisor > 0) & (alpha > 0))
    expected = np.minimum(np.rint(colour * factor[..., None]), top).astype(dtype)
    out = np.full((33, 17, 4), 9, dtype)
    _unpremultiply(colour, divisor, alpha, top, out)
    np.testing.assert_array_equal(out[..., :3], expected)
    assert (out[..., 3] == 9).all()                         # the alpha is left alone
