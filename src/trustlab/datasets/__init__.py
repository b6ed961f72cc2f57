"""Data sets: two real credit data sets and a synthetic loan-application history.

* :func:`load_german_credit` and :func:`load_lending_club` load the real data
  shipped in the repository's ``datasets/`` folder (sources, licences and
  columns in ``datasets/README.md``), with a boolean ``defaulted`` label.
* :func:`make_history` generates a history of loan applications with times,
  a model score, human decisions and outcomes, at any size and deterministically
  by seed; :class:`FeatureDrift`, :class:`ConceptShift`, :class:`NewChannel`
  and :class:`ModelOutage` switch on changes from a given time.
* :func:`load_synthetic_sample` loads the committed 50k-row sample of it.

Examples
--------
>>> from trustlab.datasets import ConceptShift, make_history
>>> df = make_history(n_days=30, applications_per_day=10, seed=3,
...                   scenarios=[ConceptShift("2025-01-15", factor=2.0)])
>>> df["decision_time"].dt.normalize().nunique()
30
"""

from ._real import data_dirs, load_german_credit, load_lending_club, load_synthetic_sample
from ._synthetic import (
    COLUMNS,
    ConceptShift,
    FeatureDrift,
    ModelOutage,
    NewChannel,
    Scenario,
    make_history,
)

__all__ = [
    "COLUMNS",
    "ConceptShift",
    "FeatureDrift",
    "ModelOutage",
    "NewChannel",
    "Scenario",
    "data_dirs",
    "load_german_credit",
    "load_lending_club",
    "load_synthetic_sample",
    "make_history",
]
