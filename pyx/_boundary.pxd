# Header-only: where a pixel outside the image reads from, per border mode.
#
# Codes and names are scipy.ndimage's (what skimage.filters uses); the image
# API translates numpy.pad names (skimage.transform's) into them, see
# imgconv/_validate.py. Indices may lie any distance outside the image: an
# image smaller than a filter's reach is extended repeatedly, as ndimage does.

cdef enum:
    BORDER_REFLECT = 0     # half-sample symmetric: d c b a | a b c d | d c b a
    BORDER_MIRROR = 1      # whole-sample symmetric: d c b | a b c d | c b a
    BORDER_NEAREST = 2     # edge repeated: a a a | a b c d | d d d
    BORDER_WRAP = 3        # periodic: b c d | a b c d | a b c
    BORDER_CONSTANT = 4    # a constant (cval): k k k | a b c d | k k k


cdef inline Py_ssize_t positive_mod(Py_ssize_t a, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t r = a % n
    return r + n if r < 0 else r


cdef inline Py_ssize_t border_index(Py_ssize_t i, Py_ssize_t n, int mode) noexcept nogil:
    """The index in [0, n) that position ``i`` reads, or -1 for the constant.

    ``n`` >= 1; ``i`` any integer.
    """
    cdef Py_ssize_t j
    if 0 <= i < n:
        return i
    if mode == BORDER_REFLECT:
        j = positive_mod(i, 2 * n)
        return 2 * n - 1 - j if j >= n else j
    if mode == BORDER_MIRROR:
        if n == 1:
            return 0
        j = positive_mod(i, 2 * n - 2)
        return 2 * n - 2 - j if j >= n else j
    if mode == BORDER_NEAREST:
        return 0 if i < 0 else n - 1
    if mode == BORDER_WRAP:
        return positive_mod(i, n)
    return -1
