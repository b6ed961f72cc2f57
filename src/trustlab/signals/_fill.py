"""Signals a policy reads that the data lacks: scored out of fold from the policy's own outcomes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import pandas as pd

from .._errors import ConfigError, DataError, Problem
from ._oof import SignalResult, score_out_of_fold, select_features

__all__ = ["TrainedSignal", "non_feature_columns", "train_missing_signals"]


def non_feature_columns(policy) -> tuple[tuple[str, str], ...]:
    """The columns ``policy`` marks as never a model feature, each with the reason.

    The row key (``columns.id``), the time (``columns.time``), the outcome
    (``outcomes.label``), the recorded human decisions
    (``outcomes.reviewer.decision``), the policy's signals (model outputs,
    not applicant features) and protected attributes (``fairness.protected``,
    where the policy declares them). A trained signal reads none of them
    (see :func:`train_missing_signals`).

    Examples
    --------
    >>> import trustlab
    >>> p = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> for column, why in non_feature_columns(p):
    ...     print(f"{column}: {why}")
    application_id: the row key (`columns.id`)
    decision_time: the time column (`columns.time`)
    defaulted: the outcome (`outcomes.label`)
    underwriter_decision: recorded human decisions (`outcomes.reviewer.decision`)
    p_default: a signal the policy reads (`signals`), a model output rather than a feature
    """
    out: dict[str, str] = {}

    def add(column: str | None, why: str) -> None:
        if column is not None:
            out.setdefault(column, why)

    add(policy.id_column, "the row key (`columns.id`)")
    add(policy.time_column, "the time column (`columns.time`)")
    outcomes = policy.outcomes
    if outcomes is not None:
        add(outcomes.label, "the outcome (`outcomes.label`)")
        if outcomes.reviewer is not None:
            add(outcomes.reviewer.decision,
                "recorded human decisions (`outcomes.reviewer.decision`)")
    for s in policy.signals:
        add(s.name, "a signal the policy reads (`signals`), a model output rather than a feature")
    fairness = getattr(policy, "fairness", None)  # the format's `fairness` section, where declared
    for column in getattr(fairness, "protected", None) or ():
        add(column, "a protected attribute (`fairness.protected`), never a model feature")
    return tuple(out.items())


@dataclass(frozen=True, eq=False)
class TrainedSignal:
    """A signal scored here because the data lacked it.

    Attributes
    ----------
    name : str
        The signal's name in the policy.
    result : SignalResult
        Scores, refitted model and card.
    folds : str
        ``"time-ordered"`` or ``"stratified"``.
    """

    name: str
    result: SignalResult
    folds: str

    @property
    def note(self) -> str:
        """What was done, in one sentence."""
        r = self.result
        return (f"Signal '{self.name}' is not in the data, so it was scored out of fold on "
                f"'{r.label}' ({self.folds} folds, {len(r.features)} features, out-of-fold AUC "
                f"{r.card.oof_auc:.3f})")


def train_missing_signals(data: pd.DataFrame, policy, *,
                          exclude: Mapping[str, str] | Sequence[str] = (),
                          seed: int = 0, allow_training: bool = True, progress: bool = False
                          ) -> tuple[pd.DataFrame, tuple[TrainedSignal, ...]]:
    """``data`` with every signal ``policy`` reads; each missing one scored out of fold.

    A data set of outcomes without model scores (Lending Club, German credit)
    can still be replayed: the missing signal is scored by
    :func:`score_out_of_fold` on the policy's ``outcomes.label`` (time-ordered
    folds on ``columns.time`` when the data has it, stratified otherwise),
    reading the columns :func:`select_features` picks, never the policy's
    :func:`non_feature_columns` nor ``exclude``. The model card's
    ``excluded_columns`` lists every column left out, with the reason.

    With ``allow_training=False`` a missing signal is refused instead.

    Parameters
    ----------
    data : pandas.DataFrame
    policy : Policy
    exclude : mapping of str to str, or sequence of str, optional
        Further columns a trained signal must not read (column → reason, or
        just the columns).
    seed : int, default 0
    allow_training : bool, default True
    progress : bool, default False
        Report each signal's folds as they train on stderr (see
        :func:`score_out_of_fold`).

    Returns
    -------
    (pandas.DataFrame, tuple of TrainedSignal)
        The data (a copy when a signal was added; the same frame otherwise)
        and what was trained.

    Raises
    ------
    trustlab.DataError
        When a signal is missing and ``allow_training`` is False.
    trustlab.ConfigError
        When a signal is missing and the policy has no ``outcomes`` to train on,
        or its label is not a column of ``data``.

    Examples
    --------
    >>> import trustlab
    >>> from trustlab.datasets import load_lending_club
    >>> p = trustlab.load_policy("policies/lending-club-risk.yaml")
    >>> scored, trained = train_missing_signals(load_lending_club().head(600), p,
    ...                                         exclude=["addr_state"])
    >>> bool(scored["p_default"].between(0, 1).all()), trained[0].note.split(" (")[0]
    (True, "Signal 'p_default' is not in the data, so it was scored out of fold on 'Class'")
    """
    missing = [s for s in policy.signals if s.name not in data.columns]
    if not missing:
        return data, ()
    if not allow_training:
        raise DataError(f"Data for policy '{policy.name}'", [Problem(
            f"column '{s.name}'", "is a signal the policy reads and the data lacks; add its "
                                  "scores to the data, or allow training it out of fold "
                                  "(review parameter `train_signal`)") for s in missing])
    out = policy.outcomes
    where = f"Policy '{policy.name}'"
    if out is None:
        raise ConfigError(where, [Problem(f"signal '{s.name}'", "is not a column of the data, and "
                                          "the policy has no outcomes section to score it from: "
                                          "add the scores to the data") for s in missing])
    if out.label not in data.columns:
        raise ConfigError(where, [Problem("outcomes.label", f"'{out.label}' is not a column of "
                                          f"the data, so the missing signal "
                                          f"'{missing[0].name}' cannot be scored from it")])
    time = policy.time_column if policy.time_column in data.columns else None
    never = dict(non_feature_columns(policy))
    extra = exclude.items() if isinstance(exclude, Mapping) else \
        ((c, "excluded by the caller (`exclude`)") for c in exclude)
    for column, why in extra:
        never.setdefault(column, why)
    scored = data.copy()
    trained = []
    for s in missing:
        features, excluded = select_features(data, out.label, time=time, bad_when=out.bad_when,
                                             name=s.name, exclude=never)
        if not features:
            raise DataError(f"Data for policy '{policy.name}'", [Problem(
                f"signal '{s.name}'", "cannot be trained: no feature is left after leaving out "
                + "; ".join(f"{c} ({why})" for c, why in excluded)
                + ". Add the signal's scores to the data")])
        result = score_out_of_fold(data, out.label, features, time=time, bad_when=out.bad_when,
                                   seed=seed, name=s.name, progress=progress,
                                   time_format=policy.time_format if time else None)
        result = replace(result, card=replace(result.card, excluded_columns=tuple(excluded)))
        # the model gives the probability of the bad outcome; a signal whose higher values
        # mean benefit gets its complement, so its rules read it the way they are written
        scored[s.name] = result.scores if s.higher_means == "risk" else 1.0 - result.scores
        trained.append(TrainedSignal(s.name, result, "time-ordered" if time else "stratified"))
    return scored, tuple(trained)
