"""Test-suite set-up, for tests/ and bench/ alike."""
import os
import sys

import pytest


class _NoTorch:
    """An import hook that makes torch look not installed (ModuleNotFoundError,
    which pytest.importorskip turns into a skip); unlike a None entry in
    sys.modules, libraries probing sys.modules for torch see nothing."""

    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError("torch is not loaded beside the AddressSanitizer runtime")
        return None


if os.environ.get("IMGCONV_SANITIZED"):
    # torch aborts when loaded beside the AddressSanitizer runtime: under
    # scripts/run_checked.sh asan its parity tests skip as if not installed.
    sys.meta_path.insert(0, _NoTorch())


@pytest.fixture
def four_cores(monkeypatch):
    """Let ``n_threads`` go up to 4 whatever this machine's core count, so that
    thread-invariance tests split the work 2, 3 and 4 ways even on 2 cores
    (OpenMP runs more threads than cores)."""
    import imgconv._threads
    from imgconv._ext import runtime

    monkeypatch.setattr(imgconv._threads, "available_cores", lambda: 4)
    if runtime.have_openmp():
        assert imgconv._threads.effective_n_threads(3) == 3
