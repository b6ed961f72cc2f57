"""What-if scenarios: rows conserved, each scenario's effect where it should be and nowhere else."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.datasets import load_synthetic_sample
from trustlab.simulate import replay
from trustlab.simulate._edit import with_rate_limit
from trustlab.simulate._scenarios import (
    COMPARISON_COLUMNS,
    HEADLINE_METRICS,
    KillSwitch,
    Outage,
    RemoveGuardrail,
    ReviewerAccuracy,
    ScenarioComparison,
    TightenRateLimit,
    _Scenario,
    compare_scenarios,
)
from _support import BASE


@pytest.fixture(scope="module")
def history():
    """Four weeks of the shipped sample, with an index that is not 0..n-1."""
    df = load_synthetic_sample().iloc[:4000].copy()
    df.index = pd.Index(np.arange(len(df)) * 3 + 1000, name="row")
    return df


def test_every_scenario_conserves_rows_and_index(policy, history):
    """Check that every scenario's replay decides exactly the input rows, with their index."""
    c = compare_scenarios(policy, history, [
        Outage("2025-01-10", "2025-01-13"), Outage(share=0.3, seed=4), KillSwitch(),
        RemoveGuardrail("decline-rate-limit"), TightenRateLimit("decline-rate-limit", 1),
        ReviewerAccuracy(0.5, replace_recorded=True)])
    assert isinstance(c, ScenarioComparison)
    assert c.baseline.decisions.index.equals(history.index)
    for name, r in c.replays.items():
        assert len(r.decisions) == len(history)
        assert r.decisions.index.equals(history.index), name
        assert int(c.changes(name).to_numpy().sum()) == len(history)
    assert (c.frame["rows"] == len(history)).all()
    assert tuple(c.frame.columns) == COMPARISON_COLUMNS
    assert len(c.frame) == 6 * len(HEADLINE_METRICS)
    assert c.frame["metric"].tolist()[:len(HEADLINE_METRICS)] == list(HEADLINE_METRICS)
    np.testing.assert_allclose(c.frame["change"], c.frame["value"] - c.frame["baseline"])


def test_a_scenario_that_loses_a_row_is_refused(policy, history):
    """Check that compare_scenarios raises when a scenario's replay lacks an input row."""

    class DropsARow(_Scenario):
        name = "drops a row"

        def describe(self, policy=None):
            return "Loses the first decision."

        def apply(self, policy, data):
            return policy, data.iloc[1:], {}

    with pytest.raises(trustlab.DataError, match="must decide every input row exactly once"):
        compare_scenarios(policy, history.iloc[:300], [DropsARow()])


def test_model_outage_for_a_period_goes_to_the_missing_signal_rule(policy, history):
    """Check that every row in the outage goes to `model-unavailable` → review, and only those."""
    c = compare_scenarios(policy, history, [Outage("2025-01-10", "2025-01-13 12:00")])
    name = c.names[0]
    d, b = c.replays[name].decisions, c.baseline.decisions
    t = history["decision_time"]
    inside = ((t >= "2025-01-10") & (t < "2025-01-13 12:00")).to_numpy()
    assert 0 < inside.sum() < len(history)
    assert (d.loc[inside, "rule"] == "model-unavailable").all()
    assert (d.loc[inside, "action"] == "review").all()
    assert d.loc[inside, "signal_missing"].all()
    # outside the period nothing changes
    pd.testing.assert_frame_equal(d.loc[~inside, ["action", "rule", "value"]],
                                  b.loc[~inside, ["action", "rule", "value"]])
    row = c.frame.set_index("metric").loc["fallback_rate"]
    assert row["baseline"] == 0.0
    assert row["value"] == pytest.approx(inside.mean())
    assert row["change"] > 0
    moved = (b.loc[inside, "action"] != "review").sum()
    assert c.frame["actions_changed"].iloc[0] == moved
    assert c.changes(name).loc["approve", "review"] == (b.loc[inside, "action"] == "approve").sum()
    assert "2025-01-13 12:00" in c.frame["description"].iloc[0]


def test_model_outage_for_a_share_of_rows_is_seeded(policy, history):
    """Check that a share outage blanks about that share, the same rows for the same seed."""
    a = Outage(share=0.25, seed=1)
    mask = a.rows(policy, history)
    assert mask.mean() == pytest.approx(0.25, abs=0.03)
    assert np.array_equal(mask, Outage(share=0.25, seed=1).rows(policy, history))
    assert not np.array_equal(mask, Outage(share=0.25, seed=2).rows(policy, history))
    _, data, kwargs = a.apply(policy, history)
    assert kwargs == {}
    assert data["p_default"].isna().to_numpy().tolist() == mask.tolist()
    assert history["p_default"].notna().all()  # the input is not modified
    # a period and a share: only rows in the period
    both = Outage("2025-01-10", "2025-01-12", share=0.5).rows(policy, history)
    t = history["decision_time"]
    assert not both[((t < "2025-01-10") | (t >= "2025-01-12")).to_numpy()].any()


def test_kill_switch_turns_every_automated_action_into_its_then(policy, history):
    """Check that the kill switch reviews every automated case and counts each intervention."""
    c = compare_scenarios(policy, history, [KillSwitch()])
    d, b = c.replays["kill switch"].decisions, c.baseline.decisions
    auto = b["automated"].to_numpy()
    assert auto.any()
    then = policy.kill_switch.then
    assert (d.loc[auto, "action"] == then).all()
    assert (d.loc[auto, "guardrail"] == "kill_switch").all()
    pd.testing.assert_series_equal(d.loc[~auto, "action"], b.loc[~auto, "action"])
    f = c.frame.set_index("metric")
    assert f.loc["automation_rate", "value"] == 0.0
    assert f.loc["guardrail_interventions", "value"] == \
        f.loc["guardrail_interventions", "baseline"] + auto.sum()
    assert f.loc["guardrail_interventions", "change"] == auto.sum()
    assert c.frame["actions_changed"].iloc[0] == auto.sum()
    assert "'review'" in c.frame["description"].iloc[0]


def test_removing_the_rate_limit_never_lowers_the_declines(policy, history):
    """Check that declines grow with the rate limit's max, and are most without the limit."""
    limits = [0, 1, 2, 5]
    c = compare_scenarios(policy, history,
                          [TightenRateLimit("decline-rate-limit", m) for m in limits]
                          + [RemoveGuardrail("decline-rate-limit")])

    def declines(name):
        return int((c.replays[name].decisions["action"] == "decline").sum())

    counts = [declines(f"decline-rate-limit max {m}") for m in limits]
    counts.append(declines("without decline-rate-limit"))
    base = int((c.baseline.decisions["action"] == "decline").sum())
    assert counts == sorted(counts)
    assert counts[0] == 0 and counts[1] > 0
    assert counts[-1] >= base
    f = c.frame.set_index(["scenario", "metric"])
    assert f.loc[("decline-rate-limit max 0", "guardrail_interventions"), "value"] == base
    assert f.loc[("without decline-rate-limit", "guardrail_interventions"), "value"] == 0
    # tightened: only declines move, and only to the overflow action
    moved = c.changes("decline-rate-limit max 1")
    off_diagonal = moved.to_numpy() - np.diag(np.diag(moved.to_numpy()))
    assert off_diagonal.sum() == off_diagonal[list(moved.index).index("decline")].sum()


def test_removing_a_binding_rate_limit_raises_the_declines(policy, history):
    """Check that removing a limit that binds lets more declines through than the baseline."""
    tight = with_rate_limit(policy, "decline-rate-limit", 1)
    c = compare_scenarios(tight, history.iloc[:1500], [RemoveGuardrail("decline-rate-limit")])
    f = c.frame.set_index("metric")
    assert f.loc["guardrail_interventions", "baseline"] > 0
    assert f.loc["guardrail_interventions", "value"] == 0
    assert c.changes("without decline-rate-limit").loc["review", "decline"] == \
        f.loc["guardrail_interventions", "baseline"]


def test_reviewer_accuracy_changes_value_only_through_human_actions(policy, history):
    """Check that better reviewers change no action and no automated value, only reviewed values."""
    c = compare_scenarios(policy, history, {
        "good": ReviewerAccuracy(1.0, replace_recorded=True),
        "poor": ReviewerAccuracy(0.5, replace_recorded=True)})
    good, poor = c.replays["good"].decisions, c.replays["poor"].decisions
    assert (c.frame["actions_changed"] == 0).all()
    pd.testing.assert_series_equal(good["action"], poor["action"])
    human = ~good["automated"].to_numpy()
    pd.testing.assert_series_equal(good.loc[~human, "value"], poor.loc[~human, "value"])
    pd.testing.assert_series_equal(good.loc[~human, "value"],
                                   c.baseline.decisions.loc[~human, "value"])
    differs = good.loc[human, "value"].to_numpy() != poor.loc[human, "value"].to_numpy()
    assert differs.any()
    f = c.frame.set_index(["scenario", "metric"])
    assert f.loc[("good", "value_total"), "value"] > f.loc[("poor", "value_total"), "value"]
    # a perfect reviewer's review is worth the best automated action less the cost
    v = c.replays["good"].values
    rows = human & good["labelled"].to_numpy()
    best = v.loc[rows, ["approve", "decline"]].max(axis=1) - 35
    np.testing.assert_array_equal(good.loc[rows, "value"].to_numpy(), best.to_numpy())


def test_reviewer_accuracy_keeps_recorded_decisions_by_default(policy, history):
    """Check that by default only cases without a recorded decision get the simulated reviewer."""
    data = history.copy()
    blank = np.zeros(len(data), dtype=bool)
    blank[::4] = True
    data["underwriter_decision"] = data["underwriter_decision"].mask(blank)
    c = compare_scenarios(policy, data, [ReviewerAccuracy(1.0), ReviewerAccuracy(0.0)])
    a = c.replays["reviewer accuracy 100%"].decisions
    z = c.replays["reviewer accuracy 0%"].decisions
    changed = (a["value"] != z["value"]).to_numpy() & a["value"].notna().to_numpy()
    assert changed.any()
    assert not changed[~blank].any()
    assert "where no human decision is recorded" in c.frame["description"].iloc[0]


def test_descriptions_are_plain_words(policy):
    """Check that every scenario says what it changes, with the policy's own numbers when given."""
    assert RemoveGuardrail("decline-rate-limit").describe(policy) == \
        "The guardrail 'decline-rate-limit' (at most 40 'decline' per day) is removed."
    assert "instead of 40" in TightenRateLimit("decline-rate-limit", 3).describe(policy)
    assert Outage(start="2025-02-01").describe() == \
        "Every model score is missing for decisions from 2025-02-01 00:00 on."
    assert Outage(end="2025-02-01", signals="p_default").describe() == \
        "The model score p_default is missing for decisions before 2025-02-01 00:00."
    assert Outage().describe() == "Every model score is missing for every decision."
    assert KillSwitch().describe() == ("The kill switch is engaged: every automated decision "
                                       "becomes its fallback action.")
    assert ReviewerAccuracy(0.9).name == "reviewer accuracy 90%"


@pytest.mark.parametrize("make, where, error", [
    (lambda: Outage(start="not a date"), "start", trustlab.DataError),
    (lambda: Outage("2025-02-02", "2025-02-01"), "end", trustlab.DataError),
    (lambda: Outage(share=1.5), "share", trustlab.ParameterError),
    (lambda: Outage(share=0.1, seed=-1), "seed", trustlab.ParameterError),
    (lambda: Outage(signals=[]), "signals", trustlab.ParameterError),
    (lambda: TightenRateLimit("decline-rate-limit", -1), "max", trustlab.ParameterError),
    (lambda: TightenRateLimit("decline-rate-limit", 2.5), "max", trustlab.ParameterError),
    (lambda: ReviewerAccuracy(1.2), "accuracy", trustlab.ParameterError),
    (lambda: RemoveGuardrail(""), "id", trustlab.DataError),
])
def test_scenario_arguments_are_checked(make, where, error):
    """Check that a bad scenario argument raises a ParameterError naming it (a time that is
    not one, or an end before the start, a DataError)."""
    with pytest.raises(error) as err:
        make()
    assert [p.where for p in err.value.problems] == [where]


def test_scenarios_that_do_not_fit_the_policy(policy, history):
    """Check the errors for a guardrail, signal or kill switch the policy lacks, and bad lists."""
    small = history.iloc[:200]
    with pytest.raises(trustlab.PolicyError, match="no guardrail 'nope'; guardrails: "
                                                   "decline-rate-limit"):
        compare_scenarios(policy, small, [RemoveGuardrail("nope")])
    with pytest.raises(trustlab.PolicyError, match="no rate limit 'nope'"):
        compare_scenarios(policy, small, [TightenRateLimit("nope", 3)])
    with pytest.raises(trustlab.DataError, match="signals: names 'score', not signals"):
        compare_scenarios(policy, small, [Outage(signals="score")])
    with pytest.raises(trustlab.DataError, match=r"scenarios\[1\]: 'kill' is not a scenario; "
                                                 r"valid: Outage, KillSwitch"):
        compare_scenarios(policy, small, [KillSwitch(), "kill"])
    with pytest.raises(trustlab.DataError, match="both called 'kill switch'; pass a dict"):
        compare_scenarios(policy, small, [KillSwitch(), KillSwitch()])
    with pytest.raises(trustlab.DataError, match="is empty"):
        compare_scenarios(policy, small, [])
    no_switch = trustlab.parse_policy(BASE)
    with pytest.raises(trustlab.PolicyError, match="kill_switch: is not declared"):
        KillSwitch().apply(no_switch, small)
    untimed = trustlab.parse_policy(BASE.replace("columns: {id: app_id, time: t}",
                                                 "columns: {id: app_id}"))
    with pytest.raises(trustlab.DataError, match="start: policy 'tiny-credit' names no time "
                                                 "column"):
        Outage("2025-01-01").rows(untimed, pd.DataFrame({"p": [0.1]}))


def test_comparison_views(policy, history):
    """Check changes, changed_rows, summary, the plot and the HTML of a comparison."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = compare_scenarios(policy, history.iloc[:1500], [KillSwitch(), Outage(share=0.2)])
    rows = c.changed_rows("kill switch")
    assert len(rows) == c.frame["actions_changed"].iloc[0]
    assert set(rows["baseline_action"]) <= {"approve", "decline"}
    assert (rows["action"] == "review").all()
    s = c.summary()
    assert s.index.tolist() == c.names
    assert s.loc["kill switch", "change.automation_rate"] < 0
    with pytest.raises(trustlab.DataError, match="name: no scenario 'nope'; scenarios: "
                                                 "'kill switch'"):
        c.changes("nope")
    d = c.plot()
    assert d.value_ax_.get_title() == "Change in total value"
    assert d.reviews_ax_.get_title() == "Change in the number of reviews"
    assert d.value_ax_.get_xlabel() and d.reviews_ax_.get_xlabel()
    assert [t.get_text() for t in d.value_ax_.get_yticklabels()] == c.names
    plt.close(d.figure_)
    html = c._repr_html_()
    assert "policy as written" in html and "kill switch" in html
    assert "ScenarioComparison(" in repr(c)


def test_same_seed_same_reviewer_as_a_plain_replay(policy, history):
    """Check that the baseline is exactly replay(policy, data, seed=seed)."""
    small = history.iloc[:800]
    c = compare_scenarios(policy, small, [KillSwitch()], seed=3)
    pd.testing.assert_frame_equal(c.baseline.decisions, replay(policy, small, seed=3).decisions)
