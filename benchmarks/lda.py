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

Both run on two histories holding the same rows: the shipped one (text as
categoricals) and the same history written to CSV and read back with
``pandas.read_csv``'s default dtypes (text as pandas' default string dtype, as
a team's own history arrives); the target holds on each.

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
from pathlib import Path

import numpy as np

import trustlab
from trustlab.datasets import make_history
from trustlab.simulate import lda_search, replay
from trustlab.simulate import with_threshold
from _timing import best_of_each, read_back_from_csv, text_dtypes, verdict  # noqa: E402

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


def measure(policy, data) -> dict:
    """One replay and the search on one history, best of 3 after one warm-up (taken in turn,
    round by round), and the checks."""
    timed = best_of_each({"replay": lambda: replay(policy, data),
                          "lda": lambda: lda_search(policy, data, "low-risk", "high-risk")})
    (t_replay, base), (t_lda, found) = timed.values()
    bad, checked = check_against_replays(policy, data, found)
    return {"replay": t_replay, "lda": t_lda, "base": base, "found": found, "bad": bad,
            "checked": checked}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    policy = trustlab.parse_policy(POLICY.read_text(encoding="utf-8") + FAIRNESS,
                                   source=str(POLICY))
    data = make_history(n_days=365, applications_per_day=args.rows / 365, seed=args.seed)
    histories = {"shipped": data, "read from CSV": read_back_from_csv(data, ["decision_time"])}
    n = len(data)
    print(f"trustlab LDA search benchmark: {n:,} rows, policy {policy.identity}, "
          f"protected attribute age_band ({data['age_band'].nunique()} groups)")
    print("two histories of the same rows: " + "; ".join(
        f"{name} (text as {text_dtypes(d, ['decision_time'])})" for name, d in histories.items()))
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"{os.cpu_count()} cpus, {platform.machine()}\n")

    measured = {name: measure(policy, d) for name, d in histories.items()}
    found = measured["shipped"]["found"]
    n_a = found.frame["approve_threshold"].nunique()
    n_d = found.frame["decline_threshold"].nunique()
    label = f"lda_search {n_a}x{n_d} ({len(found.frame):,} cells, {len(found.groups)} groups)"
    width = max(len(label), len("one replay"), max(len(k) for k in histories))
    print(f"{'history':{width}}  {'replay s':>8}  {'lda s':>8}  {'ratio':<12} "
          f"target < {TARGET:g} replays")
    print(f"{'':{width}}  {'':>8}  {'':>8}  {'':<12} ({label})")
    for name, m in measured.items():
        ratio = m["lda"] / m["replay"]
        print(f"{name:{width}}  {m['replay']:8.3f}  {m['lda']:8.3f}  "
              f"{f'{ratio:.2f} replays':<12} {verdict(ratio < TARGET)}")

    base, cur = measured["shipped"]["base"], found.current
    print(f"\nbaseline: value per decision {base.metric('value_per_decision'):.2f}; current "
          f"worst ratio {cur['worst_ratio']:.3f} ({cur['worst_group']} vs "
          f"{cur['reference_group']}); {len(found.frontier)} cell(s) on the frontier")
    for t, c in found.choices.iterrows():
        print(f"  within {t:.0%} of the best value: worst ratio {c['worst_ratio']:.3f} at "
              f"({c['approve_threshold']:.4f}, {c['decline_threshold']:.4f}), giving up "
              f"{c['value_given_up']:,.0f}")
    bad = [f"{name}: {b}" for name, m in measured.items() for b in m["bad"]]
    other = measured["read from CSV"]["found"].frame
    if not other.equals(found.frame):
        bad.append("the search's frame differs between the two histories")
    if bad:
        print("\nMISMATCH against full replays:\n  " + "\n  ".join(bad))
        return 1
    print(f"{measured['shipped']['checked']} cells (current, choices, sampled) equal full "
          "replays on each history, and the search's frame is the same on both")
    return 0


if __name__ == "__main__":
    sys.exit(main())
