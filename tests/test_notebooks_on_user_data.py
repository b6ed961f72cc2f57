"""Every notebook runs on a team's own data, and says what that data cannot show.

Notebooks 01–08 are executed with papermill, in this environment's kernel and
with ``notebooks/`` as working directory (as ``trustlab review`` runs its
notebook), on the shipped real data: Lending Club (no decision times, no
recorded human decisions, no model score) and German credit (its outcome
column named otherwise than the policy says; once with a time column added).
Each run must succeed; each section that needs what the data lacks must say
so; and nothing synthetic may stand in: the shipped data folder is hidden
from the kernel (so the synthetic sample cannot be loaded), no notebook calls
the synthetic generator, and no output names a column only it makes.
"""

from __future__ import annotations

import re
import tempfile

import nbformat
import pandas as pd
import pytest

from _support import REPO, make_policy

pytestmark = pytest.mark.slow  # about two minutes on two shared cores

NOTEBOOKS = ("01_signals", "02_policy_design", "03_guardrails", "04_drift_and_trust",
             "05_change_review", "06_batch_or_real_time", "07_build_buy_and_readiness",
             "08_fairness")
LENDING = {"dataset": str(REPO / "datasets" / "lending_club.csv"),
           "policy": str(REPO / "policies" / "lending-club-risk.yaml")}
INTAKE = str(REPO / "policies" / "lending-club-intake.yaml")
NO_TIME = ("This data has no time column, so {} is skipped; give `time` (the column holding "
           "each decision's time) to run it.")
NO_RECORDED = ("This data has no recorded human decisions (the policy names no "
               "`outcomes.reviewer.decision` column), so {} is skipped")

# What each notebook must say it skipped on Lending Club, beyond running.
SKIPPED = {
    "01_signals": [],
    "02_policy_design": [NO_RECORDED.format("the swap analysis against recorded decisions"),
                         NO_TIME.format("the review capacity in the band grid")],
    "03_guardrails": [NO_TIME.format("the outage over days"),
                      NO_TIME.format("the human loop (reviews per window against capacity)"),
                      "Policy 'lending-club-risk' has no rate limit, so removing and tightening "
                      "one is skipped"],
    "04_drift_and_trust": [NO_TIME.format(s) for s in (
        "the failure rehearsal", "drift over time", "drift in parts",
        "the comparison of expected and realised bad rates", "trust over time",
        "the drift explorer")] + ["Policy 'lending-club-risk' has no drift brake"],
    "05_change_review": [NO_TIME.format(s) for s in ("the shadow run", "the rollout",
                                                     "the rollback")],
    "06_batch_or_real_time": [],
    "07_build_buy_and_readiness": [],
    "08_fairness": ["Policy 'lending-club-risk' declares no protected attributes, so the "
                    "comparisons below are skipped"],
}
# Small where a notebook repeats work (bootstrap replicates), so each run stays short.
EXTRA = {
    "02_policy_design": {"bootstrap": 20},
    "05_change_review": {"champion": INTAKE, "segment": "", "bootstrap": 20},
    "07_build_buy_and_readiness": {"champion": INTAKE},
    "08_fairness": {"bootstrap": 20},
}
SYNTHETIC_ONLY = ("defaulted_truth", "true_pd", "underwriter_decision", "decision_time",
                  "application_id", "make_history")
"""Names only the synthetic generator's histories hold (and the generator's own)."""

GERMAN_POLICY = dict(
    name="german-credit-risk", version="1.0", owner="Credit desk <credit@example.com>",
    columns=None,
    signals=[{"name": "p_bad", "kind": "probability", "model": "german-hgb@oof",
              "higher_means": "risk"}],
    actions={"grant": {"automated": True, "favourable": True},
             "refuse": {"automated": True, "reversible": False},
             "refer": {"automated": False, "queue": "credit-desk"}},
    rules=[{"id": "no-score", "when": "p_bad is missing", "then": "refer", "because": "No score."},
           {"id": "large", "when": "credit_amount > 15000", "then": "refer",
            "because": "{credit_amount:,.0f} DM is large."},
           {"id": "high", "when": "p_bad >= 0.5", "then": "refuse",
            "because": "Risk {p_bad:.0%} is high."},
           {"id": "low", "when": "p_bad < 0.15", "then": "grant",
            "because": "Risk {p_bad:.0%} is low."},
           {"id": "rest", "otherwise": True, "then": "refer", "because": "A person decides."}],
    kill_switch={"engaged": False, "then": "refer", "because": "Paused by the credit desk."},
    outcomes={"label": "outcome", "bad_when": "bad",
              "values": {"grant": {"good": 500, "bad": -2500}, "refuse": {"good": -100, "bad": 0},
                         "refer": {"cost": 30}},
              "reviewer": {"accuracy": 0.8}},
    segments=["housing", "purpose"],
    checks=[{"metric": "automation_rate", "at_least": 0.5}],
)
"""German credit's policy sections; its outcome column is named 'outcome', not the data's."""
PROTECTED = "personal_status_and_sex, age_in_years, foreign_worker"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Execute a notebook with parameters into a temporary folder; its outputs' text.

    The kernel is this interpreter's (``trustlab review``'s kernel manager);
    it sees no shipped data folder (``TRUSTLAB_DATA_DIR`` names an empty one)
    and one OpenMP thread (gradient boosting on two shared cores otherwise
    spins for minutes).
    """
    import papermill as pm

    from trustlab.review._run import _kernel_manager_class

    out = tmp_path_factory.mktemp("executed")
    empty = tmp_path_factory.mktemp("no-shipped-data")
    patch = pytest.MonkeyPatch()
    patch.setenv("TRUSTLAB_DATA_DIR", str(empty))
    patch.setenv("OMP_NUM_THREADS", "1")

    def execute(name: str, tag: str, parameters: dict) -> str:
        executed = out / f"{name}-{tag}.ipynb"
        with tempfile.TemporaryDirectory(prefix="trustlab-kernel-") as sockets:
            pm.execute_notebook(str(REPO / "notebooks" / f"{name}.ipynb"), str(executed),
                                parameters=parameters, cwd=str(REPO / "notebooks"),
                                kernel_name="python3", progress_bar=False,
                                execution_timeout=300,  # a lost kernel message fails, never hangs
                                kernel_manager_class=_kernel_manager_class(sockets))
        return _output_text(executed)

    yield execute
    patch.undo()


def _output_text(path) -> str:
    """Every printed, displayed or Markdown output of an executed notebook, as one text."""
    texts = []
    for cell in nbformat.read(str(path), as_version=4).cells:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream":
                texts.append(o["text"])
            for kind in ("text/markdown", "text/plain", "text/html"):
                texts.append(o.get("data", {}).get(kind, ""))
    return "\n".join(texts)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_notebook_runs_on_lending_club_and_says_what_it_skips(run, tmp_path, name):
    """Check each notebook runs on Lending Club with its risk policy, reads that file (scoring
    the missing signal out of fold), says which sections the data cannot support, and shows
    nothing synthetic."""
    extra = {"output_dir": str(tmp_path / "signals")} if name == "01_signals" else {}
    text = run(name, "lending-club", {**LENDING, **EXTRA.get(name, {}), **extra})
    assert "Data: " + LENDING["dataset"] + ", 9,857 rows" in text
    assert "Decision times: none (sections over time are skipped)" in text
    for sentence in SKIPPED[name]:
        assert sentence in text, sentence
    for marker in SYNTHETIC_ONLY:
        assert marker not in text, marker
    if name != "01_signals":  # 01 trains the signal itself; the others score it on reading
        assert "Signal 'p_default' is not in the data, so it was scored out of fold on 'Class'" \
            in text


def test_no_notebook_can_reach_the_synthetic_generator():
    """Check no notebook's code calls the synthetic generator or loads it by another name."""
    for name in NOTEBOOKS:
        code = "\n".join(c.source for c in nbformat.read(
            str(REPO / "notebooks" / f"{name}.ipynb"), as_version=4).cells
            if c.cell_type == "code")
        assert not re.search(r"make_history|ConceptShift|FeatureDrift|NewChannel|ModelOutage|"
                             r"load_synthetic_sample", code), name


@pytest.fixture(scope="module")
def german(tmp_path_factory):
    """German credit with a test-written policy whose outcome column is called 'outcome', and a
    copy of the data with an application time per row (about nine hours apart, in file order)."""
    folder = tmp_path_factory.mktemp("german")
    policy = folder / "german-credit-risk.yaml"
    policy.write_text(make_policy(**GERMAN_POLICY))
    data = pd.read_csv(REPO / "datasets" / "german_credit.csv")
    data.insert(0, "applied_on", (pd.Timestamp("2024-01-01") + pd.to_timedelta(
        pd.RangeIndex(len(data)) * 8.76, unit="h")).strftime("%Y-%m-%d %H:%M"))
    timed = folder / "german_timed.csv"
    data.to_csv(timed, index=False)
    return {"policy": str(policy), "plain": str(REPO / "datasets" / "german_credit.csv"),
            "timed": str(timed)}


def test_signals_on_german_credit_read_the_outcome_as_the_policy_names_it(run, german, tmp_path):
    """Check 01 trains the policy's signal on German credit's 'creditability' read as the
    policy's 'outcome', leaves the protected columns out, and needs no glossary."""
    text = run("01_signals", "german", {
        "dataset": german["plain"], "policy": german["policy"], "label": "creditability",
        "glossary": "", "exclude": PROTECTED, "output_dir": str(tmp_path / "signals")})
    assert "Outcomes are read from column 'creditability' as the policy's `outcomes.label` " \
           "'outcome'." in text
    assert "The model learns 'outcome' (bad outcome 'bad') and makes signal 'p_bad'" in text
    for column in ("personal_status_and_sex", "age_in_years", "foreign_worker"):
        assert re.search(column + r" +excluded by the policy owner", text), column
    assert (tmp_path / "signals" / "p_bad-card.json").is_file()
    for marker in SYNTHETIC_ONLY:
        assert marker not in text, marker


def test_drift_and_trust_on_german_credit_with_a_time_column(run, german):
    """Check 04 on German credit given `time`: the policy gains that time column (stated), every
    section over time runs on this data, and only what it still lacks is skipped."""
    text = run("04_drift_and_trust", "german-timed", {
        "dataset": german["timed"], "policy": german["policy"], "label": "creditability",
        "time": "applied_on", "exclude": PROTECTED, "window": "4W"})
    assert "Policy 'german-credit-risk' names no time column; here it reads 'applied_on' as its " \
           "`columns.time`" in text
    assert "Decision times: 'applied_on', 2024-01-01 00:00:00 to 2024-12-30 15:14:00" in text
    assert "Failures switched on from 2024-07-01:" in text
    assert "This data has no time column" not in text
    assert "Trust over time: german-credit-risk@1.0" in text
    assert "Policy 'german-credit-risk' has no drift brake" in text
    for marker in SYNTHETIC_ONLY:
        assert marker not in text, marker


def test_fairness_on_german_credit_with_its_protected_attributes(run, german, tmp_path):
    """Check 08 on German credit with a copy of its policy declaring protected attributes: the
    scored signal reads none of them, the disparity (two attributes crossed) and the proxies
    are measured, and the chosen pair of lines replays to the search's numbers."""
    policy = tmp_path / "german-credit-fair.yaml"
    policy.write_text(make_policy(**GERMAN_POLICY, fairness={
        "protected": ["foreign_worker", "personal_status_and_sex"], "min_group": 30}))
    text = run("08_fairness", "german", {
        "dataset": german["plain"], "policy": str(policy), "label": "creditability",
        "cross": "foreign_worker, personal_status_and_sex", "exclude": "age_in_years",
        "bootstrap": 20})
    assert "Protected: foreign_worker, personal_status_and_sex; reference groups: none" in text
    assert "Signal 'p_bad' is not in the data, so it was scored out of fold" in text
    assert "- foreign_worker: a protected attribute (`fairness.protected`), never a model " \
           "feature; rules reading it: none" in text
    assert "foreign_worker × personal_status_and_sex" in text
    assert "Lines moved: rule 'low' (favourable) and rule 'high'; groups of 'foreign_worker'" \
        in text
    assert "The search cannot apply this rate limit" not in text
    assert "replay equals the search on every number: True" in text
    for marker in SYNTHETIC_ONLY:
        assert marker not in text, marker
