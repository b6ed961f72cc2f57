"""Staged rollouts: stable assignment, stages in time order, stop conditions that fire where they should."""

from __future__ import annotations

import os
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.change._rollout import (
    ASSIGNMENT_COLUMNS,
    EVALUATION_COLUMNS,
    PERIOD_COLUMNS,
    STAGE_COLUMNS,
    STOP_METRICS,
    RolloutDisplay,
    RolloutPlan,
    Stage,
    StopCondition,
    assign,
    simulate_rollout,
)
from trustlab.datasets import ConceptShift, make_history
from _support import CREDIT, credit_text, policy_text


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ------------------------------------------------------------------ a tiny history, by hand

OUTCOMES = """\
outcomes:
  label: bad
  values:
    approve: {good: 100, bad: -500}
    decline: {good: -10, bad: 0}
    review: {cost: 5}
  reviewer:
    accuracy: 1.0
  window: 1D
"""
# accuracy 1.0: a review ends in approve (95 after its cost) when the case is good and in
# decline (-5) when it is bad.

CHAMPION = policy_text(OUTCOMES)
# The challenger approves every risk under 0.5, whatever the grade (the champion: under 0.2
# and grade A or B; the rest of the middle goes to review).
CHALLENGER = policy_text(OUTCOMES).replace('version: "1.0"', 'version: "2.0"').replace(
    "when: p < 0.2 and grade in ['A', 'B']", "when: p < 0.5")

# u of each key with salt "" (pinned in test_assign_pinned_values):
# k00 .531  k01 .219  k02 .722  k03 .502  k04 .807  k05 .463  k06 .242  k07 .934
# k08 .574  k09 .710  k10 .000  k11 .659  k12 .420  k13 .627  k14 .762  k15 .545
# At 50% the keys with u < .5 are on the challenger: k01 k05 k06 k10 k12.
TINY = [  # key, day, p, grade, bad → champion | challenger (value)
    ("k00", 3, 0.30, "A", False),  # review→approve 95 | approve 100
    ("k01", 3, 0.30, "A", False),  # review→approve 95 | approve 100
    ("k05", 3, 0.10, "C", False),  # review→approve 95 | approve 100
    ("k06", 3, 0.40, "B", False),  # review→approve 95 | approve 100
    ("k10", 4, 0.45, "A", True),   # review→decline -5 | approve -500
    ("k02", 4, 0.60, "A", False),  # decline -10       | decline -10
    ("k03", 4, 0.35, "C", True),   # review→decline -5 | approve -500
    ("k04", 4, 0.05, "B", False),  # approve 100       | approve 100
    ("k07", 5, 0.10, "A", False),
    ("k08", 5, 0.30, "B", True),
    ("k09", 5, 0.70, "C", True),
    ("k11", 5, 0.15, "B", False),
    ("k12", 6, 0.30, "A", True),
    ("k13", 6, 0.10, "A", False),
    ("k14", 6, 0.20, "C", False),
    ("k15", 6, 0.90, "D", True),
]


@pytest.fixture(scope="module")
def champion():
    return trustlab.parse_policy(CHAMPION)


@pytest.fixture(scope="module")
def challenger():
    return trustlab.parse_policy(CHALLENGER)


@pytest.fixture
def tiny_history():
    return pd.DataFrame({
        "app_id": [k for k, *_ in TINY],
        "t": pd.to_datetime([f"2025-03-0{d} {9 + i % 4}:00" for i, (_, d, *_) in enumerate(TINY)]),
        "p": [p for _, _, p, _, _ in TINY],
        "amount": 50.0,
        "grade": [g for *_, g, _ in TINY],
        "bad": [b for *_, b in TINY],
    }, index=range(100, 116))


HALF_THEN_ALL = RolloutPlan(
    [Stage(0.5, "1D"), Stage(1.0)],
    stop=[StopCondition("bad_rate_favourable", at_most=0.3, min_decisions=2),
          StopCondition("peak_reviews_per_window", at_most=3, min_decisions=1, over="all")])


def test_stages_and_halt_by_hand(champion, challenger, tiny_history):
    """Check that day 1 runs at 50%, day 2 at 100% where the bad rate fires, then all champion.

    Day 1 (50%): k01 k05 k06 exposed, 3 favourable, 0 bad → 0.0; k00 goes to the champion,
    who sends it to review: 1 review in the day over all cases. Day 2 (100%, counted afresh):
    favourable k10 k03 k04, bad k10 k03 → 2/3 > 0.3: halt. Days 3 and 4: share 0, and k12
    (u .42) stays with the champion.
    """
    r = simulate_rollout(champion, challenger, tiny_history, HALF_THEN_ALL)
    p = r.periods
    assert [c for c in p.columns if c in PERIOD_COLUMNS] == list(PERIOD_COLUMNS)
    assert list(p.columns) == ["period_start", "stage", "share", "decisions", "exposed",
                               "stage_exposed", "bad_rate_favourable",
                               "peak_reviews_per_window (all)", "fired", "halted"]
    assert p["period_start"].tolist() == list(pd.date_range("2025-03-03", periods=4))
    assert p["stage"].tolist() == [0, 1, pd.NA, pd.NA]
    assert p["share"].tolist() == [0.5, 1.0, 0.0, 0.0]
    assert p["decisions"].tolist() == [4, 4, 4, 4]
    assert p["exposed"].tolist() == [3, 4, 0, 0]
    assert p["stage_exposed"].tolist() == [3, 4, 0, 0]
    np.testing.assert_allclose(p["bad_rate_favourable"], [0.0, 2 / 3, np.nan, np.nan])
    np.testing.assert_allclose(p["peak_reviews_per_window (all)"], [1, 0, np.nan, np.nan])
    assert p["fired"].tolist() == [None, "bad_rate_favourable > 0.3", None, None]
    assert p["halted"].tolist() == [False, False, True, True]

    h = r.halt
    assert (h.condition.metric, h.stage, h.share, h.period_start, h.cases, h.also) == (
        "bad_rate_favourable", 1, 1.0, pd.Timestamp("2025-03-04"), 4, ())
    assert h.value == pytest.approx(2 / 3)
    assert r.halted and not r.completed and r.final_stage == 1

    a = r.assignment
    assert list(a.columns) == list(ASSIGNMENT_COLUMNS)
    assert a.index.tolist() == list(range(100, 116))
    exposed = {"k01", "k05", "k06", "k10", "k02", "k03", "k04"}
    assert set(a.loc[a["exposed"], "key"]) == exposed
    assert (a["arm"] == np.where(a["key"].isin(exposed), "challenger", "champion")).all()
    assert a.set_index("key").loc[["k00", "k10", "k12"], "action"].tolist() == [
        "review", "approve", "review"]
    assert set(a.loc[a["exposed"], "policy_version"]) == {"2.0"}
    assert set(a.loc[~a["exposed"], "policy_version"]) == {"1.0"}
    assert a.loc[a["exposed"], "policy_hash"].eq(challenger.content_hash).all()

    s = r.stages.set_index("stage")
    assert list(r.stages.columns) == list(STAGE_COLUMNS)
    assert s["status"].tolist() == ["advanced", "halted"]
    assert s["exposed"].tolist() == [3, 4] and s["valued"].tolist() == [3, 4]
    assert s["challenger_value"].tolist() == [300.0, -910.0]  # 3×100; -500-10-500+100
    assert s["champion_value"].tolist() == [285.0, 80.0]      # 3×95; -5-10-5+100
    assert s["value_difference"].tolist() == [15.0, -990.0]
    assert s["challenger_bad"].tolist() == [0, 2] and s["champion_bad"].tolist() == [0, 0]
    assert r.exposure_cost == 975.0


def test_evaluations_are_tidy(champion, challenger, tiny_history):
    """Check that every condition has one row per period of a stage, judged once it has enough cases."""
    r = simulate_rollout(champion, challenger, tiny_history, HALF_THEN_ALL)
    e = r.evaluations
    assert list(e.columns) == list(EVALUATION_COLUMNS)
    assert e["condition"].tolist() == ["bad_rate_favourable > 0.3"] * 2 + [
        "peak_reviews_per_window (all cases) > 3"] * 2
    assert e["cases"].tolist() == [3, 4, 4, 4]  # exposed; then every case of the stage
    assert e["judged"].all()
    assert e["fired"].tolist() == [False, True, False, False]
    # Judged from 5 cases: not on day 2 (4 cases, 2 bad of 3 favourable) but on day 3 (8
    # cases): favourable k10 k03 k04 k07 k08 k11, bad k10 k03 k08 → 3/6.
    late = RolloutPlan(HALF_THEN_ALL.stages, stop=[StopCondition("bad_rate_favourable",
                                                                 at_most=0.3, min_decisions=5)])
    r = simulate_rollout(champion, challenger, tiny_history, late)
    assert r.evaluations["judged"].tolist() == [False, False, True]
    assert r.evaluations["fired"].tolist() == [False, False, True]
    assert (r.halt.period_start, r.halt.value, r.halt.cases) == (
        pd.Timestamp("2025-03-05"), 0.5, 8)
    assert r.periods["share"].tolist() == [0.5, 1.0, 1.0, 0.0]


def test_stage_waits_for_duration_and_exposed_cases(champion, challenger, tiny_history):
    """Check that a stage lasts its min_duration in whole periods and waits for min_decisions.

    Exposed at 50%, day by day: 3 (k01 k05 k06), 1 (k10), 0, 1 (k12): 5 reached at day 4.
    """
    two_days = simulate_rollout(champion, challenger, tiny_history,
                                RolloutPlan([Stage(0.5, "2D"), Stage(1.0)]))
    assert two_days.periods["share"].tolist() == [0.5, 0.5, 1.0, 1.0]
    rounded_up = simulate_rollout(champion, challenger, tiny_history,
                                  RolloutPlan([Stage(0.5, "36h"), Stage(1.0)]))
    assert rounded_up.periods["share"].tolist() == [0.5, 0.5, 1.0, 1.0]
    waits = simulate_rollout(champion, challenger, tiny_history,
                             RolloutPlan([Stage(0.5, "1D", min_decisions=4), Stage(1.0)]))
    assert waits.periods["stage_exposed"].tolist() == [3, 4, 4, 8]  # 100% from day 3
    assert waits.periods["share"].tolist() == [0.5, 0.5, 1.0, 1.0]
    never = simulate_rollout(champion, challenger, tiny_history,
                             RolloutPlan([Stage(0.5, "1D", min_decisions=6), Stage(1.0)]))
    assert never.periods["share"].tolist() == [0.5] * 4
    assert never.stages["status"].tolist() == ["running at the end", "not reached"]
    assert never.stages["started"].isna().tolist() == [False, True]
    assert "Still at stage 1 of 2 (50%)" in never.in_words()


def test_summary_html_repr_and_plot(champion, challenger, tiny_history):
    """Check that the summary says where and why the rollout halted, and the plot marks it."""
    r = simulate_rollout(champion, challenger, tiny_history, HALF_THEN_ALL)
    text = r.in_words()
    assert "Stage 1 of 2 (50%) began 2025-03-03 and advanced after 1 period and 3 exposed " \
        "cases." in text
    assert ("HALTED at the end of the period starting 2025-03-04, at stage 2 of 2 (100%)"
            in text)
    assert "was 66.7% over 4 exposed cases since the stage began, above the stop line of 30.0%" \
        in text
    assert "made 975 less than the champion would have on the same cases (exposure cost 975)" \
        in text
    assert "bad outcomes among its favourable decisions: 2, against 0" in text
    html = r._repr_html_()
    assert "HALTED" in html and "<table>" in html
    assert repr(r).startswith("RolloutResult(tiny-credit@2.0 over tiny-credit@1.0, halted")
    assert r.frame is r.periods

    d = r.plot()
    assert isinstance(d, RolloutDisplay) and len(d.metric_axes_) == 2
    assert d.ax_.get_ylabel() == "Cases on the challenger (%)"
    halt_at = [pd.Timestamp("2025-03-05")] * 2  # the end of the period that fired
    assert any(list(line.get_xdata()) == halt_at for line in d.metric_axes_[0].lines)
    assert [t.get_text() for t in d.metric_axes_[0].get_legend().get_texts()] == [
        "Over the stage so far", "Stop above 30.0%"]  # every period had the 2 cases to judge
    fig, ax = plt.subplots()
    assert r.plot(ax=ax).ax_ is ax


# ------------------------------------------------------------------ assignment

M = (1 << 64) - 1


def _rotl(x: int, b: int) -> int:
    return ((x << b) | (x >> (64 - b))) & M


def _siphash24(key: bytes, msg: bytes) -> int:
    """SipHash-2-4 as in the reference implementation (github.com/veorq/SipHash)."""
    k0, k1 = int.from_bytes(key[:8], "little"), int.from_bytes(key[8:], "little")
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D,
         k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def sipround():
        v[0] = (v[0] + v[1]) & M; v[1] = _rotl(v[1], 13) ^ v[0]; v[0] = _rotl(v[0], 32)  # noqa: E702
        v[2] = (v[2] + v[3]) & M; v[3] = _rotl(v[3], 16) ^ v[2]                          # noqa: E702
        v[0] = (v[0] + v[3]) & M; v[3] = _rotl(v[3], 21) ^ v[0]                          # noqa: E702
        v[2] = (v[2] + v[1]) & M; v[1] = _rotl(v[1], 17) ^ v[2]; v[2] = _rotl(v[2], 32)  # noqa: E702

    n, tail = len(msg), len(msg) - len(msg) % 8
    for i in range(0, tail, 8):
        m = int.from_bytes(msg[i:i + 8], "little")
        v[3] ^= m; sipround(); sipround(); v[0] ^= m  # noqa: E702
    b = ((n & 0xFF) << 56) | int.from_bytes(msg[tail:], "little")
    v[3] ^= b; sipround(); sipround(); v[0] ^= b  # noqa: E702
    v[2] ^= 0xFF
    for _ in range(4):
        sipround()
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def _reference_u(key: str, salt: str) -> float:
    import hashlib

    h = _siphash24(hashlib.sha256(salt.encode()).hexdigest()[:16].encode(), key.encode())
    h ^= h >> 30; h = (h * 0xBF58476D1CE4E5B9) & M  # noqa: E702  the fixed 64-bit mix
    h ^= h >> 27; h = (h * 0x94D049BB133111EB) & M  # noqa: E702
    h ^= h >> 31
    return (h >> 11) * 2.0 ** -53


def test_assign_pinned_values():
    """Check that u is pinned: the same numbers on any run, machine or pandas version."""
    u = assign([f"k{i:02d}" for i in range(16)])
    assert u.round(3).tolist() == [0.531, 0.219, 0.722, 0.502, 0.807, 0.463, 0.242, 0.934,
                                   0.574, 0.71, 0.0, 0.659, 0.42, 0.627, 0.762, 0.545]
    assert assign(["A0000001"], salt="exp-1")[0] == 0.865331702186315


@pytest.mark.parametrize("salt", ["", "exp-1", "ünï"])
def test_assign_is_the_reference_siphash(salt):
    """Check that u is SipHash-2-4 of the key's UTF-8 text as the reference defines it.

    A pure-Python reference, so a pandas that changed its hashing would fail here.
    """
    keys = ["A0000001", "", "ünïcødé-κλειδί", "x" * 23, "12345678", 42]
    expected = [_reference_u(str(k), salt) for k in keys]
    assert assign(keys, salt).tolist() == expected


def test_assign_is_the_same_in_another_process():
    """Check that u does not depend on the process (Python's own str hash is randomised)."""
    code = ("from trustlab.change._rollout import assign; "
            "print(repr(assign(['A0000001', 'ünï', 7], salt='s').tolist()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONHASHSEED": "12345"}).stdout
    assert out == repr(assign(["A0000001", "ünï", 7], salt="s").tolist()) + "\n"


def test_assign_is_uniform_monotone_and_salted():
    """Check that u spreads evenly over [0, 1), shares nest, and a salt draws other cases."""
    keys = pd.Series([f"A{i:07d}" for i in range(20_000)])
    u = assign(keys)
    assert ((u >= 0) & (u < 1)).all()
    assert np.histogram(u, bins=10, range=(0, 1))[0].min() > 1850  # 2,000 expected per bin
    at = {s: set(keys[u < s]) for s in (0.01, 0.1, 0.5, 1.0)}
    assert at[0.01] <= at[0.1] <= at[0.5] <= at[1.0] == set(keys)
    other = assign(keys, salt="another rollout")
    overlap = ((u < 0.1) & (other < 0.1)).mean()
    assert overlap == pytest.approx(0.01, abs=0.003)  # independent draws
    assert assign(pd.Index(["7"])).tolist() == assign(np.array([7])).tolist()


def test_assignment_survives_shuffling():
    """Check that the same keys give the same u, the same exposed cases and the same rollout.

    make_history records every human decision, so no simulated reviewer draw depends on
    row order.
    """
    data = make_history(n_days=21, applications_per_day=40, seed=3)
    champion = trustlab.load_policy(CREDIT)
    challenger = trustlab.load_policy(CREDIT.with_name("consumer-credit-braked.yaml"))
    plan = RolloutPlan([Stage(0.1, "7D"), Stage(0.5, "7D"), Stage(1.0)],
                       stop=[StopCondition("automation_rate", at_least=0.1)])
    a = simulate_rollout(champion, challenger, data, plan)
    shuffled = data.sample(frac=1, random_state=7)
    b = simulate_rollout(champion, challenger, shuffled, plan)
    assert b.assignment.index.equals(shuffled.index)
    pd.testing.assert_frame_equal(a.assignment, b.assignment.loc[data.index])
    pd.testing.assert_frame_equal(a.periods, b.periods)
    pd.testing.assert_frame_equal(a.stages, b.stages)
    assert a.assignment["exposed"].sum() > 0
    ax = a.assignment
    assert ax["exposed"].eq(ax["u"] < ax["share"]).all()


# ------------------------------------------------------------------ metrics mean what the spec says

@pytest.fixture(scope="module")
def history():
    return make_history(n_days=21, applications_per_day=40, seed=1)


def test_stop_metrics_equal_the_replay_metrics(history):
    """Check that at 100% from the start each stop metric at the end is the challenger's replay metric."""
    champion = trustlab.load_policy(CREDIT)
    challenger = trustlab.parse_policy(credit_text({"version: 1.2.0": "version: 1.3.0",
                                                    "p_default < 0.08": "p_default < 0.15"}))
    names = list(STOP_METRICS) + ["share.review", "share.approve"]
    stops = [StopCondition(m, at_most=1e12, min_decisions=1, over=o)
             for m in names for o in ("exposed", "all")]
    r = simulate_rollout(champion, challenger, history, RolloutPlan([Stage(1.0)], stop=stops))
    last = r.periods.iloc[-1]
    for m in names:
        expected = r.challenger_replay.metric(m)
        assert last[m] == pytest.approx(expected, nan_ok=True), m
        assert last[f"{m} (all)"] == pytest.approx(expected, nan_ok=True), m
    assert not np.isnan(last["override_rate"]) and not np.isnan(last["reviews_per_window_mean"])


def test_all_cases_blend_the_two_policies(history):
    """Check that `over="all"` counts challenger decisions where exposed and the champion's elsewhere."""
    champion = trustlab.load_policy(CREDIT)
    challenger = trustlab.parse_policy(credit_text({"version: 1.2.0": "version: 1.3.0",
                                                    "p_default < 0.08": "p_default < 0.15"}))
    names = ["decisions", "automation_rate", "value_total", "bad_rate_favourable",
             "peak_reviews_per_window"]
    stops = [StopCondition(m, at_most=1e12, min_decisions=1, over=o)
             for m in names for o in ("exposed", "all")]
    r = simulate_rollout(champion, challenger, history, RolloutPlan([Stage(0.3)], stop=stops))
    exp = r.assignment["exposed"].to_numpy()
    x, c = r.challenger_replay.decisions, r.champion_replay.decisions
    blend = pd.DataFrame({
        col: np.where(exp, x[col].to_numpy(), c[col].to_numpy())
        for col in ("automated", "favourable", "labelled", "bad", "value")})
    last = r.periods.iloc[-1]
    fav = blend["favourable"].astype(bool) & blend["labelled"].astype(bool)
    day = history["decision_time"].dt.normalize()
    assert last["decisions (all)"] == len(history)
    assert last["automation_rate (all)"] == pytest.approx(blend["automated"].astype(bool).mean())
    assert last["value_total (all)"] == pytest.approx(np.nansum(blend["value"].astype(float)))
    assert last["bad_rate_favourable (all)"] == pytest.approx(blend["bad"][fav].astype(bool).mean())
    assert last["peak_reviews_per_window (all)"] == (~blend["automated"].astype(bool)).groupby(
        day.to_numpy()).sum().max()
    xe = x[exp]
    assert last["decisions"] == exp.sum()
    assert last["automation_rate"] == pytest.approx(xe["automated"].mean())
    assert last["peak_reviews_per_window"] == (~xe["automated"]).groupby(
        day[exp].to_numpy()).sum().max()


# ------------------------------------------------------------------ a synthetic scenario

RECKLESS = {"version: 1.2.0": "version: 1.3.0",
            "when: p_default < 0.08 and debt_to_income < 40": "when: p_default < 0.2 and "
                                                               "debt_to_income < 45"}
SHIFT_PLAN = RolloutPlan(
    [Stage(0.05, "7D"), Stage(0.25, "7D"), Stage(0.5, "7D"), Stage(1.0)],
    stop=[StopCondition("bad_rate_favourable", at_most=0.09, min_decisions=200)])


@pytest.fixture(scope="module")
def reckless():
    """Approves risks up to 20% (the champion: 8%)."""
    return trustlab.parse_policy(credit_text(RECKLESS))


def test_stop_fires_after_a_concept_shift_at_the_full_stage(reckless):
    """Check that a concept shift from 22 January (odds of default ×3) halts the rollout at 100%.

    The stages start on 1, 8, 15 and 22 January; at 100% the challenger's bad rate on its
    approvals jumps to about 12%, and 200 exposed cases are there by the second day (golden:
    seeded history).
    """
    champion = trustlab.load_policy(CREDIT)
    data = make_history(n_days=30, applications_per_day=150, seed=5,
                        scenarios=[ConceptShift("2025-01-22", factor=3.0)])
    r = simulate_rollout(champion, reckless, data, SHIFT_PLAN)
    assert r.halted
    assert (r.halt.stage, r.halt.share, r.halt.period_start) == (
        3, 1.0, pd.Timestamp("2025-01-23"))
    assert r.halt.value > 0.09 and r.halt.cases >= 200
    assert r.stages["status"].tolist() == ["advanced", "advanced", "advanced", "halted"]
    p = r.periods.set_index("period_start")
    assert (p.loc["2025-01-24":, "share"] == 0).all() and p.loc["2025-01-24":, "halted"].all()
    assert not r.assignment.loc[data["decision_time"] >= "2025-01-24", "exposed"].any()
    # before the shift the same challenger stayed under the line at every stage
    assert (r.evaluations.loc[r.evaluations["stage"] < 3, "fired"] == False).all()  # noqa: E712


def test_no_stop_on_the_calm_history(reckless):
    """Check that without the shift the same rollout reaches 100% on 22 January and stays."""
    champion = trustlab.load_policy(CREDIT)
    data = make_history(n_days=30, applications_per_day=150, seed=5)
    r = simulate_rollout(champion, reckless, data, SHIFT_PLAN)
    assert not r.halted and r.completed
    assert r.stages["started"].tolist() == list(pd.to_datetime(
        ["2025-01-01", "2025-01-08", "2025-01-15", "2025-01-22"]))
    assert r.periods["bad_rate_favourable"].iloc[-1] < 0.09
    assert "Reached stage 4 of 4 (100%) on 2025-01-22; no stop condition fired." in r.in_words()


# ------------------------------------------------------------------ refusals

def _where(exc_info) -> list[str]:
    return [p.where for p in exc_info.value.problems]


def test_refuses_a_challenger_without_a_row_key(champion, tiny_history):
    """Check that a policy without columns.id is refused: its rows cannot be assigned stably."""
    no_id = trustlab.parse_policy(CHALLENGER.replace("columns: {id: app_id, time: t}",
                                                     "columns: {time: t}"))
    with pytest.raises(trustlab.DataError, match=r"columns\.id: is not declared; rows without a "
                                                 r"stable key cannot be assigned stably"):
        simulate_rollout(champion, no_id, tiny_history, HALF_THEN_ALL)
    other_id = trustlab.parse_policy(CHALLENGER.replace("id: app_id", "id: grade"))
    with pytest.raises(trustlab.DataError, match="the champion names 'app_id' and the "
                                                 "challenger 'grade'"):
        simulate_rollout(champion, other_id, tiny_history, HALF_THEN_ALL)


def test_refuses_missing_repeated_or_absent_keys(champion, challenger, tiny_history):
    """Check that keys must exist, be present on every row and be unique."""
    with pytest.raises(trustlab.DataError, match=r"column 'app_id': is missing; the policies "
                                                 r"name it in `columns`. Columns: t, p"):
        simulate_rollout(champion, challenger, tiny_history.drop(columns="app_id"), HALF_THEN_ALL)
    gaps = tiny_history.assign(app_id=tiny_history["app_id"].where(tiny_history.index != 103))
    with pytest.raises(trustlab.DataError, match=r"1 rows have no key \(rows 103\)"):
        simulate_rollout(champion, challenger, gaps, HALF_THEN_ALL)
    dupes = tiny_history.assign(app_id=["k00"] * 2 + list(tiny_history["app_id"][2:]))
    with pytest.raises(trustlab.DataError, match=r"2 rows share a key \('k00'\); the row key "
                                                 r"must be unique"):
        simulate_rollout(champion, challenger, dupes, HALF_THEN_ALL)
    with pytest.raises(trustlab.DataError, match="keys: 1 keys are missing"):
        assign(["a", None])


def test_refuses_bad_stages():
    """Check that shares must lie in (0, 1] and increase, and durations be windows."""
    with pytest.raises(trustlab.DataError, match=r"stages\[2\].share: 0.3 is not above the share "
                                                 r"of stages\[1\] \(0.5\)"):
        RolloutPlan([Stage(0.1), Stage(0.5), Stage(0.3)])
    with pytest.raises(trustlab.DataError, match=r"stages\[1\].share: 0.1 is not above"):
        RolloutPlan([Stage(0.1), Stage(0.1)])
    for share in (0, -0.1, 1.01, float("nan"), True, "10%"):
        with pytest.raises(trustlab.DataError, match="share: must be a number above 0 and at "
                                                     "most 1"):
            Stage(share)
    with pytest.raises(trustlab.DataError) as e:
        Stage(0.1, "a week", min_decisions=-1)
    assert _where(e) == ["min_duration", "min_decisions"]
    with pytest.raises(trustlab.DataError, match="stages: must be a non-empty list"):
        RolloutPlan([])
    with pytest.raises(trustlab.DataError, match="period: must be a time window"):
        RolloutPlan([Stage(1.0)], period="daily")


def test_refuses_a_period_that_makes_too_many_periods(champion, challenger, tiny_history):
    """Check that one-second periods from 3 March 09:00 to 6 March 12:00 (270,001) are refused."""
    with pytest.raises(trustlab.DataError, match=r"period: '1s' cuts the history into 270,001 "
                                                 r"periods \(at most 100,000\)"):
        simulate_rollout(champion, challenger, tiny_history, RolloutPlan([Stage(1.0)], period="1s"))


def test_refuses_bad_stop_conditions():
    """Check that a stop condition names a known metric and gives exactly one finite bound."""
    with pytest.raises(trustlab.DataError, match="unknown metric 'bad_rate_favorable'. Did "
                                                 "you mean 'bad_rate_favourable'?"):
        StopCondition("bad_rate_favorable", at_most=0.1)
    with pytest.raises(trustlab.DataError, match="give exactly one of `at_most`.*got both"):
        StopCondition("override_rate", at_most=0.1, at_least=0.0)
    with pytest.raises(trustlab.DataError, match="got neither"):
        StopCondition("override_rate")
    with pytest.raises(trustlab.DataError, match="at_most: must be a finite number"):
        StopCondition("override_rate", at_most=float("inf"))
    with pytest.raises(trustlab.DataError, match="'favourable_rate_ratio' compares the segments"):
        StopCondition("favourable_rate_ratio", at_least=0.8)
    with pytest.raises(trustlab.DataError, match="'max_signal_psi' is measured by the drift "
                                                 "monitor"):
        StopCondition("max_signal_psi", at_most=0.25)
    with pytest.raises(trustlab.DataError) as e:
        StopCondition("override_rate", at_most=0.1, min_decisions=0, over="everyone")
    assert _where(e) == ["min_decisions", "over"]


def test_refuses_stops_the_challenger_cannot_be_measured_on(champion, challenger, tiny_history):
    """Check that share.<action> needs a declared action, and review counts need outcomes.window."""
    plan = RolloutPlan([Stage(1.0)], stop=[StopCondition("share.refer", at_most=0.5)])
    with pytest.raises(trustlab.DataError, match=r"stop\[0\].metric: 'share.refer' names an "
                                                 r"action the challenger does not declare; its "
                                                 r"actions: approve, decline, review"):
        simulate_rollout(champion, challenger, tiny_history, plan)
    no_window = trustlab.parse_policy(CHALLENGER.replace("  window: 1D\n", ""))
    plan = RolloutPlan([Stage(1.0)], stop=[StopCondition("peak_reviews_per_window", at_most=9)])
    with pytest.raises(trustlab.DataError, match="counts reviews per `outcomes.window`"):
        simulate_rollout(champion, no_window, tiny_history, plan)


def test_refuses_a_changed_policy_with_the_same_version(champion, tiny_history):
    """Check that a challenger with the champion's name@version but other content is refused."""
    same_version = trustlab.parse_policy(CHALLENGER.replace('version: "2.0"', 'version: "1.0"'))
    with pytest.raises(trustlab.PolicyError, match="must bump `version`"):
        simulate_rollout(champion, same_version, tiny_history, HALF_THEN_ALL)


def test_refuses_wrong_inputs(champion, challenger, tiny_history):
    """Check that wrong argument types and empty data are named."""
    with pytest.raises(trustlab.DataError) as e:
        simulate_rollout("champion.yaml", challenger, tiny_history.iloc[:0], {"stages": []})
    assert _where(e) == ["champion", "data", "plan"]
    r = simulate_rollout(champion, challenger, tiny_history, HALF_THEN_ALL)
    with pytest.raises(trustlab.DataError, match="challenger_replay: must be a replay of the "
                                                 "challenger over this data"):
        simulate_rollout(champion, challenger, tiny_history.iloc[:8], HALF_THEN_ALL,
                         challenger_replay=r.challenger_replay)
    again = simulate_rollout(champion, challenger, tiny_history, HALF_THEN_ALL,
                             champion_replay=r.champion_replay,
                             challenger_replay=r.challenger_replay)
    assert again.challenger_replay is r.challenger_replay
    pd.testing.assert_frame_equal(again.periods, r.periods)


# ------------------------------------------------------------------ plans from YAML

def test_plan_from_dict_reports_every_problem():
    """Check that a plan spec with several mistakes lists them all, each with its path."""
    with pytest.raises(trustlab.DataError) as e:
        RolloutPlan.from_dict({
            "stages": [{"share": 0.1, "min_duration": "7D"}, {"share": 2, "duration": "7D"}],
            "stop": [{"metric": "bad_rate_favourable", "at_most": 0.05},
                     {"metric": "overide_rate", "at_most": 0.1, "at_least": 0.0}],
            "periods": "1D"})
    assert _where(e) == ["periods", "stages[1].duration", "stages[1].share", "stop[1].metric",
                         "stop[1].at_most"]
    assert "Did you mean 'override_rate'?" in str(e.value)
    with pytest.raises(trustlab.DataError, match=r"stages\[1\].share: 0.05 is not above"):
        RolloutPlan.from_dict({"stages": [{"share": 0.1}, {"share": 0.05}]})
    with pytest.raises(trustlab.DataError, match="stages: is required"):
        RolloutPlan.from_dict({"stop": []})
    with pytest.raises(trustlab.DataError, match=r"stages\[0\]: needs `share`"):
        RolloutPlan.from_dict({"stages": [{"min_duration": "7D"}]})


def test_plan_from_yaml_round_trips():
    """Check that a YAML plan reads into the same plan as the one built in Python."""
    import yaml

    spec = yaml.safe_load("""
    stages:
      - {share: 0.01, min_duration: 7D}
      - {share: 0.1, min_duration: 7D, min_decisions: 500}
      - {share: 1.0}
    stop:
      - {metric: bad_rate_favourable, at_most: 0.06}
      - {metric: peak_reviews_per_window, at_most: 250, over: all, min_decisions: 1}
    period: 12h
    salt: credit-2026
    """)
    plan = RolloutPlan.from_dict(spec)
    assert plan == RolloutPlan(
        (Stage(0.01, "7D"), Stage(0.1, "7D", 500), Stage(1.0)),
        (StopCondition("bad_rate_favourable", at_most=0.06),
         StopCondition("peak_reviews_per_window", at_most=250, min_decisions=1, over="all")),
        period="12h", salt="credit-2026")
    assert RolloutPlan.from_dict(plan.to_dict()) == plan
    assert plan.period_window.seconds == 12 * 3600
    assert plan.stages[1].describe() == "10% for at least 7 days and 500 exposed cases"
