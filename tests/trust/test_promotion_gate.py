"""The promotion gate: each criterion by hand, Wilson arithmetic, the ladder, honest failures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.simulate import replay
from trustlab.trust import (
    GATE_COLUMNS,
    GateResult,
    decisions_for_bound,
    promotion_gate,
    wilson_interval,
)
from _support import OUTCOMES, RULES, make_policy

Z = 1.959963984540054

PROMOTION = {"min_decisions": 150, "min_alignment": 0.9, "max_override_rate": 0.1,
             "max_signal_psi": 0.1}


def gate_policy(mode: str = "supervised", promotion: dict | None = PROMOTION,
                reviewer: bool = True, time: bool = True) -> trustlab.Policy:
    """High declines, low approves, the middle is reviewed; ``reviewer=False``: no recorded
    human decisions (a simulated reviewer of accuracy 0.9); ``time=False``: no time column."""
    return trustlab.parse_policy(make_policy(
        name="gate-tiny", version="2", mode=mode, columns={"time": "t"} if time else None,
        rules=RULES[1:],
        outcomes={**OUTCOMES, "window": None,
                  "reviewer": OUTCOMES["reviewer"] if reviewer else {"accuracy": 0.9}},
        promotion=promotion))


def approvals(n: int, agree: int) -> pd.DataFrame:
    """``n`` approvals, daily at 09:00 from 1 Jan 2025; people agreed with the first ``agree``."""
    return pd.DataFrame({
        "t": pd.date_range("2025-01-01 09:00", periods=n, freq="D"),
        "p": 0.1,
        "bad": pd.array([False] * n, dtype="boolean"),
        "human": ["yes"] * agree + ["no"] * (n - agree),
    })


def gate(n: int, agree: int, **kw) -> GateResult:
    psi = kw.pop("signal_psi", 0.05)
    return promotion_gate(replay(gate_policy(**kw), approvals(n, agree)), signal_psi=psi)


def test_wilson_interval_by_hand():
    """Check the interval against the textbook formula, its symmetry, and NaN for no cases."""
    k, n = 45, 50
    p = k / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z / (1 + Z**2 / n) * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    lo, hi = wilson_interval(k, n)
    assert (lo, hi) == (pytest.approx(centre - half), pytest.approx(centre + half))
    lo2, hi2 = wilson_interval(n - k, n)
    assert (lo2, hi2) == (pytest.approx(1 - hi), pytest.approx(1 - lo))
    assert np.isnan(wilson_interval(0, 0)[0])


def test_decisions_for_bound_by_hand():
    """Check n = ceil(z² r(1-r) / (p-r)²), and that the bound reaches r at n and not at n - 1."""
    n = decisions_for_bound(0.95, 0.90, "at_least")
    assert n == math.ceil(Z**2 * 0.9 * 0.1 / 0.05**2) == 139
    assert wilson_interval(0.95 * n, n)[0] >= 0.90
    assert wilson_interval(0.95 * (n - 1), n - 1)[0] < 0.90
    m = decisions_for_bound(0.05, 0.10, "at_most")
    assert m == 139 and wilson_interval(0.05 * m, m)[1] <= 0.10
    assert np.isnan(decisions_for_bound(0.90, 0.90, "at_least"))  # at the line: never
    assert np.isnan(decisions_for_bound(0.12, 0.10, "at_most"))
    assert decisions_for_bound(0.3, 0.0, "at_least") == 0  # a bound of 0 always holds


def test_every_criterion_holds_and_the_policy_may_promote():
    """Check 190 of 200 agreeing (95%) clears every criterion, and advisory moves to shadow."""
    g = gate(200, 190, mode="advisory")
    assert (g.current_mode, g.next_mode, g.may_promote) == ("advisory", "shadow", True)
    f = g.frame.set_index("criterion")
    assert list(g.frame.columns) == list(GATE_COLUMNS)
    assert f["holds"].all()
    assert (f["shortfall"] == 0).all() and (f["more_decisions"] == 0).all()
    lo, hi = wilson_interval(190, 200)
    assert f.loc["min_alignment", ["observed", "lower", "upper"]].tolist() == \
        pytest.approx([0.95, lo, hi])
    assert f.loc["max_override_rate", ["observed", "lower", "upper"]].tolist() == \
        pytest.approx([0.05, 1 - hi, 1 - lo])
    assert "may move to shadow" in g.in_words()


def test_rate_criteria_need_more_decisions_by_hand():
    """Check 95 of 100 (95%): the lower bound misses 90%, and 39 more decisions clear it.

    The history has one decision a day for 100 days, so the last four weeks
    hold 28 compared decisions: 7 a week, and 39 more take 39 / 7 weeks.
    """
    g = gate(100, 95)
    f = g.frame.set_index("criterion")
    lo, hi = wilson_interval(95, 100)
    a = f.loc["min_alignment"]
    assert not a["holds"] and a["observed"] == pytest.approx(0.95)
    assert a["shortfall"] == pytest.approx(0.90 - lo)
    assert a["more_decisions"] == 139 - 100
    assert g.weekly_volume["compared decisions"] == pytest.approx(7.0)
    assert a["weeks"] == pytest.approx(39 / 7)
    o = f.loc["max_override_rate"]
    assert not o["holds"] and o["upper"] == pytest.approx(1 - lo)
    assert o["shortfall"] == pytest.approx((1 - lo) - 0.10)
    assert o["more_decisions"] == 39
    d = f.loc["min_decisions"]
    assert not d["holds"] and d["shortfall"] == 50 and d["more_decisions"] == 50
    assert d["weeks"] == pytest.approx(50 / 7)
    assert "39 more compared decisions" in a["reason"]
    assert not g.may_promote and g.next_mode == "autonomous"


@pytest.mark.parametrize("agree", [90, 85])
def test_rate_on_the_wrong_side_says_more_decisions_will_not_help(agree):
    """Check a point estimate at or below the requirement gives no count but says why."""
    f = gate(100, agree).frame.set_index("criterion")
    for c in ("min_alignment", "max_override_rate"):
        assert not f.loc[c, "holds"]
        assert np.isnan(f.loc[c, "more_decisions"]) and np.isnan(f.loc[c, "weeks"])
        assert "will not help" in f.loc[c, "reason"]


def test_holding_on_the_point_estimate_is_not_enough():
    """Check 184 of 200 (92%) is above 90% yet fails: the Wilson lower bound is below it."""
    f = gate(200, 184).frame.set_index("criterion")  # 92%
    lo, _ = wilson_interval(184, 200)
    assert f.loc["min_alignment", "observed"] > 0.9 > lo
    assert not f.loc["min_alignment", "holds"]
    need = math.ceil(Z**2 * 0.9 * 0.1 / 0.02**2)
    assert f.loc["min_alignment", "more_decisions"] == need - 200


@pytest.mark.parametrize("psi, holds, shortfall", [(0.05, True, 0.0), (0.1, True, 0.0),
                                                   (0.25, False, 0.15)])
def test_signal_psi_criterion(psi, holds, shortfall):
    """Check drift holds at or under the bound and fails by the excess, without a decision count."""
    f = gate(200, 190, signal_psi=psi).frame.set_index("criterion")
    assert f.loc["max_signal_psi", "holds"] == holds
    assert f.loc["max_signal_psi", "shortfall"] == pytest.approx(shortfall)
    if not holds:
        assert np.isnan(f.loc["max_signal_psi", "more_decisions"])
        assert "do not lower drift" in f.loc["max_signal_psi", "reason"]


def test_unmeasured_drift_fails_with_the_reason():
    """Check signal_psi=None (drift not measured) fails the drift criterion and blocks promotion."""
    g = gate(200, 190, signal_psi=None)
    f = g.frame.set_index("criterion")
    assert not f.loc["max_signal_psi", "holds"] and np.isnan(f.loc["max_signal_psi", "observed"])
    assert "not measured" in f.loc["max_signal_psi", "reason"]
    assert not g.may_promote and g.failed == ["max_signal_psi"]
    assert "cannot be computed" in g.in_words()


def test_no_recorded_decisions_fails_the_rate_criteria():
    """Check a policy without recorded human decisions fails alignment and override, naming why."""
    g = gate(200, 190, reviewer=False)
    f = g.frame.set_index("criterion")
    for c in ("min_alignment", "max_override_rate"):
        assert not f.loc[c, "holds"] and np.isnan(f.loc[c, "observed"])
        assert "outcomes.reviewer.decision" in f.loc[c, "reason"]
    assert f.loc["min_decisions", "holds"]
    assert not g.may_promote


@pytest.mark.parametrize("mode, nxt", [("advisory", "shadow"), ("shadow", "supervised"),
                                       ("supervised", "autonomous"), ("autonomous", None)])
def test_the_ladder(mode, nxt):
    """Check each mode's next step; autonomous is the top and never promotes."""
    g = gate(200, 190, mode=mode)
    assert g.next_mode == nxt
    assert g.may_promote == (nxt is not None)
    if nxt is None:
        assert "top of the ladder" in g.in_words()
        assert g.frame["holds"].all()  # its evidence is still weighed


def test_no_promotion_section():
    """Check a policy without `promotion` says so and does not promote."""
    g = promotion_gate(replay(gate_policy(promotion=None), approvals(200, 190)), signal_psi=0.0)
    assert not g.may_promote and g.frame.empty and list(g.frame.columns) == list(GATE_COLUMNS)
    assert "no `promotion` section" in g.in_words()
    assert "no `promotion` section" in g._repr_html_()


def test_only_declared_criteria_are_weighed():
    """Check a promotion section with one criterion gives one row."""
    g = promotion_gate(replay(gate_policy(promotion={"min_decisions": 10}),
                              approvals(20, 0)))
    assert g.frame["criterion"].tolist() == ["min_decisions"] and g.may_promote


@pytest.mark.parametrize("bad", [-0.1, "0.1", True, float("nan")])
def test_bad_signal_psi_is_refused(bad):
    """Check signal_psi must be a non-negative number or None."""
    with pytest.raises(trustlab.ParameterError,
                       match="'signal_psi' argument of promotion_gate.. must be the largest PSI"):
        gate(20, 20, signal_psi=bad)


def test_gate_matches_the_replay_alignment():
    """Check the gate's observed alignment is the replay's metric, to the bit."""
    r = replay(gate_policy(), approvals(60, 47))
    f = promotion_gate(r).frame.set_index("criterion")
    assert f.loc["min_alignment", "observed"] == r.metric("alignment")
    assert f.loc["min_alignment", "evidence"] == 60


def test_short_history_volume_uses_its_span():
    """Check a history shorter than four weeks gives its volume over its span (15 rows, 14 days)."""
    g = gate(15, 15)
    assert g.weekly_volume["decisions"] == pytest.approx(15 / 2)


def test_repr_html_puts_the_verdict_first():
    """Check the HTML starts with the verdict, then the criteria with % and intervals."""
    html = gate(100, 95)._repr_html_()
    assert html.index("may not move to autonomous") < html.index("<table>")
    assert "95.0%" in html and "min_alignment" in html and "weeks" in html


def test_without_a_time_column_weeks_are_unknown_but_counts_are_given():
    """Check a policy without `columns.time` gets its count of more decisions, weeks NaN and why."""
    p = gate_policy("advisory", promotion={"min_alignment": 0.9}, time=False)
    f = promotion_gate(replay(p, approvals(100, 95))).frame.set_index("criterion")
    assert f.loc["min_alignment", "more_decisions"] == 39
    assert np.isnan(f.loc["min_alignment", "weeks"])
    assert "columns.time" in f.loc["min_alignment", "reason"]
