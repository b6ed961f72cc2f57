"""What the kit ships beside its code: notebooks, example policies, glossaries,
assessments and the example data sets.

They are package data under ``trustlab/_shipped/<kind>/`` (in a checkout,
links to the repository's top-level folders of the same names), so an
installed wheel finds them exactly as a clone does: through
:mod:`importlib.resources`, never a path relative to the working folder.

Examples
--------
>>> (shipped("notebooks") / "review.ipynb").is_file()
True
>>> sorted(p.name for p in shipped("policies").glob("lending-club-*.yaml"))
['lending-club-intake.yaml', 'lending-club-risk.yaml']
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

__all__ = ["KINDS", "shipped", "shipped_file", "project_root", "repo_path"]

KINDS = ("notebooks", "policies", "glossaries", "assessments", "datasets")
"""The kinds of file the kit ships, each a folder under ``trustlab/_shipped/``."""


def shipped(kind: str) -> Path:
    """The folder of shipped files of ``kind`` (one of :data:`KINDS`).

    Raises
    ------
    ValueError
        For a kind the kit does not ship.
    FileNotFoundError
        When the installation lacks the folder (a broken install), naming it.
    """
    if kind not in KINDS:
        raise ValueError(f"trustlab ships no {kind!r}; kinds: {', '.join(KINDS)}")
    folder = Path(str(resources.files("trustlab").joinpath("_shipped", kind)))
    if not folder.is_dir():
        raise FileNotFoundError(f"trustlab's shipped {kind} are missing from {folder}; "
                                "reinstall trustlab (pip install --force-reinstall trustlab)")
    return folder


def shipped_file(relative: str | Path) -> Path | None:
    """The shipped file a path such as ``policies/fraud-hold.yaml`` names, or None.

    Examples
    --------
    >>> shipped_file("policies/fraud-hold.yaml").name
    'fraud-hold.yaml'
    >>> shipped_file("my/own.yaml") is None
    True
    """
    parts = Path(relative).parts
    if len(parts) < 2 or parts[0] not in KINDS:
        return None
    path = shipped(parts[0]).joinpath(*parts[1:])
    return path if path.exists() else None


def project_root() -> Path | None:
    """The trustlab project the notebooks run in: the working folder or the nearest one
    above it holding a ``policies/`` folder (this repository, or a folder made by
    ``trustlab init``); None outside one.

    Notebooks run from ``notebooks/`` (JupyterLab, nbval) or from wherever
    papermill was started, so relative paths are tried against this root.
    """
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "policies").is_dir():
            return folder
    return None


def repo_path(relative: str | os.PathLike) -> Path:
    """The file a notebook parameter names, wherever the notebook runs.

    Tried in order: ``relative`` as given (absolute, or present from the
    working folder); under the project root (:func:`project_root`); a file
    the kit ships (``policies/fraud-hold.yaml``, ``glossaries/...``,
    ``assessments/...``, ``notebooks/...``, ``datasets/...``; see
    :func:`shipped_file`). A path found nowhere is returned under the
    project root (or as given), so the error that follows names it.

    Examples
    --------
    >>> repo_path("policies/consumer-credit.yaml").is_file()
    True
    """
    path = Path(relative)
    if path.is_absolute() or path.exists():
        return path
    root = project_root()
    if root is not None and (root / path).exists():
        return root / path
    found = shipped_file(path)
    if found is not None:
        return found
    return root / path if root is not None else path
