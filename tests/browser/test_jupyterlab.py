"""The analyst's JupyterLab, in a real browser: the policy design notebook runs, its band
explorer answers a slider, and no widget fails to display.

JupyterLab is started on loopback with a token, in a temporary folder holding a copy of
``notebooks/02_policy_design.ipynb``; Playwright drives Debian's ``chromium`` (its own
browser download is not used). Skip with ``pytest --no-browser``.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOK = "02_policy_design.ipynb"
ARTIFACTS = REPO / "build" / "test-artifacts"


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
    shutil.copy(REPO / "notebooks" / NOTEBOOK, root / NOTEBOOK)
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


def _numbers(page) -> str:
    """The text of the explorer's table of numbers."""
    return page.locator(".widget-html-content", has_text="Total value").first.inner_text()


def _value(text: str, label: str) -> str:
    m = re.search(rf"^{re.escape(label)}\s+(\S+)", text, re.M)
    assert m, (label, text)
    return m.group(1)


def test_policy_design_notebook_runs_and_its_slider_redraws(lab, chromium):
    """Check that every cell runs in JupyterLab, the band explorer displays (no "Error
    displaying widget"), and moving the approve slider changes the value and the workload
    shown and the figure; a screenshot is kept in build/test-artifacts/."""
    from playwright.sync_api import sync_playwright

    url, token = lab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium,
                                    args=["--no-sandbox", "--disable-gpu",
                                          "--disable-dev-shm-usage"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            _run_and_move(page, url, token)
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "jupyterlab-failure.png"))
            raise
        finally:
            browser.close()


def _run_and_move(page, url: str, token: str) -> None:
    """Open the notebook, run all cells, move the approve slider, check what changed."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(f"{url}/lab/tree/{NOTEBOOK}?token={token}")
    page.wait_for_selector(".jp-Notebook", timeout=120_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                           state="attached", timeout=120_000)
    kernel_dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
    try:  # should the setting not take, accept the notebook's own kernel
        kernel_dialog.get_by_role("button", name="Select").click(timeout=5_000)
    except PlaywrightTimeout:
        pass
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    slider = page.locator(".widget-slider", has_text="low-risk").first
    slider.wait_for(timeout=300_000)
    page.wait_for_selector(".widget-html-content >> text=Total value", timeout=120_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                           state="attached", timeout=300_000)
    assert page.get_by_text("Error displaying widget").count() == 0
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter"
                        ".stderr']", has_text="Traceback").count() == 0
    before = _numbers(page)
    image = page.locator(".widget-image").last.get_attribute("src")

    handle = slider.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(10):  # ten steps of 0.005: the approve line from 0.08 to 0.13
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        """(before) => {
            const e = [...document.querySelectorAll('.widget-html-content')]
                .find(x => x.innerText.includes('Total value'));
            return e && e.innerText !== before;
        }""", arg=before, timeout=60_000)
    page.wait_for_function(
        "(src) => [...document.querySelectorAll('.widget-image')].pop().src !== src",
        arg=image, timeout=60_000)
    after = _numbers(page)
    assert slider.locator(".widget-readout").inner_text().strip() == "0.130"
    assert _value(after, "Total value") != _value(before, "Total value")
    assert _value(after, "Sent to a person") != _value(before, "Sent to a person")
    assert "vs the policy as written" in after
    slider.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "jupyterlab-policy-explorer.png"))
