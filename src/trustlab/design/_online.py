"""The hybrid's online path: the policy with thresholds set in batch, and a fallback for a missing signal.

In the hybrid design the batch job owns the thresholds (swept, simulated,
reviewed) and the online path only executes them. What the online path loads
is a policy file like any other: the batch policy with each chosen threshold
written into its rule (and into its reason where the reason states the old
line as 8.0%, 8% or 0.08), a first rule that sends a missing signal to a safe
action when the policy has none, and a new version, so every online decision
record names the thresholds it executed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from pathlib import Path

from .._errors import ConfigError, Problem
from ..policy import Policy

__all__ = ["OnlinePolicy", "export_online_policy", "missing_signal_rules"]


@dataclass(frozen=True, eq=False)
class OnlinePolicy:
    """A policy for the online path of a hybrid design.

    Attributes
    ----------
    policy : Policy
        Parsed from :attr:`text`, ready for :meth:`Policy.decide`.
    text : str
        The YAML the online service loads.
    thresholds : dict
        Rule id → the threshold set in batch.
    fallback_rule : str
        The rule that decides when the (first) signal is missing (added here,
        or the policy's own); every other signal gets one too.
    """

    policy: Policy
    text: str
    thresholds: dict
    fallback_rule: str

    def save(self, path: str | os.PathLike) -> Path:
        """Write :attr:`text` to ``path`` (its folder made if missing)."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(self.text, encoding="utf-8")
        return p

    def _repr_html_(self) -> str:
        th = ", ".join(f"{escape(k)} at {v:g}" for k, v in self.thresholds.items())
        return (f"<div><b>Online policy {escape(self.policy.identity)}</b>: thresholds set in "
                f"batch ({th}); a missing signal is decided by rule "
                f"<code>{escape(self.fallback_rule)}</code>.</div>")


def restate(text: str, old: float, new: float) -> str:
    """``text`` with the old threshold, where it states it as ``8.0%``, ``8%`` or ``0.08``,
    stated as the new one in the same form, so a reason never names a line no longer used.

    Examples
    --------
    >>> restate("Risk {p:.1%} is under 8% (not 18%).", 0.08, 0.11)
    'Risk {p:.1%} is under 11% (not 18%).'
    """
    import re

    for fmt in ("{:.1%}", "{:.0%}", "{:g}"):
        was = fmt.format(old)
        pattern = r"(?<![\d.{])" + re.escape(was) + r"(?![\d])"
        if re.search(pattern, text):
            return re.sub(pattern, fmt.format(new).replace("\\", "\\\\"), text)
    return text


def missing_signal_rules(policy: Policy) -> dict[str, str | None]:
    """Each signal → the first rule whose whole condition is ``<signal> is missing`` (or None).

    Examples
    --------
    >>> import trustlab
    >>> missing_signal_rules(trustlab.load_policy("policies/consumer-credit.yaml"))
    {'p_default': 'model-unavailable'}
    """
    out: dict[str, str | None] = {}
    for s in policy.signals:
        out[s.name] = next((r.id for r in policy.rules if r.when is not None
                            and r.when.canonical() == f"{s.name} is missing"), None)
    return out


def export_online_policy(policy: Policy, thresholds: Mapping[str, float], *,
                         fallback: str | None = None, version: str | None = None
                         ) -> OnlinePolicy:
    """The policy the online path of a hybrid runs: batch-set thresholds and a fallback.

    Parameters
    ----------
    policy : Policy
        The policy the batch job sweeps (loaded from a file).
    thresholds : mapping of str to float
        Rule id → threshold chosen in batch (e.g. a sweep's best).
    fallback : str, optional
        The action for a record whose signal is missing, when the policy has
        no rule for it (default: the first non-automated action, a person).
    version : str, optional
        The online policy's version (default: the policy's with ``-online``).

    Returns
    -------
    OnlinePolicy

    Raises
    ------
    trustlab.ConfigError
        For a policy without its source file, an unknown fallback action, or a
        fallback that is automated.
    trustlab.PolicyError
        For a rule whose threshold cannot be set.

    Examples
    --------
    >>> import trustlab
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> online = export_online_policy(p, {"low-risk": 0.1})
    >>> state = trustlab.GuardrailState()  # the online service keeps one for its rate limits
    >>> online.policy.decide({"application_id": "A1", "decision_time": "2025-03-01 10:00",
    ...     "loan_amount": 9000, "debt_to_income": 12, "p_default": 0.09}, state=state).action
    'approve'
    >>> online.policy.decide({"application_id": "A2", "decision_time": "2025-03-01 10:01",
    ...     "loan_amount": 9000, "debt_to_income": 12, "p_default": None}, state=state).rule
    'model-unavailable'
    """
    import yaml

    from ..policy import parse_policy
    from ..simulate import rule_threshold, with_threshold

    where = f"Policy '{policy.name}'"
    if not policy.source or not Path(policy.source).is_file():
        raise ConfigError(where, [Problem("(file)", "has no source file to export from; load "
                                                    "it with trustlab.load_policy")])
    doc = yaml.safe_load(Path(policy.source).read_text(encoding="utf-8"))
    edited = policy
    for rule_id, value in thresholds.items():
        edited = with_threshold(edited, rule_id, float(value))
    by_id = {r.id: r for r in edited.rules}
    for rule in doc["rules"]:
        if rule.get("id") in thresholds:
            rule["when"] = by_id[rule["id"]].when.canonical()
            old = rule_threshold(policy, rule["id"]).value
            rule["because"] = restate(str(rule["because"]), old, float(thresholds[rule["id"]]))
    caught = missing_signal_rules(policy)
    uncaught = [name for name, rule in caught.items() if rule is None]
    if uncaught:
        names = [a.name for a in policy.actions]
        action = fallback or next((a.name for a in policy.actions if not a.automated), None)
        problems = []
        if action not in names:
            problems.append(Problem("fallback", f"must be one of the policy's actions "
                                                f"({', '.join(names)}); got {action!r}"))
        elif next(a for a in policy.actions if a.name == action).automated:
            problems.append(Problem("fallback", f"'{action}' is automated; a missing signal "
                                                "must go to a person or a safe manual action"))
        if problems:
            raise ConfigError(where, problems)
        for k, signal in enumerate(uncaught):
            caught[signal] = "signal-missing-fallback" + (f"-{signal}" if k else "")
        doc["rules"][:0] = [{"id": caught[signal], "when": f"{signal} is missing",
                             "then": action,
                             "because": f"No {signal} arrived in time, so the online path "
                                        f"falls back to '{action}'."} for signal in uncaught]
    doc["version"] = version or f"{policy.version}-online"
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
    online = parse_policy(text)
    return OnlinePolicy(online, text, {k: float(v) for k, v in thresholds.items()},
                        caught[policy.signals[0].name])
