"""References: bins, counts, saving and reading back, refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab.drift import Reference, drift_over_time, load_reference


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    n = 24 * 7 * 8
    return pd.DataFrame({
        "t": pd.date_range("2025-01-06", periods=n, freq="h"),
        "x": rng.normal(size=n),
        "k": rng.integers(0, 4, size=n),
        "g": pd.Categorical(rng.choice(["a", "b", "c"], size=n)),
        "s": np.where(rng.random(n) < 0.1, None, rng.choice(["u", "v"], size=n)),
    })


def test_bins_by_hand():
    """Check quantile edges, open outer bins, categories with other and missing bins."""
    df = pd.DataFrame({"x": [1.0, 2, 3, 4, np.nan], "g": ["b", "a", "a", None, "b"]})
    ref = Reference.from_data(df, bins=2)
    x = ref.column("x")
    assert x.edges.tolist() == [2.5]
    assert x.counts.tolist() == [2, 2, 1]
    assert x.codes(pd.Series([-100.0, 2.5, 99.0, np.nan])).tolist() == [0, 1, 1, 2]
    g = ref.column("g")
    assert g.categories == ("a", "b") and g.counts.tolist() == [2, 2, 0, 1]
    assert g.codes(pd.Series(["a", "zzz", None])).tolist() == [0, 2, 3]
    edges = Reference.from_data(df, ["x"], bins={"x": [0, 2, 4]}).column("x")
    assert edges.edges.tolist() == [2.0] and edges.counts.tolist() == [1, 3, 1]


def test_save_and_load_give_the_same_drift(frame, tmp_path):
    """Check a saved reference reads back with the same hash and gives the same drift."""
    ref = Reference.from_data(frame.iloc[:24 * 28], ["x", "k", "g", "s"], time="t", window="1W")
    assert len(ref.levels) > 0
    path = ref.save(tmp_path / "ref.npz")
    back = load_reference(path)
    assert back.content_hash == ref.content_hash
    a = drift_over_time(frame, ref, time="t")
    b = drift_over_time(frame, path, time="t", levels="learned")
    c = drift_over_time(frame, back, time="t", levels="learned")
    pd.testing.assert_frame_equal(b.frame, c.frame)
    assert np.allclose(a.frame["value"], c.frame["value"], equal_nan=True)


def test_refusals_name_the_field(frame, tmp_path):
    """Check bad columns, bins, kinds and files get errors that say what to do."""
    with pytest.raises(trustlab.DataError, match="columns: names columns the data lacks: nope"):
        Reference.from_data(frame, ["x", "nope"])
    with pytest.raises(trustlab.DataError, match="leave time columns out"):
        Reference.from_data(frame, ["t"])
    with pytest.raises(trustlab.DataError, match=r"bins\['x'\].*strictly increasing"):
        Reference.from_data(frame, ["x"], bins={"x": [3, 1]})
    with pytest.raises(trustlab.DataError, match=r"kinds\['x'\]: must be one of data"):
        Reference.from_data(frame, ["x"], kinds={"x": "feature"})
    with pytest.raises(trustlab.DataError, match="does not exist"):
        load_reference(tmp_path / "none.npz")
    (tmp_path / "bad.npz").write_text("not a reference")
    with pytest.raises(trustlab.DataError, match="is not a saved drift reference"):
        load_reference(tmp_path / "bad.npz")
    with pytest.raises(trustlab.DataError, match="levels: 'learned' needs"):
        drift_over_time(frame, Reference.from_data(frame, ["x"]), time="t", levels="learned")
    with pytest.raises(trustlab.ParameterError,
                       match=r"'metrics' argument of drift_over_time\(\) must be None, one of 'psi'.*"
                             r"or a list of them; got \['wasserstein'\]"):
        drift_over_time(frame, {"first": "28D"}, time="t", metrics=["wasserstein"])
    with pytest.raises(trustlab.DataError, match="time: names column 'when'"):
        drift_over_time(frame, {"first": "28D"}, time="when")
    with pytest.raises(trustlab.DataError, match="must be a time window"):
        drift_over_time(frame, {"first": "a month"}, time="t")


@pytest.mark.parametrize("dtype", ["float64", "float32", "Int64", "Float64"])
def test_numeric_counts_read_off_the_sorted_values_equal_a_pass_over_the_rows(dtype):
    """Check that a numeric reference's counts (read at the edges of its sorted values) equal
    the bincount of every row's bin, with ties on the edges, infinities and missing values."""
    rng = np.random.default_rng(1)
    x = np.round(rng.normal(size=3000), 1)  # many ties, some on the quantile edges
    if dtype.startswith("float"):
        x[:5] = [np.inf, -np.inf, np.nan, np.nan, 0.0]
        series = pd.Series(x, dtype=dtype)
    else:
        series = pd.Series(np.round(x * 10), dtype=dtype)
        series[rng.random(3000) < 0.05] = pd.NA
    for bins in (10, 3, {"x": [-1.0, 0.0, 0.5, 2.0]}):
        col = Reference.from_data(pd.DataFrame({"x": series}), bins=bins).column("x")
        by_rows = np.bincount(col.codes(series), minlength=len(col.counts))
        assert col.counts.dtype == np.int64
        assert col.counts.tolist() == by_rows.tolist()
        assert col.sorted_values.tolist() == np.sort(
            series.to_numpy(dtype=float, na_value=np.nan)[~series.isna().to_numpy()]).tolist()


@pytest.mark.parametrize("dtype", ["str", "object", "category", "string[pyarrow]"])
def test_text_of_any_dtype_gives_the_same_reference_and_drift(frame, dtype):
    """Check that text as pandas' str (as read from CSV), object, categorical or pyarrow
    strings, with missing values, gives the same bins, counts and drift."""
    base = frame.assign(s=frame["s"].astype("str"))  # missing stays missing
    other = frame.assign(s=frame["s"].astype(dtype), g=frame["g"].astype(dtype))
    ref_a = Reference.from_data(base.iloc[:500], ["x", "g", "s"])
    ref_b = Reference.from_data(other.iloc[:500], ["x", "g", "s"])
    for name in ("g", "s"):
        a, b = ref_a.column(name), ref_b.column(name)
        assert (a.categories, a.counts.tolist()) == (b.categories, b.counts.tolist())
    got = drift_over_time(other, ref_b, time="t", window="1W").frame
    want = drift_over_time(base, ref_a, time="t", window="1W").frame
    pd.testing.assert_frame_equal(got, want)
