"""Evidently's side of ``benchmarks/drift.py``, run in an environment of its own.

Evidently 0.7 does not import under pandas 3 (it imports a pandas internal
that pandas 3 removed), so it runs in ``benchmarks/.evidently-venv/`` with
``pandas<3``, made on first use by :func:`ensure_venv` and reused after that.

Imported by ``drift.py`` (main environment) this module only makes the
environment and starts the subprocess; it imports neither Evidently nor
anything of the kit. Run as a script inside that environment::

    benchmarks/.evidently-venv/bin/python benchmarks/_evidently_side.py SPEC.json

it reads the reference and the monitored rows from the Parquet files the spec
names (untimed), then times, as one block, what an Evidently user writes for
weekly drift: the reference ``Dataset`` once, and for each window a boolean
mask on the time column, ``Dataset.from_pandas`` of those rows and
``Report([DataDriftPreset(method="psi")]).run(current_data=..., reference_data=...)``
with every value read out of the snapshot. It writes the seconds and every
window's PSI per column to the spec's ``out`` JSON file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".evidently-venv"
REQUIREMENTS = ["evidently==0.7.*", "pandas<3", "pyarrow"]


def venv_python() -> Path:
    return VENV / "bin" / "python"


def ensure_venv(log=print) -> Path:
    """The Evidently environment's python; the environment is made on first use."""
    ready = VENV / ".ready"
    if ready.exists() and venv_python().exists():
        return venv_python()
    log(f"making the Evidently environment in {VENV} (first use; pip install "
        f"{' '.join(repr(r) for r in REQUIREMENTS)}) ...")
    t0 = time.perf_counter()
    if VENV.exists():  # a half-made one from an interrupted first run
        import shutil

        shutil.rmtree(VENV)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(venv_python()), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", *REQUIREMENTS], check=True)
    ready.write_text(" ".join(REQUIREMENTS) + "\n")
    log(f"... made in {time.perf_counter() - t0:.0f} s")
    return venv_python()


def run_evidently(spec: dict, spec_path: Path) -> dict:
    """Run this file in the Evidently environment on ``spec``; its result (the out JSON)."""
    python = ensure_venv()
    spec_path.write_text(json.dumps(spec))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONWARNINGS"] = "ignore"
    subprocess.run([str(python), str(Path(__file__).resolve()), str(spec_path)], check=True,
                   env=env)
    return json.loads(Path(spec["out"]).read_text())


# --------------------------------------------------------------------------- inside the Evidently venv

def _side(spec_path: str) -> int:
    import resource
    import warnings

    warnings.filterwarnings("ignore")
    import numpy as np
    import pandas as pd

    import evidently
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    spec = json.loads(Path(spec_path).read_text())
    numeric, categorical = spec["numeric"], spec["categorical"]
    columns = numeric + categorical
    time_col = spec["time"]
    reference = pd.read_parquet(spec["reference"], columns=columns)
    data = pd.read_parquet(spec["data"], columns=[time_col] + columns)
    windows = [(pd.Timestamp(s), pd.Timestamp(e)) for s, e in spec["windows"]]

    definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
    psi: dict[str, dict[str, float]] = {}
    rows: dict[str, int] = {}
    per_window: list[float] = []

    t_start = time.perf_counter()
    report = Report([DataDriftPreset(method="psi")])
    ref_ds = Dataset.from_pandas(reference, data_definition=definition)
    t = data[time_col]
    for start, end in windows:
        t0 = time.perf_counter()
        current = data.loc[(t >= start) & (t < end), columns]
        snap = report.run(current_data=Dataset.from_pandas(current, data_definition=definition),
                          reference_data=ref_ds)
        values = {}
        for m in snap.dict()["metrics"]:
            cfg = m["config"]
            if cfg.get("type", "").endswith("ValueDrift"):
                if cfg.get("method") != "psi":
                    raise SystemExit(f"Evidently used {cfg.get('method')!r}, not psi, on "
                                     f"{cfg['column']!r}")
                values[cfg["column"]] = float(m["value"])
        per_window.append(time.perf_counter() - t0)
        missing = set(columns) - set(values)
        if missing:
            raise SystemExit(f"Evidently gave no PSI for {sorted(missing)} in window {start}")
        psi[start.isoformat()] = values
        rows[start.isoformat()] = int(len(current))
        if spec.get("progress"):
            print(f"  evidently window {len(per_window)}/{len(windows)} "
                  f"({len(current):,} rows): {per_window[-1]:.2f} s", flush=True)
    seconds = time.perf_counter() - t_start

    Path(spec["out"]).write_text(json.dumps({
        "seconds": seconds,
        "per_window_seconds": per_window,
        "psi": psi,
        "rows": rows,
        "reference_rows": int(len(reference)),
        "versions": {"evidently": evidently.__version__, "pandas": pd.__version__,
                     "numpy": np.__version__, "python": sys.version.split()[0]},
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(_side(sys.argv[1]))
