"""Replay plots: every panel has a title and labelled axes, and draws the replay's own numbers."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import trustlab
from trustlab.datasets import make_history
from trustlab.simulate import replay
from trustlab.simulate._plots import (
    ReplayDisplay,
    ReviewsDisplay,
    SegmentRatesDisplay,
    plot_replay,
    plot_reviews_per_window,
    plot_segment_rates,
    window_words,
)
from _support import REPO

POLICY = REPO / "policies" / "consumer-credit.yaml"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def history():
    return make_history(n_days=21, applications_per_day=60, seed=2)


@pytest.fixture(scope="module")
def replayed(history):
    return replay(trustlab.load_policy(POLICY), history)


@pytest.fixture(scope="module")
def unwindowed(history):
    """The example policy without `outcomes.window`: no reviews per window."""
    text = POLICY.read_text().replace("  window: 1D\n", "")
    return replay(trustlab.parse_policy(text), history, segments=())


def _labelled(ax) -> bool:
    return bool(ax.get_title() and ax.get_xlabel() and ax.get_ylabel())


def test_plot_replay_panels_are_titled_and_labelled(replayed):
    """Check the four panels: value, outcomes, reviews per day and the first segment column."""
    d = replayed.plot()
    assert isinstance(d, ReplayDisplay)
    for ax in (d.value_ax_, d.outcome_ax_, d.reviews_ax_, d.segment_ax_):
        assert _labelled(ax)
    assert d.value_ax_.get_title().startswith("Value of decisions by action")
    assert d.outcome_ax_.get_title() == "What happened after each action"
    assert d.reviews_ax_.get_ylabel() == "Reviews per day"
    assert d.segment_ax_.get_ylabel() == "grade"  # the policy's first segment column
    assert "consumer-credit-approval@1.2.0" in d.figure_.get_suptitle()
    # the value bars are the replay's totals by action
    heights = [p.get_height() for p in d.value_ax_.patches]
    totals = replayed.decisions.groupby("action", observed=False)["value"].sum()
    np.testing.assert_allclose(heights, totals.loc[list(replayed.policy.action_names)])
    # the busiest day is marked with its count
    peak = int(replayed.metric("peak_reviews_per_window"))
    assert any(ln.get_label().startswith(f"Busiest day: {peak:,}")
               for ln in d.reviews_ax_.get_lines())


def test_plot_replay_without_windows_or_segments(unwindowed):
    """Check that a replay without windows or segments draws only value and outcomes."""
    d = plot_replay(unwindowed)
    assert d.reviews_ax_ is None and d.segment_ax_ is None
    assert len(d.figure_.axes) == 2
    with pytest.raises(trustlab.DataError, match="no time windows"):
        plot_reviews_per_window(unwindowed)


def test_plot_replay_can_leave_segments_out(replayed):
    """Check ``segments=False``: value, outcomes and reviews, no segment panel."""
    d = plot_replay(replayed, segments=False)
    assert d.segment_ax_ is None and d.reviews_ax_ is not None
    assert len(d.figure_.axes) == 3


def test_plot_replay_on_given_axes(replayed):
    """Check that one Axes is split into the panels, and that a list needs enough axes."""
    fig, ax = plt.subplots(figsize=(10, 8))
    d = plot_replay(replayed, ax=ax)
    assert d.figure_ is fig and len(fig.axes) == 4
    _, axes = plt.subplots(2, 2)
    d = plot_replay(replayed, ax=axes)
    assert d.value_ax_ is axes[0, 0] and d.segment_ax_ is axes[1, 1]
    _, few = plt.subplots(1, 2)
    with pytest.raises(trustlab.DataError, match="ax: holds 2 axes; this plot draws 4 panels"):
        plot_replay(replayed, ax=few)


def test_reviews_per_window_with_capacity(replayed):
    """Check the capacity line, the units, and the red share above capacity."""
    counts = replayed.reviews_per_window()
    cap = float(np.median(counts))
    d = plot_reviews_per_window(replayed, capacity=cap)
    assert isinstance(d, ReviewsDisplay)
    assert _labelled(d.ax_)
    assert d.ax_.get_title() == "Reviews per day (human workload)"
    assert d.ax_.get_ylabel() == "Reviews per day" and d.ax_.get_xlabel() == "Date"
    assert d.peak == counts.max() and d.capacity == cap
    labels = [h.get_label() for h in d.ax_.get_legend().legend_handles]
    over = int((counts > cap).sum())
    assert f"Above capacity ({over} days)" in labels
    assert f"Capacity: {cap:,.0f} per day" in labels
    assert window_words(replayed.policy) == "day"
    with pytest.raises(trustlab.ParameterError, match="'capacity' argument .* must be None or a number"):
        plot_reviews_per_window(replayed, capacity=-3)


def test_segment_rates(replayed):
    """Check the bars are the replay's favourable rate by segment, with the overall line."""
    d = plot_segment_rates(replayed, "purpose")
    assert isinstance(d, SegmentRatesDisplay)
    assert _labelled(d.ax_)
    assert d.ax_.get_title() == "Share decided 'approve' by purpose"
    expected = replayed.metric("favourable_rate", by="purpose")
    widths = {t.get_text(): p.get_width() for t, p in zip(d.ax_.get_yticklabels(),
                                                          d.ax_.patches)}
    assert widths == pytest.approx(expected.to_dict())
    assert any(ln.get_label().startswith("All decisions:") for ln in d.ax_.get_lines())
    with pytest.raises(trustlab.DataError, match="by: 'age_band' is not a segment column of "
                                                 "this replay; segment columns: grade, purpose, "
                                                 "channel"):
        plot_segment_rates(replayed, "age_band")


def test_small_segments_are_marked(history):
    """Check that segments under MIN_SEGMENT_ROWS decisions are greyed and said to be small."""
    small = replay(trustlab.load_policy(POLICY), history.iloc[:200], segments=("grade",))
    d = plot_segment_rates(small, "grade")
    labels = [h.get_label() for h in d.ax_.get_legend().legend_handles]
    assert "Fewer than 30 decisions" in labels
