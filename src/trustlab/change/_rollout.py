"""A staged rollout of a challenger policy, simulated on history in time order.

A rollout plan sends a growing share of cases to the challenger — 1% → 10% →
50% → 100% — and stops when the challenger's own decisions break a stop
condition. :func:`simulate_rollout` replays the champion and the challenger
over the same history and walks it period by period, in time order:

* **Assignment.** Each case's row key (the policy's ``columns.id``) is hashed
  to a number ``u`` in [0, 1) (:func:`assign`); a case goes to the challenger
  when ``u`` is below the current stage's share. The hash depends on the key
  and the plan's ``salt`` only — not on the row's position, the run or the
  machine — so shuffling the history changes nothing, and a case on the
  challenger at 10% is on it at 50% too.
* **Stages.** The rollout starts at the first stage and moves to the next
  after the stage's ``min_duration`` (in whole periods) once it has exposed
  ``min_decisions`` cases, unless a stop condition fired.
* **Stop conditions.** At the end of every period each condition is measured
  on the cases of the current stage so far (cumulative since the stage
  began): the challenger's exposed cases, or with ``over="all"`` every case
  as actually decided (challenger where exposed, champion elsewhere — what a
  review team sees). A condition is judged once it has ``min_decisions``
  cases; a metric that cannot be computed (NaN) does not fire. When one fires
  the rollout halts: from the next period on every case goes to the champion.
* **Exposure.** Over the exposed cases, the challenger's value against the
  champion's value on the same cases, and bad outcomes among each one's
  favourable decisions, overall and per stage.

Metrics mean exactly what the policy format says (they are computed with the
same indicator sums as :func:`trustlab.simulate.metric_table`), restricted to
the cases in scope. Two simplifications, as in
:func:`~trustlab.change.deploy_timeline`: each policy is replayed over the
whole history, so its rate limits and drift brakes count every case as if it
had decided them all; and outcomes are read as if known when each case was
decided (with a label delay, a stop condition on outcomes fires later).
"""

from __future__ import annotations

import difflib
import hashlib
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from .._format import axis_label, format_number, tick_formatter
from ..metrics import (SummaryFrame, currency_of, format_metric, metric, metric_words,
                       summary_frame)
from .._time import shift_times, times_ns, window_ids, window_starts
from ..policy import read_window
from ..policy import COMPARING_METRICS, METRICS
from ..policy import Policy, Window
from ..metrics import RATIOS, indicators, ratio_values
from ..simulate import Replay, replay
from ._impact import require_version_bump

__all__ = ["Stage", "StopCondition", "RolloutPlan", "RolloutHalt", "RolloutResult",
           "RolloutDisplay", "assign", "simulate_rollout", "STOP_METRICS", "MAX_PERIODS",
           "PERIOD_COLUMNS",
           "STAGE_COLUMNS", "ASSIGNMENT_COLUMNS", "EVALUATION_COLUMNS"]

_NOT_FOR_STOPS = {
    "favourable_rate_ratio": "compares the segments of a `by` column; a stop condition reads "
                             "one number for the cases in scope",
    **{m: "compares each group of a `by` column with its reference group; a stop condition "
          "reads one number for the cases in scope" for m in COMPARING_METRICS
       if m != "favourable_rate_ratio"},
    "max_signal_psi": "is measured by the drift monitor against a drift reference, not from "
                      "decisions",
    "max_feature_psi": "is measured by the drift monitor against a drift reference, not from "
                       "decisions",
}
STOP_METRICS: tuple[str, ...] = tuple(m for m in METRICS if m not in _NOT_FOR_STOPS)
"""Metrics a stop condition may name (and ``share.<action>`` for a declared action)."""

_WINDOWED = ("reviews_per_window_mean", "peak_reviews_per_window")
MAX_PERIODS = 100_000
"""A plan's ``period`` may cut the history into at most this many periods."""
_SCOPES = ("exposed", "all")

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


# ----------------------------------------------------------------------------- assignment

def _hash_key(salt: str) -> str:
    """The 16-character SipHash key for ``salt`` (hex digits of its SHA-256)."""
    return hashlib.sha256(salt.encode("utf-8")).hexdigest()[:16]


def assign(keys, salt: str = "") -> np.ndarray:
    """A number in [0, 1) for every row key, the same on every run, machine and row order.

    Each key is written as text (so ``12`` and ``"12"`` are the same key) and
    hashed with SipHash-2-4 (``pandas.util.hash_array``: the reference
    algorithm on the UTF-8 bytes, keyed by the first 16 hex digits of the
    SHA-256 of ``salt``, then a fixed 64-bit mix); the top 53 bits of the hash
    give ``u``. Nothing depends on the process (unlike Python's ``hash``) or
    on the other keys. A case goes to the challenger at share ``s`` when
    ``u < s``, so the cases at 10% are among the cases at 50%.

    Parameters
    ----------
    keys : array-like or pandas.Series
        One key per row; none missing.
    salt : str, default ""
        Changes every ``u`` at once: another rollout with another salt picks
        other cases.

    Returns
    -------
    numpy.ndarray
        float64 in [0, 1), one per key.

    Raises
    ------
    trustlab.DataError
        When a key is missing or ``salt`` is not text.

    Examples
    --------
    >>> assign(["A0000001", "A0000002", 7]).round(6).tolist()
    [0.312621, 0.968031, 0.593853]
    >>> bool(assign([7])[0] == assign(["7"])[0])
    True
    """
    if not isinstance(salt, str):
        raise DataError("assign", [Problem("salt", f"must be text; got {salt!r}")])
    s = keys if isinstance(keys, pd.Series) else pd.Series(
        np.asarray(keys, dtype=object) if not isinstance(keys, pd.Index) else keys.to_numpy())
    missing = s.isna().to_numpy()
    if missing.any():
        raise DataError("assign", [Problem("keys", f"{int(missing.sum())} keys are missing (first "
                                                   f"at position {int(np.argmax(missing))}); every "
                                                   f"case needs a key to be assigned stably")])
    text = np.asarray(s.astype(str), dtype=object)
    h = pd.util.hash_array(text, hash_key=_hash_key(salt), categorize=False)
    return (h >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


# ----------------------------------------------------------------------------- the plan

def _real(value) -> bool:
    return (isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
            and math.isfinite(value))


def _count(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _window_problems(value, where: str) -> tuple[Window | None, list[Problem]]:
    try:
        return read_window(value, "plan", where), []
    except DataError as exc:
        return None, list(exc.problems)


def _stage_problems(share, min_duration, min_decisions) -> list[Problem]:
    problems = []
    if not _real(share) or not 0 < share <= 1:
        problems.append(Problem("share", f"must be a number above 0 and at most 1 (the share of "
                                         f"cases on the challenger, e.g. 0.1 for 10%); got "
                                         f"{share!r}"))
    problems += _window_problems(min_duration, "min_duration")[1]
    if not _count(min_decisions) or min_decisions < 0:
        problems.append(Problem("min_decisions", f"must be a whole number of at least 0 (cases "
                                                 f"the stage exposes before it may advance); "
                                                 f"got {min_decisions!r}"))
    return problems


@dataclass(frozen=True)
class Stage:
    """One stage of a rollout: a share of cases on the challenger for at least a while.

    Parameters
    ----------
    share : float
        Share of cases on the challenger, above 0 and at most 1.
    min_duration : str, default "7D"
        The stage lasts at least this long (a window such as ``7D``, ``12h``,
        ``1W`` or ``1M``, a calendar month), rounded up to whole periods of
        the plan and counted from the start of the stage's first period (the
        history's first period may be partial).
        Unused for the last stage, which lasts until the history ends.
    min_decisions : int, default 0
        ...and until it has exposed at least this many cases, so that a stop
        condition has seen enough before the share grows.

    Raises
    ------
    trustlab.DataError
        Naming the field that is not valid.

    Examples
    --------
    >>> Stage(0.1, "14D").window.words
    '14 days'
    >>> Stage(1.5)
    Traceback (most recent call last):
    ...
    trustlab._errors.DataError: Stage: share: must be a number above 0 and at most 1 (the share of cases on the challenger, e.g. 0.1 for 10%); got 1.5
    """

    share: float
    min_duration: str = "7D"
    min_decisions: int = 0

    def __post_init__(self) -> None:
        problems = _stage_problems(self.share, self.min_duration, self.min_decisions)
        if problems:
            raise DataError("Stage", problems)
        object.__setattr__(self, "share", float(self.share))
        object.__setattr__(self, "min_decisions", int(self.min_decisions))

    @property
    def window(self) -> Window:
        """``min_duration`` as a :class:`~trustlab.policy.Window`."""
        return read_window(self.min_duration, "Stage", "min_duration")

    def describe(self) -> str:
        """The stage in words, e.g. ``10% for at least 7 days``."""
        extra = f" and {self.min_decisions:,} exposed cases" if self.min_decisions else ""
        return f"{_pct(self.share)} for at least {self.window.words}{extra}"


def _metric_problem(metric) -> Problem | None:
    if not isinstance(metric, str) or not metric:
        return Problem("metric", f"must be a metric name such as 'bad_rate_favourable'; got "
                                 f"{metric!r}")
    if metric in _NOT_FOR_STOPS:
        return Problem("metric", f"'{metric}' {_NOT_FOR_STOPS[metric]}; stop conditions may use: "
                                 f"{', '.join(STOP_METRICS)}, share.<action>")
    if metric in METRICS or (metric.startswith("share.") and len(metric) > len("share.")):
        return None
    close = difflib.get_close_matches(metric, list(STOP_METRICS), n=1, cutoff=0.6)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return Problem("metric", f"unknown metric '{metric}'.{hint} Stop conditions may use: "
                             f"{', '.join(STOP_METRICS)}, share.<action>")


def _stop_problems(metric, at_most, at_least, min_decisions, over) -> list[Problem]:
    problems = []
    bad_metric = _metric_problem(metric)
    if bad_metric is not None:
        problems.append(bad_metric)
    if (at_most is None) == (at_least is None):
        which = "both" if at_most is not None else "neither"
        problems.append(Problem("at_most", f"give exactly one of `at_most` (stop when the metric "
                                           f"goes above it) and `at_least` (stop when it goes "
                                           f"below it); got {which}"))
    for name, bound in (("at_most", at_most), ("at_least", at_least)):
        if bound is not None and not _real(bound):
            problems.append(Problem(name, f"must be a finite number; got {bound!r}"))
    if not _count(min_decisions) or min_decisions < 1:
        problems.append(Problem("min_decisions", f"must be a whole number of at least 1 (cases "
                                                 f"in scope before the condition is judged); "
                                                 f"got {min_decisions!r}"))
    if over not in _SCOPES:
        problems.append(Problem("over", f"must be 'exposed' (the challenger's cases) or 'all' "
                                        f"(every case as decided in the stage); got {over!r}"))
    return problems


@dataclass(frozen=True)
class StopCondition:
    """Halt the rollout when a metric of the current stage crosses a bound.

    Parameters
    ----------
    metric : str
        A metric of the policy format (:data:`STOP_METRICS`, or
        ``share.<action>`` for an action the challenger declares).
    at_most : float, optional
        Stop when the metric goes above this...
    at_least : float, optional
        ...or below this; give exactly one.
    min_decisions : int, default 100
        Judge the condition only once the stage has this many cases in scope.
    over : {"exposed", "all"}, default "exposed"
        The challenger's exposed cases, or every case of the stage as decided
        (challenger where exposed, champion elsewhere), e.g. for the review
        team's ``peak_reviews_per_window``.

    Raises
    ------
    trustlab.DataError
        Naming the field that is not valid; an unknown metric gets the
        supported names.

    Examples
    --------
    >>> StopCondition("bad_rate_favourable", at_most=0.06).describe()
    'bad_rate_favourable > 0.06'
    >>> StopCondition("peak_reviews_per_window", at_most=250, over="all").describe()
    'peak_reviews_per_window (all cases) > 250'
    >>> StopCondition("bad_rate_favorable", at_most=0.06)
    Traceback (most recent call last):
    ...
    trustlab._errors.DataError: StopCondition: metric: unknown metric 'bad_rate_favorable'. Did you mean 'bad_rate_favourable'? ...
    """

    metric: str
    at_most: float | None = None
    at_least: float | None = None
    min_decisions: int = 100
    over: str = "exposed"

    def __post_init__(self) -> None:
        problems = _stop_problems(self.metric, self.at_most, self.at_least, self.min_decisions,
                                  self.over)
        if problems:
            raise DataError("StopCondition", problems)
        for name in ("at_most", "at_least"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, float(getattr(self, name)))
        object.__setattr__(self, "min_decisions", int(self.min_decisions))

    @property
    def bound(self) -> float:
        """The one bound given."""
        bound = self.at_most if self.at_most is not None else self.at_least
        return float(bound)  # type: ignore[arg-type]  # exactly one is given

    @property
    def column(self) -> str:
        """Its column in :attr:`RolloutResult.periods`: the metric (`` (all)`` added for "all")."""
        return self.metric if self.over == "exposed" else f"{self.metric} (all)"

    def describe(self) -> str:
        """What stops the rollout, e.g. ``override_rate > 0.1``."""
        op = ">" if self.at_most is not None else "<"
        scope = " (all cases)" if self.over == "all" else ""
        return f"{self.metric}{scope} {op} {self.bound:g}"

    def breaks(self, value: np.ndarray) -> np.ndarray:
        """True where ``value`` is outside the bound (NaN never is)."""
        v = np.asarray(value, dtype=float)
        with np.errstate(invalid="ignore"):
            return v > self.at_most if self.at_most is not None else v < self.at_least


_PLAN_KEYS = ("stages", "stop", "period", "salt")
_STAGE_KEYS = ("share", "min_duration", "min_decisions")
_STOP_KEYS = ("metric", "at_most", "at_least", "min_decisions", "over")


@dataclass(frozen=True)
class RolloutPlan:
    """Stages, stop conditions, the period they are judged in, and the assignment salt.

    Parameters
    ----------
    stages : sequence of Stage
        At least one, shares strictly increasing.
    stop : sequence of StopCondition, default ()
        Judged at the end of every period, in this order.
    period : str, default "1D"
        How often the rollout is looked at (a window such as ``1D``, ``12h``,
        ``1W``, ``1M``; aligned to the Unix epoch in UTC, weeks from Monday,
        months and quarters from the first of the month): stop
        conditions are judged and stages change only at period boundaries.
        At most :data:`MAX_PERIODS` periods.
    salt : str, default ""
        Passed to :func:`assign`.

    Raises
    ------
    trustlab.DataError
        Naming the field, e.g. ``stages[2].share`` when shares do not increase.

    Examples
    --------
    >>> plan = RolloutPlan.from_dict({
    ...     "stages": [{"share": 0.01, "min_duration": "7D"}, {"share": 0.1, "min_duration": "7D"},
    ...                {"share": 0.5, "min_duration": "14D"}, {"share": 1.0}],
    ...     "stop": [{"metric": "bad_rate_favourable", "at_most": 0.06},
    ...              {"metric": "override_rate", "at_most": 0.15, "min_decisions": 200}]})
    >>> plan.describe()
    '1% → 10% → 50% → 100%, judged every day; stop if bad_rate_favourable > 0.06 or override_rate > 0.15'
    >>> RolloutPlan.from_dict(plan.to_dict()) == plan
    True
    >>> RolloutPlan([Stage(0.5), Stage(0.1)])
    Traceback (most recent call last):
    ...
    trustlab._errors.DataError: RolloutPlan: stages[1].share: 0.1 is not above the share of stages[0] (0.5); shares must increase, e.g. 0.01, 0.1, 0.5, 1.0
    """

    stages: tuple[Stage, ...]
    stop: tuple[StopCondition, ...] = ()
    period: str = "1D"
    salt: str = ""

    def __post_init__(self) -> None:
        problems = []
        stages = tuple(self.stages) if isinstance(self.stages, Sequence) else None
        stop = tuple(self.stop) if isinstance(self.stop, Sequence) else None
        if stages is None or not stages:
            problems.append(Problem("stages", f"must be a non-empty list of Stage; got "
                                              f"{self.stages!r}"))
            stages = ()
        for i, s in enumerate(stages):
            if not isinstance(s, Stage):
                problems.append(Problem(f"stages[{i}]", f"must be a Stage; got {s!r}"))
        shares = [(i, s.share) for i, s in enumerate(stages) if isinstance(s, Stage)]
        for (i, a), (j, b) in zip(shares, shares[1:]):
            if b <= a:
                problems.append(Problem(f"stages[{j}].share", f"{b:g} is not above the share of "
                                                              f"stages[{i}] ({a:g}); shares must "
                                                              f"increase, e.g. 0.01, 0.1, 0.5, 1.0"))
        if stop is None:
            problems.append(Problem("stop", f"must be a list of StopCondition; got {self.stop!r}"))
            stop = ()
        for i, c in enumerate(stop):
            if not isinstance(c, StopCondition):
                problems.append(Problem(f"stop[{i}]", f"must be a StopCondition; got {c!r}"))
        problems += _window_problems(self.period, "period")[1]
        if not isinstance(self.salt, str):
            problems.append(Problem("salt", f"must be text; got {self.salt!r}"))
        if problems:
            raise DataError("RolloutPlan", problems)
        object.__setattr__(self, "stages", stages)
        object.__setattr__(self, "stop", stop)

    @classmethod
    def from_dict(cls, spec: Mapping) -> RolloutPlan:
        """A plan from a mapping (e.g. read from YAML), every problem reported at once.

        ``{"stages": [{"share": 0.01, "min_duration": "7D", "min_decisions": 0}, ...],
        "stop": [{"metric": ..., "at_most": ..., "min_decisions": 100, "over": "exposed"}, ...],
        "period": "1D", "salt": ""}``; only ``stages`` is required.

        Raises
        ------
        trustlab.DataError
            Listing every problem, each led by its path (``stop[1].metric``).
        """
        if not isinstance(spec, Mapping):
            raise DataError("Rollout plan", [Problem("(plan)", f"must be a mapping with `stages` "
                                                               f"and optionally `stop`, `period`, "
                                                               f"`salt`; got {spec!r}")])
        problems = [Problem(str(k), f"is not a plan field; fields: {', '.join(_PLAN_KEYS)}")
                    for k in spec if k not in _PLAN_KEYS]
        if "stages" not in spec:
            problems.append(Problem("stages", "is required: a list such as [{share: 0.1, "
                                              "min_duration: 7D}, {share: 1.0}]"))

        def items(key: str, fields: tuple[str, ...], make) -> list:
            raw = spec.get(key, [])
            if not isinstance(raw, (list, tuple)):
                problems.append(Problem(key, f"must be a list; got {raw!r}"))
                return []
            out = []
            for i, item in enumerate(raw):
                where = f"{key}[{i}]"
                if not isinstance(item, Mapping):
                    problems.append(Problem(where, f"must be a mapping with fields "
                                                   f"{', '.join(fields)}; got {item!r}"))
                    continue
                unknown = [k for k in item if k not in fields]
                problems.extend(Problem(f"{where}.{k}", f"is not a field; fields: "
                                                        f"{', '.join(fields)}") for k in unknown)
                try:
                    out.append(make(**{k: v for k, v in item.items() if k in fields}))
                except DataError as exc:
                    problems.extend(Problem(f"{where}.{p.where}", p.message) for p in exc.problems)
                except TypeError:
                    problems.append(Problem(where, f"needs `{fields[0]}`"))
            return out

        stages = items("stages", _STAGE_KEYS, Stage)
        stop = items("stop", _STOP_KEYS, StopCondition)
        if problems:
            raise DataError("Rollout plan", problems)
        try:
            return cls(tuple(stages), tuple(stop), spec.get("period", "1D"), spec.get("salt", ""))
        except DataError as exc:
            raise DataError("Rollout plan", exc.problems) from None

    def to_dict(self) -> dict:
        """The plan as plain data (the inverse of :meth:`from_dict`)."""
        return {
            "stages": [{"share": s.share, "min_duration": s.min_duration,
                        "min_decisions": s.min_decisions} for s in self.stages],
            "stop": [{"metric": c.metric, **({"at_most": c.at_most} if c.at_most is not None
                                             else {"at_least": c.at_least}),
                      "min_decisions": c.min_decisions, "over": c.over} for c in self.stop],
            "period": self.period, "salt": self.salt,
        }

    @property
    def period_window(self) -> Window:
        """``period`` as a :class:`~trustlab.policy.Window`."""
        return read_window(self.period, "RolloutPlan", "period")

    def _repr_html_(self) -> str:
        from html import escape

        stages = "".join(f"<tr><td>{k + 1}</td><td>{escape(st.describe())}</td></tr>"
                         for k, st in enumerate(self.stages))
        stops = "".join(f"<li>{escape(c.describe())}</li>" for c in self.stop) or \
            "<li>none: the rollout only stops by hand</li>"
        return (f"<div><b>Rollout plan</b>, judged every {escape(self.period_window.words)}"
                f"<table><tr><th>stage</th><th>exposure</th></tr>{stages}</table>"
                f"<p>Stop when:</p><ul>{stops}</ul></div>")

    def describe(self) -> str:
        """The plan in one line."""
        shares = " → ".join(_pct(s.share) for s in self.stages)
        stops = " or ".join(c.describe() for c in self.stop)
        tail = f"; stop if {stops}" if stops else "; no stop conditions"
        return f"{shares}, judged every {self.period_window.words}{tail}"


def _pct(share: float) -> str:
    """A stage's share: ``50%``, ``12.5%`` (whole percentages without decimals)."""
    return format_number(share, "share", trim=True)


# ----------------------------------------------------------------------------- the result

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


@dataclass(frozen=True)
class RolloutDisplay:
    """A drawn rollout: ``ax_`` (the share), ``metric_axes_`` (one per stop metric), ``figure_``."""

    ax_: object
    metric_axes_: tuple
    figure_: object


@dataclass(frozen=True, eq=False)
class RolloutResult:
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
        per stop metric, sharing the time axis.
        """
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
            mx.set_ylabel(axis_label(metric_words(conds[0].metric), kind, currency=cur),
                          fontsize=8)
            mx.set_title(f"{col} ({'challenger' if conds[0].over == 'exposed' else 'all'} "
                         f"cases, cumulative within each stage)", loc="left", fontsize=9)
            mx.legend(loc="best", fontsize=7)
        (metric_axes[-1] if metric_axes else ax).set_xlabel(
            f"Start of the {self.plan.period_window.words}")
        fig.autofmt_xdate()
        if len(metric_axes):
            fig.tight_layout()
        return RolloutDisplay(ax, metric_axes, fig)

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


# ----------------------------------------------------------------------------- simulation

def _metric(name: str, sums: dict[str, np.ndarray]) -> np.ndarray:
    """A non-windowed metric from cumulative indicator sums (any shape), as :func:`metric_table`."""
    if name in RATIOS or name == "value_total":
        return ratio_values(sums, [name])[name]
    if name == "override_rate":
        return 1.0 - ratio_values(sums, ["alignment"])["alignment"]
    if name == "decisions":
        return np.asarray(sums["rows"], dtype=float)
    if name == "guardrail_interventions":
        return np.asarray(sums[name], dtype=float)
    rows = np.asarray(sums["rows"], dtype=float)  # share.<action>
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(rows > 0, sums[name] / np.where(rows > 0, rows, 1), np.nan)


def _sums_needed(metric: str) -> tuple[str, ...]:
    """The indicator sums (columns of ``indicators``) that ``metric`` reads, besides ``rows``."""
    if metric in RATIOS:
        return RATIOS[metric][:2]
    return {"value_total": ("value", "valued"), "override_rate": ("aligned", "alignable"),
            "decisions": (), "guardrail_interventions": ("guardrail_interventions",),
            **dict.fromkeys(_WINDOWED, ("human",))}.get(metric, (metric,))  # share.<action>


def _start_ns(ids, window: Window) -> np.ndarray:
    """UTC nanoseconds of the start of each window id (calendar months and quarters too)."""
    return window_starts(ids, window).asi8


def _column(champion: Policy, challenger: Policy, attr: str, what: str) -> str:
    """The challenger's ``columns.id``/``columns.time`` (the champion's must agree where given)."""
    mine, theirs = getattr(challenger, attr), getattr(champion, attr)
    if mine is None and attr == "time_column":
        mine = theirs
    if mine is None:
        why = ("rows without a stable key cannot be assigned stably: declare the row key, e.g. "
               "`columns: {id: application_id}`" if attr == "id_column" else
               "the rollout walks the history in time order: declare `columns: {time: ...}`")
        raise DataError(f"Policy '{challenger.name}@{challenger.version}'", [Problem(
            f"columns.{what}", f"is not declared; {why}")])
    if theirs is not None and theirs != mine:
        raise DataError("simulate_rollout", [Problem(
            f"columns.{what}", f"the champion names '{theirs}' and the challenger '{mine}'; both "
                               f"must read the same column")])
    return mine


def _keys(data: pd.DataFrame, key: str) -> pd.Series:
    s = data[key]
    problems = []
    missing = s.isna().to_numpy()
    if missing.any():
        rows = ", ".join(map(str, data.index[missing][:5]))
        problems.append(Problem(f"column '{key}'", f"{int(missing.sum())} rows have no key "
                                                   f"(rows {rows}); every case needs a key to be "
                                                   f"assigned stably"))
    text = s.astype(str)
    dup = text.duplicated(keep=False).to_numpy() & ~missing
    if dup.any():
        shown = ", ".join(map(repr, pd.unique(text[dup])[:5]))
        problems.append(Problem(f"column '{key}'", f"{int(dup.sum())} rows share a key ({shown}); "
                                                   f"the row key must be unique, one case per "
                                                   f"key, or the cases would be assigned together"))
    if problems:
        raise DataError("Data for the rollout", problems)
    return s


def _check_inputs(champion, challenger, data, plan, replays) -> None:
    problems = []
    for name, p in (("champion", champion), ("challenger", challenger)):
        if not isinstance(p, Policy):
            problems.append(Problem(name, f"must be a Policy (trustlab.load_policy); got "
                                          f"{type(p).__name__}"))
    if not isinstance(data, pd.DataFrame):
        problems.append(Problem("data", f"must be a pandas DataFrame; got {type(data).__name__}"))
    elif len(data) == 0:
        problems.append(Problem("data", "has no rows; a rollout needs history to walk"))
    if not isinstance(plan, RolloutPlan):
        problems.append(Problem("plan", f"must be a RolloutPlan (RolloutPlan.from_dict(...)); "
                                        f"got {type(plan).__name__}"))
    for name, r in replays:
        if r is not None and not isinstance(r, Replay):
            problems.append(Problem(name, f"must be a Replay; got {type(r).__name__}"))
    if problems:
        raise DataError("simulate_rollout", problems)


def _stop_fit(plan: RolloutPlan, challenger: Policy) -> None:
    problems = []
    for i, c in enumerate(plan.stop):
        action = c.metric[len("share."):] if c.metric.startswith("share.") else None
        if action is not None and action not in challenger.action_names:
            problems.append(Problem(f"stop[{i}].metric", f"'{c.metric}' names an action the "
                                                         f"challenger does not declare; its "
                                                         f"actions: "
                                                         f"{', '.join(challenger.action_names)}"))
        if c.metric in _WINDOWED and (challenger.outcomes is None
                                      or challenger.outcomes.window is None):
            problems.append(Problem(f"stop[{i}].metric", f"'{c.metric}' counts reviews per "
                                                         f"`outcomes.window`, which the "
                                                         f"challenger does not declare"))
    if problems:
        raise DataError("Rollout plan", problems)


def _own_replay(r: Replay | None, policy: Policy, data: pd.DataFrame, seed: int,
                name: str) -> Replay:
    if r is None:
        return replay(policy, data, seed=seed)
    if r.policy.content_hash != policy.content_hash or not r.decisions.index.equals(data.index):
        raise DataError("simulate_rollout", [Problem(name, f"must be a replay of the {name[:-7]} "
                                                           f"over this data (same policy, same "
                                                           f"rows)")])
    return r


def _by_cell(cell: np.ndarray, n_cells: int, ind: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.bincount(cell, weights=v, minlength=n_cells) for k, v in ind.items()}


def simulate_rollout(champion: Policy, challenger: Policy, data: pd.DataFrame, plan: RolloutPlan,
                     *, seed: int = 0, champion_replay: Replay | None = None,
                     challenger_replay: Replay | None = None) -> RolloutResult:
    """Simulate a staged rollout of ``challenger`` in place of ``champion`` on history.

    Parameters
    ----------
    champion : Policy
        The policy live today; decides every case not on the challenger.
    challenger : Policy
        The policy being rolled out, with ``columns.id`` (the row key that
        assigns cases) and a time column (its own or the champion's). The
        same ``name@version`` as the champion with other content is refused.
    data : pandas.DataFrame
        History with what both policies read, the row key and the time.
    plan : RolloutPlan
    seed : int, default 0
        Seeds both replays' simulated reviewer (the same draws for both).
    champion_replay, challenger_replay : Replay, optional
        Replays of ``data`` already made.

    Returns
    -------
    RolloutResult

    Raises
    ------
    trustlab.DataError
        For a challenger without ``columns.id`` or a time column, a key
        column that is missing, has gaps or repeats a key, a stop condition
        the challenger cannot be measured on, or anything :func:`replay`
        refuses.
    trustlab.PolicyError
        When both policies claim the same ``name@version`` with different content.

    Examples
    --------
    >>> import trustlab
    >>> from trustlab.datasets import make_history
    >>> old = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> new = trustlab.load_policy("policies/consumer-credit-braked.yaml")
    >>> plan = RolloutPlan([Stage(0.1, "7D"), Stage(0.5, "7D"), Stage(1.0)],
    ...                    stop=[StopCondition("automation_rate", at_least=0.3)])
    >>> r = simulate_rollout(old, new, make_history(n_days=28, applications_per_day=40), plan)
    >>> r.stages["status"].tolist()
    ['advanced', 'advanced', 'running at the end']
    >>> r.periods[["stage", "share"]].drop_duplicates().to_numpy().tolist()
    [[0, 0.1], [1, 0.5], [2, 1.0]]
    >>> bool(r.assignment["exposed"].eq(r.assignment["u"] < r.assignment["share"]).all())
    True
    """
    _check_inputs(champion, challenger, data, plan, (("champion_replay", champion_replay),
                                                     ("challenger_replay", challenger_replay)))
    require_version_bump(champion, challenger)
    key_col = _column(champion, challenger, "id_column", "id")
    time_col = _column(champion, challenger, "time_column", "time")
    absent = [c for c in dict.fromkeys((key_col, time_col)) if c not in data.columns]
    if absent:
        raise DataError("Data for the rollout", [Problem(
            f"column '{c}'", f"is missing; the policies name it in `columns`. Columns: "
                             f"{', '.join(map(str, data.columns))}") for c in absent])
    keys = _keys(data, key_col)
    time_format = challenger.time_format if challenger.time_column else champion.time_format
    ns, why, _ = times_ns(data[time_col], time_format)
    if ns is None:
        raise DataError("Data for the rollout", [Problem(f"column '{time_col}'", str(why))])
    _stop_fit(plan, challenger)
    rc = _own_replay(champion_replay, champion, data, seed, "champion_replay")
    rx = _own_replay(challenger_replay, challenger, data, seed, "challenger_replay")

    stages, conds = plan.stages, plan.stop
    K = len(stages)
    shares = np.array([s.share for s in stages])
    period = plan.period_window
    pid = window_ids(ns, period)
    p0 = int(pid.min())
    pidx = (pid - p0).astype(np.int64)
    P = int(pidx.max()) + 1
    if P > MAX_PERIODS:
        raise DataError("Rollout plan", [Problem(
            "period", f"'{plan.period}' cuts the history into {P:,} periods (at most "
                      f"{MAX_PERIODS:,}); judge the rollout less often, e.g. every 1h or 1D")])
    u = assign(keys, plan.salt)
    # the first stage whose share exceeds u: exposed at stage k ⇔ kmin <= k ⇔ u < share_k
    kmin = np.searchsorted(shares, u, side="right")

    # indicator sums per (period, kmin), cumulated over kmin: exposed sums at each stage
    share_actions = tuple(dict.fromkeys(c.metric[len("share."):] for c in conds
                                        if c.metric.startswith("share.")))
    ind_x = indicators(rx.decisions, share_actions)
    ind_c = indicators(rc.decisions, share_actions)
    needed = ["rows", *dict.fromkeys(n for c in conds for n in _sums_needed(c.metric))]
    cell = pidx * (K + 1) + kmin
    Sx = _by_cell(cell, P * (K + 1), {k: ind_x[k].to_numpy() for k in needed})
    Sc = _by_cell(cell, P * (K + 1), {k: ind_c[k].to_numpy() for k in needed})
    Ex = {k: np.cumsum(v.reshape(P, K + 1), axis=1)[:, :K] for k, v in Sx.items()}  # (P, K)
    Ec = {k: np.cumsum(v.reshape(P, K + 1), axis=1) for k, v in Sc.items()}
    scope_sums = {
        "exposed": Ex,
        "all": {k: Ex[k] + Ec[k][:, K:] - Ec[k][:, :K] for k in Ex},
    }

    # reviews per window, per (period, window) cell, for the windowed metrics
    windowed = any(c.metric in _WINDOWED for c in conds)
    if windowed:
        win = challenger.outcomes.window  # type: ignore[union-attr]  # checked in _stop_fit
        wid = window_ids(ns, win)
        w0 = int(wid.min())
        widx = (wid - w0).astype(np.int64)
        W = int(widx.max()) + 1
        pw, pw_code = np.unique(pidx * W + widx, return_inverse=True)
        cell_period, cell_window = pw // W, pw % W
        hcell = pw_code * (K + 1) + kmin
        hx = np.bincount(hcell, weights=ind_x["human"].to_numpy(), minlength=len(pw) * (K + 1))
        hc = np.bincount(hcell, weights=ind_c["human"].to_numpy(), minlength=len(pw) * (K + 1))
        hx = np.cumsum(hx.reshape(-1, K + 1), axis=1)
        hc = np.cumsum(hc.reshape(-1, K + 1), axis=1)
        human = {"exposed": hx[:, :K], "all": hx[:, :K] + hc[:, K:] - hc[:, :K]}
        t_first, t_last = int(ns.min()), int(ns.max())

    def stage_values(k: int, s: int) -> tuple[dict, dict]:
        """Cumulative values and case counts of every condition over periods s.. of stage k."""
        values, cases = {}, {}
        cum = {sc: {name: np.cumsum(v[s:, k]) for name, v in scope_sums[sc].items()}
               for sc in {c.over for c in conds}}
        for c in conds:
            if c.column in values:
                continue
            sums = cum[c.over]
            cases[c.column] = sums["rows"]
            if c.metric not in _WINDOWED:
                values[c.column] = _metric(c.metric, sums)
                continue
            c0 = int(np.searchsorted(cell_period, s))
            h = human[c.over][c0:, k]
            running = pd.Series(h).groupby(cell_window[c0:]).cumsum().to_numpy()
            peak_cells = np.maximum.accumulate(running) if len(running) else running
            last = np.searchsorted(cell_period[c0:], np.arange(s, P), side="right") - 1
            if c.metric == "peak_reviews_per_window":
                values[c.column] = np.where(last >= 0, peak_cells[np.maximum(last, 0)]
                                            if len(peak_cells) else 0.0, 0.0)
            else:
                lo = max(int(_start_ns([s + p0], period)[0]), t_first)
                hi = np.minimum(_start_ns(np.arange(s, P) + p0 + 1, period) - 1, t_last)
                n_win = window_ids(hi, win) - window_ids(np.array([lo]), win)[0] + 1
                values[c.column] = cum[c.over]["human"] / n_win
        return values, cases

    period_stage = np.full(P, -1, dtype=np.int64)
    metric_cols = list(dict.fromkeys(c.column for c in conds))
    col_values = {c: np.full(P, np.nan) for c in metric_cols}
    col_cases = {c: np.zeros(P) for c in metric_cols}
    fired_at = np.zeros((P, len(conds)), dtype=bool)
    stage_exposed = np.zeros(P)
    started: list[int] = []
    halt_period, halt_stage = None, None
    k, s = 0, 0
    while True:
        started.append(s)
        values, cases = stage_values(k, s)
        exposed_cum = np.cumsum(Ex["rows"][s:, k])
        fires = np.zeros((P - s, len(conds)), dtype=bool)
        for j, c in enumerate(conds):
            fires[:, j] = (cases[c.column] >= c.min_decisions) & c.breaks(values[c.column])
        any_fire = fires.any(axis=1)
        j_fire = int(np.argmax(any_fire)) if any_fire.any() else None
        j_adv = None
        if k < K - 1:
            # lasted long enough: the period ends at or after the stage's start + min_duration
            due = shift_times(int(_start_ns([s + p0], period)[0]), stages[k].window)
            ends = _start_ns(np.arange(s, P) + p0 + 1, period)
            ready = (ends >= due) & (exposed_cum >= stages[k].min_decisions)
            j_adv = int(np.argmax(ready)) if ready.any() else None
        end = P - 1
        if j_fire is not None and (j_adv is None or j_fire <= j_adv):
            end = s + j_fire
            halt_period, halt_stage = end, k
        elif j_adv is not None and s + j_adv + 1 < P:
            end = s + j_adv
        span = slice(s, end + 1)
        period_stage[span] = k
        stage_exposed[span] = exposed_cum[: end + 1 - s]
        for col in metric_cols:
            col_values[col][span] = values[col][: end + 1 - s]
            col_cases[col][span] = cases[col][: end + 1 - s]
        fired_at[span] = fires[: end + 1 - s]
        if halt_period is not None or end == P - 1:
            break
        k, s = k + 1, end + 1

    # per-row assignment
    row_stage = period_stage[pidx]
    running = row_stage >= 0
    exposed = running & (kmin <= np.where(running, row_stage, 0))
    row_share = np.where(running, shares[np.maximum(row_stage, 0)], 0.0)
    period_starts = pd.DatetimeIndex(_start_ns(np.arange(P) + p0, period))
    stage_col = pd.array(np.where(period_stage >= 0, period_stage, 0), dtype="Int64")
    stage_col[period_stage < 0] = pd.NA
    row_stage_col = stage_col[pidx]
    arm = np.where(exposed, "challenger", "champion")

    def pick(col: str) -> np.ndarray:
        return np.where(exposed, rx.records[col].astype(object).to_numpy(),
                        rc.records[col].astype(object).to_numpy())

    assignment = pd.DataFrame({
        "key": keys.to_numpy(), "period_start": period_starts[pidx], "u": u,
        "stage": row_stage_col, "share": row_share, "exposed": exposed, "arm": arm,
        "action": pick("action"), "policy": pick("policy"),
        "policy_version": pick("policy_version"), "policy_hash": pick("policy_hash"),
    }, index=data.index, columns=list(ASSIGNMENT_COLUMNS))

    # periods and evaluations
    halted = np.zeros(P, dtype=bool)
    if halt_period is not None:
        halted[halt_period + 1:] = True
    labels = [c.describe() for c in conds]
    fired_text = [("; ".join(lab for lab, f in zip(labels, row) if f) or None) for row in fired_at]
    counts = np.bincount(pidx, minlength=P)
    periods = pd.DataFrame({
        "period_start": period_starts, "stage": stage_col,
        "share": np.where(period_stage >= 0, shares[np.maximum(period_stage, 0)], 0.0),
        "decisions": counts, "exposed": np.bincount(pidx, weights=exposed, minlength=P).astype(
            np.int64),
        "stage_exposed": stage_exposed.astype(np.int64),
        **{col: col_values[col] for col in metric_cols},
        "fired": pd.Series(fired_text, dtype=object), "halted": halted,
    })
    live = np.flatnonzero(period_stage >= 0)
    evaluations = pd.DataFrame({
        "period_start": np.tile(period_starts[live], len(conds)),
        "stage": np.tile(period_stage[live], len(conds)),
        "condition": np.repeat(labels, len(live)),
        "metric": np.repeat([c.metric for c in conds], len(live)),
        "over": np.repeat([c.over for c in conds], len(live)),
        "value": np.concatenate([col_values[c.column][live] for c in conds]) if conds else [],
        "bound": np.repeat([c.bound for c in conds], len(live)),
        "cases": np.concatenate([col_cases[c.column][live] for c in conds]).astype(np.int64)
        if conds else np.array([], dtype=np.int64),
        "judged": np.concatenate([col_cases[c.column][live] >= c.min_decisions for c in conds])
        if conds else np.array([], dtype=bool),
        "fired": np.concatenate([fired_at[live, j] for j in range(len(conds))])
        if conds else np.array([], dtype=bool),
    }, columns=list(EVALUATION_COLUMNS))

    # stages and exposure
    vx = rx.decisions["value"].to_numpy(dtype=float)
    vc = rc.decisions["value"].to_numpy(dtype=float)
    both = exposed & ~np.isnan(vx) & ~np.isnan(vc)
    g = np.where(running, row_stage, K)  # K collects the rows of halted periods

    def per_stage(weights) -> np.ndarray:
        return np.bincount(g, weights=weights, minlength=K + 1)[:K]

    n_rows, n_exposed, n_valued = per_stage(None), per_stage(exposed), per_stage(both)
    val_x = per_stage(np.where(both, vx, 0.0))
    val_c = per_stage(np.where(both, vc, 0.0))
    bad_x = per_stage(exposed & ind_x["fav_bad"].to_numpy(dtype=bool))
    bad_c = per_stage(exposed & ind_c["fav_bad"].to_numpy(dtype=bool))
    stage_rows = []
    for i, st in enumerate(stages):
        reached = i < len(started)
        n_p = int((period_stage == i).sum())
        if not reached:
            status = "not reached"
        elif halt_stage == i:
            status = "halted"
        elif i + 1 < len(started):
            status = "advanced"
        else:
            status = "running at the end"
        stage_rows.append({
            "stage": i, "share": st.share, "status": status,
            "started": period_starts[started[i]] if reached else pd.NaT,
            "ended": period_starts[started[i] + n_p - 1] if reached else pd.NaT,
            "periods": n_p, "decisions": int(n_rows[i]),
            "exposed": int(n_exposed[i]), "valued": int(n_valued[i]),
            "challenger_value": float(val_x[i]), "champion_value": float(val_c[i]),
            "value_difference": float(val_x[i] - val_c[i]),
            "challenger_bad": int(bad_x[i]), "champion_bad": int(bad_c[i]),
        })
    stage_frame = pd.DataFrame(stage_rows, columns=list(STAGE_COLUMNS))

    halt = None
    if halt_period is not None:
        which = [c for c, f in zip(conds, fired_at[halt_period]) if f]
        first = which[0]
        halt = RolloutHalt(first, int(halt_stage), float(shares[halt_stage]),
                           period_starts[halt_period], float(col_values[first.column][halt_period]),
                           int(col_cases[first.column][halt_period]), tuple(which[1:]))
    return RolloutResult(plan, champion, challenger, periods, evaluations, stage_frame, assignment,
                         halt, rc, rx)
