"""``trustlab decide`` names its stages as it goes, quiet with ``--quiet``, same records."""

from __future__ import annotations

import io
import re

import pytest

from trustlab._cli import main
from trustlab.datasets import make_retention_history
from _support import REPO

POLICY = str(REPO / "policies" / "retention-offer.yaml")
TIME = r"\(\d+\.\d s\)"


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Sixty days of retention contacts: enough to fill the daily offer budget."""
    path = tmp_path_factory.mktemp("decide") / "history.parquet"
    make_retention_history(n_days=60, customers_per_day=80, seed=3).to_parquet(path)
    return path


def _decide(*args: str) -> int:
    return main(["decide", POLICY, *args])


def test_ci_writes_one_line_per_stage(history, tmp_path, capsys, monkeypatch):
    """Check CI gets reading, deciding N rows and writing N records, each with the time so
    far, then a done line; stdout keeps the summary and no progress."""
    monkeypatch.setenv("CI", "1")
    out = tmp_path / "records.parquet"
    assert _decide(str(history), "--out", str(out)) == 0
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 4, lines
    assert re.fullmatch(rf"Decide: 1/3 reading {re.escape(str(history))} {TIME}", lines[0])
    assert re.fullmatch(rf"Decide: 2/3 deciding [\d,]+ rows {TIME}", lines[1])
    assert re.fullmatch(rf"Decide: 3/3 writing [\d,]+ records to {re.escape(str(out))} {TIME}",
                        lines[2])
    assert re.fullmatch(rf"Decide: done, 3/3 {TIME}", lines[3])
    rows = lines[1].split()[3]
    assert f"({rows} rows)" in captured.out and "Decide" not in captured.out


def test_without_out_two_stages(history, capsys, monkeypatch):
    """Check that without --out there is no writing stage."""
    monkeypatch.setenv("CI", "1")
    assert _decide(str(history)) == 0
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" ")[1] for line in lines] == ["1/2", "2/2", "done,"]


def test_terminal_draws_one_line_in_place(history, capsys, monkeypatch):
    """Check that on a terminal the stages redraw one bar line, ended by the done line."""
    monkeypatch.delenv("CI", raising=False)
    tty = io.StringIO()
    tty.isatty = lambda: True
    monkeypatch.setattr("sys.stderr", tty)
    assert _decide(str(history)) == 0
    text = tty.getvalue()
    assert text.count("\n") == 1 and text.endswith("\x1b[K\n")
    assert "\rDecide [" in text and "2/2 deciding" in text and "\rDecide: done, 2/2" in text


def test_quiet_writes_nothing_and_records_are_identical(history, tmp_path, capsys, monkeypatch):
    """Check --quiet writes nothing on stderr, and the records and summary are byte-identical
    with progress on and off."""
    monkeypatch.setenv("CI", "1")
    loud, quiet = tmp_path / "loud.parquet", tmp_path / "quiet.parquet"
    assert _decide(str(history), "--out", str(loud)) == 0
    loud_out = capsys.readouterr().out
    assert _decide(str(history), "--out", str(quiet), "--quiet") == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out.replace(str(quiet), str(loud)) == loud_out
    assert loud.read_bytes() == quiet.read_bytes()


def test_existing_out_refused_before_reading(history, tmp_path, capsys, monkeypatch):
    """Check an existing --out is refused (exit 2) before the data is read or decided."""
    monkeypatch.setenv("CI", "1")
    out = tmp_path / "taken.parquet"
    out.write_bytes(b"keep")
    assert _decide(str(history), "--out", str(out)) == 2
    captured = capsys.readouterr()
    assert "already exists" in captured.err and "Decide" not in captured.err
    assert captured.out == "" and out.read_bytes() == b"keep"


def test_failure_says_stopped(tmp_path, capsys, monkeypatch):
    """Check data the policy cannot decide ends the progress as stopped, then the error."""
    monkeypatch.setenv("CI", "1")
    bad = tmp_path / "bad.parquet"
    make_retention_history(n_days=5, seed=1).drop(columns="p_churn").to_parquet(bad)
    assert _decide(str(bad)) == 2
    err = capsys.readouterr().err
    assert re.search(rf"Decide: stopped, 2/2 {TIME}\n", err) and "p_churn" in err
