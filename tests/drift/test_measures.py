"""The drift measures agree with scipy and with hand arithmetic."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import chi2_contingency, entropy, ks_2samp

from trustlab.drift._measures import (EPSILON, MEASURES, chi2_pvalue, js_distance, ks_statistic,
                                      psi)


def test_psi_by_hand_and_zero_bins():
    """Check PSI on two bins by hand, and that an empty bin counts as EPSILON."""
    assert psi(np.array([[50, 50]]), np.array([80, 20]))[0] == pytest.approx(
        -0.3 * np.log(0.5 / 0.8) + 0.3 * np.log(0.5 / 0.2))
    got = psi(np.array([[10, 0]]), np.array([5, 5]))[0]
    assert got == pytest.approx((1 - 0.5) * np.log(1 / 0.5) + (EPSILON - 0.5) * np.log(EPSILON / 0.5))
    assert psi(np.array([[3, 7]]), np.array([30, 70]))[0] == pytest.approx(0.0)


def test_psi_is_scipy_symmetric_kl_on_the_same_bins():
    """Check PSI equals KL(p||q) + KL(q||p) from scipy.stats.entropy where no bin is empty."""
    rng = np.random.default_rng(11)
    windows = rng.integers(1, 60, size=(15, 8))
    ref = rng.integers(1, 500, size=8)
    got = psi(windows, ref)
    for k in range(15):
        assert got[k] == pytest.approx(entropy(windows[k], ref) + entropy(ref, windows[k]),
                                       rel=1e-12)


def test_js_and_chi2_match_scipy():
    """Check JS distance and the chi-square p-value against scipy on random tables."""
    rng = np.random.default_rng(3)
    windows = rng.integers(0, 40, size=(20, 6))
    windows[3, 2] = 0  # an empty bin in one window
    ref = rng.integers(1, 400, size=6)
    js = js_distance(windows, ref)
    p = chi2_pvalue(windows, ref)
    for k in range(20):
        assert js[k] == pytest.approx(jensenshannon(windows[k], ref, base=2), abs=1e-12)
        table = np.vstack([windows[k], ref])
        table = table[:, table.sum(axis=0) > 0]
        assert p[k] == pytest.approx(chi2_contingency(table, correction=False).pvalue, rel=1e-9)


def test_ks_matches_scipy_with_ties_and_empty_windows():
    """Check the one-sort KS equals ks_2samp per window, ties and an empty window included."""
    rng = np.random.default_rng(7)
    ref = np.sort(np.round(rng.normal(size=500), 1))  # rounded: many ties
    values = np.round(rng.normal(0.2, 1.1, size=900), 1)
    windows = rng.integers(0, 6, size=900)
    windows[windows == 4] = 5  # window 4 is empty
    got = ks_statistic(values, windows, 6, ref)
    assert np.isnan(got[4])
    for k in (0, 1, 2, 3, 5):
        assert got[k] == pytest.approx(ks_2samp(values[windows == k], ref).statistic, abs=1e-12)


def test_levels_and_direction():
    """Check the documented default levels, and that chi-square flags low p-values."""
    assert (MEASURES["psi"].warn, MEASURES["psi"].act) == (0.10, 0.25)
    assert (MEASURES["ks"].warn, MEASURES["ks"].act) == (0.10, 0.20)
    st = MEASURES["chi2"].status(np.array([0.5, 0.0005, 0.000001, np.nan]), 1e-3, 1e-5)
    assert st.tolist() == ["ok", "warn", "act", "n/a"]
    st = MEASURES["psi"].status(np.array([0.05, 0.1, 0.25]), 0.1, 0.25)
    assert st.tolist() == ["ok", "warn", "act"]
