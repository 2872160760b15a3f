"""Kernels of the image resampler (``imgconv/resize.py``).

Resampling is separable: an output row is a weighted sum of a few input rows
(the vertical taps), each resampled along the row (the horizontal pass).
When enlarging, each thread caches its last horizontally resampled input
rows, so an input row is resampled about once however many output rows use
it, and every output element is written once, by a vectorised 2-tap blend
for bilinear. When shrinking vertically, each output row first blends its
input rows (contiguous, vectorised) and then resamples that one line, so the
horizontal pass runs on output rows only.

Horizontal passes:

* polyphase, for an integer factor ``s``: kernel padding of the bilinear
  transposed convolution specialised to one depthwise separable kernel.
  Output pixel ``s*q + r`` is phase ``r``, a 2-tap filter on input pixels
  ``q - 1, q`` or ``q, q + 1``, written straight into its interleaved
  position (channels-last pixels are handled in place);
* a window of consecutive taps (linear interpolation to any size): one
  phase per output pixel, given by its first pixel and its weights;
* a tap table (any taps, e.g. the anti-aliasing Gaussian composed with the
  interpolation and mapped through the border).

Images are ``(P, H, W, C)``: P planes (channels-first images, one plane per
channel) of H x W pixels of C interleaved values (channels-last images).
Nearest-neighbour resampling without a filter is a gather of whole pixels,
bit-exact for any dtype (``gather``).

The Python wrapper validates everything, builds the tables and allocates the
output and the per-thread work buffers; these loops only compute.
"""
from cython cimport floating
from cython.parallel cimport parallel, prange, threadid
from libc.string cimport memcpy

from _boundary cimport border_index
from _simd cimport blend_u8, range_d, range_f, stream_blend_d, stream_blend_f, stream_copy


ctypedef unsigned char uchar

ctypedef fused pixel_t:
    float
    double
    uchar
    unsigned short

ctypedef fused elem_t:
    uchar
    unsigned short
    unsigned int
    unsigned long long


cdef inline void phase_pass(const floating* line, Py_ssize_t width, Py_ssize_t channels,
                            Py_ssize_t factor, const Py_ssize_t* offset,
                            const floating* weight, floating* dst) noexcept nogil:
    """Polyphase horizontal pass of an integer factor.

    IN: ``line`` from load_line; for phase r, ``offset[r]`` (0 or 1) and the
    two weights ``weight[2r], weight[2r + 1]``.
    OUT: ``dst`` (width * factor, channels), dst[q*factor + r] =
    weight[2r] * line[q + offset[r]] + weight[2r + 1] * line[q + offset[r] + 1].
    Gray rows loop over pixels (the phases unroll into one interleaved
    store group); pixels of several channels loop phase by phase, each a
    contiguous run of channels.
    """
    cdef Py_ssize_t q, r, c
    cdef floating a, b
    cdef const floating* src
    cdef floating* out
    if channels == 1:
        for q in range(width):
            for r in range(factor):
                dst[q * factor + r] = (weight[2 * r] * line[q + offset[r]]
                                       + weight[2 * r + 1] * line[q + offset[r] + 1])
        return
    for r in range(factor):
        a = weight[2 * r]
        b = weight[2 * r + 1]
        src = line + offset[r] * channels
        out = dst + r * channels
        for q in range(width):
            for c in range(channels):
                out[q * factor * channels + c] = (a * src[q * channels + c]
                                                  + b * src[(q + 1) * channels + c])


cdef inline void phase_by_factor(const floating* line, Py_ssize_t width, Py_ssize_t channels,
                                 Py_ssize_t factor, const Py_ssize_t* offset,
                                 const floating* weight, floating* dst) noexcept nogil:
    if factor == 2:
        phase_pass(line, width, channels, 2, offset, weight, dst)
    elif factor == 4:
        phase_pass(line, width, channels, 4, offset, weight, dst)
    else:
        phase_pass(line, width, channels, factor, offset, weight, dst)


cdef inline void phase_dispatch(const floating* line, Py_ssize_t width, Py_ssize_t channels,
                                Py_ssize_t factor, const Py_ssize_t* offset,
                                const floating* weight, floating* dst) noexcept nogil:
    """phase_pass with the common channels (1, 3) and factors (2, 4) as
    constants once inlined, so that the compiler unrolls and vectorises the
    inner loops."""
    if channels == 1:
        phase_by_factor(line, width, 1, factor, offset, weight, dst)
    elif channels == 3:
        phase_by_factor(line, width, 3, factor, offset, weight, dst)
    else:
        phase_by_factor(line, width, channels, factor, offset, weight, dst)


cdef inline void table_pass(const floating* line, Py_ssize_t channels, Py_ssize_t out_width,
                            Py_ssize_t taps, const Py_ssize_t* index,
                            const floating* weight, floating* dst) noexcept nogil:
    """Tap-table horizontal pass.

    IN: ``line`` from load_line; ``index``, ``weight`` (out_width, taps),
    indices into line's pixels (0 is the left extension pixel).
    OUT: ``dst`` (out_width, channels), dst[o] = sum_t weight[o, t] * line[index[o, t]],
    summed in tap order.
    """
    cdef Py_ssize_t o, t, c
    cdef floating acc
    cdef const Py_ssize_t* idx
    cdef const floating* w
    for o in range(out_width):
        idx = index + o * taps
        w = weight + o * taps
        for c in range(channels):
            acc = w[0] * line[idx[0] * channels + c]
            for t in range(1, taps):
                acc = acc + w[t] * line[idx[t] * channels + c]
            dst[o * channels + c] = acc


cdef inline void window_pass(const floating* line, Py_ssize_t channels, Py_ssize_t out_width,
                             Py_ssize_t taps, const Py_ssize_t* start,
                             const floating* weight, floating* dst) noexcept nogil:
    """Tap-table pass whose taps are consecutive pixels (linear interpolation):
    dst[o] = sum_t weight[o, t] * line[start[o] + t], one index per output."""
    cdef Py_ssize_t o, t, c
    cdef floating acc
    cdef const floating* src
    cdef const floating* w
    for o in range(out_width):
        src = line + start[o] * channels
        w = weight + o * taps
        for c in range(channels):
            acc = w[0] * src[c]
            for t in range(1, taps):
                acc = acc + w[t] * src[t * channels + c]
            dst[o * channels + c] = acc


cdef inline void table_dispatch(const floating* line, Py_ssize_t channels,
                                Py_ssize_t out_width, Py_ssize_t taps,
                                const Py_ssize_t* index, const floating* weight,
                                floating* dst) noexcept nogil:
    """table_pass with one channel or two taps (linear interpolation) as constants."""
    if channels == 1 and taps == 2:
        table_pass(line, 1, out_width, 2, index, weight, dst)
    elif channels == 1:
        table_pass(line, 1, out_width, taps, index, weight, dst)
    elif channels == 3 and taps == 2:
        table_pass(line, 3, out_width, 2, index, weight, dst)
    else:
        table_pass(line, channels, out_width, taps, index, weight, dst)


cdef inline void horizontal_pass(const floating* line, Py_ssize_t width, Py_ssize_t channels,
                                 Py_ssize_t factor, const Py_ssize_t* col_index,
                                 const floating* col_weight, Py_ssize_t out_width,
                                 Py_ssize_t col_taps, floating* dst) noexcept nogil:
    if factor > 0:
        phase_dispatch(line, width, channels, factor, col_index, col_weight, dst)
    elif factor == 0:
        table_dispatch(line, channels, out_width, col_taps, col_index, col_weight, dst)
    elif channels == 1 and col_taps == 2:
        window_pass(line, 1, out_width, 2, col_index, col_weight, dst)
    elif channels == 3 and col_taps == 2:
        window_pass(line, 3, out_width, 2, col_index, col_weight, dst)
    else:
        window_pass(line, channels, out_width, col_taps, col_index, col_weight, dst)


cdef inline void extend_line(Py_ssize_t width, Py_ssize_t channels, int mode, floating cval,
                             floating* line) noexcept nogil:
    """Fill line's extension pixels 0 and width + 1 from its pixels 1..width."""
    cdef Py_ssize_t c
    cdef Py_ssize_t left = border_index(-1, width, mode)
    cdef Py_ssize_t right = border_index(width, width, mode)
    for c in range(channels):
        line[c] = cval if left < 0 else line[(1 + left) * channels + c]
        line[(width + 1) * channels + c] = cval if right < 0 else line[(1 + right) * channels + c]


cdef inline void blend_rows(const pixel_t* plane, const Py_ssize_t* rows,
                            const floating* weights, Py_ssize_t taps, Py_ssize_t width,
                            Py_ssize_t channels, int mode, floating cval,
                            floating* line) noexcept nogil:
    """The vertical pass first: line = sum_t weights[t] * input row rows[t]
    (row -1: cval), then extended by one pixel per side."""
    cdef Py_ssize_t t, j
    cdef Py_ssize_t n = width * channels
    cdef floating w
    cdef floating* dst = line + channels
    cdef const pixel_t* src
    for t in range(taps):
        w = weights[t]
        if rows[t] < 0:
            if t == 0:
                for j in range(n):
                    dst[j] = w * cval
            else:
                for j in range(n):
                    dst[j] = dst[j] + w * cval
            continue
        src = plane + rows[t] * n
        if t == 0:
            for j in range(n):
                dst[j] = w * <floating> src[j]
        else:
            for j in range(n):
                dst[j] = dst[j] + w * <floating> src[j]
    extend_line(width, channels, mode, cval, line)


cdef inline void load_line(const pixel_t* src, Py_ssize_t width, Py_ssize_t channels,
                           int mode, floating cval, floating* line) noexcept nogil:
    """One input row as floats with one extension pixel per side.

    IN: ``src`` (width, channels), or NULL for a row outside the image in
    mode constant.
    OUT: ``line`` ((width + 2), channels): line[1 + i] = src[i]; line[0] and
    line[width + 1] are pixels -1 and width extended in ``mode`` (cval in
    mode constant).
    """
    cdef Py_ssize_t j
    if src == NULL:
        for j in range((width + 2) * channels):
            line[j] = cval
        return
    for j in range(width * channels):
        line[channels + j] = <floating> src[j]
    extend_line(width, channels, mode, cval, line)


cdef inline pixel_t to_pixel(floating value, floating lo, floating hi, bint clip,
                             pixel_t kind) noexcept nogil:
    """A computed value as an output element: clipped to [lo, hi] when
    ``clip`` (NaN passes); integers are also rounded half to even (``lo``,
    ``hi`` then lie within the type's range). ``kind`` only selects the type."""
    cdef floating magic
    if pixel_t is float or pixel_t is double:
        if clip:
            value = lo if value < lo else value
            value = hi if value > hi else value
        return <pixel_t> value
    else:
        value = lo if value < lo else value
        value = hi if value > hi else value
        # adding and subtracting 1.5 * 2**mantissa_bits rounds to an integer,
        # half to even (the FPU's mode), without a libm call in the loop
        if floating is float:
            magic = 12582912.0
        else:
            magic = 6755399441055744.0
        value = (value + magic) - magic
        return <pixel_t> value


cdef inline void blend2(const floating* h0, const floating* h1, floating w0, floating w1,
                        Py_ssize_t n, floating lo, floating hi, bint clip, bint stream,
                        pixel_t* out) noexcept nogil:
    """out[j] = w0 * h0[j] + w1 * h1[j], stored by to_pixel (or its SIMD
    equal in _simd.pxd: streaming stores for a large float output, packed
    rounding for uint8)."""
    cdef Py_ssize_t j
    cdef pixel_t kind = 0
    if pixel_t is uchar and floating is float:
        blend_u8(h0, h1, w0, w1, n, lo, hi, out)
    elif pixel_t is float and floating is float and stream:
        stream_blend_f(h0, h1, w0, w1, n, lo, hi, clip, out)
    elif pixel_t is double and floating is double and stream:
        stream_blend_d(h0, h1, w0, w1, n, lo, hi, clip, out)
    elif clip:
        for j in range(n):
            out[j] = to_pixel(w0 * h0[j] + w1 * h1[j], lo, hi, True, kind)
    else:
        for j in range(n):
            out[j] = to_pixel(w0 * h0[j] + w1 * h1[j], lo, hi, False, kind)


cdef inline void store(const floating* acc, Py_ssize_t n, floating lo, floating hi,
                       bint clip, pixel_t* out) noexcept nogil:
    cdef Py_ssize_t j
    cdef pixel_t kind = 0
    for j in range(n):
        out[j] = to_pixel(acc[j], lo, hi, clip, kind)


cdef inline floating* cached_row(const pixel_t* plane, Py_ssize_t row, Py_ssize_t stamp,
                                 Py_ssize_t width, Py_ssize_t channels, int mode,
                                 floating cval, Py_ssize_t factor,
                                 const Py_ssize_t* col_index, const floating* col_weight,
                                 Py_ssize_t out_width, Py_ssize_t col_taps,
                                 floating* line, floating* cache, Py_ssize_t* tags,
                                 Py_ssize_t* stamps, Py_ssize_t n_slots) noexcept nogil:
    """Input row ``row`` (-1: the constant row) resampled horizontally,
    from the thread's cache or computed into its least recently used slot.

    The slot used for the current output row (``stamp``) is the newest, so
    fetching a second row never evicts the first when n_slots >= 2.
    """
    cdef Py_ssize_t k, victim = 0
    cdef Py_ssize_t row_len = out_width * channels
    cdef floating* dst
    for k in range(n_slots):
        if tags[k] == row:
            stamps[k] = stamp
            return cache + k * row_len
        if stamps[k] < stamps[victim]:
            victim = k
    dst = cache + victim * row_len
    load_line(plane + row * width * channels if row >= 0 else NULL, width, channels, mode,
              cval, line)
    horizontal_pass(line, width, channels, factor, col_index, col_weight, out_width, col_taps,
                    dst)
    tags[victim] = row
    stamps[victim] = stamp
    return dst


def resample(const pixel_t[:, :, :, ::1] image, pixel_t[:, :, :, ::1] out,
             const Py_ssize_t[:, ::1] row_index, const floating[:, ::1] row_weight,
             const Py_ssize_t[:, ::1] col_index, const floating[:, ::1] col_weight,
             Py_ssize_t factor, int mode, double cval, double lo, double hi, bint clip,
             bint stream, bint rows_first, floating[:, ::1] work, Py_ssize_t[:, ::1] slots,
             Py_ssize_t rows_per_item, int n_threads):
    """Separable resampling of (P, H, W, C) planes to (P, H2, W2, C).

    IN: ``row_index``, ``row_weight`` (H2, Ty): output row y is
    sum_t row_weight[y, t] * (horizontal pass of input row row_index[y, t]),
    row -1 being a row of ``cval``. Horizontal pass: polyphase when
    ``factor`` > 0 (W2 = factor * W; ``col_index`` (factor, 1) offsets and
    ``col_weight`` (factor, 2) weights per phase), else a tap table
    (``col_index``, ``col_weight`` (W2, Tx), indices into the row extended
    by one pixel per side in border ``mode``); ``factor`` -1 is a table of
    consecutive taps, given by their first index (``col_index`` (W2, 1)).
    Integer outputs are clipped to [lo, hi] and rounded half to even; float
    outputs are clipped to [lo, hi] when ``clip``, and written with
    streaming stores when ``stream`` (a large output).
    OUT: ``out`` (P, H2, W2, C), every element written.
    With ``rows_first`` (when shrinking vertically) each output row blends
    its input rows first and resamples that one line horizontally, so the
    horizontal pass runs on output rows only; otherwise input rows are
    resampled horizontally, cached, and blended.
    Work items are blocks of ``rows_per_item`` output rows of one plane.
    Per thread: ``work`` holds a line ((W + 2) * C), an accumulator row and
    the cached rows (W2 * C each); ``slots`` the cache's tags and stamps,
    then 8 elements of padding.
    Results do not depend on the thread count: an output row is always the
    same sum, in the same order, of the same horizontal rows.
    """
    cdef Py_ssize_t planes = image.shape[0]
    cdef Py_ssize_t height = image.shape[1]
    cdef Py_ssize_t width = image.shape[2]
    cdef Py_ssize_t channels = image.shape[3]
    cdef Py_ssize_t out_height = out.shape[1]
    cdef Py_ssize_t out_width = out.shape[2]
    cdef Py_ssize_t row_taps = row_index.shape[1]
    cdef Py_ssize_t col_taps = col_weight.shape[1]
    cdef Py_ssize_t row_len = out_width * channels
    cdef Py_ssize_t n_slots = (slots.shape[1] - 8) // 2
    cdef Py_ssize_t n_blocks = (out_height + rows_per_item - 1) // rows_per_item
    cdef floating cv = <floating> cval
    cdef floating low = <floating> lo
    cdef floating high = <floating> hi
    cdef Py_ssize_t item, p, y, y0, y1, t, k, j
    cdef const pixel_t* plane
    cdef pixel_t* out_row
    cdef floating* line
    cdef floating* acc
    cdef floating* cache
    cdef floating* h0
    cdef floating* h1
    cdef floating w
    cdef Py_ssize_t* tags
    cdef Py_ssize_t* stamps

    if planes == 0 or out_height == 0:
        return
    line = acc = cache = NULL
    tags = stamps = NULL
    with nogil, parallel(num_threads=n_threads):
        line = &work[threadid(), 0]
        acc = line + (width + 2) * channels
        cache = acc + row_len
        tags = &slots[threadid(), 0]
        stamps = tags + n_slots
        for item in prange(planes * n_blocks, schedule='dynamic'):
            p = item // n_blocks
            y0 = (item % n_blocks) * rows_per_item
            y1 = min(y0 + rows_per_item, out_height)
            plane = &image[p, 0, 0, 0]
            for k in range(n_slots):
                tags[k] = -2            # no row cached (-1 is the cval row)
                stamps[k] = -1
            for y in range(y0, y1):
                out_row = &out[p, y, 0, 0]
                if rows_first:
                    blend_rows(plane, &row_index[y, 0], &row_weight[y, 0], row_taps, width,
                               channels, mode, cv, line)
                    horizontal_pass(line, width, channels, factor, &col_index[0, 0],
                                    &col_weight[0, 0], out_width, col_taps, acc)
                    store(acc, row_len, low, high, clip, out_row)
                elif row_taps == 2:
                    h0 = cached_row(plane, row_index[y, 0], y, width, channels, mode, cv,
                                    factor, &col_index[0, 0], &col_weight[0, 0], out_width,
                                    col_taps, line, cache, tags, stamps, n_slots)
                    h1 = cached_row(plane, row_index[y, 1], y, width, channels, mode, cv,
                                    factor, &col_index[0, 0], &col_weight[0, 0], out_width,
                                    col_taps, line, cache, tags, stamps, n_slots)
                    blend2(h0, h1, row_weight[y, 0], row_weight[y, 1], row_len, low, high,
                           clip, stream, out_row)
                else:
                    for t in range(row_taps):
                        h0 = cached_row(plane, row_index[y, t], y, width, channels, mode,
                                        cv, factor, &col_index[0, 0], &col_weight[0, 0],
                                        out_width, col_taps, line, cache, tags, stamps,
                                        n_slots)
                        w = row_weight[y, t]
                        if t == 0:
                            for j in range(row_len):
                                acc[j] = w * h0[j]
                        else:
                            for j in range(row_len):
                                acc[j] += w * h0[j]
                    store(acc, row_len, low, high, clip, out_row)


cdef inline void gather_row(const elem_t* src, Py_ssize_t channels, Py_ssize_t out_width,
                            Py_ssize_t factor, const Py_ssize_t* col_index,
                            elem_t* dst) noexcept nogil:
    """dst[o] = src[col_index[o]] (whole pixels), or src[o // factor] when factor > 0."""
    cdef Py_ssize_t o, q, r, c
    cdef Py_ssize_t width
    if factor > 0:
        width = out_width // factor
        for q in range(width):
            for r in range(factor):
                for c in range(channels):
                    dst[(q * factor + r) * channels + c] = src[q * channels + c]
    else:
        for o in range(out_width):
            for c in range(channels):
                dst[o * channels + c] = src[col_index[o] * channels + c]


cdef inline void gather_dispatch(const elem_t* src, Py_ssize_t channels, Py_ssize_t out_width,
                                 Py_ssize_t factor, const Py_ssize_t* col_index,
                                 elem_t* dst) noexcept nogil:
    """gather_row with one or three channels and factor 2 as constants."""
    if channels == 1:
        if factor == 2:
            gather_row(src, 1, out_width, 2, col_index, dst)
        else:
            gather_row(src, 1, out_width, factor, col_index, dst)
    elif channels == 3:
        if factor == 2:
            gather_row(src, 3, out_width, 2, col_index, dst)
        else:
            gather_row(src, 3, out_width, factor, col_index, dst)
    else:
        gather_row(src, channels, out_width, factor, col_index, dst)


def gather(const elem_t[:, :, :, ::1] image, elem_t[:, :, :, ::1] out,
           const Py_ssize_t[::1] row_index, const Py_ssize_t[::1] col_index,
           Py_ssize_t factor, bint stream, elem_t[:, ::1] work, Py_ssize_t rows_per_item,
           int n_threads):
    """Nearest-neighbour resampling: out[p, y, x] = image[p, row_index[y], col_index[x]].

    IN: (P, H, W, C) elements of any type of the element's size (the wrapper
    passes raw views, so every dtype is copied bit for bit); with
    ``factor`` > 0 the columns are ``x // factor`` (``col_index`` unused).
    OUT: ``out`` (P, H2, W2, C), every element written.
    Each distinct output row is gathered once into the thread's ``work`` row
    (W2 * C elements), then copied to the output rows that repeat it, with
    streaming stores when ``stream`` (a large output).
    """
    cdef Py_ssize_t planes = image.shape[0]
    cdef Py_ssize_t channels = image.shape[3]
    cdef Py_ssize_t out_height = out.shape[1]
    cdef Py_ssize_t out_width = out.shape[2]
    cdef Py_ssize_t row_bytes = out_width * channels * sizeof(elem_t)
    cdef Py_ssize_t n_blocks = (out_height + rows_per_item - 1) // rows_per_item
    cdef Py_ssize_t item, p, y, y0, y1
    cdef elem_t* row = NULL

    if planes == 0 or out_height == 0:
        return
    with nogil, parallel(num_threads=n_threads):
        row = &work[threadid(), 0]
        for item in prange(planes * n_blocks, schedule='dynamic'):
            p = item // n_blocks
            y0 = (item % n_blocks) * rows_per_item
            y1 = min(y0 + rows_per_item, out_height)
            for y in range(y0, y1):
                if y == y0 or row_index[y] != row_index[y - 1]:
                    gather_dispatch(&image[p, row_index[y], 0, 0], channels, out_width,
                                    factor, &col_index[0], row)
                if stream:
                    stream_copy(row, &out[p, y, 0, 0], row_bytes)
                else:
                    memcpy(&out[p, y, 0, 0], row, row_bytes)


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


def value_range(const floating[::1] values, floating[:, ::1] result, int n_threads):
    """Smallest and largest value, NaN skipped, in one parallel pass.

    OUT: ``result`` (chunks, 2): per chunk of ``values`` its minimum and
    maximum (+inf and -inf when it is all NaN); the wrapper combines them.
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
