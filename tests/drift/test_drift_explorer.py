"""The drift explorer: each choice shows the drift drift_over_time measures for it, counts each
column-window once, draws learned levels, and moves its lines in place."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from trustlab.datasets import FeatureDrift, make_history
from trustlab.drift import DriftExplorer, drift_over_time
from trustlab.drift._explorer import drift_counts

COLS = ["debt_to_income", "p_default", "channel"]


@pytest.fixture(scope="module")
def history():
    return make_history(n_days=240, applications_per_day=30, seed=2,
                        scenarios=[FeatureDrift("2025-06-02", "debt_to_income", 8.0)])


def test_choices_equal_drift_over_time(history):
    """Check window, reference, measure and levels each give drift_over_time's own result."""
    ex = DriftExplorer(history, time="decision_time", columns=COLS)
    image = ex.image
    ex.set(window="2W", reference="60D", levels="learned", metric="ks")
    exact = drift_over_time(history, {"first": "60D"}, time="decision_time", window="2W",
                            columns=COLS, levels="learned")
    pd.testing.assert_frame_equal(ex.result.frame, exact.frame)
    assert ex.image != image
    assert "First act alert: debt_to_income" in ex.numbers_html
    assert "the first 60 days" in ex.numbers_html


def test_each_column_window_is_counted_once(history):
    """Check the counts against the frame by hand: a column-window at the act level by PSI
    and KS and JS is one column-window, not three; the numbers show these counts."""
    ex = DriftExplorer(history, time="decision_time", columns=COLS)
    f = ex.result.frame
    after = f[~f["in_reference"]]
    acts = after[after["status"] == "act"]
    once = len(set(zip(acts["window_start"], acts["column"])))
    assert len(acts) > once  # several measures flag the same column-window
    c = drift_counts(ex.result)
    assert c["act"] == once
    assert c["column_windows"] == len(set(zip(after["window_start"], after["column"])))
    psi = acts[acts["metric"] == "psi"]
    assert drift_counts(ex.result, "psi")["act"] == len(set(zip(psi["window_start"],
                                                                 psi["column"])))
    html = ex.numbers_html
    assert f"At the act level (any measure)</th><td style='text-align:left'>{once:,} " \
           "column-windows" in html
    assert f"At the act level by PSI</th><td style='text-align:left'>" \
           f"{drift_counts(ex.result, 'psi')['act']:,} column-windows" in html


def test_learned_levels_are_drawn_per_column(history):
    """Check that with learned levels each drawn column has its own warn and act lines at the
    levels the result learned for it (and the legend says them), and with fixed levels one
    shared pair is drawn at the measure's levels."""
    ex = DriftExplorer(history, time="decision_time", columns=COLS)
    panel = ex._panels["data"]
    shared = panel["shared"]
    assert shared["act"].get_visible() and shared["act"].get_ydata()[0] == 0.25
    assert shared["warn"].get_ydata()[0] == 0.10
    ex.set(levels="learned")
    assert ex._panels["data"] is panel  # moved, not drawn anew
    assert not shared["act"].get_visible()
    f = ex.result.frame[ex.result.frame["metric"] == "psi"]
    learned = f.groupby("column")[["warn", "act"]].first()
    drawn = [s for s in panel["slots"] if s["line"].get_visible()]
    assert len(drawn) == 3
    for s in drawn:
        col = s["line"].get_label()
        assert s["act"].get_visible() and s["warn"].get_visible()
        assert s["act"].get_color() == s["line"].get_color() == s["warn"].get_color()
        assert s["act"].get_ydata()[0] == pytest.approx(learned.loc[col, "act"])
        assert s["warn"].get_ydata()[0] == pytest.approx(learned.loc[col, "warn"])
        assert f"Learned PSI levels: {col}</th><td style='text-align:left'>warn " \
               f"{learned.loc[col, 'warn']:.3g}, act {learned.loc[col, 'act']:.3g}" \
               in ex.numbers_html
    legend = [t.get_text() for t in panel["ax"].get_legend().get_texts()]
    assert "act level learned for the column in its colour" in legend


def test_lines_move_in_place_to_the_result(history):
    """Check a new window keeps the drawn lines and sets their points to the result's values
    for the columns drawn; a new measure draws the panels anew."""
    ex = DriftExplorer(history, time="decision_time", columns=COLS)
    line = ex._panels["data"]["slots"][0]["line"]
    ex.set(window="2W")
    assert ex._panels["data"]["slots"][0]["line"] is line
    col = line.get_label()
    f = ex.result.frame
    s = f[(f["metric"] == "psi") & (f["column"] == col)].sort_values("window_start")
    np.testing.assert_allclose(line.get_ydata(), s["value"].to_numpy(dtype=float))
    assert len(line.get_xdata()) == len(s)
    assert "Shown for 2W windows, reference the first 90D, PSI, fixed levels" in ex.status_html
    ex.set(metric="js")
    assert ex._panels["data"]["slots"][0]["line"] is not line
    assert ex._figure.axes[0].get_ylabel() == "JS"
