"""Trust over time: how much is automated, how far people agree, and whether they rely well.

Every metric here is a ratio of two counts of decisions (or a count), so each
is one ``bincount`` over a combined window × segment code; nothing loops over
rows. A metric that cannot be computed in a window is NaN with a reason,
never 0.

Definitions
-----------
A *compared decision* is a case whose final action is automated and that has a
recorded human decision (``outcomes.reviewer.decision``, mapped to an action
through ``outcomes.reviewer.map``) — the rows the policy format's
``alignment`` counts. The counts are taken from the same per-decision
indicators as :func:`trustlab.simulate.metric_table`, so ``alignment`` and
``override_rate`` here equal the replay's, window by window.

``reliance`` — the share of the policy's automated recommendations that
people accepted — reads acceptance off the record: a person accepted the
recommendation when their recorded decision is the action the policy takes.
It therefore has the same numerator and denominator as ``alignment`` and the
same value. The two names read one count from two sides: ``alignment`` asks
whether the policy agrees with people (a promotion criterion, meaningful on
any history), ``reliance`` asks whether people follow the policy, and is
reliance only when the recorded decisions were taken with the recommendation
in view (records of an advisory or supervised policy). On history decided
without the policy it is agreement, not reliance.

A recommendation is *right* when its automated action met the outcome its
``right_when`` names (by default: a favourable action the good outcome, any
other automated action the bad one; a retention offer declares
``right_when: bad``). The
appropriate-reliance split divides the compared decisions whose outcome was
observed into four shares that sum to 1: ``accepted_right`` (appropriate
reliance), ``over_reliance`` (accepted a wrong recommendation),
``under_reliance`` (overrode a right one) and ``overrode_wrong`` (appropriate
self-reliance). Only cases with an observed outcome count. Under selective
labels — outcomes seen only after a favourable decision, as in lending — a
case a person declined has no outcome, so overriding a right approval
(under-reliance) is never seen and the split describes the cases whose outcome
was seen, not all cases. Shares of one denominator are used rather than rates
conditional on right or wrong, because under selective labels the wrong
recommendations that can be seen are almost all accepted ones, and a
conditional rate would read close to 100% whatever people did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Protocol

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from .._codes import text_labels
from .._errors import DataError, Problem
from .._result import Result, records
from .._time import time_ns, times_ns, window_ids, window_starts
from ..metrics import SummaryFrame, format_metric, summary_frame
from ..policy import Policy, Window, read_window
from ..metrics import RATIOS, SumsMetric, indicators, ratio_of_sums, sums_metric

__all__ = ["TrustMetric", "TRUST_METRICS", "TRUST_COLUMNS", "TrustResult", "trust_over_time",
           "replay_times"]

TRUST_COLUMNS = ("window_start", "by", "segment", "metric", "value", "numerator", "denominator",
                 "reason")
"""Columns of :attr:`TrustResult.frame`."""


TrustMetric = SumsMetric
"""A trust metric: which of the trust sums it divides, its words, why it may be empty."""


_COMPARED_EMPTY = RATIOS["alignment"][2]
_NO_DECISIONS = "no decisions"
_NO_OUTCOME = "no compared decision has an observed outcome"

_OF_COMPARED = "compared decisions"
_OF_OUTCOME = "compared decisions with an observed outcome"

TRUST_METRICS: dict[str, TrustMetric] = {
    "decisions": sums_metric("decisions", "rows"),
    **{name: sums_metric(name, num, "rows", of="decisions", empty=_NO_DECISIONS)
       for name, num in (("automation_rate", "automated"), ("deferral_rate", "human"),
                         ("escalation_rate", "escalated"))},
    **{name: sums_metric(name, num, "alignable", of=_OF_COMPARED, empty=_COMPARED_EMPTY)
       for name, num in (("alignment", "aligned"), ("override_rate", "overridden"),
                         ("reliance", "aligned"))},
    **{name: sums_metric(name, num, "with_outcome", of=_OF_OUTCOME, empty=_NO_OUTCOME)
       for name, num in (("accepted_right", "right_accepted"),
                         ("over_reliance", "wrong_accepted"),
                         ("under_reliance", "right_overridden"),
                         ("overrode_wrong", "wrong_overridden"))},
    "reversal_rate": sums_metric("reversal_rate", "reversed", "reversal_known",
                                 of="automated decisions",
                                 empty="no automated decision with a known reversal status"),
}
"""Metric name → :class:`TrustMetric`, in the order of :attr:`TrustResult.frame`.

A *compared decision* has an automated final action and a recorded human
decision. ``reliance`` equals ``alignment`` (see the module docstring); the
four shares ``accepted_right``, ``over_reliance``, ``under_reliance`` and
``overrode_wrong`` split the compared decisions with an observed outcome and
sum to 1.
"""

_NO_RECORDED = ("the policy names no column of recorded human decisions "
                "(`outcomes.reviewer.decision`), so there is nothing to compare the policy with")
_NO_REVERSAL = ("no `reversed_column` given: name the boolean column of `data` that records "
                "which automated decisions were later reversed")
_COMPARED = ("alignment", "override_rate", "reliance", "accepted_right", "over_reliance",
             "under_reliance", "overrode_wrong")

_SOURCE = "trust_over_time"


class ReplayLike(Protocol):
    """What trust reads of a replay (:class:`trustlab.simulate.Replay`): its policy, its
    decision records and one row per decided case. Trust asks questions of a replay
    without importing the simulator (they stand on the same floor)."""

    policy: Policy
    records: pd.DataFrame
    decisions: pd.DataFrame


def is_replay(value: object) -> bool:
    """True when ``value`` has what :class:`ReplayLike` promises (a replay held in memory)."""
    return all(isinstance(getattr(value, name, None), pd.DataFrame)
               for name in ("records", "decisions")) and hasattr(value, "policy")


# ----------------------------------------------------------------------------- inputs

def replay_times(replay: ReplayLike, source: str) -> np.ndarray:
    """UTC nanoseconds of every decision of ``replay``; a DataError without ``columns.time``."""
    policy = replay.policy
    col = policy.time_column
    if col is None:
        raise DataError(source, [Problem("columns.time", (
            f"policy '{policy.name}' names no time column, so its decisions cannot be placed "
            f"in time windows; set `columns.time` to the column holding each decision's time "
            f"and replay again"))])
    if col not in replay.records.columns:
        raise DataError(source, [Problem(f"column '{col}'", (
            f"the time column of policy '{policy.name}' is not in the replay's records; "
            f"replay with records made by policy.apply(data)"))])
    ns, why, _ = times_ns(replay.records[col], policy.time_format)
    if ns is None:
        raise DataError(source, [Problem(f"column '{col}'", why or "cannot be read as times")])
    return ns


def _aligned_data(replay: ReplayLike, data: pd.DataFrame | None, need: str) -> pd.DataFrame:
    if data is None:
        raise DataError(_SOURCE, [Problem("data", (
            f"{need} is read from `data`, and none was given; pass data=, the frame the replay "
            f"was made from"))])
    if not isinstance(data, pd.DataFrame) or not data.index.equals(replay.decisions.index):
        raise DataError(_SOURCE, [Problem("data", (
            "must be the DataFrame the replay was made from: the same rows and index as "
            "replay.decisions"))])
    return data


def _segment_key(replay: ReplayLike, by: str, data: pd.DataFrame | None) -> np.ndarray:
    """The ``by`` column as text (``(missing)`` where missing): from decisions, data or records."""
    for frame in (replay.decisions, data, replay.records):
        if frame is not None and by in frame.columns:
            if frame is data:
                _aligned_data(replay, data, f"column '{by}'")
            return text_labels(frame[by])
    cols = list(replay.decisions.columns) + ([] if data is None else
                                             [c for c in data.columns
                                              if c not in replay.decisions.columns])
    raise DataError(_SOURCE, [Problem("by", (
        f"names column '{by}', which neither the replay's decisions nor `data` hold. Columns: "
        f"{', '.join(map(str, cols))}"
        + ("" if data is not None else "; pass data= to break down by a column of the data")))])


def _reversed(replay: ReplayLike, column: str, data: pd.DataFrame | None) -> np.ndarray:
    """The reversal flag: 1.0 reversed, 0.0 not, NaN unknown (missing)."""
    data = _aligned_data(replay, data, f"reversed_column '{column}'")
    if column not in data.columns:
        raise DataError(_SOURCE, [Problem("reversed_column", (
            f"names column '{column}', which the data lacks. Columns: "
            f"{', '.join(map(str, data.columns))}"))])
    s = data[column]
    boolean = ptypes.is_bool_dtype(s.dtype) or (
        s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("boolean", "empty"))
    if not boolean:
        seen = ", ".join(map(repr, pd.unique(s.dropna())[:5].tolist()))
        raise DataError(_SOURCE, [Problem(f"column '{column}'", (
            f"has type {s.dtype} (values {seen}); reversed_column must be boolean: True where "
            f"an automated decision was later reversed, False where it stood, missing where "
            f"unknown. Convert it, e.g. data['{column}'] == 'yes' or "
            f"data['{column}'].astype('boolean')"))])
    known = s.notna().to_numpy()
    out = np.full(len(s), np.nan)
    out[known] = s[known].astype(bool).to_numpy()
    return out


def _sums_frame(replay: ReplayLike, reversed_: np.ndarray | None) -> pd.DataFrame:
    """One column per count the trust metrics need, one row per decision."""
    d = replay.decisions
    ind = indicators(d, replay.policy.action_names)  # the replay's own definitions
    auto = d["automated"].to_numpy(dtype=bool)
    right_if_bad = d["right_if_bad"].to_numpy(dtype=bool)
    bad = d["bad"].to_numpy(dtype=bool)
    compared = ind["alignable"].to_numpy(dtype=bool)
    aligned = ind["aligned"].to_numpy(dtype=bool)
    with_outcome = compared & d["labelled"].to_numpy(dtype=bool)
    right = with_outcome & (right_if_bad == bad)  # the action's `right_when` met its outcome
    wrong = with_outcome & (right_if_bad != bad)
    cols = {
        "rows": ind["rows"].to_numpy(),
        "automated": auto,
        "human": ~auto,
        "escalated": replay.records["escalate"].notna().to_numpy(),
        "aligned": aligned,
        "alignable": compared,
        "overridden": compared & ~aligned,
        "with_outcome": with_outcome,
        "right_accepted": right & aligned,
        "right_overridden": right & ~aligned,
        "wrong_accepted": wrong & aligned,
        "wrong_overridden": wrong & ~aligned,
    }
    if reversed_ is not None:
        known = ~np.isnan(reversed_)
        cols["reversal_known"] = auto & known
        cols["reversed"] = auto & known & (np.nan_to_num(reversed_) > 0)
    return pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in cols.items()}, index=d.index)


def metric_values(sums: dict[str, np.ndarray], *, recorded: bool, reversal: bool
                  ) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Metric → (value, numerator, denominator, reason) from sums of any shape."""
    out = {}
    for name, m in TRUST_METRICS.items():
        shape = np.shape(sums["rows"])
        if name == "reversal_rate" and not reversal:
            nan = np.full(shape, np.nan)
            out[name] = (nan, nan, nan, np.full(shape, _NO_REVERSAL, dtype=object))
            continue
        why = _NO_RECORDED if (name in _COMPARED and not recorded) else None
        out[name] = ratio_of_sums(m, sums, why)
    return out


# ----------------------------------------------------------------------------- result

@dataclass(frozen=True, eq=False)
class TrustResult(Result):
    """Trust metrics of a replayed policy per time window (and per segment).

    Attributes
    ----------
    frame : pandas.DataFrame
        Tidy, one row per window × segment × metric: ``window_start``
        (timestamp), ``by`` and ``segment`` (None for all decisions),
        ``metric`` (see :data:`TRUST_METRICS`), ``value`` (NaN when it cannot
        be computed), ``numerator``, ``denominator`` (NaN for the count
        ``decisions``) and ``reason`` (why the value is missing; empty
        otherwise). Every window from the first decision to the last is
        present, empty ones included. Ordered by segment (all decisions
        first), metric, then window.
    pairs : pandas.DataFrame
        Counts of compared decisions by ``window_start``, ``segment``,
        ``policy_action`` and ``recorded_action`` (non-zero counts only); what
        :meth:`confusion` reads.
    policy : Policy
    window : Window
    by : str or None
    reversed_column : str or None
    """

    frame: pd.DataFrame
    pairs: pd.DataFrame
    policy: Policy
    window: Window
    by: str | None = None
    reversed_column: str | None = None
    _recorded: bool = field(default=True, repr=False)

    # ------------------------------------------------------------------ data
    def _overall_rows(self) -> pd.DataFrame:
        f = self.frame
        return f[f["segment"].isna()]

    def summary(self, segments: bool = False) -> SummaryFrame:
        """Every metric over the whole history, indexed by ``metric``.

        Columns ``value``, ``numerator``, ``denominator`` and ``reason``, as in
        :attr:`frame`; the counts are summed over every window. The numbers
        stay numbers and print by each metric's kind (``decisions`` a count,
        the rates in %).

        Parameters
        ----------
        segments : bool, default False
            Also give each segment's values (with ``by``): the index is then
            ``(segment, metric)``, all decisions first as segment ``"(all)"``.

        Examples
        --------
        >>> import trustlab
        >>> from trustlab.datasets import make_history
        >>> from trustlab.simulate import replay
        >>> r = replay(trustlab.load_policy("policies/consumer-credit.yaml"),
        ...            make_history(n_days=28, applications_per_day=30, seed=0))
        >>> s = trust_over_time(r).summary()
        >>> bool(s.loc["alignment", "value"] == r.metric("alignment"))
        True
        """
        f = self.frame
        if not segments or self.by is None:
            parts = [(None, self._overall_rows())]
        else:
            parts = [(None, self._overall_rows())] + [
                (s, f[f["segment"] == s]) for s in pd.unique(f["segment"].dropna())]
        out = []
        rec, rev = self._recorded, self.reversed_column is not None
        for seg, rows in parts:
            # every count is additive over windows: total each metric's numerator and denominator
            totals = rows.groupby("metric", sort=False)[["numerator", "denominator"]].sum()
            sums = {"rows": 0.0}
            for name, m in TRUST_METRICS.items():
                if name in totals.index:
                    sums[m.numerator] = totals.loc[name, "numerator"]
                    if m.denominator is not None:
                        sums[m.denominator] = totals.loc[name, "denominator"]
                else:  # no windows at all
                    sums[m.numerator] = 0.0
                    if m.denominator is not None:
                        sums[m.denominator] = 0.0
            vals = metric_values(sums, recorded=rec, reversal=rev)
            out.append(pd.DataFrame({
                "segment": "(all)" if seg is None else seg,
                "metric": list(vals),
                "value": [float(v[0]) for v in vals.values()],
                "numerator": [float(v[1]) for v in vals.values()],
                "denominator": [float(v[2]) for v in vals.values()],
                "reason": [str(v[3]) for v in vals.values()],
            }))
        table = pd.concat(out, ignore_index=True)
        if not segments or self.by is None:
            table = table.drop(columns="segment").set_index("metric")
        else:
            table = table.set_index(["segment", "metric"])
        return summary_frame(table, metric_column="metric", values=["value"],
                             kinds={"numerator": "count", "denominator": "count"})

    def metric(self, name: str, segment: str | None = None) -> pd.Series:
        """One metric per window (``window_start`` index), for all decisions or one ``segment``."""
        if name not in TRUST_METRICS:
            raise DataError("TrustResult.metric", [Problem("name", (
                f"{name!r} is not a trust metric; metrics: {', '.join(TRUST_METRICS)}"))])
        rows = self._segment_rows(segment, "TrustResult.metric")
        rows = rows[rows["metric"] == name]
        return pd.Series(rows["value"].to_numpy(), index=pd.DatetimeIndex(
            rows["window_start"], name="window_start"), name=name)

    def _segment_rows(self, segment: str | None, source: str) -> pd.DataFrame:
        f = self.frame
        if segment is None:
            return f[f["segment"].isna()]
        known = pd.unique(f["segment"].dropna()).tolist()
        if self.by is None or segment not in known:
            raise DataError(source, [Problem("segment", (
                f"{segment!r} is not a segment of this result; "
                + (f"segments of '{self.by}': {', '.join(map(str, known))}" if self.by else
                   "it was not broken down: call trust_over_time(..., by=COLUMN)")))])
        return f[f["segment"] == segment]

    def confusion(self, window=None, segment: str | None = None) -> pd.DataFrame:
        """The policy's action against the recorded human decision, over compared decisions.

        Parameters
        ----------
        window : time-like, optional
            Any time within the window to show (a ``window_start`` works);
            by default every window together.
        segment : str, optional
            One segment of ``by``; by default all decisions.

        Returns
        -------
        pandas.DataFrame
            Counts: one row per automated action of the policy
            (``policy_action``), one column per action a recorded decision can
            map to (``recorded_action``). The diagonal is where people agreed;
            the total is the ``alignment`` denominator.

        Examples
        --------
        >>> import trustlab
        >>> from trustlab.datasets import make_history
        >>> from trustlab.simulate import replay
        >>> r = replay(trustlab.load_policy("policies/consumer-credit.yaml"),
        ...            make_history(n_days=28, applications_per_day=30, seed=0))
        >>> t = trust_over_time(r)
        >>> c = t.confusion()
        >>> list(c.index), list(c.columns)
        (['approve', 'decline'], ['approve', 'decline'])
        >>> bool(c.to_numpy().sum() == t.summary().loc["alignment", "denominator"])
        True
        """
        p = self.pairs
        if segment is not None:
            self._segment_rows(segment, "TrustResult.confusion")
            p = p[p["segment"] == segment]
        if window is not None:
            try:
                ns = time_ns(window)
            except (TypeError, ValueError):
                raise DataError("TrustResult.confusion", [Problem("window", (
                    f"{window!r} is not a time; give a time within the window, e.g. one of "
                    f"the frame's window_start values"))]) from None
            start = window_starts(window_ids(np.array([ns], dtype=np.int64), self.window),
                                  self.window)[0]
            starts = self.frame["window_start"]
            if len(starts) == 0 or not (starts.min() <= start <= starts.max()):
                raise DataError("TrustResult.confusion", [Problem("window", (
                    f"{window!r} falls in the window starting {start}, outside the history "
                    f"({_span_text(self.frame)})"))])
            p = p[p["window_start"] == start]
        rows = [a.name for a in self.policy.actions if a.automated]
        cols = _recordable(self.policy)
        table = p.pivot_table(index="policy_action", columns="recorded_action", values="count",
                              aggfunc="sum", fill_value=0, observed=False) if len(p) else None
        out = pd.DataFrame(0, index=pd.Index(rows, name="policy_action"),
                           columns=pd.Index(cols, name="recorded_action"), dtype=np.int64)
        if table is not None:
            table = table.reindex(index=rows, columns=cols, fill_value=0)
            out.loc[:, :] = table.to_numpy(dtype=np.int64)
        return out

    # ------------------------------------------------------------------ display
    def plot(self, ax=None, metrics: tuple[str, ...] = ("automation_rate", "alignment",
                                                        "override_rate"),
             segment: str | None = None):
        """Rates per window as lines, in %; see :func:`trustlab.trust.plot_trust`.

        Returns
        -------
        TrustDisplay
            Holds the rows drawn; its ``plot(ax=...)`` draws them again.
        """
        from ._plots import plot_trust

        return plot_trust(self, ax=ax, metrics=metrics, segment=segment)

    def to_dict(self) -> dict:
        """The result as JSON holds it: policy, window, ``by``, the summary and the frame."""
        return {"result": "TrustResult",
                "policy": f"{self.policy.name}@{self.policy.version}",
                "window": self.window.words, "by": self.by,
                "summary": records(self.summary()), "frame": records(self.frame)}

    def _repr_html_(self) -> str:
        s = self.summary()
        rows = self._overall_rows()
        last = rows["window_start"].max() if len(rows) else None
        latest = rows[rows["window_start"] == last].set_index("metric") if last is not None \
            else None

        def fmt(name: str, v: float) -> str:
            return escape(format_metric(name, v))

        body = []
        for name, m in TRUST_METRICS.items():
            v, den, why = s.loc[name, "value"], s.loc[name, "denominator"], s.loc[name, "reason"]
            overall = fmt(name, v) if v == v else "<i>n/a</i>"
            of = ("" if m.denominator is None or den != den else
                  f"of {fmt('decisions', den)} {escape(m.of)}")
            lv = latest.loc[name, "value"] if latest is not None else np.nan
            note = "" if v == v else escape(why)
            body.append(f"<tr><th style='text-align:left'>{escape(m.words)}</th>"
                        f"<td style='text-align:right'>{overall}</td><td>{of}</td>"
                        f"<td style='text-align:right'>{fmt(name, lv)}</td><td>{note}</td></tr>")
        head = ("<tr><th></th><th>all windows</th><th></th>"
                f"<th>latest {escape(self.window.words)}</th><th></th></tr>")
        by = f", by {escape(self.by)}" if self.by else ""
        return (f"<div><b>Trust over time: {escape(self.policy.name)}@"
                f"{escape(self.policy.version)}</b> — {escape(_span_text(self.frame))}, "
                f"windows of {escape(self.window.words)}{by}"
                f"<table>{head}{''.join(body)}</table></div>")

    def __repr__(self) -> str:
        n = self.frame["window_start"].nunique()
        by = f", by={self.by!r}" if self.by else ""
        return (f"TrustResult({self.policy.name}@{self.policy.version}, windows={n} of "
                f"{self.window.text}{by})")


def _span_text(frame: pd.DataFrame) -> str:
    if len(frame) == 0:
        return "no decisions"
    lo, hi = frame["window_start"].min(), frame["window_start"].max()
    n = frame["window_start"].nunique()
    return f"{n} window{'s' if n != 1 else ''} from {lo:%Y-%m-%d} to {hi:%Y-%m-%d}"


def _recordable(policy: Policy) -> list[str]:
    """Actions a recorded human decision can map to, in declaration order."""
    rev = policy.outcomes.reviewer if policy.outcomes is not None else None
    mapped = {a for _, a in rev.map} if rev is not None else set()
    names = [a.name for a in policy.actions if a.name in mapped]
    return names or list(policy.action_names)


# ----------------------------------------------------------------------------- entry point

def trust_over_time(replay: ReplayLike, *, window: str | Window = "7D", by: str | None = None,
                    reversed_column: str | None = None, data: pd.DataFrame | None = None
                    ) -> TrustResult:
    """Automation, agreement and reliance per time window, from a replayed policy.

    Parameters
    ----------
    replay : Replay or trustlab.scale.ScaledReplay
        From :func:`trustlab.simulate.replay`; the policy needs ``columns.time``.
        A replay of a history in parts measured trust while it read the parts
        (its ``trust_window``): that result is returned, for the same window.
    window : str or Window, default "7D"
        Window length, read as the policy reads ``outcomes.window`` (a count
        and one of ``s``, ``min``, ``h``, ``D``, ``W``, or ``M`` and ``Q`` for
        calendar months and quarters). Fixed windows are aligned to the Unix
        epoch (weeks to Mondays), calendar ones start on the first of a month
        (quarters in January, April, July, October), as in the engine, so the
        same time always falls in the same window.
    by : str, optional
        A column of the replay's decisions (or of ``data``) to break every
        metric down by; missing values form the segment ``(missing)``.
    reversed_column : str, optional
        A boolean column of ``data``: True where an automated decision was
        later reversed (appealed, cancelled, refunded), False where it stood,
        missing where unknown. Gives ``reversal_rate``.
    data : pandas.DataFrame, optional
        The data the replay was made from (same index); needed for
        ``reversed_column`` and for a ``by`` column the replay lacks.

    Returns
    -------
    TrustResult
        Per window: ``decisions``; ``automation_rate``; ``deferral_rate``
        (final action is a human action); ``escalation_rate`` (the deciding
        rule sets ``escalate``); ``alignment`` and ``override_rate`` (the
        policy format's definitions, over *compared decisions*: an automated
        final action with a recorded human decision); ``reliance`` (share of
        automated recommendations people accepted: on recorded decisions the
        same count as ``alignment``, see :mod:`trustlab.trust._metrics`);
        the appropriate-reliance split of compared decisions *with an observed
        outcome* into ``accepted_right``, ``over_reliance`` (accepted a wrong
        recommendation), ``under_reliance`` (overrode a right one) and
        ``overrode_wrong`` — under selective labels only cases with observed
        outcomes count, so an override that withheld the outcome (a person
        declined) is not seen; ``reversal_rate`` (share of
        automated decisions with a known reversal status that were reversed).
        Every value that cannot be computed is NaN with a reason.

    Raises
    ------
    trustlab.DataError
        When the policy has no ``columns.time``, the window is not a window,
        ``by`` names no column, or ``reversed_column`` is missing or not
        boolean.

    Examples
    --------
    >>> import trustlab
    >>> from trustlab.datasets import make_history
    >>> from trustlab.simulate import replay
    >>> history = make_history(n_days=28, applications_per_day=30, seed=0)
    >>> r = replay(trustlab.load_policy("policies/consumer-credit.yaml"), history)
    >>> t = trust_over_time(r, window="7D", by="channel")
    >>> list(t.frame.columns)
    ['window_start', 'by', 'segment', 'metric', 'value', 'numerator', 'denominator', 'reason']
    >>> sorted(t.frame["segment"].dropna().unique())
    ['branch', 'online']
    >>> t.metric("override_rate").round(3).tolist()
    [0.103, 0.105, 0.073, 0.119, 0.126]
    """
    if not is_replay(replay) and hasattr(replay, "trust") and hasattr(replay, "parts"):
        return _measured_in_parts(replay, window, by, reversed_column)
    from ._partial import TrustPartial  # it builds on this module

    return TrustPartial.of(replay, window=window, by=by, reversed_column=reversed_column,
                           data=data).result()


def _measured_in_parts(replay, window, by, reversed_column) -> TrustResult:
    """The trust a replay in parts measured while it read them (same window, no extras)."""
    problems = []
    if replay.trust is None:
        problems.append(Problem("replay", "was replayed in parts without a time column (or "
                                          "with trust_window=None), so it measured no trust; "
                                          "set columns.time and replay again"))
    else:
        asked = read_window(window, _SOURCE, "window")
        if asked != replay.trust.window:
            problems.append(Problem("window", (
                f"{asked.text}: the replay in parts measured trust per "
                f"{replay.trust.window.text} while reading the parts; replay again with "
                f"trust_window={asked.text!r}")))
    for name, value in (("by", by), ("reversed_column", reversed_column)):
        if value is not None:
            problems.append(Problem(name, "is read from the decisions of a replay in memory; "
                                          "a replay in parts keeps them on disk: replay a "
                                          "DataFrame to break trust down"))
    if problems:
        raise DataError(_SOURCE, problems)
    return replay.trust
