"""The analyst's JupyterLab, in a real browser: the policy design and guardrail notebooks
run, their explorers answer their controls, and no widget fails to display.

What is checked is read from the page, as a person would read it: every explorer says
"updating…" from a change until the figure for the new values is shown, then names the
values shown; the policy's checks follow the sliders, PASS or FAIL; crossed lines are
flagged; no explorer shows ``nan``, an exponent (``e+04``) or a count as a percentage, nor
a label cut at 1280 px.

JupyterLab is started on loopback with a token, in a temporary folder holding copies of
``notebooks/02_policy_design.ipynb`` and ``notebooks/03_guardrails.ipynb``; Playwright
drives Debian's ``chromium`` (its own browser download is not used). Every wait is for
something on the page, with generous timeouts (two shared cores run the server, the
kernel and the browser). Skip with ``pytest --no-browser``.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import json
import time
import urllib.request

import pytest

from _support import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOK = "02_policy_design.ipynb"
GUARDRAILS = "03_guardrails.ipynb"
FORMS = ("06_batch_or_real_time.ipynb", "07_build_buy_and_readiness.ipynb")
ARTIFACTS = REPO / "build" / "test-artifacts"
VIEWPORT = {"width": 1280, "height": 1000}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Debian's chromium is not installed: `apt-get install chromium` (.ci/run "
                    "does it), or skip the browser tests with `pytest --no-browser`")
    return path


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on 127.0.0.1 with a token, its settings and state in a temporary folder."""
    root = tmp_path_factory.mktemp("lab")
    for name in (NOTEBOOK, GUARDRAILS, *FORMS):
        shutil.copy(REPO / "notebooks" / name, root / name)
    settings = root / ".settings" / "@jupyterlab"
    for plugin, text in (("apputils-extension/notification",
                          '{"fetchNews": "false", "checkForUpdates": false}'),
                         # open the notebook on its own kernel, never behind a "Select
                         # Kernel" dialog
                         ("docmanager-extension/plugin", '{"autoStartDefaultKernel": true}')):
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(root / ".config"),
           "JUPYTER_RUNTIME_DIR": str(root / ".runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(root / ".settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(root / ".workspaces"), "MPLBACKEND": "Agg"}
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # CI containers run as root
    log = open(root / "jupyterlab.log", "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.terminate()
                pytest.fail("JupyterLab did not start:\n"
                            + (root / "jupyterlab.log").read_text()[-3000:])
            time.sleep(0.5)
    yield url, token
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


# ------------------------------------------------------------------ reading the page

_WATCH = """() => {
    // every class change of an explorer's status line, with the time it was seen
    window.__status = {busySeen: false, current: []};
    const check = () => {
        const now = performance.now();
        for (const e of document.querySelectorAll('.trustlab-explorer .trustlab-status')) {
            if (e.classList.contains('trustlab-busy')) window.__status.busySeen = true;
            if (e.classList.contains('trustlab-current')) {
                const text = e.innerText;
                const seen = window.__status.current;
                if (!seen.length || seen[seen.length - 1].text !== text)
                    seen.push({t: now, text: text});
            }
        }
    };
    if (window.__observer) window.__observer.disconnect();
    window.__observer = new MutationObserver(check);
    window.__observer.observe(document.body, {subtree: true, childList: true,
                                              characterData: true, attributes: true,
                                              attributeFilter: ['class']});
}"""

_CUT = r"""(selector) => {
    // a label cut short, or a control reaching past the right edge of its explorer or form
    const out = [];
    for (const box of document.querySelectorAll(selector)) {
        const right = box.getBoundingClientRect().right;
        for (const label of box.querySelectorAll('.widget-label')) {
            if (label.offsetParent && label.scrollWidth > label.clientWidth + 1)
                out.push('label cut: ' + label.innerText);
        }
        for (const c of box.querySelectorAll('.widget-slider, .widget-dropdown, .widget-checkbox, .widget-html')) {
            if (c.offsetParent && c.getBoundingClientRect().right > right + 1)
                out.push('past the edge: ' + c.innerText.slice(0, 80));
        }
    }
    return out;
}"""

_PROBLEMS = r"""() => {
    // what no explorer may show: nan, an exponent, a count as a percentage, a cut label
    const out = [];
    const counts = /^(Sent to a person|Reviews on the busiest|.* over capacity|Decisions changed by|Windows after|Column-windows|At the )/;
    for (const ex of document.querySelectorAll('.trustlab-explorer')) {
        const text = ex.innerText;
        for (const m of text.matchAll(/.{0,40}\bnan\b.{0,20}/gi)) out.push('nan: ' + m[0]);
        for (const m of text.matchAll(/.{0,40}\d[eE][+-]\d.{0,20}/g)) out.push('exponent: ' + m[0]);
        for (const row of ex.querySelectorAll('table.trustlab-numbers tr')) {
            const th = row.querySelector('th'), td = row.querySelector('td');
            if (!th || !td) continue;
            const first = td.innerText.trim().split(/\s+/)[0];
            if (counts.test(th.innerText.trim()) && first.includes('%'))
                out.push('count as a percentage: ' + th.innerText + ' ' + td.innerText);
        }
        if (ex.querySelector('[disabled]') && !ex.querySelector('.trustlab-notes'))
            out.push('a control is disabled and no note says why');
    }
    return out.concat(CUT());
}""".replace("CUT()", "(" + _CUT.strip() + ")('.trustlab-explorer')")

def _text(page, selector: str) -> str:
    return page.locator(selector).last.inner_text()


def _numbers(page) -> str:
    """The text of the explorer's table of numbers."""
    return _text(page, ".trustlab-explorer table.trustlab-numbers")


def _value(text: str, label: str) -> str:
    m = re.search(rf"^{re.escape(label)}\s+(\S+)", text, re.M)
    assert m, (label, text)
    return m.group(1)


def _problems(page) -> list[str]:
    return page.evaluate(_PROBLEMS)


def _wait_shown(page, fragment: str, timeout: int = 120_000) -> float:
    """Wait until the status line names values containing ``fragment`` (the figure and the
    numbers for them are shown); returns the page time (ms) it was first seen."""
    page.wait_for_function(
        """(fragment) => window.__status.current.some(s => s.text.includes(fragment))""",
        arg=fragment, timeout=timeout)
    page.wait_for_selector(".trustlab-explorer .trustlab-busy", state="detached",
                           timeout=timeout)
    return page.evaluate("""(fragment) => window.__status.current
                                .find(s => s.text.includes(fragment)).t""", fragment)


def _open_and_run(page, url: str, token: str, notebook: str,
                  ready: str = ".trustlab-explorer .trustlab-current") -> None:
    """Open a notebook, run all cells, wait for ``ready`` (by default: its explorer shows its
    first figure) and for the kernel to be idle."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    # a workspace of its own, emptied: no tab of an earlier test is restored beside it
    workspace = re.sub(r"\W", "-", notebook.removesuffix(".ipynb"))
    page.goto(f"{url}/lab/workspaces/{workspace}/tree/{notebook}?reset&token={token}")
    page.wait_for_selector(".jp-Notebook", timeout=120_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                           state="attached", timeout=120_000)
    kernel_dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
    try:  # should the setting not take, accept the notebook's own kernel
        kernel_dialog.get_by_role("button", name="Select").click(timeout=5_000)
    except PlaywrightTimeout:
        pass
    for attempt in range(3):  # a click that lands before the kernel is connected runs nothing
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        try:
            page.wait_for_function(
                "() => [...document.querySelectorAll('.jp-InputPrompt')]"
                ".some(e => /\\[(\\*|\\d+)\\]/.test(e.innerText))", timeout=60_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    page.wait_for_selector(ready, timeout=300_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                           state="attached", timeout=300_000)
    assert page.get_by_text("Error displaying widget").count() == 0
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter"
                        ".stderr']", has_text="Traceback").count() == 0
    page.evaluate(_WATCH)


def _browse(lab, chromium, notebook: str, steps, shot: str,
            ready: str = ".trustlab-explorer .trustlab-current") -> None:
    from playwright.sync_api import sync_playwright

    url, token = lab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium,
                                    args=["--no-sandbox", "--disable-gpu",
                                          "--disable-dev-shm-usage"])
        page = browser.new_page(viewport=VIEWPORT)
        try:
            _open_and_run(page, url, token, notebook, ready)
            steps(page)
        except Exception:
            page.screenshot(path=str(ARTIFACTS / f"{shot}-failure.png"))
            raise
        finally:
            browser.close()


def _record(name: str, seconds: float) -> None:
    """Keep a measured time in build/test-artifacts/explorer-timings.json."""
    path = ARTIFACTS / "explorer-timings.json"
    known = json.loads(path.read_text()) if path.exists() else {}
    known[name] = round(seconds, 2)
    path.write_text(json.dumps(known, indent=1))


# ------------------------------------------------------------------ the tests

def test_policy_design_notebook_runs_and_its_explorer_keeps_up(lab, chromium):
    """Check that every cell of notebook 02 runs in JupyterLab and the band explorer displays;
    that moving the approve slider shows "updating…" until the figure and numbers for the
    new value are shown (then named), changes the value, the workload, the figure and the
    policy's checks; that pushing the approve line past the decline line is flagged; and that
    the explorer never shows nan, an exponent, a count as a percentage or a cut label. A
    screenshot is kept in build/test-artifacts/."""
    _browse(lab, chromium, NOTEBOOK, _move_the_band, "jupyterlab")


def _move_the_band(page) -> None:
    assert _problems(page) == []
    slider = page.locator(".trustlab-explorer .widget-slider", has_text="low-risk").first
    before = _numbers(page)
    checks = _text(page, ".trustlab-explorer table.trustlab-checks")
    assert re.search(r"\b(PASS|FAIL)\b", checks), checks
    image = page.locator(".trustlab-explorer .widget-image").last.get_attribute("src")

    handle = slider.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(10):  # ten steps of 0.005: the approve line from 0.08 to 0.13
        page.keyboard.press("ArrowRight")
    pressed = page.evaluate("performance.now()")
    shown = _wait_shown(page, "low-risk p_default < 0.130")
    _record("band: last key to figure shown (s), 0.25 s of stillness included",
            (shown - pressed) / 1000)
    assert page.evaluate("window.__status.busySeen"), "no 'updating…' while recomputing"
    page.wait_for_function(
        "(src) => [...document.querySelectorAll('.trustlab-explorer .widget-image')]"
        ".pop().src !== src", arg=image, timeout=60_000)
    after = _numbers(page)
    assert slider.locator(".widget-readout").inner_text().strip() == "0.130"
    assert "p_default < 0.13 " in after  # the numbers name the line they were computed for
    assert _value(after, "Total value") != _value(before, "Total value")
    assert _value(after, "Sent to a person") != _value(before, "Sent to a person")
    assert "vs the policy as written" in after
    moved = _text(page, ".trustlab-explorer table.trustlab-checks")
    assert moved != checks and re.search(r"\b(PASS|FAIL)\b", moved), (checks, moved)
    assert page.locator(".trustlab-explorer .trustlab-crossing").count() == 0
    assert _problems(page) == []
    slider.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "jupyterlab-policy-explorer.png"))

    page.evaluate(_WATCH)
    handle.focus()
    page.keyboard.press("End")  # the approve line to 1.0, far above the decline line
    _wait_shown(page, "low-risk p_default < 1.000")
    assert page.evaluate("window.__status.busySeen")
    crossing = _text(page, ".trustlab-explorer .trustlab-crossing")
    assert "The lines cross" in crossing, crossing
    assert _problems(page) == []


def test_guardrail_notebook_runs_and_its_kill_switch_shows_numbers(lab, chromium):
    """Check that notebook 03 runs, and that pulling the kill switch in its explorer shows
    "updating…", then the numbers and checks for the kill switch engaged (every automated
    decision goes to a person, so the automation check fails), without nan, an exponent or a
    count as a percentage; every disabled control has a note saying why."""
    _browse(lab, chromium, GUARDRAILS, _pull_the_kill_switch, "jupyterlab-guardrails")


def _pull_the_kill_switch(page) -> None:
    assert _problems(page) == []
    assert "kill switch off" in _text(page, ".trustlab-explorer .trustlab-current")
    box = page.locator(".trustlab-explorer .widget-checkbox input[type='checkbox']").first
    box.scroll_into_view_if_needed()
    box.click()
    clicked = page.evaluate("performance.now()")
    shown = _wait_shown(page, "kill switch engaged")
    _record("guardrails: click to figure shown (s), 0.25 s of stillness included",
            (shown - clicked) / 1000)
    assert page.evaluate("window.__status.busySeen"), "no 'updating…' while recomputing"
    numbers = _numbers(page)
    assert _value(numbers, "Decided automatically") == "0.0%", numbers
    fail = page.locator(".trustlab-explorer .trustlab-check-fail")
    assert fail.count() >= 1
    assert page.locator(".trustlab-explorer table.trustlab-checks",
                        has_text="automation_rate").count() == 1
    assert _problems(page) == []
    page.locator(".trustlab-explorer").last.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "jupyterlab-guardrail-explorer.png"))


@pytest.mark.parametrize("notebook", FORMS)
def test_design_forms_fit_a_1280_px_window(lab, chromium, notebook):
    """Check that the design forms of notebooks 06 and 07 display at 1280 px with no label cut
    short and no control past the form's right edge."""

    def look(page) -> None:
        form = page.locator(".trustlab-form").last
        form.scroll_into_view_if_needed()
        assert page.evaluate(f"({_CUT.strip()})('.trustlab-form')") == []
        page.screenshot(path=str(ARTIFACTS / f"jupyterlab-{notebook[:2]}-form.png"))

    _browse(lab, chromium, notebook, look, f"jupyterlab-{notebook[:2]}", ready=".trustlab-form")
