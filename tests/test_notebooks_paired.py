"""Every notebook has its percent-format script beside it, and the two say the same."""

from __future__ import annotations

import jupytext
import pytest

from _support import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def _cells(notebook) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(c.cell_type, c.source.strip(), tuple(c.metadata.get("tags", ())))
            for c in notebook.cells]


def test_every_notebook_is_paired():
    """Check the pairing: one script per notebook and no orphan scripts."""
    scripts = {p.stem for p in (REPO / "notebooks").glob("*.py")}
    assert NOTEBOOKS and scripts == {p.stem for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_script_matches_notebook(path):
    """Check cell by cell (type, source, tags) that the script is the notebook's text."""
    script = path.with_suffix(".py")
    expected = _cells(jupytext.read(path))
    got = _cells(jupytext.read(script))
    assert got == expected, (
        f"{script.name} and {path.name} differ; run `jupytext --sync {path}` after editing "
        f"either, then re-execute the notebook")


def test_every_notebook_opens_with_what_it_answers_and_how_to_use_it():
    """Check each notebook's first cell says what it answers and how to use it."""
    import nbformat

    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        first = nbformat.read(path, as_version=4).cells[0]
        assert first.cell_type == "markdown", path.name
        assert "**What this answers.**" in first.source, path.name
        assert "**How to use it.**" in first.source, path.name
