"""The check each convolution benchmark makes once before it times: the
result equals its anchor's (torch's in float64 when torch is installed, else
a NumPy reference), so that a fast wrong kernel cannot pass for a speed-up."""
import numpy as np

#: Largest difference from the reference, relative to its largest magnitude:
#: float32 rounding over a few hundred products, Winograd's transforms
#: included.
TOLERANCE = 1e-5


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def _conv2d_numpy(x, w, stride, padding, dilation):
    """conv2d in float64, one tensordot (BLAS) per tap."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    kh, kw = w.shape[2:]
    ho = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
    wo = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((x.shape[0], w.shape[0], ho, wo))
    for ky in range(kh):
        for kx in range(kw):
            patch = xp[:, :, ky * dh:ky * dh + (ho - 1) * sh + 1:sh,
                       kx * dw:kx * dw + (wo - 1) * sw + 1:sw]
            out += np.tensordot(w[:, :, ky, kx].astype(np.float64), patch,
                                axes=([1], [1])).transpose(1, 0, 2, 3)
    return out


def conv2d_reference(x, w, stride=1, padding=0, dilation=1):
    """conv2d of x by w in float64 (torch's when installed)."""
    pair = lambda v: (v, v) if np.isscalar(v) else tuple(v)  # noqa: E731
    torch = _torch()
    if torch is None:
        return _conv2d_numpy(x, w, pair(stride), pair(padding), pair(dilation))
    with torch.no_grad():
        return torch.nn.functional.conv2d(
            torch.from_numpy(x.astype(np.float64)), torch.from_numpy(w.astype(np.float64)),
            stride=stride, padding=padding, dilation=dilation).numpy()


def conv_transpose2d_reference(x, w, stride=1, padding=0):
    """conv_transpose2d of x by w in float64 (torch's when installed; else
    the adjoint of the NumPy conv2d, as a sum over the taps)."""
    torch = _torch()
    if torch is not None:
        with torch.no_grad():
            return torch.nn.functional.conv_transpose2d(
                torch.from_numpy(x.astype(np.float64)), torch.from_numpy(w.astype(np.float64)),
                stride=stride, padding=padding).numpy()
    kh, kw = w.shape[2:]
    n, _, h, wd = x.shape
    full = np.zeros((n, w.shape[1], (h - 1) * stride + kh, (wd - 1) * stride + kw))
    for ky in range(kh):
        for kx in range(kw):
            full[:, :, ky:ky + (h - 1) * stride + 1:stride, kx:kx + (wd - 1) * stride + 1:stride] \
                += np.tensordot(x.astype(np.float64), w[:, :, ky, kx].astype(np.float64),
                                axes=([1], [0])).transpose(0, 3, 1, 2)
    return full[:, :, padding:full.shape[2] - padding, padding:full.shape[3] - padding]


def context_stack_reference(x, weights, dilations, last=None):
    """The context stack (3x3 layers with ReLU, then an optional 1x1 layer) in float64."""
    for w, d in zip(weights, dilations):
        x = np.maximum(conv2d_reference(x, w, padding=d, dilation=d), 0)
    return x if last is None else conv2d_reference(x, last)


def assert_matches(result, expected, what):
    """Raise unless ``result`` equals ``expected`` to float32 rounding."""
    result = np.asarray(result, np.float64)
    assert result.shape == expected.shape, (what, result.shape, expected.shape)
    scale = max(1.0, float(np.abs(expected).max()))
    error = float(np.abs(result - expected).max()) / scale
    assert error <= TOLERANCE, f"{what}: relative error {error:.2e} > {TOLERANCE:.0e}"
