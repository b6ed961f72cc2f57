"""Loaders for the data sets shipped in the repository's ``datasets/`` folder.

The files are found in the folder named by the environment variable
``TRUSTLAB_DATA_DIR`` when it is set, and otherwise among the data sets
shipped with trustlab (package data; in a checkout, the repository's
``datasets/`` folder).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .._errors import DataError, Problem

__all__ = ["load_german_credit", "load_lending_club", "load_synthetic_sample", "data_dirs"]

ENV_VAR = "TRUSTLAB_DATA_DIR"


def data_dirs() -> list[Path]:
    """The folders searched for data files, in order.

    Returns
    -------
    list of pathlib.Path
        Only ``$TRUSTLAB_DATA_DIR`` when that variable is set; otherwise the
        data sets shipped with trustlab.

    Examples
    --------
    >>> all(isinstance(folder, Path) for folder in data_dirs())
    True
    """
    override = os.environ.get(ENV_VAR, "").strip()
    if override:
        return [Path(override).expanduser()]
    from .._resources import shipped

    return [shipped("datasets")]


def _find(name: str) -> Path:
    searched = [d / name for d in data_dirs()]
    for path in searched:
        if path.is_file():
            return path
    fix = (f"check that {ENV_VAR} names the folder holding {name}, or unset it to use the "
           "data sets shipped with trustlab" if os.environ.get(ENV_VAR, "").strip() else
           f"reinstall trustlab (it ships {name}), or set {ENV_VAR} to the folder holding it")
    raise DataError(f"Data file '{name}'", [Problem(
        "(file)", f"not found; looked in {', '.join(str(p) for p in searched)}; {fix}")])


def _load_labelled_csv(name: str, label: str, bad: str, good: str) -> pd.DataFrame:
    path = _find(name)
    df = pd.read_csv(path)
    source = f"Data file '{path}'"
    if label not in df.columns:
        raise DataError(source, [Problem(f"column '{label}'", "is missing; the label column "
                                                              "must be present")])
    values = set(df[label].dropna().unique())
    if df[label].isna().any() or not values <= {good, bad}:
        other = sorted(map(str, values - {good, bad}))
        raise DataError(source, [Problem(
            f"column '{label}'", f"holds values other than '{good}' and '{bad}' "
                                 f"({', '.join(other) or 'missing values'}); "
                                 f"every row needs one of the two")])
    for col in df.columns:
        if not (pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_bool_dtype(df[col])):
            df[col] = df[col].astype("category")
    at = df.columns.get_loc(label) + 1
    df.insert(at, "defaulted", (df[label] == bad).to_numpy(dtype=bool))
    return df


def load_german_credit() -> pd.DataFrame:
    """The UCI Statlog German credit data: 1,000 applicants, 30% bad.

    Returns
    -------
    pandas.DataFrame
        The 20 attributes (text columns as ``category``), the label
        ``creditability`` (``good``/``bad``) and, beside it, ``defaulted``
        (bool, True where ``bad``). See ``datasets/README.md``.

    Raises
    ------
    trustlab.DataError
        When ``german_credit.csv`` is not found, naming the folders searched.

    Examples
    --------
    >>> df = load_german_credit()
    >>> df.shape
    (1000, 22)
    >>> float(df["defaulted"].mean())
    0.3
    """
    return _load_labelled_csv("german_credit.csv", "creditability", bad="bad", good="good")


def load_lending_club() -> pd.DataFrame:
    """Lending Club loans as curated in R's ``modeldata``: 9,857 loans, about 5.2% bad.

    Returns
    -------
    pandas.DataFrame
        The 22 columns (text columns as ``category``), the label ``Class``
        (``good``/``bad``) and, beside it, ``defaulted`` (bool, True where
        ``bad``). See ``datasets/README.md``.

    Raises
    ------
    trustlab.DataError
        When ``lending_club.csv`` is not found, naming the folders searched.

    Examples
    --------
    >>> df = load_lending_club()
    >>> df.shape
    (9857, 24)
    >>> int(df["defaulted"].sum())
    517
    """
    return _load_labelled_csv("lending_club.csv", "Class", bad="bad", good="good")


def load_synthetic_sample() -> pd.DataFrame:
    """The committed 50k-row sample of the synthetic history.

    It equals ``make_history(n_days=365, applications_per_day=140, seed=7)``.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`trustlab.datasets.make_history`.

    Raises
    ------
    trustlab.DataError
        When ``synthetic_history_sample.parquet`` is not found or cannot be read.

    Examples
    --------
    >>> df = load_synthetic_sample()
    >>> df["decision_time"].min()
    Timestamp('2025-01-01 00:28:51')
    """
    path = _find("synthetic_history_sample.parquet")
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types; name the file and the cause
        raise DataError(f"Data file '{path}'", [Problem(
            "(file)", f"cannot be read: {type(exc).__name__}: {exc}; restore it from the "
                      f"repository or regenerate it with the call in datasets/README.md")]) from None
