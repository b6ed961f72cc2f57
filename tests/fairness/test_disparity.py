"""Disparity between groups: values equal fairlearn's MetricFrame, intervals, directions, checks."""

from __future__ import annotations

import dataclasses
import json

import matplotlib
import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.datasets import load_german_credit, make_retention_history
from trustlab.fairness import DISPARITY_METRICS, Disparity, DisparityDisplay, disparity
from trustlab.policy import Check
from trustlab.simulate import evaluate_checks, replay
from _support import REPO, retention_policy, write_policy

matplotlib.use("Agg")
fm = pytest.importorskip("fairlearn.metrics")

FAIR = {
    "name": "fair-credit", "version": "1.0.0", "owner": "Risk team <risk@example.com>",
    "columns": None,
    "signals": [{"name": "p_default", "kind": "probability", "model": "m@1",
                 "higher_means": "risk"}],
    "rules": [
        {"id": "no-score", "when": "p_default is missing", "then": "review",
         "because": "No score."},
        {"id": "big", "when": "amount > 9000", "then": "review", "escalate": "senior",
         "because": "A big loan."},
        {"id": "high", "when": "p_default >= 0.4", "then": "decline", "because": "High risk."},
        {"id": "low", "when": "p_default < 0.15", "then": "approve", "because": "Low risk."},
        {"id": "rest", "otherwise": True, "then": "review", "because": "In between."}],
    "outcomes": {"label": "defaulted",
                 "values": {"approve": {"good": 100, "bad": -500},
                            "decline": {"good": -10, "bad": 0}, "review": {"cost": 5}},
                 "reviewer": {"accuracy": 0.8}, "unlabelled": "exclude"},
    "fairness": {"protected": ["sex", "age_band"], "reference": {"sex": "m"}, "min_group": 30},
}
"""The sections of a credit policy protecting sex (reference m) and age band."""


def _policy(tmp_path, name: str = "fair.yaml", **sections):
    """:data:`FAIR` with ``sections`` in place, written to ``tmp_path/name`` and loaded."""
    return trustlab.load_policy(write_policy(tmp_path, name, **{**FAIR, **sections}))


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    """3,000 applications: text groups (one missing value, one tiny group), nullable labels with
    unlabelled rows, float32 scores that differ by group."""
    rng = np.random.default_rng(11)
    n = 3000
    sex = rng.choice(["f", "m"], size=n, p=[0.45, 0.55]).astype(object)
    sex[rng.choice(n, 8, replace=False)] = "x"      # a tiny group
    sex[rng.choice(n, 40, replace=False)] = None     # missing values
    age = rng.choice(["18-34", "35-54", "55+"], size=n, p=[0.3, 0.5, 0.2])
    shift = np.select([age == "18-34", age == "55+"], [0.08, -0.03], 0.0) + \
        np.where(sex == "f", 0.04, 0.0)
    p = np.clip(rng.beta(2, 7, size=n) + shift, 0, 1).astype(np.float32)
    p[rng.choice(n, 30, replace=False)] = np.nan
    defaulted = pd.array((rng.random(n) < np.nan_to_num(p, nan=0.2)).astype(int), dtype="Int64")
    defaulted[rng.random(n) < 0.15] = pd.NA           # unlabelled
    return pd.DataFrame({
        "sex": pd.array(sex, dtype="str"),
        "age_band": pd.array(age, dtype="str"),
        "amount": rng.integers(500, 12000, size=n),
        "p_default": p,
        "defaulted": defaulted,
    })


# ----------------------------------------------------------------------------- fairlearn

def _by_hand(policy, data: pd.DataFrame, column: str) -> dict:
    """y_true / y_pred for fairlearn, built from the records, the label and `right_when`."""
    rec = policy.apply(data)
    action = rec["action"].astype(str)
    favourable = action.isin([a.name for a in policy.actions if a.favourable]).to_numpy()
    automated = rec["automated"].to_numpy(dtype=bool)
    right_for_good = action.isin([a.name for a in policy.actions
                                  if policy.right_call_of(a.name) == "good"]).to_numpy()
    label = data[policy.outcomes.label]
    labelled = label.notna().to_numpy()
    bad_when = policy.outcomes.bad_when if policy.outcomes.bad_when_given else 1
    bad = (label == bad_when).fillna(False).to_numpy(dtype=bool)
    groups = data[column].astype(object).where(data[column].notna(), "(missing)").astype(str)
    return {"favourable": favourable.astype(int), "human": (~automated).astype(int),
            "escalated": rec["escalate"].notna().to_numpy().astype(int),
            "cleared": (automated & right_for_good).astype(int), "labelled": labelled,
            "good": (~bad).astype(int), "bad": bad.astype(int), "groups": groups.to_numpy()}


def _frames(h: dict) -> dict:
    """fairlearn MetricFrames for each rate, each on the rows it is defined over."""
    lab = h["labelled"]
    fav_lab = lab & (h["favourable"] == 1)

    def share(y_pred, rows=slice(None)):
        return fm.MetricFrame(metrics=fm.selection_rate, y_true=y_pred[rows], y_pred=y_pred[rows],
                              sensitive_features=h["groups"][rows])

    return {
        "favourable_rate": share(h["favourable"]),
        "deferral_rate": share(h["human"]),
        "escalation_rate": share(h["escalated"]),
        # bad outcomes among favourable decisions: the selection rate of `bad` over them
        "bad_rate_favourable": share(h["bad"], fav_lab),
        "wrongly_declined_good": fm.MetricFrame(
            metrics=fm.false_negative_rate, y_true=h["good"][lab], y_pred=h["cleared"][lab],
            sensitive_features=h["groups"][lab]),
        "wrongly_approved_bad": fm.MetricFrame(
            metrics=fm.false_positive_rate, y_true=h["good"][lab], y_pred=h["cleared"][lab],
            sensitive_features=h["groups"][lab]),
    }


def _part(d: Disparity, attribute: str) -> pd.DataFrame:
    return d.frame[d.frame["attribute"] == attribute].set_index("group")


@pytest.mark.parametrize("column", ["sex", "age_band"])
def test_values_equal_fairlearn_metric_frame(tmp_path, history, column):
    """Check every rate, ratio and difference equals fairlearn's MetricFrame on the same inputs."""
    policy = _policy(tmp_path)
    d = disparity(policy, history, by=column, bootstrap=0)
    part = _part(d, column)
    ref = d.references[column]
    assert ref == ("m" if column == "sex" else part.loc[part["judged"], "favourable_rate"].idxmax())
    frames = _frames(_by_hand(policy, history, column))
    for rate, mf in frames.items():
        theirs = mf.by_group.reindex(part.index).astype(float)
        np.testing.assert_allclose(part[rate], theirs, rtol=1e-12, err_msg=rate)
        np.testing.assert_allclose(part[f"{rate}_ratio"], theirs / theirs[ref], rtol=1e-12)
        np.testing.assert_allclose(part[f"{rate}_difference"], theirs - theirs[ref], atol=1e-15)
    counts = pd.Series(_by_hand(policy, history, column)["groups"]).value_counts()
    assert part["rows"].to_dict() == counts.reindex(part.index).to_dict()


def test_smallest_ratio_and_largest_gap_equal_fairlearn_between_groups(tmp_path, history):
    """Check that, against the most favoured judged group, the smallest favourable-rate ratio and
    the largest gap are fairlearn's ratio() and difference() over the judged groups."""
    policy = _policy(tmp_path)
    d = disparity(policy, history, by="age_band", bootstrap=0)
    part = _part(d, "age_band")
    h = _by_hand(policy, history, "age_band")
    judged = np.isin(h["groups"], part.index[part["judged"]])
    mf = fm.MetricFrame(metrics=fm.selection_rate, y_true=h["favourable"][judged],
                        y_pred=h["favourable"][judged], sensitive_features=h["groups"][judged])
    ours = part[part["judged"]]
    assert ours["favourable_rate_ratio"].min() == pytest.approx(mf.ratio(), rel=1e-12)
    assert -ours["favourable_rate_difference"].min() == pytest.approx(mf.difference(), rel=1e-12)


def test_small_and_missing_groups_are_reported_and_marked(tmp_path, history):
    """Check a tiny group is marked small and a missing value is its own group, neither judged."""
    d = disparity(_policy(tmp_path), history, by="sex", bootstrap=0)
    part = _part(d, "sex")
    assert list(part.index) == ["f", "m", "x", "(missing)"]
    assert part.loc["x", "rows"] == 8 and part.loc["x", "small"] and not part.loc["x", "judged"]
    assert part.loc["(missing)", "rows"] == 40 and not part.loc["(missing)", "small"]
    assert not part.loc["(missing)", "judged"]  # a missing protected value is no group
    assert part.loc["m", "reference"] and part["reference"].sum() == 1
    assert part.loc[["f", "m"], "judged"].all()
    assert (part["labelled"] <= part["rows"]).all()
    assert part["labelled"].sum() == history["defaulted"].notna().sum() < len(history)
    html = d._repr_html_()
    assert "small group: 8 rows, fewer than 30" in html
    assert "missing value: reported, not compared" in html
    crossed = _part(disparity(_policy(tmp_path), history, by="sex", cross=("sex", "age_band"),
                              bootstrap=0), "sex × age_band")
    missing_part = crossed.index.str.startswith("(missing) × ")
    assert missing_part.sum() == 3 and not crossed.loc[missing_part, "judged"].any()
    assert crossed["rows"].sum() == len(history)


def test_the_frame_is_what_a_replay_measures_by_segment(tmp_path, history):
    """Check each group's rates and disparity metrics equal the replay's segment rows (protected
    columns become segments of a replay)."""
    policy = _policy(tmp_path)
    r = replay(policy, history)
    d = disparity(policy, history, records=r, bootstrap=0)
    for column in ("sex", "age_band"):
        part = _part(d, column)
        for name in DISPARITY_METRICS:
            np.testing.assert_allclose(part[name], r.metric(name, by=column).reindex(part.index),
                                       rtol=1e-12, err_msg=f"{column} {name}")


# ----------------------------------------------------------------------------- records

def test_records_or_a_replay_give_the_same_result(tmp_path, history):
    """Check that records from policy.apply or a Replay avoid deciding again, same numbers."""
    policy = _policy(tmp_path)
    plain = disparity(policy, history, bootstrap=50, seed=3)
    with_records = disparity(policy, history, policy.apply(history), bootstrap=50, seed=3)
    with_replay = disparity(policy, history, replay(policy, history), bootstrap=50, seed=3)
    pd.testing.assert_frame_equal(plain.frame, with_records.frame)
    pd.testing.assert_frame_equal(plain.frame, with_replay.frame)


def test_a_replay_of_another_policy_or_other_rows_is_refused(tmp_path, history):
    """Check a Replay of another policy, or of other rows, is refused with what to do."""
    policy = _policy(tmp_path)
    other = _policy(tmp_path, "other.yaml", version="1.0.1")
    with pytest.raises(trustlab.DataError, match="replay this policy"):
        disparity(policy, history, replay(other, history), bootstrap=0)
    with pytest.raises(trustlab.DataError, match="replay of other rows"):
        disparity(policy, history, replay(policy, history.iloc[:100]), bootstrap=0)


# ----------------------------------------------------------------------------- intervals

def test_intervals_cover_the_estimate_and_repeat_with_the_seed(tmp_path, history):
    """Check every interval holds its estimate, a seed repeats it and another seed moves it."""
    policy = _policy(tmp_path)
    a = disparity(policy, history, bootstrap=300, seed=5)
    b = disparity(policy, history, bootstrap=300, seed=5)
    c = disparity(policy, history, bootstrap=300, seed=6)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert not a.frame["favourable_rate_low"].equals(c.frame["favourable_rate_low"])
    f = a.frame
    for name in DISPARITY_METRICS:
        est, low, high = f[name], f[f"{name}_low"], f[f"{name}_high"]
        some = low.notna()
        assert (low[some] <= est[some] + 1e-12).all(), name
        assert (est[some] <= high[some] + 1e-12).all(), name
    judged = f["judged"] & ~f["reference"]
    assert (f.loc[judged, "favourable_rate_ratio_high"]
            > f.loc[judged, "favourable_rate_ratio_low"]).all()
    none = disparity(policy, history, bootstrap=0)
    assert none.frame["favourable_rate_low"].isna().all()
    assert none.method == "no bootstrap: no intervals"


def test_cell_counts_bootstrap_matches_resampling_rows(tmp_path, history):
    """Check the intervals match a brute-force bootstrap that resamples the rows themselves."""
    policy = _policy(tmp_path)
    d = disparity(policy, history, by="age_band", bootstrap=2000, seed=1)
    part = _part(d, "age_band")
    h = _by_hand(policy, history, "age_band")
    rng = np.random.default_rng(123)
    n = len(history)
    groups = pd.Categorical(h["groups"], categories=list(part.index)).codes
    rates = np.empty((2000, len(part)))
    for i in range(0, 2000, 250):  # replicates in chunks
        pos = rng.integers(0, n, size=(250, n))
        drawn = (np.arange(250)[:, None] * len(part) + groups[pos]).ravel()
        fav = np.bincount(drawn, weights=h["favourable"][pos].ravel(),
                          minlength=250 * len(part)).reshape(250, -1)
        rows = np.bincount(drawn, minlength=250 * len(part)).reshape(250, -1)
        rates[i:i + 250] = fav / rows
    low, high = np.quantile(rates, [0.025, 0.975], axis=0)
    np.testing.assert_allclose(part["favourable_rate_low"], low, atol=0.012)
    np.testing.assert_allclose(part["favourable_rate_high"], high, atol=0.012)


# ----------------------------------------------------------------------------- directions

def test_error_rates_follow_right_when_on_a_high_risk_side_policy(tmp_path):
    """Check that for a retention offer (favourable, right when the customer would churn) the
    error rates read: stayers not left alone, and churners left without an offer."""
    policy = retention_policy(tmp_path, "fairness:\n  protected: [age_band, region]\n")
    data = make_retention_history(n_days=60, seed=4)
    d = disparity(policy, data, bootstrap=0)
    rec = policy.apply(data)
    labelled = data["churned"].notna().to_numpy()
    churned = (data["churned"] == "Yes").to_numpy()
    no_offer = (rec["action"].astype(str) == "no_offer").to_numpy()  # the call right for a stayer
    for column in ("age_band", "region"):
        part = _part(d, column)
        g = data[column].to_numpy()
        for group in part.index:
            stay = labelled & ~churned & (g == group)
            churn = labelled & churned & (g == group)
            assert part.loc[group, "wrongly_declined_good"] == pytest.approx(
                (~no_offer[stay]).mean(), rel=1e-12)
            assert part.loc[group, "wrongly_approved_bad"] == pytest.approx(
                no_offer[churn].mean(), rel=1e-12)
    r = replay(policy, data)
    np.testing.assert_allclose(_part(d, "region")["wrongly_approved_bad"],
                               1.0 - r.metric("bad_capture_rate", by="region"), rtol=1e-12)
    h = _by_hand(policy, data, "age_band")
    lab = h["labelled"]
    fnr = fm.MetricFrame(metrics=fm.false_negative_rate, y_true=h["good"][lab],
                         y_pred=h["cleared"][lab], sensitive_features=h["groups"][lab])
    np.testing.assert_allclose(_part(d, "age_band")["wrongly_declined_good"],
                               fnr.by_group.reindex(_part(d, "age_band").index), rtol=1e-12)


def test_german_credit_categories_and_a_crossed_attribute(tmp_path):
    """Check a categorical attribute keeps its categories' order and two crossed attributes give
    the pairs the data holds, with the declared references combined."""
    g = load_german_credit()
    z = (g["duration_in_month"] - 20) / 12 + (g["credit_amount"] - 3000) / 3000
    g["p_default"] = (1 / (1 + np.exp(-(z - 1.0)))).astype(np.float32)
    g["amount"] = g["credit_amount"]
    policy = _policy(tmp_path, "german.yaml", fairness={
        "protected": ["personal_status_and_sex", "foreign_worker"],
        "reference": {"personal_status_and_sex": "male : single", "foreign_worker": "yes"},
        "min_group": 30})
    d = disparity(policy, g, cross=("personal_status_and_sex", "foreign_worker"), bootstrap=100)
    part = _part(d, "personal_status_and_sex")
    cats = [c for c in g["personal_status_and_sex"].cat.categories
            if (g["personal_status_and_sex"] == c).any()]
    assert list(part.index) == cats
    assert d.references["personal_status_and_sex"] == "male : single"
    crossed = _part(d, "personal_status_and_sex × foreign_worker")
    pairs = g.groupby(["personal_status_and_sex", "foreign_worker"], observed=True).size()
    assert crossed["rows"].sum() == len(g) and len(crossed) == len(pairs)
    assert d.references["personal_status_and_sex × foreign_worker"] == "male : single × yes"
    assert set(d.attributes) == {"personal_status_and_sex", "foreign_worker",
                                 "personal_status_and_sex × foreign_worker"}
    h = _by_hand(policy, g, "foreign_worker")
    mf = fm.MetricFrame(metrics=fm.selection_rate, y_true=h["favourable"],
                        y_pred=h["favourable"], sensitive_features=h["groups"])
    np.testing.assert_allclose(_part(d, "foreign_worker")["favourable_rate"],
                               mf.by_group.reindex(_part(d, "foreign_worker").index), rtol=1e-12)


# ----------------------------------------------------------------------------- checks

def _checked(tmp_path, history, checks: list[dict]):
    policy = _policy(tmp_path, "checked.yaml", checks=checks)
    return policy, replay(policy, history)


def test_checks_bound_disparity_metrics_group_by_group(tmp_path, history):
    """Check disparity checks hold when they hold in every judged group, against the reference."""
    d = disparity(_policy(tmp_path), history, bootstrap=0)
    sex, age = _part(d, "sex"), _part(d, "age_band")
    worst_gap = sex.loc[sex["judged"], "favourable_rate_difference"].min()
    worst_wdg = age.loc[age["judged"], "wrongly_declined_good_ratio"].max()
    policy, r = _checked(tmp_path, history, [
        {"metric": "favourable_rate_difference", "by": "sex",
         "at_least": round(worst_gap - 0.01, 6)},
        {"metric": "favourable_rate_difference", "by": "sex",
         "at_least": round(worst_gap + 0.01, 6)},
        {"metric": "wrongly_declined_good_ratio", "by": "age_band",
         "at_most": round(worst_wdg + 0.01, 6)},
        {"metric": "wrongly_declined_good_ratio", "by": "age_band",
         "at_most": round(worst_wdg - 0.01, 6)},
        {"metric": "favourable_rate_ratio", "by": "sex", "at_least": 0.5},
        {"metric": "wrongly_approved_bad", "by": "age_band", "at_most": 0.9}])
    c = r.checks
    assert c["passed"].tolist() == [True, False, True, False, True, True]
    assert c.loc[0, "value"] == pytest.approx(worst_gap)
    assert c.loc[0, "segment"] == sex.loc[sex["judged"], "favourable_rate_difference"].idxmin()
    assert c.loc[2, "value"] == pytest.approx(worst_wdg)
    # favourable_rate_ratio by a protected column: the lowest judged group over the reference (m)
    assert c.loc[4, "value"] == pytest.approx(sex.loc[sex["judged"], "favourable_rate_ratio"].min())
    assert c.loc[4, "value"] == pytest.approx(sex.loc["f", "favourable_rate"]
                                              / sex.loc["m", "favourable_rate"])


def test_a_check_without_by_or_groups_fails_with_the_reason(tmp_path, history):
    """Check a disparity check without `by`, or without a judged group, fails and says why."""
    policy = _policy(tmp_path)
    r = replay(policy, history)
    for check, why in [
            (Check("favourable_rate_difference", -0.1, None, None), "needs `by"),
            (Check("deferral_rate_ratio", 0.5, None, "region"), "not part of the replay")]:
        got = evaluate_checks(dataclasses.replace(policy, checks=(check,)), r.metrics)
        assert not got.loc[0, "passed"] and why in got.loc[0, "reason"]
    tiny = dataclasses.replace(policy, fairness=dataclasses.replace(policy.fairness,
                                                                    min_group=5000))
    got = evaluate_checks(dataclasses.replace(tiny, checks=(
        Check("favourable_rate_difference", -0.1, None, "sex"),)), r.metrics)
    assert not got.loc[0, "passed"] and "5000+ rows" in got.loc[0, "reason"]


# ----------------------------------------------------------------------------- the contract

def test_result_contract(tmp_path, history):
    """Check summary, plot (a Display that holds its data and redraws), HTML, JSON and words."""
    import matplotlib.pyplot as plt

    policy = _policy(tmp_path, "adverse.yaml",
                     fairness={**FAIR["fairness"], "adverse_ratio": 0.95})
    d = disparity(policy, history, bootstrap=200, seed=2)
    s = d.summary()
    assert list(s["group"])[:4] == ["f", "m", "x", "(missing)"]
    assert s.shown()["favourable_rate"].str.endswith("%").all()
    shown = d.plot()
    assert isinstance(shown, DisparityDisplay) and shown.data.shape[0] == len(d.frame)
    assert shown.ax_.get_xlabel().startswith("Favourable decisions: group over reference")
    fig, ax = plt.subplots()
    again = shown.plot(ax=ax)
    assert again.ax_ is ax
    plt.close("all")
    doc = json.loads(json.dumps(d.to_dict(), allow_nan=False))
    assert doc["references"]["sex"] == "m" and len(doc["groups"]) == len(d.frame)
    adverse = d.frame[d.frame["adverse"]]
    assert len(adverse) >= 1
    assert any(w.startswith(f"{r.attribute} {r.group}: favourable-rate ratio ") and
               " is below 0.95 against " in w and f"; {r.rows:,} rows" in w
               for r in adverse.itertuples() for w in d.warnings)
    assert "95% interval" in d.warnings[0]
    html = d._repr_html_()
    assert "reference group" in html and "adverse" in html and "Warnings" in html
    assert "nan" not in html.lower().replace("n/a", "")


def test_problems_are_refused_together_with_the_fix(tmp_path, history):
    """Check bad arguments and a missing column are refused at once, naming the fix."""
    policy = _policy(tmp_path)
    with pytest.raises(trustlab.ParameterError) as err:  # arguments first, all at once
        disparity(policy, history.drop(columns="sex"), bootstrap=-1, level=1.5)
    assert {p.where for p in err.value.problems} == {"bootstrap", "level"}
    assert not isinstance(err.value, trustlab.DataError)
    with pytest.raises(trustlab.DataError) as err:  # then the data
        disparity(policy, history.drop(columns="sex"), bootstrap=0)
    assert {p.where for p in err.value.problems} == {"fairness.protected"}
    assert "names column 'sex', which the data lacks" in str(err.value)
    bare = _policy(tmp_path, "bare.yaml", fairness=None)
    with pytest.raises(trustlab.DataError, match="by='age_band'"):
        disparity(bare, history)
    with pytest.raises(trustlab.ParameterError, match="two different column names"):
        disparity(policy, history, cross=("sex", "sex"))
    d = disparity(bare, history, by="age_band", bootstrap=0)  # no fairness section: by columns
    assert d.min_rows == {"age_band": 30} and d.adverse_ratio == 0.8
