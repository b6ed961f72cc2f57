"""Decisions in either direction: credit, a retention offer and a fraud hold.

Two properties for each of the three decision types:

(a) On generated histories, a better reviewer never lowers the value of a
    replay, case by case and in total.
(b) On six cases worked out by hand per direction, trust's appropriate-reliance
    split and a shadow run's right/wrong judge each automated action by its
    ``right_when``: an approval of a defaulter is WRONG, an offer to a customer
    who would churn is RIGHT, a hold on a fraud is RIGHT.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import trustlab
from trustlab.change import shadow_run
from trustlab.datasets import make_fraud_history, make_history, make_retention_history
from trustlab.simulate import replay
from trustlab.trust import trust_over_time
from _support import REPO, credit_text, make_policy

# ----------------------------------------------------------------------------- (a)

CREDIT_SIMULATED = credit_text({
    # without the recorded underwriter decisions every review meets the simulated reviewer
    "    decision: underwriter_decision\n    map: {approved: approve, declined: decline}\n": "",
})


@functools.cache
def decision_type(kind: str, data_seed: int) -> tuple[trustlab.Policy, pd.DataFrame]:
    """An example policy and a small generated history of its decision type."""
    if kind == "credit":
        return (trustlab.parse_policy(CREDIT_SIMULATED),
                make_history(n_days=20, applications_per_day=40, seed=data_seed))
    if kind == "retention":
        return (trustlab.load_policy(REPO / "policies" / "retention-offer.yaml"),
                make_retention_history(n_days=20, customers_per_day=60, seed=data_seed))
    return (trustlab.load_policy(REPO / "policies" / "fraud-hold.yaml"),
            make_fraud_history(n_days=10, transactions_per_day=200, seed=data_seed))


def reviewer_choices(policy: trustlab.Policy) -> tuple[str, str]:
    """The simulated reviewer's two actions: the first automated action that is the right call
    for a good outcome, and the first for a bad one."""
    automated = [a for a in policy.actions if a.automated]
    good = next(a.name for a in automated if a.right_call == "good")
    bad = next(a.name for a in automated if a.right_call == "bad")
    return good, bad


@pytest.mark.parametrize("kind, choices", [
    ("credit", ("approve", "decline")),
    ("retention", ("no_offer", "offer")),
    ("fraud", ("release", "hold")),
])
def test_the_reviewer_chooses_by_right_when(kind, choices):
    """Check the simulated reviewer's choices follow `right_when`: for a retention policy the
    right call on a churner is the (favourable) offer."""
    policy, _ = decision_type(kind, 0)
    assert reviewer_choices(policy) == choices


@pytest.mark.slow  # 25 replays of a generated history each: 7 to 14 s per kind
@pytest.mark.parametrize("kind", ["credit", "retention", "fraud"])
@settings(max_examples=25, deadline=None)
@given(data_seed=st.integers(0, 2), seed=st.integers(0, 2**32 - 1),
       low=st.floats(0.0, 1.0), high=st.floats(0.0, 1.0))
def test_a_better_reviewer_never_lowers_value(kind, data_seed, seed, low, high):
    """Check value never falls as reviewer accuracy rises, per case and in total.

    Value is monotone in reviewer accuracy in expectation for any policy whose
    right calls are worth at least the wrong ones. Per case it is monotone here
    because the replay's reviewer draws one uniform number ``u`` per case from
    the seed, whatever the accuracy, and is right when ``u < accuracy``: a case
    reviewed right at a lower accuracy is reviewed right at any higher one.
    Being right is worth at least as much as being wrong exactly when, for each
    outcome, the reviewer's right action is worth at least its wrong one: with
    G the action right for a good outcome and B the one right for a bad
    outcome, ``G.good >= B.good`` and ``B.bad >= G.bad``. That condition is
    asserted first; every other row (automated actions, recorded human
    decisions) does not depend on the accuracy at all.
    """
    policy, data = decision_type(kind, data_seed)
    good, bad = reviewer_choices(policy)
    v = policy.outcomes.value_of
    assert v(good).good >= v(bad).good and v(bad).bad >= v(good).bad
    low, high = sorted((low, high))
    lo = replay(policy, data, seed=seed, reviewer_accuracy=low)
    hi = replay(policy, data, seed=seed, reviewer_accuracy=high)
    a, b = lo.decisions["value"].to_numpy(), hi.decisions["value"].to_numpy()
    assert np.array_equal(np.isnan(a), np.isnan(b))
    valued = ~np.isnan(a)
    assert (b[valued] >= a[valued]).all()
    assert hi.metric("value_total") >= lo.metric("value_total")
    moved = b[valued] != a[valued]
    assert (~lo.decisions["automated"].to_numpy()[valued][moved]).all()  # only reviews move


def test_value_rises_strictly_from_a_coin_flip_to_a_perfect_reviewer():
    """Check the property is not vacuous: on each history some reviews turn right between
    accuracy 0 and 1, and the total rises."""
    for kind in ("credit", "retention", "fraud"):
        policy, data = decision_type(kind, 0)
        worst = replay(policy, data, seed=1, reviewer_accuracy=0.0).metric("value_total")
        best = replay(policy, data, seed=1, reviewer_accuracy=1.0).metric("value_total")
        assert best > worst, kind


# ----------------------------------------------------------------------------- (b)

DIRECTIONS = {
    # action for a high p, action for a low p, label values (good, bad), recorded decisions
    "credit": dict(
        actions={"approve": {"automated": True, "favourable": True},
                 "decline": {"automated": True},
                 "review": {"automated": False}},
        high="decline", low="approve", human="approve", labels=(False, True),
        outcomes={"label": "outcome",
                  "values": {"approve": {"good": 100, "bad": -1000},
                             "decline": {"good": -20, "bad": 0}, "review": {"cost": 10}},
                  "reviewer": {"decision": "human",
                               "map": {"approve": "approve", "decline": "decline"},
                               "accuracy": 0.9},
                  "window": "1D"}),
    "retention": dict(
        actions={"offer": {"automated": True, "favourable": True, "right_when": "bad"},
                 "no_offer": {"automated": True, "right_when": "good", "safe": True},
                 "desk": {"automated": False}},
        high="offer", low="no_offer", human="offer", labels=("No", "Yes"),
        outcomes={"label": "outcome", "bad_when": "Yes",
                  "values": {"offer": {"good": -30, "bad": -192},
                             "no_offer": {"good": 0, "bad": -300}, "desk": {"cost": 15}},
                  "reviewer": {"decision": "human",
                               "map": {"offer": "offer", "no_offer": "no_offer"},
                               "accuracy": 0.75},
                  "window": "1D"}),
    "fraud": dict(
        actions={"release": {"automated": True, "favourable": True},
                 "hold": {"automated": True, "right_when": "bad"},
                 "review": {"automated": False}},
        high="hold", low="release", human="hold", labels=(0, 1),
        outcomes={"label": "outcome", "bad_when": 1,
                  "values": {"release": {"good": 2.4, "bad": -280},
                             "hold": {"good": -12, "bad": 0}, "review": {"cost": 5}},
                  "reviewer": {"decision": "human", "map": {"release": "release", "hold": "hold"},
                               "accuracy": 0.9},
                  "window": "1D"}),
}


def direction_policy(kind: str, version: str = "1", defer_all: bool = False) -> trustlab.Policy:
    """The six-case policy of one direction: p >= 0.5 the high action, p < 0.2 the low one,
    the middle (or, with ``defer_all``, everything) to the human action."""
    d = DIRECTIONS[kind]
    human = next(a for a, spec in d["actions"].items() if not spec["automated"])
    rules = [{"id": "high", "when": "p >= 0.5", "then": d["high"], "because": "High."},
             {"id": "low", "when": "p < 0.2", "then": d["low"], "because": "Low."},
             {"id": "middle", "otherwise": True, "then": human, "because": "Middle."}]
    if defer_all:
        rules = [{"id": "all", "otherwise": True, "then": human, "because": "A person."}]
    return trustlab.parse_policy(make_policy(
        name=f"{kind}-six", version=version, mode="supervised", actions=d["actions"],
        rules=rules, outcomes=d["outcomes"]))


def six_cases(kind: str) -> pd.DataFrame:
    """Six cases, one day each, worked out by hand (g/b: the good or the bad outcome).

    row  p     action  outcome  right call?  human              trust
    0    0.8   high    b        right        the high action    accepted_right
    1    0.8   high    g        wrong        the high action    over_reliance
    2    0.1   low     g        right        the high action    under_reliance
    3    0.1   low     b        wrong        the high action    overrode_wrong
    4    0.3   human   g        deferred     the low action     (not compared)
    5    0.3   human   b        deferred     the high action    (not compared)

    For credit the high action is a decline, so row 1 — a decline of a good
    payer — is wrong and row 3 — an approval of a defaulter — is WRONG. For the
    retention offer the high action is the (favourable) offer: row 0, an offer
    to a customer who would churn, is RIGHT. For the fraud hold the high action
    is the (unfavourable, automated) hold: row 0, a hold on a fraud, is RIGHT.
    """
    d = DIRECTIONS[kind]
    good, bad = d["labels"]
    return pd.DataFrame({
        "key": [f"k{i}" for i in range(6)],
        "t": pd.date_range("2025-03-03 10:00", periods=6, freq="D"),
        "p": [0.8, 0.8, 0.1, 0.1, 0.3, 0.3],
        "outcome": [bad, good, good, bad, good, bad],
        "human": [d["human"]] * 4 + [d["low"], d["high"]],
    })


@pytest.mark.parametrize("kind", ["credit", "retention", "fraud"])
def test_right_and_wrong_follow_right_when_in_replay_and_trust(kind):
    """Check each automated decision's right-if-bad flag, and trust's reliance split counting
    one case each of accepted_right, over_reliance, under_reliance and overrode_wrong."""
    d = DIRECTIONS[kind]
    r = replay(direction_policy(kind), six_cases(kind))
    dec = r.decisions
    human = [a for a in dec["action"].unique() if a not in (d["high"], d["low"])][0]
    assert dec["action"].tolist() == [d["high"]] * 2 + [d["low"]] * 2 + [human] * 2
    assert dec["bad"].tolist() == [True, False, False, True, False, True]
    # the high action is right on the bad outcome in every direction; the low one on the good
    assert dec["right_if_bad"].tolist()[:4] == [True, True, False, False]
    right = dec["right_if_bad"] == dec["bad"]
    assert right.tolist()[:4] == [True, False, True, False]
    t = trust_over_time(r, window="1W").summary()
    for metric in ("accepted_right", "over_reliance", "under_reliance", "overrode_wrong"):
        assert t.loc[metric, "value"] == pytest.approx(0.25), metric
    assert t.loc["alignment", "value"] == pytest.approx(0.5)


@pytest.mark.parametrize("kind, named", [
    ("credit", {3: "an approval of a defaulter is WRONG"}),
    ("retention", {0: "an offer to a churner is RIGHT"}),
    ("fraud", {0: "a hold on a fraud is RIGHT"}),
])
def test_shadow_judges_each_side_by_right_when(kind, named):
    """Check a shadow run against a champion that defers everything: the challenger is right on
    rows 0 and 2 and wrong on rows 1 and 3, so the verdicts there are challenger_right and
    challenger_wrong, and the deferred rows agree."""
    champion = direction_policy(kind, version="0", defer_all=True)
    challenger = direction_policy(kind)
    s = shadow_run(champion, challenger, six_cases(kind), window="1W")
    cases = s.cases
    assert cases["challenger_judgement"].astype(str).tolist() == [
        "right", "wrong", "right", "wrong", "deferred", "deferred"]
    assert (cases["champion_judgement"].astype(str) == "deferred").all()
    assert cases["verdict"].astype(str).tolist() == [
        "challenger_right", "challenger_wrong", "challenger_right", "challenger_wrong",
        "agree", "agree"]
    totals = s.totals()
    assert totals.loc["challenger_right_share", "value"] == pytest.approx(0.5)
    assert totals.loc["challenger_wrong_share", "value"] == pytest.approx(0.5)
    for row, words in named.items():
        expected = "right" if words.endswith("RIGHT") else "wrong"
        assert cases["challenger_judgement"].astype(str).iloc[row] == expected, words
