"""Shared fixtures: small policies you can check on paper."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

import trustlab

os.environ.setdefault("MPLBACKEND", "Agg")  # figures drawn in tests never need a screen

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[1]

BASE = """\
trustlab: 1
name: tiny-credit
version: "1.0"
owner: Risk team <risk@example.com>
columns: {id: app_id, time: t}
signals:
  - {name: p, kind: probability, model: m@1, higher_means: risk}
actions:
  approve: {automated: true, favourable: true}
  decline: {automated: true, reversible: false}
  review: {automated: false}
rules:
  - id: no-score
    when: p is missing
    then: review
    because: No score.
  - id: big
    when: amount > 100
    then: review
    escalate: senior
    because: Amount {amount:,.0f} is over 100.
  - id: high
    when: p >= 0.5
    then: decline
    because: Risk {p:.0%} is high.
  - id: low
    when: p < 0.2 and grade in ['A', 'B']
    then: approve
    because: Risk {p:.0%} is low for grade {grade}.
  - id: rest
    otherwise: true
    then: review
    because: A person decides.
"""


def policy_text(extra: str = "", base: str = BASE) -> str:
    """The tiny policy with ``extra`` YAML appended."""
    return base + textwrap.dedent(extra)


@pytest.fixture
def tiny():
    """A five-rule policy over columns app_id, t, p, amount, grade."""
    return trustlab.parse_policy(policy_text())


@pytest.fixture
def tiny_frame():
    """Ten rows decided by hand in ``EXPECTED_TINY``."""
    import pandas as pd

    return pd.DataFrame(
        {
            "app_id": [f"a{i}" for i in range(10)],
            "t": pd.to_datetime(["2025-01-01 09:00"] * 5 + ["2025-01-02 09:00"] * 5),
            "p": [0.1, None, 0.6, 0.1, 0.3, 0.1, 0.7, 0.15, 0.05, 0.9],
            "amount": [50, 50, 50, 150, 50, 50, 50, 50, None, 200],
            "grade": ["A", "A", "C", "B", "A", "C", "B", "B", "A", None],
        },
        index=[10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
    )


# (action, rule) for each row of tiny_frame, worked out by hand:
EXPECTED_TINY = [
    ("approve", "low"),      # p .1, grade A
    ("review", "no-score"),  # p missing
    ("decline", "high"),     # p .6
    ("review", "big"),       # amount 150 before p
    ("review", "rest"),      # p .3
    ("review", "rest"),      # p .1 but grade C
    ("decline", "high"),     # p .7
    ("approve", "low"),      # p .15 grade B
    ("approve", "low"),      # amount missing: `amount > 100` unknown, does not fire
    ("review", "big"),       # amount 200
]


CREDIT = REPO / "policies" / "consumer-credit.yaml"
"""The example credit policy the simulation tests replay."""


def retention_text() -> str:
    """The shipped retention policy's text without its `fairness` section (the last one in
    the file), for tests that declare their own protected attributes."""
    text = (REPO / "policies" / "retention-offer.yaml").read_text(encoding="utf-8")
    cut = text.index("\nfairness:")
    return text[:cut].rsplit("\n# 1.1.0", 1)[0] + "\n"


def retention_policy(folder, fairness: str = "fairness: {protected: [age_band]}\n"
                     ) -> trustlab.Policy:
    """The shipped retention policy with ``fairness`` in place of its own section (empty:
    none), written in ``folder`` and loaded."""
    path = Path(folder) / "retention-offer-fair.yaml"
    path.write_text(retention_text() + fairness, encoding="utf-8")
    return trustlab.load_policy(path)


def age_driven_history(seed: int = 0):
    """The retention history as a team's CSV reads (text as ``str``, a float32, a nullable
    Int64 with gaps), its churn redrawn so that the protected age band decides it."""
    import numpy as np
    import pandas as pd

    from trustlab.datasets import make_retention_history

    df = make_retention_history(n_days=28, customers_per_day=30, seed=seed)
    rng = np.random.default_rng(seed)
    old = (df["age_band"] == "55+").to_numpy()
    churned = rng.random(len(df)) < np.where(old, 0.75, 0.08)
    tenure = df["tenure_months"].astype("Int64")
    tenure[rng.random(len(df)) < 0.05] = pd.NA
    return df.drop(columns=["p_churn", "true_p_churn"]).assign(
        churned=pd.array(np.where(churned, "Yes", "No"), dtype="str"),
        monthly_charge=df["monthly_charge"].astype("float32"),
        tenure_months=tenure)


def credit_text(edits: dict[str, str] | None = None) -> str:
    """The example credit policy's text with each ``old: new`` edit made (each ``old`` present)."""
    text = CREDIT.read_text()
    for old, new in (edits or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def policy() -> trustlab.Policy:
    """The example credit policy as written."""
    return trustlab.load_policy(CREDIT)


def pytest_addoption(parser):
    parser.addoption("--no-browser", action="store_true",
                     help="skip the tests that drive JupyterLab in headless Chromium")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--no-browser"):
        skip = pytest.mark.skip(reason="--no-browser given")
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="module")
def dask_client():
    """A Dask cluster of two worker processes on loopback for one test module (generous
    timeouts: CI machines are shared; not kept idle through the rest of the run)."""
    distributed = pytest.importorskip("distributed")
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "120s",
                          "distributed.comm.timeouts.tcp": "120s"}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           host="127.0.0.1", dashboard_address=None,
                                           timeout="120s")
        client = distributed.Client(cluster, timeout="120s")
        yield client
        client.close()
        cluster.close()


def write_cuts(frame, folder, cuts) -> Path:
    """``frame`` as Parquet files cut at row positions ``cuts`` (``part-00.parquet``…) in a new
    folder, in row order: uneven parts, cut wherever the positions fall."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    bounds = [0, *cuts, len(frame)]
    for i, (a, b) in enumerate(zip(bounds, bounds[1:])):
        frame.iloc[a:b].to_parquet(folder / f"part-{i:02d}.parquet")
    return folder


DRIFT_COLUMNS = ["channel", "loan_amount", "annual_income", "debt_to_income",
                 "credit_history_years", "delinquencies_2y", "employment_years", "grade",
                 "purpose", "p_default", "underwriter_decision", "defaulted"]
"""The synthetic history's columns the drift-in-parts tests monitor."""


def drifting_history(seed: int):
    """120 days of applications whose debt-to-income drifts and gain a broker channel, and a
    reference of its first eight weeks with levels learned from its weekly windows."""
    from trustlab.datasets import FeatureDrift, NewChannel, make_history
    from trustlab.drift import Reference

    history = make_history(n_days=120, applications_per_day=60, seed=seed, scenarios=[
        FeatureDrift("2025-03-12", "debt_to_income", 8.0), NewChannel("2025-03-20", share=0.3)])
    early = history[history["decision_time"] < "2025-02-26"]
    return history, Reference.from_data(early, DRIFT_COLUMNS, time="decision_time", window="1W")
