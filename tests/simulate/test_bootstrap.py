"""Bootstrap intervals: the vectorised replicates against the metric definitions, seeds, and nulls."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.datasets import load_synthetic_sample
from trustlab.simulate import metric_table, replay
from trustlab.simulate._bootstrap import (BOOTSTRAP_COLUMNS, BOOTSTRAP_METRICS, _resample_counts,
                                          bootstrap_metrics)
from _support import RECORDED, RULES, VALUES, make_policy

POLICY = make_policy(name="boot", columns={"id": "key"}, rules=RULES[2:], segments=["seg"],
                     outcomes={"label": "bad", "values": VALUES, "reviewer": RECORDED})
"""Approve under 0.2, review the rest; values by hand, the reviewer recorded in ``human``."""


@pytest.fixture
def six():
    """Six cases: four approved (k0 good, k2 bad, k1 and k5 unlabelled), two reviewed."""
    return pd.DataFrame({
        "key": [f"k{i}" for i in range(6)],
        "p": [0.1, 0.1, 0.15, 0.7, 0.4, 0.05],
        "bad": pd.array([False, None, True, False, None, None], dtype="boolean"),
        "human": ["yes", "no", "yes", "yes", "no", "no"],
        "seg": ["A", "A", "B", "B", "B", "B"],
    })


@pytest.fixture(scope="module")
def synthetic_replay():
    return replay(trustlab.load_policy("policies/consumer-credit.yaml"), load_synthetic_sample())


def test_estimates_are_the_replay_metrics(six):
    """Check the point estimates equal the replay's own metrics, overall and by segment."""
    r = replay(trustlab.parse_policy(POLICY), six)
    b = bootstrap_metrics(r, n=50, by="seg")
    assert list(b.frame.columns) == list(BOOTSTRAP_COLUMNS)
    overall = b.frame[b.frame["segment"].isna()].set_index("metric")["estimate"]
    assert overall.index.tolist() == list(BOOTSTRAP_METRICS)
    for name in BOOTSTRAP_METRICS:
        assert overall[name] == pytest.approx(r.metric(name)), name
    # by hand: values 100, NaN, -1000, 90, NaN, NaN; approvals k0 k1 k2 k5 of which k0, k2 labelled
    assert overall["value_total"] == -810 and overall["value_per_decision"] == -270
    assert overall["bad_rate_favourable"] == 0.5 and overall["automation_rate"] == 4 / 6
    seg = b.frame[b.frame["segment"] == "B"].set_index("metric")["estimate"]
    assert seg["value_total"] == -910 and seg["favourable_rate"] == 0.5
    assert b.frame["by"].tolist() == [None] * 5 + ["seg"] * 10


def test_replicates_match_resampled_frames(six):
    """Check each replicate equals the metric recomputed on the rows that replicate drew."""
    r = replay(trustlab.parse_policy(POLICY), six)
    b = bootstrap_metrics(r, n=40, seed=7)
    counts = _resample_counts(np.random.default_rng(7), len(six), 40)
    assert (counts.sum(axis=1) == len(six)).all()
    for i in range(40):
        drawn = r.decisions.iloc[np.repeat(np.arange(len(six)), counts[i])]
        m = metric_table(drawn, r.policy).query("by.isna()").set_index("metric")["value"]
        np.testing.assert_allclose(b.samples[i], m[list(BOOTSTRAP_METRICS)].to_numpy(),
                                   equal_nan=True, err_msg=f"replicate {i}")


def test_same_seed_same_numbers(synthetic_replay):
    """Check a seed fixes every number, and another seed changes them."""
    a = bootstrap_metrics(synthetic_replay, n=100, seed=3)
    b = bootstrap_metrics(synthetic_replay, n=100, seed=3)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    np.testing.assert_array_equal(a.samples, b.samples)
    c = bootstrap_metrics(synthetic_replay, n=100, seed=4)
    assert not np.array_equal(a.samples, c.samples)
    pd.testing.assert_series_equal(a.frame["estimate"], c.frame["estimate"])


def test_intervals_cover_the_estimate(synthetic_replay):
    """Check on the sample that every interval holds its estimate and a wider level gives a wider one."""
    b = bootstrap_metrics(synthetic_replay, n=200, seed=0, by="grade")
    f = b.frame
    assert len(f) == 5 * (1 + 7)
    assert ((f["low"] <= f["estimate"]) & (f["estimate"] <= f["high"])).all()
    assert (f.loc[f["segment"].isna(), "low"] < f.loc[f["segment"].isna(), "high"]).all()
    # grade G has two labelled approvals (both good): some replicates draw neither
    undefined = f[f["undefined"] > 0]
    assert undefined[["metric", "segment"]].values.tolist() == [["bad_rate_favourable", "G"]]
    by_grade = f[f["segment"] == "G"].set_index("metric")["estimate"]
    assert by_grade["value_per_decision"] == pytest.approx(
        synthetic_replay.metric("value_per_decision", by="grade")["G"])
    narrow = bootstrap_metrics(synthetic_replay, n=200, seed=0, level=0.5).frame
    wide = f[f["segment"].isna()]
    assert (narrow["low"].to_numpy() >= wide["low"].to_numpy()).all()
    assert (narrow["high"].to_numpy() <= wide["high"].to_numpy()).all()
    low, high = b.interval("bad_rate_favourable", "A")
    assert 0 <= low < high < 0.1


def test_zero_denominators_are_counted(six):
    """Check replicates that draw no labelled approval have no bad rate, and are counted, not guessed."""
    r = replay(trustlab.parse_policy(POLICY),
               six.assign(bad=pd.array([False, None, None, False, None, None], dtype="boolean")))
    b = bootstrap_metrics(r, n=400, seed=1)
    f = b.frame.set_index("metric")
    np.testing.assert_array_equal(f["undefined"].to_numpy(), np.isnan(b.samples).sum(axis=0))
    # only k0 is a labelled approval; a replicate misses it with probability (5/6)^6 ≈ 0.33
    assert 0.25 < f.loc["bad_rate_favourable", "undefined"] / 400 < 0.42
    assert f.loc["automation_rate", "undefined"] == 0
    none = replay(trustlab.parse_policy(POLICY), six.assign(bad=pd.array([None] * 6,
                                                                         dtype="boolean")))
    g = bootstrap_metrics(none, n=30).frame.set_index("metric")  # warnings are errors here
    for name in ("bad_rate_favourable", "value_total", "value_per_decision"):
        assert np.isnan(g.loc[name, ["estimate", "low", "high"]].astype(float)).all()
        assert g.loc[name, "undefined"] == 30


def test_plot_and_html(six):
    """Check the interval chart has one panel per metric and plain labels."""
    import matplotlib

    matplotlib.use("Agg")
    b = bootstrap_metrics(replay(trustlab.parse_policy(POLICY), six), n=50, by="seg")
    display = b.plot()
    assert len(display.axes_) == 5  # ax_ is one Axes
    assert display.axes_[0].get_title() == "Value per decision"
    assert [t.get_text() for t in display.axes_[0].get_yticklabels()] == ["All decisions", "A", "B"]
    html = b._repr_html_()
    assert "Bootstrap intervals" in html and "undefined replicates" in html


def test_errors_name_the_argument(six):
    """Check every bad argument is named in one ParameterError, a column the replay lacks
    in a DataError."""
    r = replay(trustlab.parse_policy(POLICY), six)
    with pytest.raises(trustlab.ParameterError) as err:
        bootstrap_metrics(r, n=0, seed=-1, level=1.0, by="region")
    cases = err.value.failure_cases.set_index("where")["message"]
    assert cases.index.tolist() == ["n", "seed", "level"]
    with pytest.raises(trustlab.DataError) as err:
        bootstrap_metrics(r, by="region")
    assert "Segment columns: seg" in err.value.failure_cases.set_index("where")["message"]["by"]
    with pytest.raises(trustlab.ParameterError,
                       match="'replay' argument of bootstrap_metrics.. must be a Replay"):
        bootstrap_metrics(r.decisions)
    with pytest.raises(trustlab.DataError, match="no decisions"):
        bootstrap_metrics(replay(trustlab.parse_policy(POLICY), six.iloc[:0]))
