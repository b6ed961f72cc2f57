"""The picture of a disparity: each group's favourable-rate ratio as a dot with its interval."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._format import axis_label, format_number, tick_formatter
from .._plotting import Display
from ..metrics import format_metric, metric_words

__all__ = ["DisparityDisplay", "DISPLAY_COLUMNS"]

DISPLAY_COLUMNS = ("attribute", "group", "rows", "favourable_rate_ratio",
                   "favourable_rate_ratio_low", "favourable_rate_ratio_high", "reference", "small",
                   "adverse")
"""Columns of :attr:`DisparityDisplay.data`, one row per group drawn."""

_DOT, _ADVERSE, _INTERVAL, _LINE = "#4c72b0", "#c8553d", "#8fa8d6", "#c8553d"


def _plain(text) -> str:
    """``text`` as matplotlib draws it as written (a ``$`` is never the start of maths)."""
    return str(text).replace("$", r"\$")


@dataclass(eq=False, repr=False)
class DisparityDisplay(Display):
    """Favourable-rate ratio by group with its interval and the adverse line; draws and redraws.

    Made by :meth:`trustlab.fairness.Disparity.plot`; :meth:`plot` draws it
    again (on new axes, or on ``ax``) from the data it holds, as
    scikit-learn's Display objects do.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per group drawn, with the columns of :data:`DISPLAY_COLUMNS`.
    adverse_ratio : float
        Where the adverse line is: a ratio below it is flagged.
    level : float
        Coverage of the intervals (NaN without a bootstrap).
    ax_, figure_ : matplotlib Axes and Figure
        Where it was last drawn.
    """

    data: pd.DataFrame
    adverse_ratio: float
    level: float

    def _draw(self, ax):
        """Draw the chart: groups as rows (by attribute), the ratio as a dot, its interval as a bar."""
        import matplotlib.pyplot as plt

        d = self.data.reset_index(drop=True)
        n = len(d)
        made = ax is None
        if made:
            fig, ax = plt.subplots(figsize=(8, 1.4 + 0.38 * max(n, 1)))
        else:
            fig = ax.figure
        y = np.arange(n)[::-1].astype(float)
        ratio = d["favourable_rate_ratio"].to_numpy(dtype=float)
        low = d["favourable_rate_ratio_low"].to_numpy(dtype=float)
        high = d["favourable_rate_ratio_high"].to_numpy(dtype=float)
        adverse = d["adverse"].to_numpy(dtype=bool)
        small = d["small"].to_numpy(dtype=bool)
        has = ~np.isnan(low) & ~np.isnan(high)
        line = format_metric("favourable_rate_ratio", self.adverse_ratio)
        ax.hlines(y[has], low[has], high[has], color=_INTERVAL, linewidth=4, zorder=1,
                  label=(f"{format_number(self.level, 'share', trim=True)} interval"
                         if has.any() else None))
        for mask, face, edge, label in (  # small groups hollow, adverse ones red
                (~small & ~adverse, _DOT, _DOT, "Group"),
                (~small & adverse, _ADVERSE, _ADVERSE, f"Below {line}"),
                (small & ~adverse, "white", _DOT, "Small group"),
                (small & adverse, "white", _ADVERSE, "Small group, below the line")):
            keep = mask & ~np.isnan(ratio)
            if keep.any():
                ax.scatter(ratio[keep], y[keep], s=46, zorder=3, label=label, facecolor=face,
                           edgecolor=edge, linewidth=1.4)
        ax.axvline(self.adverse_ratio, color=_LINE, linestyle="--", linewidth=1.2,
                   label=f"Adverse line {line}")
        ax.axvline(1.0, color="#777777", linewidth=0.8)
        labels = []
        for r in d.itertuples():
            words = f"{_plain(r.attribute)}: {_plain(r.group)}"
            if r.reference:
                words += " (reference)"
            elif r.small:
                words += f" (small: {format_metric('rows', r.rows)} rows)"
            labels.append(words)
        ax.set_yticks(y, labels)
        ax.set_ylim(-0.7, n - 0.3)
        ax.xaxis.set_major_formatter(tick_formatter("ratio"))
        ax.set_xlabel(axis_label(metric_words("favourable_rate") + ": group over reference",
                                 "ratio"))
        ax.set_title("Favourable-rate ratio against the reference group", fontsize=11)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(loc="best", fontsize=8)
        if made:
            fig.tight_layout()
        return ax
