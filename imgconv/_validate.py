"""Argument and array checks shared by every public function.

Every check raises ``TypeError`` (wrong kind of value) or ``ValueError``
(right kind, wrong value) with a message that names the argument, the value
or shape received and what is accepted. Compiled kernels never validate:
whatever reaches them has passed through here.
"""
from __future__ import annotations

import math
import numbers
import operator
import os
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._ext.primitives import BORDER_MODES

#: Default bound on the pixels (product of the spatial sizes) of an output,
#: as Pillow's ``Image.MAX_IMAGE_PIXELS``. Override per call with
#: ``max_pixels=`` or for the process with the environment variable
#: ``IMGCONV_MAX_PIXELS``.
DEFAULT_MAX_PIXELS = 178_956_970

#: Largest value the BLAS interface (32-bit integers) can take for a size or
#: a row stride.
BLAS_INT_MAX = 2**31 - 1


def _describe(value):
    """Short repr of a value for error messages (arrays by shape and dtype)."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


#: Largest magnitude of an integer argument: sizes and counts derived from
#: it stay within the 64-bit integers of the kernels.
INT_LIMIT = 2**62


def check_int(value, name, *, min_value=None, max_value=None):
    """Return ``value`` as a Python int, or raise.

    Accepts Python and NumPy integers (0-d integer arrays too); rejects bool
    (``True`` is not the number 1 here), floats (``2.0`` included), values
    beyond ``INT_LIMIT`` and everything else.
    """
    if isinstance(value, (bool, np.bool_)) or (
            isinstance(value, np.ndarray) and value.dtype == bool):
        raise TypeError(f"{name} must be an integer, got the bool {value!r}")
    try:
        result = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {_describe(value)}") from None
    if min_value is not None and result < min_value:
        raise ValueError(f"{name} must be >= {min_value}, got {result}")
    if max_value is not None and result > max_value:
        raise ValueError(f"{name} must be <= {max_value}, got {result}")
    if abs(result) > INT_LIMIT:
        raise ValueError(f"{name} must be at most 2**62 in magnitude, got {result}")
    return result


def is_sequence(value):
    """Whether ``value`` is a tuple, list or an array of at least one dimension
    (a 0-d array is a scalar)."""
    return isinstance(value, (tuple, list)) or (isinstance(value, np.ndarray) and value.ndim > 0)


def check_pair(value: Any, name: str, *, min_value: int | None = None) -> tuple[int, int]:
    """Return an int or a sequence of two ints as a tuple ``(a, b)``."""
    if is_sequence(value):
        if len(value) != 2:
            raise ValueError(
                f"{name} must be an integer or a pair of integers, got {_describe(value)}"
            )
        return tuple(check_int(v, name, min_value=min_value) for v in value)
    v = check_int(value, name, min_value=min_value)
    return v, v


def check_float(value, name, *, min_value=None, exclusive_min=False, finite=True):
    """Return ``value`` as a Python float, or raise (bool is rejected; a 0-d
    real array is a number)."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_describe(value)}")
    try:
        result = float(value)
    except OverflowError:
        raise ValueError(f"{name} is too large for a float, got {_describe(value)}") from None
    if finite and not math.isfinite(result):
        raise ValueError(f"{name} must be finite, got {result}")
    if min_value is not None:
        if result < min_value or (exclusive_min and result == min_value):
            op = ">" if exclusive_min else ">="
            raise ValueError(f"{name} must be {op} {min_value}, got {result}")
    return result


def warn_caller(message, category=UserWarning):
    """``warnings.warn`` pointed at the user's line: the first frame outside
    this package, however deep in it the warning arises."""
    import sys
    import warnings

    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame, level = sys._getframe(1), 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def check_dtype(value, name="dtype"):
    """``np.dtype(value)``, or a TypeError naming the argument."""
    try:
        return np.dtype(value)
    except TypeError:
        raise TypeError(f"{name} must be a NumPy dtype, got {_describe(value)}") from None


def check_choice(value, name, choices):
    """Return ``value`` if it is one of ``choices`` (strings), else raise."""
    if not isinstance(value, str) or value not in choices:
        accepted = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {accepted}; got {_describe(value)}")
    return value


def max_pixels_limit(max_pixels=None):
    """The pixel bound of a call: the argument, else the environment, else the default."""
    if max_pixels is None:
        env = os.environ.get("IMGCONV_MAX_PIXELS")
        if env is None:
            return DEFAULT_MAX_PIXELS
        try:
            return check_int(int(env), "IMGCONV_MAX_PIXELS", min_value=1)
        except ValueError:
            raise ValueError(
                f"the environment variable IMGCONV_MAX_PIXELS must be a positive integer, "
                f"got {env!r}"
            ) from None
    return check_int(max_pixels, "max_pixels", min_value=1)


def check_output_pixels(spatial_shape, max_pixels=None, *, what="output"):
    """Raise unless ``prod(spatial_shape)`` is within the pixel bound.

    The product is taken in Python ints, so it cannot overflow; call this
    before allocating anything of that size.
    """
    limit = max_pixels_limit(max_pixels)
    pixels = math.prod(int(s) for s in spatial_shape)
    if pixels > limit:
        raise ValueError(
            f"the {what} would have {pixels} pixels (shape {tuple(spatial_shape)}), more "
            f"than max_pixels={limit}; pass a larger max_pixels (or set IMGCONV_MAX_PIXELS) "
            "if this is intended"
        )
    return pixels


def check_blas_size(value, what):
    """Raise unless ``value`` fits the 32-bit integers of the BLAS interface."""
    if value > BLAS_INT_MAX:
        raise ValueError(f"{what} is {value}, more than BLAS can index ({BLAS_INT_MAX})")


def check_array(value: Any, name: str) -> NDArray[Any]:
    """Turn ``value`` into an ndarray with a numeric or bool dtype, or raise.

    Masked arrays are rejected (a mask would be silently dropped), and so
    are complex, object, string, datetime and structured dtypes.
    """
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(
            f"{name} is a masked array; masks are not supported: pass "
            f"{name}.filled(value) or np.asarray({name}) to choose how masked pixels count"
        )
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise TypeError(f"{name} must be array-like, got {_describe(value)}: {exc}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must have a real numeric or bool dtype, got dtype {array.dtype}"
        )
    return array


def float_dtype_for(dtype):
    """The float type an op computes in for an input dtype, tensor or image.

    float32 and float64 are kept; float16 computes in float32; integers and
    bool compute in float64 (tensor ops keep their values, the image API
    scales them as :func:`image_to_float` says).
    """
    dtype = np.dtype(dtype)
    if dtype.kind == "f" and dtype.itemsize <= 4:
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def as_native(array: NDArray[Any]) -> NDArray[Any]:
    """``array`` in native byte order (itself when it already is)."""
    return array.astype(array.dtype.newbyteorder("="), copy=False)


def as_compute_array(array, dtype):
    """A native-endian, C-contiguous array of ``dtype``: ``array`` itself when
    it already is one, else a copy. Kernels only read it, so the caller's
    data is never written."""
    return np.ascontiguousarray(array, dtype=np.dtype(dtype).newbyteorder("="))


def check_tensor(value, name, ndims):
    """Validate a tensor-op input: an array with ``ndim`` in ``ndims`` and no
    empty dimension other than the batch (the first of a 4-D tensor)."""
    array = check_array(value, name)
    if array.ndim not in ndims:
        accepted = " or ".join(f"{n}-D" for n in ndims)
        raise ValueError(f"{name} must be {accepted}, got shape {array.shape}")
    first = 1 if array.ndim == 4 else 0
    if any(s == 0 for s in array.shape[first:]):
        raise ValueError(f"{name} must not have empty dimensions, got shape {array.shape}")
    return array


def check_random_state(random_state):
    """What ``numpy.random.default_rng`` takes, less the forms that are likely
    mistakes (True, "abc", 1.5, lists): None, a non-negative integer, a
    Generator or a SeedSequence."""
    if random_state is None or isinstance(random_state,
                                          (np.random.Generator, np.random.SeedSequence)):
        return random_state
    try:
        return check_int(random_state, "random_state", min_value=0)
    except TypeError:
        raise TypeError(
            "random_state must be None, a non-negative integer, a numpy.random.Generator or "
            f"a numpy.random.SeedSequence, got {_describe(random_state)}"
        ) from None


def check_n_threads(n_threads):
    """Validate ``n_threads``: None, or a non-zero int (negative counts from the end)."""
    if n_threads is None:
        return None
    n = check_int(n_threads, "n_threads")
    if n == 0:
        raise ValueError("n_threads must be None or a non-zero integer, got 0")
    return n


# ------------------------------------------------------------ image API ---

#: Border modes of the filters, in scipy.ndimage's vocabulary (what
#: skimage.filters uses), and their codes in the kernels (pyx/_boundary.pxd,
#: exposed by the primitives module). 'grid-*' are ndimage's aliases that
#: mean the same for a filter.
BORDER_CODES = dict(BORDER_MODES)

#: numpy.pad mode names (what skimage.transform uses) -> scipy.ndimage names,
#: as skimage.transform translates them.
PAD_TO_NDIMAGE = {
    "constant": "constant",
    "edge": "nearest",
    "symmetric": "reflect",
    "reflect": "mirror",
    "wrap": "wrap",
}


def check_filter_mode(mode):
    """A scipy.ndimage mode name -> its border code."""
    return BORDER_CODES[check_choice(mode, "mode", tuple(BORDER_CODES))]


def check_pad_mode(mode):
    """A numpy.pad mode name -> the border code of the same extension."""
    return BORDER_CODES[PAD_TO_NDIMAGE[check_choice(mode, "mode", tuple(PAD_TO_NDIMAGE))]]


def check_channel_axis(channel_axis, ndim):
    """None, or ``channel_axis`` normalised to [0, ndim)."""
    if channel_axis is None:
        return None
    axis = check_int(channel_axis, "channel_axis")
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"channel_axis={axis} is out of range for an image with {ndim} dimensions"
        )
    return axis % ndim


def check_image(image, channel_axis=None, name="image"):
    """Validate a 2-D image, gray ``(H, W)`` or with channels at ``channel_axis``.

    Returns ``(array, axis)``: the array (any real or bool dtype, not copied)
    and the normalised channel axis (None for gray).
    """
    array = check_array(image, name)
    axis = check_channel_axis(channel_axis, max(array.ndim, 1))
    expected = 2 if axis is None else 3
    if array.ndim != expected:
        hint = ""
        if axis is None and array.ndim == 3:
            hint = "; for a color image pass channel_axis (e.g. channel_axis=-1)"
        what = "(H, W)" if axis is None else f"3-D with channels at channel_axis={channel_axis}"
        raise ValueError(f"{name} must be {what}, got shape {array.shape}{hint}")
    if 0 in array.shape:
        raise ValueError(f"{name} must not have empty dimensions, got shape {array.shape}")
    return array, axis


def to_channels_last(image, axis):
    """View of a validated image as (H, W, C) (C = 1 for gray)."""
    return image[..., None] if axis is None else np.moveaxis(image, axis, -1)


def from_channels_last(out, axis):
    """Undo :func:`to_channels_last` on a result of shape (H', W', C)."""
    return out[..., 0] if axis is None else np.moveaxis(out, -1, axis)


def image_to_float(image, preserve_range):
    """Float image by scikit-image's rules (``skimage._shared.utils.convert_to_float``).

    float16 becomes float32; float32 and float64 are kept; integers and bool
    become float64, scaled to [0, 1] (signed: [-1, 1]) by ``img_as_float``
    unless ``preserve_range``, which keeps their values.
    """
    if image.dtype == np.float16:
        return image.astype(np.float32)
    if image.dtype.kind == "f":
        return image
    if preserve_range:
        return image.astype(np.float64)
    from skimage.util import img_as_float

    return img_as_float(image)


def check_bool(value, name):
    """Return ``value`` as a Python bool if it is a Python or NumPy bool, else raise
    (``1`` and ``'yes'`` are not flags here)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_describe(value)}")
    return bool(value)


def check_out(out, shape, dtype, inputs=(), *, contiguous=True, name="out"):
    """Validate a caller-provided output array; return it (or None).

    ``out`` must be a writeable ndarray of exactly ``shape`` and ``dtype``
    (native byte order), C-contiguous when ``contiguous``, and share no
    memory with any array of ``inputs``. Everything is checked before the
    caller writes anything, so a refused ``out`` is left untouched.
    """
    if out is None:
        return None
    shape, dtype = tuple(int(s) for s in shape), np.dtype(dtype)
    expected = f"an array of shape {shape} and dtype {dtype} (the result's)"
    if not isinstance(out, np.ndarray) or isinstance(out, np.ma.MaskedArray):
        raise TypeError(f"{name} must be {expected}, got {_describe(out)}")
    if out.shape != shape or out.dtype != dtype or not out.dtype.isnative:
        raise ValueError(
            f"{name} must be {expected}, got shape {out.shape} and dtype {out.dtype}")
    if not out.flags.writeable:
        raise ValueError(f"{name} is read-only; pass a writeable array")
    if contiguous and not out.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous (strides {out.strides} given)")
    for array in inputs:
        if isinstance(array, np.ndarray) and np.shares_memory(out, array):
            raise ValueError(
                f"{name} shares memory with an input; pass a separate array (the "
                "computation reads the input while it writes the output)")
    return out
