"""Policy YAML → validated, frozen :class:`~trustlab.policy.Policy`.

Every problem in a file is collected and raised together as one
:class:`~trustlab.PolicyError`, each led by its YAML path and line.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import math
import os
import re
from pathlib import Path
from typing import Any, NamedTuple

from .._errors import DataError, PolicyError, Problem
from .._format import CURRENCY_PATTERN
from ._condition import ConditionSyntaxError, parse_condition
from ._metric_names import COMPARING_METRICS, is_metric, metric_kind, supported_metrics_text
from ._reach import unreachable_rules
from ._spec import (
    MODES,
    UNLABELLED_RULES,
    Action,
    ActionValue,
    Check,
    DriftBrake,
    DriftReference,
    KillSwitch,
    Outcomes,
    Policy,
    Fairness,
    Promotion,
    RateLimit,
    Reviewer,
    Rule,
    Signal,
    Window,
)
from ._template import Template, TemplateError, parse_template
from .._yaml import MAX_BYTES, YamlProblem, read_yaml

__all__ = ["load_policy", "parse_policy", "read_window", "FORMAT_VERSION", "RESERVED_COLUMNS",
           "MAPPING_KEYS", "CHOICES", "DEFAULTS", "NUMBERS", "Bounds", "REFERENCE_KEYS",
           "ACTION_NAME_PATTERN", "WINDOW_UNITS", "WINDOW_PATTERN", "TIME_FORMAT_PATTERN",
           "RESERVED_GUARDRAIL_IDS", "METRICS_NEEDING_BY", "MAX_ITEMS", "GUARDRAIL_KINDS"]

FORMAT_VERSION = 1

RESERVED_COLUMNS = frozenset(
    {
        "action", "rule", "rule_action", "guardrail", "reason", "rule_reason", "escalate",
        "automated", "needs_signoff", "policy", "policy_version", "policy_hash", "mode",
    }
)
"""Decision-record columns a signal may not be named after."""

# --------------------------------------------------------------------------- the format's rules
# Declared once, here: the loader below reads them, and so does the JSON Schema of the
# format (``_schema.py``), so the two cannot drift apart.

MAPPING_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "policy": (("trustlab", "name", "version", "owner", "signals", "actions", "rules"),
               ("description", "mode", "columns", "guardrails", "kill_switch", "outcomes",
                "segments", "checks", "promotion", "fairness")),
    "columns": ((), ("id", "time", "time_format")),
    "signal": (("name", "kind", "model", "higher_means"), ()),
    "action": (("automated",), ("favourable", "reversible", "queue", "right_when", "safe")),
    "rule": (("id", "then", "because"), ("when", "otherwise", "escalate")),
    "rate_limit": (("id", "kind", "action", "max", "per", "overflow"), ()),
    "drift_brake": (("id", "kind", "watch", "metric", "reference", "window", "warn", "act",
                     "then"), ()),
    "kill_switch": (("engaged", "then", "because"), ()),
    "outcomes": (("label", "values"), ("bad_when", "reviewer", "window", "unlabelled",
                                       "currency")),
    "value_automated": (("good", "bad"), ()),
    "value_human": (("cost",), ()),
    "reviewer": ((), ("decision", "map", "accuracy")),
    "check": (("metric",), ("at_least", "at_most", "by")),
    "promotion": ((), ("min_decisions", "min_alignment", "max_override_rate", "max_signal_psi")),
    "fairness": (("protected",), ("reference", "min_group", "adverse_ratio")),
}
"""Each mapping of the format → ``(required keys, optional keys)``, in the order messages list
them; any other key is refused. ``value_automated`` and ``value_human`` are the entries of
``outcomes.values`` for an automated and a human action; a guardrail's keys are those of its
``kind``."""

REFERENCE_KEYS = ("first", "rows", "file")
"""A drift brake's ``reference`` is a mapping with exactly one of these keys."""

CHOICES: dict[tuple[str, str], tuple[Any, ...]] = {
    ("policy", "mode"): MODES,
    ("signal", "kind"): ("probability", "score"),
    ("signal", "higher_means"): ("risk", "benefit"),
    ("action", "right_when"): ("good", "bad"),
    ("drift_brake", "metric"): ("psi", "ks", "js"),
    ("outcomes", "unlabelled"): UNLABELLED_RULES,
}
"""``(mapping, key)`` → the values the key may take."""

DEFAULTS: dict[tuple[str, str], Any] = {
    ("policy", "mode"): "advisory",
    ("action", "favourable"): False,
    ("action", "reversible"): True,
    ("action", "safe"): False,
    ("outcomes", "bad_when"): True,
    ("outcomes", "unlabelled"): "exclude",
    ("fairness", "min_group"): 30,
    ("fairness", "adverse_ratio"): 0.8,
}
"""``(mapping, key)`` → the value an optional key takes when it is left out."""


class Bounds(NamedTuple):
    """What a number field accepts: a whole number or any finite number, in ``[low, high]``."""

    whole: bool
    low: float | None = None
    high: float | None = None


NUMBERS: dict[tuple[str, str], Bounds] = {
    ("rate_limit", "max"): Bounds(whole=True, low=0),
    ("drift_brake", "warn"): Bounds(whole=False, low=0),
    ("drift_brake", "act"): Bounds(whole=False, low=0),
    ("reference", "rows"): Bounds(whole=True, low=1),
    ("value_automated", "good"): Bounds(whole=False),
    ("value_automated", "bad"): Bounds(whole=False),
    ("value_human", "cost"): Bounds(whole=False, low=0),
    ("reviewer", "accuracy"): Bounds(whole=False, low=0, high=1),
    ("check", "at_least"): Bounds(whole=False),
    ("check", "at_most"): Bounds(whole=False),
    ("promotion", "min_decisions"): Bounds(whole=True, low=0),
    ("promotion", "min_alignment"): Bounds(whole=False, low=0, high=1),
    ("promotion", "max_override_rate"): Bounds(whole=False, low=0, high=1),
    ("promotion", "max_signal_psi"): Bounds(whole=False, low=0),
    ("fairness", "min_group"): Bounds(whole=True, low=1),
    ("fairness", "adverse_ratio"): Bounds(whole=False, low=0, high=1),
}
"""``(mapping, key)`` → the numbers the key accepts (every number field of the format)."""

ACTION_NAME_PATTERN = r"[A-Za-z_][A-Za-z0-9_\-]*"
"""An action name (the whole name matches)."""
WINDOW_UNITS = ("s", "min", "h", "D", "W", "M", "Q")
"""The units of a time window, as written after its count."""
WINDOW_PATTERN = rf"^\s*(\d*)\s*({'|'.join(WINDOW_UNITS)})\s*$"
"""A time window: an optional count (not zero; 1 when left out) and a unit."""
TIME_FORMAT_PATTERN = r"%[A-Za-z]"
"""``columns.time_format`` holds at least one strftime directive."""
RESERVED_GUARDRAIL_IDS = ("kill_switch",)
"""Guardrail ids taken by the kit (decision records name the kill switch so)."""
METRICS_NEEDING_BY = tuple(dict.fromkeys(("favourable_rate_ratio",) + COMPARING_METRICS))
"""Check metrics that compare segments, so a check on them needs ``by``."""

_WINDOW_RE = re.compile(WINDOW_PATTERN)
_WINDOW_UNITS = "s (seconds), min, h, D (days), W (weeks), M (calendar months), Q (calendar quarters)"

MAX_RULES = 1_000
"""Most rules in a policy (shipped policies have a handful; the engine numbers rules in int16)."""
MAX_ITEMS = {"rules": MAX_RULES, "signals": 100, "actions": 100, "guardrails": 100,
             "segments": 100, "checks": 200}
"""Most entries in each top-level list (or, for ``actions``, mapping) of a policy."""


class _Reader:
    """Collects problems while walking the YAML tree."""

    def __init__(self, lines: dict[str, int]):
        self.lines = lines
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        line = self.lines.get(path)
        if line is None:  # fall back to the nearest enclosing field
            parent = path
            while line is None and parent:
                shorter = re.sub(r"(\.[^.\[\]]*|\[\d+\])$", "", parent)
                parent = "" if shorter == parent else shorter
                line = self.lines.get(parent)
        self.problems.append(Problem(path or "(document)", message, line))

    # -- shapes ------------------------------------------------------------
    def mapping(self, obj: Any, path: str, required: tuple[str, ...], optional: tuple[str, ...]):
        if not isinstance(obj, dict):
            self.add(path, f"must be a mapping with keys {', '.join(required + optional)}; "
                           f"got {_kind(obj)}")
            return None
        allowed = required + optional
        for key in obj:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                self.add(_join(path, key), f"unknown key '{key}'.{hint} Allowed keys: "
                                          f"{', '.join(allowed)}")
        for key in required:
            if key not in obj:
                self.add(_join(path, key), f"is required (missing from {path or 'the policy'})")
        return obj

    def text(self, obj: dict, key: str, path: str, required: bool = True) -> str | None:
        p = _join(path, key)
        if key not in obj or obj[key] is None:
            if required and key in obj:
                self.add(p, "must be non-empty text; got nothing")
            return None
        value = obj[key]
        if not isinstance(value, str) or not value.strip():
            self.add(p, f"must be non-empty text; got {_kind(value)}")
            return None
        return value.strip()

    def boolean(self, obj: dict, key: str, path: str, default: bool | None) -> bool | None:
        p = _join(path, key)
        if key not in obj:
            return default
        value = obj[key]
        if not isinstance(value, bool):
            self.add(p, f"must be true or false; got {_kind(value)}")
            return default
        return value

    def number(self, obj: dict, key: str, path: str, *, low: float | None = None,
               high: float | None = None, required: bool = False) -> float | None:
        p = _join(path, key)
        if key not in obj:
            return None
        value = obj[key]
        rng = _range_text(low, high)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.add(p, f"must be a finite number{rng}; got {_kind(value)}")
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            self.add(p, f"must be a number{rng}; got {value!r}")
            return None
        return float(value)

    def integer(self, obj: dict, key: str, path: str, *, low: int = 0) -> int | None:
        p = _join(path, key)
        if key not in obj:
            return None
        value = obj[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            self.add(p, f"must be a whole number in the range [{low}, inf); got {_kind(value)}")
            return None
        return value

    def measure(self, obj: dict, shape: str, key: str, path: str) -> float | int | None:
        """The number at ``key``, read as :data:`NUMBERS` declares for ``(shape, key)``."""
        whole, low, high = NUMBERS[shape, key]
        if whole:
            return self.integer(obj, key, path, low=0 if low is None else int(low))
        return self.number(obj, key, path, low=low, high=high)

    def choice(self, obj: dict, key: str, path: str, choices: tuple[str, ...],
               default: str | None = None) -> str | None:
        p = _join(path, key)
        if key not in obj:
            return default
        value = obj[key]
        if value not in choices:
            self.add(p, f"must be one of {', '.join(choices)}; got {_kind(value)}")
            return default
        return value

    def window(self, obj: dict, key: str, path: str) -> Window | None:
        p = _join(path, key)
        if key not in obj:
            return None
        return self.parse_window(obj[key], p)

    def parse_window(self, value: Any, path: str) -> Window | None:
        m = _WINDOW_RE.match(value) if isinstance(value, str) else None
        if m is None or (m.group(1) and int(m.group(1)) == 0):
            self.add(path, f"must be a time window such as 1D, 7D, 12h, 1W or 1M (a count and one of "
                           f"{_WINDOW_UNITS}); got {_kind(value)}")
            return None
        count = int(m.group(1) or 1)
        return Window(f"{count}{m.group(2)}", count, m.group(2))  # type: ignore[arg-type]

    def column_list(self, obj: dict, key: str, path: str) -> tuple[str, ...]:
        p = _join(path, key)
        if key not in obj:
            return ()
        value = obj[key]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.add(p, f"must be a list of column names; got {_kind(value)}")
            return ()
        dupes = sorted({v for v in value if value.count(v) > 1})
        if dupes:
            self.add(p, f"lists {', '.join(dupes)} more than once")
        return tuple(dict.fromkeys(value))

    def declared(self, action: str | None, path: str, actions: dict[str, Action]) -> bool:
        if action is None:
            return False
        if action not in actions:
            close = difflib.get_close_matches(action, list(actions), n=1, cutoff=0.6)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            self.add(path, f"action '{action}' is not declared in `actions`.{hint} "
                           f"Declared actions: {', '.join(actions) or '(none)'}")
            return False
        return True


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, (int, float)):
        return f"{value!r} (a number)"
    if isinstance(value, str):
        return f"{value!r} (text)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"{value!r} ({type(value).__name__})"


def _range_text(low, high) -> str:
    if low is None and high is None:
        return ""
    lo = "(-inf" if low is None else f"[{low:g}"
    hi = "inf)" if high is None else f"{high:g}]"
    return f" in the range {lo}, {hi}"


# --------------------------------------------------------------------------- sections


_ABSENT = object()
"""A key not written at all (``mapping`` already reported a required one), unlike ``~``."""


def _parse_signals(r: _Reader, raw: Any) -> tuple[Signal, ...]:
    if not isinstance(raw, list) or not raw:
        if raw is not _ABSENT:
            r.add("signals", f"must be a list of at least one signal; got {_kind(raw)}")
        return ()
    out: list[Signal] = []
    for i, item in enumerate(raw):
        p = f"signals[{i}]"
        if r.mapping(item, p, *MAPPING_KEYS["signal"]) is None:
            continue
        name = r.text(item, "name", p)
        kind = r.choice(item, "kind", p, CHOICES["signal", "kind"])
        model = r.text(item, "model", p)
        higher = r.choice(item, "higher_means", p, CHOICES["signal", "higher_means"])
        if name in RESERVED_COLUMNS:
            r.add(f"{p}.name", f"'{name}' is a decision-record column; rename the signal "
                               f"(reserved: {', '.join(sorted(RESERVED_COLUMNS))})")
        if name is not None and any(s.name == name for s in out):
            r.add(f"{p}.name", f"signal '{name}' is declared twice")
        if None not in (name, kind, model, higher):
            out.append(Signal(name, kind, model, higher))  # type: ignore[arg-type]
    return tuple(out)


def _parse_actions(r: _Reader, raw: Any) -> dict[str, Action]:
    if not isinstance(raw, dict) or not raw:
        if raw is not None:
            r.add("actions", "must be a mapping of action name → {automated: true|false, ...} "
                             f"with at least one action; got {_kind(raw)}")
        return {}
    out: dict[str, Action] = {}
    for name, spec in raw.items():
        p = f"actions.{name}"
        if not isinstance(name, str) or not re.fullmatch(ACTION_NAME_PATTERN, name):
            r.add(p, "an action name must be a word of letters, digits, '_' or '-' "
                     f"starting with a letter; got {_kind(name)}")
            continue
        if r.mapping(spec, p, *MAPPING_KEYS["action"]) is None:
            continue
        automated = r.boolean(spec, "automated", p, None)
        favourable = r.boolean(spec, "favourable", p, DEFAULTS["action", "favourable"])
        reversible = r.boolean(spec, "reversible", p, DEFAULTS["action", "reversible"])
        queue = r.text(spec, "queue", p, required=False)
        right_when = r.choice(spec, "right_when", p, CHOICES["action", "right_when"])
        safe = r.boolean(spec, "safe", p, DEFAULTS["action", "safe"])
        if automated is False and "right_when" in spec:
            r.add(f"{p}.right_when", "is for automated actions; a human action is neither right "
                                     "nor wrong (the reviewer decides)")
        if automated is False and spec.get("safe") is True:
            r.add(f"{p}.safe", "is for automated actions; a human action is always a safe "
                               "fallback")
        if automated is not None:
            # the default meaning (good for favourable, bad otherwise) is stored as None, so a
            # policy that spells the default out has the hash of one that does not
            default = "good" if favourable else "bad"
            out[name] = Action(name, automated, bool(favourable), bool(reversible), queue,
                               None if right_when in (None, default) else right_when,
                               bool(safe) and automated)
    return out


def _parse_rules(r: _Reader, raw: Any, actions: dict[str, Action]) -> tuple[Rule, ...]:
    if not isinstance(raw, list) or not raw:
        if raw is not _ABSENT:
            r.add("rules", f"must be a list of at least one rule; got {_kind(raw)}")
        return ()
    out: list[Rule] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        p = f"rules[{i}]"
        if r.mapping(item, p, *MAPPING_KEYS["rule"]) is None:
            continue
        rid = r.text(item, "id", p)
        if rid is not None:
            if rid in seen:
                r.add(f"{p}.id", f"rule id '{rid}' is already used by rules[{seen[rid]}]; "
                                 "every rule needs its own id")
            seen.setdefault(rid, i)
        then = r.text(item, "then", p)
        r.declared(then, f"{p}.then", actions)
        escalate = r.text(item, "escalate", p, required=False)
        because = _template(r, item, "because", p)
        has_when, has_otherwise = "when" in item, "otherwise" in item
        cond = None
        when_text = None
        if has_when and has_otherwise:
            r.add(p, "give either `when` or `otherwise: true`, not both")
        elif has_otherwise:
            if item["otherwise"] is not True:
                r.add(f"{p}.otherwise", f"must be true; got {_kind(item['otherwise'])}")
        elif has_when:
            when_text = item["when"]
            if not isinstance(when_text, str):
                r.add(f"{p}.when", f"must be a condition in quotes-free text such as "
                                   f"'p_default >= 0.35'; got {_kind(when_text)}")
            else:
                try:
                    cond = parse_condition(when_text)
                except ConditionSyntaxError as exc:
                    r.add(f"{p}.when", f"{str(exc).rstrip('.')} at position "
                                       f"{exc.position + 1} in "
                                       f"'{when_text}'{_caret(when_text, exc.position)}")
        else:
            r.add(p, "needs a `when` condition, or `otherwise: true` for the last rule")
        if rid is not None and then is not None and because is not None and (
            cond is not None or has_otherwise
        ):
            out.append(Rule(rid, cond, then, because, escalate, when_text))
    # structure: exactly one otherwise, last
    for i, item in enumerate(raw):
        if isinstance(item, dict) and "otherwise" in item and i != len(raw) - 1:
            r.add(f"rules[{i}]", "`otherwise: true` must be the last rule; the rules after it "
                                 "could never fire")
    last = raw[-1]
    if not (isinstance(last, dict) and last.get("otherwise") is True):
        r.add(f"rules[{len(raw) - 1}]", "the last rule must be `otherwise: true` so that every "
                                        "record gets a decision")
    if len(out) == len(raw):
        for later, earlier, column in unreachable_rules(out):
            r.add(f"rules[{later}].when", f"rule '{out[later].id}' can never fire: every "
                  f"record it matches on column '{column}' is already decided by "
                  f"{earlier}. Reorder the rules or narrow the earlier condition")
    return tuple(out)


def _caret(text: str, pos: int) -> str:
    if "\n" in text or len(text) > 120:
        return ""
    return f"\n        {text}\n        {' ' * pos}^"


def _template(r: _Reader, obj: dict, key: str, path: str) -> Template | None:
    text = r.text(obj, key, path)
    if text is None:
        return None
    try:
        return parse_template(text)
    except TemplateError as exc:
        r.add(_join(path, key), str(exc))
        return None


def _parse_guardrails(r: _Reader, raw: Any, actions: dict[str, Action],
                      time_column: str | None) -> tuple:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        r.add("guardrails", f"must be a list of guardrails; got {_kind(raw)}")
        return ()
    out: list = []
    ids: set[str] = set()
    for i, item in enumerate(raw):
        p = f"guardrails[{i}]"
        if not isinstance(item, dict):
            r.add(p, f"must be a mapping; got {_kind(item)}")
            continue
        kind = item.get("kind")
        if kind not in GUARDRAIL_KINDS:
            r.add(f"{p}.kind", f"must be one of {', '.join(GUARDRAIL_KINDS)}; got {_kind(kind)}")
            continue
        g = _GUARDRAIL_PARSERS[kind](r, item, p, actions)
        gid = item.get("id")
        if isinstance(gid, str):
            if gid in ids:
                r.add(f"{p}.id", f"guardrail id '{gid}' is used twice")
            if gid in RESERVED_GUARDRAIL_IDS:
                r.add(f"{p}.id", f"'{gid}' is reserved for the kill switch")
            ids.add(gid)
        if time_column is None:
            r.add(p, f"a {kind} works per window of time, so the policy needs "
                     "`columns.time` naming the time column")
        if g is not None:
            out.append(g)
    return tuple(out)


def _parse_rate_limit(r: _Reader, item: dict, p: str, actions: dict[str, Action]):
    if r.mapping(item, p, *MAPPING_KEYS["rate_limit"]) is None:
        return None
    gid = r.text(item, "id", p)
    action = r.text(item, "action", p)
    r.declared(action, f"{p}.action", actions)
    overflow = r.text(item, "overflow", p)
    r.declared(overflow, f"{p}.overflow", actions)
    if action is not None and action == overflow:
        r.add(f"{p}.overflow", f"must differ from `action` ('{action}'): the capped decisions "
                               "need somewhere else to go")
    cap = r.measure(item, "rate_limit", "max", p)
    per = r.window(item, "per", p)
    if None in (gid, action, overflow, cap, per) or action not in actions or overflow not in actions:
        return None
    return RateLimit(gid, action, cap, per, overflow)  # type: ignore[arg-type]


def _parse_drift_brake(r: _Reader, item: dict, p: str, actions: dict[str, Action]):
    if r.mapping(item, p, *MAPPING_KEYS["drift_brake"]) is None:
        return None
    gid = r.text(item, "id", p)
    watch = r.column_list(item, "watch", p)
    if "watch" in item and not watch:
        r.add(f"{p}.watch", "must name at least one column to watch")
    metric = r.choice(item, "metric", p, CHOICES["drift_brake", "metric"])
    window = r.window(item, "window", p)
    warn = r.measure(item, "drift_brake", "warn", p)
    act = r.measure(item, "drift_brake", "act", p)
    if warn is not None and act is not None and warn > act:
        r.add(f"{p}.warn", f"must not exceed `act` ({act:g}); got {warn:g}")
    then = r.text(item, "then", p)
    if r.declared(then, f"{p}.then", actions) and not actions[then].fallback_ok:  # type: ignore[index]
        r.add(f"{p}.then", f"must be a human action (automated: false) or an automated action "
                           f"declared `safe: true`, so that the brake stops risky automation; "
                           f"'{then}' is automated and not declared safe")
    reference = _parse_reference(r, item.get("reference", _ABSENT), f"{p}.reference")
    if None in (gid, metric, window, warn, act, then, reference) or not watch:
        return None
    return DriftBrake(gid, watch, metric, reference, window, warn, act, then)  # type: ignore[arg-type]


def _parse_reference(r: _Reader, raw: Any, p: str) -> DriftReference | None:
    if raw is _ABSENT:
        return None
    if not isinstance(raw, dict) or len(raw) != 1 or next(iter(raw)) not in REFERENCE_KEYS:
        r.add(p, "must be exactly one of {first: OFFSET} (e.g. {first: 90D}), {rows: N} or "
                 f"{{file: path}}; got {_kind(raw)}")
        return None
    (key, value), = raw.items()
    if key == "first":
        w = r.parse_window(value, f"{p}.first")
        return DriftReference(first=w) if w else None
    if key == "rows":
        n = r.measure(raw, "reference", "rows", p)
        return DriftReference(rows=n) if n else None
    f = r.text(raw, "file", p)
    return DriftReference(file=f) if f else None


def _parse_kill_switch(r: _Reader, raw: Any, actions: dict[str, Action]) -> KillSwitch | None:
    if raw is None:
        return None
    p = "kill_switch"
    if r.mapping(raw, p, *MAPPING_KEYS["kill_switch"]) is None:
        return None
    engaged = r.boolean(raw, "engaged", p, None)
    then = r.text(raw, "then", p)
    if r.declared(then, f"{p}.then", actions) and not actions[then].fallback_ok:  # type: ignore[index]
        r.add(f"{p}.then", f"must be a human action (automated: false) or an automated action "
                           f"declared `safe: true` (e.g. `no_offer: {{automated: true, safe: "
                           f"true}}`), so that engaging the switch stops risky automation; "
                           f"'{then}' is automated and not declared safe")
    because = _template(r, raw, "because", p)
    if engaged is None or then is None or because is None:
        return None
    return KillSwitch(engaged, then, because)


def _parse_outcomes(r: _Reader, raw: Any, actions: dict[str, Action]) -> Outcomes | None:
    if raw is None:
        return None
    p = "outcomes"
    if r.mapping(raw, p, *MAPPING_KEYS["outcomes"]) is None:
        return None
    label = r.text(raw, "label", p)
    bad_when = raw.get("bad_when", DEFAULTS["outcomes", "bad_when"])
    if isinstance(bad_when, list):
        if not bad_when or any(isinstance(v, (dict, list)) or v is None for v in bad_when):
            r.add(f"{p}.bad_when", "must be one value or a non-empty list of values (true, 1, "
                                   f"'Charged Off', ...); got {_kind(bad_when)}")
        elif len(bad_when) == 1:
            bad_when = bad_when[0]
        else:
            bad_when = tuple(dict.fromkeys(bad_when))
    elif isinstance(bad_when, dict) or bad_when is None:
        r.add(f"{p}.bad_when", f"must be one value or a list of values (true, 1, 'bad', "
                               f"['Charged Off', 'Default'], ...); got {_kind(bad_when)}")
    values: list[ActionValue] = []
    raw_values = raw.get("values")
    if isinstance(raw_values, dict):
        for name, spec in raw_values.items():
            vp = f"{p}.values.{name}"
            if not r.declared(name, vp, actions):
                continue
            if actions[name].automated:
                if r.mapping(spec, vp, *MAPPING_KEYS["value_automated"]) is None:
                    continue
                good = r.measure(spec, "value_automated", "good", vp)
                bad = r.measure(spec, "value_automated", "bad", vp)
                if good is not None and bad is not None:
                    values.append(ActionValue(name, good=good, bad=bad))
            else:
                if r.mapping(spec, vp, *MAPPING_KEYS["value_human"]) is None:
                    continue
                cost = r.measure(spec, "value_human", "cost", vp)
                if cost is not None:
                    values.append(ActionValue(name, cost=cost))
        for name, act in actions.items():
            if name not in raw_values:
                want = "{good: ..., bad: ...}" if act.automated else "{cost: ...}"
                r.add(f"{p}.values", f"gives no value for action '{name}'; add "
                                     f"`{name}: {want}`")
    elif "values" in raw:
        r.add(f"{p}.values", f"must map each action to its values; got {_kind(raw_values)}")
    reviewer = _parse_reviewer(r, raw.get("reviewer"), f"{p}.reviewer", actions)
    window = r.window(raw, "window", p)
    unlabelled = r.choice(raw, "unlabelled", p, CHOICES["outcomes", "unlabelled"],
                          DEFAULTS["outcomes", "unlabelled"])
    currency = _currency(r, raw, p)
    if label is None:
        return None
    return Outcomes(label, tuple(values), bad_when, "bad_when" in raw, reviewer, window,
                    unlabelled, currency)  # type: ignore[arg-type]


def _currency(r: _Reader, raw: dict, p: str) -> str | None:
    """``outcomes.currency``: the three-letter code of the money in ``values``, or None."""
    if "currency" not in raw:
        return None
    code = raw["currency"]
    if isinstance(code, str) and CURRENCY_PATTERN.match(code):
        return code
    hint = (f" Did you mean '{code.strip().upper()}'?" if isinstance(code, str)
            and CURRENCY_PATTERN.match(code.strip().upper()) else "")
    r.add(f"{p}.currency", f"must be a three-letter currency code in capitals, as in ISO 4217 "
                           f"(EUR, USD, GBP); got {_kind(code)}.{hint} Leave it out to show "
                           f"money as plain numbers in value units")
    return None


def _parse_reviewer(r: _Reader, raw: Any, p: str, actions: dict[str, Action]) -> Reviewer | None:
    if raw is None:
        return None
    if r.mapping(raw, p, *MAPPING_KEYS["reviewer"]) is None:
        return None
    decision = r.text(raw, "decision", p, required=False)
    mapping: list[tuple[str, str]] = []
    raw_map = raw.get("map")
    if raw_map is not None:
        if not isinstance(raw_map, dict) or not raw_map:
            r.add(f"{p}.map", f"must map recorded decision values to actions; got {_kind(raw_map)}")
        else:
            for value, action in raw_map.items():
                if r.declared(action if isinstance(action, str) else str(action),
                              f"{p}.map.{value}", actions):
                    mapping.append((str(value), action))
    if decision is not None and raw_map is None:
        r.add(f"{p}.map", f"is required with `decision`: say which action each value of column "
                          f"'{decision}' means, e.g. {{approved: approve, declined: decline}}")
    accuracy = r.measure(raw, "reviewer", "accuracy", p)
    if decision is None and accuracy is None:
        r.add(p, "needs `decision` (a column of recorded human decisions), `accuracy`, or both")
    return Reviewer(decision, tuple(mapping), accuracy)


def _parse_checks(r: _Reader, raw: Any, actions: tuple[str, ...]) -> tuple[Check, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        r.add("checks", f"must be a list of checks; got {_kind(raw)}")
        return ()
    out: list[Check] = []
    for i, item in enumerate(raw):
        p = f"checks[{i}]"
        if r.mapping(item, p, *MAPPING_KEYS["check"]) is None:
            continue
        metric = r.text(item, "metric", p)
        if metric is not None and not is_metric(metric, actions):
            close = difflib.get_close_matches(metric, supported_metrics_text(actions).split(", "),
                                              n=1, cutoff=0.6)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            r.add(f"{p}.metric", f"unknown metric '{metric}'.{hint} Supported metrics: "
                                 f"{supported_metrics_text(actions)}")
            metric = None
        lo = r.measure(item, "check", "at_least", p)
        hi = r.measure(item, "check", "at_most", p)
        if "at_least" not in item and "at_most" not in item:
            r.add(p, "needs a bound: `at_least`, `at_most`, or both")
        if lo is not None and hi is not None and lo > hi:
            r.add(p, f"`at_least` ({lo:g}) is above `at_most` ({hi:g}): no value could pass")
        if metric is not None and metric_kind(metric) == "share":
            for key, bound in (("at_least", lo), ("at_most", hi)):
                if bound is not None and not 0 <= bound <= 1:
                    hint = f" (did you mean {bound / 100:g}?)" if 1 < bound <= 100 else ""
                    r.add(f"{p}.{key}", f"{metric} is a share, written as a number from 0 to "
                                        f"1{hint}; got {bound:g}")
        by = r.text(item, "by", p, required=False)
        if metric in METRICS_NEEDING_BY and by is None:
            r.add(f"{p}.by", f"{metric} compares segments, so it needs `by: COLUMN`")
        if metric is not None:
            out.append(Check(metric, lo, hi, by))
    return tuple(out)


def _parse_promotion(r: _Reader, raw: Any) -> Promotion | None:
    if raw is None:
        return None
    p = "promotion"
    keys = MAPPING_KEYS["promotion"][1]
    if r.mapping(raw, p, *MAPPING_KEYS["promotion"]) is None:
        return None
    if not raw:
        r.add(p, f"is empty; give at least one of {', '.join(keys)}")
    return Promotion(*(r.measure(raw, "promotion", key, p) for key in keys))


def _parse_fairness(r: _Reader, raw: Any, taken: dict[str, str]) -> Fairness | None:
    """The ``fairness`` section; ``taken`` maps columns the policy already gives a role
    (signals, row key, time, label) to that role, which a protected column may not have."""
    if raw is None:
        return None
    p = "fairness"
    if r.mapping(raw, p, *MAPPING_KEYS["fairness"]) is None:
        return None
    protected = r.column_list(raw, "protected", p)
    if "protected" in raw and not protected:
        r.add(f"{p}.protected", "must list at least one protected column")
    for column in protected:
        if column in taken:
            r.add(f"{p}.protected", f"'{column}' is the policy's {taken[column]}; a protected "
                                    "attribute is never a signal, key, time or label")
    reference: list[tuple[str, object]] = []
    given = raw.get("reference")
    if given is not None and not isinstance(given, dict):
        r.add(f"{p}.reference", f"must map a protected column to its reference group, e.g. "
                                f"{{age_band: \"35-54\"}}; got {_kind(given)}")
    for column, group in (given or {}).items() if isinstance(given, dict) else ():
        if column not in protected:
            r.add(f"{p}.reference.{column}", "names a column not listed in "
                                             f"`fairness.protected` ({', '.join(protected)})")
        elif not isinstance(group, (str, int, float, bool)) or group is None:
            r.add(f"{p}.reference.{column}", f"must be one group value (text or a number); "
                                             f"got {_kind(group)}")
        else:
            reference.append((str(column), group))
    min_group = r.measure(raw, "fairness", "min_group", p)
    ratio = r.measure(raw, "fairness", "adverse_ratio", p)
    return Fairness(protected, tuple(reference),
                    DEFAULTS["fairness", "min_group"] if min_group is None else int(min_group),
                    DEFAULTS["fairness", "adverse_ratio"] if ratio is None else float(ratio))


_GUARDRAIL_PARSERS = {"rate_limit": _parse_rate_limit, "drift_brake": _parse_drift_brake}
GUARDRAIL_KINDS = tuple(_GUARDRAIL_PARSERS)
"""The kinds of guardrail; each kind's keys are ``MAPPING_KEYS[kind]``."""


# --------------------------------------------------------------------------- entry points


def parse_policy(text: str, source: str = "<policy text>") -> Policy:
    """Parse and validate policy YAML text.

    Parameters
    ----------
    text : str
        The YAML document.
    source : str
        How to name the text in error messages (a file path, usually).

    Returns
    -------
    Policy

    Raises
    ------
    trustlab.PolicyError
        Listing every problem found, each with its field path and line.

    Examples
    --------
    >>> policy = parse_policy('''
    ... trustlab: 1
    ... name: tiny
    ... version: "1.0"
    ... owner: Risk team
    ... signals: [{name: p, kind: probability, model: m1, higher_means: risk}]
    ... actions: {approve: {automated: true, favourable: true}, review: {automated: false}}
    ... rules:
    ...   - {id: low, when: p < 0.1, then: approve, because: "Risk {p:.0%} is low."}
    ...   - {id: rest, otherwise: true, then: review, because: A person decides.}
    ... ''')
    >>> policy.decide({"p": 0.05}).reason
    'Risk 5% is low.'
    """
    try:
        doc = read_yaml(text)
    except YamlProblem as exc:
        raise PolicyError(_source_label(source, None), [Problem("(document)", str(exc), exc.line)]) from None
    r = _Reader(doc.lines)
    raw = doc.data
    if not isinstance(raw, dict):
        raise PolicyError(_source_label(source, None), [Problem(
            "(document)", f"a policy must be a YAML mapping with keys trustlab, name, version, "
                          f"owner, signals, actions, rules; got {_kind(raw)}", 1)])
    name_for_errors = raw.get("name") if isinstance(raw.get("name"), str) else None
    too_many = [Problem(key, f"too many {key}: the limit is {limit:,}, found {len(raw[key]):,}; "
                             "a policy is short enough for a person to review", doc.lines.get(key))
                for key, limit in MAX_ITEMS.items()
                if isinstance(raw.get(key), (list, dict)) and len(raw[key]) > limit]
    if too_many:  # refused before the (per-item) checks, which a huge list would make slow
        raise PolicyError(_source_label(source, name_for_errors), too_many)
    r.mapping(raw, "", *MAPPING_KEYS["policy"])
    if "trustlab" in raw and (raw["trustlab"] != FORMAT_VERSION or isinstance(raw["trustlab"], bool)):
        r.add("trustlab", f"this kit reads policy format version {FORMAT_VERSION}; got "
                          f"{_kind(raw['trustlab'])}. Write `trustlab: {FORMAT_VERSION}`")
    name = r.text(raw, "name", "")
    version = _version(r, raw, doc.plain.get("version"))
    owner = r.text(raw, "owner", "")
    description = r.text(raw, "description", "", required=False)
    mode = r.choice(raw, "mode", "", CHOICES["policy", "mode"], DEFAULTS["policy", "mode"])
    id_column = time_column = time_format = None
    if "columns" in raw:
        cols = r.mapping(raw["columns"], "columns", *MAPPING_KEYS["columns"])
        if cols is not None:
            id_column = r.text(cols, "id", "columns", required=False)
            time_column = r.text(cols, "time", "columns", required=False)
            time_format = _time_format(r, cols)
            if time_format is not None and time_column is None:
                r.add("columns.time_format", "reads the time column, so it needs `columns.time`")
            if id_column is not None and id_column == time_column:
                r.add("columns", "`id` and `time` must be different columns")
    signals = _parse_signals(r, raw.get("signals", _ABSENT))
    actions = _parse_actions(r, raw.get("actions"))
    rules = _parse_rules(r, raw.get("rules", _ABSENT), actions)
    guardrails = _parse_guardrails(r, raw.get("guardrails"), actions, time_column)
    kill_switch = _parse_kill_switch(r, raw.get("kill_switch"), actions)
    outcomes = _parse_outcomes(r, raw.get("outcomes"), actions)
    segments = r.column_list(raw, "segments", "")
    checks = _parse_checks(r, raw.get("checks"), tuple(actions))
    promotion = _parse_promotion(r, raw.get("promotion"))
    taken = {s.name: "signal" for s in signals}
    taken.update({c: role for c, role in ((id_column, "row key"), (time_column, "time column"),
                                          (outcomes.label if outcomes else None, "outcome label"))
                  if c})
    fairness = _parse_fairness(r, raw.get("fairness"), taken)
    if outcomes is not None and outcomes.window is not None and time_column is None:
        r.add("outcomes.window", "workload per window needs `columns.time` naming the time column")
    for s in signals:
        if s.name in (id_column, time_column):
            r.add("signals", f"signal '{s.name}' is also declared as a key or time column")
    _record_clashes(r, signals, id_column, time_column)
    if r.problems:
        raise PolicyError(_source_label(source, name_for_errors), r.problems)
    fields: dict[str, Any] = dict(
        name=name, version=version, owner=owner, signals=signals,
        actions=tuple(actions.values()), rules=rules, description=description, mode=mode,
        id_column=id_column, time_column=time_column, time_format=time_format,
        guardrails=guardrails,
        kill_switch=kill_switch, outcomes=outcomes, segments=segments, checks=checks,
        promotion=promotion, fairness=fairness,
        source=None if source == "<policy text>" else source,
    )
    return Policy(content_hash=_hash(fields), **fields)


def _record_clashes(r: _Reader, signals: tuple[Signal, ...], id_column: str | None,
                    time_column: str | None) -> None:
    """Refuse column names that a decision record would write twice.

    A record holds the key and time columns, the columns of
    :data:`RESERVED_COLUMNS`, each signal and ``<signal>_model``; a data column
    named like one of the others would be silently overwritten.
    """
    models = {f"{s.name}_model": s.name for s in signals}
    listed = ", ".join(sorted(RESERVED_COLUMNS)) + ", and <signal>_model for each signal"
    for key, column in (("id", id_column), ("time", time_column)):
        if column is None:
            continue
        if column in RESERVED_COLUMNS:
            clash = "a decision-record column"
        elif column in models:
            clash = f"the record column that holds the model identity of signal '{models[column]}'"
        else:
            continue
        r.add(f"columns.{key}", f"'{column}' is {clash}, so decision records would overwrite "
                                f"this column's values; rename the column in your data or "
                                f"choose another column for `columns.{key}` (record columns: "
                                f"{listed})")
    for i, s in enumerate(signals):
        if s.name in models and models[s.name] != s.name:
            r.add(f"signals[{i}].name", (
                f"'{s.name}' is the record column that holds the model identity of signal "
                f"'{models[s.name]}', so decision records would overwrite one with the other; "
                f"rename the column in your data or choose another signal name (record "
                f"columns: {listed})"))


def _time_format(r: _Reader, cols: dict) -> str | None:
    fmt = r.text(cols, "time_format", "columns", required=False)
    if fmt is None:
        return None
    if not re.search(TIME_FORMAT_PATTERN, fmt):
        r.add("columns.time_format", f"must be a strftime pattern such as \"%b-%Y\" (Mar-2018) or "
                                     f"\"%Y-%m-%d %H:%M\"; got {fmt!r}, which has no %-directive")
        return None
    return fmt


def read_window(value: Any, source: str, where: str) -> Window:
    """A window given as text (``"7D"``, ``"1W"``, ``"12h"``) as a :class:`Window`.

    Raises
    ------
    trustlab.DataError
        Naming ``source`` and ``where`` when ``value`` is not a window.

    Examples
    --------
    >>> read_window("7D", "drift_over_time", "window").seconds
    604800
    """
    if isinstance(value, Window):
        return value
    r = _Reader({})
    w = r.parse_window(value, where)
    if w is None:
        raise DataError(source, r.problems)
    return w


def load_policy(path: str | os.PathLike) -> Policy:
    """Read, parse and validate a policy file.

    Parameters
    ----------
    path : str or path-like
        The policy YAML file.

    Returns
    -------
    Policy

    Raises
    ------
    trustlab.PolicyError
        When the file cannot be read or is not a valid policy; the message
        names the file and lists every problem with its field path and line.
    """
    p = Path(path)
    try:
        with p.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)  # never more: a huge file is refused unread
        if len(data) > MAX_BYTES:
            size = p.stat().st_size  # 0 for a pipe or device, which was read up to the limit
            found = f"{size:,} bytes" if size > MAX_BYTES else f"more than {MAX_BYTES:,} bytes"
            raise PolicyError(f"Policy file '{p}'", [Problem(
                "(file)", f"the file is too large: the limit is {MAX_BYTES:,} bytes, found "
                          f"{found}; a policy is a short list of rules, keep data out of it")])
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise PolicyError(f"Policy file '{p}'", [Problem(
            "(file)", f"does not exist (looked in {p.resolve().parent}); check the path")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"Policy file '{p}'", [Problem("(file)", f"cannot be read: {exc}")]) from None
    return parse_policy(text, source=str(p))


def _source_label(source: str, name: str | None) -> str:
    what = f"Policy file '{source}'" if source != "<policy text>" else "Policy text"
    return f"{what} (policy '{name}')" if name else what


def _version(r: _Reader, raw: dict, written: str | None = None) -> str | None:
    """The policy's version as text; ``written`` is its source text when it was unquoted.

    A number YAML reads differently from how it is written (``010`` is octal 8, ``0x1F``
    is 31, ``1:30`` is sexagesimal 90) is refused with the quoted form as the fix.

    Examples
    --------
    >>> r = _Reader({})
    >>> _version(r, {"version": 3}, "3"), r.problems
    ('3', [])
    >>> _version(r, {"version": 8}, "010"), r.problems[0].message
    (None, 'is written 010 but YAML reads it as the number 8; quote it: version: "010"')
    """
    if "version" not in raw:
        return None
    value = raw["version"]
    if written is not None and not isinstance(value, (bool, float)) and value is not None \
            and written != str(value):
        r.add("version", f"is written {written} but YAML reads it as the number {value!r}; "
                         f"quote it: version: \"{written}\"")
        return None
    if isinstance(value, bool) or value is None:
        r.add("version", f"must be text such as \"1.2.0\"; got {_kind(value)}")
        return None
    if isinstance(value, float):
        r.add("version", f"is read by YAML as the number {value!r}, which loses digits "
                         f"(1.10 becomes 1.1); quote it: version: \"{value}\"")
        return None
    if isinstance(value, int):
        return str(value)
    return r.text(raw, "version", "")


# --------------------------------------------------------------------------- identity


NOT_CONTENT = ("source", "_cache", "content_hash", "when_text")
"""Fields of a parsed policy that are not its content (never hashed, never compared)."""

ADDED_FIELDS = {"right_when": None, "safe": False, "time_format": None, "currency": None,
                "fairness": None}
"""Fields added to the format after version 1 shipped, with their defaults. A field at its
default is left out of the canonical form, so every earlier policy keeps its hash."""


def _canonical(value: Any, *, as_written: bool = False) -> Any:
    """A JSON-ready form of the parsed policy: conditions as text.

    The content hash reads templates and windows as parsed (their fields);
    ``as_written`` gives them as the file writes them (``because`` text,
    ``1D``), for people reading a comparison.
    """
    if as_written and isinstance(value, Template):
        return value.source
    if as_written and isinstance(value, Window):
        return value.text
    if dataclasses.is_dataclass(value):
        if hasattr(value, "canonical") and not isinstance(value, (Template, Window)):
            return value.canonical()
        return {f.name: _canonical(getattr(value, f.name), as_written=as_written)
                for f in dataclasses.fields(value) if f.name not in NOT_CONTENT
                and not _at_added_default(f.name, getattr(value, f.name))}
    if hasattr(value, "canonical"):
        return value.canonical()
    if isinstance(value, (list, tuple)):
        return [_canonical(v, as_written=as_written) for v in value]
    if isinstance(value, dict):
        return {str(k): _canonical(v, as_written=as_written) for k, v in value.items()}
    if isinstance(value, float) and value.is_integer():
        return int(value) if abs(value) < 2**53 else value
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _at_added_default(name: str, value: Any) -> bool:
    return name in ADDED_FIELDS and value == ADDED_FIELDS[name]


def _canonical_text(fields: dict[str, Any]) -> str:
    canonical = {k: _canonical(v) for k, v in fields.items() if k not in NOT_CONTENT
                 and not _at_added_default(k, v)}
    return json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(_canonical_text(fields).encode("utf-8")).hexdigest()


def canonical_json(policy: Policy) -> str:
    """The canonical form the content hash is computed from (sorted-key JSON).

    Examples
    --------
    >>> import hashlib, trustlab
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> hashlib.sha256(canonical_json(p).encode()).hexdigest() == p.content_hash
    True
    """
    return _canonical_text({f.name: getattr(policy, f.name) for f in dataclasses.fields(policy)})


def rehash(policy: Policy, **changes: Any) -> Policy:
    """A copy of ``policy`` with ``changes`` applied and its content hash recomputed."""
    fields = {f.name: getattr(policy, f.name) for f in dataclasses.fields(policy)
              if f.name not in ("content_hash", "_cache")}
    fields.update(changes)
    return Policy(content_hash=_hash(fields), **fields)


def _policy_error(policy: Policy, where: str, message: str) -> PolicyError:
    return PolicyError(_source_label(policy.source or "<policy text>", policy.name),
                       [Problem(where, message)])
