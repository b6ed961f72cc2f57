"""A review whose whole history is replayed in parts on a Dask cluster."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab._cli import main
from trustlab.datasets import make_history
from trustlab.review import assess_on_cluster
from trustlab.simulate import replay
from trustlab.metrics._sums import activity_counts
from _support import REPO

PSI = ["max_signal_psi", "max_feature_psi"]


@pytest.fixture(scope="module")
def history():
    return make_history(n_days=120, applications_per_day=50, seed=12)


@pytest.fixture(scope="module")
def folder(history, tmp_path_factory):
    d = tmp_path_factory.mktemp("history")
    for i, rows in enumerate(np.array_split(np.arange(len(history)), 5)):
        history.iloc[rows].to_parquet(d / f"part-{i}.parquet")
    return d


def test_whole_history_numbers_and_recent_detail(history, folder, tmp_path):
    """Check the verdict, metrics, checks, activity and records cover every row, while the
    detail sections describe the most recent rows, and the report and metrics.json say so."""
    policy = trustlab.load_policy(REPO / "policies" / "consumer-credit.yaml")
    review = assess_on_cluster(policy, folder, client=None, out=tmp_path, recent_rows=1500,
                               bootstrap=20, cases=2, data_name="history")
    whole = replay(policy, history)
    a = whole.metrics[~whole.metrics["metric"].isin(PSI)].reset_index(drop=True)
    b = review.whole.metrics[~review.whole.metrics["metric"].isin(PSI)].reset_index(drop=True)
    assert np.allclose(a["value"], b["value"], rtol=1e-12, equal_nan=True)
    m = review.whole.metrics
    psi = m[(m["metric"] == "max_signal_psi") & m["by"].isna()].iloc[0]
    assert psi["reason"] == "measured on the most recent 1,500 rows" and psi["value"] > 0
    assert len(review.records) == 1500 and review.rows == len(history)
    expected = activity_counts(whole.records)
    got = review._activity()
    merged = expected.merge(got, on=["rule", "rule_action", "action", "guardrail"], how="outer")
    assert (merged["decisions_x"] == merged["decisions_y"]).all()
    assert review.rule_activity()["decisions"].sum() == len(history)
    metrics_file, decisions = review.write(tmp_path)
    assert len(pd.read_parquet(decisions)) == len(history)
    doc = json.loads(metrics_file.read_text())
    assert doc["data"]["rows"] == len(history) and doc["detail"]["rows"] == 1500
    assert doc["verdict"] == review.verdict
    assert "replayed in" in review.banner().data
    assert review.limitations()[0].startswith(f"The verdict, metrics, checks, segments and "
                                              f"decision records cover all {len(history):,} rows")
    assert "95% interval, recent rows" in review.headline().columns


def test_refusals(folder, tmp_path):
    """Check a label mapping, a CSV history and an unscored history are refused clearly."""
    policy = trustlab.load_policy(REPO / "policies" / "consumer-credit.yaml")
    with pytest.raises(trustlab.DataError, match="label: is 'x'; on a cluster"):
        assess_on_cluster(policy, folder, client=None, out=tmp_path / "a", label="x")
    (tmp_path / "h.csv").write_text("a\n1\n")
    with pytest.raises(trustlab.DataError, match="has suffix '.csv'; histories read in parts"):
        assess_on_cluster(policy, tmp_path / "h.csv", client=None, out=tmp_path / "b")
    unscored = tmp_path / "unscored"
    unscored.mkdir()
    pd.read_parquet(folder).drop(columns="p_default").to_parquet(unscored / "h.parquet")
    with pytest.raises(trustlab.DataError, match="column 'p_default': is the signal"):
        assess_on_cluster(policy, unscored, client=None, out=tmp_path / "c")


@pytest.mark.slow
def test_review_command_on_a_cluster(folder, tmp_path, dask_client):
    """Check `trustlab review -p dask_scheduler ADDRESS` runs the notebook against the cluster
    and writes one decision record per row."""
    out = tmp_path / "review"
    code = main(["review", str(REPO / "policies" / "consumer-credit.yaml"), str(folder),
                 "--out", str(out), "-p", "dask_scheduler", dask_client.scheduler.address,
                 "-p", "recent_rows", "2000", "-p", "glossary", "",
                 "-p", "bootstrap", "20", "-p", "cases", "2", "--quiet"])
    assert code in (0, 1)
    doc = json.loads((out / "metrics.json").read_text())
    rows = len(pd.read_parquet(folder))
    assert doc["data"]["rows"] == rows and doc["detail"]["whole_history"].endswith(
        "on a distributed cluster")
    assert len(pd.read_parquet(out / "decisions.parquet")) == rows
    assert "the most recent 2,000" in (out / "report.html").read_text()
