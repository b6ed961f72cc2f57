"""The same replay over a Dask DataFrame, partitions processed in parallel on a cluster.

Each partition is replayed on a worker and returns its mergeable
:class:`~trustlab.simulate.MetricTotals`; the client adds them up. What couples
partitions is settled first, with small passes that move counts, not rows:

* each partition's row count and time range (its offset for the simulated
  reviewer, and a check that partitions are in time order);
* for each rate limit in order, the candidates per window in each partition,
  from which every partition learns how many of its first window's decisions
  earlier partitions already took.

Scheduling is Dask's own: tasks are built with :func:`dask.delayed` and run
on the given ``distributed`` client (or Dask's local threads).
"""

from __future__ import annotations

import os
from functools import reduce
from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from ..engine._online import GuardrailState
from ..engine._plan import plan_for
from ..engine._time import times_ns, window_id, window_ids
from ..policy._load import rehash
from ..policy._spec import DriftBrake, Policy, RateLimit
from ..simulate._metrics import evaluate_checks, metric_table_from, metric_totals
from ..simulate._replay import replay
from ._stream import StreamedReplay, _write_records

__all__ = ["dask_replay"]

_SOURCE = "dask_replay"


def _info(part: pd.DataFrame, time: str | None) -> tuple[int, int | None, int | None]:
    if time is None or not len(part):
        return len(part), None, None
    ns, why, _ = times_ns(part[time])
    if ns is None:
        raise DataError(_SOURCE, [Problem(f"column '{time}'", str(why))])
    return len(part), int(ns.min()), int(ns.max())


def _with_offset(part: pd.DataFrame, offset: int) -> pd.DataFrame:
    part = part.copy()
    part.index = pd.RangeIndex(offset, offset + len(part))
    return part


def _candidates(part: pd.DataFrame, offset: int, policy: Policy, carried: dict,
                limit: int) -> pd.Series:
    """Candidates of rate limit ``limit`` per window, after the limits before it."""
    g = policy.guardrails[limit]
    before = rehash(policy, guardrails=policy.guardrails[:limit], kill_switch=None)
    if not len(part):
        return pd.Series(dtype=np.int64)
    part = _with_offset(part, offset)
    state = GuardrailState(counts=dict(carried))
    records = before.apply(part, state=state)
    cand = records["action"].astype(object).to_numpy() == g.action
    ns, _, _ = times_ns(part[policy.time_column])
    wins = window_ids(ns[cand], g.per)
    return pd.Series(wins).value_counts().sort_index()


def _replay_part(part: pd.DataFrame, offset: int, policy: Policy, carried: dict, seed: int,
                 segs: tuple[str, ...], out: Path | None, k: int):
    part = _with_offset(part, offset)
    records = policy.apply(part, state=GuardrailState(counts=dict(carried)))
    r = replay(policy, part, seed=seed, records=records, offset=offset, segments=segs,
               batch=True)
    if out is not None:
        _write_records(records, out / f"part-{k:05d}.parquet")
    return metric_totals(r.decisions, policy, segs), r.window_span


def dask_replay(policy: Policy, data, *, client=None, seed: int = 0,
                segments: tuple[str, ...] | None = None,
                out: str | os.PathLike | None = None) -> StreamedReplay:
    """Replay ``policy`` over a Dask DataFrame (or a Parquet path read as one).

    Parameters
    ----------
    policy : Policy
    data : dask.dataframe.DataFrame or path
        Partitions in time order when the policy has rate limits.
    client : distributed.Client, optional
        Where to run (e.g. ``Client("tcp://scheduler:8786")``); default Dask's
        local threaded scheduler.
    seed : int
    segments : tuple of str, optional
    out : path, optional
        A new folder the workers write decision records into, one Parquet
        file per partition (a path every worker can reach).

    Returns
    -------
    StreamedReplay
        The metrics and checks an in-memory replay of the whole history gives.

    Raises
    ------
    trustlab.DataError
        For partitions out of time order where rate limits count, a policy
        with a drift brake, or whatever a replay refuses.
    """
    import dask
    import dask.dataframe as dd

    if isinstance(data, (str, os.PathLike)):
        data = dd.read_parquet(str(data))
    if any(isinstance(g, DriftBrake) for g in policy.guardrails):
        raise DataError(_SOURCE, [Problem(
            "guardrails", "a drift brake is not yet carried from partition to partition; replay "
                          "a policy with a drift brake in one piece")])
    folder = None
    if out is not None:
        folder = Path(out)
        if folder.exists() and any(folder.iterdir()):
            raise DataError(_SOURCE, [Problem("out", f"'{folder}' exists and is not empty; give a "
                                                     "new folder")])
        folder.mkdir(parents=True, exist_ok=True)
    plan_for(policy)  # compile once here, so workers receive a ready policy

    def run(tasks):
        return client.compute(tasks, sync=True) if client is not None else dask.compute(*tasks)

    parts = data.to_delayed()
    info = run([dask.delayed(_info)(p, policy.time_column) for p in parts])
    rows = np.array([i[0] for i in info], dtype=np.int64)
    offsets = np.r_[0, np.cumsum(rows)[:-1]]
    limits = [i for i, g in enumerate(policy.guardrails) if isinstance(g, RateLimit)]
    carried: list[dict] = [{} for _ in parts]
    if limits:
        spans = [(lo, hi) for _, lo, hi in info if lo is not None]
        if any(b[0] < a[1] for a, b in zip(spans, spans[1:])):
            raise DataError(_SOURCE, [Problem(
                "data", "partitions are not in time order (a partition starts before the one "
                        "before it ends); rate limits count in time order, so sort by time "
                        "and repartition")])
        for i in limits:
            g = policy.guardrails[i]
            counts = run([dask.delayed(_candidates)(p, int(o), policy, c, i)
                          for p, o, c in zip(parts, offsets, carried)])
            seen: pd.Series = pd.Series(dtype=np.int64)
            for k, (n, lo, _) in enumerate(info):
                if lo is not None:
                    w = int(window_id(lo, g.per))
                    carried[k] = {**carried[k], g.id: (w, int(min(seen.get(w, 0), g.max)))}
                seen = seen.add(counts[k], fill_value=0)
    segs = tuple(policy.segments if segments is None else segments)
    results = run([dask.delayed(_replay_part)(p, int(o), policy, c, seed, segs, folder, k)
                   for k, (p, o, c) in enumerate(zip(parts, offsets, carried))])
    totals = reduce(lambda a, b: a.merge(b), [t for t, _ in results])
    spans = [s for _, s in results if s is not None]
    span = (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None
    metrics = metric_table_from(totals, policy, span)
    return StreamedReplay(policy, int(rows.sum()), len(parts), metrics,
                          evaluate_checks(policy, metrics), span, folder, seed)
