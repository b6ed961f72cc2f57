"""`trustlab review`: every exit code, the output folder, reproducibility and reruns."""

from __future__ import annotations

import json
import shutil

import nbformat
import pandas as pd
import pytest

from trustlab._cli import main
from trustlab.datasets import load_lending_club
from trustlab.review import _run
from _support import REPO

FAST = ["-p", "bootstrap", "50", "-p", "cases", "2", "--quiet"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """A 2,000-row Lending Club extract and copies of the example policies."""
    d = tmp_path_factory.mktemp("inputs")
    load_lending_club().head(2000).to_csv(d / "loans.csv", index=False)
    shutil.copy(REPO / "policies" / "lending-club-intake.yaml", d / "lending-club-intake.yaml")
    risk = (REPO / "policies" / "lending-club-risk.yaml").read_text()
    assert "at_most: 0.03" in risk
    (d / "lending-club-risk.yaml").write_text(risk.replace("at_most: 0.03", "at_most: 0.08"))
    return d


@pytest.fixture(scope="module")
def first_run(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "first"
    code = main(["review", str(inputs / "lending-club-risk.yaml"), str(inputs / "loans.csv"),
                 "--champion", str(inputs / "lending-club-intake.yaml"), "--out", str(out), *FAST])
    return code, out


@pytest.mark.slow  # a review run (notebook kernel), or the module's first one
def test_a_passing_review_writes_the_whole_folder(first_run, inputs):
    """Check exit 0 and every file of the contract, with one decision record per data row."""
    code, out = first_run
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "decisions.parquet", "manifest.json", "metrics.json", "report.html", "review.ipynb",
        "status.json"]
    decisions = pd.read_parquet(out / "decisions.parquet")
    assert len(decisions) == 2000
    for column in ("row", "policy", "policy_version", "policy_hash", "mode", "p_default",
                   "p_default_model", "action", "rule", "rule_action", "guardrail", "reason",
                   "escalate", "automated", "reason_1"):
        assert column in decisions.columns, column
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["verdict"] == "pass" and metrics["checks"]
    assert all({"value", "at_least", "at_most", "passed"} <= set(c) for c in metrics["checks"])
    assert metrics["signals_trained"][0]["signal"] == "p_default"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["policy"]["name"] == "lending-club-risk"
    assert set(manifest["inputs"]) >= {"policy", "data", "champion", "notebooks"}
    assert manifest["packages"]["pandas"] and manifest["started"] <= manifest["finished"]
    assert manifest["parameters"]["bootstrap"] == 50


@pytest.mark.slow  # a review run (notebook kernel), or the module's first one
def test_report_is_static_and_self_contained(first_run):
    """Check the report: verdict and owner first, figures embedded, no code, no scripts, no CDN."""
    text = (first_run[1] / "report.html").read_text()
    assert "<script" not in text and 'src="http' not in text and "cdnjs" not in text
    assert text.count('src="data:image/png;base64,') >= 2
    assert text.index("Verdict: PASS") < text.index("What changed since the champion")
    assert "Head of Unsecured Lending" in text and "scored out of fold" in text
    assert "nb.notebook_parameters" not in text  # no code cells


@pytest.mark.slow  # a review run (notebook kernel), or the module's first one
def test_same_inputs_give_byte_identical_results(first_run, inputs, tmp_path):
    """Check the rerun from the manifest matches, then that a changed data file is detected."""
    code, out = first_run
    again = tmp_path / "again"
    assert main(["review", "--rerun", str(out / "manifest.json"), "--out", str(again),
                 "--quiet"]) == 0
    for name in ("metrics.json", "decisions.parquet"):
        assert (again / name).read_bytes() == (out / name).read_bytes()
    changed = inputs / "loans.csv"
    original = changed.read_bytes()
    try:
        changed.write_bytes(original.replace(b"\n", b"\r\n", 1))
        run = _run.rerun_review(out / "manifest.json", out=tmp_path / "third", progress=False)
        assert run.exit_code == 2 and "loans.csv" in run.message and "changed" in run.message
        assert not (tmp_path / "third").exists()  # refused before any kernel
    finally:
        changed.write_bytes(original)


@pytest.mark.slow  # a review run (notebook kernel), or the module's first one
def test_existing_folder_is_refused(first_run, inputs, capsys):
    """Check that a non-empty output folder is never overwritten."""
    code = main(["review", str(inputs / "lending-club-risk.yaml"), str(inputs / "loans.csv"),
                 "--out", str(first_run[1]), "--quiet"])
    assert code == 2
    assert "already exists and is not empty" in capsys.readouterr().err


@pytest.mark.parametrize("args, fragment", [
    (["-p", "bogus", "1"], "valid names: glossary"),
    (["-p", "seed", "seven"], "-p seed: must be a whole number"),
    (["-p", "policy", "x.yaml"], "is set by the command itself"),
    (["-p", "train_signal", "false"], "column 'p_default'"),
    (["-p", "label", "nope"], "column 'nope': is not in the data"),
    (["-p", "label", "defaulted"], "'bad' is not a value of label 'Class' (values: False, True)"),
])
def test_bad_parameters_exit_2_before_any_kernel(inputs, tmp_path, capsys, args, fragment):
    """Check that unknown, mistyped and reserved parameters are refused, listing valid names."""
    out = tmp_path / "never"
    code = main(["review", str(inputs / "lending-club-risk.yaml"), str(inputs / "loans.csv"),
                 "--out", str(out), "--quiet", *args])
    assert code == 2 and fragment in capsys.readouterr().err
    assert not out.exists()


def test_bad_policy_and_data_exit_2(inputs, tmp_path, capsys):
    """Check a broken policy file and data missing a column the policy reads."""
    bad = tmp_path / "bad.yaml"
    bad.write_text((inputs / "lending-club-risk.yaml").read_text().replace("then: decline",
                                                                           "then: refuse", 1))
    assert main(["review", str(bad), str(inputs / "loans.csv"), "--quiet"]) == 2
    assert "refuse" in capsys.readouterr().err
    slim = tmp_path / "slim.csv"
    pd.read_csv(inputs / "loans.csv").drop(columns="revol_util").to_csv(slim, index=False)
    assert main(["review", str(inputs / "lending-club-risk.yaml"), str(slim), "--quiet"]) == 2
    assert "revol_util" in capsys.readouterr().err


@pytest.mark.slow  # a review run (notebook kernel), or the module's first one
def test_failed_check_exits_1(inputs, tmp_path):
    """Check that a review whose policy fails one of its checks exits 1 and says which."""
    strict = tmp_path / "strict.yaml"
    strict.write_text((inputs / "lending-club-risk.yaml").read_text()
                      .replace("at_least: 0.6", "at_least: 0.99"))
    run = _run.run_review(strict, inputs / "loans.csv", out=tmp_path / "out",
                          parameters={"bootstrap": "0", "cases": "1"}, progress=False)
    assert run.exit_code == 1 and run.verdict == "fail"
    assert "automation_rate >= 0.99" in run.message
    assert json.loads((tmp_path / "out" / "metrics.json").read_text())["verdict"] == "fail"


@pytest.mark.slow  # a review run (notebook kernel), or the module's first one
def test_failed_cell_exits_3_and_keeps_the_partial_notebook(inputs, tmp_path, monkeypatch):
    """Check exit 3 naming the failed cell, with the partially executed notebook kept."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nb = nbformat.read(REPO / "notebooks" / "review.ipynb", as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell("raise RuntimeError('deliberate failure')"))
    nbformat.write(nb, folder / "review.ipynb")
    monkeypatch.setattr(_run, "review_notebooks", lambda: folder)
    run = _run.run_review(inputs / "lending-club-risk.yaml", inputs / "loans.csv",
                          out=tmp_path / "out", parameters={"bootstrap": "0"}, progress=False)
    assert run.exit_code == 3
    assert "RuntimeError: deliberate failure" in run.message and "review.ipynb (\"raise RuntimeError" in run.message
    partial = nbformat.read(tmp_path / "out" / "review.ipynb", as_version=4)
    assert any(o.get("ename") == "RuntimeError" for c in partial.cells
               for o in c.get("outputs", []))
