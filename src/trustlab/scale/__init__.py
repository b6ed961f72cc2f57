"""The backend that folds a history in parts: the same policy, metrics and numbers at any size.

Call the questions themselves — :func:`trustlab.simulate.replay`,
:func:`~trustlab.simulate.threshold_sweep`, :func:`~trustlab.simulate.band_grid`,
:func:`~trustlab.simulate.lda_search`, :func:`trustlab.drift.drift_over_time` —
with a Parquet path, folder or URL, or a Dask DataFrame (and ``client=``): the
data picks this backend, which registers itself with them when imported
(importing :mod:`trustlab` does). The functions below are the backend's own
entry points, kept for callers that name the backend.

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
from .._backends import register_parts_backend

for _question, _answer in (("replay", replay), ("threshold_sweep", threshold_sweep),
                           ("band_grid", band_grid), ("lda_search", lda_search),
                           ("drift_over_time", drift_over_time)):
    register_parts_backend(_question, _answer)

__all__ = ["DEFAULT_BATCH_ROWS", "DEFAULT_STEPS", "ScaledReplay", "band_grid", "drift_error",
           "drift_over_time", "lda_search", "parquet_files", "read_recent", "replay",
           "sweep_resolution", "threshold_sweep", "write_parts"]
