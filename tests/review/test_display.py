"""How the review shows tables and figures: numbers by kind, status in words, alt text."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

from trustlab.metrics import summary_frame
from trustlab.review import figure_of, report_table, status_html, table_html

matplotlib.use("Agg")


def test_table_without_raw_index_and_numbers_by_kind():
    """Check a 0..n index is left out, a named index is shown, and numbers read by kind."""
    t = pd.DataFrame({"rule": ["low", "high"], "decisions": [6974.0, 1876.0],
                      "share": [0.7626, 0.2051]})
    html = table_html(summary_frame(t, kinds={"decisions": "count", "share": "share"}))
    assert "<th>rule</th><th>decisions</th><th>share</th>" in html
    assert '<td class="num">6,974</td>' in html and '<td class="num">76.3%</td>' in html
    assert "<th class=\"text\">0</th>" not in html and ">1<" not in html
    named = table_html(t.set_index("rule"))
    assert '<th class="text">low</th>' in named


def test_long_text_wraps_whole_and_is_escaped():
    """Check a long reason is kept whole (no ellipsis) in a wrapping cell, and escaped."""
    reason = "Churn risk 45% <and> a high monthly charge; " * 6
    html = table_html(pd.DataFrame({"reason": [reason]}))
    assert '<td class="text">' in html and "…" not in html and "..." not in html
    assert "&lt;and&gt;" in html and html.count("Churn risk 45%") == 6


def test_status_in_words_and_colour():
    """Check PASS / FAIL keep their word and carry a colour; an unknown status is refused."""
    html = table_html(pd.DataFrame({"check": ["a", "b"], "result": ["PASS", "FAIL"]}),
                      status=["result"])
    assert ">PASS</span>" in html and ">FAIL</span>" in html
    assert "tl-pass" in html and "tl-fail" in html and "color:#b71c1c" in html
    with pytest.raises(ValueError, match="status must be one of"):
        status_html("green", "OK")


def test_money_reads_in_the_currency():
    """Check money columns read in the currency given."""
    html = table_html(pd.DataFrame({"value_total": [-476247.0]}), currency="EUR")
    assert "-EUR 476,247" in html


def test_report_table_displays_as_html():
    """Check the notebook object carries the same HTML."""
    t = pd.DataFrame({"a": [1.5]})
    assert report_table(t)._repr_html_() == table_html(t)


def test_figure_needs_alt_text_and_carries_it():
    """Check a figure becomes PNG with its alt text in the PNG's metadata, and is closed."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    shown = figure_of(fig, "A falling   line\nfrom 1 to 0")
    data, meta = shown._repr_png_()
    assert data.startswith(b"\x89PNG") and meta == {"alt": "A falling line from 1 to 0"}
    assert not plt.fignum_exists(fig.number)
    fig2, _ = plt.subplots()
    with pytest.raises(ValueError, match="alt must say what the figure shows"):
        figure_of(fig2, "  ")
    plt.close(fig2)
