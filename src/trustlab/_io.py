"""Reading data sets named on the command line or in a review.

What counts as missing in a CSV file
------------------------------------
A CSV file holds only text, so the reader decides which cells are missing:

* In a column of numbers, an empty cell and each marker of
  :data:`MISSING_MARKERS` (pandas' defaults: ``NA``, ``N/A``, ``NaN``,
  ``null``, ``None``, ...) are missing. A column is one of numbers when every
  cell that is not a marker reads as a number (or as ``True``/``False``); a
  column holding nothing but markers and empty cells is missing throughout.
* In a column of text, only an empty cell is missing: ``NA`` (Namibia),
  ``None`` or ``null`` are values, kept as written.
* The policy's row key (``columns.id``) and every column the policy compares
  with text (``grade == "A"``, ``zip in ["007"]``, a text ``bad_when``, the
  recorded reviewer decisions) are read as text, so ``007`` stays ``"007"``
  rather than becoming 7.

Both marker sets can be changed: ``read_data(path, na_values=..., text_na_values=...)``.
Parquet files carry their own types and missing values; they are read as written.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._errors import DataError, Problem

if TYPE_CHECKING:  # pragma: no cover
    from .policy import Policy

__all__ = ["read_data", "text_columns_of", "MISSING_MARKERS", "TEXT_MISSING_MARKERS"]

MISSING_MARKERS: tuple[str, ...] = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)
"""Cells that are missing in a CSV column of numbers (pandas' default markers)."""

TEXT_MISSING_MARKERS: tuple[str, ...] = ("",)
"""Cells that are missing in a CSV column of text: only the empty cell."""

_TRUE, _FALSE = frozenset({"True", "TRUE", "true"}), frozenset({"False", "FALSE", "false"})


def text_columns_of(policy: Policy) -> tuple[str, ...]:
    """The columns ``policy`` reads as text: its row key, every column a rule compares
    with text, the outcome label when ``bad_when`` is text and the recorded reviewer
    decisions.

    Examples
    --------
    >>> import trustlab
    >>> policy = trustlab.parse_policy('''
    ... trustlab: 1
    ... name: tiny
    ... version: "1"
    ... owner: Risk team
    ... columns: {id: key}
    ... signals: [{name: p, kind: probability, model: m1, higher_means: risk}]
    ... actions: {approve: {automated: true, favourable: true}, review: {automated: false}}
    ... rules:
    ...   - id: low
    ...     when: p < 0.1 and zip in ["007", "010"]
    ...     then: approve
    ...     because: Low.
    ...   - {id: rest, otherwise: true, then: review, because: A person decides.}
    ... ''')
    >>> text_columns_of(policy)
    ('key', 'zip')
    """
    from .policy._condition import And, Column, Compare, In, Literal, Not, Or

    seen: dict[str, None] = {}
    if policy.id_column:
        seen.setdefault(policy.id_column)

    def walk(node) -> None:
        if isinstance(node, Compare):
            sides = (node.left, node.right)
            if any(isinstance(s, Literal) and s.kind == "text" for s in sides):
                for s in sides:
                    if isinstance(s, Column):
                        seen.setdefault(s.name)
        elif isinstance(node, In):
            if any(v.kind == "text" for v in node.values):
                seen.setdefault(node.column.name)
        elif isinstance(node, (And, Or)):
            for item in node.items:
                walk(item)
        elif isinstance(node, Not):
            walk(node.item)

    for rule in policy.rules:
        if rule.when is not None:
            walk(rule.when)
    out = policy.outcomes
    if out is not None:
        bad = out.bad_when if isinstance(out.bad_when, tuple) else (out.bad_when,)
        if out.bad_when_given and any(isinstance(v, str) for v in bad):
            seen.setdefault(out.label)
        if out.reviewer is not None and out.reviewer.decision is not None:
            seen.setdefault(out.reviewer.decision)
    return tuple(seen)


def read_data(path: str | os.PathLike, *, policy: Policy | None = None,
              text_columns: Iterable[str] = (), na_values: Iterable[str] = MISSING_MARKERS,
              text_na_values: Iterable[str] = TEXT_MISSING_MARKERS) -> pd.DataFrame:
    """Read a CSV file, a Parquet file, or a folder of Parquet files.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.csv`` (or ``.csv.gz``, ``.txt``) file, a ``.parquet`` file or a
        folder of Parquet files.
    policy : Policy, optional
        The policy the data is for: its row key and the columns it compares
        with text are read from a CSV as text (:func:`text_columns_of`).
    text_columns : iterable of str, optional
        More CSV columns to read as text.
    na_values : iterable of str, default :data:`MISSING_MARKERS`
        Cells that are missing in a CSV column of numbers.
    text_na_values : iterable of str, default :data:`TEXT_MISSING_MARKERS`
        Cells that are missing in a CSV column of text (by default only
        the empty cell: ``NA`` and ``None`` are text).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    trustlab.DataError
        Naming the file when it is missing, empty, of another format or unreadable.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = f.write_text("key,country,score\\n007,NA,0.5\\n0123,DE,NA\\n0124,,\\n")
    >>> d = read_data(f, text_columns=["key"])
    >>> d["key"].tolist(), d["country"].tolist(), d["score"].tolist()
    (['007', '0123', '0124'], ['NA', 'DE', nan], [0.5, nan, nan])
    """
    p = Path(path)
    source = f"Data file '{p}'"
    if not p.exists():
        raise DataError(source, [Problem("(file)", f"does not exist (looked in "
                                                   f"{p.resolve().parent}); check the path")])
    suffix = p.suffix.lower()
    try:
        if p.is_dir():
            parts = sorted(p.rglob("*.parquet"))
            if not parts:
                raise DataError(source, [Problem("(folder)", "holds no .parquet files; a folder "
                                                             "of Parquet files is expected")])
            return pd.read_parquet(p)
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(p)
        if suffix in (".csv", ".txt") or p.name.endswith(".csv.gz"):
            text = set(text_columns) | set(text_columns_of(policy) if policy is not None else ())
            return _read_csv(p, text, frozenset(na_values), list(text_na_values))
    except DataError:
        raise
    except Exception as exc:  # parsers raise many types; name the file and the cause
        raise DataError(source, [Problem("(file)", f"cannot be read: {type(exc).__name__}: "
                                                   f"{exc}")]) from None
    raise DataError(source, [Problem("(file)", f"has suffix '{p.suffix}'; give a .csv or "
                                               ".parquet file, or a folder of Parquet files")])


def _read_csv(p: Path, text: set[str], markers: frozenset[str],
              text_markers: list[str]) -> pd.DataFrame:
    """Read ``p`` with only ``text_markers`` missing, then turn each column not in ``text``
    whose other cells are all numbers (or booleans) into numbers with ``markers`` missing."""
    header = pd.read_csv(p, nrows=0).columns
    data = pd.read_csv(p, dtype={c: str for c in header if c in text}, keep_default_na=False,
                       na_values=text_markers)
    for column in data.columns:
        values = data[column]
        if column in text or pd.api.types.is_numeric_dtype(values.dtype) \
                or pd.api.types.is_bool_dtype(values.dtype):
            continue
        seen = pd.Series(pd.unique(values.dropna()), dtype=object)
        is_marker = seen.isin(list(markers)).to_numpy()
        if not is_marker.any():
            continue  # text without markers: pandas already read it as written
        rest = seen[~is_marker]
        missing = values.isin(list(markers)).to_numpy()
        if len(rest) and rest.isin(list(_TRUE | _FALSE)).all():
            flags = values.isin(list(_TRUE)).to_numpy(dtype=object)
            flags[missing] = np.nan  # as pandas reads booleans with missing cells
            data[column] = flags
        elif not len(rest) or pd.to_numeric(rest, errors="coerce").notna().all():
            data[column] = pd.to_numeric(values.where(~missing), errors="coerce")
    return data
