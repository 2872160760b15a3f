# Stub of the kernel module built from pyx/atrous.pyx, compiled per CPU level
# as imgconv._ext.<level>.atrous and registered as imgconv._ext.atrous by
# imgconv/_ext/__init__.py. Floating arrays are float32 or float64 (one type
# per call); index arrays are intp.
from typing import Any

import numpy as np
from numpy.typing import NDArray

_Float = NDArray[np.floating[Any]]
_Index = NDArray[np.intp]

def correlate(image: _Float, tap_row: _Index, tap_col: _Index, tap_weight: _Float,
              rows: _Index, cols: _Index, dil_x: int, lo: int, hi: int, cval: float,
              out: _Float, n_threads: int) -> None: ...
def separable(image: _Float, taps_y: _Float, taps_x: _Float, rows: _Index, cols: _Index,
              dil_x: int, lo: int, hi: int, cval: float, out: _Float, detail: _Float | None,
              work: _Float, n_threads: int) -> None: ...
def sum_planes(planes: _Float, out: _Float, n_threads: int) -> None: ...
def derivative_features(smooth: _Float, rows: _Index, cols: _Index, d: int, cval: float,
                        magnitude: _Float | None, large: _Float | None, small: _Float | None,
                        n_threads: int) -> None: ...
