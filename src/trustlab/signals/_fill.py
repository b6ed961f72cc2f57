"""Signals a policy reads that the data lacks: scored out of fold from the policy's own outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from .._errors import ConfigError, DataError, Problem
from ._oof import SignalResult, score_out_of_fold, select_features

__all__ = ["TrainedSignal", "train_missing_signals"]


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


def train_missing_signals(data: pd.DataFrame, policy, *, exclude: Sequence[str] = (),
                          seed: int = 0, allow_training: bool = True
                          ) -> tuple[pd.DataFrame, tuple[TrainedSignal, ...]]:
    """``data`` with every signal ``policy`` reads; each missing one scored out of fold.

    A data set of outcomes without model scores (Lending Club, German credit)
    can still be replayed: the missing signal is scored by
    :func:`score_out_of_fold` on the policy's ``outcomes.label`` (time-ordered
    folds on ``columns.time`` when the data has it, stratified otherwise),
    reading the columns :func:`select_features` picks minus ``exclude`` and
    the policy's other signals.

    With ``allow_training=False`` a missing signal is refused instead.

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
    scored = data.copy()
    trained = []
    drop = set(exclude) | {s.name for s in policy.signals}
    for s in missing:
        chosen, _ = select_features(data, out.label, time=time, bad_when=out.bad_when, name=s.name)
        features = [c for c in chosen if c not in drop]
        result = score_out_of_fold(data, out.label, features, time=time, bad_when=out.bad_when,
                                   seed=seed, name=s.name)
        scored[s.name] = result.scores
        trained.append(TrainedSignal(s.name, result, "time-ordered" if time else "stratified"))
    return scored, tuple(trained)
