"""The kit as users install it: a wheel in a fresh virtual environment, the core alone and
then with the review extra, used from a folder outside the repository.

One module-scoped environment: the wheel is built from this checkout (``pip wheel``),
installed with the core dependencies only, then the review extra is added. Packages
come from pip's cache or the package registry; nothing else is downloaded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from _support import REPO

pytestmark = pytest.mark.slow

OPTIONAL = ("shap", "papermill", "nbconvert", "ipykernel", "dask", "distributed", "jupyterlab",
            "ipywidgets", "numba")


def _run(cmd, cwd, env=None, check=True, timeout=600):
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"{cmd} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a copy of this checkout (setuptools builds in the source tree:
    ``build/`` and ``src/trustlab.egg-info`` land in the copy, never in the checkout)."""
    source = tmp_path_factory.mktemp("source") / "trustlab"
    shutil.copytree(REPO, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
        ".hypothesis", "reviews", ".ipynb_checkpoints", "node_modules", "*.whl",
        ".evidently-venv"))
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", out, source],
         cwd=out)
    (found,) = out.glob("trustlab-*.whl")
    return found


@pytest.fixture(scope="module")
def env(tmp_path_factory, wheel):
    """A fresh virtual environment with the core install; its bin folder and a clean
    process environment (no repository on any path, no data folder override)."""
    root = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", "--without-pip", root / "v"], cwd=root)
    python = root / "v" / "bin" / "python"
    _pip_install(python, str(wheel))
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("PYTHON", "TRUSTLAB_", "VIRTUAL_ENV", "JUPYTER"))}
    clean["PATH"] = f"{root / 'v' / 'bin'}{os.pathsep}{clean.get('PATH', '')}"
    clean["CI"] = "1"  # progress as plain lines
    return root / "v" / "bin", clean


def _pip_install(python: Path, requirement: str) -> None:
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-compile",
          "--disable-pip-version-check", requirement], cwd=python.parent)


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    """A team's history outside the repository: month stamps, text outcome, float32 score
    of a decision that acts on the high-risk side."""
    from trustlab.datasets import make_retention_history

    d = make_retention_history(n_days=120, customers_per_day=25, seed=11)
    d["contact_month"] = d.pop("contact_date").astype("datetime64[ns]").dt.strftime("%b-%Y")
    d["p_churn"] = d["p_churn"].astype(np.float32)
    d = d.drop(columns=["customer_id"]).rename_axis("account_no").reset_index()
    d["account_no"] = d["account_no"].map("{:07d}".format)
    path = tmp_path_factory.mktemp("team") / "churn history.csv"
    d.to_csv(path, index=False)
    return path


def test_wheel_carries_the_kit(wheel):
    """Check the wheel holds every notebook, example policy, glossary, assessment and
    data set, and no notebook's jupytext pair."""
    names = zipfile.ZipFile(wheel).namelist()
    for kind, folder in (("notebooks", "notebooks"), ("policies", "policies"),
                         ("glossaries", "glossaries"), ("assessments", "assessments")):
        shipped = sorted(p.relative_to(REPO / folder).as_posix()
                         for p in (REPO / folder).rglob("*") if p.suffix in (".ipynb", ".yaml"))
        assert shipped, kind
        for name in shipped:
            assert f"trustlab/_shipped/{kind}/{name}" in names, name
    assert "trustlab/_shipped/datasets/lending_club.csv" in names
    assert "trustlab/policy/policy.schema.json" in names
    assert not [n for n in names if n.startswith("trustlab/_shipped/notebooks/")
                and n.endswith(".py")]


def test_core_install_has_no_jupyter_shap_or_dask(env):
    """Check the core install leaves every optional library out, and still imports."""
    bin_, clean = env
    for module in OPTIONAL:
        done = _run([bin_ / "python", "-c", f"import {module}"], cwd=bin_, env=clean,
                    check=False)
        assert done.returncode != 0, f"{module} is installed with the core"
    done = _run([bin_ / "python", "-c", "import trustlab; print(trustlab.__version__)"],
                cwd=bin_, env=clean)
    assert done.stdout.strip() == _run([bin_ / "trustlab", "--version"], cwd=bin_,
                                       env=clean).stdout.strip().split()[-1]


def test_core_install_inits_validates_and_decides(env, history, tmp_path_factory):
    """Check init, validate and decide from the core install, in a folder of the user's,
    and that review and the explanations name the extra to install."""
    bin_, clean = env
    work = tmp_path_factory.mktemp("work")
    done = _run([bin_ / "trustlab", "init", "churn", "--data", history, "--favourable",
                 "high-risk"], cwd=work, env=clean)
    assert "outcome: 'churned'" in done.stdout and "row key: 'account_no'" in done.stdout
    assert "month stamps" in done.stdout
    project = work / "churn"
    policy = next((project / "policies").glob("*.yaml"))
    text = policy.read_text()
    assert "DRAFT" in text and "right_when: bad" in text and "window: 1M" in text
    assert sorted(p.name for p in (project / "notebooks").glob("*.ipynb")) == sorted(
        p.name for p in (REPO / "notebooks").glob("*.ipynb"))
    review_nb = json.loads((project / "notebooks" / "review.ipynb").read_text())
    assert not any(c.get("outputs") for c in review_nb["cells"])
    params = "".join(next(c for c in review_nb["cells"]
                          if "parameters" in c["metadata"].get("tags", []))["source"])
    assert f'policy: str = "policies/{policy.name}"' in params
    done = _run([bin_ / "trustlab", "validate", policy.relative_to(project), history],
                cwd=project, env=clean)
    assert "PASS" in done.stdout
    done = _run([bin_ / "trustlab", "decide", policy.relative_to(project), history, "--out",
                 "records.parquet", "--quiet"], cwd=project, env=clean)
    assert (project / "records.parquet").is_file()
    done = _run([bin_ / "trustlab", "review", policy.relative_to(project), history],
                cwd=project, env=clean, check=False)
    assert done.returncode == 2 and "pip install 'trustlab[review]'" in done.stderr
    assert "Traceback" not in done.stderr
    done = _run([bin_ / "python", "-c", "from trustlab._extras import require; "
                 "require('shap', 'Reason codes')"], cwd=project, env=clean, check=False)
    assert "pip install 'trustlab[explain]'" in done.stderr


def test_review_extra_reviews_the_scaffold(env, wheel, history, tmp_path_factory):
    """Check that adding the review extra makes `trustlab review` run on the scaffold from
    the user's folder and write a signed-off report."""
    bin_, clean = env
    _pip_install(bin_ / "python", f"{wheel}[review]")
    work = tmp_path_factory.mktemp("reviewed")
    _run([bin_ / "trustlab", "init", "proj", "--data", history, "--favourable", "high-risk",
          "--name", "churn-offer"], cwd=work, env=clean)
    project = work / "proj"
    done = _run([bin_ / "trustlab", "review", "policies/churn-offer.yaml", history, "-p",
                 "glossary", "glossaries/churn-offer.yaml", "-p", "bootstrap", "50", "--out",
                 "reviews/first"], cwd=project, env=clean, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Review: done" in done.stderr  # progress by section, as plain lines in CI
    folder = project / "reviews" / "first"
    assert json.loads((folder / "status.json").read_text())["status"] == "complete"
    assert json.loads((folder / "metrics.json").read_text())["verdict"] == "pass"
    report = (folder / "report.html").read_text()
    assert "churn-offer@0.1.0" in report and "PASS" in report
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["inputs"]["notebooks"]["review.ipynb"]
