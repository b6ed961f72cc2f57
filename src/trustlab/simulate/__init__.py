"""Simulate a policy on history: replay and value every decision, measure, check, explore.

* :func:`replay` decides every case of a historical data set, values each
  decision from the policy's ``outcomes`` (the reviewer included), computes
  every metric of the policy format overall and by segment, and evaluates the
  policy's checks; the :class:`Replay` holds the tidy frames.
* :func:`action_values` is the value of every case under every action, the
  one table replays, sweeps and band grids all read.
* :func:`bootstrap_metrics` gives seeded intervals for the headline metrics;
  :func:`swap_analysis` states and stresses what selective labels hide;
  :func:`review_load` sets reviews against capacity (backlog and delay).
* :func:`threshold_sweep` gives one rule's every threshold at once and
  :func:`band_grid` the approve and decline lines over a grid with a review
  capacity, each cell exactly what a replay would report.
* :func:`compare_scenarios` replays what-ifs (:class:`Outage`,
  :class:`KillSwitch`, :class:`RemoveGuardrail`, :class:`TightenRateLimit`,
  :class:`ReviewerAccuracy`) against the baseline, keeping every row.
* :class:`PolicyExplorer` (the review band) and :class:`GuardrailExplorer` (rate limits,
  kill switch, reviewer accuracy) are the notebook widgets; the band's logic is
  :func:`explorer_state`.
"""

from ._bootstrap import BootstrapResult, bootstrap_metrics
from ._capacity import ReviewLoad, review_load
from ._edit import (
    rule_threshold,
    with_rate_limit,
    with_threshold,
    with_unlabelled,
    without_guardrail,
)
from ._grid import BandGrid, band_grid
from ._explorer import ExplorerState, PolicyExplorer, band_policy, explorer_state
from ._guard_explorer import GuardrailExplorer
from ._labels import SwapResult, swap_analysis
from ._alternatives import Alternatives, search_alternatives, threshold_rule, threshold_rules
from ._lda import LdaDisplay, LdaSearch, lda_search
from ..metrics import (MIN_SEGMENT_ROWS, MetricTotals, evaluate_checks, metric_table,
                       metric_table_from, metric_totals)
from ._plots import plot_replay, plot_reviews_per_window, plot_segment_rates
from ._replay import DECISION_COLUMNS, Replay, replay
from ._scenarios import (
    KillSwitch,
    Outage,
    RemoveGuardrail,
    ReviewerAccuracy,
    ScenarioComparison,
    TightenRateLimit,
    compare_scenarios,
)
from ._sweep import SweepResult, threshold_sweep
from ._value import Outcome, action_values, observed_outcome, reviewer_decisions

__all__ = [
    "Alternatives",
    "search_alternatives",
    "threshold_rule",
    "threshold_rules",
    "DECISION_COLUMNS",
    "MIN_SEGMENT_ROWS",
    "BandGrid",
    "BootstrapResult",
    "ExplorerState",
    "KillSwitch",
    "MetricTotals",
    "Outage",
    "Outcome",
    "GuardrailExplorer",
    "LdaDisplay",
    "LdaSearch",
    "PolicyExplorer",
    "RemoveGuardrail",
    "Replay",
    "ReviewLoad",
    "ReviewerAccuracy",
    "ScenarioComparison",
    "SwapResult",
    "SweepResult",
    "TightenRateLimit",
    "action_values",
    "band_grid",
    "band_policy",
    "bootstrap_metrics",
    "compare_scenarios",
    "evaluate_checks",
    "explorer_state",
    "lda_search",
    "metric_table",
    "metric_table_from",
    "metric_totals",
    "observed_outcome",
    "plot_replay",
    "plot_reviews_per_window",
    "plot_segment_rates",
    "replay",
    "review_load",
    "reviewer_decisions",
    "rule_threshold",
    "swap_analysis",
    "threshold_sweep",
    "with_rate_limit",
    "with_threshold",
    "with_unlabelled",
    "without_guardrail",
]
