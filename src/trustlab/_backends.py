"""The data picks the backend: one function per question, in memory or over parts.

``replay``, ``threshold_sweep``, ``band_grid``, ``lda_search`` and
``drift_over_time`` take a history as a pandas DataFrame (answered in memory) or
as parts: a Parquet file, folder or URL streamed in batches, or a Dask
DataFrame (with ``client=``, on a cluster). Parts are folded by
:mod:`trustlab.scale`, which registers itself here when imported (importing
:mod:`trustlab` does), so the functions on the floors below never import it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from ._errors import ParameterError, Problem

__all__ = ["PARTS_QUESTIONS", "register_parts_backend", "in_memory", "parts_backend",
           "answer_in_parts", "refuse_in_memory_options"]

PARTS_QUESTIONS = ("replay", "threshold_sweep", "band_grid", "lda_search", "drift_over_time")
"""The questions a history in parts can be asked."""

_BACKENDS: dict[str, Callable[..., Any]] = {}


def register_parts_backend(question: str, answer: Callable[..., Any]) -> None:
    """Make ``answer`` what ``question`` calls for a history given as parts."""
    if question not in PARTS_QUESTIONS:
        raise ValueError(f"{question!r} is not one of {', '.join(PARTS_QUESTIONS)}")
    _BACKENDS[question] = answer


def in_memory(data: object, client: object = None) -> bool:
    """True when ``data`` is answered in memory: a pandas DataFrame and no cluster client."""
    return isinstance(data, pd.DataFrame) and client is None


def parts_backend(question: str) -> Callable[..., Any]:
    """The registered parts backend of ``question``."""
    try:
        return _BACKENDS[question]
    except KeyError:
        raise RuntimeError(f"no backend answers {question} over parts: import trustlab.scale "
                           "(importing trustlab does)") from None


def answer_in_parts(question: str, *args, **options):
    """``question`` answered by its parts backend; an option given as None keeps the backend's
    default (``batch_rows``, ``fine_bins``)."""
    return parts_backend(question)(*args, **{k: v for k, v in options.items()
                                              if v is not None or k not in _DEFAULTED})


_DEFAULTED = ("batch_rows", "fine_bins")
"""Options the in-memory signatures default to None and the backend to a number."""


def refuse_in_memory_options(question: str, given: Mapping[str, tuple[object, object]]) -> None:
    """Refuse options that only an in-memory answer has, when the history comes in parts.

    ``given`` maps an option's name to ``(value, default)``; every option not
    at its default is named in one error.
    """
    changed = [name for name, (value, default) in given.items()
               if (value is not None if default is None else bool(value != default))]
    if changed:
        raise ParameterError(question, [Problem(name, (
            "applies to a history held in memory (a pandas DataFrame); this history comes in "
            "parts (a Parquet path or folder, or a Dask DataFrame), whose backend reads each part "
            "once and cannot take it: leave it out, or pass a DataFrame")) for name in changed])
