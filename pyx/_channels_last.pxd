# Header-only: data movement of the channels-last (NHWC) convolution kernels:
# the transposes between channels-first (NCHW) planes and channels-last
# pixels, and the output pass of a layer (bias, ReLU), both with an optional
# bias and ReLU on the way.
#
# Transpose: dst[j*dst_ld + i] = f(src[i*src_ld + j] + bias[j]) for i < rows, j < cols,
# where f is max(., 0) when ``relu`` and ``bias`` may be NULL. float32 goes
# through 8x8 AVX blocks where the compiler targets AVX (every x86-64-v3
# build), with a scalar remainder; float64 through scalar 8x8 blocks. Both
# compute the same values: a transpose moves numbers, and the bias is one
# addition either way.
#
# Why the loop order matters: rows of a power-of-two stride (the planes of a
# 128x128 or 256x256 image) all fall in one cache set, so a sweep that
# touches many of them at once evicts them before they are complete. The
# blocks therefore run along the side with the longer stride first.
from cython cimport floating


cdef extern from *:
    """
    #if defined(__AVX__)
    #include <immintrin.h>
    #endif

    #define IMGCONV_TRANSPOSE_PART(T, i0, i1, j0, j1) \\
        for (Py_ssize_t j_ = (j0); j_ < (j1); j_++) \\
            for (Py_ssize_t i_ = (i0); i_ < (i1); i_++) { \\
                T v_ = src[i_ * src_ld + j_] + (bias ? bias[j_] : 0); \\
                dst[j_ * dst_ld + i_] = relu && v_ < 0 ? 0 : v_; \\
            }

    #if defined(__AVX__)
    /* the 8x8 block of src at rows i.., columns j.. */
    static inline void imgconv_block8_f(const float* restrict src, Py_ssize_t src_ld,
                                        float* restrict dst, Py_ssize_t dst_ld,
                                        Py_ssize_t i, Py_ssize_t j,
                                        const float* restrict bias, int relu) {
        const float* s = src + i * src_ld + j;
        __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + src_ld);
        __m256 r2 = _mm256_loadu_ps(s + 2 * src_ld), r3 = _mm256_loadu_ps(s + 3 * src_ld);
        __m256 r4 = _mm256_loadu_ps(s + 4 * src_ld), r5 = _mm256_loadu_ps(s + 5 * src_ld);
        __m256 r6 = _mm256_loadu_ps(s + 6 * src_ld), r7 = _mm256_loadu_ps(s + 7 * src_ld);
        __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
        __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
        __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
        __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
        __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
        __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
        __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
        __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
        __m256 c[8];
        c[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
        c[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
        c[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
        c[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
        c[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
        c[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
        c[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
        c[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
        for (int k = 0; k < 8; k++) {
            __m256 v = c[k];
            if (bias) v = _mm256_add_ps(v, _mm256_set1_ps(bias[j + k]));
            if (relu) v = _mm256_max_ps(v, _mm256_setzero_ps());
            _mm256_storeu_ps(dst + (j + k) * dst_ld + i, v);
        }
    }
    #endif

    static void imgconv_transpose_f(const float* restrict src, Py_ssize_t src_ld,
                                    float* restrict dst, Py_ssize_t dst_ld,
                                    Py_ssize_t rows, Py_ssize_t cols,
                                    const float* restrict bias, int relu) {
        Py_ssize_t rows8 = 0, cols8 = 0;
    #if defined(__AVX__)
        rows8 = rows - rows % 8;
        cols8 = cols - cols % 8;
        if (dst_ld >= src_ld) {
            for (Py_ssize_t j = 0; j < cols8; j += 8)
                for (Py_ssize_t i = 0; i < rows8; i += 8)
                    imgconv_block8_f(src, src_ld, dst, dst_ld, i, j, bias, relu);
        } else {
            for (Py_ssize_t i = 0; i < rows8; i += 8)
                for (Py_ssize_t j = 0; j < cols8; j += 8)
                    imgconv_block8_f(src, src_ld, dst, dst_ld, i, j, bias, relu);
        }
    #endif
        IMGCONV_TRANSPOSE_PART(float, rows8, rows, 0, cols)
        IMGCONV_TRANSPOSE_PART(float, 0, rows8, cols8, cols)
    }

    /* dst[c] = f(src[c] + bias[c]) for c < n: one output pixel (bias not NULL:
       a test inside the loop would become a masked load per vector) */
    #define IMGCONV_BIAS_ACT(T, S) \\
    static inline void imgconv_bias_act_##S(const T* restrict src, const T* restrict bias, \\
                                            int relu, T* restrict dst, Py_ssize_t n) { \\
        if (relu) \\
            for (Py_ssize_t c = 0; c < n; c++) { \\
                T v = src[c] + bias[c]; \\
                dst[c] = v < 0 ? 0 : v; \\
            } \\
        else \\
            for (Py_ssize_t c = 0; c < n; c++) \\
                dst[c] = src[c] + bias[c]; \\
    }
    IMGCONV_BIAS_ACT(float, f)
    IMGCONV_BIAS_ACT(double, d)

    static void imgconv_transpose_d(const double* restrict src, Py_ssize_t src_ld,
                                    double* restrict dst, Py_ssize_t dst_ld,
                                    Py_ssize_t rows, Py_ssize_t cols,
                                    const double* restrict bias, int relu) {
        for (Py_ssize_t i0 = 0; i0 < rows; i0 += 8)
            for (Py_ssize_t j0 = 0; j0 < cols; j0 += 8) {
                Py_ssize_t i1 = i0 + 8 < rows ? i0 + 8 : rows;
                Py_ssize_t j1 = j0 + 8 < cols ? j0 + 8 : cols;
                IMGCONV_TRANSPOSE_PART(double, i0, i1, j0, j1)
            }
    }
    """
    void imgconv_transpose_f(const float* src, Py_ssize_t src_ld, float* dst,
                             Py_ssize_t dst_ld, Py_ssize_t rows, Py_ssize_t cols,
                             const float* bias, int relu) noexcept nogil
    void imgconv_transpose_d(const double* src, Py_ssize_t src_ld, double* dst,
                             Py_ssize_t dst_ld, Py_ssize_t rows, Py_ssize_t cols,
                             const double* bias, int relu) noexcept nogil
    void imgconv_bias_act_f(const float* src, const float* bias, int relu, float* dst,
                            Py_ssize_t n) noexcept nogil
    void imgconv_bias_act_d(const double* src, const double* bias, int relu, double* dst,
                            Py_ssize_t n) noexcept nogil


cdef inline void transpose(const floating* src, Py_ssize_t src_ld, floating* dst,
                           Py_ssize_t dst_ld, Py_ssize_t rows, Py_ssize_t cols,
                           const floating* bias, bint relu) noexcept nogil:
    """dst[j, i] = f(src[i, j] + bias[j]) (see the header comment)."""
    if floating is float:
        imgconv_transpose_f(src, src_ld, dst, dst_ld, rows, cols, bias, relu)
    else:
        imgconv_transpose_d(src, src_ld, dst, dst_ld, rows, cols, bias, relu)


cdef inline void bias_act(const floating* src, const floating* bias, bint relu,
                          floating* dst, Py_ssize_t n) noexcept nogil:
    """dst[c] = f(src[c] + bias[c]) for c < n."""
    if floating is float:
        imgconv_bias_act_f(src, bias, relu, dst, n)
    else:
        imgconv_bias_act_d(src, bias, relu, dst, n)
