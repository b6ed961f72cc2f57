"""The result contract every public result keeps: ``frame``, ``summary()``, ``plot()``,
``_repr_html_()`` and ``to_dict()``.

As NannyML's ``AbstractResult`` and scikit-learn's Display objects: a result holds data
(:attr:`Result.frame`, the tidy table; :meth:`Result.summary`, the headline table), a
Display draws it (:meth:`Result.plot` returns a :class:`trustlab._plotting.Display` that
holds its data and can draw again on other axes), a notebook shows it
(:meth:`Result._repr_html_`) and a JSON file stores it (:meth:`Result.to_dict`, plain
numbers, text and lists only).

:class:`Result` is a mixin with no fields, so a frozen dataclass may inherit it; a class
provides ``frame`` itself (a field or a property) and overrides what it says better.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from ._json import json_safe
from ._plotting import Display

__all__ = ["Result", "records", "plain"]


def plain(value):
    """``value`` as JSON holds it: :func:`trustlab._json.json_safe`, then anything else
    (a category, a policy, a path) as its text.

    Examples
    --------
    >>> plain({"a": np.float64(0.5), "b": (1, float("nan")), "c": pd.Timestamp("2024-06-03")})
    {'a': 0.5, 'b': [1, None], 'c': '2024-06-03T00:00:00'}
    """
    value = json_safe(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray, pd.Index, pd.Series)):
        return [plain(v) for v in list(value)]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, pd.DataFrame):
        return records(value)
    return str(value)


def records(frame: pd.DataFrame | None) -> list[dict] | None:
    """``frame``'s rows as JSON-safe dicts; a named or non-default index becomes columns.

    Examples
    --------
    >>> records(pd.DataFrame({"v": [1.0, float("nan")]}, index=pd.Index(["a", "b"], name="m")))
    [{'m': 'a', 'v': 1.0}, {'m': 'b', 'v': None}]
    """
    if frame is None:
        return None
    f = pd.DataFrame(frame)
    if not isinstance(f.index, pd.RangeIndex) or any(n is not None for n in f.index.names):
        f = f.reset_index()
    if isinstance(f.columns, pd.MultiIndex):
        f.columns = [" ".join(str(p) for p in c if str(p)) for c in f.columns]
    return [plain(r) for r in f.to_dict("records")]


class Result:
    """The contract of a result: ``frame``, ``summary()``, ``plot()``, ``_repr_html_()``,
    ``to_dict()``.

    A subclass provides ``frame`` (the tidy table: a dataclass field or a
    property). The defaults here: :meth:`summary` is the frame, :meth:`plot`
    draws nothing (it raises), :meth:`_repr_html_` shows the summary under the
    class's name, :meth:`to_dict` holds the summary and the frame.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Counts(Result):
    ...     frame: pd.DataFrame
    >>> c = Counts(pd.DataFrame({"metric": ["decisions"], "value": [np.int64(3)]}))
    >>> c.to_dict()["summary"]
    [{'metric': 'decisions', 'value': 3}]
    >>> "<table" in c._repr_html_()
    True
    """

    frame: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """The headline table (here: :attr:`frame`)."""
        return self.frame

    def plot(self, ax=None, **options) -> Display:
        """Draw the result; returns a :class:`~trustlab._plotting.Display`."""
        raise NotImplementedError(f"{type(self).__name__} has no chart")

    def _repr_html_(self) -> str:
        return (f"<div><b>{escape(type(self).__name__)}</b>"
                f"{self.summary().to_html()}</div>")

    def to_dict(self) -> dict:
        """The result as JSON holds it: plain numbers, text, lists and dicts (NaN as null)."""
        return {"result": type(self).__name__, "summary": records(self.summary()),
                "frame": records(self.frame)}
