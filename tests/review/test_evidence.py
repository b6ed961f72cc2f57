"""Model evidence of a review: AUC with its DeLong interval, ROC, calibration, distributions."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

from trustlab.policy import Signal
from trustlab.review import auc_delong, roc_points, signal_evidence

matplotlib.use("Agg")

RISK = Signal("p", "probability", "m@1", "risk")

# Bad cases scored 0.9 and 0.4; good ones 0.3, 0.4 and 0.1 (one tie across the outcomes).
BAD = np.array([True, True, False, False, False])
SCORE = np.array([0.9, 0.4, 0.3, 0.4, 0.1])


def test_auc_and_delong_variance_by_hand():
    """Check the AUC (pairs ordered, ties one half) and DeLong's variance worked out on paper.

    Placements of the bad cases (share of good cases each outranks): 0.9 -> 1,
    0.4 -> (1 + 0.5 + 1) / 3 = 5/6; of the good cases (share of bad cases above
    each): 0.3 -> 1, 0.4 -> 0.75, 0.1 -> 1. AUC = mean(1, 5/6) = 11/12.
    var(V10) = 1/72 over m = 2, var(V01) = 1/48 over n = 3: variance 1/144 + 1/144.
    """
    auc, se, low, high = auc_delong(BAD, SCORE)
    assert auc == pytest.approx(11 / 12)
    assert se ** 2 == pytest.approx(2 / 144)
    z = 1.959963984540054
    assert low == pytest.approx(11 / 12 - z * math.sqrt(2 / 144))
    assert high == 1.0  # clipped


def test_auc_matches_mann_whitney_and_sklearn_on_random_data():
    """Check the AUC equals the pair count and scikit-learn's, and the DeLong standard error
    equals a brute-force computation of the placements over every pair."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(3)
    bad = rng.random(300) < 0.3
    score = np.round(rng.random(300) + 0.4 * bad, 2)  # rounded: ties on purpose
    auc, se, low, high = auc_delong(bad, score)
    pos, neg = score[bad], score[~bad]
    pairs = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    assert auc == pytest.approx(pairs.mean()) == pytest.approx(roc_auc_score(bad, score))
    v10, v01 = pairs.mean(axis=1), pairs.mean(axis=0)
    brute = math.sqrt(v10.var(ddof=1) / len(pos) + v01.var(ddof=1) / len(neg))
    assert se == pytest.approx(brute)
    assert low < auc < high


def test_auc_is_undefined_with_one_outcome():
    """Check that an AUC without both outcomes is NaN, never a default."""
    assert all(math.isnan(v) for v in auc_delong([True, True], [0.2, 0.3]))


def test_roc_points_and_area():
    """Check the ROC runs from (0, 0) to (1, 1), one point per distinct score, and that its
    trapezoid area is the AUC."""
    roc = roc_points(BAD, SCORE)
    assert roc["threshold"].tolist()[1:] == [0.9, 0.4, 0.3, 0.1]
    assert roc["true_positive_rate"].tolist() == [0.0, 0.5, 1.0, 1.0, 1.0]
    assert roc["false_positive_rate"].tolist() == pytest.approx([0, 0, 1 / 3, 2 / 3, 1])
    area = np.trapezoid(roc["true_positive_rate"], roc["false_positive_rate"])
    assert area == pytest.approx(11 / 12)


def test_signal_evidence_on_a_tiny_history():
    """Check counts, AUC and calibration groups worked out on paper; rows without a score or an
    outcome are left out of both, and counted in the distribution as they are."""
    score = np.r_[SCORE, np.nan, 0.5]
    labelled = np.r_[np.ones(5, bool), True, False]
    bad = np.r_[BAD, True, False]
    ev = signal_evidence(score, labelled, bad, signal=RISK, source="supplied", outcome="bad",
                         bins=2)
    assert (ev.rows, ev.scored, ev.labelled, ev.bad) == (7, 6, 5, 2)
    assert ev.auc == pytest.approx(11 / 12)
    t = ev.calibration  # quantile edges 0.1, 0.4, 0.9: {0.1, 0.3} and {0.4, 0.4, 0.9}
    assert t["count"].tolist() == [2, 3]
    assert t["observed_rate"].tolist() == pytest.approx([0, 2 / 3])
    assert t["mean_predicted"].tolist() == pytest.approx([0.2, 1.7 / 3])
    gap = (abs(0.2 - 0) * 2 + abs(1.7 / 3 - 2 / 3) * 3) / 5
    assert ev.ece == pytest.approx(gap)
    d = ev.distribution
    assert (d["good"].sum(), d["bad"].sum(), d["unlabelled"].sum()) == (3, 2, 1)
    assert "DeLong" in ev.auc_text() and ev.auc_text().startswith("0.917 (95% interval")
    doc = ev.to_dict()
    assert doc["auc_interval"] == "DeLong" and doc["calibration_groups"] == 2


def test_benefit_signal_is_ranked_and_calibrated_for_the_good_outcome():
    """Check that a benefit probability (P(good)) gets the same AUC as its complement read as
    risk, and is calibrated against the good outcome."""
    benefit = Signal("p_good", "probability", "m@1", "benefit")
    risk = signal_evidence(SCORE, np.ones(5, bool), BAD, signal=RISK, source="s", outcome="b",
                           bins=2)
    good = signal_evidence(1 - SCORE, np.ones(5, bool), BAD, signal=benefit, source="s",
                           outcome="b", bins=2)
    assert good.auc == pytest.approx(risk.auc)
    assert good.predicts == "good"
    # P(good) 0.1, 0.6, 0.7, 0.6, 0.9; edges 0.1, 0.6, 0.9 put the 0.6s above: {0.1} holds the
    # first bad case (good 0 of 1); {0.6, 0.7, 0.6, 0.9} holds the second and three good ones
    assert good.calibration["count"].tolist() == [1, 4]
    assert good.calibration["observed_rate"].tolist() == pytest.approx([0.0, 0.75])


def test_a_score_gets_ranking_but_no_calibration():
    """Check that a score (not a probability) is not calibrated, and the summary says why."""
    score_sig = Signal("s", "score", "m@1", "risk")
    ev = signal_evidence(SCORE * 700, np.ones(5, bool), BAD, signal=score_sig, source="s",
                         outcome="b")
    assert ev.calibration is None and ev.auc == pytest.approx(11 / 12)
    assert "not a probability" in ev.summary().loc["Calibration", "value"]
    assert ev.calibration_frame() is None


def test_one_outcome_only_says_why_instead_of_a_number():
    """Check that evidence on outcomes of one kind reads n/a with the reason."""
    ev = signal_evidence(SCORE, np.ones(5, bool), np.zeros(5, bool), signal=RISK, source="s",
                         outcome="b")
    assert math.isnan(ev.auc)
    assert ev.auc_text() == "n/a — every case with an observed outcome is good, so there is " \
                            "nothing to rank"


def test_plot_draws_three_panels_and_alt_text_says_what_they_show():
    """Check the figure's panels and that the alt text names the AUC and the groups."""
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    p = rng.random(400)
    bad = rng.random(400) < p
    ev = signal_evidence(p, np.ones(400, bool), bad, signal=RISK, source="supplied",
                         outcome="bad")
    shown = ev.plot()
    assert shown.calibration_ax_.get_title(loc="left").startswith("Calibration")
    assert len(shown.calibration_ax_.texts) == len(ev.calibration)  # one count per group
    assert "AUC" in shown.roc_ax_.get_legend().get_texts()[1].get_text()
    alt = ev.alt_text()
    assert "10 groups" in alt and "DeLong" in alt and "Wilson" in alt
    plt.close(shown.figure_)
    frame = ev.calibration_frame()
    assert list(frame.columns) == ["cases", "mean predicted", "observed bad outcome",
                                   "95% interval (Wilson)"]
    assert isinstance(frame, pd.DataFrame) and frame.index.name == "group"
