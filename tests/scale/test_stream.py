"""Streamed replay equals the in-memory replay: metrics, checks and every decision record."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.datasets import make_history
from trustlab.scale import stream_replay
from trustlab.simulate import replay, with_rate_limit
from conftest import REPO


@pytest.fixture(scope="module")
def history():
    return make_history(n_days=90, applications_per_day=80, seed=6)


@pytest.fixture(scope="module")
def policy():
    # a tight rate limit so that batches cut through windows where it binds
    return with_rate_limit(trustlab.load_policy(REPO / "policies" / "consumer-credit.yaml"),
                           "decline-rate-limit", 4)


@pytest.fixture(scope="module")
def folder(history, tmp_path_factory):
    d = tmp_path_factory.mktemp("history")
    cuts = [0, 1000, 2500, 2501, 4100, len(history)]  # uneven files, one of a single row
    for i, (a, b) in enumerate(zip(cuts, cuts[1:])):
        history.iloc[a:b].to_parquet(d / f"part-{i:02d}.parquet")
    return d


@pytest.mark.parametrize("batch_rows", [97, 1000, 10**6])
def test_streamed_metrics_and_records_equal_in_memory(policy, history, folder, tmp_path,
                                                      batch_rows):
    """Check metrics, checks and records match an in-memory replay at any batch size."""
    whole = replay(policy, history, seed=3)
    s = stream_replay(policy, folder, batch_rows=batch_rows, seed=3, out=tmp_path / "rec")
    assert s.rows == len(history)
    a = whole.metrics.reset_index(drop=True)
    b = s.metrics.reset_index(drop=True)
    pd.testing.assert_frame_equal(a.drop(columns="value"), b.drop(columns="value"))
    assert np.allclose(a["value"], b["value"], rtol=1e-12, atol=0, equal_nan=True)
    pd.testing.assert_frame_equal(whole.checks, s.checks)
    assert (whole.records["guardrail"] == "decline-rate-limit").sum() > 10
    records = pd.read_parquet(s.records)
    for c in ("action", "rule", "guardrail", "reason", "policy_hash"):
        assert records[c].astype(object).fillna("").tolist() == \
            whole.records[c].astype(object).fillna("").tolist()


def test_refusals(policy, folder, tmp_path):
    """Check bad batch sizes, used output folders and drift brakes are refused clearly."""
    with pytest.raises(trustlab.DataError, match="batch_rows: must be a whole number"):
        stream_replay(policy, folder, batch_rows=0)
    used = tmp_path / "used"
    used.mkdir()
    (used / "x").write_text("x")
    with pytest.raises(trustlab.DataError, match="exists and is not empty"):
        stream_replay(policy, folder, out=used)
    with pytest.raises(trustlab.DataError, match="neither a Parquet file nor a folder"):
        stream_replay(policy, tmp_path / "nothing")
    braked = trustlab.load_policy(REPO / "policies" / "consumer-credit-braked.yaml")
    with pytest.raises(trustlab.DataError, match="drift brake is not yet carried"):
        stream_replay(braked, folder, batch_rows=500)


def test_batches_out_of_time_order_are_refused(policy, history, tmp_path):
    """Check a later batch that goes back in time is refused where a rate limit counts."""
    history.iloc[2000:].to_parquet(tmp_path / "a.parquet")
    history.iloc[:2000].to_parquet(tmp_path / "b.parquet")
    with pytest.raises(trustlab.DataError, match="feed batches in time order"):
        stream_replay(policy, tmp_path, batch_rows=5000)
