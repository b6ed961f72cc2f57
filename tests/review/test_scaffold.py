"""trustlab init: the starter project and the policy drafted from a team's history."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab import ConfigError, DataError
from trustlab._cli import main
from trustlab.datasets import make_fraud_history, make_retention_history
from trustlab.review import detect_columns, draft_policy, init_project
from _support import REPO


@pytest.fixture(scope="module")
def churn() -> pd.DataFrame:
    """Retention history as a team stores it: month stamps, pandas string columns, a
    float32 score, a nullable-integer outcome, a text row key with leading zeros."""
    d = make_retention_history(n_days=90, customers_per_day=25, seed=5)
    d["period"] = pd.to_datetime(d.pop("contact_date")).dt.strftime("%Y-%m").astype("string")
    d["p_churn"] = d["p_churn"].astype(np.float32)
    d["left"] = (d.pop("churned") == "Yes").astype("Int64")
    d["account_id"] = pd.Series([f"{i:06d}" for i in range(len(d))], dtype="string")
    return d.drop(columns=["customer_id"])


def test_detects_columns_of_a_team_history(churn):
    """Check the row key, month stamps, nullable-int outcome and float32 signal are found and
    each guess is stated."""
    d = detect_columns(churn)
    assert (d.id, d.time, d.label, d.signal) == ("account_id", "period", "left", "p_churn")
    assert d.bad_when == ("1",) and d.signal_kind == "probability" and d.higher_means == "risk"
    assert "month stamps" in d.notes[1]
    assert "p_churn" not in d.features and "left" not in d.features


@pytest.mark.parametrize("favourable", ["low-risk", "high-risk"])
def test_draft_is_valid_and_passes_its_own_checks(churn, favourable):
    """Check the draft loads, its lines are quantiles of the signal, its checks hold on the
    history it was drafted from, and every reason shows its line as written."""
    draft = draft_policy(churn, name="churn", favourable=favourable)
    policy = trustlab.parse_policy(draft.text)
    assert policy.outcomes.window.text == "1M"
    assert "DRAFT" in draft.text
    thresholds = [float(t) for t in re.findall(r'when: "p_churn >= ([0-9.]+)"', draft.text)]
    qs = (0.9,) if favourable == "low-risk" else (0.8, 0.6)
    for t, q in zip(thresholds, qs):
        assert t == pytest.approx(np.quantile(churn["p_churn"], q), rel=0.06)
    records = policy.apply(churn)
    from trustlab.simulate import replay

    r = replay(policy, churn, records=records)
    assert r.checks["passed"].all()
    if favourable == "high-risk":
        assert policy.right_call_of("act") == "bad"
    line = thresholds[0]
    fired = records[records["rule"] == "high-risk"]["reason"]
    assert fired.str.contains(f"{line:.0%}", regex=False).all()


def test_benefit_score_is_read_as_such():
    """Check a score where higher means good (a credit score) is drafted with the lines on
    the right sides."""
    d = make_fraud_history(n_days=30, transactions_per_day=200, seed=2)
    d["trust_score"] = (1 - d.pop("p_fraud")) * 900
    draft = draft_policy(d, signal="trust_score")
    assert draft.detected.higher_means == "benefit" and draft.detected.signal_kind == "score"
    policy = trustlab.parse_policy(draft.text)
    low = policy.apply(d.assign(trust_score=10.0))
    high = policy.apply(d.assign(trust_score=899.0))
    assert (low["action"] == "decline").all() and (high["action"] == "approve").all()


def test_missing_signal_is_trained_for_the_lines(churn):
    """Check a history without a score gets lines at quantiles of a signal trained at init."""
    draft = draft_policy(churn.drop(columns=["p_churn"]).head(1500), label="left")
    assert draft.detected.signal is None and "trained at init" in draft.detected.notes[-1]
    assert "name: \"p_left\"" in draft.text


def test_refusals_name_the_option():
    """Check an absent column or an undetectable outcome is a DataError naming the option."""
    d = pd.DataFrame({"x": np.arange(10.0), "y2": np.arange(10.0)})
    with pytest.raises(DataError, match="--label"):
        detect_columns(d)
    with pytest.raises(DataError, match="--signal.*not in the data"):
        detect_columns(d.assign(churned=[0, 1] * 5), signal="nope")


def test_init_writes_the_project(churn, tmp_path):
    """Check the folder: notebooks with parameters set and no outputs, policy, glossary stub
    listing the features, README of next steps; a non-empty folder is refused."""
    data = tmp_path / "history.parquet"
    churn.to_parquet(data)
    s = init_project(tmp_path / "proj", data, favourable="high-risk")
    names = sorted(p.name for p in (s.folder / "notebooks").glob("*.ipynb"))
    assert names == sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
    nb = json.loads((s.folder / "notebooks" / "02_policy_design.ipynb").read_text())
    params = "".join(next(c for c in nb["cells"]
                          if "parameters" in c["metadata"].get("tags", []))["source"])
    assert 'dataset: str = "../history.parquet"' in params
    assert 'policy: str = "policies/history.yaml"' in params
    assert not any(c.get("outputs") for c in nb["cells"])
    glossary = trustlab.load_glossary(s.folder / "glossaries" / "history.yaml")
    assert glossary is not None
    assert "trustlab review policies/history.yaml" in (s.folder / "README.md").read_text()
    with pytest.raises(ConfigError, match="not empty"):
        init_project(s.folder, data)


def test_init_without_data_starts_from_the_example(tmp_path):
    """Check init with no data copies the shipped Lending Club example policy."""
    s = init_project(tmp_path / "ex")
    assert s.policy.read_text().split("\n", 1)[1] == (
        REPO / "policies" / "lending-club-risk.yaml").read_text()
    assert s.policy.read_text().startswith("# yaml-language-server: $schema=policy.schema.json")
    assert (s.folder / "policies" / "policy.schema.json").is_file()


def test_cli_init_and_conventions(churn, tmp_path, capsys):
    """Check `trustlab init`, --version, swapped arguments and help with defaults."""
    data = tmp_path / "h.csv"
    churn.to_csv(data, index=False)
    assert main(["init", str(tmp_path / "p"), "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "row key: 'account_id'" in out and "trustlab validate policies/h.yaml" in out
    assert main(["init", str(tmp_path / "p"), "--data", str(data)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert main(["decide", str(data), str(tmp_path / "p" / "policies" / "h.yaml")]) == 2
    err = capsys.readouterr().err
    assert "the first argument should be the policy file" in err and "Usage" in err
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == \
        f"trustlab {trustlab.__version__}"
    with pytest.raises(SystemExit):
        main(["diff", "--help"])
    text = capsys.readouterr().out
    assert "(default: 1000)" in text and "exit status:" in text and "  2  bad input" in text
