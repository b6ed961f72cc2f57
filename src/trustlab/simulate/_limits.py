"""A rate limit at every threshold at once: from which threshold each capped case overflows.

A rate limit keeps the first ``max`` candidates of each window, in time order,
and sends the rest to its overflow action. When a rule's threshold moves one
way, the limit's candidates only grow: the cases the rule fires join them (a
rule that takes the capped action), or the cases it stops firing do (a rule
that takes cases away from it). So every candidate has a first step of the
threshold from which it is over the limit, and it stays over it from there
on; the limit's effect at every threshold is then a cumulative sum, as the
rule's own is.

Those first steps come from each window's *boundary*: its ``max``-th
candidate in time order, which only moves earlier as candidates join. It is
found for every window and step at once. Candidates are cut into blocks of
consecutive cases within their window; counting them by block and by the
step they join at (cumulative counts over both) gives the block that holds
each boundary, and the boundary within it is read off that block's few cases.
A case is over the limit at a step when it is a candidate there and comes
after its window's boundary; with the boundaries marked on the cases, a
cumulative count gives each case's first such step. Nothing is approximated:
:func:`capped_steps` agrees with applying the limit at each threshold, case
by case.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..policy import RateLimit
from ._open import OpenHistory, present_codes

__all__ = ["CappedSteps", "LimitSteps", "capped_steps", "limits_summable", "overflow_starts"]

_CELLS = 4_000_000  # cells of a block-by-step table (or of boundary blocks) held at once


def overflow_starts(window: np.ndarray, start: np.ndarray, cap: int, steps: int) -> np.ndarray:
    """Each candidate's first step over a limit of ``cap`` per window (``steps``: never).

    Parameters
    ----------
    window : numpy.ndarray
        Window id of each case, cases in time order (each window one run).
    start : numpy.ndarray
        The step (``0 .. steps - 1``) from which each case is a candidate;
        ``steps`` for a case that never is. A candidate stays one.
    cap : int
        Candidates kept per window: those ranked ``cap`` or later in their
        window, in time order, are over the limit.
    steps : int
        Number of steps.

    Examples
    --------
    Three cases in one window, a cap of 1: the second joins at step 0, the
    first at step 2, the third at step 1.

    >>> overflow_starts(np.array([0, 0, 0]), np.array([2, 0, 1]), 1, 3).tolist()
    [3, 2, 1]
    """
    start = np.asarray(start, dtype=np.int64)
    out = np.full(len(start), steps, dtype=np.int64)
    joins = start < steps
    if joins.all():
        live, s, w = slice(None), start, window
    else:
        live = np.flatnonzero(joins)
        s, w = start[live], window[live]
    if not len(s):
        return out
    if cap <= 0:
        out[live] = s
        return out
    edge = np.flatnonzero(w[1:] != w[:-1]) + 1
    size = np.diff(np.r_[0, edge, len(w)])
    busy = size > cap  # only a window with more candidates than the cap can overflow
    if not busy.any():
        return out
    if not busy.all():
        keep = np.repeat(busy, size)
        live = np.flatnonzero(joins)[keep] if isinstance(live, slice) else live[keep]
        s, size = s[keep], size[busy]
    out[live] = _starts_in_busy_windows(s, size, cap, steps)
    return out


def _starts_in_busy_windows(s: np.ndarray, size: np.ndarray, cap: int, steps: int) -> np.ndarray:
    """:func:`overflow_starts` of candidates that join at ``s``, in windows of ``size`` cases:
    by blocks (work grows with the steps) or by order statistics (work grows with the cap),
    whichever touches fewer cells."""
    m, n_w = len(s), len(size)
    blk = int(np.clip(np.sqrt(m / n_w), 8, 4096))  # balances the two tables below
    blk = max(blk, -(-m * steps // _CELLS))
    n_blocks = -(-size // blk)
    if _order_statistics_cheaper(cap, m, steps, int(n_blocks.sum())):
        return _starts_by_order_statistics(s, size, cap, steps)
    ws = np.r_[0, np.cumsum(size)[:-1]]  # first case of each window
    b0 = np.r_[0, np.cumsum(n_blocks)]  # first block of each window
    slot = np.arange(m) + np.repeat(b0[:-1] * blk - ws, size)  # block * blk + place in it
    lanes = np.full(b0[-1] * blk, steps, dtype=np.int32)  # each block's cases, padded
    lanes[slot] = s
    lanes = lanes.reshape(b0[-1], blk)

    # candidates by step and block: cumulative over steps (joined by then), then over blocks
    count = np.bincount(s * b0[-1] + slot // blk, minlength=steps * b0[-1])
    count = count.astype(np.int32).reshape(steps, b0[-1])
    np.cumsum(count, axis=0, out=count)
    np.cumsum(count, axis=1, out=count)
    before = np.zeros((steps, n_w), dtype=np.int32)
    before[:, 1:] = count[:, b0[1:-1] - 1]  # everything in earlier windows
    count -= np.repeat(before, n_blocks, axis=1)  # in the window, up to and with the block
    short = np.add.reduceat(count < cap, b0[:-1], axis=1, dtype=np.int32)  # (steps, windows)
    win, step = np.nonzero((short < n_blocks).T)  # the windows over the cap at each step
    blocks_before = short[step, win]
    held = b0[win] + blocks_before  # the block holding the boundary
    need = cap - np.where(blocks_before > 0, count[step, held - 1], 0)

    boundary = np.empty(len(win), dtype=np.int64)  # the cap-th candidate, case index
    rows = max(1, _CELLS // blk)
    for lo in range(0, len(win), rows):  # chunks bound the memory; not a loop over cases
        hi = min(len(win), lo + rows)
        joined = lanes[held[lo:hi]] <= step[lo:hi, None]
        reached = np.cumsum(joined, axis=1, dtype=np.int32) >= need[lo:hi, None]
        boundary[lo:hi] = np.argmax(reached, axis=1)
    boundary += ws[win] + blocks_before * blk

    # steps at which a case lies past its window's boundary: a suffix of the steps
    marks = np.cumsum(np.bincount(boundary + 1, minlength=m + 1)[:m])
    past = marks - np.repeat(marks[ws], size)
    return np.maximum(s, steps - past)


def _order_statistics_cheaper(cap: int, cases: int, steps: int, blocks: int) -> bool:
    """True when ``cap`` passes over the cases touch fewer cells than the block-by-step table."""
    return cap * cases <= steps * blocks


def _starts_by_order_statistics(s: np.ndarray, size: np.ndarray, cap: int, steps: int
                                ) -> np.ndarray:
    """:func:`overflow_starts` in ``cap`` passes over the cases, whatever the number of steps.

    A case is over the limit from the later of its own step and the ``cap``-th
    smallest step among the earlier cases of its window. The ``k``-th smallest of
    each prefix is a running minimum of ``max(step, (k-1)-th smallest of the
    prefix before it)``, so ``cap`` running minima give it for every case at
    once. Each window's steps are lifted above every later window's, so a
    running minimum starts afresh in each window, and a value carried over from
    an earlier window reads as "fewer than k cases yet".
    """
    n_w = len(size)
    span = steps + 2
    dtype = np.int64 if n_w * span >= np.iinfo(np.int32).max else np.int32
    lift = np.repeat(((n_w - 1 - np.arange(n_w)) * span).astype(dtype), size)
    lifted = s.astype(dtype) + lift  # window w's cases in [lift_w, lift_w + steps]
    kth = np.minimum.accumulate(lifted)  # 1st smallest of each prefix
    before = np.empty_like(kth)
    for _ in range(cap - 1):
        before[0] = np.iinfo(dtype).max
        before[1:] = kth[:-1]
        np.maximum(lifted, before, out=before)
        np.minimum.accumulate(before, out=kth)
    earlier = np.empty_like(kth)  # cap-th smallest of the cases before each case
    earlier[0] = np.iinfo(dtype).max
    earlier[1:] = kth[:-1]
    earlier -= lift  # a carried-over value is steps + 2 or more above its lift
    return np.maximum(s, np.minimum(earlier, steps)).astype(np.int64)


@dataclass(frozen=True)
class LimitSteps:
    """One rate limit whose candidates the threshold changes, at every threshold.

    Attributes
    ----------
    limit : RateLimit
    cases, first : numpy.ndarray
        Its candidates (case indices, time order) and the first step from
        which each is over it (the number of thresholds: never).
    rising : bool
        Steps run up the thresholds (else down them).
    """

    limit: RateLimit
    cases: np.ndarray
    first: np.ndarray
    rising: bool


@dataclass(frozen=True, eq=False)
class CappedSteps:
    """What the rate limits change at every threshold of a rule's grid.

    Attributes
    ----------
    codes : numpy.ndarray
        Every case's rule action with the limits the threshold does not
        change applied (the open rule's cases at their rest action).
    fixed : numpy.ndarray
        What those limits change, the same at every threshold: (rows,).
    over : numpy.ndarray
        What the limits the threshold changes change at each threshold:
        (rows, thresholds).
    limits : tuple of LimitSteps
        Those limits, each with its candidates' first steps over it.
    """

    codes: np.ndarray
    fixed: np.ndarray
    over: np.ndarray
    limits: tuple[LimitSteps, ...]


def capped_steps(h: OpenHistory, then: int, mov: np.ndarray, bins: np.ndarray,
                 n_thresholds: int, prefix: bool) -> CappedSteps | None:
    """The rate limits at every threshold of a rule that takes action ``then`` on cases ``mov``.

    ``mov`` holds the cases the threshold can move (indices, ascending: time
    order) and ``bins`` each one's bin among the thresholds (as
    :func:`~trustlab.simulate._open.fired_bins`): the rule fires on it at
    threshold k iff ``bin <= k`` (``prefix``) or ``bin >= k + 1``.

    Each limit on an action the threshold moves cases into or out of has
    candidates that only grow one way; it is summed by :func:`overflow_starts`.
    None when such a limit's candidates also depend on another limit (two
    limits on one action, or a later limit on its overflow action): those
    are applied at each threshold instead.
    """
    moving = _moving_limits(h, then, mov)
    if moving is None:
        return None
    rest = h.rest_action
    codes = h.guard(rest, skip=frozenset(moving))
    fixed = np.zeros(h.table.shape[0]) if codes is rest else h.totals(codes) - h.totals(rest)
    over = np.zeros((h.table.shape[0], n_thresholds))
    steps = []
    for i in moving:  # one pass over the cases per limit the threshold changes
        one = _limit_steps(h, i, codes, then, mov, bins, n_thresholds, prefix)
        over += _summed(h, one, n_thresholds)
        steps.append(one)
    return CappedSteps(codes, fixed, over, tuple(steps))


def _moving_limits(h: OpenHistory, then: int, mov: np.ndarray) -> list[int] | None:
    """The rate limits (indices) on an action the threshold moves cases into or out of;
    None when one's candidates also depend on another's (two on one action, or a later
    limit on one's overflow action)."""
    rest = h.rest_action
    changing = {then, *present_codes(rest[mov], len(h.actions))} if len(mov) else set()
    moving = [i for i, g in enumerate(h.rate_limits) if h.code(g.action) in changing]
    capped = [h.code(h.rate_limits[i].action) for i in moving]
    if len(set(capped)) < len(capped) or any(
            h.code(later.action) == h.code(h.rate_limits[i].overflow)
            for i in moving for later in h.rate_limits[i + 1:]):
        return None
    return moving


def limits_summable(h: OpenHistory, then: int, mov: np.ndarray) -> bool:
    """True when :func:`capped_steps` sums the rate limits a threshold moves cases through
    (so a sweep may read every threshold, as it does without a binding limit)."""
    return _moving_limits(h, then, mov) is not None


def _limit_steps(h: OpenHistory, i: int, codes: np.ndarray, then: int, mov: np.ndarray,
                 bins: np.ndarray, n_thresholds: int, prefix: bool) -> LimitSteps:
    """The ``i``-th rate limit's candidates and the first step each is over it."""
    g = h.rate_limits[i]
    capped = h.code(g.action)
    joins = then == capped  # fired cases join the candidates; else unfired ones do
    rising = joins == prefix
    if joins:
        joiners, b = mov, bins
    else:
        taken = codes[mov] == capped
        joiners, b = mov[taken], bins[taken]
    start = b if rising else n_thresholds - b  # the step from which each joiner is a candidate
    fixed_cand = codes == capped  # candidates at every threshold
    fixed_cand[mov] = False
    cases, first_of = joiners, start
    if fixed_cand.any():
        cases = np.r_[np.flatnonzero(fixed_cand), joiners]
        first_of = np.r_[np.zeros(len(cases) - len(joiners), dtype=start.dtype), start]
        by_time = np.argsort(cases, kind="stable")  # two sorted runs: a merge
        cases, first_of = cases[by_time], first_of[by_time]
    first = overflow_starts(h.rate_windows[i][cases], first_of, g.max, n_thresholds)
    return LimitSteps(g, cases, first, rising)


def _summed(h: OpenHistory, one: LimitSteps, n_thresholds: int) -> np.ndarray:
    """What one limit changes at each threshold: (rows, thresholds)."""
    kinds = h.table.shape[1] // len(h.actions)
    cols = np.arange(kinds) * len(h.actions)
    capped, overflow = h.code(one.limit.action), h.code(one.limit.overflow)
    gain = (np.take(h.table, cols + h.ks_map[overflow], axis=1)
            - np.take(h.table, cols + h.ks_map[capped], axis=1))  # (rows, kinds)
    counts = np.bincount(one.first * kinds + h.case_type[one.cases],
                         minlength=(n_thresholds + 1) * kinds).reshape(n_thresholds + 1, kinds)
    over = np.cumsum(gain @ counts[:n_thresholds].T, axis=1)
    return over if one.rising else over[:, ::-1]
