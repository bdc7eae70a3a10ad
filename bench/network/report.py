#!/usr/bin/env python3
"""Markdown tables for docs/network.md from classical.py's results.json
files: per readout and VAR choice, joint beside two-stage (mean driver /
edge AUC over the units), the classical columns as reference rows, the
per-unit table, and the model's scores and latent-trace R2 per unit.

Usage: .venv/bin/python bench/network/report.py RESULTS.json [RESULTS.json ...]
"""
import json
import sys

import numpy as np

READOUTS = [("W", "`.matrix` = M L^-1"), ("minusI", "M - L"), ("M", "M (`.prediction`)"),
            ("ridge", "M L'(L L' + 0.1 I)^-1"), ("map", "`drivers(m, movie).map`")]
VARS = [("own", "own lasso VAR"), ("l0", "`lambda=0`")]
MODES = [("model_joint", "joint"), ("model_two_stage", "two-stage")]
CLASSICAL = [("calcium", "calcium (true traces: the ceiling)"), ("oracle", "oracle (footprint traces + LassoLarsIC)"),
             ("nmf", "NMF cells + LassoLarsIC"), ("var", "Lariat `var(traces(...), lambda=\"bic\")`")]


def f(x):
    return "-" if x != x else f"{x:.2f}"


def mean(units, col, key):
    xs = [u[col][key] for u in units.values() if col in u and u[col][key] == u[col][key]]
    return float(np.mean(xs)) if xs else float("nan")


def pair(units, col):
    return f"{f(mean(units, col, 'driver_auc'))} / {f(mean(units, col, 'edge_auc'))}"


def summary(r):
    u = r["units"]
    o = r["options"]
    seeds = ", ".join(s for s in map(str, o["seeds"]) if s in u)
    rate = o["rate"] if o["rate"] is not None else 0.08
    out = [f"Seeds {seeds}; rate {rate}; mean driver / edge AUC over {len(u)} units "
           f"(the map has no edge AUC).", "",
           "| readout | VAR | joint | two-stage |", "|---|---|---|---|"]
    for v, vname in VARS:
        for rd, rname in READOUTS:
            out.append(f"| {rname} | {vname} | " + " | ".join(pair(u, f"{m}.{v}.{rd}") for m, _ in MODES) + " |")
    out.append("| lasso on traces decoded from the latents (diagnostic) | BIC | " +
               " | ".join(pair(u, f"{m}.latent_traces") for m, _ in MODES) + " |")
    for c, name in CLASSICAL:
        out.append(f"| {name} | BIC | {pair(u, c)} | |")
    return "\n".join(out)


def per_unit(r):
    u = r["units"]
    seeds = [s for s in r["options"]["seeds"] if str(s) in u]
    cols = r["columns"]
    out = ["| column | " + " | ".join(str(s) for s in seeds) + " | mean |", "|---|" + "---|" * (len(seeds) + 1),
           "| drivers / links | " + " | ".join(f"{u[str(s)]['drivers']} / {u[str(s)]['links']}" for s in seeds) + " | |"]
    for c in cols:
        out.append(f"| {c} | " + " | ".join(f"{f(u[str(s)][c]['driver_auc'])} / {f(u[str(s)][c]['edge_auc'])}"
                                           for s in seeds) + f" | {pair(u, c)} |")
    return "\n".join(out)


def model_scores(r):
    u = r["units"]
    seeds = [s for s in r["options"]["seeds"] if str(s) in u]
    out = ["| unit | joint: dynamics_gain | joint: cells with R2 >= 0.9 (min R2) | joint: cond(L) | "
           "two-stage: dynamics_gain | two-stage: cells with R2 >= 0.9 (min R2) | two-stage: cond(L) |",
           "|---|---|---|---|---|---|---|"]
    for s in seeds:
        row = [str(s)]
        for m, _ in MODES:
            sc = u[str(s)][f"{m}.own.W"].get("scores", {})
            r2 = u[str(s)][f"{m}.latent_traces"]["r2"]
            row += [f"{sc.get('dynamics_gain', float('nan')):.3f}",
                    f"{sum(x >= 0.9 for x in r2)} / {len(r2)} ({min(r2):.2f})",
                    f"{u[str(s)][f'{m}.own.W']['cond_L']:.0f}"]
        out.append("| " + " | ".join(row) + " |")
    return "\n".join(out)


def main():
    for path in sys.argv[1:]:
        r = json.load(open(path))
        print(f"### {path}{'' if r.get('complete') else ' (INCOMPLETE)'} ({r['seconds']:.0f} s)\n")
        print(summary(r), "\n")
        print(model_scores(r), "\n")
        print(per_unit(r), "\n")


if __name__ == "__main__":
    main()
