"""upscale / resize against scikit-image, OpenCV and torch (same threads), and
the three conv_transpose2d methods against each other.

Targets: float32 2048^2 gray and 1024^2 RGB, factors 2 and 4, bilinear and
nearest, >= 30x faster than skimage.transform.resize and no slower than
cv2.resize; uint8 1024^2 RGB x2 bilinear (uint8 out) within 1.5x of cv2;
arbitrary-shape resize and a 3x anti-aliased downscale >= 10x faster than
skimage; kernel padding ('subpixel') against input padding ('zero_insert')
and GEMM + col2im ('gemm') for C=64, k=4, s=2.
"""
import numpy as np
import pytest
import skimage.transform as sk

import imgconv
from common import THREADS, run

UPSCALE_CASES = [(kind, factor, order) for kind in ("gray 2048^2", "RGB 1024^2")
                 for factor in (2, 4) for order in (1, 0)]


def _upscale_id(case):
    kind, factor, order = case
    return f"{kind.split()[0]}-x{factor}-{'bilinear' if order else 'nearest'}"


def _upscale_group(case):
    kind, factor, order = case
    return f"upscale x{factor} {'bilinear' if order else 'nearest'} {kind} float32"


def _image(rng, kind, dtype=np.float32):
    shape = (2048, 2048) if kind.startswith("gray") else (1024, 1024, 3)
    image = rng.random(shape, dtype=np.float32)
    return image if dtype == np.float32 else (image * 255).astype(dtype)


@pytest.mark.parametrize("case", UPSCALE_CASES, ids=_upscale_id)
def test_upscale_imgconv(benchmark, rng, case):
    kind, factor, order = case
    image = _image(rng, kind)
    axis = None if image.ndim == 2 else -1
    run(benchmark, _upscale_group(case), "imgconv", imgconv.upscale, image, factor,
        order=order, channel_axis=axis, n_threads=THREADS)


@pytest.mark.parametrize("case", UPSCALE_CASES, ids=_upscale_id)
def test_upscale_skimage(benchmark, rng, case):
    kind, factor, order = case
    image = _image(rng, kind)
    shape = (factor * image.shape[0], factor * image.shape[1])
    run(benchmark, _upscale_group(case), "skimage", sk.resize, image, shape, order=order)


@pytest.mark.parametrize("case", UPSCALE_CASES, ids=_upscale_id)
def test_upscale_cv2(benchmark, rng, cv2_threads, case):
    cv2 = cv2_threads
    kind, factor, order = case
    image = _image(rng, kind)
    size = (factor * image.shape[1], factor * image.shape[0])
    interpolation = cv2.INTER_LINEAR if order else cv2.INTER_NEAREST
    run(benchmark, _upscale_group(case), "cv2", cv2.resize, image, size,
        interpolation=interpolation)


@pytest.mark.parametrize("case", UPSCALE_CASES, ids=_upscale_id)
def test_upscale_torch(benchmark, rng, torch_threads, case):
    torch = torch_threads
    kind, factor, order = case
    image = _image(rng, kind)
    x = torch.from_numpy(image[None, None] if image.ndim == 2 else
                         np.ascontiguousarray(image.transpose(2, 0, 1))[None])
    kwargs = dict(mode="bilinear", align_corners=False) if order else dict(mode="nearest")
    with torch.no_grad():
        run(benchmark, _upscale_group(case), "torch", torch.nn.functional.interpolate, x,
            scale_factor=factor, **kwargs)


GROUP_U8 = "upscale x2 bilinear RGB 1024^2 uint8 -> uint8"


def test_upscale_uint8_imgconv(benchmark, rng):
    image = _image(rng, "RGB", np.uint8)
    run(benchmark, GROUP_U8, "imgconv", imgconv.upscale, image, 2, channel_axis=-1,
        preserve_dtype=True, n_threads=THREADS)


def test_upscale_uint8_cv2(benchmark, rng, cv2_threads):
    image = _image(rng, "RGB", np.uint8)
    run(benchmark, GROUP_U8, "cv2", cv2_threads.resize, image, (2048, 2048),
        interpolation=cv2_threads.INTER_LINEAR)


def test_upscale_uint8_skimage(benchmark, rng):
    image = _image(rng, "RGB", np.uint8)
    run(benchmark, GROUP_U8, "skimage", sk.resize, image, (2048, 2048), preserve_range=True)


# --------------------------------------------------- arbitrary shapes ---

RESIZE_CASES = {
    "resize 1000^2 -> 1333x1777 bilinear float32": ((1000, 1000), (1333, 1777)),
    "resize 2048^2 -> 683^2 (3x down, anti-aliased) float32": ((2048, 2048), (683, 683)),
}


@pytest.mark.parametrize("group", list(RESIZE_CASES), ids=["up-1333x1777", "down-3x-aa"])
def test_resize_imgconv(benchmark, rng, group):
    source, target = RESIZE_CASES[group]
    image = rng.random(source, dtype=np.float32)
    run(benchmark, group, "imgconv", imgconv.resize, image, target, n_threads=THREADS)


@pytest.mark.parametrize("group", list(RESIZE_CASES), ids=["up-1333x1777", "down-3x-aa"])
def test_resize_skimage(benchmark, rng, group):
    source, target = RESIZE_CASES[group]
    image = rng.random(source, dtype=np.float32)
    run(benchmark, group, "skimage", sk.resize, image, target)


@pytest.mark.parametrize("group", list(RESIZE_CASES), ids=["up-1333x1777", "down-3x-aa"])
def test_resize_cv2(benchmark, rng, cv2_threads, group):
    """cv2 INTER_LINEAR does not anti-alias; INTER_AREA is its shrinking filter."""
    cv2 = cv2_threads
    source, target = RESIZE_CASES[group]
    image = rng.random(source, dtype=np.float32)
    interpolation = cv2.INTER_AREA if target[0] < source[0] else cv2.INTER_LINEAR
    run(benchmark, group, "cv2", cv2.resize, image, target[::-1], interpolation=interpolation)


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
    run(benchmark, _methods_group(size), library, imgconv.conv_transpose2d, x, w, stride=2,
        padding=1, method=method, n_threads=THREADS)


@pytest.mark.parametrize("size", [128, 256])
def test_transpose_torch(benchmark, rng, torch_threads, size):
    torch = torch_threads
    x = torch.from_numpy(rng.standard_normal((1, 64, size, size)).astype(np.float32))
    w = torch.from_numpy(rng.standard_normal((64, 64, 4, 4)).astype(np.float32))
    with torch.no_grad():
        run(benchmark, _methods_group(size), "torch", torch.nn.functional.conv_transpose2d, x,
            w, stride=2, padding=1)
