"""Property tests: random policies over random frames."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trustlab

ACTIONS = ("approve", "decline", "review")

# leaf tests by column, with literals of the right type (and a few of the wrong one)
_num_lit = st.one_of(st.integers(-3, 3), st.floats(-2, 2, allow_nan=False).map(lambda v: round(v, 2)))
_text_lit = st.sampled_from(["'A'", "'B'", "'C'", '"D"'])
_ops = st.sampled_from(["<", "<=", ">", ">=", "==", "!="])


BIG = 2**53  # past it a float64 cannot tell consecutive integers apart
# literals on and around 2**53, as written: integers exact, decimals as float64
_big_lit = st.sampled_from(["9007199254740992.0", "9007199254740993", "9007199254740991.5",
                            "9007199254740992", "9.007199254740993e15", "9007199254740994.0",
                            "9007199254740991"])
# column -> what it holds: f float32, n int64 near 2**53, nf float64 near 2**53,
# m nullable Int64, h nullable Float64, s pandas' default str
_NUMERIC = ("x", "y", "`x 2`", "f", "m", "h")


@st.composite
def _leaf(draw):
    col = draw(st.sampled_from(["x", "y", "g", "b", "`x 2`", "f", "n", "nf", "m", "h", "s"]))
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return f"{col} is {'not ' if draw(st.booleans()) else ''}missing"
    if col in ("n", "nf"):
        if kind == 1:
            vals = draw(st.lists(_big_lit, min_size=1, max_size=3))
            return f"{col} {'not in' if draw(st.booleans()) else 'in'} [{', '.join(vals)}]"
        if kind == 2:
            return f"{col} {draw(_ops)} {draw(st.sampled_from(['n', 'nf', 'x', 'y']))}"
        return f"{col} {draw(_ops)} {draw(_big_lit)}"
    if col in ("f", "m", "h"):
        if kind == 1:
            vals = draw(st.lists(_num_lit, min_size=1, max_size=3))
            return f"{col} {'not in' if draw(st.booleans()) else 'in'} [{', '.join(map(str, vals))}]"
        if kind == 2:
            return f"{col} {draw(_ops)} {draw(st.sampled_from(_NUMERIC))}"
        return f"{col} {draw(_ops)} {draw(_num_lit)}"
    if col == "s":
        return f"s {draw(st.sampled_from(['==', '!=', '<', '>=']))} {draw(_text_lit)}"
    if col in ("x", "y", "`x 2`"):
        if kind == 1:
            vals = draw(st.lists(_num_lit, min_size=1, max_size=3))
            return f"{col} {'not in' if draw(st.booleans()) else 'in'} [{', '.join(map(str, vals))}]"
        if kind == 2:
            return f"{col} {draw(_ops)} {draw(st.sampled_from(['x', 'y', '`x 2`']))}"
        return f"{col} {draw(_ops)} {draw(_num_lit)}"
    if col == "g":
        if kind == 1:
            vals = draw(st.lists(_text_lit, min_size=1, max_size=3))
            return f"g {'not in' if draw(st.booleans()) else 'in'} [{', '.join(vals)}]"
        return f"g {draw(st.sampled_from(['==', '!=', '<', '>=']))} {draw(_text_lit)}"
    return f"b {draw(st.sampled_from(['==', '!=']))} {draw(st.sampled_from(['true', 'false']))}"


_condition = st.recursive(
    _leaf(),
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda t: f"({t[0]} and {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]} or {t[1]})"),
        inner.map(lambda c: f"not {c}"),
    ),
    max_leaves=5,
)


@st.composite
def policies(draw):
    n_rules = draw(st.integers(1, 6))
    rules = []
    for i in range(n_rules):
        because = draw(st.sampled_from(["Plain.", "x is {x:.1f}", "g={g}, y={y}", "{`x 2`}",
                                        "b {b}", "{x:.0%} and {y:,}", "{{x}}", "waited {w}",
                                        "f {f:.2f} f {f}", "n {n:,} nf {nf:,.0f}", "m {m} h {h:.1f}",
                                        "s {s}"]))
        because = because.replace("{`x 2`}", "{x 2}")
        rules.append({"id": f"r{i}", "when": draw(_condition), "then": draw(st.sampled_from(ACTIONS)),
                      "because": because})
    rules.append({"id": "rest", "otherwise": True, "then": draw(st.sampled_from(ACTIONS)),
                  "because": "Otherwise."})
    doc = {
        "trustlab": 1, "name": "prop", "version": "1", "owner": "o",
        "columns": {"id": "key", "time": "t"},
        "signals": [{"name": "x", "kind": "score", "model": "m", "higher_means": "risk"}],
        "actions": {"approve": {"automated": True, "favourable": True},
                    "decline": {"automated": True}, "review": {"automated": False}},
        "rules": rules,
    }
    if draw(st.booleans()):
        doc["guardrails"] = [{"id": "cap", "kind": "rate_limit", "action": draw(st.sampled_from(ACTIONS[:2])),
                              "max": draw(st.integers(0, 3)), "per": draw(st.sampled_from(["1D", "12h", "1W"])),
                              "overflow": "review"}]
    if draw(st.booleans()):
        doc["kill_switch"] = {"engaged": draw(st.booleans()), "then": "review", "because": "Stopped at {x}."}
    return json.dumps(doc)  # JSON is YAML


@st.composite
def frames(draw):
    n = draw(st.integers(0, 25))
    x = draw(st.lists(st.one_of(st.none(), st.floats(-2.5, 2.5, allow_nan=False)), min_size=n, max_size=n))
    y = draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n))
    g = draw(st.lists(st.one_of(st.none(), st.sampled_from(["A", "B", "C", "D"])), min_size=n, max_size=n))
    b = draw(st.lists(st.one_of(st.none(), st.booleans()), min_size=n, max_size=n))
    minutes = draw(st.lists(st.integers(0, 60 * 24 * 10), min_size=n, max_size=n))
    index = draw(st.permutations(list(range(100, 100 + n))))
    # float32 values on and beside the literals (0.35 is stored 0.3499999940)
    f = draw(st.lists(st.one_of(st.none(), _num_lit.map(float),
                                st.floats(-2.5, 2.5, allow_nan=False, width=32)),
                      min_size=n, max_size=n))
    big = draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n))
    big_f = draw(st.lists(st.sampled_from([-4, -2, 0, 2, 4]), min_size=n, max_size=n))
    m = draw(st.lists(st.one_of(st.none(), st.integers(-3, 3)), min_size=n, max_size=n))
    h = draw(st.lists(st.one_of(st.none(), _num_lit.map(float)), min_size=n, max_size=n))
    s = draw(st.lists(st.one_of(st.none(), st.sampled_from(["A", "B", "C", "D"])), min_size=n, max_size=n))
    w = draw(st.lists(st.one_of(st.none(), st.integers(0, 10**6)), min_size=n, max_size=n))
    return pd.DataFrame({
        "key": [f"k{i}" for i in range(n)],
        "t": pd.Timestamp("2025-03-01") + pd.to_timedelta(minutes, unit="min"),
        "x": np.array([np.nan if v is None else v for v in x], dtype=float),
        "x 2": np.array([np.nan if v is None else v * 2 for v in x], dtype=float),
        "y": np.array(y, dtype=np.int64),
        "g": pd.Series(g, dtype=object),
        "b": pd.array(b, dtype="boolean"),
        "f": np.array([np.nan if v is None else v for v in f], dtype=np.float32),
        "n": np.array([BIG + v for v in big], dtype=np.int64),
        "nf": np.array([BIG + v for v in big_f], dtype=np.float64),
        "m": pd.array(m, dtype="Int64"),
        "h": pd.array(h, dtype="Float64"),
        "s": pd.Series(s, dtype="str"),
        "w": pd.to_timedelta([None if v is None else v for v in w], unit="s"),
    }, index=index)


def _record(df: pd.DataFrame, pos: int) -> dict:
    """Row ``pos`` as an online caller holding typed columns passes it: each column's own
    scalar (an ``np.float32`` stays one; ``DataFrame.to_dict`` would make it a float64)."""
    return {c: df[c].iloc[pos] for c in df.columns}


@pytest.mark.slow  # 300 generated policies and frames, each decided in bulk and online: ~13 s
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies(), frames())
def test_bulk_equals_online_and_every_row_decided(text, df):
    """Check one action per row from the vocabulary, order kept, bulk equal to online."""
    try:
        policy = trustlab.parse_policy(text)
    except trustlab.PolicyError:
        return  # e.g. a generated rule that can never fire: refused on load, as designed
    try:
        rec = policy.apply(df)
    except trustlab.DataError:
        return  # e.g. text compared with a number
    assert len(rec) == len(df) and rec.index.equals(df.index)
    assert rec["action"].notna().all() and set(rec["action"]) <= set(ACTIONS)
    assert rec["rule"].notna().all() and rec["reason"].notna().all()
    assert rec["key"].tolist() == df["key"].tolist()
    state = trustlab.GuardrailState()
    # the online stream arrives in time order
    for pos in np.argsort(df["t"].to_numpy(), kind="stable"):
        idx = df.index[pos]
        record = _record(df, pos)
        try:
            d = policy.decide(record, state=state)
        except trustlab.DataError:  # pragma: no cover - bulk accepted the whole column
            raise AssertionError("online refused a record the bulk path accepted")
        got = (d.action, d.rule, d.rule_action, d.reason, d.automated)
        want = tuple(rec.loc[idx, c] for c in ("action", "rule", "rule_action", "reason", "automated"))
        assert got == want, (record, got, want)
        assert (d.guardrail or None) == (None if pd.isna(rec.loc[idx, "guardrail"]) else rec.loc[idx, "guardrail"])


_LINES = (0.05, -0.35, 0.125, 1, 0.5)


@st.composite
def borderline_cases(draw):
    """A policy whose rules compare x with numbers and show x in their reasons, and a frame of
    values on, just off and near those numbers (sometimes >= 512 rows: the bucketed path)."""
    specs = draw(st.lists(st.sampled_from([".1%", ".0%", ".2f", ".1f", "+.2f", ",.1f", ".2g",
                                           ".1e", ">8.1%", ""]), min_size=1, max_size=3))
    rules = []
    for i, spec in enumerate(specs):
        lit = draw(st.sampled_from(_LINES))
        op = draw(_ops)
        when = draw(st.sampled_from([f"x {op} {lit}", f"{lit} {op} x", f"x in [{lit}, 7]",
                                     f"x {op} {lit} and y >= -3", f"not (x {op} {lit})"]))
        rules.append({"id": f"r{i}", "when": when, "then": draw(st.sampled_from(ACTIONS)),
                      "because": f"x is {{x:{spec}}} in rule r{i}"})
    rules.append({"id": "rest", "otherwise": True, "then": "review", "because": "Otherwise {x:.1%}."})
    doc = {"trustlab": 1, "name": "lines", "version": "1", "owner": "o",
           "signals": [{"name": "x", "kind": "score", "model": "m", "higher_means": "risk"}],
           "actions": {"approve": {"automated": True, "favourable": True},
                       "decline": {"automated": True}, "review": {"automated": False}},
           "rules": rules}
    offsets = st.sampled_from([0.0, 1e-12, -1e-12, 3e-6, -3e-6, 4e-5, -4e-5, 4e-4, -4e-4,
                               0.004, -0.004, 0.02])
    values = draw(st.lists(st.tuples(st.sampled_from(_LINES), offsets).map(lambda t: t[0] + t[1]),
                           min_size=1, max_size=30))
    repeat = draw(st.sampled_from([1, 1, 40]))
    x = np.array(values * repeat, dtype=float)
    return json.dumps(doc), pd.DataFrame({"x": x, "y": np.zeros(len(x), dtype=np.int64)})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(borderline_cases())
def test_bulk_equals_online_on_borderline_values(case):
    """Check reasons of values on and beside a rule's line: bulk equals online, row by row."""
    text, df = case
    try:
        policy = trustlab.parse_policy(text)
    except trustlab.PolicyError:
        return  # a rule that can never fire: refused on load
    rec = policy.apply(df)
    online = [policy.decide(r).reason for r in df.to_dict("records")]
    assert rec["reason"].tolist() == online
