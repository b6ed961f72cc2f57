"""The pieces a backend folds: drift counts of one part of a history, and the result from them.

:mod:`trustlab.scale` answers :func:`~trustlab.drift.drift_over_time` over a
history read in parts: each part is counted into the reference's bins (and a
fine grid for KS), the counts are added (:class:`~trustlab.drift.DriftCounts`)
and the result is measured from the sums with the in-memory code. Notebooks and
analysts call :func:`~trustlab.drift.drift_over_time` instead.

* :func:`count_part` — one part's counts per window;
* :func:`fine_grid` and :data:`DEFAULT_FINE_BINS` — the fine bins KS is read from;
* :func:`check_options` — the options checked once, before any part is read.
"""

from ._monitor import check_options
from ._partial import DEFAULT_FINE_BINS, count_part
from ._partial import _grid as fine_grid

__all__ = ["DEFAULT_FINE_BINS", "check_options", "count_part", "fine_grid"]
