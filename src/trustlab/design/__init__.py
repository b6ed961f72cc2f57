"""Design frameworks: what leaders must answer before AI touches a decision, as data.

Each framework reads an assessment from YAML (answers with an owner and a
version in git, like a policy) and returns a result object with a
recommendation and its reasons:

* :class:`ServingAssessment` — batch, real time with guardrails, or hybrid,
  from whether delay destroys value, whether the action is reversible,
  whether the context is there at decision time and whether the system fails
  safely; with a cost sketch and the single answers that would change it.
  :func:`export_online_policy` writes the hybrid's online policy.
* :class:`SourcingAssessment` — build, buy or fine-tune from seven weighted
  factors, with the weights that would flip the answer, solved exactly.
* :func:`assess_readiness` — the critical-path checklist scored from a
  policy and its latest review folder, asked of the user where no file can say.

:func:`load_assessment` reads any of them; :func:`serving_form`,
:func:`sourcing_form` and :func:`readiness_form` answer them with widgets.
"""

from ._forms import AnswerForm, readiness_form, serving_form, sourcing_form
from ._load import FRAMEWORKS, load_assessment
from ._online import OnlinePolicy, export_online_policy
from ._readiness import (ITEMS, ReadinessAssessment, ReadinessResult, ReviewEvidence,
                         assess_readiness)
from ._serving import (QUESTIONS, RECOMMENDATIONS, ServingAnswers, ServingAssessment,
                       ServingCosts, ServingResult, assess_serving)
from ._sourcing import FACTORS, OPTIONS, SourcingAssessment, SourcingResult, assess_sourcing

__all__ = [
    "FACTORS", "FRAMEWORKS", "ITEMS", "OPTIONS", "QUESTIONS", "RECOMMENDATIONS",
    "AnswerForm", "OnlinePolicy", "ReadinessAssessment", "ReadinessResult", "ReviewEvidence",
    "ServingAnswers", "ServingAssessment", "ServingCosts", "ServingResult",
    "SourcingAssessment", "SourcingResult", "assess_readiness", "assess_serving",
    "assess_sourcing", "export_online_policy", "load_assessment", "readiness_form",
    "serving_form", "sourcing_form",
]
