"""The CPU's instruction-set level, and what the kernels were built with.

This module is always compiled for the architecture's baseline, so that it
runs on any CPU and can tell, before any kernel module is loaded, which of
the kernel builds (``imgconv._ext.<level>``) this CPU runs.
"""
import json

from _openmp cimport IMGCONV_HAVE_OPENMP, omp_get_max_threads

cdef extern from "imgconv_build_info.h":
    # the levels and modules built and their flags, as JSON (written by setup.py)
    const char* IMGCONV_BUILD_INFO

cdef extern from *:
    """
    /* The x86-64 microarchitecture levels from CPUID, and from XGETBV whether
       the operating system saves the vector registers (a CPU may have AVX-512
       that the OS keeps disabled). The checks are those of the psABI's
       definition of x86-64-v3 and x86-64-v4, as GCC's
       __builtin_cpu_supports("x86-64-v3") makes them, written out so that any
       compiler (MSVC, older GCC and Clang) builds them. */
    #if defined(__x86_64__) || defined(_M_X64)
    #define IMGCONV_X86_64 1
    #if defined(_MSC_VER) && !defined(__clang__)
    #include <intrin.h>
    static void imgconv_cpuid(unsigned int leaf, unsigned int sub, unsigned int r[4]) {
        int a[4];
        __cpuidex(a, (int)leaf, (int)sub);
        r[0] = (unsigned int)a[0]; r[1] = (unsigned int)a[1];
        r[2] = (unsigned int)a[2]; r[3] = (unsigned int)a[3];
    }
    static unsigned long long imgconv_xcr0(void) { return _xgetbv(0); }
    #else
    #include <cpuid.h>
    static void imgconv_cpuid(unsigned int leaf, unsigned int sub, unsigned int r[4]) {
        __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
    }
    static unsigned long long imgconv_xcr0(void) {
        unsigned int lo, hi;
        /* the opcode of xgetbv, which old assemblers do not know */
        __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(lo), "=d"(hi) : "c"(0));
        return ((unsigned long long)hi << 32) | lo;
    }
    #endif
    #define IMGCONV_BIT(reg, n) (((reg) >> (n)) & 1u)

    /* 1: x86-64 baseline, 3: x86-64-v3, 4: x86-64-v4 (v2 is folded into v3) */
    static int imgconv_x86_level(void) {
        unsigned int r[4], leaf1[4], leaf7[4] = {0, 0, 0, 0}, ext[4] = {0, 0, 0, 0};
        unsigned long long xcr0;
        imgconv_cpuid(0, 0, r);
        unsigned int max_leaf = r[0];
        if (max_leaf < 1)
            return 1;
        imgconv_cpuid(1, 0, leaf1);
        if (max_leaf >= 7)
            imgconv_cpuid(7, 0, leaf7);
        imgconv_cpuid(0x80000000u, 0, r);
        if (r[0] >= 0x80000001u)
            imgconv_cpuid(0x80000001u, 0, ext);
        unsigned int c1 = leaf1[2], b7 = leaf7[1], cx = ext[2];
        /* v2: SSE3, SSSE3, CX16, SSE4.1, SSE4.2, POPCNT, LAHF-SAHF */
        int v2 = IMGCONV_BIT(c1, 0) && IMGCONV_BIT(c1, 9) && IMGCONV_BIT(c1, 13)
                 && IMGCONV_BIT(c1, 19) && IMGCONV_BIT(c1, 20) && IMGCONV_BIT(c1, 23)
                 && IMGCONV_BIT(cx, 0);
        /* v3: AVX, AVX2, BMI1, BMI2, F16C, FMA, LZCNT, MOVBE, OSXSAVE */
        int v3 = v2 && IMGCONV_BIT(c1, 28) && IMGCONV_BIT(b7, 5) && IMGCONV_BIT(b7, 3)
                 && IMGCONV_BIT(b7, 8) && IMGCONV_BIT(c1, 29) && IMGCONV_BIT(c1, 12)
                 && IMGCONV_BIT(cx, 5) && IMGCONV_BIT(c1, 22) && IMGCONV_BIT(c1, 27);
        if (!v3)
            return 1;
        xcr0 = imgconv_xcr0();
        if ((xcr0 & 0x6) != 0x6)            /* XMM and YMM state */
            return 1;
        /* v4: AVX512F, AVX512DQ, AVX512CD, AVX512BW, AVX512VL */
        int v4 = IMGCONV_BIT(b7, 16) && IMGCONV_BIT(b7, 17) && IMGCONV_BIT(b7, 28)
                 && IMGCONV_BIT(b7, 30) && IMGCONV_BIT(b7, 31)
                 && (xcr0 & 0xe6) == 0xe6;  /* and opmask, ZMM upper halves, ZMM16-31 */
        return v4 ? 4 : 3;
    }
    #else
    #define IMGCONV_X86_64 0
    static int imgconv_x86_level(void) { return 0; }
    #endif

    #if defined(__clang__)
    #define IMGCONV_COMPILER "clang " __clang_version__
    #elif defined(__GNUC__)
    #define IMGCONV_COMPILER "gcc " __VERSION__
    #elif defined(_MSC_VER)
    #define IMGCONV_STR2(x) #x
    #define IMGCONV_STR(x) IMGCONV_STR2(x)
    #define IMGCONV_COMPILER "msvc " IMGCONV_STR(_MSC_FULL_VER)
    #else
    #define IMGCONV_COMPILER "unknown"
    #endif
    """
    const char* IMGCONV_COMPILER
    int imgconv_x86_level() noexcept nogil


def build_info():
    """How the kernels were built: a dict.

    ``levels``: the CPU levels compiled (baseline first); ``modules``: the
    kernel modules of each level; ``flags``: the compiler flags of each
    level; ``link_flags``; ``mode``: 'release', 'debug' or 'asan';
    ``compiler``: the compiler's name and version; ``openmp``: compiled with
    OpenMP.
    """
    info = json.loads(IMGCONV_BUILD_INFO.decode("ascii"))
    info["compiler"] = IMGCONV_COMPILER.decode("utf-8", "replace").strip()
    info["openmp"] = have_openmp()
    return info


def cpu_levels():
    """The levels this CPU runs, baseline first: ('baseline', 'v3', 'v4') on a
    CPU with AVX-512, ('baseline',) on any CPU other than x86-64."""
    level = imgconv_x86_level()
    return ("baseline", "v3", "v4")[:1 + (level >= 3) + (level >= 4)]


def have_openmp():
    """True when the kernels were compiled with OpenMP."""
    return bool(IMGCONV_HAVE_OPENMP)


def openmp_max_threads():
    """The OpenMP runtime's default thread count (1 without OpenMP)."""
    return omp_get_max_threads()
