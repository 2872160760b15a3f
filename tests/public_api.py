"""One representative call of every public function, for the tests that must
hold for all of them: validation, views, threads, leaks.

Each case applies a public function to one main array input (the others
fixed), and says what dtype rule that function follows:

* ``tensor``: float32 kept, float16 -> float32, anything else real -> float64;
* ``image``: scikit-image's rules (float16/float32 -> float32, float64 kept,
  integers scaled to float64);
* ``data``: the dtype is kept (pure data movement);
* ``nearest``: kept too, but float16 becomes float32 (scikit-image's order 0);
* ``features``: float32 always.
"""
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

import imgconv


@dataclass(frozen=True)
class Case:
    name: str
    call: Callable          # call(array) -> result (ndarray, or tuple whose first item is one)
    shape: tuple            # shape of a valid main input
    kind: str               # 'tensor', 'image' or 'data'
    accepts_bool: bool = True
    # an input on which one call takes a good fraction of a second; cases that
    # have one also take n_threads=
    long_shape: tuple = field(default=None)
    # takes any number of dimensions (the resamplers): only 0-d is refused
    any_ndim: bool = False

    def make_input(self, seed=0, dtype=np.float64, shape=None):
        rng = np.random.default_rng(seed)
        return rng.uniform(-1, 1, shape or self.shape).astype(dtype)


def first_array(result):
    return result[0] if isinstance(result, tuple) else result


_W33 = np.random.default_rng(1).standard_normal((4, 3, 3, 3))
_WT44 = np.random.default_rng(2).standard_normal((3, 2, 4, 4))

CASES = [
    Case("conv2d", lambda x, **kw: imgconv.conv2d(x, _W33, padding=1, dilation=(1, 2), **kw),
         (2, 3, 9, 11), "tensor", long_shape=(6, 3, 1024, 1024)),
    Case("conv2d-depthwise-strided",
         lambda x: imgconv.conv2d(x, _W33[:3, :1], stride=2, groups=3), (1, 3, 10, 7), "tensor"),
    Case("conv_transpose2d",
         lambda x, **kw: imgconv.conv_transpose2d(x, _WT44, stride=2, padding=1,
                                                  output_padding=1, **kw),
         (2, 3, 6, 5), "tensor", long_shape=(4, 3, 768, 768)),
    Case("conv_lipschitz", lambda w: imgconv.conv_lipschitz(w, (3, 8, 8), padding=1)[1],
         (4, 3, 3, 3), "tensor"),
    Case("depth_to_space", lambda x: imgconv.depth_to_space(x, 2), (2, 8, 3, 5), "data"),
    Case("space_to_depth", lambda x: imgconv.space_to_depth(x, (2, 3), mode="DCR"),
         (1, 2, 4, 9), "data"),
    Case("space_to_batch", lambda x: imgconv.space_to_batch(x, 2, ((1, 0), (0, 1))),
         (2, 3, 5, 7), "data"),
    Case("batch_to_space", lambda x: imgconv.batch_to_space(x, 2, ((0, 1), (0, 0))),
         (4, 2, 3, 3), "data"),
]

_K55 = np.random.default_rng(3).standard_normal((5, 5))
_CONTEXT = imgconv.ContextModule(3, dilations=(1, 2, 1))
_CONTEXT.weights = [np.random.default_rng(4).standard_normal(w.shape) / 4
                    for w in _CONTEXT.weights]

CASES += [
    Case("atrous_filter",
         lambda x, **kw: imgconv.atrous_filter(x, _K55, (2, 3), mode="mirror", **kw),
         (13, 17), "image", long_shape=(4096, 4096)),
    Case("atrous_filter-color",
         lambda x: imgconv.atrous_filter(x, _K55[:3, :2], 2, mode="constant", cval=0.5,
                                         channel_axis=-1), (9, 11, 3), "image"),
    Case("starlet", lambda x, **kw: imgconv.starlet(x, 3, **kw), (12, 10), "image",
         long_shape=(3072, 3072)),
    Case("istarlet", lambda x: imgconv.istarlet(x), (3, 8, 9), "tensor"),
    Case("multiscale_features", lambda x, **kw: imgconv.multiscale_features(x, n_scales=3, **kw),
         (14, 15), "features", long_shape=(2048, 2048)),
    Case("ContextModule", lambda x, **kw: _CONTEXT(x, **kw), (2, 3, 9, 8), "tensor",
         long_shape=(1, 3, 1024, 1024)),
]

CASES += [
    Case("upscale", lambda x, **kw: imgconv.upscale(x, 3, order=1, **kw), (7, 5), "image",
         accepts_bool=False, long_shape=(2500, 2500), any_ndim=True),
    Case("upscale-nearest-color",
         lambda x: imgconv.upscale(x, (2, 3), order=0, channel_axis=0), (3, 6, 5), "nearest",
         any_ndim=True),
    Case("upscale-subpixel-edge",
         lambda x: imgconv.upscale(x, 2, order=1, mode="edge", method="subpixel"), (6, 7),
         "image", accepts_bool=False),
    Case("resize-downscale",
         lambda x, **kw: imgconv.resize(x, (5, 4), order=1, channel_axis=-1, **kw),
         (13, 11, 2), "image", accepts_bool=False, any_ndim=True),
    Case("rescale-nearest", lambda x: imgconv.rescale(x, 1.7, order=0), (6, 9), "nearest",
         any_ndim=True),
    Case("rescale-constant",
         lambda x: imgconv.rescale(x, 0.6, order=1, mode="constant", cval=0.2), (10, 7),
         "image", accepts_bool=False, any_ndim=True),
]

CASE_IDS = [c.name for c in CASES]


def expected_dtype(case, dtype):
    """The dtype ``case`` returns for an input of ``dtype``."""
    dtype = np.dtype(dtype)
    if case.kind == "data":
        return dtype.newbyteorder("=")
    if case.kind == "nearest":       # nearest-neighbour resampling, as skimage
        return np.dtype(np.float32) if dtype == np.float16 else dtype.newbyteorder("=")
    if case.kind == "features":
        return np.dtype(np.float32)
    if dtype.kind == "f" and dtype.itemsize <= 4:
        return np.dtype(np.float32)
    return np.dtype(np.float64)
