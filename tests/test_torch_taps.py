"""PyTorch's interpolate rule (imgconv._torch) against PyTorch itself.

Tables are compared bit for bit (a one-hot input makes PyTorch print its
own weights), and the exact model of its passes (tests/resample_models.py)
run on imgconv's tables is compared with ``interpolate`` on random calls.
"""
import math
import warnings
from fractions import Fraction

import numpy as np
import pytest

from imgconv import _torch as T
from resample_models import torch_interpolate

torch = pytest.importorskip("torch")
F = torch.nn.functional

TOLERANCE = {np.dtype(np.float32): 1e-6, np.dtype(np.float64): 1e-12, np.dtype(np.uint8): 0}


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def dense(index, weight, n_in):
    """The (n_out, n_in) matrix of a table, equal indices added in tap order
    in the weights' dtype."""
    matrix = np.zeros((index.shape[0], n_in), weight.dtype)
    rows = np.arange(index.shape[0])
    for t in range(index.shape[1]):
        matrix[rows, index[:, t]] += weight[:, t]
    return matrix


def torch_matrix(n_in, size, scale, mode, dtype, align_corners, antialias):
    """PyTorch's weights of one axis: interpolate an identity (one-hot
    channels), along the last axis; 4-D modes keep a height of 1."""
    eye = torch.from_numpy(np.eye(n_in, dtype=dtype))
    kw = dict(mode=mode, align_corners=align_corners, antialias=antialias)
    if mode == "linear":
        kw.update(size=size) if scale is None else kw.update(scale_factor=scale)
        return F.interpolate(eye[None], **kw)[0].numpy().T
    kw.update(size=(1, size)) if scale is None else kw.update(scale_factor=(1.0, scale))
    return F.interpolate(eye[None, :, None, :], **kw)[0, :, 0].numpy().T


def table_cases(seed, count):
    rng = np.random.default_rng(seed)
    kinds = ["linear", "bicubic", "aa-bilinear", "aa-bicubic", "aa-lanczos"]
    made = 0
    while made < count:
        kind = kinds[made % 5]
        dtype = (np.float32, np.float64)[made // 5 % 2]
        n_in = int(rng.integers(1, 60))
        align_corners = bool(rng.random() < 0.3) and kind != "aa-lanczos"
        if rng.random() < 0.5:
            scale, n_out = None, int(rng.integers(1, 120))
        else:
            scale = float(np.round(rng.uniform(0.1, 4.0), int(rng.integers(1, 5))))
            n_out = int(n_in * scale)
        if n_out < 1 or (kind.startswith("aa") and n_out == n_in):
            continue
        made += 1
        yield kind, dtype, n_in, n_out, scale, align_corners


@pytest.mark.parametrize("seed", range(4))
def test_tables_are_torch_weights_bit_for_bit(seed):
    for kind, dtype, n_in, n_out, scale, align_corners in table_cases(seed, 150):
        if kind == "linear":
            index, weight = T.linear_taps(n_in, n_out, scale, align_corners=align_corners,
                                          dtype=dtype)
        elif kind == "bicubic":
            index, weight = T.cubic_taps(n_in, n_out, scale, align_corners=align_corners,
                                         dtype=dtype)
        else:
            index, weight = T.antialias_taps(n_in, n_out, scale, mode=kind[3:],
                                             align_corners=align_corners, dtype=dtype)
        assert weight.dtype == dtype and index.dtype == np.intp
        assert np.all((index >= 0) & (index < n_in))
        mode = kind[3:] if kind.startswith("aa") else kind
        theirs = torch_matrix(n_in, n_out, scale, mode, dtype, align_corners,
                              kind.startswith("aa"))
        assert np.array_equal(dense(index, weight, n_in), theirs), (kind, dtype, n_in, n_out,
                                                                     scale, align_corners)


def random_call(rng):
    """Arguments of a random valid interpolate call."""
    mode = str(rng.choice(T.MODES))
    ndim = T.MODE_NDIM.get(mode) or int(rng.integers(3, 6))
    dtype = np.dtype(str(rng.choice(["float32", "float64", "uint8"])))
    if dtype == np.uint8 and mode not in T.UINT8_MODES:
        dtype = np.dtype(np.float32)
    antialias = mode in T.ANTIALIAS_WIDTH and (mode == "lanczos" or bool(rng.random() < 0.5))
    align_corners = None
    if mode in T.ALIGNABLE and mode != "lanczos":
        align_corners = bool(rng.random() < 0.4)
    longest = {3: 40, 4: 30, 5: 9}[ndim]
    spatial = tuple(int(n) for n in rng.integers(1, longest, ndim - 2))
    shape = (int(rng.integers(1, 3)), int(rng.integers(1, 7))) + spatial
    kw = dict(mode=mode, align_corners=align_corners, antialias=antialias)
    if rng.random() < 0.5:
        size = [int(n) for n in rng.integers(1, 2 * longest, ndim - 2)]
        kw["size"] = [n if rng.random() < 0.8 else m for n, m in zip(size, spatial)]
    else:
        # non-integer factors with 1 to 3 decimals, output >= 1
        factors = [float(np.round(rng.uniform(0.2, 3.0), int(rng.integers(1, 4))))
                   for _ in spatial]
        kw["scale_factor"] = [max(f, 1.0 / n + 0.01) for f, n in zip(factors, spatial)]
        if rng.random() < 0.3:
            kw["recompute_scale_factor"] = True
    return shape, dtype, kw


def random_input(rng, shape, dtype):
    if dtype == np.uint8:
        return rng.integers(0, 256, shape, dtype=np.uint8)
    return rng.uniform(-1.0, 1.0, shape).astype(dtype)


def check_call(x, kw, channels_last=False):
    request = T.check_interpolate(x.shape, x.dtype, **kw)
    tensor = torch.from_numpy(x)
    if channels_last:
        tensor = tensor.contiguous(memory_format=torch.channels_last if x.ndim == 4
                                   else torch.channels_last_3d)
    try:
        theirs = F.interpolate(tensor, **kw).numpy()
    except RuntimeError as error:
        # PyTorch's vectorised uint8 kernel fails an internal assertion on
        # some 3-channel images shrunk to one column: nothing to compare
        assert "INTERNAL ASSERT" in str(error) and x.dtype == np.uint8 and x.shape[1] == 3
        assert request.out_shape[-1] == 1
        return None
    ours = torch_interpolate(x, request, channels_last=channels_last)
    assert ours.shape == theirs.shape == request.out_shape and ours.dtype == theirs.dtype
    exact = kw["mode"].startswith("nearest") or x.dtype == np.uint8
    difference = np.abs(ours.astype(float) - theirs.astype(float)).max(initial=0)
    assert difference <= (0 if exact else TOLERANCE[x.dtype]), (x.shape, x.dtype, kw)
    return difference


@pytest.mark.parametrize("seed", range(5))
def test_random_calls(seed):
    # 5 x 120 calls over every mode, 3/4/5-D, align_corners, size and
    # scale_factor, recompute_scale_factor, antialias, float32/64 and uint8
    rng = np.random.default_rng(seed)
    for _ in range(120):
        shape, dtype, kw = random_call(rng)
        check_call(random_input(rng, shape, dtype), kw)


def nearest_kernels_differ(n_in, n_out, exact, dtype):
    """Whether PyTorch's two nearest kernels pick other pixels."""
    return not np.array_equal(T.nearest_taps(n_in, n_out, exact=exact, dtype=dtype),
                              T.nearest_taps(n_in, n_out, exact=exact, dtype=dtype,
                                             kernel="channels_last"))


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
def test_nearest_kernel_choice(mode, dtype):
    exact = mode == "nearest-exact"
    compute = np.float64 if dtype == np.float64 else np.float32
    pairs = [(n_in, n_out) for n_in in range(2, 70) for n_out in range(2, 140)
             if nearest_kernels_differ(n_in, n_out, exact, compute)]
    # float32 'nearest' computes alike in both kernels: any sizes then
    assert pairs or (compute == np.float32 and not exact)
    pairs = pairs or [(37, 101), (61, 83), (5, 130), (64, 128), (50, 50), (69, 23)]
    rng = np.random.default_rng(len(pairs))
    for k in rng.choice(len(pairs), 6, replace=False):
        n_in, n_out = pairs[k]
        for width in (5, 128 - n_out, 129 - n_out, 140):     # both sides of the switch
            if width < 1:
                continue
            for channels, channels_last in [(1, False), (3, True), (5, True), (5, False)]:
                x = random_input(rng, (1, channels, n_in, 7), np.dtype(dtype))
                check_call(x, dict(mode=mode, size=(n_out, width)), channels_last)
        x = random_input(rng, (1, 2, n_in), np.dtype(dtype))
        check_call(x, dict(mode=mode, size=n_out))
        for channels_last in (False, True):
            x = random_input(rng, (1, 5, n_in, 3, 2), np.dtype(dtype))
            check_call(x, dict(mode=mode, size=(n_out, 4, 2)), channels_last)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
def test_one_column_outputs_repeat_row_zero(dtype):
    rng = np.random.default_rng(7)
    buggy = 0
    for case in range(60):
        mode = ("bilinear", "bicubic", "lanczos")[case % 3]
        antialias = mode == "lanczos" or case % 2 == 0
        channels = (1, 3, 4, 5, 7)[case % 5]
        shape = (1, channels) + tuple(int(n) for n in rng.integers(1, 20, 2))
        kw = dict(mode=mode, antialias=antialias, size=(int(rng.integers(1, 30)), 1))
        check_call(random_input(rng, shape, np.dtype(dtype)), kw)
        request = T.check_interpolate(shape, dtype, **kw)
        buggy += T.row0_bug(request)
        if T.row0_bug(request):
            passes = T.interpolate_passes(request)
            index, weight = passes.tables[2]
            assert np.all(index == index[0]) and np.all(weight == weight[0])
    assert buggy > 10


def test_uint8_photo_like_images():
    rng = np.random.default_rng(8)
    # smooth content with edges, as in photos: ramps plus noise, clipped
    y, x = np.mgrid[0:61, 0:83]
    image = np.clip(2 * x + y + rng.normal(0, 12, x.shape) + 90 * (x > 40), 0, 255)
    x = np.stack([image, image[::-1], 255 - image]).astype(np.uint8)[None]
    for mode, antialias in [("bilinear", False), ("bilinear", True), ("bicubic", False),
                            ("bicubic", True), ("lanczos", True)]:
        for size in [(20, 27), (150, 199), (61, 40), (17, 83)]:
            check_call(x, dict(mode=mode, antialias=antialias, size=size))
        check_call(x, dict(mode=mode, antialias=antialias, scale_factor=0.37,
                           align_corners=None if mode == "lanczos" else True))


def test_identity_axes_with_other_factors():
    rng = np.random.default_rng(9)
    # 10 * 1.05 -> 10: linear modes copy the axis, bicubic does not
    for mode in ("bilinear", "bicubic"):
        for dtype in (np.float32, np.float64, np.uint8):
            x = random_input(rng, (1, 2, 10, 12), np.dtype(dtype))
            check_call(x, dict(mode=mode, scale_factor=(1.05, 1.5)))
    x = random_input(rng, (1, 2, 10, 12), np.dtype(np.float64))
    request = T.check_interpolate(x.shape, x.dtype, mode="bicubic", scale_factor=(1.05, 1.5))
    index, weight = T.interpolate_passes(request).tables[2]
    assert not np.array_equal(dense(index, weight, 10), np.eye(10))


def test_area_empty_output_and_bounds():
    x = np.ones((1, 2, 5, 4), np.float32)
    check_call(x, dict(mode="area", scale_factor=0.1))
    start, end = T.area_bounds(7, 3)
    assert start.tolist() == [0, 2, 4] and end.tolist() == [3, 5, 7]


def test_uint8_precision_rule():
    assert T.fixed_point_precision(1.0) == 14
    assert T.fixed_point_precision(0.5) == 15
    assert T.fixed_point_precision(0.0) == 22
    index, weight, precision = T.uint8_taps(400, 3, mode="bilinear", antialias=True)
    assert weight.dtype == np.int16 and precision > 14
    assert np.abs(weight.astype(int).sum(axis=1) - (1 << precision)).max() <= index.shape[1]


def exact_fma(a, b, c, dtype):
    """a * b + c in exact rationals, rounded once to dtype."""
    exact = Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c))
    below = np.array(float(exact), dtype=np.float64).astype(dtype)   # near the value
    candidates = [np.nextafter(below, -np.inf, dtype=dtype), below,
                  np.nextafter(below, np.inf, dtype=dtype)]
    errors = [abs(Fraction(float(v)) - exact) for v in candidates]
    best = min(errors)
    ties = [v for v, e in zip(candidates, errors) if e == best]
    even = [v for v in ties if int(np.array(v, dtype=dtype).view(
        np.uint32 if dtype == np.float32 else np.uint64)) % 2 == 0]
    return (even or ties)[0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fma_emulation_is_correctly_rounded(dtype):
    rng = np.random.default_rng(11)
    a = rng.uniform(-4, 4, 3000).astype(dtype)
    b = rng.uniform(-4, 4, 3000).astype(dtype)
    c = (-(a.astype(np.float64) * b) * (1 + rng.uniform(-1e-6, 1e-6, 3000))).astype(dtype)
    c[::3] = rng.uniform(-1, 1, 1000).astype(dtype)
    ours = T.fma(a, b, c, dtype)
    assert ours.dtype == dtype
    for k in range(3000):
        assert ours[k] == exact_fma(a[k], b[k], c[k], dtype), (a[k], b[k], c[k])


# ------------------------------------------------------------------ errors

def error_calls():
    """Calls PyTorch refuses and imgconv's check must refuse too."""
    good = (1, 3, 4, 5)
    return [
        ((1, 0, 4, 4), "float32", dict(size=(2, 2), mode="bilinear")),
        ((1, 0, 4, 4), "float32", dict(size=(2, 2), mode="nearest")),
        ((1, 0, 4, 4, 4), "float32", dict(size=(2, 2, 2), mode="area")),
        ((1, 3, 0, 4), "float32", dict(size=(2, 2), mode="bilinear")),
        ((1, 3, 0, 4), "float32", dict(size=(2, 2), mode="area")),
        (good, "float32", dict(size=(-1, 2), mode="area")),
        (good, "float32", dict(size=(0, 2), mode="nearest")),
        (good, "float32", dict(size=[3, -2], mode="nearest")),
        (good, "float32", dict(scale_factor=0.1, mode="nearest")),
        (good, "float32", dict(scale_factor=0.0, mode="bilinear")),
        (good, "float32", dict(scale_factor=-2.0, mode="nearest")),
        (good, "float32", dict(scale_factor=float("nan"), mode="nearest")),
        (good, "float32", dict(scale_factor=float("inf"), mode="bilinear")),
        (good, "float32", dict(scale_factor=1e30, mode="nearest")),
        (good, "float32", dict(size=2.5, mode="bilinear")),
        (good, "float32", dict(size=(2.0, 3), mode="bilinear")),
        (good, "float32", dict(size=3, mode="bilinear", align_corners=1)),
        (good, "float32", dict(scale_factor="2", mode="bilinear")),
        (good, "float32", dict(scale_factor=(2, "2"), mode="bilinear")),
        (good, "int32", dict(size=3, mode="nearest")),
        (good, "int64", dict(size=3, mode="bilinear")),
        ((1, 3, 4), "uint8", dict(size=3, mode="linear")),
        (good, "uint8", dict(size=3, mode="area")),
        ((1, 3, 4, 4, 4), "uint8", dict(size=3, mode="trilinear")),
        (good, "float32", dict(size=3, mode="lanczos", antialias=True, align_corners=True)),
        (good, "float32", dict(size=3, mode="lanczos")),
        (good, "float32", dict(size=3, mode="Bilinear")),
        (good, "float32", dict(size=3, mode=None)),
        ((4, 4), "float32", dict(size=3, mode="nearest")),
        ((1, 1, 1, 1, 4, 4), "float32", dict(size=3, mode="nearest")),
        ((1, 3, 4), "float32", dict(size=(3,), mode="nearest", align_corners=False)),
        ((1, 3, 4), "float32", dict(size=(3,), mode="area", align_corners=True)),
        ((1, 3, 4), "float32", dict(size=(3,), mode="nearest-exact", align_corners=False)),
        ((1, 3, 4), "float32", dict(size=(3,), scale_factor=2, mode="nearest")),
        ((1, 3, 4), "float32", dict(mode="nearest")),
        ((1, 3, 4), "float32", dict(size=(3,), mode="nearest", recompute_scale_factor=True)),
        ((1, 3, 4), "float32", dict(size=(3, 3), mode="nearest")),
        ((1, 3, 4), "float32", dict(scale_factor=(3.0, 3.0), mode="nearest")),
        ((1, 3, 4), "float32", dict(size=3, mode="bilinear")),
        (good, "float32", dict(size=3, mode="linear")),
        ((1, 3, 4, 5, 5), "float32", dict(size=3, mode="bicubic")),
        ((1, 3, 4, 5, 5), "float32", dict(size=3, mode="bilinear")),
        (good, "float32", dict(size=3, mode="trilinear")),
        ((1, 3, 4, 5, 5), "float32", dict(size=3, mode="lanczos", antialias=True)),
        ((1, 3, 4), "float32", dict(size=3, mode="linear", antialias=True)),
        ((1, 3, 4, 5, 6), "float32", dict(size=3, mode="trilinear", antialias=True)),
        (good, "float32", dict(size=3, mode="nearest", antialias=True)),
        (good, "float32", dict(size=3, mode="area", antialias=True)),
        (good, "float32", dict(size=[3], mode="nearest")),
    ]


@pytest.mark.parametrize("shape, dtype, kw", error_calls())
def test_errors_where_torch_raises(shape, dtype, kw):
    with pytest.raises(Exception), warnings.catch_warnings():  # noqa: B017 - any torch error
        warnings.simplefilter("ignore")
        F.interpolate(torch.zeros(shape, dtype=getattr(torch, dtype)), **kw)
    with pytest.raises((ValueError, TypeError)) as raised:
        T.check_interpolate(shape, dtype, **kw)
    # the message names what was wrong
    assert any(word in str(raised.value) for word in
               ("size", "scale_factor", "mode", "align_corners", "dtype", "dimensions",
                "channel", "antialias", "recompute"))


def test_random_argument_combinations_raise_together():
    rng = np.random.default_rng(12)
    modes = list(T.MODES) + ["cubic"]
    for _ in range(400):
        ndim = int(rng.integers(3, 6))
        shape = (1, int(rng.integers(0, 3))) + tuple(int(n) for n in rng.integers(0, 5, ndim - 2))
        dtype = str(rng.choice(["float32", "float64", "uint8", "int32"]))
        kw = dict(mode=str(rng.choice(modes)))
        if rng.random() < 0.7:
            kw["size"] = [int(n) for n in rng.integers(-1, 6, int(rng.integers(1, 4)))]
            if rng.random() < 0.3:
                kw["size"] = kw["size"][0]
        if rng.random() < 0.5 or "size" not in kw:
            factors = [float(f) for f in rng.uniform(-0.5, 3, int(rng.integers(1, 4)))]
            if rng.random() < 0.95:
                kw["scale_factor"] = factors if rng.random() < 0.7 else factors[0]
        for name, choices in (("align_corners", [None, False, True]),
                              ("recompute_scale_factor", [None, False, True]),
                              ("antialias", [False, True])):
            kw[name] = choices[int(rng.integers(len(choices)))]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                F.interpolate(torch.zeros(shape, dtype=getattr(torch, dtype)), **kw)
            torch_raised = False
        except Exception:  # noqa: BLE001 - torch raises several exception types
            torch_raised = True
        try:
            T.check_interpolate(shape, dtype, **kw)
            ours_raised = False
        except (ValueError, TypeError):
            ours_raised = True
        assert ours_raised == torch_raised, (shape, dtype, kw)


def test_output_size_rules():
    # size wins, trunc(n * factor) in double, recompute drops the factor
    request = T.check_interpolate((1, 1, 10, 7), np.float32, scale_factor=(1.05, 0.29),
                                  mode="bilinear")
    assert request.out_shape == (1, 1, 10, 2) and request.scales == (1.05, 0.29)
    request = T.check_interpolate((1, 1, 10, 7), np.float32, scale_factor=(1.05, 0.29),
                                  mode="bilinear", recompute_scale_factor=True)
    assert request.out_shape == (1, 1, 10, 2) and request.scales == (None, None)
    request = T.check_interpolate((1, 1, 10, 7), np.float32, scale_factor=0.29, mode="area")
    assert request.scales == (None, None)
    assert T.check_interpolate((1, 1, 49), np.float64, scale_factor=0.29,
                               mode="nearest").out_shape == (1, 1, math.trunc(49 * 0.29))
