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

# %% [markdown] tags=["notebook-only"]
# # Policy review
#
# **What this answers.** What this policy would have done on this history,
# whether it meets its own checks, how well its signals rank and calibrate
# against observed outcomes, and what the numbers cannot say. Produced by
# `trustlab review` (papermill); every number is computed by
# `trustlab.review.assess`, tested in `tests/review/`.
#
# **How to use it.** Run `trustlab review POLICY DATA` rather than opening
# this notebook: the command checks the inputs first, runs it with papermill
# and writes the report, metrics, decision records and manifest. This cell is
# tagged `notebook-only`: `report.html` leaves it out and opens instead with a
# header (policy, hash, owner, mode, date, data period, input hashes) and
# closes with a sign-off block.

# %% tags=["parameters"]
policy: str = "policies/lending-club-risk.yaml"  # the policy under review
data: str = "datasets/lending_club.csv"  # the history: CSV, Parquet, or a folder of Parquet files
champion: str = "policies/lending-club-intake.yaml"  # the live policy to compare with (empty for none)
output_dir: str = ""  # where metrics.json and decisions.parquet go (empty: a new temporary folder)
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
model_card: str = ""  # the model card (JSON written by ModelCard.save) of the supplied signal the policy reads first: a card listing a protected attribute is warned about (empty: none)

# %% tags=["nbval-check-output"]
from pathlib import Path

from IPython.display import HTML, display

import trustlab
from trustlab import notebook as nb
from trustlab.explain import explain_case, load_glossary
from trustlab.review import assess, report_table

nb.notebook_parameters(globals(), "review")
rules = trustlab.load_policy(nb.repo_path(policy))
out = nb.output_folder(output_dir, "review")
shared = dict(data_name=Path(data).name, seed=seed, bootstrap=bootstrap, cases=cases,
              champion=trustlab.load_policy(nb.repo_path(champion)) if champion else None,
              glossary=load_glossary(nb.repo_path(glossary)) if glossary else None)
if dask_scheduler:  # the whole history in parts on the cluster, the most recent rows here
    history = nb.repo_path(data)
    where = dict(client=dask_scheduler, out=out, recent_rows=recent_rows)
else:
    history = nb.load_dataset(data, rules, shared["champion"])
    cards = {rules.signals[0].name: trustlab.ModelCard.load(nb.repo_path(model_card))} \
        if model_card else {}
    where = dict(exclude=tuple(nb.split_list(exclude) or ()), train_signal=train_signal,
                 model_cards=cards)
review = assess(rules, history, label=label, bad_when=bad_when, **where, **shared)
metrics_file, decisions_file = review.write(out)

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
    display(report_table(review.change_words()),
            report_table(review.moves(), caption="Decisions: champion (rows) against this "
                                                 "policy (columns)"),
            report_table(review.flip_causes(), caption="The rules behind the changed decisions"),
            report_table(review.change_impact()))

# %% [markdown] tags=[]
# ## Value, risk and workload
#
# The headline numbers with 95% bootstrap intervals (and the champion's, when
# given), money in the policy's currency where `outcomes.currency` names
# one. A number the data cannot support is shown as n/a with the reason.

# %% tags=[]
display(report_table(review.headline(), currency=review.currency), review.replay_figure())

# %% [markdown] tags=[]
# ## Checks
#
# The policy's own acceptance criteria: each check as written, its value on
# this history, the bound and the result in words. A check whose metric
# cannot be computed fails, and the note says why.

# %% tags=[]
review.checks_table()

# %% [markdown] tags=[]
# ## Model evidence
#
# Whether each signal the policy reads — trained in this review out of fold,
# or supplied with the data — means what the rules assume, judged on the
# cases whose outcome was observed (cases without one, often those declined,
# cannot be judged). **Calibration** (probabilities only): the cases in groups
# of about equal size, ordered by prediction; each point is a group's mean
# prediction against its observed rate, with the group's size and the 95%
# Wilson interval of the rate; on the dashed diagonal predictions are right.
# **Discrimination**: the ROC curve and its AUC — the chance that a case with
# the bad outcome is ranked on the risky side of one with the good outcome —
# with a 95% interval by DeLong's method. **Distributions**: the score's
# spread for good and bad outcomes; the less they overlap, the better the
# signal separates them.

# %% tags=[]
display(*review.evidence_section())

# %% [markdown] tags=[]
# ## Rules and guardrails at work
#
# Which rule decided how many cases, and every decision a guardrail or the
# kill switch changed (a guardrail that never acted is listed with 0).

# %% tags=[]
display(report_table(review.rule_activity()))
if not review.policy.guardrails:
    display(HTML("<p>The policy declares no guardrails.</p>"))
else:
    display(report_table(review.guardrail_activity()))

# %% [markdown] tags=[]
# ## Segments
#
# Every segment of the policy's segment columns. In each figure the dashed
# line is the favourable rate over all decisions and the dotted line is
# four-fifths of the highest segment's rate (among segments with at least 30
# decisions); a segment under the dotted line — `BELOW` in the table's
# four-fifths test — deserves a question.

# %% tags=[]
display(review.segments_table(), *review.segment_figures())

# %% [markdown] tags=[]
# ## Fairness
#
# When the policy declares protected attributes (`fairness`): how decisions
# and errors differ between their groups — the favourable rate, the bad rate
# among favourable decisions, good cases not given the call right for them,
# bad cases given the call right for good ones, deferrals and escalations —
# each against the reference group as a ratio and a difference with a 95%
# bootstrap interval, small groups marked. Then the search for a less
# discriminatory alternative: every pair of thresholds of the policy's two
# threshold rules, one set of rules for everyone, its value against the worst
# favourable-rate ratio; the frontier, the current policy, and for each value
# tolerance the alternative with the best worst ratio.

# %% tags=[]
display(*review.fairness_section())

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
    display(report_table(review.drift_summary()), review.drift_figure())

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
    display(report_table(review.trust_summary()), review.gate_table())

# %% [markdown] tags=[]
# ## Example decisions, explained
#
# Cases of different kinds: the rule that decided, the signal against its
# threshold and, where this review trained the signal, the reasons in plain
# words.

# %% tags=[]
if review.codes is None:
    display(review.case_table())
else:
    for case in review.cases:
        display(explain_case(rules, review.data, review.records, review.codes, case))

# %% [markdown] tags=[]
# ## Limitations
#
# What these numbers cannot tell, stated so that nobody has to discover it.

# %% tags=[]
review.limitations_html()
