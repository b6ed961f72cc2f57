"""Small helpers the parameterised notebooks call, so that their logic is tested here.

Notebooks keep a ``parameters`` cell of plain values (papermill injects
overrides after it) and then call :func:`check_parameters`, which refuses
unknown names and wrong types in one clear error (papermill itself only
warns about an unknown parameter).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ._errors import ConfigError, Problem

__all__ = ["SHIPPED_DATASETS", "ESTIMATORS", "check_parameters", "label_value", "load_dataset",
           "make_estimator", "notebook_parameters", "read_parameters", "repo_path", "scratch_folder",
           "split_list", "with_signals"]

#: Estimator names a notebook parameter may give.
ESTIMATORS = ("hgb", "logistic")

SHIPPED_DATASETS = ("lending_club", "german_credit", "synthetic")


def load_dataset(name_or_path: str | os.PathLike) -> pd.DataFrame:
    """A shipped data set by name, or a CSV/Parquet file or Parquet folder by path.

    Examples
    --------
    >>> len(load_dataset("german_credit"))
    1000
    """
    from . import datasets
    from ._io import read_data

    loaders = dict(zip(SHIPPED_DATASETS, (datasets.load_lending_club,
                                          datasets.load_german_credit,
                                          datasets.load_synthetic_sample)))
    if str(name_or_path) in loaders:
        return loaders[str(name_or_path)]()
    return read_data(repo_path(name_or_path))


def split_list(text: str) -> list[str] | None:
    """``"a, b"`` → ``["a", "b"]``; an empty string → ``None``.

    Examples
    --------
    >>> split_list("loan_amount, grade"), split_list("")
    (['loan_amount', 'grade'], None)
    """
    items = [t.strip() for t in str(text).split(",") if t.strip()]
    return items or None


def check_parameters(values: Mapping[str, object], declared: Mapping[str, object],
                     choices: Mapping[str, tuple] | None = None, notebook: str = "notebook") -> None:
    """Refuse parameters a notebook does not declare, of the wrong type, or outside their choices.

    Parameters
    ----------
    values : mapping
        The parameter values as the notebook sees them (name → value).
    declared : mapping
        Name → default value, from the notebook's parameters cell.
    choices : mapping, optional
        Name → allowed values.

    Examples
    --------
    >>> check_parameters({"seed": 1}, {"seed": 0})
    >>> check_parameters({"sead": 1}, {"seed": 0})
    Traceback (most recent call last):
    ...
    trustlab._errors.ConfigError: Parameters of notebook: sead: unknown parameter. Did you mean 'seed'? Parameters: seed
    """
    import difflib

    problems = []
    for name, value in values.items():
        if name not in declared:
            close = difflib.get_close_matches(name, list(declared), n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            problems.append(Problem(name, f"unknown parameter.{hint} Parameters: "
                                          f"{', '.join(declared)}"))
            continue
        default = declared[name]
        if default is not None and not isinstance(value, type(default)) and not (
            isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool)
        ) and not (  # papermill's -p reads 'True' or '7' as a bool or a number
            isinstance(default, str) and isinstance(value, (bool, int, float))
        ):
            problems.append(Problem(name, f"must be {type(default).__name__} like its default "
                                          f"{default!r}; got {value!r}"))
        if choices and name in choices and value not in choices[name]:
            problems.append(Problem(name, f"must be one of {', '.join(map(repr, choices[name]))}; "
                                          f"got {value!r}"))
    if problems:
        raise ConfigError(f"Parameters of {notebook}", problems)


def _repo_root() -> Path:
    """The checkout holding the shipped policies: the working folder or one above it.

    Notebooks run from ``notebooks/`` (JupyterLab, nbval) or from wherever
    papermill was started, so the root is the nearest folder upwards holding
    ``pyproject.toml`` and ``policies/``; failing that, the checkout this
    package was installed from in editable mode.
    """
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "policies").is_dir():
            return folder
    return Path(__file__).resolve().parents[2]


def scratch_folder(name: str) -> Path:
    """A new empty temporary folder whose name starts with ``name``, for files a notebook
    writes only to read them back (Parquet parts, a saved reference)."""
    import tempfile

    return Path(tempfile.mkdtemp(prefix=f"trustlab-{name}-"))


def repo_path(relative: str | os.PathLike) -> Path:
    """``relative`` as given when absolute or present from here, else under the repository root.

    Examples
    --------
    >>> repo_path("policies/consumer-credit.yaml").is_file()
    True
    """
    path = Path(relative)
    if path.is_absolute() or path.exists():
        return path
    return _repo_root() / path


def label_value(data: pd.DataFrame, label: str, text: str):
    """The label value that ``text`` names: ``"True"`` is True for a boolean label.

    Parameters are text in notebooks; this turns ``bad_when`` into a value of
    the label column, or says which values the column holds.

    Examples
    --------
    >>> df = pd.DataFrame({"bad": pd.array([True, None, False], dtype="boolean"),
    ...                    "Class": ["good", "bad", "good"]})
    >>> label_value(df, "bad", "True"), label_value(df, "Class", "bad")
    (True, 'bad')
    """
    if label not in data.columns:
        raise ConfigError("Parameters of notebook", [Problem(
            "label", f"{label!r} is not a column; columns: {', '.join(map(str, data.columns))}")])
    values = pd.unique(data[label].dropna())
    for value in values.tolist():
        if str(value) == str(text):
            return value
    raise ConfigError("Parameters of notebook", [Problem(
        "bad_when", f"{text!r} is not a value of {label!r}; values: "
                    f"{', '.join(sorted(map(str, values.tolist()))[:10])}")])


def make_estimator(name: str):
    """The estimator a notebook parameter names: ``hgb`` (the default model) or ``logistic``.

    Examples
    --------
    >>> type(make_estimator("logistic")).__name__
    'LogisticRegression'
    """
    if name == "hgb":
        from .signals import default_estimator

        return default_estimator()
    if name == "logistic":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(max_iter=1000)
    raise ConfigError("Parameters of notebook", [Problem(
        "estimator", f"must be one of {', '.join(ESTIMATORS)}; got {name!r}")])


def read_parameters(notebook: str | os.PathLike) -> dict[str, tuple[object, str]]:
    """The declared parameters of a notebook: name → (default, help text).

    The cell tagged ``parameters`` holds one ``name: type = default  # help``
    line per parameter (plain literals only, so papermill and this function
    read the same values).

    Examples
    --------
    >>> params = read_parameters(repo_path("notebooks/01_signals.ipynb"))
    >>> params["n_splits"]
    (5, 'folds')
    """
    import ast
    import json

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


def notebook_parameters(namespace: Mapping[str, object], notebook: str,
                        choices: Mapping[str, tuple] | None = None) -> dict[str, object]:
    """Check a running notebook's parameters against its parameters cell; their values.

    Call it in the cell after the parameters cell, with ``globals()``. A
    value of the wrong type or outside ``choices`` stops the run with one
    clear :class:`~trustlab.ConfigError` listing every problem. (Names the
    notebook does not declare are refused before it runs, by whoever injects
    them: see :func:`check_parameters`; here re-running cells in JupyterLab
    must not trip over the notebook's own variables.)

    Parameters
    ----------
    namespace : mapping
        The notebook's ``globals()``.
    notebook : str
        The notebook's name without ``.ipynb``, found under ``notebooks/``.
    choices : mapping, optional
        Name → allowed values.

    Returns
    -------
    dict
        Parameter name → value, in declaration order.
    """
    declared = read_parameters(repo_path(f"notebooks/{notebook}.ipynb"))
    missing = [name for name in declared if name not in namespace]
    if missing:
        raise ConfigError(f"Parameters of {notebook}", [Problem(
            name, "is declared but not defined: run the parameters cell first") for name in missing])
    given = {name: namespace[name] for name in declared}
    check_parameters(given, {k: d for k, (d, _) in declared.items()}, choices, notebook)
    return given



def with_signals(data: pd.DataFrame, policy, *, exclude: list[str] | None = None,
                 seed: int = 0) -> tuple[pd.DataFrame, list[str]]:
    """:func:`trustlab.signals.train_missing_signals`, with one sentence per signal scored.

    Examples
    --------
    >>> import trustlab
    >>> p = trustlab.load_policy(repo_path("policies/consumer-credit.yaml"))
    >>> data = load_dataset("synthetic").head(50)
    >>> with_signals(data, p)[1]
    []
    """
    from .signals import train_missing_signals

    scored, trained = train_missing_signals(data, policy, exclude=exclude or (), seed=seed)
    return scored, [t.note for t in trained]
