"""`trustlab review` of the retention offer and the fraud hold, beside credit.

Each example policy is reviewed on its shipped history twice: with the shipped
signal, and with the signal column removed so the review trains it. The
numbers in ``metrics.json`` are checked against a hand computation on the CSV
(rules, the rate limit per window, the values of ``outcomes``, the seeded
reviewer), so a review that values a retention offer or a hold the wrong way
round fails here. The ``bad_when`` parameter is checked through the command and
through :func:`trustlab.review.assess`.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from trustlab import DataError, ConfigError, load_policy, parse_policy
from trustlab._cli import main
from trustlab.review import read_parameters
from trustlab.datasets import load_lending_club
from trustlab.review import assess, bad_when_read_as, parse_bad_when
from trustlab.simulate import replay
from _support import REPO

FAST = ["-p", "bootstrap", "20", "-p", "cases", "2", "--quiet"]
RETENTION = REPO / "policies" / "retention-offer.yaml"
FRAUD = REPO / "policies" / "fraud-hold.yaml"


def overall(doc: dict) -> dict[str, float]:
    """Metric name → value over all rows, from a ``metrics.json`` document."""
    return {m["metric"]: m["value"] for m in doc["metrics"] if m["by"] is None}


def run(policy, data, out, *params) -> tuple[int, dict, pd.DataFrame]:
    """Run ``trustlab review`` into ``out``; its exit code, metrics.json and decision records."""
    code = main(["review", str(policy), str(data), "--out", str(out), *FAST, *params])
    if code not in (0, 1):
        return code, {}, pd.DataFrame()
    return (code, json.loads((out / "metrics.json").read_text()),
            pd.read_parquet(out / "decisions.parquet"))


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """The shipped CSVs, and copies without the signal column."""
    d = tmp_path_factory.mktemp("inputs")
    for name, signal in (("retention_history", "p_churn"), ("fraud_history", "p_fraud")):
        frame = pd.read_csv(REPO / "datasets" / f"{name}.csv")
        frame.to_csv(d / f"{name}.csv", index=False)
        frame.drop(columns=signal).to_csv(d / f"{name}_unscored.csv", index=False)
    return d


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return tmp_path_factory.mktemp("runs")


# --------------------------------------------------------------------------- retention

@pytest.fixture(scope="module")
def retention_shipped(inputs, runs):
    return run(RETENTION, inputs / "retention_history.csv", runs / "retention")


@pytest.fixture(scope="module")
def retention_trained(inputs, runs):
    """The signal trained here, with no glossary: features read as plain words."""
    return run(RETENTION, inputs / "retention_history_unscored.csv", runs / "retention-trained")


def retention_by_hand(df: pd.DataFrame, seed: int = 0) -> dict[str, float]:
    """The retention policy's decisions and value worked out from its YAML, row by row in numpy.

    desk: p_churn >= 0.45 and monthly_charge >= 60; offer: p_churn >= 0.30 otherwise, at most
    14 a contact date in row order, the rest no_offer; values offer {good -30, bad -192},
    no_offer {good 0, bad -300}, desk 15 then a simulated desk right 75% of the time (draw
    u < 0.75 from default_rng(seed)): right is an offer to a churner, no offer to a stayer.
    """
    p, charge = df["p_churn"].to_numpy(), df["monthly_charge"].to_numpy()
    bad = df["churned"].eq("Yes").to_numpy()
    desk = (p >= 0.45) & (charge >= 60)
    wants_offer = ~desk & (p >= 0.30)
    rank = pd.Series(wants_offer).groupby(df["contact_date"].to_numpy()).cumsum().to_numpy()
    offer = wants_offer & (rank <= 14)
    right = np.random.default_rng(seed).random(len(df)) < 0.75
    desk_value = -15 + np.where(right, np.where(bad, -192, 0), np.where(bad, -300, -30))
    value = np.select([offer, desk], [np.where(bad, -192, -30), desk_value],
                      np.where(bad, -300, 0))
    return {
        "share.offer": offer.mean(), "share.desk": desk.mean(),
        "share.no_offer": 1 - offer.mean() - desk.mean(),
        "guardrail_interventions": float((wants_offer & ~offer).sum()),
        "bad_rate_favourable": bad[offer].mean(),
        "bad_capture_rate": (offer | desk)[bad].mean(),
        "value_total": float(value.sum()),
        "peak_reviews_per_window": float(pd.Series(desk).groupby(df["contact_date"].to_numpy())
                                         .sum().max()),
    }


@pytest.mark.slow  # a review run (notebook kernel) on the shipped retention history
def test_retention_review_passes_and_values_an_offer_to_a_churner_as_right(retention_shipped):
    """Check exit 0 and pass, one record per row, and every headline number against the hand
    computation: an offer counts towards the bad-rate among offers and the churners caught."""
    code, doc, decisions = retention_shipped
    df = pd.read_csv(REPO / "datasets" / "retention_history.csv")
    assert code == 0 and doc["verdict"] == "pass"
    assert len(decisions) == len(df) == doc["data"]["rows"] == 9145
    assert decisions["customer_id"].tolist() == df["customer_id"].tolist()
    got, want = overall(doc), retention_by_hand(df)
    for name, value in want.items():
        assert got[name] == pytest.approx(value, rel=1e-12, abs=1e-9), name
    assert got["value_per_decision"] == pytest.approx(want["value_total"] / len(df))
    assert 0 < want["guardrail_interventions"] < 200  # the daily budget binds on busy days
    assert doc["bad_when"] == ["Yes"] and doc["signals_trained"] == []


@pytest.mark.slow  # a review run that trains the signal out of fold: about a minute
def test_retention_review_trains_the_signal(retention_trained, runs):
    """Check a history without p_churn is scored out of fold here, passes, says which cases the
    first time block left unscored, and that without a glossary the reasons read the column
    names as plain words."""
    code, doc, decisions = retention_trained
    assert code == 0 and doc["verdict"] == "pass"
    assert len(decisions) == 9145
    trained = doc["signals_trained"][0]
    assert trained["signal"] == "p_churn" and 0.70 < trained["oof_auc"] < 0.85
    df = pd.read_csv(REPO / "datasets" / "retention_history.csv").drop(columns="p_churn")
    scored = df.assign(p_churn=decisions["p_churn"].to_numpy())
    got, want = overall(doc), retention_by_hand(scored.fillna({"p_churn": 0.0}))
    for name in ("share.offer", "share.desk", "guardrail_interventions", "value_total"):
        assert got[name] == pytest.approx(want[name], rel=1e-12, abs=1e-9), name
    reasons = decisions["reason_1"].dropna()
    assert len(reasons) and not reasons.str.contains("_").any()
    words = " ".join(decisions.filter(regex=r"^reason_\d+$").stack().dropna().astype(str)).lower()
    assert "tenure months" in words or "num late payments" in words
    assert "instalment" not in words and "credit grade" not in words  # no other data's glossary
    unscored = int(decisions["p_churn"].isna().sum())
    assert 0 < unscored < len(decisions) / 4
    report = " ".join((runs / "retention-trained" / "report.html").read_text().split())
    assert f"{unscored:,} cases have no trained &#x27;p_churn&#x27; score" in report \
        or f"{unscored:,} cases have no trained 'p_churn' score" in report


# --------------------------------------------------------------------------- fraud

@pytest.fixture(scope="module")
def fraud_shipped(inputs, runs):
    return run(FRAUD, inputs / "fraud_history.csv", runs / "fraud")


@pytest.fixture(scope="module")
def fraud_trained(inputs, runs):
    """The signal trained here, with the fraud glossary (its prohibited columns are the ones
    known only after the decision)."""
    return run(FRAUD, inputs / "fraud_history_unscored.csv", runs / "fraud-trained",
               "-p", "glossary", str(REPO / "glossaries" / "fraud.yaml"))


def fraud_by_hand(df: pd.DataFrame, seed: int = 0) -> dict[str, float]:
    """The fraud policy's decisions and value worked out from its YAML in numpy.

    Rules in order: missing score and amount < 100 release; missing score review;
    p_fraud > 0.30 hold (at most 3 an hour, the rest review); amount >= 2000 review;
    p_fraud < 0.02 release; else review. Values release {good 2.4, bad -280}, hold {good -12,
    bad 0}, review 5 then the analyst: the recorded decision where there is one, else right
    90% of the time (u < 0.9): a hold for a fraud, a release otherwise.
    """
    p, amount = df["p_fraud"].to_numpy(), df["amount"].to_numpy()
    missing = np.isnan(p)
    bad = df["is_fraud"].eq(1).to_numpy()
    wants_hold = ~missing & (p > 0.30)
    hour = pd.to_datetime(df["transaction_time"]).dt.floor("h").to_numpy()
    rank = pd.Series(wants_hold).groupby(hour).cumsum().to_numpy()
    hold = wants_hold & (rank <= 3)
    release = (missing & (amount < 100)) | (~missing & ~wants_hold & (amount < 2000) & (p < 0.02))
    review = ~hold & ~release
    recorded = df["analyst_decision"].map({"held": True, "released": False})
    right = np.random.default_rng(seed).random(len(df)) < 0.9
    analyst_holds = np.where(recorded.notna(), recorded.fillna(False).astype(bool),
                             np.where(right, bad, ~bad))
    analyst_value = np.where(analyst_holds, np.where(bad, 0, -12), np.where(bad, -280, 2.4))
    value = np.select([hold, release], [np.where(bad, 0, -12), np.where(bad, -280, 2.4)],
                      analyst_value - 5)
    automated = hold | release
    compared = automated & recorded.notna().to_numpy()
    agree = np.where(hold, analyst_holds, ~analyst_holds)
    return {
        "share.hold": hold.mean(), "share.release": release.mean(),
        "share.review": review.mean(),
        "guardrail_interventions": float((wants_hold & ~hold).sum()),
        "bad_capture_rate": (~release)[bad].mean(),
        "wrong_call_rate": ((hold & ~bad) | (release & bad))[automated].mean(),
        "alignment": agree[compared].mean(),
        "value_total": float(value.sum()),
        "peak_reviews_per_window": float(pd.Series(review).groupby(
            pd.to_datetime(df["transaction_time"]).dt.floor("D").to_numpy()).sum().max()),
    }


@pytest.mark.slow  # a review run (notebook kernel) on the shipped fraud history
def test_fraud_review_passes_and_values_a_hold_on_a_fraud_as_right(fraud_shipped):
    """Check exit 0 and pass, one record per row, and the headline numbers against the hand
    computation: a hold on a fraud is a right call and is worth what it saves."""
    code, doc, decisions = fraud_shipped
    df = pd.read_csv(REPO / "datasets" / "fraud_history.csv")
    assert code == 0 and doc["verdict"] == "pass"
    assert len(decisions) == len(df) == 9133
    got, want = overall(doc), fraud_by_hand(df)
    for name, value in want.items():
        assert got[name] == pytest.approx(value, rel=1e-12, abs=1e-9), name
    assert want["share.hold"] > 0 and doc["bad_when"] == [1]


@pytest.mark.slow  # a review run that trains the signal out of fold: about a minute
def test_fraud_review_trains_the_signal_without_the_outcome_columns(fraud_trained):
    """Check a history without p_fraud is scored out of fold here and passes; the glossary keeps
    the chargeback status and the analysts' calls out of the model (no leak: AUC well under 1)
    and gives its plain phrases as reasons."""
    code, doc, decisions = fraud_trained
    assert code == 0 and doc["verdict"] == "pass"
    assert len(decisions) == 9133
    trained = doc["signals_trained"][0]
    assert trained["signal"] == "p_fraud" and 0.75 < trained["oof_auc"] < 0.95
    df = pd.read_csv(REPO / "datasets" / "fraud_history.csv").drop(columns="p_fraud")
    got = overall(doc)
    want = fraud_by_hand(df.assign(p_fraud=decisions["p_fraud"].to_numpy()))
    for name in ("share.hold", "share.release", "share.review", "value_total"):
        assert got[name] == pytest.approx(want[name], rel=1e-12, abs=1e-9), name
    phrases = " ".join(decisions.filter(regex=r"^reason_\d+$").stack().dropna().astype(str))
    assert "chargeback" not in phrases.lower() and "analyst" not in phrases.lower()
    assert any(p in phrases for p in ("The amount is", "device", "merchant", "The card"))


@pytest.mark.slow  # a further review run on the fraud history
def test_fraud_outcome_read_from_the_chargeback_status(fraud_shipped, inputs, runs):
    """Check `-p label chargeback_status -p bad_when '[...]'` (a list of bad values) reads the
    same outcome as is_fraud: every metric equal, and metrics.json says how it was read."""
    code, doc, _ = run(FRAUD, inputs / "fraud_history.csv", runs / "fraud-status",
                       "-p", "label", "chargeback_status",
                       "-p", "bad_when", '["chargeback_fraud", "confirmed_fraud"]')
    assert code == 0 and doc["verdict"] == "pass"
    assert doc["label"] == "chargeback_status"
    assert sorted(doc["bad_when"]) == ["chargeback_fraud", "confirmed_fraud"]
    assert doc["policy"]["hash"] == fraud_shipped[1]["policy"]["hash"]
    assert overall(doc) == pytest.approx(overall(fraud_shipped[1]), nan_ok=True)


# --------------------------------------------------------------------------- parameters

@pytest.mark.parametrize("policy, data, args, fragment", [
    (RETENTION, "retention_history.csv", ["-p", "bad_when", "Maybe"],
     "'Maybe' is not a value of label 'churned' (values: 'No', 'Yes')"),
    (RETENTION, "retention_history.csv", ["-p", "bad_when", '["Yes"'], "is not valid JSON"),
    (FRAUD, "fraud_history.csv", ["-p", "label", "chargeback_status"],
     "1 is not a value of label 'is_fraud'"),
    (FRAUD, "fraud_history.csv", ["-p", "bad_when", "[[1]]"], "is not a list of plain values"),
])
def test_bad_when_is_checked_before_any_kernel(inputs, tmp_path, capsys, policy, data, args,
                                               fragment):
    """Check a `bad_when` that names no label value, or does not parse, exits 2 with no folder."""
    out = tmp_path / "never"
    code = main(["review", str(policy), str(inputs / data), "--out", str(out), "--quiet", *args])
    assert code == 2 and fragment in capsys.readouterr().err
    assert not out.exists()


def test_no_glossary_by_default_and_make_review_names_lending_clubs():
    """Check the review notebook's glossary defaults to none, and `make review` passes the
    Lending Club glossary explicitly."""
    params = read_parameters(REPO / "notebooks" / "review.ipynb")
    assert params["glossary"][0] == "" and params["bad_when"][0] == ""
    make = (REPO / "Makefile").read_text()
    assert "-p glossary glossaries/lending-club.yaml" in make


def test_parse_bad_when_forms():
    """Check one value, a JSON list, a JSON string, Python values and empty input."""
    assert parse_bad_when("Charged Off") == ("Charged Off",)
    assert parse_bad_when(' ["Charged Off", "Default"] ') == ("Charged Off", "Default")
    assert parse_bad_when('"Yes"') == ("Yes",) and parse_bad_when("Yes") == ("Yes",)
    assert parse_bad_when(1) == ("1",) and parse_bad_when([True, 0]) == ("true", "0")
    assert parse_bad_when("") == () == parse_bad_when([])
    with pytest.raises(ConfigError, match="bad_when.*not valid JSON"):
        parse_bad_when("[1,")


@pytest.fixture(scope="module")
def loans():
    return load_lending_club().head(1500)


@pytest.mark.slow  # scores 1,500 loans out of fold, then three assessments: 1-2 minutes
def test_bad_when_reads_another_coding_of_the_outcome(loans):
    """Check a Lending Club history coded "Charged Off"/"Default"/"Fully Paid" reviews exactly
    like the original with `bad_when` as one value and as a list, under the same policy hash."""
    risk = load_policy(REPO / "policies" / "lending-club-risk.yaml")
    loans = assess(risk, loans, bootstrap=0, cases=0).data  # scored once, so no fold differs
    as_written = assess(risk, loans, bootstrap=0, cases=0)
    bad = loans["Class"].eq("bad").to_numpy()
    one = loans.assign(Class=np.where(bad, "Charged Off", "Fully Paid"))
    read = assess(risk, one, bootstrap=0, cases=0, bad_when="Charged Off")
    assert read.replay.metrics.equals(as_written.replay.metrics)
    assert read.policy.content_hash == risk.content_hash
    assert read.metrics_document()["bad_when"] == ["Charged Off"]
    assert any("parameter `bad_when`" in t for t in read.limitations())
    assert not any("parameter `bad_when`" in t for t in as_written.limitations())
    split = np.where(bad & (np.arange(len(loans)) % 2 == 0), "Default",
                     np.where(bad, "Charged Off", "Fully Paid"))
    listed = assess(risk, loans.assign(Class=split), bootstrap=0, cases=0,
                    bad_when='["Charged Off", "Default"]')
    assert listed.replay.metrics.equals(as_written.replay.metrics)


def test_bad_when_rescues_the_unquoted_yes():
    """Check the YAML trap: `bad_when: Yes` unquoted is true and matches no churn label (an
    error that says to quote it), while the parameter `bad_when Yes` reads the text."""
    text = RETENTION.read_text()
    assert 'bad_when: "Yes"' in text
    trap = parse_policy(text.replace('bad_when: "Yes"', "bad_when: Yes"))
    df = pd.read_csv(REPO / "datasets" / "retention_history.csv").head(1500)
    with pytest.raises(DataError, match='quote it'):
        replay(trap, df)
    quoted = replay(load_policy(RETENTION), df)
    rescued = replay(bad_when_read_as(trap, df, "Yes"), df)
    assert rescued.metrics.equals(quoted.metrics)


def test_bad_when_matches_numbers_and_booleans_as_text():
    """Check "1" names the integer 1 of a 0/1 label and "true" a boolean True; a name of no value
    is a DataError listing the values."""
    fraud = load_policy(FRAUD)
    df = pd.DataFrame({"is_fraud": [0, 1, 1, 0]})
    assert bad_when_read_as(fraud, df, "1").outcomes.bad_when == 1
    flags = pd.DataFrame({"is_fraud": [False, True]})
    assert bad_when_read_as(fraud, flags, "true").outcomes.bad_when is True
    with pytest.raises(DataError, match=r"'yes' is not a value of label 'is_fraud' \(values: 0, 1\)"):
        bad_when_read_as(fraud, df, "yes")


def test_readme_shows_the_examples_as_they_are():
    """Check the README's decision-type commands name shipped files, and its policy excerpts
    quote the rules and limits the shipped policies hold."""
    import re

    text = (REPO / "README.md").read_text()
    section = text.split("### Three decision types", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"trustlab review (\S+) (\S+) \\\s+-p glossary (\S+)", section)
    assert len(commands) == 2
    for path in (p for command in commands for p in command):
        assert (REPO / path).is_file(), path
    policies = RETENTION.read_text() + FRAUD.read_text()
    for quoted in ("when: p_churn >= 0.30", "when: p_fraud > 0.30", "when: p_fraud < 0.02",
                   "max: 14", "per: 1D", 'bad_when: "Yes"', "bad_when: 1", "at_most: 80",
                   "right_when: bad", "then: no_offer"):
        assert quoted in section and quoted in policies, quoted


@pytest.mark.slow  # reads the trained retention review (a kernel run)
def test_retention_review_reports_fairness(retention_trained, runs):
    """Check the retention review (age_band protected) shows disparity with intervals, the
    frontier of less discriminatory alternatives, never trains on or cites the age band, and
    keeps both in metrics.json equal to a disparity measured afresh."""
    from trustlab.fairness import disparity

    code, doc, decisions = retention_trained
    assert doc["disparity"] is not None and doc["less_discriminatory_alternatives"] is not None
    rows = {r["group"]: r for r in doc["disparity"]["groups"]}
    assert set(rows) == {"18-34", "35-54", "55+"} and rows["35-54"]["reference"]
    assert all(r["favourable_rate_ratio_low"] <= r["favourable_rate_ratio"] <=
               r["favourable_rate_ratio_high"] for r in rows.values())
    words = " ".join(decisions.filter(regex=r"^reason_\d+$").stack().dropna().astype(str))
    assert "age band" not in words.lower() and "age_band" not in words
    report = " ".join((runs / "retention-trained" / "report.html").read_text().split())
    assert "Fairness" in report and "Less discriminatory alternatives" in report
    assert "against the reference group" in report and "daily-offer-budget" in report
    policy = load_policy(RETENTION)
    scored = pd.read_csv(REPO / "datasets" / "retention_history.csv").drop(columns="p_churn")
    scored["p_churn"] = decisions["p_churn"].to_numpy()
    fresh = disparity(policy, scored, bootstrap=0)
    for g in fresh.frame.itertuples():
        assert rows[g.group]["favourable_rate"] == pytest.approx(g.favourable_rate, rel=1e-12)
