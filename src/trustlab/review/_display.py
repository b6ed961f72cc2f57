"""How a review shows its tables and figures: HTML that a printed page keeps whole.

A committee reads the review on paper, so every table and figure the review
notebook shows goes through here:

* :func:`table_html` / :func:`report_table` — a DataFrame as an HTML table:
  every number read by its kind (:mod:`trustlab.metrics`), no raw ``0..n``
  index, text that wraps instead of being cut, numbers right-aligned, and a
  status column (``PASS`` / ``FAIL``) in words *and* colour;
* :func:`status_html` — one status in words and colour (never only a symbol:
  emoji print as empty boxes without a colour emoji font);
* :class:`ReportFigure` / :func:`figure_of` — a matplotlib figure as a PNG
  that carries its alt text (``<img alt="...">`` in ``report.html``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from ..metrics import SummaryFrame, summary_frame

__all__ = ["STATUS_STYLES", "ReportFigure", "ReportTable", "figure_of", "report_table",
           "status_html", "table_html"]

STATUS_STYLES: dict[str, str] = {
    "pass": "color:#1b5e20;background:#e8f5e9;font-weight:bold",
    "fail": "color:#b71c1c;background:#ffebee;font-weight:bold",
    "note": "color:#8a5a00;background:#fff8e1;font-weight:bold",
}
"""Inline styles of a status (inline, so a notebook shows the colour without the report's
stylesheet); the word itself always says the status."""

_STATUS_OF_WORD = {"PASS": "pass", "HOLDS": "pass", "ABOVE": "pass", "FAIL": "fail",
                   "FAILS": "fail", "BELOW": "fail", "TOO FEW": "note"}

_NUMBER_TEXT = re.compile(r"^[+\-]?(?:[A-Z]{3} )?[\d,]+(?:\.\d+)?(?:%| pts| days?| weeks?)?$")
_SHORT = 30
"""A number cell longer than this (``n/a — <reason>``) wraps as text."""


def status_html(status: str, words: str) -> str:
    """``words`` in the colour of ``status`` (``"pass"``, ``"fail"`` or ``"note"``).

    Examples
    --------
    >>> status_html("fail", "FAIL")
    '<span class="tl-status tl-fail" style="color:#b71c1c;background:#ffebee;font-weight:bold;padding:0 4px">FAIL</span>'
    """
    if status not in STATUS_STYLES:
        raise ValueError(f"status must be one of {', '.join(STATUS_STYLES)}; got {status!r}")
    return (f'<span class="tl-status tl-{status}" style="{STATUS_STYLES[status]};padding:0 4px">'
            f"{escape(words)}</span>")


def _shown(frame: pd.DataFrame, kinds: Mapping[str, str] | None, currency: str | None
           ) -> tuple[pd.DataFrame, set]:
    """The frame as text (numbers by kind) and the columns that hold numbers."""
    if not isinstance(frame, SummaryFrame) or kinds:
        frame = summary_frame(pd.DataFrame(frame), kinds=kinds, currency=currency)
    numeric = set(getattr(frame, "_column_kinds", {}) or {})
    return frame.shown(), numeric


def _cell_text(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def _default_index(index: pd.Index) -> bool:
    """A raw ``0..n`` position index (or an unnamed one of positions), not worth showing."""
    if isinstance(index, pd.RangeIndex):
        return index.name is None
    return False


def table_html(frame: pd.DataFrame, *, caption: str | None = None, index: bool | None = None,
               status: Sequence[str] = (), kinds: Mapping[str, str] | None = None,
               currency: str | None = None, css_class: str = "tl-table") -> str:
    """``frame`` as an HTML table for the report.

    Parameters
    ----------
    frame : pandas.DataFrame
        A :class:`trustlab.metrics.SummaryFrame` prints each number by its
        kind; any other frame is read through
        :func:`trustlab.metrics.summary_frame` first (a column named after a
        metric takes its kind), so no number is formatted here.
    caption : str, optional
    index : bool, optional
        Show the index (default: unless it is a raw ``0..n`` position).
    status : sequence of str
        Columns of status words, shown in words and colour: ``PASS``,
        ``HOLDS``, ``ABOVE`` (green), ``FAIL``, ``FAILS``, ``BELOW`` (red),
        ``TOO FEW`` (amber).
    kinds : mapping, optional
        Column → kind of number or metric name, for columns whose name is no metric.
    currency : str, optional
        For money (``outcomes.currency``).
    css_class : str

    Returns
    -------
    str
        ``<table>`` with a ``<thead>`` (repeated on every printed page);
        numbers right-aligned (``td.num``: a column of numbers, or of text
        that all reads as numbers), text wrapping (``td.text``).

    Examples
    --------
    >>> t = pd.DataFrame({"check": ["automation_rate >= 0.95"], "decisions": [9145.0],
    ...                   "result": ["PASS"]})
    >>> html = table_html(t, status=["result"])
    >>> "<th>decisions</th>" in html, '<td class="num">9,145</td>' in html, "tl-pass" in html
    (True, True, True)
    >>> ">0<" in html  # no raw 0..n index
    False
    """
    shown, numeric = _shown(frame, kinds, currency)
    show_index = (not _default_index(frame.index)) if index is None else index
    head_cells = []
    index_frame = None
    if show_index:
        index_frame = shown.index.to_frame(index=False)
        names = [("" if n is None else str(n)) for n in shown.index.names]
        head_cells += [f"<th>{escape(n)}</th>" for n in names]
    head_cells += [f"<th>{escape(str(c))}</th>" for c in shown.columns]
    texts = {col: [_cell_text(v) for v in shown.iloc[:, pos].tolist()]
             for pos, col in enumerate(shown.columns)}
    right = {col for col, cells in texts.items()
             if col in numeric or (any(cells) and all(
                 _NUMBER_TEXT.match(t.replace("\N{MINUS SIGN}", "-")) for t in cells if t))}
    rows = []
    for pos in range(len(shown)):
        cells = []
        if index_frame is not None:
            cells += [f'<th class="text">{escape(_cell_text(v))}</th>'
                      for v in index_frame.iloc[pos].tolist()]
        for col in shown.columns:
            text = texts[col][pos]
            if col in status and text.upper() in _STATUS_OF_WORD:
                shown_status = status_html(_STATUS_OF_WORD[text.upper()], text)
                cells.append(f'<td class="status">{shown_status}</td>')
            elif col in right and len(text) <= _SHORT:
                cells.append(f'<td class="num">{escape(text)}</td>')
            else:
                cells.append(f'<td class="text">{escape(text)}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return (f'<table class="{escape(css_class)}">{cap}<thead><tr>{"".join(head_cells)}</tr>'
            f"</thead><tbody>{''.join(rows)}</tbody></table>")


@dataclass(frozen=True)
class ReportTable:
    """A table for the report: shows as HTML in a notebook and in ``report.html``."""

    html: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"ReportTable({len(self.html):,} characters of HTML)"


def report_table(frame: pd.DataFrame, **kwargs) -> ReportTable:
    """:func:`table_html` as an object a notebook displays (keyword arguments as there).

    Examples
    --------
    >>> report_table(pd.DataFrame({"a": [1.0]})).html.startswith('<table class="tl-table">')
    True
    """
    return ReportTable(table_html(frame, **kwargs))


@dataclass(frozen=True)
class ReportFigure:
    """A drawn figure as PNG bytes with the alt text that says what it shows.

    In a notebook it displays as the image; ``report.html`` gets
    ``<img alt="...">`` from the alt text (nbconvert reads it from the
    output's ``image/png`` metadata).

    Attributes
    ----------
    png : bytes
    alt : str
        What the figure shows, in words a reader without the image can use.
    """

    png: bytes
    alt: str

    def _repr_png_(self):
        return self.png, {"alt": self.alt}

    def __repr__(self) -> str:
        return f"Figure: {self.alt}"


def figure_of(fig, alt: str, *, dpi: int = 110) -> ReportFigure:
    """``fig`` as a :class:`ReportFigure` with ``alt`` text; the figure is closed.

    Raises
    ------
    ValueError
        For empty alt text: every figure of the report says what it shows.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [0, 1])
    >>> f = figure_of(fig, "A rising line")
    >>> f.png[:4] == b"\\x89PNG", f.alt, plt.fignum_exists(fig.number)
    (True, 'A rising line', False)
    """
    import matplotlib.pyplot as plt

    if not alt or not alt.strip():
        raise ValueError("alt must say what the figure shows; got empty text")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    return ReportFigure(buffer.getvalue(), " ".join(alt.split()))
