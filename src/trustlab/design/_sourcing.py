"""Build, buy or fine-tune: seven factors as weighted answers, and which weights would flip them.

Each factor has a weight (how much it matters for this decision, 0–10) and a
score per option (how well the option does on it, 1–5). An option's total is
its weighted mean score; the highest total wins. Since every option shares
the same weights, moving one factor's weight moves each total along a
straight line, so the weight at which another option would take over is
solved exactly, not searched: the sensitivity view lists, for every factor,
how far its weight can move before the answer flips, and to what.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from .._plotting import ResultDisplay
from .._result import Result, plain, records
from .._errors import Problem
from ._answers import Fields, read_yaml

__all__ = ["FACTORS", "OPTIONS", "SourcingAssessment", "SourcingResult", "assess_sourcing"]

FRAMEWORK = "build_buy_or_fine_tune"

FACTORS = {
    "core": "Is the decision core to how the business competes (build) or a commodity (buy)?",
    "time_to_market": "How soon must it work?",
    "data_readiness": "Is the data to train and monitor it there, clean and owned?",
    "team_maturity": "Can the team build, run and monitor models in production?",
    "cost_over_time": "What does it cost over three years, licences and people included?",
    "risk_and_compliance": "Can the option be explained, audited and governed as the "
                           "regulator expects?",
    "exit_paths": "Can the business leave the option (vendor, model, platform) without "
                  "starting again?",
}
"""The seven factors and the question each asks."""

OPTIONS = ("build", "buy", "fine_tune")
"""The options compared."""

WEIGHT_RANGE = (0.0, 10.0)
SCORE_RANGE = (1.0, 5.0)


@dataclass(frozen=True)
class SourcingAssessment:
    """Weighted answers for build, buy or fine-tune.

    Attributes
    ----------
    decision : str
    owner : str
    weights : dict
        Factor → weight in [0, 10].
    scores : dict
        Factor → {option: score in [1, 5]}.
    notes : dict
        Factor → why it was scored so (optional).
    """

    decision: str
    owner: str
    weights: dict
    scores: dict
    notes: dict
    source: str = ""

    @classmethod
    def from_yaml(cls, path: str | os.PathLike) -> SourcingAssessment:
        """Read an assessment file (``framework: build_buy_or_fine_tune``)."""
        doc, where = read_yaml(path)
        return cls.from_mapping(doc, where, str(path))

    @classmethod
    def from_mapping(cls, doc, where: str = "Assessment", source: str = ""
                     ) -> SourcingAssessment:
        """Read and check every factor's weight and scores; every problem named at once.

        Raises
        ------
        trustlab.ConfigError
        """
        f = Fields(doc)
        f.unknown(("framework", "decision", "owner", "factors"))
        f.choice("framework", (FRAMEWORK,))
        decision, owner = f.text("decision"), f.text("owner")
        factors = f.child("factors")
        factors.unknown(tuple(FACTORS))
        weights, scores, notes = {}, {}, {}
        for name in FACTORS:
            one = factors.child(name)
            one.unknown(("weight", "scores", "note"))
            weights[name] = one.number("weight", low=WEIGHT_RANGE[0], high=WEIGHT_RANGE[1]) or 0.0
            s = one.child("scores")
            s.unknown(OPTIONS)
            scores[name] = {o: s.number(o, low=SCORE_RANGE[0], high=SCORE_RANGE[1]) or 1.0
                            for o in OPTIONS}
            notes[name] = one.text("note", required=False)
        if not f.problems and not any(weights.values()):
            f.problems.append(Problem("factors", "every weight is 0; weigh at least one factor"))
        f.raise_any(where)
        return cls(decision, owner, weights, scores, notes, source)

    def with_weight(self, factor: str, weight: float) -> SourcingAssessment:
        """A copy with one factor's weight changed."""
        return SourcingAssessment(self.decision, self.owner, {**self.weights, factor: weight},
                                  self.scores, self.notes, self.source)

    def assess(self) -> SourcingResult:
        """Totals, the recommendation and the sensitivity view."""
        return assess_sourcing(self)


@dataclass(frozen=True, eq=False)
class SourcingResult(Result):
    """Build, buy or fine-tune, with the weights that would change the answer.

    Attributes
    ----------
    assessment : SourcingAssessment
    totals : pandas.Series
        Option → weighted mean score (1–5).
    recommendation : str
        The option with the highest total, or ``"no clear winner"`` on a tie.
    tied : tuple of str
        The options sharing the top total (one when there is a winner).
    margin : float
        The winner's lead over the runner-up.
    contributions : pandas.DataFrame
        Factor × option: weight × score over the sum of weights.
    sensitivity : pandas.DataFrame
        Per factor: ``weight``, the range ``low``..``high`` of weights (within
        0–10) that keeps the answer, and the flip beyond each end
        (``below_low``, ``above_high``: the option that would win, or empty).
    """

    assessment: SourcingAssessment
    totals: pd.Series
    recommendation: str
    tied: tuple[str, ...]
    margin: float
    contributions: pd.DataFrame
    sensitivity: pd.DataFrame

    @property
    def flips(self) -> pd.DataFrame:
        """The factors whose weight can flip the answer within 0–10, nearest first."""
        s = self.sensitivity
        lo = s[s["below_low"] != ""].assign(direction="down", to=lambda d: d["low"],
                                            winner=lambda d: d["below_low"])
        hi = s[s["above_high"] != ""].assign(direction="up", to=lambda d: d["high"],
                                             winner=lambda d: d["above_high"])
        both = pd.concat([lo, hi], ignore_index=True)
        both["change"] = (both["to"] - both["weight"]).abs()
        return both[["factor", "weight", "direction", "to", "winner", "change"]].sort_values(
            "change", kind="stable", ignore_index=True)

    def plot(self, ax=None) -> ResultDisplay:
        """Each option's total, stacked by factor."""
        return ResultDisplay(self).plot(ax=ax)

    def _draw_on(self, ax):
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 2.8))
        left = np.zeros(len(OPTIONS))
        for factor, row in self.contributions.iterrows():
            ax.barh(list(OPTIONS), row.to_numpy(), left=left, label=factor)
            left += row.to_numpy()
        ax.set_xlabel("weighted mean score (1–5)")
        ax.legend(fontsize=7, ncol=2, loc="lower right")
        ax.set_title(f"{self.assessment.decision}: {self.recommendation}")
        return ax

    @property
    def frame(self) -> pd.DataFrame:
        """The tidy table: factor × option contributions to each option's total."""
        return self.contributions

    def summary(self) -> pd.DataFrame:
        """Each option's weighted mean score (1–5), best first."""
        return self.totals.sort_values(ascending=False).rename("total").to_frame()

    def to_dict(self) -> dict:
        """The choice as plain JSON-safe values."""
        return {"decision": self.assessment.decision, "recommendation": self.recommendation,
                "tied": list(self.tied), "margin": plain(self.margin),
                "totals": {str(k): plain(v) for k, v in self.totals.items()},
                "flips": records(self.flips)}

    def _repr_html_(self) -> str:
        top = (f"<b>{escape(self.recommendation)}</b> leads by {self.margin:.2f}"
               if len(self.tied) == 1 else
               f"<b>no clear winner</b>: {', '.join(self.tied)} tie")
        totals = self.totals.to_frame("total").T.to_html(float_format=lambda v: f"{v:.2f}")
        flips = self.flips
        flip_text = ("<p>No weight from 0 to 10 on a single factor changes the answer.</p>"
                     if flips.empty else "<p><b>Weights that would flip it:</b></p>"
                     + flips.to_html(index=False, float_format=lambda v: f"{v:.2f}"))
        return (f"<div><h4>{escape(self.assessment.decision)}</h4><p>{top}</p>{totals}"
                f"{flip_text}</div>")


def _totals(weights: np.ndarray, scores: np.ndarray) -> np.ndarray:
    return weights @ scores / weights.sum()


def assess_sourcing(assessment: SourcingAssessment) -> SourcingResult:
    """Weigh build, buy and fine-tune, and solve for the weights that would change the answer.

    Examples
    --------
    >>> w = dict.fromkeys(FACTORS, 1.0)
    >>> s = {f: {"build": 3, "buy": 3, "fine_tune": 3} for f in FACTORS}
    >>> s["time_to_market"] = {"build": 1, "buy": 5, "fine_tune": 3}
    >>> r = assess_sourcing(SourcingAssessment("Fraud scores", "Risk", w, s, {}))
    >>> r.recommendation, round(r.margin, 3)
    ('buy', 0.286)
    """
    factors = list(FACTORS)
    w = np.array([assessment.weights[f] for f in factors], dtype=float)
    sc = np.array([[assessment.scores[f][o] for o in OPTIONS] for f in factors], dtype=float)
    totals = _totals(w, sc)
    best = totals.max()
    tied = tuple(o for o, t in zip(OPTIONS, totals) if abs(t - best) <= 1e-9)
    order = np.argsort(-totals, kind="stable")
    margin = float(totals[order[0]] - totals[order[1]])
    winner = OPTIONS[int(order[0])] if len(tied) == 1 else "no clear winner"
    contributions = pd.DataFrame(w[:, None] * sc / w.sum(), index=factors, columns=list(OPTIONS))
    rows = []
    for i, f in enumerate(factors):
        rows.append({"factor": f, "weight": w[i], **_keep_range(w, sc, i, tied)})
    return SourcingResult(assessment, pd.Series(totals, index=list(OPTIONS), name="total"),
                          winner, tied, margin, contributions, pd.DataFrame(rows))


def _keep_range(w: np.ndarray, sc: np.ndarray, i: int, tied: tuple[str, ...]) -> dict:
    """How far weight ``i`` can move within 0–10 before another option leads.

    The numerators ``N_o(x) = C_o + x s_oi`` share one denominator, so the
    leader changes where two lines cross: ``x = (C_a - C_b) / (s_bi - s_ai)``.
    """
    lo_w, hi_w = WEIGHT_RANGE
    if len(tied) > 1:  # a tie: any move that breaks it is a flip; report the current point
        return {"low": w[i], "high": w[i], "below_low": "", "above_high": ""}
    lead = OPTIONS.index(tied[0])
    rest = np.delete(w, i) @ np.delete(sc, i, axis=0)  # C_o
    low, high, below, above = lo_w, hi_w, "", ""
    for o in range(len(OPTIONS)):
        if o == lead:
            continue
        slope = sc[i, o] - sc[i, lead]
        if slope == 0:
            continue
        x = (rest[lead] - rest[o]) / slope
        if slope > 0 and x < high:  # o overtakes as the weight grows past x
            high, above = max(x, lo_w), OPTIONS[o]
        elif slope < 0 and x > low:  # o overtakes as the weight falls below x
            low, below = min(x, hi_w), OPTIONS[o]
    if high >= hi_w:
        high, above = hi_w, ""
    if low <= lo_w:
        low, below = lo_w, ""
    return {"low": float(low), "high": float(high), "below_low": below, "above_high": above}
