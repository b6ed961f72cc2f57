"""Batch or real time: every recommendation follows from its answers; costs; what would change it."""

from __future__ import annotations

import itertools

import pytest

import trustlab
from trustlab.design import (QUESTIONS, ServingAnswers, ServingAssessment, assess_serving,
                             load_assessment)
from _support import REPO

ALL = list(itertools.product(*[opts for _, opts in QUESTIONS.values()]))


def expected(a: ServingAnswers) -> str:
    """The rule, written apart from the code: batch unless delay destroys value; real time only
    when everything else holds too; otherwise hybrid."""
    if a.delay != "destroys_value":
        return "batch"
    if a.reversible and a.context_at_decision == "full" and a.fallback and a.degradation \
            and a.kill_switch:
        return "real_time_with_guardrails"
    return "hybrid"


def assessment(**answers) -> ServingAssessment:
    base = dict(delay="destroys_value", reversible=True, context_at_decision="full",
                fallback=True, degradation=True, kill_switch=True)
    return ServingAssessment("Card hold", "Fraud ops", ServingAnswers(**(base | answers)))


@pytest.mark.parametrize("values", ALL, ids=lambda v: "-".join(map(str, v)))
def test_every_combination_of_answers(values):
    """Check all 144 combinations against the rule, and that 'what would change it' lists
    exactly the single changed answers that change the recommendation."""
    a = ServingAnswers(*values)
    r = assess_serving(ServingAssessment("d", "o", a))
    assert r.recommendation == expected(a)
    listed = {(row.question, row._3) for row in r.changes.itertuples()}
    for q, (_, options) in QUESTIONS.items():
        for alt in options:
            if alt == getattr(a, q):
                continue
            other = expected(ServingAnswers(**{**a.__dict__, q: alt}))
            assert ((q, alt) in listed) == (other != r.recommendation), (q, alt)


def test_conflicting_answers_give_hybrid_with_what_to_build():
    """Check value lost to delay, an irreversible action and no kill switch: hybrid, with every
    reason against real time named and the missing safety listed as a condition."""
    r = assessment(reversible=False, kill_switch=False, degradation=False).assess()
    assert r.recommendation == "hybrid"
    text = " ".join(r.drivers)
    assert "cannot be undone" in text and "degradation, kill_switch" in text
    assert [c.split(":")[0] for c in r.conditions] == ["degradation", "kill_switch"]
    # one change alone cannot make it real time: three answers stand in the way
    assert "real_time_with_guardrails" not in set(r.changes["recommendation"])


def test_what_would_change_a_real_time_recommendation():
    """Check each weakened answer turns real time into hybrid, and a harmless delay into batch."""
    r = assessment().assess()
    assert r.recommendation == "real_time_with_guardrails" and not r.conditions
    flips = dict(zip(zip(r.changes["question"], r.changes["if"]), r.changes["recommendation"]))
    assert flips[("reversible", False)] == flips[("kill_switch", False)] == "hybrid"
    assert flips[("context_at_decision", "partial")] == "hybrid"
    assert flips[("delay", "costs_convenience")] == "batch"


def test_example_file_and_cost_sketch():
    """Check the shipped card-fraud assessment and its costs, computed by hand."""
    r = load_assessment(REPO / "assessments" / "card-fraud-hold.yaml").assess()
    assert r.recommendation == "hybrid"
    assert any(d.startswith("context_at_decision: the context is partial") for d in r.drivers)
    c = r.costs.set_index("serving")
    online = 3 * 0.68 * 730
    batch = 2.40 * 0.5 * 24 * 30.42
    assert c.at["real_time_with_guardrails", "per month (EUR)"] == pytest.approx(online)
    assert c.at["batch", "per month (EUR)"] == pytest.approx(batch)
    assert c.at["hybrid", "per month (EUR)"] == pytest.approx(online + batch)
    per_million = c.at["batch", "per million decisions (EUR)"]
    assert per_million == pytest.approx(batch / (1_500_000 * 30.42) * 1e6)
    html = r._repr_html_()
    assert "What would change it" in html and "Cost sketch" in html


def test_bad_files_name_every_field(tmp_path):
    """Check a wrong framework, an unknown answer, a bad choice and a negative cost together."""
    f = tmp_path / "a.yaml"
    f.write_text("framework: batch_or_real_time\ndecision: x\nowner: y\n"
                 "answers: {delay: soon, reversible: maybe, context_at_decision: full, "
                 "fallback: true, degradation: true, kill_switch: true, colour: red}\n"
                 "costs: {decisions_per_day: -1, serving_instances: 1, serving_per_hour: 1, "
                 "batch_per_hour: 1, batch_hours_per_run: 1, batch_runs_per_day: 1}\n")
    with pytest.raises(trustlab.ConfigError) as e:
        load_assessment(f)
    text = str(e.value)
    for fragment in ("answers.delay: must be one of destroys_value, costs_convenience, harmless",
                     "answers.reversible: must be true or false; got 'maybe'",
                     "answers.colour: is not a field here",
                     "costs.decisions_per_day: must be a number at least 0"):
        assert fragment in text
    f.write_text("framework: pick_a_vendor\n")
    with pytest.raises(trustlab.ConfigError, match="framework: must be one of batch_or_real_time"):
        load_assessment(f)


def test_a_key_written_twice_is_refused_naming_file_line_and_key(tmp_path):
    """Check an assessment answering ``delay`` twice is refused by the strict reader the policy
    uses, naming the file, the key and its line; a plain YAML reader keeps the last answer
    without a word, and that answer flips the recommendation from hybrid to batch."""
    import yaml

    text = (REPO / "assessments" / "card-fraud-hold.yaml").read_text(encoding="utf-8")
    first = "  delay: destroys_value          # a fraudulent payment settles in seconds\n"
    assert first in text
    twice = text.replace(first, first + "  delay: costs_convenience\n")
    path = tmp_path / "twice.yaml"
    path.write_text(twice, encoding="utf-8")
    with pytest.raises(trustlab.ConfigError) as err:
        load_assessment(path)
    (problem,) = err.value.problems
    assert (problem.where, problem.line) == ("answers.delay", 7)
    assert "the key 'delay' appears twice" in problem.message
    assert str(path) in str(err.value)
    # what the reader did before: the last answer silently won ...
    assert yaml.safe_load(twice)["answers"]["delay"] == "costs_convenience"
    # ... and it is not the answer the file's author read first: the recommendation flips
    kept_last = tmp_path / "last.yaml"
    kept_last.write_text(text.replace(first, "  delay: costs_convenience\n"), encoding="utf-8")
    assert load_assessment(REPO / "assessments" / "card-fraud-hold.yaml").assess() \
        .recommendation == "hybrid"
    assert load_assessment(kept_last).assess().recommendation == "batch"
