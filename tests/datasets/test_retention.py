"""The synthetic retention history: schema, determinism, known ground truth, the shipped CSV."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustlab import DataError
from trustlab.datasets import (RETENTION_COLUMNS, load_retention_history,
                               make_retention_history)
from trustlab.datasets import _retention as R
from _support import REPO


@pytest.fixture(scope="module")
def big():
    """About 36,000 contacts: enough for rates to within a point."""
    return make_retention_history(n_days=364, customers_per_day=100, seed=3)


def auc(score, bad) -> float:
    """The rank (Mann–Whitney) AUC of ``score`` against a boolean ``bad``."""
    ranks = pd.Series(score).rank().to_numpy()
    y = np.asarray(bad, dtype=bool)
    pos, neg = y.sum(), (~y).sum()
    return float((ranks[y].sum() - pos * (pos + 1) / 2) / (pos * neg))


def test_same_seed_same_frame_and_seeds_differ():
    """Check the same arguments give an identical frame and another seed another one."""
    a = make_retention_history(n_days=10, customers_per_day=30, seed=4)
    pd.testing.assert_frame_equal(a, make_retention_history(n_days=10, customers_per_day=30, seed=4))
    b = make_retention_history(n_days=10, customers_per_day=30, seed=5)
    assert len(a) != len(b) or not a["p_churn"].equals(b["p_churn"])


def test_schema_and_dtypes_as_teams_store_them():
    """Check the columns, their order and dtypes: dates, categories and the label as text."""
    df = make_retention_history(n_days=5, customers_per_day=20, seed=0)
    assert tuple(df.columns) == RETENTION_COLUMNS
    text = {"customer_id", "contact_date", "region", "age_band", "plan", "contract",
            "payment_method", "churned"}
    for column in RETENTION_COLUMNS:
        dtype = df[column].dtype
        if column in text:
            assert pd.api.types.is_string_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype), column
        elif column in ("tenure_months", "support_calls_90d", "num_late_payments"):
            assert dtype == np.int64, column
        else:
            assert dtype == np.float64, column
    assert isinstance(df.index, pd.RangeIndex)


def test_ids_and_dates():
    """Check ids are numbered in order and dates are ISO text, sorted, one per day of the span."""
    df = make_retention_history(n_days=21, customers_per_day=15, seed=2, start="2024-02-26")
    assert df["customer_id"].is_unique and df["customer_id"].iloc[0] == "C0000001"
    assert df["customer_id"].iloc[-1] == f"C{len(df):07d}"
    assert df["contact_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert df["contact_date"].is_monotonic_increasing
    assert df["contact_date"].iloc[0] == "2024-02-26" and df["contact_date"].iloc[-1] == "2024-03-17"
    assert "2024-02-29" in set(df["contact_date"])  # a leap day is a day like any other


def test_value_ranges(big):
    """Check every feature in its range, no missing values, and the label as Yes/No text."""
    assert not big.isna().any().any()
    assert big["tenure_months"].between(1, 120).all()
    assert (big["monthly_charge"] > 0).all()
    assert big["usage_change_pct"].between(-100, 200).all()
    assert (big[["support_calls_90d", "num_late_payments"]] >= 0).all().all()
    assert set(big["churned"]) == {"Yes", "No"}
    assert big["true_p_churn"].between(0, 1, inclusive="neither").all()
    assert big["p_churn"].between(0, 1, inclusive="neither").all()
    shares = big["contract"].value_counts(normalize=True)
    assert shares["month-to-month"] == pytest.approx(0.5, abs=0.02)
    assert shares["two-year"] == pytest.approx(0.2, abs=0.02)


def test_weekends_are_quieter(big):
    """Check Saturday and Sunday have fewer contacts than any weekday and the mean is as asked."""
    per_day = big["contact_date"].value_counts()
    weekday = pd.to_datetime(per_day.index).day_of_week
    means = per_day.groupby(weekday).mean()
    assert means[5] < means[:5].min() and means[6] < means[5]
    assert per_day.mean() == pytest.approx(100, rel=0.05)


def test_ground_truth_is_the_documented_formula():
    """Check true_p_churn is the logistic of retention_log_odds, computed here by hand on two rows."""
    df = make_retention_history(n_days=30, customers_per_day=20, seed=6)
    by_formula = 1 / (1 + np.exp(-R.retention_log_odds(df)))
    np.testing.assert_allclose(df["true_p_churn"], by_formula, rtol=1e-12)
    two = pd.DataFrame({
        "contract": ["month-to-month", "two-year"], "payment_method": ["invoice", "card"],
        "plan": ["premium", "basic"], "tenure_months": [3, 48], "support_calls_90d": [2, 0],
        "num_late_payments": [1, 0], "usage_change_pct": [-40.0, 10.0],
        "monthly_charge": [85.0, 25.0]})
    by_hand = [
        -2.2 + 0.85 + 0.35 - 0.20 - 0.35 * math.log(3 / 12) + 0.28 * 2 + 0.35 * 1
        - 0.025 * -40 + 0.012 * 40,
        -2.2 - 1.20 + 0.0 + 0.15 - 0.35 * math.log(48 / 12) + 0 + 0 - 0.025 * 10 + 0.012 * -20,
    ]
    np.testing.assert_allclose(R.retention_log_odds(two), by_hand, rtol=1e-12)


def test_region_and_age_band_do_not_enter_the_truth():
    """Check the truth is unchanged when region and age band are shuffled."""
    df = make_retention_history(n_days=20, customers_per_day=30, seed=8)
    shuffled = df.assign(region=df["region"].sample(frac=1, random_state=0).to_numpy(),
                         age_band=df["age_band"].sample(frac=1, random_state=1).to_numpy())
    np.testing.assert_array_equal(R.retention_log_odds(df), R.retention_log_odds(shuffled))


def test_outcome_is_drawn_from_the_truth(big):
    """Check calibration of the truth: in each decile of true_p_churn, the churn rate is its mean
    within four binomial standard errors; and the overall rate is near 19%."""
    churned = big["churned"].eq("Yes")
    decile = pd.qcut(big["true_p_churn"], 10, labels=False)
    rate = churned.groupby(decile).mean()
    p = big["true_p_churn"].groupby(decile).mean()
    n = decile.value_counts().sort_index()
    assert (np.abs(rate - p) <= 4 * np.sqrt(p * (1 - p) / n)).all()
    assert churned.mean() == pytest.approx(0.19, abs=0.015)


def test_model_score_orders_and_is_near_calibrated(big):
    """Check p_churn ranks churners well but below the truth, and its mean matches the truth's."""
    churned = big["churned"].eq("Yes")
    model, truth = auc(big["p_churn"], churned), auc(big["true_p_churn"], churned)
    assert 0.75 <= model < truth <= 0.85
    assert big["p_churn"].mean() == pytest.approx(big["true_p_churn"].mean(), abs=0.01)


def test_drivers_of_churn(big):
    """Check month-to-month contracts, late payments and falling usage raise churn."""
    churned = big["churned"].eq("Yes")
    by_contract = churned.groupby(big["contract"]).mean()
    assert by_contract["month-to-month"] > by_contract["one-year"] > by_contract["two-year"]
    assert churned[big["num_late_payments"] > 0].mean() > churned[big["num_late_payments"] == 0].mean()
    assert churned[big["usage_change_pct"] < -20].mean() > churned[big["usage_change_pct"] > 10].mean()


def test_empty_history_keeps_the_schema():
    """Check a history with no contacts still has every column."""
    df = make_retention_history(n_days=1, customers_per_day=1e-9)
    assert len(df) == 0 and tuple(df.columns) == RETENTION_COLUMNS


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32), n_days=st.integers(1, 20), rate=st.floats(0.5, 40))
def test_invariants_hold_for_any_seed(seed, n_days, rate):
    """Check sorted dates, unique ids and probabilities in (0, 1) for random small histories."""
    df = make_retention_history(n_days=n_days, customers_per_day=rate, seed=seed)
    assert df["contact_date"].is_monotonic_increasing and df["customer_id"].is_unique
    assert df["true_p_churn"].between(0, 1, inclusive="neither").all()
    assert df["churned"].isin(["Yes", "No"]).all()


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_days=0), "n_days: 0 is not a whole number"),
    (dict(customers_per_day=-3), "customers_per_day: -3 is not a positive number"),
    (dict(seed=-1), "seed: -1 is not a non-negative"),
    (dict(start="2024-01-01 09:00"), "start: .* has a time of day"),
    (dict(start="someday"), "start: 'someday' is not a date"),
])
def test_invalid_arguments_are_named(kwargs, match):
    """Check each invalid argument is a DataError naming it and what would be valid."""
    with pytest.raises(DataError, match=match):
        make_retention_history(**kwargs)


def test_all_problems_reported_at_once():
    """Check several invalid arguments are reported together."""
    with pytest.raises(DataError) as info:
        make_retention_history(n_days=-1, customers_per_day=0, seed=1.5)
    assert [p.where for p in info.value.problems] == ["n_days", "customers_per_day", "seed"]


def test_shipped_csv_is_the_documented_call():
    """Check datasets/retention_history.csv equals make_retention_history(seed=7), is small, and
    the README gives that call."""
    path = REPO / "datasets" / "retention_history.csv"
    assert path.stat().st_size <= 2_000_000
    shipped = load_retention_history()
    assert len(shipped) <= 10_000
    pd.testing.assert_frame_equal(shipped, make_retention_history(seed=7), check_exact=True)
    readme = (REPO / "datasets" / "README.md").read_text(encoding="utf-8")
    assert "make_retention_history(seed=7)" in readme
