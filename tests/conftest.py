"""Shared fixtures and hooks; the plain helpers they use live in ``_support``."""

from __future__ import annotations

import os

import pytest

import trustlab
from _support import CREDIT, policy_text


@pytest.fixture
def tiny():
    """A five-rule policy over columns app_id, t, p, amount, grade."""
    return trustlab.parse_policy(policy_text())


@pytest.fixture
def tiny_frame():
    """Ten rows decided by hand in ``_support.EXPECTED_TINY``."""
    import pandas as pd

    return pd.DataFrame(
        {
            "app_id": [f"a{i}" for i in range(10)],
            "t": pd.to_datetime(["2025-01-01 09:00"] * 5 + ["2025-01-02 09:00"] * 5),
            "p": [0.1, None, 0.6, 0.1, 0.3, 0.1, 0.7, 0.15, 0.05, 0.9],
            "amount": [50, 50, 50, 150, 50, 50, 50, 50, None, 200],
            "grade": ["A", "A", "C", "B", "A", "C", "B", "B", "A", None],
        },
        index=[10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
    )


@pytest.fixture(scope="module")
def policy() -> trustlab.Policy:
    """The example credit policy as written."""
    return trustlab.load_policy(CREDIT)


def pytest_configure(config):
    """Under pytest-xdist, give each worker an equal part of the CPUs for its native thread
    pools (OpenMP, BLAS) and for trustlab's own budget (``TRUSTLAB_THREADS``), unless the
    caller set them. Set here, in the controller, before the workers start, so every library
    a worker loads reads them: two workers each starting a thread per CPU spin against each
    other (a signal scored out of fold took 156 s instead of 6 s on two busy cores)."""
    import matplotlib

    matplotlib.use("Agg")  # figures drawn in tests need no screen (kernels keep their own backend)
    workers = getattr(config.option, "numprocesses", None)
    if not isinstance(workers, int) or workers < 1 or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    from trustlab._threads import THREAD_VARIABLES, available_cpus

    share = str(max(1, available_cpus() // workers))
    for name in ("TRUSTLAB_THREADS", *THREAD_VARIABLES):
        os.environ.setdefault(name, share)


def pytest_addoption(parser):
    parser.addoption("--no-browser", action="store_true",
                     help="skip the tests that drive JupyterLab in headless Chromium")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--no-browser"):
        skip = pytest.mark.skip(reason="--no-browser given")
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="module")
def dask_client():
    """A Dask cluster of two worker processes on loopback for one test module (generous
    timeouts: CI machines are shared; not kept idle through the rest of the run)."""
    distributed = pytest.importorskip("distributed")
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "120s",
                          "distributed.comm.timeouts.tcp": "120s"}):
        # no dashboard; the scheduler's HTTP routes on a free port, not 8787, which another
        # cluster on this machine (the other test worker, a benchmark) may hold
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           host="127.0.0.1", dashboard_address=None,
                                           scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                                           timeout="120s")
        client = distributed.Client(cluster, timeout="120s")
        yield client
        client.close()
        cluster.close()
