"""The compiled online path gives what ``policy.apply`` gives, whatever the records hold.

Records as a service sends them after a CSV read (Python str/float/int), as numpy scalars
(float32 scores, int64, datetime64), with nullable integers (``pd.NA``), and a policy that
acts on high scores with a daily rate limit and a text column in a rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab._time import time_ns, window_id
from trustlab.policy import Line, field_formatter, field_text, read_window

FRAUD = """\
trustlab: 1
name: card-fraud-hold
version: "1"
owner: Card fraud team
mode: supervised
columns: {id: txn_id, time: txn_time}
signals:
  - {name: score, kind: probability, model: fraud@1, higher_means: risk}
actions:
  approve: {automated: true, favourable: true}
  hold: {automated: true, reversible: true}
  decline: {automated: true, reversible: false}
  review: {automated: false}
rules:
  - {id: no-score, when: score is missing, then: review, because: "No score."}
  - {id: certain, when: score >= 0.97, then: decline,
     because: "Score {score:.1%} is at or above 97%."}
  - {id: merchant, when: "score >= 0.6 and merchant in ['electronics', 'crypto']", then: hold,
     because: "A {merchant} payment of {amount:,.2f} (attempt {attempts}) at {score:.1%} is held."}
  - {id: high, when: score >= 0.8 or (score >= 0.7 and amount > 250), then: hold,
     because: "Score {score:.2f} on {amount:,.2f} is held."}
  - {id: pass, otherwise: true, then: approve, because: "Score {score:.1%} is under the lines."}
guardrails:
  - {id: hold-cap, kind: rate_limit, action: hold, max: 4, per: 1D, overflow: review}
"""


def _history(n: int = 600, seed: int = 3) -> pd.DataFrame:
    """Payments over 12 days, not in time order; scores on and next to the rules' lines."""
    rng = np.random.default_rng(seed)
    score = rng.choice([0.97, 0.6, 0.8, 0.7, 0.59999, 0.7999999, 0.969999999, 0.35],
                       size=n) + np.where(rng.random(n) < 0.5, 0.0, rng.normal(0, 0.05, n))
    score = np.clip(score, 0, 1)
    score[rng.random(n) < 0.05] = np.nan
    amount = np.round(rng.lognormal(5, 1, n), 2)
    amount[rng.random(n) < 0.03] = np.nan
    merchant = rng.choice(np.array(["electronics", "crypto", "grocery", "fuel"], dtype=object), n)
    merchant[rng.random(n) < 0.05] = None
    attempts = pd.array(rng.integers(1, 4, n), dtype="Int64")
    attempts[rng.random(n) < 0.1] = pd.NA
    t = pd.Timestamp("2025-03-01") + pd.to_timedelta(rng.integers(0, 12 * 86400, n), unit="s")
    return pd.DataFrame({"txn_id": [f"T{i}" for i in range(n)], "txn_time": t, "score": score,
                         "amount": amount, "merchant": pd.array(merchant, dtype="str"),
                         "attempts": attempts})


def _numpy_records(frame: pd.DataFrame) -> list[dict]:
    cols = list(frame.columns)
    return [dict(zip(cols, values)) for values in zip(*(frame[c].to_numpy() for c in cols))]


def _flavours(tmp_path):
    """(name, frame in time order, records) for each kind of record a service may send."""
    history = _history().sort_values("txn_time", kind="stable")
    path = tmp_path / "payments.csv"
    history.to_csv(path, index=False)
    csv = pd.read_csv(path, parse_dates=["txn_time"])
    narrow = csv.assign(score=csv["score"].astype(np.float32))
    nullable = history.assign(score=history["score"].astype("Float64"))
    categorical = history.assign(merchant=history["merchant"].astype("category"))
    plain = history.astype({"merchant": object, "attempts": "float64"})  # as numpy holds them
    return [
        ("csv python", csv, csv.to_dict("records")),
        ("csv numpy float32", narrow, _numpy_records(narrow)),
        ("csv numpy", csv, _numpy_records(csv)),
        ("nullable", nullable, nullable.to_dict("records")),
        ("categorical python", categorical, categorical.to_dict("records")),
        ("object numpy", plain, _numpy_records(plain)),
    ]


@pytest.mark.parametrize("which", range(6))
def test_decide_matches_apply_on_every_record_flavour(tmp_path, which):
    """Check decide(), fed in time order with one state, gives apply()'s action, rule,
    guardrail and reason on records from CSV, numpy scalars, float32 and nullable columns."""
    policy = trustlab.parse_policy(FRAUD)
    name, frame, records = _flavours(tmp_path)[which]
    bulk = policy.apply(frame)
    state = trustlab.GuardrailState()
    online = [policy.decide(r, state=state) for r in records]
    assert (bulk["guardrail"] == "hold-cap").sum() > 10, "the cap must bind for the test to bite"
    assert [d.action for d in online] == bulk["action"].tolist(), name
    assert [d.rule for d in online] == bulk["rule"].tolist(), name
    assert [d.guardrail for d in online] == [None if pd.isna(g) else g
                                             for g in bulk["guardrail"]], name
    assert [d.reason for d in online] == bulk["reason"].tolist(), name
    assert [d.needs_signoff for d in online] == bulk["needs_signoff"].tolist(), name


def test_decision_is_the_dataclass_it_would_be():
    """Check the Decision decide() builds equals one made by its constructor, field by field."""
    policy = trustlab.parse_policy(FRAUD)
    d = policy.decide({"score": 0.99, "txn_time": pd.Timestamp("2025-03-01")},
                      state=trustlab.GuardrailState())
    same = type(d)(**{f: getattr(d, f) for f in d.__dataclass_fields__})
    assert d == same and d.as_record() == same.as_record() and hash(d) == hash(same)
    with pytest.raises(AttributeError):
        d.action = "approve"  # still frozen


@pytest.mark.parametrize("t", [
    pd.Timestamp("2025-03-01 23:59:59.999999"),
    pd.Timestamp("2025-03-01 23:59:59", tz="Europe/Paris"),
    np.datetime64("2025-03-01T23:59:59.999", "ms"),
    np.datetime64("2025-03-02T00:00:00", "us"),
    np.datetime64("2025-03-02", "D"),
    "2025-03-01T23:00:00+02:00",
])
def test_rate_limit_windows_match_bulk_at_day_edges(t):
    """Check a record's day window online (O(1) bounds, datetime64 read by unit) is bulk's."""
    policy = trustlab.parse_policy(FRAUD)
    rec = {"score": 0.99, "amount": 1.0, "merchant": "fuel", "attempts": 1, "txn_time": t}
    state = trustlab.GuardrailState()
    rows = [policy.decide(rec, state=state) for _ in range(6)]
    bulk = policy.apply(pd.DataFrame([rec] * 6).assign(txn_id=[f"T{i}" for i in range(6)]))
    assert [d.rule for d in rows] == bulk["rule"].tolist()  # all 'certain': decline, no cap
    hold = {**rec, "score": 0.85}
    state = trustlab.GuardrailState()
    online = [policy.decide(hold, state=state).action for _ in range(6)]
    assert online == ["hold"] * 4 + ["review"] * 2
    window, start, end = state._bounds["hold-cap"]
    assert state.counts["hold-cap"] == (window, 4)
    assert window == window_id(time_ns(t), read_window("1D", "test", "per"))
    assert start <= time_ns(t) < end


def test_window_bounds_follow_records_across_days():
    """Check take_at moves to the next window when a record leaves the current one."""
    policy = trustlab.parse_policy(FRAUD)
    state = trustlab.GuardrailState()
    actions = []
    for day in ("2025-03-01", "2025-03-02"):
        for h in range(6):
            rec = {"score": 0.85, "txn_time": pd.Timestamp(f"{day} {h:02d}:00")}
            actions.append(policy.decide(rec, state=state).action)
    assert actions == (["hold"] * 4 + ["review"] * 2) * 2


@pytest.mark.parametrize("spec", [".1%", ",.2f", ".0f", ".3f", "", ",", ".2e", ">8.1f", ".12f"])
@pytest.mark.parametrize("lines", [(), (Line("p", ">=", 0.35),), (Line("p", "<", 0.05),),
                                   (Line("p", ">", 40000),), (Line("p", "==", 0.5),)])
def test_field_formatter_is_field_text(spec, lines):
    """Check the compiled formatter gives field_text's text for floats, float32, ints, text,
    missing values and values on and next to a line."""
    rng = np.random.default_rng(0)
    values = list(rng.random(300)) + list(rng.random(100) * 1e5)
    values += [0.35, 0.05, 0.5, 40000.0, 0.3499999, 0.0499999, 0.05000001, 40000.4, -0.0, -1e-9,
               float("inf"), float("nan"), 1e17, 3, 0, -2, 10**20, "abc", None, pd.NA, True]
    values += [np.float64(0.04996), np.int64(7), np.float32(0.35), np.float32(0.05)]
    values += [np.float32(x) for x in rng.random(200)]
    values += [np.nextafter(np.float32(0.35), np.float32(d)) for d in (0, 1)]
    fmt = field_formatter(spec, lines)
    for v in values:
        try:
            expected = field_text(v, spec, lines)
        except (TypeError, ValueError) as exc:
            expected = type(exc)
        try:
            got = fmt(v)
        except (TypeError, ValueError) as exc:
            got = type(exc)
        assert got == expected, (spec, lines, v)


@pytest.mark.parametrize("per", ["1D", "7D", "12h", "1W", "2W", "1M", "1Q", "90min"])
def test_take_at_places_times_as_window_ids(per):
    """Check the O(1) window of take_at (ids and bounds) is window_id's for fixed and calendar
    windows, at and around their edges."""
    guard = trustlab.policy.RateLimit(id="cap", action="hold", max=10**9,
                                      per=read_window(per, "test", "per"), overflow="review")
    state = trustlab.GuardrailState()
    rng = np.random.default_rng(5)
    base = pd.Timestamp("2024-12-28").value
    edges = [pd.Timestamp(x).value for x in ("2025-01-01", "2025-01-06", "2025-02-01",
                                             "2025-03-31 12:00", "2025-04-01")]
    times = sorted([base + int(x) for x in rng.integers(0, 200 * 86_400 * 10**9, 300)]
                   + [e + d for e in edges for d in (-1, 0, 1)])
    for ns in times:
        state.take_at(guard, ns)
        window, start, end = state._bounds["cap"]
        assert window == window_id(ns, guard.per) and start <= ns < end
        assert state.counts["cap"][0] == window
