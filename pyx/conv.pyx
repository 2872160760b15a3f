"""Kernels of the convolution engine: im2col + GEMM and GEMM + col2im.

The Python wrappers in ``imgconv/conv.py`` validate every argument, allocate
the output and the per-thread work buffers, and keep BLAS single-threaded
while these loops run their own OpenMP threads (the two never nest).
"""
from cython cimport floating
from cython.parallel cimport parallel, prange, threadid

from _blas cimport gemm
from _im2col cimport Geometry, col2im, im2col


cdef inline void fill_planes(floating* dst, Py_ssize_t channels, Py_ssize_t stride,
                             Py_ssize_t p0, Py_ssize_t p1,
                             const floating* values) noexcept nogil:
    """dst[c*stride + p] = values[c] for p0 <= p < p1."""
    cdef Py_ssize_t c, p
    for c in range(channels):
        for p in range(p0, p1):
            dst[c * stride + p] = values[c]


def conv2d_gemm(const floating[:, :, :, ::1] x, const floating[:, :, :, ::1] weight,
                const floating[::1] bias, bint has_bias, floating[:, :, :, ::1] out,
                floating[:, ::1] work,
                Py_ssize_t stride_h, Py_ssize_t stride_w,
                Py_ssize_t pad_top, Py_ssize_t pad_left,
                Py_ssize_t dilation_h, Py_ssize_t dilation_w,
                Py_ssize_t groups, Py_ssize_t tile, int n_threads):
    """out = conv2d(x, weight) (+ bias), tiled over output pixels.

    IN: x (N, C_in, H, W); weight (C_out, C_in/groups, kh, kw); bias (C_out,).
    OUT: out (N, C_out, H_out, W_out), every element written.
    Work items are (image, group, tile of ``tile`` output pixels); each thread
    gathers its tile into its own row of ``work`` (at least
    C_in/groups*kh*kw*tile elements) and multiplies it by the weight.
    """
    cdef Geometry g
    g.height, g.width = x.shape[2], x.shape[3]
    g.out_height, g.out_width = out.shape[2], out.shape[3]
    g.kernel_h, g.kernel_w = weight.shape[2], weight.shape[3]
    g.stride_h, g.stride_w = stride_h, stride_w
    g.pad_top, g.pad_left = pad_top, pad_left
    g.dilation_h, g.dilation_w = dilation_h, dilation_w

    cdef Py_ssize_t batch = x.shape[0]
    cdef Py_ssize_t cin_g = weight.shape[1]
    cdef Py_ssize_t cout_g = weight.shape[0] // groups
    cdef Py_ssize_t k = cin_g * g.kernel_h * g.kernel_w
    cdef Py_ssize_t n_in = g.height * g.width
    cdef Py_ssize_t n_out = g.out_height * g.out_width
    cdef Py_ssize_t n_tiles = (n_out + tile - 1) // tile
    # A 1x1, stride-1, unpadded conv needs no im2col: the input planes are
    # already the column matrix.
    cdef bint direct = (k == cin_g and stride_h == 1 and stride_w == 1
                        and pad_top == 0 and pad_left == 0 and n_in == n_out)
    cdef floating beta = 1 if has_bias else 0
    cdef Py_ssize_t item, b, grp, p0, p1
    cdef const floating* x_g
    cdef const floating* b_mat
    cdef int ldb
    cdef floating* out_g
    cdef floating* col

    if batch == 0 or n_out == 0:
        return
    with nogil, parallel(num_threads=n_threads):
        col = &work[threadid(), 0]
        for item in prange(batch * groups * n_tiles, schedule='dynamic'):
            b = item // (groups * n_tiles)
            grp = (item // n_tiles) % groups
            p0 = (item % n_tiles) * tile
            p1 = min(p0 + tile, n_out)
            x_g = &x[b, grp * cin_g, 0, 0]
            out_g = &out[b, grp * cout_g, 0, 0]
            if has_bias:
                fill_planes(out_g, cout_g, n_out, p0, p1, &bias[grp * cout_g])
            if direct:
                b_mat = x_g + p0
                ldb = <int> n_in
            else:
                im2col(x_g, &g, cin_g, p0, p1, col)
                b_mat = col
                ldb = <int> (p1 - p0)
            gemm(False, False, <int> cout_g, <int> (p1 - p0), <int> k,
                 <floating> 1, &weight[grp * cout_g, 0, 0, 0], <int> k,
                 b_mat, ldb, beta, out_g + p0, <int> n_out)


def conv_transpose2d_gemm(const floating[:, :, :, ::1] x, const floating[:, :, :, ::1] weight,
                          const floating[::1] bias, floating[:, :, :, ::1] out, floating[:, ::1] work,
                          Py_ssize_t stride_h, Py_ssize_t stride_w,
                          Py_ssize_t pad_top, Py_ssize_t pad_left,
                          Py_ssize_t dilation_h, Py_ssize_t dilation_w,
                          Py_ssize_t groups, Py_ssize_t block, Py_ssize_t tile,
                          int n_threads):
    """out = conv_transpose2d(x, weight) (+ bias): GEMM + col2im.

    IN: x (N, C_in, H, W); weight (C_in, C_out/groups, kh, kw); bias (C_out,),
    zeros for none.
    OUT: out (N, C_out, H_out, W_out), every element written.
    This is the adjoint of the conv2d that maps out's grid to x's. Work items
    are (image, group, block of ``block`` output channels), so no two threads
    add into the same output pixel. Each walks over the input in tiles of
    ``tile`` pixels: col = weight_block.T @ x_tile, then col2im into its
    channels. ``work`` rows hold at least block*kh*kw*tile elements.
    """
    cdef Geometry g
    g.height, g.width = out.shape[2], out.shape[3]
    g.out_height, g.out_width = x.shape[2], x.shape[3]
    g.kernel_h, g.kernel_w = weight.shape[2], weight.shape[3]
    g.stride_h, g.stride_w = stride_h, stride_w
    g.pad_top, g.pad_left = pad_top, pad_left
    g.dilation_h, g.dilation_w = dilation_h, dilation_w

    cdef Py_ssize_t batch = x.shape[0]
    cdef Py_ssize_t cin_g = x.shape[1] // groups
    cdef Py_ssize_t cout_g = weight.shape[1]
    cdef Py_ssize_t taps = g.kernel_h * g.kernel_w
    cdef Py_ssize_t n_in = g.out_height * g.out_width
    cdef Py_ssize_t n_img = g.height * g.width
    cdef Py_ssize_t n_blocks = (cout_g + block - 1) // block
    cdef Py_ssize_t item, b, grp, c0, bc, p0, p1
    cdef floating* img
    cdef floating* col

    if batch == 0 or n_img == 0:
        return
    with nogil, parallel(num_threads=n_threads):
        col = &work[threadid(), 0]
        for item in prange(batch * groups * n_blocks, schedule='dynamic'):
            b = item // (groups * n_blocks)
            grp = (item // n_blocks) % groups
            c0 = (item % n_blocks) * block
            bc = min(block, cout_g - c0)
            img = &out[b, grp * cout_g + c0, 0, 0]
            fill_planes(img, bc, n_img, 0, n_img, &bias[grp * cout_g + c0])
            p0 = 0
            while p0 < n_in:
                p1 = min(p0 + tile, n_in)
                gemm(True, False, <int> (bc * taps), <int> (p1 - p0), <int> cin_g,
                     <floating> 1, &weight[grp * cin_g, c0, 0, 0], <int> (cout_g * taps),
                     &x[b, grp * cin_g, 0, 0] + p0, <int> n_in,
                     <floating> 0, col, <int> (p1 - p0))
                col2im(col, &g, bc, p0, p1, img)
                p0 = p1

