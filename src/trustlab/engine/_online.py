"""The online path: one record in, one :class:`Decision` out."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any

from .._errors import DataError, Problem
from ..policy import DriftBrake, Policy, RateLimit
from ..policy import is_missing, lines_of
from ._brakes import BrakeTracking, track_brake
from ._columns import refused_numbers
from ._plan import KILL_SWITCH, combined_reason, plan_for, rate_limit_reason
from ._scalar import value_kind
from .._time import time_ns, window_id

__all__ = ["Decision", "GuardrailState", "decide"]


@dataclass(frozen=True)
class Decision:
    """One decision with its reasons and the identity of the policy that made it.

    ``as_record()`` gives the same fields, by the same names, as one row of
    :func:`~trustlab.engine.apply_policy`'s decision records.
    """

    action: str
    rule: str
    rule_action: str
    guardrail: str | None
    reason: str
    escalate: str | None
    automated: bool
    needs_signoff: bool
    policy: str
    policy_version: str
    policy_hash: str
    mode: str
    signals: tuple[tuple[str, Any, str], ...] = ()  # (name, value, model)

    def as_record(self) -> dict[str, Any]:
        """The decision as a flat dict with the decision-record column names."""
        out: dict[str, Any] = {
            k: getattr(self, k) for k in (
                "action", "rule", "rule_action", "guardrail", "reason", "escalate",
                "automated", "needs_signoff", "policy", "policy_version", "policy_hash", "mode")
        }
        for name, value, model in self.signals:
            out[name] = value
            out[f"{name}_model"] = model
        return out

    def _repr_html_(self) -> str:
        guard = (f"<br>changed by <code>{escape(self.guardrail)}</code> from "
                 f"<b>{escape(self.rule_action)}</b>" if self.guardrail else "")
        esc = f"<br>escalate to {escape(self.escalate)}" if self.escalate else ""
        return (f"<div><b style='font-size:1.2em'>{escape(self.action)}</b> by rule "
                f"<code>{escape(self.rule)}</code>{guard}{esc}<br>{escape(self.reason)}<br>"
                f"<small>{escape(self.policy)}@{escape(self.policy_version)} "
                f"<code>{self.policy_hash[:12]}</code> · {escape(self.mode)}</small></div>")


@dataclass
class GuardrailState:
    """What the online path keeps for guardrails; the caller owns one per stream.

    Rate limits keep their counts in the current window; drift brakes keep
    their reference and the current window's values. Feed records in time
    order; older windows are dropped.

    Examples
    --------
    >>> state = GuardrailState()
    >>> state.counts, state.brakes
    ({}, {})
    """

    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # id -> (window, count)
    brakes: dict[str, BrakeTracking] = field(default_factory=dict)  # id -> tracker

    def take(self, guard: RateLimit, window: int) -> bool:
        """Count one ``guard.action`` in ``window``; False when the cap is already reached."""
        current, n = self.counts.get(guard.id, (window, 0))
        if window != current:
            if window < current:
                raise DataError("Record", [Problem(
                    f"guardrails '{guard.id}'",
                    f"records must arrive in time order: window {window} comes after window "
                    f"{current}; use a fresh GuardrailState to replay out of order")])
            n = 0
        if n >= guard.max:
            self.counts[guard.id] = (window, n)
            return False
        self.counts[guard.id] = (window, n + 1)
        return True


def _signal_problem(policy: Policy, get) -> Problem | None:
    for s in policy.signals:
        v = get(s.name)
        t = type(v)
        if t is float:
            if v != v:
                continue
        elif v is None or is_missing(v):
            continue
        elif (kind := value_kind(v)) in ("decimal", "complex"):
            return Problem(f"column '{s.name}'", f"({v!r}) {refused_numbers(kind, s.name)}")
        elif kind != "num":
            return Problem(f"signal '{s.name}'", f"must be a number; got {v!r}")
        else:
            v = float(v)
        if s.kind == "probability":
            if not 0.0 <= v <= 1.0:
                return Problem(f"signal '{s.name}'", f"is a probability and must lie in [0, 1]; "
                                                     f"got {v!r}. It is never clipped: fix the model output")
        elif not math.isfinite(v):
            return Problem(f"signal '{s.name}'", f"is a score and must be finite; got {v!r}")
    return None


def decide(policy: Policy, record: Mapping[str, Any], state: GuardrailState | None = None
           ) -> Decision:
    """Decide one record with ``policy``.

    Parameters
    ----------
    policy : Policy
    record : mapping
        Column name → value. An absent key counts as a missing value.
    state : GuardrailState, optional
        Required when the policy has guardrails: rate-limit counts and
        drift-brake windows live with the caller.

    Returns
    -------
    Decision
        The same decision :func:`~trustlab.engine.apply_policy` gives for that record.

    Raises
    ------
    trustlab.DataError
        For a signal outside its kind, a value of the wrong type, or a missing time
        where a guardrail needs one.
    """
    plan = plan_for(policy)
    get = record.get
    problem = _signal_problem(policy, get)
    if problem is not None:
        raise DataError("Record", [problem])
    rules = policy.rules
    idx = len(rules) - 1
    for i, test in enumerate(plan.scalar_tests):
        if test is None or test(get) is True:
            idx = i
            break
    rule = rules[idx]
    rule_action = rule.then
    rule_reason = rule.because.render(record, lines_of(rule.when))
    action, guardrail, reason = rule_action, None, rule_reason
    if policy.guardrails:
        if state is None:
            raise DataError("Record", [Problem(
                "state", "this policy has guardrails, whose counts and windows the caller keeps: "
                         "pass state=trustlab.GuardrailState() and reuse it for every record")])
        t = get(policy.time_column) if policy.time_column else None
        try:
            ns = time_ns(t, policy.time_format)
        except (ValueError, TypeError) as exc:
            raise DataError("Record", [Problem(
                f"column '{policy.time_column}'", f"must hold the decision time for guardrails; "
                                                  f"got {t!r}: {exc}")]) from None
        for g in policy.guardrails:
            if isinstance(g, DriftBrake):
                tracker = state.brakes.get(g.id)
                if tracker is None:
                    tracker = state.brakes[g.id] = track_brake(policy, g)
                text = tracker.observe(ns, record)
                if text is not None and plan.automated[plan.action_code[action]]:
                    action, guardrail = g.then, g.id
                    reason = combined_reason(text, rule_action, rule_reason)
            elif action == g.action:
                if not state.take(g, window_id(ns, g.per)):
                    action, guardrail = g.overflow, g.id
                    reason = combined_reason(rate_limit_reason(g), rule_action, rule_reason)
    ks = policy.kill_switch
    if ks is not None and ks.engaged and plan.automated[plan.action_code[action]]:
        action, guardrail = ks.then, KILL_SWITCH
        reason = combined_reason(ks.because.render(record), rule_action, rule_reason)
    code = plan.action_code[action]
    automated = bool(plan.automated[code])
    return Decision(
        action=action,
        rule=rule.id,
        rule_action=rule_action,
        guardrail=guardrail,
        reason=reason,
        escalate=rule.escalate,
        automated=automated,
        needs_signoff=policy.mode == "supervised" and automated and not bool(plan.reversible[code]),
        policy=policy.name,
        policy_version=policy.version,
        policy_hash=policy.content_hash,
        mode=policy.mode,
        signals=tuple((s.name, get(s.name), s.model) for s in policy.signals),
    )
