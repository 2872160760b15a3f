"""Kernels of the convolution engine: im2col + GEMM, GEMM + col2im, Winograd
F(2x2, 3x3), and the phase scatter of the sub-pixel transposed convolution.

The Python side (``imgconv/_conv_methods.py``) validates every argument,
allocates the output and the per-thread work buffers, and keeps BLAS
single-threaded while these loops run their own OpenMP threads (the two never
nest). The contract between the two:

* the geometry of a convolution is a ``ConvGeometry``
  (``imgconv/_conv_geometry.py``), read here by attribute name into the
  ``Geometry`` struct of ``_im2col.pxd``;
* each kernel says how large one thread's work buffer must be (the
  ``*_workspace_size`` functions beside it); Python allocates
  ``(n_threads, size)`` and never computes a layout of its own;
* a missing bias is ``None``.
"""
from cython cimport floating
from cython.parallel cimport parallel, prange, threadid

from libc.string cimport memset

from _blas cimport gemm
from _im2col cimport Geometry, col2im, im2col


cdef int read_geometry(object geo, Geometry* g) except -1:
    """Fill ``g`` from a ConvGeometry, attribute by attribute."""
    g.height, g.width = geo.height, geo.width
    g.out_height, g.out_width = geo.out_height, geo.out_width
    g.kernel_h, g.kernel_w = geo.kernel
    g.stride_h, g.stride_w = geo.stride
    g.pad_top, g.pad_left = geo.pad_begin
    g.dilation_h, g.dilation_w = geo.dilation
    return 0


cdef inline void fill_planes(floating* dst, Py_ssize_t channels, Py_ssize_t stride,
                             Py_ssize_t p0, Py_ssize_t p1,
                             const floating* values) noexcept nogil:
    """dst[c*stride + p] = values[c] for p0 <= p < p1."""
    cdef Py_ssize_t c, p
    for c in range(channels):
        for p in range(p0, p1):
            dst[c * stride + p] = values[c]


def gemm_workspace_size(geo, cin_per_group, tile):
    """Elements of one thread's row of ``work`` for :func:`conv2d_gemm`: the
    im2col columns of one tile of ``tile`` output pixels."""
    kernel_h, kernel_w = geo.kernel
    return cin_per_group * kernel_h * kernel_w * tile


def conv2d_gemm(const floating[:, :, :, ::1] x, const floating[:, :, :, ::1] weight,
                const floating[::1] bias, floating[:, :, :, ::1] out,
                floating[:, ::1] work, geo, Py_ssize_t groups, Py_ssize_t tile,
                int n_threads):
    """out = conv2d(x, weight) (+ bias), tiled over output pixels.

    IN: x (N, C_in, H, W); weight (C_out, C_in/groups, kh, kw); bias (C_out,)
    or None; geo, the ConvGeometry of the convolution.
    OUT: out (N, C_out, H_out, W_out), every element written.
    Work items are (image, group, tile of ``tile`` output pixels); each thread
    gathers its tile into its own row of ``work`` (gemm_workspace_size
    elements) and multiplies it by the weight.
    """
    cdef Geometry g
    read_geometry(geo, &g)
    cdef bint has_bias = bias is not None
    cdef const floating* bias_ptr = &bias[0] if has_bias else NULL
    cdef Py_ssize_t batch = x.shape[0]
    cdef Py_ssize_t cin_g = weight.shape[1]
    cdef Py_ssize_t cout_g = weight.shape[0] // groups
    cdef Py_ssize_t k = cin_g * g.kernel_h * g.kernel_w
    cdef Py_ssize_t n_in = g.height * g.width
    cdef Py_ssize_t n_out = g.out_height * g.out_width
    cdef Py_ssize_t n_tiles = (n_out + tile - 1) // tile
    # A 1x1, stride-1, unpadded conv needs no im2col: the input planes are
    # already the column matrix.
    cdef bint direct = (k == cin_g and g.stride_h == 1 and g.stride_w == 1
                        and g.pad_top == 0 and g.pad_left == 0 and n_in == n_out)
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
                fill_planes(out_g, cout_g, n_out, p0, p1, bias_ptr + grp * cout_g)
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


def transpose_workspace_size(geo, block, tile):
    """Elements of one thread's row of ``work`` for
    :func:`conv_transpose2d_gemm`: the columns of ``block`` output channels
    for a tile of ``tile`` input pixels."""
    kernel_h, kernel_w = geo.kernel
    return block * kernel_h * kernel_w * tile


def conv_transpose2d_gemm(const floating[:, :, :, ::1] x, const floating[:, :, :, ::1] weight,
                          const floating[::1] bias, floating[:, :, :, ::1] out,
                          floating[:, ::1] work, geo, Py_ssize_t groups, Py_ssize_t block,
                          Py_ssize_t tile, int n_threads):
    """out = conv_transpose2d(x, weight) (+ bias): GEMM + col2im.

    IN: x (N, C_in, H, W); weight (C_in, C_out/groups, kh, kw); bias (C_out,)
    or None; geo, the ConvGeometry of the conv2d this is the adjoint of (its
    image is ``out``, its output grid ``x``).
    OUT: out (N, C_out, H_out, W_out), every element written.
    Work items are (image, group, block of ``block`` output channels), so no
    two threads add into the same output pixel. Each walks over the input in
    tiles of ``tile`` pixels: col = weight_block.T @ x_tile, then col2im into
    its channels. ``work`` rows hold transpose_workspace_size elements.
    """
    cdef Geometry g
    read_geometry(geo, &g)
    cdef bint has_bias = bias is not None
    cdef const floating* bias_ptr = &bias[0] if has_bias else NULL
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
            if has_bias:
                fill_planes(img, bc, n_img, 0, n_img, bias_ptr + grp * cout_g + c0)
            else:
                memset(img, 0, bc * n_img * sizeof(floating))
            p0 = 0
            while p0 < n_in:
                p1 = min(p0 + tile, n_in)
                gemm(True, False, <int> (bc * taps), <int> (p1 - p0), <int> cin_g,
                     <floating> 1, &weight[grp * cin_g, c0, 0, 0], <int> (cout_g * taps),
                     &x[b, grp * cin_g, 0, 0] + p0, <int> n_in,
                     <floating> 0, col, <int> (p1 - p0))
                col2im(col, &g, bc, p0, p1, img)
                p0 = p1



cdef inline Py_ssize_t phase_size(Py_ssize_t size, Py_ssize_t phase,
                                  Py_ssize_t dilation) noexcept nogil:
    """Pixels of an axis of ``size`` at positions phase, phase + dilation, ..."""
    return (size - phase + dilation - 1) // dilation


cdef inline void winograd_input_row(const floating* x_c, Py_ssize_t height, Py_ssize_t width,
                                    Py_ssize_t y_first, Py_ssize_t dh, Py_ssize_t pad_left,
                                    Py_ssize_t dw, Py_ssize_t out_w, Py_ssize_t n_tiles,
                                    floating* sub, floating* h,
                                    floating* v, Py_ssize_t step) noexcept nogil:
    """Transformed input of one row of tiles of one channel.

    With dilation dw, the output columns of phase px (px, px + dw, ...) form
    an ordinary 3x3 convolution of the input columns px - pad_left + k*dw:
    each phase's samples are copied into ``sub`` and tiled two outputs at a
    time. For tile t, v[k * step + t] = (B.T @ d @ B)[k // 4, k % 4], with d its
    4x4 input patch (rows y_first + i*dh) and
    B.T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
    applied along the rows (h[i, j, t]), then down the columns; the loops
    over tiles are contiguous so that the compiler vectorises them.
    """
    cdef Py_ssize_t i, j, t, k, y, px, x_start, n_in, k_lo, k_hi, t0, nt
    cdef const floating* row
    cdef floating* hi
    cdef floating p0, p1, p2, p3
    for i in range(4):
        y = y_first + i * dh
        hi = h + 4 * i * n_tiles
        t0 = 0
        for px in range(min(dw, out_w)):      # phases past out_w have no output
            nt = (phase_size(out_w, px, dw) + 1) // 2
            n_in = 2 * nt + 2
            x_start = px - pad_left
            # sub[k] = x[y, x_start + k*dw]: inside the row for k_lo <= k < k_hi
            k_lo = min(n_in, max(0, (-x_start + dw - 1) // dw)) if x_start < 0 else 0
            k_hi = max(k_lo, min(n_in, phase_size(width, x_start + k_lo * dw, dw) + k_lo)) \
                if 0 <= y < height and x_start + k_lo * dw < width else k_lo
            for k in range(k_lo):
                sub[k] = 0
            if k_hi > k_lo:
                row = x_c + y * width + x_start
                for k in range(k_lo, k_hi):
                    sub[k] = row[k * dw]
            for k in range(k_hi, n_in):
                sub[k] = 0
            for t in range(nt):
                p0 = sub[2 * t]
                p1 = sub[2 * t + 1]
                p2 = sub[2 * t + 2]
                p3 = sub[2 * t + 3]
                hi[t0 + t] = p0 - p2
                hi[n_tiles + t0 + t] = p1 + p2
                hi[2 * n_tiles + t0 + t] = p2 - p1
                hi[3 * n_tiles + t0 + t] = p1 - p3
            t0 += nt
    for j in range(4):
        for t in range(n_tiles):
            p0 = h[j * n_tiles + t]
            p1 = h[(4 + j) * n_tiles + t]
            p2 = h[(8 + j) * n_tiles + t]
            p3 = h[(12 + j) * n_tiles + t]
            v[j * step + t] = p0 - p2
            v[(4 + j) * step + t] = p1 + p2
            v[(8 + j) * step + t] = p2 - p1
            v[(12 + j) * step + t] = p1 - p3


cdef inline void winograd_output_row(const floating* m, Py_ssize_t step, floating bias,
                                     Py_ssize_t y0, Py_ssize_t dh, Py_ssize_t dw,
                                     floating* plane, Py_ssize_t out_h, Py_ssize_t out_w,
                                     floating* top, floating* bottom) noexcept nogil:
    """The 2x2 outputs of one row of tiles of one channel, A.T @ M @ A + bias
    with M[k // 4, k % 4] = m[k * step + t] and A.T = [[1, 1, 1, 0],
    [0, 1, -1, -1]], written phase by phase into output rows y0 and y0 + dh
    (through the contiguous buffers ``top`` and ``bottom``)."""
    cdef Py_ssize_t t, k, px, wp, nt, t0 = 0
    cdef floating s00, s01, s02, s03, s10, s11, s12, s13
    cdef floating* row0 = plane + y0 * out_w
    cdef floating* row1 = plane + (y0 + dh) * out_w
    cdef bint has_bottom = y0 + dh < out_h
    for px in range(min(dw, out_w)):
        wp = phase_size(out_w, px, dw)
        nt = (wp + 1) // 2
        for t in range(t0, t0 + nt):
            s00 = m[t] + m[4 * step + t] + m[8 * step + t]
            s01 = m[step + t] + m[5 * step + t] + m[9 * step + t]
            s02 = m[2 * step + t] + m[6 * step + t] + m[10 * step + t]
            s03 = m[3 * step + t] + m[7 * step + t] + m[11 * step + t]
            s10 = m[4 * step + t] - m[8 * step + t] - m[12 * step + t]
            s11 = m[5 * step + t] - m[9 * step + t] - m[13 * step + t]
            s12 = m[6 * step + t] - m[10 * step + t] - m[14 * step + t]
            s13 = m[7 * step + t] - m[11 * step + t] - m[15 * step + t]
            top[2 * (t - t0)] = s00 + s01 + s02 + bias
            top[2 * (t - t0) + 1] = s01 - s02 - s03 + bias
            bottom[2 * (t - t0)] = s10 + s11 + s12 + bias
            bottom[2 * (t - t0) + 1] = s11 - s12 - s13 + bias
        if dw == 1:
            for k in range(wp):
                row0[k] = top[k]
            if has_bottom:
                for k in range(wp):
                    row1[k] = bottom[k]
        else:
            for k in range(wp):
                row0[px + k * dw] = top[k]
            if has_bottom:
                for k in range(wp):
                    row1[px + k * dw] = bottom[k]
        t0 += nt


cdef inline Py_ssize_t tile_row_start(Py_ssize_t r, Py_ssize_t dilation) noexcept nogil:
    """First output row of the r-th row of 2x2 tiles: the rows y with
    y % (2*dilation) < dilation, in order (the second row of each tile is a
    dilation below)."""
    return (r // dilation) * 2 * dilation + r % dilation


def winograd_layout(geo):
    """``(rows of tiles, tiles per row)`` of the Winograd tiling of geo's
    output grid: along each axis, every phase of the dilation grid tiled two
    outputs at a time."""
    out_h, out_w = geo.out_height, geo.out_width
    dilation_h, dilation_w = geo.dilation
    full, rest = divmod(out_h, 2 * dilation_h)
    rows = full * dilation_h + min(dilation_h, rest)
    row_tiles = sum((-(-(out_w - px) // dilation_w) + 1) // 2
                    for px in range(min(dilation_w, out_w)))
    return rows, row_tiles


def winograd_workspace_size(geo, cin_per_group, cout_per_group, rows_per_item):
    """Elements of one thread's row of ``work`` for :func:`conv2d_winograd`:
    the transformed inputs and the products of ``rows_per_item`` rows of
    tiles (16 values per tile and channel each), one row of partial
    transforms, and three rows of ``W_out + 4`` samples."""
    _, row_tiles = winograd_layout(geo)
    return (16 * (cin_per_group + cout_per_group) * rows_per_item * row_tiles
            + 16 * row_tiles + 3 * (geo.out_width + 4))


def conv2d_winograd(const floating[:, :, :, ::1] x, const floating[:, :, ::1] u,
                    const floating[::1] bias, floating[:, :, :, ::1] out,
                    floating[:, ::1] work, geo, Py_ssize_t groups,
                    Py_ssize_t rows_per_item, int n_threads):
    """out = conv2d(x, w) + bias for a 3x3 kernel, stride 1, by Winograd F(2x2, 3x3).

    IN: x (N, C_in, H, W); u (16, C_out, C_in/groups), the transformed weight
    G @ w @ G.T of every filter, element (a, b) of the 4x4 at u[4a + b];
    bias (C_out,) or None; geo, the ConvGeometry (3x3 kernel, stride 1).
    OUT: out (N, C_out, H_out, W_out), every element written.
    A tile's 4x4 input patch is transformed by B.T d B into 16 values per
    channel; 16 GEMMs (one per value) multiply them by the transformed
    weights; A.T m A turns the 16 products into the tile's 2x2 outputs: 16
    multiplications per 4 outputs and input channel, against 36 for im2col +
    GEMM. A dilated conv is an ordinary one on each phase of the dilation
    grid, so tiles pair outputs a dilation apart (winograd_layout). Work
    items are (image, group, ``rows_per_item`` rows of tiles); ``work`` rows
    hold winograd_workspace_size elements.
    """
    cdef Py_ssize_t n_rows, row_tiles
    n_rows, row_tiles = winograd_layout(geo)
    cdef Py_ssize_t pad_top, pad_left, dilation_h, dilation_w
    pad_top, pad_left = geo.pad_begin
    dilation_h, dilation_w = geo.dilation
    cdef bint has_bias = bias is not None
    cdef Py_ssize_t n_img = x.shape[0], height = x.shape[2], width = x.shape[3]
    cdef Py_ssize_t cout_g = u.shape[1] // groups, cin_g = u.shape[2]
    cdef Py_ssize_t out_h = out.shape[2], out_w = out.shape[3]
    cdef Py_ssize_t n_blocks = (n_rows + rows_per_item - 1) // rows_per_item
    cdef Py_ssize_t most = rows_per_item * row_tiles
    cdef Py_ssize_t item, b, grp, r0, nr, nt, r, c, co, k
    cdef floating* v
    cdef floating* m
    cdef floating* h
    cdef floating* sub
    if n_img == 0 or n_rows == 0:
        return
    with nogil, parallel(num_threads=n_threads):
        v = &work[threadid(), 0]
        m = v + 16 * cin_g * most
        h = m + 16 * cout_g * most
        sub = h + 16 * row_tiles         # 3 rows of W_out + 4: input samples, outputs
        for item in prange(n_img * groups * n_blocks, schedule='dynamic'):
            b = item // (groups * n_blocks)
            grp = (item // n_blocks) % groups
            r0 = (item % n_blocks) * rows_per_item
            nr = min(rows_per_item, n_rows - r0)
            nt = nr * row_tiles
            # V[k] (C_in/g x nt): transformed input; tile row r at columns r*row_tiles...
            for c in range(cin_g):
                for r in range(nr):
                    winograd_input_row(&x[b, grp * cin_g + c, 0, 0], height, width,
                                       tile_row_start(r0 + r, dilation_h) - pad_top,
                                       dilation_h, pad_left,
                                       dilation_w, out_w, row_tiles, sub, h,
                                       v + c * nt + r * row_tiles, cin_g * nt)
            for k in range(16):
                gemm(False, False, <int> cout_g, <int> nt, <int> cin_g, <floating> 1,
                     &u[k, grp * cout_g, 0], <int> cin_g, v + k * cin_g * nt, <int> nt,
                     <floating> 0, m + k * cout_g * nt, <int> nt)
            for co in range(cout_g):
                for r in range(nr):
                    winograd_output_row(m + co * nt + r * row_tiles, cout_g * nt,
                                        bias[grp * cout_g + co] if has_bias else 0,
                                        tile_row_start(r0 + r, dilation_h),
                                        dilation_h, dilation_w,
                                        &out[b, grp * cout_g + co, 0, 0], out_h, out_w,
                                        sub + out_w + 4, sub + 2 * (out_w + 4))


def scatter_phase(const floating[:, :, :, :] phase, floating[:, :, :, :] out,
                  int n_threads):
    """out[n, c, y, x] = phase[n, c, y, x] for a strided view ``out`` of
    one phase ``(ry, rx)`` of a larger array (``big[..., ry::sh, rx::sw]``):
    the depth_to_space of one phase, in parallel over the planes.

    IN: ``phase`` (N, C, H, W), any strides. OUT: ``out`` (N, C, H, W), any strides.
    """
    cdef Py_ssize_t batch = phase.shape[0]
    cdef Py_ssize_t channels = phase.shape[1]
    cdef Py_ssize_t height = phase.shape[2]
    cdef Py_ssize_t width = phase.shape[3]
    # signed division: a negative stride stays negative
    cdef Py_ssize_t step = out.strides[3] // <Py_ssize_t> sizeof(floating)
    cdef Py_ssize_t src_step = phase.strides[3] // <Py_ssize_t> sizeof(floating)
    cdef Py_ssize_t plane, n, c, y, x
    cdef const floating* src
    cdef floating* dst
    with nogil:
        for plane in prange(batch * channels, schedule='static', num_threads=n_threads):
            n = plane // channels
            c = plane % channels
            for y in range(height):
                src = &phase[n, c, y, 0]
                dst = &out[n, c, y, 0]
                for x in range(width):
                    dst[x * step] = src[x * src_step]

