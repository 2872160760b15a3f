"""What the build reports about itself, and the refusal to run on a CPU
that lacks the instructions the kernels were compiled for."""
import importlib

import pytest

import imgconv
from imgconv._ext import runtime


def test_build_reports_its_instruction_set_and_threads():
    assert runtime.instruction_set() in ("x86-64-v3", "baseline")
    assert runtime.cpu_runs_kernels()
    assert isinstance(runtime.have_openmp(), bool)
    assert runtime.openmp_max_threads() >= 1


def test_import_refuses_a_cpu_without_the_compiled_instructions(monkeypatch):
    monkeypatch.setattr(runtime, "cpu_runs_kernels", lambda: False)
    with pytest.raises(ImportError, match="reinstall imgconv with IMGCONV_PORTABLE=1"):
        importlib.reload(imgconv)
    monkeypatch.undo()
    importlib.reload(imgconv)
