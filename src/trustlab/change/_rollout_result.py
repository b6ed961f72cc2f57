"""The result of a simulated rollout: its tables, its story in words, its plot.

:class:`RolloutResult` holds the four tables :func:`~trustlab.change.simulate_rollout`
makes (periods, evaluations, stages, assignment; columns in
:data:`PERIOD_COLUMNS`, :data:`EVALUATION_COLUMNS`, :data:`STAGE_COLUMNS`,
:data:`ASSIGNMENT_COLUMNS`) and the :class:`RolloutHalt`, and says what the
rollout would have done (:meth:`RolloutResult.in_words`, :meth:`~RolloutResult.plot`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import numpy as np
import pandas as pd

from .._plotting import Display
from .._result import Result, records
from .._format import axis_label, tick_formatter
from ..metrics import (SummaryFrame, currency_of, format_metric, metric, metric_words,
                       summary_frame)
from .._time import window_ids, window_starts
from ..policy import Policy
from ..simulate import Replay
from ._rollout_plan import RolloutPlan, StopCondition, _pct

__all__ = ["RolloutHalt", "RolloutDisplay", "RolloutResult", "PERIOD_COLUMNS", "STAGE_COLUMNS",
           "ASSIGNMENT_COLUMNS", "EVALUATION_COLUMNS"]

PERIOD_COLUMNS = ("period_start", "stage", "share", "decisions", "exposed", "stage_exposed",
                  "fired", "halted")
"""Columns of :attr:`RolloutResult.periods` (each stop metric's column after ``stage_exposed``)."""

STAGE_COLUMNS = ("stage", "share", "status", "started", "ended", "periods", "decisions",
                 "exposed", "valued", "challenger_value", "champion_value", "value_difference",
                 "challenger_bad", "champion_bad")
"""Columns of :attr:`RolloutResult.stages`."""

ASSIGNMENT_COLUMNS = ("key", "period_start", "u", "stage", "share", "exposed", "arm", "action",
                      "policy", "policy_version", "policy_hash")
"""Columns of :attr:`RolloutResult.assignment`."""

EVALUATION_COLUMNS = ("period_start", "stage", "condition", "metric", "over", "value", "bound",
                      "cases", "judged", "fired")
"""Columns of :attr:`RolloutResult.evaluations`."""


@dataclass(frozen=True)
class RolloutHalt:
    """Where a rollout halted.

    Attributes
    ----------
    condition : StopCondition
        The first condition (in plan order) that fired.
    stage : int
        Index of the stage in ``plan.stages``.
    share : float
        That stage's share.
    period_start : pandas.Timestamp
        The period at whose end the condition fired; from the next period on
        every case goes to the champion.
    value : float
        The metric's value then, over the stage so far.
    cases : int
        Cases in the condition's scope then.
    also : tuple of StopCondition
        Other conditions that fired at the same time.
    """

    condition: StopCondition
    stage: int
    share: float
    period_start: pd.Timestamp
    value: float
    cases: int
    also: tuple[StopCondition, ...] = ()


class RolloutDisplay(Display):
    """A rollout drawn: the share on the challenger over time (``ax_``) and each stop metric
    against its bound (``metric_axes_``, only when drawn on a new figure); holds the
    rollout and redraws on any Axes."""

    def __init__(self, result: RolloutResult):
        self.source = result
        self.data = result.periods

    def _draw(self, ax):
        ax, self.metric_axes_ = self.source._draw_on(ax)
        return ax


@dataclass(frozen=True, eq=False)
class RolloutResult(Result):
    """A staged rollout simulated on history.

    Attributes
    ----------
    plan : RolloutPlan
    champion, challenger : Policy
    periods : pandas.DataFrame
        One row per period of the history, in time order (:data:`PERIOD_COLUMNS`):
        ``period_start``, ``stage`` (index into ``plan.stages``; <NA> once
        halted), ``share`` (0 once halted), ``decisions`` (cases in the
        period), ``exposed`` (of them, on the challenger), ``stage_exposed``
        (exposed since the stage began), each stop metric's value over the
        stage so far (column :attr:`StopCondition.column`), ``fired`` (the
        conditions that fired at the period's end, else None) and ``halted``.
    evaluations : pandas.DataFrame
        One row per period of a stage and stop condition
        (:data:`EVALUATION_COLUMNS`): ``value``, ``bound``, ``cases`` in
        scope, ``judged`` (enough cases) and ``fired``.
    stages : pandas.DataFrame
        One row per stage (:data:`STAGE_COLUMNS`): ``status`` (advanced,
        halted, running at the end, not reached), ``started``/``ended``
        (period starts), ``periods``, ``decisions``, ``exposed``, and the
        exposure: ``valued`` (exposed cases valued under both policies),
        ``challenger_value`` and ``champion_value`` on those cases, their
        ``value_difference`` (challenger − champion), and ``challenger_bad``
        / ``champion_bad``: bad outcomes among each one's favourable
        decisions on the exposed cases.
    assignment : pandas.DataFrame
        One row per case, same index and order as the data
        (:data:`ASSIGNMENT_COLUMNS`): the ``key``, its ``period_start``,
        ``u``, ``stage`` (<NA> once halted), ``share``, ``exposed``, ``arm``
        (challenger or champion), and the deciding policy's ``action``,
        ``policy``, ``policy_version`` and ``policy_hash``.
    halt : RolloutHalt or None
    champion_replay, challenger_replay : Replay
    """

    plan: RolloutPlan
    champion: Policy
    challenger: Policy
    periods: pd.DataFrame
    evaluations: pd.DataFrame
    stages: pd.DataFrame
    assignment: pd.DataFrame
    halt: RolloutHalt | None
    champion_replay: Replay = field(repr=False)
    challenger_replay: Replay = field(repr=False)

    @property
    def frame(self) -> pd.DataFrame:
        """:attr:`periods`, the result's tidy frame."""
        return self.periods

    @property
    def halted(self) -> bool:
        """True when a stop condition halted the rollout."""
        return self.halt is not None

    @property
    def final_stage(self) -> int:
        """Index of the last stage the rollout reached."""
        return int(self.periods["stage"].max())

    @property
    def completed(self) -> bool:
        """True when the rollout reached its last stage and was not halted."""
        return not self.halted and self.final_stage == len(self.plan.stages) - 1

    @property
    def exposure(self) -> pd.Series:
        """The exposure over every stage: the sums of :attr:`stages`' exposure columns."""
        cols = ["exposed", "valued", "challenger_value", "champion_value", "value_difference",
                "challenger_bad", "champion_bad"]
        return self.stages[cols].sum().rename("exposure")

    @property
    def exposure_cost(self) -> float:
        """What exposing cases to the challenger cost: champion − challenger value on them.

        Negative when the challenger did better. Over the exposed cases valued
        under both policies.
        """
        return float(-self.exposure["value_difference"])

    def _when(self, ts) -> str:
        daily = self.plan.period_window.unit in ("D", "W", "M", "Q")
        return f"{ts:%Y-%m-%d}" if daily else f"{ts:%Y-%m-%d %H:%M}"

    def _period_end(self, start) -> pd.Timestamp:
        """The end of the period starting at ``start``: the next one's start (months vary)."""
        w = self.plan.period_window
        at = np.array([pd.Timestamp(start).as_unit("ns").value], dtype=np.int64)
        return window_starts(window_ids(at, w) + 1, w)[0]

    def _stage_words(self, k: int) -> str:
        return f"stage {k + 1} of {len(self.plan.stages)} ({_pct(self.plan.stages[k].share)})"

    def summary(self) -> SummaryFrame:
        """One row per stage (:attr:`stages`), each number printed by its kind.

        :meth:`in_words` says what the rollout would have done in sentences.
        """
        return summary_frame(self.stages.set_index("stage"), currency=self._currency)

    @property
    def _currency(self) -> str | None:
        return currency_of(self.champion)

    def __str__(self) -> str:
        return self.in_words()

    def in_words(self) -> str:
        """What the rollout would have done, in plain sentences."""
        p, n = self.periods, len(self.assignment)
        cur = self._currency
        period_end = self._period_end(p["period_start"].iloc[-1])
        lines = [f"Rollout of {self.challenger.identity} (challenger) in place of "
                 f"{self.champion.identity} (champion), {self.plan.describe()}; simulated on "
                 f"{format_metric('cases', n)} cases from {self._when(p['period_start'].iloc[0])} to "
                 f"{self._when(period_end)} ({len(p)} periods)."]
        st = self.stages
        for r in st[st["status"] == "advanced"].itertuples():
            lines.append(f"{self._stage_words(r.stage).capitalize()} began "
                         f"{self._when(r.started)} and advanced after {r.periods} period"
                         f"{'s' if r.periods != 1 else ''} and "
                         f"{format_metric('exposed', r.exposed)} exposed cases.")
        if self.halt is not None:
            h, c = self.halt, self.halt.condition
            also = (f" ({'; '.join(a.describe() for a in h.also)} too)" if h.also else "")
            side = "above" if c.at_most is not None else "below"
            lines.append(f"HALTED at the end of the period starting {self._when(h.period_start)}, "
                         f"at {self._stage_words(h.stage)}: {metric_words(c.metric).lower()} "
                         f"({c.metric}) was {format_metric(c.metric, h.value, currency=cur)} "
                         f"over {format_metric('cases', h.cases)} "
                         f"{'exposed ' if c.over == 'exposed' else ''}cases since the stage "
                         f"began, {side} the stop line of "
                         f"{format_metric(c.metric, c.bound, currency=cur)}"
                         f"{also}. From the next period on every case went to the champion.")
        elif self.completed:
            last = st.iloc[-1]
            lines.append(f"Reached {self._stage_words(int(last['stage']))} on "
                         f"{self._when(last['started'])}; no stop condition fired.")
        else:
            lines.append(f"Still at {self._stage_words(self.final_stage)} when the history "
                         f"ends; no stop condition fired.")
        e = self.exposure
        diff, n_exp, n_val = float(e["value_difference"]), int(e["exposed"]), int(e["valued"])
        if diff < 0:
            value = (f"it made {format_metric('value_total', -diff, currency=cur)} less than "
                     f"the champion would have on the same cases (exposure cost "
                     f"{format_metric('exposure_cost', self.exposure_cost, currency=cur)})")
        else:
            value = (f"it made {format_metric('value_total', diff, currency=cur)} more than "
                     f"the champion would have on the same cases (no exposure cost)")
        unvalued = (f" The other {format_metric('cases', n_exp - n_val)} have no observed "
                    f"outcome (or no reviewer "
                    f"decision) and are not valued (trustlab.simulate.swap_analysis shows what "
                    f"missing outcomes may hide)."
                    if n_exp > n_val else "")
        lines.append(
            f"Exposure: {format_metric('exposed', n_exp)} cases went to the challenger. On the "
            f"{format_metric('valued', n_val)} valued under both policies {value}; bad outcomes "
            f"among its favourable decisions: {format_metric('challenger_bad', e['challenger_bad'])}"
            f", against {format_metric('champion_bad', e['champion_bad'])} under the champion "
            f"on the same cases.{unvalued}")
        return "\n".join(lines)

    def plot(self, ax=None) -> RolloutDisplay:
        """The share on the challenger over time, the halt marked; each stop metric against its bound.

        With ``ax`` only the share is drawn, on it; otherwise one panel more
        per stop metric, sharing the time axis. The display redraws on another
        Axes (``d.plot(ax=other)``).
        """
        return RolloutDisplay(self).plot(ax=ax)

    def to_dict(self) -> dict:
        """The rollout as plain JSON-safe values: the plan, how it ended, periods and stages."""
        return {"champion": self.champion.identity, "challenger": self.challenger.identity,
                "plan": self.plan.to_dict(), "halted": bool(self.halted),
                "completed": bool(self.completed), "periods": records(self.periods),
                "stages": records(self.stages)}

    def _draw_on(self, ax):
        """Draw on ``ax`` (None: a new figure with a panel per stop metric); (ax, metric axes)."""
        import matplotlib.pyplot as plt

        cols = list(dict.fromkeys(c.column for c in self.plan.stop))
        if ax is None:
            fig, axes = plt.subplots(1 + len(cols), 1, sharex=True, squeeze=False,
                                     figsize=(10, 3.2 + 2.4 * len(cols)))
            ax, metric_axes = axes[0, 0], tuple(axes[1:, 0])
        else:
            fig, metric_axes = ax.figure, ()
        p = self.periods
        last_end = self._period_end(p["period_start"].iloc[-1])
        x = pd.concat([p["period_start"], pd.Series([last_end])], ignore_index=True)
        share = np.append(p["share"].to_numpy(dtype=float), p["share"].iloc[-1])
        ax.step(x, share, where="post", color="#4c72b0", linewidth=2,
                label="Cases on the challenger")
        for r in self.stages[self.stages["status"] != "not reached"].itertuples():
            ax.annotate(_pct(r.share), (r.started, r.share), textcoords="offset points",
                        xytext=(3, 4), fontsize=8, color="#4c72b0")
        if self.halt is not None:
            at = self._period_end(self.halt.period_start)
            for a in (ax, *metric_axes):
                a.axvline(at, color="#d1495b", linestyle="--", linewidth=1.2)
            ax.annotate(f"halted: {self.halt.condition.describe()}",
                        (at, 0.5), textcoords="offset points", xytext=(4, 0), fontsize=8,
                        color="#d1495b")
        ax.set_ylim(0, 1.08)
        ax.yaxis.set_major_formatter(tick_formatter("share"))
        ax.set_ylabel(axis_label("Cases on the challenger", "share"))
        outcome = ("halted" if self.halted else "reached the last stage" if self.completed
                   else "still rolling out at the end")
        ax.set_title(f"Rollout of {self.challenger.name}@{self.challenger.version}: {outcome}",
                     loc="left", fontsize=10)
        for col, mx in zip(cols, metric_axes):
            self._plot_stop_metric(mx, col, x)
        (metric_axes[-1] if metric_axes else ax).set_xlabel(
            f"Start of the {self.plan.period_window.words}")
        fig.autofmt_xdate()
        if len(metric_axes):
            fig.tight_layout()
        return ax, metric_axes

    def _plot_stop_metric(self, mx, col: str, x: pd.Series) -> None:
        """One stop metric's panel: its value over the stage so far against its bounds."""
        p = self.periods
        conds = [c for c in self.plan.stop if c.column == col]
        v = p[col].to_numpy(dtype=float)
        ev = self.evaluations[self.evaluations["condition"] == conds[0].describe()]
        judged = np.zeros(len(p), dtype=bool)
        judged[p["period_start"].isin(ev.loc[ev["judged"], "period_start"]).to_numpy()] = True
        if (~judged & ~np.isnan(v)).any():
            mx.step(x, np.append(v, v[-1]), where="post", color="#bbbbbb", linewidth=1,
                    label=f"Too few cases to judge (under "
                          f"{format_metric('cases', conds[0].min_decisions)})")
        vj = np.where(judged, v, np.nan)
        mx.step(x, np.append(vj, vj[-1]), where="post", color="#333333", linewidth=1.5,
                label="Over the stage so far")
        cur = self._currency
        for c in conds:
            mx.axhline(c.bound, color="#d1495b", linestyle=":",
                       label=f"Stop {'above' if c.at_most is not None else 'below'} "
                             f"{format_metric(c.metric, c.bound, currency=cur)}")
        kind = metric(conds[0].metric).kind
        mx.yaxis.set_major_formatter(tick_formatter(kind, currency=cur))
        mx.set_ylabel(axis_label(metric_words(conds[0].metric), kind, currency=cur), fontsize=8)
        mx.set_title(f"{col} ({'challenger' if conds[0].over == 'exposed' else 'all'} "
                     f"cases, cumulative within each stage)", loc="left", fontsize=9)
        mx.legend(loc="best", fontsize=7)

    def _repr_html_(self) -> str:
        st = self.stages
        cur = self._currency

        def f(name: str, v) -> str:
            return escape(format_metric(name, v, currency=cur))

        rows = "".join(
            f"<tr><td>{r.stage + 1}</td><td>{_pct(r.share)}</td><td>{escape(r.status)}</td>"
            f"<td>{'' if pd.isna(r.started) else self._when(r.started)}</td>"
            f"<td>{f('exposed', r.exposed)}</td>"
            f"<td>{f('value_difference', r.value_difference)}</td>"
            f"<td>{f('challenger_bad', r.challenger_bad)} / {f('champion_bad', r.champion_bad)}"
            f"</td></tr>" for r in st.itertuples())
        lines = "".join(f"<p>{escape(s)}</p>" for s in self.in_words().splitlines())
        return (f"<div><b>Rollout of {escape(self.challenger.identity)}</b>{lines}"
                f"<table><tr><th>stage</th><th>share</th><th>status</th><th>started</th>"
                f"<th>exposed</th><th>value vs champion</th><th>bad: challenger / champion</th>"
                f"</tr>{rows}</table></div>")

    def __repr__(self) -> str:
        state = "halted" if self.halted else "completed" if self.completed else "running"
        return (f"RolloutResult({self.challenger.name}@{self.challenger.version} over "
                f"{self.champion.name}@{self.champion.version}, {state}, "
                f"stage={self.final_stage}, exposed={int(self.exposure['exposed'])})")

