"""Property tests (hypothesis) over shapes, dtypes, memory layouts and parameters."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import imgconv
from public_api import CASE_IDS, CASES, first_array

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

DTYPES = st.sampled_from(["float32", "float64", "float16", "uint8", "uint16", "int16", ">f8"])


@st.composite
def layouts(draw, array):
    """``array`` itself, or a view of the same values with another memory layout."""
    kind = draw(st.sampled_from(["c", "fortran", "flipped", "strided", "transposed", "readonly"]))
    if kind == "fortran":
        return np.asfortranarray(array)
    if kind == "flipped":
        axes = draw(st.lists(st.integers(0, array.ndim - 1), unique=True, min_size=1))
        return np.flip(np.flip(array, axes).copy(), axes)
    if kind == "strided":
        step = draw(st.integers(2, 3))
        big = np.zeros(tuple(step * s for s in array.shape), array.dtype)
        view = big[tuple(slice(None, None, step) for _ in array.shape)]
        view[...] = array
        return view
    if kind == "transposed":
        order = draw(st.permutations(range(array.ndim)))
        inverse = np.argsort(order)
        return np.transpose(np.transpose(array, order).copy(), inverse)
    if kind == "readonly":
        frozen = array.copy()
        frozen.flags.writeable = False
        return frozen
    return array


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@SETTINGS
@given(data=st.data())
def test_a_view_gives_the_result_of_its_copy_and_is_not_modified(case, data):
    dtype = np.dtype(data.draw(DTYPES))
    values = data.draw(hnp.arrays(dtype, case.shape, elements=hnp.from_dtype(
        dtype, allow_nan=False, allow_infinity=False, min_value=0, max_value=100)))
    view = data.draw(layouts(values))
    before = view.copy()
    np.testing.assert_array_equal(first_array(case.call(view)),
                                  first_array(case.call(np.ascontiguousarray(view))))
    np.testing.assert_array_equal(view, before)


@st.composite
def conv_problems(draw):
    groups = draw(st.integers(1, 3))
    cin = groups * draw(st.integers(1, 2))
    cout = groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 3)), draw(st.integers(0, 3)))
    size = (draw(st.integers(1, 12)), draw(st.integers(1, 12)))
    return dict(cin=cin, cout=cout, kernel=(kh, kw), stride=stride, dilation=dilation,
                padding=padding, groups=groups, size=size, batch=draw(st.integers(1, 2)))


@SETTINGS
@given(problem=conv_problems(), seed=st.integers(0, 2**16))
def test_conv_and_transposed_conv_are_adjoint(problem, seed):
    p = problem
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((p["batch"], p["cin"], *p["size"]))
    weight = rng.standard_normal((p["cout"], p["cin"] // p["groups"], *p["kernel"]))
    kwargs = dict(stride=p["stride"], padding=p["padding"], dilation=p["dilation"],
                  groups=p["groups"])
    try:
        y = imgconv.conv2d(x, weight, **kwargs)
    except ValueError as exc:
        assert "kernel is larger than the padded input" in str(exc)
        return
    reach = [d * (k - 1) + 1 for d, k in zip(p["dilation"], p["kernel"])]
    output_padding = tuple((n + 2 * pad - r) % s for n, pad, r, s in
                           zip(p["size"], p["padding"], reach, p["stride"]))
    probe = rng.standard_normal(y.shape)
    back = imgconv.conv_transpose2d(probe, weight, output_padding=output_padding, **kwargs)
    assert back.shape == x.shape
    lhs, rhs = np.vdot(y, probe), np.vdot(x, back)
    assert abs(lhs - rhs) <= 1e-12 * max(1.0, abs(lhs), float(np.abs(x).sum()))
