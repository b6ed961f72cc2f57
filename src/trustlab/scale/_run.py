"""Map a function over the partitions of a history and add up what it returns.

Everything :mod:`trustlab.scale` computes is a *partial*: a small result of
one partition (counts, sums, fixed-bin histograms) that adds up exactly with
the partials of the others. :func:`fold_partials` runs one such function over

* a Parquet file or folder, streamed in batches with pyarrow on this machine
  (one batch in memory at a time, partials folded as they come), or
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
from ..engine._time import window_id, window_ids
from ..policy._spec import Window

__all__ = ["Source", "fold_partials", "source_of", "DEFAULT_BATCH_ROWS"]

DEFAULT_BATCH_ROWS = 250_000


@dataclass(frozen=True)
class Source:
    """Where a history is: Parquet files streamed here, or a Dask DataFrame on a client.

    Attributes
    ----------
    files : tuple of Path
        Parquet files, in order (streamed); empty for a Dask DataFrame.
    frame : dask.dataframe.DataFrame or None
    client : distributed.Client or None
        Where Dask tasks run (None: Dask's local threads).
    batch_rows : int
    owned : bool
        True when the client was opened here from an address (and is closed
        by :meth:`close`).
    """

    files: tuple[Path, ...]
    frame: Any
    client: Any
    batch_rows: int
    owned: bool = False

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close a client opened from an address; a client passed in stays open."""
        if self.owned and self.client is not None:
            self.client.close()

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


def parquet_files(source: str | os.PathLike) -> list[Path]:
    """The Parquet files of ``source`` (a file, or a folder read in sorted name order)."""
    p = Path(source)
    if p.is_file():
        if p.suffix.lower() not in (".parquet", ".pq"):
            raise DataError(f"Data '{p}'", [Problem("(file)", f"has suffix '{p.suffix}'; "
                                                              "histories read in parts are "
                                                              "Parquet (write it with "
                                                              "DataFrame.to_parquet)")])
        return [p]
    if not p.is_dir():
        raise DataError(f"Data '{p}'", [Problem("(path)", "is neither a Parquet file nor a "
                                                          "folder of them; check the path")])
    files = sorted(f for f in p.rglob("*.parquet") if f.is_file())
    if not files:
        raise DataError(f"Data '{p}'", [Problem("(path)", "holds no .parquet files")])
    return files


def whole_number(value, field: str, source: str) -> int:
    """``value`` as a whole number, at least 1; a DataError naming ``field`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise DataError(source, [Problem(field, f"must be a whole number, at least 1; got "
                                                f"{value!r}")])
    return int(value)


def limit_windows(policy) -> tuple[Window, ...]:
    """The windows the policy's rate limits count in, each once: where parts may be cut."""
    from ..policy._spec import RateLimit

    return tuple(dict.fromkeys(g.per for g in policy.guardrails if isinstance(g, RateLimit)))


def source_of(data, *, client=None, batch_rows: int = DEFAULT_BATCH_ROWS,
              caller: str) -> Source:
    """Read ``data`` (a Parquet path or a Dask DataFrame) as a :class:`Source`.

    With a ``client`` (a ``distributed.Client`` or a scheduler address such
    as ``"tcp://10.0.0.5:8786"``) a path is read as a Dask DataFrame and its
    partitions run on that cluster; without one a path is streamed here.
    """
    batch_rows = whole_number(batch_rows, "batch_rows", caller)
    is_path = isinstance(data, (str, os.PathLike))
    if not is_path and type(data).__module__.split(".")[0] not in ("dask", "dask_expr"):
        raise DataError(caller, [Problem("data", f"must be a Parquet file or folder, or a Dask "
                                                 f"DataFrame; got {type(data).__name__} (for a "
                                                 "pandas frame use the in-memory function)")])
    files = tuple(parquet_files(data)) if is_path else ()
    owned = isinstance(client, str)
    if owned:
        from distributed import Client

        try:
            client = Client(client, set_as_default=False)  # timeout: distributed.comm.timeouts.connect
        except OSError as e:
            raise DataError(caller, [Problem("client", f"no Dask scheduler answered at "
                                                       f"{client!r} ({e}); start one "
                                                       "(`dask scheduler`) or check the "
                                                       "address")]) from None
    if not is_path:
        return Source((), data, client, batch_rows, owned)
    if client is None:
        return Source(files, None, None, batch_rows)
    import dask.dataframe as dd

    return Source((), dd.read_parquet([str(f) for f in files]), client, batch_rows, owned)


def _batches(files: Sequence[Path], batch_rows: int, columns: Sequence[str] | None):
    """Each batch of rows as a pandas frame; one batch (and one row group) in memory at a time."""
    import pyarrow.parquet as pq

    for f in files:
        pf = pq.ParquetFile(f)
        names = pf.schema_arrow.names
        if columns is not None:
            lacking = [c for c in columns if c not in names]
            if lacking:
                raise DataError(f"Data '{f}'", [Problem(
                    "(columns)", f"lacks {', '.join(map(repr, lacking))}; it has "
                                 f"{', '.join(names)}")])
        for batch in pf.iter_batches(batch_size=batch_rows, columns=None if columns is None
                                     else list(columns)):
            yield batch.to_pandas()


def _ns(part: pd.DataFrame, time: str, caller: str):
    from ..engine._time import times_ns

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
                  caller: str) -> tuple[Any, int, int]:
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
        import dask

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
    else:
        total, n, k = None, 0, 0
        batches = _batches(source.files, source.batch_rows, columns)
        if align:
            batches = _aligned_stream(batches, time, align, caller)  # type: ignore[arg-type]
        for df in batches:
            p = _located(partial, df, n)
            total = p if total is None else merge(total, p)
            n += len(df)
            k += 1
    if n == 0:
        raise DataError(caller, [Problem("(data)", "has no rows")])
    return total, n, k


def read_recent(source: str | os.PathLike, rows: int) -> pd.DataFrame:
    """The last ``rows`` rows of a Parquet file or folder (files in name order), in order.

    Reads the files from the last one back until enough rows are found, so
    memory holds about ``rows`` rows and one file, not the history.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = whole_number(rows, "rows", "read_recent")
    tables, have = [], 0
    for f in reversed(parquet_files(source)):
        pf = pq.ParquetFile(f)
        for g in reversed(range(pf.num_row_groups)):
            t = pf.read_row_group(g)
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
