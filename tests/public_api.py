"""One representative call of every public function, for the tests that must
hold for all of them: validation, views, threads, leaks.

Each case applies a public function to one main array input (the others
fixed), and says what dtype rule that function follows:

* ``tensor``: float32 kept, float16 -> float32, anything else real -> float64;
* ``image``: scikit-image's rules (float16/float32 -> float32, float64 kept,
  integers scaled to float64);
* ``data``: the dtype is kept (pure data movement).
"""
from dataclasses import dataclass, field
from typing import Callable

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

CASE_IDS = [c.name for c in CASES]


def expected_dtype(case, dtype):
    """The dtype ``case`` returns for an input of ``dtype``."""
    dtype = np.dtype(dtype)
    if case.kind == "data":
        return dtype.newbyteorder("=")
    if dtype.kind == "f" and dtype.itemsize <= 4:
        return np.dtype(np.float32)
    return np.dtype(np.float64)
