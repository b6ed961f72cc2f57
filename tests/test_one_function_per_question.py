"""One function per question: the data picks the backend (issue 21, point 2).

``replay``, ``threshold_sweep``, ``band_grid``, ``lda_search`` and
``drift_over_time`` answer a DataFrame in memory and a Parquet folder (or a Dask
DataFrame) through the parts backend, with the same numbers; options only an
in-memory answer has are refused by name for a history in parts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab import drift, scale, simulate
from trustlab._resources import shipped_file
from trustlab.datasets import make_history

GRID = np.round(np.linspace(0.02, 0.6, 30), 4)


@pytest.fixture(scope="module")
def policy():
    return trustlab.load_policy(shipped_file("policies/consumer-credit.yaml"))


@pytest.fixture(scope="module")
def history():
    # pandas' default text dtype and float32 scores: not the shipped example's dtypes
    h = make_history(n_days=40, applications_per_day=60, seed=5)
    for c in h.columns:
        if isinstance(h[c].dtype, pd.CategoricalDtype) or h[c].dtype == object:
            h[c] = h[c].astype("string")
    return h.astype({"p_default": "float32"})


@pytest.fixture(scope="module")
def folder(history, tmp_path_factory):
    return scale.write_parts(history, tmp_path_factory.mktemp("parts") / "history", 4)


def test_replay_of_a_folder_equals_the_replay_of_the_frame(policy, history, folder):
    """Check the same function replays a Parquet folder through the parts backend, with the
    metrics and checks of the in-memory replay and the parts backend's own result."""
    whole = simulate.replay(policy, history, seed=3)
    parts = simulate.replay(policy, folder, seed=3, batch_rows=500)
    assert isinstance(whole, simulate.Replay)
    assert isinstance(parts, scale.ScaledReplay) and parts.rows == len(history)
    direct = scale.replay(policy, folder, seed=3, batch_rows=500)
    key = ["metric", "by", "segment"]
    for a, b in ((whole, parts), (direct, parts)):
        pd.testing.assert_frame_equal(
            a.metrics.sort_values(key, na_position="first").reset_index(drop=True)[key + ["value"]],
            b.metrics.sort_values(key, na_position="first").reset_index(drop=True)[key + ["value"]],
            check_exact=False, rtol=1e-9, atol=1e-12, check_dtype=False)
    assert whole.passed == parts.passed


def test_sweep_grid_and_search_of_a_folder_equal_the_frame(policy, history, folder):
    """Check threshold_sweep, band_grid and lda_search answer a folder with what they answer the
    frame on the same grid."""
    s_mem = simulate.threshold_sweep(policy, history, "low-risk", thresholds=GRID)
    s_parts = simulate.threshold_sweep(policy, folder, "low-risk", thresholds=GRID)
    pd.testing.assert_frame_equal(s_mem.frame, s_parts.frame, check_exact=False, rtol=1e-12,
                                  atol=1e-9)
    g_mem = simulate.band_grid(policy, history, "low-risk", "high-risk",
                               approve_thresholds=GRID[:8], decline_thresholds=GRID[-8:])
    g_parts = simulate.band_grid(policy, folder, "low-risk", "high-risk",
                                 approve_thresholds=GRID[:8], decline_thresholds=GRID[-8:],
                                 batch_rows=700)
    pd.testing.assert_frame_equal(g_mem.frame, g_parts.frame, check_exact=False, rtol=1e-12,
                                  atol=1e-9)
    l_mem = simulate.lda_search(policy, history, "low-risk", "high-risk", by="channel",
                                approve_thresholds=GRID[:6], decline_thresholds=GRID[-6:])
    l_parts = simulate.lda_search(policy, folder, "low-risk", "high-risk", by="channel",
                                  approve_thresholds=GRID[:6], decline_thresholds=GRID[-6:])
    assert type(l_mem) is type(l_parts)
    pd.testing.assert_frame_equal(l_mem.frame, l_parts.frame, check_exact=False, rtol=1e-12,
                                  atol=1e-9)


def test_drift_of_a_folder_equals_the_frame(history, folder, tmp_path):
    """Check drift_over_time answers a folder through the parts backend with the PSI of the
    frame (PSI is exact from counts)."""
    ref = drift.Reference.from_data(history.iloc[:800], ["p_default", "loan_amount", "channel"])
    path = ref.save(tmp_path / "reference.json")
    mem = drift.drift_over_time(history, ref, time="decision_time", window="1W",
                                metrics=["psi"])
    parts = drift.drift_over_time(folder, path, time="decision_time", window="1W",
                                  metrics=["psi"], batch_rows=600)
    assert type(mem) is type(parts)
    key = ["column", "window_start"]
    a = mem.frame[mem.frame["metric"] == "psi"].sort_values(key).reset_index(drop=True)
    b = parts.frame[parts.frame["metric"] == "psi"].sort_values(key).reset_index(drop=True)
    np.testing.assert_allclose(a["value"].to_numpy(float), b["value"].to_numpy(float),
                               rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("call, option", [
    (lambda p, f: simulate.replay(p, f, reviewer_accuracy=0.9), "reviewer_accuracy"),
    (lambda p, f: simulate.replay(p, f, offset=10), "offset"),
    (lambda p, f: simulate.threshold_sweep(p, f, "low-risk", bootstrap=50), "bootstrap"),
    (lambda p, f: drift.drift_over_time(f, None, time="decision_time", bins=5), "bins"),
])
def test_an_in_memory_option_is_refused_by_name_for_parts(policy, folder, call, option):
    """Check an option that only an in-memory answer has is refused, by name, with the fix."""
    with pytest.raises(trustlab.ParameterError) as info:
        call(policy, folder)
    assert info.value.problems[0].where == option
    assert "pass a DataFrame" in str(info.value)


def test_trust_of_a_replay_in_parts_is_what_it_measured(policy, history, folder):
    """Check trust_over_time takes a replay in parts: the trust it measured per its trust_window
    equals the in-memory one, and another window is refused with the fix."""
    whole = trustlab.trust_over_time(simulate.replay(policy, history, seed=2), window="7D")
    parts = simulate.replay(policy, folder, seed=2, trust_window="7D")
    t = trustlab.trust_over_time(parts, window="7D")
    pd.testing.assert_frame_equal(whole.frame, t.frame, check_exact=False, rtol=1e-9,
                                  atol=1e-12)
    with pytest.raises(trustlab.DataError, match="trust_window='1D'"):
        trustlab.trust_over_time(parts, window="1D")
