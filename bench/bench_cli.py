"""The command line's pixel path against the library call it wraps.

Target: ``imgconv upscale`` of an 8-bit 2048^2 RGB image by 2, decoding and
encoding excluded, within 1.1x of ``imgconv.upscale(..., preserve_dtype=True)``:
the command line resamples 8- and 16-bit files in the integer kernels, with
no float copy and no rounding of its own. In the ratio table the library
call is the anchor ("library"), so the target is a speed-up >= 0.91.
An RGBA image with a varying alpha shows the cost of resampling it
premultiplied (three integer passes instead of one).
"""
import numpy as np
import pytest

import imgconv
from common import THREADS, run
from imgconv.cli import upscale_pixels

GROUP = "imgconv upscale x2 2048^2 RGB uint8 file (pixels only)"
GROUP_ALPHA = "imgconv upscale x2 2048^2 RGBA uint8 file, varying alpha (pixels only)"


@pytest.fixture(scope="module")
def photo():
    """As decoded from a file: contiguous, channels last."""
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (2048, 2048, 4), dtype=np.uint8)


@pytest.fixture(scope="module")
def rgb(photo):
    return np.ascontiguousarray(photo[..., :3])


def test_cli_upscale_pixels(benchmark, rgb):
    run(benchmark, GROUP, "imgconv", upscale_pixels, rgb, 2, n_threads=THREADS)


def test_cli_upscale_library(benchmark, rgb):
    run(benchmark, GROUP, "library", imgconv.upscale, rgb, 2, channel_axis=-1,
        preserve_dtype=True, n_threads=THREADS)


def test_cli_upscale_alpha_pixels(benchmark, photo):
    run(benchmark, GROUP_ALPHA, "imgconv", upscale_pixels, photo, 2, n_threads=THREADS)


def test_cli_upscale_alpha_library(benchmark, photo):
    run(benchmark, GROUP_ALPHA, "library", imgconv.upscale, photo, 2, channel_axis=-1,
        preserve_dtype=True, n_threads=THREADS)
