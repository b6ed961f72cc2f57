"""A review folder says exactly what it is: status, partial runs, reruns, names, --out, ranges."""

from __future__ import annotations

import json
import os
import shutil
import signal

import nbformat
import pandas as pd
import pytest

from trustlab import ConfigError, load_policy
from trustlab._cli import main
from trustlab.datasets import load_lending_club
from trustlab.design import assess_readiness
from trustlab.review import _run
from _support import REPO

FAST = {"bootstrap": "0", "cases": "1"}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """A 2,000-row Lending Club extract and a copy of the risk policy with a passable check."""
    d = tmp_path_factory.mktemp("inputs")
    load_lending_club().head(2000).to_csv(d / "loans.csv", index=False)
    risk = (REPO / "policies" / "lending-club-risk.yaml").read_text()
    (d / "risk.yaml").write_text(risk.replace("at_most: 0.03", "at_most: 0.08"))
    shutil.copy(REPO / "policies" / "lending-club-intake.yaml", d / "intake.yaml")
    return d


@pytest.fixture(scope="module")
def done(inputs, tmp_path_factory):
    """One complete review (exit 0)."""
    out = tmp_path_factory.mktemp("runs") / "done"
    run = _run.run_review(inputs / "risk.yaml", inputs / "loans.csv", out=out,
                          parameters=FAST, progress=False)
    assert run.exit_code == 0, run.message
    return out


def _fake_papermill(monkeypatch, then):
    """papermill that writes a passing metrics.json and decisions.parquet, then calls ``then``."""
    import papermill

    def execute(src, dst, parameters, **kwargs):
        out = parameters["output_dir"]
        with open(os.path.join(out, "metrics.json"), "w") as f:
            json.dump({"verdict": "pass", "checks": [], "policy": {}}, f)
        pd.DataFrame({"row": [0]}).to_parquet(os.path.join(out, "decisions.parquet"))
        then()

    monkeypatch.setattr(papermill, "execute_notebook", execute)


@pytest.mark.slow  # a review run (notebook kernel), or the module's finished one
def test_complete_review_says_complete(done):
    """Check status.json of a finished run and that no working folder is left beside it."""
    assert json.loads((done / "status.json").read_text())["status"] == "complete"
    assert _run.folder_incomplete(done) is None
    assert not [p for p in done.parent.iterdir() if ".partial-" in p.name]


@pytest.mark.parametrize("how, reason", [("ctrl-c", "interrupted"),
                                         ("sigterm", "terminated (SIGTERM)")])
def test_interrupted_review_carries_no_verdict(inputs, tmp_path, monkeypatch, how, reason):
    """Check Ctrl-C and SIGTERM after metrics.json was written: marked, verdict removed,
    refused by readiness and by --rerun."""
    def stop():
        if how == "ctrl-c":
            raise KeyboardInterrupt
        os.kill(os.getpid(), signal.SIGTERM)

    _fake_papermill(monkeypatch, stop)
    out = tmp_path / "out"
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt):
        _run.run_review(inputs / "risk.yaml", inputs / "loans.csv", out=out, parameters=FAST,
                        progress=False)
    assert signal.getsignal(signal.SIGTERM) is before
    status = json.loads((out / "status.json").read_text())
    assert status == {"status": "interrupted", "reason": reason, "finished": status["finished"]}
    assert not (out / "metrics.json").exists() and not (out / "decisions.parquet").exists()
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]
    with pytest.raises(ConfigError, match="interrupted, not complete"):
        assess_readiness(load_policy(inputs / "risk.yaml"), out)
    (out / "manifest.json").write_text("{}")
    run = _run.rerun_review(out / "manifest.json", out=tmp_path / "again", progress=False)
    assert run.exit_code == 2 and "interrupted" in run.message
    assert not (tmp_path / "again").exists()


@pytest.mark.slow  # a review run (notebook kernel), or the module's finished one
def test_killed_run_working_folder_is_refused(done, inputs, tmp_path):
    """Check a killed run's .partial- folder (files of a finished run, no status) is refused."""
    killed = tmp_path / "out.partial-12345"
    shutil.copytree(done, killed)
    (killed / "status.json").unlink()
    with pytest.raises(ConfigError, match="never finished"):
        assess_readiness(load_policy(inputs / "risk.yaml"), killed)
    assert assess_readiness(load_policy(inputs / "risk.yaml"), done) is not None


@pytest.mark.slow  # a review run (notebook kernel), or the module's finished one
def test_failed_last_cell_leaves_no_verdict_and_no_kernel_files(inputs, tmp_path, monkeypatch):
    """Check a cell failing after metrics.json was written: exit 3, status failed, no verdict,
    partial notebook kept, readiness refuses, the kernel's connection file removed."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nb = nbformat.read(REPO / "notebooks" / "review.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('late failure')"))
    nbformat.write(nb, folder / "review.ipynb")
    monkeypatch.setattr(_run, "review_notebooks", lambda: folder)
    seen = []
    original = _run._kernel_manager_class

    def recording(sockets):
        cls = original(sockets)

        class Recording(cls):
            def __init__(self, *a, **k):
                super().__init__(*a, **k)
                seen.append(self)
        return Recording

    monkeypatch.setattr(_run, "_kernel_manager_class", recording)
    out = tmp_path / "out"
    run = _run.run_review(inputs / "risk.yaml", inputs / "loans.csv", out=out,
                          parameters=FAST, progress=False)
    assert run.exit_code == 3 and run.verdict is None and "late failure" in run.message
    status = json.loads((out / "status.json").read_text())
    assert status["status"] == "failed" and "RuntimeError: late failure" in status["reason"]
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "review.ipynb",
                                                     "status.json"]
    with pytest.raises(ConfigError, match="failed, not complete"):
        assess_readiness(load_policy(inputs / "risk.yaml"), out)
    assert len(seen) == 1 and seen[0].connection_file  # the file the kernel was started with
    assert not os.path.exists(seen[0].connection_file)  # removed when the kernel shut down


def _forged(done, tmp_path, edit, name="forged"):
    folder = tmp_path / name
    folder.mkdir()
    m = json.loads((done / "manifest.json").read_text())
    edit(m)
    (folder / "manifest.json").write_text(json.dumps(m))
    return _run.rerun_review(folder / "manifest.json", out=tmp_path / "never", progress=False)


def _set(path, value):
    def edit(m):
        *keys, last = path.split(".")
        d = m
        for k in keys:
            d = d[k]
        if value is KeyError:
            del d[last]
        else:
            d[last] = value
    return edit


@pytest.mark.parametrize("path, value, fragment", [
    ("inputs.policy", KeyError, "field 'inputs.policy' is missing"),
    ("inputs.data.path", 5, "field 'inputs.data.path' must be str; got int"),
    ("inputs", [], "field 'inputs' must be dict; got list"),
    ("parameters", KeyError, "field 'parameters' is missing"),
    ("outputs", "x", "field 'outputs' must be dict; got str"),
    ("inputs.policy.sha256", {"a": 1}, "field 'inputs.policy.sha256' must map"),
])
@pytest.mark.slow  # a review run (notebook kernel), or the module's finished one
def test_malformed_manifest_exits_2_naming_the_field(done, tmp_path, path, value, fragment):
    """Check a missing key or a wrong type is exit 2 naming the field (was KeyError/TypeError)."""
    run = _forged(done, tmp_path, _set(path, value))
    assert run.exit_code == 2 and fragment in run.message, run.message
    assert not (tmp_path / "never").exists()


@pytest.mark.slow  # a review run (notebook kernel), or the module's finished one
def test_rerun_refuses_parameters_naming_other_files(done, inputs, tmp_path):
    """Check a forged manifest (inputs verify one policy, parameters name another) is refused."""
    other = tmp_path / "other.yaml"
    other.write_text((inputs / "risk.yaml").read_text().replace("at_least: 0.6", "at_least: 0"))
    run = _forged(done, tmp_path, _set("parameters.policy", str(other)))
    assert run.exit_code == 2 and "'parameters.policy' names" in run.message
    assert "'inputs.policy' verified" in run.message
    run = _forged(done, tmp_path, _set("parameters.champion", str(inputs / "intake.yaml")), "b")
    assert run.exit_code == 2 and "'parameters.champion'" in run.message
    run = _forged(done, tmp_path, _set("parameters.glossary", str(other)), "c")
    assert run.exit_code == 2 and "'parameters.glossary' names the file" in run.message


@pytest.mark.slow  # a review run (notebook kernel), or the module's finished one
def test_rerun_never_connects_to_a_scheduler_from_the_manifest(done, tmp_path, monkeypatch):
    """Check a manifest naming a Dask scheduler is refused unless the address is given again."""
    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: pytest.fail("kernel"))
    run = _forged(done, tmp_path, _set("parameters.dask_scheduler", "tcp://10.0.0.66:8786"))
    assert run.exit_code == 2 and "-p dask_scheduler ADDRESS" in run.message
    assert "10.0.0.66" not in run.message


@pytest.mark.slow  # a review run (notebook kernel), or the module's finished one
def test_rerun_takes_only_the_scheduler_as_a_parameter(done, capsys):
    """Check --rerun with any other -p is refused (exit 2) before the manifest is read."""
    code = main(["review", "--rerun", str(done / "manifest.json"), "-p", "seed", "1", "--quiet"])
    assert code == 2 and "-p dask_scheduler ADDRESS" in capsys.readouterr().err


@pytest.mark.slow  # a review run (notebook kernel), or the module's finished one
def test_rerun_with_different_results_exits_5(done, tmp_path):
    """Check results that differ from the manifest's exit 5, not 1 (a failed check)."""
    run = _forged(done, tmp_path, lambda m: m["outputs"].update({"metrics.json": "0" * 64}))
    assert run.exit_code == _run.EXIT_RESULTS_DIFFER == 5
    assert "DIFFER" in run.message and "metrics.json" in run.message
    assert run.verdict == "pass"


def test_folder_names_are_sanitised():
    """Check a policy name with ../ and / cannot put the default folder outside reviews/."""
    folder = _run.default_folder("../../../escaped/x", "1/../2")
    assert folder.parent.as_posix() == "reviews"
    assert ".." not in folder.name and "/" not in folder.name
    assert folder.name.startswith("escaped_x-1_._2-")
    assert _run.safe_name("..") == "policy" and _run.safe_name("a b@c.1") == "a_b_c.1"


@pytest.mark.parametrize("make, fragment", [
    (lambda t: (t / "f").write_text("x") and t / "f", "is a file, not a folder"),
    (lambda t: (t / "l").symlink_to(t / "nowhere") or t / "l", "dangling symbolic link"),
    (lambda t: (t / "f").write_text("x") and t / "f" / "sub" / "out", "which is a file"),
])
def test_unusable_out_exits_2_with_a_message(inputs, tmp_path, capsys, monkeypatch, make,
                                              fragment):
    """Check --out that is a file, a dangling link or under a file: exit 2, no traceback."""
    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: pytest.fail("kernel"))
    out = make(tmp_path)
    code = main(["review", str(inputs / "risk.yaml"), str(inputs / "loans.csv"), "--out",
                 str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and fragment in err and "Traceback" not in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_unwritable_out_exits_2(inputs, tmp_path, capsys):
    """Check an --out in a folder without write permission: exit 2."""
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    code = main(["review", str(inputs / "risk.yaml"), str(inputs / "loans.csv"), "--out",
                 str(locked / "out"), "--quiet"])
    assert code == 2 and "is not writable" in capsys.readouterr().err


@pytest.mark.parametrize("name, value", [("bootstrap", "-5"), ("cases", "-1"), ("seed", "-3"),
                                         ("recent_rows", "0")])
def test_parameter_ranges_are_checked_before_any_kernel(inputs, tmp_path, capsys, monkeypatch,
                                                        name, value):
    """Check a numeric parameter below its minimum is exit 2 and no kernel starts."""
    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: pytest.fail("kernel"))
    out = tmp_path / "never"
    code = main(["review", str(inputs / "risk.yaml"), str(inputs / "loans.csv"), "--out",
                 str(out), "--quiet", "-p", name, value])
    assert code == 2 and f"-p {name}: must be at least" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.slow  # a review run (notebook kernel), or the module's finished one
def test_rerun_refuses_a_changed_notebook(done, tmp_path):
    """Check a manifest whose notebook hash is not today's notebook's is refused (exit 2):
    the re-run would execute other code than the review did."""
    run = _forged(done, tmp_path,
                  lambda m: m["inputs"]["notebooks"].update({"review.ipynb": "0" * 64}))
    assert run.exit_code == 2 and "review.ipynb" in run.message and "changed" in run.message
    run = _forged(done, tmp_path, lambda m: m["inputs"]["notebooks"].clear(), "b")
    assert run.exit_code == 2 and "does not hash review.ipynb" in run.message
    run = _forged(done, tmp_path, _set("inputs.notebooks", "x"), "c")
    assert run.exit_code == 2 and "field 'inputs.notebooks' must be dict" in run.message
