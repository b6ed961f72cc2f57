"""Benchmark the bulk engine against hand-written numpy, row-wise pandas and the online path.

Run::

    .venv/bin/python benchmarks/engine.py [--rows 1000000] [--seed 0] [--profile]

One run measures, side by side, on one seeded synthetic frame:

* ``policy.apply(df)`` (best of 3 after one warm-up);
* a hand-written numpy version of the same 10-rule policy (masks, ``np.select``,
  a vectorised rate limit and rendered reasons), asserted to give exactly the
  same ``action``, ``rule``, ``guardrail`` and ``reason`` per row;
* ``df.apply(fn, axis=1)`` with a plain per-row function (rate limit included,
  rows fed in time order), timed on the first 100k rows by time and scaled to
  the full row count, also asserted equal to the engine on those rows;
* ``policy.decide(record, state)`` per record on 20,000 records in time order,
  asserted equal to ``policy.apply`` on the same 20,000 rows.

It prints a table with targets and PASS/FAIL. The exit code is 0 whatever the
timings (this is a report) and non-zero only if any two paths disagree.
"""

from __future__ import annotations

import argparse
import re
import gc
import os
import platform
import sys
import time
from decimal import Decimal

import numpy as np
import pandas as pd

import trustlab
from trustlab import GuardrailState
from _timing import best_of  # noqa: E402  (beside this file)

# --------------------------------------------------------------------------- the policy

RATE_MAX = 400  # declines per UTC day; the rules decline ~12% of rows (~100-510 a day at 1M rows)

POLICY_YAML = """\
trustlab: 1
name: bench-consumer-credit
version: "1.0"
owner: Head of Consumer Credit Risk <credit-risk@example.com>
description: Ten credit rules with a daily decline cap, for benchmarking.
mode: supervised

columns:
  id: application_id
  time: decision_time

signals:
  - name: p_default
    kind: probability
    model: credit-gbm@2026-10
    higher_means: risk

actions:
  approve: {automated: true, favourable: true}
  decline: {automated: true, reversible: false}
  review:  {automated: false, queue: underwriting}

rules:
  - id: model-unavailable
    when: p_default is missing
    then: review
    because: "The risk model gave no score, so a person decides."
  - id: exposure-cap
    when: loan_amount > 40000
    then: review
    escalate: senior-underwriter
    because: "Loan amount {loan_amount:,.0f} is over the 40,000 cap for automated decisions."
  - id: serious-delinquency
    when: delinquencies_2y >= 3 and p_default >= 0.15
    then: decline
    because: "Predicted default risk {p_default:.1%} with {delinquencies_2y} delinquencies in the last two years."
  - id: high-risk
    when: p_default >= 0.35
    then: decline
    because: "Predicted default risk {p_default:.1%} is at or above the 35% decline line."
  - id: unaffordable
    when: debt_to_income >= 50 or (grade in ['F', 'G'] and p_default >= 0.2)
    then: decline
    because: "Debt-to-income of 50 or more, or grade F/G at 20% risk or more, is declined."
  - id: thin-file-intermediary
    when: channel in ['broker', 'partner'] and (employment_years < 1 or employment_years is missing)
    then: review
    because: "An intermediary application with under a year of employment (debt-to-income {debt_to_income:.1f}) needs a person."
  - id: small-business
    when: purpose == 'small_business' and p_default >= 0.1
    then: review
    because: "A {purpose} loan at predicted risk {p_default:.1%} needs an underwriter."
  - id: low-risk
    when: p_default < 0.08 and debt_to_income < 40 and not grade in ['E', 'F', 'G']
    then: approve
    because: "Predicted default risk {p_default:.1%} is under 8% on a {loan_amount:,.0f} loan."
  - id: steady-income
    when: p_default < 0.15 and employment_years >= 5 and delinquencies_2y == 0 and not (debt_to_income > 35 or channel == 'broker')
    then: approve
    because: "Low risk, five or more years in work, a clean record and moderate debt-to-income."
  - id: uncertain
    otherwise: true
    then: review
    because: "The case falls between the automatic lines, so a person decides."

guardrails:
  - id: decline-rate-limit
    kind: rate_limit
    action: decline
    max: 400
    per: 1D
    overflow: review

kill_switch:
  engaged: false
  then: review
  because: "Automation paused by the policy owner."
"""

# --------------------------------------------------------------------------- the data

GRADES = ["A", "B", "C", "D", "E", "F", "G"]
GRADE_P = [0.18, 0.27, 0.24, 0.15, 0.09, 0.05, 0.02]
GRADE_LOGIT = np.array([-3.4, -2.8, -2.2, -1.7, -1.25, -0.85, -0.5])
PURPOSES = ["debt_consolidation", "credit_card", "home_improvement", "car", "small_business",
            "medical", "other"]
PURPOSE_P = [0.38, 0.22, 0.12, 0.1, 0.06, 0.04, 0.08]
CHANNELS = ["online", "branch", "broker", "partner"]
CHANNEL_P = [0.45, 0.25, 0.2, 0.1]
START = np.datetime64("2025-01-01T00:00:00", "s")
DAYS = 365


def make_frame(n: int, seed: int) -> pd.DataFrame:
    """A seeded synthetic application history (rows NOT in time order)."""
    rng = np.random.default_rng(seed)
    # time: weekdays busier than weekends, a mild upward trend; business-ish hours
    day = np.arange(DAYS)
    weekday = (day + 2) % 7  # 2025-01-01 is a Wednesday (0 = Monday)
    weight = np.where(weekday < 5, 1.0, np.where(weekday == 5, 0.55, 0.35)) * (0.85 + 0.3 * day / DAYS)
    days = rng.choice(DAYS, size=n, p=weight / weight.sum())
    secs = rng.integers(6 * 3600, 22 * 3600, size=n)
    t = (START + (days * 86400 + secs).astype("timedelta64[s]")).astype("datetime64[ns]")

    g = rng.choice(len(GRADES), size=n, p=GRADE_P)
    grade_codes = g.copy()
    grade_codes[rng.random(n) < 0.005] = -1  # a few ungraded applications

    dti = np.round(np.clip(rng.gamma(4.0, 5.5, size=n), 0, 90), 2)
    delinq = rng.poisson(0.35, size=n) + (rng.random(n) < 0.03) * rng.integers(2, 6, size=n)
    logit = GRADE_LOGIT[g] + rng.normal(0, 0.6, size=n) + 0.02 * (dti - 20) + 0.25 * delinq
    p = 1.0 / (1.0 + np.exp(-logit))
    p[rng.random(n) < 0.03] = np.nan  # model gave no score
    dti[rng.random(n) < 0.01] = np.nan

    loan = np.round(rng.lognormal(9.3, 0.6, size=n) / 25) * 25
    emp = np.round(rng.exponential(6.0, size=n), 1)
    emp[rng.random(n) < 0.02] = np.nan
    channel = np.array(CHANNELS, dtype=object)[rng.choice(len(CHANNELS), size=n, p=CHANNEL_P)]
    channel[rng.random(n) < 0.005] = None

    return pd.DataFrame({
        "application_id": [f"APP-{i:07d}" for i in range(n)],
        "decision_time": t,
        "p_default": p,
        "loan_amount": loan,
        "debt_to_income": dti,
        "grade": pd.Categorical.from_codes(grade_codes, categories=GRADES),
        "purpose": pd.Categorical.from_codes(rng.choice(len(PURPOSES), size=n, p=PURPOSE_P),
                                             categories=PURPOSES),
        "employment_years": emp,
        "delinquencies_2y": delinq.astype(np.int64),
        "channel": pd.array(channel, dtype="str"),
    })


# --------------------------------------------------------------------------- hand-written numpy

RULE_IDS = np.array(["model-unavailable", "exposure-cap", "serious-delinquency", "high-risk",
                     "unaffordable", "thin-file-intermediary", "small-business", "low-risk",
                     "steady-income", "uncertain"], dtype=object)
ACTIONS = np.array(["approve", "decline", "review"], dtype=object)
APPROVE, DECLINE, REVIEW = 0, 1, 2
RULE_ACTION = np.array([REVIEW, REVIEW, DECLINE, DECLINE, DECLINE, REVIEW, REVIEW, APPROVE,
                        APPROVE, REVIEW], dtype=np.int8)
GUARD_TEXT = ("The limit of 400 'decline' decisions per 1D was reached (guardrail "
              "decline-rate-limit), so this became 'review'. The rules alone said 'decline': ")
DAY_NS = 86_400 * 10**9


def _lut(categories, members, codes) -> np.ndarray:
    """``value in members`` per row of a coded column; False where missing (code -1)."""
    table = np.append(np.isin(np.asarray(categories, dtype=object), members), False)
    return table[codes]


_HOLDS = {"<": lambda a, b: a < b, ">": lambda a, b: a > b,
          ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b}


def _on_side(v: float, spec: str, line: tuple[str, float] | None) -> str:
    """``format(v, spec)``, with more digits while the shown number, read back, would not
    satisfy the rule's comparison ``line`` (a reason never contradicts its rule)."""
    text = format(v, spec)
    if line is None:
        return text
    op, bound = line
    head, digits, kind = re.match(r"^(.*)\.(\d+)([f%])$", spec).groups()
    digits = int(digits)
    while True:
        shown = float(Decimal(text.rstrip("%").replace(",", "")) / (100 if kind == "%" else 1))
        if _HOLDS[op](shown, bound) or digits >= 17:
            return text
        digits += 1
        text = format(v, f"{head}.{digits}{kind}")


def _fmt(values: np.ndarray, spec: str, line: tuple[str, float] | None = None) -> np.ndarray:
    """Format each distinct value once, map back; missing renders as 'missing'."""
    codes, uniques = pd.factorize(values)  # NaN -> -1
    texts = np.array([_on_side(v, spec, line) for v in uniques.tolist()] + ["missing"],
                     dtype=object)
    return texts[codes]


def numpy_rules(df: pd.DataFrame):
    """First-match rule, action and guardrail per row, done by hand with numpy."""
    p = df["p_default"].to_numpy(dtype=float)
    amt = df["loan_amount"].to_numpy(dtype=float)
    dti = df["debt_to_income"].to_numpy(dtype=float)
    emp = df["employment_years"].to_numpy(dtype=float)
    dq = df["delinquencies_2y"].to_numpy()
    grade = df["grade"].array
    g_codes, g_cats = grade.codes, grade.categories
    purpose = df["purpose"].array
    ch_codes, ch_cats = pd.factorize(df["channel"])  # missing -> -1

    # comparisons with NaN are False in numpy, which is exactly "a missing value never fires";
    # the two `not`s are rewritten so they hold only where the inner test is known false
    grade_fg = _lut(g_cats, ["F", "G"], g_codes)
    grade_not_efg = _lut(g_cats, ["A", "B", "C", "D"], g_codes)  # not in [E,F,G], known grade
    is_intermediary = _lut(ch_cats, ["broker", "partner"], ch_codes)
    known_not_broker = _lut(ch_cats, [c for c in ch_cats if c != "broker"], ch_codes)
    small_business = _lut(purpose.categories, ["small_business"], purpose.codes)
    conds = [
        np.isnan(p),
        amt > 40000,
        (dq >= 3) & (p >= 0.15),
        p >= 0.35,
        (dti >= 50) | (grade_fg & (p >= 0.2)),
        is_intermediary & ((emp < 1) | np.isnan(emp)),
        small_business & (p >= 0.1),
        (p < 0.08) & (dti < 40) & grade_not_efg,
        (p < 0.15) & (emp >= 5) & (dq == 0) & (dti <= 35) & known_not_broker,
    ]
    rule = np.select(conds, np.arange(len(conds), dtype=np.int8), default=len(conds)).astype(np.int8)
    rule_action = RULE_ACTION[rule]
    action = rule_action.copy()

    # rate limit: declines in time order, rank within each UTC day, the rest become review
    ns = df["decision_time"].to_numpy().astype("datetime64[ns]").view(np.int64)
    order = np.argsort(ns, kind="stable")
    cand = order[action[order] == DECLINE]
    day = ns[cand] // DAY_NS
    starts = np.flatnonzero(np.r_[True, day[1:] != day[:-1]])
    rank = np.arange(len(day)) - np.repeat(starts, np.diff(np.r_[starts, len(day)]))
    over = cand[rank >= RATE_MAX]
    action[over] = REVIEW
    return rule, action, over


def numpy_reasons(df: pd.DataFrame, rule: np.ndarray, over: np.ndarray) -> np.ndarray:
    """The reason text of every row: constants, formatted fields, guardrail prefix."""
    reason = np.empty(len(df), dtype=object)
    consts = {
        0: "The risk model gave no score, so a person decides.",
        4: "Debt-to-income of 50 or more, or grade F/G at 20% risk or more, is declined.",
        8: "Low risk, five or more years in work, a clean record and moderate debt-to-income.",
        9: "The case falls between the automatic lines, so a person decides.",
    }
    for i, text in consts.items():
        reason[rule == i] = text
    rows = {i: np.flatnonzero(rule == i) for i in (1, 2, 3, 5, 6, 7)}
    col = {c: df[c].to_numpy() for c in ("p_default", "loan_amount", "debt_to_income",
                                        "delinquencies_2y")}
    r = rows[1]
    reason[r] = ("Loan amount " + _fmt(col["loan_amount"][r], ",.0f", (">", 40000.0))
                 + " is over the 40,000 cap for automated decisions.")
    r = rows[2]
    reason[r] = ("Predicted default risk " + _fmt(col["p_default"][r], ".1%", (">=", 0.15))
                 + " with "
                 + _fmt(col["delinquencies_2y"][r], "") + " delinquencies in the last two years.")
    r = rows[3]
    reason[r] = ("Predicted default risk " + _fmt(col["p_default"][r], ".1%", (">=", 0.35))
                 + " is at or above the 35% decline line.")
    r = rows[5]
    reason[r] = ("An intermediary application with under a year of employment (debt-to-income "
                 + _fmt(col["debt_to_income"][r], ".1f") + ") needs a person.")
    r = rows[6]
    purpose = df["purpose"].array
    purpose_txt = np.append(np.asarray(purpose.categories, dtype=object), "missing")
    reason[r] = ("A " + purpose_txt[purpose.codes[r]] + " loan at predicted risk "
                 + _fmt(col["p_default"][r], ".1%", (">=", 0.1)) + " needs an underwriter.")
    r = rows[7]
    reason[r] = ("Predicted default risk " + _fmt(col["p_default"][r], ".1%", ("<", 0.08))
                 + " is under 8% on a "
                 + _fmt(col["loan_amount"][r], ",.0f") + " loan.")
    reason[over] = GUARD_TEXT + reason[over]
    return reason


def numpy_decide(df: pd.DataFrame) -> dict[str, np.ndarray]:
    rule, action, over = numpy_rules(df)
    reason = numpy_reasons(df, rule, over)
    guard = np.full(len(df), "", dtype=object)
    guard[over] = "decline-rate-limit"
    return {"action": ACTIONS[action], "rule": RULE_IDS[rule], "guardrail": guard, "reason": reason}


# --------------------------------------------------------------------------- row-wise pandas

def rowwise_decide(df: pd.DataFrame) -> pd.DataFrame:
    """``df.apply(fn, axis=1)`` with a plain per-row function, rate limit included.

    Rows are fed in time order (a stable sort) so the per-day decline counter
    sees them as the engine does; the result is put back in the input order.
    """
    counts: dict[int, int] = {}

    def missing(v) -> bool:
        return v is None or v != v

    def fn(row):
        p = row["p_default"]
        amt = row["loan_amount"]
        dti = row["debt_to_income"]
        emp = row["employment_years"]
        dq = row["delinquencies_2y"]
        grade = row["grade"]
        purpose = row["purpose"]
        channel = row["channel"]
        p_ok, dti_ok, emp_ok = not missing(p), not missing(dti), not missing(emp)
        if not p_ok:
            rule, action = "model-unavailable", "review"
            reason = "The risk model gave no score, so a person decides."
        elif not missing(amt) and amt > 40000:
            rule, action = "exposure-cap", "review"
            reason = (f"Loan amount {_on_side(amt, ',.0f', ('>', 40000.0))} is over the "
                      "40,000 cap for automated decisions.")
        elif dq >= 3 and p >= 0.15:
            rule, action = "serious-delinquency", "decline"
            reason = (f"Predicted default risk {_on_side(p, '.1%', ('>=', 0.15))} with {dq} "
                      "delinquencies in the last two years.")
        elif p >= 0.35:
            rule, action = "high-risk", "decline"
            reason = (f"Predicted default risk {_on_side(p, '.1%', ('>=', 0.35))} is at or above "
                      "the 35% decline line.")
        elif (dti_ok and dti >= 50) or (grade in ("F", "G") and p >= 0.2):
            rule, action = "unaffordable", "decline"
            reason = "Debt-to-income of 50 or more, or grade F/G at 20% risk or more, is declined."
        elif channel in ("broker", "partner") and (not emp_ok or emp < 1):
            rule, action = "thin-file-intermediary", "review"
            dti_txt = format(dti, ".1f") if dti_ok else "missing"
            reason = (f"An intermediary application with under a year of employment "
                      f"(debt-to-income {dti_txt}) needs a person.")
        elif purpose == "small_business" and p >= 0.1:
            rule, action = "small-business", "review"
            reason = (f"A {purpose} loan at predicted risk {_on_side(p, '.1%', ('>=', 0.1))} "
                      "needs an underwriter.")
        elif p < 0.08 and dti_ok and dti < 40 and not missing(grade) and grade not in ("E", "F", "G"):
            rule, action = "low-risk", "approve"
            reason = (f"Predicted default risk {_on_side(p, '.1%', ('<', 0.08))} is under 8% on "
                      f"a {amt:,.0f} loan.")
        elif (p < 0.15 and emp_ok and emp >= 5 and dq == 0 and dti_ok and dti <= 35
              and not missing(channel) and channel != "broker"):
            rule, action = "steady-income", "approve"
            reason = "Low risk, five or more years in work, a clean record and moderate debt-to-income."
        else:
            rule, action = "uncertain", "review"
            reason = "The case falls between the automatic lines, so a person decides."
        guard = ""
        if action == "decline":
            day = row["decision_time"].value // DAY_NS
            seen = counts.get(day, 0)
            if seen >= RATE_MAX:
                action, guard = "review", "decline-rate-limit"
                reason = GUARD_TEXT + reason
            else:
                counts[day] = seen + 1
        return action, rule, guard, reason

    ordered = df.iloc[np.argsort(df["decision_time"].to_numpy(), kind="stable")]
    out = ordered.apply(fn, axis=1)
    res = pd.DataFrame(out.tolist(), index=ordered.index,
                       columns=["action", "rule", "guardrail", "reason"])
    return res.loc[df.index]


# --------------------------------------------------------------------------- helpers

def engine_columns(rec: pd.DataFrame) -> dict[str, np.ndarray]:
    """The four compared columns of engine records as object arrays ('' = no guardrail)."""
    out = {}
    for c in ("action", "rule", "guardrail", "reason"):
        s = rec[c].astype(object)
        out[c] = s.where(s.notna(), "").to_numpy(dtype=object)
    return out


def diff_report(name: str, ref: dict[str, np.ndarray], got: dict[str, np.ndarray]) -> list[str]:
    bad = []
    for c in ("action", "rule", "guardrail", "reason"):
        a, b = np.asarray(ref[c], dtype=object), np.asarray(got[c], dtype=object)
        if a.shape != b.shape:
            bad.append(f"{name}: column {c}: shapes {a.shape} vs {b.shape}")
            continue
        neq = np.flatnonzero(a.astype(str) != b.astype(str))
        if len(neq):
            i = neq[0]
            bad.append(f"{name}: column {c}: {len(neq):,} rows differ; first at position {i}: "
                       f"engine {a[i]!r} vs {b[i]!r}")
    return bad


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# --------------------------------------------------------------------------- main

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rowwise-rows", type=int, default=100_000)
    ap.add_argument("--online-records", type=int, default=20_000)
    ap.add_argument("--profile", action="store_true",
                    help="also cProfile one policy.apply and list the top trustlab functions")
    args = ap.parse_args(argv)
    t_start = time.perf_counter()

    policy = trustlab.parse_policy(POLICY_YAML)
    df = make_frame(args.rows, args.seed)
    n = len(df)
    time_order = np.argsort(df["decision_time"].to_numpy(), kind="stable")
    failures: list[str] = []

    # 1. engine
    t_engine, rec = best_of(lambda: policy.apply(df))
    eng = engine_columns(rec)

    # 2. hand-written numpy (+ a split of its time)
    t_numpy, mine = best_of(lambda: numpy_decide(df))
    failures += diff_report("numpy", eng, mine)
    t_np_rules, (rule_, _a, over_) = best_of(lambda: numpy_rules(df), repeat=2, warmup=0)
    t_np_reasons, _ = best_of(lambda: numpy_reasons(df, rule_, over_), repeat=2, warmup=0)

    # 3. row-wise on the latest rows by time (full daily density, busiest days, so the cap binds)
    k = min(args.rowwise_rows, n)
    sub = df.iloc[np.sort(time_order[n - k:])]
    t0 = time.perf_counter()
    rw = rowwise_decide(sub)
    t_rowwise_sub = time.perf_counter() - t0
    scale = n / k
    t_rowwise = t_rowwise_sub * scale
    sub_eng = engine_columns(policy.apply(sub))
    failures += diff_report("row-wise", sub_eng, {c: rw[c].to_numpy(dtype=object) for c in rw})

    # 4. online: the latest records, in time order, each call timed; then checked against apply
    m = min(args.online_records, n)
    online_frame = df.iloc[time_order[n - m:]]
    records = online_frame.to_dict("records")
    warm = GuardrailState()
    for r in records[: min(2000, m)]:
        policy.decide(r, state=warm)
    state = GuardrailState()
    decisions = []
    lat = np.empty(m, dtype=np.int64)
    decide = policy.decide
    gc.collect()  # the garbage collector stays on: its pauses belong in the p99
    for i, r in enumerate(records):
        t0 = time.perf_counter_ns()
        d = decide(r, state=state)
        lat[i] = time.perf_counter_ns() - t0
        decisions.append(d)
    online_eng = engine_columns(policy.apply(online_frame))
    online_got = {
        "action": np.array([d.action for d in decisions], dtype=object),
        "rule": np.array([d.rule for d in decisions], dtype=object),
        "guardrail": np.array([d.guardrail or "" for d in decisions], dtype=object),
        "reason": np.array([d.reason for d in decisions], dtype=object),
    }
    failures += diff_report("decide", online_eng, online_got)
    med_us = float(np.median(lat)) / 1000
    p99_us = float(np.percentile(lat, 99)) / 1000

    # ------------------------------------------------------------------ report
    if failures:  # no timings for paths that do not agree
        print("outputs identical: NO")
        for f in failures:
            print("  " + f)
        return 1

    acts = pd.Series(eng["action"]).value_counts()
    rule_declines = float(np.mean(rec["rule_action"].to_numpy(dtype=object) == "decline"))
    capped = eng["guardrail"] != ""
    day = df["decision_time"].to_numpy().astype("datetime64[D]")
    days_capped = len(np.unique(day[capped]))
    days_total = len(np.unique(day))
    sub_capped = int((sub_eng["guardrail"] != "").sum())
    online_capped = int((online_eng["guardrail"] != "").sum())

    r_np = t_engine / t_numpy
    r_rw = t_rowwise / t_engine
    print()
    print(f"trustlab engine benchmark: {n:,} rows, seed {args.seed}, policy "
          f"'{policy.name}@{policy.version}' ({len(policy.rules)} rules, 1 rate limit, "
          "kill switch off)")
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
          f"numpy {np.__version__}, pandas {pd.__version__}, trustlab {trustlab.__version__}")
    hits = pd.Series(eng["rule"]).value_counts()
    policy_rule_ids = [r.id for r in policy.rules]
    print(f"data: frame not in time order; actions {', '.join(f'{a} {c / n:.1%}' for a, c in acts.items())}; "
          f"rules alone said decline {rule_declines:.1%}; rate limit capped "
          f"{capped.sum():,} rows on {days_capped} of {days_total} days")
    print("rules fired: " + ", ".join(f"{r} {hits.get(r, 0) / n:.1%}" for r in policy_rule_ids))
    print()
    rows = [
        ("engine  policy.apply(df)", f"{t_engine:.3f} s", "best of 3 after 1 warm-up", "", ""),
        ("numpy   hand-written", f"{t_numpy:.3f} s",
         f"best of 3; rules+limit {t_np_rules:.3f} s, reasons {t_np_reasons:.3f} s", "", ""),
        ("ratio   engine / numpy", f"{r_np:.2f}x", "", "<= 2.0", verdict(r_np <= 2.0)),
        ("rowwise df.apply(axis=1)", f"{t_rowwise:.1f} s",
         f"SCALED: {t_rowwise_sub:.2f} s on latest {k:,} rows x {scale:g}", "", ""),
        ("ratio   rowwise / engine", f"{r_rw:.0f}x", "", ">= 100", verdict(r_rw >= 100)),
        ("online  decide() median", f"{med_us:.1f} us", f"latest {m:,} records in time order, one call each", "< 20 us",
         verdict(med_us < 20)),
        ("online  decide() p99", f"{p99_us:.1f} us", "", "", ""),
    ]
    w = [max(len(r[i]) for r in rows + [("measure", "result", "notes", "target", "")])
         for i in range(5)]
    header = ("measure", "result", "notes", "target", "")
    line = "  ".join(h.ljust(w[i]) for i, h in enumerate(header)).rstrip()
    print(line)
    print("-" * len(line + "  PASS"))
    for r in rows:
        print("  ".join([r[0].ljust(w[0]), r[1].rjust(w[1]), r[2].ljust(w[2]), r[3].ljust(w[3]),
                         r[4]]).rstrip())
    print()
    print(f"outputs identical: yes "
          f"(engine vs numpy: action, rule, guardrail, reason on all {n:,} rows)")
    print(f"row-wise identical: yes "
          f"(vs engine on the same {k:,} rows; {sub_capped:,} rows capped there)")
    print(f"decide() identical: yes "
          f"(vs policy.apply on the same {m:,} rows in time order; {online_capped:,} capped)")
    print(f"total benchmark time {time.perf_counter() - t_start:.0f} s")

    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        policy.apply(df)
        prof.disable()
        stats = pstats.Stats(prof)
        rows_p = []
        for (file, line_no, fname), (cc, nc, tt, ct, _callers) in stats.stats.items():
            if "trustlab" in file:
                short = file.split("src/")[-1]
                rows_p.append((ct, tt, nc, f"{short}:{line_no}({fname})"))
        rows_p.sort(reverse=True)
        print()
        print("cProfile of one policy.apply (top 10 trustlab functions by cumulative time):")
        print(f"{'cumtime s':>10} {'tottime s':>10} {'calls':>8}  function")
        for ct, tt, nc, name in rows_p[:10]:
            print(f"{ct:10.3f} {tt:10.3f} {nc:8d}  {name}")

    return 0


if __name__ == "__main__":
    sys.exit(main())
