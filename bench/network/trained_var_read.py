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
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model_cells import run, saved_models_args  # noqa: E402
from model_parts import aucs  # noqa: E402

READS = {"model": '"model"', "bic": '"bic"', "least_squares": "0"}
MODES = ("two_stage", "joint")


def main():
    a = saved_models_args(__doc__)
    res = {}
    for s in a.seeds:
        d = os.path.join(a.work, f"unit{s}")
        script = f"sim = simulate({a.sim(s)})\n"
        for mode in MODES:
            script += f'm = load("parts_{mode}.lariatmodel")\n'
            for name, value in READS.items():
                script += (f'save(network(m, sim.movie, masks=sim.footprints, read="latents", lambda={value}).matrix, '
                           f'"trained_{mode}_{name}.npy")\n')
        run(a.lariat, script, d, "trained_var_read.lariat")
        truth = np.load(os.path.join(d, "truth.npy"))
        for mode in MODES:
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
