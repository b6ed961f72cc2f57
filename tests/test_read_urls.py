"""``read_data`` at any location: paths, ``file://`` and ``memory://`` URLs, hive folders.

Every URL read gives the frame the plain path gives; what cannot be read is a
DataError that names the path or URL and the fix.
"""

from __future__ import annotations

import gzip

import fsspec
import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab._io import locate, open_input, parquet_parts, read_data
from trustlab.datasets import make_fraud_history

ROOT = "/trustlab-test-read-urls"


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """Transactions with pandas' own text, float32 scores and a nullable integer column."""
    h = make_fraud_history(n_days=6, transactions_per_day=60.0, seed=3)
    h["p_fraud"] = h["p_fraud"].astype("float32")
    h["card_age_days"] = h["card_age_days"].astype("Int64").mask(np.arange(len(h)) % 11 == 0)
    h["day"] = h["transaction_time"].dt.strftime("%Y-%m-%d")
    assert isinstance(h["transaction_id"].dtype, pd.StringDtype)
    return h.reset_index(drop=True)


@pytest.fixture
def memory():
    """fsspec's in-memory filesystem with an empty test folder, removed afterwards."""
    fs = fsspec.filesystem("memory")
    if fs.exists(ROOT):
        fs.rm(ROOT, recursive=True)
    yield fs
    if fs.exists(ROOT):
        fs.rm(ROOT, recursive=True)


def test_parquet_file_and_folder_by_file_url(frame, tmp_path):
    """Check a Parquet file and a folder read through ``file://`` as through their paths, with
    float32, Int64 and text columns as written."""
    one = tmp_path / "one.parquet"
    frame.to_parquet(one, index=False)
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, rows in enumerate(np.array_split(np.arange(len(frame)), 3)):
        frame.iloc[rows].to_parquet(folder / f"part-{i}.parquet", index=False)
    (folder / "_SUCCESS").write_text("")
    for path in (one, folder):
        got = read_data(path.as_uri())
        pd.testing.assert_frame_equal(got, read_data(path))
        pd.testing.assert_frame_equal(got, frame)
    assert read_data(str(folder)).dtypes["p_fraud"] == np.float32


def test_csv_by_file_url_keeps_text_rules(tmp_path):
    """Check a CSV read through ``file://`` keeps the text columns and missing markers of the
    plain path."""
    f = tmp_path / "d.csv"
    f.write_text("key,country,score\n007,NA,0.5\n0123,DE,NA\n0124,,\n")
    got = read_data(f.as_uri(), text_columns=["key"])
    pd.testing.assert_frame_equal(got, read_data(f, text_columns=["key"]))
    assert got["key"].tolist() == ["007", "0123", "0124"]
    assert got["country"].tolist()[:2] == ["NA", "DE"] and pd.isna(got["country"].iloc[2])


def test_memory_urls(frame, memory):
    """Check a CSV, a gzipped CSV, a Parquet file and a hive folder on ``memory://``."""
    csv = frame[["transaction_id", "amount", "channel"]]
    with memory.open(f"{ROOT}/t.csv", "wb") as f:
        csv.to_csv(f, index=False)
    with memory.open(f"{ROOT}/t.csv.gz", "wb") as f:
        f.write(gzip.compress(csv.to_csv(index=False).encode()))
    for name in ("t.csv", "t.csv.gz"):
        pd.testing.assert_frame_equal(read_data(f"memory://{ROOT}/{name}"), csv)
    with memory.open(f"{ROOT}/t.parquet", "wb") as f:
        frame.to_parquet(f, index=False)
    pd.testing.assert_frame_equal(read_data(f"memory://{ROOT}/t.parquet"), frame)
    for day, rows in frame.groupby("day", sort=True):
        with memory.open(f"{ROOT}/hive/day={day}/part-0.parquet", "wb") as f:
            rows.drop(columns="day").to_parquet(f, index=False)
    got = read_data(f"memory://{ROOT}/hive/")
    pd.testing.assert_frame_equal(got, frame)
    assert list(got.columns)[-1] == "day"


def test_hive_partition_columns_and_types(frame, tmp_path):
    """Check hive keys come back as columns typed as pyarrow infers them (int32 for whole
    numbers, text otherwise; the default partition is missing), the files in path order."""
    data = frame.assign(shop=np.arange(len(frame)) % 3, country=np.where(
        np.arange(len(frame)) % 4 == 0, None, "DE"))
    data.to_parquet(tmp_path / "h", partition_cols=["shop", "country"], index=False)
    got = read_data(tmp_path / "h")
    assert str(got["shop"].dtype) == "int32" and isinstance(got["country"].dtype, pd.StringDtype)
    assert got["country"].isna().sum() == (data["country"].isna()).sum()
    assert got["shop"].is_monotonic_increasing
    order = data.sort_values(["shop", "country"], kind="stable")  # "DE" before "__HIVE_..."
    pd.testing.assert_series_equal(got["transaction_id"], order["transaction_id"]
                                   .reset_index(drop=True))
    parts = parquet_parts(tmp_path / "h")
    assert parts.names == ("shop", "country") and len(parts.files) == 6


def test_partition_key_clash_names_key_and_file(frame, tmp_path):
    """Check a partition key that is also a column of the files is refused, naming both."""
    for day, rows in frame.groupby("day", sort=True):
        (tmp_path / f"day={day}").mkdir()
        rows.to_parquet(tmp_path / f"day={day}" / "p.parquet", index=False)
    with pytest.raises(trustlab.DataError, match=r"partition key 'day' .* is also a column of "
                                                 r"the file '.*day=2025-03-01/p\.parquet'"):
        read_data(tmp_path)


def test_unknown_scheme_and_missing_package(monkeypatch):
    """Check a scheme fsspec does not know, and one whose package is not installed, say so
    and how to install it: a DataError, never an ImportError."""
    with pytest.raises(trustlab.DataError, match=r"Data 'nosuch://b/h\.csv': \(url\): has the "
                                                 r"scheme 'nosuch://', which fsspec does not "
                                                 r"know; .*s3:// \(pip install s3fs\)"):
        read_data("nosuch://b/h.csv")
    from fsspec.registry import known_implementations

    monkeypatch.setitem(known_implementations, "tlnope", {
        "class": "trustlab_no_such_package.NopeFileSystem", "err": "Install it"})
    with pytest.raises(trustlab.DataError, match=r"Data 'tlnope://b/h\.parquet': \(url\): "
                                                 r"'tlnope://' URLs are read with the package "
                                                 r"'trustlab-no-such-package', which is not "
                                                 r"installed; install it: pip install "
                                                 r"trustlab-no-such-package"):
        read_data("tlnope://b/h.parquet")
    try:
        import s3fs  # noqa: F401
    except ImportError:
        with pytest.raises(trustlab.DataError, match="pip install s3fs"):
            read_data("s3://trustlab-bucket/history/")


def test_missing_and_unreadable_paths_are_named(tmp_path, memory):
    """Check a missing path or URL, an empty folder and a folder of CSV files are named with
    what to do."""
    with pytest.raises(trustlab.DataError, match=r"Data file '.*nope\.csv': \(file\): does not "
                                                 r"exist \(looked in .*\); check the path"):
        read_data(tmp_path / "nope.csv")
    with pytest.raises(trustlab.DataError, match=r"Data file 'memory:///trustlab-test-read-urls/"
                                                 r"x\.parquet': \(file\): does not exist; check "
                                                 r"the URL"):
        read_data(f"memory://{ROOT}/x.parquet")
    (tmp_path / "empty").mkdir()
    with pytest.raises(trustlab.DataError, match=r"\(folder\): is empty: it holds no Parquet"):
        read_data(tmp_path / "empty")
    (tmp_path / "csvs").mkdir()
    (tmp_path / "csvs" / "a.csv").write_text("x\n1\n")
    with pytest.raises(trustlab.DataError, match=r"holds no Parquet files .* only 1 other "
                                                 r"file\(s\) \('a\.csv'\); .*name a CSV file"):
        read_data(tmp_path / "csvs")
    with pytest.raises(trustlab.DataError, match=r"has suffix '\.xlsx'"):
        (tmp_path / "x.xlsx").write_text("")
        read_data(tmp_path / "x.xlsx")


def test_locate_and_open_input(memory):
    """Check ``locate`` keeps what the user wrote and ``open_input`` reads bytes at a URL."""
    loc = locate(f"memory://{ROOT}/a.bin")
    assert (loc.url, loc.given, loc.path) == (True, f"memory://{ROOT}/a.bin", f"{ROOT}/a.bin")
    with memory.open(f"{ROOT}/a.bin", "wb") as f:
        f.write(b"\x00trustlab")
    with open_input(loc.given) as f:
        assert f.read() == b"\x00trustlab"
    assert not locate("data/h.csv").url


def test_drift_reference_by_url(memory, tmp_path):
    """Check a saved drift reference loads from a ``memory://`` URL, and a missing one is
    named by its URL."""
    from trustlab.drift import Reference, load_reference

    t = pd.date_range("2025-01-06", periods=300, freq="h")
    ref = Reference.from_data(pd.DataFrame({"t": t, "x": np.arange(300.0)}), ["x"], time="t",
                              window="1D")
    ref.save(tmp_path / "r.npz")
    memory.put(str(tmp_path / "r.npz"), f"{ROOT}/r.npz")
    assert load_reference(f"memory://{ROOT}/r.npz").content_hash == ref.content_hash
    with pytest.raises(trustlab.DataError, match=r"'memory://.*/nope\.npz': \(file\): does "
                                                 r"not exist; save one"):
        load_reference(f"memory://{ROOT}/nope.npz")
