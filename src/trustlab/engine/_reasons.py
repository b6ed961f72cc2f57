"""Rendering ``because`` templates for many rows at once.

A reason is rendered once per distinct combination of its fields' *formatted*
values, not once per row, and the result is a categorical column. Floats are
formatted through their distinct values; for fixed-point specs (``.2f``,
``.0%``) the distinct values are first grouped by their rounded value, and a
group whose smallest and largest members format alike is formatted once
(formatting is monotone, so every value between them formats the same). The
text is exactly what ``format(value, spec)`` gives for each row, as on the
online path.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .._errors import Problem
from ..policy._template import MISSING_TEXT, Template, format_value

__all__ = ["format_array", "render_rows", "CategoryBuilder", "first_occurrences"]

_FIXED = re.compile(r"^(?:.?[<>=^])?[+\- ]?z?#?0?\d*[,_]?\.(\d+)([fF%])$")
_BUCKETS_FROM = 512  # below this many distinct values, format each directly


class CategoryBuilder:
    """Interns strings into one list of categories shared by all rules."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.items: list[str] = []

    def codes_for(self, texts: list[str]) -> np.ndarray:
        out = np.empty(len(texts), dtype=np.int32)
        index, items = self.index, self.items
        for i, t in enumerate(texts):
            code = index.get(t)
            if code is None:
                code = index[t] = len(items)
                items.append(t)
            out[i] = code
        return out

    def categorical(self, codes: np.ndarray) -> pd.Categorical:
        return pd.Categorical.from_codes(codes, categories=pd.Index(self.items, dtype=object))


def format_array(values: np.ndarray, spec: str, min_bucketed: int = _BUCKETS_FROM) -> list[str]:
    """``[format_value(v, spec) for v in values]``, vectorised where exactness allows.

    Float arrays of at least ``min_bucketed`` values with a fixed-point spec
    are formatted per rounding group rather than per value.

    Examples
    --------
    >>> format_array(np.array([0.1234, 0.1236, np.nan]), ".1%")
    ['12.3%', '12.4%', 'missing']
    """
    if values.dtype.kind != "f" or len(values) < min_bucketed:
        return [format_value(v, spec) for v in values.tolist()]
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
    v = values[idx]
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


def _field_codes(values, spec: str) -> tuple[np.ndarray, list[str]]:
    """Codes per row and the formatted text of each code."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    arr = np.asarray(uniques)
    try:
        texts = format_array(arr, spec)
    except (TypeError, ValueError) as exc:
        raise _FormatProblem(str(exc)) from None
    # distinct values may format alike (0.1231 and 0.1234 at .1%): merge them
    t_codes, t_uniques = pd.factorize(np.asarray(texts, dtype=object))
    return t_codes[codes], list(t_uniques)


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


def render_rows(template: Template, frame: pd.DataFrame, rows: np.ndarray,
                builder: CategoryBuilder, where: str) -> tuple[np.ndarray, list[Problem]]:
    """Category codes of ``template`` rendered for ``rows`` of ``frame``."""
    if not template.columns:
        return np.full(len(rows), builder.codes_for([template.source])[0], dtype=np.int32), []
    if len(rows) == 0:
        return np.empty(0, dtype=np.int32), []
    combo = np.zeros(len(rows), dtype=np.int64)
    fields = [(c, s) for _, c, s in template.parts if c is not None]
    for column, spec in fields:
        series = frame[column]
        values = series.to_numpy()[rows] if len(rows) < len(series) else series.to_numpy()
        try:
            codes, texts = _field_codes(values, spec)
        except _FormatProblem as exc:
            return np.empty(0, dtype=np.int32), [Problem(
                where, f"cannot format column '{column}' with '{{{column}:{spec}}}': {exc}; "
                       "choose a format spec that fits the column's type")]
        combo = combo * len(texts) + codes
        if len(texts) > 1:
            combo, _ = pd.factorize(combo)
            combo = combo.astype(np.int64)
    # decode each distinct combination back to its field texts
    combo, first = first_occurrences(combo)
    rendered: list[str] = []
    per_field_texts = []
    for column, spec in fields:
        values = frame[column].to_numpy()[rows[first]]
        per_field_texts.append([format_value(v, spec) for v in values.tolist()])
    for k in range(len(first)):
        out = []
        fi = 0
        for text, column, _ in template.parts:
            out.append(text)
            if column is not None:
                out.append(per_field_texts[fi][k])
                fi += 1
        rendered.append("".join(out))
    return builder.codes_for(rendered)[combo], []
