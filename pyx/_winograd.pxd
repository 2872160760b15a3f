# Header-only: the transforms of Winograd's minimal filtering F(m x m, r x r)
# with m + r - 1 = 4 (F(2x2, 3x3) and F(3x3, 2x2)), on channels-last pixels.
#
# Both use the interpolation points 0, 1, -1 and infinity, which give them the
# same input transform (docs/algorithms.rst derives the matrices):
#
#     B.T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
#     A.T = [[1, 1, 1, 0], [0, 1, -1, -1]]                         (m = 2)
#     A.T = [[1, 1, 1, 0], [0, 1, -1, 0], [0, 1, 1, -1]]           (m = 3)
#
# A tile's 4x4 input pixels d become V = B.T d B (16 values per channel); the
# products M = V * (G g G.T), summed over the input channels by 16 GEMMs,
# become the m x m outputs A.T M A. Every value here is a sum or difference
# of a few others, so the rounding added to the exact product is a few units
# in the last place.
#
# The loops run over the channels of one tile, which are contiguous in every
# operand: restrict pointers and a no-dependence hint let the compiler
# vectorise them (the 16 streams of V and M are one array at fixed offsets).
# The output transforms take a bias vector always (zeros for none): a test
# for a missing one inside the loop becomes a masked load per vector.
from cython cimport floating


cdef extern from *:
    """
    #if defined(__GNUC__) && !defined(__clang__)
    #define IMGCONV_IVDEP _Pragma("GCC ivdep")
    #elif defined(__clang__)
    #define IMGCONV_IVDEP _Pragma("clang loop vectorize(assume_safety)")
    #else
    #define IMGCONV_IVDEP
    #endif

    #define IMGCONV_WINOGRAD(T, S) \\
    /* v[k*step + c] = (B.T d B)[k / 4, k % 4] with d[i][j] = x[off[4*i + j] + c] */ \\
    static inline void imgconv_winograd_in_##S(const T* restrict x, \\
            const Py_ssize_t* restrict off, T* restrict v, Py_ssize_t step, Py_ssize_t n) { \\
        const T *d00 = x + off[0], *d01 = x + off[1], *d02 = x + off[2], *d03 = x + off[3]; \\
        const T *d10 = x + off[4], *d11 = x + off[5], *d12 = x + off[6], *d13 = x + off[7]; \\
        const T *d20 = x + off[8], *d21 = x + off[9], *d22 = x + off[10], *d23 = x + off[11]; \\
        const T *d30 = x + off[12], *d31 = x + off[13], *d32 = x + off[14], *d33 = x + off[15]; \\
        IMGCONV_IVDEP \\
        for (Py_ssize_t c = 0; c < n; c++) { \\
            T h00 = d00[c] - d02[c], h01 = d01[c] + d02[c]; \\
            T h02 = d02[c] - d01[c], h03 = d01[c] - d03[c]; \\
            T h10 = d10[c] - d12[c], h11 = d11[c] + d12[c]; \\
            T h12 = d12[c] - d11[c], h13 = d11[c] - d13[c]; \\
            T h20 = d20[c] - d22[c], h21 = d21[c] + d22[c]; \\
            T h22 = d22[c] - d21[c], h23 = d21[c] - d23[c]; \\
            T h30 = d30[c] - d32[c], h31 = d31[c] + d32[c]; \\
            T h32 = d32[c] - d31[c], h33 = d31[c] - d33[c]; \\
            v[c] = h00 - h20;               v[step + c] = h01 - h21; \\
            v[2 * step + c] = h02 - h22;    v[3 * step + c] = h03 - h23; \\
            v[4 * step + c] = h10 + h20;    v[5 * step + c] = h11 + h21; \\
            v[6 * step + c] = h12 + h22;    v[7 * step + c] = h13 + h23; \\
            v[8 * step + c] = h20 - h10;    v[9 * step + c] = h21 - h11; \\
            v[10 * step + c] = h22 - h12;   v[11 * step + c] = h23 - h13; \\
            v[12 * step + c] = h10 - h30;   v[13 * step + c] = h11 - h31; \\
            v[14 * step + c] = h12 - h32;   v[15 * step + c] = h13 - h33; \\
        } \\
    } \\
    /* y[2*i + j][c] = f((A.T M A)[i, j] + bias[c]), M[a, b] = mm[(4a + b)*step + c] */ \\
    static inline void imgconv_winograd_out2_##S(const T* restrict mm, Py_ssize_t step, \\
            const T* restrict bias, int relu, T* const* y, Py_ssize_t n) { \\
        T* restrict y00 = y[0]; T* restrict y01 = y[1]; \\
        T* restrict y10 = y[2]; T* restrict y11 = y[3]; \\
        IMGCONV_IVDEP \\
        for (Py_ssize_t c = 0; c < n; c++) { \\
            T m0 = mm[c], m1 = mm[step + c], m2 = mm[2 * step + c], m3 = mm[3 * step + c]; \\
            T m4 = mm[4 * step + c], m5 = mm[5 * step + c]; \\
            T m6 = mm[6 * step + c], m7 = mm[7 * step + c]; \\
            T m8 = mm[8 * step + c], m9 = mm[9 * step + c]; \\
            T m10 = mm[10 * step + c], m11 = mm[11 * step + c]; \\
            T m12 = mm[12 * step + c], m13 = mm[13 * step + c]; \\
            T m14 = mm[14 * step + c], m15 = mm[15 * step + c]; \\
            T p0 = m0 + m4 + m8, p1 = m1 + m5 + m9, p2 = m2 + m6 + m10, p3 = m3 + m7 + m11; \\
            T q0 = m4 - m8 - m12, q1 = m5 - m9 - m13; \\
            T q2 = m6 - m10 - m14, q3 = m7 - m11 - m15; \\
            T b = bias[c]; \\
            T a00 = p0 + p1 + p2 + b, a01 = p1 - p2 - p3 + b; \\
            T a10 = q0 + q1 + q2 + b, a11 = q1 - q2 - q3 + b; \\
            if (relu) { \\
                a00 = a00 < 0 ? 0 : a00; a01 = a01 < 0 ? 0 : a01; \\
                a10 = a10 < 0 ? 0 : a10; a11 = a11 < 0 ? 0 : a11; \\
            } \\
            y00[c] = a00; y01[c] = a01; y10[c] = a10; y11[c] = a11; \\
        } \\
    } \\
    /* the same for m = 3: y[3*i + j][c] */ \\
    static inline void imgconv_winograd_out3_##S(const T* restrict mm, Py_ssize_t step, \\
            const T* restrict bias, int relu, T* const* y, Py_ssize_t n) { \\
        T* restrict y00 = y[0]; T* restrict y01 = y[1]; T* restrict y02 = y[2]; \\
        T* restrict y10 = y[3]; T* restrict y11 = y[4]; T* restrict y12 = y[5]; \\
        T* restrict y20 = y[6]; T* restrict y21 = y[7]; T* restrict y22 = y[8]; \\
        IMGCONV_IVDEP \\
        for (Py_ssize_t c = 0; c < n; c++) { \\
            T r[3][4]; \\
            for (int b = 0; b < 4; b++) { \\
                T a0 = mm[b * step + c], a1 = mm[(4 + b) * step + c]; \\
                T a2 = mm[(8 + b) * step + c], a3 = mm[(12 + b) * step + c]; \\
                r[0][b] = a0 + a1 + a2; r[1][b] = a1 - a2; r[2][b] = a1 + a2 - a3; \\
            } \\
            T bb = bias[c], o[9]; \\
            for (int i = 0; i < 3; i++) { \\
                o[3 * i] = r[i][0] + r[i][1] + r[i][2] + bb; \\
                o[3 * i + 1] = r[i][1] - r[i][2] + bb; \\
                o[3 * i + 2] = r[i][1] + r[i][2] - r[i][3] + bb; \\
            } \\
            if (relu) \\
                for (int k = 0; k < 9; k++) o[k] = o[k] < 0 ? 0 : o[k]; \\
            y00[c] = o[0]; y01[c] = o[1]; y02[c] = o[2]; \\
            y10[c] = o[3]; y11[c] = o[4]; y12[c] = o[5]; \\
            y20[c] = o[6]; y21[c] = o[7]; y22[c] = o[8]; \\
        } \\
    }

    IMGCONV_WINOGRAD(float, f)
    IMGCONV_WINOGRAD(double, d)

    /* acc[o] += f * src[o]: one term of a weight transform, in float64 */
    #define IMGCONV_WEIGHT_TERM(T, S) \
    static inline void imgconv_weight_term_##S(double* restrict acc, double f, \
                                               const T* restrict src, Py_ssize_t n) { \
        for (Py_ssize_t o = 0; o < n; o++) acc[o] += f * src[o]; \
    }
    IMGCONV_WEIGHT_TERM(float, f)
    IMGCONV_WEIGHT_TERM(double, d)
    """
    void imgconv_winograd_in_f(const float* x, const Py_ssize_t* off, float* v,
                               Py_ssize_t step, Py_ssize_t n) noexcept nogil
    void imgconv_winograd_in_d(const double* x, const Py_ssize_t* off, double* v,
                               Py_ssize_t step, Py_ssize_t n) noexcept nogil
    void imgconv_weight_term_f(double* acc, double f, const float* src,
                               Py_ssize_t n) noexcept nogil
    void imgconv_weight_term_d(double* acc, double f, const double* src,
                               Py_ssize_t n) noexcept nogil
    void imgconv_winograd_out2_f(const float* mm, Py_ssize_t step, const float* bias,
                                 int relu, float** y, Py_ssize_t n) noexcept nogil
    void imgconv_winograd_out2_d(const double* mm, Py_ssize_t step, const double* bias,
                                 int relu, double** y, Py_ssize_t n) noexcept nogil
    void imgconv_winograd_out3_f(const float* mm, Py_ssize_t step, const float* bias,
                                 int relu, float** y, Py_ssize_t n) noexcept nogil
    void imgconv_winograd_out3_d(const double* mm, Py_ssize_t step, const double* bias,
                                 int relu, double** y, Py_ssize_t n) noexcept nogil


cdef inline void winograd_in(const floating* x, const Py_ssize_t* off, floating* v,
                             Py_ssize_t step, Py_ssize_t n) noexcept nogil:
    if floating is float:
        imgconv_winograd_in_f(x, off, v, step, n)
    else:
        imgconv_winograd_in_d(x, off, v, step, n)


cdef inline void winograd_out(Py_ssize_t m, const floating* mm, Py_ssize_t step,
                              const floating* bias, bint relu, floating** y,
                              Py_ssize_t n) noexcept nogil:
    if floating is float:
        if m == 2:
            imgconv_winograd_out2_f(mm, step, bias, relu, y, n)
        else:
            imgconv_winograd_out3_f(mm, step, bias, relu, y, n)
    else:
        if m == 2:
            imgconv_winograd_out2_d(mm, step, bias, relu, y, n)
        else:
            imgconv_winograd_out3_d(mm, step, bias, relu, y, n)


cdef inline void weight_term(double* acc, double f, const floating* src,
                             Py_ssize_t n) noexcept nogil:
    """acc[o] += f * src[o] for o < n."""
    if floating is float:
        imgconv_weight_term_f(acc, f, src, n)
    else:
        imgconv_weight_term_d(acc, f, src, n)
