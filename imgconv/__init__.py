"""imgconv: image resizing and multi-scale filtering as convolutions.

Tensor operations follow PyTorch (``conv2d``, ``conv_transpose2d``); image
operations follow scikit-image. See the documentation for the conventions.

The compiled kernels are loaded at the best instruction-set level this CPU
runs (``IMGCONV_CPU`` overrides it); :func:`show_config` tells which.
"""
from ._config import show_config
from ._version import __version__ as __version__
from .atrous import atrous_filter, istarlet, multiscale_features, starlet
from .context import ContextModule
from .conv import conv2d, conv_transpose2d
from .interpolate import interpolate
from .kernels import SubpixelConv, bilinear_kernel, kernel_padding, nearest_kernel
from .lipschitz import conv_lipschitz
from .resize import rescale, resize, upscale
from .shuffle import batch_to_space, depth_to_space, space_to_batch, space_to_depth

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
    "show_config",
]
