"""Replay a policy over a history larger than memory: parts decided apart, totals merged exactly.

Every metric of the policy format is a ratio of sums (:class:`MetricTotals`),
so each part of the history is replayed on its own and the parts' totals are
added up: the merged metrics are those of the whole history. What couples
rows across parts is settled so that no part needs another:

* rate limits count per window, so parts are cut only where every
  rate-limit window changes (:func:`~trustlab.scale._run.fold_partials` with
  ``align``) and each window's decisions are counted in one part;
* a drift brake compares each window with a reference, so its windows are
  decided first over the whole history (:func:`decide_brakes`) and handed to
  every part;
* the simulated reviewer draws by row position (each part knows its offset).

Parts are streamed from Parquet on this machine, or run as Dask tasks on a
``distributed`` cluster; either way decision records go back to disk as one
Parquet file per part.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from html import escape
from pathlib import Path

import pandas as pd

from .._errors import DataError, Problem
from .._outcome import bad_when_text
from .._progress import Progress
from ..engine import plan_for
from ..policy import DriftBrake, Policy
from ..metrics import (MetricTotals, activity_counts, evaluate_checks,
                                metric_table_from, metric_totals)
from ..simulate import replay as replay_frame
from ..simulate.parts import Checked, replay_segments
from ..trust import TrustPartial
from ._brakes import decide_brakes
from ._run import DEFAULT_BATCH_ROWS, fold_partials, limit_windows, source_of

__all__ = ["ScaledReplay", "replay"]

_SOURCE = "trustlab.scale.replay"


@dataclass(frozen=True, eq=False)
class ScaledReplay(Checked):
    """A policy replayed over a history in parts.

    Attributes
    ----------
    policy : Policy
    rows, parts : int
        Rows replayed, and the parts they were replayed in.
    metrics, checks : pandas.DataFrame
        As :attr:`trustlab.simulate.Replay.metrics` and ``.checks``: the
        numbers an in-memory replay of the whole history gives.
    window_span : (int, int) or None
    records : pathlib.Path or None
        The folder of decision-record Parquet files, in history order by name.
    seed : int
    where : str
        Where the parts were read and run.
    brakes : dict
        Per drift brake id, the :class:`~trustlab.engine.BrakeWindows`
        decided over the whole history.
    trust : TrustResult or None
        Automation, deferral, alignment and reliance per window, merged from
        the parts (equal to :func:`trustlab.trust.trust_over_time` on the
        whole replay); None without a time column.
    activity : pandas.DataFrame
        Decisions counted by ``rule``, ``rule_action``, ``action`` and
        ``guardrail``.
    """

    policy: Policy
    rows: int
    parts: int
    metrics: pd.DataFrame
    checks: pd.DataFrame
    window_span: tuple[int, int] | None
    records: Path | None
    seed: int
    where: str
    brakes: dict
    trust: object | None = None
    activity: pd.DataFrame | None = None

    def metric(self, name: str) -> float:
        """One overall metric."""
        m = self.metrics[(self.metrics["metric"] == name) & self.metrics["by"].isna()]
        if m.empty:
            raise KeyError(f"no metric '{name}'")
        return float(m["value"].iloc[0])

    def _repr_html_(self) -> str:
        braked = sum(len(b.ids) for b in self.brakes.values())
        return (f"<div><b>Replay of {escape(self.policy.identity)}</b>: {self.rows:,} rows in "
                f"{self.parts} parts ({escape(self.where)}), verdict "
                f"<b>{self.verdict.upper()}</b>"
                f"{f'; the drift brake engaged in {braked} window(s)' if self.brakes else ''}"
                f"{'' if self.records is None else f'; records in {escape(str(self.records))}'}"
                f"</div>")


@dataclass(frozen=True)
class _Partial:
    """One part's totals and window span; adds up with the next part's."""

    totals: MetricTotals
    span: tuple[int, int] | None
    trust: TrustPartial | None
    activity: pd.DataFrame

    def merge(self, other: _Partial) -> _Partial:
        spans = [s for s in (self.span, other.span) if s is not None]
        span = (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None
        trust = None if self.trust is None else self.trust.merge(other.trust)
        keys = ["rule", "rule_action", "action", "guardrail"]
        activity = (pd.concat([self.activity, other.activity], ignore_index=True)
                    .groupby(keys, dropna=False, sort=False)["decisions"].sum().reset_index())
        return _Partial(self.totals.merge(other.totals), span, trust, activity)


def write_records(records: pd.DataFrame, path: Path) -> None:
    """One part's records as Parquet, text columns as plain strings.

    Categorical codes are sized per part (int8 in one file, int16 in the
    next), which a folder of files cannot be read back with as one table;
    Parquet dictionary-encodes the strings itself.
    """
    cats = [c for c in records.columns if isinstance(records[c].dtype, pd.CategoricalDtype)]
    plain = records.reset_index(drop=True)
    plain[cats] = plain[cats].astype(pd.StringDtype())  # typed as text even when all missing
    plain.to_parquet(path, index=False)


def _replay_part(part: pd.DataFrame, *, policy: Policy, seed: int, segments: tuple[str, ...],
                 brakes: dict, out: Path | None, trust_window: str | None) -> _Partial:
    offset = int(part.index[0]) if len(part) else 0
    records = policy.apply(part, brakes=brakes)
    r = replay_frame(policy, part, seed=seed, records=records, offset=offset, segments=segments,
                     batch=True)
    if out is not None:
        write_records(records, out / f"part-{offset:012d}.parquet")
    trust = None if trust_window is None else TrustPartial.of(r, window=trust_window)
    return _Partial(metric_totals(r.decisions, policy, segments), r.window_span, trust,
                    activity_counts(records))


def new_folder(out: str | os.PathLike | None, source: str) -> Path | None:
    """``out`` as a new (or empty) folder, created; None stays None."""
    if out is None:
        return None
    folder = Path(out)
    if folder.exists() and any(folder.iterdir()):
        raise DataError(source, [Problem("out", f"'{folder}' exists and is not empty; give a "
                                                "new folder")])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def replay(policy: Policy, data, *, client=None, batch_rows: int = DEFAULT_BATCH_ROWS,
           seed: int = 0, out: str | os.PathLike | None = None,
           segments: tuple[str, ...] | None = None, trust_window: str = "7D",
           progress: bool = False) -> ScaledReplay:
    """Replay ``policy`` over a history too large for memory, with the in-memory replay's numbers.

    Parameters
    ----------
    policy : Policy
    data : path, URL or dask.dataframe.DataFrame
        A Parquet file or a folder of them (read in sorted path order, then
        row order), named by a path or an fsspec URL (``s3://``, ``gs://``,
        ``file://``, ``memory://``, ...), or a Dask DataFrame (partitions in
        order). A folder's hive partition folders (``region=north/``) are
        columns the policy can read, as :func:`trustlab._io.read_data` reads
        them. With rate limits or a drift brake the rows must be in time
        order.
    client : distributed.Client or str, optional
        A Dask cluster (or its scheduler address, e.g.
        ``"tcp://10.0.0.5:8786"``) to run the parts on; a path is then read
        as a Dask DataFrame by the workers, so it must be a path they reach.
        Without one a path is streamed here in batches of ``batch_rows``,
        and a Dask DataFrame runs on Dask's local threads.
    batch_rows : int
        Rows read at a time when streaming.
    seed : int
        Seeds the simulated reviewer, exactly as an in-memory replay.
    out : path, optional
        A new folder for the decision records, one Parquet file per part
        (``part-<first row>.parquet``).
    segments : tuple of str, optional
        Segment columns (default: the policy's).
    trust_window : str, default "7D"
        The window of the trust metrics (with the policy's time column).
    progress : bool, default False
        Report the rows replayed on stderr (:class:`trustlab._progress.Progress`):
        a bar on a terminal, plain lines in CI or a log, one step per part.

    Returns
    -------
    ScaledReplay
        Its metrics and checks equal :func:`trustlab.simulate.replay`'s on
        the whole history (sums of values up to floating-point addition
        order), and the records equal its records.

    Raises
    ------
    trustlab.DataError
        For what :func:`~trustlab.simulate.replay` refuses, rows out of time
        order where rate limits or brakes count, or an ``out`` folder that
        exists.

    Examples
    --------
    >>> import tempfile, trustlab
    >>> from trustlab.datasets import make_history
    >>> folder = Path(tempfile.mkdtemp())
    >>> make_history(n_days=20, applications_per_day=50).to_parquet(folder / "h.parquet")
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> s = replay(p, folder, batch_rows=300)
    >>> s.rows, s.verdict
    (1001, 'pass')
    """
    plan_for(policy)  # compile once here, so workers receive a ready policy
    align = limit_windows(policy)
    with source_of(data, client=client, batch_rows=batch_rows, caller=_SOURCE) as source, \
            Progress("Replay", total=source.rows() if progress else None,
                     enabled=progress) as bar:
        segs = replay_segments(policy, source.columns(), segments)
        folder = new_folder(out, _SOURCE)
        if any(isinstance(g, DriftBrake) for g in policy.guardrails):
            bar.note("deciding the drift brake windows over the whole history")
        brakes = decide_brakes(policy, source, _SOURCE)
        total, rows, parts = fold_partials(
            source, partial(_replay_part, policy=policy, seed=seed, segments=segs,
                            brakes=brakes, out=folder,
                            trust_window=trust_window if policy.time_column else None),
            _Partial.merge, time=policy.time_column if align else None, align=align,
            caller=_SOURCE, progress=bar)
    out_ = policy.outcomes
    sums = total.totals.sums[None]
    if out_ is not None and out_.bad_when_given and float(sums["labelled_bad"].iloc[0]) == 0 \
            and float(sums["rows"].iloc[0]) > float(sums["unlabelled"].iloc[0]):
        raise DataError(f"Policy '{policy.name}'", [Problem(
            "outcomes.bad_when", f"{bad_when_text(out_.bad_when)} matched no label value in the whole "
                                 "history, so no case would count as bad")])
    metrics = metric_table_from(total.totals, policy, total.span)
    return ScaledReplay(policy, rows, parts, metrics, evaluate_checks(policy, metrics),
                        total.span, folder, seed, source.where, brakes,
                        None if total.trust is None else total.trust.result(),
                        total.activity.sort_values(["rule", "rule_action", "action", "guardrail"],
                                                   na_position="first", ignore_index=True))

