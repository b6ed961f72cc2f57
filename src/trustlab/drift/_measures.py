"""The drift measures, one registry: what each compares, its default levels, how it is computed.

Every measure compares a window's distribution of one column with the
reference's. PSI, Jensen–Shannon and chi-square read the same binned counts
(one ``bincount`` over window × bin for all windows at once); KS reads the raw
values (one sort for all windows at once) and is exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Measure", "MEASURES", "EPSILON", "psi", "js_distance", "chi2_pvalue", "ks_statistic",
           "supported_text"]

EPSILON = 1e-4
"""A bin share of exactly 0 counts as this in PSI (so the logarithm is finite)."""


@dataclass(frozen=True)
class Measure:
    """One drift measure and its documented default levels.

    ``higher_is_worse`` is False for p-values (chi-square): a window is flagged
    when its value is at or *under* the level.
    """

    name: str
    title: str
    types: tuple[str, ...]  # column types it applies to: numeric, categorical
    warn: float
    act: float
    higher_is_worse: bool = True
    learnable: bool = True

    def status(self, value: np.ndarray, warn: np.ndarray, act: np.ndarray) -> np.ndarray:
        """``"act"``, ``"warn"``, ``"ok"`` or ``"n/a"`` (no value) per window."""
        value = np.asarray(value, dtype=float)
        with np.errstate(invalid="ignore"):
            if self.higher_is_worse:
                at_act, at_warn = value >= act, value >= warn
            else:
                at_act, at_warn = value <= act, value <= warn
        out = np.where(at_act, "act", np.where(at_warn, "warn", "ok")).astype(object)
        out[np.isnan(value)] = "n/a"
        return out


MEASURES: dict[str, Measure] = {
    "psi": Measure("psi", "population stability index", ("numeric", "categorical"), 0.10, 0.25),
    "ks": Measure("ks", "Kolmogorov–Smirnov distance", ("numeric",), 0.10, 0.20),
    "js": Measure("js", "Jensen–Shannon distance (base 2)", ("numeric",), 0.10, 0.20),
    "chi2": Measure("chi2", "chi-square test p-value", ("categorical",), 1e-3, 1e-5,
                    higher_is_worse=False, learnable=False),
}
"""Supported measures by name. PSI levels are the industry's 0.10 (watch) and 0.25
(act); KS and JS distances use 0.10 and 0.20. Chi-square warns at p-values of
0.001 or less and acts at 0.00001 or less: a monitor runs one test per window and
column (a thousand a year for 20 columns in weekly windows), so the usual 0.05 or
0.01 would raise false alarms every month."""


def supported_text() -> str:
    """``psi, ks, js, chi2`` — for error messages."""
    return ", ".join(MEASURES)


def _shares(counts: np.ndarray) -> np.ndarray:
    total = counts.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return counts / np.where(total > 0, total, np.nan)


def psi(window_counts: np.ndarray, reference_counts: np.ndarray) -> np.ndarray:
    """PSI of each row of ``window_counts`` (windows × bins) against ``reference_counts``.

    ``sum((p - q) * ln(p / q))`` over bins, with shares of exactly 0 taken as
    :data:`EPSILON`. A window with no rows gives NaN.

    Examples
    --------
    >>> round(float(psi(np.array([[50, 50]]), np.array([80, 20]))[0]), 6)
    0.415888
    """
    p = _shares(np.asarray(window_counts, dtype=float))
    q = _shares(np.asarray(reference_counts, dtype=float))
    p = np.where(p == 0, EPSILON, p)
    q = np.where(q == 0, EPSILON, q)
    return np.sum((p - q) * np.log(p / q), axis=-1)


def js_distance(window_counts: np.ndarray, reference_counts: np.ndarray) -> np.ndarray:
    """Jensen–Shannon distance (square root of the divergence, base 2) per window.

    Lies in [0, 1]; 0 for identical distributions. Equals
    ``scipy.spatial.distance.jensenshannon(p, q, base=2)``.
    """
    p = _shares(np.asarray(window_counts, dtype=float))
    q = _shares(np.asarray(reference_counts, dtype=float))
    m = (p + q) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        kl_p = np.where(p > 0, p * np.log2(p / m), 0.0)
        kl_q = np.where(q > 0, q * np.log2(q / m), 0.0)
    div = (kl_p.sum(axis=-1) + kl_q.sum(axis=-1)) / 2
    return np.sqrt(np.maximum(div, 0.0))


def chi2_pvalue(window_counts: np.ndarray, reference_counts: np.ndarray) -> np.ndarray:
    """p-value of the chi-square test of homogeneity of each window with the reference.

    The 2 × K table of counts (bins empty in both dropped), no continuity
    correction: ``scipy.stats.chi2_contingency(table, correction=False)``.
    """
    from scipy.stats import chi2

    w = np.atleast_2d(np.asarray(window_counts, dtype=float))
    r = np.broadcast_to(np.asarray(reference_counts, dtype=float), w.shape)
    col = w + r
    n_w, n_r = w.sum(axis=1, keepdims=True), r.sum(axis=1, keepdims=True)
    total = n_w + n_r
    with np.errstate(invalid="ignore", divide="ignore"):
        e_w, e_r = col * n_w / total, col * n_r / total
        stat = np.where(col > 0, (w - e_w) ** 2 / e_w + (r - e_r) ** 2 / e_r, 0.0).sum(axis=1)
    dof = (col > 0).sum(axis=1) - 1
    p = chi2.sf(stat, np.maximum(dof, 1))
    p = np.where(dof < 1, 1.0, p)  # one bin only: the distributions cannot differ
    p[n_w[:, 0] == 0] = np.nan
    return p


def ks_statistic(values: np.ndarray, windows: np.ndarray, n_windows: int,
                 reference_sorted: np.ndarray) -> np.ndarray:
    """Exact two-sample KS distance of each window's values against the reference.

    Parameters
    ----------
    values : ndarray of float
        Non-missing values of every row.
    windows : ndarray of int
        Each value's window, ``0 .. n_windows - 1``.
    n_windows : int
    reference_sorted : ndarray of float
        The reference's non-missing values, sorted.

    Returns
    -------
    ndarray
        ``sup |F_ref - F_window|`` per window (NaN for a window without values),
        equal to ``scipy.stats.ks_2samp(window, reference).statistic``. Both
        step functions are evaluated at every distinct window value from the
        left and from the right, which is where the supremum lies.
    """
    out = np.full(n_windows, np.nan)
    m = len(reference_sorted)
    if len(values) == 0 or m == 0:
        return out
    # one value sort, then a stable (radix) sort of the small window codes
    by_value = np.argsort(values, kind="quicksort")
    codes = windows[by_value].astype(np.int16 if n_windows < 2**15 else np.int64)
    order = by_value[np.argsort(codes, kind="stable")]
    v, w = values[order], windows[order]
    n = len(v)
    # runs of equal (window, value): evaluate once per run
    new = np.empty(n, dtype=bool)
    new[0] = True
    new[1:] = (w[1:] != w[:-1]) | (v[1:] != v[:-1])
    run_start = np.flatnonzero(new)
    run_end = np.r_[run_start[1:], n]
    rv, rw = v[run_start], w[run_start]
    counts = np.bincount(w, minlength=n_windows)
    first = np.r_[0, np.cumsum(counts)[:-1]]  # each window's first position in v
    size = counts[rw].astype(float)
    below = (run_start - first[rw]) / size  # F_window just below the value
    upto = (run_end - first[rw]) / size  # F_window at the value
    ref_below = np.searchsorted(reference_sorted, rv, side="left") / m
    ref_upto = np.searchsorted(reference_sorted, rv, side="right") / m
    d = np.maximum(np.abs(ref_upto - upto), np.abs(ref_below - below))
    present = np.flatnonzero(counts)
    run_first = np.searchsorted(rw, present)  # runs are sorted by window
    out[present] = np.maximum.reduceat(d, run_first)
    return out
