"""How many native threads (BLAS, OpenMP) a trustlab run may use.

Model training, SHAP and NumPy's linear algebra run in native thread pools
that each start one thread per CPU. Two reviews at once on two cores then run
four busy threads that wait on each other, and take longer together than one
after the other. trustlab caps those pools at its *thread budget*:

* ``TRUSTLAB_THREADS``, when set (a whole number of at least 1);
* otherwise the CPUs this process may run on (``os.sched_getaffinity``),
  shared equally among the trustlab runs in progress on this machine (each
  ``trustlab`` command registers itself while it runs).

The ``trustlab`` command sets ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` and
``MKL_NUM_THREADS`` to the budget (only those the user has not set), so a
review's kernel starts with its pools capped; training caps them again with
:func:`limit` when it starts, as other runs may have started meanwhile.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, MutableMapping
from pathlib import Path

from ._errors import TrustlabError

__all__ = ["available_cpus", "cap_environment", "limit", "registered", "running", "thread_budget",
           "THREAD_VARIABLES"]

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
"""Environment variables native libraries read for their thread count at start."""


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, else the machine's count).

    Examples
    --------
    >>> available_cpus() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def _registry() -> Path:
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    return Path(tempfile.gettempdir()) / f"trustlab-runs-{uid}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def running() -> int:
    """How many ``trustlab`` commands are running on this machine (at least 1).

    Examples
    --------
    >>> running() >= 1
    True
    """
    folder = _registry()
    try:
        pids = [int(p.name) for p in folder.iterdir() if p.name.isdigit()]
    except OSError:
        return 1
    live = 0
    for pid in pids:
        if _alive(pid):
            live += 1
        else:  # a run that was killed: forget it
            with contextlib.suppress(OSError):
                (folder / str(pid)).unlink()
    return max(1, live)


@contextlib.contextmanager
def registered() -> Iterator[None]:
    """Count this process among the trustlab runs in progress while the block runs."""
    mark = _registry() / str(os.getpid())
    try:
        mark.parent.mkdir(mode=0o700, exist_ok=True)
        mark.touch()
    except OSError:  # an unwritable temp folder only loses the sharing, never the run
        mark = None
    try:
        yield
    finally:
        if mark is not None:
            with contextlib.suppress(OSError):
                mark.unlink()


def thread_budget(environ: MutableMapping[str, str] | None = None) -> int:
    """The threads each native pool of this process may use.

    ``TRUSTLAB_THREADS`` when set, else :func:`available_cpus` divided
    among the trustlab runs in progress (at least 1).

    Raises
    ------
    trustlab.TrustlabError
        When ``TRUSTLAB_THREADS`` is not a whole number of at least 1.

    Examples
    --------
    >>> thread_budget({"TRUSTLAB_THREADS": "3"})
    3
    """
    env = os.environ if environ is None else environ
    given = env.get("TRUSTLAB_THREADS", "").strip()
    if given:
        if not given.isdigit() or int(given) < 1:
            raise TrustlabError(f"TRUSTLAB_THREADS is {given!r}; set it to a whole number of "
                                f"threads of at least 1 (e.g. TRUSTLAB_THREADS=2), or unset it "
                                f"to use the CPUs available, shared among trustlab runs")
        return int(given)
    return max(1, available_cpus() // running())


def cap_environment(environ: MutableMapping[str, str] | None = None) -> int:
    """Set each of :data:`THREAD_VARIABLES` the user has not set to the thread budget,
    so processes started from here (a review's kernel) start capped; returns the budget.

    Examples
    --------
    >>> env = {"OMP_NUM_THREADS": "8", "TRUSTLAB_THREADS": "2"}
    >>> cap_environment(env), env["OMP_NUM_THREADS"], env["OPENBLAS_NUM_THREADS"]
    (2, '8', '2')
    """
    env = os.environ if environ is None else environ
    budget = thread_budget(env)
    for name in THREAD_VARIABLES:
        if not env.get(name, "").strip():
            env[name] = str(budget)
    return budget


@contextlib.contextmanager
def limit(threads: int | None = None) -> Iterator[int]:
    """Cap the BLAS and OpenMP pools of this process while the block runs.

    Parameters
    ----------
    threads : int, optional
        The cap; by default :func:`thread_budget`, or the user's
        ``OMP_NUM_THREADS`` when that is smaller.

    Examples
    --------
    >>> with limit(1) as n:
    ...     n
    1
    """
    from threadpoolctl import threadpool_limits

    if threads is None:
        threads = thread_budget()
        user = os.environ.get("OMP_NUM_THREADS", "").strip()
        if user.isdigit() and int(user) >= 1:
            threads = min(threads, int(user))
    with threadpool_limits(limits=threads):
        yield threads
