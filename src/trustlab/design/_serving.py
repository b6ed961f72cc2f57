"""Batch or real time for one decision: a recommendation from answers, with its reasons and costs.

The assessment asks what a senior engineer asks before a model decides
online: does waiting destroy value or only convenience, can the action be
undone, is the context the model needs there at decision time, and can the
system fail safely (a fallback, a degraded path, a kill switch). The answers
give one of three recommendations, by rules written here once:

* **batch** when delay costs only convenience (or nothing): decide on a
  schedule, where every run can be reviewed before it acts;
* **real time with guardrails** when delay destroys value, the action can be
  undone, the context is there at decision time and the system fails safely;
* **hybrid** when delay destroys value but one of the others fails: batch
  sets the thresholds (simulated and reviewed), the online path only executes
  them, with a fallback when the signal is missing
  (:func:`~trustlab.design.export_online_policy`).

The result says which answers drove the recommendation, what it would take to
fail safely, and which single changed answer would change it.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from html import escape

import pandas as pd

from .._plotting import ResultDisplay
from .._result import Result, plain, records
from ._answers import Fields, read_yaml

__all__ = ["ServingAnswers", "ServingCosts", "ServingAssessment", "ServingResult",
           "assess_serving", "RECOMMENDATIONS", "QUESTIONS"]

FRAMEWORK = "batch_or_real_time"

RECOMMENDATIONS = {
    "batch": "Batch: decide on a schedule; every run can be checked before it acts.",
    "real_time_with_guardrails": "Real time with guardrails: the model decides online, behind "
                                 "the policy's fallback, rate limits and kill switch.",
    "hybrid": "Hybrid: batch sets the thresholds, the online path only executes them (with a "
              "fallback when the signal is missing).",
}
"""Each recommendation and what it means."""

QUESTIONS = {
    "delay": ("Does waiting for a batch destroy value or only cost convenience?",
              ("destroys_value", "costs_convenience", "harmless")),
    "reversible": ("Can the action be undone cheaply once taken?", (True, False)),
    "context_at_decision": ("Is the context the model needs available at decision time?",
                            ("full", "partial", "none")),
    "fallback": ("Is there a safe default when the model is missing or too slow?", (True, False)),
    "degradation": ("Is there a simpler path when a dependency fails?", (True, False)),
    "kill_switch": ("Can automation be switched off at once?", (True, False)),
}
"""Each answer's question and its possible values."""

_HOURS_PER_MONTH = 730.0
_DAYS_PER_MONTH = 30.42


@dataclass(frozen=True)
class ServingAnswers:
    """The answers that decide batch or real time (see :data:`QUESTIONS`)."""

    delay: str
    reversible: bool
    context_at_decision: str
    fallback: bool
    degradation: bool
    kill_switch: bool

    @property
    def fails_safely(self) -> bool:
        """A fallback, a degraded path and a kill switch, all three."""
        return self.fallback and self.degradation and self.kill_switch


@dataclass(frozen=True)
class ServingCosts:
    """A cost sketch: always-on serving against periodic compute, for a stated volume.

    Attributes
    ----------
    decisions_per_day : float
    serving_instances : float
        Always-on replicas the online path needs (peak and failover).
    serving_per_hour : float
        Cost of one replica for an hour.
    batch_per_hour : float
        Cost of the batch compute for an hour.
    batch_hours_per_run, batch_runs_per_day : float
    currency : str
    """

    decisions_per_day: float
    serving_instances: float
    serving_per_hour: float
    batch_per_hour: float
    batch_hours_per_run: float
    batch_runs_per_day: float
    currency: str = "EUR"

    def table(self) -> pd.DataFrame:
        """Monthly cost and cost per million decisions of each way of serving."""
        online = self.serving_instances * self.serving_per_hour * _HOURS_PER_MONTH
        batch = (self.batch_per_hour * self.batch_hours_per_run * self.batch_runs_per_day
                 * _DAYS_PER_MONTH)
        per_month = self.decisions_per_day * _DAYS_PER_MONTH
        rows = [("batch", batch), ("real_time_with_guardrails", online),
                ("hybrid", online + batch)]
        return pd.DataFrame({
            "serving": [r for r, _ in rows],
            f"per month ({self.currency})": [c for _, c in rows],
            f"per million decisions ({self.currency})": [
                c / per_month * 1e6 if per_month else float("nan") for _, c in rows],
        })


@dataclass(frozen=True)
class ServingAssessment:
    """One decision's batch-or-real-time assessment, as read from YAML.

    Attributes
    ----------
    decision : str
    owner : str
    answers : ServingAnswers
    costs : ServingCosts or None
    source : str
    """

    decision: str
    owner: str
    answers: ServingAnswers
    costs: ServingCosts | None = None
    source: str = ""

    @classmethod
    def from_yaml(cls, path: str | os.PathLike) -> ServingAssessment:
        """Read an assessment file (``framework: batch_or_real_time``)."""
        doc, where = read_yaml(path)
        return cls.from_mapping(doc, where, str(path))

    @classmethod
    def from_mapping(cls, doc, where: str = "Assessment", source: str = "") -> ServingAssessment:
        """Read and check the fields of an assessment; every problem is named at once.

        Raises
        ------
        trustlab.ConfigError
            Naming each missing or invalid field and what it accepts.
        """
        f = Fields(doc)
        f.unknown(("framework", "decision", "owner", "answers", "costs"))
        f.choice("framework", (FRAMEWORK,))
        decision, owner = f.text("decision"), f.text("owner")
        a = f.child("answers")
        a.unknown(tuple(QUESTIONS))
        answers = ServingAnswers(
            delay=a.choice("delay", QUESTIONS["delay"][1]) or "",
            reversible=bool(a.flag("reversible")),
            context_at_decision=a.choice("context_at_decision",
                                         QUESTIONS["context_at_decision"][1]) or "",
            fallback=bool(a.flag("fallback")), degradation=bool(a.flag("degradation")),
            kill_switch=bool(a.flag("kill_switch")))
        costs = None
        if doc.get("costs") is not None:
            c = f.child("costs")
            names = ("decisions_per_day", "serving_instances", "serving_per_hour",
                     "batch_per_hour", "batch_hours_per_run", "batch_runs_per_day")
            c.unknown((*names, "currency"))
            values = {n: c.number(n, low=0) or 0.0 for n in names}
            costs = ServingCosts(**values, currency=c.text("currency", required=False,
                                                           default="EUR"))
        f.raise_any(where)
        return cls(decision, owner, answers, costs, source)

    def with_answers(self, **changes) -> ServingAssessment:
        """A copy with some answers changed (for what-ifs and widgets)."""
        return dataclasses.replace(self, answers=dataclasses.replace(self.answers, **changes))

    def assess(self) -> ServingResult:
        """The recommendation, its reasons, what would change it and the costs."""
        return assess_serving(self)


def _decide(a: ServingAnswers) -> tuple[str, list[str], list[str]]:
    """The recommendation, the answers that drove it, and what must hold before going online."""
    if a.delay in ("costs_convenience", "harmless"):
        words = "costs only convenience" if a.delay == "costs_convenience" else "costs nothing"
        return "batch", [f"delay: waiting for a batch {words}, so nothing is gained by "
                         "deciding online"], []
    drivers = ["delay: waiting for a batch destroys value, so the decision is needed online"]
    against = []
    if not a.reversible:
        against.append("reversible: the action cannot be undone, so a live model should not "
                       "be the last word; reviewed thresholds should")
    if a.context_at_decision != "full":
        against.append(f"context_at_decision: the context is {a.context_at_decision} at "
                       "decision time, so the model cannot be trusted to score online alone")
    missing = [n for n in ("fallback", "degradation", "kill_switch") if not getattr(a, n)]
    needs = [f"{n}: {QUESTIONS[n][0].lower().rstrip('?')} — not yet; build it first"
             for n in missing]
    if missing:
        against.append(f"{', '.join(missing)}: the system cannot fail safely yet "
                       f"({len(missing)} of fallback, degraded path and kill switch missing)")
    if against:
        return "hybrid", drivers + against, needs
    return "real_time_with_guardrails", drivers + [
        "reversible: a wrong action can be undone",
        "context_at_decision: the model has its full context online",
        "fallback, degradation, kill_switch: the system fails safely"], []


@dataclass(frozen=True, eq=False)
class ServingResult(Result):
    """A batch-or-real-time recommendation with its reasons.

    Attributes
    ----------
    assessment : ServingAssessment
    recommendation : str
        One of :data:`RECOMMENDATIONS`.
    drivers : tuple of str
        The answers that drove it, in words.
    conditions : tuple of str
        What must be built before any online path acts.
    changes : pandas.DataFrame
        Every single changed answer that changes the recommendation:
        ``question``, ``answer``, ``if``, ``recommendation``.
    costs : pandas.DataFrame or None
    """

    assessment: ServingAssessment
    recommendation: str
    drivers: tuple[str, ...]
    conditions: tuple[str, ...]
    changes: pd.DataFrame
    costs: pd.DataFrame | None

    @property
    def words(self) -> str:
        """The recommendation in a sentence."""
        return RECOMMENDATIONS[self.recommendation]

    def plot(self, ax=None) -> ResultDisplay:
        """Monthly cost of each way of serving, the recommended one marked."""
        return ResultDisplay(self).plot(ax=ax)

    def _draw_on(self, ax):
        import matplotlib.pyplot as plt

        if self.costs is None:
            raise ValueError("the assessment states no costs")
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 2.4))
        col = self.costs.columns[1]
        colours = ["#2e7d32" if s == self.recommendation else "#9e9e9e"
                   for s in self.costs["serving"]]
        ax.barh(self.costs["serving"].str.replace("_", " "), self.costs[col], color=colours)
        ax.set_xlabel(col)
        ax.set_title(f"{self.assessment.decision}: cost of serving")
        ax.invert_yaxis()
        return ax

    @property
    def frame(self) -> pd.DataFrame:
        """The tidy table: every single changed answer that changes the recommendation."""
        return self.changes

    def summary(self) -> pd.DataFrame:
        """The recommendation, what drove it and what must be built first, one row each."""
        rows = [("recommendation", self.recommendation, self.words)]
        rows += [("driver", "", d) for d in self.drivers]
        rows += [("condition", "", c) for c in self.conditions]
        return pd.DataFrame(rows, columns=["item", "value", "words"])

    def to_dict(self) -> dict:
        """The recommendation as plain JSON-safe values."""
        return {"decision": self.assessment.decision, "recommendation": self.recommendation,
                "words": self.words, "drivers": list(self.drivers),
                "conditions": list(self.conditions), "changes": records(self.changes),
                "costs": records(self.costs)}

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{escape(d)}</li>" for d in self.drivers)
        needs = "".join(f"<li>{escape(c)}</li>" for c in self.conditions)
        needs = f"<p><b>Before anything acts online:</b><ul>{needs}</ul></p>" if needs else ""
        flips = ("<p>No single changed answer changes it.</p>" if self.changes.empty else
                 "<p><b>What would change it:</b></p>" + self.changes.to_html(index=False))
        costs = "" if self.costs is None else "<p><b>Cost sketch:</b></p>" + self.costs.to_html(
            index=False, float_format=lambda v: f"{v:,.0f}")
        return (f"<div><h4>{escape(self.assessment.decision)}</h4>"
                f"<p><b>{escape(self.words)}</b></p><p>Because:</p><ul>{items}</ul>{needs}"
                f"{flips}{costs}</div>")


def assess_serving(assessment: ServingAssessment) -> ServingResult:
    """Recommend batch, real time with guardrails, or hybrid for one decision.

    Parameters
    ----------
    assessment : ServingAssessment

    Returns
    -------
    ServingResult

    Examples
    --------
    >>> a = ServingAssessment("Card hold", "Fraud ops", ServingAnswers(
    ...     "destroys_value", True, "full", True, True, False))
    >>> r = assess_serving(a)
    >>> r.recommendation, r.changes["question"].tolist()
    ('hybrid', ['delay', 'delay', 'kill_switch'])
    """
    a = assessment.answers
    rec, drivers, needs = _decide(a)
    rows = []
    for q, (question, options) in QUESTIONS.items():
        for alt in options:
            if alt == getattr(a, q):
                continue
            other = _decide(dataclasses.replace(a, **{q: alt}))[0]
            if other != rec:
                rows.append({"question": q, "answer": getattr(a, q), "if": alt,
                             "recommendation": other})
    changes = pd.DataFrame(rows, columns=["question", "answer", "if", "recommendation"])
    costs = None if assessment.costs is None else assessment.costs.table()
    return ServingResult(assessment, rec, tuple(drivers), tuple(needs), changes, costs)
