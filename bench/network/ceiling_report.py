#!/usr/bin/env python3
"""Tables of bench/network/RESEARCH.md section 5 from ceiling.py's JSONs.

  .venv/bin/python bench/network/ceiling_report.py /tmp/ceiling/ceiling_1-2-3-4-5-6-7-8.json \
      /tmp/ceiling/ceiling_9-10-11-12-13-14-15-16.json [--quick /tmp/ceiling/quick_1-8.json]
"""
import argparse
import json

import numpy as np

ROWS = [
    ("drive|lag1|bic", "true drive (the VAR state), lag 1, BIC"),
    ("calcium|lag1|bic", "true calcium, lag 1, BIC"),
    ("spikes|lag1|bic", "true spikes, lag 1, BIC"),
    ("spikes~ema0.8(spikes)|innov|poisson", "true spikes_t on ema0.8(spikes)_{t-1}, Poisson GLM |z|"),
    ("F|lag1|bic", "**oracle: F (mask traces), lag 1, BIC** (classical.py)"),
    ("F|lag1|aic", "F, lag 1, AIC"),
    ("F|lag1|ols", "F, lag 1, least squares |coef|"),
    ("F|lag1|olst", "F, lag 1, least squares |t|"),
    ("Fd|lag1|bic", "F / running 20th percentile - 1 (dF/F), lag 1, BIC"),
    ("ar1(F)|lag1|bic", "AR(1) innovation of dF/F (g per cell), lag 1, BIC"),
    ("ar1(F)|lag1|ols", "AR(1) innovation, lag 1, least squares"),
    ("oasis.S|lag1|bic", "OASIS spikes, lag 1, BIC"),
    ("oasis.C|lag1|bic", "OASIS denoised calcium, lag 1, BIC"),
    ("oasis.S~oasis.C|innov|bic", "OASIS spikes_t on OASIS calcium_{t-1}, BIC"),
    ("oasis.S~ema0.8(oasis.S)|innov|olst", "OASIS spikes_t on ema0.8(OASIS spikes)_{t-1}, least squares |t|"),
    ("ar1(F,0.95)~Fd|innov|bic", "innovation (g = 0.95)_t on dF/F_{t-1}, BIC"),
    ("ar1(F)~ema0.8(ar1(F))|innov|bic", "innovation_t on ema0.8(innovation)_{t-1}, BIC"),
    ("ar1(F)~ema0.8(ar1(F))|innov|aic", "innovation_t on ema0.8(innovation)_{t-1}, AIC"),
    ("ar1(F)~ema0.8(ar1(F))|innov|ols", "**innovation_t on ema0.8(innovation)_{t-1}, least squares |coef|**"),
    ("ar1(F)~ema0.8(ar1(F))|innov|olst", "innovation_t on ema0.8(innovation)_{t-1}, least squares |t|"),
    ("spikes|lags10|bic", "true spikes, lags 1..10 (sum of |coef|), BIC"),
    ("ar1(F)|lags10|ols", "AR(1) innovation, lags 1..10, least squares"),
]
PER_UNIT = ["F|lag1|bic", "F|lag1|ols", "ar1(F)~ema0.8(ar1(F))|innov|ols", "ar1(F)~ema0.8(ar1(F))|innov|aic",
            "spikes~ema0.8(spikes)|innov|poisson"]


def mean(res, seeds, name, key):
    v = [res[s][name][key] for s in seeds if name in res[s]]
    return np.nanmean(v) if len(v) == len(seeds) else float("nan")


def f2(x):
    return "-" if x != x else f"{x:.2f}"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("jsons", nargs="+")
    p.add_argument("--quick", default=None)
    a = p.parse_args()
    runs = [json.load(open(j)) for j in a.jsons]
    variants = list(runs[0]["variants"])
    for v in variants:
        sets = [(r["seeds"], r["variants"][v]) for r in runs if v in r["variants"]]
        labels = [f"seeds {s[0]}..{s[-1]}" for s, _ in sets]
        print(f"\n#### {v}: mean driver / edge AUC; edge AUC with the diagonal (self links) counted\n")
        print("| pipeline | " + " | ".join(f"{lab}: driver / edge | {lab}: edge incl. diagonal" for lab in labels) + " |")
        print("|---|" + "---|---|" * len(sets))
        for name, label in ROWS:
            cells = []
            for seeds, res in sets:
                seeds = [str(s) for s in seeds]
                cells.append(f"{f2(mean(res, seeds, name, 'driver_auc'))} / {f2(mean(res, seeds, name, 'edge_auc'))} | "
                             f"{f2(mean(res, seeds, name, 'edge_auc_diag'))}")
            print(f"| {label} | " + " | ".join(cells) + " |")
        for seeds, res in sets:
            seeds = [str(s) for s in seeds]
            print(f"\nPer unit ({v}, seeds {seeds[0]}..{seeds[-1]}), driver / edge AUC:\n")
            print("| pipeline | " + " | ".join(seeds) + " | mean |")
            print("|---|" + "---|" * (len(seeds) + 1))
            for name in PER_UNIT:
                if not all(name in res[s] for s in seeds):
                    continue
                cells = " | ".join(f"{res[s][name]['driver_auc']:.2f} / {res[s][name]['edge_auc']:.2f}" for s in seeds)
                print(f"| {name} | {cells} | {f2(mean(res, seeds, name, 'driver_auc'))} / {f2(mean(res, seeds, name, 'edge_auc'))} |")
            info = [res[s]["_info"] for s in seeds]
            print(f"\n(spikes per cell {np.mean([i['spikes_per_cell'] for i in info]):.0f}; AR(1) g estimated "
                  f"{np.mean([i['ar1_g_mean'] for i in info]):.3f}; corr(AR(1) innovation, true spikes) "
                  f"{np.mean([i['ar1_spike_corr'] for i in info]):.2f}"
                  + (f"; corr(OASIS spikes, true spikes) {np.mean([i['oasis_spike_corr'] for i in info]):.2f}"
                     if all('oasis_spike_corr' in i for i in info) else "") + ")")
    if a.quick:
        q = json.load(open(a.quick))
        seeds = [str(s) for s in q["seeds"]]
        names = ["drive|lag1|bic", "calcium|lag1|bic", "spikes|lag1|bic", "F|lag1|bic", "F|lag1|ols",
                 "ar1(F)~ema0.8(ar1(F))|innov|ols", "ar1(F)~ema0.8(ar1(F))|innov|aic"]
        print(f"\n#### Other simulator settings, seeds {seeds[0]}..{seeds[-1]}: mean driver / edge AUC (edge incl. diagonal)\n")
        print("| pipeline | " + " | ".join(q["variants"]) + " |")
        print("|---|" + "---|" * len(q["variants"]))
        for n in names:
            print(f"| {n} | " + " | ".join(
                f"{f2(mean(r, seeds, n, 'driver_auc'))} / {f2(mean(r, seeds, n, 'edge_auc'))} ({f2(mean(r, seeds, n, 'edge_auc_diag'))})"
                for r in q["variants"].values()) + " |")


if __name__ == "__main__":
    main()
