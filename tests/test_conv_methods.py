"""The three methods of conv_transpose2d ('gemm', 'subpixel', 'zero_insert')
agree with each other, with the naive reference and with torch, for every
parameter combination the op accepts."""
import numpy as np
import pytest

from imgconv import conv_transpose2d
from reference import conv_transpose2d_ref

METHODS = ["gemm", "subpixel", "zero_insert", "auto"]
TOL = {np.float32: 2e-6, np.float64: 1e-12}


def relative_error(a, b):
    scale = max(1.0, float(np.abs(b).max(initial=0)))
    return float(np.abs(a - b).max(initial=0)) / scale


def random_case(rng):
    """Random transposed-conv arguments over the whole accepted range."""
    g = int(rng.choice([1, 2, 3]))
    cin, cout = g * int(rng.integers(1, 3)), g * int(rng.integers(1, 3))
    kernel = tuple(int(v) for v in rng.integers(1, 6, 2))
    stride = tuple(int(v) for v in rng.integers(1, 5, 2))
    dilation = tuple(int(v) for v in rng.integers(1, 4, 2))
    padding = tuple(int(v) for v in rng.integers(0, 6, 2))
    output_padding = tuple(int(rng.integers(0, max(s, d))) for s, d in zip(stride, dilation))
    size = tuple(int(v) for v in rng.integers(1, 7, 2))
    x = rng.standard_normal((int(rng.integers(1, 3)), cin, *size))
    weight = rng.standard_normal((cin, cout // g, *kernel))
    bias = rng.standard_normal(cout) if rng.random() < 0.5 else None
    return x, weight, bias, stride, padding, output_padding, g, dilation


@pytest.mark.parametrize("seed", range(6))
def test_methods_agree_with_the_reference(seed):
    rng = np.random.default_rng(seed)
    checked = 0
    for _ in range(200):
        x, weight, bias, *args = random_case(rng)
        expected = conv_transpose2d_ref(x, weight, bias, *args)
        if 0 in expected.shape:
            for method in METHODS:
                with pytest.raises(ValueError, match="the output would be empty"):
                    conv_transpose2d(x, weight, bias, *args, method=method)
            continue
        for method in METHODS:
            out = conv_transpose2d(x, weight, bias, *args, method=method)
            assert out.shape == expected.shape
            assert relative_error(out, expected) < 1e-12, (method, args)
        checked += 1
    assert checked > 100


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "case",
    [
        # (N, C_in, C_out, H, W, kernel, stride, padding, output_padding, dilation, groups)
        (1, 64, 64, 9, 8, 4, 2, 1, 0, 1, 1),          # the benchmark's layer, small
        (2, 4, 6, 5, 5, 3, 2, 1, 1, 1, 2),
        (1, 6, 6, 4, 7, (2, 3), (3, 2), (1, 0), (2, 1), 1, 6),    # depthwise, asymmetric
        (1, 2, 2, 6, 5, 3, 1, 2, 1, 2, 1),            # output_padding < dilation
        (1, 3, 3, 1, 1, 4, 2, 1, 1, 1, 3),            # one pixel
        (1, 2, 4, 1, 6, (1, 4), (1, 3), (0, 2), 0, (1, 2), 2),    # one row
        (1, 3, 2, 7, 6, 5, 3, 4, 2, (2, 1), 1),       # padding beyond the kernel's reach
        (0, 2, 3, 4, 4, 3, 2, 1, 0, 1, 1),            # empty batch
        (1, 1, 1, 3, 2, (3, 4), (4, 3), (2, 1), (0, 2), 1, 1),   # 1x1 phases, 2x3 grid
    ],
    ids=lambda c: "N{}-C{}to{}-{}x{}-k{}-s{}-p{}-op{}-d{}-g{}".format(*c).replace(" ", ""),
)
def test_methods_on_chosen_cases(case, method, dtype):
    n, cin, cout, h, w, k, s, p, op, d, g = case
    pair = lambda v: v if isinstance(v, tuple) else (v, v)  # noqa: E731
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, cin, h, w)).astype(dtype)
    weight = rng.standard_normal((cin, cout // g, *pair(k))).astype(dtype)
    bias = rng.standard_normal(cout).astype(dtype)
    expected = conv_transpose2d_ref(x.astype(np.float64), weight.astype(np.float64), bias,
                                    pair(s), pair(p), pair(op), g, pair(d))
    out = conv_transpose2d(x, weight, bias, s, p, op, g, d, method=method)
    assert out.dtype == dtype and out.shape == expected.shape
    assert relative_error(out, expected) < TOL[dtype]


def test_unbatched_input_and_integer_dtype():
    x = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    weight = np.ones((2, 1, 3, 3))
    expected = conv_transpose2d_ref(x[None].astype(np.float64), weight, None, (2, 2), (1, 1),
                                    (0, 0), 2)[0]
    for method in METHODS:
        out = conv_transpose2d(x, weight, stride=2, padding=1, groups=2, method=method)
        assert out.dtype == np.float64 and out.shape == (2, 5, 7)
        # small integers times ones: every method's sums are exact
        np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("method", METHODS)
def test_methods_match_torch(method):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(120):
        x, weight, bias, stride, padding, output_padding, g, dilation = random_case(rng)
        tb = None if bias is None else torch.from_numpy(bias)
        try:
            expected = F.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(weight), tb,
                                          stride, padding, output_padding, g, dilation).numpy()
        except RuntimeError:
            continue
        if 0 in expected.shape:
            continue
        out = conv_transpose2d(x, weight, bias, stride, padding, output_padding, g, dilation,
                               method=method)
        assert relative_error(out, expected) < 1e-12
        checked += 1
    assert checked > 60


@pytest.mark.parametrize("method", METHODS)
def test_results_do_not_depend_on_the_thread_count(method, four_cores):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 8, 13, 11)).astype(np.float32)
    weight = rng.standard_normal((8, 3, 4, 4)).astype(np.float32)
    serial = conv_transpose2d(x, weight, stride=2, padding=1, groups=2, method=method,
                              n_threads=1)
    for n in (2, 3, 4, None):
        np.testing.assert_array_equal(
            conv_transpose2d(x, weight, stride=2, padding=1, groups=2, method=method,
                             n_threads=n), serial)


@pytest.mark.parametrize("method", METHODS)
def test_inputs_are_not_modified_and_layout_does_not_matter(method):
    rng = np.random.default_rng(9)
    base = rng.standard_normal((1, 4, 12, 10))
    x = base[:, ::-1, ::2]
    weight = np.asfortranarray(rng.standard_normal((4, 2, 3, 3)))
    x.flags.writeable = False
    x_before, w_before = x.copy(), weight.copy()
    out = conv_transpose2d(x, weight, stride=2, padding=1, method=method)
    np.testing.assert_array_equal(
        out, conv_transpose2d(x.copy(), weight.copy(), stride=2, padding=1, method=method))
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(weight, w_before)


def test_method_errors():
    x, weight = np.zeros((1, 2, 3, 3)), np.zeros((2, 2, 3, 3))
    with pytest.raises(ValueError,
                       match="method must be one of 'auto', 'gemm', 'subpixel', 'zero_insert'; "
                             "got 'fft'"):
        conv_transpose2d(x, weight, method="fft")
    with pytest.raises(ValueError, match=r"method must be one of .*; got None"):
        conv_transpose2d(x, weight, method=None)


def test_zero_insert_bound_on_the_stuffed_input(monkeypatch):
    monkeypatch.setenv("IMGCONV_MAX_PIXELS", "1000")
    x, weight = np.zeros((1, 1, 20, 20)), np.zeros((1, 1, 1, 1))
    # the 30x30 output is within the bound, the 58x58 stuffed input is not
    with pytest.raises(ValueError, match="zero-inserted input would have 3364 pixels"):
        conv_transpose2d(x, weight, stride=3, padding=14, method="zero_insert")


@pytest.mark.parametrize("seed", range(3))
def test_channels_last_methods_agree_with_the_reference(seed):
    """The same over 8 to 12 channels per group, where 'subpixel' and the
    stride-1 'zero_insert' run on channels-last pixels and 'auto' may take
    Winograd for them."""
    rng = np.random.default_rng(100 + seed)
    checked = 0
    for _ in range(25):
        x, weight, bias, stride, padding, output_padding, g, dilation = random_case(rng)
        cin, cout = g * int(rng.integers(8, 13)), g * int(rng.integers(8, 13))
        x = rng.standard_normal((x.shape[0], cin, *x.shape[2:]))
        weight = rng.standard_normal((cin, cout // g, *weight.shape[2:]))
        bias = None if bias is None else rng.standard_normal(cout)
        args = (stride, padding, output_padding, g, dilation)
        expected = conv_transpose2d_ref(x, weight, bias, *args)
        if 0 in expected.shape:
            continue
        for method in METHODS:
            out = conv_transpose2d(x, weight, bias, *args, method=method)
            assert relative_error(out, expected) < 1e-12, (method, args)
        checked += 1
    assert checked > 10
