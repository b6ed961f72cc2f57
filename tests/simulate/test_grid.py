"""Band grid: every cell equals a full replay, capacity, optimum, Pareto front, errors."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import trustlab
from trustlab.datasets import make_history
from trustlab.simulate import band_grid, replay, without_guardrail
from trustlab.simulate._edit import with_threshold
from _support import credit_text

COMPARED = ("value_total", "value_per_decision", "automation_rate", "bad_rate_favourable",
            "peak_reviews_per_window")
LOW_RISK = """  - id: low-risk
    when: p_default < 0.08 and debt_to_income < 40
    then: approve
    because: Predicted default risk {p_default:.1%} is under 8% and debt-to-income is under 40.
"""


@pytest.fixture(scope="module")
def history():
    return make_history(n_days=40, applications_per_day=80, seed=12)


def approve_first_text(edits: dict[str, str] | None = None) -> str:
    """The example policy's text with the approve rule moved before the decline rule."""
    text = credit_text({LOW_RISK: ""}).replace("  - id: high-risk", LOW_RISK + "  - id: high-risk")
    for old, new in (edits or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def assert_cells_equal_replays(p, data, grid, picks):
    for k in picks:
        row = grid.frame.iloc[k]
        q = with_threshold(with_threshold(p, "low-risk", float(row["approve_threshold"])),
                           "high-risk", float(row["decline_threshold"]))
        r = replay(q, data)
        for m in COMPARED:
            assert row[m] == pytest.approx(r.metric(m), rel=1e-12, abs=1e-9, nan_ok=True), \
                (m, row)


def picks(n: int, seed: int, k: int = 8) -> list[int]:
    rng = np.random.default_rng(seed)
    return sorted({0, n - 1, *rng.choice(n, size=k, replace=False).tolist()})


def test_cells_equal_full_replays_with_a_binding_limit(policy, history):
    """Check sampled cells (limit binding at low decline lines) against full replays."""
    g = band_grid(policy, history, "low-risk", "high-risk", capacity=60)
    assert "applied exactly at each" in g.method
    assert len(g.frame) == g.frame["approve_threshold"].nunique() \
        * g.frame["decline_threshold"].nunique()
    assert_cells_equal_replays(policy, history, g, picks(len(g.frame), seed=0))


def test_cells_where_the_lines_cross(policy, history):
    """Check cells where the approve line is above the decline line (the earlier rule wins)."""
    g = band_grid(policy, history, "low-risk", "high-risk",
                  approve_thresholds=[0.1, 0.3, 0.5], decline_thresholds=[0.05, 0.2, 0.4])
    crossed = g.frame.index[g.frame["approve_threshold"] > g.frame["decline_threshold"]]
    assert len(crossed) >= 3
    assert_cells_equal_replays(policy, history, g, range(len(g.frame)))


@pytest.mark.parametrize("edits", [{}, {"p_default < 0.08 and": "p_default <= 0.08 and",
                                         "p_default >= 0.35": "p_default > 0.35"}])
def test_approve_rule_first_and_both_directions(history, edits):
    """Check a policy whose approve rule comes first, with strict and non-strict comparisons."""
    p = without_guardrail(trustlab.parse_policy(approve_first_text(edits)), "decline-rate-limit")
    g = band_grid(p, history, "low-risk", "high-risk",
                  approve_thresholds=np.linspace(0.02, 0.4, 9),
                  decline_thresholds=np.linspace(0.05, 0.6, 9), capacity=50)
    assert_cells_equal_replays(p, history, g, picks(len(g.frame), seed=4))


def test_feasible_optimum_and_pareto(policy, history):
    """Check feasibility against capacity, the optimum and that the front is undominated."""
    g = band_grid(policy, history, "low-risk", "high-risk", capacity=40)
    f = g.frame
    assert (f["feasible"] == (f["peak_reviews_per_window"] <= 40)).all()
    assert g.optimum["feasible"]
    assert g.optimum["value_total"] == f.loc[f["feasible"], "value_total"].max()
    front = g.pareto
    assert front["peak_reviews_per_window"].is_monotonic_increasing
    assert front["value_total"].is_monotonic_increasing
    for _, row in front.iterrows():  # nothing does better for no more load
        better = f[(f["peak_reviews_per_window"] <= row["peak_reviews_per_window"])
                   & (f["value_total"] > row["value_total"])]
        assert better.empty
    assert g.current["approve_threshold"] == 0.08 and g.current["decline_threshold"] == 0.35


def test_no_feasible_pair(policy, history):
    """Check that a capacity nobody can meet gives no optimum and says so."""
    g = band_grid(policy, history, "low-risk", "high-risk", capacity=0,
                  approve_thresholds=[0.05], decline_thresholds=[0.5])
    assert g.optimum is None
    assert "none is" in g._repr_html_()
    assert "none feasible" in repr(g)


def test_plot_marks_capacity_and_optimum(policy, history):
    """Check the heat map's labels, legend and colour bar."""
    g = band_grid(policy, history, "low-risk", "high-risk", capacity=40)
    d = g.plot()
    labels = [t.get_text() for t in d.ax_.get_legend().get_texts()]
    assert labels == ["More than 40 reviews in a day", "Current policy", "Best within capacity"]
    assert d.ax_.get_ylabel().startswith("Decline line: decline when p_default is at or above it")
    assert d.colorbar_.ax.get_ylabel() == "Value per decision (value units)"
    plt.close(d.figure_)


def test_errors_name_the_problem(policy, history):
    """Check that bad rules, capacities and axes are refused naming what is wrong."""
    with pytest.raises(trustlab.PolicyError, match="two different rules"):
        band_grid(policy, history, "low-risk", "low-risk")
    with pytest.raises(trustlab.PolicyError, match="uncertain"):
        band_grid(policy, history, "low-risk", "uncertain")
    with pytest.raises(trustlab.ParameterError, match="capacity"):
        band_grid(policy, history, "low-risk", "high-risk", capacity=-1)
    with pytest.raises(trustlab.ParameterError, match="approve_thresholds"):
        band_grid(policy, history, "low-risk", "high-risk", approve_thresholds=["x"])
    text = credit_text({"  window: 1D\n": ""})
    with pytest.raises(trustlab.DataError, match="outcomes.window"):
        band_grid(trustlab.parse_policy(text), history, "low-risk", "high-risk", capacity=10)


def test_limit_on_the_later_rules_action_is_refused(history):
    """Check that a rate limit the later rule moves cases into is refused, naming it and a way out."""
    with pytest.raises(trustlab.PolicyError, match="decline-rate-limit.*without_guardrail"):
        band_grid(trustlab.parse_policy(approve_first_text()), history, "low-risk", "high-risk")
