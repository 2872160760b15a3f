"""Pillow's resize rule (imgconv._pillow) against Pillow itself.

The exact model of Pillow's passes (tests/resample_models.py) runs on
imgconv's tables and must give Pillow's pixels bit for bit.
"""
import numpy as np
import pytest

from imgconv import _pillow
from resample_models import fixed_point_pass, pillow_resize

Image = pytest.importorskip("PIL.Image")

RESAMPLE = {"nearest": 0, "lanczos": 1, "bilinear": 2, "bicubic": 3, "box": 4, "hamming": 5}
FILTERS = tuple(RESAMPLE)


def pil_resize(image, out_shape, filter, boxes=None):
    """PIL.Image.resize in imgconv's vocabulary: (rows, cols) shapes, per-axis
    boxes ((row0, row1), (col0, col1))."""
    box = None
    if boxes is not None:
        (r0, r1), (c0, c1) = boxes
        box = (c0, r0, c1, r1)
    pil = Image.fromarray(image).resize((out_shape[1], out_shape[0]), RESAMPLE[filter], box=box)
    return np.asarray(pil)


def random_image(rng, shape, kind):
    if kind == "F":
        return rng.uniform(-1.0, 2.0, shape[:2]).astype(np.float32)
    channels = () if kind == "L" else (3,)
    return rng.integers(0, 256, tuple(shape[:2]) + channels, dtype=np.uint8)


def random_boxes(rng, shape):
    boxes = []
    for n in shape:
        start = rng.uniform(0, n)
        if rng.random() < 0.3:
            start = float(int(start))
        boxes.append((start, rng.uniform(start, n)))
    return tuple(boxes)


def assert_identical(ours, theirs):
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    # bytes, so that float32 'F' results match to the bit (signed zeros too)
    assert np.ascontiguousarray(ours).tobytes() == np.ascontiguousarray(theirs).tobytes(), \
        f"max difference {np.abs(ours.astype(float) - theirs.astype(float)).max()}"


def random_cases(seed, count):
    rng = np.random.default_rng(seed)
    for case in range(count):
        shape = tuple(int(n) for n in rng.integers(1, 91, 2))
        out_shape = [int(n) for n in rng.integers(1, 181, 2)]
        for axis in range(2):
            if rng.random() < 0.2:
                out_shape[axis] = shape[axis]       # one pass only
        kind = ("L", "RGB", "F")[case % 3]
        boxes = random_boxes(rng, shape) if rng.random() < 0.4 else None
        yield random_image(rng, shape, kind), tuple(out_shape), FILTERS[case % 6], boxes


@pytest.mark.parametrize("seed", range(6))
def test_random_sizes_filters_modes_and_boxes(seed):
    # 6 x 150 cases: every filter, 'L', 'RGB' and 'F', a quarter of them boxed
    for image, out_shape, filter, boxes in random_cases(seed, 150):
        ours = pillow_resize(image, out_shape, filter, boxes)
        assert_identical(ours, pil_resize(image, out_shape, filter, boxes))


TALL_SHRINKS = [((90, 10), (9, 8)), ((90, 40), (30, 35)), ((61, 20), (20, 1)),
                ((50, 30), (10, 28)), ((80, 3), (7, 2)), ((41, 12), (1, 7))]


@pytest.mark.parametrize("filter", FILTERS[1:])
@pytest.mark.parametrize("shape, out_shape", TALL_SHRINKS)
def test_tall_shrinks_run_the_vertical_pass_first(shape, out_shape, filter):
    assert _pillow.pillow_steps(shape, out_shape, filter).axes == (0, 1)
    rng = np.random.default_rng(sum(shape))
    for kind in ("L", "RGB", "F"):
        image = random_image(rng, shape, kind)
        assert_identical(pillow_resize(image, out_shape, filter),
                         pil_resize(image, out_shape, filter))


def test_pass_order_changes_pixels_and_ties_go_horizontal_first():
    # the vertical-first rule is what makes the tall shrinks exact: the other
    # order gives other pixels (uint8 image between the passes)
    rng = np.random.default_rng(3)
    image = random_image(rng, (90, 10), "L")
    steps = _pillow.pillow_steps((90, 10), (9, 8), "lanczos")
    other_order = image
    for axis in steps.axes[::-1]:
        index, kfix = _pillow.pillow_fixed_taps(image.shape[axis], (9, 8)[axis], "lanczos")
        other_order = fixed_point_pass(other_order, axis, index, kfix, _pillow.PRECISION_BITS)
    assert not np.array_equal(other_order, pil_resize(image, (9, 8), "lanczos"))
    assert _pillow.pillow_steps((30, 10), (10, 9), "bilinear").axes == (0, 1)
    # 2 (in_cols - out_cols) == in_rows - out_rows: a tie goes horizontal first
    assert _pillow.pillow_steps((30, 20), (10, 10), "bilinear").axes == (1, 0)
    tie = random_image(rng, (30, 20), "L")
    assert_identical(pillow_resize(tie, (10, 10), "lanczos"), pil_resize(tie, (10, 10), "lanczos"))


@pytest.mark.parametrize("filter", FILTERS)
def test_one_pixel_images_and_outputs(filter):
    rng = np.random.default_rng(1)
    for shape, out_shape in [((1, 1), (1, 7)), ((1, 1), (5, 1)), ((1, 9), (3, 1)),
                             ((7, 1), (1, 1)), ((1, 1), (4, 6)), ((13, 17), (1, 1))]:
        for kind in ("L", "RGB", "F"):
            image = random_image(rng, shape, kind)
            assert_identical(pillow_resize(image, out_shape, filter),
                             pil_resize(image, out_shape, filter))


@pytest.mark.parametrize("filter", FILTERS)
@pytest.mark.parametrize("factor", [2, 3, 4])
def test_integer_factors(filter, factor):
    rng = np.random.default_rng(factor)
    for kind in ("L", "RGB", "F"):
        image = random_image(rng, (12, 18), kind)
        for out_shape in [(12 * factor, 18 * factor), (12 // factor, 18 // factor)]:
            assert_identical(pillow_resize(image, out_shape, filter),
                             pil_resize(image, out_shape, filter))


@pytest.mark.parametrize("filter", FILTERS)
def test_box_edge_cases(filter):
    rng = np.random.default_rng(5)
    cases = [((20, 30), (10, 15), ((2, 12), (4, 19))),       # integral, output-sized: a crop
             ((20, 30), (10, 15), ((2.5, 12.5), (4, 19))),
             ((20, 30), (6, 4), ((20, 20), (0, 30))),          # empty box at the end
             ((20, 30), (6, 4), ((3, 3), (7.25, 7.25))),
             ((20, 30), (20, 30), ((0, 20), (0, 30))),         # the whole image: a copy
             ((20, 30), (20, 30), ((0.5, 19.5), (0, 30))),
             ((9, 9), (40, 3), ((1e-3, 8.999), (0.1, 0.2)))]
    for shape, out_shape, boxes in cases:
        for kind in ("L", "RGB", "F"):
            image = random_image(rng, shape, kind)
            assert_identical(pillow_resize(image, out_shape, filter, boxes),
                             pil_resize(image, out_shape, filter, boxes))


def test_nearest_position_is_a_running_sum():
    # sizes where the running double sum and (o + 0.5) * step pick other pixels
    found = 0
    for n_in in range(1, 98):
        for n_out in range(1, 201):
            running = _pillow.pillow_nearest_index(n_in, n_out)
            direct = _pillow.pillow_nearest_index(n_in, n_out, accumulate=False)
            if not np.array_equal(running, direct):
                found += 1
                if found <= 20:
                    image = np.arange(n_in, dtype=np.float32)[None, :]
                    theirs = pil_resize(image, (1, n_out), "nearest")[0].astype(np.intp)
                    assert np.array_equal(running[:, 0], theirs)
    assert found > 0


def test_uint16_nearest_uses_the_direct_position():
    checked = 0
    for n_in in range(1, 98):
        for n_out in range(1, 201):
            direct = _pillow.pillow_nearest_index(n_in, n_out, accumulate=False)
            if np.array_equal(direct, _pillow.pillow_nearest_index(n_in, n_out)):
                continue
            image = np.broadcast_to(np.arange(n_in, dtype=np.uint16), (2, n_in))
            pil = Image.fromarray(np.ascontiguousarray(image))
            assert pil.mode == "I;16"
            theirs = np.asarray(pil.resize((n_out, 2), 0))[0]
            assert np.array_equal(direct[:, 0], theirs)
            checked += 1
            if checked == 20:
                return
    assert checked > 0


def test_fixed_point_rounding_and_padding():
    weight = np.array([[0.5, -0.25, 1e-9, -1e-9, 2.0 ** -23, -(2.0 ** -23), 0.0]])
    fixed = _pillow.fixed_point(weight)
    assert fixed.dtype == np.int32
    assert fixed.tolist() == [[2097152, -1048576, 0, 0, 1, -1, 0]]
    for filter in FILTERS[1:]:
        index, weight, count = _pillow.pillow_taps(30, 7, filter)
        padding = np.arange(index.shape[1]) >= count[:, None]
        assert np.all(weight[padding] == 0)
        assert np.all((index >= 0) & (index < 30))
        assert not index.flags.writeable and not weight.flags.writeable


def test_hamming_uses_float32_constants():
    # with the doubles 0.54 and 0.46 some 8-bit coefficients change
    x = np.linspace(0.01, 0.99, 99)
    ours = _pillow.pillow_kernel("hamming", x)
    t = np.abs(x) * np.pi
    doubles = np.where(x == 0, 1.0, np.sin(t) / t * (0.54 + 0.46 * np.cos(t)))
    assert not np.array_equal(ours, doubles)


def test_premultiplication_matches_pillow():
    rng = np.random.default_rng(4)
    rgba = rng.integers(0, 256, (16, 16, 4), dtype=np.uint8)
    rgba[0, :, 3] = 0
    rgba[1, :, 3] = 255
    premultiplied = np.asarray(Image.fromarray(rgba, "RGBA").convert("RGBa"))
    assert np.array_equal(_pillow.premultiply_alpha(rgba), premultiplied)
    back = np.asarray(Image.frombytes("RGBa", (16, 16), rgba.tobytes()).convert("RGBA"))
    assert np.array_equal(_pillow.unpremultiply_alpha(rgba), back)
    la = rgba[..., 2:]
    assert np.array_equal(_pillow.premultiply_alpha(la),
                          np.asarray(Image.fromarray(la, "LA").convert("La")))
    # channels first
    assert np.array_equal(_pillow.premultiply_alpha(np.moveaxis(rgba, -1, 0), channel_axis=0),
                          np.moveaxis(premultiplied, -1, 0))


@pytest.mark.parametrize("filter", ["bilinear", "lanczos", "nearest"])
def test_rgba_resize_with_premultiplication(filter):
    rng = np.random.default_rng(6)
    for shape, out_shape, boxes in [((20, 17), (9, 31), None), ((20, 17), (6, 5), ((2, 8), (3, 8))),
                                    ((20, 17), (20, 17), None)]:
        rgba = rng.integers(0, 256, shape + (4,), dtype=np.uint8)
        steps = _pillow.pillow_steps(shape, out_shape, filter, boxes)
        image = _pillow.premultiply_alpha(rgba) if steps.premultiply else rgba
        ours = pillow_resize(image, out_shape, filter, boxes)
        if steps.premultiply:
            ours = _pillow.unpremultiply_alpha(ours)
        assert_identical(ours, pil_resize(rgba, out_shape, filter, boxes))


def test_errors_as_pillow():
    image = Image.new("L", (10, 8))
    for boxes in [((-1, 8), (0, 10)), ((0, 8.5), (0, 10)), ((5, 4), (0, 10))]:
        (r0, r1), (c0, c1) = boxes
        with pytest.raises(ValueError):
            image.resize((4, 4), 2, box=(c0, r0, c1, r1))
        with pytest.raises(ValueError, match="box of the rows"):
            _pillow.pillow_steps((8, 10), (4, 4), "bilinear", boxes)
    with pytest.raises(ValueError, match="output length"):
        _pillow.pillow_taps(8, 0, "bilinear")
    with pytest.raises(ValueError, match="filter"):
        _pillow.pillow_steps((8, 10), (4, 4), "cubic")
    with pytest.raises(ValueError, match="filter"):
        _pillow.pillow_taps(8, 4, "nearest")
    with pytest.raises(TypeError, match="pair of numbers"):
        _pillow.pillow_taps(8, 4, "bilinear", box=3)
    with pytest.raises(TypeError, match="uint8"):
        _pillow.premultiply_alpha(np.zeros((2, 2, 4), np.float32))
    with pytest.raises(ValueError, match="alpha"):
        _pillow.premultiply_alpha(np.zeros((2, 2, 1), np.uint8))


def test_tables_build_fast_for_long_axes():
    import time
    start = time.perf_counter()
    _pillow.pillow_fixed_taps(100_000, 3_001, "bicubic")
    _pillow.pillow_taps(3_001, 100_000, "lanczos")
    assert time.perf_counter() - start < 5.0
