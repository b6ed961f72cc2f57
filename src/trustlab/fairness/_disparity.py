"""Disparity between the groups of protected attributes, measured with its uncertainty.

For each protected attribute of a policy (``fairness.protected``, or the
columns given), and optionally two of them crossed, every group gets the rates
a replay measures — favourable decisions, bad outcomes among them, the two
error rates given the outcome, deferrals to a person and escalations — and
each rate beside the reference group's as a ratio and a difference. Every
number is a ratio of sums of a replay's own per-decision indicators
(:func:`trustlab.simulate.metric_totals`), each rate's sums are the registry's
(:attr:`trustlab.metrics.Metric.numerator`), and the groups judged and the
reference group are the ones a policy check with ``by`` uses
(:meth:`trustlab.simulate.MetricTotals.compare`), so a group's value here is
the value a check on it reads.

The error rates follow each action's ``right_when``, so they mean the same in
either direction: ``wrongly_declined_good`` is the share of the good outcomes
not given an automated action that is right for a good outcome (a credit
policy's good applicants declined or sent to review; a retention policy's
customers who stayed but were made an offer or called), and
``wrongly_approved_bad`` the share of the bad outcomes given one (a credit
policy's defaulters approved; a retention policy's churners left without an
offer).

**Intervals.** A seeded nonparametric bootstrap: each replicate draws as many
rows as the history has, uniformly with replacement, and every metric is
recomputed from the drawn rows; the interval is the percentile interval of
the replicates. Each metric depends on a row only through its group and six
flags (favourable, automated, right for a bad outcome, labelled, bad,
escalated), so the rows fall into at most 64 cells per group and a replicate
is fully described by how many rows it draws from each cell. Drawing the rows
and counting them by cell gives counts with exactly the multinomial
distribution of the cells' shares, so the counts are drawn as such
(``Generator.multinomial``) and the group sums follow by ``np.bincount`` —
the same bootstrap as resampling rows, at a cost that does not grow with the
number of rows. Group sizes vary between replicates, as they would. A
replicate whose denominator is 0 has no value for that metric and is left
out of its interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from .._result import Result
from .._format import format_number
from .._json import json_safe
from .._validate import (LEVEL, REPLICATES_OR_NONE, SEED, InstanceOf, SequenceOf, Text,
                         validate_params)
from ..metrics import METRICS, SummaryFrame, format_metric, metric, metric_words, summary_frame
from ..policy import Policy
from ..simulate import MetricTotals, Replay, metric_totals, replay
from ._display import DISPLAY_COLUMNS, DisparityDisplay

__all__ = ["Disparity", "disparity", "RATES", "DISPARITY_METRICS", "MISSING_GROUP",
           "CROSS_SEPARATOR"]

COMPARING: tuple[str, ...] = tuple(name for name, m in METRICS.items() if m.compares)
RATES: tuple[str, ...] = tuple(dict.fromkeys(METRICS[name].compares for name in COMPARING))
"""The rates compared between groups: ``favourable_rate``, ``bad_rate_favourable``,
``wrongly_declined_good``, ``wrongly_approved_bad``, ``deferral_rate``, ``escalation_rate``."""

DISPARITY_METRICS: tuple[str, ...] = tuple(
    name for rate in RATES for name in (rate, f"{rate}_ratio", f"{rate}_difference"))
"""The metrics of :attr:`Disparity.frame`: each rate, its ratio and its difference against the
reference group (each with ``_low`` and ``_high`` interval columns)."""

MISSING_GROUP = "(missing)"
"""The group of rows whose attribute is missing (as replays name the segment)."""

CROSS_SEPARATOR = " × "
"""Joins the two attributes of a crossed attribute, and their groups: ``age_band × sex``."""

_FLAGS = ("favourable", "automated", "right_if_bad", "labelled", "bad", "escalated")
"""The per-decision flags every disparity metric of a row depends on (with its group)."""

_INDICATOR_COLUMNS = ("action", "rule", "guardrail", "automated", "favourable", "right_if_bad",
                      "signal_missing", "labelled", "bad", "recorded_action", "value",
                      "escalated")
"""Columns of a replay's decisions that its indicators read."""

_CELLS = 4_000_000
"""Replicates × cells drawn per chunk (bounds memory)."""

_CALLER = "disparity"


# ----------------------------------------------------------------------------- the result

@dataclass(frozen=True, eq=False)
class Disparity(Result):
    """The groups of protected attributes compared, with bootstrap intervals; see :func:`disparity`.

    Attributes
    ----------
    frame : pandas.DataFrame
        Tidy: one row per (attribute, group), attribute by attribute. Columns
        ``attribute`` (a column, or two joined by :data:`CROSS_SEPARATOR`),
        ``group`` (text; ``(missing)`` for missing values), ``rows``,
        ``labelled`` (rows with an observed outcome), ``reference`` (the
        group the others are compared with), ``judged`` (compared, as a check
        with ``by`` compares), ``small`` (fewer rows than ``min_group``),
        ``adverse`` (favourable-rate ratio below ``adverse_ratio``), then for
        each of :data:`DISPARITY_METRICS` its value and its interval
        (``<metric>_low``, ``<metric>_high``; NaN without a bootstrap).
    reasons : pandas.DataFrame
        ``attribute``, ``group`` and, for each of :data:`DISPARITY_METRICS`,
        why its value is missing (``""`` where it is not).
    policy : str
        ``name@version#hash`` of the policy.
    attributes : tuple of str
        The attributes compared, in the order of :attr:`frame`.
    references : dict
        Attribute → its reference group (None when there is none).
    min_rows : dict
        Attribute → the fewest rows of a group compared (``fairness.min_group``
        for a protected attribute).
    adverse_ratio : float
        A favourable-rate ratio below it is adverse (``fairness.adverse_ratio``).
    bootstrap, seed, level
        Replicates, seed and interval coverage.
    method : str
        How the intervals were made, in words.
    warnings : tuple of str
        Adverse groups and comparisons that could not be made, in words.
    """

    frame: pd.DataFrame
    reasons: pd.DataFrame
    policy: str
    attributes: tuple[str, ...]
    references: dict
    min_rows: dict
    adverse_ratio: float
    bootstrap: int
    seed: int
    level: float
    method: str
    warnings: tuple[str, ...]

    def summary(self) -> SummaryFrame:
        """The headline columns of :attr:`frame`, each number printed by its kind.

        ``attribute``, ``group``, ``rows``, the favourable rate, its ratio
        with the interval and its difference against the reference group, the
        other rates, and the flags.
        """
        cols = ["attribute", "group", "rows", "favourable_rate", "favourable_rate_ratio",
                "favourable_rate_ratio_low", "favourable_rate_ratio_high",
                "favourable_rate_difference", "bad_rate_favourable", "wrongly_declined_good",
                "wrongly_approved_bad", "deferral_rate", "escalation_rate", "reference", "small",
                "adverse"]
        kinds = {"favourable_rate_ratio_low": "favourable_rate_ratio",
                 "favourable_rate_ratio_high": "favourable_rate_ratio"}
        return summary_frame(self.frame[cols].reset_index(drop=True), kinds=kinds)

    def plot(self, ax=None) -> DisparityDisplay:
        """Favourable-rate ratio by group: a dot, its interval, and the adverse line.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Default: a new figure.

        Returns
        -------
        DisparityDisplay
            Holds the data drawn; its ``plot`` draws it again.
        """
        data = self.frame[list(DISPLAY_COLUMNS)].reset_index(drop=True)
        return DisparityDisplay(data, self.adverse_ratio, self.level).plot(ax=ax)

    def to_dict(self) -> dict:
        """Everything as JSON holds it (NaN as null)."""
        return json_safe({
            "policy": self.policy, "attributes": list(self.attributes),
            "references": dict(self.references), "min_rows": dict(self.min_rows),
            "adverse_ratio": self.adverse_ratio, "bootstrap": self.bootstrap,
            "seed": self.seed, "level": self.level, "method": self.method,
            "groups": self.frame.to_dict("records"),
            "reasons": self.reasons.to_dict("records"),
            "warnings": list(self.warnings)})

    def _repr_html_(self) -> str:
        level = format_number(self.level, "share", trim=True)
        cols = ("favourable_rate", "favourable_rate_ratio", "favourable_rate_difference",
                "bad_rate_favourable", "wrongly_declined_good", "wrongly_approved_bad",
                "deferral_rate", "escalation_rate")
        words = {c: metric_words(c) for c in cols}
        words["favourable_rate_ratio"] = (metric_words("favourable_rate")
                                          + f": group over reference ({level} interval)")
        head = "".join(f"<th>{escape(words[c])}</th>" for c in cols)
        body = []
        reasons = self.reasons.reset_index(drop=True)
        for i, r in enumerate(self.frame.reset_index(drop=True).itertuples(index=False)):
            cells = []
            for c in cols:
                v = getattr(r, c)
                text = format_metric(c, v, reason=reasons.at[i, c] or None)
                lo, hi = getattr(r, f"{c}_low"), getattr(r, f"{c}_high")
                if c == "favourable_rate_ratio" and lo == lo and hi == hi and not r.reference:
                    text += (f" ({format_metric(c, lo)}–{format_metric(c, hi)})")
                cells.append(f"<td>{escape(text)}</td>")
            body.append(f"<tr><td>{escape(r.attribute)}</td><td>{escape(r.group)}</td>"
                        f"<td>{escape(format_metric('rows', r.rows))}</td>{''.join(cells)}"
                        f"<td>{escape(self._note(r))}</td></tr>")
        warn = "".join(f"<li>{escape(w)}</li>" for w in self.warnings)
        return (f"<div><b>Disparity of {escape(self.policy)}</b> by "
                f"{escape(', '.join(self.attributes))}: each group against its reference group; "
                f"a favourable-rate ratio below "
                f"{escape(format_metric('favourable_rate_ratio', self.adverse_ratio))} is "
                f"adverse. "
                f"<small>{escape(self.method)}</small>"
                f"<table><tr><th>attribute</th><th>group</th><th>rows</th>{head}<th>note</th>"
                f"</tr>{''.join(body)}</table>"
                + (f"<b>Warnings</b><ul>{warn}</ul>" if warn else "<i>No warnings.</i>")
                + "</div>")

    def _note(self, r) -> str:
        words = []
        if r.reference:
            words.append("reference group")
        if r.small:
            words.append(f"small group: {format_metric('rows', r.rows)} rows, fewer than "
                         f"{format_metric('rows', self.min_rows[r.attribute])}; read with care")
        elif not r.judged:
            words.append("missing value: reported, not compared")
        if r.adverse:
            words.append("adverse")
        return "; ".join(words)

    def __repr__(self) -> str:
        return (f"Disparity({self.policy}, attributes={list(self.attributes)}, "
                f"groups={len(self.frame)}, adverse={int(self.frame['adverse'].sum())})")


# ----------------------------------------------------------------------------- arguments

def _columns_of(by) -> tuple[str, ...] | None:
    if by is None:
        return None
    if isinstance(by, str):
        return (by,)
    return tuple(dict.fromkeys(by))


def _check(policy, data, by, cross) -> tuple[str, ...]:
    """Every data problem of a well-typed call at once; the attribute columns to compare."""
    problems = []
    cols = _columns_of(by)
    if cols is None:
        cols = () if policy.fairness is None else tuple(policy.fairness.protected)
        if not cols and cross is None:
            problems.append(Problem("by", f"policy '{policy.name}' declares no protected "
                                          f"attributes (`fairness.protected`): name the columns "
                                          f"to compare, e.g. by='age_band', or add a `fairness:` "
                                          f"section to the policy"))
    where = "by" if by is not None else "fairness.protected"
    wanted = [(where, c) for c in cols] + [("cross", c) for c in (cross or ())]
    for field_, c in wanted:
        if c not in data.columns:
            problems.append(Problem(field_, (
                f"names column '{c}', which the data lacks; add it to the data (protected "
                f"attributes are never signals, but disparity needs them beside the "
                f"decisions) or name another column. Columns: "
                f"{', '.join(map(str, data.columns))}")))
    if problems:
        raise DataError(_CALLER, problems)
    return cols


def _replayed(policy: Policy, data: pd.DataFrame, records) -> Replay:
    """The replay whose decisions and outcomes disparity reads (made unless given)."""
    if isinstance(records, Replay):
        problems = []
        if records.policy.content_hash != policy.content_hash:
            problems.append(Problem("records", (
                f"is a replay of {records.policy.identity}, not of {policy.identity}: replay "
                f"this policy, or pass its own records")))
        if not records.decisions.index.equals(data.index):
            problems.append(Problem("records", "is a replay of other rows: it must be the "
                                               "replay of `data` (same rows and index)"))
        if problems:
            raise DataError(_CALLER, problems)
        return records
    return replay(policy, data, records=records, segments=())


# ----------------------------------------------------------------------------- groups

def _order(values: list) -> list[int]:
    """Positions of ``values`` in sorted order (numbers as numbers; mixed kinds as text)."""
    positions = range(len(values))
    try:
        return sorted(positions, key=lambda k: values[k])
    except TypeError:
        return sorted(positions, key=lambda k: str(values[k]))


def _groups(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Each row's group code and the group names: a categorical's categories in order (those
    present), other values sorted, then ``(missing)``."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        raw = column.cat.codes.to_numpy(dtype=np.int64)
        present = np.unique(raw[raw >= 0])
        lut = np.full(len(column.cat.categories) + 1, -1, dtype=np.int64)
        lut[present] = np.arange(len(present))
        codes = lut[raw]  # a missing value (-1) reads lut[-1] = -1
        names = [str(column.cat.categories[k]) for k in present]
    else:
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        values = list(uniques.tolist() if hasattr(uniques, "tolist") else uniques)
        order = _order(values)
        rank = np.empty(len(values) + 1, dtype=np.int64)
        rank[order] = np.arange(len(values))
        rank[-1] = -1  # a missing value (-1) stays missing
        codes = rank[codes]
        names = [str(values[k]) for k in order]
    codes = np.asarray(codes, dtype=np.int64)
    if (codes < 0).any():
        codes = np.where(codes < 0, len(names), codes)
        names = names + [MISSING_GROUP]
    return codes, names


def _crossed(a: tuple[np.ndarray, list[str]], b: tuple[np.ndarray, list[str]]
             ) -> tuple[np.ndarray, list[str]]:
    """The groups of two attributes crossed: only the pairs the data holds."""
    (ca, na), (cb, nb) = a, b
    pair = ca * len(nb) + cb
    present, codes = np.unique(pair, return_inverse=True)
    names = [f"{na[p // len(nb)]}{CROSS_SEPARATOR}{nb[p % len(nb)]}" for p in present]
    return codes.astype(np.int64), names


# ----------------------------------------------------------------------------- sums

@dataclass(frozen=True)
class _Cells:
    """One attribute's rows by cell (group × the six flags): the sums the bootstrap draws from."""

    sums: pd.DataFrame          # indicator sums, one row per cell present
    group: np.ndarray           # each cell's group code
    names: list[str]            # group names


def _cells(decisions: pd.DataFrame, policy: Policy, codes: np.ndarray, names: list[str]
           ) -> _Cells:
    pattern = np.zeros(len(decisions), dtype=np.int64)
    for bit, flag in enumerate(_FLAGS):
        pattern |= decisions[flag].to_numpy(dtype=bool).astype(np.int64) << bit
    frame = decisions.assign(_cell=codes * (1 << len(_FLAGS)) + pattern)
    sums = metric_totals(frame, policy, by=("_cell",)).sums["_cell"]
    ids = np.asarray(sums.index.to_numpy(), dtype=np.int64)
    return _Cells(sums.set_axis(pd.RangeIndex(len(sums))), ids >> len(_FLAGS), names)


def _totals(cells: _Cells, label: str) -> MetricTotals:
    """The replay's totals overall and by group (exact sums of the cells)."""
    by_group = cells.sums.groupby(cells.group).sum().reindex(range(len(cells.names)),
                                                             fill_value=0.0)
    by_group.index = pd.Index(cells.names, dtype=object)
    overall = cells.sums.sum().to_frame().T
    overall.index = pd.Index(["(all)"])
    return MetricTotals({None: overall, label: by_group}, None)


def _needed() -> tuple[str, ...]:
    names = ["rows", "unlabelled"]
    for rate in RATES:
        names += [metric(rate).numerator, metric(rate).denominator]
    return tuple(dict.fromkeys(names))


# ----------------------------------------------------------------------------- bootstrap

def _rates(sums: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each rate from its registry sums (NaN where the denominator is 0)."""
    out = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for rate in RATES:
            m = metric(rate)
            den = sums[m.denominator]
            out[rate] = np.where(den > 0, sums[m.numerator] / np.where(den > 0, den, 1.0), np.nan)
    return out


def _metrics_of(rates: dict[str, np.ndarray], ref: int | None) -> dict[str, np.ndarray]:
    """Every disparity metric from group rates (groups on the last axis) and the reference."""
    out = {}
    for rate in RATES:
        out[rate] = rates[rate]
        for name in (f"{rate}_ratio", f"{rate}_difference"):
            out[name] = (np.full(rates[rate].shape, np.nan) if ref is None else
                         metric(name).against(rates[rate], rates[rate][..., ref:ref + 1]))
    return out


def _intervals(cells: _Cells, ref: int | None, n: int, seed: int, level: float
               ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Percentile intervals of every disparity metric for every group, from ``n`` replicates."""
    g = len(cells.names)
    rows = cells.sums["rows"].to_numpy(dtype=float)
    total = int(round(rows.sum()))
    needed = _needed()
    per_row = {}
    for k in needed:
        x = cells.sums[k].to_numpy(dtype=float) / rows
        if not np.all((np.abs(x) < 1e-9) | (np.abs(x - 1.0) < 1e-9)):  # pragma: no cover
            raise AssertionError(f"indicator '{k}' is not fixed by a row's group and flags "
                                 f"{_FLAGS}: add what it reads to the cells")
        per_row[k] = np.round(x)
    share = rows / rows.sum()
    draws = {name: np.empty((n, g)) for name in DISPARITY_METRICS}
    rng = np.random.default_rng(seed)
    chunk = max(1, _CELLS // max(len(rows), 1))
    for start in range(0, n, chunk):  # a loop over chunks of replicates, never over rows
        b = min(chunk, n - start)
        counts = rng.multinomial(total, share, size=b).astype(float)  # (b, cells)
        slot = (np.arange(b)[:, None] * g + cells.group[None, :]).ravel()
        sums = {k: np.bincount(slot, weights=(counts * per_row[k]).ravel(),
                               minlength=b * g).reshape(b, g) for k in needed}
        for name, values in _metrics_of(_rates(sums), ref).items():
            draws[name][start:start + b] = values
    out = {}
    tail = (1.0 - level) / 2.0
    for name, d in draws.items():
        low, high = np.full(g, np.nan), np.full(g, np.nan)
        some = ~np.isnan(d).all(axis=0)
        if some.any():
            q = np.nanquantile(d[:, some], [tail, 1.0 - tail], axis=0)
            low[some], high[some] = q[0], q[1]
        out[name] = (low, high)
    return out


# ----------------------------------------------------------------------------- one attribute

def _attribute(decisions: pd.DataFrame, policy: Policy, label: str, codes: np.ndarray,
               names: list[str], compare: dict, bootstrap: int, seed: int, level: float,
               adverse_ratio: float) -> tuple[pd.DataFrame, pd.DataFrame, object, int]:
    """The rows of one attribute in :attr:`Disparity.frame` and :attr:`Disparity.reasons`."""
    cells = _cells(decisions, policy, codes, names)
    totals = _totals(cells, label)
    comp = totals.compare(label, policy, **compare)
    values, reasons = comp.values, comp.reasons
    rows = values["rows"].to_numpy(dtype=float)
    sums = totals.sums[label]
    ref = None if comp.reference is None else names.index(comp.reference)
    ratio = values["favourable_rate_ratio"].to_numpy(dtype=float)
    part = pd.DataFrame({
        "attribute": pd.Series(label, index=range(len(names)), dtype=object),
        "group": pd.Series(names, dtype=object),
        "rows": rows.astype(np.int64),
        "labelled": (sums["rows"] - sums["unlabelled"]).to_numpy().astype(np.int64),
        "reference": np.arange(len(names)) == (-1 if ref is None else ref),
        "judged": comp.judged.to_numpy(dtype=bool),
        "small": rows < comp.min_rows,
        "adverse": ~np.isnan(ratio) & (ratio < adverse_ratio),
    })
    if bootstrap:
        bounds = _intervals(cells, ref, bootstrap, seed, level)
    else:
        nan = np.full(len(names), np.nan)
        bounds = {name: (nan, nan) for name in DISPARITY_METRICS}
    for name in DISPARITY_METRICS:
        part[name] = values[name].to_numpy(dtype=float)
        part[f"{name}_low"], part[f"{name}_high"] = bounds[name]
    why = pd.DataFrame({"attribute": part["attribute"], "group": part["group"]})
    for name in DISPARITY_METRICS:
        why[name] = reasons[name].to_numpy(dtype=object)
    return part, why, comp, comp.min_rows


def _warnings(part: pd.DataFrame, comp, label: str, level: float, adverse_ratio: float
              ) -> list[str]:
    out = []
    if comp.reference is None:
        return [f"{label}: no group compared — {comp.why}"]
    lvl = format_number(level, "share", trim=True)
    for r in part[part["adverse"]].itertuples():
        ratio = format_metric("favourable_rate_ratio", r.favourable_rate_ratio)
        lo, hi = r.favourable_rate_ratio_low, r.favourable_rate_ratio_high
        interval = ("" if lo != lo or hi != hi else
                    f" ({lvl} interval {format_metric('favourable_rate_ratio', lo)}–"
                    f"{format_metric('favourable_rate_ratio', hi)})")
        small = (f" — a small group (fewer than {format_metric('rows', comp.min_rows)} rows): "
                 f"read with care" if r.small else "")
        out.append(f"{label} {r.group}: favourable-rate ratio {ratio}{interval} is below "
                   f"{format_metric('favourable_rate_ratio', adverse_ratio)} against "
                   f"{comp.reference}; {format_metric('rows', r.rows)} rows{small}")
    return out


# ----------------------------------------------------------------------------- entry point

@validate_params({
    "policy": [InstanceOf(Policy, name="a Policy", hint="trustlab.load_policy")],
    "data": [InstanceOf(pd.DataFrame, name="a pandas DataFrame")],
    "records": [None, InstanceOf((pd.DataFrame, Replay), name="decision records "
                                 "(policy.apply(data)) or a Replay")],
    "by": [None, Text(), SequenceOf(Text(), name="a list of column names")],
    "cross": [None, SequenceOf(Text(), min_len=2, max_len=2, distinct=True,
                               name="two different column names", hint="e.g. ('age_band', 'sex')")],
    "bootstrap": [REPLICATES_OR_NONE], "seed": [SEED], "level": [LEVEL]})
def disparity(policy: Policy, data: pd.DataFrame, records=None, *, by=None, cross=None,
              bootstrap: int = 1000, seed: int = 0, level: float = 0.95) -> Disparity:
    """How a policy's decisions and errors differ between the groups of protected attributes.

    Parameters
    ----------
    policy : Policy
        With an ``outcomes`` section (the error rates need observed outcomes).
    data : pandas.DataFrame
        History: what the policy decides on, its label, and the attribute columns.
    records : pandas.DataFrame or Replay, optional
        ``policy.apply(data)``, or ``trustlab.simulate.replay(policy, data)``,
        so the history is not decided (or replayed) again.
    by : str or list of str, optional
        The attributes to compare (default: the policy's ``fairness.protected``).
    cross : (str, str), optional
        Two attributes crossed as one more attribute (``age_band × sex``):
        its groups are the pairs the data holds.
    bootstrap : int, default 1000
        Bootstrap replicates for the intervals (0: none).
    seed : int, default 0
        Seeds the bootstrap: the same seed gives identical intervals.
    level : float, default 0.95
        Coverage of the intervals.

    Returns
    -------
    Disparity

    Raises
    ------
    trustlab.ParameterError
        For an argument of the wrong type or out of range (every one at once).
    trustlab.DataError
        For an attribute column the data lacks, a
        policy without protected attributes and no ``by``, records of other
        rows or another policy, and anything a replay refuses (a policy
        without ``outcomes``, a missing label column).

    Notes
    -----
    A group's values are those of a policy check with ``by`` on the same
    column: the groups judged and the reference group follow
    ``fairness.min_group`` and ``fairness.reference`` for a protected
    attribute (:meth:`trustlab.simulate.MetricTotals.compare`). A crossed
    attribute judges groups of ``fairness.min_group`` rows, not those with a
    missing part, against the pair of the two reference groups when both are
    declared, else the pair of the highest favourable rate. The bootstrap
    treats rows as independent (see the module's notes).

    Examples
    --------
    >>> import trustlab
    >>> from trustlab.datasets import make_retention_history
    >>> p = trustlab.load_policy("policies/retention-offer.yaml")
    >>> d = disparity(p, make_retention_history(n_days=30), by="age_band", bootstrap=200)
    >>> d.frame[["group", "rows", "reference", "small", "adverse"]]
       group  rows  reference  small  adverse
    0  18-34   532      False  False    False
    1  35-54   616       True  False    False
    2    55+   441      False  False    False
    >>> d.warnings  # no group's favourable-rate ratio is below 0.8 against 35-54
    ()
    >>> disparity(p, make_retention_history(n_days=30), by="age_band", bootstrap=200).frame.equals(
    ...     d.frame)
    True
    """
    cols = _check(policy, data, by, cross)
    bootstrap, seed, level = int(bootstrap), int(seed), float(level)
    fairness = policy.fairness
    min_group = 30 if fairness is None else fairness.min_group
    adverse_ratio = 0.8 if fairness is None else fairness.adverse_ratio
    r = _replayed(policy, data, records)
    if len(r.decisions) == 0:
        raise DataError(_CALLER, [Problem("data", "has no rows to compare")])
    decisions = r.decisions[list(_INDICATOR_COLUMNS)]
    wanted: list[tuple[str, tuple[np.ndarray, list[str]], dict]] = []
    groups_of = {c: _groups(data[c]) for c in dict.fromkeys(cols + tuple(cross or ()))}
    for c in cols:
        wanted.append((c, groups_of[c], {}))
    if cross is not None:
        a, b = cross
        codes, names = _crossed(groups_of[a], groups_of[b])
        protected = fairness is not None and (a in fairness.protected or b in fairness.protected)
        refs = [None if fairness is None else fairness.reference_of(c) for c in (a, b)]
        declared = (None if None in refs else f"{refs[0]}{CROSS_SEPARATOR}{refs[1]}")
        # a crossed group with a missing part is reported, not compared
        exclude = [n for n in names if MISSING_GROUP in n.split(CROSS_SEPARATOR)]
        wanted.append((f"{a}{CROSS_SEPARATOR}{b}", (codes, names), {
            "min_rows": min_group, "protected": protected,
            "reference": declared if declared in names else None,
            "exclude": tuple(exclude) if protected else ()}))
    parts, whys, warnings, references, min_rows = [], [], [], {}, {}
    for label, (codes, names), compare in wanted:
        part, why, comp, least = _attribute(decisions, policy, label, codes, names, compare,
                                            bootstrap, seed, level, adverse_ratio)
        parts.append(part)
        whys.append(why)
        warnings += _warnings(part, comp, label, level, adverse_ratio)
        references[label] = comp.reference
        min_rows[label] = least
    frame = pd.concat(parts, ignore_index=True)
    reasons = pd.concat(whys, ignore_index=True)
    method = (f"nonparametric bootstrap, {format_metric('replicates', bootstrap)} replicates of "
              f"{format_metric('rows', len(decisions))} rows drawn with replacement (as "
              f"multinomial counts of each group's cells), seed {seed}, percentile intervals"
              if bootstrap else "no bootstrap: no intervals")
    return Disparity(frame, reasons, policy.identity, tuple(references), references, min_rows,
                     adverse_ratio, bootstrap, seed, level, method, tuple(warnings))
