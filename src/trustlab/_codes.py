"""Columns coded once at the edge: integer codes into their few distinct values.

A bulk path never compares text row by row: it codes a column once per call
(:func:`pandas.factorize`: a categorical reads its codes, pandas' Arrow-backed
text is dictionary-encoded by pyarrow, object columns are hashed once) and
works on the codes. :func:`code_columns` codes the several columns one call
needs at once; long Arrow-backed columns (a history read from CSV holds its
text as pandas' default string dtype) are encoded on several threads, as
pyarrow releases the GIL while it hashes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._threads import thread_budget

__all__ = ["Coded", "as_objects", "code", "code_columns", "codes_in", "count_combinations",
           "objects_at", "text_labels", "PARALLEL_ROWS"]

PARALLEL_ROWS = 200_000
"""Columns at least this long are coded on several threads when a call needs several."""


@dataclass(frozen=True, eq=False)
class Coded:
    """One column as integer codes into its distinct values.

    Attributes
    ----------
    codes : numpy.ndarray
        One code per row into :attr:`values`; -1 where the value is missing.
    values : list
        The distinct non-missing values as Python objects, in order of first appearance.

    Examples
    --------
    >>> c = code(pd.Series(["b", None, "a", "b"], dtype="str"))
    >>> c.codes.tolist(), c.values
    ([0, -1, 1, 0], ['b', 'a'])
    """

    codes: np.ndarray
    values: list

    @property
    def missing(self) -> np.ndarray:
        """True where the value is missing."""
        return self.codes < 0


def code(column) -> Coded:
    """``column`` (a Series or array of any dtype) as a :class:`Coded`."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    return Coded(np.asarray(codes), list(uniques.tolist()) if hasattr(uniques, "tolist")
                 else list(uniques))


def code_columns(data: pd.DataFrame, names: Iterable[str]) -> dict[str, Coded]:
    """Each named column of ``data`` coded once (each name once, whatever it repeats).

    Long columns are coded on up to :func:`~trustlab._threads.thread_budget`
    threads at once; the codes are the same either way.

    Examples
    --------
    >>> df = pd.DataFrame({"a": ["x", "y", "x"], "b": pd.Categorical(["p", None, "p"])})
    >>> {k: v.codes.tolist() for k, v in code_columns(df, ["a", "b", "a"]).items()}
    {'a': [0, 1, 0], 'b': [0, -1, 0]}
    """
    wanted = list(dict.fromkeys(names))
    # pyarrow encodes without the GIL; other columns code on this thread (cheap, or holding it)
    arrow = [n for n in wanted if _arrow_backed(data[n])] if len(data) >= PARALLEL_ROWS else []
    workers = min(len(arrow), thread_budget())
    if workers < 2:
        return {name: code(data[name]) for name in wanted}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        running = {name: pool.submit(code, data[name]) for name in arrow}
        here = {name: code(data[name]) for name in wanted if name not in running}
        return {name: running[name].result() if name in running else here[name]
                for name in wanted}


def _arrow_backed(column) -> bool:
    """True for a column whose values pyarrow holds (pandas' default strings, ``ArrowDtype``)."""
    return hasattr(getattr(column, "array", None), "_pa_array")


def coded_or_code(coded: Mapping[str, Coded] | None, name: str, column) -> Coded:
    """``coded[name]`` when a caller coded the column already, else ``column`` coded now."""
    if coded is not None and name in coded:
        return coded[name]
    return code(column)


def codes_in(column, names: Sequence | Mapping) -> np.ndarray:
    """Each row's position in ``names`` (or ``names[value]`` for a mapping); -1 where the
    value is missing or not among them. Only the column's distinct values are looked up.

    Examples
    --------
    >>> codes_in(pd.Series(["decline", None, "approve", "hold"], dtype="str"),
    ...          ["approve", "decline"]).tolist()
    [1, -1, 0, -1]
    """
    where = names if isinstance(names, Mapping) else {n: i for i, n in enumerate(names)}
    coded = code(column)
    lut = np.array([_position(where, v) for v in coded.values] + [-1], dtype=np.int64)
    return lut[coded.codes]


def _position(where: Mapping, value) -> int:
    try:
        return int(where.get(value, -1))
    except TypeError:  # an unhashable value is no name
        return -1


def count_combinations(frame: pd.DataFrame, columns: Sequence[str], name: str) -> pd.DataFrame:
    """Rows of ``frame`` counted by each combination of ``columns`` present (missing values
    kept as a value of their own), sorted as ``groupby(columns, dropna=False)`` sorts them:
    one column ``name`` of counts. Columns are coded once; rows are never compared as text.

    Examples
    --------
    >>> df = pd.DataFrame({"rule": ["b", "a", "b", "b"], "guard": ["x", None, None, "x"]})
    >>> count_combinations(df, ["rule", "guard"], "n")
      rule guard  n
    0    a   NaN  1
    1    b     x  2
    2    b   NaN  1
    """
    key = np.zeros(len(frame), dtype=np.int64)
    cells = 1.0
    decode = []
    for c in columns:
        coded = code(frame[c])
        values = np.empty(len(coded.values) + 1, dtype=object)
        values[:-1] = coded.values
        values[-1] = np.nan  # missing sorts last, as groupby(dropna=False) places it
        order = sorted(range(len(coded.values)), key=lambda i: coded.values[i])
        rank = np.empty(len(values), dtype=np.int64)
        rank[order] = np.arange(len(order))
        rank[-1] = len(order)
        key *= len(values)
        key += rank[coded.codes]  # code -1 reads the last slot
        decode.append((c, values[np.append(np.asarray(order, dtype=np.int64), len(order))],
                       len(values)))
        cells *= len(values)
    if cells <= 1 << 22:  # few combinations possible: count them all
        every = np.bincount(key, minlength=int(cells))
        present = np.flatnonzero(every)
        counts = every[present]
    else:
        present, counts = np.unique(key, return_counts=True)
    out: dict[str, np.ndarray] = {}
    rest = present
    for c, sorted_values, size in reversed(decode):
        out[c] = sorted_values[rest % size]
        rest = rest // size
    result = {c: out[c] for c in columns}
    result[name] = counts.astype(np.int64)
    return pd.DataFrame(result)


def as_objects(column, missing=np.nan, *, as_text: bool = False) -> np.ndarray:
    """Each row's value as a Python object (``missing`` where it is missing), an object
    array gathered from the distinct values: ``column.astype(object)`` without touching
    each row's value. ``as_text`` turns each distinct value into text first.

    Examples
    --------
    >>> as_objects(pd.Series(pd.Categorical(["cap", None, "cap"])), "none").tolist()
    ['cap', 'none', 'cap']
    """
    coded = code(column)
    values = np.empty(len(coded.values) + 1, dtype=object)
    values[:-1] = [str(v) for v in coded.values] if as_text else coded.values
    values[-1] = missing
    return values[coded.codes]


def text_labels(column, missing: str = "(missing)") -> np.ndarray:
    """Each row's value as text (``missing`` where it is missing), an object array: only the
    distinct values are turned into text.

    Examples
    --------
    >>> text_labels(pd.Series([2, None, 2], dtype="Int64")).tolist()
    ['2', '(missing)', '2']
    """
    return as_objects(column, missing, as_text=True)


def objects_at(column: pd.Series, rows) -> np.ndarray:
    """The values of ``column`` at ``rows`` (positions or a boolean mask) as Python objects,
    converting only those rows (missing as pandas gives it: NaN or None).

    Examples
    --------
    >>> objects_at(pd.Series(pd.Categorical(["a", "b", None])), np.array([False, True, True]))
    array(['b', nan], dtype=object)
    """
    return np.asarray(column.array[rows], dtype=object)
