"""Drift counts: any split of a history adds up to the whole, and reads as the in-memory drift."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.drift import Reference, drift_over_time
from trustlab.drift._partial import DriftCounts, fine_codes, fine_edges, ks_from_fine
from _support import DRIFT_COLUMNS, drifting_history

TIME = "decision_time"
COLUMNS = DRIFT_COLUMNS
CONTINUOUS = ["annual_income", "p_default"]  # not on any grid: KS is binned


@pytest.fixture(scope="module")
def drifting():
    return drifting_history(seed=3)


@pytest.fixture(scope="module")
def history(drifting):
    return drifting[0]


@pytest.fixture(scope="module")
def reference(drifting):
    return drifting[1]


@pytest.fixture(scope="module")
def whole(history, reference):
    return DriftCounts.of(history, reference, time=TIME)


def assert_same_counts(a: DriftCounts, b: DriftCounts) -> None:
    assert np.array_equal(a.ids, b.ids) and a.ids.dtype == b.ids.dtype == np.int64
    assert np.array_equal(a.rows, b.rows)
    assert len(a.bins) == len(b.bins) and len(a.fine) == len(b.fine)
    for x, y in zip(a.bins + a.fine, b.bins + b.fine):
        assert x.shape == y.shape and x.dtype == y.dtype == np.int64 and np.array_equal(x, y)


@pytest.mark.parametrize("seed", range(6))
def test_any_split_merges_to_the_whole(history, reference, whole, seed):
    """Check parts cut at random rows (inside windows, one a single row) add up exactly.

    In time order, in reverse order and grouped as a tree: windows are matched by id.
    """
    rng = np.random.default_rng(seed)
    n = len(history)
    cuts = set(rng.choice(np.arange(1, n), size=rng.integers(1, 12), replace=False).tolist())
    single = int(rng.integers(1, n - 1))
    cuts = sorted(cuts | {single, single + 1})  # one part of a single row
    bounds = [0, *cuts, n]
    parts = [DriftCounts.of(history.iloc[a:b], reference, time=TIME)
             for a, b in zip(bounds[:-1], bounds[1:])]
    assert any(int(p.rows.sum()) == 1 for p in parts)
    forward = parts[0]
    for p in parts[1:]:
        forward = forward.merge(p)
    backward = parts[-1]
    for p in parts[-2::-1]:
        backward = backward.merge(p)
    tree = list(parts)
    while len(tree) > 1:
        tree = [tree[i].merge(tree[i + 1]) if i + 1 < len(tree) else tree[i]
                for i in range(0, len(tree), 2)]
    for got in (forward, backward, tree[0]):
        assert_same_counts(got, whole)


def test_shuffled_rows_and_empty_parts(history, reference, whole):
    """Check rows in any order count the same, and an empty part adds nothing."""
    shuffled = history.sample(frac=1.0, random_state=1)
    a = DriftCounts.of(shuffled.iloc[:3000], reference, time=TIME)
    b = DriftCounts.of(shuffled.iloc[3000:], reference, time=TIME)
    empty = DriftCounts.of(history.iloc[:0], reference, time=TIME)
    assert len(empty.ids) == 0
    assert_same_counts(empty.merge(b).merge(a).merge(empty), whole)


@pytest.mark.parametrize("levels", ["fixed", "learned"])
def test_result_equals_in_memory_drift(history, reference, whole, levels):
    """Check PSI, JS and chi-square equal drift_over_time's to 1e-12 with the same statuses,
    and KS lies within its stated bound of the exact KS."""
    exact = drift_over_time(history, reference, time=TIME, levels=levels)
    got = whole.result(levels=levels)
    a, b = exact.frame, got.frame
    pd.testing.assert_frame_equal(a.drop(columns=["value", "status"]),
                                  b.drop(columns=["value", "status"]))
    ks = (a["metric"] == "ks").to_numpy()
    assert np.allclose(a["value"][~ks], b["value"][~ks], rtol=0, atol=1e-12, equal_nan=True)
    assert (a["status"][~ks] == b["status"][~ks]).all()
    assert got.levels == levels and got.fine_bins == 1000
    # KS: never above the exact one, and short of it by at most the window's bound
    bound = b[ks].merge(got.ks_error, on=["window_start", "column"], how="left")["error_bound"]
    short = a["value"][ks].to_numpy() - b["value"][ks].to_numpy()
    assert bound.notna().all()
    assert (short >= -1e-12).all() and (short <= bound.to_numpy() + 1e-12).all()
    assert got.ks_error["error_bound"].max() < 0.01
    # columns whose values all lie on the grid (amounts, counts, rounded years) are exact
    on_grid = ~b[ks]["column"].isin(CONTINUOUS).to_numpy()
    assert np.allclose(short[on_grid], 0, atol=1e-12)
    assert (a["status"][ks] == b["status"][ks]).mean() > 0.95
    assert "KS from 1,000 fine bins; error at most 0.00" in got._repr_html_()
    assert exact.fine_bins is None and exact.ks_method == "KS exact"


def test_bound_is_at_most_the_largest_fine_bin_share(history, reference, whole):
    """Check each bound is at most the largest share of a fine gap in the window or reference."""
    res = whole.result(metrics=["ks"])
    for i, c in enumerate(reference.columns):
        if c.name not in CONTINUOUS:
            continue
        edges = fine_edges(c.sorted_values, 1000)
        assert 500 < len(edges) <= 1001
        ref_counts = np.bincount(fine_codes(edges, c.sorted_values), minlength=2 * len(edges) + 1)
        gaps = ref_counts[0::2] / ref_counts.sum()
        assert gaps.max() < 1 / 1000 and gaps[0] == gaps[-1] == 0
        w = whole.fine[i]
        simple = np.maximum(gaps, w[:, 0::2] / w.sum(axis=1, keepdims=True)).max(axis=1)
        _, bound = ks_from_fine(w, ref_counts)
        assert (bound <= simple + 1e-15).all()
        got = res.ks_error[res.ks_error["column"] == c.name]["error_bound"].to_numpy()
        assert np.array_equal(got, bound)


def test_ks_from_fine_by_hand():
    """Check a window beyond the reference's largest value has an exact KS (no error there)."""
    ref = np.array([0, 1, 1, 1, 1, 0, 0])  # values 1, 2, 3, 4 on the grid [1, 2, 3]: 4 is above
    ks, bound = ks_from_fine(np.array([[0, 0, 0, 0, 0, 0, 4], [0, 0, 0, 0, 0, 0, 0]]), ref)
    assert ks[0] == 1.0 and bound[0] == 0.0
    assert np.isnan(ks[1]) and np.isnan(bound[1])
    assert fine_codes(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2, 3, 4])).tolist() == [1, 3, 5, 6]


def test_refusals(history, reference, whole):
    """Check a missing column, another reference, bad fine bins and KS without fine bins."""
    with pytest.raises(trustlab.DataError, match="lacks the reference's columns grade"):
        DriftCounts.of(history.drop(columns="grade"), reference, time=TIME)
    with pytest.raises(trustlab.DataError, match="time: names column 'when'"):
        DriftCounts.of(history, reference, time="when")
    with pytest.raises(trustlab.ParameterError, match="'fine_bins' argument .* must be None or a whole number"):
        DriftCounts.of(history, reference, time=TIME, fine_bins=0)
    with pytest.raises(trustlab.ParameterError, match="'reference' argument .* must be a Reference"):
        DriftCounts.of(history, {"first": "90D"}, time=TIME)
    other = Reference.from_data(history.iloc[:500], COLUMNS)
    with pytest.raises(trustlab.DataError, match="counts against another reference"):
        whole.merge(DriftCounts.of(history.iloc[:10], other, time=TIME))
    with pytest.raises(trustlab.DataError, match="counts against another"):
        whole.merge(DriftCounts.of(history.iloc[:10], reference, time=TIME, window="1D"))
    bare = DriftCounts.of(history, reference, time=TIME, fine_bins=None)
    with pytest.raises(trustlab.DataError, match="no fine bins"):
        bare.result()
    assert bare.result(metrics=["psi"]).fine_bins is None
