"""The model pipeline: ``prepare`` (a ColumnTransformer) then ``model`` (a classifier).

Every signal model in the kit has the same two steps, so the explanation
module can trace each model input back to the applicant feature it came from:

* tree models (gradient boosting and anything else that is not linear) get the
  numeric columns as they are, missing values included, and the categorical
  columns as ordinal codes; the codes are made here, never by
  ``HistGradientBoostingClassifier``'s native categorical mode, for which
  shap's ``TreeExplainer`` gives wrong values (shap issue 3436);
* linear models get median-imputed, standardised numeric columns and
  one-hot-encoded categorical columns (most frequent value imputed).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._errors import DataError, Problem

__all__ = [
    "build_pipeline",
    "default_estimator",
    "is_linear",
    "source_features",
    "transformed_names",
    "categorical_columns",
]

#: Parameters of the default estimator: small trees, slow learning, no early
#: stopping (which would hold out a random validation set) — deterministic.
DEFAULT_PARAMS: dict[str, object] = {
    "max_iter": 200,
    "learning_rate": 0.05,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 20,
    "l2_regularization": 1.0,
    "early_stopping": False,
    "random_state": 0,
}


def default_estimator():
    """The kit's default signal model: a small gradient-boosted tree ensemble.

    Returns
    -------
    sklearn.ensemble.HistGradientBoostingClassifier
        With 200 iterations at learning rate 0.05, at most 15 leaves and at
        least 20 rows per leaf, L2 regularisation 1, no early stopping and
        ``random_state=0``: the same data always gives the same model.

    Examples
    --------
    >>> default_estimator().get_params()["max_iter"]
    200
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(**DEFAULT_PARAMS)


def _inner(estimator):
    """The estimator a calibration wrapper wraps (the estimator itself otherwise)."""
    from sklearn.calibration import CalibratedClassifierCV

    if isinstance(estimator, CalibratedClassifierCV) and estimator.estimator is not None:
        return _inner(estimator.estimator)
    return estimator


def is_linear(estimator) -> bool:
    """Whether ``estimator`` is a linear classifier (and so gets one-hot, scaled inputs).

    A classifier counts as linear when it derives from scikit-learn's
    ``LinearClassifierMixin`` (``LogisticRegression``, ``SGDClassifier``,
    ``RidgeClassifier``...) or its class comes from ``sklearn.linear_model``.
    A ``CalibratedClassifierCV`` is judged by the estimator it wraps.

    Parameters
    ----------
    estimator : object
        An unfitted or fitted classifier.

    Returns
    -------
    bool

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> is_linear(LogisticRegression()), is_linear(default_estimator())
    (True, False)
    """
    from sklearn.linear_model._base import LinearClassifierMixin

    est = _inner(estimator)
    return isinstance(est, LinearClassifierMixin) or type(est).__module__.startswith(
        "sklearn.linear_model")


def _is_categorical(dtype) -> bool:
    return (isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype)
            or pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype))


def categorical_columns(X: pd.DataFrame) -> list[str]:
    """The columns of ``X`` the pipeline encodes: object, text, category and boolean dtypes.

    Parameters
    ----------
    X : pandas.DataFrame

    Returns
    -------
    list of str
        In the order of ``X``'s columns.

    Examples
    --------
    >>> X = pd.DataFrame({"amount": [1.0], "grade": ["A"], "online": [True]})
    >>> categorical_columns(X)
    ['grade', 'online']
    """
    return [c for c in X.columns if _is_categorical(X[c].dtype)]


def _check_columns(X: pd.DataFrame, source: str) -> tuple[list[str], list[str]]:
    """Numeric and categorical feature columns of ``X``, or a DataError for any other kind."""
    problems = []
    if not isinstance(X, pd.DataFrame):
        raise DataError(source, [Problem("X", f"must be a pandas DataFrame of features; got "
                                              f"{type(X).__name__}")])
    if X.shape[1] == 0:
        raise DataError(source, [Problem("X", "has no columns; give at least one feature")])
    if not all(isinstance(c, str) for c in X.columns):
        bad = [repr(c) for c in X.columns if not isinstance(c, str)]
        problems.append(Problem("columns", f"names must be text; got {', '.join(bad[:5])}"))
    categorical = categorical_columns(X)
    numeric = []
    for c in X.columns:
        if c in categorical:
            continue
        dtype = X[c].dtype
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
            numeric.append(c)
        else:
            problems.append(Problem(f"column '{c}'", f"has dtype {dtype}, which the model cannot "
                                                     f"use; give numbers, text, categories or "
                                                     f"true/false (e.g. turn a date into days "
                                                     f"since an event)"))
    if problems:
        raise DataError(source, problems)
    return numeric, categorical


def _check_estimator(estimator, source: str) -> None:
    if not hasattr(estimator, "fit") or not hasattr(estimator, "get_params"):
        raise DataError(source, [Problem("estimator", f"must be a scikit-learn classifier; got "
                                                      f"{type(estimator).__name__}")])
    if not hasattr(estimator, "predict_proba"):
        raise DataError(source, [Problem(
            "estimator", f"{type(estimator).__name__} has no predict_proba, so it gives no "
                         f"probability; use a probabilistic classifier such as "
                         f"HistGradientBoostingClassifier or LogisticRegression, or wrap it in "
                         f"CalibratedClassifierCV")])


def build_pipeline(X: pd.DataFrame, estimator=None):
    """A two-step pipeline ``[("prepare", ColumnTransformer), ("model", estimator)]`` for ``X``.

    Parameters
    ----------
    X : pandas.DataFrame
        The feature columns (only their names and dtypes are read). Object,
        text, category and boolean columns are categorical; other numeric
        columns are numeric.
    estimator : classifier, optional
        Anything with ``fit`` and ``predict_proba``; default
        :func:`default_estimator`. A linear classifier (see :func:`is_linear`)
        gets median-imputed, standardised numbers and one-hot categories; any
        other gets numbers as they are (missing values kept) and categories as
        ordinal codes, unknown and missing categories as NaN. A complete
        ``Pipeline`` ending in a probabilistic classifier is returned as it is.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Unfitted. Its ``prepare`` step keeps the input names
        (``verbose_feature_names_out=False``) and puts the numeric columns
        first, then the categorical ones, each in the order of ``X``.

    Raises
    ------
    trustlab.DataError
        When ``estimator`` has no ``predict_proba``, or a column has a dtype
        the model cannot use (dates, complex numbers).

    Examples
    --------
    >>> X = pd.DataFrame({"amount": [5.0, None, 9.0, 2.0], "grade": ["A", "B", None, "A"]})
    >>> pipe = build_pipeline(X).fit(X, [0, 1, 1, 0])
    >>> [name for name, _ in pipe.steps]
    ['prepare', 'model']
    >>> transformed_names(pipe)
    ['amount', 'grade']
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    source = "build_pipeline"
    if estimator is None:
        estimator = default_estimator()
    if isinstance(estimator, Pipeline):
        _check_estimator(estimator.steps[-1][1], source)
        return estimator
    _check_estimator(estimator, source)
    numeric, categorical = _check_columns(X, source)
    if is_linear(estimator):
        num = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
        cat = make_pipeline(SimpleImputer(strategy="most_frequent"),
                            OneHotEncoder(handle_unknown="ignore", sparse_output=False))
    else:
        num = "passthrough"
        cat = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                             encoded_missing_value=np.nan)
    parts = []
    if numeric:
        parts.append(("numeric", num, numeric))
    if categorical:
        parts.append(("categorical", cat, categorical))
    prepare = ColumnTransformer(parts, remainder="drop", verbose_feature_names_out=False)
    return Pipeline([("prepare", prepare), ("model", estimator)])


def _two_step_prepare(pipeline, source: str):
    """The fitted ``prepare`` ColumnTransformer, or a DataError saying why there is none."""
    from sklearn.compose import ColumnTransformer
    from sklearn.exceptions import NotFittedError
    from sklearn.pipeline import Pipeline
    from sklearn.utils.validation import check_is_fitted

    if not (isinstance(pipeline, Pipeline) and len(pipeline.steps) == 2
            and pipeline.steps[0][0] == "prepare"
            and isinstance(pipeline.steps[0][1], ColumnTransformer)):
        got = ([name for name, _ in pipeline.steps] if isinstance(pipeline, Pipeline)
               else type(pipeline).__name__)
        raise DataError(source, [Problem(
            "pipeline", f"explanations need the two-step form [('prepare', ColumnTransformer), "
                        f"('model', estimator)] that trustlab.signals.build_pipeline makes; "
                        f"got {got}")])
    prepare = pipeline.steps[0][1]
    try:
        check_is_fitted(prepare)
    except NotFittedError:
        raise DataError(source, [Problem("pipeline", "is not fitted; fit it first (or use "
                                                     "score_out_of_fold(...).model)")]) from None
    return prepare


def transformed_names(pipeline) -> list[str]:
    """Names of the columns the fitted ``prepare`` step hands to the model, in order.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        Fitted, in the two-step form of :func:`build_pipeline`.

    Returns
    -------
    list of str

    Raises
    ------
    trustlab.DataError
        When the pipeline is not in the two-step form or not fitted.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"amount": [5.0, 1.0, 9.0, 2.0], "grade": ["A", "B", "B", "A"]})
    >>> pipe = build_pipeline(X, LogisticRegression()).fit(X, [0, 1, 1, 0])
    >>> transformed_names(pipe)
    ['amount', 'grade_A', 'grade_B']
    """
    prepare = _two_step_prepare(pipeline, "transformed_names")
    return [str(n) for n in prepare.get_feature_names_out()]


def _sources_of(names: Sequence[str], columns: Sequence[str], transformer: str,
                source: str) -> list[str]:
    """Map each output name of one transformer to the input column it came from.

    An output named exactly like an input column came from it; otherwise the
    longest input column ``c`` such that the name starts with ``c + "_"``
    (scikit-learn's one-hot naming, ``column_category``).
    """
    by_length = sorted(columns, key=len, reverse=True)
    exact = set(columns)
    out = []
    for name in names:
        if name in exact:
            out.append(name)
            continue
        match = next((c for c in by_length if name.startswith(f"{c}_")), None)
        if match is None:
            raise DataError(source, [Problem(
                f"prepare step '{transformer}'", f"makes a column '{name}' that cannot be traced "
                                                 f"to one of its inputs ({', '.join(columns)}); "
                                                 f"use encoders that keep the input name, as "
                                                 f"build_pipeline does")])
        out.append(match)
    return out


def source_features(pipeline) -> list[str]:
    """For each column the model sees, the original feature it came from.

    One-hot columns map back to their categorical column; every other
    column of a :func:`build_pipeline` pipeline keeps its feature's name.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        Fitted, in the two-step form ``[("prepare", ColumnTransformer),
        ("model", estimator)]``.

    Returns
    -------
    list of str
        Same length and order as :func:`transformed_names`.

    Raises
    ------
    trustlab.DataError
        When the pipeline is not in the two-step form, is not fitted, or its
        ``prepare`` step makes a column whose source cannot be traced.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"amount": [5.0, 1.0, 9.0, 2.0], "grade": ["A", "B", "B", "A"]})
    >>> pipe = build_pipeline(X, LogisticRegression()).fit(X, [0, 1, 1, 0])
    >>> source_features(pipe)
    ['amount', 'grade', 'grade']
    """
    source = "source_features"
    prepare = _two_step_prepare(pipeline, source)
    out: list[str] = []
    for name, transformer, columns in prepare.transformers_:
        if transformer == "drop":
            continue
        if isinstance(columns, slice) or np.ndim(columns) == 0:
            columns = [columns]
        columns = list(columns)
        if columns and not isinstance(columns[0], str):  # positions (remainder on arrays)
            columns = [str(prepare.feature_names_in_[i]) for i in columns]
        if not columns:
            continue
        if transformer == "passthrough":
            out.extend(columns)
            continue
        names = [str(n) for n in transformer.get_feature_names_out(columns)]
        out.extend(_sources_of(names, columns, name, source))
    expected = len(prepare.get_feature_names_out())
    if len(out) != expected:  # pragma: no cover - a transformer that drops or adds columns oddly
        raise DataError(source, [Problem("pipeline", f"traced {len(out)} model inputs but the "
                                                     f"prepare step makes {expected}")])
    return out
