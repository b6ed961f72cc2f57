"""Champion/challenger shadow runs: two policies over the same records, case by case.

:func:`shadow_run` replays the live policy (the *champion*) and a candidate
(the *challenger*) over the same history with the same seed, so the same case
meets the same simulated reviewer under both, and compares their final
actions case by case: how often they agree, per time window and per segment;
where they disagree, how (the champion action × challenger action matrix);
and, where the outcome was observed, which of the two would have been right.

Every metric is a count or a ratio of two counts, so each is one ``bincount``
over a combined window × segment code; nothing loops over rows. A metric that
cannot be computed in a window is NaN with a reason, never 0.

Definitions
-----------
*Agreement*: the two final actions (after guardrails and the kill switch) have
the same name.

*Judgement of one side* on one case, against the observed outcome:
``right`` when an automated action met the outcome its ``right_when`` names
(by default a favourable action the good outcome, any other automated action
the bad one; a retention offer is right for a customer who would churn); ``wrong`` for the other
two; ``deferred`` for a human action (review), which is neither right nor
wrong — a person decides; ``unknown`` for an automated action on a case with
no observed outcome. Both sides are judged on the champion's outcome
(``outcomes.label`` and ``bad_when`` of the champion).

*Verdict* on a disagreement with an observed outcome, one of six that sum to
1 over those cases. It names the side whose action was right where the
other's was not; failing that, the side whose automated action was wrong
where the other left the case to a person:

* ``challenger_right``: the challenger's action was right, the champion's
  wrong or deferred; ``champion_right``: the reverse;
* ``challenger_wrong``: the challenger's automated action was wrong where the
  champion deferred (the champion's deferral avoided the error);
  ``champion_wrong``: the reverse;
* ``both_deferred``: two different human actions;
* ``tie``: two different automated actions judged alike, both right or both
  wrong (e.g. two unfavourable actions on a bad outcome).

A disagreement with no observed outcome is ``unlabelled``: who was right
cannot be known.

Where one side defers, a person decides, and the replay's reviewer (recorded
or simulated) is not judged here: its effect is in the value difference.

Selective labels: history shows the outcome only for cases someone said yes
to. The disagreements with no outcome are therefore typically cases that were
declined, and the verdicts describe the disagreements whose outcome was seen,
not all of them. ``unlabelled_share`` says how many were left out.

*Value difference*: challenger value − champion value (each side valued by its
own ``outcomes`` as in :func:`trustlab.simulate.replay`), summed over the
disagreements both sides can value. Agreeing cases are left out: with the same
``outcomes`` and seed they are worth the same under both.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import NamedTuple

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from .._format import axis_label, tick_formatter
from .._time import time_ns, times_ns, window_ids, window_starts
from ..metrics import SummaryFrame, currency_of, format_metric, metric_words, summary_frame
from .._windowed import WindowGrid
from ..policy import read_window
from ..policy import Policy, Window
from ..simulate import Replay, replay

from ._impact import require_version_bump

__all__ = ["ShadowMetric", "SHADOW_METRICS", "SHADOW_COLUMNS", "VERDICTS", "VERDICT_SHARES",
           "JUDGEMENTS", "ShadowResult", "ShadowDisplay", "shadow_run"]

SHADOW_COLUMNS = ("window_start", "by", "segment", "metric", "value", "numerator", "denominator",
                  "reason")
"""Columns of :attr:`ShadowResult.frame`: the schema of :attr:`trustlab.trust.TrustResult.frame`."""

JUDGEMENTS = ("right", "wrong", "deferred", "unknown")
"""How one side's action is judged on one case, against the observed outcome."""

VERDICTS = ("agree", "challenger_right", "champion_right", "challenger_wrong", "champion_wrong",
            "both_deferred", "tie", "unlabelled")
"""The verdict on one case: agreement, or one of seven kinds of disagreement."""


class ShadowMetric(NamedTuple):
    """One shadow metric: its sums, its words (from :mod:`trustlab.metrics`), why it may have no
    value."""

    numerator: str
    denominator: str | None
    words: str
    of: str
    empty: str


_SOURCE = "shadow_run"
_NO_CASES = "no cases"
_NO_DISAGREEMENTS = "no disagreements: the two policies took the same action on every case"
_NO_LABELLED = ("no disagreement has an observed outcome (under selective labels the outcome "
                "of a declined case is never seen)")
_NO_VALUE = ("no disagreement can be valued under both policies: none has an observed outcome "
             "and `outcomes.unlabelled` is `exclude`")

SHADOW_METRICS: dict[str, ShadowMetric] = {
    "cases": ShadowMetric("cases", None, metric_words("cases"), "", ""),
    "agreement": ShadowMetric("agree", "cases", metric_words("agreement"), "cases", _NO_CASES),
    "disagreements": ShadowMetric("disagree", None, metric_words("disagreements"), "", ""),
    "unlabelled_share": ShadowMetric("unlabelled", "disagree", metric_words("unlabelled_share"),
                                     "disagreements", _NO_DISAGREEMENTS),
    **{name: ShadowMetric(sums, "labelled", metric_words(name),
                          "disagreements with an observed outcome", _NO_LABELLED)
       for name, sums in (("challenger_right_share", "challenger_right"),
                          ("champion_right_share", "champion_right"),
                          ("challenger_wrong_share", "challenger_wrong"),
                          ("champion_wrong_share", "champion_wrong"),
                          ("both_deferred_share", "both_deferred"),
                          ("tie_share", "tie"))},
    "value_difference": ShadowMetric("value_diff", None, metric_words("value_difference"), "",
                                     _NO_VALUE),
    "value_difference_per_disagreement": ShadowMetric(
        "value_diff", "valued", metric_words("value_difference_per_disagreement"),
        "disagreements valued under both", _NO_VALUE),
}
"""Metric name → :class:`ShadowMetric`, in the order of :attr:`ShadowResult.frame`.

``cases``, ``disagreements`` and ``value_difference`` are totals (their
``denominator`` is NaN); the rest are ``numerator / denominator``. The six
verdict shares (``challenger_right_share`` to ``tie_share``) split the
disagreements with an observed outcome and sum to 1; ``unlabelled_share`` is
the share of all disagreements with no observed outcome, the ones left out of
that split.
"""

VERDICT_SHARES = ("challenger_right_share", "champion_right_share", "challenger_wrong_share",
                  "champion_wrong_share", "both_deferred_share", "tie_share")
"""The metrics that split the disagreements with an observed outcome (they sum to 1)."""

_RIGHT, _WRONG, _DEFERRED, _UNKNOWN = range(4)


# ----------------------------------------------------------------------------- metrics

def _metric_values(s: dict[str, np.ndarray]
                   ) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Metric → (value, numerator, denominator, reason) from sums of any shape."""
    shape = np.shape(s["cases"])
    nan = np.full(shape, np.nan)
    no_dis = np.asarray(s["disagree"]) == 0
    out = {}
    for name, m in SHADOW_METRICS.items():
        num = np.asarray(s[m.numerator], dtype=float)
        if name == "value_difference":
            valued = np.asarray(s["valued"]) > 0
            ok = no_dis | valued  # no disagreement: the two are worth the same, 0
            out[name] = (np.where(ok, num, np.nan), num, nan,
                         np.where(ok, "", _NO_VALUE).astype(object))
            continue
        if m.denominator is None:
            out[name] = (num, num, nan, np.full(shape, "", dtype=object))
            continue
        den = np.asarray(s[m.denominator], dtype=float)
        ok = den > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.where(ok, num / np.where(ok, den, 1.0), np.nan)
        why = np.where(no_dis, _NO_DISAGREEMENTS, m.empty) if m.denominator != "cases" else \
            np.full(shape, m.empty, dtype=object)
        out[name] = (value, num, den, np.where(ok, "", why).astype(object))
    return out


def _judge(d: pd.DataFrame, labelled: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """:data:`JUDGEMENTS` codes of one side's final actions."""
    auto = d["automated"].to_numpy(dtype=bool)
    right_if_bad = d["right_if_bad"].to_numpy(dtype=bool)
    return np.select([~auto, ~labelled, right_if_bad == bad], [_DEFERRED, _UNKNOWN, _RIGHT],
                     default=_WRONG).astype(np.int8)


def _verdicts(agree: np.ndarray, labelled: np.ndarray, champ: np.ndarray, chall: np.ndarray
              ) -> np.ndarray:
    """:data:`VERDICTS` codes of every case."""
    ch_right, cl_right = champ == _RIGHT, chall == _RIGHT
    ch_def, cl_def = champ == _DEFERRED, chall == _DEFERRED
    code = {v: i for i, v in enumerate(VERDICTS)}
    return np.select(
        [agree, ~labelled, cl_right & ~ch_right, ch_right & ~cl_right,
         (chall == _WRONG) & ch_def, (champ == _WRONG) & cl_def, ch_def & cl_def],
        [code["agree"], code["unlabelled"], code["challenger_right"], code["champion_right"],
         code["challenger_wrong"], code["champion_wrong"], code["both_deferred"]],
        default=code["tie"]).astype(np.int8)


def _indicators(cases: pd.DataFrame) -> dict[str, np.ndarray]:
    """One float array per count the shadow metrics need, one entry per case."""
    v = cases["verdict"].cat.codes.to_numpy()
    agree = cases["agree"].to_numpy(dtype=bool)
    diff = cases["value_difference"].to_numpy(dtype=float)
    valued = ~agree & np.isfinite(diff)
    cols = {
        "cases": np.ones(len(cases)),
        "agree": agree,
        "disagree": ~agree,
        "unlabelled": v == VERDICTS.index("unlabelled"),
        "labelled": ~agree & (v != VERDICTS.index("unlabelled")),
        **{name: v == VERDICTS.index(name) for name in VERDICTS[1:-1]},
        "valued": valued,
        "value_diff": np.where(valued, diff, 0.0),
    }
    return {k: np.asarray(a, dtype=float) for k, a in cols.items()}


# ----------------------------------------------------------------------------- result

@dataclass(frozen=True)
class ShadowDisplay:
    """A drawn shadow run: ``ax_`` (agreement in %), ``volume_ax_`` (disagreements), ``figure_``."""

    ax_: object
    volume_ax_: object
    figure_: object


@dataclass(frozen=True, eq=False)
class ShadowResult:
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
        >>> from trustlab.datasets import FeatureDrift, make_history
        >>> history = make_history(n_days=126, applications_per_day=20, seed=0, scenarios=[
        ...     FeatureDrift("2025-04-14", "debt_to_income", 15.0)])
        >>> s = shadow_run(trustlab.load_policy("policies/consumer-credit.yaml"),
        ...                trustlab.load_policy("policies/consumer-credit-braked.yaml"), history)
        >>> int(s.totals().loc["cases", "value"]) == len(history)
        True
        """
        ind = _indicators(self.cases)
        labels = ["(all)"]
        sums = {k: a.sum(keepdims=True) for k, a in ind.items()}
        if segments and self.by is not None:
            codes, uniq = pd.factorize(self.cases[self.by], sort=True)
            labels += [str(u) for u in uniq]
            sums = {k: np.concatenate([sums[k], np.bincount(codes, weights=a,
                                                            minlength=len(uniq))])
                    for k, a in ind.items()}
        vals = _metric_values(sums)
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
            out[f"{side}_action"] = rec["action"].astype(object).to_numpy()[moved]
            out[f"{side}_rule"] = _rule_and_guard(rec, moved)
            out[f"{side}_reason"] = rec["reason"].astype(object).to_numpy()[moved]
        lab, bad = c["labelled"].to_numpy()[moved], c["bad"].to_numpy()[moved]
        out["outcome"] = np.where(lab, np.where(bad, "bad", "good"), "unobserved")
        out["verdict"] = c["verdict"].astype(object).to_numpy()[moved]
        out["value_difference"] = c["value_difference"].to_numpy()[moved]
        return out

    def summary(self) -> SummaryFrame:
        """Every metric over the whole run (:meth:`totals`), each number printed by its kind.

        :meth:`in_words` says what it means in sentences.

        Examples
        --------
        >>> import trustlab
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
        v = t["value"]
        cases, agree = int(v["cases"]), v["agreement"]
        cur = self._currency

        def n_(k) -> str:
            return format_metric("cases", k)

        def pct(x) -> str:
            return format_metric("agreement", x)

        def money(x) -> str:
            return format_metric("value_difference", x, currency=cur)

        lines = [f"Challenger {self.challenger.name}@{self.challenger.version} shadowed champion "
                 f"{self.champion.name}@{self.champion.version} over {n_(cases)} cases, "
                 f"{_span_text(self.frame)} (windows of {_article(self.window)})."]
        if cases == 0:
            return "\n".join(lines)
        dis = int(v["disagreements"])
        per = self.metric("agreement").dropna()
        spread = ""
        if len(per) > 1:
            lo, hi = per.idxmin(), per.idxmax()
            spread = (f"; per {self.window.words} from {pct(per[lo])} ({_window_name(self, lo)}) "
                      f"to {pct(per[hi])} ({_window_name(self, hi)})")
        lines.append(f"They take the same final action on {n_(cases - dis)} cases ({pct(agree)})"
                     f"{spread}.")
        if dis == 0:
            lines.append("They never disagree, so there is nothing to judge.")
            return "\n".join(lines)
        if self.by is not None:
            seg = self.totals(segments=True)["value"].unstack("metric").drop(index="(all)")
            seg = seg[seg["cases"] > 0]
            if len(seg) > 1:
                low = seg["agreement"].idxmin()
                lines.append(f"By {self.by}, agreement is lowest for {low} "
                             f"({pct(seg.loc[low, 'agreement'])} of "
                             f"{n_(seg.loc[low, 'cases'])} cases) and highest for "
                             f"{seg['agreement'].idxmax()} "
                             f"({pct(seg['agreement'].max())}).")
        moves = self.pairs[self.pairs["champion_action"] != self.pairs["challenger_action"]]
        moves = moves.groupby(["champion_action", "challenger_action"])["count"].sum()
        moves = moves.sort_values(ascending=False, kind="stable").head(3)
        said = ", ".join(f"{a} → {b} ({n_(k)})" for (a, b), k in moves.items())
        lines.append(f"Of the {n_(dis)} disagreements (champion → challenger), "
                     + (f"all are {said}." if len(moves) == 1 and moves.iloc[0] == dis else
                        f"the most common are {said}."))
        unl = int(t.loc["unlabelled_share", "numerator"])
        lab = dis - unl
        if unl:
            lines.append(f"{n_(unl)} disagreements ({pct(unl / dis)}) have no observed outcome, so "
                         f"who was right cannot be known there. Under selective labels these are "
                         f"typically cases that were declined, whose outcome history never "
                         f"shows: the verdicts below describe only the disagreements whose "
                         f"outcome was seen.")
        else:
            lines.append("Every disagreement has an observed outcome.")
        if lab:
            def part(metric: str) -> str:
                k = int(t.loc[metric, "numerator"])
                return f"{n_(k)} ({pct(k / lab)})"

            said = [f"the challenger's action was right and the champion's not in "
                    f"{part('challenger_right_share')}",
                    f"the champion's right and the challenger's not in "
                    f"{part('champion_right_share')}",
                    f"the challenger's wrong where the champion left it to a person in "
                    f"{part('challenger_wrong_share')}",
                    f"the champion's wrong where the challenger left it to a person in "
                    f"{part('champion_wrong_share')}"]
            if t.loc["both_deferred_share", "numerator"]:
                said.append(f"both left it to a person in {part('both_deferred_share')}")
            if t.loc["tie_share", "numerator"]:
                said.append(f"both automated and judged alike in {part('tie_share')}")
            lines.append(f"On the {n_(lab)} with an observed outcome, {'; '.join(said)}. A human "
                         f"action is neither right nor wrong: a person decides.")
        vd, valued = v["value_difference"], t.loc["value_difference_per_disagreement",
                                                   "denominator"]
        if vd == vd:
            lines.append(f"On the {n_(valued)} disagreements both can value, the challenger's "
                         f"decisions are worth {money(vd)} in total "
                         f"({money(vd / valued)} per case) against the champion's.")
        else:
            lines.append(f"Value difference: n/a — {t.loc['value_difference', 'reason']}.")
        differ = _valuation_differences(self.champion, self.challenger)
        if differ:
            lines.append(f"The two policies value outcomes differently ({', '.join(differ)}): "
                         f"each side is valued by its own `outcomes`, so the value difference "
                         f"mixes the change of decisions with the change of valuation; both are "
                         f"judged on the champion's outcome.")
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
        import matplotlib.dates as mdates
        import matplotlib.pyplot as plt

        from ..trust._plots import _window_label

        self._segment_mask(segment, "ShadowResult.plot")
        agree = self.metric("agreement", segment)
        volume = self.metric("disagreements", segment)
        if ax is None:
            fig, ax = plt.subplots(figsize=(9, 4))
        else:
            fig = ax.figure
        vol_ax = ax.twinx()
        days = self.window.seconds / 86400
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
        who = "" if segment is None else f", {self.by} = {segment}"
        ax.set_title(f"How often the challenger takes the champion's action, per "
                     f"{self.window.words}{who}\nchallenger {self.challenger.name}@"
                     f"{self.challenger.version}, champion {self.champion.name}@"
                     f"{self.champion.version}", fontsize=10)
        ax.set_xlabel(_window_label(self.window))
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
        return ShadowDisplay(ax, vol_ax, fig)

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


def _rule_and_guard(records: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    rule = records["rule"].astype(object).to_numpy()[rows]
    guard = records["guardrail"].astype(object).to_numpy()[rows]
    has = pd.notna(guard)
    out = rule.astype(object)
    out[has] = rule[has] + " + " + guard[has]
    return out


# ----------------------------------------------------------------------------- inputs

def _check_inputs(champion, challenger, data) -> None:
    problems = [Problem(name, f"must be a Policy (from trustlab.load_policy); got "
                              f"{type(p).__name__}")
                for name, p in (("champion", champion), ("challenger", challenger))
                if not isinstance(p, Policy)]
    if not isinstance(data, pd.DataFrame):
        problems.append(Problem("data", f"must be a pandas DataFrame; got {type(data).__name__}"))
    if problems:
        raise DataError(_SOURCE, problems)
    require_version_bump(champion, challenger)

def _side(policy: Policy, given: Replay | None, data: pd.DataFrame, seed: int, role: str
          ) -> Replay:
    if given is None:
        return replay(policy, data, seed=seed)
    where = f"{role}_replay"
    if not isinstance(given, Replay):
        raise DataError(_SOURCE, [Problem(where, f"must be a Replay (from "
                                                 f"trustlab.simulate.replay); got "
                                                 f"{type(given).__name__}")])
    if given.policy.content_hash != policy.content_hash:
        raise DataError(_SOURCE, [Problem(where, (
            f"replays {given.policy.identity}, not the {role} {policy.identity}; pass the replay "
            f"of the {role} or leave it out"))])
    if len(given.decisions) != len(data) or not given.decisions.index.equals(data.index):
        raise DataError(_SOURCE, [Problem(where, (
            f"was made from other data ({len(given.decisions):,} rows against {len(data):,}, "
            f"or another index); it must be the replay of `data`, same rows and index"))])
    if given.seed != seed:
        raise DataError(_SOURCE, [Problem(where, (
            f"was replayed with seed {given.seed} and seed={seed}; both sides need the same "
            f"seed so that a case meets the same simulated reviewer under both. Pass "
            f"seed={given.seed}"))])
    return given


def _time_column(champion: Policy, challenger: Policy, data: pd.DataFrame) -> str:
    col = champion.time_column or challenger.time_column
    if col is None:
        raise DataError(_SOURCE, [Problem("columns.time", (
            f"neither policy ('{champion.name}', '{challenger.name}') names a time column, so "
            f"cases cannot be placed in time windows; set `columns.time` in the champion to "
            f"the column holding each decision's time"))])
    if col not in data.columns:
        raise DataError(_SOURCE, [Problem(f"column '{col}'", (
            f"is the time column (`columns.time`) and the data lacks it. Columns: "
            f"{', '.join(map(str, data.columns))}"))])
    return col


def _segment_key(by: str, data: pd.DataFrame) -> np.ndarray:
    if not isinstance(by, str) or by not in data.columns:
        raise DataError(_SOURCE, [Problem("by", (
            f"names column {by!r}, which the data lacks; give one column of the data. "
            f"Columns: {', '.join(map(str, data.columns))}"))])
    col = data[by]
    return col.astype(object).where(col.notna(), "(missing)").astype(str).to_numpy()


# ----------------------------------------------------------------------------- entry point

def shadow_run(champion: Policy, challenger: Policy, data: pd.DataFrame, *,
               window: str | Window = "1W", by: str | None = None, seed: int = 0,
               champion_replay: Replay | None = None, challenger_replay: Replay | None = None
               ) -> ShadowResult:
    """Replay a champion and a challenger over the same records and compare them case by case.

    Parameters
    ----------
    champion : Policy
        The live policy, with ``outcomes`` and ``columns.time``.
    challenger : Policy
        The candidate, with ``outcomes``. Its name may differ from the
        champion's; the same ``name@version`` with different content is
        refused (a change must bump ``version``).
    data : pandas.DataFrame
        History with what both policies read, the champion's outcome label and
        its time column.
    window : str or Window, default "1W"
        Window length, read as a policy reads ``outcomes.window`` (a count and
        one of ``s``, ``min``, ``h``, ``D``, ``W``). Windows are fixed and
        aligned to the Unix epoch (weeks to Mondays), as in the engine.
    by : str, optional
        A column of ``data`` to break every metric down by; missing values
        form the segment ``(missing)``.
    seed : int, default 0
        Seeds both replays' simulated reviewer: one draw per case whatever the
        policy, so a case sent to review meets the same reviewer under both.
    champion_replay, challenger_replay : Replay, optional
        Replays of ``data`` already made (with ``seed``), to save replaying.

    Returns
    -------
    ShadowResult
        Per window (and segment): ``cases``, ``agreement`` (same final
        action), ``disagreements``, ``unlabelled_share`` (disagreements with
        no observed outcome), the verdict shares over disagreements with an
        observed outcome — ``challenger_right_share`` and
        ``champion_right_share`` (that side right, the other not),
        ``challenger_wrong_share`` and ``champion_wrong_share`` (that side's
        automated action wrong where the other deferred to a person),
        ``both_deferred_share``, ``tie_share`` — and ``value_difference``
        (total and per disagreement). See :mod:`trustlab.change._shadow` for the
        definitions. Who was right is judged on observed outcomes only: under
        selective labels the outcome of a declined case is never seen, so the
        disagreements that can be judged lean towards the cases someone
        approved.

    Raises
    ------
    trustlab.PolicyError
        When both policies claim the same ``name@version`` with different
        content hashes.
    trustlab.DataError
        When neither policy names a time column, ``window`` is not a window,
        ``by`` names no column of ``data``, a given replay is of another
        policy, other data or another seed (and for anything
        :func:`trustlab.simulate.replay` refuses).

    Examples
    --------
    The drift-braked credit policy (v1.3.0) in the shadow of the live one
    (v1.2.0), over a history whose debt-to-income drifts from 14 April: the
    brake engages from the next week and sends automated decisions to review.

    >>> import trustlab
    >>> from trustlab.datasets import FeatureDrift, make_history
    >>> history = make_history(n_days=126, applications_per_day=20, seed=0, scenarios=[
    ...     FeatureDrift("2025-04-14", "debt_to_income", 15.0)])
    >>> champion = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> challenger = trustlab.load_policy("policies/consumer-credit-braked.yaml")
    >>> s = shadow_run(champion, challenger, history, by="channel")
    >>> list(s.frame.columns)
    ['window_start', 'by', 'segment', 'metric', 'value', 'numerator', 'denominator', 'reason']
    >>> s.metric("agreement").tail(3).round(3).tolist()
    [0.516, 0.544, 0.463]
    >>> s.matrix().loc["approve", ["approve", "review"]].tolist()
    [1182, 137]
    >>> s.totals().loc[["unlabelled_share", "champion_right_share"], "value"].round(3).tolist()
    [0.253, 0.983]
    """
    _check_inputs(champion, challenger, data)
    w = read_window(window, _SOURCE, "window")
    time_col = _time_column(champion, challenger, data)
    seg_key = None if by is None else _segment_key(by, data)
    ns, why, _ = times_ns(data[time_col], champion.time_format or challenger.time_format)
    if ns is None:
        raise DataError(_SOURCE, [Problem(f"column '{time_col}'",
                                          why or "cannot be read as times")])
    a = _side(champion, champion_replay, data, seed, "champion")
    b = _side(challenger, challenger_replay, data, seed, "challenger")

    grid = WindowGrid.build(ns, w, seg_key)
    cases = _case_frame(a, b, grid.starts.to_numpy()[grid.wcode], by, seg_key)
    frame = grid.tidy(_metric_values(grid.sums(_indicators(cases))), by)
    pairs = _pairs(cases, grid.wcode, grid.seg_code, grid.seg_labels, grid.starts)
    return ShadowResult(frame, cases, pairs, a, b, w, by, time_col)


def _case_frame(a: Replay, b: Replay, window_start: np.ndarray, by: str | None,
                seg_key: np.ndarray | None) -> pd.DataFrame:
    da, db = a.decisions, b.decisions
    ch_act = da["action"].astype(object).to_numpy()
    cl_act = db["action"].astype(object).to_numpy()
    agree = ch_act == cl_act
    labelled = da["labelled"].to_numpy(dtype=bool)  # the champion's observed outcome
    bad = da["bad"].to_numpy(dtype=bool)
    ch_j, cl_j = _judge(da, labelled, bad), _judge(db, labelled, bad)
    verdict = _verdicts(agree, labelled, ch_j, cl_j)
    ch_v, cl_v = da["value"].to_numpy(dtype=float), db["value"].to_numpy(dtype=float)
    cols: dict[str, object] = {"window_start": window_start}
    if by is not None:
        cols[by] = seg_key
    cols.update({
        "champion_action": ch_act, "challenger_action": cl_act, "agree": agree,
        "labelled": labelled, "bad": bad & labelled,
        "champion_judgement": pd.Categorical.from_codes(ch_j, categories=JUDGEMENTS),
        "challenger_judgement": pd.Categorical.from_codes(cl_j, categories=JUDGEMENTS),
        "verdict": pd.Categorical.from_codes(verdict, categories=VERDICTS),
        "champion_value": ch_v, "challenger_value": cl_v, "value_difference": cl_v - ch_v,
    })
    return pd.DataFrame(cols, index=da.index)


def _pairs(cases: pd.DataFrame, wcode: np.ndarray, seg_code: np.ndarray, seg_labels: list[str],
           starts: pd.DatetimeIndex) -> pd.DataFrame:
    """Case counts by window, segment, champion action and challenger action."""
    ch_codes, ch_names = pd.factorize(cases["champion_action"], sort=True)
    cl_codes, cl_names = pd.factorize(cases["challenger_action"], sort=True)
    k_a, k_b = max(len(ch_names), 1), max(len(cl_names), 1)
    n_s = max(len(seg_labels), 1)
    key = ((wcode * n_s + seg_code) * k_a + ch_codes) * k_b + cl_codes
    uniq, counts = np.unique(key, return_counts=True)
    c, rest = uniq % k_b, uniq // k_b
    a, rest = rest % k_a, rest // k_a
    s, w = rest % n_s, rest // n_s
    seg = (np.array(seg_labels, dtype=object)[s] if seg_labels
           else np.full(len(uniq), None, dtype=object))
    return pd.DataFrame({
        "window_start": starts.to_numpy()[w],
        "segment": pd.Series(seg, dtype=object),
        "champion_action": np.asarray(ch_names, dtype=object)[a],
        "challenger_action": np.asarray(cl_names, dtype=object)[c],
        "count": counts.astype(np.int64),
    })
