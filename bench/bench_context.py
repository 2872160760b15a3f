"""ContextModule against the same stack in torch (same threads).

Target: the basic module (C=64, 256x256, the paper's seven 3x3 layers with
dilations 1, 1, 2, 4, 8, 16, 1 and ReLU, then the 1x1 layer) on its default,
exact path ("imgconv") at least 1.3x as fast as torch. "imgconv-auto" runs
its 3x3 layers with Winograd (method='auto'). Each imgconv benchmark first
checks its result against the stack in float64.
"""
import numpy as np
import pytest

import imgconv
from common import THREADS, run
from conv_checks import assert_matches, context_stack_reference

GROUP = "ContextModule basic C=64 256^2"


def _module(rng):
    module = imgconv.ContextModule(64)
    module.weights = [(rng.standard_normal(w.shape) * 0.05).astype(np.float32)
                      for w in module.weights]
    return module


def _torch_stack(torch, x, weights, dilations):
    F = torch.nn.functional
    with torch.no_grad():
        for w, d in zip(weights[:-1], dilations):
            x = F.relu(F.conv2d(x, w, padding=d, dilation=d))
        return F.conv2d(x, weights[-1])


@pytest.mark.parametrize("method,library", [("gemm", "imgconv"), ("auto", "imgconv-auto")],
                         ids=["exact", "winograd"])
def test_context_module_imgconv(benchmark, rng, method, library):
    module = _module(rng)
    x = rng.standard_normal((1, 64, 256, 256)).astype(np.float32)
    weights = module.weights
    assert_matches(module.forward(x, method=method, n_threads=THREADS),
                   context_stack_reference(x, weights[:-1], module.dilations, weights[-1]),
                   f"{GROUP} method={method!r}")
    run(benchmark, GROUP, library, module.forward, x, method=method, n_threads=THREADS)


def test_context_module_torch(benchmark, rng, torch_threads):
    torch = torch_threads
    module = _module(rng)
    x = torch.from_numpy(rng.standard_normal((1, 64, 256, 256)).astype(np.float32))
    weights = [torch.from_numpy(w) for w in module.weights]
    run(benchmark, GROUP, "torch", _torch_stack, torch, x, weights, module.dilations)
