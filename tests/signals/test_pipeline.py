"""Tests for build_pipeline, source_features and transformed_names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from sklearn.svm import LinearSVC

import trustlab
from trustlab.signals import (
    build_pipeline,
    categorical_columns,
    default_estimator,
    is_linear,
    source_features,
    transformed_names,
)


@pytest.fixture
def frame():
    """Eight rows with every kind of column the pipeline encodes, some values missing."""
    return pd.DataFrame({
        "amount": [100.0, np.nan, 300.0, 150.0, 220.0, 90.0, 400.0, 310.0],
        "grade": pd.Categorical(["A", "B", None, "A", "C", "B", "C", "A"]),
        "purpose": pd.Series(["car", "home", "car", None, "car", "home", "car", "home"],
                             dtype="str"),
        "online": [True, False, True, True, False, False, True, False],
        "years": [1, 5, 3, 8, 2, 7, 4, 6],
    })


Y = np.array([0, 1, 0, 1, 1, 0, 1, 0])


def test_default_tree_pipeline_steps(frame):
    """Check that the default pipeline is prepare → HGB, with passthrough numbers and ordinal codes."""
    pipe = build_pipeline(frame)
    assert [name for name, _ in pipe.steps] == ["prepare", "model"]
    prepare, model = pipe.steps[0][1], pipe.steps[1][1]
    assert isinstance(prepare, ColumnTransformer)
    assert prepare.verbose_feature_names_out is False
    assert isinstance(model, HistGradientBoostingClassifier)
    assert model.get_params()["random_state"] == 0
    assert model.get_params()["early_stopping"] is False
    kinds = {name: (trans, cols) for name, trans, cols in prepare.transformers}
    assert kinds["numeric"] == ("passthrough", ["amount", "years"])
    encoder, cols = kinds["categorical"]
    assert cols == ["grade", "purpose", "online"]
    assert isinstance(encoder, OrdinalEncoder)
    assert encoder.handle_unknown == "use_encoded_value"
    assert np.isnan(encoder.unknown_value) and np.isnan(encoder.encoded_missing_value)


def test_tree_pipeline_keeps_names_and_missing_values(frame):
    """Check that a fitted tree pipeline keeps the input names, NaN, and no native categoricals."""
    pipe = build_pipeline(frame, default_estimator().set_params(max_iter=5)).fit(frame, Y)
    assert set(transformed_names(pipe)) == set(frame.columns)
    assert source_features(pipe) == transformed_names(pipe)
    out = pipe[:-1].transform(frame)
    names = transformed_names(pipe)
    assert np.isnan(out[1, names.index("amount")])  # kept for HGB to handle
    assert np.isnan(out[2, names.index("grade")])  # missing category -> NaN
    # the model sees plain numbers, never HGB's own categorical mode (wrong SHAP values)
    assert pipe.named_steps["model"].is_categorical_ is None
    unseen = frame.assign(grade=pd.Categorical(["Z"] * 8))
    assert np.isnan(pipe[:-1].transform(unseen)[:, names.index("grade")]).all()


def test_linear_pipeline_imputes_scales_and_one_hot_encodes(frame):
    """Check that a linear model gets median-imputed scaled numbers and one-hot categories."""
    pipe = build_pipeline(frame, LogisticRegression())
    kinds = {name: trans for name, trans, _ in pipe.steps[0][1].transformers}
    num = [type(step) for _, step in kinds["numeric"].steps]
    cat = [step for _, step in kinds["categorical"].steps]
    assert num == [SimpleImputer, StandardScaler]
    assert kinds["numeric"].steps[0][1].strategy == "median"
    assert cat[0].strategy == "most_frequent"
    assert isinstance(cat[1], OneHotEncoder) and cat[1].handle_unknown == "ignore"
    assert cat[1].sparse_output is False
    pipe.fit(frame, Y)
    out = pipe[:-1].transform(frame)
    assert not np.isnan(out).any()


def test_source_features_maps_one_hot_columns_back(frame):
    """Check that each one-hot column maps back to the column it came from, in output order."""
    pipe = build_pipeline(frame, LogisticRegression()).fit(frame, Y)
    names = transformed_names(pipe)
    sources = source_features(pipe)
    assert len(names) == len(sources) == pipe.named_steps["model"].coef_.shape[1]
    assert sources == ["amount", "years", "grade", "grade", "grade", "purpose", "purpose",
                       "online", "online"]
    assert names[2:5] == ["grade_A", "grade_B", "grade_C"]


def test_source_features_with_prefix_like_names():
    """Check that a column whose name starts like another's maps to the right one."""
    X = pd.DataFrame({"a": ["x", "y", "x", "y"], "a_b": ["u", "u", "v", "v"]})
    pipe = build_pipeline(X, LogisticRegression()).fit(X, [0, 1, 0, 1])
    assert transformed_names(pipe) == ["a_x", "a_y", "a_b_u", "a_b_v"]
    assert source_features(pipe) == ["a", "a", "a_b", "a_b"]


def test_categorical_columns_by_dtype():
    """Check that object, text, category and (nullable) boolean columns are categorical."""
    X = pd.DataFrame({
        "o": pd.Series(["a", None], dtype=object), "s": pd.Series(["a", "b"], dtype="str"),
        "c": pd.Categorical(["a", "b"]), "b": [True, False],
        "nb": pd.array([True, None], dtype="boolean"), "i": [1, 2], "f": [1.0, 2.0],
        "ni": pd.array([1, None], dtype="Int64"),
    })
    assert categorical_columns(X) == ["o", "s", "c", "b", "nb"]


def test_is_linear():
    """Check that linear classifiers, also inside calibration, count as linear and trees do not."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import SGDClassifier

    assert is_linear(LogisticRegression()) and is_linear(SGDClassifier())
    assert is_linear(CalibratedClassifierCV(LogisticRegression()))
    assert not is_linear(default_estimator())
    assert not is_linear(CalibratedClassifierCV(default_estimator()))


def test_full_pipeline_is_accepted_as_is(frame):
    """Check that a complete Pipeline is returned unchanged, and explained only in two-step form."""
    own = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    assert build_pipeline(frame, own) is own
    numeric = frame[["amount", "years"]].fillna(0)
    own.fit(numeric, Y)
    with pytest.raises(trustlab.DataError, match="two-step form"):
        source_features(own)
    with pytest.raises(trustlab.DataError, match="two-step form"):
        transformed_names(own)


def test_estimator_without_predict_proba_is_refused(frame):
    """Check that an estimator with no probabilities is refused by name."""
    with pytest.raises(trustlab.DataError, match="LinearSVC has no predict_proba"):
        build_pipeline(frame, LinearSVC())
    with pytest.raises(trustlab.DataError, match="LinearSVC has no predict_proba"):
        build_pipeline(frame, Pipeline([("clf", LinearSVC())]))
    with pytest.raises(trustlab.DataError, match="must be a scikit-learn classifier"):
        build_pipeline(frame, "hgb")


def test_unusable_column_types_are_named(frame):
    """Check that a date column is refused with its name and what to do instead."""
    bad = frame.assign(applied=pd.date_range("2025-01-01", periods=8))
    with pytest.raises(trustlab.DataError, match=r"column 'applied'.*datetime64.*days since"):
        build_pipeline(bad)
    with pytest.raises(trustlab.DataError, match="must be a pandas DataFrame"):
        build_pipeline(frame.to_numpy())


def test_unfitted_pipeline_is_refused(frame):
    """Check that asking an unfitted pipeline for its sources says to fit it first."""
    with pytest.raises(trustlab.DataError, match="not fitted"):
        source_features(build_pipeline(frame))
