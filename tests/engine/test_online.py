"""The online path: one record at a time, the same decision as in bulk."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from _support import EXPECTED_TINY, policy_text
from test_apply import RATE, _rate_frame


def test_decide_matches_hand_checked_rows(tiny, tiny_frame):
    """Check decide() on each row gives the hand-checked decision and the bulk record."""
    bulk = tiny.apply(tiny_frame)
    for (idx, row), expected in zip(tiny_frame.iterrows(), EXPECTED_TINY):
        d = tiny.decide(row.to_dict())
        assert (d.action, d.rule) == expected
        rec = d.as_record()
        for col in ("action", "rule", "rule_action", "reason", "automated", "policy_hash"):
            assert rec[col] == bulk.loc[idx, col], col
        assert rec["p_model"] == "m@1"


def test_absent_key_counts_as_missing(tiny):
    """Check that an absent value is routed like a missing one."""
    assert tiny.decide({"amount": 1, "grade": "A"}).rule == "no-score"
    assert tiny.decide({"p": 0.1, "grade": "A"}).rule == "low"  # amount unknown: `big` cannot fire


def test_rate_limit_state_matches_bulk():
    """Check that decide() with one state, fed in time order, matches the bulk rate limit."""
    p = trustlab.parse_policy(policy_text(RATE))
    df = _rate_frame(300, seed=4).sort_values("t", kind="stable")
    bulk = p.apply(df)
    state = trustlab.GuardrailState()
    online = [p.decide(r, state=state) for r in df.to_dict("records")]
    assert [d.action for d in online] == bulk["action"].tolist()
    assert [d.guardrail for d in online] == [None if pd.isna(g) else g for g in bulk["guardrail"]]
    assert [d.reason for d in online] == bulk["reason"].tolist()


def test_rate_limit_needs_state_and_time():
    """Check that a rate-limited policy asks for a state and a time, clearly."""
    p = trustlab.parse_policy(policy_text(RATE))
    rec = {"p": 0.9, "amount": 1, "grade": "A", "t": "2025-01-01T10:00"}
    with pytest.raises(trustlab.DataError, match="pass state=trustlab.GuardrailState()"):
        p.decide(rec)
    with pytest.raises(trustlab.DataError, match="column 't'"):
        p.decide({**rec, "t": None}, state=trustlab.GuardrailState())
    state = trustlab.GuardrailState()
    p.decide(rec, state=state)
    with pytest.raises(trustlab.DataError, match="time order"):
        p.decide({**rec, "t": "2024-12-30T10:00"}, state=state)


def test_kill_switch_online():
    """Check that an engaged kill switch applies online too."""
    p = trustlab.parse_policy(policy_text(RATE)).with_kill_switch(True)
    d = p.decide({"p": 0.05, "amount": 1, "grade": "A", "t": "2025-01-01"},
                 state=trustlab.GuardrailState())
    assert (d.action, d.rule, d.rule_action, d.guardrail) == ("review", "low", "approve", "kill_switch")
    assert d.reason.startswith("Paused (risk was 5%). The rules alone said 'approve'")
    assert "kill_switch" in d._repr_html_()


def test_wrong_types_online(tiny):
    """Check that a text where a number is tested is a DataError naming column and rule."""
    with pytest.raises(trustlab.DataError, match=r"rules\[1\]\.when.*column 'amount' holds text"):
        tiny.decide({"p": 0.1, "amount": "lots", "grade": "A"})
    with pytest.raises(trustlab.DataError, match="must be a number"):
        tiny.decide({"p": "0.1"})


def test_numpy_scalars_and_na_values(tiny):
    """Check numpy scalars and pandas NA behave like plain Python values."""
    a = tiny.decide({"p": np.float32(0.1), "amount": np.int64(5), "grade": "A"})
    assert (a.rule, a.reason) == ("low", "Risk 10% is low for grade A.")
    assert tiny.decide({"p": pd.NA, "amount": 5}).rule == "no-score"
    assert tiny.decide({"p": 0.1, "amount": pd.NA, "grade": "A"}).rule == "low"
