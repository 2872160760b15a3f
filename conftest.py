"""Test-suite set-up, for tests/ and bench/ alike."""
import os
import sys

import pytest

if os.environ.get("IMGCONV_SANITIZED"):
    # torch aborts when loaded beside the AddressSanitizer runtime: under
    # scripts/run_checked.sh asan its parity tests skip as if not installed.
    sys.modules["torch"] = None


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
