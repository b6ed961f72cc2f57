"""Trust over time: every metric by hand on fourteen cases, honest nulls, segments, refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.datasets import make_history
from trustlab.datasets._synthetic import ConceptShift
from trustlab.simulate import replay
from trustlab.trust import TRUST_COLUMNS, TRUST_METRICS, TrustResult, trust_over_time
from _support import CREDIT, OUTCOMES, RULES, make_policy

RULES_BIG = [RULES[0], {"id": "big", "when": "amount > 100", "then": "review",
                        "escalate": "senior", "because": "Big."}, *RULES[1:]]
"""The base rules with a big amount sent to a senior reviewer after a missing score."""


def tiny_policy(mode: str = "advisory", **sections) -> trustlab.Policy:
    return trustlab.parse_policy(make_policy(name="trust-tiny", mode=mode, rules=RULES_BIG,
                                             **sections))


A, B, D = "2025-01-03 10:00", "2025-01-10 10:00", "2025-01-24 10:00"  # 7D windows start Thursdays
NA = None


def tiny_cases() -> pd.DataFrame:
    """Fourteen cases in the 7-day windows of 2 Jan, 9 Jan and 23 Jan (16 Jan is empty).

    row  window  p     amount  bad    human  seg  reversed  → action    compared?  outcome
    0    A       .10   50      False  yes    A    False       approve   agree      right, accepted
    1    A       .10   50      True   yes    A    True        approve   agree      wrong, accepted
    2    A       .10   50      NA     no     B    False       approve   override   unknown
    3    A       .60   50      True   yes    B    NA          decline   override   right, overridden
    4    A       .60   50      NA     no     A    False       decline   agree      unknown
    5    A       .30   50      False  yes    A    True        review    (human)
    6    A       .30   150     NA     no     B    False       review+escalate (human)
    7    B       .05   50      False  NA     A    False       approve   no record
    8    B       .70   50      False  yes    A    True        decline   override   wrong, overridden
    9    B       .15   50      False  yes    B    False       approve   agree      right, accepted
    10   B       NA    50      False  yes    B    False       review    (human)
    11   B       .10   500     NA     no     B    False       review+escalate (human)
    12   D       .40   50      NA     NA     A    False       review    (human)
    13   D       .45   50      False  yes    B    False       review    (human)
    """
    return pd.DataFrame({
        "key": [f"k{i}" for i in range(14)],
        "t": pd.to_datetime([A] * 7 + [B] * 5 + [D] * 2),
        "p": [.1, .1, .1, .6, .6, .3, .3, .05, .7, .15, np.nan, .1, .4, .45],
        "amount": [50, 50, 50, 50, 50, 50, 150, 50, 50, 50, 50, 500, 50, 50],
        "bad": pd.array([False, True, NA, True, NA, False, NA, False, False, False, False, NA,
                         NA, False], dtype="boolean"),
        "human": ["yes", "yes", "no", "yes", "no", "yes", "no", None, "yes", "yes", "yes", "no",
                  None, "yes"],
        "seg": list("AABBAAB" "AABBB" "AB"),
        "region": ["north"] * 7 + ["south"] * 7,
        "reversed": pd.array([False, True, False, NA, False, True, False, False, True, False,
                              False, False, False, False], dtype="boolean"),
    }, index=np.arange(14) * 2 + 100)


@pytest.fixture
def cases():
    """The fourteen cases of :func:`tiny_cases`."""
    return tiny_cases()


@pytest.fixture
def replayed(cases):
    return replay(tiny_policy(), cases, segments=("seg",))


def _values(result: TrustResult, segment=None) -> pd.DataFrame:
    f = result.frame
    f = f[f["segment"].isna()] if segment is None else f[f["segment"] == segment]
    return f.pivot(index="window_start", columns="metric", values="value")


def test_actions_are_as_worked_out(replayed):
    """Check the fixture's actions and compared rows are those the docstring works out."""
    d = replayed.decisions
    assert d["action"].astype(str).tolist() == [
        "approve", "approve", "approve", "decline", "decline", "review", "review",
        "approve", "decline", "approve", "review", "review", "review", "review"]
    assert replayed.records["escalate"].notna().tolist() == [False] * 6 + [True] + [False] * 4 \
        + [True, False, False]


def test_every_metric_by_hand_per_window(replayed, cases):
    """Check each metric in each window against the counts worked out in the fixture."""
    t = trust_over_time(replayed, window="7D", reversed_column="reversed", data=cases)
    v = _values(t)
    a, b, c, d = pd.to_datetime(["2025-01-02", "2025-01-09", "2025-01-16", "2025-01-23"])
    assert list(v.index) == [a, b, c, d]  # the empty window is present
    expected = {
        a: dict(decisions=7, automation_rate=5 / 7, deferral_rate=2 / 7, escalation_rate=1 / 7,
                alignment=3 / 5, override_rate=2 / 5, reliance=3 / 5, accepted_right=1 / 3,
                over_reliance=1 / 3, under_reliance=1 / 3, overrode_wrong=0.0,
                reversal_rate=1 / 4),  # row 3's status unknown, row 5 is not automated
        b: dict(decisions=5, automation_rate=3 / 5, deferral_rate=2 / 5, escalation_rate=1 / 5,
                alignment=1 / 2, override_rate=1 / 2, reliance=1 / 2, accepted_right=1 / 2,
                over_reliance=0.0, under_reliance=0.0, overrode_wrong=1 / 2,
                reversal_rate=1 / 3),
        d: dict(decisions=2, automation_rate=0.0, deferral_rate=1.0, escalation_rate=0.0),
    }
    for window, metrics in expected.items():
        for name, value in metrics.items():
            assert v.loc[window, name] == pytest.approx(value), (window, name)
    assert v.loc[c, "decisions"] == 0
    numerators = t.frame.set_index(["window_start", "metric"])
    assert numerators.loc[(a, "over_reliance"), "numerator"] == 1
    assert numerators.loc[(a, "over_reliance"), "denominator"] == 3
    assert np.isnan(numerators.loc[(a, "decisions"), "denominator"])


def test_unavailable_values_are_nan_with_a_reason(replayed, cases):
    """Check an empty window, and one without compared decisions, give NaN and say why, not 0."""
    t = trust_over_time(replayed, reversed_column="reversed", data=cases)
    f = t.frame[t.frame["segment"].isna()].set_index(["window_start", "metric"])
    empty, human_only = pd.Timestamp("2025-01-16"), pd.Timestamp("2025-01-23")
    for name in TRUST_METRICS:
        if name == "decisions":
            continue
        assert np.isnan(f.loc[(empty, name), "value"]), name
        assert f.loc[(empty, name), "reason"], name
    assert f.loc[(empty, "automation_rate"), "reason"] == "no decisions"
    assert "recorded human decision" in f.loc[(human_only, "alignment"), "reason"]
    assert "observed outcome" in f.loc[(human_only, "over_reliance"), "reason"]
    assert "reversal" in f.loc[(human_only, "reversal_rate"), "reason"]
    ok = f["value"].notna()
    assert (f.loc[ok, "reason"] == "").all()


def test_reversal_rate_without_a_column_is_nan_with_a_reason(replayed):
    """Check reversal_rate is present but NaN, with how to get it, when no column is named."""
    s = trust_over_time(replayed).summary()
    assert np.isnan(s.loc["reversal_rate", "value"])
    assert "reversed_column" in s.loc["reversal_rate", "reason"]


def test_summary_totals_by_hand_and_matches_the_replay(replayed, cases):
    """Check the overall values by hand, and that alignment and override_rate are the replay's."""
    s = trust_over_time(replayed, reversed_column="reversed", data=cases).summary()
    assert s.loc["decisions", "value"] == 14
    assert s.loc["automation_rate", "value"] == pytest.approx(8 / 14)
    assert s.loc["escalation_rate", "value"] == pytest.approx(2 / 14)
    assert s.loc["alignment", "value"] == pytest.approx(4 / 7)
    assert s.loc["alignment", "value"] == replayed.metric("alignment")
    assert s.loc["override_rate", "value"] == pytest.approx(replayed.metric("override_rate"))
    assert s.loc["reliance", "value"] == s.loc["alignment", "value"]
    split = ["accepted_right", "over_reliance", "under_reliance", "overrode_wrong"]
    assert s.loc[split, "numerator"].tolist() == [2, 1, 1, 1]
    assert (s.loc[split, "denominator"] == 5).all()
    assert s.loc[split, "value"].sum() == pytest.approx(1.0)
    assert s.loc["reversal_rate", "value"] == pytest.approx(2 / 7)


def test_by_segment_by_hand(replayed):
    """Check a replay segment column splits each window, with 0 and NaN kept apart."""
    t = trust_over_time(replayed, by="seg")
    assert list(t.frame.columns) == list(TRUST_COLUMNS)
    n_windows, n_groups = 4, 3  # all decisions, A, B
    assert len(t.frame) == n_windows * n_groups * len(TRUST_METRICS)
    assert set(t.frame.loc[t.frame["segment"].notna(), "by"]) == {"seg"}
    a, b, c = pd.to_datetime(["2025-01-02", "2025-01-09", "2025-01-16"])
    va, vb = _values(t, "A"), _values(t, "B")
    assert (va.loc[a, "decisions"], va.loc[a, "alignment"]) == (4, 1.0)
    assert (vb.loc[a, "decisions"], vb.loc[a, "alignment"]) == (3, 0.0)
    assert (va.loc[b, "alignment"], vb.loc[b, "alignment"]) == (0.0, 1.0)
    assert np.isnan(va.loc[c, "alignment"]) and va.loc[c, "decisions"] == 0
    seg = t.summary(segments=True)
    assert seg.loc[("A", "alignment"), "value"] == pytest.approx(3 / 4)
    assert seg.loc[("B", "alignment"), "value"] == pytest.approx(1 / 3)
    assert seg.loc[("(all)", "alignment"), "value"] == pytest.approx(4 / 7)


def test_by_a_column_of_the_data(replayed, cases):
    """Check `by` may name a column only the data holds, given data=."""
    t = trust_over_time(replayed, by="region", data=cases)
    s = t.summary(segments=True)
    assert s.loc[("north", "decisions"), "value"] == 7
    assert s.loc[("south", "automation_rate"), "value"] == pytest.approx(3 / 7)
    with pytest.raises(trustlab.DataError, match="'region'.*pass data="):
        trust_over_time(replayed, by="region")
    with pytest.raises(trustlab.DataError, match="same rows and index"):
        trust_over_time(replayed, by="region", data=cases.reset_index(drop=True))


def test_confusion_sums_to_the_compared_decisions(replayed):
    """Check the crosstab by hand, and that its total is the alignment denominator."""
    t = trust_over_time(replayed, by="seg")
    c = t.confusion()
    assert c.index.name == "policy_action" and c.columns.name == "recorded_action"
    assert c.to_numpy().tolist() == [[3, 1], [2, 1]]  # rows approve, decline
    assert c.to_numpy().sum() == t.summary().loc["alignment", "denominator"] == 7
    assert np.trace(c.to_numpy()) == t.summary().loc["alignment", "numerator"]
    assert t.confusion(window="2025-01-05").to_numpy().tolist() == [[2, 1], [1, 1]]
    assert t.confusion(window="2025-01-09").to_numpy().tolist() == [[1, 0], [1, 0]]
    assert t.confusion(window="2025-01-17").to_numpy().sum() == 0
    assert t.confusion(segment="B").to_numpy().tolist() == [[1, 1], [1, 0]]
    with pytest.raises(trustlab.DataError, match="outside the history"):
        t.confusion(window="2026-01-01")
    with pytest.raises(trustlab.DataError, match="segments of 'seg': A, B"):
        t.confusion(segment="C")


def test_weekly_windows_start_on_monday(replayed):
    """Check `1W` windows are the engine's: aligned to Mondays."""
    t = trust_over_time(replayed, window="1W")
    starts = pd.DatetimeIndex(t.frame["window_start"].unique())
    assert (starts.day_of_week == 0).all()
    assert t.summary().loc["decisions", "value"] == 14


@pytest.mark.parametrize("column, values, match", [
    ("gone", None, "reversed_column: names column 'gone'"),
    ("flag", [0, 1] * 7, "column 'flag'.*int64.*must be boolean"),
    ("flag", ["yes", "no"] * 7, "must be boolean"),
])
def test_reversal_column_refused(replayed, cases, column, values, match):
    """Check a missing or non-boolean reversal column is refused, naming the column and the fix."""
    data = cases.assign(flag=values) if values is not None else cases
    with pytest.raises(trustlab.DataError, match=match):
        trust_over_time(replayed, reversed_column=column, data=data)


def test_reversal_column_needs_data(replayed):
    """Check naming a reversal column without the data says to pass data=."""
    with pytest.raises(trustlab.DataError, match="pass data="):
        trust_over_time(replayed, reversed_column="reversed")


def test_plain_bool_and_object_bool_reversal_columns(replayed, cases):
    """Check numpy bool and object columns of True/False/None are read as booleans."""
    plain = cases.assign(flag=cases["reversed"].fillna(False).astype(bool))
    t = trust_over_time(replayed, reversed_column="flag", data=plain)
    assert t.summary().loc["reversal_rate", "value"] == pytest.approx(2 / 8)  # row 3 now False
    obj = cases.assign(flag=cases["reversed"].astype(object).where(cases["reversed"].notna(), None))
    t = trust_over_time(replayed, reversed_column="flag", data=obj)
    assert t.summary().loc["reversal_rate", "value"] == pytest.approx(2 / 7)


def test_no_time_column_is_refused(cases):
    """Check a policy without `columns.time` is refused with the fix named."""
    p = tiny_policy(columns={"id": "key"}, outcomes={**OUTCOMES, "window": None})
    r = replay(p, cases, segments=())
    with pytest.raises(trustlab.DataError, match="set `columns.time`"):
        trust_over_time(r)


def test_bad_window_and_unknown_by_are_refused(replayed):
    """Check an unreadable window and an unknown `by` column are refused with the valid forms."""
    with pytest.raises(trustlab.DataError, match="window: must be a time window such as 1D"):
        trust_over_time(replayed, window="7 days")
    with pytest.raises(trustlab.DataError, match="by: names column 'nope'.*Columns: action"):
        trust_over_time(replayed, by="nope")


def test_no_recorded_decisions_says_so(cases):
    """Check a policy that records no human decisions has NaN agreement naming the missing field."""
    p = tiny_policy(outcomes={**OUTCOMES, "reviewer": {"accuracy": 0.9}})
    s = trust_over_time(replay(p, cases, segments=())).summary()
    for name in ("alignment", "override_rate", "reliance", "over_reliance"):
        assert np.isnan(s.loc[name, "value"])
        assert "outcomes.reviewer.decision" in s.loc[name, "reason"]
    assert s.loc["automation_rate", "value"] == pytest.approx(8 / 14)


def test_repr_html_formats_percentages(replayed):
    """Check the HTML table shows rates in % and n/a with the reason."""
    html = trust_over_time(replayed)._repr_html_()
    assert "57.1%" in html and "n/a" in html and "reversed_column" in html


def test_concept_shift_raises_over_reliance_not_disagreement():
    """Check a concept shift leaves agreement untouched but raises over-reliance after it starts.

    Neither the model nor the underwriters see the shift (both read the features
    through the relationship learned before it), so they agree as before; but
    more of the approvals both accept now default: accepted-and-wrong rises.
    """
    p = trustlab.load_policy(CREDIT)
    kw = dict(n_days=84, applications_per_day=40, seed=3)
    before = trust_over_time(replay(p, make_history(**kw), segments=()))
    after = trust_over_time(replay(p, make_history(**kw, scenarios=[
        ConceptShift("2025-02-13", factor=2.5)]), segments=()))
    np.testing.assert_array_equal(before.metric("alignment"), after.metric("alignment"))

    def post(result):
        f = result.frame
        rows = f[f["segment"].isna() & (f["metric"] == "over_reliance")
                 & (f["window_start"] >= pd.Timestamp("2025-02-13"))]
        return rows["numerator"].sum() / rows["denominator"].sum()

    assert post(after) > 1.5 * post(before)
    assert post(after) - post(before) > 0.02
