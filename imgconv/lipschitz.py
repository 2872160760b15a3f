"""The operator norm (Lipschitz constant) of a convolution layer.

``conv2d`` and ``conv_transpose2d`` with the same weight are an adjoint pair,
so the largest eigenvalue of ``N = conv_transpose2d(conv2d(.))`` is the
square of the layer's largest singular value. It is found by a
deterministic thick-restart Lanczos iteration (or plain power iteration) in
float64, with the products computed by the convolution engine's GEMM
kernels.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from . import _validate as v
from ._conv_geometry import check_groups, check_in_channels, check_weight, conv_geometry
from ._conv_methods import run_gemm, run_transpose_gemm

if TYPE_CHECKING:
    from ._typing import Array, ArrayLike, Pair, RandomState


__all__ = ["conv_lipschitz"]


def _top_eigenpair_power(apply, start, tol, max_iter):
    """Largest eigenvalue and its unit eigenvector of the symmetric PSD
    operator ``apply``, by power iteration from ``start`` (unit norm)."""
    vector = start
    for _ in range(max_iter):
        image = apply(vector)
        top = float(np.dot(vector, image))
        norm = float(np.linalg.norm(image))
        # stop on the residual, not on the change of the estimate, which
        # stalls long before convergence when the top two values are close
        if norm == 0.0 or np.linalg.norm(image - top * vector) <= tol * top:
            return top, vector
        vector = image / norm
    raise RuntimeError(f"conv_lipschitz did not converge in max_iter={max_iter} iterations")


#: Krylov vectors per Lanczos cycle, and the memory they may take (each is a
#: float64 vector of the input's size).
LANCZOS_BASIS = 24
LANCZOS_BYTES = 256 << 20


def _top_eigenpair_lanczos(apply, start, tol, max_iter, precision):
    """Largest eigenpair of a symmetric PSD operator by thick-restart Lanczos
    (Wu & Simon) with full reorthogonalisation, from ``start`` (unit norm).

    A cycle extends an orthonormal basis ``V`` one product at a time and
    keeps the projected matrix ``H = V.T @ N @ V``. At a restart the top
    Ritz vectors stay in the basis (so a cluster of nearly equal top values
    is resolved together, where restarting from one vector would crawl), and
    the basis grows again from the common residual direction. A basis that
    stops growing (to ``precision``, the relative accuracy of ``apply``)
    spans an invariant subspace holding the start vector's component on the
    top eigenvector, so its Ritz pair is exact. Every step is deterministic:
    ARPACK, by contrast, restarts from a random vector of its own then.
    """
    size = start.size
    basis_size = max(2, min(size, LANCZOS_BASIS, LANCZOS_BYTES // (8 * size)))
    keep = max(1, basis_size // 3)        # a basis of 2 (huge inputs) keeps 1
    basis = np.zeros((basis_size, size))
    projected = np.zeros((basis_size, basis_size))
    basis[0], first, products = start, 0, 0
    while True:
        for j in range(first, basis_size):
            w = apply(basis[j])
            products += 1
            projected[j, j] = float(np.dot(basis[j], w))
            for _ in range(2):            # twice is enough (Kahan, Parlett)
                w -= basis[:j + 1].T @ (basis[:j + 1] @ w)
            b = float(np.linalg.norm(w))
            scale = np.abs(np.diag(projected)[:j + 1]).max()
            if j + 1 == basis_size or b <= precision * scale:
                break
            projected[j, j + 1] = projected[j + 1, j] = b
            basis[j + 1] = w / b
        k = j + 1
        values, vectors = np.linalg.eigh(projected[:k, :k])
        top = float(values[-1])
        # ||N x - theta x|| of a Ritz vector x = V y is |b * y[-1]|
        residual = abs(b * vectors[-1, -1])
        if residual <= tol * abs(top) or k < basis_size or top <= 0:
            vector = basis[:k].T @ vectors[:, -1]
            return top, vector / np.linalg.norm(vector)
        if products >= max_iter:
            raise RuntimeError(
                f"conv_lipschitz did not converge in max_iter={max_iter} iterations")
        # thick restart: the top `keep` Ritz pairs, coupled to the residual
        # direction w / b through the last row of their coordinates
        kept = vectors[:, -keep:]
        basis[:keep] = kept.T @ basis[:k]
        projected[:] = 0
        projected[:keep, :keep] = np.diag(values[-keep:])
        projected[:keep, keep] = projected[keep, :keep] = b * kept[-1]
        basis[keep] = w / b
        first = keep


def conv_lipschitz(weight: ArrayLike, input_shape: tuple[int, ...], stride: Pair = 1,
                   padding: Pair | Literal["same", "valid"] = 0, dilation: Pair = 1,
                   groups: int = 1, *, method: Literal["lanczos", "power"] = "lanczos",
                   tol: float = 1e-8, max_iter: int = 1000, random_state: RandomState = 0,
                   n_threads: int | None = None) -> tuple[float, Array]:
    """Operator norm (largest singular value) of a conv2d layer.

    ``conv2d`` and ``conv_transpose2d`` are an adjoint pair, so the largest
    eigenvalue of ``conv_transpose2d(conv2d(x))`` is the square of the largest
    singular value of the layer: its Lipschitz constant in the l2 norm, the
    bound a WGAN-style critic must respect. The bias does not change it.

    Parameters
    ----------
    weight : array_like, shape (C_out, C_in / groups, kH, kW)
        The layer's filters; their float type is the computation's.
    input_shape : tuple of int
        ``(C_in, H, W)`` (or ``(N, C_in, H, W)``: the norm does not depend on N)
        of the inputs the layer is applied to; the border effects of padding
        make the norm depend on it.
    stride, padding, dilation, groups :
        As in :func:`conv2d`, 'same' and 'valid' included.
    method : {'lanczos', 'power'}, optional
        'lanczos': restarted Lanczos iteration on the normal operator ``N``,
        usually in far fewer products than 'power', plain power iteration
        (which needs ~1/gap products when the top two singular values are
        close). Both are deterministic.
    tol : float, optional
        Relative tolerance on the residual ``||N v - lambda v|| <= tol * lambda``
        with ``lambda = sigma**2`` (at least 100 times float64's machine
        epsilon: the products are computed in float64 whatever the weight's
        type).
    max_iter : int, optional
        Bound on the products with ``N``; a ``RuntimeError`` is raised if the
        residual is not reached by then.
    random_state : None, int, numpy.random.Generator or numpy.random.SeedSequence, optional
        Seed of the starting vector.
    n_threads : int, optional
        As in :func:`conv2d`.

    Returns
    -------
    sigma : float
        The largest singular value.
    vector : ndarray, shape (C_in, H, W)
        A unit-norm input that attains it: ``||conv2d(vector)|| == sigma``;
        float32 for float16/float32 weights, else float64.

    Examples
    --------
    >>> import numpy as np
    >>> from imgconv import conv_lipschitz
    >>> w = np.full((1, 1, 3, 3), 1 / 9)           # a 3x3 mean filter
    >>> sigma, _ = conv_lipschitz(w, (1, 32, 32), padding=1)
    >>> bool(0.9 < sigma < 1.0)                      # zero padding: just under 1
    True
    """
    v.check_choice(method, "method", ("lanczos", "power"))
    tol = v.check_float(tol, "tol", min_value=0, exclusive_min=True)
    max_iter = v.check_int(max_iter, "max_iter", min_value=1)
    random_state = v.check_random_state(random_state)
    v.check_n_threads(n_threads)
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) not in (3, 4):
        raise ValueError(
            f"input_shape must be a tuple (C_in, H, W) or (N, C_in, H, W) of positive "
            f"integers, got {input_shape!r}"
        )
    shape = tuple(v.check_int(s, "input_shape", min_value=1) for s in input_shape)
    channels, height, width = shape[-3:]
    w = v.check_array(weight, "weight")
    dtype = v.float_dtype_for(w.dtype)
    # float64 products whatever the weight's type: the iterations need a
    # residual far below float32's rounding, and every float32 is a float64
    w = check_weight(w, np.float64)
    if not np.isfinite(w).all():
        raise ValueError("weight must be finite to have an operator norm; it holds NaN or Inf")
    out_channels, per_group = w.shape[:2]
    groups = check_groups(groups, channels, out_channels)
    check_in_channels(w.shape, per_group * groups, channels, f"input_shape {input_shape}")
    geo = conv_geometry(height, width, w.shape[2:], stride, padding, dilation)
    # the vectors are allocated before the first product checks the sizes
    v.check_output_pixels((height, width), what="input")
    v.check_output_pixels(geo.out_size)

    # conv2d's adjoint is the transposed conv of the same geometry, and
    # torch's transposed layout makes the conv2d weight its weight
    def normal(x):
        y = run_gemm(x.reshape(1, channels, height, width), w, None, geo, groups, n_threads)
        return run_transpose_gemm(y, w, None, geo, groups, n_threads).ravel()

    rng = np.random.default_rng(random_state)
    start = rng.standard_normal(channels * height * width)
    start /= np.linalg.norm(start)
    if not w.any():                       # the zero operator: any vector attains 0
        return 0.0, start.astype(dtype).reshape(channels, height, width)
    precision = 100 * float(np.finfo(np.float64).eps)
    tol = max(tol, precision)
    if method == "lanczos":
        top, vector = _top_eigenpair_lanczos(normal, start, tol, max_iter, precision)
    else:
        top, vector = _top_eigenpair_power(normal, start, tol, max_iter)
    vector = (vector / np.linalg.norm(vector)).astype(dtype)
    return float(np.sqrt(max(top, 0.0))), vector.reshape(channels, height, width)
