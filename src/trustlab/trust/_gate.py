"""The promotion gate: may the policy take the next mode on the autonomy ladder?

The policy's ``promotion`` section names the evidence the next mode needs;
:func:`promotion_gate` weighs a replay (and a drift measurement) against it.

How a criterion is judged
-------------------------
``min_decisions``
    Holds when the replay has at least that many decisions (rows decided).
``min_alignment`` / ``max_override_rate``
    Judged conservatively, on the 95% Wilson score interval of the rate over
    the *compared decisions* (automated final action with a recorded human
    decision; the policy format's ``alignment`` rows): ``min_alignment``
    holds when the interval's lower bound reaches the requirement,
    ``max_override_rate`` when its upper bound stays at or under it. The
    point estimate is shown beside the bound; a point estimate that merely
    touches the line is not enough evidence.
``max_signal_psi``
    Holds when the measured PSI (``signal_psi``, from the drift monitor) is at
    or under the bound. Not measured means not shown to hold.

A criterion that cannot be computed — no recorded human decisions, drift not
measured — fails, with the reason.

How many more decisions
-----------------------
The Wilson interval at rate ``p`` over ``n`` cases is the set of rates ``r``
with ``(p - r)**2 <= z**2 * r * (1 - r) / n``. So, if the rate stays at ``p``,
the lower bound reaches a requirement ``r < p`` once

``n >= z**2 * r * (1 - r) / (p - r)**2``

(the same with the override rate ``q`` and its bound ``m > q`` for the upper
bound). The gate reports ``ceil`` of that, less the compared decisions already
seen, as the further compared decisions needed, and the weeks they take at the
recent weekly volume of compared decisions: those in the last
:data:`RECENT_WEEKS` weeks up to the last decision, divided by
:data:`RECENT_WEEKS` (or all of them over the history's span when it is
shorter). When ``p`` is at or on the
wrong side of the requirement, no number of decisions at this rate would
clear it: the gate says so instead of giving a number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from .._errors import DataError, ParameterError, Problem
from .._format import format_number, status_html
from .._result import Result, plain, records
from .._validate import Interval, Options, Real, validate_params
from ..metrics import SummaryFrame, format_metric, metric_words, summary_frame
from ..policy import MODES, Policy
from .._stats import Z_95, wilson_interval
from ..metrics import RATIOS, indicators
from ._metrics import ReplayLike, is_replay, replay_times

__all__ = ["GateResult", "promotion_gate", "wilson_interval", "decisions_for_bound",
           "GATE_COLUMNS", "RECENT_WEEKS", "Z_95"]

RECENT_WEEKS = 4
"""Weekly volumes are measured over this many weeks up to the last decision."""

GATE_COLUMNS = ("criterion", "metric", "direction", "required", "observed", "lower", "upper",
                "judged_on", "evidence", "holds", "shortfall", "more_decisions", "unit",
                "weeks", "reason")
"""Columns of :attr:`GateResult.frame`."""

_WEEK_NS = 7 * 86_400 * 10**9
_SOURCE = "promotion_gate"


# ----------------------------------------------------------------------------- statistics

def decisions_for_bound(rate: float, required: float, direction: str, z: float = Z_95) -> float:
    """Cases needed at ``rate`` for the Wilson bound to reach ``required``; NaN when none suffice.

    ``direction`` is ``"at_least"`` (the lower bound must be ``>= required``)
    or ``"at_most"`` (the upper bound must be ``<= required``).

    Examples
    --------
    At a 95% rate the lower bound reaches 90% after
    ``ceil(1.96**2 * 0.9 * 0.1 / 0.05**2)`` cases:

    >>> decisions_for_bound(0.95, 0.90, "at_least")
    139.0
    >>> decisions_for_bound(0.88, 0.90, "at_least")  # the rate itself is too low
    nan
    """
    if direction == "at_least":
        gap, r = rate - required, required
    else:
        gap, r = required - rate, required
    if r <= 0 and direction == "at_least" or r >= 1 and direction == "at_most":
        return 0.0  # a bound of 0 (or 1) always holds
    if gap <= 1e-12:  # at the line (to rounding: override_rate is 1 - alignment) or beyond it
        return float("nan")
    return float(math.ceil(z**2 * r * (1 - r) / gap**2))


# ----------------------------------------------------------------------------- result

@dataclass(frozen=True, eq=False)
class GateResult(Result):
    """Whether a policy may take the next mode, criterion by criterion.

    Attributes
    ----------
    policy : str
        ``name@version`` of the policy weighed.
    current_mode : str
    next_mode : str or None
        The next mode on the ladder advisory → shadow → supervised →
        autonomous; None at the top.
    may_promote : bool
        True only when there is a next mode, a ``promotion`` section, and
        every criterion in it holds.
    frame : pandas.DataFrame
        One row per declared criterion (see :data:`GATE_COLUMNS`):
        ``criterion``, ``metric``, ``direction`` (``at_least`` / ``at_most``),
        ``required``, ``observed`` (the point estimate), ``lower`` and
        ``upper`` (95% Wilson interval, rates only), ``judged_on`` (what is
        compared with ``required``), ``evidence`` (cases behind it),
        ``holds``, ``shortfall`` (how far the judged value misses, 0 when it
        holds, NaN when it cannot be computed), ``more_decisions`` (further
        cases needed at the current rate, in ``unit``; 0 when it holds, NaN
        when more would not help or cannot be said), ``weeks`` (at the recent
        weekly volume) and ``reason`` (in words).
    weekly_volume : dict
        Recent weekly volume of ``decisions`` and ``compared decisions``
        (NaN without a time column).
    reason : str
        Why the gate cannot promote whatever the evidence (no next mode, no
        ``promotion`` section); empty otherwise.
    """

    policy: str
    current_mode: str
    next_mode: str | None
    may_promote: bool
    frame: pd.DataFrame
    weekly_volume: dict
    reason: str = ""

    @property
    def failed(self) -> list[str]:
        """The criteria that do not hold."""
        return self.frame.loc[~self.frame["holds"].astype(bool), "criterion"].tolist()

    def verdict(self) -> str:
        """The decision in one sentence."""
        who = f"'{self.policy}' ({self.current_mode})"
        if self.next_mode is None:
            return (f"{who} is autonomous, the top of the ladder: there is no mode to promote "
                    f"it to.")
        if self.reason:
            return f"{who} may not move to {self.next_mode}: {self.reason}."
        n = len(self.frame)
        if self.may_promote:
            return (f"{who} may move to {self.next_mode}: all {n} promotion "
                    f"criteri{'a hold' if n != 1 else 'on holds'}.")
        bad = self.failed
        return (f"{who} may not move to {self.next_mode} yet: {len(bad)} of {n} promotion "
                f"criteria fail ({', '.join(bad)}).")

    def summary(self) -> SummaryFrame:
        """One row per criterion: what is required, what was observed, whether it holds.

        Indexed by ``criterion``; the columns of :attr:`frame` but ``unit``,
        each number printed by its metric's kind (``holds`` as yes / no, the
        ``shortfall`` as a difference: points for a rate). :meth:`in_words`
        says the same in sentences.

        Examples
        --------
        >>> import trustlab
        >>> from trustlab.datasets import make_history
        >>> from trustlab.simulate import replay
        >>> r = replay(trustlab.load_policy("policies/consumer-credit.yaml"),
        ...            make_history(n_days=28, applications_per_day=30, seed=0))
        >>> s = promotion_gate(r, signal_psi=0.04).summary()
        >>> print(s.shown()[["required", "observed", "holds", "shortfall"]])
                          required observed holds shortfall
        criterion                                          
        min_decisions        2,000      861    no    +1,139
        min_alignment        90.0%    89.4%    no  +3.7 pts
        max_override_rate     5.0%    10.6%    no  +8.7 pts
        max_signal_psi       0.100    0.040   yes     0.000
        """
        table = self.frame.drop(columns="unit").set_index("criterion")
        return summary_frame(table, metric_column="metric",
                             values=["required", "observed", "lower", "upper"],
                             changes=["shortfall"], kinds={"holds": "flag"})

    def in_words(self) -> str:
        """The verdict and one plain sentence per criterion.

        Examples
        --------
        >>> import trustlab
        >>> from trustlab.datasets import make_history
        >>> from trustlab.simulate import replay
        >>> r = replay(trustlab.load_policy("policies/consumer-credit.yaml"),
        ...            make_history(n_days=28, applications_per_day=30, seed=0))
        >>> print(promotion_gate(r, signal_psi=0.04).in_words())  # doctest: +NORMALIZE_WHITESPACE
        'consumer-credit-approval@1.2.0' (supervised) may not move to autonomous yet: 3 of 4
        promotion criteria fail (min_decisions, min_alignment, max_override_rate).
        - Decisions: 861 replayed, at least 2,000 required — fails: 1,139 more needed, about
          5.3 weeks at the recent 215.7 decisions a week.
        - Agreement with recorded human decisions: 89.4% of 481 compared decisions (95%
          interval 86.3%–91.8%); the lower bound 86.3% must reach 90.0% — fails by 3.7 pts.
          The rate itself is not above 90.0%, so more decisions at this rate will not help:
          the policy or the way people decide has to change.
        - Disagreement with recorded human decisions: 10.6% of 481 compared decisions (95%
          interval 8.2%–13.7%); the upper bound 13.7% must stay at or under 5.0% — fails by
          8.7 pts. The rate itself is not under 5.0%, so more decisions at this rate will
          not help: the policy or the way people decide has to change.
        - Largest signal drift (PSI): 0.040, at most 0.100 allowed — holds.
        """
        lines = [self.verdict()]
        lines += [f"- {_sentence(row)}" for row in self.frame.itertuples(index=False)]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.in_words()

    def __repr__(self) -> str:
        return (f"GateResult({self.policy}, {self.current_mode} -> {self.next_mode}, "
                f"may_promote={self.may_promote})")

    def plot(self, ax=None):
        """Each criterion against its requirement; see :func:`trustlab.trust.plot_gate`.

        Returns
        -------
        GateDisplay
            Holds the gate; its ``plot(ax=...)`` draws it again (``axes_``: one per criterion).
        """
        from ._plots import plot_gate

        return plot_gate(self, ax=ax)

    def to_dict(self) -> dict:
        """The gate as JSON holds it: the verdict, the modes, every criterion."""
        return {"result": "GateResult", "policy": self.policy,
                "current_mode": self.current_mode, "next_mode": self.next_mode,
                "may_promote": bool(self.may_promote), "verdict": self.verdict(),
                "reason": self.reason, "weekly_volume": plain(self.weekly_volume),
                "frame": records(self.frame)}

    def _repr_html_(self) -> str:
        colour = "#4c956c" if self.may_promote else "#c8553d"
        head = (f"<div style='border-left:6px solid {colour};padding-left:8px'>"
                f"{status_html(self.may_promote, 'MAY PROMOTE', 'HOLD')} "
                f"<b>{escape(self.verdict())}</b></div>")
        if self.frame.empty:
            return f"<div>{head}</div>"
        body = []
        for row in self.frame.itertuples(index=False):
            interval = ("" if row.lower != row.lower else
                        f"{_fmt(row.metric, row.lower)}–{_fmt(row.metric, row.upper)}")
            more = ("" if row.holds else
                    "n/a" if row.more_decisions != row.more_decisions else
                    format_metric("more_decisions", row.more_decisions)
                    + ("" if row.weeks != row.weeks else
                       f" (~{format_metric('weeks', row.weeks)})"))
            body.append(
                f"<tr><td>{status_html(row.holds, 'holds', 'fails')}</td><td><code>{escape(row.criterion)}"
                f"</code></td><td>{'≥' if row.direction == 'at_least' else '≤'} "
                f"{_fmt(row.metric, row.required)}</td><td>{_fmt(row.metric, row.observed)}</td>"
                f"<td>{interval}</td><td>{escape(more)}</td>"
                f"<td>{escape(row.reason) if not row.holds else ''}</td></tr>")
        header = ("<tr><th></th><th>criterion</th><th>required</th><th>observed</th>"
                  "<th>95% interval</th><th>more decisions</th><th>why</th></tr>")
        return f"<div>{head}<table>{header}{''.join(body)}</table></div>"


def _fmt(metric: str, v: float) -> str:
    return format_metric(metric, v)


def _by(metric: str, shortfall: float) -> str:
    """How far a criterion misses, as a size: ``3.7 pts``, ``0.012``."""
    return format_metric(metric, shortfall, change=True).lstrip("+")


def _sentence(row) -> str:
    words, m = metric_words(row.metric), row.metric
    if row.observed != row.observed:
        return f"{words}: cannot be computed — {row.reason}; a criterion without evidence fails."
    status = "holds" if row.holds else "fails"
    if m == "decisions":
        s = (f"{words}: {_fmt(m, row.observed)} replayed, at least {_fmt(m, row.required)} "
             f"required — {status}")
        return s + ("." if row.holds else f": {row.reason}.")
    if m == "max_signal_psi":
        s = (f"{words}: {_fmt(m, row.observed)}, at most {_fmt(m, row.required)} allowed — "
             f"{status}")
        return s + ("." if row.holds else f" by {_by(m, row.shortfall)}. {row.reason}.")
    bound, verb = (("lower", "must reach") if row.direction == "at_least"
                   else ("upper", "must stay at or under"))
    judged = row.lower if row.direction == "at_least" else row.upper
    s = (f"{words}: {_fmt(m, row.observed)} of {format_metric('evidence', row.evidence)} "
         f"compared decisions (95% interval {_fmt(m, row.lower)}–{_fmt(m, row.upper)}); the "
         f"{bound} bound {_fmt(m, judged)} {verb} {_fmt(m, row.required)} — {status}")
    if row.holds:
        return s + "."
    return s + f" by {_by(m, row.shortfall)}. {row.reason}."


# ----------------------------------------------------------------------------- evidence

def _recent_volume(replay: ReplayLike, compared: np.ndarray) -> tuple[dict, str]:
    """Decisions and compared decisions per week over the recent weeks; or why not."""
    nan = {"decisions": float("nan"), "compared decisions": float("nan")}
    if replay.policy.time_column is None:
        return nan, "no time column (`columns.time`), so no weekly volume to convert to weeks"
    ns = replay_times(replay, _SOURCE)
    if len(ns) == 0:
        return nan, "no decisions, so no weekly volume"
    last, first = int(ns.max()), int(ns.min())
    if last - first > RECENT_WEEKS * _WEEK_NS:  # the last RECENT_WEEKS weeks: (last - 4w, last]
        recent, weeks = ns > last - RECENT_WEEKS * _WEEK_NS, float(RECENT_WEEKS)
    elif last > first:  # a shorter history: all of it, over its span
        recent, weeks = np.ones(len(ns), dtype=bool), (last - first) / _WEEK_NS
    else:
        return nan, "every decision has the same time, so no weekly volume"
    return {"decisions": float(recent.sum()) / weeks,
            "compared decisions": float((recent & compared).sum()) / weeks}, ""


def _weeks(more: float, unit: str, volume: dict, why_not: str) -> tuple[float, str]:
    if more != more or more == 0:
        return (0.0 if more == 0 else float("nan")), ""
    rate = volume[unit]
    if rate != rate:
        return float("nan"), f"weeks cannot be given: {why_not}"
    if rate == 0:
        return float("inf"), (f"no {unit} in the last {RECENT_WEEKS} weeks, so at that pace "
                              f"never")
    return more / rate, ""


def _criteria(replay: ReplayLike, psi: float | None, ind: pd.DataFrame, volume: dict,
              why_no_weeks: str) -> pd.DataFrame:
    policy = replay.policy
    promo = policy.promotion
    n = float(len(replay.decisions))
    k = float(ind["aligned"].sum())
    m = float(ind["alignable"].sum())
    rev = policy.outcomes.reviewer if policy.outcomes is not None else None
    if rev is None or rev.decision is None:
        no_compare = ("the policy names no column of recorded human decisions "
                      "(`outcomes.reviewer.decision`), so agreement cannot be measured")
    else:
        no_compare = RATIOS["alignment"][2]
    rows = []

    def row(criterion, metric, direction, required, observed, lower, upper, judged_on,
            evidence, holds, shortfall, more, unit, reason):
        weeks, note = _weeks(more, unit, volume, why_no_weeks)
        if note:
            reason = f"{reason}; {note}" if reason else note
        elif weeks == weeks and weeks > 0:
            reason += (f", about {format_metric('weeks', weeks)} at the recent "
                       f"{format_number(volume[unit], 'count')} {unit} a week")
        rows.append(dict(zip(GATE_COLUMNS, (
            criterion, metric, direction, float(required), float(observed), float(lower),
            float(upper), judged_on, float(evidence), bool(holds), float(shortfall),
            float(more), unit, float(weeks), reason))))

    nan = float("nan")
    if promo is None:
        return pd.DataFrame(columns=list(GATE_COLUMNS))
    if promo.min_decisions is not None:
        need = float(promo.min_decisions)
        holds = n >= need
        more = max(need - n, 0.0)
        reason = "" if holds else f"{format_metric('more_decisions', more)} more needed"
        row("min_decisions", "decisions", "at_least", need, n, nan, nan, "count", n, holds,
            more, more, "decisions", reason)
    lo, hi = (float(x) for x in wilson_interval(k, m))
    for criterion, metric, direction, required in (
            ("min_alignment", "alignment", "at_least", promo.min_alignment),
            ("max_override_rate", "override_rate", "at_most", promo.max_override_rate)):
        if required is None:
            continue
        if m == 0:
            row(criterion, metric, direction, required, nan, nan, nan, "", 0.0, False, nan, nan,
                "compared decisions", no_compare)
            continue
        if metric == "alignment":
            p, lower, upper, judged = k / m, lo, hi, lo
            judged_on = "lower bound of the 95% Wilson interval"
            short = max(required - judged, 0.0)
            side = "above"
        else:
            p, lower, upper, judged = 1 - k / m, 1 - hi, 1 - lo, 1 - lo
            judged_on = "upper bound of the 95% Wilson interval"
            short = max(judged - required, 0.0)
            side = "under"
        total = decisions_for_bound(p, required, direction)
        holds = total == total and m >= total
        if holds:
            more, reason = 0.0, ""
        elif total != total:
            more = nan
            reason = (f"The rate itself is not {side} {format_metric(metric, required)}, so more "
                      f"decisions at this rate will not help: the policy or the way people "
                      f"decide has to change")
        else:
            more = total - m
            reason = (f"About {format_metric('more_decisions', more)} more compared decisions at "
                      f"this rate would clear it")
        short = 0.0 if holds else short
        row(criterion, metric, direction, required, p, lower, upper, judged_on, m, holds,
            short, more, "compared decisions", reason)
    if promo.max_signal_psi is not None:
        required = promo.max_signal_psi
        if psi is None:
            row("max_signal_psi", "max_signal_psi", "at_most", required, nan, nan, nan, "", nan,
                False, nan, nan, "", "drift was not measured: pass signal_psi=, the largest "
                                        "PSI of any signal window against the drift reference")
        else:
            holds = psi <= required
            row("max_signal_psi", "max_signal_psi", "at_most", required, psi, nan, nan,
                "measured value", nan, holds, max(psi - required, 0.0), 0.0 if holds else nan,
                "", "" if holds else "More decisions do not lower drift: find what moved "
                                        "the signal, then retrain or recalibrate")
    return pd.DataFrame(rows, columns=list(GATE_COLUMNS))


# ----------------------------------------------------------------------------- entry point

@validate_params({
    "signal_psi": [Interval(Real, 0, None, name="the largest PSI of any signal window against "
                                                "the drift reference, a number of at least 0"),
                   Options((None,), name="None when drift was not measured")]})
def promotion_gate(replay: ReplayLike, *, signal_psi: float | None = None) -> GateResult:
    """May the replayed policy move to the next mode on the autonomy ladder?

    Parameters
    ----------
    replay : Replay
        The policy replayed over history with recorded human decisions
        (:func:`trustlab.simulate.replay`); its ``policy.promotion`` says what
        evidence is needed, its ``policy.mode`` where the policy stands.
    signal_psi : float, optional
        The largest PSI of any signal window against the drift reference, as
        the drift monitor measured it. None means drift was not measured, and
        a ``max_signal_psi`` criterion then fails.

    Returns
    -------
    GateResult
        ``may_promote`` is True only when every declared criterion holds.
        Rates are judged on the 95% Wilson interval bound (see
        :mod:`trustlab.trust._gate`), with the point estimate shown. With no
        ``promotion`` section the result says so and does not promote; an
        autonomous policy has nothing to promote to (its criteria are still
        weighed, to show whether it still meets them).

    Raises
    ------
    trustlab.ParameterError
        When ``replay`` is not a Replay, or ``signal_psi`` is not a
        non-negative number or None.

    Examples
    --------
    >>> import trustlab
    >>> from trustlab.datasets import make_history
    >>> from trustlab.simulate import replay
    >>> r = replay(trustlab.load_policy("policies/consumer-credit.yaml"),
    ...            make_history(n_days=28, applications_per_day=30, seed=0))
    >>> g = promotion_gate(r, signal_psi=0.04)
    >>> g.current_mode, g.next_mode, g.may_promote
    ('supervised', 'autonomous', False)
    >>> g.frame[["criterion", "required", "observed", "holds"]].round(3)
               criterion  required  observed  holds
    0      min_decisions   2000.00   861.000  False
    1      min_alignment      0.90     0.894  False
    2  max_override_rate      0.05     0.106  False
    3     max_signal_psi      0.10     0.040   True
    """
    if not is_replay(replay):
        raise ParameterError(_SOURCE, [Problem("replay", (
            f"must be a Replay from trustlab.simulate.replay(policy, data) (a replay held in "
            f"memory); got {type(replay).__name__}"))])
    psi = None if signal_psi is None else float(signal_psi)
    policy: Policy = replay.policy
    i = MODES.index(policy.mode)
    nxt = MODES[i + 1] if i + 1 < len(MODES) else None
    ind = indicators(replay.decisions, policy.action_names)  # the replay's own definitions
    volume, why_no_weeks = _recent_volume(replay, ind["alignable"].to_numpy(dtype=bool))
    frame = _criteria(replay, psi, ind, volume, why_no_weeks)
    ident = f"{policy.name}@{policy.version}"
    if policy.promotion is None:
        reason = ("the policy has no `promotion` section, so nothing says what evidence the "
                  "next mode needs; add one (min_decisions, min_alignment, max_override_rate, "
                  "max_signal_psi)")
        return GateResult(ident, policy.mode, nxt, False, frame, volume,
                          "" if nxt is None else reason)
    may = nxt is not None and bool(frame["holds"].all()) and len(frame) > 0
    return GateResult(ident, policy.mode, nxt, may, frame, volume)
