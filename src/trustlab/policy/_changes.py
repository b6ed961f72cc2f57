"""A change of policy in words, and the version a change must carry.

:func:`describe_changes` turns :func:`~trustlab.policy.policy_changes` (field by
field) into one sentence per change with its kind; :func:`bump_version` and
:func:`require_version_bump` keep ``name@version`` meaning one content.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from .._errors import PolicyError, Problem
from ._diff import policy_changes
from ._load import rehash
from ._spec import Policy

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["CHANGE_KINDS", "bump_version", "describe_changes", "require_version_bump"]

CHANGE_KINDS = ("identity", "owner", "mode", "rule added", "rule removed", "rules reordered",
                "threshold moved", "condition changed", "rule action changed", "rule changed",
                "guardrail added", "guardrail removed", "guardrail changed", "kill switch",
                "check added", "check removed", "checks", "signals", "actions", "outcomes",
                "promotion", "segments", "columns", "description", "other")
"""What a change can be, in the order :func:`describe_changes` lists them."""

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_ITEM = re.compile(r"^(rules|guardrails)\[([^\]]+)\](?:\.(.*))?$")


def require_version_bump(old: Policy, new: Policy) -> None:
    """Refuse two different policies that claim the same ``name@version``.

    Raises
    ------
    trustlab.PolicyError
        Naming both content hashes: a change must bump ``version``.
    """
    if (old.name, old.version) == (new.name, new.version) and \
            old.content_hash != new.content_hash:
        raise PolicyError(f"Policy '{new.name}@{new.version}'", [Problem(
            "version", f"is the same as the other policy's but the content differs (hashes "
                       f"{old.content_hash[:12]} and {new.content_hash[:12]}); a change must "
                       f"bump `version`, e.g. to a later number than {old.version}")])


def bump_version(policy: Policy, version: str) -> Policy:
    """A copy of ``policy`` with ``version`` (and its content hash recomputed).

    Examples
    --------
    >>> from trustlab import load_policy
    >>> bump_version(load_policy("policies/consumer-credit.yaml"), "1.2.1").version
    '1.2.1'
    """
    if not isinstance(version, str) or not version.strip():
        raise PolicyError(f"Policy '{policy.name}'", [Problem("version", f"must be text such as "
                                                                         f"'1.2.1'; got {version!r}")])
    return rehash(policy, version=version)


def _load(text: str | None):
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _checks(p: Policy) -> set[str]:
    return {c.describe() for c in p.checks}


def _item_words(family: str, fields) -> str:
    if not isinstance(fields, dict):
        return str(fields)
    if family == "rules":
        when = "otherwise" if fields.get("otherwise") else f"when {fields.get('when')}"
        return f"{when} → {fields.get('then')}"
    first = {k: fields[k] for k in ("kind",) if k in fields}
    return ", ".join(f"{k}: {v if not isinstance(v, list) else ', '.join(map(str, v))}"
                     for k, v in {**first, **fields}.items() if v is not None)


def _sentence(text: str) -> str:
    """``text`` (without trailing full stops) ending with one."""
    return text if text.endswith(("!", "?")) else text + "."


def describe_changes(old: Policy, new: Policy) -> pd.DataFrame:
    """Every change from ``old`` to ``new`` as a sentence, with its kind.

    Returns
    -------
    pandas.DataFrame
        ``kind`` (one of :data:`CHANGE_KINDS`), ``where`` (the field) and
        ``change`` (a sentence), in the order of :data:`CHANGE_KINDS`.

    Examples
    --------
    >>> from trustlab import load_policy
    >>> from trustlab.simulate import with_threshold
    >>> p = load_policy("policies/consumer-credit.yaml")
    >>> describe_changes(p, with_threshold(p, "high-risk", 0.3))["change"].tolist()
    ["Rule 'high-risk': threshold moved, p_default >= 0.35 → p_default >= 0.3."]
    """
    rows = []

    def add(kind: str, where: str, text: str) -> None:
        rows.append((kind, where, _sentence(text.rstrip("."))))

    for r in policy_changes(old, new).itertuples():
        where, change = r.where, r.change
        a, b = (v if isinstance(v, str) else None for v in (r.champion, r.challenger))
        m = _ITEM.match(where)
        if m:
            family, item, field = m.groups()
            noun = "Rule" if family == "rules" else "Guardrail"
            if field is None:
                fields = _load(a if change == "removed" else b)
                words = _item_words(family, fields)
                kind = f"{noun.lower()} {'added' if change == 'added' else 'removed'}"
                add(kind, where, f"{noun} '{item}' {change}: {words}.")
            elif family == "rules" and field == "when":
                skeleton = [_NUMBER.sub("#", t or "") for t in (a, b)]
                moved = a is not None and b is not None and skeleton[0] == skeleton[1]
                add("threshold moved" if moved else "condition changed", where,
                    f"Rule '{item}': {'threshold moved' if moved else 'condition changed'}, "
                    f"{a} → {b}.")
            elif family == "rules" and field == "then":
                add("rule action changed", where, f"Rule '{item}' now gives '{_load(b)}' "
                                                  f"instead of '{_load(a)}'.")
            else:
                kind = "rule changed" if family == "rules" else "guardrail changed"
                add(kind, where, f"{noun} '{item}': {field} {a or '(none)'} → {b or '(none)'}.")
            continue
        if where in ("rules.order", "guardrails.order"):
            a_l, b_l = _load(a) or [], _load(b) or []
            common_a = [x for x in a_l if x in b_l]
            common_b = [x for x in b_l if x in a_l]
            if common_a != common_b:
                what = "Rules" if where.startswith("rules") else "Guardrails"
                kind = "rules reordered" if where.startswith("rules") else "guardrail changed"
                add(kind, where, f"{what} reordered: {', '.join(common_a)} → "
                                 f"{', '.join(common_b)} (the first that holds decides).")
            continue
        top = where.split(".")[0].split("[")[0]
        if where in ("rules", "guardrails"):
            continue  # an emptied list: its items are listed as removed
        if top in ("name", "version"):
            add("identity", where, f"{top.capitalize()} {a} → {b}.")
        elif top == "owner":
            add("owner", where, f"Owner changed from {a} to {b}: the accountable person moves.")
        elif top == "mode":
            add("mode", where, f"Mode {_load(a) or 'advisory'} → {_load(b)}.")
        elif top == "checks":
            before, after = _checks(old), _checks(new)
            for c in sorted(after - before):
                add("check added", "checks", f"Check added: {c}.")
            for c in sorted(before - after):
                add("check removed", "checks", f"Check removed: {c}.")
            if before == after:
                add("checks", "checks", "Checks reordered.")
        elif top == "kill_switch":
            add("kill switch", where, f"Kill switch {where.partition('.')[2] or ''}: "
                                      f"{a or '(none)'} → {b or '(none)'}.".replace(" :", ":"))
        elif top in ("signals", "actions", "outcomes", "promotion", "segments", "columns",
                     "description"):
            add(top, where, f"{where}: {a or '(none)'} → {b or '(none)'}.")
        else:
            add("other", where, f"{where}: {a or '(none)'} → {b or '(none)'}.")
    order = {k: i for i, k in enumerate(CHANGE_KINDS)}
    rows.sort(key=lambda r: order[r[0]])
    import pandas as pd  # the spec itself stands without pandas; only its tables need it

    return pd.DataFrame(rows, columns=["kind", "where", "change"])
