"""Data sets: two real credit data sets and synthetic histories of three decision types.

* :func:`load_german_credit` and :func:`load_lending_club` load the real data
  shipped in the repository's ``datasets/`` folder (sources, licences and
  columns in ``datasets/README.md``), with a boolean ``defaulted`` label.
* :func:`make_history` generates a history of loan applications with times,
  a model score, human decisions and outcomes, at any size and deterministically
  by seed; :class:`FeatureDrift`, :class:`ConceptShift`, :class:`NewChannel`
  and :class:`ModelOutage` switch on changes from a given time.
* :func:`load_synthetic_sample` loads the committed 50k-row sample of it.
* :func:`make_retention_history` generates customer contacts for a retention
  offer (the favourable action on the high-risk side), stored as text dates,
  text categories and a ``"Yes"``/``"No"`` churn label;
  :func:`load_retention_history` loads the shipped sample.
* :func:`make_fraud_history` generates card transactions for a fraud hold (an
  unfavourable automated action on the high-risk side), with datetime times,
  a float32 score, a 0/1 label, a chargeback status and analysts' decisions;
  :func:`load_fraud_history` loads the shipped sample.

Each generator keeps the true probability that drew its outcome
(``true_pd``, ``true_p_churn``, ``true_p_fraud``) beside the model's score.

Examples
--------
>>> from trustlab.datasets import ConceptShift, make_history
>>> df = make_history(n_days=30, applications_per_day=10, seed=3,
...                   scenarios=[ConceptShift("2025-01-15", factor=2.0)])
>>> df["decision_time"].dt.normalize().nunique()
30
"""

from ._fraud import FRAUD_COLUMNS, load_fraud_history, make_fraud_history
from ._real import data_dirs, load_german_credit, load_lending_club, load_synthetic_sample
from ._retention import RETENTION_COLUMNS, load_retention_history, make_retention_history
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
    "FRAUD_COLUMNS",
    "RETENTION_COLUMNS",
    "ConceptShift",
    "FeatureDrift",
    "ModelOutage",
    "NewChannel",
    "Scenario",
    "data_dirs",
    "load_fraud_history",
    "load_german_credit",
    "load_lending_club",
    "load_retention_history",
    "load_synthetic_sample",
    "make_fraud_history",
    "make_history",
    "make_retention_history",
]
