# Stub of the kernel module built from pyx/resample.pyx, compiled per CPU
# level as imgconv._ext.<level>.resample and registered as
# imgconv._ext.resample by imgconv/_ext/__init__.py. Sources are uint8,
# uint16, float32 or float64; sums and weights float32 or float64. The
# struct arguments are mappings of their fields (Cython converts them):
#   cols      form, lo, hi, factor
#   source    scale, cval, convert_rows
#   store     lo, hi, clip, stream, shift
#   schedule  blend_first, slots, items
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

_Array = NDArray[Any]
_Float = NDArray[np.floating[Any]]
_Struct = Mapping[str, Any]

#: the column forms of a pass ('taps', 'window', 'phases') and their codes
FORMS: dict[str, int]
#: the prefilter's boundary initialisations and their codes
INITS: dict[str, int]

def resample2d(image: _Array, out: _Array, row_index: NDArray[np.int32], row_weight: _Float,
               col_index: NDArray[np.int32], col_weight: _Float, cols: _Struct,
               source: _Struct, store: _Struct, schedule: _Struct, n_threads: int) -> None: ...
def axis_pass(image: _Array, out: _Array, index: NDArray[np.int32], weight: _Float,
              source: _Struct, store: _Struct, schedule: _Struct, n_threads: int) -> None: ...
def gather(image: _Array, out: _Array, row_index: NDArray[np.intp], col_index: NDArray[np.intp],
           factor: int, stream: bool, items: int, n_threads: int) -> None: ...
def prefilter(coefficients: _Float, poles: NDArray[np.float64], init: int,
              reads_running_sum: bool, n_threads: int) -> None: ...
