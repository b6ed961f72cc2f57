"""The search for a less discriminatory alternative: one pair of lines for everyone.

A band policy's approve and decline lines decide how much value it makes and
how evenly its favourable decisions fall on the groups of a protected
attribute. :func:`lda_search` looks over the pairs a band grid explores — the
same thresholds for every applicant, never a line per group (a line per group
is disparate treatment, which credit law forbids) — for the pairs that give
up at most a stated share of the best total value (1%, 2%, 5%) and, among
those, make the smallest favourable-rate ratio between the groups as large as
it can be. It shows the frontier of value against that worst ratio with the
current policy on it, and writes a chosen pair as a new version of the policy
(:meth:`LdaSearch.policy_for`) with the change in words
(:meth:`LdaSearch.diff_for`).

It is exact on history: every cell comes from the very sums the band grid adds
up (:func:`trustlab.simulate.band_grid`), with the cases split by group — each
case type of the grid becomes one type per group, and the table of values
gains a row of favourable decisions for each group — so one pass of
cumulative sums gives every group's favourable rate at every pair, equal to a
replay of the policy with those lines. The policy's checks that the same sums
can evaluate (value, automation, bad rates, action shares, the busiest
window's reviews, segment rates and ratios) may be kept passing.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from .._backends import answer_in_parts, in_memory
from .._errors import DataError, PolicyError, Problem
from .._plotting import Display
from .._result import Result
from .._format import axis_label, format_number, tick_formatter
from .._json import json_safe
from .._validate import (SEED, Boolean, Interval, Numbers, Real, SequenceOf, Text,
                         validate_params)
from ..metrics import SummaryFrame, currency_of, format_metric, summary_frame
from ..policy import Check, Policy, bump_version, describe_changes
from ._edit import RuleThreshold, with_threshold
from ._grid import DEFAULT_STEPS, BandGrid, _cells, check_grid_args, grid_result
from ..metrics import MIN_SEGMENT_ROWS
from ._open import COMPONENTS, OpenHistory, open_history
from ._value import observed_outcome

__all__ = ["LdaSearch", "LdaDisplay", "LdaPlan", "LdaSums", "lda_search", "lda_plan",
           "lda_sums", "lda_result", "next_version", "DEFAULT_TOLERANCES", "MISSING_GROUP",
           "LDA_COLUMNS", "CHECK_FIELDS"]

DEFAULT_TOLERANCES = (0.01, 0.02, 0.05)
"""Shares of the best total value a search may give up by default: 1%, 2% and 5%."""

MISSING_GROUP = "(missing)"
"""The group of cases whose protected attribute is missing (as replays name the segment)."""

LDA_COLUMNS = ("approve_threshold", "decline_threshold", "value_total", "value_per_decision",
               "automation_rate", "favourable_rate", "bad_rate_favourable",
               "peak_reviews_per_window", "worst_ratio", "worst_group", "reference_group")
"""The first columns of :attr:`LdaSearch.frame`; then ``checks_passed`` (with
``keep_checks``) and ``favourable_rate.<group>`` for every group."""

CHECK_FIELDS = ("check", "metric", "by", "evaluated", "reason", "cells_passing",
                "passes_current")
"""Columns of :attr:`LdaSearch.checks`, one row per check of the policy."""

_CALLER = "lda_search"
_GRID_RATIOS = {  # rate: (numerator, denominator), as a replay defines it
    "automation_rate": ("automated", "rows"),
    "favourable_rate": ("favourable", "rows"),
    "bad_rate_favourable": ("fav_bad", "fav_labelled"),
    "bad_capture_rate": ("bad_caught", "labelled_bad"),
    "wrong_call_rate": ("wrong_call", "auto_labelled"),
    "value_per_decision": ("value", "valued"),
}
_LEFT_OUT = {
    "max_signal_psi": "is a drift measure against a reference over time, not a sum over "
                      "decisions",
    "max_feature_psi": "is a drift measure against a reference over time, not a sum over "
                       "decisions",
    "alignment": "compares each automated decision with the recorded human one, which the "
                 "grid's sums do not keep",
    "override_rate": "compares each automated decision with the recorded human one, which the "
                     "grid's sums do not keep",
    "fallback_rate": "does not move with the thresholds (the same in every cell)",
    "unlabelled_share": "does not move with the thresholds (the same in every cell)",
    "guardrail_interventions": "counts guardrail moves, which the grid does not sum per cell",
    "reviews_per_window_mean": "is not among the grid's sums (the busiest window's reviews are)",
}
_MARKERS = ("*", "P", "D", "X", "^", "v", "s", "h")
_COLOURS = ("#d1495b", "#edae49", "#00798c", "#66a182", "#8d96a3", "#2e4057", "#9c6644",
            "#6a4c93")


# --------------------------------------------------------------------------- the plan

@dataclass(frozen=True)
class LdaPlan:
    """What a search sums and judges, settled before any data is read (it travels to parts).

    Attributes
    ----------
    by : str
        The protected attribute whose groups are compared.
    reference : object or None
        The reference group (``fairness.reference``); None: each cell's
        group of the highest favourable rate.
    min_group : int
        Groups with fewer cases are reported and left out of the smallest ratio.
    adverse_ratio : float
        A ratio below it is adverse (drawn as a line).
    tolerances : tuple of float
        Shares of the best value a choice may give up, ascending.
    keep_checks : bool
        Choices only among cells where every check the grid can evaluate passes.
    split : tuple of (str, tuple of str, str)
        Each column the cases are split by, the sums kept for each of its
        groups (``favourable``, ``valued``, ...) and the field that asked for it.
    overall : tuple of str
        Sums kept over all cases beyond the six components (``bad_caught``,
        ``share.<action>``, ...).
    checks : tuple of (Check, str)
        Each of the policy's checks and why it is left out ("" when evaluated).
    """

    by: str
    reference: object | None
    min_group: int
    adverse_ratio: float
    tolerances: tuple[float, ...]
    keep_checks: bool
    split: tuple[tuple[str, tuple[str, ...], str], ...]
    overall: tuple[str, ...]
    checks: tuple[tuple[Check, str], ...]

    @property
    def rows(self) -> tuple[str, ...]:
        """Names of the overall sums, in the order of :attr:`LdaSums.totals`."""
        return COMPONENTS + self.overall


def _parts_of(metric: str) -> tuple[str, ...] | None:
    """The sums ``metric`` is a ratio of (``rows`` counted, not summed); None: not a grid sum."""
    if metric == "value_total":
        return ("value", "valued")
    if metric == "decisions":
        return ("rows",)
    if metric.startswith("share."):
        return (metric, "rows")
    if metric in _GRID_RATIOS:
        return _GRID_RATIOS[metric]
    return None


def _check_plan(policy: Policy, keep: bool):
    """Each check with why it is left out, the sums over all cases and by column it needs."""
    overall: list[str] = []
    split: dict[str, list[str]] = {}
    where: dict[str, str] = {}
    out = []
    for i, c in enumerate(policy.checks):
        if not keep:
            out.append((c, "not asked (keep_checks=False)"))
            continue
        parts = _parts_of(c.metric)
        why = ""
        if c.metric == "favourable_rate_ratio" and c.by:
            need = ["favourable"]
        elif c.metric == "peak_reviews_per_window":
            need = []
            if c.by:
                why = "by segment is not among the grid's sums (only the overall peak)"
        elif parts is not None:
            need = [p for p in parts if p != "rows"]
        else:
            need = []
            why = _LEFT_OUT.get(c.metric, "is not among the sums the grid keeps, so it cannot "
                                          "be judged cell by cell")
        out.append((c, why))
        if why:
            continue
        if c.by:
            split.setdefault(c.by, [])
            where.setdefault(c.by, f"checks[{i}].by")
            split[c.by] += [n for n in need if n not in split[c.by]]
        else:
            overall += [n for n in need if n not in COMPONENTS and n not in overall]
    return tuple(out), tuple(overall), split, where


_SHARE = Interval(Real, 0, 1, closed="left")
PLAN_ARGS = {
    "approve_rule": [Text()], "decline_rule": [Text()],
    "by": [None, Text(hint="the protected column, e.g. 'age_band'")],
    "tolerances": [Interval(Real, 0, 1, closed="left", name=""),
                   SequenceOf(_SHARE, name="one or more shares of the best value from 0 up to "
                                           "(not including) 1", hint="e.g. (0.01, 0.02, 0.05)")],
    "keep_checks": [Boolean()]}
"""The arguments of :func:`lda_plan`, declared once for every search that makes a plan."""


@validate_params(PLAN_ARGS)
def lda_plan(policy: Policy, approve_rule: str, decline_rule: str, *, by: str | None = None,
             tolerances=DEFAULT_TOLERANCES, keep_checks: bool = False) -> LdaPlan:
    """What :func:`lda_search` will sum and judge, with every argument checked.

    Raises
    ------
    trustlab.ParameterError
        For bad tolerances, a bad ``by`` or a bad ``keep_checks``.
    trustlab.DataError
        For no ``by`` and no ``fairness.protected``.
    trustlab.PolicyError
        For the rules :func:`band_grid` refuses, and a policy with no
        favourable action.

    Examples
    --------
    >>> import trustlab
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> plan = lda_plan(p, "low-risk", "high-risk", by="age_band")
    >>> plan.by, plan.tolerances, plan.min_group
    ('age_band', (0.01, 0.02, 0.05), 30)
    """
    check_grid_args(policy, approve_rule, decline_rule, None)
    fairness = policy.fairness
    asked = "by" if by is not None else "fairness.protected"
    if by is None:
        if fairness is None or not fairness.protected:
            raise DataError(_CALLER, [Problem("by", (
                f"is needed: policy '{policy.name}' has no `fairness` section to take the "
                "protected attribute from; pass by='<column>' (e.g. by='age_band') or declare "
                "it in the policy as `fairness: {protected: [age_band]}` "
                "(fairness.protected)"))])
        by = fairness.protected[0]
    if not any(a.favourable for a in policy.actions):
        raise PolicyError(f"Policy '{policy.name}'", [Problem(
            "actions", "no action is `favourable: true`, so there is no favourable rate to "
                       "compare between groups; mark the action applicants want (approve, "
                       "offer) as favourable")])
    tol = tuple(float(v) for v in np.unique(np.asarray(tolerances, dtype=float)))
    checks, overall, split, where = _check_plan(policy, bool(keep_checks))
    by_needs = split.pop(by, [])
    plan_split = [(by, tuple(["favourable"] + [n for n in by_needs if n != "favourable"]),
                   asked)]
    plan_split += [(c, tuple(n), where[c]) for c, n in split.items()]
    return LdaPlan(by, None if fairness is None else fairness.reference_of(by),
                   30 if fairness is None else fairness.min_group,
                   0.8 if fairness is None else fairness.adverse_ratio, tol, bool(keep_checks),
                   tuple(plan_split), overall, checks)


# --------------------------------------------------------------------------- the sums

@dataclass(frozen=True, eq=False)
class LdaSums:
    """What one history (or one part of it) sums at every (early, late) pair: mergeable.

    Attributes
    ----------
    totals : numpy.ndarray
        (``len(plan.rows)``, KE, KL): the six components and the plan's other
        overall sums.
    groups : dict
        ``(column, group)`` → ``(cases, sums)`` with ``sums`` of shape
        (sums of that column, KE, KL).
    n : int
        Cases.
    peak : numpy.ndarray
        (KE, KL): the most human reviews in any window (NaN without windows).
    method : str
        How the cells were computed, in words.
    """

    totals: np.ndarray
    groups: dict
    n: int
    peak: np.ndarray
    method: str

    def merge(self, other: LdaSums) -> LdaSums:
        """The sums of both histories (parts cut where review windows change)."""
        groups = dict(self.groups)
        for key, (n, s) in other.groups.items():
            if key in groups:
                m, t = groups[key]
                groups[key] = (m + n, t + s)
            else:
                groups[key] = (n, s)
        return LdaSums(self.totals + other.totals, groups, self.n + other.n,
                       np.fmax(self.peak, other.peak), self.method)


def _group_codes(column: pd.Series) -> tuple[np.ndarray, list]:
    """Each case's group code and the groups (missing values as :data:`MISSING_GROUP`)."""
    codes, uniques = pd.factorize(column, sort=False, use_na_sentinel=True)
    labels = list(uniques.tolist() if hasattr(uniques, "tolist") else uniques)
    codes = np.asarray(codes, dtype=np.int64)
    if len(codes) and codes.min() < 0:
        codes = np.where(codes < 0, len(labels), codes)
        labels.append(MISSING_GROUP)
    return codes, labels


def _present(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys, ascending, and each key's position among them (by counting when
    the keys are few, else by sorting)."""
    size = int(key.max()) + 1 if len(key) else 1
    if size > max(4 * len(key), 1 << 16):
        present, inverse = np.unique(key, return_inverse=True)
        return present, inverse.reshape(-1)
    present = np.flatnonzero(np.bincount(key, minlength=size))
    lut = np.zeros(size, dtype=np.int64)
    lut[present] = np.arange(len(present))
    return present, lut[key]


def indicators(h: OpenHistory, names, outcome) -> dict[str, np.ndarray]:
    """Each sum ``names`` asks for, per case type and final action: (types, actions)."""
    n_act = len(h.actions)
    base = h.table.reshape(len(COMPONENTS), -1, n_act)
    ind = {name: base[k] for k, name in enumerate(COMPONENTS)}
    n_types = base.shape[1]
    auto = np.array([a.automated for a in h.policy.actions], dtype=bool)[None, :]
    right_if_bad = np.array([a.right_call == "bad" for a in h.policy.actions], dtype=bool)[None, :]
    lab = bad = None
    if outcome is not None:
        labelled, is_bad = outcome
        lab = np.zeros(n_types, dtype=bool)
        bad = np.zeros(n_types, dtype=bool)
        lab[h.case_type] = labelled  # every case of a type has the same outcome
        bad[h.case_type] = is_bad
        lab, bad = lab[:, None], bad[:, None]
    for name in names:
        if name in ind:
            continue
        if name.startswith("share."):
            v = np.broadcast_to(np.array(h.actions)[None, :] == name[len("share."):],
                                (n_types, n_act))
        elif name == "labelled_bad":
            v = np.broadcast_to(lab & bad, (n_types, n_act))
        elif name == "bad_caught":
            v = lab & bad & ~(auto & ~right_if_bad)
        elif name == "wrong_call":
            v = auto & lab & (right_if_bad != bad)
        elif name == "auto_labelled":
            v = auto & lab
        else:  # pragma: no cover - the plan asks only for these
            raise KeyError(name)
        ind[name] = np.asarray(v, dtype=float)
    return ind


def lda_sums(h: OpenHistory, data: pd.DataFrame, plan: LdaPlan, te: np.ndarray, tl: np.ndarray,
             *, batch: bool = False) -> LdaSums:
    """Every sum of the search at every (early, late) pair: the band grid's, split by group.

    Each case type of ``h`` becomes one type per combination of groups, and
    the table gains one row per group and sum; :func:`~trustlab.simulate._grid._cells`
    then sums them all in its one pass.

    Raises
    ------
    trustlab.DataError
        When the data lacks ``by`` or a column a kept check is by.
    """
    problems = [Problem(where, f"names column '{col}', which the data lacks. Columns: "
                               f"{', '.join(map(str, data.columns))}")
                for col, _, where in plan.split if col not in data.columns]
    if problems:
        raise DataError(f"Data for policy '{h.policy.name}'", problems)
    names = list(dict.fromkeys(plan.overall + tuple(n for _, s, _ in plan.split for n in s)))
    outcome = None
    if set(names) - set(COMPONENTS) - {n for n in names if n.startswith("share.")}:
        o = observed_outcome(h.policy, data, batch=batch)
        take = (lambda a: a) if h.order is None else (lambda a: a[h.order])
        outcome = (take(np.asarray(o.labelled, dtype=bool)), take(np.asarray(o.bad, dtype=bool)))
    ind = indicators(h, names, outcome)

    # one case type per (type, combination of groups) present
    codes, labels, combo = [], [], np.zeros(h.n, dtype=np.int64)
    stride = 1
    for col, _, _ in plan.split:
        c, lab = _group_codes(data[col])
        if h.order is not None:
            c = c[h.order]
        codes.append((c, stride))
        labels.append(lab)
        combo += c * stride
        stride *= max(len(lab), 1)
    key = h.case_type.astype(np.int64) * stride + combo
    present, new_type = _present(key)
    t_of = present // stride
    n_act = len(h.actions)
    rows = [h.table.reshape(len(COMPONENTS), -1, n_act)[:, t_of, :]]
    rows += [ind[name][t_of][None] for name in plan.overall]
    layout = []  # (column, group code, number of sums) in row order
    for (col, sums, _), lab, (_, st) in zip(plan.split, labels, codes):
        g_of = (present % stride) // st % max(len(lab), 1)
        stack = np.stack([ind[name][t_of] for name in sums]) if sums else None  # (sums, T', A)
        for g in range(len(lab)):
            if stack is not None:  # a check on `decisions` alone needs only the counts
                rows.append(stack * (g_of == g)[None, :, None])
            layout.append((col, g, len(sums)))
    table = np.concatenate(rows, axis=0).reshape(-1, len(present) * n_act)
    split = dataclasses.replace(h, case_type=new_type, table=table)
    early, late = h.open
    totals, peak, method = _cells(split, early, late, te, tl)

    n_fixed = len(plan.rows)
    groups: dict = {}
    at = n_fixed
    counts = {col: np.bincount(c, minlength=len(lab))
              for (col, _, _), (c, _), lab in zip(plan.split, codes, labels)}
    label_of = {col: lab for (col, _, _), lab in zip(plan.split, labels)}
    for col, g, k in layout:
        groups[(col, label_of[col][g])] = (int(counts[col][g]), totals[at:at + k])
        at += k
    return LdaSums(totals[:n_fixed], groups, h.n, peak, method)


# --------------------------------------------------------------------------- the result

class LdaDisplay(Display):
    """A search drawn: total value against the worst ratio; holds what it draws, draws again.

    Attributes
    ----------
    data, cells : pandas.DataFrame
        ``worst_ratio``, ``value_total`` and ``passes`` (every check evaluated
        passes; True without ``keep_checks``) of every cell drawn (faint).
    frontier : pandas.DataFrame
        The frontier drawn as a line.
    current : pandas.Series
        The current policy's cell.
    choices : pandas.DataFrame
        The chosen cell of each tolerance.
    adverse_ratio : float
        Where the dotted line is.
    source : LdaSearch
    ax_, figure_ : matplotlib Axes and Figure
    """

    def __init__(self, search: LdaSearch):
        self.source = search
        self.data = _lda_cells(search)
        self.frontier = search.frontier
        self.current = search.current
        self.choices = search.choices
        self.adverse_ratio = search.plan.adverse_ratio

    @property
    def cells(self) -> pd.DataFrame:
        return self.data

    def _draw(self, ax):
        return _draw_lda(self.source, ax)



def _tolerance_words(t: float) -> str:
    return f"within {format_number(t, 'share', trim=True)}"


@dataclass(frozen=True, eq=False)
class LdaSearch(Result):
    """Pairs of lines for everyone, judged on value and on the worst favourable-rate ratio.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per cell of the band grid (approve then decline threshold):
        the columns of :data:`LDA_COLUMNS` — ``worst_ratio`` is the smallest
        favourable rate of a judged group over the reference group's (NaN
        when the reference group has no favourable decision), ``worst_group``
        the group that has it, ``reference_group`` the reference — then
        ``checks_passed`` (with ``keep_checks``) and
        ``favourable_rate.<group>`` for every group.
    frontier : pandas.DataFrame
        The candidate cells no other candidate beats on both total value and
        worst ratio, by rising worst ratio (falling value); indexed by cell.
    choices : pandas.DataFrame
        One row per tolerance (index ``tolerance``): the candidate whose value
        is within that share of the best candidate's with the largest worst
        ratio (ties: more value, then nearest the current cell), with
        ``value_floor``, ``value_given_up`` (best value minus its value),
        ``ratio_gain`` (its worst ratio minus the current cell's), ``cell``
        and ``is_current``. Empty when there is no candidate.
    current : pandas.Series
        The cell of the policy's own lines.
    best : pandas.Series or None
        The candidate of the highest total value (None without candidates).
    groups : pandas.DataFrame
        Every group of ``by``: ``group``, ``rows``, ``judged`` (in the
        smallest ratio), ``reason`` (why not), ``reference`` and
        ``favourable_rate`` at the current cell.
    checks : pandas.DataFrame
        Every check of the policy: ``check``, ``metric``, ``by``,
        ``evaluated``, ``reason`` (why not), ``cells_passing`` and
        ``passes_current``.
    plan : LdaPlan
        ``by``, the reference, ``min_group``, ``adverse_ratio``,
        ``tolerances`` and ``keep_checks`` of the search.
    policy : Policy
        The policy searched.
    approve_rule, decline_rule : str
    approve_test, decline_test : str
        Each rule's comparison, e.g. ``"p_default < t"``.
    grid : BandGrid
        The band grid of the same cells (value, automation, review load).
    method : str
    currency : str or None

    Candidates are the cells with a total value and a worst ratio (and, with
    ``keep_checks``, every evaluated check passing).
    """

    frame: pd.DataFrame
    frontier: pd.DataFrame
    choices: pd.DataFrame
    current: pd.Series
    best: pd.Series | None
    groups: pd.DataFrame
    checks: pd.DataFrame
    plan: LdaPlan
    policy: Policy
    approve_rule: str
    decline_rule: str
    approve_test: str
    decline_test: str
    grid: BandGrid
    method: str
    currency: str | None = None

    @property
    def by(self) -> str:
        """The protected attribute compared."""
        return self.plan.by

    @property
    def tolerances(self) -> tuple[float, ...]:
        """The tolerances searched, ascending."""
        return self.plan.tolerances

    @property
    def current_cell(self) -> int:
        """The position in :attr:`frame` of the current policy's cell."""
        f = self.frame
        at = (f["approve_threshold"].to_numpy() == self.current["approve_threshold"]) & \
            (f["decline_threshold"].to_numpy() == self.current["decline_threshold"])
        return int(np.flatnonzero(at)[0])

    @property
    def group_columns(self) -> list[str]:
        """The ``favourable_rate.<group>`` columns of :attr:`frame`, in group order."""
        return [f"favourable_rate.{g}" for g in self.groups["group"]]

    # ----------------------------------------------------------------- choices
    def choice(self, tolerance: float) -> pd.Series:
        """The chosen cell at ``tolerance`` (one of :attr:`tolerances`).

        Raises
        ------
        trustlab.DataError
            For a tolerance not searched, or when no cell is a candidate.
        """
        tols = np.asarray(self.tolerances)
        ok = isinstance(tolerance, (int, float, np.number)) and not isinstance(tolerance, bool)
        hit = np.flatnonzero(np.isclose(tols, float(tolerance), rtol=0, atol=1e-12)) if ok \
            else np.empty(0, dtype=int)
        if not len(hit):
            searched = ", ".join(f"{t:g}" for t in tols)
            raise DataError(_CALLER, [Problem("tolerance", f"must be one of the tolerances "
                                                           f"searched ({searched}); got "
                                                           f"{tolerance!r}")])
        if self.choices.empty:
            raise DataError(_CALLER, [Problem("tolerance", self._no_candidate())])
        return self.choices.loc[float(tols[hit[0]])]

    def _no_candidate(self) -> str:
        if self.plan.keep_checks:
            return ("no cell passes every check the grid evaluates (see .checks), so there is "
                    "nothing to choose; search with keep_checks=False or other thresholds")
        return ("no cell has both a total value and a worst ratio (the reference group has no "
                "favourable decision anywhere)")

    def policy_for(self, tolerance: float, *, version: str | None = None) -> Policy:
        """The chosen cell at ``tolerance`` written as a new version of the policy.

        The two rules' thresholds move through
        :func:`~trustlab.simulate.with_threshold` (one set of rules for every
        case, nothing by group) and the version is bumped
        (:func:`trustlab.change.bump_version`): to ``version``, or the next
        one (:func:`next_version`). When the choice is the current cell the
        policy is returned as it is.

        Examples
        --------
        >>> import trustlab
        >>> from trustlab.datasets import make_history
        >>> from pathlib import Path
        >>> p = trustlab.parse_policy(Path("policies/consumer-credit.yaml").read_text()
        ...                           + "fairness: {protected: [age_band]}\\n")
        >>> s = lda_search(p, make_history(n_days=30, applications_per_day=80, seed=1),
        ...                "low-risk", "high-risk")
        >>> q = s.policy_for(0.05)
        >>> q.version, [r.id for r in q.rules] == [r.id for r in p.rules]
        ('1.2.1', True)
        >>> s.diff_for(0.05)["kind"].tolist()
        ['identity', 'threshold moved', 'threshold moved']
        """
        row = self.choice(tolerance)
        if bool(row["is_current"]):
            return self.policy
        q = self.policy
        for rule, col in ((self.approve_rule, "approve_threshold"),
                          (self.decline_rule, "decline_threshold")):
            if float(row[col]) != float(self.current[col]):
                q = with_threshold(q, rule, float(row[col]))
        return bump_version(q, next_version(self.policy.version) if version is None else version)

    def diff_for(self, tolerance: float, *, version: str | None = None) -> pd.DataFrame:
        """What :meth:`policy_for` changes, in words (:func:`trustlab.policy.describe_changes`)."""
        return describe_changes(self.policy, self.policy_for(tolerance, version=version))

    # ----------------------------------------------------------------- shown
    def _shown_columns(self) -> list[str]:
        return ["approve_threshold", "decline_threshold", "value_total", "value_per_decision",
                "automation_rate", "bad_rate_favourable", "worst_ratio", "worst_group",
                *self.group_columns]

    def _rows(self) -> list[tuple[str, pd.Series]]:
        rows = [("current", self.current)]
        if self.best is not None:
            rows.append(("best", self.best))
        rows += [(_tolerance_words(t), r) for t, r in self.choices.iterrows()]
        return rows

    def summary(self) -> SummaryFrame:
        """The current cell, the best and each tolerance's choice (numbers, printed by kind).

        Examples
        --------
        >>> import trustlab
        >>> from trustlab.datasets import make_history
        >>> s = lda_search(trustlab.load_policy("policies/consumer-credit.yaml"),
        ...                make_history(n_days=30, applications_per_day=80, seed=1),
        ...                "low-risk", "high-risk", by="age_band")
        >>> list(s.summary().index)
        ['current', 'best', 'within 1%', 'within 2%', 'within 5%']
        """
        cols = self._shown_columns()
        rows = self._rows()
        table = pd.DataFrame([r[cols] for _, r in rows], index=[k for k, _ in rows])
        table["value_given_up"] = [float(self.best["value_total"] - r["value_total"])
                                   if self.best is not None else np.nan for _, r in rows]
        kinds = {"worst_ratio": "ratio", "value_given_up": "money_change",
                 **{c: "share" for c in self.group_columns}}
        return summary_frame(table.infer_objects(), kinds=kinds, currency=self.currency)

    def plot(self, ax=None) -> LdaDisplay:
        """Total value against the worst ratio: every cell faint (with ``keep_checks``, those
        passing darker), the frontier, the current policy and each choice marked (one mark per
        cell chosen), the adverse ratio as a dotted line.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt, trustlab
        >>> from trustlab.datasets import make_history
        >>> s = lda_search(trustlab.load_policy("policies/consumer-credit.yaml"),
        ...                make_history(n_days=30, applications_per_day=80, seed=1),
        ...                "low-risk", "high-risk", by="age_band")
        >>> d = s.plot()
        >>> d.ax_.get_ylabel(), len(d.choices)
        ('Total value (value units)', 3)
        >>> plt.close(d.figure_)
        """
        return LdaDisplay(self).plot(ax=ax)

    def to_dict(self) -> dict:
        """The search as plain JSON types: settings, groups, current, best, choices, frontier.

        Examples
        --------
        >>> import json, trustlab
        >>> from trustlab.datasets import make_history
        >>> s = lda_search(trustlab.load_policy("policies/consumer-credit.yaml"),
        ...                make_history(n_days=30, applications_per_day=80, seed=1),
        ...                "low-risk", "high-risk", by="age_band")
        >>> d = s.to_dict()
        >>> d["by"], len(d["choices"]), bool(json.dumps(d, allow_nan=False))
        ('age_band', 3, True)
        """
        def records(frame: pd.DataFrame, index: str | None = None) -> list[dict]:
            f = frame.reset_index() if index else frame
            return [dict(r) for r in f.to_dict(orient="records")]

        def row(s: pd.Series | None):
            return None if s is None else dict(s)

        return json_safe({
            "policy": self.policy.identity, "by": self.by, "reference": self.plan.reference,
            "min_group": self.plan.min_group, "adverse_ratio": self.plan.adverse_ratio,
            "tolerances": list(self.tolerances), "keep_checks": self.plan.keep_checks,
            "approve_rule": self.approve_rule, "decline_rule": self.decline_rule,
            "approve_test": self.approve_test, "decline_test": self.decline_test,
            "cells": len(self.frame), "groups": records(self.groups),
            "current": row(self.current), "best": row(self.best),
            "choices": records(self.choices, "tolerance"),
            "frontier": records(self.frontier, "cell"), "checks": records(self.checks),
            "method": self.method, "currency": self.currency,
        })

    def _repr_html_(self) -> str:
        cols = self._shown_columns()

        def fmt(name: str, v) -> str:
            if name == "worst_ratio":
                return escape(format_number(v, "ratio"))
            if name == "worst_group":
                return escape(str(v))
            if name.startswith("favourable_rate."):
                return escape(format_number(v, "share"))
            return escape(format_metric(name, v, currency=self.currency))

        head = "".join(f"<th>{escape(c)}</th>" for c in cols)
        rows = "".join(f"<tr><th style='text-align:left'>{escape(label)}</th>"
                       + "".join(f"<td>{fmt(c, r[c])}</td>" for c in cols) + "</tr>"
                       for label, r in self._rows())
        g = self.groups
        groups = ", ".join(
            f"{escape(str(r.group))} ({format_number(r.rows, 'count')}"
            f"{'' if r.judged else '; ' + escape(r.reason)})" for r in g.itertuples())
        ref = ("each cell's group of the highest favourable rate" if self.plan.reference is None
               else f"group {escape(str(self.plan.reference))}")
        left = self.checks[~self.checks["evaluated"]] if self.plan.keep_checks else \
            self.checks.iloc[:0]
        left_words = "" if left.empty else (
            " Checks left out: " + "; ".join(f"<code>{escape(r.check)}</code> {escape(r.reason)}"
                                             for r in left.itertuples()) + ".")
        none = "" if not self.choices.empty else \
            f"<p><b>No choice:</b> {escape(self._no_candidate())}</p>"
        return (f"<div><b>Less discriminatory alternatives for {escape(self.policy.identity)}"
                f"</b>: approve <code>{escape(self.approve_test)}</code> × decline "
                f"<code>{escape(self.decline_test)}</code>, "
                f"{format_number(len(self.frame), 'count')} pairs of lines, the same for "
                f"everyone. Groups of <code>{escape(self.by)}</code>: {groups}; compared with "
                f"{ref}; adverse below {format_number(self.plan.adverse_ratio, 'ratio')}."
                f"{none}<table><tr><th></th>{head}</tr>{rows}</table>"
                f"<small>{len(self.frontier)} pairs on the value / worst-ratio frontier"
                f"{'; only pairs passing the checks' if self.plan.keep_checks else ''}. "
                f"{escape(self.method)}.{left_words}</small></div>")

    def __repr__(self) -> str:
        picks = ", ".join(f"{t:g}: {format_number(r['worst_ratio'], 'ratio')}"
                          for t, r in self.choices.iterrows())
        return (f"LdaSearch(cells={len(self.frame)}, by={self.by!r}, current ratio="
                f"{format_number(self.current['worst_ratio'], 'ratio')}, choices={{{picks}}})")


# --------------------------------------------------------------------------- building it

def next_version(version: str) -> str:
    """The version after ``version``: its last number plus one (``.1`` appended without one).

    Examples
    --------
    >>> next_version("1.2.0"), next_version("2"), next_version("1.0-rc1"), next_version("beta")
    ('1.2.1', '3', '1.0-rc2', 'beta.1')
    """
    found = list(re.finditer(r"\d+", version))
    if not found:
        return f"{version}.1"
    m = found[-1]
    return f"{version[:m.start()]}{int(m.group()) + 1}{version[m.end():]}"


def _lda_cells(search) -> pd.DataFrame:
    """``worst_ratio``, ``value_total`` and ``passes`` of every cell that can be drawn."""
    f = search.frame
    drawn = f["worst_ratio"].notna() & f["value_total"].notna()
    return f.loc[drawn, ["worst_ratio", "value_total"]].assign(
        passes=f.loc[drawn, "checks_passed"] if search.plan.keep_checks else True)


def _draw_lda(result, ax):
    import matplotlib.pyplot as plt

    made = ax is None
    if made:
        fig, ax = plt.subplots(figsize=(8.5, 5.5))
    else:
        fig = ax.figure
    cells = _lda_cells(result)
    if result.plan.keep_checks:
        fail = cells[~cells["passes"]]
        ok = cells[cells["passes"]]
        ax.scatter(fail["worst_ratio"], fail["value_total"], s=6, color="#c5ccd3",
                   alpha=0.3, linewidths=0, zorder=1, label="Pairs failing a check")
        ax.scatter(ok["worst_ratio"], ok["value_total"], s=8, color="#52606d", alpha=0.45,
                   linewidths=0, zorder=2, label="Pairs passing every check evaluated")
    else:
        ax.scatter(cells["worst_ratio"], cells["value_total"], s=6, color="#9aa5b1",
                   alpha=0.3, linewidths=0, zorder=1, label="Every pair of lines")
    fr = result.frontier
    ax.plot(fr["worst_ratio"], fr["value_total"], "-o", color="#2e4057", ms=3.5, lw=1.6,
            label="Frontier: most value for each worst ratio", zorder=3)
    ax.axvline(result.plan.adverse_ratio, color="#b71c1c", ls=":", lw=1.5,
               label=f"Adverse ratio {format_number(result.plan.adverse_ratio, 'ratio')}",
               zorder=2)
    cur = result.current
    ax.plot([cur["worst_ratio"]], [cur["value_total"]], "o", ms=10, mfc="white",
            mec="black", mew=1.5, zorder=5,
            label=f"Current policy: ratio {format_number(cur['worst_ratio'], 'ratio')}, "
                  f"{format_metric('value_total', cur['value_total'], currency=result.currency)}")
    chosen = result.choices.reset_index()
    for k, (_, same) in enumerate(chosen.groupby("cell", sort=False)):  # one mark per cell
        r = same.iloc[0]
        tols = " and ".join(format_number(t, "share", trim=True) for t in same["tolerance"])
        value = format_metric("value_total", r["value_total"], currency=result.currency)
        ax.plot([r["worst_ratio"]], [r["value_total"]], _MARKERS[k % len(_MARKERS)],
                ms=13 if k == 0 else 10, color=_COLOURS[k % len(_COLOURS)], mec="white",
                zorder=6 + k,
                label=f"Chosen within {tols} of the best value: ratio "
                      f"{format_number(r['worst_ratio'], 'ratio')}, {value}")
    ax.xaxis.set_major_formatter(tick_formatter("ratio"))
    ax.yaxis.set_major_formatter(tick_formatter("money", currency=result.currency))
    ax.set_xlabel(f"Smallest favourable-rate ratio between groups of '{result.by}'"
                  f"{'' if result.plan.reference is None else f' (vs {result.plan.reference})'}")
    ax.set_ylabel(axis_label("Total value", "money", currency=result.currency))
    ax.set_title("Value against the worst ratio, the same lines for everyone", fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8, framealpha=0.9)
    if made:
        fig.tight_layout()
    return ax


def _sort_groups(labels) -> list:
    """Groups in their natural order (as text when they do not compare), missing last."""
    real = [g for g in labels if not (isinstance(g, str) and g == MISSING_GROUP)]
    try:
        real = sorted(real)
    except TypeError:
        real = sorted(real, key=str)
    return real + [g for g in labels if isinstance(g, str) and g == MISSING_GROUP]


def _holds(v: np.ndarray, check: Check) -> np.ndarray:
    ok = ~np.isnan(v)
    with np.errstate(invalid="ignore"):
        if check.at_least is not None:
            ok &= v >= check.at_least
        if check.at_most is not None:
            ok &= v <= check.at_most
    return ok


def _metric_of(name: str, sums: dict, rows: float, shape) -> np.ndarray:
    """Metric ``name`` at every cell from sums (as a replay defines it)."""
    if name == "decisions":
        return np.full(shape, float(rows))
    if name == "value_total":
        return np.where(sums["valued"] > 0, sums["value"], np.nan)
    num, den = (name, "rows") if name.startswith("share.") else _GRID_RATIOS[name]
    d = np.full(shape, float(rows)) if den == "rows" else sums[den]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(d > 0, sums[num] / np.where(d > 0, d, 1.0), np.nan)


def _ratio_rules(policy: Policy, column: str) -> tuple[bool, int, object | None]:
    """How a replay compares the groups of ``column``: ``(protected, min_rows, reference)`` —
    a protected column (``fairness.protected``) judges groups of ``fairness.min_group`` rows
    or more, not its missing group, against ``fairness.reference``; any other column judges
    segments of :data:`MIN_SEGMENT_ROWS` rows or more against the most favoured one."""
    fairness = policy.fairness
    if fairness is not None and column in fairness.protected:
        return True, fairness.min_group, fairness.reference_of(column)
    return False, MIN_SEGMENT_ROWS, None


def _same_group(label, given) -> bool:
    try:
        return str(label) == str(given) or bool(label == given)
    except (TypeError, ValueError):
        return False


def _lowest_ratio(policy: Policy, column: str, segs: list, shape) -> np.ndarray:
    """``favourable_rate_ratio`` of ``column`` at every cell, as a replay computes it."""
    protected, least, declared = _ratio_rules(policy, column)
    nan = np.full(shape, np.nan)
    judged = [(g, rows, s) for g, rows, s in segs
              if rows >= least and not (protected and _same_group(g, MISSING_GROUP))]
    if len(judged) < 2:
        return nan
    rates = np.stack([s["favourable"] / rows for _, rows, s in judged])
    if declared is None:
        top = rates.max(axis=0)
    else:
        hit = [(rows, s) for g, rows, s in segs if _same_group(g, declared)]
        if not hit or hit[0][0] < least:
            return nan
        top = hit[0][1]["favourable"] / hit[0][0]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(top > 0, rates.min(axis=0) / np.where(top > 0, top, 1.0), np.nan)


def _check_passes(policy: Policy, check: Check, overall: dict, n: int, by_col: dict,
                  peak: np.ndarray, shape) -> np.ndarray:
    """Where ``check`` holds, cell by cell, as :func:`~trustlab.simulate.evaluate_checks` judges."""
    if check.metric == "peak_reviews_per_window":
        return _holds(peak, check)
    if check.by is None:
        return _holds(_metric_of(check.metric, overall, n, shape), check)
    if check.metric == "favourable_rate_ratio":
        return _holds(_lowest_ratio(policy, check.by, by_col[check.by], shape), check)
    segs = [(rows, s) for _, rows, s in by_col[check.by] if rows >= MIN_SEGMENT_ROWS]
    if not segs:
        return np.zeros(shape, dtype=bool)
    ok = np.ones(shape, dtype=bool)
    for rows, s in segs:
        ok &= _holds(_metric_of(check.metric, s, rows, shape), check)
    return ok


def _frontier(frame: pd.DataFrame, cand: np.ndarray, dist: np.ndarray) -> pd.DataFrame:
    """Candidates not beaten on both value and worst ratio; one of equal pairs (nearest the
    current cell), by rising worst ratio."""
    idx = np.flatnonzero(cand)
    v = frame["value_total"].to_numpy()[idx]
    r = frame["worst_ratio"].to_numpy()[idx]
    order = np.lexsort((idx, dist[idx], -r, -v))  # value, then ratio down; nearest first
    r_sorted = r[order]
    best_before = np.r_[-np.inf, np.maximum.accumulate(r_sorted)[:-1]]
    keep = idx[order][r_sorted > best_before]
    out = frame.iloc[keep].sort_values(["worst_ratio", "value_total"], ascending=[True, False],
                                       kind="stable")
    return out.rename_axis("cell")


def lda_result(policy: Policy, plan: LdaPlan, sums: LdaSums, approve, decline,
               first_is_approve: bool, windowed: bool, method: str) -> LdaSearch:
    """The :class:`LdaSearch` from summed :class:`LdaSums` on the (early, late) axes.

    ``approve`` and ``decline`` are ``(RuleThreshold, thresholds)`` of each line.

    Raises
    ------
    trustlab.DataError
        When no case can be valued, fewer than two groups are large enough to
        judge, or the reference group is absent or too small.
    """
    (th_a, ta), (th_d, td) = approve, decline
    grid = grid_result(policy, sums.n, sums.totals[:len(COMPONENTS)], sums.peak, method,
                       windowed, None, (th_a, ta), (th_d, td), first_is_approve)
    shape = (len(ta), len(td))

    def axes(a: np.ndarray) -> np.ndarray:  # (early, late) → (approve, decline)
        return a if first_is_approve else np.swapaxes(a, -1, -2)

    overall = {name: axes(t) for name, t in zip(plan.rows, sums.totals)}
    by_col: dict[str, list] = {}
    order_of: dict[str, list] = {}
    for col, names, _ in plan.split:
        labels = _sort_groups([g for c, g in sums.groups if c == col])
        order_of[col] = labels
        by_col[col] = [(g, sums.groups[(col, g)][0],
                        {n: axes(s) for n, s in zip(names, sums.groups[(col, g)][1])})
                       for g in labels]

    # groups of `by`: rates, who is judged, the reference
    labels = order_of[plan.by]
    rows = np.array([r for _, r, _ in by_col[plan.by]], dtype=float)
    rates = np.stack([s["favourable"] / r for _, r, s in by_col[plan.by]])  # (G, A, D)
    missing = np.array([isinstance(g, str) and g == MISSING_GROUP for g in labels])
    judged = (rows >= plan.min_group) & ~missing
    reason = np.where(missing, "missing value: not a group to compare",
                      np.where(judged, "", f"fewer than {plan.min_group} rows (min_group)"))
    problems = []
    ref = None
    if plan.reference is not None:
        hit = [k for k, g in enumerate(labels) if g == plan.reference
               or str(g) == str(plan.reference)]
        if not hit:
            problems.append(Problem(f"fairness.reference.{plan.by}", (
                f"names group {plan.reference!r}, which '{plan.by}' does not hold; groups: "
                f"{', '.join(map(str, labels))}")))
        elif not judged[hit[0]]:
            problems.append(Problem(f"fairness.reference.{plan.by}", (
                f"group {plan.reference!r} has {int(rows[hit[0]])} rows, fewer than min_group "
                f"({plan.min_group}), so no ratio against it can be judged; name a larger "
                "reference group or lower fairness.min_group")))
        else:
            ref = hit[0]
    if judged.sum() < 2:
        problems.append(Problem("by", (
            f"'{plan.by}' has {int(judged.sum())} group(s) with {plan.min_group}+ rows "
            f"({', '.join(f'{g}: {int(r)}' for g, r in zip(labels, rows))}); comparing "
            "favourable rates needs two (lower fairness.min_group, or use more history)")))
    if problems:
        raise DataError(f"Data for policy '{policy.name}'", problems)
    jr = rates[judged]
    jl = np.array([str(g) for g in labels], dtype=object)[judged]
    if ref is None:
        top = jr.argmax(axis=0)
        ref_rate = np.take_along_axis(jr, top[None], axis=0)[0]
        ref_name = jl[top]
    else:
        ref_rate = rates[ref]
        ref_name = np.full(shape, str(labels[ref]), dtype=object)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios = jr / np.where(ref_rate > 0, ref_rate, np.nan)[None]
    defined = ref_rate > 0
    low = np.where(defined[None], ratios, np.inf).argmin(axis=0)
    worst = np.where(defined, np.take_along_axis(ratios, low[None], axis=0)[0], np.nan)
    worst_name = np.where(defined, jl[low], None)

    f = grid.frame.drop(columns="feasible")
    n_cells = len(f)
    f.insert(5, "favourable_rate", (overall["favourable"] / sums.n).ravel() if sums.n
             else np.full(n_cells, np.nan))
    f["worst_ratio"] = worst.ravel()
    f["worst_group"] = pd.Series(worst_name.ravel(), dtype=object)
    f["reference_group"] = pd.Series(ref_name.ravel(), dtype=object)

    # the checks the grid can evaluate
    check_rows = []
    passing = np.ones(shape, dtype=bool)
    peak = grid.frame["peak_reviews_per_window"].to_numpy().reshape(shape)  # (approve, decline)
    ia = int(np.searchsorted(ta, th_a.value))
    id_ = int(np.searchsorted(td, th_d.value))
    for c, why in plan.checks:
        if why:
            check_rows.append((c.describe(), c.metric, c.by, False, why, np.nan, None))
            continue
        ok = _check_passes(policy, c, overall, sums.n, by_col, peak, shape)
        passing &= ok
        check_rows.append((c.describe(), c.metric, c.by, True, "", int(ok.sum()),
                           bool(ok[ia, id_])))
    checks = pd.DataFrame(check_rows, columns=list(CHECK_FIELDS))
    checks["cells_passing"] = checks["cells_passing"].astype("Int64")
    for col in ("by", "passes_current"):  # None beside text or flags: kept as objects
        checks[col] = pd.Series([r[CHECK_FIELDS.index(col)] for r in check_rows], dtype=object)
    if plan.keep_checks:
        f["checks_passed"] = passing.ravel()
    for k, g in enumerate(labels):
        f[f"favourable_rate.{g}"] = rates[k].ravel()

    cur_k = ia * len(td) + id_
    current = f.iloc[cur_k].rename("current")
    groups = pd.DataFrame({
        "group": pd.Series([str(g) for g in labels], dtype=object),
        "rows": rows.astype(np.int64), "judged": judged, "reason": pd.Series(reason, dtype=object),
        "reference": [k == ref for k in range(len(labels))] if ref is not None
        else [False] * len(labels),
        "favourable_rate": rates[:, ia, id_]})

    # candidates, the best, the frontier and each tolerance's choice
    v = f["value_total"].to_numpy()
    r = f["worst_ratio"].to_numpy()
    cand = ~np.isnan(v) & ~np.isnan(r)
    if plan.keep_checks:
        cand &= passing.ravel()
    i = np.arange(n_cells) // len(td)
    j = np.arange(n_cells) % len(td)
    dist = (i - ia) ** 2 + (j - id_) ** 2
    best = None
    choice_rows, tol_index = [], []
    if cand.any():
        top = v[cand].max()
        at_top = cand & (v >= top - 1e-9 * max(1.0, abs(top)))
        best_k = int(np.flatnonzero(at_top)[np.argmin(dist[at_top])])
        best = f.iloc[best_k].rename("best")
        for t in plan.tolerances:
            floor = top - t * abs(top)
            within = cand & (v >= floor - 1e-9 * max(1.0, abs(top)))
            idx = np.flatnonzero(within)
            k = int(idx[np.lexsort((idx, dist[idx], -v[idx], -r[idx]))[0]])
            row = f.iloc[k].copy()
            row["value_floor"] = floor
            row["value_given_up"] = top - v[k]
            row["ratio_gain"] = r[k] - float(current["worst_ratio"])
            row["cell"] = k
            row["is_current"] = k == cur_k
            choice_rows.append(row)
            tol_index.append(t)
    extra = ["value_floor", "value_given_up", "ratio_gain", "cell", "is_current"]
    choices = pd.DataFrame(choice_rows, columns=list(f.columns) + extra,
                           index=pd.Index(tol_index, name="tolerance", dtype=float))
    choices = choices.infer_objects()
    if len(choices):
        choices["cell"] = choices["cell"].astype(np.int64)
        choices["is_current"] = choices["is_current"].astype(bool)
    frontier = _frontier(f, cand, dist)
    how = (f"{method}; favourable decisions split by '{plan.by}' ({len(labels)} groups, "
           f"{int(judged.sum())} judged), from the band grid's sums")
    return LdaSearch(f, frontier, choices, current, best, groups, checks, plan, policy,
                     th_a.rule, th_d.rule, f"{th_a.column} {th_a.op} t",
                     f"{th_d.column} {th_d.op} t", grid, how, currency_of(policy))


def _axis(given, threshold: RuleThreshold, x: np.ndarray, name: str) -> np.ndarray:
    """The thresholds of one axis: given, or quantiles of the column where the rule can fire."""
    if given is not None:
        t = np.asarray(given, dtype=float).ravel()
    else:
        t = np.quantile(x, np.linspace(0, 1, DEFAULT_STEPS)) if len(x) else np.empty(0)
    return np.unique(np.r_[t, threshold.value])


@validate_params({**PLAN_ARGS, "approve_thresholds": [None, Numbers()],
                  "decline_thresholds": [None, Numbers()], "seed": [SEED],
                  "reviewer_accuracy": [None, Interval(Real, 0, 1)]})
def lda_search(policy: Policy, data, approve_rule: str, decline_rule: str, *,
               by: str | None = None, tolerances=DEFAULT_TOLERANCES, approve_thresholds=None,
               decline_thresholds=None, keep_checks: bool = False, seed: int = 0,
               reviewer_accuracy: float | None = None,
               client=None, batch_rows: int | None = None) -> LdaSearch:
    """Search the band grid for the fairest pair of lines within a tolerance of the best value.

    Every cell is one pair of thresholds of the two rules, the same for every
    case (no line by group). For each, the total value and every group's
    favourable rate (favourable decisions over the group's cases) are
    exactly what :func:`replay` of the policy with those lines reports; the
    *worst ratio* is the smallest favourable rate of a judged group over the
    reference group's (``fairness.reference``, or the cell's group of the
    highest rate). Groups with fewer than ``fairness.min_group`` cases, and
    cases missing the attribute, are reported and not judged.

    Parameters
    ----------
    policy : Policy
        With ``outcomes``; its ``fairness`` section gives the protected
        attribute, reference group, ``min_group`` and ``adverse_ratio``
        (without one: ``by`` is needed, min_group 30, adverse ratio 0.8).
    data : pandas.DataFrame, path, URL or dask.dataframe.DataFrame
        History, as for :func:`replay`, with the ``by`` column.
    approve_rule, decline_rule : str
        The two rules whose thresholds move, as for :func:`band_grid`.
    by : str, optional
        The protected column. Default: ``fairness.protected[0]``.
    tolerances : sequence of float, default (0.01, 0.02, 0.05)
        Shares of the best value a choice may give up.
    approve_thresholds, decline_thresholds : array-like of float, optional
        Each axis, as for :func:`band_grid` (default: 101 quantiles of the
        column, then the current threshold).
    keep_checks : bool, default False
        Choose only among cells where every check the grid can evaluate
        passes (see :attr:`LdaSearch.checks` for the ones left out).
    seed, reviewer_accuracy
        As for :func:`replay`.
    client : distributed.Client or str, optional
        Run over the partitions of a Dask DataFrame on this cluster (or
        scheduler address); see :mod:`trustlab.scale`.
    batch_rows : int, optional
        Rows per batch when a Parquet history is streamed on this machine
        (default :data:`trustlab.scale.DEFAULT_BATCH_ROWS`).

    Returns
    -------
    LdaSearch

    Raises
    ------
    trustlab.ParameterError
        For bad arguments (every one at once).
    trustlab.DataError
        For no ``by`` and no ``fairness.protected``, a missing
        ``by`` column, fewer than two groups to judge, a reference group
        absent or too small, and data :func:`replay` refuses.
    trustlab.PolicyError
        For rules or rate limits :func:`band_grid` refuses, and a policy with
        no favourable action.

    Examples
    --------
    >>> import trustlab
    >>> from trustlab.datasets import make_history
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> s = lda_search(p, make_history(n_days=30, applications_per_day=80, seed=1),
    ...                "low-risk", "high-risk", by="age_band",
    ...                approve_thresholds=[0.05, 0.1], decline_thresholds=[0.3, 0.4])
    >>> s.frame[["approve_threshold", "decline_threshold", "worst_group"]].shape
    (9, 3)
    >>> bool((s.choices["value_given_up"] <= 0.05 * abs(s.best["value_total"]) + 1e-9).all())
    True
    """
    if not in_memory(data, client):
        return answer_in_parts("lda_search", policy, data, approve_rule, decline_rule, by=by,
                               tolerances=tolerances, approve_thresholds=approve_thresholds,
                               decline_thresholds=decline_thresholds, keep_checks=keep_checks,
                               seed=seed, reviewer_accuracy=reviewer_accuracy,
                               client=client, batch_rows=batch_rows)
    plan = lda_plan(policy, approve_rule, decline_rule, by=by, tolerances=tolerances,
                    keep_checks=keep_checks)
    h = open_history(policy, data, [(approve_rule, None), (decline_rule, None)],
                     caller=_CALLER, seed=seed, reviewer_accuracy=reviewer_accuracy,
                     ordering=True)
    early, late = h.open
    first_is_approve = early.threshold.rule == approve_rule
    rule_a, rule_d = (early, late) if first_is_approve else (late, early)
    ta = _axis(approve_thresholds, rule_a.threshold, rule_a.x[rule_a.eligible],
               "approve_thresholds")
    td = _axis(decline_thresholds, rule_d.threshold, rule_d.x[rule_d.eligible],
               "decline_thresholds")
    te, tl = (ta, td) if first_is_approve else (td, ta)
    sums = lda_sums(h, data, plan, te, tl)
    return lda_result(policy, plan, sums, (rule_a.threshold, ta), (rule_d.threshold, td),
                      first_is_approve, h.window is not None, sums.method)
