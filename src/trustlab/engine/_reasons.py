"""Rendering ``because`` templates for many rows at once.

A reason is rendered once per distinct combination of its fields' *formatted*
values, not once per row, and the result is a categorical column. Each field
is formatted once per distinct value; for floats with a fixed-point spec
(``.2f``, ``.1%``) rows are first grouped by their value rounded to the spec's
digits, and a group whose smallest and largest values format alike is
formatted once (formatting is monotone, so every value between them formats
the same); a group that straddles a rounding boundary is formatted row by
row. The text is exactly what ``format(value, spec)`` gives for each row, as
on the online path.

Where the deciding rule compares a field's column with a number (its *lines*,
:func:`trustlab.policy._template.lines_of`), the shown number must not cross a
line: only rows within a unit of the last shown digit of a line can cross it
(one vectorised comparison finds them), their distinct texts are read back, and
only the rows whose text falls on the other side of a line than their value are
shown again with more digits (:func:`trustlab.policy._template.field_text`, as
online).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import repeat

import numpy as np
import pandas as pd

from .._errors import Problem
from ._columns import PreparedColumn
from ..policy import (MISSING_TEXT, Line, Template, field_text, format_value, no_negative_zero, read_back)

__all__ = ["format_array", "render_rows", "CategoryBuilder", "first_occurrences"]

_FIXED = re.compile(r"^(?:.?[<>=^])?[+\- ]?z?#?0?\d*[,_]?\.(\d+)([fF%])$")
_BUCKETS_FROM = 512  # below this many distinct values, format each directly


class CategoryBuilder:
    """Collects rendered texts in blocks and interns them into one set of categories.

    ``add`` returns provisional codes (positions in ``items``); ``finish`` maps
    them to the codes of the distinct texts with one hash pass (no Python loop).
    """

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, texts) -> np.ndarray:
        """Append ``texts``; their provisional codes."""
        start = len(self.items)
        self.items.extend(texts)
        return np.arange(start, len(self.items), dtype=np.int32)

    def finish(self, provisional: np.ndarray) -> pd.Categorical:
        """The categorical of the texts at ``provisional`` codes, categories deduplicated."""
        remap, uniques = pd.factorize(np.asarray(self.items, dtype=object))
        codes = remap.astype(np.int32)[provisional] if len(provisional) else provisional
        return pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype=object))


def format_array(values: np.ndarray, spec: str, min_bucketed: int = _BUCKETS_FROM) -> list[str]:
    """``[format_value(v, spec) for v in values]``, vectorised where exactness allows.

    Float arrays of at least ``min_bucketed`` values with a fixed-point spec
    are formatted per rounding group rather than per value.

    Examples
    --------
    >>> format_array(np.array([0.1234, 0.1236, np.nan]), ".1%")
    ['12.3%', '12.4%', 'missing']
    """
    if values.dtype.kind in "mM":  # pd.Timedelta / pd.Timestamp, as online
        return [format_value(v, spec) for v in pd.Index(values).astype(object)]
    if values.dtype.kind != "f" or len(values) < min_bucketed:
        return [format_value(v, spec) for v in _scalars(values)]
    spec = no_negative_zero(spec)  # as format_value: never '-0.0
    m = _FIXED.match(spec)
    if m is None:
        return [format_value(v, spec) for v in values.tolist()]
    digits = int(m.group(1)) + (2 if m.group(2) == "%" else 0)
    out = np.empty(len(values), dtype=object)
    nan = np.isnan(values)
    out[nan] = MISSING_TEXT
    idx = np.flatnonzero(~nan)
    if len(idx) == 0:
        return out.tolist()
    v = values[idx] + 0.0  # -0.0 + 0.0 is 0.0: no negative zero, as format_value
    with np.errstate(over="ignore", invalid="ignore"):
        key = np.rint(v * (10.0 ** digits))
    codes, keys = pd.factorize(key)
    lo = np.full(len(keys), np.inf)
    hi = np.full(len(keys), -np.inf)
    np.minimum.at(lo, codes, v)
    np.maximum.at(hi, codes, v)
    lo_txt = [format(x, spec) for x in lo.tolist()]
    hi_txt = [format(x, spec) for x in hi.tolist()]
    group_txt = np.array(lo_txt, dtype=object)
    same = np.array([a == b for a, b in zip(lo_txt, hi_txt)], dtype=bool)
    res = group_txt[codes]
    split = np.flatnonzero(~same[codes])  # a rounding boundary inside the group
    if len(split):
        res[split] = [format(x, spec) for x in v[split].tolist()]
    out[idx] = res
    return out.tolist()


def _scalars(values: np.ndarray) -> list:
    """The values one by one; floats narrower than float64 stay numpy scalars (their precision
    decides which side of a rule's line they lie, :func:`field_text`)."""
    if values.dtype.kind == "f" and values.dtype != np.float64:
        return list(values)
    return values.tolist()


def _distinct(uniques) -> np.ndarray:
    """Distinct values of a column as an array whose items format as the online values do."""
    dtype = getattr(uniques, "dtype", None)
    if dtype is not None and dtype.kind in "mM":
        return np.asarray(pd.Index(uniques).astype(object), dtype=object)  # tz kept
    if isinstance(dtype, pd.api.extensions.ExtensionDtype):
        np_dtype = getattr(dtype, "numpy_dtype", None)
        if np_dtype is not None and np_dtype.kind == "f":  # nullable Float32 stays float32
            return uniques.to_numpy(dtype=np_dtype, na_value=np.nan)
        return np.asarray(uniques, dtype=object)  # nullable integers stay exact integers
    return np.asarray(uniques)


def _bucketed_codes(v: np.ndarray, spec: str, digits: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_field_codes` for many floats and a fixed-point spec, without hashing every value.

    Rows are grouped by their value rounded to the spec's digits; a group whose
    smallest and largest values format alike is formatted once (formatting is
    monotone), any other group row by row.
    """
    v = v + 0.0  # no negative zero, as format_value
    with np.errstate(over="ignore", invalid="ignore"):
        key = np.rint(v * (10.0 ** digits))
    codes, keys = pd.factorize(key)  # NaN → -1
    k = len(keys)
    valid = codes >= 0
    lo = np.full(k, np.inf)
    hi = np.full(k, -np.inf)
    np.minimum.at(lo, codes[valid], v[valid])
    np.maximum.at(hi, codes[valid], v[valid])
    lo_txt = [format(x, spec) for x in lo.tolist()]
    same = np.array([a == format(b, spec) for a, b in zip(lo_txt, hi.tolist())] + [True])
    codes = np.where(valid, codes, k)
    texts = lo_txt + [MISSING_TEXT]
    split = np.flatnonzero(~same[codes])  # a rounding boundary falls inside the group
    if len(split):
        codes[split] = len(texts) + np.arange(len(split))
        texts += [format(x, spec) for x in v[split].tolist()]
    t_codes, t_uniques = pd.factorize(np.asarray(texts, dtype=object))
    return t_codes[codes], np.asarray(t_uniques, dtype=object)


_OPS = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
        "==": np.equal, "!=": np.not_equal}


def _keep_sides(v: np.ndarray, codes: np.ndarray, texts: np.ndarray, spec: str,
                lines: tuple[Line, ...], digits: int) -> tuple[np.ndarray, np.ndarray]:
    """``codes`` and ``texts`` with the rows whose shown number crosses one of ``lines`` shown
    with more digits (:func:`field_text`); every other row keeps its text.

    A value shown with ``digits`` decimals reads back within half a unit of its
    last digit, so only rows within ``10**-digits`` of a line can cross it:
    their distinct texts are read back, and the rows to fix found by one
    comparison per line.
    """
    near = np.zeros(len(v), dtype=bool)
    with np.errstate(invalid="ignore"):
        for ln in lines:
            near |= np.abs(v - ln.value) <= 10.0 ** -digits
    rows = np.flatnonzero(near)
    if len(rows) == 0:
        return codes, texts
    candidates = np.unique(codes[rows])
    shown = np.full(len(texts), np.nan)
    shown[candidates] = [np.nan if t == MISSING_TEXT or (r := read_back(t)) is None else r
                         for t in texts[candidates].tolist()]
    x, back = v[rows], shown[codes[rows]].astype(v.dtype)  # read back at the column's precision
    checked = ~np.isnan(back) & np.isfinite(x)
    crossed = np.zeros(len(rows), dtype=bool)
    for ln in lines:
        op = _OPS[ln.op]
        crossed |= checked & (op(x, ln.value) != op(back, ln.value))
    rows = rows[crossed]
    if len(rows) == 0:
        return codes, texts
    fixed = [field_text(x, spec, lines) for x in _scalars(v[rows])]  # the few borderline rows
    codes = codes.copy()
    codes[rows] = len(texts) + np.arange(len(rows))
    t_codes, t_uniques = pd.factorize(np.concatenate([texts, np.asarray(fixed, dtype=object)]))
    return t_codes[codes], np.asarray(t_uniques, dtype=object)


def _field_codes(values: pd.Series, spec: str, lines: tuple[Line, ...] = ()
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Codes per row and the formatted text of each code (distinct texts).

    With ``lines`` (the deciding rule's comparisons of this column with
    numbers), no text crosses a line (:func:`field_text`).
    """
    spec = no_negative_zero(spec)  # as format_value: never '-0.0'
    if values.dtype.kind == "f" and not isinstance(values.dtype, pd.api.extensions.ExtensionDtype) \
            and len(values) >= _BUCKETS_FROM and (m := _FIXED.match(spec)) is not None:
        digits = int(m.group(1)) + (2 if m.group(2) == "%" else 0)
        v = values.to_numpy()
        codes, texts = _bucketed_codes(v, spec, digits)
        return _keep_sides(v, codes, texts, spec, lines, digits) if lines else (codes, texts)
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    arr = _distinct(uniques)
    try:
        texts = (format_array(arr, spec) if not lines else  # one distinct value at a time
                 [field_text(u, spec, lines) for u in _scalars(arr)])
    except (TypeError, ValueError) as exc:
        raise _FormatProblem(str(exc)) from None
    # distinct values may format alike (0.1231 and 0.1234 at .1%): merge them
    t_codes, t_uniques = pd.factorize(np.asarray(texts, dtype=object))
    return t_codes[codes], np.asarray(t_uniques, dtype=object)


def _coded_field_codes(prepared: PreparedColumn, rows: np.ndarray, spec: str,
                       lines: tuple[Line, ...] = ()) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_field_codes` of a text column already coded for the conditions: each distinct
    text present in ``rows`` formatted once, with no second pass over the strings."""
    codes = prepared.codes if len(rows) == prepared.n else prepared.codes[rows]
    local, present = pd.factorize(codes)  # integer codes: no string hashed again
    categories = prepared.categories
    try:
        texts = [MISSING_TEXT if c < 0 else
                 (field_text(categories[c], spec, lines) if lines else
                  format_value(categories[c], spec)) for c in present.tolist()]
    except (TypeError, ValueError) as exc:
        raise _FormatProblem(str(exc)) from None
    t_codes, t_uniques = pd.factorize(np.asarray(texts, dtype=object))
    return t_codes[local], np.asarray(t_uniques, dtype=object)


def first_occurrences(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of ``keys`` (in order of first appearance) and the position of each code's first row.

    Hash-based, no sort.

    Examples
    --------
    >>> codes, first = first_occurrences(np.array([7, 3, 7, 9, 3]))
    >>> codes.tolist(), first.tolist()
    ([0, 1, 0, 2, 1], [0, 1, 3])
    """
    codes, uniques = pd.factorize(keys)
    first = np.empty(len(uniques), dtype=np.intp)
    positions = np.arange(len(keys))
    first[codes[::-1]] = positions[::-1]  # the earliest row wins: it is written last
    return codes, first


class _FormatProblem(Exception):
    pass


def _join(pieces: list) -> list[str]:
    """Concatenate constant strings and arrays of strings element-wise.

    Examples
    --------
    >>> _join(["Risk ", np.array(["5%", "7%"], dtype=object), "."])
    ['Risk 5%.', 'Risk 7%.']
    """
    columns = [repeat(p) if isinstance(p, str) else p.tolist()
               for p in pieces if not (isinstance(p, str) and p == "")]
    return ["".join(parts) for parts in zip(*columns)]


def render_rows(template: Template, frame: pd.DataFrame, rows: np.ndarray,
                builder: CategoryBuilder, where: str, lines: tuple[Line, ...] = (),
                prepared: Mapping[str, PreparedColumn] | None = None
                ) -> tuple[np.ndarray, list[Problem]]:
    """Provisional category codes of ``template`` rendered for ``rows`` of ``frame``.

    Each field is formatted once per distinct value; each distinct combination
    of field texts is joined once. ``lines`` are the deciding rule's
    comparisons with numbers (:func:`trustlab.policy._template.lines_of`): no
    field shows a number on the other side of one than its value, exactly as
    :meth:`Template.render` with the same lines. A text column in ``prepared``
    (the columns the conditions coded) is read through its codes, never as strings again.
    """
    if not template.columns:
        # the text as rendered ('{{x}}' reads '{x}'), as Template.render gives it online
        text = "".join(t for t, _, _ in template.parts)
        return np.full(len(rows), builder.add([text])[0], dtype=np.int32), []
    if len(rows) == 0:
        return np.empty(0, dtype=np.int32), []
    fields = [(c, s) for _, c, s in template.parts if c is not None]
    combo = np.zeros(len(rows), dtype=np.int64)
    per_field: list[tuple[np.ndarray, np.ndarray]] = []
    for column, spec in fields:
        coded = prepared.get(column) if prepared is not None else None
        on_column = tuple(ln for ln in lines if ln.column == column)
        try:
            if coded is not None and coded.kind == "text":
                codes, texts = _coded_field_codes(coded, rows, spec, on_column)
            else:
                series = frame[column]
                if len(rows) < len(series):
                    series = series.take(rows)
                codes, texts = _field_codes(series, spec, on_column)
        except _FormatProblem as exc:
            return np.empty(0, dtype=np.int32), [Problem(
                where, f"cannot format column '{column}' with '{{{column}:{spec}}}': {exc}; "
                       "choose a format spec that fits the column's type")]
        per_field.append((codes, texts))
        combo = combo * len(texts) + codes
        if len(texts) > 1:
            combo = pd.factorize(combo)[0].astype(np.int64)
    combo, first = first_occurrences(combo)
    pieces: list = []
    fi = 0
    for text, column, _ in template.parts:
        pieces.append(text)
        if column is not None:
            codes, texts = per_field[fi]
            pieces.append(texts[codes[first]])
            fi += 1
    return builder.add(_join(pieces))[combo], []
