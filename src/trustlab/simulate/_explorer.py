"""An interactive explorer of a policy's review band, for notebooks.

Two sliders move the thresholds of the approve rule and the decline rule (the
band between them goes to people), a third sets how many reviews the team can
do per window, and a dropdown picks the segment column. On every change the
explorer replays the edited policy and redraws what the policy would have
been worth, the review workload against the capacity, and the share of
favourable decisions by segment.

All the work is in plain functions that take values and return data or
figures — :func:`band_policy`, :func:`explorer_state`, :func:`explorer_figure`
and :func:`explorer_html` — so it is tested without a browser;
:class:`PolicyExplorer` only wires ipywidgets to them (imported when an
explorer is made).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from .._explore import Explorer, change_note, numbers_table
from ..policy._spec import Policy
from ._edit import rule_threshold, with_threshold
from ._plots import _by_action, _draw_reviews, _draw_segments, _draw_value, _fmt_value, \
    _segment_columns, window_words
from ._replay import Replay, replay

__all__ = ["ExplorerState", "ExplorerDisplay", "PolicyExplorer", "band_policy",
           "explorer_state", "explorer_figure", "explorer_html"]


def _finite(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and \
        not isinstance(value, bool) and math.isfinite(value)


def band_policy(policy: Policy, approve_rule: str, decline_rule: str, approve: float,
                decline: float) -> Policy:
    """``policy`` with the thresholds of ``approve_rule`` and ``decline_rule`` moved.

    Each rule must compare one of the policy's signals with a number once
    (see :func:`trustlab.simulate._edit.with_threshold`).

    Raises
    ------
    trustlab.DataError
        When the two rules are the same or a threshold is not a finite number.
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
    for name, v in (("approve", approve), ("decline", decline)):
        if not _finite(v):
            problems.append(Problem(name, f"must be a finite number (the rule's threshold); "
                                          f"got {v!r}"))
    if problems:
        raise DataError("band_policy", problems)
    rule_threshold(policy, approve_rule)  # a PolicyError names a missing rule first
    rule_threshold(policy, decline_rule)
    return with_threshold(with_threshold(policy, approve_rule, float(approve)), decline_rule,
                          float(decline))


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

    def __repr__(self) -> str:
        return (f"ExplorerState({self.approve_rule} {self.approve:g}, {self.decline_rule} "
                f"{self.decline:g}: value_total={self.value_total:,.0f}, "
                f"automation_rate={self.automation_rate:.3f}, reviews={self.reviews})")


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
    trustlab.DataError
        For an invalid value, or a ``replayed`` of another policy.
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
    if capacity is not None and (not _finite(capacity) or capacity < 0):
        problems.append(Problem("capacity", f"must be a number of reviews per window of at "
                                            f"least 0, or None; got {capacity!r}"))
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
        value_by_action=by_action, segment_rates=rates)


@dataclass(frozen=True)
class ExplorerDisplay:
    """The explorer's drawn panels: ``value_ax_``, ``reviews_ax_``, ``segment_ax_``, ``figure_``."""

    value_ax_: object
    reviews_ax_: object
    segment_ax_: object
    figure_: object


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
    _draw_value(vax, state.replay)
    _draw_reviews(rax, state.replay, state.capacity)
    _draw_segments(sax, state.replay, state.segment)
    r = state.policy.rules
    band = {x.id: x.when_text for x in r}
    fig.suptitle(f"{state.approve_rule}: {band[state.approve_rule]}    |    "
                 f"{state.decline_rule}: {band[state.decline_rule]}", fontsize=10)
    fig.tight_layout()
    return ExplorerDisplay(vax, rax, sax, fig)


def _rate(v: float) -> str:
    return "n/a" if not np.isfinite(v) else f"{v:.1%}"


def explorer_html(state: ExplorerState, reference: ExplorerState | None = None) -> str:
    """The explorer's headline numbers as an HTML table, with changes against ``reference``.

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

    def delta(now: float, then: float | None, kind: str) -> str:
        return change_note(now, then, kind, "the policy as written")

    ref = reference
    rows = [
        ("Total value", _fmt_value(state.value_total),
         delta(state.value_total, ref and ref.value_total, "value")),
        ("Value per decision", _fmt_value(state.value_per_decision),
         delta(state.value_per_decision, ref and ref.value_per_decision, "count")),
        ("Decided automatically", _rate(state.automation_rate),
         delta(state.automation_rate, ref and ref.automation_rate, "rate")),
        ("Favourable decisions", _rate(state.favourable_rate),
         delta(state.favourable_rate, ref and ref.favourable_rate, "rate")),
        ("Bad outcomes among favourable", _rate(state.bad_rate_favourable),
         delta(state.bad_rate_favourable, ref and ref.bad_rate_favourable, "rate")),
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
    return numbers_table(rows)


class PolicyExplorer(Explorer):
    """Sliders for a policy's review band, redrawing value, workload and segment rates.

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
    last_update_seconds : float
        Time the last update took (replay, figure and image).

    Notes
    -----
    Sliders report while they move; the replay and the figure wait until they
    have been still for a quarter of a second (see :mod:`trustlab._explore`).

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
        import ipywidgets as w

        self.policy, self.data, self.seed = policy, data, seed
        self.approve_rule, self.decline_rule = approve_rule, decline_rule
        a0 = rule_threshold(policy, approve_rule)
        d0 = rule_threshold(policy, decline_rule)
        segs = tuple(policy.segments if segments is None else segments)
        missing = [c for c in segs if c not in data.columns]
        if missing:
            raise DataError("PolicyExplorer", [Problem(
                "segments", f"names columns the data lacks: {', '.join(missing)}; columns: "
                            f"{', '.join(map(str, data.columns))}")])
        self.segments = segs
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

        style = {"description_width": "initial"}
        layout = w.Layout(width="48%")
        lo, hi, step = bounds(a0.column)
        approve = w.FloatSlider(value=a0.value, min=min(lo, a0.value), max=max(hi, a0.value),
                                step=step, description=f"{approve_rule}: {a0.column} {a0.op}",
                                readout_format=".3f", style=style, layout=layout)
        lo, hi, step = bounds(d0.column)
        decline = w.FloatSlider(value=d0.value, min=min(lo, d0.value), max=max(hi, d0.value),
                                step=step, description=f"{decline_rule}: {d0.column} {d0.op}",
                                readout_format=".3f", style=style, layout=layout)
        peak = self.reference.peak_reviews_per_window
        cap_max = int(max(10, 2 * (peak if np.isfinite(peak) else 0), 1.5 * (capacity or 0)))
        per = window_words(policy) or "window"
        cap = w.IntSlider(value=int(round(capacity or 0)), min=0, max=cap_max,
                          description=f"Review capacity per {per}", disabled=not windows,
                          style=style, layout=layout)
        segment = w.Dropdown(options=list(segs) or [("(no segment columns)", None)], value=seg0,
                             description="Segments by", disabled=not segs, style=style,
                             layout=layout)
        self.state = self.reference
        self._build(f"<b>Review band of {escape(policy.name)}@{escape(policy.version)}</b> on "
                    f"{len(data):,} past decisions — move a slider",
                    {"approve": approve, "decline": decline, "capacity": cap,
                     "segment": segment}, [["approve", "decline"], ["capacity", "segment"]])

    # -------------------------------------------------------------- plumbing
    def _state(self, approve: float, decline: float, capacity, segment) -> ExplorerState:
        made = self._cached((float(approve), float(decline)), lambda: replay(
            band_policy(self.policy, self.approve_rule, self.decline_rule, approve, decline),
            self.data, seed=self.seed, segments=self.segments))
        return explorer_state(self.policy, self.data, self.approve_rule, self.decline_rule,
                              approve, decline, capacity, segment, seed=self.seed,
                              replayed=made)

    def _render(self, values: dict) -> str:
        windows = self.reference.reviews_per_window is not None
        self.state = self._state(values["approve"], values["decline"],
                                 values["capacity"] if windows else None, values["segment"])
        explorer_figure(self.state, self._figure)
        return explorer_html(self.state, self.reference)

    # -------------------------------------------------------------- public
    def update(self, *, approve: float | None = None, decline: float | None = None,
               capacity: int | None = None, segment: str | None = None) -> ExplorerState:
        """Set any of the controls, then recompute and redraw once; returns the new state."""
        self.set(approve=approve, decline=decline, capacity=capacity, segment=segment)
        return self.state

    def __repr__(self) -> str:
        return f"PolicyExplorer({self.policy.name}, {self.approve_rule}, {self.decline_rule})"
