"""Less discriminatory alternatives: every cell equals a replay, one set of rules for everyone,
the choices by brute force, both directions of policy, awkward data, a history in parts."""

from __future__ import annotations

import json
import shutil

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.datasets import make_history, make_retention_history
from trustlab.simulate import LdaSearch, band_grid, lda_search, replay, without_guardrail
from trustlab.simulate._edit import rule_threshold, with_threshold
from _support import REPO, credit_text, retention_text, write_cuts

FAIRNESS = "fairness: {protected: [age_band]}\n"
OVERALL = ("value_total", "value_per_decision", "automation_rate", "favourable_rate",
           "bad_rate_favourable", "peak_reviews_per_window")


@pytest.fixture(scope="module")
def credit():
    return trustlab.parse_policy(credit_text() + FAIRNESS)


@pytest.fixture(scope="module")
def history():
    return make_history(n_days=40, applications_per_day=80, seed=12)


@pytest.fixture(scope="module")
def search(credit, history):
    return lda_search(credit, history, "low-risk", "high-risk", keep_checks=True)


@pytest.fixture(scope="module")
def retention(tmp_path_factory):
    """The retention policy copied with a fairness section, its offer budget dropped (a band
    grid cannot move a capped action with the later rule)."""
    folder = tmp_path_factory.mktemp("policies")
    path = folder / "retention-offer.yaml"
    path.write_text(retention_text() + "\n" + FAIRNESS, encoding="utf-8")
    return trustlab.load_policy(path)


def cell_policy(policy, search: LdaSearch, k: int):
    row = search.frame.iloc[k]
    q = with_threshold(policy, search.approve_rule, float(row["approve_threshold"]))
    return with_threshold(q, search.decline_rule, float(row["decline_threshold"]))


def assert_cells_equal_replays(policy, data, search: LdaSearch, cells) -> None:
    """Check each cell's metrics, group rates and checks against a full replay."""
    evaluated = search.checks[search.checks["evaluated"]]
    for k in cells:
        row = search.frame.iloc[k]
        r = replay(cell_policy(policy, search, k), data,
                   segments=tuple(dict.fromkeys((*policy.segments, search.by))))
        for m in OVERALL:
            assert row[m] == pytest.approx(r.metric(m), rel=1e-12, abs=1e-9, nan_ok=True), (m, k)
        rates = r.metric("favourable_rate", by=search.by)
        assert sorted(rates.index) == sorted(search.groups["group"])
        for g, v in rates.items():
            assert row[f"favourable_rate.{g}"] == v, (g, k)
        if search.plan.keep_checks:
            passed = r.checks.set_index("check").loc[evaluated["check"], "passed"]
            assert bool(row["checks_passed"]) == bool(passed.all()), (k, passed.to_dict())


def sample(search: LdaSearch, seed: int, k: int = 4) -> list[int]:
    rng = np.random.default_rng(seed)
    n = len(search.frame)
    return sorted({0, n - 1, search.current_cell, *search.choices["cell"].tolist(),
                   *rng.choice(n, size=k, replace=False).tolist()})


def brute_force_worst(search: LdaSearch) -> np.ndarray:
    """The smallest rate of a judged group over the highest judged rate, cell by cell."""
    judged = search.groups.loc[search.groups["judged"], "group"]
    rates = search.frame[[f"favourable_rate.{g}" for g in judged]].to_numpy()
    top = rates.max(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(top > 0, rates.min(axis=1) / top, np.nan)


def test_cells_equal_full_replays_credit(credit, history, search):
    """Check sampled cells, the current one and every choice (rate limit binding at low decline
    lines) against full replays: value, rates, each age band's favourable rate and the checks."""
    assert "applied exactly at each" in search.method
    assert search.by == "age_band" and len(search.frame) == len(search.grid.frame)
    assert_cells_equal_replays(credit, history, search, sample(search, seed=0))
    cur = search.current
    assert (cur["approve_threshold"], cur["decline_threshold"]) == (0.08, 0.35)
    np.testing.assert_array_equal(search.frame["worst_ratio"], brute_force_worst(search))


def test_same_sums_as_the_band_grid(credit, history, search):
    """Check the band grid's own columns are exactly band_grid's on the same axes."""
    g = band_grid(credit, history, "low-risk", "high-risk")
    cols = [c for c in g.frame.columns if c != "feasible"]
    pd.testing.assert_frame_equal(search.frame[cols], g.frame[cols], check_exact=True)


def test_choices_by_brute_force(search):
    """Check each tolerance's choice is within tolerance of the best candidate and has the
    largest worst ratio there, and the frontier is exactly the undominated candidates."""
    f = search.frame
    v, r = f["value_total"].to_numpy(), f["worst_ratio"].to_numpy()
    cand = ~np.isnan(v) & ~np.isnan(r) & f["checks_passed"].to_numpy()
    assert 0 < cand.sum() < len(f)
    top = v[cand].max()
    assert search.best["value_total"] == top
    assert list(search.choices.index) == [0.01, 0.02, 0.05]
    previous = -np.inf
    for t, c in search.choices.iterrows():
        within = cand & (v >= top - t * abs(top) - 1e-9)
        assert c["value_total"] >= top - t * abs(top) - 1e-9
        assert c["worst_ratio"] == r[within].max()
        assert c["value_total"] == v[within & (r == r[within].max())].max()
        assert bool(f["checks_passed"].iloc[int(c["cell"])])
        assert c["worst_ratio"] >= previous  # a looser tolerance never chooses a worse ratio
        previous = c["worst_ratio"]
        assert c["value_given_up"] == pytest.approx(top - c["value_total"])
    fr = search.frontier
    assert fr["worst_ratio"].is_monotonic_increasing
    assert fr["value_total"].is_monotonic_decreasing
    for k in np.flatnonzero(cand):
        dominated = ((v[cand] >= v[k]) & (r[cand] >= r[k]) & ((v[cand] > v[k])
                                                               | (r[cand] > r[k]))).any()
        on = ((fr["value_total"] == v[k]) & (fr["worst_ratio"] == r[k])).any()
        assert on != dominated, k
    assert set(search.choices["cell"]) <= set(fr.index)


def test_written_policy_is_one_set_of_rules(credit, history, search):
    """Check the chosen cell is written as a new version with the same rules, only the two
    thresholds moved, nothing by group, deciding exactly as the cell says."""
    t = 0.05
    c = search.choice(t)
    assert not c["is_current"]
    q = search.policy_for(t)
    assert q.version == "1.2.1" and q.name == credit.name
    assert [r.id for r in q.rules] == [r.id for r in credit.rules]
    assert [r.then for r in q.rules] == [r.then for r in credit.rules]
    assert all("age_band" not in (r.when_text or "") for r in q.rules)
    assert rule_threshold(q, "low-risk").value == c["approve_threshold"]
    assert rule_threshold(q, "high-risk").value == c["decline_threshold"]
    r = replay(q, history, segments=("age_band",))
    assert r.metric("value_total") == c["value_total"]
    for g, v in r.metric("favourable_rate", by="age_band").items():
        assert v == c[f"favourable_rate.{g}"]
    diff = search.diff_for(t, version="1.3.0")
    assert diff["kind"].tolist() == ["identity", "threshold moved", "threshold moved"]
    assert "1.2.0 → 1.3.0" in diff["change"].iloc[0]
    with pytest.raises(trustlab.DataError, match="tolerance: must be one of the tolerances"):
        search.policy_for(0.03)


def test_favourable_action_on_the_high_risk_side(retention):
    """Check a retention offer (favourable on the high score, `>=` lines, text dates and
    labels) cell by cell against replays, every one of its checks evaluated."""
    data = make_retention_history(n_days=60, seed=3)
    with pytest.raises(trustlab.PolicyError, match="rate limit 'daily-offer-budget'"):
        lda_search(retention, data, "high-churn-risk", "high-value-at-risk")
    p = without_guardrail(retention, "daily-offer-budget")
    s = lda_search(p, data, "high-churn-risk", "high-value-at-risk", keep_checks=True)
    assert s.checks["evaluated"].all(), s.checks
    assert s.approve_test == "p_churn >= t"
    assert_cells_equal_replays(p, data, s, sample(s, seed=1))
    assert s.choices["worst_ratio"].min() > s.current["worst_ratio"]
    q = s.policy_for(0.02)
    assert q.version == "1.1.1"
    assert rule_threshold(q, "high-churn-risk").value == s.choice(0.02)["approve_threshold"]


def awkward(history: pd.DataFrame) -> pd.DataFrame:
    """pandas-3 text groups with some missing, and float32 scores."""
    d = history.copy()
    d["age_band"] = d["age_band"].astype(str).where(np.arange(len(d)) % 37 != 0)
    d["p_default"] = d["p_default"].astype("float32")
    return d


def test_text_groups_float32_scores_and_a_missing_group(credit, history):
    """Check str groups with a missing value and float32 scores: the missing cases are a
    group reported, not judged, and every cell still equals a replay."""
    data = awkward(history)
    assert pd.api.types.is_string_dtype(data["age_band"]) and data["age_band"].isna().any()
    s = lda_search(credit, data, "low-risk", "high-risk")
    g = s.groups.set_index("group")
    assert g.loc["(missing)", "rows"] == data["age_band"].isna().sum()
    assert not g.loc["(missing)", "judged"] and "missing" in g.loc["(missing)", "reason"]
    assert g.drop("(missing)")["judged"].all()
    assert_cells_equal_replays(credit, data, s, sample(s, seed=2))
    np.testing.assert_array_equal(s.frame["worst_ratio"], brute_force_worst(s))


def test_approve_rule_first_with_whole_number_groups(history):
    """Check a policy whose approve rule comes first (the other order of the grid's axes),
    groups coded as whole numbers and a whole-number reference group."""
    low = credit_text().split("  - id: low-risk")[1].split("  - id: uncertain")[0]
    text = credit_text({"  - id: low-risk" + low: ""}).replace(
        "  - id: high-risk", "  - id: low-risk" + low + "  - id: high-risk")
    p = without_guardrail(trustlab.parse_policy(
        text + "fairness: {protected: [band_code], reference: {band_code: 2}}\n"),
        "decline-rate-limit")
    assert [r.id for r in p.rules].index("low-risk") < [r.id for r in p.rules].index("high-risk")
    data = history.assign(band_code=history["age_band"].cat.codes.astype("int64"))
    s = lda_search(p, data, "low-risk", "high-risk", keep_checks=True)
    assert s.groups["group"].tolist() == ["0", "1", "2", "3", "4"]
    assert (s.frame["reference_group"] == "2").all()
    g = band_grid(p, data, "low-risk", "high-risk")
    cols = [c for c in g.frame.columns if c != "feasible"]
    pd.testing.assert_frame_equal(s.frame[cols], g.frame[cols], check_exact=True)
    assert_cells_equal_replays(p, data, s, sample(s, seed=4))


@pytest.mark.parametrize("fairness", [
    "fairness: {protected: [age_band]}\n",
    "fairness: {protected: [age_band], reference: {age_band: 36-50}, min_group: 200}\n"])
def test_a_ratio_check_on_the_protected_column(history, fairness):
    """Check a favourable_rate_ratio check by the protected column is judged as a replay
    judges it (min_group, the missing group not compared, the reference group)."""
    check = "  - metric: favourable_rate_ratio\n    by: age_band\n    at_least: 0.6\n"
    p = trustlab.parse_policy(credit_text({"  - metric: favourable_rate_ratio":
                                           check + "  - metric: favourable_rate_ratio"})
                              + fairness)
    data = awkward(history)
    s = lda_search(p, data, "low-risk", "high-risk", keep_checks=True,
                   approve_thresholds=[0.04, 0.08, 0.2, 0.4],
                   decline_thresholds=[0.1, 0.2, 0.35, 0.6])
    passing = s.checks.set_index("check").loc["favourable_rate_ratio >= 0.6 by age_band",
                                              "cells_passing"]
    assert 0 < passing < len(s.frame)
    assert_cells_equal_replays(p, data, s, range(len(s.frame)))


def test_reference_group_and_small_groups(credit, history):
    """Check a named reference group divides every rate, and groups under min_group are
    reported and left out of the smallest ratio."""
    p = trustlab.parse_policy(credit_text() + "fairness:\n  protected: [age_band]\n"
                              "  reference: {age_band: 36-50}\n  min_group: 200\n")
    s = lda_search(p, history, "low-risk", "high-risk", approve_thresholds=[0.05, 0.1, 0.2],
                   decline_thresholds=[0.3, 0.5])
    g = s.groups.set_index("group")
    small = g.index[g["rows"] < 200]
    assert len(small) and not g.loc[small, "judged"].any()
    assert g.loc["36-50", "reference"] and (s.frame["reference_group"] == "36-50").all()
    judged = g.index[g["judged"]]
    rates = s.frame[[f"favourable_rate.{x}" for x in judged]].to_numpy()
    expect = rates.min(axis=1) / s.frame["favourable_rate.36-50"].to_numpy()
    np.testing.assert_allclose(s.frame["worst_ratio"], np.minimum(expect, 1.0), rtol=1e-15)


def test_every_check_the_grid_can_evaluate(history):
    """Check segment checks (counts, value by segment), action shares and a ratio by another
    column are judged cell by cell as a replay judges them, and a check the sums cannot
    evaluate is left out with the reason."""
    extra = """  - metric: decisions
    at_least: 50
    by: grade
  - metric: value_total
    at_least: 0
    by: purpose
  - metric: share.review
    at_most: 0.3
  - metric: alignment
    at_least: 0.5
"""
    p = trustlab.parse_policy(credit_text({"  - metric: favourable_rate_ratio":
                                           extra + "  - metric: favourable_rate_ratio"})
                              + FAIRNESS)
    s = lda_search(p, history, "low-risk", "high-risk", keep_checks=True,
                   approve_thresholds=[0.05, 0.1, 0.2], decline_thresholds=[0.2, 0.35, 0.5])
    left = s.checks.set_index("check")
    assert not left.loc["alignment >= 0.5", "evaluated"]
    assert "recorded human" in left.loc["alignment >= 0.5", "reason"]
    assert left["evaluated"].sum() == len(p.checks) - 1
    assert 0 < s.frame["checks_passed"].sum() < len(s.frame)
    assert_cells_equal_replays(p, history, s, range(len(s.frame)))


def test_a_history_in_parts_equals_in_memory(credit, history, tmp_path):
    """Check a Parquet folder cut in uneven parts, and Dask partitions (awkward data, a tight
    rate limit, checks kept), give the in-memory search on the same axes."""
    from trustlab.scale import lda_search as scaled
    from trustlab.simulate import with_rate_limit

    p = with_rate_limit(credit, "decline-rate-limit", 5)
    data = awkward(history)
    folder = write_cuts(data, tmp_path / "parts", [700, 701, 2100, 2900])
    kw = dict(approve_thresholds=np.linspace(0.02, 0.3, 12),
              decline_thresholds=np.linspace(0.1, 0.6, 11), keep_checks=True, seed=3)
    whole = lda_search(p, data, "low-risk", "high-risk", **kw)
    parts = scaled(p, folder, "low-risk", "high-risk", batch_rows=400, **kw)
    for a, b in ((whole.frame, parts.frame), (whole.choices, parts.choices),
                 (whole.frontier, parts.frontier), (whole.groups, parts.groups),
                 (whole.checks, parts.checks)):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12, atol=1e-9)
    assert "Parquet file(s)" in parts.method
    dd = pytest.importorskip("dask.dataframe")
    on_dask = scaled(p, dd.from_pandas(data, npartitions=3, sort=False), "low-risk",
                     "high-risk", **kw)
    pd.testing.assert_frame_equal(whole.frame, on_dask.frame, check_exact=False, rtol=1e-12,
                                  atol=1e-9)


def test_refusals(credit, history):
    """Check the errors name the field and the fix."""
    plain = trustlab.parse_policy(credit_text())
    with pytest.raises(trustlab.DataError, match=r"by: is needed.*fairness\.protected"):
        lda_search(plain, history, "low-risk", "high-risk")
    with pytest.raises(trustlab.DataError, match="by: names column 'sex', which the data lacks"):
        lda_search(plain, history, "low-risk", "high-risk", by="sex")
    with pytest.raises(trustlab.ParameterError,
                       match="'tolerances' argument of lda_search.. must be one or more shares"):
        lda_search(credit, history, "low-risk", "high-risk", tolerances=[0.01, 1.5])
    with pytest.raises(trustlab.ParameterError, match="'approve_thresholds' argument .* must be "
                                                      "None or one or more"):
        lda_search(credit, history, "low-risk", "high-risk", approve_thresholds=[np.nan])
    with pytest.raises(trustlab.PolicyError, match="two different rules"):
        lda_search(credit, history, "low-risk", "low-risk")
    few = trustlab.parse_policy(credit_text() + "fairness: {protected: [age_band], "
                                                "min_group: 100000}\n")
    with pytest.raises(trustlab.DataError, match="comparing favourable rates needs two"):
        lda_search(few, history, "low-risk", "high-risk", approve_thresholds=[0.1],
                   decline_thresholds=[0.3])
    absent = trustlab.parse_policy(credit_text() + "fairness: {protected: [age_band], "
                                                   "reference: {age_band: '99+'}}\n")
    with pytest.raises(trustlab.DataError, match=r"fairness\.reference\.age_band: names group"):
        lda_search(absent, history, "low-risk", "high-risk", approve_thresholds=[0.1],
                   decline_thresholds=[0.3])


def test_shown_plotted_and_serialised(search):
    """Check summary, HTML, the plot's data and to_dict."""
    s = search.summary()
    assert list(s.index) == ["current", "best", "within 1%", "within 2%", "within 5%"]
    shown = s.shown()
    assert shown.loc["current", "worst_ratio"] == f"{search.current['worst_ratio']:.2f}"
    assert shown.loc["current", "favourable_rate.18-25"].endswith("%")
    html = search._repr_html_()
    assert "Less discriminatory alternatives" in html and "18-25" in html
    d = search.plot()
    assert d.ax_.get_ylabel() == "Total value (value units)"
    assert len(d.frontier) == len(search.frontier) and len(d.choices) == 3
    assert d.adverse_ratio == 0.8
    assert d.cells["passes"].equals(search.frame.loc[d.cells.index, "checks_passed"])
    assert any(line.get_xdata()[0] == 0.8 for line in d.ax_.get_lines())
    plt.close(d.figure_)
    out = search.to_dict()
    json.dumps(out, allow_nan=False)
    assert out["by"] == "age_band" and [c["tolerance"] for c in out["choices"]] == \
        [0.01, 0.02, 0.05]
    assert out["current"]["approve_threshold"] == 0.08
