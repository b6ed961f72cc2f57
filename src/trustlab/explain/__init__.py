"""Explanations: reason codes in business language, one case at a time or in bulk."""

from ._case import CaseExplanation, explain_case, pick_cases, rule_trace
from ._codes import MAX_REASONS, ReasonCodes, ReasonExplainer
from ._global import GlobalView, global_view
from ._glossary import Glossary, default_phrase, load_glossary, parse_glossary
from ._reference import Threshold, favourable_threshold, reference_rows

__all__ = [
    "MAX_REASONS",
    "CaseExplanation",
    "Glossary",
    "GlobalView",
    "ReasonCodes",
    "ReasonExplainer",
    "Threshold",
    "default_phrase",
    "explain_case",
    "favourable_threshold",
    "global_view",
    "load_glossary",
    "parse_glossary",
    "pick_cases",
    "reference_rows",
    "rule_trace",
]
