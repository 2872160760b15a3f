"""conv2d and conv_transpose2d against torch.nn.functional (same threads).

Targets: every configuration at or below torch's time: the 3x3 C=64 layers
at 128x128 and 256x256 with dilations 1 to 16, the 4x4 stride-2 layers
(conv2d and conv_transpose2d), and the Yu & Koltun basic context stack
(seven 3x3 layers, C=64, 256x256, dilations 1,1,2,4,8,16,1, ReLU). Each
imgconv benchmark first checks its result against the anchor's (in float64).
"""
import numpy as np
import pytest

import imgconv
from common import THREADS, run
from conv_checks import (
    assert_matches,
    context_stack_reference,
    conv2d_reference,
    conv_transpose2d_reference,
)

CONTEXT_DILATIONS = (1, 1, 2, 4, 8, 16, 1)


def _context_weights(rng, channels=64):
    return [(rng.standard_normal((channels, channels, 3, 3)) * 0.05).astype(np.float32)
            for _ in CONTEXT_DILATIONS]


def _context_stack_imgconv(x, weights):
    for w, d in zip(weights, CONTEXT_DILATIONS):
        x = imgconv.conv2d(x, w, padding=d, dilation=d, n_threads=THREADS)
        np.maximum(x, 0, out=x)
    return x


def _context_stack_torch(torch, x, weights):
    F = torch.nn.functional
    with torch.no_grad():
        for w, d in zip(weights, CONTEXT_DILATIONS):
            x = F.relu(F.conv2d(x, w, padding=d, dilation=d))
    return x


GROUP_STACK = "context stack C=64 256^2 (7x 3x3)"


def test_context_stack_imgconv(benchmark, rng):
    x = rng.standard_normal((1, 64, 256, 256)).astype(np.float32)
    weights = _context_weights(rng)
    assert_matches(_context_stack_imgconv(x, weights),
                   context_stack_reference(x, weights, CONTEXT_DILATIONS), GROUP_STACK)
    run(benchmark, GROUP_STACK, "imgconv", _context_stack_imgconv, x, weights)


def test_context_stack_torch(benchmark, rng, torch_threads):
    torch = torch_threads
    x = torch.from_numpy(rng.standard_normal((1, 64, 256, 256)).astype(np.float32))
    weights = [torch.from_numpy(w) for w in _context_weights(rng)]
    run(benchmark, GROUP_STACK, "torch", _context_stack_torch, torch, x, weights)


CONV_CASES = [(size, d) for size in (128, 256) for d in (1, 2, 4, 8, 16)]


def _conv_group(size, d):
    return f"conv2d C=64 {size}^2 3x3 d={d}"


@pytest.mark.parametrize("size,dilation", CONV_CASES)
def test_conv2d_imgconv(benchmark, rng, size, dilation):
    x = rng.standard_normal((1, 64, size, size)).astype(np.float32)
    w = rng.standard_normal((64, 64, 3, 3)).astype(np.float32)
    kwargs = dict(padding=dilation, dilation=dilation)
    assert_matches(imgconv.conv2d(x, w, n_threads=THREADS, **kwargs),
                   conv2d_reference(x, w, **kwargs), _conv_group(size, dilation))
    run(benchmark, _conv_group(size, dilation), "imgconv", imgconv.conv2d, x, w,
        n_threads=THREADS, **kwargs)


@pytest.mark.parametrize("size,dilation", CONV_CASES)
def test_conv2d_torch(benchmark, rng, torch_threads, size, dilation):
    torch = torch_threads
    x = torch.from_numpy(rng.standard_normal((1, 64, size, size)).astype(np.float32))
    w = torch.from_numpy(rng.standard_normal((64, 64, 3, 3)).astype(np.float32))
    with torch.no_grad():
        run(benchmark, _conv_group(size, dilation), "torch", torch.nn.functional.conv2d, x, w,
            padding=dilation, dilation=dilation)


def _strided_group(size, transposed):
    return f"{'conv_transpose2d' if transposed else 'conv2d'} C=64 {size}^2 4x4 s=2"


@pytest.mark.parametrize("transposed", [False, True], ids=["conv", "transpose"])
@pytest.mark.parametrize("size", [128, 256])
def test_strided_imgconv(benchmark, rng, size, transposed):
    x = rng.standard_normal((1, 64, size, size)).astype(np.float32)
    w = rng.standard_normal((64, 64, 4, 4)).astype(np.float32)
    fn = imgconv.conv_transpose2d if transposed else imgconv.conv2d
    reference = conv_transpose2d_reference if transposed else conv2d_reference
    assert_matches(fn(x, w, stride=2, padding=1, n_threads=THREADS),
                   reference(x, w, stride=2, padding=1), _strided_group(size, transposed))
    run(benchmark, _strided_group(size, transposed), "imgconv", fn, x, w, stride=2, padding=1,
        n_threads=THREADS)


@pytest.mark.parametrize("transposed", [False, True], ids=["conv", "transpose"])
@pytest.mark.parametrize("size", [128, 256])
def test_strided_torch(benchmark, rng, torch_threads, size, transposed):
    torch = torch_threads
    F = torch.nn.functional
    x = torch.from_numpy(rng.standard_normal((1, 64, size, size)).astype(np.float32))
    w = torch.from_numpy(rng.standard_normal((64, 64, 4, 4)).astype(np.float32))
    fn = F.conv_transpose2d if transposed else F.conv2d
    with torch.no_grad():
        run(benchmark, _strided_group(size, transposed), "torch", fn, x, w, stride=2, padding=1)
