"""upscale, resize, rescale and interpolate against scikit-image, OpenCV,
Pillow and PyTorch (same threads, same run), and the three conv_transpose2d
methods against each other. Every timed imgconv result is checked once
against its anchor (or, where the anchor computes other pixels, against the
library whose pixels imgconv gives).

Targets (ratios of medians in one run):

* integer factors, 2048^2 gray and 1024^2 RGB float32, x2 and x4, bilinear and
  nearest: >= 30x skimage, at cv2's speed; uint8 RGB x2 bilinear (uint8 out)
  within 1.5x of cv2; into a caller's array (``out=``): at or below
  ``cv2.resize(dst=)``, within 2x of a plain write of the output;
* 1000^2 -> 1333x1777 float32 bilinear: at or below cv2 INTER_LINEAR;
* 2048^2 -> 512^2 anti-aliased float32: >= 30x skimage, within 1.5x of cv2
  INTER_AREA;
* uint8 RGB 4000x3000 -> 300x400 without anti-aliasing: within 2x of cv2;
* order 3 x2 2048^2 float32: >= 30x skimage, within 1.5x of cv2 INTER_CUBIC;
* 128^3 -> 256^3 float32: order 1 at or below torch trilinear, order 3 >= 30x
  skimage;
* a dask upscale x2 of 6000^2 float32 in 1500^2 chunks (threads) within 1.5x of
  the NumPy call;
* Pillow's filters on uint8 RGB 4000x3000 -> 300x400 (bicubic, lanczos) and
  1024^2 x2 (bicubic) >= 4x faster than Pillow; bilinear at or below torch's
  uint8 antialiased bilinear;
* interpolate x2 on (1, 1, 2048, 2048) float32: bilinear at or below torch,
  bicubic at half of torch's time or below; trilinear x2 on (1, 1, 128, 128,
  128) at or below torch.
"""
import functools

import numpy as np
import pytest
import skimage.transform as sk

import imgconv
from common import THREADS, assert_close, optional, run


@functools.cache
def image(kind, dtype="float32"):
    """The benchmarks' inputs, made once."""
    rng = np.random.default_rng(0)
    shape = {"gray 2048^2": (2048, 2048), "RGB 1024^2": (1024, 1024, 3),
             "1000^2": (1000, 1000), "photo 4000x3000": (3000, 4000, 3),
             "volume 128^3": (128, 128, 128), "6000^2": (6000, 6000)}[kind]
    if dtype == "uint8":
        return rng.integers(0, 256, shape, dtype=np.uint8)
    return rng.random(shape, dtype=np.float32)


@functools.cache
def reference(name, *args):
    """An anchor's result on the benchmarks' input, computed once, untimed."""
    return REFERENCES[name](*args)


def _pillow(photo, size, filter):
    Image = optional("PIL.Image")
    return np.asarray(Image.fromarray(photo).resize(size[::-1], getattr(Image.Resampling,
                                                                        filter.upper())))


def _torch(x, **kwargs):
    torch = optional("torch")
    return torch.nn.functional.interpolate(torch.from_numpy(x), **kwargs).numpy()


REFERENCES = {
    "skimage-resize": lambda kind, shape, order: sk.resize(image(kind), shape, order=order),
    "pillow": lambda size, filter: _pillow(image("photo 4000x3000", "uint8"), size, filter),
    "torch": lambda x_kind, kwargs: _torch(X[x_kind](), **dict(kwargs)),
}


# ------------------------------------------------------- integer factors ---

UPSCALE_CASES = [(kind, factor, order) for kind in ("gray 2048^2", "RGB 1024^2")
                 for factor in (2, 4) for order in (1, 0)]


def _upscale_id(case):
    kind, factor, order = case
    return f"{kind.split()[0]}-x{factor}-{'bilinear' if order else 'nearest'}"


def _upscale_group(case):
    kind, factor, order = case
    return f"upscale x{factor} {'bilinear' if order else 'nearest'} {kind} float32"


@pytest.mark.parametrize("case", UPSCALE_CASES, ids=_upscale_id)
def test_upscale_imgconv(benchmark, case):
    kind, factor, order = case
    x = image(kind)
    axis = None if x.ndim == 2 else -1
    out = run(benchmark, _upscale_group(case), "imgconv", imgconv.upscale, x, factor,
              order=order, channel_axis=axis, n_threads=THREADS)
    shape = (factor * x.shape[0], factor * x.shape[1])
    assert_close(out, reference("skimage-resize", kind, shape, order), 1e-6)


@pytest.mark.parametrize("case", UPSCALE_CASES, ids=_upscale_id)
def test_upscale_skimage(benchmark, case):
    kind, factor, order = case
    x = image(kind)
    shape = (factor * x.shape[0], factor * x.shape[1])
    run(benchmark, _upscale_group(case), "skimage", sk.resize, x, shape, order=order,
        rounds=3)


@pytest.mark.parametrize("case", UPSCALE_CASES, ids=_upscale_id)
def test_upscale_cv2(benchmark, cv2_threads, case):
    cv2 = cv2_threads
    kind, factor, order = case
    x = image(kind)
    size = (factor * x.shape[1], factor * x.shape[0])
    interpolation = cv2.INTER_LINEAR if order else cv2.INTER_NEAREST
    run(benchmark, _upscale_group(case), "cv2", cv2.resize, x, size, interpolation=interpolation)


@pytest.mark.parametrize("case", UPSCALE_CASES, ids=_upscale_id)
def test_upscale_torch(benchmark, torch_threads, case):
    torch = torch_threads
    kind, factor, order = case
    x = image(kind)
    t = torch.from_numpy(x[None, None] if x.ndim == 2 else
                         np.ascontiguousarray(x.transpose(2, 0, 1))[None])
    kwargs = dict(mode="bilinear", align_corners=False) if order else dict(mode="nearest")
    with torch.no_grad():
        run(benchmark, _upscale_group(case), "torch", torch.nn.functional.interpolate, t,
            scale_factor=factor, **kwargs)


GROUP_U8 = "upscale x2 bilinear RGB 1024^2 uint8 -> uint8"


def test_upscale_uint8_imgconv(benchmark):
    x = image("RGB 1024^2", "uint8")
    out = run(benchmark, GROUP_U8, "imgconv", imgconv.upscale, x, 2, channel_axis=-1,
              preserve_dtype=True, n_threads=THREADS)
    expected = np.rint(sk.resize(x, (2048, 2048), preserve_range=True))
    assert_close(out, expected, 0)


def test_upscale_uint8_cv2(benchmark, cv2_threads):
    x = image("RGB 1024^2", "uint8")
    run(benchmark, GROUP_U8, "cv2", cv2_threads.resize, x, (2048, 2048),
        interpolation=cv2_threads.INTER_LINEAR)


def test_upscale_uint8_skimage(benchmark):
    run(benchmark, GROUP_U8, "skimage", sk.resize, image("RGB 1024^2", "uint8"), (2048, 2048),
        preserve_range=True, rounds=3)


# ---------------------------------------------- into a caller's array ---

GROUP_OUT = "upscale x2 bilinear 2048^2 float32 into an existing array"


def test_upscale_into_out_imgconv(benchmark):
    x = image("gray 2048^2")
    out = np.empty((4096, 4096), np.float32)
    run(benchmark, GROUP_OUT, "imgconv", imgconv.upscale, x, 2, mode="edge", out=out,
        n_threads=THREADS)
    assert_close(out, sk.resize(x, (4096, 4096), mode="edge"), 1e-6)


def test_upscale_into_out_cv2(benchmark, cv2_threads):
    cv2 = cv2_threads
    dst = np.empty((4096, 4096), np.float32)
    run(benchmark, GROUP_OUT, "cv2", cv2.resize, image("gray 2048^2"), (4096, 4096), dst=dst,
        interpolation=cv2.INTER_LINEAR)


def test_upscale_into_out_write_only(benchmark):
    """The roofline: writing the output's bytes, nothing else."""
    out = np.empty((4096, 4096), np.float32)
    run(benchmark, GROUP_OUT, "write", out.fill, 1.0)


# ------------------------------------------------------ arbitrary shapes ---

GROUP_UP = "resize 1000^2 -> 1333x1777 bilinear float32"
GROUP_AA = "resize 2048^2 -> 512^2 anti-aliased float32"
GROUP_U8_SHRINK = "resize uint8 RGB 4000x3000 -> 400x300, no anti-aliasing"


def test_resize_up_imgconv(benchmark):
    x = image("1000^2")
    out = run(benchmark, GROUP_UP, "imgconv", imgconv.resize, x, (1333, 1777), mode="edge",
              n_threads=THREADS)
    assert_close(out, sk.resize(x, (1333, 1777), mode="edge"), 1e-6)


def test_resize_up_cv2(benchmark, cv2_threads):
    run(benchmark, GROUP_UP, "cv2", cv2_threads.resize, image("1000^2"), (1777, 1333),
        interpolation=cv2_threads.INTER_LINEAR)


def test_resize_up_skimage(benchmark):
    run(benchmark, GROUP_UP, "skimage", sk.resize, image("1000^2"), (1333, 1777), rounds=3)


def test_resize_aa_imgconv(benchmark):
    out = run(benchmark, GROUP_AA, "imgconv", imgconv.resize, image("gray 2048^2"), (512, 512),
              n_threads=THREADS)
    assert_close(out, reference("skimage-resize", "gray 2048^2", (512, 512), 1), 1e-6)


def test_resize_aa_skimage(benchmark):
    run(benchmark, GROUP_AA, "skimage", sk.resize, image("gray 2048^2"), (512, 512), rounds=3)


def test_resize_aa_cv2(benchmark, cv2_threads):
    """cv2's shrinking filter (another filter: the speed anchor only)."""
    run(benchmark, GROUP_AA, "cv2", cv2_threads.resize, image("gray 2048^2"), (512, 512),
        interpolation=cv2_threads.INTER_AREA)


def test_resize_shrink_uint8_imgconv(benchmark, cv2_threads):
    photo = image("photo 4000x3000", "uint8")
    out = run(benchmark, GROUP_U8_SHRINK, "imgconv", imgconv.resize, photo, (300, 400),
              channel_axis=-1, mode="edge", anti_aliasing=False, preserve_dtype=True,
              n_threads=THREADS)
    expected = cv2_threads.resize(photo, (400, 300), interpolation=cv2_threads.INTER_LINEAR)
    assert_close(out, expected, 1)


def test_resize_shrink_uint8_cv2(benchmark, cv2_threads):
    run(benchmark, GROUP_U8_SHRINK, "cv2", cv2_threads.resize, image("photo 4000x3000", "uint8"),
        (400, 300), interpolation=cv2_threads.INTER_LINEAR)


# --------------------------------------------------------- spline orders ---

GROUP_CUBIC = "upscale x2 order 3 2048^2 float32"
GROUP_VOLUME = "resize volume 128^3 -> 256^3 order 1 float32"
GROUP_VOLUME_CUBIC = "resize volume 128^3 -> 256^3 order 3 float32"


def test_cubic_imgconv(benchmark):
    out = run(benchmark, GROUP_CUBIC, "imgconv", imgconv.upscale, image("gray 2048^2"), 2,
              order=3, n_threads=THREADS)
    assert_close(out, reference("skimage-resize", "gray 2048^2", (4096, 4096), 3), 1e-6)


def test_cubic_skimage(benchmark):
    run(benchmark, GROUP_CUBIC, "skimage", sk.rescale, image("gray 2048^2"), 2, order=3,
        rounds=2)


def test_cubic_cv2(benchmark, cv2_threads):
    """cv2's cubic is a Keys kernel without prefilter (other pixels): the
    speed anchor only."""
    run(benchmark, GROUP_CUBIC, "cv2", cv2_threads.resize, image("gray 2048^2"), (4096, 4096),
        interpolation=cv2_threads.INTER_CUBIC)


def test_volume_imgconv(benchmark, torch_threads):
    x = image("volume 128^3")
    out = run(benchmark, GROUP_VOLUME, "imgconv", imgconv.resize, x, (256, 256, 256),
              mode="edge", n_threads=THREADS)
    expected = _torch(x[None, None], size=(256, 256, 256), mode="trilinear")[0, 0]
    assert_close(out, expected, 1e-6)


def test_volume_torch(benchmark, torch_threads):
    t = torch_threads.from_numpy(image("volume 128^3")[None, None])
    with torch_threads.no_grad():
        run(benchmark, GROUP_VOLUME, "torch", torch_threads.nn.functional.interpolate, t,
            size=(256, 256, 256), mode="trilinear")


def test_volume_cubic_imgconv(benchmark):
    out = run(benchmark, GROUP_VOLUME_CUBIC, "imgconv", imgconv.resize, image("volume 128^3"),
              (256, 256, 256), order=3, n_threads=THREADS)
    assert_close(out, reference("skimage-resize", "volume 128^3", (256, 256, 256), 3), 1e-6)


def test_volume_cubic_skimage(benchmark):
    run(benchmark, GROUP_VOLUME_CUBIC, "skimage", sk.resize, image("volume 128^3"),
        (256, 256, 256), order=3, rounds=1)


# ------------------------------------------------------------------ dask ---

GROUP_DASK = "upscale x2 6000^2 float32, dask 1500^2 chunks (threads) vs NumPy"


def test_dask_imgconv(benchmark):
    da = optional("dask.array")
    lazy = da.from_array(image("6000^2"), chunks=1500)
    # the first calls of a process that has not yet held this much memory
    # spend seconds in the kernel's page faults: untimed
    out = run(benchmark, GROUP_DASK, "imgconv", lambda: imgconv.upscale(lazy, 2).compute(
        scheduler="threads", num_workers=THREADS), rounds=5, warmup=2)
    assert_close(out, imgconv.upscale(image("6000^2"), 2), 0)


def test_dask_numpy(benchmark):
    run(benchmark, GROUP_DASK, "numpy", imgconv.upscale, image("6000^2"), 2, n_threads=THREADS,
        rounds=5, warmup=2)


# ------------------------------------------------------- Pillow's filters ---

PILLOW_CASES = {
    "bicubic": ("photo 4000x3000", (300, 400)),
    "lanczos": ("photo 4000x3000", (300, 400)),
    "bilinear": ("photo 4000x3000", (300, 400)),
}
GROUP_PILLOW_UP = "resize uint8 RGB 1024^2 x2, Pillow's bicubic"


def _pillow_group(filter):
    return f"resize uint8 RGB 4000x3000 -> 400x300, Pillow's {filter}"


@pytest.mark.parametrize("filter", PILLOW_CASES)
def test_pillow_filter_imgconv(benchmark, filter):
    kind, size = PILLOW_CASES[filter]
    out = run(benchmark, _pillow_group(filter), "imgconv", imgconv.resize, image(kind, "uint8"),
              size, channel_axis=-1, filter=filter, preserve_dtype=True, n_threads=THREADS)
    assert_close(out, reference("pillow", size, filter), 0)


@pytest.mark.parametrize("filter", PILLOW_CASES)
def test_pillow_filter_pillow(benchmark, filter):
    kind, size = PILLOW_CASES[filter]
    Image = optional("PIL.Image")
    pil = Image.fromarray(image(kind, "uint8"))
    run(benchmark, _pillow_group(filter), "Pillow", pil.resize, size[::-1],
        getattr(Image.Resampling, filter.upper()))


def test_pillow_bilinear_torch(benchmark, torch_threads):
    """torch's uint8 antialiased bilinear (Pillow's algorithm, torch's int16
    arithmetic), on a channels-last tensor: torch's fast uint8 path."""
    t = torch_threads.from_numpy(image("photo 4000x3000", "uint8")).permute(2, 0, 1)[None]
    with torch_threads.no_grad():
        run(benchmark, _pillow_group("bilinear"), "torch", torch_threads.nn.functional.interpolate,
            t, size=(300, 400), mode="bilinear", antialias=True)


def test_pillow_upscale_imgconv(benchmark):
    photo = image("RGB 1024^2", "uint8")
    out = run(benchmark, GROUP_PILLOW_UP, "imgconv", imgconv.resize, photo, (2048, 2048),
              channel_axis=-1, filter="bicubic", preserve_dtype=True, n_threads=THREADS)
    assert_close(out, _pillow(photo, (2048, 2048), "bicubic"), 0)


def test_pillow_upscale_pillow(benchmark):
    Image = optional("PIL.Image")
    pil = Image.fromarray(image("RGB 1024^2", "uint8"))
    run(benchmark, GROUP_PILLOW_UP, "Pillow", pil.resize, (2048, 2048), Image.Resampling.BICUBIC)


# ------------------------------------------------- PyTorch's interpolate ---

X = {"2d": lambda: image("gray 2048^2")[None, None],
     "3d": lambda: image("volume 128^3")[None, None]}
INTERPOLATE_CASES = {
    "bilinear x2 (1, 1, 2048, 2048)": ("2d", (("scale_factor", 2), ("mode", "bilinear"))),
    "bicubic x2 (1, 1, 2048, 2048)": ("2d", (("scale_factor", 2), ("mode", "bicubic"))),
    "trilinear x2 (1, 1, 128, 128, 128)": ("3d", (("scale_factor", 2), ("mode", "trilinear"))),
}


@pytest.mark.parametrize("case", INTERPOLATE_CASES)
def test_interpolate_imgconv(benchmark, case):
    kind, kwargs = INTERPOLATE_CASES[case]
    out = run(benchmark, f"interpolate {case} float32", "imgconv", imgconv.interpolate,
              X[kind](), n_threads=THREADS, **dict(kwargs))
    optional("torch")
    assert_close(out, reference("torch", kind, kwargs), 1e-6)


@pytest.mark.parametrize("case", INTERPOLATE_CASES)
def test_interpolate_torch(benchmark, torch_threads, case):
    kind, kwargs = INTERPOLATE_CASES[case]
    t = torch_threads.from_numpy(X[kind]())
    with torch_threads.no_grad():
        run(benchmark, f"interpolate {case} float32", "torch",
            torch_threads.nn.functional.interpolate, t, **dict(kwargs))


# --------------------------------------------- conv_transpose2d methods ---

TRANSPOSE_METHODS = ["auto", "subpixel", "zero_insert", "gemm"]


def _methods_group(size):
    return f"conv_transpose2d methods C=64 {size}^2 k=4 s=2 p=1"


@pytest.mark.parametrize("method", TRANSPOSE_METHODS)
@pytest.mark.parametrize("size", [128, 256])
def test_transpose_method(benchmark, rng, size, method):
    x = rng.standard_normal((1, 64, size, size)).astype(np.float32)
    w = rng.standard_normal((64, 64, 4, 4)).astype(np.float32)
    library = "imgconv" if method == "auto" else method
    out = run(benchmark, _methods_group(size), library, imgconv.conv_transpose2d, x, w, stride=2,
              padding=1, method=method, n_threads=THREADS)
    expected = imgconv.conv_transpose2d(x.astype(np.float64), w.astype(np.float64), stride=2,
                                        padding=1, method="gemm")
    assert_close(out, expected, 1e-3)


@pytest.mark.parametrize("size", [128, 256])
def test_transpose_torch(benchmark, rng, torch_threads, size):
    torch = torch_threads
    x = torch.from_numpy(rng.standard_normal((1, 64, size, size)).astype(np.float32))
    w = torch.from_numpy(rng.standard_normal((64, 64, 4, 4)).astype(np.float32))
    with torch.no_grad():
        run(benchmark, _methods_group(size), "torch", torch.nn.functional.conv_transpose2d, x,
            w, stride=2, padding=1)
