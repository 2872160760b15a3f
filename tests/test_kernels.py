"""bilinear_kernel, nearest_kernel and kernel_padding: values, use as
conv_transpose2d weights, and the sub-pixel rewrite of any transposed conv."""
import numpy as np
import pytest
import skimage.transform as sk

import imgconv
from imgconv import (
    SubpixelConv,
    bilinear_kernel,
    conv2d,
    conv_transpose2d,
    depth_to_space,
    kernel_padding,
    nearest_kernel,
)
from reference import conv_transpose2d_ref
from test_conv_methods import random_case


def random(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ---------------------------------------------------------------- kernels ---

@pytest.mark.parametrize("factor,expected", [
    (1, [1.0]),
    (2, [0.25, 0.75, 0.75, 0.25]),
    (3, [1 / 3, 2 / 3, 1, 2 / 3, 1 / 3]),
    (4, [0.125, 0.375, 0.625, 0.875, 0.875, 0.625, 0.375, 0.125]),
])
def test_bilinear_kernel_values(factor, expected):
    np.testing.assert_allclose(bilinear_kernel((1, factor))[0], expected, rtol=0, atol=1e-15)
    np.testing.assert_allclose(bilinear_kernel(factor), np.outer(expected, expected),
                               rtol=0, atol=1e-15)


@pytest.mark.parametrize("factor", range(1, 18))
def test_bilinear_kernel_shape_symmetry_and_partition_of_unity(factor):
    kernel = bilinear_kernel((1, factor))[0]
    assert kernel.size == 2 * factor - factor % 2
    np.testing.assert_array_equal(kernel, kernel[::-1])
    # every output phase gets weights summing to one (the s phases tile it)
    padded = np.pad(kernel, (0, -kernel.size % factor))
    np.testing.assert_allclose(padded.reshape(-1, factor).sum(axis=0), 1.0, rtol=0, atol=1e-14)
    corners = bilinear_kernel((1, factor), align_corners=True)[0]
    assert corners.size == 2 * factor - 1 and corners.max() == 1.0
    np.testing.assert_array_equal(corners, corners[::-1])


@pytest.mark.parametrize("mode", ["reflect", "edge", "symmetric", "wrap", "constant"])
@pytest.mark.parametrize("factor", [1, 2, 3, 4, 5, 8, (2, 3)], ids=str)
def test_bilinear_transposed_conv_is_skimage_rescale(factor, mode):
    """Resize as deconvolution (docs/algorithms.rst): extend by one pixel in
    the mode, transposed conv with stride s and padding s // 2, crop s per
    side."""
    fh, fw = factor if isinstance(factor, tuple) else (factor, factor)
    image = np.random.default_rng(1).random((2, 6, 7))
    pad = dict(mode=mode, constant_values=0.5) if mode == "constant" else dict(mode=mode)
    padded = np.pad(image, ((0, 0), (1, 1), (1, 1)), **pad)
    out = conv_transpose2d(padded, bilinear_kernel(factor, channels=2), stride=factor,
                           padding=(fh // 2, fw // 2), groups=2)[:, fh:-fh, fw:-fw]
    expected = sk.rescale(image, (fh, fw), mode=mode, cval=0.5, channel_axis=0, clip=False)
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-14)


def test_unextended_border_darkens_as_the_classic_deconvolution():
    ones = np.ones((1, 4, 4))
    out = conv_transpose2d(ones, bilinear_kernel(2, channels=1), stride=2, padding=1)
    assert out[0, 0, 0] == 0.5625 and out[0, 3, 3] == 1.0


@pytest.mark.parametrize("factor", [1, 2, 3, 4, 7])
def test_align_corners_kernel_equals_torch(factor):
    torch = pytest.importorskip("torch")
    image = random((3, 5, 4), 2)
    out = conv_transpose2d(image, bilinear_kernel(factor, align_corners=True, channels=3),
                           stride=factor, padding=factor - 1, groups=3)
    size = (factor * 4 + 1, factor * 3 + 1)
    assert out.shape[1:] == size
    expected = torch.nn.functional.interpolate(torch.from_numpy(image)[None], size=size,
                                               mode="bilinear", align_corners=True)[0]
    np.testing.assert_allclose(out, expected.numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("factor", [1, 2, 3, (2, 5)], ids=str)
def test_nearest_kernel_repeats(factor):
    fh, fw = factor if isinstance(factor, tuple) else (factor, factor)
    image = random((2, 3, 4), 3)
    out = conv_transpose2d(image, nearest_kernel(factor, channels=2), stride=factor, groups=2)
    np.testing.assert_array_equal(out, np.repeat(np.repeat(image, fh, 1), fw, 2))
    assert nearest_kernel(factor).shape == (fh, fw)


def test_kernel_dtype_and_channels():
    weight = bilinear_kernel(2, channels=3, dtype=np.float32)
    assert weight.shape == (3, 1, 4, 4) and weight.dtype == np.float32
    assert weight.flags.c_contiguous and weight.flags.writeable
    assert nearest_kernel(3, dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: bilinear_kernel(0), ValueError, "factor must be >= 1, got 0"),
        (lambda: bilinear_kernel(2.0), TypeError, "factor must be an integer, got 2.0"),
        (lambda: bilinear_kernel((2, 2, 2)), ValueError, "factor must be an integer or a pair"),
        (lambda: bilinear_kernel(2, align_corners=1), TypeError,
         "align_corners must be True or False, got 1"),
        (lambda: bilinear_kernel(2, channels=0), ValueError, "channels must be >= 1, got 0"),
        (lambda: nearest_kernel(2, dtype=np.int32), TypeError,
         "dtype must be a float dtype, got int32"),
        (lambda: bilinear_kernel(2, dtype="abc"), TypeError,
         "dtype must be a NumPy dtype, got 'abc'"),
        (lambda: nearest_kernel(-1), ValueError, "factor must be >= 1, got -1"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_kernel_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --------------------------------------------------------- kernel padding ---

def test_kernel_padding_of_k_equal_s_is_one_by_one():
    weight = random((3, 8, 2, 2), 4)
    sub = kernel_padding(weight, stride=2)
    assert sub.weight.shape == (32, 3, 1, 1)
    assert sub.offset == (0, 0)
    # channel (c*2 + ry)*2 + rx holds tap (ry, rx) of output channel c
    np.testing.assert_array_equal(sub.weight[(5 * 2 + 1) * 2 + 0, :, 0, 0], weight[:, 5, 1, 0])


def _pad_or_crop(x, axis, before, after):
    """Zero-pad (positive) or crop (negative) ``x`` along ``axis``."""
    x = np.swapaxes(x, axis, -1)
    x = x[..., max(0, -before):x.shape[-1] - max(0, -after)]
    x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(max(0, before), max(0, after))])
    return np.swapaxes(x, axis, -1)


def _by_definition(sub, x):
    """pad -> conv2d -> depth_to_space -> crop, spelled out with public calls."""
    height, width = x.shape[2:]
    (top, bottom), (left, right) = sub.conv_padding(height, width)
    padded = _pad_or_crop(_pad_or_crop(x, 2, top, bottom), 3, left, right)
    phases = conv2d(padded, sub.weight, groups=sub.groups)
    assert phases.shape[2:] == sub.grid_size(height, width)
    out_h, out_w = sub.output_size(height, width)
    return depth_to_space(phases, sub.stride)[:, :, :out_h, :out_w]


def test_kernel_padding_exhaustive_1d_sweep():
    """Kernel padding (docs/algorithms.rst) over s = 1..4, k = 1..2s+2, every
    p < k, every output_padding < s (in 2-D with one trivial axis)."""
    rng = np.random.default_rng(5)
    for s in range(1, 5):
        for k in range(1, 2 * s + 3):
            for p in range(k):
                for op in range(s):
                    x = rng.standard_normal((1, 2, 1, 5))
                    w = rng.standard_normal((2, 3, 1, k))
                    kwargs = dict(stride=(1, s), padding=(0, p), output_padding=(0, op))
                    try:
                        expected = conv_transpose2d_ref(x, w, None, (1, s), (0, p), (0, op))
                        if 0 in expected.shape:
                            continue
                    except ValueError:
                        continue
                    sub = kernel_padding(w, **kwargs)
                    np.testing.assert_allclose(_by_definition(sub, x), expected, rtol=0,
                                               atol=1e-12)
                    np.testing.assert_allclose(conv_transpose2d(x, sub), expected, rtol=0,
                                               atol=1e-12)


def test_kernel_padding_random_parameters():
    rng = np.random.default_rng(6)
    checked = 0
    for _ in range(300):
        x, w, bias, s, p, op, g, d = random_case(rng)
        expected = conv_transpose2d_ref(x, w, bias, s, p, op, g, d)
        if 0 in expected.shape:
            continue
        checked += 1
        sub = kernel_padding(w, s, p, op, d, g)
        assert sub.output_size(*x.shape[2:]) == expected.shape[2:]
        np.testing.assert_allclose(conv_transpose2d(x, sub, bias), expected, rtol=0, atol=1e-12)
        # the arguments may be repeated
        np.testing.assert_allclose(conv_transpose2d(x, sub, bias, s, p, op, g, d), expected,
                                   rtol=0, atol=1e-12)
    assert checked >= 150          # most draws give a non-empty output (197 of 300)


def test_subpixel_conv_is_reusable_and_keeps_float32():
    weight = random((4, 4, 4, 4), 7).astype(np.float32)
    sub = kernel_padding(weight, stride=2, padding=1)
    assert isinstance(sub, SubpixelConv) and sub.weight.dtype == np.float32
    for seed, size in enumerate([(5, 7), (1, 1), (9, 4)]):
        x = random((4, *size), seed).astype(np.float32)
        out = conv_transpose2d(x, sub)
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, conv_transpose2d(x, weight, stride=2, padding=1),
                                   rtol=0, atol=2e-5)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(stride=3), ValueError,
         (r"stride=\(3, 3\) differs from the stride=\(2, 2\) the SubpixelConv weight was "
          r"built with")),
        (dict(padding=(1, 0)), ValueError, r"padding=\(1, 0\) differs from the padding=\(1, 1\)"),
        (dict(groups=2), ValueError, "groups=2 differs from the groups=1"),
        (dict(method="gemm"), ValueError,
         "a SubpixelConv weight runs with method 'subpixel' .or 'auto'., got method='gemm'"),
        (dict(input=np.zeros((3, 4, 4))), ValueError,
         (r"weight of shape \(2, 3, 4, 4\) expects 2 input channels, but input of shape "
          r"\(3, 4, 4\) has 3")),
        (dict(bias=np.zeros(2)), ValueError, r"bias must have shape \(3,\)"),
        (dict(stride=0), ValueError, "stride must be >= 1, got 0"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_subpixel_conv_argument_errors(kwargs, error, match):
    sub = kernel_padding(np.ones((2, 3, 4, 4)), stride=2, padding=1)
    args = dict(input=np.zeros((2, 4, 4)), weight=sub)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        conv_transpose2d(**args)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(weight=np.zeros((2, 3, 4))), ValueError, r"weight must be 4-D.*\(2, 3, 4\)"),
        (dict(weight=np.zeros((2, 3, 4, 4), complex)), TypeError,
         "weight must have a real numeric"),
        (dict(stride=0), ValueError, "stride must be >= 1, got 0"),
        (dict(padding=-1), ValueError, "padding must be >= 0, got -1"),
        (dict(dilation=(1, 0)), ValueError, "dilation must be >= 1, got 0"),
        (dict(output_padding=2, stride=2), ValueError,
         "output_padding must be smaller than either stride or dilation"),
        (dict(groups=3), ValueError, "groups=3 must divide the input channels, got 2"),
        (dict(groups=1.0), TypeError, "groups must be an integer, got 1.0"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_kernel_padding_errors(kwargs, error, match):
    args = dict(weight=np.zeros((2, 3, 4, 4)))
    args.update(kwargs)
    with pytest.raises(error, match=match):
        kernel_padding(**args)


def test_output_size_of_an_empty_result_raises():
    sub = kernel_padding(np.ones((1, 1, 3, 3)), padding=2)
    with pytest.raises(ValueError, match="the output would be empty"):
        sub.output_size(1, 1)


def test_kernel_padding_bounds_the_rearranged_weight_before_allocating():
    with pytest.raises(ValueError, match=r"the rearranged weight would have .* pixels"):
        imgconv.kernel_padding(np.ones((1, 1, 3, 3)), stride=2**31, output_padding=1,
                               dilation=2)


@pytest.mark.parametrize("change,match", [
    (dict(offset=(-50, -50)), "offset \\(-1, -1\\)"),
    (dict(kernel_size=(40, 40)), "weight of shape \\(12, 2, 21, 21\\)"),
    (dict(stride=(3, 3)), "weight of shape \\(27, 2, 2, 2\\)"),
    (dict(windows=((0, 2), (1, 3))), "windows"),
    (dict(weight=np.zeros((12, 2, 3, 3), np.int64)), "dtype int64"),
], ids=["offset", "kernel_size", "stride", "windows", "dtype"])
def test_an_inconsistent_subpixel_conv_is_refused(change, match):
    import dataclasses

    sub = imgconv.kernel_padding(np.ones((2, 3, 4, 4)), stride=2, padding=1)
    with pytest.raises(ValueError, match="this SubpixelConv is inconsistent.*" + match):
        dataclasses.replace(sub, **change)
    with pytest.raises(ValueError, match="groups=2 must divide the output channels"):
        dataclasses.replace(sub, groups=2)
