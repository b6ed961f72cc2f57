"""Hive-partitioned folders and fsspec URLs in parts: the same numbers as the whole read in memory.

A folder written with ``partition_cols`` keeps its partition keys only in its
folder names (``month=2024-01/``). ``read_data`` (what ``decide`` reads) has
always kept them as columns; the replay in parts used to read the files
alone and refuse a policy whose segments name one
("segments: names columns the data lacks: region").
"""

from __future__ import annotations

import io

import fsspec
import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab._io import read_data
from trustlab.datasets import make_retention_history
from trustlab.scale import read_recent
from trustlab.scale import replay as scaled_replay
from trustlab.simulate import replay, with_rate_limit, without_guardrail
from _support import REPO
from test_scale_replay import assert_same

RETENTION = (REPO / "policies" / "retention-offer.yaml").read_text(encoding="utf-8")


def retention_policy(*, segments: str = "[contract, plan, region]", rule: str = ""
                     ) -> trustlab.Policy:
    """The example retention policy with other segments and an extra rule before the offers."""
    text = RETENTION.replace("segments: [contract, plan, region]", f"segments: {segments}")
    return trustlab.parse_policy(text.replace("  - id: high-churn-risk\n",
                                              f"{rule}  - id: high-churn-risk\n"))


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    """Three months of contacts with pandas' own text, float32 scores and nullable integers."""
    h = make_retention_history(n_days=62, customers_per_day=25.0, seed=11)
    h["p_churn"] = h["p_churn"].astype("float32")
    tenure = h["tenure_months"].astype("Int64")
    h["tenure_months"] = tenure.mask(np.arange(len(h)) % 97 == 0)
    h["month"] = h["contact_date"].str.slice(0, 7)
    assert isinstance(h["customer_id"].dtype, pd.StringDtype)
    return h


@pytest.fixture(scope="module")
def by_month(history, tmp_path_factory):
    """The history in ``month=YYYY-MM/`` folders: still in time order, file by file."""
    folder = tmp_path_factory.mktemp("hive") / "by-month"
    history.to_parquet(folder, partition_cols=["month"], index=False)
    return folder


@pytest.fixture(scope="module")
def by_region(history, tmp_path_factory):
    """The history in ``region=<name>/`` folders (rows no longer in time order overall)."""
    folder = tmp_path_factory.mktemp("hive") / "by-region"
    history.to_parquet(folder, partition_cols=["region"], index=False)
    return folder


@pytest.fixture
def memory_root():
    """A fresh folder on fsspec's in-memory filesystem, removed afterwards."""
    fs = fsspec.filesystem("memory")
    root = "/trustlab-test-scale"
    if fs.exists(root):
        fs.rm(root, recursive=True)
    yield fs, root
    if fs.exists(root):
        fs.rm(root, recursive=True)


def test_hive_folder_replays_in_parts_as_decide_reads_it(history, by_month, tmp_path):
    """Check a month-partitioned folder replays in parts — rate limit and a segment on the
    partition column included — with the numbers of the folder read whole in memory."""
    policy = with_rate_limit(retention_policy(segments="[contract, plan, region, month]"),
                             "daily-offer-budget", 6)
    whole_data = read_data(by_month, policy=policy)
    assert "month" in whole_data.columns and len(whole_data) == len(history)
    whole = replay(policy, whole_data, seed=5)
    assert (whole.records["guardrail"] == "daily-offer-budget").sum() > 20
    got = scaled_replay(policy, by_month, batch_rows=400, seed=5, out=tmp_path / "records")
    assert got.rows == len(history) and got.parts > 3
    assert set(got.metrics["by"].dropna()) >= {"month"}
    assert_same(whole, got, got.records)


def test_partition_column_read_by_a_rule(history, by_region):
    """Check a rule that reads the partition column fires in parts exactly as in memory."""
    policy = without_guardrail(retention_policy(rule=(
        "  - id: north-watch\n"
        "    when: region == \"north\" and p_churn >= 0.2\n"
        "    then: desk\n"
        "    because: Churn risk {p_churn:.0%} in the north; the desk calls.\n")),
        "daily-offer-budget")
    whole = replay(policy, read_data(by_region, policy=policy), seed=1)
    fired = whole.records["rule"] == "north-watch"
    assert fired.sum() > 20
    got = scaled_replay(policy, by_region, batch_rows=250, seed=1)
    assert_same(whole, got)
    activity = got.activity.set_index("rule")["decisions"]
    assert activity.groupby(level=0).sum()["north-watch"] == fired.sum()


def test_file_and_memory_urls_replay_in_parts(history, by_month, memory_root):
    """Check ``file://`` and ``memory://`` URLs of a hive folder and of one Parquet file
    replay in parts with the in-memory numbers."""
    fs, root = memory_root
    policy = retention_policy(segments="[region, month]")
    whole = replay(policy, read_data(by_month), seed=2)
    fs.put(str(by_month), f"{root}/by-month", recursive=True)
    for url in (by_month.as_uri(), f"memory://{root}/by-month"):
        got = scaled_replay(policy, url, batch_rows=800, seed=2)
        assert got.rows == len(history)
        assert_same(whole, got)
    single = history.drop(columns="month")
    with fs.open(f"{root}/one.parquet", "wb") as f:
        single.to_parquet(f, index=False)
    plain = retention_policy()
    got = scaled_replay(plain, f"memory://{root}/one.parquet", batch_rows=700, seed=2)
    assert_same(replay(plain, single, seed=2), got)


def test_recent_rows_keep_partition_columns(history, by_month, memory_root):
    """Check the recent rows of a hive folder (path or URL) carry the partition column."""
    fs, root = memory_root
    fs.put(str(by_month), f"{root}/by-month", recursive=True)
    expected = read_data(by_month).tail(40).reset_index(drop=True)
    for source in (by_month, f"memory://{root}/by-month"):
        pd.testing.assert_frame_equal(read_recent(source, 40), expected)


def test_partition_key_that_is_also_a_column_is_refused(history, tmp_path):
    """Check a key both in the folder names and in the files is refused, naming both."""
    folder = tmp_path / "clash"
    for month, rows in history.groupby("month", sort=True):
        (folder / f"month={month}").mkdir(parents=True)
        rows.to_parquet(folder / f"month={month}" / "part.parquet", index=False)
    policy = retention_policy()
    pattern = r"partition key 'month' \(folder 'month=\.\.\.'\) is also a column of the file " \
              r"'.*month=2024-01.*part\.parquet'"
    with pytest.raises(trustlab.DataError, match=pattern):
        scaled_replay(policy, folder)
    with pytest.raises(trustlab.DataError, match=pattern):
        read_data(folder)


def test_missing_sources_are_named(tmp_path):
    """Check a missing path, a missing URL and a scheme without its package say what to do."""
    policy = retention_policy()
    with pytest.raises(trustlab.DataError, match=r"neither a Parquet file nor a folder of them: "
                                                 r"it does not exist \(looked in"):
        scaled_replay(policy, tmp_path / "nope")
    with pytest.raises(trustlab.DataError, match=r"'memory://trustlab-nope/h': \(path\): is "
                                                 r"neither .* does not exist; check the URL"):
        scaled_replay(policy, "memory://trustlab-nope/h")
    with pytest.raises(trustlab.DataError, match="has the scheme 'nosuch://', which fsspec "
                                                 "does not know"):
        scaled_replay(policy, "nosuch://bucket/history/")
    (tmp_path / "empty").mkdir()
    with pytest.raises(trustlab.DataError, match=r"\(folder\): is empty"):
        scaled_replay(policy, tmp_path / "empty")


def test_progress_lines_per_part(by_month, monkeypatch, capsys):
    """Check a streamed replay reports each part's rows in plain lines in CI, and nothing when
    not asked."""
    monkeypatch.setenv("CI", "1")
    policy = retention_policy()
    quiet = scaled_replay(policy, by_month, batch_rows=400)
    assert capsys.readouterr().err == ""
    got = scaled_replay(policy, by_month, batch_rows=400, progress=True)
    lines = capsys.readouterr().err.splitlines()
    n = got.rows
    assert lines[0].startswith("Replay: ") and " rows, part 1 (" in lines[0]
    assert lines[-2].startswith(f"Replay: {n}/{n} rows, part {got.parts} (")
    assert lines[-1].startswith(f"Replay: done, {n}/{n} (")
    assert got.parts == quiet.parts > 3


def test_progress_reporter_advances_per_part(by_month):
    """Check the reporter fold_partials advances counts every row once, one step per part."""
    from trustlab._progress import Progress
    from trustlab.scale._run import fold_partials, source_of

    out = io.StringIO()
    src = source_of(by_month, batch_rows=500, caller="test")
    with Progress("Count", total=src.rows(), stream=out, style="lines", every=0) as bar:
        sizes, n, k = fold_partials(src, lambda part: [len(part)], lambda a, b: a + b,
                                    caller="test", progress=bar)
    assert n == src.rows() == sum(sizes) and k == len(sizes) > 3
    assert max(sizes) == 500 and min(sizes) < 500  # batches end where the files end
    done = np.cumsum(sizes)
    assert [line.split(" (")[0] for line in out.getvalue().splitlines()] == [
        *(f"Count: {d}/{n} rows, part {i + 1}" for i, d in enumerate(done)),
        f"Count: done, {n}/{n}"]


@pytest.mark.slow
def test_cluster_reads_a_hive_folder(dask_client, by_region):
    """Check a hive folder read by Dask workers keeps its partition column and numbers."""
    policy = without_guardrail(retention_policy(), "daily-offer-budget")
    whole = replay(policy, read_data(by_region), seed=4)
    got = scaled_replay(policy, by_region, client=dask_client, seed=4)
    assert got.where.endswith("Dask partitions on a distributed cluster")
    assert_same(whole, got)
