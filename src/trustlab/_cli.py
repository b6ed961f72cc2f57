"""The ``trustlab`` command: mirrors the Python API.

Exit status: 0 success, 1 a check failed, 2 bad input (message on stderr),
3 a review notebook cell failed, 4 an unexpected error (a bug: one line on
stderr names it and the file holding its traceback), 5 ``review --rerun`` found
results that differ, 130 interrupted. ``trustlab validate POLICY DATA`` is a gate
for CI: 0 when the data fits and every check of the policy holds on it, 1 when
a check fails (or cannot be measured on this data), 2 for bad input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

from ._errors import DataError, Problem, TrustlabError

__all__ = ["main"]

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_CELL_FAILED, EXIT_UNEXPECTED = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130

_EXIT_HELP = ("exit status: 0 success, 1 a check failed, 2 bad input (message on stderr),\n"
              "3 a review notebook cell failed, 4 an unexpected error (a bug; stderr names\n"
              "the file holding its traceback), 5 review --rerun: results differ,\n"
              "130 interrupted (Ctrl-C)\n\n"
              "threads: native thread pools (BLAS, OpenMP) use the CPUs available, shared\n"
              "among trustlab runs in progress; TRUSTLAB_THREADS=N sets the number")


def _cmd_validate(args: argparse.Namespace) -> int:
    from .policy import load_policy

    policy = load_policy(args.policy)
    if not args.data:
        print(f"{args.policy}: valid policy {_identity(policy)}, owner {policy.owner}, mode "
              f"{policy.mode}, {_count(len(policy.rules), 'rule')}, "
              f"{_count(len(policy.guardrails), 'guardrail')}, "
              f"{_count(len(policy.checks), 'check')}")
        return EXIT_OK
    from ._io import read_data

    data = read_data(args.data, policy=policy)
    records = _decide_or_refuse(policy, data, str(args.data))
    checks, notes = _checks_on(policy, data, records)
    print(f"{args.data}: {len(data):,} rows decided by {_identity(policy)}")
    if policy.time_column is not None and policy.time_column in data.columns:
        from .engine import read_times

        print(f"time: {read_times(data[policy.time_column], policy.time_format).how}")
    if len(checks):
        print()
        print(_check_table(checks))
    for note in notes:
        print(f"note: {note}")
    failed = checks[~checks["passed"].to_numpy(dtype=bool)]
    print()
    if len(failed):
        print(f"FAIL: {len(failed)} of {_count(len(checks), 'check')} failed "
              f"({', '.join(failed['check'])})")
        return EXIT_CHECK_FAILED
    what = f"all {_count(len(checks), 'check')} passed" if len(checks) else "no checks declared"
    print(f"PASS: the data fits the policy; {what}")
    return EXIT_OK


def _identity(policy) -> str:
    return f"{policy.name}@{policy.version} (sha256 {policy.content_hash[:12]})"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _decide_or_refuse(policy, data, source: str):
    """The decision records of ``data``, or one :class:`DataError` with every problem found:
    the outcome, the reviewer, missing columns, values out of kind."""
    problems = _outcome_problems(policy, data)
    records = None
    try:
        records = policy.apply(data)
    except DataError as exc:
        problems += _with_training_hint(policy, data, exc.problems)
    if problems:
        raise DataError(f"Data '{source}' for policy '{policy.name}@{policy.version}'", problems)
    return records


def _outcome_problems(policy, data) -> list:
    """Why ``data`` cannot be valued as ``policy.outcomes`` says: the label, ``bad_when`` and
    the reviewer (recorded decisions, or what simulating one needs)."""
    import pandas as pd

    from ._outcome import bad_indicator, bad_when_text, yaml_boolean_hint
    from .engine import did_you_mean

    out = policy.outcomes
    if out is None:
        return []
    problems = []
    if out.label not in data.columns:
        hint = did_you_mean(out.label, data.columns)
        problems.append(Problem("outcomes.label", (
            f"names column '{out.label}' as the outcome, and the data lacks it. "
            f"{hint + ' ' if hint else ''}Add the outcome column, or name the column that holds "
            f"it in `outcomes.label`")))
    else:
        label = data[out.label]
        values = pd.unique(label.dropna()).tolist()
        shown = ", ".join(sorted(map(repr, values))[:10]) or "none"
        if not out.bad_when_given and any(isinstance(v, str) for v in values):
            rarer = label.value_counts().idxmin()  # bad outcomes are usually the rarer ones
            problems.append(Problem("outcomes.bad_when", (
                f"is not given, and label '{out.label}' holds text (values: {shown}); say which "
                f"value (or values) is the bad outcome, e.g. `bad_when: \"{rarer}\"` or "
                f"`bad_when: [\"{rarer}\", ...]` (quoted: YAML reads an unquoted Yes or No as "
                f"true or false)")))
        elif out.bad_when_given and values:
            _, _, matched = bad_indicator(label, out.bad_when)
            if not matched:
                problems.append(Problem("outcomes.bad_when", (
                    f"{bad_when_text(out.bad_when)} is not a value of label '{out.label}' "
                    f"(values: {shown}), so no case would count as bad. "
                    f"{yaml_boolean_hint(out.bad_when, values)}Set `bad_when` to the value (or "
                    f"list of values) that means the bad outcome")))
    return problems + _reviewer_problems(policy, data)


def _reviewer_problems(policy, data) -> list:
    """What valuing reviews needs and ``data`` lacks: the recorded decisions the policy names,
    or, for the rows without one, a simulated reviewer's accuracy and right calls."""
    from .engine import did_you_mean

    out = policy.outcomes
    rev = out.reviewer
    accuracy = rev.accuracy if rev is not None else None
    if rev is not None and rev.decision is not None:
        if rev.decision not in data.columns:
            hint = did_you_mean(rev.decision, data.columns)
            fix = ("remove `decision` to simulate every review with the given `accuracy`"
                   if accuracy is not None else
                   "replace `decision` with `accuracy: 0.85` (the share of reviews that reach "
                   "the right call) to simulate the reviewer")
            return [Problem("outcomes.reviewer.decision", (
                f"names column '{rev.decision}' of recorded human decisions, and the data lacks "
                f"it. {hint + ' ' if hint else ''}Add the column, or {fix}"))]
        unrecorded = int(data[rev.decision].isna().sum())
        why = (f"{unrecorded:,} of {len(data):,} rows have no recorded human decision in column "
               f"'{rev.decision}'")
    else:
        unrecorded = len(data)
        why = "the policy names no column of recorded human decisions (`reviewer.decision`)"
    if not unrecorded:
        return []
    if accuracy is None:
        return [Problem("outcomes.reviewer", (
            f"{why}, so a simulated reviewer must decide their reviews, and it has no accuracy. "
            f"Add `accuracy: 0.85` (the share of reviews that reach the right call) under "
            f"`outcomes.reviewer`, or record every human decision in the data"))]
    automated = [a for a in policy.actions if a.automated]
    lacking = [call for call in ("good", "bad")
               if not any(a.right_call == call for a in automated)]
    return [Problem("outcomes.reviewer.accuracy", (
        f"{why}, so a simulated reviewer decides them: it picks the automated action that is "
        f"the right call for the outcome, and no automated action is the right call when the "
        f"outcome is {call}. Declare one with `right_when: {call}`, or record every human "
        f"decision in the data")) for call in lacking]


def _with_training_hint(policy, data, problems) -> list:
    """``problems``, where a signal is missing saying that the review trains it and validate
    does not."""
    out = policy.outcomes
    if out is None or out.label not in data.columns:
        return list(problems)
    absent = {f"column '{s.name}'" for s in policy.signals if s.name not in data.columns}
    return [Problem(p.where, f"{p.message} `trustlab review` would score this signal out of "
                             f"fold from '{out.label}'; validate trains no model, so add the "
                             f"signal's scores to the data to check it here", p.line)
            if p.where in absent else p for p in problems]


def _checks_on(policy, data, records):
    """The policy's checks measured on ``data`` (a replay), and notes on what was left out."""
    import pandas as pd

    from .simulate import replay

    notes = []
    if policy.outcomes is None:
        rows = [{"check": c.describe(), "metric": c.metric, "by": c.by, "value": float("nan"),
                 "at_least": c.at_least, "at_most": c.at_most, "passed": False, "segment": None,
                 "reason": "the policy has no `outcomes` section, and checks are measured on a "
                           "replay of history, which values decisions by their outcomes"}
                for c in policy.checks]
        return pd.DataFrame(rows, columns=["check", "metric", "by", "value", "at_least",
                                           "at_most", "passed", "segment", "reason"]), notes
    absent = [c for c in policy.segments if c not in data.columns]
    if absent:
        notes.append(f"segments {', '.join(map(repr, absent))} are not in the data; metrics are "
                     f"not broken down by them")
    segments = tuple(c for c in policy.segments if c not in absent)
    result = replay(policy, data, records=records, segments=segments)
    drift_checks = {"max_signal_psi", "max_feature_psi"} & {c.metric for c in policy.checks}
    if drift_checks and policy.time_column is not None:
        from .drift import policy_drift
        from .review import with_drift_metrics

        result = with_drift_metrics(policy, result, policy_drift(policy, data,
                                                                  records=result.records))
    checks = result.checks.copy()
    for row, check in zip(checks.index, policy.checks):
        if check.by is None or check.by in segments:
            continue
        checks.loc[row, "value"] = float("nan")
        checks.loc[row, "passed"] = False
        checks.loc[row, "segment"] = None
        checks.loc[row, "reason"] = (f"column '{check.by}' is not in the data"
                                     if check.by not in data.columns else
                                     f"'{check.by}' is not one of the policy's `segments`; "
                                     f"add it there")
    return checks, notes


def _check_table(checks) -> str:
    """The checks as text: check, value, bound, pass/FAIL and why a value is missing."""
    from .metrics import format_metric

    rows = [("metric", "value", "bound", "result", "")]
    for c in checks.itertuples(index=False):
        bounds = [f">= {format_metric(c.metric, c.at_least)}" if c.at_least == c.at_least
                  and c.at_least is not None else "",
                  f"<= {format_metric(c.metric, c.at_most)}" if c.at_most == c.at_most
                  and c.at_most is not None else ""]
        value = format_metric(c.metric, c.value)
        if c.segment is not None and c.segment == c.segment:
            value += f" ({c.by} {c.segment})"
        reason = c.reason if c.reason and c.reason == c.reason else ""
        metric = c.metric + (f" by {c.by}" if isinstance(c.by, str) else "")
        rows.append((metric, value, " and ".join(b for b in bounds if b),
                     "pass" if c.passed else "FAIL", reason))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("  " + "  ".join(r[i].ljust(widths[i]) for i in range(4)).rstrip()
                     + (f"  {r[4]}" if r[4] else "") for r in rows)


def _cmd_decide(args: argparse.Namespace) -> int:
    """Decide every row in three stages, each a progress line with the time so far.

    ``policy.apply`` is one vectorised call (about a second for a few million
    rows), so progress names the stage being run (reading, deciding, writing)
    rather than drawing a bar over chunks: rate limits, budgets and drift
    windows cross any chunk boundary, and the records must not depend on it.
    """
    from ._io import read_data
    from ._progress import Progress
    from ._summary import decision_summary
    from .policy import load_policy

    policy = load_policy(args.policy)
    out = Path(args.out) if args.out else None
    _refuse_existing(out)  # before minutes of reading and deciding
    with Progress("Decide", total=3 if out else 2, enabled=not args.quiet, every=0) as bar:
        bar.advance(detail=f"reading {args.data}")
        data = read_data(args.data, policy=policy)
        if args.kill_switch:
            policy = policy.with_kill_switch(True)
        bar.advance(detail=f"deciding {len(data):,} rows")
        records = policy.apply(data)
        if out:
            bar.advance(detail=f"writing {len(records):,} records to {out}")
            _refuse_existing(out)
            records.to_parquet(out)
    print(decision_summary(policy, records, source=str(args.data)))
    if out:
        print(f"\nDecision records: {out} ({len(records):,} rows)")
    return EXIT_OK


def _refuse_existing(out: Path | None) -> None:
    if out is not None and out.exists():
        raise TrustlabError(f"'{out}' already exists; choose a new file for --out "
                            "(decision records are never overwritten)")


def _cmd_review(args: argparse.Namespace) -> int:
    from .review import rerun_review, run_review

    if args.rerun:
        given = dict(args.params or [])
        if args.policy or args.data or args.champion or set(given) - {"dask_scheduler"}:
            print("trustlab review: --rerun takes only the manifest (and --out, and "
                  "-p dask_scheduler ADDRESS when the review used one); the policy, data, "
                  "champion and parameters come from it", file=sys.stderr)
            return EXIT_BAD_INPUT
        run = rerun_review(args.rerun, out=args.out, progress=not args.quiet,
                           dask_scheduler=given.get("dask_scheduler"))
    else:
        if not args.policy or not args.data:
            print("trustlab review: give POLICY and DATA (or --rerun MANIFEST); see "
                  "`trustlab review --help`", file=sys.stderr)
            return EXIT_BAD_INPUT
        run = run_review(args.policy, args.data, champion=args.champion, out=args.out,
                         parameters=dict(args.params or []), progress=not args.quiet)
    stream = sys.stdout if run.exit_code in (0, 1, 5) else sys.stderr
    prefix = "" if stream is sys.stdout else "trustlab review: "
    print(prefix + run.message, file=stream)
    return run.exit_code


def _cmd_diff(args: argparse.Namespace) -> int:
    import pandas as pd

    from .change import describe_changes, policy_impact, require_version_bump
    from .policy import load_policy

    old, new = load_policy(args.old), load_policy(args.new)
    require_version_bump(old, new)
    changes = describe_changes(old, new)
    print(f"{old.identity} → {new.identity}: {len(changes)} change"
          f"{'s' if len(changes) != 1 else ''}")
    for r in changes.itertuples():
        print(f"  [{r.kind}] {r.change}")
    if not args.data:
        return EXIT_OK
    from ._io import read_data

    data = read_data(args.data, policy=new, text_columns=old.text_columns)
    impact = policy_impact(old, new, data, seed=args.seed,
                           bootstrap=args.bootstrap, examples=args.examples)
    with pd.option_context("display.width", 120, "display.max_colwidth", 90):
        print(f"\nImpact on {args.data}:")
        print(impact.in_words())
        print("\nDecisions, old action (rows) × new action (columns):")
        print(impact.flips.to_string())
        if len(impact.causes):
            print("\nWhich rules made the flips:")
            shown = impact.causes.assign(share=impact.causes["share"].map("{:.1%}".format))
            print(shown.to_string(index=False))
        for key, r in impact.examples.iterrows():
            print(f"\nCase {key}: {r['old_action']} → {r['new_action']}\n"
                  f"  old: {r['old_reason']}\n  new: {r['new_reason']}")
    return EXIT_OK


class _Help(argparse.RawDescriptionHelpFormatter):
    """Descriptions as written, and every option's default shown after its help."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        unset = action.default is None or action.default is False \
            or action.default is argparse.SUPPRESS
        if "%(default)" not in text and not unset and action.option_strings:
            text += " (default: %(default)s)"
        return text


def _exits(*lines: str) -> str:
    """An epilog listing a command's exit codes, from :data:`_EXIT_MEANING`."""
    return "exit status:\n" + "\n".join(f"  {code}  {_EXIT_MEANING[code]}" for code in lines)


_EXIT_MEANING = {
    "0": "success",
    "1": "a check failed",
    "2": "bad input: the message on stderr names the file, field or column and the fix",
    "3": "a review notebook cell failed (the folder is marked failed and holds no verdict)",
    "4": "an unexpected error (a bug): one line names it and the file holding its traceback",
    "5": "--rerun only: the results differ from the manifest's",
    "130": "interrupted (Ctrl-C)",
}


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="trustlab",
        description="Design AI-assisted decisions people can trust: policies over model "
                    "signals, replayed on history.",
        formatter_class=_Help,
        epilog=_EXIT_HELP,
    )
    parser.add_argument("--version", action="version", version=f"trustlab {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    i = sub.add_parser(
        "init", help="start a project: notebooks and a starter policy drafted from your data",
        formatter_class=_Help,
        description="Create DIR (new or empty) with the notebooks, policies/ holding a starter\n"
                    "policy drafted from DATA (the row key, time, outcome and signal columns\n"
                    "detected and stated; the lines at quantiles of the signal; the checks at\n"
                    "the values the draft measures; every guess marked DRAFT for the owner),\n"
                    "a glossary stub listing the features and a README of next steps. A\n"
                    "signal the data lacks is trained out of fold, as a review does. Without\n"
                    "DATA, the project starts from the shipped Lending Club example.",
        epilog=_exits("0", "2", "4"))
    i.add_argument("folder", metavar="DIR", help="the new project's folder (new or empty)")
    i.add_argument("--data", help="your history: CSV, Parquet file or folder of Parquet files")
    i.add_argument("--name", help="the policy's name (default: from the data file's name)")
    i.add_argument("--owner", default="DRAFT owner", help="the policy's accountable owner")
    i.add_argument("--favourable", choices=("low-risk", "high-risk"), default="low-risk",
                   help="which side the favourable automated action goes to: approve the "
                        "low risk (credit) or act on the high risk (an offer, a hold)")
    for flag, what in (("--id", "row key"), ("--time", "decision time"),
                       ("--label", "outcome"), ("--signal", "model signal")):
        i.add_argument(flag, help=f"the {what} column (default: detected)")
    i.set_defaults(run=_cmd_init)
    v = sub.add_parser(
        "validate", help="check a policy file; with data, decide it and run the policy's checks",
        formatter_class=_Help,
        description="Check POLICY. With DATA, a fast gate for CI: check that the data holds\n"
                    "every column the policy reads and the outcome as `outcomes` declares it\n"
                    "(the label, `bad_when`, the reviewer), decide every row, replay the\n"
                    "decisions and evaluate the policy's `checks`: one line per check with\n"
                    "its metric, value, bound, pass/FAIL and why a value could not be\n"
                    "measured (such a check fails). Signals are not trained here: a signal\n"
                    "the data lacks is an error.",
        epilog="exit status:\n"
               "  0  the policy is valid (and, with DATA, every check passed)\n"
               "  1  a check failed\n"
               "  2  bad input: an unreadable or invalid policy or data file, a missing "
               "column,\n     a `bad_when` no label value matches, a signal outside its kind "
               "(on stderr)\n"
               "  4  an unexpected error (a bug): one line names it and the traceback file")
    v.set_defaults(order=("policy", "data"))
    v.add_argument("policy", help="policy YAML file")
    v.add_argument("data", nargs="?",
                   help="optional CSV file, Parquet file, or folder of Parquet files")
    v.set_defaults(run=_cmd_validate)
    d = sub.add_parser("decide", help="decide every row of a data set and print a summary",
                       formatter_class=_Help, epilog=_exits("0", "2", "4", "130"),
                       description="Decide every row of DATA with POLICY and print a summary "
                                   "(actions, rules, guardrails); --out writes one decision "
                                   "record per row.")
    d.set_defaults(order=("policy", "data"))
    d.add_argument("policy", help="policy YAML file")
    d.add_argument("data", help="CSV file, Parquet file, or folder of Parquet files")
    d.add_argument("--out", help="write the decision records to this new Parquet file")
    d.add_argument("--kill-switch", action="store_true",
                   help="replay with the policy's kill switch engaged")
    d.add_argument("--quiet", action="store_true",
                   help="no progress (reading, deciding, writing) on stderr")
    d.set_defaults(run=_cmd_decide)
    f = sub.add_parser(
        "diff", help="what changed between two policy versions (and, with data, its impact)",
        formatter_class=_Help, epilog=_exits("0", "2", "4"),
        description="The structural difference between two policy files in words; with DATA, "
                    "both replayed over it: the flip matrix, the rules behind the flips, value, "
                    "bad-rate and automation changes with paired bootstrap intervals, and "
                    "flipped cases with both reasons. A changed policy that keeps its "
                    "name@version is refused (exit 2).")
    f.add_argument("old", help="the current policy YAML file")
    f.add_argument("new", help="the proposed policy YAML file")
    f.add_argument("data", nargs="?", help="optional history (CSV, Parquet or a folder of Parquet)")
    f.add_argument("--seed", type=int, default=0, help="seeds the reviewer, bootstrap, examples")
    f.add_argument("--bootstrap", type=int, default=1000, help="bootstrap replicates (0: none)")
    f.add_argument("--examples", type=int, default=3, help="flipped cases to show")
    f.set_defaults(run=_cmd_diff, order=("old", "new", "data"))
    r = sub.add_parser(
        "review", help="execute the review notebook over a policy and a data set",
        formatter_class=_Help, epilog=_exits("0", "1", "2", "3", "4", "5", "130"),
        description="Execute notebooks/review.ipynb with papermill and write the executed "
                    "notebook, report.html, metrics.json, decisions.parquet and manifest.json. "
                    "Exit 0: every check passed; 1: a check failed; 2: bad input, no kernel "
                    "started (or, with --rerun, a manifest that is malformed, incomplete or "
                    "does not match its inputs); 3: a notebook cell failed (the folder is "
                    "marked failed in status.json and holds no verdict); 4: an unexpected "
                    "error (stderr names the file holding its traceback); 5: --rerun only, "
                    "the results differ from the manifest's.")
    r.add_argument("policy", nargs="?", help="policy YAML file")
    r.add_argument("data", nargs="?", help="CSV file, Parquet file, or folder of Parquet files")
    r.add_argument("--champion", help="the live policy to compare with")
    r.add_argument("--out", help="new output folder (default reviews/<name>-<version>-<UTC time>/)")
    r.add_argument("-p", "--parameter", dest="params", nargs=2, action="append",
                   metavar=("NAME", "VALUE"), help="a notebook parameter, e.g. -p seed 7")
    r.add_argument("--rerun", metavar="MANIFEST",
                   help="re-execute the review of this manifest.json and compare the results "
                        "(a Dask scheduler is never read from it: give -p dask_scheduler "
                        "again)")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.set_defaults(run=_cmd_review, order=("policy", "data"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Kit errors (:class:`trustlab.TrustlabError`) exit 2 with their message;
    any other exception exits 4 with one line naming it and the file its
    traceback was written to, so it is never mistaken for a failed check (1).
    """
    args = _parser().parse_args(argv)
    from ._threads import cap_environment, limit, registered

    try:
        _check_order(args)
        with registered(), _capped_environment(cap_environment), limit():
            return args.run(args)
    except TrustlabError as exc:
        print(f"trustlab {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"trustlab {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: say so in one line, keep the traceback in a file
        where = _write_traceback(args.command)
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        told = f"the traceback is in {where}" if where else "the traceback follows"
        print(f"trustlab {args.command}: unexpected error (exit {EXIT_UNEXPECTED}, a bug in "
              f"trustlab or its environment): {type(exc).__name__}: {first}; {told}",
              file=sys.stderr)
        if not where:
            import traceback

            traceback.print_exc(file=sys.stderr)
        return EXIT_UNEXPECTED


_DATA_SUFFIXES = (".csv", ".parquet", ".pq", ".txt", ".gz", ".tsv")
_POLICY_SUFFIXES = (".yaml", ".yml")


def _check_order(args: argparse.Namespace) -> None:
    """Refuse arguments given in the wrong order (``decide data.csv policy.yaml``) with
    the order the command wants, before any file is read."""
    order = getattr(args, "order", ())
    given = [(name, getattr(args, name, None)) for name in order]
    for position, (name, value) in enumerate(given, start=1):
        if not value:
            continue
        suffix = "".join(Path(str(value)).suffixes[-2:]).lower()
        is_data = suffix.endswith(_DATA_SUFFIXES) or (name in ("policy", "old", "new")
                                                      and Path(str(value)).is_dir())
        is_policy = suffix.endswith(_POLICY_SUFFIXES)
        wants_policy = name in ("policy", "old", "new")
        if (wants_policy and is_data) or (not wants_policy and is_policy):
            ordinal = {1: "first", 2: "second", 3: "third"}[position]
            usage = " ".join(n.upper() for n in order)
            what = {"policy": "the policy file (.yaml)", "old": "the current policy file",
                    "new": "the proposed policy file", "data": "the data file"}[name]
            raise TrustlabError(
                f"the {ordinal} argument should be {what}; got '{value}', which looks like "
                f"a {'data' if is_data else 'policy'} file. Usage: trustlab {args.command} "
                f"{usage}")


def _cmd_init(args: argparse.Namespace) -> int:
    from .review import init_project

    scaffold = init_project(args.folder, args.data, name=args.name, owner=args.owner,
                            favourable=args.favourable, id=args.id, time=args.time,
                            label=args.label, signal=args.signal)
    print(scaffold)
    if scaffold.detected is not None:
        for note in scaffold.detected.notes:
            print(f"  {note}")
    policy = scaffold.policy.relative_to(scaffold.folder)
    print(f"\nNext: confirm every DRAFT line in {policy}, then\n"
          f"  cd {scaffold.folder}\n"
          f"  trustlab validate {policy} {scaffold.data}\n"
          f"  trustlab review {policy} {scaffold.data}")
    return EXIT_OK


@contextmanager
def _capped_environment(cap):
    """Run ``cap`` on ``os.environ`` (capping the thread pools of processes started from
    here) and restore the variables it set afterwards."""
    import os

    from ._threads import THREAD_VARIABLES

    before = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    try:
        cap(os.environ)
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _write_traceback(command: str) -> str | None:
    """Write the exception being handled, with the command line, to a new file in the
    temp folder; its path, or None when it cannot be written."""
    import tempfile
    import time
    import traceback

    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    try:
        fd, path = tempfile.mkstemp(prefix=f"trustlab-error-{stamp}-", suffix=".log")
        with open(fd, "w", encoding="utf-8") as fh:
            fh.write(f"trustlab {command}: {' '.join(sys.argv)}\n\n")
            traceback.print_exc(file=fh)
    except OSError:
        return None
    return path


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
