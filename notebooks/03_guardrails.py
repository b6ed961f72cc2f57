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
# # 03 · Guardrails: what the limits, the fallback and the kill switch would have done
#
# **What this answers.** A policy is trusted when everyone can say what happens when the model is
# wrong, slow or absent. This notebook replays the policy over history and then
# replays the same history under what-ifs — a model outage, the kill switch, a
# guardrail removed or tightened, reviewers better or worse than assumed — and
# shows each change against the policy as written. Every scenario keeps every
# row: no decision is ever lost, and the notebook proves it.
#
# Then the human loop: reviews per day against the team's capacity, the
# backlog that builds when capacity is short and the delay it adds.
#
# All logic lives in `trustlab.simulate` and is tested in `tests/simulate/`.
#
# **How to use it.** Set `dataset`, `policy` (with `label` and `time` when
# your columns are named otherwise) and the what-ifs in the parameters cell
# and run all cells; in JupyterLab, tighten a rate limit, pull the kill switch
# or change the reviewers' accuracy in the explorer at the end. What-ifs in
# time (an outage over days, reviews per day) need decision times: without
# them they say so and are skipped.

# %% tags=["parameters"]
dataset: str = "synthetic"  # shipped data set (synthetic, lending_club, german_credit) or a CSV/Parquet path
policy: str = "policies/consumer-credit.yaml"  # the policy to replay
label: str = ""  # the outcome column (empty: the policy's outcomes.label)
bad_when: str = ""  # the outcome value meaning bad, or a JSON list of values (empty: the policy's outcomes.bad_when)
time: str = ""  # the column of decision times (empty: the policy's columns.time)
outage_start: str = ""  # first day of a simulated model outage (empty: the middle of the history)
outage_days: float = 7.0  # how long that outage lasts, in days (0 for none)
outage_share: float = 0.2  # share of all decisions that lose their score at random (0 for none)
rate_limit: str = ""  # the rate limit to remove and to tighten (empty: the policy's first)
tightened_max: int = 5  # the tightened rate limit, per window
reviewer_accuracies: str = "0.7, 0.95"  # simulated reviewer accuracies to try, comma-separated
capacity: float = 80.0  # reviews the team can do per window (per day here)
exclude: str = ""  # comma-separated columns never used when a missing signal is scored out of fold
seed: int = 0  # seeds the simulated reviewer, the random outage and the folds of a scored signal

# %% tags=["nbval-check-output"]
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from trustlab import notebook as nb
from trustlab.simulate import (KillSwitch, Outage, RemoveGuardrail, ReviewerAccuracy,
                               TightenRateLimit, compare_scenarios, replay, review_load)

nb.notebook_parameters(globals(), "03_guardrails")
h = nb.read_history(dataset, policy, label=label, bad_when=bad_when, time=time,
                    exclude=nb.split_list(exclude), seed=seed)
rules, data = h.policy, h.data
limit = nb.rate_limit_id(rules, rate_limit)
print(h.describe())
print(f"{len(data):,} decisions to replay with {rules.name}@{rules.version}")

# %% [markdown] tags=[]
# ## The policy as written
#
# The baseline: every case decided, every decision valued from the policy's
# `outcomes` (human reviews at their cost, then as the underwriter actually
# decided), every metric and every check.

# %% tags=[]
baseline = replay(rules, data, seed=seed)
baseline

# %% tags=[]
baseline.plot();

# %% [markdown] tags=[]
# ## What-ifs on the same history
#
# Each scenario is one line. The table shows, for each, how many decisions
# changed and how the headline numbers moved against the policy as written.

# %% tags=["nbval-check-output"]
scenarios = {}
if outage_days > 0 and h.needs("time", section="the outage over days"):
    down = h.when(outage_start)
    scenarios["outage"] = Outage(str(down), str(down + pd.Timedelta(days=outage_days)), seed=seed)
if outage_share > 0:
    scenarios["partial outage"] = Outage(share=outage_share, seed=seed)
if rules.kill_switch is not None:
    scenarios["kill switch"] = KillSwitch()
else:
    nb.say(f"Policy '{rules.name}' has no kill switch, so pulling it is skipped; add a "
           f"`kill_switch` to run it.")
if limit is not None:
    scenarios["no rate limit"] = RemoveGuardrail(limit)
    scenarios["tighter rate limit"] = TightenRateLimit(limit, tightened_max)
else:
    nb.say(f"Policy '{rules.name}' has no rate limit, so removing and tightening one is "
           f"skipped; add a `rate_limit` guardrail to run it.")
for accuracy in nb.split_list(reviewer_accuracies) or []:
    scenarios[f"reviewers {float(accuracy):.0%} accurate"] = ReviewerAccuracy(
        float(accuracy), replace_recorded=True)
comparison = compare_scenarios(rules, data, scenarios, seed=seed)
kept = {name: len(r.decisions) for name, r in comparison.replays.items()}
print(f"Rows decided: baseline {len(baseline.decisions):,}; "
      + ", ".join(f"{k} {v:,}" for k, v in kept.items()))

# %% tags=[]
for name, scenario in comparison.scenarios.items():
    print(f"{name}: {scenario.describe(rules)}")
comparison.summary()

# %% tags=[]
comparison.plot();

# %% [markdown] tags=[]
# Read the reviewer scenarios with care. With recorded decisions, a review of a
# case the underwriters approved is valued by what happened to the loan; a
# case they declined has no observed outcome and is left out. A simulated
# reviewer decides from the outcome with the stated accuracy, so on the
# labelled cases it can only look better than people who approved every one of
# them: the gain is an upper bound set by selective labels, not a forecast
# (`02_policy_design` stresses exactly this).

# %% [markdown] tags=[]
# ### Where the decisions went
#
# During an outage the missing-signal rule decides: every affected case goes to
# a person. The crosstab shows the baseline action (rows) against the action
# under the outage (columns).

# %% tags=[]
first = next(iter(comparison.names))
comparison.changes(first)

# %% [markdown] tags=[]
# ## The human loop
#
# Reviews per day against the team's capacity. When a day brings more reviews
# than the team can do, the rest wait: the backlog carries over, first in,
# first out, and adds delay. The same team under the outage shows what an
# outage costs in waiting time.

# %% tags=["nbval-check-output"]
loop = h.needs("windows", section="the human loop (reviews per window against capacity)")
if loop:
    load = review_load(baseline, capacity)
    print(f"Policy as written: {load.windows_over_capacity} of {load.windows} {load.unit}s over "
          f"capacity, peak backlog {load.peak_backlog:,.0f} reviews, mean delay "
          f"{load.mean_delay_windows:.2f} {load.unit}s")
if loop and "outage" in comparison.replays:
    outage_load = review_load(comparison.replays["outage"], capacity)
    print(f"Under the outage: {outage_load.windows_over_capacity} {load.unit}s over capacity, "
          f"peak backlog {outage_load.peak_backlog:,.0f} reviews, "
          f"worst delay {outage_load.max_delay_windows:.0f} {load.unit}s")

# %% tags=[]
if loop:
    load.plot()
    plt.show()

# %% tags=[]
if loop and "outage" in comparison.replays:
    outage_load.plot()
    plt.show()

# %% [markdown] tags=[]
# ## Explore
#
# Tighten or loosen each rate limit, pull the kill switch, make the reviewers
# better or worse. The whole history is replayed once the controls are still
# (about half a second on 100k rows), against the policy as written. Widgets
# need a live kernel: a static copy of this notebook shows the starting view.

# %% tags=[]
from trustlab.simulate import GuardrailExplorer

GuardrailExplorer(rules, data, seed=seed)
