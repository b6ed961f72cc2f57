"""`trustlab.review.assess` without a kernel: reading the outcome from another column."""

from __future__ import annotations

import dataclasses

import pytest

from trustlab import ConfigError, DataError, load_policy
from trustlab.datasets import load_lending_club
from trustlab.review import assess, outcome_read_from
from conftest import REPO


@pytest.fixture(scope="module")
def loans():
    return load_lending_club().head(1500)


@pytest.fixture(scope="module")
def risk():
    return load_policy(REPO / "policies" / "lending-club-risk.yaml")


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
