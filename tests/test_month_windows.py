"""A month-stamped loan history through drift, trust, rate limits, workload and a rollout.

The history is what a lending team stores: ``issue_d`` like ``Mar-2018`` as
pandas' default ``str``, the score as float32, the amount as nullable Int64.
Every window is a calendar month, so every ``window_start`` is the first of a
month, and the counts are checked by hand with a plain ``groupby`` on the month.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.change import RolloutPlan, Stage, bump_version, simulate_rollout
from trustlab.drift import drift_over_time, policy_drift
from trustlab._time import read_times
from trustlab.simulate import replay, review_load
from trustlab.trust import trust_over_time
from _support import make_policy

MONTHS = pd.date_range("2017-01-01", periods=36, freq="MS")
SHIFT = pd.Timestamp("2019-01-01")  # scores rise from here on
CAP = 12  # approvals a calendar month


def monthly_policy(cap: int = CAP, low: float = 0.2, brake: dict | None = None) -> trustlab.Policy:
    """Loans approved under ``low``, at most ``cap`` approvals a calendar month, reviews and
    values by the month; ``brake``: a drift brake's fields, the first guardrail."""
    cap_approve = {"id": "cap-approve", "kind": "rate_limit", "action": "approve", "max": cap,
                   "per": "1M", "overflow": "review"}
    return trustlab.parse_policy(make_policy(
        name="loans-monthly", owner="Credit risk <risk@example.com>",
        columns={"id": "loan_id", "time": "issue_d"},
        signals=[{"name": "score", "kind": "probability", "model": "pd@1", "higher_means": "risk"}],
        rules=[{"id": "no-score", "when": "score is missing", "then": "review",
                "because": "No score."},
               {"id": "big", "when": "amount > 30000", "then": "review",
                "because": "A large loan."},
               {"id": "low", "when": f"score < {low}", "then": "approve", "because": "Low risk."},
               {"id": "high", "when": "score >= 0.5", "then": "decline", "because": "High risk."},
               {"id": "rest", "otherwise": True, "then": "review", "because": "A person decides."}],
        guardrails=[{"id": "brake", "kind": "drift_brake", **brake}, cap_approve] if brake
        else [cap_approve],
        outcomes={"label": "defaulted", "bad_when": True,
                  "values": {"approve": {"good": 300, "bad": -2000},
                             "decline": {"good": -50, "bad": 0}, "review": {"cost": 20}},
                  "reviewer": {"accuracy": 0.9}, "window": "1M"}))


def loans(seed: int = 0) -> pd.DataFrame:
    """Three years of loans, 150 to 250 a month, months in order."""
    rng = np.random.default_rng(seed)
    per_month = rng.integers(150, 251, len(MONTHS))
    month = np.repeat(MONTHS, per_month)
    n = len(month)
    shifted = month >= SHIFT
    score = np.clip(rng.beta(2, 6, n) + np.where(shifted, 0.25, 0.0), 0, 1).astype(np.float32)
    score[rng.random(n) < 0.02] = np.nan
    amount = pd.array(rng.integers(1_000, 40_000, n), dtype="Int64")
    amount[rng.random(n) < 0.05] = pd.NA
    defaulted = rng.random(n) < np.nan_to_num(score, nan=0.3)
    return pd.DataFrame({
        "loan_id": [f"L{i:05d}" for i in range(n)],
        "issue_d": pd.Series(month.strftime("%b-%Y"), dtype="str"),
        "score": score,
        "amount": amount,
        "grade": pd.Series(rng.choice(["A", "B", "C"], n), dtype="str"),
        "defaulted": defaulted,
    })


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return loans()


@pytest.fixture(scope="module")
def policy() -> trustlab.Policy:
    return monthly_policy()


@pytest.fixture(scope="module")
def replayed(policy, history):
    return replay(policy, history, seed=0)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def month_of(history: pd.DataFrame) -> pd.Series:
    """Each row's month, by hand (no trustlab)."""
    return pd.to_datetime(history["issue_d"], format="%b-%Y")


def test_history_is_stored_as_teams_store_it(history):
    """Check the generated history has the storage it is meant to test."""
    assert history["issue_d"].dtype == pd.StringDtype(na_value=np.nan)
    assert history["score"].dtype == np.float32
    assert history["amount"].dtype == pd.Int64Dtype()
    r = read_times(history["issue_d"])
    assert r.how == "read 'issue_d' as month stamps like 'Jan-2017' (format %b-%Y)"


def test_drift_per_calendar_month(history):
    """Check drift per 1M: months as windows, a {first: 3M} reference, the shift's month found."""
    res = drift_over_time(history, {"first": "3M"}, time="issue_d", window="1M",
                          columns=["score", "amount"])
    starts = pd.DatetimeIndex(sorted(res.frame["window_start"].unique()))
    assert list(starts) == list(MONTHS)
    assert (starts.day == 1).all()
    ref_rows = int(month_of(history).lt("2017-04-01").sum())
    assert res.reference.description == (f"the first 3 months (2017-01-01 to 2017-04-01), "
                                         f"{ref_rows:,} rows")
    in_ref = res.frame.groupby("window_start")["in_reference"].first()
    assert in_ref[in_ref].index.tolist() == list(MONTHS[:3])
    rows = res.frame.groupby("window_start")["rows"].first()
    assert rows.tolist() == month_of(history).value_counts().sort_index().tolist()
    assert res.first_alert("score") == SHIFT
    again = drift_over_time(history, {"first": "3M"}, time="issue_d", window="1M",
                            columns=["score", "amount"], time_format="%b-%Y")
    pd.testing.assert_frame_equal(again.frame, res.frame)
    quarters = drift_over_time(history, {"first": "1Q"}, time="issue_d", window="1Q",
                               columns=["score"])
    q_starts = sorted(quarters.frame["window_start"].unique())
    assert [pd.Timestamp(t) for t in q_starts] == list(MONTHS[::3])
    assert quarters.first_alert("score") == SHIFT


def test_policy_drift_per_month(policy, history):
    """Check a policy's drift over month-stamped times, with the default quarter reference."""
    res = policy_drift(policy, history, window="1M")
    starts = pd.DatetimeIndex(sorted(res.frame["window_start"].unique()))
    assert list(starts) == list(MONTHS)
    # a quarter of the 36 months: the first 9
    assert res.reference.description.startswith("the first 9 months (2017-01-01 to 2017-10-01)")
    assert res.first_alert("score") == SHIFT


def test_rate_limit_per_calendar_month(policy, history):
    """Check exactly CAP approvals a calendar month, the earliest in row order, the rest counted."""
    rec = policy.apply(history)
    month = month_of(history)
    wanted = rec["rule_action"].eq("approve")
    rank = wanted.groupby(month).cumsum()  # 1 for the month's first rule-approval
    expected_approve = wanted & (rank <= CAP)
    assert rec["action"].eq("approve").tolist() == expected_approve.tolist()
    per_month = rec["action"].eq("approve").groupby(month).sum()
    assert per_month.max() == CAP
    assert (per_month == np.minimum(wanted.groupby(month).sum(), CAP)).all()
    overflow = rec["guardrail"].eq("cap-approve")
    assert int(overflow.sum()) == int(np.maximum(wanted.groupby(month).sum() - CAP, 0).sum())
    assert rec.loc[overflow, "action"].eq("review").all()


def test_rate_limit_months_of_31_and_28_days(policy):
    """Check months of 31, 28 and 29 days cap at their own boundaries (30 days would not)."""
    times = ["2019-01-31 23:59:59", "2019-01-31 23:59:59", "2019-01-31 23:59:59",  # January
             "2019-02-01 00:00:00", "2019-02-01 00:00:00",  # February
             "2019-02-28 23:59:00", "2019-02-28 23:59:00",  # still February
             "2019-03-01 00:00:00",  # March
             "2020-02-29 12:00:00", "2020-02-29 13:00:00", "2020-02-29 14:00:00",  # leap day
             "2020-03-01 00:00:00"]
    n = len(times)
    frame = pd.DataFrame({"loan_id": [f"x{i}" for i in range(n)],
                          "issue_d": pd.Series(times, dtype="str"),
                          "score": np.full(n, 0.05, dtype=np.float32),
                          "amount": pd.array([5000] * n, dtype="Int64")})
    capped = monthly_policy(cap=2)
    rec = capped.apply(frame)
    assert rec["action"].tolist() == ["approve", "approve", "review",  # Jan: 2 of 3
                                      "approve", "approve", "review", "review",  # Feb: 2 of 4
                                      "approve",  # Mar
                                      "approve", "approve", "review",  # Feb 2020: 2 of 3
                                      "approve"]
    assert int(rec["guardrail"].eq("cap-approve").sum()) == 4
    state = trustlab.GuardrailState()
    online = [capped.decide(r, state).action for r in frame.to_dict("records")]
    assert online == rec["action"].tolist()


def test_trust_over_time_per_month(replayed, history):
    """Check trust per 1M: one window a month, decisions counted by hand."""
    t = trust_over_time(replayed, window="1M")
    decisions = t.metric("decisions")
    assert list(decisions.index) == list(MONTHS)
    assert decisions.tolist() == month_of(history).value_counts().sort_index().tolist()
    automated = replayed.decisions["automated"].to_numpy(dtype=bool)
    by_hand = pd.Series(automated).groupby(month_of(history).to_numpy()).mean()
    assert np.allclose(t.metric("automation_rate").to_numpy(), by_hand.to_numpy())
    quarters = trust_over_time(replayed, window="1Q")
    assert list(quarters.metric("decisions").index) == list(MONTHS[::3])


def test_workload_per_month(replayed, history):
    """Check reviews per 1M window and the review load are per calendar month."""
    reviews = replayed.reviews_per_window()
    assert list(reviews.index) == list(MONTHS)
    human = ~replayed.decisions["automated"].to_numpy(dtype=bool)
    assert reviews.tolist() == pd.Series(human).groupby(
        month_of(history).to_numpy()).sum().tolist()
    load = review_load(replayed, capacity=10.0)
    assert list(pd.DatetimeIndex(load.frame["window_start"])) == list(MONTHS)
    assert load.unit == "month"
    fig = replayed.plot()
    assert fig is not None
    load.plot()


def test_rollout_judged_per_month(policy, history):
    """Check a rollout judged every month: periods start on the first, stages last months."""
    challenger = bump_version(monthly_policy(low=0.25), "2")
    plan = RolloutPlan([Stage(0.1, "2M"), Stage(0.5, "1M"), Stage(1.0)], period="1M")
    r = simulate_rollout(policy, challenger, history, plan)
    assert list(r.periods["period_start"]) == list(MONTHS)
    assert r.stages["started"].tolist() == [pd.Timestamp("2017-01-01"),
                                           pd.Timestamp("2017-03-01"),
                                           pd.Timestamp("2017-04-01")]
    assert r.stages["periods"].tolist() == [2, 1, 33]
    assert "to 2020-01-01 (36 periods)" in r.in_words()
    r.plot()


def test_rollout_stage_of_a_month_judged_daily(policy, history):
    """Check a 1M stage judged every day lasts January's 31 days, then February's 28."""
    challenger = bump_version(monthly_policy(low=0.25), "2")
    plan = RolloutPlan([Stage(0.1, "1M"), Stage(0.3, "1M"), Stage(1.0)], period="1D")
    r = simulate_rollout(policy, challenger, history, plan)
    assert r.stages["started"].tolist() == [pd.Timestamp("2017-01-01"),
                                           pd.Timestamp("2017-02-01"),
                                           pd.Timestamp("2017-03-01")]
    assert r.stages["periods"].tolist()[:2] == [31, 28]


def test_drift_brake_per_month_bulk_equals_online(history):
    """Check a 1M brake with a {first: 3M} reference brakes the month after the shift, in bulk
    and one record at a time alike."""
    braked = monthly_policy(brake={"watch": ["score"], "metric": "ks",
                                   "reference": {"first": "3M"}, "window": "1M", "warn": 0.2,
                                   "act": 0.35, "then": "review"})
    small = history.groupby(month_of(history).to_numpy(), sort=False).head(80)
    small = small.reset_index(drop=True)
    rec = braked.apply(small)
    hit = rec["guardrail"].eq("brake")
    months = month_of(small)
    # January 2019 drifted (measured when it ends), so February 2019 on is braked
    assert months[hit].min() == pd.Timestamp("2019-02-01")
    assert "in the month from 2019-01-01 00:00" in rec.loc[hit, "reason"].iloc[0]
    state = trustlab.GuardrailState()
    online = [braked.decide(r, state) for r in small.to_dict("records")]
    assert [d.action for d in online] == rec["action"].tolist()
    assert [d.guardrail or "" for d in online] == \
        [g if isinstance(g, str) else "" for g in rec["guardrail"].astype(object)]


def test_streamed_replay_cuts_at_months(history, tmp_path):
    """Check a replay streamed from Parquet parts cut mid-month equals the in-memory one:
    the 1M rate limit, the 1M brake with its {first: 3M} reference and monthly trust."""
    from trustlab.scale import replay as scaled_replay

    braked = monthly_policy(brake={"watch": ["score"], "metric": "psi",
                                   "reference": {"first": "3M"}, "window": "1M", "warn": 0.1,
                                   "act": 0.25, "then": "review"})
    bounds = [0, 1000, 2501, 4444, len(history)]  # parts end in the middle of months
    for i, (a, b) in enumerate(zip(bounds, bounds[1:])):
        history.iloc[a:b].to_parquet(tmp_path / f"part-{i}.parquet")
    whole = replay(braked, history, seed=1)
    s = scaled_replay(braked, tmp_path, batch_rows=700, seed=1, trust_window="1M")
    assert whole.records["guardrail"].eq("brake").any()
    assert whole.records["guardrail"].eq("cap-approve").any()
    pd.testing.assert_frame_equal(trust_over_time(whole, window="1M").frame, s.trust.frame)
    a, b = whole.metrics.reset_index(drop=True), s.metrics.reset_index(drop=True)
    assert np.allclose(a["value"], b["value"], rtol=1e-12, atol=0, equal_nan=True)


def test_drift_in_parts_per_month(history, tmp_path):
    """Check drift per 1M counted from Parquet parts equals the in-memory PSI, month by month."""
    from trustlab.drift import Reference
    from trustlab.scale import drift_over_time as scaled_drift

    first = history[month_of(history) < "2017-04-01"]
    ref = Reference.from_data(first, ["score", "amount"])
    bounds = [0, 777, 3000, 5123, len(history)]
    for i, (a, b) in enumerate(zip(bounds, bounds[1:])):
        history.iloc[a:b].to_parquet(tmp_path / f"part-{i}.parquet")
    whole = drift_over_time(history, ref, time="issue_d", window="1M", metrics=["psi"])
    parts = scaled_drift(tmp_path, ref, time="issue_d", window="1M", metrics=["psi"],
                         batch_rows=500)
    assert list(pd.DatetimeIndex(sorted(parts.frame["window_start"].unique()))) == list(MONTHS)
    pd.testing.assert_frame_equal(whole.frame, parts.frame)
