"""Kernels of the atrous (dilated) filters: loops over the taps only.

A kernel whose taps are ``dilation`` pixels apart is applied by reading the
pixels under its taps, never by building the zero-stuffed kernel, so the
cost is the same for every dilation. The Python wrappers in
``imgconv/atrous.py`` validate every argument, convert the image to
contiguous float planes (C, H, W), drop zero taps and allocate the outputs;
these loops only compute.

Each output row is one work item: OpenMP threads share the rows
(``prange``), and a row is computed the same way whatever thread runs it, so
results do not depend on the thread count. Within a row, the columns whose
taps all fall inside the image (the interior) run as loops over whole rows
that the compiler vectorises, up to five taps per pass; the border columns
read through per-axis index tables built with ``border_index``, summing the
taps in the same order. The wrappers pass the border tables (where each
tap of each position reads, -1 for the constant) and the interior.
"""
import numpy as np

from cython cimport floating
from cython.parallel cimport parallel, prange, threadid
from libc.math cimport sqrt

cdef enum:
    # Rows per work item: enough for neighbouring rows to share their source
    # rows in cache, few enough that one busy core cannot hold the others
    # back (dynamic schedule).
    CHUNK = 16


cdef enum:
    # Taps per pass over a row: each pass keeps its partial sum in registers,
    # reads one source row per tap and adds into the output row.
    MAX_PASS_TAPS = 5


cdef inline Py_ssize_t n_passes(Py_ssize_t taps) noexcept nogil:
    return (taps + MAX_PASS_TAPS - 1) // MAX_PASS_TAPS


cdef inline Py_ssize_t pass_start(Py_ssize_t p, Py_ssize_t taps) noexcept nogil:
    """First tap of pass p when ``taps`` are split evenly into ``n_passes(taps)`` passes."""
    return p * taps // n_passes(taps)


cdef inline void weighted_sum(floating* out, bint first, Py_ssize_t lo, Py_ssize_t hi,
                              Py_ssize_t n, const floating** src, const Py_ssize_t* off,
                              const floating* w) noexcept nogil:
    """One pass over a row: for lo <= x < hi,
    ``out[x] = (0 if first else out[x]) + sum_{t < n} w[t] * src[t][x + off[t]]``, 1 <= n <= 5.

    Written out per tap count so that each loop vectorises with its partial
    sum in registers (the compiler checks at run time that ``out`` does not
    overlap the sources).
    """
    cdef Py_ssize_t x
    # unused taps repeat tap 0 with weight 0; their loops never read them
    cdef const floating* a = src[0]
    cdef const floating* b = src[1] if n > 1 else a
    cdef const floating* c = src[2] if n > 2 else a
    cdef const floating* d = src[3] if n > 3 else a
    cdef const floating* e = src[4] if n > 4 else a
    cdef Py_ssize_t oa = off[0]
    cdef Py_ssize_t ob = off[1] if n > 1 else oa
    cdef Py_ssize_t oc = off[2] if n > 2 else oa
    cdef Py_ssize_t od = off[3] if n > 3 else oa
    cdef Py_ssize_t oe = off[4] if n > 4 else oa
    cdef floating wa = w[0]
    cdef floating wb = w[1] if n > 1 else 0
    cdef floating wc = w[2] if n > 2 else 0
    cdef floating wd = w[3] if n > 3 else 0
    cdef floating we = w[4] if n > 4 else 0
    if first:
        if n == 1:
            for x in range(lo, hi):
                out[x] = wa * a[x + oa]
        elif n == 2:
            for x in range(lo, hi):
                out[x] = wa * a[x + oa] + wb * b[x + ob]
        elif n == 3:
            for x in range(lo, hi):
                out[x] = wa * a[x + oa] + wb * b[x + ob] + wc * c[x + oc]
        elif n == 4:
            for x in range(lo, hi):
                out[x] = wa * a[x + oa] + wb * b[x + ob] + wc * c[x + oc] + wd * d[x + od]
        else:
            for x in range(lo, hi):
                out[x] = (wa * a[x + oa] + wb * b[x + ob] + wc * c[x + oc] + wd * d[x + od]
                          + we * e[x + oe])
    else:
        if n == 1:
            for x in range(lo, hi):
                out[x] = out[x] + wa * a[x + oa]
        elif n == 2:
            for x in range(lo, hi):
                out[x] = out[x] + wa * a[x + oa] + wb * b[x + ob]
        elif n == 3:
            for x in range(lo, hi):
                out[x] = out[x] + wa * a[x + oa] + wb * b[x + ob] + wc * c[x + oc]
        elif n == 4:
            for x in range(lo, hi):
                out[x] = (out[x] + wa * a[x + oa] + wb * b[x + ob] + wc * c[x + oc]
                          + wd * d[x + od])
        else:
            for x in range(lo, hi):
                out[x] = (out[x] + wa * a[x + oa] + wb * b[x + ob] + wc * c[x + oc]
                          + wd * d[x + od] + we * e[x + oe])


# ------------------------------------------------------- 2-D correlation ---

cdef void correlate_row(const floating* plane, Py_ssize_t width, Py_ssize_t y,
                        const Py_ssize_t[::1] tap_row, const Py_ssize_t[::1] tap_col,
                        const floating[::1] tap_weight,
                        const Py_ssize_t[:, ::1] rows, const Py_ssize_t[:, ::1] cols,
                        Py_ssize_t dil_x, Py_ssize_t centre_x, Py_ssize_t lo, Py_ssize_t hi,
                        const floating* fill_row, floating cval,
                        floating* out) noexcept nogil:
    """Output row y of the correlation of ``plane`` (rows of ``width`` values).

    Tap t reads row ``rows[tap_row[t], y]`` (-1: the constant row ``fill_row``)
    at column ``x + tap_col[t]*dil_x - centre_x``, or ``cols[tap_col[t], x]``
    (-1: ``cval``) outside the interior columns [lo, hi).
    """
    cdef Py_ssize_t n_taps = tap_weight.shape[0]
    cdef Py_ssize_t side, x0, x1, t, u, x, r, j
    cdef Py_ssize_t p, size
    cdef const floating* src[MAX_PASS_TAPS]
    cdef Py_ssize_t off[MAX_PASS_TAPS]
    cdef floating w[MAX_PASS_TAPS]
    cdef floating s
    if n_taps == 0:
        for x in range(width):
            out[x] = 0
        return
    # interior: whole-row loops, a few taps per pass
    for p in range(n_passes(n_taps)):
        t = pass_start(p, n_taps)
        size = pass_start(p + 1, n_taps) - t
        for u in range(size):
            r = rows[tap_row[t + u], y]
            src[u] = plane + r * width if r >= 0 else fill_row
            off[u] = tap_col[t + u] * dil_x - centre_x
            w[u] = tap_weight[t + u]
        weighted_sum(out, p == 0, lo, hi, size, src, off, w)
    # border columns: read through the index tables, same order of the sum
    for side in range(2):
        x0 = 0 if side == 0 else hi
        x1 = lo if side == 0 else width
        for x in range(x0, x1):
            s = 0
            for t in range(n_taps):
                r = rows[tap_row[t], y]
                j = cols[tap_col[t], x]
                s = s + tap_weight[t] * (plane[r * width + j] if r >= 0 and j >= 0 else cval)
            out[x] = s


def correlate(const floating[:, :, ::1] image, const Py_ssize_t[::1] tap_row,
              const Py_ssize_t[::1] tap_col, const floating[::1] tap_weight,
              const Py_ssize_t[:, ::1] rows, const Py_ssize_t[:, ::1] cols,
              Py_ssize_t dil_x, Py_ssize_t lo, Py_ssize_t hi, floating cval,
              floating[:, :, ::1] out, int n_threads):
    """out = scipy.ndimage.correlate of each plane with a dilated kernel.

    IN: image (C, H, W); the kernel's non-zero taps as (row, column, weight)
    triples; ``rows`` (kernel_h, H) and ``cols`` (kernel_w, W): where each tap
    of each row and column reads (-1: cval), taps ``dil_x`` apart along a
    row; [lo, hi): the columns whose taps all read inside the row.
    OUT: out (C, H, W), every element written; may not overlap ``image``.
    ``out[c, y, x] = sum_t w_t * image[c, rows[row_t, y], cols[col_t, x]]``.
    """
    cdef Py_ssize_t channels = image.shape[0], height = image.shape[1]
    cdef Py_ssize_t width = image.shape[2]
    dtype = np.float32 if floating is float else np.float64
    cdef const floating[::1] fill_row = np.full(width, cval, dtype)
    # the interior starts at the kernel's centre whenever it is not empty
    cdef Py_ssize_t centre_x = lo
    cdef Py_ssize_t item, c, y
    with nogil:
        for item in prange(channels * height, num_threads=n_threads, schedule='dynamic',
                           chunksize=CHUNK):
            c = item // height
            y = item % height
            correlate_row(&image[c, 0, 0], width, y, tap_row, tap_col, tap_weight, rows, cols,
                          dil_x, centre_x, lo, hi, &fill_row[0], cval, &out[c, y, 0])


# ---------------------------------------------------- separable smoothing ---

def separable(const floating[:, :, ::1] image, const floating[::1] taps_y,
              const floating[::1] taps_x, const Py_ssize_t[:, ::1] rows,
              const Py_ssize_t[:, ::1] cols, Py_ssize_t dil_x, Py_ssize_t lo, Py_ssize_t hi,
              floating cval, floating[:, :, ::1] out, floating[:, :, ::1] detail,
              floating[:, ::1] work, int n_threads):
    """out = correlation of each plane with the separable kernel outer(taps_y, taps_x).

    IN: image (C, H, W); 1-D taps; ``rows`` (n_y, H) and ``cols`` (n_x, W)
    the border tables of the two axes (as ``correlate``), the row taps
    ``dil_x`` apart, [lo, hi) the interior columns.
    OUT: out (C, H, W); when ``detail`` is not None, also
    ``detail = image - out`` (a starlet detail plane). Neither may overlap
    ``image``. ``work`` holds one row of W elements per thread.
    Equals ``correlate`` with the outer-product kernel, constant mode included.

    Each output row is a column pass (``correlate_row`` with an n_y x 1
    kernel) into the thread's row of ``work``, then a row pass over it (a
    1 x n_x kernel on that single row, whose constant extension is
    ``cval * sum(taps_y)``).
    """
    cdef Py_ssize_t channels = image.shape[0], height = image.shape[1]
    cdef Py_ssize_t width = image.shape[2]
    cdef Py_ssize_t n_y = taps_y.shape[0], n_x = taps_x.shape[0]
    dtype = np.float32 if floating is float else np.float64
    # the column pass: taps (t, 0); the row pass: taps (0, t) on row 0 of tmp
    cdef const Py_ssize_t[::1] index_y = np.arange(n_y, dtype=np.intp)
    cdef const Py_ssize_t[::1] index_x = np.arange(n_x, dtype=np.intp)
    cdef const Py_ssize_t[::1] zeros_y = np.zeros(n_y, np.intp)
    cdef const Py_ssize_t[::1] zeros_x = np.zeros(n_x, np.intp)
    cdef const Py_ssize_t[:, ::1] same_column = np.arange(width, dtype=np.intp)[None]
    cdef const Py_ssize_t[:, ::1] only_row = np.zeros((1, 1), np.intp)
    cdef const floating[::1] fill_row = np.full(width, cval, dtype)
    cdef floating outside = cval * <floating> np.sum(np.asarray(taps_y))
    cdef Py_ssize_t centre_x = lo
    cdef bint with_detail = detail is not None
    cdef Py_ssize_t item, c, y, x
    cdef floating* tmp
    cdef floating* out_row
    cdef floating* detail_row
    cdef const floating* in_row
    with nogil, parallel(num_threads=n_threads):
        tmp = &work[threadid(), 0]
        for item in prange(channels * height, schedule='dynamic', chunksize=CHUNK):
            c = item // height
            y = item % height
            out_row = &out[c, y, 0]
            correlate_row(&image[c, 0, 0], width, y, index_y, zeros_y, taps_y, rows,
                          same_column, 1, 0, 0, width, &fill_row[0], cval, tmp)
            correlate_row(tmp, width, 0, zeros_x, index_x, taps_x, only_row, cols,
                          dil_x, centre_x, lo, hi, &fill_row[0], outside, out_row)
            if with_detail:
                in_row = &image[c, y, 0]
                detail_row = &detail[c, y, 0]
                for x in range(width):
                    detail_row[x] = in_row[x] - out_row[x]


# ---------------------------------------------------------- pointwise ---

def sum_planes(const floating[:, ::1] planes, floating[::1] out, int n_threads):
    """out[p] = planes[-1, p] + planes[-2, p] + ... + planes[0, p].

    Summed from the last plane to the first: for a starlet, from the coarse
    plane to the finest details, so each partial sum is close to a smoothed
    image and rounding stays at the level of the image's values.
    IN: planes (K, P), K >= 1. OUT: out (P,).
    """
    cdef Py_ssize_t k = planes.shape[0], n = planes.shape[1]
    cdef Py_ssize_t block = 4096
    cdef Py_ssize_t b, p, q, p1
    with nogil:
        for b in prange((n + block - 1) // block, num_threads=n_threads, schedule='dynamic',
                        chunksize=CHUNK):
            p1 = min(n, (b + 1) * block)
            for p in range(b * block, p1):
                out[p] = planes[k - 1, p]
            for q in range(k - 2, -1, -1):
                for p in range(b * block, p1):
                    out[p] = out[p] + planes[q, p]


# ----------------------------------------------------- derivative features ---

cdef inline floating at(const floating* row, Py_ssize_t j, floating cval) noexcept nogil:
    """row[j], or the constant where a border table says -1."""
    return row[j] if j >= 0 else cval


# The difference weights below are passed as ``floating`` values: a literal
# such as ``2`` in ``2 * x`` would make Cython compute in double.

cdef inline floating squared_gradient(floating up, floating mid_l, floating mid_r,
                                      floating down, floating inv_2d) noexcept nogil:
    """g_r**2 + g_c**2 with central differences ``(next - previous) / (2d)``."""
    cdef floating g_r = (down - up) * inv_2d
    cdef floating g_c = (mid_r - mid_l) * inv_2d
    return g_r * g_r + g_c * g_c


cdef inline floating hessian_mean(floating up, floating mid_l, floating mid, floating mid_r,
                                  floating down, floating inv_d2) noexcept nogil:
    """Half the trace of the Hessian: the mean of its eigenvalues."""
    cdef floating half = 0.5
    cdef floating h_rr = (down - mid - mid + up) * inv_d2
    cdef floating h_cc = (mid_r - mid - mid + mid_l) * inv_d2
    return (h_rr + h_cc) * half


cdef inline floating hessian_radius2(floating up_l, floating up, floating up_r,
                                     floating mid_l, floating mid, floating mid_r,
                                     floating down_l, floating down, floating down_r,
                                     floating inv_d2) noexcept nogil:
    """The squared half-distance between the Hessian's eigenvalues."""
    cdef floating half = 0.5, quarter = 0.25
    cdef floating h_rr = (down - mid - mid + up) * inv_d2
    cdef floating h_cc = (mid_r - mid - mid + mid_l) * inv_d2
    cdef floating h_rc = (down_r - down_l - up_r + up_l) * inv_d2 * quarter
    cdef floating half_diff = (h_rr - h_cc) * half
    return half_diff * half_diff + h_rc * h_rc


cdef void features_row(const floating* up, const floating* mid, const floating* down,
                       const Py_ssize_t* left, const Py_ssize_t* right, Py_ssize_t width,
                       Py_ssize_t d, floating cval, floating* magnitude, floating* large,
                       floating* small) noexcept nogil:
    """Gradient magnitude and Hessian eigenvalues of one row from central
    differences over ``d`` pixels; see ``derivative_features``.

    The squares come first, in loops the compiler vectorises (interior) or
    that read through the index tables (border); the square roots follow.
    """
    cdef Py_ssize_t side, x, l, r
    cdef Py_ssize_t lo = min(d, width), hi = max(lo, width - d)
    cdef floating inv_2d = 0.5 / d
    cdef floating inv_d2 = 1.0 / (d * d)
    cdef floating radius
    if magnitude != NULL:
        for x in range(lo, hi):
            magnitude[x] = squared_gradient(up[x], mid[x - d], mid[x + d], down[x], inv_2d)
        for side in range(2):
            for x in range(0 if side == 0 else hi, lo if side == 0 else width):
                magnitude[x] = squared_gradient(up[x], at(mid, left[x], cval),
                                                at(mid, right[x], cval), down[x], inv_2d)
        for x in range(width):
            magnitude[x] = sqrt(magnitude[x])
    if large != NULL:
        # large holds half the trace, small the squared radius, until the roots
        for x in range(lo, hi):
            large[x] = hessian_mean(up[x], mid[x - d], mid[x], mid[x + d], down[x], inv_d2)
        for x in range(lo, hi):
            small[x] = hessian_radius2(up[x - d], up[x], up[x + d], mid[x - d], mid[x],
                                       mid[x + d], down[x - d], down[x], down[x + d], inv_d2)
        for side in range(2):
            for x in range(0 if side == 0 else hi, lo if side == 0 else width):
                l, r = left[x], right[x]
                large[x] = hessian_mean(up[x], at(mid, l, cval), mid[x], at(mid, r, cval),
                                        down[x], inv_d2)
                small[x] = hessian_radius2(at(up, l, cval), up[x], at(up, r, cval),
                                           at(mid, l, cval), mid[x], at(mid, r, cval),
                                           at(down, l, cval), down[x], at(down, r, cval),
                                           inv_d2)
        for x in range(width):
            radius = sqrt(small[x])
            small[x] = large[x] - radius
            large[x] = large[x] + radius


def derivative_features(const floating[:, ::1] smooth, const Py_ssize_t[:, ::1] rows,
                        const Py_ssize_t[:, ::1] cols, Py_ssize_t d, floating cval,
                        floating[:, ::1] magnitude, floating[:, ::1] large,
                        floating[:, ::1] small, int n_threads):
    """Derivative features of a smoothed plane from central differences over d pixels.

    IN: smooth (H, W); ``rows`` (3, H) and ``cols`` (3, W): the border tables
    of a 3-tap kernel dilated by d (where the pixels at distance d read).
    OUT (each may be None to skip it), (H, W):
    magnitude ``sqrt(g_r**2 + g_c**2)``, ``g_r = (s[y+d, x] - s[y-d, x]) / (2d)``;
    large and small, the eigenvalues of ``[[h_rr, h_rc], [h_rc, h_cc]]`` with
    ``h_rr = (s[y+d, x] - 2 s[y, x] + s[y-d, x]) / d**2`` (h_cc alike) and
    ``h_rc = (s[y+d, x+d] - s[y+d, x-d] - s[y-d, x+d] + s[y-d, x-d]) / (4 d**2)``.
    ``large`` and ``small`` are both given or both None.
    """
    cdef Py_ssize_t height = smooth.shape[0], width = smooth.shape[1]
    dtype = np.float32 if floating is float else np.float64
    cdef const floating[::1] fill_row = np.full(width, cval, dtype)
    cdef bint with_magnitude = magnitude is not None
    cdef bint with_texture = large is not None
    cdef Py_ssize_t y
    cdef const floating* up
    cdef const floating* down
    with nogil:
        for y in prange(height, num_threads=n_threads, schedule='dynamic', chunksize=CHUNK):
            up = &smooth[rows[0, y], 0] if rows[0, y] >= 0 else &fill_row[0]
            down = &smooth[rows[2, y], 0] if rows[2, y] >= 0 else &fill_row[0]
            features_row(up, &smooth[y, 0], down, &cols[0, 0], &cols[2, 0], width, d, cval,
                         &magnitude[y, 0] if with_magnitude else NULL,
                         &large[y, 0] if with_texture else NULL,
                         &small[y, 0] if with_texture else NULL)
