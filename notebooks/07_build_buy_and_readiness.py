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
# # 07 · Build, buy or fine-tune — and is it ready for the critical path?
#
# **What this answers.** Two questions leaders ask before AI touches a
# decision. First: should the capability be built, bought or a model
# fine-tuned? Seven factors — core or not, time to market, data readiness,
# team maturity, cost over time, risk and compliance, exit paths — are
# weighted and scored, and the sensitivity view says which weight changes
# would flip the answer. Second: is the policy ready for the critical path?
# The checklist a senior engineer asks is scored from the policy file and its
# latest review folder wherever they hold the evidence, and asked of you where
# they do not.
#
# **How to use it.** Point `sourcing` and `readiness` at assessment files and
# `review` at the policy's latest `trustlab review` folder; without one, a
# review is made here on `dataset` (with `label` and `time` when its columns
# are named otherwise), against `champion`. In JupyterLab,
# move the weights and answer the open items in the forms. The logic lives in
# `trustlab.design`, tested in `tests/design/` (flips against a brute-force
# scan; readiness against review folders that change).

# %% tags=["parameters"]
sourcing: str = "assessments/credit-scoring-sourcing.yaml"  # the build-buy-or-fine-tune assessment file
readiness: str = "assessments/consumer-credit-readiness.yaml"  # the critical-path readiness assessment file
review: str = ""  # the policy's latest review folder (empty: the file's, or one made here on dataset)
dataset: str = "synthetic"  # the history a review made here reads: shipped data set (synthetic, lending_club, german_credit) or a CSV/Parquet path
policy: str = ""  # the policy judged ready or not (empty: the readiness file's)
champion: str = "policies/consumer-credit.yaml"  # the live policy a review made here compares with (empty for none)
label: str = ""  # the outcome column (empty: the policy's outcomes.label)
bad_when: str = ""  # the outcome value meaning bad, or a JSON list of values (empty: the policy's outcomes.bad_when)
time: str = ""  # the column of decision times (empty: the policy's columns.time)
exclude: str = ""  # comma-separated columns never used when a missing signal is scored out of fold
seed: int = 0  # seeds a review made here

# %% tags=["nbval-check-output"]
import dataclasses

import matplotlib.pyplot as plt

from trustlab import notebook as nb
from trustlab.design import load_assessment, readiness_form, sourcing_form

nb.notebook_parameters(globals(), "07_build_buy_and_readiness")
options = load_assessment(nb.repo_path(sourcing))
choice = options.assess()
print(f"{options.decision}: {choice.recommendation} "
      f"({', '.join(f'{o} {t:.2f}' for o, t in choice.totals.items())}; lead {choice.margin:.2f})")

# %% [markdown] tags=[]
# ## Build, buy or fine-tune
#
# Each bar is an option's weighted mean score (1–5), stacked by factor. The
# table below it lists every factor whose weight, moved within 0–10, would
# change the answer — solved exactly, nearest change first. A close call with
# many flips is a decision to discuss, not to announce.

# %% tags=[]
choice.plot()
plt.show()

# %% tags=["nbval-check-output"]
print(choice.flips.to_string(index=False, float_format=lambda v: f"{v:.2f}"))

# %% tags=[]
sourcing_form(options)

# %% [markdown] tags=[]
# ## Ready for the critical path?
#
# First from the policy file alone, then with a review folder: its verdict,
# its hashed decision records, the champion it was compared with and the drift
# it measured settle items the policy cannot. Without a review folder, one is
# made here on `dataset` (its drift only where the data has decision times).
# Items no file can settle (a latency budget, an on-call rota) are asked; the
# assessment file answers them here.

# %% tags=["nbval-check-output"]
ready = load_assessment(nb.repo_path(readiness))
if policy:
    ready = dataclasses.replace(ready, policy=str(nb.repo_path(policy)))
alone = ready.assess()
if not (review or ready.review):  # a review made here, on the history given
    from trustlab.review import assess

    h = nb.read_history(dataset, ready.policy, champion=champion or None, label=label,
                        bad_when=bad_when, time=time, exclude=nb.split_list(exclude), seed=seed)
    print(h.describe())
    folder = nb.scratch_folder("07-review")
    assess(h.policy, h.data, data_name=h.name, champion=h.champion, bootstrap=0, cases=0,
           seed=seed).write(folder)
    review = str(folder)
evidenced = dataclasses.replace(ready, review=review or ready.review).assess()
print(f"from the policy alone: {alone.score:.0%} of {len(alone.frame)} items met; "
      f"with its review: {evidenced.score:.0%}")
print(evidenced.gaps[["item", "status", "evidence"]].to_string(index=False))

# %% tags=[]
evidenced

# %% tags=[]
evidenced.plot()
plt.show()

# %% tags=[]
readiness_form(dataclasses.replace(ready, review=review or ready.review))
