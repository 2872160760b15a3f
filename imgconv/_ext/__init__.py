"""The compiled kernels, at the instruction-set level chosen for this CPU.

Each kernel module is compiled once per CPU level, as
``imgconv._ext.<level>.<name>``:

========== ==============================================================
baseline   the architecture's baseline (x86-64: SSE2), runs anywhere
v3         x86-64-v3: AVX2, FMA, BMI1/2 (x86 CPUs since about 2015)
v4         x86-64-v4: AVX-512 F, BW, CD, DQ, VL
========== ==============================================================

Importing this package loads the modules of one level and registers each as
``imgconv._ext.<name>``, so the rest of imgconv imports ``from ._ext import
<name>`` whatever the level. The level is the best one that was built and
that this CPU runs, or the one named by the environment variable
``IMGCONV_CPU`` (``baseline``, ``v3``, ``v4``; empty or ``auto``: the best),
read once, at the first import. ``runtime`` (CPU detection, build facts) is
compiled for the baseline alone.

The levels give identical results: the kernels are compiled without
floating-point contraction, so wider vectors do the same operations in the
same order.
"""
import importlib
import os
import sys

from . import runtime

#: CPU levels, most portable first, with what each needs of the CPU.
LEVELS = {
    "baseline": "the architecture's baseline",
    "v3": "x86-64-v3: AVX2, FMA, BMI1/2",
    "v4": "x86-64-v4: AVX-512 F/BW/CD/DQ/VL",
}


def choose_level(requested, built, cpu):
    """The level to load.

    Parameters
    ----------
    requested : str
        The value of ``IMGCONV_CPU``: a level name, or '' / 'auto' for the
        best level that is both built and run by the CPU.
    built : sequence of str
        Levels compiled.
    cpu : sequence of str
        Levels this CPU runs.

    Returns
    -------
    str

    Raises
    ------
    ImportError
        When ``requested`` is no level, was not built or needs instructions
        this CPU lacks, or when no level built runs on this CPU; the message
        names what is available.

    Examples
    --------
    >>> choose_level("", ("baseline", "v3", "v4"), ("baseline", "v3"))
    'v3'
    >>> choose_level("baseline", ("baseline", "v3", "v4"), ("baseline", "v3"))
    'baseline'
    """
    available = (f"built: {', '.join(built) or 'none'}; "
                 f"this CPU runs: {', '.join(cpu)}")
    name = requested.strip().lower()
    if name in ("", "auto"):
        usable = [level for level in LEVELS if level in built and level in cpu]
        if not usable:
            raise ImportError(
                f"imgconv's kernels were built for no level this CPU runs ({available}); "
                "rebuild imgconv with IMGCONV_CPU_LEVELS unset, or naming a level it runs")
        return usable[-1]
    if name not in LEVELS:
        raise ImportError(f"IMGCONV_CPU={requested!r} is not a CPU level; expected one of "
                          f"auto, {', '.join(LEVELS)} ({available})")
    if name not in built:
        raise ImportError(f"IMGCONV_CPU={requested!r}: imgconv was not built for {name} "
                          f"({available})")
    if name not in cpu:
        raise ImportError(f"IMGCONV_CPU={requested!r}: this CPU lacks {LEVELS[name]} "
                          f"({available})")
    return name


def _load(level, modules):
    """Import ``modules`` of ``level`` and register them under this package."""
    for name in modules:
        module = importlib.import_module(f"{__name__}.{level}.{name}")
        globals()[name] = module
        sys.modules[f"{__name__}.{name}"] = module


#: The build's facts (levels, modules, flags), read once.
BUILD = runtime.build_info()
#: The level whose kernels are loaded.
LEVEL = choose_level(os.environ.get("IMGCONV_CPU", ""), BUILD["levels"], runtime.cpu_levels())
_load(LEVEL, BUILD["modules"])
