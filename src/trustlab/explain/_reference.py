"""The threshold each decision was made on, and the reference population across it.

A decision the signal made was made on one comparison of the signal with a
number: the deciding rule's own (``p_churn >= 0.5`` for a retention offer,
``p_default < 0.08`` for an approval, ``0.5 <= p`` written the other way
round). A case that fell through to the catch-all rule (``otherwise``) was
made by the comparisons it did *not* meet: its reasons answer "why not that
rule's action", against the nearest threshold of an earlier rule leading to a
different action. A :class:`Basis` is that comparison, whether the case met
it, and the action the reasons explain. Nothing here assumes that the
favourable side is the low-risk side: the side a rule fires on is read from
its operator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._codes import codes_in, objects_at
from .._errors import DataError, Problem
from ..policy import And, Column, Compare, Literal, Not, Or, columns_of, flip
from ..policy import Policy, Signal

__all__ = ["Basis", "Threshold", "assign_bases", "deciding_thresholds", "reference_rows"]

_HOLDS = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}


@dataclass(frozen=True)
class Threshold:
    """One comparison of a signal with a number, as a rule fires on it.

    Parameters
    ----------
    signal : str
        The signal compared.
    value : float
        The number it is compared with.
    op : {"<", "<=", ">", ">="}
        The comparison with the signal on the left: the rule fires when
        ``signal op value`` holds.
    rule : str, optional
        The rule whose condition holds the comparison.
    action : str, optional
        That rule's action.
    literal_left : bool, default False
        The rule writes the number first (``0.5 <= p``); only how
        :meth:`describe` prints it.

    Examples
    --------
    >>> t = Threshold("p_churn", 0.5, ">=", rule="high-risk-offer", action="offer")
    >>> t.describe(), t.fires_above
    ('p_churn >= 0.5 (rule high-risk-offer)', True)
    >>> Threshold("p", 0.5, ">=", literal_left=True).condition
    '0.5 <= p'
    >>> t.holds(np.array([0.2, 0.5, np.nan])).tolist()
    [False, True, False]
    """

    signal: str
    value: float
    op: str = "<"
    rule: str | None = None
    action: str | None = None
    literal_left: bool = False

    def __post_init__(self) -> None:
        if self.op not in _HOLDS:
            raise DataError("Threshold", [Problem("op", f"must be one of {', '.join(_HOLDS)}; "
                                                        f"got {self.op!r}")])
        object.__setattr__(self, "value", float(self.value))

    @property
    def fires_above(self) -> bool:
        """True when the rule fires on the high side of the value (``>``, ``>=``)."""
        return self.op in (">", ">=")

    @property
    def condition(self) -> str:
        """The comparison as the rule writes it (``p_default < 0.08``, ``0.5 <= p``)."""
        column, number = Column(self.signal).canonical(), Literal(self.value).canonical()
        if self.literal_left:
            return f"{number} {flip(self.op)} {column}"
        return f"{column} {self.op} {number}"

    def describe(self) -> str:
        """The comparison and its rule, e.g. ``p_churn >= 0.5 (rule high-risk-offer)``."""
        by = f" (rule {self.rule})" if self.rule else ""
        return f"{self.condition}{by}"

    def holds(self, score: np.ndarray) -> np.ndarray:
        """Where the comparison holds; never on a missing score."""
        return _HOLDS[self.op](np.asarray(score, dtype=float), self.value)


@dataclass(frozen=True)
class Basis:
    """What a group of decisions is explained against.

    Parameters
    ----------
    threshold : Threshold
        The comparison that decided.
    held : bool
        True when the case met it (its rule fired on it); False when it
        missed it (a catch-all decision: "why not that rule's action").
    rule : str
        The rule that decided the case.
    toward : str
        The action the reasons explain: the deciding rule's action.

    Examples
    --------
    >>> t = Threshold("p_default", 0.08, "<", rule="low-risk", action="approve")
    >>> b = Basis(t, held=False, rule="uncertain", toward="review")
    >>> b.describe(), b.score_up
    ("p_default < 0.08 (rule low-risk) not met; rule 'uncertain' decided", True)
    """

    threshold: Threshold
    held: bool
    rule: str
    toward: str

    @property
    def score_up(self) -> bool:
        """True when what led to the decision is a higher signal (the case is above the value)."""
        return self.threshold.fires_above == self.held

    def describe(self) -> str:
        """The comparison, whether it was met, and the rule that decided when that is another."""
        text = self.threshold.describe()
        if not self.held:
            text += " not met"
        if self.threshold.rule != self.rule:
            text += f"; rule '{self.rule}' decided"
        return text


def signal_of(policy: Policy, signal: Signal | str | None) -> Signal:
    """The policy's signal named ``signal`` (its first when ``None``)."""
    if isinstance(signal, Signal):
        return signal
    if signal is None:
        return policy.signals[0]
    found = next((s for s in policy.signals if s.name == signal), None)
    if found is None:
        raise DataError(f"Policy '{policy.name}@{policy.version}'", [Problem(
            "signal", f"'{signal}' is not a signal of the policy; signals: "
                      f"{', '.join(s.name for s in policy.signals)}")])
    return found


def _comparisons(cond, signal: str, negated: bool = False):
    """``(op, value, literal_left)`` of each comparison of ``signal`` with a number, as it fires."""
    if isinstance(cond, Compare):
        left, op, right, literal_left = cond.left, cond.op, cond.right, False
        if isinstance(left, Literal):
            left, right, op, literal_left = right, left, flip(op), True
        if isinstance(left, Column) and left.name == signal and isinstance(right, Literal) \
                and right.kind == "number" and op in _HOLDS:
            if negated:  # `not (p < t)` fires where p >= t
                yield _NEGATE[op], float(right.value), False
            else:
                yield op, float(right.value), literal_left
    elif isinstance(cond, (And, Or)):
        for item in cond.items:
            yield from _comparisons(item, signal, negated)
    elif isinstance(cond, Not):
        yield from _comparisons(cond.item, signal, not negated)


def deciding_thresholds(policy: Policy, signal: Signal | str | None = None) -> tuple[Threshold, ...]:
    """Every comparison of a signal with a number in the policy's rules, in rule order.

    Each is written as the rule fires on it, whatever the direction of the
    decision: a comparison under ``not`` is turned round.

    Parameters
    ----------
    policy : Policy
    signal : Signal or str, optional
        Default: the policy's first signal.

    Examples
    --------
    >>> import trustlab
    >>> p = trustlab.load_policy("policies/lending-club-risk.yaml")
    >>> [t.describe() for t in deciding_thresholds(p)]
    ['p_default >= 0.2 (rule high-risk)', 'p_default < 0.05 (rule low-risk)']
    """
    sig = signal_of(policy, signal)
    out: dict[Threshold, None] = {}
    for rule in policy.rules:
        if rule.when is None:
            continue
        for op, value, literal_left in _comparisons(rule.when, sig.name):
            out.setdefault(Threshold(sig.name, value, op, rule.id, rule.then, literal_left))
    return tuple(out)


def reference_rows(score: np.ndarray, threshold: Threshold, size: int, holds: bool) -> np.ndarray:
    """Positions of the ``size`` cases nearest the threshold on one side of it.

    ``holds=True`` gives cases on the side the comparison holds (those that
    just met it); ``False`` those that just missed it. Missing scores are
    never chosen. Positions are returned in increasing order.

    Examples
    --------
    >>> t = Threshold("p", 0.3, "<")
    >>> score = np.array([0.1, 0.29, 0.5, 0.31, np.nan, 0.2])
    >>> reference_rows(score, t, 2, holds=True).tolist()
    [1, 5]
    >>> reference_rows(score, t, 2, holds=False).tolist()
    [2, 3]
    """
    score = np.asarray(score, dtype=float)
    met = threshold.holds(score)
    side = met if holds else ~met & ~np.isnan(score)
    idx = np.flatnonzero(side)
    if len(idx) == 0:
        return idx
    dist = np.abs(score[idx] - threshold.value)
    order = np.argsort(dist, kind="stable")[:size]
    return np.sort(idx[order])


def _rule_positions(policy: Policy, rule_ids) -> np.ndarray:
    ids = [r.id for r in policy.rules]
    values = pd.Series(rule_ids)
    pos = codes_in(values, ids)  # each distinct rule id looked up once
    bad = pos < 0
    if bad.any():
        unknown = sorted({str(v) for v in objects_at(values, bad)})[:5]
        raise DataError("reason_codes", [Problem(
            "records.rule", f"holds {', '.join(repr(u) for u in unknown)}, not rules of policy "
                            f"'{policy.name}@{policy.version}' (rules: {', '.join(ids)}); use "
                            f"records = policy.apply(data) with the same policy")])
    return pos


def assign_bases(policy: Policy, signal: Signal, rule_ids, score: np.ndarray,
                 threshold: Threshold | None = None) -> tuple[np.ndarray, tuple[Basis, ...], np.ndarray]:
    """The basis of each decision: which comparison decided it, and towards which action.

    A row decided by a rule that compares the signal is explained by the
    comparison of that rule that holds for it (the nearest to its score
    when several do). A row decided by the catch-all rule is explained by
    the nearest threshold it did not meet among the earlier rules leading
    to another action. With ``threshold`` given, every row the signal
    decided is explained against it, on whichever side it lies.

    Parameters
    ----------
    policy : Policy
    signal : Signal
    rule_ids : array-like
        The deciding rule of each row (``records["rule"]``).
    score : numpy.ndarray
        The signal of each row (NaN where missing).
    threshold : Threshold, optional
        One threshold for all rows instead of each deciding rule's own.

    Returns
    -------
    (numpy.ndarray, tuple of Basis, numpy.ndarray)
        For each row the position of its basis in the tuple (-1 for none),
        the bases, and for each row without one why not (text; "" otherwise).

    Examples
    --------
    >>> import trustlab
    >>> p = trustlab.load_policy("policies/lending-club-risk.yaml")
    >>> idx, bases, why = assign_bases(p, p.signals[0],
    ...     ["high-risk", "low-risk", "uncertain", "uncertain", "heavy-utilisation"],
    ...     np.array([0.223, 0.01, 0.06, 0.19, 0.1]))
    >>> text = [bases[i].describe() if i >= 0 else why[k] for k, i in enumerate(idx)]
    >>> text  # doctest: +NORMALIZE_WHITESPACE
    ['p_default >= 0.2 (rule high-risk)',
     'p_default < 0.05 (rule low-risk)',
     "p_default < 0.05 (rule low-risk) not met; rule 'uncertain' decided",
     "p_default >= 0.2 (rule high-risk) not met; rule 'uncertain' decided",
     "the deciding rule does not read p_default: its reason is the rule's own"]
    """
    score = np.asarray(score, dtype=float)
    n = len(score)
    rules = policy.rules
    pos = _rule_positions(policy, rule_ids)
    has_value = ~np.isnan(score)
    reads = np.array([r.otherwise or signal.name in columns_of(r.when) for r in rules], dtype=bool)
    catch_all = np.array([r.otherwise for r in rules], dtype=bool)
    row_reads = reads[pos] if n else np.zeros(0, dtype=bool)
    row_catch_all = catch_all[pos] if n else np.zeros(0, dtype=bool)
    why = np.full(n, "", dtype=object)

    if threshold is not None:
        candidates: tuple[Threshold, ...] = (threshold,)
        chosen = np.where(has_value & row_reads, 0, -1)
        held = threshold.holds(score)
    else:
        candidates = deciding_thresholds(policy, signal)
        chosen, held = _nearest(policy, candidates, pos, row_catch_all, score)
        if not candidates:
            why[:] = (f"no rule of policy '{policy.name}' compares {signal.name} with a number, so "
                      "there is no threshold to explain the decision against; pass threshold=...")
        else:
            # reasons, by rule, for rows the signal reads but no threshold decided
            fell = np.array([f"the case met every {signal.name} threshold of the rules above the "
                             f"catch-all rule '{r.id}': their other conditions decided, not the "
                             f"model" if r.otherwise else
                             f"rule '{r.id}' fired on its other conditions, not on a threshold of "
                             f"{signal.name}: its reason is the rule's own" for r in rules],
                            dtype=object)
            none = chosen < 0
            why[none] = fell[pos[none]]
    why[~row_reads] = f"the deciding rule does not read {signal.name}: its reason is the rule's own"
    why[~has_value] = f"no {signal.name} value: the decision did not use the model"
    chosen = np.where(has_value & row_reads, chosen, -1)

    # one basis per (threshold, met, deciding rule): few groups, each explained in bulk
    explained = np.flatnonzero(chosen >= 0)
    keys = np.stack([chosen[explained], held[explained].astype(np.int64), pos[explained]], axis=1)
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    bases = tuple(Basis(candidates[c], bool(h), rules[p].id, rules[p].then) for c, h, p in unique)
    index = np.full(n, -1, dtype=np.int64)
    index[explained] = inverse.reshape(-1)
    return index, bases, why


def _nearest(policy: Policy, candidates: tuple[Threshold, ...], pos: np.ndarray,
             row_catch_all: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row, the nearest threshold that decided it (or -1), and whether it was met."""
    n = len(score)
    held = ~row_catch_all
    if not candidates or n == 0:
        return np.full(n, -1, dtype=np.int64), held
    rule_index = {r.id: i for i, r in enumerate(policy.rules)}
    then = np.array([r.then for r in policy.rules], dtype=object)
    t_rule = np.array([rule_index[t.rule] for t in candidates])  # type: ignore[index]
    t_action = np.array([t.action for t in candidates], dtype=object)
    values = np.array([t.value for t in candidates])
    met = np.stack([t.holds(score) for t in candidates])  # (thresholds, rows)
    own = (t_rule[:, None] == pos[None, :]) & met
    # a catch-all case missed the earlier rules' thresholds; those leading to its own
    # action are no answer to "why not that action"
    missed = ((t_rule[:, None] < pos[None, :]) & (t_action[:, None] != then[pos][None, :])
              & ~met & ~np.isnan(score)[None, :])
    usable = np.where(row_catch_all[None, :], missed, own)
    with np.errstate(invalid="ignore"):
        dist = np.where(usable, np.abs(score[None, :] - values[:, None]), np.inf)
    chosen = np.argmin(dist, axis=0)  # ties: the earlier rule
    chosen[~usable.any(axis=0)] = -1
    return chosen.astype(np.int64), held
