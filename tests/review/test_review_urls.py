"""trustlab review reads its history from an fsspec URL, records it as given and hashes the
bytes it read."""

from __future__ import annotations

import json

import pytest

from trustlab.datasets import load_lending_club
from trustlab.review import _run
from _support import REPO

pytestmark = pytest.mark.slow


def test_review_of_a_file_url(tmp_path):
    """Check a review of file://.../loans.csv: exit 0 or 1, the URL in the manifest, the same
    sha256 as the file read by path, and a re-run that verifies the inputs by URL."""
    folder = tmp_path / "parts"
    folder.mkdir()
    load_lending_club().head(2000).to_csv(folder / "loans.csv", index=False)
    url = (folder / "loans.csv").as_uri()
    run = _run.run_review(REPO / "policies" / "lending-club-risk.yaml", url,
                          out=tmp_path / "out", parameters={"bootstrap": "0", "cases": "1"},
                          progress=False)
    assert run.exit_code in (0, 1), run.message
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["inputs"]["data"]["path"] == url
    assert manifest["inputs"]["data"]["sha256"] == _run._input_hashes(folder / "loans.csv")
    assert _run._input_hashes(folder.as_uri()) == _run._input_hashes(folder)
    (folder / "loans.csv").write_text("changed")
    again = _run.rerun_review(tmp_path / "out" / "manifest.json", out=tmp_path / "again",
                              progress=False)
    assert again.exit_code == 2 and url in again.message and "changed" in again.message
