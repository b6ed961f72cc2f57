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
# # 06 · Batch or real time: how this decision should be served
#
# **What this answers.** Before a model acts in a critical path: should the
# decision be made on a schedule (batch), online behind guardrails (real
# time), or online with thresholds set and reviewed in batch (hybrid)? The
# answer comes from four questions — does delay destroy value or only
# convenience, can the action be undone, is the context there at decision
# time, can the system fail safely — with a cost sketch for the stated volume.
# It says which answers drove it and which single changed answer would change
# it.
#
# **How to use it.** Write the answers in an assessment file
# (`assessments/*.yaml`, versioned like a policy) and point `assessment` at it;
# in JupyterLab, change the answers in the form below and watch the
# recommendation move. For the hybrid's online path, point `dataset` and
# `policy` at your history and policy (with `label` when the outcome column is
# named otherwise): the batch job sweeps that history, and without outcomes it
# says so and stops. The rules live in `trustlab.design` and are tested in
# `tests/design/` on every combination of answers.

# %% tags=["parameters"]
assessment: str = "assessments/instant-credit-decision.yaml"  # the batch-or-real-time assessment file
dataset: str = "synthetic"  # the history the batch job sweeps: shipped data set (synthetic, lending_club, german_credit) or a CSV/Parquet path
policy: str = "policies/consumer-credit.yaml"  # the policy whose online path a hybrid exports
label: str = ""  # the outcome column (empty: the policy's outcomes.label)
bad_when: str = ""  # the outcome value meaning bad, or a JSON list of values (empty: the policy's outcomes.bad_when)
time: str = ""  # the column of decision times (empty: the policy's columns.time)
rule: str = ""  # the rule whose threshold the batch job sets (empty: the first threshold rule with a favourable action)
exclude: str = ""  # comma-separated columns never used when a missing signal is scored out of fold
seed: int = 0  # seeds the folds of a scored signal and the simulated reviewer

# %% tags=["nbval-check-output"]
import matplotlib.pyplot as plt
from IPython.display import display

import trustlab
from trustlab import notebook as nb
from trustlab.design import export_online_policy, load_assessment, serving_form
from trustlab.simulate import threshold_sweep

nb.notebook_parameters(globals(), "06_batch_or_real_time")
answers = load_assessment(nb.repo_path(assessment))
result = answers.assess()
print(f"{answers.decision} (owner: {answers.owner})")
print(result.words)
for reason in result.drivers:
    print(" -", reason)

# %% [markdown] tags=[]
# ## The recommendation, what would change it and what it costs
#
# *What would change it* lists every single answer that, changed alone, gives
# another recommendation: the conversation to have with the owner. The cost
# sketch sets always-on serving beside periodic compute for the stated volume;
# the hybrid pays for both.

# %% tags=[]
result

# %% tags=[]
result.plot()
plt.show()

# %% [markdown] tags=[]
# ## Answer it yourself
#
# Each change re-scores the assessment (needs a live kernel; a static copy
# shows the starting answers).

# %% tags=[]
serving_form(answers)

# %% [markdown] tags=[]
# ## The hybrid's online path
#
# In the hybrid the batch job owns the threshold: it sweeps the rule over
# history and picks the best line, which people review. Each case is valued
# by its observed outcome; a case whose outcome history never shows (under
# selective labels, one that was declined) is valued as the outcome that
# would make the rule's action wrong, so the line cannot drift towards cases
# nobody observed (notebook 02 shows how far they can move it). The online
# path only executes that line. `export_online_policy` writes the
# policy the online service loads — the chosen threshold in its rule, a first
# rule for a missing signal, a version of its own — and `decide()` takes one
# record at a time.

# %% tags=["nbval-check-output"]
h = nb.read_history(dataset, policy, label=label, bad_when=bad_when, time=time,
                    exclude=nb.split_list(exclude), seed=seed)
print(h.describe())
hybrid = h.needs("outcomes", section="the batch job's sweep and the online policy it exports")
if hybrid:
    rules, history, line = h.policy, h.data, nb.threshold_rule(h.policy, rule)
    sweep = threshold_sweep(nb.cautious_unlabelled(rules, line), history, line, seed=seed)
    online = export_online_policy(rules, {line: round(float(sweep.best["threshold"]), 4)})
    state = trustlab.GuardrailState()  # the online service keeps one for its rate limits
    record = history.iloc[-1].to_dict()
    unscored = {**record, **{s.name: None for s in rules.signals}}
    for name, rec in (("a record as it arrives", record),
                      ("the same record, its score missing", unscored)):
        d = online.policy.decide(rec, state=state)
        print(f"{name}: {d.action} by rule '{d.rule}' — {d.reason}")
    print(f"\n{online.policy.identity}: {line} at {online.thresholds[line]:g} (was "
          f"{sweep.current['threshold']:g}), chosen on {len(history):,} decisions")
    unobserved = int((~h.observed).sum())
    if unobserved:
        hopeful = threshold_sweep(rules, history, line, seed=seed).best["threshold"]
        print(f"{unobserved:,} of them have no observed outcome; valued as the policy says "
              f"('{rules.outcomes.unlabelled}'), the best line would be {hopeful:.3f}")

# %% tags=[]
if hybrid:
    display(online)
