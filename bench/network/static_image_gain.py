"""`dynamics_gain` with the held-out frames decoded under two static images:
the training frames' mean (what `fit` scores with: `m.scores`) and the
held-out frames' own mean (what `score(m, movie)` uses for any movie).
The simulator's movies drift (bleaching, a slow oscillation), so the
training mean is stale on the last 20% of frames.

    .venv/bin/python bench/network/model_cells.py --lariat .build/release/lariat --work /tmp/mc-default --decoders parts
    .venv/bin/python bench/network/static_image_gain.py --lariat .build/release/lariat --work /tmp/mc-default

Reads the models model_cells.py saved (WORK/unitS/parts_{two_stage,joint}.lariatmodel)
and prints, per mode, how many units have `dynamics_gain` above 1 and the
median, each way.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model_cells import run, saved_models_args  # noqa: E402


def main():
    a = saved_models_args(__doc__)
    held = a.frames - int(round(a.frames * 0.8))
    rows = []
    for s in a.seeds:
        d = os.path.join(a.work, f"unit{s}")
        run(a.lariat, f"sim = simulate({a.sim(s)})\n"
                      'a = load("parts_two_stage.lariatmodel")\nb = load("parts_joint.lariatmodel")\n'
                      f"h = sim.movie[{a.frames - held}:{a.frames}]\n"
                      "save([a.scores.dynamics_gain, score(a, h).dynamics_gain, "
                      'b.scores.dynamics_gain, score(b, h).dynamics_gain], "static_gain.npy")\n', d, "static_gain.lariat")
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
