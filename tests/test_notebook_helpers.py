"""The helpers the notebooks call: parameters, data sets, label values, estimators."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab import notebook as nb
from _support import ACTIONS, REPO, make_policy


def test_every_notebook_declares_typed_documented_parameters():
    """Check each notebook has one parameters cell of 'name: type = value  # help' lines."""
    notebooks = sorted((REPO / "notebooks").glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        params = nb.read_parameters(path)
        assert params, path
        for name, (default, help_text) in params.items():
            assert help_text, f"{path.name}: parameter {name} has no help comment"
            assert isinstance(default, (str, int, float, bool)), (path.name, name)


def test_notebook_parameters_checks_types_and_choices():
    """Check a wrong type and a value outside its choices are reported together."""
    declared = {k: d for k, (d, _) in nb.read_parameters(REPO / "notebooks/01_signals.ipynb").items()}
    ok = nb.notebook_parameters(declared, "01_signals")
    assert list(ok) == list(declared)
    bad = {**declared, "n_splits": "five", "estimator": "forest"}
    with pytest.raises(trustlab.ConfigError) as info:
        nb.notebook_parameters(bad, "01_signals", choices={"estimator": nb.ESTIMATORS})
    assert {p.where for p in info.value.problems} == {"n_splits", "estimator"}
    with pytest.raises(trustlab.ConfigError, match="run the parameters cell"):
        nb.notebook_parameters({}, "01_signals")


def test_unknown_parameter_names_get_a_suggestion():
    """Check a typo in a parameter name is refused with the nearest name."""
    with pytest.raises(trustlab.ConfigError, match="Did you mean 'n_splits'"):
        nb.check_parameters({"n_split": 3}, {"n_splits": 5})


def test_estimators():
    """Check an estimator parameter names a model, or is refused with the choices."""
    assert type(nb.make_estimator("hgb")).__name__ == "HistGradientBoostingClassifier"
    with pytest.raises(trustlab.ConfigError, match="estimator: must be one of hgb, logistic"):
        nb.make_estimator("forest")


def test_paths_resolve_from_any_folder(tmp_path, monkeypatch):
    """Check shipped paths resolve from the notebooks folder and from elsewhere."""
    monkeypatch.chdir(REPO / "notebooks")
    assert nb.repo_path("policies/lending-club-risk.yaml").is_file()
    assert len(nb.load_dataset("datasets/german_credit.csv")) == 1000
    monkeypatch.chdir(tmp_path)
    assert nb.repo_path("policies/lending-club-risk.yaml").is_file()


def test_papermill_reads_the_same_parameters():
    """Check papermill parses every declared parameter with its type and help.

    papermill silently skips a line it cannot parse (a ';' in the help, say),
    and then treats an override of it as unknown.
    """
    import papermill

    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        ours = nb.read_parameters(path)
        theirs = papermill.inspect_notebook(str(path))
        assert list(theirs) == list(ours), path.name
        for name, (default, help_text) in ours.items():
            assert theirs[name]["help"] == help_text, (path.name, name)
            assert theirs[name]["inferred_type_name"] == type(default).__name__, (path.name, name)


@pytest.mark.slow  # scores a signal out of fold on 3,000 rows, twice: about a minute
def test_with_signals_scores_only_what_is_missing():
    """Check that present signals are kept, missing ones scored, and impossible cases named."""
    p = trustlab.load_policy(nb.repo_path("policies/consumer-credit.yaml"))
    data = nb.load_dataset("synthetic").head(3000)
    same, notes = nb.with_signals(data, p)
    assert same is data and notes == []
    scored, notes = nb.with_signals(data.drop(columns="p_default"), p, exclude=["age_band"])
    assert scored["p_default"].notna().mean() > 0.7  # the first time block has no honest score
    assert "time-ordered folds" in notes[0] and len(scored) == len(data)
    with pytest.raises(trustlab.ConfigError, match="outcomes.label.*'defaulted'"):
        nb.with_signals(data.drop(columns=["p_default", "defaulted"]), p)
    bare = trustlab.parse_policy(make_policy(
        name="bare", columns=None,
        actions={"approve": {"automated": True}, "review": ACTIONS["review"]},
        rules=[{"id": "low", "when": "p < 0.1", "then": "approve", "because": "Low."},
               {"id": "rest", "otherwise": True, "then": "review", "because": "Rest."}],
        outcomes=None))
    with pytest.raises(trustlab.ConfigError, match="signal 'p'.*no outcomes section"):
        nb.with_signals(data, bare)


# ----------------------------------------------------------------------------- histories

RISK = nb.repo_path("policies/lending-club-risk.yaml")
"""A policy without a time column, recorded decisions or a row key."""


def test_read_history_says_what_the_data_lacks(tmp_path, capsys):
    """Check a history without times, recorded decisions or row keys lists each gap, and a
    section that needs one says so in one sentence naming the parameter that would fix it."""
    h = nb.read_history("lending_club", RISK, train=False)
    assert (h.time, h.outcome, h.recorded) == (None, "Class", None)
    assert {g[0] for g in h.gaps} == {"time", "recorded", "windows", "id"}
    assert h.missing("outcomes", "the sweep") is None
    assert h.needs("outcomes", "risk_probability", section="the sweep") is True
    assert h.needs("outcomes", "time", section="drift over time") is False
    assert capsys.readouterr().out == (
        "This data has no time column, so drift over time is skipped; give `time` (the column "
        "holding each decision's time) to run it.\n")
    assert h.missing("recorded", "the swap analysis", fix="give `baseline`") == (
        "This data has no recorded human decisions (the policy names no "
        "`outcomes.reviewer.decision` column), so the swap analysis is skipped; give `baseline`.")
    with pytest.raises(trustlab.ConfigError, match="need: must be one of time, outcomes"):
        h.missing("times", "x")
    with pytest.raises(trustlab.ConfigError, match="id: .*columns.id.*the rollout needs it"):
        h.require("outcomes", "id", section="the rollout")
    with pytest.raises(trustlab.DataError, match="no time column"):
        h.times
    lines = h.describe().splitlines()
    assert lines[0] == "Data: lending_club, 9,857 rows × 24 columns"
    assert lines[2:5] == ["Decision times: none (sections over time are skipped)",
                          "Outcomes: 'Class', observed for 9,857 rows (100.0%)",
                          "Recorded human decisions: none"]


def test_read_history_reads_label_and_time_as_the_policy_names_them(tmp_path):
    """Check `label` is read as the policy's outcome column, and `time` becomes the policy's
    `columns.time` (a new content hash, stated) with ISO text read as times."""
    german = nb.load_dataset("german_credit").head(40)
    german.insert(0, "applied", pd.date_range("2025-01-06", periods=40, freq="D").strftime(
        "%Y-%m-%d"))
    path = tmp_path / "german.csv"
    german.to_csv(path, index=False)
    h = nb.read_history(path, RISK, label="creditability", time="applied", train=False)
    assert h.outcome == "Class" and h.time == "applied"
    assert h.data["Class"].tolist() == german["creditability"].tolist()
    assert h.policy.time_column == "applied"
    assert h.policy.content_hash != trustlab.load_policy(RISK).content_hash
    assert [r.id for r in h.policy.rules] == [r.id for r in trustlab.load_policy(RISK).rules]
    assert h.notes[0] == "Outcomes are read from column 'creditability' as the policy's " \
                         "`outcomes.label` 'Class'."
    assert h.notes[1].startswith("Policy 'lending-club-risk' names no time column; here it "
                                 "reads 'applied' as its `columns.time`")
    assert pd.api.types.is_datetime64_dtype(h.data["applied"])
    assert h.when() == pd.Timestamp("2025-01-25") and "time" not in {g[0] for g in h.gaps}
    assert {g[0] for g in h.gaps} == {"recorded", "windows", "id"}  # windows: no outcomes.window
    german.loc[3, "applied"] = "someday"
    german.to_csv(path, index=False)
    with pytest.raises(trustlab.DataError, match="column 'applied': holds 1 values that are not "
                                                 "times .e.g. 'someday'"):
        nb.read_history(path, RISK, time="applied", train=False)
    with pytest.raises(trustlab.ConfigError, match="time: 'when' is not a column"):
        nb.read_history(path, RISK, time="when", train=False)


def test_read_history_reads_bad_when_on_the_label_given(tmp_path):
    """Check `bad_when` names the bad outcome among the label's values, after `label` and `time`
    (so a policy given a time column keeps it), and a value the label lacks is refused."""
    german = nb.load_dataset("german_credit").head(30).drop(columns="defaulted")
    german.insert(0, "applied", pd.date_range("2025-01-06", periods=30, freq="D"))
    path = tmp_path / "german.parquet"
    german.to_parquet(path)
    credit = nb.repo_path("policies/consumer-credit.yaml")  # defaulted, bad when True
    h = nb.read_history(path, RISK, label="creditability", bad_when="good", time="applied",
                        train=False)
    assert h.policy.outcomes.bad_when == "good" and h.policy.time_column == "applied"
    assert h.notes[-1] == "The bad outcome is read as 'good' in place of the policy's 'bad'."
    h = nb.read_history(path, credit, label="creditability", bad_when='["bad"]', train=False)
    assert h.policy.outcomes.bad_when == "bad" and h.outcome == "defaulted"
    with pytest.raises(trustlab.DataError, match="'awful' is not a value of label"):
        nb.read_history(path, credit, label="creditability", bad_when="awful", train=False)


def test_read_history_reads_time_into_a_policy_s_own_time_column(tmp_path):
    """Check a policy that names another time column reads it from the `time` column, as written."""
    data = nb.load_dataset("synthetic").head(300).rename(columns={"decision_time": "at"})
    path = tmp_path / "h.parquet"
    data.to_parquet(path)
    credit = nb.repo_path("policies/consumer-credit.yaml")
    h = nb.read_history(path, credit, time="at", train=False)
    assert h.policy.content_hash == trustlab.load_policy(credit).content_hash
    assert h.time == "decision_time" and h.data["decision_time"].equals(h.data["at"])
    assert h.recorded == "underwriter_decision" and not h.gaps
    assert h.observed.sum() == data["defaulted"].notna().sum()


def test_read_history_without_outcomes_counts_and_values_nothing(tmp_path):
    """Check data without the outcome column keeps its rows, gets an empty outcome column and
    says `label` would fix it; a signal cannot be scored without outcomes."""
    data = nb.load_dataset("lending_club").head(50).drop(columns=["Class", "defaulted"])
    path = tmp_path / "unlabelled.csv"
    data.assign(p_default=0.1).to_csv(path, index=False)
    h = nb.read_history(path, RISK)
    assert h.outcome is None and h.data["Class"].isna().all() and len(h.data) == 50
    assert h.missing("outcomes", "the sweep") == (
        "This data has no outcomes (no column 'Class', the policy's `outcomes.label`), so the "
        "sweep is skipped; give `label` (the column holding each case's outcome) to run it.")
    assert not h.observed.any()
    data.to_csv(path, index=False)
    with pytest.raises(trustlab.ConfigError, match="outcomes.label.*'Class' is not a column"):
        nb.read_history(path, RISK)


@pytest.mark.slow  # scores the signals of two policies out of fold: about a minute
def test_read_history_scores_missing_signals_of_both_policies(tmp_path):
    """Check a signal the data lacks is scored out of fold once, the note says so, and a
    champion reading another signal is read from the same data."""
    path = tmp_path / "lc.csv"
    nb.load_dataset("lending_club").head(600).to_csv(path, index=False)
    h = nb.read_history(path, RISK, champion="policies/lending-club-intake.yaml",
                        exclude=["addr_state"])
    assert h.data["p_default"].between(0, 1).all() and h.champion.name == "lending-club-intake"
    assert len(h.notes) == 1 and h.notes[0].startswith(
        "Signal 'p_default' is not in the data, so it was scored out of fold on 'Class'")


def test_with_time_column_keeps_everything_else():
    """Check adding `columns.time` changes only the time column (and so the hash)."""
    p = trustlab.load_policy(RISK)
    q = nb.with_time_column(RISK, "issued")
    assert q.time_column == "issued" and p.time_column is None
    assert (q.rules, q.actions, q.outcomes, q.checks) == (p.rules, p.actions, p.outcomes, p.checks)


def test_policy_choices_for_notebook_parameters():
    """Check the rule, rate-limit and unlabelled-value choices a notebook makes from a policy."""
    credit = trustlab.load_policy(nb.repo_path("policies/consumer-credit.yaml"))
    risk = trustlab.load_policy(RISK)
    assert nb.threshold_rule(credit) == "low-risk"
    assert nb.threshold_rule(credit, favourable=False) == "high-risk"
    assert nb.threshold_rule(credit, "high-risk") == "high-risk"
    with pytest.raises(trustlab.PolicyError, match="otherwise rule"):
        nb.threshold_rule(credit, "uncertain")
    assert nb.rate_limit_id(credit) == "decline-rate-limit" and nb.rate_limit_id(risk) is None
    with pytest.raises(trustlab.ConfigError, match="no rate limit 'drift-brake'.*decline-rate"):
        nb.rate_limit_id(credit, "drift-brake")
    offer = trustlab.parse_policy(credit.source and nb.repo_path(
        "policies/consumer-credit.yaml").read_text().replace(
        "approve: {automated: true, favourable: true}",
        "approve: {automated: true, favourable: true, right_when: bad}"))
    assert nb.cautious_unlabelled(offer, "low-risk").outcomes.unlabelled == "good"
    assert nb.cautious_unlabelled(credit, "low-risk").outcomes.unlabelled == "bad"
    assert nb.cautious_unlabelled(credit, "exposure-cap") is credit  # a review: as written
    with pytest.raises(trustlab.ConfigError, match="no rule 'lowrisk'"):
        nb.cautious_unlabelled(credit, "lowrisk")


def test_stage_start_adds_the_minimum_durations_before_the_last_partial_stage():
    """Check 1% for 7 days, 10% for 7 days, then 50%: the 50% stage starts 14 days in."""
    from trustlab.change import RolloutPlan

    plan = RolloutPlan.from_dict({"stages": [{"share": 0.01, "min_duration": "7D"},
                                             {"share": 0.1, "min_duration": "1W"},
                                             {"share": 0.5, "min_duration": "14D"},
                                             {"share": 1.0}]})
    assert nb.stage_start(plan, pd.Timestamp("2025-01-01 08:30")) == pd.Timestamp("2025-01-15")


# ----------------------------------------------------------------------------- failures

def _timed(frame: pd.DataFrame, policy=None, **fields) -> nb.History:
    """A History over ``frame`` with time column ``t`` and no gaps."""
    return nb.History(frame, policy, "tiny", time="t", **fields)


def tiny_policy(**sections) -> trustlab.Policy:
    """Approve when p < 0.2 and x < 5, else review; outcome ``bad`` (``"yes"``), segments by
    ``seg``."""
    return trustlab.parse_policy(make_policy(**{
        "actions": {"approve": ACTIONS["approve"], "review": ACTIONS["review"]},
        "rules": [{"id": "low", "when": "p < 0.2 and x < 5", "then": "approve", "because": "Low."},
                  {"id": "rest", "otherwise": True, "then": "review", "because": "Rest."}],
        "outcomes": {"label": "bad", "bad_when": "yes",
                     "values": {"approve": {"good": 1, "bad": -5}, "review": {"cost": 1}}},
        "segments": ["seg"], **sections}))


def test_feature_drift_and_outage_act_only_from_the_start():
    """Check feature drift moves the first column a rule reads by one standard deviation of the
    rows before the start, and an outage blanks every signal for one day."""
    policy = tiny_policy()
    t = pd.date_range("2025-01-01", periods=6, freq="12h")
    frame = pd.DataFrame({"t": t, "x": [2.0, 4.0, 2.0, 4.0, 2.0, 4.0], "p": [0.1] * 6})
    h = _timed(frame, policy)
    moved = nb.with_failure(h, "feature_drift", "2025-01-03")  # sd of 2, 4, 2, 4 is 1
    assert moved["x"].tolist() == [2.0, 4.0, 2.0, 4.0, 3.0, 5.0]
    twice = nb.with_failure(h, "feature_drift", "2025-01-02 12:00", size=2.0)["x"]
    assert twice.tolist() == pytest.approx([2, 4, 2, 4 + 2 * 0.9428, 2 + 2 * 0.9428,
                                            4 + 2 * 0.9428], abs=1e-4)  # sd of 2, 4, 2
    down = nb.with_failure(h, "model_outage", "2025-01-01 12:00")
    assert down["p"].isna().tolist() == [False, True, True, False, False, False]
    assert nb.with_failure(h, "none", "2025-01-02") is frame
    with pytest.raises(trustlab.ConfigError, match="scenario: must be one of none"):
        nb.with_failure(h, "meteor", "2025-01-02")
    with pytest.raises(trustlab.ConfigError, match="drift_column: 'y' is not a column"):
        nb.with_failure(h, "feature_drift", "2025-01-02", column="y")


def test_concept_shift_turns_good_outcomes_bad_at_the_stated_odds():
    """Check that from the start each observed good outcome turns bad with probability
    p (f - 1) / (1 - p + f p): with p 0.1 and odds tripled, 1/6 of them, so the bad rate
    becomes 0.25; nothing before the start, no unobserved and no bad outcome changes."""
    policy = tiny_policy()
    n = 40_000
    rng = np.random.default_rng(1)
    bad = np.where(rng.random(n) < 0.1, "yes", "no").astype(object)
    bad[::10] = None
    frame = pd.DataFrame({"t": pd.date_range("2025-01-01", periods=n, freq="min"),
                          "p": 0.1, "x": 1.0, "bad": pd.Categorical(bad)})
    h = _timed(frame, policy, outcome="bad")
    start = frame["t"].iloc[n // 2]
    shifted = nb.with_failure(h, "concept_shift", start, size=3.0, seed=4)["bad"]
    before, after = slice(0, n // 2), slice(n // 2, n)
    assert shifted.iloc[before].equals(frame["bad"].iloc[before])
    changed = shifted.astype(object).ne(frame["bad"].astype(object)) & frame["bad"].notna()
    assert frame["bad"][changed].eq("no").all() and shifted[changed].eq("yes").all()
    assert shifted.isna().equals(frame["bad"].isna())
    good_after = frame["bad"].iloc[after].eq("no")
    assert changed.iloc[after][good_after].mean() == pytest.approx(1 / 6, abs=0.01)
    assert shifted.iloc[after].dropna().eq("yes").mean() == pytest.approx(0.25, abs=0.01)


def test_segment_mix_draws_cases_from_the_riskiest_segment_keeping_times_and_keys():
    """Check a share of the cases after the start are replaced by cases of the segment with the
    highest observed bad rate (30 outcomes or more), keeping their time and key."""
    policy = tiny_policy()
    n = 400
    seg = np.array(["a", "b", "c", "d"] * (n // 4))
    bad = np.where(seg == "b", "yes", "no").astype(object)
    bad[(seg == "a") & (np.arange(n) % 8 == 0)] = "yes"  # a: 50 of 100 bad
    bad[(seg == "d")] = None  # d: no outcomes; c: none bad
    frame = pd.DataFrame({"t": pd.date_range("2025-01-01", periods=n, freq="h"),
                          "key": [f"k{i}" for i in range(n)], "seg": seg,
                          "x": np.arange(n, dtype=float), "p": 0.1, "bad": bad},
                         index=np.arange(n) * 2)
    h = _timed(frame, policy, outcome="bad")
    mixed = nb.with_failure(h, "segment_mix", frame["t"].iloc[200], size=0.5, seed=0)
    assert mixed.index.equals(frame.index)
    assert mixed[["t", "key"]].equals(frame[["t", "key"]])
    assert mixed.iloc[:200].equals(frame.iloc[:200])
    replaced = mixed["x"].ne(frame["x"])
    assert mixed.loc[replaced, "seg"].eq("b").all()
    assert replaced.iloc[200:].mean() == pytest.approx(0.5, abs=0.08)  # 200 draws at 0.5
    assert mixed[~replaced].equals(frame[~replaced])
    without = _timed(frame, tiny_policy(segments=None))
    assert nb.failure_unavailable(without, "segment_mix").startswith(
        "The policy declares no segment column this data has")


def test_failures_need_times_and_outcomes():
    """Check every failure needs decision times and a concept shift needs outcomes."""
    h = nb.read_history("lending_club", RISK, train=False)
    for kind in nb.FAILURES:
        assert nb.failure_unavailable(h, kind).startswith("This data has no time column, so the ")
    timed = nb.History(h.data, h.policy, "lc", time="t", gaps=(
        ("outcomes", "This data has no outcomes", "give `label` to run it"),))
    assert nb.failure_unavailable(timed, "concept_shift") == (
        "This data has no outcomes, so the concept shift rehearsal is skipped; give `label` to "
        "run it.")
    assert nb.failure_unavailable(timed, "feature_drift") is None
    frame = nb.rehearse(h, None, kinds=("none", "model_outage"))
    assert list(frame.columns) == ["not run"] and list(frame.index) == ["none", "model_outage"]


def test_outcome_gap_counts_the_cases_with_an_observed_outcome():
    """Check expected and realised bad rates count only cases whose outcome is recorded."""
    policy = tiny_policy()
    frame = pd.DataFrame({"t": pd.to_datetime(["2025-01-06", "2025-01-07", "2025-01-08",
                                               "2025-01-13", "2025-01-14"]),
                          "p": [0.1, 0.3, 0.9, 0.2, 0.4],
                          "bad": ["yes", "no", None, "no", "no"]})
    gap = nb.outcome_gap(_timed(frame, policy, outcome="bad"), window="1W").frame
    assert gap["approved"].tolist() == [2, 2]
    assert gap["expected_bad_rate"].tolist() == pytest.approx([0.2, 0.3])
    assert gap["realised_bad_rate"].tolist() == pytest.approx([0.5, 0.0])


def test_rehearse_catches_each_failure_after_it_starts():
    """Check on a seeded history that every failure is caught within a window of its start,
    with no false alarm before it, and the history as it is raises none."""
    from trustlab.datasets import make_history

    history = make_history(n_days=140, applications_per_day=80, seed=3)
    path_policy = nb.repo_path("policies/consumer-credit-braked.yaml")
    h = nb.History(history, trustlab.load_policy(path_policy), "seeded", time="decision_time",
                   outcome="defaulted", recorded="underwriter_decision")
    start = h.when()  # the middle of 2025-01-01 … 2025-05-20, at midnight
    t = history["decision_time"]
    assert start == (t.min() + (t.max() - t.min()) / 2).normalize() == pd.Timestamp("2025-03-12")
    table = nb.rehearse(h, start, reference="56D", window="1W", seed=0)
    assert table.loc["none", "first alert"] is None
    caught = table.drop(index="none")
    assert caught["windows late"].le(1).all() and caught["alerts before"].eq(0).all()
    assert table.loc["concept_shift", "kind"] == "outcome"
    assert table.loc["feature_drift", "column"] == "debt_to_income"
    assert table.loc["model_outage", "kind"] == "decision"
