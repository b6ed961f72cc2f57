"""Never a reason: a policy's protected attributes are withheld from reason codes.

The model here is *supplied* (fitted outside the review, on every column,
``age_band`` included) on a retention history whose outcome ``age_band``
decides, so the attribute is its strongest driver. Explained for a policy
declaring ``fairness: {protected: [age_band]}``, no decision cites it, with or
without a glossary; its contribution is still measured and reported as
withheld. Explained for the same policy without ``fairness``, it is cited on
many decisions: the test of the real thing fails if the protected list is ignored.
"""

from __future__ import annotations

import numpy as np
import pytest

import trustlab
from trustlab.explain import (
    ReasonExplainer,
    explain_case,
    global_view,
    parse_glossary,
    policy_glossary,
    prohibited_bases,
)
from trustlab.signals import build_pipeline
from _support import age_driven_history, retention_policy

FEATURES = ["age_band", "region", "plan", "contract", "tenure_months", "monthly_charge",
            "support_calls_90d", "num_late_payments"]


_history = age_driven_history


_policy = retention_policy


@pytest.fixture(scope="module")
def policies(tmp_path_factory):
    return (_policy(tmp_path_factory.mktemp("fair")),
            _policy(tmp_path_factory.mktemp("blind"), fairness=""))


@pytest.fixture(scope="module", params=["tree", "linear"])
def supplied(request):
    """Data scored by a model trained elsewhere on every feature, age_band included."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    data = _history()
    estimator = HistGradientBoostingClassifier(max_iter=40, random_state=0) \
        if request.param == "tree" else LogisticRegression(max_iter=2000)
    y = (data["churned"] == "Yes").to_numpy()
    # fitted as a team would outside: missing tenure as NaN; explained on the nullable frame
    X = data[FEATURES].astype({"tenure_months": "float64"})
    model = build_pipeline(X, estimator).fit(X, y)
    scored = data.assign(p_churn=model.predict_proba(X)[:, 1])
    return scored, model


def _codes(supplied, policy, glossary=None):
    data, model = supplied
    records = policy.apply(data)
    return ReasonExplainer(model, glossary).reason_codes(data, records, policy), records


def test_prohibited_bases_merge_the_glossary_and_the_policy(policies):
    """Check the one merged set: the policy's protected list with or without a glossary."""
    fair, blind = policies
    g = parse_glossary("glossary: 1\nprohibited: [region]\n")
    assert prohibited_bases(g, fair) == {"age_band", "region"}
    assert prohibited_bases(None, fair) == {"age_band"}
    assert prohibited_bases(g, blind) == prohibited_bases(g) == {"region"}
    assert prohibited_bases() == frozenset()
    assert policy_glossary(None, fair).prohibited == {"age_band"}
    assert policy_glossary(g, blind) is g


def test_a_supplied_model_reading_the_attribute_never_gives_it_as_a_reason(supplied, policies):
    """Check no glossary needed: age_band is measured, withheld, and never a reason."""
    fair, blind = policies
    codes, records = _codes(supplied, fair)
    assert "age_band" in codes.contributions.columns
    np.testing.assert_allclose(codes.contributions.sum(axis=1) + codes.base_value,
                               codes.log_odds, atol=1e-8)
    f = codes.frame
    assert len(f) > 0 and "age_band" not in set(f["reason"])
    wide = codes.add_to(records)
    cited = wide.filter(like="reason_code_").astype(object)
    assert not (cited == "age_band").any().any()
    withheld = codes.withheld.set_index("reason")
    assert list(withheld.index) == ["age_band"]
    assert withheld.at["age_band", "decisions"] > 0
    assert withheld.at["age_band", "mean_abs_contribution"] > 0
    assert "Withheld, never a reason" in codes._repr_html_()

    # the same model explained for the policy without `fairness` cites it all over
    blind_codes, _ = _codes(supplied, blind)
    cites = blind_codes.frame["reason"].eq("age_band").sum()
    assert cites >= withheld.at["age_band", "decisions"] * 0.9 and cites > 50
    assert blind_codes.withheld.empty


def test_the_glossary_prohibited_and_the_policy_protected_both_hold(supplied, policies):
    """Check a glossary's own prohibited basis stays withheld beside the policy's attribute."""
    fair, _ = policies
    g = parse_glossary("glossary: 1\nprohibited: [region]\n")
    codes, _ = _codes(supplied, fair, g)
    assert not {"age_band", "region"} & set(codes.frame["reason"])
    assert set(codes.withheld["reason"]) == {"age_band", "region"}
    assert codes.glossary.prohibited == {"age_band", "region"}


def test_a_family_holding_the_attribute_gives_its_reason_without_it(supplied, policies):
    """Check age_band filed in a family with tenure is pulled out: the family is still given."""
    fair, _ = policies
    g = parse_glossary("""
glossary: 1
features:
  age_band: {family: life_stage}
  tenure_months: {family: life_stage}
families:
  life_stage: {up: Customer is new to us, down: Customer has been with us long}
""")
    codes, _ = _codes(supplied, fair, g)
    assert {"age_band", "life_stage"} <= set(codes.contributions.columns)
    assert "life_stage" in set(codes.frame["reason"])
    assert "age_band" not in set(codes.frame["reason"])
    np.testing.assert_allclose(codes.contributions.sum(axis=1) + codes.base_value,
                               codes.log_odds, atol=1e-8)


def test_case_and_global_view_withhold_the_attribute(supplied, policies):
    """Check explain_case never phrases it and global_view shows it as a withheld driver."""
    fair, _ = policies
    data, _ = supplied
    codes, records = _codes(supplied, fair)
    view = global_view(codes, records)
    drivers = view.signal_drivers.set_index("reason")
    assert bool(drivers.at["age_band", "withheld"])
    assert drivers.at["age_band", "share_of_reasons"] == 0
    assert not drivers.drop(index="age_band")["withheld"].any()
    phrases = {"Age band raised the assessed risk", "Age band lowered the assessed risk"}
    explained = codes.frame["row"].unique()[:25]
    for label in explained:
        case = explain_case(fair, data, records, codes, label)
        assert case.reasons and not phrases & {p for p, _ in case.reasons}
