"""Type aliases of the public signatures.

Imported by the public modules for their annotations only (under
``typing.TYPE_CHECKING``, with ``from __future__ import annotations``), so
nothing here runs when imgconv is imported.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    from dask.array import Array as DaskArray
else:
    DaskArray = Any

#: an array of any dtype the function returns
Array: TypeAlias = NDArray[Any]
#: one value for both spatial axes, or (height, width)
Pair: TypeAlias = "int | tuple[int, int]"
#: padding or cropping: one value, (height, width) or ((top, bottom), (left, right))
Margins: TypeAlias = "int | tuple[int, int] | tuple[tuple[int, int], tuple[int, int]]"
#: what seeds a random generator (numpy.random.default_rng's argument)
RandomState: TypeAlias = "int | np.random.Generator | np.random.SeedSequence | None"
#: an image, or a dask array of one
Image: TypeAlias = "ArrayLike | DaskArray"
#: what an image function returns: an array for an array, a dask array for a dask array
ImageOut: TypeAlias = "NDArray[Any] | DaskArray"
#: sizes or factors, one per axis or one for all
Sizes: TypeAlias = "int | Sequence[int]"
Scales: TypeAlias = "float | Sequence[float]"

#: scipy.ndimage's border modes (atrous filters)
NdimageMode: TypeAlias = Literal["reflect", "mirror", "nearest", "wrap", "constant"]
#: numpy.pad's border modes (resampling, as skimage.transform)
PadMode: TypeAlias = Literal["reflect", "edge", "symmetric", "wrap", "constant"]

__all__ = ["Array", "ArrayLike", "DaskArray", "Image", "ImageOut", "Margins", "NDArray",
           "NdimageMode", "PadMode", "Pair", "RandomState", "Scales", "Sizes"]
