"""ContextModule against the same stack in torch (same threads).

Target: the basic module (C=64, 256x256, the paper's seven 3x3 layers with
dilations 1, 1, 2, 4, 8, 16, 1 and ReLU, then the 1x1 layer) no slower than
torch. "imgconv" runs its 3x3 layers with Winograd (method='auto'),
"imgconv-gemm" is the default exact GEMM path.
"""
import numpy as np

import imgconv
from common import THREADS, run

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


def test_context_module_imgconv(benchmark, rng):
    module = _module(rng)
    x = rng.standard_normal((1, 64, 256, 256)).astype(np.float32)
    run(benchmark, GROUP, "imgconv", module.forward, x, method="auto", n_threads=THREADS)


def test_context_module_imgconv_gemm(benchmark, rng):
    """The default, exact GEMM path of every layer."""
    module = _module(rng)
    x = rng.standard_normal((1, 64, 256, 256)).astype(np.float32)
    run(benchmark, GROUP, "imgconv-gemm", module.forward, x, n_threads=THREADS)


def test_context_module_torch(benchmark, rng, torch_threads):
    torch = torch_threads
    module = _module(rng)
    x = torch.from_numpy(rng.standard_normal((1, 64, 256, 256)).astype(np.float32))
    weights = [torch.from_numpy(w) for w in module.weights]
    run(benchmark, GROUP, "torch", _torch_stack, torch, x, weights, module.dilations)
