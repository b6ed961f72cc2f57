"""The replay over a Dask DataFrame on a LocalCluster equals the in-memory replay."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.datasets import FeatureDrift, make_history
from trustlab.scale import replay as scaled_replay
from trustlab.simulate import replay, with_rate_limit
from _support import REPO
from test_scale_replay import assert_same

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def history():
    return make_history(n_days=60, applications_per_day=80, seed=8)


@pytest.fixture(scope="module")
def policy():
    return with_rate_limit(trustlab.load_policy(REPO / "policies" / "consumer-credit.yaml"),
                           "decline-rate-limit", 2)


@pytest.mark.slow
def test_cluster_replay_equals_in_memory(dask_client, policy, history, tmp_path):
    """Check metrics, checks and records from two workers equal the in-memory replay."""
    whole = replay(policy, history, seed=2)
    ddf = dd.from_pandas(history, npartitions=7, sort=False)
    got = scaled_replay(policy, ddf, client=dask_client, seed=2, out=tmp_path / "rec")
    assert got.rows == len(history)
    assert got.where == "7 Dask partitions on a distributed cluster"
    assert 7 <= got.parts <= 8  # re-cut at day boundaries: the last day of each goes on
    assert (whole.records["guardrail"] == "decline-rate-limit").sum() > 10
    assert_same(whole, got, got.records)


@pytest.mark.slow
def test_cluster_by_address_with_a_drift_brake(dask_client, tmp_path):
    """Check a scheduler address and a Parquet folder on a braked policy give the in-memory
    numbers, and the client opened from the address is closed again."""
    p = trustlab.load_policy(REPO / "policies" / "consumer-credit-braked.yaml")
    data = make_history(n_days=160, applications_per_day=30, seed=4,
                        scenarios=[FeatureDrift("2025-04-20")])
    for i, part in enumerate(np.array_split(np.arange(len(data)), 4)):
        data.iloc[part].to_parquet(tmp_path / f"h-{i}.parquet")
    whole = replay(p, data, seed=0)
    assert (whole.records["guardrail"] == "drift-brake").any()
    info = dask_client.scheduler_info()
    before = len(info["clients"]) if "clients" in info else None
    got = scaled_replay(p, tmp_path, client=dask_client.scheduler.address)
    assert_same(whole, got)
    if before is not None:
        assert len(dask_client.scheduler_info()["clients"]) == before


def test_unreachable_scheduler_is_named(policy, tmp_path):
    """Check an address nobody answers at gives a DataError naming it."""
    history = make_history(n_days=3, applications_per_day=20, seed=0)
    history.to_parquet(tmp_path / "h.parquet")
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}), \
            pytest.raises(trustlab.DataError, match="no Dask scheduler answered at "
                                                    "'tcp://127.0.0.1:9'"):
        scaled_replay(policy, tmp_path, client="tcp://127.0.0.1:9")


@pytest.mark.slow
def test_cluster_replay_of_a_history_read_from_csv(dask_client, policy, history, tmp_path):
    """Check a Parquet folder written from a history as pandas reads it from CSV (text as
    str, the yes/no label with gaps as object) replays on the cluster as in memory: Dask does
    not turn the label into 'True'/'False' text."""
    history.to_csv(tmp_path / "h.csv", index=False)
    data = pd.read_csv(tmp_path / "h.csv", parse_dates=["decision_time"])
    assert data["defaulted"].dtype == object and data["grade"].dtype == "str"
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, part in enumerate(np.array_split(np.arange(len(data)), 3)):
        data.iloc[part].to_parquet(folder / f"h-{i}.parquet")
    whole = replay(policy, data, seed=2)
    got = scaled_replay(policy, folder, client=dask_client, seed=2)
    assert_same(whole, got)
