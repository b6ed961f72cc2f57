"""Which columns a trained signal may read: the policy's own non-features, identifiers."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.signals import non_feature_columns, select_features, train_missing_signals
from _support import make_policy


def fill_policy(higher_means: str = "risk", low: str = "p < 0.2") -> trustlab.Policy:
    """Two signals (probability ``p``, a fraud score), an outcome and recorded decisions: every
    kind of column a policy keeps out of a model's features; approval where ``low``."""
    return trustlab.parse_policy(make_policy(
        name="fill", owner="Risk team", columns={"id": "case", "time": "t"},
        signals=[{"name": "p", "kind": "probability", "model": "m@1",
                  "higher_means": higher_means},
                 {"name": "fraud_score", "kind": "score", "model": "f@1", "higher_means": "risk"}],
        rules=[{"id": "fraud", "when": "fraud_score > 3", "then": "decline",
                "because": "Fraud score."},
               {"id": "low", "when": low, "then": "approve", "because": "Low risk."},
               {"id": "rest", "otherwise": True, "then": "review", "because": "A person decides."}],
        outcomes={"label": "bad",
                  "values": {"approve": {"good": 100, "bad": -500},
                             "decline": {"good": -10, "bad": 0}, "review": {"cost": 5}},
                  "reviewer": {"decision": "officer",
                               "map": {"approved": "approve", "declined": "decline"}}}))


EXPECTED_NON_FEATURES = [
    ("case", "the row key (`columns.id`)"),
    ("t", "the time column (`columns.time`)"),
    ("bad", "the outcome (`outcomes.label`)"),
    ("officer", "recorded human decisions (`outcomes.reviewer.decision`)"),
    ("p", "a signal the policy reads (`signals`), a model output rather than a feature"),
    ("fraud_score", "a signal the policy reads (`signals`), a model output rather than a feature"),
]


@pytest.fixture
def policy():
    return fill_policy()


@pytest.fixture
def history():
    """200 cases over 100 days: three honest features, and columns no model may read — the
    declared key and time, the outcome, the officer's decision (which copies the outcome on
    most rows), another signal, an undeclared numeric application id and a region."""
    rng = np.random.default_rng(7)
    n = 200
    income = rng.normal(50.0, 10.0, n)
    bad = rng.random(n) < 1 / (1 + np.exp((income - 45.0) / 5.0))
    return pd.DataFrame({
        "case": [f"c{i:03d}" for i in range(n)],
        "t": pd.Timestamp("2025-01-01") + pd.to_timedelta(np.arange(n) // 2, unit="D"),
        "app_id": rng.permutation(np.arange(7001, 7001 + 2 * n, 2)),
        "income": income,
        "amount": rng.integers(1, 40, n) * 250,
        "grade": rng.choice(["A", "B", "C"], n),
        "region": rng.choice(["north", "south"], n),
        "officer": np.where(bad ^ (rng.random(n) < 0.05), "declined", "approved"),
        "fraud_score": rng.normal(0.0, 1.0, n),
        "bad": bad,
    })


def test_non_feature_columns_come_from_the_policy(policy):
    """Check the row key, time, outcome, recorded decisions and signals, each with its reason."""
    assert list(non_feature_columns(policy)) == EXPECTED_NON_FEATURES


def test_protected_attributes_are_non_features():
    """Check that a policy declaring `fairness.protected` has those columns left out too (a
    stand-in object: the format's fairness section is read where a policy has one)."""
    stand_in = SimpleNamespace(id_column=None, time_column=None, outcomes=None, signals=(),
                               fairness=SimpleNamespace(protected=("age_band",)))
    assert non_feature_columns(stand_in) == (
        ("age_band", "a protected attribute (`fairness.protected`), never a model feature"),)


def test_select_features_reports_given_exclusions_and_identifiers(policy, history):
    """Check that columns given with a reason are left out with it, and that an undeclared
    numeric id is an identifier while honest numbers with distinct values stay features."""
    features, excluded = select_features(history, "bad", name="p",
                                         exclude=dict(non_feature_columns(policy)))
    assert features == ["income", "amount", "grade", "region"]
    reasons = dict(excluded)
    assert [c for c, _ in excluded] == ["case", "t", "app_id", "officer", "fraud_score", "bad"]
    for column, why in EXPECTED_NON_FEATURES:
        if column != "p":
            assert reasons[column] == why
    assert reasons["app_id"] == "an identifier: named as one, with a different value on every row"
    # without the policy, the officer's decision would be read: it is no copy of the label
    features, _ = select_features(history, "bad", time="t", name="p")
    assert "officer" in features and "fraud_score" in features


@pytest.mark.parametrize(
    ("column", "values", "why"),
    [
        ("customerID", np.r_[np.arange(49), 48], "named as one, with a different value on 98%"),
        ("row", np.arange(100, 150), "a running number"),
        ("ref", [f"x{i}" for i in range(48)] + ["x0", "x1"], "a different value on 96%"),
        ("amount", np.arange(0, 100, 2), None),       # distinct, but steps of 2 and no id name
        ("income", np.linspace(1.0, 9.0, 50), None),  # continuous
        ("grade", ["A", "B"] * 25, None),
    ],
)
def test_identifiers_by_hand(column, values, why):
    """Check which near-unique columns count as identifiers on 50 rows."""
    frame = pd.DataFrame({column: values, "bad": [True, False, False, True, False] * 10})
    features, excluded = select_features(frame, "bad")
    if why is None:
        assert features == [column]
    else:
        assert features == [] and why in dict(excluded)[column]


def test_a_trained_signal_never_reads_the_policy_non_features(policy, history):
    """Check that the signal trained for a policy reads only honest features, and that its card
    lists every column left out with the reason, the caller's exclusions included."""
    scored, trained = train_missing_signals(history, policy, exclude=["region"], seed=1)
    (signal,) = trained
    assert signal.name == "p" and signal.result.features == ("income", "amount", "grade")
    left_out = dict(signal.result.card.excluded_columns)
    assert set(left_out) == {"case", "t", "app_id", "officer", "fraud_score", "bad", "region"}
    assert left_out["officer"] == "recorded human decisions (`outcomes.reviewer.decision`)"
    assert left_out["region"] == "excluded by the caller (`exclude`)"
    assert "Columns left out" in set(signal.result.card.summary()["item"])
    assert scored["p"].notna().sum() > 0


def test_no_feature_left_is_a_clear_error(policy, history):
    """Check that a data set with only non-features cannot train a signal, and says why."""
    only = history[["case", "t", "officer", "fraud_score", "bad"]]
    with pytest.raises(trustlab.DataError, match=r"signal 'p': cannot be trained: no feature is "
                                                 r"left after leaving out case \(the row key"):
        train_missing_signals(only, policy)


def test_a_trained_benefit_signal_is_the_complement_of_the_risk(history):
    """Check that a signal declared ``higher_means: benefit`` is trained as 1 − P(bad), so
    the rules read it the way they are written (high income → high benefit)."""
    risk = fill_policy()
    benefit = fill_policy(higher_means="benefit", low="p > 0.8")
    as_risk, _ = train_missing_signals(history, risk, seed=1)
    as_benefit, _ = train_missing_signals(history, benefit, seed=1)
    both = as_risk["p"].notna()
    np.testing.assert_allclose(as_benefit["p"][both], 1.0 - as_risk["p"][both])
    assert np.corrcoef(as_benefit["p"][both], history["income"][both])[0, 1] > 0


def test_a_status_recorded_after_the_outcome_is_never_a_feature():
    """Check that a many-valued column whose values tell the outcome apart (a chargeback
    status) is left out with the reason, while an honest strong category stays in."""
    rng = np.random.default_rng(3)
    n = 400
    fraud = rng.random(n) < 0.05
    channel = rng.choice(["web", "app", "phone"], n)
    frame = pd.DataFrame({
        "amount": rng.gamma(2.0, 50.0, n),
        "channel": channel,
        "status": np.where(fraud, rng.choice(["chargeback_fraud", "confirmed_fraud"], n),
                           np.where(rng.random(n) < 0.02, "dispute", None)),
        "is_fraud": fraud.astype(int),
    })
    features, excluded = select_features(frame, "is_fraud", bad_when=1)
    reasons = dict(excluded)
    assert "status" in reasons and "tell the outcome apart (AUC 1.000" in reasons["status"]
    assert "channel" in features and "amount" in features
