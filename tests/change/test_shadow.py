"""Shadow runs: agreement, the action matrix and the verdicts by hand on sixteen cases; refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.change._shadow import (JUDGEMENTS, SHADOW_COLUMNS, SHADOW_METRICS, VERDICT_SHARES,
                                     VERDICTS, ShadowResult, shadow_run)
from trustlab.datasets import ConceptShift, FeatureDrift, make_history
from trustlab.simulate import replay
from _support import ACTIONS, CREDIT, RECORDED, RULES, VALUES, credit_text, make_policy

def champion_text(high: float = 0.5, **sections) -> str:
    """Declines from ``high``, approves under 20%, a person decides between."""
    return make_policy(**{
        "name": "shadow-tiny",
        "rules": [
            RULES[0],
            {"id": "high", "when": f"p >= {high}", "then": "decline",
             "because": "Risk {p:.0%} is high."},
            {"id": "low", "when": "p < 0.2", "then": "approve", "because": "Risk {p:.0%} is low."},
            {"id": "mid", "otherwise": True, "then": "review", "because": "A person decides."}],
        "outcomes": {"label": "bad", "values": VALUES, "reviewer": RECORDED,
                     "unlabelled": "exclude"},
        **sections})


def challenger_text(review_cost: float = 10, **sections) -> str:
    """Bolder: approves up to 55%, declines from 70%, and refers (automated, unfavourable)
    from 90%; a review costs ``review_cost``."""
    return make_policy(**{
        "name": "shadow-tiny",
        "version": "2",
        "actions": {**{k: v for k, v in ACTIONS.items() if k != "review"},
                    "refer": {"automated": True}, "review": ACTIONS["review"]},
        "rules": [
            RULES[0],
            {"id": "very-high", "when": "p >= 0.9", "then": "refer",
             "because": "Risk {p:.0%}: refer to a partner."},
            {"id": "high", "when": "p >= 0.7", "then": "decline",
             "because": "Risk {p:.0%} is high."},
            {"id": "low", "when": "p < 0.55", "then": "approve",
             "because": "Risk {p:.0%} is acceptable."},
            {"id": "mid", "otherwise": True, "then": "review", "because": "A person decides."}],
        "outcomes": {"label": "bad",
                     "values": {"approve": VALUES["approve"], "decline": VALUES["decline"],
                                "refer": {"good": -10, "bad": 0},
                                "review": {"cost": review_cost}},
                     "reviewer": RECORDED, "unlabelled": "exclude"},
        **sections})


D1, D2 = "2025-03-03 10:00", "2025-03-04 11:00"  # a Monday and a Tuesday: two 1D windows, one 1W
NA = None


def tiny_cases() -> pd.DataFrame:
    """Sixteen cases on two days in two segments, decided and judged by hand.

    A person reviewing approves ("yes") where the outcome was seen and declines
    where it was not, so a review is worth -10 + 100 (good) or -10 - 1000 (bad).

    row day seg p    bad  champion  challenger  champion  challenger  verdict           value
                                                judged    judged                        diff
    0   1   A   .10  F    approve   approve                           agree
    1   1   A   .30  F    review    approve     deferred  right       challenger_right  +10
    2   1   B   .30  T    review    approve     deferred  wrong       challenger_wrong  +10
    3   1   B   .60  NA   decline   review      unknown   deferred    unlabelled        NaN
    4   1   A   .60  T    decline   review      right     deferred    champion_right    -1010
    5   1   B   .52  T    decline   approve     right     wrong       champion_right    -1000
    6   1   A   NA   F    review    review                            agree
    7   1   B   .95  T    decline   refer       right     right       tie               0
    8   2   A   .35  NA   review    approve     deferred  unknown     unlabelled        NaN
    9   2   B   .60  F    decline   review      wrong     deferred    champion_wrong    +110
    10  2   B   .05  F    approve   approve                           agree
    11  2   A   .80  T    decline   decline                           agree
    12  2   B   .40  F    review    approve     deferred  right       challenger_right  +10
    13  2   A   .53  F    decline   approve     wrong     right       challenger_right  +120
    14  2   A   .75  NA   decline   decline                           agree
    15  2   B   .92  F    decline   refer       wrong     wrong       tie               +10
    """
    bad = [False, False, True, NA, True, True, False, True,
           NA, False, False, True, False, False, NA, False]
    return pd.DataFrame({
        "key": [f"k{i}" for i in range(16)],
        "t": pd.to_datetime([D1] * 8 + [D2] * 8),
        "p": [.10, .30, .30, .60, .60, .52, np.nan, .95, .35, .60, .05, .80, .40, .53, .75, .92],
        "bad": pd.array(bad, dtype="boolean"),
        "human": ["no" if b is NA else "yes" for b in bad],
        "seg": list("AABBABAB" "ABBABAAB"),
    }, index=np.arange(16) * 3 + 200)


VERDICT_BY_ROW = ["agree", "challenger_right", "challenger_wrong", "unlabelled", "champion_right",
                  "champion_right", "agree", "tie", "unlabelled", "champion_wrong", "agree",
                  "agree", "challenger_right", "challenger_right", "agree", "tie"]
VALUE_DIFF_BY_ROW = [0, 10, 10, np.nan, -1010, -1000, 0, 0, np.nan, 110, 0, 0, 10, 120, 0, 10]

# Counts per (segment, day), from the table above:
# cases, agree, disagree, unlabelled, challenger_right, champion_right, challenger_wrong,
# champion_wrong, both_deferred, tie, value difference (sum), valued disagreements
COUNTS = {
    (None, D1): (8, 2, 6, 1, 1, 2, 1, 0, 0, 1, -1990, 5),
    (None, D2): (8, 3, 5, 1, 2, 0, 0, 1, 0, 1, 250, 4),
    ("A", D1): (4, 2, 2, 0, 1, 1, 0, 0, 0, 0, -1000, 2),   # rows 0 1 4 6
    ("A", D2): (4, 2, 2, 1, 1, 0, 0, 0, 0, 0, 120, 1),     # rows 8 11 13 14
    ("B", D1): (4, 0, 4, 1, 0, 1, 1, 0, 0, 1, -990, 3),    # rows 2 3 5 7
    ("B", D2): (4, 1, 3, 0, 1, 0, 0, 1, 0, 1, 130, 3),     # rows 9 10 12 15
}


def expected_metrics(c) -> dict[str, tuple[float, float, float]]:
    """(value, numerator, denominator) of every metric from one row of COUNTS."""
    cases, agree, dis, unl, c_r, h_r, c_w, h_w, both, tie, vd, valued = c
    lab = dis - unl
    return {
        "cases": (cases, cases, np.nan),
        "agreement": (agree / cases, agree, cases),
        "disagreements": (dis, dis, np.nan),
        "unlabelled_share": (unl / dis, unl, dis),
        "challenger_right_share": (c_r / lab, c_r, lab),
        "champion_right_share": (h_r / lab, h_r, lab),
        "challenger_wrong_share": (c_w / lab, c_w, lab),
        "champion_wrong_share": (h_w / lab, h_w, lab),
        "both_deferred_share": (both / lab, both, lab),
        "tie_share": (tie / lab, tie, lab),
        "value_difference": (vd, vd, np.nan),
        "value_difference_per_disagreement": (vd / valued, vd, valued),
    }


@pytest.fixture(scope="module")
def champion():
    return trustlab.parse_policy(champion_text())


@pytest.fixture(scope="module")
def challenger():
    return trustlab.parse_policy(challenger_text())


@pytest.fixture(scope="module")
def cases():
    return tiny_cases()


@pytest.fixture(scope="module")
def run(champion, challenger, cases):
    return shadow_run(champion, challenger, cases, window="1D", by="seg")


# ----------------------------------------------------------------------------- by hand

def test_cases_are_as_worked_out(run, cases):
    """Check both actions, each side's judgement and the verdict of every row against the table."""
    c = run.cases
    assert c.index.equals(cases.index)
    assert c["champion_action"].tolist() == [
        "approve", "review", "review", "decline", "decline", "decline", "review", "decline",
        "review", "decline", "approve", "decline", "review", "decline", "decline", "decline"]
    assert c["challenger_action"].tolist() == [
        "approve", "approve", "approve", "review", "review", "approve", "review", "refer",
        "approve", "review", "approve", "decline", "approve", "approve", "decline", "refer"]
    assert c["verdict"].astype(str).tolist() == VERDICT_BY_ROW
    assert list(c["verdict"].cat.categories) == list(VERDICTS)
    assert list(c["champion_judgement"].cat.categories) == list(JUDGEMENTS)
    disagree = ~c["agree"].to_numpy()
    assert c["champion_judgement"].astype(str)[disagree].tolist() == [
        "deferred", "deferred", "unknown", "right", "right", "right", "deferred", "wrong",
        "deferred", "wrong", "wrong"]
    assert c["challenger_judgement"].astype(str)[disagree].tolist() == [
        "right", "wrong", "deferred", "deferred", "wrong", "right", "unknown", "deferred",
        "right", "right", "wrong"]
    np.testing.assert_allclose(c["value_difference"].where(disagree, 0.0).to_numpy(),
                               VALUE_DIFF_BY_ROW)


def test_every_metric_by_hand_per_window_and_segment(run):
    """Check each metric's value, numerator and denominator in each day and segment."""
    f = run.frame
    assert list(f.columns) == list(SHADOW_COLUMNS)
    assert list(pd.unique(f["metric"])) == list(SHADOW_METRICS)
    assert len(f) == 3 * 2 * len(SHADOW_METRICS)  # (all, A, B) × two days × metrics
    for (seg, day), counts in COUNTS.items():
        start = pd.Timestamp(day).normalize()
        rows = f[(f["segment"].isna() if seg is None else f["segment"] == seg)
                 & (f["window_start"] == start)].set_index("metric")
        assert (rows["by"].isna() if seg is None else rows["by"] == "seg").all()
        for name, (value, num, den) in expected_metrics(counts).items():
            got = rows.loc[name]
            np.testing.assert_allclose([got["value"], got["numerator"], got["denominator"]],
                                       [value, num, den], err_msg=f"{seg} {day} {name}")
            assert got["reason"] == ""


def test_segments_add_up_to_all_cases(run):
    """Check every count metric of segments A and B sums to the all-cases count, per window."""
    f = run.frame
    counts = f[f["metric"].isin(["cases", "disagreements", "value_difference"])]
    seg = counts[counts["segment"].notna()].groupby(["window_start", "metric"])["numerator"].sum()
    whole = counts[counts["segment"].isna()].set_index(["window_start", "metric"])["numerator"]
    assert seg.to_dict() == whole.to_dict()


def test_verdict_shares_sum_to_one(run):
    """Check the six verdict shares split the disagreements with an observed outcome."""
    f = run.frame
    shares = f[f["metric"].isin(VERDICT_SHARES)]
    total = shares.groupby([shares["segment"].fillna("(all)"), "window_start"])["value"].sum()
    np.testing.assert_allclose(total.to_numpy(), 1.0)


def test_totals_by_hand(run):
    """Check the run's totals: 16 cases, 5 agree, 11 disagree, 2 of them with no outcome."""
    t = run.totals()
    assert t.loc["cases", "value"] == 16
    assert t.loc["agreement", "value"] == pytest.approx(5 / 16)
    assert t.loc["disagreements", "value"] == 11
    assert (t.loc["unlabelled_share", "numerator"], t.loc["unlabelled_share", "denominator"]) \
        == (2, 11)
    assert {m: t.loc[m, "numerator"] for m in VERDICT_SHARES} == {
        "challenger_right_share": 3, "champion_right_share": 2, "challenger_wrong_share": 1,
        "champion_wrong_share": 1, "both_deferred_share": 0, "tie_share": 2}
    assert t.loc["challenger_right_share", "denominator"] == 9
    assert t.loc["value_difference", "value"] == -1740
    assert t.loc["value_difference_per_disagreement", "value"] == pytest.approx(-1740 / 9)
    by = run.totals(segments=True)
    assert by.loc[("A", "agreement"), "value"] == pytest.approx(4 / 8)
    assert by.loc[("B", "agreement"), "value"] == pytest.approx(1 / 8)
    assert by.loc[("(all)", "cases"), "value"] == 16


def test_matrix_by_hand(run, champion, challenger):
    """Check the action matrix overall, for one day and for one segment; totals are the rows."""
    m = run.matrix()
    assert list(m.index) == list(champion.action_names) + ["total"]
    assert list(m.columns) == list(challenger.action_names) + ["total"]
    assert m.index.name == "champion" and m.columns.name == "challenger"
    expected = pd.DataFrame(
        [[2, 0, 0, 0, 2], [2, 2, 2, 3, 9], [4, 0, 0, 1, 5], [8, 2, 2, 4, 16]],
        index=m.index, columns=m.columns)
    pd.testing.assert_frame_equal(m, expected, check_dtype=False)
    day1_b = run.matrix(window="2025-03-03 23:00", segment="B")
    assert int(day1_b.loc["total", "total"]) == 4
    assert day1_b.loc["review", "approve"] == 1 and day1_b.loc["decline", "review"] == 1
    assert day1_b.loc["decline", "approve"] == 1 and day1_b.loc["decline", "refer"] == 1
    for day in (D1, D2):
        for seg in ("A", "B"):
            assert int(run.matrix(window=day, segment=seg).loc["total", "total"]) == 4
        d = run.matrix(window=day)
        agree = sum(int(d.loc[a, a]) for a in ("approve", "decline", "review"))
        start = pd.Timestamp(day).normalize()
        assert agree == COUNTS[(None, day)][1]
        assert int(d.loc["total", "total"]) == run.metric("cases")[start]


def test_disagreements_side_by_side(run, cases):
    """Check every disagreement is listed with both actions, rules and rendered reasons."""
    ex = run.disagreements(n=None)
    disagree = [i for i, v in enumerate(VERDICT_BY_ROW) if v != "agree"]
    assert ex.index.equals(cases.index[disagree])
    assert list(ex.columns) == [
        "key", "t", "seg", "champion_action", "champion_rule", "champion_reason",
        "challenger_action", "challenger_rule", "challenger_reason", "outcome", "verdict",
        "value_difference"]
    row5 = ex.loc[cases.index[5]]
    assert (row5["champion_action"], row5["champion_rule"], row5["champion_reason"]) == \
        ("decline", "high", "Risk 52% is high.")
    assert (row5["challenger_action"], row5["challenger_rule"], row5["challenger_reason"]) == \
        ("approve", "low", "Risk 52% is acceptable.")
    assert ex["outcome"].tolist() == ["good", "bad", "unobserved", "bad", "bad", "bad",
                                      "unobserved", "good", "good", "good", "good"]
    three = run.disagreements(n=3, seed=1)
    assert len(three) == 3 and three.index.is_monotonic_increasing
    assert three.index.isin(ex.index).all()
    pd.testing.assert_frame_equal(three, run.disagreements(n=3, seed=1))
    assert len(run.disagreements(n=50)) == 11
    with pytest.raises(trustlab.DataError, match="n: must be a whole number"):
        run.disagreements(n=-1)


def test_summary_says_selective_labels_and_counts(run):
    """Check the summary gives the agreement, the unlabelled disagreements and the verdicts."""
    text = run.in_words()
    assert "over 16 cases, 2 windows from 2025-03-03 to 2025-03-04 (windows of a day)" in text
    assert "same final action on 5 cases (31.2%)" in text
    assert "By seg, agreement is lowest for B (12.5% of 8 cases) and highest for A (50.0%)" \
        in text
    assert "2 disagreements (18.2%) have no observed outcome" in text
    assert "selective labels" in text and "declined" in text
    assert "the challenger's action was right and the champion's not in 3 (33.3%)" in text
    assert "both automated and judged alike in 2 (22.2%)" in text
    assert "both left it to a person" not in text  # no such case: left out
    assert "worth -1,740 in total" in text
    assert "value outcomes differently" not in text  # `refer` is new; shared actions agree


def test_summary_says_when_the_two_value_outcomes_differently(champion, cases):
    """Check the summary warns when the same decision is worth something else to the challenger."""
    dearer = trustlab.parse_policy(challenger_text(review_cost=25))
    text = shadow_run(champion, dearer, cases).in_words()
    assert "value outcomes differently (values of 'review')" in text


def test_window_gaps_are_nan_with_reason(champion, challenger, cases):
    """Check an empty window is present with 0 cases, and its rates NaN with a reason."""
    r = shadow_run(champion, challenger, cases, window="12h")
    agreement = r.metric("agreement")
    assert len(agreement) == 3  # 3 Mar 00:00, 3 Mar 12:00 (empty), 4 Mar 00:00
    assert np.isnan(agreement.iloc[1])
    gap = r.frame[r.frame["window_start"] == agreement.index[1]].set_index("metric")
    assert gap.loc["cases", "value"] == 0 and gap.loc["disagreements", "value"] == 0
    assert gap.loc["agreement", "reason"] == "no cases"
    assert gap.loc["champion_right_share", "reason"].startswith("no disagreements")
    assert gap.loc["value_difference", "value"] == 0


def test_default_window_is_a_week_from_monday(champion, challenger, cases):
    """Check the default window is one week, Monday-aligned: both days fall in one window."""
    r = shadow_run(champion, challenger, cases)
    assert r.window.text == "1W" and r.by is None
    assert r.metric("cases").to_dict() == {pd.Timestamp("2025-03-03"): 16}
    assert r.frame["segment"].isna().all()


def test_no_observed_outcome_is_nan_with_reason(champion, challenger, cases):
    """Check the verdict shares are NaN with a reason when no disagreement has an outcome."""
    unseen = cases.assign(bad=pd.array([NA] * 16, dtype="boolean"), human="no")
    t = shadow_run(champion, challenger, unseen).totals()
    assert t.loc["unlabelled_share", "value"] == 1
    assert np.isnan(t.loc["challenger_right_share", "value"])
    assert "no disagreement has an observed outcome" in t.loc["challenger_right_share", "reason"]
    assert np.isnan(t.loc["value_difference", "value"])
    assert "`outcomes.unlabelled` is `exclude`" in t.loc["value_difference", "reason"]


# ----------------------------------------------------------------------------- identity

def test_identical_policies_agree_everywhere(champion, cases):
    """Check a policy in its own shadow agrees on every case, with nothing to judge."""
    r = shadow_run(champion, champion, cases, window="1D", by="seg")
    f = r.frame
    assert (f.loc[f["metric"] == "agreement", "value"] == 1).all()
    assert (f.loc[f["metric"] == "disagreements", "value"] == 0).all()
    shares = f[f["metric"].isin(VERDICT_SHARES)]
    assert shares["value"].isna().all()
    assert shares["reason"].str.startswith("no disagreements").all()
    assert (f.loc[f["metric"] == "value_difference", "value"] == 0).all()
    assert r.disagreements().empty
    m = r.matrix()
    assert int(np.trace(m.drop(index="total", columns="total").to_numpy())) == 16
    assert "They never disagree" in r.in_words()


def test_same_name_and_version_with_other_content_is_refused(champion, cases):
    """Check a changed policy that keeps name@version is refused, naming both hashes."""
    changed = trustlab.parse_policy(champion_text(high=0.6))
    assert (changed.name, changed.version) == (champion.name, champion.version)
    with pytest.raises(trustlab.PolicyError, match="must bump `version`") as info:
        shadow_run(champion, changed, cases)
    message = str(info.value)
    assert champion.content_hash[:12] in message and changed.content_hash[:12] in message
    assert "shadow-tiny@1" in message


def test_different_names_are_allowed(champion, cases):
    """Check a challenger with another name (and the same version) may shadow the champion."""
    other = trustlab.parse_policy(champion_text(name="shadow-other"))
    r = shadow_run(champion, other, cases)
    assert r.challenger.name == "shadow-other"
    assert r.totals().loc["agreement", "value"] == 1


# ----------------------------------------------------------------------------- inputs

def test_given_replays_are_used(champion, challenger, cases):
    """Check replays passed in are used as they are and give the same result."""
    a, b = replay(champion, cases), replay(challenger, cases)
    r = shadow_run(champion, challenger, cases, window="1D", by="seg", champion_replay=a,
                   challenger_replay=b)
    assert r.champion_replay is a and r.challenger_replay is b
    pd.testing.assert_frame_equal(r.frame, shadow_run(champion, challenger, cases, window="1D",
                                                      by="seg").frame)


def test_given_replays_must_fit(champion, challenger, cases):
    """Check a replay of another policy, other data or another seed is refused with the fix."""
    a = replay(champion, cases)
    with pytest.raises(trustlab.DataError, match="challenger_replay: replays shadow-tiny@1#"):
        shadow_run(champion, challenger, cases, challenger_replay=a)
    with pytest.raises(trustlab.DataError, match="champion_replay: was made from other data"):
        shadow_run(champion, challenger, cases, champion_replay=replay(champion, cases[:8]))
    with pytest.raises(trustlab.DataError, match="same simulated reviewer.*Pass seed=3"):
        shadow_run(champion, challenger, cases, champion_replay=replay(champion, cases, seed=3))


def test_bad_inputs_name_the_field_and_the_fix(champion, challenger, cases):
    """Check a missing time column, segment column or window is refused, saying what would do."""
    with pytest.raises(trustlab.DataError, match="by: names column 'region', which the data "
                                                 "lacks.*Columns: key, t, p"):
        shadow_run(champion, challenger, cases, by="region")
    with pytest.raises(trustlab.DataError, match="window"):
        shadow_run(champion, challenger, cases, window="weekly")
    with pytest.raises(trustlab.DataError, match="column 't': is the time column"):
        shadow_run(champion, challenger, cases.drop(columns="t"))
    timeless = [trustlab.parse_policy(text(columns={"id": "key"}))
                for text in (champion_text, challenger_text)]
    with pytest.raises(trustlab.DataError, match="columns.time: neither policy"):
        shadow_run(*timeless, cases)
    with pytest.raises(trustlab.DataError, match="challenger: must be a Policy"):
        shadow_run(champion, "policies/consumer-credit.yaml", cases)
    with pytest.raises(trustlab.DataError, match="segment: 'C' is not a segment"):
        shadow_run(champion, challenger, cases, by="seg").matrix(segment="C")
    with pytest.raises(trustlab.DataError, match="outside the run"):
        shadow_run(champion, challenger, cases).matrix(window="2025-06-01")


# ----------------------------------------------------------------------------- display

def test_plot_html_and_repr(run):
    """Check the plot draws agreement in % over disagreement bars, and the HTML and repr."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = run.plot()
    assert d.ax_.get_ylabel() == "Same final action (% of cases)"
    assert d.volume_ax_.get_ylabel() == "Disagreements (cases)"
    np.testing.assert_allclose(d.ax_.get_lines()[0].get_ydata(), [2 / 8, 3 / 8])
    assert [p.get_height() for p in d.volume_ax_.patches] == [6, 5]
    plt.close(d.figure_)
    fig, ax = plt.subplots()
    d = run.plot(ax=ax, segment="A")
    assert d.ax_ is ax and "seg = A" in ax.get_title()
    plt.close(fig)
    html = run._repr_html_()
    assert "Shadow run" in html and "selective labels" in html and "<table" in html
    assert "31.2%" in html
    assert repr(run) == ("ShadowResult(champion=shadow-tiny@1, challenger=shadow-tiny@2, "
                         "cases=16, agreement=31.2%)")
    assert isinstance(run, ShadowResult)


# ----------------------------------------------------------------------------- synthetic history

def test_drift_brake_disagreements_name_the_guardrail():
    """Check the braked credit policy disagrees only once the brake engages, naming it."""
    history = make_history(n_days=126, applications_per_day=10, seed=1, scenarios=[
        FeatureDrift("2025-04-14", "debt_to_income", 15.0)])
    r = shadow_run(trustlab.load_policy(CREDIT),
                   trustlab.load_policy(CREDIT.with_name("consumer-credit-braked.yaml")),
                   history, by="channel")
    agreement = r.metric("agreement")
    assert (agreement[agreement.index < "2025-04-14"] == 1).all()
    assert (agreement[agreement.index >= "2025-04-21"] < 0.8).all()
    ex = r.disagreements(n=None)
    assert (ex["challenger_action"] == "review").all()
    assert ex["challenger_rule"].str.endswith(" + drift-brake").all()
    assert ex["challenger_reason"].str.contains("drift brake").all()


def test_aggressive_challenger_under_a_concept_shift():
    """Check a bolder challenger disagrees by approving, and is wrong more often after a shift.

    The challenger approves up to a 15% risk (the champion up to 8%, reviewing
    the rest up to 35%), so every disagreement is the champion's review against
    the challenger's approval. The champion, deferring, is never judged right:
    only the challenger's approvals can be right or wrong. With the same seed
    the history is the same with and without the shift until it starts; after
    it, more of the challenger's approvals meet a default.
    """
    aggressive = trustlab.parse_policy(credit_text({"version: 1.2.0": "version: 1.4.0",
                                                    "p_default < 0.08": "p_default < 0.15"}))
    champion = trustlab.load_policy(CREDIT)
    start = "2025-02-03"
    runs = {}
    for name, scenarios in (("stable", []), ("shift", [ConceptShift(start, factor=2.5)])):
        history = make_history(n_days=56, applications_per_day=30, seed=0, scenarios=scenarios)
        runs[name] = shadow_run(champion, aggressive, history)
    for r in runs.values():
        dis = r.cases[~r.cases["agree"]]
        assert len(dis) > 100
        assert ((dis["champion_action"] == "review")
                & (dis["challenger_action"] == "approve")).all()
        assert r.totals().loc["champion_right_share", "numerator"] == 0

    def after(r, metric):
        f = r.frame
        f = f[f["segment"].isna() & (f["metric"] == metric) & (f["window_start"] >= start)]
        return f["numerator"].sum() / f["denominator"].sum()

    def before(r):
        f = r.frame
        return f[f["window_start"] < start].reset_index(drop=True)

    pd.testing.assert_frame_equal(before(runs["stable"]), before(runs["shift"]))
    assert after(runs["shift"], "challenger_wrong_share") > \
        after(runs["stable"], "challenger_wrong_share") + 0.03
    assert after(runs["shift"], "challenger_right_share") < \
        after(runs["stable"], "challenger_right_share") - 0.03
