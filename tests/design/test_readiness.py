"""Readiness for the critical path: scored from the policy and its review folder, asked otherwise."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import trustlab
from trustlab.datasets import make_history
from trustlab.design import assess_readiness, load_assessment
from trustlab.review import assess
from trustlab.review._run import sha256_of
from _support import REPO

BRAKED = REPO / "policies" / "consumer-credit-braked.yaml"


@pytest.fixture(scope="module")
def policy():
    return trustlab.load_policy(BRAKED)


@pytest.fixture()
def review_folder(policy, tmp_path):
    """A review folder as `trustlab review` leaves it: metrics, records and a manifest."""
    champion = trustlab.load_policy(REPO / "policies" / "consumer-credit.yaml")
    r = assess(policy, make_history(n_days=120, applications_per_day=40, seed=2),
               champion=champion, bootstrap=0, cases=0)
    metrics, decisions = r.write(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps(
        {"outputs": {p.name: sha256_of(p) for p in (metrics, decisions)}}))
    return tmp_path


def status(result) -> dict:
    return dict(zip(result.frame["item"], result.frame["status"]))


def test_policy_alone_settles_what_it_can_and_leaves_the_rest_open(policy):
    """Check owner, fallback, kill switch, guarantees and monitoring come from the policy file,
    review items stay open and asked items take the answers."""
    r = assess_readiness(policy, answers={"latency": True, "on_call": False})
    s = status(r)
    assert {k: s[k] for k in ("owner", "unavailable", "kill_switch", "guarantees", "observed")} \
        == dict.fromkeys(("owner", "unavailable", "kill_switch", "guarantees", "observed"), "met")
    assert s["audited"] == s["checks_passed"] == s["rolled_back"] == "open"
    assert s["latency"] == "met" and s["on_call"] == "not met"
    assert not r.ready and 0 < r.score < 1


def test_a_policy_without_fallback_or_kill_switch(tmp_path):
    """Check removing the missing-signal rule and the kill switch turns those items to not met."""
    text = (REPO / "policies" / "consumer-credit.yaml").read_text()
    start = text.index("  - id: model-unavailable")
    text = text[:start] + text[text.index("  - id: exposure-cap"):]
    text = text[:text.index("kill_switch:")] + text[text.index("outcomes:"):]
    p = trustlab.parse_policy(text)
    s = status(assess_readiness(p))
    assert s["unavailable"] == s["kill_switch"] == "not met"


def test_the_score_follows_the_review_folder(policy, review_folder):
    """Check the readiness changes as the evidence in the review folder changes: a sound review,
    then records edited after it, a failed verdict, no manifest."""
    r = assess_readiness(policy, review_folder, answers={"latency": True, "on_call": True})
    s = status(r)
    assert s["audited"] == "met" and s["rolled_back"] == "met" and s["observed"] == "met"
    verdict = json.loads((review_folder / "metrics.json").read_text())["verdict"]
    assert s["checks_passed"] == ("met" if verdict == "pass" else "not met")
    before = r.score

    records = pd.read_parquet(review_folder / "decisions.parquet")
    action = records["action"].astype(object).to_numpy(copy=True)
    action[0] = "approve" if action[0] != "approve" else "decline"
    records["action"] = action
    records.to_parquet(review_folder / "decisions.parquet", index=False)
    s = status(assess_readiness(policy, review_folder))
    assert s["audited"] == "not met"

    doc = json.loads((review_folder / "metrics.json").read_text())
    doc["verdict"] = "fail"
    (review_folder / "metrics.json").write_text(json.dumps(doc))
    assert status(assess_readiness(policy, review_folder))["checks_passed"] == "not met"

    (review_folder / "manifest.json").unlink()
    after = assess_readiness(policy, review_folder, answers={"latency": True, "on_call": True})
    assert "no manifest.json" in after.frame.set_index("item").at["audited", "evidence"]
    assert after.score < before


def test_a_review_of_other_content_does_not_count(review_folder):
    """Check a review of another version's content does not pass this policy's checks item, and
    an unbumped champion fails the rollback item."""
    other = trustlab.load_policy(REPO / "policies" / "consumer-credit-v2.yaml")
    s = assess_readiness(other, review_folder).frame.set_index("item")
    assert s.at["checks_passed", "status"] == "not met"
    assert "not this policy's content" in s.at["checks_passed", "evidence"]
    doc = json.loads((review_folder / "metrics.json").read_text())
    doc["champion"]["version"] = trustlab.load_policy(BRAKED).version
    (review_folder / "metrics.json").write_text(json.dumps(doc))
    s = status(assess_readiness(trustlab.load_policy(BRAKED), review_folder))
    assert s["rolled_back"] == "not met"


def test_assessment_file_and_errors(tmp_path):
    """Check the shipped readiness file resolves its policy path, and bad answers are named."""
    r = load_assessment(REPO / "assessments" / "consumer-credit-readiness.yaml").assess()
    assert r.policy.startswith("consumer-credit-approval") and "Not ready" in r._repr_html_()
    with pytest.raises(trustlab.ConfigError, match="answers.speed: is not an item"):
        assess_readiness(trustlab.load_policy(BRAKED), answers={"speed": True})
    with pytest.raises(trustlab.ConfigError, match="metrics.json: is missing"):
        assess_readiness(trustlab.load_policy(BRAKED), tmp_path)
