"""Deployments over time, and rollback: re-applying the previous version, exactly.

A timeline says which version of a policy was live from when: ``[(None, v1),
("2025-06-01", v2), ("2025-07-01", v1)]`` is v1, then v2, then a rollback to
v1. Each case is decided by the version live at its time, and its record
carries that version's identity, so the records keep both versions'
identities. Each version is applied to the whole history (its rate limits and
drift brakes see the history as if it had run all along) and its records are
taken for its own period: a rolled-back period is, row for row, what the
previous version decides — :meth:`Timeline.verify` shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from .._time import time_ns, times_ns
from ..policy import Policy
from ._impact import require_version_bump

__all__ = ["Timeline", "deploy_timeline", "IDENTITY_COLUMNS"]

IDENTITY_COLUMNS = ("action", "rule", "rule_action", "guardrail", "reason", "policy",
                    "policy_version", "policy_hash", "mode")
"""The record columns :meth:`Timeline.verify` compares."""


@dataclass(frozen=True, eq=False)
class Timeline:
    """Cases decided by whichever version was live at their time.

    Attributes
    ----------
    versions : tuple of (pandas.Timestamp or None, Policy)
        Each deployment's start (None: from the beginning) and policy.
    records : pandas.DataFrame
        One decision record per input row (same index and order), from the
        version live at the row's time, plus ``deployment`` (its position in
        ``versions``).
    own : tuple of pandas.DataFrame
        Each version's records over the whole history.
    """

    versions: tuple
    records: pd.DataFrame
    own: tuple

    def periods(self) -> pd.DataFrame:
        """Each deployment: start, policy identity, rows decided, and whether it is a rollback."""
        counts = np.bincount(self.records["deployment"].to_numpy(), minlength=len(self.versions))
        seen: set[str] = set()
        rows = []
        for k, (start, p) in enumerate(self.versions):
            rows.append({"deployment": k, "from": start, "policy": p.identity,
                         "rows": int(counts[k]),
                         "rollback": p.content_hash in seen and
                         p.content_hash != self.versions[k - 1][1].content_hash})
            seen.add(p.content_hash)
        return pd.DataFrame(rows)

    def verify(self) -> pd.DataFrame:
        """Per deployment: do its rows equal its version's own decisions, column by column?

        Returns
        -------
        pandas.DataFrame
            ``deployment``, ``policy``, ``rows`` and ``identical`` (every one
            of :data:`IDENTITY_COLUMNS` equal on every row of the period).
        """
        d = self.records["deployment"].to_numpy()
        out = []
        for k, (_, p) in enumerate(self.versions):
            rows = d == k
            same = all(
                self.records.loc[rows, c].astype(object).fillna("").equals(
                    self.own[k].loc[rows, c].astype(object).fillna(""))
                for c in IDENTITY_COLUMNS)
            out.append({"deployment": k, "policy": p.identity, "rows": int(rows.sum()),
                        "identical": bool(same)})
        return pd.DataFrame(out)

    def _repr_html_(self) -> str:
        p = self.periods()
        rows = "".join(
            f"<tr><td>{_when(r.start)}</td><td>{escape(r.policy)}</td><td>{r.rows:,}</td>"
            f"<td>{'rollback' if r.rollback else ''}</td></tr>"
            for r in p.rename(columns={"from": "start"}).itertuples())
        return (f"<div><b>Deployments</b><table><tr><th>from</th><th>policy</th><th>rows</th>"
                f"<th></th></tr>{rows}</table></div>")


def _when(start) -> str:
    return "the beginning" if start is None or start != start else f"{start:%Y-%m-%d %H:%M}"


def deploy_timeline(data: pd.DataFrame, versions: Sequence[tuple[object, Policy]]) -> Timeline:
    """Decide every case with the version of the policy live at its time.

    Parameters
    ----------
    data : pandas.DataFrame
        With the policies' time column.
    versions : sequence of (start, Policy)
        In time order; the first start is None (or at or before the first
        case). Rolling back is listing the previous policy again.

    Returns
    -------
    Timeline

    Raises
    ------
    trustlab.DataError
        For starts out of order, versions with different time columns, or
        times the data cannot give.
    trustlab.PolicyError
        When two versions share ``name@version`` but not content.

    Examples
    --------
    >>> from trustlab import load_policy
    >>> from trustlab.datasets import make_history
    >>> from trustlab.change import bump_version
    >>> from trustlab.simulate import with_threshold
    >>> v1 = load_policy("policies/consumer-credit.yaml")
    >>> v2 = bump_version(with_threshold(v1, "high-risk", 0.3), "1.2.1")
    >>> t = deploy_timeline(make_history(n_days=30, applications_per_day=20),
    ...                     [(None, v1), ("2025-01-10", v2), ("2025-01-20", v1)])
    >>> t.verify()["identical"].tolist()
    [True, True, True]
    >>> t.periods()["rollback"].tolist()
    [False, False, True]
    """
    source = "deploy_timeline"
    if not versions:
        raise DataError(source, [Problem("versions", "is empty; give [(None, policy), ...]")])
    times = {p.time_column for _, p in versions}
    if len(times) != 1 or None in times:
        raise DataError(source, [Problem("versions", "every version must name the same time "
                                                     f"column (`columns.time`); got {sorted(map(str, times))}")])
    time = times.pop()
    if time not in data.columns:
        raise DataError(source, [Problem("data", f"lacks the time column '{time}'")])
    formats = [p.time_format for _, p in versions if p.time_format is not None]
    ns, why, _ = times_ns(data[time], formats[0] if formats else None)
    if ns is None:
        raise DataError(source, [Problem(f"column '{time}'", str(why))])
    starts = []
    for k, (start, p) in enumerate(versions):
        if k:
            require_version_bump(versions[k - 1][1], p)
        if start is None:
            if k:
                raise DataError(source, [Problem(f"versions[{k}]", "only the first version may "
                                                                   "start from the beginning (None)")])
            starts.append(np.iinfo(np.int64).min)
            continue
        try:
            starts.append(time_ns(start))
        except (ValueError, TypeError):
            raise DataError(source, [Problem(f"versions[{k}]", f"start {start!r} is not a time")]) \
                from None
    if any(b <= a for a, b in zip(starts, starts[1:])):
        raise DataError(source, [Problem("versions", "starts must increase; give the versions in "
                                                     "the order they went live")])
    deployment = np.searchsorted(np.array(starts[1:], dtype=np.int64), ns, side="right")
    own = tuple(p.apply(data) for _, p in versions)
    rows = [np.flatnonzero(deployment == k) for k in range(len(versions))]
    parts = pd.concat([own[k].iloc[r] for k, r in enumerate(rows)])
    records = parts.iloc[np.argsort(np.concatenate(rows), kind="stable")]
    records = records.assign(deployment=deployment)
    return Timeline(tuple((None if s == starts[0] and versions[0][0] is None else pd.Timestamp(s),
                           p) for s, (_, p) in zip(starts, versions)), records, own)
