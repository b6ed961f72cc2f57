"""What differs between two policies, field by field, in the policy file's own terms."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from ._load import _canonical
from ._spec import Policy

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["policy_changes", "CHANGE_COLUMNS"]

CHANGE_COLUMNS = ("where", "change", "champion", "challenger")
"""Columns of :func:`policy_changes`."""

_ITEM = re.compile(r"^[a-z_]+\[[^\]]+\]")


def _flatten(value: Any, path: str, out: dict[str, Any]) -> None:
    """Leaves of the canonical form by path; lists of items with an ``id`` (rules,
    guardrails) or a ``name`` (signals, actions) are keyed by it, not by position."""
    if isinstance(value, dict):
        if not value and path:
            out[path] = value
        for k, v in value.items():
            _flatten(v, f"{path}.{k}" if path else k, out)
        return
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        key = next((k for k in ("id", "name", "action") if all(k in v for v in value)), None)
        if key is not None:
            for v in value:
                _flatten({k: x for k, x in v.items() if k != key}, f"{path}[{v[key]}]", out)
            if key == "id":  # rule and guardrail order decides: keep it
                out[f"{path}.order"] = [v[key] for v in value]
            return
    out[path] = value


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def policy_changes(champion: Policy, challenger: Policy) -> pd.DataFrame:
    """Every field that differs between two policies: added, removed or changed.

    Rules and guardrails are matched by ``id``, signals and actions by name,
    so moving or inserting one item does not show every later item as
    changed; a change of rule order shows as ``rules.order``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CHANGE_COLUMNS`, one row per field (e.g.
        ``rules[high-risk].when``), sorted by field; values as policy text.

    Examples
    --------
    >>> from trustlab import load_policy
    >>> from trustlab.simulate import with_threshold
    >>> p = load_policy("policies/consumer-credit.yaml")
    >>> policy_changes(p, with_threshold(p, "high-risk", 0.3)).to_dict("records")
    [{'where': 'rules[high-risk].when', 'change': 'changed', 'champion': 'p_default >= 0.35', 'challenger': 'p_default >= 0.3'}]
    """
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    _flatten(_canonical(champion, as_written=True), "", old)
    _flatten(_canonical(challenger, as_written=True), "", new)
    rows = []
    whole = set()  # items (a rule, a guardrail) present on one side only: one row each
    for side, other, change in ((old, new, "removed"), (new, old, "added")):
        items: dict[str, dict[str, Any]] = {}
        for where, v in side.items():
            m = _ITEM.match(where)
            if m:
                items.setdefault(m.group(0), {})[where[len(m.group(0)) + 1:]] = v
        for item, fields in items.items():
            if not any(k.startswith(item + ".") for k in other):
                whole.add(item)
                text = _text(fields)
                rows.append((item, change, text if change == "removed" else None,
                             text if change == "added" else None))
    for where in sorted(old.keys() | new.keys()):
        m = _ITEM.match(where)
        if m and m.group(0) in whole:
            continue
        a, b = old.get(where), new.get(where)
        if a == b:
            continue
        change = "added" if where not in old else "removed" if where not in new else "changed"
        rows.append((where, change, _text(a), _text(b)))
    rows.sort(key=lambda r: r[0])
    import pandas as pd  # the spec itself stands without pandas; only its tables need it

    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
