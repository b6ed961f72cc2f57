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
# # 01 · Signals: honest scores on history, reasons in business language
#
# **What this answers.** Can a policy act on this score? A policy consumes
# **signals**: probabilities or scores that a model emits. Before a policy may
# act on a signal, three questions need answers:
#
# 1. **Is the score honest?** Every row here is scored by a model that never saw
#    its outcome (out-of-fold), and with a time column no model ever trains on
#    the future.
# 2. **Does the probability mean what it says?** A decline line at 20% must mean
#    20% risk. The reliability table and plot show it; `calibration="isotonic"`
#    repairs it when it does not.
# 3. **Can every decision be explained?** Each decision carries the rule that
#    made it; SHAP reason codes say, in plain words, why this case fell short of
#    (or cleared) the cases just across the threshold.
#
# Run it as it is, change the parameters below, or let papermill inject them
# (`trustlab review` does). All logic lives in `trustlab.signals` and
# `trustlab.explain`, tested in `tests/`.
#
# **How to use it.** Set `dataset` and `policy` in the parameters cell (or
# pass them with papermill's `-p`; `label`, `bad_when` and `time` when your
# columns are named otherwise than the policy says); run all cells. The model
# card and the model file are written into `output_dir` (by default a new
# temporary folder, named in the output).

# %% tags=["parameters"]
dataset: str = "lending_club"  # shipped data set (lending_club, german_credit, synthetic) or a CSV/Parquet path
policy: str = "policies/lending-club-risk.yaml"  # the policy that decides on the signal
label: str = ""  # the outcome column, missing where the outcome is not observed (empty: the policy's outcomes.label)
bad_when: str = ""  # the outcome value meaning bad (True/False for boolean labels), or a JSON list of values (empty: the policy's outcomes.bad_when)
features: str = ""  # comma-separated feature columns, empty for an automatic choice
exclude: str = "addr_state"  # comma-separated columns the model must never read (prohibited bases)
time: str = ""  # the column of decision times, for time-ordered folds (empty: the policy's columns.time, else stratified folds)
estimator: str = "hgb"  # hgb (gradient boosting) or logistic
calibration: str = ""  # empty, isotonic or sigmoid
n_splits: int = 5  # folds
seed: int = 0  # shuffles the stratified folds
signal: str = ""  # the signal the model makes (empty: the policy's first signal)
glossary: str = "glossaries/lending-club.yaml"  # plain phrases, reason families, prohibited bases (empty: feature names)
segment: str = ""  # column for the observed-outcome share (empty: the policy's first segment)
cases: int = 5  # how many decided cases to explain
output_dir: str = ""  # where the model card and model file go (empty: a new temporary folder)

# %% tags=["nbval-check-output"]
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from trustlab import notebook as nb
from trustlab.explain import ReasonExplainer, explain_case, global_view, load_glossary, pick_cases
from trustlab.signals import (non_feature_columns, observed_outcome_share, save_model,
                              score_out_of_fold, select_features)

nb.notebook_parameters(globals(), "01_signals", choices={
    "estimator": nb.ESTIMATORS, "calibration": ("", "isotonic", "sigmoid")})
h = nb.read_history(dataset, policy, label=label, bad_when=bad_when, time=time, train=False)
h.require("outcomes", section="training a signal")
rules, data, outcome = h.policy, h.data, h.policy.outcomes.label
bad_value = rules.outcomes.bad_when
signal = signal or rules.signals[0].name
print(h.describe())
print(f"The model learns '{outcome}' (bad outcome {bad_value!r}) and makes signal '{signal}'")

# %% [markdown] tags=[]
# ## Which columns the model reads
#
# Unless `features` names them, the model reads every column except the label,
# the time, identifiers, copies of the label, ground-truth columns, other
# models' probabilities, columns constant where outcomes are known, the
# columns the policy marks as never a feature (its row key, recorded human
# decisions, signals and protected attributes) — and the columns in
# `exclude`, which the policy owner has ruled out as bases for a decision
# (here the borrower's state, which can stand in for protected
# characteristics). A column that records what happened after the decision
# (a chargeback, a collection status) is not known when deciding: name it in
# `exclude`, or an out-of-fold AUC near 1 will say it leaked.

# %% tags=["nbval-check-output"]
chosen = nb.split_list(features)
if chosen is None:
    never = {**dict(non_feature_columns(rules)),
             **dict.fromkeys(nb.split_list(exclude) or [], "excluded by the policy owner")}
    chosen, left_out = select_features(data, outcome, time=h.time, bad_when=bad_value,
                                       name=signal, exclude=never)
    print(pd.DataFrame(left_out, columns=["column left out", "why"]).to_string(index=False))
print(f"{len(chosen)} features: {', '.join(chosen)}")

# %% [markdown] tags=[]
# ## Out-of-fold scores and the model card
#
# `score_out_of_fold` trains one model per fold and scores each row with the
# model of the fold it was held out of; then it refits on every row with an
# outcome. The card records the model id (a hash of the estimator's
# parameters, the features and the training data), the rows and period, and
# the out-of-fold AUC, Brier score and calibration.

# %% tags=[]
result = score_out_of_fold(
    data, outcome, chosen, time=h.time, n_splits=n_splits, seed=seed, bad_when=bad_value,
    estimator=nb.make_estimator(estimator), calibration=calibration or None, name=signal,
)
result

# %% [markdown] tags=[]
# ## Does the probability mean what it says?
#
# Each point is a bin of cases with similar predicted risk: its predicted risk
# against the default rate actually observed, with a 95% Wilson interval. On
# the diagonal, a threshold of 0.20 means 20% risk. The histogram below shows
# where the scores lie.

# %% tags=["nbval-check-output"]
print(f"Out-of-fold AUC {result.card.oof_auc:.3f}, Brier score {result.card.oof_brier:.4f}")
print(f"Verdict: {result.calibration_verdict}")

# %% tags=[]
display(result.calibration_table().round(4))
result.plot();

# %% [markdown] tags=[]
# ## Selection bias, stated
#
# A credit model learns only from cases whose outcome was observed. Where
# outcomes exist only for approved loans, the model's scores for the others
# are extrapolations, and segments approved less often are learned from less.

# %% tags=[]
print(result.card.selection_note)
by = segment or next((c for c in rules.segments if c in data.columns), "")
if by:
    display(observed_outcome_share(data, outcome, by, bad_when=bad_value))
else:
    nb.say("The policy declares no segment column this data has, so the observed-outcome share "
           "by segment is skipped; give `segment` to run it.")

# %% [markdown] tags=[]
# ## Decisions: the policy acts on the signal
#
# The policy reads the out-of-fold scores as if they had been made live.
# Every decision carries the rule that made it and a reason in plain words.

# %% tags=[]
scored = data.assign(**{signal: result.scores})
records = rules.apply(scored)
display(rules)
records.groupby(["action", "rule"], observed=True).size().rename("decisions").to_frame()

# %% [markdown] tags=[]
# ## Five decided cases, explained
#
# Reason codes are SHAP contributions on the log-odds scale, measured against
# the cases just across the deciding threshold: for an adverse decision, the
# cases that only just passed; for a favourable one, those that only just
# missed. At most four reasons are given, related features count as one
# reason family, prohibited bases are never given, and only features that
# push towards the decision taken are its reasons. A decision the signal did
# not make — no score, or a rule that does not read it, such as heavy
# utilisation — gets no model reasons: its reason is the rule's own.

# %% tags=[]
phrases = load_glossary(nb.repo_path(glossary)) if glossary else None
explainer = ReasonExplainer(result.model, phrases)
codes = explainer.reason_codes(scored, records, rules, signal=signal)
print(codes.method)
for label_ in pick_cases(records, cases, signal=scored[signal],
                         threshold=codes.threshold.value, seed=seed):
    display(explain_case(rules, scored, records, codes, label_))

# %% [markdown] tags=[]
# The same reasons, in bulk: the decision records gain one column per reason
# rank, ready to join a review queue or a customer letter.

# %% tags=[]
codes.add_to(records).head(8)

# %% [markdown] tags=[]
# ## What drives the signal, and what drives the decisions
#
# Left: the mean absolute contribution of each reason family to the signal.
# Right: the share of decisions each rule made.

# %% tags=[]
view = global_view(codes, records)
view.plot();
view

# %% [markdown] tags=[]
# ## Save the model card and the model
#
# The card is JSON; the model is stored with skops, never pickle, and loading
# it refuses any type nobody trusted.

# %% tags=[]
out = nb.output_folder(output_dir, "signals")
card_path = result.card.save(out / f"{signal}-card.json")
model_path = save_model(result.model, out / f"{signal}.skops")
print(f"Saved in {out}/: {card_path.name} (the card), {model_path.name} "
      f"(model {result.card.model_id})")
result.card.summary()
