"""Disparity metrics are declared once: in the registry, for checks, and read by replays."""

from __future__ import annotations

import numpy as np
import pytest

import trustlab
from trustlab.fairness import DISPARITY_METRICS, RATES
from trustlab.metrics import METRICS, format_metric, metric
from trustlab.policy import METRICS as CHECKABLE
from trustlab.simulate import replay
from trustlab.datasets import make_history
from _support import REPO


def test_every_disparity_metric_is_declared_once_with_its_kind_and_sums():
    """Check each rate has its sums, each comparison names its rate, and checks may name all."""
    for rate in RATES:
        m = metric(rate)
        assert m.kind == "share" and m.numerator and m.denominator and m.policy, rate
        ratio, difference = metric(f"{rate}_ratio"), metric(f"{rate}_difference")
        assert (ratio.kind, difference.kind) == ("ratio", "points")
        assert ratio.compares == difference.compares == rate
    assert set(DISPARITY_METRICS) <= set(CHECKABLE)
    assert {n for n, m in METRICS.items() if m.compares} == {
        n for n in DISPARITY_METRICS if n not in RATES}
    assert format_metric("favourable_rate_difference", -0.0523) == "-5.2 pts"
    assert format_metric("wrongly_declined_good_ratio", 1.25) == "1.25"


def test_comparisons_divide_or_subtract():
    """Check a ratio divides by the reference (none when it is 0) and a difference subtracts."""
    ratio = metric("bad_rate_favourable_ratio").against(np.array([0.02, 0.04]), 0.04)
    assert ratio.tolist() == [0.5, 1.0]
    assert np.isnan(metric("deferral_rate_ratio").against(0.1, 0.0))
    assert metric("escalation_rate_difference").against(0.25, 0.5) == -0.25
    with pytest.raises(ValueError, match="compares no rate"):
        metric("favourable_rate").against(0.1, 0.2)


def test_replay_measures_the_new_rates_overall_and_by_segment():
    """Check a replay gives the error rates, deferral and escalation rates from their sums."""
    policy = trustlab.load_policy(REPO / "policies" / "consumer-credit.yaml")
    r = replay(policy, make_history(n_days=15, applications_per_day=40, seed=2))
    d = r.decisions
    lab, bad = d["labelled"].to_numpy(bool), d["bad"].to_numpy(bool)
    approved = (d["action"].astype(str) == "approve").to_numpy()
    assert r.metric("wrongly_declined_good") == pytest.approx((~approved[lab & ~bad]).mean())
    assert r.metric("wrongly_approved_bad") == pytest.approx(approved[lab & bad].mean())
    assert r.metric("wrongly_approved_bad") == pytest.approx(1 - r.metric("bad_capture_rate"))
    assert r.metric("deferral_rate") == pytest.approx(r.metric("share.review"))
    assert r.metric("escalation_rate") == pytest.approx(r.records["escalate"].notna().mean())
    by_grade = r.metric("favourable_rate_difference", by="grade")
    rates = r.metric("favourable_rate", by="grade")
    rows = r.metric("decisions", by="grade")
    top = rates[rows >= 30].idxmax()  # no fairness section: the most favoured big segment
    np.testing.assert_allclose(by_grade, rates - rates[top])
