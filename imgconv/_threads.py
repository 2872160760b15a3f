"""Thread counts for the OpenMP kernels, and keeping BLAS out of their way.

The kernels parallelise with OpenMP over independent work items, each of
which may call BLAS. BLAS must then run single-threaded, or the two thread
pools multiply; :func:`blas_single_threaded` arranges that for the duration
of a call.
"""
import os
import threading
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

from ._ext import runtime
from ._validate import check_n_threads


def available_cores():
    """Cores this process may run on (its CPU affinity where the OS tells)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def effective_n_threads(n_threads=None):
    """The number of threads a kernel runs with.

    Follows scikit-learn: ``None`` means the OpenMP default (all cores, or
    ``OMP_NUM_THREADS``), a positive count is used as given, a negative one
    counts from the end (``-1`` all cores, ``-2`` all but one). Unlike
    scikit-learn, the result is at most the number of cores (each thread
    holds a work buffer, and more threads than cores only slow a kernel
    down) and at least 1; a build without OpenMP always runs one thread.
    """
    n = check_n_threads(n_threads)
    cores = available_cores()
    if not runtime.have_openmp():
        return 1
    if n is None:
        n = runtime.openmp_max_threads()
    elif n < 0:
        n = cores + 1 + n
    return max(1, min(n, cores))


_controller = None
_lock = threading.Lock()
_active = 0
_limiter = None


@contextmanager
def blas_single_threaded():
    """Run BLAS on one thread inside the block.

    Reference-counted so that concurrent calls from several Python threads
    restore the user's BLAS setting only when the last of them leaves.
    """
    global _controller, _active, _limiter
    with _lock:
        if _active == 0:
            if _controller is None:
                _controller = ThreadpoolController()
            _limiter = _controller.limit(limits=1, user_api="blas")
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                _limiter.restore_original_limits()
                _limiter = None
