"""A notebook's declared parameters, as the review runner and the notebooks read them."""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

from .._errors import ConfigError, Problem

__all__ = ["read_parameters"]


def read_parameters(notebook: str | os.PathLike) -> dict[str, tuple[object, str]]:
    """The declared parameters of a notebook: name → (default, help text).

    The cell tagged ``parameters`` holds one ``name: type = default  # help``
    line per parameter (plain literals only, so papermill and this function
    read the same values).

    Examples
    --------
    >>> from trustlab._resources import shipped
    >>> params = read_parameters(shipped("notebooks") / "01_signals.ipynb")
    >>> params["n_splits"]
    (5, 'folds')
    """
    path = Path(notebook)
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(tagged) != 1:
        raise ConfigError(str(path), [Problem("cells", f"{len(tagged)} cells are tagged "
                                                       f"'parameters'; exactly one must be")])
    source = "".join(tagged[0]["source"])
    lines = source.splitlines()
    out: dict[str, tuple[object, str]] = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.AnnAssign) or not isinstance(node.target, ast.Name) \
                or node.value is None:
            raise ConfigError(str(path), [Problem(f"parameters line {node.lineno}",
                                                  "must read 'name: type = value  # help'")])
        line = lines[node.lineno - 1]
        help_text = line.split("#", 1)[1].strip() if "#" in line[node.value.end_col_offset:] else ""
        out[node.target.id] = (ast.literal_eval(node.value), help_text)
    return out
