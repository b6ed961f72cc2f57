"""The drift brake, in time order and without look-ahead, in bulk and one record at a time.

A window's brake state depends only on data up to the end of the previous
window: window ``k`` is braked when window ``k - 1`` (the one just before it)
drifted to ``act`` or more on any watched column, measured against a
reference that was complete by the end of window ``k - 1``. While braked,
automated actions become the brake's ``then``. The bulk path
(:func:`braked_rows`) and the online path (:class:`BrakeTracker`) compute the
same windows, bins and values, so they brake the same records.

The brake is drift code: the engine receives what it decides — the braked
windows of a history (:class:`trustlab.engine.BrakeWindows`) or a tracker for
one record at a time — through the hooks :mod:`trustlab.drift` registers with
:func:`trustlab.engine.register_brakes` when it is imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from .._io import is_url
from ..engine import BrakeWindows
from ..policy import DriftBrake, DriftReference, Policy
from .._time import span_end, window_id, window_ids, window_starts
from ._measures import MEASURES
from ._monitor import reference_rows, window_values
from ._reference import Reference, load_reference

__all__ = ["braked_rows", "BrakeTracker", "brake_reference", "brake_reason",
           "brake_reference_of", "window_tops", "engaged"]


def brake_reference(policy: Policy, brake: DriftBrake) -> DriftReference:
    """The brake's reference, a ``file`` read relative to the policy file's folder (a URL
    as written)."""
    ref = brake.reference
    if ref.file is not None and policy.source and not Path(ref.file).is_absolute() \
            and not is_url(ref.file):
        return DriftReference(file=str(Path(policy.source).parent / ref.file))
    return ref


def _kinds(policy: Policy, brake: DriftBrake) -> dict[str, str]:
    signals = {s.name for s in policy.signals}
    return {c: "signal" if c in signals else "data" for c in brake.watch}


def brake_reason(brake: DriftBrake, start: pd.Timestamp, column: str, value: float) -> str:
    """The sentence a braked decision carries."""
    return (f"The drift brake {brake.id} is engaged: in the {brake.window.words} from "
            f"{start:%Y-%m-%d %H:%M} the {brake.metric.upper()} of '{column}' was "
            f"{value:.3g}, at or over {brake.act:g}, so automated decisions became "
            f"'{brake.then}'.")


def _check_types(brake: DriftBrake, ref, where: str) -> None:
    m = MEASURES[brake.metric]
    bad = [c for c in ref.columns if c.type not in m.types]
    if bad:
        raise DataError(where, [Problem(
            f"guardrails '{brake.id}'.metric",
            f"{brake.metric} applies to {' and '.join(m.types)} columns; "
            f"{', '.join(repr(c.name) for c in bad)} {'is' if len(bad) == 1 else 'are'} "
            f"{bad[0].type}: watch numeric columns or use psi")])


def _window_drift(brake: DriftBrake, ref, frame: pd.DataFrame, codes: np.ndarray, n: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The largest watched value per window, and which column gave it."""
    values = np.stack([window_values(c, frame[c.name], codes, n, (brake.metric,))[brake.metric]
                       for c in ref.columns])
    filled = np.where(np.isnan(values), -np.inf, values)
    which = filled.argmax(axis=0)
    return filled.max(axis=0), which


def brake_reference_of(policy: Policy, brake: DriftBrake, data: pd.DataFrame | None,
                       ns: np.ndarray | None, source: str):
    """The brake's :class:`~trustlab.drift.Reference` and when it is complete (ns; None: before
    any data). ``data`` (with times ``ns``) holds at least the reference rows unless the
    reference is a file."""
    spec = brake_reference(policy, brake)
    if spec.file is not None:
        ref = load_reference(spec.file)
        lacking = [c for c in brake.watch if c not in ref.names]
        if lacking:
            raise DataError(source, [Problem(f"guardrails '{brake.id}'.reference", f"the saved "
                                             f"reference has no {', '.join(lacking)}; it holds "
                                             f"{', '.join(ref.names)}")])
        ref = Reference(tuple(ref.column(c) for c in brake.watch), ref.rows, ref.description)
        complete = None
    else:
        rows, _, complete = reference_rows(spec, ns, source, f"guardrails '{brake.id}'.reference")
        ref = Reference.from_data(data.iloc[rows], list(brake.watch), kinds=_kinds(policy, brake))
    _check_types(brake, ref, source)
    return ref, complete


def window_tops(brake: DriftBrake, ref, data: pd.DataFrame, ns: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each window's id, its largest watched drift and the reference column that gave it."""
    ids, codes = np.unique(window_ids(ns, brake.window), return_inverse=True)
    top, which = _window_drift(brake, ref, data, codes, len(ids))
    return ids, top, which


def engaged(brake: DriftBrake, ref, complete: int | None, ids: np.ndarray, top: np.ndarray,
            which: np.ndarray) -> BrakeWindows:
    """The windows braked because the window before drifted to ``act`` against a complete
    reference."""
    ends = window_starts(ids + 1, brake.window).asi8
    measured = np.ones(len(ids), dtype=bool) if complete is None else complete <= ends
    hot = measured & (top >= brake.act)
    starts = window_starts(ids, brake.window)
    texts = tuple(brake_reason(brake, starts[i], ref.columns[which[i]].name, float(top[i]))
                  for i in np.flatnonzero(hot))
    return BrakeWindows(brake.window, (ids[hot] + 1).astype(np.int64), texts)


def braked_rows(policy: Policy, brake: DriftBrake, data: pd.DataFrame, ns: np.ndarray,
                source: str) -> BrakeWindows:
    """The windows ``brake`` engages in over ``data`` (a whole history, times ``ns``)."""
    ref, complete = brake_reference_of(policy, brake, data, ns, source)
    return engaged(brake, ref, complete, *window_tops(brake, ref, data, ns))


@dataclass
class BrakeTracker:
    """What the online path keeps for one drift brake: the reference and the current window."""

    brake: DriftBrake
    spec: DriftReference
    kinds: dict
    start_ns: int | None = None
    reference_rows: int = 0
    complete_ns: int | None = None
    reference_values: dict = field(default_factory=dict)
    reference: Any = None
    window: int | None = None
    values: dict = field(default_factory=dict)
    braked: tuple[int, str] | None = None  # (window id, text)

    @classmethod
    def for_brake(cls, policy: Policy, brake: DriftBrake) -> BrakeTracker:
        spec = brake_reference(policy, brake)
        kinds = _kinds(policy, brake)
        t = cls(brake, spec, kinds)
        if spec.file is not None:
            ref = load_reference(spec.file)
            t.reference = Reference(tuple(ref.column(c) for c in brake.watch), ref.rows,
                                    ref.description)
            _check_types(brake, t.reference, "Record")
        return t

    def _ready_by(self, end_ns: int) -> bool:
        if self.spec.file is not None:
            return True
        if self.spec.first is not None:
            return self.start_ns is not None and span_end(self.start_ns, self.spec.first) <= end_ns
        return self.complete_ns is not None and self.complete_ns <= end_ns

    def _close(self) -> None:
        """Measure the window that just ended; brake the next one if it drifted."""
        if self.window is None:
            return
        end = int(window_starts(np.array([self.window + 1]), self.brake.window).asi8[0])
        if not self._ready_by(end):
            return
        if self.reference is None:
            frame = pd.DataFrame({c: pd.Series(v) for c, v in self.reference_values.items()})
            self.reference = Reference.from_data(frame, list(self.brake.watch), kinds=self.kinds)
            _check_types(self.brake, self.reference, "Record")
            self.reference_values = {}
        frame = pd.DataFrame({c: pd.Series(v) for c, v in self.values.items()})
        top, which = _window_drift(self.brake, self.reference, frame,
                                   np.zeros(len(frame), dtype=np.int64), 1)
        if top[0] >= self.brake.act:
            start = window_starts(np.array([self.window]), self.brake.window)[0]
            self.braked = (self.window + 1, brake_reason(
                self.brake, start, self.reference.columns[which[0]].name, float(top[0])))

    def observe(self, ns: int, record: Mapping[str, Any]) -> str | None:
        """Take one record (in time order); the brake's text when its window is braked."""
        w = window_id(ns, self.brake.window)
        if self.window is not None and w < self.window:
            raise DataError("Record", [Problem(
                f"guardrails '{self.brake.id}'",
                f"records must arrive in time order: window {w} comes after window "
                f"{self.window}; use a fresh GuardrailState to replay out of order")])
        if w != self.window:
            self._close()
            self.window, self.values = w, {c: [] for c in self.brake.watch}
        row = {c: _value(record.get(c)) for c in self.brake.watch}
        for c, v in row.items():
            self.values[c].append(v)
        if self.start_ns is None:
            self.start_ns = ns
        in_reference = (self.spec.first is not None
                        and ns < span_end(self.start_ns, self.spec.first)) or \
                       (self.spec.rows is not None and self.reference_rows < self.spec.rows)
        if in_reference and self.reference is None:
            for c, v in row.items():
                self.reference_values.setdefault(c, []).append(v)
            self.reference_rows += 1
            if self.spec.rows is not None and self.reference_rows == self.spec.rows:
                self.complete_ns = ns
        if self.braked is not None and self.braked[0] == w:
            return self.braked[1]
        return None


def _value(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return np.nan
    if isinstance(v, float) and v != v:
        return np.nan
    return v
