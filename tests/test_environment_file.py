"""environment.yml means it: every dependency of pyproject.toml (core, every extra, dev)
from conda-forge with the same lower bound, and pip only for trustlab itself."""

from __future__ import annotations

import re
import tomllib

import yaml

from _support import REPO

CONDA_NAME = {"dask[dataframe]": "dask"}
"""PyPI requirement names whose conda-forge package is named otherwise."""


def _pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for reqs in project["optional-dependencies"].values():
        lines += [r for r in reqs if not r.startswith("trustlab[")]
    out = {}
    for line in lines:
        name, bound = re.fullmatch(r"([A-Za-z0-9_.\-\[\]]+)\s*(.*)", line).groups()
        out[CONDA_NAME.get(name.lower(), name.lower())] = bound.replace(" ", "")
    return out


def _environment() -> tuple[dict[str, str], list]:
    doc = yaml.safe_load((REPO / "environment.yml").read_text())
    conda, pip = {}, []
    for item in doc["dependencies"]:
        if isinstance(item, dict):
            pip += item["pip"]
            continue
        name, bound = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(.*)", item).groups()
        conda[name.lower()] = bound.replace(" ", "")
    return conda, pip


def test_every_dependency_comes_from_conda_forge_with_the_same_bound():
    """Check the two files list the same packages with the same lower bounds."""
    wanted = _pyproject_requirements()
    conda, _ = _environment()
    conda.pop("pip")
    python = conda.pop("python")
    assert python == ">=" + tomllib.loads((REPO / "pyproject.toml").read_text())[
        "project"]["requires-python"].lstrip(">=")
    assert conda == wanted


def test_pip_installs_only_trustlab_itself():
    """Check pip is used for the project alone, without pulling dependencies from PyPI."""
    doc = yaml.safe_load((REPO / "environment.yml").read_text())
    assert doc["channels"][0] == "conda-forge"
    _, pip = _environment()
    assert pip == ["--no-deps", "-e ."]
