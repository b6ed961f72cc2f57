"""What-if edits of a policy: move one rule's threshold, drop or change a guardrail.

Each edit returns a new, re-hashed :class:`~trustlab.Policy` with the same
``name@version``, so records made with it can be told apart from the original.
The ``because`` texts are left as written: a reason that quotes the old
threshold in words keeps quoting it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .._errors import PolicyError, Problem
from .._validate import Integral, Interval, validate_params
from ..policy import And, Column, Compare, Condition, Literal, Not, Or, flip
from ..policy import UNLABELLED_RULES, Policy, RateLimit, Rule

__all__ = ["RuleThreshold", "rule_threshold", "with_threshold", "without_guardrail",
           "with_rate_limit", "with_unlabelled"]


@dataclass(frozen=True)
class RuleThreshold:
    """A rule's comparison of a column with a number: ``column op value`` (column on the left).

    ``conjunct`` is True when the comparison is one of the items of the rule's
    top-level ``and`` (or the whole condition), so that the rule fires exactly
    when the comparison and the other items all hold.
    """

    rule: str
    column: str
    op: str
    value: float
    conjunct: bool




def _comparisons(cond: Condition, column: str, top: bool):
    """Yield (Compare, is_top_level_conjunct) for comparisons of ``column`` with a number."""
    if isinstance(cond, Compare):
        sides = (cond.left, cond.right)
        if any(isinstance(s, Column) and s.name == column for s in sides) and any(
                isinstance(s, Literal) and s.kind == "number" for s in sides):
            yield cond, top
    elif isinstance(cond, And):
        for item in cond.items:
            yield from _comparisons(item, column, top)
    elif isinstance(cond, Or):
        for item in cond.items:
            yield from _comparisons(item, column, False)
    elif isinstance(cond, Not):
        yield from _comparisons(cond.item, column, False)


def _error(policy: Policy, where: str, message: str) -> PolicyError:
    return PolicyError(f"Policy '{policy.name}'", [Problem(where, message)])


def _find(policy: Policy, rule_id: str, column: str | None) -> tuple[int, Rule, Compare, bool, str]:
    ids = [r.id for r in policy.rules]
    if rule_id not in ids:
        raise _error(policy, "rule", f"no rule '{rule_id}'; rules: {', '.join(ids)}")
    i = ids.index(rule_id)
    rule = policy.rules[i]
    if rule.when is None:
        raise _error(policy, f"rules[{i}]", f"rule '{rule_id}' is the otherwise rule and has no "
                                            "threshold")
    columns = [column] if column else [s.name for s in policy.signals]
    found = [(c, cmp, top) for c in columns for cmp, top in _comparisons(rule.when, c, True)]
    if len(found) != 1:
        what = f"'{column}'" if column else f"a signal ({', '.join(columns)})"
        raise _error(policy, f"rules[{i}].when", (
            f"rule '{rule_id}' compares {what} with a number {len(found)} times "
            f"({rule.when.canonical()}); a threshold edit needs exactly one such comparison"
            + ("" if column else "; name the column")))
    c, cmp, top = found[0]
    return i, rule, cmp, top, c


def rule_threshold(policy: Policy, rule_id: str, column: str | None = None) -> RuleThreshold:
    """The threshold of ``rule_id`` on ``column`` (default: the policy's signal it compares).

    Examples
    --------
    >>> import trustlab
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> rule_threshold(p, "low-risk")
    RuleThreshold(rule='low-risk', column='p_default', op='<', value=0.08, conjunct=True)
    """
    _, rule, cmp, top, c = _find(policy, rule_id, column)
    if isinstance(cmp.left, Column):
        op, lit = cmp.op, cmp.right
    else:
        op, lit = flip(cmp.op), cmp.left
    return RuleThreshold(rule_id, c, op, float(lit.value), top)  # type: ignore[union-attr,arg-type]


def _replace(cond: Condition, old: Compare, new: Compare) -> Condition:
    if cond is old:
        return new
    if isinstance(cond, And):
        return And(tuple(_replace(i, old, new) for i in cond.items))
    if isinstance(cond, Or):
        return Or(tuple(_replace(i, old, new) for i in cond.items))
    if isinstance(cond, Not):
        return Not(_replace(cond.item, old, new))
    return cond


def with_threshold(policy: Policy, rule_id: str, value: float, column: str | None = None) -> Policy:
    """A copy of ``policy`` whose rule ``rule_id`` compares ``column`` with ``value`` instead.

    Examples
    --------
    >>> import trustlab
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> q = with_threshold(p, "low-risk", 0.1)
    >>> q.rules[3].when.canonical(), q.content_hash != p.content_hash
    ('p_default < 0.1 and debt_to_income < 40', True)
    """
    from ..policy import rehash

    i, rule, cmp, _, _ = _find(policy, rule_id, column)
    lit = Literal(float(value))
    new = Compare(cmp.left, cmp.op, lit) if isinstance(cmp.left, Column) else \
        Compare(lit, cmp.op, cmp.right)
    when = _replace(rule.when, cmp, new)  # type: ignore[arg-type]
    rules = list(policy.rules)
    rules[i] = dataclasses.replace(rule, when=when, when_text=when.canonical())
    return rehash(policy, rules=tuple(rules))


def without_guardrail(policy: Policy, guardrail_id: str) -> Policy:
    """A copy of ``policy`` without the guardrail ``guardrail_id``."""
    from ..policy import rehash

    ids = [g.id for g in policy.guardrails]
    if guardrail_id not in ids:
        raise _error(policy, "guardrails", f"no guardrail '{guardrail_id}'; guardrails: "
                                           f"{', '.join(ids) or 'none'}")
    return rehash(policy, guardrails=tuple(g for g in policy.guardrails if g.id != guardrail_id))


@validate_params({"max_count": [Interval(Integral, 0, None)]})
def with_rate_limit(policy: Policy, guardrail_id: str, max_count: int) -> Policy:
    """A copy of ``policy`` whose rate limit ``guardrail_id`` lets ``max_count`` through per window."""
    from ..policy import rehash

    ids = [g.id for g in policy.guardrails]
    if guardrail_id not in ids or not isinstance(policy.guardrails[ids.index(guardrail_id)],
                                                 RateLimit):
        limits = [g.id for g in policy.guardrails if isinstance(g, RateLimit)]
        raise _error(policy, "guardrails", f"no rate limit '{guardrail_id}'; rate limits: "
                                           f"{', '.join(limits) or 'none'}")
    i = ids.index(guardrail_id)
    guards = list(policy.guardrails)
    guards[i] = dataclasses.replace(guards[i], max=int(max_count))
    return rehash(policy, guardrails=tuple(guards))




def with_unlabelled(policy: Policy, rule: str) -> Policy:
    """A copy of ``policy`` that values cases with no observed outcome by ``rule``.

    ``"exclude"`` leaves them unvalued, ``"good"`` and ``"bad"`` value them as
    that outcome: replaying under ``"good"`` and ``"bad"`` brackets what
    selective labels can hide.

    Examples
    --------
    >>> import trustlab
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> with_unlabelled(p, "bad").outcomes.unlabelled
    'bad'
    """
    from ..policy import rehash

    if policy.outcomes is None:
        raise _error(policy, "outcomes", "the policy has no outcomes section to value cases by")
    if rule not in UNLABELLED_RULES:
        raise _error(policy, "outcomes.unlabelled", f"must be one of "
                                                    f"{', '.join(UNLABELLED_RULES)}; got {rule!r}")
    return rehash(policy, outcomes=dataclasses.replace(policy.outcomes, unlabelled=rule))
