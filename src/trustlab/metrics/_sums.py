"""The metrics of the policy format, overall and by segment, and the policy's checks.

Every metric is a ratio of sums over the per-decision frame (or a count), so
the overall value and every segment's value come from one grouped sum. A
metric that cannot be computed is ``NaN`` with a reason, never a default.

Disparity metrics (``<rate>_ratio``, ``<rate>_difference``; the rates are
:data:`DISPARITY_BASES`) compare each segment's rate with a *reference group*'s
(:meth:`MetricTotals.compare`):

* the groups *judged* are those with at least :data:`MIN_SEGMENT_ROWS` rows —
  for a protected column (``fairness.protected``) at least
  ``fairness.min_group``, and never the ``(missing)`` group, which is
  reported but is no group to compare;
* the reference is ``fairness.reference`` for a protected column that names
  one (no comparison when it is absent or has fewer rows than that), else the
  judged group of the highest favourable rate (the first of equals);
* a check on one holds when it holds in every judged group (the reference
  among them, at ratio 1 and difference 0); ``favourable_rate_ratio`` stays
  one number per column, the lowest judged group's ratio (for a column
  without a ``fairness.reference``: lowest over highest segment rate, as
  before).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._codes import Coded, code, coded_or_code, count_combinations
from ._registry import METRICS, metric
from ..policy import Check, Policy

__all__ = ["activity_counts", "shared_codes", "metric_table", "metric_table_from", "metric_totals", "MetricTotals",
           "GroupComparison", "group_rules", "evaluate_checks", "MIN_SEGMENT_ROWS", "CHECK_COLUMNS",
           "DISPARITY_BASES", "COMPARING_METRICS", "MISSING_SEGMENT", "RATIOS", "indicators",
           "ratio_values"]

MIN_SEGMENT_ROWS = 30
"""A check with ``by`` holds when it holds in every segment with at least this many rows."""

MISSING_SEGMENT = "(missing)"
"""The segment of rows whose segment column is missing."""

CHECK_COLUMNS = ("check", "metric", "by", "value", "at_least", "at_most", "passed", "segment",
                 "reason")

_UNDEFINED = {  # rate: reason when its denominator is 0 (its sums: the registry's RATE_SUMS)
    "automation_rate": "no decisions",
    "favourable_rate": "no decisions",
    "bad_rate_favourable": "no labelled rows with a favourable action",
    "bad_capture_rate": "no labelled rows with the bad outcome",
    "wrong_call_rate": "no labelled rows with an automated action",
    "wrongly_declined_good": "no labelled rows with the good outcome",
    "wrongly_approved_bad": "no labelled rows with the bad outcome",
    "value_per_decision": "no decision could be valued (no observed outcomes under "
                          "`unlabelled: exclude`)",
    "fallback_rate": "no decisions",
    "unlabelled_share": "no decisions",
    "alignment": "no automated decision has a recorded human decision to compare with",
    "deferral_rate": "no decisions",
    "escalation_rate": "no decisions",
}
RATIOS = {  # metric: (numerator, denominator, reason when the denominator is 0)
    name: (metric(name).numerator, metric(name).denominator, why)
    for name, why in _UNDEFINED.items()}

COMPARING_METRICS: tuple[str, ...] = tuple(n for n, m in METRICS.items() if m.compares)
"""Disparity metrics: ``<rate>_ratio`` and ``<rate>_difference`` for each of
:data:`DISPARITY_BASES`, a segment's rate against its reference group's."""

DISPARITY_BASES: tuple[str, ...] = tuple(dict.fromkeys(METRICS[n].compares
                                                       for n in COMPARING_METRICS))
"""The rates disparity metrics compare between groups."""
_DRIFT_REASON = ("measured against a drift reference over time by the drift monitor, not by a "
                 "replay of history")


_STATE_FLAGS = ("automated", "favourable", "right_if_bad", "labelled", "bad", "valued",
                "guardrail_interventions", "signal_missing", "escalated")
"""The yes/no facts of a decision that, with its action and the recorded human action,
decide every indicator but ``value`` (:func:`_indicator_table`)."""


def _flag_columns(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The :data:`_STATE_FLAGS` of every row of a per-decision frame, as bool arrays."""
    value = frame["value"].to_numpy(dtype=float)
    return {
        "automated": frame["automated"].to_numpy(dtype=bool),
        "favourable": frame["favourable"].to_numpy(dtype=bool),
        "right_if_bad": frame["right_if_bad"].to_numpy(dtype=bool),
        "labelled": frame["labelled"].to_numpy(dtype=bool),
        "bad": frame["bad"].to_numpy(dtype=bool),
        "valued": ~np.isnan(value),
        "guardrail_interventions": frame["guardrail"].notna().to_numpy(),
        "signal_missing": frame["signal_missing"].to_numpy(dtype=bool),
        "escalated": (frame["escalated"].to_numpy(dtype=bool) if "escalated" in frame.columns
                      else np.zeros(len(frame), dtype=bool)),
    }


def _indicator_table(flags: dict[str, np.ndarray], action: np.ndarray, recorded: np.ndarray,
                     actions: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Every boolean indicator of :func:`indicators` from the flags and action codes.

    Works on any arrays of one shape: the rows of a frame, or the few distinct
    states :func:`metric_totals` counts rows in.
    """
    auto, fav, lab, bad = (flags[k] for k in ("automated", "favourable", "labelled", "bad"))
    right_if_bad = flags["right_if_bad"]
    alignable = auto & (recorded >= 0)
    cleared = auto & ~right_if_bad  # given an automated action that is right for a good outcome
    cols = {
        "rows": np.ones(np.shape(auto), dtype=bool),
        "automated": auto,
        "favourable": fav,
        "fav_bad": fav & lab & bad,
        "fav_labelled": fav & lab,
        # caught: not given an automated action that is right for the good outcome
        "bad_caught": lab & bad & ~cleared,
        "bad_cleared": lab & bad & cleared,
        "good_uncleared": lab & ~bad & ~cleared,
        "labelled_good": lab & ~bad,
        "wrong_call": auto & lab & (right_if_bad != bad),
        "auto_labelled": auto & lab,
        "labelled_bad": lab & bad,
        "value": None,  # the one sum that is not a count (kept in its place)
        "valued": flags["valued"],
        "guardrail_interventions": flags["guardrail_interventions"],
        "signal_missing": flags["signal_missing"],
        "unlabelled": ~lab,
        "aligned": alignable & (recorded == action),
        "alignable": alignable,
        "human": ~auto,
        "escalated": flags["escalated"],
    }
    for i, a in enumerate(actions):
        cols[f"share.{a}"] = action == i
    return cols


def indicators(frame: pd.DataFrame, actions: tuple[str, ...]) -> pd.DataFrame:
    """One numeric column per sum a metric needs, one row per row of ``frame``."""
    flags = _flag_columns(frame)
    (action, recorded), _ = shared_codes([frame["action"], frame["recorded_action"]], actions)
    cols = _indicator_table(flags, action, recorded, actions)
    cols["value"] = np.nan_to_num(frame["value"].to_numpy(dtype=float))
    return pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in cols.items()}, index=frame.index)


def _from_sums(sums: pd.DataFrame, actions: tuple[str, ...]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Metric → (values, reasons) per row of ``sums`` (one row per group), as arrays.

    Array arithmetic on the sums' columns (a replay calls this for every segment
    column, so pandas' alignment per ratio would cost more than the sums).
    """
    n = len(sums)
    blank = np.full(n, "", dtype=object)

    def ratio(num: np.ndarray, den: np.ndarray, why: str) -> tuple[np.ndarray, np.ndarray]:
        ok = den > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            values = np.where(ok, num / np.where(ok, den, 1.0), np.nan)
        return values, np.where(ok, blank, why).astype(object)

    column = {c: sums[c].to_numpy(dtype=float) for c in sums.columns}
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    out["decisions"] = (column["rows"], blank)
    for name, (num, den, why) in RATIOS.items():
        out[name] = ratio(column[num], column[den], why)
    for a in actions:
        out[f"share.{a}"] = ratio(column[f"share.{a}"], column["rows"], "no decisions")
    valued = column["valued"] > 0
    out["value_total"] = (np.where(valued, column["value"], np.nan),
                          np.where(valued, blank, RATIOS["value_per_decision"][2]).astype(object))
    out["guardrail_interventions"] = (column["guardrail_interventions"], blank)
    align, why = out["alignment"]
    out["override_rate"] = (1.0 - align, why)
    return out


def ratio_values(sums: dict[str, np.ndarray], names, out: dict[str, np.ndarray] | None = None
                 ) -> dict[str, np.ndarray]:
    """Metrics ``names`` from indicator sums (any shape), NaN where a ratio has no cases.

    The same definitions as :func:`metric_table` (:data:`RATIOS`, and
    ``value_total`` defined when a decision was valued), for arrays of sums:
    one per bootstrap replicate, sweep threshold or grid cell. Written into
    ``out[name]`` when given.
    """
    res = {} if out is None else out
    with np.errstate(invalid="ignore", divide="ignore"):
        for name in names:
            num, den = ("value", "valued") if name == "value_total" else RATIOS[name][:2]
            d = np.asarray(sums[den])
            target = res.get(name)
            if target is None:
                target = res[name] = np.empty(np.shape(d))
            if name == "value_total":
                np.copyto(target, sums[num])
            else:
                np.divide(sums[num], d, out=target)
            target[d == 0] = np.nan
    return res


def _no_window_reason(policy: Policy) -> str:
    if policy.time_column is None:
        return "the policy names no time column (`columns.time`), so there are no windows"
    if policy.outcomes is None or policy.outcomes.window is None:
        return "the policy gives no `outcomes.window` to count reviews in"
    return "no rows to place in windows"


def _window_stats(human: pd.Series | None, window_span: tuple[int, int] | None,
                  segments: pd.Index) -> tuple[pd.Series | None, pd.Series | None]:
    """Mean and peak human-review rows per window for each of ``segments``.

    ``human`` counts human-action rows by (segment, window id); windows
    without any count as 0 over the whole span.
    """
    if human is None or window_span is None:
        return None, None
    lo, hi = window_span
    n_windows = hi - lo + 1
    grid = np.zeros((len(segments), n_windows))
    if len(human):
        seg = segments.get_indexer(human.index.get_level_values(0))
        win = human.index.get_level_values(1).to_numpy() - lo
        grid[seg, win] = human.to_numpy()
    return (pd.Series(grid.mean(axis=1), index=segments),
            pd.Series(grid.max(axis=1, initial=0), index=segments))


@dataclass(frozen=True, eq=False)
class MetricTotals:
    """The sums every metric is a ratio of, overall and per segment: mergeable.

    Two histories' totals added (:meth:`merge`) are the totals of the two
    together, so a history can be measured in batches or partitions and give
    the metrics of the whole.

    Attributes
    ----------
    sums : dict
        ``None`` (overall, one row ``(all)``) or a segment column → a frame of
        indicator sums, one row per segment (sorted).
    human : dict or None
        The same keys → human-action rows by (segment, window id); None
        without time windows.
    """

    sums: dict
    human: dict | None

    def merge(self, other: MetricTotals) -> MetricTotals:
        """The totals of both histories."""
        def add(a, b):
            return a.add(b, fill_value=0).sort_index()

        if (self.human is None) != (other.human is None):
            raise ValueError("cannot merge totals with and without time windows")
        sums = {k: add(self.sums[k], other.sums[k]) for k in self.sums}
        human = None if self.human is None else {
            k: add(self.human[k], other.human[k]) for k in self.human}
        return MetricTotals(sums, human)

    def compare(self, column: str, policy: Policy, *, min_rows: int | None = None,
                protected: bool | None = None, reference: object | None = None,
                exclude=()) -> GroupComparison:
        """The groups of segment column ``column`` compared with their reference group.

        Parameters
        ----------
        column : str
            A segment column of these totals.
        policy : Policy
            Its actions and ``fairness`` section.
        min_rows, protected, reference : optional
            Override the policy's rules for ``column`` (see :func:`group_rules`):
            the fewest rows of a judged group, whether ``column`` holds a
            protected attribute (its ``(missing)`` group is then not judged),
            and the reference group (None: the judged group of the highest
            favourable rate, or the policy's ``fairness.reference``).
        exclude : sequence of str, optional
            Groups reported but never judged (a crossed group with a missing part).

        Returns
        -------
        GroupComparison
        """
        if column not in self.sums or column is None:
            raise KeyError(f"no segment column {column!r} in these totals; segment columns: "
                           f"{', '.join(str(k) for k in self.sums if k is not None) or 'none'}")
        rules = group_rules(policy, column)
        prot = rules[0] if protected is None else bool(protected)
        least = rules[1] if min_rows is None else int(min_rows)
        declared = rules[2] if reference is None else reference
        sums = self.sums[column]
        rates = _from_sums(sums, tuple(a.name for a in policy.actions))
        names = np.array([str(g) for g in sums.index], dtype=object)
        rows = sums["rows"].to_numpy(dtype=float)
        judged = ((rows >= least) & ~(prot & (names == MISSING_SEGMENT))
                  & ~np.isin(names, np.asarray(list(exclude), dtype=object)))
        fav = rates["favourable_rate"][0]
        ref, why = _reference_group(column, list(sums.index), names, rows, fav, judged, least,
                                    declared)
        values: dict[str, np.ndarray] = {"rows": rows}
        reasons: dict[str, np.ndarray] = {}
        for base in DISPARITY_BASES:
            values[base], reasons[base] = rates[base]
        k = None if ref is None else int(np.flatnonzero(names == ref)[0])
        for name in COMPARING_METRICS:
            base = METRICS[name].compares
            v, r = values[base], reasons[base]
            if k is None:
                values[name] = np.full(len(names), np.nan)
                reasons[name] = np.full(len(names), why, dtype=object)
                continue
            values[name] = np.asarray(metric(name).against(v, v[k]), dtype=float)
            if np.isnan(v[k]):
                at_ref = f"the reference group '{ref}' has no {base}: {r[k]}"
            else:
                at_ref = f"the reference group '{ref}' has a {base} of 0"
            reasons[name] = np.where(~np.isnan(values[name]), "",
                                     np.where(r != "", r, at_ref)).astype(object)
        index = pd.Index(names, name=column)
        return GroupComparison(column, pd.DataFrame(values, index=index),
                               pd.DataFrame(reasons, index=index),
                               pd.Series(judged, index=index, name="judged"), ref, why, least, prot)


@dataclass(frozen=True, eq=False)
class GroupComparison:
    """The groups of one column, each rate beside the reference group's.

    Made by :meth:`MetricTotals.compare`.

    Attributes
    ----------
    column : str
    values : pandas.DataFrame
        One row per group (index: the group as text): ``rows``, each rate of
        :data:`DISPARITY_BASES` and each of :data:`COMPARING_METRICS`.
    reasons : pandas.DataFrame
        The same index, one column per rate and disparity metric: why its
        value is missing (``""`` where it is not).
    judged : pandas.Series of bool
        The groups compared (a check holds when it holds in each).
    reference : str or None
        The reference group; None when there is none (see :attr:`why`).
    why : str
        Why there is no reference group (``""`` when there is one).
    min_rows : int
        The fewest rows of a judged group.
    protected : bool
        The column holds a protected attribute: its ``(missing)`` group is not judged.
    """

    column: str
    values: pd.DataFrame
    reasons: pd.DataFrame
    judged: pd.Series
    reference: str | None
    why: str
    min_rows: int
    protected: bool


def group_rules(policy: Policy, column: str) -> tuple[bool, int, object | None]:
    """How the groups of ``column`` are compared: ``(protected, min_rows, reference)``.

    A protected column (``fairness.protected``) judges groups of at least
    ``fairness.min_group`` rows, never its ``(missing)`` group, against its
    ``fairness.reference`` (None: the most favoured judged group); any other
    column judges segments of at least :data:`MIN_SEGMENT_ROWS` rows against
    the most favoured one.
    """
    fairness = policy.fairness
    if fairness is not None and column in fairness.protected:
        return True, fairness.min_group, fairness.reference_of(column)
    return False, MIN_SEGMENT_ROWS, None


def _reference_group(column: str, groups: list, names: np.ndarray, rows: np.ndarray,
                     favourable: np.ndarray, judged: np.ndarray, min_rows: int,
                     declared: object | None) -> tuple[str | None, str]:
    """The reference group's name, or None with the reason."""
    if declared is not None:
        hit = [k for k, g in enumerate(groups) if str(g) == str(declared) or _equal(g, declared)]
        if not hit:
            return None, (f"the reference group '{declared}' is not among the groups of "
                          f"'{column}' ({', '.join(names)})")
        if rows[hit[0]] < min_rows:
            return None, (f"the reference group '{declared}' of '{column}' has "
                          f"{int(rows[hit[0]])} rows, fewer than {min_rows}")
        return str(names[hit[0]]), ""
    if not judged.any():
        return None, f"no group of '{column}' has {min_rows}+ rows"
    score = np.where(judged & ~np.isnan(favourable), favourable, -np.inf)
    return str(names[int(np.argmax(score))]), ""


def _equal(a, b) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def shared_codes(columns: list, names: tuple = ()) -> tuple[list[np.ndarray], list]:
    """Integer codes of ``columns`` over one shared list of distinct values (-1 = missing).

    Each column is factorized once (a categorical reads its codes, pyarrow text is
    dictionary-encoded), so only its few distinct values are ever compared as
    Python objects: ``names`` come first in the shared list, in their order.

    Examples
    --------
    >>> codes, values = shared_codes([pd.Series(["b", None, "a"], dtype="string"),
    ...                               pd.Series(pd.Categorical(["c", "b", "b"]))], ("a", "b"))
    >>> [c.tolist() for c in codes], values
    ([[1, -1, 0], [2, 1, 1]], ['a', 'b', 'c'])
    """
    values = list(names)
    position = {v: i for i, v in enumerate(values)}
    out = []
    for column in columns:
        coded = code(column)
        codes = coded.codes
        lut = np.empty(len(coded.values) + 1, dtype=np.int64)
        lut[-1] = -1
        for i, value in enumerate(coded.values):
            lut[i] = position.setdefault(value, len(values))
            if lut[i] == len(values):
                values.append(value)
        out.append(lut[codes])
    return out, values


def _segment_codes(column: Coded) -> tuple[np.ndarray, pd.Index]:
    """Row group numbers of a coded segment column and the sorted segment names they index.

    Its distinct values (missing as :data:`MISSING_SEGMENT`) are sorted as a
    groupby on the values would sort them; only those few are compared.
    """
    codes = column.codes
    keys = np.empty(len(column.values), dtype=object)
    keys[:] = column.values
    if (codes < 0).any():
        keys = np.append(keys, np.array([MISSING_SEGMENT], dtype=object))
        codes = np.where(codes < 0, len(keys) - 1, codes)
    grouped = pd.Series(np.arange(len(keys))).groupby(keys, sort=True)
    return grouped.ngroup().to_numpy()[codes], grouped.size().index


def metric_totals(frame: pd.DataFrame, policy: Policy, by: tuple[str, ...] = (),
                  coded: Mapping[str, Coded] | None = None) -> MetricTotals:
    """The :class:`MetricTotals` of a per-decision frame (:attr:`Replay.decisions`).

    Each row is one of a few *states* (its :data:`_STATE_FLAGS`, action and
    recorded action, coded as one integer); the rows of each (segment, state)
    are counted with one :func:`numpy.bincount` per segment column, and every
    count-type sum is then read off the small table of states. Segment
    columns are coded once (:func:`pandas.factorize`), never compared as text
    row by row (``coded`` holds those a caller coded already:
    :func:`trustlab._codes.code_columns`); ``value`` is summed per segment
    with one weighted bincount.
    """
    actions = tuple(a.name for a in policy.actions)
    flags = _flag_columns(frame)
    (action, recorded), names = shared_codes([frame["action"], frame["recorded_action"]], actions)
    kind, kinds = _states(flags, action, recorded, len(names) + 1)
    table = _indicator_table(kinds["flags"], kinds["action"], kinds["recorded"], actions)
    columns = list(table)
    per_state = np.column_stack([np.zeros(len(kinds["action"])) if v is None
                                 else np.asarray(v, dtype=float) for v in table.values()])
    at_value = columns.index("value")
    value = np.nan_to_num(frame["value"].to_numpy(dtype=float))
    n_kinds = per_state.shape[0]
    every = {col: _segment_codes(coded_or_code(coded, col, frame[col])) for col in by}
    window = frame["window"].to_numpy() if "window" in frame.columns else None
    n_windows = 1 if window is None or not len(window) else int(np.ptp(window)) + 1
    # a segment column of very many values (a key, say) is summed on its own, sparsely
    many = {c for c, (_, segments) in every.items()
            if len(segments) * max(n_kinds, n_windows) > _MAX_CELLS}
    groups = {c: g for c, g in every.items() if c not in many}
    crossed = _crossing(groups)
    counts, values = _by_group(groups, kind, n_kinds, (None, value), crossed=crossed)
    sums: dict = {}
    for col, segments in [(None, pd.Index(["(all)"]))] + [(c, every[c][1]) for c in by]:
        if col in many:
            part = _sums_by_segment(every[col][0], len(segments), kind, per_state)
            part[:, at_value] = np.bincount(every[col][0], weights=value, minlength=len(segments))
        else:
            part = counts[col].astype(float) @ per_state
            part[:, at_value] = values[col].sum(axis=1)
        sums[col] = pd.DataFrame(part, index=segments, columns=columns)
    human = None
    if window is not None:
        human = _human_by_window(window, ~flags["automated"], groups, crossed)
        for col in many:
            human[col] = _human_pairs(window, ~flags["automated"], *every[col])
        human = {c: human[c] for c in (None, *by)}
    return MetricTotals(sums, human)


def _sums_by_segment(codes: np.ndarray, n: int, kind: np.ndarray, per_state: np.ndarray
                     ) -> np.ndarray:
    """Every indicator sum of ``n`` segments, one weighted bincount per indicator (for a
    segment column of too many values to count by (segment, state))."""
    part = np.empty((n, per_state.shape[1]))
    for j in range(per_state.shape[1]):
        part[:, j] = np.bincount(codes, weights=per_state[kind, j], minlength=n)
    return part


def _human_pairs(window: np.ndarray, human: np.ndarray, codes: np.ndarray,
                 segments: pd.Index) -> pd.Series:
    """Human-action rows by (segment, window id), only the pairs present, found by hashing
    (for a segment column of too many values to count every pair)."""
    w = np.asarray(window, dtype=np.int64)[human]
    lo = int(w.min()) if len(w) else 0
    span = int(w.max()) - lo + 1 if len(w) else 1
    pair, present = pd.factorize(codes[human] * span + (w - lo), sort=True)
    counts = np.bincount(pair, minlength=len(present)).astype(float)
    present = np.asarray(present, dtype=np.int64)
    windows, w_codes = np.unique(present % span + lo, return_inverse=True)
    index = pd.MultiIndex(levels=[segments, windows], codes=[present // span, w_codes.ravel()],
                          names=["segment", "window"], verify_integrity=False)
    return pd.Series(counts, index=index)


_MAX_CELLS = 1 << 22
"""The most cells one count crossing every segment column may have; beyond it each
column is counted on its own."""


def _crossing(groups: dict) -> np.ndarray | None:
    """Each row's cell among all segment columns crossed (None when the cells are too many)."""
    sizes = [len(segments) for _, segments in groups.values()]
    if float(np.prod(sizes, dtype=float)) > _MAX_CELLS:
        return None
    cell = None
    for (codes, _), size in zip(groups.values(), sizes):
        if cell is None:
            cell = codes.astype(np.int64)
        else:
            cell *= size
            cell += codes
    return cell


def _by_group(groups: dict, key: np.ndarray, n_key: int, weights: tuple = (None,),
              rows: np.ndarray | None = None, crossed: np.ndarray | None = None) -> list[dict]:
    """Rows counted (or ``weights`` summed) by (segment, ``key``), for every grouping.

    Parameters
    ----------
    groups : dict
        Segment column → (row codes, segment names), as :func:`_segment_codes` gives.
    key : numpy.ndarray
        Integer codes 0 .. ``n_key`` - 1 per row (per row of ``rows`` when given).
    weights : tuple
        One entry per answer: None counts rows, an array (as long as ``key``) sums it.
    rows : numpy.ndarray of bool, optional
        Only these rows of the groups' codes.
    crossed : numpy.ndarray, optional
        :func:`_crossing` of ``groups`` (None: count one column at a time).

    Returns
    -------
    list of dict
        Per entry of ``weights``: None (all rows, shape (1, n_key)) and each
        segment column (shape (segments, n_key)) → the counts or sums. With
        ``crossed``, one :func:`numpy.bincount` counts every cell of the crossed
        segment columns and the answers are its margins.
    """
    pick = (lambda a: a) if rows is None else (lambda a: a[rows])
    cols = list(groups)
    sizes = [len(groups[c][1]) for c in cols]
    out: list[dict] = [{} for _ in weights]
    n_cells = float(np.prod(sizes, dtype=float)) * n_key
    if cols and crossed is not None and n_cells <= _MAX_CELLS:
        cell = pick(crossed) * n_key
        cell += key
        for answer, w in zip(out, weights):
            cube = np.bincount(cell, weights=w, minlength=int(n_cells)).reshape(*sizes, n_key)
            answer[None] = cube.reshape(-1, n_key).sum(axis=0)[None, :]
            for i, c in enumerate(cols):
                answer[c] = cube.sum(axis=tuple(j for j in range(len(cols)) if j != i))
        return out
    for answer, w in zip(out, weights):
        answer[None] = np.bincount(key, weights=w, minlength=n_key)[None, :]
    for c, size in zip(cols, sizes):
        cell = pick(groups[c][0]) * n_key
        cell += key
        for answer, w in zip(out, weights):
            answer[c] = np.bincount(cell, weights=w, minlength=size * n_key).reshape(size, n_key)
    return out


def _states(flags: dict[str, np.ndarray], action: np.ndarray, recorded: np.ndarray,
            n_codes: int) -> tuple[np.ndarray, dict]:
    """Each row's state number (0 .. k-1) and the k states present, decoded.

    A state packs the row's flags as bits with its action and recorded action
    codes (-1 for none, so ``n_codes`` values each); only the states present
    are numbered.
    """
    bits = len(_STATE_FLAGS)
    packed = np.zeros(len(action), dtype=np.uint16)
    for bit, name in enumerate(_STATE_FLAGS):
        packed |= flags[name].view(np.uint8) << np.uint16(bit)  # bool arrays are 0/1 bytes
    state = action + 1
    state += n_codes * (recorded + 1)
    state <<= bits
    state |= packed
    present = np.flatnonzero(np.bincount(state))
    if not len(present):  # no rows: one empty state keeps the shapes
        present = np.zeros(1, dtype=np.int64)
    number = np.zeros(int(present[-1]) + 1, dtype=np.int64)
    number[present] = np.arange(len(present))
    codes = present >> bits
    decoded = {"flags": {name: (present >> bit) & 1 == 1 for bit, name in enumerate(_STATE_FLAGS)},
               "action": codes % n_codes - 1, "recorded": codes // n_codes - 1}
    return number[state], decoded


def _human_by_window(window: np.ndarray, human: np.ndarray, groups: dict,
                     crossed: np.ndarray | None = None) -> dict:
    """Human-action rows by (segment, window id) for each grouping: only the pairs with any."""
    rel = np.asarray(window, dtype=np.int64)[human]
    lo = int(rel.min()) if len(rel) else 0
    rel -= lo
    present = np.flatnonzero(np.bincount(rel))
    number = np.zeros(int(present[-1]) + 1 if len(present) else 1, dtype=np.int64)
    number[present] = np.arange(len(present))
    windows = present + lo
    k = len(windows)
    (counts,) = _by_group(groups, number[rel], max(k, 1), rows=human, crossed=crossed)
    out = {}
    for col, segments in [(None, pd.Index(["(all)"]))] + [(c, groups[c][1]) for c in groups]:
        flat = counts[col].reshape(-1)[: len(segments) * k] if k else np.zeros(0)
        hit = np.flatnonzero(flat)
        index = pd.MultiIndex(levels=[segments, windows], codes=[hit // max(k, 1), hit % max(k, 1)],
                              names=["segment", "window"], verify_integrity=False)
        out[col] = pd.Series(flat[hit].astype(float), index=index)
    return out


def metric_table(frame: pd.DataFrame, policy: Policy, *, by: tuple[str, ...] = (),
                 window_span: tuple[int, int] | None = None,
                 coded: Mapping[str, Coded] | None = None) -> pd.DataFrame:
    """Every metric overall and per segment of each ``by`` column, as a tidy frame.

    Parameters
    ----------
    frame : pandas.DataFrame
        The per-decision frame of a replay (:attr:`Replay.decisions`).
    policy : Policy
    by : tuple of str
        Segment columns of ``frame``.
    window_span : (int, int), optional
        First and last window id of the history (windowed metrics need it).
    coded : mapping, optional
        Segment columns already coded by the caller (:func:`trustlab._codes.code_columns`).

    Returns
    -------
    pandas.DataFrame
        Columns ``metric``, ``by`` (None overall), ``segment`` (None overall),
        ``value`` (float, NaN when it cannot be computed), ``rows`` and
        ``reason`` (why the value is missing; empty otherwise).
    """
    return metric_table_from(metric_totals(frame, policy, by, coded), policy, window_span)


def metric_table_from(totals: MetricTotals, policy: Policy,
                      window_span: tuple[int, int] | None = None) -> pd.DataFrame:
    """:func:`metric_table` from (possibly merged) :class:`MetricTotals`."""
    actions = tuple(a.name for a in policy.actions)
    columns: dict[str, list[np.ndarray]] = {k: [] for k in ("metric", "by", "segment", "value",
                                                            "rows", "reason")}
    w_reason = _no_window_reason(policy)

    def add(name: str, by_col, segment, value, rows, reason) -> None:
        n = len(value)
        columns["metric"].append(np.full(n, name, dtype=object))
        columns["by"].append(np.full(n, by_col, dtype=object))
        columns["segment"].append(segment)
        columns["value"].append(np.asarray(value, dtype=float))
        columns["rows"].append(np.asarray(rows, dtype=np.int64))
        columns["reason"].append(np.asarray(reason, dtype=object))

    def emit(by_col, sums: pd.DataFrame):
        metrics = _from_sums(sums, actions)
        human = None if totals.human is None else totals.human[by_col]
        mean_w, peak_w = _window_stats(human, window_span, sums.index)
        n = len(sums)
        blank = np.full(n, "", dtype=object)
        if mean_w is not None:
            metrics["reviews_per_window_mean"] = (mean_w.to_numpy(), blank)
            metrics["peak_reviews_per_window"] = (peak_w.to_numpy(), blank)
        else:
            nan = np.full(n, np.nan)
            why = np.full(n, w_reason, dtype=object)
            metrics["reviews_per_window_mean"] = (nan, why)
            metrics["peak_reviews_per_window"] = (nan, why)
        for name in ("max_signal_psi", "max_feature_psi"):
            metrics[name] = (np.full(n, np.nan), np.full(n, _DRIFT_REASON, dtype=object))
        segment = (np.full(len(sums), None, dtype=object) if by_col is None
                   else sums.index.astype(str).to_numpy(dtype=object))
        rows = sums["rows"].to_numpy(dtype=np.int64)
        for name, (values, reasons) in metrics.items():
            add(name, by_col, segment, values, rows, reasons)

    emit(None, totals.sums[None])
    for col in [k for k in totals.sums if k is not None]:
        sums = totals.sums[col]
        emit(col, sums)
        comp = totals.compare(col, policy)
        segment = comp.values.index.to_numpy(dtype=object)
        rows = sums["rows"].to_numpy(dtype=np.int64)
        for name in COMPARING_METRICS:
            add(name, col, segment, comp.values[name].to_numpy(), rows,
                comp.reasons[name].to_numpy())
        value, why = _lowest_ratio(col, sums, comp)
        add("favourable_rate_ratio", col, np.array([None], dtype=object), [value],
            [int(sums["rows"].sum())], [why])
    # one frame built once, not one per metric (text columns inferred as pandas does)
    mixed = ("by", "segment")  # None beside text: kept as objects
    return pd.DataFrame({k: pd.Series(np.concatenate(v), dtype=object) if k in mixed
                         else np.concatenate(v) for k, v in columns.items()})


def _lowest_ratio(col: str, sums: pd.DataFrame, comp: GroupComparison) -> tuple[float, str]:
    """``favourable_rate_ratio`` of column ``col``: one number and why it is missing."""
    if not comp.protected:  # lowest over highest segment rate, as the format first defined it
        fav = sums["favourable"] / sums["rows"]
        rates = fav[sums["rows"] >= MIN_SEGMENT_ROWS]
        if len(rates) < 2:
            return np.nan, f"fewer than two segments of '{col}' have {MIN_SEGMENT_ROWS}+ rows"
        if rates.max() == 0:
            return np.nan, f"no segment of '{col}' has a favourable decision"
        return float(rates.min() / rates.max()), ""
    if comp.reference is None:
        return np.nan, comp.why
    if int(comp.judged.sum()) < 2:
        return np.nan, (f"fewer than two groups of '{col}' have {comp.min_rows}+ rows (the "
                        f"{MISSING_SEGMENT} group is not compared)")
    ratios = comp.values.loc[comp.judged.to_numpy(), "favourable_rate_ratio"]
    if ratios.isna().all():
        return np.nan, str(comp.reasons.loc[comp.reference, "favourable_rate_ratio"])
    return float(ratios.min()), ""


def _holds(value: float, check: Check) -> bool:
    if np.isnan(value):
        return False
    return (check.at_least is None or value >= check.at_least) and \
        (check.at_most is None or value <= check.at_most)


def evaluate_checks(policy: Policy, metrics: pd.DataFrame) -> pd.DataFrame:
    """Each of the policy's checks with its value, bounds and pass/fail.

    A check with ``by`` (other than ``favourable_rate_ratio``) holds when it
    holds in every segment with at least :data:`MIN_SEGMENT_ROWS` rows; its
    value is the worst such segment's, named in ``segment``. A check on a
    disparity metric (:data:`COMPARING_METRICS`) holds when it holds in every
    judged group of its ``by`` column (:func:`group_rules`: for a protected
    column, groups of ``fairness.min_group`` rows or more, not ``(missing)``),
    each compared with the column's reference group. A metric that could not
    be computed fails its check, with the reason.
    """
    rows = []
    for check in policy.checks:
        segment, reason = None, ""
        if check.metric in COMPARING_METRICS and check.metric != "favourable_rate_ratio":
            value, passed, segment, reason = _group_check(policy, check, metrics)
        elif check.metric == "favourable_rate_ratio" or check.by is None:
            sel = metrics[(metrics["metric"] == check.metric) & metrics["segment"].isna()
                          & ((metrics["by"] == check.by) if check.by else metrics["by"].isna())]
            if sel.empty:
                value, reason = np.nan, f"segment column '{check.by}' was not part of the replay"
            else:
                value, reason = float(sel["value"].iloc[0]), str(sel["reason"].iloc[0])
            passed = _holds(value, check)
        else:
            sel = metrics[(metrics["metric"] == check.metric) & (metrics["by"] == check.by)]
            sel = sel[sel["rows"] >= MIN_SEGMENT_ROWS]
            if sel.empty:
                value, passed = np.nan, False
                reason = f"no segment of '{check.by}' has {MIN_SEGMENT_ROWS}+ rows"
            else:
                value, passed, segment, reason = _worst(sel, check)
        rows.append({"check": check.describe(), "metric": check.metric, "by": check.by,
                     "value": value, "at_least": check.at_least, "at_most": check.at_most,
                     "passed": bool(passed), "segment": segment,
                     "reason": reason if np.isnan(value) else ""})
    return pd.DataFrame(rows, columns=list(CHECK_COLUMNS))


def _worst(sel: pd.DataFrame, check: Check) -> tuple[float, bool, str, str]:
    """Whether ``check`` holds in every row of ``sel`` (segments), and the worst segment's value."""
    holds = np.array([_holds(v, check) for v in sel["value"]])
    worst = sel.iloc[int(np.argmin(holds))] if not holds.all() else (
        sel.loc[sel["value"].idxmin()] if check.at_least is not None
        else sel.loc[sel["value"].idxmax()])
    return float(worst["value"]), bool(holds.all()), str(worst["segment"]), str(worst["reason"])


def _group_check(policy: Policy, check: Check, metrics: pd.DataFrame
                 ) -> tuple[float, bool, str | None, str]:
    """A check on a disparity metric: it holds when it holds in every judged group of ``by``."""
    if check.by is None:
        return np.nan, False, None, (f"{check.metric} compares the groups of a column with a "
                                     f"reference group, so the check needs `by: COLUMN`")
    sel = metrics[(metrics["metric"] == check.metric) & (metrics["by"] == check.by)
                  & metrics["segment"].notna()]
    if sel.empty:
        return np.nan, False, None, f"segment column '{check.by}' was not part of the replay"
    protected, min_rows, _ = group_rules(policy, check.by)
    judged = sel[(sel["rows"] >= min_rows)
                 & ~(protected & (sel["segment"] == MISSING_SEGMENT))]
    if judged.empty:
        return np.nan, False, None, (f"no group of '{check.by}' has {min_rows}+ rows"
                                     + (f" (the {MISSING_SEGMENT} group is not compared)"
                                        if protected else ""))
    return _worst(judged, check)


def activity_counts(records: pd.DataFrame) -> pd.DataFrame:
    """Decision records counted by ``rule``, ``rule_action``, ``action`` and ``guardrail``
    (missing guardrail kept): a small table that adds up across parts of a history."""
    return count_combinations(records, ["rule", "rule_action", "action", "guardrail"],
                              "decisions")
