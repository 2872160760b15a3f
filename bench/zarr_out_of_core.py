"""Upscale a zarr array larger than a worker's memory on a local cluster.

    python bench/zarr_out_of_core.py --size 16384 --memory-limit 1GiB

Writes a random float32 image of ``size`` x ``size`` to a zarr store in
chunks, starts a ``dask.distributed`` LocalCluster of 2 worker processes
with a memory limit each, reads the store, upscales it by 2 with
:func:`imgconv.upscale` and writes the result to another zarr store, then
prints the time, the peak memory of the workers (sampled every 50 ms) and
the largest difference from the NumPy result on sampled tiles (each tile
recomputed with NumPy from its input region plus a margin).

Needs ``pip install imgconv[zarr]``.
"""
import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


def _write_input(path, size, chunk, seed):
    import zarr

    array = zarr.create_array(path, shape=(size, size), chunks=(chunk, chunk),
                              dtype=np.float32)
    rng = np.random.default_rng(seed)
    for r in range(0, size, chunk):
        array[r:r + chunk] = rng.random((min(chunk, size - r), size), dtype=np.float32)
    return array


def _sampled_difference(source, result, tiles, margin, rng):
    """Largest |dask - NumPy| over random 512^2 output tiles, each computed
    with NumPy from its input region plus ``margin`` input pixels (the
    bilinear taps reach one pixel: the tile is exact away from the image's
    own border, and at it the region's border is the image's)."""
    import imgconv

    n = source.shape[0]
    worst = 0.0
    for _ in range(tiles):
        r, c = (int(v) for v in rng.integers(0, n - 256, 2))
        r0, c0 = max(r - margin, 0), max(c - margin, 0)
        r1, c1 = min(r + 256 + margin, n), min(c + 256 + margin, n)
        region = imgconv.upscale(source[r0:r1, c0:c1], 2)
        tile = region[2 * (r - r0):2 * (r - r0) + 512, 2 * (c - c0):2 * (c - c0) + 512]
        expected = result[2 * r:2 * r + 512, 2 * c:2 * c + 512]
        worst = max(worst, float(np.abs(tile - expected).max()))
    return worst


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=16384)
    parser.add_argument("--chunk", type=int, default=2048)
    parser.add_argument("--memory-limit", default="1GiB")
    parser.add_argument("--tiles", type=int, default=16)
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args(argv)

    import dask.array as da
    import distributed
    import zarr
    from distributed.diagnostics import MemorySampler

    import imgconv

    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        source_path, out_path = Path(tmp, "in.zarr"), Path(tmp, "out.zarr")
        _write_input(source_path, args.size, args.chunk, seed=0)
        gib = args.size**2 * 4 / 2**30
        print(f"input {args.size}^2 float32 ({gib:.2f} GiB), output {4 * gib:.2f} GiB, "
              f"2 workers of {args.memory_limit}")
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      memory_limit=args.memory_limit,
                                      dashboard_address=None) as cluster, \
                distributed.Client(cluster) as client:
            sampler = MemorySampler()
            # the whole result is larger than the default bound on one array:
            # here it is never held at once
            lazy = imgconv.upscale(da.from_zarr(str(source_path)), 2,
                                   max_pixels=4 * args.size ** 2)
            start = time.perf_counter()
            with sampler.sample("upscale", client=client, measure="process", interval=0.05):
                da.to_zarr(lazy, str(out_path))
            elapsed = time.perf_counter() - start
        # samples: (time, bytes) pairs of the workers' memory together
        peak = max(value for _, value in sampler.samples["upscale"]) / 2**30
        print(f"time {elapsed:.1f} s; peak memory of the workers together {peak:.2f} GiB")
        source = zarr.open_array(source_path, mode="r")
        result = zarr.open_array(out_path, mode="r")
        worst = _sampled_difference(source, result, args.tiles, 64,
                                    np.random.default_rng(1))
        print(f"largest difference from NumPy on {args.tiles} sampled 512^2 tiles: {worst}")


if __name__ == "__main__":
    main()
