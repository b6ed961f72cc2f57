"""How sure are the headline numbers of a replay? A seeded, vectorised bootstrap.

The bootstrap is the ordinary nonparametric one (Efron's): each replicate
draws as many rows as the history has, uniformly with replacement, so the
number of times each row is drawn follows a multinomial distribution with
``len(rows)`` trials and equal probabilities. A chunk of replicates is a matrix
of these counts (drawn as row positions and counted with one ``bincount``);
every headline metric is a ratio of weighted sums of per-decision indicators,
so a whole chunk of replicates is one matrix product. Intervals are the
percentile intervals of the replicates.

A replicate whose denominator is 0 (say, no labelled favourable decision was
drawn) has no value for that metric: it is NaN, left out of the interval, and
counted in ``undefined``.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from .._codes import code
from .._plotting import Display, axes_for
from .._result import Result, records
from .._format import axis_label, format_number, tick_formatter
from .._validate import LEVEL, REPLICATES, SEED, InstanceOf, Text, validate_params
from ..metrics import SummaryFrame, currency_of, format_metric, kind_of, metric_words, summary_frame
from ..metrics import indicators, ratio_values
from ._replay import DECISION_COLUMNS, Replay

__all__ = ["BootstrapResult", "BootstrapDisplay", "bootstrap_metrics", "BOOTSTRAP_METRICS",
           "BOOTSTRAP_COLUMNS"]

BOOTSTRAP_METRICS = ("value_per_decision", "value_total", "bad_rate_favourable",
                     "automation_rate", "favourable_rate")
"""The headline metrics :func:`bootstrap_metrics` gives intervals for, in this order."""

BOOTSTRAP_COLUMNS = ("metric", "by", "segment", "estimate", "low", "high", "level",
                     "replicates", "undefined")
"""Columns of :attr:`BootstrapResult.frame`."""


_OF = {"bad_rate_favourable": "Share of favourable decisions",
       "automation_rate": "Share of all decisions",
       "favourable_rate": "Share of all decisions",
       "value_total": "Value", "value_per_decision": "Value"}

_SUMS = ("rows", "automated", "favourable", "fav_bad", "fav_labelled", "value", "valued")

_CELLS = 4_000_000
"""Weights per chunk (replicates × rows): about 32 MB of float64."""


class BootstrapDisplay(Display):
    """Bootstrap intervals drawn, one panel per metric; holds the result and draws it again.

    Attributes
    ----------
    data : pandas.DataFrame
        The result's frame (one row per metric and segment).
    source : BootstrapResult
    axes_ : tuple of matplotlib Axes
        One per metric (``ax_`` is the first).
    figure_ : matplotlib Figure
    """

    axes_: tuple = ()

    def __init__(self, result: BootstrapResult):
        self.source = result
        self.data = result.frame

    def _draw(self, ax):
        self.axes_ = _draw_bootstrap(self.source, ax)
        return self.axes_



@dataclass(frozen=True, eq=False)
class BootstrapResult(Result):
    """Bootstrap percentile intervals of a replay's headline metrics.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per metric (and per segment with ``by``): ``metric``, ``by``
        and ``segment`` (None overall), ``estimate`` (the metric on the
        history itself), ``low`` and ``high`` (the percentile interval),
        ``level``, ``replicates`` (drawn) and ``undefined`` (replicates whose
        denominator was 0, left out of the interval).
    samples : numpy.ndarray
        The replicate values, shape ``(replicates, len(frame))``; column ``i``
        belongs to row ``i`` of ``frame``.
    n, seed, level, by
        The arguments the result was made with.
    method : str
        How the rows were resampled, in words.
    currency : str or None
        The policy's ``outcomes.currency`` (None: value units).
    """

    frame: pd.DataFrame
    samples: np.ndarray
    n: int
    seed: int
    level: float
    by: str | None
    method: str
    currency: str | None = None

    def summary(self) -> SummaryFrame:
        """:attr:`frame`, its estimates and intervals printed by each metric's kind."""
        return summary_frame(self.frame, metric_column="metric",
                             values=["estimate", "low", "high"], currency=self.currency)

    def interval(self, metric: str, segment: str | None = None) -> tuple[float, float]:
        """The ``(low, high)`` interval of one metric, overall or for one segment."""
        f = self.frame
        sel = f[(f["metric"] == metric) & (f["segment"].isna() if segment is None
                                           else f["segment"] == str(segment))]
        if sel.empty:
            raise KeyError(f"no interval for metric '{metric}'"
                           + ("" if segment is None else f" in segment '{segment}'")
                           + f"; metrics: {', '.join(BOOTSTRAP_METRICS)}")
        return float(sel["low"].iloc[0]), float(sel["high"].iloc[0])

    def plot(self, ax=None) -> BootstrapDisplay:
        """One panel per metric: the estimate as a dot, the interval as a bar (segments as rows).

        Parameters
        ----------
        ax : sequence of matplotlib Axes, optional
            One axis per metric (five); default: a new figure.

        Returns
        -------
        BootstrapDisplay
            Holds the result; its ``plot(ax=...)`` draws it again (``axes_``: one per
            metric).
        """
        return BootstrapDisplay(self).plot(ax=ax)

    def to_dict(self) -> dict:
        """The intervals as JSON holds them (the replicate values left out)."""
        return {"result": "BootstrapResult", "n": int(self.n), "seed": int(self.seed),
                "level": float(self.level), "by": self.by, "method": self.method,
                "currency": self.currency, "frame": records(self.frame)}

    def _repr_html_(self) -> str:
        def fmt(name: str, v: float) -> str:
            return escape(format_metric(name, v, currency=self.currency))

        body = "".join(
            f"<tr><th style='text-align:left'>{escape(metric_words(r.metric))}</th>"
            f"<td>{'' if r.segment is None else escape(str(r.segment))}</td>"
            f"<td>{fmt(r.metric, r.estimate)}</td>"
            f"<td>{fmt(r.metric, r.low)} – {fmt(r.metric, r.high)}</td>"
            f"<td>{format_metric('undefined', r.undefined)}</td></tr>"
            for r in self.frame.itertuples())
        seg = escape(self.by) if self.by else ""
        return (f"<div><b>Bootstrap intervals</b> ({format_number(self.level, 'share', trim=True)}, "
                f"{format_metric('replicates', self.n)} replicates, "
                f"seed {self.seed}) — {escape(self.method)}<table><tr><th>metric</th>"
                f"<th>{seg}</th><th>estimate</th><th>interval</th><th>undefined replicates</th>"
                f"</tr>{body}</table></div>")

    def __repr__(self) -> str:
        return (f"BootstrapResult(n={self.n}, seed={self.seed}, level={self.level}, "
                f"by={self.by!r}, rows={len(self.frame)})")


def _draw_bootstrap(result, ax):
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    f = result.frame
    rows = ["All decisions"] + ([str(s) for s in f["segment"].dropna().unique()]
                                if result.by else [])
    if ax is None:
        fig, ax = plt.subplots(1, len(BOOTSTRAP_METRICS),
                               figsize=(3.2 * len(BOOTSTRAP_METRICS), 1.2 + 0.35 * len(rows)),
                               sharey=True, squeeze=False)
        ax = ax[0]
    else:  # one Axes per metric, or one Axes split into them
        fig, ax = axes_for(ax, len(BOOTSTRAP_METRICS), (3.2 * len(BOOTSTRAP_METRICS), 3),
                           (1, len(BOOTSTRAP_METRICS)))
    y = np.arange(len(rows))[::-1]
    for a, name in zip(ax, BOOTSTRAP_METRICS):
        part = f[f["metric"] == name]
        est = part["estimate"].to_numpy(dtype=float)
        low = part["low"].to_numpy(dtype=float)
        high = part["high"].to_numpy(dtype=float)
        err = np.vstack([np.abs(est - low), np.abs(high - est)])
        a.errorbar(est, y[:len(est)], xerr=err, fmt="o", color="#4c72b0",
                   ecolor="#8fa8d6", elinewidth=3, capsize=0)
        a.set_title(metric_words(name), fontsize=10)
        kind = kind_of(name)
        a.set_xlabel(axis_label(_OF.get(name, metric_words(name)), kind,
                                currency=result.currency))
        a.xaxis.set_major_locator(MaxNLocator(4))
        a.xaxis.set_major_formatter(tick_formatter(kind, currency=result.currency))
        a.grid(axis="x", alpha=0.3)
    ax[0].set_yticks(y, rows)
    fig.suptitle(f"{format_number(result.level, 'share', trim=True)} bootstrap intervals from "
                 f"{format_metric('replicates', result.n)} resamples of the history", fontsize=11)
    fig.tight_layout()
    return tuple(ax)


def _check(replay: Replay, by) -> None:
    """The data problems of a well-typed call: an empty replay, a ``by`` it lacks."""
    problems = []
    if len(replay.decisions) == 0:
        problems.append(Problem("replay", "has no decisions to resample"))
    if by is not None and by not in replay.decisions.columns:
        segs = [c for c in replay.decisions.columns
                if c not in DECISION_COLUMNS and c != "window"]
        problems.append(Problem("by", f"names no column of the replay's decisions: "
                                      f"{by!r}. Segment columns: {', '.join(segs) or 'none'}; "
                                      f"replay with `segments=` to add one"))
    if problems:
        raise DataError("bootstrap_metrics", problems)


def _ratios(sums: np.ndarray) -> np.ndarray:
    """Metric values from indicator sums of shape (..., groups, len(_SUMS)) → (..., groups, metrics)."""
    values = ratio_values({name: sums[..., i] for i, name in enumerate(_SUMS)}, BOOTSTRAP_METRICS)
    return np.stack([values[name] for name in BOOTSTRAP_METRICS], axis=-1)


def _resample_counts(rng: np.random.Generator, rows: int, size: int) -> np.ndarray:
    """``size`` bootstrap replicates as counts: how often each of ``rows`` rows is drawn.

    Each replicate draws ``rows`` row positions uniformly with replacement,
    so every row of the result is a multinomial(rows, 1/rows, …) draw.
    """
    pos = rng.integers(0, rows, size=(size, rows))
    pos += (np.arange(size, dtype=pos.dtype) * rows)[:, None]
    return np.bincount(pos.ravel(), minlength=size * rows).reshape(size, rows)


def weight_blocks(rng: np.random.Generator, rows: int, replicates: int, *, poisson: bool = False,
                  row_cost: int | None = None):
    """Bootstrap weights, replicates × rows, in blocks of at most about :data:`_CELLS` cells.

    Multinomial counts (:func:`_resample_counts`) by default; ``poisson``
    gives independent Poisson(1) weights. Blocks come from one stream of
    ``rng``, so the weights do not depend on the block size. ``row_cost``
    (default ``rows``) is the cells one replicate holds in the caller.
    """
    width = max(1, _CELLS // max(row_cost or rows, 1))
    done = 0
    while done < replicates:
        k = min(width, replicates - done)
        w = rng.poisson(1.0, size=(k, rows)) if poisson else _resample_counts(rng, rows, k)
        yield w.astype(float)
        done += k


@validate_params({"replay": [InstanceOf(Replay, hint="from trustlab.simulate.replay")],
                  "n": [REPLICATES], "seed": [SEED], "level": [LEVEL], "by": [None, Text()]})
def bootstrap_metrics(replay: Replay, *, n: int = 1000, seed: int = 0, level: float = 0.95,
                      by: str | None = None) -> BootstrapResult:
    """Percentile intervals of a replay's headline metrics by a seeded bootstrap over its rows.

    Parameters
    ----------
    replay : Replay
        From :func:`trustlab.simulate.replay`.
    n : int, default 1000
        Bootstrap replicates.
    seed : int, default 0
        Seeds the resampling: the same seed gives identical numbers.
    level : float, default 0.95
        Coverage of the intervals.
    by : str, optional
        A segment column of the replay: intervals for each of its segments too
        (from the same resamples, so segment sizes vary between replicates).

    Returns
    -------
    BootstrapResult
        Intervals for :data:`BOOTSTRAP_METRICS`, overall and per segment.

    Raises
    ------
    trustlab.ParameterError
        For a replicate count, seed or level out of range, or not a Replay.
    trustlab.DataError
        For an empty replay, or a ``by`` column the replay lacks.

    Notes
    -----
    Nonparametric bootstrap over decisions: it treats rows as independent, so
    it understates uncertainty that comes from time (a bad month) or from
    guardrails that couple rows in a window; and it cannot see the cases whose
    outcome was never observed.

    Examples
    --------
    >>> import trustlab
    >>> from trustlab.datasets import load_synthetic_sample
    >>> from trustlab.simulate import replay
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> r = replay(p, load_synthetic_sample().head(2000))
    >>> b = bootstrap_metrics(r, n=200, seed=1)
    >>> b.frame[["metric", "replicates", "undefined"]]
                    metric  replicates  undefined
    0   value_per_decision         200          0
    1          value_total         200          0
    2  bad_rate_favourable         200          0
    3      automation_rate         200          0
    4      favourable_rate         200          0
    >>> low, high = b.interval("automation_rate")
    >>> bool(low <= r.metric("automation_rate") <= high)
    True
    >>> bootstrap_metrics(r, n=200, seed=1).frame.equals(b.frame)
    True
    """
    _check(replay, by)
    n, seed, level = int(n), int(seed), float(level)
    d = replay.decisions
    rows = len(d)
    ind = indicators(d, ())[list(_SUMS)].to_numpy(dtype=float)  # rows × sums
    if by is None:
        x = ind
        segments: list[str] = []
    else:
        coded = code(d[by])
        keys = coded.values + (["(missing)"] if coded.missing.any() else [])
        order = sorted(range(len(keys)), key=lambda i: str(keys[i]))
        uniques = [keys[i] for i in order]
        rank = np.empty(len(keys) + 1, dtype=np.int64)
        rank[np.asarray(order, dtype=np.int64)] = np.arange(len(order))
        rank[-1] = rank[len(keys) - 1] if coded.missing.any() else -1  # missing: "(missing)"
        codes = rank[coded.codes]
        onehot = np.zeros((rows, len(uniques)))
        onehot[np.arange(rows), codes] = 1.0
        # columns: the overall sums, then each segment's sums
        x = np.hstack([ind, (onehot[:, :, None] * ind[:, None, :]).reshape(rows, -1)])
        segments = [str(u) for u in uniques]
    groups = 1 + len(segments)
    k = len(_SUMS)
    estimate = _ratios(x.sum(axis=0).reshape(groups, k))  # groups × metrics

    rng = np.random.default_rng(seed)
    stats = np.empty((n, groups, len(BOOTSTRAP_METRICS)))
    start = 0
    for w in weight_blocks(rng, rows, n):  # a loop over blocks of replicates, never over rows
        size = len(w)
        stats[start:start + size] = _ratios((w @ x).reshape(size, groups, k))
        start += size

    flat = stats.reshape(n, -1)  # column g * metrics + m
    undefined = np.isnan(flat).sum(axis=0)
    low = np.full(flat.shape[1], np.nan)
    high = np.full(flat.shape[1], np.nan)
    some = undefined < n
    if some.any():
        tail = (1.0 - level) / 2.0
        q = np.nanquantile(flat[:, some], [tail, 1.0 - tail], axis=0)
        low[some], high[some] = q[0], q[1]
    frame = pd.DataFrame({
        "metric": list(BOOTSTRAP_METRICS) * groups,
        "by": pd.Series([None] * len(BOOTSTRAP_METRICS)
                        + [by] * (groups - 1) * len(BOOTSTRAP_METRICS), dtype=object),
        "segment": pd.Series([None] * len(BOOTSTRAP_METRICS)
                             + [s for s in segments for _ in BOOTSTRAP_METRICS], dtype=object),
        "estimate": estimate.ravel(),
        "low": low, "high": high, "level": level, "replicates": n,
        "undefined": undefined.astype(np.int64),
    }, columns=list(BOOTSTRAP_COLUMNS))
    method = (f"nonparametric bootstrap: {rows:,} rows drawn with replacement per replicate "
              f"(multinomial counts), percentile intervals")
    return BootstrapResult(frame, flat, n, seed, level, by, method, currency_of(replay.policy))
