"""``trustlab review``: validate, execute the review notebook with papermill, write the folder.

The run validates everything it can before a kernel starts (the policy, the
champion, the data's columns and the notebook parameters: papermill only
warns about an unknown name), refuses an existing non-empty output folder,
executes ``notebooks/review.ipynb`` in the ``python3`` kernel of this very
environment with the notebook's folder as working directory, writes
``manifest.json`` and then the self-contained ``report.html``, whose header
reads the manifest (review date, versions, input hashes). The folder is
written as ``<out>.partial-<pid>`` and moved into place when the run ends;
its ``status.json`` says whether it is complete (see :func:`run_review`).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import sys
import tempfile
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .._errors import ConfigError, Problem, TrustlabError
from .._extras import require
from .._io import is_url, locate
from .._review_folder import (DECISIONS_FILE, MANIFEST_FILE, METRICS_FILE, PARTIAL, REPORT_FILE,
                              REVIEW_NOTEBOOK, STATUS_FILE, folder_incomplete, sha256_of)
from ._parameters import read_parameters

__all__ = ["ReviewRun", "run_review", "rerun_review", "review_notebooks", "folder_incomplete",
           "EXIT_PASS", "EXIT_CHECK_FAILED", "EXIT_BAD_INPUT", "EXIT_CELL_FAILED",
           "EXIT_RESULTS_DIFFER"]

EXIT_PASS, EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_CELL_FAILED = 0, 1, 2, 3
EXIT_RESULTS_DIFFER = 5
"""``--rerun`` only: the re-run's ``metrics.json`` or ``decisions.parquet`` differ from the
manifest's (exit 1 stays "a check failed")."""
MINIMA = {"bootstrap": 0, "cases": 0, "seed": 0, "recent_rows": 1}
"""Smallest value of each numeric notebook parameter, checked before any kernel starts."""
RESERVED = ("policy", "data", "champion", "output_dir")
"""Parameters the command sets itself (from its arguments)."""
PACKAGES = ("trustlab", "pandas", "numpy", "scikit-learn", "shap", "matplotlib", "pyarrow",
            "papermill", "nbconvert", "nbformat", "ipykernel", "scipy", "skops")


@dataclass(frozen=True)
class ReviewRun:
    """How a review run ended: ``exit_code``, the output ``folder``, ``verdict`` and a message."""

    exit_code: int
    folder: Path | None
    verdict: str | None
    message: str


def require_review_extra() -> None:
    """Refuse a review, before anything runs, when the ``review`` extra is not installed
    (papermill, nbconvert, ipykernel, shap), naming it (:func:`trustlab._extras.require`)."""
    for module in ("papermill", "nbconvert", "ipykernel", "shap"):
        require(module, "trustlab review")


def review_notebooks() -> Path:
    """The folder holding ``review.ipynb``: the notebooks shipped with trustlab (in a
    checkout, the repository's ``notebooks/``)."""
    from .._resources import shipped

    return shipped("notebooks")


def _input_hashes(path: Path | str) -> dict[str, str]:
    """sha256 of a file, or of every file of a folder (by relative path); a path or an
    fsspec URL (read through its filesystem)."""
    if is_url(path):
        loc = locate(str(path))
        if loc.fs.isdir(loc.path):
            root = loc.path.rstrip("/")
            return {f[len(root) + 1:]: _sha256_stream(loc.fs, f)
                    for f in sorted(loc.fs.find(root))}
        return {loc.path.rstrip("/").rsplit("/", 1)[-1]: _sha256_stream(loc.fs, loc.path)}
    path = Path(path)
    if path.is_dir():
        return {str(p.relative_to(path)): sha256_of(p) for p in sorted(path.rglob("*"))
                if p.is_file()}
    return {path.name: sha256_of(path)}


def _sha256_stream(fs, path: str) -> str:
    h = hashlib.sha256()
    with fs.open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _input_exists(path: str) -> bool:
    if is_url(path):
        loc = locate(path)
        return bool(loc.fs.exists(loc.path))
    return Path(path).exists()


def _coerce(text: str, default: object) -> object:
    """A ``-p`` value given as text, as the declared parameter's type."""
    if isinstance(default, bool):
        low = text.strip().lower()
        if low in ("true", "yes", "1", "on"):
            return True
        if low in ("false", "no", "0", "off"):
            return False
        raise ValueError(f"must be true or false; got {text!r}")
    if isinstance(default, int):
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"must be a whole number; got {text!r}") from None
    if isinstance(default, float):
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"must be a number; got {text!r}") from None
    return text


def check_review_parameters(given: dict[str, object], notebook: Path
                            ) -> tuple[dict[str, object], dict[str, object]]:
    """``-p`` values checked against the notebook's parameters cell; refuses unknown names.

    Values given as text are converted to the declared type; values already
    typed (a re-run's, from its manifest) are kept. Returns the given values,
    typed, and every declared parameter's value for this run (defaults filled in).
    """

    declared = {k: d for k, (d, _) in read_parameters(notebook).items()}
    valid = [n for n in declared if n not in RESERVED]
    problems = []
    out: dict[str, object] = {}
    for name, value in given.items():
        if name in RESERVED:
            how = "an argument" if name in ("policy", "data") else \
                "--" + name.replace("output_dir", "out")
            problems.append(Problem(f"-p {name}", f"is set by the command itself; give it as "
                                                  f"{how}"))
        elif name not in declared:
            problems.append(Problem(f"-p {name}", f"is not a parameter of {notebook.name}; valid "
                                                  f"names: {', '.join(valid)}"))
        elif isinstance(value, str) and not isinstance(declared[name], str):
            try:
                out[name] = _coerce(value, declared[name])
            except ValueError as exc:
                problems.append(Problem(f"-p {name}", str(exc)))
        else:
            out[name] = value
    for name, value in out.items():  # typed values (a re-run's) of the declared type
        d, low = declared[name], MINIMA.get(name)
        kinds = (bool,) if isinstance(d, bool) else (int,) if isinstance(d, int) else \
            (int, float) if isinstance(d, float) else (str,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and kinds != (bool,)):
            problems.append(Problem(f"-p {name}", f"must be of type {type(d).__name__}; got "
                                                  f"{value!r}"))
        elif low is not None and not value >= low:
            problems.append(Problem(f"-p {name}", f"must be at least {low}; got {value!r}"))
    if problems:
        raise ConfigError("Review parameters", problems)
    for name, value in out.items():  # a file named relative to the caller: made absolute
        if isinstance(value, str) and value and Path(value).is_file():
            out[name] = str(Path(value).resolve())
    return out, {n: out.get(n, d) for n, d in declared.items() if n not in RESERVED}


def _preflight(policy_path: Path, data_path: Path, champion_path: Path | None,
               settings: dict[str, object]):
    """Load the policies, the glossary and the data and check the data fits, before any kernel.

    Returns the policy under review.
    """
    import numpy as np

    from .._io import read_data
    from ..policy import load_policy
    from ..signals import train_missing_signals
    from ..simulate import replay

    policy = load_policy(policy_path)
    champion = load_policy(champion_path) if champion_path is not None else None
    if champion is not None:
        from ..change import require_version_bump

        require_version_bump(champion, policy)
    if settings.get("dask_scheduler"):  # the whole history stays on disk: check recent rows
        from ..scale import read_recent

        data = read_recent(data_path, int(settings.get("recent_rows") or 200_000))
    else:
        data = read_data(data_path, policy=policy,
                         text_columns=champion.text_columns if champion else ())
    from ._assess import bad_when_read_as, outcome_read_from, parse_bad_when

    source = f"Data '{data_path}'"
    data = outcome_read_from(data, str(settings.get("label") or ""), (policy, champion),
                             source=source)
    bad_when = parse_bad_when(settings.get("bad_when") or "")
    read = [None if p is None else bad_when_read_as(p, data, bad_when, source=source)
            for p in (policy, champion)]
    if settings.get("glossary"):
        from .._resources import repo_path
        from ..explain import load_glossary

        load_glossary(repo_path(str(settings["glossary"])))
    for p, path in zip(read, (policy_path, champion_path)):
        if p is None:
            continue
        if p.outcomes is None:
            raise ConfigError(f"Policy file '{path}'", [
                Problem("outcomes", "is missing: a review values decisions from it; add an "
                                    "outcomes section (label, values, reviewer)")])
        missing = [s.name for s in p.signals if s.name not in data.columns]
        if missing and not settings.get("train_signal", True):
            train_missing_signals(data, p, allow_training=False)  # raises, naming the column
        probe = data.assign(**{m: np.full(len(data), 0.5) for m in missing}) if missing else data
        replay(p, probe, seed=0)  # every column the replay reads, checked without a kernel
    return policy


def _kernel_manager_class(sockets: str):
    """A kernel manager class whose Unix sockets (on POSIX) live in the folder ``sockets``."""
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class SameEnvironmentKernel(AsyncKernelManager):
        """The python3 kernel of this interpreter, whatever kernelspecs the machine has.

        It talks over Unix sockets in a private folder rather than unencrypted
        TCP ports, where the operating system supports them.
        """

        @default("transport")
        def _transport_default(self):
            return "ipc" if os.name == "posix" else "tcp"

        @default("ip")
        def _ip_default(self):
            if self.transport != "ipc":
                return "127.0.0.1"
            return str(Path(sockets) / "kernel")

        @property
        def kernel_spec(self):
            if self._kernel_spec is None:
                self._kernel_spec = KernelSpec(
                    argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                    display_name="Python 3 (ipykernel)", language="python")
            return self._kernel_spec

    return SameEnvironmentKernel


def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def safe_name(text: str) -> str:
    """``text`` as one folder-name part: letters, digits, ``-``, ``_`` and single dots only.

    Examples
    --------
    >>> safe_name("../../../escaped/x")
    'escaped_x'
    >>> safe_name("lending-club-risk")
    'lending-club-risk'
    """
    out = re.sub(r"[^A-Za-z0-9._-]+", "_", text)
    out = re.sub(r"\.{2,}", ".", out).strip("._-")
    return out or "policy"


def default_folder(policy_name: str, version: str) -> Path:
    """``reviews/<policy name>-<version>-<UTC timestamp>/``, the name and version sanitised
    (:func:`safe_name`) so the folder is always directly under ``reviews/``."""
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path("reviews") / f"{safe_name(policy_name)}-{safe_name(version)}-{stamp}"


def _out_problem(folder: Path) -> str | None:
    """Why ``folder`` cannot become a new review folder (None when it can)."""
    if folder.is_symlink() and not folder.exists():
        return (f"Output folder '{folder}' is a dangling symbolic link; give a new folder "
                "with --out")
    if folder.exists() and not folder.is_dir():
        return f"Output folder '{folder}' is a file, not a folder; give a new folder with --out"
    if folder.exists() and any(folder.iterdir()):
        return (f"Output folder '{folder}' already exists and is not empty; a review never "
                "overwrites another. Give a new folder with --out, or leave --out out for a "
                "timestamped one under reviews/.")
    parent = folder.absolute().parent
    while not parent.exists() and not parent.is_symlink():
        parent = parent.parent
    if not parent.is_dir():
        return (f"Output folder '{folder}' is under '{parent}', which is a file (or a dangling "
                "link); give a folder path with --out")
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"Output folder '{folder}': '{parent}' is not writable; give another with --out"
    return None


def _write_status(folder: Path, status: str, reason: str = "") -> None:
    doc = {"status": status, "finished": _now(), **({"reason": reason} if reason else {})}
    (folder / STATUS_FILE).write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n",
                                      encoding="utf-8")


def _abandon(work: Path, final: Path, status: str, reason: str) -> Path:
    """Mark ``work`` as not a review (no verdict files, ``status.json``) and move it to
    ``final`` when that is still free; returns where it ended up."""
    for name in (METRICS_FILE, DECISIONS_FILE, REPORT_FILE):
        p = work / name
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        elif p.exists():
            p.unlink()
    _write_status(work, status, reason)
    return _move_into_place(work, final)


def _move_into_place(work: Path, final: Path) -> Path:
    try:
        if final.is_dir() and not any(final.iterdir()):
            final.rmdir()
        os.rename(work, final)
        return final
    except OSError:
        return work  # the status file (or the .partial- name) still says what it is


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so the run's clean-up happens."""


def _raise_terminated(signum, frame):  # noqa: ARG001
    raise _Terminated(f"signal {signum}")


def run_review(policy: str | Path, data: str | Path, *, champion: str | Path | None = None,
               out: str | Path | None = None, parameters: dict[str, object] | None = None,
               progress: bool = True) -> ReviewRun:
    """Run a review; see the module docstring and ``trustlab review --help``.

    Returns
    -------
    ReviewRun
        ``exit_code`` 0 (every check passed), 1 (a check failed), 2 (bad
        input; no kernel started) or 3 (a notebook cell failed; the partial
        notebook is kept).

    Notes
    -----
    The run writes into the sibling ``<out>.partial-<pid>`` and moves it to
    ``<out>`` when it ends. A complete folder holds ``status.json`` with
    ``"status": "complete"``; after a cell failure, Ctrl-C, SIGTERM or an
    unexpected error it says ``failed`` or ``interrupted`` and the folder holds
    no ``metrics.json``, ``decisions.parquet`` or report (so no verdict). A
    killed run leaves only the ``.partial-`` folder. The kernel's Unix sockets
    live in a private temporary folder removed on every exit; its connection
    file is jupyter_client's, removed when the kernel shuts down.
    """
    require_review_extra()
    started = _now()
    notebook = review_notebooks() / REVIEW_NOTEBOOK
    policy_path = Path(policy).resolve()
    data_path = data if is_url(data) else Path(data).resolve()  # a URL is recorded as given
    champion_path = Path(champion).resolve() if champion else None
    try:
        params, settings = check_review_parameters(dict(parameters or {}), notebook)
        pol = _preflight(policy_path, data_path, champion_path, settings)
    except TrustlabError as exc:
        return ReviewRun(EXIT_BAD_INPUT, None, None, str(exc))
    folder = Path(out) if out else default_folder(pol.name, pol.version)
    problem = _out_problem(folder)
    if problem is None:
        try:
            folder.absolute().parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            problem = f"Output folder '{folder}' cannot be created: {exc.strerror or exc}"
    if problem is not None:
        return ReviewRun(EXIT_BAD_INPUT, None, None, problem)
    plain = Path(os.path.abspath(folder))  # '..' and '.' resolved in the text
    final = plain.parent.resolve() / plain.name
    work = final.with_name(f"{final.name}{PARTIAL}{os.getpid()}")
    if work.exists():
        shutil.rmtree(work)  # a killed earlier run of this very process id
    work.mkdir()
    injected = {"policy": str(policy_path), "data": str(data_path),
                "champion": str(champion_path) if champion_path else "",
                "output_dir": str(work), **params}
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        return _execute(notebook, work, final, policy_path, data_path, champion_path, pol,
                        injected, started, progress)
    except BaseException as exc:
        interrupted = isinstance(exc, KeyboardInterrupt)
        if work.is_dir():
            try:
                _abandon(work, final, "interrupted" if interrupted else "failed",
                         f"{type(exc).__name__}: {exc}" if not interrupted else
                         ("terminated (SIGTERM)" if isinstance(exc, _Terminated)
                          else "interrupted"))
            except OSError:
                pass  # the .partial- name still marks it; the original error is the news
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _section_progress(notebook: Path, enabled: bool):
    """A :class:`~trustlab._progress.Progress` over the notebook's sections, and the nbclient
    ``on_cell_start`` hook that advances it.

    A section is the cells from one ``## `` heading (a markdown cell) to the
    next; the cells before the first heading (parameters, loading, assessing)
    form the section "Setup and assessment". nbclient calls the hook as every
    cell starts, code or markdown (papermill's injected parameters cell too:
    it is no heading), so the bar names the section being run, not
    papermill's per-cell count.
    """
    import nbformat

    from .._progress import Progress

    def title(cell) -> str | None:
        line = cell.source.lstrip().partition("\n")[0] if cell.cell_type == "markdown" else ""
        return (line[3:].strip() or None) if line.startswith("## ") else None

    cells = nbformat.read(str(notebook), as_version=4).cells
    titles = [t for t in map(title, cells) if t]
    prelude = bool(cells) and title(cells[0]) is None
    bar = Progress("Review", total=len(titles) + prelude, enabled=enabled, every=0)

    def on_cell_start(cell, cell_index, **_) -> None:  # noqa: ARG001
        heading = title(cell)
        if heading is None and bar.done == 0:
            heading = "Setup and assessment"
        if heading is not None and bar.done < (bar.total or 0):
            bar.advance(detail=heading)

    return bar, on_cell_start


def _execute(notebook: Path, work: Path, final: Path, policy_path: Path, data_path: Path,
             champion_path: Path | None, pol, injected: dict, started: str,
             progress: bool) -> ReviewRun:
    """Execute the notebook into ``work`` and move it to ``final`` (see :func:`run_review`)."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    executed = work / REVIEW_NOTEBOOK
    bar, on_cell_start = _section_progress(notebook, progress)
    try:
        with tempfile.TemporaryDirectory(prefix="trustlab-kernel-") as sockets, bar:
            pm.execute_notebook(str(notebook), str(executed), parameters=injected,
                                cwd=str(notebook.parent), kernel_name="python3",
                                progress_bar=False, on_cell_start=on_cell_start,
                                kernel_manager_class=_kernel_manager_class(sockets))
    except PapermillExecutionError as exc:
        _write_manifest(work, notebook, policy_path, data_path, champion_path, pol, injected,
                        started, outputs=False)
        import nbformat

        cells = nbformat.read(str(executed), as_version=4).cells
        index, first_line = exc.cell_index, ""
        for i, cell in enumerate(cells):  # the cell that holds the error output
            if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
                index, lines = i, cell.source.strip().splitlines()
                first_line = f" ({lines[0][:80]!r})" if lines else ""
                break
        where = _abandon(work, final, "failed", f"cell {index}: {exc.ename}: {exc.evalue}")
        return ReviewRun(EXIT_CELL_FAILED, where, None, (
            f"Cell {index} of the executed {notebook.name}{first_line}, execution count "
            f"{exc.exec_count}, failed: {exc.ename}: {exc.evalue}. The partially executed "
            f"notebook is kept: {where / REVIEW_NOTEBOOK} (the folder is marked failed in "
            f"{STATUS_FILE} and holds no verdict)."))
    from ._report import export_report

    doc = json.loads((work / METRICS_FILE).read_text(encoding="utf-8"))
    _write_manifest(work, notebook, policy_path, data_path, champion_path, pol, injected,
                    started, outputs=True)
    export_report(executed, work / REPORT_FILE, metrics=doc, manifest=work / MANIFEST_FILE)
    verdict = doc["verdict"]
    code = EXIT_PASS if verdict == "pass" else EXIT_CHECK_FAILED
    _write_status(work, "complete")
    folder = _move_into_place(work, final)
    if folder != final:
        raise OSError(f"the finished review in '{work}' could not be moved to '{final}'")
    failed = [c["check"] for c in doc["checks"] if not c["passed"]]
    message = (f"Review of {pol.identity}: {verdict.upper()}"
               + (f" ({len(failed)} check(s) failed: {'; '.join(failed)})" if failed else "")
               + f"\nReport: {folder / REPORT_FILE}")
    return ReviewRun(code, folder, verdict, message)


def _write_manifest(folder: Path, notebook: Path, policy_path: Path, data_path: Path,
                    champion_path: Path | None, pol, injected: dict, started: str,
                    outputs: bool) -> None:
    manifest = {
        "format": "trustlab-review-manifest/1",
        "inputs": {
            "policy": {"path": str(policy_path), "sha256": _input_hashes(policy_path)},
            "data": {"path": str(data_path), "sha256": _input_hashes(data_path)},
            "champion": None if champion_path is None else {
                "path": str(champion_path), "sha256": _input_hashes(champion_path)},
            "notebooks": {notebook.name: sha256_of(notebook)},
            "parameter_files": {k: {"path": v, "sha256": _input_hashes(Path(v))}
                                for k, v in injected.items() if k not in RESERVED
                                and isinstance(v, str) and v and Path(v).is_file()},
        },
        "policy": {"name": pol.name, "version": pol.version, "hash": pol.content_hash},
        "parameters": {k: v for k, v in injected.items() if k != "output_dir"},
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": _versions(),
        "outputs": {name: sha256_of(folder / name) for name in (METRICS_FILE, DECISIONS_FILE)
                    if outputs and (folder / name).exists()},
        "started": started,
        "finished": _now(),
    }
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n",
                                        encoding="utf-8")


class _Malformed(Exception):
    """A manifest field missing or of the wrong type (its dotted name)."""


def _field(doc: object, dotted: str, kind: type | tuple[type, ...]) -> object:
    value = doc
    for key in dotted.split("."):
        if not isinstance(value, dict) or key not in value:
            raise _Malformed(f"field '{dotted}' is missing")
        value = value[key]
    if not isinstance(value, kind):
        names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise _Malformed(f"field '{dotted}' must be {names}; got {type(value).__name__}")
    return value


def _hashed_input(m: dict, dotted: str, optional: bool = False) -> tuple[str, dict] | None:
    """``(path, {name: sha256})`` of one ``inputs`` entry, checked field by field."""
    item = _field(m, dotted, (dict, type(None)) if optional else dict)
    if item is None:
        return None
    path = _field(m, dotted + ".path", str)
    digests = _field(m, dotted + ".sha256", dict)
    if not digests or not all(isinstance(k, str) and isinstance(v, str)
                              for k, v in digests.items()):
        raise _Malformed(f"field '{dotted}.sha256' must map file names to sha256 text")
    return path, digests


def rerun_review(manifest_path: str | Path, *, out: str | Path | None = None,
                 progress: bool = True, dask_scheduler: str | None = None) -> ReviewRun:
    """Re-execute a review from its ``manifest.json`` and say whether the results match.

    The review folder must be complete (``status.json``), the manifest well
    formed (else exit 2 naming the field), its ``parameters`` must name the very
    files its ``inputs`` hashed (else exit 2 naming the field), and those files
    must still hash as recorded (else exit 2, naming the file that changed).
    Exactly the verified files are re-run. A Dask scheduler address is never
    read from the manifest: when the review used one, give it again as
    ``dask_scheduler``. The results match when ``metrics.json`` and
    ``decisions.parquet`` are byte-identical to the recorded ones (else exit
    :data:`EXIT_RESULTS_DIFFER`, 5); otherwise the exit code is the re-run's own.
    """
    require_review_extra()
    path = Path(manifest_path)

    def bad(text: str) -> ReviewRun:
        return ReviewRun(EXIT_BAD_INPUT, None, None, f"Manifest '{path}': {text}")

    incomplete = folder_incomplete(path.parent)
    if incomplete:
        return bad(f"the review folder cannot be re-run: {incomplete}; re-run a complete review")
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return bad(f"cannot be read ({type(exc).__name__}: {exc}); give the manifest.json of "
                   "a review folder")
    try:
        _field(m, "inputs", dict)
        params = dict(_field(m, "parameters", dict))  # type: ignore[arg-type]
        recorded = _field(m, "outputs", dict)
        roles = {r: _hashed_input(m, f"inputs.{r}", optional=r == "champion")
                 for r in ("policy", "data", "champion")}
        notebooks = _field(m, "inputs.notebooks", dict)
        if not all(isinstance(v, str) for v in notebooks.values()):  # type: ignore[union-attr]
            raise _Malformed("field 'inputs.notebooks' must map notebook names to sha256 text")
        files = _field(m, "inputs.parameter_files", dict)
        for k in files:  # type: ignore[union-attr]
            if k in RESERVED:
                raise _Malformed(f"field 'inputs.parameter_files.{k}' names a parameter the "
                                 "command sets itself")
            roles[k] = _hashed_input(m, f"inputs.parameter_files.{k}")
        for r in ("policy", "data", "champion"):
            _field(m, f"parameters.{r}", str)
        if not all(isinstance(v, str) for v in recorded.values()):  # type: ignore[union-attr]
            raise _Malformed("field 'outputs' must map file names to sha256 text")
    except _Malformed as exc:
        return bad(f"{exc}; give the manifest.json a `trustlab review` run wrote")
    mismatched = []
    for role, item in roles.items():
        named = params.get(role) or None
        verified = item[0] if item else None
        if named != verified:
            under = "inputs." if role in RESERVED else "inputs.parameter_files."
            mismatched.append(f"'parameters.{role}' names {named!r} but '{under}{role}' "
                              f"verified {verified!r}")
    for k, v in params.items():  # a file parameter must have been hashed
        if k not in RESERVED and k not in roles and isinstance(v, str) and v and Path(v).is_file():
            mismatched.append(f"'parameters.{k}' names the file {v!r}, which 'inputs."
                              "parameter_files' does not hash")
    if mismatched:
        return bad("parameters and inputs disagree, so what would run is not what was verified: "
                   + "; ".join(mismatched) + ".")
    changed = []
    for role, item in roles.items():
        if not item:
            continue
        p = item[0]
        if not _input_exists(p):
            changed.append(f"{role} file '{p}' no longer exists")
            continue
        now = _input_hashes(p)
        for name, digest in item[1].items():
            if now.get(name) != digest:
                where = p if len(item[1]) == 1 else f"{p.rstrip('/')}/{name}"
                changed.append(f"{role} file '{where}' changed since the "
                               f"review (sha256 {digest[:12]}… then, "
                               f"{(now.get(name) or 'missing')[:12]}… now)")
    notebook = review_notebooks() / REVIEW_NOTEBOOK
    recorded_nb = notebooks.get(notebook.name)  # type: ignore[union-attr]
    if recorded_nb is None:
        changed.append(f"the manifest does not hash {notebook.name} under 'inputs.notebooks'")
    elif recorded_nb != sha256_of(notebook):
        changed.append(f"notebook '{notebook}' changed since the review (sha256 "
                       f"{recorded_nb[:12]}… then, {sha256_of(notebook)[:12]}… now)")
    if changed:
        return ReviewRun(EXIT_BAD_INPUT, None, None, (
            "The inputs are not those of the manifest, so the review cannot be re-run as it "
            "was: " + "; ".join(changed) + "."))
    extra = {k: v for k, v in params.items() if k not in RESERVED}
    if extra.get("dask_scheduler") and not dask_scheduler:
        return bad("the review replayed on a Dask scheduler; a re-run never connects to an "
                   "address read from a manifest. Give it again: -p dask_scheduler ADDRESS")
    if dask_scheduler:
        extra["dask_scheduler"] = dask_scheduler
    folder = Path(out) if out else path.parent.with_name(path.parent.name + "-rerun-"
                                                         + _now().replace(":", ""))
    champion = roles["champion"]
    run = run_review(roles["policy"][0], roles["data"][0],  # type: ignore[index]
                     champion=champion[0] if champion else None,
                     out=folder, parameters=extra, progress=progress)
    if run.exit_code in (EXIT_BAD_INPUT, EXIT_CELL_FAILED):
        return run
    differ = [name for name in (METRICS_FILE, DECISIONS_FILE)
              if recorded.get(name) != sha256_of(run.folder / name)]  # type: ignore[operator]
    if differ:
        return ReviewRun(EXIT_RESULTS_DIFFER, run.folder, run.verdict, (
            f"Re-run in {run.folder}: results DIFFER from the manifest's "
            f"({', '.join(differ)} not byte-identical)."))
    return ReviewRun(run.exit_code, run.folder, run.verdict,
                     f"Re-run in {run.folder}: results match the manifest "
                     f"(metrics.json and decisions.parquet byte-identical).\n{run.message}")
