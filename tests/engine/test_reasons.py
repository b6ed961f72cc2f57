"""Reason rendering in bulk equals Python's format on each value."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustlab.engine._reasons import format_array
from trustlab.policy._template import format_value, no_negative_zero


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


@pytest.mark.parametrize("spec", [".1%", ".0f", ",.2f", ".3F"])
def test_bulk_reasons_equal_per_row_format(spec):
    """Check grouped rendering over many rows gives format() of each row's value."""
    import pandas as pd

    import trustlab

    policy = trustlab.parse_policy(f"""
trustlab: 1
name: fmt
version: "1"
owner: o
signals: [{{name: x, kind: score, model: m, higher_means: risk}}]
actions: {{a: {{automated: true}}}}
rules:
  - {{id: only, otherwise: true, then: a, because: "x={{x:{spec}}} y={{y}}"}}
""")
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

    import trustlab

    policy = trustlab.parse_policy(f"""
trustlab: 1
name: zero
version: "1"
owner: o
signals: [{{name: x, kind: score, model: m, higher_means: risk}}]
actions: {{a: {{automated: true}}}}
rules:
  - {{id: only, otherwise: true, then: a, because: "x is {{x:{spec}}}"}}
""")
    for x in ([0.0, -0.0], [-0.0, 0.0], [-0.001, 0.0, -0.0] * 300):
        rec = policy.apply(pd.DataFrame({"x": x}))
        online = [policy.decide({"x": v}).reason for v in x]
        assert rec["reason"].tolist() == online
        zero = [r for v, r in zip(x, online) if v == 0.0]
        assert len(set(zero)) == 1 and "-" not in zero[0], zero[:2]
        if spec not in ("", "g"):  # -0.001 rounds to zero at these precisions
            assert all("-0" not in r for r in online), online[:3]
