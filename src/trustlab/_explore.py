"""What every explorer shares: controls whose changes are debounced into one redraw of a
figure that is drawn once and then updated in place, and a line that says what is shown.

A slider dragged across twenty steps sends twenty changes. Recomputing for each
would queue twenty replays behind one another and leave the figure trailing the
hand; instead each change only re-arms a short timer on the kernel's event loop,
and the numbers and the figure are recomputed once, when the controls have been
still for :attr:`Explorer.DELAY` seconds. Outside a running event loop (a
script, a test) a change recomputes at once.

From the first change until the figure and the numbers for the latest values
are shown, the explorer's status line reads "updating…" (CSS class
``trustlab-busy``); then it names the values they were computed for (class
``trustlab-current``). The figure is one matplotlib :class:`~matplotlib.figure.Figure`
on an Agg canvas: a subclass draws its artists once and afterwards moves them
(``set_data``, ``set_height``, ``set_text``), so a redraw costs one render of
the canvas, not the making of axes, ticks and a layout.
"""

from __future__ import annotations

import asyncio
import io
import math
import time
from collections.abc import Callable
from contextlib import contextmanager
from html import escape

from ._extras import require
from ._format import change_kind, format_number

__all__ = ["BUSY_CLASS", "CURRENT_CLASS", "Debouncer", "Explorer", "change_note",
           "checks_table", "numbers_table"]

BUSY_CLASS = "trustlab-busy"
"""CSS class of the status line while the figure and numbers are out of date."""
CURRENT_CLASS = "trustlab-current"
"""CSS class of the status line once they match the controls."""
_PASS, _FAIL = "#1e7d32", "#c62828"


def change_note(now: float, then: float | None, kind: str, against: str,
                currency: str | None = None) -> str:
    """`` (+2.4 pts vs the policy as written)`` in grey, or empty when nothing changed.

    ``kind`` is the kind of ``now`` and ``then`` (:data:`trustlab._format.KINDS`:
    ``"share"``, ``"money"``, ``"count"``, ...); the difference reads as that kind's
    change (points for shares, a signed amount in ``currency`` for money).

    Examples
    --------
    >>> change_note(0.62, 0.596, "share", "before")
    " <span style='color:#666'>(+2.4 pts vs before)</span>"
    >>> change_note(5.0, 5.0, "count", "before")
    ''
    """
    if then is None or not math.isfinite(now) or not math.isfinite(then) or now == then:
        return ""
    text = format_number(now - then, change_kind(kind), currency=currency)
    return f" <span style='color:#666'>({escape(text)} vs {escape(against)})</span>"


def numbers_table(rows, *, caption: str | None = None) -> str:
    """An HTML table of ``(label, value text, change note HTML)`` rows.

    ``caption`` (plain text) says what the numbers were computed for.
    """
    body = "".join(f"<tr><th style='text-align:left'>{escape(k)}</th>"
                   f"<td style='text-align:left'>{escape(v)}{d}</td></tr>" for k, v, d in rows)
    cap = "" if caption is None else (f"<caption style='text-align:left;color:#555'>"
                                      f"{escape(caption)}</caption>")
    return f"<table class='trustlab-numbers'>{cap}{body}</table>"


def _plain(v: float, bound: float | None = None) -> str:
    """``v`` as a plain decimal (never an exponent) in the units of the policy file, with
    enough digits that it does not round onto or across ``bound``."""
    if not math.isfinite(v):
        return "n/a"

    def crosses(text: str) -> bool:
        shown = float(text.replace(",", ""))
        return bound is not None and ((shown > bound) != (v > bound) or
                                      (shown < bound) != (v < bound))

    if abs(v) >= 1000:
        decimals = 0
        while crosses(f"{v:.{decimals}f}") and decimals < 6:
            decimals += 1
        return f"{v:,.{decimals}f}"
    digits = 3
    text = f"{v:.{digits}g}"
    while crosses(text) and digits < 12:
        digits += 1
        text = f"{v:.{digits}g}"
    if "e" not in text:
        return text
    decimals = digits - 1 - math.floor(math.log10(abs(v)))  # as many significant digits
    return f"{v:.{decimals}f}".rstrip("0").rstrip(".")


def checks_table(checks) -> str:
    """The policy's checks as an HTML table: check, value, bound and PASS or FAIL in words and
    colour (class ``trustlab-check-pass`` / ``trustlab-check-fail``).

    ``checks`` is a replay's :attr:`~trustlab.simulate.Replay.checks` frame. Values and
    bounds are in the units of the policy file (a share as 0.04, as ``at_most: 0.04``
    reads), with enough digits that a value never rounds onto its bound.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame([{"check": "bad_rate_favourable <= 0.04", "metric": "bad_rate_favourable",
    ...                    "by": None, "value": 0.03996, "at_least": None, "at_most": 0.04,
    ...                    "passed": True, "segment": None, "reason": ""}])
    >>> "0.03996" in checks_table(c) and "PASS" in checks_table(c)
    True
    """
    if len(checks) == 0:
        return ("<p class='trustlab-checks' style='color:#555'>The policy declares no checks "
                "(<code>checks:</code>).</p>")
    rows = []
    for c in checks.itertuples():
        lo = None if c.at_least is None or _missing(c.at_least) else float(c.at_least)
        hi = None if c.at_most is None or _missing(c.at_most) else float(c.at_most)
        bounds = []
        if lo is not None:
            bounds.append(f"at least {lo:g}")
        if hi is not None:
            bounds.append(f"at most {hi:g}")
        value = float(c.value)
        near = lo if lo is not None and (hi is None or abs(value - lo) <= abs(value - hi)) else hi
        notes = []
        if c.segment is not None and not _missing(c.segment):
            notes.append(f"worst segment: {c.segment}")
        if c.reason:
            notes.append(str(c.reason))
        word, colour, cls = (("PASS", _PASS, "trustlab-check-pass") if c.passed else
                             ("FAIL", _FAIL, "trustlab-check-fail"))
        by = "" if c.by is None or _missing(c.by) else f" by {escape(str(c.by))}"
        rows.append(f"<tr><td style='text-align:left'><code>{escape(c.metric)}</code>{by}</td>"
                    f"<td style='text-align:right'>{escape(_plain(value, near))}</td>"
                    f"<td style='text-align:left'>{' and '.join(bounds)}</td>"
                    f"<td class='{cls}' style='color:{colour};font-weight:bold'>{word}</td>"
                    f"<td style='text-align:left;color:#555'>{escape('; '.join(notes))}</td></tr>")
    failed = int((~checks["passed"].astype(bool)).sum())
    head = (f"Checks: all {len(checks)} pass" if failed == 0 else
            f"Checks: {failed} of {len(checks)} fail")
    return (f"<table class='trustlab-checks'><caption style='text-align:left'><b>{head}</b>"
            f"</caption><tr><th style='text-align:left'>check</th><th>value</th>"
            f"<th style='text-align:left'>bound</th><th>result</th><th></th></tr>"
            f"{''.join(rows)}</table>")


def _missing(v) -> bool:
    return isinstance(v, float) and math.isnan(v)


class Debouncer:
    """Call ``fn`` once changes have stopped for ``delay`` seconds.

    Examples
    --------
    >>> calls = []
    >>> d = Debouncer(lambda: calls.append(1), delay=0.05)
    >>> async def drag():
    ...     for _ in range(20):
    ...         d()
    ...         await asyncio.sleep(0.001)
    ...     await asyncio.sleep(0.2)
    >>> asyncio.run(drag())
    >>> len(calls)
    1
    >>> d(); len(calls)  # no running loop: at once
    2
    """

    def __init__(self, fn: Callable[[], object], delay: float) -> None:
        self.fn = fn
        self.delay = delay
        self._handle: asyncio.TimerHandle | None = None
        self._paused = False

    def __call__(self, _change=None) -> None:
        if self._paused:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or self.delay <= 0:
            self.fn()
            return
        if self._handle is not None:
            self._handle.cancel()
        self._handle = loop.call_later(self.delay, self._fire)

    def _fire(self) -> None:
        self._handle = None
        self.fn()

    @property
    def pending(self) -> bool:
        """True while a call waits for the controls to be still."""
        return self._handle is not None

    @property
    def is_paused(self) -> bool:
        """True inside :meth:`paused`."""
        return self._paused

    @contextmanager
    def paused(self):
        """Ignore changes inside the block (a caller setting several controls at once)."""
        self._paused = True
        try:
            yield
        finally:
            self._paused = False


class Explorer:
    """Base of the explorers: named controls, a status line, numbers and a figure.

    A subclass builds its controls, calls :meth:`_build` and implements
    :meth:`_render` (the current control values → the numbers' HTML, with the
    artists of ``self._figure`` drawn on the first call and updated in place on
    later ones) and may override :meth:`_describe` (the values in words, for
    the status line).

    Attributes
    ----------
    widget : ipywidgets.VBox
        What displaying the explorer shows (CSS class ``trustlab-explorer``).
    controls : dict
        Control name → widget.
    shown_values : dict or None
        The control values the figure and the numbers now shown were computed for.
    busy : bool
        True from a change of a control until the redraw for the latest values is shown.
    last_update_seconds : float
        Time the last redraw took (computation, figure and image).
    """

    #: Seconds the controls must be still before a redraw.
    DELAY = 0.25
    #: Computations kept, so returning to a recent choice (or changing only what is drawn)
    #: is instant.
    CACHE_SIZE = 4
    #: Dots per inch of the figure's image.
    DPI = 80

    def _cached(self, key, make: Callable[[], object]):
        """``make()`` for ``key``, kept among the last :attr:`CACHE_SIZE` computations."""
        from collections import OrderedDict

        cache = self.__dict__.setdefault("_cache", OrderedDict())
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        made = cache[key] = make()
        while len(cache) > self.CACHE_SIZE:
            cache.popitem(last=False)
        return made

    def _build(self, title: str, controls: dict, rows: list[list[str]], *,
               figsize: tuple[float, float] = (14, 4.2), notes=()) -> None:
        """Lay out the controls (rows that wrap rather than clip), the notes on disabled
        controls, the status line, the numbers and the figure; then draw once.

        ``notes`` are plain-text sentences shown under the controls (why a control is
        disabled, where a range comes from).
        """
        w = require("ipywidgets", "The interactive explorers")
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.controls = controls
        for c in controls.values():  # a label takes its own width, the control the rest; a
            # row holds as many as fit with room for their labels, and wraps the others
            c.style.description_width = "initial"
            c.layout.flex = f"1 1 {220 + 7 * len(c.description)}px"
            c.layout.width = "auto"
        self._status = w.HTML()  # a column's items stretch to its width, margins included
        self._numbers = w.HTML()
        self._figure = Figure(figsize=figsize, dpi=self.DPI)
        FigureCanvasAgg(self._figure)
        # shrinks with the column, never past it; never stretched above its own size
        self._image = w.Image(format="png", layout=w.Layout(max_width="100%", height="auto",
                                                             align_self="flex-start"))
        self._debounce = Debouncer(self._refresh, self.DELAY)
        self.shown_values = None
        self.busy = False
        self._drawn = False  # a subclass draws its artists once, then updates them
        for c in controls.values():
            c.observe(self._changed, names="value")
        wrap = w.Layout(flex_flow="row wrap")
        note_html = "".join(f"<li>{escape(n)}</li>" for n in notes)
        self.widget = w.VBox(
            [w.HTML(title), *[w.HBox([controls[n] for n in row], layout=wrap) for row in rows],
             *([w.HTML(f"<ul class='trustlab-notes' style='color:#555;margin:2px 0'>"
                       f"{note_html}</ul>")] if notes else []),
             self._status, self._numbers, self._image])
        self.widget.add_class("trustlab-explorer")
        self.last_update_seconds = float("nan")
        self._refresh()

    @property
    def values(self) -> dict:
        """Every control's current value, by name."""
        return {k: c.value for k, c in self.controls.items()}

    def _render(self, values: dict) -> str:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def _describe(self, values: dict) -> str:
        """The control values in words, for the status line."""
        return ", ".join(f"{k} {v}" for k, v in values.items())

    def _changed(self, _change=None) -> None:
        if self._debounce.is_paused:
            return
        self._set_busy()
        self._debounce()

    def _set_busy(self) -> None:
        self.busy = True
        was = "" if self.shown_values is None else \
            f" — the figure and numbers below are still for {self._describe(self.shown_values)}"
        self._status.value = (f"<span style='color:#8a5a00;font-weight:bold'>updating…</span>"
                              f"<span style='color:#555'>{escape(was)}</span>")
        self._status._dom_classes = ("trustlab-status", BUSY_CLASS)

    def _set_current(self, values: dict) -> None:
        self.busy = False
        self._status.value = (f"<span style='color:#555'>Shown for {escape(self._describe(values))}"
                              f" ({self.last_update_seconds:.2f} s)</span>")
        self._status._dom_classes = ("trustlab-status", CURRENT_CLASS)

    def _png(self) -> bytes:
        """Render the figure once and encode it as a PNG (fast compression: the image is
        sent to the browser, not stored)."""
        from PIL import Image

        canvas = self._figure.canvas
        canvas.draw()
        buf = io.BytesIO()
        Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).save(
            buf, format="png", compress_level=1)
        return buf.getvalue()

    def _refresh(self):
        values = self.values
        t0 = time.perf_counter()
        try:
            html = self._render(values)
            png = self._png()
        except Exception as e:  # shown where the user looks, not lost in the kernel's log
            self._numbers.value = (f"<p style='color:#c62828'><b>Cannot show this choice:</b> "
                                   f"{escape(str(e))}</p>")
            self.busy = False
            self._status.value = (f"<span style='color:#c62828'>Not shown: "
                                  f"{escape(self._describe(values))}</span>")
            self._status._dom_classes = ("trustlab-status", "trustlab-error")
            self._figure.clear()  # the artists are drawn anew for the next choice
            self._drawn = False
            return None
        self._image.value = png
        self._numbers.value = html
        self.shown_values = values
        self.last_update_seconds = time.perf_counter() - t0
        if values == self.values and not self._debounce.pending:
            self._set_current(values)
        return html

    def set(self, **values) -> None:
        """Set several controls, then redraw once."""
        unknown = [k for k in values if k not in self.controls]
        if unknown:
            raise KeyError(f"no control {', '.join(unknown)}; controls: "
                           f"{', '.join(self.controls)}")
        with self._debounce.paused():
            for k, v in values.items():
                if v is not None:
                    self.controls[k].value = v
        self._refresh()

    @property
    def image(self) -> bytes:
        """The PNG now shown."""
        return self._image.value

    @property
    def numbers_html(self) -> str:
        """The HTML of the numbers now shown."""
        return self._numbers.value

    @property
    def status_html(self) -> str:
        """The HTML of the status line (``updating…``, or the values shown)."""
        return self._status.value

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
