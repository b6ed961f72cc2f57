"""The merge rules: a history cut anywhere into parts gives, its parts' sums folded, the whole.

Every path through a large history counts parts and adds the counts up:
:class:`trustlab.metrics.MetricTotals` (a replay's metrics),
:class:`trustlab.trust.TrustPartial` (trust over time),
:class:`trustlab.drift.DriftCounts` (drift against a saved reference) and
:func:`trustlab.scale.replay` over Parquet parts. Hypothesis picks the cuts (none,
one row, inside a window, many) and the order and grouping of the fold; each
property must hold for all of them. Histories are small so the module runs in
seconds.
"""

from __future__ import annotations

from functools import reduce

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import trustlab
from trustlab import GuardrailState
from trustlab.datasets import FeatureDrift, make_history
from trustlab.drift import DriftCounts, Reference, drift_over_time
from trustlab.metrics import metric_table_from, metric_totals
from trustlab.simulate import replay
from trustlab.trust import TrustPartial, trust_over_time
from _support import CREDIT, write_cuts

SEED = 3
TIME = "decision_time"
HISTORY = make_history(n_days=21, applications_per_day=12, seed=5,
                       scenarios=[FeatureDrift("2025-01-12", "debt_to_income", 6.0)])
"""Three weeks, about 200 applications; debt-to-income drifts in the second week."""
N = len(HISTORY)
POLICY = trustlab.load_policy(CREDIT)
WHOLE = replay(POLICY, HISTORY, seed=SEED)

EXAMPLES = settings(max_examples=12, deadline=None)


@st.composite
def cuts(draw, n: int = N) -> list[int]:
    """Sorted cut positions in ``1..n-1``: none, a few, or a one-row part among many."""
    return sorted(draw(st.sets(st.integers(1, n - 1), max_size=8)))


def parts_of(n: int, at: list[int]) -> list[tuple[int, int]]:
    bounds = [0, *at, n]
    return list(zip(bounds, bounds[1:]))


def fold(parts: list, order: list[int], merge) -> object:
    """``parts`` merged in ``order``, grouped as a balanced tree (not left to right)."""
    items = [parts[i] for i in order]
    while len(items) > 1:
        items = [merge(items[i], items[i + 1]) if i + 1 < len(items) else items[i]
                 for i in range(0, len(items), 2)]
    return items[0]


@st.composite
def cuts_and_order(draw, n: int = N) -> tuple[list[int], list[int]]:
    at = draw(cuts(n))
    return at, draw(st.permutations(range(len(at) + 1)))


# ----------------------------------------------------------------------------- metric totals

@EXAMPLES
@given(cuts_and_order())
def test_metric_totals_of_parts_merge_to_the_whole(cut):
    """Check the totals of a replay's decisions cut anywhere, merged in any order and grouping,
    are the whole's, and read as the whole replay's metrics."""
    at, order = cut
    segments = ("channel", "grade")
    decisions = WHOLE.decisions
    whole = metric_totals(decisions, POLICY, segments)
    parts = [metric_totals(decisions.iloc[a:b], POLICY, segments) for a, b in parts_of(N, at)]
    merged = fold(parts, order, lambda x, y: x.merge(y))
    for key in whole.sums:
        pd.testing.assert_frame_equal(merged.sums[key], whole.sums[key], check_dtype=False)
        pd.testing.assert_series_equal(merged.human[key], whole.human[key], check_dtype=False)
    table = metric_table_from(merged, POLICY, WHOLE.window_span)
    mine = table[table["by"].isin([None, *segments])].reset_index(drop=True)
    theirs = metric_table_from(whole, POLICY, WHOLE.window_span)
    pd.testing.assert_frame_equal(mine, theirs)
    overall = theirs[theirs["by"].isna()].set_index("metric")["value"]
    assert overall["decisions"] == N
    assert overall["automation_rate"] == WHOLE.metric("automation_rate")


# ----------------------------------------------------------------------------- trust partials

def replay_part(start: int, stop: int, state: GuardrailState):
    """Rows ``start:stop`` replayed as a stream replays a batch: index = row positions, the
    reviewer drawn from the part's offset, rate-limit and brake counts carried in ``state``."""
    part = HISTORY.iloc[start:stop].copy()
    part.index = pd.RangeIndex(start, stop)
    return replay(POLICY, part, seed=SEED, records=POLICY.apply(part, state=state),
                  offset=start, segments=("channel",), batch=True)


@EXAMPLES
@given(cuts_and_order())
def test_trust_partials_of_parts_merge_to_trust_over_time(cut):
    """Check trust counted part by part, merged in any order and grouping, is trust over time
    of the whole replay: every window, segment, ratio and compared pair."""
    at, order = cut
    state = GuardrailState()
    parts = [TrustPartial.of(replay_part(a, b, state), window="7D", by="channel")
             for a, b in parts_of(N, at)]
    got = fold(parts, order, lambda x, y: x.merge(y)).result()
    want = trust_over_time(WHOLE, window="7D", by="channel")
    pd.testing.assert_frame_equal(got.frame, want.frame)
    pd.testing.assert_frame_equal(got.pairs, want.pairs)


# ----------------------------------------------------------------------------- drift counts

DRIFT_COLUMNS = ["debt_to_income", "loan_amount", "channel", "grade", "p_default"]
REFERENCE = Reference.from_data(HISTORY[HISTORY[TIME] < "2025-01-08"], DRIFT_COLUMNS, time=TIME,
                                window="1W")
WHOLE_COUNTS = DriftCounts.of(HISTORY, REFERENCE, time=TIME, window="1W")


@EXAMPLES
@given(cuts_and_order())
def test_drift_counts_of_parts_merge_to_the_whole(cut):
    """Check drift counts of parts, merged in any order and grouping, are the whole's counts,
    and read as the in-memory drift (PSI and JS exactly)."""
    at, order = cut
    parts = [DriftCounts.of(HISTORY.iloc[a:b], REFERENCE, time=TIME, window="1W")
             for a, b in parts_of(N, at)]
    merged = fold(parts, order, lambda x, y: x.merge(y))
    assert np.array_equal(merged.ids, WHOLE_COUNTS.ids)
    assert np.array_equal(merged.rows, WHOLE_COUNTS.rows)
    for x, y in zip(merged.bins + merged.fine, WHOLE_COUNTS.bins + WHOLE_COUNTS.fine):
        assert x.dtype == y.dtype == np.int64 and np.array_equal(x, y)
    got = merged.result(metrics=("psi", "js")).frame
    want = drift_over_time(HISTORY, REFERENCE, time=TIME, window="1W", metrics=("psi", "js")).frame
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))


# ----------------------------------------------------------------------------- scale.replay

@settings(max_examples=6, deadline=None)
@given(at=cuts(), batch_rows=st.integers(25, N + 10))
def test_replay_of_parquet_parts_is_the_in_memory_replay(tmp_path_factory, at, batch_rows):
    """Check a replay streamed from Parquet files cut anywhere, read in batches of any size,
    gives the in-memory replay's rows, metrics, checks and verdict."""
    from trustlab.scale import replay as scaled_replay

    folder = write_cuts(HISTORY, tmp_path_factory.mktemp("parts"), at)
    got = scaled_replay(POLICY, folder, batch_rows=batch_rows, seed=SEED)
    assert got.rows == N
    a, b = WHOLE.metrics.reset_index(drop=True), got.metrics.reset_index(drop=True)
    pd.testing.assert_frame_equal(a.drop(columns="value"), b.drop(columns="value"))
    assert np.allclose(a["value"], b["value"], rtol=1e-12, atol=0, equal_nan=True)
    pd.testing.assert_frame_equal(WHOLE.checks, got.checks)
    assert got.verdict == WHOLE.verdict


def test_the_history_exercises_what_the_rules_merge():
    """Check the small history has what the properties need: several windows, several
    segments, compared decisions, reviews, and drift the counts see."""
    assert WHOLE.decisions["window"].nunique() > 14
    assert HISTORY["channel"].nunique() >= 2
    assert WHOLE.decisions["recorded_action"].notna().sum() > 20
    assert (~WHOLE.decisions["automated"]).sum() > 20
    assert len(WHOLE_COUNTS.ids) >= 3
    with pytest.raises(trustlab.DataError):
        WHOLE_COUNTS.merge(DriftCounts.of(HISTORY, REFERENCE, time=TIME, window="1D"))
