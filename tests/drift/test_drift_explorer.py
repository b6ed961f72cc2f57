"""The drift explorer: each choice shows the drift drift_over_time measures for it."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd

from trustlab.datasets import FeatureDrift, make_history
from trustlab.drift import DriftExplorer, drift_over_time


def test_choices_equal_drift_over_time():
    """Check window, reference, measure and levels each give drift_over_time's own result."""
    h = make_history(n_days=240, applications_per_day=30, seed=2,
                     scenarios=[FeatureDrift("2025-06-02", "debt_to_income", 8.0)])
    cols = ["debt_to_income", "p_default", "channel"]
    ex = DriftExplorer(h, time="decision_time", columns=cols)
    image = ex.image
    ex.set(window="2W", reference="60D", levels="learned", metric="ks")
    exact = drift_over_time(h, {"first": "60D"}, time="decision_time", window="2W",
                            columns=cols, levels="learned")
    pd.testing.assert_frame_equal(ex.result.frame, exact.frame)
    assert ex.image != image
    assert "First act alert: debt_to_income" in ex.numbers_html
    assert "the first 60 days" in ex.numbers_html
