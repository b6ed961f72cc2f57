"""Signals: models that score every case honestly, with a card that says what they are.

* :func:`build_pipeline` makes the two-step model pipeline (``prepare`` →
  ``model``) every signal uses; :func:`source_features` and
  :func:`transformed_names` trace the model's inputs back to the features.
* :func:`score_out_of_fold` scores every row with a model that never saw its
  outcome — in time order when there is a time column — and refits the model
  on every labelled row; the :class:`SignalResult` carries the scores, the
  model, the folds and a :class:`ModelCard`.
* :func:`calibration_table` and :func:`expected_calibration_error` check that
  probabilities mean what they say.
* :func:`save_model` and :func:`load_model` store models with skops, never
  pickle, and refuse types nobody trusted.
* :func:`observed_outcome_share` shows where outcomes are observed (selection bias).

Examples
--------
>>> from trustlab.datasets import load_german_credit
>>> from trustlab.signals import score_out_of_fold
>>> credit = load_german_credit()
>>> result = score_out_of_fold(credit, "creditability", bad_when="bad", n_splits=3)
>>> len(result.features), result.card.labelled_rows
(20, 1000)
>>> round(result.card.oof_auc, 2) > 0.7
True
"""

from ._bias import observed_outcome_share
from ._calibration import (
    ReliabilityDisplay,
    calibration_table,
    describe_calibration,
    expected_calibration_error,
)
from ._card import ModelCard
from ._fill import TrainedSignal, non_feature_columns, train_missing_signals
from ._oof import SignalResult, features_with_nan, score_out_of_fold, select_features
from ._persist import PIPELINE_TYPES, load_model, save_model
from ._proxy import ProxyCheck, proxy_warnings
from ._pipeline import (
    build_pipeline,
    categorical_columns,
    default_estimator,
    is_linear,
    source_features,
    transformed_names,
)

__all__ = [
    "features_with_nan",
    "ModelCard",
    "PIPELINE_TYPES",
    "ProxyCheck",
    "ReliabilityDisplay",
    "SignalResult",
    "TrainedSignal",
    "build_pipeline",
    "calibration_table",
    "categorical_columns",
    "default_estimator",
    "describe_calibration",
    "expected_calibration_error",
    "is_linear",
    "load_model",
    "non_feature_columns",
    "observed_outcome_share",
    "proxy_warnings",
    "save_model",
    "score_out_of_fold",
    "select_features",
    "source_features",
    "train_missing_signals",
    "transformed_names",
]
