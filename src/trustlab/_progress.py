"""Progress of long work, told the way the place it runs in can show it.

One reporter for every long job (a review's sections, a streamed replay's
parts, ``decide`` on millions of rows, out-of-fold training):

- on a terminal (stderr is a TTY and ``CI`` is not set): one line redrawn in
  place, ``label [#####.....] 5/10 part 5`` with the elapsed time;
- in CI or a log (``CI`` set, or stderr not a TTY): plain lines, one per step
  at most every ``every`` seconds and always the last, so a log shows that
  work moves without a line per row;
- quiet (``enabled=False``, the command line's ``--quiet``): nothing.

Library calls default to quiet (a function never writes to stderr unless
asked); the command line and ``trustlab review`` switch it on.

Examples
--------
>>> import io
>>> out = io.StringIO()
>>> with Progress("Replay", total=3, stream=out, style="lines", every=0) as bar:
...     for part in range(3):
...         bar.advance(detail=f"part {part + 1}")
>>> print(out.getvalue().replace("0.0 s", "t"), end="")
Replay: 1/3 part 1 (t)
Replay: 2/3 part 2 (t)
Replay: 3/3 part 3 (t)
Replay: done, 3/3 (t)
"""

from __future__ import annotations

import os
import sys
import time
from typing import Literal, TextIO

__all__ = ["Progress", "progress_style"]

Style = Literal["bar", "lines", "off"]
_WIDTH = 24


def progress_style(enabled: bool = True, stream: TextIO | None = None) -> Style:
    """``"off"`` when not ``enabled``; ``"lines"`` in CI (``CI`` set) or when ``stream``
    (stderr) is not a terminal; ``"bar"`` on a terminal.

    Examples
    --------
    >>> import io
    >>> progress_style(False), progress_style(True, io.StringIO())
    ('off', 'lines')
    """
    if not enabled:
        return "off"
    stream = sys.stderr if stream is None else stream
    ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    is_tty = getattr(stream, "isatty", lambda: False)()
    return "lines" if ci or not is_tty else "bar"


class Progress:
    """Report ``total`` steps of work named ``label`` (a context manager).

    Parameters
    ----------
    label : str
        What is being done, in a few words (``"Review"``, ``"Decide"``).
    total : int, optional
        Number of steps, when known; without it the count alone is shown.
    enabled : bool, default True
        False reports nothing (quiet). Library functions take ``progress=False``
        by default and pass it here.
    stream : file, optional
        Where to write; stderr by default.
    style : {"bar", "lines", "off"}, optional
        Forced style; by default :func:`progress_style` picks from the stream.
    every : float, default 5.0
        In ``"lines"`` style, the fewest seconds between two lines (the
        first and last step are always written).
    """

    def __init__(self, label: str, total: int | None = None, *, enabled: bool = True,
                 stream: TextIO | None = None, style: Style | None = None,
                 every: float = 5.0) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.every = every
        self._stream = sys.stderr if stream is None else stream
        self._style: Style = style or progress_style(enabled, self._stream)
        if not enabled:
            self._style = "off"
        self._start = time.perf_counter()
        self._last_line = float("-inf")
        self._detail = ""

    # -- reporting --------------------------------------------------------------------------
    def advance(self, steps: int = 1, *, detail: str = "") -> None:
        """Count ``steps`` more steps done; ``detail`` names the one now reached."""
        self.done += steps
        self._detail = detail
        if self._style == "off":
            return
        now = time.perf_counter()
        last = self.total is not None and self.done >= self.total
        if self._style == "lines":
            if last or self.done == steps or now - self._last_line >= self.every:
                self._write_line(self._text(now) + "\n")
                self._last_line = now
        else:
            self._write_line("\r" + self._text(now) + "\x1b[K")

    def note(self, detail: str) -> None:
        """Say what is being done now without counting a step (a section's title)."""
        self._detail = detail
        if self._style == "bar":
            self._write_line("\r" + self._text(time.perf_counter()) + "\x1b[K")
        elif self._style == "lines":
            self._write_line(f"{self.label}: {detail}\n")
            self._last_line = time.perf_counter()

    def close(self, ok: bool = True) -> None:
        """Finish the report: a last line with the count and the time taken."""
        if self._style == "off":
            return
        elapsed = _seconds(time.perf_counter() - self._start)
        count = f"{self.done}/{self.total}" if self.total is not None else f"{self.done}"
        word = "done" if ok else "stopped"
        end = "\r" if self._style == "bar" else ""
        tail = "\x1b[K" if self._style == "bar" else ""
        self._write_line(f"{end}{self.label}: {word}, {count} ({elapsed}){tail}\n")

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind, value, tb) -> None:
        self.close(ok=kind is None)

    # -- helpers ----------------------------------------------------------------------------
    def _text(self, now: float) -> str:
        elapsed = _seconds(now - self._start)
        detail = f" {self._detail}" if self._detail else ""
        if self.total:
            share = min(self.done / self.total, 1.0)
            filled = round(share * _WIDTH)
            if self._style == "bar":
                bar = "#" * filled + "." * (_WIDTH - filled)
                return f"{self.label} [{bar}] {self.done}/{self.total}{detail} ({elapsed})"
            return f"{self.label}: {self.done}/{self.total}{detail} ({elapsed})"
        return f"{self.label}: {self.done}{detail} ({elapsed})"

    def _write_line(self, text: str) -> None:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):  # a closed pipe never stops the work
            self._style = "off"


def _seconds(s: float) -> str:
    """``12.3 s`` under a minute, ``2 min 05 s`` above."""
    if s < 60:
        return f"{s:.1f} s"
    return f"{int(s // 60)} min {int(s % 60):02d} s"
