"""The loaders of the shipped data sets: counts, labels, dtypes and file lookup."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from trustlab import DataError
from trustlab.datasets import (
    _real,
    data_dirs,
    load_german_credit,
    load_lending_club,
    load_synthetic_sample,
    make_history,
)

REPO_DATA = Path(__file__).resolve().parents[2] / "datasets"


@pytest.fixture(autouse=True)
def _no_override(monkeypatch):
    """Run every test without a TRUSTLAB_DATA_DIR from the environment."""
    monkeypatch.delenv("TRUSTLAB_DATA_DIR", raising=False)


@pytest.mark.parametrize(
    "loader, name, label, rows, bad",
    [
        (load_german_credit, "german_credit.csv", "creditability", 1000, 300),
        (load_lending_club, "lending_club.csv", "Class", 9857, 517),
    ],
)
def test_rows_and_bad_share(loader, name, label, rows, bad):
    """Check every row is kept and `defaulted` marks exactly the file's 'bad' rows."""
    raw = pd.read_csv(REPO_DATA / name)
    df = loader()
    assert len(df) == len(raw) == rows
    assert int(raw[label].eq("bad").sum()) == bad
    assert df["defaulted"].dtype == bool
    assert (df["defaulted"].to_numpy() == raw[label].eq("bad").to_numpy()).all()
    assert df["defaulted"].mean() == bad / rows


def test_bad_shares_as_documented():
    """Check the bad shares quoted in datasets/README.md: 30.0% and 5.2%."""
    assert load_german_credit()["defaulted"].mean() == 0.3
    assert round(load_lending_club()["defaulted"].mean(), 3) == 0.052


@pytest.mark.parametrize(
    "loader, name, label",
    [
        (load_german_credit, "german_credit.csv", "creditability"),
        (load_lending_club, "lending_club.csv", "Class"),
    ],
)
def test_columns_and_dtypes(loader, name, label):
    """Check the original columns are kept in order, text becomes category, and
    `defaulted` sits right after the label."""
    raw = pd.read_csv(REPO_DATA / name)
    df = loader()
    expected = list(raw.columns)
    expected.insert(expected.index(label) + 1, "defaulted")
    assert list(df.columns) == expected
    for col in raw.columns:
        if pd.api.types.is_numeric_dtype(raw[col]):
            pd.testing.assert_series_equal(df[col], raw[col])
        else:
            assert isinstance(df[col].dtype, pd.CategoricalDtype), col
            assert (df[col].astype(str).to_numpy() == raw[col].astype(str).to_numpy()).all()
    assert set(df[label].cat.categories) == {"good", "bad"}


def test_german_has_twenty_attributes():
    """Check German credit has the 20 Statlog attributes plus the label and `defaulted`."""
    df = load_german_credit()
    assert df.shape == (1000, 22)
    assert df["status_of_existing_checking_account"].nunique() == 4


def test_lending_club_has_twenty_two_columns():
    """Check Lending Club has 22 columns plus `Class` and `defaulted`."""
    df = load_lending_club()
    assert df.shape == (9857, 24)
    assert set(df["term"].cat.categories) == {"term_36", "term_60"}


def test_env_override(monkeypatch, tmp_path):
    """Check TRUSTLAB_DATA_DIR points the loaders at another folder."""
    shutil.copy(REPO_DATA / "german_credit.csv", tmp_path / "german_credit.csv")
    monkeypatch.setenv("TRUSTLAB_DATA_DIR", str(tmp_path))
    assert data_dirs() == [tmp_path]
    assert len(load_german_credit()) == 1000


def test_env_override_without_file(monkeypatch, tmp_path):
    """Check a TRUSTLAB_DATA_DIR without the file is an error naming the path and the fix,
    not a silent fall-back to the repository."""
    monkeypatch.setenv("TRUSTLAB_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match="lending_club.csv.*not found") as info:
        load_lending_club()
    assert str(tmp_path / "lending_club.csv") in str(info.value)
    assert "TRUSTLAB_DATA_DIR" in str(info.value)


def test_missing_file_names_the_folder_searched(monkeypatch, tmp_path):
    """Check a missing file is a DataError naming the path searched and the fix."""
    monkeypatch.setattr(_real, "data_dirs", lambda: [tmp_path / "repo"])
    with pytest.raises(DataError, match="not found") as info:
        load_german_credit()
    message = str(info.value)
    assert str(tmp_path / "repo" / "german_credit.csv") in message
    assert "set TRUSTLAB_DATA_DIR" in message


def test_unexpected_label_values(monkeypatch, tmp_path):
    """Check a label other than good/bad is an error naming the column and the values."""
    raw = pd.read_csv(REPO_DATA / "german_credit.csv")
    raw.loc[3, "creditability"] = "unknown"
    raw.to_csv(tmp_path / "german_credit.csv", index=False)
    monkeypatch.setenv("TRUSTLAB_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match="column 'creditability'.*unknown"):
        load_german_credit()


def test_synthetic_sample_is_the_documented_call():
    """Check the committed sample equals a fresh make_history with the call in the README."""
    sample = load_synthetic_sample()
    assert 45_000 <= len(sample) <= 55_000
    pd.testing.assert_frame_equal(sample, make_history(n_days=365, applications_per_day=140, seed=7))
    readme = (REPO_DATA / "README.md").read_text(encoding="utf-8")
    assert "make_history(n_days=365, applications_per_day=140, seed=7)" in readme


def test_synthetic_sample_is_small():
    """Check the committed sample stays under 3 MB."""
    assert (REPO_DATA / "synthetic_history_sample.parquet").stat().st_size < 3_000_000


def test_unreadable_sample(monkeypatch, tmp_path):
    """Check a corrupt sample file is a DataError naming the file and how to restore it."""
    (tmp_path / "synthetic_history_sample.parquet").write_bytes(b"not parquet")
    monkeypatch.setenv("TRUSTLAB_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match="cannot be read.*regenerate"):
        load_synthetic_sample()
