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
# # 05 · Change review: from version 1 to version 2, deliberately
#
# **What this answers.** A proposed change to a live policy — what exactly
# changes, what it would have done on history, how it behaves beside the live
# version, how to roll it out so that a bad change stops itself early, and how
# to roll it back. Changes to decision logic should be intentional, reviewable
# and reversible: never a silent upgrade that alters behaviour overnight.
#
# **How to use it.** The parameters name the live policy (`old`), the proposal
# (`new`), the history, and the rollout plan (a YAML file of stages and stop
# conditions). Everything is computed by `trustlab.change`, tested in
# `tests/change/`; on the command line, `trustlab diff OLD NEW DATA` prints the
# same change and impact.

# %% tags=["parameters"]
old: str = "policies/consumer-credit.yaml"  # the live policy
new: str = "policies/consumer-credit-v2.yaml"  # the proposed version (its version must be bumped)
dataset: str = "synthetic"  # shipped data set (synthetic, lending_club, german_credit) or a CSV/Parquet path
segment: str = "channel"  # a column to break agreement down by (empty for none)
window: str = "1W"  # windows for agreement over time
plan: str = "policies/rollouts/consumer-credit-v2.yaml"  # stages and stop conditions of the rollout
stress_factor: float = 2.0  # odds multiplier of a concept shift the rollout is stressed with
stress_start: str = "2025-01-15"  # when that shift begins (here: as the 50% stage starts)
bootstrap: int = 1000  # bootstrap replicates for the intervals of the change
seed: int = 0  # seeds the simulated reviewer, the bootstrap and the examples

# %% tags=["nbval-check-output"]
import matplotlib.pyplot as plt
import pandas as pd
import yaml
from IPython.display import display

import trustlab
from trustlab import _notebook as nb
from trustlab.change import (RolloutPlan, deploy_timeline, describe_changes, policy_impact,
                             shadow_run, simulate_rollout)
from trustlab.datasets import ConceptShift, make_history

nb.notebook_parameters(globals(), "05_change_review")
v1 = trustlab.load_policy(nb.repo_path(old))
v2 = trustlab.load_policy(nb.repo_path(new))
history = nb.load_dataset(dataset)
rollout = RolloutPlan.from_dict(yaml.safe_load(nb.repo_path(plan).read_text()))
print(f"{v1.identity} → {v2.identity} on {len(history):,} decisions; rollout: {rollout.describe()}")

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
print(impact.summary())

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
# disagree and the outcome was observed, which one was right. Outcomes are
# observed only where an application was approved, so disagreements the old
# version sent to review and the new one would approve can be judged only
# where the underwriter approved too.

# %% tags=[]
shadow = shadow_run(v1, v2, history, window=window, by=segment or None, seed=seed,
                    champion_replay=impact.old_replay, challenger_replay=impact.new_replay)
print(shadow.summary())
shadow.plot()
plt.show()

# %% tags=[]
shadow.disagreements(n=5, seed=seed)

# %% [markdown] tags=[]
# ## A staged rollout, simulated in time order
#
# Each application goes to the new version when the hash of its key falls
# under the current stage's share, so the same application is always on the
# same side, whatever the order of the records. Stages advance after their
# minimum duration; the stop conditions are judged every period on the cases
# the new version decided in the current stage, and the first to fail halts
# the rollout. The conditions are judged on everything the new version decided
# since its stage began, so a shift is caught fastest in a stage's early days
# (and diluted by a long, calm stage before it). First on the history as it
# is, then on a history where the odds of default rise from `stress_start`: a
# bad world for a bolder policy.

# %% tags=["nbval-check-output"]
calm = simulate_rollout(v1, v2, history, rollout, seed=seed)
print(calm.summary())

# %% tags=["nbval-check-output"]
stressed_history = make_history(seed=seed, scenarios=[ConceptShift(stress_start,
                                                                   factor=stress_factor)])
stressed = simulate_rollout(v1, v2, stressed_history, rollout, seed=seed)
print(stressed.summary())

# %% tags=[]
stressed.plot()
plt.show()

# %% [markdown] tags=[]
# ## Rolling back
#
# Rolling back is re-applying the previous version. Here version 2 goes live
# half-way through the history and is rolled back a month later: each case is
# decided by the version live at its time, its record carries that version's
# identity, and the rolled-back period is, row for row, what version 1 decides.

# %% tags=["nbval-check-output"]
times = pd.to_datetime(history[v1.time_column])
live = times.min() + (times.max() - times.min()) / 2
back = live + pd.Timedelta("30D")
timeline = deploy_timeline(history, [(None, v1), (live, v2), (back, v1)])
print(timeline.periods().to_string(index=False))
print(timeline.verify().to_string(index=False))
