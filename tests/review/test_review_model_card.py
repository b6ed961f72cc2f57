"""A review warns in its verdict area when a supplied signal's model card reads a protected
attribute (`-p model_card FILE`), and hashes the card among its inputs."""

from __future__ import annotations

import json

import pytest

from trustlab.datasets import make_retention_history
from trustlab.review import _run
from trustlab.signals import score_out_of_fold
from _support import REPO

pytestmark = pytest.mark.slow


def test_model_card_reading_a_protected_attribute_is_warned_about(tmp_path):
    """Check the card's protected feature is named in metrics.json's fairness warnings and
    in the report's verdict area, the review still runs (a warning, not a refusal), and the
    manifest hashes the card."""
    history = make_retention_history(n_days=40, seed=4)
    card = score_out_of_fold(history, "churned", ["tenure_months", "age_band"], bad_when="Yes",
                             n_splits=3, name="p_churn").card
    card_path = card.save(tmp_path / "churn-card.json")
    history.to_csv(tmp_path / "history.csv", index=False)
    run = _run.run_review(REPO / "policies" / "retention-offer.yaml", tmp_path / "history.csv",
                          out=tmp_path / "out", progress=False,
                          parameters={"bootstrap": "0", "cases": "1",
                                      "model_card": str(card_path)})
    assert run.exit_code in (0, 1), run.message
    doc = json.loads((tmp_path / "out" / "metrics.json").read_text())
    warned = " ".join(doc["fairness_warnings"])
    assert "age_band" in warned and "model card" in warned.lower()
    report = (tmp_path / "out" / "report.html").read_text()
    assert "age_band" in report and "Protected attributes" in report
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["inputs"]["parameter_files"]["model_card"]["path"] == str(card_path)
