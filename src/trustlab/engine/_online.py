"""The online path: one record in, one :class:`Decision` out."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from ..policy import DriftBrake, Policy, RateLimit, Signal
from ..policy import is_missing, lines_of
from ._brakes import BrakeTracking, track_brake
from ._columns import refused_numbers
from ._plan import KILL_SWITCH, combined_reason, plan_for, rate_limit_reason
from ._scalar import value_kind
from .._time import time_ns, window_bounds, window_id

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

    _bounds: dict[str, tuple[int, int, int]] = field(default_factory=dict, repr=False,
                                                     compare=False)  # id -> (window, start, end)

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

    def take_at(self, guard: RateLimit, ns: int) -> bool:
        """:meth:`take` at time ``ns`` (UTC nanoseconds): O(1) while ``ns`` stays in one window.

        The window's first and last instants are kept beside its id, so the
        window is worked out (:func:`~trustlab._time.window_id`) only when a
        record leaves it.
        """
        bounds = self._bounds.get(guard.id)
        if bounds is not None and bounds[1] <= ns < bounds[2]:
            window = bounds[0]
        else:
            try:
                window, start, end = window_bounds(ns, guard.per)
            except (OverflowError, ValueError):  # pragma: no cover - past pandas' dates
                window, start, end = window_id(ns, guard.per), ns, ns
            self._bounds[guard.id] = (window, start, end)
        return self.take(guard, window)


def _signal_problem(s: Signal, v) -> Problem | None:
    """Why value ``v`` of signal ``s`` is refused, or None."""
    t = type(v)
    if t is float:
        if v != v:
            return None
    elif v is None or is_missing(v):
        return None
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


_FLOATS = frozenset({float, np.float64, np.float32})


def _signal_check(s: Signal) -> Callable[[Any], Problem | None]:
    """``check(value) -> Problem | None`` for one signal: floats in range return at once."""
    probability = s.kind == "probability"

    def check(v):
        if type(v) in _FLOATS:
            if v != v or (0.0 <= v <= 1.0 if probability else math.isfinite(v)):
                return None
        return _signal_problem(s, v)

    return check


@dataclass(frozen=True)
class _Online:
    """A policy compiled for one record at a time: closures made once, cached on the policy."""

    checks: tuple[tuple[str, Callable], ...]  # (signal, check)
    tests: tuple  # per rule: test(get) or None for otherwise
    reasons: tuple  # per rule: render(get) -> reason, with the rule's lines
    fields: tuple[dict[str, Any], ...]  # per rule: the Decision fields fixed by the rule alone
    signals: tuple[tuple[str, str], ...]  # (name, model)


def _new_decision(fields: dict[str, Any]) -> Decision:
    """``Decision(**fields)`` without the frozen dataclass's per-field ``__setattr__`` calls.

    A Decision is plain frozen data (no ``__post_init__``, no validation): its
    fields are set in one dict update, the same object ``Decision(**fields)`` gives.
    """
    decision = object.__new__(Decision)
    decision.__dict__.update(fields)
    return decision


def _online_for(policy: Policy) -> _Online:
    online = policy._cache.get("online")
    if online is None:
        plan = plan_for(policy)
        fields = []
        for rule in policy.rules:
            code = plan.action_code[rule.then]
            automated = bool(plan.automated[code])
            fields.append(dict(
                action=rule.then, rule=rule.id, rule_action=rule.then, guardrail=None,
                escalate=rule.escalate, automated=automated,
                needs_signoff=policy.mode == "supervised" and automated
                and not bool(plan.reversible[code]),
                policy=policy.name, policy_version=policy.version,
                policy_hash=policy.content_hash, mode=policy.mode))
        online = _Online(
            checks=tuple((s.name, _signal_check(s)) for s in policy.signals),
            tests=plan.scalar_tests,
            reasons=tuple(r.because.renderer(lines_of(r.when)) for r in policy.rules),
            fields=tuple(fields),
            signals=tuple((s.name, s.model) for s in policy.signals),
        )
        policy._cache["online"] = online
    return online


_NS_PER = {"ns": 1, "us": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9,
           "D": 86_400 * 10**9}
_NS_PER_DTYPE: dict[np.dtype, int] = {}


def _ns_per(dtype: np.dtype) -> int:
    """Nanoseconds per step of a datetime64 dtype (0 for months and years, whose steps vary)."""
    per = _NS_PER_DTYPE.get(dtype)
    if per is None:
        unit, count = np.datetime_data(dtype)
        per = _NS_PER_DTYPE[dtype] = _NS_PER.get(unit, 0) * count
    return per


def _record_time_ns(policy: Policy, t) -> int:
    """The record's time in UTC nanoseconds, as :func:`~trustlab._time.time_ns` reads it."""
    kind = type(t)
    if kind is pd.Timestamp:  # the common case: .value is UTC nanoseconds, tz or not
        try:
            return t.value
        except (OverflowError, ValueError):
            pass
    elif kind is np.datetime64 and not np.isnat(t):
        per = _ns_per(t.dtype)
        if per:
            ns = int(t.view(np.int64)) * per
            if -2**63 < ns < 2**63:  # else past pandas' dates: time_ns says so
                return ns
    try:
        return time_ns(t, policy.time_format)
    except (ValueError, TypeError) as exc:
        raise DataError("Record", [Problem(
            f"column '{policy.time_column}'", f"must hold the decision time for guardrails; "
                                              f"got {t!r}: {exc}")]) from None


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
    online = _online_for(policy)
    get = record.get
    for name, check in online.checks:
        problem = check(get(name))
        if problem is not None:
            raise DataError("Record", [problem])
    tests = online.tests
    idx = len(tests) - 1
    for i, test in enumerate(tests):
        if test is None or test(get) is True:
            idx = i
            break
    rule_reason = online.reasons[idx](get)
    fields = online.fields[idx]
    signals = tuple([(name, get(name), model) for name, model in online.signals])
    if not policy.guardrails and policy.kill_switch is None:
        return _new_decision({**fields, "reason": rule_reason, "signals": signals})
    plan = plan_for(policy)
    rule_action = fields["rule_action"]
    action, guardrail, reason = rule_action, None, rule_reason
    if policy.guardrails:
        if state is None:
            raise DataError("Record", [Problem(
                "state", "this policy has guardrails, whose counts and windows the caller keeps: "
                         "pass state=trustlab.GuardrailState() and reuse it for every record")])
        ns = _record_time_ns(policy, get(policy.time_column) if policy.time_column else None)
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
                if not state.take_at(g, ns):
                    action, guardrail = g.overflow, g.id
                    reason = combined_reason(rate_limit_reason(g), rule_action, rule_reason)
    ks = policy.kill_switch
    if ks is not None and ks.engaged and plan.automated[plan.action_code[action]]:
        action, guardrail = ks.then, KILL_SWITCH
        reason = combined_reason(ks.because.render(record), rule_action, rule_reason)
    if guardrail is None:
        return _new_decision({**fields, "reason": rule_reason, "signals": signals})
    code = plan.action_code[action]
    automated = bool(plan.automated[code])
    return _new_decision({
        **fields, "action": action, "guardrail": guardrail, "reason": reason,
        "automated": automated, "signals": signals,
        "needs_signoff": policy.mode == "supervised" and automated
        and not bool(plan.reversible[code])})
