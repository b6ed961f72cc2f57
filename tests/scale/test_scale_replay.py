"""A replay in parts equals the in-memory replay: metrics, checks and every decision record."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.datasets import FeatureDrift, make_history
from trustlab.scale import replay as scaled_replay
from trustlab.simulate import replay, with_rate_limit
from _support import REPO, write_cuts

dd = pytest.importorskip("dask.dataframe")


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
    write_cuts(history, d, [1000, 2500, 2501, 4100])  # uneven files, one of a single row
    return d


def assert_same(whole, got, records_folder=None) -> None:
    """Metrics (to addition order), checks, trust and records of a replay in parts equal
    ``whole``'s."""
    from trustlab.trust import trust_over_time

    t = trust_over_time(whole, window="7D")
    pd.testing.assert_frame_equal(t.frame, got.trust.frame)
    pd.testing.assert_frame_equal(t.pairs, got.trust.pairs)
    a, b = whole.metrics.reset_index(drop=True), got.metrics.reset_index(drop=True)
    pd.testing.assert_frame_equal(a.drop(columns="value"), b.drop(columns="value"))
    assert np.allclose(a["value"], b["value"], rtol=1e-12, atol=0, equal_nan=True)
    pd.testing.assert_frame_equal(whole.checks, got.checks)
    if records_folder is not None:
        records = pd.read_parquet(records_folder)
        for c in ("action", "rule", "guardrail", "reason", "policy_hash"):
            assert records[c].astype(object).fillna("").tolist() == \
                whole.records[c].astype(object).fillna("").tolist(), c


@pytest.mark.parametrize("batch_rows", [97, 1000, 10**6])
@pytest.mark.slow  # streams 7,200 rows in small batches: 8-20 s
def test_streamed_equals_in_memory(policy, history, folder, tmp_path, batch_rows):
    """Check metrics, checks and records match an in-memory replay at any batch size."""
    whole = replay(policy, history, seed=3)
    s = scaled_replay(policy, folder, batch_rows=batch_rows, seed=3, out=tmp_path / "rec")
    assert s.rows == len(history) and s.parts >= 1
    assert (whole.records["guardrail"] == "decline-rate-limit").sum() > 10
    assert_same(whole, s, s.records)
    assert "Parquet file(s) streamed" in s._repr_html_()


def test_parts_hold_whole_rate_limit_windows(policy, folder):
    """Check no rate-limit window (a day) is split between two parts, however batches fall."""
    from trustlab.scale._run import fold_partials, source_of

    def days(part):
        return [tuple(part["decision_time"].dt.floor("D").unique())]

    src = source_of(folder, batch_rows=97, caller="test")
    got, rows, k = fold_partials(src, days, lambda a, b: a + b, time="decision_time",
                                 align=(policy.guardrails[0].per,), caller="test")
    assert k == len(got) > 50
    seen = [d for part in got for d in part]
    assert len(seen) == len(set(seen))  # each day in exactly one part


@pytest.mark.slow  # streams 7,200 rows in small batches: 8-20 s
def test_drift_brake_in_parts_equals_in_memory(tmp_path):
    """Check a braked policy replayed in parts brakes the same windows with the same reasons."""
    p = trustlab.load_policy(REPO / "policies" / "consumer-credit-braked.yaml")
    data = make_history(n_days=200, applications_per_day=40, seed=5,
                        scenarios=[FeatureDrift("2025-05-01")])
    whole = replay(p, data, seed=1)
    assert (whole.records["guardrail"] == "drift-brake").sum() > 100
    write_cuts(data, tmp_path / "h", [700, 701, 3000, 5100])
    s = scaled_replay(p, tmp_path / "h", batch_rows=333, seed=1, out=tmp_path / "rec")
    assert_same(whole, s, s.records)
    assert len(s.brakes["drift-brake"].ids) > 3
    ddf = dd.from_pandas(data, npartitions=6, sort=False)
    assert_same(whole, scaled_replay(p, ddf, seed=1))


@pytest.mark.parametrize("reference", [{"rows": 1500}, "file"])
def test_brake_references_by_rows_and_file(tmp_path, reference):
    """Check brakes with a row-count reference and a saved reference file decide as in memory."""
    from dataclasses import replace

    from trustlab.drift import Reference
    from trustlab.policy import DriftReference
    from trustlab.policy._load import rehash

    p = trustlab.load_policy(REPO / "policies" / "consumer-credit-braked.yaml")
    data = make_history(n_days=150, applications_per_day=40, seed=9,
                        scenarios=[FeatureDrift("2025-04-01")])
    brake = p.guardrails[1]
    if reference == "file":
        path = Reference.from_data(data.iloc[:2000], list(brake.watch)).save(tmp_path / "r.npz")
        spec = DriftReference(file=str(path))
    else:
        spec = DriftReference(rows=reference["rows"])
    p = rehash(p, guardrails=(p.guardrails[0], replace(brake, reference=spec)))
    whole = replay(p, data)
    assert (whole.records["guardrail"] == "drift-brake").any()
    write_cuts(data, tmp_path / "h", [900, 1400, 3333])
    assert_same(whole, scaled_replay(p, tmp_path / "h", batch_rows=250))


def test_refusals(policy, folder, history, tmp_path):
    """Check bad batch sizes, used output folders, bad paths and unordered rows are refused."""
    with pytest.raises(trustlab.DataError, match="batch_rows: must be a whole number"):
        scaled_replay(policy, folder, batch_rows=0)
    used = tmp_path / "used"
    used.mkdir()
    (used / "x").write_text("x")
    with pytest.raises(trustlab.DataError, match="exists and is not empty"):
        scaled_replay(policy, folder, out=used)
    with pytest.raises(trustlab.DataError, match="neither a Parquet file nor a folder"):
        scaled_replay(policy, tmp_path / "nothing")
    with pytest.raises(trustlab.DataError, match="a Parquet file or folder, or a Dask DataFrame"):
        scaled_replay(policy, history)
    write_cuts(pd.concat([history.iloc[2000:], history.iloc[:2000]]), tmp_path / "late", [4000])
    with pytest.raises(trustlab.DataError, match="rows are not in time order"):
        scaled_replay(policy, tmp_path / "late", batch_rows=5000)
    shuffled = pd.concat([history.iloc[3000:], history.iloc[:3000]])
    with pytest.raises(trustlab.DataError, match="rows are not in time order"):
        scaled_replay(policy, dd.from_pandas(shuffled, npartitions=2, sort=False))
