"""The model card: what a signal model is, what it learned from, and how well it scores."""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import MISSING, asdict, dataclass, fields
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from .._json import json_safe

__all__ = ["ModelCard", "model_id", "data_fingerprint", "estimator_prefix"]

_PREFIXES = {
    "HistGradientBoostingClassifier": "hgb",
    "GradientBoostingClassifier": "gb",
    "RandomForestClassifier": "rf",
    "ExtraTreesClassifier": "et",
    "LogisticRegression": "logit",
    "SGDClassifier": "sgd",
}
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _trustlab_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("trustlab")
    except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
        return "unknown"


def estimator_prefix(name: str) -> str:
    """The short, lower-case prefix of a model id for an estimator class name.

    Examples
    --------
    >>> estimator_prefix("HistGradientBoostingClassifier"), estimator_prefix("MyFancyClassifier")
    ('hgb', 'mf')
    """
    if name in _PREFIXES:
        return _PREFIXES[name]
    stem = re.sub(r"Classifier$", "", name) or name
    return "".join(ch for ch in stem if ch.isupper()).lower() or stem[:6].lower()


def _render(value) -> str:
    """A deterministic text form of a parameter value (no memory addresses)."""
    if hasattr(value, "get_params") and not isinstance(value, type):
        return f"<{type(value).__module__}.{type(value).__qualname__}>"  # its params are listed too
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_render(k)}: {_render(v)}"
                               for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))) + "}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_render(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    if isinstance(value, np.ndarray):
        return f"array({_render(value.tolist())})"
    if isinstance(value, type) or callable(value):
        return f"{getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', repr(value))}"
    if isinstance(value, np.random.RandomState):
        return "RandomState"  # state not rendered: pass an int seed for a reproducible id
    return _ADDRESS.sub("", repr(value))


def data_fingerprint(X: pd.DataFrame, y) -> str:
    """A sha256 of the training rows (features and label), whatever their order.

    Each row is hashed with ``pandas.util.hash_pandas_object`` (index left
    out); the sorted row hashes are hashed together, so shuffling rows keeps
    the fingerprint and changing any value changes it.

    Examples
    --------
    >>> X = pd.DataFrame({"a": [1, 2]})
    >>> data_fingerprint(X, [0, 1]) == data_fingerprint(X.iloc[::-1], [1, 0])
    True
    """
    frame = X.reset_index(drop=True).copy()
    frame["__label__"] = np.asarray(y)
    rows = np.sort(pd.util.hash_pandas_object(frame, index=False).to_numpy())
    digest = hashlib.sha256(",".join(map(str, frame.columns)).encode())
    digest.update(rows.tobytes())
    return digest.hexdigest()


def model_id(estimator, features, fingerprint: str, name: str | None = None) -> str:
    """A stable identifier: ``<prefix>-`` and 16 hex characters of a sha256.

    The hash covers the estimator's parameters (``get_params(deep=True)``,
    rendered deterministically), the feature list and the training-data
    fingerprint; any change in one of them gives another id.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> model_id(LogisticRegression(), ["a"], "0" * 64)[:6]
    'logit-'
    """
    params = estimator.get_params(deep=True)
    text = "\n".join(f"{k}={_render(params[k])}" for k in sorted(params))
    digest = hashlib.sha256()
    digest.update(f"{type(estimator).__module__}.{type(estimator).__qualname__}\n".encode())
    digest.update(text.encode())
    digest.update(("\nfeatures=" + json.dumps(list(features))).encode())
    digest.update(("\ndata=" + fingerprint).encode())
    return f"{estimator_prefix(name or type(estimator).__name__)}-{digest.hexdigest()[:16]}"


_TUPLE_FIELDS = ("features", "period", "calibration", "excluded_columns")


def _tuples(value):
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return "—" if math.isnan(value) else f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


@dataclass(frozen=True)
class ModelCard:
    """What a signal model is, what it learned from and how well it scored out of fold.

    Attributes
    ----------
    model_id : str
        ``<prefix>-<16 hex>``: a sha256 of the estimator's parameters, the
        feature list and the training data (see :func:`model_id`).
    estimator : str
        Class name of the estimator (inside any calibration wrapper).
    features : tuple of str
        The features the model reads, in the order it reads them.
    label : str
        The outcome column.
    bad_when : str
        The label value meaning the bad outcome, as text.
    training_rows : int
        Rows in the data passed, labelled or not; the model is fitted on the
        ``labelled_rows`` among them.
    labelled_rows, unlabelled_rows : int
        Rows with and without an observed outcome. Unlabelled rows are scored,
        never trained on.
    bad_rate : float
        Share of labelled rows with the bad outcome.
    period : tuple of str or None
        First and last time in the data (ISO text), when a time column is given.
    folds : str
        How the out-of-fold scores were made, in words.
    oof_auc, oof_brier : float
        ROC AUC and Brier score of the out-of-fold scores on the rows with
        both a score and an outcome (NaN when they hold one class only).
    oof_rows : int
        Rows those two figures are computed on.
    calibration : tuple of (int, float, float, int)
        The out-of-fold reliability table, 10 quantile bins: bin,
        mean_predicted, observed_rate, count.
    calibration_method : str or None
        ``"isotonic"``, ``"sigmoid"`` or None (the raw model's probabilities).
    unscored_rows : int
        Rows with no honest out-of-fold score (NaN), and ``unscored_reason``
        says why (None when every row is scored).
    selection_note : str
        What the unlabelled rows mean for the scores (selection bias).
    excluded_columns : tuple of (str, str)
        Columns left out of the features when they were chosen automatically,
        each with the reason.
    created_with : str
        The trustlab version that made the card.
    """

    model_id: str
    estimator: str
    features: tuple[str, ...]
    label: str
    bad_when: str
    training_rows: int
    labelled_rows: int
    unlabelled_rows: int
    bad_rate: float
    period: tuple[str, str] | None
    folds: str
    oof_auc: float
    oof_brier: float
    oof_rows: int
    calibration: tuple[tuple[int, float, float, int], ...]
    calibration_method: str | None
    unscored_rows: int
    unscored_reason: str | None
    selection_note: str
    excluded_columns: tuple[tuple[str, str], ...] = ()
    created_with: str = ""

    def to_dict(self) -> dict:
        """The card as plain JSON types (tuples become lists, NaN becomes None).

        Examples
        --------
        >>> card = ModelCard._example()
        >>> card.to_dict()["features"]
        ['amount', 'grade']
        """
        return json_safe(asdict(self))

    def save(self, path) -> Path:
        """Write the card to ``path`` as JSON with sorted keys; returns the path.

        Examples
        --------
        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "card.json")
        >>> ModelCard.load(ModelCard._example().save(path)) == ModelCard._example()
        True
        """
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), sort_keys=True, indent=2, allow_nan=False)
                        + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path) -> ModelCard:
        """Read a card written by :meth:`save`.

        Raises
        ------
        trustlab.DataError
            When the file is missing, is not JSON, or lacks or adds fields.
        """
        path = Path(path)
        source = f"Model card '{path}'"
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DataError(source, [Problem("(file)", "not found")]) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DataError(source, [Problem("(file)", f"is not JSON: {exc}")]) from None
        if not isinstance(raw, dict):
            raise DataError(source, [Problem("(file)", "must hold a JSON object")])
        names = [f.name for f in fields(cls)]
        required = [f.name for f in fields(cls) if f.default is MISSING]
        problems = [Problem(k, f"is not a model card field; fields: {', '.join(names)}")
                    for k in raw if k not in names]
        problems += [Problem(k, "is missing") for k in required if k not in raw]
        if problems:
            raise DataError(source, problems)
        values = {k: (_tuples(v) if k in _TUPLE_FIELDS else v) for k, v in raw.items()}
        for k in ("oof_auc", "oof_brier", "bad_rate"):
            if values.get(k) is None:
                values[k] = float("nan")
        return cls(**values)

    def __eq__(self, other) -> bool:  # NaN metrics compare equal to NaN
        if not isinstance(other, ModelCard):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(self.model_id)

    def summary(self) -> pd.DataFrame:
        """The card as a two-column table (``item``, ``value``) in plain words."""
        rows = [
            ("Model id", self.model_id),
            ("Estimator", self.estimator + (f" (calibrated: {self.calibration_method})"
                                            if self.calibration_method else "")),
            ("Outcome", f"{self.label} = {self.bad_when} is the bad outcome"),
            ("Features", f"{len(self.features)}: {', '.join(self.features)}"),
            ("Rows", f"{self.training_rows:,} ({self.labelled_rows:,} with an outcome, "
                     f"{self.unlabelled_rows:,} without)"),
            ("Bad rate (rows with an outcome)", f"{100 * self.bad_rate:.1f}%"
             if not math.isnan(self.bad_rate) else "—"),
            ("Period", " to ".join(self.period) if self.period else "— (no time column)"),
            ("Out-of-fold scores", self.folds),
            ("Out-of-fold AUC", _fmt(self.oof_auc) + f" on {self.oof_rows:,} rows"),
            ("Out-of-fold Brier score", _fmt(self.oof_brier)),
            ("Not scored", f"{self.unscored_rows:,}" + (f": {self.unscored_reason}"
                                                          if self.unscored_reason else "")),
            ("Selection", self.selection_note),
        ]
        if self.excluded_columns:
            rows.append(("Columns left out", "; ".join(f"{c} ({why})"
                                                       for c, why in self.excluded_columns)))
        rows.append(("Made with", f"trustlab {self.created_with}"))
        return pd.DataFrame(rows, columns=["item", "value"])

    def _repr_html_(self) -> str:
        body = "".join(f"<tr><th style='text-align:left;vertical-align:top'>{escape(i)}</th>"
                       f"<td style='text-align:left'>{escape(str(v))}</td></tr>"
                       for i, v in self.summary().itertuples(index=False))
        return f"<table><caption>Model card</caption>{body}</table>"

    @classmethod
    def _example(cls) -> ModelCard:
        """A small card for examples and tests."""
        return cls(
            model_id="hgb-0123456789abcdef", estimator="HistGradientBoostingClassifier",
            features=("amount", "grade"), label="defaulted", bad_when="True",
            training_rows=10, labelled_rows=8, unlabelled_rows=2, bad_rate=0.25, period=None,
            folds="2 stratified folds", oof_auc=0.75, oof_brier=0.18, oof_rows=8,
            calibration=((0, 0.1, 0.0, 4), (1, 0.4, 0.5, 4)), calibration_method=None,
            unscored_rows=0, unscored_reason=None,
            selection_note="Outcomes are observed for 80% of rows.",
            created_with=_trustlab_version())
