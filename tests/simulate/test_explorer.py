"""The band explorer: numbers equal a direct replay; the widget redraws without a browser."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.datasets import load_synthetic_sample
from trustlab.simulate import replay
from trustlab.simulate._edit import with_threshold
from trustlab.simulate._explorer import (
    ExplorerState,
    PolicyExplorer,
    band_policy,
    explorer_figure,
    explorer_html,
    explorer_state,
)


@pytest.fixture(scope="module")
def history():
    return load_synthetic_sample().iloc[:3000]


def test_state_equals_a_direct_replay_of_the_edited_policy(policy, history):
    """Check every number of the state against replay(with_threshold(...)) computed directly."""
    s = explorer_state(policy, history, "low-risk", "high-risk", 0.12, 0.28, capacity=40,
                       segment="purpose")
    assert isinstance(s, ExplorerState)
    edited = with_threshold(with_threshold(policy, "low-risk", 0.12), "high-risk", 0.28)
    assert s.policy.content_hash == edited.content_hash
    r = replay(edited, history)
    for name in ("value_total", "value_per_decision", "automation_rate", "favourable_rate",
                 "bad_rate_favourable", "peak_reviews_per_window"):
        assert getattr(s, name) == pytest.approx(r.metric(name)), name
    assert s.reviews == int((~r.decisions["automated"]).sum())
    pd.testing.assert_series_equal(s.reviews_per_window, r.reviews_per_window())
    pd.testing.assert_frame_equal(s.segment_rates,
                                  r.segments("purpose", ("decisions", "favourable_rate")))
    by_action = r.decisions.groupby("action", observed=False)["value"].sum()
    np.testing.assert_allclose(s.value_by_action["value_total"], by_action.loc[
        s.value_by_action.index])
    pd.testing.assert_series_equal(s.replay.decisions["action"], r.decisions["action"])
    # and it differs from the policy as written
    assert s.automation_rate != pytest.approx(replay(policy, history).metric("automation_rate"))


def test_capacity_numbers_by_hand(policy, history):
    """Check windows over capacity and the reviews above it against the per-window counts."""
    s = explorer_state(policy, history, "low-risk", "high-risk", 0.05, 0.5, capacity=45.5)
    counts = s.reviews_per_window.to_numpy()
    assert s.windows_over_capacity == int((counts > 45.5).sum()) > 0
    assert s.reviews_over_capacity == int(np.ceil(np.clip(counts - 45.5, 0, None).sum()))
    none = explorer_state(policy, history, "low-risk", "high-risk", 0.05, 0.5)
    assert none.windows_over_capacity is None and none.segment_rates is None


def test_a_wider_band_sends_more_to_review(policy, history):
    """Check that moving the approve threshold down and the decline one up adds reviews."""
    narrow = explorer_state(policy, history, "low-risk", "high-risk", 0.1, 0.3)
    wide = explorer_state(policy, history, "low-risk", "high-risk", 0.05, 0.5)
    assert wide.reviews > narrow.reviews
    assert wide.automation_rate < narrow.automation_rate


def test_errors_name_the_argument(policy, history):
    """Check the errors for a bad rule, threshold, capacity, segment or replay."""
    with pytest.raises(trustlab.DataError, match="decline_rule: is the same rule"):
        band_policy(policy, "low-risk", "low-risk", 0.1, 0.2)
    with pytest.raises(trustlab.DataError, match="approve: must be a finite number"):
        band_policy(policy, "low-risk", "high-risk", float("nan"), 0.2)
    with pytest.raises(trustlab.PolicyError, match="no rule 'nope'"):
        band_policy(policy, "nope", "high-risk", 0.1, 0.2)
    with pytest.raises(trustlab.PolicyError, match="otherwise rule"):
        band_policy(policy, "uncertain", "high-risk", 0.1, 0.2)
    small = history.iloc[:100]
    with pytest.raises(trustlab.DataError, match="capacity: must be a number"):
        explorer_state(policy, small, "low-risk", "high-risk", 0.1, 0.3, capacity=-1)
    with pytest.raises(trustlab.DataError, match="segment: 'region' is not a column"):
        explorer_state(policy, small, "low-risk", "high-risk", 0.1, 0.3, segment="region")
    other = replay(policy, small)
    with pytest.raises(trustlab.DataError, match="replayed: is not a replay of the edited"):
        explorer_state(policy, small, "low-risk", "high-risk", 0.1, 0.3, replayed=other)
    with pytest.raises(trustlab.DataError, match="segments: names columns the data lacks"):
        PolicyExplorer(policy, small, "low-risk", "high-risk", segments=("region",))


def test_figure_and_numbers(policy, history):
    """Check the figure's panels are titled and labelled and the numbers show the changes."""
    ref = explorer_state(policy, history, "low-risk", "high-risk", 0.08, 0.35)
    s = explorer_state(policy, history, "low-risk", "high-risk", 0.1, 0.3, capacity=40,
                       segment="grade")
    d = explorer_figure(s)
    assert d.value_ax_.get_title().startswith("Value of decisions by action")
    assert d.reviews_ax_.get_title() == "Reviews per day (human workload)"
    assert d.segment_ax_.get_title() == "Share decided 'approve' by grade"
    for ax in (d.value_ax_, d.reviews_ax_, d.segment_ax_):
        assert ax.get_xlabel() and ax.get_ylabel()
    capacity_lines = [ln for ln in d.reviews_ax_.get_lines() if ln.get_label().startswith(
        "Capacity")]
    assert len(capacity_lines) == 1 and capacity_lines[0].get_ydata()[0] == 40
    assert "p_default < 0.1 and debt_to_income < 40" in d.figure_.get_suptitle()
    html = explorer_html(s, ref)
    assert "vs the policy as written" in html and "Days over capacity" in html
    assert "vs the policy" not in explorer_html(ref, ref)  # no change, no delta


def test_widget_builds_and_redraws_without_a_browser(policy, history):
    """Check the explorer builds, and new values change the state, the numbers and the image."""
    import ipywidgets

    ex = PolicyExplorer(policy, history, "low-risk", "high-risk")
    assert isinstance(ex.widget, ipywidgets.VBox)
    assert ex.state.approve == 0.08 and ex.state.decline == 0.35
    assert ex.state.capacity == 250  # the policy's check on peak_reviews_per_window
    assert ex.state.segment == "grade"
    image, html, reviews = ex.image, ex.numbers_html, ex.state.reviews
    assert image[:8] == b"\x89PNG\r\n\x1a\n"

    s = ex.update(approve=0.04, decline=0.5)
    assert s is ex.state and s.approve == 0.04 and s.decline == 0.5
    assert s.reviews > reviews
    assert ex.image != image and ex.numbers_html != html
    assert ex.last_update_seconds < 5

    # capacity and segment reuse the replay: only the drawing changes
    made, image = s.replay, ex.image
    s = ex.update(capacity=20, segment="channel")
    assert s.replay is made
    assert s.capacity == 20 and s.windows_over_capacity > 0
    assert s.segment_rates.index.tolist() == ["branch", "online"]
    assert ex.image != image

    # moving a slider (as a browser would) redraws through the observer
    ex.controls["decline"].value = 0.3
    assert ex.state.decline == 0.3
    assert ex.state.reviews < s.reviews
    assert "PolicyExplorer(" in repr(ex)
