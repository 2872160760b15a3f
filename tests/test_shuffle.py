"""depth_to_space / space_to_depth / space_to_batch / batch_to_space against
their index formulas, each other and torch."""
import numpy as np
import pytest

from imgconv import batch_to_space, depth_to_space, space_to_batch, space_to_depth
from out_contract import assert_refused, fresh_out, refused_outs


def naive_depth_to_space(x, bh, bw, mode):
    n, depth, h, w = x.shape
    c = depth // (bh * bw)
    out = np.empty((n, c, h * bh, w * bw), x.dtype)
    for ch in range(c):
        for y in range(bh):
            for xx in range(bw):
                src = (ch * bh + y) * bw + xx if mode == "CRD" else (y * bw + xx) * c + ch
                out[:, ch, y::bh, xx::bw] = x[:, src]
    return out


def naive_space_to_batch(x, bh, bw, pads):
    (pt, pb), (pl, pr) = pads
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    n = x.shape[0]
    out = np.empty((bh * bw * n, x.shape[1], xp.shape[2] // bh, xp.shape[3] // bw), x.dtype)
    for y in range(bh):
        for xx in range(bw):
            out[(y * bw + xx) * n:(y * bw + xx + 1) * n] = xp[:, :, y::bh, xx::bw]
    return out


@pytest.mark.parametrize("mode", ["CRD", "DCR"])
@pytest.mark.parametrize("block", [1, 2, 3, (2, 3), (1, 4)], ids=str)
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (1, 1, 1, 1), (3, 2, 1, 7)], ids=str)
def test_depth_to_space_formula_and_inverse(shape, block, mode):
    bh, bw = block if isinstance(block, tuple) else (block, block)
    n, c, h, w = shape
    x = np.arange(n * c * bh * bw * h * w, dtype=np.int32).reshape(n, c * bh * bw, h, w)
    out = depth_to_space(x, block, mode=mode)
    np.testing.assert_array_equal(out, naive_depth_to_space(x, bh, bw, mode))
    assert out.dtype == x.dtype and out.flags.c_contiguous
    np.testing.assert_array_equal(space_to_depth(out, block, mode=mode), x)
    np.testing.assert_array_equal(depth_to_space(x[0], block, mode=mode), out[0])


@pytest.mark.parametrize("block", [2, 3])
def test_crd_is_torch_pixel_shuffle(block):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3 * block * block, 4, 5))
    expected = torch.nn.functional.pixel_shuffle(torch.from_numpy(x), block).numpy()
    np.testing.assert_array_equal(depth_to_space(x, block), expected)
    back = torch.nn.functional.pixel_unshuffle(torch.from_numpy(expected), block).numpy()
    np.testing.assert_array_equal(space_to_depth(expected, block), back)


@pytest.mark.parametrize("block", [1, 2, 3, (2, 4)], ids=str)
@pytest.mark.parametrize("pads", [0, 1, ((1, 0), (2, 1)), ((0, 3), (4, 0))], ids=str)
def test_space_to_batch_formula_and_inverse(block, pads):
    bh, bw = block if isinstance(block, tuple) else (block, block)
    if isinstance(pads, int):
        margins = ((pads, pads), (pads, pads))
    else:
        margins = pads
    h = 6 * bh - margins[0][0] - margins[0][1]
    w = 5 * bw - margins[1][0] - margins[1][1]
    x = np.random.default_rng(1).standard_normal((2, 3, h, w))
    try:
        out = space_to_batch(x, block, pads)
    except ValueError:
        pytest.fail("padded sizes were chosen as multiples of the block")
    np.testing.assert_array_equal(out, naive_space_to_batch(x, bh, bw, margins))
    np.testing.assert_array_equal(batch_to_space(out, block, pads), x)


def test_errors():
    with pytest.raises(ValueError, match=r"multiple of block_size product 2\*2=4, got 6"):
        depth_to_space(np.zeros((1, 6, 2, 2)), 2)
    with pytest.raises(ValueError, match=r"multiples of block_size \(2, 2\), got 3x4"):
        space_to_depth(np.zeros((1, 1, 3, 4)), 2)
    with pytest.raises(ValueError, match="mode must be one of 'CRD', 'DCR'"):
        depth_to_space(np.zeros((1, 4, 2, 2)), 2, mode="crd")
    with pytest.raises(ValueError, match="block_size must be >= 1, got 0"):
        depth_to_space(np.zeros((1, 4, 2, 2)), 0)
    with pytest.raises(TypeError, match="block_size must be an integer, got the bool"):
        space_to_batch(np.zeros((1, 1, 4, 4)), True)
    with pytest.raises(ValueError, match=r"padded size 5x4 .* multiple of block_size \(2, 2\)"):
        space_to_batch(np.zeros((1, 1, 4, 4)), 2, ((1, 0), (0, 0)))
    with pytest.raises(ValueError, match="paddings must be >= 0"):
        space_to_batch(np.zeros((1, 1, 4, 4)), 2, -1)
    with pytest.raises(ValueError, match="input batch must be a multiple of block_size product"):
        batch_to_space(np.zeros((3, 1, 2, 2)), 2)
    with pytest.raises(ValueError, match="leave nothing"):
        batch_to_space(np.zeros((4, 1, 2, 2)), 2, 2)
    with pytest.raises(ValueError, match="input must be 4-D"):
        space_to_batch(np.zeros((1, 4, 4)), 2)


# ------------------------------------------------------------------ out= ---

SHUFFLES = {
    "depth_to_space-CRD": (lambda x, out=None: depth_to_space(x, (2, 3), out=out), (2, 12, 3, 5)),
    "depth_to_space-DCR": (lambda x, out=None: depth_to_space(x, 2, "DCR", out=out), (1, 8, 4, 3)),
    "space_to_depth-CRD": (lambda x, out=None: space_to_depth(x, (1, 2), out=out), (2, 3, 4, 6)),
    "space_to_depth-DCR": (lambda x, out=None: space_to_depth(x, 3, "DCR", out=out), (3, 2, 6, 9)),
}


def _layouts(shape, dtype):
    """Writeable outs of ``shape`` with odd strides, holding the sentinel."""
    wide = fresh_out(tuple(2 * s for s in shape), dtype)
    return {"contiguous": fresh_out(shape, dtype),
            "fortran": np.asfortranarray(fresh_out(shape, dtype)),
            "strided": wide[tuple(slice(None, None, 2) for _ in shape)],
            "negative": fresh_out(shape, dtype)[..., ::-1]}


@pytest.mark.parametrize("batched", [True, False], ids=["NCHW", "CHW"])
@pytest.mark.parametrize("name", SHUFFLES)
def test_out_receives_the_result_in_any_layout(name, batched):
    call, shape = SHUFFLES[name]
    x = np.random.default_rng(2).standard_normal(shape if batched else shape[1:])
    expected = call(x)
    for layout, out in _layouts(expected.shape, expected.dtype).items():
        assert call(x, out) is out, layout
        np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("name", SHUFFLES)
def test_out_refusals_write_nothing(name):
    call, shape = SHUFFLES[name]
    x = np.arange(np.prod(shape), dtype=np.int16).reshape(shape)
    expected = call(x)
    assert expected.dtype == np.int16
    cases = refused_outs(expected.shape, expected.dtype, contiguous=False)
    for out, error, match in cases.values():
        assert_refused(lambda o: call(x, o), out, error, match)


def test_out_overlapping_the_input_is_refused():
    x = np.arange(2 * 4 * 3 * 5.0).reshape(2, 4, 3, 5)
    before = x.copy()
    with pytest.raises(ValueError, match="out shares memory with an input"):
        depth_to_space(x, 1, out=x)
    with pytest.raises(ValueError, match="out shares memory with an input"):
        space_to_depth(x[:, :2], 1, out=x[:, 1:3])
    np.testing.assert_array_equal(x, before)
