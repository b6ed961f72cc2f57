"""Selective labels: what a replay cannot see, and how much its verdict leans on it.

History only shows outcomes for the cases someone said yes to. A new policy
that approves cases the old process declined ("swap-ins") is valued on cases
whose outcome was never observed, so its headline value rests on an
assumption. :func:`swap_analysis` makes that assumption explicit and stresses
it:

* every case is tagged against the baseline — the historical decisions or a
  champion policy's replay — as ``unchanged``, ``swap_in`` (newly
  favourable), ``swap_out`` (newly unfavourable), ``to_review`` (the new
  policy sends it to a person) or ``no_baseline`` (no baseline decision to
  compare with);
* swap-ins with no observed outcome are valued at the expected value of the
  favourable action, ``(1 - b) * good + b * bad``, where the bad rate ``b`` is
  a base rate times a stress multiplier (capped at 1); the baseline's
  decision on the same cases is valued under the same ``b``, so the two are
  compared on the same footing;
* for each multiplier: the headline value of the new policy, the baseline's,
  their difference on the cases both can value, and whether "the policy beats
  the baseline on value" still holds.

The base rate is ``assumed_bad_rate`` when given; else model-implied — the
policy's first ``kind: probability`` signal averaged over those swap-ins (one
minus it when higher means benefit); else the observed bad rate of the
labelled favourable decisions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from .._codes import codes_in
from .._plotting import Display, axes_for
from .._result import Result, plain, records
from .._format import axis_label, format_number, tick_formatter
from .._validate import InstanceOf, Interval, Options, Real, SequenceOf, validate_params
from ..metrics import SummaryFrame, currency_of, format_metric, summary_frame
from ..policy import Policy
from ._replay import Replay

__all__ = ["SwapResult", "SwapDisplay", "swap_analysis", "SWAP_TAGS", "STRESS_COLUMNS"]

SWAP_TAGS = ("unchanged", "swap_in", "swap_out", "to_review", "no_baseline")
"""The tags of :attr:`SwapResult.tags`, in order."""

STRESS_COLUMNS = ("multiplier", "bad_rate", "swap_in_value", "value_total", "value_per_decision",
                  "baseline_value_total", "baseline_value_per_decision", "difference",
                  "beats_baseline")
"""Columns of :attr:`SwapResult.stress`."""

_TAG_LABELS = {
    "unchanged": "Unchanged",
    "swap_in": "Newly favourable (swap-in)",
    "swap_out": "Newly unfavourable (swap-out)",
    "to_review": "Sent to a person",
    "no_baseline": "No baseline decision",
}


class SwapDisplay(Display):
    """A swap analysis drawn: rows per tag, and the value gained as the assumed bad rate grows.

    Holds the result and draws it again.

    Attributes
    ----------
    data : pandas.DataFrame
        The result's :attr:`~SwapResult.stress` table.
    source : SwapResult
    axes_ : tuple of two matplotlib Axes
        Rows per tag (``ax_``), and the value against the baseline.
    figure_ : matplotlib Figure
    """

    axes_: tuple = ()

    def __init__(self, result: SwapResult):
        self.source = result
        self.data = result.stress

    def _draw(self, ax):
        self.axes_ = _draw_swap(self.source, ax)
        return self.axes_



@dataclass(frozen=True, eq=False)
class SwapResult(Result):
    """Swap-in/swap-out tags against a baseline, and the value verdict under a stressed assumption.

    Attributes
    ----------
    tags : pandas.Series
        Categorical (:data:`SWAP_TAGS`), same index as the replayed data.
    counts : pandas.DataFrame
        One row per tag: ``tag``, ``rows``, ``share`` (of all rows),
        ``labelled`` (rows with an observed outcome) and ``labelled_share``
        (of the tag's rows; NaN for a tag with no rows).
    stress : pandas.DataFrame
        One row per multiplier (:data:`STRESS_COLUMNS`): the assumed
        ``bad_rate`` of unlabelled swap-ins, the ``swap_in_value`` (mean
        expected value of one), the new policy's ``value_total`` and
        ``value_per_decision`` with those swap-ins valued, the baseline's, the
        ``difference`` (new minus baseline, over cases both value) and
        ``beats_baseline`` (difference > 0).
    assumption : str
        The valuation assumption in one paragraph.
    baseline : str
        What the policy was compared with.
    base_bad_rate : float
        The bad rate at multiplier 1 (NaN when no swap-in lacks an outcome).
    basis : str
        ``"assumed"``, ``"model-implied"``, ``"observed"`` or ``"none"``.
    breakeven_bad_rate : float
        The swap-in bad rate at which the new policy's value equals the
        baseline's (NaN when there is none in [0, 1]).
    currency : str or None
        The policy's ``outcomes.currency`` (None: value units).
    """

    tags: pd.Series
    counts: pd.DataFrame
    stress: pd.DataFrame
    assumption: str
    baseline: str
    base_bad_rate: float
    basis: str
    breakeven_bad_rate: float
    currency: str | None = None

    def summary(self) -> SummaryFrame:
        """:attr:`stress`, one row per multiplier, printed by each column's kind."""
        return summary_frame(self.stress, currency=self.currency)

    @property
    def conclusion_survives(self) -> bool:
        """True when the policy beats the baseline on value at every multiplier."""
        return bool(self.stress["beats_baseline"].all())

    def plot(self, ax=None) -> SwapDisplay:
        """Rows per tag, and the value gained over the baseline as the swap-in bad rate grows.

        Parameters
        ----------
        ax : pair of matplotlib Axes, or one Axes to split, optional
            Default: a new figure with two panels.
        """
        return SwapDisplay(self).plot(ax=ax)

    @property
    def frame(self) -> pd.DataFrame:
        """The tidy table: :attr:`stress`, one row per multiplier."""
        return self.stress

    def to_dict(self) -> dict:
        """The analysis as JSON holds it: counts per tag, the stress table, the verdict."""
        return {"result": "SwapResult", "baseline": self.baseline, "basis": self.basis,
                "assumption": self.assumption, "base_bad_rate": plain(self.base_bad_rate),
                "breakeven_bad_rate": plain(self.breakeven_bad_rate),
                "conclusion_survives": self.conclusion_survives, "currency": self.currency,
                "counts": records(self.counts), "stress": records(self.stress)}

    def _repr_html_(self) -> str:
        counts = summary_frame(self.counts).to_html(index=False)
        stress = self.summary().to_html(index=False)
        verdict = ("holds at every multiplier" if self.conclusion_survives
                   else "does not hold at every multiplier")
        return (f"<div><b>Swap analysis against {escape(self.baseline)}</b><p>"
                f"{escape(self.assumption)}</p>{counts}<p>The policy beats the baseline on value: "
                f"<b>{verdict}</b>.</p>{stress}</div>")

    def __repr__(self) -> str:
        c = self.counts.set_index("tag")["rows"]
        return (f"SwapResult(baseline={self.baseline!r}, swap_in={c['swap_in']}, "
                f"swap_out={c['swap_out']}, to_review={c['to_review']}, basis={self.basis!r}, "
                f"conclusion_survives={self.conclusion_survives})")


def _draw_swap(result, ax):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    else:
        fig, ax = axes_for(ax, 2, (11, 4), (1, 2))
    c = result.counts.iloc[::-1]
    ax[0].barh([_TAG_LABELS[t] for t in c["tag"]], c["rows"], color="#9db4d6",
               label="All rows")
    ax[0].barh([_TAG_LABELS[t] for t in c["tag"]], c["labelled"], color="#4c72b0",
               label="With an observed outcome")
    ax[0].xaxis.set_major_formatter(tick_formatter("count"))
    ax[0].set_xlabel("Decisions (rows)")
    ax[0].set_title(f"What changes against {result.baseline}", fontsize=10)
    ax[0].legend(fontsize=8)
    s = result.stress
    colours = np.where(s["beats_baseline"], "#55a868", "#c44e52")
    ax[1].axhline(0, color="grey", linewidth=1)
    ax[1].plot(s["bad_rate"], s["difference"], color="#4c72b0", zorder=1)
    ax[1].scatter(s["bad_rate"], s["difference"], c=list(colours), zorder=2)
    for r in s.itertuples():
        ax[1].annotate(f"×{format_metric('multiplier', r.multiplier)}",
                       (r.bad_rate, r.difference),
                       textcoords="offset points", xytext=(4, 4), fontsize=8)
    if not math.isnan(result.breakeven_bad_rate):
        ax[1].axvline(result.breakeven_bad_rate, color="grey", linestyle=":",
                      label=f"Break-even: "
                            f"{format_metric('breakeven_bad_rate', result.breakeven_bad_rate)}")
        ax[1].legend(fontsize=8)
    ax[1].xaxis.set_major_formatter(tick_formatter("share"))
    ax[1].yaxis.set_major_formatter(tick_formatter("money_change", currency=result.currency))
    ax[1].set_xlabel(axis_label("Bad rate assumed for swap-ins with no outcome", "share"))
    ax[1].set_ylabel(axis_label("Value gained over the baseline", "money_change",
                                currency=result.currency))
    ax[1].set_title("Does the policy still beat the baseline? (green: yes)", fontsize=10)
    fig.tight_layout()
    return tuple(ax)


@dataclass(frozen=True)
class _Side:
    """One side's final decision per row, and how to value it under an assumed bad rate."""

    automated: np.ndarray  # the decision was made without a person (recorded decisions count)
    known: np.ndarray  # there is a final decision to compare
    favourable: np.ndarray
    value: np.ndarray  # as the replay valued it (NaN where it could not)
    good: np.ndarray  # value of the final decision for a good outcome (review cost taken off)
    bad: np.ndarray


def _action_table(policy: Policy) -> tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per action code: favourable, good, bad, cost (NaN where not declared)."""
    names = [a.name for a in policy.actions]
    out = policy.outcomes
    assert out is not None
    fav = np.array([a.favourable for a in policy.actions] + [False])
    good, bad, cost = (np.full(len(names) + 1, np.nan) for _ in range(3))
    for i, a in enumerate(policy.actions):
        try:
            v = out.value_of(a.name)
        except KeyError:
            continue
        good[i] = np.nan if v.good is None else v.good
        bad[i] = np.nan if v.bad is None else v.bad
        cost[i] = 0.0 if v.cost is None else v.cost
    return {n: i for i, n in enumerate(names)}, fav, good, bad, cost


def _codes(values: pd.Series, code: dict[str, int]) -> np.ndarray:
    """Action names → codes; missing or unknown → -1 (indexes the extra last slot)."""
    return codes_in(values, code)


def _new_side(replay: Replay) -> _Side:
    d = replay.decisions
    code, fav, good, bad, _ = _action_table(replay.policy)
    a = _codes(d["action"], code)
    auto = d["automated"].to_numpy(dtype=bool)
    return _Side(auto, np.ones(len(d), dtype=bool), fav[a] & auto,
                 d["value"].to_numpy(dtype=float), good[a], bad[a])


def _recorded_side(replay: Replay) -> tuple[_Side, str]:
    policy = replay.policy
    rev = policy.outcomes.reviewer  # type: ignore[union-attr]
    if rev is None or rev.decision is None:
        raise DataError("swap_analysis", [Problem(
            "baseline", f"'recorded' compares with the historical decisions named by "
                        f"`outcomes.reviewer.decision`, which policy '{policy.name}' does not "
                        f"declare; declare that column (with `reviewer.map`), or pass the Replay "
                        f"of a champion policy as `baseline`")])
    d = replay.decisions
    code, fav, good, bad, _ = _action_table(policy)
    a = _codes(d["recorded_action"], code)
    known = a >= 0
    values = np.column_stack([replay.values.to_numpy(dtype=float), np.full(len(d), np.nan)])
    value = values[np.arange(len(d)), a]
    side = _Side(np.ones(len(d), dtype=bool), known, fav[a] & known, value, good[a], bad[a])
    return side, f"the recorded decisions (column '{rev.decision}')"


def _champion_side(replay: Replay, champion: Replay) -> tuple[_Side, str]:
    d, c = replay.decisions, champion.decisions
    if len(c) != len(d) or not c.index.equals(d.index):
        raise DataError("swap_analysis", [Problem(
            "baseline", f"must be a Replay of the same data as the policy's replay (same rows "
                        f"and index); got {len(c):,} rows against {len(d):,}. Replay the "
                        f"champion policy on the same frame")])
    code, fav, good, bad, cost = _action_table(champion.policy)
    auto = c["automated"].to_numpy(dtype=bool)
    acted = _codes(c["action"], code)
    final = np.where(auto, acted, _codes(c["reviewer_action"], code))
    known = final >= 0
    review_cost = np.where(auto, 0.0, np.nan_to_num(cost[acted]))
    side = _Side(auto, known, fav[final] & known, c["value"].to_numpy(dtype=float),
                 good[final] - review_cost, bad[final] - review_cost)
    p = champion.policy
    return side, f"champion {p.name}@{p.version}"


def _tag(new: _Side, base: _Side) -> np.ndarray:
    both_human = ~new.automated & ~base.automated
    conditions = [
        ~new.automated & base.automated,
        both_human,
        ~base.known,
        new.favourable & ~base.favourable,
        ~new.favourable & base.favourable,
    ]
    choices = [SWAP_TAGS.index(t) for t in ("to_review", "unchanged", "no_baseline", "swap_in",
                                            "swap_out")]
    return np.select(conditions, choices, default=SWAP_TAGS.index("unchanged"))


def _base_rate(replay: Replay, target: np.ndarray,
               assumed: float | None) -> tuple[float, str, str]:
    """The bad rate at multiplier 1, its basis, and the basis in words."""
    n = int(target.sum())
    if assumed is not None:
        return float(assumed), "assumed", (f"the assumed bad rate of "
                                           f"{format_metric('base_bad_rate', assumed)} "
                                           f"(`assumed_bad_rate`)")
    if n == 0:
        return float("nan"), "none", "no base rate (none is needed)"
    policy, d = replay.policy, replay.decisions
    signal = next((s for s in policy.signals if s.kind == "probability"), None)
    if signal is not None and signal.name in replay.records.columns:
        p = replay.records[signal.name].to_numpy(dtype=float)[target]
        p = p[np.isfinite(p)]
        if len(p):
            benefit = signal.higher_means == "benefit"
            rate = float(np.mean(1.0 - p if benefit else p))
            return rate, "model-implied", (
                f"the model-implied bad rate of {format_metric('base_bad_rate', rate)} (the mean of "
                f"{'1 - ' if benefit else ''}'{signal.name}' over them)")
    fav_labelled = (d["favourable"].to_numpy(dtype=bool) & d["automated"].to_numpy(dtype=bool)
                    & d["labelled"].to_numpy(dtype=bool))
    if fav_labelled.any():
        rate = float(d["bad"].to_numpy(dtype=bool)[fav_labelled].mean())
        return rate, "observed", (f"the observed bad rate of "
                                  f"{format_metric('base_bad_rate', rate)} among the "
                                  f"{int(fav_labelled.sum()):,} labelled favourable decisions")
    raise DataError("swap_analysis", [Problem(
        "assumed_bad_rate", f"is needed: {n:,} swap-ins have no observed outcome, the policy has "
                            f"no probability signal to imply their bad rate, and no labelled "
                            f"favourable decision shows one; pass e.g. `assumed_bad_rate=0.1`")])


_POSITIVE = Interval(Real, 0, None, closed="neither")


def _total(v: np.ndarray) -> tuple[float, float]:
    valued = ~np.isnan(v)
    if not valued.any():
        return float("nan"), float("nan")
    total = float(v[valued].sum())
    return total, total / int(valued.sum())


@validate_params({
    "replay": [InstanceOf(Replay, hint="from trustlab.simulate.replay")],
    "baseline": [Options(("recorded",), name="'recorded' (the historical decisions)"),
                 InstanceOf(Replay, name="the Replay of a champion policy")],
    "stress": [Interval(Real, 0, None, closed="neither", name=""),
               SequenceOf(_POSITIVE, name="one or more positive numbers that multiply the base "
                                          "bad rate", hint="e.g. (1.0, 1.5, 2.0)")],
    "assumed_bad_rate": [Interval(Real, 0, 1, name="a bad rate between 0 and 1"),
                         Options((None,), name="None to use the model's")]})
def swap_analysis(replay: Replay, *, baseline: str | Replay = "recorded",
                  stress: Iterable[float] = (1.0, 1.25, 1.5, 2.0, 3.0),
                  assumed_bad_rate: float | None = None) -> SwapResult:
    """Tag every case against a baseline and stress the value of swap-ins nobody observed.

    Parameters
    ----------
    replay : Replay
        The replay of the new policy.
    baseline : 'recorded' or Replay, default 'recorded'
        ``'recorded'``: the historical decisions in the column named by the
        policy's ``outcomes.reviewer.decision``, mapped through
        ``reviewer.map``, valued as the decisions they were (no review cost).
        A :class:`Replay`: a champion policy replayed on the
        same data; where it sends a case to review, its final decision is the
        reviewer's (and the review's cost is counted).
    stress : sequence of float, default (1.0, 1.25, 1.5, 2.0, 3.0)
        Multipliers of the base bad rate (positive; sorted, duplicates dropped).
    assumed_bad_rate : float, optional
        The base bad rate of swap-ins with no outcome; default: model-implied
        (the policy's probability signal averaged over them), else the
        observed bad rate of labelled favourable decisions.

    Returns
    -------
    SwapResult

    Raises
    ------
    trustlab.ParameterError
        For a ``baseline``, ``stress`` or ``assumed_bad_rate`` that is not
        valid.
    trustlab.DataError
        For ``'recorded'`` with no recorded-decision column, a champion
        replayed on other rows, or no way to set a base bad rate.

    Examples
    --------
    >>> import trustlab
    >>> from trustlab.datasets import load_synthetic_sample
    >>> from trustlab.simulate import replay
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> s = swap_analysis(replay(p, load_synthetic_sample().head(2000)), stress=(1, 2))
    >>> s.counts[["tag", "rows"]]
               tag  rows
    0    unchanged  1050
    1      swap_in   132
    2     swap_out     2
    3    to_review   816
    4  no_baseline     0
    >>> s.basis, s.stress["multiplier"].tolist()
    ('model-implied', [1.0, 2.0])
    >>> bool(s.stress["value_total"].is_monotonic_decreasing)
    True
    """
    multipliers = tuple(sorted({float(m) for m in np.ravel(stress)}))
    d = replay.decisions
    new = _new_side(replay)
    if isinstance(baseline, Replay):
        base, described = _champion_side(replay, baseline)
    else:
        base, described = _recorded_side(replay)
    tag_code = _tag(new, base)
    tags = pd.Series(pd.Categorical.from_codes(tag_code, categories=list(SWAP_TAGS)),
                     index=d.index, name="swap")
    labelled = d["labelled"].to_numpy(dtype=bool)
    rows = np.bincount(tag_code, minlength=len(SWAP_TAGS))
    lab = np.bincount(tag_code, weights=labelled, minlength=len(SWAP_TAGS))
    lab_share = np.full(len(SWAP_TAGS), np.nan)
    np.divide(lab, rows, out=lab_share, where=rows > 0)
    counts = pd.DataFrame({"tag": list(SWAP_TAGS), "rows": rows.astype(np.int64),
                           "share": rows / len(d) if len(d) else np.full(len(SWAP_TAGS), np.nan),
                           "labelled": lab.astype(np.int64), "labelled_share": lab_share})

    swap_in = tag_code == SWAP_TAGS.index("swap_in")
    target = swap_in & ~labelled
    rate, basis, basis_text = _base_rate(replay, target, assumed_bad_rate)

    def valued(b: float) -> tuple[np.ndarray, np.ndarray]:
        vn, vb = new.value.copy(), base.value.copy()
        vn[target] = (1 - b) * new.good[target] + b * new.bad[target]
        vb[target] = (1 - b) * base.good[target] + b * base.bad[target]
        return vn, vb

    out = []
    for m in multipliers:  # a handful of multipliers; every row is handled in bulk
        b = min(1.0, rate * m) if target.any() else float("nan")
        vn, vb = valued(b if target.any() else 0.0)
        total, per = _total(vn)
        b_total, b_per = _total(vb)
        both = ~np.isnan(vn) & ~np.isnan(vb)
        diff = float((vn - vb)[both].sum())
        ev = float(vn[target].mean()) if target.any() else float("nan")
        out.append((m, b, ev, total, per, b_total, b_per, diff, diff > 0))
    stress_frame = pd.DataFrame(out, columns=list(STRESS_COLUMNS))
    stress_frame["beats_baseline"] = stress_frame["beats_baseline"].astype(bool)

    # the difference is linear in b (below the cap): solve for the bad rate where it is 0
    v0n, v0b = valued(0.0)
    v1n, v1b = valued(1.0)
    both = ~np.isnan(v0n) & ~np.isnan(v0b)
    at0 = float((v0n - v0b)[both].sum())
    slope = float((v1n - v1b)[both].sum()) - at0
    breakeven = -at0 / slope if slope != 0 else float("nan")
    if not 0 <= breakeven <= 1:
        breakeven = float("nan")

    n_swap, n_target = int(swap_in.sum()), int(target.sum())
    rule = replay.policy.outcomes.unlabelled  # type: ignore[union-attr]
    if n_target == 0:
        assumption = (f"No swap-in lacks an observed outcome ({n_swap:,} swap-ins), so no "
                      f"assumption is needed and every multiplier gives the same values.")
    else:
        assumption = (
            f"{n_target:,} of the {n_swap:,} swap-ins have no observed outcome. Each is valued "
            f"at the expected value of its decision, (1 - b) x good + b x bad, where the bad "
            f"rate b is {basis_text} times the stress multiplier "
            f"({', '.join(format_metric('multiplier', m) for m in multipliers)}), capped at "
            f"100%; the baseline's "
            f"decision on them is valued under the same b. Labelled cases keep their observed "
            f"values; other cases with no outcome are valued as `unlabelled: {rule}` says.")
        if not math.isnan(breakeven):
            times = (f" ({format_number(breakeven / rate, 'number')} times the base rate)"
                     if rate > 0 else "")
            assumption += (f" The policy and the baseline are worth the same at a swap-in bad "
                           f"rate of {format_metric('breakeven_bad_rate', breakeven)}{times}.")
    return SwapResult(tags, counts, stress_frame, assumption, described, rate, basis, breakeven,
                      currency_of(replay.policy))
