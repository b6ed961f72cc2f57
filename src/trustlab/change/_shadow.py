"""Champion/challenger shadow runs: two policies over the same records, case by case.

:func:`shadow_run` replays the live policy (the *champion*) and a candidate
(the *challenger*) over the same history with the same seed, so the same case
meets the same simulated reviewer under both, and compares their final
actions case by case: how often they agree, per time window and per segment;
where they disagree, how (the champion action × challenger action matrix);
and, where the outcome was observed, which of the two would have been right.

Every metric is a count or a ratio of two counts, so each is one ``bincount``
over a combined window × segment code; nothing loops over rows. A metric that
cannot be computed in a window is NaN with a reason, never 0.

Definitions
-----------
*Agreement*: the two final actions (after guardrails and the kill switch) have
the same name.

*Judgement of one side* on one case, against the observed outcome:
``right`` when an automated action met the outcome its ``right_when`` names
(by default a favourable action the good outcome, any other automated action
the bad one; a retention offer is right for a customer who would churn); ``wrong`` for the other
two; ``deferred`` for a human action (review), which is neither right nor
wrong — a person decides; ``unknown`` for an automated action on a case with
no observed outcome. Both sides are judged on the champion's outcome
(``outcomes.label`` and ``bad_when`` of the champion).

*Verdict* on a disagreement with an observed outcome, one of six that sum to
1 over those cases. It names the side whose action was right where the
other's was not; failing that, the side whose automated action was wrong
where the other left the case to a person:

* ``challenger_right``: the challenger's action was right, the champion's
  wrong or deferred; ``champion_right``: the reverse;
* ``challenger_wrong``: the challenger's automated action was wrong where the
  champion deferred (the champion's deferral avoided the error);
  ``champion_wrong``: the reverse;
* ``both_deferred``: two different human actions;
* ``tie``: two different automated actions judged alike, both right or both
  wrong (e.g. two unfavourable actions on a bad outcome).

A disagreement with no observed outcome is ``unlabelled``: who was right
cannot be known.

Where one side defers, a person decides, and the replay's reviewer (recorded
or simulated) is not judged here: its effect is in the value difference.

Selective labels: history shows the outcome only for cases someone said yes
to. The disagreements with no outcome are therefore typically cases that were
declined, and the verdicts describe the disagreements whose outcome was seen,
not all of them. ``unlabelled_share`` says how many were left out.

*Value difference*: challenger value − champion value (each side valued by its
own ``outcomes`` as in :func:`trustlab.simulate.replay`), summed over the
disagreements both sides can value. Agreeing cases are left out: with the same
``outcomes`` and seed they are worth the same under both.
"""

from __future__ import annotations

import pandas as pd

from .._errors import DataError, Problem
from .._time import times_ns
from .._windowed import WindowGrid
from ..policy import read_window
from ..policy import Policy, Window
from ..simulate import Replay
from ._shadow_inputs import _SOURCE, check_inputs, segment_key, side_replay, time_column
from ._shadow_result import SHADOW_COLUMNS, ShadowDisplay, ShadowResult
from ._shadow_sums import (JUDGEMENTS, SHADOW_METRICS, VERDICT_SHARES, VERDICTS, ShadowMetric,
                           case_frame, case_indicators, metric_values, pair_counts)

__all__ = ["ShadowMetric", "SHADOW_METRICS", "SHADOW_COLUMNS", "VERDICTS", "VERDICT_SHARES",
           "JUDGEMENTS", "ShadowResult", "ShadowDisplay", "shadow_run"]


def shadow_run(champion: Policy, challenger: Policy, data: pd.DataFrame, *,
               window: str | Window = "1W", by: str | None = None, seed: int = 0,
               champion_replay: Replay | None = None, challenger_replay: Replay | None = None
               ) -> ShadowResult:
    """Replay a champion and a challenger over the same records and compare them case by case.

    Parameters
    ----------
    champion : Policy
        The live policy, with ``outcomes`` and ``columns.time``.
    challenger : Policy
        The candidate, with ``outcomes``. Its name may differ from the
        champion's; the same ``name@version`` with different content is
        refused (a change must bump ``version``).
    data : pandas.DataFrame
        History with what both policies read, the champion's outcome label and
        its time column.
    window : str or Window, default "1W"
        Window length, read as a policy reads ``outcomes.window`` (a count and
        one of ``s``, ``min``, ``h``, ``D``, ``W``). Windows are fixed and
        aligned to the Unix epoch (weeks to Mondays), as in the engine.
    by : str, optional
        A column of ``data`` to break every metric down by; missing values
        form the segment ``(missing)``.
    seed : int, default 0
        Seeds both replays' simulated reviewer: one draw per case whatever the
        policy, so a case sent to review meets the same reviewer under both.
    champion_replay, challenger_replay : Replay, optional
        Replays of ``data`` already made (with ``seed``), to save replaying.

    Returns
    -------
    ShadowResult
        Per window (and segment): ``cases``, ``agreement`` (same final
        action), ``disagreements``, ``unlabelled_share`` (disagreements with
        no observed outcome), the verdict shares over disagreements with an
        observed outcome — ``challenger_right_share`` and
        ``champion_right_share`` (that side right, the other not),
        ``challenger_wrong_share`` and ``champion_wrong_share`` (that side's
        automated action wrong where the other deferred to a person),
        ``both_deferred_share``, ``tie_share`` — and ``value_difference``
        (total and per disagreement). See :mod:`trustlab.change._shadow` for the
        definitions. Who was right is judged on observed outcomes only: under
        selective labels the outcome of a declined case is never seen, so the
        disagreements that can be judged lean towards the cases someone
        approved.

    Raises
    ------
    trustlab.PolicyError
        When both policies claim the same ``name@version`` with different
        content hashes.
    trustlab.DataError
        When neither policy names a time column, ``window`` is not a window,
        ``by`` names no column of ``data``, a given replay is of another
        policy, other data or another seed (and for anything
        :func:`trustlab.simulate.replay` refuses).

    Examples
    --------
    The drift-braked credit policy (v1.3.0) in the shadow of the live one
    (v1.2.0), over a history whose debt-to-income drifts from 14 April: the
    brake engages from the next week and sends automated decisions to review.

    >>> import trustlab
    >>> from trustlab.datasets import FeatureDrift, make_history
    >>> history = make_history(n_days=126, applications_per_day=20, seed=0, scenarios=[
    ...     FeatureDrift("2025-04-14", "debt_to_income", 15.0)])
    >>> champion = trustlab.load_policy("policies/consumer-credit.yaml")
    >>> challenger = trustlab.load_policy("policies/consumer-credit-braked.yaml")
    >>> s = shadow_run(champion, challenger, history, by="channel")
    >>> list(s.frame.columns)
    ['window_start', 'by', 'segment', 'metric', 'value', 'numerator', 'denominator', 'reason']
    >>> s.metric("agreement").tail(3).round(3).tolist()
    [0.516, 0.544, 0.463]
    >>> s.matrix().loc["approve", ["approve", "review"]].tolist()
    [1182, 137]
    >>> s.totals().loc[["unlabelled_share", "champion_right_share"], "value"].round(3).tolist()
    [0.253, 0.983]
    """
    check_inputs(champion, challenger, data)
    w = read_window(window, _SOURCE, "window")
    time_col = time_column(champion, challenger, data)
    seg_key = None if by is None else segment_key(by, data)
    ns, why, _ = times_ns(data[time_col], champion.time_format or challenger.time_format)
    if ns is None:
        raise DataError(_SOURCE, [Problem(f"column '{time_col}'",
                                          why or "cannot be read as times")])
    a = side_replay(champion, champion_replay, data, seed, "champion")
    b = side_replay(challenger, challenger_replay, data, seed, "challenger")

    grid = WindowGrid.build(ns, w, seg_key)
    cases = case_frame(a, b, grid.starts.to_numpy()[grid.wcode], by, seg_key)
    frame = grid.tidy(metric_values(grid.sums(case_indicators(cases))), by)
    pairs = pair_counts(cases, grid.wcode, grid.seg_code, grid.seg_labels, grid.starts)
    return ShadowResult(frame, cases, pairs, a, b, w, by, time_col)
