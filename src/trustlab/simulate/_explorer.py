"""An interactive explorer of a policy's review band, for notebooks.

Two sliders move the thresholds of the approve rule and the decline rule (the
band between them goes to people), a third sets how many reviews the team can
do per window, and a dropdown picks the segment column. On every change the
explorer replays the edited policy and redraws what the policy would have
been worth, the review workload against the capacity, and the share of
favourable decisions by segment.

All the work is in plain functions that take values and return data or
figures — :func:`band_policy`, :func:`band_crossing`, :func:`explorer_state`,
:func:`explorer_figure` (whose display moves its artists to another state with
:meth:`ExplorerDisplay.update`) and :func:`explorer_html` — so it is tested
without a browser; :class:`PolicyExplorer` only wires ipywidgets to them
(imported when an explorer is made).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from .._extras import require
from .._explore import Explorer, change_note, checks_table, numbers_table
from .._format import axis_label, format_number
from .._validate import SEED, Interval, Real, Text, validate_params
from ..metrics import currency_of, format_metric
from .._time import window_starts
from ..policy import Policy
from ._edit import rule_threshold, with_threshold
from ..metrics import MIN_SEGMENT_ROWS
from ._plots import _ALERT, _BAD, _GOOD, _NEUTRAL, _UNKNOWN, MAX_SEGMENTS_SHOWN, _by_action, \
    _fmt_value, _segment_columns, _segment_rates, _value_formatter, window_words
from ._replay import Replay, replay

__all__ = ["ExplorerState", "ExplorerDisplay", "PolicyExplorer", "band_crossing", "band_policy",
           "explorer_state", "explorer_figure", "explorer_html"]

_LOW = ("<", "<=")


_THRESHOLD = Interval(Real, None, None, name="a finite number", hint="the rule's threshold")


@validate_params({"approve": [_THRESHOLD], "decline": [_THRESHOLD]})
def band_policy(policy: Policy, approve_rule: str, decline_rule: str, approve: float,
                decline: float) -> Policy:
    """``policy`` with the thresholds of ``approve_rule`` and ``decline_rule`` moved.

    Each rule must compare one of the policy's signals with a number once
    (see :func:`trustlab.simulate._edit.with_threshold`).

    Raises
    ------
    trustlab.ParameterError
        When a threshold is not a finite number.
    trustlab.DataError
        When the two rules are the same.
    trustlab.PolicyError
        When a rule does not exist or has no single threshold.

    Examples
    --------
    >>> import trustlab
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> q = band_policy(p, "low-risk", "high-risk", 0.1, 0.3)
    >>> [r.when_text for r in q.rules[2:4]]
    ['p_default >= 0.3', 'p_default < 0.1 and debt_to_income < 40']
    """
    problems = []
    if approve_rule == decline_rule:
        problems.append(Problem("decline_rule", f"is the same rule as approve_rule "
                                                f"({approve_rule!r}); name the rule that "
                                                f"declines, e.g. 'high-risk'"))
    if problems:
        raise DataError("band_policy", problems)
    rule_threshold(policy, approve_rule)  # a PolicyError names a missing rule first
    rule_threshold(policy, decline_rule)
    return with_threshold(with_threshold(policy, approve_rule, float(approve)), decline_rule,
                          float(decline))


def band_crossing(policy: Policy, approve_rule: str, decline_rule: str) -> str | None:
    """Why the band between the two rules' lines is empty or inverted, in words; None when
    the lines leave a band between them (or compare different columns).

    Two lines on one column cross when the cases one rule takes overlap the cases the other
    takes (in a risk policy: the approve line above the decline line); the rule listed first
    then decides the overlap and no case is left between the lines.

    Examples
    --------
    >>> import trustlab
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> band_crossing(p, "low-risk", "high-risk") is None
    True
    >>> print(band_crossing(band_policy(p, "low-risk", "high-risk", 0.4, 0.3),
    ...                     "low-risk", "high-risk"))  # doctest: +NORMALIZE_WHITESPACE
    The lines cross: the 'low-risk' line (p_default < 0.4) is above the 'high-risk' line
    (p_default >= 0.3). Cases with p_default from 0.3 to 0.4 meet both thresholds; 'high-risk',
    listed first, decides them, and none is left between the lines for a person.
    """
    a, d = rule_threshold(policy, approve_rule), rule_threshold(policy, decline_rule)
    if a.column != d.column:
        return None
    col = a.column
    ids = [r.id for r in policy.rules]
    first = min((approve_rule, decline_rule), key=ids.index)
    if (a.op in _LOW) == (d.op in _LOW):
        side = "low" if a.op in _LOW else "high"
        return (f"Both lines take the {side} side of {col} ('{approve_rule}': {col} {a.op} "
                f"{a.value:g}; '{decline_rule}': {col} {d.op} {d.value:g}): no case is left "
                f"between them, and '{first}', listed first, decides the cases both take.")
    low, high = (a, d) if a.op in _LOW else (d, a)  # low takes x below its line, high above
    if high.value < low.value or (high.value == low.value and low.op == "<=" and
                                  high.op == ">="):
        where = "above" if high.value < low.value else "on"
        return (f"The lines cross: the '{low.rule}' line ({col} {low.op} {low.value:g}) is "
                f"{where} the '{high.rule}' line ({col} {high.op} {high.value:g}). Cases with "
                f"{col} from {high.value:g} to {low.value:g} meet both thresholds; '{first}', "
                f"listed first, decides them, and none is left between the lines for a person.")
    if high.value == low.value:
        return (f"The lines meet at {col} {low.value:g}: no case is left between them for a "
                f"person.")
    return None


@dataclass(frozen=True, eq=False)
class ExplorerState:
    """What the explorer shows for one set of slider values.

    Attributes
    ----------
    policy : Policy
        The edited policy.
    replay : Replay
        Its replay over the data.
    approve_rule, decline_rule : str
    approve, decline : float
        The thresholds.
    capacity : float or None
        Reviews the team can do per window.
    segment : str or None
        The segment column shown.
    value_total, value_per_decision, automation_rate, favourable_rate, bad_rate_favourable : float
        Overall metrics of the replay (NaN with the replay's reason when
        they cannot be computed).
    reviews : int
        Decisions sent to a person.
    peak_reviews_per_window : float
        NaN without time windows.
    reviews_per_window : pandas.Series or None
        Reviews in every window (None without time windows).
    windows_over_capacity, reviews_over_capacity : int or None
        Windows with more reviews than ``capacity``, and the reviews above
        it summed over them (None without a capacity or windows).
    value_by_action : pandas.DataFrame
        Per action: ``decisions``, ``value_total``.
    segment_rates : pandas.DataFrame or None
        Per segment of ``segment``: ``decisions``, ``favourable_rate``.
    crossing : str or None
        Why the band is empty or inverted (:func:`band_crossing`), in words.
    """

    policy: Policy
    replay: Replay
    approve_rule: str
    decline_rule: str
    approve: float
    decline: float
    capacity: float | None
    segment: str | None
    value_total: float
    value_per_decision: float
    automation_rate: float
    favourable_rate: float
    bad_rate_favourable: float
    reviews: int
    peak_reviews_per_window: float
    reviews_per_window: pd.Series | None
    windows_over_capacity: int | None
    reviews_over_capacity: int | None
    value_by_action: pd.DataFrame
    segment_rates: pd.DataFrame | None
    crossing: str | None = None

    def __repr__(self) -> str:
        return (f"ExplorerState({self.approve_rule} {self.approve:g}, {self.decline_rule} "
                f"{self.decline:g}: value_total={self.value_total:,.0f}, "
                f"automation_rate={self.automation_rate:.3f}, reviews={self.reviews})")


@validate_params({"approve": [_THRESHOLD], "decline": [_THRESHOLD],
                  "capacity": [None, Interval(Real, 0, None, hint="reviews per window")],
                  "segment": [None, Text()], "seed": [SEED]})
def explorer_state(policy: Policy, data: pd.DataFrame, approve_rule: str, decline_rule: str,
                   approve: float, decline: float, capacity: float | None = None,
                   segment: str | None = None, *, seed: int = 0,
                   replayed: Replay | None = None) -> ExplorerState:
    """Replay the policy with the band's thresholds moved, and gather what the explorer shows.

    Parameters
    ----------
    policy : Policy
        With an ``outcomes`` section.
    data : pandas.DataFrame
        History, as for :func:`~trustlab.simulate.replay`.
    approve_rule, decline_rule : str
        Ids of the rules whose thresholds move (each compares one signal with
        a number).
    approve, decline : float
        Their new thresholds.
    capacity : float, optional
        Reviews the team can do per window.
    segment : str, optional
        Column of ``data`` whose segments' favourable rates are shown.
    seed : int, default 0
        Seeds the simulated reviewer.
    replayed : Replay, optional
        A replay of the edited policy already made over ``data`` (with
        ``segment`` among its segment columns): used instead of replaying.

    Returns
    -------
    ExplorerState

    Raises
    ------
    trustlab.ParameterError
        For a threshold, capacity, segment or seed of the wrong type or range.
    trustlab.DataError
        For a segment the data lacks, or a ``replayed`` of another policy.
    trustlab.PolicyError
        When a rule does not exist or has no single threshold.

    Examples
    --------
    >>> import trustlab
    >>> from trustlab.datasets import make_history
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> h = make_history(n_days=14, applications_per_day=40, seed=0)
    >>> wide = explorer_state(p, h, "low-risk", "high-risk", 0.05, 0.5, capacity=30)
    >>> narrow = explorer_state(p, h, "low-risk", "high-risk", 0.12, 0.25, capacity=30)
    >>> wide.reviews > narrow.reviews, wide.windows_over_capacity >= narrow.windows_over_capacity
    (True, True)
    """
    edited = band_policy(policy, approve_rule, decline_rule, approve, decline)
    problems = []
    if segment is not None and segment not in data.columns:
        problems.append(Problem("segment", f"{segment!r} is not a column of the data; columns: "
                                           f"{', '.join(map(str, data.columns))}"))
    if problems:
        raise DataError("explorer_state", problems)
    if replayed is None:
        r = replay(edited, data, seed=seed, segments=() if segment is None else (segment,))
    else:
        if replayed.policy.content_hash != edited.content_hash or len(replayed.decisions) != \
                len(data):
            raise DataError("explorer_state", [Problem(
                "replayed", "is not a replay of the edited policy over this data; leave it None "
                            "to replay")])
        if segment is not None and segment not in _segment_columns(replayed):
            raise DataError("explorer_state", [Problem(
                "replayed", f"has no segment column {segment!r}; replay with "
                            f"segments=({segment!r},) or leave it None")])
        r = replayed
    s = r.summary().set_index("metric")["value"]
    human = ~r.decisions["automated"].to_numpy(dtype=bool)
    per_window = r.reviews_per_window() if r.window_span is not None else None
    over = excess = None
    if per_window is not None and capacity is not None:
        counts = per_window.to_numpy(dtype=float)
        over = int((counts > capacity).sum())
        excess = int(np.ceil(np.clip(counts - capacity, 0, None).sum()))
    by_action = _by_action(r)[["decisions", "value_total"]]
    rates = None
    if segment is not None:
        rates = r.segments(segment, ("decisions", "favourable_rate"))
    return ExplorerState(
        policy=edited, replay=r, approve_rule=approve_rule, decline_rule=decline_rule,
        approve=float(approve), decline=float(decline),
        capacity=None if capacity is None else float(capacity), segment=segment,
        value_total=float(s["value_total"]), value_per_decision=float(s["value_per_decision"]),
        automation_rate=float(s["automation_rate"]), favourable_rate=float(s["favourable_rate"]),
        bad_rate_favourable=float(s["bad_rate_favourable"]), reviews=int(human.sum()),
        peak_reviews_per_window=float(s["peak_reviews_per_window"]),
        reviews_per_window=per_window, windows_over_capacity=over, reviews_over_capacity=excess,
        value_by_action=by_action, segment_rates=rates,
        crossing=band_crossing(edited, approve_rule, decline_rule))


@dataclass(frozen=True, eq=False)
class ExplorerDisplay:
    """The explorer's drawn panels: ``value_ax_``, ``reviews_ax_``, ``segment_ax_``, ``figure_``.

    :meth:`update` moves the drawn artists (bar heights, the workload steps, the capacity
    line, the segment bars, the titles) to another state of the same data, so a slider
    costs one render of the figure, not new axes and a new layout.
    """

    value_ax_: object
    reviews_ax_: object
    segment_ax_: object
    figure_: object
    artists_: dict = field(default_factory=dict, repr=False)

    def update(self, state: ExplorerState) -> ExplorerDisplay:
        """Show ``state`` (of the data first drawn) by moving the drawn artists; a change of
        segment column draws that panel anew. Returns the display itself.

        Examples
        --------
        >>> import trustlab
        >>> from trustlab.datasets import make_history
        >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
        >>> h = make_history(n_days=14, applications_per_day=40, seed=0)
        >>> d = explorer_figure(explorer_state(p, h, "low-risk", "high-risk", 0.1, 0.3))
        >>> s = explorer_state(p, h, "low-risk", "high-risk", 0.05, 0.3)
        >>> bars = d.artists_["value"]["bars"]
        >>> d.update(s).artists_["value"]["bars"] is bars
        True
        >>> [b.get_height() for b in bars] == s.value_by_action["value_total"].tolist()
        True
        """
        a = self.artists_
        _update_value(self.value_ax_, a["value"], state)
        if a["reviews"] is not None:
            _update_reviews(self.reviews_ax_, a["reviews"], state)
        if a["segment"]["by"] != state.segment:
            self.segment_ax_.clear()
            a["segment"] = _draw_segment_panel(self.segment_ax_, state)
            self.figure_.tight_layout(rect=(0, 0, 1, 0.93))
        _update_segments(self.segment_ax_, a["segment"], state)
        _update_titles(a["titles"], state)
        return self


def _update_titles(titles: dict, state: ExplorerState) -> None:
    band = {x.id: x.when_text for x in state.policy.rules}
    titles["band"].set_text(f"{state.approve_rule}: {band[state.approve_rule]}    |    "
                            f"{state.decline_rule}: {band[state.decline_rule]}")
    titles["crossing"].set_text("" if state.crossing is None else
                                "The lines cross or meet: no case is left between them "
                                "(see the numbers)")


def _draw_value_panel(ax, state: ExplorerState) -> dict:
    names = [str(a) for a in state.value_by_action.index]
    bars = ax.bar(names, np.zeros(len(names)), color=_GOOD)
    labels = [ax.annotate("", xy=(i, 0.0), xytext=(0, 3), textcoords="offset points",
                          ha="center", va="bottom", fontsize=8) for i in range(len(names))]
    ax.axhline(0, color="black", linewidth=0.8)
    ax.yaxis.set_major_formatter(_value_formatter())
    ax.set_xlabel("Action")
    ax.set_ylabel(axis_label("Total value", "money", currency=currency_of(state.policy)))
    note = ax.text(0.5, 0.5, "No decision could be valued: no observed outcomes.", ha="center",
                   va="center", wrap=True, transform=ax.transAxes, color="#555555",
                   visible=False)
    return {"bars": bars, "labels": labels, "note": note}


def _update_value(ax, h: dict, state: ExplorerState) -> None:
    t = state.value_by_action
    cur = currency_of(state.policy)
    totals = t["value_total"].to_numpy(dtype=float)
    title = "Value of decisions by action"
    valued = bool(np.isfinite(state.value_per_decision))
    for bar, label, v, n in zip(h["bars"], h["labels"], totals, t["decisions"]):
        bar.set_height(v if valued else 0.0)
        bar.set_color(_GOOD if v >= 0 else _BAD)
        label.xy = (bar.get_x() + bar.get_width() / 2, v if valued else 0.0)
        label.set_text(f"{_fmt_value(v, cur)}\n({format_number(n, 'count')} decisions)"
                       if valued else "")
        label.set_va("bottom" if v >= 0 else "top")
        label.xyann = (0, 3 if v >= 0 else -3)
    h["note"].set_visible(not valued)
    lo, hi = (min(0.0, totals.min(initial=0.0)), max(0.0, totals.max(initial=0.0))) if valued \
        else (0.0, 0.0)
    pad = 0.25 * (hi - lo) or 1.0
    ax.set_ylim(lo - pad if lo < 0 else 0.0, hi + pad if hi > 0 or lo == 0 else 0.0)
    ax.set_title(f"{title}\n(total {_fmt_value(float(totals.sum()), cur)})" if valued else title)


def _draw_reviews_panel(ax, state: ExplorerState) -> dict | None:
    import matplotlib.dates as mdates

    per = window_words(state.policy) or "window"
    title = f"Reviews per {per}"
    r = state.replay
    if r.window_span is None:
        ax.set_title(title)
        ax.text(0.5, 0.5, "No time windows: the policy needs `columns.time` and "
                          "`outcomes.window`.", ha="center", va="center", wrap=True,
                transform=ax.transAxes, color="#555555")
        ax.set_xticks([])
        ax.set_yticks([])
        return None
    lo, hi = r.window_span
    bounds = window_starts(np.arange(lo, hi + 2), state.policy.outcomes.window)  # months vary
    edges = mdates.date2num(bounds.to_numpy())
    y = np.zeros(len(edges) - 1)
    steps = ax.stairs(y, edges, fill=True, color=_NEUTRAL, alpha=0.8, label="Reviews")
    over = ax.stairs(y, edges, baseline=y, fill=True, color=_ALERT, label="_over")
    cap = ax.axhline(0, color="black", linestyle="--", linewidth=1, label="_capacity")
    peak, = ax.plot([np.nan], [np.nan], marker="v", color="black", linestyle="none",
                    label="_busiest")
    ax.xaxis_date()
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=6))
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.set_xlim(edges[0], edges[-1])
    ax.set_title(f"{title} (human workload)")
    ax.set_xlabel("Date")
    ax.set_ylabel(f"Reviews per {per}")
    return {"steps": steps, "over": over, "capacity": cap, "peak": peak, "edges": edges,
            "per": per}


def _update_reviews(ax, h: dict, state: ExplorerState) -> None:
    per, edges = h["per"], h["edges"]
    y = state.reviews_per_window.to_numpy(dtype=float)
    h["steps"].set_data(y)
    capacity = state.capacity
    over = y > capacity if capacity is not None else np.zeros(len(y), dtype=bool)
    h["over"].set_data(y, baseline=np.where(over, capacity if capacity is not None else 0, y))
    h["over"].set_visible(bool(over.any()))
    h["over"].set_label((f"Above capacity ({int(over.sum())} {per}s)" if " " not in per
                         else "Above capacity") if over.any() else "_over")
    h["capacity"].set_visible(capacity is not None)
    if capacity is not None:
        h["capacity"].set_ydata([capacity, capacity])
        h["capacity"].set_label(f"Capacity: {capacity:,.0f} per {per}")
    else:
        h["capacity"].set_label("_capacity")
    peak = int(y.max(initial=0))
    if len(y):
        i = int(np.argmax(y))
        h["peak"].set_data([(edges[i] + edges[i + 1]) / 2], [peak])
        h["peak"].set_label(f"Busiest {per}: {peak:,} "
                            f"({state.reviews_per_window.index[i]:%Y-%m-%d})")
    ax.set_ylim(0, max(peak, capacity or 0) * 1.45 or 1)  # room for the legend
    ax.legend(loc="upper left", frameon=False, fontsize=8)


def _draw_segment_panel(ax, state: ExplorerState) -> dict:
    fav = [a.name for a in state.policy.actions if a.favourable]
    what = " or ".join(fav) or "favourable"
    by = state.segment
    if by is None:
        ax.set_title("Favourable decisions by segment")
        ax.text(0.5, 0.5, "No segment columns: add `segments:` to the policy.", ha="center",
                va="center", wrap=True, transform=ax.transAxes, color="#555555")
        ax.set_xticks([])
        ax.set_yticks([])
        return {"by": None}
    t = _segment_rates(state.replay, by)  # decisions per segment are the data's: fixed
    shown = t.head(MAX_SEGMENTS_SHOWN).sort_index()
    small = (shown["decisions"] < MIN_SEGMENT_ROWS).to_numpy()
    bars = ax.barh(shown.index.astype(str), np.zeros(len(shown)),
                   color=[_UNKNOWN if s else _GOOD for s in small])
    texts = [ax.text(0, y, "", va="center", fontsize=8) for y in range(len(shown))]
    overall = ax.axvline(0, color="black", linestyle="--", linewidth=1, label="_overall")
    ax.invert_yaxis()
    ax.set_xlim(0, 1.15)
    from matplotlib.ticker import PercentFormatter

    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    more = f", largest {MAX_SEGMENTS_SHOWN} of {len(t)}" if len(t) > len(shown) else ""
    ax.set_title(f"Share decided '{what}' by {by}{more}")
    ax.set_xlabel(f"Share of decisions that are '{what}'")
    ax.set_ylabel(by)
    small_patch = None
    if small.any():
        from matplotlib.patches import Patch

        small_patch = Patch(color=_UNKNOWN, label=f"Fewer than {MIN_SEGMENT_ROWS} decisions")
    return {"by": by, "segments": shown.index, "bars": bars, "texts": texts,
            "overall": overall, "small": small_patch}


def _update_segments(ax, h: dict, state: ExplorerState) -> None:
    if h["by"] is None:
        return
    t = state.segment_rates.reindex(h["segments"])
    for bar, text, rate, n in zip(h["bars"], h["texts"], t["favourable_rate"],
                                  t["decisions"]):
        ok = bool(np.isfinite(rate))
        bar.set_width(rate if ok else 0.0)
        inside = ok and rate > 0.6  # a long bar holds its label, which then stays in the axes
        text.set_position((rate if ok else 0.0, text.get_position()[1]))
        text.set_text(f"{rate:.0%} of {int(n):,} " if inside else
                      (f" {rate:.0%} of {int(n):,}" if ok else " no decisions"))
        text.set_ha("right" if inside else "left")
        text.set_color("white" if inside else "black")
    overall = state.favourable_rate
    h["overall"].set_visible(bool(np.isfinite(overall)))
    if np.isfinite(overall):
        h["overall"].set_xdata([overall, overall])
        h["overall"].set_label(f"All decisions: {overall:.1%}")
    handles = [h["overall"]] if np.isfinite(overall) else []
    if h["small"] is not None:
        handles.append(h["small"])
    ax.legend(handles=handles, loc="lower right", frameon=False, fontsize=8)


def explorer_figure(state: ExplorerState, figure=None) -> ExplorerDisplay:
    """Draw value by action, reviews per window against capacity, and segment rates.

    Parameters
    ----------
    state : ExplorerState
    figure : matplotlib Figure, optional
        Cleared and drawn on (the explorer reuses one); by default a new
        :class:`matplotlib.figure.Figure`, not registered with pyplot.

    Returns
    -------
    ExplorerDisplay
        Whose :meth:`~ExplorerDisplay.update` shows another state in place.

    Examples
    --------
    >>> import trustlab
    >>> from trustlab.datasets import make_history
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> h = make_history(n_days=14, applications_per_day=40, seed=0)
    >>> s = explorer_state(p, h, "low-risk", "high-risk", 0.1, 0.3, capacity=30, segment="grade")
    >>> d = explorer_figure(s)
    >>> d.reviews_ax_.get_ylabel(), d.segment_ax_.get_ylabel()
    ('Reviews per day', 'grade')
    """
    from matplotlib.figure import Figure

    fig = figure if figure is not None else Figure(figsize=(14, 4.2))
    fig.clear()
    vax, rax, sax = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1.6, 1.2]})
    titles = {"band": fig.suptitle("", fontsize=10, y=0.995),
              "crossing": fig.text(0.5, 0.945, "", ha="center", va="top", fontsize=9,
                                   color="#c62828", fontweight="bold")}
    artists = {"value": _draw_value_panel(vax, state),
               "reviews": _draw_reviews_panel(rax, state),
               "segment": _draw_segment_panel(sax, state), "titles": titles}
    d = ExplorerDisplay(vax, rax, sax, fig, artists)
    d.update(state)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    return d


def _shown(state: ExplorerState, name: str) -> str:
    """Metric ``name`` of the explorer's state as its kind reads, with the reason when n/a."""
    v = getattr(state, name)
    why = None
    if not np.isfinite(v):
        s = state.replay.summary().set_index("metric")
        why = str(s.loc[name, "reason"]) if name in s.index else None
    return format_metric(name, v, currency=currency_of(state.policy), reason=why or None)


def explorer_html(state: ExplorerState, reference: ExplorerState | None = None, *,
                  checks: bool = False) -> str:
    """The explorer's headline numbers as an HTML table, with changes against ``reference``.

    The table's caption names the thresholds, capacity and segment column it was
    computed for; a crossing of the lines is said first, in red; with ``checks`` the
    policy's checks follow, each PASS or FAIL.

    Examples
    --------
    >>> import trustlab
    >>> from trustlab.datasets import make_history
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> h = make_history(n_days=14, applications_per_day=40, seed=0)
    >>> s = explorer_state(p, h, "low-risk", "high-risk", 0.1, 0.3, capacity=30)
    >>> "Total value" in explorer_html(s)
    True
    """
    per = window_words(state.policy) or "window"

    currency = currency_of(state.policy)

    def delta(now: float, then: float | None, kind: str) -> str:
        return change_note(now, then, kind, "the policy as written", currency)

    ref = reference
    rows = [
        ("Total value", _shown(state, "value_total"),
         delta(state.value_total, ref and ref.value_total, "money")),
        ("Value per decision", _shown(state, "value_per_decision"),
         delta(state.value_per_decision, ref and ref.value_per_decision, "money")),
        ("Decided automatically", _shown(state, "automation_rate"),
         delta(state.automation_rate, ref and ref.automation_rate, "share")),
        ("Favourable decisions", _shown(state, "favourable_rate"),
         delta(state.favourable_rate, ref and ref.favourable_rate, "share")),
        ("Bad outcomes among favourable", _shown(state, "bad_rate_favourable"),
         delta(state.bad_rate_favourable, ref and ref.bad_rate_favourable, "share")),
        ("Sent to a person", f"{state.reviews:,}", delta(state.reviews, ref and ref.reviews,
                                                         "count")),
    ]
    if np.isfinite(state.peak_reviews_per_window):
        cap = "" if state.capacity is None else f" (capacity {state.capacity:,.0f})"
        rows.append((f"Reviews on the busiest {per}", f"{state.peak_reviews_per_window:,.0f}{cap}",
                     delta(state.peak_reviews_per_window, ref and ref.peak_reviews_per_window,
                           "count")))
    if state.windows_over_capacity is not None:
        rows.append((f"{per.capitalize()}s over capacity" if " " not in per
                     else "Windows over capacity",
                     f"{state.windows_over_capacity:,} of {len(state.reviews_per_window):,} "
                     f"({state.reviews_over_capacity:,} reviews above capacity)", ""))
    band = {x.id: x.when_text for x in state.policy.rules}
    caption = (f"Computed for {state.approve_rule}: {band[state.approve_rule]}; "
               f"{state.decline_rule}: {band[state.decline_rule]}"
               + ("" if state.capacity is None else f"; capacity {state.capacity:,.0f} per {per}")
               + ("" if state.segment is None else f"; segments by {state.segment}"))
    cross = "" if state.crossing is None else (
        f"<p class='trustlab-crossing' style='color:#c62828;font-weight:bold;margin:4px 0'>"
        f"{escape(state.crossing)}</p>")
    table = numbers_table(rows, caption=caption)
    if not checks:
        return cross + table
    return (f"{cross}<div style='display:flex;flex-wrap:wrap;gap:8px 32px;align-items:flex-start'>"
            f"<div>{table}</div><div>{checks_table(state.replay.checks)}</div></div>")


class PolicyExplorer(Explorer):
    """Sliders for a policy's review band, redrawing value, workload, segment rates and checks.

    Parameters
    ----------
    policy : Policy
        With an ``outcomes`` section.
    data : pandas.DataFrame
        History, as for :func:`~trustlab.simulate.replay`.
    approve_rule, decline_rule : str
        Ids of the rules whose thresholds the sliders move (e.g. ``"low-risk"``
        and ``"high-risk"``); each compares one signal with a number.
    segments : sequence of str, optional
        The dropdown's segment columns (default: the policy's segments in the data).
    capacity : int, optional
        Starting review capacity per window (default: the policy's check on
        ``peak_reviews_per_window``, else the busiest window of the policy as
        written).
    seed : int, default 0

    Attributes
    ----------
    widget : ipywidgets.VBox
        The explorer; displaying the explorer displays it.
    state : ExplorerState
        What is shown now.
    reference : ExplorerState
        The policy as written, that changes are reported against.
    display : ExplorerDisplay
        The figure's panels, updated in place.
    last_update_seconds : float
        Time the last update took (replay, figure and image).

    Notes
    -----
    Sliders report while they move; the replay and the figure wait until they
    have been still for a quarter of a second (see :mod:`trustlab._explore`), and
    the status line reads "updating…" until the figure for the latest values is shown.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import trustlab
    >>> from trustlab.datasets import make_history
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> ex = PolicyExplorer(p, make_history(n_days=14, applications_per_day=40, seed=0),
    ...                     "low-risk", "high-risk")
    >>> before = ex.state.reviews
    >>> ex.update(approve=0.15).reviews < before
    True
    """

    def __init__(self, policy: Policy, data: pd.DataFrame, approve_rule: str, decline_rule: str,
                 *, segments=None, capacity: int | None = None, seed: int = 0):
        w = require("ipywidgets", "The interactive explorers")

        self.policy, self.data, self.seed = policy, data, seed
        self.approve_rule, self.decline_rule = approve_rule, decline_rule
        a0 = rule_threshold(policy, approve_rule)
        d0 = rule_threshold(policy, decline_rule)
        self._ops = {"approve": (a0.column, a0.op), "decline": (d0.column, d0.op)}
        segs = tuple(policy.segments if segments is None else segments)
        missing = [c for c in segs if c not in data.columns]
        if missing:
            raise DataError("PolicyExplorer", [Problem(
                "segments", f"names columns the data lacks: {', '.join(missing)}; columns: "
                            f"{', '.join(map(str, data.columns))}")])
        self.segments = segs
        # the checks' segment columns are replayed too, so a check by one is judged, not
        # failed for want of it
        self._replayed_segments = tuple(dict.fromkeys(
            [*segs, *(c.by for c in policy.checks if c.by and c.by in data.columns)]))
        seg0 = segs[0] if segs else None
        self.reference = self._state(a0.value, d0.value, capacity, seg0)
        if capacity is None:
            capacity = next((c.at_most for c in policy.checks
                             if c.metric == "peak_reviews_per_window" and c.at_most is not None
                             and c.by is None), None)
        if capacity is None and np.isfinite(self.reference.peak_reviews_per_window):
            capacity = self.reference.peak_reviews_per_window
        windows = self.reference.reviews_per_window is not None

        def bounds(column: str) -> tuple[float, float, float]:
            sig = next((s for s in policy.signals if s.name == column), None)
            if sig is not None and sig.kind == "probability":
                return 0.0, 1.0, 0.005
            col = pd.to_numeric(data[column], errors="coerce")
            lo, hi = float(np.nanmin(col)), float(np.nanmax(col))
            return lo, hi, (hi - lo) / 200 or 1.0

        lo, hi, step = bounds(a0.column)
        approve = w.FloatSlider(value=a0.value, min=min(lo, a0.value), max=max(hi, a0.value),
                                step=step, description=f"{approve_rule}: {a0.column} {a0.op}",
                                readout_format=".3f")
        lo, hi, step = bounds(d0.column)
        decline = w.FloatSlider(value=d0.value, min=min(lo, d0.value), max=max(hi, d0.value),
                                step=step, description=f"{decline_rule}: {d0.column} {d0.op}",
                                readout_format=".3f")
        peak = self.reference.peak_reviews_per_window
        cap_max = int(max(10, 2 * (peak if np.isfinite(peak) else 0), 1.5 * (capacity or 0)))
        per = window_words(policy) or "window"
        cap = w.IntSlider(value=int(round(capacity or 0)), min=0, max=cap_max,
                          description=f"Review capacity per {per}", disabled=not windows)
        segment = w.Dropdown(options=list(segs) or [("(no segment columns)", None)], value=seg0,
                             description="Segments by", disabled=not segs)
        notes = []
        if not windows:
            notes.append("Review capacity is disabled: the policy has no time windows "
                         "(it needs columns.time and outcomes.window), so reviews per window "
                         "cannot be counted.")
        if not segs:
            notes.append("Segments by is disabled: the policy names no segment columns "
                         "(segments:) and none were given.")
        self.state = self.reference
        self._build(f"<b>Review band of {escape(policy.name)}@{escape(policy.version)}</b> on "
                    f"{len(data):,} past decisions — move a slider",
                    {"approve": approve, "decline": decline, "capacity": cap,
                     "segment": segment}, [["approve", "decline"], ["capacity", "segment"]],
                    notes=notes)

    # -------------------------------------------------------------- plumbing
    def _state(self, approve: float, decline: float, capacity, segment) -> ExplorerState:
        made = self._cached((float(approve), float(decline)), lambda: replay(
            band_policy(self.policy, self.approve_rule, self.decline_rule, approve, decline),
            self.data, seed=self.seed, segments=self._replayed_segments))
        return explorer_state(self.policy, self.data, self.approve_rule, self.decline_rule,
                              approve, decline, capacity, segment, seed=self.seed,
                              replayed=made)

    def _describe(self, values: dict) -> str:
        (ac, ao), (dc, do) = self._ops["approve"], self._ops["decline"]
        per = window_words(self.policy) or "window"
        cap = "" if self.reference.reviews_per_window is None else \
            f", capacity {values['capacity']:,} per {per}"
        seg = "" if values["segment"] is None else f", segments by {values['segment']}"
        return (f"{self.approve_rule} {ac} {ao} {values['approve']:.3f}, {self.decline_rule} "
                f"{dc} {do} {values['decline']:.3f}{cap}{seg}")

    def _render(self, values: dict) -> str:
        windows = self.reference.reviews_per_window is not None
        self.state = self._state(values["approve"], values["decline"],
                                 values["capacity"] if windows else None, values["segment"])
        if not self._drawn:
            self.display = explorer_figure(self.state, self._figure)
            self._drawn = True
        else:
            self.display.update(self.state)
        return explorer_html(self.state, self.reference, checks=True)

    # -------------------------------------------------------------- public
    def update(self, *, approve: float | None = None, decline: float | None = None,
               capacity: int | None = None, segment: str | None = None) -> ExplorerState:
        """Set any of the controls, then recompute and redraw once; returns the new state."""
        self.set(approve=approve, decline=decline, capacity=capacity, segment=segment)
        return self.state

    def __repr__(self) -> str:
        return f"PolicyExplorer({self.policy.name}, {self.approve_rule}, {self.decline_rule})"
