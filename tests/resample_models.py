"""Exact NumPy models of Pillow's and PyTorch's resize arithmetic, run on
imgconv's tap tables (:mod:`imgconv._pillow`, :mod:`imgconv._torch`).

Each model carries out a library's passes as the library does them (pass
order, accumulator type, rounding between passes, fixed-point formula), one
tap at a time in tap order, so that comparing a model's output with the
library's tests the tables themselves.
"""
import numpy as np

from imgconv import _pillow, _torch


def apply_taps(x, axis, index, weight, accumulator):
    """``out[o] = sum_t weight[o, t] * x[index[o, t]]`` along ``axis``, the
    taps added one after another in ``accumulator`` (float64 or int64)."""
    moved = np.moveaxis(x, axis, -1)
    total = np.zeros(moved.shape[:-1] + (index.shape[0],), accumulator)
    for t in range(index.shape[1]):
        total += moved[..., index[:, t]].astype(accumulator) * weight[:, t].astype(accumulator)
    return np.moveaxis(total, -1, axis)


def gather(x, axis, index):
    """``x[index]`` along ``axis``; index -1 reads 0."""
    moved = np.moveaxis(x, axis, -1)
    out = moved[..., np.maximum(index, 0)]
    out[..., index < 0] = 0
    return np.moveaxis(out, -1, axis)


# ---------------------------------------------------------------- Pillow


def fixed_point_pass(x, axis, index, kfix, precision):
    """One pass of integer fixed-point taps: ``clamp((2**(p-1) + sum x w) >>
    p, 0, 255)`` as uint8 (arithmetic shift)."""
    total = apply_taps(x, axis, index, kfix, np.int64) + (1 << (precision - 1))
    return np.clip(total >> precision, 0, 255).astype(np.uint8)


def pillow_resize(image, out_shape, filter, boxes=None):
    """What ``PIL.Image.resize`` computes for a uint8 image (H, W) or
    (H, W, C) ('L', 'RGB', ...) or a float32 image (H, W) ('F')."""
    steps = _pillow.pillow_steps(image.shape[:2], out_shape, filter, boxes)
    boxes = boxes or (None, None)
    if steps.crop is not None:
        (r, c), (h, w) = steps.crop, out_shape
        return image[r:r + h, c:c + w].copy()
    if steps.gather:
        rows = _pillow.pillow_nearest_index(image.shape[0], out_shape[0], boxes[0])[:, 0]
        cols = _pillow.pillow_nearest_index(image.shape[1], out_shape[1], boxes[1])[:, 0]
        return gather(gather(image, 0, rows), 1, cols)
    out = image
    for axis in steps.axes:
        n_in, n_out = image.shape[axis], out_shape[axis]
        if image.dtype == np.uint8:
            index, kfix = _pillow.pillow_fixed_taps(n_in, n_out, filter, boxes[axis])
            out = fixed_point_pass(out, axis, index, kfix, _pillow.PRECISION_BITS)
        else:
            index, weight, _ = _pillow.pillow_taps(n_in, n_out, filter, boxes[axis])
            out = apply_taps(out, axis, index, weight, np.float64).astype(np.float32)
    return out


# ---------------------------------------------------------------- torch


def torch_interpolate(x, request, channels_last=False):
    """What ``torch.nn.functional.interpolate`` computes for the validated
    ``request`` (:func:`imgconv._torch.check_interpolate`) on ``x``.

    Floats are accumulated in float64 over the exact float32/float64
    tables: within 1e-6 (float32) and 1e-12 (float64) of torch's own
    float32/float64 sums. The nearest modes and uint8 are exact.
    """
    if 0 in request.out_shape:
        return np.zeros(request.out_shape, x.dtype)
    passes = _torch.interpolate_passes(request, channels_last=channels_last)
    out = x
    if passes.arithmetic == "fixed":
        for axis in passes.axes:
            index, w16 = passes.tables[axis]
            out = fixed_point_pass(out, axis, index, w16, passes.precision[axis])
        return out
    for axis in passes.axes:
        index, weight = passes.tables[axis]
        if passes.arithmetic == "gather":
            out = gather(out, axis, index[:, 0])
        else:
            out = apply_taps(out, axis, index, weight, np.float64)
            if passes.arithmetic == "separable":
                out = out.astype(x.dtype)
    return out.astype(x.dtype)
