"""Trust metrics from mergeable partial sums: a history measured in parts gives the whole.

Every trust metric is a ratio of two counts of decisions per window (and
segment), and :meth:`TrustResult.confusion` reads counts of compared
decisions, so a part of a history is summarised by those counts keyed by
*global* window id (epoch-aligned, the same for every part) and segment
label. Added up, the counts of the parts are the counts of the whole — exactly,
as they are whole numbers — and :meth:`TrustPartial.result` turns them into the
:class:`TrustResult` that :func:`trust_over_time` gives on the whole history.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .._codes import objects_at
from .._errors import DataError, Problem
from .._windowed import WindowGrid
from .._time import window_ids, window_starts
from ..policy import read_window
from ..policy import Policy, Window
from ._metrics import (_SOURCE, ReplayLike, TrustResult, _reversed, _segment_key, _sums_frame,
                       metric_values, replay_times)

__all__ = ["TrustPartial"]

_ALL = "(all)"  # the one segment label when there is no ``by``: never shown
_CELL = ["window", "segment"]
_PAIR = ["window", "segment", "policy_action", "recorded_action"]


@dataclass(frozen=True, eq=False)
class TrustPartial:
    """The counts trust metrics need for one part of a history: mergeable, exactly.

    Make one per replayed part with :meth:`of`, add parts with :meth:`merge`
    (in any order and grouping) and read the metrics with :meth:`result`:
    they equal :func:`trust_over_time` on the whole history. It holds sums per
    window and segment, never rows, and pickles (to return it from a worker).

    Attributes
    ----------
    policy : Policy
    window : Window
    by : str or None
    reversed_column : str or None
    sums : pandas.DataFrame
        One row per (global ``window`` id, ``segment`` label) that has
        decisions, sorted; one column per count the metrics are ratios of
        (``rows``, ``automated``, ``aligned``, ``alignable``, …). Without
        ``by`` every segment label is ``"(all)"``.
    pairs : pandas.Series
        Counts (int64) of compared decisions by ``window`` id, ``segment``,
        ``policy_action`` and ``recorded_action``, sorted; non-zero only.
    """

    policy: Policy
    window: Window
    by: str | None
    reversed_column: str | None
    sums: pd.DataFrame
    pairs: pd.Series

    @classmethod
    def of(cls, replay: ReplayLike, *, window: str | Window, by: str | None = None,
           reversed_column: str | None = None, data: pd.DataFrame | None = None
           ) -> TrustPartial:
        """The counts of one replayed part of a history.

        Parameters
        ----------
        replay : Replay
            A replay of the part (for a batch of a longer history,
            ``replay(policy, part, offset=..., batch=True)`` with the index
            set to row positions in the whole history); the policy needs
            ``columns.time``.
        window, by, reversed_column, data
            As in :func:`trust_over_time`; ``data`` is the part the replay
            was made from.

        Returns
        -------
        TrustPartial

        Raises
        ------
        trustlab.DataError
            As :func:`trust_over_time`.

        Notes
        -----
        Parts replayed on their own decide as the whole only when nothing
        couples them; with rate limits, apply the policy part after part with
        one carried ``GuardrailState`` and pass ``records=`` to the replay (at
        30 a day the example's 40-a-day decline limit never binds).

        Examples
        --------
        >>> import trustlab
        >>> from trustlab.datasets import make_history
        >>> from trustlab.simulate import replay
        >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
        >>> h = make_history(n_days=28, applications_per_day=30, seed=0)
        >>> first, rest = h.iloc[:400], h.iloc[400:]  # index = positions in the history
        >>> parts = [TrustPartial.of(replay(p, first, batch=True), window="7D", by="channel"),
        ...          TrustPartial.of(replay(p, rest, offset=400, batch=True), window="7D",
        ...                          by="channel")]
        >>> t = parts[0].merge(parts[1]).result()  # = trust_over_time(replay(p, h), by="channel")
        >>> t.metric("override_rate").round(3).tolist()
        [0.103, 0.105, 0.073, 0.119, 0.126]
        """
        w = read_window(window, _SOURCE, "window")
        ns = replay_times(replay, _SOURCE)
        reversed_ = None if reversed_column is None else _reversed(replay, reversed_column, data)
        seg = (np.full(len(ns), _ALL, dtype=object) if by is None
               else _segment_key(replay, by, data))
        ind = _sums_frame(replay, reversed_)
        ids = window_ids(ns, w)
        sums = ind.groupby([ids, seg], sort=True).sum()
        sums.index = _index(sums.index, _CELL)

        d = replay.decisions
        compared = ind["alignable"].to_numpy(dtype=bool)
        keys = [ids[compared], seg[compared], objects_at(d["action"], compared),
                objects_at(d["recorded_action"], compared)]
        pairs = pd.Series(np.ones(int(compared.sum()), dtype=np.int64)).groupby(
            keys, sort=True).sum() if compared.any() else pd.Series(dtype=np.int64)
        pairs.index = _index(pairs.index, _PAIR)
        return cls(replay.policy, w, by, reversed_column, sums, pairs.rename("count"))

    def merge(self, other: TrustPartial) -> TrustPartial:
        """The counts of both parts: windows and segments matched by key, all of both kept.

        Exact and associative (the counts are whole numbers), and the order
        of the parts does not matter.

        Raises
        ------
        trustlab.DataError
            When the parts were made with different policies, windows,
            ``by`` or ``reversed_column``.
        """
        if not isinstance(other, TrustPartial):
            raise DataError("TrustPartial.merge", [Problem("other", (
                f"must be a TrustPartial; got {type(other).__name__}"))])
        mine = (self.policy.identity, self.window, self.by, self.reversed_column)
        theirs = (other.policy.identity, other.window, other.by, other.reversed_column)
        fields = ("policy", "window", "by", "reversed_column")
        bad = [Problem(f, f"{a!r} here, {b!r} in the other part; only counts made alike add up")
               for f, a, b in zip(fields, mine, theirs) if a != b]
        if bad:
            raise DataError("TrustPartial.merge", bad)
        sums = self.sums.add(other.sums, fill_value=0).sort_index()[list(self.sums.columns)]
        pairs = self.pairs.add(other.pairs, fill_value=0).sort_index().astype(np.int64)
        return TrustPartial(self.policy, self.window, self.by, self.reversed_column,
                            sums, pairs.rename("count"))

    def result(self) -> TrustResult:
        """The trust metrics of every part merged, as :func:`trust_over_time` gives them.

        Every window from the first decision's to the last's is present,
        empty ones included; segments are sorted; a ratio with no cases is NaN
        with a reason.
        """
        policy, w, by = self.policy, self.window, self.by
        cells = self.sums
        wid = cells.index.get_level_values("window").to_numpy(dtype=np.int64)
        seg = None if by is None else cells.index.get_level_values("segment").to_numpy(
            dtype=object)
        # each cell is a case weighted by its counts, placed at its window's start
        grid = WindowGrid.build(window_starts(wid, w).asi8, w, seg)
        rev = policy.outcomes.reviewer if policy.outcomes is not None else None
        recorded = rev is not None and rev.decision is not None
        vals = metric_values(grid.sums({c: cells[c].to_numpy() for c in cells.columns}),
                             recorded=recorded, reversal=self.reversed_column is not None)
        frame = grid.tidy(vals, by)
        return TrustResult(frame, self._pairs_frame(grid.seg_labels), policy, w, by,
                           self.reversed_column, recorded)

    def _pairs_frame(self, seg_labels: list[str]) -> pd.DataFrame:
        """:attr:`TrustResult.pairs`: ordered by window, segment, then actions as declared."""
        names = list(self.policy.action_names)
        idx = self.pairs.index
        wid = idx.get_level_values("window").to_numpy(dtype=np.int64)
        seg = idx.get_level_values("segment").to_numpy(dtype=object)
        act = idx.get_level_values("policy_action").to_numpy(dtype=object)
        rec = idx.get_level_values("recorded_action").to_numpy(dtype=object)

        def code(values: np.ndarray, categories: list[str]) -> np.ndarray:
            return pd.Categorical(values, categories=categories).codes

        seg_code = code(seg, seg_labels) if seg_labels else np.zeros(len(seg), dtype=np.int8)
        order = np.lexsort((code(rec, names), code(act, names), seg_code, wid))
        return pd.DataFrame({
            "window_start": window_starts(wid[order], self.window).to_numpy(),
            "segment": pd.Series(seg[order] if seg_labels else np.full(len(seg), None),
                                 dtype=object),
            "policy_action": act[order], "recorded_action": rec[order],
            "count": self.pairs.to_numpy(dtype=np.int64)[order],
        })

    def __reduce__(self):
        # without the policy's compiled plan (closures plain pickle refuses, and bulk)
        return (type(self), (replace(self.policy, _cache={}), self.window, self.by,
                             self.reversed_column, self.sums, self.pairs))

    def __repr__(self) -> str:
        n = self.sums.index.get_level_values("window").nunique()
        by = f", by={self.by!r}" if self.by else ""
        return (f"TrustPartial({self.policy.name}@{self.policy.version}, "
                f"decisions={int(self.sums['rows'].sum())}, windows={n} of {self.window.text}"
                f"{by})")


def _index(index: pd.Index, names: list[str]) -> pd.MultiIndex:
    """``index`` as a MultiIndex named ``names``, typed (int64 window, text) even when empty."""
    if len(index) == 0:
        return pd.MultiIndex.from_arrays(
            [np.array([], dtype=np.int64)] + [np.array([], dtype=object)] * (len(names) - 1),
            names=names)
    return index.set_names(names)
