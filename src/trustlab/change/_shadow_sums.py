"""A shadow run's cases and sums: each case judged, and the counts every shadow metric reads.

From the two replays, :func:`case_frame` judges both sides' final actions on
each case against the champion's observed outcome (:data:`JUDGEMENTS`) and
gives the case its verdict (:data:`VERDICTS`); :func:`case_indicators` turns
the cases into one count per case for each sum the metrics of
:data:`SHADOW_METRICS` read, and :func:`metric_values` makes the metrics from
those sums, summed over any grouping. :func:`pair_counts` counts the cases by
window, segment and the two actions. Nothing loops over cases.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..metrics import SumsMetric, ratio_of_sums, sums_metric
from ..simulate import Replay

__all__ = ["JUDGEMENTS", "VERDICTS", "ShadowMetric", "SHADOW_METRICS", "VERDICT_SHARES",
           "metric_values", "case_frame", "case_indicators", "pair_counts"]

JUDGEMENTS = ("right", "wrong", "deferred", "unknown")
"""How one side's action is judged on one case, against the observed outcome."""

VERDICTS = ("agree", "challenger_right", "champion_right", "challenger_wrong", "champion_wrong",
            "both_deferred", "tie", "unlabelled")
"""The verdict on one case: agreement, or one of seven kinds of disagreement."""


ShadowMetric = SumsMetric
"""A shadow metric: which of the shadow sums it divides, its words, why it may be empty."""

_NO_CASES = "no cases"
_NO_DISAGREEMENTS = "no disagreements: the two policies took the same action on every case"
_NO_LABELLED = ("no disagreement has an observed outcome (under selective labels the outcome "
                "of a declined case is never seen)")
_NO_VALUE = ("no disagreement can be valued under both policies: none has an observed outcome "
             "and `outcomes.unlabelled` is `exclude`")

SHADOW_METRICS: dict[str, ShadowMetric] = {
    "cases": sums_metric("cases", "cases"),
    "agreement": sums_metric("agreement", "agree", "cases", of="cases", empty=_NO_CASES),
    "disagreements": sums_metric("disagreements", "disagree"),
    "unlabelled_share": sums_metric("unlabelled_share", "unlabelled", "disagree",
                                    of="disagreements", empty=_NO_DISAGREEMENTS),
    **{name: sums_metric(name, sums, "labelled", of="disagreements with an observed outcome",
                         empty=_NO_LABELLED)
       for name, sums in (("challenger_right_share", "challenger_right"),
                          ("champion_right_share", "champion_right"),
                          ("challenger_wrong_share", "challenger_wrong"),
                          ("champion_wrong_share", "champion_wrong"),
                          ("both_deferred_share", "both_deferred"),
                          ("tie_share", "tie"))},
    "value_difference": sums_metric("value_difference", "value_diff", empty=_NO_VALUE),
    "value_difference_per_disagreement": sums_metric(
        "value_difference_per_disagreement", "value_diff", "valued",
        of="disagreements valued under both", empty=_NO_VALUE),
}
"""Metric name → :class:`ShadowMetric`, in the order of :attr:`ShadowResult.frame`.

``cases``, ``disagreements`` and ``value_difference`` are totals (their
``denominator`` is NaN); the rest are ``numerator / denominator``. The six
verdict shares (``challenger_right_share`` to ``tie_share``) split the
disagreements with an observed outcome and sum to 1; ``unlabelled_share`` is
the share of all disagreements with no observed outcome, the ones left out of
that split.
"""

VERDICT_SHARES = ("challenger_right_share", "champion_right_share", "challenger_wrong_share",
                  "champion_wrong_share", "both_deferred_share", "tie_share")
"""The metrics that split the disagreements with an observed outcome (they sum to 1)."""

_RIGHT, _WRONG, _DEFERRED, _UNKNOWN = range(4)


# ----------------------------------------------------------------------------- metrics

def metric_values(s: dict[str, np.ndarray]
                  ) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Metric → (value, numerator, denominator, reason) from sums of any shape."""
    shape = np.shape(s["cases"])
    nan = np.full(shape, np.nan)
    no_dis = np.asarray(s["disagree"]) == 0
    out = {}
    for name, m in SHADOW_METRICS.items():
        num = np.asarray(s[m.numerator], dtype=float)
        if name == "value_difference":
            valued = np.asarray(s["valued"]) > 0
            ok = no_dis | valued  # no disagreement: the two are worth the same, 0
            out[name] = (np.where(ok, num, np.nan), num, nan,
                         np.where(ok, "", _NO_VALUE).astype(object))
            continue
        why = np.where(no_dis, _NO_DISAGREEMENTS, m.empty) if m.denominator not in (None, "cases") \
            else None
        out[name] = ratio_of_sums(m, s, why)
    return out


# ----------------------------------------------------------------------------- cases

def _judge(d: pd.DataFrame, labelled: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """:data:`JUDGEMENTS` codes of one side's final actions."""
    auto = d["automated"].to_numpy(dtype=bool)
    right_if_bad = d["right_if_bad"].to_numpy(dtype=bool)
    return np.select([~auto, ~labelled, right_if_bad == bad], [_DEFERRED, _UNKNOWN, _RIGHT],
                     default=_WRONG).astype(np.int8)


def _verdicts(agree: np.ndarray, labelled: np.ndarray, champ: np.ndarray, chall: np.ndarray
              ) -> np.ndarray:
    """:data:`VERDICTS` codes of every case."""
    ch_right, cl_right = champ == _RIGHT, chall == _RIGHT
    ch_def, cl_def = champ == _DEFERRED, chall == _DEFERRED
    code = {v: i for i, v in enumerate(VERDICTS)}
    return np.select(
        [agree, ~labelled, cl_right & ~ch_right, ch_right & ~cl_right,
         (chall == _WRONG) & ch_def, (champ == _WRONG) & cl_def, ch_def & cl_def],
        [code["agree"], code["unlabelled"], code["challenger_right"], code["champion_right"],
         code["challenger_wrong"], code["champion_wrong"], code["both_deferred"]],
        default=code["tie"]).astype(np.int8)


def case_indicators(cases: pd.DataFrame) -> dict[str, np.ndarray]:
    """One float array per count the shadow metrics need, one entry per case."""
    v = cases["verdict"].cat.codes.to_numpy()
    agree = cases["agree"].to_numpy(dtype=bool)
    diff = cases["value_difference"].to_numpy(dtype=float)
    valued = ~agree & np.isfinite(diff)
    cols = {
        "cases": np.ones(len(cases)),
        "agree": agree,
        "disagree": ~agree,
        "unlabelled": v == VERDICTS.index("unlabelled"),
        "labelled": ~agree & (v != VERDICTS.index("unlabelled")),
        **{name: v == VERDICTS.index(name) for name in VERDICTS[1:-1]},
        "valued": valued,
        "value_diff": np.where(valued, diff, 0.0),
    }
    return {k: np.asarray(a, dtype=float) for k, a in cols.items()}



# ----------------------------------------------------------------------------- cases

def case_frame(a: Replay, b: Replay, window_start: np.ndarray, by: str | None,
               seg_key: np.ndarray | None) -> pd.DataFrame:
    """One row per case: both actions, the outcome, both judgements, the verdict, both values."""
    da, db = a.decisions, b.decisions
    ch_act = da["action"].astype(object).to_numpy()
    cl_act = db["action"].astype(object).to_numpy()
    agree = ch_act == cl_act
    labelled = da["labelled"].to_numpy(dtype=bool)  # the champion's observed outcome
    bad = da["bad"].to_numpy(dtype=bool)
    ch_j, cl_j = _judge(da, labelled, bad), _judge(db, labelled, bad)
    verdict = _verdicts(agree, labelled, ch_j, cl_j)
    ch_v, cl_v = da["value"].to_numpy(dtype=float), db["value"].to_numpy(dtype=float)
    cols: dict[str, object] = {"window_start": window_start}
    if by is not None:
        cols[by] = seg_key
    cols.update({
        "champion_action": ch_act, "challenger_action": cl_act, "agree": agree,
        "labelled": labelled, "bad": bad & labelled,
        "champion_judgement": pd.Categorical.from_codes(ch_j, categories=JUDGEMENTS),
        "challenger_judgement": pd.Categorical.from_codes(cl_j, categories=JUDGEMENTS),
        "verdict": pd.Categorical.from_codes(verdict, categories=VERDICTS),
        "champion_value": ch_v, "challenger_value": cl_v, "value_difference": cl_v - ch_v,
    })
    return pd.DataFrame(cols, index=da.index)


def pair_counts(cases: pd.DataFrame, wcode: np.ndarray, seg_code: np.ndarray,
                seg_labels: list[str], starts: pd.DatetimeIndex) -> pd.DataFrame:
    """Case counts by window, segment, champion action and challenger action."""
    ch_codes, ch_names = pd.factorize(cases["champion_action"], sort=True)
    cl_codes, cl_names = pd.factorize(cases["challenger_action"], sort=True)
    k_a, k_b = max(len(ch_names), 1), max(len(cl_names), 1)
    n_s = max(len(seg_labels), 1)
    key = ((wcode * n_s + seg_code) * k_a + ch_codes) * k_b + cl_codes
    uniq, counts = np.unique(key, return_counts=True)
    c, rest = uniq % k_b, uniq // k_b
    a, rest = rest % k_a, rest // k_a
    s, w = rest % n_s, rest // n_s
    seg = (np.array(seg_labels, dtype=object)[s] if seg_labels
           else np.full(len(uniq), None, dtype=object))
    return pd.DataFrame({
        "window_start": starts.to_numpy()[w],
        "segment": pd.Series(seg, dtype=object),
        "champion_action": np.asarray(ch_names, dtype=object)[a],
        "challenger_action": np.asarray(cl_names, dtype=object)[c],
        "count": counts.astype(np.int64),
    })
