"""The format additions for decisions in either direction and teams' data:
``right_when``, ``safe``, calendar windows, ``time_format`` and ``bad_when`` lists."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.simulate import replay

RETENTION = """\
trustlab: 1
name: retention-offer
version: "1.0"
owner: Head of Retention
signals: [{name: p_churn, kind: probability, model: churn@1, higher_means: risk}]
actions:
  offer: {automated: true, favourable: true, right_when: bad}
  no_offer: {automated: true, right_when: good, safe: true}
  review: {automated: false}
rules:
  - {id: likely-churn, when: p_churn >= 0.5, then: offer, because: "Churn risk {p_churn:.0%}."}
  - {id: unsure, when: p_churn >= 0.3, then: review, because: A person decides.}
  - {id: stays, otherwise: true, then: no_offer, because: Likely to stay.}
kill_switch: {engaged: false, then: no_offer, because: Offers paused.}
outcomes:
  label: churned
  bad_when: "Yes"
  values:
    offer: {good: -20, bad: 100}
    no_offer: {good: 0, bad: -300}
    review: {cost: 5}
  reviewer: {accuracy: 1.0}
"""


def test_right_call_defaults_and_declared():
    """Check that the right call defaults by favourable and follows ``right_when``."""
    p = trustlab.parse_policy(RETENTION)
    assert p.right_call_of("offer") == "bad"
    assert p.right_call_of("no_offer") == "good"
    assert p.right_call_of("review") is None
    credit = trustlab.load_policy("policies/consumer-credit.yaml")
    assert credit.right_call_of("approve") == "good" and credit.right_call_of("decline") == "bad"


def test_spelling_out_the_default_keeps_the_hash():
    """Check that ``right_when`` equal to its default hashes like a policy without it,
    and that a different ``right_when`` changes the hash."""
    # a favourable action is right for the good outcome by default
    plain = trustlab.parse_policy(RETENTION.replace(", right_when: bad", ""))
    spelled = trustlab.parse_policy(RETENTION.replace("right_when: bad", "right_when: good"))
    assert plain.content_hash == spelled.content_hash
    assert trustlab.parse_policy(RETENTION).content_hash != plain.content_hash


def test_kill_switch_may_fall_back_to_a_safe_automated_action_only():
    """Check that the kill switch and drift brake refuse an automated action not declared safe."""
    with pytest.raises(trustlab.PolicyError, match=r"kill_switch.then.*declared `safe: true`"):
        trustlab.parse_policy(RETENTION.replace(", right_when: good, safe: true", ""))
    p = trustlab.parse_policy(RETENTION).with_kill_switch(True)
    d = p.decide({"p_churn": 0.9})
    assert (d.action, d.guardrail) == ("no_offer", "kill_switch")


def test_right_when_and_safe_are_for_automated_actions():
    """Check that a human action cannot declare ``right_when`` or ``safe``."""
    text = RETENTION.replace("review: {automated: false}",
                             "review: {automated: false, right_when: bad, safe: true}")
    with pytest.raises(trustlab.PolicyError) as info:
        trustlab.parse_policy(text)
    wheres = {p.where for p in info.value.problems}
    assert {"actions.review.right_when", "actions.review.safe"} <= wheres


def test_right_when_takes_good_or_bad():
    """Check that ``right_when`` names an outcome."""
    with pytest.raises(trustlab.PolicyError, match=r"actions.offer.right_when.*good, bad"):
        trustlab.parse_policy(RETENTION.replace("right_when: bad", "right_when: churn"))


@pytest.mark.parametrize("text,months", [("1M", 1), ("3M", 3), ("1Q", 3), ("2Q", 6)])
def test_calendar_windows_parse(text, months):
    """Check that month and quarter windows read as calendar windows."""
    w = trustlab.policy.read_window(text, "test", "window")
    assert w.calendar and w.months == months


def test_bad_when_list_and_quoting_hint():
    """Check that ``bad_when`` takes a list, and that YAML's unquoted ``Yes`` is explained."""
    p = trustlab.parse_policy(RETENTION.replace('bad_when: "Yes"', 'bad_when: ["Yes", "Cancelled"]'))
    assert p.outcomes.bad_when == ("Yes", "Cancelled")
    data = pd.DataFrame({"p_churn": [0.9, 0.1, 0.2], "churned": ["Cancelled", "No", "Yes"]})
    r = replay(p, data)
    assert r.decisions["bad"].tolist() == [True, False, True]
    unquoted = trustlab.parse_policy(RETENTION.replace('bad_when: "Yes"', "bad_when: Yes"))
    with pytest.raises(trustlab.DataError, match=r'unquoted Yes as true.*quote it: `bad_when: "Yes"`'):
        replay(unquoted, data)


def test_time_format_needs_a_time_column_and_a_directive():
    """Check that ``columns.time_format`` is refused without ``columns.time`` or a %-directive."""
    with pytest.raises(trustlab.PolicyError, match="needs `columns.time`"):
        trustlab.parse_policy(RETENTION + 'columns: {time_format: "%b-%Y"}\n')
    with pytest.raises(trustlab.PolicyError, match="strftime pattern"):
        trustlab.parse_policy(RETENTION + 'columns: {time: month, time_format: "Mon-YYYY"}\n')
    p = trustlab.parse_policy(RETENTION + 'columns: {time: month, time_format: "%b-%Y"}\n')
    assert p.time_format == "%b-%Y"


def test_retention_metrics_by_hand():
    """Check on six cases that right and wrong follow ``right_when`` in every consumer.

    Cases (p_churn, churned): offer to a churner is right, offer to a stayer wrong,
    no offer to a stayer right, no offer to a churner wrong; the two reviewed cases
    go to a perfect reviewer, who offers to the churner and not to the stayer.
    """
    p = trustlab.parse_policy(RETENTION)
    data = pd.DataFrame({"p_churn": [0.9, 0.8, 0.1, 0.2, 0.4, 0.35],
                         "churned": ["Yes", "No", "No", "Yes", "Yes", "No"]})
    r = replay(p, data)
    assert r.records["action"].tolist() == ["offer", "offer", "no_offer", "no_offer", "review", "review"]
    assert r.decisions["reviewer_action"].astype(object).tolist()[4:] == ["offer", "no_offer"]
    m = r.metrics.set_index("metric")["value"]
    assert m["wrong_call_rate"] == pytest.approx(2 / 4)
    # churners: rows 0, 3, 4; caught = not given no_offer automatically: rows 0 and 4
    assert m["bad_capture_rate"] == pytest.approx(2 / 3)
    values = [100, -20, 0, -300, 100 - 5, 0 - 5]
    assert m["value_total"] == pytest.approx(sum(values))


def test_better_reviewer_does_not_lower_retention_value():
    """Check that value grows with reviewer accuracy when every reviewed case goes to review."""
    p = trustlab.parse_policy(RETENTION.replace("p_churn >= 0.3", "p_churn >= 0.0"))
    rng = np.random.default_rng(1)
    n = 400
    data = pd.DataFrame({"p_churn": rng.uniform(0, 0.49, n),
                         "churned": np.where(rng.uniform(size=n) < 0.3, "Yes", "No")})
    totals = [replay(p, data, reviewer_accuracy=a).metric("value_total") for a in
              (0.0, 0.25, 0.5, 0.75, 1.0)]
    assert totals == sorted(totals) and totals[-1] > totals[0]


def test_fully_automated_policy_replays_without_a_reviewer():
    """Check that a policy with no human action needs no reviewer to be replayed."""
    text = (RETENTION.replace("  review: {automated: false}\n", "")
            .replace("  - {id: unsure, when: p_churn >= 0.3, then: review, because: A person decides.}\n", "")
            .replace("    review: {cost: 5}\n", "").replace("  reviewer: {accuracy: 1.0}\n", ""))
    p = trustlab.parse_policy(text)
    data = pd.DataFrame({"p_churn": [0.9, 0.1], "churned": ["Yes", "Yes"]})
    assert replay(p, data).metric("value_total") == pytest.approx(100 - 300)
