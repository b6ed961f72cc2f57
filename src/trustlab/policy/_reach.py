"""Static reachability of rules: which rules can never fire.

A rule can never fire when its ``when`` is never true, or when every record it
matches is already matched by earlier rules. This module decides that exactly
for conditions that test a single column against literals (comparisons,
``in``, ``is missing``, combined with ``and``/``or``/``not``); conditions over
several columns are left alone, so the check never reports a false alarm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import reduce

from ._condition import And, Column, Compare, Condition, In, IsMissing, Literal, Not, Or, flip

__all__ = ["unreachable_rules"]

_INF = math.inf
_Interval = tuple[float, bool, float, bool]  # lo, lo included, hi, hi included
_FULL: tuple[_Interval, ...] = ((-_INF, False, _INF, False),)


def _empty(i: _Interval) -> bool:
    lo, lo_in, hi, hi_in = i
    return lo > hi or (lo == hi and not (lo_in and hi_in))


def _meet(a: _Interval, b: _Interval) -> _Interval:
    if a[0] > b[0] or (a[0] == b[0] and not a[1]):
        lo, lo_in = a[0], a[1]
    else:
        lo, lo_in = b[0], b[1]
    if a[2] < b[2] or (a[2] == b[2] and not a[3]):
        hi, hi_in = a[2], a[3]
    else:
        hi, hi_in = b[2], b[3]
    return (lo, lo_in, hi, hi_in)


def _intersect(a: tuple[_Interval, ...], b: tuple[_Interval, ...]) -> tuple[_Interval, ...]:
    return tuple(m for x in a for y in b if not _empty(m := _meet(x, y)))


def _complement_one(i: _Interval) -> tuple[_Interval, ...]:
    lo, lo_in, hi, hi_in = i
    parts = []
    if lo > -_INF:
        parts.append((-_INF, False, lo, not lo_in))
    if hi < _INF:
        parts.append((hi, not hi_in, _INF, False))
    return tuple(p for p in parts if not _empty(p))


def _complement(a: tuple[_Interval, ...]) -> tuple[_Interval, ...]:
    return reduce(_intersect, (_complement_one(i) for i in a), _FULL)


@dataclass(frozen=True)
class _Domain:
    """The set of one column's values for which a condition is true.

    ``kind`` is ``num`` (``intervals``), ``cat`` (``values``, or everything but
    them when ``cofinite``) or ``any`` (no value, only perhaps ``missing``).
    """

    kind: str
    missing: bool = False
    intervals: tuple[_Interval, ...] = ()
    values: frozenset = frozenset()
    cofinite: bool = False

    def is_empty(self) -> bool:
        if self.missing:
            return False
        if self.kind == "num":
            return not self.intervals
        if self.kind == "cat":
            return not self.cofinite and not self.values
        return not self.cofinite


def _as(kind: str, d: _Domain) -> _Domain:
    """An ``any`` domain (nothing, or every present value) in terms of ``kind``."""
    if d.kind != "any" or kind == "any":
        return d
    if kind == "num":
        return _Domain("num", d.missing, _FULL if d.cofinite else ())
    return _Domain("cat", d.missing, values=frozenset(), cofinite=d.cofinite)


def _unify(a: _Domain, b: _Domain) -> tuple[_Domain, _Domain] | None:
    if a.kind == b.kind:
        return a, b
    if a.kind == "any":
        return _as(b.kind, a), b
    if b.kind == "any":
        return a, _as(a.kind, b)
    return None  # numbers against text: leave alone


def _and(a: _Domain, b: _Domain) -> _Domain | None:
    u = _unify(a, b)
    if u is None:
        return None
    a, b = u
    missing = a.missing and b.missing
    if a.kind == "num":
        return _Domain("num", missing, _intersect(a.intervals, b.intervals))
    if a.kind == "cat":
        if a.cofinite and b.cofinite:
            return _Domain("cat", missing, values=a.values | b.values, cofinite=True)
        if a.cofinite:
            return _Domain("cat", missing, values=b.values - a.values)
        if b.cofinite:
            return _Domain("cat", missing, values=a.values - b.values)
        return _Domain("cat", missing, values=a.values & b.values)
    return _Domain("any", missing, cofinite=a.cofinite and b.cofinite)


def _or(a: _Domain, b: _Domain) -> _Domain | None:
    na, nb = _not(a), _not(b)
    both = _and(na, nb)
    if both is None:
        return None
    out = _not(both)
    return _Domain(out.kind, a.missing or b.missing, out.intervals, out.values, out.cofinite)


def _not(a: _Domain) -> _Domain:
    # Known-false: the value is present and outside the set. Missing stays unknown.
    if a.kind == "num":
        return _Domain("num", False, _complement(a.intervals))
    if a.kind == "cat":
        return _Domain("cat", False, values=a.values, cofinite=not a.cofinite)
    return _Domain("any", False, cofinite=not a.cofinite)


def _compare_domain(op: str, lit: Literal) -> _Domain | None:
    v = lit.value
    if lit.kind == "number":
        x = float(v)
        iv = {
            "<": (-_INF, False, x, False), "<=": (-_INF, False, x, True),
            ">": (x, False, _INF, False), ">=": (x, True, _INF, False),
            "==": (x, True, x, True),
        }
        if op == "!=":
            return _Domain("num", False, ((-_INF, False, x, False), (x, False, _INF, False)))
        return _Domain("num", False, (iv[op],))
    if op == "==":
        return _Domain("cat", False, values=frozenset([v]))
    if op == "!=":
        return _Domain("cat", False, values=frozenset([v]), cofinite=True)
    return None  # ordering on text: not analysed


def _predicate(cond: Condition) -> tuple[str, _Domain] | None:
    """``(column, domain)`` when ``cond`` tests one column against literals."""
    if isinstance(cond, Compare):
        left, op, right = cond.left, cond.op, cond.right
        if isinstance(left, Literal) and isinstance(right, Column):
            left, right, op = right, left, flip(op)
        if not (isinstance(left, Column) and isinstance(right, Literal)):
            return None
        dom = _compare_domain(op, right)
        return (left.name, dom) if dom is not None else None
    if isinstance(cond, In):
        kinds = {v.kind for v in cond.values}
        if kinds == {"number"}:
            points = tuple((float(v.value), True, float(v.value), True) for v in cond.values)
            dom = _Domain("num", False, points)
        elif len(kinds) == 1:
            dom = _Domain("cat", False, values=frozenset(v.value for v in cond.values))
        else:
            return None
        return cond.column.name, (_not(dom) if cond.negate else dom)
    if isinstance(cond, IsMissing):
        dom = _Domain("any", True)
        return cond.column.name, (_not(dom) if cond.negate else dom)
    if isinstance(cond, Not):
        inner = _predicate(cond.item)
        return (inner[0], _not(inner[1])) if inner else None
    if isinstance(cond, (And, Or)):
        parts = [_predicate(i) for i in cond.items]
        if any(p is None for p in parts) or len({p[0] for p in parts}) != 1:  # type: ignore[index]
            return None
        combine = _and if isinstance(cond, And) else _or
        dom: _Domain | None = parts[0][1]  # type: ignore[index]
        for _, d in parts[1:]:  # type: ignore[misc]
            dom = combine(dom, d) if dom is not None else None
        return (parts[0][0], dom) if dom is not None else None  # type: ignore[index]
    return None


def unreachable_rules(rules) -> list[tuple[int, str, str]]:
    """Rules that can never fire, as ``(index, why, column)``.

    ``why`` names the earlier rules that cover it, or says the condition is
    never true by itself.

    Examples
    --------
    >>> from trustlab.policy._spec import Rule
    >>> from trustlab.policy._template import parse_template
    >>> from trustlab.policy._condition import parse_condition
    >>> t = parse_template("x")
    >>> rules = [Rule("a", parse_condition("p >= 0.3"), "d", t),
    ...          Rule("b", parse_condition("p > 0.5"), "d", t),
    ...          Rule("c", None, "d", t)]
    >>> unreachable_rules(rules)
    [(1, "rule 'a'", 'p')]
    """
    found: list[tuple[int, str, str]] = []
    covered: dict[str, tuple[_Domain, list[str]]] = {}
    for i, rule in enumerate(rules):
        if rule.when is None:
            continue
        pred = _predicate(rule.when)
        if pred is None:
            continue
        column, dom = pred
        if dom.is_empty():
            found.append((i, "its own condition (it is never true)", column))
            continue
        if column in covered:
            prior, names = covered[column]
            rest = _and(dom, _not(prior))
            if rest is not None:
                rest = _Domain(rest.kind, dom.missing and not prior.missing, rest.intervals,
                               rest.values, rest.cofinite)
                if rest.is_empty():
                    who = " and ".join(f"rule '{n}'" for n in names)
                    found.append((i, who, column))
                    continue
            merged = _or(prior, dom)
            if merged is not None:
                covered[column] = (merged, names + [rule.id])
        else:
            covered[column] = (dom, [rule.id])
    return found
