"""What a policy declares: frozen dataclasses parsed from the policy YAML.

This module holds data only. Parsing and validation live in ``_load``; the
vectorised evaluation lives in :mod:`trustlab.engine`. Nothing here imports
pandas.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .._time import Window
from ._condition import And, Column, Compare, Condition, In, Not, Or
from ._condition import Literal as ConditionLiteral
from ._template import Template

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "MODES",
    "Signal",
    "Action",
    "Rule",
    "RateLimit",
    "DriftBrake",
    "Guardrail",
    "KillSwitch",
    "ActionValue",
    "Reviewer",
    "Outcomes",
    "Check",
    "Promotion",
    "Policy",
    "register_engine",
    "text_columns_of",
]

_ENGINE: dict[str, Callable[..., Any]] = {}


def register_engine(*, apply: Callable[..., Any], decide: Callable[..., Any]) -> None:
    """Make ``apply`` and ``decide`` what :meth:`Policy.apply` and :meth:`Policy.decide` call.

    The spec knows no engine: :mod:`trustlab.engine` registers its bulk and
    online deciders here when it is imported (importing :mod:`trustlab` does),
    as pandera's schemas find their backend. A second registration replaces
    the first.
    """
    _ENGINE["apply"], _ENGINE["decide"] = apply, decide


def _engine(name: str) -> Callable[..., Any]:
    try:
        return _ENGINE[name]
    except KeyError:
        raise RuntimeError("no decision engine is registered: import trustlab.engine "
                           "(importing trustlab does) before Policy.apply/decide") from None

MODES = ("advisory", "shadow", "supervised", "autonomous")
"""The autonomy ladder, lowest first."""

Mode = Literal["advisory", "shadow", "supervised", "autonomous"]


@dataclass(frozen=True)
class Signal:
    """A model output the rules consume."""

    name: str
    kind: Literal["probability", "score"]
    model: str
    higher_means: Literal["risk", "benefit"]


@dataclass(frozen=True)
class Action:
    """One word of the decision vocabulary."""

    name: str
    automated: bool
    favourable: bool = False
    reversible: bool = True
    queue: str | None = None
    right_when: Literal["good", "bad"] | None = None
    safe: bool = False

    @property
    def right_call(self) -> Literal["good", "bad"] | None:
        """The outcome for which this automated action was the right call (``None`` for a human action).

        ``right_when`` where the policy declares it; otherwise ``good`` for a
        favourable action and ``bad`` for any other automated action.

        Examples
        --------
        >>> Action("approve", True, favourable=True).right_call
        'good'
        >>> Action("offer", True, favourable=True, right_when="bad").right_call
        'bad'
        >>> Action("review", False).right_call is None
        True
        """
        if not self.automated:
            return None
        if self.right_when is not None:
            return self.right_when
        return "good" if self.favourable else "bad"

    @property
    def fallback_ok(self) -> bool:
        """May this action stand in when automation stops (kill switch, drift brake)?"""
        return not self.automated or self.safe


@dataclass(frozen=True)
class Rule:
    """An ordered rule: the first whose ``when`` holds decides.

    ``when`` is ``None`` for the final ``otherwise`` rule.
    """

    id: str
    when: Condition | None
    then: str
    because: Template
    escalate: str | None = None
    when_text: str | None = None

    @property
    def otherwise(self) -> bool:
        """True for the catch-all rule."""
        return self.when is None


@dataclass(frozen=True)
class RateLimit:
    """Cap how often ``action`` is taken per ``per`` window; the rest become ``overflow``."""

    id: str
    action: str
    max: int
    per: Window
    overflow: str
    kind: Literal["rate_limit"] = "rate_limit"


@dataclass(frozen=True)
class DriftReference:
    """Where the drift brake's reference comes from: exactly one field is set."""

    first: Window | None = None
    rows: int | None = None
    file: str | None = None


@dataclass(frozen=True)
class DriftBrake:
    """While a window's drift is at or over ``act``, automated actions become ``then``."""

    id: str
    watch: tuple[str, ...]
    metric: Literal["psi", "ks", "js"]
    reference: DriftReference
    window: Window
    warn: float
    act: float
    then: str
    kind: Literal["drift_brake"] = "drift_brake"


Guardrail = RateLimit | DriftBrake


@dataclass(frozen=True)
class KillSwitch:
    """One switch that turns every automated action into ``then``."""

    engaged: bool
    then: str
    because: Template


@dataclass(frozen=True)
class ActionValue:
    """The value of one decision with this action: ``good``/``bad`` outcomes, or a review ``cost``."""

    action: str
    good: float | None = None
    bad: float | None = None
    cost: float | None = None


@dataclass(frozen=True)
class Reviewer:
    """How a human review resolves on history."""

    decision: str | None = None
    map: tuple[tuple[str, str], ...] = ()
    accuracy: float | None = None


UNLABELLED_RULES = ("exclude", "good", "bad")
"""The values ``outcomes.unlabelled`` may take."""


@dataclass(frozen=True)
class Outcomes:
    """How decisions on history are valued (simulation only)."""

    label: str
    values: tuple[ActionValue, ...]
    bad_when: Any = True  # one value, or a tuple of values that all mean "bad"
    bad_when_given: bool = False
    reviewer: Reviewer | None = None
    window: Window | None = None
    unlabelled: Literal["exclude", "good", "bad"] = "exclude"
    currency: str | None = None  # ISO-4217-like code of outcomes.values (EUR); None: value units

    def value_of(self, action: str) -> ActionValue:
        """The :class:`ActionValue` declared for ``action``."""
        for v in self.values:
            if v.action == action:
                return v
        raise KeyError(action)


@dataclass(frozen=True)
class Check:
    """An acceptance criterion on one metric."""

    metric: str
    at_least: float | None = None
    at_most: float | None = None
    by: str | None = None

    def describe(self) -> str:
        """The check in words, e.g. ``automation_rate >= 0.55 by grade``."""
        bounds = []
        if self.at_least is not None:
            bounds.append(f">= {self.at_least:g}")
        if self.at_most is not None:
            bounds.append(f"<= {self.at_most:g}")
        by = f" by {self.by}" if self.by else ""
        return f"{self.metric} {' and '.join(bounds)}{by}"


@dataclass(frozen=True)
class Promotion:
    """Evidence needed before the policy may take the next mode."""

    min_decisions: int | None = None
    min_alignment: float | None = None
    max_override_rate: float | None = None
    max_signal_psi: float | None = None


@dataclass(frozen=True)
class Fairness:
    """Protected attributes and how disparity among their groups is judged.

    Attributes
    ----------
    protected : tuple of str
        Columns holding protected attributes (an age band, sex, a race
        attribute). Never a trained signal's feature, never a reason code.
    reference : tuple of (str, object)
        ``(column, group)`` pairs: the group each protected column's groups
        are compared with. A column without one is compared with its group of
        the highest favourable rate.
    min_group : int
        Groups with fewer rows are reported, marked, and left out of the
        smallest ratio.
    adverse_ratio : float
        A favourable-rate ratio below this is flagged (the four-fifths rule
        by default).
    """

    protected: tuple[str, ...]
    reference: tuple[tuple[str, object], ...] = ()
    min_group: int = 30
    adverse_ratio: float = 0.8

    def reference_of(self, column: str) -> object | None:
        """The reference group of ``column``, or None (the most favoured group)."""
        return dict(self.reference).get(column)


@dataclass(frozen=True)
class Policy:
    """A validated policy: signals in, actions out, with reasons.

    Load one with :func:`trustlab.load_policy` (or :func:`trustlab.parse_policy`
    for text); the constructor does not validate.
    """

    name: str
    version: str
    owner: str
    signals: tuple[Signal, ...]
    actions: tuple[Action, ...]
    rules: tuple[Rule, ...]
    content_hash: str
    description: str | None = None
    mode: Mode = "advisory"
    id_column: str | None = None
    time_column: str | None = None
    time_format: str | None = None
    guardrails: tuple[Guardrail, ...] = ()
    kill_switch: KillSwitch | None = None
    outcomes: Outcomes | None = None
    segments: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()
    promotion: Promotion | None = None
    fairness: Fairness | None = None
    source: str | None = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False, hash=False)

    # ------------------------------------------------------------------ identity
    @property
    def identity(self) -> str:
        """``name@version#hash12``: what decision records cite."""
        return f"{self.name}@{self.version}#{self.content_hash[:12]}"

    def action(self, name: str) -> Action:
        """The declared :class:`Action` called ``name``."""
        for a in self.actions:
            if a.name == name:
                return a
        raise KeyError(name)

    @property
    def action_names(self) -> tuple[str, ...]:
        """Declared action names, in declaration order."""
        return tuple(a.name for a in self.actions)

    def right_call_of(self, name: str) -> Literal["good", "bad"] | None:
        """The outcome that makes action ``name`` the right call; see :attr:`Action.right_call`."""
        return self.action(name).right_call

    # ------------------------------------------------------------------ evaluation
    def apply(self, data: pd.DataFrame, state: Any = None,
              brakes: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Decide every row of ``data``; see :func:`trustlab.engine.apply_policy`.

        ``state`` is a :class:`trustlab.engine.GuardrailState` or None.
        """
        return _engine("apply")(self, data, state=state, brakes=brakes)

    def decide(self, record: Mapping[str, Any], state: Any = None) -> Any:
        """Decide one record (a :class:`trustlab.engine.Decision`); see :func:`~trustlab.engine.decide`.

        ``state`` is a :class:`trustlab.engine.GuardrailState` or None.
        """
        return _engine("decide")(self, record, state=state)

    @property
    def text_columns(self) -> tuple[str, ...]:
        """The columns this policy reads as text; see :func:`text_columns_of`."""
        return text_columns_of(self)

    def with_kill_switch(self, engaged: bool = True) -> Policy:
        """A copy of this policy with its kill switch engaged (or released).

        The copy keeps the same ``name@version`` but gets the content hash of
        the changed policy, so records made with it can be told apart.
        """
        from ._load import rehash

        if self.kill_switch is None:
            from ._load import _policy_error

            raise _policy_error(self, "kill_switch", "the policy declares no kill switch")
        ks = KillSwitch(engaged, self.kill_switch.then, self.kill_switch.because)
        return rehash(self, kill_switch=ks)

    def __repr__(self) -> str:
        return (
            f"Policy({self.name!r}, version={self.version!r}, owner={self.owner!r}, "
            f"mode={self.mode!r}, rules={len(self.rules)}, hash={self.content_hash[:12]!r})"
        )

    def _repr_html_(self) -> str:
        from ._describe import policy_html

        return policy_html(self)


def text_columns_of(policy: Policy) -> tuple[str, ...]:
    """The columns ``policy`` reads as text: its row key, every column a rule compares
    with text, the outcome label when ``bad_when`` is text and the recorded reviewer
    decisions.

    Examples
    --------
    >>> import trustlab
    >>> policy = trustlab.parse_policy('''
    ... trustlab: 1
    ... name: tiny
    ... version: "1"
    ... owner: Risk team
    ... columns: {id: key}
    ... signals: [{name: p, kind: probability, model: m1, higher_means: risk}]
    ... actions: {approve: {automated: true, favourable: true}, review: {automated: false}}
    ... rules:
    ...   - id: low
    ...     when: p < 0.1 and zip in ["007", "010"]
    ...     then: approve
    ...     because: Low.
    ...   - {id: rest, otherwise: true, then: review, because: A person decides.}
    ... ''')
    >>> policy.text_columns
    ('key', 'zip')
    """
    seen: dict[str, None] = {}
    if policy.id_column:
        seen.setdefault(policy.id_column)

    def walk(node) -> None:
        if isinstance(node, Compare):
            sides = (node.left, node.right)
            if any(isinstance(s, ConditionLiteral) and s.kind == "text" for s in sides):
                for s in sides:
                    if isinstance(s, Column):
                        seen.setdefault(s.name)
        elif isinstance(node, In):
            if any(v.kind == "text" for v in node.values):
                seen.setdefault(node.column.name)
        elif isinstance(node, (And, Or)):
            for item in node.items:
                walk(item)
        elif isinstance(node, Not):
            walk(node.item)

    for rule in policy.rules:
        if rule.when is not None:
            walk(rule.when)
    out = policy.outcomes
    if out is not None:
        bad = out.bad_when if isinstance(out.bad_when, tuple) else (out.bad_when,)
        if out.bad_when_given and any(isinstance(v, str) for v in bad):
            seen.setdefault(out.label)
        if out.reviewer is not None and out.reviewer.decision is not None:
            seen.setdefault(out.reviewer.decision)
    return tuple(seen)
