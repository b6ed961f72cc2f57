"""The bulk path: a DataFrame in, one decision record per row out."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._errors import DataError, PolicyError, Problem
from ..policy import columns_of
from ..policy import DriftBrake, Policy
from ..policy import lines_of
from ._columns import PreparedColumn, missing_column_problems, prepare_column
from ._brakes import BrakeWindows, decide_brake
from ._plan import combined_reason, plan_for, rate_limit_reason
from ._reasons import CategoryBuilder, first_occurrences, render_rows
from .._time import times_ns, window_ids
from ._vector import holds, type_problems

__all__ = ["apply_policy", "RECORD_COLUMNS"]

RECORD_COLUMNS = (
    "action", "rule", "rule_action", "guardrail", "reason", "escalate", "automated",
    "needs_signoff", "policy", "policy_version", "policy_hash", "mode",
)
"""Decision-record columns every policy produces, in order (before the signal columns)."""

_SHOW_KEYS = 5


def _source(policy: Policy) -> str:
    return f"Data for policy '{policy.name}@{policy.version}'"


def _row_keys(data: pd.DataFrame, policy: Policy, mask: np.ndarray) -> str:
    idx = np.flatnonzero(mask)
    if policy.id_column and policy.id_column in data.columns:
        keys = data[policy.id_column].to_numpy()[idx[:_SHOW_KEYS]]
        label = policy.id_column
    else:
        keys = data.index.to_numpy()[idx[:_SHOW_KEYS]]
        label = "index"
    more = ", …" if len(idx) > _SHOW_KEYS else ""
    shown = ", ".join(repr(k.item() if hasattr(k, "item") else k) for k in keys)
    return f"{len(idx):,} row{'s' if len(idx) != 1 else ''} ({label} {shown}{more})"


def _signal_problems(policy: Policy, data: pd.DataFrame,
                     cols: dict[str, PreparedColumn]) -> list[Problem]:
    problems = []
    for s in policy.signals:
        col = cols.get(s.name)
        where = f"column '{s.name}'"
        if col is None:
            continue
        if col.kind == "empty":
            continue
        if col.kind != "num":
            problems.append(Problem(where, f"signal '{s.name}' must hold numbers (a {s.kind}); "
                                           f"it holds {col.kind}"))
            continue
        v = col.values
        if v.dtype.kind == "f":
            if s.kind == "probability":
                with np.errstate(invalid="ignore"):
                    bad = (v < 0.0) | (v > 1.0) | np.isinf(v)
                rule = "is a probability and must lie in [0, 1]"
            else:
                bad = np.isinf(v)
                rule = "is a score and must be finite"
        elif v.dtype.kind in "iu":
            bad = (v < 0) | (v > 1) if s.kind == "probability" else np.zeros(len(v), bool)
            rule = "is a probability and must lie in [0, 1]"
        else:
            problems.append(Problem(where, f"signal '{s.name}' must hold numbers; it holds "
                                           f"{v.dtype}"))
            continue
        if bad.any():
            lo, hi = v[bad].min().item(), v[bad].max().item()
            problems.append(Problem(where, f"signal '{s.name}' {rule}; {_row_keys(data, policy, bad)} "
                                           f"lie outside (from {lo!r} to {hi!r}). Values are never "
                                           "clipped: fix the model output or the signal's kind"))
    return problems


def over_limit(windows: np.ndarray, max_count: int,
               carried: tuple[int, int] | None = None) -> np.ndarray:
    """Which candidates a rate limit stops: those ranked ``max_count`` or later in their window.

    ``windows`` holds each candidate's window id, candidates in time order
    (so each window's candidates are one run). ``carried`` is ``(window,
    taken)`` from an earlier batch: candidates in that window rank after the
    ``taken`` already counted.

    Examples
    --------
    >>> over_limit(np.array([5, 5, 5, 6, 6]), 2).tolist()
    [False, False, True, False, False]
    >>> over_limit(np.array([5, 5, 6]), 2, carried=(5, 1)).tolist()
    [False, True, False]
    """
    starts = np.r_[0, np.flatnonzero(windows[1:] != windows[:-1]) + 1]
    rank = np.arange(len(windows)) - np.repeat(starts, np.diff(np.r_[starts, len(windows)]))
    if carried is not None and len(windows):
        if windows[0] < carried[0]:
            raise DataError("Batch", [Problem(
                "time", f"starts before the end of the previous batch (window {int(windows[0])} "
                        f"after window {carried[0]}); feed batches in time order")])
        rank = rank + np.where(windows == carried[0], carried[1], 0)
    return rank >= max_count


def first_rules(policy: Policy, data: pd.DataFrame, *, skip: frozenset[int] = frozenset()
                ) -> tuple[np.ndarray, np.ndarray | None, dict[str, PreparedColumn]]:
    """Validate ``data`` as :func:`apply_policy` does and give each row's deciding rule.

    Returns the index of the first rule that holds for each row (int16), the
    rows' times as nanoseconds (None when no guardrail needs them) and every
    column the rules and signals read, prepared. No guardrail is applied and
    no reason rendered: sweeps and grids need only the rules. The rules whose
    indices are in ``skip`` are validated like the others but never fire
    (a sweep decides them itself).

    Raises
    ------
    trustlab.DataError
        Listing every problem at once, as :func:`apply_policy` does.
    """
    source = _source(policy)
    if not isinstance(data, pd.DataFrame):
        raise DataError(source, [Problem("data", f"must be a pandas DataFrame; got "
                                                 f"{type(data).__name__}")])
    if data.columns.has_duplicates:
        dupes = sorted({str(c) for c in data.columns[data.columns.duplicated()]})
        raise DataError(source, [Problem("columns", f"appear more than once: {', '.join(dupes)}; "
                                                    "column names must be unique")])
    problems = missing_column_problems(policy, data)
    if problems:
        raise DataError(source, problems)
    n = len(data)

    # prepare every column a condition or signal reads, once
    needed: dict[str, None] = {s.name: None for s in policy.signals}
    for rule in policy.rules:
        if rule.when is not None:
            needed.update(dict.fromkeys(columns_of(rule.when)))
    cols: dict[str, PreparedColumn] = {}
    for name in needed:
        prepared = prepare_column(name, data[name])
        if isinstance(prepared, str):
            problems.append(Problem(f"column '{name}'", prepared))
        else:
            cols[name] = prepared
    if not problems:
        for i, rule in enumerate(policy.rules):
            if rule.when is not None:
                problems += type_problems(rule.when, cols, f"rules[{i}].when")
        problems += _signal_problems(policy, data, cols)
    ns = None
    if policy.time_column and policy.guardrails:
        ns, why, bad = times_ns(data[policy.time_column], policy.time_format)
        if why:
            keys = f"; {_row_keys(data, policy, bad)}" if bad is not None else ""
            problems.append(Problem(f"column '{policy.time_column}'", f"{why}{keys}"))
    if problems:
        raise DataError(source, problems)

    # rules: first match wins
    n_rules = len(policy.rules)
    rule_idx = np.full(n, n_rules - 1, dtype=np.int16)
    undecided = np.ones(n, dtype=bool)
    for i, rule in enumerate(policy.rules[:-1]):
        if i in skip:
            continue
        fire = holds(rule.when, cols)  # type: ignore[arg-type]
        fire &= undecided
        rule_idx[fire] = i
        undecided &= ~fire
    return rule_idx, ns, cols


def apply_policy(policy: Policy, data: pd.DataFrame, state=None,
                 brakes: Mapping[str, BrakeWindows] | None = None) -> pd.DataFrame:
    """Decide every row of ``data`` and return one decision record per row.

    Parameters
    ----------
    policy : Policy
    data : pandas.DataFrame
        One row per case, with every column the policy reads.
    state : GuardrailState, optional
        When ``data`` is one batch of a longer history fed in time order:
        the rate-limit counts carried from the batches before, updated in
        place, so the batches decide exactly what the whole history decides.
        A policy with a drift brake then needs ``brakes``.
    brakes : mapping of str to BrakeWindows, optional
        For each drift brake (by id), the windows it engages in, decided
        beforehand over the whole history (as :mod:`trustlab.scale` does);
        by default each brake is decided from ``data``.

    Returns
    -------
    pandas.DataFrame
        Same index and order as ``data``. Columns: the row key and time (where
        the policy declares them), then ``action``, ``rule``, ``rule_action``,
        ``guardrail``, ``reason``, ``escalate``, ``automated``,
        ``needs_signoff``, ``policy``, ``policy_version``, ``policy_hash``,
        ``mode``, then each signal's value and ``<signal>_model``. Text columns
        are categoricals.

    Raises
    ------
    trustlab.DataError
        Listing every problem at once: missing columns, values of the wrong
        type, signals outside their kind, missing or unreadable times.

    Examples
    --------
    >>> import pandas as pd, trustlab
    >>> policy = trustlab.parse_policy('''
    ... trustlab: 1
    ... name: tiny
    ... version: "1"
    ... owner: Risk team
    ... signals: [{name: p, kind: probability, model: m1, higher_means: risk}]
    ... actions: {approve: {automated: true, favourable: true}, review: {automated: false}}
    ... rules:
    ...   - {id: low, when: p < 0.1, then: approve, because: "Risk {p:.0%} is low."}
    ...   - {id: rest, otherwise: true, then: review, because: A person decides.}
    ... ''')
    >>> policy.apply(pd.DataFrame({"p": [0.05, 0.5, None]}))[["action", "rule", "reason"]]
        action  rule             reason
    0  approve   low    Risk 5% is low.
    1   review  rest  A person decides.
    2   review  rest  A person decides.
    """
    source = _source(policy)
    plan = plan_for(policy)
    rule_idx, ns, prepared = first_rules(policy, data)
    brakes = dict(brakes or {})
    undecided = [g.id for g in policy.guardrails if isinstance(g, DriftBrake)
                 and g.id not in brakes]
    if state is not None and undecided:
        raise DataError(source, [Problem(
            "guardrails", f"drift brake {', '.join(map(repr, undecided))} cannot be decided "
                          "from one batch (it compares each window with a reference over the "
                          "whole history); replay with trustlab.scale.replay, which decides "
                          "the brake's windows first")])
    n = len(data)
    rule_action = plan.rule_then[rule_idx]
    action = rule_action.copy()
    guard = np.full(n, -1, dtype=np.int16)

    # guardrails in order, in time order; each changed row keeps the code of its text
    gtexts: list[str] = []
    gtext = np.full(n, -1, dtype=np.int64)
    if policy.guardrails:
        in_order = bool(np.all(ns[1:] >= ns[:-1]))  # histories usually arrive sorted
        for g_i, g in enumerate(policy.guardrails):
            if isinstance(g, DriftBrake):
                bw = brakes[g.id] if g.id in brakes else decide_brake(policy, g, data, ns, source)
                window_text, texts = bw.codes(ns), list(bw.texts)
                hit = np.flatnonzero((window_text >= 0) & plan.automated[action])
                action[hit] = plan.action_code[g.then]
                guard[hit] = g_i
                gtext[hit] = len(gtexts) + window_text[hit]
                gtexts += texts
                continue
            cand = np.flatnonzero(action == plan.action_code[g.action])
            carried = state.counts.get(g.id) if state is not None else None
            if len(cand) <= g.max and carried is None and state is None:
                continue
            if not in_order:  # time order among the candidates only; ties keep input order
                cand = cand[np.argsort(ns[cand], kind="stable")]
            wins = window_ids(ns[cand], g.per)
            over_mask = over_limit(wins, g.max, carried)
            if state is not None and len(cand):
                last = int(wins[-1])
                taken = int((~over_mask & (wins == last)).sum())
                before = carried[1] if carried is not None and carried[0] == last else 0
                state.counts[g.id] = (last, min(before + taken, g.max))
            over = cand[over_mask]
            action[over] = plan.action_code[g.overflow]
            guard[over] = g_i
            gtext[over] = len(gtexts)
            gtexts.append(rate_limit_reason(g))
    ks = policy.kill_switch
    ks_rows = None
    if ks is not None and ks.engaged:
        ks_rows = plan.automated[action]
        action[ks_rows] = plan.action_code[ks.then]
        guard[ks_rows] = len(plan.guard_ids) - 1

    # reasons, rendered once per distinct text
    problems: list[Problem] = []
    builder = CategoryBuilder()
    rule_reason = np.empty(n, dtype=np.int32)
    for i, rule in enumerate(policy.rules):
        rows = np.flatnonzero(rule_idx == i)
        if len(rows) == 0:
            continue
        codes, probs = render_rows(rule.because, data, rows, builder, f"rules[{i}].because",
                                   lines_of(rule.when), prepared)
        problems += probs
        if not probs:
            rule_reason[rows] = codes
    if problems:
        raise DataError(source, problems)
    reason = rule_reason
    changed = np.flatnonzero(guard >= 0)
    if len(changed):
        # each changed row: the guardrail's sentence, then what the rules alone said
        gcode = gtext
        if ks_rows is not None and ks_rows.any():
            ks_builder = CategoryBuilder()
            ks_idx = np.flatnonzero(ks_rows)
            codes, probs = render_rows(ks.because, data, ks_idx, ks_builder,  # type: ignore[union-attr]
                                       "kill_switch.because")
            if probs:
                raise DataError(source, probs)
            gcode[ks_idx] = len(gtexts) + codes
            gtexts += ks_builder.items
        n_reasons = len(builder.items) + 1
        key = (gcode[changed] * n_reasons + rule_reason[changed]) * len(plan.actions) \
            + rule_action[changed]
        inverse, first = first_occurrences(key)
        texts = [
            combined_reason(gtexts[gcode[r]], plan.actions[rule_action[r]],
                            builder.items[rule_reason[r]])
            for r in changed[first].tolist()
        ]
        reason = rule_reason.copy()
        reason[changed] = builder.add(texts)[inverse]

    return _records(policy, plan, data, rule_idx, rule_action, action, guard, reason, builder)


def _categorical(codes: np.ndarray, categories) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=pd.Index(list(categories), dtype=object))


def _records(policy: Policy, plan, data: pd.DataFrame, rule_idx, rule_action, action, guard,
             reason, builder: CategoryBuilder) -> pd.DataFrame:
    n = len(data)
    out: dict[str, object] = {}
    # pass columns through as their arrays: no conversion, dtypes kept
    if policy.id_column:
        out[policy.id_column] = data[policy.id_column].array
    if policy.time_column and policy.time_column in data.columns:
        out[policy.time_column] = data[policy.time_column].array
    out["action"] = _categorical(action, plan.actions)
    out["rule"] = _categorical(rule_idx, plan.rule_ids)
    out["rule_action"] = _categorical(rule_action, plan.actions)
    out["guardrail"] = _categorical(guard, plan.guard_ids)
    out["reason"] = builder.finish(reason)
    esc_cats = plan.escalations
    esc_code = np.array([esc_cats.index(e) if e else -1 for e in plan.rule_escalate], dtype=np.int16)
    out["escalate"] = _categorical(esc_code[rule_idx], esc_cats)
    automated = plan.automated[action]
    out["automated"] = automated
    out["needs_signoff"] = (automated & ~plan.reversible[action]) if policy.mode == "supervised" \
        else np.zeros(n, dtype=bool)
    zeros = np.zeros(n, dtype=np.int8)
    out["policy"] = _categorical(zeros, [policy.name])
    out["policy_version"] = _categorical(zeros, [policy.version])
    out["policy_hash"] = _categorical(zeros, [policy.content_hash])
    out["mode"] = _categorical(zeros, [policy.mode])
    written = len(RECORD_COLUMNS) + bool(policy.id_column) + (
        bool(policy.time_column) and policy.time_column in data.columns)
    for s in policy.signals:
        out[s.name] = data[s.name].array
        out[f"{s.name}_model"] = _categorical(zeros, [s.model])
        written += 2
    if len(out) != written:  # a Policy built in code, past the loader's check: never overwrite
        raise PolicyError(f"Policy '{policy.name}@{policy.version}'", [Problem(
            "columns", "names a key, time or signal column like another decision-record column "
                       "(RECORD_COLUMNS, or <signal>_model), so records would overwrite it; "
                       "rename the column in your data")])
    return pd.DataFrame(out, index=data.index, copy=False)
