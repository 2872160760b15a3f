"""What every ``out=`` must refuse, and the check that a refusal writes nothing.

``refused_outs(shape, dtype)`` gives, for a result of that shape and dtype,
the caller arrays an ``out=`` must refuse (with the error and message
expected), each filled with ``SENTINEL``; ``assert_refused`` runs the call
and checks that the array still holds nothing but the sentinel.
"""
import numpy as np
import pytest

#: What an ``out`` holds before a call; a refused call leaves it so.
SENTINEL = 7.25


def _filled(shape, dtype, read_only=False):
    array = np.full(shape, SENTINEL, dtype)
    array.flags.writeable = not read_only
    return array


def refused_outs(shape, dtype, *, contiguous=True):
    """``{name: (out, error, match)}`` of the outputs a call whose result has
    ``shape`` and ``dtype`` must refuse; ``contiguous``: whether it needs a
    C-contiguous ``out``."""
    dtype = np.dtype(dtype)
    other = np.float32 if dtype == np.float64 else np.float64
    longer = shape[:-1] + (shape[-1] + 1,)
    cases = {
        "shape": (_filled(longer, dtype), ValueError,
                  rf"out must be an array of shape {re_tuple(shape)} and dtype {dtype}"),
        "ndim": (_filled((1,) + shape, dtype), ValueError, "got shape"),
        "dtype": (_filled(shape, other), ValueError, f"got shape .* and dtype {np.dtype(other)}"),
        "byte-order": (_filled(shape, dtype.newbyteorder(">")), ValueError, "and dtype"),
        "read-only": (_filled(shape, dtype, read_only=True), ValueError, "out is read-only"),
        "list": (_filled(shape, dtype).tolist(), TypeError, "out must be an array of shape"),
        "masked": (np.ma.masked_array(_filled(shape, dtype)), TypeError,
                   "out must be an array of shape"),
    }
    if contiguous:
        wide = _filled(shape[:-1] + (2 * shape[-1],), dtype)
        cases["strided"] = (wide[..., ::2], ValueError, "out must be C-contiguous")
    return cases


def re_tuple(shape):
    """A shape as it prints, escaped for a regular expression."""
    return str(tuple(shape)).replace("(", r"\(").replace(")", r"\)")


def assert_refused(call, out, error, match):
    """``call(out)`` raises ``error`` matching ``match``, and ``out`` holds
    only the sentinel afterwards."""
    with pytest.raises(error, match=match):
        call(out)
    values = np.ma.getdata(out) if isinstance(out, np.ma.MaskedArray) else np.asarray(out)
    assert (values == np.array(SENTINEL).astype(values.dtype)).all(), "a refused out was written"


def fresh_out(shape, dtype):
    """A writeable, C-contiguous out of ``shape`` holding the sentinel."""
    return _filled(shape, dtype)
