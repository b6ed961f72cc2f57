"""Golden drift windows: each synthetic scenario is caught within two windows, a calm history is not.

A year of history at 140 applications a day, weekly windows, the first 90 days
as reference. Scenarios start on Tuesday 2025-07-01, in the window that starts
Monday 2025-06-30: caught "within two windows" means an act-level alert in
that window or the next.
"""

from __future__ import annotations

import pandas as pd
import pytest

import trustlab
from trustlab.datasets import ConceptShift, FeatureDrift, ModelOutage, NewChannel, make_history
from trustlab.drift import expected_vs_realised, policy_drift

START = pd.Timestamp("2025-06-30")  # the window the scenarios start in
WITHIN = [START, START + pd.Timedelta("7D")]
SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def policy():
    return trustlab.load_policy(trustlab_root() / "policies" / "consumer-credit.yaml")


def trustlab_root():
    from pathlib import Path

    return Path(__file__).resolve().parents[2]


def _drift(policy, scenarios, seed):
    data = make_history(seed=seed, scenarios=scenarios)
    return policy_drift(policy, data, reference={"first": "90D"}, window="1W",
                        features=["annual_income", "credit_history_years", "employment_years"])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("scenario, column, kind", [
    (FeatureDrift("2025-07-01", "debt_to_income", 8.0), "debt_to_income", "data"),
    (NewChannel("2025-07-01", share=0.35), "channel", "context"),
    (ModelOutage("2025-07-01 00:00", "2025-07-02 00:00"), "p_default", "signal"),
], ids=["feature-drift", "new-channel", "model-outage"])
def test_scenario_caught_within_two_windows(policy, scenario, column, kind, seed):
    """Check each scenario raises an act-level alert on its column in its first two windows."""
    res = _drift(policy, [scenario], seed)
    first = res.first_alert(column)
    assert first in WITHIN, f"first act alert on {column}: {first}"
    assert res.frame.loc[res.frame["column"] == column, "kind"].iloc[0] == kind
    # nothing before the scenario starts
    early = res.alerts()
    assert (early["window_start"] >= START).all(), early.head()


@pytest.mark.parametrize("seed", SEEDS)
def test_concept_shift_caught_by_realised_versus_expected(seed):
    """Check a doubling of the odds of default shows in realised versus expected bad rates."""
    data = make_history(seed=seed, scenarios=[ConceptShift("2025-07-01", factor=2.0)])
    res = expected_vs_realised(data, signal="p_default", label="defaulted", time="decision_time",
                               approved=data["underwriter_decision"].eq("approved"))
    flagged = res.alerts("warn")
    assert flagged["window_start"].min() in WITHIN
    assert (flagged["window_start"] >= START).all()


def test_calm_history_raises_no_alert(policy):
    """Check no act-level alert on scenario-free histories over five seeds (the false-alarm count)."""
    acts = warns = 0
    for seed in range(5):
        data = make_history(seed=seed)
        res = policy_drift(policy, data, reference={"first": "90D"}, window="1W",
                           features=["annual_income", "credit_history_years", "employment_years"])
        acts += len(res.alerts("act"))
        warns += len(res.alerts("warn")) - len(res.alerts("act"))
        gap = expected_vs_realised(data, signal="p_default", label="defaulted",
                                   time="decision_time",
                                   approved=data["underwriter_decision"].eq("approved"))
        acts += len(gap.alerts("act"))
    print(f"false alarms over 5 calm years: {acts} at act, {warns} at warn")
    assert acts == 0
