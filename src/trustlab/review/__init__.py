"""Reviews: one policy on one history, executed as a notebook, written as a folder.

* :func:`assess` computes everything a review says (in the notebook);
  :class:`Review` holds it, section by section, and writes ``metrics.json``
  and ``decisions.parquet``.
* :func:`run_review` is ``trustlab review``: it validates the inputs before
  any kernel starts, executes ``notebooks/review.ipynb`` with papermill, and
  writes ``report.html`` and ``manifest.json``; :func:`rerun_review` re-runs
  from a manifest and says whether the results match.
"""

from ._assess import (DECISIONS_FILE, HEADLINE, METRICS_FILE, Review, assess,
                      assess_on_cluster, bad_when_read_as, outcome_read_from, parse_bad_when)
from ._report import export_report
from ._run import (
    EXIT_BAD_INPUT,
    EXIT_CELL_FAILED,
    EXIT_CHECK_FAILED,
    EXIT_PASS,
    ReviewRun,
    rerun_review,
    run_review,
)

__all__ = [
    "outcome_read_from",
    "DECISIONS_FILE",
    "EXIT_BAD_INPUT",
    "EXIT_CELL_FAILED",
    "EXIT_CHECK_FAILED",
    "EXIT_PASS",
    "HEADLINE",
    "METRICS_FILE",
    "Review",
    "ReviewRun",
    "assess",
    "assess_on_cluster",
    "bad_when_read_as",
    "export_report",
    "parse_bad_when",
    "rerun_review",
    "run_review",
]
