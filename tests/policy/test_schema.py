"""The policy format's JSON Schema: shipped, current, and in step with the loader.

Every mutation below is made to the format's complete example and must be
refused twice: by :func:`trustlab.parse_policy` (at the mutated field) and by the
schema (for the expected keyword). Most are generated from the loader's own
declarations, so a rule added to the loader is covered here without a new test. A
closing sweep puts a value of each type at every key and asks both for the same verdict.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from importlib.resources import files
from typing import Any

import jsonschema
import pytest

import trustlab
from trustlab.policy import policy_schema
from trustlab.policy._load import (
    ACTION_NAME_PATTERN,
    CHOICES,
    DEFAULTS,
    GUARDRAIL_KINDS,
    MAPPING_KEYS,
    MAX_ITEMS,
    METRICS_NEEDING_BY,
    NUMBERS,
    REFERENCE_KEYS,
    RESERVED_COLUMNS,
    RESERVED_GUARDRAIL_IDS,
    TIME_FORMAT_PATTERN,
    WINDOW_PATTERN,
)
from trustlab.policy._condition import MAX_CONDITION_CHARS
from trustlab.policy._metric_names import METRIC_DECLARATIONS
from trustlab.policy._schema import LOADER_ONLY, SCHEMA_FILE, schema_text
from trustlab.policy._template import MAX_TEMPLATE_CHARS
from trustlab._yaml import read_yaml
from _support import FIXTURES, REPO

SCHEMA = policy_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
EXAMPLE = read_yaml((FIXTURES / "spec_example.yaml").read_text()).data
EXAMPLE["fairness"] = {"protected": ["age_band"], "reference": {"age_band": "35-54"},
                       "min_group": 30, "adverse_ratio": 0.8}  # the spec's additions section
"""The format's complete example (every section), as the loader reads it."""

WHERE: dict[str, tuple[str | int, ...]] = {
    "policy": (),
    "columns": ("columns",),
    "signal": ("signals", 0),
    "action": ("actions", "approve"),
    "rule": ("rules", 2),
    "rate_limit": ("guardrails", 0),
    "drift_brake": ("guardrails", 1),
    "reference": ("guardrails", 1, "reference"),
    "kill_switch": ("kill_switch",),
    "outcomes": ("outcomes",),
    "value_automated": ("outcomes", "values", "approve"),
    "value_human": ("outcomes", "values", "review"),
    "reviewer": ("outcomes", "reviewer"),
    "check": ("checks", 0),
    "promotion": ("promotion",),
    "fairness": ("fairness",),
}
"""Where each mapping of the format sits in :data:`EXAMPLE`."""

KEYS = {**MAPPING_KEYS, "reference": ((), REFERENCE_KEYS)}
"""Every mapping of the format → ``(required keys, optional keys)``, the reference included."""

REQUIRED = tuple((shape, key) for shape, (required, _) in KEYS.items() for key in required)
"""Every required key of every mapping, as ``(mapping, key)``."""

NULL_REQUIRED = REQUIRED
"""The required keys written as null: the loader refuses each of them, as the schema does."""


# --------------------------------------------------------------------------- helpers


def _where(path: tuple[str | int, ...]) -> str:
    """A document path as the loader writes it: ``guardrails[1].reference.rows``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _mutated(*changes: tuple) -> dict:
    """:data:`EXAMPLE` with ``("set", path, value)`` and ``("del", path)`` changes made."""
    doc = copy.deepcopy(EXAMPLE)
    for change in changes:
        *parents, last = change[1]
        box = doc
        for part in parents:
            box = box[part]
        if change[0] == "set":
            box[last] = copy.deepcopy(change[2])
        elif change[0] == "clear":
            box[last].clear()
        else:
            del box[last]
    return doc


def _put(shape: str, key: str, value: Any) -> tuple:
    """The change that writes ``value`` at ``key`` of the mapping ``shape`` in :data:`EXAMPLE`.

    A drift reference holds exactly one key, so it is replaced whole: ``{key: value}``.
    """
    if shape == "reference":
        return ("set", WHERE[shape], {key: value})
    return ("set", WHERE[shape] + (key,), value)


def _loader_problems(doc: dict) -> list[str] | None:
    """Where the loader refuses ``doc`` (written as YAML text), or None when it loads."""
    try:
        trustlab.parse_policy(json.dumps(doc))  # JSON text is YAML the loader reads as given
    except trustlab.PolicyError as exc:
        return [p.where for p in exc.problems]
    return None


def _keywords(errors) -> set[str]:
    """The schema keywords that failed, including those under anyOf and oneOf."""
    out: set[str] = set()
    for error in errors:
        out.add(error.validator)
        out |= _keywords(error.context)
    return out


def _refused_by_both(doc: dict, where: str, keyword: str) -> None:
    """Assert the loader refuses ``doc`` at ``where`` and the schema by ``keyword``."""
    problems = _loader_problems(doc)
    assert problems is not None, f"the loader accepts the change at {where}"
    assert any(p == where or p.startswith((f"{where}.", f"{where}[")) for p in problems), problems
    keywords = _keywords(VALIDATOR.iter_errors(doc))
    assert keywords, f"the schema accepts the change at {where}"
    assert keyword in keywords, f"the schema refuses by {sorted(keywords)}, not by {keyword}"


# --------------------------------------------------------------------------- shipped and valid


def test_shipped_schema_is_current():
    """Check that the shipped policy.schema.json is what policy_schema() builds now."""
    shipped = files("trustlab.policy").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    assert shipped == schema_text(), (
        "policy.schema.json is stale; regenerate it: "
        "python -m trustlab.policy._schema > src/trustlab/policy/policy.schema.json")
    assert json.loads(shipped) == SCHEMA


def test_schema_is_valid_draft_2020_12():
    """Check that the schema is itself a valid JSON Schema of its dialect."""
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


DRAFT_7 = {
    "$schema", "$ref", "title", "description", "default", "examples", "type", "enum", "const",
    "properties", "additionalProperties", "required", "propertyNames", "minProperties",
    "maxProperties", "items", "minItems", "maxItems", "uniqueItems", "contains", "minLength",
    "maxLength", "pattern", "minimum", "maximum", "allOf", "anyOf", "oneOf", "not", "if", "then",
}
"""The draft-07 keywords: what the YAML language servers of editors implement."""


def _keywords_used(schema: Any) -> set[str]:
    if isinstance(schema, list):
        return set().union(*map(_keywords_used, schema))
    if not isinstance(schema, dict):
        return set()
    used = set(schema)
    for key, value in schema.items():
        if key in ("properties", "$defs"):
            used |= set().union(*map(_keywords_used, value.values()))
        elif key not in ("enum", "const", "default", "examples", "required"):
            used |= _keywords_used(value)
    return used


def test_schema_keeps_to_what_editors_read():
    """Check that the schema uses draft-07 keywords (and counts in `contains`) only."""
    assert _keywords_used(SCHEMA) - DRAFT_7 == {"$defs", "minContains", "maxContains"}


def test_schema_is_exported():
    """Check that trustlab.policy exports policy_schema and each call gives a fresh copy."""
    assert "policy_schema" in trustlab.policy.__all__
    policy_schema()["title"] = "changed"
    assert policy_schema() == SCHEMA


@pytest.mark.parametrize(
    "path", sorted((REPO / "policies").glob("*.yaml")) + [FIXTURES / "spec_example.yaml"],
    ids=lambda p: p.name)
def test_every_example_policy_validates(path):
    """Check that each example policy loads and is valid under the schema."""
    trustlab.load_policy(path)
    errors = [f"{_where(tuple(e.absolute_path))}: {e.message}"
              for e in VALIDATOR.iter_errors(read_yaml(path.read_text()).data)]
    assert errors == []


def test_every_field_has_a_title_and_description():
    """Check that editors have words for every key of every mapping the loader knows."""
    defs = SCHEMA["$defs"]
    mappings = {"policy": SCHEMA, **{shape: defs[shape] for shape in KEYS if shape != "policy"}}
    for shape, (required, optional) in KEYS.items():
        schema = mappings[shape]
        assert schema["additionalProperties"] is False, shape
        assert list(schema["properties"]) == list(required + optional), shape
        assert schema.get("required", []) == list(required), shape
        for key, prop in schema["properties"].items():
            assert prop["title"] and prop["description"], f"{shape}.{key}"


def test_description_lists_what_only_the_loader_checks():
    """Check that the schema's description names each loader-only rule."""
    assert all(rule in SCHEMA["description"] for rule in LOADER_ONLY)
    assert "Also checked by the loader" in SCHEMA["description"]


def test_every_mapping_is_located_in_the_example():
    """Check that the mutations below reach every mapping the loader declares."""
    assert set(WHERE) == set(KEYS)
    assert set(GUARDRAIL_KINDS) <= set(MAPPING_KEYS)
    for shape, path in WHERE.items():
        box = EXAMPLE
        for part in path:
            box = box[part]
        assert set(KEYS[shape][0]) <= set(box), shape


# --------------------------------------------------------------------------- generated refusals


@pytest.mark.parametrize("shape", sorted(KEYS))
def test_unknown_key_is_refused(shape):
    """Check that an unknown key in each mapping is refused by the loader and the schema."""
    path = WHERE[shape] + ("colour",)
    doc = _mutated(("set", path, "blue"))
    problems = _loader_problems(doc)
    assert problems and any(p.startswith(_where(WHERE[shape])) for p in problems), problems
    assert "additionalProperties" in _keywords(VALIDATOR.iter_errors(doc))


@pytest.mark.parametrize(("shape", "key"), NULL_REQUIRED)
def test_null_required_keys_are_refused(shape, key):
    """Check that the loader refuses a required key written as null, as the schema does."""
    doc = _mutated(("set", WHERE[shape] + (key,), None))
    assert not VALIDATOR.is_valid(doc)
    assert _loader_problems(doc) is not None


@pytest.mark.parametrize(("shape", "key"), REQUIRED)
def test_missing_required_key_is_refused(shape, key):
    """Check that leaving out each required key is refused at that key, and by `required`."""
    path = WHERE[shape] + (key,)
    _refused_by_both(_mutated(("del", path)), _where(path), "required")


OUT_OF_CHOICE = tuple(
    (shape, key, value)
    for (shape, key), choices in CHOICES.items()
    for value in ("not-a-choice", str(choices[0]).upper(), 1)
    if value not in choices
)
"""For each key of :data:`CHOICES`: an unknown word, a choice in capitals and a number."""


@pytest.mark.parametrize(("shape", "key", "value"), OUT_OF_CHOICE)
def test_value_outside_its_choices_is_refused(shape, key, value):
    """Check that each key with choices refuses any other value, by `enum`."""
    _refused_by_both(_mutated(_put(shape, key, value)), _where(WHERE[shape] + (key,)), "enum")


def _number_cases():
    """For each key of :data:`NUMBERS`: ``(shape, key, value, keyword)`` it must refuse."""
    for (shape, key), (whole, low, high) in NUMBERS.items():
        step = 1 if whole else 0.5
        if low is not None:
            yield shape, key, low - step, "minimum"
        if high is not None:
            yield shape, key, high + step, "maximum"
        if whole:
            yield shape, key, (low or 0) + 1.5, "type"  # a fraction where a count is due
        yield shape, key, "1", "type"  # a number written as text


@pytest.mark.parametrize(("shape", "key", "value", "keyword"), list(_number_cases()))
def test_number_out_of_bounds_is_refused(shape, key, value, keyword):
    """Check that each number refuses values below and above its bounds, fractions and text."""
    doc = _mutated(_put(shape, key, value))
    _refused_by_both(doc, _where(WHERE[shape] + (key,)), keyword)


def _too_many(key: str) -> list | dict:
    """One entry more than ``MAX_ITEMS[key]`` allows, built cheaply from the example's own.

    A repeated list entry is one object, so ``deepcopy`` and ``json.dumps`` stay quick;
    column names are made distinct, so the only fault is the length.
    """
    count = MAX_ITEMS[key] + 1
    sample = EXAMPLE[key]
    if isinstance(sample, dict):
        first = next(iter(sample.values()))
        return {f"name_{i}": first for i in range(count)}
    if isinstance(sample[0], str):
        return [f"column_{i}" for i in range(count)]
    return [sample[-1]] * count


@pytest.mark.parametrize("key", sorted(MAX_ITEMS))
def test_too_many_entries_are_refused(key):
    """Check that each list (or, for actions, mapping) over its limit is refused by both."""
    value = _too_many(key)
    keyword = "maxProperties" if isinstance(value, dict) else "maxItems"
    _refused_by_both(_mutated(("set", (key,), value)), key, keyword)


TEXT_LIMITS = (
    ("rule", "when", MAX_CONDITION_CHARS, "p_default >= 0.35"),
    ("rule", "because", MAX_TEMPLATE_CHARS, "Risk {p_default:.0%} is high."),
    ("kill_switch", "because", MAX_TEMPLATE_CHARS, "Automation paused."),
)
"""Each text with a length limit: ``(mapping, key, limit, a valid text to lengthen)``."""


def _of_length(text: str, length: int) -> str:
    """``text`` padded to ``length`` characters with spaces after its first word."""
    head, tail = text.split(" ", 1)
    return f"{head}{' ' * (length - len(text) + 1)}{tail}"


@pytest.mark.parametrize(("shape", "key", "limit", "text"), TEXT_LIMITS,
                         ids=[f"{shape}.{key}" for shape, key, _, _ in TEXT_LIMITS])
def test_text_over_its_length_limit_is_refused(shape, key, limit, text):
    """Check that a condition or reason at its limit loads and one character more does not."""
    at_limit = _mutated(_put(shape, key, _of_length(text, limit)))
    assert _loader_problems(at_limit) is None
    assert VALIDATOR.is_valid(at_limit)
    over = _mutated(_put(shape, key, _of_length(text, limit + 1)))
    _refused_by_both(over, _where(WHERE[shape] + (key,)), "maxLength")


# --------------------------------------------------------------------------- patterns, cross-field

WINDOWS = (("rate_limit", "per"), ("drift_brake", "window"), ("reference", "first"),
           ("outcomes", "window"))
"""Every key that holds a time window."""


@pytest.mark.parametrize(("value", "keyword"), [
    ("7 days", "pattern"), ("D7", "pattern"), ("1.5D", "pattern"), (7, "type"),
    ("0D", "not"), (" 00 h ", "not"),
])
@pytest.mark.parametrize(("shape", "key"), WINDOWS)
def test_bad_window_is_refused(shape, key, value, keyword):
    """Check that each window refuses text that is no window, and a count of zero."""
    if keyword == "pattern":
        assert not re.match(WINDOW_PATTERN, value)  # not a window at all
    elif keyword == "not":
        assert re.match(WINDOW_PATTERN, value)  # a window's shape, with a count of zero
    _refused_by_both(_mutated(_put(shape, key, value)), _where(WHERE[shape] + (key,)), keyword)


@pytest.mark.parametrize("name", sorted(RESERVED_COLUMNS))
def test_signal_named_like_a_record_column_is_refused(name):
    """Check that a signal may not take the name of a decision-record column (`not`)."""
    _refused_by_both(_mutated(("set", ("signals", 0, "name"), name)), "signals[0].name", "not")


@pytest.mark.parametrize("gid", RESERVED_GUARDRAIL_IDS)
@pytest.mark.parametrize("kind", GUARDRAIL_KINDS)
def test_reserved_guardrail_id_is_refused(kind, gid):
    """Check that no guardrail of any kind may take an id the kit reserves (`not`)."""
    path = WHERE[kind] + ("id",)
    _refused_by_both(_mutated(("set", path, gid)), _where(path), "not")


@pytest.mark.parametrize("metric", METRICS_NEEDING_BY)
def test_metric_comparing_segments_needs_by(metric):
    """Check that a check on a metric that compares segments needs `by`."""
    doc = _mutated(("set", ("checks", 0), {"metric": metric, "at_least": 0.5}))
    _refused_by_both(doc, "checks[0].by", "required")


SHARES = tuple(name for name, kind, _, _ in METRIC_DECLARATIONS if kind == "share") + (
    "share.approve",)
"""Every metric that is a share (written from 0 to 1), ``share.<action>`` included."""


@pytest.mark.parametrize(("bound", "value", "keyword"), [
    ("at_least", 1.5, "maximum"), ("at_least", -0.1, "minimum"),
    ("at_most", 40, "maximum"), ("at_most", -1, "minimum"),
])
@pytest.mark.parametrize("metric", SHARES)
def test_share_bound_outside_0_1_is_refused(metric, bound, value, keyword):
    """Check that a check on a share refuses a bound outside [0, 1]."""
    doc = _mutated(("set", ("checks", 0), {"metric": metric, bound: value}))
    _refused_by_both(doc, f"checks[0].{bound}", keyword)


def test_bound_outside_0_1_is_accepted_for_other_metrics():
    """Check that only shares are held to [0, 1]: a money or count metric is not."""
    doc = _mutated(("set", ("checks", 0), {"metric": "value_total", "at_least": -5000,
                                           "at_most": 1e6}))
    assert _loader_problems(doc) is None
    assert VALIDATOR.is_valid(doc)


_NO_TIME = (("del", ("columns", "time")),)
_NO_GUARDRAILS = (("del", ("guardrails",)),)
_NO_OUTCOME_WINDOW = (("del", ("outcomes", "window")),)

CASES = [
    # text: empty or blank is no text
    pytest.param([("set", ("name",), "   ")], "name", "pattern", id="blank-name"),
    pytest.param([("set", ("version",), " ")], "version", "pattern", id="blank-version"),
    pytest.param([("set", ("version",), True)], "version", "type", id="boolean-version"),
    pytest.param([("set", ("rules", 2, "id"), "")], "rules[2].id", "pattern", id="empty-rule-id"),
    pytest.param([("set", ("trustlab",), 2)], "trustlab", "const", id="format-version-2"),
    pytest.param([("set", ("trustlab",), True)], "trustlab", "const", id="format-version-true"),
    # action names (ACTION_NAME_PATTERN): as keys of actions and outcomes.values, in reviewer.map
    pytest.param([("set", ("actions", "2nd-look"), {"automated": False})], "actions.2nd-look",
                 "pattern", id="action-name-starts-with-digit"),
    pytest.param([("set", ("actions", "second look"), {"automated": False})],
                 "actions.second look", "pattern", id="action-name-with-space"),
    pytest.param([("set", ("outcomes", "values", "no way"), {"cost": 1})],
                 "outcomes.values.no way", "pattern", id="values-action-name"),
    pytest.param([("set", ("outcomes", "reviewer", "map", "approved"), "approve it")],
                 "outcomes.reviewer.map.approved", "pattern", id="reviewer-map-action-name"),
    # columns
    pytest.param([("set", ("columns", "time_format"), "YYYY-MM")], "columns.time_format",
                 "pattern", id="time-format-without-directive"),
    pytest.param([*_NO_GUARDRAILS, *_NO_OUTCOME_WINDOW, *_NO_TIME,
                  ("set", ("columns", "time_format"), "%Y-%m")], "columns.time_format",
                 "required", id="time-format-without-time"),
    # actions: right_when and safe are for automated actions
    pytest.param([("set", ("actions", "review", "right_when"), "good")],
                 "actions.review.right_when", "not", id="human-action-right-when"),
    pytest.param([("set", ("actions", "review", "safe"), True)], "actions.review.safe",
                 "const", id="human-action-safe"),
    # rules: `when` or `otherwise`, exactly one otherwise
    pytest.param([("set", ("rules", 4, "when"), "p_default > 0.5")], "rules[4]", "oneOf",
                 id="when-and-otherwise"),
    pytest.param([("del", ("rules", 2, "when"))], "rules[2]", "oneOf",
                 id="neither-when-nor-otherwise"),
    pytest.param([("set", ("rules", 4, "otherwise"), False)], "rules[4].otherwise", "const",
                 id="otherwise-false"),
    pytest.param([("del", ("rules", 3, "when")), ("set", ("rules", 3, "otherwise"), True)],
                 "rules[3]", "maxContains", id="two-otherwise-rules"),
    pytest.param([("del", ("rules", 4, "otherwise")),
                  ("set", ("rules", 4, "when"), "p_default > 0")],
                 "rules[4]", "contains", id="no-otherwise-rule"),
    pytest.param([("set", ("rules",), [])], "rules", "minItems", id="no-rules"),
    pytest.param([("set", ("signals",), [])], "signals", "minItems", id="no-signals"),
    pytest.param([("set", ("actions",), {})], "actions", "minProperties", id="no-actions"),
    # guardrails: a kind of their own, and columns.time
    pytest.param([("set", ("guardrails", 0, "kind"), "speed_limit")], "guardrails[0].kind",
                 "enum", id="unknown-guardrail-kind"),
    pytest.param([("set", ("guardrails", 0, "kind"), "drift_brake")], "guardrails[0]",
                 "required", id="rate-limit-keys-under-drift-brake-kind"),
    pytest.param([("set", ("guardrails", 0), "rate")], "guardrails[0]", "type",
                 id="guardrail-not-a-mapping"),
    pytest.param([*_NO_OUTCOME_WINDOW, *_NO_TIME], "guardrails[0]", "required",
                 id="guardrails-without-time-column"),
    pytest.param([*_NO_OUTCOME_WINDOW, ("del", ("columns",))], "guardrails[0]", "required",
                 id="guardrails-without-columns"),
    pytest.param([("set", ("guardrails", 1, "watch"), [])], "guardrails[1].watch", "minItems",
                 id="watch-nothing"),
    pytest.param([("set", ("guardrails", 1, "watch"), ["p_default", "p_default"])],
                 "guardrails[1].watch", "uniqueItems", id="watch-twice"),
    pytest.param([("set", ("guardrails", 1, "watch"), [""])], "guardrails[1].watch",
                 "minLength", id="watch-empty-name"),
    pytest.param([("set", ("guardrails", 1, "reference"), {})], "guardrails[1].reference",
                 "minProperties", id="reference-empty"),
    pytest.param([("set", ("guardrails", 1, "reference"), {"first": "90D", "rows": 10})],
                 "guardrails[1].reference", "maxProperties", id="reference-two-keys"),
    # outcomes
    pytest.param([*_NO_GUARDRAILS, *_NO_TIME], "outcomes.window", "required",
                 id="outcomes-window-without-time-column"),
    pytest.param([("set", ("outcomes", "currency"), "eur")], "outcomes.currency", "pattern",
                 id="currency-in-lower-case"),
    pytest.param([("set", ("outcomes", "currency"), "EURO")], "outcomes.currency", "pattern",
                 id="currency-of-four-letters"),
    pytest.param([("set", ("outcomes", "bad_when"), [])], "outcomes.bad_when", "minItems",
                 id="bad-when-empty-list"),
    pytest.param([("set", ("outcomes", "bad_when"), {"yes": 1})], "outcomes.bad_when", "not",
                 id="bad-when-mapping"),
    pytest.param([("set", ("outcomes", "bad_when"), [1, None])], "outcomes.bad_when", "not",
                 id="bad-when-null-in-list"),
    pytest.param([("set", ("outcomes", "values"), {})], "outcomes.values", "minProperties",
                 id="values-empty"),
    pytest.param([("set", ("outcomes", "reviewer"), {})], "outcomes.reviewer", "anyOf",
                 id="reviewer-without-decision-or-accuracy"),
    pytest.param([("del", ("outcomes", "reviewer", "map"))], "outcomes.reviewer.map",
                 "required", id="reviewer-decision-without-map"),
    pytest.param([("set", ("outcomes", "reviewer", "map"), {})], "outcomes.reviewer.map",
                 "minProperties", id="reviewer-map-empty"),
    # segments, checks, promotion
    pytest.param([("set", ("segments",), ["grade", "grade"])], "segments", "uniqueItems",
                 id="segment-twice"),
    pytest.param([("set", ("segments",), ["grade", ""])], "segments", "minLength",
                 id="segment-empty-name"),
    pytest.param([("set", ("segments",), ["grade", 3])], "segments", "type",
                 id="segment-not-text"),
    pytest.param([("set", ("checks", 0, "metric"), "automation_ratio")], "checks[0].metric",
                 "anyOf", id="unknown-metric"),
    pytest.param([("set", ("checks", 0, "metric"), "share.2nd-look")], "checks[0].metric",
                 "anyOf", id="share-of-no-action-name"),
    pytest.param([("del", ("checks", 0, "at_least"))], "checks[0]", "anyOf",
                 id="check-without-bound"),
    pytest.param([("clear", ("promotion",))], "promotion", "minProperties", id="promotion-empty"),
]
"""Hand-written refusals: ``(changes, where the loader refuses, the schema's keyword)``, one
or more for every ``if``/``then``, ``oneOf``, ``anyOf``, ``not``, ``const``, ``pattern`` and
``contains`` (with its ``maxContains``) that :mod:`trustlab.policy._schema` writes."""


@pytest.mark.parametrize(("changes", "where", "keyword"), CASES)
def test_pattern_or_cross_field_rule_is_refused(changes, where, keyword):
    """Check that each rule the schema expresses beyond one key's type is refused by both."""
    _refused_by_both(_mutated(*changes), where, keyword)


def test_action_name_cases_break_the_pattern():
    """Check that the action names the cases above refuse are no action names to the loader."""
    for name in ("2nd-look", "second look", "no way", "approve it"):
        assert not re.fullmatch(ACTION_NAME_PATTERN, name)
    assert not re.search(TIME_FORMAT_PATTERN, "YYYY-MM")


@pytest.mark.parametrize(("shape", "key"), sorted(DEFAULTS))
def test_default_written_out_is_accepted(shape, key):
    """Check that each default, written out, is accepted by both and is the schema's default."""
    doc = _mutated(_put(shape, key, DEFAULTS[shape, key]))
    assert _loader_problems(doc) is None
    assert VALIDATOR.is_valid(doc)
    schema = SCHEMA if shape == "policy" else SCHEMA["$defs"][shape]
    assert schema["properties"][key]["default"] == DEFAULTS[shape, key]


# --------------------------------------------------------------------------- agreement sweep

SWEEP_VALUES = (None, True, 0, -1, 1.5, "x", "", [], {})
"""A value of each type, put at every key of every mapping in turn."""

CROSS_FIELD = {
    ("rule", "when"): "the condition language: `x` alone is no condition",
    ("rule", "then"): "names an action declared in `actions`",
    ("rate_limit", "action"): "names an action declared in `actions`",
    ("rate_limit", "overflow"): "names a declared action other than `action`",
    ("drift_brake", "warn"): "must not exceed `act` (0.25 in the example)",
    ("drift_brake", "act"): "must not be below `warn` (0.10 in the example)",
    ("drift_brake", "then"): "names a declared human action or one declared `safe: true`",
    ("kill_switch", "then"): "names a declared human action or one declared `safe: true`",
    ("reviewer", "map"): "is required with `decision`, and null counts as left out",
    ("check", "at_most"): "must not be below `at_least` (0.55 in checks[0]; `at_least` obeys "
                          "the same rule, but checks[0] has no `at_most` for it to break)",
}
"""``(mapping, key)`` → why the loader may refuse a value there that the schema accepts: its
valid values depend on other keys (see ``LOADER_ONLY``). The schema still refuses nothing the
loader accepts at these keys."""


@functools.cache
def _sweep() -> tuple[tuple[str, str, Any, bool, bool], ...]:
    """``(mapping, key, value, the loader accepts, the schema accepts)`` for every key and value."""
    out = []
    for shape, (required, optional) in KEYS.items():
        for key in required + optional:
            for value in SWEEP_VALUES:
                doc = _mutated(_put(shape, key, value))
                out.append((shape, key, value, _loader_problems(doc) is None,
                            VALIDATOR.is_valid(doc)))
    return tuple(out)


@pytest.mark.slow  # loads a policy per key of the schema: ~10 s
def test_schema_agrees_with_loader_at_every_key():
    """Check that the schema accepts what the loader accepts and refuses what it refuses.

    Every disagreement is listed at once; at the keys of :data:`CROSS_FIELD` the loader
    may refuse more.
    """
    disagreements = []
    for shape, key, value, loader, schema in _sweep():
        field = f"{shape}.{key} = {value!r} at {_where(WHERE[shape] + (key,))}"
        if loader and not schema:
            disagreements.append(f"{field}: the loader accepts it, the schema refuses it")
        elif schema and not loader and (shape, key) not in CROSS_FIELD:
            disagreements.append(f"{field}: the schema accepts it, the loader refuses it")
    assert not disagreements, (f"{len(disagreements)} disagreements:\n"
                               + "\n".join(disagreements))


def test_cross_field_exceptions_are_needed():
    """Check that each entry of CROSS_FIELD is a key where the loader does refuse more."""
    keys = {(shape, key) for shape, (required, optional) in KEYS.items()
            for key in required + optional}
    assert set(CROSS_FIELD) <= keys
    needed = {(shape, key) for shape, key, _, loader, schema in _sweep()
              if schema and not loader}
    assert set(CROSS_FIELD) - needed == set(), "these exceptions are stale; remove them"
    assert all(CROSS_FIELD.values())
