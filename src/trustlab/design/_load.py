"""One entry point for every assessment file: the ``framework`` field says which it is."""

from __future__ import annotations

import os

from .._errors import ConfigError, Problem
from ._answers import read_yaml
from ._readiness import ReadinessAssessment
from ._serving import ServingAssessment
from ._sourcing import SourcingAssessment

__all__ = ["FRAMEWORKS", "load_assessment"]

FRAMEWORKS = {
    "batch_or_real_time": ServingAssessment,
    "build_buy_or_fine_tune": SourcingAssessment,
    "critical_path_readiness": ReadinessAssessment,
}
"""Each framework's name and the assessment class that reads it."""


def load_assessment(path: str | os.PathLike):
    """Read an assessment file of any framework.

    Returns
    -------
    ServingAssessment, SourcingAssessment or ReadinessAssessment
        Call ``.assess()`` for the result.

    Raises
    ------
    trustlab.ConfigError
        For a missing or unknown ``framework`` and every invalid field.

    Examples
    --------
    >>> a = load_assessment("assessments/card-fraud-hold.yaml")
    >>> a.assess().recommendation
    'hybrid'
    """
    doc, where = read_yaml(path)
    kind = doc.get("framework")
    if kind not in FRAMEWORKS:
        raise ConfigError(where, [Problem("framework", f"must be one of "
                                                       f"{', '.join(FRAMEWORKS)}; got {kind!r}")])
    return FRAMEWORKS[kind].from_yaml(path)
