"""One registry of the kit's metrics, and summary tables that print each number by its kind.

Every metric a result shows is declared once with its kind of number
(:data:`trustlab._format.KINDS`: count, share, points, money, ratio, days,
drift measure, ...) and its words. Every table, ``summary()``,
``_repr_html_``, figure and annotation reads a metric's value through
:func:`format_metric` (or, for a kind without a metric,
:func:`trustlab._format.format_number`), so the same number reads the same
everywhere::

    from trustlab.metrics import format_metric, metric_words
    format_metric("bad_rate_favourable", 0.0395)                 # '4.0%'
    format_metric("automation_rate", 0.003, change=True)         # '+0.3 pts'
    format_metric("value_total", 1234.4, currency="EUR")         # 'EUR 1,234'

* :data:`METRICS`, :func:`metric`, :func:`kind_of`, :func:`metric_words` —
  the registry (``share.<action>`` is a share for any action);
* :func:`format_metric` — a metric's value, or a change of it;
* :func:`currency_of` — a policy's ``outcomes.currency`` (None: value units);
* :func:`summary_frame` — a DataFrame of numbers that prints by kind
  (:class:`SummaryFrame`), what ``summary()`` returns;
* :data:`RATIOS`, :func:`indicators`, :func:`ratio_values` — every rate as a
  ratio of two sums, the sums per row, and the rates from summed parts (what
  replay, trust, shadow runs and rollout stop rules share);
* :class:`SumsMetric`, :func:`sums_metric`, :func:`ratio_of_sums` — a
  result's metric declared as a ratio of two of its sums (trust over time,
  shadow runs), and its values with the reason a value is missing;
* :func:`metric_totals`, :func:`metric_table`, :func:`metric_table_from`,
  :func:`evaluate_checks`, :func:`activity_counts` — a replay's metric table
  and the policy's checks read from it.
"""

from ._frame import SummaryFrame, summary_frame
from ._ratios import SumsMetric, ratio_of_sums, sums_metric
from ._sums import (CHECK_COLUMNS, COMPARING_METRICS, DISPARITY_BASES, MIN_SEGMENT_ROWS,
                    MISSING_SEGMENT, RATIOS, GroupComparison, MetricTotals, activity_counts,
                    evaluate_checks, group_rules, indicators, metric_table, metric_table_from,
                    metric_totals, ratio_values, shared_codes)
from ._registry import (METRICS, Metric, currency_of, format_metric, is_registered, kind_of, metric,
                        metric_words)

__all__ = [
    "SumsMetric",
    "ratio_of_sums",
    "sums_metric",
    "CHECK_COLUMNS",
    "COMPARING_METRICS",
    "DISPARITY_BASES",
    "GroupComparison",
    "MIN_SEGMENT_ROWS",
    "MISSING_SEGMENT",
    "MetricTotals",
    "RATIOS",
    "activity_counts",
    "evaluate_checks",
    "group_rules",
    "indicators",
    "metric_table",
    "metric_table_from",
    "metric_totals",
    "ratio_values",
    "shared_codes",
    "METRICS",
    "Metric",
    "SummaryFrame",
    "currency_of",
    "format_metric",
    "is_registered",
    "kind_of",
    "metric",
    "metric_words",
    "summary_frame",
]
