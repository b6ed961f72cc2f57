"""The condition language: parsing, canonical form, refusal of anything else."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustlab.policy import ConditionSyntaxError, columns_of, parse_condition
from trustlab.policy._condition import And, Compare, In, IsMissing, Not, Or


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("p<0.1", "p < 0.1"),
        ("0.1 > p", "0.1 > p"),
        ("a == b", "a == b"),
        ("grade in ['A',\"B\"]", 'grade in ["A", "B"]'),
        ("grade not in [1, 2.5]", "grade not in [1, 2.5]"),
        ("x is missing or y is not missing", "x is missing or y is not missing"),
        ("not (a > 1 and b < 2)", "not (a > 1 and b < 2)"),
        ("a > 1 and (b < 2 or c == true)", "a > 1 and (b < 2 or c == true)"),
        ("`loan amount` > 5", "`loan amount` > 5"),
        ("`and` == 'x'", '`and` == "x"'),
        ("flag == false", "flag == false"),
        ("x >= -3e2", "x >= -300"),
    ],
)
def test_parse_and_canonical(text, canonical):
    """Check that conditions parse and print in one canonical form that parses back the same."""
    tree = parse_condition(text)
    assert tree.canonical() == canonical
    assert parse_condition(tree.canonical()) == tree


def test_precedence():
    """Check that not binds tighter than and, and tighter than or."""
    tree = parse_condition("not a > 1 or b > 2 and c > 3")
    assert isinstance(tree, Or)
    assert isinstance(tree.items[0], Not) and isinstance(tree.items[1], And)


def test_node_types_and_columns():
    """Check node types and the column list."""
    tree = parse_condition("p < 0.2 and grade in ['A'] and p is missing")
    assert [type(i) for i in tree.items] == [Compare, In, IsMissing]
    assert columns_of(tree) == ("p", "grade")


@pytest.mark.parametrize(
    ("text", "match", "pos"),
    [
        ("", "empty", 0),
        ("p >", "expected a column or a literal", 3),
        ("p = 1", "Use '=='", 2),
        ("p > 1 +", "Arithmetic", 6),
        ("f(p) > 1", "expected an operator", 1),
        ("p.real > 1", "backticks", 1),
        ("x[0] > 1", "expected an operator", 1),
        ("1 < 2", "column on at least one side", 2),
        ("grade in []", "list is empty", 10),
        ("grade in [a]", "literals only", 10),
        ("p > 1 p", "expected 'and', 'or'", 6),
        ("(p > 1", r"expected '\)'", 6),
        ("p is nothing", "expected 'missing'", 5),
        ("and > 1", "keyword 'and'", 0),
        ("p && q", "Use 'and'", 2),
    ],
)
def test_syntax_errors_have_positions(text, match, pos):
    """Check that a condition that does not parse says what and where."""
    with pytest.raises(ConditionSyntaxError, match=match) as info:
        parse_condition(text)
    assert info.value.position == pos


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('echo pwned') == 0",
        "p.__class__.__mro__ > 1",
        "exec('x') == 1",
        "lambda: 1",
        "p if True else q",
        "{p} > 1",
        "p > 1; import os",
    ],
)
def test_code_is_never_accepted(text):
    """Check that calls, attribute access and statements are syntax errors."""
    with pytest.raises(ConditionSyntaxError):
        parse_condition(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("pq()[]'\"`_.,<>=! 0123456789abcdefimnorst")), max_size=40))
def test_arbitrary_text_parses_or_raises_syntax_error(text):
    """Check that any text either parses to a tree or raises ConditionSyntaxError, nothing else."""
    try:
        tree = parse_condition(text)
    except ConditionSyntaxError:
        return
    assert parse_condition(tree.canonical()) == tree


@pytest.mark.parametrize(
    ("text", "pos", "hint"),
    [
        ("loan amount > 5000", 5,
         "If 'loan amount' is one column, write `loan amount` in backticks"),
        ("p < 0.1 and loan amount is missing", 17, "write `loan amount` in backticks"),
        ("debt-to-income < 40", 4, "write `debt-to-income` in backticks"),
        ("30d_late > 0", 2, "write `30d_late` in backticks"),
        ("p > 1 + 2", 6, None),
        ("p > 1 p", 6, None),
    ],
)
def test_a_name_that_is_not_an_identifier_gets_the_backtick_hint(text, pos, hint):
    """Check that a column name with a space, a hyphen or a leading digit written bare is
    answered with the name in backticks, and that other errors get no such hint."""
    with pytest.raises(ConditionSyntaxError) as info:
        parse_condition(text)
    assert info.value.position == pos
    if hint is None:
        assert "backticks" not in str(info.value)
    else:
        assert hint in str(info.value)


@pytest.mark.parametrize(
    "rule",
    ["  - id: big\n    when: `loan amount` > 5000\n",
     "  - {id: big, when: `loan amount` > 5000, then: review, because: Big.}\n"],
)
def test_a_condition_starting_with_a_backtick_must_be_quoted(rule):
    """Check that YAML's refusal of a plain value starting with a backtick says to quote the
    whole condition, in block and in flow style; quoted, it reads the column."""
    import trustlab

    head = ("trustlab: 1\nname: t\nversion: '1'\nowner: me\n"
            "signals: [{name: p, kind: probability, model: m, higher_means: risk}]\n"
            "actions: {approve: {automated: true}, review: {automated: false}}\nrules:\n")
    tail = "  - {id: rest, otherwise: true, then: approve, because: Fine.}\n"
    rest = "" if rule.lstrip().startswith("- {") else "    then: review\n    because: Big.\n"
    with pytest.raises(trustlab.PolicyError) as info:
        trustlab.parse_policy(head + rule + rest + tail)
    assert 'quote the whole condition: when: "`loan amount` > 5000"' in str(info.value)
    line = next(i for i, t in enumerate((head + rule).splitlines(), 1) if "`" in t)
    assert f"(line {line})" in str(info.value)
    quoted = rule.replace("`loan amount` > 5000", '"`loan amount` > 5000"')
    policy = trustlab.parse_policy(head + quoted + rest + tail)
    assert columns_of(policy.rules[0].when) == ("loan amount",)
