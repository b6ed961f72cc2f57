"""What the engine knows of drift brakes: the windows decided for it, and who decides them.

A drift brake is drift code (:mod:`trustlab.drift`). The engine only applies
what the brake decided: for a history, the braked windows
(:class:`BrakeWindows`); for one record at a time, a tracker whose
``observe(ns, record)`` returns the braked sentence or None. The deciders are
registered with :func:`register_brakes` — :mod:`trustlab.drift` does so when it
is imported, and importing :mod:`trustlab` imports it — so the engine never
imports a floor above it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .._time import window_ids

__all__ = ["BrakeWindows", "BrakeTracking", "register_brakes", "decide_brake", "track_brake"]


@dataclass(frozen=True, eq=False)
class BrakeWindows:
    """The windows a drift brake engages in over a history, and the sentence each carries.

    Decided once over the whole history (in memory, or from parts of it by
    :mod:`trustlab.scale`), then applied to any rows of it.

    Attributes
    ----------
    window : Window
        The brake's window.
    ids : ndarray of int64
        The braked window ids, increasing.
    texts : tuple of str
        The reason of each braked window.
    """

    window: Any
    ids: np.ndarray
    texts: tuple[str, ...]

    def codes(self, ns: np.ndarray) -> np.ndarray:
        """Each time's index into :attr:`texts`, or -1 where the brake is off."""
        if not len(self.ids):
            return np.full(len(ns), -1, dtype=np.int64)
        w = window_ids(ns, self.window)
        pos = np.minimum(np.searchsorted(self.ids, w), len(self.ids) - 1)
        return np.where(self.ids[pos] == w, pos, -1).astype(np.int64)


class BrakeTracking(Protocol):
    """What the online path needs of a drift brake's tracker."""

    def observe(self, ns: int, record: Mapping[str, Any]) -> str | None:
        """Take one record (in time order); the brake's sentence while its window is braked."""


_DECIDERS: dict[str, Callable[..., Any]] = {}


def register_brakes(*, windows: Callable[..., BrakeWindows],
                    tracker: Callable[..., BrakeTracking]) -> None:
    """Register who decides drift brakes for the engine.

    Parameters
    ----------
    windows : callable
        ``windows(policy, brake, data, ns, source) -> BrakeWindows``: the windows
        a brake engages in over a whole history (times ``ns``).
    tracker : callable
        ``tracker(policy, brake) -> BrakeTracking``: a fresh tracker for the
        online path.
    """
    _DECIDERS["windows"], _DECIDERS["tracker"] = windows, tracker


def _decider(name: str) -> Callable[..., Any]:
    try:
        return _DECIDERS[name]
    except KeyError:
        raise RuntimeError("no drift-brake decider is registered: import trustlab.drift "
                           "(importing trustlab does) to apply a policy with a drift brake"
                           ) from None


def decide_brake(policy, brake, data, ns: np.ndarray, source: str) -> BrakeWindows:
    """The windows ``brake`` engages in over ``data``, from the registered decider."""
    return _decider("windows")(policy, brake, data, ns, source)


def track_brake(policy, brake) -> BrakeTracking:
    """A fresh online tracker for ``brake``, from the registered decider."""
    return _decider("tracker")(policy, brake)
