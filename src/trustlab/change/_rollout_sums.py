"""A rollout's assignment and sums: which stage exposes each case, and the sums per period.

Nothing here loops over rows. Each case's key is hashed to ``u`` in [0, 1)
(:func:`assign`); its *first stage* is the first whose share exceeds ``u``, so
stage ``k`` sends it to the challenger exactly when ``first_stage <= k``. One
``bincount`` over (period, first stage) cells, cumulated over the first stage,
then gives every indicator sum of every period at every stage at once
(:class:`RolloutSums`); :func:`stage_metrics` reads a stop condition's metric
from them, cumulated since a stage began, as :func:`trustlab.simulate.metric_table`
reads it from a replay.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from .._time import window_ids, window_starts
from ..metrics import RATIOS, ratio_values
from ..policy import Window
from ._rollout_plan import MAX_PERIODS, WINDOWED_METRICS, RolloutPlan, StopCondition

__all__ = ["assign", "PeriodGrid", "period_grid", "first_stages", "share_actions",
           "RolloutSums", "stage_sums", "WindowedReviews", "windowed_reviews", "stage_metrics"]


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


# ----------------------------------------------------------------------------- periods

@dataclass(frozen=True)
class PeriodGrid:
    """The plan's periods from the history's first case to its last, and each case's period.

    Attributes
    ----------
    window : Window
        The plan's ``period``.
    first_id : int
        Window id (as :func:`trustlab._time.window_ids` counts) of the first period.
    count : int
        Periods from the first to the last, empty ones included.
    of_row : numpy.ndarray
        Each case's period, 0 to ``count - 1`` (int64).
    """

    window: Window
    first_id: int
    count: int
    of_row: np.ndarray

    def start_ns(self, periods) -> np.ndarray:
        """UTC nanoseconds of the start of each period (0 the first; ``count`` is the end)."""
        return _start_ns(np.asarray(periods) + self.first_id, self.window)

    @property
    def starts(self) -> pd.DatetimeIndex:
        """The start of every period."""
        return pd.DatetimeIndex(self.start_ns(np.arange(self.count)))


def period_grid(ns: np.ndarray, plan: RolloutPlan) -> PeriodGrid:
    """The periods of ``plan`` over the times ``ns`` (UTC nanoseconds, one per case).

    Raises
    ------
    trustlab.DataError
        When the history spans more than :data:`MAX_PERIODS` periods.
    """
    window = plan.period_window
    ids = window_ids(ns, window)
    first_id = int(ids.min())
    of_row = (ids - first_id).astype(np.int64)
    count = int(of_row.max()) + 1
    if count > MAX_PERIODS:
        raise DataError("Rollout plan", [Problem(
            "period", f"'{plan.period}' cuts the history into {count:,} periods (at most "
                      f"{MAX_PERIODS:,}); judge the rollout less often, e.g. every 1h or 1D")])
    return PeriodGrid(window, first_id, count, of_row)


def _start_ns(ids, window: Window) -> np.ndarray:
    """UTC nanoseconds of the start of each window id (calendar months and quarters too)."""
    return window_starts(ids, window).asi8


def first_stages(u: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Each case's first stage: the first whose share exceeds its ``u`` (``len(shares)``: none).

    Stage ``k`` sends a case to the challenger exactly when its first stage is at most ``k``.

    Examples
    --------
    >>> first_stages(np.array([0.005, 0.05, 0.3, 0.99]), np.array([0.01, 0.1, 0.5])).tolist()
    [0, 1, 2, 3]
    """
    return np.searchsorted(shares, u, side="right")


# ----------------------------------------------------------------------------- sums

def share_actions(conds: Sequence[StopCondition]) -> tuple[str, ...]:
    """The actions whose share a stop condition reads (``share.<action>``), once each."""
    return tuple(dict.fromkeys(c.metric[len("share."):] for c in conds
                               if c.metric.startswith("share.")))


def _sums_needed(metric: str) -> tuple[str, ...]:
    """The indicator sums (columns of ``indicators``) that ``metric`` reads, besides ``rows``."""
    if metric in RATIOS:
        return RATIOS[metric][:2]
    return {"value_total": ("value", "valued"), "override_rate": ("aligned", "alignable"),
            "decisions": (), "guardrail_interventions": ("guardrail_interventions",),
            **dict.fromkeys(WINDOWED_METRICS, ("human",))}.get(metric, (metric,))  # share.<action>


@dataclass(frozen=True)
class RolloutSums:
    """Indicator sums per period and stage, for the two scopes a stop condition reads.

    Each entry maps an indicator name (a column of
    :func:`trustlab.metrics.indicators`) to an array of shape
    ``(periods, stages)``.

    Attributes
    ----------
    exposed : dict of str to numpy.ndarray
        ``exposed[name][p, k]``: the challenger's sum over the cases of period
        ``p`` that stage ``k`` sends to it.
    all_cases : dict of str to numpy.ndarray
        ``all_cases[name][p, k]``: the sum over every case of period ``p`` as
        decided at stage ``k``: the challenger's decision where exposed, the
        champion's elsewhere.
    """

    exposed: dict[str, np.ndarray]
    all_cases: dict[str, np.ndarray]

    def over(self, scope: str) -> dict[str, np.ndarray]:
        """The sums of a stop condition's ``over``: ``"exposed"`` or ``"all"``."""
        return self.exposed if scope == "exposed" else self.all_cases


def _by_cell(cell: np.ndarray, n_cells: int, ind: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.bincount(cell, weights=v, minlength=n_cells) for k, v in ind.items()}


def stage_sums(grid: PeriodGrid, first_stage: np.ndarray, n_stages: int,
               conds: Sequence[StopCondition], challenger: pd.DataFrame,
               champion: pd.DataFrame) -> RolloutSums:
    """The sums ``conds`` read, from each side's indicators (one row per case).

    Cases are counted per (period, first stage) cell, then cumulated over the
    first stage: the cases stage ``k`` exposes are those whose first stage is
    at most ``k``. Column ``n_stages`` of the champion's cumulated sums is
    every case of the period.
    """
    names = ["rows", *dict.fromkeys(n for c in conds for n in _sums_needed(c.metric))]
    width = n_stages + 1
    cell = grid.of_row * width + first_stage
    n_cells = grid.count * width
    by_cell_x = _by_cell(cell, n_cells, {k: challenger[k].to_numpy() for k in names})
    by_cell_c = _by_cell(cell, n_cells, {k: champion[k].to_numpy() for k in names})
    exposed = {k: np.cumsum(v.reshape(grid.count, width), axis=1)[:, :n_stages]
               for k, v in by_cell_x.items()}
    champion_upto = {k: np.cumsum(v.reshape(grid.count, width), axis=1)
                     for k, v in by_cell_c.items()}
    all_cases = {k: exposed[k] + champion_upto[k][:, n_stages:] - champion_upto[k][:, :n_stages]
                 for k in exposed}
    return RolloutSums(exposed, all_cases)


# ----------------------------------------------------------------------------- reviews per window

@dataclass(frozen=True)
class WindowedReviews:
    """Reviews per (period, outcomes window) cell, for the reviews-per-window stop metrics.

    Attributes
    ----------
    window : Window
        The challenger's ``outcomes.window``.
    cell_period, cell_window : numpy.ndarray
        The period and window (0: the history's first) of every cell with
        cases, in ascending (period, window) order.
    human : dict of str to numpy.ndarray
        Scope (``"exposed"``, ``"all"``) to the reviews in each cell at each
        stage, shape ``(cells, stages)``.
    first_ns, last_ns : int
        The history's first and last time (UTC nanoseconds).
    """

    window: Window
    cell_period: np.ndarray
    cell_window: np.ndarray
    human: dict[str, np.ndarray]
    first_ns: int
    last_ns: int


def windowed_reviews(ns: np.ndarray, grid: PeriodGrid, window: Window, first_stage: np.ndarray,
                     n_stages: int, challenger_human: np.ndarray,
                     champion_human: np.ndarray) -> WindowedReviews:
    """The reviews of each side per (period, window) cell and stage; ``ns`` one time per case."""
    ids = window_ids(ns, window)
    of_row = (ids - int(ids.min())).astype(np.int64)
    n_windows = int(of_row.max()) + 1
    cells, cell_of_row = np.unique(grid.of_row * n_windows + of_row, return_inverse=True)
    width = n_stages + 1
    cell = cell_of_row * width + first_stage
    by_cell_x = np.bincount(cell, weights=challenger_human, minlength=len(cells) * width)
    by_cell_c = np.bincount(cell, weights=champion_human, minlength=len(cells) * width)
    exposed = np.cumsum(by_cell_x.reshape(-1, width), axis=1)
    champion_upto = np.cumsum(by_cell_c.reshape(-1, width), axis=1)
    human = {"exposed": exposed[:, :n_stages],
             "all": exposed[:, :n_stages] + champion_upto[:, n_stages:]
             - champion_upto[:, :n_stages]}
    return WindowedReviews(window, cells // n_windows, cells % n_windows, human,
                           int(ns.min()), int(ns.max()))


# ----------------------------------------------------------------------------- metrics

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


def _peak_reviews(reviews: WindowedReviews, scope: str, grid: PeriodGrid, stage: int,
                  first: int) -> np.ndarray:
    """The most reviews in one window since period ``first``, at the end of each period."""
    c0 = int(np.searchsorted(reviews.cell_period, first))
    human = reviews.human[scope][c0:, stage]
    running = pd.Series(human).groupby(reviews.cell_window[c0:]).cumsum().to_numpy()
    peak_cells = np.maximum.accumulate(running) if len(running) else running
    last = np.searchsorted(reviews.cell_period[c0:], np.arange(first, grid.count),
                           side="right") - 1
    return np.where(last >= 0, peak_cells[np.maximum(last, 0)] if len(peak_cells) else 0.0, 0.0)


def _mean_reviews(reviews: WindowedReviews, grid: PeriodGrid, first: int,
                  human_cum: np.ndarray) -> np.ndarray:
    """Reviews since period ``first`` over the windows it has touched, at each period's end."""
    lo = max(int(grid.start_ns([first])[0]), reviews.first_ns)
    hi = np.minimum(grid.start_ns(np.arange(first, grid.count) + 1) - 1, reviews.last_ns)
    n_win = window_ids(hi, reviews.window) - window_ids(np.array([lo]), reviews.window)[0] + 1
    return human_cum / n_win


def stage_metrics(conds: Sequence[StopCondition], sums: RolloutSums,
                  reviews: WindowedReviews | None, grid: PeriodGrid, stage: int, first: int
                  ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each condition's value and cases in scope at the end of periods ``first``.. of ``stage``.

    Cumulated over the stage so far: from period ``first``, where the stage
    began. Keyed by :attr:`StopCondition.column`; ``reviews`` is needed for the
    reviews-per-window metrics only.
    """
    values: dict[str, np.ndarray] = {}
    cases: dict[str, np.ndarray] = {}
    cum = {scope: {name: np.cumsum(v[first:, stage]) for name, v in sums.over(scope).items()}
           for scope in {c.over for c in conds}}
    for c in conds:
        if c.column in values:
            continue
        scoped = cum[c.over]
        cases[c.column] = scoped["rows"]
        if c.metric not in WINDOWED_METRICS:
            values[c.column] = _metric(c.metric, scoped)
        elif reviews is None:
            raise ValueError(f"stop metric '{c.metric}' needs the reviews per window")
        elif c.metric == "peak_reviews_per_window":
            values[c.column] = _peak_reviews(reviews, c.over, grid, stage, first)
        else:
            values[c.column] = _mean_reviews(reviews, grid, first, scoped["human"])
    return values, cases
