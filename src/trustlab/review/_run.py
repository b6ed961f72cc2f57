"""``trustlab review``: validate, execute the review notebook with papermill, write the folder.

The run validates everything it can before a kernel starts (the policy, the
champion, the data's columns and the notebook parameters: papermill only
warns about an unknown name), refuses an existing non-empty output folder,
executes ``notebooks/review.ipynb`` in the ``python3`` kernel of this very
environment with the notebook's folder as working directory, writes
``manifest.json`` and then the self-contained ``report.html``, whose header
reads the manifest (review date, versions, input hashes).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .._errors import ConfigError, Problem, TrustlabError
from ._assess import DECISIONS_FILE, METRICS_FILE

__all__ = ["ReviewRun", "run_review", "rerun_review", "review_notebooks", "EXIT_PASS",
           "EXIT_CHECK_FAILED", "EXIT_BAD_INPUT", "EXIT_CELL_FAILED"]

EXIT_PASS, EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_CELL_FAILED = 0, 1, 2, 3
REVIEW_NOTEBOOK = "review.ipynb"
REPORT_FILE = "report.html"
MANIFEST_FILE = "manifest.json"
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


def review_notebooks() -> Path:
    """The folder holding ``review.ipynb`` (the repository's ``notebooks/``)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "notebooks" / REVIEW_NOTEBOOK
        if candidate.exists():
            return candidate.parent
    from .._notebook import repo_path

    return repo_path("notebooks")


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes; of a folder (decision records written in parts), of each
    file's relative path and sha256 in name order."""
    h = hashlib.sha256()
    if path.is_dir():
        for p in sorted(q for q in path.rglob("*") if q.is_file()):
            h.update(f"{p.relative_to(path).as_posix()}\0{sha256_of(p)}\n".encode())
        return h.hexdigest()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _input_hashes(path: Path) -> dict[str, str]:
    """sha256 of a file, or of every file of a folder (by relative path)."""
    if path.is_dir():
        return {str(p.relative_to(path)): sha256_of(p) for p in sorted(path.rglob("*"))
                if p.is_file()}
    return {path.name: sha256_of(path)}


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
    from .._notebook import read_parameters

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

    from .._io import read_data, text_columns_of
    from ..policy import load_policy
    from ..signals import train_missing_signals
    from ..simulate import replay

    policy = load_policy(policy_path)
    champion = load_policy(champion_path) if champion_path is not None else None
    if champion is not None:
        from ..change import require_version_bump

        require_version_bump(champion, policy)
    if settings.get("dask_scheduler"):  # the whole history stays on disk: check recent rows
        from ..scale._run import read_recent

        data = read_recent(data_path, int(settings.get("recent_rows") or 200_000))
    else:
        data = read_data(data_path, policy=policy,
                         text_columns=text_columns_of(champion) if champion else ())
    from ._assess import bad_when_read_as, outcome_read_from, parse_bad_when

    source = f"Data '{data_path}'"
    data = outcome_read_from(data, str(settings.get("label") or ""), (policy, champion),
                             source=source)
    bad_when = parse_bad_when(settings.get("bad_when") or "")
    read = [None if p is None else bad_when_read_as(p, data, bad_when, source=source)
            for p in (policy, champion)]
    if settings.get("glossary"):
        from .._notebook import repo_path
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


def default_folder(policy_name: str, version: str) -> Path:
    """``reviews/<policy name>-<version>-<UTC timestamp>/``."""
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path("reviews") / f"{policy_name}-{version}-{stamp}"


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
    """
    started = _now()
    notebook = review_notebooks() / REVIEW_NOTEBOOK
    policy_path = Path(policy).resolve()
    data_path = Path(data).resolve()
    champion_path = Path(champion).resolve() if champion else None
    try:
        params, settings = check_review_parameters(dict(parameters or {}), notebook)
        pol = _preflight(policy_path, data_path, champion_path, settings)
    except TrustlabError as exc:
        return ReviewRun(EXIT_BAD_INPUT, None, None, str(exc))
    folder = Path(out) if out else default_folder(pol.name, pol.version)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        return ReviewRun(EXIT_BAD_INPUT, None, None, (
            f"Output folder '{folder}' already exists and is not empty; a review never "
            "overwrites another. Give a new folder with --out, or leave --out out for a "
            "timestamped one under reviews/."))
    folder.mkdir(parents=True, exist_ok=True)
    folder = folder.resolve()
    injected = {"policy": str(policy_path), "data": str(data_path),
                "champion": str(champion_path) if champion_path else "",
                "output_dir": str(folder), **params}

    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    executed = folder / REVIEW_NOTEBOOK
    try:
        with tempfile.TemporaryDirectory(prefix="trustlab-kernel-") as sockets:
            pm.execute_notebook(str(notebook), str(executed), parameters=injected,
                                cwd=str(notebook.parent), kernel_name="python3",
                                progress_bar=progress,
                                kernel_manager_class=_kernel_manager_class(sockets))
    except PapermillExecutionError as exc:
        _write_manifest(folder, notebook, policy_path, data_path, champion_path, pol, injected,
                        started, outputs=False)
        import nbformat

        cells = nbformat.read(str(executed), as_version=4).cells
        index, first_line = exc.cell_index, ""
        for i, cell in enumerate(cells):  # the cell that holds the error output
            if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
                index, lines = i, cell.source.strip().splitlines()
                first_line = f" ({lines[0][:80]!r})" if lines else ""
                break
        return ReviewRun(EXIT_CELL_FAILED, folder, None, (
            f"Cell {index} of the executed {notebook.name}{first_line}, execution count "
            f"{exc.exec_count}, failed: {exc.ename}: {exc.evalue}. The partially executed "
            f"notebook is kept: {executed}."))
    from ._report import export_report

    doc = json.loads((folder / METRICS_FILE).read_text(encoding="utf-8"))
    _write_manifest(folder, notebook, policy_path, data_path, champion_path, pol, injected,
                    started, outputs=True)
    export_report(executed, folder / REPORT_FILE, metrics=doc, manifest=folder / MANIFEST_FILE)
    verdict = doc["verdict"]
    code = EXIT_PASS if verdict == "pass" else EXIT_CHECK_FAILED
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


def rerun_review(manifest_path: str | Path, *, out: str | Path | None = None,
                 progress: bool = True) -> ReviewRun:
    """Re-execute a review from its ``manifest.json`` and say whether the results match.

    The inputs must still be the ones the manifest hashed (else exit 2, naming
    the file that changed); the results match when ``metrics.json`` and
    ``decisions.parquet`` are byte-identical to the recorded ones (else exit 1).
    """
    path = Path(manifest_path)
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
        inputs = m["inputs"]
    except (OSError, ValueError, KeyError) as exc:
        return ReviewRun(EXIT_BAD_INPUT, None, None, (
            f"Manifest '{path}' cannot be read ({type(exc).__name__}: {exc}); give the "
            "manifest.json of a review folder"))
    changed = []
    roles = [(r, inputs.get(r)) for r in ("policy", "data", "champion")]
    roles += [(f"parameter '{k}'", v) for k, v in inputs.get("parameter_files", {}).items()]
    for role, item in roles:
        if not item:
            continue
        p = Path(item["path"])
        if not p.exists():
            changed.append(f"{role} file '{p}' no longer exists")
            continue
        now = _input_hashes(p)
        for name, digest in item["sha256"].items():
            if now.get(name) != digest:
                changed.append(f"{role} file '{p / name if p.is_dir() else p}' changed since the "
                               f"review (sha256 {digest[:12]}… then, "
                               f"{(now.get(name) or 'missing')[:12]}… now)")
    if changed:
        return ReviewRun(EXIT_BAD_INPUT, None, None, (
            "The inputs are not those of the manifest, so the review cannot be re-run as it "
            "was: " + "; ".join(changed) + "."))
    params = dict(m.get("parameters", {}))
    extra = {k: v for k, v in params.items() if k not in RESERVED}
    folder = Path(out) if out else path.parent.with_name(path.parent.name + "-rerun-"
                                                         + _now().replace(":", ""))
    run = run_review(params["policy"], params["data"], champion=params.get("champion") or None,
                     out=folder, parameters=extra, progress=progress)
    if run.exit_code in (EXIT_BAD_INPUT, EXIT_CELL_FAILED):
        return run
    recorded = m.get("outputs", {})
    differ = [name for name in (METRICS_FILE, DECISIONS_FILE)
              if recorded.get(name) != sha256_of(run.folder / name)]  # type: ignore[operator]
    if differ:
        return ReviewRun(EXIT_CHECK_FAILED, run.folder, run.verdict, (
            f"Re-run in {run.folder}: results DIFFER from the manifest's "
            f"({', '.join(differ)} not byte-identical)."))
    return ReviewRun(run.exit_code, run.folder, run.verdict,
                     f"Re-run in {run.folder}: results match the manifest "
                     f"(metrics.json and decisions.parquet byte-identical).\n{run.message}")
