# Header-only: the one GEMM wrapper of imgconv, over SciPy's BLAS.
#
# Every matrix product in the compiled kernels goes through ``gemm``; nothing
# else calls BLAS, and imgconv links no BLAS of its own.
from cython cimport floating
from scipy.linalg.cython_blas cimport dgemm, sgemm


cdef inline void gemm(bint trans_a, bint trans_b, int m, int n, int k,
                      floating alpha, const floating* a, int lda,
                      const floating* b, int ldb,
                      floating beta, floating* c, int ldc) noexcept nogil:
    """Row-major ``C[m, n] = alpha * op(A) @ op(B) + beta * C``.

    ``op(A)`` is ``A`` of shape (m, k), or ``A.T`` with ``A`` stored (k, m)
    when ``trans_a``; likewise ``op(B)`` is (k, n). ``lda``, ``ldb``, ``ldc``
    are the row strides in elements. BLAS is column-major, and a row-major
    matrix read column-major is its transpose, so this computes
    ``C.T = op(B).T @ op(A).T`` by swapping the operands.
    """
    cdef char ta = b'T' if trans_a else b'N'
    cdef char tb = b'T' if trans_b else b'N'
    if m <= 0 or n <= 0:
        return
    # BLAS takes non-const pointers but never writes to A or B.
    if floating is float:
        sgemm(&tb, &ta, &n, &m, &k, &alpha, <float*> b, &ldb, <float*> a, &lda,
              &beta, c, &ldc)
    else:
        dgemm(&tb, &ta, &n, &m, &k, &alpha, <double*> b, &ldb, <double*> a, &lda,
              &beta, c, &ldc)
