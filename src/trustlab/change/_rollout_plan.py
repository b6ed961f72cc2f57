"""A rollout plan: its stages, its stop conditions, the period they are judged in.

:class:`RolloutPlan` holds what :func:`~trustlab.change.simulate_rollout`
walks: :class:`Stage` s with strictly increasing shares, :class:`StopCondition` s
on the metrics of :data:`STOP_METRICS`, the ``period`` and the assignment
``salt``. Every class checks its fields when made and reports every problem at
once, each led by the field's path (``stop[1].metric``).
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

from .._errors import DataError, Problem
from .._format import format_number
from ..policy import read_window
from ..policy import COMPARING_METRICS, METRICS
from ..policy import Window

__all__ = ["Stage", "StopCondition", "RolloutPlan", "STOP_METRICS", "MAX_PERIODS",
           "WINDOWED_METRICS"]

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


WINDOWED_METRICS = ("reviews_per_window_mean", "peak_reviews_per_window")
"""Stop metrics that count reviews per ``outcomes.window`` of the challenger."""
MAX_PERIODS = 100_000
"""A plan's ``period`` may cut the history into at most this many periods."""
_SCOPES = ("exposed", "all")


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

        stages = _read_items(spec, "stages", _STAGE_KEYS, Stage, problems)
        stop = _read_items(spec, "stop", _STOP_KEYS, StopCondition, problems)
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


def _read_items(spec: Mapping, key: str, fields: tuple[str, ...], make,
                problems: list[Problem]) -> list:
    """``make(**item)`` for each item of the list ``spec[key]``; what is wrong goes to ``problems``."""
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


def _pct(share: float) -> str:
    """A stage's share: ``50%``, ``12.5%`` (whole percentages without decimals)."""
    return format_number(share, "share", trim=True)
