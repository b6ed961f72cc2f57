"""A policy's drift by kind, the early warning, the detection summary and the plots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.datasets import FeatureDrift, NewChannel, make_history
from trustlab.drift import detection, expected_vs_realised, policy_drift
from _support import REPO


@pytest.fixture(scope="module")
def policy():
    return trustlab.load_policy(REPO / "policies" / "consumer-credit-braked.yaml")


@pytest.fixture(scope="module")
def shifted():
    return make_history(n_days=200, applications_per_day=80, seed=4,
                        scenarios=[NewChannel("2025-05-06", share=0.3)])


def test_kinds_are_reported_apart(policy, shifted):
    """Check signals, rule inputs, decision columns and segments get their own kinds."""
    res = policy_drift(policy, shifted)
    kinds = res.frame.drop_duplicates("column").set_index("column")["kind"].to_dict()
    assert kinds["p_default"] == "signal"
    assert kinds["loan_amount"] == kinds["debt_to_income"] == "data"
    assert {kinds[c] for c in ("decision.action", "decision.rule", "decision.guardrail")} == {
        "decision"}
    assert kinds["channel"] == kinds["grade"] == "context"
    # the brake's reference and window are the default
    assert res.reference.description.startswith("the first 90 days")
    assert res.window.text == "1W"
    assert res.first_alert("channel") == pd.Timestamp("2025-05-05")


def test_detection_counts_windows_from_the_start(policy, shifted):
    """Check detection names the first alert, counts windows late and false alarms before."""
    res = policy_drift(policy, shifted)
    d = detection(res, "2025-05-06")
    assert d["windows late"] == 0 and d["alerts before"] == 0
    assert d["first alert"] == pd.Timestamp("2025-05-05").date()
    later = detection(res, "2025-04-20")  # a start before the real change: caught 2 weeks late
    assert later["windows late"] == 3
    none = detection(res, "2025-07-20")
    assert none["alerts before"] > 0


def test_learned_levels_tighten_with_volume():
    """Check learned levels come from the reference windows and shrink with more rows a window."""
    # 117 days from Wednesday 1 January end on a Sunday: no partial last week, whose few
    # rows would make any level noisier
    small = make_history(n_days=117, applications_per_day=30, seed=0)
    large = make_history(n_days=117, applications_per_day=600, seed=0)
    act = {}
    for name, data in (("small", small), ("large", large)):
        res = trustlab.drift_over_time(data, {"first": "70D"}, time="decision_time",
                                       columns=["debt_to_income", "grade"], levels="learned")
        lv = res.frame[(res.frame["metric"] == "psi") & (res.frame["column"] == "debt_to_income")]
        act[name] = lv["act"].iloc[0]
        assert len(res.alerts()) == 0
    assert act["large"] < act["small"] / 5


def test_expected_vs_realised_label_delay_and_refusals():
    """Check outcomes newer than the delay count as unknown, and bad input is named."""
    t = pd.date_range("2025-01-06", periods=28, freq="D")
    df = pd.DataFrame({"t": t, "p": np.full(28, 0.2), "bad": [True, False] * 14,
                       "ok": [True] * 27 + [False]})
    r = expected_vs_realised(df, signal="p", label="bad", time="t", label_delay="14D",
                             approved="ok")
    f = r.frame
    assert f["approved"].tolist() == [7, 7, 7, 6]
    assert f["labelled"].tolist() == [7, 7, 0, 0]  # known up to 14 days before 2 February
    assert f["status"].tolist()[2:] == ["awaiting labels"] * 2
    assert f["expected_bad_rate"].tolist() == pytest.approx([0.2] * 4)
    with pytest.raises(trustlab.DataError, match="label: names column 'nope'"):
        expected_vs_realised(df, signal="p", label="nope", time="t")
    with pytest.raises(trustlab.DataError, match="must be a probability in \\[0, 1\\]"):
        expected_vs_realised(df.assign(p=2.0), signal="p", label="bad", time="t")
    with pytest.raises(trustlab.DataError, match="bad_when: 'yes' matches no value"):
        expected_vs_realised(df, signal="p", label="bad", time="t", bad_when="yes")


def test_plots_draw_levels_and_events(policy):
    """Check the drift plot has one panel per kind with warn and act lines and the event."""
    import matplotlib

    matplotlib.use("Agg")
    data = make_history(n_days=150, applications_per_day=40, seed=2,
                        scenarios=[FeatureDrift("2025-04-15")])
    res = policy_drift(policy, data)
    d = res.plot(events={"drift starts": "2025-04-15"})
    assert set(d.axes_) == {"data", "signal", "decision", "context"}
    ax = d.axes_["data"]
    levels = sorted(line.get_ydata()[0] for line in ax.get_lines() if line.get_linestyle() == "--")
    assert levels == [0.10, 0.25]
    assert any("first act" in t.get_text() for t in ax.texts)
    assert "Drift over week windows" in res._repr_html_()
    gap = expected_vs_realised(data, signal="p_default", label="defaulted", time="decision_time")
    ax = gap.plot().ax_  # a Display now (the result contract), its Axes in ax_
    assert ax.get_ylabel() == "bad rate of approved cases (%)"
    matplotlib.pyplot.close("all")
