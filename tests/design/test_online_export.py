"""The hybrid's online policy: batch-set thresholds, a fallback, one record decided."""

from __future__ import annotations

import pytest

import trustlab
from trustlab.design import export_online_policy
from _support import REPO

RECORD = {"application_id": "A1", "decision_time": "2025-03-01 10:00", "loan_amount": 9000,
          "debt_to_income": 12, "p_default": 0.09}


def test_thresholds_are_written_and_decide_one_record(tmp_path):
    """Check the batch-set threshold decides a record the old one would not, the file loads
    back to the same policy and its version names the online path."""
    p = trustlab.load_policy(REPO / "policies" / "consumer-credit.yaml")
    assert p.decide(RECORD, state=trustlab.GuardrailState()).action == "review"
    online = export_online_policy(p, {"low-risk": 0.1, "high-risk": 0.3})
    d = online.policy.decide(RECORD, state=trustlab.GuardrailState())
    assert (d.action, d.rule) == ("approve", "low-risk")
    assert online.policy.version == f"{p.version}-online"
    assert online.policy.rules[3].when.canonical() == "p_default < 0.1 and debt_to_income < 40"
    assert "is under 10% and debt-to-income" in d.reason  # the reason states the new line
    assert "at or above the 30% decline line" in online.text
    again = trustlab.load_policy(online.save(tmp_path / "online.yaml"))
    assert again.content_hash == online.policy.content_hash
    assert online.fallback_rule == "model-unavailable"  # the policy's own


def test_a_fallback_is_added_when_the_policy_has_none(tmp_path):
    """Check a policy with no missing-signal rule gets one that sends the record to a person."""
    text = (REPO / "policies" / "consumer-credit.yaml").read_text()
    text = text[:text.index("  - id: model-unavailable")] + text[
        text.index("  - id: exposure-cap"):]
    (tmp_path / "p.yaml").write_text(text)
    p = trustlab.load_policy(tmp_path / "p.yaml")
    online = export_online_policy(p, {"low-risk": 0.1})
    d = online.policy.decide({**RECORD, "p_default": None}, state=trustlab.GuardrailState())
    assert (d.rule, d.action) == ("signal-missing-fallback", "review")
    assert "falls back to 'review'" in d.reason
    with pytest.raises(trustlab.ConfigError, match="fallback: 'approve' is automated"):
        export_online_policy(p, {"low-risk": 0.1}, fallback="approve")
    with pytest.raises(trustlab.ConfigError, match="fallback: must be one of the policy's"):
        export_online_policy(p, {"low-risk": 0.1}, fallback="wait")
