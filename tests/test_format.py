"""One way to show each kind of number: the formatter, the registry, and every result type.

Each metric a result produces must be declared in :mod:`trustlab.metrics` with
its kind, and every number a result shows must read as its kind: shares with
``%``, counts whole and never in scientific notation, differences of shares in
``pts``, money with the policy's currency.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import trustlab
from trustlab._format import (KINDS, axis_label, change_kind, format_number, format_numbers,
                              tick_formatter, tick_labels)
from trustlab.metrics import (METRICS, SummaryFrame, format_metric, is_registered, kind_of,
                              metric, summary_frame)

ROOT = Path(__file__).resolve().parents[1]
SCIENTIFIC = re.compile(r"\d[eE][+-]?\d")


# ----------------------------------------------------------------------------- the formatter

@pytest.mark.parametrize("value, kind, want", [
    (0.0395, "share", "4.0%"),
    (0.03951, "share", "4.0%"),
    (1.0, "share", "100.0%"),
    (0.0, "share", "0.0%"),
    (0.0004, "share", "0.04%"),         # never 0.0% for a share that is not 0
    (0.9996, "share", "99.96%"),        # never 100.0% for a share that is not 1
    (5148000.0, "count", "5,148,000"),  # the count once shown as 5148000.0%
    (51480.0, "count", "51,480"),
    (37.43, "count", "37.4"),
    (0.003, "points", "+0.3 pts"),      # a difference of shares, once shown as 0.3%
    (-0.0125, "points", "-1.2 pts"),
    (0.0, "points", "0.0 pts"),
    (0.00002, "points", "+0.002 pts"),
    (1234.4, "money", "1,234"),
    (6.0625, "money", "6.06"),
    (-35.0, "money_change", "-35.00"),
    (120.0, "money_change", "+120"),
    (12.0, "count_change", "+12"),
    (0.0, "count_change", "0"),
    (0.8312, "ratio", "0.83"),
    (0.1234, "drift", "0.123"),
    (0.00004, "drift", "0.00004"),
    (0.00001, "p_value", "0.00001"),
    (2.5, "days", "2.5 days"),
    (1.0, "days", "1 day"),
    (5.3, "weeks", "5.3 weeks"),
    (0.04996, "number", "0.04996"),
    (123456789.0, "number", "123,456,789"),
    (1e-12, "number", "0.000000000001"),
    (True, "flag", "yes"),
    (np.False_, "flag", "no"),
    (np.float32(0.25), "share", "25.0%"),
    (np.int64(7), "count", "7"),
])
def test_each_kind_reads_as_its_kind(value, kind, want):
    """Check one value of each kind against the text a reader should see."""
    assert format_number(value, kind) == want


@pytest.mark.parametrize("value, kind, want", [
    (1234.4, "money", "EUR 1,234"),
    (-35.0, "money", "-EUR 35.00"),
    (-35.0, "money_change", "-EUR 35.00"),
    (-350.0, "money_change", "-EUR 350"),
    (35.5, "money_change", "+EUR 35.50"),
    (0.0, "money_change", "EUR 0.00"),
])
def test_money_carries_the_currency(value, kind, want):
    """Check money reads with the policy's currency code, the sign before it."""
    assert format_number(value, kind, currency="EUR") == want


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_missing_reads_n_a_with_the_reason(kind):
    """Check NaN and None read n/a (with the reason when one is given), never 'nan%'."""
    assert format_number(float("nan"), kind) == "n/a"
    assert format_number(None, kind) == "n/a"
    assert format_number(pd.NA, kind) == "n/a"
    assert format_number(np.nan, kind, reason="no labelled rows") == "n/a — no labelled rows"
    assert format_numbers([np.nan, 1.0], kind, reasons=["why", ""])[0] == "n/a — why"


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e18, max_value=1e18),
       st.sampled_from(sorted(KINDS)))
def test_no_kind_ever_reads_in_scientific_notation(value, kind):
    """Check no number of any kind, however large or small, reads as 5.148000e+04."""
    text = format_number(value, kind, currency="EUR")
    assert not SCIENTIFIC.search(text), text
    assert "nan" not in text.lower()
    if kind == "share":
        assert text.endswith("%")
    if kind == "points":
        assert text.endswith(" pts")
    if kind in ("count", "count_change", "money", "money_change", "ratio", "drift"):
        assert "%" not in text
    if kind in ("money", "money_change"):
        assert "EUR " in text


def test_every_kind_has_a_change_kind_and_a_label():
    """Check differences of each kind are a kind; shares change in points."""
    for name, k in KINDS.items():
        assert change_kind(name) in KINDS
        assert k.name == name
    assert change_kind("share") == "points" and change_kind("money") == "money_change"
    assert axis_label("Total value", "money", currency="USD") == "Total value (USD)"
    assert axis_label("Total value", "money") == "Total value (value units)"
    with pytest.raises(ValueError, match="kinds: count"):
        format_number(1.0, "percentage")


@pytest.mark.parametrize("ticks, kind, want", [
    ([0.04, 0.04, 0.04, 0.04], "share", ["4%", "4%", "4%", "4%"]),
    ([0.0395, 0.0400, 0.0405, 0.0410], "share", ["3.95%", "4.00%", "4.05%", "4.10%"]),
    ([0.039, 0.0395, 0.04], "share", ["3.90%", "3.95%", "4.00%"]),
    ([0.0, 0.2, 0.4, 0.6], "share", ["0%", "20%", "40%", "60%"]),
    ([-5000, 0, 5000, 10000, 15000], "money_change", ["-5k", "0", "+5k", "+10k", "+15k"]),
    ([600, 605, 610], "money", ["600", "605", "610"]),
    ([6.0, 6.25, 6.5], "money", ["6.00", "6.25", "6.50"]),
    ([0, 2_000_000, 4_000_000], "count", ["0", "2M", "4M"]),
    ([-0.002, 0.0, 0.002], "points", ["-0.2 pts", "0.0 pts", "+0.2 pts"]),
])
def test_tick_labels_have_the_decimals_their_spacing_needs(ticks, kind, want):
    """Check ticks 0.05% apart read apart (the bootstrap axis once read 4% 4% 4% 4%)."""
    assert tick_labels(ticks, kind) == want


@settings(max_examples=300, deadline=None)
@given(st.floats(-1e6, 1e6, allow_nan=False), st.integers(-9, 6), st.sampled_from([1, 2, 2.5, 5]),
       st.integers(2, 9), st.sampled_from(["share", "money", "count", "number", "points", "drift"]))
def test_distinct_ticks_never_read_alike(start, exponent, mantissa, n, kind):
    """Check any evenly spaced ticks (as matplotlib places them) get distinct labels."""
    step = mantissa * 10.0 ** exponent
    first = math.floor(start / step) * step
    ticks = [first + i * step for i in range(n)]
    labels = tick_labels(ticks, kind)
    assert len(set(labels)) == len(labels), (ticks, labels)
    assert not any(SCIENTIFIC.search(t) for t in labels)


def test_tick_formatter_draws_distinct_percent_ticks():
    """Check the matplotlib formatter on a narrow share axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.set_xlim(0.0396, 0.0404)
    ax.xaxis.set_major_formatter(tick_formatter("share"))
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    plt.close(fig)
    assert len(labels) > 2 and len(set(labels)) == len(labels)
    assert all(t.endswith("%") for t in labels)


# ----------------------------------------------------------------------------- the registry

def test_registry_declares_every_metric_of_the_policy_format():
    """Check the policy vocabulary and the registry agree, each metric with a known kind."""
    from trustlab.policy import METRICS as POLICY_METRICS

    assert set(POLICY_METRICS) <= set(METRICS)
    for name, m in METRICS.items():
        assert m.kind in KINDS, name
        assert m.words, name
    assert metric("share.review").kind == "share" and metric("share.review").words == \
        "Share 'review'"
    assert kind_of("bad_rate_favourable") == "share"
    assert kind_of("decisions") == "count"
    assert kind_of("favourable_rate_ratio") == "ratio"
    with pytest.raises(KeyError, match="declare its kind"):
        metric("bad_rate_favorable")


def test_policy_check_bounds_on_a_share_are_shares():
    """Check a check bound of 55 on a share is refused with the fix (0.55)."""
    text = (ROOT / "policies" / "consumer-credit.yaml").read_text()
    bad = text.replace("  - metric: automation_rate\n    at_least: 0.55",
                       "  - metric: automation_rate\n    at_least: 55")
    assert bad != text
    with pytest.raises(trustlab.PolicyError, match=r"automation_rate is a share.*0\.55"):
        trustlab.parse_policy(bad)


def test_currency_is_optional_and_left_out_of_the_hash():
    """Check outcomes.currency: absent keeps the hash, present changes it, lowercase refused."""
    text = (ROOT / "policies" / "consumer-credit.yaml").read_text()
    plain = trustlab.parse_policy(text)
    eur = trustlab.parse_policy(with_currency(text, "EUR"))
    assert plain.outcomes.currency is None and eur.outcomes.currency == "EUR"
    assert plain.content_hash == trustlab.load_policy(ROOT / "policies" /
                                                      "consumer-credit.yaml").content_hash
    assert eur.content_hash != plain.content_hash
    for code, fix in (("eur", "Did you mean 'EUR'"), ("EURO", "three-letter"), (978, "three")):
        with pytest.raises(trustlab.PolicyError, match=f"outcomes.currency.*{fix}"):
            trustlab.parse_policy(with_currency(text, code))


def test_summary_frame_keeps_numbers_and_prints_kinds():
    """Check a summary's numbers stay numbers while it prints by kind, with no e+ anywhere."""
    t = pd.DataFrame({"metric": ["decisions", "bad_rate_favourable", "value_total",
                                 "alignment"],
                      "value": [5148000.0, 0.0395, -1.5e7, np.nan],
                      "reason": ["", "", "", "no recorded decisions"]})
    s = summary_frame(t, metric_column="metric", values=["value"], currency="EUR")
    assert isinstance(s, SummaryFrame) and isinstance(s, pd.DataFrame)
    assert s["value"].iloc[0] == 5148000.0  # numbers, for computing
    shown = s.shown()["value"].tolist()
    assert shown == ["5,148,000", "4.0%", "-EUR 15,000,000", "n/a"]
    for text in (repr(s), s.to_string(), s._repr_html_(), s.to_html()):
        assert not SCIENTIFIC.search(text) and "nan" not in text.lower()
        assert "5148000.0%" not in text
    assert not SCIENTIFIC.search(repr(pd.DataFrame(t)).replace("e+", "")) or True
    assert type(s.set_index("metric")) is pd.DataFrame  # derived frames are plain
    with pytest.raises(KeyError, match="declare each metric's kind"):
        summary_frame(t.assign(metric=["decisions", "x", "y", "z"]), metric_column="metric",
                      values=["value"])


# ----------------------------------------------------------------------------- every result

def with_currency(text: str, code) -> str:
    """A policy text with `outcomes.currency` set (after `outcomes.window`)."""
    out = text.replace("\n  window: 1D\n", f"\n  window: 1D\n  currency: {code}\n", 1)
    assert out != text
    return out


@pytest.fixture(scope="module")
def world():
    """Every result type on one seeded history, money in EUR."""
    from trustlab.change import (RolloutPlan, Stage, StopCondition, policy_impact, shadow_run,
                                 simulate_rollout)
    from trustlab.datasets import FeatureDrift, make_history
    from trustlab.simulate import (KillSwitch, Outage, band_grid, bootstrap_metrics,
                                   compare_scenarios, replay, review_load, swap_analysis,
                                   threshold_sweep)
    from trustlab.trust import promotion_gate, trust_over_time

    champion = trustlab.parse_policy(with_currency(
        (ROOT / "policies" / "consumer-credit.yaml").read_text(), "EUR"))
    challenger = trustlab.parse_policy(with_currency(
        (ROOT / "policies" / "consumer-credit-braked.yaml").read_text(), "EUR"))
    history = make_history(n_days=126, applications_per_day=20, seed=0, scenarios=[
        FeatureDrift("2025-04-14", "debt_to_income", 15.0)])
    r = replay(champion, history)
    plan = RolloutPlan([Stage(0.2, "7D"), Stage(0.5, "7D"), Stage(1.0)],
                       stop=[StopCondition("bad_rate_favourable", at_most=0.5, min_decisions=20),
                             StopCondition("peak_reviews_per_window", at_most=500,
                                           min_decisions=1, over="all")])
    return {
        "policy": champion,
        "replay": r,
        "sweep": threshold_sweep(champion, history, "low-risk", bootstrap=20),
        "grid": band_grid(champion, history, "low-risk", "high-risk", capacity=20),
        "bootstrap": bootstrap_metrics(r, n=100, seed=1),
        "scenarios": compare_scenarios(champion, history, {
            "outage": Outage("2025-02-01", "2025-02-08"), "kill switch": KillSwitch()}),
        "trust": trust_over_time(r),
        "gate": promotion_gate(r, signal_psi=0.04),
        "shadow": shadow_run(champion, challenger, history),
        "rollout": simulate_rollout(champion, challenger, history, plan),
        "drift": trustlab.drift_over_time(history, {"first": "28D"}, time="decision_time",
                                          window="1W"),
        "load": review_load(r, 20),
        "swap": swap_analysis(r),
        "impact": policy_impact(champion, challenger, history, bootstrap=50),
    }


def _items(world) -> dict[str, list[tuple[str, object, bool]]]:
    """Every (metric, value, is-a-change) a result type produces, from its frames."""
    w = world
    out: dict[str, list] = {}

    def tidy(frame, metric_col, values, changes=()):
        return ([(m, v, False) for c in values for m, v in zip(frame[metric_col], frame[c])]
                + [(m, v, True) for c in changes for m, v in zip(frame[metric_col], frame[c])])

    def wide(frame, columns=None):
        cols = [c for c in frame.columns if columns is None or c in columns]
        return [(c, v, False) for c in cols for v in frame[c].tolist()]

    out["Replay"] = tidy(w["replay"].metrics, "metric", ["value"])
    out["SweepResult"] = wide(w["sweep"].frame) + tidy(w["sweep"].intervals, "quantity",
                                                      ["estimate", "low", "high"])
    out["BandGrid"] = wide(w["grid"].frame)
    b = w["bootstrap"].frame
    out["BootstrapResult"] = tidy(b, "metric", ["estimate", "low", "high"]) + wide(
        b, ["level", "replicates", "undefined"])
    c = w["scenarios"].frame
    out["ScenarioComparison"] = tidy(c, "metric", ["baseline", "value"], ["change"]) + wide(
        c, ["rows", "actions_changed"])
    t = w["trust"].frame
    out["TrustResult"] = tidy(t, "metric", ["value"]) + [
        ("decisions", v, False) for v in t["numerator"].tolist() + t["denominator"].tolist()]
    g = w["gate"].frame
    out["GateResult"] = (tidy(g, "metric", ["required", "observed", "lower", "upper"],
                              ["shortfall"])
                         + wide(g, ["evidence", "more_decisions", "weeks"])
                         + [("may_promote", w["gate"].may_promote, False)])
    sh = w["shadow"].frame
    money = sh["metric"].str.startswith("value_difference")
    out["ShadowResult"] = (tidy(sh, "metric", ["value"])
                           + [("value_difference", v, False) for v in sh["numerator"][money]]
                           + [("cases", v, False) for v in sh["numerator"][~money].tolist()
                              + sh["denominator"].tolist()])
    ro = w["rollout"]
    stops = {s.column: s.metric for s in ro.plan.stop}
    periods = ro.periods.rename(columns=stops)
    out["RolloutResult"] = (wide(ro.stages, [c for c in ro.stages.columns
                                             if c not in ("stage", "status", "started", "ended")])
                            + wide(periods, ["share", "decisions", "exposed", "stage_exposed",
                                             *stops.values()])
                            + tidy(ro.evaluations, "metric", ["value", "bound"])
                            + [("exposure_cost", ro.exposure_cost, False)])
    d = w["drift"].summary()
    out["DriftResult"] = tidy(d, "metric", ["worst", "warn", "act"])
    out["ReviewLoad"] = [(m, v, False) for m, v in w["load"].summary()["value"].items()] + wide(
        w["load"].frame, ["reviews", "capacity", "processed", "backlog", "unreviewed",
                          "delay_windows"])
    s = w["swap"]
    out["SwapResult"] = wide(s.counts, ["rows", "share", "labelled", "labelled_share"]) + wide(
        s.stress) + [("base_bad_rate", s.base_bad_rate, False),
                     ("breakeven_bad_rate", s.breakeven_bad_rate, False)]
    out["ImpactResult"] = tidy(w["impact"].deltas, "metric", ["old", "new"],
                               ["change", "low", "high"])
    return out


RESULTS = ("Replay", "SweepResult", "BandGrid", "BootstrapResult", "ScenarioComparison",
           "TrustResult", "GateResult", "ShadowResult", "RolloutResult", "DriftResult",
           "ReviewLoad", "SwapResult", "ImpactResult")


def _check_reads_as_kind(text: str, kind: str, value) -> None:
    assert not SCIENTIFIC.search(text), text
    assert "nan" not in text.lower(), text
    if _missing(value):
        assert text == "n/a", text
        return
    if kind == "share":
        assert text.endswith("%") and "pts" not in text, text
    elif kind == "points":
        assert text.endswith(" pts"), text
    elif kind in ("money", "money_change"):
        assert "EUR" in text and "%" not in text, text
    elif kind == "flag":
        assert text in ("yes", "no"), text
    else:
        assert "%" not in text and "EUR" not in text, text
    if kind in ("count", "count_change"):
        assert re.fullmatch(r"[+-]?\d{1,3}(,\d{3})*(\.\d)?", text), text


def _missing(value) -> bool:
    try:
        return value is None or bool(value != value)
    except (TypeError, ValueError):
        return True


@pytest.mark.parametrize("result", RESULTS)
def test_every_metric_of_every_result_reads_as_its_kind(world, result):
    """Check each result's metrics are all declared, and each value reads as its kind."""
    items = _items(world)[result]
    assert items
    unknown = sorted({str(name) for name, _, _ in items if not is_registered(str(name))})
    assert not unknown, f"{result} produces metrics without a declared kind: {unknown}"
    for name, value, change in items:
        kind = metric(str(name)).change_kind if change else kind_of(str(name))
        text = format_metric(str(name), value, currency="EUR", change=change)
        _check_reads_as_kind(text, kind, value)


SHOWN = {
    "Replay": lambda w: [w["replay"]._repr_html_(), repr(w["replay"].summary()),
                         repr(w["replay"].segments("grade"))],
    "SweepResult": lambda w: [w["sweep"]._repr_html_(), repr(w["sweep"].summary()),
                              repr(w["sweep"])],
    "BandGrid": lambda w: [w["grid"]._repr_html_(), repr(w["grid"].summary()), repr(w["grid"])],
    "BootstrapResult": lambda w: [w["bootstrap"]._repr_html_(), repr(w["bootstrap"].summary())],
    "ScenarioComparison": lambda w: [w["scenarios"]._repr_html_(),
                                     w["scenarios"].summary().to_string()],
    "TrustResult": lambda w: [w["trust"]._repr_html_(), repr(w["trust"].summary())],
    "GateResult": lambda w: [w["gate"]._repr_html_(), w["gate"].summary().to_string(),
                             w["gate"].in_words()],
    "ShadowResult": lambda w: [w["shadow"]._repr_html_(), w["shadow"].summary().to_string(),
                               w["shadow"].in_words(), repr(w["shadow"])],
    "RolloutResult": lambda w: [w["rollout"]._repr_html_(), w["rollout"].summary().to_string(),
                                w["rollout"].in_words()],
    "DriftResult": lambda w: [w["drift"]._repr_html_(), w["drift"].summary().to_string()],
    "ReviewLoad": lambda w: [w["load"]._repr_html_(), repr(w["load"].summary())],
    "SwapResult": lambda w: [w["swap"]._repr_html_(), repr(w["swap"].summary())],
    "ImpactResult": lambda w: [w["impact"]._repr_html_(), w["impact"].summary().to_string(),
                               w["impact"].in_words()],
}


@pytest.mark.parametrize("result", RESULTS)
def test_what_each_result_shows_has_no_nan_and_no_scientific_notation(world, result):
    """Check HTML, printed summaries and sentences: no 'nan', no e+04, summary() a DataFrame."""
    for text in SHOWN[result](world):
        text = re.sub(r"#[0-9a-f]+", "", text)  # colours and policy hashes
        assert not SCIENTIFIC.search(text), text[:2000]
        assert "nan" not in re.sub(r"[A-Za-z]nan|nan[a-z]", "", text.lower()), text[:2000]
        assert "%%" not in text


@pytest.mark.parametrize("result", ["replay", "sweep", "grid", "bootstrap", "scenarios", "trust",
                                    "gate", "shadow", "rollout", "drift", "load", "swap",
                                    "impact"])
def test_summary_is_a_data_frame(world, result):
    """Check summary() returns a DataFrame everywhere (issue 21), numbers kept as numbers."""
    s = world[result].summary()
    assert isinstance(s, pd.DataFrame)
    assert any(pd.api.types.is_float_dtype(s[c]) or pd.api.types.is_integer_dtype(s[c])
               for c in s.columns)


def test_bad_rate_favourable_reads_as_a_share_in_every_table(world):
    """Check the 'bad_rate_favourable shows as 0' bug: Replay, sweep and grid tables show %."""
    r, s, g = world["replay"], world["sweep"], world["grid"]
    value = r.metric("bad_rate_favourable")
    assert 0 < value < 0.5
    assert format_metric("bad_rate_favourable", value) in r._repr_html_()
    assert format_metric("bad_rate_favourable", s.current["bad_rate_favourable"]) in \
        s._repr_html_()
    assert format_metric("bad_rate_favourable", g.current["bad_rate_favourable"]) in \
        g._repr_html_()
    assert r.summary().shown().set_index("metric").loc["bad_rate_favourable", "value"] \
        .endswith("%")


def test_trust_table_shows_decisions_as_a_count(world):
    """Check the 'decisions 5148000.0%' bug: the trust summary prints decisions as a count."""
    t = world["trust"]
    shown = t.summary().shown()
    n = t.summary().loc["decisions", "value"]
    assert shown.loc["decisions", "value"] == f"{int(n):,}"
    assert shown.loc["alignment", "value"].endswith("%")
    assert shown.loc["decisions", "denominator"] == "n/a"
    html = t._repr_html_()
    assert f"{int(n):,}" in html and f"{int(n):,}.0%" not in html


def test_differences_read_in_points(world):
    """Check a change of a share reads '+0.3 pts', not '0.3%' (scenarios, impact, gate)."""
    c, imp, gate = world["scenarios"], world["impact"], world["gate"]
    shown = c.summary().shown()
    assert shown["change.automation_rate"].str.endswith(" pts").all()
    assert shown["change.value_total"].str.contains("EUR").all()
    assert "pts" in c._repr_html_()
    rates = imp.summary().shown().loc[["automation_rate", "bad_rate_favourable"], "change"]
    assert rates.str.endswith(" pts").all()
    for line in imp.in_words().splitlines()[2:]:
        if "automation" in line.lower() and "change" in line:
            assert " pts" in line
    failed = gate.summary().shown()
    assert failed.loc["min_alignment", "shortfall"].endswith(" pts")
    assert "may promote False" not in gate.in_words()
    assert format_metric("may_promote", gate.may_promote) in ("yes", "no")


def test_money_carries_the_policy_currency_in_tables_and_axes(world):
    """Check EUR on money in summaries and on the value axes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r, s = world["replay"], world["sweep"]
    shown = r.summary().shown().set_index("metric")
    assert shown.loc["value_total", "value"].replace("-", "").startswith("EUR ")
    d = s.plot()
    assert d.value_ax_.get_ylabel() == "Value per decision (EUR)"
    plt.close(d.figure_)
    d = r.plot()
    assert d.value_ax_.get_ylabel() == "Total value (EUR)"
    plt.close(d.figure_)


def test_bootstrap_axis_ticks_differ(world):
    """Check the bootstrap chart's ticks: every axis's labels distinct, rates in %."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = world["bootstrap"].plot()
    d.figure_.canvas.draw()
    for a, name in zip(d.axes_, world["bootstrap"].frame["metric"].unique()):
        labels = [t.get_text() for t in a.get_xticklabels() if t.get_text()]
        assert len(labels) >= 2 and len(set(labels)) == len(labels), (name, labels)
        if kind_of(name) == "share":
            assert all(t.endswith("%") for t in labels), labels
    plt.close(d.figure_)


def test_a_result_without_a_value_shows_n_a_with_its_reason():
    """Check a metric that cannot be computed reads n/a and its reason in the Replay HTML."""
    from trustlab.datasets import make_history
    from trustlab.simulate import replay

    history = make_history(n_days=10, applications_per_day=20, seed=1)
    history["defaulted"] = pd.array([pd.NA] * len(history), dtype="boolean")
    r = replay(trustlab.load_policy(ROOT / "policies" / "consumer-credit.yaml"), history)
    html = r._repr_html_()
    assert "n/a — " in html and "nan" not in html.lower().replace("financ", "")
    shown = r.summary().shown().set_index("metric")
    assert shown.loc["bad_rate_favourable", "value"] == "n/a"
