"""The ``trustlab`` command: mirrors the Python API.

Exit status: 0 success, 1 a check failed, 2 bad input (message on stderr),
3 a review notebook cell failed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ._errors import TrustlabError

__all__ = ["main"]

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _cmd_validate(args: argparse.Namespace) -> int:
    from .policy import load_policy

    policy = load_policy(args.policy)
    print(f"{args.policy}: valid policy {policy.name}@{policy.version} "
          f"(sha256 {policy.content_hash[:12]}), owner {policy.owner}, mode {policy.mode}, "
          f"{len(policy.rules)} rules, {len(policy.guardrails)} guardrails")
    if args.data:
        from ._io import read_data

        policy.apply(read_data(args.data))
        print(f"{args.data}: fits the policy")
    return EXIT_OK


def _cmd_decide(args: argparse.Namespace) -> int:
    from ._io import read_data
    from ._summary import decision_summary
    from .policy import load_policy

    policy = load_policy(args.policy)
    data = read_data(args.data)
    if args.kill_switch:
        policy = policy.with_kill_switch(True)
    records = policy.apply(data)
    print(decision_summary(policy, records, source=str(args.data)))
    if args.out:
        out = Path(args.out)
        if out.exists():
            raise TrustlabError(f"'{out}' already exists; choose a new file for --out "
                                "(decision records are never overwritten)")
        records.to_parquet(out)
        print(f"\nDecision records: {out} ({len(records):,} rows)")
    return EXIT_OK


def _cmd_review(args: argparse.Namespace) -> int:
    from .review import rerun_review, run_review

    if args.rerun:
        if args.policy or args.data or args.champion or args.params:
            print("trustlab review: --rerun takes only the manifest (and --out); the policy, "
                  "data, champion and parameters come from it", file=sys.stderr)
            return EXIT_BAD_INPUT
        run = rerun_review(args.rerun, out=args.out, progress=not args.quiet)
    else:
        if not args.policy or not args.data:
            print("trustlab review: give POLICY and DATA (or --rerun MANIFEST); see "
                  "`trustlab review --help`", file=sys.stderr)
            return EXIT_BAD_INPUT
        run = run_review(args.policy, args.data, champion=args.champion, out=args.out,
                         parameters=dict(args.params or []), progress=not args.quiet)
    stream = sys.stdout if run.exit_code in (0, 1) else sys.stderr
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

    impact = policy_impact(old, new, read_data(args.data), seed=args.seed,
                           bootstrap=args.bootstrap, examples=args.examples)
    with pd.option_context("display.width", 120, "display.max_colwidth", 90):
        print(f"\nImpact on {args.data}:")
        print(impact.summary())
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trustlab",
        description="Design AI-assisted decisions people can trust: policies over model "
                    "signals, replayed on history.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    v = sub.add_parser("validate", help="check a policy file (and optionally data against it)")
    v.add_argument("policy", help="policy YAML file")
    v.add_argument("data", nargs="?", help="optional CSV/Parquet data to check against the policy")
    v.set_defaults(run=_cmd_validate)
    d = sub.add_parser("decide", help="decide every row of a data set and print a summary")
    d.add_argument("policy", help="policy YAML file")
    d.add_argument("data", help="CSV file, Parquet file, or folder of Parquet files")
    d.add_argument("--out", help="write the decision records to this new Parquet file")
    d.add_argument("--kill-switch", action="store_true",
                   help="replay with the policy's kill switch engaged")
    d.set_defaults(run=_cmd_decide)
    f = sub.add_parser(
        "diff", help="what changed between two policy versions (and, with data, its impact)",
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
    f.set_defaults(run=_cmd_diff)
    r = sub.add_parser(
        "review", help="execute the review notebook over a policy and a data set",
        description="Execute notebooks/review.ipynb with papermill and write the executed "
                    "notebook, report.html, metrics.json, decisions.parquet and manifest.json. "
                    "Exit 0: every check passed; 1: a check failed (or a --rerun's results "
                    "differ); 2: bad input, no kernel started; 3: a notebook cell failed.")
    r.add_argument("policy", nargs="?", help="policy YAML file")
    r.add_argument("data", nargs="?", help="CSV file, Parquet file, or folder of Parquet files")
    r.add_argument("--champion", help="the live policy to compare with")
    r.add_argument("--out", help="new output folder (default reviews/<name>-<version>-<UTC time>/)")
    r.add_argument("-p", "--parameter", dest="params", nargs=2, action="append",
                   metavar=("NAME", "VALUE"), help="a notebook parameter, e.g. -p seed 7")
    r.add_argument("--rerun", metavar="MANIFEST",
                   help="re-execute the review of this manifest.json and compare the results")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.set_defaults(run=_cmd_review)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except TrustlabError as exc:
        print(f"trustlab {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
