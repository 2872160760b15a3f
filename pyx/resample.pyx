"""Kernels of the separable resampler (``imgconv/_resample.py`` runs them).

A resampling is a sequence of passes, one per axis; each output element of a
pass is ``sum_t weight[o, t] * input[index[o, t]]`` over its taps, in tap
order, an index of -1 reading the constant ``cval``. Three kernels:

* ``resample2d``: the innermost two resampled axes fused. Images are
  ``(P, H, W, C)``: P planes of H rows of W pixels of C interleaved values.
  When the rows are cached (``blend_first`` false), each needed input row
  is resampled along W once into a per-thread cache and output rows blend
  cached rows; otherwise each output row first blends its input rows (full
  width) and resamples that one line along W. The plan picks the cheaper.
* ``axis_pass``: one axis of ``(B, N, I)`` arrays, blending contiguous runs
  of I elements (outer axes of volumes and stacks, and the rows of a pass
  without columns).
* ``gather``: nearest neighbour, whole pixels copied bit for bit.

and the B-spline prefilter ``prefilter``, in place along one axis.

Column tables come in three forms for their interior outputs (``lo`` to
``hi``, whose taps all lie inside the row); outputs outside it always use
the table with its -1 (cval) entries. All forms sum the same products in
the same order, so a part of an image computed with a part of a table (as
the Dask executor does) gives the same bits:

* taps: any indices;
* window: consecutive taps from ``index[o, 0]``;
* phases: an integer factor ``s``: output ``s*q + r`` has the taps and
  weights of phase ``r`` shifted by ``q``, looped phase by phase.

Sources are uint8/uint16 (converted as ``value * scale`` while read) or
float32/float64; outputs any of these, integer ones rounded half to even and
clipped. Results do not depend on the thread count: every output element is
the same sum whichever thread computes it.
"""
from cython.parallel cimport parallel, prange
from libc.math cimport ldexp, pow
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy

from _columns cimport (FIXED_MAX_TAPS, fixed_available, fixed_fits, fixed_pack,
                       fixed_packed_size, fixed_pixels_u8, fixed_rows_u8,
                       gray_f32_f32, gray_f32_u8, gray_f32_u16, gray_f64_f32, gray_f64_f64,
                       gray_f64_u8, gray_f64_u16, phase2_gray_f32, phase2_gray_f64,
                       phase_pixels_f32, phase_pixels_f64, pixels_f32_f32, pixels_f32_u8,
                       pixels_f32_u16, pixels_f64_f32, pixels_f64_f64, pixels_f64_u8,
                       pixels_f64_u16)
from _simd cimport (blend_u8, from_lines, from_lines_f, into_lines, into_lines_f,
                    store_u8_f64, stream_blend_d, stream_blend_f, stream_copy, stream_store_d,
                    stream_store_f)

ctypedef unsigned char uchar
ctypedef unsigned short ushort

ctypedef fused src_t:
    uchar
    ushort
    float
    double

ctypedef fused dst_t:
    uchar
    ushort
    float
    double

# what the sums are computed in. Fixed-point passes (integer weights with
# ``shift`` fraction bits over uint8, stored as (sum + 2**(shift-1)) >> shift,
# clipped) run in double: their integer sums stay far below 2**53, so double
# arithmetic is exact and gives the integer results bit for bit, on the same
# vectorised loops as the float passes. uint8 to uint8, the integer kernels of
# _columns.pxd take them where their 32-bit lanes hold the sums
# (fixed_column_pass, fixed_runs).
ctypedef fused acc_t:
    float
    double

ctypedef fused elem_t:
    uchar
    unsigned short
    unsigned int
    unsigned long long

cdef enum:
    FORM_TAPS = 0
    FORM_WINDOW = 1
    FORM_PHASES = 2

# the prefilter's boundary initialisations (scipy.ndimage's)
cdef enum:
    INIT_MIRROR = 0
    INIT_REFLECT = 1
    INIT_WRAP = 2

FORMS = {"taps": FORM_TAPS, "window": FORM_WINDOW, "phases": FORM_PHASES}
INITS = {"mirror": INIT_MIRROR, "reflect": INIT_REFLECT, "wrap": INIT_WRAP}


cdef struct Source:
    double scale           # integer sources are read as value * scale
    double cval            # what an index of -1 reads
    bint convert_rows      # integer source: convert a whole row before a column pass


cdef struct Columns:
    int form               # FORM_TAPS, FORM_WINDOW or FORM_PHASES
    Py_ssize_t lo          # outputs [lo, hi) read inside the row only
    Py_ssize_t hi
    Py_ssize_t factor      # FORM_PHASES: the integer factor (lo, hi are multiples)


cdef struct Store:
    double lo              # clip bounds (integer outputs: always applied,
    double hi              # within the type's range)
    bint clip              # float outputs: clip to [lo, hi] (NaN passes)
    bint stream            # streaming stores (a large output written once)
    int shift              # fixed-point passes: the fraction bits of the weights


cdef struct Schedule:
    bint blend_first       # resample2d: blend input rows, then one column pass
    Py_ssize_t slots       # resample2d: rows cached per thread
    Py_ssize_t items       # work items (blocks of output rows) over all planes


# ------------------------------------------------------------- elements ---

cdef inline acc_t load(const src_t* p, Py_ssize_t i, acc_t scale) noexcept nogil:
    """Element i of a source as a compute value (integers times ``scale``)."""
    if src_t is float or src_t is double:
        return <acc_t> p[i]
    else:
        return (<acc_t> p[i]) * scale


cdef inline acc_t round_even(acc_t value) noexcept nogil:
    """``value`` rounded to an integer, half to even (the FPU's mode): adding
    and subtracting 1.5 * 2**mantissa_bits, without a libm call in the loop."""
    cdef acc_t magic
    if acc_t is float:
        magic = 12582912.0
    else:
        magic = 6755399441055744.0
    return (value + magic) - magic


cdef inline dst_t to_pixel(acc_t value, acc_t lo, acc_t hi, bint clip, bint fixed,
                           acc_t unit, dst_t kind) noexcept nogil:
    """A computed value as an output element: clipped to [lo, hi] when ``clip``
    (NaN passes); integers are always clipped and rounded half to even, or,
    after a fixed-point pass (``fixed``, ``unit`` = 2**-shift), shifted:
    ``floor((value + 2**(shift-1)) 2**-shift)``, exact for the integer sums
    (a power of two scales exactly). ``kind`` only selects the type. The
    flags are constants in the loops that call it (see store_row), so each
    loop is branch-free and vectorises."""
    cdef acc_t rounded
    if dst_t is float or dst_t is double:
        if clip:
            value = lo if value < lo else value
            value = hi if value > hi else value
        return <dst_t> value
    else:
        if fixed:
            value = (value + 0.5 / unit) * unit
            rounded = round_even(value)
            value = rounded - (rounded > value)         # floor
        value = lo if value < lo else value
        value = hi if value > hi else value
        return <dst_t> round_even(value)


cdef inline void store_row(const acc_t* acc, Py_ssize_t n, acc_t lo, acc_t hi,
                           bint clip, acc_t unit, dst_t* out, bint stream=False) noexcept nogil:
    """out[j] = to_pixel(acc[j]), or its SIMD equals: uint8 from doubles, and
    streaming stores for a large float output (``stream``)."""
    cdef Py_ssize_t j
    cdef dst_t kind = 0
    if dst_t is uchar and acc_t is double:
        store_u8_f64(acc, n, lo, hi, unit, out)
    elif dst_t is float and acc_t is float and stream:
        stream_store_f(acc, n, lo, hi, clip, out)
    elif dst_t is double and acc_t is double and stream:
        stream_store_d(acc, n, lo, hi, clip, out)
    elif unit != 0:
        for j in range(n):
            out[j] = to_pixel(acc[j], lo, hi, True, True, unit, kind)
    elif clip:
        for j in range(n):
            out[j] = to_pixel(acc[j], lo, hi, True, False, unit, kind)
    else:
        for j in range(n):
            out[j] = to_pixel(acc[j], lo, hi, False, False, unit, kind)


cdef enum:
    # output rows blended from this many cached rows in one pass
    MAX_FUSED_ROWS = 8


cdef inline void blend_many(const acc_t** rows, const acc_t* w, Py_ssize_t taps,
                            Py_ssize_t n, acc_t* acc) noexcept nogil:
    """acc[j] = sum_t w[t] * rows[t][j], in tap order (the sequential sum's
    bits), in one pass; the common tap counts as constants."""
    cdef Py_ssize_t j, t
    cdef acc_t v
    if taps == 3:
        for j in range(n):
            acc[j] = (w[0] * rows[0][j] + w[1] * rows[1][j]) + w[2] * rows[2][j]
    elif taps == 4:
        for j in range(n):
            acc[j] = ((w[0] * rows[0][j] + w[1] * rows[1][j]) + w[2] * rows[2][j]
                      + w[3] * rows[3][j])
    elif taps == 5:
        for j in range(n):
            acc[j] = (((w[0] * rows[0][j] + w[1] * rows[1][j]) + w[2] * rows[2][j]
                       + w[3] * rows[3][j]) + w[4] * rows[4][j])
    elif taps == 6:
        for j in range(n):
            acc[j] = ((((w[0] * rows[0][j] + w[1] * rows[1][j]) + w[2] * rows[2][j]
                        + w[3] * rows[3][j]) + w[4] * rows[4][j]) + w[5] * rows[5][j])
    else:
        for j in range(n):
            v = w[0] * rows[0][j]
            for t in range(1, taps):
                v = v + w[t] * rows[t][j]
            acc[j] = v


cdef inline void blend2(const acc_t* h0, const acc_t* h1, acc_t w0, acc_t w1,
                        Py_ssize_t n, acc_t lo, acc_t hi, bint clip, bint stream, acc_t unit,
                        dst_t* out) noexcept nogil:
    """out[j] = w0 * h0[j] + w1 * h1[j], stored by to_pixel (or its SIMD
    equal in _simd.pxd: streaming stores for a large float output, packed
    rounding for uint8)."""
    cdef Py_ssize_t j
    cdef dst_t kind = 0
    cdef double tmp[256]
    cdef Py_ssize_t j0, k
    if dst_t is uchar and acc_t is float and unit == 0:
        blend_u8(h0, h1, w0, w1, n, lo, hi, out)
    elif dst_t is uchar and acc_t is double:
        # blended a block at a time, then the vectorised uint8 store
        for j0 in range(0, n, 256):
            k = min(256, n - j0)
            for j in range(k):
                tmp[j] = w0 * h0[j0 + j] + w1 * h1[j0 + j]
            store_u8_f64(tmp, k, lo, hi, unit, out + j0)
    elif dst_t is float and acc_t is float and stream:
        stream_blend_f(h0, h1, w0, w1, n, lo, hi, clip, out)
    elif dst_t is double and acc_t is double and stream:
        stream_blend_d(h0, h1, w0, w1, n, lo, hi, clip, out)
    elif unit != 0:
        for j in range(n):
            out[j] = to_pixel(w0 * h0[j] + w1 * h1[j], lo, hi, True, True, unit, kind)
    elif clip:
        for j in range(n):
            out[j] = to_pixel(w0 * h0[j] + w1 * h1[j], lo, hi, True, False, unit, kind)
    else:
        for j in range(n):
            out[j] = to_pixel(w0 * h0[j] + w1 * h1[j], lo, hi, False, False, unit, kind)


# --------------------------------------------------------- column passes ---
#
# Column tables are planar, (taps, m): tap t of output o is index[t*m + o]
# with weight weight[t*m + o] (the layout the SIMD passes of _columns.pxd
# load eight outputs at a time from).

cdef inline void taps_checked(const src_t* src, Py_ssize_t channels, Py_ssize_t o0,
                              Py_ssize_t o1, Py_ssize_t taps, Py_ssize_t m, const int* index,
                              const acc_t* weight, acc_t scale, acc_t cval,
                              acc_t* dst) noexcept nogil:
    """dst[o] = sum_t weight[t, o] * src[index[t, o]] (cval for -1), o in [o0, o1)."""
    cdef Py_ssize_t o, t, c, i
    cdef acc_t acc, value
    for o in range(o0, o1):
        for c in range(channels):
            i = index[o]
            value = cval if i < 0 else load(src, i * channels + c, scale)
            acc = weight[o] * value
            for t in range(1, taps):
                i = index[t * m + o]
                value = cval if i < 0 else load(src, i * channels + c, scale)
                acc = acc + weight[t * m + o] * value
            dst[o * channels + c] = acc


cdef inline void taps_pass(const src_t* src, Py_ssize_t channels, Py_ssize_t o0,
                           Py_ssize_t o1, Py_ssize_t taps, Py_ssize_t m, const int* index,
                           const acc_t* weight, acc_t scale,
                           acc_t* dst) noexcept nogil:
    """taps_checked where every index lies inside the row."""
    cdef Py_ssize_t o, t, c
    cdef acc_t acc
    for o in range(o0, o1):
        for c in range(channels):
            acc = weight[o] * load(src, index[o] * channels + c, scale)
            for t in range(1, taps):
                acc = acc + weight[t * m + o] * load(src, index[t * m + o] * channels + c,
                                                     scale)
            dst[o * channels + c] = acc


cdef inline void window_pass(const src_t* src, Py_ssize_t channels, Py_ssize_t o0,
                             Py_ssize_t o1, Py_ssize_t taps, Py_ssize_t m, const int* index,
                             const acc_t* weight, acc_t scale,
                             acc_t* dst) noexcept nogil:
    """taps_pass whose taps are consecutive pixels from index[0, o]."""
    cdef Py_ssize_t o, t, c
    cdef acc_t acc
    cdef const src_t* p
    for o in range(o0, o1):
        p = src + index[o] * channels
        for c in range(channels):
            acc = weight[o] * load(p, c, scale)
            for t in range(1, taps):
                acc = acc + weight[t * m + o] * load(p, t * channels + c, scale)
            dst[o * channels + c] = acc


cdef enum:
    # phase weights held in locals (so that the compiler keeps them in
    # registers across the loop) up to this many
    MAX_PHASE_WEIGHTS = 64


cdef inline void phase_pass(const src_t* src, Py_ssize_t channels, Py_ssize_t limit,
                            Py_ssize_t factor, Py_ssize_t q0, Py_ssize_t q1, Py_ssize_t taps,
                            Py_ssize_t m, const int* index, const acc_t* weight, acc_t scale,
                            acc_t* dst) noexcept nogil:
    """window_pass over the outputs s*q + r, q in [q0, q1), of an integer
    factor s: phase r reads from q + (index[0, s*q0 + r] - q0) with the
    weights of output s*q0 + r. The SIMD loops of _columns.pxd first (gray
    rows of factor 2, rows of 2-4 channels, a source of the accumulator's
    type); gray rows loop over pixels (the phases unroll into one
    interleaved store group); pixels of several channels loop phase by
    phase, each a contiguous run of channels."""
    cdef Py_ssize_t q, r, t, c, off
    cdef acc_t acc
    cdef const src_t* p
    cdef acc_t w[MAX_PHASE_WEIGHTS]
    cdef Py_ssize_t first[MAX_PHASE_WEIGHTS]
    cdef Py_ssize_t base = factor * q0
    if factor * taps > MAX_PHASE_WEIGHTS:
        window_pass(src, channels, base, factor * q1, taps, m, index, weight, scale, dst)
        return
    for r in range(factor):
        first[r] = index[base + r] - q0
        for t in range(taps):
            w[r * taps + t] = weight[t * m + base + r]
    if (src_t is float and acc_t is float) or (src_t is double and acc_t is double):
        if channels == 1 and factor == 2:
            if acc_t is float:
                q0 = phase2_gray_f32(src, q0, q1, taps, first, w, dst)
            else:
                q0 = phase2_gray_f64(src, q0, q1, taps, first, w, dst)
        elif 2 <= channels <= 4:
            if acc_t is float:
                q0 = phase_pixels_f32(src, channels, limit, factor, q0, q1, taps, first, w,
                                      dst)
            else:
                q0 = phase_pixels_f64(src, channels, limit, factor, q0, q1, taps, first, w,
                                      dst)
    if channels == 1:
        for q in range(q0, q1):
            for r in range(factor):
                p = src + q + first[r]
                acc = w[r * taps] * load(p, 0, scale)
                for t in range(1, taps):
                    acc = acc + w[r * taps + t] * load(p, t, scale)
                dst[q * factor + r] = acc
        return
    for r in range(factor):
        off = first[r]
        for q in range(q0, q1):
            p = src + (q + off) * channels
            for c in range(channels):
                acc = w[r * taps] * load(p, c, scale)
                for t in range(1, taps):
                    acc = acc + w[r * taps + t] * load(p, t * channels + c, scale)
                dst[(q * factor + r) * channels + c] = acc


cdef inline Py_ssize_t simd_columns(const src_t* src, Py_ssize_t channels, Py_ssize_t limit,
                                    bint window, Py_ssize_t taps, Py_ssize_t m,
                                    const int* index, const acc_t* weight, Py_ssize_t o0,
                                    Py_ssize_t o1, acc_t scale,
                                    acc_t* dst) noexcept nogil:
    """The outputs [o0, k) done by the SIMD passes of _columns.pxd (gray rows,
    and 2-4 interleaved channels); returns k, the first one left to do."""
    if channels == 1:
        if acc_t is float:
            if src_t is float:
                return gray_f32_f32(src, limit, window, taps, index, weight, m, o0, o1, scale, dst)
            elif src_t is uchar:
                return gray_f32_u8(src, limit, window, taps, index, weight, m, o0, o1, scale, dst)
            elif src_t is ushort:
                return gray_f32_u16(src, limit, window, taps, index, weight, m, o0, o1, scale,
                                    dst)
        else:
            if src_t is double:
                return gray_f64_f64(src, limit, window, taps, index, weight, m, o0, o1, scale,
                                    dst)
            elif src_t is float:
                return gray_f64_f32(src, limit, window, taps, index, weight, m, o0, o1, scale,
                                    dst)
            elif src_t is uchar:
                return gray_f64_u8(src, limit, window, taps, index, weight, m, o0, o1, scale, dst)
            elif src_t is ushort:
                return gray_f64_u16(src, limit, window, taps, index, weight, m, o0, o1, scale,
                                    dst)
    elif channels <= 4:
        if acc_t is float:
            if src_t is float:
                return pixels_f32_f32(src, channels, limit, window, taps, index, weight, m, o0,
                                      o1, scale, dst)
            elif src_t is uchar:
                return pixels_f32_u8(src, channels, limit, window, taps, index, weight, m, o0,
                                     o1, scale, dst)
            elif src_t is ushort:
                return pixels_f32_u16(src, channels, limit, window, taps, index, weight, m, o0,
                                      o1, scale, dst)
        else:
            if src_t is double:
                return pixels_f64_f64(src, channels, limit, window, taps, index, weight, m, o0,
                                      o1, scale, dst)
            elif src_t is float:
                return pixels_f64_f32(src, channels, limit, window, taps, index, weight, m, o0,
                                      o1, scale, dst)
            elif src_t is uchar:
                return pixels_f64_u8(src, channels, limit, window, taps, index, weight, m, o0,
                                     o1, scale, dst)
            elif src_t is ushort:
                return pixels_f64_u16(src, channels, limit, window, taps, index, weight, m, o0,
                                      o1, scale, dst)
    return o0


cdef inline void column_interior(const src_t* src, Py_ssize_t channels, Py_ssize_t limit,
                                 const Columns* cols, Py_ssize_t taps, Py_ssize_t m,
                                 const int* index, const acc_t* weight, acc_t scale,
                                 acc_t* dst) noexcept nogil:
    """The interior outputs: the SIMD passes where they apply, the scalar loops
    for the rest, with the common channel counts (1, 3) and tap counts (2, 4)
    as constants once inlined, so that the compiler unrolls them."""
    cdef Py_ssize_t lo = cols.lo, hi = cols.hi
    if cols.form == FORM_PHASES and not (channels == 1 and cols.factor != 2):
        phase_pass(src, channels, limit, cols.factor, lo // cols.factor, hi // cols.factor,
                   taps, m, index, weight, scale, dst)
        return
    # (gray phases of other factors are windows too: the SIMD window loop,
    # in-register permutes, beats the scalar phase loop there)
    lo = simd_columns(src, channels, limit, cols.form != FORM_TAPS, taps, m, index, weight,
                      lo, hi, scale, dst)
    if cols.form != FORM_TAPS:
        if channels == 1 and taps == 2:
            window_pass(src, 1, lo, hi, 2, m, index, weight, scale, dst)
        elif channels == 3 and taps == 2:
            window_pass(src, 3, lo, hi, 2, m, index, weight, scale, dst)
        else:
            window_pass(src, channels, lo, hi, taps, m, index, weight, scale, dst)
    else:
        taps_pass(src, channels, lo, hi, taps, m, index, weight, scale, dst)


cdef inline void column_pass(const src_t* src, Py_ssize_t channels, Py_ssize_t width,
                             Py_ssize_t out_width, const Columns* cols, Py_ssize_t taps,
                             const int* index, const acc_t* weight, acc_t scale,
                             acc_t cval, acc_t* dst) noexcept nogil:
    """One row of ``width`` pixels resampled along its pixels: dst (out_width, channels)."""
    taps_checked(src, channels, 0, cols.lo, taps, out_width, index, weight, scale, cval, dst)
    column_interior(src, channels, width * channels, cols, taps, out_width, index, weight,
                    scale, dst)
    taps_checked(src, channels, cols.hi, out_width, taps, out_width, index, weight, scale,
                 cval, dst)


cdef inline void fixed_column_pass(const src_t* src, Py_ssize_t channels, Py_ssize_t width,
                                   Py_ssize_t out_width, const Columns* cols, Py_ssize_t taps,
                                   const int* index, const acc_t* weight, const short* packed,
                                   acc_t cval, const Store* store, acc_t* acc,
                                   dst_t* out) noexcept nogil:
    """A uint8 row with integer weights (a fixed-point pass) resampled along
    its pixels and stored: the interior by the integer kernel of
    _columns.pxd from ``packed`` (the table as fixed_pack lays it out),
    straight into ``out``; the rest through ``acc`` and store_row. The sums
    are integers, exact in double too, so both give the same pixels."""
    cdef Py_ssize_t o = cols.lo
    cdef acc_t lo = <acc_t> store.lo, hi = <acc_t> store.hi
    cdef acc_t unit = <acc_t> ldexp(1.0, -store.shift)
    taps_checked(src, channels, 0, cols.lo, taps, out_width, index, weight, <acc_t> 1, cval,
                 acc)
    store_row(acc, cols.lo * channels, lo, hi, True, unit, out)
    if src_t is uchar and dst_t is uchar:
        o = fixed_pixels_u8(src, channels, width * channels, taps, index, packed, cols.lo,
                            cols.hi, store.shift, <int> store.lo, <int> store.hi, out)
    window_pass(src, channels, o, cols.hi, taps, out_width, index, weight, <acc_t> 1, acc)
    taps_checked(src, channels, cols.hi, out_width, taps, out_width, index, weight, <acc_t> 1,
                 cval, acc)
    store_row(acc + o * channels, (out_width - o) * channels, lo, hi, True, unit,
              out + o * channels)


cdef inline bint fixed_bounds(const Store* store) noexcept nogil:
    """Whether a pass stores in fixed point to integer bounds within uint8's
    (what the integer kernels of _columns.pxd store)."""
    return (store.shift > 0 and 0 <= store.lo <= store.hi <= 255
            and store.lo == <int> store.lo and store.hi == <int> store.hi)


cdef inline void constant_pass(Py_ssize_t channels, Py_ssize_t out_width, Py_ssize_t taps,
                               const acc_t* weight, acc_t cval,
                               acc_t* dst) noexcept nogil:
    """column_pass of a row of cval (a row outside the image in mode constant)."""
    cdef Py_ssize_t o, t, c
    cdef acc_t acc
    for o in range(out_width):
        acc = weight[o] * cval
        for t in range(1, taps):
            acc = acc + weight[t * out_width + o] * cval
        for c in range(channels):
            dst[o * channels + c] = acc


cdef inline void convert_row(const src_t* src, Py_ssize_t n, acc_t scale,
                             acc_t* line) noexcept nogil:
    cdef Py_ssize_t j
    for j in range(n):
        line[j] = load(src, j, scale)


# ------------------------------------------------------------ resample2d ---

cdef inline acc_t* resampled_row(const src_t* plane, Py_ssize_t row, Py_ssize_t width,
                                 Py_ssize_t channels, Py_ssize_t out_width,
                                 const Columns* cols, Py_ssize_t taps,
                                 const int* index, const acc_t* weight,
                                 const Source* source, acc_t* line,
                                 acc_t* dst) noexcept nogil:
    """Input row ``row`` (-1: the cval row) resampled along its pixels into dst."""
    cdef acc_t scale = <acc_t> source.scale
    cdef acc_t cval = <acc_t> source.cval
    cdef const src_t* src
    if row < 0:
        constant_pass(channels, out_width, taps, weight, cval, dst)
        return dst
    src = plane + row * width * channels
    if source.convert_rows:
        convert_row(src, width * channels, scale, line)
        column_pass(<const acc_t*> line, channels, width, out_width, cols, taps, index,
                    weight, <acc_t> 1, cval, dst)
    else:
        column_pass(src, channels, width, out_width, cols, taps, index, weight, scale, cval,
                    dst)
    return dst


cdef inline acc_t* cached_row(const src_t* plane, Py_ssize_t row, Py_ssize_t stamp,
                              Py_ssize_t width, Py_ssize_t channels, Py_ssize_t out_width,
                              const Columns* cols, Py_ssize_t taps,
                              const int* index, const acc_t* weight,
                              const Source* source, acc_t* line, acc_t* cache,
                              Py_ssize_t* tags, Py_ssize_t* stamps,
                              Py_ssize_t n_slots) noexcept nogil:
    """resampled_row from the thread's cache, or computed into its least
    recently used slot. The slot used for the current output row (``stamp``)
    is the newest, so fetching a second row never evicts the first when
    n_slots >= 2."""
    cdef Py_ssize_t k, victim = 0
    cdef Py_ssize_t row_len = out_width * channels
    for k in range(n_slots):
        if tags[k] == row:
            stamps[k] = stamp
            return cache + k * row_len
        if stamps[k] < stamps[victim]:
            victim = k
    tags[victim] = row
    stamps[victim] = stamp
    return resampled_row(plane, row, width, channels, out_width, cols, taps, index, weight,
                         source, line, cache + victim * row_len)


cdef inline void blend_rows(const src_t* plane, const int* rows,
                            const acc_t* weights, Py_ssize_t taps, Py_ssize_t n,
                            const Source* source, acc_t* line) noexcept nogil:
    """line = sum_t weights[t] * input row rows[t] (row -1: cval), n elements,
    in tap order. Four rows at a time where they lie inside the image, so
    that the line is loaded and stored once per four taps (the sums are the
    tap-by-tap sums)."""
    cdef Py_ssize_t t = 0, j
    cdef acc_t w, w0, w1, w2, w3
    cdef acc_t scale = <acc_t> source.scale
    cdef acc_t cval = <acc_t> source.cval
    cdef const src_t* src
    cdef const src_t* s0
    cdef const src_t* s1
    cdef const src_t* s2
    cdef const src_t* s3
    while t < taps:
        if t + 4 <= taps and rows[t] >= 0 and rows[t + 1] >= 0 and rows[t + 2] >= 0 \
                and rows[t + 3] >= 0:
            s0 = plane + rows[t] * n
            s1 = plane + rows[t + 1] * n
            s2 = plane + rows[t + 2] * n
            s3 = plane + rows[t + 3] * n
            w0 = weights[t]
            w1 = weights[t + 1]
            w2 = weights[t + 2]
            w3 = weights[t + 3]
            if t == 0:
                for j in range(n):
                    line[j] = (((w0 * load(s0, j, scale) + w1 * load(s1, j, scale))
                                + w2 * load(s2, j, scale)) + w3 * load(s3, j, scale))
            else:
                for j in range(n):
                    line[j] = ((((line[j] + w0 * load(s0, j, scale)) + w1 * load(s1, j, scale))
                                + w2 * load(s2, j, scale)) + w3 * load(s3, j, scale))
            t += 4
            continue
        w = weights[t]
        if rows[t] < 0:
            if t == 0:
                for j in range(n):
                    line[j] = w * cval
            else:
                for j in range(n):
                    line[j] = line[j] + w * cval
        else:
            src = plane + rows[t] * n
            if t == 0:
                for j in range(n):
                    line[j] = w * load(src, j, scale)
            else:
                for j in range(n):
                    line[j] = line[j] + w * load(src, j, scale)
        t += 1


def resample2d(const src_t[:, :, :, ::1] image, dst_t[:, :, :, ::1] out,
               const int[:, ::1] row_index, const acc_t[:, ::1] row_weight,
               const int[:, ::1] col_index, const acc_t[:, ::1] col_weight,
               Columns cols, Source source, Store store, Schedule schedule,
               int n_threads):
    """Separable resampling of (P, H, W, C) planes to (P, H2, W2, C).

    IN: ``row_index``, ``row_weight`` (H2, Ty): output row y is
    sum_t row_weight[y, t] * (column pass of input row row_index[y, t]), row
    -1 being a row of ``source.cval``; ``col_index``, ``col_weight`` (Tx, W2),
    planar: the column table, its interior in the form ``cols`` says.
    OUT: ``out`` (P, H2, W2, C), every element written.
    Work items are ``schedule.items`` blocks of output rows, spread over the
    planes. Raises MemoryError if a thread's buffers cannot be allocated.
    """
    cdef Py_ssize_t planes = image.shape[0]
    cdef Py_ssize_t width = image.shape[2]
    cdef Py_ssize_t channels = image.shape[3]
    cdef Py_ssize_t out_height = out.shape[1]
    cdef Py_ssize_t out_width = out.shape[2]
    cdef Py_ssize_t row_taps = row_index.shape[1]
    cdef Py_ssize_t col_taps = col_index.shape[0]
    cdef Py_ssize_t row_len = out_width * channels
    cdef Py_ssize_t in_len = width * channels
    cdef Py_ssize_t n_slots = schedule.slots if not schedule.blend_first else 0
    cdef Py_ssize_t per_plane = max(1, schedule.items // max(1, planes))
    cdef Py_ssize_t rows_per_item = (out_height + per_plane - 1) // per_plane
    cdef Py_ssize_t n_blocks = (out_height + rows_per_item - 1) // rows_per_item
    cdef acc_t low = <acc_t> store.lo
    cdef acc_t high = <acc_t> store.hi
    cdef acc_t unit = <acc_t> ldexp(1.0, -store.shift) if store.shift > 0 else 0
    cdef Py_ssize_t line_len = in_len if (schedule.blend_first or source.convert_rows) else 0
    cdef Py_ssize_t item, p, y, y0, y1, t, k, j
    cdef const src_t* plane
    cdef dst_t* out_row
    cdef acc_t* buffer
    cdef acc_t* line
    cdef acc_t* acc
    cdef acc_t* cache
    cdef acc_t* h0
    cdef acc_t* h1
    cdef acc_t w
    cdef Py_ssize_t* tags
    cdef Py_ssize_t* stamps
    cdef const acc_t** rows
    cdef int failed = 0
    cdef int* failed_flag = &failed
    cdef short* packed = NULL

    if planes == 0 or out_height == 0 or row_len == 0:
        return
    if src_t is uchar and acc_t is double and dst_t is uchar:
        # a fixed-point pass along the columns alone: rows read as they are
        if (fixed_bounds(&store) and schedule.blend_first and row_taps == 1
                and 1 <= channels <= 4 and cols.form != FORM_TAPS and source.scale == 1
                and fixed_available()):
            packed = <short*> malloc(fixed_packed_size(channels, col_taps, out_width)
                                     * sizeof(short))
            if packed != NULL and not fixed_pack(channels, col_taps, out_width, store.shift,
                                                 &col_weight[0, 0], packed):
                free(packed)
                packed = NULL
    with nogil, parallel(num_threads=n_threads):
        buffer = <acc_t*> malloc((line_len + (1 + n_slots) * row_len) * sizeof(acc_t) + 1)
        tags = <Py_ssize_t*> malloc((2 * n_slots + 1) * sizeof(Py_ssize_t)
                                    + MAX_FUSED_ROWS * sizeof(acc_t*))
        rows = <const acc_t**> (tags + 2 * n_slots + 1)
        line = buffer
        acc = line + line_len
        cache = acc + row_len
        stamps = tags + n_slots
        # every thread takes part in the loop (an OpenMP rule); one without
        # buffers only reports the failure
        for item in prange(planes * n_blocks, schedule='dynamic'):
            if buffer == NULL or tags == NULL:
                failed_flag[0] = 1
            else:
                p = item // n_blocks
                y0 = (item % n_blocks) * rows_per_item
                y1 = min(y0 + rows_per_item, out_height)
                plane = &image[p, 0, 0, 0]
                for k in range(n_slots):
                    tags[k] = -2            # no row cached (-1 is the cval row)
                    stamps[k] = -1
                for y in range(y0, y1):
                    out_row = &out[p, y, 0, 0]
                    if packed != NULL and row_index[y, 0] >= 0 and row_weight[y, 0] == 1:
                        fixed_column_pass(plane + row_index[y, 0] * in_len, channels, width,
                                          out_width, &cols, col_taps, &col_index[0, 0],
                                          &col_weight[0, 0], packed, <acc_t> source.cval,
                                          &store, acc, out_row)
                    elif schedule.blend_first:
                        blend_rows(plane, &row_index[y, 0], &row_weight[y, 0], row_taps,
                                   in_len, &source, line)
                        column_pass(<const acc_t*> line, channels, width, out_width, &cols,
                                    col_taps, &col_index[0, 0], &col_weight[0, 0],
                                    <acc_t> 1, <acc_t> source.cval, acc)
                        store_row(acc, row_len, low, high, store.clip, unit, out_row)
                    elif row_taps == 2:
                        h0 = cached_row(plane, row_index[y, 0], y, width, channels, out_width,
                                        &cols, col_taps, &col_index[0, 0], &col_weight[0, 0],
                                        &source, line, cache, tags, stamps, n_slots)
                        h1 = cached_row(plane, row_index[y, 1], y, width, channels, out_width,
                                        &cols, col_taps, &col_index[0, 0], &col_weight[0, 0],
                                        &source, line, cache, tags, stamps, n_slots)
                        blend2(h0, h1, row_weight[y, 0], row_weight[y, 1], row_len, low, high,
                               store.clip, store.stream, unit, out_row)
                    elif row_taps <= MAX_FUSED_ROWS and row_taps <= n_slots:
                        # all the rows at once (the cache holds them), one pass
                        for t in range(row_taps):
                            rows[t] = cached_row(plane, row_index[y, t], y, width, channels,
                                                 out_width, &cols, col_taps, &col_index[0, 0],
                                                 &col_weight[0, 0], &source, line, cache,
                                                 tags, stamps, n_slots)
                        blend_many(rows, &row_weight[y, 0], row_taps, row_len, acc)
                        store_row(acc, row_len, low, high, store.clip, unit, out_row,
                                  store.stream)
                    else:
                        for t in range(row_taps):
                            h0 = cached_row(plane, row_index[y, t], y, width, channels,
                                            out_width, &cols, col_taps, &col_index[0, 0],
                                            &col_weight[0, 0], &source, line, cache, tags,
                                            stamps, n_slots)
                            w = row_weight[y, t]
                            if t == 0:
                                for j in range(row_len):
                                    acc[j] = w * h0[j]
                            else:
                                for j in range(row_len):
                                    acc[j] = acc[j] + w * h0[j]
                        store_row(acc, row_len, low, high, store.clip, unit, out_row)
        free(buffer)
        free(tags)
    free(packed)
    if failed:
        raise MemoryError("resample2d: cannot allocate the per-thread row buffers")


# ------------------------------------------------------------- axis_pass ---

cdef inline bint fixed_runs(const src_t* image, Py_ssize_t inner, const int* index,
                            const acc_t* weight, Py_ssize_t taps, int shift, int lo, int hi,
                            const src_t** rows, int* k, dst_t* out) noexcept nogil:
    """An axis_pass output run (out = the stored sum_t weight[t] * run
    index[t] of image) by the integer kernel of _columns.pxd, for uint8 runs
    with integer weights whose sums fit its lanes (fixed_fits, checked by
    the caller); returns whether it did it (not when a tap reads cval)."""
    cdef Py_ssize_t t
    cdef bint done = False
    if src_t is uchar and acc_t is double and dst_t is uchar:
        for t in range(taps):
            if index[t] < 0:
                return False
            rows[t] = image + index[t] * inner
            k[t] = <int> weight[t]
        fixed_rows_u8(rows, k, taps, inner, shift, lo, hi, out)
        done = True
    return done


def axis_pass(const src_t[:, :, ::1] image, dst_t[:, :, ::1] out,
              const int[:, ::1] index, const acc_t[:, ::1] weight,
              Source source, Store store, Schedule schedule, int n_threads):
    """One axis resampled: out[b, o, :] = sum_t weight[o, t] * image[b, index[o, t], :]
    (index -1: cval), in tap order, for (B, N, I) -> (B, M, I).

    Work items are ``schedule.items`` blocks of outputs spread over B.
    Raises MemoryError if a thread's buffer cannot be allocated.
    """
    cdef Py_ssize_t batch = image.shape[0]
    cdef Py_ssize_t inner = image.shape[2]
    cdef Py_ssize_t out_len = out.shape[1]
    cdef Py_ssize_t taps = index.shape[1]
    cdef Py_ssize_t per_batch = max(1, schedule.items // max(1, batch))
    cdef Py_ssize_t per_item = (out_len + per_batch - 1) // per_batch
    cdef Py_ssize_t n_blocks = (out_len + per_item - 1) // per_item
    cdef acc_t scale = <acc_t> source.scale
    cdef acc_t cval = <acc_t> source.cval
    cdef acc_t low = <acc_t> store.lo
    cdef acc_t high = <acc_t> store.hi
    cdef acc_t unit = <acc_t> ldexp(1.0, -store.shift) if store.shift > 0 else 0
    cdef Py_ssize_t item, b, o, o0, o1, t, j, i
    cdef acc_t w
    cdef acc_t* acc
    cdef const src_t* src
    cdef int failed = 0
    cdef int* failed_flag = &failed
    cdef bint fixed = False
    cdef const src_t** rows
    cdef int* k

    if batch == 0 or out_len == 0 or inner == 0:
        return
    if src_t is uchar and acc_t is double and dst_t is uchar:
        fixed = (fixed_bounds(&store) and source.scale == 1 and taps <= FIXED_MAX_TAPS
                 and fixed_available())
        for o in range(out_len if fixed else 0):
            if not fixed_fits(&weight[o, 0], 1, taps, store.shift):
                fixed = False
                break
    with nogil, parallel(num_threads=n_threads):
        acc = <acc_t*> malloc(inner * sizeof(acc_t))
        rows = <const src_t**> malloc(taps * (sizeof(src_t*) + sizeof(int)))
        k = <int*> (rows + taps)
        for item in prange(batch * n_blocks, schedule='dynamic'):
            if acc == NULL or rows == NULL:
                failed_flag[0] = 1
                continue
            b = item // n_blocks
            o0 = (item % n_blocks) * per_item
            o1 = min(o0 + per_item, out_len)
            for o in range(o0, o1):
                if fixed and fixed_runs(&image[b, 0, 0], inner, &index[o, 0], &weight[o, 0],
                                        taps, store.shift, <int> store.lo, <int> store.hi,
                                        rows, k, &out[b, o, 0]):
                    continue
                for t in range(taps):
                    w = weight[o, t]
                    i = index[o, t]
                    if i < 0:
                        if t == 0:
                            for j in range(inner):
                                acc[j] = w * cval
                        else:
                            for j in range(inner):
                                acc[j] = acc[j] + w * cval
                        continue
                    src = &image[b, i, 0]
                    if t == 0:
                        for j in range(inner):
                            acc[j] = w * load(src, j, scale)
                    else:
                        for j in range(inner):
                            acc[j] = acc[j] + w * load(src, j, scale)
                store_row(acc, inner, low, high, store.clip, unit, &out[b, o, 0])
        free(acc)
        free(rows)
    if failed:
        raise MemoryError("axis_pass: cannot allocate the per-thread buffer")


# ---------------------------------------------------------------- gather ---

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


def gather(const elem_t[:, :, ::1] image, elem_t[:, :, ::1] out,
           const Py_ssize_t[::1] row_index, const Py_ssize_t[::1] col_index,
           Py_ssize_t factor, bint stream, Py_ssize_t items, int n_threads):
    """Nearest-neighbour resampling: out[y, x] = image[row_index[y], col_index[x]].

    IN: (R, W, C) elements of any type of the element's size (the caller
    passes raw views, so every dtype is copied bit for bit); with
    ``factor`` > 0 the columns are ``x // factor`` (``col_index`` unused).
    OUT: ``out`` (R2, W2, C), every element written.
    Each distinct output row is gathered once into the thread's buffer, then
    copied to the output rows that repeat it, with streaming stores when
    ``stream`` (a large output). Work items are ``items`` blocks of rows.
    """
    cdef Py_ssize_t channels = image.shape[2]
    cdef Py_ssize_t out_height = out.shape[0]
    cdef Py_ssize_t out_width = out.shape[1]
    cdef Py_ssize_t row_bytes = out_width * channels * sizeof(elem_t)
    cdef Py_ssize_t rows_per_item = (out_height + max(1, items) - 1) // max(1, items)
    cdef Py_ssize_t n_blocks = (out_height + rows_per_item - 1) // rows_per_item
    cdef Py_ssize_t item, y, y0, y1
    cdef elem_t* row = NULL
    cdef int failed = 0
    cdef int* failed_flag = &failed

    if out_height == 0 or row_bytes == 0:
        return
    with nogil, parallel(num_threads=n_threads):
        row = <elem_t*> malloc(row_bytes)
        for item in prange(n_blocks, schedule='dynamic'):
            if row == NULL:
                failed_flag[0] = 1
                continue
            y0 = item * rows_per_item
            y1 = min(y0 + rows_per_item, out_height)
            for y in range(y0, y1):
                if y == y0 or row_index[y] != row_index[y - 1]:
                    gather_dispatch(&image[row_index[y], 0, 0], channels, out_width,
                                    factor, &col_index[0], row)
                if stream:
                    stream_copy(row, &out[y, 0, 0], row_bytes)
                else:
                    memcpy(&out[y, 0, 0], row, row_bytes)
        free(row)
    if failed:
        raise MemoryError("gather: cannot allocate the per-thread row buffer")


# ------------------------------------------------------------- prefilter ---

cdef enum:
    # lines filtered together: contiguous lines (the last axis) interleave
    # this many independent recursions, hiding their latency; lines across
    # rows (other axes) are strips of this many elements, vectorised
    LINES_LAST_AXIS = 16
    STRIP = 64


cdef void causal_init(double* c, Py_ssize_t n, Py_ssize_t step, Py_ssize_t width,
                      double z, int init, bint reads_running_sum,
                      double* first) noexcept nogil:
    """scipy.ndimage's initialisation of the causal recursion, for the
    ``width`` lines c[j + i*step] (j < width, i < n): c[j] is replaced."""
    cdef Py_ssize_t i, j
    cdef double z_i = z
    cdef double z_n, z_n_1
    if init == INIT_MIRROR:
        z_n_1 = pow(z, n - 1)
        for j in range(width):
            c[j] = c[j] + z_n_1 * c[(n - 1) * step + j]
        for i in range(1, n - 1):
            for j in range(width):
                c[j] = c[j] + z_i * (c[i * step + j] + z_n_1 * c[(n - 1 - i) * step + j])
            z_i = z_i * z
        for j in range(width):
            c[j] = c[j] / (1 - z_n_1 * z_n_1)
    elif init == INIT_WRAP:
        for i in range(1, n):
            for j in range(width):
                c[j] = c[j] + z_i * c[(n - i) * step + j]
            z_i = z_i * z
        for j in range(width):
            c[j] = c[j] / (1 - z_i)
    else:
        # reflect; SciPy up to 1.17 reads the running sum c[0] in the last
        # term (i = n - 1), later versions the original value
        z_n = pow(z, n)
        for j in range(width):
            first[j] = c[j]
            c[j] = c[j] + z_n * c[(n - 1) * step + j]
        for i in range(1, n):
            if i == n - 1 and not reads_running_sum:
                for j in range(width):
                    c[j] = c[j] + z_i * (c[i * step + j] + z_n * first[j])
            else:
                for j in range(width):
                    c[j] = c[j] + z_i * (c[i * step + j] + z_n * c[(n - 1 - i) * step + j])
            z_i = z_i * z
        for j in range(width):
            c[j] = c[j] * (z / (1 - z_n * z_n))
            c[j] = c[j] + first[j]


cdef void anticausal_init(double* c, Py_ssize_t n, Py_ssize_t step, Py_ssize_t width,
                          double z, int init) noexcept nogil:
    """scipy.ndimage's initialisation of the anticausal recursion: c[n-1]."""
    cdef Py_ssize_t i, j
    cdef double z_i = z
    cdef double* last = c + (n - 1) * step
    if init == INIT_MIRROR:
        for j in range(width):
            last[j] = (z * c[(n - 2) * step + j] + last[j]) * z / (z * z - 1)
    elif init == INIT_WRAP:
        for i in range(n - 1):
            for j in range(width):
                last[j] = last[j] + z_i * c[i * step + j]
            z_i = z_i * z
        for j in range(width):
            last[j] = last[j] * (z / (z_i - 1))
    else:
        for j in range(width):
            last[j] = last[j] * (z / (z - 1))


cdef void filter_lines(double* c, Py_ssize_t n, Py_ssize_t step, Py_ssize_t width,
                       const double* poles, Py_ssize_t n_poles, int init,
                       bint reads_running_sum, double* first) noexcept nogil:
    """The B-spline prefilter of ``width`` lines c[j + i*step] (i < n), in place:
    the gain, then per pole the causal and the anticausal recursion."""
    cdef Py_ssize_t i, j, k
    cdef double z
    cdef double gain = 1.0
    for k in range(n_poles):
        gain = gain * ((1.0 - poles[k]) * (1.0 - 1.0 / poles[k]))
    for i in range(n):
        for j in range(width):
            c[i * step + j] = c[i * step + j] * gain
    for k in range(n_poles):
        z = poles[k]
        causal_init(c, n, step, width, z, init, reads_running_sum, first)
        for i in range(1, n):
            for j in range(width):
                c[i * step + j] = c[i * step + j] + z * c[(i - 1) * step + j]
        anticausal_init(c, n, step, width, z, init)
        for i in range(n - 2, -1, -1):
            for j in range(width):
                c[i * step + j] = z * (c[(i + 1) * step + j] - c[i * step + j])


cdef void filter_strided_lines(acc_t* c, Py_ssize_t n, Py_ssize_t count,
                               const double* poles, Py_ssize_t n_poles, int init,
                               bint reads_running_sum, double* first,
                               double* block) noexcept nogil:
    """filter_lines on ``count`` contiguous lines of n (rows of c), moved into
    an interleaved block of doubles (element i of line j at block[i*count +
    j]) so that their recursions run side by side."""
    if acc_t is double:
        into_lines(c, n, count, block)
    else:
        into_lines_f(c, n, count, block)
    filter_lines(block, n, count, count, poles, n_poles, init, reads_running_sum, first)
    if acc_t is double:
        from_lines(block, n, count, c)
    else:
        from_lines_f(block, n, count, c)


cdef void filter_strip(acc_t* c, Py_ssize_t n, Py_ssize_t step, Py_ssize_t count,
                       const double* poles, Py_ssize_t n_poles, int init,
                       bint reads_running_sum, double* first, double* block) noexcept nogil:
    """filter_lines on ``count`` neighbouring lines across rows (element i of
    line j at c[i*step + j]): in place for doubles, through a block of
    doubles for floats (the arithmetic is double either way)."""
    cdef Py_ssize_t i, j
    if acc_t is double:
        filter_lines(c, n, step, count, poles, n_poles, init, reads_running_sum, first)
    else:
        for i in range(n):
            for j in range(count):
                block[i * count + j] = c[i * step + j]
        filter_lines(block, n, count, count, poles, n_poles, init, reads_running_sum, first)
        for i in range(n):
            for j in range(count):
                c[i * step + j] = <float> block[i * count + j]


def prefilter(acc_t[:, :, ::1] coefficients, const double[::1] poles, int init,
              bint reads_running_sum, int n_threads):
    """B-spline prefilter along axis 1 of (B, N, I) coefficients, in place, in
    double arithmetic whatever the storage (float coefficients are rounded
    once per axis).

    Lines of length 1 are left as they are (scipy.ndimage's rule). ``init``:
    INIT_MIRROR, INIT_REFLECT or INIT_WRAP; ``reads_running_sum``: the
    reflect initialisation of SciPy up to 1.17.
    Raises MemoryError if a thread's buffers cannot be allocated.
    """
    cdef Py_ssize_t batch = coefficients.shape[0]
    cdef Py_ssize_t n = coefficients.shape[1]
    cdef Py_ssize_t inner = coefficients.shape[2]
    cdef Py_ssize_t n_poles = poles.shape[0]
    cdef Py_ssize_t per_batch, items, item, b, j0, count
    cdef double* first
    cdef double* block
    cdef acc_t* base
    cdef int failed = 0
    cdef int* failed_flag = &failed
    if n <= 1 or batch == 0 or inner == 0:
        return
    if inner == 1:
        # lines along the last axis: blocks of contiguous lines
        items = (batch + LINES_LAST_AXIS - 1) // LINES_LAST_AXIS
        with nogil, parallel(num_threads=n_threads):
            first = <double*> malloc(LINES_LAST_AXIS * sizeof(double))
            block = <double*> malloc(LINES_LAST_AXIS * n * sizeof(double))
            for item in prange(items, schedule='dynamic'):
                if first == NULL or block == NULL:
                    failed_flag[0] = 1
                    continue
                j0 = item * LINES_LAST_AXIS
                count = min(LINES_LAST_AXIS, batch - j0)
                filter_strided_lines(&coefficients[j0, 0, 0], n, count, &poles[0], n_poles,
                                     init, reads_running_sum, first, block)
            free(first)
            free(block)
    else:
        # lines across rows: strips of STRIP neighbouring lines, vectorised
        per_batch = (inner + STRIP - 1) // STRIP
        items = batch * per_batch
        with nogil, parallel(num_threads=n_threads):
            first = <double*> malloc(STRIP * sizeof(double))
            block = <double*> malloc(STRIP * n * sizeof(double))
            for item in prange(items, schedule='dynamic'):
                if first == NULL or block == NULL:
                    failed_flag[0] = 1
                    continue
                b = item // per_batch
                j0 = (item % per_batch) * STRIP
                count = min(STRIP, inner - j0)
                base = &coefficients[b, 0, 0]
                filter_strip(base + j0, n, inner, count, &poles[0], n_poles, init,
                             reads_running_sum, first, block)
            free(first)
            free(block)
    if failed:
        raise MemoryError("prefilter: cannot allocate the per-thread buffers")
