"""Benchmark: memory and time of a long recording (issue 18). A synthetic
uint16 TIFF of FRAMES x 128 x 128 (a slow field plus noise) is loaded, and
fitted for one epoch, by `lariat run`, each in its own process under GNU
time; prints peak RSS beside the movie's size as float32 (the contract's
unit: DESIGN.md "Real recordings") and the seconds of the fit. Timings and
sizes are printed, never asserted.

Targets (issue 18): eager peak <= 2x the float32 movie + 256 MiB; lazy
(`load(path, lazy=true)`) <= half of it + 300 MiB; a lazy epoch no more
than 1.3x the eager one. The fit's seconds are the run's minus the same
load's alone (so they include the final VAR and the held-out scores). The
TIFF was just written, so lazy reads come from the page cache (warm).

Usage: .venv/bin/python bench/recordings/memory.py [--frames 20000] [--size 128] [--work DIR]
Needs a release build (or LARIAT_BIN).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import sys, numpy as np, tifffile
path, frames, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(0)
yy, xx = np.mgrid[0:size, 0:size]
base = 800 + 400 * np.exp(-((yy - size / 2) ** 2 + (xx - size / 3) ** 2) / (size * 2.0))
def frames_():
    for t in range(frames):
        yield (base * (1 + 0.2 * np.sin(t / 50)) + rng.normal(0, 30, (size, size))).clip(0, 65535).astype(np.uint16)
tifffile.imwrite(path, frames_(), shape=(frames, size, size), dtype=np.uint16)
"""


def timed(script: str, cwd: Path, lariat: str) -> tuple[float, float]:
    (cwd / "job.lariat").write_text(script)
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "maxrss %M", lariat, "run", "job.lariat"], cwd=cwd,
                       capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"lariat failed ({p.returncode}):\n{p.stderr[-2000:]}")
    return seconds, int(p.stderr.strip().splitlines()[-1].split()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=20000)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    lariat = os.environ.get("LARIAT_BIN", str(ROOT / ".build/release/lariat"))
    work = args.work or Path(tempfile.mkdtemp(prefix="lariat-memory-"))
    work.mkdir(parents=True, exist_ok=True)
    movie = work / f"rec{args.frames}.tif"
    if not movie.exists():
        subprocess.run([sys.executable, "-c", WRITER, str(movie), str(args.frames), str(args.size)], check=True)
    f32 = args.frames * args.size * args.size * 4 / 2**20
    print(f"CPU: {cpu()}")
    print(f"movie: {args.frames} x {args.size} x {args.size} uint16, {movie.stat().st_size / 2**20:.0f} MiB on disk, "
          f"{f32:.0f} MiB as float32")
    print("| step | seconds | peak RSS MiB | peak / float32 movie | target | met |")
    print("|---|---|---|---|---|---|")
    eager_target, lazy_target = 2 * f32 + 256, f32 / 2 + 300
    rows = [("process alone", *timed("x = 1\n", work, lariat), None)]
    fit_seconds = {}
    for mode, target in (("eager", eager_target), ("lazy", lazy_target)):
        flag = ", lazy=true" if mode == "lazy" else ""
        load_s, load_rss = timed(f'm = load("{movie.name}"{flag})\nprint(m)\n', work, lariat)
        fit_s, fit_rss = timed(f'm = fit(load("{movie.name}"{flag}), epochs=1, seed=0)\nprint(m.scores)\n', work, lariat)
        fit_seconds[mode] = fit_s - load_s
        rows += [(f"load ({mode})", load_s, load_rss, target), (f"load + fit, 1 epoch ({mode})", fit_s, fit_rss, target)]
    for name, s, rss, target in rows:
        t = f"{target:.0f} MiB" if target else "-"
        met = "-" if target is None else ("yes" if rss <= target else "no")
        print(f"| {name} | {s:.1f} | {rss:.0f} | {rss / f32:.2f} | {t} | {met} |")
    ratio = fit_seconds["lazy"] / fit_seconds["eager"]
    print(f"\nfit seconds (run minus its load): eager {fit_seconds['eager']:.1f}, lazy {fit_seconds['lazy']:.1f}: "
          f"lazy / eager = {ratio:.2f} (target <= 1.3: {'met' if ratio <= 1.3 else 'not met'})")


def cpu() -> str:
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name"):
                return line.split(":", 1)[1].strip() + f", {os.cpu_count()} cores"
    except OSError:
        pass
    return "unknown"


if __name__ == "__main__":
    main()
