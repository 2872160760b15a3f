"""Repeated calls of every public function do not grow memory."""
import gc
import os
import tracemalloc

import pytest

from public_api import CASE_IDS, CASES


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_thousand_calls_do_not_grow_memory(case):
    x = case.make_input()
    for _ in range(50):                      # warm caches and allocator pools
        case.call(x)
    gc.collect()
    tracemalloc.start()
    try:
        traced_before = tracemalloc.get_traced_memory()[0]
        rss_before = _rss_bytes()
        for _ in range(1000):
            case.call(x)
        gc.collect()
        traced_growth = tracemalloc.get_traced_memory()[0] - traced_before
        rss_growth = _rss_bytes() - rss_before
    finally:
        tracemalloc.stop()
    assert traced_growth < 64 * 1024
    if not os.environ.get("IMGCONV_SANITIZED"):   # ASan holds freed memory in quarantine
        assert rss_growth < 8 * 2**20
