"""`dynamics_gain` with the held-out frames decoded under two static images:
the training frames' mean (what `fit` scores with: `m.scores`) and the
held-out frames' own mean (what `score(m, movie)` uses for any movie).
The simulator's movies drift (bleaching, a slow oscillation), so the
training mean is stale on the last 20% of frames.

    .venv/bin/python bench/network/model_cells.py --lariat .build/release/lariat --work /tmp/mc-default --decoders parts
    .venv/bin/python bench/model/static_image_gain.py --lariat .build/release/lariat --work /tmp/mc-default

Reads the models model_cells.py saved (WORK/unitS/parts_{two_stage,joint}.lariatmodel)
and prints, per mode, how many units have `dynamics_gain` above 1 and the
median, each way.
"""
import argparse
import os
import subprocess

import numpy as np


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lariat", default=os.environ.get("LARIAT_BIN", ".build/release/lariat"))
    p.add_argument("--work", required=True, help="model_cells.py's --work")
    p.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 17)))
    p.add_argument("--frames", type=int, default=1500)
    p.add_argument("--rate", type=float, default=None)
    a = p.parse_args()
    lariat = os.path.abspath(a.lariat)
    extra = f", rate={a.rate}" if a.rate is not None else ""
    held = a.frames - int(round(a.frames * 0.8))
    rows = []
    for s in a.seeds:
        d = os.path.join(a.work, f"unit{s}")
        script = (f"sim = simulate(neurons=10, frames={a.frames}, size=40, seed={s}{extra})\n"
                  'a = load("parts_two_stage.lariatmodel")\nb = load("parts_joint.lariatmodel")\n'
                  f"h = sim.movie[{a.frames - held}:{a.frames}]\n"
                  "save([a.scores.dynamics_gain, score(a, h).dynamics_gain, "
                  'b.scores.dynamics_gain, score(b, h).dynamics_gain], "static_gain.npy")\n')
        with open(os.path.join(d, "static_gain.lariat"), "w") as f:
            f.write(script)
        r = subprocess.run([lariat, "run", "static_gain.lariat"], cwd=d, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"{d}: {r.stderr[-2000:]}")
        rows.append(np.load(os.path.join(d, "static_gain.npy")))
    A = np.array(rows)
    print("| model | static image | dynamics_gain above 1 | median (range) |")
    print("|---|---|---|---|")
    for k, (mode, static) in enumerate([("two-stage", "training frames' mean (fit)"), ("two-stage", "held-out frames' own mean"),
                                        ("joint", "training frames' mean (fit)"), ("joint", "held-out frames' own mean")]):
        v = A[:, k]
        print(f"| {mode} | {static} | {(v > 1).sum()} of {len(v)} | {np.median(v):.4f} ({v.min():.4f}-{v.max():.4f}) |")


if __name__ == "__main__":
    main()
