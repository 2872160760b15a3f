"""Thread safety: concurrent callers, the GIL released in kernels, n_threads honoured."""
import math
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import imgconv
from imgconv._threads import available_cores, effective_n_threads
from public_api import CASE_IDS, CASES, first_array


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_eight_concurrent_callers_get_the_serial_results(case):
    inputs = [case.make_input(seed) for seed in range(8)]
    serial = [first_array(case.call(x)) for x in inputs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            results = list(pool.map(lambda x: first_array(case.call(x)), inputs))
            for got, expected in zip(results, serial):
                np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("case", [c for c in CASES if c.long_shape],
                         ids=[c.name for c in CASES if c.long_shape])
def test_kernels_release_the_gil(case):
    """While one thread is inside a long kernel, another runs Python.

    The switch interval is raised above the length of the whole run, so the
    interpreter never takes the GIL from the worker thread: this loop can run
    only when the worker gives the GIL up itself, as a kernel that releases it
    does. The kernel runs on one thread so that a core stays free."""
    x = case.make_input(shape=case.long_shape)
    start = time.perf_counter()
    case.call(x, n_threads=1)
    alone = time.perf_counter() - start
    repeats = max(1, math.ceil(0.3 / alone))        # at least 0.3 s of kernel time
    started = threading.Event()

    def work():
        started.set()
        for _ in range(repeats):
            case.call(x, n_threads=1)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(max(10.0, 10 * repeats * alone))
    steps = 0
    try:
        worker = threading.Thread(target=work)
        worker.start()
        started.wait()
        while worker.is_alive():
            steps += 1
            time.sleep(0.001)
        worker.join()
    finally:
        sys.setswitchinterval(interval)
    # holding the GIL, the worker would let this loop in only once it ended
    assert steps >= 20, f"the main thread ran {steps} times in {repeats * alone:.2f} s of calls"


def test_effective_n_threads():
    cores = available_cores()
    assert effective_n_threads(1) == 1
    assert effective_n_threads(-1) == effective_n_threads(cores) == cores
    assert effective_n_threads(10 * cores) == cores
    assert effective_n_threads(-10 * cores) == 1
    assert 1 <= effective_n_threads(None) <= cores


def test_n_threads_1_runs_one_thread():
    """With n_threads=1 the process uses no more CPU time than wall time."""
    x = np.random.default_rng(0).standard_normal((1, 16, 512, 512))
    w = np.random.default_rng(1).standard_normal((16, 16, 3, 3))
    imgconv.conv2d(x, w, padding=1, n_threads=1)
    wall, cpu = time.perf_counter(), time.process_time()
    imgconv.conv2d(x, w, padding=1, n_threads=1)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert cpu < 1.3 * wall + 0.01


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parallel_value_range_is_the_whole_range(dtype):
    """The clip bounds of resize come from a parallel min/max: each thread's
    partial result must be its own (a shared temporary once mixed them)."""
    from imgconv._resample import input_range as _input_range

    rng = np.random.default_rng(7)
    for trial in range(200):
        values = rng.random(20_000).astype(dtype)
        values[rng.integers(values.size)] = -1.0 - trial
        values[rng.integers(values.size)] = 2.0 + trial
        assert _input_range(values, 2) == (-1.0 - trial, 2.0 + trial)
