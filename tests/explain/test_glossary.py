"""The reason glossary."""

from __future__ import annotations

import pytest

import trustlab
from trustlab.explain import default_phrase, load_glossary, parse_glossary
from _support import REPO


def test_shipped_glossaries_load():
    """Check every shipped glossary is valid and names its prohibited bases."""
    files = sorted((REPO / "glossaries").glob("*.yaml"))
    assert files
    for f in files:
        assert load_glossary(f).prohibited


def test_families_phrases_and_defaults():
    """Check families group features, phrases follow direction, unknown features read well."""
    g = parse_glossary("""
glossary: 1
features:
  dti: {family: burden}
  income: {family: burden, up: ignored for grouped features}
  term: {up: The term is long, down: The term is short}
families:
  burden: {up: Debt is high for the income, down: Debt is modest for the income}
prohibited: [age]
""")
    assert g.group_of("dti") == g.group_of("income") == "burden"
    assert g.phrase("burden", True) == "Debt is high for the income"
    assert g.phrase("term", False) == "The term is short"
    assert g.phrase("num_cards", True) == default_phrase("num_cards", True) == \
        "Num cards raised the assessed risk"
    assert g.is_prohibited("age") and not g.is_prohibited("burden")


def test_glossary_errors_are_collected():
    """Check unknown keys, wrong version and a prohibited feature folded into a family."""
    with pytest.raises(trustlab.ConfigError) as info:
        parse_glossary("""
glossary: 2
features:
  dti: {family: burden, upp: x}
  age: {family: burden}
prohibted: [age]
prohibited: [age]
""")
    wheres = {p.where for p in info.value.problems}
    assert {"glossary", "features.dti.upp", "prohibted", "prohibited"} <= wheres
    assert "Did you mean 'up'?" in str(info.value)
