"""The JSON Schema (draft 2020-12) of the policy format, built from the loader's own rules.

:func:`policy_schema` reads the declarations in :mod:`trustlab.policy._load` (the
keys of every mapping, the allowed values, the defaults, the bounds of every
number, the patterns and the size limits), so a rule added to the loader reaches
the schema without a second copy. This module adds only what a schema needs
beyond the rules: a title and description for each field (editors show them)
and the shape that the loader's code walks (which key holds a list of what).

Its dialect is draft 2020-12, but it keeps to the keywords of draft-07 (which
the YAML language servers of editors implement) except ``minContains`` and
``maxContains``, which such a server skips. The schema is shipped beside this
module as ``policy.schema.json``; regenerate it with::

    python -m trustlab.policy._schema > src/trustlab/policy/policy.schema.json

(Python notes on stderr that the package imported this module before running it;
that is harmless.)

What a schema cannot say (a rule's ``then`` naming a declared action, the
condition language, ...) stays in the loader only; :data:`LOADER_ONLY` lists it
and the schema's top-level ``description`` repeats the list.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from .._format import CURRENCY_PATTERN
from ._condition import MAX_CONDITION_CHARS, MAX_CONDITION_DEPTH, MAX_NUMBER_DIGITS
from ._load import (
    ACTION_NAME_PATTERN,
    CHOICES,
    DEFAULTS,
    FORMAT_VERSION,
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
    WINDOW_UNITS,
)
from ._metric_names import METRIC_DECLARATIONS
from ._template import MAX_TEMPLATE_CHARS, MAX_WIDTH
from .._yaml import MAX_ALIASES, MAX_BYTES, MAX_DEPTH, MAX_DIGITS, MAX_VALUES

__all__ = ["policy_schema", "schema_text", "DIALECT", "LOADER_ONLY", "SCHEMA_FILE"]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
"""The JSON Schema dialect of :func:`policy_schema`."""

SCHEMA_FILE = "policy.schema.json"
"""The name of the shipped schema, beside this module in the installed package."""

LOADER_ONLY = (
    "every action that a rule's `then`, a guardrail's `action`, `overflow` or `then`, the "
    "kill switch's `then`, `outcomes.values` and `outcomes.reviewer.map` name is declared in "
    "`actions`, and `outcomes.values` values every declared action ({good, bad} for an "
    "automated one, {cost} for a human one)",
    "`kill_switch.then` and a drift brake's `then` name a human action or one declared "
    "`safe: true`",
    f"the condition language of `when` (its grammar, {MAX_CONDITION_DEPTH} levels of brackets "
    f"and `not`, {MAX_NUMBER_DIGITS} digits in a number) and rules that can never fire because "
    "earlier rules already decide every record they match",
    f"the template language of `because` (`{{column}}` or `{{column:format_spec}}`, widths "
    f"and precisions up to {MAX_WIDTH:,})",
    "the rule with `otherwise: true` is the last one (the schema checks there is exactly one)",
    "rule ids, signal names and guardrail ids are unique; no signal is named like "
    "`columns.id`, `columns.time` or another signal's `<signal>_model` record column; "
    "`columns.id` and `columns.time` differ",
    "a rate limit's `overflow` differs from its `action`; a drift brake's `warn` does not "
    "exceed its `act`; a check's `at_least` does not exceed its `at_most`; `share.<action>` "
    "names a declared action",
    "numbers are finite, whole numbers are written without a fraction (`2`, not `2.0`), and "
    "an unquoted `version` is refused when YAML reads it as another number than written "
    "(`010` is octal 8)",
    f"the YAML itself: at most {MAX_BYTES:,} bytes, {MAX_VALUES:,} values counted after alias "
    f"expansion, {MAX_ALIASES} aliases, {MAX_DEPTH} levels of nesting and {MAX_DIGITS} digits "
    "in a number; no duplicate keys, tags or merge keys",
)
"""What the loader refuses that a JSON Schema cannot express."""

_TEXT = r"\S"  # non-empty text: the loader strips it and refuses what is left empty

_ABOUT: dict[str, dict[str, str]] = {
    "policy": {
        "trustlab": f"The policy format version; this kit reads version {FORMAT_VERSION}.",
        "name": "The policy's name; with `version` and the content hash, its identity in "
                "every decision record.",
        "version": "The author's version of this policy (quote it: \"1.2.0\"). A change in "
                   "meaning must bump it: a review refuses the same name@version with "
                   "another content hash.",
        "owner": "The single accountable owner, e.g. `Head of Credit Risk <risk@example.com>`.",
        "description": "The policy's intent in plain words; shown on every review.",
        "mode": "How far the policy may act, on the autonomy ladder: advisory (recommends; "
                "people decide), shadow (runs beside the live policy, acts on nothing), "
                "supervised (acts, but irreversible automated actions wait for sign-off), "
                "autonomous.",
        "columns": "The row key and time columns of the data.",
        "signals": "The model outputs the rules may use; each is validated as its `kind` says.",
        "actions": "The decision vocabulary: action name → how it is taken. Names are the "
                   "user's own (letters, digits, '_' and '-').",
        "rules": "Ordered rules: the first whose `when` holds decides. Every rule has a unique "
                 "`id`, one `then` and a `because`; the last is `otherwise: true`.",
        "guardrails": "`rate_limit` and `drift_brake` guardrails, applied after the rules, in "
                      "this order and in time order; they need `columns.time`.",
        "kill_switch": "One switch that stops all automation: when engaged, every automated "
                       "action becomes `then`.",
        "outcomes": "How decisions on history are valued (simulation only).",
        "segments": "Columns to break every metric down by.",
        "checks": "The review's acceptance criteria: a review passes only when all hold.",
        "promotion": "Evidence needed before this policy may take the next mode on the ladder.",
        "fairness": "Protected attributes: never a trained signal's feature, never a reason; "
                    "disparity among their groups is measured and bounded.",
    },
    "columns": {
        "id": "The row key column, copied into decision records.",
        "time": "The time column; needed by guardrails, `outcomes.window`, drift and trends.",
        "time_format": "A strftime pattern for reading the time column, e.g. \"%b-%Y\" for "
                       "Mar-2018. Without it, recognised formats are parsed and the parse is "
                       "stated.",
    },
    "signal": {
        "name": "The column that holds the signal.",
        "kind": "probability (must lie in [0, 1]) or score (any finite number).",
        "model": "The model's identity, e.g. credit-gbm@2026-10; copied into decision records.",
        "higher_means": "What a higher value means: risk or benefit.",
    },
    "action": {
        "automated": "true for an action the system takes; false for a human action "
                     "(a person decides).",
        "favourable": "true when the action gives the subject what they asked for (approve, "
                      "grant, offer).",
        "reversible": "false for an automated action that cannot be undone; in supervised "
                      "mode it waits for sign-off.",
        "queue": "The work queue of a human action.",
        "right_when": "The outcome for which this automated action was the right call: good "
                      "or bad. Default: good for a favourable action, bad for any other "
                      "automated action.",
        "safe": "true lets this automated action be the kill switch's or a drift brake's "
                "`then`; otherwise those must name a human action.",
    },
    "rule": {
        "id": "The rule's id, unique in the policy; decision records cite it.",
        "when": "The condition, e.g. `p_default >= 0.35 and loan_amount > 40000`: comparisons, "
                "in [...], not in [...], is missing, is not missing, and, or, not, brackets. "
                "A column that is not a plain identifier goes in backticks.",
        "otherwise": "true for the last rule, which decides every record no earlier rule did.",
        "then": "The action this rule takes; one declared in `actions`.",
        "escalate": "Who a decision by this rule goes to, e.g. senior-underwriter.",
        "because": "The reason, a template: {column} or {column:format_spec} is filled from "
                   "the record, e.g. \"Risk {p_default:.0%} is high.\" (quote a text that "
                   "starts with {).",
    },
    "rate_limit": {
        "id": "The guardrail's id, unique in the policy.",
        "kind": "rate_limit: cap how many times an action is taken per window of time.",
        "action": "The declared action to cap.",
        "max": "The most times `action` is taken per window.",
        "per": "The window, e.g. 1D.",
        "overflow": "The declared action the capped decisions become instead.",
    },
    "drift_brake": {
        "id": "The guardrail's id, unique in the policy.",
        "kind": "drift_brake: while a window's drift is at or over `act`, automated actions "
                "become `then`.",
        "watch": "The signal or feature columns whose drift is measured.",
        "metric": "The drift measure: psi, ks or js.",
        "reference": "What drift is measured against: {first: OFFSET} (e.g. {first: 90D}), "
                     "{rows: N} or {file: path}.",
        "window": "The window each drift is measured over, e.g. 7D.",
        "warn": "Drift at or over this flags the window.",
        "act": "While a window's drift is at or over this, automated actions become `then`.",
        "then": "A human action, or an automated one declared `safe: true`.",
    },
    "reference": {
        "first": "The first stretch of the data, e.g. 90D.",
        "rows": "The first N rows of the data.",
        "file": "A file of reference data.",
    },
    "kill_switch": {
        "engaged": "true stops all automation now.",
        "then": "What every automated action becomes while engaged: a human action, or an "
                "automated one declared `safe: true`.",
        "because": "The reason given while engaged (a template, as a rule's `because`).",
    },
    "outcomes": {
        "label": "The column with the observed outcome; truthy means the bad outcome happened "
                 "(see `bad_when`).",
        "bad_when": "The label value, or a list of values, that means the bad outcome "
                    "(default: truthy). Quote Yes/No/On/Off, which YAML reads as booleans.",
        "values": "The value of one decision, by action and outcome, in currency units: "
                  "{good: ..., bad: ...} for an automated action, {cost: ...} for a human one.",
        "reviewer": "How a human review resolves on history.",
        "window": "The period for workload metrics (reviews per window), e.g. 1D; needs "
                  "`columns.time`.",
        "unlabelled": "What a row with no observed outcome counts as: exclude, good or bad.",
        "currency": "The three-letter ISO 4217 code of the money in `values` (EUR, USD, GBP); "
                    "without it, money is in value units.",
    },
    "value_automated": {
        "good": "The value of this decision when the outcome is good.",
        "bad": "The value of this decision when the outcome is bad.",
    },
    "value_human": {
        "cost": "What one human review costs; the reviewer then decides.",
    },
    "reviewer": {
        "decision": "The column with the recorded human decision.",
        "map": "How the values of `decision` map to declared actions, e.g. "
               "{approved: approve, declined: decline}.",
        "accuracy": "How often the simulated reviewer makes the right call, from 0 to 1; used "
                    "where no recorded human decision exists.",
    },
    "check": {
        "metric": "The metric the check bounds; share.<action> for a declared action.",
        "at_least": "The lowest passing value (a share is written from 0 to 1).",
        "at_most": "The highest passing value (a share is written from 0 to 1).",
        "by": "A segment column: the check must hold in every segment with at least 30 rows "
              "(favourable_rate_ratio compares the segments; a <rate>_ratio or "
              "<rate>_difference metric compares each group with the reference group and "
              "needs `by`).",
    },
    "promotion": {
        "min_decisions": "The fewest decisions of evidence.",
        "min_alignment": "The lowest agreement with recorded human decisions, from 0 to 1.",
        "max_override_rate": "The highest override rate, from 0 to 1.",
        "max_signal_psi": "The largest drift (PSI) of any signal.",
    },
    "fairness": {
        "protected": "Columns holding protected attributes (an age band, sex); not a signal, "
                     "the row key, the time or the label.",
        "reference": "Protected column → its reference group; without one, a column's groups "
                     "are compared with the group of the highest favourable rate.",
        "min_group": "Groups with fewer rows are reported, marked, and left out of the "
                     "smallest ratio (default 30).",
        "adverse_ratio": "A favourable-rate ratio below this is flagged (default 0.8, the "
                         "four-fifths rule).",
    },
}
"""Mapping → key → what the key means, as editors show it."""

_SECTIONS = {
    "policy": ("trustlab policy", "A trustlab policy: the decision logic on top of model "
                                  "signals."),
    "columns": ("Columns", "The row key and time columns of the data."),
    "signal": ("Signal", "A model output the rules consume."),
    "action": ("Action", "One word of the decision vocabulary."),
    "rule": ("Rule", "An ordered rule: give `when`, or `otherwise: true` for the last rule."),
    "rate_limit": ("Rate limit", "Cap how often `action` is taken per window; the rest become "
                                 "`overflow`."),
    "drift_brake": ("Drift brake", "While a window's drift is at or over `act`, automated "
                                   "actions become `then`."),
    "reference": ("Drift reference", "Exactly one of {first: OFFSET}, {rows: N} or {file: path}."),
    "kill_switch": ("Kill switch", "One switch that turns every automated action into `then`."),
    "outcomes": ("Outcomes", "How decisions on history are valued (simulation only)."),
    "value_automated": ("Value of an automated action", "Its value for each outcome."),
    "value_human": ("Value of a human action", "What one review costs."),
    "reviewer": ("Reviewer", "How a human review resolves on history: give `decision` (with "
                             "`map`), `accuracy`, or both."),
    "check": ("Check", "An acceptance criterion on one metric: give `at_least`, `at_most` or "
                       "both."),
    "promotion": ("Promotion", "Evidence needed before the policy may take the next mode."),
    "fairness": ("Fairness", "Protected attributes and how disparity among their groups is "
                             "judged."),
}
"""Each mapping → (title, description) of its schema."""


# --------------------------------------------------------------------------- values


def _text(required: bool = True) -> dict[str, Any]:
    """Non-empty text; an optional text may be null (the loader reads null as absent)."""
    return {"type": "string" if required else ["string", "null"], "pattern": _TEXT}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional section, which the loader reads as absent when it is null."""
    return {"anyOf": [schema, {"type": "null"}]}


def _ref(shape: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{shape}"}


def _window() -> dict[str, Any]:
    units = "|".join(WINDOW_UNITS)
    return {"type": "string", "pattern": WINDOW_PATTERN,
            "not": {"pattern": rf"^\s*0+\s*({units})\s*$"},  # a count of zero
            "examples": ["1D", "7D", "12h", "1W", "1M", "1Q"]}


def _number(shape: str, key: str) -> dict[str, Any]:
    whole, low, high = NUMBERS[shape, key]
    out: dict[str, Any] = {"type": "integer" if whole else "number"}
    if low is not None:
        out["minimum"] = low
    if high is not None:
        out["maximum"] = high
    return out


def _column_list(limit: int | None = None, at_least: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "array", "items": {"type": "string", "minLength": 1},
                           "uniqueItems": True}
    if at_least:
        out["minItems"] = at_least
    if limit is not None:
        out["maxItems"] = limit
    return out


def _action_name() -> dict[str, Any]:
    return {"type": "string", "pattern": f"^{ACTION_NAME_PATTERN}$"}


def _metric() -> dict[str, Any]:
    names = [name for name, _, _, _ in METRIC_DECLARATIONS]
    return {"type": "string", "anyOf": [{"enum": names},
                                        {"pattern": f"^share\\.{ACTION_NAME_PATTERN}$"}]}


def _bad_when() -> dict[str, Any]:
    one = {"not": {"type": ["object", "array", "null"]}}
    return {"anyOf": [one, {"type": "array", "minItems": 1, "items": one}]}


_VALUES: dict[tuple[str, str], Any] = {
    ("policy", "trustlab"): lambda: {"const": FORMAT_VERSION},
    ("policy", "name"): _text,
    ("policy", "version"): lambda: {"type": ["string", "integer"], "pattern": _TEXT},
    ("policy", "owner"): _text,
    ("policy", "description"): lambda: _text(required=False),
    ("policy", "columns"): lambda: _ref("columns"),
    ("policy", "signals"): lambda: {"type": "array", "items": _ref("signal"), "minItems": 1,
                                    "maxItems": MAX_ITEMS["signals"]},
    ("policy", "actions"): lambda: {
        "type": "object", "minProperties": 1, "maxProperties": MAX_ITEMS["actions"],
        "propertyNames": _action_name(), "additionalProperties": _ref("action")},
    ("policy", "rules"): lambda: {
        "type": "array", "items": _ref("rule"), "minItems": 1, "maxItems": MAX_ITEMS["rules"],
        "contains": {"type": "object", "required": ["otherwise"]},
        "minContains": 1, "maxContains": 1},
    ("policy", "guardrails"): lambda: _nullable({
        "type": "array", "items": _ref("guardrail"), "maxItems": MAX_ITEMS["guardrails"]}),
    ("policy", "kill_switch"): lambda: _nullable(_ref("kill_switch")),
    ("policy", "outcomes"): lambda: _nullable(_ref("outcomes")),
    ("policy", "segments"): lambda: _column_list(MAX_ITEMS["segments"]),
    ("policy", "checks"): lambda: _nullable({
        "type": "array", "items": _ref("check"), "maxItems": MAX_ITEMS["checks"]}),
    ("policy", "promotion"): lambda: _nullable(_ref("promotion")),
    ("policy", "fairness"): lambda: _nullable(_ref("fairness")),
    ("fairness", "protected"): lambda: {**_column_list(at_least=1), "type": "array"},
    ("fairness", "reference"): lambda: _nullable({
        "type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}}),
    ("columns", "id"): lambda: _text(required=False),
    ("columns", "time"): lambda: _text(required=False),
    ("columns", "time_format"): lambda: {"type": ["string", "null"], "pattern": TIME_FORMAT_PATTERN,
                                         "examples": ["%b-%Y", "%Y-%m-%d"]},
    ("signal", "name"): lambda: {**_text(), "not": {"enum": sorted(RESERVED_COLUMNS)}},
    ("signal", "model"): _text,
    ("action", "automated"): lambda: {"type": "boolean"},
    ("action", "favourable"): lambda: {"type": "boolean"},
    ("action", "reversible"): lambda: {"type": "boolean"},
    ("action", "queue"): lambda: _text(required=False),
    ("action", "safe"): lambda: {"type": "boolean"},
    ("rule", "id"): _text,
    ("rule", "when"): lambda: {"type": "string", "pattern": _TEXT,
                               "maxLength": MAX_CONDITION_CHARS},
    ("rule", "otherwise"): lambda: {"const": True},
    ("rule", "then"): _text,
    ("rule", "escalate"): lambda: _text(required=False),
    ("rule", "because"): lambda: {**_text(), "maxLength": MAX_TEMPLATE_CHARS},
    ("rate_limit", "action"): _text,
    ("rate_limit", "per"): _window,
    ("rate_limit", "overflow"): _text,
    ("drift_brake", "watch"): lambda: _column_list(at_least=1),
    ("drift_brake", "reference"): lambda: _ref("reference"),
    ("drift_brake", "window"): _window,
    ("drift_brake", "then"): _text,
    ("reference", "first"): _window,
    ("reference", "file"): _text,
    ("kill_switch", "engaged"): lambda: {"type": "boolean"},
    ("kill_switch", "then"): _text,
    ("kill_switch", "because"): lambda: {**_text(), "maxLength": MAX_TEMPLATE_CHARS},
    ("outcomes", "label"): _text,
    ("outcomes", "bad_when"): _bad_when,
    ("outcomes", "values"): lambda: {
        "type": "object", "minProperties": 1, "propertyNames": _action_name(),
        "additionalProperties": {"anyOf": [_ref("value_automated"), _ref("value_human")]}},
    ("outcomes", "reviewer"): lambda: _nullable(_ref("reviewer")),
    ("outcomes", "window"): _window,
    ("outcomes", "currency"): lambda: {"type": "string", "pattern": CURRENCY_PATTERN.pattern,
                                       "examples": ["EUR", "USD", "GBP"]},
    ("reviewer", "decision"): lambda: _text(required=False),
    ("reviewer", "map"): lambda: {"type": ["object", "null"], "minProperties": 1,
                                  "additionalProperties": _action_name()},
    ("check", "metric"): _metric,
    ("check", "by"): lambda: _text(required=False),
}
"""``(mapping, key)`` → the schema of its value, for keys neither :data:`CHOICES` nor
:data:`NUMBERS` declare (a guardrail's ``id`` and ``kind`` are added per kind)."""


def _value(shape: str, key: str) -> dict[str, Any]:
    """The schema of one key's value, with its title, description and default."""
    if (shape, key) in CHOICES:
        value: dict[str, Any] = {"enum": list(CHOICES[shape, key])}
    elif (shape, key) in NUMBERS:
        value = _number(shape, key)
    elif shape in GUARDRAIL_KINDS and key == "id":
        value = {**_text(), "not": {"enum": list(RESERVED_GUARDRAIL_IDS)}}
    elif shape in GUARDRAIL_KINDS and key == "kind":
        value = {"const": shape}
    else:
        value = _VALUES[shape, key]()  # a KeyError here: a loader key this module lacks
    out = {"title": key.replace("_", " ").capitalize(), "description": _ABOUT[shape][key]}
    if (shape, key) in DEFAULTS:
        out["default"] = DEFAULTS[shape, key]
    return {**out, **value}


# --------------------------------------------------------------------------- mappings


def _mapping(shape: str, keys: tuple[tuple[str, ...], tuple[str, ...]] | None = None,
             **extra: Any) -> dict[str, Any]:
    """A mapping that refuses unknown keys, as the loader's ``_Reader.mapping`` does."""
    required, optional = MAPPING_KEYS[shape] if keys is None else keys
    title, description = _SECTIONS[shape]
    out: dict[str, Any] = {"title": title, "description": description, "type": "object",
                           "properties": {k: _value(shape, k) for k in required + optional},
                           "additionalProperties": False}
    if required:
        out["required"] = list(required)
    return {**out, **extra}


def _required_text(key: str) -> dict[str, Any]:
    """A subschema that holds when ``key`` is present as text."""
    return {"required": [key], "properties": {key: {"type": "string"}}}


def _needs_time_column() -> dict[str, Any]:
    return {"required": ["columns"], "properties": {"columns": _required_text("time")}}


def _defs() -> dict[str, Any]:
    shares = [name for name, kind, _, _ in METRIC_DECLARATIONS if kind == "share"]
    share = {"minimum": 0, "maximum": 1}
    defs: dict[str, Any] = {
        "columns": _mapping("columns", allOf=[
            {"if": _required_text("time_format"), "then": _required_text("time")}]),
        "signal": _mapping("signal"),
        "action": _mapping("action", allOf=[{  # right_when and safe are for automated actions
            "if": {"required": ["automated"], "properties": {"automated": {"const": False}}},
            "then": {"not": {"required": ["right_when"]},
                     "properties": {"safe": {"const": False}}}}]),
        "rule": _mapping("rule", oneOf=[{"required": ["when"]}, {"required": ["otherwise"]}]),
        "guardrail": {
            "title": "Guardrail",
            "description": f"A guardrail; its `kind` ({', '.join(GUARDRAIL_KINDS)}) says "
                           "which keys it has.",
            "type": "object", "required": ["kind"],
            "properties": {"kind": {"title": "Kind", "description": "The kind of guardrail.",
                                    "enum": list(GUARDRAIL_KINDS)}},
            "allOf": [{"if": {"properties": {"kind": {"const": kind}}},
                       "then": _ref(kind)} for kind in GUARDRAIL_KINDS],
        },
        **{kind: _mapping(kind) for kind in GUARDRAIL_KINDS},
        "reference": _mapping("reference", ((), REFERENCE_KEYS), minProperties=1,
                              maxProperties=1),
        "kill_switch": _mapping("kill_switch"),
        "outcomes": _mapping("outcomes"),
        "value_automated": _mapping("value_automated"),
        "value_human": _mapping("value_human"),
        "reviewer": _mapping("reviewer", anyOf=[{"required": ["decision"]},
                                                {"required": ["accuracy"]}],
                             allOf=[{"if": _required_text("decision"),
                                     "then": {"required": ["map"]}}]),
        "check": _mapping("check", anyOf=[{"required": ["at_least"]}, {"required": ["at_most"]}],
                          allOf=[
            {"if": {"required": ["metric"], "properties": {"metric": {"anyOf": [
                {"enum": shares}, {"type": "string", "pattern": r"^share\."}]}}},
             "then": {"properties": {"at_least": share, "at_most": share}}},
            *({"if": {"required": ["metric"], "properties": {"metric": {"const": metric}}},
               "then": _required_text("by")} for metric in METRICS_NEEDING_BY),
        ]),
        "promotion": _mapping("promotion", minProperties=1),
        "fairness": _mapping("fairness"),
    }
    return defs


def policy_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the policy format, built from the loader's rules.

    Point an editor's YAML language server at it (the shipped copy is
    ``trustlab/policy/policy.schema.json``) to have policy files validated and
    completed as they are typed. A file the schema accepts may still be refused
    by :func:`trustlab.load_policy` for what a schema cannot express (listed in
    the schema's ``description``); a file the schema refuses is refused by the
    loader too.

    Returns
    -------
    dict
        A fresh JSON-ready mapping; ``json.dumps`` writes it.

    Examples
    --------
    >>> schema = policy_schema()
    >>> schema["$schema"], schema["required"][:3]
    ('https://json-schema.org/draft/2020-12/schema', ['trustlab', 'name', 'version'])
    >>> schema["properties"]["mode"]["enum"]
    ['advisory', 'shadow', 'supervised', 'autonomous']
    >>> schema["$defs"]["signal"]["additionalProperties"]
    False
    """
    top = _mapping("policy", allOf=[
        {"if": {"required": ["guardrails"],
                "properties": {"guardrails": {"type": "array", "minItems": 1}}},
         "then": _needs_time_column()},
        {"if": {"required": ["outcomes"],
                "properties": {"outcomes": {"type": "object", "required": ["window"]}}},
         "then": _needs_time_column()},
    ])
    title, description = _SECTIONS["policy"]
    loader_only = "; ".join(LOADER_ONLY)
    return {
        "$schema": DIALECT,
        "title": f"{title} (format version {FORMAT_VERSION})",
        "description": f"{description} Generated from the loader's rules by "
                       f"trustlab.policy.policy_schema(). Also checked by the loader: "
                       f"{loader_only}.",
        **{k: v for k, v in top.items() if k not in ("title", "description")},
        "$defs": _defs(),
    }


def schema_text() -> str:
    """:func:`policy_schema` as the text of the shipped ``policy.schema.json``.

    Examples
    --------
    >>> schema_text().endswith("}\\n")
    True
    """
    return json.dumps(policy_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # pragma: no cover - regenerates the shipped file
    sys.stdout.buffer.write(schema_text().encode("utf-8"))
