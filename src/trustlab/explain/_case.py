"""One case explained for a person: decision, rule trace, signal and reasons."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import pandas as pd

from .._codes import code
from .._format import format_number
from .._plotting import Display
from .._result import Result, plain, records
from .._validate import SEED, Integral, Interval, validate_params
from ..engine import plan_for
from ..policy import Policy
from ._codes import ReasonCodes
from ._reference import deciding_thresholds

__all__ = ["CaseDisplay", "CaseExplanation", "explain_case", "pick_cases", "rule_trace"]

_OUTCOME_WORDS = {True: "fired", False: "did not hold", None: "unknown (a value is missing)"}


def rule_trace(policy: Policy, record) -> list[tuple[str, str, str]]:
    """``(rule id, condition, outcome)`` for each rule checked, up to the one that fired.

    Examples
    --------
    >>> import trustlab
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> rule_trace(p, {"p_default": 0.5, "loan_amount": 1000, "debt_to_income": 10})[1:3]
    [('exposure-cap', 'loan_amount > 40000', 'did not hold'), ('high-risk', 'p_default >= 0.35', 'fired')]
    """
    plan = plan_for(policy)
    get = record.get
    out = []
    for rule, test in zip(policy.rules, plan.scalar_tests):
        if test is None:
            out.append((rule.id, "otherwise", "fired"))
            break
        result = test(get)
        out.append((rule.id, rule.when.canonical(), _OUTCOME_WORDS[result]))  # type: ignore[union-attr]
        if result is True:
            break
    return out


class CaseDisplay(Display):
    """One case's principal reasons as bars of their contribution; holds them, draws again.

    Attributes
    ----------
    data : pandas.DataFrame
        :attr:`CaseExplanation.frame`: ``rank``, ``phrase``, ``contribution``.
    title : str
    ax_, figure_ : matplotlib Axes and Figure
    """

    def __init__(self, reasons: pd.DataFrame, title: str):
        self.data = reasons
        self.title = title

    def _draw(self, ax):
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(8, 1.4 + 0.4 * max(len(self.data), 1))) \
            if ax is None else (ax.figure, ax)
        d = self.data.iloc[::-1]
        if d.empty:
            ax.text(0.5, 0.5, "No model reasons for this decision.", ha="center", va="center",
                    transform=ax.transAxes, color="#555555")
            ax.set_xticks([])
            ax.set_yticks([])
        else:
            colours = ["#c8553d" if c > 0 else "#4c72b0" for c in d["contribution"]]
            ax.barh(d["phrase"].astype(str), d["contribution"], color=colours)
            ax.axvline(0, color="black", linewidth=0.8)
            ax.set_xlabel("Contribution (log-odds of the bad outcome)")
        ax.set_title(self.title, loc="left", fontsize=10)
        fig.tight_layout()
        return ax


@dataclass(frozen=True)
class CaseExplanation(Result):
    """Everything a reviewer, a customer letter or a regulator needs about one decision."""

    key: object
    action: str
    rule: str
    reason: str
    guardrail: str | None
    trace: tuple[tuple[str, str, str], ...]
    signal: str
    signal_value: float | None
    threshold: str
    reasons: tuple[tuple[str, float], ...]  # (phrase, contribution in log-odds)
    method: str
    no_reasons_why: str = ""  # why the model gives no reasons, when it gives none
    toward: str = ""  # the action the reasons explain
    instead_of: str = ""  # for a catch-all case, the action of the threshold it missed
    signal_kind: str = "probability"  # the signal's kind: a probability reads in %

    @property
    def _value_text(self) -> str:
        if self.signal_value is None:
            return "missing"
        kind = "share" if self.signal_kind == "probability" else "number"
        return format_number(self.signal_value, kind)

    @property
    def _towards(self) -> str:
        if not self.toward:
            return ""
        text = f"towards {self.toward}"
        if self.instead_of:
            text += f" rather than {self.instead_of}"
        if self.toward != self.action:  # a guardrail changed the rule's action
            text += f", the action of rule '{self.rule}'"
        return f" ({text})"

    @property
    def _no_reasons(self) -> str:
        return self.no_reasons_why or "none push towards this decision"

    def to_text(self) -> str:
        """A plain-text rendering."""
        lines = [f"Case {self.key}: {self.action.upper()} by rule '{self.rule}'", f"  {self.reason}"]
        if self.guardrail:
            lines.append(f"  changed by guardrail '{self.guardrail}'")
        value = self._value_text
        lines.append(f"Signal {self.signal} = {value}; threshold {self.threshold}")
        lines.append("Rules checked:")
        lines += [f"  {rid:<20} {outcome:<28} {cond}" for rid, cond, outcome in self.trace]
        lines.append(f"Principal reasons{self._towards}:" if self.reasons
                     else f"Principal reasons: {self._no_reasons}")
        lines += [f"  {i}. {phrase}" for i, (phrase, _) in enumerate(self.reasons, start=1)]
        return "\n".join(lines)

    @property
    def frame(self) -> pd.DataFrame:
        """The principal reasons: ``rank``, ``phrase``, ``contribution`` (log-odds)."""
        return pd.DataFrame({"rank": range(1, len(self.reasons) + 1),
                             "phrase": [p for p, _ in self.reasons],
                             "contribution": [float(c) for _, c in self.reasons]})

    def summary(self) -> pd.DataFrame:
        """The decision in one row: ``case``, ``action``, ``rule``, ``guardrail``, ``signal``,
        ``signal_value``, ``threshold`` and ``reasons`` (how many)."""
        return pd.DataFrame([{"case": self.key, "action": self.action, "rule": self.rule,
                              "guardrail": self.guardrail, "signal": self.signal,
                              "signal_value": self.signal_value, "threshold": self.threshold,
                              "reasons": len(self.reasons)}])

    def plot(self, ax=None) -> CaseDisplay:
        """The principal reasons as bars of their contribution; returns a :class:`CaseDisplay`."""
        return CaseDisplay(self.frame, f"Case {self.key}: {self.action} by rule '{self.rule}'"
                           ).plot(ax=ax)

    def to_dict(self) -> dict:
        """The explanation as JSON holds it: every field, the trace and the reasons."""
        return {"result": "CaseExplanation", "case": plain(self.key), "action": self.action,
                "rule": self.rule, "reason": self.reason, "guardrail": self.guardrail,
                "signal": self.signal, "signal_value": plain(self.signal_value),
                "threshold": self.threshold, "toward": self.toward,
                "instead_of": self.instead_of, "method": self.method,
                "no_reasons_why": self.no_reasons_why,
                "trace": [{"rule": r, "condition": c, "outcome": o} for r, c, o in self.trace],
                "reasons": records(self.frame), "text": self.to_text()}

    def _repr_html_(self) -> str:
        colour = {"fired": "#1a7f37", "did not hold": "#57606a"}.get
        trace = "".join(
            f"<tr><td><code>{escape(rid)}</code></td><td><code>{escape(cond)}</code></td>"
            f"<td style='color:{colour(outcome, '#9a6700')}'>{escape(outcome)}</td></tr>"
            for rid, cond, outcome in self.trace)
        reasons = "".join(f"<li>{escape(p)} <small>({c:+.2f} log-odds)</small></li>"
                          for p, c in self.reasons) or f"<li>{escape(self._no_reasons)}</li>"
        value = self._value_text
        guard = (f"<br>Changed by guardrail <code>{escape(self.guardrail)}</code>"
                 if self.guardrail else "")
        return (
            f"<div style='border:1px solid #d0d7de;padding:8px;margin:4px 0'>"
            f"<b>Case {escape(str(self.key))}: {escape(self.action)}</b> by rule "
            f"<code>{escape(self.rule)}</code>{guard}<br><i>{escape(self.reason)}</i><br>"
            f"Signal <code>{escape(self.signal)}</code> = {value}; threshold "
            f"<code>{escape(self.threshold)}</code>"
            f"<table><thead><tr><th>rule</th><th>condition</th><th>outcome</th></tr></thead>"
            f"<tbody>{trace}</tbody></table>"
            f"<b>Principal reasons{escape(self._towards)}</b><ol>{reasons}</ol>"
            f"<small>{escape(self.method)}</small></div>"
        )


def explain_case(policy: Policy, data: pd.DataFrame, records: pd.DataFrame,
                 codes: ReasonCodes, label) -> CaseExplanation:
    """Explain the decision on row ``label`` of ``data``.

    The threshold shown is the deciding rule's own comparison as the rule
    writes it (``p_churn >= 0.5 (rule high-risk-offer)``); for a catch-all
    decision, the nearest threshold the case did not meet; for a rule that
    compares no threshold of the signal, that is said instead.
    """
    row = data.loc[label]
    rec = records.loc[label]
    sig = codes.signal
    value = row.get(sig)
    reasons = codes.for_row(label)
    guard = rec["guardrail"]
    key = rec[policy.id_column] if policy.id_column else label
    basis = codes.basis_for(label)
    return CaseExplanation(
        key=key,
        action=str(rec["action"]),
        rule=str(rec["rule"]),
        reason=str(rec["reason"]),
        guardrail=None if pd.isna(guard) else str(guard),
        trace=tuple(rule_trace(policy, row.to_dict())),
        signal=sig,
        signal_value=None if value is None or pd.isna(value) else float(value),
        threshold=basis.describe() if basis is not None else _rule_threshold(policy, sig,
                                                                              str(rec["rule"])),
        reasons=tuple(zip(reasons["phrase"], reasons["contribution"])),
        method=codes.method,
        no_reasons_why=str(codes.unexplained_why.loc[label]),
        toward=basis.toward if basis is not None else "",
        instead_of=(basis.threshold.action or "") if basis is not None and not basis.held else "",
        signal_kind=next((s.kind for s in policy.signals if s.name == sig), "probability"),
    )


def _rule_threshold(policy: Policy, signal: str, rule_id: str) -> str:
    """The threshold line of a case the model gave no reasons for: its rule's own comparisons."""
    own = [t.condition for t in deciding_thresholds(policy, signal) if t.rule == rule_id]
    if own:
        return f"{' and '.join(own)} (rule {rule_id})"
    rule = next((r for r in policy.rules if r.id == rule_id), None)
    if rule is not None and rule.otherwise:
        return f"none: rule {rule_id} is the catch-all"
    return f"none: rule {rule_id} compares no threshold of {signal}"


@validate_params({"n": [Interval(Integral, 1, None)], "seed": [SEED]})
def pick_cases(records: pd.DataFrame, n: int = 5, *, signal: pd.Series | None = None,
               threshold: float | None = None, seed: int = 0) -> list:
    """Index labels of ``n`` decided cases of different kinds, for a walk-through.

    One case per distinct (action, rule, guardrail) combination first, the most
    common kinds first, each drawn at random (by ``seed``) from its kind; then,
    with ``signal`` and ``threshold``, the borderline cases: those whose signal
    lies nearest the threshold; then any others at random. Fewer than ``n``
    labels only when ``records`` has fewer rows.

    Parameters
    ----------
    records : pandas.DataFrame
        Decision records (``policy.apply(data)``).
    n : int, default 5
    signal : pandas.Series, optional
        The signal per row (same index).
    threshold : float, optional
        A deciding threshold (e.g. ``codes.threshold.value``).
    seed : int, default 0

    Returns
    -------
    list
        Index labels of ``records``, in the order picked.

    Examples
    --------
    >>> import pandas as pd
    >>> rec = pd.DataFrame({"action": ["approve"] * 3 + ["review", "decline"],
    ...                     "rule": ["low", "low", "low", "mid", "high"],
    ...                     "guardrail": [None] * 5})
    >>> pick_cases(rec, 3)
    [2, 3, 4]
    >>> pick_cases(rec, 4, signal=pd.Series([0.01, 0.07, 0.02, 0.2, 0.5]), threshold=0.08)
    [2, 3, 4, 1]
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    key = np.zeros(len(records), dtype=np.int64)  # (action, rule, guardrail) as one number
    for column in ("action", "rule", "guardrail"):
        coded = code(records[column])
        key *= len(coded.values) + 1
        key += coded.codes + 1  # missing: 0
    codes, uniques = pd.factorize(key)
    counts = np.bincount(codes, minlength=len(uniques))
    picked: list = []
    for kind in np.argsort(-counts, kind="stable")[:n]:
        rows = np.flatnonzero(codes == kind)
        picked.append(records.index[rows[rng.integers(len(rows))]])
    if len(picked) < n and signal is not None and threshold is not None:
        s = pd.Series(signal, index=records.index).astype(float)
        distance = (s - float(threshold)).abs()
        distance = distance[~distance.index.isin(picked)].dropna()
        picked += list(distance.sort_values(kind="stable").index[: n - len(picked)])
    if len(picked) < n:
        rest = records.index[~records.index.isin(picked)]
        take = np.sort(rng.permutation(len(rest))[: n - len(picked)])
        picked += list(rest[take])
    return picked
