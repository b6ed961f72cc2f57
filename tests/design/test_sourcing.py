"""Build, buy or fine-tune: totals by hand, ties, and flips solved exactly."""

from __future__ import annotations

import numpy as np
import pytest

import trustlab
from trustlab.design import FACTORS, OPTIONS, SourcingAssessment, load_assessment
from _support import REPO


def flat(**special) -> SourcingAssessment:
    """Every factor weight 1 and every score 3, except ``special``: factor → (weight, scores)."""
    weights = dict.fromkeys(FACTORS, 1.0)
    scores = {f: dict.fromkeys(OPTIONS, 3.0) for f in FACTORS}
    for f, (w, s) in special.items():
        weights[f], scores[f] = w, s
    return SourcingAssessment("d", "o", weights, scores, {})


def test_totals_by_hand():
    """Check the weighted mean on a small case worked on paper."""
    r = flat(core=(4.0, {"build": 5, "buy": 1, "fine_tune": 3})).assess()
    # build: (4*5 + 6*3) / 10 = 3.8; buy: (4 + 18) / 10 = 2.2; fine_tune: 3.0
    assert r.totals.to_dict() == pytest.approx({"build": 3.8, "buy": 2.2, "fine_tune": 3.0})
    assert r.recommendation == "build" and r.margin == pytest.approx(0.8)
    assert r.contributions.sum().to_dict() == pytest.approx(r.totals.to_dict())


def test_a_tie_has_no_winner():
    """Check conflicting factors that cancel out give no clear winner, not a silent pick."""
    r = flat(core=(2.0, {"build": 5, "buy": 1, "fine_tune": 3}),
             time_to_market=(2.0, {"build": 1, "buy": 5, "fine_tune": 3})).assess()
    assert r.recommendation == "no clear winner" and set(r.tied) == set(OPTIONS)
    assert "no clear winner" in r._repr_html_()


@pytest.mark.parametrize("path", ["credit-scoring-sourcing.yaml"])
@pytest.mark.slow  # a brute-force scan of 1,001 weights per factor: ~9 s
def test_flips_are_where_a_brute_force_scan_finds_them(path):
    """Check, factor by factor, that the winner over weights 0..10 (step 0.01) changes exactly at
    the reported ends of the range that keeps it, to the reported option."""
    a = load_assessment(REPO / "assessments" / path)
    r = a.assess()
    assert not r.flips.empty  # the example is close enough for a weight to matter
    for row in r.sensitivity.itertuples():
        grid = np.round(np.arange(0, 10.001, 0.01), 2)
        winners = [a.with_weight(row.factor, float(x)).assess().recommendation for x in grid]
        keep = [x for x, win in zip(grid, winners) if win == r.recommendation]
        assert min(keep) == pytest.approx(row.low, abs=0.011)
        assert max(keep) == pytest.approx(row.high, abs=0.011)
        if row.below_low:
            assert winners[int(round((row.low - 0.02) * 100))] == row.below_low
        if row.above_high:
            assert winners[int(round((row.high + 0.02) * 100))] == row.above_high


def test_bad_weights_and_scores_are_named(tmp_path):
    """Check a missing factor, a weight over 10 and a score of 0 are all named."""
    f = tmp_path / "s.yaml"
    f.write_text("framework: build_buy_or_fine_tune\ndecision: x\nowner: y\nfactors:\n"
                 "  core: {weight: 11, scores: {build: 0, buy: 1, fine_tune: 1}}\n")
    with pytest.raises(trustlab.ConfigError) as e:
        load_assessment(f)
    text = str(e.value)
    assert "factors.core.weight: must be a number from 0 to 10; got 11" in text
    assert "factors.core.scores.build: must be a number from 1 to 5; got 0" in text
    assert "factors.exit_paths: is missing" in text
