"""Helpers of the benchmarks: how each one is declared and run.

Every benchmark declares its group and its library::

    def test_x(benchmark):
        run(benchmark, "upscale x2 2048^2", "cv2", fn, *args)

Within a group, imgconv and its anchors run in the same session on the same
thread count, so the ratio of medians is meaningful on a shared machine
where absolute times are not.
"""
import os

import pytest

from imgconv._threads import effective_n_threads

#: Threads for imgconv and every anchor (IMGCONV_BENCH_THREADS, default all cores).
THREADS = effective_n_threads(int(os.environ.get("IMGCONV_BENCH_THREADS", "-1")))


def run(benchmark, group, library, fn, *args, rounds=None, warmup=0, **kwargs):
    """Benchmark ``fn(*args, **kwargs)`` as ``library`` in ``group``; returns
    its result. ``rounds``: a fixed number of rounds for anchors that take
    seconds a call, after ``warmup`` untimed ones."""
    benchmark.group = group
    benchmark.extra_info["library"] = library
    benchmark.extra_info["threads"] = THREADS
    if rounds is not None:
        return benchmark.pedantic(fn, args=args, kwargs=kwargs, rounds=rounds, iterations=1,
                                  warmup_rounds=warmup)
    return benchmark(fn, *args, **kwargs)


def assert_close(ours, reference, tol=0.0):
    """The timed result against its anchor's (computed once, untimed): same
    shape, and equal within ``tol`` (absolute, on the values' scale). A fast
    wrong kernel cannot pass as a speed-up."""
    import numpy as np

    ours, reference = np.asarray(ours), np.asarray(reference)
    assert ours.shape == reference.shape, (ours.shape, reference.shape)
    diff = np.abs(ours.astype(np.float64) - reference.astype(np.float64))
    assert float(np.nanmax(diff, initial=0.0)) <= tol, float(np.nanmax(diff))


def optional(module):
    """Import an optional anchor, or skip the benchmark cleanly."""
    return pytest.importorskip(module)


def ratio_table(timings):
    """Rows ``(group, anchor, imgconv median, anchor median, anchor / imgconv)``
    from ``(group, library, median seconds)`` triples."""
    groups = {}
    for group, library, median in timings:
        if median:
            groups.setdefault(group, {})[library] = median
    rows = []
    for group, times in sorted(groups.items()):
        ours = times.get("imgconv")
        for library, median in sorted(times.items()):
            if library != "imgconv" and ours:
                rows.append((group, library, ours, median, median / ours))
    return rows
