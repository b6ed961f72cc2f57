"""The metric vocabulary that ``checks`` may name.

One registry: the policy loader validates check names against it, and the
simulation layer computes exactly these (a test keeps the two in step).
"""

from __future__ import annotations

__all__ = ["METRICS", "is_metric", "supported_metrics_text"]

METRICS: dict[str, str] = {
    "decisions": "rows decided",
    "automation_rate": "share of rows whose final action is automated",
    "favourable_rate": "share of rows whose final action is favourable",
    "bad_rate_favourable": "among labelled rows with a favourable final action, the share with the bad outcome",
    "bad_capture_rate": "among labelled rows with the bad outcome, the share not given a favourable automated action",
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
