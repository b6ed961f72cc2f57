"""Policy changes in words, their impact on history, the version rule, rollback, `trustlab diff`."""

from __future__ import annotations

import pytest

import trustlab
from trustlab._cli import main
from trustlab.change import (deploy_timeline, describe_changes, policy_impact,
                             require_version_bump)
from trustlab.datasets import FeatureDrift, make_history
from _support import REPO

TEXT = (REPO / "policies" / "consumer-credit.yaml").read_text()


@pytest.fixture(scope="module")
def v1():
    return trustlab.parse_policy(TEXT)


def _edit(old: str, new: str, version: str = "1.2.1") -> trustlab.Policy:
    assert old in TEXT, old
    return trustlab.parse_policy(TEXT.replace(old, new).replace("version: 1.2.0",
                                                                f"version: {version}"))


LOW_RISK = """  - id: low-risk
    when: p_default < 0.08 and debt_to_income < 40
    then: approve
    because: Predicted default risk {p_default:.1%} is under 8% and debt-to-income is under 40.
"""
CAP = """  - id: exposure-cap
    when: loan_amount > 40000
    then: review
    escalate: senior-underwriter
    because: Loans over 40,000 always need a senior underwriter.
"""
HIGH = """  - id: high-risk
    when: p_default >= 0.35
    then: decline
    because: Predicted default risk {p_default:.1%} is at or above the 35% decline line.
"""


@pytest.mark.parametrize("old, new, kind, words", [
    ("p_default < 0.08 and", "p_default < 0.1 and", "threshold moved",
     "Rule 'low-risk': threshold moved, p_default < 0.08 and debt_to_income < 40 → "
     "p_default < 0.1 and debt_to_income < 40."),
    ("debt_to_income < 40", "debt_to_income < 40 and grade != 'G'", "condition changed",
     "Rule 'low-risk': condition changed"),
    (LOW_RISK, LOW_RISK + LOW_RISK.replace("low-risk", "low-risk-2").replace("0.08", "0.05"),
     "rule added", "Rule 'low-risk-2' added: when p_default < 0.05"),
    (CAP, "", "rule removed", "Rule 'exposure-cap' removed: when loan_amount > 40000 → review."),
    (CAP + HIGH, HIGH + CAP, "rules reordered",
     "Rules reordered: model-unavailable, exposure-cap, high-risk, low-risk, uncertain → "
     "model-unavailable, high-risk, exposure-cap, low-risk, uncertain"),
    ("    then: decline\n    because: Predicted", "    then: review\n    because: Predicted",
     "rule action changed", "Rule 'high-risk' now gives 'review' instead of 'decline'."),
    ("    max: 40\n", "    max: 30\n", "guardrail changed",
     "Guardrail 'decline-rate-limit': max 40 → 30."),
    ("guardrails:\n  - id: decline-rate-limit\n    kind: rate_limit\n    action: decline\n"
     "    max: 40\n    per: 1D\n    overflow: review\n", "", "guardrail removed",
     "Guardrail 'decline-rate-limit' removed: kind: rate_limit, action: decline, max: 40"),
    ("  - metric: automation_rate\n    at_least: 0.55\n", "", "check removed",
     "Check removed: automation_rate >= 0.55."),
    ("  - metric: automation_rate\n    at_least: 0.55\n",
     "  - metric: automation_rate\n    at_least: 0.6\n", "check added",
     "Check added: automation_rate >= 0.6."),
    ("owner: Head of Consumer Credit Risk <credit-risk@example.com>",
     "owner: Chief Risk Officer <cro@example.com>", "owner", "Owner changed from"),
    ("mode: supervised", "mode: autonomous", "mode", "Mode supervised → autonomous."),
], ids=["threshold", "condition", "rule-added", "rule-removed", "reordered", "action",
        "guardrail-changed", "guardrail-removed", "check-removed", "check-added", "owner", "mode"])
def test_every_kind_of_change_is_said_in_words(v1, old, new, kind, words):
    """Check each category of change is found, named and described."""
    changes = describe_changes(v1, _edit(old, new))
    assert kind in set(changes["kind"]), changes
    assert any(t.startswith(words) for t in changes["change"]), changes["change"].tolist()
    assert changes.iloc[0]["kind"] == "identity"  # the version bump comes first


def test_unbumped_change_is_refused(v1, tmp_path):
    """Check a changed policy that keeps its name@version is refused, in Python and on the CLI."""
    same = trustlab.parse_policy(TEXT.replace("max: 40", "max: 30"))
    with pytest.raises(trustlab.PolicyError, match="a change must bump `version`"):
        require_version_bump(v1, same)
    with pytest.raises(trustlab.PolicyError, match="a change must bump `version`"):
        policy_impact(v1, same, make_history(n_days=3))
    require_version_bump(v1, trustlab.parse_policy(TEXT))  # same content: fine
    path = tmp_path / "same.yaml"
    path.write_text(TEXT.replace("max: 40", "max: 30"))
    assert main(["diff", str(REPO / "policies" / "consumer-credit.yaml"), str(path)]) == 2


def test_impact_flips_sum_to_rows_and_causes_to_flips(v1):
    """Check the flip matrix covers every row once and the causes explain every flip."""
    v2 = _edit("p_default < 0.08 and", "p_default < 0.1 and")
    data = make_history(n_days=60, applications_per_day=60, seed=3)
    r = policy_impact(v1, v2, data, bootstrap=200)
    assert int(r.flips.loc["total", "total"]) == len(data)
    off_diagonal = sum(int(r.flips.loc[a, b]) for a in r.flips.index[:-1]
                       for b in r.flips.columns[:-1] if a != b)
    assert r.flipped == off_diagonal == int(r.causes["rows"].sum()) > 0
    assert set(r.causes["new_rule"]) == {"low-risk"} and set(r.causes["new_action"]) == {"approve"}
    auto = r.deltas.set_index("metric").loc["automation_rate"]
    assert auto["change"] > 0 and auto["low"] <= auto["change"] <= auto["high"]
    assert len(r.examples) == 5
    assert r.examples["new_reason"].str.startswith("Predicted default risk").all()
    assert "would flip" in r.in_words()


def test_rollback_is_exact_and_records_keep_both_identities(v1):
    """Check a rolled-back period equals the old version row for row, identities included."""
    v2 = trustlab.load_policy(REPO / "policies" / "consumer-credit-braked.yaml")
    data = make_history(n_days=150, applications_per_day=40, seed=2,
                        scenarios=[FeatureDrift("2025-04-01")])
    t = deploy_timeline(data, [(None, v1), ("2025-03-01", v2), ("2025-05-01", v1)])
    assert t.verify()["identical"].all()
    assert t.periods()["rollback"].tolist() == [False, False, True]
    after = data["decision_time"] >= "2025-05-01"
    old = v1.apply(data)
    for c in ("action", "reason", "policy_version", "policy_hash"):
        assert t.records.loc[after, c].astype(object).equals(old.loc[after, c].astype(object))
    assert set(t.records["policy_version"].astype(str)) == {"1.2.0", "1.3.0"}
    braked = t.records["guardrail"].astype(object).eq("drift-brake")
    assert braked.any() and not braked[after].any()
    assert len(t.records) == len(data) and t.records.index.equals(data.index)
    with pytest.raises(trustlab.DataError, match="starts must increase"):
        deploy_timeline(data, [(None, v1), ("2025-05-01", v2), ("2025-03-01", v1)])


def test_cli_diff_prints_changes_and_impact(capsys, tmp_path):
    """Check `trustlab diff OLD NEW DATA` prints the changes, the flip matrix and flipped cases."""
    new = tmp_path / "new.yaml"
    new.write_text(TEXT.replace("p_default < 0.08 and", "p_default < 0.1 and")
                   .replace("version: 1.2.0", "version: 1.2.1"))
    data = tmp_path / "h.parquet"
    make_history(n_days=30, applications_per_day=40, seed=1).to_parquet(data)
    code = main(["diff", str(REPO / "policies" / "consumer-credit.yaml"), str(new), str(data),
                 "--bootstrap", "50"])
    out = capsys.readouterr().out
    assert code == 0
    assert "[threshold moved] Rule 'low-risk': threshold moved" in out
    assert "old action (rows) × new action (columns)" in out
    assert "Which rules made the flips" in out and "\nCase " in out
