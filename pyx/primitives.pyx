"""Primitives shared by the image operations: border rules as tables, the
value range of an array, and the division of premultiplied colour by alpha.

The border rule itself is ``border_index`` in ``_boundary.pxd`` (inlined
into the kernels); this module exposes it to Python as index tables, and
the mode names with their codes, so that Python code never keeps a copy of
either.
"""
import numpy as np

from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport rint

from _boundary cimport (BORDER_CONSTANT, BORDER_MIRROR, BORDER_NEAREST, BORDER_REFLECT,
                        BORDER_WRAP, border_index)
from _simd cimport range_d, range_f

#: scipy.ndimage's mode names and the kernels' code for each. 'grid-*' are
#: ndimage's aliases that mean the same for a filter and for grid-mode
#: resampling ('grid-mirror' is 'reflect').
BORDER_MODES = {
    "reflect": BORDER_REFLECT, "grid-mirror": BORDER_REFLECT,
    "mirror": BORDER_MIRROR,
    "nearest": BORDER_NEAREST,
    "wrap": BORDER_WRAP, "grid-wrap": BORDER_WRAP,
    "constant": BORDER_CONSTANT, "grid-constant": BORDER_CONSTANT,
}


def border_map(positions, Py_ssize_t n, int mode):
    """The index in [0, n) that each integer position reads (-1: the constant).

    ``positions`` is an integer array of any shape and any values (far
    outside the image too: a short image is extended repeatedly, as
    scipy.ndimage extends it); ``mode`` a code of :data:`BORDER_MODES`.
    """
    flat = np.ascontiguousarray(positions, dtype=np.intp).reshape(-1)
    out = np.empty_like(flat)
    cdef const Py_ssize_t[::1] src = flat
    cdef Py_ssize_t[::1] dst = out
    cdef Py_ssize_t k
    for k in range(src.shape[0]):
        dst[k] = border_index(src[k], n, mode)
    return out.reshape(np.shape(positions))


def value_range(const floating[::1] values, floating[:, ::1] result, int n_threads):
    """Smallest and largest value, NaN skipped, in one parallel pass.

    OUT: ``result`` (chunks, 2): per chunk of ``values`` its minimum and
    maximum (+inf and -inf when it is all NaN); the caller combines them.
    """
    cdef Py_ssize_t n = values.shape[0]
    cdef Py_ssize_t chunks = result.shape[0]
    cdef Py_ssize_t size = (n + chunks - 1) // chunks
    cdef Py_ssize_t k, start, stop
    with nogil:
        for k in prange(chunks, schedule='static', num_threads=n_threads):
            start = min(k * size, n)
            stop = min(start + size, n)
            # written straight into result: a local passed by address would
            # not be made private by prange, and the threads would share it
            if floating is float:
                range_f(&values[0] + start, stop - start, &result[k, 0], &result[k, 1])
            else:
                range_d(&values[0] + start, stop - start, &result[k, 0], &result[k, 1])


ctypedef fused pixel_t:
    unsigned char
    unsigned short


def unpremultiply(const unsigned short[:, ::1] colour, const unsigned short[::1] divisor,
                  const pixel_t[::1] alpha, double top, pixel_t[:, ::1] out, int n_threads):
    """Premultiplied colour back to straight colour, in one parallel pass.

    OUT: ``out[p, c] = min(rint(colour[p, c] * (top / divisor[p])), top)`` for
    the colour channels ``c < colour.shape[1]`` (later columns of ``out``, the
    alpha, are not written), 0 where ``divisor[p]`` or ``alpha[p]`` is 0.
    ``rint`` rounds half to even, as NumPy's; the quotient and the product
    are the float64 operations NumPy would do, so the bits are NumPy's.
    """
    cdef Py_ssize_t n = colour.shape[0], channels = colour.shape[1]
    cdef Py_ssize_t p, c
    cdef double factor, q
    with nogil:
        for p in prange(n, schedule='static', num_threads=n_threads):
            factor = 0.0
            if divisor[p] > 0 and alpha[p] > 0:
                factor = top / divisor[p]
            for c in range(channels):
                q = rint(colour[p, c] * factor)
                out[p, c] = <pixel_t> (q if q < top else top)
