"""What the compiled kernels were built with.

This module is always compiled for the architecture's baseline, so that it
can check, before any other kernel module is loaded, that this CPU runs the
instructions they were compiled for.
"""
from _boundary cimport border_index
from _openmp cimport IMGCONV_HAVE_OPENMP, omp_get_max_threads

cdef extern from *:
    """
    #ifndef IMGCONV_NEEDS_X86_64_V3
    #define IMGCONV_NEEDS_X86_64_V3 0
    #endif
    static int imgconv_cpu_runs_kernels(void) {
    #if IMGCONV_NEEDS_X86_64_V3
        __builtin_cpu_init();
        return __builtin_cpu_supports("x86-64-v3") > 0;
    #else
        return 1;
    #endif
    }
    """
    const int IMGCONV_NEEDS_X86_64_V3
    int imgconv_cpu_runs_kernels() noexcept nogil


def instruction_set():
    """The instruction set the kernels were compiled for: 'x86-64-v3' or 'baseline'."""
    return "x86-64-v3" if IMGCONV_NEEDS_X86_64_V3 else "baseline"


def cpu_runs_kernels():
    """True when this CPU has the instructions the kernels were compiled for."""
    return bool(imgconv_cpu_runs_kernels())


def have_openmp():
    """True when the kernels were compiled with OpenMP."""
    return bool(IMGCONV_HAVE_OPENMP)


def openmp_max_threads():
    """The OpenMP runtime's default thread count (1 without OpenMP)."""
    return omp_get_max_threads()


def border_index_table(Py_ssize_t n, Py_ssize_t start, Py_ssize_t stop, int mode):
    """``[border_index(i, n, mode) for i in range(start, stop)]`` as a list.

    Exposes the border rule of the kernels (``_boundary.pxd``) to tests and to
    Python code that builds index tables; ``mode`` is a code of
    ``imgconv._validate.BORDER_CODES``.
    """
    return [border_index(i, n, mode) for i in range(start, stop)]
