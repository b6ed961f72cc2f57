"""``trustlab review`` reports the notebook section being run, never changing the results."""

from __future__ import annotations

import contextlib
import io
import re

import nbformat
import numpy as np
import pytest

from trustlab.datasets import load_lending_club
from trustlab.review import _run
from _support import REPO

FAST = {"bootstrap": "0", "cases": "1"}
SETUP = "Setup and assessment"


def _headings() -> list[str]:
    """The ``## `` headings of the review notebook, in order."""
    cells = nbformat.read(str(_run.review_notebooks() / _run.REVIEW_NOTEBOOK), as_version=4).cells
    return [c.source.strip().splitlines()[0][3:].strip() for c in cells
            if c.cell_type == "markdown" and c.source.lstrip().startswith("## ")]


def _review(inputs, out, progress: bool) -> tuple[_run.ReviewRun, str]:
    """One real review with ``CI=1``; its result and what it wrote on stderr."""
    err = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stderr(err):
        mp.setenv("CI", "1")
        run = _run.run_review(inputs / "risk.yaml", inputs / "loans.csv", out=out,
                              parameters=FAST, progress=progress)
    assert run.exit_code in (0, 1), run.message
    return run, err.getvalue()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """2,000 Lending Club loans with a fixed ``p_default`` (no signal to train: a fast run)."""
    d = tmp_path_factory.mktemp("inputs")
    loans = load_lending_club().head(2000)
    loans["p_default"] = np.random.default_rng(0).beta(1.0, 15.0, len(loans)).round(6)
    loans.to_csv(d / "loans.csv", index=False)
    risk = (REPO / "policies" / "lending-club-risk.yaml").read_text()
    (d / "risk.yaml").write_text(risk.replace("at_most: 0.03", "at_most: 0.08"))
    return d


@pytest.fixture(scope="module")
def runs(inputs, tmp_path_factory):
    """The same review run with progress (CI: plain lines) and quiet."""
    root = tmp_path_factory.mktemp("runs")
    return {"on": _review(inputs, root / "on", progress=True),
            "off": _review(inputs, root / "off", progress=False)}


def _review_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("Review")]


@pytest.mark.slow  # reads the module's review runs (notebook kernels)
def test_ci_writes_one_line_per_section_in_order(runs):
    """Check one plain line per notebook section, in the notebook's order, then a done line."""
    lines = _review_lines(runs["on"][1])
    sections = [SETUP, *_headings()]
    n = len(sections)
    assert len(lines) == n + 1, lines
    for k, (line, title) in enumerate(zip(lines, sections), start=1):
        assert re.fullmatch(rf"Review: {k}/{n} {re.escape(title)} \(\d+\.\d s\)", line), line
    assert re.fullmatch(rf"Review: done, {n}/{n} \((\d+\.\d s|\d+ min \d\d s)\)", lines[-1])
    assert "\r" not in runs["on"][1] and "\x1b" not in runs["on"][1]  # no bar in CI


@pytest.mark.slow  # reads the module's review runs (notebook kernels)
def test_no_per_cell_bar_and_nothing_when_quiet(runs):
    """Check papermill's per-cell bar never shows, and progress=False writes nothing."""
    assert "Executing" not in runs["on"][1] and "cell/s" not in runs["on"][1]
    assert runs["off"][1] == ""


@pytest.mark.slow  # reads the module's review runs (notebook kernels)
def test_progress_never_changes_the_results(runs):
    """Check metrics.json and decisions.parquet are byte-identical with progress on and off."""
    on, off = runs["on"][0], runs["off"][0]
    assert on.verdict == off.verdict and on.exit_code == off.exit_code
    for name in (_run.METRICS_FILE, _run.DECISIONS_FILE):
        assert _run.sha256_of(on.folder / name) == _run.sha256_of(off.folder / name), name


def test_hook_counts_headings_not_cells(capsys, monkeypatch):
    """Check the hook advances once per section whatever cells run (papermill's injected
    parameters cell included), and a failure closes the report as stopped."""
    monkeypatch.setenv("CI", "1")
    notebook = _run.review_notebooks() / _run.REVIEW_NOTEBOOK
    cells = nbformat.read(str(notebook), as_version=4).cells
    injected = nbformat.v4.new_code_cell("policy = 'x'", metadata={"tags": ["injected-parameters"]})
    cells = cells[:2] + [injected] + cells[2:]
    bar, hook = _run._section_progress(notebook, True)
    with pytest.raises(RuntimeError), bar:
        for i, cell in enumerate(cells[:8]):  # into the third section, then a failure
            hook(cell=cell, cell_index=i)
        raise RuntimeError("a cell failed")
    lines = capsys.readouterr().err.splitlines()
    n = len(_headings()) + 1
    assert [line.split(" (")[0] for line in lines] == [
        f"Review: 1/{n} {SETUP}", f"Review: 2/{n} {_headings()[0]}",
        f"Review: 3/{n} {_headings()[1]}", f"Review: stopped, 3/{n}"]


def test_quiet_hook_writes_nothing(capsys):
    """Check the quiet reporter (``--quiet``) stays silent through every cell."""
    notebook = _run.review_notebooks() / _run.REVIEW_NOTEBOOK
    bar, hook = _run._section_progress(notebook, False)
    with bar:
        for i, cell in enumerate(nbformat.read(str(notebook), as_version=4).cells):
            hook(cell=cell, cell_index=i)
    assert capsys.readouterr().err == ""
