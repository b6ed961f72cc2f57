"""Model cards, calibration, selection bias and safe model files."""

from __future__ import annotations

import math
import pickle
import zipfile

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import trustlab
from trustlab.datasets import load_german_credit, load_synthetic_sample
from trustlab.signals import (
    PIPELINE_TYPES,
    ModelCard,
    calibration_table,
    default_estimator,
    expected_calibration_error,
    load_model,
    observed_outcome_share,
    save_model,
    score_out_of_fold,
)
from _support import log1p_model_file, tampered_model_file


@pytest.fixture(scope="module")
def credit_result():
    credit = load_german_credit()
    return credit, score_out_of_fold(credit, "creditability", bad_when="bad", n_splits=3,
                                     estimator=default_estimator().set_params(max_iter=40))


# ------------------------------------------------------------------ calibration

def test_wilson_interval_by_hand():
    """Check one bin's 95% Wilson interval against the textbook formula, 3 bad in 10."""
    y = [1, 1, 1] + [0] * 7
    table = calibration_table(y, [0.3] * 10, bins=1)
    z, n, p = 1.959963984540054, 10, 0.3
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert table.loc[0, "observed_low"] == pytest.approx(centre - half)
    assert table.loc[0, "observed_high"] == pytest.approx(centre + half)
    assert table.loc[0, "observed_low"] == pytest.approx(0.1078, abs=1e-4)


def test_calibrated_probabilities_pass_and_doubled_ones_fail():
    """Check the ECE: outcomes drawn from p give a small error, p doubled a large one."""
    rng = np.random.default_rng(3)
    p = rng.uniform(0.01, 0.45, 40_000)
    y = rng.uniform(size=p.size) < p
    assert expected_calibration_error(y, p) < 0.01
    assert expected_calibration_error(y, np.minimum(2 * p, 1)) > 0.15
    table = calibration_table(y, p, bins=10)
    inside = (table["observed_low"] <= table["mean_predicted"]) \
        & (table["mean_predicted"] <= table["observed_high"])
    assert inside.sum() >= 8  # 95% intervals: nearly every bin covers the truth


def test_calibration_table_refuses_bad_input():
    """Check that lengths, outcomes and probabilities are validated together with names."""
    with pytest.raises(trustlab.DataError, match="y_true_bad"):
        calibration_table([0, 1], [0.1])
    with pytest.raises(trustlab.DataError) as info:
        calibration_table([0, 2], [0.1, 1.5])
    assert {p.where for p in info.value.problems} == {"y_true_bad", "p"}
    with pytest.raises(trustlab.ParameterError, match="'strategy' argument of calibration_table"):
        calibration_table([0, 1], [0.1, 0.2], strategy="kmeans")


def test_isotonic_calibration_repairs_a_miscalibrated_model():
    """Check that a threshold of 0.35 means about 35% risk once calibration is asked for.

    Class weights make a logistic regression over-predict risk badly; the
    isotonic calibration inside each fold brings the error back down.
    """
    history = load_synthetic_sample().iloc[:12_000]
    features = ["loan_amount", "annual_income", "debt_to_income", "credit_history_years",
                "delinquencies_2y", "grade"]
    skewed = LogisticRegression(class_weight={True: 6.0, False: 1.0}, max_iter=500)
    raw = score_out_of_fold(history, "defaulted", features, estimator=skewed, n_splits=3)
    fixed = score_out_of_fold(history, "defaulted", features, estimator=skewed, n_splits=3,
                              calibration="isotonic")
    assert raw.expected_calibration_error > 0.10
    assert fixed.expected_calibration_error < 0.02
    assert "over-predicts" in raw.calibration_verdict
    assert "calibration=" in raw.calibration_verdict  # the verdict names the remedy
    near = fixed.scores.between(0.30, 0.40) & fixed.outcome.notna()
    if near.sum() >= 50:
        assert fixed.outcome[near].astype(bool).mean() == pytest.approx(0.35, abs=0.08)


# ------------------------------------------------------------------ model card

def test_model_id_is_stable_and_sensitive(credit_result):
    """Check the id ignores row order but changes with parameters, features or data."""
    credit, result = credit_result
    est = default_estimator().set_params(max_iter=40)
    shuffled = credit.sample(frac=1.0, random_state=5)
    again = score_out_of_fold(shuffled, "creditability", bad_when="bad", n_splits=3, estimator=est)
    assert again.card.model_id == result.card.model_id
    assert again.card.model_id.startswith("hgb-")
    other_params = score_out_of_fold(credit, "creditability", bad_when="bad", n_splits=3,
                                     estimator=est.set_params(max_iter=41))
    fewer = score_out_of_fold(credit, "creditability", list(result.features[:-1]),
                              bad_when="bad", n_splits=3,
                              estimator=default_estimator().set_params(max_iter=40))
    changed = credit.copy()
    changed.loc[changed.index[0], "duration_in_month"] += 1
    other_data = score_out_of_fold(changed, "creditability", bad_when="bad", n_splits=3,
                                   estimator=default_estimator().set_params(max_iter=40))
    ids = {result.card.model_id, other_params.card.model_id, fewer.card.model_id,
           other_data.card.model_id}
    assert len(ids) == 4


def test_card_saves_and_loads(credit_result, tmp_path):
    """Check the card round-trips through JSON and reads as a table and as HTML."""
    _, result = credit_result
    path = result.card.save(tmp_path / "card.json")
    loaded = ModelCard.load(path)
    assert loaded == result.card
    summary = loaded.summary()
    assert list(summary.columns) == ["item", "value"]
    assert summary.set_index("item").loc["Model id", "value"] == result.card.model_id
    html = loaded._repr_html_()
    assert loaded.model_id in html and "AUC" in html


def test_card_load_names_the_bad_field(tmp_path):
    """Check that a damaged card file gets an error naming the file and field."""
    path = tmp_path / "card.json"
    path.write_text('{"model_id": 3}')
    with pytest.raises(trustlab.DataError, match="card.json"):
        ModelCard.load(path)


# ------------------------------------------------------------------ selection bias

def test_observed_outcome_share_on_the_synthetic_history():
    """Check outcomes exist only for approved loans and the share falls with the grade."""
    history = load_synthetic_sample()
    share = observed_outcome_share(history, "defaulted", "grade", bad_when=True)
    total = share.iloc[-1]
    assert total["grade"] == "(all rows)"
    assert total["rows"] == len(history)
    approved = (history["underwriter_decision"] == "approved").mean()
    assert total["share_observed"] == pytest.approx(approved)
    by_grade = share.iloc[:-1].set_index("grade")["share_observed"]
    assert by_grade["A"] > by_grade["D"] > by_grade["G"]
    assert share["rows"].iloc[:-1].sum() == len(history)  # no row dropped


def test_selection_note_states_the_bias():
    """Check the card says outcomes are observed for only part of the rows."""
    history = load_synthetic_sample().iloc[:6000]
    result = score_out_of_fold(history, "defaulted", time="decision_time", n_splits=3,
                               estimator=default_estimator().set_params(max_iter=20))
    observed = history["defaulted"].notna().mean()
    assert f"{100 * observed:.1f}%" in result.card.selection_note
    assert "extrapolation" in result.card.selection_note


# ------------------------------------------------------------------ model files

def test_saved_pipeline_round_trips(credit_result, tmp_path):
    """Check a saved default model scores the same after loading with the pipeline types."""
    credit, result = credit_result
    path = save_model(result.model, tmp_path / "model.skops")
    with zipfile.ZipFile(path) as z:
        assert "schema.json" in z.namelist()  # skops' data format, not a pickle
    with pytest.raises(trustlab.DataError, match="trusted=trustlab.signals.PIPELINE_TYPES"):
        load_model(path)
    model = load_model(path, trusted=PIPELINE_TYPES)
    X = credit[list(result.features)]
    np.testing.assert_array_equal(model.predict_proba(X), result.model.predict_proba(X))


def test_untrusted_types_are_refused_and_named(tmp_path):
    """Check that a file holding a function nobody trusted is refused, naming it."""
    path = log1p_model_file(tmp_path / "odd.skops")
    with pytest.raises(trustlab.DataError) as info:
        load_model(path, trusted=PIPELINE_TYPES)
    assert "math.log1p" in str(info.value) and "odd.skops" in str(info.value)
    assert load_model(path, trusted=[*PIPELINE_TYPES, "math.log1p"]) is not None


class _Payload:
    """Unpickling this runs a function: the classic pickle attack."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_crafted_pickle_is_never_unpickled(tmp_path):
    """Check a pickle whose loading would write a file is refused and runs nothing."""
    marker = tmp_path / "pwned"
    path = tmp_path / "model.skops"
    path.write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(trustlab.DataError, match="not a skops model file"):
        load_model(path, trusted=PIPELINE_TYPES)
    assert not marker.exists()


def test_crafted_skops_file_naming_a_dangerous_function_is_refused(tmp_path):
    """Check a skops file edited to call os.system is refused, naming the function."""
    bad = tampered_model_file(tmp_path)
    with pytest.raises(trustlab.DataError, match="os.system"):
        load_model(bad, trusted=PIPELINE_TYPES)


def test_load_model_argument_errors(tmp_path):
    """Check a missing file and a bad trusted list are named."""
    with pytest.raises(trustlab.DataError, match="not found"):
        load_model(tmp_path / "missing.skops")
    with pytest.raises(trustlab.DataError, match="trusted"):
        load_model(tmp_path / "missing.skops", trusted="numpy.dtype")
