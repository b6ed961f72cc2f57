"""Benchmark the what-ifs: threshold sweep, band grid and one replay, side by side in one run.

Run::

    .venv/bin/python benchmarks/simulate.py [--rows 1000000] [--seed 0]

On one seeded synthetic history (``make_history``, about ``--rows`` rows, the
example policy ``policies/consumer-credit.yaml``) it measures, best of 3
after one warm-up:

* one full ``replay`` of the policy (decide, value, every metric by segment,
  checks);
* ``threshold_sweep`` beside scikit-learn's ``roc_curve`` on every row's
  score and true outcome (``drop_intermediate=False``, so it gives a point
  per distinct score), on the shipped history and on the same rows read back
  from CSV: of rule ``low-risk`` over every distinct score among the cases
  the threshold can move (about the row count), and of rule ``high-risk``,
  whose declines the policy's daily rate limit caps (every distinct score
  too, the limit applied exactly at each) — target: each sweep is no slower,
  although it also decides every case with the rest of the policy and values
  it;
* ``band_grid`` of ``low-risk`` × ``high-risk`` on 101 × 101 thresholds with
  a review capacity (the decline rate limit applied exactly at each of the
  decline thresholds) — target: under 10 replays' time.

It then times ``policy.apply`` and ``replay`` side by side on two histories
holding the same rows: the shipped one (text as categoricals) and the same
history written to CSV and read back with ``pandas.read_csv``'s default dtypes
(text as pandas' default string dtype, as a team's own history arrives) —
target: a replay within 3 ``policy.apply`` times on each. Beside them, the
floor any replay pays on that history: ``pandas.factorize`` of each text
column it reads, once.

Sampled rows of both sweeps and grid cells are checked against full replays
with those thresholds, and each sweep of the CSV history against the same
sweep of the shipped one; the exit code is non-zero only if any differ.
Timings are a report: shared machines are noisy, so read the ratios.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_curve

import trustlab
from trustlab.datasets import make_history
from trustlab.simulate import band_grid, replay, threshold_sweep
from trustlab.simulate import with_threshold
from _timing import best_of, read_back_from_csv  # noqa: E402  (beside this file)

REPO = Path(__file__).resolve().parents[1]
POLICY = REPO / "policies" / "consumer-credit.yaml"
CAPACITY = 2_000  # reviews per day at ~2,740 applications a day
SWEPT = ("low-risk", "high-risk")  # approve rule; decline rule under the daily rate limit


def check_against_replays(policy, data, sweeps, grid) -> list[str]:
    """Sampled rows of each sweep (``{rule: SweepResult}``) and grid cells replayed in full;
    the mismatches in words."""
    bad = []
    rng = np.random.default_rng(0)
    for rule, sweep in sweeps.items():
        f = sweep.frame
        for k in rng.choice(len(f), 3, replace=False):
            t = float(f["threshold"].iloc[k])
            r = replay(with_threshold(policy, rule, t), data)
            for m in ("value_total", "automation_rate", "bad_rate_favourable"):
                if not np.isclose(r.metric(m), f[m].iloc[k], rtol=1e-12):
                    bad.append(f"sweep of {rule} at {t} {m}: {f[m].iloc[k]} vs replay "
                               f"{r.metric(m)}")
    g = grid.frame
    for k in rng.choice(len(g), 3, replace=False):
        a, d = float(g["approve_threshold"].iloc[k]), float(g["decline_threshold"].iloc[k])
        r = replay(with_threshold(with_threshold(policy, "low-risk", a), "high-risk", d), data)
        for m in ("value_total", "peak_reviews_per_window"):
            if not np.isclose(r.metric(m), g[m].iloc[k], rtol=1e-12):
                bad.append(f"grid at ({a}, {d}) {m}: {g[m].iloc[k]} vs replay {r.metric(m)}")
    return bad


def sweeps_against_roc(policy, histories: dict) -> tuple[list[str], dict]:
    """One line per history and swept rule: the sweep's and ``roc_curve``'s seconds on the same
    scores and their ratio; and the sweeps, by history then rule."""
    lines = [f"{'history':<24}  {'rule':<10}  {'thresholds':>10}  {'sweep':>7}  {'roc':>7}  "
             f"{'ratio':<15} target"]
    sweeps: dict = {}
    for name, data in histories.items():
        y = data["defaulted_truth"].to_numpy(dtype=bool)
        s = data["p_default"].to_numpy(dtype=float)
        t_roc, _ = best_of(lambda: roc_curve(y, s, drop_intermediate=False))
        for rule in SWEPT:
            t, sweep = best_of(lambda: threshold_sweep(policy, data, rule))
            sweeps.setdefault(name, {})[rule] = sweep
            ratio = t / t_roc
            lines.append(f"{name:<24}  {rule:<10}  {len(sweep.frame):>10,}  {t:7.3f}  "
                         f"{t_roc:7.3f}  {ratio:5.2f}x roc_curve  "
                         f"{'PASS' if ratio <= 1 else 'FAIL'} (<= 1x)")
    return lines, sweeps


def same_sweeps(sweeps: dict) -> list[str]:
    """Each history's sweeps against the first history's (the same rows): mismatches in words."""
    (first, reference), *others = sweeps.items()
    return [f"sweep of {rule} on {name} differs from {first}"
            for name, by_rule in others for rule, s in by_rule.items()
            if not s.frame.equals(reference[rule].frame)]


def text_columns_read(policy, data: pd.DataFrame) -> list[str]:
    """The columns a replay of ``policy`` codes (label, recorded decisions, segments) that hold
    text or other non-numeric values in ``data``."""
    out = policy.outcomes
    names = [out.label] + ([out.reviewer.decision] if out.reviewer and out.reviewer.decision
                           else []) + list(policy.segments)
    return [c for c in dict.fromkeys(names)
            if c in data.columns and not pd.api.types.is_numeric_dtype(data[c])]


def replay_against_apply(policy, histories: dict) -> list[str]:
    """One line per history: ``policy.apply`` and ``replay`` seconds and their ratio, and the
    floor any replay pays on it: coding each text column it reads once (``pandas.factorize``)."""
    lines = [f"{'history':<24}  {'apply':>7}  {'replay':>7}  {'coding':>7}  {'ratio':<13} target"]
    for name, data in histories.items():
        t_apply, _ = best_of(lambda: policy.apply(data))
        t_replay, _ = best_of(lambda: replay(policy, data))
        t_code = sum(best_of(lambda: pd.factorize(data[c]))[0]
                     for c in text_columns_read(policy, data))
        ratio = t_replay / t_apply
        lines.append(f"{name:<24}  {t_apply:7.3f}  {t_replay:7.3f}  {t_code:7.3f}  "
                     f"{ratio:5.1f}x apply  {'PASS' if ratio <= 3 else 'FAIL'} (<= 3x)")
    lines.append("coding: pandas.factorize of each text column the replay reads (label, recorded "
                 "decisions, segments), once, one after another: the floor any replay pays")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    policy = trustlab.load_policy(POLICY)
    data = make_history(n_days=365, applications_per_day=args.rows / 365, seed=args.seed)
    n = len(data)
    print(f"trustlab simulate benchmark: {n:,} rows, policy {policy.identity}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"{os.cpu_count()} cpus, {platform.machine()}\n")

    t_replay, base = best_of(lambda: replay(policy, data))
    axis_a = np.quantile(data["p_default"], np.linspace(0.0, 0.4, 101))
    axis_d = np.quantile(data["p_default"], np.linspace(0.6, 1.0, 101))
    t_grid, grid = best_of(lambda: band_grid(policy, data, "low-risk", "high-risk",
                                             approve_thresholds=axis_a,
                                             decline_thresholds=axis_d, capacity=CAPACITY))
    rows = [
        ("one replay", t_replay, "", ""),
        (f"band grid {len(np.unique(axis_a))}x{len(np.unique(axis_d))} + capacity", t_grid,
         f"{t_grid / t_replay:.2f} replays", "PASS" if t_grid < 10 * t_replay else "FAIL"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'':{width}}  {'seconds':>8}  {'ratio':<20} target")
    for name, t, ratio, verdict in rows:
        print(f"{name:{width}}  {t:8.3f}  {ratio:<20} {verdict}")
    print(f"\nbaseline: value per decision {base.metric('value_per_decision'):.2f}; grid "
          f"{int(grid.frame['feasible'].sum()):,} of {len(grid.frame):,} pairs within "
          f"{CAPACITY:,} reviews a day")
    csv = read_back_from_csv(data, ["decision_time"])
    text = ", ".join(sorted({str(csv[c].dtype) for c in csv.columns
                             if not pd.api.types.is_numeric_dtype(csv[c])
                             and c != "decision_time"}))
    print(f"\nreplay / policy.apply, shipped history vs read from CSV (text as {text}):")
    print("\n".join(replay_against_apply(policy, {"shipped (categoricals)": data,
                                                   "read from CSV": csv})))
    # every row's score with its true outcome (the synthetic history knows it for every row)
    print("\nthreshold sweep / sklearn roc_curve on the same scores, shipped history vs read "
          "from CSV:")
    sweep_lines, sweeps = sweeps_against_roc(policy, {"shipped (categoricals)": data,
                                                      "read from CSV": csv})
    print("\n".join(sweep_lines))
    shipped = sweeps["shipped (categoricals)"]
    print("best thresholds: " + "; ".join(f"{rule} {s.best['threshold']:.4f}"
                                          for rule, s in shipped.items()))
    bad = check_against_replays(policy, data, shipped, grid) + same_sweeps(sweeps)
    if bad:
        print("\nMISMATCH against full replays:\n  " + "\n  ".join(bad))
        return 1
    print("sampled sweep rows and grid cells equal full replays; the CSV history sweeps alike")
    return 0


if __name__ == "__main__":
    sys.exit(main())
