"""Vectorised evaluation of conditions over prepared columns.

Logic is three-valued (Kleene): a test on a missing value is *unknown*;
``not unknown`` is unknown; ``true or unknown`` is true; ``false and unknown``
is false. A rule fires only where its condition is *true*, so a rule never
fires on a value it cannot see. :func:`holds` computes the rows where a
condition is true (``polarity=True``) or known to be false (``polarity=False``),
so ``not`` needs no third array.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from .._errors import Problem
from ..policy import And, Column, Compare, Condition, In, IsMissing, Literal, Not, Or, flip
from ._columns import KIND_WORDS, PreparedColumn

__all__ = ["holds", "type_problems", "OPS", "NEGATED", "literal_in", "int_literal"]

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


def literal_in(lit: float | int, dtype: np.dtype) -> np.floating:
    """The number literal ``lit`` read at the precision of the float type ``dtype``.

    A literal is a float64 (or an exact integer); compared with a float32 (or
    float16) value it is first rounded to that type, to nearest, so a float32
    ``0.35`` equals the literal ``0.35``. Past the type's range it is ±inf.

    Examples
    --------
    >>> float(literal_in(0.35, np.dtype("float32")))
    0.3499999940395355
    >>> literal_in(9007199254740993, np.dtype("float64")), literal_in(1e300, np.dtype("float32"))
    (np.float64(9007199254740992.0), np.float32(inf))
    """
    try:
        x = float(lit)
    except OverflowError:  # an integer past every float
        x = math.inf if lit > 0 else -math.inf
    with np.errstate(over="ignore"):
        return np.array(x, dtype=np.float64).astype(dtype)[()]


def int_literal(op: str, lit: float | int) -> tuple[str, int] | bool:
    """``(op, n)`` with integer ``n`` such that ``x op n`` ⇔ ``x op lit`` for every integer ``x``.

    The comparison stays exact: no integer is rounded to a float. A test that
    no integer can pass (``x == 2.5``) or every integer passes (``x != 2.5``)
    gives that boolean.

    Examples
    --------
    >>> int_literal("<", 2.5), int_literal("<=", 2.5), int_literal(">", 9007199254740992.0)
    (('<', 3), ('<=', 2), ('>', 9007199254740992))
    >>> int_literal("==", 2.5), int_literal("!=", 2.5)
    (False, True)
    """
    if isinstance(lit, int):
        return op, lit
    if not lit.is_integer():
        if op in ("==", "!="):
            return op == "!="
        return op, math.ceil(lit) if op in ("<", ">=") else math.floor(lit)
    return op, int(lit)


def _compare_ints(values: np.ndarray, op: str, lit: float | int) -> np.ndarray:
    """``values op lit`` for an integer array, by exact value."""
    exact = int_literal(op, lit)
    if isinstance(exact, bool):
        return np.full(len(values), exact)
    op, n = exact
    info = np.iinfo(values.dtype)
    if n > info.max:
        return np.full(len(values), op in ("<", "<=", "!="))
    if n < info.min:
        return np.full(len(values), op in (">", ">=", "!="))
    return OPS[op](values, values.dtype.type(n))


def _compare_numbers(values: np.ndarray, op: str, lit: float | int) -> np.ndarray:
    """``values op lit``: integers exactly, floats at their own precision."""
    if values.dtype.kind in "iu":
        return _compare_ints(values, op, lit)
    return OPS[op](values, literal_in(lit, values.dtype))


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
        mask = OPS[op](values, bool(value))
    else:
        mask = _compare_numbers(values, op, value)
    # NaN already compares False for every operator but !=; ints and bools keep missing aside
    if col.may_be_missing and (op == "!=" or values.dtype.kind != "f"):
        mask &= ~col.missing
    return mask


def _exact_mixed(a: np.ndarray, op: str, b: np.ndarray) -> np.ndarray:
    """``a op b`` for an integer array ``a`` and a float array ``b``, by exact value.

    Compared as float64 first; only where that ties (``float(a) == b``, so
    ``b`` is a whole number) is the tie settled between integers.
    """
    af = a.astype(np.float64)
    with np.errstate(invalid="ignore"):
        out = OPS[op](af, b)
        tie = af == b
    if tie.any():
        idx = np.flatnonzero(tie)
        bt = b[idx]
        top = float(np.iinfo(a.dtype).max) + 1.0  # 2**63 (or 2**64): past every value of a
        inside = bt < top
        bi = np.where(inside, bt, 0).astype(a.dtype)
        out[idx] = np.where(inside, OPS[op](a[idx], bi), OPS[op](-1, 0))  # a < b past the top
    return out


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
    av, bv = a.values, b.values
    ka, kb = av.dtype.kind, bv.dtype.kind
    if a.kind == "num" and ka in "iu" and kb == "f":
        return _exact_mixed(av, op, bv) & known
    if a.kind == "num" and ka == "f" and kb in "iu":
        return _exact_mixed(bv, flip(op), av) & known
    return OPS[op](av, bv) & known


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
        if col.kind == "bool":
            arr = col.values.astype(bool)
            mask = np.isin(arr, np.asarray(values, dtype=bool))
        else:  # each member as ``==`` compares it: exactly, at the column's precision
            mask = np.zeros(col.n, dtype=bool)
            for v in dict.fromkeys(values):
                mask |= _compare_numbers(col.values, "==", v)
        if not positive:
            mask = ~mask
        if col.may_be_missing and (not positive or col.values.dtype.kind != "f"):
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
