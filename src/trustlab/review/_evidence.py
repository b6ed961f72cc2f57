"""Model evidence for a review: does each signal rank and mean what the policy assumes?

For every signal the policy reads — trained here out of fold or supplied in the
data — on the cases with an observed outcome:

* calibration (probabilities only): predicted against observed rate in groups
  of about equal size, each with its count and 95% Wilson interval
  (:func:`trustlab.signals.calibration_table`), and the expected calibration
  error;
* discrimination: the ROC curve and its AUC with a 95% DeLong interval
  (:func:`auc_delong`: the exact variance of the Mann–Whitney statistic,
  no resampling);
* the score's distribution for good and bad outcomes (and for cases with no
  observed outcome, which the other two cannot use).

Every number reads through :func:`trustlab._format.format_number`.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from .._format import format_number, tick_formatter
from .._plotting import Display, axes_for
from .._result import Result, plain
from ..signals import calibration_table

__all__ = ["EvidenceDisplay", "SignalEvidence", "auc_delong", "roc_points", "signal_evidence",
           "EVIDENCE_METHOD"]

EVIDENCE_METHOD = "DeLong"
"""How the AUC interval is computed (named on the report)."""

_GOOD, _BAD, _UNKNOWN, _LINE = "#4c956c", "#c8553d", "#999999", "#4c72b0"


def auc_delong(bad, score, *, level: float = 0.95) -> tuple[float, float, float, float]:
    """AUC of ``score`` for the bad outcome, its DeLong standard error and interval.

    The AUC is the chance that a case with the bad outcome scores higher than
    one with the good outcome (ties count one half). Its variance is DeLong's
    (1988), computed from midranks as Sun and Xu (2014) do:
    ``var = var(V10) / m + var(V01) / n`` over the ``m`` bad and ``n`` good
    cases' placements. The interval is the normal one, clipped to [0, 1].

    Parameters
    ----------
    bad : array-like of bool
        True for the bad outcome.
    score : array-like of float
        Higher means more likely bad (negate a benefit score first).
    level : float, default 0.95

    Returns
    -------
    tuple of float
        ``(auc, se, low, high)``; NaN when either outcome has no case.

    Examples
    --------
    Bad cases scored 0.9 and 0.4, good ones 0.3, 0.4 and 0.1: of the six pairs
    five are ordered and one tied, so the AUC is 5.5 / 6.

    >>> auc, se, low, high = auc_delong([1, 1, 0, 0, 0], [0.9, 0.4, 0.3, 0.4, 0.1])
    >>> round(auc, 6), round(se ** 2, 6)
    (0.916667, 0.013889)
    """
    y = np.asarray(bad, dtype=bool)
    s = np.asarray(score, dtype=float)
    pos, neg = s[y], s[~y]
    m, n = len(pos), len(neg)
    if m == 0 or n == 0:
        return (float("nan"),) * 4  # type: ignore[return-value]
    every = pd.Series(np.concatenate([pos, neg])).rank(method="average").to_numpy()
    own_pos = pd.Series(pos).rank(method="average").to_numpy()
    own_neg = pd.Series(neg).rank(method="average").to_numpy()
    v10 = (every[:m] - own_pos) / n          # share of good cases each bad case outranks
    v01 = 1.0 - (every[m:] - own_neg) / m     # share of bad cases that outrank each good case
    auc = float(v10.mean())
    s10 = float(v10.var(ddof=1)) if m > 1 else 0.0
    s01 = float(v01.var(ddof=1)) if n > 1 else 0.0
    se = float(np.sqrt(s10 / m + s01 / n))
    z = NormalDist().inv_cdf(0.5 + level / 2)
    return auc, se, max(0.0, auc - z * se), min(1.0, auc + z * se)


def roc_points(bad, score) -> pd.DataFrame:
    """The ROC curve of ``score`` for the bad outcome: one point per distinct score.

    Returns
    -------
    pandas.DataFrame
        ``threshold`` (cases scoring at or above it are flagged; ``inf`` for
        the first point, none flagged), ``false_positive_rate`` (good cases
        flagged over good cases) and ``true_positive_rate`` (bad cases
        flagged over bad cases), from (0, 0) to (1, 1).

    Examples
    --------
    >>> roc_points([1, 1, 0, 0, 0], [0.9, 0.4, 0.3, 0.4, 0.1])
       threshold  false_positive_rate  true_positive_rate
    0        inf             0.000000                 0.0
    1        0.9             0.000000                 0.5
    2        0.4             0.333333                 1.0
    3        0.3             0.666667                 1.0
    4        0.1             1.000000                 1.0
    """
    y = np.asarray(bad, dtype=bool)
    s = np.asarray(score, dtype=float)
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    last = np.r_[s[1:] != s[:-1], True] if len(s) else np.zeros(0, dtype=bool)
    tp = np.cumsum(y)[last]
    fp = np.cumsum(~y)[last]
    m, n = max(int(y.sum()), 1), max(int((~y).sum()), 1)
    return pd.DataFrame({"threshold": np.r_[np.inf, s[last]],
                         "false_positive_rate": np.r_[0.0, fp / n],
                         "true_positive_rate": np.r_[0.0, tp / m]})


class EvidenceDisplay(Display):
    """A :class:`SignalEvidence` drawn: reliability curve, ROC curve and score distributions.

    Holds the evidence and draws it again on other axes.

    Attributes
    ----------
    data : pandas.DataFrame
        The score distribution by outcome (:attr:`SignalEvidence.distribution`).
    evidence : SignalEvidence
    calibration_ax_, roc_ax_, distribution_ax_ : matplotlib Axes
        The three panels (``ax_`` is the first).
    figure_ : matplotlib Figure
    """

    calibration_ax_ = roc_ax_ = distribution_ax_ = None

    def __init__(self, evidence: SignalEvidence):
        self.evidence = evidence
        self.data = evidence.distribution

    def _draw(self, ax):
        e = self.evidence
        if ax is None:
            import matplotlib.pyplot as plt

            fig, axes = plt.subplots(1, 3, figsize=(13, 4.1))
        elif isinstance(ax, (list, tuple, np.ndarray)):
            axes = list(np.ravel(ax))
            if len(axes) != 3:
                raise ValueError(f"ax must hold three Axes (calibration, ROC, distribution); "
                                 f"got {len(axes)}")
            fig = axes[0].figure
        else:  # one Axes: its area split into the three panels
            fig, axes = axes_for(ax, 3, (13, 4.1), (1, 3))
        e._draw_calibration(axes[0])
        e._draw_roc(axes[1])
        e._draw_distribution(axes[2])
        fig.suptitle(f"Signal '{e.signal}': {e.source}", fontsize=11, x=0.01, ha="left")
        if ax is None:
            fig.tight_layout()
        self.calibration_ax_, self.roc_ax_, self.distribution_ax_ = axes
        return tuple(axes)


@dataclass(frozen=True)
class SignalEvidence(Result):
    """How one signal ranks and calibrates against observed outcomes; see :func:`signal_evidence`.

    Attributes
    ----------
    signal : str
    kind : str
        ``probability`` or ``score``.
    higher_means : str
        ``risk`` (higher: the bad outcome more likely) or ``benefit``.
    source : str
        Where the scores come from, in words (trained here out of fold, or
        supplied in the data by a named model).
    outcome : str
        The bad outcome in words (``churned is 'Yes'``).
    rows, scored, labelled, bad : int
        Cases; with a score; with a score and an observed outcome; of those,
        with the bad outcome.
    auc, auc_se, auc_low, auc_high : float
        AUC for the bad outcome (a benefit signal's ranking is reversed), its
        DeLong standard error and interval; NaN with ``reason``.
    level : float
    calibration : pandas.DataFrame or None
        :func:`trustlab.signals.calibration_table` of the signal against the
        outcome it predicts (the bad one for ``risk``, the good one for
        ``benefit``); None for a score or without outcomes.
    ece : float
        Expected calibration error (NaN without a calibration table).
    roc : pandas.DataFrame
        :func:`roc_points`.
    distribution : pandas.DataFrame
        ``left``, ``right`` (bin edges) and the count of ``good``, ``bad`` and
        ``unlabelled`` cases whose score falls in each bin (the tails in the
        end bins).
    reason : str
        Why AUC or calibration could not be computed ("" when both were).
    """

    signal: str
    kind: str
    higher_means: str
    source: str
    outcome: str
    rows: int
    scored: int
    labelled: int
    bad: int
    auc: float
    auc_se: float
    auc_low: float
    auc_high: float
    level: float
    calibration: pd.DataFrame | None
    ece: float
    roc: pd.DataFrame
    distribution: pd.DataFrame
    reason: str = ""

    @property
    def predicts(self) -> str:
        """The outcome a probability of this signal is the probability of: ``bad`` or ``good``."""
        return "bad" if self.higher_means == "risk" else "good"

    def auc_text(self) -> str:
        """``0.791 (95% interval 0.780 to 0.802, DeLong)``, or n/a with the reason."""
        if self.auc != self.auc:
            return format_number(None, "ratio", reason=self.reason or "not computed")
        return (f"{format_number(self.auc, 'ratio', decimals=3)} "
                f"({format_number(self.level, 'share', decimals=0)} interval "
                f"{format_number(self.auc_low, 'ratio', decimals=3)} to "
                f"{format_number(self.auc_high, 'ratio', decimals=3)}, {EVIDENCE_METHOD})")

    def calibration_words(self) -> str:
        """Where the predictions lie outside the observed rates' intervals, in a sentence."""
        if self.kind != "probability":
            return "not assessed: a score is not a probability, so only its ranking is judged"
        t = self.calibration
        if t is None or t.empty:
            return format_number(None, "share", reason=self.reason or "no outcomes")
        over = int((t["mean_predicted"] > t["observed_high"]).sum())
        under = int((t["mean_predicted"] < t["observed_low"]).sum())
        level = format_number(self.level, "share", decimals=0)
        if over + under == 0:
            where = (f"in every one of the {len(t):,} groups the predicted rate lies within the "
                     f"{level} interval of the observed rate")
        else:
            parts = [f"over-predicts in {format_number(over, 'count')}" if over else "",
                     f"under-predicts in {format_number(under, 'count')}" if under else ""]
            where = (f"in {format_number(over + under, 'count')} of {len(t):,} groups the "
                     f"predicted rate lies outside the {level} interval of the observed rate ("
                     + " and ".join(p for p in parts if p) + ")")
        return f"{where}; expected calibration error {format_number(self.ece, 'share')}"

    def summary(self) -> pd.DataFrame:
        """The evidence in rows a committee reads: what, and the value in words."""
        rows = [
            ("Scores", self.source),
            ("Cases with a score", f"{format_number(self.scored, 'count')} of "
                                   f"{format_number(self.rows, 'count')}"),
            ("With an observed outcome", format_number(self.labelled, "count")),
            (f"Bad outcome ({self.outcome})",
             f"{format_number(self.bad, 'count')} "
             f"({format_number(self.bad / self.labelled if self.labelled else None, 'share')})"),
            ("Discrimination: AUC", self.auc_text()),
            ("Calibration", self.calibration_words()),
        ]
        return pd.DataFrame(rows, columns=["evidence", "value"]).set_index("evidence")

    @property
    def frame(self) -> pd.DataFrame:
        """The evidence as a plain table: ``evidence`` and ``value`` (:meth:`summary`'s rows)."""
        return self.summary().reset_index()

    def calibration_frame(self) -> pd.DataFrame | None:
        """The reliability groups as a table: cases, mean prediction, observed rate, interval."""
        t = self.calibration
        if t is None or t.empty:
            return None
        level = format_number(self.level, "share", decimals=0)
        return pd.DataFrame({
            "group": np.arange(1, len(t) + 1),
            "cases": [format_number(v, "count") for v in t["count"]],
            "mean predicted": [format_number(v, "share") for v in t["mean_predicted"]],
            f"observed {self.predicts} outcome": [format_number(v, "share")
                                                  for v in t["observed_rate"]],
            f"{level} interval (Wilson)": [
                f"{format_number(lo, 'share')} to {format_number(hi, 'share')}"
                for lo, hi in zip(t["observed_low"], t["observed_high"])],
        }).set_index("group")

    def to_dict(self) -> dict:
        """What ``metrics.json`` records: counts, AUC with its interval, ECE (NaN as null)."""
        return plain({"signal": self.signal, "source": self.source, "kind": self.kind,
                "scored": self.scored, "labelled": self.labelled, "bad": self.bad,
                "auc": self.auc, "auc_low": self.auc_low, "auc_high": self.auc_high,
                "auc_interval": EVIDENCE_METHOD, "level": self.level,
                "ece": None if self.ece != self.ece else self.ece,
                "calibration_groups": 0 if self.calibration is None else len(self.calibration),
                "reason": self.reason})

    def alt_text(self) -> str:
        """What :meth:`plot` shows, for a reader without the image."""
        d = self.distribution
        parts = [f"Model evidence for signal '{self.signal}' ({self.source}), on "
                 f"{format_number(self.labelled, 'count')} cases with an observed outcome."]
        if self.calibration is not None and not self.calibration.empty:
            parts.append(f"Left: reliability curve, mean predicted against observed share of the "
                         f"{self.predicts} outcome in {len(self.calibration):,} groups, each "
                         f"with its count and {format_number(self.level, 'share', decimals=0)} "
                         f"Wilson interval; {self.calibration_words()}.")
        else:
            parts.append(f"Left: no reliability curve ({self.calibration_words()}).")
        parts.append(f"Middle: ROC curve, AUC {self.auc_text()}.")
        medians = []
        for name in ("good", "bad"):
            counts = d[name].to_numpy(dtype=float)
            if counts.sum() > 0:
                mid = (d["left"] + d["right"]).to_numpy() / 2
                cum = np.cumsum(counts) / counts.sum()
                medians.append(f"{name} outcomes centred near "
                               f"{self._score_text(mid[np.searchsorted(cum, 0.5)])}")
        parts.append("Right: distribution of the score by outcome" +
                     (": " + ", ".join(medians) if medians else "") + ".")
        return " ".join(parts)

    def _score_text(self, v: float) -> str:
        return format_number(v, "share" if self.kind == "probability" else "number")

    def plot(self, ax=None) -> EvidenceDisplay:
        """Reliability curve, ROC curve and score distributions, side by side.

        Parameters
        ----------
        ax : sequence of three matplotlib Axes, or one Axes to split, optional
            Default: a new figure.

        Returns
        -------
        EvidenceDisplay
            Holds the evidence; its ``plot(ax=...)`` draws it again.
        """
        return EvidenceDisplay(self).plot(ax=ax)

    def _draw_calibration(self, ax) -> None:
        t = self.calibration
        ax.set_title("Calibration: predicted against observed", fontsize=10, loc="left")
        if t is None or t.empty:
            ax.text(0.5, 0.5, self.calibration_words(), ha="center", va="center", wrap=True,
                    transform=ax.transAxes, color="#555555", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
            return
        top = float(min(1.0, max(t["observed_high"].max(), t["mean_predicted"].max(), 0.05)
                        * 1.08))
        ax.plot([0, top], [0, top], ls="--", color="grey", lw=1, label="Predicted = observed")
        yerr = np.vstack([t["observed_rate"] - t["observed_low"],
                          t["observed_high"] - t["observed_rate"]])
        level = format_number(self.level, "share", decimals=0)
        ax.errorbar(t["mean_predicted"], t["observed_rate"], yerr=yerr, marker="o", ms=4,
                    color=_LINE, capsize=3, lw=1,
                    label=f"Groups of cases ({level} Wilson interval)")
        for x, y, n in zip(t["mean_predicted"], t["observed_rate"], t["count"]):
            ax.annotate(format_number(n, "count"), (x, y), xytext=(4, -10),
                        textcoords="offset points", fontsize=7, color="#333333")
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.xaxis.set_major_formatter(tick_formatter("share"))
        ax.yaxis.set_major_formatter(tick_formatter("share"))
        ax.set_xlabel(f"Mean predicted {self.signal} (%)")
        ax.set_ylabel(f"Observed {self.predicts} outcome (%)")
        ax.legend(loc="upper left", frameon=False, fontsize=8)

    def _draw_roc(self, ax) -> None:
        ax.set_title("Discrimination: ROC curve", fontsize=10, loc="left")
        ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="No better than chance")
        if self.auc == self.auc:
            ax.plot(self.roc["false_positive_rate"], self.roc["true_positive_rate"], color=_LINE,
                    lw=1.5, drawstyle="steps-post" if len(self.roc) < 50 else "default",
                    label=f"AUC {self.auc_text()}")
        else:
            ax.text(0.5, 0.5, self.auc_text(), ha="center", va="center", wrap=True,
                    transform=ax.transAxes, color="#555555", fontsize=9)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.xaxis.set_major_formatter(tick_formatter("share"))
        ax.yaxis.set_major_formatter(tick_formatter("share"))
        side = "above" if self.higher_means == "risk" else "below"
        ax.set_xlabel(f"Good outcomes scored {side} the cut-off (%)")
        ax.set_ylabel(f"Bad outcomes scored {side} the cut-off (%)")
        ax.legend(loc="lower right", frameon=False, fontsize=8)

    def _draw_distribution(self, ax) -> None:
        d = self.distribution
        ax.set_title("Scores by outcome", fontsize=10, loc="left")
        edges = np.r_[d["left"].to_numpy(), d["right"].to_numpy()[-1:]]
        drawn = False
        for name, colour, style, words in (("good", _GOOD, "-", "Good outcome"),
                                           ("bad", _BAD, "-", "Bad outcome"),
                                           ("unlabelled", _UNKNOWN, "--", "No observed outcome")):
            counts = d[name].to_numpy(dtype=float)
            total = counts.sum()
            if total == 0:
                continue
            ax.stairs(counts / total, edges, color=colour, ls=style, lw=1.6,
                      label=f"{words} ({format_number(total, 'count')} cases)")
            drawn = True
        if self.kind == "probability":
            ax.xaxis.set_major_formatter(tick_formatter("share"))
        else:
            ax.xaxis.set_major_formatter(tick_formatter("number"))
        ax.yaxis.set_major_formatter(tick_formatter("share"))
        unit = " (%)" if self.kind == "probability" else ""
        ax.set_xlabel(f"{self.signal}{unit}")
        ax.set_ylabel("Share of the outcome's cases (%)")
        if drawn:
            ax.legend(loc="upper right", frameon=False, fontsize=8)


def _distribution(score: np.ndarray, labelled: np.ndarray, bad: np.ndarray, kind: str,
                  bins: int = 25) -> pd.DataFrame:
    """Counts of good, bad and unlabelled cases per score bin (tails in the end bins)."""
    finite = np.isfinite(score)
    s = score[finite]
    if kind == "probability":
        lo, hi = 0.0, float(min(1.0, max(np.quantile(s, 0.995) * 1.05, 0.05))) if len(s) else 1.0
    elif len(s):
        lo, hi = (float(v) for v in np.quantile(s, [0.005, 0.995]))
        if hi <= lo:
            lo, hi = lo - 0.5, hi + 0.5
    else:
        lo, hi = 0.0, 1.0
    edges = np.linspace(lo, hi, bins + 1)
    where = np.clip(np.searchsorted(edges[1:-1], np.clip(s, lo, hi), side="right"), 0, bins - 1)
    lab, b = labelled[finite], bad[finite]
    count = {name: np.bincount(where[mask], minlength=bins)
             for name, mask in (("good", lab & ~b), ("bad", lab & b), ("unlabelled", ~lab))}
    return pd.DataFrame({"left": edges[:-1], "right": edges[1:], **count})


def signal_evidence(score, labelled, bad, *, signal, source: str, outcome: str,
                    bins: int = 10) -> SignalEvidence:
    """Calibration, discrimination and score distributions of one signal.

    Intervals are 95%: Wilson intervals of each group's observed rate, and the
    DeLong interval of the AUC.

    Parameters
    ----------
    score : array-like of float
        The signal's value per case (NaN: no score).
    labelled, bad : array-like of bool
        Whether the case has an observed outcome, and whether it is the bad one
        (as the replay reads them: :attr:`trustlab.simulate.Replay.decisions`).
    signal : trustlab.policy Signal
        Its ``name``, ``kind`` and ``higher_means``.
    source : str
        Where the scores come from, in words.
    outcome : str
        The bad outcome in words.
    bins : int, default 10
        Groups of about equal size for the reliability curve.

    Returns
    -------
    SignalEvidence

    Examples
    --------
    >>> from trustlab.policy import Signal
    >>> sig = Signal("p", "probability", "m@1", "risk")
    >>> ev = signal_evidence([0.9, 0.4, 0.3, 0.4, 0.1, np.nan], [1, 1, 1, 1, 1, 0],
    ...                      [1, 1, 0, 0, 0, 0], signal=sig, source="supplied", outcome="bad",
    ...                      bins=2)
    >>> ev.labelled, ev.bad, round(ev.auc, 4), ev.calibration["count"].tolist()
    (5, 2, 0.9167, [2, 3])
    """
    level = 0.95
    s = np.asarray(score, dtype=float)
    lab = np.asarray(labelled, dtype=bool)
    b = np.asarray(bad, dtype=bool) & lab
    scored = np.isfinite(s)
    use = scored & lab
    y = b[use]
    x = s[use]
    ranked = x if signal.higher_means == "risk" else -x
    reasons = []
    if not use.any():
        reasons.append("no case has both a score and an observed outcome")
    elif y.all() or not y.any():
        reasons.append(f"every case with an observed outcome is {'bad' if y.all() else 'good'}, "
                       "so there is nothing to rank")
    auc, se, low, high = auc_delong(y, ranked, level=level) if not reasons else (float("nan"),) * 4
    calibration, ece = None, float("nan")
    if signal.kind == "probability" and use.any():
        if ((x < 0) | (x > 1)).any():
            reasons.append(f"'{signal.name}' has values outside [0, 1], so it is not read as a "
                           "probability")
        else:
            target = y if signal.higher_means == "risk" else ~y
            calibration = calibration_table(target, x, bins=bins, strategy="quantile")
            gap = (calibration["mean_predicted"] - calibration["observed_rate"]).abs()
            ece = float((gap * calibration["count"]).sum() / calibration["count"].sum())
    roc = roc_points(y, ranked) if not reasons or auc == auc else roc_points([], [])
    return SignalEvidence(
        signal=signal.name, kind=signal.kind, higher_means=signal.higher_means, source=source,
        outcome=outcome, rows=len(s), scored=int(scored.sum()), labelled=int(use.sum()),
        bad=int(y.sum()), auc=auc, auc_se=se, auc_low=low, auc_high=high, level=level,
        calibration=calibration, ece=ece, roc=roc,
        distribution=_distribution(s, lab, b, signal.kind), reason="; ".join(reasons))
