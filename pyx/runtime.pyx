"""What the compiled kernels were built with."""
from _boundary cimport border_index
from _openmp cimport IMGCONV_HAVE_OPENMP, omp_get_max_threads


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
