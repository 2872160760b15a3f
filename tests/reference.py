"""Naive NumPy reference implementations the tests compare against.

Written from the definitions, as directly as possible, and independent of
imgconv's im2col / col2im / polyphase code.
"""
import numpy as np


def conv2d_ref(x, w, b=None, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1),
               groups=1):
    """conv2d of x (N, C, H, W) by w (Cout, C/groups, kh, kw); padding is
    ((top, bottom), (left, right)), computed tap by tap."""
    (sh, sw), (dh, dw) = stride, dilation
    n, _, _, _ = x.shape
    cout, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), *padding))
    ho = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
    wo = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, cout, ho, wo), np.result_type(x, w))
    og = cout // groups
    for g in range(groups):
        xs = xp[:, g * cg:(g + 1) * cg]
        for ky in range(kh):
            for kx in range(kw):
                patch = xs[:, :, ky * dh:ky * dh + (ho - 1) * sh + 1:sh,
                           kx * dw:kx * dw + (wo - 1) * sw + 1:sw]
                out[:, g * og:(g + 1) * og] += np.einsum(
                    "nchw,oc->nohw", patch, w[g * og:(g + 1) * og, :, ky, kx])
    if b is not None:
        out += np.asarray(b)[None, :, None, None]
    return out


def conv_transpose2d_ref(x, w, b=None, stride=(1, 1), padding=(0, 0), output_padding=(0, 0),
                         groups=1, dilation=(1, 1)):
    """Transposed conv of x (N, Cin, H, W) by w (Cin, Cout/groups, kh, kw), by
    its scatter definition: input pixel (i, j) adds w * x[i, j] at
    (i*s - p + ky*d, j*s - p + kx*d)."""
    (sh, sw), (ph, pw), (oph, opw), (dh, dw) = stride, padding, output_padding, dilation
    n, cin, h, wd = x.shape
    _, og, kh, kw = w.shape
    full_h = (h - 1) * sh + dh * (kh - 1) + 1 + oph
    full_w = (wd - 1) * sw + dw * (kw - 1) + 1 + opw
    full = np.zeros((n, og * groups, full_h, full_w), np.result_type(x, w))
    cg = cin // groups
    for g in range(groups):
        xs = x[:, g * cg:(g + 1) * cg]
        for ky in range(kh):
            for kx in range(kw):
                full[:, g * og:(g + 1) * og, ky * dh:ky * dh + (h - 1) * sh + 1:sh,
                     kx * dw:kx * dw + (wd - 1) * sw + 1:sw] += np.einsum(
                    "nchw,co->nohw", xs, w[g * cg:(g + 1) * cg, :, ky, kx])
    out = full[:, :, ph:full_h - ph, pw:full_w - pw]
    if b is not None:
        out = out + np.asarray(b)[None, :, None, None]
    return out
