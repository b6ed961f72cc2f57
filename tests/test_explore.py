"""Explorers debounce their controls: a drag of many steps redraws once, after it stops; they
say "updating…" until the figure for the latest values is shown, and show the checks."""

from __future__ import annotations

import asyncio
from html import unescape

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd

from trustlab._explore import BUSY_CLASS, CURRENT_CLASS, Debouncer, _plain, checks_table
from trustlab.datasets import make_history
from trustlab.simulate import PolicyExplorer
from _support import CREDIT


def test_a_drag_inside_the_kernel_loop_redraws_once_after_it_stops():
    """Check twenty slider steps on a running event loop (as in a kernel) replay once, with the
    last value, and only after the controls were still for the delay."""
    import trustlab

    ex = PolicyExplorer(trustlab.load_policy(CREDIT),
                        make_history(n_days=20, applications_per_day=40, seed=1),
                        "low-risk", "high-risk")
    redraws = []
    original = ex._debounce.fn
    ex._debounce.fn = lambda: (redraws.append(ex.controls["approve"].value), original())

    async def drag():
        for k in range(20):
            ex.controls["approve"].value = round(0.08 + 0.005 * (k + 1), 3)
            await asyncio.sleep(0.001)
        assert ex._debounce.pending and redraws == []  # still moving: nothing redrawn yet
        await asyncio.sleep(ex.DELAY * 3)

    asyncio.run(drag())
    assert redraws == [0.18]
    assert ex.state.approve == 0.18


def test_a_failed_redraw_is_shown_in_the_explorer():
    """Check an error while redrawing is written where the user looks, not lost in a log."""
    import trustlab

    ex = PolicyExplorer(trustlab.load_policy(CREDIT),
                        make_history(n_days=10, applications_per_day=30, seed=1),
                        "low-risk", "high-risk")

    def boom(values):
        raise ValueError("the sky fell")

    ex._render = boom
    ex.set(approve=0.1)
    assert "Cannot show this choice" in ex.numbers_html and "the sky fell" in ex.numbers_html
    assert "trustlab-error" in ex._status._dom_classes and not ex.busy
    assert "Not shown" in ex.status_html and "0.100" in ex.status_html


def test_the_status_says_updating_from_a_change_until_its_figure_is_shown():
    """Check a slider change inside a running loop marks the explorer busy at once (before the
    debounced replay), names the values still shown, and that once the redraw for the new
    value is shown the status names that value and the busy class is gone."""
    import trustlab

    ex = PolicyExplorer(trustlab.load_policy(CREDIT),
                        make_history(n_days=20, applications_per_day=40, seed=1),
                        "low-risk", "high-risk")
    assert CURRENT_CLASS in ex._status._dom_classes and not ex.busy
    assert ex.shown_values == ex.values
    assert "low-risk p_default < 0.080" in unescape(ex.status_html)
    seen = []

    async def move():
        ex.controls["approve"].value = 0.12
        seen.append((ex.busy, tuple(ex._status._dom_classes), unescape(ex.status_html),
                     ex.state.approve))
        await asyncio.sleep(ex.DELAY * 3)

    asyncio.run(move())
    busy, classes, html, approve = seen[0]
    assert busy and BUSY_CLASS in classes and approve == 0.08  # nothing recomputed yet
    assert "updating…" in html and "still for low-risk p_default < 0.080" in html
    assert not ex.busy and CURRENT_CLASS in ex._status._dom_classes
    assert BUSY_CLASS not in ex._status._dom_classes
    assert "Shown for low-risk p_default < 0.120" in unescape(ex.status_html)
    assert ex.shown_values["approve"] == 0.12 and ex.state.approve == 0.12


def test_the_figure_is_drawn_once_and_then_moved():
    """Check a redraw keeps the figure's axes and artists and moves them: the value bars'
    heights become the new state's totals."""
    import trustlab

    ex = PolicyExplorer(trustlab.load_policy(CREDIT),
                        make_history(n_days=20, applications_per_day=40, seed=1),
                        "low-risk", "high-risk")
    axes, bars = list(ex._figure.axes), ex.display.artists_["value"]["bars"]
    s = ex.update(approve=0.2, decline=0.3)
    assert list(ex._figure.axes) == axes and ex.display.artists_["value"]["bars"] is bars
    np.testing.assert_allclose([b.get_height() for b in bars], s.value_by_action["value_total"])


def _checks(rows):
    cols = ["check", "metric", "by", "value", "at_least", "at_most", "passed", "segment",
            "reason"]
    return pd.DataFrame([dict(zip(cols, r)) for r in rows], columns=cols)


def test_checks_table_says_pass_or_fail_in_words_and_never_rounds_onto_a_bound():
    """Check each check's row: the value in the policy file's units with digits enough to stay
    on its side of the bound, the bound in words, PASS/FAIL in words with a class and colour,
    the worst segment and the reason for a value that cannot be computed."""
    t = checks_table(_checks([
        ("automation_rate >= 0.55", "automation_rate", None, 0.5499, 0.55, None, False, None, ""),
        ("peak_reviews_per_window <= 250", "peak_reviews_per_window", None, 51480.0, None, 250.0,
         False, None, ""),
        ("bad_rate_favourable <= 0.04 by grade", "bad_rate_favourable", "grade", 0.0312, None,
         0.04, True, "B", ""),
        ("alignment >= 0.9", "alignment", None, np.nan, 0.9, None, False, None,
         "no automated decision has a recorded human decision to compare with"),
    ]))
    assert ">0.5499<" in t and "at least 0.55" in t
    assert ">51,480<" in t and "e+" not in t
    assert "<code>bad_rate_favourable</code> by grade" in t and "worst segment: B" in t
    assert ">n/a<" in t and "no automated decision has a recorded" in t
    assert t.count("trustlab-check-fail") == 3 and t.count("trustlab-check-pass") == 1
    assert t.count(">FAIL<") == 3 and t.count(">PASS<") == 1
    assert "Checks: 3 of 4 fail" in t
    assert "declares no checks" in checks_table(_checks([]))


def test_plain_numbers_by_hand():
    """Check plain decimals: no exponent, thousands separated, digits added near a bound."""
    assert _plain(0.04) == "0.04" and _plain(0.039996, 0.04) == "0.039996"
    assert _plain(0.04001, 0.04) == "0.04001" and _plain(0.12345) == "0.123"
    assert _plain(1e-5) == "0.00001" and _plain(123456.7) == "123,457"
    assert _plain(1.234e-7) == "0.000000123" and _plain(-2.5e-5) == "-0.000025"
    assert _plain(1000.4, 1000) == "1,000.4" and _plain(149.96, 150) == "149.96"
    assert _plain(float("nan")) == "n/a"


def test_debouncer_pauses():
    """Check changes inside `paused()` are ignored."""
    calls = []
    d = Debouncer(lambda: calls.append(1), delay=0)
    with d.paused():
        d()
    d()
    assert calls == [1]


def test_every_public_result_renders_as_html():
    """Check every public result class (and the configs people display) has `_repr_html_`."""
    import importlib
    import inspect
    import pkgutil

    import trustlab

    lacking = []
    for m in pkgutil.walk_packages(trustlab.__path__, "trustlab."):
        if m.name.split(".")[-1].startswith("_") or m.name.endswith(".parts"):
            continue  # private, or the sums a backend folds (simulate.parts, drift.parts)
        mod = importlib.import_module(m.name)
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            shown = name.endswith(("Result", "Replay", "Plan", "Policy")) or name in (
                "Review", "Reference", "Timeline")
            if inspect.isclass(obj) and shown and not hasattr(obj, "_repr_html_"):
                lacking.append(f"{m.name}.{name}")
    assert lacking == []
