"""What a review folder holds, and whether it is a complete review.

``trustlab review`` writes these files (see the review contract); the review
runner (:mod:`trustlab.review`) writes them and the readiness checks of
:mod:`trustlab.design` read them. Both stand on this one description.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path, PurePosixPath

__all__ = ["REVIEW_NOTEBOOK", "REPORT_FILE", "MANIFEST_FILE", "STATUS_FILE", "METRICS_FILE",
           "DECISIONS_FILE", "PARTIAL", "digest_of", "sha256_of", "folder_incomplete"]

REVIEW_NOTEBOOK = "review.ipynb"
REPORT_FILE = "report.html"
MANIFEST_FILE = "manifest.json"
METRICS_FILE = "metrics.json"
DECISIONS_FILE = "decisions.parquet"
STATUS_FILE = "status.json"
"""``{"status": "complete"|"failed"|"interrupted", ...}``: only a complete folder carries a
verdict; every reader (``--rerun``, readiness) refuses the others."""
PARTIAL = ".partial-"
"""A run writes into ``<out>.partial-<pid>`` and is moved to ``<out>`` when it ends."""


def digest_of(files: dict[str, str]) -> str:
    """One sha256 for a folder from its files' relative paths and sha256s, in path order
    (part by part, as paths sort)."""
    h = hashlib.sha256()
    for name in sorted(files, key=PurePosixPath):
        h.update(f"{PurePosixPath(name).as_posix()}\0{files[name]}\n".encode())
    return h.hexdigest()


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes; of a folder (decision records written in parts),
    :func:`digest_of` its files."""
    if path.is_dir():
        return digest_of({p.relative_to(path).as_posix(): sha256_of(p)
                          for p in path.rglob("*") if p.is_file()})
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def folder_incomplete(folder: str | os.PathLike) -> str | None:
    """Why a review folder is not a complete review (None when it is).

    A folder is incomplete when its ``status.json`` says ``failed`` or
    ``interrupted`` (or cannot be read), or when it is still a run's working
    folder (``<out>.partial-<pid>``: the run was killed). A folder without
    ``status.json`` (written before it existed) counts as complete.
    """
    d = Path(folder)
    if PARTIAL in d.name:
        return (f"'{d}' is the working folder of a review that never finished (killed); "
                "its files are not a review")
    status = d / STATUS_FILE
    if not status.exists():
        return None
    try:
        doc = json.loads(status.read_text(encoding="utf-8"))
        state = doc["status"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"its {STATUS_FILE} cannot be read ({type(exc).__name__}: {exc})"
    if state == "complete":
        return None
    why = doc.get("reason") if isinstance(doc, dict) else None
    return f"the review is {state}, not complete" + (f" ({why})" if why else "")
