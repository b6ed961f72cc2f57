"""TrustPartial: a history replayed in parts gives exactly the trust metrics of the whole."""

from __future__ import annotations

import pickle
from functools import reduce
from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab import GuardrailState
from trustlab.datasets import make_history
from trustlab.datasets._synthetic import NewChannel
from trustlab._time import window_ids
from trustlab.policy._load import read_window
from trustlab.simulate import Replay, replay
from trustlab.trust import TrustPartial, TrustResult, trust_over_time
from _support import CREDIT, credit_text

SEED = 11
WINDOW = "7D"
SEGMENTS = ("channel",)  # the replays' own segment metrics: fewer is faster


def _history() -> pd.DataFrame:
    """Five weeks, 30 a day; a broker channel from 20 January; a reversal flag with gaps."""
    h = make_history(n_days=35, applications_per_day=30, seed=4,
                     scenarios=[NewChannel("2025-01-20", share=0.3)])
    rng = np.random.default_rng(0)
    flag = pd.array(rng.random(len(h)) < 0.1, dtype="boolean")
    flag[rng.random(len(h)) < 0.2] = pd.NA
    return h.assign(reversed=flag)


HISTORY = _history()


@pytest.fixture(scope="module")
def credit() -> trustlab.Policy:
    """The example credit policy: its decline limit (40 a day) never binds here."""
    return trustlab.load_policy(CREDIT)


@pytest.fixture(scope="module")
def tight() -> trustlab.Policy:
    """The credit policy with 2 declines a day: parts decide alike only with the counts carried."""
    return trustlab.parse_policy(credit_text({"max: 40": "max: 2"}))


def cuts_for(data: pd.DataFrame, n: int = 5, seed: int = 0) -> list[int]:
    """Random cut positions, plus a one-row part and a cut inside a window."""
    rng = np.random.default_rng(seed)
    random = rng.choice(np.arange(2, len(data) - 2), size=n, replace=False).tolist()
    one_row = [len(data) // 3, len(data) // 3 + 1]
    return sorted(set(random + one_row))


def overflow_cut(whole) -> list[int]:
    """A cut just before the first decision the rate limit overflowed (with a decline that day
    before it), so a part replayed without the carried count would decide it otherwise."""
    hit = whole.decisions["guardrail"].notna().to_numpy()
    return [int(np.argmax(hit))] if hit.any() else []


def replay_parts(policy: trustlab.Policy, data: pd.DataFrame, cuts: list[int],
                 segments: tuple[str, ...] = SEGMENTS) -> list[tuple[pd.DataFrame, Replay]]:
    """Replay ``data`` in the parts between ``cuts`` as a stream does: the index set to row
    positions, the reviewer drawn from each part's offset, rate-limit counts carried."""
    state = GuardrailState()
    bounds = [0, *cuts, len(data)]
    out = []
    for start, stop in zip(bounds, bounds[1:]):
        part = data.iloc[start:stop].copy()
        part.index = pd.RangeIndex(start, stop)
        records = policy.apply(part, state=state)
        out.append((part, replay(policy, part, seed=SEED, records=records, offset=start,
                                 segments=segments, batch=True)))
    return out


def partials(parts, **kw) -> list[TrustPartial]:
    data = kw.pop("data", False)
    return [TrustPartial.of(r, window=WINDOW, **kw, **({"data": part} if data else {}))
            for part, r in parts]


def assert_same(got: TrustResult, want: TrustResult) -> None:
    pd.testing.assert_frame_equal(got.frame, want.frame, check_exact=True)
    pd.testing.assert_frame_equal(got.pairs, want.pairs, check_exact=True)
    assert (got.policy.identity, got.window, got.by, got.reversed_column, got._recorded) == (
        want.policy.identity, want.window, want.by, want.reversed_column, want._recorded)


class Run(NamedTuple):
    name: str
    policy: trustlab.Policy
    whole: Replay
    parts: list


@pytest.fixture(scope="module", params=["credit", "tight"])
def run(request) -> Run:
    """A policy replayed over the whole history and over its parts (cut as :func:`cuts_for`
    says, and just before the first overflowed decline)."""
    policy = request.getfixturevalue(request.param)
    whole = replay(policy, HISTORY, seed=SEED, segments=SEGMENTS)
    cuts = sorted(set(cuts_for(HISTORY) + overflow_cut(whole)))
    return Run(request.param, policy, whole, replay_parts(policy, HISTORY, cuts))


@pytest.fixture(scope="module")
def whole(credit) -> Replay:
    return replay(credit, HISTORY, seed=SEED, segments=SEGMENTS)


def test_the_cuts_split_windows_and_leave_a_one_row_part():
    """Check the test's own cuts: one part is a single row, and some cut falls inside a window."""
    cuts = cuts_for(HISTORY)
    assert 1 in np.diff(cuts)
    ns = HISTORY["decision_time"].to_numpy().astype("datetime64[ns]").view(np.int64)
    ids = window_ids(ns, read_window(WINDOW, "test", "window"))
    assert any(ids[c - 1] == ids[c] for c in cuts)


def test_parts_decide_as_the_whole(run):
    """Check the parts, replayed with carried counts, decide every row as the whole does."""
    pd.testing.assert_frame_equal(pd.concat([r.decisions for _, r in run.parts]),
                                  run.whole.decisions)
    overflowed = run.whole.decisions["guardrail"].notna().sum()
    assert (overflowed > 10) if run.name == "tight" else (overflowed == 0)
    if run.name == "tight":  # the limit binds inside parts: without its counts they would differ
        part = next(p for p, _ in run.parts if p.index[0] == overflow_cut(run.whole)[0])
        alone = replay(run.policy, part, seed=SEED, offset=int(part.index[0]), batch=True,
                       segments=SEGMENTS).decisions["action"]
        assert (alone != run.whole.decisions["action"].loc[alone.index]).any()


@pytest.mark.parametrize("kw", [
    {"by": "channel"},
    {},
    {"by": "channel", "reversed_column": "reversed", "data": True},
    {"reversed_column": "reversed", "data": True},
], ids=["by", "overall", "by-reversed", "reversed"])
def test_parts_merged_in_order_equal_the_whole(run, kw):
    """Check merged partials give trust_over_time's frame and pairs on the whole, exactly."""
    whole_kw = {k: (HISTORY if k == "data" else v) for k, v in kw.items()}
    want = trust_over_time(run.whole, window=WINDOW, **whole_kw)
    overall = want.frame[want.frame["segment"].isna()]
    assert overall.query("metric == 'alignment'")["value"].notna().all()  # compared
    assert len(want.pairs) > 0
    if "reversed_column" in kw:
        assert overall.query("metric == 'reversal_rate'")["value"].notna().all()

    parts = partials(run.parts, **kw)
    assert_same(reduce(TrustPartial.merge, parts).result(), want)


def test_any_grouping_or_order_gives_the_same_counts(run):
    """Check merge is associative and commutative: same sums, pairs and result every way."""
    parts = partials(run.parts, by="channel", reversed_column="reversed", data=True)
    in_order = reduce(TrustPartial.merge, parts)
    half = len(parts) // 2
    tree = reduce(TrustPartial.merge, parts[:half]).merge(reduce(TrustPartial.merge,
                                                                 parts[half:]))
    backwards = reduce(TrustPartial.merge, parts[::-1])
    shuffled = reduce(TrustPartial.merge, [parts[i] for i in
                                           np.random.default_rng(3).permutation(len(parts))])
    for other in (tree, backwards, shuffled):
        pd.testing.assert_frame_equal(other.sums, in_order.sums, check_exact=True)
        pd.testing.assert_series_equal(other.pairs, in_order.pairs, check_exact=True)
        assert_same(other.result(), in_order.result())


def test_a_segment_seen_in_later_parts_only_is_kept(credit, whole):
    """Check the broker channel, absent from the first part, is aligned by label, not position."""
    cut = int(np.argmax(HISTORY["channel"].to_numpy() == "broker"))
    parts = partials(replay_parts(credit, HISTORY, [cut - 5, cut + 40]), by="channel")
    labels = [sorted(p.sums.index.get_level_values("segment").unique()) for p in parts]
    assert labels[0] == ["branch", "online"] and "broker" in labels[2]
    got = reduce(TrustPartial.merge, parts).result()
    assert_same(got, trust_over_time(whole, window=WINDOW, by="channel"))
    broker = got.frame.query("segment == 'broker' and metric == 'decisions'")
    assert broker["value"].iloc[0] == 0 and len(broker) == got.frame["window_start"].nunique()


def test_an_empty_window_between_parts_is_present(credit):
    """Check a week with no decisions, between two parts, is in the result with its reasons."""
    t = HISTORY["decision_time"]
    gap = (t >= "2025-01-16") & (t < "2025-01-23")  # one 7-day window (they start on Thursdays)
    data = HISTORY[~gap].reset_index(drop=True)
    cut = int(np.argmax(data["decision_time"] >= "2025-01-23"))
    want = trust_over_time(replay(credit, data, seed=SEED, segments=SEGMENTS), window=WINDOW,
                           by="channel")
    parts = partials(replay_parts(credit, data, [cut]), by="channel")
    got = parts[0].merge(parts[1]).result()
    assert_same(got, want)
    empty = got.frame[got.frame["window_start"] == pd.Timestamp("2025-01-16")]
    assert len(empty) == len(got.frame) // got.frame["window_start"].nunique()
    assert (empty.query("metric == 'decisions'")["value"] == 0).all()
    assert (empty.query("metric == 'alignment'")["reason"] != "").all()


def test_a_part_without_rows_adds_nothing(credit, whole):
    """Check the partial of an empty part is a neutral element and has no windows of its own."""
    part = HISTORY.iloc[:0].copy()
    part.index = pd.RangeIndex(0, 0)
    empty = TrustPartial.of(replay(credit, part, seed=SEED, batch=True, segments=SEGMENTS),
                            window=WINDOW, by="channel")
    assert len(empty.result().frame) == 0 and len(empty.result().pairs) == 0
    full = TrustPartial.of(whole, window=WINDOW, by="channel")
    assert_same(empty.merge(full).result(), full.result())
    assert_same(full.merge(empty).result(), full.result())


def test_by_a_column_only_the_data_holds(credit):
    """Check ``by`` a column of the data, not of the replay, read from each part's data."""
    want = trust_over_time(replay(credit, HISTORY, seed=SEED, segments=()), window=WINDOW,
                           by="purpose", data=HISTORY)
    parts = partials(replay_parts(credit, HISTORY, cuts_for(HISTORY, n=2), segments=()),
                     by="purpose", data=True)
    assert_same(reduce(TrustPartial.merge, parts).result(), want)


def test_trust_over_time_is_the_partial_of_the_whole(whole):
    """Check trust_over_time and one partial's result agree on the whole history."""
    assert_same(TrustPartial.of(whole, window="1W", by="grade", data=HISTORY).result(),
                trust_over_time(whole, window="1W", by="grade", data=HISTORY))


def test_unlike_parts_are_refused(whole, tight):
    """Check parts made with another window, ``by`` or policy do not merge."""
    r = whole
    base = TrustPartial.of(r, window=WINDOW, by="channel")
    with pytest.raises(trustlab.DataError, match="window: .* only counts made alike add up"):
        base.merge(TrustPartial.of(r, window="1D", by="channel"))
    with pytest.raises(trustlab.DataError, match="by: 'channel' here, None in the other part"):
        base.merge(TrustPartial.of(r, window=WINDOW))
    with pytest.raises(trustlab.DataError, match="policy: "):
        base.merge(TrustPartial.of(replay(tight, HISTORY.iloc[:50]), window=WINDOW,
                                   by="channel"))
    with pytest.raises(trustlab.DataError, match="must be a TrustPartial"):
        base.merge(r)


def test_pickles_small_and_whole(credit, whole):
    """Check a partial survives plain pickle (as from a worker), without rows or compiled plan."""
    assert "plan" in credit._cache  # replaying compiled it: closures plain pickle refuses
    part = TrustPartial.of(whole, window=WINDOW, by="channel", reversed_column="reversed",
                           data=HISTORY)
    blob = pickle.dumps(part)
    back = pickle.loads(blob)
    assert_same(back.result(), part.result())
    assert back.policy.identity == credit.identity
    assert len(blob) < 40_000 < len(pickle.dumps(HISTORY))
    assert len(back.sums) == 6 * 2 + 3  # (window, channel) seen, not rows: broker from 20 Jan


def test_repr_names_policy_rows_and_windows(whole):
    """Check the repr says whose counts, of how many decisions, over which windows."""
    part = TrustPartial.of(whole, window=WINDOW, by="channel")
    assert repr(part) == (f"TrustPartial(consumer-credit-approval@1.2.0, decisions="
                          f"{len(HISTORY)}, windows=6 of 7D, by='channel')")
