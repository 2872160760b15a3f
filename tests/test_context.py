"""ContextModule (Yu & Koltun, Table 1): initialisations, receptive field,
parity with the same stack in torch, and its file format."""
import numpy as np
import pytest

from imgconv import ContextModule, conv2d

PAPER = (1, 1, 2, 4, 8, 16, 1)


def random(shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def randomise(module, seed=1, positive=False):
    """Random weights (and biases) of a reasonable scale on every layer."""
    rng = np.random.default_rng(seed)
    weights = []
    for w in module.weights:
        fan_in = w.shape[1] * w.shape[2] * w.shape[3]
        values = rng.random(w.shape) if positive else rng.standard_normal(w.shape)
        weights.append(values / np.sqrt(fan_in))
    module.weights = weights
    if not positive:
        module.biases = [rng.standard_normal(b.shape) * 0.1 for b in module.biases]
    return module


def test_layer_channels_and_receptive_field():
    basic = ContextModule(5)
    assert basic.layer_channels == (5,) * 9
    assert basic.dilations == PAPER
    assert basic.receptive_field == 67
    large = ContextModule(3, "large")
    assert large.layer_channels == (3, 6, 6, 12, 24, 48, 96, 96, 3)
    assert [w.shape for w in large.weights][:2] == [(6, 3, 3, 3), (6, 6, 3, 3)]
    assert large.weights[-1].shape == (3, 96, 1, 1)
    assert ContextModule.level_dilations(8) == PAPER
    levels10 = ContextModule(2, dilations=ContextModule.level_dilations(10))
    assert levels10.dilations == (1, 1, 2, 4, 8, 16, 32, 64, 1)
    assert levels10.receptive_field == 1 + 2 * 129
    assert repr(basic) == ("ContextModule(channels=5, kind='basic', "
                           "dilations=(1, 1, 2, 4, 8, 16, 1))")


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("batched", [True, False], ids=["NCHW", "CHW"])
def test_identity_initialised_basic_module_is_relu(dtype, batched):
    module = ContextModule(4)
    x = random((2, 4, 37, 29) if batched else (4, 37, 29), dtype)
    out = module(x)
    assert out.dtype == dtype and out.shape == x.shape
    np.testing.assert_array_equal(out, np.maximum(x, 0))


def test_impulse_response_covers_exactly_the_receptive_field():
    module = randomise(ContextModule(2), positive=True)
    size, centre = 101, 50
    x = np.zeros((2, size, size))
    x[:, centre, centre] = 1
    out = module(x)
    half = module.receptive_field // 2
    inside = np.zeros((size, size), bool)
    inside[centre - half:centre + half + 1, centre - half:centre + half + 1] = True
    assert (out[:, inside] > 0).all()
    assert (out[:, ~inside] == 0).all()
    assert inside.sum() == 67 * 67


def test_receptive_field_of_a_custom_stack():
    module = randomise(ContextModule(1, dilations=(3, 5)), positive=True)
    x = np.zeros((1, 41, 41))
    x[0, 20, 20] = 1
    support = np.argwhere(module(x)[0] > 0)
    assert module.receptive_field == 17
    assert support.min(axis=0).tolist() == [12, 12] and support.max(axis=0).tolist() == [28, 28]


def test_large_initialisation_follows_the_paper():
    channels, noise = 4, 1e-3
    module = ContextModule(channels, "large", noise=noise, random_state=7, dtype=np.float64)
    c = module.layer_channels
    for i, w in enumerate(module.weights):
        c_in, c_out = c[i], c[i + 1]
        scale = channels / c_out
        a, b = np.arange(c_in), np.arange(c_out)
        connected = (b[:, None] * channels // c_out) == (a[None, :] * channels // c_in)
        centre = w[:, :, w.shape[2] // 2, w.shape[3] // 2]
        np.testing.assert_array_equal(centre[connected], scale)
        rest = np.concatenate([centre[~connected], np.delete(
            w.reshape(c_out, c_in, -1), w.shape[2] * w.shape[3] // 2, axis=2).ravel()])
        assert np.abs(rest).max() < 6 * noise * scale
        if rest.size > 1000:
            assert abs(rest.std() / (noise * scale) - 1) < 0.1
            assert abs(rest.mean()) < 0.1 * noise * scale
    same = ContextModule(channels, "large", noise=noise, random_state=7, dtype=np.float64)
    other = ContextModule(channels, "large", noise=noise, random_state=8, dtype=np.float64)
    assert all(np.array_equal(p, q) for p, q in zip(module.weights, same.weights))
    assert not np.array_equal(module.weights[0], other.weights[0])


def test_large_module_without_noise_is_relu():
    module = ContextModule(3, "large", noise=0, dtype=np.float64)
    x = random((3, 40, 40))
    np.testing.assert_allclose(module(x), np.maximum(x, 0), rtol=0, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("kind,dilations", [("basic", PAPER), ("large", PAPER),
                                            ("basic", (1, 1, 2, 4, 8, 16, 32, 64, 1))],
                         ids=["basic", "large", "basic-10-levels"])
def test_forward_equals_the_torch_stack(kind, dilations, dtype):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    module = randomise(ContextModule(3, kind, dilations=dilations, dtype=dtype))
    x = random((2, 3, 45, 52), dtype, seed=5)
    out = module(x)
    # torch in float64 on the same (float32-rounded) numbers: the exact stack
    y = torch.from_numpy(x.astype(np.float64))
    last = len(module.weights) - 1
    with torch.no_grad():
        for i, (w, b) in enumerate(zip(module.weights, module.biases)):
            d = dilations[i] if i < last else 1
            y = F.conv2d(y, torch.from_numpy(w.astype(np.float64)),
                         torch.from_numpy(b.astype(np.float64)),
                         padding=d if i < last else 0, dilation=d)
            if i < last:
                y = F.relu(y)
    expected = y.numpy()
    tolerance = 2e-6 if dtype == np.float32 else 1e-12
    assert out.dtype == dtype
    np.testing.assert_allclose(out, expected, rtol=0, atol=tolerance * np.abs(expected).max())


def test_forward_is_a_chain_of_conv2d_and_keeps_inputs():
    module = randomise(ContextModule(2, dilations=(2, 3)), seed=3)
    x = random((2, 20, 21))[:, ::-1]
    x.flags.writeable = False
    before = x.copy()
    w, b = module.weights, module.biases
    expected = np.maximum(conv2d(x, w[0], b[0], padding=2, dilation=2), 0)
    expected = np.maximum(conv2d(expected, w[1], b[1], padding=3, dilation=3), 0)
    expected = conv2d(expected, w[2], b[2])
    np.testing.assert_allclose(module(x), expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(module(x, n_threads=1), module(x, n_threads=2))
    assert module(x.astype(np.int64)).dtype == np.float64


def test_weights_are_copies_and_setters_copy():
    module = ContextModule(2)
    module.weights[0][:] = 5                         # a copy: the module is unchanged
    assert module.weights[0].max() == 1
    new = [np.full(w.shape, 0.5) for w in module.weights]
    module.weights = new
    new[0][:] = 9                                    # the module keeps its own copy
    assert module.weights[0].max() == 0.5 and module.weights[0].dtype == np.float32


def test_parameters_must_fit_the_dtype():
    module = ContextModule(2)
    big = [np.full(w.shape, -1e39) for w in module.weights]     # finite in float64 only
    with pytest.raises(ValueError, match=r"weights\[0\] must be finite in float32: .*1e\+39"):
        module.weights = big
    with pytest.raises(ValueError, match=r"biases\[7\] must be finite in float32"):
        module.biases = module.biases[:7] + [np.full(2, 1e39)]
    assert module.weights[0].max() == 1 and module.biases[7].max() == 0    # unchanged
    wide = ContextModule(2, dtype=np.float64)
    wide.weights = big
    assert wide.weights[0].min() == -1e39


def test_random_state_forms():
    def noise(random_state):
        return ContextModule(2, "large", random_state=random_state).weights[0]

    seeded = noise(7)
    for same in (np.int64(7), np.random.SeedSequence(7), np.random.default_rng(7)):
        np.testing.assert_array_equal(noise(same), seeded)
    assert noise(None).shape == seeded.shape


def test_dilations_as_an_array():
    module = ContextModule(2, dilations=np.array([1, 2]))
    assert module.dilations == (1, 2) and type(module.dilations[0]) is int


def test_save_and_load_round_trip(tmp_path):
    module = randomise(ContextModule(3, "large", dilations=(1, 2, 1), dtype=np.float64))
    path = tmp_path / "context.npz"
    module.save(path)
    loaded = ContextModule.load(path)
    assert repr(loaded) == repr(module) and loaded.layer_channels == module.layer_channels
    assert loaded.weights[0].dtype == np.float64
    for a, b in zip(loaded.weights + loaded.biases, module.weights + module.biases):
        np.testing.assert_array_equal(a, b)
    x = random((3, 12, 12))
    np.testing.assert_array_equal(loaded(x), module(x))


def _saved(tmp_path, **changes):
    """A saved basic module (C=2, dilations (1, 2)) with some entries changed."""
    module = ContextModule(2, dilations=(1, 2))
    path = tmp_path / "module.npz"
    module.save(path)
    with np.load(path) as data:
        entries = dict(data)
    for key, value in changes.items():
        if value is None:
            del entries[key]
        else:
            entries[key] = value
    np.savez(path, **entries)
    return path


@pytest.mark.parametrize(
    "changes,match",
    [
        (dict(weight_1=None), "no entry 'weight_1'"),
        (dict(format=np.array("other/1")), "has format 'other/1'"),
        (dict(kind=np.array("huge")), "kind must be one of 'basic', 'large'; got 'huge'"),
        (dict(kind=np.array(3)), "entry 'kind' .* must be a string"),
        (dict(channels=np.array([2, 2])), "must be a scalar and a vector"),
        (dict(channels=np.array(2.0)), "channels must be an integer"),
        (dict(dilations=np.array([1, 0])), "dilations must be >= 1, got 0"),
        (dict(weight_0=np.zeros((2, 2, 3, 2))), r"weights\[0\] must have shape \(2, 2, 3, 3\)"),
        (dict(bias_2=np.zeros(3)), r"biases\[2\] must have shape \(2,\)"),
        (dict(weight_2=np.full((2, 2, 1, 1), np.nan)), r"weights\[2\] must be finite"),
        (dict(bias_0=np.array(["a", "b"])), r"biases\[0\] must have a real numeric"),
    ],
    ids=["missing", "format", "kind", "kind-type", "channels-shape", "channels-float",
         "dilation-0", "weight-shape", "bias-shape", "nan", "bias-dtype"],
)
def test_load_validates_the_file(tmp_path, changes, match):
    path = _saved(tmp_path, **changes)
    with pytest.raises(ValueError, match=match):
        ContextModule.load(path)


@pytest.mark.parametrize("name", ["array.npy", "other.npz", "empty.npz"])
def test_load_rejects_other_files(tmp_path, name):
    path = tmp_path / name
    if name == "array.npy":
        np.save(path, np.zeros(3))
    elif name == "other.npz":
        np.savez(path, a=np.zeros(3))
    else:
        path.write_bytes(b"")
    with pytest.raises(ValueError, match=rf"{name}'\)? is not a ContextModule file: .*"
                                         r"expected an \.npz archive .* 'format', 'kind'"):
        ContextModule.load(path)
    with pytest.raises(FileNotFoundError):          # kept as is: the path is wrong, not the file
        ContextModule.load(tmp_path / "missing.npz")


def test_load_refuses_pickled_objects(tmp_path):
    path = _saved(tmp_path, bias_0=np.array([object(), object()]))
    with pytest.raises(ValueError, match="allow_pickle"):
        ContextModule.load(path)


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: ContextModule(0), ValueError, "channels must be >= 1, got 0"),
        (lambda: ContextModule(2.0), TypeError, "channels must be an integer, got 2.0"),
        (lambda: ContextModule(2, "wide"), ValueError, "kind must be one of 'basic', 'large'"),
        (lambda: ContextModule(2, dilations=()), ValueError, "dilations must not be empty"),
        (lambda: ContextModule(2, dilations=4), TypeError, "dilations must be a sequence"),
        (lambda: ContextModule(2, dilations=(1, 0)), ValueError, "dilations must be >= 1"),
        (lambda: ContextModule(2, dilations=(1, 2.0)), TypeError, "dilations must be an integer"),
        (lambda: ContextModule(2, dilations={1, 2}), TypeError,
         r"dilations must be a sequence of integers \(list, tuple or 1-D array\), got \{1, 2\}"),
        (lambda: ContextModule(2, dilations={1: 0}), TypeError, "dilations must be a sequence"),
        (lambda: ContextModule(2, dilations=np.array(2)), TypeError,
         r"dilations must be a sequence .* got array of shape \(\)"),
        (lambda: ContextModule(2, dilations=np.ones((2, 2), int)), TypeError,
         r"dilations must be a sequence .* got array of shape \(2, 2\)"),
        (lambda: ContextModule(2, random_state=True), TypeError,
         "random_state must be None, a non-negative integer, .* got True"),
        (lambda: ContextModule(2, random_state="abc"), TypeError,
         "random_state must be None, .* got 'abc'"),
        (lambda: ContextModule(2, random_state=1.5), TypeError, "random_state must be None"),
        (lambda: ContextModule(2, random_state=-1), ValueError, "random_state must be >= 0"),
        (lambda: ContextModule(2, noise=-1), ValueError, "noise must be >= 0"),
        (lambda: ContextModule(2, dtype=np.int32), ValueError, "dtype must be float32 or float64"),
        (lambda: ContextModule(2, dtype="nope"), TypeError, "dtype must be a NumPy dtype"),
        (lambda: ContextModule.level_dilations(3), ValueError, "levels must be >= 4, got 3"),
        (lambda: ContextModule(2)(np.zeros((3, 8, 8))), ValueError,
         r"input must have 2 channels \(axis 0\), got shape \(3, 8, 8\)"),
        (lambda: ContextModule(2)(np.zeros((8, 8))), ValueError, "input must be 3-D or 4-D"),
        (lambda: ContextModule(2)(np.zeros((2, 8, 8)), n_threads=0), ValueError,
         "n_threads must be None or a non-zero integer"),
        (lambda: setattr(ContextModule(2), "weights", np.zeros(3)), TypeError,
         "weights must be a list of 8 arrays"),
        (lambda: setattr(ContextModule(2), "biases", [np.zeros(2)] * 7), ValueError,
         r"biases must hold 8 arrays \(one per layer\), got 7"),
        (lambda: setattr(ContextModule(2), "weights", [np.zeros((2, 2, 3, 3))] * 8), ValueError,
         r"weights\[7\] must have shape \(2, 2, 1, 1\)"),
    ],
    ids=["channels-0", "channels-float", "kind", "no-dilations", "dilations-int", "dilation-0",
         "dilation-float", "dilations-set", "dilations-dict", "dilations-0d", "dilations-2d",
         "random_state-bool", "random_state-str", "random_state-float", "random_state-negative",
         "noise", "dtype-int", "dtype-bad", "levels", "input-channels",
         "input-2D", "n_threads", "weights-type", "biases-count", "weights-shape"],
)
def test_context_module_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_forward_with_winograd_layers_stays_within_float32_rounding():
    """method='auto' runs the 32-channel 3x3 layers with Winograd: the same
    values as the exact float64 forward to float32 rounding."""
    module = randomise(ContextModule(32, dtype=np.float32), seed=4)
    x = random((1, 32, 21, 18), np.float32, seed=6)
    exact = module(x.astype(np.float64))
    fast = module(x, method="auto")
    assert fast.dtype == np.float32
    np.testing.assert_allclose(fast, exact, rtol=0, atol=2e-6 * np.abs(exact).max())
    assert not np.array_equal(fast, module(x))        # it did take the other path
    with pytest.raises(ValueError, match="method must be one of 'gemm', 'auto'; got 'fft'"):
        module(x, method="fft")


@pytest.mark.parametrize("method", ["gemm", "auto"])
def test_forward_keeps_no_state_between_calls(method):
    """The buffers kept between calls (zero padding, channels-last layers)
    give every call the result of a fresh module, whatever ran before:
    other sizes, dtypes, batch sizes, kinds and methods."""
    modules = [randomise(ContextModule(16, dilations=(1, 3, 2))),
               randomise(ContextModule(8, "large", dilations=(2, 1)), seed=3)]
    inputs = [random((1, 16, 21, 17), np.float32, 1), random((2, 16, 9, 30), np.float64, 2),
              random((8, 13, 12), np.float32, 3), random((3, 8, 5, 5), np.float64, 4)]
    calls = [(modules[0], inputs[0]), (modules[0], inputs[1]), (modules[1], inputs[2]),
             (modules[1], inputs[3]), (modules[0], inputs[0]), (modules[1], inputs[2])]
    first = {}
    for module, x in calls:
        out = module(x, method=method)
        key = (id(module), id(x))
        if key in first:
            np.testing.assert_array_equal(out, first[key])
        first[key] = out
        exact = module(x.astype(np.float64), method="gemm")
        tolerance = 2e-6 if x.dtype == np.float32 else 1e-12
        np.testing.assert_allclose(out, exact, rtol=0, atol=tolerance * np.abs(exact).max())


def test_forward_does_not_depend_on_the_thread_count(four_cores):
    module = randomise(ContextModule(16, dilations=(1, 2, 4)))
    x = random((2, 16, 23, 19), np.float32)
    for method in ("gemm", "auto"):
        serial = module(x, method=method, n_threads=1)
        for n in (2, 3, 4, None):
            np.testing.assert_array_equal(module(x, method=method, n_threads=n), serial)


def test_forward_fuses_relu_without_a_pass_of_its_own():
    """Each hidden layer's output is non-negative before the next reads it:
    a module whose last layer is the identity returns relu(previous)."""
    module = ContextModule(8, dilations=(2,))
    rng = np.random.default_rng(9)
    weights = module.weights
    weights[0] = rng.standard_normal(weights[0].shape).astype(np.float32)
    module.weights = weights
    module.biases = [rng.standard_normal(8).astype(np.float32), np.zeros(8, np.float32)]
    x = random((8, 12, 11), np.float32, 5)
    hidden = conv2d(x, module.weights[0], module.biases[0], padding=2, dilation=2)
    np.testing.assert_allclose(module(x), np.maximum(hidden, 0), rtol=0, atol=2e-6 * 8)
