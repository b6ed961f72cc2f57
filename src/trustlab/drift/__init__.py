"""Drift over time: data, signal, decision and context drift against a saved reference.

* :class:`Reference` bins and counts each monitored column once
  (:meth:`Reference.from_data`), is saved with :meth:`Reference.save` and read
  back with :func:`load_reference`, so later windows and later reviews compare
  with the very same bins.
* :func:`drift_over_time` measures every column in every time window — PSI,
  KS and Jensen–Shannon for numeric columns, PSI and chi-square for
  categorical ones — with fixed or learned warn/act levels.
* :func:`policy_drift` does it for a policy: its signals, the features its
  rules read, its decisions (action, rule, guardrail) and its segments.
* :func:`expected_vs_realised` is the label-free early warning: the bad rate
  the calibrated signal expects among approved cases, beside the realised rate
  once outcomes arrive.
* :class:`DriftExplorer` is the notebook widget: window, reference span,
  measure and levels.
* :class:`DriftCounts` holds the counts drift is measured from, for one
  part of a history; parts merge exactly (see :func:`trustlab.scale.drift_over_time`).
* The drift brake is drift code: :func:`braked_rows` decides the windows a
  policy's brake engages in over a history, :class:`BrakeTracker` follows it
  one record at a time; both are registered with the engine on import
  (:func:`trustlab.engine.register_brakes`). :func:`brake_reference_of`,
  :func:`window_tops` and :func:`engaged` are the same decision in steps, for
  backends that read a history in parts.
"""

from ..engine import register_brakes
from ._brake import (BrakeTracker, brake_reason, brake_reference, brake_reference_of, braked_rows,
                     engaged, window_tops)
from ._detect import detection
from ._explorer import DriftExplorer
from ._measures import EPSILON, MEASURES, Measure
from ._monitor import DEFAULT_WINDOW, DriftResult, drift_over_time
from ._partial import DriftCounts
from ._outcomes import ExpectedResult, expected_vs_realised
from ._plots import DriftDisplay, plot_drift
from ._policy import policy_drift
from ._reference import KINDS, ColumnReference, Reference, load_reference

register_brakes(windows=braked_rows, tracker=BrakeTracker.for_brake)

__all__ = [
    "DEFAULT_WINDOW",
    "EPSILON",
    "KINDS",
    "MEASURES",
    "BrakeTracker",
    "ColumnReference",
    "DriftCounts",
    "DriftDisplay",
    "DriftExplorer",
    "DriftResult",
    "ExpectedResult",
    "Measure",
    "Reference",
    "brake_reason",
    "brake_reference",
    "brake_reference_of",
    "braked_rows",
    "detection",
    "drift_over_time",
    "engaged",
    "expected_vs_realised",
    "load_reference",
    "plot_drift",
    "policy_drift",
    "window_tops",
]
