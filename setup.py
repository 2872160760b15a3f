"""Build script: compiles ``pyx/*.pyx`` into ``imgconv._ext``.

Every kernel module (each ``pyx/*.pyx`` but ``runtime.pyx``) is compiled once
per CPU level, into ``imgconv._ext.<level>.<name>``:

``baseline``
    the architecture's baseline (x86-64: SSE2; the only level elsewhere);
``v3``
    x86-64-v3: AVX2, FMA, BMI1/2 (x86 CPUs since about 2015);
``v4``
    x86-64-v4: AVX-512 F, BW, CD, DQ and VL (on 256-bit vectors).

``import imgconv`` loads the best level the CPU runs (``imgconv/_ext/__init__.py``;
the ``IMGCONV_CPU`` environment variable overrides it). ``runtime.pyx`` is
compiled once, for the baseline, into ``imgconv._ext.runtime``: it detects
the CPU's level before any kernel is loaded and reports how the build was made.

Floating-point contraction is off at every level (``-ffp-contract=off``): a
fused multiply-add rounds once where the baseline rounds twice, so with it
off every level computes the same bits wherever the order of operations is
the same.

Environment switches (read at build time):

``IMGCONV_CPU_LEVELS=baseline,v3,v4``
    The levels to compile, comma-separated. Default: every level the compiler
    can target (on other architectures than x86-64: the baseline only). A
    level named here that the compiler cannot target stops the build. One
    level (e.g. ``IMGCONV_CPU_LEVELS=v3`` for a development build on a
    machine that runs it) compiles in a third of the time; a wheel for other
    machines needs the baseline.
``IMGCONV_DEBUG=1``
    Turn Cython's boundscheck, wraparound and initializedcheck back on and
    build without optimisation.
``IMGCONV_ASAN=1``
    Build with AddressSanitizer (run the tests with ``scripts/run_checked.sh asan``).
``IMGCONV_NO_OPENMP=1``
    Build without OpenMP even when the compiler supports it.
"""
import copy
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

try:
    from setuptools.errors import SetupError
except ImportError:  # setuptools < 59
    from distutils.errors import DistutilsSetupError as SetupError

HERE = Path(__file__).parent
DEBUG = os.environ.get("IMGCONV_DEBUG", "0") == "1"
ASAN = os.environ.get("IMGCONV_ASAN", "0") == "1"
NO_OPENMP = os.environ.get("IMGCONV_NO_OPENMP", "0") == "1"

PACKAGE = "imgconv._ext"
#: Compiled once, for the baseline: it must run on any CPU to tell which
#: level the CPU runs.
RUNTIME = "runtime"

#: CPU levels, most portable first: for each compiler kind, the flags that
#: target the level on x86-64. v4 keeps to 256-bit vectors, as GCC's own
#: tuning for AVX-512 server CPUs does: the kernels gain AVX-512's masks and
#: registers, while 512-bit vectors made the filter loops up to 10% slower
#: than v3 (the loops are bound by memory, and the wider vector loops leave
#: longer tails).
LEVEL_FLAGS = {
    "baseline": {"unix": ["-march=x86-64"], "msvc": []},
    "v3": {"unix": ["-march=x86-64-v3"], "msvc": ["/arch:AVX2"]},
    "v4": {"unix": ["-march=x86-64-v4", "-mprefer-vector-width=256"], "msvc": ["/arch:AVX512"]},
}
#: A macro the compiler defines only when it really targets the level (MSVC
#: merely warns about an /arch it does not know).
LEVEL_MACRO = {"baseline": "IMGCONV_X86_64", "v3": "__AVX2__", "v4": "__AVX512F__"}
X86_64_PROBE = ("#if defined(__x86_64__) || defined(_M_X64)\n"
                "#define IMGCONV_X86_64 1\n#endif\n")


def _requested_levels():
    """The levels named by IMGCONV_CPU_LEVELS, or None for 'all the compiler can'."""
    text = os.environ.get("IMGCONV_CPU_LEVELS", "").strip()
    if not text:
        return None
    levels = [name.strip().lower() for name in text.split(",") if name.strip()]
    unknown = [name for name in levels if name not in LEVEL_FLAGS]
    if unknown or not levels:
        raise SetupError(f"IMGCONV_CPU_LEVELS={text!r}: expected a comma-separated list of "
                         f"{', '.join(LEVEL_FLAGS)}")
    return [name for name in LEVEL_FLAGS if name in levels]


REQUESTED = _requested_levels()
if os.environ.get("IMGCONV_PORTABLE"):
    print("imgconv: IMGCONV_PORTABLE is no longer read: every build holds the baseline "
          "kernels beside the faster levels, chosen at import (IMGCONV_CPU_LEVELS selects "
          "the levels built)", file=sys.stderr)

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

# Rebuild everything when the build mode or the compiler flags change: the C
# files and objects of an earlier build are otherwise reused because their
# sources did not change. The stamp holds the mode, then the flags.
MODE = f"debug={DEBUG} asan={ASAN} no_openmp={NO_OPENMP} levels={REQUESTED or 'all'}"
MODE_STAMP = HERE / "build" / "imgconv-mode.txt"
STAMP = MODE_STAMP.read_text() if MODE_STAMP.exists() else ""
MODE_CHANGED = STAMP.split("\n", 1)[0] != MODE


def _compiles(compiler, source, flags=(), link=False):
    """True when ``compiler`` compiles (and links, if asked) ``source`` with ``flags``."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "probe.c")
        src.write_text(source)
        try:
            objects = compiler.compile([str(src)], output_dir=tmp, extra_postargs=list(flags))
            if link:
                compiler.link_executable(objects, str(Path(tmp, "probe")),
                                         extra_postargs=list(flags))
        except Exception:  # noqa: BLE001 - any compiler failure means "no"
            return False
    return True


def _openmp_flags(compiler):
    """Return (compile_args, link_args) for OpenMP, or ([], []) without it."""
    if NO_OPENMP:
        return [], []
    if compiler.compiler_type == "msvc":
        return ["/openmp"], []
    flags = ["-fopenmp"]
    test = "#include <omp.h>\nint main(void) { return omp_get_max_threads() < 1; }\n"
    if not _compiles(compiler, test, flags, link=True):
        print("imgconv: OpenMP not available, building serial kernels", file=sys.stderr)
        return [], []
    return flags, flags


def _level_flags(compiler):
    """{level: flags} for the levels this compiler can target, baseline first.

    On x86-64 each level is tried with its flags (the baseline named
    explicitly, so that CFLAGS such as -march=native cannot raise it); on
    other architectures only the baseline is built, with no flags.
    """
    kind = "msvc" if compiler.compiler_type == "msvc" else "unix"
    if not _compiles(compiler, X86_64_PROBE + "#ifndef IMGCONV_X86_64\n#error\n#endif\n"):
        return {"baseline": []}
    levels = {}
    for level, flags in LEVEL_FLAGS.items():
        probe = f"{X86_64_PROBE}#ifndef {LEVEL_MACRO[level]}\n#error\n#endif\n"
        if _compiles(compiler, probe, flags[kind]):
            levels[level] = flags[kind]
    return levels


def _common_flags(compiler):
    """(compile_args, link_args) shared by every module: optimisation,
    OpenMP, sanitizer, floating-point contraction off."""
    compile_args, link_args = _openmp_flags(compiler)
    if compiler.compiler_type == "msvc":
        # /fp:precise (the default) does not contract since Visual Studio 2022
        return compile_args + ["/fp:precise"], link_args
    compile_args = compile_args + (["-O0", "-g"] if DEBUG or ASAN else ["-O3"])
    compile_args.append("-ffp-contract=off")
    if ASAN:
        sanitize = ["-fsanitize=address", "-fno-omit-frame-pointer"]
        compile_args += sanitize
        link_args = link_args + sanitize
    return compile_args, link_args


def _write_if_changed(path, text):
    """Write ``text`` unless ``path`` holds it already (its date drives rebuilds)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


class BuildExt(build_ext):
    """Compile each kernel module per CPU level, with OpenMP, contraction off
    and the sanitizer where asked, and record the build in the runtime module."""

    def finalize_options(self):
        super().finalize_options()
        if self.parallel is None:          # the levels multiply the work: use every core
            self.parallel = os.cpu_count() or 1

    def build_extensions(self):
        targets = _level_flags(self.compiler)
        wanted = REQUESTED or list(targets)
        missing = [level for level in wanted if level not in targets]
        if missing:
            raise SetupError(
                f"IMGCONV_CPU_LEVELS asks for {', '.join(missing)}, which this compiler "
                f"cannot target; it can build {', '.join(targets)}")
        # an extension per level was declared; keep those of the levels built
        self.extensions = [ext for ext in self.extensions
                           if getattr(ext, "imgconv_level", None) in (None, *wanted)]
        compile_args, link_args = _common_flags(self.compiler)
        flags = {level: targets[level] + compile_args for level in wanted}
        runtime_flags = targets.get("baseline", []) + compile_args
        for ext in self.extensions:
            level = getattr(ext, "imgconv_level", None)
            ext.extra_compile_args = list(ext.extra_compile_args) + (
                flags[level] if level else runtime_flags)
            ext.extra_link_args = list(ext.extra_link_args) + link_args
        modules = sorted({ext.name.rsplit(".", 1)[1] for ext in self.extensions
                          if getattr(ext, "imgconv_level", None)})
        stamp = f"{MODE}\n{json.dumps([flags, runtime_flags, link_args])}"
        self.force = self.force or stamp != STAMP
        self._record_build(wanted, modules, flags, link_args)
        print(f"imgconv: kernels compiled for {', '.join(wanted)}", file=sys.stderr)
        super().build_extensions()
        MODE_STAMP.parent.mkdir(exist_ok=True)
        MODE_STAMP.write_text(stamp)

    def _record_build(self, levels, modules, flags, link_args):
        """Write the header that the runtime module compiles in: the levels
        and modules built and their flags (read back by ``show_config``)."""
        info = {
            "levels": levels,
            "modules": modules,
            "flags": {level: " ".join(f) for level, f in flags.items()},
            "link_flags": " ".join(link_args),
            "mode": "asan" if ASAN else "debug" if DEBUG else "release",
        }
        folder = Path(self.build_temp, "imgconv-build-info")
        header = folder / "imgconv_build_info.h"
        # a JSON text is a valid C string literal once quoted again (all ASCII)
        _write_if_changed(header, f"#define IMGCONV_BUILD_INFO {json.dumps(json.dumps(info))}\n")
        for ext in self.extensions:
            if getattr(ext, "imgconv_level", None) is None:
                ext.include_dirs = list(ext.include_dirs) + [str(folder)]
                ext.depends = list(ext.depends) + [str(header)]


def _extensions():
    """The runtime module, and each kernel module once per CPU level.

    Cython translates each ``.pyx`` once, as ``imgconv._ext.<name>``; the
    levels compile that one C file under their own module names (an
    extension's init function is named by the last part only), each through
    a one-line file of its own that includes it, so that each level's object
    file has a path of its own (the levels compile in parallel, and one
    object path shared by them let one level link another's half-written
    object).
    """
    sources = sorted((HERE / "pyx").glob("*.pyx"))
    if RUNTIME not in {path.stem for path in sources}:
        raise SetupError(f"pyx/{RUNTIME}.pyx is missing")
    translated = cythonize(
        [Extension(f"{PACKAGE}.{path.stem}", [str(path.relative_to(HERE))],
                   include_dirs=[numpy.get_include(), "pyx"],
                   define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")])
         for path in sources],
        include_path=["pyx"],
        force=MODE_CHANGED,
        compiler_directives=DIRECTIVES,
        annotate=os.environ.get("IMGCONV_ANNOTATE", "0") == "1",
    )
    extensions = []
    for ext in translated:
        stem = ext.name.rsplit(".", 1)[1]
        if stem == RUNTIME:
            extensions.append(ext)
            continue
        (c_file,) = ext.sources
        for level in REQUESTED or LEVEL_FLAGS:
            clone = copy.deepcopy(ext)
            clone.name = f"{PACKAGE}.{level}.{stem}"
            clone.imgconv_level = level
            wrapper = Path("build", "levels", level, f"{stem}.c")
            _write_if_changed(HERE / wrapper, f'#include "../../../{Path(c_file).as_posix()}"\n')
            clone.sources = [str(wrapper)]
            clone.depends = [*clone.depends, c_file]
            extensions.append(clone)
    return extensions


setup(ext_modules=_extensions(), cmdclass={"build_ext": BuildExt})
