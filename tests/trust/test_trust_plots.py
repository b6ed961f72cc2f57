"""Trust and gate plots: labelled, drawing the result's own numbers, gaps where values are NaN."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import trustlab
from trustlab.simulate import replay
from trustlab.trust import GateDisplay, TrustDisplay, promotion_gate, trust_over_time
from test_promotion_gate import approvals, gate_policy
from test_trust_over_time import tiny_cases, tiny_policy


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def trust():
    return trust_over_time(replay(tiny_policy(), tiny_cases(), segments=("seg",)), by="seg")


def test_trust_plot_draws_one_line_per_metric_with_gaps(trust):
    """Check the lines carry the frame's values (NaN as gaps), with a title, axis labels and %."""
    d = trust.plot(metrics=("automation_rate", "alignment"))
    assert isinstance(d, TrustDisplay) and d.metrics == ("automation_rate", "alignment")
    ax = d.ax_
    assert ax.get_title() and ax.get_xlabel() == "Start of each 7-day window"
    assert ax.get_ylabel() == "Share (%)"
    lines = ax.get_lines()
    assert len(lines) == 2
    np.testing.assert_allclose(lines[1].get_ydata(), trust.metric("alignment").to_numpy())
    assert np.isnan(lines[1].get_ydata()).any()  # the empty window is a gap, not 0
    assert "compared decisions" in ax.get_legend().get_texts()[1].get_text()
    assert any("gap" in t.get_text() for t in ax.texts)


def test_trust_plot_on_given_axes_and_one_segment(trust):
    """Check drawing on an existing Axes, for one segment."""
    fig, ax = plt.subplots()
    d = trust.plot(ax=ax, metrics=("override_rate",), segment="A")
    assert d.ax_ is ax and d.figure_ is fig
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(),
                               trust.metric("override_rate", segment="A").to_numpy())
    assert "seg = A" in ax.get_title()


@pytest.mark.parametrize("metrics, match", [(("decisions",), "'decisions' cannot be drawn"),
                                            (("trust",), "rates: automation_rate")])
def test_trust_plot_refuses_what_is_not_a_rate(trust, metrics, match):
    """Check only rates are drawn, and the message lists them."""
    with pytest.raises(trustlab.DataError, match=match):
        trust.plot(metrics=metrics)


def test_gate_plot_one_panel_per_criterion():
    """Check one titled panel per criterion, coloured by whether it holds."""
    g = promotion_gate(replay(gate_policy(), approvals(100, 95)), signal_psi=None)
    d = g.plot()
    assert isinstance(d, GateDisplay) and len(d.axes_) == len(g.frame) == 4  # ax_ is one Axes
    titles = [a.get_title(loc="left") for a in d.axes_]
    assert titles[1].startswith("FAILS: Agreement with recorded human decisions (min_alignment)")
    assert "not computed" in d.axes_[3].texts[0].get_text()
    assert d.figure_._suptitle.get_text() == g.verdict()


def test_gate_plot_without_criteria():
    """Check a gate with no promotion section draws a note, not an error."""
    g = promotion_gate(replay(gate_policy(promotion=None), approvals(20, 20)))
    d = g.plot()
    assert len(d.axes_) == 1 and "No promotion criteria" in d.axes_[0].texts[0].get_text()
