"""Widgets over a policy's guardrails: tighten a rate limit, pull the kill switch, vary the reviewers."""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from .._extras import require
from .._codes import code
from .._explore import Explorer, change_note, checks_table, numbers_table
from ..metrics import currency_of, format_metric
from .._time import times_ns, window_ids, window_starts
from ..policy import read_window
from ..policy import Policy, RateLimit, Window
from ._edit import with_rate_limit
from ._replay import Replay, replay

__all__ = ["GuardrailExplorer", "busiest_window"]


def busiest_window(ns: np.ndarray, window: Window) -> int:
    """The most rows that fall in one ``window`` (0 for no rows): no rate limit per
    ``window`` at or above it can bind on these rows.

    Examples
    --------
    >>> t = pd.DatetimeIndex(["2025-01-01 09:00", "2025-01-01 17:00", "2025-01-02 10:00"],
    ...                      dtype="datetime64[ns]")
    >>> busiest_window(t.asi8, read_window("1D", "doc", "per")), \\
    ...     busiest_window(t.asi8, read_window("1h", "doc", "per"))
    (2, 1)
    """
    if len(ns) == 0:
        return 0
    _, counts = np.unique(window_ids(ns, window), return_counts=True)
    return int(counts.max())


class GuardrailExplorer(Explorer):
    """Controls for a policy's guardrails, redrawing value, workload, what each guardrail did
    and the policy's checks.

    One slider per rate limit (its ``max``, from 0 to the most rows in one of its
    windows in this data, where every limit stops binding), the kill switch, and
    the simulated reviewers' accuracy; each change replays the whole history
    (debounced) and reports it against the policy as written. A control that
    cannot change anything on this data is disabled, and a note under the
    controls says why.

    Parameters
    ----------
    policy : Policy
        With an ``outcomes`` section.
    data : pandas.DataFrame
    seed : int, default 0

    Attributes
    ----------
    replay : Replay
        The replay now shown.
    reference : Replay
        The policy as written.
    notes : list of str
        Why a control is disabled, or where a range comes from.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import trustlab
    >>> from trustlab.datasets import make_history
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> ex = GuardrailExplorer(p, make_history(n_days=14, applications_per_day=60, seed=0))
    >>> ex.set(kill_switch=True)
    >>> ex.replay.metric("automation_rate")
    0.0
    """

    def __init__(self, policy: Policy, data: pd.DataFrame, *, seed: int = 0) -> None:
        w = require("ipywidgets", "The interactive explorers")

        self.policy, self.data, self.seed = policy, data, seed
        self.reference = replay(policy, data, seed=seed)
        self.replay = self.reference
        self.notes: list[str] = []
        self._ns = self._times()
        controls = {}
        ks = policy.kill_switch
        controls["kill_switch"] = w.Checkbox(
            value=bool(ks is not None and ks.engaged), disabled=ks is None,
            description="Kill switch engaged" if ks is not None else "No kill switch defined")
        if ks is None:
            self.notes.append("The kill switch is disabled: the policy defines none "
                              "(kill_switch:).")
        rev = policy.outcomes.reviewer if policy.outcomes is not None else None
        acc = rev.accuracy if rev is not None and rev.accuracy is not None else 0.85
        why = self._reviewers_idle()
        controls["reviewer_accuracy"] = w.FloatSlider(
            value=acc, min=0.5, max=1.0, step=0.01, readout_format=".2f",
            description="Simulated reviewers right", disabled=why is not None)
        if why is not None:
            self.notes.append(f"Simulated reviewers right is disabled: {why}.")
        self._limits = [g for g in policy.guardrails if isinstance(g, RateLimit)]
        self._tops: dict[str, int] = {}
        for g in self._limits:
            controls[g.id] = self._limit_slider(w, g)
        names = list(controls)
        rows = [names[i:i + 2] for i in range(0, len(names), 2)]
        self._build(f"<b>Guardrails of {escape(policy.identity)}</b> on {len(data):,} past "
                    "decisions — change a control", controls, rows, figsize=(14, 3.6),
                    notes=self.notes)

    # -------------------------------------------------------------- controls
    def _times(self) -> np.ndarray | None:
        time = self.policy.time_column
        if time is None or time not in self.data.columns:
            return None
        ns, _, _ = times_ns(self.data[time], self.policy.time_format)  # replay read it already
        return ns

    def _reviewers_idle(self) -> str | None:
        """Why the simulated reviewers' accuracy changes nothing here, or None."""
        p = self.policy
        if not any(not a.automated for a in p.actions):
            return "the policy has no action for a person, so no reviewer is asked"
        rev = p.outcomes.reviewer if p.outcomes is not None else None
        if rev is not None and rev.decision is not None and rev.decision in self.data.columns \
                and len(self.data) and bool(self.data[rev.decision].notna().all()):
            return (f"every case has a recorded human decision in '{rev.decision}', which "
                    f"replays use instead of a simulated reviewer")
        return None

    def _limit_slider(self, w, g: RateLimit):
        words = g.per.words
        label = f"{g.id}: at most this many '{g.action}' per {words}"
        reached = g.action in code(self.reference.records["rule_action"]).values
        if self._ns is None:
            return w.IntSlider(value=g.max, min=0, max=max(3 * g.max, 10), description=label)
        top = max(busiest_window(self._ns, g.per), 1)
        self._tops[g.id] = top
        if not reached:
            self.notes.append(f"{g.id} is disabled: no rule of this policy decides "
                              f"'{g.action}' for any case of this data, so the limit never "
                              f"binds.")
        if g.max >= top:
            self.notes.append(
                f"{g.id}: the limit as written ({g.max:,} per {words}) is at or above the most "
                f"cases in one {words} of this data ({top:,}), so it never binds here; the "
                f"slider runs from 0 to {top:,}, and at {top:,} it is the policy as written.")
        else:
            self.notes.append(f"{g.id}: the slider runs from 0 to {top:,}, the most cases in "
                              f"one {words} of this data (no limit binds above it).")
        return w.IntSlider(value=min(g.max, top), min=0, max=top, description=label,
                           disabled=not reached)

    def _limit(self, g: RateLimit, value: int) -> int:
        """The limit a slider value means: at the top of its range (where no limit binds), the
        policy's own limit when that is higher still."""
        top = self._tops.get(g.id)
        return g.max if top is not None and value >= top and g.max >= top else int(value)

    def _describe(self, values: dict) -> str:
        parts = []
        if self.policy.kill_switch is not None:
            parts.append(f"kill switch {'engaged' if values['kill_switch'] else 'off'}")
        if not self.controls["reviewer_accuracy"].disabled:
            parts.append(f"reviewers right {values['reviewer_accuracy']:.0%}")
        for g in self._limits:
            parts.append(f"{g.id} {self._limit(g, values[g.id]):,} per {g.per.words}")
        return ", ".join(parts) or "the policy as written"

    # -------------------------------------------------------------- computing
    def _replay_for(self, values: dict) -> Replay:
        def make() -> Replay:
            edited = self.policy
            for g in self._limits:
                limit = self._limit(g, values[g.id])
                if limit != g.max:
                    edited = with_rate_limit(edited, g.id, limit)
            if self.policy.kill_switch is not None and \
                    values["kill_switch"] != self.policy.kill_switch.engaged:
                edited = edited.with_kill_switch(values["kill_switch"])
            idle = self.controls["reviewer_accuracy"].disabled
            return replay(edited, self.data, seed=self.seed,
                          reviewer_accuracy=None if idle else float(values["reviewer_accuracy"]))

        limits = {g.id: self._limit(g, values[g.id]) for g in self._limits}
        return self._cached(tuple(sorted({**values, **limits}.items())), make)

    def _render(self, values: dict) -> str:
        r = self._replay_for(values)
        self.replay = r
        ref = self.reference
        against = "the policy as written"
        s = r.summary().set_index("metric")

        def m(name: str, replayed: Replay) -> float:
            return float(replayed.metric(name))

        currency = currency_of(self.policy)

        def shown(name: str) -> str:
            v = m(name, r)
            why = None if np.isfinite(v) else (str(s.loc[name, "reason"]) if name in s.index
                                               else None)
            return format_metric(name, v, currency=currency, reason=why or None)

        rows = [
            ("Total value", shown("value_total"),
             change_note(m("value_total", r), m("value_total", ref), "money", against, currency)),
            ("Decided automatically", shown("automation_rate"),
             change_note(m("automation_rate", r), m("automation_rate", ref), "share", against)),
            ("Bad outcomes among favourable", shown("bad_rate_favourable"),
             change_note(m("bad_rate_favourable", r), m("bad_rate_favourable", ref), "share",
                         against)),
        ]
        reviews = int((~r.decisions["automated"].to_numpy(dtype=bool)).sum())
        ref_reviews = int((~ref.decisions["automated"].to_numpy(dtype=bool)).sum())
        rows.append(("Sent to a person", f"{reviews:,}",
                     change_note(reviews, ref_reviews, "count", against)))
        changed = r.records["guardrail"].value_counts()
        was = ref.records["guardrail"].value_counts()
        for g in [*(g.id for g in self.policy.guardrails), "kill_switch"]:
            if g == "kill_switch" and self.policy.kill_switch is None:
                continue
            now, then = int(changed.get(g, 0)), int(was.get(g, 0))
            rows.append((f"Decisions changed by {g.replace('_', ' ')}", f"{now:,}",
                         change_note(now, then, "count", against)))
        self._draw(r, values)
        table = numbers_table(rows, caption=f"Computed for {self._describe(values)}")
        return (f"<div style='display:flex;flex-wrap:wrap;gap:8px 32px;"
                f"align-items:flex-start'><div>{table}</div><div>{checks_table(r.checks)}</div>"
                f"</div>")

    # -------------------------------------------------------------- drawing
    def _window(self) -> Window:
        out = self.policy.outcomes
        return out.window if out is not None and out.window is not None else \
            read_window("1D", "GuardrailExplorer", "window")

    def _per_window(self, r: Replay) -> np.ndarray:
        human = ~r.decisions["automated"].to_numpy(dtype=bool)
        return np.bincount(self._codes[human], minlength=len(self._starts)).astype(float)

    def _draw(self, r: Replay, values: dict) -> None:
        """Draw the reviews per window once; afterwards move the line of the current choice."""
        if not self._drawn:
            self._first_draw()
            self._drawn = True
        if self._line is None:
            return
        y = self._per_window(r)
        self._line.set_ydata(y)
        top = max(float(y.max(initial=0)), self._ref_peak)
        self._ax.set_ylim(0, top * 1.3 or 1)  # room for the legend
        self._ax.set_title(f"Reviews per {self._window().words} — {self._describe(values)}",
                           loc="left", fontsize=10)

    def _first_draw(self) -> None:
        ax = self._figure.subplots()
        self._ax, self._line = ax, None
        if self._ns is None:
            ax.text(0.5, 0.5, "No time column: reviews per window cannot be drawn",
                    ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            return
        window = self._window()
        ids = window_ids(self._ns, window)
        lo = int(ids.min()) if len(ids) else 0
        self._codes = ids - lo
        n = int(self._codes.max()) + 1 if len(ids) else 0
        self._starts = window_starts(np.arange(lo, lo + n), window)
        x = self._starts.to_numpy()
        ref = self._per_window(self.reference)
        self._ref_peak = float(ref.max(initial=0))
        ax.plot(x, ref, label="policy as written", color="#9e9e9e", linewidth=1.2)
        self._line, = ax.plot(x, ref, label="with these guardrails", color="#1565c0",
                              linewidth=1.2)
        ax.set_ylabel(f"reviews per {window.words}")
        ax.set_xlabel("window start")
        ax.legend(loc="upper left", frameon=False)
        ax.set_title(f"Reviews per {window.words}", loc="left", fontsize=10)  # room for it
        self._figure.tight_layout()

    def __repr__(self) -> str:
        return f"GuardrailExplorer({self.policy.identity})"
