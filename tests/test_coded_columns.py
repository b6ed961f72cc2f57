"""Columns coded once (trustlab._codes) answer as the element-wise pandas code they replace.

Each helper is pinned against the slow, obvious pandas expression on text of
every dtype a team's history may hold: object, categorical, pandas' default
``str`` and ``string[pyarrow]``, with missing values and values outside the list.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab._codes import code, codes_in, count_combinations
from trustlab.datasets import make_history
from trustlab.metrics import activity_counts

DTYPES = ["object", "category", "str", "string[pyarrow]"]


def _text(values, dtype: str) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=object)).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_code_values_and_codes_round_trip(dtype):
    """Check that values[codes] gives back every value, missing as code -1."""
    raw = ["b", None, "a", "b", "c", None]
    c = code(_text(raw, dtype))
    back = [None if k < 0 else c.values[k] for k in c.codes]
    assert back == raw
    assert c.missing.tolist() == [v is None for v in raw]


@pytest.mark.parametrize("dtype", DTYPES)
def test_codes_in_gives_positions_in_the_names(dtype):
    """Check positions in a list, -1 for missing and for values not in it."""
    raw = ["decline", None, "approve", "hold", "decline"]
    names = ["approve", "decline", "review"]
    want = [names.index(v) if v in names else -1 for v in raw]
    assert codes_in(_text(raw, dtype), names).tolist() == want
    assert codes_in(_text(raw, dtype), {"decline": 7}).tolist() == [7, -1, -1, -1, 7]


def _groupby_counts(records: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return (records[keys].astype(object).groupby(keys, dropna=False).size()
            .rename("decisions").reset_index())


@pytest.mark.parametrize("dtype", DTYPES)
def test_activity_counts_equal_a_groupby_of_the_records(dtype):
    """Check the counts, their order and the missing guardrail against pandas' groupby."""
    policy = trustlab.load_policy(Path(__file__).parents[1] / "policies" / "consumer-credit.yaml")
    records = policy.apply(make_history(n_days=10, applications_per_day=2000, seed=4))
    keys = ["rule", "rule_action", "action", "guardrail"]
    records = records.astype({k: object for k in keys}).astype({k: dtype for k in keys})
    assert records["guardrail"].isna().any() and records["guardrail"].notna().any()
    pd.testing.assert_frame_equal(activity_counts(records), _groupby_counts(records, keys))


def test_count_combinations_of_many_values_falls_back_to_sorting():
    """Check a table with more combinations than one count can hold, and an empty one."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({k: rng.integers(0, 3000, 5000).astype(str) for k in "abc"})
    got = count_combinations(frame, list("abc"), "decisions")
    pd.testing.assert_frame_equal(got, _groupby_counts(frame, list("abc")))
    empty = count_combinations(frame.iloc[:0], list("abc"), "decisions")
    assert list(empty.columns) == ["a", "b", "c", "decisions"] and len(empty) == 0


@pytest.mark.parametrize("dtype", ["category", "str"])
def test_policy_impact_counts_flips_as_a_crosstab_does(dtype):
    """Check the flip matrix and flipped examples against pandas on text of either dtype."""
    from trustlab.change import bump_version, policy_impact
    from trustlab.simulate import with_threshold

    old = trustlab.load_policy(Path(__file__).parents[1] / "policies" / "consumer-credit.yaml")
    new = bump_version(with_threshold(old, "low-risk", 0.2), "minor")
    data = make_history(n_days=10, applications_per_day=300, seed=5)
    for c in ("channel", "grade", "purpose", "underwriter_decision"):
        data[c] = data[c].astype(object).astype(dtype)
    r = policy_impact(old, new, data, bootstrap=0, examples=5)
    a, b = r.old_replay.decisions["action"], r.new_replay.decisions["action"]
    want = pd.crosstab(a.astype(object).rename("old"), b.astype(object).rename("new"),
                       margins=True, margins_name="total")
    pd.testing.assert_frame_equal(r.flips, want)
    moved = a.astype(object) != b.astype(object)
    assert r.flipped == int(moved.sum()) > 0
    assert (r.examples["old_action"] != r.examples["new_action"]).all()
