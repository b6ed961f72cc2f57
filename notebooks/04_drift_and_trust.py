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
# # 04 · Drift and trust: failures made visible early
#
# **What this answers.** Is the world the policy decides on still the world it
# was designed for — and do the people working beside it trust it for good
# reasons? Executives do not fear failure; they fear undetected failure. This
# notebook measures drift on your history and rehearses each kind of failure
# on it (the inputs drifting, the outcome relationship shifting, the segment
# mix changing, a model outage), switched on from one day: how early each is
# caught, what the policy's drift brake does about it, and how the trust
# metrics and the autonomy gate respond.
#
# **How to use it.** Set `dataset`, `policy` (and `label` or `time` when your
# columns are named otherwise) in the parameters cell, or pass them with
# papermill. `scenario` picks the failure studied in depth (`none`: your
# history as it is), `scenario_start` when it begins, `reference` and
# `window` how drift is measured. Drift, trust and rehearsals need decision
# times: without a time column those sections say so and are skipped, and
# nothing is made up in their place. Every number comes from `trustlab.drift`
# and `trustlab.trust`, tested in `tests/drift/`, `tests/engine/test_brake.py`
# and `tests/trust/`; the rehearsals from `trustlab.notebook`, tested in
# `tests/test_notebook_helpers.py`.

# %% tags=["parameters"]
dataset: str = "synthetic"  # shipped data set (synthetic, lending_club, german_credit) or a CSV/Parquet path
policy: str = "policies/consumer-credit-braked.yaml"  # the policy (here with a time column and a drift brake)
label: str = ""  # the outcome column (empty: the policy's outcomes.label)
bad_when: str = ""  # the outcome value meaning bad, or a JSON list of values (empty: the policy's outcomes.bad_when)
time: str = ""  # the column of decision times (empty: the policy's columns.time)
scenario: str = "feature_drift"  # studied in depth: none (the history as it is), feature_drift, concept_shift, segment_mix, model_outage
scenario_start: str = ""  # when every rehearsed failure begins (empty: the middle of the history)
drift_column: str = ""  # the column feature_drift moves (empty: one the drift brake watches, else one a rule reads)
reference: str = "90D"  # drift is measured against the first span of the history (empty: the brake's reference, else the first quarter)
window: str = "1W"  # drift and trust windows (1W: calendar weeks from Monday)
levels: str = "fixed"  # fixed (PSI 0.10 / 0.25) or learned (reference mean + 3 / 6 sd)
label_delay: str = "60D"  # how long an outcome takes to be known (empty: outcomes known at once)
exclude: str = ""  # comma-separated columns never used when a missing signal is scored out of fold
seed: int = 0  # seeds the rehearsed failures, the folds of a scored signal and the simulated reviewer
dask_scheduler: str = ""  # a Dask scheduler address (tcp://host:8786) for drift in parts; empty: stream here

# %% tags=["nbval-check-output"]
import matplotlib.pyplot as plt
from IPython.display import display

import trustlab
from trustlab import notebook as nb
from trustlab.simulate import RemoveGuardrail, compare_scenarios, replay

nb.notebook_parameters(globals(), "04_drift_and_trust",
                       choices={"scenario": nb.FAILURES, "levels": ("fixed", "learned")})
h = nb.read_history(dataset, policy, label=label, bad_when=bad_when, time=time,
                    exclude=nb.split_list(exclude), seed=seed)
rules, data = h.policy, h.data
print(h.describe())
print(f"Guardrails: {', '.join(g.id for g in rules.guardrails) or 'none'}")
over_time = h.time is not None  # each section over time says so when it is skipped

# %% [markdown] tags=[]
# ## Each failure rehearsed in turn
#
# For every failure, the same history with that one failure switched on from
# `scenario_start`: the inputs a rule reads move up by one standard deviation
# (the signal stays as it was), the odds of the bad outcome double, a third of
# the cases come from the riskiest segment, or every signal is missing for a
# day. *First alert* is the first window after the reference with a measure at
# its act level — drift in the data, the signal, the decisions or the segment
# mix, or (for a concept shift, which no input measure can see) realised bad
# rates above what the calibrated score expects. *Windows late* counts from
# the window the failure starts in: 0 means caught in that very window;
# *alerts before* counts false alarms before it.

# %% tags=["nbval-check-output"]
if h.needs("time", section="the failure rehearsal"):
    start = h.when(scenario_start)
    detected = nb.rehearse(h, start, reference=reference, window=window, levels=levels,
                           seed=seed, column=drift_column)
    print(f"Failures switched on from {start:%Y-%m-%d}:")
    print(detected.astype(object).fillna("—").to_string())

# %% [markdown] tags=[]
# ## The scenario in depth: drift over time
#
# The history with `scenario` switched on (`none`: as it is). One panel per
# kind of drift. Lines are the most drifted columns; the grey band is the
# reference period, dashed lines the warn and act levels, circles the windows
# at the act level, and the dotted line the day the failure starts.

# %% tags=[]
if h.needs("time", section="drift over time"):
    history = nb.with_failure(h, scenario, start, seed=seed, column=drift_column)
    drift = trustlab.policy_drift(rules, history, window=window, levels=levels,
                                  reference={"first": reference} if reference else None)
    events = {} if scenario == "none" else {scenario: start}
    display(drift)
    drift.plot(top=3, events=events)
    plt.show()

# %% [markdown] tags=[]
# ### The same drift when the history outgrows memory
#
# Read in parts (Parquet batches here, or partitions on a Dask cluster with
# `dask_scheduler`), each part counts its rows per window into the saved
# reference's bins; the counts add up, so PSI, Jensen–Shannon and chi-square
# are exactly the in-memory values. KS needs the values themselves, so each
# part counts them on a grid of 1,000 reference quantiles instead, and the
# result states how far from the exact KS that can be. The table compares
# both with the in-memory drift of the same columns against the same reference.

# %% tags=["nbval-check-output"]
if h.needs("time", section="drift in parts"):
    from trustlab import scale
    from trustlab.drift import Reference, drift_over_time

    columns = [c.name for c in drift.reference.columns if c.kind in ("signal", "data")]
    kinds = {c.name: c.kind for c in drift.reference.columns}
    first = history[h.time] <= drift.reference.ends
    saved = Reference.from_data(history[first], columns, time=h.time, window=window,
                                kinds=kinds).save(nb.scratch_folder("04-reference") / "ref.npz")
    exact = drift_over_time(history, saved, time=h.time, window=window, levels=levels)
    in_parts = scale.drift_over_time(
        scale.write_parts(history, nb.scratch_folder("04-history-parts"), 8), saved,
        time=h.time, window=window, levels=levels, client=dask_scheduler or None)
    print(in_parts.ks_method)
    print(scale.drift_error(exact, in_parts).to_string(index=False))

# %% [markdown] tags=[]
# ## Before the labels arrive
#
# Outcomes take time. The calibrated score says at decision time what bad rate
# to expect among the cases whose outcome the history records — under
# selective labels, the approved ones (solid blue); once outcomes arrive, the
# realised rate (red) is set against the rate expected for the very same cases
# (dotted). A red circle marks a gap at the act level. Cases decided in the
# last `label_delay` count as not yet known.

# %% tags=[]
if h.needs("time", "outcomes", "risk_probability",
           section="the comparison of expected and realised bad rates"):
    gap = nb.outcome_gap(h, history, window=window, label_delay=label_delay)
    gap.plot(events=events)
    plt.show()

# %% [markdown] tags=[]
# ## What the drift brake did
#
# While a watched column drifted past the act level, the brake sent
# automated decisions to a person (or to the safe action it names). The table
# compares the policy as written with the same policy without its brake: the
# decisions the brake changed and what that did to value, bad approvals and
# workload. A lasting shift keeps the brake on until the owner looks and sets
# a new reference: whether the new cases are safe to automate is a person's
# call, and the table shows what that pause costs while it lasts.

# %% tags=["nbval-check-output"]
brakes = [g.id for g in rules.guardrails if g.kind == "drift_brake"]
if not brakes:
    nb.say(f"Policy '{rules.name}' has no drift brake, so there is nothing to show here; add a "
           f"`drift_brake` guardrail to run it.")
elif h.needs("time", section="the drift brake's effect"):
    effect = compare_scenarios(rules, history, {"without brake": RemoveGuardrail(brakes[0])},
                               seed=seed)
    braked = effect.baseline.records["guardrail"].eq(brakes[0])
    weeks = effect.baseline.records.loc[braked, h.time].dt.to_period("W").nunique()
    print(f"braked decisions: {int(braked.sum()):,} in {weeks} weeks")
    display(effect.summary())

# %% [markdown] tags=[]
# ## Trust over time
#
# Automation and deferral say how much the policy decides alone; alignment
# and override say how often the recorded human decisions agree with its
# automated ones (without recorded decisions they are empty, with the reason);
# over-reliance is the share of compared, labelled cases where people
# accepted a recommendation that turned out wrong.

# %% tags=[]
replayed = replay(rules, history if over_time else data, seed=seed)
if h.needs("time", section="trust over time"):
    trust = trustlab.trust_over_time(replayed, window=window)
    trust.plot(metrics=("automation_rate", "deferral_rate", "override_rate", "over_reliance"))
    plt.show()
    display(trust)

# %% [markdown] tags=[]
# ## May the policy take the next mode?
#
# The policy's `promotion` section against the evidence: each criterion, the
# observed value with its 95% interval, by how much it misses and how many
# more decisions (and weeks) it would take. Without a time column the signal's
# drift is not known, and the criterion on it says so.

# %% tags=["nbval-check-output"]
gate = trustlab.promotion_gate(replayed,
                               signal_psi=drift.max("psi", "signal") if over_time else None)
display(gate.summary())

# %% tags=[]
gate

# %% [markdown] tags=[]
# ## Explore
#
# How long a window is, which span is the reference, which measure is drawn and
# whether the levels are fixed or learned from the reference: each choice
# measures the scenario's history again (once the controls are still). A
# shorter window sees a change sooner and raises more false alarms; a learned
# level means the same at 500 and at 500,000 rows a window. Widgets need a
# live kernel.

# %% tags=[]
if h.needs("time", section="the drift explorer"):
    from trustlab.drift import DriftExplorer

    display(DriftExplorer(history, time=h.time, columns=columns, kinds=kinds, window=window,
                          reference=reference or "90D", levels=levels))
