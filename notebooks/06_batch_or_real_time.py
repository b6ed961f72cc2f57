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
# recommendation move. The rules live in `trustlab.design` and are tested in
# `tests/design/` on every combination of answers.

# %% tags=["parameters"]
assessment: str = "assessments/instant-credit-decision.yaml"  # the batch-or-real-time assessment file
policy: str = "policies/consumer-credit.yaml"  # the policy whose online path a hybrid exports
rule: str = "low-risk"  # the rule whose threshold the batch job sets
days: int = 180  # days of synthetic history the batch job sweeps
seed: int = 0  # seeds the history and the simulated reviewer

# %% tags=["nbval-check-output"]
import matplotlib.pyplot as plt
from IPython.display import display

import trustlab
from trustlab import _notebook as nb
from trustlab.datasets import make_history
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
# history and picks the best line, which people review. (The synthetic history
# knows every outcome, `defaulted_truth`, so this sweep is free of selective
# labels; on real data, notebook 02 shows how far unobserved outcomes can move
# the line.) The online path only executes that line. `export_online_policy` writes the policy the online
# service loads — the chosen threshold in its rule, a first rule for a missing
# signal, a version of its own — and `decide()` takes one record at a time.

# %% tags=["nbval-check-output"]
rules = trustlab.load_policy(nb.repo_path(policy))
history = make_history(n_days=days, seed=seed)
history["defaulted"] = history["defaulted_truth"].astype("boolean")  # every outcome known
sweep = threshold_sweep(rules, history, rule, seed=seed)
online = export_online_policy(rules, {rule: round(float(sweep.best["threshold"]), 4)})
state = trustlab.GuardrailState()  # the online service keeps one for its rate limits
record = history.iloc[-1].to_dict()
for name, rec in (("a record as it arrives", record),
                  ("the same record, its score missing", {**record, "p_default": None})):
    d = online.policy.decide(rec, state=state)
    print(f"{name}: {d.action} by rule '{d.rule}' — {d.reason}")
print(f"\n{online.policy.identity}: {rule} at {online.thresholds[rule]:g} (was "
      f"{sweep.current['threshold']:g}), chosen on {len(history):,} decisions")

# %% tags=[]
online
