"""The executed review notebook as one static, self-contained HTML page.

nbconvert's full templates load require.js and MathJax from a CDN; an auditor
may open the report on a machine with no network. The page is the ``basic``
body (outputs only, no code cells, figures as embedded PNGs) inside a small
page of its own, and any ``<script>`` (widget state) is removed: nothing is
loaded from anywhere and nothing needs to run to read it.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

__all__ = ["export_report"]

_STYLE = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; vertical-align: top; }
th { background: #f3f3f3; }
td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; height: auto; }
pre { white-space: pre-wrap; background: #f8f8f8; padding: 6px; }
h1 { border-bottom: 2px solid #444; }
h2 { border-bottom: 1px solid #bbb; margin-top: 1.6em; }
.jp-InputArea, .jp-InputPrompt, .jp-OutputPrompt { display: none; }
"""

_SCRIPT = re.compile(r"<script\b.*?</script>", re.S | re.I)


def export_report(notebook: str | Path, target: str | Path, *, title: str | None = None) -> Path:
    """Write ``target``: the notebook's markdown and outputs, no code, no scripts, no network.

    Examples
    --------
    >>> from pathlib import Path
    >>> import tempfile
    >>> out = export_report("notebooks/03_guardrails.ipynb", Path(tempfile.mkdtemp()) / "r.html")
    >>> text = out.read_text()
    >>> "<script" in text, "https://" in text, "<img" in text
    (False, False, True)
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(notebook), as_version=4)
    nb.cells = [c for c in nb.cells if "parameters" not in c.get("metadata", {}).get("tags", [])
                and "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    exporter = HTMLExporter(template_name="basic", exclude_input=True,
                            exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    body = _SCRIPT.sub("", body)
    body = re.sub(r'<a class="anchor-link"[^>]*>.*?</a>', "", body, flags=re.S)
    name = title or Path(notebook).stem
    page = (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(name)}</title><style>{_STYLE}</style></head>\n<body>\n{body}\n"
            f"</body></html>\n")
    target = Path(target)
    target.write_text(page, encoding="utf-8")
    return target
