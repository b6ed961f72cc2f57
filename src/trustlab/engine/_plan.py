"""What both evaluation paths share: codes, compiled tests and guardrail texts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._errors import DataError, Problem
from ..policy import DriftBrake, Policy, RateLimit
from ._scalar import compile_scalar

__all__ = ["Plan", "plan_for", "KILL_SWITCH", "rate_limit_reason", "refuse_brakes"]

KILL_SWITCH = "kill_switch"


@dataclass(frozen=True)
class Plan:
    """Per-policy constants, computed once and cached on the policy."""

    actions: tuple[str, ...]
    action_code: dict[str, int]
    automated: np.ndarray  # by action code
    favourable: np.ndarray
    reversible: np.ndarray
    rule_ids: tuple[str, ...]
    rule_then: np.ndarray  # action code per rule
    rule_escalate: tuple[str | None, ...]
    escalations: tuple[str, ...]
    guard_ids: tuple[str, ...]  # guardrail ids + kill_switch
    scalar_tests: tuple  # per rule: compiled test or None for otherwise


def plan_for(policy: Policy) -> Plan:
    """The cached :class:`Plan` of ``policy``."""
    plan = policy._cache.get("plan")
    if plan is None:
        actions = policy.action_names
        code = {a: i for i, a in enumerate(actions)}
        plan = Plan(
            actions=actions,
            action_code=code,
            automated=np.array([a.automated for a in policy.actions], dtype=bool),
            favourable=np.array([a.favourable for a in policy.actions], dtype=bool),
            reversible=np.array([a.reversible for a in policy.actions], dtype=bool),
            rule_ids=tuple(r.id for r in policy.rules),
            rule_then=np.array([code[r.then] for r in policy.rules], dtype=np.int16),
            rule_escalate=tuple(r.escalate for r in policy.rules),
            escalations=tuple(dict.fromkeys(r.escalate for r in policy.rules if r.escalate)),
            guard_ids=tuple(g.id for g in policy.guardrails) + (KILL_SWITCH,),
            scalar_tests=tuple(
                None if r.when is None else compile_scalar(r.when, f"rules[{i}].when")
                for i, r in enumerate(policy.rules)
            ),
        )
        policy._cache["plan"] = plan
    return plan


def rate_limit_reason(g: RateLimit) -> str:
    """The sentence a capped decision carries."""
    return (f"The limit of {g.max} '{g.action}' decisions per {g.per.text} was reached "
            f"(guardrail {g.id}), so this became '{g.overflow}'.")


def combined_reason(guard_text: str, rule_action: str, rule_reason: str) -> str:
    """A changed decision's reason: the guardrail's, then what the rules alone said."""
    return f"{guard_text} The rules alone said '{rule_action}': {rule_reason}"


def refuse_brakes(policy: Policy, source: str, what: str) -> None:
    """Refuse a policy with drift brakes in a computation that does not apply them."""
    brakes = [i for i, g in enumerate(policy.guardrails) if isinstance(g, DriftBrake)]
    if brakes:
        raise DataError(source, [Problem(
            f"guardrails[{i}]",
            f"drift_brake '{policy.guardrails[i].id}' is not applied by {what}; compute it on "
            f"without_guardrail(policy, '{policy.guardrails[i].id}') (the brake engages the same "
            "windows whatever the thresholds, since it watches inputs) and replay the chosen "
            "policy with the brake") for i in brakes])
