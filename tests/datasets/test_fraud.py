"""The synthetic card-transaction history: schema, determinism, known ground truth, the shipped CSV."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustlab import DataError
from trustlab.datasets import FRAUD_COLUMNS, load_fraud_history, make_fraud_history
from trustlab.datasets import _fraud as F
from _support import REPO


@pytest.fixture(scope="module")
def big():
    """About 150,000 transactions: enough frauds (about 2,000) for rates to within a point."""
    return make_fraud_history(n_days=300, transactions_per_day=500, seed=3)


def auc(score, bad) -> float:
    """The rank (Mann–Whitney) AUC of ``score`` against a boolean ``bad``."""
    ranks = pd.Series(score).rank().to_numpy()
    y = np.asarray(bad, dtype=bool)
    pos, neg = y.sum(), (~y).sum()
    return float((ranks[y].sum() - pos * (pos + 1) / 2) / (pos * neg))


def test_same_seed_same_frame_and_seeds_differ():
    """Check the same arguments give an identical frame and another seed another one."""
    a = make_fraud_history(n_days=5, transactions_per_day=30, seed=4)
    pd.testing.assert_frame_equal(a, make_fraud_history(n_days=5, transactions_per_day=30, seed=4))
    b = make_fraud_history(n_days=5, transactions_per_day=30, seed=5)
    assert len(a) != len(b) or not a["amount"].equals(b["amount"])


def test_schema_and_dtypes_as_teams_store_them():
    """Check the columns, their order and dtypes: datetime times, a float32 score, a 0/1 label."""
    df = make_fraud_history(n_days=3, transactions_per_day=50, seed=0)
    assert tuple(df.columns) == FRAUD_COLUMNS
    assert str(df["transaction_time"].dtype) == "datetime64[ns]"
    assert df["p_fraud"].dtype == np.float32 and df["true_p_fraud"].dtype == np.float64
    assert df["is_fraud"].dtype == np.int64 and set(df["is_fraud"]) <= {0, 1}
    for column in ("new_device", "country_mismatch"):
        assert df[column].dtype == bool
    for column in ("transaction_id", "merchant_category", "channel", "analyst_decision",
                   "chargeback_status"):
        assert pd.api.types.is_string_dtype(df[column].dtype), column
    for column in ("card_age_days", "txn_count_24h"):
        assert df[column].dtype == np.int64


def test_ids_and_times():
    """Check ids are numbered in time order and times are sorted within the span."""
    df = make_fraud_history(n_days=10, transactions_per_day=40, seed=2, start="2025-03-01")
    assert df["transaction_id"].is_unique and df["transaction_id"].iloc[0] == "T0000001"
    assert df["transaction_time"].is_monotonic_increasing
    assert df["transaction_time"].min() >= pd.Timestamp("2025-03-01")
    assert df["transaction_time"].max() < pd.Timestamp("2025-03-11")


def test_value_ranges(big):
    """Check features in range and missing values only in the analysts' decisions."""
    assert not big.drop(columns="analyst_decision").isna().any().any()
    assert big["amount"].between(1, 5000).all()
    assert big["card_age_days"].between(1, 7300).all()
    assert (big["txn_count_24h"] >= 0).all() and (big["distance_from_home_km"] >= 0).all()
    assert big["true_p_fraud"].between(0, 1, inclusive="neither").all()
    assert big["p_fraud"].between(0, 1).all()
    assert big["is_fraud"].mean() == pytest.approx(0.015, abs=0.004)


def test_ground_truth_is_the_documented_formula():
    """Check true_p_fraud is the logistic of fraud_log_odds at the transaction's hour, and one row
    by hand."""
    df = make_fraud_history(n_days=4, transactions_per_day=60, seed=6)
    hour = df["transaction_time"].dt.hour.to_numpy()
    np.testing.assert_allclose(df["true_p_fraud"], 1 / (1 + np.exp(-F.fraud_log_odds(df, hour))),
                               rtol=1e-12)
    one = pd.DataFrame({"merchant_category": ["digital_goods"], "channel": ["online"],
                        "amount": [90.0], "txn_count_24h": [5], "distance_from_home_km": [30.0],
                        "new_device": [True], "country_mismatch": [False], "card_age_days": [30]})
    by_hand = (-6.0 + 1.0 + 0.4 + 0.55 * math.log(2) + 1.2 + 0.4 * 3 + 0.5 * math.log(4) + 2.0
               - 0.3 * math.log(30 / 365))
    assert F.fraud_log_odds(one, np.array([3]))[0] == pytest.approx(by_hand, rel=1e-12)


def test_outcome_is_drawn_from_the_truth(big):
    """Check calibration of the truth: in each fifth of true_p_fraud, the fraud rate is its mean
    within four binomial standard errors."""
    fifth = pd.qcut(big["true_p_fraud"], 5, labels=False)
    rate = big["is_fraud"].groupby(fifth).mean()
    p = big["true_p_fraud"].groupby(fifth).mean()
    n = fifth.value_counts().sort_index()
    assert (np.abs(rate - p) <= 4 * np.sqrt(p * (1 - p) / n)).all()


def test_model_score_orders_and_is_near_calibrated(big):
    """Check p_fraud ranks frauds well but below the truth, and its mean matches the truth's."""
    fraud = big["is_fraud"].eq(1)
    model, truth = auc(big["p_fraud"], fraud), auc(big["true_p_fraud"], fraud)
    assert 0.85 <= model < truth <= 0.95
    assert float(big["p_fraud"].mean()) == pytest.approx(big["true_p_fraud"].mean(), rel=0.1)


def test_fraud_clusters_at_night_and_on_new_devices(big):
    """Check the night hours and new devices carry more fraud."""
    night = big["transaction_time"].dt.hour < 6
    assert big.loc[night, "is_fraud"].mean() > 1.5 * big.loc[~night, "is_fraud"].mean()
    new = big["new_device"]
    assert big.loc[new, "is_fraud"].mean() > 3 * big.loc[~new, "is_fraud"].mean()


def test_analysts_decided_where_the_legacy_rules_sent_them(big):
    """Check a recorded decision exists exactly where p_fraud >= 0.10, and is right about 92% of
    the time."""
    reviewed = big["p_fraud"] >= np.float32(0.10)
    assert (big["analyst_decision"].notna() == reviewed).all()
    decided = big[reviewed]
    right = (decided["analyst_decision"] == "held") == decided["is_fraud"].eq(1)
    assert right.mean() == pytest.approx(0.92, abs=0.02)


def test_chargeback_status_agrees_with_the_label(big):
    """Check frauds are exactly the chargeback_fraud and confirmed_fraud rows, confirmed ones
    held by an analyst; disputes are genuine payments."""
    status = big["chargeback_status"]
    fraud = big["is_fraud"].eq(1)
    assert (status.isin(["chargeback_fraud", "confirmed_fraud"]) == fraud).all()
    confirmed = status.eq("confirmed_fraud")
    assert (big.loc[confirmed, "analyst_decision"] == "held").all()
    assert (fraud & big["analyst_decision"].eq("held") == confirmed).all()
    disputes = status.eq("chargeback_dispute")
    assert not fraud[disputes].any()
    assert disputes.sum() / (~fraud).sum() == pytest.approx(0.02, abs=0.003)


def test_empty_history_keeps_the_schema():
    """Check a history with no transactions still has every column."""
    df = make_fraud_history(n_days=1, transactions_per_day=1e-9)
    assert len(df) == 0 and tuple(df.columns) == FRAUD_COLUMNS


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32), n_days=st.integers(1, 10), rate=st.floats(0.5, 60))
def test_invariants_hold_for_any_seed(seed, n_days, rate):
    """Check sorted times, unique ids and labels in {0, 1} for random small histories."""
    df = make_fraud_history(n_days=n_days, transactions_per_day=rate, seed=seed)
    assert df["transaction_time"].is_monotonic_increasing and df["transaction_id"].is_unique
    assert df["is_fraud"].isin([0, 1]).all()


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_days=2.5), "n_days: 2.5 is not a whole number"),
    (dict(transactions_per_day=float("nan")), "transactions_per_day: nan is not a positive"),
    (dict(seed=True), "seed: True is not a non-negative"),
])
def test_invalid_arguments_are_named(kwargs, match):
    """Check each invalid argument is a DataError naming it and what would be valid."""
    with pytest.raises(DataError, match=match):
        make_fraud_history(**kwargs)


def test_shipped_csv_is_the_documented_call():
    """Check datasets/fraud_history.csv equals make_fraud_history(seed=7) with its dtypes, is
    small, and the README gives that call."""
    path = REPO / "datasets" / "fraud_history.csv"
    assert path.stat().st_size <= 2_000_000
    shipped = load_fraud_history()
    assert len(shipped) <= 10_000
    pd.testing.assert_frame_equal(shipped, make_fraud_history(seed=7), check_exact=True)
    readme = (REPO / "datasets" / "README.md").read_text(encoding="utf-8")
    assert "make_fraud_history(seed=7)" in readme


def test_missing_file_names_the_folder(monkeypatch, tmp_path):
    """Check a missing shipped file is a DataError naming where it was looked for."""
    monkeypatch.setenv("TRUSTLAB_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match="fraud_history.csv.*not found"):
        load_fraud_history()
