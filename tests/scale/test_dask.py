"""The replay over a Dask DataFrame on a LocalCluster equals the in-memory replay."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.datasets import make_history
from trustlab.scale import dask_replay
from trustlab.simulate import replay, with_rate_limit
from conftest import REPO

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    """Two worker processes on loopback (generous timeouts: CI machines are shared)."""
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "120s",
                          "distributed.comm.timeouts.tcp": "120s"}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           host="127.0.0.1", dashboard_address=None,
                                           timeout="120s")
        c = distributed.Client(cluster, timeout="120s")
        yield c
        c.close()
        cluster.close()


@pytest.fixture(scope="module")
def history():
    return make_history(n_days=60, applications_per_day=80, seed=8)


@pytest.fixture(scope="module")
def policy():
    return with_rate_limit(trustlab.load_policy(REPO / "policies" / "consumer-credit.yaml"),
                           "decline-rate-limit", 2)


@pytest.mark.slow
def test_cluster_replay_equals_in_memory(client, policy, history, tmp_path):
    """Check metrics, checks and records from two workers equal the in-memory replay."""
    whole = replay(policy, history, seed=2)
    ddf = dd.from_pandas(history, npartitions=7, sort=False)
    got = dask_replay(policy, ddf, client=client, seed=2, out=tmp_path / "rec")
    assert got.rows == len(history) and got.batches == 7
    a, b = whole.metrics.reset_index(drop=True), got.metrics.reset_index(drop=True)
    pd.testing.assert_frame_equal(a.drop(columns="value"), b.drop(columns="value"))
    assert np.allclose(a["value"], b["value"], rtol=1e-12, atol=0, equal_nan=True)
    pd.testing.assert_frame_equal(whole.checks, got.checks)
    assert (whole.records["guardrail"] == "decline-rate-limit").sum() > 10
    records = pd.read_parquet(tmp_path / "rec")
    assert records["action"].tolist() == whole.records["action"].astype(str).tolist()


def test_threads_and_refusals(policy, history):
    """Check the local scheduler gives the same numbers, and out-of-order partitions are refused."""
    whole = replay(policy, history, seed=0)
    got = dask_replay(policy, dd.from_pandas(history, npartitions=3, sort=False))
    assert np.allclose(whole.metrics["value"], got.metrics["value"], equal_nan=True)
    shuffled = pd.concat([history.iloc[3000:], history.iloc[:3000]])
    with pytest.raises(trustlab.DataError, match="partitions are not in time order"):
        dask_replay(policy, dd.from_pandas(shuffled, npartitions=2, sort=False))
    braked = trustlab.load_policy(REPO / "policies" / "consumer-credit-braked.yaml")
    with pytest.raises(trustlab.DataError, match="drift brake is not yet carried"):
        dask_replay(braked, dd.from_pandas(history, npartitions=2, sort=False))
