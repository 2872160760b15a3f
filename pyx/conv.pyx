"""Kernels of the convolution engine: im2col + GEMM and GEMM + col2im on
planes; on channels-last pixels the packing, GEMMs over the taps and
Winograd F(2x2, 3x3) / F(3x3, 2x2) with a fused output pass (bias,
activation), and the unpacking; the weight rearrangements they take; the
phase scatter of the sub-pixel transposed convolution on planes.

The Python side (``imgconv/_conv_methods.py``) validates every argument,
allocates the output and the per-thread work buffers, and keeps BLAS
single-threaded while these loops run their own OpenMP threads (the two never
nest). The contract between the two:

* the geometry of a convolution on planes is a ``ConvGeometry``
  (``imgconv/_conv_geometry.py``), read here by attribute name into the
  ``Geometry`` struct of ``_im2col.pxd``; on channels-last pixels the
  buffer layout is a ``PaddedImage`` and the convolution a ``SlotConv``
  (read into ``SlotGeometry``);
* each kernel says how large one thread's work buffer must be (the
  ``*_workspace_size`` functions beside it); Python allocates
  ``(n_threads, size)`` and never computes a layout of its own;
* a missing bias is ``None``; what the output pass applies is an
  ``Activation``.
"""
from cython cimport floating
from cython.parallel cimport parallel, prange, threadid

from libc.string cimport memcpy, memset

from _blas cimport gemm
from _channels_last cimport bias_act, transpose
from _im2col cimport Geometry, col2im, im2col
from _winograd cimport weight_term, winograd_in, winograd_out


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


# ----------------------------------------------------------- channels last ---
#
# The channels-last kernels work on images whose pixels are contiguous
# vectors of channels, in zero-padded buffers of pixel slots (a
# ``PaddedImage``, imgconv/_conv_geometry.py): pixel (y, x) is slot
# ``(y + top)*row + x + left``, every other slot is zero. A stride-1
# convolution between two such buffers is a ``SlotConv``: output (oy, ox)
# reads input slot ``in_base + (oy + ky*dh)*in_row + ox + kx*dw`` for tap
# (ky, kx), whatever the padding (the zeros are in the buffer), and is
# written to slot ``out_base + oy*out_row + ox*out_step``. The rows of pixels that
# a GEMM multiplies are then plain strided matrices of the buffer: no
# im2col copy, and the dilation only changes an offset.


cpdef enum Activation:
    # what the output pass applies after the bias
    IDENTITY = 0
    RELU = 1


ctypedef struct SlotGeometry:
    Py_ssize_t in_row           # slots per input row
    Py_ssize_t in_base          # input slot of output (0, 0), tap (0, 0)
    Py_ssize_t in_channels      # values per input slot
    Py_ssize_t kernel_h
    Py_ssize_t kernel_w
    Py_ssize_t dilation_h
    Py_ssize_t dilation_w
    Py_ssize_t out_height
    Py_ssize_t out_width
    Py_ssize_t out_row          # slots per output row
    Py_ssize_t out_base         # output slot of output (0, 0)
    Py_ssize_t out_step         # slots between neighbouring outputs of a row
    Py_ssize_t out_channels     # values per output slot


cdef int read_slot_conv(object conv, SlotGeometry* g) except -1:
    """Fill ``g`` from a SlotConv, attribute by attribute."""
    g.in_row, g.in_base, g.in_channels = conv.in_row, conv.in_base, conv.in_channels
    g.kernel_h, g.kernel_w = conv.kernel
    g.dilation_h, g.dilation_w = conv.dilation
    g.out_height, g.out_width = conv.out_height, conv.out_width
    g.out_row, g.out_base, g.out_channels = conv.out_row, conv.out_base, conv.out_channels
    g.out_step = conv.out_step
    return 0


cdef inline const floating* zero_bias(floating* buffer, Py_ssize_t n) noexcept nogil:
    """``buffer`` set to n zeros: the bias of a layer without one."""
    memset(buffer, 0, n * sizeof(floating))
    return buffer


def pack_workspace_size(image):
    """Elements of one thread's row of ``work`` for :func:`pack_channels_last`:
    one input row, channels last (only a space_to_depth block needs it)."""
    return 0 if image.block == (1, 1) else image.source_width * image.source_channels


def pack_channels_last(const floating[:, :, :, ::1] x, floating[:, :, ::1] packed,
                       floating[:, ::1] work, image, int n_threads):
    """packed = x in the PaddedImage layout ``image``, every slot written.

    IN: x (N, C, H, W). OUT: packed (N, image.rows*image.row, image.channels).
    With a space_to_depth block (bh, bw), pixel (y, x) of the image holds the
    channels of input pixels (bh*y + sy - shift_h, bw*x + sx - shift_w) for
    the phases (sy, sx), phase-major (channel (sy*bw + sx)*C + c), zero
    outside the input; ``work`` rows hold pack_workspace_size elements.
    Work items are (image, padded row).
    """
    cdef Py_ssize_t batch = x.shape[0], channels = x.shape[1], height = x.shape[2]
    cdef Py_ssize_t width = x.shape[3]
    cdef Py_ssize_t rows = image.rows, row = image.row, top = image.top, left = image.left
    cdef Py_ssize_t image_h = image.height, image_w = image.width, depth = image.channels
    cdef Py_ssize_t block_h, block_w, shift_h, shift_w
    block_h, block_w = image.block
    shift_h, shift_w = image.shift
    cdef Py_ssize_t item, b, r, y, sy, sx, yy, xx, px
    cdef floating* dst
    cdef floating* phase
    cdef floating* line
    if batch == 0:
        return
    with nogil, parallel(num_threads=n_threads):
        line = &work[threadid(), 0] if work.shape[1] > 0 else NULL
        for item in prange(batch * rows, schedule='static'):
            b = item // rows
            r = item % rows
            dst = &packed[b, r * row, 0]
            y = r - top
            if y < 0 or y >= image_h:
                memset(dst, 0, row * depth * sizeof(floating))
                continue
            memset(dst, 0, left * depth * sizeof(floating))
            memset(dst + (left + image_w) * depth, 0,
                   (row - left - image_w) * depth * sizeof(floating))
            dst = dst + left * depth
            if block_h == 1 and block_w == 1:
                transpose(&x[b, 0, y, 0], height * width, dst, depth, channels, width,
                          NULL, False)
                continue
            for sy in range(block_h):
                yy = block_h * y + sy - shift_h
                if 0 <= yy < height:
                    transpose(&x[b, 0, yy, 0], height * width, line, channels, channels,
                              width, NULL, False)
                for px in range(image_w):
                    xx = block_w * px - shift_w
                    phase = dst + px * depth + sy * block_w * channels
                    if 0 <= yy < height and 0 <= xx and xx + block_w <= width:
                        # the block's row of phases is one run of the row
                        memcpy(phase, line + xx * channels,
                               block_w * channels * sizeof(floating))
                        continue
                    for sx in range(block_w):
                        if 0 <= yy < height and 0 <= xx + sx < width:
                            memcpy(phase + sx * channels, line + (xx + sx) * channels,
                                   channels * sizeof(floating))
                        else:
                            memset(phase + sx * channels, 0, channels * sizeof(floating))


def unpack_channels_last(const floating[:, :, ::1] y, floating[:, :, :, ::1] out,
                         int n_threads):
    """out[n, c, oy, ox] = y[n, oy*W + ox, c]: channels-last pixels back to planes.

    IN: y (N, H*W, C). OUT: out (N, C, H, W), every element written.
    """
    cdef Py_ssize_t batch = out.shape[0], channels = out.shape[1]
    cdef Py_ssize_t height = out.shape[2], width = out.shape[3], item, b, r
    with nogil:
        for item in prange(batch * height, schedule='static', num_threads=n_threads):
            b = item // height
            r = item % height
            transpose(&y[b, r * width, 0], channels, &out[b, 0, r, 0], height * width,
                      width, channels, NULL, False)


def slot_gemm_workspace_size(conv, tile):
    """Elements of one thread's row of ``work`` for :func:`slot_gemm`: the
    products of one tile of ``tile`` output positions, and a zero bias."""
    return (tile + 1) * conv.out_channels


def slot_gemm(const floating[:, :, ::1] x, const floating[:, :, ::1] weight,
              const floating[::1] bias, floating[:, :, ::1] y, floating[:, ::1] work,
              conv, Py_ssize_t groups, Py_ssize_t tile, Activation activation,
              int n_threads):
    """y = act(conv2d(x, weight) + bias) between channels-last slot buffers.

    IN: x (N, input slots, C_in); weight (kh*kw, C_in/groups, C_out), tap
    (ky, kx) at ky*kw + kx; bias (C_out,) or None; conv, the SlotConv.
    OUT: the conv.out_height x conv.out_width output slots of y (N, output
    slots, C_out); no other slot is written.
    The output positions run over a grid of ``in_row`` columns, so that
    ``tile`` consecutive positions read ``tile`` consecutive input slots for
    every tap: each tap is one GEMM of the buffer's rows (no im2col), the
    taps accumulate in the thread's row of ``work``, and the output pass
    adds the bias, applies the activation and writes the positions that
    are pixels (a grid column ox < out_width). Work items are (image, tile).
    """
    cdef SlotGeometry g
    read_slot_conv(conv, &g)
    cdef bint has_bias = bias is not None, relu = activation == RELU
    cdef const floating* bias_ptr
    cdef Py_ssize_t batch = x.shape[0], taps = g.kernel_h * g.kernel_w
    cdef Py_ssize_t cin_g = g.in_channels // groups, cout_g = g.out_channels // groups
    cdef Py_ssize_t n_pos = g.out_height * g.in_row
    cdef Py_ssize_t n_tiles = (n_pos + tile - 1) // tile
    cdef Py_ssize_t item, b, q0, q1, q, grp, t, oy, ox
    cdef floating* acc
    if batch == 0:
        return
    with nogil, parallel(num_threads=n_threads):
        acc = &work[threadid(), 0]
        bias_ptr = &bias[0] if has_bias else zero_bias(acc + tile * g.out_channels,
                                                       g.out_channels)
        for item in prange(batch * n_tiles, schedule='dynamic'):
            b = item // n_tiles
            q0 = (item % n_tiles) * tile
            q1 = min(q0 + tile, n_pos)
            for grp in range(groups):
                for t in range(taps):
                    gemm(False, False, <int> (q1 - q0), <int> cout_g, <int> cin_g,
                         <floating> 1,
                         &x[b, g.in_base + q0 + (t // g.kernel_w) * g.dilation_h * g.in_row
                            + (t % g.kernel_w) * g.dilation_w, grp * cin_g],
                         <int> g.in_channels, &weight[t, 0, grp * cout_g],
                         <int> g.out_channels, <floating> (1 if t else 0),
                         acc + grp * cout_g, <int> g.out_channels)
            for q in range(q0, q1):
                oy = q // g.in_row
                ox = q % g.in_row
                if ox < g.out_width:
                    bias_act(acc + (q - q0) * g.out_channels, bias_ptr, relu,
                             &y[b, g.out_base + oy * g.out_row + ox * g.out_step, 0],
                             g.out_channels)


ctypedef struct WinogradTiling:
    Py_ssize_t m                # outputs per tile and axis: 2 (3x3 kernel), 3 (2x2)
    Py_ssize_t phases_h         # phases of the dilation grid that hold outputs
    Py_ssize_t phases_w
    Py_ssize_t row_tiles        # tiles per row of tiles
    Py_ssize_t tiles            # tiles per image


cdef WinogradTiling winograd_tiling(const SlotGeometry* g) noexcept nogil:
    """Tiles of m x m outputs, a dilation apart, over each phase of the
    dilation grid: tile (bv, py, bx, px) has its first output at row
    m*bv*dh + py, column m*bx*dw + px."""
    cdef WinogradTiling t
    t.m = 5 - g.kernel_h
    t.phases_h = min(g.dilation_h, g.out_height)
    t.phases_w = min(g.dilation_w, g.out_width)
    t.row_tiles = ((g.out_width + t.m * g.dilation_w - 1) // (t.m * g.dilation_w)
                   * t.phases_w)
    t.tiles = ((g.out_height + t.m * g.dilation_h - 1) // (t.m * g.dilation_h)
               * t.phases_h * t.row_tiles)
    return t


cdef inline void tile_origin(const SlotGeometry* g, const WinogradTiling* w, Py_ssize_t tile,
                             Py_ssize_t* oy, Py_ssize_t* ox) noexcept nogil:
    """The first output (oy, ox) of tile number ``tile``."""
    cdef Py_ssize_t r = tile // w.row_tiles, c = tile % w.row_tiles
    oy[0] = w.m * (r // w.phases_h) * g.dilation_h + r % w.phases_h
    ox[0] = w.m * (c // w.phases_w) * g.dilation_w + c % w.phases_w


cdef inline void winograd_tile_in(const floating* x, const SlotGeometry* g,
                                  const WinogradTiling* w, Py_ssize_t tile, floating* v,
                                  Py_ssize_t v_step) noexcept nogil:
    """The 16 transformed input vectors of one tile: v[k*v_step + c]."""
    cdef Py_ssize_t oy0, ox0, i, j, base
    cdef Py_ssize_t off[16]
    tile_origin(g, w, tile, &oy0, &ox0)
    base = g.in_base + oy0 * g.in_row + ox0
    for i in range(4):
        for j in range(4):
            off[4 * i + j] = (base + i * g.dilation_h * g.in_row + j * g.dilation_w) * g.in_channels
    winograd_in(x, off, v, v_step, g.in_channels)


cdef inline void winograd_tile_out(const floating* prod, Py_ssize_t m_step,
                                   const SlotGeometry* g, const WinogradTiling* w,
                                   Py_ssize_t tile, const floating* bias, bint relu,
                                   floating* y, floating* spare) noexcept nogil:
    """The m x m output pixels of one tile from its 16 products
    prod[k*m_step + c]; outputs beyond the image go to ``spare``."""
    cdef Py_ssize_t oy0, ox0, oy, ox, i, j, m = w.m
    cdef floating* dst[9]
    tile_origin(g, w, tile, &oy0, &ox0)
    for i in range(m):
        for j in range(m):
            oy = oy0 + i * g.dilation_h
            ox = ox0 + j * g.dilation_w
            if oy < g.out_height and ox < g.out_width:
                dst[m * i + j] = y + ((g.out_base + oy * g.out_row + ox * g.out_step)
                                      * g.out_channels)
            else:
                dst[m * i + j] = spare
    winograd_out(m, prod, m_step, bias, relu, dst, g.out_channels)


#: Padding between the 16 matrices of transformed inputs and of products, so
#: that their rows (read and written together by the transforms) do not all
#: fall in one cache set.
cdef Py_ssize_t WINOGRAD_SKEW = 16


def winograd_tiles(conv):
    """Tiles per image of :func:`slot_winograd`."""
    cdef SlotGeometry g
    read_slot_conv(conv, &g)
    return winograd_tiling(&g).tiles


def winograd_workspace_size(conv, tile):
    """Elements of one thread's row of ``work`` for :func:`slot_winograd`:
    the 16 transformed inputs and the 16 products of ``tile`` tiles, one
    output pixel that receives the outputs beyond the image, and a zero
    bias."""
    return (16 * (tile * conv.in_channels + WINOGRAD_SKEW)
            + 16 * (tile * conv.out_channels + WINOGRAD_SKEW) + 2 * conv.out_channels)


def weight_taps(const floating[:, :, :, ::1] w, floating[:, :, ::1] taps, int n_threads):
    """taps[i*kw + j, c, o] = w[o, c, i, j]: a weight as the channels-last
    kernels take it (the output channels last).

    IN: w (C_out, C_in/groups, kh, kw). OUT: taps (kh*kw, C_in/groups, C_out).
    """
    cdef Py_ssize_t out_c = w.shape[0], in_c = w.shape[1], n_taps = w.shape[2] * w.shape[3]
    cdef Py_ssize_t c
    with nogil:
        for c in prange(in_c, schedule='static', num_threads=n_threads):
            transpose(&w[0, c, 0, 0], in_c * n_taps, &taps[0, c, 0], in_c * out_c, out_c,
                      n_taps, NULL, False)


def winograd_weight(const floating[:, :, ::1] taps, const double[:, ::1] coef,
                    double[:, ::1] acc, floating[:, :, ::1] u, int n_threads):
    """u[k, c, o] = sum_t coef[k, t] * taps[t, c, o]: the transformed weight
    (G w G.T)[k // 4, k % 4] of every filter, summed in float64 and rounded
    once to u's type.

    IN: taps (r*r, C_in/groups, C_out) as weight_taps makes them; coef
    (16, r*r), coef[4a + b, r*i + j] = G[a, i] * G[b, j].
    OUT: u (16, C_in/groups, C_out), every element written; acc
    (threads, C_out) is scratch.
    """
    cdef Py_ssize_t n_taps = taps.shape[0], in_c = taps.shape[1], out_c = taps.shape[2]
    cdef Py_ssize_t item, c, k, t, o
    cdef double* total
    with nogil, parallel(num_threads=n_threads):
        total = &acc[threadid(), 0]
        for item in prange(in_c * 16, schedule='static'):
            c = item // 16
            k = item % 16
            memset(total, 0, out_c * sizeof(double))
            for t in range(n_taps):
                if coef[k, t] != 0:
                    weight_term(total, coef[k, t], &taps[t, c, 0], out_c)
            for o in range(out_c):
                u[k, c, o] = <floating> total[o]


def slot_winograd(const floating[:, :, ::1] x, const floating[:, :, ::1] u,
                  const floating[::1] bias, floating[:, :, ::1] y, floating[:, ::1] work,
                  conv, Py_ssize_t groups, Py_ssize_t tile, Activation activation,
                  int n_threads):
    """y = act(conv2d(x, w) + bias) for a 3x3 or 2x2 kernel by Winograd's
    F(2x2, 3x3) or F(3x3, 2x2), between channels-last slot buffers.

    IN: x (N, input slots, C_in); u (16, C_in/groups, C_out), the transformed
    weight G @ w @ G.T, element (a, b) of the 4x4 at u[4a + b]; bias (C_out,)
    or None; conv, the SlotConv (stride 1, any dilation).
    OUT: the output slots of y (N, output slots, C_out); no other slot is
    written.
    Each tile of m x m outputs (a dilation apart) reads 4x4 input pixels,
    transformed by B.T d B into 16 vectors of channels (_winograd.pxd); per
    transformed position, one GEMM per group multiplies ``tile`` tiles by
    the transformed weights; A.T m A, the bias and the activation give the
    tile's outputs. 16 multiplications per tile and channel pair, against
    36 (m = 2) or 36 for 9 outputs (m = 3) by the direct sum. Work items are
    (image, ``tile`` consecutive tiles); ``work`` rows hold
    winograd_workspace_size elements.
    """
    cdef SlotGeometry g
    read_slot_conv(conv, &g)
    cdef WinogradTiling w = winograd_tiling(&g)
    cdef bint has_bias = bias is not None, relu = activation == RELU
    cdef const floating* bias_ptr
    cdef Py_ssize_t batch = x.shape[0]
    cdef Py_ssize_t cin_g = g.in_channels // groups, cout_g = g.out_channels // groups
    cdef Py_ssize_t v_step = tile * g.in_channels + WINOGRAD_SKEW
    cdef Py_ssize_t m_step = tile * g.out_channels + WINOGRAD_SKEW
    cdef Py_ssize_t n_items = (w.tiles + tile - 1) // tile
    cdef Py_ssize_t item, b, t0, nt, t, k, grp
    cdef floating* v
    cdef floating* prod
    cdef floating* spare
    if batch == 0 or w.tiles == 0:
        return
    with nogil, parallel(num_threads=n_threads):
        v = &work[threadid(), 0]
        prod = v + 16 * v_step
        spare = prod + 16 * m_step      # receives the outputs beyond the image
        bias_ptr = &bias[0] if has_bias else zero_bias(spare + g.out_channels,
                                                       g.out_channels)
        for item in prange(batch * n_items, schedule='dynamic'):
            b = item // n_items
            t0 = (item % n_items) * tile
            nt = min(tile, w.tiles - t0)
            for t in range(nt):
                winograd_tile_in(&x[b, 0, 0], &g, &w, t0 + t, v + t * g.in_channels, v_step)
            for k in range(16):
                for grp in range(groups):
                    gemm(False, False, <int> nt, <int> cout_g, <int> cin_g, <floating> 1,
                         v + k * v_step + grp * cin_g, <int> g.in_channels,
                         &u[k, 0, grp * cout_g], <int> g.out_channels, <floating> 0,
                         prod + k * m_step + grp * cout_g, <int> g.out_channels)
            for t in range(nt):
                winograd_tile_out(prod + t * g.out_channels, m_step, &g, &w, t0 + t,
                                  bias_ptr, relu, &y[b, 0, 0], spare)


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
