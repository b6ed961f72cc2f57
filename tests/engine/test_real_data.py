"""The engine on the shipped real data sets, against expectations computed independently."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.datasets import load_german_credit, load_lending_club
from _support import ACTIONS, REPO, make_policy


@pytest.fixture(scope="module", params=["csv", "loader"])
def lending_club(request):
    """The CSV as read by pandas (text as str) and by the loader (text as category)."""
    if request.param == "csv":
        return pd.read_csv(REPO / "datasets" / "lending_club.csv")
    return load_lending_club()


@pytest.fixture(scope="module", params=["csv", "loader"])
def german(request):
    if request.param == "csv":
        return pd.read_csv(REPO / "datasets" / "german_credit.csv")
    return load_german_credit()


def test_lending_club_intake_counts(lending_club):
    """Check every rule's count against the rules written out by hand in pandas."""
    policy = trustlab.load_policy(REPO / "policies" / "lending-club-intake.yaml")
    rec = policy.apply(lending_club)
    df = lending_club
    heavy = df.revol_util > 90
    high = ~heavy & (df.int_rate >= 20)
    prime = ~heavy & ~high & (df.int_rate < 8) & (df.term == "term_36") & (df.delinq_2yrs == 0)
    verified = (~heavy & ~high & ~prime & (df.int_rate < 14)
                & df.verification_status.isin(["Verified", "Source_Verified"]))
    expected = np.select([heavy, high, prime, verified],
                         ["heavy-utilisation", "high-rate", "prime", "verified-mid"], "uncertain")
    assert (rec["rule"].astype(str).to_numpy() == expected).all()
    assert len(rec) == 9857
    counts = rec["rule"].value_counts()
    assert counts.sum() == 9857 and counts["rate-missing"] == 0
    assert counts["heavy-utilisation"] == int(heavy.sum())


def test_lending_club_rows_checked_by_hand(lending_club):
    """Check the first three applications, decided by reading the CSV."""
    policy = trustlab.load_policy(REPO / "policies" / "lending-club-intake.yaml")
    rec = policy.apply(lending_club.head(3))
    # row 0: 13.99%, Not_Verified, utilisation 67.4 → no rule but the last
    # row 1: 11.99%, Verified → verified-mid
    # row 2: 16.29%, Source_Verified but over 14% → uncertain
    assert rec["rule"].tolist() == ["uncertain", "verified-mid", "uncertain"]
    assert rec["reason"].iloc[1] == "Income is verified and the rate of 11.99% is under 14%."
    assert rec["action"].tolist() == ["review", "approve", "review"]


GERMAN = make_policy(
    name="german-credit-screen", owner="Credit policy team", columns=None,
    signals=[{"name": "duration_in_month", "kind": "score", "model": "none@rules-only",
              "higher_means": "risk"}],
    actions={"approve": ACTIONS["approve"], "review": ACTIONS["review"]},
    rules=[
        {"id": "overdrawn",
         "when": "status_of_existing_checking_account == '... < 0 DM' and duration_in_month > 24",
         "then": "review", "because": "An overdrawn account and a {duration_in_month}-month term."},
        {"id": "steady",
         "when": "status_of_existing_checking_account in ['no checking account', "
                 "'... >= 200 DM / salary assignments for at least 1 year'] "
                 "and credit_amount <= 5000",
         "then": "approve", "because": "A steady account and a loan of {credit_amount:,} DM."},
        {"id": "rest", "otherwise": True, "then": "review", "because": "A person decides."}],
    outcomes=None)


def test_german_credit_text_conditions(german):
    """Check long text categories with `in` and `==` against pandas, and the real label split."""
    policy = trustlab.parse_policy(GERMAN)
    rec = policy.apply(german)
    acct = german.status_of_existing_checking_account
    overdrawn = (acct == "... < 0 DM") & (german.duration_in_month > 24)
    steady = ~overdrawn & acct.isin(["no checking account",
                                     "... >= 200 DM / salary assignments for at least 1 year"]) \
        & (german.credit_amount <= 5000)
    assert int((rec["rule"] == "overdrawn").sum()) == int(overdrawn.sum())
    assert int((rec["rule"] == "steady").sum()) == int(steady.sum())
    # row 0 by hand: account '... < 0 DM' but a 6-month term, so neither rule: a person decides
    assert rec.loc[0, "reason"] == "A person decides."
    first = int(np.flatnonzero(steady)[0])
    amount = int(german.loc[first, "credit_amount"])
    assert rec.loc[first, "reason"] == f"A steady account and a loan of {amount:,} DM."
    # the approved group defaults less than the whole book (30% bad)
    bad = german.creditability.eq("bad")
    assert bad.mean() == pytest.approx(0.30)
    assert bad[rec["action"].eq("approve")].mean() < 0.20
