"""Threshold sweep: every threshold equals a full replay, best and current rows, bootstrap, errors."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import trustlab
from trustlab.datasets import make_history
from trustlab.simulate import replay, threshold_sweep
from trustlab.simulate._edit import with_threshold
from _support import credit_text

COMPARED = ("value_total", "value_per_decision", "automation_rate", "favourable_rate",
            "bad_rate_favourable")


@pytest.fixture(scope="module")
def history():
    return make_history(n_days=40, applications_per_day=80, seed=11)


def policy_from(text_edits: dict[str, str]) -> trustlab.Policy:
    return trustlab.parse_policy(credit_text(text_edits))


def assert_rows_equal_replays(p, data, sweep, rule, picks, **replay_kw):
    """Each picked row of the sweep is what a replay with that threshold reports."""
    f = sweep.frame
    for k in picks:
        row = f.iloc[k]
        r = replay(with_threshold(p, rule, float(row["threshold"])), data, **replay_kw)
        for m in COMPARED:
            assert row[m] == pytest.approx(r.metric(m), rel=1e-12, abs=1e-9, nan_ok=True), (rule, m, row)
        assert row["reviews"] == int((~r.decisions["automated"]).sum())
        assert row["decisions"] == len(data)


def sampled(n: int, seed: int = 0, k: int = 6) -> list[int]:
    rng = np.random.default_rng(seed)
    return sorted({0, n - 1, *rng.choice(n, size=min(k, n), replace=False).tolist()})


@pytest.mark.parametrize("rule", ["low-risk", "high-risk"])
def test_sweep_rows_equal_full_replays(policy, history, rule):
    """Check sampled thresholds, the first and the last, against full replays."""
    s = threshold_sweep(policy, history, rule)
    assert s.frame["threshold"].is_monotonic_increasing
    assert_rows_equal_replays(policy, history, s, rule, sampled(len(s.frame)))


def test_current_row_is_the_policy_itself(policy, history):
    """Check that the current row is the replay of the unchanged policy."""
    s = threshold_sweep(policy, history, "low-risk")
    r = replay(policy, history)
    assert s.current["threshold"] == 0.08
    assert s.current["value_total"] == r.metric("value_total")
    assert s.current["automation_rate"] == r.metric("automation_rate")


def test_best_is_the_highest_value(policy, history):
    """Check that the best threshold has the highest total value of all rows."""
    s = threshold_sweep(policy, history, "low-risk")
    assert s.best["value_total"] == s.frame["value_total"].max()


def test_every_distinct_value_is_a_threshold(policy, history):
    """Check that without a binding limit every distinct value of the movable cases is swept."""
    s = threshold_sweep(policy, history, "low-risk")
    assert "every distinct value" in s.method and "cumulative sums" in s.method
    x = history["p_default"].dropna()
    assert len(s.frame) <= x.nunique() + 1
    assert len(s.frame) > 0.5 * len(history)


@pytest.mark.parametrize("rule, edit, end", [
    ("low-risk", {}, -1), ("low-risk", {"p_default < 0.08 and": "p_default <= 0.08 and"}, 0),
    ("high-risk", {"p_default >= 0.35": "p_default > 0.35"}, 0), ("high-risk", {}, -1)])
def test_the_threshold_past_every_value_is_swept(history, rule, edit, end):
    """Check the sweep reaches the line that moves every case (or none): past the largest value
    for < and >=, below the smallest for <= and >, equal to a threshold far beyond the data."""
    p = policy_from(edit | {"max: 40": "max: 4000"})
    s = threshold_sweep(p, history, rule)
    far = threshold_sweep(p, history, rule, thresholds=[-1.0 if end == 0 else 2.0])
    row = s.frame.iloc[end]
    assert row["value_total"] == pytest.approx(far.frame.iloc[end]["value_total"], rel=1e-12)
    assert s.best["value_total"] >= far.frame["value_total"].max() - 1e-9


@pytest.mark.parametrize("op, edit", [
    ("<=", {"p_default < 0.08 and": "p_default <= 0.08 and"}),
    (">", {"p_default >= 0.35": "p_default > 0.35"}),
])
def test_each_comparison_direction(history, op, edit):
    """Check '<=' and '>' rules (ties on the threshold) against replays."""
    p = policy_from(edit | {"max: 40": "max: 4000"})
    rule = "low-risk" if op == "<=" else "high-risk"
    s = threshold_sweep(p, history, rule)
    assert s.op == op
    assert_rows_equal_replays(p, history, s, rule, sampled(len(s.frame), seed=3))


def test_given_thresholds_and_a_kill_switch(history):
    """Check given thresholds (current one added) with the kill switch engaged."""
    p = policy_from({"engaged: false": "engaged: true"})
    s = threshold_sweep(p, history, "low-risk", thresholds=[0.02, 0.2, 0.3])
    assert s.frame["threshold"].tolist() == [0.02, 0.08, 0.2, 0.3]
    assert (s.frame["automation_rate"] == 0).all()
    assert_rows_equal_replays(p, history, s, "low-risk", range(4))


def test_simulated_reviewer_and_pessimistic_labels(history):
    """Check a simulated reviewer (no recorded decisions) and `unlabelled: bad`."""
    data = history.drop(columns="underwriter_decision")
    p = policy_from({"unlabelled: exclude": "unlabelled: bad",
                     "    decision: underwriter_decision\n"
                     "    map: {approved: approve, declined: decline}\n": ""})
    s = threshold_sweep(p, data, "low-risk", seed=5, reviewer_accuracy=0.7)
    assert_rows_equal_replays(p, data, s, "low-risk", sampled(len(s.frame), seed=5), seed=5,
                              reviewer_accuracy=0.7)


def test_binding_rate_limit_is_applied_exactly(policy, history):
    """Check a sweep that changes a rate-limited action: exact, and never over the limit."""
    s = threshold_sweep(policy, history, "high-risk")
    assert "applied exactly at each threshold (by cumulative sums)" in s.method
    assert s.method.startswith("every distinct value")  # as without a binding limit
    assert len(s.frame) > 103
    lowest = s.frame.iloc[0]
    r = replay(with_threshold(policy, "high-risk", float(lowest["threshold"])), history)
    assert r.metric("guardrail_interventions") > 0  # the limit binds at a low decline line
    for k in sampled(len(s.frame), seed=1):
        t = float(s.frame["threshold"].iloc[k])
        d = replay(with_threshold(policy, "high-risk", t), history).decisions
        per_day = d["action"].eq("decline").groupby(history["decision_time"].dt.floor("D")).sum()
        assert per_day.max() <= 40
    assert_rows_equal_replays(policy, history, s, "high-risk", sampled(len(s.frame), seed=1))


def test_bootstrap_is_reproducible_and_brackets_the_estimate(policy, history):
    """Check that the same seed gives the same intervals, another seed others."""
    a = threshold_sweep(policy, history, "low-risk", bootstrap=60, bootstrap_seed=1)
    b = threshold_sweep(policy, history, "low-risk", bootstrap=60, bootstrap_seed=1)
    c = threshold_sweep(policy, history, "low-risk", bootstrap=60, bootstrap_seed=2)
    assert a.intervals.equals(b.intervals)
    assert not a.replicates.equals(c.replicates)
    iv = a.intervals.set_index("quantity")
    assert iv.loc["value_per_decision", "low"] < iv.loc["value_per_decision", "estimate"] \
        < iv.loc["value_per_decision", "high"]
    assert iv.loc["best_threshold", "low"] <= iv.loc["best_threshold", "high"]
    assert set(a.replicates["best_threshold"]) <= set(a.frame["threshold"])


def test_bootstrap_replicate_is_a_weighted_replay(policy, history):
    """Check one replicate by hand: Poisson weights, value per decision at the best threshold."""
    s = threshold_sweep(policy, history, "low-risk", bootstrap=3, bootstrap_seed=9)
    w = np.random.default_rng(9).poisson(1.0, size=(3, len(history))).astype(float)
    r = replay(with_threshold(policy, "low-risk", float(s.best["threshold"])), history)
    v = r.decisions["value"].to_numpy(dtype=float)
    ok = ~np.isnan(v)
    expected = (w[:, ok] @ v[ok]) / w[:, ok].sum(axis=1)
    np.testing.assert_allclose(s.replicates["value_per_decision"], expected, rtol=1e-12)


def test_bootstrap_with_a_binding_limit(policy, history):
    """Check that a rate-limited sweep also gives intervals, reproducibly."""
    a = threshold_sweep(policy, history, "high-risk", bootstrap=40, bootstrap_seed=3)
    b = threshold_sweep(policy, history, "high-risk", bootstrap=40, bootstrap_seed=3)
    assert a.intervals.equals(b.intervals)
    assert a.intervals["low"].notna().all()


def test_plot_and_html(policy, history):
    """Check the plot's labels and the HTML summary."""
    s = threshold_sweep(policy, history, "low-risk", bootstrap=20)
    d = s.plot()
    assert d.value_ax_.get_ylabel() == "Value per decision (value units)"
    assert d.rates_ax_.get_xlabel() == "Threshold on p_default"
    assert "What each decision is worth" in d.value_ax_.get_title()
    plt.close(d.figure_)
    html = s._repr_html_()
    assert "current" in html and "best" in html and "95% interval" in html
    assert "low-risk" in repr(s)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"rule": "no-such-rule"}, "no-such-rule"),
    ({"rule": "uncertain"}, "uncertain"),
    ({"rule": "model-unavailable"}, "model-unavailable"),
    ({"rule": "low-risk", "thresholds": []}, "thresholds"),
    ({"rule": "low-risk", "thresholds": [0.1, float("nan")]}, "thresholds"),
    ({"rule": "low-risk", "bootstrap": -1}, "bootstrap"),
    ({"rule": "low-risk", "bootstrap": 2.5}, "bootstrap"),
    ({"rule": "low-risk", "column": "loan_amount"}, "loan_amount"),
])
def test_errors_name_the_problem(policy, history, kwargs, fragment):
    """Check that bad rules and parameters are refused naming what is wrong."""
    rule = kwargs.pop("rule")
    with pytest.raises((trustlab.PolicyError, trustlab.DataError, trustlab.ParameterError)) as e:
        threshold_sweep(policy, history, rule, **kwargs)
    assert fragment in str(e.value)


def test_missing_column_is_named(policy, history):
    """Check that history without the compared column is refused naming it."""
    with pytest.raises(trustlab.DataError, match="debt_to_income"):
        threshold_sweep(policy, history.drop(columns="debt_to_income"), "low-risk")
