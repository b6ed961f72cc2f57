"""Reason codes for 10k decisions, beside SHAP's own call on the same rows.

Run::

    .venv/bin/python benchmarks/explain.py [--rows 10000] [--seed 0]

Measured side by side in one run, on the synthetic history with the default
model (HistGradientBoosting in the kit's pipeline) and the example policy:

* ``shap.TreeExplainer(...).shap_values(X)`` on the transformed rows — the
  SHAP work itself, the floor for any SHAP-based reason codes;
* ``ReasonExplainer.reason_codes(...)`` on the same rows — the kit's full
  path: transform, SHAP on the cases and both reference populations,
  re-basing, grouping into families, ranking, phrases — plus building the
  tidy reason frame.

Both run, with the one model trained on the shipped history, on two histories
holding the same rows: the shipped one (text as categoricals) and the same history written to
CSV and read back with ``pandas.read_csv``'s default dtypes (text as pandas'
default string dtype, as a team's own history arrives).

Target: the kit's overhead over SHAP's own call under 20%, on each.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from _timing import best_of_each, read_back_from_csv, text_dtypes, verdict  # noqa: E402


FEATURES = ["loan_amount", "annual_income", "debt_to_income", "credit_history_years",
            "delinquencies_2y", "employment_years", "grade", "purpose", "channel", "age_band"]


def train(history):
    """The kit's default model (HistGradientBoosting in its pipeline) on the labelled rows."""
    from trustlab.signals import build_pipeline

    labelled = history[history["defaulted"].notna()]
    return build_pipeline(labelled[FEATURES]).fit(labelled[FEATURES],
                                                  labelled["defaulted"].astype(bool))


def measure(model, history, rows: int, seed: int) -> dict:
    """On one history: SHAP's own call and the kit's reason codes on the same ``rows``
    decisions (best of 5 after one warm-up, taken in turn round by round: one call is
    seconds long, and a shared machine's load swings SHAP's own call by 1.7x)."""
    import shap

    import trustlab
    from trustlab.explain import ReasonExplainer, load_glossary

    policy = trustlab.load_policy("policies/consumer-credit.yaml")
    data = history.sample(rows, random_state=seed).sort_values("decision_time")
    records = policy.apply(data)
    explainer = ReasonExplainer(model, load_glossary("glossaries/synthetic-credit.yaml"))
    Xt = np.asarray(model[:-1].transform(data[FEATURES]), dtype=float)
    tree = shap.TreeExplainer(model.steps[-1][1], model_output="raw",
                              feature_perturbation="tree_path_dependent")
    tree.shap_values(Xt[:100])  # warm-up
    explainer.reason_codes(data.iloc[:500], records.iloc[:500], policy)

    timed = best_of_each({"shap": lambda: tree.shap_values(Xt),
                          "kit": lambda: explainer.reason_codes(data, records, policy).frame},
                         repeat=5)
    t_shap, t_kit = (t for t, _ in timed.values())
    codes = explainer.reason_codes(data, records, policy)
    additive = np.abs(codes.contributions.sum(axis=1) + codes.base_value - codes.log_odds).max()
    return {"shap": t_shap, "kit": t_kit, "codes": codes, "additive": additive,
            "model": type(model.steps[-1][1]).__name__}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--days", type=int, default=365,
                        help="days of synthetic history (200 applications a day) to train on")
    args = parser.parse_args()

    from trustlab.datasets import make_history

    history = make_history(n_days=args.days, applications_per_day=200, seed=args.seed)
    histories = {"shipped": history,
                 "read from CSV": read_back_from_csv(history, ["decision_time"])}
    model = train(history)
    measured = {name: measure(model, h, args.rows, args.seed) for name, h in histories.items()}
    per_k = 1000 / args.rows
    first = measured["shipped"]
    print(f"trustlab reason codes benchmark: {args.rows:,} decisions, model "
          f"{first['model']} ({len(FEATURES)} features), seed {args.seed}")
    print("one model, trained on the shipped history; two histories of the same rows: " + "; ".join(
        f"{name} (text as {text_dtypes(h, ['decision_time'])})" for name, h in histories.items()))
    print(f"{'history':<15}{'measure':<40}{'total':>10}{'per 1k':>10}  overhead over SHAP")
    for name, m in measured.items():
        overhead = m["kit"] / m["shap"] - 1
        print(f"{name:<15}{'SHAP TreeExplainer.shap_values (floor)':<40}{m['shap']:>9.3f}s"
              f"{m['shap'] * per_k:>9.3f}s")
        print(f"{'':<15}{'trustlab reason_codes + reason frame':<40}{m['kit']:>9.3f}s"
              f"{m['kit'] * per_k:>9.3f}s  {overhead:+.1%} (target < +20%): "
              f"{verdict(overhead < 0.20)}")
    for name, m in measured.items():
        codes = m["codes"]
        print(f"{name}: additivity max |sum(contributions) + base - log-odds| = "
              f"{m['additive']:.2e}; reasons given: {len(codes.frame):,} "
              f"({codes.frame.groupby('row').size().mean():.2f} per decision on average)")
    a, b = (m["codes"].frame for m in measured.values())
    same = a.reset_index(drop=True).equals(b.reset_index(drop=True))
    print(f"the reason frames of the two histories are {'equal' if same else 'NOT equal'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
