"""The context module of Yu & Koltun, "Multi-scale context aggregation by
dilated convolutions" (ICLR 2016, arXiv 1511.07122), Table 1.

A stack of 3x3 convolutions with exponentially growing dilations (1, 1, 2,
4, 8, 16, 1), each followed by a ReLU, then a 1x1 convolution: the receptive
field grows to 67x67 pixels while the resolution and the number of
parameters per layer stay fixed. Every layer pads with ``dilation`` zeros
('same'). The forward pass runs the whole stack in the channels-last engine
of :func:`imgconv.conv2d`: the input is validated and rearranged once, each
layer writes its output (bias and ReLU applied on the way) into a zero-padded
buffer that the next layer reads, and only the last output returns to
planes.
"""
from __future__ import annotations

import zipfile
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from . import _validate as v
from ._conv_methods import WINOGRAD_MIN_CHANNELS, run_conv_stack, slot_weight, winograd_weight
from ._ext.conv import Activation

if TYPE_CHECKING:
    import os
    from collections.abc import Sequence
    from typing import IO

    from numpy.typing import DTypeLike

    from ._typing import Array, ArrayLike, RandomState


__all__ = ["ContextModule"]

#: Dilations of the 3x3 layers of the paper's Table 1.
PAPER_DILATIONS = (1, 1, 2, 4, 8, 16, 1)

#: Format tag of the files written by :meth:`ContextModule.save`.
FILE_FORMAT = "imgconv.ContextModule/1"

#: Entries of those files (``weight_<i>`` and ``bias_<i>``: one per layer).
FILE_ENTRIES = ("format", "kind", "channels", "dilations", "weight_<i>", "bias_<i>")


def _not_a_module_file(path, reason):
    expected = ", ".join(repr(name) for name in FILE_ENTRIES)
    return ValueError(
        f"{path!r} is not a ContextModule file: {reason}; expected an .npz archive written "
        f"by ContextModule.save, with entries {expected}"
    )


def _check_dilations(dilations):
    # the layers are applied in this order: a set has none, and a 2-D array
    # is not a list of layers
    if not v.is_sequence(dilations) or np.ndim(dilations) != 1:
        raise TypeError(
            "dilations must be a sequence of integers (list, tuple or 1-D array), got "
            f"{v._describe(dilations)}"
        )
    if len(dilations) == 0:
        raise ValueError("dilations must not be empty")
    return tuple(v.check_int(d, "dilations", min_value=1) for d in dilations)


def _check_dtype(dtype):
    result = v.check_dtype(dtype)
    if result not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {result}")
    return result


class ContextModule:
    """Multi-scale context aggregation by dilated convolutions (Yu & Koltun).

    ``len(dilations)`` 3x3 layers with the given dilations, each padded with
    ``dilation`` zeros and followed by a ReLU, then a 1x1 layer without
    ReLU. The output has the input's shape.

    Parameters
    ----------
    channels : int
        C, the channels of the input and the output.
    kind : {'basic', 'large'}, optional
        'basic': every layer has C channels, initialised to the identity
        (``k(t, a, b) = 1[t = 0] 1[a = b]``: the module computes ``relu(x)``).
        'large': the 3x3 layers have ``2 C * max(dilations[:i+1])`` output
        channels (2C, 2C, 4C, 8C, 16C, 32C, 32C for the paper's dilations),
        initialised as in the paper: ``k(t, a, b) = C / c_{i+1}`` where t is
        the centre tap and ``floor(a C / c_i) == floor(b C / c_{i+1})``, and
        Gaussian noise of standard deviation ``noise * C / c_{i+1}``
        elsewhere (``c_i``, ``c_{i+1}``: the layer's input and output channels).
    dilations : sequence of int, optional
        Dilations of the 3x3 layers, in order (list, tuple or 1-D array);
        default the paper's (1, 1, 2, 4, 8, 16, 1).
        :meth:`level_dilations` gives the variants with more levels.
    noise : float, optional
        Relative standard deviation of the 'large' initialisation's noise.
    random_state : None, int, numpy.random.Generator or numpy.random.SeedSequence, optional
        Seed of that noise (an int must be >= 0; None: fresh entropy).
    dtype : {float32, float64}, optional
        Storage type of the weights; the forward pass computes in the input's
        float type.

    Attributes
    ----------
    layer_channels : tuple of int
        Channels between the layers: ``(C, c_1, ..., c_L, C)``.
    receptive_field : int
        Side of the square of input pixels one output pixel depends on:
        ``1 + 2 * sum(dilations)`` (67 for the paper's module).

    Examples
    --------
    >>> import numpy as np
    >>> from imgconv import ContextModule
    >>> module = ContextModule(3)
    >>> module.receptive_field
    67
    >>> x = np.random.default_rng(0).standard_normal((1, 3, 16, 16)).astype(np.float32)
    >>> bool((module(x) == np.maximum(x, 0)).all())     # identity initialisation
    True
    """

    def __init__(self, channels: int, kind: Literal["basic", "large"] = "basic", *,
                 dilations: Sequence[int] = PAPER_DILATIONS, noise: float = 1e-3,
                 random_state: RandomState = 0, dtype: DTypeLike = np.float32) -> None:
        self.channels = v.check_int(channels, "channels", min_value=1)
        self.kind = v.check_choice(kind, "kind", ("basic", "large"))
        self.dilations = _check_dilations(dilations)
        noise = v.check_float(noise, "noise", min_value=0)
        random_state = v.check_random_state(random_state)
        self.dtype = _check_dtype(dtype)
        if self.kind == "basic":
            hidden = [self.channels] * len(self.dilations)
        else:
            widest = np.maximum.accumulate(self.dilations)
            hidden = [2 * self.channels * int(d) for d in widest]
        self.layer_channels = (self.channels, *hidden, self.channels)
        self._weights = self._initial_weights(noise, random_state)
        self._biases = [np.zeros(c, self.dtype) for c in self.layer_channels[1:]]
        self._prepared: dict[tuple[np.dtype[Any], str], Any] = {}

    # -------------------------------------------------------------- shape ---

    @staticmethod
    def level_dilations(levels: int) -> tuple[int, ...]:
        """Dilations of the 3x3 layers of a module with ``levels`` layers in all.

        Two layers of dilation 1, then dilations 2, 4, ... doubling, then one
        of dilation 1, then the 1x1 layer: 8 levels is the paper's Table 1;
        10 levels (dilations up to 64) is what the authors use on Cityscapes.

        Examples
        --------
        >>> from imgconv import ContextModule
        >>> ContextModule.level_dilations(10)
        (1, 1, 2, 4, 8, 16, 32, 64, 1)
        """
        levels = v.check_int(levels, "levels", min_value=4, max_value=40)
        return (1, 1, *(2**i for i in range(1, levels - 3)), 1)

    @property
    def receptive_field(self) -> int:
        return 1 + 2 * sum(self.dilations)

    def _weight_shapes(self):
        c = self.layer_channels
        hidden = [(c[i + 1], c[i], 3, 3) for i in range(len(self.dilations))]
        return hidden + [(c[-1], c[-2], 1, 1)]

    def _initial_weights(self, noise, random_state):
        """Identity initialisation (basic) or the paper's scaled identity + noise (large)."""
        rng = np.random.default_rng(random_state)
        weights = []
        for shape in self._weight_shapes():
            c_out, c_in, kh, kw = shape
            scale = self.channels / c_out
            if self.kind == "large":
                w = rng.normal(0.0, noise * scale, shape) if noise > 0 else np.zeros(shape)
            else:
                w = np.zeros(shape)
            # the centre tap connects input map a to output map b when both
            # fall in the same of the C groups
            group_in = np.arange(c_in) * self.channels // c_in
            group_out = np.arange(c_out) * self.channels // c_out
            connected = group_out[:, None] == group_in[None, :]
            w[:, :, kh // 2, kw // 2][connected] = scale
            weights.append(w.astype(self.dtype))
        return weights

    # ------------------------------------------------------------ weights ---

    @property
    def weights(self) -> list[Array]:
        """Filters of the layers, torch layout (C_out, C_in, kH, kW); copies."""
        return [w.copy() for w in self._weights]

    @weights.setter
    def weights(self, values: Sequence[ArrayLike]) -> None:
        self._weights = self._check_parameters(values, "weights", self._weight_shapes())
        self._prepared = {}

    @property
    def biases(self) -> list[Array]:
        """Biases of the layers, (C_out,) each; copies."""
        return [b.copy() for b in self._biases]

    @biases.setter
    def biases(self, values: Sequence[ArrayLike]) -> None:
        self._biases = self._check_parameters(values, "biases",
                                              [(c,) for c in self.layer_channels[1:]])
        self._prepared = {}

    def _check_parameters(self, values, name, shapes):
        if isinstance(values, np.ndarray) or not hasattr(values, "__len__"):
            raise TypeError(
                f"{name} must be a list of {len(shapes)} arrays, got {v._describe(values)}"
            )
        if len(values) != len(shapes):
            raise ValueError(
                f"{name} must hold {len(shapes)} arrays (one per layer), got {len(values)}"
            )
        result = []
        for i, (value, shape) in enumerate(zip(values, shapes)):
            array = v.check_array(value, f"{name}[{i}]")
            if array.shape != shape:
                raise ValueError(
                    f"{name}[{i}] must have shape {shape}, got shape {array.shape}"
                )
            # checked after the cast: float64 values beyond the float32 range
            # are finite, but would be stored as inf
            with np.errstate(over="ignore"):
                stored = np.array(array, self.dtype)
            if not np.isfinite(stored).all():
                if np.isfinite(array).all():
                    raise ValueError(
                        f"{name}[{i}] must be finite in {self.dtype}: it has magnitudes up to "
                        f"{np.abs(array).max():.4g}, beyond {self.dtype}'s largest "
                        f"{np.finfo(self.dtype).max:.4g}"
                    )
                raise ValueError(f"{name}[{i}] must be finite")
            result.append(stored)
        return result

    # ------------------------------------------------------------ forward ---

    def forward(self, input: ArrayLike, *, method: Literal["gemm", "auto"] = "gemm",
                n_threads: int | None = None, max_pixels: int | None = None) -> Array:
        """Apply the module to ``input`` (N, C, H, W) or (C, H, W).

        float32 and float64 are kept; float16 computes in float32, integers
        and bool in float64 (as :func:`imgconv.conv2d`).

        ``method`` is :func:`imgconv.conv2d`'s for every layer: 'gemm' (the
        default) multiplies exactly as the weights say (the identity
        initialisation returns ``relu(x)`` bit for bit); 'auto' runs the
        3x3 layers with at least 16 input channels with Winograd's
        F(2x2, 3x3), fewer multiplications for a few more units of rounding.
        The input is validated and rearranged once for the whole stack; the
        bias and the ReLU of a layer are applied as it writes its output.
        ``max_pixels`` bounds the height x width of the input (and so of every
        layer's output) as in :func:`imgconv.conv2d`.

        Examples
        --------
        >>> import numpy as np
        >>> from imgconv import ContextModule
        >>> ContextModule(2).forward(np.full((2, 5, 5), -1.0)).max()
        np.float64(0.0)
        """
        v.check_choice(method, "method", ("gemm", "auto"))
        array = v.check_tensor(input, "input", (3, 4))
        if array.shape[-3] != self.channels:
            raise ValueError(
                f"input must have {self.channels} channels (axis {array.ndim - 3}), got "
                f"shape {array.shape}"
            )
        v.check_output_pixels(array.shape[-2:], max_pixels)
        batched = array.ndim == 4
        dtype = v.float_dtype_for(array.dtype)
        x = v.as_compute_array(array if batched else array[None], dtype)
        out = run_conv_stack(x, self._layers(dtype, method), n_threads)
        return out if batched else out[0]

    def _layers(self, dtype, method):
        """The layers as the channels-last engine runs them: the weights
        rearranged (or transformed for Winograd) in the compute type, kept
        until the parameters change."""
        key = (np.dtype(dtype), method)
        layers = self._prepared.get(key)
        if layers is None:
            layers, last = [], len(self._weights) - 1
            for i, (w, b) in enumerate(zip(self._weights, self._biases)):
                d = self.dilations[i] if i < last else 1
                winograd = (method == "auto" and i < last
                            and w.shape[1] >= WINOGRAD_MIN_CHANNELS)
                weight = slot_weight(w, dtype)
                if winograd:
                    weight = winograd_weight(weight)
                layers.append(("winograd" if winograd else "gemm", weight,
                               np.ascontiguousarray(b, dtype), w.shape[2:], (d, d),
                               Activation.RELU if i < last else Activation.IDENTITY))
            self._prepared[key] = layers
        return layers

    __call__ = forward

    # ---------------------------------------------------------- save/load ---

    def save(self, path: str | os.PathLike[str] | IO[bytes]) -> None:
        """Write the module (shape and parameters) to a ``.npz`` file."""
        arrays = {f"weight_{i}": w for i, w in enumerate(self._weights)}
        arrays.update({f"bias_{i}": b for i, b in enumerate(self._biases)})
        np.savez(path, format=np.array(FILE_FORMAT), kind=np.array(self.kind),
                 channels=np.array(self.channels), dilations=np.array(self.dilations),
                 **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike[str] | IO[bytes]) -> ContextModule:
        """Read a module written by :meth:`save`; every entry is validated.

        Examples
        --------
        >>> import io
        >>> from imgconv import ContextModule
        >>> buffer = io.BytesIO()
        >>> ContextModule(4, "large").save(buffer)
        >>> _ = buffer.seek(0)
        >>> ContextModule.load(buffer).layer_channels
        (4, 8, 8, 16, 32, 64, 128, 128, 4)
        """
        try:
            data = np.load(path, allow_pickle=False)
        except (ValueError, EOFError, zipfile.BadZipFile) as exc:
            # neither .npy nor .npz (np.load takes it for a pickle), empty or truncated
            raise _not_a_module_file(path, f"NumPy cannot read it ({exc})") from exc
        if not isinstance(data, np.lib.npyio.NpzFile):
            # np.load returns the one array of an .npy file
            raise _not_a_module_file(path, f"it is an .npy file, of one {v._describe(data)}")
        with data:
            entries = dict(data)

        def entry(name):
            if name not in entries:
                raise _not_a_module_file(
                    path, f"no entry {name!r} (it has {v._describe(sorted(entries))})"
                )
            return entries[name]

        fmt = entry("format")
        if fmt.shape != () or str(fmt) != FILE_FORMAT:
            raise ValueError(
                f"{path!r} has format {str(fmt)!r}; this version reads {FILE_FORMAT!r}"
            )
        kind, channels, dilations = entry("kind"), entry("channels"), entry("dilations")
        if kind.shape != () or kind.dtype.kind != "U":
            raise ValueError(f"entry 'kind' of {path!r} must be a string")
        if channels.shape != () or dilations.ndim != 1:
            raise ValueError(
                f"entries 'channels' and 'dilations' of {path!r} must be a scalar and a vector"
            )
        n_layers = len(dilations) + 1
        weights = [entry(f"weight_{i}") for i in range(n_layers)]
        biases = [entry(f"bias_{i}") for i in range(n_layers)]
        dtype = np.float64 if np.result_type(*weights) == np.float64 else np.float32
        try:
            # kind as read from the file: __init__ checks it
            module = cls(channels[()], str(kind),  # type: ignore[arg-type]
                         dilations=dilations.tolist(), dtype=dtype, noise=0)
            module.weights = weights
            module.biases = biases
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path!r} is not a valid ContextModule file: {exc}") from exc
        return module

    def __repr__(self) -> str:
        return (f"ContextModule(channels={self.channels}, kind={self.kind!r}, "
                f"dilations={self.dilations})")
