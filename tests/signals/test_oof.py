"""Tests for score_out_of_fold: honest folds, alignment, labels, features and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

import trustlab
from trustlab.datasets import load_german_credit, load_synthetic_sample, make_history
from trustlab.signals import SignalResult, default_estimator, score_out_of_fold, select_features


def small_hgb(max_iter: int = 30):
    """The default estimator with few iterations, for tests not about model quality."""
    return default_estimator().set_params(max_iter=max_iter)


class Spy(ClassifierMixin, BaseEstimator):
    """A classifier that checks what it is trained on and what it scores.

    Column 0 of what it sees is a time (a number). Fitting records the latest
    time trained on and refuses rows whose ``marker`` column (if any) is 1;
    scoring refuses any row not strictly later than the latest time trained on.
    """

    def __init__(self, marker: int | None = None, check_future: bool = True):
        self.marker = marker
        self.check_future = check_future

    def fit(self, X, y):
        X = np.asarray(X, dtype=float)
        if self.marker is not None:
            assert (X[:, self.marker] == 0).all(), "trained on a row without an outcome"
        self.latest_ = X[:, 0].max()
        self.rows_ = len(X)
        self.classes_ = np.unique(y)
        self.rate_ = float(np.mean(y))
        return self

    def predict_proba(self, X):
        X = np.asarray(X, dtype=float)
        if self.check_future:
            assert (X[:, 0] > self.latest_).all(), "scored a row at or before its training data"
        p = np.full(len(X), self.rate_)
        return np.column_stack([1 - p, p])


@pytest.fixture
def tiny_time():
    """Twelve rows at five times (counts 2, 3, 3, 2, 2); the t3 rows have no outcome.

    With n_splits=3 the blocks are cut at positions 3, 6, 9 of the sorted rows,
    each moved back to the first row of its time: [t1], [t2], [t3], [t4, t5].
    """
    t = pd.to_datetime(["2025-01-01"] * 2 + ["2025-01-02"] * 3 + ["2025-01-03"] * 3
                       + ["2025-01-04"] * 2 + ["2025-01-05"] * 2)
    frame = pd.DataFrame({
        "t": t,
        "x": [1.0, 2.0, 3.0, 1.0, 2.0, 5.0, 1.0, 2.0, 3.0, 1.0, 4.0, 2.0],
        "bad": pd.array([True, False, True, False, True, None, None, None,
                         True, False, False, True], dtype="boolean"),
    }, index=[f"r{i}" for i in range(12)])
    frame["t_days"] = (frame["t"] - pd.Timestamp("2025-01-01")).dt.days.astype(float)
    return frame


def test_time_folds_by_hand(tiny_time):
    """Check the time blocks, scoring folds and last training times worked out on paper."""
    result = score_out_of_fold(tiny_time, "bad", ["t_days", "x"], time="t", n_splits=3,
                               estimator=Spy())
    folds = result.folds
    assert folds["fold"].tolist() == [-1, -1, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2]
    day = pd.Timestamp("2025-01-01")
    expected_end = [pd.NaT] * 2 + [day] * 3 + [day + pd.Timedelta("1D")] * 3 \
        + [day + pd.Timedelta("1D")] * 4  # t3 has no outcomes: the last fold's data ends at t2
    assert folds["train_end"].tolist() == expected_end
    assert folds["scored"].tolist() == [False] * 2 + [True] * 10
    assert result.scores.iloc[:2].isna().all() and result.scores.iloc[2:].notna().all()
    # fold 0 trains on t1 (rate 1/2), fold 1 on t1+t2 (3/5), fold 2 on the same rows
    assert result.scores.iloc[2:].round(3).tolist() == [0.5] * 3 + [0.6] * 7
    assert result.card.unscored_rows == 2
    assert "2025-01-01T00:00:00 to 2025-01-01T00:00:00" in result.card.unscored_reason
    assert result.card.period == ("2025-01-01T00:00:00", "2025-01-05T00:00:00")


def test_time_folds_never_train_on_the_future(tiny_time):
    """Check that every scored row is later than everything its model trained on."""
    result = score_out_of_fold(tiny_time, "bad", ["t_days", "x"], time="t", n_splits=3,
                               estimator=Spy())  # Spy itself fails on any peek
    scored = result.folds["scored"]
    assert (result.folds.loc[scored, "train_end"] < tiny_time.loc[scored, "t"]).all()


def test_time_folds_on_the_synthetic_sample():
    """Check on the synthetic sample that no fold trains on a later period than it scores."""
    sample = load_synthetic_sample().iloc[:15_000]
    sample = sample.assign(t_seconds=(sample["decision_time"] - sample["decision_time"].min())
                           .dt.total_seconds())
    spied = score_out_of_fold(sample, "defaulted", ["t_seconds", "loan_amount"],
                              time="decision_time", estimator=Spy())
    real = score_out_of_fold(sample, "defaulted", time="decision_time",
                             estimator=small_hgb(50))
    for result in (spied, real):
        folds = result.folds
        scored = folds["scored"]
        assert (folds.loc[scored, "train_end"] < sample.loc[scored, "decision_time"]).all()
        first = ~scored
        assert result.scores[first].isna().all() and result.scores[scored].notna().all()
        assert sample.loc[first, "decision_time"].max() < sample.loc[scored, "decision_time"].min()
        assert first.sum() == result.card.unscored_rows == len(sample) // 6
        per_fold = sample.groupby(folds["fold"])["decision_time"].agg(["min", "max"])
        assert (per_fold["max"].iloc[:-1].to_numpy() < per_fold["min"].iloc[1:].to_numpy()).all()
    assert 0.6 < real.card.oof_auc < 0.8


def test_german_credit_out_of_fold_auc():
    """Check that the default model's out-of-fold AUC on German credit is in the published range."""
    credit = load_german_credit()
    result = score_out_of_fold(credit, "creditability", bad_when="bad")
    print(f"German credit OOF AUC, default HGB: {result.card.oof_auc:.4f}")
    assert 0.74 <= result.card.oof_auc <= 0.81
    assert result.card.oof_rows == 1000 and result.card.bad_rate == pytest.approx(0.3)
    assert "defaulted" not in result.features and len(result.features) == 20
    linear = score_out_of_fold(credit, "creditability", bad_when="bad",
                               estimator=LogisticRegression(max_iter=1000))
    print(f"German credit OOF AUC, logistic regression: {linear.card.oof_auc:.4f}")
    assert 0.74 <= linear.card.oof_auc <= 0.81
    assert linear.card.estimator == "LogisticRegression"
    assert linear.card.model_id.startswith("logit-")


@pytest.fixture(scope="module")
def credit_with_gaps():
    """German credit with a string index and every seventh label missing."""
    credit = load_german_credit()
    credit.index = [f"app{i:04d}" for i in range(len(credit))]
    labels = credit["creditability"].astype(object)
    labels.iloc[::7] = None
    return credit.assign(creditability=labels.astype("category")).drop(columns="defaulted")


def test_scores_follow_rows_not_positions(credit_with_gaps):
    """Check that permuting the input rows gives every row the same score, index kept."""
    kwargs = dict(label="creditability", bad_when="bad", estimator=small_hgb(), n_splits=3)
    result = score_out_of_fold(credit_with_gaps, **kwargs)
    shuffled = credit_with_gaps.sample(frac=1.0, random_state=3)
    again = score_out_of_fold(shuffled, **kwargs)
    assert again.scores.index.equals(shuffled.index)
    assert again.folds.index.equals(shuffled.index)
    pd.testing.assert_series_equal(again.scores.loc[result.scores.index], result.scores)
    assert again.card.model_id == result.card.model_id
    assert result.scores.name == "p_model" and result.scores.dtype == np.float64


def test_unlabelled_rows_are_scored_not_trained(credit_with_gaps):
    """Check that rows without a label get a score but never reach a model's training data."""
    data = credit_with_gaps.assign(no_outcome=credit_with_gaps["creditability"].isna()
                                   .astype(float))
    # Spy sees the numeric columns first: duration_in_month (column 0) and the marker last.
    features = ["duration_in_month", "credit_amount", "no_outcome"]
    result = score_out_of_fold(data, "creditability", features, bad_when="bad",
                               estimator=Spy(marker=2, check_future=False))
    labelled = int(data["creditability"].notna().sum())
    assert result.card.labelled_rows == labelled == result.model.named_steps["model"].rows_
    assert result.card.unlabelled_rows == len(data) - labelled
    assert result.scores.notna().all() and len(result.scores) == len(data)
    assert (result.folds["fold"] >= 0).all()
    # unlabelled rows are spread over the folds
    assert result.folds.loc[data["no_outcome"] == 1, "fold"].nunique() == 5
    assert "Outcomes are observed for 85.7% of rows" in result.card.selection_note
    assert result.outcome.isna().sum() == len(data) - labelled


def test_features_chosen_automatically_on_the_synthetic_history():
    """Check that ids, the time, truth columns, other scores and copies of the label are left out."""
    history = make_history(n_days=20, applications_per_day=30, seed=2)
    features, excluded = select_features(history, "defaulted", time="decision_time")
    assert features == ["channel", "loan_amount", "annual_income", "debt_to_income",
                        "credit_history_years", "delinquencies_2y", "employment_years", "grade",
                        "purpose", "age_band"]
    reasons = dict(excluded)
    assert set(reasons) == {"application_id", "decision_time", "true_pd", "p_default",
                            "underwriter_decision", "defaulted_truth", "defaulted"}
    assert "identifier" in reasons["application_id"]
    assert "constant on the rows with an outcome" in reasons["underwriter_decision"]
    assert "another model's probability" in reasons["p_default"]
    credit = load_german_credit()
    features, excluded = select_features(credit, "creditability", bad_when="bad")
    assert dict(excluded)["defaulted"] == "a copy of the label" and len(features) == 20


def test_card_and_result_contents():
    """Check the card's counts and metrics, the folds frame and the readable views."""
    history = make_history(n_days=30, applications_per_day=40, seed=4)
    result = score_out_of_fold(history, "defaulted", time="decision_time", n_splits=3,
                               estimator=small_hgb(), name="p_new")
    card = result.card
    assert isinstance(result, SignalResult)
    assert card.training_rows == len(history)
    assert card.labelled_rows == int(history["defaulted"].notna().sum())
    assert card.unlabelled_rows + card.labelled_rows == card.training_rows
    evaluable = result.scores.notna() & history["defaulted"].notna()
    assert card.oof_rows == int(evaluable.sum())
    from sklearn.metrics import roc_auc_score

    assert card.oof_auc == pytest.approx(roc_auc_score(
        history.loc[evaluable, "defaulted"].astype(bool), result.scores[evaluable]))
    assert sum(row[3] for row in card.calibration) == card.oof_rows
    assert list(result.folds.columns) == ["fold", "train_end", "scored"]
    assert result.folds["fold"].dtype == np.int64
    assert result.scores.name == "p_new"
    assert "expanding-window" in card.folds
    assert card.model_id in result._repr_html_()
    assert "p_new" in repr(result)
    assert isinstance(result.calibration_verdict, str)


def test_calibration_inside_the_folds():
    """Check that calibration wraps the estimator in each fold and in the final model."""
    from sklearn.calibration import CalibratedClassifierCV

    credit = load_german_credit()
    result = score_out_of_fold(credit, "creditability", bad_when="bad", n_splits=3,
                               estimator=small_hgb(20), calibration="sigmoid")
    step = result.model.named_steps["model"]
    assert isinstance(step, CalibratedClassifierCV)
    assert step.method == "sigmoid" and step.cv == 3
    assert result.card.calibration_method == "sigmoid"
    assert result.card.estimator == "HistGradientBoostingClassifier"
    assert result.scores.between(0, 1).all()


def test_plot_reliability():
    """Check that the plot draws the curve, the diagonal and the histogram with plain labels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    credit = load_german_credit()
    result = score_out_of_fold(credit, "creditability", bad_when="bad", n_splits=3,
                               estimator=small_hgb(20))
    display = result.plot()
    assert display.ax_.get_xlabel() in ("", "Predicted probability of the bad outcome")
    assert display.hist_ax_.get_xlabel() == "Predicted probability of the bad outcome"
    assert display.ax_.get_ylabel() == "Observed rate of the bad outcome"
    assert "Does predicted risk match what happened?" in display.ax_.get_title()
    assert display.figure_ is display.ax_.figure
    fig, ax = plt.subplots()
    onto = result.plot(ax=ax)
    assert onto.ax_ is ax and onto.figure_ is fig
    assert ax.get_xlabel() == "Predicted probability of the bad outcome"
    plt.close("all")


# ----------------------------------------------------------------------- errors

@pytest.fixture
def small():
    """Twenty rows, two features, a balanced label."""
    rng = np.random.default_rng(0)
    return pd.DataFrame({"x": rng.normal(size=20), "g": list("ab") * 10,
                         "y": [True, False] * 10})


def test_unknown_columns_are_listed(small):
    """Check that unknown label, feature and time columns are named with the columns present."""
    with pytest.raises(trustlab.DataError, match=r"label: 'z' not in data. Columns in data: x, g, y"):
        score_out_of_fold(small, "z")
    with pytest.raises(trustlab.DataError, match=r"features: 'w', 'v' not in data"):
        score_out_of_fold(small, "y", ["x", "w", "v"])
    with pytest.raises(trustlab.DataError, match=r"time: 'when' not in data"):
        score_out_of_fold(small, "y", time="when")
    with pytest.raises(trustlab.DataError, match="includes the label 'y'"):
        score_out_of_fold(small, "y", ["x", "y"])
    with pytest.raises(trustlab.DataError, match="must be a list of column names"):
        score_out_of_fold(small, "y", "x")


def test_single_class_label_is_refused(small):
    """Check that a label with one class among its labelled rows is refused."""
    one = small.assign(y=pd.array([True] * 10 + [None] * 10, dtype="boolean"))
    with pytest.raises(trustlab.DataError, match=r"column 'y': holds only bad outcomes among its "
                                                 r"10 labelled rows"):
        score_out_of_fold(one, "y")
    with pytest.raises(trustlab.DataError, match=r"bad_when: 'bad' is not a value of label 'y'; "
                                                 r"values: False, True"):
        score_out_of_fold(small, "y", bad_when="bad")


def test_estimator_without_predict_proba_is_refused(small):
    """Check that an estimator with no probabilities is refused by name."""
    with pytest.raises(trustlab.DataError, match="LinearSVC has no predict_proba"):
        score_out_of_fold(small, "y", estimator=LinearSVC())


def test_bad_parameters_are_refused_together(small):
    """Check that a bad calibration, n_splits and seed are reported at once."""
    with pytest.raises(trustlab.ParameterError) as info:
        score_out_of_fold(small, "y", calibration="platt", n_splits=1, seed=-1)
    where = [p.where for p in info.value.problems]
    assert where == ["n_splits", "seed", "calibration"]
    assert "must be one of None, 'isotonic', 'sigmoid'; got 'platt'" in str(info.value)


def test_too_few_rows_for_the_folds(small):
    """Check that folds that cannot hold both outcomes are refused with advice."""
    rare = small.assign(y=[True] * 3 + [False] * 17)
    with pytest.raises(trustlab.DataError, match="only 3 rows of its rarer outcome.*lower n_splits"):
        score_out_of_fold(rare, "y", n_splits=5)
    timed = small.assign(y=[False] * 17 + [True] * 3, t=np.arange(20.0))
    with pytest.raises(trustlab.DataError, match="only one outcome class"):
        score_out_of_fold(timed, "y", ["x"], time="t", n_splits=4)
    same_time = small.assign(t=pd.Timestamp("2025-01-01"))
    with pytest.raises(trustlab.DataError, match="too few distinct times"):
        score_out_of_fold(same_time, "y", ["x"], time="t")
    missing_time = small.assign(t=[pd.NaT] + list(pd.date_range("2025-01-01", periods=19)))
    with pytest.raises(trustlab.DataError, match=r"column 't': is missing on 1 rows \(first: 0\)"):
        score_out_of_fold(missing_time, "y", ["x"], time="t")


def test_time_ordered_folds_read_month_stamps():
    """Check that a time column of month stamps (pandas' default strings) orders the folds as
    its datetimes do, and that ``time_format`` reads a pattern only it can read."""
    import numpy as np
    import pandas as pd

    from trustlab.signals import score_out_of_fold

    rng = np.random.default_rng(0)
    n = 600
    months = pd.period_range("2017-01", periods=24, freq="M")
    month = months[np.sort(rng.integers(0, 24, n))]
    x = rng.normal(size=n)
    frame = pd.DataFrame({"x": x, "bad": rng.random(n) < 1 / (1 + np.exp(-2 * x)),
                          "when": month.to_timestamp()})
    as_dates = score_out_of_fold(frame, "bad", ["x"], time="when", n_splits=3)
    stamped = frame.assign(when=pd.Series(month.strftime("%b-%Y"), dtype="string"))
    as_stamps = score_out_of_fold(stamped, "bad", ["x"], time="when", n_splits=3)
    np.testing.assert_array_equal(as_dates.scores.to_numpy(), as_stamps.scores.to_numpy())
    odd = frame.assign(when=month.strftime("M%m of %Y"))
    with pytest.raises(trustlab.DataError, match="time_format"):
        score_out_of_fold(odd, "bad", ["x"], time="when", n_splits=3)
    as_odd = score_out_of_fold(odd, "bad", ["x"], time="when", n_splits=3, time_format="M%m of %Y")
    np.testing.assert_array_equal(as_dates.scores.to_numpy(), as_odd.scores.to_numpy())
