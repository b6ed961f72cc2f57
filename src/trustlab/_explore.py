"""What every explorer shares: controls whose changes are debounced into one redraw.

A slider dragged across twenty steps sends twenty changes. Recomputing for each
would queue twenty replays behind one another and leave the figure trailing the
hand; instead each change only re-arms a short timer on the kernel's event loop,
and the numbers and the figure are recomputed once, when the controls have been
still for :attr:`Explorer.DELAY` seconds. Outside a running event loop (a
script, a test) a change recomputes at once.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable
from contextlib import contextmanager
from html import escape

__all__ = ["Debouncer", "Explorer", "change_note", "numbers_table"]


def change_note(now: float, then: float | None, kind: str, against: str) -> str:
    """`` (+2.4 pts vs the policy as written)`` in grey, or empty when nothing changed.

    ``kind`` is ``"rate"`` (points), ``"value"`` (money, abbreviated) or ``"count"``.
    """
    import math

    from .simulate._plots import _fmt_value

    if then is None or not math.isfinite(now) or not math.isfinite(then) or now == then:
        return ""
    d = now - then
    text = (f"{d * 100:+.1f} pts" if kind == "rate" else
            ("+" if d > 0 else "") + (_fmt_value(d) if kind == "value" else f"{d:,.0f}"))
    return f" <span style='color:#666'>({text} vs {escape(against)})</span>"


def numbers_table(rows) -> str:
    """An HTML table of ``(label, value text, change note HTML)`` rows."""
    body = "".join(f"<tr><th style='text-align:left'>{escape(k)}</th>"
                   f"<td style='text-align:left'>{escape(v)}{d}</td></tr>" for k, v, d in rows)
    return f"<table>{body}</table>"


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

    @contextmanager
    def paused(self):
        """Ignore changes inside the block (a caller setting several controls at once)."""
        self._paused = True
        try:
            yield
        finally:
            self._paused = False


class Explorer:
    """Base of the explorers: named controls, a numbers table and a figure, redrawn together.

    A subclass builds its controls, calls :meth:`_build` and implements
    :meth:`_render` (the current control values → the numbers' HTML and a
    matplotlib figure drawn on ``self._figure``).

    Attributes
    ----------
    widget : ipywidgets.VBox
        What displaying the explorer shows.
    controls : dict
        Control name → widget.
    last_update_seconds : float
        Time the last redraw took (computation, figure and image).
    """

    #: Seconds the controls must be still before a redraw.
    DELAY = 0.25
    #: Computations kept, so returning to a recent choice (or changing only what is drawn)
    #: is instant.
    CACHE_SIZE = 4

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
               figsize: tuple[float, float] = (14, 4.2)) -> None:
        import ipywidgets as w
        from matplotlib.figure import Figure

        self.controls = controls
        self._numbers = w.HTML()
        self._image = w.Image(format="png")
        self._figure = Figure(figsize=figsize, dpi=80)
        self._debounce = Debouncer(self._refresh, self.DELAY)
        for c in controls.values():
            c.observe(self._debounce, names="value")
        self.widget = w.VBox([w.HTML(title), *[w.HBox([controls[n] for n in row]) for row in rows],
                              self._numbers, self._image])
        self.last_update_seconds = float("nan")
        self._refresh()

    @property
    def values(self) -> dict:
        """Every control's current value, by name."""
        return {k: c.value for k, c in self.controls.items()}

    def _render(self, values: dict) -> str:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def _refresh(self):
        t0 = time.perf_counter()
        self._figure.clear()
        try:
            html = self._render(self.values)
        except Exception as e:  # shown where the user looks, not lost in the kernel's log
            self._numbers.value = (f"<p style='color:#c62828'><b>Cannot show this choice:</b> "
                                   f"{escape(str(e))}</p>")
            return None
        buf = io.BytesIO()
        self._figure.savefig(buf, format="png")
        self._image.value = buf.getvalue()
        self._numbers.value = html
        self.last_update_seconds = time.perf_counter() - t0
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

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
