"""Never a feature: a policy's protected attributes are left out of every signal trained for it.

The history is the retention one with its outcome redrawn so that the
protected ``age_band`` is by far its best predictor (customers of 55 and over
churn at 75%, the others at 8%): a model left to itself would lean on it.
"""

from __future__ import annotations

import pytest

import trustlab
from trustlab.signals import non_feature_columns, select_features, train_missing_signals
from _support import age_driven_history, retention_policy

PROTECTED_WHY = "a protected attribute (`fairness.protected`), never a model feature"


_history = age_driven_history


_policy = retention_policy


@pytest.fixture(scope="module")
def history():
    return _history()


@pytest.fixture(scope="module")
def fair(tmp_path_factory):
    return _policy(tmp_path_factory.mktemp("fair"))


@pytest.fixture(scope="module")
def blind(tmp_path_factory):
    return _policy(tmp_path_factory.mktemp("blind"), fairness="")


def test_the_data_makes_the_protected_attribute_the_dominant_predictor(history, blind):
    """Check the premise: without `fairness`, age_band is a feature and the best one alone."""
    from trustlab.signals._oof import _values_auc

    assert history["age_band"].dtype == "str" and history["tenure_months"].dtype == "Int64"
    assert history["monthly_charge"].dtype == "float32"
    features, _ = select_features(history, "churned", time="contact_date", bad_when="Yes",
                                  name="p_churn", exclude=dict(non_feature_columns(blind)))
    assert "age_band" in features
    bad = (history["churned"] == "Yes").to_numpy()
    assert _values_auc(history["age_band"], bad) > 0.8
    assert _values_auc(history["age_band"], bad) > max(
        _values_auc(history[c], bad) for c in ("region", "plan", "contract", "payment_method"))


def test_select_features_leaves_out_the_protected_attribute_with_the_reason(history, fair):
    """Check the policy's non-features carry the protected attribute into select_features."""
    assert ("age_band", PROTECTED_WHY) in non_feature_columns(fair)
    features, excluded = select_features(history, "churned", time="contact_date",
                                         bad_when="Yes", name="p_churn",
                                         exclude=dict(non_feature_columns(fair)))
    assert "age_band" not in features
    assert dict(excluded)["age_band"] == PROTECTED_WHY


@pytest.fixture(scope="module")
def trained(history, fair):
    """The missing p_churn trained for the fair policy; the caller tries to relabel age_band."""
    return train_missing_signals(history, fair, seed=0,
                                 exclude={"age_band": "by hand", "region": "by hand"})


def test_a_trained_signal_never_reads_the_protected_attribute(history, trained):
    """Check train_missing_signals (through score_out_of_fold) leaves age_band out of the model.

    The card's features and the fitted pipeline's inputs lack it, and the
    card's ``excluded_columns`` says why — the policy's reason, which a
    caller's ``exclude`` cannot override.
    """
    scored, (signal,) = trained
    card = signal.result.card
    assert "age_band" not in card.features
    assert "age_band" not in signal.result.features
    assert "age_band" not in set(signal.result.model.feature_names_in_)
    reasons = dict(card.excluded_columns)
    assert reasons["age_band"] == PROTECTED_WHY and reasons["region"] == "by hand"
    assert "age_band" in card.summary().set_index("item").at["Columns left out", "value"]
    assert card.features and scored["p_churn"].notna().any()


def test_the_model_would_have_loved_the_protected_attribute(history, trained):
    """Check the control: the same features plus age_band score much better out of fold.

    So a signal that read every column would lean on it; only the protected
    list keeps it out. (A small model, on the same time-ordered folds.)
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    from trustlab.signals import score_out_of_fold

    features = list(trained[1][0].result.card.features)
    small = HistGradientBoostingClassifier(max_iter=30, random_state=0)
    kw = dict(time="contact_date", bad_when="Yes", estimator=small, n_splits=3)
    without = score_out_of_fold(history, "churned", features, **kw).card.oof_auc
    with_age = score_out_of_fold(history, "churned", features + ["age_band"], **kw).card.oof_auc
    assert with_age > without + 0.1
