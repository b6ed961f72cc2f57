"""Widgets answer the assessments: a changed control re-scores and redraws."""

from __future__ import annotations

from html import unescape

from trustlab.design import (load_assessment, readiness_form, serving_form, sourcing_form)
from _support import REPO

A = REPO / "assessments"


def test_serving_form_follows_its_dropdowns():
    """Check a full context turns the card-fraud hybrid into real time, and back."""
    form = serving_form(load_assessment(A / "card-fraud-hold.yaml"))
    assert form.result.recommendation == "hybrid"
    form.controls["context_at_decision"].value = "full"
    assert form.result.recommendation == "real_time_with_guardrails"
    form.controls["delay"].value = "costs_convenience"
    assert form.result.recommendation == "batch"
    assert len(form.widget.children) == 3


def test_sourcing_form_flips_at_the_reported_weight():
    """Check moving a weight past its reported flip point changes the winner in the form."""
    a = load_assessment(A / "credit-scoring-sourcing.yaml")
    form = sourcing_form(a)
    flip = form.result.flips.iloc[0]
    start = form.result.recommendation
    form.controls[flip["factor"]].value = float(flip["to"]) + (0.5 if flip["direction"] == "up"
                                                                else -0.5)
    assert form.result.recommendation == flip["winner"] != start


def test_readiness_form_asks_only_what_no_file_settles():
    """Check the form offers the open and asked items, and an answer changes the score."""
    form = readiness_form(load_assessment(A / "consumer-credit-readiness.yaml"))
    assert "owner" not in form.controls and "on_call" in form.controls
    before = form.result.score
    form.controls["on_call"].value = True
    assert form.result.score > before


def test_questions_wrap_above_their_controls():
    """Check each question is written above its control in text that wraps (no description
    label to cut), kept as the control's tooltip, in cells of a row that wraps."""
    form = readiness_form(load_assessment(A / "consumer-credit-readiness.yaml"))
    grid = form.widget.children[1]
    assert grid.layout.flex_flow == "row wrap" and grid.layout.width == "100%"
    for cell, (name, control) in zip(grid.children, form.controls.items()):
        label, shown = cell.children
        assert shown is control and control.description == ""
        assert control.tooltip and control.tooltip in unescape(label.value)
        assert control.layout.width == "100%" and cell.layout.flex.startswith("1 1")
