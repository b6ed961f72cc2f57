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

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

__all__ = ["PreparedColumn", "prepare_column", "KIND_WORDS"]

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
        if isinstance(dtype, pd.api.extensions.ExtensionDtype):
            # nullable Int64/Float64 and arrow numbers: float with NaN for missing
            values = s.to_numpy(dtype="float64", na_value=np.nan)
        else:
            values = s.to_numpy()
        return PreparedColumn(name, "num", values=values, n=n)
    if ptypes.is_datetime64_any_dtype(dtype) or ptypes.is_timedelta64_dtype(dtype):
        return "holds dates or times, which conditions do not compare"
    if ptypes.is_string_dtype(dtype) or dtype == object:
        kind = _kind_of_values(s)
        if kind == "text":
            return _text_from_categorical(name, pd.Categorical(s), n)
        if kind == "empty":
            return PreparedColumn(name, "empty", n=n)
        if kind == "num":
            return PreparedColumn(name, "num", values=pd.to_numeric(s).to_numpy(dtype="float64"), n=n)
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
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
        return "num"
    if inferred == "boolean":
        return "bool"
    return inferred
