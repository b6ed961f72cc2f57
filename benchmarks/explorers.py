"""Benchmark the notebook explorers on 100k rows: one redraw beside the computation it wraps.

Run::

    .venv/bin/python benchmarks/explorers.py [--rows 100000] [--repeats 3]

For each explorer — the review band (``PolicyExplorer``), the guardrails
(``GuardrailExplorer``) and drift (``DriftExplorer``) — a control is moved
to a value not seen before (so no cached computation helps) and the whole
redraw is timed (computation, numbers, moving the figure's artists, one render
and the PNG), beside the bare computation it runs (a replay of the edited
policy, or ``drift_over_time``) measured in the same run; the ratio
redraw / computation says what the explorer adds. The target: a redraw under
0.5 s, so a released slider answers at once. While a slider moves the
explorers wait until it has been still for ``Explorer.DELAY`` seconds (0.25)
and redraw once; in a browser the kernel's messages and the image's trip add
to the redraw measured here.

Every explorer runs on two histories holding the same rows: the shipped one
(text as categoricals) and the same history written to CSV and read back with
``pandas.read_csv``'s default dtypes (text as pandas' default string dtype, as
a team's own history arrives); the target holds on each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import read_back_from_csv, text_dtypes  # noqa: E402  (beside this file)

TARGET = 0.5
"""Seconds a redraw on 100k rows should take at most."""


def _median(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _render(explorer, repeats: int) -> float:
    """One render of the explorer's figure and its PNG, nothing recomputed."""
    return _median(explorer._png, repeats)


def _line(name: str, redraw: float, bare: float, what: str, render: float) -> str:
    verdict = "under" if redraw < TARGET else "OVER"
    return (f"{name:<12} redraw {redraw:.2f} s, {what} alone {bare:.2f} s, render + PNG "
            f"{render:.2f} s (redraw / computation {redraw / bare:.2f}; {verdict} the "
            f"{TARGET} s target)")


def explorers(policy, history, repeats: int) -> list[str]:
    """One line per explorer on one history: its redraw beside the computation it wraps."""
    from trustlab.drift import DriftExplorer, drift_over_time
    from trustlab.simulate import GuardrailExplorer, PolicyExplorer, replay, with_rate_limit
    from trustlab.simulate._explorer import band_policy

    lines = []
    band = PolicyExplorer(policy, history, "low-risk", "high-risk")
    steps = iter(round(0.085 + 0.005 * k, 3) for k in range(100))
    redraw = _median(lambda: band.update(approve=next(steps)), repeats)
    bare = _median(lambda: replay(band_policy(policy, "low-risk", "high-risk", 0.2, 0.35),
                                  history, segments=band._replayed_segments), repeats)
    lines.append(_line("review band:", redraw, bare, "replay", _render(band, repeats)))

    guard = GuardrailExplorer(policy, history)
    top = guard.controls["decline-rate-limit"].max
    limits = iter(range(max(top - 1, 1), 0, -1))
    redraw = _median(lambda: guard.set(**{"decline-rate-limit": next(limits)}), repeats)
    bare = _median(lambda: replay(with_rate_limit(policy, "decline-rate-limit", 17), history),
                   repeats)
    lines.append(_line("guardrails:", redraw, bare, "replay", _render(guard, repeats)))

    cols = ["debt_to_income", "p_default", "loan_amount", "annual_income", "grade", "channel"]
    drift = DriftExplorer(history, time="decision_time", columns=cols)
    spans = iter(["30D", "60D", "180D", "90D", "30D"])
    windows = iter(["1D", "2W", "4W", "1W", "1D"])
    redraw = _median(lambda: drift.set(reference=next(spans), window=next(windows)), repeats)
    bare = _median(lambda: drift_over_time(history, {"first": "45D"}, time="decision_time",
                                           window="1W", columns=cols), repeats)
    lines.append(_line("drift:", redraw, bare, "drift_over_time", _render(drift, repeats)))
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)

    import trustlab
    from trustlab.datasets import FeatureDrift, make_history

    policy = trustlab.load_policy(REPO / "policies" / "consumer-credit.yaml")
    days = 365
    history = make_history(n_days=days, applications_per_day=args.rows / days, seed=0,
                           scenarios=[FeatureDrift("2025-07-01", "debt_to_income", 8.0)])
    histories = {"shipped": history,
                 "read from CSV": read_back_from_csv(history, ["decision_time"])}
    print(f"{len(history):,} rows; median of {args.repeats} redraws each, every one at a "
          "value not cached")
    for name, h in histories.items():
        print(f"\n{name} history (text as {text_dtypes(h, ['decision_time'])}):")
        for line in explorers(policy, h, args.repeats):
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
