"""Reading data sets named on the command line or in a review."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ._errors import DataError, Problem

__all__ = ["read_data"]


def read_data(path: str | os.PathLike) -> pd.DataFrame:
    """Read a CSV file, a Parquet file, or a folder of Parquet files.

    Raises
    ------
    trustlab.DataError
        Naming the file when it is missing, empty, of another format or unreadable.
    """
    p = Path(path)
    source = f"Data file '{p}'"
    if not p.exists():
        raise DataError(source, [Problem("(file)", f"does not exist (looked in "
                                                   f"{p.resolve().parent}); check the path")])
    suffix = p.suffix.lower()
    try:
        if p.is_dir():
            parts = sorted(p.rglob("*.parquet"))
            if not parts:
                raise DataError(source, [Problem("(folder)", "holds no .parquet files; a folder "
                                                             "of Parquet files is expected")])
            return pd.read_parquet(p)
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(p)
        if suffix in (".csv", ".txt") or p.name.endswith(".csv.gz"):
            return pd.read_csv(p)
    except DataError:
        raise
    except Exception as exc:  # parsers raise many types; name the file and the cause
        raise DataError(source, [Problem("(file)", f"cannot be read: {type(exc).__name__}: "
                                                   f"{exc}")]) from None
    raise DataError(source, [Problem("(file)", f"has suffix '{p.suffix}'; give a .csv or "
                                               ".parquet file, or a folder of Parquet files")])
