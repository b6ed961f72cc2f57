"""The trustlab command: exit codes, messages on stderr, outputs."""

from __future__ import annotations

import pandas as pd
import pytest

from trustlab._cli import main
from _support import policy_text


@pytest.fixture
def files(tmp_path, tiny_frame):
    pol = tmp_path / "tiny.yaml"
    pol.write_text(policy_text())
    csv = tmp_path / "data.csv"
    tiny_frame.to_csv(csv, index=False)
    pq = tmp_path / "data.parquet"
    tiny_frame.to_parquet(pq)
    return pol, csv, pq


def test_validate_ok(files, capsys):
    """Check that a valid policy exits 0 with its identity, and fitting data with one result."""
    pol, csv, _ = files
    assert main(["validate", str(pol)]) == 0
    assert "valid policy tiny-credit@1.0" in capsys.readouterr().out
    assert main(["validate", str(pol), str(csv)]) == 0
    out = capsys.readouterr().out
    assert "10 rows decided by tiny-credit@1.0" in out and "valid policy" not in out
    assert out.rstrip().splitlines()[-1] == "PASS: the data fits the policy; no checks declared"


def test_validate_data_that_does_not_fit_prints_no_success(files, tmp_path, capsys, tiny_frame):
    """Check that data lacking a column exits 2 with the column once and nothing on stdout."""
    pol, _, _ = files
    data = tmp_path / "short.csv"
    tiny_frame.rename(columns={"grade": "grad"}).to_csv(data, index=False)
    assert main(["validate", str(pol), str(data)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("'grade'") == 1 and "Did you mean 'grad'?" in captured.err


def test_validate_bad_policy_exits_2(tmp_path, capsys):
    """Check that an invalid policy exits 2 with every problem on stderr."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(policy_text().replace("then: decline", "then: refuse").replace("trustlab: 1", "trustlab: 3"))
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "2 problems" in err and "rules[2].then" in err


def test_decide_summary_and_records(files, capsys, tmp_path):
    """Check that decide prints the action mix and writes one record per row, never overwriting."""
    pol, csv, pq = files
    out_file = tmp_path / "records.parquet"
    assert main(["decide", str(pol), str(pq), "--out", str(out_file)]) == 0
    out = capsys.readouterr().out
    assert "approve" in out and "3" in out and "automation rate" in out
    rec = pd.read_parquet(out_file)
    assert len(rec) == 10 and rec["action"].tolist()[:3] == ["approve", "review", "decline"]
    assert main(["decide", str(pol), str(csv), "--out", str(out_file)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_decide_missing_column_exits_2(files, tmp_path, capsys, tiny_frame):
    """Check that data lacking a column exits 2 naming the column and the rule."""
    pol, _, _ = files
    data = tmp_path / "short.csv"
    tiny_frame.drop(columns=["grade"]).to_csv(data, index=False)
    assert main(["decide", str(pol), str(data)]) == 2
    err = capsys.readouterr().err
    assert "'grade'" in err and "rules[3].when" in err


@pytest.mark.parametrize("name", ["missing.csv", "data.xlsx"])
def test_unreadable_data_exits_2(files, tmp_path, capsys, name):
    """Check that a missing or unsupported data file exits 2 naming the file."""
    pol, _, _ = files
    path = tmp_path / name
    if name.endswith(".xlsx"):
        path.write_text("x")
    assert main(["decide", str(pol), str(path)]) == 2
    assert name in capsys.readouterr().err


@pytest.mark.parametrize("command", ["validate", "review"])
def test_subcommand_help_documents_exit_4(command, capsys):
    """Check that each subcommand's help says what exit 4 (an unexpected error) means."""
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "4: an unexpected error" in out or "4 an unexpected error" in out


def test_a_policy_whose_key_is_a_record_column_exits_2(tmp_path, capsys):
    """Check that `columns.id: policy` (an insurer's policy number) is refused as bad input."""
    pol = tmp_path / "insurer.yaml"
    pol.write_text(policy_text().replace("{id: app_id, time: t}", "{id: policy, time: t}"))
    assert main(["validate", str(pol)]) == 2
    err = capsys.readouterr().err
    assert "columns.id" in err and "'policy' is a decision-record column" in err
