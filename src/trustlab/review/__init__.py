"""Reviews: one policy on one history, executed as a notebook, written as a folder.

* :func:`assess` computes everything a review says (in the notebook);
  :class:`Review` holds it, section by section, and writes ``metrics.json``
  and ``decisions.parquet``.
* :func:`signal_evidence` judges a signal against observed outcomes
  (calibration with Wilson intervals, ROC and AUC with a DeLong interval,
  score distributions); :meth:`Review.evidence` does it for every signal.
* :func:`report_table` and :func:`figure_of` show tables and figures as the
  printed report needs them (numbers by kind, status in words and colour,
  alt text); :func:`export_report` writes ``report.html`` with its header and
  sign-off block.
* :func:`run_review` is ``trustlab review``: it validates the inputs before
  any kernel starts, executes ``notebooks/review.ipynb`` with papermill, and
  writes ``report.html`` and ``manifest.json``; :func:`rerun_review` re-runs
  from a manifest and says whether the results match.
* :func:`init_project` is ``trustlab init``: a team's project folder with the
  notebooks and a starter policy :func:`draft_policy` drafts from their data
  (:func:`detect_columns` says what it found).
"""

from ._assess import (DECISIONS_FILE, FOUR_FIFTHS, HEADLINE, METRICS_FILE, FourFifthsDisplay,
                      Review, assess, assess_on_cluster, bad_when_read_as, outcome_read_from,
                      parse_bad_when, with_drift_metrics)
from ._display import ReportFigure, ReportTable, figure_of, report_table, status_html, table_html
from ._evidence import EvidenceDisplay, SignalEvidence, auc_delong, roc_points, signal_evidence
from ._parameters import read_parameters
from ._report import NOTEBOOK_ONLY_TAG, export_report, report_header, signoff_block
from ._run import (
    EXIT_BAD_INPUT,
    EXIT_CELL_FAILED,
    EXIT_CHECK_FAILED,
    EXIT_PASS,
    ReviewRun,
    rerun_review,
    run_review,
    safe_name,
)
from ._scaffold import Detected, Draft, Scaffold, detect_columns, draft_policy, init_project

__all__ = [
    "read_parameters",
    "with_drift_metrics",
    "Detected",
    "Draft",
    "Scaffold",
    "detect_columns",
    "draft_policy",
    "init_project",
    "safe_name",
    "outcome_read_from",
    "DECISIONS_FILE",
    "EvidenceDisplay",
    "FOUR_FIFTHS",
    "FourFifthsDisplay",
    "NOTEBOOK_ONLY_TAG",
    "ReportFigure",
    "ReportTable",
    "SignalEvidence",
    "auc_delong",
    "figure_of",
    "report_header",
    "report_table",
    "roc_points",
    "signal_evidence",
    "signoff_block",
    "status_html",
    "table_html",
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
