"""What-if scenarios on the same history, each compared with the baseline replay.

A scenario is a small frozen dataclass that says what changes — the model
goes down, the kill switch is engaged, a guardrail is removed or tightened,
reviewers get better or worse — and :func:`compare_scenarios` replays the
policy as written and under every scenario over the same rows, with the same
seed, so every difference comes from the scenario alone::

    compare_scenarios(policy, history, [Outage("2025-03-03", "2025-03-10"),
                                        KillSwitch(),
                                        RemoveGuardrail("decline-rate-limit")])

Each scenario has ``.describe(policy=None)`` (in plain words) and
``.apply(policy, data) -> (policy, data, replay_kwargs)``. A scenario never
adds or drops a row: the comparison checks that every replay decided exactly
the input rows, with the same index, and raises if not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

import numpy as np
import pandas as pd

from .._errors import DataError, PolicyError, Problem
from .._codes import codes_in
from .._plotting import Display, axes_for
from .._result import Result, records
from .._format import axis_label, change_kind, format_number, tick_formatter
from .._time import time_ns, times_ns
from .._validate import (SEED, Boolean, Integral, Interval, Options, Real, SequenceOf, Text,
                         check_params, validate_params)
from ..metrics import (SummaryFrame, currency_of, format_metric, kind_of, shared_codes,
                       summary_frame)
from ..policy import Policy, RateLimit
from ._edit import with_rate_limit, without_guardrail
from ._plots import window_words
from ._replay import Replay, replay

__all__ = ["Outage", "KillSwitch", "RemoveGuardrail", "TightenRateLimit",
           "ReviewerAccuracy", "ScenarioComparison", "ScenarioDisplay", "compare_scenarios",
           "HEADLINE_METRICS"]

HEADLINE_METRICS = ("automation_rate", "favourable_rate", "bad_rate_favourable", "value_total",
                    "value_per_decision", "peak_reviews_per_window", "guardrail_interventions",
                    "fallback_rate")
"""The metrics :func:`compare_scenarios` reports for every scenario, in order."""

COMPARISON_COLUMNS = ("scenario", "description", "rows", "actions_changed", "metric", "baseline",
                      "value", "change", "reason")
"""Columns of :attr:`ScenarioComparison.frame`."""


_OUTAGE_ARGS = {
    "share": [Interval(Real, 0, 1, closed="right", name="a share in (0, 1]", hint="e.g. 0.1"),
              Options((None,), name="None for every row in the period")],
    "seed": [SEED],
    "signals": [Text(name="a signal name"), SequenceOf(Text(), name="a non-empty list of them"),
                Options((None,), name="None for all")]}


def _when(value: object, source: str, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        ts = None
    if ts is None or ts is pd.NaT:
        raise DataError(source, [Problem(name, f"{value!r} is not a date or time; give e.g. "
                                               f"'2025-03-03' or '2025-03-03 09:00', or None")])
    return ts


class _Scenario:
    """What every scenario offers: a short ``name``, ``describe`` and ``apply``."""

    name: str

    def describe(self, policy: Policy | None = None) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def apply(self, policy: Policy, data: pd.DataFrame) -> tuple[Policy, pd.DataFrame, dict]:
        raise NotImplementedError  # pragma: no cover - abstract


# ----------------------------------------------------------------- scenarios

@dataclass(frozen=True)
class Outage(_Scenario):
    """The model's scores are missing for a period and/or a random share of decisions.

    Every affected row gets a missing value in each signal named, so the
    policy's missing-signal rule (for example ``p_default is missing → review``)
    decides it.

    Parameters
    ----------
    start, end : str or Timestamp, optional
        The outage covers decision times in ``[start, end)`` of the policy's
        time column (``columns.time``); either may be left open. Times without
        a time zone are read as UTC, like the time column.
    share : float, optional
        Only a random share (in (0, 1]) of the rows in the period lose their
        score, drawn with ``seed``.
    signals : str or sequence of str, optional
        The signals that go missing (default: all of the policy's signals).
    seed : int, default 0

    Examples
    --------
    >>> import trustlab
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> Outage("2025-03-03", "2025-03-10").describe(p)
    'The model score p_default is missing for decisions from 2025-03-03 00:00 to 2025-03-10 00:00 (end excluded).'
    >>> Outage(share=0.1).describe()
    'Every model score is missing for a random 10% of decisions.'
    """

    start: object = None
    end: object = None
    share: float | None = None
    signals: tuple[str, ...] | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        check_params("Outage", _OUTAGE_ARGS, {"share": self.share, "seed": self.seed,
                                              "signals": self.signals})
        problems: list[Problem] = []
        start = end = None
        try:
            start = _when(self.start, "Outage", "start")
        except DataError as e:
            problems += e.problems
        try:
            end = _when(self.end, "Outage", "end")
        except DataError as e:
            problems += e.problems
        if start is not None and end is not None and (start.tzinfo is None) != (end.tzinfo is None):
            problems.append(Problem("end", "has a time zone and start does not (or the other "
                                           "way round); give both with or both without one"))
        elif start is not None and end is not None and end <= start:
            problems.append(Problem("end", f"{self.end!r} is not after start {self.start!r}; "
                                           f"the outage covers [start, end)"))
        if isinstance(self.signals, str):
            object.__setattr__(self, "signals", (self.signals,))
        elif self.signals is not None:
            object.__setattr__(self, "signals", tuple(self.signals))
        if problems:
            raise DataError("Outage", problems)

    @property
    def name(self) -> str:
        """``"model outage"``, with the period and share when given."""
        def short(value) -> str:
            ts = pd.Timestamp(value)
            return f"{ts:%Y-%m-%d}" if ts == ts.normalize() else f"{ts:%Y-%m-%d %H:%M}"

        parts = ["model outage"]
        if self.start is not None:
            parts.append(f"from {short(self.start)}")
        if self.end is not None:
            parts.append(f"to {short(self.end)}")
        if self.share is not None:
            parts.append(f"{format_number(self.share, 'share', trim=True)} of rows")
        return " ".join(parts)

    def _signals(self, policy: Policy) -> tuple[str, ...]:
        names = tuple(s.name for s in policy.signals)
        if self.signals is None:
            return names
        unknown = [s for s in self.signals if s not in names]
        if unknown:
            raise DataError("Outage", [Problem(
                "signals", f"names {', '.join(map(repr, unknown))}, not signals of policy "
                           f"'{policy.name}'; its signals: {', '.join(names) or 'none'}")])
        return self.signals

    def describe(self, policy: Policy | None = None) -> str:
        """The outage in words."""
        sigs = self.signals if self.signals is not None else (
            tuple(s.name for s in policy.signals) if policy is not None else None)
        if sigs is None:
            who = "Every model score is"
        elif len(sigs) == 1:
            who = f"The model score {sigs[0]} is"
        else:
            who = f"The model scores {', '.join(sigs[:-1])} and {sigs[-1]} are"
        fmt = "%Y-%m-%d %H:%M"
        if self.start is not None and self.end is not None:
            when = (f" from {pd.Timestamp(self.start):{fmt}} to {pd.Timestamp(self.end):{fmt}} "
                    f"(end excluded)")
        elif self.start is not None:
            when = f" from {pd.Timestamp(self.start):{fmt}} on"
        elif self.end is not None:
            when = f" before {pd.Timestamp(self.end):{fmt}}"
        else:
            when = ""
        rows = f"a random {format_number(self.share, 'share', trim=True)} of decisions" \
            if self.share is not None else \
            "decisions" if when else "every decision"
        return f"{who} missing for {rows}{when}."

    def rows(self, policy: Policy, data: pd.DataFrame) -> np.ndarray:
        """Boolean mask of the rows of ``data`` that lose their score."""
        mask = np.ones(len(data), dtype=bool)
        if self.start is not None or self.end is not None:
            col = policy.time_column
            if col is None:
                raise DataError("Outage", [Problem(
                    "start", f"policy '{policy.name}' names no time column (`columns.time`), so "
                             f"an outage cannot be placed in time; leave start and end as None "
                             f"and use share")])
            if col not in data.columns:
                raise DataError("Outage", [Problem(
                    "data", f"lacks the policy's time column '{col}'; columns: "
                            f"{', '.join(map(str, data.columns))}")])
            ns, why, _ = times_ns(data[col], policy.time_format)
            if ns is None:
                raise DataError("Outage", [Problem(f"column '{col}'", why or "not times")])
            if self.start is not None:
                mask &= ns >= time_ns(self.start)
            if self.end is not None:
                mask &= ns < time_ns(self.end)
        if self.share is not None:
            mask &= np.random.default_rng(self.seed).random(len(data)) < self.share
        return mask

    def apply(self, policy: Policy, data: pd.DataFrame) -> tuple[Policy, pd.DataFrame, dict]:
        """``data`` with the signals blanked on the outage rows; the policy unchanged."""
        sigs = self._signals(policy)
        absent = [s for s in sigs if s not in data.columns]
        if absent:
            raise DataError("Outage", [Problem(
                "data", f"lacks the signal columns {', '.join(absent)}; columns: "
                        f"{', '.join(map(str, data.columns))}")])
        mask = self.rows(policy, data)
        out = data.assign(**{s: data[s].mask(mask) for s in sigs})
        return policy, out, {}


@dataclass(frozen=True)
class KillSwitch(_Scenario):
    """The policy's kill switch is engaged: every automated action becomes its ``then``.

    Uses :meth:`Policy.with_kill_switch`; the policy must declare a kill switch.

    Examples
    --------
    >>> import trustlab
    >>> KillSwitch().describe(trustlab.load_policy("policies/consumer-credit.yaml"))
    "The kill switch is engaged: every automated decision becomes 'review'."
    """

    @property
    def name(self) -> str:
        """``"kill switch"``."""
        return "kill switch"

    def describe(self, policy: Policy | None = None) -> str:
        """The scenario in words."""
        then = policy.kill_switch.then if policy is not None and policy.kill_switch else None
        return ("The kill switch is engaged: every automated decision becomes "
                + (f"'{then}'." if then else "its fallback action."))

    def apply(self, policy: Policy, data: pd.DataFrame) -> tuple[Policy, pd.DataFrame, dict]:
        """The policy with its kill switch engaged."""
        if policy.kill_switch is None:
            raise PolicyError(f"Policy '{policy.name}'", [Problem(
                "kill_switch", "is not declared, so the KillSwitch scenario has nothing to "
                               "engage; add a `kill_switch:` section with `then` and `because`")])
        return policy.with_kill_switch(True), data, {}


def _guardrail(policy: Policy, gid: str):
    return next((g for g in policy.guardrails if g.id == gid), None)


def _limit_words(g: RateLimit) -> str:
    per = g.per.words if g.per.count == 1 else g.per.text
    return f"at most {g.max:,} '{g.action}' per {per}"


@dataclass(frozen=True)
class RemoveGuardrail(_Scenario):
    """The guardrail ``id`` is removed (see :func:`trustlab.simulate._edit.without_guardrail`).

    Examples
    --------
    >>> import trustlab
    >>> RemoveGuardrail("decline-rate-limit").describe(
    ...     trustlab.load_policy("policies/consumer-credit.yaml"))
    "The guardrail 'decline-rate-limit' (at most 40 'decline' per day) is removed."
    """

    id: str

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise DataError("RemoveGuardrail", [Problem(
                "id", f"must be the id of one of the policy's guardrails; got {self.id!r}")])

    @property
    def name(self) -> str:
        """``"without <id>"``."""
        return f"without {self.id}"

    def describe(self, policy: Policy | None = None) -> str:
        """The scenario in words."""
        g = _guardrail(policy, self.id) if policy is not None else None
        what = f" ({_limit_words(g)})" if isinstance(g, RateLimit) else ""
        return f"The guardrail '{self.id}'{what} is removed."

    def apply(self, policy: Policy, data: pd.DataFrame) -> tuple[Policy, pd.DataFrame, dict]:
        """The policy without the guardrail."""
        return without_guardrail(policy, self.id), data, {}


@dataclass(frozen=True)
class TightenRateLimit(_Scenario):
    """The rate limit ``id`` lets only ``max`` of its action through per window.

    Uses :func:`trustlab.simulate._edit.with_rate_limit`; a ``max`` above the
    current one loosens the limit instead.

    Examples
    --------
    >>> import trustlab
    >>> TightenRateLimit("decline-rate-limit", 5).describe(
    ...     trustlab.load_policy("policies/consumer-credit.yaml"))
    "The rate limit 'decline-rate-limit' lets at most 5 'decline' per day through (instead of 40)."
    """

    id: str
    max: int

    def __post_init__(self) -> None:
        check_params("TightenRateLimit", {
            "id": [Text(name="the id of one of the policy's rate limits")],
            "max": [Interval(Integral, 0, None)]}, {"id": self.id, "max": self.max})

    @property
    def name(self) -> str:
        """``"<id> max <max>"``."""
        return f"{self.id} max {self.max}"

    def describe(self, policy: Policy | None = None) -> str:
        """The scenario in words."""
        g = _guardrail(policy, self.id) if policy is not None else None
        if isinstance(g, RateLimit):
            words = _limit_words(RateLimit(g.id, g.action, int(self.max), g.per, g.overflow))
            return (f"The rate limit '{self.id}' lets {words} through "
                    f"(instead of {g.max:,}).")
        return f"The rate limit '{self.id}' lets at most {self.max:,} through per window."

    def apply(self, policy: Policy, data: pd.DataFrame) -> tuple[Policy, pd.DataFrame, dict]:
        """The policy with the new limit."""
        return with_rate_limit(policy, self.id, int(self.max)), data, {}


@dataclass(frozen=True)
class ReviewerAccuracy(_Scenario):
    """Simulated reviewers decide right with probability ``accuracy``.

    Passed to :func:`~trustlab.simulate.replay` as ``reviewer_accuracy``. The
    simulated reviewer only decides cases with no recorded human decision
    (``outcomes.reviewer.decision``); with ``replace_recorded=True`` the
    recorded decisions are ignored, so every review is simulated (and the
    ``alignment`` metric, which needs them, becomes unavailable).

    Parameters
    ----------
    accuracy : float
        In [0, 1].
    replace_recorded : bool, default False

    Examples
    --------
    >>> ReviewerAccuracy(0.5).describe()
    'Reviewers decide right 50% of the time where no human decision is recorded.'
    """

    accuracy: float
    replace_recorded: bool = False

    def __post_init__(self) -> None:
        check_params("ReviewerAccuracy", {
            "accuracy": [Interval(Real, 0, 1, name="a probability in [0, 1]", hint="e.g. 0.85")],
            "replace_recorded": [Boolean()]},
            {"accuracy": self.accuracy, "replace_recorded": self.replace_recorded})

    @property
    def name(self) -> str:
        """``"reviewer accuracy 50%"``."""
        return f"reviewer accuracy {format_number(self.accuracy, 'share', trim=True)}" + (
            " (all simulated)"
                                                           if self.replace_recorded else "")

    def describe(self, policy: Policy | None = None) -> str:
        """The scenario in words."""
        where = ("for every review (recorded human decisions ignored)" if self.replace_recorded
                 else "where no human decision is recorded")
        return (f"Reviewers decide right {format_number(self.accuracy, 'share', trim=True)} of "
                f"the time {where}.")

    def apply(self, policy: Policy, data: pd.DataFrame) -> tuple[Policy, pd.DataFrame, dict]:
        """The replay keyword ``reviewer_accuracy`` (and the data without recorded decisions)."""
        rev = policy.outcomes.reviewer if policy.outcomes is not None else None
        if self.replace_recorded and rev is not None and rev.decision in data.columns:
            col = data[rev.decision]
            data = data.assign(**{rev.decision: col.where(np.zeros(len(col), dtype=bool))})
        return policy, data, {"reviewer_accuracy": float(self.accuracy)}


_KINDS = (Outage, KillSwitch, RemoveGuardrail, TightenRateLimit, ReviewerAccuracy)


# ----------------------------------------------------------------- comparison

class ScenarioDisplay(Display):
    """A scenario comparison drawn: change in total value and in reviews; draws again.

    Attributes
    ----------
    data : pandas.DataFrame
        The comparison's frame (one row per scenario and headline metric).
    source : ScenarioComparison
    value_ax_, reviews_ax_ : matplotlib Axes
        Change in total value (also ``ax_``); change in the number of reviews.
    figure_ : matplotlib Figure
    """

    value_ax_ = reviews_ax_ = None

    def __init__(self, comparison: ScenarioComparison):
        self.source = comparison
        self.data = comparison.frame

    def _draw(self, ax):
        self.value_ax_, self.reviews_ax_ = _draw_scenarios(self.source, ax)
        return self.value_ax_, self.reviews_ax_



@dataclass(frozen=True, eq=False)
class ScenarioComparison(Result):
    """The baseline replay and every scenario's replay of the same history.

    Attributes
    ----------
    frame : pandas.DataFrame
        Tidy, one row per scenario and headline metric: ``scenario``,
        ``description``, ``rows``, ``actions_changed`` (rows whose action
        differs from the baseline), ``metric``, ``baseline``, ``value``,
        ``change`` (value − baseline) and ``reason`` (why a value is missing).
    baseline : Replay
        The policy as written.
    replays : dict of str to Replay
        Each scenario's replay, by scenario name.
    scenarios : dict of str to scenario
    crosstabs : dict of str to pandas.DataFrame
        Per scenario, the number of rows by baseline action (rows) and
        scenario action (columns); see :meth:`changes`.
    """

    frame: pd.DataFrame
    baseline: Replay
    replays: dict
    scenarios: dict
    crosstabs: dict = field(repr=False)

    @property
    def names(self) -> list[str]:
        """The scenario names, in order."""
        return list(self.replays)

    def _name(self, name: str, method: str) -> str:
        if name not in self.replays:
            raise DataError(f"ScenarioComparison.{method}", [Problem(
                "name", f"no scenario {name!r}; scenarios: {', '.join(map(repr, self.replays))}")])
        return name

    def changes(self, name: str) -> pd.DataFrame:
        """Rows by baseline action × scenario action for scenario ``name`` (counts).

        The diagonal holds the rows whose action did not change.
        """
        return self.crosstabs[self._name(name, "changes")].copy()

    def changed_rows(self, name: str) -> pd.DataFrame:
        """The rows whose action changed under ``name``: both actions, rules and values."""
        self._name(name, "changed_rows")
        b, s = self.baseline.decisions, self.replays[name].decisions
        (was, now), _ = shared_codes([b["action"], s["action"]])
        moved = was != now
        return pd.DataFrame({
            "baseline_action": b["action"].to_numpy()[moved],
            "baseline_rule": b["rule"].to_numpy()[moved],
            "action": s["action"].to_numpy()[moved], "rule": s["rule"].to_numpy()[moved],
            "guardrail": s["guardrail"].to_numpy()[moved],
            "value_change": (s["value"] - b["value"]).to_numpy()[moved],
        }, index=b.index[moved])

    def summary(self) -> SummaryFrame:
        """One row per scenario: description, rows changed and the change in each headline metric.

        The changes stay numbers; they print as differences of their metric's
        kind (a share's change in points, money's with a sign).
        """
        f = self.frame
        wide = f.pivot(index="scenario", columns="metric", values="change")
        wide = wide.loc[self.names, list(HEADLINE_METRICS)]
        wide.columns = [f"change.{c}" for c in wide.columns]
        first = f.drop_duplicates("scenario").set_index("scenario").loc[
            self.names, ["description", "actions_changed"]]
        kinds = {f"change.{m}": change_kind(kind_of(m)) for m in HEADLINE_METRICS}
        return summary_frame(first.join(wide), kinds=kinds,
                             currency=currency_of(self.baseline.policy))

    def plot(self, ax=None) -> ScenarioDisplay:
        """Bar charts of each scenario's change in total value and in the number of reviews.

        Parameters
        ----------
        ax : pair of matplotlib Axes, optional
            Value on the first, reviews on the second; by default a new figure.
        """
        return ScenarioDisplay(self).plot(ax=ax)

    def to_dict(self) -> dict:
        """The comparison as JSON holds it: each scenario in words, the summary and the frame."""
        policy = self.baseline.policy
        return {"result": "ScenarioComparison", "policy": f"{policy.name}@{policy.version}",
                "scenarios": {n: self.scenarios[n].describe(policy) for n in self.names},
                "summary": records(self.summary()), "frame": records(self.frame)}

    def _repr_html_(self) -> str:
        f = self.frame.set_index(["scenario", "metric"])
        shown = ("value_total", "automation_rate", "peak_reviews_per_window", "fallback_rate",
                 "guardrail_interventions")

        currency = currency_of(self.baseline.policy)

        def fmt(metric: str, v: float) -> str:
            return escape(format_metric(metric, v, currency=currency, change=True))

        def fmt_base(metric: str, v: float) -> str:
            return escape(format_metric(metric, v, currency=currency))

        head = "".join(f"<th>Δ {m}</th>" for m in shown)
        base = "".join(f"<td><i>{fmt_base(m, f.loc[(self.names[0], m), 'baseline'])}</i></td>"
                       for m in shown)
        rows = "".join(
            f"<tr><th style='text-align:left'>{escape(n)}</th>"
            f"<td style='text-align:left'>"
            f"{escape(self.scenarios[n].describe(self.baseline.policy))}"
            f"</td><td>{format_metric('actions_changed', f.loc[(n, shown[0]), 'actions_changed'])}"
            f"</td>"
            + "".join(f"<td>{fmt(m, f.loc[(n, m), 'change'])}</td>" for m in shown) + "</tr>"
            for n in self.names)
        p = self.baseline.policy
        return (f"<div><b>What-if scenarios for {escape(p.name)}@{escape(p.version)}</b> on "
                f"{len(self.baseline.decisions):,} decisions<table><tr><th>scenario</th>"
                f"<th>what changes</th><th>decisions changed</th>{head}</tr>"
                f"<tr><th style='text-align:left'><i>policy as written</i></th><td></td><td></td>"
                f"{base}</tr>{rows}</table></div>")

    def __repr__(self) -> str:
        return (f"ScenarioComparison({self.baseline.policy.name}, "
                f"rows={len(self.baseline.decisions)}"
                f", scenarios={self.names})")


def _draw_scenarios(result, ax):
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    if ax is None:
        fig, (vax, rax) = plt.subplots(1, 2, figsize=(12, 1.8 + 0.5 * len(result.names)),
                                       sharey=True)
    else:
        if isinstance(ax, (list, tuple, np.ndarray)) and len(list(np.ravel(ax))) != 2:
            raise DataError("ScenarioComparison.plot", [Problem(
                "ax", f"must be two axes (value, reviews), one Axes to split, or None; got "
                      f"{len(list(np.ravel(ax)))}")])
        fig, (vax, rax) = axes_for(ax, 2, (12, 4), (1, 2))
    names = result.names
    f = result.frame.set_index(["scenario", "metric"])
    dv = np.array([f.loc[(n, "value_total"), "change"] for n in names], dtype=float)
    human = (~result.baseline.decisions["automated"].to_numpy(dtype=bool)).sum()
    dr = np.array([(~result.replays[n].decisions["automated"].to_numpy(dtype=bool)).sum() - human
                   for n in names], dtype=float)
    per = window_words(result.baseline.policy)
    peak = [f.loc[(n, "peak_reviews_per_window"), "change"] for n in names]

    currency = currency_of(result.baseline.policy)

    def signed(v: float, money: bool) -> str:
        return format_number(v, "money_change" if money else "count_change",
                             currency=currency)

    y = np.arange(len(names))
    for a, d, good_up in ((vax, dv, True), (rax, dr, False)):
        colors = ["#4c956c" if (v >= 0) == good_up else "#c8553d" for v in np.nan_to_num(d)]
        bars = a.barh(y, np.nan_to_num(d), color=colors)
        a.axvline(0, color="black", linewidth=0.8)
        a.margins(x=0.45 if a is vax else 0.7)
        labels = [signed(v, a is vax) for v in d]
        if a is rax and per is not None:
            labels = [f"{lab}\n(busiest {per} {signed(p, False)})" if np.isfinite(p) else lab
                      for lab, p in zip(labels, peak)]
        a.bar_label(bars, labels=labels, padding=3, fontsize=8)
    vax.set_yticks(y, names)
    vax.invert_yaxis()
    for a, kind in ((vax, "money_change"), (rax, "count_change")):
        a.xaxis.set_major_locator(MaxNLocator(4))
        a.xaxis.set_major_formatter(tick_formatter(kind, currency=currency))
    vax.set_title("Change in total value")
    vax.set_xlabel(axis_label("vs the policy as written", "money_change", currency=currency))
    vax.set_ylabel("Scenario")
    rax.set_title("Change in the number of reviews")
    rax.set_xlabel("vs the policy as written (reviews over the history)")
    fig.suptitle(f"What-if scenarios for {result.baseline.policy.name} on "
                 f"{len(result.baseline.decisions):,} past decisions")
    if ax is None:
        fig.tight_layout()
    return vax, rax


def _named(scenarios) -> dict[str, _Scenario]:
    source = "compare_scenarios"
    if isinstance(scenarios, _Scenario):
        scenarios = [scenarios]
    if isinstance(scenarios, Mapping):
        items = list(scenarios.items())
        keys = [k for k, _ in items]
        bad = [k for k in keys if not isinstance(k, str) or not k]
        if bad:
            raise DataError(source, [Problem("scenarios", f"names must be non-empty text; got "
                                                          f"{bad[0]!r}")])
    elif isinstance(scenarios, Sequence) and not isinstance(scenarios, str):
        items = [(getattr(s, "name", None), s) for s in scenarios]
    else:
        raise DataError(source, [Problem("scenarios", f"must be a list of scenarios or a dict "
                                                      f"{{name: scenario}}; got {scenarios!r}")])
    kinds = ", ".join(k.__name__ for k in _KINDS)
    keyed = isinstance(scenarios, Mapping)
    problems = [Problem(f"scenarios[{k!r}]" if keyed else f"scenarios[{i}]",
                        f"{s!r} is not a scenario; valid: {kinds}")
                for i, (k, s) in enumerate(items) if not isinstance(s, _Scenario)]
    if problems:
        raise DataError(source, problems)
    names = [k for k, _ in items]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DataError(source, [Problem("scenarios", f"two scenarios are both called "
                                                      f"{dup[0]!r}; pass a dict {{name: scenario}} "
                                                      f"to name them apart")])
    if not items:
        raise DataError(source, [Problem("scenarios", "is empty; give at least one scenario, "
                                                      "e.g. [KillSwitch()]")])
    return dict(items)


def _action_codes(decisions: pd.DataFrame, names: list[str]) -> np.ndarray:
    return codes_in(decisions["action"], names)


@validate_params({"seed": [SEED]})
def compare_scenarios(policy: Policy, data: pd.DataFrame, scenarios, *, seed: int = 0,
                      segments: tuple[str, ...] | None = None) -> ScenarioComparison:
    """Replay ``policy`` as written and under each scenario, and compare them.

    Parameters
    ----------
    policy : Policy
        With an ``outcomes`` section.
    data : pandas.DataFrame
        History, as for :func:`~trustlab.simulate.replay`.
    scenarios : sequence of scenarios, or dict of name to scenario
        :class:`Outage`, :class:`KillSwitch`, :class:`RemoveGuardrail`,
        :class:`TightenRateLimit`, :class:`ReviewerAccuracy`. A list names
        each by its ``name``; a dict names them yourself.
    seed : int, default 0
        Seeds the simulated reviewer, the same in every replay.
    segments : tuple of str, optional
        Segment columns of the replays (default: the policy's).

    Returns
    -------
    ScenarioComparison

    Raises
    ------
    trustlab.DataError
        For an invalid scenario list, or when a scenario's replay does not
        decide exactly the input rows with the same index (a decision lost or
        added); and whatever :func:`~trustlab.simulate.replay` raises.
    trustlab.PolicyError
        When a scenario does not fit the policy (no kill switch, no such guardrail).

    Examples
    --------
    >>> import trustlab
    >>> from trustlab.datasets import make_history
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> history = make_history(n_days=14, applications_per_day=40, seed=0)
    >>> c = compare_scenarios(p, history, [KillSwitch(), Outage("2025-01-06", "2025-01-08")])
    >>> c.summary()["actions_changed"].to_dict()
    {'kill switch': 321, 'model outage from 2025-01-06 to 2025-01-08': 48}
    >>> c.changes("kill switch")  # doctest: +NORMALIZE_WHITESPACE
    scenario action  approve  decline  review
    baseline action
    approve                0        0     306
    decline                0        0      15
    review                 0        0     230
    >>> f = c.frame.set_index(["scenario", "metric"])
    >>> row = f.loc[("model outage from 2025-01-06 to 2025-01-08", "fallback_rate")]
    >>> round(float(row["baseline"]), 3), round(float(row["value"]), 3)
    (0.0, 0.169)
    """
    named = _named(scenarios)
    base = replay(policy, data, seed=seed, segments=segments)
    names = list(policy.action_names)
    k = len(names)
    b_codes = _action_codes(base.decisions, names)
    b_summary = base.summary().set_index("metric")
    replays: dict[str, Replay] = {}
    crosstabs: dict[str, pd.DataFrame] = {}
    parts = []
    for name, sc in named.items():
        q, d, kwargs = sc.apply(policy, data)
        if q is policy and d is data and "records" not in kwargs:  # same decisions: reuse them
            kwargs = {**kwargs, "records": base.records}
        r = replay(q, d, seed=seed, segments=segments, **kwargs)
        dec = r.decisions
        if len(dec) != len(data) or not dec.index.equals(data.index):
            raise DataError("compare_scenarios", [Problem(
                f"scenarios[{name!r}]", f"its replay decided {len(dec):,} rows where the data has "
                                        f"{len(data):,} (or a different index); a scenario must "
                                        f"decide every input row exactly once")])
        s_codes = _action_codes(dec, names)
        grid = np.bincount(b_codes * k + s_codes, minlength=k * k).reshape(k, k)
        crosstabs[name] = pd.DataFrame(grid, index=pd.Index(names, name="baseline action"),
                                       columns=pd.Index(names, name="scenario action"))
        s_summary = r.summary().set_index("metric")
        sv = s_summary.loc[list(HEADLINE_METRICS)]
        bv = b_summary.loc[list(HEADLINE_METRICS), "value"].to_numpy(dtype=float)
        value = sv["value"].to_numpy(dtype=float)
        reason = np.where(np.isnan(value), sv["reason"].to_numpy(dtype=object),
                          np.where(np.isnan(bv), "policy as written: "
                                   + b_summary.loc[list(HEADLINE_METRICS), "reason"].to_numpy(
                                       dtype=object), ""))
        parts.append(pd.DataFrame({
            "scenario": name, "description": sc.describe(policy), "rows": len(dec),
            "actions_changed": int((b_codes != s_codes).sum()), "metric": list(HEADLINE_METRICS),
            "baseline": bv, "value": value, "change": value - bv, "reason": reason,
        }))
        replays[name] = r
    frame = pd.concat(parts, ignore_index=True)[list(COMPARISON_COLUMNS)]
    return ScenarioComparison(frame, base, replays, named, crosstabs)
