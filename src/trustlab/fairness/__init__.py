"""Fair decisions: how a policy's decisions and errors differ between groups of people.

A policy's ``fairness`` section names its protected attributes (never a
signal's feature, never a reason), the reference group of each and how a
disparity is judged. :func:`disparity` measures, for each group of each
protected attribute (and two crossed), the rates a replay measures —
favourable decisions, bad outcomes among them, good cases not given the call
right for them, bad cases given the call right for good ones, deferrals and
escalations — each beside the reference group's as a ratio and a difference,
all with counts and seeded bootstrap intervals, small groups marked and
adverse ratios said in words::

    import trustlab
    from trustlab.fairness import disparity

    policy = trustlab.load_policy("policies/retention-offer.yaml")
    d = disparity(policy, history, by="age_band")
    d.summary(); d.warnings; d.plot()

Every disparity metric is declared in :mod:`trustlab.metrics`
(``<rate>_ratio``, ``<rate>_difference``) and a policy check may bound it with
``by``: ``{metric: favourable_rate_difference, by: age_band, at_least: -0.05}``;
the groups a check judges and its reference group are those of
:func:`disparity` (:meth:`trustlab.simulate.MetricTotals.compare`).

* :func:`disparity`, :class:`Disparity` — the measurement and its result;
* :class:`DisparityDisplay` — its chart (favourable-rate ratio by group).
"""

from ._disparity import (CROSS_SEPARATOR, DISPARITY_METRICS, MISSING_GROUP, RATES, Disparity,
                         disparity)
from ._display import DISPLAY_COLUMNS, DisparityDisplay

__all__ = [
    "CROSS_SEPARATOR",
    "DISPARITY_METRICS",
    "DISPLAY_COLUMNS",
    "MISSING_GROUP",
    "RATES",
    "Disparity",
    "DisparityDisplay",
    "disparity",
]
