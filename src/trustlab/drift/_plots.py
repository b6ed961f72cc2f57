"""Drift over time, drawn for a leader: time on x, warn and act lines, events marked."""

from __future__ import annotations

import pandas as pd

from .._plotting import Display, axes_for, note
from .._validate import Integral, Interval, Options, validate_params
from ._measures import MEASURES

__all__ = ["DriftDisplay", "plot_drift"]

_WARN, _ACT, _REF = "#d68910", "#c0392b", "#e8e8e8"


class DriftDisplay(Display):
    """Drift over time, one panel per kind of drift; holds its result and draws it again.

    Made by :func:`plot_drift` (and :meth:`DriftResult.plot`); :meth:`plot`
    draws it (again) on ``ax``, with the options given (``metric``, ``kinds``,
    ``top``, ``events``) or those of the last drawing.

    Attributes
    ----------
    data : pandas.DataFrame
        The rows of the drift result's frame for the drawn ``metric``.
    source : DriftResult
    axes_ : dict
        Kind (``data``, ``signal``, ``decision``, ``context``) → matplotlib Axes.
    ax_ : matplotlib Axes
        The first panel.
    figure_ : matplotlib Figure
    """

    axes_: dict = {}

    def __init__(self, result, metric: str = "psi", *, kinds=None, top: int = 4, events=None):
        if metric not in MEASURES:
            raise ValueError(f"metric must be one of {', '.join(MEASURES)}; got {metric!r}")
        self.source = result
        self.data = result.frame[result.frame["metric"] == metric]
        self.__dict__["_options"] = {"metric": metric, "kinds": kinds, "top": top,
                                     "events": events}

    def _draw(self, ax, metric: str = "psi", kinds=None, top: int = 4, events=None):
        if metric not in MEASURES:
            raise ValueError(f"metric must be one of {', '.join(MEASURES)}; got {metric!r}")
        self.data = self.source.frame[self.source.frame["metric"] == metric]
        self.axes_, panels = _draw_drift(self.source, self.data, metric, kinds, ax, top, events)
        return panels


def _levels_text(part: pd.DataFrame) -> tuple[float, float] | None:
    warn, act = part["warn"].unique(), part["act"].unique()
    return (float(warn[0]), float(act[0])) if len(warn) == 1 and len(act) == 1 else None


@validate_params({"metric": [Options(MEASURES)], "top": [Interval(Integral, 1, None)]})
def plot_drift(result, metric: str = "psi", *, kinds=None, ax=None, top: int = 4,
               events=None) -> DriftDisplay:
    """Draw ``metric`` per window for the most drifted columns of each kind.

    Parameters
    ----------
    result : DriftResult
    metric : str, default ``"psi"``
    kinds : sequence of str, optional
        Kinds to draw (default: every kind monitored), one panel each.
    ax : matplotlib Axes, optional
        Split into the panels; or one Axes per panel.
    top : int, default 4
        Columns drawn per panel: the ones with the largest values.
    events : dict, optional
        ``{label: time}`` drawn as dashed vertical lines (e.g. when a change
        went live), so a reader sees whether the drift followed it.

    Returns
    -------
    DriftDisplay
    """
    return DriftDisplay(result, metric, kinds=kinds, top=top, events=events).plot(ax=ax)


def _draw_drift(result, f: pd.DataFrame, metric: str, kinds, ax, top: int, events):
    """Draw ``f`` (the result's rows of ``metric``); returns (kind → Axes, every panel)."""
    present = [k for k in ("data", "signal", "decision", "context") if k in set(f["kind"])]
    kinds = present if kinds is None else [k for k in kinds if k in present]
    fig, axes = axes_for(ax, max(len(kinds), 1), (10, 2.6 * max(len(kinds), 1)),
                         (max(len(kinds), 1), 1))
    m = MEASURES[metric]
    if not kinds:
        note(axes[0], f"no column has a {metric.upper()} value", f"{metric.upper()} over time")
        return {}, axes
    ref_end = result.reference.ends
    out = {}
    for a, kind in zip(axes, kinds):
        part = f[f["kind"] == kind]
        peak = part.groupby("column")["value"].max()
        if not m.higher_is_worse:
            peak = -part.groupby("column")["value"].min()
        chosen = peak.sort_values(ascending=False).index[:top]
        first = part["window_start"].min()
        if ref_end is not None and ref_end > first:
            a.axvspan(first, ref_end, color=_REF, zorder=0)
            a.text(first, 1.0, " reference", transform=a.get_xaxis_transform(), va="top",
                   fontsize=8, color="#666666")
        for col in chosen:
            s = part[part["column"] == col].sort_values("window_start")
            line, = a.plot(s["window_start"], s["value"], marker=".", lw=1.5, label=str(col))
            hit = s[s["status"] == "act"]
            a.plot(hit["window_start"], hit["value"], "o", ms=7, mfc="none", mec=_ACT)
        lv = _levels_text(part[part["column"].isin(chosen)])
        if lv is not None:
            a.axhline(lv[0], color=_WARN, ls="--", lw=1)
            a.axhline(lv[1], color=_ACT, ls="--", lw=1)
            a.text(1.0, lv[0], " warn", transform=a.get_yaxis_transform(), color=_WARN,
                   va="center", fontsize=8)
            a.text(1.0, lv[1], " act", transform=a.get_yaxis_transform(), color=_ACT,
                   va="center", fontsize=8)
        acts = part[(part["status"] == "act") & ~part["in_reference"]]
        if len(acts):
            r = acts.sort_values("window_start").iloc[0]
            a.annotate(f"first act: {r['window_start']:%d %b} ({r['column']})",
                       (r["window_start"], r["value"]), xytext=(10, 10),
                       textcoords="offset points", fontsize=8, color=_ACT,
                       arrowprops={"arrowstyle": "->", "color": _ACT})
        for label, when in (events or {}).items():
            t = pd.Timestamp(when)
            a.axvline(t, color="#333333", ls=":", lw=1)
            a.text(t, 0.98, f" {label}", transform=a.get_xaxis_transform(), va="top",
                   fontsize=8, rotation=0)
        a.set_title(f"{kind.capitalize()} drift — {m.title}", loc="left", fontsize=10)
        a.set_ylabel(metric.upper())
        if not m.higher_is_worse:
            a.set_yscale("log")
        a.legend(loc="upper left", fontsize=8, frameon=False, ncol=min(len(chosen), 4),
                 bbox_to_anchor=(0.08, 1.0))
        out[kind] = a
    axes[-1].set_xlabel(f"window start ({result.window.words} windows)")
    fig.tight_layout()
    return out, axes
