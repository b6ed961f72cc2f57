"""History with some rules' thresholds left open: what every case gets at any threshold.

Sweeps and band grids ask what each case would be decided, and what the
decision would be worth, as one or two rules' thresholds move. Each case splits
into what the thresholds cannot change and what they can:

* the policy *without* the open rules is applied once, by the engine: every
  case gets the rule that decides it then and that rule's action — the
  *rest action*;
* a case decided there by a rule before the first open rule is fixed;
* a case that reaches an open rule gets the rule's action when the rule's
  comparison holds at the threshold and the rule's other conditions hold
  (evaluated once, by the engine's condition code), else what comes after.

Everything is held in time order (ties in input order), the order rate limits
count in, so :meth:`OpenHistory.guard` applies them exactly as the engine does;
the kill switch is folded into the values (:meth:`OpenHistory.components`).
Values come from the same table as :func:`trustlab.simulate.replay`, with the
same reviewer draws, so a sweep agrees with a replay to the last decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._codes import code_columns
from .._errors import DataError, Problem
from ..engine import first_rules, over_limit
from ..engine import refuse_brakes
from .._time import times_ns, window_ids
from ..engine import OPS, holds
from ..policy import And, Compare
from ..policy import Policy, RateLimit
from ._edit import RuleThreshold, _error, _find, rule_threshold
from ..metrics import ratio_values
from ._value import (
    Outcome,
    ReviewerDecisions,
    _effective_bad,
    _values_from,
    observed_outcome,
    reviewer_decisions,
)

__all__ = ["OpenRule", "OpenHistory", "open_history", "COMPONENTS", "ORDERING_OPS",
           "rates_from", "fired_bins", "sums_over_fired", "present_codes", "open_rule_threshold"]

COMPONENTS = ("value", "valued", "automated", "favourable", "fav_bad", "fav_labelled")
"""The per-case sums every metric of a sweep or grid is a ratio of (rows of :meth:`components`)."""

ORDERING_OPS = ("<", "<=", ">", ">=")
"""Comparisons whose firing rows, in order of the column, are a prefix or a suffix."""

PREFIX = {"<": True, "<=": True, ">": False, ">=": False}
"""For each ordering comparison: do the cases that fire lie in the low bins (a prefix)?"""


@dataclass(frozen=True)
class OpenRule:
    """One rule whose threshold is left open.

    Attributes
    ----------
    threshold : RuleThreshold
        The rule's comparison ``column op value`` (``value`` is the current threshold).
    index : int
        Position of the rule in ``policy.rules``.
    then : int
        Code of the rule's action.
    x : numpy.ndarray
        The compared column as floats (NaN where missing), in time order.
    eligible : numpy.ndarray
        Cases that reach the rule, whose other conditions hold and whose value
        is known: the rule fires on exactly these where the comparison holds.
    precision : numpy.dtype
        The float type the engine compares the column at (float32 for a
        float32 column: a threshold is read at that precision, see :meth:`compared`).
    """

    threshold: RuleThreshold
    index: int
    then: int
    x: np.ndarray
    eligible: np.ndarray
    precision: np.dtype = np.dtype(float)

    def compared(self, t) -> np.ndarray:
        """Thresholds ``t`` as the engine compares them with the column: rounded to its float
        precision (a float32 ``0.35`` equals the threshold ``0.35``), as floats.

        Examples
        --------
        >>> r = OpenRule(None, 0, 0, np.zeros(1), np.ones(1, bool), np.dtype("float32"))
        >>> r.compared([0.35]).tolist()
        [0.3499999940395355]
        """
        t = np.asarray(t, dtype=float)
        if self.precision == np.float64:
            return t
        with np.errstate(over="ignore"):
            return t.astype(self.precision).astype(float)

    def fires(self, t: float) -> np.ndarray:
        """Cases the rule decides at threshold ``t`` (were nothing before it to decide them)."""
        with np.errstate(invalid="ignore"):
            return self.eligible & OPS[self.threshold.op](self.x, self.compared(t))


@dataclass(frozen=True, eq=False)
class OpenHistory:
    """A history decided by a policy whose ``open`` rules wait for their thresholds.

    Arrays are in time order: ``order`` takes the data's rows into it (None
    when they already are). Action codes index ``actions``. ``window`` is the
    ``outcomes.window`` of each case counted from the first (None without
    windows).

    Cases with the same outcome, label and reviewer decision are worth the
    same under every action, so each case has a ``case_type`` and ``table``
    holds the :data:`COMPONENTS` of one case of each type under each action
    (column ``type * len(actions) + action``): sums over cases are counts of
    keys times the table, and sorting cases moves one small integer each.
    """

    policy: Policy
    actions: tuple[str, ...]
    open: tuple[OpenRule, ...]
    rest_action: np.ndarray
    rest_rule: np.ndarray
    case_type: np.ndarray
    table: np.ndarray
    automated: np.ndarray
    ks_map: np.ndarray
    rate_limits: tuple[RateLimit, ...]
    rate_windows: tuple[np.ndarray, ...]
    window: np.ndarray | None
    n_windows: int
    order: np.ndarray | None

    @property
    def n(self) -> int:
        """Number of cases."""
        return len(self.rest_action)

    def code(self, action: str) -> int:
        """The code of ``action``."""
        return self.actions.index(action)

    def keys(self, codes: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Columns of ``table`` for cases ``rows`` (default all) under rule actions ``codes``."""
        kinds = self.case_type if rows is None else self.case_type[rows]
        return kinds * len(self.actions) + self.ks_map[codes]

    def components(self, codes: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """The :data:`COMPONENTS` of each case under rule actions ``codes``: shape (6, cases).

        ``codes`` are actions before the kill switch, which is applied here.
        """
        return np.take(self.table, self.keys(codes, rows), axis=1)

    def totals(self, codes: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """The :data:`COMPONENTS` summed over cases ``rows`` (default all): shape (6,)."""
        counts = np.bincount(self.keys(codes, rows), minlength=self.table.shape[1])
        return self.table @ counts

    def change_table(self, then: int) -> np.ndarray:
        """What a case gains when it gets action ``then`` instead of its rule action: (6, keys).

        Column ``type * len(actions) + action`` (the action before the kill
        switch) is the :data:`COMPONENTS` under ``then`` minus those under
        ``action``; see :meth:`change_keys`.
        """
        n_actions = len(self.actions)
        kinds = np.repeat(np.arange(self.table.shape[1] // max(n_actions, 1)), n_actions)
        was = np.tile(np.arange(n_actions), len(kinds) // max(n_actions, 1))
        return (np.take(self.table, kinds * n_actions + self.ks_map[then], axis=1)
                - np.take(self.table, kinds * n_actions + self.ks_map[was], axis=1))

    def change_keys(self, codes: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Columns of a :meth:`change_table` for cases ``rows`` whose rule action is ``codes``."""
        kinds = self.case_type if rows is None else self.case_type[rows]
        return kinds * len(self.actions) + codes

    def moved(self, was: int, now: int, rows: np.ndarray) -> np.ndarray:
        """What cases ``rows`` change, summed, moving from rule action ``was`` to ``now``: (6,)."""
        n_actions = len(self.actions)
        kinds = self.table.shape[1] // max(n_actions, 1)
        counts = np.bincount(self.case_type[rows], minlength=kinds)
        cols = np.arange(kinds) * n_actions
        return (np.take(self.table, cols + self.ks_map[now], axis=1)
                - np.take(self.table, cols + self.ks_map[was], axis=1)) @ counts

    def guard(self, codes: np.ndarray, *, in_place: bool = False,
              skip: frozenset[int] = frozenset()) -> np.ndarray:
        """Apply the rate limits to rule actions ``codes`` exactly as the engine does.

        Candidates are taken in time order (ties in input order) and ranked
        within each window of the limit; those ranked ``max`` or later become
        the overflow action. Limits apply one after the other (but for those
        whose positions in :attr:`rate_limits` are in ``skip``). ``codes`` is changed
        only with ``in_place``; see :meth:`guard_moves`.
        """
        return self.guard_moves(codes, in_place=in_place, skip=skip)[0]

    def guard_moves(self, codes: np.ndarray, *, in_place: bool = False,
                    skip: frozenset[int] = frozenset()):
        """:meth:`guard`, and its moves: a list of (cases, from action, to action), one per
        limit that capped something (a case capped twice moves twice)."""
        out, moves = codes, []
        for k, (g, w) in enumerate(zip(self.rate_limits, self.rate_windows)):
            if k in skip:
                continue
            cand = np.flatnonzero(out == self.code(g.action))
            if len(cand) <= g.max:
                continue
            over = cand[over_limit(w[cand], g.max)]
            if len(over):
                if out is codes and not in_place:
                    out = codes.copy()
                out[over] = self.code(g.overflow)
                moves.append((over, self.code(g.action), self.code(g.overflow)))
        return out, moves

    def limits_on(self, actions: set[int]) -> list[RateLimit]:
        """The rate limits that cap one of ``actions`` (codes)."""
        return [g for g in self.rate_limits if self.code(g.action) in actions]


def open_rule_threshold(policy: Policy, rule_id: str, column: str | None, *, caller: str,
                        ordering: bool = False) -> RuleThreshold:
    """The threshold of ``rule_id``, refused unless the rule fires exactly when it and the rest hold."""
    th = rule_threshold(policy, rule_id, column)
    i, rule, cmp, _, _ = _find(policy, rule_id, column)
    if not th.conjunct:
        raise _error(policy, f"rules[{i}].when", (
            f"rule '{rule_id}' compares '{th.column}' with {th.value:g} inside an `or` or a "
            f"`not` ({rule.when.canonical()}), so the rows it decides do not move with that "
            f"threshold alone; {caller} needs the comparison as the whole condition or as one "
            "item of its top-level `and`. Use replay(with_threshold(...)) to try single values"))
    if ordering and th.op not in ORDERING_OPS:
        raise _error(policy, f"rules[{i}].when", (
            f"rule '{rule_id}' tests '{th.column} {th.op} {th.value:g}'; {caller} moves a "
            f"threshold along the column, which needs one of {', '.join(ORDERING_OPS)}"))
    return th


def _others(rule_when, cmp: Compare):
    """The items of a rule's top-level ``and`` other than ``cmp`` (None when there are none)."""
    if isinstance(rule_when, And):
        rest = tuple(item for item in rule_when.items if item is not cmp)
        return None if not rest else (rest[0] if len(rest) == 1 else And(rest))
    return None


def open_history(policy: Policy, data: pd.DataFrame, rules: Sequence[tuple[str, str | None]], *,
                 caller: str, seed: int = 0, reviewer_accuracy: float | None = None,
                 ordering: bool = False, offset: int = 0, batch: bool = False) -> OpenHistory:
    """Decide ``data`` with the rules ``(rule_id, column)`` left open.

    Parameters
    ----------
    rules : sequence of (str, str or None)
        The open rules and the column each compares (None: the signal it compares).
    caller : str
        The function's name, for error messages.
    ordering : bool
        Refuse comparisons other than ``< <= > >=``.
    offset, batch
        ``data`` is one part of a longer history starting at row ``offset``,
        as in :func:`trustlab.simulate.replay`.

    Raises
    ------
    trustlab.PolicyError
        For an unknown rule, a rule without one numeric comparison, or a
        comparison inside an ``or`` or ``not``.
    trustlab.DataError
        For anything :meth:`Policy.apply` or :func:`replay` refuses.

    Examples
    --------
    >>> import trustlab
    >>> from trustlab.datasets import make_history
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> h = open_history(p, make_history(n_days=3, applications_per_day=20, seed=0),
    ...                  [("low-risk", None)], caller="example")
    >>> h.open[0].threshold.value, h.actions[h.open[0].then]
    (0.08, 'approve')
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(caller, [Problem("data", f"must be a pandas DataFrame; got "
                                                 f"{type(data).__name__}")])
    found = []
    for rule_id, column in rules:
        th = open_rule_threshold(policy, rule_id, column, caller=caller, ordering=ordering)
        i, rule, cmp, _, _ = _find(policy, rule_id, column)
        found.append((i, th, rule, cmp))
    found.sort(key=lambda f: f[0])
    refuse_brakes(policy, f"Policy '{policy.name}'", "threshold sweeps and band grids")
    # validates the data as apply does; the open rules never fire here
    rest_rule, ns, cols = first_rules(policy, data, skip=frozenset(f[0] for f in found))
    if not len(data):
        ns = None
    out = policy.outcomes
    wanted = [] if out is None else [out.label]
    if out is not None and out.reviewer is not None and out.reviewer.decision is not None:
        wanted.append(out.reviewer.decision)
    coded = code_columns(data, [c for c in wanted if c in data.columns])  # once, on threads
    outcome = observed_outcome(policy, data, batch=batch, coded=coded)
    reviewer = reviewer_decisions(policy, data, outcome, seed=seed, accuracy=reviewer_accuracy,
                                  offset=offset, coded=coded)
    case_type, table = _case_types(policy, outcome, reviewer)

    actions = policy.action_names
    code = {a: k for k, a in enumerate(actions)}
    rest_action = np.array([code[r.then] for r in policy.rules], dtype=np.int16)[rest_rule]

    # time order: the order rate limits count in and windows are cut in
    rate_limits = tuple(g for g in policy.guardrails if isinstance(g, RateLimit))
    windowed = out is not None and out.window is not None and policy.time_column is not None
    if ns is None and policy.time_column is not None and (rate_limits or windowed) and len(data):
        ns, why, _bad = times_ns(data[policy.time_column], policy.time_format)
        if ns is None:
            raise DataError(f"Data for policy '{policy.name}'", [Problem(
                f"column '{policy.time_column}'", why or "cannot be read as times")])
    n = len(data)
    order = None  # None: already in time order
    if ns is not None and not bool(np.all(ns[1:] >= ns[:-1])):
        order = np.argsort(ns, kind="stable")

    def t(a: np.ndarray) -> np.ndarray:
        return a if order is None else a[order]

    open_rules = []
    for i, th, rule, cmp in found:
        prepared = cols[th.column]
        x = (np.asarray(prepared.values, dtype=float) if prepared.kind == "num"
             else np.full(n, np.nan))
        if prepared.kind == "num" and prepared.values.dtype.kind != "f" and prepared.may_be_missing:
            x = np.where(prepared.missing, np.nan, x)  # a nullable Int64 keeps its missing aside
        other = _others(rule.when, cmp)
        ok = np.ones(n, dtype=bool) if other is None else holds(other, cols)  # type: ignore[arg-type]
        eligible = (rest_rule > i) & ok & ~np.isnan(x)
        precision = prepared.values.dtype if prepared.kind == "num" and \
            prepared.values.dtype.kind == "f" else np.dtype(float)
        open_rules.append(OpenRule(th, i, code[rule.then], t(x), t(eligible), precision))

    automated = np.array([a.automated for a in policy.actions], dtype=bool)
    ks_map = np.arange(len(actions))
    ks = policy.kill_switch
    if ks is not None and ks.engaged:
        ks_map = np.where(automated, code[ks.then], ks_map)
    cut: dict = {}  # window ids by window: a limit per day and review days are cut once

    def windows_of(per) -> np.ndarray:
        if per not in cut:
            cut[per] = t(window_ids(ns, per))
        return cut[per]

    rate_windows = tuple(windows_of(g.per) for g in rate_limits) if ns is not None else ()
    window, n_windows = None, 0
    if windowed and ns is not None:
        ids = windows_of(out.window)  # type: ignore[union-attr,arg-type]
        window = ids - ids.min()
        n_windows = int(window.max()) + 1
    return OpenHistory(policy, actions, tuple(open_rules), t(rest_action), t(rest_rule),
                       t(case_type), table, automated, ks_map, rate_limits, rate_windows, window,
                       n_windows, order)


def _case_types(policy: Policy, outcome: Outcome, reviewer: ReviewerDecisions):
    """Each case's type (outcome, label, reviewer decision) and the components table by type.

    A case's values under every action follow from whether it is valued, the
    outcome it is valued as and the reviewer's decision (see
    :mod:`trustlab.simulate._value`); its label and observed outcome add the
    bad-rate components. The values are computed by the same function as a
    replay's, for one case of each type.
    """
    out = policy.outcomes
    assert out is not None
    n, n_actions = len(outcome.labelled), len(policy.actions)
    treat_bad = _effective_bad(out.unlabelled, outcome)
    valued = outcome.labelled | (out.unlabelled != "exclude")
    small = np.int16 if (n_actions + 1) * 16 < 2 ** 15 else np.int32
    key = reviewer.action.astype(small)
    key += 1
    key <<= 4
    key |= treat_bad.astype(small) << 3
    key |= valued.astype(small) << 2
    key |= outcome.labelled.astype(small) << 1
    key |= outcome.bad
    size = (n_actions + 1) * 16
    present = np.flatnonzero(np.bincount(key, minlength=size))
    lut = np.full(size, -1, dtype=np.int32)
    lut[present] = np.arange(len(present))
    case_type = lut[key]
    one = np.full(len(present), -1, dtype=np.int64)  # one case of each type: all are alike
    tail = min(n, 1 << 16)
    one[case_type[n - tail:]] = np.arange(n - tail, n)  # the last of each, found near the end
    if (one < 0).any():
        one[case_type] = np.arange(n)
    few = Outcome(outcome.labelled[one], outcome.bad[one])
    v = _values_from(policy, pd.DataFrame(index=pd.RangeIndex(len(one))), few, ReviewerDecisions(
        reviewer.actions, reviewer.action[one], reviewer.recorded[one])).to_numpy(dtype=float)
    lab = few.labelled[:, None]
    bad = few.bad[:, None]
    fav = np.array([a.favourable for a in policy.actions], dtype=bool)[None, :]
    auto = np.array([a.automated for a in policy.actions], dtype=bool)[None, :]
    ok = ~np.isnan(v)
    parts = [np.where(ok, v, 0.0), ok, np.broadcast_to(auto, v.shape),
             np.broadcast_to(fav, v.shape), fav & lab & bad, fav & lab]
    table = np.stack([np.asarray(p, dtype=float).ravel() for p in parts])  # (6, types*actions)
    return case_type, table


RATES = ("value_total", "value_per_decision", "automation_rate", "favourable_rate",
         "bad_rate_favourable")
"""The metrics of a sweep or grid, in the order :func:`rates_from` gives them."""


def threshold_problem(given, name: str) -> tuple[np.ndarray | None, Problem | None]:
    """Thresholds given as one or more finite numbers, or the problem with them."""
    try:
        t = np.asarray(given, dtype=float).ravel()
    except (TypeError, ValueError):
        t = np.empty(0)
    if t.size == 0 or not np.all(np.isfinite(t)):
        return None, Problem(name, f"must be one or more finite numbers; got {given!r}")
    return t, None


def rates_from(totals: np.ndarray, n: int, out: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The :data:`RATES` of a sweep or grid from summed :data:`COMPONENTS` (first axis), as
    replay has them (:func:`trustlab.metrics.ratio_values`), written into the rows
    of ``out`` when given."""
    sums = dict(zip(COMPONENTS, totals))
    # a share of all decisions divides by one number: no array of it where targets are given
    sums["rows"] = np.full(np.shape(totals[0]) if out is None else (), float(n))
    targets = None if out is None else dict(zip(RATES, out))
    return ratio_values(sums, RATES, targets)


def present_codes(codes: np.ndarray, n_codes: int) -> list[int]:
    """The distinct codes in ``codes`` (by counting, not sorting).

    Examples
    --------
    >>> present_codes(np.array([2, 0, 2]), 3)
    [0, 2]
    """
    return np.flatnonzero(np.bincount(codes, minlength=n_codes)).tolist()


def fired_bins(x: np.ndarray, thresholds: np.ndarray, op: str) -> np.ndarray:
    """Bin of each value among sorted ``thresholds`` such that it fires at threshold k iff
    ``bin <= k`` (for ``<``, ``<=``) or ``bin >= k + 1`` (for ``>``, ``>=``).

    Examples
    --------
    >>> fired_bins(np.array([0.1, 0.2, 0.3]), np.array([0.2, 0.3]), "<").tolist()
    [0, 1, 2]
    """
    side = "right" if op in ("<", ">=") else "left"
    k = len(thresholds)
    span = float(thresholds[-1] - thresholds[0]) if k else 0.0
    if len(x) < _CELLS * 4 or not 0.0 < span < np.inf:
        return np.searchsorted(thresholds, x, side=side)
    if k > _CELLS:  # cells cannot part this many thresholds: search the values in order
        order = np.argsort(x, kind="stable")
        bins = np.empty(len(x), dtype=np.intp)
        bins[order] = np.searchsorted(thresholds, x[order], side=side)
        return bins
    # a binary search per value is slow on a million values; cut the thresholds' range into
    # cells instead: a value's cell, by the same monotone formula as the thresholds', gives
    # its bin at once unless a threshold shares the cell, and those few are searched
    scale = _CELLS / span
    cells = _cell(x, thresholds[0], scale)
    at = _cell(thresholds, thresholds[0], scale)
    below = np.searchsorted(at, np.arange(_CELLS + 3), side="left")  # thresholds in lower cells
    shared = np.zeros(_CELLS + 3, dtype=bool)
    shared[at] = True
    bins = below[cells]
    near = np.flatnonzero(shared[cells])
    bins[near] = np.searchsorted(thresholds, x[near], side=side)
    return bins


_CELLS = 1 << 16  # cells of a threshold range (see fired_bins)


def _cell(x: np.ndarray, low: float, scale: float) -> np.ndarray:
    """Cell index + 1 of each value: -1 .. _CELLS + 1 shifted by one, NaN in the last;
    nondecreasing in the value."""
    v = np.subtract(x, low, dtype=float)
    v *= scale
    np.fmin(v, _CELLS + 1, out=v)  # NaN becomes the top cell, as it sorts last
    np.fmax(v, -1, out=v)
    cells = v.astype(np.int32)  # truncation is monotone too
    cells += 1
    return cells


def sums_over_fired(hist: np.ndarray, op: str, axis: int) -> np.ndarray:
    """Sums of ``hist`` (bins along ``axis``, one more than thresholds) over the bins that fire."""
    hist = np.moveaxis(hist, axis, -1)
    if PREFIX[op]:
        out = np.cumsum(hist, axis=-1)[..., :-1]
    else:
        out = np.cumsum(hist[..., ::-1], axis=-1)[..., ::-1][..., 1:]
    return np.moveaxis(out, -1, axis)
