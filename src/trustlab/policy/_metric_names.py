"""The metric vocabulary that ``checks`` may name.

The policy loader validates check names against it, and the simulation layer
computes exactly these (a test keeps the two in step). Each is declared once,
here, with its kind of number, its words and its definition, because they are
the policy format's vocabulary; :mod:`trustlab.metrics` reads them into the one
registry of every metric the kit shows, and :mod:`trustlab._format` (the
standard library only, so the spec stays free of pandas) shows them.
"""

from __future__ import annotations


__all__ = ["METRICS", "METRIC_DECLARATIONS", "METRIC_WORDS", "METRIC_KINDS", "DISPARITY_BASES",
           "COMPARING_METRICS", "is_metric", "metric_kind", "metric_words",
           "supported_metrics_text"]

_DECLARED: tuple[tuple[str, str, str, str], ...] = (
    # name, kind (trustlab._format.KINDS), words for a reader, definition
    ("decisions", "count", "Decisions", "rows decided"),
    ("automation_rate", "share", "Decided automatically",
     "share of rows whose final action is automated"),
    ("favourable_rate", "share", "Favourable decisions",
     "share of rows whose final action is favourable"),
    ("bad_rate_favourable", "share", "Bad outcomes among favourable decisions",
     "among labelled rows with a favourable final action, the share with the bad outcome"),
    ("bad_capture_rate", "share", "Bad outcomes caught",
     "among labelled rows with the bad outcome, the share not given an automated action that "
     "is right for the good outcome (by default: not automatically approved)"),
    ("wrong_call_rate", "share", "Automated decisions that were the wrong call",
     "among labelled rows with an automated final action, the share where the action was not "
     "the right call for the outcome (actions' right_when)"),
    ("value_total", "money", "Total value",
     "value from outcomes.values, reviews included as modelled"),
    ("value_per_decision", "money", "Value per decision", "value_total divided by decisions"),
    ("reviews_per_window_mean", "count", "Reviews per window (mean)",
     "mean rows with a human action per outcomes.window"),
    ("peak_reviews_per_window", "count", "Reviews in the busiest window",
     "most rows with a human action in one outcomes.window"),
    ("guardrail_interventions", "count", "Decisions a guardrail changed",
     "rows whose action a guardrail or the kill switch changed"),
    ("fallback_rate", "share", "Decisions with a missing signal",
     "share of rows with at least one missing signal"),
    ("unlabelled_share", "share", "No observed outcome", "share of rows with no observed outcome"),
    ("favourable_rate_ratio", "ratio", "Lowest over highest segment favourable rate",
     "lowest segment favourable rate divided by the highest (needs `by`); for a protected "
     "column with a `fairness.reference`, the lowest group's divided by the reference group's"),
    ("alignment", "share", "Agreement with recorded human decisions",
     "among automated rows with a recorded human decision, the share that agree"),
    ("override_rate", "share", "Disagreement with recorded human decisions",
     "1 - alignment, over the same rows"),
    ("max_signal_psi", "drift", "Largest signal drift (PSI)",
     "largest PSI of any signal window against the drift reference"),
    ("max_feature_psi", "drift", "Largest feature drift (PSI)",
     "largest PSI of any feature window against the drift reference"),
)

_BASE_DECLARATIONS: tuple[tuple[str, str, str, str], ...] = (
    ("wrongly_declined_good", "share", "Good cases not given the call right for them",
     "among labelled rows with the good outcome, the share not given an automated action that "
     "is right for the good outcome (actions' right_when; a human action counts as not given "
     "it): a credit policy's good applicants declined or sent to review"),
    ("wrongly_approved_bad", "share", "Bad cases given the call right for good ones",
     "among labelled rows with the bad outcome, the share given an automated action that is "
     "right for the good outcome (actions' right_when; 1 - bad_capture_rate): a credit "
     "policy's bad applicants approved automatically"),
    ("deferral_rate", "share", "Left to a person",
     "share of decisions whose final action is a human action"),
    ("escalation_rate", "share", "Escalated",
     "share of decisions whose deciding rule sets `escalate`"),
)

DISPARITY_BASES: tuple[str, ...] = ("favourable_rate", "bad_rate_favourable",
                                    "wrongly_declined_good", "wrongly_approved_bad",
                                    "deferral_rate", "escalation_rate")
"""The rates whose groups disparity metrics compare: each has ``<rate>_ratio`` and
``<rate>_difference``."""

_REFERENCE_WORDS = ("the reference group: `fairness.reference` for a protected column, else the "
                    "group of the highest favourable rate among the groups judged")


def _comparing(base: str, words: str) -> tuple[tuple[str, str, str, str], ...]:
    """``<base>_ratio`` (but favourable_rate_ratio, declared with the format) and
    ``<base>_difference``."""
    ratio = (f"{base}_ratio", "ratio", f"{words}: group over reference",
             f"a group's {base} divided by that of {_REFERENCE_WORDS} (needs `by`; a check "
             f"holds when it holds in every group judged)")
    difference = (f"{base}_difference", "points", f"{words}: group minus reference",
                  f"a group's {base} minus that of {_REFERENCE_WORDS}, in points (needs `by`; a "
                  f"check holds when it holds in every group judged)")
    return (difference,) if base == "favourable_rate" else (ratio, difference)


_WORDS_OF = {name: words for name, _, words, _ in _DECLARED + _BASE_DECLARATIONS}

METRIC_DECLARATIONS: tuple[tuple[str, str, str, str], ...] = (
    _DECLARED + _BASE_DECLARATIONS
    + tuple(d for base in DISPARITY_BASES for d in _comparing(base, _WORDS_OF[base])))
"""Each metric a check may name: ``(name, kind, words, definition)``, in the format's order."""

COMPARING_METRICS: tuple[str, ...] = tuple(
    f"{base}_{how}" for base in DISPARITY_BASES for how in ("ratio", "difference"))
"""Metrics that compare the groups of a ``by`` column with a reference group: a check on one
needs ``by``, and no single number for a set of cases exists (a rollout cannot stop on one)."""

METRICS: dict[str, str] = {name: definition for name, _, _, definition in METRIC_DECLARATIONS}
"""Metric name → definition. ``share.<action>`` is valid for every declared action."""

METRIC_WORDS: dict[str, str] = {name: words for name, _, words, _ in METRIC_DECLARATIONS}
"""Metric name → words for a reader; ``share.<action>`` reads "Share '<action>'"."""

METRIC_KINDS: dict[str, str] = {name: kind for name, kind, _, _ in METRIC_DECLARATIONS}
"""Metric name → its kind of number (:data:`trustlab._format.KINDS`); ``share.<action>`` is a
share. :mod:`trustlab.metrics` reads these into the one registry of every metric."""


def is_metric(name: str, actions: tuple[str, ...]) -> bool:
    """True when ``name`` is a metric, counting ``share.<action>`` for declared actions.

    Examples
    --------
    >>> is_metric("automation_rate", ()), is_metric("share.approve", ("approve",))
    (True, True)
    >>> is_metric("share.refer", ("approve",))
    False
    """
    if name in METRICS:
        return True
    return name.startswith("share.") and name[len("share."):] in actions


def supported_metrics_text(actions: tuple[str, ...]) -> str:
    """The supported names, for error messages."""
    names = list(METRICS) + [f"share.{a}" for a in actions]
    return ", ".join(names)


def metric_words(name: str) -> str:
    """Words for a metric.

    Examples
    --------
    >>> metric_words("automation_rate"), metric_words("share.review")
    ('Decided automatically', "Share 'review'")
    """
    if name.startswith("share."):
        return f"Share '{name[len('share.'):]}'"
    return METRIC_WORDS.get(name, name)


def metric_kind(name: str) -> str | None:
    """The kind of number a policy metric is; None for a name that is not one.

    Examples
    --------
    >>> metric_kind("bad_rate_favourable"), metric_kind("share.review"), metric_kind("nope")
    ('share', 'share', None)
    """
    if name.startswith("share.") and len(name) > len("share."):
        return "share"
    return METRIC_KINDS.get(name)
