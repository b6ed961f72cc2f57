"""A drift brake's windows, decided over a history read in parts.

The brake engages in window ``k`` when window ``k - 1`` drifted to its act
level against a reference. Over parts of a history that takes two passes
(three when the reference is drawn from the history itself):

1. the reference rows: every part offers its candidates (rows in the first
   span of the history, or its first ``rows`` rows), and the offers are
   merged down to the reference the in-memory brake would use — memory holds
   the reference's watched columns, nothing more;
2. each brake window's largest drift, measured exactly (KS included) in
   parts cut at window boundaries, so each window lies whole in one part;
3. the windows that follow a hot one, with their sentences
   (:func:`~trustlab.drift.engaged`, the in-memory brake's own code).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from ..drift import brake_reference, brake_reference_of, engaged, window_tops
from ..engine import BrakeWindows
from .._time import span_end
from ..policy import DriftBrake, DriftReference, Policy
from ._run import Source, _ns, fold_partials

__all__ = ["decide_brakes"]


@dataclass(frozen=True)
class _Offer:
    """Rows that may belong to a reference, with their times."""

    frame: pd.DataFrame
    ns: np.ndarray

    def keep(self, spec: DriftReference) -> _Offer:
        if spec.first is not None:
            if not len(self.ns):
                return self
            rows = np.flatnonzero(self.ns < span_end(int(self.ns.min()), spec.first))
        else:
            rows = np.sort(np.argsort(self.ns, kind="stable")[:spec.rows])
        return _Offer(self.frame.iloc[rows].reset_index(drop=True), self.ns[rows])

    def merge(self, other: _Offer, spec: DriftReference) -> _Offer:
        both = _Offer(pd.concat([self.frame, other.frame], ignore_index=True),
                      np.concatenate([self.ns, other.ns]))
        return both.keep(spec)


def _offer(part: pd.DataFrame, *, spec: DriftReference, time: str, caller: str) -> _Offer:
    return _Offer(part.reset_index(drop=True), _ns(part, time, caller)).keep(spec)


@dataclass(frozen=True)
class _Tops:
    """Each window's id, largest drift and the column that gave it (windows disjoint)."""

    ids: np.ndarray
    top: np.ndarray
    which: np.ndarray

    def merge(self, other: _Tops) -> _Tops:
        return _Tops(*(np.concatenate([a, b]) for a, b in
                       ((self.ids, other.ids), (self.top, other.top),
                        (self.which, other.which))))


def _tops(part: pd.DataFrame, *, brake: DriftBrake, ref, time: str, caller: str) -> _Tops:
    return _Tops(*window_tops(brake, ref, part, _ns(part, time, caller)))


def decide_brakes(policy: Policy, source: Source, caller: str) -> dict[str, BrakeWindows]:
    """Each drift brake's windows over the whole history of ``source``, by brake id."""
    out: dict[str, BrakeWindows] = {}
    time = policy.time_column
    for g in policy.guardrails:
        if not isinstance(g, DriftBrake):
            continue
        spec = brake_reference(policy, g)
        columns = list(dict.fromkeys([*g.watch, time]))
        if spec.file is None:
            offer, _, _ = fold_partials(
                source, partial(_offer, spec=spec, time=time, caller=caller),
                partial(_Offer.merge, spec=spec), columns=columns, caller=caller)
            ref, complete = brake_reference_of(policy, g, offer.frame, offer.ns, caller)
        else:
            ref, complete = brake_reference_of(policy, g, None, None, caller)
        tops, _, _ = fold_partials(source, partial(_tops, brake=g, ref=ref, time=time,
                                                   caller=caller),
                                   _Tops.merge, columns=columns, time=time, align=(g.window,),
                                   caller=caller)
        out[g.id] = engaged(g, ref, complete, tops.ids, tops.top, tops.which)
    return out
