"""trustlab: design AI-assisted decisions that people can trust.

Models emit signals; a policy — a YAML file with one accountable owner, a
version and a content hash — turns them into actions through ordered rules,
guardrails and a kill switch, and every decision carries its rule and reason.
"""

from ._errors import ConfigError, DataError, PolicyError, Problem, TrustlabError
from .engine import Decision, RateLimitState, apply_policy, decide
from .explain import ReasonExplainer, explain_case, global_view, load_glossary
from .policy import Policy, load_policy, parse_policy
from .signals import ModelCard, SignalResult, load_model, save_model, score_out_of_fold

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DataError",
    "Decision",
    "ModelCard",
    "Policy",
    "PolicyError",
    "Problem",
    "RateLimitState",
    "ReasonExplainer",
    "SignalResult",
    "TrustlabError",
    "apply_policy",
    "decide",
    "explain_case",
    "global_view",
    "load_glossary",
    "load_model",
    "load_policy",
    "parse_policy",
    "save_model",
    "score_out_of_fold",
]
