"""What the tests share besides fixtures: paths, small policies, histories, files.

Test modules import from here (``from _support import make_policy``); ``conftest.py``
holds only fixtures and hooks. pytest puts ``tests/`` on ``sys.path`` when it loads
``tests/conftest.py`` (the default "prepend" import mode; ``tests/`` is no package), so
this works for the whole run and for a single file alike.
"""

from __future__ import annotations

import copy
import math
import textwrap
import zipfile
from pathlib import Path

import yaml

import trustlab

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[1]

# ----------------------------------------------------------------------------- make_policy

SIGNAL = {"name": "p", "kind": "probability", "model": "m", "higher_means": "risk"}
"""The one signal of :func:`make_policy`'s base: probability ``p``, higher means risk."""

ACTIONS = {"approve": {"automated": True, "favourable": True},
           "decline": {"automated": True},
           "review": {"automated": False}}
"""Approve (favourable), decline (automated), review (a person)."""

RULES = [
    {"id": "missing", "when": "p is missing", "then": "review", "because": "No score."},
    {"id": "high", "when": "p >= 0.5", "then": "decline", "because": "High."},
    {"id": "low", "when": "p < 0.2", "then": "approve", "because": "Low."},
    {"id": "mid", "otherwise": True, "then": "review", "because": "Mid."},
]
"""No score: review; ``p >= 0.5``: decline; ``p < 0.2``: approve; otherwise review."""

VALUES = {"approve": {"good": 100, "bad": -1000}, "decline": {"good": -20, "bad": 0},
          "review": {"cost": 10}}
"""An approval earns 100 or loses 1000, a decline costs 20 when it was good, a review 10."""

RECORDED = {"decision": "human", "map": {"yes": "approve", "no": "decline"}}
"""Recorded human decisions in column ``human``: ``yes`` approves, ``no`` declines."""

OUTCOMES = {"label": "bad", "values": VALUES, "reviewer": {**RECORDED, "accuracy": 0.9},
            "window": "1D"}
"""Outcome ``bad``, :data:`VALUES`, a reviewer recorded in ``human`` (accuracy 0.9 elsewhere),
reviews counted by day."""

BASE_SECTIONS = {
    "trustlab": 1,
    "name": "tiny",
    "version": "1",
    "owner": "o",
    "columns": {"id": "key", "time": "t"},
    "signals": [SIGNAL],
    "actions": ACTIONS,
    "rules": RULES,
    "outcomes": OUTCOMES,
}
"""The policy :func:`make_policy` starts from, over columns key, t, p, bad, human."""

_ORDER = ("trustlab", "name", "version", "owner", "description", "mode", "columns", "signals",
          "actions", "rules", "guardrails", "kill_switch", "outcomes", "segments", "checks",
          "promotion", "fairness")


class _Dumper(yaml.SafeDumper):
    """Plain YAML: a section used twice is written out twice, never as an anchor and alias."""

    def ignore_aliases(self, data):
        return True


def make_policy(**sections) -> str:
    """The text of a valid policy: :data:`BASE_SECTIONS` with each keyword's section in place.

    A keyword replaces a top-level section or adds one (``guardrails=[...]``,
    ``checks=[...]``, ``fairness={...}``, ``mode="supervised"``); ``None`` removes it (and
    a key whose value is ``None`` at any depth: ``outcomes={**OUTCOMES, "window": None}``).
    Values are plain Python (dicts, lists, text, numbers), written as YAML in the
    format's order of sections; the base's parts (:data:`RULES`, :data:`OUTCOMES`, ...)
    are there to build on: ``outcomes={**OUTCOMES, "window": "1W"}``.

    Examples
    --------
    >>> text = make_policy(name="swap", rules=RULES[2:], outcomes=None)
    >>> trustlab.parse_policy(text).name
    'swap'
    """
    merged = _without_none({**copy.deepcopy(BASE_SECTIONS), **copy.deepcopy(sections)})
    order = [k for k in _ORDER if k in merged] + [k for k in merged if k not in _ORDER]
    return yaml.dump({k: merged[k] for k in order}, Dumper=_Dumper, sort_keys=False,
                     default_flow_style=None, width=10_000, allow_unicode=True)


def _without_none(value):
    """``value`` with every mapping key whose value is ``None`` left out, at any depth, and
    numpy numbers as Python's."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_without_none(v) for v in value]
    if type(value).__module__ == "numpy":
        return value.item()
    return value


def write_policy(folder, file: str = "policy.yaml", **sections) -> Path:
    """:func:`make_policy`'s text written to ``folder/file``; the path."""
    path = Path(folder) / file
    path.write_text(make_policy(**sections), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- tiny-credit

BASE = """\
trustlab: 1
name: tiny-credit
version: "1.0"
owner: Risk team <risk@example.com>
columns: {id: app_id, time: t}
signals:
  - {name: p, kind: probability, model: m@1, higher_means: risk}
actions:
  approve: {automated: true, favourable: true}
  decline: {automated: true, reversible: false}
  review: {automated: false}
rules:
  - id: no-score
    when: p is missing
    then: review
    because: No score.
  - id: big
    when: amount > 100
    then: review
    escalate: senior
    because: Amount {amount:,.0f} is over 100.
  - id: high
    when: p >= 0.5
    then: decline
    because: Risk {p:.0%} is high.
  - id: low
    when: p < 0.2 and grade in ['A', 'B']
    then: approve
    because: Risk {p:.0%} is low for grade {grade}.
  - id: rest
    otherwise: true
    then: review
    because: A person decides.
"""
"""The tiny-credit policy as text (tests of the text itself: lines, edits, hashes)."""


def policy_text(extra: str = "", base: str = BASE) -> str:
    """The tiny policy with ``extra`` YAML appended."""
    return base + textwrap.dedent(extra)


# (action, rule) for each row of the tiny_frame fixture, worked out by hand:
EXPECTED_TINY = [
    ("approve", "low"),      # p .1, grade A
    ("review", "no-score"),  # p missing
    ("decline", "high"),     # p .6
    ("review", "big"),       # amount 150 before p
    ("review", "rest"),      # p .3
    ("review", "rest"),      # p .1 but grade C
    ("decline", "high"),     # p .7
    ("approve", "low"),      # p .15 grade B
    ("approve", "low"),      # amount missing: `amount > 100` unknown, does not fire
    ("review", "big"),       # amount 200
]

# ----------------------------------------------------------------------------- shipped policies

CREDIT = REPO / "policies" / "consumer-credit.yaml"
"""The example credit policy the simulation tests replay."""


def credit_text(edits: dict[str, str] | None = None) -> str:
    """The example credit policy's text with each ``old: new`` edit made (each ``old`` present)."""
    text = CREDIT.read_text()
    for old, new in (edits or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def retention_text() -> str:
    """The shipped retention policy's text without its `fairness` section (the last one in
    the file), for tests that declare their own protected attributes."""
    text = (REPO / "policies" / "retention-offer.yaml").read_text(encoding="utf-8")
    cut = text.index("\nfairness:")
    return text[:cut].rsplit("\n# 1.1.0", 1)[0] + "\n"


def retention_policy(folder, fairness: str = "fairness: {protected: [age_band]}\n"
                     ) -> trustlab.Policy:
    """The shipped retention policy with ``fairness`` in place of its own section (empty:
    none), written in ``folder`` and loaded."""
    path = Path(folder) / "retention-offer-fair.yaml"
    path.write_text(retention_text() + fairness, encoding="utf-8")
    return trustlab.load_policy(path)


# ----------------------------------------------------------------------------- histories

def age_driven_history(seed: int = 0):
    """The retention history as a team's CSV reads (text as ``str``, a float32, a nullable
    Int64 with gaps), its churn redrawn so that the protected age band decides it."""
    import numpy as np
    import pandas as pd

    from trustlab.datasets import make_retention_history

    df = make_retention_history(n_days=28, customers_per_day=30, seed=seed)
    rng = np.random.default_rng(seed)
    old = (df["age_band"] == "55+").to_numpy()
    churned = rng.random(len(df)) < np.where(old, 0.75, 0.08)
    tenure = df["tenure_months"].astype("Int64")
    tenure[rng.random(len(df)) < 0.05] = pd.NA
    return df.drop(columns=["p_churn", "true_p_churn"]).assign(
        churned=pd.array(np.where(churned, "Yes", "No"), dtype="str"),
        monthly_charge=df["monthly_charge"].astype("float32"),
        tenure_months=tenure)


def write_cuts(frame, folder, cuts) -> Path:
    """``frame`` as Parquet files cut at row positions ``cuts`` (``part-00.parquet``…) in a new
    folder, in row order: uneven parts, cut wherever the positions fall."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    bounds = [0, *cuts, len(frame)]
    for i, (a, b) in enumerate(zip(bounds, bounds[1:])):
        frame.iloc[a:b].to_parquet(folder / f"part-{i:02d}.parquet")
    return folder


DRIFT_COLUMNS = ["channel", "loan_amount", "annual_income", "debt_to_income",
                 "credit_history_years", "delinquencies_2y", "employment_years", "grade",
                 "purpose", "p_default", "underwriter_decision", "defaulted"]
"""The synthetic history's columns the drift-in-parts tests monitor."""


def drifting_history(seed: int):
    """120 days of applications whose debt-to-income drifts and gain a broker channel, and a
    reference of its first eight weeks with levels learned from its weekly windows."""
    from trustlab.datasets import FeatureDrift, NewChannel, make_history
    from trustlab.drift import Reference

    history = make_history(n_days=120, applications_per_day=60, seed=seed, scenarios=[
        FeatureDrift("2025-03-12", "debt_to_income", 8.0), NewChannel("2025-03-20", share=0.3)])
    early = history[history["decision_time"] < "2025-02-26"]
    return history, Reference.from_data(early, DRIFT_COLUMNS, time="decision_time", window="1W")


# ----------------------------------------------------------------------------- model files

def log1p_model_file(path) -> Path:
    """A fitted four-row pipeline whose first step applies ``math.log1p`` (a function no
    default trusted list holds), saved with skops at ``path``; the path."""
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import FunctionTransformer

    from trustlab.signals import build_pipeline, save_model

    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0]})
    model = build_pipeline(X, LogisticRegression()).fit(X, [0, 0, 1, 1])
    model.steps[0][1].transformers_[0][1].steps.insert(0, ("log", FunctionTransformer(math.log1p)))
    return save_model(model, path)


def tampered_model_file(folder) -> Path:
    """A skops file edited to call ``os.system`` where the saved model called ``math.log1p``
    (``folder/bad.skops``, made from ``folder/good.skops``); the path."""
    folder = Path(folder)
    good = log1p_model_file(folder / "good.skops")
    bad = folder / "bad.skops"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.namelist():
            data = zin.read(item)
            if item == "schema.json":
                data = data.replace(b'"math"', b'"os"').replace(b'"log1p"', b'"system"')
            zout.writestr(item, data)
    return bad


def text_with_gaps(history, columns, share: float, seed: int, dtype="object"):
    """A copy of ``history`` whose text ``columns`` miss about ``share`` of their values
    (drawn by ``seed``) and hold ``dtype`` (object, category, str, string[pyarrow])."""
    import numpy as np

    out = history.copy()
    rng = np.random.default_rng(seed)
    for c in columns:
        out[c] = out[c].astype(object)
        out.loc[rng.random(len(out)) < share, c] = None
        out[c] = out[c].astype(dtype)
    return out
