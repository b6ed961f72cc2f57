"""Exit codes mean one thing each; native thread pools are capped; skops refusals."""

from __future__ import annotations

import os
import tempfile

import pandas as pd
import pytest

import trustlab
from trustlab import _cli, _threads
from trustlab._cli import main
from _support import policy_text, tampered_model_file


@pytest.fixture
def temp_folder(tmp_path, monkeypatch):
    """Point the temp folder (tracebacks, the registry of runs) at ``tmp_path``."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


@pytest.fixture
def pol(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(policy_text())
    return path


def test_unexpected_error_exits_4_with_one_line_and_a_traceback_file(pol, temp_folder,
                                                                      monkeypatch, capsys):
    """Check that a bug (any exception not the kit's) exits 4, never 1, with one line naming
    it and the file that holds its traceback."""
    def boom(args):
        raise ZeroDivisionError("division by zero\nsecond line")

    monkeypatch.setattr(_cli, "_cmd_validate", boom)
    assert main(["validate", str(pol)]) == 4
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and captured.out == ""
    assert "unexpected error" in lines[0] and "ZeroDivisionError: division by zero" in lines[0]
    logs = list(temp_folder.glob("trustlab-error-*.log"))
    assert len(logs) == 1 and str(logs[0]) in lines[0]
    text = logs[0].read_text()
    assert "Traceback (most recent call last)" in text and "in boom" in text


def test_kit_errors_keep_exit_2(tmp_path, capsys):
    """Check that a TrustlabError (here a missing data file) still exits 2 with its message."""
    path = tmp_path / "tiny.yaml"
    path.write_text(policy_text())
    assert main(["validate", str(path), str(tmp_path / "missing.csv")]) == 2
    err = capsys.readouterr().err
    assert "missing.csv" in err and "unexpected" not in err


def test_interrupt_exits_130(pol, monkeypatch, capsys):
    """Check that Ctrl-C is reported as an interruption, not a failed check or a bug."""
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(_cli, "_cmd_validate", interrupted)
    assert main(["validate", str(pol)]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_help_documents_exit_4(capsys):
    """Check that `--help` states what exit 4 means."""
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "4 an unexpected error" in out and "TRUSTLAB_THREADS" in out


# --------------------------------------------------------------------------- threads


def test_bad_thread_setting_exits_2(pol, monkeypatch, capsys):
    """Check that TRUSTLAB_THREADS=0 is bad input naming the variable and the fix."""
    monkeypatch.setenv("TRUSTLAB_THREADS", "0")
    assert main(["validate", str(pol)]) == 2
    assert "TRUSTLAB_THREADS is '0'" in capsys.readouterr().err


def test_commands_run_with_capped_pools_and_leave_the_environment(pol, monkeypatch,
                                                                  temp_folder):
    """Check that a command runs with every native pool and the kernel's variables at the
    budget, keeps a variable the user set, and restores the environment afterwards."""
    from threadpoolctl import threadpool_info

    seen = {}

    def record(args):
        seen["pools"] = {p["num_threads"] for p in threadpool_info()}
        seen["env"] = {n: os.environ.get(n) for n in _threads.THREAD_VARIABLES}
        seen["running"] = _threads.running()
        return 0

    monkeypatch.setattr(_cli, "_cmd_validate", record)
    monkeypatch.setenv("TRUSTLAB_THREADS", "1")
    monkeypatch.setenv("MKL_NUM_THREADS", "3")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    assert main(["validate", str(pol)]) == 0
    assert seen["pools"] == {1}
    assert seen["env"] == {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                           "MKL_NUM_THREADS": "3"}
    assert seen["running"] == 1
    assert "OMP_NUM_THREADS" not in os.environ and os.environ["MKL_NUM_THREADS"] == "3"
    assert not list((temp_folder / f"trustlab-runs-{os.getuid()}").iterdir())


def test_budget_is_shared_among_runs_in_progress(temp_folder, monkeypatch):
    """Check that the CPUs are divided among live runs, and a killed run's mark is dropped."""
    monkeypatch.delenv("TRUSTLAB_THREADS", raising=False)
    monkeypatch.setattr(_threads, "available_cpus", lambda: 4)
    folder = temp_folder / f"trustlab-runs-{os.getuid()}"
    with _threads.registered():
        assert _threads.running() == 1 and _threads.thread_budget() == 4
        (folder / str(os.getppid())).touch()  # another live process
        assert _threads.running() == 2 and _threads.thread_budget() == 2
        dead = 2 ** 22 + 1  # above Linux's largest pid
        (folder / str(dead)).touch()
        assert _threads.running() == 2 and not (folder / str(dead)).exists()
        monkeypatch.setattr(_threads, "available_cpus", lambda: 1)
        assert _threads.thread_budget() == 1  # never below one


def test_limit_caps_and_restores_pools():
    """Check that `limit` caps every BLAS/OpenMP pool and restores them after."""
    from threadpoolctl import threadpool_info

    before = {p["filepath"]: p["num_threads"] for p in threadpool_info()}
    with _threads.limit(1):
        assert {p["num_threads"] for p in threadpool_info()} == {1}
    assert {p["filepath"]: p["num_threads"] for p in threadpool_info()} == before


# --------------------------------------------------------------------------- skops


def test_skops_refusal_never_suggests_trusting_code(tmp_path):
    """Check that a file naming os.system is refused with the type listed, says it could run
    code, suggests re-saving, and offers no `trusted=[...]` that would load it."""
    from trustlab.signals import PIPELINE_TYPES, load_model

    bad = tampered_model_file(tmp_path)
    with pytest.raises(trustlab.DataError) as info:
        load_model(bad, trusted=PIPELINE_TYPES)
    message = str(info.value)
    assert "os.system" in message and "could run code" in message and "refused" in message
    assert "re-save" in message and "trusted=[" not in message and "pass them" not in message
