"""What each decision is worth on history: outcomes, the reviewer, and the value of every action.

The policy's ``outcomes`` section says what one decision is worth by action and
outcome. This module turns it into a table with one row per case and one
column per action: the value the case would have had under that action. Every
replay, sweep and band grid reads values from this one table, so they agree
with each other exactly.

* An automated action is worth ``good`` or ``bad`` by the case's outcome.
* A human action costs ``cost``, then is worth what the reviewer's decision is
  worth. The reviewer's decision is the recorded human decision where
  ``reviewer.decision`` names a column holding one (mapped through
  ``reviewer.map``); elsewhere it is simulated: right with probability
  ``reviewer.accuracy`` — the first automated action that is the right call
  for the case's outcome (``right_when``: a favourable approval for a good
  outcome, a retention offer for a customer who would churn) — by one seeded
  draw per case,
  so the same case gets the same reviewer whatever the policy.
* A case with no observed outcome follows ``unlabelled``: ``good`` or ``bad``
  treat it as that outcome; ``exclude`` leaves its value missing (NaN) and it
  counts in no value metric.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._codes import Coded, coded_or_code
from .._errors import DataError, Problem
from .._outcome import bad_when_text, coded_bad_indicator, yaml_boolean_hint
from ..policy import Policy

__all__ = ["Outcome", "ReviewerDecisions", "observed_outcome", "reviewer_decisions",
           "action_values", "NO_REVIEWER"]

NO_REVIEWER = -1
"""Code in :attr:`ReviewerDecisions.action` for a case whose outcome is unknown and excluded."""


def _source(policy: Policy) -> str:
    return f"Policy '{policy.name}' outcomes"


@dataclass(frozen=True)
class Outcome:
    """The observed outcome of every case: ``labelled`` and ``bad`` (False where unlabelled)."""

    labelled: np.ndarray
    bad: np.ndarray

    @property
    def unlabelled_share(self) -> float:
        """Share of cases with no observed outcome."""
        return float(1.0 - self.labelled.mean()) if len(self.labelled) else float("nan")


def observed_outcome(policy: Policy, data: pd.DataFrame, *, batch: bool = False,
                     coded: Mapping[str, Coded] | None = None) -> Outcome:
    """Read ``outcomes.label``: which cases have an outcome, and which outcomes were bad.

    Without ``bad_when`` the label is truthy for the bad outcome: true, 1 or
    any non-zero number; text labels need ``bad_when``. The label is coded
    once (``coded`` may hold it coded already: :func:`trustlab._codes.code_columns`).

    Raises
    ------
    trustlab.DataError
        When the policy has no ``outcomes``, the label column is absent, a
        text label has no ``bad_when``, or ``bad_when`` is none of the label's values.

    Examples
    --------
    >>> import trustlab
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> o = observed_outcome(p, pd.DataFrame({"defaulted": pd.array([True, False, None])}))
    >>> o.labelled.tolist(), o.bad.tolist()
    ([True, True, False], [True, False, False])
    """
    out = policy.outcomes
    if out is None:
        raise DataError(f"Policy '{policy.name}'", [Problem(
            "outcomes", "is not declared, so decisions cannot be valued on history; add an "
                        "`outcomes:` section with `label` and `values`")])
    if out.label not in data.columns:
        raise DataError(_source(policy), [Problem(
            "outcomes.label", f"names column '{out.label}', which the data lacks. Columns: "
                              f"{', '.join(map(str, data.columns))}")])
    label = coded_or_code(coded, out.label, data[out.label])
    codes, values = label.codes, label.values
    if not out.bad_when_given:
        if any(isinstance(v, str) for v in values):
            raise DataError(_source(policy), [Problem(
                "outcomes.bad_when", f"label '{out.label}' holds text ({', '.join(map(repr, values[:5]))}); "
                                     f"say which value (or values) is the bad outcome, e.g. "
                                     f"`bad_when: {values[0]!r}` or `bad_when: [{values[0]!r}, ...]`")])
    labelled, bad, matched = coded_bad_indicator(codes, values,
                                                 out.bad_when if out.bad_when_given else True)
    if out.bad_when_given and not matched and labelled.any() and not batch:
        # a batch may hold no bad case
        shown = ", ".join(sorted(map(repr, values))[:10])
        raise DataError(_source(policy), [Problem(
            "outcomes.bad_when", f"{bad_when_text(out.bad_when)} is not a value of label "
                                 f"'{out.label}' (values: {shown}), so no case would count as "
                                 f"bad. {yaml_boolean_hint(out.bad_when, values)}Set `bad_when` "
                                 f"to the value (or list of values) that means the bad outcome")])
    return Outcome(labelled, bad)


@dataclass(frozen=True)
class ReviewerDecisions:
    """What the reviewer decides on every case, were it sent to review.

    ``action`` holds codes into ``actions`` (:data:`NO_REVIEWER` where the case
    cannot be valued); ``recorded`` is True where a recorded human decision
    was used rather than a simulated one.
    """

    actions: tuple[str, ...]
    action: np.ndarray
    recorded: np.ndarray


def _simulated_choices(policy: Policy) -> tuple[str, str]:
    """The reviewer's two choices: the first automated action that is right for a good
    outcome, and the first that is right for a bad one (``right_when``)."""
    automated = [a for a in policy.actions if a.automated]
    good = next((a.name for a in automated if a.right_call == "good"), None)
    bad = next((a.name for a in automated if a.right_call == "bad"), None)
    if good is None or bad is None:
        missing = "good" if good is None else "bad"
        raise DataError(_source(policy), [Problem(
            "outcomes.reviewer.accuracy", "a simulated reviewer chooses the automated action that "
                                          "is the right call for the case's outcome, and no "
                                          f"automated action is the right call when the outcome "
                                          f"is {missing}; declare one with `right_when: "
                                          f"{missing}`, or record human decisions in a column")])
    return good, bad


def case_draws(seed: int, n: int, offset: int = 0) -> np.ndarray:
    """The uniform draws of cases ``offset .. offset + n - 1`` of a history, by seed.

    Equal to ``numpy.random.default_rng(seed).random(offset + n)[offset:]``
    without drawing the first ``offset``: the generator jumps ahead. So a
    history replayed in batches draws exactly what it draws in one piece.

    Examples
    --------
    >>> whole = np.random.default_rng(3).random(10)
    >>> bool((case_draws(3, 4, offset=6) == whole[6:]).all())
    True
    """
    g = np.random.PCG64(seed)
    if offset:
        g.advance(offset)
    return np.random.Generator(g).random(n)


def reviewer_decisions(policy: Policy, data: pd.DataFrame, outcome: Outcome, *, seed: int = 0,
                       accuracy: float | None = None, offset: int = 0,
                       coded: Mapping[str, Coded] | None = None) -> ReviewerDecisions:
    """The reviewer's decision on every case: recorded where known, else simulated by seed.

    Parameters
    ----------
    accuracy : float, optional
        Overrides ``outcomes.reviewer.accuracy`` (a what-if on reviewer skill).
    offset : int, default 0
        Position of ``data``'s first row in the whole history, when ``data``
        is one batch of it: the simulated reviewer then draws what it draws
        for these cases in the whole (see :func:`case_draws`).
    coded : mapping, optional
        Columns already coded by the caller (:func:`trustlab._codes.code_columns`).
    """
    out = policy.outcomes
    assert out is not None
    names = tuple(a.name for a in policy.actions)
    code = {a: i for i, a in enumerate(names)}
    n = len(data)
    action = np.full(n, NO_REVIEWER, dtype=np.int16)
    recorded = np.zeros(n, dtype=bool)
    rev = out.reviewer
    acc = accuracy if accuracy is not None else (rev.accuracy if rev is not None else None)
    source = _source(policy)
    if rev is not None and rev.decision is not None:
        if rev.decision not in data.columns:
            raise DataError(source, [Problem(
                "outcomes.reviewer.decision", f"names column '{rev.decision}', which the data "
                                              f"lacks. Columns: {', '.join(map(str, data.columns))}")])
        decided = coded_or_code(coded, rev.decision, data[rev.decision])
        mapping = dict(rev.map)
        codes = decided.codes
        texts = [str(u) for u in decided.values]
        unknown = [t for t in texts if t not in mapping]
        if unknown:
            raise DataError(source, [Problem(
                "outcomes.reviewer.map", f"does not say which action the values "
                                         f"{', '.join(map(repr, unknown[:5]))} of column "
                                         f"'{rev.decision}' mean; add them to the map")])
        lut = np.array([code[mapping[t]] for t in texts] + [NO_REVIEWER], dtype=np.int16)
        action = lut[codes]
        recorded = codes >= 0
    # a policy without a human action never asks the reviewer: nothing to simulate
    todo = ~recorded if any(not a.automated for a in policy.actions) else np.zeros(n, bool)
    if todo.any():
        if acc is None:
            raise DataError(source, [Problem(
                "outcomes.reviewer", f"{int(todo.sum())} cases have no recorded human decision "
                                     f"and no `accuracy` is given to simulate one; add "
                                     f"`reviewer.accuracy`")])
        good, bad = _simulated_choices(policy)
        u = case_draws(seed, n, offset)  # one draw per case, whatever the policy
        treat_bad = _effective_bad(out.unlabelled, outcome)
        right = u < acc
        says_good = np.where(right, ~treat_bad, treat_bad)
        sim = np.where(says_good, code[good], code[bad]).astype(np.int16)
        valued = outcome.labelled | (out.unlabelled != "exclude")
        action = np.where(todo, np.where(valued, sim, NO_REVIEWER), action).astype(np.int16)
    return ReviewerDecisions(names, action, recorded)


def _effective_bad(unlabelled: str, outcome: Outcome) -> np.ndarray:
    """The outcome used for valuation: observed, or as ``unlabelled`` says for unlabelled cases."""
    if unlabelled == "bad":
        return outcome.bad | ~outcome.labelled
    return outcome.bad  # "good" and "exclude" both read False where unlabelled


def action_values(policy: Policy, data: pd.DataFrame, *, seed: int = 0,
                  reviewer_accuracy: float | None = None) -> pd.DataFrame:
    """The value of every case under every action (NaN where the case cannot be valued).

    Parameters
    ----------
    policy : Policy
        With an ``outcomes`` section.
    data : pandas.DataFrame
        History: the label column and, where declared, the recorded human decisions.
    seed : int, default 0
        Seeds the simulated reviewer.
    reviewer_accuracy : float, optional
        Overrides ``outcomes.reviewer.accuracy``.

    Returns
    -------
    pandas.DataFrame
        Same index as ``data``; one float column per declared action.

    Examples
    --------
    >>> import trustlab
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> df = pd.DataFrame({"defaulted": pd.array([False, True, None]),
    ...                    "underwriter_decision": ["approved", "declined", "declined"]})
    >>> action_values(p, df)
       approve  decline  review
    0    600.0   -100.0   565.0
    1  -5000.0      0.0   -35.0
    2      NaN      NaN     NaN
    """
    outcome = observed_outcome(policy, data)
    return _values_from(policy, data, outcome, reviewer_decisions(
        policy, data, outcome, seed=seed, accuracy=reviewer_accuracy))


def _values_from(policy: Policy, data: pd.DataFrame, outcome: Outcome,
                 reviewer: ReviewerDecisions) -> pd.DataFrame:
    """The value of every case under every action (see :func:`action_values`).

    A case's value depends only on its *state* (its outcome as valued: good,
    bad or not valued) and, for a human action, on the reviewer's decision, so
    each column is one lookup of a small table by state.
    """
    out = policy.outcomes
    assert out is not None
    valued = outcome.labelled | (out.unlabelled != "exclude")
    state = (np.asarray(_effective_bad(out.unlabelled, outcome), dtype=bool).view(np.uint8)
             | (np.asarray(valued, dtype=bool).view(np.uint8) << 1))
    # 0, 1: not valued; 2: good; 3: bad
    by_name = {a.name: a for a in policy.actions}
    # row 0: no reviewer decision; row i + 1: the reviewer's action i
    by_state = np.full((len(reviewer.actions) + 1, 4), np.nan)
    for i, name in enumerate(reviewer.actions):
        if by_name[name].automated:
            v = out.value_of(name)
            by_state[i + 1, 2:] = (v.good, v.bad)
    row = {name: i + 1 for i, name in enumerate(reviewer.actions)}
    columns: dict[str, np.ndarray] = {}
    after_review = None
    for a in policy.actions:
        if a.automated:
            columns[a.name] = by_state[row[a.name]][state]
            continue
        if after_review is None:  # value of the reviewer's decision, per case
            at = reviewer.action.astype(np.intp)
            at += 1
            at <<= 2
            at |= state
            after_review = by_state.ravel()[at]
        columns[a.name] = after_review - (out.value_of(a.name).cost or 0.0)
    return pd.DataFrame(columns, index=data.index)
