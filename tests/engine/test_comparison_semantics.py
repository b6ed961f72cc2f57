"""One comparison semantics, bulk and online alike (issue 18 §1).

Floats compare at their own precision (a float32 with the literal rounded to
float32), integers by exact value, decimals and complex numbers are refused,
and reasons render escaped braces and durations the same on both paths.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import trustlab

BIG = 2**53  # 9007199254740992: the first integer a float64 cannot follow one by one


def _policy(when: str, because: str = "Fired.", signal: str = "p") -> trustlab.Policy:
    doc = {"trustlab": 1, "name": "sem", "version": "1", "owner": "o",
           "signals": [{"name": signal, "kind": "score", "model": "m", "higher_means": "risk"}],
           "actions": {"approve": {"automated": True, "favourable": True},
                       "decline": {"automated": True}, "review": {"automated": False}},
           "rules": [{"id": "hit", "when": when, "then": "decline", "because": because},
                     {"id": "rest", "otherwise": True, "then": "review", "because": "Otherwise."}]}
    return trustlab.parse_policy(json.dumps(doc))


def _both(policy: trustlab.Policy, df: pd.DataFrame) -> tuple[list, list]:
    """(bulk, online) (action, reason) per row; online records keep each column's own scalar type."""
    bulk = policy.apply(df)
    online = []
    for i in range(len(df)):
        d = policy.decide({c: df[c].iloc[i] for c in df.columns})
        online.append((d.action, d.reason))
    return list(zip(bulk["action"], bulk["reason"])), online


# --------------------------------------------------------------------------- floats


def test_float32_compares_at_its_own_precision():
    """Check a float32 0.35 (stored 0.3499999940) passes p >= 0.35 on both paths, and
    fails p > 0.35, while the next float32 up passes it."""
    up = np.nextafter(np.float32(0.35), np.float32(1))
    df = pd.DataFrame({"p": np.array([0.35, up], dtype=np.float32)})
    assert float(df["p"].iloc[0]) < 0.35  # the stored value is below the float64 0.35
    bulk, online = _both(_policy("p >= 0.35"), df)
    assert bulk == online == [("decline", "Fired."), ("decline", "Fired.")]
    bulk, online = _both(_policy("p > 0.35"), df)
    assert bulk == online == [("review", "Otherwise."), ("decline", "Fired.")]
    bulk, online = _both(_policy("p in [0.35]"), df)
    assert bulk == online == [("decline", "Fired."), ("review", "Otherwise.")]


def test_python_float_of_a_float32_compares_at_float64():
    """Check the same number as a float64 (or a Python float) is below 0.35 on both paths."""
    df = pd.DataFrame({"p": np.array([np.float32(0.35)], dtype=np.float64)})
    bulk, online = _both(_policy("p >= 0.35"), df)
    assert bulk == online == [("review", "Otherwise.")]
    assert _policy("p >= 0.35").decide({"p": 0.3499999940395355}).action == "review"


def test_nullable_float32_keeps_its_precision():
    """Check a nullable Float32 column compares at float32 and its missing value is unknown."""
    df = pd.DataFrame({"p": pd.array([0.35, None], dtype="Float32")})
    bulk, online = _both(_policy("p >= 0.35"), df)
    assert bulk == online == [("decline", "Fired."), ("review", "Otherwise.")]


def test_float32_reason_stays_on_its_side_of_the_line():
    """Check a float32 0.35 that passes p >= 0.35 is shown as 0.35, not 0.3499999940, on both
    paths, and the bucketed path (>= 512 rows) agrees."""
    policy = _policy("p >= 0.35", because="Score {p:.2f} is at or over 0.35.")
    df = pd.DataFrame({"p": np.array([0.35], dtype=np.float32)})
    bulk, online = _both(policy, df)
    assert bulk == online == [("decline", "Score 0.35 is at or over 0.35.")]
    many = pd.DataFrame({"p": np.full(600, 0.35, dtype=np.float32)})
    assert set(policy.apply(many)["reason"]) == {"Score 0.35 is at or over 0.35."}


# --------------------------------------------------------------------------- integers


@pytest.mark.parametrize("dtype", ["int64", "Int64", "object"])
def test_integers_beyond_2_53_compare_exactly(dtype):
    """Check 2**53 + 1 > 9007199254740992.0 holds on both paths, and 2**53 does not
    (a float64 cannot tell them apart), for numpy, nullable and Python integers."""
    df = pd.DataFrame({"p": pd.Series([BIG + 1, BIG], dtype=dtype)})
    bulk, online = _both(_policy("p > 9007199254740992.0"), df)
    assert bulk == online == [("decline", "Fired."), ("review", "Otherwise.")]
    bulk, online = _both(_policy("p == 9007199254740992"), df)
    assert bulk == online == [("review", "Otherwise."), ("decline", "Fired.")]
    bulk, online = _both(_policy("p in [9007199254740992]"), df)
    assert bulk == online == [("review", "Otherwise."), ("decline", "Fired.")]


def test_integers_against_fractions():
    """Check integers against a literal between two integers: < 2.5 holds for 2 not 3,
    == 2.5 never, != 2.5 always (and a missing Int64 is unknown, not 0)."""
    df = pd.DataFrame({"p": pd.array([2, 3, None], dtype="Int64")})
    for when, want in [("p < 2.5", ["decline", "review", "review"]),
                       ("p >= 2.5", ["review", "decline", "review"]),
                       ("p == 2.5", ["review", "review", "review"]),
                       ("p != 2.5", ["decline", "decline", "review"]),
                       ("p < 0.5", ["review", "review", "review"]),
                       ("p > 1e300", ["review", "review", "review"])]:
        bulk, online = _both(_policy(when), df)
        assert [a for a, _ in bulk] == [a for a, _ in online] == want, when


def test_integer_column_against_float_column_exactly():
    """Check an int64 2**53 + 1 is greater than a float64 2**53 on both paths."""
    df = pd.DataFrame({"p": np.array([BIG + 1, BIG], dtype=np.int64),
                       "q": np.array([BIG, BIG], dtype=np.float64)})
    bulk, online = _both(_policy("p > q"), df)
    assert bulk == online == [("decline", "Fired."), ("review", "Otherwise.")]
    bulk, online = _both(_policy("q < p"), df)
    assert bulk == online == [("decline", "Fired."), ("review", "Otherwise.")]


# --------------------------------------------------------------------------- refused numbers


def test_decimal_is_refused_on_both_paths():
    """Check a Decimal column is a DataError in bulk and online, naming the column and the fix."""
    policy = _policy("p > 0 and amount > 0.3")
    df = pd.DataFrame({"p": [1.0], "amount": [Decimal("0.35")]})
    with pytest.raises(trustlab.DataError, match=r"column 'amount'.*Decimal.*"
                                                 r"df\['amount'\]\.astype\('float64'\)"):
        policy.apply(df)
    with pytest.raises(trustlab.DataError, match=r"column 'amount'.*Decimal.*"
                                                 r"df\['amount'\]\.astype\('float64'\)"):
        policy.decide({"p": 1.0, "amount": Decimal("0.35")})


@pytest.mark.parametrize("values", [np.array([1 + 0j]), pd.Series([complex(1, 2)], dtype=object)])
def test_complex_is_refused_on_both_paths(values):
    """Check complex numbers are never compared: a DataError on both paths."""
    policy = _policy("p > 0 and z > 0.5")
    df = pd.DataFrame({"p": [1.0], "z": values})
    with pytest.raises(trustlab.DataError, match="column 'z'.*complex numbers"):
        policy.apply(df)
    with pytest.raises(trustlab.DataError, match="column 'z'.*complex numbers"):
        policy.decide({"p": 1.0, "z": df["z"].iloc[0]})


def test_decimal_signal_is_refused_on_both_paths():
    """Check a Decimal signal is refused in bulk and online alike."""
    policy = _policy("p > 0.5")
    with pytest.raises(trustlab.DataError, match="column 'p'.*Decimal"):
        policy.apply(pd.DataFrame({"p": [Decimal("0.6")]}))
    with pytest.raises(trustlab.DataError, match="column 'p'.*Decimal"):
        policy.decide({"p": Decimal("0.6")})


# --------------------------------------------------------------------------- reasons


def test_escaped_braces_alone_render_alike():
    """Check a reason of only escaped braces reads {x} on both paths."""
    bulk, online = _both(_policy("p > 0", because="Rule {{x}} fired."), pd.DataFrame({"p": [1.0]}))
    assert bulk == online == [("decline", "Rule {x} fired.")]


@pytest.mark.parametrize("unit", ["ns", "s"])
def test_durations_render_as_pandas_shows_them(unit):
    """Check a duration reads '0 days 00:05:00' in bulk and online, whatever its type."""
    policy = _policy("p > 0", because="Waited {wait}.")
    df = pd.DataFrame({"p": [1.0, 1.0],
                       "wait": pd.to_timedelta(["5min", None]).astype(f"timedelta64[{unit}]")})
    bulk, online = _both(policy, df)
    assert bulk == online == [("decline", "Waited 0 days 00:05:00."),
                              ("decline", "Waited missing.")]
    for wait in (datetime.timedelta(minutes=5), np.timedelta64(300, "s"), pd.Timedelta("5min")):
        assert policy.decide({"p": 1.0, "wait": wait}).reason == "Waited 0 days 00:05:00."


def test_times_render_alike():
    """Check a time zone-aware timestamp reads the same in bulk and online."""
    policy = _policy("p > 0", because="At {t}.")
    df = pd.DataFrame({"p": [1.0], "t": pd.to_datetime(["2025-03-01 10:00"]).tz_localize("UTC")})
    bulk, online = _both(policy, df)
    assert bulk == online == [("decline", "At 2025-03-01 10:00:00+00:00.")]
