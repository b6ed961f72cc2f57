"""``report.html``: a report a risk committee reads on paper and signs.

One review of the shipped retention history (its policy copied with
``outcomes.currency: EUR``) is read as a committee would: the header, the
sign-off block, the checks, the model evidence, the currency, the four-fifths
line, figures with alt text, no notebook leftovers, no emoji — and then printed
to PDF with headless Chromium.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from importlib import metadata

import matplotlib
import nbformat
import numpy as np
import pandas as pd
import pytest

from trustlab import load_policy
from trustlab._cli import main
from trustlab._format import format_number
from trustlab.review import FOUR_FIFTHS, assess, export_report, report_table
from _support import REPO

matplotlib.use("Agg")

DATA = REPO / "datasets" / "retention_history.csv"
FAST = ["-p", "bootstrap", "50", "-p", "cases", "3", "--quiet"]

# Non-ASCII characters the report may use: typographic dashes and quotes, the minus sign,
# comparison signs, an arrow, the multiplication sign and a non-breaking space. Anything else
# (emoji and other pictographs, which print as empty boxes without a colour emoji font) fails.
TYPOGRAPHIC = set("\u2014\u2013\u2212\u2018\u2019\u201c\u201d\u2265\u2264\u2192\u00d7\u00a0")


class _Page(HTMLParser):
    """Tables (class, header cells, body rows of cell texts) and images of an HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self.images: list[dict] = []
        self._stack: list[dict] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._section = ""
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "title":
            self._in_title = True
        elif tag == "img":
            self.images.append(a)
        elif tag == "table":
            self._stack.append({"class": a.get("class", ""), "head": [], "rows": []})
        elif tag in ("thead", "tbody"):
            self._section = tag
        elif tag == "tr" and self._stack:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._stack:
            table = self._stack[-1]
            if self._section == "thead":
                table["head"] = self._row
            else:
                table["rows"].append(self._row)
            self._row = None
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop())

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._cell is not None:
            self._cell.append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _text(html: str) -> str:
    """The page's words, tags and styles removed, whitespace collapsed."""
    html = re.sub(r"<style>.*?</style>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture(scope="module")
def review_folder(tmp_path_factory):
    """A review of the retention history under a copy of its policy that names EUR."""
    d = tmp_path_factory.mktemp("eur")
    text = (REPO / "policies" / "retention-offer.yaml").read_text()
    assert "  label: churned\n" in text
    policy = d / "retention-offer.yaml"
    policy.write_text(text.replace("  label: churned\n", "  label: churned\n  currency: EUR\n"))
    out = d / "review"
    code = main(["review", str(policy), str(DATA), "--out", str(out), *FAST])
    assert code == 0
    return out


@pytest.fixture(scope="module")
def report(review_folder):
    return (review_folder / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def history():
    return pd.read_csv(DATA)


@pytest.mark.slow  # reads the module's review run (a notebook kernel: ~20 s)
def test_title_and_header_say_what_was_reviewed_on_what_when(report, review_folder, history):
    """Check the page title and every header field against the files and the data itself."""
    page = _parse(report)
    doc = json.loads((review_folder / "metrics.json").read_text())
    manifest = json.loads((review_folder / "manifest.json").read_text())
    assert page.title == "Review \u2014 retention-offer@1.1.0"
    assert "<h1>Review \u2014 retention-offer@1.1.0</h1>" in report
    header = dict(next(t for t in page.tables if t["class"] == "tl-header")["rows"])
    policy = load_policy(review_folder.parent / "retention-offer.yaml")
    assert header["Policy"] == "retention-offer@1.1.0"
    assert header["Policy content hash"] == policy.content_hash == doc["policy"]["hash"]
    assert header["Owner"] == "Head of Customer Retention <retention@example.com>"
    assert header["Mode"] == "supervised"
    assert header["Champion"].startswith("none")
    finished = manifest["finished"]  # "2025-01-02T03:04:05Z"
    assert header["Review date (UTC)"] == finished.replace("T", " ").replace("Z", " UTC")
    times = pd.to_datetime(history["contact_date"])
    assert header["Data period"].startswith(f"{times.min():%Y-%m-%d} to {times.max():%Y-%m-%d}")
    assert header["Rows"] == f"{len(history):,}" == "9,145"
    assert header["trustlab version"].startswith(metadata.version("trustlab"))
    assert "bootstrap = 50" in header["Parameters"] and "cases = 3" in header["Parameters"]
    hashes = next(t for t in page.tables if t["class"] == "tl-hashes")
    digests = {row[1]: row[2] for row in hashes["rows"]}
    for path in (review_folder.parent / "retention-offer.yaml", DATA):
        assert digests[path.name] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert digests["review.ipynb"] == manifest["inputs"]["notebooks"]["review.ipynb"]
    assert report.index("tl-header") < report.index("Verdict: PASS")


@pytest.mark.slow  # reads the module's review run (a notebook kernel: ~20 s)
def test_signoff_block_closes_the_report(report):
    """Check the sign-off block: owner and reviewer to sign and date, and the three decisions."""
    page = _parse(report)
    signoff = page.tables[-1]
    assert signoff["head"] == ["role", "name", "signature", "date"]
    assert signoff["rows"] == [
        ["Policy owner", "Head of Customer Retention <retention@example.com>", "", ""],
        ["Reviewer", "", "", ""]]
    text = _text(report)
    tail = text[text.index("Sign-off"):]
    assert "Approve Reject Approve with conditions" in tail and "Conditions" in tail
    assert text.index("Limitations") < text.index("Sign-off")


@pytest.mark.slow  # reads the module's review run (a notebook kernel: ~20 s)
def test_no_emoji_no_notebook_leftovers(report):
    """Check the page holds no emoji or pictograph, no how-to, no debug print, no code, no
    truncated text and no raw 0..n index column."""
    odd = sorted({c for c in report if ord(c) > 127 and c not in TYPOGRAPHIC})
    assert not odd, f"characters outside the typographic set: {odd}"
    assert not re.search("[\u2600-\u27bf\U0001f000-\U0001faff\ufe0f]", report)
    text = _text(report)
    for leftover in ("How to use", "What this answers", "verdict: pass", "decision records\n",
                     "notebook_parameters", "import ", "\u2026", "..."):
        assert leftover not in text, leftover
    assert "output_stream" not in report  # nothing printed to stdout or stderr
    for table in _parse(report).tables:
        first = [row[0] for row in table["rows"] if row]
        positions = [str(i) for i in range(len(first))]
        assert not (len(first) > 1 and first == positions), table["head"]


@pytest.mark.slow  # reads the module's review run (a notebook kernel: ~20 s)
def test_every_figure_says_what_it_shows(report):
    """Check each image carries alt text of its own (not nbconvert's placeholder)."""
    images = _parse(report).images
    assert len(images) >= 6  # value, model evidence, three segment columns, drift
    for img in images:
        alt = img.get("alt", "")
        assert len(alt) > 40 and "No description" not in alt, alt
    alts = " ".join(i["alt"] for i in images)
    assert "ROC curve, AUC" in alts and "four-fifths of the highest rate" in alts
    assert "-EUR" in alts  # money in the currency, in words too


@pytest.mark.slow  # reads the module's review run (a notebook kernel: ~20 s)
def test_checks_table_in_words(report, review_folder):
    """Check the checks table: check, metric, value, bound and PASS/FAIL in words and colour,
    one row per check of metrics.json."""
    doc = json.loads((review_folder / "metrics.json").read_text())
    table = next(t for t in _parse(report).tables if "tl-checks" in t["class"])
    assert table["head"] == ["check", "metric", "value", "bound", "result", "note"]
    assert [r[0] for r in table["rows"]] == [c["check"] for c in doc["checks"]]
    assert [r[4] for r in table["rows"]] == ["PASS" if c["passed"] else "FAIL"
                                             for c in doc["checks"]]
    rows = {r[0]: r for r in table["rows"]}
    assert rows["automation_rate >= 0.95"][3] == "at least 95%"  # as the policy set it
    assert rows["value_per_decision >= -55"][3].startswith("at least -EUR 55")
    assert report.count('class="tl-status tl-pass"') >= len(doc["checks"])


@pytest.mark.slow  # reads the module's review run (a notebook kernel: ~20 s)
def test_money_in_the_policy_currency(report, review_folder):
    """Check money reads in EUR in the headline table and nowhere in value units."""
    doc = json.loads((review_folder / "metrics.json").read_text())
    total = next(m["value"] for m in doc["metrics"]
                 if m["metric"] == "value_total" and m["by"] is None)
    text = _text(report)
    assert "value units" not in text
    assert f"Total value (EUR) -EUR {abs(total):,.0f}" in text
    assert "Value per decision (EUR)" in text


@pytest.mark.slow  # reads the module's review run (a notebook kernel: ~20 s)
def test_model_evidence_with_auc_interval_and_reliability_groups(report, review_folder, history):
    """Check the evidence section: AUC with its DeLong interval (the AUC as computed by hand from
    the CSV), the reliability groups with Wilson intervals, and metrics.json's record of both."""
    from sklearn.metrics import roc_auc_score

    doc = json.loads((review_folder / "metrics.json").read_text())
    (ev,) = doc["model_evidence"]
    bad = history["churned"].eq("Yes")
    assert ev["signal"] == "p_churn" and ev["labelled"] == len(history)
    assert ev["bad"] == int(bad.sum())
    assert ev["auc"] == pytest.approx(roc_auc_score(bad, history["p_churn"]))
    assert ev["auc_low"] < ev["auc"] < ev["auc_high"] and ev["auc_interval"] == "DeLong"
    text = _text(report)
    assert "Model evidence" in text and "Signal p_churn" in text
    shown = (f"Discrimination: AUC {ev['auc']:.3f} (95% interval {ev['auc_low']:.3f} to "
             f"{ev['auc_high']:.3f}, DeLong)")
    assert shown in text
    groups = next(t for t in _parse(report).tables if t["head"][-1:] == ["95% interval (Wilson)"])
    assert len(groups["rows"]) == ev["calibration_groups"] == 10
    assert sum(int(r[1].replace(",", "")) for r in groups["rows"]) == len(history)


@pytest.mark.slow  # reads the module's review run (a notebook kernel: ~20 s)
def test_four_fifths_line_where_the_text_says(report, review_folder):
    """Check the text says the dotted line is four-fifths of the highest segment's rate, and the
    table's four-fifths test agrees with metrics.json worked out by hand."""
    text = _text(report)
    assert "the dotted line is four-fifths of the highest segment's rate" in text
    doc = json.loads((review_folder / "metrics.json").read_text())
    m = pd.DataFrame(doc["metrics"])
    seg = m[m["by"].notna() & m["segment"].notna()]
    wide = seg.pivot_table(index=["by", "segment"], columns="metric", values="value")
    segments = next(t for t in _parse(report).tables if "Four-fifths test" in t["head"])
    shown = {(r[0], r[1]): r[-1] for r in segments["rows"]}
    for column, part in wide.groupby(level="by"):
        judged = part[part["decisions"] >= 30]
        top = judged["favourable_rate"].max()
        for (by, segment), row in part.iterrows():
            expected = "ABOVE" if row["favourable_rate"] >= 0.8 * top else "BELOW"
            assert shown[(by, segment)] == expected, (by, segment)
    assert shown[("contract", "two-year")] == "BELOW"


@pytest.mark.slow  # reads the module's review run (a notebook kernel: ~20 s)
def test_reasons_whole_in_the_case_table(report, review_folder):
    """Check each example case's reason appears whole, as recorded in decisions.parquet."""
    decisions = pd.read_parquet(review_folder / "decisions.parquet")
    table = next(t for t in _parse(report).tables if t["head"] == ["case", "rule", "action",
                                                                   "reason"])
    assert len(table["rows"]) == 3
    by_id = decisions.set_index("customer_id")
    for case, rule, action, reason in table["rows"]:
        rec = by_id.loc[case]
        assert (rule, action, reason) == (rec["rule"], rec["action"], rec["reason"])


def test_segment_figure_draws_the_line_at_four_fifths_of_the_highest(history):
    """Check the dotted line sits at 0.8 x the highest segment's favourable rate, worked out
    from the replayed decisions by hand (segments of 30 or more decisions)."""
    import matplotlib.pyplot as plt

    review = assess(load_policy(REPO / "policies" / "retention-offer.yaml"), history,
                    bootstrap=0, cases=0)
    d = review.replay.decisions
    rates = d.groupby("region")["favourable"].mean()
    sizes = d.groupby("region").size()
    top = rates[sizes >= 30].max()
    shown = review.plot_segment_rates("region")
    assert shown.four_fifths == pytest.approx(FOUR_FIFTHS * top)
    assert list(shown.line_.get_xdata()) == pytest.approx([0.8 * top, 0.8 * top])
    assert shown.highest == rates[sizes >= 30].idxmax()
    labels = [t.get_text() for t in shown.ax_.get_legend().get_texts()]
    assert f"Four-fifths of the highest: {format_number(0.8 * top, 'share')}" in labels
    plt.close(shown.figure_)


# --------------------------------------------------------------------------- on paper

def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("chromium is not installed (.ci/run installs it): the report cannot be "
                    "printed to PDF here")
    return found


def _print(html_path, pdf_path) -> bytes:
    subprocess.run([_chromium(), "--headless", "--disable-gpu", "--no-sandbox",
                    "--no-pdf-header-footer", f"--print-to-pdf={pdf_path}",
                    html_path.resolve().as_uri()],
                   check=True, capture_output=True, timeout=120)
    return pdf_path.read_bytes()


def _page_count(pdf: bytes) -> int:
    try:
        from pypdf import PdfReader
    except ImportError:
        return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))
    import io

    return len(PdfReader(io.BytesIO(pdf)).pages)


def _pages_text(pdf_path) -> list[str]:
    """Each page's text (pdftotext of poppler-utils); skips when it is not installed."""
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: page contents cannot be "
                    "checked; `apt-get install poppler-utils`")
    out = subprocess.run([tool, "-layout", str(pdf_path), "-"], check=True,
                         capture_output=True, timeout=60).stdout.decode("utf-8")
    return out.split("\f")[:-1] if out.endswith("\f") else out.split("\f")


@pytest.mark.browser
def test_report_prints_with_running_header_and_signoff_last(review_folder, tmp_path):
    """Check the report prints to a bounded number of A4 pages, each with the title and its
    page number, the header on the first page and the sign-off alone at the end."""
    pdf_path = tmp_path / "report.pdf"
    pdf = _print(review_folder / "report.html", pdf_path)
    pages = _page_count(pdf)
    assert 4 <= pages <= 20, pages
    texts = _pages_text(pdf_path)
    assert len(texts) == pages
    for i, page in enumerate(texts, start=1):
        assert "Review \u2014 retention-offer@1.1.0" in page and f"Page {i} of {pages}" in page
    assert "Policy content hash" in texts[0] and "Verdict: PASS" in texts[0]
    assert "Sign-off" in texts[-1] and "Approve with conditions" in texts[-1]
    assert "Sign-off" not in "".join(texts[:-1])


@pytest.mark.browser
def test_no_table_row_is_cut_across_pages(tmp_path):
    """Check, on a long table of wrapped multi-line rows, that every row prints whole on one
    page and the header row repeats on every page the table spans."""
    reasons = [f"start{i:03d} " + " ".join(["the reason wraps over several lines"] * 6)
               + f" end{i:03d}" for i in range(90)]
    frame = pd.DataFrame({"case": [f"case-{i:03d}" for i in range(90)],
                          "decisions": np.arange(90) * 1000.0, "reason": reasons})
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("table")
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        "text/html": report_table(frame, kinds={"decisions": "count"}).html})]
    nb.cells = [nbformat.v4.new_markdown_cell("## A long table"), cell]
    nbformat.write(nb, tmp_path / "long.ipynb")
    doc = {"policy": {"name": "long", "version": "1", "hash": "0" * 64, "owner": "Owner",
                      "mode": "shadow"}, "champion": None,
           "data": {"name": "d.csv", "rows": 90, "period": None}}
    html = export_report(tmp_path / "long.ipynb", tmp_path / "long.html", metrics=doc)
    assert "tr, img" in html.read_text() and "break-inside: avoid" in html.read_text()
    pdf_path = tmp_path / "long.pdf"
    pages = _page_count(_print(html, pdf_path))
    texts = _pages_text(pdf_path)
    spanned = [t for t in texts if "start0" in t]
    assert pages >= 3 and len(spanned) >= 3
    for page in spanned:
        assert re.search(r"case\s+decisions\s+reason", page)  # the header repeated
    for i in range(90):
        where_start = [p for p, t in enumerate(texts) if f"start{i:03d}" in t]
        where_end = [p for p, t in enumerate(texts) if f"end{i:03d}" in t]
        assert where_start == where_end and len(where_start) == 1, (i, where_start, where_end)
