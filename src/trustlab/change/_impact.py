"""A policy change in words, and its impact on history: flips, their causes, deltas with intervals.

:func:`describe_changes` reads :func:`~trustlab.policy.policy_changes` (every
field that differs) and says each change the way a reviewer would: a rule
added or removed, rules reordered, a threshold moved, a guardrail or check
changed, the owner or mode changed. :func:`policy_impact` replays both
versions over the same history and reports the flip matrix (old action × new
action), which rules made the flips, the change in value, bad rate and
workload with paired bootstrap intervals, and example flipped cases with both
reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from .._codes import objects_at
from .._plotting import Display
from .._result import Result, records
from ..metrics import (SummaryFrame, currency_of, format_metric, metric_words, shared_codes,
                       summary_frame)
from ..policy import (CHANGE_KINDS, Policy, bump_version, describe_changes,
                      require_version_bump)
from ..simulate import Replay, bootstrap_metrics, replay

__all__ = ["ImpactDisplay", "ImpactResult", "bump_version", "describe_changes", "policy_impact",
           "require_version_bump",
           "CHANGE_KINDS", "DELTA_METRICS"]

DELTA_METRICS = ("value_per_decision", "value_total", "bad_rate_favourable", "automation_rate",
                 "favourable_rate")
"""Metrics whose change :func:`policy_impact` gives with a paired bootstrap interval."""

class ImpactDisplay(Display):
    """The flip matrix of two versions as a heat map; holds it and draws it again.

    Attributes
    ----------
    data : pandas.DataFrame
        Rows by old action × new action, with totals (:attr:`ImpactResult.flips`).
    old, new : str
        The two versions' identities (axis labels).
    ax_, figure_ : matplotlib Axes and Figure
    """

    def __init__(self, flips: pd.DataFrame, old: str, new: str):
        self.data = flips
        self.old, self.new = old, new

    def _draw(self, ax):
        import matplotlib.pyplot as plt

        m = self.data.drop(index="total", columns="total")
        fig, ax = plt.subplots(figsize=(1.2 * m.shape[1] + 3, 0.8 * m.shape[0] + 2)) \
            if ax is None else (ax.figure, ax)
        total = max(int(self.data.loc["total", "total"]), 1)
        ax.imshow(m.to_numpy() / total, cmap="Blues", vmin=0, vmax=1)
        for i in range(m.shape[0]):
            for j in range(m.shape[1]):
                v = int(m.iat[i, j])
                colour = "#c0392b" if m.index[i] != m.columns[j] and v else "#222222"
                ax.text(j, i, format_metric("decisions", v), ha="center", va="center",
                        color=colour)
        ax.set_xticks(range(m.shape[1]), m.columns)
        ax.set_yticks(range(m.shape[0]), m.index)
        ax.set_xlabel(f"new: {self.new}")
        ax.set_ylabel(f"old: {self.old}")
        ax.set_title("Decisions by old and new action (flips in red)", loc="left", fontsize=10)
        fig.tight_layout()
        return ax


@dataclass(frozen=True, eq=False)
class ImpactResult(Result):
    """Two versions of a policy replayed over the same history.

    Attributes
    ----------
    old, new : Policy
    changes : pandas.DataFrame
        :func:`describe_changes`.
    old_replay, new_replay : Replay
    flips : pandas.DataFrame
        Rows by old action (index) × new action (columns), with totals: the
        grand total is the number of rows.
    causes : pandas.DataFrame
        Flipped rows by the rule (and guardrail) that decided them under each
        version: ``old_rule``, ``new_rule``, ``old_action``, ``new_action``,
        ``rows``, ``share`` of all flips.
    deltas : pandas.DataFrame
        ``metric``, ``old``, ``new``, ``change`` and the paired bootstrap
        interval of the change (``low``, ``high``; NaN without a bootstrap).
    examples : pandas.DataFrame
        Flipped cases with both actions and both reasons.
    """

    old: Policy
    new: Policy
    changes: pd.DataFrame
    old_replay: Replay
    new_replay: Replay
    flips: pd.DataFrame
    causes: pd.DataFrame
    deltas: pd.DataFrame
    examples: pd.DataFrame

    @property
    def flipped(self) -> int:
        """Rows whose final action differs between the versions."""
        return int(self.causes["rows"].sum()) if len(self.causes) else 0

    @property
    def _currency(self) -> str | None:
        return currency_of(self.new)

    def summary(self) -> SummaryFrame:
        """:attr:`deltas` by ``metric``: old, new and their change (printed as a change: a
        share's in points), with the change's interval.

        :meth:`in_words` says the change and its impact in sentences.
        """
        return summary_frame(self.deltas.set_index("metric"), metric_column="metric",
                             values=["old", "new"], changes=["change", "low", "high"],
                             currency=self._currency)

    def __str__(self) -> str:
        return self.in_words()

    def in_words(self) -> str:
        """The change and its impact in a few plain sentences."""
        n = int(self.flips.loc["total", "total"])
        cur = self._currency

        def f(name: str, v, change: bool = False) -> str:
            return format_metric(name, v, currency=cur, change=change)

        lines = [f"{self.old.identity} → {self.new.identity}: {len(self.changes)} change"
                 f"{'s' if len(self.changes) != 1 else ''}; {f('decisions', self.flipped)} of "
                 f"{f('decisions', n)} decisions ({f('share', self.flipped / max(n, 1))}) "
                 f"would flip."]
        if len(self.causes):
            top = self.causes.iloc[0]
            lines.append(f"Most flips ({f('rows', top['rows'])}) go from '{top['old_action']}' "
                         f"by rule {top['old_rule']} to '{top['new_action']}' by rule "
                         f"{top['new_rule']}.")
        for r in self.deltas.itertuples():
            iv = ("" if r.low != r.low else
                  f" (95% interval {f(r.metric, r.low, True)} to {f(r.metric, r.high, True)})")
            lines.append(f"{metric_words(r.metric).capitalize()}: {f(r.metric, r.old)}"
                         f" → {f(r.metric, r.new)}, change {f(r.metric, r.change, True)}{iv}.")
        return "\n".join(lines)

    @property
    def frame(self) -> pd.DataFrame:
        """The tidy table: :attr:`deltas`, one row per metric (old, new, change, interval)."""
        return self.deltas

    def plot(self, ax=None) -> ImpactDisplay:
        """The flip matrix as a heat map (share of rows), changes annotated.

        Returns
        -------
        ImpactDisplay
            Holds the flip matrix; its ``plot(ax=...)`` draws it again.
        """
        return ImpactDisplay(self.flips, self.old.identity, self.new.identity).plot(ax=ax)

    def to_dict(self) -> dict:
        """The impact as JSON holds it: both versions, the changes, flips, causes and deltas."""
        return {"result": "ImpactResult", "old": self.old.identity, "new": self.new.identity,
                "flipped": self.flipped, "in_words": self.in_words(),
                "changes": records(self.changes), "flips": records(self.flips),
                "causes": records(self.causes), "summary": records(self.summary()),
                "frame": records(self.deltas)}

    def _repr_html_(self) -> str:
        changes = "".join(f"<li>{escape(t)}</li>" for t in self.changes["change"])
        flipped = format_metric("decisions", self.flipped)
        return (f"<div><b>{escape(self.old.identity)} → {escape(self.new.identity)}</b>"
                f"<ul>{changes or '<li>no change</li>'}</ul>"
                f"<p>{flipped} decisions flip.</p>{self.flips.to_html()}"
                f"{self.summary().to_html()}</div>")


def _flip_causes(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    moved = actions_differ(a["action"], b["action"])
    key = pd.DataFrame({
        "old_rule": rule_and_guard(a, moved), "new_rule": rule_and_guard(b, moved),
        "old_action": objects_at(a["action"], moved),
        "new_action": objects_at(b["action"], moved)})
    if key.empty:
        return key.assign(rows=pd.Series(dtype=np.int64), share=pd.Series(dtype=float))
    t = key.value_counts(sort=False).rename("rows").reset_index()
    t = t.sort_values(["rows", "old_rule", "new_rule"], ascending=[False, True, True],
                      kind="stable").reset_index(drop=True)
    t["share"] = t["rows"] / t["rows"].sum()
    return t


def _flips(old: pd.Series, new: pd.Series) -> pd.DataFrame:
    """Cases by old action (rows) and new action (columns) with totals, as
    ``pandas.crosstab(old, new, margins=True, margins_name="total")`` counts them, from
    codes rather than text."""
    (x, y), names = shared_codes([old, new])
    both = (x >= 0) & (y >= 0)
    k = max(len(names), 1)
    grid = np.bincount(x[both] * k + y[both], minlength=k * k).reshape(k, k)
    rows = sorted((i for i in range(len(names)) if grid[i].any()), key=lambda i: names[i])
    cols = sorted((j for j in range(len(names)) if grid[:, j].any()), key=lambda j: names[j])
    table = pd.DataFrame(grid[np.ix_(rows, cols)],
                         index=pd.Index([names[i] for i in rows], name="old"),
                         columns=pd.Index([names[j] for j in cols], name="new"))
    table["total"] = table.sum(axis=1)
    table.loc["total"] = table.sum(axis=0)
    return table


def actions_differ(a: pd.Series, b: pd.Series) -> np.ndarray:
    """True where two columns of action names differ (compared as codes, not text)."""
    (x, y), _ = shared_codes([a, b])
    return x != y


def rule_and_guard(records: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """``rule`` (``"rule + guardrail"`` where a guardrail changed it) of the records at
    ``rows``, as an object array."""
    rule = objects_at(records["rule"], rows)
    guard = objects_at(records["guardrail"], rows)
    has = pd.notna(guard)
    out = rule.copy()
    out[has] = [f"{r} + {g}" for r, g in zip(rule[has], guard[has])]
    return out


def policy_impact(old: Policy, new: Policy, data: pd.DataFrame, *, seed: int = 0,
                  bootstrap: int = 1000, examples: int = 5,
                  old_replay: Replay | None = None, new_replay: Replay | None = None
                  ) -> ImpactResult:
    """Replay ``old`` and ``new`` over ``data`` and say what the change does.

    Parameters
    ----------
    old, new : Policy
        Both with ``outcomes``. The same ``name@version`` with different
        content is refused.
    data : pandas.DataFrame
    seed : int
        Seeds both replays' simulated reviewer, the bootstrap and the examples.
    bootstrap : int
        Replicates of the paired bootstrap (the same resampled rows for both
        versions); 0 for no intervals.
    examples : int
        Flipped cases to show.
    old_replay, new_replay : Replay, optional
        Replays already made of ``data`` (a review has them).

    Returns
    -------
    ImpactResult

    Examples
    --------
    >>> from trustlab import load_policy
    >>> from trustlab.datasets import make_history
    >>> from trustlab.simulate import with_threshold
    >>> p = load_policy("policies/consumer-credit.yaml")
    >>> q = bump_version(with_threshold(p, "high-risk", 0.3), "1.2.1")
    >>> r = policy_impact(p, q, make_history(n_days=20, applications_per_day=40), bootstrap=0)
    >>> int(r.flips.loc["total", "total"]) == len(r.old_replay.decisions)
    True
    >>> r.causes[["old_rule", "new_rule", "old_action", "new_action"]].iloc[0].tolist()
    ['uncertain', 'high-risk', 'review', 'decline']
    """
    require_version_bump(old, new)
    a = old_replay if old_replay is not None else replay(old, data, seed=seed)
    b = new_replay if new_replay is not None else replay(new, data, seed=seed)
    flips = _flips(a.decisions["action"], b.decisions["action"])
    causes = _flip_causes(a.records, b.records)
    ma = a.metrics[a.metrics["by"].isna()].set_index("metric")["value"]
    mb = b.metrics[b.metrics["by"].isna()].set_index("metric")["value"]
    low = high = np.full(len(DELTA_METRICS), np.nan)
    if bootstrap and len(data):
        ba = bootstrap_metrics(a, n=bootstrap, seed=seed)
        bb = bootstrap_metrics(b, n=bootstrap, seed=seed)  # same seed, same rows: paired
        cols = [int(np.flatnonzero((ba.frame["metric"] == m) & ba.frame["by"].isna())[0])
                for m in DELTA_METRICS]
        diff = bb.samples[:, cols] - ba.samples[:, cols]
        with np.errstate(invalid="ignore"):
            low, high = np.nanpercentile(diff, [2.5, 97.5], axis=0)
    deltas = pd.DataFrame({
        "metric": DELTA_METRICS,
        "old": [float(ma.get(m, np.nan)) for m in DELTA_METRICS],
        "new": [float(mb.get(m, np.nan)) for m in DELTA_METRICS]})
    deltas["change"] = deltas["new"] - deltas["old"]
    deltas["low"], deltas["high"] = low, high
    moved = np.flatnonzero(actions_differ(a.records["action"], b.records["action"]))
    pick = np.random.default_rng(seed).choice(moved, size=min(examples, len(moved)),
                                              replace=False) if examples else moved[:0]
    pick = np.sort(pick)
    ex = pd.DataFrame({
        "old_action": objects_at(a.records["action"], pick),
        "old_reason": objects_at(a.records["reason"], pick),
        "new_action": objects_at(b.records["action"], pick),
        "new_reason": objects_at(b.records["reason"], pick),
    }, index=a.records.index[pick])
    return ImpactResult(old, new, describe_changes(old, new), a, b, flips, causes, deltas, ex)
