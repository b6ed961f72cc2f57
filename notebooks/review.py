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
# # Policy review
#
# **What this answers.** What this policy would have done on this history,
# whether it meets its own checks, and what the numbers cannot say. Produced by `trustlab review`
# (papermill); every number is computed by `trustlab.review.assess`, tested in
# `tests/review/`.
#
# **How to use it.** Run `trustlab review POLICY DATA` rather than opening
# this notebook: the command checks the inputs first, runs it with papermill
# and writes the report, metrics, decision records and manifest.

# %% tags=["parameters"]
policy: str = "policies/lending-club-risk.yaml"  # the policy under review
data: str = "datasets/lending_club.csv"  # the history: CSV, Parquet, or a folder of Parquet files
champion: str = "policies/lending-club-intake.yaml"  # the live policy to compare with (empty for none)
output_dir: str = "build/review"  # where metrics.json and decisions.parquet are written
glossary: str = ""  # plain phrases for reason codes, e.g. glossaries/lending-club.yaml (empty: features read as plain words)
exclude: str = ""  # comma-separated columns a trained signal must never read (besides the glossary's prohibited ones)
label: str = ""  # a data column to read as the outcome in place of the policy's outcomes.label (empty: the policy's own)
bad_when: str = ""  # the label value meaning the bad outcome in place of the policy's outcomes.bad_when: one value (Charged Off) or a JSON list (["Charged Off", "Default"]) (empty: the policy's own)
train_signal: bool = True  # train a signal the data lacks out of fold (false: refuse such data)
bootstrap: int = 1000  # bootstrap replicates for the headline intervals (0 for none)
cases: int = 5  # example decisions to explain
seed: int = 0  # seeds the simulated reviewer, the folds, the bootstrap and the cases
dask_scheduler: str = ""  # a Dask scheduler address (tcp://host:8786): replay the whole Parquet history there (empty: in memory here)
recent_rows: int = 200000  # with dask_scheduler: the most recent rows read here for intervals, drift, trust and cases

# %% tags=["nbval-check-output"]
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, display

import trustlab
from trustlab import _notebook as nb
from trustlab.explain import explain_case, load_glossary
from trustlab.review import assess, assess_on_cluster
from trustlab.simulate import plot_replay, plot_segment_rates

nb.notebook_parameters(globals(), "review")
rules = trustlab.load_policy(nb.repo_path(policy))
shared = dict(data_name=Path(data).name, seed=seed, bootstrap=bootstrap, cases=cases,
              champion=trustlab.load_policy(nb.repo_path(champion)) if champion else None,
              glossary=load_glossary(nb.repo_path(glossary)) if glossary else None)
if dask_scheduler:  # the whole history on the cluster, the most recent rows here
    review = assess_on_cluster(rules, nb.repo_path(data), client=dask_scheduler,
                               out=nb.repo_path(output_dir), recent_rows=recent_rows,
                               label=label, bad_when=bad_when, **shared)
else:
    review = assess(rules, nb.load_dataset(data), exclude=tuple(nb.split_list(exclude) or ()),
                    train_signal=train_signal, label=label, bad_when=bad_when, **shared)
history = review.data
metrics_file, decisions_file = review.write(nb.repo_path(output_dir))
print(f"verdict: {review.verdict}; {review.rows:,} decision records")

# %% tags=[]
review.banner()

# %% [markdown] tags=[]
# ## What changed since the champion
#
# Every change from the live policy in words, then how the same cases would be
# decided by each (rows: the champion; columns: this policy), which rules made
# the flips, and what the change does to the headline numbers, with paired
# bootstrap intervals (both policies on the same resampled cases).

# %% tags=[]
if review.champion is None:
    display(HTML("<p>No champion was given: this review stands alone.</p>"))
else:
    with pd.option_context("display.max_colwidth", None):  # whole sentences
        display(review.change_words())
    display(review.moves())
    display(review.flip_causes())
    display(review.change_impact())

# %% [markdown] tags=[]
# ## Value, risk and workload
#
# The headline numbers with 95% bootstrap intervals (and the champion's, when
# given). A number the data cannot support is shown as n/a with the reason.

# %% tags=[]
review.headline()

# %% tags=[]
plot_replay(review.replay, segments=False)  # segments have their own section
plt.show()

# %% [markdown] tags=[]
# ## Checks
#
# The policy's own acceptance criteria. A check whose metric cannot be
# computed fails.

# %% tags=["nbval-check-output"]
print(review.checks().to_string(index=False))

# %% [markdown] tags=[]
# ## Rules and guardrails at work
#
# Which rule decided how many cases, and every decision a guardrail or the
# kill switch changed (a guardrail that never acted is listed with 0).

# %% tags=[]
display(review.rule_activity())
activity = review.guardrail_activity()
if activity.empty:
    display(HTML("<p>The policy declares no guardrails.</p>"))
else:
    display(activity)

# %% [markdown] tags=[]
# ## Segments
#
# Every segment of the policy's segment columns. Favourable rates are drawn
# against the overall rate; a segment approved at under four-fifths of the
# best one deserves a question.

# %% tags=[]
display(review.segments())
for column in [c for c in rules.segments if c in history.columns]:
    plot_segment_rates(review.replay, column)
    plt.show()

# %% [markdown] tags=[]
# ## Drift over time
#
# Whether the applicants (data), the model's score (signal), the decisions
# (action, rule and guardrail mix) or the segment mix (context) moved away from
# the reference, window by window. Dashed lines are the warn and act levels.

# %% tags=[]
if review.drift is None:
    display(HTML("<p>Not assessed: the policy names no time column in this data.</p>"))
else:
    display(review.drift_summary())
    review.drift.plot(top=3)
    plt.show()

# %% [markdown] tags=[]
# ## Trust and the autonomy gate
#
# How far people agree with the policy's automated decisions, and whether the
# evidence lets the policy take the next mode on the ladder advisory → shadow →
# supervised → autonomous.

# %% tags=[]
if review.gate is None:
    display(HTML("<p>Not assessed: the policy names no time column in this data.</p>"))
else:
    display(review.trust_summary())
    display(review.gate)

# %% [markdown] tags=[]
# ## Example decisions, explained
#
# Cases of different kinds: the rule that decided, the signal against its
# threshold and, where this review trained the signal, the reasons in plain
# words.

# %% tags=[]
if review.codes is None:
    show = ["rule", "action", "reason"]
    display(review.records.loc[review.cases, show])
else:
    for case in review.cases:
        display(explain_case(rules, review.data, review.records, review.codes, case))

# %% [markdown] tags=[]
# ## Limitations
#
# What these numbers cannot tell, stated so that nobody has to discover it.

# %% tags=[]
review.limitations_html()
