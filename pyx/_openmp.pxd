# Header-only: what the OpenMP runtime says, in a build with or without it.
cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    #define IMGCONV_HAVE_OPENMP 1
    #else
    #define IMGCONV_HAVE_OPENMP 0
    static inline int omp_get_max_threads(void) { return 1; }
    #endif
    """
    const bint IMGCONV_HAVE_OPENMP
    int omp_get_max_threads() noexcept nogil
