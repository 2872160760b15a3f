"""The imgconv command line, run in-process (and once as ``python -m imgconv``)."""
import subprocess
import sys

import imageio.v3 as iio
import numpy as np
import pytest

import imgconv
from imgconv.cli import main


def _photo(shape, dtype=np.uint8, seed=0):
    rng = np.random.default_rng(seed)
    top = np.iinfo(dtype).max
    return rng.integers(0, top, shape, endpoint=True).astype(dtype)


def _expected(image, factor, order=1, mode="reflect"):
    """What the CLI promises: upscale in the file's units, rounded and clipped."""
    axis = -1 if image.ndim == 3 else None
    out = imgconv.upscale(image.astype(np.float64), factor, order=order, mode=mode,
                          channel_axis=axis, preserve_range=True)
    info = np.iinfo(image.dtype)
    return np.clip(np.rint(out), info.min, info.max).astype(image.dtype)


@pytest.mark.parametrize(
    "shape,dtype,suffix",
    # Pillow writes no 16-bit color PNG: 16-bit color goes through TIFF
    [((9, 7, 3), np.uint8, ".png"), ((8, 5), np.uint8, ".png"), ((6, 11), np.uint16, ".png"),
     ((5, 4, 3), np.uint16, ".tif"), ((7, 6, 3), np.uint8, ".bmp"), ((6, 6), np.uint8, ".jpg")],
    ids=["rgb8", "gray8", "gray16", "rgb16-tiff", "rgb8-bmp", "gray8-jpeg"])
def test_upscale_keeps_the_bit_depth(tmp_path, shape, dtype, suffix, capsys):
    image = _photo(shape, dtype)
    source = tmp_path / f"in{suffix}"
    iio.imwrite(source, image)
    image = iio.imread(source)                   # what the file holds (JPEG is lossy)
    assert main(["upscale", str(source), "-s", "2"]) == 0
    out = iio.imread(tmp_path / f"in_x2{suffix}")
    if suffix == ".jpg":                         # lossy again on the way out
        assert out.dtype == dtype and out.shape == (2 * shape[0], 2 * shape[1])
        assert np.abs(out.astype(int) - _expected(image, 2)).mean() < 8
        return
    assert out.dtype == dtype and out.shape[:2] == (2 * shape[0], 2 * shape[1])
    np.testing.assert_array_equal(out, _expected(image, 2))
    assert capsys.readouterr().err == ""         # no progress bar off a terminal


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
    expected = imgconv.resize(image.astype(float), (15, 10), mode="edge", channel_axis=-1,
                              preserve_range=True, anti_aliasing=False)
    np.testing.assert_array_equal(sized, np.clip(np.rint(expected), 0, 255).astype(np.uint8))


def test_alpha_is_premultiplied_so_transparent_colour_does_not_bleed(tmp_path):
    image = np.zeros((8, 8, 4), np.uint8)
    image[:, :4] = (255, 0, 0, 0)          # transparent red
    image[:, 4:] = (0, 0, 255, 255)        # opaque blue
    source = tmp_path / "rgba.png"
    iio.imwrite(source, image)
    assert main(["upscale", str(source), "-s", "4"]) == 0
    out = iio.imread(tmp_path / "rgba_x4.png")
    visible = out[..., 3] > 0
    assert visible.any() and (out[..., 3] < 255).any()
    assert out[visible][:, 0].max() == 0             # no red where anything shows
    assert out[visible][:, 2].min() == 255


def test_folders_suffix_and_batches(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(3):
        iio.imwrite(folder / f"p{i}.png", _photo((5, 6, 3), seed=i))
    (folder / "notes.txt").write_text("not an image")
    assert main(["upscale", str(folder), "-s", "2", "--out-dir", str(tmp_path / "big"),
                 "--suffix", "_big"]) == 0
    assert sorted(p.name for p in (tmp_path / "big").iterdir()) == [
        "p0_big.png", "p1_big.png", "p2_big.png"]


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
    assert main(["upscale", str(source), "-s", "2", "--max-pixels", "10000"]) == 1
    assert "12000 pixels is more than --max-pixels 10000" in capsys.readouterr().err


def test_output_over_the_limit_is_refused(tmp_path, capsys):
    source = tmp_path / "in.png"
    iio.imwrite(source, _photo((10, 10)))
    assert main(["upscale", str(source), "-s", "4", "--max-pixels", "1000"]) == 1
    assert "the result would have 1600 pixels" in capsys.readouterr().err


@pytest.mark.parametrize("how", [["-s", "2"], ["--size", "20x20"]], ids=["factor", "size"])
def test_max_pixels_overrides_a_lower_environment_limit(tmp_path, monkeypatch, how, capsys):
    source = tmp_path / "in.png"
    iio.imwrite(source, _photo((10, 10)))
    monkeypatch.setenv("IMGCONV_MAX_PIXELS", "100")
    # without the option the environment's limit holds, for the input as for the library
    assert main(["upscale", str(source), *how]) == 1
    assert "more than --max-pixels 100" in capsys.readouterr().err
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
    assert "the result would have 400 pixels, more than --max-pixels 399" in (
        capsys.readouterr().err)
    assert main(["upscale", str(source), "-s", "2", "--max-pixels", "400"]) == 0
    assert [kw["max_pixels"] for kw in calls] == [400]


@pytest.mark.parametrize(
    "argv,message",
    [
        (["upscale", "x.png", "-s", "0"], "factor must be >= 1"),
        (["upscale", "x.png", "-s", "two"], "factor must be an integer"),
        (["upscale", "x.png", "--size", "10"], "size must be WIDTHxHEIGHT"),
        (["upscale", "x.png"], "one of the arguments -s/--factor --size is required"),
        (["upscale", "x.png", "-s", "2", "--mode", "mirror"], "invalid choice: 'mirror'"),
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
    run = subprocess.run([sys.executable, "-m", "imgconv", "upscale", "--help"],
                         capture_output=True, text=True, check=True)
    assert "examples:" in run.stdout and "--max-pixels" in run.stdout
    top = subprocess.run([sys.executable, "-m", "imgconv", "--help"], capture_output=True,
                         text=True, check=True)
    for command in ("upscale", "demo", "features"):
        assert command in top.stdout
