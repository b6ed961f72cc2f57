"""A plain-text summary of decision records, for the command line."""

from __future__ import annotations

import pandas as pd

from ._format import format_number
from .policy import Policy

__all__ = ["decision_counts", "decision_summary"]


def decision_counts(records: pd.DataFrame) -> pd.DataFrame:
    """Rows per (final action, deciding rule, guardrail), with their share.

    Returns a tidy frame with columns ``action``, ``rule``, ``guardrail``,
    ``rows``, ``share``, sorted by ``rows`` descending.
    """
    keys = ["action", "rule", "guardrail"]
    counts = (records.groupby(keys, observed=True, dropna=False).size()
              .rename("rows").reset_index())
    counts["share"] = counts["rows"] / max(len(records), 1)
    return counts.sort_values(["rows"] + keys, ascending=[False, True, True, True],
                              ignore_index=True)


def decision_summary(policy: Policy, records: pd.DataFrame, source: str = "data") -> str:
    """Policy identity, action mix, rule mix and guardrail activity as text."""
    n = len(records)
    lines = [
        f"Policy   {policy.name}@{policy.version}  sha256 {policy.content_hash[:12]}",
        f"Owner    {policy.owner}",
        f"Mode     {policy.mode}",
        f"Data     {source}: {_count(n)} rows",
        "",
        "Final action        rows     share   automated",
    ]
    by_action = records["action"].value_counts(sort=False)
    for name in policy.action_names:
        k = int(by_action.get(name, 0))
        auto = "yes" if policy.action(name).automated else "no (human)"
        lines.append(f"  {name:<16}{_count(k):>8}  {_share(k, n):>7}   {auto}")
    automation = format_number(records["automated"].mean() if n else float("nan"), "share")
    lines.append(f"  automation rate {automation}")
    lines += ["", "Deciding rule       rows     share"]
    by_rule = records["rule"].value_counts(sort=False)
    for rule in policy.rules:
        k = int(by_rule.get(rule.id, 0))
        lines.append(f"  {rule.id:<16}{_count(k):>8}  {_share(k, n):>7}   -> {rule.then}")
    changed = records["guardrail"].notna()
    lines += ["", f"Guardrails changed {_count(changed.sum())} decisions"]
    if changed.any():
        for g, k in records.loc[changed, "guardrail"].value_counts().items():
            lines.append(f"  {g:<16}{_count(k):>8}")
    if "needs_signoff" in records and records["needs_signoff"].any():
        lines.append(f"Supervised mode: {_count(records['needs_signoff'].sum())} irreversible "
                     "automated decisions wait for sign-off")
    return "\n".join(lines)


def _count(k) -> str:
    return format_number(k, "count")


def _share(k: int, n: int) -> str:
    """``k`` of ``n`` in %; n/a when there are no rows (never a share of nothing)."""
    return format_number(k / n if n else float("nan"), "share")
