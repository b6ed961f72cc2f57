"""Map a function over the partitions of a history and add up what it returns.

Everything :mod:`trustlab.scale` computes is a *partial*: a small result of
one partition (counts, sums, fixed-bin histograms) that adds up exactly with
the partials of the others. :func:`fold_partials` runs one such function over

* a Parquet file or folder — a path or an fsspec URL, hive partition
  folders (``region=north/``) kept as columns
  (:func:`trustlab._io.parquet_parts`) — streamed in batches with pyarrow on
  this machine (one batch in memory at a time, partials folded as they
  come), or
* a Dask DataFrame (or a Parquet path with a ``distributed`` client), one task
  per partition scheduled by Dask, partials folded on the client.

The function receives each part with its index set to the part's position in
the whole history (``offset .. offset + len - 1``), so draws keyed by row
(the simulated reviewer) are those of an in-memory run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import reduce
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from .._extras import require
from .._io import ParquetParts, parquet_parts
from .._progress import Progress
from .._time import window_id, window_ids
from ..policy import Window

__all__ = ["Source", "fold_partials", "source_of", "DEFAULT_BATCH_ROWS"]

DEFAULT_BATCH_ROWS = 250_000


@dataclass(frozen=True)
class Source:
    """Where a history is: Parquet files streamed here, or a Dask DataFrame on a client.

    Attributes
    ----------
    parquet : ParquetParts or None
        The Parquet files, in order, with their hive partition values
        (streamed); None for a Dask DataFrame.
    frame : dask.dataframe.DataFrame or None
    client : distributed.Client or None
        Where Dask tasks run (None: Dask's local threads).
    batch_rows : int
    owned : bool
        True when the client was opened here from an address (and is closed
        by :meth:`close`).
    """

    parquet: ParquetParts | None
    frame: Any
    client: Any
    batch_rows: int
    owned: bool = False

    def __enter__(self) -> Source:
        return self

    def columns(self) -> tuple[str, ...]:
        """The history's columns (partition columns included)."""
        if self.parquet is not None:
            return tuple(self.parquet.empty().columns)
        return tuple(self.frame.columns)

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close a client opened from an address; a client passed in stays open."""
        if self.owned and self.client is not None:
            self.client.close()

    @property
    def files(self) -> tuple[str, ...]:
        """The Parquet files streamed, in order (paths on their filesystem)."""
        return () if self.parquet is None else self.parquet.files

    def rows(self) -> int | None:
        """Rows of a streamed history, from the Parquet footers; None for a Dask DataFrame."""
        return None if self.parquet is None else self.parquet.rows()

    @property
    def distributed(self) -> bool:
        """True when partitions are processed by Dask."""
        return self.frame is not None

    @property
    def where(self) -> str:
        """A few words on where the history was read from, for a result's method text."""
        if self.frame is not None:
            return (f"{self.frame.npartitions} Dask partitions"
                    f"{'' if self.client is None else ' on a distributed cluster'}")
        return f"{len(self.files)} Parquet file(s) streamed in batches of {self.batch_rows:,} rows"


def parquet_files(source: str | os.PathLike) -> list[Path] | list[str]:
    """The Parquet files of ``source`` (a file, or a folder read in sorted path order).

    Paths for a local ``source``, URLs for one named by a URL
    (:func:`trustlab._io.parquet_parts` says which files a folder holds).
    """
    parts = parquet_parts(source)
    if parts.location.url:
        return [parts.shown(i) for i in range(len(parts.files))]
    return [Path(f) for f in parts.files]


def whole_number(value, field: str, source: str) -> int:
    """``value`` as a whole number, at least 1; a DataError naming ``field`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise DataError(source, [Problem(field, f"must be a whole number, at least 1; got "
                                                f"{value!r}")])
    return int(value)


def limit_windows(policy) -> tuple[Window, ...]:
    """The windows the policy's rate limits count in, each once: where parts may be cut."""
    from ..policy import RateLimit

    return tuple(dict.fromkeys(g.per for g in policy.guardrails if isinstance(g, RateLimit)))


def source_of(data, *, client=None, batch_rows: int = DEFAULT_BATCH_ROWS,
              caller: str) -> Source:
    """Read ``data`` (a Parquet path or URL, or a Dask DataFrame) as a :class:`Source`.

    With a ``client`` (a ``distributed.Client`` or a scheduler address such
    as ``"tcp://10.0.0.5:8786"``) a path is read as a Dask DataFrame, one
    partition per file, and its partitions run on that cluster; without one
    a path is streamed here.
    """
    batch_rows = whole_number(batch_rows, "batch_rows", caller)
    is_path = isinstance(data, (str, os.PathLike))
    if not is_path and type(data).__module__.split(".")[0] not in ("dask", "dask_expr"):
        raise DataError(caller, [Problem("data", f"must be a Parquet file or folder, or a Dask "
                                                 f"DataFrame; got {type(data).__name__} (for a "
                                                 "pandas frame use the in-memory function)")])
    parts = parquet_parts(data) if is_path else None
    owned = isinstance(client, str)
    if owned:
        Client = require("distributed", "A replay on a Dask scheduler").Client

        try:
            client = Client(client, set_as_default=False)  # timeout: distributed.comm.timeouts.connect
        except OSError as e:
            raise DataError(caller, [Problem("client", f"no Dask scheduler answered at "
                                                       f"{client!r} ({e}); start one "
                                                       "(`dask scheduler`) or check the "
                                                       "address")]) from None
    if not is_path:
        return Source(None, data, client, batch_rows, owned)
    if client is None:
        return Source(parts, None, None, batch_rows)
    dd = require("dask.dataframe", "A replay on a Dask scheduler")
    dask = require("dask", "A replay on a Dask scheduler")

    # Dask turns object columns into text of its own (dataframe.convert-string): a yes/no
    # label with gaps, as pandas reads it from CSV, would arrive as 'True'/'False'. The
    # partitions keep the dtypes the files give, as the streamed path reads them.
    with dask.config.set({"dataframe.convert-string": False}):
        frame = dd.from_map(_read_file, range(len(parts.files)), parts=parts,
                            meta=parts.empty(), label="trustlab-parquet",
                            enforce_metadata=False)
    return Source(None, frame, client, batch_rows, owned)


def _read_file(i: int, parts: ParquetParts, columns: Sequence[str] | None = None
               ) -> pd.DataFrame:
    """File ``i`` of ``parts`` with its partition columns: one Dask partition. Dask passes
    ``columns`` when only some are selected, so only those are read."""
    return parts.read_file(i, None if columns is None else list(columns))


def _ns(part: pd.DataFrame, time: str, caller: str):
    from .._time import times_ns

    if time not in part.columns:
        raise DataError(caller, [Problem(f"column '{time}'", "is missing; the policy's time "
                                                             "column places rows in windows")])
    ns, why, _ = times_ns(part[time])
    if ns is None:
        raise DataError(caller, [Problem(f"column '{time}'", str(why))])
    return ns


def _unordered(caller: str, time: str) -> DataError:
    return DataError(caller, [Problem(
        "data", f"rows are not in time order of '{time}' (a part starts before the one before it "
                "ends, or times go back within a part); rate limits and drift brakes count in "
                "time order, so sort by time and write the history again")])


def _cuts(ns: np.ndarray, windows: Sequence[Window]) -> np.ndarray:
    """Positions ``i`` (1..n-1) where every window changes between row ``i - 1`` and row ``i``."""
    clean = np.ones(max(len(ns) - 1, 0), dtype=bool)
    for w in windows:
        ids = window_ids(ns, w)
        clean &= ids[1:] != ids[:-1]
    return np.flatnonzero(clean) + 1


def _boundary(prev_ns: int, next_ns: int, windows: Sequence[Window]) -> bool:
    """True when every window changes between two consecutive times."""
    return all(window_id(prev_ns, w) != window_id(next_ns, w) for w in windows)


def _info(part: pd.DataFrame, time: str | None, windows: tuple, caller: str):
    """A part's rows, first and last time and last internal clean cut (-1: none)."""
    if time is None or not len(part):
        return len(part), None, None, -1
    ns = _ns(part, time, caller)
    if not bool(np.all(ns[1:] >= ns[:-1])):
        raise _unordered(caller, time)
    cuts = _cuts(ns, windows)
    return len(part), int(ns[0]), int(ns[-1]), int(cuts[-1]) if len(cuts) else -1


def _assemble(lo: int, hi: int, starts: Sequence[int], *parts: pd.DataFrame) -> pd.DataFrame:
    """Rows ``lo .. hi - 1`` of the history, from consecutive parts starting at ``starts``."""
    pieces = [p.iloc[max(lo - s, 0):max(min(hi - s, len(p)), 0)] for s, p in zip(starts, parts)]
    pieces = [x for x in pieces if len(x)]
    return pieces[0] if len(pieces) == 1 else pd.concat(pieces, ignore_index=True)


def _located(fn: Callable, part: pd.DataFrame, offset: int):
    part = part.copy(deep=False)
    part.index = pd.RangeIndex(offset, offset + len(part))
    return fn(part)


def _aligned_stream(batches, time: str, windows: Sequence[Window], caller: str):
    """Batches re-cut so that no window of ``windows`` spans two of them.

    The rows after the last clean cut of a batch wait for the next batch:
    memory holds a batch and at most one window's rows more.
    """
    tail: pd.DataFrame | None = None  # never empty after a batch: it ends at the last row
    for df in batches:
        if tail is not None and len(tail):
            df = pd.concat([tail, df], ignore_index=True)
        if not len(df):
            continue
        ns = _ns(df, time, caller)
        if not bool(np.all(ns[1:] >= ns[:-1])):
            raise _unordered(caller, time)
        cuts = _cuts(ns, windows)
        cut = int(cuts[-1]) if len(cuts) else 0
        if cut:
            yield df.iloc[:cut]
        tail = df.iloc[cut:]
    if tail is not None and len(tail):
        yield tail


def _aligned_plan(info: list, windows: Sequence[Window], caller: str, time: str
                  ) -> list[tuple[int, int, list[int]]]:
    """Parts ``(lo, hi, source partitions)`` cut only where every window changes."""
    rows = np.array([i[0] for i in info], dtype=np.int64)
    starts = np.r_[0, np.cumsum(rows)[:-1]]
    cuts = [0]
    prev_last = None
    for k, (n, first, last, inner) in enumerate(info):
        if not n:
            continue
        if prev_last is not None and first < prev_last:
            raise _unordered(caller, time)
        if inner >= 0:
            cuts.append(int(starts[k]) + inner)
        elif prev_last is not None and _boundary(prev_last, first, windows):
            cuts.append(int(starts[k]))
        prev_last = last
    cuts = sorted(set(cuts)) + [int(rows.sum())]
    plan = []
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        if hi > lo:
            src = [k for k in range(len(info)) if rows[k] and starts[k] < hi
                   and starts[k] + rows[k] > lo]
            plan.append((lo, hi, src))
    return plan


def fold_partials(source: Source, partial: Callable[[pd.DataFrame], Any],
                  merge: Callable[[Any, Any], Any], *, columns: Sequence[str] | None = None,
                  time: str | None = None, align: Sequence[Window] = (),
                  caller: str, progress: Progress | None = None) -> tuple[Any, int, int]:
    """``partial`` of every part of ``source``, merged in order.

    Parameters
    ----------
    source : Source
    partial : callable
        Takes one part (a pandas frame indexed by position in the history)
        and returns its partial; it must pickle (a module-level function or a
        :func:`functools.partial` of one) to run on a cluster.
    merge : callable
        ``merge(a, b)`` of two partials, ``a`` the earlier; associative.
    columns : sequence of str, optional
        Read only these columns.
    time : str, optional
        The time column; needed with ``align``.
    align : sequence of Window
        Cut parts only where every one of these windows changes, so that
        each window of the history lies whole in one part (rate-limit
        windows, brake windows). The history must then be in time order.
    caller : str
        For error messages.
    progress : Progress, optional
        Advanced by each part's rows as the part is folded (``detail``
        ``"rows, part <k>"``); Dask parts when their results are in.

    Returns
    -------
    (partial, rows, parts)
        The merged partial, the rows read and the number of parts.

    Raises
    ------
    trustlab.DataError
        When the history has no rows, lacks a column, or (with ``align``)
        is not in time order.
    """
    align = tuple(align)
    if align and time is None:
        raise ValueError("align needs the time column")
    if source.distributed:
        dask = require("dask", "A replay on a Dask scheduler")

        frame = source.frame if columns is None else source.frame[list(columns)]
        parts = frame.to_delayed()

        def run(tasks):
            return (source.client.compute(tasks, sync=True) if source.client is not None
                    else list(dask.compute(*tasks)))

        # a column projection could let Dask regroup partitions, so the first pass reads
        # the very partitions the second one will
        info = run([dask.delayed(_info)(p, time if align else None, align, caller)
                    for p in parts])
        rows = np.array([i[0] for i in info], dtype=np.int64)
        if align:
            plan = _aligned_plan(info, align, caller, time)  # type: ignore[arg-type]
        else:
            plan = [(int(s), int(s + n), [k]) for k, (s, n) in
                    enumerate(zip(np.r_[0, np.cumsum(rows)[:-1]], rows))]
        starts = np.r_[0, np.cumsum(rows)[:-1]]
        tasks = []
        for lo, hi, src in plan:
            piece = dask.delayed(_assemble)(lo, hi, [int(starts[k]) for k in src],
                                            *[parts[k] for k in src])
            tasks.append(dask.delayed(_located)(partial, piece, lo))
        results = run(tasks)
        total, n, k = (reduce(merge, results) if results else None), int(rows.sum()), len(plan)
        if progress is not None:
            progress.advance(n, detail=f"rows, {k} Dask part(s)")
    else:
        total, n, k = None, 0, 0
        batches = source.parquet.iter_batches(source.batch_rows, columns)
        if align:
            batches = _aligned_stream(batches, time, align, caller)  # type: ignore[arg-type]
        for df in batches:
            p = _located(partial, df, n)
            total = p if total is None else merge(total, p)
            n += len(df)
            k += 1
            if progress is not None:
                progress.advance(len(df), detail=f"rows, part {k}")
    if n == 0:
        raise DataError(caller, [Problem("(data)", "has no rows")])
    return total, n, k


def read_recent(source: str | os.PathLike, rows: int) -> pd.DataFrame:
    """The last ``rows`` rows of a Parquet file or folder (files in path order), in order.

    Reads the files from the last one back until enough rows are found, so
    memory holds about ``rows`` rows and one file, not the history. Paths,
    URLs and hive partition columns as :func:`trustlab._io.parquet_parts`.
    """
    import pyarrow as pa

    rows = whole_number(rows, "rows", "read_recent")
    parts = parquet_parts(source)
    tables, have = [], 0
    for i in reversed(range(len(parts.files))):
        with parts.open(i) as pf:
            parts.check_columns(i, pf.schema_arrow.names)
            for g in reversed(range(pf.num_row_groups)):
                t = parts.with_keys(i, pf.read_row_group(g))
                tables.append(t)
                have += t.num_rows
                if have >= rows:
                    break
        if have >= rows:
            break
    table = pa.concat_tables(tables[::-1], promote_options="permissive") if tables else None
    if table is None or table.num_rows == 0:
        raise DataError(f"Data '{source}'", [Problem("(data)", "has no rows")])
    return table.slice(max(table.num_rows - rows, 0)).to_pandas().reset_index(drop=True)


def write_parts(frame: pd.DataFrame, folder: str | os.PathLike, parts: int, *,
                time: str | None = None) -> Path:
    """Write a history as ``parts`` Parquet files (``part-00000.parquet``…) in a new folder.

    Rows keep their order (sorted by ``time`` first when given, ties in row
    order), which is the order parts are read back in.

    Examples
    --------
    >>> import tempfile
    >>> from trustlab.datasets import make_history
    >>> h = make_history(n_days=10, applications_per_day=30)
    >>> folder = write_parts(h, Path(tempfile.mkdtemp()) / "history", 4, time="decision_time")
    >>> sorted(p.name for p in folder.iterdir())[:2]
    ['part-00000.parquet', 'part-00001.parquet']
    """
    parts = whole_number(parts, "parts", "write_parts")
    out = Path(folder)
    if out.exists() and any(out.iterdir()):
        raise DataError("write_parts", [Problem("folder", f"'{out}' exists and is not empty; "
                                                          "give a new folder")])
    out.mkdir(parents=True, exist_ok=True)
    if time is not None:
        frame = frame.iloc[np.argsort(_ns(frame, time, "write_parts"), kind="stable")]
    for k, rows in enumerate(np.array_split(np.arange(len(frame)), parts)):
        frame.iloc[rows].to_parquet(out / f"part-{k:05d}.parquet", index=False)
    return out
