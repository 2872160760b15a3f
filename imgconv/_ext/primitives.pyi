# Stub of the kernel module built from pyx/primitives.pyx, compiled per CPU
# level as imgconv._ext.<level>.primitives and registered as
# imgconv._ext.primitives by imgconv/_ext/__init__.py.
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: scipy.ndimage's mode names and the kernels' code for each
BORDER_MODES: dict[str, int]

def border_map(positions: ArrayLike, n: int, mode: int) -> NDArray[np.intp]: ...
def value_range(values: NDArray[np.floating[Any]], result: NDArray[np.floating[Any]],
                n_threads: int) -> None: ...
def unpremultiply(colour: NDArray[np.uint16], divisor: NDArray[np.uint16],
                  alpha: NDArray[np.unsignedinteger[Any]], top: float,
                  out: NDArray[np.unsignedinteger[Any]], n_threads: int) -> None: ...
