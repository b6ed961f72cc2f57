"""Out-of-fold training reports the fold being trained, only when asked, same scores."""

from __future__ import annotations

import functools
import io
import re

import pytest
from sklearn.linear_model import LogisticRegression

import trustlab
from trustlab.datasets import load_german_credit, make_history
from trustlab.signals import default_estimator, score_out_of_fold, train_missing_signals
from _support import REPO

TIME = r"\(\d+\.\d s\)"


@pytest.fixture(scope="module")
def credit():
    return load_german_credit()


def _train(credit, **kwargs):
    return score_out_of_fold(credit, "creditability", bad_when="bad", n_splits=3, seed=1,
                             estimator=default_estimator().set_params(max_iter=20), **kwargs)


def test_ci_writes_one_line_per_fold(credit, capsys, monkeypatch):
    """Check CI gets a line as each fold and the final model start, then a done line."""
    monkeypatch.setenv("CI", "1")
    _train(credit, name="p_bad", progress=True)
    lines = capsys.readouterr().err.splitlines()
    expected = ["1/4 fold 1/3", "2/4 fold 2/3", "3/4 fold 3/3", "4/4 final model on every outcome"]
    assert len(lines) == 5, lines
    for line, step in zip(lines, expected):
        assert re.fullmatch(rf"Training 'p_bad': {step} {TIME}", line), line
    assert re.fullmatch(rf"Training 'p_bad': done, 4/4 {TIME}", lines[-1])


def test_quiet_by_default_and_results_identical(credit, capsys, monkeypatch):
    """Check the library stays quiet by default, and scores, folds and card are the same
    (the scores byte for byte) with progress on and off."""
    monkeypatch.setenv("CI", "1")
    quiet = _train(credit)
    assert capsys.readouterr().err == ""
    loud = _train(credit, progress=True)
    assert capsys.readouterr().err
    assert quiet.scores.to_numpy().tobytes() == loud.scores.to_numpy().tobytes()
    assert quiet.folds.equals(loud.folds) and quiet.card == loud.card


def test_time_folds_and_a_terminal_bar(capsys, monkeypatch):
    """Check time-ordered folds count the same way, drawn as one bar line on a terminal."""
    monkeypatch.delenv("CI", raising=False)
    tty = io.StringIO()
    tty.isatty = lambda: True
    monkeypatch.setattr("sys.stderr", tty)
    history = make_history(n_days=60, applications_per_day=30, seed=1)
    score_out_of_fold(history, "defaulted", time="decision_time", n_splits=3,
                      estimator=LogisticRegression(max_iter=200), progress=True)
    text = tty.getvalue()
    assert text.count("\n") == 1 and "\rTraining 'p_model' [" in text
    assert "fold 1/3" in text and "fold 3/3" in text and "final model on every outcome" in text
    assert re.search(r"\rTraining 'p_model': done, 4/4 ", text), text


def test_train_missing_signals_passes_progress(capsys, monkeypatch):
    """Check train_missing_signals reports each signal it trains when asked, and only then."""
    from trustlab.datasets import load_lending_club
    from trustlab.signals import _fill

    monkeypatch.setenv("CI", "1")
    small = functools.partial(_fill.score_out_of_fold,  # a small model: the test is about progress
                              estimator=LogisticRegression(max_iter=300))
    monkeypatch.setattr(_fill, "score_out_of_fold", small)
    policy = trustlab.load_policy(REPO / "policies" / "lending-club-risk.yaml")
    loans = load_lending_club().head(600)
    quiet, _ = train_missing_signals(loans, policy, exclude=["addr_state"])
    assert capsys.readouterr().err == ""
    loud, _ = train_missing_signals(loans, policy, exclude=["addr_state"], progress=True)
    err = capsys.readouterr().err
    assert "Training 'p_default': 1/6 fold 1/5" in err and "Training 'p_default': done, 6/6" in err
    assert quiet["p_default"].to_numpy().tobytes() == loud["p_default"].to_numpy().tobytes()
