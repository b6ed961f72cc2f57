"""Change management: a policy change in words and on history, shadow runs, rollouts, rollback.

* :func:`describe_changes` says what changed between two versions — rules
  added, removed or reordered, thresholds moved, guardrails, checks, owner,
  mode — and :func:`policy_impact` replays both over history: the flip matrix,
  the rules behind the flips, value, bad-rate and automation deltas with paired
  bootstrap intervals, and flipped cases with both reasons. A changed policy
  that keeps its ``name@version`` is refused (:func:`require_version_bump`).
* :func:`shadow_run` replays champion and challenger over the same records:
  agreement over time and by segment, and, on observed outcomes, which was
  right where they disagree.
* :func:`simulate_rollout` walks a :class:`RolloutPlan` (stages such as 1% →
  10% → 50% → 100%, hash-based assignment on the row key, stop conditions on
  metrics) through history in time order: which stage each period is in,
  whether and when a stop condition halts it, and what the exposure cost.
* :func:`deploy_timeline` decides each case with the version live at its time;
  rolling back is listing the previous version again, and
  :meth:`Timeline.verify` shows the rolled-back period equals that version
  exactly.
"""

from ._impact import (CHANGE_KINDS, DELTA_METRICS, ImpactResult, bump_version, describe_changes,
                      policy_impact, require_version_bump)
from ._rollout import (ASSIGNMENT_COLUMNS, EVALUATION_COLUMNS, MAX_PERIODS, PERIOD_COLUMNS,
                       STAGE_COLUMNS, STOP_METRICS, RolloutDisplay, RolloutHalt, RolloutPlan,
                       RolloutResult, Stage, StopCondition, assign, simulate_rollout)
from ._shadow import (JUDGEMENTS, SHADOW_COLUMNS, SHADOW_METRICS, VERDICT_SHARES, VERDICTS,
                      ShadowDisplay, ShadowMetric, ShadowResult, shadow_run)
from ._timeline import IDENTITY_COLUMNS, Timeline, deploy_timeline

__all__ = [
    "ASSIGNMENT_COLUMNS",
    "CHANGE_KINDS",
    "DELTA_METRICS",
    "EVALUATION_COLUMNS",
    "IDENTITY_COLUMNS",
    "JUDGEMENTS",
    "MAX_PERIODS",
    "PERIOD_COLUMNS",
    "SHADOW_COLUMNS",
    "SHADOW_METRICS",
    "STAGE_COLUMNS",
    "STOP_METRICS",
    "VERDICTS",
    "VERDICT_SHARES",
    "ImpactResult",
    "RolloutDisplay",
    "RolloutHalt",
    "RolloutPlan",
    "RolloutResult",
    "ShadowDisplay",
    "ShadowMetric",
    "ShadowResult",
    "Stage",
    "StopCondition",
    "Timeline",
    "assign",
    "bump_version",
    "deploy_timeline",
    "describe_changes",
    "policy_impact",
    "require_version_bump",
    "shadow_run",
    "simulate_rollout",
]
