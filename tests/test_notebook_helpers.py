"""The helpers the notebooks call: parameters, data sets, label values, estimators."""

from __future__ import annotations

import pandas as pd
import pytest

import trustlab
from trustlab import _notebook as nb
from conftest import REPO


def test_every_notebook_declares_typed_documented_parameters():
    """Check each notebook has one parameters cell of 'name: type = value  # help' lines."""
    notebooks = sorted((REPO / "notebooks").glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        params = nb.read_parameters(path)
        assert params, path
        for name, (default, help_text) in params.items():
            assert help_text, f"{path.name}: parameter {name} has no help comment"
            assert isinstance(default, (str, int, float, bool)), (path.name, name)


def test_notebook_parameters_checks_types_and_choices():
    """Check a wrong type and a value outside its choices are reported together."""
    declared = {k: d for k, (d, _) in nb.read_parameters(REPO / "notebooks/01_signals.ipynb").items()}
    ok = nb.notebook_parameters(declared, "01_signals")
    assert list(ok) == list(declared)
    bad = {**declared, "n_splits": "five", "estimator": "forest"}
    with pytest.raises(trustlab.ConfigError) as info:
        nb.notebook_parameters(bad, "01_signals", choices={"estimator": nb.ESTIMATORS})
    assert {p.where for p in info.value.problems} == {"n_splits", "estimator"}
    with pytest.raises(trustlab.ConfigError, match="run the parameters cell"):
        nb.notebook_parameters({}, "01_signals")


def test_unknown_parameter_names_get_a_suggestion():
    """Check a typo in a parameter name is refused with the nearest name."""
    with pytest.raises(trustlab.ConfigError, match="Did you mean 'n_splits'"):
        nb.check_parameters({"n_split": 3}, {"n_splits": 5})


def test_label_value_and_estimators():
    """Check text parameters become label values and estimators, or clear errors."""
    df = pd.DataFrame({"bad": pd.array([True, False, None], dtype="boolean")})
    assert nb.label_value(df, "bad", "True") is True
    with pytest.raises(trustlab.ConfigError, match="bad_when.*'yes' is not a value"):
        nb.label_value(df, "bad", "yes")
    with pytest.raises(trustlab.ConfigError, match="label.*'Class' is not a column"):
        nb.label_value(df, "Class", "bad")
    with pytest.raises(trustlab.ConfigError, match="estimator"):
        nb.make_estimator("forest")


def test_paths_resolve_from_any_folder(tmp_path, monkeypatch):
    """Check shipped paths resolve from the notebooks folder and from elsewhere."""
    monkeypatch.chdir(REPO / "notebooks")
    assert nb.repo_path("policies/lending-club-risk.yaml").is_file()
    assert len(nb.load_dataset("datasets/german_credit.csv")) == 1000
    monkeypatch.chdir(tmp_path)
    assert nb.repo_path("policies/lending-club-risk.yaml").is_file()


def test_papermill_reads_the_same_parameters():
    """Check papermill parses every declared parameter with its type and help.

    papermill silently skips a line it cannot parse (a ';' in the help, say),
    and then treats an override of it as unknown.
    """
    import papermill

    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        ours = nb.read_parameters(path)
        theirs = papermill.inspect_notebook(str(path))
        assert list(theirs) == list(ours), path.name
        for name, (default, help_text) in ours.items():
            assert theirs[name]["help"] == help_text, (path.name, name)
            assert theirs[name]["inferred_type_name"] == type(default).__name__, (path.name, name)


def test_with_signals_scores_only_what_is_missing():
    """Check that present signals are kept, missing ones scored, and impossible cases named."""
    p = trustlab.load_policy(nb.repo_path("policies/consumer-credit.yaml"))
    data = nb.load_dataset("synthetic").head(3000)
    same, notes = nb.with_signals(data, p)
    assert same is data and notes == []
    scored, notes = nb.with_signals(data.drop(columns="p_default"), p, exclude=["age_band"])
    assert scored["p_default"].notna().mean() > 0.7  # the first time block has no honest score
    assert "time-ordered folds" in notes[0] and len(scored) == len(data)
    with pytest.raises(trustlab.ConfigError, match="outcomes.label.*'defaulted'"):
        nb.with_signals(data.drop(columns=["p_default", "defaulted"]), p)
    bare = trustlab.parse_policy("""
trustlab: 1
name: bare
version: "1"
owner: o
signals: [{name: p, kind: probability, model: m, higher_means: risk}]
actions: {approve: {automated: true}, review: {automated: false}}
rules:
  - {id: low, when: p < 0.1, then: approve, because: Low.}
  - {id: rest, otherwise: true, then: review, because: Rest.}
""")
    with pytest.raises(trustlab.ConfigError, match="signal 'p'.*no outcomes section"):
        nb.with_signals(data, bare)
