"""``imgconv.show_config``: how imgconv was built and what it runs with."""
from __future__ import annotations

import os
import sys
from typing import Any, Literal

from . import _ext
from ._ext import runtime
from ._threads import effective_n_threads
from ._version import __version__


def _libraries(user_api):
    """threadpoolctl's record of each loaded library of ``user_api``."""
    from threadpoolctl import threadpool_info

    return [lib for lib in threadpool_info() if lib.get("user_api") == user_api]


def _describe(lib):
    """One line for a threadpoolctl library record."""
    parts = [f"{lib.get('internal_api', '?')} {lib.get('version') or ''}".strip()]
    if lib.get("architecture"):
        parts.append(f"kernels {lib['architecture']}")
    if lib.get("threading_layer"):
        parts.append(f"threading {lib['threading_layer']}")
    parts.append(f"{lib.get('num_threads')} threads")
    return ", ".join(parts) + f" ({lib.get('filepath')})"


def _config():
    build = dict(_ext.BUILD)
    requested = os.environ.get("IMGCONV_CPU", "")
    return {
        "build": build,
        "runtime": {
            "cpu_levels": list(runtime.cpu_levels()),
            "level": _ext.LEVEL,
            "requested": requested or "auto",
            "openmp_threads": effective_n_threads(None),
            "blas": _libraries("blas"),
            "openmp": _libraries("openmp"),
        },
    }


def show_config(mode: Literal["stdout", "dicts"] = "stdout") -> dict[str, Any] | None:
    """Print (or return) how imgconv was built and what it runs with.

    The build: compiler, mode (release, debug or AddressSanitizer), the CPU
    levels compiled and each level's flags, OpenMP. The run: the levels this
    CPU runs and the one whose kernels are loaded (the best, or the one
    named by the environment variable ``IMGCONV_CPU``), the thread count of
    ``n_threads=None``, and the BLAS and OpenMP libraries loaded (as
    threadpoolctl reports them).

    Parameters
    ----------
    mode : {'stdout', 'dicts'}, optional
        'stdout' prints a summary; 'dicts' returns the facts as a dict with
        keys 'build' and 'runtime' instead.

    Returns
    -------
    dict or None

    Examples
    --------
    >>> import imgconv
    >>> config = imgconv.show_config(mode="dicts")
    >>> config["runtime"]["level"] in config["build"]["levels"]
    True
    >>> sorted(config["runtime"])
    ['blas', 'cpu_levels', 'level', 'openmp', 'openmp_threads', 'requested']
    """
    if mode not in ("stdout", "dicts"):
        raise ValueError(f"mode must be 'stdout' or 'dicts', got {mode!r}")
    config = _config()
    if mode == "dicts":
        return config
    build, run = config["build"], config["runtime"]

    lines = [
        f"imgconv {__version__} ({os.path.dirname(os.path.abspath(__file__))})",
        "build:",
        f"  compiler:        {build['compiler']}",
        f"  mode:            {build['mode']}",
        f"  levels compiled: {', '.join(build['levels'])}",
        *(f"  flags {level + ':':<11}{flags}" for level, flags in build["flags"].items()),
        f"  OpenMP:          {'yes' if build['openmp'] else 'no'}",
        "run time:",
        f"  CPU runs:        {', '.join(run['cpu_levels'])}",
        f"  kernels loaded:  {run['level']} (IMGCONV_CPU={run['requested']})",
        f"  threads:         {run['openmp_threads']} (n_threads=None)",
        *(f"  BLAS:            {_describe(lib)}" for lib in run["blas"]),
        *(f"  OpenMP runtime:  {_describe(lib)}" for lib in run["openmp"]),
    ]
    print("\n".join(lines), file=sys.stdout)
    return None
