"""The same policy, the same metrics, the same numbers — at any size.

* :func:`stream_replay` reads a folder of Parquet files in batches (pyarrow),
  replays each with the rate-limit counts and the simulated reviewer carried
  over, writes the decision records back as one Parquet file per batch, and
  merges each batch's :class:`~trustlab.simulate.MetricTotals` into the
  metrics and checks of the whole history.
* :func:`dask_replay` does the same over a Dask DataFrame on a
  ``dask.distributed`` cluster: partitions replayed on the workers, their
  totals merged on the client, rate limits settled by small counting passes.
"""

from ._dask import dask_replay
from ._stream import DEFAULT_BATCH_ROWS, StreamedReplay, parquet_files, stream_replay

__all__ = ["DEFAULT_BATCH_ROWS", "StreamedReplay", "dask_replay", "parquet_files", "stream_replay"]
