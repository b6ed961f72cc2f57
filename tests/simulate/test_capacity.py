"""Review load: the backlog recursion and first-in-first-out delays, hand-checked on five days."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.simulate import replay
from trustlab.simulate._capacity import REVIEW_LOAD_COLUMNS, _backlog, review_load
from _support import OUTCOMES, RULES, make_policy

ARRIVALS = [5, 12, 3, 0, 10]  # reviews on 1-5 March; capacity 6 a day


def load_replay(window: str | None = "1D"):
    """30 reviews over five days as ARRIVALS, plus two automated approvals on day 4."""
    days = np.repeat(pd.date_range("2025-03-01 09:00", periods=5, freq="D"), ARRIVALS)
    data = pd.DataFrame({"t": days, "p": 0.4})
    data = pd.concat([data, pd.DataFrame({"t": pd.to_datetime(["2025-03-04 10:00"] * 2),
                                          "p": 0.1})], ignore_index=True)
    data["key"] = [f"k{i}" for i in range(len(data))]
    data["bad"] = False
    outcomes = {**OUTCOMES, "reviewer": {"accuracy": 0.9}, "window": window}
    return replay(trustlab.parse_policy(make_policy(
        name="load", rules=[RULES[2], RULES[3]], outcomes=outcomes)), data)


def test_backlog_by_hand():
    """Check the backlog, work done and delays against the recursion worked out on paper.

    backlog: max(0, 0+5-6)=0, 0+12-6=6, 6+3-6=3, max(0, 3+0-6)=0, 0+10-6=4.
    First in, first out: day 2's last 6 reviews wait a day, day 3's 3 wait a day,
    day 5's last 4 are done the day after the history ends.
    """
    load = review_load(load_replay(), 6)
    f = load.frame
    assert list(f.columns) == list(REVIEW_LOAD_COLUMNS)
    assert f["window_start"].tolist() == list(pd.date_range("2025-03-01", periods=5, freq="D"))
    assert f["reviews"].tolist() == ARRIVALS
    assert f["capacity"].tolist() == [6.0] * 5
    np.testing.assert_allclose(f["backlog"], [0, 6, 3, 0, 4])
    np.testing.assert_allclose(f["processed"], [5, 6, 6, 3, 6])
    np.testing.assert_allclose(f["unreviewed"], 0)
    np.testing.assert_allclose(f["delay_windows"], [0, 0.5, 1, np.nan, 0.4])
    assert load.windows == 5 and load.windows_over_capacity == 2
    assert load.peak_backlog == 6 and load.final_backlog == 4
    assert load.mean_delay_windows == pytest.approx(13 / 30) and load.max_delay_windows == 1
    assert load.utilisation == pytest.approx(26 / 30) and load.unreviewed == 0
    assert load.unit == "day" and load.window == "1D"


def test_no_carry_over():
    """Check that without carry-over the work beyond capacity is counted as never reviewed."""
    load = review_load(load_replay(), 6, carry_over=False)
    f = load.frame
    np.testing.assert_allclose(f["processed"], [5, 6, 3, 0, 6])
    np.testing.assert_allclose(f["unreviewed"], [0, 6, 0, 0, 4])
    np.testing.assert_allclose(f["backlog"], 0)
    np.testing.assert_allclose(f["delay_windows"], [0, 0, 0, np.nan, 0])
    assert load.unreviewed == 10 and load.peak_backlog == 0 and load.mean_delay_windows == 0


def test_ample_and_tight_capacity():
    """Check ample capacity adds nothing, and a long delay is counted in whole windows."""
    ample = review_load(load_replay(), 12)
    assert ample.peak_backlog == 0 and ample.max_delay_windows == 0
    assert ample.windows_over_capacity == 0
    tight = review_load(load_replay(), 2.5)
    # 30 reviews at 2.5 a day: the last is done on day 12 (index 11), 7 days after it came in
    assert tight.max_delay_windows == 7 and tight.final_backlog == pytest.approx(17.5)
    np.testing.assert_allclose(tight.frame["processed"], 2.5)


def test_backlog_matches_the_recursion():
    """Check the closed form against the recursion written as a loop, on random series."""
    rng = np.random.default_rng(0)
    for _ in range(20):
        arrivals = rng.poisson(rng.uniform(1, 20), size=rng.integers(1, 60))
        capacity = float(rng.uniform(0.5, 20))
        expected, b = [], 0.0
        for a in arrivals:
            b = max(0.0, b + a - capacity)
            expected.append(b)
        np.testing.assert_allclose(_backlog(arrivals, capacity), expected, atol=1e-9)


def test_longer_windows_are_named():
    """Check a weekly window is counted and named in the result."""
    load = review_load(load_replay(window="1W"), 40)
    assert load.unit == "week" and load.frame["reviews"].sum() == 30
    assert review_load(load_replay(window="12h"), 40).unit == "12-hour window"


def test_plot_and_html():
    """Check the chart labels its units and the HTML states the capacity."""
    import matplotlib

    matplotlib.use("Agg")
    load = review_load(load_replay(), 6)
    display = load.plot()
    assert display.ax_.get_ylabel() == "Reviews per day"
    labels = display.ax_.get_legend_handles_labels()[1]
    assert "Capacity: 6 reviews per day" in labels
    assert "Backlog at the end of the day (reviews waiting)" in labels
    assert "6 reviews per day" in load._repr_html_()
    assert load.summary().loc["peak_backlog", "value"] == 6


@pytest.mark.parametrize("capacity", [0, -3, float("nan"), float("inf"), "6", True, None])
def test_capacity_must_be_positive(capacity):
    """Check a capacity that is not a positive number raises a ParameterError naming it."""
    with pytest.raises(trustlab.ParameterError,
                       match=r"'capacity' argument of review_load\(\) must be a number in \(0, inf\)"):
        review_load(load_replay(), capacity)


def test_other_errors():
    """Check carry_over, a non-replay and a replay without windows are each named."""
    with pytest.raises(trustlab.ParameterError, match="'carry_over' argument .* must be True or False"):
        review_load(load_replay(), 6, carry_over="yes")
    with pytest.raises(trustlab.ParameterError, match="'replay' argument .* must be a Replay"):
        review_load(load_replay().decisions, 6)
    with pytest.raises(trustlab.DataError, match="windows: the replay has no time windows"):
        review_load(load_replay(window=None), 6)
