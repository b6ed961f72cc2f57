"""Text columns give the same decisions and metrics whatever their pandas dtype.

A history read from CSV by pandas 3 holds text as ``str`` (pyarrow-backed); the
shipped examples hold categoricals; hand-made frames hold objects. The engine
and replay code each text column once, so all of them must agree exactly,
missing values included.
"""

from __future__ import annotations

import pandas as pd
import pytest

import trustlab
from trustlab.datasets import make_history
from trustlab.simulate import replay
from _support import text_with_gaps

TEXT = ["channel", "grade", "purpose", "underwriter_decision"]

POLICY = """\
trustlab: 1
name: text-rules
version: "1"
owner: Risk team
columns: {id: application_id, time: decision_time}
signals: [{name: p_default, kind: probability, model: m1, higher_means: risk}]
actions:
  approve: {automated: true, favourable: true}
  decline: {automated: true, reversible: false}
  review: {automated: false}
rules:
  - {id: no-score, when: p_default is missing, then: review, because: No score.}
  - {id: online-good, when: "channel == 'online' and grade in ['A', 'B'] and p_default < 0.12",
     then: approve, because: "Grade {grade} online."}
  - {id: not-branch, when: "channel != 'branch' and p_default >= 0.3", then: decline,
     because: "Risk {p_default:.0%} on {channel}."}
  - {id: high, when: p_default >= 0.35, then: decline, because: "Risk {p_default:.0%}."}
  - {id: rest, otherwise: true, then: review, because: "Grade {grade} needs a person."}
guardrails:
  - {id: cap, kind: rate_limit, action: decline, max: 5, per: 1D, overflow: review}
outcomes:
  label: defaulted
  values:
    approve: {good: 600, bad: -5000}
    decline: {good: -100, bad: 0}
    review: {cost: 35}
  reviewer: {decision: underwriter_decision, map: {approved: approve, declined: decline}}
  window: 1D
segments: [grade, channel, purpose]
"""


def _dtypes():
    out = ["object", "category", "string[pyarrow]", "string[python]"]
    try:
        pd.Series(["a"], dtype="str")
        out.append("str")
    except TypeError:  # pandas < 2.3 has no default string dtype
        pass
    return out


@pytest.fixture(scope="module")
def history():
    """A small history with missing text values in rule and segment columns."""
    return text_with_gaps(make_history(n_days=30, applications_per_day=60, seed=3),
                          ("channel", "grade", "purpose"), 0.05, seed=0)


@pytest.fixture(scope="module")
def policy():
    return trustlab.parse_policy(POLICY)


def _as(history: pd.DataFrame, dtype: str) -> pd.DataFrame:
    out = history.copy()
    for c in TEXT:
        out[c] = out[c].astype(object).astype(dtype)
    return out


@pytest.fixture(scope="module")
def reference(history, policy):
    data = _as(history, "object")
    return policy.apply(data), replay(policy, data, seed=0)


@pytest.mark.parametrize("dtype", _dtypes())
def test_apply_gives_the_same_records_for_every_text_dtype(history, policy, reference, dtype):
    """Check that records are identical for object, categorical and string text columns."""
    records = policy.apply(_as(history, dtype))
    pd.testing.assert_frame_equal(records, reference[0])
    assert set(records["rule"]) >= {"online-good", "not-branch", "rest"}


@pytest.mark.parametrize("dtype", _dtypes())
def test_replay_gives_the_same_metrics_for_every_text_dtype(history, policy, reference, dtype):
    """Check that replay metrics, segments (with a (missing) one) and checks are identical."""
    result = replay(policy, _as(history, dtype), seed=0)
    want = reference[1]
    pd.testing.assert_frame_equal(result.metrics, want.metrics)
    pd.testing.assert_frame_equal(result.checks, want.checks)
    cols = [c for c in want.decisions.columns if c not in TEXT]
    pd.testing.assert_frame_equal(result.decisions[cols], want.decisions[cols])
    segments = set(result.metrics.loc[result.metrics["by"] == "grade", "segment"])
    assert "(missing)" in segments and "A" in segments


def test_segments_sort_as_a_groupby_on_the_values():
    """Check that segment sums come one row per value, sorted, missing as (missing)."""
    from trustlab.metrics import MetricTotals  # noqa: F401  (public name)
    from trustlab.metrics import shared_codes
    codes, values = shared_codes([pd.Series(["b", None, "a", "b"], dtype="str"
                                            if "str" in _dtypes() else "string[pyarrow]")],
                                 ("a",))
    assert codes[0].tolist() == [1, -1, 0, 1]
    assert values == ["a", "b"]
