"""Reason codes for decisions in either direction: each reason points towards the action taken.

A tiny churn-like history where the truth is known: ``complaints`` raises the
risk of the bad outcome, ``tenure`` lowers it, ``usage`` is noise and
``region`` (which also moves the risk) is a prohibited basis. A logistic model
is fitted on it; the signal is that model's probability of the bad outcome
(or one minus it, for a benefit signal), so a case's log-odds move with its
signal and every explained case has at least one reason.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trustlab
from trustlab.explain import (
    Basis,
    ReasonExplainer,
    Threshold,
    assign_bases,
    deciding_thresholds,
    explain_case,
    parse_glossary,
    reference_rows,
)
from trustlab.signals import build_pipeline
from _support import make_policy

FEATURES = ["tenure", "complaints", "usage", "region"]
GLOSSARY = parse_glossary("""
glossary: 1
features:
  tenure: {up: Short tenure raised the risk, down: Long tenure lowered the risk}
prohibited: [region]
""")


@lru_cache(maxsize=None)
def _history(n: int = 400):
    """The frame (with ``p`` and ``s`` = 1 - p) and the fitted logistic pipeline."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(7)
    X = pd.DataFrame({
        "tenure": rng.uniform(0, 10, n),
        "complaints": rng.integers(0, 6, n).astype(float),
        "usage": rng.normal(0, 1, n),
        "region": rng.choice(["north", "south"], n),
        "amount": rng.uniform(0, 1000, n),  # read by a rule, never by the model
    })
    logit = -0.6 * (X["tenure"] - 5) + 0.9 * (X["complaints"] - 2.5) + 0.8 * (X["region"] == "south")
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    model = build_pipeline(X[FEATURES], LogisticRegression(max_iter=1000)).fit(X[FEATURES], y)
    p = model.predict_proba(X[FEATURES])[:, 1]
    return X.assign(p=p, s=1.0 - p), model


def _policy(signal: str, higher_means: str, actions: str, rules: str,
            **sections) -> trustlab.Policy:
    """A policy on probability ``signal`` with the ``actions`` and ``rules`` given as YAML."""
    return trustlab.parse_policy(make_policy(
        name="directions", owner="Tests", columns=None,
        signals=[{"name": signal, "kind": "probability", "model": "m1",
                  "higher_means": higher_means}],
        actions=yaml.safe_load(actions), rules=yaml.safe_load(rules), outcomes=None,
        **sections))


def _codes(policy: trustlab.Policy, signal: str, **kw):
    X, model = _history()
    data = X.rename(columns={"p": signal}) if signal not in ("p", "s") else X
    records = policy.apply(data)
    codes = ReasonExplainer(model, GLOSSARY).reason_codes(data, records, policy, **kw)
    return data, records, codes


def _sign_by_row(records: pd.DataFrame, signs: dict[str, int], index) -> np.ndarray:
    """The sign each reason's contribution must have, from the deciding rule, by hand."""
    return records["rule"].astype(str).map(signs).reindex(index).to_numpy()


def _check_common(data, records, codes, policy, signs: dict[str, int]) -> pd.DataFrame:
    """Additivity; every reason points the hand-given way; every explained row has a reason."""
    np.testing.assert_allclose(codes.contributions.sum(axis=1) + codes.base_value, codes.log_odds,
                               atol=1e-9)
    f = codes.frame
    expected = _sign_by_row(records, signs, f["row"])
    assert (np.sign(f["contribution"].to_numpy()) == expected).all()
    explained = records.index[records["rule"].astype(str).isin(signs)]
    assert codes.explained[explained].all()
    assert set(f["row"]) == set(explained)  # 100% of explained rows have reasons
    assert "region" in codes.contributions.columns and "region" not in set(f["reason"])
    rule_action = {r.id: r.then for r in policy.rules}
    assert (f["toward"] == records["rule"].astype(str).map(rule_action).reindex(f["row"])
            .to_numpy()).all()
    up = f["contribution"] > 0
    assert f.loc[up, "phrase"].str.contains("raised").all()
    assert f.loc[~up, "phrase"].str.contains("lowered").all()
    assert f.groupby("row").size().max() <= 4
    return f


def test_the_model_pushes_the_known_way():
    """Check the fitted model agrees with the truth: complaints raise the risk, tenure lowers it."""
    _, model = _history()
    coef = dict(zip(model[:-1].get_feature_names_out(), model.steps[-1][1].coef_[0]))
    assert coef["complaints"] > 0 and coef["tenure"] < 0


def test_credit_approve_below_decline_above_review_between():
    """Check (a): approvals get risk-lowering reasons, declines risk-raising ones, reviews 'why not'."""
    policy = _policy("p_default", "risk", """
  approve: {automated: true, favourable: true}
  decline: {automated: true}
  review: {automated: false}""", """
  - {id: big, when: amount > 900, then: review, because: Large.}
  - {id: low-risk, when: p_default < 0.3, then: approve, because: Low.}
  - {id: high-risk, when: p_default >= 0.6, then: decline, because: High.}
  - {id: uncertain, otherwise: true, then: review, because: A person decides.}""")
    data, records, codes = _codes(policy, "p_default")
    assert {"low-risk", "high-risk", "uncertain", "big"} <= set(records["rule"].astype(str))
    # a review between 0.3 and 0.6 is explained against the nearer threshold it missed
    p = data["p_default"]
    review = records["rule"].eq("uncertain")
    near_approval = review & (p - 0.3 < 0.6 - p)
    f = codes.frame
    expected = _sign_by_row(records, {"low-risk": -1, "high-risk": 1, "uncertain": 0}, f["row"])
    expected = np.where(near_approval.reindex(f["row"]).to_numpy(), 1, expected)
    expected = np.where((review & ~near_approval).reindex(f["row"]).to_numpy(), -1, expected)
    assert (np.sign(f["contribution"].to_numpy()) == expected).all()
    assert set(f["row"]) == set(records.index[records["rule"].ne("big")])
    assert set(f.loc[f["row"].isin(records.index[review]), "toward"]) == {"review"}
    big = records.index[records["rule"].eq("big")]
    assert not codes.explained[big].any()
    assert codes.unexplained_why[big].str.contains("does not read p_default").all()
    np.testing.assert_allclose(codes.contributions.sum(axis=1) + codes.base_value, codes.log_odds,
                               atol=1e-9)
    for rule, text in (("low-risk", "p_default < 0.3 (rule low-risk)"),
                       ("high-risk", "p_default >= 0.6 (rule high-risk)")):
        label = records.index[records["rule"].eq(rule)][0]
        assert explain_case(policy, data, records, codes, label).threshold == text
    case = explain_case(policy, data, records, codes, records.index[near_approval][0])
    assert case.threshold == "p_default < 0.3 (rule low-risk) not met; rule 'uncertain' decided"
    assert case.toward == "review" and "towards review rather than approve" in case.to_text()
    case = explain_case(policy, data, records, codes, big[0])
    assert case.reasons == () and case.threshold == "none: rule big compares no threshold of p_default"


def test_retention_offer_at_high_risk_is_explained_towards_the_offer():
    """Check (b): an offer at high churn risk (favourable, right when bad) gets risk-raising reasons."""
    policy = _policy("p_churn", "risk", """
  offer: {automated: true, favourable: true, right_when: bad}
  no_offer: {automated: true, right_when: good, safe: true}""", """
  - {id: high-risk-offer, when: p_churn >= 0.5, then: offer, because: At risk.}
  - {id: rest, otherwise: true, then: no_offer, because: Not at risk.}""")
    assert deciding_thresholds(policy) == (Threshold("p_churn", 0.5, ">=", "high-risk-offer", "offer"),)
    data, records, codes = _codes(policy, "p_churn")
    f = _check_common(data, records, codes, policy, {"high-risk-offer": 1, "rest": -1})
    offered = f["toward"] == "offer"
    assert offered.any() and (f.loc[offered, "contribution"] > 0).all()  # 100%, not 0%
    assert (f.loc[~offered, "toward"] == "no_offer").all()
    assert codes.threshold == Threshold("p_churn", 0.5, ">=", "high-risk-offer", "offer")
    label = records.index[records["action"].eq("offer")][0]
    case = explain_case(policy, data, records, codes, label)
    assert case.threshold == "p_churn >= 0.5 (rule high-risk-offer)"
    assert all("raised" in phrase or "Short tenure" in phrase for phrase, _ in case.reasons)


def test_retention_reasons_by_hand():
    """Check one offer's contributions equal coef × (its inputs − the reference's mean), by hand.

    The reference is the 50 cases nearest 0.5 that were not offered; the
    reasons are its positive contributions, largest first, region left out.
    """
    policy = _policy("p_churn", "risk", """
  offer: {automated: true, favourable: true, right_when: bad}
  no_offer: {automated: true, right_when: good}""", """
  - {id: offer-rule, when: p_churn >= 0.5, then: offer, because: At risk.}
  - {id: rest, otherwise: true, then: no_offer, because: Not at risk.}""")
    data, records, codes = _codes(policy, "p_churn", reference_size=50)
    _, model = _history()
    p = data["p_churn"].to_numpy()
    below = np.flatnonzero(p < 0.5)
    ref = np.sort(below[np.argsort(0.5 - p[below], kind="stable")[:50]])
    assert (ref == reference_rows(p, codes.threshold, 50, holds=False)).all()
    xt = model[:-1].transform(data[FEATURES])
    names = list(model[:-1].get_feature_names_out())
    row = int(np.argmax(p))
    raw = model.steps[-1][1].coef_[0] * (xt[row] - xt[ref].mean(axis=0))
    by_feature = {f: sum(v for n, v in zip(names, raw) if n == f or n.startswith(f + "_"))
                  for f in FEATURES}
    label = data.index[row]
    got = codes.contributions.loc[label]
    for feature in FEATURES:
        assert got[feature] == pytest.approx(by_feature[feature], abs=1e-9)
    assert codes.base_value.loc[label] == pytest.approx(codes.log_odds.iloc[ref].mean())
    expected = [f for f in sorted(by_feature, key=by_feature.get, reverse=True)
                if by_feature[f] > 0 and f != "region"][:4]
    assert list(codes.for_row(label)["reason"]) == expected


def test_fraud_hold_band_and_release():
    """Check (c): hold above 0.7 (unfavourable), a review band, release; the band reads its nearer bound."""
    policy = _policy("p_fraud", "risk", """
  hold: {automated: true}
  review: {automated: false}
  release: {automated: true, favourable: true}""", """
  - {id: hold, when: p_fraud > 0.7, then: hold, because: Likely fraud.}
  - {id: band, when: p_fraud > 0.3 and p_fraud <= 0.7, then: review, because: Unsure.}
  - {id: release, otherwise: true, then: release, because: Clean.}""")
    data, records, codes = _codes(policy, "p_fraud")
    p = data["p_fraud"]
    band = records["rule"].eq("band")
    low_half = band & (p - 0.3 <= 0.7 - p)
    f = codes.frame
    expected = _sign_by_row(records, {"hold": 1, "band": 1, "release": -1}, f["row"])
    expected = np.where((band & ~low_half).reindex(f["row"]).to_numpy(), -1, expected)
    assert (np.sign(f["contribution"].to_numpy()) == expected).all()
    assert set(f["row"]) == set(records.index)
    texts = {b.describe() for b in codes.bases}
    assert texts == {"p_fraud > 0.7 (rule hold)", "p_fraud > 0.3 (rule band)",
                     "p_fraud <= 0.7 (rule band)",
                     "p_fraud > 0.3 (rule band) not met; rule 'release' decided"}
    label = records.index[records["rule"].eq("hold")][0]
    assert explain_case(policy, data, records, codes, label).threshold == "p_fraud > 0.7 (rule hold)"
    label = records.index[band & ~low_half][0]
    assert explain_case(policy, data, records, codes, label).threshold == \
        "p_fraud <= 0.7 (rule band)"


def test_literal_on_the_left():
    """Check (d): ``0.5 <= p`` fires above 0.5 and is shown as written."""
    policy = _policy("p", "risk", """
  offer: {automated: true, favourable: true, right_when: bad}
  no_offer: {automated: true}""", """
  - {id: offer, when: 0.5 <= p, then: offer, because: At risk.}
  - {id: rest, otherwise: true, then: no_offer, because: Not at risk.}""")
    (thr,) = deciding_thresholds(policy)
    assert (thr.op, thr.value, thr.condition) == (">=", 0.5, "0.5 <= p")
    data, records, codes = _codes(policy, "p")
    _check_common(data, records, codes, policy, {"offer": 1, "rest": -1})
    label = records.index[records["rule"].eq("offer")][0]
    assert explain_case(policy, data, records, codes, label).threshold == "0.5 <= p (rule offer)"


def test_benefit_signal_flips_the_sign():
    """Check (e): approving a high repayment score means reasons that lowered the modelled risk."""
    policy = _policy("s", "benefit", """
  approve: {automated: true, favourable: true}
  decline: {automated: true}
  review: {automated: false}""", """
  - {id: good, when: s >= 0.6, then: approve, because: Likely to repay.}
  - {id: poor, when: s < 0.3, then: decline, because: Unlikely to repay.}
  - {id: mid, otherwise: true, then: review, because: A person decides.}""")
    data, records, codes = _codes(policy, "s")
    s = data["s"]
    mid = records["rule"].eq("mid")
    near_good = mid & (0.6 - s < s - 0.3)
    f = codes.frame
    expected = _sign_by_row(records, {"good": -1, "poor": 1, "mid": 0}, f["row"])
    expected = np.where(near_good.reindex(f["row"]).to_numpy(), 1, expected)
    expected = np.where((mid & ~near_good).reindex(f["row"]).to_numpy(), -1, expected)
    assert (np.sign(f["contribution"].to_numpy()) == expected).all()
    assert set(f["row"]) == set(records.index)
    assert (f.loc[f["toward"] == "approve", "phrase"].str.contains("lowered")).all()
    label = records.index[records["rule"].eq("poor")][0]
    assert explain_case(policy, data, records, codes, label).threshold == "s < 0.3 (rule poor)"


def test_rules_that_do_not_decide_on_the_signal_give_no_model_reasons():
    """Check an ``or`` rule that fired on its other condition, and a catch-all nothing missed."""
    policy = _policy("p", "risk", """
  approve: {automated: true, favourable: true}
  review: {automated: false}""", """
  - {id: watch, when: p > 0.95 or amount > 800, then: review, because: Watch.}
  - {id: low, when: p < 0.5 and usage > 0, then: approve, because: Low.}
  - {id: rest, otherwise: true, then: review, because: A person decides.}""")
    data, records, codes = _codes(policy, "p")
    p = data["p"]
    by_amount = records["rule"].eq("watch") & (p <= 0.95)
    assert by_amount.any()
    assert not codes.explained[by_amount].any()
    assert codes.unexplained_why[by_amount].str.contains("fired on its other conditions").all()
    # a catch-all case under 0.5 met the approval's threshold: usage decided, not the model
    met_all = records["rule"].eq("rest") & (p < 0.5)
    assert met_all.any() and not codes.explained[met_all].any()
    assert codes.unexplained_why[met_all].str.contains("met every p threshold").all()
    assert codes.threshold == Threshold("p", 0.5, "<", "low", "approve")
    missed = records["rule"].eq("rest") & (p >= 0.5)  # why not approve: risk too high
    f = codes.frame
    assert (f.loc[f["row"].isin(records.index[missed]), "contribution"] > 0).all()
    label = records.index[by_amount][0]
    assert explain_case(policy, data, records, codes, label).threshold == "p > 0.95 (rule watch)"
    np.testing.assert_allclose(codes.contributions.sum(axis=1) + codes.base_value, codes.log_odds,
                               atol=1e-9)


def test_not_turns_the_comparison_round():
    """Check ``not (p < 0.5)`` is read as the rule fires: ``p >= 0.5``."""
    policy = _policy("p", "risk", """
  offer: {automated: true, favourable: true}
  no_offer: {automated: true}""", """
  - {id: offer, when: not (p < 0.5), then: offer, because: At risk.}
  - {id: rest, otherwise: true, then: no_offer, because: Not at risk.}""")
    assert deciding_thresholds(policy) == (Threshold("p", 0.5, ">=", "offer", "offer"),)
    data, records, codes = _codes(policy, "p")
    _check_common(data, records, codes, policy, {"offer": 1, "rest": -1})


def test_a_given_threshold_explains_each_case_towards_its_side():
    """Check ``threshold=0.4``: cases above it get risk-raising reasons, below it risk-lowering."""
    policy = _policy("p", "risk", """
  offer: {automated: true, favourable: true}
  no_offer: {automated: true}""", """
  - {id: offer, when: p >= 0.5, then: offer, because: At risk.}
  - {id: rest, otherwise: true, then: no_offer, because: Not at risk.}""")
    data, records, codes = _codes(policy, "p", threshold=0.4)
    f = codes.frame
    above = (data["p"] >= 0.4).reindex(f["row"]).to_numpy()
    assert (np.sign(f["contribution"].to_numpy()) == np.where(above, 1, -1)).all()
    label = records.index[records["rule"].eq("rest") & (data["p"] >= 0.4)][0]
    assert codes.basis_for(label) == Basis(Threshold("p", 0.4, ">="), True, "rest", "no_offer")
    assert explain_case(policy, data, records, codes, label).threshold == \
        "p >= 0.4; rule 'rest' decided"


def test_no_case_across_the_threshold_means_no_reasons_not_an_error():
    """Check a threshold nobody crosses leaves its cases unexplained, saying why, and still additive."""
    policy = _policy("p", "risk", """
  offer: {automated: true, favourable: true}
  no_offer: {automated: true}""", """
  - {id: offer, when: p >= 0, then: offer, because: Everyone.}
  - {id: rest, otherwise: true, then: no_offer, because: Nobody.}""")
    data, records, codes = _codes(policy, "p")
    assert not codes.explained.any() and codes.frame.empty and codes.threshold is None
    assert codes.unexplained_why.str.contains("no case lies on the other side of p >= 0").all()
    np.testing.assert_allclose(codes.contributions.sum(axis=1) + codes.base_value, codes.log_odds,
                               atol=1e-9)


def test_assign_bases_by_hand():
    """Check the basis of five hand-made cases of the credit policy."""
    policy = _policy("p", "risk", """
  approve: {automated: true, favourable: true}
  decline: {automated: true}
  review: {automated: false}""", """
  - {id: none, when: p is missing, then: review, because: No score.}
  - {id: low, when: p < 0.2, then: approve, because: Low.}
  - {id: high, when: p >= 0.6, then: decline, because: High.}
  - {id: rest, otherwise: true, then: review, because: A person decides.}""")
    low, high = deciding_thresholds(policy)
    idx, bases, why = assign_bases(policy, policy.signals[0],
                                   ["low", "high", "rest", "rest", "none"],
                                   np.array([0.1, 0.7, 0.25, 0.55, np.nan]))
    got = [bases[i] if i >= 0 else None for i in idx]
    assert got == [Basis(low, True, "low", "approve"), Basis(high, True, "high", "decline"),
                   Basis(low, False, "rest", "review"), Basis(high, False, "rest", "review"), None]
    assert [b.score_up for b in got[:4]] == [False, True, True, False]
    assert why[4] == "no p value: the decision did not use the model"
    with pytest.raises(trustlab.DataError, match="records.rule.*'gone'.*not rules of policy"):
        assign_bases(policy, policy.signals[0], ["gone"], np.array([0.1]))


OPS = ["<", "<=", ">", ">="]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quantile=st.floats(0.15, 0.85), op=st.sampled_from(OPS), literal_left=st.booleans(),
       favourable=st.booleans(), right_when=st.sampled_from(["good", "bad"]),
       benefit=st.booleans())
def test_every_reason_points_towards_the_action_taken(quantile, op, literal_left, favourable,
                                                      right_when, benefit):
    """Check, for any threshold, operator and direction of action, reasons point towards the action.

    One rule fires on ``signal op t`` (any of the four operators, either way
    round); the catch-all takes the other action. Rows of the rule get
    reasons that moved the signal to the side the rule fires on; catch-all
    rows, reasons that kept it on the other side; on the log-odds of the bad
    outcome, a benefit signal turns the sign round.
    """
    X, _ = _history()
    signal = "s" if benefit else "p"
    t = round(float(np.quantile(X[signal], quantile)), 4)
    cond = f"{t} {dict(zip(OPS, ['>', '>=', '<', '<=']))[op]} {signal}" if literal_left \
        else f"{signal} {op} {t}"
    fav = "true" if favourable else "false"
    policy = _policy(signal, "benefit" if benefit else "risk", f"""
  act: {{automated: true, favourable: {fav}, right_when: {right_when}}}
  other: {{automated: true, favourable: {'false' if favourable else 'true'}}}""", f"""
  - {{id: fire, when: "{cond}", then: act, because: Fired.}}
  - {{id: rest, otherwise: true, then: other, because: Did not fire.}}""")
    data, records, codes = _codes(policy, signal)
    up = (1 if op in (">", ">=") else -1) * (-1 if benefit else 1)
    f = _check_common(data, records, codes, policy, {"fire": up, "rest": -up})
    assert set(f.loc[f["row"].isin(records.index[records["rule"].eq("fire")]), "toward"]) <= {"act"}
    fired = records.index[records["rule"].eq("fire")]
    if len(fired):
        assert explain_case(policy, data, records, codes, fired[0]).threshold == f"{cond} (rule fire)"


def test_a_guardrail_changed_decision_keeps_its_rules_reasons():
    """Check a kill switch that turned offers into no_offer leaves the reasons for the rule's offer.

    The reasons explain the model's part, the rule's action; the case says
    the guardrail changed it and which action the reasons point towards.
    """
    policy = _policy("p_churn", "risk", """
  offer: {automated: true, favourable: true, right_when: bad}
  no_offer: {automated: true, right_when: good, safe: true}""", """
  - {id: high-risk-offer, when: p_churn >= 0.5, then: offer, because: At risk.}
  - {id: rest, otherwise: true, then: no_offer, because: Not at risk.}""",
                     kill_switch={"engaged": True, "then": "no_offer", "because": "Offers paused."})
    data, records, codes = _codes(policy, "p_churn")
    assert records["action"].eq("no_offer").all()
    f = _check_common(data, records, codes, policy, {"high-risk-offer": 1, "rest": -1})
    assert (f["toward"] == "offer").any()
    label = records.index[records["rule"].eq("high-risk-offer")][0]
    case = explain_case(policy, data, records, codes, label)
    text = case.to_text()
    assert case.guardrail == "kill_switch" and "changed by guardrail 'kill_switch'" in text
    assert "towards offer, the action of rule 'high-risk-offer'" in text
    html = codes._repr_html_()
    assert "p_churn &gt;= 0.5 (rule high-risk-offer)</code> → offer" in html
    assert list(codes.references["toward"]) == ["no_offer", "offer"]
    assert list(codes.references["reasons"]) == ["lowered", "raised"]
