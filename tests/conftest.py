"""Shared fixtures: small policies you can check on paper."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import trustlab

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[1]

BASE = """\
trustlab: 1
name: tiny-credit
version: "1.0"
owner: Risk team <risk@example.com>
columns: {id: app_id, time: t}
signals:
  - {name: p, kind: probability, model: m@1, higher_means: risk}
actions:
  approve: {automated: true, favourable: true}
  decline: {automated: true, reversible: false}
  review: {automated: false}
rules:
  - id: no-score
    when: p is missing
    then: review
    because: No score.
  - id: big
    when: amount > 100
    then: review
    escalate: senior
    because: Amount {amount:,.0f} is over 100.
  - id: high
    when: p >= 0.5
    then: decline
    because: Risk {p:.0%} is high.
  - id: low
    when: p < 0.2 and grade in ['A', 'B']
    then: approve
    because: Risk {p:.0%} is low for grade {grade}.
  - id: rest
    otherwise: true
    then: review
    because: A person decides.
"""


def policy_text(extra: str = "", base: str = BASE) -> str:
    """The tiny policy with ``extra`` YAML appended."""
    return base + textwrap.dedent(extra)


@pytest.fixture
def tiny():
    """A five-rule policy over columns app_id, t, p, amount, grade."""
    return trustlab.parse_policy(policy_text())


@pytest.fixture
def tiny_frame():
    """Ten rows decided by hand in ``EXPECTED_TINY``."""
    import pandas as pd

    return pd.DataFrame(
        {
            "app_id": [f"a{i}" for i in range(10)],
            "t": pd.to_datetime(["2025-01-01 09:00"] * 5 + ["2025-01-02 09:00"] * 5),
            "p": [0.1, None, 0.6, 0.1, 0.3, 0.1, 0.7, 0.15, 0.05, 0.9],
            "amount": [50, 50, 50, 150, 50, 50, 50, 50, None, 200],
            "grade": ["A", "A", "C", "B", "A", "C", "B", "B", "A", None],
        },
        index=[10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
    )


# (action, rule) for each row of tiny_frame, worked out by hand:
EXPECTED_TINY = [
    ("approve", "low"),      # p .1, grade A
    ("review", "no-score"),  # p missing
    ("decline", "high"),     # p .6
    ("review", "big"),       # amount 150 before p
    ("review", "rest"),      # p .3
    ("review", "rest"),      # p .1 but grade C
    ("decline", "high"),     # p .7
    ("approve", "low"),      # p .15 grade B
    ("approve", "low"),      # amount missing: `amount > 100` unknown, does not fire
    ("review", "big"),       # amount 200
]


CREDIT = REPO / "policies" / "consumer-credit.yaml"
"""The example credit policy the simulation tests replay."""


def credit_text(edits: dict[str, str] | None = None) -> str:
    """The example credit policy's text with each ``old: new`` edit made (each ``old`` present)."""
    text = CREDIT.read_text()
    for old, new in (edits or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def policy() -> trustlab.Policy:
    """The example credit policy as written."""
    return trustlab.load_policy(CREDIT)
