"""A widget over drift: the window, the reference span, the measure and the levels."""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from .._extras import require
from .._explore import Explorer, numbers_table
from ..policy import read_window
from ._measures import MEASURES
from ._monitor import DriftResult, drift_over_time

__all__ = ["DriftExplorer", "drift_counts"]

WINDOWS = ("1D", "1W", "2W", "4W", "1M", "1Q")
REFERENCES = ("30D", "60D", "90D", "180D", "3M", "6M", "12M")  # M: calendar months
TOP = 3
"""Columns drawn per kind: the ones with the largest values of the measure drawn."""
_WARN, _ACT, _REF = "#d68910", "#c0392b", "#e8e8e8"
_COLOURS = ("#1f77b4", "#2ca02c", "#9467bd")


def drift_counts(result: DriftResult, metric: str | None = None) -> dict:
    """Column-windows after the reference, and those at the warn and act levels, each counted
    once whatever the number of measures (a column-window is at a level when any measure —
    or ``metric`` alone — reaches it).

    Returns
    -------
    dict
        ``windows`` (windows after the reference), ``column_windows``, ``warn`` (at the
        warn level or above) and ``act``.

    Examples
    --------
    >>> f = pd.DataFrame({"window_start": pd.to_datetime(["2025-01-06"] * 3 + ["2025-01-13"] * 3),
    ...                   "column": ["x"] * 6, "metric": ["psi", "ks", "js"] * 2,
    ...                   "status": ["act", "act", "warn", "ok", "warn", "ok"],
    ...                   "in_reference": [False] * 6})
    >>> class R:  # the frame is all drift_counts reads
    ...     frame = f
    >>> drift_counts(R())
    {'windows': 2, 'column_windows': 2, 'warn': 2, 'act': 1}
    >>> drift_counts(R(), "psi")["act"], drift_counts(R(), "js")["warn"]
    (1, 1)
    """
    f = result.frame
    after = f[~f["in_reference"].to_numpy(dtype=bool)]
    if metric is not None:
        after = after[after["metric"] == metric]
    key = ["window_start", "column"]

    def count(states) -> int:
        return int(len(after.loc[after["status"].isin(states), key].drop_duplicates()))

    return {"windows": int(after["window_start"].nunique()),
            "column_windows": int(len(after[key].drop_duplicates())),
            "warn": count(("warn", "act")), "act": count(("act",))}


class DriftExplorer(Explorer):
    """Controls for drift over time: how long a window is, which span is the reference,
    which measure is drawn and whether levels are fixed or learned.

    The figure has one panel per kind of drift (data, signal, decision, context) with the
    three most drifted columns of that kind; their warn and act levels are drawn — one pair
    of lines for fixed levels, and for learned levels each column's own pair in its colour
    (their values are listed beside the numbers). Changing the window, the reference or the levels moves the
    drawn lines; changing the measure draws the panels anew.

    Parameters
    ----------
    data : pandas.DataFrame
    time : str
        The time column.
    columns : list of str, optional
        Columns to monitor (default: all but ``time``).
    kinds : dict, optional
        ``{column: kind}`` as for :func:`drift_over_time`.
    window, reference, metric, levels : str
        Starting choices (a window such as ``"1W"``, a reference span such
        as ``"90D"``, ``"psi"``, ``"fixed"``).

    Attributes
    ----------
    result : DriftResult
        The drift now shown.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from trustlab.datasets import FeatureDrift, make_history
    >>> h = make_history(n_days=200, applications_per_day=40, seed=0,
    ...                  scenarios=[FeatureDrift("2025-05-01", "debt_to_income", 8.0)])
    >>> ex = DriftExplorer(h, time="decision_time", columns=["debt_to_income", "p_default"])
    >>> ex.result.first_alert("debt_to_income")
    Timestamp('2025-05-05 00:00:00')
    >>> ex.set(window="2W")
    >>> ex.result.window.text
    '2W'
    """

    CACHE_SIZE = 6

    def __init__(self, data: pd.DataFrame, *, time: str, columns=None, kinds=None,
                 window: str = "1W", reference: str = "90D", metric: str = "psi",
                 levels: str = "fixed") -> None:
        w = require("ipywidgets", "The interactive explorers")

        self.data, self.time, self.columns, self.kinds = data, time, columns, kinds
        controls = {
            "window": w.Dropdown(options=sorted({*WINDOWS, window}, key=_span_order),
                                 value=window, description="Window"),
            "reference": w.Dropdown(options=sorted({*REFERENCES, reference}, key=_span_order),
                                    value=reference, description="Reference: the first"),
            "metric": w.Dropdown(options=["psi", "ks", "js"], value=metric,
                                 description="Measure drawn"),
            "levels": w.Dropdown(options=["fixed", "learned"], value=levels,
                                 description="Warn and act levels"),
        }
        self._layout_key = None
        self._build(f"<b>Drift of {len(data):,} rows</b> over time — choose a window, a "
                    "reference, a measure", controls, [["window", "reference"],
                                                       ["metric", "levels"]],
                    figsize=(14, 3.8))

    def _result(self, window: str, reference: str, levels: str) -> DriftResult:
        return self._cached((window, reference, levels), lambda: drift_over_time(
            self.data, {"first": reference}, time=self.time, window=window,
            columns=self.columns, kinds=self.kinds, levels=levels))

    def _describe(self, values: dict) -> str:
        return (f"{values['window']} windows, reference the first {values['reference']}, "
                f"{values['metric'].upper()}, {values['levels']} levels")

    def _render(self, values: dict) -> str:
        r = self._result(values["window"], values["reference"], values["levels"])
        self.result = r
        metric = values["metric"]
        f = r.frame[r.frame["metric"] == metric]
        kinds = [k for k in ("data", "signal", "decision", "context") if k in set(f["kind"])]
        if (metric, tuple(kinds)) != self._layout_key or not self._drawn:
            self._first_draw(metric, kinds)
        for kind, panel in self._panels.items():
            _update_panel(panel, f[f["kind"] == kind], r, metric)
        self._figure.suptitle(f"Drift over {r.window.words} windows against "
                              f"{r.reference.description}; {metric.upper()}; {r.levels} levels",
                              fontsize=10, x=0.01, ha="left")
        return self._numbers_html(r, metric)

    def _first_draw(self, metric: str, kinds: list[str]) -> None:
        fig = self._figure
        fig.clear()
        self._panels = {}
        axes = fig.subplots(1, max(len(kinds), 1), squeeze=False)[0]
        m = MEASURES[metric]
        if not kinds:
            axes[0].text(0.5, 0.5, f"No column has a {metric.upper()} value", ha="center",
                         va="center", transform=axes[0].transAxes, color="#555555")
            axes[0].set_axis_off()
        for ax, kind in zip(axes, kinds):
            self._panels[kind] = _draw_panel(ax, kind, m, metric)
        fig.suptitle("Drift", fontsize=10, x=0.01, ha="left")  # room for the title
        fig.tight_layout()
        self._layout_key = (metric, tuple(kinds))
        self._drawn = True

    def _numbers_html(self, r: DriftResult, metric: str) -> str:
        every, drawn = drift_counts(r), drift_counts(r, metric)
        name = metric.upper()
        rows = [("Reference", r.reference.description, ""),
                ("Windows after the reference", f"{every['windows']:,}", ""),
                ("Column-windows after the reference", f"{every['column_windows']:,}", ""),
                ("At the act level (any measure)", f"{every['act']:,} column-windows", ""),
                (f"At the act level by {name}", f"{drawn['act']:,} column-windows", ""),
                ("At the warn level or above (any measure)",
                 f"{every['warn']:,} column-windows", "")]
        act = r.alerts("act")
        for c in sorted(set(act["column"]))[:5]:
            rows.append((f"First act alert: {c}", f"{r.first_alert(c):%Y-%m-%d}", ""))
        if r.levels == "learned":
            lv = (r.frame[r.frame["metric"] == metric].groupby("column")[["warn", "act"]]
                  .first().dropna())
            for c, row in lv.head(8).iterrows():
                rows.append((f"Learned {name} levels: {c}",
                             f"warn {row['warn']:.3g}, act {row['act']:.3g}", ""))
        caption = (f"Computed for {r.window.words} windows, reference {r.reference.description}, "
                   f"{r.levels} levels")
        return numbers_table(rows, caption=caption) + (
            f"<p style='color:#666'>{escape(r.ks_method)}</p>"
            if metric == "ks" and r.fine_bins else "")

    def __repr__(self) -> str:
        return f"DriftExplorer({len(self.data):,} rows, time={self.time!r})"


# ------------------------------------------------------------------ panels

def _draw_panel(ax, kind: str, m, metric: str) -> dict:
    """One kind's artists, with no data yet: reference span, three column lines with their act
    markers and level lines, the shared level lines, the first-act annotation."""
    import matplotlib.dates as mdates
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    ax.xaxis_date()
    ticks = mdates.AutoDateLocator(minticks=3, maxticks=5)
    ax.xaxis.set_major_locator(ticks)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ticks))
    span = Rectangle((0, 0), 0, 1, transform=ax.get_xaxis_transform(), color=_REF, zorder=0,
                     visible=False)
    ax.add_patch(span)
    span_text = ax.text(0, 1.0, " reference", transform=ax.get_xaxis_transform(), va="top",
                        fontsize=8, color="#666666", visible=False)
    slots = []
    for colour in _COLOURS:
        line, = ax.plot([], [], marker=".", lw=1.5, color=colour)
        hits, = ax.plot([], [], "o", ms=7, mfc="none", mec=_ACT, label="_act")
        warn = ax.axhline(np.nan, color=colour, ls=":", lw=1, label="_warn")
        act = ax.axhline(np.nan, color=colour, ls="--", lw=1, label="_act")
        act_text = ax.text(1.0, 0, " act", transform=ax.get_yaxis_transform(), color=colour,
                           va="center", fontsize=8, visible=False)
        slots.append({"line": line, "hits": hits, "warn": warn, "act": act,
                      "act_text": act_text})
    learned = [Line2D([], [], color="#555555", ls="--", lw=1,
                      label="act level learned for the column in its colour"),
               Line2D([], [], color="#555555", ls=":", lw=1, label="warn level, learned")]
    shared = {"warn": ax.axhline(np.nan, color=_WARN, ls="--", lw=1, label="_warn"),
              "act": ax.axhline(np.nan, color=_ACT, ls="--", lw=1, label="_act"),
              "warn_text": ax.text(1.0, 0, " warn", transform=ax.get_yaxis_transform(),
                                   color=_WARN, va="center", fontsize=8),
              "act_text": ax.text(1.0, 0, " act", transform=ax.get_yaxis_transform(),
                                  color=_ACT, va="center", fontsize=8)}
    first = ax.annotate("", (0, 0), xytext=(10, 10), textcoords="offset points", fontsize=8,
                        color=_ACT, arrowprops={"arrowstyle": "->", "color": _ACT},
                        visible=False)
    ax.set_title(f"{kind.capitalize()} drift — {m.title}", loc="left", fontsize=10)
    ax.set_ylabel(metric.upper())
    ax.set_xlabel("window start")
    if not m.higher_is_worse:
        ax.set_yscale("log")
    return {"ax": ax, "span": span, "span_text": span_text, "slots": slots, "shared": shared,
            "first": first, "measure": m, "learned": learned}


def _update_panel(p: dict, part: pd.DataFrame, r: DriftResult, metric: str) -> None:
    import matplotlib.dates as mdates

    ax, m = p["ax"], p["measure"]
    peak = part.groupby("column")["value"].max() if m.higher_is_worse else \
        -part.groupby("column")["value"].min()
    chosen = list(peak.sort_values(ascending=False).index[:TOP])
    levels = part[part["column"].isin(chosen)].groupby("column")[["warn", "act"]].first()
    one_pair = len(levels.drop_duplicates()) <= 1
    for i, slot in enumerate(p["slots"]):
        if i >= len(chosen):
            for a in slot.values():
                a.set_visible(False)
            continue
        col = chosen[i]
        s = part[part["column"] == col].sort_values("window_start")
        x = s["window_start"].to_numpy()
        slot["line"].set_data(x, s["value"].to_numpy(dtype=float))
        hit = s["status"].to_numpy() == "act"
        slot["hits"].set_data(x[hit], s["value"].to_numpy(dtype=float)[hit])
        warn, act = (float(levels.loc[col, "warn"]), float(levels.loc[col, "act"])) \
            if col in levels.index else (np.nan, np.nan)
        own = bool(not one_pair and np.isfinite(act))
        slot["line"].set_label(str(col))
        slot["warn"].set_ydata([warn, warn])
        slot["act"].set_ydata([act, act])
        slot["act_text"].set_y(act if np.isfinite(act) else 0)
        for a in ("line", "hits"):
            slot[a].set_visible(True)
        for a in ("warn", "act", "act_text"):
            slot[a].set_visible(own)
    sh = p["shared"]
    pair = levels.iloc[0] if one_pair and len(levels) else None
    for name in ("warn", "act"):
        y = float(pair[name]) if pair is not None else np.nan
        sh[name].set_ydata([y, y])
        sh[name].set_visible(bool(np.isfinite(y)))
        sh[f"{name}_text"].set_y(y if np.isfinite(y) else 0)
        sh[f"{name}_text"].set_visible(bool(np.isfinite(y)))
    first_window, ref_end = part["window_start"].min(), r.reference.ends
    inside = ref_end is not None and pd.notna(first_window) and ref_end > first_window
    p["span"].set_visible(bool(inside))
    p["span_text"].set_visible(bool(inside))
    if inside:
        x0, x1 = mdates.date2num(first_window), mdates.date2num(pd.Timestamp(ref_end))
        p["span"].set_x(x0)
        p["span"].set_width(x1 - x0)
        p["span_text"].set_x(x0)
    acts = part[(part["status"] == "act") & ~part["in_reference"]]
    p["first"].set_visible(bool(len(acts)))
    if len(acts):
        a = acts.sort_values("window_start").iloc[0]
        p["first"].xy = (mdates.date2num(a["window_start"]), float(a["value"]))
        p["first"].set_text(f"first act: {a['window_start']:%d %b} ({a['column']})")
    ax.relim(visible_only=True)
    ax.autoscale_view()
    if not m.higher_is_worse:
        ax.set_ylim(top=1.0)
    else:
        lo, hi = ax.get_ylim()
        ax.set_ylim(min(lo, 0), hi * 1.25)  # room for the legend
    handles = [slot["line"] for slot in p["slots"][:len(chosen)]]
    if not one_pair:  # what the lines in the columns' colours are
        handles += p["learned"]
    ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=False,
              ncol=min(len(chosen), 3) or 1, bbox_to_anchor=(0.08, 1.0))


def _span_order(text: str) -> float:
    """A choice's rough length, to list choices shortest first (a month as its mean length)."""
    return read_window(text, "DriftExplorer", "window").seconds
