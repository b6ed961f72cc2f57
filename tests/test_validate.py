"""``trustlab validate POLICY DATA``: a fast gate for CI, and the errors a new user meets.

The tiny policy of ``_support`` with outcomes valued by hand on its ten rows
(actions in ``EXPECTED_TINY``); every review is a recorded human decision, so
no number below depends on a simulated reviewer.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pandas as pd
import pytest

import trustlab
from _support import ACTIONS, REPO, RULES, SIGNAL, credit_text, policy_text, write_policy
from trustlab._cli import main

OUTCOMES = """\
outcomes:
  label: outcome
  bad_when: bad
  values:
    approve: {good: 100, bad: -500}
    decline: {good: -10, bad: 0}
    review: {cost: 5}
  reviewer:
    decision: officer
    map: {approved: approve, declined: decline}
  window: 1D
"""

# per row: the outcome and the recorded human decision; with EXPECTED_TINY's actions
#   values  100, -5, 0, 95, -15, -5, -10, -500, 100, 95  -> total -145, per decision -14.5
#   automated rows 0, 2, 6, 7, 8 -> automation_rate 0.5
#   approved rows 0, 7, 8, one bad (7) -> bad_rate_favourable 1/3
#   reviews on day 1: rows 1, 3, 4; day 2: rows 5, 9 -> peak_reviews_per_window 3
#   automated rows agreeing with the officer: 0, 2, 7, 8 of 0, 2, 6, 7, 8 -> alignment 0.8
OUTCOME = ["good", "bad", "bad", "good", "good", "bad", "good", "bad", "good", "good"]
OFFICER = ["approved", "declined", "declined", "approved", "declined", "declined", "approved",
           "approved", "approved", "approved"]

PASSING = """\
checks:
  - {metric: automation_rate, at_least: 0.5}
  - {metric: value_per_decision, at_least: -20}
  - {metric: peak_reviews_per_window, at_most: 3}
  - {metric: alignment, at_least: 0.8}
"""


@pytest.fixture
def history(tiny_frame):
    """The ten tiny rows with their outcome and the officer's recorded decision."""
    return tiny_frame.assign(outcome=OUTCOME, officer=OFFICER)


def _write(tmp_path, policy: str, frame: pd.DataFrame, name: str = "data.csv"):
    pol = tmp_path / "policy.yaml"
    pol.write_text(policy)
    data = tmp_path / name
    if name.endswith(".parquet"):
        frame.to_parquet(data)
    else:
        frame.to_csv(data, index=False)
    return str(pol), str(data)


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main(["validate", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_all_checks_pass_exit_0_with_the_table(tmp_path, capsys, history):
    """Check that a policy whose checks hold on the data exits 0 and prints each check's value."""
    code, out, err = _run(capsys, *_write(tmp_path, policy_text(OUTCOMES + PASSING), history))
    assert code == 0 and err == ""
    lines = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith("  ")}
    assert lines["automation_rate"][1:] == ["50.0%", ">=", "50.0%", "pass"]
    assert lines["value_per_decision"][1:] == ["-14.50", ">=", "-20.00", "pass"]
    assert lines["peak_reviews_per_window"][1:] == ["3", "<=", "3", "pass"]
    assert lines["alignment"][1:] == ["80.0%", ">=", "80.0%", "pass"]
    assert "10 rows decided by tiny-credit@1.0" in out
    assert out.rstrip().splitlines()[-1] == "PASS: the data fits the policy; all 4 checks passed"
    assert "valid policy" not in out


def test_a_failing_check_exits_1_naming_it(tmp_path, capsys, history):
    """Check that a check that does not hold exits 1, shows its value and is named at the end."""
    checks = PASSING + "  - {metric: bad_rate_favourable, at_most: 0.25}\n"
    code, out, _ = _run(capsys, *_write(tmp_path, policy_text(OUTCOMES + checks), history))
    assert code == 1
    row = next(line for line in out.splitlines() if "bad_rate_favourable" in line
               and line.startswith("  "))
    assert row.split() == ["bad_rate_favourable", "33.3%", "<=", "25.0%", "FAIL"]
    assert out.rstrip().splitlines()[-1] == ("FAIL: 1 of 5 checks failed "
                                             "(bad_rate_favourable <= 0.25)")


def test_parquet_data_is_read_too(tmp_path, capsys, history):
    """Check that a Parquet file gives the same verdict as the CSV."""
    code, out, _ = _run(capsys, *_write(tmp_path, policy_text(OUTCOMES + PASSING), history,
                                        "data.parquet"))
    assert code == 0 and "PASS" in out


def test_a_metric_the_data_cannot_give_fails_its_check_with_the_reason(tmp_path, capsys,
                                                                        history):
    """Check that alignment without recorded decisions, and a check by a column the data
    lacks, fail with the reason instead of passing or crashing."""
    simulated = OUTCOMES.replace("    decision: officer\n    map: {approved: approve, declined: "
                                 "decline}\n", "    accuracy: 0.9\n")
    checks = ("checks:\n  - {metric: automation_rate, at_least: 0.5}\n"
              "  - {metric: alignment, at_least: 0.8}\n"
              "  - {metric: automation_rate, at_least: 0.1, by: branch}\n")
    text = policy_text(simulated + "segments: [branch]\n" + checks)
    code, out, _ = _run(capsys, *_write(tmp_path, text, history.drop(columns=["officer"])))
    assert code == 1
    rows = {line.split()[0] + (" " + line.split()[2] if line.split()[1] == "by" else ""): line
            for line in out.splitlines() if line.startswith("  ") and "  " in line.strip()}
    assert "n/a" in rows["alignment"] and "FAIL" in rows["alignment"]
    assert "no automated decision has a recorded human decision" in rows["alignment"]
    assert "FAIL" in rows["automation_rate branch"]
    assert "column 'branch' is not in the data" in rows["automation_rate branch"]
    assert "note: segments 'branch' are not in the data" in out
    assert "pass" in rows["automation_rate"]
    assert out.rstrip().splitlines()[-1] == ("FAIL: 2 of 3 checks failed (alignment >= 0.8, "
                                             "automation_rate >= 0.1 by branch)")


@pytest.mark.parametrize(
    ("edit", "frame_edit", "expected"),
    [
        # a bad_when no label value matches
        (("bad_when: bad", "bad_when: defaulted"), None,
         ["outcomes.bad_when", "'defaulted' is not a value of label 'outcome'",
          "values: 'bad', 'good'"]),
        # a text label without bad_when
        (("  bad_when: bad\n", ""), None,
         ["outcomes.bad_when: is not given", "label 'outcome' holds text",
          "`bad_when: \"bad\"`"]),
        # YAML's unquoted Yes is the boolean true
        (("bad_when: bad", "bad_when: Yes"), {"good": "No", "bad": "Yes"},
         ["YAML reads an unquoted Yes as true", "quote it: `bad_when: \"Yes\"`"]),
        # the label column under another name
        (("label: outcome", "label: Outcome"), None,
         ["outcomes.label", "names column 'Outcome' as the outcome, and the data lacks it",
          "Did you mean 'outcome'?"]),
        # recorded decisions named and absent
        (("decision: officer", "decision: officers"), None,
         ["outcomes.reviewer.decision", "'officers' of recorded human decisions",
          "Did you mean 'officer'?", "`accuracy: 0.85`"]),
    ],
)
def test_outcome_problems_exit_2_naming_the_field_and_fix(tmp_path, capsys, history, edit,
                                                          frame_edit, expected):
    """Check that a wrong outcome declaration is bad input (2), explained on stderr, and that
    nothing is printed as valid before it."""
    frame = history if frame_edit is None else history.assign(
        outcome=history["outcome"].map(frame_edit))
    text = policy_text(OUTCOMES.replace(*edit) + PASSING)
    code, out, err = _run(capsys, *_write(tmp_path, text, frame))
    assert code == 2 and out == ""
    assert err.startswith("trustlab validate: Data ")
    for part in expected:
        assert part in err


def test_a_simulated_reviewer_needs_its_accuracy_and_right_calls(tmp_path, capsys, history):
    """Check that the data's lacking recorded decisions, with no accuracy to simulate them, and a
    simulated reviewer with no automated action right for a bad outcome are clear errors."""
    no_reviewer = OUTCOMES.replace("  reviewer:\n    decision: officer\n    map: {approved: "
                                   "approve, declined: decline}\n", "")
    code, out, err = _run(capsys, *_write(tmp_path, policy_text(no_reviewer), history))
    assert code == 2 and out == ""
    assert "outcomes.reviewer: the policy names no column of recorded human decisions" in err
    assert "Add `accuracy: 0.85`" in err
    partly = history.assign(officer=[None] * 3 + OFFICER[3:])
    code, _, err = _run(capsys, *_write(tmp_path, policy_text(OUTCOMES), partly))
    assert code == 2 and "3 of 10 rows have no recorded human decision in column 'officer'" in err
    # every automated action is right for a good outcome: nothing for the reviewer to pick on bad
    text = policy_text(OUTCOMES.replace("decision: officer", "accuracy: 0.9\n    decision: officer")
                       ).replace("decline: {automated: true, reversible: false}",
                                 "decline: {automated: true, reversible: false, right_when: good}")
    code, _, err = _run(capsys, *_write(tmp_path, text, partly))
    assert code == 2
    assert "outcomes.reviewer.accuracy" in err and "`right_when: bad`" in err


def test_every_problem_is_reported_at_once(tmp_path, capsys, history):
    """Check that a wrong bad_when comes in one error with a missing column (named once, with
    a suggestion), or with a signal out of its range."""
    text = policy_text(OUTCOMES.replace("bad_when: bad", "bad_when: BAD") + PASSING)
    code, out, err = _run(capsys, *_write(tmp_path, text,
                                          history.rename(columns={"grade": "Grade"})))
    assert code == 2 and out == ""
    assert "has 2 problems" in err
    assert "outcomes.bad_when: 'BAD' is not a value of label 'outcome'" in err
    assert err.count("column 'grade'") == 1
    assert "is read by rules[3].when and rules[3].because, and the data lacks it. Did you mean " \
           "'Grade'?" in err
    out_of_range = history.assign(p=[0.1, None, 1.6, 0.1, 0.3, 0.1, 0.7, 0.15, 0.05, 0.9])
    code, out, err = _run(capsys, *_write(tmp_path, text, out_of_range))
    assert code == 2 and out == "" and "has 2 problems" in err
    assert "signal 'p' is a probability and must lie in [0, 1]; 1 row (app_id 'a2')" in err


def test_missing_columns_are_named_once_each_with_a_suggestion(tiny, tiny_frame):
    """Check that a column read by many rules is one problem listing its places, with the
    data's columns given once, and a suggestion in backticks for a name with a space."""
    text = policy_text().replace("amount > 100", "loan_amount > 100").replace(
        "Amount {amount:,.0f}", "Amount")
    for i in range(8):  # eight more rules that read p
        rule = (f"  - {{id: r{i}, when: p > 0.{i}5 and grade == 'Z{i}', then: review, "
                f"because: '{{p:.0%}}'}}\n")
        text = text.replace("  - id: rest\n", rule + "  - id: rest\n")
    policy = trustlab.parse_policy(text)
    frame = tiny_frame.rename(columns={"p": "P", "amount": "loan amount"})
    with pytest.raises(trustlab.DataError) as info:
        policy.apply(frame)
    problems = info.value.problems
    assert [p.where for p in problems] == ["column 'p'", "column 'loan_amount'"]
    assert problems[0].message.startswith("is read by signals[0], rules[0].when, rules[2].when, "
                                          "rules[2].because and ")
    assert str(info.value).count("Columns: ") == 1
    assert "Did you mean 'P'?" in problems[0].message
    assert ("Did you mean 'loan amount'? It is not a plain name: write `loan amount` in "
            "backticks in a condition.") in problems[1].message
    assert problems[1].message.endswith("Columns: app_id, t, P, loan amount, grade")


def test_a_missing_signal_says_the_review_would_train_it(tmp_path, capsys, history):
    """Check that a signal the data lacks is bad input, saying what the review would do."""
    code, _, err = _run(capsys, *_write(tmp_path, policy_text(OUTCOMES),
                                        history.drop(columns=["p"])))
    assert code == 2
    assert "column 'p': is read by signals[0]" in err
    assert "`trustlab review` would score this signal out of fold from 'outcome'" in err


def test_a_condition_that_does_not_parse_names_the_fix(tmp_path, capsys, history):
    """Check the two hints for a column name with a space: backticks, and quoting in YAML."""
    spaced = policy_text().replace("when: amount > 100", "when: loan amount > 100")
    code, out, err = _run(capsys, *_write(tmp_path, spaced, history))
    assert code == 2 and out == ""
    assert "rules[1].when" in err and "write `loan amount` in backticks" in err
    ticked = policy_text().replace("when: amount > 100", "when: `loan amount` > 100")
    code, out, err = _run(capsys, *_write(tmp_path, ticked, history))
    assert code == 2 and out == ""
    assert 'quote the whole condition: when: "`loan amount` > 100"' in err


def test_policies_without_outcomes(tmp_path, capsys, history):
    """Check that without outcomes the data is still decided; checks then cannot be measured."""
    code, out, _ = _run(capsys, *_write(tmp_path, policy_text(), history))
    assert code == 0 and out.rstrip().endswith("PASS: the data fits the policy; no checks declared")
    code, out, _ = _run(capsys, *_write(tmp_path, policy_text(PASSING), history))
    assert code == 1 and "the policy has no `outcomes` section" in out


def test_policy_only_and_help(tmp_path, capsys):
    """Check that a policy alone is reported valid, and that --help gives the exit codes."""
    pol = tmp_path / "policy.yaml"
    pol.write_text(policy_text(OUTCOMES + PASSING))
    code, out, _ = _run(capsys, str(pol))
    assert code == 0 and "valid policy tiny-credit@1.0" in out and "4 checks" in out
    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    text = capsys.readouterr().out
    assert "exit status:" in text and "1  a check failed" in text and "2  bad input" in text


@pytest.mark.slow  # times validate on 10,000 rows: about 6 s on shared cores
def test_ten_thousand_rows_in_seconds(tmp_path):
    """Check (and print) the wall time of the command on 10k rows, Python start-up included;
    the bound is a sanity bound only (the target is under 3 s)."""
    from trustlab.datasets import make_history

    history = make_history(n_days=125, applications_per_day=85, seed=3).head(10_000)
    assert len(history) == 10_000
    data = tmp_path / "history.csv"
    history.to_csv(data, index=False)
    drift = tmp_path / "drift.yaml"
    drift.write_text(credit_text({"checks:\n": "checks:\n  - metric: max_signal_psi\n"
                                               "    at_most: 0.25\n"}))
    for policy in (REPO / "policies" / "consumer-credit.yaml", drift):
        start, cpu = time.perf_counter(), os.times()
        done = subprocess.run([sys.executable, "-m", "trustlab._cli", "validate", str(policy),
                               str(data)], capture_output=True, text=True, cwd=tmp_path)
        seconds, after = time.perf_counter() - start, os.times()
        used = (after.children_user - cpu.children_user) + (after.children_system
                                                            - cpu.children_system)
        print(f"\ntrustlab validate {policy.name} on {len(history):,} rows: {seconds:.2f} s "
              f"wall, {used:.2f} s CPU")
        assert done.returncode in (0, 1), done.stderr
        assert "max_signal_psi" not in done.stdout or "n/a" not in done.stdout
        assert seconds < 10


def test_validate_states_how_it_read_the_time_column(tmp_path, capsys):
    """Check that validate says how it read a month-stamped time column."""
    from trustlab._cli import main

    policy = write_policy(
        tmp_path, "p.yaml", name="months", owner="Risk", columns={"time": "issue_d"},
        signals=[{**SIGNAL, "model": "m@1"}],
        actions={"approve": ACTIONS["approve"], "review": ACTIONS["review"]},
        rules=[RULES[2], {"id": "rest", "otherwise": True, "then": "review",
                          "because": "A person decides."}],
        guardrails=[{"id": "cap", "kind": "rate_limit", "action": "approve", "max": 1,
                     "per": "1M", "overflow": "review"}],
        outcomes=None)
    data = tmp_path / "d.csv"
    data.write_text("issue_d,p\nMar-2018,0.1\nMar-2018,0.1\nApr-2018,0.1\n")
    assert main(["validate", str(policy), str(data)]) == 0
    out = capsys.readouterr().out
    assert "read 'issue_d' as month stamps like 'Mar-2018' (format %b-%Y)" in out
