"""The result of a shadow run: its tables, totals, the action matrix, its story, its plot.

:class:`ShadowResult` holds the tidy :attr:`~ShadowResult.frame` (columns
:data:`SHADOW_COLUMNS`), one row per case and the pair counts that
:func:`~trustlab.change.shadow_run` made, and reads them: :meth:`~ShadowResult.totals`,
:meth:`~ShadowResult.matrix`, :meth:`~ShadowResult.disagreements`,
:meth:`~ShadowResult.in_words` and :meth:`~ShadowResult.plot`.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from .._codes import objects_at
from .._plotting import Display, window_label
from .._result import Result, records
from .._errors import DataError, Problem
from .._format import tick_formatter
from .._time import time_ns, window_ids, window_starts
from ..metrics import SummaryFrame, currency_of, format_metric, summary_frame
from ..policy import Policy, Window
from ..simulate import Replay
from ._impact import rule_and_guard
from ._shadow_sums import SHADOW_METRICS, case_indicators, metric_values

__all__ = ["SHADOW_COLUMNS", "ShadowDisplay", "ShadowResult"]

SHADOW_COLUMNS = ("window_start", "by", "segment", "metric", "value", "numerator", "denominator",
                  "reason")
"""Columns of :attr:`ShadowResult.frame`: the schema of :attr:`trustlab.trust.TrustResult.frame`."""


class ShadowDisplay(Display):
    """A shadow run drawn: agreement per window in % (``ax_``) over the disagreements
    (bars, ``volume_ax_``, a twin axis); holds the run and redraws on any Axes."""

    def __init__(self, result: ShadowResult, segment: str | None = None):
        self.source = result
        self.data = result.frame
        self._options = {"segment": segment}

    def _draw(self, ax, segment: str | None = None):
        ax, self.volume_ax_ = _draw_shadow(self.source, ax, segment)
        return ax


@dataclass(frozen=True, eq=False)
class ShadowResult(Result):
    """A champion and a challenger policy replayed over the same records.

    Attributes
    ----------
    frame : pandas.DataFrame
        Tidy, one row per window × segment × metric, with the columns of
        :data:`SHADOW_COLUMNS`: ``window_start`` (timestamp), ``by`` and
        ``segment`` (None for all cases), ``metric`` (see
        :data:`SHADOW_METRICS`), ``value`` (NaN when it cannot be computed),
        ``numerator``, ``denominator`` (NaN for totals) and ``reason`` (why the
        value is missing; empty otherwise). Every window from the first case to
        the last is present, empty ones included. Ordered by segment (all cases
        first), metric, then window.
    cases : pandas.DataFrame
        One row per case, the data's index: ``window_start``, the ``by``
        column (as text, when given), ``champion_action``,
        ``challenger_action``, ``agree``, the observed outcome (``labelled``,
        ``bad``), each side's judgement (``champion_judgement``,
        ``challenger_judgement``, categories :data:`JUDGEMENTS`), the
        ``verdict`` (categories :data:`VERDICTS`), both values and
        ``value_difference`` (challenger − champion).
    pairs : pandas.DataFrame
        Case counts by ``window_start``, ``segment``, ``champion_action`` and
        ``challenger_action`` (non-zero counts only, agreeing pairs included);
        what :meth:`matrix` reads.
    champion_replay, challenger_replay : Replay
    window : Window
    by : str or None
    time_column : str
    """

    frame: pd.DataFrame
    cases: pd.DataFrame
    pairs: pd.DataFrame
    champion_replay: Replay
    challenger_replay: Replay
    window: Window
    by: str | None
    time_column: str

    @property
    def champion(self) -> Policy:
        """The champion policy (the live one)."""
        return self.champion_replay.policy

    @property
    def challenger(self) -> Policy:
        """The challenger policy (the candidate)."""
        return self.challenger_replay.policy

    # ------------------------------------------------------------------ data
    def _segment_mask(self, segment: str | None, source: str) -> np.ndarray:
        if segment is None:
            return np.ones(len(self.cases), dtype=bool)
        known = sorted(pd.unique(self.frame["segment"].dropna()).tolist())
        if self.by is None or segment not in known:
            raise DataError(source, [Problem("segment", (
                f"{segment!r} is not a segment of this result; "
                + (f"segments of '{self.by}': {', '.join(map(str, known))}" if self.by else
                   "it was not broken down: call shadow_run(..., by=COLUMN)")))])
        return (self.cases[self.by] == segment).to_numpy()

    def totals(self, segments: bool = False) -> pd.DataFrame:
        """Every metric over the whole run, indexed by ``metric``.

        Columns ``value``, ``numerator``, ``denominator`` and ``reason``, as in
        :attr:`frame`, from the counts summed over every window.

        Parameters
        ----------
        segments : bool, default False
            Also give each segment's values (with ``by``): the index is then
            ``(segment, metric)``, all cases first as segment ``"(all)"``.

        Examples
        --------
        >>> import trustlab
        >>> from trustlab.change import shadow_run
        >>> from trustlab.datasets import FeatureDrift, make_history
        >>> history = make_history(n_days=126, applications_per_day=20, seed=0, scenarios=[
        ...     FeatureDrift("2025-04-14", "debt_to_income", 15.0)])
        >>> s = shadow_run(trustlab.load_policy("policies/consumer-credit.yaml"),
        ...                trustlab.load_policy("policies/consumer-credit-braked.yaml"), history)
        >>> int(s.totals().loc["cases", "value"]) == len(history)
        True
        """
        ind = case_indicators(self.cases)
        labels = ["(all)"]
        sums = {k: a.sum(keepdims=True) for k, a in ind.items()}
        if segments and self.by is not None:
            codes, uniq = pd.factorize(self.cases[self.by], sort=True)
            labels += [str(u) for u in uniq]
            sums = {k: np.concatenate([sums[k], np.bincount(codes, weights=a,
                                                            minlength=len(uniq))])
                    for k, a in ind.items()}
        vals = metric_values(sums)
        n_m, n_g = len(vals), len(labels)
        table = pd.DataFrame({
            "segment": np.repeat(np.array(labels, dtype=object), n_m),
            "metric": np.tile(np.array(list(vals), dtype=object), n_g),
            **{col: np.stack([v[i] for v in vals.values()], axis=1).ravel()
               for i, col in enumerate(("value", "numerator", "denominator", "reason"))}})
        table = table.astype({"value": float, "numerator": float, "denominator": float,
                              "reason": str})
        if not segments or self.by is None:
            return table.drop(columns="segment").set_index("metric")
        return table.set_index(["segment", "metric"])

    def metric(self, name: str, segment: str | None = None) -> pd.Series:
        """One metric per window (``window_start`` index), for all cases or one ``segment``."""
        if name not in SHADOW_METRICS:
            raise DataError("ShadowResult.metric", [Problem("name", (
                f"{name!r} is not a shadow metric; metrics: {', '.join(SHADOW_METRICS)}"))])
        self._segment_mask(segment, "ShadowResult.metric")
        f = self.frame
        rows = f[(f["segment"].isna() if segment is None else f["segment"] == segment)
                 & (f["metric"] == name)]
        return pd.Series(rows["value"].to_numpy(), index=pd.DatetimeIndex(
            rows["window_start"], name="window_start"), name=name)

    def _window_start(self, window, source: str) -> pd.Timestamp:
        try:
            ns = time_ns(window)
        except (TypeError, ValueError):
            raise DataError(source, [Problem("window", (
                f"{window!r} is not a time; give a time within the window, e.g. one of the "
                f"frame's window_start values"))]) from None
        start = window_starts(window_ids(np.array([ns], dtype=np.int64), self.window),
                              self.window)[0]
        starts = self.frame["window_start"]
        if len(starts) == 0 or not (starts.min() <= start <= starts.max()):
            raise DataError(source, [Problem("window", (
                f"{window!r} falls in the window starting {start}, outside the run "
                f"({_span_text(self.frame)})"))])
        return start

    def matrix(self, window=None, segment: str | None = None) -> pd.DataFrame:
        """Cases by champion action (rows) and challenger action (columns), with totals.

        Parameters
        ----------
        window : time-like, optional
            Any time within the window to show (a ``window_start`` works); by
            default every window together.
        segment : str, optional
            One segment of ``by``; by default all cases.

        Returns
        -------
        pandas.DataFrame
            One row per action the champion declares, one column per action
            the challenger declares, then ``total`` row and column. The cells
            where the two actions have the same name are the agreements; the
            grand total is the number of cases.

        Examples
        --------
        >>> import trustlab
        >>> from trustlab.change import shadow_run
        >>> from trustlab.datasets import FeatureDrift, make_history
        >>> history = make_history(n_days=126, applications_per_day=20, seed=0, scenarios=[
        ...     FeatureDrift("2025-04-14", "debt_to_income", 15.0)])
        >>> s = shadow_run(trustlab.load_policy("policies/consumer-credit.yaml"),
        ...                trustlab.load_policy("policies/consumer-credit-braked.yaml"), history)
        >>> m = s.matrix()
        >>> list(m.index), list(m.columns)
        (['approve', 'decline', 'review', 'total'], ['approve', 'decline', 'review', 'total'])
        >>> int(m.loc["total", "total"]) == len(history)
        True
        """
        p = self.pairs
        if segment is not None:
            self._segment_mask(segment, "ShadowResult.matrix")
            p = p[p["segment"] == segment]
        if window is not None:
            p = p[p["window_start"] == self._window_start(window, "ShadowResult.matrix")]
        rows = list(self.champion.action_names)
        cols = list(self.challenger.action_names)
        out = pd.DataFrame(0, index=pd.Index(rows, name="champion"),
                           columns=pd.Index(cols, name="challenger"), dtype=np.int64)
        if len(p):
            table = p.pivot_table(index="champion_action", columns="challenger_action",
                                  values="count", aggfunc="sum", fill_value=0)
            out.loc[:, :] = table.reindex(index=rows, columns=cols, fill_value=0).to_numpy(
                dtype=np.int64)
        out["total"] = out.sum(axis=1)
        out.loc["total"] = out.sum(axis=0)
        return out

    def disagreements(self, n: int | None = 5, seed: int = 0) -> pd.DataFrame:
        """Example cases where the two disagree, both actions and both reasons side by side.

        Parameters
        ----------
        n : int or None, default 5
            How many, drawn at random (by ``seed``) from every disagreement;
            None for all of them.
        seed : int, default 0

        Returns
        -------
        pandas.DataFrame
            The data's index, in data order: the row key and time (where the
            champion declares them), the ``by`` column, ``champion_action``,
            ``champion_rule`` (``rule + guardrail`` where a guardrail changed
            the action), ``champion_reason``, the same three for the
            challenger, ``outcome`` (``good``, ``bad`` or ``unobserved``),
            ``verdict`` and ``value_difference``.

        Examples
        --------
        >>> import trustlab
        >>> from trustlab.change import shadow_run
        >>> from trustlab.datasets import FeatureDrift, make_history
        >>> history = make_history(n_days=126, applications_per_day=20, seed=0, scenarios=[
        ...     FeatureDrift("2025-04-14", "debt_to_income", 15.0)])
        >>> s = shadow_run(trustlab.load_policy("policies/consumer-credit.yaml"),
        ...                trustlab.load_policy("policies/consumer-credit-braked.yaml"), history)
        >>> ex = s.disagreements(n=3)
        >>> len(ex), bool((ex["champion_action"] != ex["challenger_action"]).all())
        (3, True)
        """
        c = self.cases
        moved = np.flatnonzero(~c["agree"].to_numpy(dtype=bool))
        if n is not None:
            if not isinstance(n, (int, np.integer)) or n < 0:
                raise DataError("ShadowResult.disagreements", [Problem("n", (
                    f"must be a whole number of cases, 0 or more, or None for all; got {n!r}"))])
            take = min(int(n), len(moved))
            moved = np.sort(np.random.default_rng(seed).choice(moved, size=take, replace=False))
        a, b = self.champion_replay.records, self.challenger_replay.records
        out = pd.DataFrame(index=c.index[moved])
        for col in (self.champion.id_column, self.time_column):
            if col is not None and col in a.columns and col not in out.columns:
                out[col] = a[col].to_numpy()[moved]
        if self.by is not None:
            out[self.by] = c[self.by].to_numpy()[moved]
        for side, rec in (("champion", a), ("challenger", b)):
            out[f"{side}_action"] = objects_at(rec["action"], moved)
            out[f"{side}_rule"] = rule_and_guard(rec, moved)
            out[f"{side}_reason"] = objects_at(rec["reason"], moved)
        lab, bad = c["labelled"].to_numpy()[moved], c["bad"].to_numpy()[moved]
        out["outcome"] = np.where(lab, np.where(bad, "bad", "good"), "unobserved")
        out["verdict"] = objects_at(c["verdict"], moved)
        out["value_difference"] = c["value_difference"].to_numpy()[moved]
        return out

    def summary(self) -> SummaryFrame:
        """Every metric over the whole run (:meth:`totals`), each number printed by its kind.

        :meth:`in_words` says what it means in sentences.

        Examples
        --------
        >>> import trustlab
        >>> from trustlab.change import shadow_run
        >>> from trustlab.datasets import FeatureDrift, make_history
        >>> history = make_history(n_days=126, applications_per_day=20, seed=0, scenarios=[
        ...     FeatureDrift("2025-04-14", "debt_to_income", 15.0)])
        >>> s = shadow_run(trustlab.load_policy("policies/consumer-credit.yaml"),
        ...                trustlab.load_policy("policies/consumer-credit-braked.yaml"), history)
        >>> print(s.summary().shown().loc[["cases", "agreement", "value_difference"], ["value"]])
                           value
        metric                  
        cases              2,536
        agreement          93.8%
        value_difference  -4,130
        """
        totals = self.totals()
        numerator = [SHADOW_METRICS[m].numerator == "value_diff" for m in totals.index]
        return summary_frame(totals, metric_column="metric", values=["value"],
                             kinds={"numerator": ["money_change" if money else "count"
                                                  for money in numerator],
                                    "denominator": "count"},
                             currency=self._currency)

    @property
    def _currency(self) -> str | None:
        return currency_of(self.champion)

    def __str__(self) -> str:
        return self.in_words()

    def in_words(self) -> str:
        """The run in plain sentences: agreement, how they disagree, who was right, the value.

        Examples
        --------
        >>> import trustlab
        >>> from trustlab.change import shadow_run
        >>> from trustlab.datasets import FeatureDrift, make_history
        >>> history = make_history(n_days=126, applications_per_day=20, seed=0, scenarios=[
        ...     FeatureDrift("2025-04-14", "debt_to_income", 15.0)])
        >>> s = shadow_run(trustlab.load_policy("policies/consumer-credit.yaml"),
        ...                trustlab.load_policy("policies/consumer-credit-braked.yaml"), history)
        >>> print(s.in_words())  # doctest: +NORMALIZE_WHITESPACE
        Challenger consumer-credit-approval@1.3.0 shadowed champion
        consumer-credit-approval@1.2.0 over 2,536 cases, 19 windows from 2024-12-30 to
        2025-05-05 (windows of a week).
        They take the same final action on 2,378 cases (93.8%); per week from 46.3%
        (week of 2025-05-05) to 100.0% (week of 2024-12-30).
        Of the 158 disagreements (champion → challenger), the most common are
        approve → review (137), decline → review (21).
        40 disagreements (25.3%) have no observed outcome, so who was right cannot be
        known there. Under selective labels these are typically cases that were declined,
        whose outcome history never shows: the verdicts below describe only the
        disagreements whose outcome was seen.
        On the 118 with an observed outcome, the challenger's action was right and the
        champion's not in 0 (0.0%); the champion's right and the challenger's not in
        116 (98.3%); the challenger's wrong where the champion left it to a person in
        0 (0.0%); the champion's wrong where the challenger left it to a person in 2
        (1.7%). A human action is neither right nor wrong: a person decides.
        On the 118 disagreements both can value, the challenger's decisions are worth
        -4,130 in total (-35.00 per case) against the champion's.
        """
        t = self.totals()
        cases = int(t["value"]["cases"])
        lines = [_opening_line(self, cases)]
        if cases == 0:
            return "\n".join(lines)
        dis = int(t["value"]["disagreements"])
        lines.append(_agreement_line(self, t, cases, dis))
        if dis == 0:
            lines.append("They never disagree, so there is nothing to judge.")
            return "\n".join(lines)
        lines += _segment_lines(self)
        lines.append(_moves_line(self.pairs, dis))
        lines += _verdict_lines(t, dis)
        lines.append(_value_line(t, self._currency))
        lines += _valuation_lines(self.champion, self.challenger)
        return "\n".join(lines)

    # ------------------------------------------------------------------ display
    def plot(self, ax=None, segment: str | None = None) -> ShadowDisplay:
        """Agreement per window in % (line) over the number of disagreements (bars).

        A window with no cases is a gap in the line, not a 0.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw (a twin axis is added for the bars); a new figure by
            default.
        segment : str, optional
            One segment of ``by``; by default all cases.

        Returns
        -------
        ShadowDisplay

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt, trustlab
        >>> from trustlab.change import shadow_run
        >>> from trustlab.datasets import FeatureDrift, make_history
        >>> history = make_history(n_days=126, applications_per_day=20, seed=0, scenarios=[
        ...     FeatureDrift("2025-04-14", "debt_to_income", 15.0)])
        >>> s = shadow_run(trustlab.load_policy("policies/consumer-credit.yaml"),
        ...                trustlab.load_policy("policies/consumer-credit-braked.yaml"), history)
        >>> d = s.plot()
        >>> d.ax_.get_ylabel(), d.volume_ax_.get_ylabel()
        ('Same final action (% of cases)', 'Disagreements (cases)')
        >>> plt.close(d.figure_)
        """
        self._segment_mask(segment, "ShadowResult.plot")
        return ShadowDisplay(self, segment).plot(ax=ax)

    def to_dict(self) -> dict:
        """The run as plain JSON-safe values: the two policies, its window and its tidy frame."""
        return {"champion": self.champion.identity, "challenger": self.challenger.identity,
                "window": self.window.text, "by": self.by, "frame": records(self.frame)}

    def _repr_html_(self) -> str:
        t = self.totals()
        body = []
        cur = self._currency
        for name, m in SHADOW_METRICS.items():
            v, den, why = t.loc[name, "value"], t.loc[name, "denominator"], t.loc[name, "reason"]
            shown = escape(format_metric(name, v, currency=cur)) if v == v else "<i>n/a</i>"
            of = ("" if m.denominator is None or den != den else
                  f"of {escape(format_metric('cases', den))} {escape(m.of)}")
            body.append(f"<tr><th style='text-align:left'>{escape(m.words)}</th>"
                        f"<td style='text-align:right'>{shown}</td><td>{of}</td>"
                        f"<td>{'' if v == v else escape(why)}</td></tr>")
        by = f", by {escape(self.by)}" if self.by else ""
        return (f"<div><b>Shadow run: challenger {escape(self.challenger.identity)} beside "
                f"champion {escape(self.champion.identity)}</b> — "
                f"{escape(_span_text(self.frame))}, windows of {escape(_article(self.window))}{by}"
                f"<table>{''.join(body)}</table>"
                f"<b>Cases by champion action (rows) and challenger action (columns)</b>"
                f"{self.matrix().to_html()}"
                f"<p><small>Who was right is judged only where the outcome was observed; under "
                f"selective labels the disagreements with no outcome are typically declined cases. "
                f"A human action (review) counts as deferred, neither right nor wrong."
                f"</small></p></div>")

    def __repr__(self) -> str:
        t = self.totals()["value"]
        agree = format_metric("agreement", t["agreement"])
        return (f"ShadowResult(champion={self.champion.name}@{self.champion.version}, "
                f"challenger={self.challenger.name}@{self.challenger.version}, "
                f"cases={int(t['cases'])}, agreement={agree})")


def _valuation_differences(a: Policy, b: Policy) -> list[str]:
    """The `outcomes` fields that value the same decision differently under ``a`` and ``b``."""
    oa, ob = a.outcomes, b.outcomes
    if oa is None or ob is None:
        return []
    out = [f"`{f}`" for f in ("label", "bad_when", "unlabelled", "reviewer")
           if getattr(oa, f) != getattr(ob, f)]
    va, vb = ({v.action: v for v in o.values} for o in (oa, ob))
    out += [f"values of '{k}'" for k in va if k in vb and va[k] != vb[k]]
    return out


def _article(window: Window) -> str:
    return ("a " if window.count == 1 else "") + window.words


def _window_name(result: ShadowResult, start: pd.Timestamp) -> str:
    if result.window.unit in ("D", "W"):
        return f"{result.window.unit_words} of {start:%Y-%m-%d}" if result.window.count == 1 \
            else f"window from {start:%Y-%m-%d}"
    return f"window from {start:%Y-%m-%d %H:%M}"


def _span_text(frame: pd.DataFrame) -> str:
    if len(frame) == 0:
        return "no windows"
    lo, hi = frame["window_start"].min(), frame["window_start"].max()
    n = frame["window_start"].nunique()
    return f"{n} window{'s' if n != 1 else ''} from {lo:%Y-%m-%d} to {hi:%Y-%m-%d}"


# ----------------------------------------------------------------------------- in words

def _n(k) -> str:
    return format_metric("cases", k)


def _pct(x) -> str:
    return format_metric("agreement", x)


def _opening_line(r: ShadowResult, cases: int) -> str:
    return (f"Challenger {r.challenger.name}@{r.challenger.version} shadowed champion "
            f"{r.champion.name}@{r.champion.version} over {_n(cases)} cases, "
            f"{_span_text(r.frame)} (windows of {_article(r.window)}).")


def _agreement_line(r: ShadowResult, t: pd.DataFrame, cases: int, dis: int) -> str:
    """How often the two agree, and the windows where they agree least and most."""
    per = r.metric("agreement").dropna()
    spread = ""
    if len(per) > 1:
        lo, hi = per.idxmin(), per.idxmax()
        spread = (f"; per {r.window.words} from {_pct(per[lo])} ({_window_name(r, lo)}) "
                  f"to {_pct(per[hi])} ({_window_name(r, hi)})")
    return (f"They take the same final action on {_n(cases - dis)} cases "
            f"({_pct(t['value']['agreement'])}){spread}.")


def _segment_lines(r: ShadowResult) -> list[str]:
    """The segments of ``by`` where they agree least and most (none without ``by``)."""
    if r.by is None:
        return []
    seg = r.totals(segments=True)["value"].unstack("metric").drop(index="(all)")
    seg = seg[seg["cases"] > 0]
    if len(seg) <= 1:
        return []
    low = seg["agreement"].idxmin()
    return [f"By {r.by}, agreement is lowest for {low} "
            f"({_pct(seg.loc[low, 'agreement'])} of "
            f"{_n(seg.loc[low, 'cases'])} cases) and highest for "
            f"{seg['agreement'].idxmax()} "
            f"({_pct(seg['agreement'].max())})."]


def _moves_line(pairs: pd.DataFrame, dis: int) -> str:
    """The most common disagreements, champion action → challenger action."""
    moves = pairs[pairs["champion_action"] != pairs["challenger_action"]]
    moves = moves.groupby(["champion_action", "challenger_action"])["count"].sum()
    moves = moves.sort_values(ascending=False, kind="stable").head(3)
    said = ", ".join(f"{a} → {b} ({_n(k)})" for (a, b), k in moves.items())
    return (f"Of the {_n(dis)} disagreements (champion → challenger), "
            + (f"all are {said}." if len(moves) == 1 and moves.iloc[0] == dis else
               f"the most common are {said}."))


def _verdict_part(t: pd.DataFrame, metric: str, labelled: int) -> str:
    k = int(t.loc[metric, "numerator"])
    return f"{_n(k)} ({_pct(k / labelled)})"


def _verdict_lines(t: pd.DataFrame, dis: int) -> list[str]:
    """How many disagreements have no outcome; who was right on those that have one."""
    unl = int(t.loc["unlabelled_share", "numerator"])
    lab = dis - unl
    if unl:
        lines = [f"{_n(unl)} disagreements ({_pct(unl / dis)}) have no observed outcome, so "
                 f"who was right cannot be known there. Under selective labels these are "
                 f"typically cases that were declined, whose outcome history never "
                 f"shows: the verdicts below describe only the disagreements whose "
                 f"outcome was seen."]
    else:
        lines = ["Every disagreement has an observed outcome."]
    if not lab:
        return lines
    said = [f"the challenger's action was right and the champion's not in "
            f"{_verdict_part(t, 'challenger_right_share', lab)}",
            f"the champion's right and the challenger's not in "
            f"{_verdict_part(t, 'champion_right_share', lab)}",
            f"the challenger's wrong where the champion left it to a person in "
            f"{_verdict_part(t, 'challenger_wrong_share', lab)}",
            f"the champion's wrong where the challenger left it to a person in "
            f"{_verdict_part(t, 'champion_wrong_share', lab)}"]
    if t.loc["both_deferred_share", "numerator"]:
        said.append(f"both left it to a person in {_verdict_part(t, 'both_deferred_share', lab)}")
    if t.loc["tie_share", "numerator"]:
        said.append(f"both automated and judged alike in {_verdict_part(t, 'tie_share', lab)}")
    lines.append(f"On the {_n(lab)} with an observed outcome, {'; '.join(said)}. A human "
                 f"action is neither right nor wrong: a person decides.")
    return lines


def _value_line(t: pd.DataFrame, currency: str | None) -> str:
    """What the challenger's decisions are worth against the champion's where they disagree."""
    vd = t["value"]["value_difference"]
    valued = t.loc["value_difference_per_disagreement", "denominator"]
    if vd != vd:
        return f"Value difference: n/a — {t.loc['value_difference', 'reason']}."
    money = format_metric("value_difference", vd, currency=currency)
    each = format_metric("value_difference", vd / valued, currency=currency)
    return (f"On the {_n(valued)} disagreements both can value, the challenger's "
            f"decisions are worth {money} in total "
            f"({each} per case) against the champion's.")


def _valuation_lines(champion: Policy, challenger: Policy) -> list[str]:
    """A warning when the two value outcomes differently (none when they agree)."""
    differ = _valuation_differences(champion, challenger)
    if not differ:
        return []
    return [f"The two policies value outcomes differently ({', '.join(differ)}): "
            f"each side is valued by its own `outcomes`, so the value difference "
            f"mixes the change of decisions with the change of valuation; both are "
            f"judged on the champion's outcome."]


def _draw_shadow(result: ShadowResult, ax, segment: str | None):
    """Draw a shadow run on ``ax`` (None: a new figure); the agreement and volume Axes."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    agree = result.metric("agreement", segment)
    volume = result.metric("disagreements", segment)
    if ax is None:
        fig, ax = plt.subplots(figsize=(9, 4))
    else:
        fig = ax.figure
    vol_ax = ax.twinx()
    days = result.window.seconds / 86400
    starts = agree.index.to_numpy()
    vol_ax.bar(starts, volume.to_numpy(), width=0.8 * days, color="#bbbbbb", alpha=0.6,
               label="Disagreements (cases, right axis)")
    ax.plot(starts, agree.to_numpy(), marker="o", markersize=4, color="#4c72b0",
            label="Same final action (% of cases)")
    ax.set_zorder(vol_ax.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.yaxis.set_major_formatter(tick_formatter("share"))
    vol_ax.yaxis.set_major_formatter(tick_formatter("count"))
    ax.set_ylim(0, 1.02)
    vol_ax.set_ylim(0, max(float(np.nanmax(volume.to_numpy(), initial=0)) * 1.15, 1.0))
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    who = "" if segment is None else f", {result.by} = {segment}"
    ax.set_title(f"How often the challenger takes the champion's action, per "
                 f"{result.window.words}{who}\nchallenger {result.challenger.name}@"
                 f"{result.challenger.version}, champion {result.champion.name}@"
                 f"{result.champion.version}", fontsize=10)
    ax.set_xlabel(window_label(result.window))
    ax.set_ylabel("Same final action (% of cases)")
    vol_ax.set_ylabel("Disagreements (cases)")
    ax.grid(axis="y", alpha=0.3)
    handles = ax.get_legend_handles_labels()
    more = vol_ax.get_legend_handles_labels()
    ax.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left",
              bbox_to_anchor=(0, -0.18), frameon=False, fontsize=8, ncol=2)
    if np.isnan(agree.to_numpy()).any():
        ax.annotate("Gaps: windows with no cases", xy=(1, -0.18), xycoords="axes fraction",
                    ha="right", va="top", fontsize=8, color="#888888")
    fig.tight_layout()
    return ax, vol_ax
