"""Loading and validating policy files."""

from __future__ import annotations

import pytest

import trustlab
from trustlab.policy import canonical_json
from _support import BASE, FIXTURES, REPO, policy_text


def test_spec_example_loads():
    """Check that the complete example of the format spec loads with every section."""
    p = trustlab.load_policy(FIXTURES / "spec_example.yaml")
    assert (p.name, p.version, p.mode) == ("consumer-credit-approval", "1.2.0", "supervised")
    assert [r.id for r in p.rules] == ["model-unavailable", "exposure-cap", "high-risk",
                                       "low-risk", "uncertain"]
    assert p.rules[-1].otherwise and p.rules[1].escalate == "senior-underwriter"
    assert [g.kind for g in p.guardrails] == ["rate_limit", "drift_brake"]
    assert p.guardrails[1].reference.first.text == "90D"
    assert p.kill_switch.engaged is False
    assert p.outcomes.reviewer.map == (("approved", "approve"), ("declined", "decline"))
    assert p.outcomes.value_of("review").cost == 35
    assert [c.metric for c in p.checks][-1] == "favourable_rate_ratio"
    assert p.promotion.min_decisions == 2000
    assert len(p.content_hash) == 64


def test_shipped_example_policy_loads():
    """Check that every policy in policies/ is valid."""
    files = sorted((REPO / "policies").glob("*.yaml"))
    assert files
    for f in files:
        assert trustlab.load_policy(f).owner


def test_all_problems_reported_at_once_with_paths_and_lines():
    """Check that one error lists every problem, each with its YAML path and line."""
    text = BASE.replace("then: decline", "then: refuse").replace(
        "    because: No score.", "    because: No score.\n    becuase: typo")
    text += "checks:\n  - metric: automation_rate\n    at_leat: 0.5\n"
    with pytest.raises(trustlab.PolicyError) as info:
        trustlab.parse_policy(text, source="credit.yaml")
    err = info.value
    wheres = [p.where for p in err.problems]
    assert "rules[2].then" in wheres
    assert "rules[0].becuase" in wheres
    assert "checks[0].at_leat" in wheres
    assert "checks[0]" in wheres  # no bound left
    msg = str(err)
    assert "credit.yaml" in msg and "tiny-credit" in msg
    assert "Did you mean 'because'?" in msg and "Did you mean 'at_least'?" in msg
    assert "action 'refuse' is not declared" in msg and "Declared actions: approve, decline, review" in msg
    line_of = {p.where: p.line for p in err.problems}
    assert line_of["rules[0].becuase"] == text.splitlines().index("    becuase: typo") + 1
    assert list(err.failure_cases.columns) == ["where", "line", "message"]
    assert isinstance(err, trustlab.TrustlabError) and isinstance(err, ValueError)


@pytest.mark.parametrize(
    ("change", "where", "match"),
    [
        (("trustlab: 1", "trustlab: 2"), "trustlab", "format version 1"),
        (('version: "1.0"', "version: 1.10"), "version", "quote it"),
        (("owner: Risk team <risk@example.com>", "owner: ''"), "owner", "non-empty text"),
        (("kind: probability", "kind: prob"), "signals[0].kind", "one of probability, score"),
        (("higher_means: risk", "higher_means: up"), "signals[0].higher_means", "risk, benefit"),
        (("approve: {automated: true, favourable: true}", "approve: {favourable: true}"),
         "actions.approve.automated", "is required"),
        (("when: p >= 0.5", "when: p >= 0.5 +"), "rules[2].when", "Arithmetic"),
        (("when: p >= 0.5", "when: p => 0.5"), "rules[2].when", "position"),
        (("because: No score.", "because: 'No {score!r}'"), "rules[0].because", "conversion"),
        (("because: No score.", "because: 'No {p.__class__}'"), "rules[0].because", "attribute or index"),
        (("id: big", "id: no-score"), "rules[1].id", r"already used by rules\[0\]"),
        (("mode: x", "mode: x"), None, None),
    ],
)
def test_each_field_is_validated(change, where, match):
    """Check that each kind of bad field is named by path with what would be valid."""
    if where is None:
        return
    old, new = change
    text = policy_text().replace(old, new, 1)
    assert text != policy_text()
    with pytest.raises(trustlab.PolicyError, match=match) as info:
        trustlab.parse_policy(text)
    assert where in [p.where for p in info.value.problems]


def test_missing_final_otherwise_and_misplaced_otherwise():
    """Check that the last rule must be `otherwise` and nothing may follow it."""
    text = BASE.replace("""  - id: rest
    otherwise: true
    then: review
    because: A person decides.
""", "")
    with pytest.raises(trustlab.PolicyError, match="last rule must be `otherwise: true`"):
        trustlab.parse_policy(text)
    text = BASE + """  - id: after
    when: p < 0.01
    then: approve
    because: x
"""
    with pytest.raises(trustlab.PolicyError, match="must be the last rule"):
        trustlab.parse_policy(text)


def test_unreachable_rule_is_reported():
    """Check that a rule covered by an earlier one on the same column is an error."""
    text = BASE.replace("""  - id: rest""", """  - id: very-high
    when: p > 0.8
    then: decline
    because: Very high.
  - id: rest""")
    with pytest.raises(trustlab.PolicyError, match="rule 'very-high' can never fire") as info:
        trustlab.parse_policy(text)
    assert "rule 'high'" in str(info.value)


def test_guardrail_and_kill_switch_checks():
    """Check overflow/then actions are declared, brakes and switches stop automation, times exist."""
    bad = policy_text("""
    guardrails:
      - {id: cap, kind: rate_limit, action: decline, max: 5, per: 1D, overflow: refer}
      - {id: cap2, kind: rate_limit, action: decline, max: 5, per: fortnight, overflow: decline}
      - {id: brake, kind: drift_brake, watch: [p], metric: psi, reference: {first: 30D},
         window: 7D, warn: 0.3, act: 0.2, then: approve}
    kill_switch: {engaged: true, then: decline, because: Stop.}
    """)
    with pytest.raises(trustlab.PolicyError) as info:
        trustlab.parse_policy(bad)
    msgs = {p.where: p.message for p in info.value.problems}
    assert "not declared" in msgs["guardrails[0].overflow"]
    assert "time window" in msgs["guardrails[1].per"]
    assert "must differ" in msgs["guardrails[1].overflow"]
    assert "must not exceed" in msgs["guardrails[2].warn"]
    assert "human action" in msgs["guardrails[2].then"]
    assert "human action" in msgs["kill_switch.then"]
    no_time = BASE.replace("columns: {id: app_id, time: t}\n", "") + (
        "guardrails:\n  - {id: cap, kind: rate_limit, action: decline, max: 5, per: 1D, "
        "overflow: review}\n")
    with pytest.raises(trustlab.PolicyError, match="needs `columns.time`"):
        trustlab.parse_policy(no_time)


def test_outcomes_and_checks_validation():
    """Check that outcome values cover every action and checks name known metrics."""
    bad = policy_text("""
    outcomes:
      label: defaulted
      values:
        approve: {good: 600, bad: -5000}
        review: {cost: -3}
      reviewer: {decision: uw}
      unlabelled: drop
    checks:
      - {metric: automation_rat, at_least: 0.5}
      - {metric: share.approve, at_least: 0.9, at_most: 0.1}
      - {metric: favourable_rate_ratio, at_least: 0.2}
    """)
    with pytest.raises(trustlab.PolicyError) as info:
        trustlab.parse_policy(bad)
    msgs = {p.where: p.message for p in info.value.problems}
    assert "no value for action 'decline'" in msgs["outcomes.values"]
    assert "[0, inf)" in msgs["outcomes.values.review.cost"]
    assert "is required with `decision`" in msgs["outcomes.reviewer.map"]
    assert "exclude, good, bad" in msgs["outcomes.unlabelled"]
    assert "Did you mean 'automation_rate'?" in msgs["checks[0].metric"]
    assert "no value could pass" in msgs["checks[1]"]
    assert "needs `by" in msgs["checks[2].by"]


def test_yaml_level_problems():
    """Check duplicate keys, python tags and non-mapping documents are refused with lines."""
    with pytest.raises(trustlab.PolicyError, match="appears twice") as info:
        trustlab.parse_policy(BASE + "name: again\n")
    assert info.value.problems[0].line == BASE.count("\n") + 1
    with pytest.raises(trustlab.PolicyError, match="not valid YAML|not allowed"):
        trustlab.parse_policy(BASE + "description: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(trustlab.PolicyError, match="must be a YAML mapping"):
        trustlab.parse_policy("- a\n- b\n")
    with pytest.raises(trustlab.PolicyError, match="not valid YAML"):
        trustlab.parse_policy("name: [unclosed\n")


def test_missing_file_names_the_path(tmp_path):
    """Check that a missing policy file is a PolicyError naming the file."""
    with pytest.raises(trustlab.PolicyError, match="nope.yaml.*does not exist"):
        trustlab.load_policy(tmp_path / "nope.yaml")


def test_content_hash_ignores_comments_order_and_spacing():
    """Check that the hash depends on the parsed policy only."""
    a = trustlab.parse_policy(policy_text())
    reordered = policy_text().replace(
        'version: "1.0"\nowner: Risk team <risk@example.com>\n',
        '# a comment\nowner: Risk team <risk@example.com>\nversion: "1.0"\n',
    ).replace("when: p >= 0.5", "when: 'p>=0.5'")
    b = trustlab.parse_policy(reordered)
    assert a.content_hash == b.content_hash
    assert canonical_json(a) == canonical_json(b)
    c = trustlab.parse_policy(policy_text().replace("p >= 0.5", "p >= 0.45"))
    assert c.content_hash != a.content_hash
    d = trustlab.parse_policy(policy_text().replace("amount > 100", "amount > 100.0"))
    assert d.content_hash == a.content_hash  # the same number


def test_kill_switch_copy_changes_hash_not_version(tiny):
    """Check that engaging the kill switch gives a new hash and keeps name@version."""
    p = trustlab.parse_policy(policy_text("kill_switch: {engaged: false, then: review, because: Paused.}\n"))
    q = p.with_kill_switch(True)
    assert q.kill_switch.engaged and (q.name, q.version) == (p.name, p.version)
    assert q.content_hash != p.content_hash
    with pytest.raises(trustlab.PolicyError, match="no kill switch"):
        tiny.with_kill_switch(True)


def test_policy_repr_and_html(tiny):
    """Check the policy shows its identity in text and HTML."""
    assert "tiny-credit" in repr(tiny) and tiny.content_hash[:12] in repr(tiny)
    html = tiny._repr_html_()
    assert "Risk team" in html and "<table>" in html and "amount &gt; 100" in html
