"""The synthetic loan-application history: schema, determinism, behaviour and scenarios."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustlab import DataError
from trustlab.datasets import (
    COLUMNS,
    ConceptShift,
    FeatureDrift,
    ModelOutage,
    NewChannel,
    make_history,
)
from trustlab.datasets._synthetic import _risk_log_odds, _sigmoid

# A medium history for the scenario tests: 120 days from 2025-01-01, ~23k rows.
SIZE = dict(n_days=120, applications_per_day=200, seed=11)
T0 = pd.Timestamp("2025-03-01")


@pytest.fixture(scope="module")
def base():
    return make_history(**SIZE)


@pytest.fixture(scope="module")
def year():
    return make_history(n_days=365, applications_per_day=60, seed=5)


def auc(score: pd.Series, label: pd.Series) -> float:
    """The rank (Mann–Whitney) AUC of ``score`` against a boolean ``label``."""
    ranks = score.rank().to_numpy()
    y = label.to_numpy(dtype=bool)
    pos, neg = y.sum(), (~y).sum()
    return float((ranks[y].sum() - pos * (pos + 1) / 2) / (pos * neg))


def odds(p):
    return p / (1 - p)


# ------------------------------------------------------------------ determinism and schema

def test_same_seed_same_frame():
    """Check the same arguments give an identical frame."""
    a = make_history(n_days=20, applications_per_day=30, seed=3)
    b = make_history(n_days=20, applications_per_day=30, seed=3)
    pd.testing.assert_frame_equal(a, b)


def test_different_seeds_differ():
    """Check different seeds give different histories."""
    a = make_history(n_days=20, applications_per_day=30, seed=3)
    b = make_history(n_days=20, applications_per_day=30, seed=4)
    assert len(a) != len(b) or not a["loan_amount"].equals(b["loan_amount"])
    assert not np.allclose(a["true_pd"].iloc[:50], b["true_pd"].iloc[:50])


def test_schema_and_dtypes(base):
    """Check the exact columns, their order and their dtypes."""
    assert tuple(base.columns) == COLUMNS
    dtypes = {c: str(t) for c, t in base.dtypes.items()}
    assert dtypes == {
        "application_id": "str",
        "decision_time": "datetime64[ns]",
        "channel": "category",
        "loan_amount": "float64",
        "annual_income": "float64",
        "debt_to_income": "float64",
        "credit_history_years": "float64",
        "delinquencies_2y": "int64",
        "employment_years": "float64",
        "grade": "category",
        "purpose": "category",
        "age_band": "category",
        "true_pd": "float64",
        "p_default": "float64",
        "underwriter_decision": "category",
        "defaulted_truth": "bool",
        "defaulted": "boolean",
    }
    assert list(base["channel"].cat.categories) == ["branch", "online"]
    assert list(base["grade"].cat.categories) == list("ABCDEFG")
    assert list(base["purpose"].cat.categories) == [
        "debt_consolidation", "home_improvement", "car", "small_business", "other"]
    assert list(base["age_band"].cat.categories) == ["18-25", "26-35", "36-50", "51-65", "65+"]
    assert list(base["underwriter_decision"].cat.categories) == ["approved", "declined"]
    assert isinstance(base.index, pd.RangeIndex) and base.index.start == 0


def test_ids_and_times(base):
    """Check ids are unique and numbered in time order, and times are sorted inside the days."""
    assert base["application_id"].is_unique
    assert base["application_id"].iloc[0] == "A0000001"
    assert base["application_id"].iloc[-1] == f"A{len(base):07d}"
    assert base["decision_time"].is_monotonic_increasing
    assert base["decision_time"].min() >= pd.Timestamp("2025-01-01")
    assert base["decision_time"].max() < pd.Timestamp("2025-01-01") + pd.Timedelta(days=120)
    assert base["decision_time"].dt.normalize().nunique() == 120


def test_value_ranges(base):
    """Check features and probabilities lie in their ranges and have no missing values."""
    assert not base.drop(columns=["defaulted"]).isna().any().any()
    assert base["true_pd"].between(0, 1, inclusive="neither").all()
    assert base["p_default"].between(0, 1).all()
    assert base["loan_amount"].between(1_000, 60_000).all()
    assert (base["loan_amount"] > 40_000).mean() > 0.005
    assert base["debt_to_income"].between(0, 65).all()
    assert (base["annual_income"] > 0).all()
    assert (base["credit_history_years"] >= 0).all() and (base["employment_years"] >= 0).all()
    assert (base["delinquencies_2y"] >= 0).all()


def test_default_history_spans_a_year():
    """Check the default length covers twelve calendar months."""
    df = make_history(applications_per_day=5, seed=1)
    months = df["decision_time"].dt.to_period("M")
    assert months.nunique() == 12
    assert df["decision_time"].max() - df["decision_time"].min() > pd.Timedelta(days=360)


def test_weekends_are_quieter(year):
    """Check Saturday and Sunday volumes are below every weekday's, Sunday lowest."""
    days = year["decision_time"].dt.normalize()
    per_day = days.value_counts()
    by_weekday = per_day.groupby(per_day.index.day_of_week).mean()
    assert by_weekday[5] < by_weekday[:5].min() and by_weekday[6] < by_weekday[5]
    assert by_weekday[0] == by_weekday.max()
    assert per_day.mean() == pytest.approx(60, rel=0.1)


def test_empty_history_keeps_the_schema():
    """Check a history with no applications still has every column and dtype."""
    df = make_history(n_days=1, applications_per_day=1e-9)
    assert len(df) == 0 and tuple(df.columns) == COLUMNS
    assert str(df["defaulted"].dtype) == "boolean"


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32), n_days=st.integers(1, 15), rate=st.floats(0.5, 40))
def test_invariants_hold_for_any_seed(seed, n_days, rate):
    """Check order, id uniqueness and the observed-label rule for random small histories."""
    df = make_history(n_days=n_days, applications_per_day=rate, seed=seed)
    assert df["decision_time"].is_monotonic_increasing
    assert df["application_id"].is_unique
    declined = df["underwriter_decision"].eq("declined").to_numpy()
    assert (df["defaulted"].isna().to_numpy() == declined).all()


# ------------------------------------------------------------------ behaviour

def test_observed_outcome_only_where_approved(base):
    """Check `defaulted` is missing exactly where declined and equals the truth where approved."""
    declined = base["underwriter_decision"].eq("declined")
    assert base["defaulted"].isna().equals(declined)
    approved = ~declined
    assert (base.loc[approved, "defaulted"].astype(bool) == base.loc[approved, "defaulted_truth"]).all()


def test_rates_and_model_quality(year):
    """Check the default rate (8–12%), approval rate (60–75%) and the model's AUC (0.70–0.80)."""
    assert 0.08 <= year["defaulted_truth"].mean() <= 0.12
    assert 0.60 <= year["underwriter_decision"].eq("approved").mean() <= 0.75
    assert 0.70 <= auc(year["p_default"], year["defaulted_truth"]) <= 0.80
    # calibrated-ish: mean score near the mean true probability
    assert year["p_default"].mean() == pytest.approx(year["true_pd"].mean(), rel=0.1)


def test_grade_orders_risk(year):
    """Check the default probability rises from grade A to grade G."""
    by_grade = year.groupby("grade", observed=True)["true_pd"].mean()
    assert by_grade.is_monotonic_increasing and len(by_grade) == 7


def test_underwriter_habits(year):
    """Check underwriters approve more on Fridays, fewer large loans, and fewer risky ones."""
    approved = year["underwriter_decision"].eq("approved")
    weekday = year["decision_time"].dt.day_of_week
    assert approved[weekday == 4].mean() > approved[weekday.isin([0, 1, 2, 3])].mean() + 0.03
    assert approved[year["loan_amount"] > 30_000].mean() < approved[year["loan_amount"] < 10_000].mean()
    assert year.loc[approved, "true_pd"].mean() < year.loc[~approved, "true_pd"].mean()


def test_age_band_does_not_enter_true_pd(base):
    """Check true_pd is the features' logistic formula without age_band: recomputing it
    with age_band dropped, or shuffled, gives exactly the same probabilities."""
    without = _sigmoid(_risk_log_odds(base.drop(columns=["age_band"])))
    np.testing.assert_array_equal(without, base["true_pd"].to_numpy())
    shuffled = base.assign(age_band=base["age_band"].sample(frac=1, random_state=0).to_numpy())
    np.testing.assert_array_equal(_sigmoid(_risk_log_odds(shuffled)), base["true_pd"].to_numpy())


# ------------------------------------------------------------------ scenarios

def _split(df):
    before = (df["decision_time"] < T0).to_numpy()
    return before, ~before


def test_feature_drift(base):
    """Check FeatureDrift adds its shift from its start and not before, and the scores
    and true probabilities follow the feature."""
    df = make_history(**SIZE, scenarios=[FeatureDrift("2025-03-01")])
    before, after = _split(df)
    pd.testing.assert_frame_equal(df[before], base[before])
    np.testing.assert_allclose(df.loc[after, "debt_to_income"],
                               base.loc[after, "debt_to_income"] + 8.0)
    assert df.loc[after, "p_default"].mean() > base.loc[after, "p_default"].mean() + 0.01
    assert df.loc[after, "true_pd"].mean() > base.loc[after, "true_pd"].mean() + 0.01
    assert (df.loc[after, "true_pd"] > base.loc[after, "true_pd"]).all()


def test_feature_drift_other_column_clipped(base):
    """Check a negative shift on loan_amount is clipped at the 1,000 floor."""
    df = make_history(**SIZE, scenarios=[FeatureDrift("2025-03-01", "loan_amount", -5_000.0)])
    _, after = _split(df)
    expected = np.maximum(base.loc[after, "loan_amount"] - 5_000.0, 1_000.0)
    np.testing.assert_array_equal(df.loc[after, "loan_amount"], expected)
    assert (df.loc[after, "loan_amount"] == 1_000).mean() > 0.1


def test_concept_shift(base):
    """Check ConceptShift multiplies the true odds from its start, leaves the model's
    score alone and raises realised defaults."""
    df = make_history(**SIZE, scenarios=[ConceptShift("2025-03-01", factor=1.6)])
    before, after = _split(df)
    pd.testing.assert_frame_equal(df[before], base[before])
    np.testing.assert_allclose(odds(df.loc[after, "true_pd"]) / odds(base.loc[after, "true_pd"]), 1.6)
    pd.testing.assert_series_equal(df["p_default"], base["p_default"])
    rate, old = df.loc[after, "defaulted_truth"].mean(), base.loc[after, "defaulted_truth"].mean()
    assert rate > old * 1.3
    assert (df.loc[after, "defaulted_truth"] >= base.loc[after, "defaulted_truth"]).all()


def test_concept_shifts_compound(base):
    """Check two concept shifts multiply the odds by both factors where both apply."""
    df = make_history(**SIZE, scenarios=[ConceptShift("2025-02-01", 2.0),
                                          ConceptShift("2025-03-01", 1.5)])
    _, after = _split(df)
    np.testing.assert_allclose(odds(df.loc[after, "true_pd"]) / odds(base.loc[after, "true_pd"]), 3.0)


def test_new_channel(base):
    """Check NewChannel takes about its share of applications from its start, with a
    riskier mix, and leaves earlier rows alone."""
    df = make_history(**SIZE, scenarios=[NewChannel("2025-03-01", share=0.35, name="broker")])
    before, after = _split(df)
    assert list(df["channel"].cat.categories) == ["branch", "online", "broker"]
    pd.testing.assert_frame_equal(df[before], base[before], check_categorical=False)
    assert not df.loc[before, "channel"].eq("broker").any()
    new = df["channel"].eq("broker").to_numpy() & after
    assert new[after].mean() == pytest.approx(0.35, abs=0.02)
    old = after & ~new
    assert df.loc[new, "true_pd"].mean() > 1.3 * df.loc[old, "true_pd"].mean()
    assert df.loc[new, "annual_income"].mean() < df.loc[old, "annual_income"].mean()
    assert df.loc[new, "debt_to_income"].mean() > df.loc[old, "debt_to_income"].mean()
    risky = df["grade"].isin(list("DEFG"))
    assert risky[new].mean() > risky[old].mean() + 0.1
    # the other applications keep their channel and their features
    pd.testing.assert_frame_equal(df[old], base[old], check_categorical=False)


def test_model_outage(base):
    """Check ModelOutage blanks p_default exactly in [start, end) and changes nothing else."""
    start, end = pd.Timestamp("2025-03-01 09:00"), pd.Timestamp("2025-03-04 17:30")
    df = make_history(**SIZE, scenarios=[ModelOutage(str(start), str(end))])
    inside = (df["decision_time"] >= start) & (df["decision_time"] < end)
    assert inside.sum() > 100
    assert df["p_default"].isna().equals(inside)
    pd.testing.assert_series_equal(df.loc[~inside, "p_default"], base.loc[~inside, "p_default"])
    pd.testing.assert_frame_equal(df.drop(columns="p_default"), base.drop(columns="p_default"))


def test_scenarios_combine(base):
    """Check all four scenarios can run together and each still shows."""
    df = make_history(**SIZE, scenarios=[
        FeatureDrift("2025-02-01"), ConceptShift("2025-03-01"),
        NewChannel("2025-03-15", 0.2), ModelOutage("2025-04-01", "2025-04-03")])
    assert tuple(df.columns) == COLUMNS
    assert df["p_default"].isna().sum() > 0
    assert df["channel"].eq("broker").sum() > 0
    pd.testing.assert_frame_equal(df[df["decision_time"] < "2025-02-01"],
                                  base[base["decision_time"] < "2025-02-01"],
                                  check_categorical=False)


# ------------------------------------------------------------------ validation

@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_days=0), r"n_days: 0 is not a whole number of days of at least 1"),
        (dict(n_days=2.5), r"n_days: 2.5 is not a whole number"),
        (dict(applications_per_day=-1), r"applications_per_day: -1 is not a positive number"),
        (dict(applications_per_day=float("nan")), r"applications_per_day: nan"),
        (dict(seed=-1), r"seed: -1 is not a non-negative whole number"),
        (dict(start="soon"), r"start: 'soon' is not a date"),
        (dict(start="2025-01-01 08:00"), r"start: .* has a time of day"),
        (dict(scenarios=["drift"]), r"scenarios\[0\]: 'drift' is not a scenario; valid: FeatureDrift"),
        (dict(scenarios=[NewChannel("2025-02-01"), NewChannel("2025-03-01", name="app")]),
         r"scenarios\[1\]: is a second NewChannel"),
        (dict(scenarios=[ConceptShift("2024-12-31")]),
         r"scenarios\[0\].start: '2024-12-31' is outside the history \[2025-01-01, 2025-01-31\)"),
        (dict(scenarios=[FeatureDrift("2025-01-31")]), r"scenarios\[0\].start: .* outside the history"),
        (dict(scenarios=[ModelOutage("2026-01-01", "2026-01-02")]), r"scenarios\[0\].start"),
    ],
)
def test_make_history_rejects(kwargs, match):
    """Check each invalid argument is a DataError naming it, what is wrong and what is valid."""
    args = dict(n_days=30, applications_per_day=5) | kwargs
    with pytest.raises(DataError, match=match):
        make_history(**args)


def test_all_problems_reported_at_once():
    """Check several invalid arguments are reported together."""
    with pytest.raises(DataError, match="make_history has 3 problems") as info:
        make_history(n_days=0, applications_per_day=0, seed=-5)
    assert [p.where for p in info.value.problems] == ["n_days", "applications_per_day", "seed"]


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: FeatureDrift("2025-02-01", column="age_band"),
         r"FeatureDrift: column: 'age_band' is not a numeric applicant feature.*valid: loan_amount"),
        (lambda: FeatureDrift("2025-02-01", shift=float("inf")), r"shift: inf is not a finite number"),
        (lambda: FeatureDrift("not a date"), r"start: 'not a date' is not a date"),
        (lambda: ConceptShift("2025-02-01", factor=0), r"factor: 0 is not a positive number"),
        (lambda: ConceptShift("2025-02-01", factor=-1.5), r"factor: -1.5 is not a positive"),
        (lambda: NewChannel("2025-02-01", share=0), r"share: 0 is not strictly between 0 and 1"),
        (lambda: NewChannel("2025-02-01", share=1.0), r"share: 1.0 is not strictly between"),
        (lambda: NewChannel("2025-02-01", name="online"), r"name: 'online' is not a new channel"),
        (lambda: NewChannel("2025-02-01", name=""), r"name: '' is not a new channel"),
        (lambda: ModelOutage("2025-02-01", "2025-02-01"), r"end: '2025-02-01' is not after start"),
        (lambda: ModelOutage("2025-02-02", "2025-02-01"), r"ModelOutage: end: .* is not after"),
        (lambda: ModelOutage("2025-02-01T00:00+01:00", "2025-02-02"), r"start: .* has a time zone"),
    ],
)
def test_scenarios_reject(make, match):
    """Check each invalid scenario argument is a DataError naming it and what is valid."""
    with pytest.raises(DataError, match=match):
        make()


def test_scenarios_are_frozen():
    """Check scenarios are immutable values that compare equal by content."""
    drift = FeatureDrift("2025-03-01")
    assert drift == FeatureDrift("2025-03-01", "debt_to_income", 8.0)
    with pytest.raises(AttributeError):
        drift.shift = 1.0  # type: ignore[misc]
