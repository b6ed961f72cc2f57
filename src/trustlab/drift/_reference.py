"""A drift reference: each column's bins and counts, computed once and saved for reuse.

Numeric columns are cut at the reference's deciles (by default) into bins
``[e_i, e_{i+1})`` whose first and last bins are open-ended, plus a bin for
missing values; categorical columns get one bin per reference category, one
``(other)`` bin for categories the reference never saw and a ``(missing)``
bin. Numeric columns also keep their sorted reference values, for the exact
KS distance. When the reference is built with a time column and a window, it
also keeps each reference window's drift against the whole reference, from
which levels are learned (mean plus three standard deviations to warn, plus
six to act).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from .._errors import DataError, Problem

__all__ = ["ColumnReference", "Reference", "load_reference", "KINDS", "MISSING", "OTHER",
           "DEFAULT_BINS", "LEARNED_WARN_SD", "LEARNED_ACT_SD"]

KINDS = ("data", "signal", "decision", "context")
"""What a monitored column is: an input feature, a model signal, a decision-record
column (action, rule, guardrail) or a segment column."""
MISSING = "(missing)"
OTHER = "(other)"
DEFAULT_BINS = 10
LEARNED_WARN_SD = 3.0
LEARNED_ACT_SD = 6.0
_FORMAT = 1


@dataclass(frozen=True, eq=False)
class ColumnReference:
    """One column's reference distribution.

    Attributes
    ----------
    name : str
    kind : str
        One of :data:`KINDS`.
    type : str
        ``"numeric"`` or ``"categorical"``.
    edges : ndarray
        Numeric: the interior cut points, increasing; bin ``i`` is
        ``[edges[i-1], edges[i])`` with open ends. Empty for categorical.
    categories : tuple of str
        Categorical: the reference's categories (as text, sorted).
    counts : ndarray of int64
        Reference rows per bin, the missing bin last.
    sorted_values : ndarray
        Numeric: the non-missing reference values, sorted (for KS).
    """

    name: str
    kind: str
    type: str
    edges: np.ndarray
    categories: tuple[str, ...]
    counts: np.ndarray
    sorted_values: np.ndarray

    @property
    def labels(self) -> tuple[str, ...]:
        """A readable label per bin: ``[3.5, 7.2)`` or a category, then ``(missing)``."""
        if self.type == "categorical":
            return (*self.categories, OTHER, MISSING)
        e = [f"{x:.4g}" for x in self.edges]
        if not e:
            return ("all values", MISSING)
        inner = [f"[{a}, {b})" for a, b in zip(e[:-1], e[1:])]
        return (f"< {e[0]}", *inner, f">= {e[-1]}", MISSING)

    def codes(self, values: pd.Series) -> np.ndarray:
        """The bin of every value (int64), the missing bin last."""
        if self.type == "numeric":
            v = _numbers(values)
            codes = np.searchsorted(self.edges, v, side="right")
            codes[np.isnan(v)] = len(self.counts) - 1
            return codes.astype(np.int64, copy=False)
        cat = values.astype("category") if not isinstance(values.dtype, pd.CategoricalDtype) \
            else values
        position = {c: i for i, c in enumerate(self.categories)}
        other = len(self.categories)
        lut = np.array([position.get(str(c), other) for c in cat.cat.categories] + [other + 1],
                       dtype=np.int64)
        return lut[cat.cat.codes.to_numpy()]  # code -1 (missing) takes the last entry


def _numbers(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype=float, na_value=np.nan)


def column_type(series: pd.Series) -> str | None:
    """``"numeric"``, ``"categorical"`` or None for a column drift cannot read (times)."""
    dtype = series.dtype
    if ptypes.is_bool_dtype(dtype):
        return "categorical"
    if ptypes.is_numeric_dtype(dtype):
        return "numeric"
    if ptypes.is_datetime64_any_dtype(dtype) or ptypes.is_timedelta64_dtype(dtype):
        return None
    return "categorical"


def _bin_column(name: str, series: pd.Series, kind: str, bins, where: str
                ) -> ColumnReference | Problem:
    ctype = column_type(series)
    if ctype is None:
        return Problem(f"column '{name}'", f"holds {series.dtype} values; drift compares numbers "
                                           "or categories, so leave time columns out")
    if ctype == "categorical":
        if not isinstance(bins, (int, np.integer)):
            return Problem(f"{where}['{name}']", "gives bin edges for a categorical column; "
                                                 "categories are their own bins")
        cat = series.astype("category") if not isinstance(series.dtype, pd.CategoricalDtype) \
            else series
        counts_by = np.bincount(cat.cat.codes.to_numpy()[cat.cat.codes.to_numpy() >= 0],
                                minlength=len(cat.cat.categories))
        seen = sorted(str(c) for c, k in zip(cat.cat.categories, counts_by) if k > 0)
        if len(set(seen)) != len(seen):
            return Problem(f"column '{name}'", "has categories that read the same as text "
                                               f"({', '.join(seen[:6])}); make them distinct")
        ref = ColumnReference(name, kind, "categorical", np.empty(0), tuple(seen),
                              np.zeros(len(seen) + 2, dtype=np.int64), np.empty(0))
    else:
        v = _numbers(series)
        finite = np.sort(v[~np.isnan(v)])
        if isinstance(bins, (int, np.integer)) and not isinstance(bins, bool):
            if bins < 2:
                return Problem(f"{where}", f"must be at least 2 bins; got {bins}")
            edges = (np.unique(np.quantile(finite, np.arange(1, bins) / bins))
                     if len(finite) else np.empty(0))
        else:
            e = np.asarray(bins, dtype=float) if not isinstance(bins, str) else np.array([])
            if e.ndim != 1 or len(e) < 2 or not np.all(np.diff(e) > 0) or not np.isfinite(e).all():
                return Problem(f"{where}['{name}']", "must be at least two finite, strictly "
                                                     "increasing bin edges (like numpy.histogram's); "
                                                     f"got {bins!r}")
            edges = e[1:-1]  # the outer bins are open-ended
        return ColumnReference(name, kind, "numeric", edges, (),
                               _sorted_counts(finite, edges, missing=len(v) - len(finite)),
                               finite)
    counts = np.bincount(ref.codes(series), minlength=len(ref.counts)).astype(np.int64)
    return ColumnReference(ref.name, kind, ref.type, ref.edges, ref.categories, counts,
                           ref.sorted_values)


def _sorted_counts(sorted_values: np.ndarray, edges: np.ndarray, missing: int) -> np.ndarray:
    """Rows per bin ``[edges[i-1], edges[i])`` (open ends), the missing bin last, read off the
    sorted values at the edges: the counts :meth:`ColumnReference.codes` gives, without a
    pass over the rows."""
    below = np.searchsorted(sorted_values, edges, side="left")  # values < each edge
    return np.concatenate([np.diff(np.concatenate([[0], below, [len(sorted_values)]])),
                           [missing]]).astype(np.int64)


@dataclass(frozen=True, eq=False)
class Reference:
    """The reference distributions drift is measured against.

    Build one with :meth:`from_data`, keep it with :meth:`save` and read it back
    with :func:`load_reference`, so that later windows and later reviews
    compare with exactly the same bins and counts.

    Attributes
    ----------
    columns : tuple of ColumnReference
    rows : int
        Reference rows.
    description : str
        Where the reference came from, in words.
    levels : pandas.DataFrame
        Learned from the reference windows: ``column``, ``metric``, ``mean``,
        ``sd``, ``windows``, ``warn``, ``act``. Empty when the reference was
        built without time windows.
    ends : pandas.Timestamp or None
        The time of the reference's last row (None without a time column).
    """

    columns: tuple[ColumnReference, ...]
    rows: int
    description: str
    levels: pd.DataFrame = field(default_factory=lambda: _empty_levels())
    ends: pd.Timestamp | None = None

    @classmethod
    def from_data(cls, data: pd.DataFrame, columns=None, *, bins=DEFAULT_BINS, kinds=None,
                  time: str | None = None, window: str | None = None,
                  description: str | None = None) -> Reference:
        """Bin and count ``columns`` of ``data`` (every row of it is the reference).

        Parameters
        ----------
        data : pandas.DataFrame
        columns : list of str, optional
            Columns to monitor (default: every column but ``time``).
        bins : int or dict, default 10
            Quantile bins per numeric column, or ``{column: edges}`` with edges
            like :func:`numpy.histogram`'s (outer bins open-ended); columns not
            in the dict get :data:`DEFAULT_BINS` quantile bins.
        kinds : dict, optional
            ``{column: kind}`` with kinds from :data:`KINDS` (default ``data``).
        time, window : str, optional
            With both, drift is measured for every reference window against the
            whole reference and levels are learned from it.
        description : str, optional

        Returns
        -------
        Reference

        Examples
        --------
        >>> df = pd.DataFrame({"x": np.arange(100.0), "g": ["a", "b"] * 50})
        >>> ref = Reference.from_data(df, bins=4)
        >>> ref.column("x").labels
        ('< 24.75', '[24.75, 49.5)', '[49.5, 74.25)', '>= 74.25', '(missing)')
        >>> ref.column("x").counts.tolist(), ref.column("g").counts.tolist()
        ([25, 25, 25, 25, 0], [50, 50, 0, 0])
        """
        source = "Reference.from_data"
        if not isinstance(data, pd.DataFrame):
            raise DataError(source, [Problem("data", f"must be a pandas DataFrame; got "
                                                     f"{type(data).__name__}")])
        cols = [c for c in data.columns if c != time] if columns is None else list(columns)
        kinds = dict(kinds or {})
        problems = []
        missing = [c for c in cols if c not in data.columns]
        if missing:
            problems.append(Problem("columns", f"names columns the data lacks: "
                                               f"{', '.join(map(str, missing))}. Columns: "
                                               f"{', '.join(map(str, data.columns))}"))
        for c, k in kinds.items():
            if k not in KINDS:
                problems.append(Problem(f"kinds['{c}']", f"must be one of {', '.join(KINDS)}; "
                                                         f"got {k!r}"))
        if isinstance(bins, dict):
            for c in bins:
                if c not in cols:
                    problems.append(Problem(f"bins['{c}']", "names a column that is not "
                                                            "monitored; monitored: "
                                                            f"{', '.join(map(str, cols))}"))
        elif isinstance(bins, bool) or not isinstance(bins, (int, np.integer)):
            problems.append(Problem("bins", f"must be a whole number of bins or a dict of "
                                            f"edges by column; got {bins!r}"))
        if len(data) == 0:
            problems.append(Problem("data", "has no rows; a reference needs some"))
        if problems:
            raise DataError(source, problems)
        built = []
        for c in cols:
            b = bins.get(c, DEFAULT_BINS) if isinstance(bins, dict) else bins
            res = _bin_column(c, data[c], kinds.get(c, "data"), b, "bins")
            (problems.append if isinstance(res, Problem) else built.append)(res)
        if problems:
            raise DataError(source, problems)
        ends = None
        if time is not None:
            from ._monitor import _times

            ns = _times(data, time, source)
            ends = pd.Timestamp(int(ns.max()))
        ref = cls(tuple(built), len(data), description or f"{len(data):,} rows", _empty_levels(),
                  ends)
        if time is not None and window is not None:
            from ._monitor import learn_levels

            ref = learn_levels(ref, data, time=time, window=window)
        return ref

    def column(self, name: str) -> ColumnReference:
        """The reference of one column."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"no column '{name}' in the reference; columns: "
                       f"{', '.join(c.name for c in self.columns)}")

    @property
    def names(self) -> tuple[str, ...]:
        """The monitored columns, in order."""
        return tuple(c.name for c in self.columns)

    @property
    def frame(self) -> pd.DataFrame:
        """Tidy: ``column``, ``kind``, ``bin``, ``rows``, ``share`` for every bin."""
        parts = [pd.DataFrame({"column": c.name, "kind": c.kind, "bin": list(c.labels),
                               "rows": c.counts, "share": c.counts / max(c.counts.sum(), 1)})
                 for c in self.columns]
        return pd.concat(parts, ignore_index=True)

    @property
    def content_hash(self) -> str:
        """sha256 of the saved form: the same bins, counts and levels give the same hash."""
        buf = io.BytesIO()
        self._write(buf)
        return hashlib.sha256(buf.getvalue()).hexdigest()

    def save(self, path: str | os.PathLike) -> Path:
        """Write the reference to ``path`` (a ``.npz`` file; no pickles; folders made) and
        return the path."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        with open(p, "wb") as fh:
            self._write(fh)
        return p

    def _write(self, fh) -> None:
        meta = {
            "format": _FORMAT, "rows": self.rows, "description": self.description,
            "ends": None if self.ends is None else self.ends.isoformat(),
            "columns": [{"name": c.name, "kind": c.kind, "type": c.type,
                         "categories": list(c.categories)} for c in self.columns],
            "levels": self.levels.to_dict(orient="list"),
        }
        arrays = {"meta": np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8)}
        for i, c in enumerate(self.columns):
            arrays[f"edges_{i}"] = c.edges
            arrays[f"counts_{i}"] = c.counts
            arrays[f"values_{i}"] = c.sorted_values
        np.savez(fh, **arrays)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{escape(c.name)}</td><td>{c.kind}</td><td>{c.type}</td>"
            f"<td>{len(c.counts)}</td><td>{c.counts[-1] / max(self.rows, 1):.1%}</td></tr>"
            for c in self.columns)
        return (f"<div><b>Drift reference</b>: {escape(self.description)} "
                f"(<code>{self.content_hash[:12]}</code>)<table><tr><th>column</th><th>kind</th>"
                f"<th>type</th><th>bins</th><th>missing</th></tr>{rows}</table></div>")

    def __repr__(self) -> str:
        return f"Reference({self.description}, columns={len(self.columns)})"


def _empty_levels() -> pd.DataFrame:
    return pd.DataFrame({"column": pd.Series(dtype=object), "metric": pd.Series(dtype=object),
                         "mean": pd.Series(dtype=float), "sd": pd.Series(dtype=float),
                         "windows": pd.Series(dtype=np.int64), "warn": pd.Series(dtype=float),
                         "act": pd.Series(dtype=float)})


def load_reference(path: str | os.PathLike) -> Reference:
    """Read a reference written by :meth:`Reference.save`, from a path or an fsspec URL
    (``s3://...``, ``memory://...``; :func:`trustlab._io.locate`).

    Raises
    ------
    trustlab.DataError
        Naming the file when it is missing or not a saved reference, or a URL
        whose scheme needs a package that is not installed.
    """
    from .._io import is_url, open_input

    p = path if is_url(path) else Path(path)
    source = f"Drift reference file '{p}'"
    try:
        with open_input(p) if isinstance(p, str) else open(p, "rb") as f, \
                np.load(f, allow_pickle=False) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            arrays = {k: z[k] for k in z.files}
    except DataError:  # a URL whose scheme cannot be read
        raise
    except FileNotFoundError:
        where = "" if isinstance(p, str) else f" (looked in {p.resolve().parent})"
        raise DataError(source, [Problem("(file)", f"does not exist{where}; save one with "
                                                   "Reference.save")]) from None
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(source, [Problem("(file)", f"is not a saved drift reference ({exc}); "
                                                   "write one with Reference.save")]) from None
    if meta.get("format") != _FORMAT:
        raise DataError(source, [Problem("format", f"is {meta.get('format')!r}; this kit reads "
                                                   f"format {_FORMAT}")])
    cols = tuple(
        ColumnReference(c["name"], c["kind"], c["type"], arrays[f"edges_{i}"],
                        tuple(c["categories"]), arrays[f"counts_{i}"], arrays[f"values_{i}"])
        for i, c in enumerate(meta["columns"]))
    levels = pd.DataFrame(meta["levels"]) if meta["levels"].get("column") else _empty_levels()
    levels = levels.astype({"column": object, "metric": object, "mean": float, "sd": float,
                            "windows": np.int64, "warn": float, "act": float})
    ends = None if meta["ends"] is None else pd.Timestamp(meta["ends"])
    return Reference(cols, int(meta["rows"]), meta["description"], levels, ends)
