"""Build script: compiles every ``pyx/*.pyx`` into ``imgconv._ext.<name>``.

Environment switches (read at build time):

``IMGCONV_DEBUG=1``
    Turn Cython's boundscheck, wraparound and initializedcheck back on and
    build without optimisation.
``IMGCONV_ASAN=1``
    Build with AddressSanitizer (run the tests with ``scripts/run_sanitized.sh``).
``IMGCONV_NO_OPENMP=1``
    Build without OpenMP even when the compiler supports it.
"""
import os
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
MODE = f"debug={DEBUG} asan={ASAN} no_openmp={NO_OPENMP}"
MODE_STAMP = HERE / "build" / "imgconv-mode.txt"
MODE_CHANGED = not MODE_STAMP.exists() or MODE_STAMP.read_text() != MODE


class BuildExt(build_ext):
    """Add OpenMP and sanitizer flags once the compiler is known."""

    def build_extensions(self):
        self.force = self.force or MODE_CHANGED
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
