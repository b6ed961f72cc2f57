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
# notebook takes a year of synthetic loan applications, switches on each kind
# of failure in turn (applicants drifting, the outcome relationship shifting,
# a new sales channel, a model outage), and shows how early each is caught,
# what the policy's drift brake does about it, and how the trust metrics and
# the autonomy gate respond.
#
# **How to use it.** Change the parameters below (or pass them with
# papermill): `scenario` picks the failure studied in depth, `scenario_start`
# when it begins, `reference` and `window` how drift is measured. Every number
# comes from `trustlab.drift` and `trustlab.trust`, tested in `tests/drift/`,
# `tests/engine/test_brake.py` and `tests/trust/`.

# %% tags=["parameters"]
policy: str = "policies/consumer-credit-braked.yaml"  # a policy with a time column (and, here, a drift brake)
scenario: str = "feature_drift"  # studied in depth: none, feature_drift, concept_shift, new_channel, model_outage
scenario_start: str = "2025-07-01"  # when every scenario begins
days: int = 365  # length of the synthetic history, from 2025-01-01
per_day: float = 140.0  # average applications a day
reference: str = "90D"  # drift is measured against the first span of the history
window: str = "1W"  # drift and trust windows (1W: calendar weeks from Monday)
levels: str = "fixed"  # fixed (PSI 0.10 / 0.25) or learned (reference mean + 3 / 6 sd)
label_delay: str = "60D"  # how long an outcome takes to be known
seed: int = 0  # seeds the history and the simulated reviewer
dask_scheduler: str = ""  # a Dask scheduler address (tcp://host:8786) for drift in parts; empty: stream here

# %% tags=["nbval-check-output"]
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

import trustlab
from trustlab import _notebook as nb
from trustlab.datasets import ConceptShift, FeatureDrift, ModelOutage, NewChannel, make_history
from trustlab.drift import detection
from trustlab.simulate import RemoveGuardrail, compare_scenarios, replay

start = pd.Timestamp(scenario_start)
SCENARIOS = {
    "none": [],
    "feature_drift": [FeatureDrift(scenario_start, "debt_to_income", 8.0)],
    "concept_shift": [ConceptShift(scenario_start, factor=2.0)],
    "new_channel": [NewChannel(scenario_start, share=0.35)],
    "model_outage": [ModelOutage(scenario_start, str((start + pd.Timedelta("1D")).date()))],
}
nb.notebook_parameters(globals(), "04_drift_and_trust",
                       choices={"scenario": tuple(SCENARIOS), "levels": ("fixed", "learned")})
rules = trustlab.load_policy(nb.repo_path(policy))
print(f"{rules.identity}: {len(rules.rules)} rules, guardrails "
      f"{', '.join(g.id for g in rules.guardrails)}; scenario '{scenario}' from {scenario_start}")

# %% [markdown] tags=[]
# ## Each failure switched on in turn
#
# For every scenario, the same seeded year of history with that one failure
# starting on the same day. *First alert* is the first window after the
# reference with a measure at its act level — drift in the data, the signal,
# the decisions or the segment mix, or (for a concept shift, which no input
# measure can see) realised bad rates above what the calibrated score expects.
# *Windows late* counts from the window the failure starts in: 0 means caught
# in that very week.

# %% tags=["nbval-check-output"]
rows = []
for name, scenarios in SCENARIOS.items():
    history = make_history(n_days=days, applications_per_day=per_day, seed=seed,
                           scenarios=scenarios)
    drift = trustlab.policy_drift(rules, history, reference={"first": reference},
                                  window=window, levels=levels)
    gap = trustlab.expected_vs_realised(
        history, signal="p_default", label="defaulted", time="decision_time", window=window,
        approved=history["underwriter_decision"].eq("approved"))
    rows.append({"scenario": name, **detection(drift, start, gap)})
detected = pd.DataFrame(rows).set_index("scenario").astype({"windows late": "Int64"})
print(detected.astype(object).fillna("—").to_string())

# %% [markdown] tags=[]
# ## The scenario in depth: drift over time
#
# One panel per kind of drift. Lines are the most drifted columns; the grey
# band is the reference period, dashed lines the warn and act levels, circles
# the windows at the act level, and the dotted line the day the scenario
# starts.

# %% tags=[]
history = make_history(n_days=days, applications_per_day=per_day, seed=seed,
                       scenarios=SCENARIOS[scenario])
drift = trustlab.policy_drift(rules, history, reference={"first": reference}, window=window,
                              levels=levels)
drift

# %% tags=[]
drift.plot(top=3, events={} if scenario == "none" else {scenario: scenario_start})
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
from trustlab import scale
from trustlab.drift import Reference, drift_over_time

columns = [c.name for c in drift.reference.columns if c.kind in ("signal", "data")]
period = history["decision_time"] < history["decision_time"].min() + pd.Timedelta(reference)
saved = Reference.from_data(history[period], columns, time="decision_time", window=window,
                            kinds={c.name: c.kind for c in drift.reference.columns}
                            ).save(nb.scratch_folder("04-reference") / "reference.npz")
exact = drift_over_time(history, saved, time="decision_time", window=window, levels=levels)
in_parts = scale.drift_over_time(
    scale.write_parts(history, nb.scratch_folder("04-history-parts"), 8), saved,
    time="decision_time", window=window, levels=levels, client=dask_scheduler or None)
print(in_parts.ks_method)
print(scale.drift_error(exact, in_parts).to_string(index=False))

# %% [markdown] tags=[]
# ## Before the labels arrive
#
# Outcomes take time. The calibrated score says at decision time what bad rate
# to expect among approved applications (solid blue); once outcomes arrive,
# the realised rate (red) is set against the rate expected for the very same
# cases (dotted). A red circle marks a gap at the act level. Cases decided in
# the last `label_delay` have no outcome yet.

# %% tags=[]
approved = history["underwriter_decision"].eq("approved")
gap = trustlab.expected_vs_realised(history, signal="p_default", label="defaulted",
                                    time="decision_time", window=window, approved=approved,
                                    label_delay=label_delay)
gap.plot(events={} if scenario == "none" else {scenario: scenario_start})
plt.show()

# %% [markdown] tags=[]
# ## What the drift brake did
#
# While last week's score or debt-to-income drifted past the act level, the
# brake sent automated approvals and declines to an underwriter. The table
# compares the policy as written with the same policy without its brake:
# the decisions the brake changed and what that did to value, bad approvals
# and workload. A lasting shift keeps the brake on until the owner looks and
# sets a new reference: whether the new applicants are safe to automate is a
# person's call, and the table shows what that pause costs while it lasts.

# %% tags=["nbval-check-output"]
brakes = [g.id for g in rules.guardrails if g.kind == "drift_brake"]
if brakes:
    effect = compare_scenarios(rules, history, {"without brake": RemoveGuardrail(brakes[0])},
                               seed=seed)
    braked = effect.baseline.records["guardrail"].eq(brakes[0])
    print(f"braked decisions: {int(braked.sum()):,} in "
          f"{effect.baseline.records.loc[braked, 'decision_time'].dt.to_period('W').nunique()} "
          f"weeks")
    print(effect.summary().T.to_string())
else:
    print("This policy has no drift brake.")

# %% [markdown] tags=[]
# ## Trust over time
#
# Automation and deferral say how much the policy decides alone; alignment
# and override say how often the underwriters' recorded decisions agree with
# its automated ones; over-reliance is the share of compared, labelled cases
# where people accepted a recommendation that turned out wrong.

# %% tags=[]
replayed = replay(rules, history, seed=seed)
trust = trustlab.trust_over_time(replayed, window=window)
trust.plot(metrics=("automation_rate", "deferral_rate", "override_rate", "over_reliance"))
plt.show()
trust

# %% [markdown] tags=[]
# ## May the policy take the next mode?
#
# The policy's `promotion` section against the evidence: each criterion, the
# observed value with its 95% interval, by how much it misses and how many
# more decisions (and weeks) it would take.

# %% tags=["nbval-check-output"]
gate = trustlab.promotion_gate(replayed, signal_psi=drift.max("psi", "signal"))
print(gate.summary())

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
from trustlab.drift import DriftExplorer

DriftExplorer(history, time="decision_time",
              columns=[c.name for c in drift.reference.columns if c.kind in ("signal", "data")],
              kinds={c.name: c.kind for c in drift.reference.columns},
              window=window, reference=reference, levels=levels)
