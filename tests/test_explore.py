"""Explorers debounce their controls: a drag of many steps redraws once, after it stops."""

from __future__ import annotations

import asyncio

import matplotlib

matplotlib.use("Agg")

from trustlab._explore import Debouncer
from trustlab.datasets import make_history
from trustlab.simulate import PolicyExplorer
from conftest import CREDIT


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
        if m.name.split(".")[-1].startswith("_"):
            continue
        mod = importlib.import_module(m.name)
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            shown = name.endswith(("Result", "Replay", "Plan", "Policy")) or name in (
                "Review", "Reference", "Timeline")
            if inspect.isclass(obj) and shown and not hasattr(obj, "_repr_html_"):
                lacking.append(f"{m.name}.{name}")
    assert lacking == []
