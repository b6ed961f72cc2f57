"""trustlab: design AI-assisted decisions that people can trust.

Models emit signals; a policy — a YAML file with one accountable owner, a
version and a content hash — turns them into actions through ordered rules,
guardrails and a kill switch, and every decision carries its rule and reason.
"""

from ._errors import (ConfigError, DataError, ParameterError, PolicyError, Problem,
                      TrustlabError)
from .drift import (Reference, drift_over_time, expected_vs_realised, load_reference,
                    policy_drift)
from .engine import Decision, GuardrailState, apply_policy, decide
from .explain import ReasonExplainer, explain_case, global_view, load_glossary
from .policy import Policy, load_policy, parse_policy, policy_schema
from .signals import ModelCard, SignalResult, load_model, save_model, score_out_of_fold
from .trust import promotion_gate, trust_over_time
from . import scale as _scale  # noqa: F401  (registers the parts backend of the questions)

def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("trustlab")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a bare source tree
        return "0+unknown"


__version__ = _version()
"""The installed distribution's version (``pyproject.toml`` is its one source)."""

__all__ = [
    "ConfigError",
    "DataError",
    "Decision",
    "ModelCard",
    "ParameterError",
    "Policy",
    "PolicyError",
    "Problem",
    "GuardrailState",
    "ReasonExplainer",
    "Reference",
    "SignalResult",
    "TrustlabError",
    "apply_policy",
    "decide",
    "drift_over_time",
    "expected_vs_realised",
    "explain_case",
    "global_view",
    "load_glossary",
    "load_model",
    "load_policy",
    "load_reference",
    "parse_policy",
    "policy_drift",
    "policy_schema",
    "promotion_gate",
    "save_model",
    "score_out_of_fold",
    "trust_over_time",
]
