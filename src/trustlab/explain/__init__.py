"""Explanations: reason codes in business language, one case at a time or in bulk."""

from ._case import CaseExplanation, explain_case, pick_cases, rule_trace
from ._codes import MAX_REASONS, ReasonCodes, ReasonExplainer
from ._global import GlobalView, global_view
from ._glossary import (Glossary, default_phrase, load_glossary, parse_glossary, policy_glossary,
                        prohibited_bases)
from ._reference import Basis, Threshold, assign_bases, deciding_thresholds, reference_rows

__all__ = [
    "MAX_REASONS",
    "Basis",
    "CaseExplanation",
    "Glossary",
    "GlobalView",
    "ReasonCodes",
    "ReasonExplainer",
    "Threshold",
    "assign_bases",
    "deciding_thresholds",
    "default_phrase",
    "explain_case",
    "global_view",
    "load_glossary",
    "parse_glossary",
    "pick_cases",
    "policy_glossary",
    "prohibited_bases",
    "reference_rows",
    "rule_trace",
]
