"""The network read through each model's own trained sparse VAR (encoder,
VAR, decoder: `network(m, movie, masks=, read="latents", lambda=...)`), on
the models model_cells.py saved (WORK/unitS/parts_{two_stage,joint}.lariatmodel).

    .venv/bin/python bench/network/model_cells.py --lariat .build/release/lariat --work /tmp/model-cells-r03-6000 \\
        --rate 0.3 --frames 6000 --decoders parts
    .venv/bin/python bench/network/trained_var_read.py --lariat .build/release/lariat --work /tmp/model-cells-r03-6000 \\
        --rate 0.3 --frames 6000

`lambda="model"` is the model's own VAR (for a joint model the one trained
through the lasso; for a two-stage model the one fitted on its frozen
latents), `"bic"` the VAR refitted at BIC's penalty (`read="latents"`'s
default), `0` least squares. Prints driver / edge AUC means (seeds 1..8,
9..16, all) as model_cells.py scores them.
"""
import argparse
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model_parts import aucs  # noqa: E402

READS = {"model": '"model"', "bic": '"bic"', "least_squares": "0"}


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
    res = {}
    for s in a.seeds:
        d = os.path.join(a.work, f"unit{s}")
        script = f"sim = simulate(neurons=10, frames={a.frames}, size=40, seed={s}{extra})\n"
        for mode in ("two_stage", "joint"):
            script += f'm = load("parts_{mode}.lariatmodel")\n'
            for name, value in READS.items():
                script += (f'save(network(m, sim.movie, masks=sim.footprints, read="latents", lambda={value}).matrix, '
                           f'"trained_{mode}_{name}.npy")\n')
        with open(os.path.join(d, "trained_var_read.lariat"), "w") as f:
            f.write(script)
        r = subprocess.run([lariat, "run", "trained_var_read.lariat"], cwd=d, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"{d}: {r.stderr[-2000:]}")
        truth = np.load(os.path.join(d, "truth.npy"))
        for mode in ("two_stage", "joint"):
            for name in READS:
                res.setdefault(f"{mode}.{name}", []).append(aucs(truth, np.load(os.path.join(d, f"trained_{mode}_{name}.npy"))))
    sets = [[i for i, s in enumerate(a.seeds) if s <= 8], [i for i, s in enumerate(a.seeds) if s > 8], list(range(len(a.seeds)))]
    print("| read | seeds 1..8 | seeds 9..16 | all |")
    print("|---|---|---|---|")
    for k, v in res.items():
        v = np.array(v)
        print(f"| {k} | " + " | ".join(f"{v[g, 0].mean():.2f} / {v[g, 1].mean():.2f}" if g else "-" for g in sets) + " |")


if __name__ == "__main__":
    main()
