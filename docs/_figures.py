"""Figures of the documentation, drawn at build time by the plot directive.

Diagrams are drawn with matplotlib from the same index formulas the code
uses; pictures are computed with imgconv itself on scikit-image's sample
images (no network).
"""
import csv
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

import imgconv

PALETTE = plt.get_cmap("tab10").colors
HERE = Path(__file__).parent


def _cells(ax, y, values, colors=None, x0=0.0, label=None, width=1.0):
    """A row of labelled square cells at height ``y``."""
    for i, value in enumerate(values):
        face = colors[i] if colors is not None else "white"
        ax.add_patch(Rectangle((x0 + i * width, y), width, 0.9, facecolor=face,
                               edgecolor="0.3", alpha=0.55 if colors is not None else 1))
        ax.text(x0 + (i + 0.5) * width, y + 0.45, value, ha="center", va="center")
    if label:
        ax.text(x0 - 0.4, y + 0.45, label, ha="right", va="center")


def _frame(ax, width, height):
    ax.set_xlim(-7, width)
    ax.set_ylim(-0.5, height)
    ax.set_aspect("equal")
    ax.axis("off")


def transposed_three_ways():
    """A 1-D stride-2 transposed convolution computed the three ways."""
    x = ["a", "b", "c"]
    k = ["k0", "k1", "k2", "k3"]
    fig, axes = plt.subplots(3, 1, figsize=(8.5, 7.2))

    ax = axes[0]
    ax.set_title("input padding: insert zeros, pad, correlate with the flipped kernel", fontsize=9)
    stuffed = ["0", "0", "a", "0", "b", "0", "c", "0", "0"]
    _cells(ax, 2.2, stuffed, label="zero-inserted x")
    _cells(ax, 1.0, k[::-1], colors=[PALETTE[1]] * 4, label="flipped kernel")
    _cells(ax, -0.2, ["y0", "y1", "y2", "y3", "y4", "y5"], label="y (slides by 1)")
    ax.annotate("", xy=(4, 1.0), xytext=(4, 1.9), arrowprops=dict(arrowstyle="->"))
    _frame(ax, 10, 3.4)

    ax = axes[1]
    ax.set_title("GEMM + col2im: each input pixel scatters a scaled kernel", fontsize=9)
    for i, (name, color) in enumerate(zip(x, PALETTE)):
        _cells(ax, 2.2 - 1.1 * i, [f"{name}·{t}" for t in k], colors=[color] * 4,
               x0=2 * i, width=1.0, label=f"{name} × kernel" if i == 0 else None)  # noqa: RUF001 - a multiplication sign in a plot label
    _cells(ax, -1.2, ["y0", "y1", "y2", "y3", "y4", "y5", "y6", "y7"], label="sum (crop p)")
    _frame(ax, 10, 3.4)
    ax.set_ylim(-1.7, 3.4)

    ax = axes[2]
    ax.set_title("kernel padding (sub-pixel): one conv per phase, then depth_to_space", fontsize=9)
    _cells(ax, 2.2, ["k0", "k2"], colors=[PALETTE[2]] * 2, label="phase 0 taps")
    _cells(ax, 2.2, ["k1", "k3"], colors=[PALETTE[3]] * 2, x0=4)
    ax.text(3.5, 2.65, "phase 1 taps", ha="right", va="center")
    _cells(ax, 1.0, ["e0", "e1", "e2"], colors=[PALETTE[2]] * 3, label="even outputs")
    _cells(ax, 1.0, ["o0", "o1", "o2"], colors=[PALETTE[3]] * 3, x0=4)
    _cells(ax, -0.2, ["e0", "o0", "e1", "o1", "e2", "o2"],
           colors=[PALETTE[2], PALETTE[3]] * 3, label="interleaved y")
    _frame(ax, 10, 3.4)
    fig.tight_layout()


def depth_to_space_diagram():
    """CRD depth_to_space with block 2: four channels become one 2x larger."""
    x = np.arange(4 * 2 * 2).reshape(4, 2, 2)
    y = imgconv.depth_to_space(x, 2)
    fig, axes = plt.subplots(1, 5, figsize=(8.5, 2.2),
                             gridspec_kw={"width_ratios": [1, 1, 1, 1, 2.2]})
    for c in range(4):
        axes[c].imshow(np.full((2, 2), c), cmap="tab10", vmin=0, vmax=9, alpha=0.55)
        for (i, j), value in np.ndenumerate(x[c]):
            axes[c].text(j, i, value, ha="center", va="center")
        axes[c].set_title(f"channel {c}", fontsize=9)
    axes[4].imshow(np.tile([[0, 1], [2, 3]], (2, 2)), cmap="tab10", vmin=0, vmax=9, alpha=0.55)
    for (i, j), value in np.ndenumerate(y[0]):
        axes[4].text(j, i, value, ha="center", va="center")
    axes[4].set_title("depth_to_space(x, 2)", fontsize=9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()


def space_to_batch_diagram():
    """space_to_batch with block 2: a dilation-2 conv becomes four dense ones."""
    x = np.arange(36).reshape(1, 1, 6, 6)
    phases = imgconv.space_to_batch(x, 2)
    fig, axes = plt.subplots(1, 5, figsize=(8.5, 2.4),
                             gridspec_kw={"width_ratios": [2, 1, 1, 1, 1]})
    phase_of = (np.arange(6)[:, None] % 2) * 2 + np.arange(6)[None, :] % 2
    axes[0].imshow(phase_of, cmap="tab10", vmin=0, vmax=9, alpha=0.55)
    for (i, j), value in np.ndenumerate(x[0, 0]):
        axes[0].text(j, i, value, ha="center", va="center", fontsize=8)
    axes[0].add_patch(Rectangle((-0.5, -0.5), 5, 5, fill=False, lw=2, ls="--"))
    axes[0].set_title("3x3 taps, dilation 2 (dashed)", fontsize=9)
    for b in range(4):
        axes[b + 1].imshow(np.full((3, 3), b), cmap="tab10", vmin=0, vmax=9, alpha=0.55)
        for (i, j), value in np.ndenumerate(phases[b, 0]):
            axes[b + 1].text(j, i, value, ha="center", va="center", fontsize=8)
        axes[b + 1].set_title(f"batch {b}: dense 3x3", fontsize=9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()


def bilinear_kernels():
    """The bilinear upsampling kernels of factors 2, 3 and 4."""
    fig, axes = plt.subplots(1, 4, figsize=(8.5, 2.0), sharey=True)
    for ax, factor in zip(axes[:3], (2, 3, 4)):
        k = imgconv.bilinear_kernel((1, factor))[0]      # the 1-D profile
        ax.stem(np.arange(k.size), k)
        ax.set_title(f"factor {factor}: size {k.size}", fontsize=9)
    k = imgconv.bilinear_kernel((1, 3), align_corners=True)[0]
    axes[3].stem(np.arange(k.size), k)
    axes[3].set_title("factor 3, align_corners=True", fontsize=9)
    fig.tight_layout()


def deconvolution_border():
    """The classic deconvolution edge bug, and the one-pixel extension that fixes it."""
    ones = np.ones((1, 1, 6, 6))
    k = imgconv.bilinear_kernel(2)[None, None]
    naive = imgconv.conv_transpose2d(ones, k, stride=2, padding=1)[0, 0]
    extended = imgconv.upscale(ones[0, 0], 2, mode="edge")
    fig, axes = plt.subplots(1, 2, figsize=(6.5, 3))
    for ax, image, title in ((axes[0], naive, "zero padding: dark border"),
                             (axes[1], extended, "one-pixel extension: exact")):
        ax.imshow(image, cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"{title}\ncorner {image[0, 0]:.4f}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()


def checkerboard():
    """Stride-2 transposed convolutions of a constant image (Odena et al. 2016)."""
    flat = np.ones((1, 1, 8, 8))
    fig, axes = plt.subplots(1, 2, figsize=(6.5, 3))
    for ax, size in zip(axes, (3, 4)):
        out = imgconv.conv_transpose2d(flat, np.ones((1, 1, size, size)), stride=2)[0, 0]
        inner = out[size:-size, size:-size]
        ax.imshow(inner, cmap="gray")
        ax.set_title(f"kernel {size}x{size}, stride 2\nvalues {inner.min():g} to {inner.max():g}",
                     fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()


def upscale_methods():
    """A crop of scikit-image's astronaut enlarged 4x by each method."""
    from skimage import data
    from skimage.transform import rescale

    image = data.astronaut()[90:154, 180:244]
    nearest = imgconv.upscale(image, 4, order=0, channel_axis=-1)
    bilinear = imgconv.upscale(image, 4, channel_axis=-1)
    reference = rescale(image, 4, order=1, channel_axis=-1)
    difference = np.abs(bilinear - reference).max(axis=-1)
    fig, axes = plt.subplots(1, 4, figsize=(9, 2.6))
    panels = [(image, "input 64x64"), (nearest, "upscale order=0"),
              (bilinear, "upscale order=1"),
              (difference, f"|imgconv - skimage|, max {difference.max():.0e}")]
    for ax, (picture, title) in zip(axes, panels):
        ax.imshow(picture, cmap="magma" if picture.ndim == 2 else None,
                  interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()


def receptive_field():
    """An impulse through the basic context module: its 67x67 receptive field."""
    module = imgconv.ContextModule(1, kind="basic")
    rng = np.random.default_rng(0)
    module.weights = [np.abs(rng.standard_normal(w.shape)) for w in module.weights]
    impulse = np.zeros((1, 1, 91, 91))
    impulse[0, 0, 45, 45] = 1
    # the adjoint question "which inputs reach the centre?" is answered by the
    # same stack for these symmetric, non-negative weights
    response = module.forward(impulse)[0, 0]
    support = response > 0
    rows = np.flatnonzero(support.any(axis=1))
    fig, axes = plt.subplots(1, 2, figsize=(6.5, 3))
    axes[0].imshow(np.log10(response + 1e-12), cmap="viridis", vmin=-6)
    axes[0].set_title("log10 response to an impulse", fontsize=9)
    axes[1].imshow(support, cmap="gray")
    axes[1].set_title(f"support: {rows[-1] - rows[0] + 1} pixels across", fontsize=9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()


def starlet_planes():
    """Starlet (à trous wavelet) planes of scikit-image's camera."""
    from skimage import data

    image = data.camera()[::2, ::2] / 255.0
    planes = imgconv.starlet(image, 4)
    fig, axes = plt.subplots(1, 6, figsize=(10, 2.2))
    axes[0].imshow(image, cmap="gray")
    axes[0].set_title("image", fontsize=9)
    for j, ax in enumerate(axes[1:]):
        plane = planes[j]
        scale = np.abs(plane).max() if j < len(planes) - 1 else None
        ax.imshow(plane, cmap="gray" if scale is None else "RdBu_r",
                  vmin=None if scale is None else -scale, vmax=scale)
        ax.set_title(f"w{j + 1} (dilation {2 ** j})" if j < len(planes) - 1 else "coarse c4",
                     fontsize=9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()


def feature_maps():
    """A few of the multi-scale features of scikit-image's coins."""
    from skimage import data

    image = data.coins()[::2, ::2]
    features = imgconv.multiscale_features(image, n_scales=4)
    picks = [0, features.shape[-1] // 4, features.shape[-1] // 2, features.shape[-1] - 1]
    fig, axes = plt.subplots(1, 5, figsize=(10, 2.2))
    axes[0].imshow(image, cmap="gray")
    axes[0].set_title("image", fontsize=9)
    for ax, index in zip(axes[1:], picks):
        ax.imshow(features[..., index], cmap="magma")
        ax.set_title(f"feature {index}", fontsize=9)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()


def performance():
    """Speed-up of imgconv over each anchor, from docs/performance.csv."""
    with open(HERE / "performance.csv", newline="") as f:
        rows = list(csv.reader(f))[1:]
    labels = [f"{group} vs {anchor}" for group, anchor, *_ in rows]
    speedups = [float(r[4]) for r in rows]
    fig, ax = plt.subplots(figsize=(8.5, 0.28 * len(rows) + 0.8))
    y = np.arange(len(rows))
    ax.barh(y, speedups, color=[PALETTE[0] if s >= 1 else PALETTE[3] for s in speedups])
    ax.axvline(1, color="0.3", lw=1)
    ax.set_xscale("log")
    ax.set_yticks(y, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("anchor time / imgconv time (log scale; > 1: imgconv faster)")
    fig.tight_layout()


def spline_orders():
    """A crop of the camera enlarged 6x by every spline order, and imgconv's
    largest difference from scikit-image's own result."""
    from skimage import data
    from skimage.transform import rescale

    image = data.camera()[200:232, 230:262] / 255.0
    fig, axes = plt.subplots(1, 7, figsize=(10, 1.9))
    axes[0].imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    axes[0].set_title("input 32x32", fontsize=8)
    for ax, order in zip(axes[1:], range(6)):
        ours = imgconv.upscale(image, 6, order=order)
        worst = np.abs(ours - rescale(image, 6, order=order)).max()
        ax.imshow(ours, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(f"order {order}\nvs skimage {worst:.0e}", fontsize=8)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()


def same_resize_everywhere():
    """One photo shrunk 4x and a crop enlarged 4x by the rule of each
    library, and each result's difference from scikit-image's order 1."""
    from skimage import data

    photo = data.astronaut()[:, :, 1]                        # uint8 (512, 512)
    crop = photo[170:202, 200:232]
    rules = [
        ("skimage order 1", lambda x, s: imgconv.resize(x, s, order=1, preserve_dtype=True)),
        ("skimage order 3", lambda x, s: imgconv.resize(x, s, order=3, preserve_dtype=True)),
        ("Pillow bicubic", lambda x, s: imgconv.resize(x, s, filter="bicubic",
                                                       preserve_dtype=True)),
        ("Pillow lanczos", lambda x, s: imgconv.resize(x, s, filter="lanczos",
                                                       preserve_dtype=True)),
        ("torch bilinear", lambda x, s: imgconv.interpolate(x[None, None], size=s,
                                                            mode="bilinear")[0, 0]),
        ("torch bilinear, antialias", lambda x, s: imgconv.interpolate(
            x[None, None], size=s, mode="bilinear", antialias=True)[0, 0]),
    ]
    fig, axes = plt.subplots(4, len(rules), figsize=(11, 7.6))
    for row, (source, size) in enumerate(((photo, (128, 128)), (crop, (128, 128)))):
        base = rules[0][1](source, size).astype(float)
        for col, (name, rule) in enumerate(rules):
            result = rule(source, size)
            ax, diff_ax = axes[2 * row, col], axes[2 * row + 1, col]
            ax.imshow(result, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
            ax.set_title(name if row == 0 else "", fontsize=8)
            difference = result.astype(float) - base
            diff_ax.imshow(difference, cmap="RdBu", vmin=-40, vmax=40,
                           interpolation="nearest")
            diff_ax.set_title(f"- skimage order 1: max {np.abs(difference).max():.0f}",
                              fontsize=7)
        axes[2 * row, 0].set_ylabel("shrunk 4x" if row == 0 else "enlarged 4x", fontsize=8)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
