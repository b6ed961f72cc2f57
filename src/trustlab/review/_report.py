"""The executed review notebook as one static, self-contained HTML page a committee can sign.

nbconvert's full templates load require.js and MathJax from a CDN; an auditor
may open the report on a machine with no network. The page is the ``basic``
body (outputs only, no code cells, figures as embedded PNGs with their alt
text) inside a small page of its own, and any ``<script>`` (widget state) is
removed: nothing is loaded from anywhere and nothing needs to run to read it.

Given the review's ``metrics.json`` and ``manifest.json``, the page opens with
a header — policy ``name@version`` and content hash, owner, mode, champion,
review date (UTC), data, data period, rows, trustlab version, parameters and
the sha256 of every input — and closes with a sign-off block (owner,
reviewer, date, decision) to fill in by hand. A print stylesheet keeps table
rows and figures whole on a page, repeats table headers and puts the page
title and page numbers in the page margins.
"""

from __future__ import annotations

from .._extras import require
from .._review_folder import digest_of

import datetime as _dt
import hashlib
import json
import re
from html import escape
from pathlib import Path

__all__ = ["export_report", "report_header", "signoff_block", "NOTEBOOK_ONLY_TAG",
           "PRINT_STYLE"]

NOTEBOOK_ONLY_TAG = "notebook-only"
"""Cells with this tag (how to run the notebook, say) are left out of the report."""

_STYLE = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
caption { caption-side: top; text-align: left; font-weight: bold; padding: 2px 0; }
th, td { border: 1px solid #ccc; padding: 3px 8px; vertical-align: top; text-align: left; }
th { background: #f3f3f3; }
td.num, table.dataframe td { text-align: right; white-space: nowrap; }
td.text, th.text { white-space: normal; overflow-wrap: break-word; }
img { max-width: 100%; height: auto; }
pre { white-space: pre-wrap; background: #f8f8f8; padding: 6px; }
h1 { border-bottom: 2px solid #444; }
h2 { border-bottom: 1px solid #bbb; margin-top: 1.6em; }
.jp-InputArea, .jp-InputPrompt, .jp-OutputPrompt, .prompt { display: none; }
.tl-header th { width: 13em; }
.tl-header td, .tl-hashes td { overflow-wrap: break-word; }
.tl-hash { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.8em; }
td.tl-hash { white-space: nowrap; }
.tl-status { border-radius: 3px; white-space: nowrap; }
.tl-signoff table { width: 100%; }
.tl-signoff td { height: 2.6em; }
.tl-box { display: inline-block; width: 0.9em; height: 0.9em; border: 1.5px solid #222;
          margin: 0 0.3em 0 1.2em; vertical-align: -0.1em; }
.tl-lines div { border-bottom: 1px solid #888; height: 2em; }
"""

PRINT_STYLE = """
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  h1 { font-size: 17pt; margin-top: 0; }
  h2 { font-size: 13pt; }
  h1, h2, h3, caption { break-after: avoid; page-break-after: avoid; }
  tr, img, .output_png, .tl-verdict, .tl-signoff, .tl-header, pre {
    break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  tfoot { display: table-footer-group; }
  .tl-signoff { break-before: page; page-break-before: always; }
  a { color: inherit; text-decoration: none; }
  button, input, select, textarea, details, .widget-area, .jupyter-widgets,
  .jp-OutputArea-prompt { display: none !important; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""
"""The stylesheet for paper: rows, figures, the verdict and the sign-off never split across
pages; table headers repeat on each page; nothing interactive is printed."""

_SCRIPT = re.compile(r"<script\b.*?</script>", re.S | re.I)


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _page_rules(title: str, right: str) -> str:
    """``@page``: A4 margins, the title and ``right`` at the top, page numbers at the foot."""
    return (f"@page {{ size: A4; margin: 18mm 14mm 18mm 14mm;\n"
            f"  @top-left {{ content: {_css_string(title)}; font-size: 8pt; color: #555; }}\n"
            f"  @top-right {{ content: {_css_string(right)}; font-size: 8pt; color: #555; }}\n"
            f"  @bottom-right {{ content: \"Page \" counter(page) \" of \" counter(pages); "
            f"font-size: 8pt; color: #555; }} }}\n")


def _load(doc) -> dict | None:
    if doc is None or isinstance(doc, dict):
        return doc
    path = Path(doc)
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _utc(text: str | None, *, day_at_midnight: bool = False) -> str:
    """An ISO time as ``2024-07-01 14:03:00 UTC`` (with ``day_at_midnight``, a date alone at
    midnight: decision times that are dates)."""
    if not text:
        return "not recorded"
    when = _dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    if when.tzinfo is not None:
        when = when.astimezone(_dt.UTC)
    if day_at_midnight and (when.hour, when.minute, when.second, when.microsecond) == (0, 0, 0, 0):
        return f"{when:%Y-%m-%d}"
    return f"{when:%Y-%m-%d %H:%M:%S} UTC"


def _hash_rows(manifest: dict) -> list[tuple[str, str, str]]:
    """``(role, file, sha256)`` of every input the manifest hashed."""
    inputs = manifest.get("inputs", {})
    rows = []
    for role in ("policy", "data", "champion"):
        item = inputs.get(role)
        if not item:
            continue
        files = item.get("sha256", {})
        if len(files) <= 3:
            rows += [(role, name, digest) for name, digest in files.items()]
        else:
            rows.append((role, f"{Path(item['path']).name}/ ({len(files):,} files; digest of "
                               "their names and sha256, each listed in manifest.json)",
                         digest_of(files)))
    for name, digest in inputs.get("notebooks", {}).items():
        rows.append(("notebook", name, digest))
    for key, item in inputs.get("parameter_files", {}).items():
        rows += [(f"parameter {key}", name, digest) for name, digest in item["sha256"].items()]
    return rows


def _parameters_text(manifest: dict) -> str:
    skip = {"policy", "data", "champion", "output_dir"}
    params = manifest.get("parameters", {})
    shown = [f"{k} = {v if v != '' else '(empty)'}" for k, v in params.items() if k not in skip]
    return "; ".join(shown) or "none"


def report_header(metrics: dict, manifest: dict | None = None) -> str:
    """The report's header: what was reviewed, on what, when, with what, as HTML.

    Parameters
    ----------
    metrics : dict
        The review's ``metrics.json``.
    manifest : dict, optional
        The review's ``manifest.json``: review date, trustlab version,
        parameters and input hashes (said to be missing without it).

    Examples
    --------
    >>> doc = {"policy": {"name": "p", "version": "1", "hash": "ab12", "owner": "Risk",
    ...                   "mode": "shadow"}, "champion": None,
    ...        "data": {"name": "d.csv", "rows": 1200, "period": None}}
    >>> html = report_header(doc)
    >>> "p@1" in html, "1,200" in html, "no time column" in html
    (True, True, True)
    """
    from .._format import format_number

    p = metrics["policy"]
    data = metrics.get("data", {})
    champion = metrics.get("champion")
    man = manifest or {}
    period = data.get("period")
    if period:
        first, last = (_utc(period[k], day_at_midnight=True) for k in ("first", "last"))
        period_text = (f"{first} to {last} (first and last decision time, column "
                       f"{period['column']})")
        if period.get("recent_rows"):
            period_text += (f"; of the most recent {format_number(period['recent_rows'], 'count')}"
                            " rows")
    else:
        period_text = "not stated: the policy names no time column in this data"
    packages = man.get("packages", {})
    rows = [
        ("Policy", f"{p['name']}@{p['version']}"),
        ("Policy content hash", f"<span class='tl-hash'>{escape(str(p['hash']))}</span>"),
        ("Owner", p.get("owner", "")),
        ("Mode", p.get("mode", "")),
        ("Champion", "none: this review stands alone" if not champion else
         f"{champion['name']}@{champion['version']} (content hash "
         f"<span class='tl-hash'>{escape(str(champion['hash']))}</span>)"),
        ("Review date (UTC)", _utc(man.get("finished")) if man else
         "not recorded (no manifest.json)"),
        ("Data", data.get("name", "")),
        ("Data period", period_text),
        ("Rows", format_number(data.get("rows"), "count")),
        ("trustlab version", (f"{packages.get('trustlab') or 'unknown'} (Python "
                              f"{man.get('python', 'unknown')})") if man else
         "not recorded (no manifest.json)"),
        ("Parameters", _parameters_text(man) if man else "not recorded (no manifest.json)"),
    ]
    safe = {"Policy content hash", "Champion"}
    body = "".join(f"<tr><th>{escape(k)}</th><td>{v if k in safe else escape(str(v))}</td></tr>"
                   for k, v in rows)
    hashes = ""
    if man:
        cells = "".join(f"<tr><td class='text'>{escape(r)}</td><td class='text'>{escape(f)}</td>"
                        f"<td class='tl-hash'>{escape(d)}</td></tr>"
                        for r, f, d in _hash_rows(man))
        hashes = ("<table class='tl-hashes'><caption>Input hashes (sha256, from manifest.json)"
                  "</caption><thead><tr><th>input</th><th>file</th><th>sha256</th></tr></thead>"
                  f"<tbody>{cells}</tbody></table>")
    return (f"<section class='tl-header'><table class='tl-header'><tbody>{body}</tbody></table>"
            f"{hashes}</section>")


def signoff_block(metrics: dict) -> str:
    """The sign-off: owner and reviewer, signature and date, and the decision, to fill in by hand.

    Examples
    --------
    >>> html = signoff_block({"policy": {"name": "p", "version": "1", "hash": "ab12",
    ...                                  "owner": "Head of Risk"}})
    >>> "Head of Risk" in html, "Approve with conditions" in html
    (True, True)
    """
    p = metrics["policy"]
    blank = "<td></td><td></td>"
    boxes = "".join(f"<span class='tl-box'></span>{w}" for w in
                    ("Approve", "Reject", "Approve with conditions"))
    return (
        "<section class='tl-signoff'><h2>Sign-off</h2>"
        f"<p>For policy <b>{escape(p['name'])}@{escape(p['version'])}</b> (content hash "
        f"<span class='tl-hash'>{escape(str(p['hash']))}</span>), as reviewed in this report. "
        "To be completed by hand.</p>"
        "<table><thead><tr><th style='width:16%'>role</th><th style='width:34%'>name</th>"
        "<th style='width:32%'>signature</th><th style='width:18%'>date</th></tr></thead><tbody>"
        f"<tr><td>Policy owner</td><td>{escape(str(p.get('owner', '')))}</td>{blank}</tr>"
        f"<tr><td>Reviewer</td><td></td>{blank}</tr></tbody></table>"
        f"<p><b>Decision</b> (tick one):{boxes}</p>"
        "<p><b>Conditions</b> (for an approval with conditions):</p>"
        "<div class='tl-lines'><div></div><div></div><div></div><div></div></div></section>")


def export_report(notebook: str | Path, target: str | Path, *, title: str | None = None,
                  metrics=None, manifest=None) -> Path:
    """Write ``target``: the notebook's markdown and outputs, no code, no scripts, no network.

    Parameters
    ----------
    notebook : path
        An executed notebook. Its parameters cells and cells tagged
        :data:`NOTEBOOK_ONLY_TAG` are left out.
    target : path
    title : str, optional
        The page title; default ``Review — name@version`` with ``metrics``,
        else the notebook's name.
    metrics, manifest : dict or path, optional
        The review's ``metrics.json`` and ``manifest.json``: with ``metrics``
        the page opens with :func:`report_header` and closes with
        :func:`signoff_block`.

    Examples
    --------
    >>> from pathlib import Path
    >>> import tempfile
    >>> out = export_report("notebooks/03_guardrails.ipynb", Path(tempfile.mkdtemp()) / "r.html")
    >>> text = out.read_text()
    >>> "<script" in text, "https://" in text, "<img" in text, "@media print" in text
    (False, False, True, True)
    """
    import nbformat
    from nbconvert import HTMLExporter

    skip = {"parameters", "injected-parameters", NOTEBOOK_ONLY_TAG}
    nb = nbformat.read(str(notebook), as_version=4)
    nb.cells = [c for c in nb.cells if not skip & set(c.get("metadata", {}).get("tags", []))]
    exporter = HTMLExporter(template_name="basic", exclude_input=True,
                            exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    body = _SCRIPT.sub("", body)
    body = re.sub(r'<a class="anchor-link"[^>]*>.*?</a>', "", body, flags=re.S)
    doc, man = _load(metrics), _load(manifest)
    head = foot = ""
    right = ""
    if doc is not None:
        p = doc["policy"]
        name = title or f"Review \N{EM DASH} {p['name']}@{p['version']}"
        head = f"<h1>{escape(name)}</h1>\n{report_header(doc, man)}\n"
        foot = signoff_block(doc)
        right = f"policy hash {str(p['hash'])[:12]}"
    else:
        name = title or Path(notebook).stem
    style = _STYLE + _page_rules(name, right) + PRINT_STYLE
    page = (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(name)}</title><style>{style}</style></head>\n<body>\n{head}{body}\n"
            f"{foot}\n</body></html>\n")
    target = Path(target)
    target.write_text(page, encoding="utf-8")
    return target
