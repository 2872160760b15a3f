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


def run(benchmark, group, library, fn, *args, **kwargs):
    """Benchmark ``fn(*args, **kwargs)`` as ``library`` in ``group``."""
    benchmark.group = group
    benchmark.extra_info["library"] = library
    benchmark.extra_info["threads"] = THREADS
    return benchmark(fn, *args, **kwargs)


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
