"""conv2d, conv_transpose2d and conv_lipschitz against naive references,
SciPy and (when importable) PyTorch."""
import itertools
import tracemalloc

import numpy as np
import pytest
from scipy import ndimage

import imgconv
from imgconv import conv2d, conv_lipschitz, conv_transpose2d
from out_contract import assert_refused, fresh_out, refused_outs
from reference import conv2d_ref, conv_transpose2d_ref

TOL = {np.float32: 2e-6, np.float64: 1e-12}


def relative_error(a, b):
    scale = max(1.0, float(np.abs(b).max(initial=0)))
    return float(np.abs(a - b).max(initial=0)) / scale


def random(shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def pair(v):
    return v if isinstance(v, tuple) else (v, v)


# ---------------------------------------------------------------- conv2d ---

CONV_CASES = [
    # (N, C_in, C_out, H, W, kernel, stride, padding, dilation, groups)
    (1, 3, 4, 9, 7, 3, 1, 1, 1, 1),
    (2, 2, 3, 8, 8, (2, 3), (2, 1), (1, 0), 1, 1),
    (3, 4, 4, 11, 6, 3, 2, 2, 2, 2),
    (1, 6, 6, 10, 13, 3, 1, 4, (3, 2), 6),         # depthwise
    (1, 6, 12, 7, 7, 3, 1, 1, 1, 6),               # depthwise multiplier 2
    (1, 1, 1, 1, 1, 1, 1, 0, 1, 1),                # one pixel
    (1, 2, 2, 1, 9, (1, 3), 1, (0, 1), 1, 1),      # one row
    (1, 2, 2, 9, 1, (3, 1), 2, (1, 0), 1, 2),      # one column
    (2, 3, 5, 5, 5, 5, 3, 2, 1, 1),
    (1, 2, 3, 13, 17, 4, 3, 0, 2, 1),
    (1, 4, 2, 6, 6, 1, 1, 0, 1, 2),                # 1x1, no im2col
    (1, 4, 2, 6, 6, 1, 2, 0, 1, 1),                # 1x1 strided
    (0, 3, 2, 5, 5, 3, 1, 1, 1, 1),                # empty batch
]


def _case_id(case):
    n, cin, cout, h, w, k, s, p, d, g = case
    return f"N{n}-C{cin}to{cout}-{h}x{w}-k{k}-s{s}-p{p}-d{d}-g{g}".replace(" ", "")


def check_conv2d_case(case, dtype, with_bias=True, **kwargs):
    """conv2d of a case's random arrays against the reference, to the
    dtype's tolerance; returns the result and the call's arguments."""
    n, cin, cout, h, w, k, s, p, d, g = case
    x = random((n, cin, h, w), dtype, 1)
    weight = random((cout, cin // g, *pair(k)), dtype, 2)
    bias = random(cout, dtype, 3) if with_bias else None
    ph, pw = pair(p)
    expected = conv2d_ref(x.astype(np.float64), weight.astype(np.float64), bias, pair(s),
                          ((ph, ph), (pw, pw)), pair(d), g)
    args = (x, weight, bias, s, p, d, g)
    out = conv2d(*args, **kwargs)
    assert out.dtype == dtype
    assert out.shape == expected.shape
    assert relative_error(out, expected) < TOL[dtype]
    return out, args


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("with_bias", [False, True], ids=["nobias", "bias"])
@pytest.mark.parametrize("case", CONV_CASES, ids=_case_id)
def test_conv2d_matches_reference(case, with_bias, dtype):
    check_conv2d_case(case, dtype, with_bias)


CHANNELS_LAST_CASES = [
    # (N, C_in, C_out, H, W, kernel, stride, padding, dilation, groups): at
    # least 8 channels per group, the channels-last engine's
    (1, 8, 8, 9, 7, 3, 1, 1, 1, 1),
    (2, 16, 8, 13, 11, 3, 1, 2, 2, 1),
    (1, 8, 12, 10, 13, 5, 1, (4, 0), (3, 2), 1),
    (1, 16, 16, 7, 7, 3, 1, 1, 1, 2),                # groups
    (1, 8, 8, 1, 1, 1, 1, 0, 1, 1),                  # one pixel
    (1, 8, 8, 1, 9, (1, 3), 1, (0, 1), 1, 1),        # one row
    (1, 8, 8, 9, 1, (3, 1), 1, (1, 0), 1, 1),        # one column
    (1, 8, 8, 5, 5, 3, 1, 4, 1, 1),                  # padding beyond the kernel's reach
    (2, 8, 16, 12, 10, 4, 2, 1, 1, 1),               # 4x4 stride 2
    (1, 8, 8, 11, 9, 5, 2, 2, 1, 1),                 # 3x3 taps per phase
    (1, 8, 8, 8, 8, 1, 2, 0, 1, 1),                  # 1x1 strided
    (1, 8, 8, 13, 17, (3, 2), (3, 2), (1, 0), 1, 1),     # a stride per axis
    (1, 12, 8, 7, 9, 2, 3, 0, 1, 1),                 # kernel smaller than the stride
    (1, 8, 8, 3, 3, 3, 2, 1, 1, 1),                  # one output row of tiles
    (0, 8, 8, 5, 5, 3, 1, 1, 1, 1),                  # empty batch
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("method", ["gemm", "auto"])
@pytest.mark.parametrize("case", CHANNELS_LAST_CASES, ids=_case_id)
def test_conv2d_channels_last_matches_reference(case, method, dtype):
    check_conv2d_case(case, dtype, method=method)


WINOGRAD_CASES = [
    # (N, C_in, C_out, H, W, kernel, stride, padding, dilation, groups)
    (1, 3, 4, 9, 7, 3, 1, 1, 1, 1),
    (2, 4, 6, 11, 10, 3, 1, 0, 1, 2),
    (1, 2, 3, 13, 17, 3, 1, 4, (3, 2), 1),
    (3, 6, 6, 8, 12, 3, 1, (2, 5), (2, 4), 3),
    (1, 1, 1, 1, 1, 3, 1, 1, 1, 1),                # one pixel
    (1, 2, 2, 3, 30, 3, 1, (1, 0), (1, 7), 1),
    (1, 2, 5, 5, 5, 3, 1, 9, 9, 1),                # dilation beyond the image
    (0, 2, 2, 5, 5, 3, 1, 1, 1, 1),                # empty batch
    (1, 40, 36, 15, 14, 3, 1, 2, 2, 1),            # what 'auto' sends to Winograd
    (1, 3, 5, 10, 9, 2, 1, 0, 1, 1),               # F(3x3, 2x2)
    (1, 4, 4, 7, 11, 2, 1, 1, (2, 3), 2),
    (2, 3, 4, 12, 10, 4, 2, 1, 1, 1),              # 4x4 stride 2: 2x2 per phase
    (1, 2, 3, 9, 8, 3, 2, 1, 1, 1),                # 3x3 stride 2: 2x2 per phase
    (1, 2, 2, 13, 11, (6, 5), (2, 2), (2, 1), 1, 1),   # 3x3 per phase
    (1, 3, 2, 2, 2, 4, 2, 1, 1, 1),                # one output pixel, strided
    (1, 24, 20, 16, 16, 4, 2, 1, 1, 1),            # what 'auto' sends to F(3x3, 2x2)
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("case", WINOGRAD_CASES, ids=_case_id)
def test_conv2d_winograd_matches_reference(case, dtype):
    out, args = check_conv2d_case(case, dtype, method="winograd")
    if case[1] // case[-1] >= 16:       # 'auto' takes this path: the same pixels
        np.testing.assert_array_equal(conv2d(*args), out)


@pytest.mark.parametrize("kwargs,shape", [
    (dict(), (2, 2, 5, 5)),
    (dict(stride=2, dilation=2), (2, 2, 3, 3)),
    (dict(stride=2, groups=2), (2, 1, 4, 4)),
    (dict(stride=3), (2, 2, 3, 3)),
    (dict(), (2, 2, 1, 1)),
], ids=["5x5", "strided-dilated", "strided-groups", "1x1-per-phase", "1x1"])
def test_conv2d_winograd_refuses_what_it_cannot_compute(kwargs, shape):
    x = np.zeros((1, 2, 8, 8))
    with pytest.raises(ValueError, match="method='winograd' computes 3x3 or 2x2 kernels per "
                                         "stride phase"):
        conv2d(x, np.zeros(shape), method="winograd", **kwargs)


def test_conv2d_space_to_batch_needs_stride_1():
    with pytest.raises(ValueError, match="method='space_to_batch' needs stride 1"):
        conv2d(np.zeros((1, 2, 8, 8)), np.zeros((2, 2, 3, 3)), stride=2,
               method="space_to_batch")


@pytest.mark.parametrize("channels", [2, 8], ids=["planes", "channels-last"])
@pytest.mark.parametrize("kernel", [1, 2, 3, 4, (2, 5)], ids=lambda k: f"k{k}")
@pytest.mark.parametrize("dilation", [1, 2, 3], ids=lambda d: f"d{d}")
def test_conv2d_same_and_valid_padding(kernel, dilation, channels):
    kh, kw = pair(kernel)
    x = random((1, channels, 10, 15))
    weight = random((channels + 1, channels, kh, kw), seed=4)
    out = conv2d(x, weight, padding="same", dilation=dilation)
    assert out.shape == (1, channels + 1, 10, 15)
    reach = (dilation * (kh - 1), dilation * (kw - 1))
    # the odd pixel of an even reach goes to the bottom/right, as in torch
    pads = tuple((r // 2, r - r // 2) for r in reach)
    expected = conv2d_ref(x, weight, None, (1, 1), pads, (dilation, dilation))
    assert relative_error(out, expected) < 1e-12
    valid = conv2d(x, weight, padding="valid", dilation=dilation)
    assert relative_error(valid, conv2d_ref(x, weight, dilation=(dilation, dilation))) < 1e-12


def test_conv2d_unbatched_input_gives_unbatched_output():
    x = random((2, 6, 5))
    weight = random((3, 2, 3, 3), seed=1)
    out = conv2d(x, weight, padding=1)
    assert out.shape == (3, 6, 5)
    np.testing.assert_array_equal(out, conv2d(x[None], weight, padding=1)[0])


@pytest.mark.parametrize("dilation", [1, 2])
@pytest.mark.parametrize("kernel_shape", [(3, 2), (3, 3), (1, 4)], ids=lambda s: f"k{s[0]}x{s[1]}")
@pytest.mark.parametrize("shape", [(9, 11), (4, 4), (3, 17), (1, 1)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
def test_single_channel_conv2d_equals_ndimage_correlate(shape, kernel_shape, dilation):
    image = random(shape, seed=5)
    kernel = random(kernel_shape, seed=6)
    stuffed = np.zeros([dilation * (k - 1) + 1 for k in kernel_shape])
    stuffed[::dilation, ::dilation] = kernel
    # ndimage centres the kernel at size // 2 and extends by zeros in mode
    # 'constant': the same zeros, padded explicitly, give the same image
    pads = [(s // 2, s - 1 - s // 2) for s in stuffed.shape]
    out = conv2d(np.pad(image, pads)[None], kernel[None, None], dilation=dilation)[0]
    expected = ndimage.correlate(image, stuffed, mode="constant")
    assert out.shape == expected.shape
    assert relative_error(out, expected) < 1e-12


def test_conv2d_integer_input_computes_in_float64():
    x = np.arange(2 * 5 * 5, dtype=np.int16).reshape(2, 5, 5)
    weight = np.ones((1, 2, 3, 3), np.float32)
    out = conv2d(x, weight)
    assert out.dtype == np.float64
    assert relative_error(out, conv2d_ref(x[None].astype(float), weight.astype(float))[0]) == 0


def test_conv2d_float16_computes_in_float32_and_weight_follows_input():
    x = random((1, 2, 6, 6), np.float16)
    weight = random((2, 2, 3, 3), np.float64, 1)
    out = conv2d(x, weight)
    assert out.dtype == np.float32
    expected = conv2d_ref(x.astype(np.float64), weight.astype(np.float32).astype(np.float64))
    assert relative_error(out, expected) < 1e-5


def test_conv2d_does_not_modify_or_require_contiguous_inputs():
    base = random((1, 3, 12, 14))
    x = base[:, ::-1, ::2, 1::2]                 # negative and non-unit strides
    weight = np.asfortranarray(random((2, 3, 3, 3), seed=1))
    x_before, w_before = x.copy(), weight.copy()
    x.flags.writeable = False
    out = conv2d(x, weight, padding=1)
    np.testing.assert_array_equal(out, conv2d(x.copy(), weight.copy(), padding=1))
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(weight, w_before)


def test_conv2d_big_endian_input():
    x = random((1, 2, 5, 5)).astype(">f8")
    weight = random((1, 2, 3, 3), seed=1)
    out = conv2d(x, weight)
    assert out.dtype == np.float64 and out.dtype.isnative
    np.testing.assert_array_equal(out, conv2d(x.astype("<f8"), weight))


@pytest.mark.parametrize("op", ["conv2d", "winograd", "conv_transpose2d", "channels-last",
                                "winograd-strided"])
def test_results_do_not_depend_on_the_thread_count(op, four_cores):
    x = random((2, 8, 37, 29), np.float32)
    if op == "winograd":
        weight = random((6, 8, 3, 3), np.float32, 1)
        run = lambda n: conv2d(x, weight, padding=3, dilation=(2, 3), method="winograd",  # noqa: E731
                               n_threads=n)
    elif op == "channels-last":
        weight = random((16, 8, 3, 3), np.float32, 1)
        run = lambda n: conv2d(x, weight, padding=3, dilation=(2, 3), method="gemm",  # noqa: E731
                               n_threads=n)
    elif op == "winograd-strided":
        weight = random((16, 8, 4, 4), np.float32, 1)
        run = lambda n: conv2d(x, weight, stride=2, padding=1, n_threads=n)  # noqa: E731
    elif op == "conv2d":
        weight = random((6, 4, 3, 3), np.float32, 1)
        run = lambda n: conv2d(x, weight, padding=2, dilation=2, groups=2, n_threads=n)  # noqa: E731
    else:
        weight = random((8, 3, 4, 4), np.float32, 1)
        run = lambda n: conv_transpose2d(x, weight, stride=2, padding=1, groups=2,  # noqa: E731
                                         n_threads=n)
    serial = run(1)
    for n in (2, 3, 4, -1, None):
        np.testing.assert_array_equal(run(n), serial)


@pytest.mark.parametrize("method", ["gemm", "winograd"])
def test_a_weight_changed_in_place_is_prepared_again(method):
    """The channels-last kernels keep the weights they rearranged; a weight
    written in place between two calls must not be served from that."""
    x = random((1, 16, 9, 8), np.float32)
    weight = random((16, 16, 3, 3), np.float32, 1)
    original = weight.copy()
    first = conv2d(x, weight, padding=1, method=method)
    weight[3, 5, 1, 2] += 1
    second = conv2d(x, weight, padding=1, method=method)
    np.testing.assert_array_equal(second, conv2d(x, weight.copy(), padding=1, method=method))
    assert not np.array_equal(first, second)
    weight[...] = original
    np.testing.assert_array_equal(conv2d(x, weight, padding=1, method=method), first)


def test_im2col_buffer_stays_bounded():
    """A conv whose full column matrix would take 144 MiB runs in a few MiB."""
    x = np.zeros((1, 16, 512, 512), np.float32)
    weight = np.zeros((1, 16, 3, 3), np.float32)
    out_bytes = 512 * 512 * 4
    tracemalloc.start()
    try:
        conv2d(x, weight, padding=1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    full_columns = 16 * 9 * 512 * 512 * 4
    assert peak - out_bytes <= 32 * 2**20 < full_columns


# ------------------------------------------------------ conv_transpose2d ---

TRANSPOSE_CASES = [
    # (N, C_in, C_out, H, W, kernel, stride, padding, output_padding, dilation, groups)
    (1, 3, 2, 5, 4, 3, 1, 0, 0, 1, 1),
    (2, 2, 3, 4, 6, 4, 2, 1, 0, 1, 1),
    (1, 4, 6, 5, 5, 3, 2, 1, 1, 1, 2),
    (3, 4, 4, 3, 7, (2, 3), (3, 2), (1, 0), (2, 1), 1, 4),   # depthwise
    (1, 2, 2, 6, 5, 3, 1, 2, 1, 2, 1),                       # output_padding < dilation
    (1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1),                       # one pixel
    (1, 1, 3, 1, 1, 4, 2, 1, 1, 1, 1),
    (1, 2, 2, 1, 8, (1, 4), (1, 2), (0, 1), 0, 1, 1),        # one row
    (1, 3, 2, 7, 6, 5, 3, 2, 2, (2, 1), 1),
    (2, 2, 2, 4, 4, 2, 2, 0, 0, 1, 1),                       # k == s: no overlap
    (0, 2, 3, 4, 4, 3, 2, 1, 0, 1, 1),                       # empty batch
]


def _transpose_id(case):
    n, cin, cout, h, w, k, s, p, op, d, g = case
    return f"N{n}-C{cin}to{cout}-{h}x{w}-k{k}-s{s}-p{p}-op{op}-d{d}-g{g}".replace(" ", "")


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("with_bias", [False, True], ids=["nobias", "bias"])
@pytest.mark.parametrize("case", TRANSPOSE_CASES, ids=_transpose_id)
def test_conv_transpose2d_matches_reference(case, with_bias, dtype):
    n, cin, cout, h, w, k, s, p, op, d, g = case
    kh, kw = pair(k)
    x = random((n, cin, h, w), dtype, 1)
    weight = random((cin, cout // g, kh, kw), dtype, 2)
    bias = random(cout, dtype, 3) if with_bias else None
    expected = conv_transpose2d_ref(x.astype(np.float64), weight.astype(np.float64), bias,
                                    pair(s), pair(p), pair(op), g, pair(d))
    out = conv_transpose2d(x, weight, bias, stride=s, padding=p, output_padding=op,
                           groups=g, dilation=d)
    assert out.dtype == dtype
    assert out.shape == expected.shape
    assert relative_error(out, expected) < TOL[dtype]


@pytest.mark.parametrize(
    "stride,padding,dilation,groups,kernel",
    list(itertools.product([1, 2, 3], [0, 1, 2], [1, 2], [1, 2], [1, 3, 4])),
    ids=lambda v: str(v),
)
def test_adjoint_identity(stride, padding, dilation, groups, kernel):
    """<conv2d(x, w), y> == <x, conv_transpose2d(y, w)> with the output_padding
    that makes the transposed conv land back on x's shape."""
    h, w = 11, 8
    x = random((2, 4, h, w), seed=7)
    weight = random((6, 4 // groups, kernel, kernel), seed=8)
    try:
        y_shape = conv2d(x, weight, stride=stride, padding=padding, dilation=dilation,
                         groups=groups).shape
    except ValueError:
        pytest.skip("kernel larger than the padded input")
    y = random(y_shape, seed=9)
    reach = dilation * (kernel - 1) + 1
    output_padding = tuple((n + 2 * padding - reach) % stride for n in (h, w))
    back = conv_transpose2d(y, weight, stride=stride, padding=padding,
                            output_padding=output_padding, groups=groups, dilation=dilation)
    assert back.shape == x.shape
    lhs = np.vdot(conv2d(x, weight, stride=stride, padding=padding, dilation=dilation,
                         groups=groups), y)
    rhs = np.vdot(x, back)
    assert abs(lhs - rhs) <= 1e-12 * max(1.0, abs(lhs))


# ------------------------------------------------------------------ torch ---

def _random_conv_args(rng, per_group, kernel, size, groups=(1, 2, 3), plain_strides=False):
    """Random conv2d arguments: channels per group in ``per_group``, kernel
    sides below ``kernel``, image sides below ``size``; ``plain_strides``:
    a stride comes with dilation 1 and one group."""
    g = int(rng.choice(groups))
    cin, cout = (g * int(rng.integers(*per_group)) for _ in range(2))
    kh, kw = (int(v) for v in rng.integers(1, kernel, 2))
    s = tuple(int(v) for v in rng.integers(1, 4, 2))
    d = tuple(int(v) for v in rng.integers(1, 4, 2))
    if plain_strides and s != (1, 1):
        d, g = (1, 1), 1
    p = tuple(int(v) for v in rng.integers(0, 4, 2))
    h, w = (int(v) for v in rng.integers(1, size, 2))
    x = rng.standard_normal((int(rng.integers(1, 3)), cin, h, w))
    return x, rng.standard_normal((cout, cin // g, kh, kw)), rng.standard_normal(cout), s, p, d, g


@pytest.mark.parametrize("engine", ["planes", "channels-last"])
def test_torch_parity_conv2d_random_parameters(engine):
    """Planes: 1 to 2 channels per group (im2col); channels last: 8 to 16
    (GEMMs over the taps, and Winograd for 'auto' where it applies)."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(11)
    checked = 0
    for _ in range(150 if engine == "planes" else 60):
        if engine == "planes":
            x, weight, bias, s, p, d, g = _random_conv_args(rng, (1, 3), 5, 12)
        else:
            x, weight, bias, s, p, d, g = _random_conv_args(rng, (8, 17), 6, 14, (1, 2), True)
        try:
            expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(weight),
                                torch.from_numpy(bias), s, p, d, g).numpy()
        except RuntimeError:
            with pytest.raises(ValueError, match="kernel is larger than the padded input"):
                conv2d(x, weight, bias, s, p, d, g)
            continue
        for method in ("gemm", "auto"):
            out = conv2d(x, weight, bias, s, p, d, g, method=method)
            assert relative_error(out, expected) < 1e-12, (method, s, p, d, g, weight.shape)
        checked += 1
    assert checked > (90 if engine == "planes" else 30)


def test_torch_parity_conv_transpose2d_random_parameters():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(11)
    checked = 0
    for _ in range(150):
        x, weight, bias, s, p, d, g = _random_conv_args(rng, (1, 3), 5, 12)
        wt = rng.standard_normal((x.shape[1], weight.shape[0] // g, *weight.shape[2:]))
        op = tuple(int(rng.integers(0, max(a, b))) for a, b in zip(s, d))
        try:
            expected = F.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(wt),
                                          torch.from_numpy(bias), s, p, op, g, d).numpy()
            empty = 0 in expected.shape
        except RuntimeError:
            empty = True
        if empty:
            with pytest.raises(ValueError, match="output would be empty"):
                conv_transpose2d(x, wt, bias, s, p, op, g, d)
        else:
            out = conv_transpose2d(x, wt, bias, s, p, op, g, d)
            assert relative_error(out, expected) < 1e-12
            checked += 1
    assert checked > 90


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
def test_torch_parity_float32_same_padding():
    torch = pytest.importorskip("torch")
    x = random((2, 4, 17, 10), np.float32)
    weight = random((5, 4, 4, 2), np.float32, 1)
    expected = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(weight),
                                          padding="same", dilation=(2, 3)).numpy()
    assert relative_error(conv2d(x, weight, padding="same", dilation=(2, 3)), expected) < 1e-5


# --------------------------------------------------------------- errors ---

@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(input=np.zeros((3, 3))), ValueError, r"input must be 3-D or 4-D, got shape \(3, 3\)"),
        (dict(input=np.zeros((1, 2, 0, 4))), ValueError, "input must not have empty dimensions"),
        (dict(weight=np.zeros((2, 2, 3))), ValueError, r"weight must be 4-D.*\(2, 2, 3\)"),
        (dict(weight=np.zeros((2, 3, 3, 3))), ValueError, r"expects 3 input channels.*has 2"),
        (dict(groups=3), ValueError, "groups=3 must divide the input channels, got 2"),
        (dict(groups=0), ValueError, "groups must be >= 1, got 0"),
        (dict(groups=True), TypeError, "groups must be an integer, got the bool True"),
        (dict(stride=0), ValueError, "stride must be >= 1, got 0"),
        (dict(stride=True), TypeError, "stride must be an integer, got the bool"),
        (dict(stride=1.0), TypeError, "stride must be an integer, got 1.0"),
        (dict(dilation=-1), ValueError, "dilation must be >= 1, got -1"),
        (dict(dilation=(1, 2, 3)), ValueError, "dilation must be an integer or a pair"),
        (dict(padding=-1), ValueError, "padding must be >= 0, got -1"),
        (dict(padding="full"), ValueError, "padding must be one of 'same', 'valid'; got 'full'"),
        (dict(padding="same", stride=2), ValueError, "padding='same' needs stride 1"),
        (dict(weight=np.zeros((2, 2, 9, 9))), ValueError,
         r"kernel is larger than the padded input: padded input size 5x5.*9x9"),
        (dict(dilation=3), ValueError, r"kernel size 3x3 dilated to 7x7"),
        (dict(bias=np.zeros(3)), ValueError, r"bias must have shape \(2,\).*got shape \(3,\)"),
        (dict(input=np.zeros((1, 2, 5, 5), complex)), TypeError, "input must have a real numeric"),
        (dict(input=np.array([["a"]])), TypeError, "input must have a real numeric"),
        (dict(input=np.ma.zeros((1, 2, 5, 5))), TypeError, "input is a masked array"),
        (dict(weight=np.zeros((2, 2, 3, 3), object)), TypeError, "weight must have a real numeric"),
        (dict(n_threads=0), ValueError, "n_threads must be None or a non-zero integer, got 0"),
        (dict(n_threads=1.5), TypeError, "n_threads must be an integer, got 1.5"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_conv2d_errors(kwargs, error, match):
    args = dict(input=np.zeros((1, 2, 5, 5)), weight=np.zeros((2, 2, 3, 3)))
    args.update(kwargs)
    with pytest.raises(error, match=match):
        conv2d(**args)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(weight=np.zeros((3, 2, 3, 3))), ValueError, r"expects 3 input channels.*has 2"),
        (dict(groups=4), ValueError, "groups=4 must divide the input channels, got 2"),
        (dict(output_padding=2, stride=2), ValueError,
         "output_padding must be smaller than either stride or dilation"),
        (dict(output_padding=1), ValueError, "output_padding must be smaller"),
        (dict(padding=4), ValueError, "the output would be empty"),
        (dict(stride=(1, 0)), ValueError, "stride must be >= 1, got 0"),
        (dict(method="fft"), ValueError, "method must be one of"),
        (dict(bias=np.zeros((2, 1))), ValueError, r"bias must have shape \(4,\)"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_conv_transpose2d_errors(kwargs, error, match):
    args = dict(input=np.zeros((1, 2, 3, 3)), weight=np.zeros((2, 4, 3, 3)))
    args.update(kwargs)
    with pytest.raises(error, match=match):
        conv_transpose2d(**args)


def test_max_pixels_bound_is_checked_before_allocating(monkeypatch):
    monkeypatch.setenv("IMGCONV_MAX_PIXELS", "100")
    with pytest.raises(ValueError, match=r"would have 121 pixels .* max_pixels=100"):
        conv2d(np.zeros((1, 1, 11, 11)), np.zeros((1, 1, 1, 1)))
    with pytest.raises(ValueError, match=r"would have \d+ pixels"):
        conv2d(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 1, 1)), padding=10**12)


@pytest.mark.parametrize("method", ["gemm", "winograd", "space_to_batch"])
def test_conv2d_max_pixels_argument(method):
    x, weight = np.zeros((1, 1, 10, 12)), np.zeros((1, 1, 3, 3))
    with pytest.raises(ValueError, match=r"the output would have 120 pixels \(shape \(10, 12\)\), "
                                         r"more than max_pixels=119"):
        conv2d(x, weight, padding=1, method=method, max_pixels=119)
    assert conv2d(x, weight, padding=1, method=method, max_pixels=120).shape == (1, 1, 10, 12)
    with pytest.raises(ValueError, match="max_pixels must be >= 1, got 0"):
        conv2d(x, weight, max_pixels=0)
    with pytest.raises(TypeError, match="max_pixels must be an integer"):
        conv2d(x, weight, max_pixels=1.5)


@pytest.mark.parametrize("method", ["gemm", "subpixel", "zero_insert"])
def test_conv_transpose2d_max_pixels_argument(method):
    x, weight = np.zeros((1, 1, 5, 6)), np.zeros((1, 1, 4, 4))
    with pytest.raises(ValueError, match=r"the output would have 120 pixels \(shape \(10, 12\)\)"):
        conv_transpose2d(x, weight, stride=2, padding=1, method=method, max_pixels=119)
    out = conv_transpose2d(x, weight, stride=2, padding=1, method=method, max_pixels=120)
    assert out.shape == (1, 1, 10, 12)


# ------------------------------------------------------------------ out= ---

def _conv_call(method, dtype=np.float32, batched=True):
    """A conv2d or conv_transpose2d call of each method, as ``call(out=...)``
    and its input."""
    x = random((2, 4, 9, 11) if batched else (4, 9, 11), dtype, 1)
    if method == "channels-last":
        x = np.repeat(x, 4, axis=-3)
        weight, bias = random((8, 16, 3, 3), dtype, 2), random(8, dtype, 3)
        return x, lambda out, n=None: conv2d(x, weight, bias, padding=2, dilation=2,
                                             method="gemm", n_threads=n, out=out)
    if method in ("gemm", "winograd", "space_to_batch", "auto"):
        weight, bias = random((6, 2, 3, 3), dtype, 2), random(6, dtype, 3)
        return x, lambda out, n=None: conv2d(x, weight, bias, padding=2, dilation=2, groups=2,
                                             method=method, n_threads=n, out=out)
    weight, bias = random((4, 3, 4, 4), dtype, 2), random(6, dtype, 3)
    return x, lambda out, n=None: conv_transpose2d(x, weight, bias, stride=2, padding=1,
                                                   output_padding=1, groups=2,
                                                   method=method.split("-")[1], n_threads=n,
                                                   out=out)


OUT_METHODS = ["gemm", "channels-last", "winograd", "space_to_batch", "transpose-gemm",
               "transpose-subpixel", "transpose-zero_insert"]


@pytest.mark.parametrize("batched", [True, False], ids=["NCHW", "CHW"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("method", OUT_METHODS)
def test_out_receives_the_result(method, dtype, batched):
    _, call = _conv_call(method, dtype, batched)
    expected = call(None)
    out = fresh_out(expected.shape, dtype)
    assert call(out) is out
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("method", OUT_METHODS)
def test_out_refusals_write_nothing(method):
    _, call = _conv_call(method)
    expected = call(None)
    for out, error, match in refused_outs(expected.shape, expected.dtype).values():
        assert_refused(call, out, error, match)


def test_out_overlapping_an_input_is_refused():
    """out may not share memory with the input, the weight (a SubpixelConv's
    too) or the bias."""
    import dataclasses

    x = random((1, 3, 6, 7), np.float32, 1)
    memory = np.zeros(200, np.float32)
    weight = memory[:9].reshape(3, 3, 1, 1)
    bias = memory[9:12]
    over_weight = memory[:126].reshape(1, 3, 6, 7)
    over_bias = memory[10:136].reshape(1, 3, 6, 7)
    before = x.copy()
    for op in (conv2d, conv_transpose2d):
        for out in (x, over_weight, over_bias):
            with pytest.raises(ValueError, match="out shares memory with an input"):
                op(x, weight, bias, out=out)
    np.testing.assert_array_equal(x, before)
    assert not memory.any()
    sub = imgconv.kernel_padding(np.ones((3, 2, 2, 2), np.float32), stride=2)
    memory = np.zeros(400, np.float32)
    memory[:24] = sub.weight.ravel()
    sub = dataclasses.replace(sub, weight=memory[:24].reshape(sub.weight.shape))
    with pytest.raises(ValueError, match="out shares memory with an input"):
        conv_transpose2d(x, sub, out=memory[:336].reshape(1, 2, 12, 14))
    assert not memory[24:].any()


@pytest.mark.parametrize("method", OUT_METHODS)
def test_out_results_do_not_depend_on_the_thread_count(method, four_cores):
    _, call = _conv_call(method)
    serial = call(None, 1)
    for n in (2, 3, 4):
        out = fresh_out(serial.shape, serial.dtype)
        call(out, n)
        np.testing.assert_array_equal(out, serial)


def test_out_of_a_float16_input_is_float32():
    x = random((1, 2, 5, 5), np.float16)
    weight = random((3, 2, 3, 3), np.float32, 1)
    with pytest.raises(ValueError, match="dtype float32"):
        conv2d(x, weight, out=np.zeros((1, 3, 3, 3), np.float16))
    out = np.zeros((1, 3, 3, 3), np.float32)
    np.testing.assert_array_equal(conv2d(x, weight, out=out), conv2d(x, weight))


# ------------------------------------------------------------- lipschitz ---

def _reference_conv(x, weight, stride=1, padding=0, dilation=1, groups=1):
    """conv2d_ref with conv2d's arguments ('same' split as torch splits it)."""
    dilation = pair(dilation)
    if padding == "valid":
        padding = 0
    if padding == "same":
        totals = [d * (k - 1) for d, k in zip(dilation, weight.shape[2:])]
        pads = tuple((t // 2, t - t // 2) for t in totals)
    else:
        pads = tuple((p, p) for p in pair(padding))
    return conv2d_ref(x, weight, None, pair(stride), pads, dilation, groups)


def _dense_operator_norm(weight, shape, **kwargs):
    """The largest singular value of the operator's matrix, built column by
    column from the tap-by-tap reference."""
    size = int(np.prod(shape))
    basis = np.eye(size).reshape(size, *shape)
    columns = _reference_conv(basis, weight, **kwargs).reshape(size, -1)
    return np.linalg.norm(columns, 2)


LIPSCHITZ_CASES = {
    # the top two singular values of this one are 3e-5 apart: power iteration
    # would need ~1e5 steps, so only Lanczos is asked to resolve it
    "random3x3": ((1, 6, 6), (1, 1, 3, 3), dict(padding=1), ["lanczos"]),
    "strided": ((2, 7, 5), (3, 2, 3, 3), dict(stride=2, padding=1), ["lanczos", "power"]),
    "depthwise-same": ((2, 8, 8), (2, 1, 2, 2), dict(groups=2, dilation=2, padding="same"),
                       ["lanczos", "power"]),
    "valid": ((3, 5, 6), (4, 3, 3, 2), dict(padding="valid"), ["lanczos", "power"]),
    "one-pixel": ((1, 1, 1), (1, 1, 1, 1), {}, ["lanczos", "power"]),
}


@pytest.mark.parametrize(
    "name,method",
    [(name, m) for name, case in LIPSCHITZ_CASES.items() for m in case[3]],
    ids=lambda v: v,
)
def test_conv_lipschitz_equals_dense_operator_norm(name, method):
    shape, weight_shape, kwargs, _ = LIPSCHITZ_CASES[name]
    weight = random(weight_shape, seed=12)
    expected = _dense_operator_norm(weight, shape, **kwargs)
    sigma, vector = conv_lipschitz(weight, shape, method=method, tol=1e-10, max_iter=20000,
                                   **kwargs)
    assert abs(sigma - expected) <= 1e-9 * expected
    assert vector.shape == shape
    assert abs(np.linalg.norm(vector) - 1) < 1e-12
    attained = np.linalg.norm(_reference_conv(vector[None], weight, **kwargs))
    assert abs(attained - expected) <= 1e-5 * expected


def test_conv_lipschitz_of_a_zero_weight_is_zero():
    sigma, vector = conv_lipschitz(np.zeros((2, 3, 3, 3)), (3, 5, 5))
    assert sigma == 0.0 and vector.shape == (3, 5, 5)


def test_conv_lipschitz_errors():
    weight = np.ones((1, 1, 3, 3))
    with pytest.raises(ValueError, match="input_shape must be a tuple"):
        conv_lipschitz(weight, 32)
    with pytest.raises(ValueError, match="input_shape must be >= 1"):
        conv_lipschitz(weight, (1, 0, 4))
    with pytest.raises(ValueError, match="method must be one of"):
        conv_lipschitz(weight, (1, 8, 8), method="svd")
    with pytest.raises(RuntimeError, match="did not converge"):
        conv_lipschitz(random((1, 1, 3, 3)), (1, 16, 16), method="power", max_iter=2)
    with pytest.raises(ValueError, match=r"the input would have 1000000000000 pixels"):
        conv_lipschitz(weight, (1, 10**6, 10**6), padding=1)
    # checked even where the answer needs no product (a zero weight)
    with pytest.raises(TypeError, match="n_threads must be an integer"):
        conv_lipschitz(np.zeros((1, 1, 3, 3)), (1, 8, 8), n_threads="bad")
    with pytest.raises(TypeError, match="random_state must be None, a non-negative integer"):
        conv_lipschitz(weight, (1, 8, 8), random_state=True)
    with pytest.raises(TypeError, match="random_state must be None, a non-negative integer"):
        conv_lipschitz(weight, (1, 8, 8), random_state="abc")


def test_conv_lipschitz_lanczos_on_a_basis_of_two_vectors(monkeypatch):
    """Inputs so large that the memory budget leaves a basis of two vectors
    (thick restarts keeping one) still converge to the dense answer."""
    import imgconv.lipschitz

    shape, weight = (2, 6, 6), random((2, 2, 3, 3), seed=13)
    monkeypatch.setattr(imgconv.lipschitz, "LANCZOS_BYTES", 8 * 72 * 2)
    sigma, _ = conv_lipschitz(weight, shape, padding=1, tol=1e-10, max_iter=100000)
    expected = _dense_operator_norm(weight, shape, padding=1)
    assert abs(sigma - expected) <= 1e-8 * expected


def test_public_names():
    assert {"conv2d", "conv_transpose2d", "conv_lipschitz"} <= set(imgconv.__all__)
