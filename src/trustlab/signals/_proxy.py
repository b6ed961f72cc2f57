"""Stand-ins for protected attributes: features that tell them apart, and models that read them.

A policy's protected attributes (``fairness.protected``) are never a trained
signal's feature and never a reason. That is not enough when a supplied
model reads one anyway, or when another feature carries the same
information (a postcode for an ethnic group, tenure for an age band).
:func:`proxy_warnings` says both in words; the review shows the warnings in
its verdict area. They are warnings, not refusals: whether a strong
predictor is a fair feature is a judgement the policy owner makes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from .._errors import DataError, Problem
from .._validate import SEED, InstanceOf, Interval, Real, validate_params
from ._card import ModelCard
from ._fill import non_feature_columns
from ._oof import select_features

__all__ = ["ProxyCheck", "proxy_warnings", "PROXY_AUC"]

PROXY_AUC = 0.7
"""From this out-of-fold AUC on, a feature is said to predict a protected attribute strongly."""
_FOLDS = 5
_BINS = 20
"""A numeric feature with more distinct values is read in this many bins of its rank."""
_PROTECTED_BINS = 5
"""A numeric protected attribute with more than ``_BINS`` values is cut into this many
quantile groups."""
_SMOOTHING = 1.0
"""Rows of the training folds' overall rate added to each value's rate (unseen values get it)."""
_COLUMNS = ["attribute", "feature", "group", "auc", "rows", "flagged"]


@dataclass(frozen=True)
class ProxyCheck:
    """What :func:`proxy_warnings` measured, and the warnings in words.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per protected attribute and candidate feature, strongest
        first: ``attribute``, ``feature``, ``group`` (the attribute's group
        the feature tells apart best from the rest), ``auc`` (the
        out-of-fold AUC for that group), ``rows`` (rows with the attribute
        known) and ``flagged`` (``auc`` at or above ``threshold``).
    warnings : tuple of str
        Sentences for the verdict area: model cards listing a protected
        attribute, features predicting one strongly, attributes that could
        not be measured.
    threshold : float
    protected : tuple of str
        The policy's protected attributes (empty without ``fairness``).
    """

    frame: pd.DataFrame
    warnings: tuple[str, ...]
    threshold: float
    protected: tuple[str, ...]

    def _repr_html_(self) -> str:
        if not self.protected:
            return "<div><b>Protected attributes</b>: the policy declares none.</div>"
        items = "".join(f"<li>{escape(w)}</li>" for w in self.warnings)
        head = (f"<b>Protected attributes</b> {escape(', '.join(self.protected))}: "
                + (f"{len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''}"
                   if self.warnings else "no model reads one and no feature predicts one with "
                                         f"out-of-fold AUC {self.threshold:.2f} or more"))
        return f"<div>{head}<ul>{items}</ul></div>"


def _card_items(model_cards) -> list[tuple[str, ModelCard]]:
    """``(signal, card)`` pairs from a mapping, cards, or pairs."""
    source = "proxy_warnings"
    if isinstance(model_cards, Mapping):
        items = list(model_cards.items())
    elif isinstance(model_cards, (list, tuple)):
        items = [(c.model_id, c) if isinstance(c, ModelCard) else c for c in model_cards]
    else:
        raise DataError(source, [Problem("model_cards", f"must map signal names to model cards "
                                                        f"(or list cards); got "
                                                        f"{type(model_cards).__name__}")])
    bad = [repr(i) for i in items if not (isinstance(i, tuple) and len(i) == 2
                                          and isinstance(i[1], ModelCard))]
    if bad:
        raise DataError(source, [Problem("model_cards", f"holds {bad[0]}, not a "
                                                        f"trustlab.ModelCard")])
    return [(str(name), card) for name, card in items]


def _check(data, features, exclude, threshold, seed) -> None:
    source = "proxy_warnings"
    problems = []
    for name, given in (("features", features), ("exclude", exclude)):
        if given is None:
            continue
        if isinstance(given, str) or not isinstance(given, (Sequence, Mapping)):
            problems.append(Problem(name, f"must be a list of column names; got {given!r}"))
        elif name == "features":
            unknown = [f for f in given if f not in data.columns]
            if unknown:
                problems.append(Problem(name, f"{', '.join(map(repr, unknown))} not in data. "
                                              f"Columns in data: "
                                              f"{', '.join(map(str, data.columns))}"))
    if problems:
        raise DataError(source, problems)


def _numbers(s: pd.Series) -> np.ndarray | None:
    """``s`` as float64 with NaN where missing, or None when it is not a number or a time."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return None
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s.to_numpy(dtype="float64", na_value=np.nan)
    if hasattr(s.array, "asi8"):  # datetimes (any zone), time spans, periods
        x = s.array.asi8.astype("float64")
        x[s.isna().to_numpy()] = np.nan
        return x
    return None


def _rank_bins(x: np.ndarray, bins: int) -> np.ndarray:
    """Bin of each value by its rank (ties share one); missing values get bin ``bins``."""
    codes = np.full(len(x), bins, dtype=np.int64)
    known = ~np.isnan(x)
    values = x[known]
    if len(values):
        first_rank = np.searchsorted(np.sort(values), values, side="left")
        codes[known] = first_rank * bins // len(values)
    return codes


def _feature_codes(s: pd.Series) -> tuple[np.ndarray, int]:
    """Integer codes of a feature's values (missing is a value) and how many there are.

    Text, categories and booleans: one code per value. Numbers and times with
    more than ``_BINS`` distinct values: ``_BINS`` bins of their rank.
    """
    try:
        codes, uniques = pd.factorize(s, use_na_sentinel=False)
    except TypeError:  # unhashable values: read as their text
        codes, uniques = pd.factorize(s.astype(str), use_na_sentinel=False)
    if len(uniques) > _BINS + 1:
        x = _numbers(s)
        if x is not None:
            return _rank_bins(x, _BINS), _BINS + 1
    return codes.astype(np.int64, copy=False), max(len(uniques), 1)


def _protected_groups(s: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Group codes of a protected attribute (-1 where missing) and the groups' names."""
    x = _numbers(s)
    if x is not None and len(pd.unique(x[~np.isnan(x)])) > _BINS:
        codes = _rank_bins(x, _PROTECTED_BINS)
        codes[codes == _PROTECTED_BINS] = -1
        names = []
        for g in range(_PROTECTED_BINS):
            inside = x[codes == g]
            names.append(f"{np.min(inside):g} to {np.max(inside):g}" if len(inside) else "")
        return codes, names
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes.astype(np.int64, copy=False), [str(u) for u in uniques]


def _cells_auc(score: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> float:
    """AUC of scores given per cell with its positive and negative counts, ties counted half.

    Examples
    --------
    >>> round(_cells_auc(np.array([0.1, 0.9, 0.5]), np.array([0.0, 3.0, 1.0]),
    ...                  np.array([2.0, 0.0, 1.0])), 4)  # (3 x 3 + 1 x 2 + 1 x 1 / 2) / (4 x 3)
    0.9583
    """
    p, q = pos.sum(), neg.sum()
    if p == 0 or q == 0:
        return float("nan")
    levels, inverse = np.unique(score, return_inverse=True)
    tie_p = np.bincount(inverse, weights=pos, minlength=len(levels))
    tie_q = np.bincount(inverse, weights=neg, minlength=len(levels))
    below = np.concatenate([[0.0], np.cumsum(tie_q)[:-1]])
    return float(((tie_p * below).sum() + 0.5 * (tie_p * tie_q).sum()) / (p * q))


def _oof_auc(codes: np.ndarray, n_values: int, fold: np.ndarray, member: np.ndarray) -> float:
    """Out-of-fold AUC of the rate of ``member`` by value, each fold rated on the others only.

    Every row of fold ``k`` is scored with the share of members among the
    rows of the other folds holding its value (smoothed towards their overall
    share by ``_SMOOTHING`` rows); the AUC is read off the
    ``folds × values`` cells, so no step runs over rows in Python.
    """
    cell = fold * n_values + codes
    size = _FOLDS * n_values
    count = np.bincount(cell, minlength=size).reshape(_FOLDS, n_values).astype(float)
    pos = np.bincount(cell, weights=member.astype(float), minlength=size).reshape(_FOLDS, n_values)
    train_count = count.sum(axis=0) - count
    train_pos = pos.sum(axis=0) - pos
    prior = train_pos.sum(axis=1, keepdims=True) / np.maximum(train_count.sum(axis=1,
                                                                              keepdims=True), 1.0)
    rate = (train_pos + _SMOOTHING * prior) / (train_count + _SMOOTHING)
    used = count.ravel() > 0
    return _cells_auc(rate.ravel()[used], pos.ravel()[used], (count - pos).ravel()[used])


def _candidates(data: pd.DataFrame, policy, exclude) -> list[str]:
    """The columns a signal trained for ``policy`` would read, ``exclude`` left out.

    :func:`trustlab.signals.select_features` on the policy's outcome when the
    data has it; otherwise every column but the policy's non-features,
    ``exclude`` and dates and times.
    """
    never = dict(non_feature_columns(policy))
    for column in exclude:
        never.setdefault(column, "excluded by the caller")
    out = getattr(policy, "outcomes", None)
    if out is not None and out.label in data.columns and bool(data[out.label].notna().any()):
        time = policy.time_column if policy.time_column in data.columns else None
        return select_features(data, out.label, time=time, bad_when=out.bad_when,
                               exclude=never)[0]
    out = []
    for column in data.columns:
        dtype = data[column].dtype
        if column in never or pd.api.types.is_datetime64_any_dtype(dtype) \
                or pd.api.types.is_timedelta64_dtype(dtype) or isinstance(dtype, pd.PeriodDtype):
            continue
        out.append(column)
    return out


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


@validate_params({"data": [InstanceOf(pd.DataFrame, name="a pandas DataFrame")],
                  "threshold": [Interval(Real, 0.5, 1, closed="right", name="an AUC above 0.5 "
                                                                            "and at most 1")],
                  "seed": [SEED]})
def proxy_warnings(data: pd.DataFrame, policy, *, features: Sequence[str] | None = None,
                   model_cards=(), exclude: Sequence[str] = (), threshold: float = PROXY_AUC,
                   seed: int = 0) -> ProxyCheck:
    """Warn, in words, where a model reads a protected attribute or a feature stands in for one.

    For the policy's protected attributes (``fairness.protected``):

    * each supplied signal whose model card lists one among its features is
      named (the model reads it, so its scores can differ by it directly;
      its reasons never cite it);
    * each candidate feature is measured alone on how well it predicts each
      protected attribute: the **out-of-fold AUC** of a one-feature model,
      one group against the rest, the largest over the attribute's groups.
      The model is a rate table: the rows are split into 5 random folds (by
      ``seed``) and every row is scored with the share of the group among
      the rows of the *other* folds holding the same value of the feature
      (a text or category value; for a number or time with more than 20
      distinct values, its twentieth by rank; missing is a value of its
      own), smoothed towards the other folds' overall share. Only groups
      of at least ``fairness.min_group`` rows, with as many rows outside
      them, are measured. A feature with AUC at or above ``threshold`` is
      named with the attribute and the AUC: it may stand in for it.

    Everything is counted with ``numpy.bincount`` over folds and values: no
    loop runs over rows (100,000 rows and 30 columns take well under a
    second).

    Parameters
    ----------
    data : pandas.DataFrame
    policy : Policy
        Its ``fairness.protected`` are the attributes checked; without a
        ``fairness`` section nothing is measured and there is no warning.
    features : sequence of str, optional
        The candidate features. Default: the columns a signal trained for
        the policy would read (:func:`trustlab.signals.select_features` on
        its outcome, leaving out the policy's
        :func:`trustlab.signals.non_feature_columns` — row key, time,
        outcome, recorded decisions, signals, protected attributes — and
        ``exclude``); without outcomes in the data, every column but those
        and dates and times.
    model_cards : mapping of str to ModelCard, or sequence of ModelCard, optional
        Cards of supplied signals, by signal name (a bare card is named by
        its ``model_id``).
    exclude : sequence of str, optional
        Columns no model reads (not candidates when ``features`` is None).
    threshold : float, default 0.7
        The out-of-fold AUC from which a feature is flagged (above 0.5, at most 1).
    seed : int, default 0
        Seeds the folds.

    Returns
    -------
    ProxyCheck
        ``frame`` (every attribute and feature measured, strongest first) and
        ``warnings`` (sentences).

    Raises
    ------
    trustlab.DataError
        For data that is not a DataFrame, an unknown feature, a model card
        that is not a :class:`trustlab.ModelCard`, a threshold outside
        (0.5, 1] or a negative seed.

    Examples
    --------
    >>> import trustlab
    >>> from trustlab.datasets import make_retention_history
    >>> policy = trustlab.load_policy("policies/retention-offer.yaml")  # age_band protected
    >>> history = make_retention_history(n_days=60, seed=1)
    >>> history["birth_decade"] = history["age_band"].map(
    ...     {"18-34": "1990s", "35-54": "1970s", "55+": "1950s"})
    >>> check = proxy_warnings(history, policy)
    >>> print(check.warnings[0])
    `birth_decade` predicts `age_band` (group '18-34' against the rest) with out-of-fold AUC 1.00 (≥ 0.70): it may stand in for it.
    >>> check.frame[["feature", "auc", "flagged"]].head(2).round(2).to_numpy().tolist()
    [['birth_decade', 1.0, True], ['tenure_months', 0.63, False]]
    """
    _check(data, features, exclude, threshold, seed)
    cards = _card_items(model_cards)
    threshold = float(threshold)
    fairness = getattr(policy, "fairness", None)
    protected = tuple(getattr(fairness, "protected", None) or ())
    min_group = int(getattr(fairness, "min_group", 30) or 1)
    frame = pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
        _COLUMNS, ["str", "str", "str", "float64", "int64", "bool"])})
    if not protected:
        return ProxyCheck(frame, (), threshold, ())

    warnings: list[str] = []
    for name, card in cards:
        listed = [c for c in card.features if c in protected]
        if listed:
            which = ", ".join(f"`{c}`" for c in listed)
            warnings.append(
                f"Signal `{name}` (model {card.model_id}) reads the protected attribute"
                f"{'s' if len(listed) > 1 else ''} {which}: its model card lists "
                f"{'them' if len(listed) > 1 else 'it'} among its {len(card.features)} features, "
                f"so its scores can differ by {'them' if len(listed) > 1 else 'it'} directly. "
                f"Reasons never cite {'them' if len(listed) > 1 else 'it'}; the model itself "
                f"should be retrained without {'them' if len(listed) > 1 else 'it'} or "
                f"justified.")
    candidates = list(features) if features is not None \
        else _candidates(data, policy, exclude.keys() if isinstance(exclude, Mapping) else exclude)
    n = len(data)
    fold = np.empty(n, dtype=np.int64)
    fold[np.random.default_rng(int(seed)).permutation(n)] = np.arange(n) % _FOLDS
    coded: dict[str, tuple[np.ndarray, int]] = {}
    rows = []
    for attribute in protected:
        if attribute not in data.columns:
            warnings.append(f"The protected attribute `{attribute}` is not a column of the "
                            f"data, so no feature could be checked as a stand-in for it.")
            continue
        group, names = _protected_groups(data[attribute])
        known = group >= 0
        n_known = int(known.sum())
        sizes = np.bincount(group[known], minlength=len(names))
        measured = [g for g in range(len(names))
                    if sizes[g] >= min_group and n_known - sizes[g] >= min_group]
        if len(names) == 2 and measured:
            measured = measured[:1]  # one group against the other: the same AUC either way
        if not measured:
            warnings.append(f"The protected attribute `{attribute}` has no group of at least "
                            f"{_plural(min_group, 'row')} beside as many others "
                            f"(`fairness.min_group`), so no feature could be checked as a "
                            f"stand-in for it.")
            continue
        for feature in candidates:
            if feature == attribute:
                continue
            if feature not in coded:
                coded[feature] = _feature_codes(data[feature])
            codes, n_values = coded[feature]
            best, best_group = float("nan"), ""
            for g in measured:
                auc = _oof_auc(codes[known], n_values, fold[known], group[known] == g)
                if auc == auc and not auc <= best:  # the first, then any larger; NaN never
                    best, best_group = auc, names[g]
            rows.append((attribute, str(feature), best_group, best, n_known,
                         bool(best >= threshold), len(names) > 2))
    if rows:
        found = pd.DataFrame(rows, columns=_COLUMNS + ["many"])
        found = found.sort_values(["auc", "attribute", "feature"], ascending=[False, True, True],
                                  kind="stable", na_position="last", ignore_index=True)
        for r in found[found["flagged"]].itertuples(index=False):
            group = f" (group '{r.group}' against the rest)" if r.many else ""
            warnings.append(f"`{r.feature}` predicts `{r.attribute}`{group} with out-of-fold "
                            f"AUC {r.auc:.2f} (≥ {threshold:.2f}): it may stand in for it.")
        frame = found[_COLUMNS].astype({"attribute": "str", "feature": "str", "group": "str",
                                        "auc": "float64", "rows": "int64", "flagged": "bool"})
    return ProxyCheck(frame, tuple(warnings), threshold, protected)
