"""The metrics of the policy format, overall and by segment, and the policy's checks.

Every metric is a ratio of sums over the per-decision frame (or a count), so
the overall value and every segment's value come from one grouped sum. A
metric that cannot be computed is ``NaN`` with a reason, never a default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..policy._spec import Check, Policy

__all__ = ["activity_counts", "metric_table", "metric_table_from", "metric_totals", "MetricTotals",
           "evaluate_checks", "MIN_SEGMENT_ROWS", "CHECK_COLUMNS"]

MIN_SEGMENT_ROWS = 30
"""A check with ``by`` holds when it holds in every segment with at least this many rows."""

CHECK_COLUMNS = ("check", "metric", "by", "value", "at_least", "at_most", "passed", "segment",
                 "reason")

_RATIOS = {  # metric: (numerator, denominator, reason when the denominator is 0)
    "automation_rate": ("automated", "rows", "no decisions"),
    "favourable_rate": ("favourable", "rows", "no decisions"),
    "bad_rate_favourable": ("fav_bad", "fav_labelled",
                            "no labelled rows with a favourable action"),
    "bad_capture_rate": ("bad_caught", "labelled_bad", "no labelled rows with the bad outcome"),
    "wrong_call_rate": ("wrong_call", "auto_labelled", "no labelled rows with an automated action"),
    "value_per_decision": ("value", "valued", "no decision could be valued (no observed outcomes "
                                              "under `unlabelled: exclude`)"),
    "fallback_rate": ("signal_missing", "rows", "no decisions"),
    "unlabelled_share": ("unlabelled", "rows", "no decisions"),
    "alignment": ("aligned", "alignable", "no automated decision has a recorded human decision "
                                          "to compare with"),
}
_DRIFT_REASON = ("measured against a drift reference over time by the drift monitor, not by a "
                 "replay of history")


def _indicators(frame: pd.DataFrame, actions: tuple[str, ...]) -> pd.DataFrame:
    """One numeric column per sum a metric needs."""
    fav = frame["favourable"].to_numpy(dtype=bool)
    auto = frame["automated"].to_numpy(dtype=bool)
    right_if_bad = frame["right_if_bad"].to_numpy(dtype=bool)
    lab = frame["labelled"].to_numpy(dtype=bool)
    bad = frame["bad"].to_numpy(dtype=bool)
    value = frame["value"].to_numpy(dtype=float)
    recorded = frame["recorded_action"]
    alignable = auto & recorded.notna().to_numpy()
    action = frame["action"].astype(object).to_numpy()
    cols = {
        "rows": np.ones(len(frame)),
        "automated": auto,
        "favourable": fav,
        "fav_bad": fav & lab & bad,
        "fav_labelled": fav & lab,
        # caught: not given an automated action that is right for the good outcome
        "bad_caught": lab & bad & ~(auto & ~right_if_bad),
        "wrong_call": auto & lab & (right_if_bad != bad),
        "auto_labelled": auto & lab,
        "labelled_bad": lab & bad,
        "value": np.nan_to_num(value),
        "valued": ~np.isnan(value),
        "guardrail_interventions": frame["guardrail"].notna().to_numpy(),
        "signal_missing": frame["signal_missing"].to_numpy(dtype=bool),
        "unlabelled": ~lab,
        "aligned": alignable & (recorded.astype(object).to_numpy() == action),
        "alignable": alignable,
        "human": ~auto,
    }
    for a in actions:
        cols[f"share.{a}"] = action == a
    return pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in cols.items()}, index=frame.index)


def _from_sums(sums: pd.DataFrame, actions: tuple[str, ...]) -> dict[str, tuple[pd.Series, pd.Series]]:
    """Metric → (values, reasons) per row of ``sums`` (one row per group)."""
    out: dict[str, tuple[pd.Series, pd.Series]] = {}
    blank = pd.Series("", index=sums.index, dtype=object)
    out["decisions"] = (sums["rows"], blank)
    for name, (num, den, why) in _RATIOS.items():
        d = sums[den]
        out[name] = (sums[num] / d.where(d > 0), blank.where(d > 0, why))
    for a in actions:
        d = sums["rows"]
        out[f"share.{a}"] = (sums[f"share.{a}"] / d.where(d > 0), blank.where(d > 0, "no decisions"))
    valued = sums["valued"] > 0
    out["value_total"] = (sums["value"].where(valued), blank.where(valued, _RATIOS[
        "value_per_decision"][2]))
    out["guardrail_interventions"] = (sums["guardrail_interventions"], blank)
    align, why = out["alignment"]
    out["override_rate"] = (1.0 - align, why)
    return out


def ratio_values(sums: dict[str, np.ndarray], names, out: dict[str, np.ndarray] | None = None
                 ) -> dict[str, np.ndarray]:
    """Metrics ``names`` from indicator sums (any shape), NaN where a ratio has no cases.

    The same definitions as :func:`metric_table` (:data:`_RATIOS`, and
    ``value_total`` defined when a decision was valued), for arrays of sums:
    one per bootstrap replicate, sweep threshold or grid cell. Written into
    ``out[name]`` when given.
    """
    res = {} if out is None else out
    with np.errstate(invalid="ignore", divide="ignore"):
        for name in names:
            num, den = ("value", "valued") if name == "value_total" else _RATIOS[name][:2]
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


def metric_totals(frame: pd.DataFrame, policy: Policy, by: tuple[str, ...] = ()) -> MetricTotals:
    """The :class:`MetricTotals` of a per-decision frame (:attr:`Replay.decisions`)."""
    actions = tuple(a.name for a in policy.actions)
    ind = _indicators(frame, actions)
    total = ind.sum().to_frame().T
    total.index = pd.Index(["(all)"])
    sums: dict = {None: total}
    keys: dict = {None: np.full(len(frame), "(all)", dtype=object)}
    for col in by:
        key = frame[col].astype(object).where(frame[col].notna(), "(missing)").to_numpy()
        sums[col] = ind.groupby(key, sort=True).sum()
        keys[col] = key
    human = None
    if "window" in frame.columns:
        h = ~frame["automated"].to_numpy(dtype=bool)
        w = frame["window"].to_numpy()[h]
        human = {}
        for col, key in keys.items():
            counts = pd.Series(1.0, index=pd.MultiIndex.from_arrays(
                [key[h], w], names=["segment", "window"])).groupby(level=[0, 1]).sum()
            human[col] = counts
    return MetricTotals(sums, human)


def metric_table(frame: pd.DataFrame, policy: Policy, *, by: tuple[str, ...] = (),
                 window_span: tuple[int, int] | None = None) -> pd.DataFrame:
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

    Returns
    -------
    pandas.DataFrame
        Columns ``metric``, ``by`` (None overall), ``segment`` (None overall),
        ``value`` (float, NaN when it cannot be computed), ``rows`` and
        ``reason`` (why the value is missing; empty otherwise).
    """
    return metric_table_from(metric_totals(frame, policy, by), policy, window_span)


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
        blank = pd.Series("", index=sums.index, dtype=object)
        if mean_w is not None:
            metrics["reviews_per_window_mean"] = (mean_w, blank)
            metrics["peak_reviews_per_window"] = (peak_w, blank)
        else:
            nan = pd.Series(np.nan, index=sums.index)
            why = pd.Series(w_reason, index=sums.index, dtype=object)
            metrics["reviews_per_window_mean"] = (nan, why)
            metrics["peak_reviews_per_window"] = (nan, why)
        for name in ("max_signal_psi", "max_feature_psi"):
            metrics[name] = (pd.Series(np.nan, index=sums.index),
                             pd.Series(_DRIFT_REASON, index=sums.index, dtype=object))
        segment = (np.full(len(sums), None, dtype=object) if by_col is None
                   else sums.index.astype(str).to_numpy(dtype=object))
        rows = sums["rows"].to_numpy(dtype=np.int64)
        for name, (values, reasons) in metrics.items():
            add(name, by_col, segment, values.to_numpy(dtype=float), rows,
                reasons.to_numpy(dtype=object))

    emit(None, totals.sums[None])
    for col in [k for k in totals.sums if k is not None]:
        sums = totals.sums[col]
        emit(col, sums)
        fav = sums["favourable"] / sums["rows"]
        big = sums["rows"] >= MIN_SEGMENT_ROWS
        rates = fav[big]
        if len(rates) < 2:
            value, why = np.nan, f"fewer than two segments of '{col}' have {MIN_SEGMENT_ROWS}+ rows"
        elif rates.max() == 0:
            value, why = np.nan, f"no segment of '{col}' has a favourable decision"
        else:
            value, why = float(rates.min() / rates.max()), ""
        add("favourable_rate_ratio", col, np.array([None], dtype=object), [value],
            [int(sums["rows"].sum())], [why])
    # one frame built once, not one per metric (text columns inferred as pandas does)
    mixed = ("by", "segment")  # None beside text: kept as objects
    return pd.DataFrame({k: pd.Series(np.concatenate(v), dtype=object) if k in mixed
                         else np.concatenate(v) for k, v in columns.items()})


def _holds(value: float, check: Check) -> bool:
    if np.isnan(value):
        return False
    return (check.at_least is None or value >= check.at_least) and \
        (check.at_most is None or value <= check.at_most)


def evaluate_checks(policy: Policy, metrics: pd.DataFrame) -> pd.DataFrame:
    """Each of the policy's checks with its value, bounds and pass/fail.

    A check with ``by`` (other than ``favourable_rate_ratio``) holds when it
    holds in every segment with at least :data:`MIN_SEGMENT_ROWS` rows; its
    value is the worst such segment's, named in ``segment``. A metric that
    could not be computed fails its check, with the reason.
    """
    rows = []
    for check in policy.checks:
        segment, reason = None, ""
        if check.metric == "favourable_rate_ratio" or check.by is None:
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
                holds = np.array([_holds(v, check) for v in sel["value"]])
                worst = sel.iloc[int(np.argmin(holds))] if not holds.all() else (
                    sel.loc[sel["value"].idxmin()] if check.at_least is not None
                    else sel.loc[sel["value"].idxmax()])
                value, segment, passed = float(worst["value"]), str(worst["segment"]), bool(holds.all())
                reason = str(worst["reason"])
        rows.append({"check": check.describe(), "metric": check.metric, "by": check.by,
                     "value": value, "at_least": check.at_least, "at_most": check.at_most,
                     "passed": bool(passed), "segment": segment,
                     "reason": reason if np.isnan(value) else ""})
    return pd.DataFrame(rows, columns=list(CHECK_COLUMNS))


def activity_counts(records: pd.DataFrame) -> pd.DataFrame:
    """Decision records counted by ``rule``, ``rule_action``, ``action`` and ``guardrail``
    (missing guardrail kept): a small table that adds up across parts of a history."""
    keys = ["rule", "rule_action", "action", "guardrail"]
    return (records[keys].astype(object).groupby(keys, dropna=False).size()
            .rename("decisions").reset_index())
