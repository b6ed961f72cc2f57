"""Static reachability: rules that can never fire."""

from __future__ import annotations

import pytest

from trustlab.policy import parse_condition, parse_template
from trustlab.policy._reach import unreachable_rules
from trustlab.policy._spec import Rule

T = parse_template("x")


def rules(*conditions):
    out = [Rule(f"r{i}", parse_condition(c), "a", T) for i, c in enumerate(conditions)]
    return out + [Rule("rest", None, "a", T)]


@pytest.mark.parametrize(
    ("conditions", "unreachable"),
    [
        (["p >= 0.3", "p > 0.5"], [1]),
        (["p >= 0.3", "p >= 0.3"], [1]),
        (["p > 0.3", "p >= 0.3"], []),  # p == 0.3 still reaches r1
        (["p < 0.1", "p >= 0.1", "p > 0.5"], [2]),  # covered by the union
        (["p < 0.1", "q >= 0.1", "p > 0.5"], []),  # other columns do not cover
        (["p > 1 and p < 0"], [0]),  # never true
        (["grade in ['A', 'B']", "grade == 'A'"], [1]),
        (["grade != 'A'", "grade in ['B', 'C']"], [1]),
        (["grade != 'A'", "grade in ['A', 'C']"], []),
        (["p is missing", "p is missing or p > 0.9"], []),
        (["p is missing", "not p is not missing"], [1]),
        (["p is not missing", "p > 0.2"], [1]),
        (["p is not missing", "grade == 'x'"], []),
        (["not p > 0.5", "p <= 0.5"], [1]),
        (["not p > 0.5", "p is missing"], []),  # not never fires on missing values
        (["p in [1, 2]", "p == 2"], [1]),
        (["p > 0.5 or p < 0.1", "p > 0.6"], [1]),
        (["p > 0.5 and q < 1", "p > 0.6"], []),  # multi-column: left alone
        (["p != 3", "p < 3"], [1]),
    ],
)
def test_unreachable(conditions, unreachable):
    """Check which rules are found unreachable, worked out by hand."""
    assert [i for i, _, _ in unreachable_rules(rules(*conditions))] == unreachable
