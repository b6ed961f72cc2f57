"""Replay: values hand-checked, every metric's definition, checks, and honest nulls."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.datasets import load_synthetic_sample
from trustlab.simulate import action_values, replay
from trustlab.simulate._edit import rule_threshold, with_threshold, with_unlabelled
from _support import OUTCOMES, REPO, make_policy

def small_policy(unlabelled: str = "exclude", time: bool = True,
                 reviewer: dict | None = None) -> trustlab.Policy:
    """:func:`make_policy`'s base with unlabelled outcomes valued as ``unlabelled``, segments
    by ``seg`` and four checks; ``time=False``: no time column and no review window;
    ``reviewer`` in place of the recorded one."""
    return trustlab.parse_policy(make_policy(
        name="small", columns={"id": "key", "time": "t" if time else None},
        outcomes={**OUTCOMES, "reviewer": reviewer or OUTCOMES["reviewer"],
                  "window": "1D" if time else None, "unlabelled": unlabelled},
        segments=["seg"], checks=[
            {"metric": "automation_rate", "at_least": 0.6},
            {"metric": "value_per_decision", "at_least": 0},
            {"metric": "alignment", "at_least": 0.9},
            {"metric": "automation_rate", "by": "seg", "at_least": 0.5}]))


@pytest.fixture
def small_data():
    """Eight cases over three days; worked out by hand in the tests below."""
    return pd.DataFrame({
        "key": [f"k{i}" for i in range(8)],
        "t": pd.to_datetime(["2025-03-01 09:00"] * 4 + ["2025-03-02 10:00"] * 3
                            + ["2025-03-03 11:00"]),
        "p": [0.1, 0.1, 0.6, 0.3, 0.3, np.nan, 0.7, 0.1],
        "bad": pd.array([False, True, False, False, True, False, None, None], dtype="boolean"),
        "human": ["yes", "yes", "yes", "yes", "no", "yes", "no", "yes"],
        "seg": ["A", "A", "A", "B", "B", "B", "B", "B"],
    }, index=[10, 11, 12, 13, 14, 15, 16, 17])


def test_values_by_hand(small_data):
    """Check each decision's value: automated by outcome, reviews at cost plus the reviewer's call."""
    r = replay(small_policy(), small_data)
    d = r.decisions
    assert d["action"].tolist() == ["approve", "approve", "decline", "review", "review",
                                    "review", "decline", "approve"]
    # k3: reviewed, recorded 'yes' → approve, good: 100 - 10; k4: 'no' → decline, bad: 0 - 10
    expected = [100, -1000, -20, 90, -10, 90, np.nan, np.nan]
    np.testing.assert_array_equal(d["value"].to_numpy(), expected)
    assert d["reviewer_action"].astype(object).tolist()[3:6] == ["approve", "decline", "approve"]
    assert r.metric("value_total") == -750
    assert r.metric("value_per_decision") == pytest.approx(-750 / 6)  # the two unlabelled excluded


@pytest.mark.parametrize("rule, total, valued", [("good", -750 - 20 + 100, 8),
                                                 ("bad", -750 + 0 - 1000, 8)])
def test_unlabelled_rule(small_data, rule, total, valued):
    """Check `unlabelled: good|bad` values the two unlabelled cases as that outcome."""
    r = replay(small_policy(rule), small_data)
    assert r.metric("value_total") == total
    assert r.metric("value_per_decision") == pytest.approx(total / valued)


def test_every_metric_by_hand(small_data):
    """Check each metric of the format against its definition on the eight cases."""
    r = replay(small_policy(), small_data)
    m = r.summary().set_index("metric")["value"]
    assert m["decisions"] == 8
    assert m["automation_rate"] == 5 / 8
    assert m["share.approve"] == 3 / 8 and m["share.decline"] == 2 / 8 and m["share.review"] == 3 / 8
    assert m["favourable_rate"] == 3 / 8
    assert m["bad_rate_favourable"] == 1 / 2       # k0 good, k1 bad; k7 unlabelled
    assert m["bad_capture_rate"] == 1 / 2          # of k1, k4 only k4 is not approved
    assert m["fallback_rate"] == 1 / 8
    assert m["unlabelled_share"] == 2 / 8
    assert m["alignment"] == 4 / 5                 # k2 declined where the human said yes
    assert m["override_rate"] == pytest.approx(1 / 5)
    assert m["reviews_per_window_mean"] == 1.0     # 1, 2, 0 reviews on the three days
    assert m["peak_reviews_per_window"] == 2
    assert m["guardrail_interventions"] == 0
    assert np.isnan(m["max_signal_psi"])
    assert "drift" in r.summary().set_index("metric").loc["max_signal_psi", "reason"]
    seg = r.segments("seg")
    assert seg.loc["A", "automation_rate"] == 1.0 and seg.loc["B", "automation_rate"] == 2 / 5
    assert r.metric("peak_reviews_per_window", by="seg").to_dict() == {"A": 0, "B": 2}


def test_checks_and_verdict(small_data):
    """Check bounds, a failing check, and a by-check with no segment of 30 rows failing with a reason."""
    r = replay(small_policy(), small_data)
    c = r.checks.set_index("check")
    assert c.loc["automation_rate >= 0.6", "passed"]
    assert not c.loc["value_per_decision >= 0", "passed"]
    assert not c.loc["alignment >= 0.9", "passed"] and c.loc["alignment >= 0.9", "value"] == 0.8
    by = c.loc["automation_rate >= 0.5 by seg"]
    assert not by["passed"] and np.isnan(by["value"]) and "30+ rows" in by["reason"]
    assert r.verdict == "fail" and not r.passed
    assert "FAIL" in r._repr_html_()


def test_missing_metrics_are_null_with_a_reason(small_data):
    """Check metrics that cannot be computed say why instead of giving a number."""
    policy = small_policy(time=False)
    data = small_data.assign(bad=pd.array([None] * 8, dtype="boolean"))
    r = replay(policy, data)
    s = r.summary().set_index("metric")
    for name in ("bad_rate_favourable", "bad_capture_rate", "value_total", "value_per_decision",
                 "reviews_per_window_mean", "peak_reviews_per_window"):
        assert np.isnan(s.loc[name, "value"]) and s.loc[name, "reason"], name
    assert "time column" in s.loc["peak_reviews_per_window", "reason"]


def test_simulated_reviewer(small_data):
    """Check a perfect reviewer decides by the outcome and a wrong one against it."""
    data = small_data.drop(columns="human")
    right = replay(small_policy(reviewer={"accuracy": 1.0}), data)
    wrong = replay(small_policy(reviewer={"accuracy": 0.0}), data)
    assert right.decisions["value"].tolist()[3:6] == [90, -10, 90]
    assert wrong.decisions["value"].tolist()[3:6] == [-30, -1010, -30]
    assert np.isnan(right.metric("alignment"))  # nothing recorded to align with


def test_reviewer_draws_do_not_depend_on_the_policy():
    """Check the same case gets the same simulated reviewer under two thresholds (seeded per case)."""
    h = load_synthetic_sample().iloc[:5000].drop(columns="underwriter_decision")
    p = trustlab.load_policy(REPO / "policies" / "consumer-credit.yaml")
    text = (REPO / "policies" / "consumer-credit.yaml").read_text()
    text = text.replace("    decision: underwriter_decision\n    map: {approved: approve, "
                        "declined: decline}\n", "")
    p = trustlab.parse_policy(text)
    a = replay(p, h.assign(defaulted=h["defaulted_truth"]), seed=3)
    b = replay(with_threshold(p, "low-risk", 0.12), h.assign(defaulted=h["defaulted_truth"]), seed=3)
    both = a.decisions["reviewer_action"].notna() & b.decisions["reviewer_action"].notna()
    assert both.sum() > 500
    assert (a.decisions.loc[both, "reviewer_action"] == b.decisions.loc[both, "reviewer_action"]).all()
    c = replay(p, h.assign(defaulted=h["defaulted_truth"]), seed=4)
    assert not (a.decisions["reviewer_action"].astype(object)
                .equals(c.decisions["reviewer_action"].astype(object)))


def test_values_equal_a_naive_row_by_row_valuation():
    """Check the vectorised values against a plain loop over 3,000 cases of the synthetic history."""
    h = load_synthetic_sample().iloc[:3000]
    p = trustlab.load_policy(REPO / "policies" / "consumer-credit.yaml")
    r = replay(p, h)
    out = p.outcomes
    worth = {v.action: v for v in out.values}
    mapping = dict(out.reviewer.map)
    expected = []
    for action, label, recorded in zip(r.decisions["action"], h["defaulted"],
                                       h["underwriter_decision"]):
        if pd.isna(label):
            expected.append(np.nan)
            continue
        if action == "review":
            chosen = worth[mapping[recorded]]
            expected.append((chosen.bad if label else chosen.good) - worth["review"].cost)
        else:
            expected.append(worth[action].bad if label else worth[action].good)
    np.testing.assert_allclose(r.decisions["value"].to_numpy(), expected)
    assert len(r.decisions) == len(h) and r.decisions.index.equals(h.index)


def test_example_policy_passes_its_checks_on_the_shipped_sample():
    """Check the example review's policy passes on the shipped history (the README's main job)."""
    h = load_synthetic_sample()
    r = replay(trustlab.load_policy(REPO / "policies" / "consumer-credit.yaml"), h)
    assert r.passed, r.checks
    ratio = r.metrics.query("metric == 'favourable_rate_ratio' and by == 'channel'")["value"]
    assert float(ratio.iloc[0]) >= 0.8


def test_errors_name_the_column(small_data):
    """Check a missing label, reviewer column or segment column is named with the fix."""
    with pytest.raises(trustlab.DataError, match="outcomes.label.*'bad'"):
        replay(small_policy(), small_data.drop(columns="bad"))
    with pytest.raises(trustlab.DataError, match="reviewer.decision.*'human'"):
        replay(small_policy(), small_data.drop(columns="human"))
    with pytest.raises(trustlab.DataError, match="segments.*region"):
        replay(small_policy(), small_data, segments=("region",))
    with pytest.raises(trustlab.DataError, match="'maybe'"):
        replay(small_policy(), small_data.assign(human=["maybe"] + ["yes"] * 7))
    no_outcomes = trustlab.parse_policy(make_policy(name="small", outcomes=None))
    with pytest.raises(trustlab.DataError, match="outcomes"):
        action_values(no_outcomes, small_data)


def test_threshold_edit_and_lookup():
    """Check the what-if edit moves one comparison and refuses ambiguous ones."""
    p = trustlab.load_policy(REPO / "policies" / "consumer-credit.yaml")
    assert rule_threshold(p, "high-risk").op == ">=" and rule_threshold(p, "high-risk").value == 0.35
    q = with_threshold(p, "high-risk", 0.3)
    assert rule_threshold(q, "high-risk").value == 0.3 and q.name == p.name
    with pytest.raises(trustlab.PolicyError, match="otherwise rule"):
        with_threshold(p, "uncertain", 0.1)
    with pytest.raises(trustlab.PolicyError, match="no rule 'low'"):
        with_threshold(p, "low", 0.1)
    with pytest.raises(trustlab.PolicyError, match="exposure-cap"):
        rule_threshold(p, "exposure-cap")  # compares loan_amount, not a signal
    assert rule_threshold(p, "exposure-cap", column="loan_amount").value == 40000


def test_unlabelled_edit_brackets_the_value(small_data):
    """Check that valuing unlabelled cases as good or bad brackets the excluded replay's total."""
    p = small_policy()
    good = replay(with_unlabelled(p, "good"), small_data)
    bad = replay(with_unlabelled(p, "bad"), small_data)
    # k6 (declined, no outcome) and k7 (approved, no outcome) are now valued
    assert good.metric("value_total") == -750 + (-20) + 100
    assert bad.metric("value_total") == -750 + 0 + (-1000)
    assert with_unlabelled(p, "bad").content_hash != p.content_hash
    with pytest.raises(trustlab.PolicyError, match="outcomes.unlabelled.*exclude, good, bad"):
        with_unlabelled(p, "maybe")
