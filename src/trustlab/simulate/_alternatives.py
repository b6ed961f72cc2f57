"""Which rules a threshold search moves, and the search for a less discriminatory alternative
as a review and the fairness notebook run it.

A grid of thresholds moves rules that compare one column with a number
(:func:`threshold_rules`); :func:`threshold_rule` picks the one a question is
about. :func:`search_alternatives` runs :func:`~trustlab.simulate.lda_search`
on the approve and decline rules, setting aside (and naming) a rate limit the
grid cannot keep exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .._errors import ConfigError, PolicyError, Problem
from ..policy import Policy
from ._edit import rule_threshold, without_guardrail
from ._lda import lda_search

__all__ = ["Alternatives", "search_alternatives", "threshold_rule", "threshold_rules"]


def threshold_rules(policy: Policy) -> list:
    """The rules of ``policy`` that compare a column with a number (a grid can move them)."""
    found = []
    for r in policy.rules:
        try:
            rule_threshold(policy, r.id)
        except PolicyError:
            continue
        found.append(r)
    return found


def threshold_rule(policy: Policy, rule: str = "", *, favourable: bool = True,
                   fallback: bool = True) -> str | None:
    """The rule ``rule`` (checked), or the first rule comparing a signal with a number.

    When ``rule`` is empty, the first such rule leading to a favourable action
    is taken (with ``favourable=False``: to an automated action that is not
    favourable, such as a decline); when there is none, the first such rule at
    all, or None with ``fallback=False``.

    Examples
    --------
    >>> import trustlab
    >>> from trustlab._resources import shipped_file
    >>> p = trustlab.load_policy(shipped_file("policies/lending-club-risk.yaml"))
    >>> threshold_rule(p), threshold_rule(p, favourable=False)
    ('low-risk', 'high-risk')
    """
    if rule:
        rule_threshold(policy, rule)  # a PolicyError naming the rules when it has no threshold
        return rule
    found = threshold_rules(policy)
    actions = [policy.action(r.then) for r in found]
    wanted = [r for r, a in zip(found, actions)
              if (a.favourable if favourable else a.automated and not a.favourable)]
    if not fallback:
        return wanted[0].id if wanted else None
    if not found:
        raise ConfigError("Parameters of notebook", [Problem(
            "rule", f"no rule of policy '{policy.name}' compares one signal with a number; "
                    f"name one")])
    return (wanted or found)[0].id


@dataclass(frozen=True)
class Alternatives:
    """What :func:`search_alternatives` found: the ``search`` (None when it could not run),
    the two rules moved, the rate limits set aside and a ``note`` in words."""

    search: object | None
    approve_rule: str | None
    decline_rule: str | None
    set_aside: tuple[str, ...]
    note: str


def search_alternatives(policy: Policy, data: pd.DataFrame, *, approve_rule: str = "",
                        decline_rule: str = "", by: str | None = None,
                        tolerances=(0.01, 0.02, 0.05), seed: int = 0) -> Alternatives:
    """The search for a less discriminatory alternative as a review and notebook 08 run it.

    The rules moved are ``approve_rule`` and ``decline_rule``, or when empty
    the first threshold rule to a favourable action and the first to an
    automated action that is not favourable (else the first other threshold
    rule). A rate limit on an action the grid moves cannot be searched
    exactly: it is set aside (:func:`trustlab.simulate.without_guardrail`) and
    named in ``set_aside`` and the note; an alternative written from the
    search keeps it.
    """
    approve = threshold_rule(policy, approve_rule, fallback=False)
    decline = threshold_rule(policy, decline_rule, favourable=False, fallback=False)
    if decline is None and approve is not None:
        decline = next((r.id for r in threshold_rules(policy) if r.id != approve), None)
    if approve is None or decline is None:
        return Alternatives(None, approve, decline, (), (
            f"policy '{policy.name}' needs two rules comparing a signal with a number, one of "
            "them leading to a favourable action; give approve_rule and decline_rule"))
    searched, set_aside = policy, []
    while True:
        try:
            search = lda_search(searched, data, approve, decline, by=by,
                                tolerances=tolerances, seed=seed)
            break
        except PolicyError as error:
            limits = [searched.guardrails[int(p.where[len("guardrails["):].split("]")[0])]
                      for p in error.problems if p.where.startswith("guardrails[")]
            limits = [g for g in limits if g.kind == "rate_limit"]
            if not limits:
                raise
            set_aside.append(limits[0].id)
            searched = without_guardrail(searched, limits[0].id)
    note = "" if not set_aside else (
        f"The search ran without the rate limit{'s' if len(set_aside) > 1 else ''} "
        f"{', '.join(set_aside)}: a grid of thresholds cannot move a rule whose action a rate "
        "limit caps and stay exact. An alternative written from it keeps "
        f"{'them' if len(set_aside) > 1 else 'it'}.")
    return Alternatives(search, approve, decline, tuple(set_aside), note)
