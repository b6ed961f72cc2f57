"""`trustlab.review.assess` without a kernel: reading the outcome from another column."""

from __future__ import annotations

import dataclasses

import pytest

from trustlab import ConfigError, DataError, load_policy
from trustlab.datasets import load_lending_club
from trustlab.review import assess, outcome_read_from
from _support import REPO


@pytest.fixture(scope="module")
def loans():
    return load_lending_club().head(1500)


@pytest.fixture(scope="module")
def risk():
    return load_policy(REPO / "policies" / "lending-club-risk.yaml")


@pytest.mark.slow  # scores the signal out of fold: ~8 s
def test_label_parameter_reads_another_column_as_the_outcome(loans, risk):
    """Check a history with a renamed outcome column reviews exactly like the original."""
    as_written = assess(risk, loans, bootstrap=0, cases=0)
    renamed = loans.rename(columns={"Class": "repaid_or_not"})
    mapped = assess(risk, renamed, bootstrap=0, cases=0, label="repaid_or_not")
    assert mapped.replay.metrics.equals(as_written.replay.metrics)
    assert mapped.policy.content_hash == risk.content_hash
    assert mapped.metrics_document()["label"] == "repaid_or_not"
    assert as_written.metrics_document()["label"] == "Class"
    assert any("'repaid_or_not' in place of the policy's 'Class'" in t
               for t in mapped.limitations())
    assert not any("in place of the policy's" in t for t in as_written.limitations())


def test_label_parameter_errors_name_the_column(loans, risk):
    """Check a missing column and a policy without outcomes are refused by name."""
    with pytest.raises(DataError, match="column 'nope': is not in the data"):
        outcome_read_from(loans, "nope", (risk,))
    bare = dataclasses.replace(risk, outcomes=None)
    with pytest.raises(ConfigError, match="outcomes: is missing"):
        outcome_read_from(loans, "Class", (bare,))
    assert outcome_read_from(loans, "", (risk,)) is loans


def test_review_with_time_measures_drift_trust_and_the_gate():
    """Check a timed history gets drift, trust and gate sections and drift metrics filled in."""
    from trustlab.datasets import FeatureDrift, make_history

    policy = load_policy(REPO / "policies" / "consumer-credit-braked.yaml")
    history = make_history(n_days=150, applications_per_day=60, seed=1,
                           scenarios=[FeatureDrift("2025-04-15")])
    review = assess(policy, history, bootstrap=0, cases=0)
    assert review.drift is not None and review.trust is not None and review.gate is not None
    summary = review.drift_summary()
    assert summary.loc["data", "column"] == "debt_to_income"
    assert summary.loc["data", "first act"] == "2025-04-14"
    psi = review.replay.metric("max_feature_psi")
    assert psi == pytest.approx(review.drift.max("psi", "data")) and psi > 0.25
    assert review.replay.metric("max_signal_psi") == pytest.approx(review.drift.max("psi", "signal"))
    doc = review.metrics_document()
    assert doc["drift"]["reference"].startswith("the first 90 days")
    assert doc["drift"]["alerts"][0]["column"] == "debt_to_income"
    assert doc["promotion"]["next_mode"] == "autonomous"
    assert any("Drift is measured against the first 90 days" in t for t in review.limitations())
    assert "override_rate" in review.trust_summary().index


def test_review_without_time_says_drift_is_not_assessed(loans, risk):
    """Check a history without a time column says so instead of inventing drift numbers."""
    review = assess(risk, loans, bootstrap=0, cases=0)
    assert review.drift is None and review.drift_summary() is None
    assert any("Drift and trust over time are not assessed" in t for t in review.limitations())
    assert review.metrics_document()["drift"] is None
