#!/usr/bin/env python3
"""Write the small example recordings that notebooks/3-your-own-data.ipynb
loads, into notebooks/data/ (not committed; scripts/notebooks and
Tests/python/test_notebooks.py run this first).

One synthetic movie (T x H x W: a few Gaussian cells with calcium transients
on a textured background, shot noise) is written in every format the
notebook shows, exactly as the usual tools write them:
- data/scanimage.tif          uint16 multi-page TIFF (tifffile, as ScanImage)
- data/recording.h5           HDF5, dataset "mov" (h5py), uint16
- data/suite2p/plane0/data.bin  suite2p's registered movie: raw int16, no header
- data/suite2p/plane0/F.npy   suite2p's fluorescence traces, neurons x frames

Usage: python notebooks/make_example_data.py [--frames T] [--size S]
Needs numpy, tifffile and h5py (all in requirements-test.txt).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import h5py
import numpy as np
import tifffile

HERE = Path(__file__).resolve().parent


def synthetic_movie(frames: int, size: int, neurons: int, seed: int = 0):
    """Cells, their calcium traces and the uint16 movie they make."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    centres = rng.uniform(6, size - 6, size=(neurons, 2))
    footprints = np.exp(-((yy - centres[:, :1, None]) ** 2 + (xx - centres[:, 1:, None]) ** 2) / (2 * 2.0**2))
    spikes = rng.poisson(0.04, size=(frames, neurons)).astype(float)
    calcium = np.zeros_like(spikes)
    for t in range(frames):  # AR(1) calcium kernel, decay 0.92 per frame
        calcium[t] = (0.92 * calcium[t - 1] if t else 0) + spikes[t]
    background = 300 + 80 * np.sin(xx / 5.0) * np.cos(yy / 7.0)
    signal = background + 400 * np.einsum("tn,nyx->tyx", calcium, footprints)
    movie = rng.poisson(np.clip(signal, 0, None)).astype(np.uint16)
    F = 300 + 400 * calcium.T + rng.normal(0, 15, size=calcium.T.shape)  # suite2p-like F: neurons x frames
    return movie, F.astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=400)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--neurons", type=int, default=10)
    parser.add_argument("--out", type=Path, default=HERE / "data")
    a = parser.parse_args()

    movie, F = synthetic_movie(a.frames, a.size, a.neurons)
    a.out.mkdir(parents=True, exist_ok=True)
    tifffile.imwrite(a.out / "scanimage.tif", movie)  # one page per frame
    with h5py.File(a.out / "recording.h5", "w") as f:
        f.create_dataset("mov", data=movie, chunks=(1, a.size, a.size))
    plane = a.out / "suite2p" / "plane0"
    plane.mkdir(parents=True, exist_ok=True)
    movie.astype(np.int16).tofile(plane / "data.bin")  # suite2p: int16, C order, T x Ly x Lx
    np.save(plane / "F.npy", F)
    print(f"wrote {a.frames} frames of {a.size}x{a.size} into {a.out}")


if __name__ == "__main__":
    main()
