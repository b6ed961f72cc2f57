"""The global view: what drives the signal beside what drives the decisions."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .._plotting import Display, axes_for
from .._result import Result, records

from ._codes import ReasonCodes

__all__ = ["GlobalView", "global_view", "DriversDisplay"]


class DriversDisplay(Display):
    """What drives the score beside which rules decide, drawn; holds both tables, draws again.

    Attributes
    ----------
    data : pandas.DataFrame
        The signal drivers (``reason``, ``mean_abs_contribution``, ...).
    rule_shares : pandas.DataFrame
        ``rule``, ``action``, ``rows``, ``share``.
    axes_ : tuple of two matplotlib Axes
        The drivers (``ax_``) and the rules.
    figure_ : matplotlib Figure
    """

    axes_: tuple = ()

    def __init__(self, view: GlobalView, top: int = 10):
        self.data = view.signal_drivers
        self.rule_shares = view.rule_shares
        self.__dict__["_options"] = {"top": top}

    def _draw(self, ax, top: int = 10):
        self.axes_ = _draw_drivers(self, ax, top)
        return self.axes_



@dataclass(frozen=True)
class GlobalView(Result):
    """Signal drivers (mean absolute contribution per reason group) and rule shares."""

    signal_drivers: pd.DataFrame  # reason, mean_abs_contribution, share_of_reasons, withheld
    rule_shares: pd.DataFrame  # rule, action, rows, share

    def plot(self, ax=None, top: int = 10) -> DriversDisplay:
        """Two bar charts side by side: what drives the score, and which rules decide."""
        return DriversDisplay(self, top=top).plot(ax=ax)

    @property
    def frame(self) -> pd.DataFrame:
        """The tidy table: :attr:`signal_drivers`, one row per reason group."""
        return self.signal_drivers

    def to_dict(self) -> dict:
        """Both tables as JSON holds them."""
        return {"result": "GlobalView", "signal_drivers": records(self.signal_drivers),
                "rule_shares": records(self.rule_shares)}

    def _repr_html_(self) -> str:
        left = self.signal_drivers.head(10).to_html(index=False, float_format=lambda v: f"{v:.3f}")
        right = self.rule_shares.to_html(index=False, formatters={"share": "{:.1%}".format})
        return (f"<div style='display:flex;gap:24px'><div><b>What drives the score</b>{left}</div>"
                f"<div><b>Which rules decide</b>{right}</div></div>")


def _draw_drivers(result, ax, top: int = 10):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    else:
        fig, ax = axes_for(ax, 2, (11, 4), (1, 2))
    d = result.data.head(top).iloc[::-1]
    ax[0].barh(d["reason"], d["mean_abs_contribution"], color="#4c72b0")
    ax[0].set_xlabel("Mean absolute contribution (log-odds of default)")
    ax[0].set_title("What drives the risk score")
    r = result.rule_shares.iloc[::-1]
    ax[1].barh(r["rule"] + " → " + r["action"], r["share"] * 100, color="#dd8452")
    ax[1].set_xlabel("Share of decisions (%)")
    ax[1].set_title("Which rules make the decisions")
    fig.tight_layout()
    return tuple(ax)


def global_view(codes: ReasonCodes, records: pd.DataFrame) -> GlobalView:
    """Signal drivers from the contributions beside the rule mix of the decisions.

    A driver that is a prohibited basis or a protected attribute is shown
    with its contribution and ``withheld`` True: it is never a reason, so its
    ``share_of_reasons`` is 0.
    """
    mean_abs = codes.contributions.abs().mean().sort_values(ascending=False)
    given = codes.frame.groupby("reason").size()
    drivers = pd.DataFrame({
        "reason": mean_abs.index.astype(str),
        "mean_abs_contribution": mean_abs.to_numpy(),
        "share_of_reasons": (given.reindex(mean_abs.index).fillna(0) / max(len(codes.frame), 1)).to_numpy(),
        "withheld": [codes.glossary.is_prohibited(g) for g in mean_abs.index],
    })
    rules = records.groupby(["rule", "action"], observed=True).size().rename("rows").reset_index()
    rules = rules[rules["rows"] > 0].sort_values("rows", ascending=False, ignore_index=True)
    rules["share"] = rules["rows"] / max(len(records), 1)
    rules["rule"] = rules["rule"].astype(str)
    rules["action"] = rules["action"].astype(str)
    return GlobalView(drivers, rules)
