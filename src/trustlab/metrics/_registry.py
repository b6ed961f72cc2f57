"""The one registry of the kit's metrics: each metric's name, kind of number and words.

The metrics a policy's ``checks`` may name are declared with the policy format
(:mod:`trustlab.policy`, whose loader validates check names and bounds against
them); every other metric a result shows — trust, shadow, rollout, drift,
review load, swap analysis, sweeps and grids — is declared here. Lookups go
through :func:`metric`, so a name without a declared kind is an error, never a
guess from its spelling.

A rate of the policy format is a ratio of two sums of a replay's per-decision
indicators: its :attr:`Metric.numerator` and :attr:`Metric.denominator`,
declared here once (:data:`RATE_SUMS`) and read by replays, bootstraps,
rollouts and disparity alike. A disparity metric (``<rate>_ratio``,
``<rate>_difference``) compares a group's rate with a reference group's:
:attr:`Metric.compares` names the rate and :meth:`Metric.against` is the
comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._format import KINDS, change_kind, format_number
from ..policy import METRIC_DECLARATIONS

__all__ = ["Metric", "METRICS", "RATE_SUMS", "metric", "kind_of", "metric_words",
           "format_metric", "is_registered", "currency_of"]


@dataclass(frozen=True)
class Metric:
    """One metric: its name, kind of number (:data:`trustlab._format.KINDS`), words, definition.

    Attributes
    ----------
    name : str
    kind : str
    words : str
        How a reader sees it named: a table's row label, an axis title.
    definition : str
        What it counts, in one sentence.
    policy : bool
        A metric a policy's ``checks`` may name.
    numerator, denominator : str or None
        For a rate: the two sums of a replay's per-decision indicators it is
        the ratio of (:data:`RATE_SUMS`); None otherwise.
    compares : str or None
        For a disparity metric: the rate whose groups it compares with a
        reference group (a ``ratio`` divides, ``points`` subtract; see
        :meth:`against`); None otherwise.
    """

    name: str
    kind: str
    words: str
    definition: str = ""
    policy: bool = False
    numerator: str | None = None
    denominator: str | None = None
    compares: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"metric {self.name!r} declares kind {self.kind!r}; kinds: "
                             f"{', '.join(KINDS)}")

    @property
    def change_kind(self) -> str:
        """The kind of a difference of two values of this metric (a share's is points)."""
        return change_kind(self.kind)

    def against(self, value, reference):
        """This disparity metric from a group's value of :attr:`compares` and the reference
        group's: their ratio (NaN where the reference is 0) or their difference.

        Works on numbers and arrays alike (any shapes that broadcast).

        Examples
        --------
        >>> float(metric("favourable_rate_ratio").against(0.3, 0.6))
        0.5
        >>> float(metric("favourable_rate_difference").against(0.25, 0.5))
        -0.25
        >>> metric("wrongly_declined_good_ratio").against(np.array([0.1, 0.2]), 0.0).tolist()
        [nan, nan]
        """
        if self.compares is None:
            raise ValueError(f"metric {self.name!r} compares no rate between groups")
        value = np.asarray(value, dtype=float)
        reference = np.asarray(reference, dtype=float)
        if self.kind == "points":
            return value - reference
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(reference > 0, value / np.where(reference > 0, reference, 1.0),
                            np.nan)


_ELSEWHERE: tuple[tuple[str, str, str, str], ...] = (
    # trust over time (trustlab.trust; deferral_rate and escalation_rate are the format's)
    ("reliance", "share", "People accepted the recommendation",
     "share of compared decisions where people took the policy's automated action"),
    ("accepted_right", "share", "Accepted a right recommendation",
     "among compared decisions with an observed outcome, accepted and right"),
    ("over_reliance", "share", "Accepted a wrong recommendation (over-reliance)",
     "among compared decisions with an observed outcome, accepted and wrong"),
    ("under_reliance", "share", "Overrode a right recommendation (under-reliance)",
     "among compared decisions with an observed outcome, overridden and right"),
    ("overrode_wrong", "share", "Overrode a wrong recommendation",
     "among compared decisions with an observed outcome, overridden and wrong"),
    ("reversal_rate", "share", "Automated decisions reversed later",
     "among automated decisions with a known reversal status, the share reversed"),
    # shadow runs (trustlab.change)
    ("cases", "count", "Cases", "cases both policies decided"),
    ("agreement", "share", "Same final action", "share of cases with the same final action"),
    ("disagreements", "count", "Different final action", "cases with different final actions"),
    ("challenger_right_share", "share", "Challenger right, champion not",
     "among disagreements with an observed outcome"),
    ("champion_right_share", "share", "Champion right, challenger not",
     "among disagreements with an observed outcome"),
    ("challenger_wrong_share", "share", "Challenger wrong where the champion deferred",
     "among disagreements with an observed outcome"),
    ("champion_wrong_share", "share", "Champion wrong where the challenger deferred",
     "among disagreements with an observed outcome"),
    ("both_deferred_share", "share", "Both left it to a person (different human actions)",
     "among disagreements with an observed outcome"),
    ("tie_share", "share", "Both automated, judged alike",
     "among disagreements with an observed outcome"),
    ("value_difference", "money_change", "Value, challenger − champion",
     "challenger's value minus the champion's, on the cases both value"),
    ("value_difference_per_disagreement", "money_change", "Value difference per disagreement",
     "value_difference over the disagreements valued under both"),
    # rollouts (trustlab.change)
    ("share", "share", "Share", "a part of all rows (of a stage: of cases on the challenger)"),
    ("exposed", "count", "Cases on the challenger", "cases the challenger decided"),
    ("stage_exposed", "count", "Cases on the challenger in the stage",
     "cases the challenger decided since the stage began"),
    ("valued", "count", "Cases valued", "cases valued under both policies"),
    ("challenger_value", "money", "Challenger's value", "value of the challenger's decisions"),
    ("champion_value", "money", "Champion's value",
     "value of the champion's decisions on the same cases"),
    ("challenger_bad", "count", "Bad outcomes after the challenger's favourable decisions", ""),
    ("champion_bad", "count", "Bad outcomes after the champion's favourable decisions", ""),
    ("exposure_cost", "money", "Exposure cost",
     "champion's value minus the challenger's on the exposed cases"),
    ("periods", "count", "Periods", "periods of the rollout plan"),
    # sweeps, grids, bootstrap and scenarios (trustlab.simulate)
    ("threshold", "number", "Threshold", "the value the swept rule compares its column with"),
    ("best_threshold", "number", "Best threshold", "the threshold with the highest total value"),
    ("approve_threshold", "number", "Approve line", "the approve rule's threshold"),
    ("decline_threshold", "number", "Decline line", "the decline rule's threshold"),
    ("reviews", "count", "Reviews", "decisions left to a person"),
    ("feasible", "flag", "Within review capacity",
     "the busiest window's reviews are within capacity"),
    ("level", "share", "Coverage", "coverage of an interval"),
    ("replicates", "count", "Replicates", "bootstrap replicates drawn"),
    ("undefined", "count", "Undefined replicates",
     "bootstrap replicates whose denominator was 0"),
    ("rows", "count", "Rows", "rows of data"),
    ("actions_changed", "count", "Decisions changed", "rows whose final action changed"),
    # review load (trustlab.simulate.review_load)
    ("capacity", "count", "Review capacity per window", "reviews the team can do per window"),
    ("windows", "count", "Windows", "windows of the history"),
    ("windows_over_capacity", "count", "Windows over capacity",
     "windows with more reviews arriving than the capacity"),
    ("peak_backlog", "count", "Peak backlog", "most reviews waiting at the end of any window"),
    ("final_backlog", "count", "Backlog at the end", "reviews waiting when the history ends"),
    ("backlog", "count", "Backlog", "reviews waiting at the window's end"),
    ("processed", "count", "Reviews done", "reviews done in the window"),
    ("unreviewed", "count", "Never reviewed", "reviews beyond capacity, not carried over"),
    ("mean_delay_windows", "number", "Mean added delay (windows)",
     "delay added per review, in windows, first in first out"),
    ("max_delay_windows", "number", "Longest added delay (windows)",
     "largest delay added to a review, in windows"),
    ("delay_windows", "number", "Added delay (windows)",
     "mean delay added to the reviews arriving in the window"),
    ("utilisation", "share", "Utilisation", "reviews done over the capacity of all windows"),
    # swap analysis (trustlab.simulate.swap_analysis)
    ("labelled", "count", "With an observed outcome", "rows with an observed outcome"),
    ("labelled_share", "share", "Share with an observed outcome",
     "of the tag's rows, those with an observed outcome"),
    ("multiplier", "number", "Multiplier of the base bad rate", ""),
    ("bad_rate", "share", "Bad rate assumed for swap-ins", ""),
    ("swap_in_value", "money", "Expected value of one swap-in", ""),
    ("baseline_value_total", "money", "Baseline's total value", ""),
    ("baseline_value_per_decision", "money", "Baseline's value per decision", ""),
    ("difference", "money_change", "Value gained over the baseline",
     "new policy's value minus the baseline's, over cases both value"),
    ("beats_baseline", "flag", "Beats the baseline", "difference above 0"),
    ("base_bad_rate", "share", "Base bad rate of unlabelled swap-ins", ""),
    ("breakeven_bad_rate", "share", "Break-even bad rate",
     "swap-in bad rate at which the new policy's value equals the baseline's"),
    # promotion gate (trustlab.trust.promotion_gate)
    ("evidence", "count", "Cases behind it", "cases the criterion was judged on"),
    ("more_decisions", "count", "More decisions needed",
     "further cases needed at the current rate"),
    ("weeks", "weeks", "Weeks at the recent volume", ""),
    ("may_promote", "flag", "May move to the next mode", "every promotion criterion holds"),
    # drift measures (trustlab.drift)
    ("psi", "drift", "Population stability index (PSI)", ""),
    ("ks", "drift", "Kolmogorov–Smirnov distance", ""),
    ("js", "drift", "Jensen–Shannon distance", ""),
    ("chi2", "p_value", "Chi-squared test p-value", ""),
)

RATE_SUMS: dict[str, tuple[str, str]] = {
    # rate: (numerator, denominator), sums of a replay's per-decision indicators
    "automation_rate": ("automated", "rows"),
    "favourable_rate": ("favourable", "rows"),
    "bad_rate_favourable": ("fav_bad", "fav_labelled"),
    "bad_capture_rate": ("bad_caught", "labelled_bad"),
    "wrong_call_rate": ("wrong_call", "auto_labelled"),
    "wrongly_declined_good": ("good_uncleared", "labelled_good"),
    "wrongly_approved_bad": ("bad_cleared", "labelled_bad"),
    "value_per_decision": ("value", "valued"),
    "fallback_rate": ("signal_missing", "rows"),
    "unlabelled_share": ("unlabelled", "rows"),
    "alignment": ("aligned", "alignable"),
    "deferral_rate": ("human", "rows"),
    "escalation_rate": ("escalated", "rows"),
}
"""Rate → the two indicator sums it is the ratio of (the indicators are a replay's:
:func:`trustlab.simulate.metric_totals`)."""

_ELSEWHERE_NAMES = {name for name, _, _, _ in _ELSEWHERE}
_TWICE = _ELSEWHERE_NAMES & {name for name, _, _, _ in METRIC_DECLARATIONS}
if _TWICE:  # pragma: no cover - a declaration error, caught by the doctests' import
    raise ValueError(f"metrics declared twice: {', '.join(sorted(_TWICE))}")


_DECLARED_KINDS = {name: kind for name, kind, _, _ in METRIC_DECLARATIONS}


def _compares(name: str) -> str | None:
    """The rate a policy metric ``<rate>_ratio`` / ``<rate>_difference`` compares, else None."""
    base, _, how = name.rpartition("_")
    wanted = {"ratio": "ratio", "difference": "points"}.get(how)
    if wanted is None or _DECLARED_KINDS.get(name) != wanted or base not in RATE_SUMS:
        return None
    return base


METRICS: dict[str, Metric] = {
    **{name: Metric(name, kind, words, definition, policy=True,
                    numerator=RATE_SUMS.get(name, (None, None))[0],
                    denominator=RATE_SUMS.get(name, (None, None))[1], compares=_compares(name))
       for name, kind, words, definition in METRIC_DECLARATIONS},
    **{name: Metric(name, kind, words, definition) for name, kind, words, definition in _ELSEWHERE},
}
"""Metric name → :class:`Metric`: every metric the kit shows. ``share.<action>`` is a share
for any action."""


def is_registered(name: str) -> bool:
    """True for a metric of the registry (``share.<action>`` included).

    Examples
    --------
    >>> is_registered("bad_rate_favourable"), is_registered("share.review"), is_registered("x")
    (True, True, False)
    """
    return name in METRICS or (name.startswith("share.") and len(name) > len("share."))


def metric(name: str) -> Metric:
    """The :class:`Metric` named ``name``.

    Raises
    ------
    KeyError
        For a name the registry does not declare, listing the names.

    Examples
    --------
    >>> metric("share.review")
    Metric(name='share.review', kind='share', words="Share 'review'", definition="share of rows whose final action is 'review'", policy=True, numerator='share.review', denominator='rows', compares=None)
    >>> m = metric("wrongly_declined_good")
    >>> m.kind, m.numerator, m.denominator
    ('share', 'good_uncleared', 'labelled_good')
    >>> metric("wrongly_declined_good_ratio").compares
    'wrongly_declined_good'
    """
    found = METRICS.get(name)
    if found is not None:
        return found
    if name.startswith("share.") and len(name) > len("share."):
        action = name[len("share."):]
        return Metric(name, "share", f"Share '{action}'",
                      f"share of rows whose final action is '{action}'", policy=True,
                      numerator=name, denominator="rows")
    raise KeyError(f"{name!r} is not a metric of trustlab.metrics.METRICS: declare its kind "
                   f"there; metrics: {', '.join(METRICS)}, share.<action>")


def kind_of(name: str) -> str:
    """The kind of number metric ``name`` is.

    Examples
    --------
    >>> kind_of("bad_rate_favourable"), kind_of("decisions"), kind_of("value_total")
    ('share', 'count', 'money')
    """
    return metric(name).kind


def metric_words(name: str) -> str:
    """Words for metric ``name``.

    Examples
    --------
    >>> metric_words("wrong_call_rate")
    'Automated decisions that were the wrong call'
    """
    return metric(name).words


def format_metric(name: str, value, *, currency: str | None = None, reason: str | None = None,
                  change: bool = False) -> str:
    """A value of metric ``name`` as its kind reads (``change``: a difference of two values).

    Parameters
    ----------
    name : str
        A metric of :data:`METRICS` (or ``share.<action>``).
    value : number, bool or None
    currency : str, optional
        The policy's ``outcomes.currency``, for money.
    reason : str, optional
        Why a missing value is missing (shown after ``n/a``).
    change : bool, default False
        ``value`` is a difference of two values of the metric: a share's
        difference reads in points (``+0.3 pts``), money's with a sign.

    Examples
    --------
    >>> format_metric("bad_rate_favourable", 0.0395), format_metric("decisions", 51480.0)
    ('4.0%', '51,480')
    >>> format_metric("automation_rate", 0.003, change=True)
    '+0.3 pts'
    >>> format_metric("value_total", -35.0, currency="EUR", change=True)
    '-EUR 35.00'
    """
    m = metric(name)
    return format_number(value, m.change_kind if change else m.kind, currency=currency,
                         reason=reason)


def currency_of(policy) -> str | None:
    """The currency of a policy's money (``outcomes.currency``); None when it names none.

    Examples
    --------
    >>> import trustlab
    >>> currency_of(trustlab.load_policy("policies/consumer-credit.yaml")) is None
    True
    """
    outcomes = getattr(policy, "outcomes", None)
    return None if outcomes is None else outcomes.currency
