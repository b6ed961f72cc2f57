"""Conditions compiled once into closures over one record (the online path).

Each compiled test takes ``get`` (the record's ``get``) and returns ``True``,
``False`` or ``None`` (unknown), with the same three-valued logic and the same
type rules as the vectorised path in :mod:`._vector`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal

import numpy as np

from .._errors import DataError, Problem
from ..policy import And, Column, Compare, Condition, In, IsMissing, Literal, Not, Or, flip
from ..policy import is_missing
from ._columns import refused_numbers
from ._vector import OPS, int_literal, literal_in

__all__ = ["compile_scalar", "value_kind", "compare_number", "exact_number"]

Test = Callable[[Callable], "bool | None"]

_F64, _F32, _I64 = np.float64, np.float32, np.int64


def value_kind(v) -> str:
    """``num``, ``text``, ``bool`` or ``missing`` for one Python or numpy value."""
    t = type(v)
    if t is float:
        return "missing" if v != v else "num"
    if t is int:
        return "num"
    if t is str:
        return "text"
    if t is _F64 or t is _F32:
        return "missing" if v != v else "num"
    if t is bool or isinstance(v, np.bool_):
        return "bool"
    if v is None or is_missing(v):
        return "missing"
    if isinstance(v, (int, float, np.integer, np.floating)):
        return "num"
    if isinstance(v, str):
        return "text"
    if isinstance(v, Decimal):
        return "decimal"
    if isinstance(v, (complex, np.complexfloating)):
        return "complex"
    return type(v).__name__


def compare_number(v, op: str, lit: float | int) -> bool:
    """``v op lit`` for one number, as the vectorised path compares it.

    Integers (Python or numpy) compare by exact value; a float compares at its
    own precision: a Python float or float64 with the literal as a float64, an
    ``np.float32`` with the literal rounded to float32.

    Examples
    --------
    >>> compare_number(np.float32(0.35), ">=", 0.35), compare_number(0.3499999940395355, ">=", 0.35)
    (True, False)
    >>> compare_number(2**53 + 1, ">", 9007199254740992.0)
    True
    """
    if isinstance(v, (int, np.integer)):
        exact = int_literal(op, lit)
        return exact if isinstance(exact, bool) else OPS[exact[0]](int(v), exact[1])
    dtype = v.dtype if isinstance(v, np.floating) else np.dtype(np.float64)
    return bool(OPS[op](v, literal_in(lit, dtype)))


def exact_number(v):
    """One number as its exact Python value (``int`` or ``float``) for column-to-column tests.

    Examples
    --------
    >>> exact_number(np.float32(0.35)), exact_number(np.int64(7))
    (0.3499999940395355, 7)
    """
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


def _mismatch(where: str, column: str, v, wanted: str) -> DataError:
    kind = value_kind(v)
    if kind in ("decimal", "complex"):
        return DataError("Record", [Problem(where, f"column '{column}' ({v!r}) "
                                                   f"{refused_numbers(kind, column)}")])
    words = {"num": "a number", "text": "text", "bool": "a true/false value"}
    return DataError("Record", [Problem(
        where, f"column '{column}' holds {words.get(kind, kind)} ({v!r}) but is tested "
               f"against {words[wanted]}; pass {words[wanted]} for '{column}'")])


def compile_scalar(cond: Condition, where: str) -> Test:
    """Compile ``cond`` into ``test(get) -> True | False | None``.

    Examples
    --------
    >>> from trustlab.policy import parse_condition
    >>> t = compile_scalar(parse_condition("p < 0.1 or grade in ['A']"), "rules[0].when")
    >>> t({"p": 0.5, "grade": "A"}.get), t({"p": float("nan"), "grade": "B"}.get)
    (True, None)
    """
    if isinstance(cond, Compare):
        left, right, op = cond.left, cond.right, cond.op
        if isinstance(left, Literal):
            left, right, op = right, left, flip(op)
        fn = OPS[op]
        name = left.name  # type: ignore[union-attr]
        if isinstance(right, Column):
            other = right.name

            def test_cols(get):
                a, b = get(name), get(other)
                ka, kb = value_kind(a), value_kind(b)
                if ka == "missing" or kb == "missing":
                    return None
                if ka != kb or ka in ("decimal", "complex"):
                    if ka not in ("num", "text", "bool"):
                        raise _mismatch(where, name, a, "num")
                    raise _mismatch(where, other, b, ka)
                if ka == "num":  # by exact value, as the vectorised path
                    return bool(fn(exact_number(a), exact_number(b)))
                return bool(fn(a, b))

            return test_cols
        lit = right.value
        want = {"number": "num", "text": "text", "bool": "bool"}[right.kind]
        if want == "num":
            lit64 = float(literal_in(lit, np.dtype(np.float64)))
            lit32 = literal_in(lit, np.dtype(np.float32))
            exact = int_literal(op, lit)

            def test_num(get):
                v = get(name)
                t = type(v)
                if t is float:
                    return None if v != v else fn(v, lit64)
                if t is int:
                    return exact if type(exact) is bool else OPS[exact[0]](v, exact[1])
                if t is _F64:  # as compare_number: a float64 against the literal as a float64
                    return None if v != v else fn(float(v), lit64)
                if t is _F32:  # at float32, the literal rounded to float32
                    return None if v != v else bool(fn(v, lit32))
                if t is _I64:  # by exact value
                    return exact if type(exact) is bool else OPS[exact[0]](int(v), exact[1])
                k = value_kind(v)
                if k == "missing":
                    return None
                if k != "num":
                    raise _mismatch(where, name, v, "num")
                return compare_number(v, op, lit)

            return test_num

        text = want == "text"

        def test_other(get):
            v = get(name)
            if text and type(v) is str:
                return bool(fn(v, lit))
            k = value_kind(v)
            if k == "missing":
                return None
            if k != want:
                raise _mismatch(where, name, v, want)
            return bool(fn(bool(v) if want == "bool" else v, lit))

        return test_other
    if isinstance(cond, In):
        name = cond.column.name
        members = frozenset(v.value for v in cond.values)
        kinds = {{"number": "num", "text": "text", "bool": "bool"}[v.kind] for v in cond.values}
        negate = cond.negate
        num_members = tuple(dict.fromkeys(v.value for v in cond.values if v.kind == "number"))

        text_members = "text" in kinds

        def test_in(get):
            v = get(name)
            if text_members and type(v) is str:
                return (v in members) != negate
            k = value_kind(v)
            if k == "missing":
                return None
            if k not in kinds:
                raise _mismatch(where, name, v, next(iter(kinds)))
            if k == "num":  # each member as ``==`` compares it
                found = any(compare_number(v, "==", m) for m in num_members)
            elif k == "bool":
                found = bool(v) in members
            else:
                found = v in members
            return found != negate

        return test_in
    if isinstance(cond, IsMissing):
        name = cond.column.name
        negate = cond.negate

        def test_missing(get):
            v = get(name)
            t = type(v)
            if t is float or t is _F64 or t is _F32:
                return math.isnan(v) != negate
            if t is str:
                return negate
            return (v is None or is_missing(v)) != negate

        return test_missing
    if isinstance(cond, Not):
        inner = compile_scalar(cond.item, where)

        def test_not(get):
            r = inner(get)
            return None if r is None else not r

        return test_not
    if isinstance(cond, And):
        items = [compile_scalar(i, where) for i in cond.items]

        def test_and(get):
            unknown = False
            for item in items:
                r = item(get)
                if r is False:
                    return False
                if r is None:
                    unknown = True
            return None if unknown else True

        return test_and
    if isinstance(cond, Or):
        items = [compile_scalar(i, where) for i in cond.items]

        def test_or(get):
            unknown = False
            for item in items:
                r = item(get)
                if r is True:
                    return True
                if r is None:
                    unknown = True
            return None if unknown else False

        return test_or
    raise TypeError(f"not a condition node: {cond!r}")  # pragma: no cover
