"""A policy's drift: its signals, the features it reads, its decisions and its segments."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._codes import as_objects
from .._errors import DataError, Problem
from ._brake import brake_reference
from .._time import read_times, window_ids
from ..policy import columns_of
from ..policy import DriftBrake, Policy
from ._monitor import DEFAULT_WINDOW, DriftResult, drift_over_time

__all__ = ["policy_drift", "DECISION_COLUMNS", "NO_GUARDRAIL"]

DECISION_COLUMNS = ("action", "rule", "guardrail")
NO_GUARDRAIL = "(none)"


def _brake(policy: Policy) -> DriftBrake | None:
    return next((g for g in policy.guardrails if isinstance(g, DriftBrake)), None)


def policy_drift(policy: Policy, data: pd.DataFrame, *, records: pd.DataFrame | None = None,
                 reference=None, window=None, features=(), levels: str = "fixed",
                 metrics=None) -> DriftResult:
    """Data, signal, decision and context drift of ``policy`` over ``data``, reported apart.

    Parameters
    ----------
    policy : Policy
        With ``columns.time``.
    data : pandas.DataFrame
    records : pandas.DataFrame, optional
        ``policy.apply(data)`` when already made.
    reference : optional
        As :func:`drift_over_time`. Default: the policy's drift brake's
        reference when it has one, else the first quarter of the history
        (whole windows) — the result's ``reference.description`` says which.
    window : str, optional
        Default: the drift brake's window, else ``"1W"``.
    features : sequence of str
        More input columns to watch besides those the rules read.
    levels, metrics
        As :func:`drift_over_time`.

    Returns
    -------
    DriftResult
        Kinds: ``signal`` (the policy's signals), ``data`` (columns the rules
        read, and ``features``), ``decision`` (``action``, ``rule`` and
        ``guardrail`` of the decision records; ``(none)`` where no guardrail
        acted) and ``context`` (the policy's segments).
    """
    source = f"Drift of policy '{policy.name}@{policy.version}'"
    if policy.time_column is None:
        raise DataError(source, [Problem("columns.time", "is not set; drift is measured per "
                                                         "time window, so name the time column")])
    brake = _brake(policy)
    if window is None:
        window = brake.window if brake is not None else DEFAULT_WINDOW
    rec = policy.apply(data) if records is None else records
    signals = [s.name for s in policy.signals]
    read = [c for r in policy.rules if r.when is not None for c in columns_of(r.when)]
    inputs = list(dict.fromkeys([c for c in (*read, *features) if c not in signals]))
    missing = [c for c in (*inputs, *policy.segments) if c not in data.columns]
    if missing:
        raise DataError(source, [Problem("features", f"names columns the data lacks: "
                                                     f"{', '.join(missing)}")])
    ns = read_times(data[policy.time_column], policy.time_format,
                    column=policy.time_column).check(source)
    frame = {policy.time_column: pd.DatetimeIndex(ns).to_numpy()}  # read once, as the policy says
    kinds = {}
    for c in signals:
        frame[c], kinds[c] = data[c].to_numpy(), "signal"
    for c in inputs:
        frame[c], kinds[c] = data[c].to_numpy(), "data"
    for c in DECISION_COLUMNS:  # as objects from each column's few distinct values
        col = as_objects(rec[c], NO_GUARDRAIL if c == "guardrail" else np.nan)
        frame[f"decision.{c}"], kinds[f"decision.{c}"] = col, "decision"
    for c in policy.segments:
        if c not in frame:
            frame[c], kinds[c] = data[c].to_numpy(), "context"
    df = pd.DataFrame(frame)  # categories become text: references sort them by text anyway
    if reference is None:
        if brake is not None:
            reference = brake_reference(policy, brake)  # a file relative to the policy
        else:
            from ..policy import read_window

            w = read_window(window, source, "window")
            if w.calendar:  # a quarter of the calendar windows the history spans
                ids = window_ids(ns, w)
                n = max(1, int(np.ceil((int(ids.max()) - int(ids.min()) + 1) / 4)))
            else:
                span = (int(ns.max()) - int(ns.min())) / 4 / 1e9
                n = max(1, int(np.ceil(span / w.seconds)))
            reference = {"first": f"{n * w.count}{w.unit}"}
    return drift_over_time(df, reference, time=policy.time_column, window=window,
                           columns=[c for c in df.columns if c != policy.time_column],
                           kinds=kinds, levels=levels, metrics=metrics)
