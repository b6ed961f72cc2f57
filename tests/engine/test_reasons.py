"""Reason rendering in bulk equals Python's format on each value."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import trustlab
from trustlab.engine._reasons import format_array
from trustlab.policy._template import format_value, no_negative_zero
from _support import ACTIONS, SIGNAL, make_policy


@pytest.mark.parametrize("spec", [".0%", ".1%", ".2f", ",.0f", ".3f", "", ".2e", "g", "+.1f", ">8.2f"])
def test_format_array_equals_python_format(spec):
    """Check the bucketed formatting against format() on 20k awkward floats."""
    rng = np.random.default_rng(1)
    v = np.concatenate([
        rng.uniform(-2, 2, 5000),
        np.round(rng.uniform(0, 1, 5000), 3),  # many exact ties at the rounding digit
        np.array([0.125, 0.375, 2.5, -0.5, -0.0, 0.0, 0.005, 0.015, 1e-12, -1e-12]),
        rng.lognormal(8, 2, 5000),
        np.full(100, np.nan),
    ])
    assert format_array(v, spec) == [format_value(x, spec) for x in v.tolist()]
    assert format_array(v, spec, min_bucketed=0) == [format_value(x, spec) for x in v.tolist()]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=False, width=64), min_size=1, max_size=60),
       st.sampled_from([".0%", ".1%", ".2f", ",.1f"]))
def test_format_array_property(values, spec):
    """Check bucketed formatting equals format() for arbitrary floats."""
    v = np.array(values, dtype=float)
    assert format_array(v, spec, min_bucketed=0) == [format_value(x, spec) for x in v.tolist()]


def _score_policy(name: str, because: str):
    """One automated action ``a`` for every row of score ``x``, for the reason ``because``."""
    return trustlab.parse_policy(make_policy(
        name=name, columns=None, signals=[{**SIGNAL, "name": "x", "kind": "score"}],
        actions={"a": {"automated": True}},
        rules=[{"id": "only", "otherwise": True, "then": "a", "because": because}],
        outcomes=None))


@pytest.mark.parametrize("spec", [".1%", ".0f", ",.2f", ".3F"])
def test_bulk_reasons_equal_per_row_format(spec):
    """Check grouped rendering over many rows gives format() of each row's value."""
    import pandas as pd

    policy = _score_policy("fmt", f"x={{x:{spec}}} y={{y}}")
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.normal(0, 3, 6000), np.round(rng.uniform(-1, 1, 3000), 3),
                        [0.0005, -0.0005, 0.125, np.nan, -0.0, 2.5]])
    y = rng.choice(["u", "v"], len(x))
    rec = policy.apply(pd.DataFrame({"x": x, "y": y}))
    shown = no_negative_zero(spec)
    expected = [f"x={format_value(a, shown)} y={b}" for a, b in zip(x.tolist(), y.tolist())]
    assert rec["reason"].tolist() == expected


@pytest.mark.parametrize("spec", ["", ".1f", ".0%", "+.2f", ">6.1f", "g"])
def test_reasons_never_show_negative_zero(spec):
    """Check -0.0 and values rounding to zero read as zero, in bulk and online alike."""
    import pandas as pd

    policy = _score_policy("zero", f"x is {{x:{spec}}}")
    for x in ([0.0, -0.0], [-0.0, 0.0], [-0.001, 0.0, -0.0] * 300):
        rec = policy.apply(pd.DataFrame({"x": x}))
        online = [policy.decide({"x": v}).reason for v in x]
        assert rec["reason"].tolist() == online
        zero = [r for v, r in zip(x, online) if v == 0.0]
        assert len(set(zero)) == 1 and "-" not in zero[0], zero[:2]
        if spec not in ("", "g"):  # -0.001 rounds to zero at these precisions
            assert all("-0" not in r for r in online), online[:3]


# --------------------------------------------------------------------------- reasons and their lines

def _line_policy(when: str, spec: str):
    return trustlab.parse_policy(make_policy(
        name="lines", columns=None, signals=[{**SIGNAL, "kind": "score"}],
        actions={"approve": ACTIONS["approve"], "review": ACTIONS["review"]},
        rules=[{"id": "line", "when": when, "then": "approve",
                "because": f"Risk {{p:{spec}}} is on the line's side."},
               {"id": "rest", "otherwise": True, "then": "review",
                "because": f"Risk {{p:{spec}}} otherwise."}],
        outcomes=None))


def test_reason_never_shows_a_number_across_its_rule():
    """Check the reported reason: 0.04996 under `p < 0.05` reads 4.996%, not 5.0%, bulk and online."""
    import pandas as pd

    policy = _line_policy("p < 0.05", ".1%")
    values = [0.04996, 0.0499, 0.04949, 0.0412, 0.05, 0.0504]
    want = ["Risk 4.996% is on the line's side.", "Risk 4.99% is on the line's side.",
            "Risk 4.9% is on the line's side.", "Risk 4.1% is on the line's side.",
            "Risk 5.0% otherwise.", "Risk 5.0% otherwise."]
    for rows in (values, values * 100):  # per distinct value, and the bucketed path (>= 512 rows)
        rec = policy.apply(pd.DataFrame({"p": rows}))
        assert rec["reason"].tolist() == want * (len(rows) // len(values))
    assert [policy.decide({"p": v}).reason for v in values] == want


@pytest.mark.parametrize("when", ["p < 0.05", "p <= 0.05", "p > 0.35", "p >= -0.125", "0.2 > p",
                                  "p == 0.5", "p != 0.5", "p in [0.25, 0.75]",
                                  "not (p >= 0.05) and p > 0.01"])
@pytest.mark.parametrize("spec", [".1%", ".0%", ".2f", ",.0f", "+.1%", ">9.1f", ".2g", ".1e"])
def test_shown_number_reads_back_on_the_value_side_of_every_line(when, spec):
    """Check every reason's number, read back, compares with each line as the value does."""
    import pandas as pd

    from trustlab.policy import parse_condition
    from trustlab.policy._template import lines_of, read_back

    policy = _line_policy(when, spec)
    lines = lines_of(parse_condition(when))
    rng = np.random.default_rng(3)
    near = np.array([ln.value for ln in lines], dtype=float)
    offsets = np.r_[0.0, 1e-9, -1e-9, 4e-5, -4e-5, 4e-4, -4e-4, 0.004, -0.004, 0.3, -0.3]
    x = (near[:, None] + offsets[None, :]).ravel()
    x = np.r_[x, rng.choice(x, 600)]
    rec = policy.apply(pd.DataFrame({"p": x}))
    online = [policy.decide({"p": v}).reason for v in x.tolist()]
    assert rec["reason"].tolist() == online
    ops = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
           "==": np.equal, "!=": np.not_equal}
    fired = (rec["rule"] == "line").to_numpy()
    for value, reason in zip(x[fired].tolist(), rec["reason"][fired].tolist()):
        shown = read_back(reason[len("Risk "):])
        for ln in lines:
            assert ops[ln.op](value, ln.value) == ops[ln.op](shown, ln.value), (value, reason, ln)


def test_only_borderline_rows_get_more_digits():
    """Check rows far from the line keep format()'s text; only crossing rows change."""
    import pandas as pd

    from trustlab.policy._template import format_value

    policy = _line_policy("p < 0.05", ".1%")
    rng = np.random.default_rng(0)
    x = rng.uniform(0.0, 0.1, 20_000)
    rec = policy.apply(pd.DataFrame({"p": x}))
    plain = np.array([format_value(v, ".1%") for v in x.tolist()], dtype=object)
    changed = np.array([f"Risk {t} " not in r for t, r in zip(plain, rec["reason"])])
    crossing = (x < 0.05) & (plain == "5.0%")  # the only rows whose plain text crosses the line
    assert crossing.any()
    assert (changed == crossing).all()


def test_lines_of_a_condition():
    """Check lines: literal on the left turned round, `in` lists as equalities, columns skipped."""
    from trustlab.policy import parse_condition
    from trustlab.policy._template import lines_of

    got = lines_of(parse_condition("0.05 > p and not (g in [1, 'a']) or q >= r or q is missing"))
    assert [(ln.column, ln.op, ln.value) for ln in got] == [("p", "<", 0.05), ("g", "==", 1)]
    assert lines_of(None) == ()
