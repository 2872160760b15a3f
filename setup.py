"""Build script: compiles every ``pyx/*.pyx`` into ``imgconv._ext.<name>``.

Environment switches (read at build time):

``IMGCONV_DEBUG=1``
    Turn Cython's boundscheck, wraparound and initializedcheck back on and
    build without optimisation.
``IMGCONV_ASAN=1``
    Build with AddressSanitizer (run the tests with ``scripts/run_checked.sh asan``).
``IMGCONV_NO_OPENMP=1``
    Build without OpenMP even when the compiler supports it.
``IMGCONV_PORTABLE=1``
    Build for the baseline of the architecture. Otherwise, on an x86-64
    machine that has it, the kernels are compiled for x86-64-v3 (AVX2, FMA;
    CPUs since about 2015), about 1.3x faster in the filter loops; importing
    such a build on an older CPU raises an ImportError rather than crashing.
    Set it when building a wheel that other machines will use.
"""
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).parent
DEBUG = os.environ.get("IMGCONV_DEBUG", "0") == "1"
ASAN = os.environ.get("IMGCONV_ASAN", "0") == "1"
NO_OPENMP = os.environ.get("IMGCONV_NO_OPENMP", "0") == "1"
PORTABLE = os.environ.get("IMGCONV_PORTABLE", "0") == "1"

#: The module that checks, at import, that the CPU runs what the others were
#: compiled for: it is itself always compiled for the baseline.
RUNTIME_MODULE = "imgconv._ext.runtime"

# All compiler directives live here, never in per-file headers, so that
# IMGCONV_DEBUG really turns every check back on.
DIRECTIVES = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "nonecheck": DEBUG,
    "cdivision": True,
    "cpow": True,
    "embedsignature": True,
}


def _openmp_flags(compiler):
    """Return (compile_args, link_args) for OpenMP, or ([], []) without it."""
    if NO_OPENMP:
        return [], []
    if compiler.compiler_type == "msvc":
        return ["/openmp"], []
    flags = ["-fopenmp"]
    test = "#include <omp.h>\nint main(void) { return omp_get_max_threads() < 1; }\n"
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "omp_test.c")
        src.write_text(test)
        try:
            objects = compiler.compile([str(src)], output_dir=tmp, extra_postargs=flags)
            compiler.link_executable(objects, str(Path(tmp, "omp_test")), extra_postargs=flags)
        except Exception:  # noqa: BLE001 - any compiler failure means "no OpenMP"
            print("imgconv: OpenMP not available, building serial kernels", file=sys.stderr)
            return [], []
    return flags, flags


# Rebuild everything when the build mode changes: the C files and objects of
# an earlier mode are otherwise reused because their sources did not change.
MODE = f"debug={DEBUG} asan={ASAN} no_openmp={NO_OPENMP} portable={PORTABLE}"
MODE_STAMP = HERE / "build" / "imgconv-mode.txt"
MODE_CHANGED = not MODE_STAMP.exists() or MODE_STAMP.read_text() != MODE


def _isa_flags(compiler):
    """``-march=x86-64-v3`` flags when building for an x86-64 CPU that has it.

    Floating-point contraction stays off, so that the wider vectors compute
    exactly what the baseline build computes (no fused multiply-adds).
    """
    if PORTABLE or compiler.compiler_type == "msvc":
        return []
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return []
    flags = ["-march=x86-64-v3", "-ffp-contract=off"]
    probe = ('int main(void) { __builtin_cpu_init(); '
             'return __builtin_cpu_supports("x86-64-v3") ? 0 : 1; }\n')
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "isa_probe.c")
        src.write_text(probe)
        exe = str(Path(tmp, "isa_probe"))
        try:
            # the probe itself is baseline code; the flags must be accepted too
            objects = compiler.compile([str(src)], output_dir=tmp)
            compiler.link_executable(objects, exe)
            compiler.compile([str(src)], output_dir=str(Path(tmp, "flags")),
                             extra_postargs=flags)
            if subprocess.run([exe]).returncode != 0:
                return []
        except Exception:  # noqa: BLE001 - an old compiler or CPU: baseline
            return []
    return flags


class BuildExt(build_ext):
    """Add OpenMP, instruction-set and sanitizer flags once the compiler is known."""

    def build_extensions(self):
        self.force = self.force or MODE_CHANGED
        isa = _isa_flags(self.compiler)
        print(f"imgconv: kernels compiled for {'x86-64-v3' if isa else 'the baseline'}",
              file=sys.stderr)
        compile_args, link_args = _openmp_flags(self.compiler)
        if self.compiler.compiler_type != "msvc":
            compile_args = compile_args + (["-O0", "-g"] if DEBUG or ASAN else ["-O3"])
            if ASAN:
                sanitize = ["-fsanitize=address", "-fno-omit-frame-pointer"]
                compile_args += sanitize
                link_args = link_args + sanitize
        for ext in self.extensions:
            ext.extra_compile_args = list(ext.extra_compile_args) + compile_args
            ext.extra_link_args = list(ext.extra_link_args) + link_args
            if ext.name == RUNTIME_MODULE:
                ext.define_macros = list(ext.define_macros) + [
                    ("IMGCONV_NEEDS_X86_64_V3", "1" if isa else "0")]
            else:
                ext.extra_compile_args += isa
        super().build_extensions()
        MODE_STAMP.parent.mkdir(exist_ok=True)
        MODE_STAMP.write_text(MODE)


extensions = [
    Extension(
        f"imgconv._ext.{path.stem}",
        [str(path.relative_to(HERE))],
        include_dirs=[numpy.get_include(), "pyx"],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    )
    for path in sorted((HERE / "pyx").glob("*.pyx"))
]

setup(
    ext_modules=cythonize(
        extensions,
        include_path=["pyx"],
        force=MODE_CHANGED,
        compiler_directives=DIRECTIVES,
        annotate=os.environ.get("IMGCONV_ANNOTATE", "0") == "1",
    ),
    cmdclass={"build_ext": BuildExt},
)
