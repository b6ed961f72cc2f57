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
# # 08 · Fair decisions: who the policy favours, and what a fairer pair of lines would cost
#
# **What this answers.** *Do this policy's decisions and errors fall evenly on
# the groups of people it protects, and is there a less discriminatory
# alternative that gives up little value?* The notebook reads the policy's
# `fairness` section (the protected attributes, their reference groups, the
# smallest group judged and the adverse ratio), then:
#
# 1. **Disparity**: every group's favourable rate, error rates, deferrals and
#    escalations beside its reference group's, as ratios and differences with
#    seeded bootstrap intervals; small groups marked, adverse ratios said in
#    words.
# 2. **Proxies**: features that tell a protected group apart from the rest on
#    their own, so a model reading them could stand in for the attribute.
# 3. **The search for a less discriminatory alternative**: every pair of the
#    policy's two lines — the same lines for everyone, never a line per group
#    — judged on total value and on the worst favourable-rate ratio; the
#    frontier, the choice within each tolerance of the best value, the choice
#    written as a new policy version with its diff, and a replay of it.
#
# All logic lives in `trustlab.fairness`, `trustlab.signals.proxy_warnings`
# and `trustlab.simulate.lda_search`, tested in `tests/fairness/`,
# `tests/signals/` and `tests/simulate/`; every number here is the package's.
#
# **How to use it.** Point `dataset` and `policy` at your history and a
# policy with a `fairness` section (or name the column to compare in `by`;
# `label`, `bad_when` and `time` when your columns are named otherwise than
# the policy says) and run all cells. `cross` crosses two attributes
# (`"age_band, sex"`); `approve_rule` and `decline_rule` name the two lines
# the search moves; `tolerances` are the shares of the best value a choice may
# give up. A section that needs what your data lacks says so and is skipped.

# %% tags=["parameters"]
dataset: str = "datasets/retention_history.csv"  # shipped data set (synthetic, lending_club, german_credit) or a CSV/Parquet path
policy: str = "policies/retention-offer.yaml"  # the policy whose decisions are compared between groups
label: str = ""  # the outcome column (empty: the policy's outcomes.label)
bad_when: str = ""  # the outcome value meaning bad, or a JSON list of values (empty: the policy's outcomes.bad_when)
time: str = ""  # the column of decision times (empty: the policy's columns.time)
by: str = ""  # the protected column compared (empty: the policy's fairness.protected; the search takes the first)
cross: str = ""  # two attributes crossed as one more attribute, "a, b" (empty: none)
approve_rule: str = ""  # the rule whose threshold sets the favourable line (empty: the first threshold rule with a favourable action)
decline_rule: str = ""  # the rule whose threshold sets the other line (empty: the first with an automated unfavourable action, else the first other threshold rule)
tolerances: str = "0.01, 0.02, 0.05"  # shares of the best total value a less discriminatory choice may give up
bootstrap: int = 1000  # bootstrap replicates for the disparity intervals (0 for none)
exclude: str = ""  # further columns never used when a missing signal is scored out of fold
seed: int = 0  # seeds the bootstrap, the proxy folds, the simulated reviewer and a scored signal

# %% tags=["nbval-check-output"]
import dataclasses

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from trustlab import notebook as nb
from trustlab.fairness import disparity
from trustlab.policy import columns_of
from trustlab.signals import non_feature_columns, proxy_warnings
from trustlab.simulate import replay

nb.notebook_parameters(globals(), "08_fairness")
h = nb.read_history(dataset, policy, label=label, bad_when=bad_when, time=time,
                    exclude=nb.split_list(exclude), seed=seed)
rules, data = h.policy, h.data
fairness = rules.fairness
protected = [by] if by else list(fairness.protected if fairness else ())
crossed = tuple(nb.split_list(cross) or ()) or None
print(h.describe())

# %% [markdown] tags=[]
# ## Who is protected, and why the kit never uses them
#
# The policy's `fairness` section names the protected attributes. They are
# **measured, never used**: no rule may read one, a signal the kit trains
# (out of fold, when the data lacks the policy's signal) never takes one as a
# feature, and no reason cites one. They are in the data for one purpose: to
# compare how the decisions fall on each group.

# %% tags=["nbval-check-output"]
if fairness is None:
    print(f"Policy '{rules.name}' has no `fairness` section"
          + (f"; comparing column '{by}' as given" if by else ""))
else:
    print(f"Protected: {', '.join(fairness.protected)}; reference groups: "
          + (", ".join(f"{c} {g}" for c, g in fairness.reference) or "none (the group of the "
             "highest favourable rate)")
          + f"; groups under {fairness.min_group} rows are reported, not judged; a "
            f"favourable-rate ratio under {fairness.adverse_ratio:g} is adverse")
never = dict(non_feature_columns(rules))
for column in protected:
    readers = [r.id for r in rules.rules if r.when is not None and column in columns_of(r.when)]
    print(f"- {column}: {never.get(column, 'not declared protected (given as `by`)')}; "
          f"rules reading it: {', '.join(readers) or 'none'}")
scored = [n for n in h.notes if "scored out of fold" in n]
print("A signal was scored here and read none of these columns: " + "; ".join(scored)
      if scored else "Every signal the policy reads is in the data; none was trained here.")
measured = bool(protected) or crossed is not None
if not measured:
    nb.say(f"Policy '{rules.name}' declares no protected attributes, so the comparisons below "
           f"are skipped; add a `fairness:` section to the policy or name the column in `by` "
           f"to run them.")

# %% [markdown] tags=[]
# ## Disparity, with intervals
#
# Each group beside its reference group: the favourable rate (and its ratio
# and difference), bad outcomes among the favourable decisions, the two
# error rates given the outcome (good cases not given the call right for
# them, bad cases given the call right for good ones), deferrals to a person
# and escalations. The intervals come from a seeded bootstrap over the
# decisions (rows treated as independent). A **small group** — fewer rows than
# `min_group` — is shown and marked, never judged: its rates move a lot from
# one sample to the next. A group whose favourable-rate ratio is under the
# adverse ratio is named in the warnings, with its interval: an interval that
# also lies under the line is a disparity the data supports; one that
# straddles it says the history cannot tell.

# %% tags=[]
if measured:
    d = disparity(rules, data, by=protected or None, cross=crossed, bootstrap=bootstrap,
                  seed=seed)
    display(d)

# %% tags=[]
if measured:
    d.plot()
    plt.show()

# %% tags=["nbval-check-output"]
if measured:
    print(d.method)
    small = d.frame[d.frame["small"]]
    print(f"{len(small)} small group(s)"
          + (": " + ", ".join(f"{r.attribute} {r.group} ({r.rows:,} rows)"
                              for r in small.itertuples()) if len(small) else ""))
    print("\n".join(d.warnings) if d.warnings else "No warnings: no group's favourable-rate ratio "
          "is under the adverse ratio.")

# %% [markdown] tags=[]
# ## Proxies: features that stand in for a protected attribute
#
# Leaving a protected attribute out of the model is not enough when another
# feature carries the same information (tenure for an age band, a postcode
# for an ethnic group). Each candidate feature is measured alone on how well
# it tells one group of the attribute from the rest: the out-of-fold AUC of a
# one-feature model (0.5: no better than chance). A feature at or above the
# threshold is named in a warning. It is a warning, not a refusal: whether a
# strong predictor is a fair feature is the policy owner's judgement.

# %% tags=["nbval-check-output"]
if measured:
    proxies = proxy_warnings(data, rules, exclude=nb.split_list(exclude) or (), seed=seed)
    print(proxies.frame.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("\n".join(proxies.warnings) if proxies.warnings else
          f"No warnings: no feature predicts a protected group with out-of-fold AUC "
          f"{proxies.threshold:.2f} or more.")

# %% [markdown] tags=[]
# ## The search for a less discriminatory alternative
#
# Two of the policy's rules draw its lines: one gives the favourable action
# (an approval, a retention offer), the other sends cases elsewhere (a
# decline, a call from a desk). The search looks at every pair of thresholds
# the band grid explores — **one pair for everyone**, never a line per group,
# which would be disparate treatment — and keeps, for each tolerance, the
# pair whose total value is within that share of the best pair's and whose
# worst favourable-rate ratio (the smallest group's rate over the reference
# group's) is the largest. Every pair's numbers are exact on this history:
# the same sums a replay adds up.
#
# **Rate limits.** The band grid applies a rate limit exactly only while the
# earlier of the two rules alone changes what it caps. A limit on an action
# the moved (later) rule decides — the retention policy's `daily-offer-budget`
# caps offers, which its offer line moves — cannot be applied cell by cell,
# and the search refuses it. The search below then runs on the policy
# **without that guardrail** (`trustlab.simulate.without_guardrail`), and says
# so; the alternative written from it **keeps the budget**: only the two
# thresholds move in the policy as it is, and a replay of that written policy
# shows what the budget changes.
#
# **Unlabelled cases.** With `outcomes.unlabelled: exclude`, a case whose
# outcome was never observed carries no value in any pair: the value axis
# counts the labelled cases alone, while the favourable rates count every
# case. Where outcomes are missing because of past decisions (a credit
# history observes only the approved), a pair that newly favours unobserved
# cases looks free on value; notebook 02's cautious sweep and swap analysis
# say how much that can hide.

# %% tags=["nbval-check-output"]
searched = measured and h.needs("outcomes", section="the search for a less discriminatory "
                                                    "alternative")
if searched:
    found = nb.search_alternatives(rules, data, approve_rule=approve_rule,
                                   decline_rule=decline_rule,
                                   by=protected[0] if protected else None,
                                   tolerances=[float(t) for t in nb.split_list(tolerances)],
                                   seed=seed)
    searched = found.search is not None
    nb.say(found.note if searched else f"The search is skipped: {found.note}.")
if searched:
    search, approve_rule, decline_rule = found.search, found.approve_rule, found.decline_rule
    unlabelled = int((~h.observed).sum())
    print(f"Lines moved: rule '{approve_rule}' (favourable) and rule '{decline_rule}'; groups "
          f"of '{search.by}'. Unlabelled cases: {unlabelled:,} of {len(data):,}, valued as "
          f"'{rules.outcomes.unlabelled}'.")
    print(search.method)

# %% [markdown] tags=[]
# Each faint dot is one pair of lines; the line joins the pairs no other pair
# beats on both value and worst ratio (the frontier), the circle is the
# policy as written and each mark the choice within a tolerance. The dotted
# line is the adverse ratio.

# %% tags=[]
if searched:
    search.plot()
    plt.show()

# %% tags=[]
if searched:
    display(search)

# %% tags=["nbval-check-output"]
if searched:
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(search.summary())

# %% [markdown] tags=[]
# ### The middle tolerance, written as a new version
#
# The choice within the middle tolerance is written as the next version of
# the policy (`policy_for`): the two rules' thresholds move, nothing else,
# and nothing differs by group. `diff_for` says the change in words, as a
# change review reads it.

# %% tags=["nbval-check-output"]
if searched:
    middle = search.tolerances[len(search.tolerances) // 2]
    chosen = search.choice(middle)
    # the same lines written on the policy as it is: its rate limits kept
    kept = dataclasses.replace(search, policy=rules)
    written = kept.policy_for(middle)
    print(f"Within {middle:.0%} of the best value: rule '{approve_rule}' at "
          f"{chosen['approve_threshold']:.4g}, rule '{decline_rule}' at "
          f"{chosen['decline_threshold']:.4g}; worst ratio {chosen['worst_ratio']:.3f} "
          f"({chosen['worst_group']}), {chosen['ratio_gain']:+.3f} on the current lines, "
          f"for {chosen['value_given_up']:,.0f} of value given up against the best pair")
    if chosen["ratio_gain"] < 0:
        print(f"This choice is less even than the current lines: they make "
              f"{search.current['value_total']:,.0f}, more than {middle:.0%} under the best "
              f"pair, so no pair near them is a candidate; a larger tolerance keeps them in view")
    print(f"Written: {written.identity}; rate limits kept: "
          f"{', '.join(g.id for g in written.guardrails if g.kind == 'rate_limit') or 'none'}")
    with pd.option_context("display.max_colwidth", 200, "display.width", 200):
        print(kept.diff_for(middle).to_string(index=False))

# %% [markdown] tags=[]
# ### Replayed: the chosen pair's numbers are the frontier's
#
# A full replay of the searched policy with the chosen lines gives exactly
# the numbers the search reported for that pair. Where a rate limit was left
# out of the search, two more columns replay the written version and the
# policy as it is, both with their rate limits: the first difference is what
# the limit does to the chosen lines, the second what the change would do in
# production. A limit that binds harder on the wider favourable line can take
# back the value and the evenness the search found: then the limit itself is
# part of the question for the policy owner.

# %% tags=["nbval-check-output"]
if searched:
    segments = tuple(dict.fromkeys((*rules.segments, search.by)))
    same = search.policy_for(middle)  # the searched policy with the chosen lines
    runs = {"search": None, "replay": replay(same, data, seed=seed, segments=segments)}
    if found.set_aside:  # the written version, and the policy as it is, both with their rate limits
        runs["written, limits kept"] = replay(written, data, seed=seed, segments=segments)
        runs["as it is, limits kept"] = replay(rules, data, seed=seed, segments=segments)
    shown = ["value_total", "value_per_decision", "automation_rate", "favourable_rate",
             "bad_rate_favourable", "peak_reviews_per_window"]
    table = pd.DataFrame({"search": [chosen[m] for m in shown] + [
        chosen[c] for c in search.group_columns]},
        index=shown + search.group_columns)
    for name, r in runs.items():
        if r is not None:
            by_group = r.metric("favourable_rate", by=search.by)
            table[name] = [r.metric(m) for m in shown] + [
                by_group.get(g, float("nan")) for g in search.groups["group"]]
    print(table.to_string(float_format=lambda v: f"{v:,.4f}"))
    equal = ((table["search"] - table["replay"]).abs()
             <= 1e-9 * table["search"].abs().clip(lower=1)) | table["search"].isna()
    print(f"\nreplay equals the search on every number: {bool(equal.all())}")

# %% [markdown] tags=[]
# ## What this cannot tell
#
# * **Only the recorded attributes.** Groups the data does not record (or
#   records wrongly) are invisible here; a proxy check measures one feature
#   at a time, not what several carry together.
# * **Observed outcomes only.** The error rates and the value count the
#   cases whose outcome history shows; where past decisions chose whose
#   outcome is seen, the groups' error rates inherit that choice.
# * **History, not the future.** Every number is what this history would
#   have given; groups' mixes and behaviour move, and a chosen pair needs
#   the shadow run, rollout and monitoring of notebooks 04 and 05.
# * **Rows treated as independent.** The intervals assume it; cases that
#   share a customer or a day are not.
# * **One notion of fairness.** The search balances favourable rates (the
#   four-fifths view of adverse impact); equal error rates and calibration
#   by group are shown above but not searched for, and they cannot all hold
#   at once when groups' bad rates differ. Which one matters, and whether a
#   disparity is justified by a legitimate need, is a judgement for the
#   policy owner and counsel, not for this notebook.
# * **Only these two lines.** Other rules, signals and guardrails are kept as
#   written; a less discriminatory alternative may need a different model.
