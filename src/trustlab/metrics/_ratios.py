"""Metrics of a result as a ratio of two of its sums, or a total of one.

Trust over time and shadow runs measure per window (and per segment) from
counts that add up across parts; each of their metrics is declared as a
:class:`SumsMetric` — which sums, the words from the registry, what the
denominator counts and why the value may be missing — and
:func:`ratio_of_sums` turns summed arrays of any shape into values with their
reasons, the same way for both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from ._registry import metric_words

__all__ = ["SumsMetric", "sums_metric", "ratio_of_sums"]


class SumsMetric(NamedTuple):
    """One metric as sums: ``numerator / denominator`` (a total when ``denominator`` is None).

    Attributes
    ----------
    numerator, denominator : str, str or None
        Names of the result's sums.
    words : str
        The metric's words (:func:`trustlab.metrics.metric_words`).
    of : str
        What the denominator counts, in words ("compared decisions").
    empty : str
        Why the value is missing when the denominator is 0.
    """

    numerator: str
    denominator: str | None
    words: str
    of: str
    empty: str


def sums_metric(name: str, numerator: str, denominator: str | None = None, *, of: str = "",
                empty: str = "") -> SumsMetric:
    """The :class:`SumsMetric` of the registered metric ``name``, its words read from the registry.

    Examples
    --------
    >>> sums_metric("automation_rate", "automated", "rows", of="decisions").words
    'Decided automatically'
    """
    return SumsMetric(numerator, denominator, metric_words(name), of, empty)


def ratio_of_sums(m: SumsMetric, sums: Mapping[str, np.ndarray], empty=None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(value, numerator, denominator, reason)`` of ``m`` from summed arrays of any shape.

    A total has NaN as its denominator and no reason. A ratio is NaN where its
    denominator is 0, with ``empty`` (default ``m.empty``; an array of reasons
    is taken element by element) as the reason there.

    Examples
    --------
    >>> m = SumsMetric("hits", "tries", "hit rate", "tries", "no tries")
    >>> value, _, _, why = ratio_of_sums(m, {"hits": np.array([1, 0]), "tries": np.array([4, 0])})
    >>> value.tolist(), why.tolist()
    ([0.25, nan], ['', 'no tries'])
    """
    num = np.asarray(sums[m.numerator], dtype=float)
    shape = num.shape
    if m.denominator is None:
        return num, num, np.full(shape, np.nan), np.full(shape, "", dtype=object)
    den = np.asarray(sums[m.denominator], dtype=float)
    ok = den > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(ok, num / np.where(ok, den, 1.0), np.nan)
    why = m.empty if empty is None else empty
    return value, num, den, np.where(ok, "", why).astype(object)
