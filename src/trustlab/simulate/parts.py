"""The pieces a backend folds: simulation sums of one part of a history, and results from them.

:mod:`trustlab.scale` answers :func:`~trustlab.simulate.replay`,
:func:`~trustlab.simulate.threshold_sweep`, :func:`~trustlab.simulate.band_grid`
and :func:`~trustlab.simulate.lda_search` over a history read in parts (Parquet
batches, Dask partitions). It computes the same sums as the in-memory
functions on each part, adds them up and builds the result with the same code.
These are those sums and builders; notebooks and analysts call the functions
above instead.

* :func:`open_history`, :func:`open_rule_threshold`, :func:`threshold_problem`
  — a part read once for threshold questions (rules evaluated, labels and
  values known);
* :func:`grid_totals`, :func:`movable_cases`, :func:`sweep_frame`,
  :func:`sweep_result` — a threshold sweep from summed totals;
* :func:`band_cells`, :func:`check_grid_args`, :func:`grid_result` — a band grid;
* :class:`LdaPlan`, :class:`LdaSums`, :func:`lda_plan`, :func:`lda_sums`,
  :func:`lda_result`, :data:`DEFAULT_TOLERANCES` — the search for a less
  discriminatory alternative;
* :class:`Checked`, :func:`replay_segments` — a replay's metrics and checks.
"""

from ._grid import _cells as band_cells
from ._grid import check_grid_args, grid_result
from ._lda import DEFAULT_TOLERANCES, LdaPlan, LdaSums, lda_plan, lda_result, lda_sums
from ._open import open_history, open_rule_threshold, threshold_problem
from ._replay import Checked, replay_segments
from ._sweep import grid_totals, movable_cases, sweep_frame, sweep_result

__all__ = ["DEFAULT_TOLERANCES", "Checked", "LdaPlan", "LdaSums", "band_cells", "check_grid_args",
           "grid_result", "grid_totals", "lda_plan", "lda_result", "lda_sums", "movable_cases",
           "open_history", "open_rule_threshold", "replay_segments", "sweep_frame",
           "sweep_result", "threshold_problem"]
