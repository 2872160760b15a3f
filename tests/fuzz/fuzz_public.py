"""Fuzz harness over imgconv's public functions.

Bytes choose a function, shapes, dtypes, memory layouts and parameters,
valid or not. The contract: a call returns, or raises TypeError/ValueError;
it never crashes, hangs or raises anything else, and never writes into its
input.

Run it with atheris (``pip install imgconv[fuzz]``), ideally on the
AddressSanitizer build::

    python tests/fuzz/fuzz_public.py tests/fuzz/corpus -max_total_time=600

Without atheris, :func:`one_input` replays single inputs; the test suite
replays the corpus that way (tests/test_fuzz_corpus.py).
"""
import sys

import numpy as np

import imgconv

DTYPES = ["float32", "float64", "float16", "uint8", "uint16", "int16", "int64", "bool", ">f8"]
BAD_DTYPES = ["complex64", "object"]
#: Integer parameters: plausible values, and edge cases and absurd ones.
INTS = [1, 2, 3, 4]
BAD_INTS = [0, -1, 5, 8, 16, 2**31, 2**62 + 1, True, 2.0, None]


class Bytes:
    """Draw values from a byte string; past its end every draw gives 0."""

    def __init__(self, data):
        self.data = data
        self.pos = 0

    def byte(self):
        value = self.data[self.pos] if self.pos < len(self.data) else 0
        self.pos += 1
        return value

    def int(self, lo, hi):
        """An int in [lo, hi]."""
        return lo + (self.byte() | self.byte() << 8) % (hi - lo + 1)

    def choice(self, options):
        return options[self.int(0, len(options) - 1)]

    def mostly(self, good, bad):
        """A value from ``good`` seven times in eight, else from ``bad``."""
        return self.choice(good) if self.byte() % 8 else self.choice(bad)

    def shape(self, ndim, hi=9):
        return tuple(self.int(1, hi) for _ in range(ndim))

    def array(self, shape):
        dtype = np.dtype(self.mostly(DTYPES, BAD_DTYPES))
        values = np.random.default_rng(self.int(0, 2**16)).uniform(-5, 5, shape)
        if dtype.kind == "O":
            array = values.astype(object)
        elif dtype.kind in "ui":
            array = np.abs(values).astype(dtype)
        else:
            array = values.astype(dtype)
        layout = self.int(0, 3)
        if layout == 1:
            array = np.asfortranarray(array)
        elif layout == 2 and array.ndim:
            array = np.flip(array, -1)
        elif layout == 3:
            array = array.copy()
            array.flags.writeable = False
        return array

    def param(self):
        return self.mostly(INTS, BAD_INTS)


def _conv2d(b):
    x = b.array(b.shape(b.int(3, 4)))
    channels = x.shape[-3] if x.ndim >= 3 else 1
    groups = b.mostly([1, channels], [2, 0, 3])
    w = b.array((b.int(1, 4) * max(1, groups), max(1, channels // max(1, groups)),
                 *b.shape(2, 4)))
    padding = b.mostly([0, 1, 2, "same", "valid", (1, 2)], [-1, 2**40, "full"])
    return imgconv.conv2d, (x, w), dict(stride=b.param(), padding=padding,
                                        dilation=b.param(), groups=groups,
                                        n_threads=b.choice([None, 1, 2, -1, 0]))


def _conv_transpose2d(b):
    x = b.array(b.shape(b.int(3, 4)))
    channels = x.shape[-3] if x.ndim >= 3 else 1
    w = b.array((channels, b.int(1, 3), *b.shape(2, 4)))
    return imgconv.conv_transpose2d, (x, w), dict(
        stride=b.param(), padding=b.mostly([0, 1, 2], [3, -1]),
        output_padding=b.mostly([0, 1], BAD_INTS), dilation=b.param(),
        groups=b.mostly([1, channels], [2, 0]))


def _shuffle(b):
    fn = b.choice([imgconv.depth_to_space, imgconv.space_to_depth, imgconv.space_to_batch,
                   imgconv.batch_to_space])
    x = b.array(b.shape(b.int(3, 4), 8))
    if fn in (imgconv.depth_to_space, imgconv.space_to_depth):
        return fn, (x, b.param()), dict(mode=b.mostly(["CRD", "DCR"], ["crd", 1]))
    return fn, (x, b.param(), b.mostly([0, 1, ((1, 0), (0, 1))], [-1, (1, 2, 3)])), {}


FILTER_MODES = ["reflect", "mirror", "nearest", "wrap", "constant"]


def _image(b):
    """An image, gray or with channels at a drawn axis, and that axis."""
    if b.byte() % 2:
        return b.array(b.shape(2, 12)), None
    axis = b.mostly([-1, 0], [1, 3, -4])
    return b.array(b.shape(3, 12)), axis


def _atrous_filter(b):
    image, axis = _image(b)
    kernel = b.array(b.shape(2, 4))
    return imgconv.atrous_filter, (image, kernel, b.mostly([1, 2, 3, (1, 4)], BAD_INTS)), dict(
        mode=b.mostly(FILTER_MODES, ["edge", None]), cval=b.mostly([0.0, 1.5], [np.nan, "0"]),
        channel_axis=axis)


def _starlet(b):
    image, axis = _image(b)
    fn = b.choice([imgconv.starlet, imgconv.multiscale_features])
    kwargs = dict(mode=b.mostly(FILTER_MODES, ["symmetric"]), channel_axis=axis)
    if fn is imgconv.starlet:
        return fn, (image, b.mostly([1, 2, 3], [0, 40, True])), kwargs
    return fn, (image,), dict(kwargs, n_scales=b.mostly([1, 2, 3], [0, 33]),
                              texture=b.mostly([True, False], [1]))


PAD_MODES = ["reflect", "edge", "symmetric", "wrap", "constant"]


def _resample(b):
    image, axis = _image(b)
    fn = b.choice([imgconv.upscale, imgconv.resize, imgconv.rescale])
    kwargs = dict(order=b.mostly([None, 0, 1], [2, -1, True]),
                  mode=b.mostly(PAD_MODES, ["mirror", ""]), cval=b.mostly([0.0, 2.0], [np.inf]),
                  channel_axis=axis, preserve_range=b.mostly([False, True], [None]),
                  preserve_dtype=b.mostly([False, True], [1]), max_pixels=b.mostly(
                      [None], [10, 0]))
    if fn is imgconv.upscale:
        kwargs["method"] = b.mostly(["auto", "polyphase", "gemm", "subpixel", "zero_insert"],
                                    ["fft"])
        return fn, (image, b.mostly([1, 2, 3, (2, 1)], BAD_INTS)), kwargs
    if fn is imgconv.resize:
        shape = b.mostly([b.shape(2, 20)], [(0, 3), (2**40, 2), (3,), "3x4"])
        kwargs["anti_aliasing"] = b.mostly([None, True, False], ["yes"])
        return fn, (image, shape), kwargs
    return fn, (image, b.mostly([0.5, 1.7, (0.3, 2.0)], [0, -1.0, np.nan, (1, 2, 3)])), kwargs


def _kernels(b):
    fn = b.choice([imgconv.bilinear_kernel, imgconv.nearest_kernel, imgconv.kernel_padding])
    if fn is imgconv.kernel_padding:
        weight = b.array((b.int(1, 3), b.int(1, 2), *b.shape(2, 5)))
        return fn, (weight,), dict(stride=b.param(), padding=b.mostly([0, 1], [-1]),
                                   output_padding=b.mostly([0, 1], BAD_INTS),
                                   dilation=b.param(), groups=b.mostly([1], [2, 0]))
    return fn, (b.mostly([1, 2, 3, 4, (2, 3)], BAD_INTS),), dict(
        channels=b.mostly([None, 1, 3], [0, True]))


_CONTEXT = imgconv.ContextModule(2, dilations=(1, 2))


def _context(b):
    x = b.array((b.int(1, 2), b.mostly([2], [3]), *b.shape(2, 12)))
    return _CONTEXT, (x,), dict(n_threads=b.mostly([None, 1], [0]))


TARGETS = [_conv2d, _conv_transpose2d, _shuffle, _atrous_filter, _starlet, _resample,
           _kernels, _context]


def one_input(data):
    """Run one fuzz input; raise AssertionError if the contract is broken."""
    b = Bytes(data)
    fn, args, kwargs = b.choice(TARGETS)(b)
    name = getattr(fn, "__name__", type(fn).__name__)
    before = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    try:
        result = fn(*args, **kwargs)
    except (TypeError, ValueError):
        result = None
    except MemoryError:
        raise AssertionError(f"{name} tried to allocate too much: {kwargs}") from None
    for old, new in zip(before, args):
        if isinstance(old, np.ndarray):
            assert old.dtype == new.dtype and (
                np.array_equal(old, new, equal_nan=old.dtype.kind == "f")
                if old.dtype.kind != "O" else True), f"{name} wrote into its input"
    if result is not None:
        arrays = result if isinstance(result, tuple) else (result,)
        # kernel_padding returns a SubpixelConv, which holds its weight array
        arrays += tuple(getattr(r, "weight", None) for r in arrays)
        assert any(isinstance(r, np.ndarray) for r in arrays), f"{name} returned {result!r}"


def main():
    import atheris

    atheris.instrument_all()      # coverage feedback from imgconv's Python layer
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
