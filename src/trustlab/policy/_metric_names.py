"""The metric vocabulary that ``checks`` may name.

One registry: the policy loader validates check names against it, and the
simulation layer computes exactly these (a test keeps the two in step).
"""

from __future__ import annotations

__all__ = ["METRICS", "METRIC_WORDS", "format_metric", "is_metric", "metric_words",
           "supported_metrics_text"]

METRICS: dict[str, str] = {
    "decisions": "rows decided",
    "automation_rate": "share of rows whose final action is automated",
    "favourable_rate": "share of rows whose final action is favourable",
    "bad_rate_favourable": "among labelled rows with a favourable final action, the share with the bad outcome",
    "bad_capture_rate": "among labelled rows with the bad outcome, the share not given an automated action that is right for the good outcome (by default: not automatically approved)",
    "wrong_call_rate": "among labelled rows with an automated final action, the share where the action was not the right call for the outcome (actions' right_when)",
    "value_total": "value from outcomes.values, reviews included as modelled",
    "value_per_decision": "value_total divided by decisions",
    "reviews_per_window_mean": "mean rows with a human action per outcomes.window",
    "peak_reviews_per_window": "most rows with a human action in one outcomes.window",
    "guardrail_interventions": "rows whose action a guardrail or the kill switch changed",
    "fallback_rate": "share of rows with at least one missing signal",
    "unlabelled_share": "share of rows with no observed outcome",
    "favourable_rate_ratio": "lowest segment favourable rate divided by the highest (needs `by`)",
    "alignment": "among automated rows with a recorded human decision, the share that agree",
    "override_rate": "1 - alignment, over the same rows",
    "max_signal_psi": "largest PSI of any signal window against the drift reference",
    "max_feature_psi": "largest PSI of any feature window against the drift reference",
}
"""Metric name → definition. ``share.<action>`` is valid for every declared action."""


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


METRIC_WORDS: dict[str, str] = {
    "decisions": "Decisions",
    "automation_rate": "Decided automatically",
    "favourable_rate": "Favourable decisions",
    "bad_rate_favourable": "Bad outcomes among favourable decisions",
    "bad_capture_rate": "Bad outcomes caught",
    "wrong_call_rate": "Automated decisions that were the wrong call",
    "value_total": "Total value",
    "value_per_decision": "Value per decision",
    "reviews_per_window_mean": "Reviews per window (mean)",
    "peak_reviews_per_window": "Reviews in the busiest window",
    "guardrail_interventions": "Decisions a guardrail changed",
    "fallback_rate": "Decisions with a missing signal",
    "unlabelled_share": "Decisions with no observed outcome",
    "favourable_rate_ratio": "Lowest over highest segment favourable rate",
    "alignment": "Agreement with recorded human decisions",
    "override_rate": "Disagreement with recorded human decisions",
    "max_signal_psi": "Largest signal drift (PSI)",
    "max_feature_psi": "Largest feature drift (PSI)",
}
"""Metric name → words for a reader; ``share.<action>`` reads "Share '<action>'"."""

_COUNTS = frozenset({"decisions", "peak_reviews_per_window", "guardrail_interventions"})
_SHARES = frozenset({"automation_rate", "favourable_rate", "bad_rate_favourable",
                     "bad_capture_rate", "wrong_call_rate", "fallback_rate", "unlabelled_share",
                     "favourable_rate_ratio", "alignment", "override_rate"})


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


def format_metric(name: str, value) -> str:
    """A metric's value as a reader expects it: shares in %, counts whole, 'n/a' when missing.

    Examples
    --------
    >>> format_metric("alignment", 0.912), format_metric("decisions", 9857.0)
    ('91.2%', '9,857')
    >>> format_metric("value_per_decision", 605.78), format_metric("max_signal_psi", None)
    ('606', 'n/a')
    """
    if value is None or value != value:  # None, NaN
        return "n/a"
    if name in _SHARES or name.startswith("share."):
        return f"{value:.1%}"
    if name in _COUNTS:
        return f"{value:,.0f}"
    if name.endswith("_psi"):
        return f"{value:.3f}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
