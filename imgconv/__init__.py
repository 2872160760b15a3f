"""imgconv: image resizing and multi-scale filtering as convolutions.

Tensor operations follow PyTorch (``conv2d``, ``conv_transpose2d``); image
operations follow scikit-image. See the documentation for the conventions.
"""
from ._ext import runtime as _runtime

if not _runtime.cpu_runs_kernels():
    raise ImportError(
        f"imgconv's kernels were compiled for {_runtime.instruction_set()} (AVX2, FMA), "
        "which this CPU lacks; reinstall imgconv with IMGCONV_PORTABLE=1 set "
        "(and pip's --no-cache-dir, so that the wheel built elsewhere is not reused)"
    )

from .atrous import atrous_filter, istarlet, multiscale_features, starlet  # noqa: E402
from .context import ContextModule  # noqa: E402
from .conv import conv2d, conv_transpose2d  # noqa: E402
from .interpolate import interpolate  # noqa: E402
from .kernels import SubpixelConv, bilinear_kernel, kernel_padding, nearest_kernel  # noqa: E402
from .lipschitz import conv_lipschitz  # noqa: E402
from .resize import rescale, resize, upscale  # noqa: E402
from .shuffle import batch_to_space, depth_to_space, space_to_batch, space_to_depth  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "conv2d",
    "conv_transpose2d",
    "conv_lipschitz",
    "depth_to_space",
    "space_to_depth",
    "space_to_batch",
    "batch_to_space",
    "atrous_filter",
    "starlet",
    "istarlet",
    "multiscale_features",
    "ContextModule",
    "bilinear_kernel",
    "nearest_kernel",
    "kernel_padding",
    "SubpixelConv",
    "upscale",
    "resize",
    "rescale",
    "interpolate",
]
