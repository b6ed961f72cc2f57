"""A replay's sums are counted over states and crossed segments: the same numbers every way.

:func:`trustlab.metrics.metric_totals` counts rows by (crossed segments, state)
in one bincount when the cells are few, else one column at a time; columns a
replay needs are coded once, on several threads when long. None of that may
change a number: each fast path is pinned here against the other and against
sums written out row by row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab import _codes
from trustlab.datasets import make_history
from trustlab.metrics import _sums, indicators, metric_totals
from trustlab.simulate import replay

from _support import text_with_gaps
from tests.engine.test_text_dtypes import POLICY


@pytest.fixture(scope="module")
def policy():
    return trustlab.parse_policy(POLICY)


@pytest.fixture(scope="module")
def history():
    """Text as pandas' default strings with gaps, a nullable-int and a float segment."""
    h = text_with_gaps(make_history(n_days=40, applications_per_day=50, seed=11),
                       ("channel", "grade", "purpose"), 0.04, seed=1, dtype="string[pyarrow]")
    rng = np.random.default_rng(1)
    h["underwriter_decision"] = h["underwriter_decision"].astype("str")
    h["branch"] = pd.array(rng.integers(0, 4, len(h)), dtype="Int64")
    h.loc[rng.random(len(h)) < 0.03, "branch"] = pd.NA
    h["band"] = np.round(rng.random(len(h)), 1).astype("float32")
    return h


SEGMENTS = ("grade", "channel", "purpose", "branch", "band")


@pytest.fixture(scope="module")
def replayed(policy, history):
    return replay(policy, history, segments=SEGMENTS)


def _by_rows(frame: pd.DataFrame, policy, column: str | None) -> pd.DataFrame:
    """The indicator sums of each segment, summed row by row with pandas (the reference)."""
    ind = indicators(frame, policy.action_names)
    if column is None:
        return ind.sum().to_frame("(all)").T
    key = frame[column].astype(object).where(frame[column].notna(), _sums.MISSING_SEGMENT)
    return ind.groupby(key.to_numpy(), sort=True).sum()


def test_crossed_counts_equal_row_by_row_sums(replayed, policy):
    """Check that every segment's sums equal a groupby over the rows' indicators."""
    totals = metric_totals(replayed.decisions, policy, SEGMENTS)
    for column in (None, *SEGMENTS):
        want = _by_rows(replayed.decisions, policy, column)
        got = totals.sums[column]
        np.testing.assert_array_equal(got.index.astype(str), want.index.astype(str))
        pd.testing.assert_frame_equal(got.reset_index(drop=True), want[got.columns]
                                      .reset_index(drop=True), check_exact=False, rtol=1e-12)


def test_crossed_and_column_by_column_counts_agree(replayed, policy, monkeypatch):
    """Check that the per-column path (too many crossed cells) gives the same totals."""
    crossed = metric_totals(replayed.decisions, policy, SEGMENTS)
    monkeypatch.setattr(_sums, "_MAX_CELLS", 0)
    single = metric_totals(replayed.decisions, policy, SEGMENTS)
    for column in crossed.sums:
        pd.testing.assert_frame_equal(crossed.sums[column], single.sums[column],
                                      check_exact=False, rtol=1e-12)
        pd.testing.assert_series_equal(crossed.human[column], single.human[column])


def test_human_reviews_by_window_equal_a_groupby(replayed, policy):
    """Check the (segment, window) counts of human decisions against pandas."""
    d = replayed.decisions
    totals = metric_totals(d, policy, ("grade",))
    human = d[~d["automated"]]
    key = human["grade"].astype(object).where(human["grade"].notna(), _sums.MISSING_SEGMENT)
    want = human.groupby([key.to_numpy(), human["window"].to_numpy()]).size()
    got = totals.human["grade"]
    assert got.to_dict() == {k: float(v) for k, v in want.items()}


def test_no_rows_give_zero_sums(replayed, policy):
    """Check that an empty frame still has its (all) row of zeros."""
    totals = metric_totals(replayed.decisions.iloc[:0], policy, ("grade",))
    assert totals.sums[None]["rows"].tolist() == [0.0]
    assert len(totals.sums["grade"]) == 0


def test_columns_coded_on_threads_equal_one_at_a_time(history, monkeypatch):
    """Check that coding columns in parallel gives the codes of coding each alone."""
    names = ["grade", "channel", "branch", "band", "defaulted", "grade"]
    monkeypatch.setattr(_codes, "PARALLEL_ROWS", 0)
    monkeypatch.setenv("TRUSTLAB_THREADS", "2")
    both = _codes.code_columns(history, names)
    assert list(both) == ["grade", "channel", "branch", "band", "defaulted"]
    for name, coded in both.items():
        alone = _codes.code(history[name])
        np.testing.assert_array_equal(coded.codes, alone.codes)
        assert coded.values == alone.values


def test_replay_with_threads_equals_replay_without(policy, history, monkeypatch):
    """Check that a replay that codes its columns on threads measures the same."""
    monkeypatch.setenv("TRUSTLAB_THREADS", "1")
    one = replay(policy, history, segments=SEGMENTS)
    monkeypatch.setattr(_codes, "PARALLEL_ROWS", 0)
    monkeypatch.setenv("TRUSTLAB_THREADS", "2")
    two = replay(policy, history, segments=SEGMENTS)
    pd.testing.assert_frame_equal(one.metrics, two.metrics)
    pd.testing.assert_frame_equal(one.decisions, two.decisions)


def test_a_segment_of_very_many_values_is_summed_alike(replayed, policy, monkeypatch):
    """Check the sparse sums of a segment column with too many values to count every
    (segment, state) or (segment, window) cell: equal to the dense ones, key column too."""
    d = replayed.decisions.assign(key=np.arange(len(replayed.decisions)) % 997)
    dense = metric_totals(d, policy, ("grade", "key"))
    monkeypatch.setattr(_sums, "_MAX_CELLS", 5_000)  # 997 keys x the states / windows
    sparse = metric_totals(d, policy, ("grade", "key"))
    for column in (None, "grade", "key"):
        pd.testing.assert_frame_equal(sparse.sums[column], dense.sums[column],
                                      check_exact=False, rtol=1e-12)
        pd.testing.assert_series_equal(sparse.human[column], dense.human[column],
                                       check_index_type=False)
