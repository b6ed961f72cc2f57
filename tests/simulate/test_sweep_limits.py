"""Sweeps under rate limits by cumulative sums: equal to full replays on any dtype, and the pieces."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.datasets import make_history
from trustlab.engine import over_limit
from trustlab.simulate import replay, threshold_sweep
from trustlab.simulate._edit import with_threshold
from trustlab.simulate import _limits
from trustlab.simulate._limits import overflow_starts
from trustlab.simulate._open import fired_bins
from trustlab.simulate._sweep import sort_with_keys
from _support import credit_text

COMPARED = ("value_total", "value_per_decision", "automation_rate", "favourable_rate",
            "bad_rate_favourable")

SECOND_LIMIT = ("kill_switch:", "  - id: {id}\n    kind: rate_limit\n    action: {action}\n"
                                "    max: {max}\n    per: 1D\n    overflow: {overflow}\nkill_switch:")


@pytest.fixture(scope="module")
def shipped():
    return make_history(n_days=25, applications_per_day=120, seed=21)


def as_read_from_csv(data: pd.DataFrame) -> pd.DataFrame:
    """``data`` through a CSV, read back with pandas' default dtypes (text as ``str``)."""
    buffer = io.StringIO()
    data.to_csv(buffer, index=False)
    buffer.seek(0)
    return pd.read_csv(buffer, parse_dates=["decision_time"])


@pytest.fixture(scope="module", params=["shipped", "csv", "object", "float32"])
def history(request, shipped):
    if request.param == "shipped":
        return shipped
    if request.param == "csv":
        return as_read_from_csv(shipped)
    if request.param == "object":
        return shipped.astype({c: object for c in ("channel", "grade", "underwriter_decision",
                                                   "defaulted")})
    return shipped.assign(p_default=shipped["p_default"].astype("float32"))


def policy_from(edits: dict[str, str]) -> trustlab.Policy:
    return trustlab.parse_policy(credit_text(edits))


def second_limit(**fields) -> dict[str, str]:
    old, new = SECOND_LIMIT
    return {old: new.format(**fields)}


def assert_rows_equal_replays(p, data, sweep, rule, picks):
    f = sweep.frame
    for k in picks:
        row = f.iloc[k]
        r = replay(with_threshold(p, rule, float(row["threshold"])), data)
        for m in COMPARED:
            assert row[m] == pytest.approx(r.metric(m), rel=1e-12, abs=1e-9, nan_ok=True), \
                (rule, m, float(row["threshold"]))
        assert row["reviews"] == int((~r.decisions["automated"]).sum())


def picks(n: int, seed: int) -> list[int]:
    rng = np.random.default_rng(seed)
    return sorted({0, n - 1, *rng.choice(n, size=min(5, n), replace=False).tolist()})


@pytest.mark.parametrize("edits, rule", [
    ({"max: 40": "max: 12"}, "high-risk"),  # a decline rule on high scores, the limit binding
    ({"max: 40": "max: 12", "p_default >= 0.35": "p_default > 0.35"}, "high-risk"),
    ({"max: 40": "max: 0"}, "high-risk"),  # nothing declined by the rule is kept
    ({"action: decline\n    max: 40": "action: approve\n    max: 25"}, "low-risk"),
    ({"action: decline\n    max: 40": "action: approve\n    max: 25"}, "high-risk"),  # leaves
    ({"max: 40": "max: 12", **second_limit(id="approve-cap", action="approve", max=25,
                                           overflow="review")}, "high-risk"),  # two limits
    ({"max: 40": "max: 12", "engaged: false": "engaged: true"}, "high-risk"),
])
def test_rate_limited_sweep_equals_full_replays(history, edits, rule):
    """Check a sweep whose limit caps what the threshold moves against full replays, on the
    shipped history, read from CSV, with object text and with float32 scores."""
    p = policy_from(edits)
    s = threshold_sweep(p, history, rule)
    assert "applied exactly at each threshold" in s.method
    assert_rows_equal_replays(p, history, s, rule, picks(len(s.frame), seed=len(edits)))


def test_limits_that_feed_each_other_are_applied_per_threshold(shipped):
    """Check a limit on the overflow of the swept limit (no cumulative sums for it): still equal
    to full replays."""
    p = policy_from({"max: 40": "max: 12", **second_limit(id="review-cap", action="review",
                                                          max=60, overflow="approve")})
    s = threshold_sweep(p, shipped, "high-risk")
    assert "one pass each" in s.method and s.method.startswith("101 quantiles")
    assert_rows_equal_replays(p, shipped, s, "high-risk", picks(len(s.frame), seed=4))


def test_given_thresholds_under_a_limit_equal_full_replays(history):
    """Check given thresholds (some off the data, some on it) under a binding decline limit."""
    p = policy_from({"max: 40": "max: 12"})
    x = history["p_default"].dropna().to_numpy(dtype=float)
    given = [0.0, 0.1, float(np.median(x)), float(x.max()), 2.0]
    s = threshold_sweep(p, history, "high-risk", thresholds=given)
    assert_rows_equal_replays(p, history, s, "high-risk", range(len(s.frame)))


def test_every_dtype_sweeps_alike(shipped):
    """Check that the shipped history and the same rows read from CSV give the same frames."""
    p = policy_from({"max: 40": "max: 12"})
    csv = as_read_from_csv(shipped)
    for rule in ("low-risk", "high-risk"):
        assert threshold_sweep(p, csv, rule).frame.equals(threshold_sweep(p, shipped, rule).frame)


@pytest.mark.parametrize("way", ["chosen", "blocks", "order statistics"])
def test_overflow_starts_equal_the_limit_applied_at_each_step(way, monkeypatch):
    """Check each candidate's first step over the limit against the limit applied step by step,
    by whichever way is cheaper and by each way forced."""
    if way != "chosen":
        by_order = way == "order statistics"
        monkeypatch.setattr(_limits, "_order_statistics_cheaper", lambda *a: by_order)
    rng = np.random.default_rng(0)
    for _ in range(200):
        n, steps, cap = int(rng.integers(0, 400)), int(rng.integers(1, 25)), int(rng.integers(0, 9))
        window = np.sort(rng.integers(0, int(rng.integers(1, 6)), n))
        start = rng.integers(0, steps + 1, n)
        expected = np.full(n, steps)
        for k in range(steps - 1, -1, -1):
            cand = np.flatnonzero(start <= k)
            expected[cand[over_limit(window[cand], cap)]] = k
        np.testing.assert_array_equal(overflow_starts(window, start, cap, steps), expected)


def test_sort_with_keys_sorts_values_and_carries_keys():
    """Check values sorted exactly, with each value's keys, for full floats, floats that were
    float32, ties, negatives and values one bit apart."""
    rng = np.random.default_rng(1)
    half = rng.random(200)
    for x in (rng.normal(size=500), rng.random(500).astype(np.float32).astype(float),
              np.round(rng.random(500), 2), np.r_[half, np.nextafter(half, 2), -0.0, 0.0]):
        keys = rng.integers(0, 37, len(x))
        _, xs, ks = sort_with_keys(x, keys, 37)
        np.testing.assert_array_equal(xs, np.sort(x))
        for v in np.unique(x):
            assert sorted(ks[xs == v]) == sorted(keys[x == v])


def test_bins_of_many_values_equal_a_binary_search():
    """Check bins found by cells of the threshold range against numpy's search, with values on
    the thresholds, missing and infinite values."""
    rng = np.random.default_rng(2)
    x = rng.beta(2, 8, 300_000)
    thresholds = np.unique(np.r_[np.quantile(x, np.linspace(0, 1, 57)), x[:3],
                                 np.nextafter(x[3], 2)])
    x[rng.choice(len(x), 50)] = np.nan
    x[:4] = [np.inf, -np.inf, thresholds[0], thresholds[-1]]
    x[rng.choice(len(x), 500)] = rng.choice(thresholds, 500)
    for op, side in (("<", "right"), ("<=", "left"), (">", "left"), (">=", "right")):
        np.testing.assert_array_equal(fired_bins(x, thresholds, op),
                                      np.searchsorted(thresholds, x, side=side))
