"""The drift brake: by hand on a tiny history, no look-ahead, bulk equals online."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.datasets import FeatureDrift, make_history

from _support import REPO, policy_text

BRAKE = """
guardrails:
  - {id: brake, kind: drift_brake, watch: [p], metric: psi, reference: {first: 1D},
     window: 1D, warn: 0.1, act: 0.25, then: review}
"""


def _days():
    """Three days of four cases: day 2's scores drift far from day 1's; day 3 is calm."""
    return pd.DataFrame({
        "app_id": [f"a{i}" for i in range(12)],
        "t": pd.to_datetime(["2025-01-01 09:00"] * 4 + ["2025-01-02 09:00"] * 4
                            + ["2025-01-03 09:00"] * 4),
        "p": [0.1, 0.1, 0.6, 0.6, 0.9, 0.9, 0.9, 0.9, 0.1, 0.1, 0.6, 0.6],
        "amount": [50] * 12,
        "grade": ["A"] * 12,
    })


def test_brake_engages_the_window_after_the_drift():
    """Check day 3 is braked because day 2 drifted; day 2 itself is decided by the rules."""
    p = trustlab.parse_policy(policy_text(BRAKE))
    rec = p.apply(_days())
    assert rec["guardrail"].isna()[:8].all()
    assert rec["action"].tolist()[4:8] == ["decline"] * 4
    day3 = rec.iloc[8:]
    assert day3["rule_action"].tolist() == ["approve", "approve", "decline", "decline"]
    assert day3["action"].tolist() == ["review"] * 4
    assert (day3["guardrail"] == "brake").all()
    assert day3["reason"].iloc[0].startswith(
        "The drift brake brake is engaged: in the day from 2025-01-02 00:00 the PSI of 'p' was")
    assert day3["reason"].iloc[0].endswith("The rules alone said 'approve': Risk 10% is low "
                                           "for grade A.")


def test_brake_has_no_look_ahead():
    """Check perturbing rows after a time never changes a decision before it."""
    p = trustlab.load_policy(REPO / "policies" / "consumer-credit-braked.yaml")
    data = make_history(n_days=200, seed=5, scenarios=[FeatureDrift("2025-05-01")])
    base = p.apply(data)
    assert (base["guardrail"] == "drift-brake").any()
    cut = pd.Timestamp("2025-05-20 12:00")
    later = data["decision_time"] >= cut
    rng = np.random.default_rng(0)
    shaken = data.copy()
    shaken.loc[later, "p_default"] = rng.random(int(later.sum()))
    shaken.loc[later, "debt_to_income"] = 0.0
    other = p.apply(shaken)
    before = ~later.to_numpy()
    for col in ("action", "guardrail", "reason"):  # categories differ: compare the values
        assert base.loc[before, col].astype(object).equals(other.loc[before, col].astype(object))
    assert not base.loc[~before, "reason"].astype(object).equals(
        other.loc[~before, "reason"].astype(object))  # the perturbation did change later rows


def test_online_brake_equals_bulk():
    """Check decide() with one GuardrailState brakes the same records, with the same reasons."""
    p = trustlab.load_policy(REPO / "policies" / "consumer-credit-braked.yaml")
    data = make_history(n_days=120, applications_per_day=40, seed=3,
                        scenarios=[FeatureDrift("2025-04-10")])
    bulk = p.apply(data)
    assert (bulk["guardrail"] == "drift-brake").sum() > 50
    state = trustlab.GuardrailState()
    online = [p.decide(r, state=state) for r in data.to_dict("records")]
    assert [d.action for d in online] == bulk["action"].astype(object).tolist()
    assert [d.guardrail for d in online] == bulk["guardrail"].astype(object).where(
        bulk["guardrail"].notna(), None).tolist()
    assert [d.reason for d in online] == bulk["reason"].astype(object).tolist()


def test_brake_refusals():
    """Check a brake watching a missing column, or KS on a category, is refused clearly."""
    p = trustlab.parse_policy(policy_text(BRAKE.replace("watch: [p]", "watch: [p, score2]")))
    with pytest.raises(trustlab.DataError, match=r"score2.*guardrails\[0\].watch"):
        p.apply(_days())
    p = trustlab.parse_policy(policy_text(BRAKE.replace("watch: [p]", "watch: [grade]")
                                          .replace("metric: psi", "metric: ks")))
    with pytest.raises(trustlab.DataError, match="ks applies to numeric columns; 'grade' is "
                                                 "categorical"):
        p.apply(_days())
    p = trustlab.load_policy(REPO / "policies" / "consumer-credit-braked.yaml")
    from trustlab.simulate import threshold_sweep

    with pytest.raises(trustlab.DataError, match="drift_brake 'drift-brake' is not applied by "
                                                 "threshold sweeps"):
        threshold_sweep(p, make_history(n_days=10, seed=0), "low-risk")
