"""Reason rendering in bulk equals Python's format on each value."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustlab.engine._reasons import format_array
from trustlab.policy._template import format_value


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
