"""Replay beyond memory: a folder of Parquet files streamed in batches, metrics merged exactly.

Every metric of the policy format is a ratio of sums (:class:`MetricTotals`),
so each batch is replayed on its own and its totals are added up: the merged
metrics are the metrics of the whole history. What couples rows across a
batch boundary is carried over: rate-limit counts (a :class:`GuardrailState`
fed in time order) and the simulated reviewer's draws (the generator jumps to
each batch's first row). Decision records go back to disk as one Parquet file
per batch; memory holds one batch at a time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from ..engine._online import GuardrailState
from ..policy._spec import Policy
from ..simulate._metrics import evaluate_checks, metric_table_from, metric_totals
from ..simulate._replay import Checked, replay

__all__ = ["StreamedReplay", "stream_replay", "parquet_files", "DEFAULT_BATCH_ROWS"]

DEFAULT_BATCH_ROWS = 250_000


@dataclass(frozen=True, eq=False)
class StreamedReplay(Checked):
    """A policy replayed over a history read in batches.

    Attributes
    ----------
    policy : Policy
    rows, batches : int
    metrics, checks : pandas.DataFrame
        As :attr:`trustlab.simulate.Replay.metrics` and ``.checks``: the same
        numbers an in-memory replay gives.
    window_span : (int, int) or None
    records : pathlib.Path or None
        The folder of decision-record Parquet files (``part-00000.parquet``…).
    seed : int
    """

    policy: Policy
    rows: int
    batches: int
    metrics: pd.DataFrame
    checks: pd.DataFrame
    window_span: tuple[int, int] | None
    records: Path | None
    seed: int

    def metric(self, name: str) -> float:
        """One overall metric."""
        m = self.metrics[(self.metrics["metric"] == name) & self.metrics["by"].isna()]
        if m.empty:
            raise KeyError(f"no metric '{name}'")
        return float(m["value"].iloc[0])

    def _repr_html_(self) -> str:
        return (f"<div><b>Streamed replay of {escape(self.policy.identity)}</b>: "
                f"{self.rows:,} rows in {self.batches} batches, verdict "
                f"<b>{self.verdict.upper()}</b>"
                f"{'' if self.records is None else f'; records in {escape(str(self.records))}'}"
                f"</div>")


def parquet_files(source: str | os.PathLike) -> list[Path]:
    """The Parquet files of ``source`` (a file, or a folder read in sorted name order)."""
    p = Path(source)
    if p.is_file():
        return [p]
    if not p.is_dir():
        raise DataError(f"Data '{p}'", [Problem("(path)", "is neither a Parquet file nor a "
                                                          "folder of them; check the path")])
    files = sorted(f for f in p.rglob("*.parquet") if f.is_file())
    if not files:
        raise DataError(f"Data '{p}'", [Problem("(path)", "holds no .parquet files")])
    return files


def _batches(files: list[Path], batch_rows: int):
    import pyarrow.parquet as pq

    for f in files:
        for batch in pq.ParquetFile(f).iter_batches(batch_size=batch_rows):
            yield f, batch.to_pandas()


def _write_records(records: pd.DataFrame, path: Path) -> None:
    """One batch's records as Parquet, text columns as plain strings.

    Categorical codes are sized per batch (int8 in one file, int16 in the
    next), which a folder of files cannot be read back with as one table;
    Parquet dictionary-encodes the strings itself.
    """
    cats = [c for c in records.columns if isinstance(records[c].dtype, pd.CategoricalDtype)]
    plain = records.reset_index(drop=True)
    plain[cats] = plain[cats].astype(pd.StringDtype())  # typed as text even when all missing
    plain.to_parquet(path, index=False)


def stream_replay(policy: Policy, source: str | os.PathLike, *, batch_rows: int =
                  DEFAULT_BATCH_ROWS, seed: int = 0, out: str | os.PathLike | None = None,
                  segments: tuple[str, ...] | None = None) -> StreamedReplay:
    """Replay ``policy`` over Parquet data in batches of ``batch_rows`` with bounded memory.

    Parameters
    ----------
    policy : Policy
    source : path
        A Parquet file or a folder of them (read in sorted name order, then
        row order; with rate limits the rows must be in time order).
    batch_rows : int
        Rows read at a time.
    seed : int
        Seeds the simulated reviewer, exactly as an in-memory replay.
    out : path, optional
        A new folder for the decision records, one Parquet file per batch.
    segments : tuple of str, optional
        Segment columns (default: the policy's).

    Returns
    -------
    StreamedReplay
        Its metrics and checks equal :func:`trustlab.simulate.replay`'s on
        the whole history (sums of values up to floating-point addition order).

    Raises
    ------
    trustlab.DataError
        For what :func:`~trustlab.simulate.replay` refuses, batches out of
        time order where rate limits count, or an ``out`` folder that exists.

    Examples
    --------
    >>> import tempfile, trustlab
    >>> from trustlab.datasets import make_history
    >>> folder = Path(tempfile.mkdtemp())
    >>> make_history(n_days=20, applications_per_day=50).to_parquet(folder / "h.parquet")
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> s = stream_replay(p, folder, batch_rows=100)
    >>> s.batches, round(s.metric("automation_rate"), 4)  # doctest: +SKIP
    (10, 0.58)
    """
    if isinstance(batch_rows, bool) or not isinstance(batch_rows, (int, np.integer)) \
            or batch_rows < 1:
        raise DataError("stream_replay", [Problem("batch_rows", f"must be a whole number of "
                                                                f"rows, at least 1; got "
                                                                f"{batch_rows!r}")])
    files = parquet_files(source)
    folder = None
    if out is not None:
        folder = Path(out)
        if folder.exists() and any(folder.iterdir()):
            raise DataError("stream_replay", [Problem("out", f"'{folder}' exists and is not "
                                                             "empty; give a new folder")])
        folder.mkdir(parents=True, exist_ok=True)
    segs = tuple(policy.segments if segments is None else segments)
    state = GuardrailState()
    totals = None
    span: tuple[int, int] | None = None
    offset = batches = 0
    for _, df in _batches(files, batch_rows):
        df.index = pd.RangeIndex(offset, offset + len(df))
        records = policy.apply(df, state=state)
        r = replay(policy, df, seed=seed, records=records, offset=offset, segments=segs,
                   batch=True)
        t = metric_totals(r.decisions, policy, segs)
        totals = t if totals is None else totals.merge(t)
        if r.window_span is not None:
            span = r.window_span if span is None else (min(span[0], r.window_span[0]),
                                                       max(span[1], r.window_span[1]))
        if folder is not None:
            _write_records(records, folder / f"part-{batches:05d}.parquet")
        offset += len(df)
        batches += 1
    if totals is None:
        raise DataError("stream_replay", [Problem("(data)", "has no rows")])
    out_ = policy.outcomes
    sums = totals.sums[None]
    if out_ is not None and out_.bad_when_given and float(sums["labelled_bad"].iloc[0]) == 0 \
            and float(sums["rows"].iloc[0]) > float(sums["unlabelled"].iloc[0]):
        raise DataError(f"Policy '{policy.name}'", [Problem(
            "outcomes.bad_when", f"{out_.bad_when!r} matched no label value in the whole "
                                 "history, so no case would count as bad")])
    metrics = metric_table_from(totals, policy, span)
    return StreamedReplay(policy, offset, batches, metrics, evaluate_checks(policy, metrics),
                          span, folder, seed)
