"""Sweeps and band grids over a history in parts equal the in-memory ones on the same grid."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.datasets import make_history
from trustlab.scale import band_grid as scaled_grid
from trustlab.scale import sweep_resolution
from trustlab.scale import threshold_sweep as scaled_sweep
from trustlab.simulate import band_grid, threshold_sweep, with_rate_limit
from _support import REPO, write_cuts

dd = pytest.importorskip("dask.dataframe")


@pytest.fixture(scope="module")
def history():
    return make_history(n_days=75, applications_per_day=70, seed=11)


@pytest.fixture(scope="module")
def policy():
    # a tight decline limit, so that the high-risk sweep moves a capped action
    return with_rate_limit(trustlab.load_policy(REPO / "policies" / "consumer-credit.yaml"),
                           "decline-rate-limit", 5)


@pytest.fixture(scope="module")
def folder(history, tmp_path_factory):
    return write_cuts(history, tmp_path_factory.mktemp("history"), [800, 801, 2600, 3900])


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("rule", ["low-risk", "high-risk"])
def test_sweep_in_parts_equals_in_memory_on_the_grid(policy, history, folder, rule):
    """Check every grid threshold reports what the in-memory sweep reports there, streamed and on
    Dask, with and without a rate limit on the moved action."""
    grid = np.linspace(0, 1, 201)
    whole = threshold_sweep(policy, history, rule, thresholds=grid, seed=4)
    streamed = scaled_sweep(policy, folder, rule, seed=4, batch_rows=333)
    assert streamed.method.startswith("201 thresholds 0.005 apart over [0, 1]")
    _same(whole.frame, streamed.frame)
    assert whole.best["threshold"] == streamed.best["threshold"]
    on_dask = scaled_sweep(policy, dd.from_pandas(history, npartitions=5, sort=False), rule,
                           thresholds=grid, seed=4)
    _same(whole.frame, on_dask.frame)
    if rule == "high-risk":
        assert "rate limit 'decline-rate-limit' caps" in whole.method


def test_grid_resolution_error_is_small(policy, history, folder):
    """Check the best value on the 0.005 grid is within 1% of the exact best over every distinct
    score (what the grid's resolution costs)."""
    exact = threshold_sweep(policy, history, "low-risk", seed=4)
    gridded = scaled_sweep(policy, folder, "low-risk", seed=4)
    assert len(exact.frame) > 1000
    gap = exact.best["value_total"] - gridded.best["value_total"]
    assert 0 <= gap <= 0.01 * abs(exact.best["value_total"])
    assert abs(exact.best["threshold"] - gridded.best["threshold"]) <= 0.02
    table = sweep_resolution(exact, gridded).set_index("quantity")
    assert table.at["best value_total", "difference"] == -gap
    assert table.at["best threshold", "resolution"] == pytest.approx(0.005)


def test_band_grid_in_parts_equals_in_memory(policy, history, folder):
    """Check values, peak review loads, feasibility and the optimum match the in-memory grid."""
    ta, td = np.linspace(0.02, 0.2, 10), np.linspace(0.2, 0.6, 9)
    kw = dict(approve_thresholds=ta, decline_thresholds=td, capacity=25, seed=1)
    whole = band_grid(policy, history, "low-risk", "high-risk", **kw)
    streamed = scaled_grid(policy, folder, "low-risk", "high-risk", batch_rows=450, **kw)
    _same(whole.frame, streamed.frame)
    assert whole.frame["feasible"].any() and not whole.frame["feasible"].all()
    pd.testing.assert_series_equal(whole.optimum, streamed.optimum, check_exact=False)
    on_dask = scaled_grid(policy, dd.from_pandas(history, npartitions=4, sort=False),
                          "low-risk", "high-risk", **kw)
    _same(whole.frame, on_dask.frame)


def test_refusals(policy, folder):
    """Check a non-probability column without thresholds, bad thresholds and brakes are refused."""
    with pytest.raises(trustlab.DataError, match="thresholds: is needed: 'debt_to_income' is not"
                                                 " a probability"):
        scaled_sweep(policy, folder, "low-risk", column="debt_to_income")
    with pytest.raises(trustlab.DataError, match="thresholds: must be one or more finite"):
        scaled_sweep(policy, folder, "low-risk", thresholds=[0.1, np.nan])
    braked = trustlab.load_policy(REPO / "policies" / "consumer-credit-braked.yaml")
    with pytest.raises(trustlab.DataError, match="drift_brake 'drift-brake' is not applied"):
        scaled_sweep(braked, folder, "low-risk")
    with pytest.raises(trustlab.PolicyError, match="two different rules"):
        scaled_grid(policy, folder, "low-risk", "low-risk")
