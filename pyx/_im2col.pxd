# Header-only: im2col and its adjoint col2im, the data movement of the
# convolution engine.
#
# Both work on one "conv geometry": a conv2d that maps an image of
# (height, width) pixels to an output grid of (out_height, out_width) pixels.
# im2col gathers the receptive fields of a range of output pixels into the
# columns of a matrix; col2im scatter-adds such columns back into the image,
# which is exactly the adjoint. conv2d is im2col + GEMM; conv_transpose2d is
# GEMM + col2im on the geometry of the conv2d it is the adjoint of.
from cython cimport floating


ctypedef struct Geometry:
    Py_ssize_t height           # image side
    Py_ssize_t width
    Py_ssize_t out_height       # output-grid side
    Py_ssize_t out_width
    Py_ssize_t kernel_h
    Py_ssize_t kernel_w
    Py_ssize_t stride_h
    Py_ssize_t stride_w
    Py_ssize_t pad_top          # the bottom and right padding follow from
    Py_ssize_t pad_left         # out_height and out_width
    Py_ssize_t dilation_h
    Py_ssize_t dilation_w


cdef inline Py_ssize_t floor_div(Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    """Floor division for b > 0 (C division truncates toward zero)."""
    if a >= 0:
        return a // b
    return -((-a + b - 1) // b)


cdef inline Py_ssize_t clamp(Py_ssize_t v, Py_ssize_t lo, Py_ssize_t hi) noexcept nogil:
    return lo if v < lo else (hi if v > hi else v)


cdef inline void inside_range(Py_ssize_t offset, Py_ssize_t stride, Py_ssize_t size,
                              Py_ssize_t n, Py_ssize_t* lo, Py_ssize_t* hi) noexcept nogil:
    """Set [lo, hi) to the o in [0, n) with 0 <= o*stride + offset < size."""
    lo[0] = clamp(-floor_div(offset, stride), 0, n)
    hi[0] = clamp(floor_div(size - 1 - offset, stride) + 1, lo[0], n)


cdef inline void im2col(const floating* image, const Geometry* g, Py_ssize_t channels,
                        Py_ssize_t p0, Py_ssize_t p1, floating* col) noexcept nogil:
    """Gather the receptive fields of the output pixels p0 <= p < p1.

    IN: ``image`` (channels, height, width); output pixels are numbered
    row-major on the (out_height, out_width) grid.
    OUT: ``col`` (channels * kernel_h * kernel_w, p1 - p0), with
    ``col[(c*kernel_h + ky)*kernel_w + kx, p - p0] =
    image[c, oy*stride_h - pad_top + ky*dilation_h, ox*stride_w - pad_left + kx*dilation_w]``
    and zero where that falls outside the image.
    """
    cdef Py_ssize_t n = p1 - p0
    cdef Py_ssize_t c, ky, kx, p, oy, ox, ox_start, ox_end, ox_lo, ox_hi, iy, x_off
    cdef floating* dst      # dst[ox - ox_start]: this output row's part of the column
    cdef const floating* src
    for c in range(channels):
        for ky in range(g.kernel_h):
            for kx in range(g.kernel_w):
                x_off = kx * g.dilation_w - g.pad_left
                inside_range(x_off, g.stride_w, g.width, g.out_width, &ox_lo, &ox_hi)
                p = p0
                while p < p1:
                    oy = p // g.out_width
                    ox_start = p - oy * g.out_width
                    ox_end = min(g.out_width, ox_start + p1 - p)
                    dst = col + ((c * g.kernel_h + ky) * g.kernel_w + kx) * n + (p - p0)
                    iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h
                    if iy < 0 or iy >= g.height:
                        for ox in range(ox_start, ox_end):
                            dst[ox - ox_start] = 0
                    else:
                        src = image + (c * g.height + iy) * g.width
                        for ox in range(ox_start, min(ox_end, ox_lo)):
                            dst[ox - ox_start] = 0
                        if g.stride_w == 1:
                            for ox in range(max(ox_start, ox_lo), min(ox_end, ox_hi)):
                                dst[ox - ox_start] = src[ox + x_off]
                        else:
                            for ox in range(max(ox_start, ox_lo), min(ox_end, ox_hi)):
                                dst[ox - ox_start] = src[ox * g.stride_w + x_off]
                        for ox in range(max(ox_start, ox_hi), ox_end):
                            dst[ox - ox_start] = 0
                    p += ox_end - ox_start


cdef inline void col2im(const floating* col, const Geometry* g, Py_ssize_t channels,
                        Py_ssize_t p0, Py_ssize_t p1, floating* image) noexcept nogil:
    """Scatter-add columns back into the image: the adjoint of ``im2col``.

    IN: ``col`` (channels * kernel_h * kernel_w, p1 - p0) laid out as im2col
    writes it.
    OUT: ``image`` (channels, height, width), accumulated into (not cleared).
    """
    cdef Py_ssize_t n = p1 - p0
    cdef Py_ssize_t c, ky, kx, p, oy, ox, ox_start, ox_end, ox_lo, ox_hi, iy, x_off
    cdef const floating* src   # src[ox - ox_start]: this output row's part of the column
    cdef floating* dst
    for c in range(channels):
        for ky in range(g.kernel_h):
            for kx in range(g.kernel_w):
                x_off = kx * g.dilation_w - g.pad_left
                inside_range(x_off, g.stride_w, g.width, g.out_width, &ox_lo, &ox_hi)
                p = p0
                while p < p1:
                    oy = p // g.out_width
                    ox_start = p - oy * g.out_width
                    ox_end = min(g.out_width, ox_start + p1 - p)
                    iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h
                    if 0 <= iy < g.height:
                        src = col + ((c * g.kernel_h + ky) * g.kernel_w + kx) * n + (p - p0)
                        dst = image + (c * g.height + iy) * g.width
                        if g.stride_w == 1:
                            for ox in range(max(ox_start, ox_lo), min(ox_end, ox_hi)):
                                dst[ox + x_off] += src[ox - ox_start]
                        else:
                            for ox in range(max(ox_start, ox_lo), min(ox_end, ox_hi)):
                                dst[ox * g.stride_w + x_off] += src[ox - ox_start]
                    p += ox_end - ox_start
