"""The guardrail explorer: each control replays the policy as a replay with that change would."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest

import trustlab
from trustlab.datasets import make_history
from trustlab.simulate import GuardrailExplorer, replay, with_rate_limit
from conftest import CREDIT


@pytest.fixture(scope="module")
def history():
    return make_history(n_days=30, applications_per_day=80, seed=4)


def test_controls_equal_replays_of_the_edited_policy(history):
    """Check a tighter rate limit, other reviewers and the kill switch each show what a replay
    of the edited policy reports, and the numbers say how far each is from the policy as
    written."""
    p = trustlab.load_policy(CREDIT)
    ex = GuardrailExplorer(p, history, seed=3)
    assert set(ex.controls) == {"kill_switch", "reviewer_accuracy", "decline-rate-limit"}
    html, image = ex.numbers_html, ex.image
    ex.set(**{"decline-rate-limit": 5})
    tight = replay(with_rate_limit(p, "decline-rate-limit", 5), history, seed=3)
    assert ex.replay.metric("value_total") == tight.metric("value_total")
    assert "Decisions changed by decline-rate-limit" in ex.numbers_html
    assert ex.numbers_html != html and ex.image != image
    ex.set(reviewer_accuracy=0.6)
    worse = replay(with_rate_limit(p, "decline-rate-limit", 5), history, seed=3,
                   reviewer_accuracy=0.6)
    assert ex.replay.metric("value_total") == worse.metric("value_total")
    ex.set(kill_switch=True)
    assert ex.replay.metric("automation_rate") == 0.0
    assert "vs the policy as written" in ex.numbers_html
    with pytest.raises(KeyError, match="no control colour"):
        ex.set(colour="red")
