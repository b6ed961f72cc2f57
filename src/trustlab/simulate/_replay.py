"""Replay a policy over history: every decision valued, every metric, every check."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from html import escape

import numpy as np
import pandas as pd

from .._backends import answer_in_parts, in_memory, refuse_in_memory_options
from .._codes import code_columns
from .._errors import DataError, Problem
from .._format import status_html
from .._result import Result, records
from .._time import times_ns, window_ids, window_starts
from .._validate import SEED, Boolean, Integral, Interval, Real, SequenceOf, Text, validate_params
from ..metrics import SummaryFrame, currency_of, format_metric, summary_frame
from ..policy import Policy
from ..metrics import evaluate_checks, metric_table, shared_codes
from ._value import NO_REVIEWER, _values_from, observed_outcome, reviewer_decisions

__all__ = ["Checked", "Replay", "replay", "DECISION_COLUMNS"]

DECISION_COLUMNS = ("action", "rule", "guardrail", "automated", "favourable", "right_if_bad",
                    "signal_missing", "labelled", "bad", "reviewer_action", "reviewer_recorded", "recorded_action",
                    "value", "escalated")
"""Columns of :attr:`Replay.decisions` (then ``window`` and the segment columns)."""


class Checked:
    """The verdict of a result that holds the policy's ``checks`` frame."""

    checks: pd.DataFrame

    @property
    def passed(self) -> bool:
        """True when every check holds (and vacuously when there are none)."""
        return bool(self.checks["passed"].all())

    @property
    def verdict(self) -> str:
        """``"pass"`` or ``"fail"``."""
        return "pass" if self.passed else "fail"


@dataclass(frozen=True, eq=False)
class Replay(Checked, Result):
    """A policy replayed over history.

    Attributes
    ----------
    policy : Policy
    records : pandas.DataFrame
        The decision records (``policy.apply(data)``).
    decisions : pandas.DataFrame
        One row per case (same index as the data): the final ``action``,
        ``rule``, ``guardrail``, ``automated``, ``favourable``,
        ``right_if_bad`` (an automated action that is the right call when the
        outcome is bad, per its ``right_when``), ``signal_missing``, the outcome (``labelled``, ``bad``), the reviewer's
        decision on human actions (``reviewer_action``, ``reviewer_recorded``),
        the recorded human decision as an action (``recorded_action``), the
        ``value`` of the decision (NaN when it cannot be valued), whether the
        deciding rule set ``escalate`` (``escalated``), the time ``window`` id
        (with a time column and ``outcomes.window``) and the segment columns.
    values : pandas.DataFrame
        The value of every case under every action (see
        :func:`trustlab.simulate.action_values`).
    metrics : pandas.DataFrame
        Tidy: ``metric``, ``by``, ``segment``, ``value``, ``rows``, ``reason``.
    checks : pandas.DataFrame
        The policy's checks: ``check``, ``metric``, ``by``, ``value``,
        ``at_least``, ``at_most``, ``passed``, ``segment``, ``reason``.
    seed : int
    """

    policy: Policy
    records: pd.DataFrame
    decisions: pd.DataFrame
    values: pd.DataFrame
    metrics: pd.DataFrame
    checks: pd.DataFrame
    seed: int
    window_span: tuple[int, int] | None = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def metric(self, name: str, by: str | None = None) -> float | pd.Series:
        """One metric: a float overall, or a Series by segment with ``by``.

        Examples
        --------
        >>> r = replay(trustlab.load_policy("policies/consumer-credit.yaml"),  # doctest: +SKIP
        ...            history)
        >>> r.metric("automation_rate")  # doctest: +SKIP
        0.61
        """
        m = self.metrics[self.metrics["metric"] == name]
        if m.empty:
            raise KeyError(f"no metric '{name}'; metrics: {', '.join(self.metrics['metric'].unique())}")
        if by is None:
            return float(m.loc[m["by"].isna(), "value"].iloc[0])
        part = m[(m["by"] == by) & m["segment"].notna()]
        if part.empty:
            raise KeyError(f"metric '{name}' was not broken down by '{by}'")
        return part.set_index("segment")["value"].rename(name)

    def summary(self) -> SummaryFrame:
        """The overall metrics: ``metric``, ``value``, ``reason``, in the order of the format.

        The values stay numbers; the table prints each by its metric's kind
        (:mod:`trustlab.metrics`): shares in %, counts whole, money in the
        policy's currency.
        """
        m = self.metrics
        table = m.loc[m["by"].isna(), ["metric", "value", "reason"]].reset_index(drop=True)
        return summary_frame(table, metric_column="metric", values=["value"],
                             currency=currency_of(self.policy))

    def segments(self, by: str, metrics: tuple[str, ...] = (
            "decisions", "automation_rate", "favourable_rate", "bad_rate_favourable",
            "value_per_decision")) -> pd.DataFrame:
        """Metrics side by side for each segment of ``by`` (segments as rows)."""
        m = self.metrics
        part = m[(m["by"] == by) & m["segment"].notna() & m["metric"].isin(metrics)]
        if part.empty:
            raise KeyError(f"no segment column '{by}' in this replay; segment columns: "
                           f"{', '.join(c for c in m['by'].dropna().unique())}")
        table = part.pivot(index="segment", columns="metric", values="value")[list(metrics)]
        return summary_frame(table, currency=currency_of(self.policy))

    def reviews_per_window(self) -> pd.Series:
        """Human-review rows per window (every window of the history, empty ones as 0)."""
        if self.window_span is None:
            raise DataError("Replay", [Problem("windows", "the replay has no time windows: the "
                                                          "policy needs `columns.time` and "
                                                          "`outcomes.window`")])
        lo, hi = self.window_span
        human = ~self.decisions["automated"].to_numpy(dtype=bool)
        counts = np.bincount(self.decisions["window"].to_numpy()[human] - lo,
                             minlength=hi - lo + 1)
        starts = window_starts(np.arange(lo, hi + 1), self.policy.outcomes.window)  # type: ignore[union-attr]
        return pd.Series(counts, index=starts.rename("window_start"), name="reviews")

    @property
    def frame(self) -> pd.DataFrame:
        """The tidy metrics table (:attr:`metrics`): ``metric``, ``by``, ``segment``,
        ``value``, ``rows``, ``reason``."""
        return self.metrics

    def plot(self, ax=None, segments: bool = True):
        """Value, workload and segment rates in one figure; see :func:`~trustlab.simulate.plot_replay`.

        Returns
        -------
        ReplayDisplay
            Holds the replay; its ``plot(ax=...)`` draws it again.
        """
        from ._plots import ReplayDisplay

        return ReplayDisplay(self, segments=segments).plot(ax=ax)

    def to_dict(self) -> dict:
        """The replay as JSON holds it: policy, seed, verdict, the metrics and the checks."""
        return {"result": "Replay", "policy": f"{self.policy.name}@{self.policy.version}",
                "seed": int(self.seed), "rows": int(len(self.decisions)),
                "verdict": self.verdict, "summary": records(self.summary()),
                "metrics": records(self.metrics), "checks": records(self.checks)}

    def _repr_html_(self) -> str:
        s = self.summary().set_index("metric")
        cur = currency_of(self.policy)
        head = ["decisions", "automation_rate", "favourable_rate", "bad_rate_favourable",
                "value_total", "value_per_decision", "peak_reviews_per_window"]

        def fmt(name: str) -> str:
            v, why = s.loc[name, "value"], s.loc[name, "reason"]
            if np.isnan(v):
                return f"<i>n/a — {escape(why)}</i>"
            return escape(format_metric(name, v, currency=cur))

        def bounds(c) -> str:
            parts = [f"{op} {format_metric(c.metric, b, currency=cur)}"
                     for op, b in (("≥", c.at_least), ("≤", c.at_most)) if b == b and b is not None]
            return escape(" and ".join(parts))

        rows = "".join(f"<tr><th style='text-align:left'>{n}</th><td>{fmt(n)}</td></tr>"
                       for n in head)
        checks = "".join(
            f"<tr><td>{status_html(c.passed)}</td><td><code>{escape(c.check)}</code>"
            f"</td><td>{escape(format_metric(c.metric, c.value, currency=cur))}"
            f"{'' if c.segment is None else f' ({escape(str(c.segment))})'}"
            f"{'' if not c.reason else ' — ' + escape(c.reason)}</td><td>{bounds(c)}</td></tr>"
            for c in self.checks.itertuples())
        return (f"<div><b>Replay of {escape(self.policy.name)}@{escape(self.policy.version)}</b>"
                f" — verdict <b>{self.verdict.upper()}</b><table>{rows}</table>"
                f"<b>Checks</b><table>{checks or '<tr><td>none declared</td></tr>'}</table></div>")

    def __repr__(self) -> str:
        return (f"Replay({self.policy.name}@{self.policy.version}, rows={len(self.decisions)}, "
                f"verdict={self.verdict!r})")


def _windows(policy: Policy, data: pd.DataFrame) -> tuple[np.ndarray | None, tuple[int, int] | None]:
    out = policy.outcomes
    if policy.time_column is None or out is None or out.window is None or len(data) == 0:
        return None, None
    ns, why, bad = times_ns(data[policy.time_column], policy.time_format)
    if ns is None:
        raise DataError(f"Data for policy '{policy.name}'", [Problem(
            f"column '{policy.time_column}'", why or "cannot be read as times")])
    ids = window_ids(ns, out.window)
    return ids, (int(ids.min()), int(ids.max()))


def _chosen(code: np.ndarray, columns: list[np.ndarray]) -> np.ndarray:
    """``columns[code[i]][i]`` for every row ``i`` (the value of the action taken)."""
    if len(columns) <= 32:  # numpy.choose takes up to 32 choices
        return np.choose(code, columns)
    return np.take_along_axis(np.column_stack(columns), code[:, None], axis=1)[:, 0]


def _coded_once(policy: Policy, data: pd.DataFrame, segments: tuple[str, ...]) -> list[str]:
    """The columns of ``data`` a replay codes: the label, the recorded human decisions and
    the segment columns (each coded once, at the start: :func:`~trustlab._codes.code_columns`)."""
    out = policy.outcomes
    names = [] if out is None else [out.label]
    if out is not None and out.reviewer is not None and out.reviewer.decision is not None:
        names.append(out.reviewer.decision)
    return [c for c in (*names, *segments) if c in data.columns]


def replay_segments(policy: Policy, columns, segments=None) -> tuple[str, ...]:
    """The columns a replay breaks metrics down by: ``segments`` when given, else the
    policy's segments and the ``fairness.protected`` columns among ``columns``."""
    if segments is not None:
        return tuple(segments)
    protected = () if policy.fairness is None else policy.fairness.protected
    return tuple(dict.fromkeys(policy.segments + tuple(c for c in protected if c in columns)))


@validate_params({"seed": [SEED], "reviewer_accuracy": [None, Interval(Real, 0, 1)],
                  "segments": [None, SequenceOf(Text(), min_len=0, name="a list of column names")],
                  "offset": [Interval(Integral, 0, None)], "batch": [Boolean()]})
def replay(policy: Policy, data, *, seed: int = 0,
           reviewer_accuracy: float | None = None, segments: tuple[str, ...] | None = None,
           records: pd.DataFrame | None = None, offset: int = 0, batch: bool = False,
           client=None, batch_rows: int | None = None, out: str | os.PathLike | None = None,
           trust_window: str = "7D", progress: bool = False) -> Replay | Checked:
    """Replay ``policy`` over ``data``: decide, value, measure and check.

    Parameters
    ----------
    policy : Policy
        With an ``outcomes`` section.
    data : pandas.DataFrame, path, URL or dask.dataframe.DataFrame
        History with the policy's signals, the columns its rules read, the
        label and (optionally) recorded human decisions.
    seed : int, default 0
        Seeds the simulated reviewer.
    reviewer_accuracy : float, optional
        Overrides ``outcomes.reviewer.accuracy``.
    segments : tuple of str, optional
        Segment columns (default: the policy's ``segments``, then its
        ``fairness.protected`` columns that ``data`` holds).
    records : pandas.DataFrame, optional
        Decision records already made for ``data`` (saves applying again).
    offset : int, default 0
        Position of ``data``'s first row in a longer history it is a batch of
        (the simulated reviewer draws as in the whole history).
    batch : bool, default False
        ``data`` is one batch of a longer history: a ``bad_when`` that matches
        no label value here is not refused (the whole history is judged).
    out : path, optional
        Over parts only: the folder the decision records are written to, one
        Parquet file per part (none are kept without it).
    trust_window : str, default "7D"
        Over parts only: the window trust is measured per while the parts are
        read (:attr:`trustlab.scale.ScaledReplay.trust`).
    progress : bool, default False
        Over parts only: show a progress bar while parts are read.
    client : distributed.Client or str, optional
        Run over the partitions of a Dask DataFrame on this cluster (or
        scheduler address); see :mod:`trustlab.scale`.
    batch_rows : int, optional
        Rows per batch when a Parquet history is streamed on this machine
        (default :data:`trustlab.scale.DEFAULT_BATCH_ROWS`).

    Returns
    -------
    Replay or trustlab.scale.ScaledReplay
        A :class:`Replay` for a DataFrame; over parts, a
        :class:`~trustlab.scale.ScaledReplay`: the same ``metrics``,
        ``checks``, ``passed`` and ``summary()``, with the decision records
        written to ``out`` instead of held in memory.

    Raises
    ------
    trustlab.ParameterError
        For a seed, accuracy, segments, offset or batch of the wrong type or range.
    trustlab.DataError
        When the policy has no ``outcomes``, or a label, reviewer or segment
        column is missing or unreadable (as well as for anything
        :meth:`Policy.apply` refuses).
    """
    if not in_memory(data, client):
        refuse_in_memory_options("replay", {
            "reviewer_accuracy": (reviewer_accuracy, None),
            "records": (records, None),
            "offset": (offset, 0),
            "batch": (batch, False),
        })
        return answer_in_parts("replay", policy, data, client=client, seed=seed, out=out,
                               segments=segments, trust_window=trust_window,
                               progress=progress, batch_rows=batch_rows)
    segs = replay_segments(policy, data.columns, segments)
    missing = [c for c in segs if c not in data.columns]
    if missing:
        raise DataError(f"Data for policy '{policy.name}'", [Problem(
            "segments", f"names columns the data lacks: {', '.join(missing)}. Columns: "
                        f"{', '.join(map(str, data.columns))}")])
    coded = code_columns(data, _coded_once(policy, data, segs))
    outcome = observed_outcome(policy, data, batch=batch, coded=coded)
    rec = policy.apply(data) if records is None else records
    if len(rec) != len(data) or not rec.index.equals(data.index):
        raise DataError("replay", [Problem("records", "must be policy.apply(data): same rows "
                                                      "and index as data")])
    reviewer = reviewer_decisions(policy, data, outcome, seed=seed, accuracy=reviewer_accuracy,
                                  offset=offset, coded=coded)
    values = _values_from(policy, data, outcome, reviewer)
    names = [a.name for a in policy.actions]
    (act_code,), _ = shared_codes([rec["action"]], tuple(names))  # one code per action name
    if ((act_code < 0) | (act_code >= len(names))).any():
        raise DataError("replay", [Problem("records", "hold actions the policy does not declare "
                                                      "or none; pass policy.apply(data)")])
    value = _chosen(act_code, [values[a].to_numpy() for a in names])
    favourable = np.array([a.favourable for a in policy.actions])[act_code]
    right_if_bad = np.array([a.right_call == "bad" for a in policy.actions])[act_code]
    human = ~rec["automated"].to_numpy(dtype=bool)
    # categoricals straight from the reviewer's action codes: NO_REVIEWER (-1) is missing
    rev_action = pd.Categorical.from_codes(np.where(human, reviewer.action, NO_REVIEWER),
                                           categories=names, validate=False)
    recorded_action = pd.Categorical.from_codes(
        np.where(reviewer.recorded, reviewer.action, NO_REVIEWER), categories=names,
        validate=False)
    signal_missing = np.zeros(len(data), dtype=bool)
    for s in policy.signals:
        signal_missing |= data[s.name].isna().to_numpy()
    frame = pd.DataFrame({
        "action": rec["action"], "rule": rec["rule"], "guardrail": rec["guardrail"],
        "automated": rec["automated"].to_numpy(dtype=bool),
        "favourable": favourable,
        "right_if_bad": right_if_bad,
        "signal_missing": signal_missing,
        "labelled": outcome.labelled, "bad": outcome.bad,
        "reviewer_action": rev_action,
        "reviewer_recorded": human & reviewer.recorded,
        "recorded_action": recorded_action,
        "value": value,
        "escalated": rec["escalate"].notna().to_numpy(),
    }, index=data.index)
    assert NO_REVIEWER == -1  # from_codes reads -1 as missing
    ids, span = _windows(policy, data)
    if ids is not None:
        frame["window"] = ids
    own = set(frame.columns)  # a segment column by one of these names is the frame's own
    for c in segs:
        if c not in frame.columns:
            frame[c] = data[c]
    metrics = metric_table(frame, policy, by=segs, window_span=span,
                           coded={c: coded[c] for c in segs if c not in own})
    checks = evaluate_checks(policy, metrics)
    return Replay(policy, rec, frame, values, metrics, checks, seed, span)
