"""The guardrail explorer: each control replays the policy as a replay with that change would;
ranges come from the data; a control that changes nothing is disabled with the reason."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.datasets import make_history
from trustlab.simulate import GuardrailExplorer, replay, with_rate_limit
from _support import CREDIT, credit_text


@pytest.fixture(scope="module")
def history():
    return make_history(n_days=30, applications_per_day=80, seed=4)


def _busiest_day(h: pd.DataFrame) -> int:
    return int(h["decision_time"].dt.floor("D").value_counts().max())


def test_controls_equal_replays_of_the_edited_policy(history):
    """Check a tighter rate limit, other reviewers and the kill switch each show what a replay
    of the edited policy reports, and the numbers say how far each is from the policy as
    written."""
    p = trustlab.load_policy(CREDIT)
    partly = history.copy()
    partly.loc[partly.index[::3], "underwriter_decision"] = None  # some cases simulated
    ex = GuardrailExplorer(p, partly, seed=3)
    assert set(ex.controls) == {"kill_switch", "reviewer_accuracy", "decline-rate-limit"}
    assert not ex.controls["reviewer_accuracy"].disabled
    html, image = ex.numbers_html, ex.image
    ex.set(**{"decline-rate-limit": 5})
    tight = replay(with_rate_limit(p, "decline-rate-limit", 5), partly, seed=3)
    assert ex.replay.metric("value_total") == tight.metric("value_total")
    assert "Decisions changed by decline-rate-limit" in ex.numbers_html
    assert ex.numbers_html != html and ex.image != image
    ex.set(reviewer_accuracy=0.6)
    worse = replay(with_rate_limit(p, "decline-rate-limit", 5), partly, seed=3,
                   reviewer_accuracy=0.6)
    assert ex.replay.metric("value_total") == worse.metric("value_total")
    assert ex.replay.metric("value_total") != tight.metric("value_total")
    ex.set(kill_switch=True)
    assert ex.replay.metric("automation_rate") == 0.0
    assert "vs the policy as written" in ex.numbers_html
    with pytest.raises(KeyError, match="no control colour"):
        ex.set(colour="red")


def test_kill_switch_shows_reasons_and_failed_checks_not_nan(history):
    """Check that with the kill switch on (no favourable decision left) the bad rate reads
    n/a with its reason, the automation check reads FAIL with value 0, and nothing reads nan;
    the status and the numbers name the values they were computed for."""
    ex = GuardrailExplorer(trustlab.load_policy(CREDIT), history)
    ex.set(kill_switch=True)
    html = ex.numbers_html
    assert "nan" not in html.lower()
    assert "n/a — no labelled rows with a favourable action" in html
    row = html.split("<code>automation_rate</code>")[1].split("</tr>")[0]
    assert ">0<" in row and ">FAIL<" in row and "at least 0.55" in row
    assert "Computed for kill switch engaged, decline-rate-limit 40 per day" in html
    assert "Shown for kill switch engaged" in ex.status_html


def test_rate_limit_range_comes_from_the_data(history):
    """Check the slider runs from 0 to the most cases in one day (counted by hand); a limit
    written above it starts at the top, says it never binds, and replays as written there."""
    top = _busiest_day(history)
    ex = GuardrailExplorer(trustlab.load_policy(CREDIT), history)
    s = ex.controls["decline-rate-limit"]
    assert (s.min, s.max, s.value) == (0, top, 40)
    assert any(f"runs from 0 to {top:,}, the most cases in one day" in n for n in ex.notes)

    loose = trustlab.parse_policy(credit_text({"max: 40": "max: 5000"}))
    ex = GuardrailExplorer(loose, history)
    s = ex.controls["decline-rate-limit"]
    assert (s.max, s.value) == (top, top)
    assert any("as written (5,000 per day) is at or above the most cases in one day of this "
               f"data ({top:,}), so it never binds here" in n for n in ex.notes)
    assert ex.replay.policy.content_hash == loose.content_hash  # the policy as written
    ex.set(**{"decline-rate-limit": 3})
    assert ex.replay.metric("value_total") == replay(
        with_rate_limit(loose, "decline-rate-limit", 3), history).metric("value_total")


def test_controls_that_change_nothing_are_disabled_with_the_reason(history):
    """Check the reviewers' accuracy is disabled when every case has a recorded decision
    (the replay never simulates one), and a rate limit on an action no rule takes is too."""
    ex = GuardrailExplorer(trustlab.load_policy(CREDIT), history)
    assert ex.controls["reviewer_accuracy"].disabled
    assert any("every case has a recorded human decision in 'underwriter_decision'" in n
               for n in ex.notes)
    notes = ex.widget.children[3]
    assert "trustlab-notes" in notes.value and "Simulated reviewers right is disabled" in \
        notes.value
    never = trustlab.parse_policy(credit_text({"p_default >= 0.35": "p_default >= 1"}))
    assert not (replay(never, history).records["rule_action"] == "decline").any()
    ex = GuardrailExplorer(never, history)
    assert ex.controls["decline-rate-limit"].disabled
    assert any("decline-rate-limit is disabled: no rule of this policy decides" in n
               for n in ex.notes)


def test_the_line_moves_in_place_to_the_reviews_per_day(history):
    """Check the current line is the same artist after a change and its points are the
    reviews per day of the replay shown, counted by hand."""
    ex = GuardrailExplorer(trustlab.load_policy(CREDIT), history)
    line = ex._line
    ex.set(kill_switch=True)
    assert ex._line is line
    human = ~ex.replay.decisions["automated"].to_numpy(dtype=bool)
    by_day = pd.Series(human, index=history.index).groupby(
        history["decision_time"].dt.floor("D")).sum()
    np.testing.assert_array_equal(line.get_ydata(), by_day.to_numpy(dtype=float))
    assert "kill switch engaged" in ex._ax.get_title(loc="left")
