"""Every CPU level that was built and that this CPU runs imports and gives the
same bits as the others.

The kernels are compiled without floating-point contraction, and the
compiler's vectoriser does not reorder a floating-point sum, so the levels do
the same operations in the same order. conv2d's GEMM is SciPy's BLAS, the
same library at every level.
"""
import importlib
import os
import subprocess
import sys

import numpy as np
import pytest

from imgconv._ext import runtime

BUILT = runtime.build_info()["levels"]
RUNNABLE = [level for level in BUILT if level in runtime.cpu_levels()]

#: Run under each level (IMGCONV_CPU) in a fresh interpreter: a few kernels of
#: each module, in float32, float64 and uint8, saved to the file argv[1].
SCRIPT = """
import sys
import numpy as np
import imgconv
from imgconv import _ext

rng = np.random.default_rng(7)
f32 = rng.random((67, 53), dtype=np.float32)
f64 = rng.random((45, 38, 3))
u8 = rng.integers(0, 256, (41, 37, 3), dtype=np.uint8)
w = rng.standard_normal((8, 3, 3, 3)).astype(np.float32)
x = rng.standard_normal((1, 3, 37, 29)).astype(np.float32)
results = {
    "level": np.array(_ext.LEVEL),
    "upscale_f32": imgconv.upscale(f32, 3),
    "upscale_f64": imgconv.upscale(f64, (2, 3), channel_axis=-1, mode="edge"),
    "upscale_u8": imgconv.upscale(u8, 2, channel_axis=-1, preserve_dtype=True),
    "resize_aa_f32": imgconv.resize(f32, (23, 19)),
    "resize_u8": imgconv.resize(u8, (60, 29), channel_axis=-1, preserve_dtype=True),
    "nearest_u8": imgconv.resize(u8, (55, 90), order=0, channel_axis=-1),
    "atrous_f32": imgconv.atrous_filter(f32, rng.standard_normal((3, 5)), (2, 5)),
    "atrous_f64": imgconv.atrous_filter(f64, [[1, -2, 1]], 4, mode="wrap", channel_axis=-1),
    "starlet_f32": imgconv.starlet(f32, 4),
    "istarlet_f64": imgconv.istarlet(imgconv.starlet(f64, 3, channel_axis=-1)),
    "features": imgconv.multiscale_features(f32, n_scales=3),
    "conv2d": imgconv.conv2d(x, w, padding=2, dilation=2),
    "conv_t_gemm": imgconv.conv_transpose2d(x, w.transpose(1, 0, 2, 3), stride=2,
                                            method="gemm"),
    "conv_t_subpixel": imgconv.conv_transpose2d(x, w.transpose(1, 0, 2, 3), stride=2,
                                                method="subpixel"),
}
np.savez(sys.argv[1], **results)
"""


def _results(level, tmp_path):
    path = tmp_path / f"{level}.npz"
    env = dict(os.environ, IMGCONV_CPU=level)
    subprocess.run([sys.executable, "-c", SCRIPT, str(path)], env=env, check=True)
    with np.load(path) as data:
        return dict(data)


@pytest.mark.parametrize("level", RUNNABLE)
def test_each_level_imports_directly(level):
    for name in runtime.build_info()["modules"]:
        module = importlib.import_module(f"imgconv._ext.{level}.{name}")
        assert module.__name__ == f"imgconv._ext.{level}.{name}"


@pytest.mark.skipif(len(RUNNABLE) < 2, reason="one CPU level built or runnable here")
def test_levels_give_identical_results(tmp_path):
    results = {level: _results(level, tmp_path) for level in RUNNABLE}
    for level, got in results.items():
        assert str(got.pop("level")) == level
    reference = results[RUNNABLE[0]]
    for level in RUNNABLE[1:]:
        for name, expected in reference.items():
            np.testing.assert_array_equal(results[level][name], expected,
                                          err_msg=f"{name} at {level}")
