"""What the compiled kernels were built with."""
from _openmp cimport IMGCONV_HAVE_OPENMP, omp_get_max_threads


def have_openmp():
    """True when the kernels were compiled with OpenMP."""
    return bool(IMGCONV_HAVE_OPENMP)


def openmp_max_threads():
    """The OpenMP runtime's default thread count (1 without OpenMP)."""
    return omp_get_max_threads()
