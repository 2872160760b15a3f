# Header-only: the output stores of the resampler, written with SSE2 where the
# compiler targets it (every x86-64), plain C elsewhere. Both give the same
# bits: w0*h0 + w1*h1 as two products and a sum, clipped, and for uint8
# rounded half to even (the FPU's default mode; the plain version rounds
# with the same mode by adding and subtracting 1.5 * 2**23).
#
# Why not leave it to the compiler: a large float output is written once and
# not read again by the kernel, and streaming stores that bypass the cache
# halve its memory traffic (no read for ownership); GCC never emits them by
# itself (the nearest-neighbour copy streams its rows for the same reason).
# The value range (the clip bounds) is one pass of packed min / max.
# The uint8 store packs 16 results per instruction, which the
# auto-vectoriser does not find for float -> uint8 without SSE4.1.
cdef extern from *:
    """
    #if defined(__AVX__)
    #include <immintrin.h>
    #endif
    #if defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2)
    #include <emmintrin.h>
    #define IMGCONV_SSE2 1
    #else
    #define IMGCONV_SSE2 0
    #endif
    #include <stdint.h>
    #include <string.h>
    #include <math.h>

    /* v clipped to [lo, hi]; NaN stays NaN */
    static inline float imgconv_clip_f(float v, float lo, float hi) {
        v = v < lo ? lo : v;
        return v > hi ? hi : v;
    }
    static inline double imgconv_clip_d(double v, double lo, double hi) {
        v = v < lo ? lo : v;
        return v > hi ? hi : v;
    }

    /* out[j] = clip(w0*h0[j] + w1*h1[j]) with streaming stores (float32) */
    static void imgconv_stream_blend_f(const float* h0, const float* h1, float w0, float w1,
                                       Py_ssize_t n, float lo, float hi, int clip,
                                       float* out) {
        Py_ssize_t j = 0;
    #if IMGCONV_SSE2
        const __m128 a = _mm_set1_ps(w0), b = _mm_set1_ps(w1);
        const __m128 l = _mm_set1_ps(lo), h = _mm_set1_ps(hi);
    #if defined(__AVX__)
        const __m256 a8 = _mm256_set1_ps(w0), b8 = _mm256_set1_ps(w1);
        const __m256 l8 = _mm256_set1_ps(lo), h8 = _mm256_set1_ps(hi);
        for (; j < n && ((uintptr_t)(out + j) & 31); j++) {
            float v = w0 * h0[j] + w1 * h1[j];
            out[j] = clip ? imgconv_clip_f(v, lo, hi) : v;
        }
        if (clip)
            for (; j + 8 <= n; j += 8)
                _mm256_stream_ps(out + j, _mm256_min_ps(h8, _mm256_max_ps(l8, _mm256_add_ps(
                    _mm256_mul_ps(a8, _mm256_loadu_ps(h0 + j)),
                    _mm256_mul_ps(b8, _mm256_loadu_ps(h1 + j))))));
        else
            for (; j + 8 <= n; j += 8)
                _mm256_stream_ps(out + j,
                                 _mm256_add_ps(_mm256_mul_ps(a8, _mm256_loadu_ps(h0 + j)),
                                               _mm256_mul_ps(b8, _mm256_loadu_ps(h1 + j))));
    #endif
        for (; j < n && ((uintptr_t)(out + j) & 15); j++) {
            float v = w0 * h0[j] + w1 * h1[j];
            out[j] = clip ? imgconv_clip_f(v, lo, hi) : v;
        }
        for (; j + 4 <= n; j += 4) {
            __m128 v = _mm_add_ps(_mm_mul_ps(a, _mm_loadu_ps(h0 + j)),
                                  _mm_mul_ps(b, _mm_loadu_ps(h1 + j)));
            if (clip)   /* max(l, v) and min(h, v) return v when v is NaN */
                v = _mm_min_ps(h, _mm_max_ps(l, v));
            _mm_stream_ps(out + j, v);
        }
        _mm_sfence();
    #endif
        for (; j < n; j++) {
            float v = w0 * h0[j] + w1 * h1[j];
            out[j] = clip ? imgconv_clip_f(v, lo, hi) : v;
        }
    }

    /* the same in float64 */
    static void imgconv_stream_blend_d(const double* h0, const double* h1, double w0,
                                       double w1, Py_ssize_t n, double lo, double hi,
                                       int clip, double* out) {
        Py_ssize_t j = 0;
    #if IMGCONV_SSE2
        const __m128d a = _mm_set1_pd(w0), b = _mm_set1_pd(w1);
        const __m128d l = _mm_set1_pd(lo), h = _mm_set1_pd(hi);
        for (; j < n && ((uintptr_t)(out + j) & 15); j++) {
            double v = w0 * h0[j] + w1 * h1[j];
            out[j] = clip ? imgconv_clip_d(v, lo, hi) : v;
        }
        for (; j + 2 <= n; j += 2) {
            __m128d v = _mm_add_pd(_mm_mul_pd(a, _mm_loadu_pd(h0 + j)),
                                   _mm_mul_pd(b, _mm_loadu_pd(h1 + j)));
            if (clip)
                v = _mm_min_pd(h, _mm_max_pd(l, v));
            _mm_stream_pd(out + j, v);
        }
        _mm_sfence();
    #endif
        for (; j < n; j++) {
            double v = w0 * h0[j] + w1 * h1[j];
            out[j] = clip ? imgconv_clip_d(v, lo, hi) : v;
        }
    }

    /* out[j] = acc[j], clipped to [lo, hi] when clip, with streaming
       stores (float32 and float64) */
    static void imgconv_stream_store_f(const float* acc, Py_ssize_t n, float lo, float hi,
                                       int clip, float* out) {
        Py_ssize_t j = 0;
    #if IMGCONV_SSE2
        const __m128 l = _mm_set1_ps(lo), h = _mm_set1_ps(hi);
        for (; j < n && ((uintptr_t)(out + j) & 15); j++)
            out[j] = clip ? imgconv_clip_f(acc[j], lo, hi) : acc[j];
        for (; j + 4 <= n; j += 4) {
            __m128 v = _mm_loadu_ps(acc + j);
            if (clip)
                v = _mm_min_ps(h, _mm_max_ps(l, v));
            _mm_stream_ps(out + j, v);
        }
        _mm_sfence();
    #endif
        for (; j < n; j++)
            out[j] = clip ? imgconv_clip_f(acc[j], lo, hi) : acc[j];
    }

    static void imgconv_stream_store_d(const double* acc, Py_ssize_t n, double lo, double hi,
                                       int clip, double* out) {
        Py_ssize_t j = 0;
    #if IMGCONV_SSE2
        const __m128d l = _mm_set1_pd(lo), h = _mm_set1_pd(hi);
        for (; j < n && ((uintptr_t)(out + j) & 15); j++)
            out[j] = clip ? imgconv_clip_d(acc[j], lo, hi) : acc[j];
        for (; j + 2 <= n; j += 2) {
            __m128d v = _mm_loadu_pd(acc + j);
            if (clip)
                v = _mm_min_pd(h, _mm_max_pd(l, v));
            _mm_stream_pd(out + j, v);
        }
        _mm_sfence();
    #endif
        for (; j < n; j++)
            out[j] = clip ? imgconv_clip_d(acc[j], lo, hi) : acc[j];
    }

    /* memcpy with streaming stores (dst need not be aligned) */
    static void imgconv_stream_copy(const void* src, void* dst, Py_ssize_t n) {
        const char* s = (const char*)src;
        char* d = (char*)dst;
        Py_ssize_t j = 0;
    #if IMGCONV_SSE2
        for (; j < n && ((uintptr_t)(d + j) & 15); j++)
            d[j] = s[j];
        for (; j + 16 <= n; j += 16)
            _mm_stream_si128((__m128i*)(d + j), _mm_loadu_si128((const __m128i*)(s + j)));
        _mm_sfence();
    #endif
        for (; j < n; j++)
            d[j] = s[j];
    }

    /* smallest and largest of x[0..n), NaN skipped (+inf and -inf when
       all are NaN): minps and maxps return their second operand when the
       first is NaN */
    static void imgconv_range_f(const float* x, Py_ssize_t n, float* lo, float* hi) {
        Py_ssize_t j = 0;
        float l = INFINITY, h = -INFINITY;
    #if IMGCONV_SSE2
        __m128 vl = _mm_set1_ps(INFINITY), vh = _mm_set1_ps(-INFINITY);
        float a[4], b[4];
        for (; j + 4 <= n; j += 4) {
            __m128 v = _mm_loadu_ps(x + j);
            vl = _mm_min_ps(v, vl);
            vh = _mm_max_ps(v, vh);
        }
        _mm_storeu_ps(a, vl);
        _mm_storeu_ps(b, vh);
        for (int k = 0; k < 4; k++) {
            l = a[k] < l ? a[k] : l;
            h = b[k] > h ? b[k] : h;
        }
    #endif
        for (; j < n; j++) {            /* comparisons with NaN are false */
            l = x[j] < l ? x[j] : l;
            h = x[j] > h ? x[j] : h;
        }
        *lo = l;
        *hi = h;
    }

    static void imgconv_range_d(const double* x, Py_ssize_t n, double* lo, double* hi) {
        Py_ssize_t j = 0;
        double l = INFINITY, h = -INFINITY;
    #if IMGCONV_SSE2
        __m128d vl = _mm_set1_pd(INFINITY), vh = _mm_set1_pd(-INFINITY);
        double a[2], b[2];
        for (; j + 2 <= n; j += 2) {
            __m128d v = _mm_loadu_pd(x + j);
            vl = _mm_min_pd(v, vl);
            vh = _mm_max_pd(v, vh);
        }
        _mm_storeu_pd(a, vl);
        _mm_storeu_pd(b, vh);
        for (int k = 0; k < 2; k++) {
            l = a[k] < l ? a[k] : l;
            h = b[k] > h ? b[k] : h;
        }
    #endif
        for (; j < n; j++) {
            l = x[j] < l ? x[j] : l;
            h = x[j] > h ? x[j] : h;
        }
        *lo = l;
        *hi = h;
    }

    /* Interleave `count` contiguous lines of n doubles (line j at c + j*n)
       into block[i*count + j], and back. With AVX, 4x4 tiles transposed in
       registers, two side by side so that each line's 64-byte cache line is
       read or written whole at once (lines n apart map to few cache sets: a
       line left half done is evicted before the rest arrives). */
    #if defined(__AVX__)
    static inline void imgconv_tile4(const double* src, Py_ssize_t src_step,
                                     double* dst, Py_ssize_t dst_step) {
        __m256d r0 = _mm256_loadu_pd(src);
        __m256d r1 = _mm256_loadu_pd(src + src_step);
        __m256d r2 = _mm256_loadu_pd(src + 2 * src_step);
        __m256d r3 = _mm256_loadu_pd(src + 3 * src_step);
        __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1);
        __m256d t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
        _mm256_storeu_pd(dst, _mm256_permute2f128_pd(t0, t2, 0x20));
        _mm256_storeu_pd(dst + dst_step, _mm256_permute2f128_pd(t1, t3, 0x20));
        _mm256_storeu_pd(dst + 2 * dst_step, _mm256_permute2f128_pd(t0, t2, 0x31));
        _mm256_storeu_pd(dst + 3 * dst_step, _mm256_permute2f128_pd(t1, t3, 0x31));
    }
    #endif

    static void imgconv_into_lines(const double* c, Py_ssize_t n, Py_ssize_t count,
                                   double* block) {
        Py_ssize_t i = 0, j;
    #if defined(__AVX__)
        Py_ssize_t j4 = count & ~(Py_ssize_t)3;
        for (; i + 8 <= n; i += 8) {
            for (j = 0; j < j4; j += 4) {
                imgconv_tile4(c + j * n + i, n, block + i * count + j, count);
                imgconv_tile4(c + j * n + i + 4, n, block + (i + 4) * count + j, count);
            }
            for (; j < count; j++) {
                Py_ssize_t k;
                for (k = 0; k < 8; k++)
                    block[(i + k) * count + j] = c[j * n + i + k];
            }
        }
    #endif
        for (; i < n; i++)
            for (j = 0; j < count; j++)
                block[i * count + j] = c[j * n + i];
    }

    static void imgconv_from_lines(const double* block, Py_ssize_t n, Py_ssize_t count,
                                   double* c) {
        Py_ssize_t i = 0, j;
    #if defined(__AVX__)
        Py_ssize_t j4 = count & ~(Py_ssize_t)3;
        for (; i + 8 <= n; i += 8) {
            for (j = 0; j < j4; j += 4) {
                imgconv_tile4(block + i * count + j, count, c + j * n + i, n);
                imgconv_tile4(block + (i + 4) * count + j, count, c + j * n + i + 4, n);
            }
            for (; j < count; j++) {
                Py_ssize_t k;
                for (k = 0; k < 8; k++)
                    c[j * n + i + k] = block[(i + k) * count + j];
            }
        }
    #endif
        for (; i < n; i++)
            for (j = 0; j < count; j++)
                c[j * n + i] = block[i * count + j];
    }

    /* into_lines / from_lines for float lines: converted to and from the
       block of doubles (8x4 tiles: eight floats per line, a 32-byte half of
       a cache line, at once). */
    static void imgconv_into_lines_f(const float* c, Py_ssize_t n, Py_ssize_t count,
                                     double* block) {
        Py_ssize_t i = 0, j, k;
    #if defined(__AVX__)
        Py_ssize_t j4 = count & ~(Py_ssize_t)3;
        for (; i + 8 <= n; i += 8) {
            for (j = 0; j < j4; j += 4) {
                /* 4 lines x 8 floats: two 4x4 tiles of doubles */
                for (k = 0; k < 8; k += 4) {
                    __m256d r0 = _mm256_cvtps_pd(_mm_loadu_ps(c + j * n + i + k));
                    __m256d r1 = _mm256_cvtps_pd(_mm_loadu_ps(c + (j + 1) * n + i + k));
                    __m256d r2 = _mm256_cvtps_pd(_mm_loadu_ps(c + (j + 2) * n + i + k));
                    __m256d r3 = _mm256_cvtps_pd(_mm_loadu_ps(c + (j + 3) * n + i + k));
                    __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1);
                    __m256d t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
                    double* d = block + (i + k) * count + j;
                    _mm256_storeu_pd(d, _mm256_permute2f128_pd(t0, t2, 0x20));
                    _mm256_storeu_pd(d + count, _mm256_permute2f128_pd(t1, t3, 0x20));
                    _mm256_storeu_pd(d + 2 * count, _mm256_permute2f128_pd(t0, t2, 0x31));
                    _mm256_storeu_pd(d + 3 * count, _mm256_permute2f128_pd(t1, t3, 0x31));
                }
            }
            for (; j < count; j++)
                for (k = 0; k < 8; k++)
                    block[(i + k) * count + j] = c[j * n + i + k];
        }
    #endif
        for (; i + 8 <= n; i += 8)
            for (j = 0; j < count; j++)
                for (k = 0; k < 8; k++)
                    block[(i + k) * count + j] = c[j * n + i + k];
        for (; i < n; i++)
            for (j = 0; j < count; j++)
                block[i * count + j] = c[j * n + i];
    }

    static void imgconv_from_lines_f(const double* block, Py_ssize_t n, Py_ssize_t count,
                                     float* c) {
        Py_ssize_t i = 0, j, k;
    #if defined(__AVX__)
        Py_ssize_t j4 = count & ~(Py_ssize_t)3;
        for (; i + 8 <= n; i += 8) {
            for (j = 0; j < j4; j += 4) {
                for (k = 0; k < 8; k += 4) {
                    const double* s = block + (i + k) * count + j;
                    __m256d r0 = _mm256_loadu_pd(s), r1 = _mm256_loadu_pd(s + count);
                    __m256d r2 = _mm256_loadu_pd(s + 2 * count);
                    __m256d r3 = _mm256_loadu_pd(s + 3 * count);
                    __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1);
                    __m256d t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
                    _mm_storeu_ps(c + j * n + i + k,
                                  _mm256_cvtpd_ps(_mm256_permute2f128_pd(t0, t2, 0x20)));
                    _mm_storeu_ps(c + (j + 1) * n + i + k,
                                  _mm256_cvtpd_ps(_mm256_permute2f128_pd(t1, t3, 0x20)));
                    _mm_storeu_ps(c + (j + 2) * n + i + k,
                                  _mm256_cvtpd_ps(_mm256_permute2f128_pd(t0, t2, 0x31)));
                    _mm_storeu_ps(c + (j + 3) * n + i + k,
                                  _mm256_cvtpd_ps(_mm256_permute2f128_pd(t1, t3, 0x31)));
                }
            }
            for (; j < count; j++)
                for (k = 0; k < 8; k++)
                    c[j * n + i + k] = (float)block[(i + k) * count + j];
        }
    #endif
        for (; i + 8 <= n; i += 8)
            for (j = 0; j < count; j++)
                for (k = 0; k < 8; k++)
                    c[j * n + i + k] = (float)block[(i + k) * count + j];
        for (; i < n; i++)
            for (j = 0; j < count; j++)
                c[j * n + i] = (float)block[i * count + j];
    }

    /* out[j] = uint8 of acc[j] (float64): with unit = 0, clipped to
       [lo, hi] (0 <= lo <= hi <= 255) and rounded half to even; with unit =
       2**-shift (a fixed-point pass), floor((acc[j] + 2**(shift-1)) * unit)
       clipped. The same bits as the scalar loop (cvtpd2dq rounds half to
       even in the default mode; floor and the power-of-two scaling are
       exact). */
    static void imgconv_store_u8_f64(const double* acc, Py_ssize_t n, double lo, double hi,
                                     double unit, uint8_t* out) {
        Py_ssize_t j = 0;
        const double half = unit != 0 ? 0.5 / unit : 0.0;
    #if defined(__AVX2__)
        const __m256d l = _mm256_set1_pd(lo), h = _mm256_set1_pd(hi);
        const __m256d u = _mm256_set1_pd(unit), a = _mm256_set1_pd(half);
        const __m128i pick = _mm_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1,
                                           -1, -1, -1, -1, -1, -1, -1, -1);
        for (; j + 4 <= n; j += 4) {
            __m256d v = _mm256_loadu_pd(acc + j);
            if (unit != 0)
                v = _mm256_floor_pd(_mm256_mul_pd(_mm256_add_pd(v, a), u));
            v = _mm256_min_pd(h, _mm256_max_pd(l, v));
            __m128i q = _mm_shuffle_epi8(_mm256_cvtpd_epi32(v), pick);
            int32_t word = _mm_cvtsi128_si32(q);
            memcpy(out + j, &word, 4);
        }
    #endif
        for (; j < n; j++) {
            double v = acc[j];
            if (unit != 0) {
                v = (v + half) * unit;
                double r = (v + 6755399441055744.0) - 6755399441055744.0;
                v = r - (r > v);
            }
            v = v < lo ? lo : v;
            v = v > hi ? hi : v;
            out[j] = (uint8_t)((v + 6755399441055744.0) - 6755399441055744.0);
        }
    }

    /* a value in [0, 255] rounded half to even, as an uint8 */
    static inline uint8_t imgconv_round_u8(float v) {
        v = (v + 12582912.0f) - 12582912.0f;
        return (uint8_t)v;
    }

    /* out[j] = round(clip(w0*h0[j] + w1*h1[j], lo, hi)), 0 <= lo <= hi <= 255 */
    static void imgconv_blend_u8(const float* h0, const float* h1, float w0, float w1,
                                 Py_ssize_t n, float lo, float hi, uint8_t* out) {
        Py_ssize_t j = 0;
    #if IMGCONV_SSE2
        const __m128 a = _mm_set1_ps(w0), b = _mm_set1_ps(w1);
        const __m128 l = _mm_set1_ps(lo), h = _mm_set1_ps(hi);
        for (; j + 16 <= n; j += 16) {
            __m128i q[4];
            int k;
            for (k = 0; k < 4; k++) {
                __m128 v = _mm_add_ps(_mm_mul_ps(a, _mm_loadu_ps(h0 + j + 4 * k)),
                                      _mm_mul_ps(b, _mm_loadu_ps(h1 + j + 4 * k)));
                q[k] = _mm_cvtps_epi32(_mm_min_ps(h, _mm_max_ps(l, v)));
            }
            _mm_storeu_si128((__m128i*)(out + j),
                             _mm_packus_epi16(_mm_packs_epi32(q[0], q[1]),
                                              _mm_packs_epi32(q[2], q[3])));
        }
    #endif
        for (; j < n; j++)
            out[j] = imgconv_round_u8(imgconv_clip_f(w0 * h0[j] + w1 * h1[j], lo, hi));
    }
    """
    void stream_blend_f "imgconv_stream_blend_f" (
        const float* h0, const float* h1, float w0, float w1, Py_ssize_t n, float lo,
        float hi, bint clip, float* out) noexcept nogil
    void stream_blend_d "imgconv_stream_blend_d" (
        const double* h0, const double* h1, double w0, double w1, Py_ssize_t n, double lo,
        double hi, bint clip, double* out) noexcept nogil
    void stream_store_f "imgconv_stream_store_f" (
        const float* acc, Py_ssize_t n, float lo, float hi, bint clip, float* out) noexcept nogil
    void stream_store_d "imgconv_stream_store_d" (
        const double* acc, Py_ssize_t n, double lo, double hi, bint clip,
        double* out) noexcept nogil
    void range_f "imgconv_range_f" (const float* x, Py_ssize_t n, float* lo,
                                    float* hi) noexcept nogil
    void range_d "imgconv_range_d" (const double* x, Py_ssize_t n, double* lo,
                                    double* hi) noexcept nogil
    void stream_copy "imgconv_stream_copy" (const void* src, void* dst,
                                            Py_ssize_t n) noexcept nogil
    void into_lines "imgconv_into_lines" (const double* c, Py_ssize_t n, Py_ssize_t count,
                                          double* block) noexcept nogil
    void from_lines "imgconv_from_lines" (const double* block, Py_ssize_t n, Py_ssize_t count,
                                          double* c) noexcept nogil
    void into_lines_f "imgconv_into_lines_f" (const float* c, Py_ssize_t n, Py_ssize_t count,
                                              double* block) noexcept nogil
    void from_lines_f "imgconv_from_lines_f" (const double* block, Py_ssize_t n,
                                              Py_ssize_t count, float* c) noexcept nogil
    void store_u8_f64 "imgconv_store_u8_f64" (
        const double* acc, Py_ssize_t n, double lo, double hi, double unit,
        unsigned char* out) noexcept nogil
    void blend_u8 "imgconv_blend_u8" (
        const float* h0, const float* h1, float w0, float w1, Py_ssize_t n, float lo,
        float hi, unsigned char* out) noexcept nogil
