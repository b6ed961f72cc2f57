"""One result contract for every public result (issue 21.3).

Every result a public function returns has ``frame`` (a DataFrame),
``summary()`` (a DataFrame), ``plot(ax=None)`` (a Display holding its data, with
``ax_`` and ``figure_``, that draws again on other axes), ``_repr_html_()`` (a
table) and ``to_dict()`` (plain JSON, NaN as null) — as scikit-learn's Display
objects and NannyML's results. Each case is built on a small shipped example.
"""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import trustlab  # noqa: E402
from trustlab._plotting import Display  # noqa: E402
from trustlab._result import Result  # noqa: E402
from trustlab.datasets import (load_synthetic_sample, make_history,  # noqa: E402
                               make_retention_history)
from _support import REPO  # noqa: E402


def _braked(c):
    return trustlab.load_policy(REPO / "policies" / "consumer-credit-braked.yaml")


def _shadow(c):
    from trustlab.change import shadow_run

    return shadow_run(c["policy"], _braked(c), c["history"])


def _rollout(c):
    import yaml

    from trustlab.change import RolloutPlan, simulate_rollout

    spec = yaml.safe_load((REPO / "policies" / "rollouts" / "consumer-credit-v2.yaml").read_text())
    plan = RolloutPlan.from_dict(spec.get("plan", spec))
    return simulate_rollout(c["policy"], _braked(c), c["history"], plan)


def _design(name):
    def build(c):
        from trustlab.design import load_assessment

        return load_assessment(REPO / "assessments" / name).assess()
    return build


def _signal(c):
    from trustlab.signals import score_out_of_fold

    from sklearn.linear_model import LogisticRegression

    feats = ["loan_amount", "annual_income", "debt_to_income", "credit_history_years"]
    return score_out_of_fold(c["history"], "defaulted_truth", feats, n_splits=3,
                             estimator=LogisticRegression(max_iter=500))


@pytest.fixture(scope="module")
def ctx():
    """The consumer-credit policy, four weeks of history and its replay."""
    from trustlab.simulate import replay

    policy = trustlab.load_policy(REPO / "policies" / "consumer-credit.yaml")
    history = make_history(n_days=28, applications_per_day=30, seed=0)
    return {"policy": policy, "history": history, "replay": replay(policy, history)}


# ----------------------------------------------------------------------------- the results

def _replay(c):
    return c["replay"]


def _sweep(c):
    from trustlab.simulate import threshold_sweep

    return threshold_sweep(c["policy"], c["history"], "low-risk")


def _band_grid(c):
    from trustlab.simulate import band_grid

    return band_grid(c["policy"], c["history"], "low-risk", "high-risk", capacity=20)


def _bootstrap(c):
    from trustlab.simulate import bootstrap_metrics

    return bootstrap_metrics(c["replay"], n=50, seed=1)


def _scenarios(c):
    from trustlab.simulate import KillSwitch, Outage, compare_scenarios

    return compare_scenarios(c["policy"], c["history"],
                             [KillSwitch(), Outage("2025-01-06", "2025-01-08")])


def _review_load(c):
    from trustlab.simulate import review_load

    return review_load(c["replay"], 10)


def _swaps(c):
    from trustlab.simulate import replay, swap_analysis

    return swap_analysis(replay(c["policy"], load_synthetic_sample().head(2000)), stress=(1, 2))


def _lda(c):
    from trustlab.simulate import lda_search

    return lda_search(c["policy"], make_history(n_days=30, applications_per_day=80, seed=1),
                      "low-risk", "high-risk", by="age_band")


def _drift(c):
    from trustlab.drift import policy_drift

    return policy_drift(c["policy"], make_history(n_days=90, applications_per_day=30, seed=2))


def _expected(c):
    from trustlab.drift import expected_vs_realised

    return expected_vs_realised(make_history(n_days=90, applications_per_day=30, seed=2),
                                signal="p_default", label="defaulted", time="decision_time")


def _trust(c):
    from trustlab.trust import trust_over_time

    return trust_over_time(c["replay"])


def _gate(c):
    from trustlab.trust import promotion_gate

    return promotion_gate(c["replay"], signal_psi=0.04)


def _disparity(c):
    from trustlab.fairness import disparity

    p = trustlab.load_policy(REPO / "policies" / "retention-offer.yaml")
    return disparity(p, make_retention_history(n_days=30), by="age_band", bootstrap=50)


def _impact(c):
    from trustlab.change import bump_version, policy_impact
    from trustlab.simulate import with_threshold

    p = c["policy"]
    q = bump_version(with_threshold(p, "high-risk", 0.3), "1.2.1")
    return policy_impact(p, q, c["history"], bootstrap=0)


@pytest.fixture(scope="module")
def codes(ctx):
    """Reason codes of a logistic model on 2,000 synthetic rows, with their records."""
    from sklearn.linear_model import LogisticRegression

    from trustlab.explain import ReasonExplainer, load_glossary
    from trustlab.signals import build_pipeline

    df = load_synthetic_sample().iloc[:2000]
    labelled = df[df["defaulted"].notna()]
    features = ["loan_amount", "annual_income", "debt_to_income", "credit_history_years",
                "delinquencies_2y", "employment_years", "grade", "purpose", "channel"]
    model = build_pipeline(labelled[features], LogisticRegression(max_iter=500)).fit(
        labelled[features], labelled["defaulted"].astype(bool))
    glossary = load_glossary(REPO / "glossaries" / "synthetic-credit.yaml")
    records = ctx["policy"].apply(df)
    return df, records, ReasonExplainer(model, glossary).reason_codes(df, records,
                                                                      ctx["policy"])


def _reason_codes(c):
    return c["codes"][2]


def _global_view(c):
    from trustlab.explain import global_view

    _, records, codes = c["codes"]
    return global_view(codes, records)


def _case(c):
    from trustlab.explain import explain_case

    df, records, codes = c["codes"]
    return explain_case(c["policy"], df, records, codes, df.index[0])


def _evidence(c):
    from trustlab.policy import Signal
    from trustlab.review import signal_evidence

    return signal_evidence([0.9, 0.4, 0.3, 0.4, 0.1, np.nan], [1, 1, 1, 1, 1, 0],
                           [1, 1, 0, 0, 0, 0], signal=Signal("p", "probability", "m@1", "risk"),
                           source="supplied", outcome="bad", bins=2)


def _review(c):
    from trustlab.datasets import load_lending_club
    from trustlab.review import assess

    risk = trustlab.load_policy(REPO / "policies" / "lending-club-risk.yaml")
    return assess(risk, load_lending_club().head(1500), bootstrap=0, cases=0)


CASES = {
    "Replay": _replay, "SweepResult": _sweep, "BandGrid": _band_grid,
    "BootstrapResult": _bootstrap, "ScenarioComparison": _scenarios,
    "ReviewLoad": _review_load, "SwapResult": _swaps, "LdaSearch": _lda,
    "DriftResult": _drift, "ExpectedResult": _expected, "TrustResult": _trust,
    "GateResult": _gate, "Disparity": _disparity, "ImpactResult": _impact,
    "ReasonCodes": _reason_codes, "GlobalView": _global_view, "CaseExplanation": _case,
    "SignalEvidence": _evidence, "ShadowResult": _shadow, "RolloutResult": _rollout,
    "ServingResult": _design("card-fraud-hold.yaml"),
    "SourcingResult": _design("credit-scoring-sourcing.yaml"),
    "ReadinessResult": _design("consumer-credit-readiness.yaml"), "SignalResult": _signal,
    "Review": _review,
}
_SLOW = {"Review"}
_NEEDS_CODES = {"ReasonCodes", "GlobalView", "CaseExplanation"}


def _artists(fig) -> int:
    """Lines, patches, collections, images and texts drawn on the figure's axes."""
    return sum(len(a.lines) + len(a.patches) + len(a.collections) + len(a.images) + len(a.texts)
               for a in fig.axes)


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in _SLOW else n
                                  for n in CASES])
def test_result_keeps_the_contract(name, ctx, request):
    """Check frame, summary(), plot() and a redraw on other axes, _repr_html_ and to_dict()."""
    build = CASES[name]
    c = dict(ctx)
    if name in _NEEDS_CODES:
        c["codes"] = request.getfixturevalue("codes")
    result = build(c)
    assert type(result).__name__ == name
    assert isinstance(result, Result)
    assert isinstance(result.frame, pd.DataFrame)
    assert isinstance(result.summary(), pd.DataFrame)

    try:
        d = result.plot()
        assert isinstance(d, Display), type(d)
        assert isinstance(d.ax_, matplotlib.axes.Axes)
        assert isinstance(d.figure_, matplotlib.figure.Figure) and d.ax_.figure is d.figure_
        assert isinstance(d.data, (pd.DataFrame, pd.Series))
        first = d.figure_
        fig, other = plt.subplots()
        again = d.plot(ax=other)
        assert again is d and d.figure_ is fig and d.figure_ is not first
        assert _artists(fig) > 0, "the redraw drew nothing on the new axes"
    finally:
        plt.close("all")

    html = result._repr_html_()
    assert isinstance(html, str) and "<table" in html
    doc = result.to_dict()
    assert isinstance(doc, dict)
    json.dumps(doc, allow_nan=False)  # plain JSON: NaN is null
