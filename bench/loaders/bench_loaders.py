"""Benchmark: a 16-bit TIFF of 2000 frames at 512 x 512 (1 GB) loaded with
a 4 x 4 block mean, by `lariat run` (`load(path, downsample=4)`) and by
tifffile + numpy doing the same in Python, each in its own process, in the
same run. Reports wall time, the time ratio, and each process's peak RSS
(GNU time's %M: getrusage of the exec'd process alone, not of the forked
copy of this script) against the size of the result as float32 (Lariat
holds movies at 4 bytes a pixel; 2000 x 128 x 128 = 125 MB; DESIGN.md's
anchor: peak <= 1.5x that). Timings are printed, never asserted.

Usage: .venv/bin/python bench/loaders/bench_loaders.py [--frames 2000] [--size 512] [--repeat 3]
       [--compression zlib]
Needs a release build: swift build -c release --product lariat
(or LARIAT_BIN pointing at a lariat binary).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import tifffile

ROOT = Path(__file__).resolve().parents[2]

# One series of `frames` pages (an iterator of frames keeps memory small).
WRITER = """
import sys, numpy as np, tifffile
path, frames, size, compression = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] or None
rng = np.random.default_rng(0)
base = rng.integers(0, 4096, size=(size, size), dtype=np.uint16)
def frames_():
    for _ in range(frames):
        yield base + rng.integers(0, 256, size=(size, size), dtype=np.uint16)
tifffile.imwrite(path, frames_(), shape=(frames, size, size), dtype=np.uint16, compression=compression)
"""

REFERENCE = """
import sys, numpy as np, tifffile
a = tifffile.imread(sys.argv[1])
t, h, w = a.shape
k = 4
m = a[:, :h // k * k, :w // k * k].reshape(t, h // k, k, w // k, k).mean(axis=(2, 4))
np.save(sys.argv[2], m[:3])
print(m.shape)
"""


def timed(cmd: list[str], cwd: Path) -> tuple[float, float, str]:
    """Runs cmd under /usr/bin/time; returns (seconds, peak RSS in MB, stdout)."""
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "maxrss %M", *cmd], cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({p.returncode}):\n{p.stderr}")
    rss_kb = int(p.stderr.strip().splitlines()[-1].split()[-1])
    return seconds, rss_kb / 1024, p.stdout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=2000)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--compression", default=None, help="e.g. zlib (tifffile writes it without imagecodecs)")
    ap.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "lariat-bench-loaders"))
    args = ap.parse_args()
    lariat = os.environ.get("LARIAT_BIN", str(ROOT / ".build" / "release" / "lariat"))
    if not Path(lariat).exists():
        sys.exit(f"no lariat binary at {lariat}: swift build -c release --product lariat")

    work = Path(args.dir)
    work.mkdir(parents=True, exist_ok=True)
    movie = work / f"movie_{args.frames}x{args.size}{'_' + args.compression if args.compression else ''}.tif"
    if not movie.exists():
        # In a child process, frame by frame, so this script stays small.
        subprocess.run([sys.executable, "-c", WRITER, str(movie), str(args.frames), str(args.size),
                        args.compression or ""], check=True)
    with tifffile.TiffFile(movie) as t:
        assert len(t.pages) == args.frames and len(t.series) == 1, (len(t.pages), len(t.series))
    (work / "bench.lariat").write_text(f'm = load("{movie}", downsample=4)\nsave(m[0:3], "lariat3.npy")\nshape(m)\n')
    (work / "reference.py").write_text(REFERENCE)
    result_mb = args.frames * (args.size // 4) ** 2 * 4 / 2**20

    # Warm the page cache so both read from memory, then alternate runs.
    with open(movie, "rb") as f:
        while f.read(1 << 24):
            pass
    rows = []
    for _ in range(args.repeat):
        rows.append(("lariat", *timed([lariat, "run", "bench.lariat"], work)))
        rows.append(("tifffile+numpy", *timed([sys.executable, "reference.py", str(movie), "ref3.npy"], work)))
    # Lariat keeps numpy's float64 block means rounded to float32.
    same = np.array_equal(np.load(work / "lariat3.npy"), np.load(work / "ref3.npy").astype(np.float32))

    best = {}
    for name, s, rss, _ in rows:
        b = best.get(name)
        best[name] = (min(s, b[0]) if b else s, max(rss, b[1]) if b else rss)
    print(f"movie: {movie} ({movie.stat().st_size / 2**20:.0f} MB, {args.frames} x {args.size} x {args.size} uint16), "
          f"{args.compression or 'uncompressed'}, downsample=4 -> result {result_mb:.0f} MB float32; first frames identical: {same}")
    print(f"{'':16s}{'best s':>8s}{'peak RSS MB':>13s}{'RSS/result':>12s}")
    for name, (s, rss) in best.items():
        print(f"{name:16s}{s:8.2f}{rss:13.0f}{rss / result_mb:12.2f}")
    print(f"time ratio lariat / tifffile+numpy: {best['lariat'][0] / best['tifffile+numpy'][0]:.2f} "
          f"(all runs: {', '.join(f'{n} {s:.2f}s' for n, s, _, _ in rows)})")


if __name__ == "__main__":
    main()
