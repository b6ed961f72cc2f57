"""Every script in benchmarks/ runs end to end at a tiny size, so a rename in the
package cannot break ``make bench`` unseen.

Each script runs as ``make bench`` runs it (a fresh interpreter from the checkout's
root); only the sizes are small. The ratios they print are not asserted: timings at
this size say nothing, and these machines are shared.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

TINY = {
    "engine.py": ["--rows", "3000", "--rowwise-rows", "500", "--online-records", "200"],
    "simulate.py": ["--rows", "3000"],
    "drift.py": ["--rows", "3000", "--columns", "3", "--weeks", "4", "--skip-evidently"],
    "explain.py": ["--rows", "300", "--days", "20"],
    "explorers.py": ["--rows", "2000", "--repeats", "1"],
    "lda.py": ["--rows", "3000"],
    "scale.py": ["--rows", "20000", "--files", "2", "--batch-rows", "5000", "--skip-cluster"],
}

BOTH_HISTORIES = {"drift.py", "engine.py", "explain.py", "explorers.py", "lda.py", "scale.py",
                  "simulate.py"}
"""Scripts that run their comparison on the shipped history and on the same rows read back
from CSV with pandas' default dtypes, each ratio beside its target (issue 22)."""


def test_every_benchmark_is_covered():
    """Check that a new script in benchmarks/ gets a tiny run here too."""
    scripts = {p.name for p in (REPO / "benchmarks").glob("*.py") if not p.name.startswith("_")}
    assert scripts == set(TINY)


@pytest.mark.parametrize("script", sorted(TINY))
@pytest.mark.slow  # each script in a fresh interpreter: 5-10 s
def test_benchmark_runs_at_a_tiny_size(script, tmp_path):
    """Check that the script runs to the end and prints its comparison."""
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / script), *TINY[script]],
                          cwd=REPO, capture_output=True, text=True, timeout=600,
                          # one OpenMP thread: scikit-learn's threads spin-wait on a busy
                          # shared machine, which made explain.py 40 s instead of 6 s
                          env={**__import__("os").environ, "TMPDIR": str(tmp_path),
                               "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip(), f"{script} printed nothing"
    if script in BOTH_HISTORIES:
        assert "read from CSV" in done.stdout, f"{script} ran on one history only"
        assert "PASS" in done.stdout or "FAIL" in done.stdout or "target" in done.stdout, \
            f"{script} printed no ratio beside its target"
