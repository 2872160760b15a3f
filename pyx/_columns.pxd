# Header-only: the column pass of the resampler (one row resampled along its
# pixels) in AVX2, where the compiler targets it; elsewhere every function
# computes nothing and returns its first output, and the caller's scalar
# loop does the work.
#
# Tables are planar: tap t of output o is index[t*m + o] (int32) with weight
# weight[t*m + o]; in the window form only index[o] is read (the first of
# consecutive taps). Every output is the scalar loop's sum, lane by lane:
# acc = w0 * x0, then acc = acc + w_t * x_t in tap order, integers read as
# (float) value * scale, without fused multiply-adds; so the bits do not
# depend on where the SIMD part stops.
#
# Gray rows gather 8 (float) or 4 (double) outputs at a time. Rows of 2 to 4
# interleaved channels load each tap pixel whole into one vector (a few
# elements past it, as far as `limit` allows) and store it with a mask.
# The caller passes `limit`, the elements readable from `src`, and gets back
# the first output it must still compute: all of them where a load would
# read past `limit`.
cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    #if defined(__AVX2__)
    #include <immintrin.h>
    #define IMGCONV_AVX2 1
    #else
    #define IMGCONV_AVX2 0
    #endif

    #if IMGCONV_AVX2
    /* 8 / 4 elements at int32 element offsets, as float / double vectors */
    static inline __m256 imgconv_g8_f32(const float* s, __m256i i) {
        return _mm256_i32gather_ps(s, i, 4);
    }
    static inline __m256 imgconv_g8_u8(const uint8_t* s, __m256i i) {
        __m256i v = _mm256_i32gather_epi32((const int*)s, i, 1);
        return _mm256_cvtepi32_ps(_mm256_and_si256(v, _mm256_set1_epi32(0xFF)));
    }
    static inline __m256 imgconv_g8_u16(const uint16_t* s, __m256i i) {
        __m256i v = _mm256_i32gather_epi32((const int*)s, i, 2);
        return _mm256_cvtepi32_ps(_mm256_and_si256(v, _mm256_set1_epi32(0xFFFF)));
    }
    static inline __m256d imgconv_g4_f64(const double* s, __m128i i) {
        return _mm256_i32gather_pd(s, i, 8);
    }
    static inline __m256d imgconv_g4_f32(const float* s, __m128i i) {
        return _mm256_cvtps_pd(_mm_i32gather_ps(s, i, 4));
    }
    static inline __m256d imgconv_g4_u8(const uint8_t* s, __m128i i) {
        __m128i v = _mm_i32gather_epi32((const int*)s, i, 1);
        return _mm256_cvtepi32_pd(_mm_and_si128(v, _mm_set1_epi32(0xFF)));
    }
    static inline __m256d imgconv_g4_u16(const uint16_t* s, __m128i i) {
        __m128i v = _mm_i32gather_epi32((const int*)s, i, 2);
        return _mm256_cvtepi32_pd(_mm_and_si128(v, _mm_set1_epi32(0xFFFF)));
    }
    /* one pixel of up to 4 channels at element p, as a float / double vector */
    static inline __m128 imgconv_p4_f32(const float* s) { return _mm_loadu_ps(s); }
    static inline __m128 imgconv_p4f_u8(const uint8_t* s) {
        int32_t w; memcpy(&w, s, 4);
        return _mm_cvtepi32_ps(_mm_cvtepu8_epi32(_mm_cvtsi32_si128(w)));
    }
    static inline __m128 imgconv_p4f_u16(const uint16_t* s) {
        return _mm_cvtepi32_ps(_mm_cvtepu16_epi32(_mm_loadl_epi64((const __m128i*)s)));
    }
    static inline __m256d imgconv_p4_f64(const double* s) { return _mm256_loadu_pd(s); }
    static inline __m256d imgconv_p4d_f32(const float* s) {
        return _mm256_cvtps_pd(_mm_loadu_ps(s));
    }
    static inline __m256d imgconv_p4d_u8(const uint8_t* s) {
        int32_t w; memcpy(&w, s, 4);
        return _mm256_cvtepi32_pd(_mm_cvtepu8_epi32(_mm_cvtsi32_si128(w)));
    }
    static inline __m256d imgconv_p4d_u16(const uint16_t* s) {
        return _mm256_cvtepi32_pd(_mm_cvtepu16_epi32(_mm_loadl_epi64((const __m128i*)s)));
    }
    #endif

    #if IMGCONV_AVX2
    /* 8 floats at relative offsets rel (each in [0, 16)) of the 16 floats
       lo:hi, by two in-register permutes: the window form's loads when the
       taps of 8 outputs span at most 16 pixels (enlarging, or shrinking a
       little), a few times cheaper than a gather. */
    static inline __m256 imgconv_pick16(__m256 lo, __m256 hi, __m256i rel) {
        __m256 a = _mm256_permutevar8x32_ps(lo, rel);
        __m256 b = _mm256_permutevar8x32_ps(hi, rel);
        __m256i upper = _mm256_cmpgt_epi32(rel, _mm256_set1_epi32(7));
        return _mm256_blendv_ps(a, b, _mm256_castsi256_ps(upper));
    }
    /* 4 doubles at relative offsets rel (each in [0, 8)) of the 8 doubles lo:hi */
    static inline __m256d imgconv_pick8d(__m256d lo, __m256d hi, __m128i rel) {
        /* double k is the float pair (2k, 2k+1) */
        __m256i pairs = _mm256_cvtepu32_epi64(rel);
        pairs = _mm256_or_si256(_mm256_slli_epi64(pairs, 33),
                                _mm256_add_epi64(_mm256_slli_epi64(pairs, 1),
                                                 _mm256_set1_epi64x((long long)1 << 32)));
        __m256i idx = _mm256_and_si256(pairs, _mm256_set1_epi32(7));
        __m256 a = _mm256_permutevar8x32_ps(_mm256_castpd_ps(lo), idx);
        __m256 b = _mm256_permutevar8x32_ps(_mm256_castpd_ps(hi), idx);
        __m256i upper = _mm256_cmpgt_epi32(pairs, _mm256_set1_epi32(7));
        return _mm256_castps_pd(_mm256_blendv_ps(a, b, _mm256_castsi256_ps(upper)));
    }
    #endif

    /* elements a gather or pixel load may read beyond the one it needs */
    #define IMGCONV_OVERREAD(T) ((ptrdiff_t)((4 + sizeof(T) - 1) / sizeof(T)) - 1)

    /* Gray rows, float accumulation: outputs [o, o1) eight at a time. */
    #define IMGCONV_GRAY_F32(NAME, T, SUF, SCALED)                                          \\
    static ptrdiff_t NAME(const T* src, ptrdiff_t limit, int window, int taps,              \\
                          const int32_t* index, const float* weight, ptrdiff_t m,            \\
                          ptrdiff_t o, ptrdiff_t o1, float scale, float* dst) {             \\
        IMGCONV_GRAY_F32_BODY(T, SUF, SCALED)                                               \\
        return o;                                                                           \\
    }
    #if IMGCONV_AVX2
    #define IMGCONV_GRAY_F32_BODY(T, SUF, SCALED)                                           \\
        const __m256 sc = _mm256_set1_ps(scale);                                            \\
        const ptrdiff_t last = limit - 1 - IMGCONV_OVERREAD(T);                             \\
        (void)sc;                                                                           \\
        if (IMGCONV_PERMUTES_F32(SUF) && window && taps == 2) {                             \\
            /* linear interpolation while enlarging: a tight loop of its own */            \\
            const float* s = (const float*)(const void*)src;                               \\
            const __m256i one = _mm256_set1_epi32(1);                                      \\
            for (; o + 8 <= o1; o += 8) {                                                  \\
                const int32_t f0 = index[o];                                               \\
                if (index[o + 7] - f0 > 6 || f0 + 8 > limit) break;                        \\
                __m256 row = _mm256_loadu_ps(s + f0);                                      \\
                __m256i rel = _mm256_sub_epi32(                                            \\
                    _mm256_loadu_si256((const __m256i*)(index + o)), _mm256_set1_epi32(f0)); \\
                __m256 a = _mm256_permutevar8x32_ps(row, rel);                             \\
                __m256 b = _mm256_permutevar8x32_ps(row, _mm256_add_epi32(rel, one));      \\
                _mm256_storeu_ps(dst + o, _mm256_add_ps(                                    \\
                    _mm256_mul_ps(_mm256_loadu_ps(weight + o), a),                         \\
                    _mm256_mul_ps(_mm256_loadu_ps(weight + m + o), b)));                   \\
            }                                                                              \\
        }                                                                                  \\
        for (; o + 8 <= o1; o += 8) {                                                       \\
            __m256i base = _mm256_loadu_si256((const __m256i*)(index + o));                 \\
            int k, t;                                                                       \\
            if (IMGCONV_OVERREAD(T) > 0) {  /* byte gathers read past their element */      \\
                ptrdiff_t high = 0;                                                         \\
                for (t = 0; t < (window ? 1 : taps); t++)                                   \\
                    for (k = 0; k < 8; k++)                                                 \\
                        high = index[t*m + o + k] > high ? index[t*m + o + k] : high;       \\
                if ((window ? high + taps - 1 : high) > last) break;                        \\
            }                                                                               \\
            __m256 v, acc;                                                                  \\
            if (IMGCONV_PERMUTES_F32(SUF) && window && index[o + 7] - index[o] + taps <= 8       \\
                    && index[o] + 8 <= limit) {                                             \\
                /* enlarging: eight outputs read within eight pixels, one permute */        \\
                const float* s0 = (const float*)(const void*)src + index[o];                \\
                __m256 row = _mm256_loadu_ps(s0);                                           \\
                __m256i rel = _mm256_sub_epi32(base, _mm256_set1_epi32(index[o]));          \\
                acc = _mm256_mul_ps(_mm256_loadu_ps(weight + o),                            \\
                                    _mm256_permutevar8x32_ps(row, rel));                    \\
                for (t = 1; t < taps; t++) {                                                \\
                    v = _mm256_permutevar8x32_ps(                                           \\
                        row, _mm256_add_epi32(rel, _mm256_set1_epi32(t)));                  \\
                    acc = _mm256_add_ps(acc, _mm256_mul_ps(                                 \\
                        _mm256_loadu_ps(weight + t*m + o), v));                             \\
                }                                                                           \\
                _mm256_storeu_ps(dst + o, acc);                                             \\
                continue;                                                                   \\
            }                                                                               \\
            if (IMGCONV_PERMUTES_F32(SUF) && window && index[o + 7] - index[o] + taps <= 16      \\
                    && index[o] + 16 <= limit) {                                            \\
                const float* s0 = (const float*)(const void*)src + index[o];                \\
                __m256 lo = _mm256_loadu_ps(s0), hi = _mm256_loadu_ps(s0 + 8);              \\
                __m256i rel = _mm256_sub_epi32(base, _mm256_set1_epi32(index[o]));          \\
                acc = _mm256_mul_ps(_mm256_loadu_ps(weight + o), imgconv_pick16(lo, hi, rel)); \\
                for (t = 1; t < taps; t++) {                                                \\
                    v = imgconv_pick16(lo, hi, _mm256_add_epi32(rel, _mm256_set1_epi32(t))); \\
                    acc = _mm256_add_ps(acc, _mm256_mul_ps(                                 \\
                        _mm256_loadu_ps(weight + t*m + o), v));                             \\
                }                                                                           \\
                _mm256_storeu_ps(dst + o, acc);                                             \\
                continue;                                                                   \\
            }                                                                               \\
            v = SCALED(imgconv_g8_##SUF(src, base));                                        \\
            acc = _mm256_mul_ps(_mm256_loadu_ps(weight + o), v);                            \\
            for (t = 1; t < taps; t++) {                                                    \\
                __m256i i = window ? _mm256_add_epi32(base, _mm256_set1_epi32(t))           \\
                    : _mm256_loadu_si256((const __m256i*)(index + t*m + o));                 \\
                v = SCALED(imgconv_g8_##SUF(src, i));                                       \\
                acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_loadu_ps(weight + t*m + o), v)); \\
            }                                                                               \\
            _mm256_storeu_ps(dst + o, acc);                                                 \\
        }
    #else
    #define IMGCONV_GRAY_F32_BODY(T, SUF, SCALED) (void)src; (void)limit; (void)window;     \\
        (void)taps; (void)index; (void)weight; (void)m; (void)o1; (void)scale; (void)dst;
    #endif

    /* Gray rows, double accumulation: outputs [o, o1) four at a time. */
    #define IMGCONV_GRAY_F64(NAME, T, SUF, SCALED)                                          \\
    static ptrdiff_t NAME(const T* src, ptrdiff_t limit, int window, int taps,              \\
                          const int32_t* index, const double* weight, ptrdiff_t m,           \\
                          ptrdiff_t o, ptrdiff_t o1, double scale, double* dst) {           \\
        IMGCONV_GRAY_F64_BODY(T, SUF, SCALED)                                               \\
        return o;                                                                           \\
    }
    #if IMGCONV_AVX2
    #define IMGCONV_GRAY_F64_BODY(T, SUF, SCALED)                                           \\
        const __m256d sc = _mm256_set1_pd(scale);                                           \\
        const ptrdiff_t last = limit - 1 - IMGCONV_OVERREAD(T);                             \\
        (void)sc;                                                                           \\
        for (; o + 4 <= o1; o += 4) {                                                       \\
            __m128i base = _mm_loadu_si128((const __m128i*)(index + o));                    \\
            int k, t;                                                                       \\
            if (IMGCONV_OVERREAD(T) > 0) {                                                  \\
                ptrdiff_t high = 0;                                                         \\
                for (t = 0; t < (window ? 1 : taps); t++)                                   \\
                    for (k = 0; k < 4; k++)                                                 \\
                        high = index[t*m + o + k] > high ? index[t*m + o + k] : high;       \\
                if ((window ? high + taps - 1 : high) > last) break;                        \\
            }                                                                               \\
            __m256d v, acc;                                                                 \\
            if (IMGCONV_PERMUTES_F64(SUF) && window && index[o + 3] - index[o] + taps <= 8       \\
                    && index[o] + 8 <= limit) {                                             \\
                const double* s0 = (const double*)(const void*)src + index[o];              \\
                __m256d lo = _mm256_loadu_pd(s0), hi = _mm256_loadu_pd(s0 + 4);             \\
                __m128i rel = _mm_sub_epi32(base, _mm_set1_epi32(index[o]));                \\
                acc = _mm256_mul_pd(_mm256_loadu_pd(weight + o), imgconv_pick8d(lo, hi, rel)); \\
                for (t = 1; t < taps; t++) {                                                \\
                    v = imgconv_pick8d(lo, hi, _mm_add_epi32(rel, _mm_set1_epi32(t)));      \\
                    acc = _mm256_add_pd(acc, _mm256_mul_pd(                                 \\
                        _mm256_loadu_pd(weight + t*m + o), v));                             \\
                }                                                                           \\
                _mm256_storeu_pd(dst + o, acc);                                             \\
                continue;                                                                   \\
            }                                                                               \\
            v = SCALED(imgconv_g4_##SUF(src, base));                                        \\
            acc = _mm256_mul_pd(_mm256_loadu_pd(weight + o), v);                            \\
            for (t = 1; t < taps; t++) {                                                    \\
                __m128i i = window ? _mm_add_epi32(base, _mm_set1_epi32(t))                 \\
                    : _mm_loadu_si128((const __m128i*)(index + t*m + o));                    \\
                v = SCALED(imgconv_g4_##SUF(src, i));                                       \\
                acc = _mm256_add_pd(acc, _mm256_mul_pd(_mm256_loadu_pd(weight + t*m + o), v)); \\
            }                                                                               \\
            _mm256_storeu_pd(dst + o, acc);                                                 \\
        }
    #else
    #define IMGCONV_GRAY_F64_BODY(T, SUF, SCALED) (void)src; (void)limit; (void)window;     \\
        (void)taps; (void)index; (void)weight; (void)m; (void)o1; (void)scale; (void)dst;
    #endif

    /* Rows of 2-4 interleaved channels: one pixel per vector. */
    #define IMGCONV_PIXELS(NAME, T, ACC, BODY)                                              \\
    static ptrdiff_t NAME(const T* src, ptrdiff_t channels, ptrdiff_t limit, int window,   \\
                          int taps, const int32_t* index, const ACC* weight, ptrdiff_t m,    \\
                          ptrdiff_t o, ptrdiff_t o1, ACC scale, ACC* dst) {                 \\
        BODY                                                                                \\
        return o;                                                                           \\
    }
    #if IMGCONV_AVX2
    /* A pixel of 2-4 values stored from a 4-lane vector, the pixels in
       increasing order: a plain store where the lanes past the pixel fall on
       the next pixel of the range (stored after it), a masked store for the
       range's last one (masked stores are slow on some CPUs). */
    #define IMGCONV_STORE_PIXEL_PS(dst, o, o1, channels, mask, v)                               \\
        ((o) + 1 < (o1) ? _mm_storeu_ps((dst) + (o) * (channels), v)                            \\
                        : _mm_maskstore_ps((dst) + (o) * (channels), mask, v))
    #define IMGCONV_STORE_PIXEL_PD(dst, o, o1, channels, mask, v)                               \\
        ((o) + 1 < (o1) ? _mm256_storeu_pd((dst) + (o) * (channels), v)                         \\
                        : _mm256_maskstore_pd((dst) + (o) * (channels), mask, v))
    /* One pixel per vector: VEC of 4 lanes, W the weights' type. */
    #define IMGCONV_PIXELS_BODY(T, LOAD, SCALED, VEC, SET1, MUL, ADD, STORE, W, MASK)           \\
        const VEC sc = SET1(scale);                                                             \\
        (void)sc;                                                                               \\
        MASK;                                                                                   \\
        const ptrdiff_t last = limit - 4;                                                       \\
        if (window && taps == 2)     /* linear interpolation: its own tight loop */             \\
            for (; o < o1; o++) {                                                               \\
                const ptrdiff_t p = (ptrdiff_t)index[o] * channels;                             \\
                if (p + channels > last) return o;                                              \\
                if (o + 16 < o1)     /* the source row is read once: from memory */             \\
                    _mm_prefetch((const char*)(src + (ptrdiff_t)index[o + 16] * channels),      \\
                                 _MM_HINT_T0);                                                  \\
                STORE(dst, o, o1, channels, mask, ADD(                                          \\
                    MUL(SET1(weight[o]), SCALED(LOAD(src + p))),                                \\
                    MUL(SET1(weight[m + o]), SCALED(LOAD(src + p + channels)))));               \\
            }                                                                                   \\
        /* four outputs at a time: four independent sums, each in tap order */                  \\
        for (; o + 4 <= o1; o += 4) {                                                           \\
            int t, k, inside = 1;                                                               \\
            for (k = 0; k < 4 && inside; k++)                                                   \\
                for (t = window ? taps - 1 : 0; t < taps; t++)                                  \\
                    if ((window ? index[o + k] + t : index[t*m + o + k]) * channels > last) {   \\
                        inside = 0; break;                                                      \\
                    }                                                                           \\
            if (!inside) break;                                                                 \\
            const T* s[4];                                                                      \\
            VEC acc[4];                                                                         \\
            for (k = 0; k < 4; k++) {                                                           \\
                s[k] = src + (ptrdiff_t)index[o + k] * channels;                                \\
                acc[k] = MUL(SET1(weight[o + k]), SCALED(LOAD(s[k])));                          \\
            }                                                                                   \\
            for (t = 1; t < taps; t++) {                                                        \\
                const W* w = weight + t*m + o;                                                  \\
                for (k = 0; k < 4; k++) {                                                       \\
                    s[k] = window ? s[k] + channels                                             \\
                                  : src + (ptrdiff_t)index[t*m + o + k] * channels;             \\
                    acc[k] = ADD(acc[k], MUL(SET1(w[k]), SCALED(LOAD(s[k]))));                  \\
                }                                                                               \\
            }                                                                                   \\
            for (k = 0; k < 4; k++)                                                             \\
                STORE(dst, o + k, o1, channels, mask, acc[k]);                                  \\
        }                                                                                       \\
        for (; o < o1; o++) {                                                                   \\
            int t; ptrdiff_t p;                                                                 \\
            for (t = 0; t < taps; t++) {                                                        \\
                p = (window ? index[o] + t : index[t*m + o]) * channels;                        \\
                if (p > last) return o;                                                         \\
            }                                                                                   \\
            p = (ptrdiff_t)index[o] * channels;                                                 \\
            VEC acc = MUL(SET1(weight[o]), SCALED(LOAD(src + p)));                              \\
            for (t = 1; t < taps; t++) {                                                        \\
                p = (window ? index[o] + t : index[t*m + o]) * channels;                        \\
                acc = ADD(acc, MUL(SET1(weight[t*m + o]), SCALED(LOAD(src + p))));              \\
            }                                                                                   \\
            STORE(dst, o, o1, channels, mask, acc);                                             \\
        }
    #define IMGCONV_PIXELS_F32(T, LOAD, SCALED)                                                 \\
        IMGCONV_PIXELS_BODY(T, LOAD, SCALED, __m128, _mm_set1_ps, _mm_mul_ps, _mm_add_ps,       \\
                            IMGCONV_STORE_PIXEL_PS, float,                                      \\
                            const __m128i mask = _mm_cmpgt_epi32(                               \\
                                _mm_set1_epi32((int)channels), _mm_setr_epi32(0, 1, 2, 3)))
    #define IMGCONV_PIXELS_F64(T, LOAD, SCALED)                                                 \\
        IMGCONV_PIXELS_BODY(T, LOAD, SCALED, __m256d, _mm256_set1_pd, _mm256_mul_pd,            \\
                            _mm256_add_pd, IMGCONV_STORE_PIXEL_PD, double,                      \\
                            const __m256i mask = _mm256_cmpgt_epi64(                            \\
                                _mm256_set1_epi64x(channels), _mm256_setr_epi64x(0, 1, 2, 3)))
    #else
    #define IMGCONV_PIXELS_F32(T, LOAD, SCALED) (void)src; (void)channels; (void)limit;     \\
        (void)window; (void)taps; (void)index; (void)weight; (void)m; (void)o1;              \\
        (void)scale; (void)dst;
    #define IMGCONV_PIXELS_F64(T, LOAD, SCALED) IMGCONV_PIXELS_F32(T, LOAD, SCALED)
    #endif

    /* the permute path loads the source as it is: a source of the
       accumulator's type only */
    #define IMGCONV_PERMUTES_F32(SUF) IMGCONV_IS_F32_##SUF
    #define IMGCONV_PERMUTES_F64(SUF) IMGCONV_IS_F64_##SUF
    #define IMGCONV_IS_F32_f32 1
    #define IMGCONV_IS_F32_f64 0
    #define IMGCONV_IS_F32_u8 0
    #define IMGCONV_IS_F32_u16 0
    #define IMGCONV_IS_F64_f32 0
    #define IMGCONV_IS_F64_f64 1
    #define IMGCONV_IS_F64_u8 0
    #define IMGCONV_IS_F64_u16 0
    /* The phases of an integer factor s: output s*q + r reads taps
       first[r] + q + t with weight w[r*taps + t] (t < taps), for q in
       [q0, q1). Gray rows with s = 2 compute eight q of both phases from
       contiguous loads and interleave them in registers (16 outputs); rows
       of 2-4 channels take one pixel per vector. Return the first q left to
       the caller (all of them where AVX2 is off). */
    #define IMGCONV_PHASE2_GRAY(NAME, T, VEC, LANES, LOAD, SET1, MUL, ADD, STORE2)         \\
    static ptrdiff_t NAME(const T* src, ptrdiff_t q0, ptrdiff_t q1, int taps,              \\
                          const ptrdiff_t* first, const T* w, T* dst) {                    \\
        ptrdiff_t q = q0;                                                                  \\
        IMGCONV_PHASE2_BODY(T, VEC, LANES, LOAD, SET1, MUL, ADD, STORE2)                   \\
        return q;                                                                          \\
    }
    #if IMGCONV_AVX2
    #define IMGCONV_PHASE2_BODY(T, VEC, LANES, LOAD, SET1, MUL, ADD, STORE2)               \\
        if (taps > 8) return q;                                                            \\
        VEC w0[8], w1[8];                                                                  \\
        int t;                                                                             \\
        for (t = 0; t < taps; t++) { w0[t] = SET1(w[t]); w1[t] = SET1(w[taps + t]); }      \\
        for (; q + LANES <= q1; q += LANES) {                                              \\
            const T* a = src + q + first[0];                                               \\
            const T* b = src + q + first[1];                                               \\
            VEC p0 = MUL(w0[0], LOAD(a)), p1 = MUL(w1[0], LOAD(b));                        \\
            for (t = 1; t < taps; t++) {                                                   \\
                p0 = ADD(p0, MUL(w0[t], LOAD(a + t)));                                     \\
                p1 = ADD(p1, MUL(w1[t], LOAD(b + t)));                                     \\
            }                                                                              \\
            STORE2(dst + 2 * q, p0, p1);                                                   \\
        }
    static inline void imgconv_store2_ps(float* d, __m256 p0, __m256 p1) {
        __m256 lo = _mm256_unpacklo_ps(p0, p1), hi = _mm256_unpackhi_ps(p0, p1);
        _mm256_storeu_ps(d, _mm256_permute2f128_ps(lo, hi, 0x20));
        _mm256_storeu_ps(d + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
    }
    static inline void imgconv_store2_pd(double* d, __m256d p0, __m256d p1) {
        __m256d lo = _mm256_unpacklo_pd(p0, p1), hi = _mm256_unpackhi_pd(p0, p1);
        _mm256_storeu_pd(d, _mm256_permute2f128_pd(lo, hi, 0x20));
        _mm256_storeu_pd(d + 4, _mm256_permute2f128_pd(lo, hi, 0x31));
    }
    #else
    #define IMGCONV_PHASE2_BODY(T, VEC, LANES, LOAD, SET1, MUL, ADD, STORE2)               \\
        (void)src; (void)q1; (void)taps; (void)first; (void)w; (void)dst;
    #endif
    IMGCONV_PHASE2_GRAY(imgconv_phase2_gray_f32, float, __m256, 8, _mm256_loadu_ps,
                        _mm256_set1_ps, _mm256_mul_ps, _mm256_add_ps, imgconv_store2_ps)
    IMGCONV_PHASE2_GRAY(imgconv_phase2_gray_f64, double, __m256d, 4, _mm256_loadu_pd,
                        _mm256_set1_pd, _mm256_mul_pd, _mm256_add_pd, imgconv_store2_pd)

    /* Rows of 2-4 channels, any factor: one output pixel per vector, stored
       in increasing order (IMGCONV_STORE_PIXEL_*). */
    #define IMGCONV_PHASE_PIXELS(NAME, T, VEC, LOAD, SET1, MUL, ADD, MASKSTORE, MASK)       \\
    static ptrdiff_t NAME(const T* src, ptrdiff_t channels, ptrdiff_t limit,               \\
                          ptrdiff_t factor, ptrdiff_t q0, ptrdiff_t q1, int taps,          \\
                          const ptrdiff_t* first, const T* w, T* dst) {                    \\
        ptrdiff_t q = q0;                                                                  \\
        IMGCONV_PHASE_PIXELS_BODY(T, VEC, LOAD, SET1, MUL, ADD, MASKSTORE, MASK)           \\
        return q;                                                                          \\
    }
    #if IMGCONV_AVX2
    #define IMGCONV_PHASE_PIXELS_BODY(T, VEC, LOAD, SET1, MUL, ADD, MASKSTORE, MASK)       \\
        ptrdiff_t r, reach = 0;                                                            \\
        int t;                                                                             \\
        MASK;                                                                              \\
        for (r = 0; r < factor; r++)                                                       \\
            reach = first[r] > reach ? first[r] : reach;                                   \\
        /* a pixel load reads 4 elements: stay inside the row */                           \\
        for (; q < q1 && (q + reach + taps - 1) * channels + 4 <= limit; q++) {            \\
            for (r = 0; r < factor; r++) {                                                 \\
                const T* p = src + (q + first[r]) * channels;                              \\
                const T* wr = w + r * taps;                                                \\
                VEC acc = MUL(SET1(wr[0]), LOAD(p));                                       \\
                for (t = 1; t < taps; t++)                                                 \\
                    acc = ADD(acc, MUL(SET1(wr[t]), LOAD(p + t * channels)));              \\
                MASKSTORE(dst, q * factor + r, q1 * factor, channels, mask, acc);          \\
            }                                                                              \\
        }
    #else
    #define IMGCONV_PHASE_PIXELS_BODY(T, VEC, LOAD, SET1, MUL, ADD, MASKSTORE, MASK)       \\
        (void)src; (void)channels; (void)limit; (void)factor; (void)q1; (void)taps;        \\
        (void)first; (void)w; (void)dst;
    #endif
    IMGCONV_PHASE_PIXELS(imgconv_phase_pixels_f32, float, __m128, _mm_loadu_ps, _mm_set1_ps,
                         _mm_mul_ps, _mm_add_ps, IMGCONV_STORE_PIXEL_PS,
                         const __m128i mask = _mm_cmpgt_epi32(_mm_set1_epi32((int)channels),
                                                              _mm_setr_epi32(0, 1, 2, 3)))
    IMGCONV_PHASE_PIXELS(imgconv_phase_pixels_f64, double, __m256d, _mm256_loadu_pd,
                         _mm256_set1_pd, _mm256_mul_pd, _mm256_add_pd, IMGCONV_STORE_PIXEL_PD,
                         const __m256i mask = _mm256_cmpgt_epi64(_mm256_set1_epi64x(channels),
                                                                 _mm256_setr_epi64x(0, 1, 2, 3)))

    /* Fixed-point passes over uint8 (integer coefficients, as Pillow's
       22-bit ones), stored as uint8: clip((sum + 2^(shift-1)) >> shift, lo,
       hi). The sums are integers, exact in any order, so one vector holds
       several taps: a coefficient k is split as k = hi * 2^11 + lo with lo
       in [0, 2^11), both halves within int16, pairs of taps multiply-add in
       16 bits (vpmaddwd) and the sum is (hi_sum << 11) + lo_sum in 32-bit
       lanes (wrapping, so exact whenever the sum itself fits:
       imgconv_fixed_fits).

       Rows of 1-4 channels: a group is G = 4 * (4 / channels) taps read by
       one 16-byte load; in each 128-bit half, result lane i < P * channels
       (P = 4 / channels tap pairs) sums the taps h * G/2 + 2 * (i / channels)
       + {0, 1} of channel i % channels. imgconv_fixed_pack lays out each
       output's groups as two 16-lane int16 vectors (hi, lo) in that order. */
    #define IMGCONV_FIXED_SPLIT 11
    /* taps of a contiguous-run pass whose coefficient pairs stay in registers */
    #define IMGCONV_FIXED_MAX_TAPS 64
    static inline ptrdiff_t imgconv_fixed_group(ptrdiff_t channels) {
        return 4 * (4 / channels);
    }
    /* The tap, within its group, of int16 lane (half h, result lane i, b) of
       a row pass, or -1 for a lane no channel uses. */
    static inline ptrdiff_t imgconv_fixed_lane_tap(ptrdiff_t channels, ptrdiff_t h,
                                                   ptrdiff_t i, ptrdiff_t b) {
        const ptrdiff_t P = 4 / channels;
        return i < P * channels ? h * 2 * P + 2 * (i / channels) + b : -1;
    }
    static inline ptrdiff_t imgconv_fixed_groups(ptrdiff_t channels, ptrdiff_t taps) {
        return (taps + imgconv_fixed_group(channels) - 1) / imgconv_fixed_group(channels);
    }
    /* int16 elements of the packed table of m outputs */
    static inline ptrdiff_t imgconv_fixed_packed_size(ptrdiff_t channels, ptrdiff_t taps,
                                                      ptrdiff_t m) {
        return m * imgconv_fixed_groups(channels, taps) * 32;
    }
    /* Whether this build has the kernels (else the caller's loops do it all). */
    static inline int imgconv_fixed_available(void) { return IMGCONV_AVX2; }
    /* Whether taps of integer coefficients k (each of magnitude below 2^26,
       so that its hi half fits int16) give sums of uint8 values, rounding
       term and lo parts included, inside int32. */
    static int imgconv_fixed_fits(const double* k, ptrdiff_t stride, ptrdiff_t taps, int shift) {
        double positive = 0.0, negative = 0.0;
        ptrdiff_t t;
        if (shift < 1 || shift > 30) return 0;
        for (t = 0; t < taps; t++) {
            const double v = k[t * stride];
            if (!(v > -67108864.0 && v < 67108864.0) || v != (double)(int32_t)v) return 0;
            if (v > 0) positive += v; else negative -= v;
        }
        return 255.0 * positive + (double)(1 << (shift - 1)) < 2147483647.0
            && 255.0 * negative + 255.0 * 2048.0 * (double)taps < 2147483647.0;
    }
    /* The planar table (taps, m) of integer-valued weights, packed; 0 if an
       output's sums might not fit (imgconv_fixed_fits). */
    static int imgconv_fixed_pack(ptrdiff_t channels, ptrdiff_t taps, ptrdiff_t m, int shift,
                                  const double* weight, int16_t* packed) {
        const ptrdiff_t G = imgconv_fixed_group(channels);
        const ptrdiff_t groups = imgconv_fixed_groups(channels, taps);
        ptrdiff_t o, g, h, i, b;
        for (o = 0; o < m; o++) {
            if (!imgconv_fixed_fits(weight + o, m, taps, shift)) return 0;
            for (g = 0; g < groups; g++) {
                int16_t* hi = packed + (o * groups + g) * 32;
                for (h = 0; h < 2; h++)
                    for (i = 0; i < 4; i++)
                        for (b = 0; b < 2; b++) {
                            const ptrdiff_t lane = imgconv_fixed_lane_tap(channels, h, i, b);
                            const ptrdiff_t tap = g * G + lane;
                            const int32_t v = lane >= 0 && tap < taps
                                ? (int32_t)weight[tap * m + o] : 0;
                            hi[h * 8 + 2 * i + b] = (int16_t)(v >> IMGCONV_FIXED_SPLIT);
                            hi[16 + h * 8 + 2 * i + b] =
                                (int16_t)(v & ((1 << IMGCONV_FIXED_SPLIT) - 1));
                        }
            }
        }
        return 1;
    }
    #if IMGCONV_AVX2
    /* (hi << 11) + lo, rounded, shifted and clipped, in 32-bit lanes */
    static inline __m128i imgconv_fixed_round4(__m128i hi, __m128i lo, int shift,
                                               __m128i lo_bound, __m128i hi_bound) {
        __m128i s = _mm_add_epi32(_mm_slli_epi32(hi, IMGCONV_FIXED_SPLIT), lo);
        s = _mm_srai_epi32(_mm_add_epi32(s, _mm_set1_epi32(1 << (shift - 1))), shift);
        return _mm_min_epi32(hi_bound, _mm_max_epi32(lo_bound, s));
    }
    static inline __m256i imgconv_fixed_round8(__m256i hi, __m256i lo, int shift,
                                               __m256i lo_bound, __m256i hi_bound) {
        __m256i s = _mm256_add_epi32(_mm256_slli_epi32(hi, IMGCONV_FIXED_SPLIT), lo);
        s = _mm256_srai_epi32(_mm256_add_epi32(s, _mm256_set1_epi32(1 << (shift - 1))), shift);
        return _mm256_min_epi32(hi_bound, _mm256_max_epi32(lo_bound, s));
    }
    #endif
    /* out[o * channels + c], o in [o, o1), lo <= hi within [0, 255].
       Returns the first output left to the caller (a load would pass limit). */
    static ptrdiff_t imgconv_fixed_pixels_u8(const uint8_t* src, ptrdiff_t channels,
                                             ptrdiff_t limit, ptrdiff_t taps,
                                             const int32_t* index, const int16_t* packed,
                                             ptrdiff_t o, ptrdiff_t o1, int shift, int lo,
                                             int hi, uint8_t* out) {
    #if IMGCONV_AVX2
        const ptrdiff_t G = imgconv_fixed_group(channels);
        const ptrdiff_t groups = imgconv_fixed_groups(channels, taps);
        const ptrdiff_t P = 4 / channels;
        const ptrdiff_t reach = (groups - 1) * G * channels + 16;
        const __m128i lo_bound = _mm_set1_epi32(lo), hi_bound = _mm_set1_epi32(hi);
        int8_t bytes[32];
        ptrdiff_t h, i, b, g;
        for (h = 0; h < 2; h++)
            for (i = 0; i < 4; i++)
                for (b = 0; b < 2; b++) {
                    const ptrdiff_t tap = imgconv_fixed_lane_tap(channels, h, i, b);
                    const int lane = h * 16 + 4 * i + 2 * b;
                    bytes[lane] = tap >= 0 ? (int8_t)(tap * channels + i % channels)
                                           : (int8_t)-128;
                    bytes[lane + 1] = (int8_t)-128;     /* zero high byte */
                }
        const __m256i shuffle = _mm256_loadu_si256((const __m256i*)(const void*)bytes);
        for (; o < o1; o++) {
            const ptrdiff_t p = (ptrdiff_t)index[o] * channels;
            if (p + reach > limit) break;
            const __m256i* k = (const __m256i*)(const void*)(packed + o * groups * 32);
            __m256i vh = _mm256_setzero_si256(), vl = _mm256_setzero_si256();
            for (g = 0; g < groups; g++) {
                const __m256i v = _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(
                    _mm_loadu_si128((const __m128i*)(const void*)(src + p + g * G * channels))),
                    shuffle);
                vh = _mm256_add_epi32(vh, _mm256_madd_epi16(v, _mm256_loadu_si256(k + 2 * g)));
                vl = _mm256_add_epi32(vl, _mm256_madd_epi16(v, _mm256_loadu_si256(k + 2 * g + 1)));
            }
            __m128i sh = _mm_add_epi32(_mm256_castsi256_si128(vh), _mm256_extracti128_si256(vh, 1));
            __m128i sl = _mm_add_epi32(_mm256_castsi256_si128(vl), _mm256_extracti128_si256(vl, 1));
            if (P >= 2) {
                sh = _mm_add_epi32(sh, _mm_srli_si128(sh, 8));
                sl = _mm_add_epi32(sl, _mm_srli_si128(sl, 8));
            }
            if (P >= 4) {
                sh = _mm_add_epi32(sh, _mm_srli_si128(sh, 4));
                sl = _mm_add_epi32(sl, _mm_srli_si128(sl, 4));
            }
            const __m128i r = imgconv_fixed_round4(sh, sl, shift, lo_bound, hi_bound);
            const int32_t word = _mm_cvtsi128_si32(_mm_packus_epi16(_mm_packus_epi32(r, r), r));
            uint8_t* d = out + o * channels;
            if (channels == 4 || (channels == 3 && o + 1 < o1))
                memcpy(d, &word, 4);    /* the fourth byte: the next pixel's, written after */
            else
                memcpy(d, &word, (size_t)channels);
        }
    #else
        (void)src; (void)channels; (void)limit; (void)taps; (void)index; (void)packed;
        (void)o1; (void)shift; (void)lo; (void)hi; (void)out;
    #endif
        return o;
    }

    /* The same along contiguous runs: out[j] = the stored sum_t k[t] *
       rows[t][j], j in [0, n), the rows taken in pairs (an odd last tap
       paired with a zero coefficient), 16 elements at a time and the rest
       one by one. k as imgconv_fixed_fits accepts (the caller checks). */
    static void imgconv_fixed_rows_u8(const uint8_t* const* rows, const int32_t* k,
                                      ptrdiff_t taps, ptrdiff_t n, int shift, int lo, int hi,
                                      uint8_t* out) {
        ptrdiff_t j = 0, t;
    #if IMGCONV_AVX2
        enum { MAX_PAIRS = IMGCONV_FIXED_MAX_TAPS / 2 };
        const ptrdiff_t pairs = (taps + 1) / 2;
        const int32_t low = (1 << IMGCONV_FIXED_SPLIT) - 1;
        const __m256i lo_bound = _mm256_set1_epi32(lo), hi_bound = _mm256_set1_epi32(hi);
        __m256i kh[MAX_PAIRS], kl[MAX_PAIRS];
        ptrdiff_t q;
        for (q = 0; q < pairs && pairs <= MAX_PAIRS; q++) {
            const int32_t k0 = k[2 * q], k1 = 2 * q + 1 < taps ? k[2 * q + 1] : 0;
            /* int16 lanes (k0, k1): the first row's coefficient in the low half */
            kh[q] = _mm256_set1_epi32((int32_t)(((uint32_t)(k1 >> IMGCONV_FIXED_SPLIT) << 16)
                                                | ((uint32_t)(k0 >> IMGCONV_FIXED_SPLIT)
                                                   & 0xFFFFu)));
            kl[q] = _mm256_set1_epi32((int32_t)(((uint32_t)(k1 & low) << 16)
                                                | (uint32_t)(k0 & low)));
        }
        for (; j + 16 <= n && pairs <= MAX_PAIRS; j += 16) {
            __m256i h0 = _mm256_setzero_si256(), l0 = h0, h1 = h0, l1 = h0;
            for (q = 0; q < pairs; q++) {
                const uint8_t* r1 = 2 * q + 1 < taps ? rows[2 * q + 1] : rows[2 * q];
                const __m128i a = _mm_loadu_si128((const __m128i*)(const void*)(rows[2 * q] + j));
                const __m128i b = _mm_loadu_si128((const __m128i*)(const void*)(r1 + j));
                const __m256i x0 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(a, b));
                const __m256i x1 = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(a, b));
                h0 = _mm256_add_epi32(h0, _mm256_madd_epi16(x0, kh[q]));
                l0 = _mm256_add_epi32(l0, _mm256_madd_epi16(x0, kl[q]));
                h1 = _mm256_add_epi32(h1, _mm256_madd_epi16(x1, kh[q]));
                l1 = _mm256_add_epi32(l1, _mm256_madd_epi16(x1, kl[q]));
            }
            const __m256i r0 = imgconv_fixed_round8(h0, l0, shift, lo_bound, hi_bound);
            const __m256i r1 = imgconv_fixed_round8(h1, l1, shift, lo_bound, hi_bound);
            /* packs work within 128-bit halves: reorder the 64-bit quarters */
            const __m256i w = _mm256_permute4x64_epi64(_mm256_packus_epi32(r0, r1), 0xD8);
            _mm_storeu_si128((__m128i*)(void*)(out + j),
                             _mm_packus_epi16(_mm256_castsi256_si128(w),
                                              _mm256_extracti128_si256(w, 1)));
        }
    #endif
        for (; j < n; j++) {
            int64_t sum = (int64_t)1 << (shift - 1);
            for (t = 0; t < taps; t++)
                sum += (int64_t)k[t] * rows[t][j];
            sum = sum >> shift;
            out[j] = (uint8_t)(sum < lo ? lo : sum > hi ? hi : sum);
        }
    }

    #define IMGCONV_AS_IS(v) (v)
    #define IMGCONV_SCALE_PS(v) _mm256_mul_ps((v), sc)
    #define IMGCONV_SCALE_PD(v) _mm256_mul_pd((v), sc)
    #define IMGCONV_SCALE_P4(v) _mm_mul_ps((v), sc)
    IMGCONV_GRAY_F32(imgconv_gray_f32_f32, float, f32, IMGCONV_AS_IS)
    IMGCONV_GRAY_F32(imgconv_gray_f32_u8, uint8_t, u8, IMGCONV_SCALE_PS)
    IMGCONV_GRAY_F32(imgconv_gray_f32_u16, uint16_t, u16, IMGCONV_SCALE_PS)
    IMGCONV_GRAY_F64(imgconv_gray_f64_f64, double, f64, IMGCONV_AS_IS)
    IMGCONV_GRAY_F64(imgconv_gray_f64_f32, float, f32, IMGCONV_AS_IS)
    IMGCONV_GRAY_F64(imgconv_gray_f64_u8, uint8_t, u8, IMGCONV_SCALE_PD)
    IMGCONV_GRAY_F64(imgconv_gray_f64_u16, uint16_t, u16, IMGCONV_SCALE_PD)
    IMGCONV_PIXELS(imgconv_pixels_f32_f32, float, float,
                   IMGCONV_PIXELS_F32(float, imgconv_p4_f32, IMGCONV_AS_IS))
    IMGCONV_PIXELS(imgconv_pixels_f32_u8, uint8_t, float,
                   IMGCONV_PIXELS_F32(uint8_t, imgconv_p4f_u8, IMGCONV_SCALE_P4))
    IMGCONV_PIXELS(imgconv_pixels_f32_u16, uint16_t, float,
                   IMGCONV_PIXELS_F32(uint16_t, imgconv_p4f_u16, IMGCONV_SCALE_P4))
    IMGCONV_PIXELS(imgconv_pixels_f64_f64, double, double,
                   IMGCONV_PIXELS_F64(double, imgconv_p4_f64, IMGCONV_AS_IS))
    IMGCONV_PIXELS(imgconv_pixels_f64_f32, float, double,
                   IMGCONV_PIXELS_F64(float, imgconv_p4d_f32, IMGCONV_AS_IS))
    IMGCONV_PIXELS(imgconv_pixels_f64_u8, uint8_t, double,
                   IMGCONV_PIXELS_F64(uint8_t, imgconv_p4d_u8, IMGCONV_SCALE_PD))
    IMGCONV_PIXELS(imgconv_pixels_f64_u16, uint16_t, double,
                   IMGCONV_PIXELS_F64(uint16_t, imgconv_p4d_u16, IMGCONV_SCALE_PD))
    """
    Py_ssize_t gray_f32_f32 "imgconv_gray_f32_f32" (
        const float* src, Py_ssize_t limit, int window, int taps, const int* index,
        const float* weight, Py_ssize_t m, Py_ssize_t o, Py_ssize_t o1, float scale,
        float* dst) noexcept nogil
    Py_ssize_t gray_f32_u8 "imgconv_gray_f32_u8" (
        const unsigned char* src, Py_ssize_t limit, int window, int taps, const int* index,
        const float* weight, Py_ssize_t m, Py_ssize_t o, Py_ssize_t o1, float scale,
        float* dst) noexcept nogil
    Py_ssize_t gray_f32_u16 "imgconv_gray_f32_u16" (
        const unsigned short* src, Py_ssize_t limit, int window, int taps, const int* index,
        const float* weight, Py_ssize_t m, Py_ssize_t o, Py_ssize_t o1, float scale,
        float* dst) noexcept nogil
    Py_ssize_t gray_f64_f64 "imgconv_gray_f64_f64" (
        const double* src, Py_ssize_t limit, int window, int taps, const int* index,
        const double* weight, Py_ssize_t m, Py_ssize_t o, Py_ssize_t o1, double scale,
        double* dst) noexcept nogil
    Py_ssize_t gray_f64_f32 "imgconv_gray_f64_f32" (
        const float* src, Py_ssize_t limit, int window, int taps, const int* index,
        const double* weight, Py_ssize_t m, Py_ssize_t o, Py_ssize_t o1, double scale,
        double* dst) noexcept nogil
    Py_ssize_t gray_f64_u8 "imgconv_gray_f64_u8" (
        const unsigned char* src, Py_ssize_t limit, int window, int taps, const int* index,
        const double* weight, Py_ssize_t m, Py_ssize_t o, Py_ssize_t o1, double scale,
        double* dst) noexcept nogil
    Py_ssize_t gray_f64_u16 "imgconv_gray_f64_u16" (
        const unsigned short* src, Py_ssize_t limit, int window, int taps, const int* index,
        const double* weight, Py_ssize_t m, Py_ssize_t o, Py_ssize_t o1, double scale,
        double* dst) noexcept nogil
    Py_ssize_t pixels_f32_f32 "imgconv_pixels_f32_f32" (
        const float* src, Py_ssize_t channels, Py_ssize_t limit, int window, int taps,
        const int* index, const float* weight, Py_ssize_t m, Py_ssize_t o, Py_ssize_t o1,
        float scale, float* dst) noexcept nogil
    Py_ssize_t pixels_f32_u8 "imgconv_pixels_f32_u8" (
        const unsigned char* src, Py_ssize_t channels, Py_ssize_t limit, int window,
        int taps, const int* index, const float* weight, Py_ssize_t m, Py_ssize_t o,
        Py_ssize_t o1, float scale, float* dst) noexcept nogil
    Py_ssize_t pixels_f32_u16 "imgconv_pixels_f32_u16" (
        const unsigned short* src, Py_ssize_t channels, Py_ssize_t limit, int window,
        int taps, const int* index, const float* weight, Py_ssize_t m, Py_ssize_t o,
        Py_ssize_t o1, float scale, float* dst) noexcept nogil
    Py_ssize_t pixels_f64_f64 "imgconv_pixels_f64_f64" (
        const double* src, Py_ssize_t channels, Py_ssize_t limit, int window, int taps,
        const int* index, const double* weight, Py_ssize_t m, Py_ssize_t o, Py_ssize_t o1,
        double scale, double* dst) noexcept nogil
    Py_ssize_t pixels_f64_f32 "imgconv_pixels_f64_f32" (
        const float* src, Py_ssize_t channels, Py_ssize_t limit, int window, int taps,
        const int* index, const double* weight, Py_ssize_t m, Py_ssize_t o, Py_ssize_t o1,
        double scale, double* dst) noexcept nogil
    Py_ssize_t pixels_f64_u8 "imgconv_pixels_f64_u8" (
        const unsigned char* src, Py_ssize_t channels, Py_ssize_t limit, int window,
        int taps, const int* index, const double* weight, Py_ssize_t m, Py_ssize_t o,
        Py_ssize_t o1, double scale, double* dst) noexcept nogil
    Py_ssize_t pixels_f64_u16 "imgconv_pixels_f64_u16" (
        const unsigned short* src, Py_ssize_t channels, Py_ssize_t limit, int window,
        int taps, const int* index, const double* weight, Py_ssize_t m, Py_ssize_t o,
        Py_ssize_t o1, double scale, double* dst) noexcept nogil
    const int FIXED_MAX_TAPS "IMGCONV_FIXED_MAX_TAPS"
    bint fixed_available "imgconv_fixed_available" () noexcept nogil
    bint fixed_fits "imgconv_fixed_fits" (
        const double* k, Py_ssize_t stride, Py_ssize_t taps, int shift) noexcept nogil
    Py_ssize_t fixed_packed_size "imgconv_fixed_packed_size" (
        Py_ssize_t channels, Py_ssize_t taps, Py_ssize_t m) noexcept nogil
    bint fixed_pack "imgconv_fixed_pack" (
        Py_ssize_t channels, Py_ssize_t taps, Py_ssize_t m, int shift, const double* weight,
        short* packed) noexcept nogil
    Py_ssize_t fixed_pixels_u8 "imgconv_fixed_pixels_u8" (
        const unsigned char* src, Py_ssize_t channels, Py_ssize_t limit, Py_ssize_t taps,
        const int* index, const short* packed, Py_ssize_t o, Py_ssize_t o1, int shift,
        int lo, int hi, unsigned char* out) noexcept nogil
    void fixed_rows_u8 "imgconv_fixed_rows_u8" (
        const unsigned char** rows, const int* k, Py_ssize_t taps, Py_ssize_t n, int shift,
        int lo, int hi, unsigned char* out) noexcept nogil
    Py_ssize_t phase2_gray_f32 "imgconv_phase2_gray_f32" (
        const float* src, Py_ssize_t q0, Py_ssize_t q1, int taps, const Py_ssize_t* first,
        const float* w, float* dst) noexcept nogil
    Py_ssize_t phase2_gray_f64 "imgconv_phase2_gray_f64" (
        const double* src, Py_ssize_t q0, Py_ssize_t q1, int taps, const Py_ssize_t* first,
        const double* w, double* dst) noexcept nogil
    Py_ssize_t phase_pixels_f32 "imgconv_phase_pixels_f32" (
        const float* src, Py_ssize_t channels, Py_ssize_t limit, Py_ssize_t factor,
        Py_ssize_t q0, Py_ssize_t q1, int taps, const Py_ssize_t* first, const float* w,
        float* dst) noexcept nogil
    Py_ssize_t phase_pixels_f64 "imgconv_phase_pixels_f64" (
        const double* src, Py_ssize_t channels, Py_ssize_t limit, Py_ssize_t factor,
        Py_ssize_t q0, Py_ssize_t q1, int taps, const Py_ssize_t* first, const double* w,
        double* dst) noexcept nogil
