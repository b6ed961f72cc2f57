"""The deciding threshold of a signal and the reference population around it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._errors import DataError, Problem
from ..policy._condition import And, Column, Compare, Literal, Or, flip
from ..policy._spec import Policy, Signal

__all__ = ["Threshold", "favourable_threshold", "reference_rows"]


@dataclass(frozen=True)
class Threshold:
    """A signal threshold and the side of it that gets the favourable action."""

    signal: str
    value: float
    favourable_below: bool
    rule: str | None = None

    def describe(self) -> str:
        """E.g. ``p_default < 0.08 (rule low-risk)``."""
        side = "<" if self.favourable_below else ">="
        by = f" (rule {self.rule})" if self.rule else ""
        return f"{self.signal} {side} {self.value:g}{by}"


def _signal_bounds(cond, signal: str) -> list[tuple[str, float]]:
    """``(op, value)`` of every comparison of ``signal`` with a number, normalised to signal-left."""
    out = []
    if isinstance(cond, Compare):
        left, op, right = cond.left, cond.op, cond.right
        if isinstance(left, Literal):
            left, right, op = right, left, flip(op)
        if isinstance(left, Column) and left.name == signal and isinstance(right, Literal) \
                and right.kind == "number":
            out.append((op, float(right.value)))
    elif isinstance(cond, (And, Or)):
        for item in cond.items:
            out += _signal_bounds(item, signal)
    return out


def favourable_threshold(policy: Policy, signal: Signal | None = None) -> Threshold:
    """The threshold of the first favourable rule that bounds the signal.

    For a risk signal that is the upper bound a case must stay under to be
    approved (``p_default < 0.08``); for a benefit signal, the lower bound.

    Raises
    ------
    trustlab.DataError
        When no favourable rule compares the signal with a number; pass the
        threshold explicitly then.
    """
    sig = signal or policy.signals[0]
    favourable = {a.name for a in policy.actions if a.favourable}
    risk = sig.higher_means == "risk"
    for rule in policy.rules:
        if rule.when is None or rule.then not in favourable:
            continue
        for op, value in _signal_bounds(rule.when, sig.name):
            if risk and op in ("<", "<="):
                return Threshold(sig.name, value, True, rule.id)
            if not risk and op in (">", ">="):
                return Threshold(sig.name, value, False, rule.id)
    raise DataError(f"Policy '{policy.name}@{policy.version}'", [Problem(
        "rules", f"no favourable rule compares signal '{sig.name}' with a number, so the "
                 "deciding threshold cannot be read from the policy; pass threshold=...")])


def reference_rows(score: np.ndarray, threshold: Threshold, size: int, favourable_side: bool) -> np.ndarray:
    """Positions of the ``size`` cases nearest the threshold on one side of it.

    ``favourable_side=True`` gives the cases that just passed; ``False`` those
    that just missed. Missing scores are never chosen.

    Examples
    --------
    >>> t = Threshold("p", 0.3, favourable_below=True)
    >>> reference_rows(np.array([0.1, 0.29, 0.5, 0.31, np.nan, 0.2]), t, 2, True).tolist()
    [1, 5]
    """
    ok = ~np.isnan(score)
    below = ok & (score < threshold.value)
    above = ok & (score >= threshold.value)
    want_below = threshold.favourable_below == favourable_side
    side = below if want_below else above
    idx = np.flatnonzero(side)
    if len(idx) == 0:
        return idx
    dist = np.abs(score[idx] - threshold.value)
    order = np.argsort(dist, kind="stable")[:size]
    return np.sort(idx[order])
