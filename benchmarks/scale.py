"""Benchmark replay beyond memory: streamed Parquet batches and a Dask LocalCluster, side by side.

Run::

    .venv/bin/python benchmarks/scale.py [--rows 20000000] [--files 20] [--batch-rows 100000]
                                         [--workers 2] [--skip-cluster]

Data: ``make_history`` with ``--rows`` applications over a year (seed 0),
written to ``--files`` Parquet files in time order in a temporary folder; the
size of that history as one in-memory pandas frame (``memory_usage(deep=True)``)
is the yardstick for memory.

Measured, each in a fresh child process so that its peak resident memory is
its own:

* ``trustlab.scale.replay(policy, folder, batch_rows=...)`` streamed here —
  rows per second and peak RSS beside the in-memory frame's size (target:
  under a quarter of it);
* ``trustlab.scale.threshold_sweep`` of the approve rule, streamed the same way;
* ``trustlab.scale.replay(policy, folder, client=Client(LocalCluster(...)))``
  — rows per second (the workers are separate processes; their peak memory
  is reported by the cluster).

Every path runs on two histories holding the same rows: the shipped one (text
as categoricals) and the same history written to CSV, read back with
``pandas.read_csv``'s default dtypes (text as pandas' default string dtype, as
a team's own history arrives) and then written to the Parquet files; each
history's own in-memory frame is its yardstick for memory.

Both paths must give the same metrics (printed: the largest difference), and
so must the two histories. The policy
is ``policies/consumer-credit.yaml`` (rules, a rate limit, the kill switch off,
a simulated reviewer where no decision is recorded).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import verdict  # noqa: E402  (beside this file)

_MAKE = r"""
import json, sys
from pathlib import Path
import numpy as np
from trustlab.datasets import make_history
import pandas as pd
rows, files, folder, csv = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
df = make_history(n_days=365, applications_per_day=rows / 365, seed=0)
if csv:  # the same rows as a team's CSV arrives: read back with pandas' default dtypes
    df.to_csv(csv, index=False)
    del df
    df = pd.read_csv(csv, parse_dates=["decision_time"])
    Path(csv).unlink()
text = sorted({str(df[c].dtype) for c in df.columns if pd.api.types.is_string_dtype(df[c])
               or isinstance(df[c].dtype, pd.CategoricalDtype)})
for i, part in enumerate(np.array_split(np.arange(len(df)), files)):
    df.iloc[part].to_parquet(folder / f"part-{i:03d}.parquet")
print(json.dumps({"rows": len(df), "frame_mb": df.memory_usage(deep=True).sum() / 2**20,
                  "text": ", ".join(text)}))
"""

# Peak memory is the process's high-water mark (VmHWM), not getrusage's
# ru_maxrss: Linux carries ru_maxrss over fork and exec, so a child started
# from a large parent would report the parent's size.
_CHILD = r"""
import json, sys, time
def hwm_mb():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmHWM")) / 1024
import trustlab
from trustlab import scale
mode, folder, batch_rows, workers = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
policy = trustlab.load_policy(sys.argv[5])
t = time.perf_counter()
extra = {}
if mode == "stream":
    r = scale.replay(policy, folder, batch_rows=batch_rows)
elif mode == "sweep":
    r = scale.threshold_sweep(policy, folder, "low-risk", batch_rows=batch_rows)
    extra = {"best": float(r.best["threshold"])}
else:
    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None) as cluster, Client(cluster) as c:
        t = time.perf_counter()
        r = scale.replay(policy, folder, client=c)
        mem = c.run(hwm_mb)
        extra = {"worker_peak_mb": max(mem.values())}
seconds = time.perf_counter() - t
values = r.frame["value_total"] if mode == "sweep" else r.metrics["value"]
print(json.dumps({"seconds": seconds, "rows": getattr(r, "rows", None),
                  "peak_mb": hwm_mb(), "metrics": values.fillna(-1).tolist(), **extra}))
"""


def _child(mode: str, folder: Path, batch_rows: int, workers: int) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, mode, str(folder), str(batch_rows),
                          str(workers), str(REPO / "policies" / "consumer-credit.yaml")],
                         capture_output=True, text=True, cwd=REPO)
    if out.returncode:
        raise SystemExit(f"the {mode} child failed on {folder.name}:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def one_history(name: str, args, tmp: Path, csv: bool, yardstick_mb: float | None = None
                ) -> dict:
    """Write one history's Parquet files, run each path on them and print a line per path;
    the streamed peak memory also as a share of ``yardstick_mb`` (the shipped frame), if
    given."""
    folder = tmp / name.replace(" ", "-")
    folder.mkdir()
    t = time.perf_counter()
    made = json.loads(subprocess.run(
        [sys.executable, "-c", _MAKE, str(args.rows), str(args.files), str(folder),
         str(tmp / "history.csv") if csv else ""],
        capture_output=True, text=True, check=True, cwd=REPO).stdout.strip().splitlines()[-1])
    rows, frame_mb = made["rows"], made["frame_mb"]
    disk_mb = sum(f.stat().st_size for f in folder.iterdir()) / 2**20
    print(f"\n{name} history: {rows:,} rows, text as {made['text']}, {frame_mb:,.0f} MiB as a "
          f"pandas frame, {disk_mb:,.0f} MiB as {args.files} Parquet files "
          f"(made in {time.perf_counter() - t:.0f} s)")
    s = _child("stream", folder, args.batch_rows, args.workers)
    print(f"  streamed, {args.batch_rows:,}-row batches: {s['seconds']:.1f} s, "
          f"{rows / s['seconds']:,.0f} rows/s, peak RSS {s['peak_mb']:,.0f} MiB = "
          f"{s['peak_mb'] / frame_mb:.2f} of the in-memory frame "
          f"({verdict(s['peak_mb'] < frame_mb / 4)}: target < 0.25)"
          + (f"; {s['peak_mb'] / yardstick_mb:.2f} of the shipped frame "
             f"({verdict(s['peak_mb'] < yardstick_mb / 4)})" if yardstick_mb else ""))
    w = _child("sweep", folder, args.batch_rows, args.workers)
    print(f"  threshold sweep in parts (low-risk, 201 thresholds, streamed): "
          f"{w['seconds']:.1f} s, {rows / w['seconds']:,.0f} rows/s, peak RSS "
          f"{w['peak_mb']:,.0f} MiB = {w['peak_mb'] / frame_mb:.2f} of the frame; best "
          f"threshold {w['best']:.3f}")
    if not args.skip_cluster:
        d = _child("dask", folder, args.batch_rows, args.workers)
        diff = _largest_difference(s["metrics"], d["metrics"])
        print(f"  LocalCluster, {args.workers} worker processes, {args.files} partitions: "
              f"{d['seconds']:.1f} s, {rows / d['seconds']:,.0f} rows/s "
              f"({s['seconds'] / d['seconds']:.2f}x the streamed path), worker peak RSS "
              f"{d['worker_peak_mb']:,.0f} MiB; largest metric difference from the "
              f"streamed replay: {diff:.3g}")
    shutil.rmtree(folder)
    return {"stream": s, "sweep": w, "frame_mb": frame_mb}


def _largest_difference(a: list, b: list) -> float:
    import numpy as np

    return float(np.nanmax(np.abs(np.array(a) - np.array(b))))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=20_000_000)
    ap.add_argument("--files", type=int, default=20)
    ap.add_argument("--batch-rows", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-cluster", action="store_true")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        shipped = one_history("shipped", args, Path(tmp), csv=False)
        from_csv = one_history("read from CSV", args, Path(tmp), csv=True,
                               yardstick_mb=shipped["frame_mb"])
    a, b = shipped["stream"], from_csv["stream"]
    print(f"\nstreamed replay, read from CSV / shipped: {b['seconds'] / a['seconds']:.2f}x the "
          f"time; largest metric difference between the two histories "
          f"{_largest_difference(a['metrics'], b['metrics']):.3g}, sweep "
          f"{_largest_difference(shipped['sweep']['metrics'], from_csv['sweep']['metrics']):.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
