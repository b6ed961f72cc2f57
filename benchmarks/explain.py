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

Target: the kit's overhead over SHAP's own call under 20%.
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import best_of  # noqa: E402  (beside this file)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--days", type=int, default=365,
                        help="days of synthetic history (200 applications a day) to train on")
    args = parser.parse_args()

    import shap

    import trustlab
    from trustlab.datasets import make_history
    from trustlab.explain import ReasonExplainer, load_glossary
    from trustlab.signals import build_pipeline

    features = ["loan_amount", "annual_income", "debt_to_income", "credit_history_years",
                "delinquencies_2y", "employment_years", "grade", "purpose", "channel", "age_band"]
    history = make_history(n_days=args.days, applications_per_day=200, seed=args.seed)
    labelled = history[history["defaulted"].notna()]
    model = build_pipeline(labelled[features]).fit(labelled[features],
                                                   labelled["defaulted"].astype(bool))
    policy = trustlab.load_policy("policies/consumer-credit.yaml")
    data = history.sample(args.rows, random_state=args.seed).sort_values("decision_time")
    records = policy.apply(data)
    explainer = ReasonExplainer(model, load_glossary("glossaries/synthetic-credit.yaml"))
    Xt = np.asarray(model[:-1].transform(data[features]), dtype=float)
    tree = shap.TreeExplainer(model.steps[-1][1], model_output="raw",
                              feature_perturbation="tree_path_dependent")
    tree.shap_values(Xt[:100])  # warm-up
    explainer.reason_codes(data.iloc[:500], records.iloc[:500], policy)

    t_shap, _ = best_of(lambda: tree.shap_values(Xt))
    t_kit, _ = best_of(lambda: explainer.reason_codes(data, records, policy).frame)
    codes = explainer.reason_codes(data, records, policy)
    additive = np.abs(codes.contributions.sum(axis=1) + codes.base_value - codes.log_odds).max()
    per_k = 1000 / args.rows
    overhead = t_kit / t_shap - 1
    print(f"trustlab reason codes benchmark: {args.rows:,} decisions, model "
          f"{type(model.steps[-1][1]).__name__} ({len(features)} features), seed {args.seed}")
    print(f"{'measure':<42}{'total':>10}{'per 1k':>10}")
    print(f"{'SHAP TreeExplainer.shap_values (floor)':<42}{t_shap:>9.3f}s{t_shap * per_k:>9.3f}s")
    print(f"{'trustlab reason_codes + reason frame':<42}{t_kit:>9.3f}s{t_kit * per_k:>9.3f}s")
    print(f"overhead over SHAP: {overhead:+.1%} (target < +20%): "
          f"{'PASS' if overhead < 0.20 else 'FAIL'}")
    print(f"additivity: max |sum(contributions) + base - log-odds| = {additive:.2e}")
    print(f"reasons given: {len(codes.frame):,} "
          f"({codes.frame.groupby('row').size().mean():.2f} per decision on average)")


if __name__ == "__main__":
    main()
