"""Decision records never lose a user's data: column clashes, and CSV text read as written."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab._io import read_data
from trustlab.policy import text_columns_of
from trustlab.engine._apply import RECORD_COLUMNS
from _support import policy_text


def _problems(text: str) -> dict[str, str]:
    with pytest.raises(trustlab.PolicyError) as info:
        trustlab.parse_policy(text)
    return {p.where: p.message for p in info.value.problems}


@pytest.mark.parametrize("column", ["policy", "action", "reason", "mode", "rule"])
def test_id_named_like_a_record_column_is_refused(column):
    """Check that an insurer's `policy` number (and every record column) as `columns.id` is
    refused at load, naming the clash, the reserved columns and the fix."""
    problems = _problems(policy_text().replace("{id: app_id, time: t}", f"{{id: {column}, time: t}}"))
    message = problems["columns.id"]
    assert f"'{column}' is a decision-record column" in message
    assert "rename the column in your data or choose another column for `columns.id`" in message
    assert all(c in message for c in RECORD_COLUMNS) and "<signal>_model" in message


def test_time_named_like_a_record_column_is_refused():
    """Check that `columns.time: mode` is refused at `columns.time`."""
    problems = _problems(policy_text().replace("{id: app_id, time: t}", "{id: app_id, time: mode}"))
    assert list(problems) == ["columns.time"]
    assert "'mode' is a decision-record column" in problems["columns.time"]


def test_signal_named_like_another_signals_model_column_is_refused():
    """Check that signal `p_model` beside signal `p` is refused at its name: the records'
    `p_model` column holds p's model identity."""
    text = policy_text().replace(
        "  - {name: p, kind: probability, model: m@1, higher_means: risk}\n",
        "  - {name: p, kind: probability, model: m@1, higher_means: risk}\n"
        "  - {name: p_model, kind: score, model: m@2, higher_means: risk}\n")
    problems = _problems(text)
    assert list(problems) == ["signals[1].name"]
    assert "model identity of signal 'p'" in problems["signals[1].name"]
    assert "choose another signal name" in problems["signals[1].name"]


def test_id_named_like_a_signals_model_column_is_refused():
    """Check that `columns.id: p_model` is refused: the records write p's model there."""
    problems = _problems(policy_text().replace("{id: app_id, time: t}", "{id: p_model, time: t}"))
    assert list(problems) == ["columns.id"]
    assert "model identity of signal 'p'" in problems["columns.id"]


def test_columns_that_only_resemble_record_columns_keep_their_values():
    """Check that `policy_no` as the key loads, and the records carry the user's values
    beside the policy's own `policy` column."""
    policy = trustlab.parse_policy(policy_text().replace("{id: app_id, time: t}",
                                                         "{id: policy_no, time: t}"))
    data = pd.DataFrame({"policy_no": ["P-1", "P-2"], "t": ["2025-01-01", "2025-01-02"],
                         "p": [0.1, 0.9], "amount": [10, 10], "grade": ["A", "A"]})
    records = policy.apply(data)
    assert records["policy_no"].tolist() == ["P-1", "P-2"]
    assert records["policy"].tolist() == ["tiny-credit", "tiny-credit"]
    assert records["action"].tolist() == ["approve", "decline"]


def test_a_policy_built_in_code_past_the_loader_never_overwrites(tiny):
    """Check that a Policy whose key names a record column (built without the loader) is
    refused when applied rather than losing the key."""
    clash = dataclasses.replace(tiny, id_column="reason")
    data = pd.DataFrame({"reason": ["K1"], "t": ["2025-01-01"], "p": [0.1], "amount": [10],
                         "grade": ["A"]})
    with pytest.raises(trustlab.PolicyError, match="overwrite"):
        clash.apply(data)


# --------------------------------------------------------------------------- reading CSV


@pytest.fixture
def keyed(tmp_path):
    """A policy keyed by `app_id` comparing `zip` with text, and a CSV written by hand."""
    policy = trustlab.parse_policy(policy_text().replace(
        "when: p < 0.2 and grade in ['A', 'B']", "when: p < 0.2 and zip in ['007', '010']"))
    csv = tmp_path / "data.csv"
    csv.write_text("app_id,t,p,amount,grade,zip,country,flag\n"
                   "007,2025-01-01,0.1,50,A,007,NA,True\n"
                   "0123,2025-01-01,0.1,NA,None,010,None,NA\n"
                   "9,2025-01-02,,50,B,99,,False\n"
                   "10,2025-01-02,0.9,50,B,99,DE,False\n")
    return policy, csv


def test_text_columns_of_a_policy(keyed):
    """Check that the key and every column compared with text are read as text."""
    policy, _ = keyed
    assert text_columns_of(policy) == ("app_id", "zip")


def test_csv_keeps_keys_and_text_as_written(keyed):
    """Check that keys 007/0123 stay text, text `NA`/`None` stay values, and only the
    markers in a column of numbers are missing."""
    policy, csv = keyed
    data = read_data(csv, policy=policy)
    assert data["app_id"].tolist() == ["007", "0123", "9", "10"]
    assert data["zip"].tolist() == ["007", "010", "99", "99"]
    assert data["country"].tolist()[:2] == ["NA", "None"] and pd.isna(data["country"].iloc[2])
    assert data["grade"].tolist()[:2] == ["A", "None"]
    assert data["amount"].tolist()[0] == 50 and np.isnan(data["amount"].iloc[1])
    assert data["flag"].tolist()[0] is True and pd.isna(data["flag"].iloc[1])
    assert data["flag"].tolist()[2] is False
    assert np.isnan(data["p"].iloc[2])
    records = policy.apply(data)
    # row 0: p .1 and zip '007' → low; row 1: amount missing, p .1, zip '010' → low
    assert records["app_id"].tolist() == ["007", "0123", "9", "10"]
    assert records["rule"].tolist() == ["low", "low", "no-score", "high"]


def test_a_column_of_only_markers_is_missing(tmp_path):
    """Check the stated rule: a column holding nothing but markers is missing throughout."""
    csv = tmp_path / "d.csv"
    csv.write_text("a,b\nNA,1\nNone,2\n")
    assert read_data(csv)["a"].isna().all()


def test_without_a_policy_keys_are_numbers(keyed):
    """Check that the policy is what makes the key text: read alone, 007 is 7 as before."""
    _, csv = keyed
    assert read_data(csv)["app_id"].tolist() == [7, 123, 9, 10]
    assert read_data(csv, text_columns=["app_id"])["app_id"].tolist()[:2] == ["007", "0123"]


def test_missing_markers_are_configurable(tmp_path):
    """Check `na_values` (columns of numbers) and `text_na_values` (columns of text)."""
    csv = tmp_path / "d.csv"
    csv.write_text("n,s\n1,x\n-,None\nNA,\n")
    default = read_data(csv)
    assert default["n"].tolist() == ["1", "-", "NA"]  # '-' is no default marker: text
    assert default["s"].tolist()[:2] == ["x", "None"] and pd.isna(default["s"].iloc[2])
    custom = read_data(csv, na_values=("", "-", "NA"), text_na_values=("", "None"))
    assert custom["n"].tolist()[0] == 1 and custom["n"].isna().tolist() == [False, True, True]
    assert custom["s"].tolist()[0] == "x" and custom["s"].isna().tolist() == [False, True, True]


def test_shipped_data_reads_as_pandas_reads_it():
    """Check that data without text markers reads exactly as `pandas.read_csv` does."""
    from _support import REPO

    path = REPO / "datasets" / "german_credit.csv"
    pd.testing.assert_frame_equal(read_data(path), pd.read_csv(path))


def test_cli_decide_keeps_leading_zeros(keyed, tmp_path, capsys):
    """Check that `trustlab decide` reads the key as text: records keep 007 and 0123."""
    from trustlab._cli import main

    policy_file = tmp_path / "keyed.yaml"
    policy_file.write_text(policy_text().replace(
        "when: p < 0.2 and grade in ['A', 'B']", "when: p < 0.2 and zip in ['007', '010']"))
    out = tmp_path / "records.parquet"
    assert main(["decide", str(policy_file), str(keyed[1]), "--out", str(out)]) == 0
    capsys.readouterr()
    records = pd.read_parquet(out)
    assert records["app_id"].tolist() == ["007", "0123", "9", "10"]
    assert records["rule"].tolist() == ["low", "low", "no-score", "high"]
