"""Vectorised evaluation of conditions over prepared columns.

Logic is three-valued (Kleene): a test on a missing value is *unknown*;
``not unknown`` is unknown; ``true or unknown`` is true; ``false and unknown``
is false. A rule fires only where its condition is *true*, so a rule never
fires on a value it cannot see. :func:`holds` computes the rows where a
condition is true (``polarity=True``) or known to be false (``polarity=False``),
so ``not`` needs no third array.
"""

from __future__ import annotations

import operator

import numpy as np

from .._errors import Problem
from ..policy._condition import And, Column, Compare, Condition, In, IsMissing, Literal, Not, Or, flip
from ._columns import KIND_WORDS, PreparedColumn

__all__ = ["holds", "type_problems", "OPS", "NEGATED"]

OPS = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne,
}
NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_LITERAL_FOR_KIND = {"num": "number", "text": "text", "bool": "bool"}
_LITERAL_WORDS = {"number": "the number", "text": "the text", "bool": "the boolean"}


def _lit_text(lit: Literal) -> str:
    return f"{_LITERAL_WORDS[lit.kind]} {lit.canonical()}"


def type_problems(cond: Condition, cols: dict[str, PreparedColumn], where: str) -> list[Problem]:
    """Problems where a test does not fit its column's type (text vs numbers, ordering booleans)."""
    out: list[Problem] = []

    def check_lit(col: PreparedColumn, lit: Literal, op: str) -> None:
        if col.kind == "empty":
            return
        want = _LITERAL_FOR_KIND[col.kind]
        if lit.kind != want:
            fix = {
                "number": "compare it with a number (no quotes)",
                "text": "compare it with text in quotes, e.g. 'A'",
                "bool": "compare it with true or false",
            }[want]
            out.append(Problem(where, f"column '{col.name}' holds {KIND_WORDS[col.kind]} but is "
                                      f"compared with {_lit_text(lit)}; {fix}"))
        elif col.kind == "bool" and op not in ("==", "!="):
            out.append(Problem(where, f"column '{col.name}' holds true/false values, which "
                                      f"have no order; use == or != instead of {op}"))

    def walk(node: Condition) -> None:
        if isinstance(node, Compare):
            left, right, op = node.left, node.right, node.op
            if isinstance(left, Literal):
                left, right, op = right, left, flip(op)
            a = cols[left.name]  # type: ignore[union-attr]
            if isinstance(right, Literal):
                check_lit(a, right, op)
            else:
                b = cols[right.name]
                if "empty" not in (a.kind, b.kind) and a.kind != b.kind:
                    out.append(Problem(where, f"column '{a.name}' holds {KIND_WORDS[a.kind]} but "
                                              f"column '{b.name}' holds {KIND_WORDS[b.kind]}; "
                                              "only like columns can be compared"))
                elif a.kind == "bool" and op not in ("==", "!="):
                    out.append(Problem(where, f"true/false columns '{a.name}' and '{b.name}' "
                                              f"have no order; use == or != instead of {op}"))
        elif isinstance(node, In):
            col = cols[node.column.name]
            for lit in node.values:
                check_lit(col, lit, "==")
        elif isinstance(node, (And, Or)):
            for item in node.items:
                walk(item)
        elif isinstance(node, Not):
            walk(node.item)

    walk(cond)
    return out


def _compare_literal(col: PreparedColumn, op: str, value, polarity: bool) -> np.ndarray:
    if not polarity:
        op = NEGATED[op]
    if col.kind == "empty":
        return np.zeros(col.n, dtype=bool)
    if col.kind == "text":
        cats = col.categories
        fn = OPS[op]
        lookup = np.fromiter((fn(c, value) for c in cats), dtype=bool, count=len(cats))
        return np.append(lookup, False)[col.codes]
    values = col.values
    if col.kind == "bool":
        value = bool(value)
    mask = OPS[op](values, value)
    # NaN already compares False for every operator but !=
    if op == "!=" and col.may_be_missing or col.kind == "bool" and col.may_be_missing:
        mask &= ~col.missing
    return mask


def _compare_columns(a: PreparedColumn, op: str, b: PreparedColumn, polarity: bool) -> np.ndarray:
    if not polarity:
        op = NEGATED[op]
    if "empty" in (a.kind, b.kind):
        return np.zeros(a.n, dtype=bool)
    known = ~(a.missing | b.missing)
    if a.kind == "text":
        out = np.zeros(a.n, dtype=bool)
        av, bv = a.row_values(), b.row_values()
        out[known] = OPS[op](av[known], bv[known]).astype(bool)
        return out
    return OPS[op](a.values, b.values) & known


def holds(cond: Condition, cols: dict[str, PreparedColumn], polarity: bool = True) -> np.ndarray:
    """Rows where ``cond`` is true (``polarity=True``) or known false (``polarity=False``).

    Examples
    --------
    >>> import pandas as pd
    >>> from trustlab.engine._columns import prepare_column
    >>> from trustlab.policy import parse_condition
    >>> df = pd.DataFrame({"p": [0.1, None, 0.9]})
    >>> cols = {"p": prepare_column("p", df["p"])}
    >>> holds(parse_condition("not p > 0.5"), cols).tolist()
    [True, False, False]
    """
    if isinstance(cond, Compare):
        left, right, op = cond.left, cond.right, cond.op
        if isinstance(left, Literal):
            left, right, op = right, left, flip(op)
        a = cols[left.name]  # type: ignore[union-attr]
        if isinstance(right, Column):
            return _compare_columns(a, op, cols[right.name], polarity)
        return _compare_literal(a, op, right.value, polarity)
    if isinstance(cond, In):
        col = cols[cond.column.name]
        positive = polarity != cond.negate
        if col.kind == "empty":
            return np.zeros(col.n, dtype=bool)
        values = [v.value for v in cond.values]
        if col.kind == "text":
            members = set(values)
            lookup = np.fromiter(((c in members) == positive for c in col.categories),
                                 dtype=bool, count=len(col.categories))
            return np.append(lookup, False)[col.codes]
        arr = col.values.astype(bool) if col.kind == "bool" else col.values
        mask = np.isin(arr, np.asarray(values, dtype=arr.dtype if col.kind == "bool" else float))
        if not positive:
            mask = ~mask
            if col.may_be_missing:
                mask &= ~col.missing
        elif col.kind == "bool" and col.may_be_missing:
            mask &= ~col.missing
        return mask
    if isinstance(cond, IsMissing):
        col = cols[cond.column.name]
        missing = col.missing
        return missing.copy() if polarity != cond.negate else ~missing
    if isinstance(cond, Not):
        return holds(cond.item, cols, not polarity)
    if isinstance(cond, (And, Or)):
        # true of And / false of Or: all items; the other two: any item
        combine_all = isinstance(cond, And) == polarity
        out = holds(cond.items[0], cols, polarity)
        for item in cond.items[1:]:
            part = holds(item, cols, polarity)
            if combine_all:
                out &= part
            else:
                out |= part
        return out
    raise TypeError(f"not a condition node: {cond!r}")  # pragma: no cover
