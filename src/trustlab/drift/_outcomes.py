"""Label-free early warning: the bad rate the signal expects beside the rate that is realised.

Outcomes arrive late (a default shows months after the loan). A calibrated
probability says, at decision time, what bad rate to expect among the cases
that were approved: when the applicants drift, that expected rate moves at
once, before any label. Once labels arrive, the realised rate is set beside the
rate expected *for the same labelled cases*; a gap means the relationship
between features and outcome moved (concept shift), which no input drift
measure can see.

The gap is measured as a z-score, ``(bad - sum p) / sqrt(sum p (1 - p))`` over
the labelled cases, for each window and for each window together with the one
before it (a shift too small to show in one window's noise shows in two).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from .._plotting import Display
from .._result import Result, records
from .._outcome import bad_indicator, bad_when_text, yaml_boolean_hint
from .._time import shift_times, window_ids, window_starts
from ..policy import read_window
from ..policy import Window
from ._monitor import DEFAULT_WINDOW, _times

__all__ = ["ExpectedDisplay", "ExpectedResult", "expected_vs_realised", "GAP_WARN_Z", "GAP_ACT_Z"]

GAP_WARN_Z = 3.0
GAP_ACT_Z = 4.0
_COLUMNS = ("window_start", "rows", "approved", "expected_bad_rate", "labelled",
            "expected_labelled", "realised_bad_rate", "z", "z_two_windows", "status")


class ExpectedDisplay(Display):
    """Expected and realised bad rates over time; holds its frame and draws it again.

    Attributes
    ----------
    data : pandas.DataFrame
        The :attr:`ExpectedResult.frame` drawn.
    window : Window
    ax_, figure_ : matplotlib Axes and Figure
    """

    def __init__(self, frame: pd.DataFrame, window: Window, events=None):
        self.data = frame
        self.window = window
        self.__dict__["_options"] = {"events": events}

    def _draw(self, ax, events=None):
        import matplotlib.pyplot as plt

        fig, ax = (plt.subplots(figsize=(10, 3.2)) if ax is None else (ax.figure, ax))
        f = self.data
        ax.plot(f["window_start"], 100 * f["expected_bad_rate"], color="#4c72b0", lw=2,
                label="expected from the signal (known at decision time)")
        ax.plot(f["window_start"], 100 * f["realised_bad_rate"], color="#c8553d", marker=".",
                lw=1.5, label="realised once outcomes arrived")
        ax.plot(f["window_start"], 100 * f["expected_labelled"], color="#4c72b0", ls=":", lw=1,
                label="expected for the same labelled cases")
        hit = f[f["status"] == "act"]
        ax.plot(hit["window_start"], 100 * hit["realised_bad_rate"], "o", ms=8, mfc="none",
                mec="#c0392b", label=f"gap at the act level (z ≥ {GAP_ACT_Z:g})")
        waiting = f[f["status"] == "awaiting labels"]
        if len(waiting):
            ax.axvspan(waiting["window_start"].min(), waiting["window_start"].max(),
                       color="#eeeeee", zorder=0)
            ax.text(waiting["window_start"].min(), 0.98, " outcomes not yet known",
                    transform=ax.get_xaxis_transform(), va="top", fontsize=8, color="#666666")
        for label, when in (events or {}).items():
            ax.axvline(pd.Timestamp(when), color="#333333", ls=":", lw=1)
            ax.text(pd.Timestamp(when), 0.9, f" {label}", transform=ax.get_xaxis_transform(),
                    fontsize=8)
        ax.set_ylabel("bad rate of approved cases (%)")
        ax.set_xlabel(f"window start ({self.window.words} windows)")
        ax.set_title("Expected versus realised bad rate", loc="left", fontsize=10)
        ax.legend(fontsize=8, frameon=False, loc="upper left")
        ax.set_ylim(bottom=0)
        fig.tight_layout()
        return ax


@dataclass(frozen=True, eq=False)
class ExpectedResult(Result):
    """Expected and realised bad rates of approved cases per window.

    Attributes
    ----------
    frame : pandas.DataFrame
        ``window_start``, ``rows``, ``approved`` (cases counted),
        ``expected_bad_rate`` (mean signal over them: label-free),
        ``labelled`` (of them, with an outcome known by ``as_of``),
        ``expected_labelled`` (mean signal over the labelled ones),
        ``realised_bad_rate``, ``z`` and ``z_two_windows`` (the gap over this
        window and the one before) and ``status`` (ok, warn, act, or
        ``awaiting labels``).
    window : Window
    as_of : pandas.Timestamp
    """

    frame: pd.DataFrame
    window: Window
    as_of: pd.Timestamp

    def alerts(self, level: str = "act") -> pd.DataFrame:
        """Windows whose gap is at ``level`` (``"act"``) or at either level (``"warn"``)."""
        states = ("act",) if level == "act" else ("warn", "act")
        return self.frame[self.frame["status"].isin(states)].reset_index(drop=True)

    def first_alert(self, level: str = "act") -> pd.Timestamp | None:
        """Start of the first window flagged at ``level``."""
        a = self.alerts(level)
        return None if a.empty else a["window_start"].iloc[0]

    def summary(self) -> pd.DataFrame:
        """The flagged windows (warn or act): window, expected and realised bad rates, z, status."""
        f = self.frame
        cols = ["window_start", "approved", "expected_bad_rate", "realised_bad_rate",
                "z_two_windows", "status"]
        return f.loc[f["status"].isin(("warn", "act")), cols].reset_index(drop=True)

    def plot(self, ax=None, events=None) -> ExpectedDisplay:
        """Expected (label-free) and realised bad rates over time, flagged windows marked.

        Returns
        -------
        ExpectedDisplay
            Holds the frame; its ``plot(ax=...)`` draws it again (``ax_`` is the Axes).
        """
        return ExpectedDisplay(self.frame, self.window, events=events).plot(ax=ax)

    def to_dict(self) -> dict:
        """The result as JSON holds it: window, ``as_of``, the flagged windows and the frame."""
        return {"result": "ExpectedResult", "window": self.window.words,
                "as_of": self.as_of.isoformat(), "summary": records(self.summary()),
                "frame": records(self.frame)}

    def _repr_html_(self) -> str:
        f = self.frame
        flagged = f[f["status"].isin(("warn", "act"))]
        rows = "".join(
            f"<tr><td>{r.window_start:%Y-%m-%d}</td><td>{r.expected_bad_rate:.1%}</td>"
            f"<td>{r.realised_bad_rate:.1%}</td><td>{r.z_two_windows:.1f}</td>"
            f"<td>{escape(r.status)}</td></tr>" for r in flagged.head(10).itertuples())
        return (f"<div><b>Expected versus realised bad rate</b> over {len(f)} windows "
                f"(outcomes known as of {self.as_of:%Y-%m-%d}); {len(flagged)} flagged"
                f"<table><tr><th>window</th><th>expected</th><th>realised</th>"
                f"<th>z (2 windows)</th><th>status</th></tr>{rows}</table></div>")


def expected_vs_realised(data: pd.DataFrame, *, signal: str, label: str, time: str,
                         window=DEFAULT_WINDOW, approved=None, bad_when=True,
                         label_delay=None, as_of=None) -> ExpectedResult:
    """Expected (from a calibrated probability) and realised bad rates per window.

    Parameters
    ----------
    data : pandas.DataFrame
    signal : str
        A calibrated probability of the bad outcome.
    label : str
        The outcome; missing where it is not (yet) observed.
    time : str
    window : str, default ``"1W"``
    approved : str, array of bool or None
        The cases counted (a boolean column name or mask; e.g. a replay's
        ``decisions["favourable"]``). Default: every row.
    bad_when : default True
        The label value that means bad.
    label_delay : str, optional
        How long an outcome takes to be known (e.g. ``"90D"``): cases decided
        later than ``as_of - label_delay`` count as unlabelled.
    as_of : time, optional
        When the history is read (default: its last decision).

    Returns
    -------
    ExpectedResult

    Examples
    --------
    >>> t = pd.date_range("2025-01-06", periods=8, freq="D")
    >>> df = pd.DataFrame({"t": t, "p": [0.1] * 8, "bad": [0, 0, 1, 0, 1, 1, 1, 0]})
    >>> r = expected_vs_realised(df, signal="p", label="bad", time="t", bad_when=1)
    >>> r.frame[["window_start", "expected_bad_rate", "realised_bad_rate"]]
      window_start  expected_bad_rate  realised_bad_rate
    0   2025-01-06                0.1           0.571429
    1   2025-01-13                0.1           0.000000
    """
    source = "expected_vs_realised"
    problems = []
    for field, col in (("signal", signal), ("label", label)):
        if col not in data.columns:
            problems.append(Problem(field, f"names column '{col}', which the data lacks. "
                                           f"Columns: {', '.join(map(str, data.columns))}"))
    if problems:
        raise DataError(source, problems)
    w = read_window(window, source, "window")
    ns = _times(data, time, source)
    p = data[signal].to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        outside = (p < 0) | (p > 1)
    if outside.any():
        raise DataError(source, [Problem(f"column '{signal}'", "must be a probability in [0, 1] "
                                                               f"({int(outside.sum()):,} rows "
                                                               "are not); the expected bad rate "
                                                               "needs a calibrated probability")])
    if approved is None:
        mask = np.ones(len(data), dtype=bool)
    elif isinstance(approved, str):
        if approved not in data.columns:
            raise DataError(source, [Problem("approved", f"names column '{approved}', which the "
                                                         "data lacks")])
        mask = data[approved].to_numpy(dtype=bool, na_value=False)
    else:
        mask = np.asarray(approved, dtype=bool)
        if mask.shape != (len(data),):
            raise DataError(source, [Problem("approved", f"must have one value per row "
                                                         f"({len(data):,}); got {mask.shape}")])
    known, bad, matched = bad_indicator(data[label], bad_when)
    known = known.copy()
    if known.any() and not matched:
        seen = pd.unique(data[label].dropna()).tolist()
        raise DataError(source, [Problem("bad_when", f"{bad_when_text(bad_when)} matches no value "
                                                     f"of '{label}' (values: "
                                                     f"{', '.join(map(repr, seen[:6]))}). "
                                                     f"{yaml_boolean_hint(bad_when, seen)}")])
    end = int(ns.max()) if as_of is None else int(pd.Timestamp(as_of).value)
    if label_delay is not None:
        delay = read_window(label_delay, source, "label_delay")
        known &= ns <= shift_times(end, delay, -1)  # 1M: the same day a month before
    counted = mask & ~np.isnan(p)
    lab_rows = counted & known
    ids, codes = np.unique(window_ids(ns, w), return_inverse=True)
    n = len(ids)

    def total(x, rows):
        return np.bincount(codes[rows], weights=None if x is None else x[rows], minlength=n)

    pz = np.nan_to_num(p)
    n_rows = np.bincount(codes, minlength=n)
    n_app, sum_p = total(None, counted), total(pz, counted)
    n_lab, sum_pl = total(None, lab_rows), total(pz, lab_rows)
    n_bad = total(bad.astype(float), lab_rows)
    var = total(pz * (1 - pz), lab_rows)
    consecutive = np.r_[False, np.diff(ids) == 1]
    prev = lambda x: np.where(consecutive, np.r_[0.0, x[:-1]], 0.0)  # noqa: E731
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(var > 0, (n_bad - sum_pl) / np.sqrt(var), np.nan)
        var2 = var + prev(var)
        z2 = np.where(var2 > 0, (n_bad + prev(n_bad) - sum_pl - prev(sum_pl)) / np.sqrt(var2),
                      np.nan)
        frame = pd.DataFrame({
            "window_start": window_starts(ids, w), "rows": n_rows, "approved": n_app,
            "expected_bad_rate": sum_p / np.where(n_app > 0, n_app, np.nan),
            "labelled": n_lab,
            "expected_labelled": sum_pl / np.where(n_lab > 0, n_lab, np.nan),
            "realised_bad_rate": n_bad / np.where(n_lab > 0, n_lab, np.nan),
            "z": z, "z_two_windows": z2})
    worst = np.fmax(z, z2)
    status = np.where(worst >= GAP_ACT_Z, "act", np.where(worst >= GAP_WARN_Z, "warn", "ok"))
    status = status.astype(object)
    status[n_lab == 0] = "awaiting labels"
    frame["status"] = status
    frame["approved"] = frame["approved"].astype(np.int64)
    frame["labelled"] = frame["labelled"].astype(np.int64)
    return ExpectedResult(frame[list(_COLUMNS)], w, pd.Timestamp(end))
