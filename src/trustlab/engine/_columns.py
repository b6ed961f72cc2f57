"""Columns of a DataFrame prepared once for vectorised evaluation.

Each column a policy reads becomes a :class:`PreparedColumn` of one kind:

* ``num`` – a numpy numeric array (float with NaN where missing, or int/bool
  without missing values);
* ``text`` – categorical codes plus the array of distinct values, so a test is
  computed once per distinct value and broadcast with ``take``;
* ``bool`` – a boolean array plus a missing mask;
* ``empty`` – every value missing (any test is unknown).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from .._errors import Problem
from ..policy import Column, columns_of
from ..policy import DriftBrake, Policy

__all__ = ["PreparedColumn", "prepare_column", "KIND_WORDS", "close_column", "did_you_mean",
           "missing_column_problems", "refused_numbers"]

KIND_WORDS = {"num": "numbers", "text": "text", "bool": "true/false values", "empty": "only missing values"}


@dataclass
class PreparedColumn:
    """One column, ready for vectorised tests."""

    name: str
    kind: str
    values: np.ndarray | None = None  # num/bool: the data
    codes: np.ndarray | None = None  # text: codes into ``categories``, -1 = missing
    categories: np.ndarray | None = None  # text: distinct values (object array)
    _missing: np.ndarray | None = field(default=None, repr=False)
    n: int = 0

    @property
    def missing(self) -> np.ndarray:
        """Boolean mask of missing values (computed once)."""
        if self._missing is None:
            if self.kind == "text":
                self._missing = self.codes < 0
            elif self.kind == "empty":
                self._missing = np.ones(self.n, dtype=bool)
            elif self.values.dtype.kind == "f":
                self._missing = np.isnan(self.values)
            else:
                self._missing = np.zeros(self.n, dtype=bool)
        return self._missing

    @property
    def may_be_missing(self) -> bool:
        """False when the column is known to have no missing value."""
        if self.kind == "num" and self.values.dtype.kind in "iub":
            return self._missing is not None and bool(self._missing.any())
        return True

    def row_values(self) -> np.ndarray:
        """The values as an object/numeric array (for column-to-column tests)."""
        if self.kind == "text":
            out = np.empty(self.n, dtype=object)
            ok = self.codes >= 0
            out[ok] = self.categories[self.codes[ok]]
            out[~ok] = None
            return out
        if self.kind == "empty":
            return np.full(self.n, None, dtype=object)
        return self.values


def refused_numbers(kind: str, column: str = "col") -> str:
    """Why decimal or complex numbers are refused, with the fix (bulk and online alike).

    Examples
    --------
    >>> print(refused_numbers("decimal", "amount"))  # doctest: +NORMALIZE_WHITESPACE
    holds decimal.Decimal values, which conditions do not compare (a policy's numbers are
    binary floats); convert the column to float64, e.g. df['amount'].astype('float64'),
    or to whole units (cents) as int64
    """
    if kind == "complex":
        return ("holds complex numbers, which have no order; pass real numbers "
                "(e.g. the real part or the magnitude) as float64")
    return ("holds decimal.Decimal values, which conditions do not compare (a policy's "
            "numbers are binary floats); convert the column to float64, e.g. "
            f"df[{column!r}].astype('float64'), or to whole units (cents) as int64")


def _text_from_categorical(name: str, cat: pd.Categorical, n: int) -> PreparedColumn:
    cats = np.asarray(cat.categories, dtype=object)
    return PreparedColumn(name, "text", codes=np.asarray(cat.codes), categories=cats, n=n)


def prepare_column(name: str, s: pd.Series) -> PreparedColumn | str:
    """Prepare one column, or return a sentence saying why its type is not usable."""
    n = len(s)
    dtype = s.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        cat_kind = _kind_of_values(pd.Series(dtype.categories))
        if cat_kind == "text":
            return _text_from_categorical(name, s.array, n)
        # numeric or boolean categories: use the values themselves
        s = s.astype(dtype.categories.dtype) if s.notna().all() else s.astype(object)
        dtype = s.dtype
    if ptypes.is_bool_dtype(dtype):
        if isinstance(dtype, pd.BooleanDtype):
            missing = s.isna().to_numpy()
            values = s.fillna(False).to_numpy(dtype=bool)
            col = PreparedColumn(name, "bool", values=values, n=n)
            col._missing = missing
            return col
        col = PreparedColumn(name, "bool", values=s.to_numpy(dtype=bool), n=n)
        col._missing = np.zeros(n, dtype=bool)
        return col
    if ptypes.is_numeric_dtype(dtype):
        # numbers keep their own type: a float32 compares at float32, an int64 exactly
        if isinstance(dtype, pd.api.extensions.ExtensionDtype):
            # nullable Int64/Float32 and arrow numbers: their numpy type, missing kept aside
            np_dtype = np.dtype(getattr(dtype, "numpy_dtype", None) or object)
            if np_dtype.kind == "c":
                return refused_numbers("complex", name)
            if np_dtype.kind not in "iuf":
                return refused_numbers("decimal", name)
            if np_dtype.kind == "f":
                return PreparedColumn(name, "num", values=s.to_numpy(dtype=np_dtype, na_value=np.nan),
                                      n=n)
            col = PreparedColumn(name, "num", values=s.to_numpy(dtype=np_dtype, na_value=0), n=n)
            col._missing = s.isna().to_numpy()
            return col
        if dtype.kind == "c":
            return refused_numbers("complex", name)
        return PreparedColumn(name, "num", values=s.to_numpy(), n=n)
    if ptypes.is_datetime64_any_dtype(dtype) or ptypes.is_timedelta64_dtype(dtype):
        return "holds dates or times, which conditions do not compare"
    if ptypes.is_string_dtype(dtype) or dtype == object:
        kind = _kind_of_values(s)
        if kind == "text":
            return _text_from_categorical(name, pd.Categorical(s), n)
        if kind == "empty":
            return PreparedColumn(name, "empty", n=n)
        if kind in ("decimal", "complex"):
            return refused_numbers(kind, name)
        if kind == "num":
            # Python ints stay exact (nullable Int64), Python floats are float64
            return prepare_column(name, pd.to_numeric(s, dtype_backend="numpy_nullable"))
        if kind == "bool":
            missing = s.isna().to_numpy()
            values = s.where(~s.isna(), False).to_numpy(dtype=bool)
            col = PreparedColumn(name, "bool", values=values, n=n)
            col._missing = missing
            return col
        return f"mixes values of different types ({kind}); make it all text or all numbers"
    return f"has type {dtype}, which conditions cannot test"


def _kind_of_values(s: pd.Series) -> str:
    inferred = ptypes.infer_dtype(s, skipna=True)
    if inferred in ("string", "unicode"):
        return "text"
    if inferred == "empty":
        return "empty"
    if inferred in ("integer", "floating", "mixed-integer-float"):
        return "num"
    if inferred in ("decimal", "complex"):
        return inferred
    if inferred == "boolean":
        return "bool"
    return inferred


# --------------------------------------------------------------------------- missing columns

_SHOW_PLACES = 4
_SHOW_COLUMNS = 40


def _normalised(name: str) -> str:
    return re.sub(r"[\s_\-.]+", "_", name.strip().lower())


def close_column(name: str, columns: Iterable) -> str | None:
    """The column of ``columns`` that ``name`` most likely meant, or None.

    A column equal to ``name`` but for case, spaces, underscores, hyphens or
    dots wins; otherwise the closest by :func:`difflib.get_close_matches`
    (as written, then ignoring case).

    Examples
    --------
    >>> close_column("loan_amount", ["Loan Amount", "income"])
    'Loan Amount'
    >>> close_column("debt_to_incme", ["debt_to_income", "grade"])
    'debt_to_income'
    >>> close_column("zzz", ["debt_to_income", "grade"]) is None
    True
    """
    texts = [c for c in columns if isinstance(c, str) and c != name]
    key = _normalised(name)
    same = [c for c in texts if _normalised(c) == key]
    if same:
        return same[0]
    close = difflib.get_close_matches(name, texts, n=1, cutoff=0.6)
    if close:
        return close[0]
    lowered = {c.lower(): c for c in reversed(texts)}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


def did_you_mean(name: str, columns: Iterable, *, in_condition: bool = False) -> str:
    """A sentence suggesting the column ``name`` was meant to be, or ``""``.

    With ``in_condition``, a suggestion that is not a plain identifier comes
    with how a condition writes it: in backticks.

    Examples
    --------
    >>> did_you_mean("grde", ["grade", "p"])
    "Did you mean 'grade'?"
    >>> print(did_you_mean("loan_amount", ["loan amount"], in_condition=True))
    ... # doctest: +NORMALIZE_WHITESPACE
    Did you mean 'loan amount'? It is not a plain name: write `loan amount` in backticks in a
    condition.
    """
    close = close_column(name, columns)
    if close is None:
        return ""
    text = f"Did you mean '{close}'?"
    written = Column(close).canonical()
    if in_condition and written != close:
        text += f" It is not a plain name: write {written} in backticks in a condition."
    return text


def _places(where: Sequence[str]) -> str:
    shown = list(where[:_SHOW_PLACES])
    more = len(where) - len(shown)
    if more:
        return f"{', '.join(shown)} and {more} more"
    if len(shown) == 1:
        return shown[0]
    return f"{', '.join(shown[:-1])} and {shown[-1]}"


def _columns_text(columns: Sequence) -> str:
    text = ", ".join(map(str, list(columns)[:_SHOW_COLUMNS]))
    return text + (", …" if len(columns) > _SHOW_COLUMNS else "")


def missing_column_problems(policy: Policy, data: pd.DataFrame) -> list[Problem]:
    """One problem per column ``policy`` reads that ``data`` lacks, naming each place reading it.

    Each problem is led by the column (``column 'grade'``) and lists where
    the policy reads it (signals, conditions, reasons, the drift brake, the
    row key and time), once, with a suggestion from the data's own columns;
    the last one lists the data's columns.

    Examples
    --------
    >>> import trustlab
    >>> policy = trustlab.parse_policy(\'\'\'
    ... trustlab: 1
    ... name: tiny
    ... version: "1"
    ... owner: Risk team
    ... signals: [{name: p, kind: probability, model: m1, higher_means: risk}]
    ... actions: {approve: {automated: true, favourable: true}, review: {automated: false}}
    ... rules:
    ...   - {id: a, when: p < 0.1 and grade == 'A', then: approve, because: "Grade {grade}."}
    ...   - {id: b, when: p < 0.2 and grade == 'B', then: approve, because: "Grade {grade}."}
    ...   - {id: rest, otherwise: true, then: review, because: A person decides.}
    ... \'\'\')
    >>> for problem in missing_column_problems(policy, pd.DataFrame(columns=["p", "Grade"])):
    ...     print(problem)  # doctest: +NORMALIZE_WHITESPACE
    column 'grade': is read by rules[0].when, rules[0].because, rules[1].when and
    rules[1].because, and the data lacks it. Did you mean 'Grade'? Columns: p, Grade
    """
    have = set(data.columns)
    places: dict[str, list[str]] = {}

    def need(columns: Iterable[str | None], where: str) -> None:
        for column in columns:
            if column is not None and column not in have:
                seen = places.setdefault(column, [])
                if where not in seen:
                    seen.append(where)

    for i, s in enumerate(policy.signals):
        need([s.name], f"signals[{i}]")
    for i, rule in enumerate(policy.rules):
        if rule.when is not None:
            need(columns_of(rule.when), f"rules[{i}].when")
        need(rule.because.columns, f"rules[{i}].because")
    if policy.kill_switch is not None:
        need(policy.kill_switch.because.columns, "kill_switch.because")
    for i, g in enumerate(policy.guardrails):
        if isinstance(g, DriftBrake):
            need(g.watch, f"guardrails[{i}].watch")
    need([policy.id_column], "columns.id")
    need([policy.time_column], "columns.time")
    problems = []
    for column, where in places.items():
        in_condition = any(w.endswith(".when") for w in where)
        hint = did_you_mean(column, data.columns, in_condition=in_condition)
        problems.append(Problem(f"column '{column}'", f"is read by {_places(where)}, and the data "
                                                      f"lacks it.{' ' + hint if hint else ''}"))
    if problems:
        last = problems[-1]
        problems[-1] = Problem(last.where, f"{last.message} Columns: "
                                           f"{_columns_text(list(data.columns))}")
    return problems
