"""The README's example runs as written."""

from __future__ import annotations

import os
import re

from conftest import REPO


def test_readme_python_example_runs(capsys):
    """Check that the README's Python example runs from the repository root."""
    text = (REPO / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks, "README has no Python example"
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        namespace: dict = {}
        exec(compile(blocks[0], "README.md", "exec"), namespace)  # noqa: S102 - our own docs
    finally:
        os.chdir(cwd)
    one = namespace["one"]
    assert (one.action, one.rule) == ("approve", "low-risk")
    assert len(namespace["records"]) == len(namespace["history"])


def test_readme_first_screen_has_the_two_commands():
    """Check that the first lines give the set-up-and-run and the test commands."""
    head = "\n".join((REPO / "README.md").read_text().splitlines()[:12])
    assert "make review" in head and "make test" in head
    ci = (REPO / ".ci" / "run").read_text()
    assert "make test" in ci


def test_readme_simulation_example_runs():
    """Check that the README's simulation example runs and its stated findings hold."""
    text = (REPO / "README.md").read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", text, re.S)
                 if "trustlab.simulate" in b)
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        namespace: dict = {}
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own docs
    finally:
        os.chdir(cwd)
    from trustlab.simulate import swap_analysis

    swaps = swap_analysis(namespace["result"], stress=(1, 1.5, 2))
    assert int(swaps.counts.set_index("tag").loc["swap_in", "rows"]) == 3107
    assert f"{swaps.breakeven_bad_rate:.1%}" == "10.8%" and f"{swaps.base_bad_rate:.1%}" == "5.7%"
    assert swaps.stress["beats_baseline"].tolist() == [True, True, False]
    assert "3,107 swap-ins default at under 10.8%" in " ".join(text.split())


def test_readme_drift_example_runs(tmp_path):
    """Check that the README's drift, trust and gate example runs and finds the drift."""
    text = (REPO / "README.md").read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", text, re.S)
                 if "policy_drift" in b)
    import matplotlib

    matplotlib.use("Agg")
    cwd = os.getcwd()
    os.chdir(tmp_path)  # build/ is made here, not in the repository
    (tmp_path / "policies").symlink_to(REPO / "policies")
    try:
        namespace: dict = {}
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own docs
    finally:
        os.chdir(cwd)
        matplotlib.pyplot.close("all")
    assert namespace["drift"].first_alert("debt_to_income") is not None
    assert namespace["later"].max("psi") > 0.25
    assert namespace["gate"].may_promote is False
