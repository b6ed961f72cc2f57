"""The band explorer: numbers equal a direct replay; the figure moves in place to what a fresh
drawing shows; crossed lines are flagged; the widget redraws without a browser."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

import trustlab
from _support import BASE, policy_text
from trustlab.datasets import load_synthetic_sample
from trustlab.simulate import replay
from trustlab.simulate._edit import with_threshold
from trustlab.simulate._explorer import (
    ExplorerState,
    PolicyExplorer,
    band_crossing,
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
    with pytest.raises(trustlab.ParameterError, match="'approve' argument .* must be a finite number"):
        band_policy(policy, "low-risk", "high-risk", float("nan"), 0.2)
    with pytest.raises(trustlab.PolicyError, match="no rule 'nope'"):
        band_policy(policy, "nope", "high-risk", 0.1, 0.2)
    with pytest.raises(trustlab.PolicyError, match="otherwise rule"):
        band_policy(policy, "uncertain", "high-risk", 0.1, 0.2)
    small = history.iloc[:100]
    with pytest.raises(trustlab.ParameterError, match="'capacity' argument .* must be None or a number"):
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


def test_band_crossing_by_hand(tiny):
    """Check the tiny policy's lines ('high': p >= x listed before 'low': p < y): a band when
    y < x, meeting lines when y == x, crossing lines (and which rule decides the overlap) when
    y > x, one side for both, and nothing said for lines on different signals."""
    assert band_crossing(band_policy(tiny, "low", "high", 0.2, 0.5), "low", "high") is None
    meet = band_crossing(band_policy(tiny, "low", "high", 0.5, 0.5), "low", "high")
    assert meet == "The lines meet at p 0.5: no case is left between them for a person."
    cross = band_crossing(band_policy(tiny, "low", "high", 0.6, 0.5), "low", "high")
    assert cross.startswith("The lines cross: the 'low' line (p < 0.6) is above the 'high' "
                            "line (p >= 0.5).")
    assert "from 0.5 to 0.6 meet both thresholds; 'high', listed first, decides them" in cross
    touching = trustlab.parse_policy(policy_text(base=BASE.replace("p < 0.2 and", "p <= 0.2 and")))
    on = band_crossing(band_policy(touching, "low", "high", 0.5, 0.5), "low", "high")
    assert on.startswith("The lines cross: the 'low' line (p <= 0.5) is on the 'high' line")
    same = trustlab.parse_policy(policy_text(base=BASE.replace("p >= 0.5", "p < 0.9")))
    assert band_crossing(same, "low", "high").startswith("Both lines take the low side of p")
    two = trustlab.parse_policy(policy_text(base=BASE.replace(
        "signals:\n", "signals:\n  - {name: q, kind: probability, model: m@1, higher_means: risk}\n"
    ).replace("p >= 0.5", "q >= 0.5")))
    assert band_crossing(band_policy(two, "low", "high", 0.9, 0.1), "low", "high") is None


def test_crossed_lines_are_flagged_in_the_numbers_and_the_figure(policy, history):
    """Check an approve line above the decline line is said in red above the numbers and in
    the figure, and disappears when the lines are apart again."""
    ex = PolicyExplorer(policy, history, "low-risk", "high-risk")
    s = ex.update(approve=0.4, decline=0.3)
    assert s.crossing and "The lines cross" in s.crossing
    assert "trustlab-crossing" in ex.numbers_html and "The lines cross" in ex.numbers_html
    assert "cross" in ex.display.artists_["titles"]["crossing"].get_text()
    ex.update(approve=0.1)
    assert ex.state.crossing is None and "trustlab-crossing" not in ex.numbers_html
    assert ex.display.artists_["titles"]["crossing"].get_text() == ""


def _drawn(d) -> dict:
    """What a display shows, read from its artists."""
    a = d.artists_
    out = {"heights": [b.get_height() for b in a["value"]["bars"]],
           "labels": [t.get_text() for t in a["value"]["labels"]],
           "value_title": d.value_ax_.get_title(), "value_ylim": d.value_ax_.get_ylim(),
           "band": a["titles"]["band"].get_text()}
    r = a["reviews"]
    out.update(steps=r["steps"].get_data().values.tolist(),
               over=r["over"].get_visible(), capacity=r["capacity"].get_ydata()[0],
               capacity_label=r["capacity"].get_label(), peak=r["peak"].get_label(),
               reviews_ylim=d.reviews_ax_.get_ylim())
    seg = a["segment"]
    out.update(segments=[str(t.get_text()) for t in d.segment_ax_.get_yticklabels()],
               widths=[b.get_width() for b in seg["bars"]],
               rate_texts=[t.get_text() for t in seg["texts"]],
               overall=seg["overall"].get_xdata()[0], segment_title=d.segment_ax_.get_title())
    return out


def test_a_moved_figure_shows_what_a_fresh_drawing_shows(policy, history):
    """Check that updating a drawn display in place to another state (other thresholds,
    capacity and segment column) leaves every artist as a fresh drawing of that state does,
    and that the reviews steps are the state's reviews per window."""
    first = explorer_state(policy, history, "low-risk", "high-risk", 0.08, 0.35, capacity=250,
                           segment="grade")
    later = explorer_state(policy, history, "low-risk", "high-risk", 0.15, 0.25, capacity=30,
                           segment="purpose")
    moved = explorer_figure(first).update(later)
    fresh = explorer_figure(later)
    a, b = _drawn(moved), _drawn(fresh)
    assert a == b
    assert a["steps"] == later.reviews_per_window.tolist()
    assert a["over"] and a["capacity"] == 30 and a["capacity_label"] == "Capacity: 30 per day"
    np.testing.assert_allclose(a["heights"], later.value_by_action["value_total"])
    rates = later.segment_rates.reindex(a["segments"])["favourable_rate"]
    np.testing.assert_allclose(a["widths"], rates)
    assert a["overall"] == pytest.approx(later.favourable_rate)
    assert "p_default < 0.15" in a["band"] and "p_default >= 0.25" in a["band"]


def test_numbers_say_what_they_were_computed_for_and_show_the_checks(policy, history):
    """Check the numbers' caption names the lines, capacity and segment column, the policy's
    checks are shown PASS/FAIL and follow the sliders, and a metric that cannot be computed
    shows n/a with its reason, never nan."""
    ex = PolicyExplorer(policy, history, "low-risk", "high-risk")
    html = ex.numbers_html
    assert "Computed for low-risk: p_default &lt; 0.08 and debt_to_income &lt; 40; high-risk: " \
           "p_default &gt;= 0.35; capacity 250 per day; segments by grade" in html
    assert "trustlab-checks" in html and html.count("<code>") == len(policy.checks)
    before = ex.state.replay.checks
    ex.update(approve=0.3)
    after = ex.state.replay.checks
    auto = after.set_index("metric").loc["automation_rate"]
    assert auto["value"] != before.set_index("metric").loc["automation_rate", "value"]
    shown = "PASS" if auto["passed"] else "FAIL"
    row = ex.numbers_html.split("<code>automation_rate</code>")[1].split("</tr>")[0]
    assert f">{shown}<" in row
    nobody = explorer_state(policy, history, "low-risk", "high-risk", 0.0, 0.0)
    assert nobody.favourable_rate == 0
    text = explorer_html(nobody, checks=True)
    assert "nan" not in text.lower().replace("n/a", "")
    assert "n/a — no labelled rows with a favourable action" in text


def test_disabled_controls_say_why(policy, history):
    """Check that without segment columns the dropdown is disabled and a note says why, and
    that the checks by a segment column are still judged as a replay judges them."""
    ex = PolicyExplorer(policy, history, "low-risk", "high-risk", segments=())
    assert ex.controls["segment"].disabled
    assert "Segments by is disabled" in ex.widget.children[3].value
    by = ex.state.replay.checks.dropna(subset=["by"])
    assert len(by) and by.reset_index(drop=True).equals(
        replay(policy, history).checks.dropna(subset=["by"]).reset_index(drop=True))
