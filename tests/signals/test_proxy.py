"""Warnings in words: models that read a protected attribute, features that stand in for one.

On the retention history, ``age_band`` is protected. Added to it: a text
``birth_decade`` that is the age band 85% of the time, a float32
``phone_years`` that grows with age, and, as controls, ``tenure_months``
(mildly correlated with age by construction) and noise columns. Only the
first two may be flagged; a column with a different value on every row must
measure about 0.5 out of fold (it would measure 1.0 in sample).
"""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab import DataError, ModelCard, ParameterError
from trustlab.datasets import make_retention_history
from trustlab.review import assess
from trustlab.signals import ProxyCheck, proxy_warnings
from _support import REPO, retention_policy

DECADE = {"18-34": "1990s", "35-54": "1970s", "55+": "1950s"}


def _history(seed: int = 0, n_days: int = 28) -> pd.DataFrame:
    """The retention history with two stand-ins for age_band and some noise columns."""
    df = make_retention_history(n_days=n_days, customers_per_day=30, seed=seed)
    rng = np.random.default_rng(seed)
    n = len(df)
    decade = df["age_band"].map(DECADE).to_numpy(dtype=object)
    shuffled = rng.random(n) < 0.15
    decade[shuffled] = rng.choice(sorted(DECADE.values()), int(shuffled.sum()))
    rank = df["age_band"].map({"18-34": 0, "35-54": 1, "55+": 2}).to_numpy(dtype=float)
    tenure = df["tenure_months"].astype("Int64")
    tenure[rng.random(n) < 0.05] = pd.NA
    age = df["age_band"].astype(object)
    age[rng.random(n) < 0.03] = None  # a few customers did not say
    return df.drop(columns=["true_p_churn"]).assign(
        age_band=pd.array(age, dtype="str"),
        birth_decade=pd.array(decade, dtype="str"),
        phone_years=(6.0 * rank + rng.normal(0.0, 2.0, n)).astype("float32"),
        tenure_months=tenure,
        monthly_charge=df["monthly_charge"].astype("float32"),
        noise_code=pd.array(rng.choice([f"c{i}" for i in range(40)], n), dtype="str"),
        row_tag=pd.array([f"T{i:06d}" for i in rng.permutation(n)], dtype="str"))


_policy = retention_policy


@pytest.fixture(scope="module")
def history():
    return _history()


@pytest.fixture(scope="module")
def fair(tmp_path_factory):
    return _policy(tmp_path_factory.mktemp("fair"))


@pytest.fixture(scope="module")
def check(history, fair):
    return proxy_warnings(history, fair)


def test_stand_ins_are_named_with_the_attribute_and_the_auc(check):
    """Check the text and the numeric stand-in are flagged in words; the controls are not."""
    assert isinstance(check, ProxyCheck) and check.protected == ("age_band",)
    f = check.frame.set_index("feature")
    assert set(f.index[f["flagged"]]) == {"birth_decade", "phone_years"}
    assert f.at["birth_decade", "auc"] > 0.8 and f.at["phone_years", "auc"] > 0.8
    assert 0.55 < f.at["tenure_months", "auc"] < 0.7
    for feature in ("birth_decade", "phone_years"):
        auc, group = f.at[feature, "auc"], f.at[feature, "group"]
        assert (f"`{feature}` predicts `age_band` (group '{group}' against the rest) with "
                f"out-of-fold AUC {auc:.2f} (≥ 0.70): it may stand in for it.") in check.warnings
    assert len(check.warnings) == 2
    assert check.frame["auc"].is_monotonic_decreasing
    assert check.frame["rows"].eq(int(check.frame["rows"].iloc[0])).all()


def test_the_auc_is_out_of_fold(history, fair, check):
    """Check a value per row, or many random values, measures about 0.5, not 1.0 in sample.

    ``row_tag`` is an identifier, so no trained signal reads it and it is no
    default candidate; given by hand, it is measured.
    """
    assert "row_tag" not in set(check.frame["feature"])
    f = proxy_warnings(history, fair, features=["row_tag", "noise_code"]).frame.set_index("feature")
    assert abs(f.at["row_tag", "auc"] - 0.5) < 0.05
    assert abs(f.at["noise_code", "auc"] - 0.5) < 0.07


def test_candidates_leave_out_the_policy_non_features(check):
    """Check the default candidates: no id, time, label, signal, nor the attribute itself."""
    features = set(check.frame["feature"])
    assert not {"customer_id", "contact_date", "churned", "p_churn", "age_band"} & features
    assert {"region", "plan", "tenure_months", "monthly_charge", "birth_decade"} <= features


def test_the_protected_list_is_what_is_checked(history, fair, tmp_path):
    """Check a policy without `fairness` measures and warns nothing, and `features` limits."""
    blind = _policy(tmp_path, fairness="")
    none = proxy_warnings(history, blind)
    assert none.warnings == () and none.frame.empty and none.protected == ()
    only = proxy_warnings(history, fair, features=["region", "phone_years"])
    assert list(only.frame["feature"]) == ["phone_years", "region"]
    excluded = proxy_warnings(history, fair, exclude=["birth_decade"])
    assert "birth_decade" not in set(excluded.frame["feature"])


def test_model_cards_listing_a_protected_attribute_are_named(history, fair):
    """Check a supplied signal whose card lists age_band is warned about, by name."""
    reads = ModelCard._example().__class__(**{**ModelCard._example().to_dict(),
                                              "features": ("tenure_months", "age_band"),
                                              "calibration": ()})
    clean = ModelCard._example()
    check = proxy_warnings(history, fair, features=["region"],
                           model_cards={"p_churn": reads, "p_other": clean})
    assert check.warnings[0].startswith(
        f"Signal `p_churn` (model {reads.model_id}) reads the protected attribute `age_band`: "
        "its model card lists it among its 2 features")
    assert not any("p_other" in w for w in check.warnings)
    by_id = proxy_warnings(history, fair, features=["region"], model_cards=[reads])
    assert by_id.warnings[0].startswith(f"Signal `{reads.model_id}`")


def test_a_group_told_apart_alone_is_found_one_against_the_rest(history, fair):
    """Check a multi-group attribute: a flag for the smallest group alone is flagged for it."""
    data = history.assign(senior_plan=pd.array(
        np.where(history["age_band"].eq("55+").fillna(False), "senior", "standard"),
        dtype="str"))
    check = proxy_warnings(data, fair, features=["senior_plan", "region"])
    row = check.frame.set_index("feature").loc["senior_plan"]
    assert row["group"] == "55+" and row["flagged"]


def test_attributes_that_cannot_be_measured_are_said(history, tmp_path):
    """Check a missing protected column, or groups under min_group, give a sentence each."""
    policy = _policy(tmp_path, fairness="fairness: {protected: [age_band, religion], "
                                        "min_group: 5000}\n")
    check = proxy_warnings(history, policy)
    assert check.frame.empty
    assert ("The protected attribute `religion` is not a column of the data, so no feature "
            "could be checked as a stand-in for it.") in check.warnings
    assert any(w.startswith("The protected attribute `age_band` has no group of at least "
                            "5,000 rows") for w in check.warnings)


@pytest.mark.parametrize("kwargs, field, error", [
    ({"threshold": 0.4}, "threshold", ParameterError),
    ({"threshold": True}, "threshold", ParameterError),
    ({"seed": -1}, "seed", ParameterError), ({"features": ["nope"]}, "features", DataError),
    ({"features": "region"}, "features", DataError),
    ({"model_cards": "card.json"}, "model_cards", DataError),
    ({"model_cards": {"p": "not a card"}}, "model_cards", DataError),
])
def test_bad_arguments_are_refused_by_name(history, fair, kwargs, field, error):
    """Check each bad argument is a ParameterError naming it (a column the data lacks, or
    model cards that are not, a DataError)."""
    with pytest.raises(error, match=field):
        proxy_warnings(history, fair, **kwargs)
    with pytest.raises(ParameterError, match="'data' argument of proxy_warnings"):
        proxy_warnings(history.to_dict(), fair)


def test_fast_on_a_hundred_thousand_rows_and_thirty_columns(fair):
    """Check 100,000 rows x 30 candidate columns are measured in a few seconds, vectorised."""
    rng = np.random.default_rng(1)
    n = 100_000
    age = rng.choice(["18-34", "35-54", "55+"], n, p=[0.35, 0.4, 0.25])
    cols = {"age_band": pd.array(age, dtype="str")}
    for i in range(12):
        cols[f"x{i}"] = rng.standard_normal(n).astype("float32")
    for i in range(10):
        cols[f"c{i}"] = pd.array(rng.choice([f"v{j}" for j in range(5 + 20 * i)], n), dtype="str")
    for i in range(6):
        cols[f"k{i}"] = pd.array(rng.integers(0, 40, n), dtype="Int64")
    cols["decade"] = pd.array(pd.Series(age).map(DECADE), dtype="str")
    cols["tag"] = pd.array([f"T{i}" for i in range(n)], dtype="str")
    data = pd.DataFrame(cols)
    start = time.perf_counter()
    check = proxy_warnings(data, fair)
    seconds = time.perf_counter() - start
    assert len(check.frame) == 30
    assert list(check.frame.loc[check.frame["flagged"], "feature"]) == ["decade"]
    assert seconds < 10, f"{seconds:.1f} s"


def test_a_review_shows_the_warnings_in_its_verdict_area_and_metrics(history, fair, tmp_path):
    """Check assess keeps the warnings (not a refusal) on the Review, the banner and metrics.json.

    The signal trained here never reads age_band and no decision cites it;
    the stand-ins stay features, warned about in words.
    """
    supplied = ModelCard._example().__class__(**{**ModelCard._example().to_dict(),
                                                 "features": ("age_band", "plan"),
                                                 "calibration": ()})
    data = history.drop(columns=["p_churn", "row_tag", "noise_code"])
    review = assess(fair, data, bootstrap=0, cases=0, model_cards={"p_churn_v0": supplied})
    warnings = review.fairness_warnings
    assert any(w.startswith("Signal `p_churn_v0`") for w in warnings)
    assert any(w.startswith("`birth_decade` predicts `age_band`") for w in warnings)
    assert review.verdict in ("pass", "fail")  # judged by the checks, as ever
    (trained,) = review.trained
    assert "age_band" not in trained.result.card.features
    assert not (review.records.filter(like="reason_code_").astype(object) == "age_band").any().any()
    banner = review.banner().data
    assert "Protected attributes (age_band), warnings:" in banner
    assert "`birth_decade` predicts `age_band`" in banner
    metrics, _ = review.write(tmp_path / "review")
    doc = json.loads(metrics.read_text(encoding="utf-8"))
    assert doc["fairness_warnings"] == list(warnings)
    assert doc["protected_proxies"]["threshold"] == 0.7
    assert {"birth_decade", "phone_years"} <= {r["feature"] for r in
                                              doc["protected_proxies"]["measured"]
                                              if r["flagged"]}
