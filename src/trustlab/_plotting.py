"""Plotting ground: the Display base every drawn result builds on, and the helpers plots share.

A :class:`Display` holds what it draws (the tidy ``data`` frame and, where a chart needs
more, the result it came from) and draws it on any axes with :meth:`Display.plot`, as
scikit-learn's Display objects do (``sklearn/metrics/_plot/confusion_matrix.py``): made
first, drawn by ``plot(ax=None)``, which records ``ax_`` and ``figure_`` and returns the
display, so ``d = result.plot(); d.plot(ax=other)`` draws the same chart again.

The helpers are the ones more than one package draws with: :func:`axes_for` (a figure's
panels), :func:`note` (a panel that says why there is nothing to draw), :func:`literal`
(data text drawn as written, never as mathtext) and :func:`window_label` (the x label of a
chart over time windows). matplotlib is imported only when something is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._errors import DataError, Problem

if TYPE_CHECKING:  # matplotlib is imported when a plot is drawn, not with trustlab
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["Display", "axes_for", "literal", "note", "window_label"]


class Display:
    """A chart that holds its data and draws it, again, on any axes.

    A subclass sets what it draws in its constructor (at least :attr:`data`) and
    implements ``_draw(ax, **options)``: draw on ``ax`` (None: a new figure; a
    multi-panel chart may take a sequence of Axes or split one Axes) and return the
    Axes drawn on, one or a sequence (the first becomes :attr:`ax_`). A subclass
    with more than one panel names them in further attributes (``value_ax_``,
    ``axes_``) that its ``_draw`` sets.

    Attributes
    ----------
    data : pandas.DataFrame
        The tidy frame the chart draws.
    source : object or None
        The result the display was made from, when the chart needs more than
        :attr:`data` (its policy's currency, its window, its thresholds).
    options : dict
        The drawing options of the last :meth:`plot` (each later :meth:`plot`
        starts from them, so a redraw draws the same chart).
    ax_ : matplotlib.axes.Axes or None
        The (first) Axes drawn on; None until :meth:`plot` has drawn.
    figure_ : matplotlib.figure.Figure or None
        The figure drawn on; None until :meth:`plot` has drawn.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> class Bars(Display):
    ...     def __init__(self, data):
    ...         self.data = data
    ...     def _draw(self, ax, color="grey"):
    ...         if ax is None:
    ...             _, ax = plt.subplots()
    ...         ax.bar(self.data["x"], self.data["y"], color=color)
    ...         return ax
    >>> d = Bars(pd.DataFrame({"x": ["a", "b"], "y": [1, 2]})).plot(color="red")
    >>> fig, other = plt.subplots()
    >>> d.plot(ax=other).ax_ is other, len(other.patches), d.options
    (True, 2, {'color': 'red'})
    >>> plt.close("all")
    """

    data: pd.DataFrame  # set by the subclass (annotations only: a dataclass subclass
    source: Any         # must not see them as defaults)
    ax_: Axes | None = None
    figure_: Figure | None = None

    @property
    def options(self) -> dict:
        """The drawing options of the last :meth:`plot` (or those the display was made with)."""
        return dict(self.__dict__.get("_options") or {})

    def plot(self, ax=None, **options):
        """Draw the chart on ``ax`` (default: a new figure) and return the display.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw. Charts with more than one panel also take a sequence
            of Axes (one per panel) or split one Axes into panels.
        **options
            The chart's own drawing options (see the subclass); options not
            given are those of the last drawing.

        Returns
        -------
        Display
            ``self``, with :attr:`ax_` and :attr:`figure_` set.
        """
        options = {**self.options, **options}
        drawn = self._draw(ax, **options)
        first = drawn[0] if isinstance(drawn, (list, tuple)) else drawn
        self.__dict__["_options"] = options
        self.ax_ = first
        self.figure_ = first.figure if first is not None else None
        return self

    def _draw(self, ax, **options):  # pragma: no cover - every display overrides it
        raise NotImplementedError(f"{type(self).__name__} must implement _draw(ax, **options)")

    @property
    def frame(self) -> pd.DataFrame | None:
        """The tidy frame drawn (:attr:`data`)."""
        return getattr(self, "data", None)

    def __repr__(self) -> str:
        drawn = "drawn" if self.ax_ is not None else "not drawn"
        data = getattr(self, "data", None)
        rows = "" if data is None else f"rows={len(data)}, "
        return f"{type(self).__name__}({rows}{drawn})"


class ResultDisplay(Display):
    """A display whose chart its result draws: ``source._draw_on(ax)`` draws on ``ax`` (None:
    a new figure) and returns the Axes. For a result with one simple chart; it holds the
    result (and its frame as :attr:`data`) and redraws on any Axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> class Counts:
    ...     frame = pd.DataFrame({"x": ["a", "b"], "y": [1, 2]})
    ...     def _draw_on(self, ax):
    ...         ax = ax if ax is not None else plt.subplots()[1]
    ...         ax.bar(self.frame["x"], self.frame["y"])
    ...         return ax
    >>> d = ResultDisplay(Counts()).plot()
    >>> fig, other = plt.subplots()
    >>> d.plot(ax=other).ax_ is other, len(other.patches)
    (True, 2)
    >>> plt.close("all")
    """

    def __init__(self, result):
        self.source = result
        self.data = result.frame

    def _draw(self, ax):
        return self.source._draw_on(ax)


def axes_for(ax, n: int, figsize: tuple[float, float], layout: tuple[int, int]):
    """``n`` panels to draw on: a new figure, ``ax``'s area split, or the Axes given.

    Parameters
    ----------
    ax : None, matplotlib Axes or sequence of Axes
        None makes a figure of ``layout``; one Axes (made with ``plt.subplots``)
        has its area split into ``layout``; a sequence gives one Axes per panel.
    n : int
        Panels needed.
    figsize : tuple of float
        Size of a new figure.
    layout : tuple of int
        Rows and columns of panels.

    Returns
    -------
    tuple
        ``(figure, list of n Axes)``.

    Raises
    ------
    trustlab.DataError
        When fewer than ``n`` Axes are given, or one Axes that cannot be split.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, axes = axes_for(None, 3, (8, 6), (2, 2))
    >>> len(axes), len(fig.axes)
    (3, 3)
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    if ax is None:
        fig, grid = plt.subplots(*layout, figsize=figsize, squeeze=False)
        axes = list(grid.ravel())
        for extra in axes[n:]:
            extra.remove()
        return fig, axes[:n]
    if isinstance(ax, (list, tuple, np.ndarray)):
        axes = list(np.ravel(ax))
        if len(axes) < n:
            raise DataError("plot", [Problem("ax", f"holds {len(axes)} axes; this plot draws {n} "
                                                   f"panels, so give {n} axes, one Axes to split, "
                                                   f"or None")])
        return axes[0].figure, axes[:n]
    spec = ax.get_subplotspec() if hasattr(ax, "get_subplotspec") else None
    if spec is None:
        raise DataError("plot", [Problem("ax", "is not an Axes made by plt.subplots, so its area "
                                               f"cannot be split into {n} panels; give {n} axes "
                                               "or None")])
    fig = ax.figure
    grid = spec.subgridspec(*layout)
    ax.remove()
    return fig, [fig.add_subplot(grid[i]) for i in range(n)]


def literal(text: str) -> str:
    r"""``text`` escaped so that matplotlib draws it as written, never as mathtext.

    matplotlib reads text between two unescaped ``$`` as maths, and raises on maths it cannot
    parse (a segment value ``$x^{$``); every label made from data goes through here.

    Examples
    --------
    >>> literal("$x^{$")
    '\\$x^{\\$'
    >>> literal("Total ($)"), literal("grade A")
    ('Total ($)', 'grade A')
    """
    text = str(text)
    if "$" not in text:
        return text
    if (text.count("$") - text.count(r"\$")) % 2 == 1 and r"\$" not in text:
        return text  # one lone dollar is shown as written
    return text.replace("$", r"\$")


def note(ax, text: str, title: str) -> None:
    """Title ``ax`` and say in its middle why it has nothing drawn (no ticks).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> note(ax, "No decisions.", "Value")
    >>> ax.get_title(), ax.texts[0].get_text()
    ('Value', 'No decisions.')
    >>> plt.close(fig)
    """
    ax.set_title(title)
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, transform=ax.transAxes,
            color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])


def window_label(window) -> str:
    """The x label of a chart over time windows: where each window starts.

    ``window`` is anything with ``count`` and ``unit_words`` (a policy's
    ``outcomes.window``, a :class:`trustlab._time.Window`).

    Examples
    --------
    >>> from types import SimpleNamespace as W
    >>> window_label(W(count=1, unit_words="day")), window_label(W(count=7, unit_words="day"))
    ('Start of each day', 'Start of each 7-day window')
    """
    if window.count == 1:
        return f"Start of each {window.unit_words}"
    return f"Start of each {window.count}-{window.unit_words} window"
