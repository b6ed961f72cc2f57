"""Selective labels: swap tags and the stressed value of swap-ins, hand-checked on six cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.datasets import load_synthetic_sample
from trustlab.simulate import replay
from trustlab.simulate._labels import SWAP_TAGS, STRESS_COLUMNS, swap_analysis
from _support import OUTCOMES, RECORDED, SIGNAL, make_policy

def policy(low=0.2, high=0.6, kind="probability", reviewer=RECORDED) -> trustlab.Policy:
    return trustlab.parse_policy(make_policy(
        name="swap", signals=[{**SIGNAL, "kind": kind}], rules=[
            {"id": "low", "when": f"p < {low}", "then": "approve", "because": "Low."},
            {"id": "high", "when": f"p >= {high}", "then": "decline", "because": "High."},
            {"id": "mid", "otherwise": True, "then": "review", "because": "Mid."}],
        outcomes={**OUTCOMES, "reviewer": reviewer}))


@pytest.fixture
def six():
    """Six cases; the underwriter said yes to k0, k2, k3 (their outcomes are known) and no to the rest."""
    return pd.DataFrame({
        "key": [f"k{i}" for i in range(6)],
        "t": pd.to_datetime(["2025-03-01"] * 3 + ["2025-03-02"] * 2 + ["2025-03-03"]),
        "p": [0.1, 0.1, 0.15, 0.7, 0.4, 0.05],
        "bad": pd.array([False, None, True, True, None, None], dtype="boolean"),
        "human": ["yes", "no", "yes", "yes", "no", "no"],
    }, index=[20, 21, 22, 23, 24, 25])


@pytest.fixture(scope="module")
def synthetic():
    data = load_synthetic_sample()
    return data, replay(trustlab.load_policy("policies/consumer-credit.yaml"), data)


def test_tags_against_recorded_decisions(six):
    """Check each case's tag: approve where history declined is a swap-in, and so on."""
    s = swap_analysis(replay(policy(), six), stress=(1, 2, 10))
    # new policy: approve, approve, approve, decline, review, approve
    assert s.tags.tolist() == ["unchanged", "swap_in", "unchanged", "swap_out", "to_review",
                               "swap_in"]
    assert s.tags.index.equals(six.index) and list(s.tags.cat.categories) == list(SWAP_TAGS)
    c = s.counts.set_index("tag")
    assert c["rows"].tolist() == [2, 2, 1, 1, 0]
    assert c["labelled"].tolist() == [2, 0, 1, 0, 0]
    assert c.loc["swap_in", "share"] == pytest.approx(2 / 6)
    assert np.isnan(c.loc["no_baseline", "labelled_share"])
    assert s.baseline == "the recorded decisions (column 'human')"


def test_stress_table_by_hand(six):
    """Check every number of the stress table, the cap-free linear break-even and the verdict.

    Base rate: mean p over the unlabelled swap-ins k1, k5 = (0.1 + 0.05) / 2 = 0.075.
    A swap-in approved is worth (1-b)·100 + b·(-1000); declined (the baseline), (1-b)·(-20).
    Labelled: new 100 - 1000 + 0 (k3 declined, bad) = -900; baseline 100 - 1000 - 1000 = -1900.
    """
    s = swap_analysis(replay(policy(), six), stress=(10, 1, 2, 2))  # sorted, deduplicated
    assert s.basis == "model-implied" and s.base_bad_rate == pytest.approx(0.075)
    t = s.stress
    assert list(t.columns) == list(STRESS_COLUMNS)
    assert t["multiplier"].tolist() == [1.0, 2.0, 10.0]
    np.testing.assert_allclose(t["bad_rate"], [0.075, 0.15, 0.75])
    np.testing.assert_allclose(t["swap_in_value"], [17.5, -65, -725])
    np.testing.assert_allclose(t["value_total"], [-865, -1030, -2350])
    np.testing.assert_allclose(t["value_per_decision"], [-173, -206, -470])  # 5 valued; k4 not
    np.testing.assert_allclose(t["baseline_value_total"], [-1937, -1934, -1910])
    np.testing.assert_allclose(t["baseline_value_per_decision"], [-387.4, -386.8, -382])
    np.testing.assert_allclose(t["difference"], [1072, 904, -440])
    assert t["beats_baseline"].tolist() == [True, True, False]
    assert not s.conclusion_survives
    # difference = 1000 + 2·(120 - 1120·b) is 0 at b = 1240 / 2240
    assert s.breakeven_bad_rate == pytest.approx(1240 / 2240)
    assert "2 of the 2 swap-ins have no observed outcome" in s.assumption
    assert "model-implied bad rate of 7.5%" in s.assumption and "55.4%" in s.assumption


def test_champion_baseline_by_hand(six):
    """Check a champion's reviewed cases count as the reviewer's decision, review cost included."""
    champion = replay(policy(low=0.08, high=0.3), six)
    s = swap_analysis(replay(policy(), six), baseline=champion, stress=(1,))
    # champion: review→approve, review→decline, review→approve, decline, decline, approve
    assert s.tags.tolist() == ["unchanged", "swap_in", "unchanged", "unchanged", "to_review",
                               "unchanged"]
    r = s.stress.iloc[0]
    assert r["bad_rate"] == pytest.approx(0.1)  # k1's p
    assert r["value_total"] == pytest.approx(100 - 10 - 1000 + 0)           # k1: .9·100 - .1·1000
    assert r["baseline_value_total"] == pytest.approx(90 - 28 - 1010 + 0)   # k1: .9·(-20) - 10
    assert r["difference"] == pytest.approx(38) and r["beats_baseline"]
    assert s.baseline == "champion swap@1"


def test_assumed_and_observed_base_rates(six):
    """Check assumed_bad_rate wins and is capped at 1; without a probability signal the observed rate is used."""
    r = replay(policy(), six)
    s = swap_analysis(r, stress=(1, 2, 10), assumed_bad_rate=0.2)
    assert s.basis == "assumed"
    np.testing.assert_allclose(s.stress["bad_rate"], [0.2, 0.4, 1.0])
    np.testing.assert_allclose(s.stress["swap_in_value"], [-120, -340, -1000])
    s = swap_analysis(replay(policy(kind="score"), six), stress=(1,))
    assert s.basis == "observed" and s.base_bad_rate == 0.5  # k0 good, k2 bad
    assert "observed bad rate of 50.0% among the 2 labelled favourable" in s.assumption


def test_no_unlabelled_swap_ins(six):
    """Check that with every swap-in labelled no assumption is made and multipliers change nothing."""
    data = six.assign(bad=pd.array([False, False, True, True, None, True], dtype="boolean"))
    s = swap_analysis(replay(policy(), data), stress=(1, 3))
    assert s.basis == "none" and np.isnan(s.base_bad_rate)
    assert s.stress["value_total"].nunique() == 1 and "no assumption is needed" in s.assumption


def test_synthetic_sample(synthetic):
    """Check on the 51k-row sample: tags cover every row, swap-ins are unlabelled, stress is monotone."""
    data, r = synthetic
    s = swap_analysis(r)
    assert len(s.tags) == len(data) and s.tags.index.equals(data.index)
    assert s.counts["rows"].sum() == len(data)
    assert s.counts["share"].sum() == pytest.approx(1.0)
    c = s.counts.set_index("tag")
    assert c.loc["swap_in", "rows"] > 1000
    assert c.loc["swap_in", "labelled_share"] < 0.05  # approved where the underwriter declined
    assert c.loc["swap_out", "labelled_share"] > 0.95
    assert c.loc["to_review", "rows"] == int((~r.decisions["automated"]).sum())
    t = s.stress
    assert t["multiplier"].is_monotonic_increasing
    assert t["bad_rate"].is_monotonic_increasing
    assert t["value_total"].is_monotonic_decreasing and t["difference"].is_monotonic_decreasing
    assert t["baseline_value_total"].is_monotonic_increasing  # declining a bad case costs less
    assert s.basis == "model-implied"
    assert s.base_bad_rate == pytest.approx(
        data["p_default"][(s.tags == "swap_in") & data["defaulted"].isna()].mean())


def test_plot_and_html(six):
    """Check the chart draws both panels and the HTML states the assumption."""
    import matplotlib

    matplotlib.use("Agg")
    s = swap_analysis(replay(policy(), six), stress=(1, 2, 10))
    display = s.plot()
    assert len(display.axes_) == 2 and display.figure_ is not None  # ax_ is one Axes
    assert display.axes_[1].get_xlabel().startswith("Bad rate assumed")
    html = s._repr_html_()
    assert "swap-ins have no observed outcome" in html and "does not hold" in html
    assert "swap_in=2" in repr(s)


@pytest.mark.parametrize("kwargs, where, match", [
    ({"baseline": "champion"}, "baseline", "'recorded'"),
    ({"stress": (0,)}, "stress", "positive numbers"),
    ({"stress": (1, -2)}, "stress", "positive numbers"),
    ({"stress": ()}, "stress", "positive numbers"),
    ({"stress": "2"}, "stress", "positive numbers"),
    ({"assumed_bad_rate": 1.5}, "assumed_bad_rate", "between 0 and 1"),
])
def test_argument_errors(six, kwargs, where, match):
    """Check each bad argument raises a ParameterError naming it."""
    with pytest.raises(trustlab.ParameterError, match=match) as err:
        swap_analysis(replay(policy(), six), **kwargs)
    assert err.value.failure_cases["where"].tolist() == [where]


def test_errors_collected_and_named(six):
    """Check every bad argument is reported at once, and the baseline's own problems are named."""
    r = replay(policy(), six)
    with pytest.raises(trustlab.ParameterError) as err:
        swap_analysis(r, stress=(0,), assumed_bad_rate=-1)
    assert err.value.failure_cases["where"].tolist() == ["stress", "assumed_bad_rate"]
    with pytest.raises(trustlab.DataError, match="same rows"):
        swap_analysis(r, baseline=replay(policy(), six.iloc[:4]))
    simulated = policy(reviewer={"accuracy": 0.9})
    with pytest.raises(trustlab.DataError, match=r"baseline.*outcomes.reviewer.decision"):
        swap_analysis(replay(simulated, six.drop(columns="human")))
    unlabelled = six.assign(bad=pd.array([None, None, None, True, None, None], dtype="boolean"))
    with pytest.raises(trustlab.DataError, match="assumed_bad_rate.*is needed"):
        swap_analysis(replay(policy(kind="score"), unlabelled))
