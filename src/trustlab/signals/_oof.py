"""Honest scores: every row scored by a model that never saw its outcome.

:func:`score_out_of_fold` trains one model per fold and scores each row with
the model of the fold it was held out of, so the scores can be judged (AUC,
calibration) and replayed through a policy as if they had been made live.
With a time column, folds follow time and no model ever trains on the future.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from .._result import Result, records
from .._outcome import bad_indicator
from .._time import read_times
from .._validate import SEED, Boolean, InstanceOf, Integral, Interval, Options, Text, validate_params
from ._calibration import _ece, calibration_table, describe_calibration, plot_reliability
from ._card import ModelCard, _trustlab_version, data_fingerprint, model_id
from ._pipeline import _check_columns, _inner, build_pipeline

__all__ = ["score_out_of_fold", "SignalResult", "select_features", "CALIBRATION_METHODS",
           "features_with_nan"]

#: Values accepted for ``calibration``.
CALIBRATION_METHODS = (None, "isotonic", "sigmoid")
_CALIBRATION_CV = 3


# --------------------------------------------------------------------- features

def _outcome_named(column: str, label: str) -> bool:
    low, lab = column.lower(), label.lower()
    return (low.startswith(f"{lab}_") or low.endswith(f"_{lab}") or low.startswith("true_")
            or low.endswith("_truth"))


_ID_WORDS = frozenset({"id", "key", "uuid", "guid", "identifier"})
_NEAR_UNIQUE = 0.95  # share of distinct values that makes an id-like column an identifier
_NEAR_UNIQUE_ROWS = 20  # below this many values, only all-different values make an identifier


def _name_words(column: str) -> list[str]:
    """The words of a column name: ``customerID`` → ``['customer', 'id']``."""
    return [w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", column)]


def _identifier_reason(column: str, s: pd.Series) -> str | None:
    """Why ``s`` is an identifier rather than a feature, or None.

    Text or categories with a different value on (nearly) every row; numbers
    with an id-like name (``…_id``, ``…Key``, ``uuid``) and nearly all values
    different; whole numbers that run through consecutive values (a row number).
    """
    if pd.api.types.is_bool_dtype(s.dtype):
        return None
    values = s.dropna()
    k = len(values)
    if k < 2:
        return None
    distinct = values.nunique()
    if distinct == k:
        near = "a different value on every row"
    elif k >= _NEAR_UNIQUE_ROWS and distinct >= _NEAR_UNIQUE * k:
        near = f"a different value on {distinct / k:.0%} of rows"
    else:
        return None
    words = _name_words(column)
    id_named = bool(words) and (words[-1] in _ID_WORDS or words[0] in _ID_WORDS)
    if not pd.api.types.is_numeric_dtype(s.dtype):
        return f"an identifier: {near}"
    if id_named:
        return f"an identifier: named as one, with {near}"
    if distinct == k and k >= _NEAR_UNIQUE_ROWS and pd.api.types.is_integer_dtype(s.dtype) \
            and int(values.max()) - int(values.min()) == k - 1:
        return "an identifier: a running number, a different value on every row"
    return None


def select_features(data: pd.DataFrame, label: str, *, time: str | None = None,
                    bad_when=True, name: str = "p_model",
                    exclude: Mapping[str, str] | Sequence[str] = ()
                    ) -> tuple[list[str], list[tuple[str, str]]]:
    """The columns :func:`score_out_of_fold` uses when ``features`` is None, and the rest with why.

    Every column is a feature except:

    * the columns in ``exclude``, with the reason given there (a policy's
      row key, time, outcome, recorded decisions and signals: see
      :func:`trustlab.signals.non_feature_columns`);
    * the label and the time column;
    * the signal's own output column (``name``);
    * columns named after the label or as ground truth: ``<label>_…``,
      ``…_<label>``, ``true_…``, ``…_truth`` (e.g. ``defaulted_truth``,
      ``true_pd``) — the outcome itself, not known at decision time;
    * a two-valued column equal to the label (or its opposite) on every
      labelled row, such as the loaders' ``defaulted`` beside ``creditability``;
    * another model's probability: a numeric column named ``p_…`` with every
      value in [0, 1] (e.g. ``p_default``) — a signal, not an applicant feature;
    * identifiers: a text or category column with a different value on every
      row (or, from 20 values on, on at least 95% of rows); a numeric column
      named as an id (``application_id``, ``customerID``, ``row_key``) with
      values as distinct; whole numbers running through consecutive values
      (a row number);
    * columns constant on the labelled rows (nothing to learn from, e.g.
      ``underwriter_decision`` when outcomes exist only for approved loans);
    * dates and times other than the time column.

    Parameters
    ----------
    data : pandas.DataFrame
    label : str
    time : str, optional
    bad_when : object, default True
        The label value meaning the bad outcome.
    name : str, default "p_model"
        The name of the signal to be made.
    exclude : mapping of str to str, or sequence of str, optional
        Columns never to use: column → the reason to report, or just the
        columns (reported as "excluded by the caller"). Columns the data
        lacks are ignored.

    Returns
    -------
    features : list of str
        In the order of ``data``'s columns.
    excluded : list of (str, str)
        Each column left out, with the reason, in the order of ``data``'s columns.

    Examples
    --------
    >>> df = pd.DataFrame({"id": ["a", "b", "c", "d"], "amount": [1.0, 2.0, 3.0, 4.0],
    ...                    "bad": [True, False, True, False], "bad_truth": [1, 0, 1, 0],
    ...                    "branch": ["x", "y", "x", "x"]})
    >>> features, excluded = select_features(df, "bad", exclude={"branch": "chosen by hand"})
    >>> features
    ['amount']
    >>> excluded
    [('id', 'an identifier: a different value on every row'), ('bad', 'the label'), \
('bad_truth', 'named as the outcome or ground truth, not known at decision time'), \
('branch', 'chosen by hand')]
    """
    given = dict(exclude) if isinstance(exclude, Mapping) else \
        dict.fromkeys(exclude, "excluded by the caller")
    labelled = data[label].notna().to_numpy()
    y = _bad_indicator(data[label], bad_when)
    features, excluded = [], []
    for column in data.columns:
        s = data[column]
        why = None
        if column in given:
            why = given[column]
        elif column == label:
            why = "the label"
        elif column == time:
            why = "the time column"
        elif column == name:
            why = "this signal's own output"
        elif not isinstance(column, str):
            why = "not a text column name"
        elif _outcome_named(column, label):
            why = "named as the outcome or ground truth, not known at decision time"
        elif pd.api.types.is_datetime64_any_dtype(s.dtype) or isinstance(s.dtype, pd.PeriodDtype) \
                or pd.api.types.is_timedelta64_dtype(s.dtype):
            why = "a date or time, not usable as a feature as it is"
        else:
            seen = s[labelled]
            values = seen.dropna()
            distinct = values.nunique()
            if distinct <= 1:
                why = "constant on the rows with an outcome: nothing to learn from"
            elif distinct == 2 and seen.notna().all():
                codes = pd.factorize(seen)[0]
                same = codes == y[labelled].astype(int)
                if same.all() or (~same).all():
                    why = "a copy of the label"
            # enough rows per value (10 on average) for an in-sample rate to mean something
            if why is None and seen.nunique(dropna=False) <= min(_FEW_VALUES, len(seen) // 10):
                auc = _values_auc(seen, y[labelled])
                if auc >= _LEAK_AUC:
                    why = (f"its values alone tell the outcome apart (AUC {auc:.3f} on the rows "
                           f"with an outcome): most likely recorded after the outcome, so not "
                           f"known at decision time")
            if why is None and column.lower().startswith("p_") \
                    and pd.api.types.is_float_dtype(s.dtype) \
                    and bool(s.dropna().between(0.0, 1.0).all()):
                why = "another model's probability (a signal, not an applicant feature)"
            if why is None:
                why = _identifier_reason(column, s)
        if why is None:
            features.append(column)
        else:
            excluded.append((str(column), why))
    return features, excluded


_FEW_VALUES = 50
"""A column with at most this many distinct values is checked for telling the outcome apart."""
_LEAK_AUC = 0.97
"""Above this AUC from a column's values alone, the column is taken to be recorded after the
outcome (a chargeback status, a collections flag). Honest features of the shipped data sets
reach 0.75 at most."""


def _values_auc(values: pd.Series, bad: np.ndarray) -> float:
    """The AUC of the in-sample bad rate of each value (missing is a value), ties counted half.

    Examples
    --------
    >>> _values_auc(pd.Series(["a", "a", "b", None]), np.array([False, False, True, True]))
    1.0
    >>> _values_auc(pd.Series(["a", "b", "a", "b"]), np.array([True, False, False, True]))
    0.5
    """
    codes, _ = pd.factorize(values, use_na_sentinel=False)
    n_bad = np.bincount(codes, weights=bad.astype(float))
    n_all = np.bincount(codes).astype(float)
    n_good = n_all - n_bad
    if n_bad.sum() == 0 or n_good.sum() == 0:
        return 0.5
    order = np.argsort(n_bad / n_all, kind="stable")
    rate = (n_bad / n_all)[order]
    b, g = n_bad[order], n_good[order]
    # pairs (bad, good): the bad case's value ranks above, or ties (half)
    _, first = np.unique(rate, return_index=True)
    tie_b = np.add.reduceat(b, first)
    tie_g = np.add.reduceat(g, first)
    goods_below = np.concatenate([[0.0], np.cumsum(tie_g)[:-1]])
    wins = float((tie_b * goods_below).sum() + 0.5 * (tie_b * tie_g).sum())
    return wins / float(n_bad.sum() * n_good.sum())


# --------------------------------------------------------------------- checks

def _bad_indicator(label: pd.Series, bad_when) -> np.ndarray:
    """True where the label is one of ``bad_when``'s values (False where missing)."""
    return bad_indicator(label, bad_when)[1]


def _columns_problem(columns: Sequence, data: pd.DataFrame, what: str) -> Problem:
    shown = ", ".join(map(str, data.columns))
    return Problem(what, f"{', '.join(map(repr, columns))} not in data. Columns in data: {shown}")


def _check(data, label, features, time, estimator, n_splits, seed, bad_when, calibration,
           name) -> None:
    source = "score_out_of_fold"
    problems = []
    if not isinstance(label, str) or label not in data.columns:
        problems.append(_columns_problem([label], data, "label"))
    if time is not None and (not isinstance(time, str) or time not in data.columns):
        problems.append(_columns_problem([time], data, "time"))
    if features is not None:
        if isinstance(features, str) or not isinstance(features, Sequence):
            problems.append(Problem("features", f"must be a list of column names; got "
                                                f"{features!r}"))
        else:
            unknown = [f for f in features if f not in data.columns]
            if unknown:
                problems.append(_columns_problem(unknown, data, "features"))
            if len(set(features)) != len(features):
                problems.append(Problem("features", "names a column more than once"))
            if not features:
                problems.append(Problem("features", "is empty; give at least one column"))
            for role, col in (("label", label), ("time column", time)):
                if col is not None and col in features:
                    problems.append(Problem("features", f"includes the {role} '{col}'; a model "
                                                        f"must not read it"))
    try:
        hash(bad_when)
    except TypeError:
        problems.append(Problem("bad_when", f"must be a single label value; got {bad_when!r}"))
    if problems:
        raise DataError(source, problems)


def _time_values(data: pd.DataFrame, time: str, time_format: str | None = None
                 ) -> tuple[pd.Series, np.ndarray]:
    """The time column (datetime or number) and an int64/float key that sorts it."""
    source = "score_out_of_fold"
    s = data[time]
    if not (pd.api.types.is_datetime64_any_dtype(s.dtype) or
            (pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype))):
        reading = read_times(s, time_format, column=time, setting="time_format")
        if reading.ns is None:
            raise DataError(source, [Problem(f"column '{time}'", str(reading.why))])
        s = pd.Series(reading.ns.view("datetime64[ns]"), index=data.index, name=time)
    missing = int(s.isna().sum())
    if missing:
        first = ", ".join(map(str, data.index[s.isna().to_numpy()][:5]))
        raise DataError(source, [Problem(f"column '{time}'", f"is missing on {missing} rows "
                                                            f"(first: {first}); every row needs a "
                                                            f"time to be placed in a fold")])
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        key = s.dt.tz_convert("UTC").dt.tz_localize(None) if s.dt.tz is not None else s
        key = key.to_numpy(dtype="datetime64[ns]").view("i8")
    else:
        key = s.to_numpy(dtype=float)
    return s, key


def features_with_nan(X: pd.DataFrame) -> pd.DataFrame:
    """Features with NaN for missing values: nullable numbers to float, nullable others to object.

    scikit-learn's transformers choke on ``pandas.NA``; NaN means the same.
    """
    out = {}
    for c in X.columns:
        s = X[c]
        if getattr(s.dtype, "na_value", None) is pd.NA:
            if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
                s = s.astype("float64")
            else:
                s = s.astype(object).where(s.notna(), np.nan)
        elif pd.api.types.is_object_dtype(s.dtype) and s.isna().any():
            s = s.where(s.notna(), np.nan)  # None -> NaN, so it counts as missing
        out[c] = s
    return pd.DataFrame(out, index=X.index)


# --------------------------------------------------------------------- folds

@dataclass(frozen=True)
class _Fold:
    train: np.ndarray  # positions in data of the rows the fold's model trains on
    score: np.ndarray  # positions in data of the rows it scores


def _canonical_order(data: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Positions of ``data``'s rows in an order that ignores the input order.

    Rows are ordered by a hash of their values, ties by a hash of their index
    label, so permuting the input rows permutes nothing in the folds.
    """
    content = pd.util.hash_pandas_object(data[columns], index=False).to_numpy()
    labels = pd.util.hash_pandas_object(data.index.to_frame(index=False), index=False).to_numpy()
    return np.lexsort((labels, content))


def _stratified_folds(canon: np.ndarray, labelled: np.ndarray, y: np.ndarray, n_splits: int,
                      seed: int) -> tuple[list[_Fold], np.ndarray]:
    from sklearn.model_selection import StratifiedKFold

    rows = canon[labelled[canon]]  # labelled rows in canonical order
    others = canon[~labelled[canon]]
    fold_of = np.full(len(labelled), -1, dtype=np.int64)
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    folds = []
    spread = np.random.default_rng(seed).permutation(len(others)) % n_splits
    for j, (train, test) in enumerate(splitter.split(np.zeros(len(rows)), y[rows])):
        score = np.concatenate([rows[test], others[spread == j]])
        fold_of[score] = j
        folds.append(_Fold(rows[train], score))
    return folds, fold_of


def _time_blocks(key_sorted: np.ndarray, n_splits: int) -> np.ndarray:
    """Start positions of the scored blocks in time-sorted rows, none inside one timestamp."""
    n = len(key_sorted)
    size = n // (n_splits + 1)
    starts = n - size * np.arange(n_splits, 0, -1)
    if size == 0:
        return np.array([], dtype=np.int64)
    starts = np.searchsorted(key_sorted, key_sorted[starts], side="left")  # back to a time's first row
    return np.unique(starts[starts > 0])


def _time_folds(key: np.ndarray, time_values: pd.Series, canon: np.ndarray,
                labelled: np.ndarray, y: np.ndarray, n_splits: int, source: str
                ) -> tuple[list[_Fold], np.ndarray, np.ndarray]:
    """Expanding-window folds: each block scored by a model of the labelled rows before it."""
    rank = np.empty(len(canon), dtype=np.int64)
    rank[canon] = np.arange(len(canon))
    order = np.lexsort((rank, key))  # by time, ties in canonical order
    key_sorted = key[order]
    starts = _time_blocks(key_sorted, n_splits)
    if len(starts) == 0:
        raise DataError(source, [Problem(
            "time", f"the {len(key)} rows hold too few distinct times to make time folds "
                    f"({len(np.unique(key))} distinct); give more history or fewer n_splits")])
    ends = np.append(starts[1:], len(order))
    fold_of = np.full(len(key), -1, dtype=np.int64)
    last_trained = np.full(len(key), -1, dtype=np.int64)  # position of the latest training row
    folds = []
    for j, (start, end) in enumerate(zip(starts, ends)):
        before = order[:start]
        train = before[labelled[before]]  # in time order
        if len(np.unique(y[train])) < 2:
            when = _iso(time_values.iloc[order[start]])
            raise DataError(source, [Problem(
                "time", f"the rows with an outcome before {when} hold "
                        f"{'no' if len(train) == 0 else 'only one'} outcome class, so time fold "
                        f"{j} cannot be trained; give fewer n_splits or more history")])
        score = order[start:end]
        fold_of[score] = j
        last_trained[score] = train[np.argmax(key[train])]
        folds.append(_Fold(train, score))
    return folds, fold_of, last_trained


# --------------------------------------------------------------------- result

@dataclass(frozen=True, eq=False)
class SignalResult(Result):
    """Out-of-fold scores of a signal model, the model refitted on all outcomes, and its card.

    Attributes
    ----------
    scores : pandas.Series
        Probability of the bad outcome for every input row, same index and
        order as the data, named after the signal; NaN where no honest score
        exists (the first time block).
    model : sklearn.pipeline.Pipeline
        ``[("prepare", ...), ("model", ...)]`` refitted on every labelled row:
        the model to deploy and explain. Its scores on the training rows are
        *not* honest; use ``scores`` to judge it.
    features : tuple of str
        The columns the model reads.
    card : ModelCard
    folds : pandas.DataFrame
        Per input row: ``fold`` (the fold whose model scored it, -1 if none),
        ``train_end`` (time folds: the last time the scoring model trained
        on; NaT otherwise) and ``scored``.
    label : str
    bad_when : object
    time : str or None
    outcome : pandas.Series
        Nullable boolean, True where the bad outcome was observed, <NA>
        where the label is missing.
    """

    scores: pd.Series
    model: object
    features: tuple[str, ...]
    card: ModelCard
    folds: pd.DataFrame
    label: str
    bad_when: object
    time: str | None
    outcome: pd.Series

    def calibration_table(self, bins: int = 10, strategy: str = "quantile") -> pd.DataFrame:
        """Predicted against observed bad rate on the rows with an out-of-fold score and an outcome.

        See :func:`trustlab.signals.calibration_table`.
        """
        keep = self.scores.notna() & self.outcome.notna()
        return calibration_table(self.outcome[keep].astype(bool), self.scores[keep],
                                 bins=bins, strategy=strategy)

    @property
    def expected_calibration_error(self) -> float:
        """Expected calibration error of the out-of-fold scores, 10 quantile bins."""
        return _ece(self.calibration_table())

    @property
    def calibration_verdict(self) -> str:
        """Whether the probabilities mean what they say, in words.

        E.g. ``"well calibrated: ECE 0.8 points"`` or ``"over-predicts risk
        above 30% (ECE 3.1 points): consider calibration='isotonic'"``.
        """
        return describe_calibration(self.calibration_table(),
                                    calibrated=self.card.calibration_method,
                                    labelled_rows=self.card.labelled_rows)

    def plot(self, ax=None, bins: int = 10):
        """Reliability diagram: predicted risk against observed default rate, with the diagonal.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Draw the curve here (the score histogram goes on a twin axis);
            default: a new figure with the histogram in a panel below.
        bins : int, default 10
            Quantile bins of the out-of-fold scores.

        Returns
        -------
        ReliabilityDisplay
            With ``ax_``, ``hist_ax_`` and ``figure_``.
        """
        auc = self.card.oof_auc
        title = (f"Does predicted risk match what happened?\n{self.scores.name}: "
                 f"{self.calibration_verdict}" + ("" if math.isnan(auc) else f"; AUC {auc:.3f}"))
        return plot_reliability(self.calibration_table(bins=bins),
                                self.scores.to_numpy(dtype=float), ax=ax, title=title)

    def _repr_html_(self) -> str:
        verdict = escape(self.calibration_verdict)
        return (f"<div><b>Signal '{escape(str(self.scores.name))}'</b> — calibration: {verdict}"
                f"{self.card._repr_html_()}</div>")

    @property
    def frame(self) -> pd.DataFrame:
        """The tidy table: :attr:`folds`, one row per out-of-fold split."""
        return self.folds

    def summary(self) -> pd.DataFrame:
        """The calibration of the out-of-fold scores, group by group (:meth:`calibration_table`)."""
        return self.calibration_table()

    def to_dict(self) -> dict:
        """The signal as plain JSON-safe values: its model card, folds and calibration verdict."""
        return {"signal": str(self.scores.name), "card": self.card.to_dict(),
                "folds": records(self.folds), "calibration": self.calibration_verdict}

    def __repr__(self) -> str:
        c = self.card
        return (f"SignalResult(name={self.scores.name!r}, model_id={c.model_id!r}, "
                f"rows={c.training_rows}, oof_auc={c.oof_auc:.3f})")


# --------------------------------------------------------------------- main

def _with_calibration(pipeline, calibration: str | None):
    if calibration is None:
        return pipeline
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import Pipeline

    last_name, last = pipeline.steps[-1]
    wrapped = CalibratedClassifierCV(last, method=calibration, cv=_CALIBRATION_CV)
    return Pipeline(pipeline.steps[:-1] + [(last_name, wrapped)])


def _bad_probability(model, X: pd.DataFrame) -> np.ndarray:
    proba = model.predict_proba(X)
    return proba[:, list(model.classes_).index(True)].astype(float)


def _iso(value) -> str:
    return pd.Timestamp(value).isoformat() if isinstance(value, (pd.Timestamp, np.datetime64)) \
        else str(value)


@validate_params({"data": [InstanceOf(pd.DataFrame, name="a pandas DataFrame")],
                  "n_splits": [Interval(Integral, 2, None)], "seed": [SEED],
                  "calibration": [Options(CALIBRATION_METHODS)], "name": [Text()],
                  "time_format": [None, Text()], "progress": [Boolean()]})
def score_out_of_fold(
    data: pd.DataFrame,
    label: str,
    features: Sequence[str] | None = None,
    *,
    time: str | None = None,
    estimator=None,
    n_splits: int = 5,
    seed: int = 0,
    bad_when=True,
    calibration: str | None = None,
    name: str = "p_model",
    time_format: str | None = None,
    progress: bool = False,
) -> SignalResult:
    """Score every row with a model that never saw its outcome; refit on all outcomes.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per case: features, the label and optionally a time column.
    label : str
        The outcome column. Rows where it is missing are **not trained on**
        (their outcome is unknown, e.g. declined applications) but are scored.
    features : sequence of str, optional
        The columns the model reads. Default: chosen by :func:`select_features`
        (every column but the label, the time, identifiers, copies of the
        label, ground-truth columns, other models' probabilities and columns
        constant where the outcome is known); ``result.features`` lists them
        and the card lists what was left out and why.
    time : str, optional
        A time column: datetimes, numbers, or text as teams store times (month
        stamps such as ``Mar-2018``, ISO dates, ...; read as
        :func:`trustlab.engine.read_times` reads them, with ``time_format``
        when given). With it, folds follow time: the
        rows, sorted by time, are cut into ``n_splits + 1`` blocks (as
        scikit-learn's ``TimeSeriesSplit`` does, with no cut inside one
        timestamp); each block after the first is scored by a model trained
        only on the labelled rows of the blocks before it — strictly earlier
        times, never the future. The first block has no earlier data: its
        scores are NaN, and the card says how many rows and which period.
        Without ``time``: ``StratifiedKFold(n_splits, shuffle=True,
        random_state=seed)`` over the labelled rows; unlabelled rows, which no
        fold model trained on, are spread over the folds at random (by
        ``seed``) and scored by their fold's model, so every score comes from
        a model trained on the same share of the data.
    estimator : classifier or Pipeline, optional
        Default: :func:`trustlab.signals.default_estimator`. See
        :func:`trustlab.signals.build_pipeline` for how inputs are prepared.
    n_splits : int, default 5
    seed : int, default 0
        Shuffles the stratified folds. Folds do not depend on the order of
        the rows: permuting the input rows gives every row the same score.
    bad_when : object, default True
        The label value meaning the bad outcome (``"bad"`` for German credit's
        ``creditability`` and Lending Club's ``Class``; True for the boolean
        ``defaulted``). Every other value is a good outcome.
    calibration : {None, "isotonic", "sigmoid"}, default None
        Wrap the estimator in ``CalibratedClassifierCV(method=calibration,
        cv=3)`` inside each fold (and in the final model).
    name : str, default "p_model"
        Name of the scores, the signal name a policy refers to.
    time_format : str, optional
        How to read a text ``time`` column (see :func:`trustlab.engine.read_times`).
    progress : bool, default False
        Report the fold being trained (``fold 2/5``, then the final model) on
        stderr: a bar on a terminal, plain lines in CI or a log. The scores
        and the model are the same either way.

    Returns
    -------
    SignalResult

    Raises
    ------
    trustlab.DataError
        For an unknown label, time or feature column (listing the columns
        present); a label with one class only among labelled rows, or
        without ``bad_when``; an estimator without ``predict_proba``; a bad
        ``calibration``, ``n_splits`` or ``seed``; folds that would hold one
        class only; missing times.

    Examples
    --------
    >>> from trustlab.datasets import make_history
    >>> history = make_history(n_days=60, applications_per_day=30, seed=1)
    >>> result = score_out_of_fold(history, "defaulted", time="decision_time", n_splits=3)
    >>> result.features[:3]
    ('channel', 'loan_amount', 'annual_income')
    >>> bool((result.folds["train_end"] < history["decision_time"])[result.folds["scored"]].all())
    True
    >>> result.card.labelled_rows == int(history["defaulted"].notna().sum())
    True
    """
    source = "score_out_of_fold"
    _check(data, label, features, time, estimator, n_splits, seed, bad_when, calibration, name)
    n_splits, seed = int(n_splits), int(seed)
    labelled = data[label].notna().to_numpy()
    values = data[label][labelled]
    present = pd.Series(values.unique()).tolist()  # plain Python values, for the message
    if not any(v == bad_when for v in present):
        shown = ", ".join(sorted(map(repr, present))[:10]) or "none"
        raise DataError(source, [Problem("bad_when", f"{bad_when!r} is not a value of label "
                                                     f"'{label}'; values: {shown}")])
    y = _bad_indicator(data[label], bad_when)
    counts = np.bincount(y[labelled].astype(int), minlength=2)
    if counts.min() == 0:
        only = "bad" if counts[1] else "good"
        raise DataError(source, [Problem(f"column '{label}'", f"holds only {only} outcomes among "
                                                              f"its {int(labelled.sum())} labelled "
                                                              f"rows; a model needs both classes")])
    excluded: list[tuple[str, str]] = []
    if features is None:
        features, excluded = select_features(data, label, time=time, bad_when=bad_when,
                                             name=name)
        if not features:
            raise DataError(source, [Problem("features", "none left after leaving out "
                                                         + "; ".join(f"{c} ({w})" for c, w in excluded)
                                                         + "; give features explicitly")])
    features = list(features)
    X = features_with_nan(data[features])
    _check_columns(X, source)
    pipeline = _with_calibration(build_pipeline(X, estimator), calibration)
    min_class = int(counts.min())
    needed = n_splits if time is None else 0
    if calibration is not None:
        needed = max(needed, _CALIBRATION_CV)
    if min_class < needed:
        raise DataError(source, [Problem(
            f"column '{label}'", f"has only {min_class} rows of its rarer outcome; "
                                 f"{'stratified folds' if time is None else 'calibration'} need "
                                 f"at least {needed}; lower n_splits or give more data")])

    hashed = features + [label] + ([time] if time else [])
    canon = _canonical_order(data, list(dict.fromkeys(hashed)))
    n = len(data)
    if time is None:
        folds, fold_of = _stratified_folds(canon, labelled, y, n_splits, seed)
        train_end = pd.Series(pd.NaT, index=data.index, dtype="datetime64[ns]")
        time_values = None
    else:
        time_values, key = _time_values(data, time, time_format)
        folds, fold_of, last = _time_folds(key, time_values, canon, labelled, y, n_splits, source)
        train_end = (time_values.iloc[np.maximum(last, 0)].reset_index(drop=True)
                     .where(pd.Series(last >= 0)).set_axis(data.index))

    from sklearn.base import clone

    from .._progress import Progress
    from .._threads import limit

    scores = np.full(n, np.nan)
    bar = Progress(f"Training '{name}'", total=len(folds) + 1, enabled=progress, every=0)
    with limit(), bar:  # native pools share the CPUs with other trustlab runs in progress
        for k, fold in enumerate(folds, start=1):
            bar.advance(detail=f"fold {k}/{len(folds)}")
            model = clone(pipeline).fit(X.iloc[fold.train], y[fold.train])
            scores[fold.score] = _bad_probability(model, X.iloc[fold.score])
        bar.advance(detail="final model on every outcome")
        train_rows = canon[labelled[canon]]
        final = clone(pipeline).fit(X.iloc[train_rows], y[train_rows])

    scored = ~np.isnan(scores)
    evaluable = scored & labelled
    from sklearn.metrics import brier_score_loss, roc_auc_score

    y_eval, s_eval = y[evaluable], scores[evaluable]
    both = len(np.unique(y_eval)) == 2
    auc = float(roc_auc_score(y_eval, s_eval)) if both else float("nan")
    brier = float(brier_score_loss(y_eval, s_eval)) if evaluable.any() else float("nan")
    table = calibration_table(y_eval, s_eval, bins=10)

    n_lab = int(labelled.sum())
    estimator_step = final.steps[-1][1]
    inner = _inner(estimator_step)
    if time is None:
        period = None
        folds_text = (f"{n_splits} stratified folds (shuffled, seed {seed}) over the {n_lab:,} "
                      f"rows with an outcome; each is scored by the one fold model not trained "
                      f"on it")
        if n_lab < n:
            folds_text += ("; rows without an outcome, which no model trains on, are spread over "
                           "the folds at random and scored by their fold's model")
        unscored_reason = None
    else:
        period = (_iso(time_values.min()), _iso(time_values.max()))
        first = ~scored
        folds_text = (f"{len(folds)} expanding-window folds in order of '{time}': each block is "
                      f"scored by a model trained only on rows with an outcome from strictly "
                      f"earlier times; the first block is not scored")
        unscored_reason = (f"the first time block ({_iso(time_values[first].min())} to "
                           f"{_iso(time_values[first].max())}) has no earlier data to train on")
    if n_lab < n:
        selection = (f"Outcomes are observed for {100 * n_lab / n:.1f}% of rows (e.g. only "
                     f"approved loans); the model learns from those only and its scores on the "
                     f"others are extrapolations.")
    else:
        selection = ("Every row has an observed outcome. If the rows themselves were selected "
                     "(e.g. only funded loans), the scores describe that population only.")
    fingerprint = data_fingerprint(X.iloc[train_rows], y[train_rows])
    card = ModelCard(
        model_id=model_id(estimator_step, features, fingerprint, name=type(inner).__name__),
        estimator=type(inner).__name__,
        features=tuple(features),
        label=label,
        bad_when=str(bad_when),
        training_rows=n,
        labelled_rows=n_lab,
        unlabelled_rows=n - n_lab,
        bad_rate=float(counts[1] / n_lab),
        period=period,
        folds=folds_text,
        oof_auc=auc,
        oof_brier=brier,
        oof_rows=int(evaluable.sum()),
        calibration=tuple((int(r.bin), float(r.mean_predicted), float(r.observed_rate),
                           int(r.count)) for r in table.itertuples(index=False)),
        calibration_method=calibration,
        unscored_rows=int((~scored).sum()),
        unscored_reason=unscored_reason if (~scored).any() else None,
        selection_note=selection,
        excluded_columns=tuple(excluded),
        created_with=_trustlab_version(),
    )
    folds_frame = pd.DataFrame({"fold": fold_of, "train_end": train_end.array, "scored": scored},
                               index=data.index)
    outcome = pd.Series(pd.arrays.BooleanArray(y, ~labelled), index=data.index, name=label)
    return SignalResult(
        scores=pd.Series(scores, index=data.index, name=name),
        model=final,
        features=tuple(features),
        card=card,
        folds=folds_frame,
        label=label,
        bad_when=bad_when,
        time=time,
        outcome=outcome,
    )
