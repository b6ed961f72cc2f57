"""What the decision-type generators share: their arguments, checked, and a daily volume.

:func:`trustlab.datasets.make_retention_history` and
:func:`trustlab.datasets.make_fraud_history` both take a number of days, an
average daily volume, a first day and a seed; :func:`check_days` checks them
the way :func:`trustlab.datasets.make_history` does (every problem at once, as
a :class:`trustlab.DataError` naming the argument), and :func:`daily_counts`
draws each day's count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from ._real import _find
from ._synthetic import _finite, _timestamp

__all__ = ["check_days", "daily_counts", "numbered_ids", "read_shipped_csv"]


def check_days(source: str, n_days: object, per_day: object, per_day_name: str, start: object,
               seed: object) -> pd.Timestamp:
    """The first day as a Timestamp, after checking every argument; all problems at once.

    Parameters
    ----------
    source : str
        The generator's name, for the error.
    n_days, per_day, start, seed : object
        As given to the generator.
    per_day_name : str
        The generator's name for ``per_day`` (``customers_per_day``).

    Raises
    ------
    trustlab.DataError
        Naming each argument that is not valid and what would be.

    Examples
    --------
    >>> check_days("make_x", 7, 10.0, "rows_per_day", "2025-01-01", 0)
    Timestamp('2025-01-01 00:00:00')
    >>> check_days("make_x", 0, -1, "rows_per_day", "2025-01-01", 0)
    Traceback (most recent call last):
    ...
    trustlab._errors.DataError: make_x has 2 problems:
      - n_days: 0 is not a whole number of days of at least 1; give e.g. 90
      - rows_per_day: -1 is not a positive number; give the average number a day, e.g. 50
    """
    problems: list[Problem] = []
    if isinstance(n_days, bool) or not isinstance(n_days, (int, np.integer)) or n_days < 1:
        problems.append(Problem("n_days", f"{n_days!r} is not a whole number of days of at "
                                          f"least 1; give e.g. 90"))
    if not _finite(per_day) or per_day <= 0:  # type: ignore[operator]
        problems.append(Problem(per_day_name, f"{per_day!r} is not a positive number; give the "
                                              f"average number a day, e.g. 50"))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        problems.append(Problem("seed", f"{seed!r} is not a non-negative whole number; "
                                        f"give e.g. 0"))
    first = None
    try:
        first = _timestamp(start, source, "start")
    except DataError as exc:
        problems.extend(exc.problems)
    if first is not None and first != first.normalize():
        problems.append(Problem("start", f"{start!r} has a time of day; the history starts "
                                         f"at midnight, so give a date such as '2025-01-01'"))
    if problems:
        raise DataError(source, problems)
    assert first is not None
    return first


def daily_counts(rng: np.random.Generator, first: pd.Timestamp, n_days: int, per_day: float,
                 weekday_factor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each day's count, Poisson around ``per_day`` × the day's weekday factor; and the weekdays.

    Parameters
    ----------
    rng : numpy.random.Generator
    first : pandas.Timestamp
        The first day.
    n_days : int
    per_day : float
        The average daily count.
    weekday_factor : numpy.ndarray
        Seven factors, Monday first, averaging 1.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Counts per day and each day's weekday (0 = Monday).

    Examples
    --------
    >>> counts, weekday = daily_counts(np.random.default_rng(0), pd.Timestamp("2025-01-06"),
    ...                                7, 10.0, np.ones(7))
    >>> len(counts), weekday.tolist()
    (7, [0, 1, 2, 3, 4, 5, 6])
    """
    weekday = (first.day_of_week + np.arange(n_days)) % 7
    return rng.poisson(per_day * weekday_factor[weekday]), weekday


def numbered_ids(prefix: str, n: int) -> pd.Series:
    """``prefix`` followed by 1 … n, zero-padded to at least seven digits, as text.

    Examples
    --------
    >>> numbered_ids("C", 3).tolist()
    ['C0000001', 'C0000002', 'C0000003']
    >>> len(numbered_ids("C", 0))
    0
    """
    if n == 0:  # numpy's zfill fails on an empty array
        return pd.Series([], dtype=str)
    width = max(7, len(str(n)))
    strings = getattr(np, "strings", np.char)  # numpy >= 2 / numpy 1.26
    return pd.Series(strings.add(prefix, strings.zfill(np.arange(1, n + 1).astype(str), width)),
                     dtype=str)


def read_shipped_csv(name: str, times: tuple[str, ...] = (),
                     dtypes: dict[str, str] | None = None) -> pd.DataFrame:
    """A CSV file shipped in ``datasets/``, with ``times`` as datetime64[ns] and ``dtypes`` set.

    Raises
    ------
    trustlab.DataError
        When the file is not found (naming the folders searched) or cannot be read.
    """
    path = _find(name)
    try:
        df = pd.read_csv(path, dtype=dtypes)
        return df.assign(**{c: pd.to_datetime(df[c], format="ISO8601").astype("datetime64[ns]")
                            for c in times})
    except Exception as exc:  # parsers raise several types; name the file and the cause
        raise DataError(f"Data file '{path}'", [Problem(
            "(file)", f"cannot be read: {type(exc).__name__}: {exc}; restore it from the "
                      f"repository or regenerate it with the call in datasets/README.md")]) from None
