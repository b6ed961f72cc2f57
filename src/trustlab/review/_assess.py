"""Everything a review says about one policy on one history, computed once.

:func:`assess` replays the policy (training a missing signal out of fold
first), adds bootstrap intervals, the selective-labels stress, the champion's
replay and reason codes, and returns a :class:`Review` whose methods are the
sections of the report, top-down like a decision memo, and whose
:meth:`Review.write` saves ``metrics.json`` and ``decisions.parquet``.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from .._backends import in_memory, refuse_in_memory_options
from .._errors import ConfigError, DataError, ParameterError, Problem
from .._format import axis_label, format_number
from .._json import json_safe
from .._outcome import bad_values, bad_when_text
from .._plotting import Display
from .._result import Result
from .._review_folder import DECISIONS_FILE, METRICS_FILE
from ..engine import read_times
from ..metrics import currency_of, format_metric, kind_of, metric_words, summary_frame
from ..policy import policy_changes
from ..policy import Policy
from ..explain import prohibited_bases
from ..signals import TrainedSignal, proxy_warnings, train_missing_signals
from ..metrics import activity_counts
from ..simulate import (MIN_SEGMENT_ROWS, BootstrapResult, Replay, SwapResult, bootstrap_metrics,
                        evaluate_checks, plot_replay, plot_segment_rates, replay, swap_analysis)
from ._display import ReportFigure, ReportTable, figure_of, status_html, table_html
from ._evidence import SignalEvidence, signal_evidence

__all__ = ["FourFifthsDisplay", "Review", "assess", "assess_on_cluster", "outcome_read_from",
           "bad_when_read_as", "parse_bad_when", "FOUR_FIFTHS", "HEADLINE", "METRICS_FILE",
           "DECISIONS_FILE", "with_drift_metrics"]

HEADLINE = ("value_per_decision", "value_total", "bad_rate_favourable", "automation_rate",
            "favourable_rate", "share.review", "reviews_per_window_mean",
            "peak_reviews_per_window")
"""The metrics of the report's headline table, in order."""
FOUR_FIFTHS = 0.8
"""A segment favoured at under this share of the highest segment's rate deserves a question
(the four-fifths rule of thumb of US employment-selection guidance)."""


class FourFifthsDisplay(Display):
    """Favourable rates by segment with the four-fifths line; see :meth:`Review.plot_segment_rates`.

    Holds the replay and the segment column, and draws them again on other axes.

    Attributes
    ----------
    data, rates : pandas.DataFrame
        ``decisions`` and ``favourable_rate`` of every segment.
    four_fifths : float or None
        Where the dotted line is: four-fifths of the highest judged rate.
    highest : str or None
        The segment with that highest rate.
    ax_, figure_ : matplotlib Axes and Figure
    line_ : matplotlib Line2D or None
    """

    line_ = None

    def __init__(self, replay: Replay, column: str):
        self.replay, self.column = replay, column
        self.data = replay.segments(column, ("decisions", "favourable_rate"))
        judged = self.data[self.data["decisions"] >= MIN_SEGMENT_ROWS]["favourable_rate"].dropna()
        self.four_fifths = None if judged.empty else FOUR_FIFTHS * float(judged.max())
        self.highest = None if judged.empty else str(judged.idxmax())

    @property
    def rates(self) -> pd.DataFrame:
        return self.data

    def _draw(self, ax):
        shown = plot_segment_rates(self.replay, self.column, ax=ax)
        self.line_ = None
        if self.four_fifths is not None:
            self.line_ = shown.ax_.axvline(
                self.four_fifths, color="#b71c1c", linestyle=":", linewidth=1.5,
                label=f"Four-fifths of the highest: "
                      f"{format_metric('favourable_rate', self.four_fifths)}")
            old = shown.ax_.get_legend()
            handles = list(old.legend_handles) if old is not None else []
            shown.ax_.legend(handles=handles + [self.line_], loc="lower right", frameon=False,
                             fontsize=8)
        return shown.ax_


@dataclass(frozen=True, eq=False)
class Review(Result):
    """One policy reviewed on one history; see :func:`assess`.

    Attributes
    ----------
    policy : Policy
    data_name : str
        The data set's file name.
    data : pandas.DataFrame
        The history as reviewed: with any signal trained here.
    replay : Replay
        The policy replayed (records, values, metrics, checks).
    intervals : BootstrapResult or None
    swaps : SwapResult or None
        Against the recorded decisions or the champion; None when neither exists.
    champion : Replay or None
    trained : tuple of TrainedSignal
        Signals the data lacked, scored out of fold here.
    codes : object or None
        Reason codes for the decisions a trained signal made.
    records : pandas.DataFrame
        One decision record per input row, reason codes included.
    cases : list
        Index labels of the example cases.
    seed : int
    label : str
        The data column read as the outcome, when not the policy's own (else empty).
    drift : DriftResult or None
        Data, signal, decision and context drift over time (None without a
        time column).
    trust : TrustResult or None
        Automation, deferral, override and reliance over time.
    gate : GateResult or None
        Whether the policy may take the next mode on the ladder.
    impact : ImpactResult or None
        The change from the champion on this history (None without one).
    whole : ScaledReplay or None
        With a Dask cluster (:func:`assess_on_cluster`): the whole history
        replayed in parts. Its metrics, checks and decision records are the
        review's; the other sections describe the most recent rows in
        ``data``.
    bad_when : tuple of str
        The label values given to be read as the bad outcome in place of the
        policy's ``outcomes.bad_when`` (see :func:`bad_when_read_as`); empty
        for the policy's own.
    proxies : ProxyCheck or None
        With a policy declaring ``fairness``: supplied models reading a
        protected attribute and features standing in for one (see
        :func:`trustlab.signals.proxy_warnings`); shown in words in the
        verdict area as :attr:`fairness_warnings`. None without ``fairness``.
    """

    policy: Policy
    data_name: str
    data: pd.DataFrame
    replay: Replay
    intervals: BootstrapResult | None
    swaps: SwapResult | None
    champion: Replay | None
    trained: tuple[TrainedSignal, ...]
    codes: object | None
    records: pd.DataFrame
    cases: list
    seed: int
    label: str = ""
    drift: object | None = None
    trust: object | None = None
    gate: object | None = None
    impact: object | None = None
    whole: object | None = None
    bad_when: tuple[str, ...] = ()
    proxies: object | None = None
    disparity: object | None = None
    lda: object | None = None
    lda_note: str = ""

    @property
    def fairness_warnings(self) -> tuple[str, ...]:
        """Warnings on the policy's protected attributes, in words: warnings, never refusals."""
        return () if self.proxies is None else tuple(self.proxies.warnings)

    def fairness_section(self) -> list:
        """The report's fairness section: disparity by protected group with intervals and
        warnings, and the search for a less discriminatory alternative (its frontier and
        choices), or one paragraph saying why it is not assessed."""
        from IPython.display import HTML

        if self.disparity is None:
            return [HTML("<p>Not assessed: the policy declares no protected attributes "
                         "(a <code>fairness</code> section).</p>")]
        d = self.disparity
        out = [ReportTable(table_html(d.summary(), caption="Decisions and errors by protected "
                                      "group, against the reference group (95% bootstrap "
                                      "intervals; small groups marked)"))]
        shown = d.plot()
        alt = ("Favourable-rate ratio of each protected group against its reference group, "
               "with 95% intervals and the adverse line: " + "; ".join(d.warnings or (
                   "no group's ratio is below the adverse line",)) + ".")
        out.append(figure_of(shown.figure_, alt))
        words = list(d.warnings) or ["No judged group's favourable-rate ratio is below "
                                     f"{format_number(self.policy.fairness.adverse_ratio, 'ratio')}."]
        out.append(HTML("<ul>" + "".join(f"<li>{escape(w)}</li>" for w in words) + "</ul>"))
        if self.lda is None:
            out.append(HTML(f"<p>The search for a less discriminatory alternative was not run: "
                            f"{escape(self.lda_note)}</p>"))
            return out
        if self.lda_note:
            out.append(HTML(f"<p>{escape(self.lda_note)}</p>"))
        plotted = self.lda.plot()
        out.append(figure_of(plotted.figure_, "Value against the worst favourable-rate ratio of "
                                              "every pair of thresholds; the frontier, the "
                                              "current policy and the choices within each "
                                              "value tolerance are marked."))
        out.append(ReportTable(table_html(self.lda.summary(), caption="Less discriminatory "
                                          "alternatives: one set of rules for everyone")))
        return out

    @property
    def verdict(self) -> str:
        """``"pass"`` when every check of the policy passed, else ``"fail"``."""
        return "pass" if self._checked.passed else "fail"

    @property
    def _checked(self):
        """Where the metrics and checks come from: the whole history when replayed in parts."""
        return self.replay if self.whole is None else self.whole

    @property
    def rows(self) -> int:
        """Decisions reviewed: the whole history's."""
        return len(self.records) if self.whole is None else self.whole.rows

    @property
    def currency(self) -> str | None:
        """The policy's ``outcomes.currency`` (None: money in value units)."""
        return currency_of(self.policy)

    def period(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """The first and last decision time (UTC) of the rows in memory; None without times.

        Times are read as the engine reads them (``columns.time_format``
        included); None when the policy has no time column, the data lacks
        it or a time cannot be read.
        """
        column = self.policy.time_column
        if column is None or column not in self.data.columns or len(self.data) == 0:
            return None
        ns = read_times(self.data[column], self.policy.time_format).ns
        if ns is None:
            return None
        return (pd.Timestamp(int(ns.min()), unit="ns", tz="UTC"),
                pd.Timestamp(int(ns.max()), unit="ns", tz="UTC"))

    def _count(self, n) -> str:
        return format_number(n, "count")

    def _data_words(self) -> str:
        if self.whole is None:
            return f"{escape(self.data_name)}: {self._count(len(self.records))} decisions"
        return (f"{escape(self.data_name)}: {self._count(self.whole.rows)} decisions replayed in "
                f"{self._count(self.whole.parts)} parts ({escape(self.whole.where)}); the "
                f"sections on rows (intervals, drift, trust, cases) describe the most recent "
                f"{self._count(len(self.records))}")

    # ------------------------------------------------------------------ sections
    def banner(self):
        """The verdict in words and colour, what was reviewed on what, and signals trained here.

        The report's page header (owner, mode, hashes, period, sign-off) is
        written around it by :func:`trustlab.review.export_report`.
        """
        from IPython.display import HTML

        p = self.policy
        ok = self.verdict == "pass"
        checks = self._checked.checks
        failed = checks.loc[~checks["passed"].astype(bool), "check"].tolist()
        n = len(checks)
        if n == 0:
            what = "The policy declares no checks, so nothing failed"
        elif ok:
            what = f"Every one of the {self._count(n)} checks passed"
        else:
            what = (f"{self._count(len(failed))} of {self._count(n)} checks failed: "
                    + "; ".join(escape(str(c)) for c in failed))
        colour = "#1b5e20" if ok else "#b71c1c"
        champion = ("" if self.champion is None else
                    f"; compared with the champion {escape(self.champion.policy.name)}@"
                    f"{escape(self.champion.policy.version)}")
        trained = "".join(f"<li>{escape(t.note)}.</li>" for t in self.trained)
        trained = f"<p><b>Signals trained in this review:</b></p><ul>{trained}</ul>" if trained \
            else ""
        warned = "".join(f"<li>{escape(w)}</li>" for w in self.fairness_warnings)
        if warned:
            trained += (f"<p><b>Protected attributes "
                        f"({escape(', '.join(self.proxies.protected))}), warnings:</b></p>"
                        f"<ul>{warned}</ul>")
        return HTML(
            f"<div class='tl-verdict' style='border:3px solid {colour};padding:10px 14px;"
            f"border-radius:6px'><div style='font-size:1.6em;font-weight:bold;color:{colour}'>"
            f"Verdict: {'PASS' if ok else 'FAIL'}</div><div>{what}.</div>"
            f"<div>Policy {escape(p.name)}@{escape(p.version)} on {self._data_words()}"
            f"{champion}.</div>{trained}</div>")

    def changes(self) -> pd.DataFrame | None:
        """What changed since the champion, field by field (None without a champion)."""
        if self.champion is None:
            return None
        return policy_changes(self.champion.policy, self.policy)

    def change_words(self) -> pd.DataFrame | None:
        """What changed since the champion, one sentence a change (None without a champion)."""
        if self.impact is None:
            return None
        return self.impact.changes[["kind", "change"]].set_index("kind")

    def flip_causes(self, top: int = 10) -> pd.DataFrame | None:
        """The rules behind the flips (the ``top`` most frequent): decisions and their share."""
        if self.impact is None:
            return None
        c = self.impact.causes.head(top).rename(columns={
            "old_rule": "champion rule", "new_rule": "this policy's rule",
            "old_action": "champion action", "new_action": "this policy's action",
            "rows": "decisions"}).reset_index(drop=True)
        return summary_frame(c, kinds={"decisions": "count", "share": "share"})

    def change_impact(self) -> pd.DataFrame | None:
        """The change in the headline metrics with paired bootstrap intervals, formatted."""
        if self.impact is None:
            return None
        d = self.impact.deltas
        cur = self.currency
        fmt = {c: [format_metric(m, v, currency=cur, change=c != "old" and c != "new")
                   for m, v in zip(d["metric"], d[c])]
               for c in ("old", "new", "change", "low", "high")}
        return pd.DataFrame({
            "in words": [metric_words(m) for m in d["metric"]],
            "champion": fmt["old"], "this policy": fmt["new"], "change": fmt["change"],
            "95% interval of the change": [
                "" if lo != lo else f"{a} to {b}"
                for lo, a, b in zip(d["low"], fmt["low"], fmt["high"])]},
            index=pd.Index(d["metric"], name="metric"))

    def moves(self) -> pd.DataFrame | None:
        """Decisions of the champion (rows) against this policy's (columns), in cases."""
        if self.champion is None:
            return None
        t = pd.crosstab(self.champion.decisions["action"].astype(str).rename("champion"),
                        self.replay.decisions["action"].astype(str).rename("this policy"),
                        margins=True, margins_name="total")
        return summary_frame(t, kinds={c: "count" for c in t.columns})

    @property
    def frame(self) -> pd.DataFrame:
        """The tidy metrics table the review judged (the whole history's with a cluster):
        ``metric``, ``by``, ``segment``, ``value``, ``rows``, ``reason``."""
        return self._checked.metrics

    def summary(self) -> pd.DataFrame:
        """The headline table: value, risk and workload (:meth:`headline`)."""
        return self.headline()

    def plot(self, ax=None):
        """The replay overview (value, outcomes, workload, segments); see
        :meth:`trustlab.simulate.Replay.plot`. Returns a ``ReplayDisplay``."""
        return self.replay.plot(ax=ax)

    def to_dict(self) -> dict:
        """What ``metrics.json`` holds (:meth:`metrics_document`)."""
        return self.metrics_document()

    def headline(self) -> pd.DataFrame:
        """Value, risk and workload, with bootstrap intervals where drawn (and the champion's)."""
        m = self._checked.metrics
        cur = self.currency
        overall = m[m["by"].isna()].set_index("metric")
        iv = None
        if self.intervals is not None:
            f = self.intervals.frame
            iv = f[f["by"].isna()].set_index("metric")
        champ = None
        if self.champion is not None:
            cm = self.champion.metrics
            champ = cm[cm["by"].isna()].set_index("metric")["value"]
        rows = []
        for name in HEADLINE:
            if name not in overall.index:
                continue
            v = overall.at[name, "value"]
            words = metric_words(name)
            if kind_of(name) == "money":  # the currency (or value units) on every money row
                words = axis_label(words, "money", currency=cur)
            row = {"metric": name, "in words": words,
                   "value": format_metric(name, v, currency=cur)}
            if iv is not None:
                head = "95% interval" if self.whole is None else "95% interval, recent rows"
                row[head] = (f"{format_metric(name, iv.at[name, 'low'], currency=cur)} to "
                             f"{format_metric(name, iv.at[name, 'high'], currency=cur)}"
                             if name in iv.index else "")
            if champ is not None:
                row["champion"] = format_metric(name, champ.get(name, float("nan")),
                                                currency=cur)
            reason = overall.at[name, "reason"]
            row["note"] = "" if reason is None or reason != reason else str(reason)
            rows.append(row)
        return pd.DataFrame(rows).set_index("metric")

    def checks(self) -> pd.DataFrame:
        """The policy's checks: the check as written, its metric in words, value, bound, result.

        ``result`` is ``PASS`` or ``FAIL`` (a check whose value cannot be
        computed fails, ``note`` says why); for a check by segment, ``value``
        is the segment that decided it (named in ``segment``).
        """
        c = self._checked.checks
        cur = self.currency

        def bound(metric: str, low, high) -> str:  # a value the policy set: no trailing zeros
            parts = [f"{words} {format_number(b, kind_of(metric), currency=cur, trim=True)}"
                     for words, b in (("at least", low), ("at most", high))
                     if b is not None and b == b]
            return " and ".join(parts)

        segment = c["segment"].astype(object).where(c["segment"].notna(), "")
        return pd.DataFrame({
            "check": c["check"].astype(str),
            "metric": [metric_words(m) + (f" (each {b})" if isinstance(b, str) and b else "")
                       for m, b in zip(c["metric"], c["by"])],
            "value": [format_metric(m, v, currency=cur) for m, v in zip(c["metric"], c["value"])],
            "segment": segment.astype(str),
            "bound": [bound(m, lo, hi) for m, lo, hi in zip(c["metric"], c["at_least"],
                                                               c["at_most"])],
            "result": np.where(c["passed"].astype(bool), "PASS", "FAIL"),
            "note": c["reason"].fillna("").astype(str),
        }).reset_index(drop=True)

    def checks_table(self) -> ReportTable:
        """:meth:`checks` as a table for the report: PASS / FAIL in words and colour."""
        t = self.checks()
        if not t["segment"].astype(bool).any():
            t = t.drop(columns="segment")
        if t.empty:
            return ReportTable("<p>The policy declares no checks.</p>")
        return ReportTable(table_html(t, status=["result"], css_class="tl-table tl-checks"))

    def _activity(self) -> pd.DataFrame:
        """Decisions by rule, what the rules said, final action and guardrail (whole history)."""
        if self.whole is not None:
            return self.whole.activity
        return activity_counts(self.records)

    def rule_activity(self) -> pd.DataFrame:
        """Decisions by deciding rule, what the rules said and the final action, with shares."""
        a = self._activity()
        t = (a.groupby(["rule", "rule_action", "action"], observed=True)["decisions"].sum()
             .reset_index())
        t = t[t["decisions"] > 0]
        t = t.assign(share=t["decisions"] / a["decisions"].sum())
        t = t.sort_values("decisions", ascending=False, kind="stable").reset_index(drop=True)
        t = t.rename(columns={"rule_action": "the rules said", "action": "final action"})
        return summary_frame(t, kinds={"decisions": "count", "share": "share"})

    def guardrail_activity(self) -> pd.DataFrame:
        """Every guardrail and the kill switch: decisions each changed, from what to what."""
        a = self._activity()
        g = a[a["guardrail"].notna()]
        t = (g.groupby(["guardrail", "rule_action", "action"], observed=True)["decisions"].sum()
             .rename("decisions changed").reset_index())
        t = t[t["decisions changed"] > 0]
        ids = [x.id for x in self.policy.guardrails]
        quiet = [i for i in ids if i not in set(t["guardrail"].astype(str))]
        if quiet:
            t = pd.concat([t, pd.DataFrame({"guardrail": quiet, "rule_action": "",
                                            "action": "", "decisions changed": 0})],
                          ignore_index=True)
        t = t.rename(columns={"rule_action": "the rules said", "action": "final action"})
        return summary_frame(t.reset_index(drop=True), kinds={"decisions changed": "count"})

    def segments(self) -> pd.DataFrame:
        """Per segment of every segment column: decisions, automation, favourable and bad rates.

        Formatted for reading (shares in %, counts whole, money in the
        policy's currency); the numbers are in ``replay.metrics``. Two more
        columns hold each segment's favourable rate over the highest rate of
        its column's segments with at least
        :data:`~trustlab.simulate.MIN_SEGMENT_ROWS` decisions, and the
        four-fifths test: ``ABOVE`` (at least four-fifths of the highest),
        ``BELOW``, or ``TOO FEW`` decisions to judge.
        """
        m = self._checked.metrics
        s = m[m["by"].notna()]
        keep = ["decisions", "automation_rate", "favourable_rate", "bad_rate_favourable",
                "value_per_decision"]
        s = s[s["metric"].isin(keep)]
        wide = s.pivot_table(index=["by", "segment"], columns="metric", values="value",
                             aggfunc="first", observed=True).reindex(columns=keep)
        cur = self.currency
        shown = pd.DataFrame({metric_words(k): [format_metric(k, v, currency=cur)
                                                for v in wide[k]]
                              for k in keep}, index=wide.index)
        judged = wide["decisions"] >= MIN_SEGMENT_ROWS
        highest = wide["favourable_rate"].where(judged).groupby(level="by").transform("max")
        ratio = wide["favourable_rate"] / highest
        shown["Over the highest segment's favourable rate"] = [
            format_number(v, "ratio") for v in ratio]
        shown["Four-fifths test"] = np.select(
            [~judged | ratio.isna(), ratio >= FOUR_FIFTHS], ["TOO FEW", "ABOVE"], "BELOW")
        return shown.rename_axis(["column", "segment"])

    def segments_table(self) -> ReportTable:
        """:meth:`segments` for the report, the four-fifths test in words and colour."""
        t = self.segments()
        if t.empty:
            return ReportTable("<p>The policy names no segment columns in this data.</p>")
        return ReportTable(table_html(t, status=["Four-fifths test"]))

    # ------------------------------------------------------------------ figures
    def replay_figure(self) -> ReportFigure:
        """Value and outcomes by action and reviews per window, with alt text saying so."""
        shown = plot_replay(self.replay, segments=False)
        d = self.replay.decisions
        cur = self.currency
        by = d.groupby("action", observed=True)
        value = by["value"].sum()
        count = by.size()
        labelled = by["labelled"].sum()
        bad = d["bad"].where(d["labelled"].astype(bool), False).groupby(d["action"],
                                                                          observed=True).sum()
        words = []
        for action in count.index:
            n = int(count[action])
            lab = int(labelled[action])
            bad_share = format_number(bad[action] / lab if lab else None, "share",
                                      reason="no outcomes observed")
            words.append(f"{action}: {format_number(value[action], 'money', currency=cur)} over "
                         f"{self._count(n)} decisions, bad outcome in {bad_share} of those with "
                         f"an observed outcome")
        alt = (f"Replay of {self.policy.name}@{self.policy.version}. Total value by action and "
               f"what happened after each action: " + "; ".join(words) + ".")
        if shown.reviews_ax_ is not None:
            per = self.replay.reviews_per_window()
            alt += (f" Reviews per window over time: mean {format_number(per.mean(), 'number')}, "
                    f"busiest window {self._count(per.max())} reviews, starting "
                    f"{per.idxmax():%Y-%m-%d}.")
        return figure_of(shown.figure_, alt)

    def plot_segment_rates(self, column: str, ax=None) -> FourFifthsDisplay:
        """Favourable rate by segment of ``column``, with the four-fifths line.

        The bars and the dashed overall rate are
        :func:`trustlab.simulate.plot_segment_rates`; a dotted line is drawn at
        :data:`FOUR_FIFTHS` of the highest segment's favourable rate among
        segments with at least :data:`~trustlab.simulate.MIN_SEGMENT_ROWS`
        decisions (none when no segment has that many).

        Returns
        -------
        FourFifthsDisplay
            Holds the replay; its ``plot(ax=...)`` draws it again.
        """
        return FourFifthsDisplay(self.replay, column).plot(ax=ax)

    def segment_figures(self) -> list[ReportFigure]:
        """:meth:`plot_segment_rates` for each segment column, with alt text saying so."""
        out = []
        segmented = set(self.replay.metrics["by"].dropna())
        for column in [c for c in self.policy.segments if c in segmented]:
            shown = self.plot_segment_rates(column)
            rates = shown.rates
            if shown.four_fifths is None:
                line_words = (f"No segment has {MIN_SEGMENT_ROWS} or more decisions, so no "
                              "four-fifths line is drawn.")
            else:
                judged = rates[rates["decisions"] >= MIN_SEGMENT_ROWS]["favourable_rate"]
                below = judged[judged < shown.four_fifths].index.astype(str).tolist()
                top = shown.four_fifths / FOUR_FIFTHS
                line_words = (f"A dotted line marks four-fifths of the highest rate "
                              f"({format_metric('favourable_rate', top)} in {shown.highest}): "
                              f"{format_metric('favourable_rate', shown.four_fifths)}; "
                              + (f"segments below it: {', '.join(below)}." if below else
                                 "no segment is below it."))
            each = "; ".join(f"{seg}: {format_metric('favourable_rate', r)} of "
                             f"{self._count(n)}" for seg, r, n in
                             zip(rates.index.astype(str), rates["favourable_rate"],
                                 rates["decisions"]))
            overall = format_metric("favourable_rate", self.replay.metric("favourable_rate"))
            alt = (f"Horizontal bars: share of favourable decisions in each segment of {column} "
                   f"({each}). A dashed line marks the rate over all decisions, {overall}. "
                   f"{line_words}")
            out.append(figure_of(shown.figure_, alt))
        return out

    def drift_figure(self) -> ReportFigure | None:
        """Drift of the most drifted columns of each kind over time (None without a time column)."""
        if self.drift is None:
            return None
        shown = self.drift.plot(top=3)
        summary = self.drift_summary()
        words = "; ".join(f"{kind}: worst PSI {row['worst PSI']} ({row['column']}, window "
                          f"starting {row['worst window starts']}), first act level "
                          f"{row['first act']}" for kind, row in summary.iterrows())
        alt = (f"Population stability index per {self.drift.window.words} window for the most "
               f"drifted columns of each kind, with dashed warn and act lines: {words}.")
        return figure_of(shown.figure_, alt)

    # ------------------------------------------------------------------ model evidence
    def evidence(self) -> list[SignalEvidence]:
        """Calibration, discrimination and score distributions of each signal the policy reads.

        On the cases with an observed outcome, for a signal trained in this
        review (out-of-fold scores) as for one supplied in the data; empty
        when the policy has no ``outcomes``.
        """
        out_spec = self.policy.outcomes
        if out_spec is None:
            return []
        d = self.replay.decisions
        trained = {t.name: t for t in self.trained}
        outcome = f"{out_spec.label} is {bad_when_text(out_spec.bad_when)}"
        found = []
        for sig in self.policy.signals:
            if sig.name not in self.data.columns:
                continue
            if sig.name in trained:
                t = trained[sig.name]
                source = (f"trained in this review, out-of-fold scores ({t.folds} folds, "
                          f"{len(t.result.features)} features)")
            else:
                source = f"supplied in the data by model {sig.model}"
            score = pd.to_numeric(self.data[sig.name], errors="coerce").to_numpy(dtype=float)
            found.append(signal_evidence(score, d["labelled"].to_numpy(dtype=bool),
                                         d["bad"].to_numpy(dtype=bool), signal=sig,
                                         source=source, outcome=outcome))
        return found

    def evidence_section(self) -> list:
        """What the report shows per signal: summary table, figure and the reliability groups."""
        from IPython.display import HTML

        items: list = []
        evidence = self.evidence()
        if not evidence:
            return [HTML("<p>Not assessed: the policy has no outcomes to judge its signals "
                         "against.</p>")]
        if self.whole is not None:
            items.append(HTML(f"<p>On the most recent {self._count(len(self.records))} rows.</p>"))
        for ev in evidence:
            items.append(HTML(f"<h3>Signal {escape(ev.signal)}</h3>"))
            items.append(ReportTable(table_html(ev.summary())))
            items.append(figure_of(ev.plot().figure_, ev.alt_text()))
            groups = ev.calibration_frame()
            if groups is not None:
                items.append(ReportTable(table_html(
                    groups, caption=f"Reliability groups of {ev.signal}: cases of about equal "
                                    "number, ordered by prediction")))
        return items

    def limitations(self) -> list[str]:
        """What the numbers cannot say, in sentences."""
        r = self._checked
        out = []
        if self.whole is not None:
            out.append(f"The verdict, metrics, checks, segments and decision records cover all "
                       f"{self._count(self.whole.rows)} rows, replayed in parts on a Dask cluster; "
                       f"intervals, drift, trust, the gate and the example cases describe the "
                       f"most recent {self._count(len(self.records))} rows only, replayed on "
                       "their own "
                       "(their simulated reviews and rate-limit windows start afresh).")
        unl = r.metric("unlabelled_share")
        if unl == unl and unl > 0:
            out.append(f"Selective labels: {format_metric('unlabelled_share', unl)} of the cases "
                       f"have no observed outcome "
                       f"(usually because they were declined) and are valued as "
                       f"`unlabelled: {self.policy.outcomes.unlabelled}` says.")  # type: ignore[union-attr]
        if self.swaps is not None:
            s = self.swaps
            n_in = int(s.counts.set_index("tag").at["swap_in", "rows"])
            text = (f"Against {s.baseline}, {self._count(n_in)} cases would newly get a favourable "
                    f"decision. {s.assumption}")
            out.append(text)
        for t in self.trained:
            out.append(f"{t.note}. The scores were trained on this review's own data; the "
                       "model in production may differ, and its own out-of-fold scores should "
                       "be reviewed before the policy is trusted with it.")
            card = t.result.card
            if card.unscored_rows:
                why = card.unscored_reason or "no fold model could score them"
                out.append(f"{self._count(card.unscored_rows)} cases have no trained "
                           f"'{t.name}' score, "
                           f"because {why}; the policy's rules for a missing '{t.name}' decided "
                           "them, as in a model outage that production scoring would not have.")
        rev = self.policy.outcomes.reviewer if self.policy.outcomes else None
        if rev is None or rev.decision is None or rev.decision not in self.records.columns:
            acc = rev.accuracy if rev is not None else None
            out.append("No recorded human decisions: reviews are valued with a simulated "
                       f"reviewer right {format_number(acc, 'share', trim=True)} of the "
                       f"time (seed {self.seed}).")
        m = r.metrics
        missing = m[m["by"].isna() & m["value"].isna()]
        for row in missing.itertuples():
            out.append(f"{row.metric} could not be computed: {row.reason}")
        if self.label and self.label != self.policy.outcomes.label:  # type: ignore[union-attr]
            out.append(f"Outcomes were read from the data's column '{self.label}' in place of "
                       f"the policy's '{self.policy.outcomes.label}' (parameter `label`).")  # type: ignore[union-attr]
        if self.bad_when:
            out.append(f"An outcome counted as bad where the label is "
                       f"{bad_when_text(self.policy.outcomes.bad_when)} (parameter `bad_when`), "  # type: ignore[union-attr]
                       "in place of the policy's own `outcomes.bad_when`.")
        out.append("Intervals are from a bootstrap over decisions, which treats cases as "
                   "independent; cases that share a borrower, a day or a channel are not.")
        if self.drift is None:
            out.append("Drift and trust over time are not assessed: the policy names no time "
                       "column (`columns.time`) in this data, so the history cannot be cut into "
                       "windows.")
        else:
            out.append(f"Drift is measured against {self.drift.reference.description} in "
                       f"{self.drift.window.words} windows; a reference taken from the same "
                       "history only shows change within it, not against the data the model "
                       "was trained on.")
        return out

    def drift_summary(self) -> pd.DataFrame | None:
        """Per kind of drift: the worst PSI after the reference, where, and the first alerts."""
        if self.drift is None:
            return None
        s = self.drift.summary()
        s = s[s["metric"] == "psi"]
        rows = []
        for kind in ("data", "signal", "decision", "context"):
            part = s[s["kind"] == kind]
            if part.empty:
                continue
            worst = part.loc[part["worst"].idxmax()]
            first = part["first_act"].dropna()
            rows.append({"kind": kind, "columns": len(part),
                         "worst PSI": format_metric("psi", worst["worst"]),
                         "column": str(worst["column"]),
                         "worst window starts": f"{worst['worst_window']:%Y-%m-%d}",
                         "columns at act level": int(part["first_act"].notna().sum()),
                         "first act": f"{first.min():%Y-%m-%d}" if len(first) else "none"})
        return summary_frame(pd.DataFrame(rows).set_index("kind"),
                             kinds={"columns": "count", "columns at act level": "count"})

    def trust_summary(self) -> pd.DataFrame | None:
        """The trust metrics over the whole history, each by its kind, and why one is missing."""
        if self.trust is None:
            return None
        t = self.trust.summary()
        table = pd.DataFrame({"in words": [metric_words(m) for m in t.index],
                              "value": pd.DataFrame(t)["value"].to_numpy(),
                              "note": t["reason"].fillna("").to_numpy()},
                             index=pd.Index(t.index, name="metric"))
        return summary_frame(table, metric_column="metric", values=["value"])

    def gate_table(self) -> ReportTable | None:
        """The promotion gate: its verdict, and each criterion in words and colour (no symbols)."""
        g = self.gate
        if g is None:
            return None
        colour = "pass" if g.may_promote else "fail"
        head = (f"<p>{status_html(colour, 'MAY MOVE' if g.may_promote else 'STAYS')} "
                f"{escape(g.verdict())}</p>")
        f = g.frame
        if f.empty:
            return ReportTable(head)
        sign = {"at_least": "at least", "at_most": "at most"}
        table = pd.DataFrame({
            "criterion": f["criterion"].astype(str),
            "in words": [metric_words(m) for m in f["metric"]],
            "required": [f"{sign.get(d, d)} {format_number(v, kind_of(m), trim=True)}"
                         for m, d, v in zip(f["metric"], f["direction"], f["required"])],
            "observed": [format_metric(m, v) for m, v in zip(f["metric"], f["observed"])],
            "95% interval": ["" if lo != lo else
                             f"{format_metric(m, lo)} to {format_metric(m, hi)}"
                             for m, lo, hi in zip(f["metric"], f["lower"], f["upper"])],
            "result": np.where(f["holds"].astype(bool), "HOLDS", "FAILS"),
            "more decisions needed": ["" if h else format_metric("more_decisions", v)
                                      for h, v in zip(f["holds"], f["more_decisions"])],
            "why": ["" if h else str(r) for h, r in zip(f["holds"], f["reason"])],
        })
        return ReportTable(head + table_html(table, status=["result"]))

    def case_table(self) -> ReportTable:
        """The example cases: key, deciding rule, action and the whole reason, wrapped."""
        r = self.records.loc[self.cases]
        key = self.policy.id_column
        cases = r[key].astype(str) if key is not None and key in r.columns else \
            pd.Series([f"row {i}" for i in r.index], index=r.index)
        table = pd.DataFrame({"case": cases.to_numpy(), "rule": r["rule"].astype(str).to_numpy(),
                              "action": r["action"].astype(str).to_numpy(),
                              "reason": r["reason"].astype(str).to_numpy()})
        return ReportTable(table_html(table))

    def limitations_html(self):
        """:meth:`limitations` as a list, for a notebook or the report."""
        from IPython.display import HTML

        return HTML("<ul>" + "".join(f"<li>{escape(t)}</li>" for t in self.limitations())
                    + "</ul>")

    # ------------------------------------------------------------------ files
    def metrics_document(self) -> dict:
        """Everything ``metrics.json`` holds: every metric, every check, the verdict."""
        p = self.policy
        doc = {
            "format": "trustlab-review-metrics/1",
            "policy": {"name": p.name, "version": p.version, "hash": p.content_hash,
                       "owner": p.owner, "mode": p.mode},
            "champion": None if self.champion is None else {
                "name": self.champion.policy.name, "version": self.champion.policy.version,
                "hash": self.champion.policy.content_hash},
            "data": {"name": self.data_name, "rows": self.rows, "period": self._period_document()},
            "detail": None if self.whole is None else {
                "rows": len(self.records), "of": "the most recent rows",
                "covers": ["intervals", "drift", "promotion"], "whole_history": self.whole.where},
            "signals_trained": [{"signal": t.name, "note": t.note,
                                 "oof_auc": t.result.card.oof_auc} for t in self.trained],
            "seed": self.seed,
            "label": self.policy.outcomes.label if not self.label or self.policy.outcomes is None
            else self.label,
            "bad_when": None if self.policy.outcomes is None
            or not self.policy.outcomes.bad_when_given
            else list(bad_values(self.policy.outcomes.bad_when)),
            "metrics": self._checked.metrics.to_dict("records"),
            "checks": self._checked.checks.to_dict("records"),
            "intervals": None if self.intervals is None else self.intervals.frame.to_dict("records"),
            "champion_metrics": None if self.champion is None else
                self.champion.metrics[self.champion.metrics["by"].isna()].to_dict("records"),
            "verdict": self.verdict,
            "fairness_warnings": None if self.proxies is None else list(self.fairness_warnings),
            "disparity": None if self.disparity is None else self.disparity.to_dict(),
            "less_discriminatory_alternatives": None if self.lda is None else
                self.lda.to_dict(),
            "protected_proxies": None if self.proxies is None else {
                "protected": list(self.proxies.protected), "threshold": self.proxies.threshold,
                "measured": self.proxies.frame.to_dict("records")},
            "model_evidence": [e.to_dict() for e in self.evidence()],
            "drift": None if self.drift is None else {
                "reference": self.drift.reference.description,
                "reference_hash": self.drift.reference.content_hash,
                "window": self.drift.window.text,
                "alerts": self.drift.alerts("act")[
                    ["window_start", "column", "kind", "metric", "value", "act"]
                ].to_dict("records")},
            "promotion": None if self.gate is None else {
                "current_mode": self.gate.current_mode, "next_mode": self.gate.next_mode,
                "may_promote": self.gate.may_promote,
                "criteria": self.gate.frame.to_dict("records")},
        }
        return json_safe(doc)

    def _period_document(self) -> dict | None:
        """``metrics.json``'s data period: the time column, first and last decision time (UTC)."""
        period = self.period()
        if period is None:
            return None
        return {"column": self.policy.time_column, "first": period[0], "last": period[1],
                "recent_rows": None if self.whole is None else len(self.records)}

    def write(self, folder: str | Path) -> tuple[Path, Path]:
        """Write ``metrics.json`` and ``decisions.parquet`` into ``folder`` (made if missing).

        Both are byte-identical for the same inputs and parameters: keys sorted,
        no times, the row order of the data. A review on a cluster has its
        decision records written by the workers already, as the folder
        ``decisions.parquet/`` of one file per part (read back as one table).
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        metrics = folder / METRICS_FILE
        text = json.dumps(self.metrics_document(), sort_keys=True, indent=2, ensure_ascii=False,
                          allow_nan=False)
        metrics.write_text(text + "\n", encoding="utf-8")
        decisions = folder / DECISIONS_FILE
        if self.whole is not None:
            return metrics, self.whole.records
        self.records.reset_index(drop=True).to_parquet(decisions, index=False)
        return metrics, decisions

    def _repr_html_(self) -> str:
        return self.banner().data + self.headline().to_html()


def outcome_read_from(data: pd.DataFrame, label: str, policies, source: str = "data"
                      ) -> pd.DataFrame:
    """``data`` with column ``label`` read as each policy's outcome column.

    For a history whose outcome column is named differently from the policy's
    ``outcomes.label``: the policies are reviewed exactly as written (same
    content hash) and the data is mapped to them. An empty ``label`` returns
    ``data`` unchanged.

    Raises
    ------
    trustlab.DataError
        When ``label`` is not a column of ``data``.
    trustlab.ConfigError
        When a policy has no ``outcomes`` section to map to.
    """
    from .._errors import ConfigError, DataError, Problem

    if not label:
        return data
    if label not in data.columns:
        raise DataError(f"{source}", [Problem(
            f"column '{label}'", f"is not in the data, so it cannot be read as the outcome; "
                                 f"columns: {', '.join(map(str, data.columns))}")])
    targets = {}
    for p in policies:
        if p is None:
            continue
        if p.outcomes is None:
            raise ConfigError(f"Policy '{p.name}'", [Problem(
                "outcomes", f"is missing, so there is no outcome column to read '{label}' as")])
        targets[p.outcomes.label] = data[label]
    return data.assign(**{k: v for k, v in targets.items() if k != label})


def parse_bad_when(given) -> tuple[str, ...]:
    """The label values a ``bad_when`` review parameter names, as text.

    ``given`` is one value (``Charged Off``), a JSON list of values
    (``["Charged Off", "Default"]``), a JSON string (``"Yes"``, quotes
    included), or a Python list of values; empty text means the policy's own
    ``outcomes.bad_when``. Values are kept as text and matched against the
    label's values when the data is read (:func:`bad_when_read_as`), so
    ``Yes`` stays the text ``Yes`` (YAML would read it as true) and ``1``
    matches a 0/1 label. An empty list, like empty text, gives ``()``.

    Raises
    ------
    trustlab.ConfigError
        For text that opens a JSON list or string and is not one, or a list
        holding anything but plain values.

    Examples
    --------
    >>> parse_bad_when("Charged Off"), parse_bad_when('["Charged Off", "Default"]')
    (('Charged Off',), ('Charged Off', 'Default'))
    >>> parse_bad_when(""), parse_bad_when([1, True])
    ((), ('1', 'true'))
    """
    where = "Review parameters"
    fix = 'give one value (Charged Off) or a JSON list of values (["Charged Off", "Default"])'
    if isinstance(given, str):
        text = given.strip()
        if not text:
            return ()
        if text[0] not in '["':
            return (text,)
        try:
            given = json.loads(text)
        except ValueError:
            raise ConfigError(where, [Problem("-p bad_when", f"{text!r} is not valid JSON; "
                                                             f"{fix}")]) from None
        if isinstance(given, str):
            return (given,)
    items = list(given) if isinstance(given, (list, tuple)) else [given]
    if any(isinstance(v, (list, tuple, dict)) or v is None for v in items):
        raise ConfigError(where, [Problem("-p bad_when", f"{given!r} is not a list of plain "
                                                         f"values; {fix}")])
    return tuple(v if isinstance(v, str) else json.dumps(json_safe(v)) for v in items)


def _names_value(text: str, value) -> bool:
    """Does the parameter text ``text`` name the label value ``value``?"""
    if isinstance(value, (bool, np.bool_)):
        return text.strip().lower() == str(bool(value)).lower()
    if isinstance(value, (int, float, np.integer, np.floating)):
        try:
            return float(text) == float(value)
        except ValueError:
            return False
    return str(value) == text


def bad_when_read_as(policy: Policy, data: pd.DataFrame, bad_when, source: str = "data"
                     ) -> Policy:
    """``policy`` reading the label values that ``bad_when`` names as the bad outcome.

    For a history whose label codes the bad outcome differently from the
    policy's ``outcomes.bad_when`` (``"Charged Off"`` where the policy says
    ``true``, a 0/1 flag where it says ``"Yes"``). The policy keeps its
    identity (name, version, content hash): only how this data's outcome is
    read changes, and the review says so. Each value given is matched against
    the values of the label column as text (``1`` names the integer 1,
    ``true`` a boolean True); ``bad_when`` is given as for
    :func:`parse_bad_when`, and empty returns ``policy`` itself.

    Raises
    ------
    trustlab.ConfigError
        When ``bad_when`` cannot be read, or the policy has no ``outcomes``.
    trustlab.DataError
        When the label column is missing or no value given is one of its values.

    Examples
    --------
    >>> import trustlab
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> data = pd.DataFrame({"defaulted": ["Charged Off", "Fully Paid", "Default"]})
    >>> read = bad_when_read_as(p, data, '["Charged Off", "Default"]')
    >>> read.outcomes.bad_when, read.content_hash == p.content_hash
    (('Charged Off', 'Default'), True)
    """
    texts = parse_bad_when(bad_when)
    if not texts:
        return policy
    out = policy.outcomes
    if out is None:
        raise ConfigError(f"Policy '{policy.name}'", [Problem(
            "outcomes", "is missing, so there is no outcome label to read `bad_when` on")])
    if out.label not in data.columns:
        raise DataError(source, [Problem(
            f"column '{out.label}'", f"is the outcome label of policy '{policy.name}' and the "
                                     f"data lacks it. Columns: {', '.join(map(str, data.columns))}")])
    values = pd.unique(data[out.label].dropna()).tolist()
    matched = [v for v in values if any(_names_value(t, v) for t in texts)]
    if not matched:
        shown = ", ".join(sorted(map(repr, values))[:10]) or "none"
        raise DataError(source, [Problem(
            "-p bad_when", f"{' or '.join(map(repr, texts))} is not a value of label "
                           f"'{out.label}' (values: {shown}), so no case would count as bad; "
                           f"give the value (or a JSON list of the values) that means the bad "
                           f"outcome")])
    read = tuple(matched) if len(matched) > 1 else matched[0]
    outcomes = dataclasses.replace(out, bad_when=read, bad_when_given=True)
    return dataclasses.replace(policy, outcomes=outcomes, _cache={})


def assess(policy: Policy, data, *, data_name: str = "data",
           champion: Policy | None = None, seed: int = 0, bootstrap: int = 1000,
           cases: int = 5, glossary=None, exclude: tuple[str, ...] = (),
           train_signal: bool = True, label: str = "", bad_when=(), model_cards=(),
           client=None, out: str | Path | None = None, recent_rows: int = 200_000) -> Review:
    """Review ``policy`` on ``data``: everything the report and its files say.

    Parameters
    ----------
    policy : Policy
        With ``outcomes`` and ``checks``.
    data : pandas.DataFrame, path or dask.dataframe.DataFrame
        The history; a signal the policy declares and the data lacks is scored
        out of fold (see :func:`trustlab.signals.train_missing_signals`). A
        Parquet file or folder, or a Dask DataFrame (with ``client``), is
        reviewed in parts by :func:`assess_on_cluster` (``out`` and
        ``recent_rows`` are its; ``exclude``, ``train_signal`` and
        ``model_cards`` need the history in memory).
    data_name : str
        How the report names the data.
    champion : Policy, optional
        The live policy to compare with.
    seed : int
        Seeds the simulated reviewer, the bootstrap, the folds and the cases.
    bootstrap : int
        Replicates for the headline intervals (0 for none).
    cases : int
        Example decisions to explain.
    glossary : Glossary, optional
        Plain phrases for reason codes; its prohibited bases, and the policy's
        protected attributes (``fairness.protected``), are never trained on
        and never given as reasons (see :func:`trustlab.explain.prohibited_bases`).
    exclude : tuple of str
        Further columns a trained signal must not read.
    train_signal : bool
        False refuses a data set that lacks a signal instead of training one.
    label : str
        A column of ``data`` to read as the outcome instead of the policy's
        ``outcomes.label`` (see :func:`outcome_read_from`); empty for the policy's own.
    bad_when : str or sequence
        The label value (or values) meaning the bad outcome, in place of the
        policy's ``outcomes.bad_when``, for the policy and the champion (see
        :func:`bad_when_read_as`); empty for the policy's own.
    model_cards : mapping of str to ModelCard, optional
        Model cards of the supplied signals, by signal name. With a policy
        declaring ``fairness``, a card listing a protected attribute among
        its features is warned about in the verdict area, as is a feature
        predicting a protected attribute strongly (see
        :func:`trustlab.signals.proxy_warnings`).

    Raises
    ------
    trustlab.DataError, trustlab.ConfigError
        For data the policy or the champion cannot be replayed on.
    """
    if not in_memory(data, client):
        refuse_in_memory_options("assess", {
            "exclude": (tuple(exclude), ()),
            "train_signal": (train_signal, True),
            "model_cards": (len(model_cards), 0),
        })
        if out is None:
            raise ParameterError("assess", [Problem("out", (
                "a history in parts is reviewed in parts, and the decision records are written "
                "into the review folder as they are made: give out=<review folder>"))])
        return assess_on_cluster(policy, data, client=client, out=out, recent_rows=recent_rows,
                                 data_name=data_name, champion=champion, seed=seed,
                                 bootstrap=bootstrap, cases=cases, glossary=glossary,
                                 label=label, bad_when=bad_when)
    prohibited = tuple(exclude) + tuple(sorted(prohibited_bases(glossary, policy)))
    data = outcome_read_from(data, label, (policy, champion))
    given = parse_bad_when(bad_when)
    policy = bad_when_read_as(policy, data, given, source=f"Data '{data_name}'")
    if champion is not None:
        champion = bad_when_read_as(champion, data, given, source=f"Data '{data_name}'")
    if label and policy.outcomes is not None and label != policy.outcomes.label:
        prohibited += (label,)  # the copy of the outcome is no feature either
    scored, trained = train_missing_signals(data, policy, exclude=prohibited, seed=seed,
                                            allow_training=train_signal)
    proxies = None
    if policy.fairness is not None:  # warnings in words, computed once: never a refusal
        others = tuple(s.name for s in champion.signals) if champion is not None else ()
        proxies = proxy_warnings(data, policy, model_cards=model_cards,
                                 exclude=prohibited + others, seed=seed)
    result = replay(policy, scored, seed=seed)
    drift = trust = gate = None
    if policy.time_column is not None and policy.time_column in scored.columns:
        drift, trust, gate = _over_time(policy, scored, result)
        result = with_drift_metrics(policy, result, drift)
    champ = None
    if champion is not None:
        scored_c, more = train_missing_signals(scored, champion, exclude=prohibited, seed=seed,
                                               allow_training=train_signal)
        trained = trained + more
        champ = replay(champion, scored_c, seed=seed)
    intervals = bootstrap_metrics(result, n=bootstrap, seed=seed) if bootstrap else None
    impact = None
    if champ is not None:
        from ..change import policy_impact

        impact = policy_impact(champion, policy, scored, seed=seed, bootstrap=bootstrap,
                               examples=cases, old_replay=champ, new_replay=result)
    swaps = None
    rev = policy.outcomes.reviewer if policy.outcomes else None
    if champ is not None:
        swaps = swap_analysis(result, baseline=champ)
    elif rev is not None and rev.decision is not None and rev.decision in data.columns:
        swaps = swap_analysis(result)
    records = result.records
    codes = None
    picked: list = []
    own = next((t for t in trained if t.name in {s.name for s in policy.signals}), None)
    from ..explain import ReasonExplainer, pick_cases

    if own is not None:
        codes = ReasonExplainer(own.result.model, glossary).reason_codes(scored, records, policy,
                                                                        signal=own.name)
        records = codes.add_to(records)
    if cases:
        picked = pick_cases(result.records, cases, seed=seed)
    if policy.id_column is None:
        records = records.copy()
        records.insert(0, "row", np.arange(len(records), dtype=np.int64))
    disparity = lda = None
    lda_note = ""
    if policy.fairness is not None:
        from ..fairness import disparity as measure_disparity

        disparity = measure_disparity(policy, scored, result, bootstrap=bootstrap, seed=seed)
        lda, lda_note = _lda_of(policy, scored, seed)
    return Review(policy, data_name, scored, result, intervals, swaps, champ, trained, codes, records,
                  picked, seed, label, drift, trust, gate, impact, bad_when=given,
                  proxies=proxies, disparity=disparity, lda=lda, lda_note=lda_note)


def _lda_of(policy: Policy, scored: pd.DataFrame, seed: int):
    """The search for a less discriminatory alternative (:func:`search_alternatives`) and a
    note in words: why it was not run, or what was set aside to run it."""
    from ..simulate import search_alternatives

    found = search_alternatives(policy, scored, seed=seed)
    return found.search, found.note


def assess_on_cluster(policy: Policy, data, *, client, out: str | Path,
                      recent_rows: int = 200_000, data_name: str = "data",
                      champion: Policy | None = None, seed: int = 0, bootstrap: int = 1000,
                      cases: int = 5, glossary=None, label: str = "", bad_when=()) -> Review:
    """Review ``policy`` on a history too large for memory, replayed on a Dask cluster.

    The whole history is replayed in parts (:func:`trustlab.scale.replay`):
    the verdict, metrics, checks, segments, trust and decision records are
    its. The sections that need rows in memory — bootstrap intervals, drift,
    the promotion gate, the champion comparison and the example cases — are
    computed by :func:`assess` on the most recent ``recent_rows`` rows, and
    the report says so. ``max_signal_psi`` and ``max_feature_psi`` come from
    that drift.

    Parameters
    ----------
    policy : Policy
    data : path or dask.dataframe.DataFrame
        A Parquet file or folder the workers can read, in time order where
        the policy has rate limits or a drift brake.
    client : distributed.Client or str
        The cluster, or its scheduler address (``"tcp://host:8786"``).
    out : path
        The review folder; the workers write ``decisions.parquet/`` into it,
        so it must be a path they reach.
    recent_rows : int
        Rows read into memory for the detail sections.
    data_name, champion, seed, bootstrap, cases, glossary
        As for :func:`assess`.
    label : str
        Must be empty: on a cluster the outcome is the policy's own
        ``outcomes.label`` column.
    bad_when : str or sequence
        As for :func:`assess`; its values are matched against the label
        values of the most recent rows.

    Raises
    ------
    trustlab.DataError
        When the data lacks a signal the policy reads (signals are not
        trained on a cluster), for a ``label``, or for what
        :func:`trustlab.scale.replay` refuses.
    """
    from .._errors import DataError, Problem
    from ..scale import replay as replay_in_parts
    from ..scale import read_recent

    if label:
        raise DataError(f"Data '{data_name}'", [Problem(
            "label", f"is '{label}'; on a cluster the outcome is read from the policy's own "
                     "outcomes.label column: name the column so in the data, or review without "
                     "dask_scheduler")])

    recent = read_recent(data, recent_rows) if isinstance(data, (str, Path)) \
        else data.tail(recent_rows, npartitions=-1).reset_index(drop=True)
    for p in (policy, champion):
        missing = [] if p is None else [s.name for s in p.signals if s.name not in recent.columns]
        if missing:
            raise DataError(f"Data '{data_name}'", [Problem(
                f"column '{missing[0]}'", f"is the signal policy '{p.name}' reads, and the data "
                                          "lacks it; on a cluster signals are not trained: "
                                          "score the history first, or review without "
                                          "dask_scheduler")])
    given = parse_bad_when(bad_when)
    policy = bad_when_read_as(policy, recent, given, source=f"Data '{data_name}'")
    if champion is not None:
        champion = bad_when_read_as(champion, recent, given, source=f"Data '{data_name}'")
    whole = replay_in_parts(policy, data, client=client, seed=seed,
                            out=Path(out) / DECISIONS_FILE)
    review = assess(policy, recent, data_name=data_name, champion=champion, seed=seed,
                    bootstrap=bootstrap, cases=cases, glossary=glossary, train_signal=False,
                    bad_when=given)
    metrics = whole.metrics
    if review.drift is not None:
        metrics = with_drift_metrics(policy, whole, review.drift).metrics
        rows = metrics["metric"].isin(["max_signal_psi", "max_feature_psi"]) & \
            metrics["by"].isna() & metrics["value"].notna()
        metrics.loc[rows, "reason"] = f"measured on the most recent {len(recent):,} rows"
    whole = dataclasses.replace(whole, metrics=metrics, checks=evaluate_checks(policy, metrics))
    return dataclasses.replace(review, whole=whole)


def _over_time(policy: Policy, data: pd.DataFrame, result: Replay):
    """Drift (the policy's reference, or the first quarter), trust and the promotion gate."""
    from ..drift import policy_drift
    from ..trust import promotion_gate, trust_over_time

    drift = policy_drift(policy, data, records=result.records)
    trust = trust_over_time(result, window=drift.window)
    gate = promotion_gate(result, signal_psi=drift.max("psi", "signal"))
    return drift, trust, gate


def with_drift_metrics(policy: Policy, result, drift):
    """``result`` (a replay) with ``max_signal_psi`` and ``max_feature_psi`` measured by
    ``drift`` (:func:`trustlab.drift.policy_drift`) and the policy's checks re-evaluated."""
    m = result.metrics.copy()
    for name, kind in (("max_signal_psi", "signal"), ("max_feature_psi", "data")):
        value = drift.max("psi", kind)
        rows = (m["metric"] == name) & m["by"].isna()
        m.loc[rows, "value"] = value
        m.loc[rows, "reason"] = "" if value == value else f"no {kind} column was monitored"
    return dataclasses.replace(result, metrics=m, checks=evaluate_checks(policy, m))
