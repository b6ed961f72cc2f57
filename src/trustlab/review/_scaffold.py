"""A team's trustlab project, started from their own history: ``trustlab init``.

:func:`detect_columns` reads a history and guesses which column is the row
key, the decision time, the outcome (and which of its values is bad) and the
model signal, saying for each guess how it was made. :func:`draft_policy`
turns those guesses into a starter policy whose thresholds come from the
signal's quantiles in the data and whose checks are the values the draft
measures on it, every guess marked ``DRAFT`` for the owner to confirm.
:func:`init_project` writes the folder: the notebooks (outputs cleared,
parameters pointing at the team's data and policy), ``policies/``, a glossary
stub listing the features and a README of next steps.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .._errors import ConfigError, DataError, Problem

__all__ = ["Detected", "Draft", "Scaffold", "detect_columns", "draft_policy", "init_project"]

Favourable = Literal["low-risk", "high-risk"]

_ID_NAME = re.compile(r"(^id$|_id$|^id_|key$|_no$|number$|^uuid$)", re.I)
_TIME_NAME = re.compile(r"(date|time|month|_at$|_on$|issued|created|period|^ts$|timestamp)",
                        re.I)
_LABEL_NAME = re.compile(r"(label|target|outcome|class|default|churn|fraud|^bad|_bad$|^y$|"
                         r"charged|repaid|credit_?risk|creditability|^left$|exited|attrit|"
                         r"lapsed|cancel|delinquen|write_?off|chargeback|dispute)", re.I)
_LABEL_WEAK = re.compile(r"(status|^is_|^has_|flag)", re.I)
_SIGNAL_NAME = re.compile(r"(^p_|_p$|prob|score|pred|risk|pd$)", re.I)
_BAD_WORDS = re.compile(r"^(1|1\.0|true|yes|y|bad|default(ed)?|charged.?off|churn(ed)?|"
                        r"fraud(ulent)?|late|written.?off|delinquent|lost|left|cancel+ed)$",
                        re.I)
_GOOD_WORDS = re.compile(r"^(0|0\.0|false|no|n|good|paid|fully.?paid|current|stayed|"
                         r"genuine|legit(imate)?|active|retained)$", re.I)


@dataclass(frozen=True)
class Detected:
    """What :func:`detect_columns` made of a history; ``notes`` say how, one per guess.

    Attributes
    ----------
    id, time, label, signal : str or None
        The row key, decision time, outcome and model-signal columns (None:
        none found; a missing signal is trained by the review).
    bad_when : tuple of str
        The outcome values meaning bad, as text.
    signal_kind : {"probability", "score"}
    higher_means : {"risk", "benefit"}
    features : tuple of str
        The other columns: what a trained signal may read and the glossary lists.
    notes : tuple of str
        One sentence per guess, for the draft's comments and the command's output.
    """

    id: str | None
    time: str | None
    label: str
    bad_when: tuple[str, ...]
    signal: str | None
    signal_kind: str
    higher_means: str
    features: tuple[str, ...]
    notes: tuple[str, ...]


def _identifier(name: str) -> bool:
    return re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) is not None


def _detect_id(data: pd.DataFrame, given: str | None) -> tuple[str | None, str]:
    if given:
        return given, f"row key: '{given}' (given)"
    for c in data.columns:
        s = data[c]
        if _ID_NAME.search(str(c)) and not pd.api.types.is_float_dtype(s) \
                and s.notna().all() and s.is_unique:
            return str(c), f"row key: '{c}' (named like a key, a unique value on every row)"
    return None, "row key: none found (no column named like a key with unique values)"


def _detect_time(data: pd.DataFrame, given: str | None) -> tuple[str | None, str]:
    from ..engine import read_times

    candidates = [given] if given else [
        c for c in data.columns
        if pd.api.types.is_datetime64_any_dtype(data[c]) or _TIME_NAME.search(str(c))]
    for c in candidates:
        reading = read_times(data[c].dropna(), column=str(c))
        if reading.ns is not None and data[c].notna().any():
            why = "given" if given else "named like a time"
            return str(c), f"decision time: '{c}' ({why}; {reading.how})"
        if given:
            raise DataError(f"Column '{c}'", [Problem("--time", reading.why or "unreadable")])
    return None, ("decision time: none found; windowed guardrails, drift and workload per "
                  "day need one (`columns.time`)")


def _yaml_scalars(s: pd.Series, values: tuple[str, ...]) -> list[str]:
    """``values`` (label values as text) written as YAML scalars of the label's type."""
    if pd.api.types.is_bool_dtype(s.dropna().dtype) or values == ("True",):
        return ["true"]
    if pd.api.types.is_numeric_dtype(s.dtype):
        return [format(float(v), "g") for v in values]
    return [_yaml_text(v) for v in values]


def _bad_values(s: pd.Series) -> tuple[tuple[str, ...], str]:
    """The label values (as text) meaning bad, and how they were told."""
    values = s.dropna()
    text = values.astype(str)
    distinct = sorted(text.unique())
    bad = [v for v in distinct if _BAD_WORDS.match(v.strip())]
    if pd.api.types.is_bool_dtype(values.dtype) or set(distinct) <= {"True", "False"}:
        return ("True",), "true means bad"
    if len(bad) == 1 or (bad and len(bad) < len(distinct)):
        return tuple(bad), f"{', '.join(map(repr, bad))} read as bad by its name"
    good = [v for v in distinct if _GOOD_WORDS.match(v.strip())]
    if len(distinct) == 2 and len(good) == 1:
        other = [v for v in distinct if v != good[0]]
        return tuple(other), f"{other[0]!r} read as bad, {good[0]!r} being the good value"
    rarest = text.value_counts().idxmin()
    return (str(rarest),), f"{rarest!r} read as bad, being the rarest value"


def _label_score(name: str, s: pd.Series) -> int:
    """How much a column looks like the outcome: its name, two values, good/bad words."""
    values = s.dropna().astype(str).str.strip().unique()
    if not 2 <= len(values) <= 8:
        return 0
    named = 3 if _LABEL_NAME.search(name) else 1 if _LABEL_WEAK.search(name) else 0
    worded = 3 if any(_BAD_WORDS.match(v) for v in values) and \
        any(_GOOD_WORDS.match(v) for v in values) else 0
    return named + (2 if len(values) == 2 else 0) + worded if named else 0


def _detect_label(data: pd.DataFrame, given: str | None, skip: set[str]
                  ) -> tuple[str, tuple[str, ...], str]:
    if given and given not in data.columns:
        raise DataError(f"Column '{given}'", [Problem("--label", "is not in the data; columns: "
                                                      + ", ".join(map(str, data.columns)))])
    scores = {str(c): _label_score(str(c), data[c]) for c in data.columns if c not in skip}
    best = given or max(scores, key=scores.get, default=None)  # first of the best
    if best is None or (not given and scores[best] < 3):
        raise DataError("Outcome column", [Problem(
            "--label", "no column looks like an outcome (a name such as 'defaulted', "
                       "'churned' or 'class' with 2 to 8 values); name it with --label")])
    bad, how = _bad_values(data[best])
    why = "given" if given else "named like an outcome"
    return best, bad, f"outcome: '{best}' ({why}; {how})"


def _detect_signal(data: pd.DataFrame, given: str | None, label: str, bad: tuple[str, ...],
                   skip: set[str]) -> tuple[str | None, str, str, str]:
    numeric = [c for c in data.columns if c not in skip
               and pd.api.types.is_float_dtype(data[c]) and _SIGNAL_NAME.search(str(c))]
    c = given or (numeric[0] if numeric else None)
    if c is None:
        return None, "probability", "risk", (
            f"signal: none in the data; the draft names p_{label}, which the review trains "
            "out of fold from the other columns")
    s = pd.to_numeric(data[c], errors="coerce")
    kind = "probability" if s.dropna().between(0, 1).all() else "score"
    labelled = data[label].notna() & s.notna()
    y = data.loc[labelled, label].astype(str).isin(bad).to_numpy()
    higher = "risk"
    if 0 < y.sum() < len(y):
        from sklearn.metrics import roc_auc_score

        auc = roc_auc_score(y, s[labelled].to_numpy(dtype=float))
        higher = "risk" if auc >= 0.5 else "benefit"
        how = f"higher means {higher}: AUC {max(auc, 1 - auc):.2f} for the bad outcome"
    else:
        how = "higher means risk (no labelled rows of both outcomes to tell)"
    why = "given" if given else "a number column named like a score"
    return str(c), kind, higher, f"signal: '{c}' ({why}; a {kind}; {how})"


def detect_columns(data: pd.DataFrame, *, id: str | None = None, time: str | None = None,
                   label: str | None = None, signal: str | None = None) -> Detected:
    """Guess the row key, time, outcome and signal columns of a history.

    Every argument given is taken as is (and checked); the others are guessed
    from names and values, each guess stated in :attr:`Detected.notes`.

    Raises
    ------
    trustlab.DataError
        When no outcome column can be found (name it with ``label``), or a
        named column is absent or unreadable.
    """
    for option, name in (("--id", id), ("--time", time), ("--signal", signal)):
        if name and name not in data.columns:
            raise DataError(f"Column '{name}'", [Problem(option, "is not in the data; "
                                                 "columns: " + ", ".join(map(str, data.columns)))])
    id_col, id_note = _detect_id(data, id)
    time_col, time_note = _detect_time(data, time)
    skip = {c for c in (id_col, time_col) if c}
    label_col, bad, label_note = _detect_label(data, label, skip)
    skip.add(label_col)
    sig, kind, higher, sig_note = _detect_signal(data, signal, label_col, bad, skip)
    features = tuple(str(c) for c in data.columns if c not in skip | {sig})
    return Detected(id_col, time_col, label_col, bad, sig, kind, higher, features,
                    (id_note, time_note, label_note, sig_note))


@dataclass(frozen=True)
class Draft:
    """A starter policy: its YAML ``text`` and what it was drafted from."""

    text: str
    detected: Detected

    def _repr_html_(self) -> str:  # pragma: no cover - display only
        import html

        return f"<pre>{html.escape(self.text)}</pre>"


def _line(value: float) -> float:
    """A threshold people can read: two significant digits."""
    if value == 0 or not math.isfinite(value):
        return 0.0
    digits = 1 - int(math.floor(math.log10(abs(value))))
    return round(value, max(digits, 0))


def _places(value: float) -> int:
    """Decimal places that show ``value`` (a line, two significant digits) as written.

    Examples
    --------
    >>> _places(33), _places(3.2), _places(0.38), _places(0)
    (0, 1, 2, 0)
    """
    if value == 0 or not math.isfinite(value):
        return 0
    return max(0, 1 - int(math.floor(math.log10(abs(value)))))


def _quote(name: str) -> str:
    return name if _identifier(name) else f"`{name}`"


def _yaml_text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _window(data: pd.DataFrame, time: str | None) -> str:
    """The ``outcomes.window`` line: a calendar month for month stamps, else a day (none
    without a time column)."""
    if time is None:
        return ""
    from ..engine import read_times

    ns = read_times(data[time].dropna(), column=time).ns
    stamps = pd.to_datetime(ns, utc=True)
    monthly = bool((stamps.day == 1).all() and (stamps.hour == 0).all())
    return f"  window: {'1M' if monthly else '1D'}\n"


def _skeleton(d: Detected, name: str, owner: str, favourable: Favourable,
              lines: tuple[float, float], window: str, bad: list[str]) -> str:
    """The draft's YAML text, checks still to be measured (``{checks}``)."""
    sig = d.signal or f"p_{d.label}"
    s = _quote(sig)
    high, low = max(lines), min(lines)
    pct = d.signal_kind == "probability"
    places = _places(min(abs(high), abs(low)) * (100 if pct else 1))
    fmt = f":.{places}%" if pct else f":.{places}f"
    shown = (lambda v: f"{v:.{places}%}") if pct else (lambda v: f"{v:.{places}f}")
    risky = ">=" if d.higher_means == "risk" else "<"
    safe = "<" if d.higher_means == "risk" else ">="
    hi, lo = (high, low) if d.higher_means == "risk" else (low, high)
    if favourable == "low-risk":
        actions = ("  approve: {automated: true, favourable: true}     # DRAFT: rename to your "
                   "decision's words\n"
                   "  decline: {automated: true, reversible: false}\n"
                   "  review:  {automated: false, queue: review-team}")
        rules = [("high-risk", f"{s} {risky} {hi}", "decline",
                  f"Signal {{{sig}{fmt}}} is past the decline line of {shown(hi)}."),
                 ("low-risk", f"{s} {safe} {lo}", "approve",
                  f"Signal {{{sig}{fmt}}} is on the safe side of the approve line of "
                  f"{shown(lo)}.")]
        catch, fallback, vals = "review", "review", (
            "    approve: {good: 1, bad: -5}    # DRAFT: the value of each decision in money\n"
            "    decline: {good: -1, bad: 0}\n"
            "    review:  {cost: 0.2}")
        catch_why = f"A signal between {shown(lo)} and {shown(hi)} needs a person's judgement."
    else:
        actions = ("  act:       {automated: true, favourable: true, right_when: bad}   # DRAFT: "
                   "an offer, a hold: rename\n"
                   "  no_action: {automated: true, right_when: good, safe: true}\n"
                   "  review:    {automated: false, queue: review-team}")
        rules = [("high-risk", f"{s} {risky} {hi}", "act",
                  f"Signal {{{sig}{fmt}}} is past the action line of {shown(hi)}."),
                 ("watch", f"{s} {risky} {lo}", "review",
                  f"Signal {{{sig}{fmt}}} is between {shown(lo)} and {shown(hi)}; a person "
                  "decides.")]
        catch, fallback, vals = "no_action", "review", (
            "    act:       {good: -1, bad: 3}   # DRAFT: the value of each decision in money\n"
            "    no_action: {good: 0, bad: -5}\n"
            "    review:    {cost: 0.2}")
        catch_why = f"Signal {{{sig}{fmt}}} is on the quiet side of {shown(lo)}."
    notes = "\n".join(f"#   - {n}" for n in d.notes)
    columns = "".join(f"  {k}: {_yaml_text(v)}\n" for k, v in (("id", d.id), ("time", d.time))
                      if v)
    rule_text = "".join(
        f"  - id: {rid}\n    when: {_yaml_text(cond)}\n    then: {then}\n"
        f"    because: {_yaml_text(why)}\n" for rid, cond, then, why in rules)
    return f"""# A starter policy drafted by `trustlab init` from the data. Every line marked
# DRAFT is a guess for the owner to confirm or change; nothing here is a
# decision anyone has taken yet. What was detected:
{notes}
trustlab: 1
name: {name}
version: 0.1.0
owner: {_yaml_text(owner)}   # DRAFT: the one person accountable for these decisions
description: >
  DRAFT starter policy over {_quote(sig)}: lines set at quantiles of the signal
  in the history; replace with the decision's intent in plain words.
mode: advisory

columns:
{columns or '  {}'}
signals:
  - name: {_yaml_text(sig)}
    kind: {d.signal_kind}
    model: {_yaml_text((sig if d.signal else 'trained-in-review') + '@draft')}   # DRAFT: the model's identity
    higher_means: {d.higher_means}

actions:
{actions}

rules:
  - id: model-unavailable
    when: "{s} is missing"
    then: {fallback}
    because: The model gave no signal, so a person decides.
{rule_text}  - id: otherwise
    otherwise: true
    then: {catch}
    because: {_yaml_text(catch_why)}

outcomes:
  label: {_yaml_text(d.label)}
  bad_when: [{', '.join(bad)}]   # DRAFT: the outcome values that mean bad
  values:
{vals}
  reviewer:
    accuracy: 0.85                 # DRAFT: how often a person makes the right call
{window}  unlabelled: exclude

checks:                            # DRAFT: measured on this history at init; set the bar
{{checks}}"""


def _quantile_lines(values: pd.Series, d: Detected, favourable: Favourable
                    ) -> tuple[float, float]:
    """The two lines of the draft, at quantiles of the signal's ``values``: the 50% and
    90% quantiles when the favourable side is the low risk, 60% and 80% otherwise."""
    s = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    if len(s) == 0:
        return (0.1, 0.3)
    qs = (0.5, 0.9) if favourable == "low-risk" else (0.6, 0.8)
    if d.higher_means == "benefit":
        qs = (1 - qs[1], 1 - qs[0])
    lo, hi = (_line(float(np.quantile(s, q))) for q in qs)
    return (lo, hi) if lo != hi else (lo, _line(hi * 1.5) or hi + 0.01)


def _checks_of(favourable: Favourable) -> tuple[tuple[str, str], ...]:
    """The draft's checks: metric and side (favourable decisions on the risky side want a
    high bad rate among them, on the safe side a low one)."""
    return (("automation_rate", "at_least"),
            ("bad_rate_favourable", "at_most" if favourable == "low-risk" else "at_least"),
            ("wrong_call_rate", "at_most"))


def _measured_checks(policy, filled: pd.DataFrame, favourable: Favourable) -> str:
    """The draft's checks at the values its replay on ``filled`` measures, with a margin."""
    from ..simulate import replay

    r = replay(policy, filled, seed=0)
    out = []
    for metric, side in _checks_of(favourable):
        value = r.metric(metric)
        if value is None or not math.isfinite(float(value)):
            continue
        v = float(value)
        bound = math.floor(v * 0.9 * 100) / 100 if side == "at_least" else \
            min(1.0, math.ceil((v * 1.1 + 0.005) * 100) / 100)
        out.append(f"  - metric: {metric}\n    {side}: {bound:g}          # measured "
                   f"{v:.3f} at init\n")
    return "".join(out) or "  []\n"


def draft_policy(data: pd.DataFrame, *, name: str = "starter", owner: str = "DRAFT owner",
                 favourable: Favourable = "low-risk", id: str | None = None,
                 time: str | None = None, label: str | None = None,
                 signal: str | None = None, measure: bool = True) -> Draft:
    """A starter policy for ``data`` (see :func:`detect_columns` for the guesses).

    Parameters
    ----------
    data : pandas.DataFrame
        The team's history: outcomes, and a model signal when they have one.
    name, owner : str
        The policy's name and accountable owner.
    favourable : {"low-risk", "high-risk"}
        Which side the favourable automated action goes to: ``low-risk``
        (approve the safe side, decline the risky side: credit) or
        ``high-risk`` (act on the risky side: a retention offer, a fraud hold).
    id, time, label, signal : str, optional
        Columns named by the user instead of guessed.
    measure : bool, default True
        Replay the draft (training a missing signal out of fold) and write
        its checks at the values measured, with a margin; False writes none.
    """
    from ..policy import parse_policy

    if favourable not in ("low-risk", "high-risk"):
        raise ConfigError("init", [Problem("--favourable", "must be low-risk or high-risk; "
                                                           f"got {favourable!r}")])
    d = detect_columns(data, id=id, time=time, label=label, signal=signal)
    window, bad = _window(data, d.time), _yaml_scalars(data[d.label], d.bad_when)
    sig = d.signal or f"p_{d.label}"
    filled = data
    if d.signal is None and measure:  # the lines come from the signal the review will train
        from ..signals import train_missing_signals

        probe = _skeleton(d, name, owner, favourable, (0.1, 0.3), window, bad)
        probe_policy = parse_policy(probe.replace("{checks}", "  []\n"), source="draft")
        filled, _ = train_missing_signals(data, probe_policy, seed=0)
        d = replace(d, notes=d.notes[:-1] + (
            d.notes[-1] + "; the lines are at quantiles of that signal, trained at init",))
    lines = _quantile_lines(filled[sig], d, favourable) if sig in filled.columns else (0.1, 0.3)
    skeleton = _skeleton(d, name, owner, favourable, lines, window, bad)
    checks = "  []\n"
    if measure:
        policy = parse_policy(skeleton.replace("{checks}", "  []\n"), source="draft")
        checks = _measured_checks(policy, filled, favourable)
    text = skeleton.replace("{checks}", checks)
    parse_policy(text, source="draft")  # the draft is a valid policy
    return Draft(text, d)


@dataclass(frozen=True)
class Scaffold:
    """What :func:`init_project` wrote: the ``folder``, its ``policy`` and the detections."""

    folder: Path
    policy: Path
    data: str
    detected: Detected | None

    def __str__(self) -> str:
        return (f"Started a trustlab project in {self.folder}: policy {self.policy.name}, "
                f"data {self.data}")


def _relative(target: Path, start: Path) -> str:
    """``target`` relative to ``start`` when that is short, else absolute."""
    try:
        rel = os.path.relpath(target, start)
    except ValueError:  # another drive
        return str(target)
    return rel if rel.count("..") <= 2 else str(target)


def _set_parameters(nb: dict, values: dict[str, object]) -> None:
    """Rewrite the defaults of ``values`` in the notebook's parameters cell, comments kept."""
    for cell in nb["cells"]:
        if "parameters" not in cell.get("metadata", {}).get("tags", []):
            continue
        source = cell["source"]
        lines = ("".join(source) if isinstance(source, list) else source).split("\n")
        for i, line in enumerate(lines):
            m = re.match(r"^(\w+)(\s*:\s*\w+\s*=\s*)(.*?)(\s+#.*)?$", line)
            if m and m.group(1) in values:
                lines[i] = (f"{m.group(1)}{m.group(2)}{json.dumps(values[m.group(1)])}"
                            f"{m.group(4) or ''}")
        cell["source"] = [line + "\n" for line in lines[:-1]] + [lines[-1]]


def _write_notebooks(folder: Path, values: dict[str, object],
                     special: dict[str, dict[str, object]]) -> None:
    """Copy the shipped notebooks, outputs cleared, parameters set to ``values`` (and, for
    the notebooks named in ``special``, to theirs). Plain JSON: no Jupyter package needed."""
    from .._resources import shipped

    (folder / "notebooks").mkdir()
    for src in sorted(shipped("notebooks").glob("*.ipynb")):
        nb = json.loads(src.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell.get("cell_type") == "code":
                cell["outputs"], cell["execution_count"] = [], None
        _set_parameters(nb, {**values, **special.get(src.name, {})})
        text = json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
        (folder / "notebooks" / src.name).write_text(text, encoding="utf-8")


def _glossary_stub(features: tuple[str, ...]) -> str:
    body = "".join(f"  {_yaml_text(f)}:\n    up: {_yaml_text('DRAFT: ' + f + ' raises the risk')}\n"
                   f"    down: {_yaml_text('DRAFT: ' + f + ' lowers the risk')}\n"
                   for f in features)
    return ("# Plain-language reasons: for each feature, the phrase shown when it raises the\n"
            "# risk (`up`) and when it lowers it (`down`). DRAFT: write them in your\n"
            "# customers' words; list protected attributes under `prohibited`.\n"
            f"glossary: 1\nfeatures:\n{body or '  {}'}\nprohibited: []\n")


_README = """# {name}: a trustlab project

Started by `trustlab init` on {data}. Nothing here is decided yet: the policy
is a draft for its owner.

What was detected in the data:

{notes}

## Next steps

1. Open `policies/{name}.yaml` and confirm or change every line marked
   `DRAFT` — the owner, the action names, the lines, the values of each
   decision in money, the reviewer's accuracy and the checks.
2. `trustlab validate policies/{name}.yaml {data}` — the policy is valid and
   its checks hold on the data (exit 0), or which fails (exit 1).
3. `trustlab review policies/{name}.yaml {data} -p glossary glossaries/{name}.yaml`
   — the full review: executed notebook, report, metrics, decision records
   and a manifest of hashes under `reviews/`.
4. Write the reasons' phrases in `glossaries/{name}.yaml`.
5. Explore in JupyterLab: `notebooks/` holds the design notebooks, their
   parameters already pointing at this data and policy.
"""


def init_project(folder: str | os.PathLike, data: str | os.PathLike | None = None, *,
                 name: str | None = None, favourable: Favourable = "low-risk",
                 id: str | None = None, time: str | None = None, label: str | None = None,
                 signal: str | None = None, owner: str = "DRAFT owner") -> Scaffold:
    """Start a trustlab project in ``folder`` (new or empty).

    With ``data``, the starter policy is drafted from it (:func:`draft_policy`)
    and the notebooks read it; without, the project starts from the shipped
    Lending Club example (its policy, glossary and data).

    Raises
    ------
    trustlab.ConfigError
        When ``folder`` exists and is not an empty folder.
    trustlab.DataError
        When ``data`` cannot be read or no outcome column is found.
    """
    from .._io import read_data
    from .._resources import shipped
    from ..policy import policy_schema
    from ._run import safe_name

    root = Path(folder)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise ConfigError(f"Folder '{root}'", [Problem(
            "DIR", "exists and is not empty; trustlab init never overwrites: give a new "
                   "folder")])
    detected = None
    if data is not None:
        frame = read_data(data)
        name = safe_name(name or Path(str(data)).name.split(".")[0]).lower()
        draft = draft_policy(frame, name=name, owner=owner, favourable=favourable, id=id,
                             time=time, label=label, signal=signal)
        detected, policy_text = draft.detected, draft.text
        glossary = _glossary_stub(detected.features)
    else:
        name = "lending-club-risk"
        policy_text = (shipped("policies") / f"{name}.yaml").read_text(encoding="utf-8")
        glossary = (shipped("glossaries") / "lending-club.yaml").read_text(encoding="utf-8")
    root.mkdir(parents=True, exist_ok=True)
    root = root.resolve()
    for sub in ("policies", "glossaries"):
        (root / sub).mkdir()
    policy_path = root / "policies" / f"{name}.yaml"
    (root / "policies" / "policy.schema.json").write_text(
        json.dumps(policy_schema(), indent=2) + "\n", encoding="utf-8")
    policy_path.write_text("# yaml-language-server: $schema=policy.schema.json\n" + policy_text,
                           encoding="utf-8")
    (root / "glossaries" / f"{name}.yaml").write_text(glossary, encoding="utf-8")
    data_text = _relative(Path(data).resolve(), root) if data is not None \
        else str(shipped("datasets") / "lending_club.csv")
    policy_text_path = f"policies/{name}.yaml"
    _write_notebooks(root, {
        "dataset": data_text if data is not None else "lending_club", "data": data_text,
        "policy": policy_text_path, "champion": "", "glossary": f"glossaries/{name}.yaml",
        "exclude": "", "segment": "", "label": "", "bad_when": "", "time": ""},
        {"05_change_review.ipynb": {"champion": policy_text_path}})
    notes = "\n".join(f"- {n}" for n in (detected.notes if detected else
                                         ("the shipped Lending Club example",)))
    (root / "README.md").write_text(_README.format(name=name, data=data_text, notes=notes),
                                    encoding="utf-8")
    return Scaffold(root, policy_path, data_text, detected)
