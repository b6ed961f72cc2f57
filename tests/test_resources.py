"""What the kit ships is found from any folder, as package data, and a project's own
files come first."""

from __future__ import annotations

import pytest

from trustlab import _resources
from trustlab.notebook import project_root, repo_path
from trustlab.datasets import load_german_credit
from trustlab.review._run import review_notebooks
from _support import REPO


def test_shipped_kinds_are_the_repository_folders():
    """Check each kind resolves to the same files as the repository's top-level folder."""
    for kind in _resources.KINDS:
        assert _resources.shipped(kind).resolve() == (REPO / kind).resolve()
    with pytest.raises(ValueError, match="ships no 'models'"):
        _resources.shipped("models")


def test_from_a_folder_outside_any_project(tmp_path, monkeypatch):
    """Check shipped policies, the review notebook and the data sets are found from a folder
    that is no project, and other relative paths stay as given."""
    monkeypatch.chdir(tmp_path)
    assert project_root() is None
    assert repo_path("policies/fraud-hold.yaml").is_file()
    assert repo_path("glossaries/retention.yaml").is_file()
    assert (review_notebooks() / "review.ipynb").is_file()
    assert len(load_german_credit()) == 1000
    assert str(repo_path("mine/policy.yaml")) == "mine/policy.yaml"


def test_a_project_file_wins_over_a_shipped_one(tmp_path, monkeypatch):
    """Check a project's own policies/x.yaml is used from its notebooks/ folder, before the
    shipped file of the same name."""
    (tmp_path / "policies").mkdir()
    (tmp_path / "notebooks").mkdir()
    own = tmp_path / "policies" / "fraud-hold.yaml"
    own.write_text("mine")
    monkeypatch.chdir(tmp_path / "notebooks")
    assert project_root() == tmp_path.resolve()
    assert repo_path("policies/fraud-hold.yaml").resolve() == own.resolve()
    assert repo_path("policies/retention-offer.yaml").is_file()  # shipped, not in the project
