"""The bulk path: decisions, records, guardrails and data errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.engine import RECORD_COLUMNS
from _support import EXPECTED_TINY, policy_text


def test_hand_checked_decisions(tiny, tiny_frame):
    """Check every row of the tiny frame against decisions worked out by hand."""
    rec = tiny.apply(tiny_frame)
    assert list(zip(rec["action"], rec["rule"])) == EXPECTED_TINY
    assert rec.index.equals(tiny_frame.index)
    assert rec["app_id"].tolist() == tiny_frame["app_id"].tolist()
    assert rec.loc[10, "reason"] == "Risk 10% is low for grade A."
    assert rec.loc[13, "reason"] == "Amount 150 is over 100."
    assert rec.loc[19, "reason"] == "Amount 200 is over 100."
    assert rec.loc[13, "escalate"] == "senior" and pd.isna(rec.loc[10, "escalate"])
    assert rec["rule_action"].equals(rec["action"].rename("rule_action"))
    assert rec["guardrail"].isna().all()
    assert rec["automated"].tolist() == [a != "review" for a, _ in EXPECTED_TINY]


def test_record_schema_is_fixed(tiny, tiny_frame):
    """Check the columns and dtypes of decision records, whatever the input."""
    rec = tiny.apply(tiny_frame)
    assert list(rec.columns) == ["app_id", "t", *RECORD_COLUMNS, "p", "p_model"]
    assert rec["policy"].unique().tolist() == ["tiny-credit"]
    assert rec["policy_version"].iloc[0] == "1.0"
    assert rec["policy_hash"].iloc[0] == tiny.content_hash
    assert rec["p_model"].iloc[0] == "m@1"
    assert rec["mode"].iloc[0] == "advisory"
    for col in ("action", "rule", "rule_action", "guardrail", "reason", "escalate"):
        assert isinstance(rec[col].dtype, pd.CategoricalDtype), col
    assert list(rec["action"].cat.categories) == ["approve", "decline", "review"]
    assert list(rec["guardrail"].cat.categories) == ["kill_switch"]
    empty = tiny.apply(tiny_frame.iloc[:0])
    assert list(empty.columns) == list(rec.columns) and len(empty) == 0


def test_input_order_and_index_preserved(tiny, tiny_frame):
    """Check that shuffling the input shuffles the records the same way."""
    shuffled = tiny_frame.sample(frac=1.0, random_state=3)
    a = tiny.apply(tiny_frame).loc[shuffled.index]
    b = tiny.apply(shuffled)
    pd.testing.assert_frame_equal(a[["action", "rule"]].astype(str), b[["action", "rule"]].astype(str))


def _tiny_with(body: str, extra_cols: dict | None = None):
    text = policy_text().split("rules:")[0] + "rules:\n" + body
    return trustlab.parse_policy(text)


def test_three_valued_logic():
    """Check that not, and, or never fire on a value the rule cannot see."""
    p = _tiny_with("""
  - {id: not-high, when: not p > 0.5, then: approve, because: a}
  - {id: either, when: p > 0.5 or grade == 'A', then: decline, because: b}
  - {id: rest, otherwise: true, then: review, because: c}
""")
    df = pd.DataFrame({"app_id": list("abcde"), "t": pd.Timestamp("2025-01-01"),
                       "p": [0.2, None, None, 0.9, None], "grade": ["B", "A", "B", "B", None]})
    assert p.apply(df)["rule"].tolist() == ["not-high", "either", "rest", "either", "rest"]
    online = [p.decide(r).rule for r in df.to_dict("records")]
    assert online == ["not-high", "either", "rest", "either", "rest"]


def test_column_to_column_and_in_and_booleans():
    """Check comparisons between columns, `in` on numbers and true/false columns."""
    p = _tiny_with("""
  - {id: over, when: amount > limit, then: review, because: "{amount} over {limit}"}
  - id: vip
    when: vip == true and p in [0.1, 0.2]
    then: approve
    because: vip
  - {id: rest, otherwise: true, then: decline, because: c}
""")
    df = pd.DataFrame({"app_id": list("abcd"), "t": pd.Timestamp("2025-01-01"),
                       "p": [0.1, 0.2, 0.1, 0.3], "amount": [5.0, 1.0, np.nan, 1.0],
                       "limit": [4.0, 2.0, 1.0, 2.0],
                       "vip": pd.array([True, True, None, True], dtype="boolean")})
    rec = p.apply(df)
    assert rec["rule"].tolist() == ["over", "vip", "rest", "rest"]
    assert rec["reason"].iloc[0] == "5.0 over 4.0"
    assert [p.decide(r).rule for r in df.to_dict("records")] == rec["rule"].tolist()


def test_missing_columns_are_listed_at_once(tiny, tiny_frame):
    """Check that every missing column is named with the rule that reads it and the columns present."""
    with pytest.raises(trustlab.DataError) as info:
        tiny.apply(tiny_frame.drop(columns=["amount", "grade"]))
    msg = str(info.value)
    assert "rules[1].when" in msg and "'amount'" in msg
    assert "rules[3].when" in msg and "'grade'" in msg
    assert "Columns: app_id, t, p" in msg
    assert len(info.value.problems) == 2  # one per column, naming its when and because


def test_type_mismatch_names_rule_and_fix(tiny, tiny_frame):
    """Check that text compared with a number is a DataError naming the rule."""
    df = tiny_frame.assign(amount=tiny_frame["amount"].astype(str))
    with pytest.raises(trustlab.DataError, match=r"rules\[1\]\.when.*'amount' holds text but is "
                                                 r"compared with the number 100"):
        tiny.apply(df)


@pytest.mark.parametrize(("bad", "match"), [(1.3, r"\[0, 1\]"), (-0.1, r"\[0, 1\]"),
                                            (np.inf, r"\[0, 1\]")])
def test_probability_out_of_range_is_never_clipped(tiny, tiny_frame, bad, match):
    """Check that a probability outside [0, 1] raises, naming the count and row keys."""
    df = tiny_frame.copy()
    df.loc[[12, 15], "p"] = bad
    with pytest.raises(trustlab.DataError, match=match) as info:
        tiny.apply(df)
    assert "2 rows (app_id 'a2', 'a5')" in str(info.value)
    with pytest.raises(trustlab.DataError, match=match):
        tiny.decide(df.loc[12].to_dict())


def test_score_must_be_finite(tiny_frame):
    """Check that an infinite score is refused, a large finite one is fine."""
    p = trustlab.parse_policy(policy_text().replace("kind: probability", "kind: score"))
    ok = tiny_frame.assign(p=tiny_frame["p"] * 1e6)
    p.apply(ok)
    with pytest.raises(trustlab.DataError, match="finite"):
        p.apply(tiny_frame.assign(p=[np.inf] + [0.1] * 9))


def test_not_a_dataframe_and_duplicate_columns(tiny, tiny_frame):
    """Check non-frames and duplicate column names are refused clearly."""
    with pytest.raises(trustlab.DataError, match="must be a pandas DataFrame"):
        tiny.apply(tiny_frame.to_dict())
    dup = pd.concat([tiny_frame, tiny_frame[["p"]]], axis=1)
    with pytest.raises(trustlab.DataError, match="appear more than once: p"):
        tiny.apply(dup)


RATE = """
guardrails:
  - {id: cap-decline, kind: rate_limit, action: decline, max: 2, per: 1D, overflow: review}
kill_switch: {engaged: false, then: review, because: "Paused (risk was {p:.0%})."}
"""


def _rate_frame(n: int = 40, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 4 * 24 * 60, n), unit="min")
    return pd.DataFrame({
        "app_id": [f"a{i:03d}" for i in range(n)], "t": t,
        "p": rng.uniform(0, 1, n), "amount": rng.uniform(0, 120, n),
        "grade": rng.choice(["A", "B", "C"], n),
    })


def test_rate_limit_caps_each_window_in_time_order():
    """Check that no day lets more than `max` declines through, the earliest ones first."""
    p = trustlab.parse_policy(policy_text(RATE))
    df = _rate_frame(200)
    rec = p.apply(df)
    day = df["t"].dt.floor("D")
    declines = rec["action"].eq("decline").groupby(day).sum()
    assert declines.max() == 2
    capped = rec["guardrail"].eq("cap-decline")
    assert (rec.loc[capped, "rule_action"] == "decline").all()
    assert (rec.loc[capped, "action"] == "review").all()
    # within each day the declines that went through are the earliest rule-declines
    rule_dec = df[rec["rule_action"].eq("decline")].assign(day=day)
    first_two = rule_dec.sort_values("t", kind="stable").groupby("day").head(2).index
    assert set(rec.index[rec["action"].eq("decline")]) == set(first_two)
    assert rec.loc[capped, "reason"].str.startswith("The limit of 2 'decline' decisions per 1D").all()
    assert rec.loc[capped, "reason"].str.contains("The rules alone said 'decline': Risk").all()


def test_kill_switch_stops_all_automation():
    """Check that an engaged kill switch turns every automated action into its `then`."""
    p = trustlab.parse_policy(policy_text(RATE)).with_kill_switch(True)
    df = _rate_frame(50)
    rec = p.apply(df)
    assert not rec["automated"].any()
    assert set(rec["action"]) == {"review"}
    changed = rec["rule_action"] != "review"
    assert rec.loc[changed, "guardrail"].isin(["kill_switch", "cap-decline"]).all()
    ks = rec["guardrail"].eq("kill_switch")
    assert rec.loc[ks, "reason"].str.match(r"Paused \(risk was \d+%\)\. The rules alone said").all()


def test_supervised_irreversible_actions_need_signoff(tiny_frame):
    """Check that supervised mode flags irreversible automated decisions for sign-off."""
    p = trustlab.parse_policy(policy_text("mode: supervised\n"))
    rec = p.apply(tiny_frame)
    assert rec["needs_signoff"].tolist() == (rec["action"] == "decline").tolist()
    assert not trustlab.parse_policy(policy_text("mode: autonomous\n")).apply(tiny_frame)["needs_signoff"].any()


def test_time_column_problems():
    """Check that missing or unreadable times are refused for rate limits."""
    p = trustlab.parse_policy(policy_text(RATE))
    df = _rate_frame(10)
    df.loc[3, "t"] = pd.NaT
    with pytest.raises(trustlab.DataError, match="has missing times.*1 row \\(app_id 'a003'\\)"):
        p.apply(df)
    df = _rate_frame(10).assign(t="yesterday")
    with pytest.raises(trustlab.DataError, match="not ISO 8601"):
        p.apply(df)
    iso = _rate_frame(30)
    as_text = iso.assign(t=iso["t"].dt.strftime("%Y-%m-%dT%H:%M:%S"))
    assert p.apply(as_text)["action"].tolist() == p.apply(iso)["action"].tolist()
