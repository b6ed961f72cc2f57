"""The same policy, the same metrics, the same numbers — at any size.

Every function here reads a history as parts — Parquet files streamed in
batches on this machine, or the partitions of a Dask DataFrame on a
``distributed`` cluster — computes a small mergeable result per part
(counts, sums, histograms) and adds the parts up:

* :func:`replay` — metrics, checks and decision records of a replay, equal
  to the in-memory :func:`trustlab.simulate.replay`, rate limits and drift
  brakes included;
* :func:`threshold_sweep` and :func:`band_grid` — thresholds swept over a
  fixed grid, exact at every grid value (the grid step is the resolution);
* :func:`drift_over_time` — drift per window against a saved reference:
  PSI, JS and chi-square exact, KS from fine bins with its error bound.

:func:`sweep_resolution` and :func:`drift_error` put the binned results
beside the exact in-memory ones. ``client`` takes a ``distributed.Client``
or a scheduler address.
"""

from ._drift import drift_error, drift_over_time
from ._lda import lda_search
from ._replay import ScaledReplay, replay
from ._run import DEFAULT_BATCH_ROWS, parquet_files, read_recent, write_parts
from ._sweeps import DEFAULT_STEPS, band_grid, sweep_resolution, threshold_sweep

__all__ = ["DEFAULT_BATCH_ROWS", "DEFAULT_STEPS", "ScaledReplay", "band_grid", "drift_error",
           "drift_over_time", "lda_search", "parquet_files", "read_recent", "replay",
           "sweep_resolution", "threshold_sweep", "write_parts"]
