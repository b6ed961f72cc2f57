# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] tags=[]
# # 05 · Change review: from the live version to the next, deliberately
#
# **What this answers.** A proposed change to a live policy — what exactly
# changes, what it would have done on history, how it behaves beside the live
# version, how to roll it out so that a bad change stops itself early, and how
# to roll it back. Changes to decision logic should be intentional, reviewable
# and reversible: never a silent upgrade that alters behaviour overnight.
#
# **How to use it.** The parameters name the live policy (`champion`), the
# proposal (`policy`), the history (`dataset`, with `label` and `time` when
# its columns are named otherwise) and the rollout plan (a YAML file of stages
# and stop conditions). The shadow run, the rollout and the rollback happen in
# time: without a time column (or, for the rollout, a row key) those sections
# say so and are skipped. Everything is computed by `trustlab.change`, tested
# in `tests/change/`; on the command line, `trustlab diff OLD NEW DATA` prints
# the same change and impact.

# %% tags=["parameters"]
champion: str = "policies/consumer-credit.yaml"  # the live policy
policy: str = "policies/consumer-credit-v2.yaml"  # the proposed version (a changed policy of the same name must bump its version)
dataset: str = "synthetic"  # shipped data set (synthetic, lending_club, german_credit) or a CSV/Parquet path
label: str = ""  # the outcome column (empty: the policies' outcomes.label)
bad_when: str = ""  # the outcome value meaning bad, or a JSON list of values (empty: the policy's outcomes.bad_when)
time: str = ""  # the column of decision times (empty: the policies' columns.time)
segment: str = "channel"  # a column to break agreement down by (empty for none)
window: str = "1W"  # windows for agreement over time
plan: str = "policies/rollouts/consumer-credit-v2.yaml"  # stages and stop conditions of the rollout
stress_factor: float = 2.0  # odds multiplier of a concept shift the rollout is stressed with
stress_start: str = ""  # when that shift begins (empty: as the rollout's last partial stage starts)
bootstrap: int = 1000  # bootstrap replicates for the intervals of the change
exclude: str = ""  # comma-separated columns never used when a missing signal is scored out of fold
seed: int = 0  # seeds the simulated reviewer, the bootstrap, the examples and the stress

# %% tags=["nbval-check-output"]
import matplotlib.pyplot as plt
import pandas as pd
import yaml
from IPython.display import display

from trustlab import notebook as nb
from trustlab.change import (RolloutPlan, deploy_timeline, describe_changes, policy_impact,
                             shadow_run, simulate_rollout)

nb.notebook_parameters(globals(), "05_change_review")
h = nb.read_history(dataset, policy, champion=champion, label=label, bad_when=bad_when,
                    time=time, exclude=nb.split_list(exclude), seed=seed)
v1, v2, history = h.champion, h.policy, h.data
rollout = RolloutPlan.from_dict(yaml.safe_load(nb.repo_path(plan).read_text()))
print(h.describe())
print(f"{v1.identity} → {v2.identity}; rollout: {rollout.describe()}")

# %% [markdown] tags=[]
# ## What changes
#
# Every difference between the two files, in words. The version must be
# bumped: a changed policy that keeps its `name@version` is refused
# everywhere, so that a decision record's version always means one policy.

# %% tags=["nbval-check-output"]
changes = describe_changes(v1, v2)
print(changes[["kind", "change"]].to_string(index=False))

# %% [markdown] tags=[]
# ## What it would have done on history
#
# Both versions replayed over the same cases: the flip matrix (old action in
# rows, new in columns; the off-diagonal cells are the cases that change),
# which rules made the flips, and the change in the headline numbers with
# paired bootstrap intervals — both versions judged on the same resampled
# cases, so the interval is of the change itself.

# %% tags=["nbval-check-output"]
impact = policy_impact(v1, v2, history, seed=seed, bootstrap=bootstrap)
display(impact.summary())

# %% tags=[]
display(impact.flips)
display(impact.causes)
impact.plot()
plt.show()

# %% tags=[]
impact.examples

# %% [markdown] tags=[]
# ## Side by side: a shadow run
#
# The new version decides every case beside the live one, acting on nothing.
# Agreement over time (and by segment) shows where they part; where they
# disagree and the outcome was observed, which one was right. Where outcomes
# are observed only for approved applications, disagreements the old version
# sent to review and the new one would approve can be judged only where
# someone approved too.

# %% tags=[]
if h.needs("time", section="the shadow run"):
    shadow = shadow_run(v1, v2, history, window=window, by=segment or None, seed=seed,
                        champion_replay=impact.old_replay, challenger_replay=impact.new_replay)
    display(shadow.summary())
    shadow.plot()
    plt.show()
    display(shadow.disagreements(n=5, seed=seed))

# %% [markdown] tags=[]
# ## A staged rollout, simulated in time order
#
# Each case goes to the new version when the hash of its key falls under the
# current stage's share, so the same case is always on the same side,
# whatever the order of the records. Stages advance after their minimum
# duration; the stop conditions are judged every period on the cases the new
# version decided in the current stage, and the first to fail halts the
# rollout. The conditions are judged on everything the new version decided
# since its stage began, so a shift is caught fastest in a stage's early days
# (and diluted by a long, calm stage before it). First on the history as it
# is, then on the same history with the odds of the bad outcome multiplied by
# `stress_factor` from `stress_start` (observed good outcomes turned bad at
# random, the inputs and scores unchanged): a bad world for a bolder policy.

# %% tags=["nbval-check-output"]
can_roll = h.needs("time", "id", section="the rollout")
if can_roll:
    calm = simulate_rollout(v1, v2, history, rollout, seed=seed)
    display(calm.summary())

# %% tags=["nbval-check-output"]
if can_roll and h.needs("outcomes", section="the stressed rollout"):
    shift_start = h.when(stress_start) if stress_start else nb.stage_start(rollout, h.times.min())
    stressed_history = nb.with_failure(h, "concept_shift", shift_start, size=stress_factor,
                                       seed=seed)
    stressed = simulate_rollout(v1, v2, stressed_history, rollout, seed=seed)
    print(f"The odds of the bad outcome × {stress_factor:g} from {shift_start:%Y-%m-%d}:")
    display(stressed.summary())
    stressed.plot()
    plt.show()

# %% [markdown] tags=[]
# ## Rolling back
#
# Rolling back is re-applying the previous version. Here the new version goes
# live half-way through the history and is rolled back a month later: each
# case is decided by the version live at its time, its record carries that
# version's identity, and the rolled-back period is, row for row, what the
# live version decides.

# %% tags=["nbval-check-output"]
if h.needs("time", section="the rollback"):
    live = h.when()
    back = live + pd.Timedelta("30D")
    timeline = deploy_timeline(history, [(None, v1), (live, v2), (back, v1)])
    print(timeline.periods().to_string(index=False))
    print(timeline.verify().to_string(index=False))
