"""Benchmark the search for a less discriminatory alternative against one replay, in one run.

Run::

    .venv/bin/python benchmarks/lda.py [--rows 1000000] [--seed 0]

On one seeded synthetic history (``make_history``, about ``--rows`` rows) and
the example policy ``policies/consumer-credit.yaml`` with
``fairness: {protected: [age_band]}`` added, it measures, best of 3 after one
warm-up, side by side:

* one full ``replay`` of the policy (decide, value, every metric by segment,
  checks);
* ``lda_search`` of ``low-risk`` × ``high-risk`` over the band grid's
  default axes — 101 quantiles of each rule's score, the current threshold
  added, so 102 × 102 pairs: the total value and every
  age band's favourable rate at every pair, the worst ratio, the frontier
  and the choices at 1%, 2% and 5% — with the decline rate limit applied
  exactly at each decline threshold — target: under 5 replays' time.

Before timing, the current cell, each choice and sampled cells are checked
against full replays with those thresholds (total value and every group's
favourable rate); the exit code is non-zero only if any differ. Timings are a
report: shared machines are noisy, so read the ratio.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

import trustlab
from trustlab.datasets import make_history
from trustlab.simulate import lda_search, replay
from trustlab.simulate import with_threshold
from _timing import best_of  # noqa: E402  (beside this file)

REPO = Path(__file__).resolve().parents[1]
POLICY = REPO / "policies" / "consumer-credit.yaml"
FAIRNESS = "fairness: {protected: [age_band]}\n"
TARGET = 5.0  # replays


def check_against_replays(policy, data, search) -> tuple[list[str], int]:
    """The current cell, the choices and sampled cells replayed in full: mismatches in words,
    and the number of cells checked."""
    f = search.frame
    rng = np.random.default_rng(0)
    cells = sorted({search.current_cell, *search.choices["cell"].tolist(),
                    *rng.choice(len(f), 2, replace=False).tolist()})
    bad = []
    for k in cells:
        row = f.iloc[k]
        a, d = float(row["approve_threshold"]), float(row["decline_threshold"])
        r = replay(with_threshold(with_threshold(policy, "low-risk", a), "high-risk", d), data,
                   segments=(search.by,))
        if not np.isclose(r.metric("value_total"), row["value_total"], rtol=1e-12):
            bad.append(f"({a}, {d}) value_total: {row['value_total']} vs replay "
                       f"{r.metric('value_total')}")
        rates = r.metric("favourable_rate", by=search.by)
        for g, v in rates.items():
            if not np.isclose(v, row[f"favourable_rate.{g}"], rtol=1e-12):
                bad.append(f"({a}, {d}) favourable_rate of {g}: "
                           f"{row[f'favourable_rate.{g}']} vs replay {v}")
    return bad, len(cells)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    policy = trustlab.parse_policy(POLICY.read_text(encoding="utf-8") + FAIRNESS,
                                   source=str(POLICY))
    data = make_history(n_days=365, applications_per_day=args.rows / 365, seed=args.seed)
    n = len(data)
    print(f"trustlab LDA search benchmark: {n:,} rows, policy {policy.identity}, "
          f"protected attribute age_band ({data['age_band'].nunique()} groups)")
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"{os.cpu_count()} cpus, {platform.machine()}\n")

    def search():
        return lda_search(policy, data, "low-risk", "high-risk")

    t_replay, base = best_of(lambda: replay(policy, data))
    t_lda, found = best_of(search)
    bad, checked = check_against_replays(policy, data, found)

    n_a = found.frame["approve_threshold"].nunique()
    n_d = found.frame["decline_threshold"].nunique()
    ratio = t_lda / t_replay
    rows = [
        ("one replay", t_replay, "", ""),
        (f"lda_search {n_a}x{n_d} ({len(found.frame):,} cells, "
         f"{len(found.groups)} groups)", t_lda, f"{ratio:.2f} replays",
         "PASS" if ratio < TARGET else "FAIL"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'':{width}}  {'seconds':>8}  {'ratio':<14} target < {TARGET:g} replays")
    for name, t, r, verdict in rows:
        print(f"{name:{width}}  {t:8.3f}  {r:<14} {verdict}")
    cur = found.current
    print(f"\nbaseline: value per decision {base.metric('value_per_decision'):.2f}; current "
          f"worst ratio {cur['worst_ratio']:.3f} ({cur['worst_group']} vs "
          f"{cur['reference_group']}); {len(found.frontier)} cell(s) on the frontier")
    for t, c in found.choices.iterrows():
        print(f"  within {t:.0%} of the best value: worst ratio {c['worst_ratio']:.3f} at "
              f"({c['approve_threshold']:.4f}, {c['decline_threshold']:.4f}), giving up "
              f"{c['value_given_up']:,.0f}")
    if bad:
        print("\nMISMATCH against full replays:\n  " + "\n  ".join(bad))
        return 1
    print(f"{checked} cells (current, choices, sampled) equal full replays")
    return 0


if __name__ == "__main__":
    sys.exit(main())
