"""The README's example runs as written."""

from __future__ import annotations

import os
import re

from pathlib import Path

import pytest

from _support import REPO


def run_block(marker: str | None, cwd: Path = REPO) -> dict:
    """Run the README's first Python block containing ``marker`` (None: the first block) in
    ``cwd``; its namespace."""
    text = (REPO / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks, "README has no Python example"
    block = blocks[0] if marker is None else next(b for b in blocks if marker in b)
    here = os.getcwd()
    os.chdir(cwd)
    try:
        namespace: dict = {}
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own docs
    finally:
        os.chdir(here)
    return namespace


def test_readme_python_example_runs(capsys):
    """Check that the README's Python example runs from the repository root."""
    namespace = run_block(None)
    one = namespace["one"]
    assert (one.action, one.rule) == ("approve", "low-risk")
    assert len(namespace["records"]) == len(namespace["history"])


def test_readme_first_screen_has_the_two_commands():
    """Check that the first lines give the set-up-and-run and the test commands."""
    head = "\n".join((REPO / "README.md").read_text().splitlines()[:12])
    assert "make review" in head and "make test" in head
    ci = (REPO / ".ci" / "run").read_text()
    assert "make test" in ci


@pytest.mark.slow  # replays the shipped sample and analyses its swaps: 10-20 s
def test_readme_simulation_example_runs():
    """Check that the README's simulation example runs and its stated findings hold."""
    text = (REPO / "README.md").read_text()
    namespace = run_block("trustlab.simulate")
    from trustlab.simulate import swap_analysis

    swaps = swap_analysis(namespace["result"], stress=(1, 1.5, 2))
    assert int(swaps.counts.set_index("tag").loc["swap_in", "rows"]) == 3107
    assert f"{swaps.breakeven_bad_rate:.1%}" == "10.8%" and f"{swaps.base_bad_rate:.1%}" == "5.7%"
    assert swaps.stress["beats_baseline"].tolist() == [True, True, False]
    assert "3,107 swap-ins default at under 10.8%" in " ".join(text.split())


def test_readme_drift_example_runs(tmp_path):
    """Check that the README's drift, trust and gate example runs and finds the drift."""
    import matplotlib

    matplotlib.use("Agg")
    (tmp_path / "policies").symlink_to(REPO / "policies")
    try:
        namespace = run_block("policy_drift", tmp_path)  # build/ is made there, not in the repo
    finally:
        matplotlib.pyplot.close("all")
    assert namespace["drift"].first_alert("debt_to_income") is not None
    assert namespace["later"].max("psi") > 0.25
    assert namespace["gate"].may_promote is False


def test_readme_scale_example_runs():
    """Check that the README's example in parts runs and gives the in-memory numbers."""
    import numpy as np

    from trustlab.simulate import replay

    namespace = run_block("r = replay(policy, folder")
    whole = replay(namespace["policy"], namespace["history"])
    r = namespace["r"]
    assert r.rows == len(namespace["history"]) and r.verdict == whole.verdict
    assert np.allclose(r.metrics["value"], whole.metrics["value"], rtol=1e-12, equal_nan=True)
    assert len(namespace["s"].frame) == 201 and len(namespace["g"].frame) == 9


def test_readme_design_example_runs():
    """Check that the README's design-framework example runs and recommends what it says."""
    namespace = run_block("trustlab.design")
    r = namespace["r"]
    assert r.recommendation == "hybrid" and not r.changes.empty and r.costs is not None
