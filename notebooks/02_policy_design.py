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
# # 02 · Policy design: what the policy would have done, and where its lines should be
#
# **What this answers.** The question analysts open the kit with: *what would this policy have done on
# our history, and what would a different threshold, band or capacity have
# done?* This notebook answers it in money and workload, with the uncertainty
# stated:
#
# 1. **Replay** the policy over history: every case decided, every decision
#    valued from the policy's `outcomes` section, every metric overall and by
#    segment, every check with its verdict.
# 2. **Uncertainty**: bootstrap intervals for the headline numbers.
# 3. **Selective labels**: outcomes exist only for cases someone approved. Every
#    case is tagged against the historical decision, and the cases the policy
#    would newly approve are valued under a stated, stressed assumption.
# 4. **Thresholds**: one rule's every threshold at once, with the best one and
#    its interval; then both lines of the review band over a grid, with the
#    review team's capacity as a constraint.
# 5. **Explore**: sliders for the band and the capacity (needs a live kernel).
#
# All logic lives in `trustlab.simulate` and is tested in `tests/simulate/`;
# every number here is exactly what a full replay reports.
#
# **How to use it.** Point `dataset` and `policy` at your history and policy
# (or pass them with papermill's `-p`; `label` and `time` when your columns
# are named otherwise than the policy says) and run all cells; in JupyterLab,
# move the lines and the capacity in the explorer at the end. A section that
# needs what your data lacks (recorded human decisions, decision times,
# outcomes) says so and is skipped.

# %% tags=["parameters"]
dataset: str = "synthetic"  # shipped data set (synthetic, lending_club, german_credit) or a CSV/Parquet path
policy: str = "policies/consumer-credit.yaml"  # the policy to replay
label: str = ""  # the outcome column (empty: the policy's outcomes.label)
bad_when: str = ""  # the outcome value meaning bad, or a JSON list of values (empty: the policy's outcomes.bad_when)
time: str = ""  # the column of decision times (empty: the policy's columns.time)
approve_rule: str = ""  # the rule whose threshold sets the approve line (empty: the first threshold rule with a favourable action)
decline_rule: str = ""  # the rule whose threshold sets the decline line (empty: the first with an automated action that is not favourable)
baseline: str = "recorded"  # what swaps are counted against: recorded (historical decisions) or a champion policy's path
stress: str = "1, 1.25, 1.5, 2, 3"  # multipliers of the assumed bad rate of newly approved cases with no outcome
capacity: float = 80.0  # reviews the team can do per window (per day here); 0 for no constraint
bootstrap: int = 500  # bootstrap replicates for intervals (0 for none)
exclude: str = "age_band"  # columns never used when a missing signal is scored out of fold
seed: int = 0  # seeds the simulated reviewer and the bootstrap
dask_scheduler: str = ""  # a Dask scheduler address (tcp://host:8786) for the sweep in parts; empty: stream here

# %% tags=["nbval-check-output"]
import math

import matplotlib.pyplot as plt
from IPython.display import display

from trustlab import notebook as nb
from trustlab.simulate import (PolicyExplorer, band_grid, bootstrap_metrics, plot_segment_rates,
                               replay, swap_analysis, threshold_sweep)

nb.notebook_parameters(globals(), "02_policy_design")
h = nb.read_history(dataset, policy, champion=None if baseline == "recorded" else baseline,
                    label=label, bad_when=bad_when, time=time, exclude=nb.split_list(exclude),
                    seed=seed)
rules, data = h.policy, h.data
approve_rule = nb.threshold_rule(rules, approve_rule)
decline_rule = nb.threshold_rule(rules, decline_rule, favourable=False, fallback=False)
multipliers = [float(m) for m in nb.split_list(stress) or [1.0]]
cap = capacity if capacity > 0 else None
print(h.describe())
print(f"{len(data):,} decisions to replay with {rules.identity}; the favourable action's line: "
      f"rule '{approve_rule}'; the other automated action's line: "
      + (f"rule '{decline_rule}'" if decline_rule else "none"))

# %% [markdown] tags=[]
# ## The policy as written, replayed
#
# Each case is decided by the policy's rules and guardrails, then valued from
# `outcomes`: an automated decision by what happened to the case, a review at
# its cost plus the reviewer's decision (the recorded one where the data has
# it, otherwise a simulated reviewer of the stated accuracy, seeded). Cases
# with no observed outcome follow the `unlabelled` rule.

# %% tags=["nbval-check-output"]
result = replay(rules, data, seed=seed)
print(f"verdict: {'PASS' if result.passed else 'FAIL'}")
display(result.checks)

# %% [markdown] tags=[]
# The headline metrics, then every metric of the policy format by segment. A
# metric the data cannot support is left empty with the reason beside it —
# never a silent zero.

# %% tags=[]
result

# %% tags=[]
result.summary()

# %% tags=[]
result.plot();

# %% [markdown] tags=[]
# ### How decisions split across segments
#
# The favourable rate per segment, with the four-fifths line: a segment
# approved at under 80% of the best segment's rate deserves a question.

# %% tags=[]
for column in [c for c in rules.segments if c in data.columns]:
    plot_segment_rates(result, column)
    plt.show()

# %% [markdown] tags=[]
# ## How sure are these numbers?
#
# A seeded bootstrap over the decisions: each replicate resamples the cases
# with replacement and recomputes the headline metrics. The intervals say how
# much of a difference between two policies is noise. (Rows are treated as
# independent; cases that share a borrower or a day are not.)

# %% tags=[]
if bootstrap:
    intervals = bootstrap_metrics(result, n=bootstrap, seed=seed)
    display(intervals.frame)
    intervals.plot()
    plt.show()

# %% [markdown] tags=[]
# ## What selective labels hide
#
# History only tells us what happened to cases that were approved. A policy
# that approves a case history declined (a **swap-in**) is valued on an
# outcome nobody observed. Every case is tagged against the baseline as
# unchanged, swap-in, swap-out (newly declined) or to-review; swap-ins with no
# outcome get an assumed bad rate (stated below), then that rate is multiplied
# by each stress factor. A conclusion worth acting on survives the pessimistic
# end of the table.

# %% tags=[]
swapped = h.champion is not None or h.needs(
    "recorded", section="the swap analysis against recorded decisions",
    fix="give `baseline` a champion policy to compare with instead")
if swapped:
    against = "recorded" if h.champion is None else replay(h.champion, data, seed=seed)
    swaps = swap_analysis(result, baseline=against, stress=multipliers)
    display(swaps.counts)
    print(swaps.assumption)
    display(swaps.stress)

# %% tags=[]
if swapped:
    display(swaps)

# %% tags=[]
if swapped:
    swaps.plot()
    plt.show()

# %% [markdown] tags=[]
# ## Where should the approve line be?
#
# Every threshold of the approve rule (the first rule with a threshold that
# leads to a favourable action, unless `approve_rule` names another) at once: the cases the threshold can
# move are sorted once and each threshold's totals are cumulative sums, so the
# curve is exact at every distinct score, not sampled. The star is the best
# threshold for the stated values, the circle the policy as written; the
# bootstrap gives an interval for the best threshold itself.

# %% tags=[]
valued = h.needs("outcomes", section="the threshold sweeps and the band grid")
if valued:
    sweep = threshold_sweep(rules, data, approve_rule, seed=seed, bootstrap=bootstrap,
                            bootstrap_seed=seed)
    display(sweep)

# %% tags=[]
if valued:
    sweep.plot()
    plt.show()

# %% [markdown] tags=[]
# The sweep values cases with no outcome by the policy's `unlabelled` rule.
# When that rule is `exclude`, a newly approved case nobody observed costs
# nothing, so a higher approve line always looks cheaper than it is. Sweeping
# again with every unlabelled case valued as the outcome that makes the
# rule's action the wrong call (**bad** for an approval) gives the pessimistic
# end. Where the two best thresholds are far apart, history cannot place the
# line: the swap analysis above says how bad the unobserved cases may be
# before the change stops paying, and a supervised trial (or a small random
# sample of approvals) is what would settle it.

# %% tags=["nbval-check-output"]
if valued:
    cautious = nb.cautious_unlabelled(rules, approve_rule)
    pessimistic = threshold_sweep(cautious, data, approve_rule, seed=seed)
    print(f"best threshold of rule '{approve_rule}': {sweep.best['threshold']:.3f} valuing "
          f"unlabelled cases as the policy says ('{rules.outcomes.unlabelled}'), "
          f"{pessimistic.best['threshold']:.3f} valuing every one as "
          f"'{cautious.outcomes.unlabelled}'; the policy uses {sweep.current['threshold']:.3f}")
if swapped and not math.isnan(swaps.breakeven_bad_rate):
    print(f"swap-ins must default at under {swaps.breakeven_bad_rate:.1%} for the policy to beat "
          f"{swaps.baseline}")

# %% [markdown] tags=[]
# ## Both lines of the band, with the review team's capacity
#
# Each cell is a pair of lines: approve below one, decline above the other,
# people review the band between. The colour is the value per decision; cells
# whose busiest window needs more reviews than the team can do are hatched.
# The star is the best pair the team can carry; the Pareto front lists the
# pairs that no other pair beats on both value and peak review load.

# %% tags=[]
banded = valued and decline_rule is not None
if valued and not banded:
    nb.say(f"Policy '{rules.name}' has no rule that compares a signal with a number and leads "
           f"to an automated action that is not favourable (a decline line), so the band grid "
           f"and the explorer are skipped; give `decline_rule` to run them.")
if banded and cap is not None and not h.needs(
        "windows", section="the review capacity in the band grid"):
    cap = None
if banded:
    grid = band_grid(rules, data, approve_rule, decline_rule, capacity=cap, seed=seed)
    display(grid)

# %% tags=[]
if banded:
    grid.plot()
    plt.show()

# %% tags=["nbval-check-output"]
if banded:
    feasible = int(grid.frame["feasible"].sum())
    if cap is None:
        print(f"{len(grid.frame):,} pairs of lines; no review capacity given")
    else:
        print(f"{feasible:,} of {len(grid.frame):,} pairs of lines within {cap:,.0f} reviews a "
              f"{grid.window or 'window'}; {len(grid.pareto)} on the value / review-load front")

# %% tags=[]
if banded:
    display(grid.pareto)

# %% [markdown] tags=[]
# ## The same line when the history outgrows memory
#
# A history of hundreds of millions of decisions does not fit in one frame.
# `trustlab.scale` sweeps it in parts — Parquet batches streamed here, or the
# partitions of a Dask DataFrame on a cluster (set `dask_scheduler`) — each
# part summing value, reviews and outcomes at every threshold of a fixed grid
# (201 thresholds 0.005 apart for a probability), the parts added up. At a
# grid threshold the numbers are exactly the sweep's above; between grid
# values nothing is measured, so the step is the resolution of the best line.
# The table sets the exact best (every distinct score) beside the grid's.

# %% tags=["nbval-check-output"]
if valued:
    from trustlab import scale

    parts = scale.write_parts(data, nb.scratch_folder("02-history-parts"), 8)
    gridded = scale.threshold_sweep(rules, parts, approve_rule, seed=seed,
                                    client=dask_scheduler or None)
    resolution = scale.sweep_resolution(sweep, gridded)
    print(f"{gridded.method}\n")
    print(resolution.to_string(index=False, float_format=lambda v: f"{v:.4g}"))

# %% [markdown] tags=[]
# ## Explore
#
# Move the lines and the capacity; choose a segment. Each change replays the
# whole history and redraws value, workload and segment rates, against the
# policy as written: measured on two shared cores, 0.38–0.41 s a redraw on
# 100k rows (`benchmarks/explorers.py`), 0.6–0.9 s from the last key press to
# the new figure in JupyterLab on this notebook's 51,480 rows. "updating…"
# shows until the figure matches the sliders; the policy's checks update
# live, and lines that cross are flagged. Widgets need a
# live kernel: in a static copy of this notebook only the starting view shows.

# %% tags=[]
if banded:
    display(PolicyExplorer(rules, data, approve_rule, decline_rule,
                           capacity=None if cap is None else int(cap), seed=seed))
