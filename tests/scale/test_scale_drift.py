"""Drift of a Parquet history or a Dask DataFrame, in parts, equals the in-memory drift."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.drift import drift_over_time as in_memory
from trustlab.scale._drift import drift_error, drift_over_time
from _support import DRIFT_COLUMNS, drifting_history, write_cuts

dd = pytest.importorskip("dask.dataframe")

TIME = "decision_time"
COLUMNS = DRIFT_COLUMNS


@pytest.fixture(scope="module")
def drifting():
    return drifting_history(seed=4)


@pytest.fixture(scope="module")
def history(drifting):
    return drifting[0]


@pytest.fixture(scope="module")
def reference(drifting):
    return drifting[1]


@pytest.fixture(scope="module")
def folder(history, tmp_path_factory):
    """Five Parquet files in time order, cut inside weeks; one holds a single row."""
    return write_cuts(history, tmp_path_factory.mktemp("history"), [1234, 3000, 3001, 5555])


def assert_same_drift(exact, got) -> None:
    """PSI, JS and chi-square to 1e-12 with the same statuses; KS within its stated bound."""
    a, b = exact.frame, got.frame
    pd.testing.assert_frame_equal(a.drop(columns=["value", "status"]),
                                  b.drop(columns=["value", "status"]))
    ks = (a["metric"] == "ks").to_numpy()
    assert np.allclose(a["value"][~ks], b["value"][~ks], rtol=0, atol=1e-12, equal_nan=True)
    assert (a["status"][~ks] == b["status"][~ks]).all()
    bound = b[ks].merge(got.ks_error, on=["window_start", "column"], how="left")["error_bound"]
    short = a["value"][ks].to_numpy() - b["value"][ks].to_numpy()
    assert (short >= -1e-12).all() and (short <= bound.to_numpy() + 1e-12).all()
    assert got.ks_error["error_bound"].max() < 0.01
    assert got.ks_method.startswith("KS from 1,000 fine bins; error at most")
    table = drift_error(exact, got).set_index("metric")
    assert (table.drop(index="ks")["largest difference"] <= 1e-12).all()
    assert table.at["ks", "largest difference"] <= table.at["ks", "stated bound"] + 1e-12
    assert (table.drop(index="ks")["status changes"] == 0).all()


@pytest.mark.parametrize("batch_rows", [700, 10**6])
def test_streamed_equals_in_memory(history, reference, folder, batch_rows):
    """Check batches cutting through weeks give the in-memory drift, learned levels included."""
    exact = in_memory(history, reference, time=TIME, levels="learned")
    got = drift_over_time(folder, reference, time=TIME, levels="learned", batch_rows=batch_rows)
    assert_same_drift(exact, got)
    assert got.reference is reference
    assert exact.first_alert("debt_to_income") == got.first_alert("debt_to_income") \
        == pd.Timestamp("2025-03-10")


def test_saved_reference_and_options(history, reference, folder, tmp_path):
    """Check a saved reference's path, daily windows, chosen metrics and thresholds."""
    path = reference.save(tmp_path / "ref.npz")
    kw = dict(time=TIME, window="1D", metrics=["psi", "chi2"], thresholds={"psi": (0.2, 0.4)})
    exact = in_memory(history, reference, **kw)
    got = drift_over_time(folder, str(path), **kw)
    pd.testing.assert_frame_equal(exact.frame, got.frame, check_exact=True)
    assert set(got.frame["metric"]) == {"psi", "chi2"} and (got.frame["warn"] != 0.1).all()
    one = drift_over_time(folder / "part-00.parquet", {"file": path}, **kw)
    pd.testing.assert_frame_equal(in_memory(history.iloc[:1234], reference, **kw).frame,
                                  one.frame, check_exact=True)
    assert got.fine_bins is None and got.ks_method == "KS exact"


def test_dask_threads_equal_in_memory(history, reference, folder):
    """Check a Dask DataFrame read from the Parquet files, on the local threads, gives the same."""
    exact = in_memory(history, reference, time=TIME)
    got = drift_over_time(dd.read_parquet(str(folder)), reference, time=TIME)
    assert_same_drift(exact, got)
    shuffled = dd.from_pandas(history.sample(frac=1.0, random_state=2), npartitions=4, sort=False)
    assert_same_drift(exact, drift_over_time(shuffled, reference, time=TIME))


@pytest.mark.slow
def test_cluster_equals_in_memory(history, reference, folder, dask_client):
    """Check LocalCluster worker processes (counts pickled both ways) give the same drift."""
    got = drift_over_time(folder, reference, time=TIME, client=dask_client)
    assert_same_drift(in_memory(history, reference, time=TIME), got)


def test_refusals(history, reference, folder, tmp_path):
    """Check a reference spec, a missing file or column, and in-memory data are refused clearly."""
    with pytest.raises(trustlab.DataError, match=r"build the reference from the reference period"
                                                 r".*Reference\.from_data.*\.save"):
        drift_over_time(folder, {"first": "90D"}, time=TIME)
    with pytest.raises(trustlab.DataError, match="must be a Reference or the path"):
        drift_over_time(folder, 5, time=TIME)
    with pytest.raises(trustlab.DataError, match="does not exist"):
        drift_over_time(folder, tmp_path / "nope.npz", time=TIME)
    with pytest.raises(trustlab.DataError, match="must be a Parquet file or folder"):
        drift_over_time(history, reference, time=TIME)
    with pytest.raises(trustlab.DataError, match="neither a Parquet file nor a folder"):
        drift_over_time(tmp_path / "missing", reference, time=TIME)
    lacking = tmp_path / "lacking"
    lacking.mkdir()
    history.drop(columns="grade").to_parquet(lacking / "a.parquet")
    with pytest.raises(trustlab.DataError, match="lacks 'grade'"):
        drift_over_time(lacking, reference, time=TIME)
    with pytest.raises(trustlab.DataError, match="lacks 'grade'"):
        drift_over_time(dd.from_pandas(history.drop(columns="grade"), npartitions=2),
                        reference, time=TIME)
    with pytest.raises(trustlab.DataError, match="lacks 'when'"):
        drift_over_time(folder, reference, time="when")
    with pytest.raises(trustlab.ParameterError, match="fine_bins"):
        drift_over_time(folder, reference, time=TIME, fine_bins=0)
    with pytest.raises(trustlab.ParameterError, match="'levels' argument .* must be one of"):
        drift_over_time(folder, reference, time=TIME, levels="loose")
