"""Reason codes on the synthetic history: additivity, direction, families, prohibited bases."""

from __future__ import annotations

import numpy as np
import pytest

import trustlab
from trustlab.datasets import load_synthetic_sample
from trustlab.explain import (
    ReasonExplainer,
    deciding_thresholds,
    explain_case,
    global_view,
    load_glossary,
    reference_rows,
)
from trustlab.signals import build_pipeline
from _support import REPO

FEATURES = ["loan_amount", "annual_income", "debt_to_income", "credit_history_years",
            "delinquencies_2y", "employment_years", "grade", "purpose", "channel", "age_band"]


@pytest.fixture(scope="module")
def setup():
    df = load_synthetic_sample().iloc[:6000]
    labelled = df[df["defaulted"].notna()]
    policy = trustlab.load_policy(REPO / "policies" / "consumer-credit.yaml")
    glossary = load_glossary(REPO / "glossaries" / "synthetic-credit.yaml")
    return df, labelled, policy, glossary


def _fit(labelled, estimator=None):
    from sklearn.ensemble import HistGradientBoostingClassifier

    est = estimator if estimator is not None else HistGradientBoostingClassifier(
        max_iter=60, random_state=0)
    pipe = build_pipeline(labelled[FEATURES], est)
    return pipe.fit(labelled[FEATURES], labelled["defaulted"].astype(bool))


@pytest.fixture(scope="module")
def tree_codes(setup):
    df, labelled, policy, glossary = setup
    model = _fit(labelled)
    records = policy.apply(df)
    explainer = ReasonExplainer(model, glossary)
    return explainer, explainer.reason_codes(df, records, policy), records


def test_tree_contributions_add_up_to_the_log_odds(tree_codes):
    """Check SHAP additivity: contributions + reference base value = the case's log-odds."""
    explainer, codes, _ = tree_codes
    assert explainer.kind == "tree" and "TreeExplainer" in codes.method
    total = codes.contributions.sum(axis=1) + codes.base_value
    np.testing.assert_allclose(total, codes.log_odds, atol=1e-8)


def test_every_reason_points_towards_the_decision(tree_codes):
    """Check declines get risk-raising reasons, approvals risk-lowering ones, each towards its rule's action.

    ``toward`` names the action (it said "adverse"/"favourable" when the kit
    assumed favourable meant low risk). A catch-all review is explained
    against the nearest threshold it missed: risk-raising reasons when that
    is the approval's, risk-lowering when it is the decline's.
    """
    _, codes, records = tree_codes
    f = codes.frame
    rule = records["rule"].astype(str).reindex(f["row"]).to_numpy()
    decline, approve = rule == "high-risk", rule == "low-risk"
    assert decline.any() and approve.any()
    assert (f.loc[decline, "contribution"] > 0).all() and (f.loc[decline, "toward"] == "decline").all()
    assert (f.loc[approve, "contribution"] < 0).all() and (f.loc[approve, "toward"] == "approve").all()
    review = rule == "uncertain"
    assert (f.loc[review, "toward"] == "review").all()
    missed_approval = f["threshold"].str.startswith("p_default < 0.08 (rule low-risk) not met")
    assert (review == (missed_approval | f["threshold"].str.startswith(
        "p_default >= 0.35 (rule high-risk) not met"))).all()
    assert (f.loc[missed_approval, "contribution"] > 0).all()
    assert (f.loc[review & ~missed_approval, "contribution"] < 0).all()
    assert (f["contribution"] * codes.direction.reindex(f["row"]).to_numpy() > 0).all()


def test_at_most_four_reasons_families_grouped_prohibited_never_given(tree_codes):
    """Check the adverse-action rules: ≤ 4 reasons, families as one reason, no prohibited basis."""
    _, codes, _ = tree_codes
    f = codes.frame
    assert f.groupby("row").size().max() <= 4
    assert "age_band" in codes.contributions.columns  # the model uses it ...
    assert "age_band" not in set(f["reason"])        # ... it is never a reason
    assert "debt_burden" in set(f["reason"])
    assert not {"debt_to_income", "loan_amount", "annual_income"} & set(f["reason"])
    assert (f.groupby("row")["rank"].apply(lambda r: list(r) == list(range(1, len(r) + 1)))).all()
    row = f[(f["reason"] == "debt_burden") & (f["toward"] == "decline")].iloc[0]
    assert row["phrase"] == "Debt payments are high relative to income"


def test_reference_population_is_just_across_the_threshold(setup, tree_codes):
    """Check each decision is measured against the 200 cases just across its own rule's threshold.

    Declines (``p_default >= 0.35``) against the 200 highest scores under
    0.35; approvals (``p_default < 0.08``) against the 200 lowest at or above 0.08.
    """
    df, _, policy, _ = setup
    explainer, codes, records = tree_codes
    high, low = deciding_thresholds(policy)
    assert (high.op, high.value, high.rule, high.action) == (">=", 0.35, "high-risk", "decline")
    assert (low.op, low.value, low.rule, low.action) == ("<", 0.08, "low-risk", "approve")
    p = df["p_default"].to_numpy()
    for thr, rule in ((high, "high-risk"), (low, "low-risk")):
        ref = reference_rows(p, thr, 200, holds=False)
        assert len(ref) == 200 and not thr.holds(p[ref]).any()
        inside = p[~thr.holds(p) & ~np.isnan(p)]
        assert np.abs(p[ref] - thr.value).max() <= np.sort(np.abs(inside - thr.value))[199]
        rows = records["rule"].eq(rule).to_numpy()
        np.testing.assert_allclose(codes.base_value.to_numpy()[rows],
                                   explainer.log_odds(df.iloc[ref]).mean())


def test_linear_model_uses_linear_explainer(setup):
    """Check a logistic model is explained with LinearExplainer and stays additive."""
    from sklearn.linear_model import LogisticRegression

    df, labelled, policy, glossary = setup
    model = _fit(labelled, LogisticRegression(max_iter=500))
    records = policy.apply(df)
    explainer = ReasonExplainer(model, glossary)
    codes = explainer.reason_codes(df, records, policy)
    assert explainer.kind == "linear" and "LinearExplainer" in codes.method
    np.testing.assert_allclose(codes.contributions.sum(axis=1) + codes.base_value, codes.log_odds,
                               atol=1e-6)
    # one-hot columns fold back into their source feature
    assert "grade" in codes.contributions.columns
    assert not any(c.startswith("grade_") for c in codes.contributions.columns)


def test_unsupported_model_and_bad_arguments(setup):
    """Check a random forest, a bare estimator and too many reasons are refused clearly."""
    from sklearn.ensemble import RandomForestClassifier

    df, labelled, policy, glossary = setup
    forest = _fit(labelled, RandomForestClassifier(n_estimators=5, random_state=0))
    with pytest.raises(trustlab.DataError, match="gradient-boosted trees"):
        ReasonExplainer(forest)
    with pytest.raises(trustlab.DataError, match="two-step Pipeline"):
        ReasonExplainer(forest.steps[-1][1])
    with pytest.raises(trustlab.ParameterError, match=r"'max_reasons' argument of "
                                                      r"ReasonExplainer\(\) .*\[1, 4\]"):
        ReasonExplainer(_fit(labelled), max_reasons=5)


def test_batch_columns_and_case_view(setup, tree_codes):
    """Check reason columns join the records and a case reads top-down."""
    df, _, policy, _ = setup
    _, codes, records = tree_codes
    enriched = codes.add_to(records)
    assert enriched.index.equals(records.index)
    assert {"reason_1", "reason_code_1", "reason_4"} <= set(enriched.columns)
    declined = records.index[records["action"].eq("decline")][0]
    case = explain_case(policy, df, records, codes, declined)
    assert case.action == "decline" and case.rule == "high-risk"
    assert [t[0] for t in case.trace] == ["model-unavailable", "exposure-cap", "high-risk"]
    assert case.trace[-1][2] == "fired"
    assert 1 <= len(case.reasons) <= 4
    text = case.to_text()
    assert "DECLINE" in text and "Principal reasons" in text
    assert "Principal reasons" in case._repr_html_()


def test_global_view(tree_codes):
    """Check the global view ranks drivers and rule shares and draws both."""
    import matplotlib

    matplotlib.use("Agg")
    _, codes, records = tree_codes
    view = global_view(codes, records)
    assert view.signal_drivers["mean_abs_contribution"].is_monotonic_decreasing
    assert view.rule_shares["share"].sum() == pytest.approx(1.0)
    display = view.plot()
    assert len(display.axes_) == 2 and display.figure_ is not None  # ax_ is one Axes
    assert "What drives the score" in view._repr_html_()


@pytest.mark.slow  # trains and explains on Lending Club: about 9 s
def test_lending_club_reasons_are_additive_and_point_towards_the_decision():
    """Check, on the real Lending Club data, additivity and direction for every decided case.

    The signal is the out-of-fold default probability; the model never reads
    addr_state, and the glossary's prohibited basis never appears as a reason.
    """
    from trustlab.datasets import load_lending_club
    from trustlab.explain import pick_cases
    from trustlab.signals import score_out_of_fold

    data = load_lending_club()
    features = [c for c in data.columns if c not in ("Class", "defaulted", "addr_state")]
    result = score_out_of_fold(data, "Class", features, bad_when="bad", n_splits=3,
                               name="p_default")
    policy = trustlab.load_policy(REPO / "policies" / "lending-club-risk.yaml")
    scored = data.assign(p_default=result.scores)
    records = policy.apply(scored)
    explainer = ReasonExplainer(result.model, load_glossary(REPO / "glossaries" / "lending-club.yaml"))
    codes = explainer.reason_codes(scored, records, policy)
    np.testing.assert_allclose(codes.contributions.sum(axis=1) + codes.base_value,
                               codes.log_odds, atol=1e-8)
    np.testing.assert_allclose(codes.log_odds, np.log(result.model.predict_proba(
        data[features])[:, 1] / result.model.predict_proba(data[features])[:, 0]), atol=1e-8)
    f = codes.frame
    toward = f["toward"].to_numpy()
    assert (f.loc[toward == "decline", "contribution"] > 0).all()
    assert (f.loc[toward == "approve", "contribution"] < 0).all()
    assert (f["contribution"] * codes.direction.reindex(f["row"]).to_numpy() > 0).all()
    favourable = records["action"].eq("approve")
    assert set(f.loc[toward == "decline", "row"]) <= set(records.index[~favourable])
    declined = records.index[records["rule"].eq("high-risk")][0]
    assert explain_case(policy, scored, records, codes, declined).threshold == \
        "p_default >= 0.2 (rule high-risk)"  # not the approval's p_default < 0.05
    assert f.groupby("row").size().max() <= 4
    assert "addr_state" not in set(f["reason"]) and "addr_state" not in codes.contributions
    assert favourable.mean() > 0.6  # the policy's own automation check holds on real data
    picked = pick_cases(records, 5, signal=scored["p_default"], threshold=codes.threshold.value)
    kinds = {(records.at[i, "action"], records.at[i, "rule"]) for i in picked}
    assert len(picked) == 5 and len(kinds) == 4  # every rule that fired on this data


def test_no_model_reasons_for_decisions_the_signal_did_not_make(setup):
    """Check rows decided without the signal (missing score, exposure cap) get no model reasons."""
    df, labelled, policy, glossary = setup
    data = df.copy()
    data.loc[data.index[:50], "p_default"] = np.nan
    records = policy.apply(data)
    codes = ReasonExplainer(_fit(labelled), glossary).reason_codes(data, records, policy)
    given = set(codes.frame["row"])
    missing = records.index[:50]
    capped = records.index[records["rule"].eq("exposure-cap")]
    assert len(capped) > 0 and not given & set(missing) and not given & set(capped)
    assert codes.unexplained_why[missing].str.contains("no p_default value").all()
    assert codes.unexplained_why[capped].str.contains("does not read p_default").all()
    banded = records.index[records["rule"].isin(["uncertain", "high-risk", "low-risk"])
                           & data["p_default"].notna()]
    assert codes.explained[banded].all() and (codes.unexplained_why[banded] == "").all()
    case = explain_case(policy, data, records, codes, capped[0])
    assert case.reasons == () and "does not read p_default" in case.to_text()
    np.testing.assert_allclose(codes.contributions.sum(axis=1) + codes.base_value,
                               codes.log_odds, atol=1e-8)  # contributions still add up


@pytest.mark.parametrize("kind", [pytest.param("tree", marks=pytest.mark.slow), "linear"])
def test_calibrated_models_are_explained_through_their_base_models(setup, kind):
    """Check a calibrated model is explained, additively, on its base models' mean log-odds."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    df, labelled, policy, glossary = setup
    base = (HistGradientBoostingClassifier(max_iter=30, random_state=0) if kind == "tree"
            else LogisticRegression(max_iter=500))
    model = _fit(labelled, CalibratedClassifierCV(base, method="isotonic", cv=3))
    explainer = ReasonExplainer(model, glossary)
    records = policy.apply(df)
    codes = explainer.reason_codes(df, records, policy)
    assert explainer.kind == kind and "calibrated (isotonic)" in codes.method
    np.testing.assert_allclose(codes.contributions.sum(axis=1) + codes.base_value,
                               codes.log_odds, atol=1e-6)
    bases = [c.estimator for c in model.steps[-1][1].calibrated_classifiers_]
    Xt = model[:-1].transform(df[FEATURES])
    np.testing.assert_allclose(codes.log_odds, np.mean([b.decision_function(Xt) for b in bases], 0))
    f = codes.frame
    assert (f.loc[f["toward"] == "decline", "contribution"] > 0).all()
    assert (f.loc[f["toward"] == "approve", "contribution"] < 0).all()
