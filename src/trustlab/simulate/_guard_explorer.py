"""Widgets over a policy's guardrails: tighten a rate limit, pull the kill switch, vary the reviewers."""

from __future__ import annotations

from html import escape

import pandas as pd

from .._explore import Explorer, change_note, numbers_table
from ..engine._time import times_ns
from ..policy._spec import Policy, RateLimit
from ._edit import with_rate_limit
from ._plots import _fmt_value
from ._replay import Replay, replay

_DAY_NS = 86_400 * 10**9

__all__ = ["GuardrailExplorer"]


class GuardrailExplorer(Explorer):
    """Controls for a policy's guardrails, redrawing value, workload and what each guardrail did.

    One slider per rate limit (its ``max``), the kill switch, and the
    simulated reviewers' accuracy; each change replays the whole history
    (debounced) and reports it against the policy as written.

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
        import ipywidgets as w

        self.policy, self.data, self.seed = policy, data, seed
        self.reference = replay(policy, data, seed=seed)
        self.replay = self.reference
        style = {"description_width": "initial"}
        layout = w.Layout(width="48%")
        controls = {}
        ks = policy.kill_switch
        controls["kill_switch"] = w.Checkbox(
            value=bool(ks is not None and ks.engaged), disabled=ks is None,
            description="Kill switch engaged" if ks is not None else "No kill switch defined",
            style=style, layout=layout)
        rev = policy.outcomes.reviewer if policy.outcomes is not None else None
        acc = rev.accuracy if rev is not None and rev.accuracy is not None else 0.85
        controls["reviewer_accuracy"] = w.FloatSlider(
            value=acc, min=0.5, max=1.0, step=0.01, readout_format=".2f",
            description="Simulated reviewers right", style=style, layout=layout)
        self._limits = [g for g in policy.guardrails if isinstance(g, RateLimit)]
        for g in self._limits:
            controls[g.id] = w.IntSlider(value=g.max, min=0, max=max(3 * g.max, 10),
                                         description=f"{g.id}: at most this many '{g.action}' "
                                                     f"per {g.per.text}",
                                         style=style, layout=layout)
        names = list(controls)
        rows = [names[i:i + 2] for i in range(0, len(names), 2)]
        self._build(f"<b>Guardrails of {escape(policy.identity)}</b> on {len(data):,} past "
                    "decisions — change a control", controls, rows, figsize=(14, 3.6))

    def _replay_for(self, values: dict) -> Replay:
        def make() -> Replay:
            edited = self.policy
            for g in self._limits:
                if values[g.id] != g.max:
                    edited = with_rate_limit(edited, g.id, int(values[g.id]))
            if self.policy.kill_switch is not None and \
                    values["kill_switch"] != self.policy.kill_switch.engaged:
                edited = edited.with_kill_switch(values["kill_switch"])
            return replay(edited, self.data, seed=self.seed,
                          reviewer_accuracy=float(values["reviewer_accuracy"]))

        return self._cached(tuple(sorted(values.items())), make)

    def _render(self, values: dict) -> str:
        r = self._replay_for(values)
        self.replay = r
        ref = self.reference
        against = "the policy as written"

        def m(name: str, replayed: Replay) -> float:
            return float(replayed.metric(name))

        rows = [
            ("Total value", _fmt_value(m("value_total", r)),
             change_note(m("value_total", r), m("value_total", ref), "value", against)),
            ("Decided automatically", f"{m('automation_rate', r):.1%}",
             change_note(m("automation_rate", r), m("automation_rate", ref), "rate", against)),
            ("Bad outcomes among favourable", f"{m('bad_rate_favourable', r):.1%}",
             change_note(m("bad_rate_favourable", r), m("bad_rate_favourable", ref), "rate",
                         against)),
        ]
        reviews = int((~r.decisions["automated"].to_numpy(dtype=bool)).sum())
        ref_reviews = int((~ref.decisions["automated"].to_numpy(dtype=bool)).sum())
        rows.append(("Sent to a person", f"{reviews:,}",
                     change_note(reviews, ref_reviews, "count", against)))
        changed = r.records["guardrail"].astype(object).value_counts()
        was = ref.records["guardrail"].astype(object).value_counts()
        for g in [*(g.id for g in self.policy.guardrails), "kill_switch"]:
            if g == "kill_switch" and self.policy.kill_switch is None:
                continue
            now, then = int(changed.get(g, 0)), int(was.get(g, 0))
            rows.append((f"Decisions changed by {g.replace('_', ' ')}", f"{now:,}",
                         change_note(now, then, "count", against)))
        self._draw(r)
        return numbers_table(rows)

    def _draw(self, r: Replay) -> None:
        ax = self._figure.subplots()
        time = self.policy.time_column
        if time is None or time not in self.data.columns:
            ax.text(0.5, 0.5, "No time column: reviews per day cannot be drawn",
                    ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            return
        ns, _, _ = times_ns(self.data[time], self.policy.time_format)  # replay read it already
        day = pd.DatetimeIndex((ns // _DAY_NS) * _DAY_NS)
        for replayed, label, colour in ((self.reference, "policy as written", "#9e9e9e"),
                                        (r, "with these guardrails", "#1565c0")):
            human = pd.Series(~replayed.decisions["automated"].to_numpy(dtype=bool),
                              index=self.data.index)
            per_day = human.groupby(day.to_numpy()).sum()
            ax.plot(per_day.index, per_day.to_numpy(dtype=float), label=label, color=colour,
                    linewidth=1.2)
        ax.set_ylabel("reviews per day")
        ax.set_title("Reviews per day", loc="left")
        ax.legend(loc="upper left", frameon=False)
        ax.set_ylim(bottom=0)

    def __repr__(self) -> str:
        return f"GuardrailExplorer({self.policy.identity})"
