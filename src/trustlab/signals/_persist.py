"""Saving and loading models with skops: no pickle, and no type loaded unless trusted.

A pickle file runs whatever code it names when it is loaded. skops stores a
model as data and rebuilds only the types it is told to trust: its own
defaults (scikit-learn's estimators, NumPy arrays, builtins) and the types
the caller lists. :func:`load_model` refuses a file holding any other type,
naming the types and how to trust them after review.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

from .._errors import DataError, Problem

__all__ = ["save_model", "load_model", "PIPELINE_TYPES"]

#: Types inside trustlab's own pipelines (:func:`build_pipeline` with gradient
#: boosting or logistic regression, with or without calibration) that skops
#: does not trust by default. They are scikit-learn internals holding fitted
#: trees and calibrators; pass ``trusted=PIPELINE_TYPES`` to load such a
#: model, after checking the file came from you.
PIPELINE_TYPES: tuple[str, ...] = (
    "numpy.dtype",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
)


def save_model(model, path) -> Path:
    """Write a fitted model to ``path`` in the skops format (never pickle).

    Parameters
    ----------
    model : estimator
        E.g. ``score_out_of_fold(...).model``.
    path : str or pathlib.Path
        Conventionally ending in ``.skops``.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from trustlab.signals import build_pipeline
    >>> X = pd.DataFrame({"amount": [1.0, 2.0, 3.0, 4.0]})
    >>> model = build_pipeline(X, LogisticRegression()).fit(X, [0, 0, 1, 1])
    >>> path = save_model(model, os.path.join(tempfile.mkdtemp(), "model.skops"))
    >>> load_model(path, trusted=PIPELINE_TYPES).predict(X).tolist()
    [0, 0, 1, 1]
    """
    import skops.io as sio

    path = Path(path)
    sio.dump(model, path)
    return path


def load_model(path, trusted: Sequence[str] | None = None):
    """Load a model saved by :func:`save_model`, refusing types nobody trusted.

    Parameters
    ----------
    path : str or pathlib.Path
    trusted : sequence of str, optional
        Fully qualified type names to trust beyond skops' defaults, e.g.
        :data:`PIPELINE_TYPES` for trustlab's own gradient-boosting and
        calibrated pipelines. Only list types you have checked; a file from
        someone else may hold types that run code when rebuilt.

    Returns
    -------
    The model.

    Raises
    ------
    trustlab.DataError
        When the file is missing or not a skops file (a pickle, say: it is
        never unpickled), or holds types outside skops' defaults and
        ``trusted``; the message lists them. Types beyond trustlab's own
        pipelines (:data:`PIPELINE_TYPES`) are never suggested for trust:
        re-save such a model from an environment you trust.

    Examples
    --------
    >>> load_model("no-such-model.skops")
    Traceback (most recent call last):
    ...
    trustlab._errors.DataError: Model file 'no-such-model.skops': (file): not found
    """
    import skops.io as sio

    path = Path(path)
    source = f"Model file '{path}'"
    if isinstance(trusted, (str, bytes)) or (trusted is not None and not (
            isinstance(trusted, Sequence) and all(isinstance(t, str) for t in trusted))):
        raise DataError(source, [Problem("trusted", f"must be a list of type names such as "
                                                    f"['{PIPELINE_TYPES[-1]}']; got {trusted!r}")])
    if not path.is_file():
        raise DataError(source, [Problem("(file)", "not found")])
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DataError(source, [Problem(
            "(file)", f"is not a skops model file ({type(exc).__name__}: {exc}); refusing to "
                      f"load it. trustlab never unpickles files, since a pickle can run any "
                      f"code; save models with trustlab.signals.save_model")]) from None
    allowed = set(trusted or ())
    refused = [t for t in untrusted if t not in allowed]
    if refused:
        listed = ", ".join(refused)
        if set(refused) <= set(PIPELINE_TYPES):
            message = (f"holds types that skops does not trust by default: {listed}. These are "
                       f"the scikit-learn internals of trustlab's own pipelines, so "
                       f"trusted=trustlab.signals.PIPELINE_TYPES loads it")
        else:
            others = ", ".join(t for t in refused if t not in PIPELINE_TYPES)
            message = (f"holds types that could run code when the model is rebuilt, so it is "
                       f"refused. Untrusted types: {others}. Do not trust these to load the "
                       f"file; re-save the model with trustlab.signals.save_model from an "
                       f"environment you trust, and load that file")
        raise DataError(source, [Problem("(file)", message)])
    try:
        return sio.load(path, trusted=list(untrusted))
    except Exception as exc:  # skops raises several types on damaged files; name the file
        raise DataError(source, [Problem("(file)", f"cannot be loaded: {type(exc).__name__}: "
                                                   f"{exc}")]) from None
