"""Fixtures of the benchmarks, and the closing table of ratios to the anchors."""
import numpy as np
import pytest

from common import THREADS, optional, ratio_table


def _median(bench):
    stats = getattr(bench, "stats", None)
    stats = getattr(stats, "stats", stats)
    return getattr(stats, "median", None)


@pytest.fixture(scope="session")
def torch_threads():
    """torch, on the benchmark's thread count (skips when not installed)."""
    torch = optional("torch")
    torch.set_num_threads(THREADS)
    return torch


@pytest.fixture(scope="session")
def cv2_threads():
    """cv2, on the benchmark's thread count (skips when not installed)."""
    cv2 = optional("cv2")
    cv2.setNumThreads(THREADS)
    return cv2


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def pytest_terminal_summary(terminalreporter, config):
    session = getattr(config, "_benchmarksession", None)
    if session is None or session.disabled:
        return
    rows = ratio_table((b.group, b.extra_info.get("library"), _median(b))
                       for b in session.benchmarks)
    if not rows:
        return
    write = terminalreporter.write_line
    terminalreporter.section(f"imgconv vs anchors ({THREADS} threads, medians)")
    width = max(len(r[0]) for r in rows)
    write(f"{'group':<{width}}  {'anchor':<10} {'imgconv':>10} {'anchor':>10}  speed-up")
    for group, library, ours, theirs, ratio in rows:
        write(f"{group:<{width}}  {library:<10} {ours * 1e3:>8.2f}ms {theirs * 1e3:>8.2f}ms"
              f"  {ratio:7.2f}x")
