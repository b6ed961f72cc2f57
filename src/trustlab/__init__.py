"""trustlab: design AI-assisted decisions that people can trust.

Models emit signals; a policy — a YAML file with one accountable owner, a
version and a content hash — turns them into actions through ordered rules,
guardrails and a kill switch, and every decision carries its rule and reason.
"""

from ._errors import DataError, PolicyError, Problem, TrustlabError
from .engine import Decision, RateLimitState, apply_policy, decide
from .policy import Policy, load_policy, parse_policy

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "Decision",
    "Policy",
    "PolicyError",
    "Problem",
    "RateLimitState",
    "TrustlabError",
    "apply_policy",
    "decide",
    "load_policy",
    "parse_policy",
]
