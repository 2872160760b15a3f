"""What the build reports about itself: the CPU levels compiled and detected,
the choice of the level at import, and ``show_config``."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import imgconv
from imgconv import _ext
from imgconv._ext import LEVELS, choose_level, runtime

PYX = Path(__file__).parent.parent / "pyx"


def test_build_reports_levels_modules_and_threads():
    info = runtime.build_info()
    assert info["levels"] and set(info["levels"]) <= set(LEVELS)
    assert list(info["levels"]) == [level for level in LEVELS if level in info["levels"]]
    assert set(info["flags"]) == set(info["levels"])
    assert info["mode"] in ("release", "debug", "asan")
    assert info["compiler"] and isinstance(info["openmp"], bool)
    assert runtime.openmp_max_threads() >= 1
    for flags in info["flags"].values():
        if info["compiler"].startswith(("gcc", "clang")):
            assert "-ffp-contract=off" in flags.split()


@pytest.mark.skipif(not PYX.is_dir(), reason="needs the source tree")
def test_every_kernel_source_is_built_at_every_level():
    expected = sorted(p.stem for p in PYX.glob("*.pyx") if p.stem != "runtime")
    assert sorted(runtime.build_info()["modules"]) == expected
    for name in expected:
        assert getattr(_ext, name).__name__ == f"imgconv._ext.{_ext.LEVEL}.{name}"
        assert sys.modules[f"imgconv._ext.{name}"] is getattr(_ext, name)


def test_cpu_levels_are_prefixes_of_the_level_order():
    levels = runtime.cpu_levels()
    assert levels == tuple(LEVELS)[:len(levels)] and levels[0] == "baseline"


@pytest.mark.skipif(not Path("/proc/cpuinfo").exists(), reason="Linux only")
def test_cpu_levels_agree_with_the_kernel_cpu_flags():
    # /proc/cpuinfo lists what the CPU has and the OS enabled
    text = Path("/proc/cpuinfo").read_text()
    flags = set(next(line for line in text.splitlines() if line.startswith("flags"))
                .split(":", 1)[1].split())
    if "lm" not in flags:
        pytest.skip("not an x86-64 CPU")
    v3 = {"avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave",
          "sse4_1", "sse4_2", "ssse3", "popcnt", "cx16", "lahf_lm"} <= flags
    v4 = v3 and {"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"} <= flags
    assert runtime.cpu_levels() == ("baseline", "v3", "v4")[:1 + v3 + v4]


def test_the_loaded_level_is_the_best_or_the_requested_one():
    assert _ext.LEVEL == choose_level(os.environ.get("IMGCONV_CPU", ""),
                                      runtime.build_info()["levels"], runtime.cpu_levels())


ALL = ("baseline", "v3", "v4")


@pytest.mark.parametrize(
    "requested,built,cpu,level",
    [("", ALL, ALL, "v4"), ("auto", ALL, ("baseline", "v3"), "v3"),
     (" V3 ", ALL, ALL, "v3"), ("", ("baseline",), ALL, "baseline"),
     ("", ("v3",), ALL, "v3"), ("baseline", ALL, ("baseline",), "baseline")],
    ids=["best", "cpu-without-avx512", "case-and-spaces", "baseline-build", "v3-build",
         "forced-baseline"])
def test_choose_level(requested, built, cpu, level):
    assert choose_level(requested, built, cpu) == level


@pytest.mark.parametrize(
    "requested,built,cpu,message",
    [("avx2", ALL, ALL, (r"IMGCONV_CPU='avx2' is not a CPU level; expected one of auto, "
                         r"baseline, v3, v4 \(built: baseline, v3, v4; this CPU runs")),
     ("v4", ("baseline", "v3"), ALL, (r"IMGCONV_CPU='v4': imgconv was not built for v4 "
                                      r"\(built: baseline, v3; this CPU runs: baseline, v3, v4\)")),
     ("v4", ALL, ("baseline", "v3"), r"IMGCONV_CPU='v4': this CPU lacks x86-64-v4: AVX-512"),
     ("", ("v3", "v4"), ("baseline",), (r"built for no level this CPU runs \(built: v3, v4; "
                                        r"this CPU runs: baseline\)"))],
    ids=["unknown", "not-built", "cpu-lacks-it", "nothing-usable"])
def test_choose_level_refusals_name_what_is_available(requested, built, cpu, message):
    with pytest.raises(ImportError, match=message):
        choose_level(requested, built, cpu)


def test_a_bad_imgconv_cpu_fails_the_import_in_one_clear_line():
    env = dict(os.environ, IMGCONV_CPU="sse9")
    run = subprocess.run([sys.executable, "-c", "import imgconv"], env=env,
                         capture_output=True, text=True)
    assert run.returncode != 0
    assert ("ImportError: IMGCONV_CPU='sse9' is not a CPU level; expected one of auto, "
            "baseline, v3, v4") in run.stderr.splitlines()[-1]


def test_show_config_prints_build_and_run(capsys):
    assert imgconv.show_config() is None
    out = capsys.readouterr().out
    info = runtime.build_info()
    assert f"levels compiled: {', '.join(info['levels'])}" in out
    assert f"kernels loaded:  {_ext.LEVEL}" in out
    assert "OpenMP:" in out and "threads:" in out and "BLAS:" in out
    for flags in info["flags"].values():
        assert flags in out


def test_show_config_refuses_an_unknown_mode():
    with pytest.raises(ValueError, match="mode must be 'stdout' or 'dicts', got 'json'"):
        imgconv.show_config(mode="json")
