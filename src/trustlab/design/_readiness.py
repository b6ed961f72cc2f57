"""Ready for the critical path? The checklist a senior engineer asks, scored from evidence.

Each item is answered from evidence wherever it exists — the policy file
(owner, fallback rule, kill switch, guardrails, mode) and its latest review
folder (``metrics.json``, ``decisions.parquet``, ``manifest.json``) — and
asked of the user only where no file can say (a latency budget, an on-call
rota). Evidence wins over an answer; an item nobody can settle stays open.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pandas as pd

from .._plotting import ResultDisplay
from .._result import Result, plain, records
from .._errors import ConfigError, Problem
from .._review_folder import (DECISIONS_FILE, METRICS_FILE, STATUS_FILE, folder_incomplete,
                              sha256_of)
from ..policy import DriftBrake, Policy, RateLimit
from ._answers import Fields, read_yaml
from ._online import missing_signal_rules

__all__ = ["ITEMS", "ReviewEvidence", "ReadinessAssessment", "ReadinessResult",
           "assess_readiness"]

FRAMEWORK = "critical_path_readiness"

ITEMS = {
    "owner": "Who owns the outcomes?",
    "wrong": "What happens when the model is wrong: does a person or a limit catch it?",
    "unavailable": "What happens when the model is slow or unavailable?",
    "kill_switch": "Can automation be switched off at once?",
    "guarantees": "What hard guarantees bound the damage (rate limits, drift brake)?",
    "observed": "Are drift and decisions watched over time?",
    "audited": "Can every decision be audited from its record?",
    "rolled_back": "Was the change from the live version reviewed, so it can be rolled back?",
    "checks_passed": "Did the policy pass its own checks on history?",
    "autonomy_evidence": "Is there shadow or advisory evidence for the autonomy it has?",
    "latency": "Is the online path held to a latency budget, with the fallback when it is "
               "exceeded?",
    "on_call": "Is someone on call who can act on an alert?",
}
"""Every item of the checklist and the question it asks."""

_ASKED = ("latency", "on_call")  # no file holds the answer


@dataclass(frozen=True)
class ReviewEvidence:
    """What a review folder shows.

    Attributes
    ----------
    folder : Path
    metrics : dict
        ``metrics.json``.
    decisions : bool
        ``decisions.parquet`` is there.
    manifest : dict or None
        ``manifest.json`` when there.
    intact : bool or None
        The outputs still hash to the manifest's sha256 (None without a manifest).
    """

    folder: Path
    metrics: dict
    decisions: bool
    manifest: dict | None
    intact: bool | None

    @classmethod
    def read(cls, folder: str | os.PathLike) -> ReviewEvidence:
        """Read a review folder written by ``trustlab review``.

        Raises
        ------
        trustlab.ConfigError
            When the folder or its ``metrics.json`` is missing or unreadable, or the
            folder is not a complete review (``status.json`` says failed or
            interrupted, or it is a killed run's ``.partial-`` folder).
        """
        d = Path(folder)
        where = f"Review folder '{d}'"
        incomplete = folder_incomplete(d)
        if incomplete:
            raise ConfigError(where, [Problem(STATUS_FILE, f"{incomplete}: it carries no "
                                                           "verdict; give a complete review")])
        m = d / METRICS_FILE
        if not m.is_file():
            raise ConfigError(where, [Problem(METRICS_FILE, "is missing: give the folder a "
                                                            "`trustlab review` run wrote")])
        try:
            metrics = json.loads(m.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise ConfigError(where, [Problem(METRICS_FILE, f"is not JSON: {e}")]) from None
        manifest = None
        intact = None
        if (d / "manifest.json").is_file():
            manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
            recorded = manifest.get("outputs", {})
            intact = bool(recorded) and all(
                (d / name).exists() and sha256_of(d / name) == digest
                for name, digest in recorded.items())
        return cls(d, metrics, (d / DECISIONS_FILE).exists(), manifest, intact)


@dataclass(frozen=True)
class ReadinessAssessment:
    """A readiness assessment as read from YAML: the policy, its review and the asked answers."""

    decision: str
    policy: str
    review: str
    answers: dict
    source: str = ""

    @classmethod
    def from_yaml(cls, path: str | os.PathLike) -> ReadinessAssessment:
        """Read an assessment file (``framework: critical_path_readiness``); the policy and
        review paths are read relative to the file's folder."""
        doc, where = read_yaml(path)
        base = Path(path).parent
        a = cls.from_mapping(doc, where, str(path))

        def near(p: str) -> str:
            return p if not p or Path(p).is_absolute() or Path(p).exists() else str(base / p)

        return cls(a.decision, near(a.policy), near(a.review), a.answers, a.source)

    @classmethod
    def from_mapping(cls, doc, where: str = "Assessment", source: str = ""
                     ) -> ReadinessAssessment:
        """Read and check the fields; every problem named at once.

        Raises
        ------
        trustlab.ConfigError
        """
        f = Fields(doc)
        f.unknown(("framework", "decision", "policy", "review", "answers"))
        f.choice("framework", (FRAMEWORK,))
        decision, policy = f.text("decision"), f.text("policy")
        review = f.text("review", required=False)
        a = f.child("answers", required=False)
        a.unknown(tuple(ITEMS))
        answers = {k: a.flag(k) for k in ITEMS if k in a.doc}
        f.raise_any(where)
        return cls(decision, policy, review, answers, source)

    def assess(self) -> ReadinessResult:
        """Load the policy (and review) and score the checklist."""
        from ..policy import load_policy

        return assess_readiness(load_policy(self.policy), self.review or None,
                                answers=self.answers, decision=self.decision)


@dataclass(frozen=True, eq=False)
class ReadinessResult(Result):
    """The checklist, scored.

    Attributes
    ----------
    decision : str
    policy : str
        The policy's identity.
    frame : pandas.DataFrame
        One row per item: ``item``, ``question``, ``status`` (met, not met,
        open), ``source`` (policy, review, answer or none) and ``evidence``.
    """

    decision: str
    policy: str
    frame: pd.DataFrame

    @property
    def score(self) -> float:
        """Share of items met."""
        return float((self.frame["status"] == "met").mean())

    @property
    def ready(self) -> bool:
        """Every item met."""
        return bool((self.frame["status"] == "met").all())

    @property
    def gaps(self) -> pd.DataFrame:
        """The items not met or still open."""
        return self.frame[self.frame["status"] != "met"].reset_index(drop=True)

    def plot(self, ax=None) -> ResultDisplay:
        """Items met, not met and open, by where the evidence came from."""
        return ResultDisplay(self).plot(ax=ax)

    def _draw_on(self, ax):
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 2.2))
        t = pd.crosstab(self.frame["source"], self.frame["status"]).reindex(
            columns=["met", "not met", "open"], fill_value=0)
        t.plot.barh(stacked=True, ax=ax, color=["#2e7d32", "#c62828", "#9e9e9e"])
        ax.set_xlabel("items")
        ax.set_title(f"Readiness: {self.score:.0%} of {len(self.frame)} items met")
        return ax

    def summary(self) -> pd.DataFrame:
        """Items met, not met and open, by where the evidence came from."""
        return pd.crosstab(self.frame["source"], self.frame["status"]).reindex(
            columns=["met", "not met", "open"], fill_value=0)

    def to_dict(self) -> dict:
        """The checklist as plain JSON-safe values."""
        return {"decision": self.decision, "policy": self.policy, "ready": self.ready,
                "score": plain(self.score), "items": records(self.frame)}

    def _repr_html_(self) -> str:
        colour = {"met": "#2e7d32", "not met": "#c62828", "open": "#757575"}
        rows = "".join(
            f"<tr><td>{escape(r.question)}</td><td style='color:{colour[r.status]}'>"
            f"<b>{r.status}</b></td><td>{escape(r.source)}</td><td>{escape(r.evidence)}</td></tr>"
            for r in self.frame.itertuples())
        head = "Ready for the critical path" if self.ready else \
            f"Not ready: {len(self.gaps)} of {len(self.frame)} items not met or open"
        return (f"<div><h4>{escape(self.decision)} — {escape(self.policy)}</h4>"
                f"<p><b>{head}</b> (score {self.score:.0%})</p><table><tr><th>question</th>"
                f"<th>status</th><th>source</th><th>evidence</th></tr>{rows}</table></div>")


def _from_policy(policy: Policy) -> dict[str, tuple[bool, str]]:
    """Items the policy file settles: item → (met, evidence)."""
    out: dict[str, tuple[bool, str]] = {}
    out["owner"] = (bool(policy.owner.strip()), f"owner: {policy.owner}")
    human = [a.name for a in policy.actions if not a.automated]
    routed = sorted({r.then for r in policy.rules if r.then in human})
    limits = [g.id for g in policy.guardrails if isinstance(g, RateLimit)]
    out["wrong"] = (bool(routed or limits),
                    f"rules send cases to {', '.join(routed)}" if routed else
                    (f"rate limits {', '.join(limits)}" if limits else
                     "no rule sends a case to a person and no rate limit caps an action"))
    caught = missing_signal_rules(policy)
    bare = [s for s, rule in caught.items() if rule is None]
    out["unavailable"] = (not bare, "; ".join(f"rule '{r}' decides when {s} is missing"
                                              for s, r in caught.items()) if not bare else
                          f"no rule decides when {', '.join(bare)} is missing")
    ks = policy.kill_switch
    out["kill_switch"] = (ks is not None, f"kill switch sends automated cases to '{ks.then}'"
                          if ks is not None else "no kill switch is defined")
    brakes = [g.id for g in policy.guardrails if isinstance(g, DriftBrake)]
    out["guarantees"] = (bool(limits or brakes),
                         "; ".join(x for x in (f"rate limits: {', '.join(limits)}" if limits
                                               else "", f"drift brake: {', '.join(brakes)}"
                                               if brakes else "") if x)
                         or "no rate limit or drift brake")
    if brakes:
        out["observed"] = (True, f"drift brake {', '.join(brakes)} watches "
                                 f"{', '.join(c for g in policy.guardrails if isinstance(g, DriftBrake) for c in g.watch)}")
    if policy.mode in ("advisory", "shadow"):
        out["autonomy_evidence"] = (True, f"mode is {policy.mode}: people decide while evidence "
                                          "accrues")
    return out


def _from_review(policy: Policy, ev: ReviewEvidence) -> dict[str, tuple[bool, str]]:
    """Items the review folder settles."""
    out: dict[str, tuple[bool, str]] = {}
    m = ev.metrics
    reviewed = m.get("policy", {})
    same = reviewed.get("hash") == policy.content_hash
    tag = "" if same else (f" (the review is of {reviewed.get('name')} "
                           f"{reviewed.get('version')}, not this policy's content)")
    verdict = m.get("verdict")
    out["checks_passed"] = (verdict == "pass" and same,
                            f"review verdict {verdict}{tag}; "
                            f"{sum(not c.get('passed', False) for c in m.get('checks', []))} "
                            f"of {len(m.get('checks', []))} checks failed")
    if m.get("drift") is not None:
        out["observed"] = (True, f"drift measured against {m['drift'].get('reference')} in "
                                 f"{m['drift'].get('window')} windows; "
                                 f"{len(m['drift'].get('alerts', []))} act-level alerts")
    if ev.manifest is None:
        out["audited"] = (False, "no manifest.json: run the review with `trustlab review` so the "
                                 "records are hashed")
    elif not ev.decisions:
        out["audited"] = (False, "decisions.parquet is missing from the review folder")
    else:
        out["audited"] = (bool(ev.intact), "decision records and metrics hash to the manifest"
                          if ev.intact else "decision records or metrics no longer hash to the "
                                            "manifest: they changed after the review")
    champ = m.get("champion")
    if champ is not None:
        bumped = champ.get("version") != policy.version
        out["rolled_back"] = (bumped, f"reviewed against live {champ.get('name')} "
                                      f"{champ.get('version')}"
                              + ("" if bumped else "; the version was not bumped"))
    promo = m.get("promotion")
    if promo is not None and policy.mode not in ("advisory", "shadow"):
        ok = bool(promo.get("may_promote")) or promo.get("current_mode") == policy.mode
        out["autonomy_evidence"] = (ok, f"promotion gate: current mode "
                                        f"{promo.get('current_mode')}, "
                                        + ("may promote" if promo.get("may_promote")
                                           else "may not promote yet"))
    return out


def assess_readiness(policy: Policy, review: str | os.PathLike | ReviewEvidence | None = None,
                     *, answers: Mapping[str, bool] | None = None,
                     decision: str = "") -> ReadinessResult:
    """Score the critical-path checklist from a policy, its review folder and asked answers.

    Parameters
    ----------
    policy : Policy
    review : path or ReviewEvidence, optional
        The policy's latest review folder.
    answers : mapping of str to bool, optional
        Answers to the items no file settles (see :data:`ITEMS`); ignored
        where evidence exists.
    decision : str
        What the policy decides, for the title.

    Returns
    -------
    ReadinessResult

    Raises
    ------
    trustlab.ConfigError
        For an unknown item in ``answers`` or an unreadable review folder.

    Examples
    --------
    >>> import trustlab
    >>> r = assess_readiness(trustlab.load_policy("policies/consumer-credit.yaml"),
    ...                      answers={"latency": True})
    >>> r.frame.set_index("item").loc[["kill_switch", "latency", "audited"], "status"].tolist()
    ['met', 'met', 'open']
    """
    answers = dict(answers or {})
    unknown = [k for k in answers if k not in ITEMS]
    if unknown:
        raise ConfigError("assess_readiness", [Problem(
            f"answers.{k}", f"is not an item; items: {', '.join(ITEMS)}") for k in unknown])
    settled = {k: (*v, "policy") for k, v in _from_policy(policy).items()}
    if review is not None:
        ev = review if isinstance(review, ReviewEvidence) else ReviewEvidence.read(review)
        settled.update({k: (*v, "review") for k, v in _from_review(policy, ev).items()})
    rows = []
    for item, question in ITEMS.items():
        if item in settled:
            met, evidence, source = settled[item]
            status = "met" if met else "not met"
        elif answers.get(item) is not None:
            status, source = ("met" if answers[item] else "not met"), "answer"
            evidence = f"answered {'yes' if answers[item] else 'no'}"
        else:
            status, source = "open", "none"
            evidence = ("asked: no file holds this; answer it" if item in _ASKED else
                        "no review folder given: run `trustlab review` and pass its folder")
        rows.append({"item": item, "question": question, "status": status, "source": source,
                     "evidence": evidence})
    return ReadinessResult(decision or policy.name, policy.identity, pd.DataFrame(rows))
