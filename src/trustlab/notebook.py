"""What the shipped notebooks share: reading their parameters and history, and rehearsing failures.

Notebooks call public names only (``from trustlab import notebook as nb``); the
logic lives here so that it is tested once, in ``tests/``. A team's own
notebooks may use these helpers too.

Notebooks keep a ``parameters`` cell of plain values (papermill injects
overrides after it) and then call :func:`check_parameters`, which refuses
unknown names and wrong types in one clear error (papermill itself only
warns about an unknown parameter).

Every notebook reads its data the same way: :func:`read_history` takes the
``dataset``, ``policy``, ``label``, ``bad_when`` and ``time`` parameters and
returns a :class:`History` that knows what the data lacks (decision times,
outcomes, recorded human decisions, a row key). A section that needs one
asks :meth:`History.needs`, which says in the notebook what is skipped and
which parameter would run it; nothing is made up in its place. The failures
a notebook rehearses (:func:`with_failure`, :func:`rehearse`) are switched
on in the team's own history.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._errors import ConfigError, DataError, PolicyError, Problem
from ._resources import project_root, repo_path

from .review import read_parameters
from .simulate import Alternatives, search_alternatives, threshold_rule, threshold_rules

if TYPE_CHECKING:  # pragma: no cover
    from .policy import Policy

__all__ = ["SHIPPED_DATASETS", "ESTIMATORS", "FAILURES", "NEEDS", "History", "cautious_unlabelled",
           "check_parameters",
           "failure_unavailable", "load_dataset", "make_estimator",
           "notebook_parameters", "outcome_gap", "output_folder", "read_history", "read_parameters", "rehearse",
           "project_root", "rate_limit_id", "repo_path", "Alternatives", "search_alternatives", "say", "scratch_folder", "split_list", "stage_start",
           "threshold_rule", "with_failure", "with_signals", "with_time_column"]

#: Estimator names a notebook parameter may give.
ESTIMATORS = ("hgb", "logistic")

SHIPPED_DATASETS = ("lending_club", "german_credit", "synthetic")


def load_dataset(name_or_path: str | os.PathLike, *policies) -> pd.DataFrame:
    """A shipped data set by name, or a CSV/Parquet file or Parquet folder by path.

    ``policies`` (the policy under review first, then a champion) say which CSV
    columns are read as text (row keys such as ``007``, columns compared with
    text), as :func:`trustlab._io.read_data` does for the command line.

    Examples
    --------
    >>> len(load_dataset("german_credit"))
    1000
    """
    from . import datasets
    from ._io import is_url, read_data

    loaders = dict(zip(SHIPPED_DATASETS, (datasets.load_lending_club,
                                          datasets.load_german_credit,
                                          datasets.load_synthetic_sample)))
    if str(name_or_path) in loaders:
        return loaders[str(name_or_path)]()
    given = [p for p in policies if p is not None]
    text = tuple(c for p in given[1:] for c in p.text_columns)
    where = name_or_path if is_url(name_or_path) else repo_path(name_or_path)
    return read_data(where, policy=given[0] if given else None, text_columns=text)


def split_list(text: str) -> list[str] | None:
    """``"a, b"`` → ``["a", "b"]``; an empty string → ``None``.

    Examples
    --------
    >>> split_list("loan_amount, grade"), split_list("")
    (['loan_amount', 'grade'], None)
    """
    items = [t.strip() for t in str(text).split(",") if t.strip()]
    return items or None


def check_parameters(values: Mapping[str, object], declared: Mapping[str, object],
                     choices: Mapping[str, tuple] | None = None, notebook: str = "notebook") -> None:
    """Refuse parameters a notebook does not declare, of the wrong type, or outside their choices.

    Parameters
    ----------
    values : mapping
        The parameter values as the notebook sees them (name → value).
    declared : mapping
        Name → default value, from the notebook's parameters cell.
    choices : mapping, optional
        Name → allowed values.

    Examples
    --------
    >>> check_parameters({"seed": 1}, {"seed": 0})
    >>> check_parameters({"sead": 1}, {"seed": 0})
    Traceback (most recent call last):
    ...
    trustlab._errors.ConfigError: Parameters of notebook: sead: unknown parameter. Did you mean 'seed'? Parameters: seed
    """
    import difflib

    problems = []
    for name, value in values.items():
        if name not in declared:
            close = difflib.get_close_matches(name, list(declared), n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            problems.append(Problem(name, f"unknown parameter.{hint} Parameters: "
                                          f"{', '.join(declared)}"))
            continue
        default = declared[name]
        if default is not None and not isinstance(value, type(default)) and not (
            isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool)
        ) and not (  # papermill's -p reads 'True' or '7' as a bool or a number
            isinstance(default, str) and isinstance(value, (bool, int, float))
        ):
            problems.append(Problem(name, f"must be {type(default).__name__} like its default "
                                          f"{default!r}; got {value!r}"))
        if choices and name in choices and value not in choices[name]:
            problems.append(Problem(name, f"must be one of {', '.join(map(repr, choices[name]))}; "
                                          f"got {value!r}"))
    if problems:
        raise ConfigError(f"Parameters of {notebook}", problems)


def scratch_folder(name: str) -> Path:
    """A new empty temporary folder whose name starts with ``name``, for files a notebook
    writes only to read them back (Parquet parts, a saved reference)."""
    import tempfile

    return Path(tempfile.mkdtemp(prefix=f"trustlab-{name}-"))


def output_folder(output_dir: str, name: str) -> Path:
    """The folder a notebook writes its files into: ``output_dir`` (read as :func:`repo_path`
    reads a parameter, created when missing) or, when empty, a new temporary folder.

    The shipped notebooks default to empty, so running one (in JupyterLab, under
    nbval, on two test workers at once) never writes into the project.

    Examples
    --------
    >>> output_folder("", "signals").name.startswith("trustlab-signals-")
    True
    """
    if not output_dir:
        return scratch_folder(name)
    folder = repo_path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def make_estimator(name: str):
    """The estimator a notebook parameter names: ``hgb`` (the default model) or ``logistic``.

    Examples
    --------
    >>> type(make_estimator("logistic")).__name__
    'LogisticRegression'
    """
    if name == "hgb":
        from .signals import default_estimator

        return default_estimator()
    if name == "logistic":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(max_iter=1000)
    raise ConfigError("Parameters of notebook", [Problem(
        "estimator", f"must be one of {', '.join(ESTIMATORS)}; got {name!r}")])


def notebook_parameters(namespace: Mapping[str, object], notebook: str,
                        choices: Mapping[str, tuple] | None = None) -> dict[str, object]:
    """Check a running notebook's parameters against its parameters cell; their values.

    Call it in the cell after the parameters cell, with ``globals()``. A
    value of the wrong type or outside ``choices`` stops the run with one
    clear :class:`~trustlab.ConfigError` listing every problem. (Names the
    notebook does not declare are refused before it runs, by whoever injects
    them: see :func:`check_parameters`; here re-running cells in JupyterLab
    must not trip over the notebook's own variables.)

    Parameters
    ----------
    namespace : mapping
        The notebook's ``globals()``.
    notebook : str
        The notebook's name without ``.ipynb``, found under ``notebooks/``.
    choices : mapping, optional
        Name → allowed values.

    Returns
    -------
    dict
        Parameter name → value, in declaration order.
    """
    declared = read_parameters(repo_path(f"notebooks/{notebook}.ipynb"))
    missing = [name for name in declared if name not in namespace]
    if missing:
        raise ConfigError(f"Parameters of {notebook}", [Problem(
            name, "is declared but not defined: run the parameters cell first") for name in missing])
    given = {name: namespace[name] for name in declared}
    check_parameters(given, {k: d for k, (d, _) in declared.items()}, choices, notebook)
    return given



def with_signals(data: pd.DataFrame, policy, *, exclude: list[str] | None = None,
                 seed: int = 0) -> tuple[pd.DataFrame, list[str]]:
    """:func:`trustlab.signals.train_missing_signals`, with one sentence per signal scored.

    Examples
    --------
    >>> import trustlab
    >>> p = trustlab.load_policy(repo_path("policies/consumer-credit.yaml"))
    >>> data = load_dataset("synthetic").head(50)
    >>> with_signals(data, p)[1]
    []
    """
    from .signals import train_missing_signals

    scored, trained = train_missing_signals(data, policy, exclude=exclude or (), seed=seed)
    return scored, [t.note for t in trained]


# ----------------------------------------------------------------------------- one history

NEEDS = ("time", "outcomes", "recorded", "windows", "id", "risk_probability")
"""What a notebook section may need of the data and its policy; see :meth:`History.missing`."""

_GIVE_TIME = "give `time` (the column holding each decision's time) to run it"
_GIVE_LABEL = "give `label` (the column holding each case's outcome) to run it"


def say(text: str) -> None:
    """Show ``text`` as Markdown in a notebook, or print it outside one.

    Examples
    --------
    >>> say("This data has no time column.")
    This data has no time column.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the notebook extra
        shell = None
    else:
        shell = get_ipython()
    if shell is None:
        print(text)
        return
    from IPython.display import Markdown, display

    display(Markdown(text))


@dataclass(frozen=True)
class History:
    """A data set read for a policy, and what it holds for each section of a notebook.

    Made by :func:`read_history`. A section that needs what the data lacks
    asks :meth:`needs`, which says so in the notebook and returns False; no
    section ever makes up the missing part.

    Attributes
    ----------
    data : pandas.DataFrame
        The data set, with every signal the policies read (scored out of fold
        where missing), the outcome under the policy's ``outcomes.label`` and
        decision times as ``datetime64``.
    policy : Policy
        The policy, with ``columns.time`` when the ``time`` parameter named a
        column the policy did not declare.
    name : str
        How the data set was named (the ``dataset`` parameter).
    champion : Policy or None
        A second policy read the same way (a live policy to compare with).
    time : str or None
        The column of decision times, when the data has it.
    outcome : str or None
        The outcome column, when the data holds at least one observed outcome.
    recorded : str or None
        The column of recorded human decisions (``outcomes.reviewer.decision``),
        when the data has it.
    notes : tuple of str
        What was done to read the data (a signal scored, a column read as another).
    gaps : tuple of (need, why, fix)
        For each of :data:`NEEDS` the data or policy cannot meet: why not, and
        what would fix it.
    """

    data: pd.DataFrame
    policy: Policy
    name: str
    champion: Policy | None = None
    time: str | None = None
    outcome: str | None = None
    recorded: str | None = None
    notes: tuple[str, ...] = ()
    gaps: tuple[tuple[str, str, str], ...] = ()

    @property
    def risk_signal(self) -> str | None:
        """The policy's first signal that is a probability of the bad outcome, or None."""
        return next((s.name for s in self.policy.signals
                     if s.kind == "probability" and s.higher_means == "risk"), None)

    @property
    def observed(self) -> np.ndarray:
        """True for every row whose outcome is observed (all False without outcomes)."""
        if self.outcome is None:
            return np.zeros(len(self.data), dtype=bool)
        return self.data[self.outcome].notna().to_numpy()

    def missing(self, need: str, section: str, fix: str = "") -> str | None:
        """The sentence saying ``section`` is skipped for want of ``need``; None when it is met.

        Parameters
        ----------
        need : str
            One of :data:`NEEDS`.
        section : str
            What would be skipped, in words ("drift over time").
        fix : str
            What would run it, in place of the usual advice ("give `time` to run it").
        """
        if need not in NEEDS:
            raise ConfigError("History.missing", [Problem(
                "need", f"must be one of {', '.join(NEEDS)}; got {need!r}")])
        for gap, why, usual in self.gaps:
            if gap == need:
                return f"{why}, so {section} is skipped; {fix or usual}."
        return None

    def needs(self, *needs: str, section: str, fix: str = "") -> bool:
        """True when every one of ``needs`` is met; else say which is not (see :func:`say`).

        Examples
        --------
        >>> h = History(pd.DataFrame({"x": [1]}), None, "tiny", gaps=(
        ...     ("time", "This data has no time column", "give `time` to run it"),))
        >>> h.needs("time", section="drift over time")
        This data has no time column, so drift over time is skipped; give `time` to run it.
        False
        >>> h.needs("outcomes", section="the sweep")
        True
        """
        for need in needs:
            sentence = self.missing(need, section, fix)
            if sentence is not None:
                say(sentence)
                return False
        return True

    def require(self, *needs: str, section: str) -> None:
        """Refuse with a ConfigError when one of ``needs`` is not met: ``section`` cannot run at all.

        Examples
        --------
        >>> h = History(pd.DataFrame({"x": [1]}), None, "tiny", gaps=(
        ...     ("outcomes", "The policy has no `outcomes` section", "add one"),))
        >>> h.require("outcomes", section="training a signal")
        Traceback (most recent call last):
        ...
        trustlab._errors.ConfigError: Data 'tiny': outcomes: The policy has no `outcomes` section; training a signal needs it: add one.
        """
        for need in needs:
            gap = next((g for g in self.gaps if g[0] == need), None)
            if gap is not None:
                raise ConfigError(f"Data '{self.name}'", [Problem(
                    need, f"{gap[1]}; {section} needs it: {gap[2]}.")])

    @property
    def times(self) -> pd.Series:
        """The decision times (``datetime64``); a DataError without a time column."""
        if self.time is None:
            raise DataError(f"Data '{self.name}'", [Problem(
                "time", self.missing("time", "this") or "there is no time column")])
        return self.data[self.time]

    def when(self, text: str = "") -> pd.Timestamp:
        """The time ``text`` names; when empty, the middle of the history at midnight.

        Examples
        --------
        >>> t = pd.to_datetime(["2025-01-01 09:00", "2025-01-31 17:00"])
        >>> h = History(pd.DataFrame({"t": t}), None, "tiny", time="t")
        >>> h.when(), h.when("2025-01-20")
        (Timestamp('2025-01-16 00:00:00'), Timestamp('2025-01-20 00:00:00'))
        """
        if text:
            return pd.Timestamp(text)
        t = self.times
        return (t.min() + (t.max() - t.min()) / 2).normalize()

    def describe(self) -> str:
        """What was read, in lines: the data, the policy, times, outcomes, recorded decisions."""
        d, p = self.data, self.policy
        lines = [f"Data: {self.name}, {len(d):,} rows × {d.shape[1]} columns",
                 f"Policy: {p.identity}"
                 + (f"; champion: {self.champion.identity}" if self.champion else "")]
        lines.append(f"Decision times: '{self.time}', {self.times.min()} to {self.times.max()}"
                     if self.time else "Decision times: none (sections over time are skipped)")
        observed = int(self.observed.sum())
        lines.append(f"Outcomes: '{self.outcome}', observed for {observed:,} rows "
                     f"({observed / max(len(d), 1):.1%})" if self.outcome else
                     "Outcomes: none (sections that value decisions are skipped)")
        lines.append(f"Recorded human decisions: '{self.recorded}'" if self.recorded else
                     "Recorded human decisions: none")
        return "\n".join([*lines, *self.notes])


def with_time_column(policy_path: str | os.PathLike, time: str) -> Policy:
    """The policy in ``policy_path`` with ``columns.time: <time>`` added.

    A policy written for data without decision times can then be cut into
    time windows. The result is another policy: its content hash differs.

    Examples
    --------
    >>> p = with_time_column(repo_path("policies/lending-club-risk.yaml"), "issued")
    >>> p.time_column, p.name
    ('issued', 'lending-club-risk')
    """
    import yaml

    from .policy import parse_policy

    path = Path(policy_path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["columns"] = {**(raw.get("columns") or {}), "time": time}
    return parse_policy(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True),
                        source=str(path))


def _time_param(policy: Policy, path: Path, data: pd.DataFrame, time: str
                ) -> tuple[Policy, pd.DataFrame, str | None]:
    """The policy and data with column ``time`` read as the policy's decision time."""
    if not time or policy.time_column == time:
        return policy, data, None
    if policy.time_column is None:
        timed = with_time_column(path, time)
        return timed, data, (f"Policy '{policy.name}' names no time column; here it reads "
                             f"'{time}' as its `columns.time` (content hash "
                             f"{timed.content_hash[:12]}, not {policy.content_hash[:12]}).")
    return policy, data.assign(**{policy.time_column: data[time]}), (
        f"Decision times are read from column '{time}' as the policy's `columns.time` "
        f"'{policy.time_column}'.")


def _as_times(data: pd.DataFrame, column: str, time_format: str | None, source: str
              ) -> pd.DataFrame:
    """``data`` with ``column`` as naive ``datetime64`` (UTC), or a DataError naming it."""
    values = data[column]
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        t = values
    else:
        t = pd.to_datetime(values, errors="coerce", format=time_format or "ISO8601")
        unread = t.isna() & values.notna()
        if unread.any():
            example = values[unread].iloc[0]
            raise DataError(source, [Problem(f"column '{column}'", (
                f"holds {int(unread.sum()):,} values that are not times (e.g. {example!r}); "
                f"give ISO 8601 text (2025-03-01 09:30) or set the policy's "
                f"`columns.time_format`"))])
    if t.isna().any():
        raise DataError(source, [Problem(f"column '{column}'", (
            f"has {int(t.isna().sum()):,} missing times; every decision needs its time"))])
    if getattr(t.dtype, "tz", None) is not None:
        t = t.dt.tz_convert("UTC").dt.tz_localize(None)
    return data if t is values else data.assign(**{column: t})


def _gaps(policy: Policy, data: pd.DataFrame, outcome_added: bool) -> list[tuple[str, str, str]]:
    """(need, why, fix) for every one of :data:`NEEDS` the data or policy cannot meet."""
    gaps = []
    if policy.time_column is None:
        gaps.append(("time", "This data has no time column", _GIVE_TIME))
    elif policy.time_column not in data.columns:
        gaps.append(("time", f"This data has no column '{policy.time_column}' (the policy's "
                             f"`columns.time`)", _GIVE_TIME))
    out = policy.outcomes
    if out is None:
        gaps.append(("outcomes", "The policy has no `outcomes` section",
                     "add one (label, values) to the policy to run it"))
    elif outcome_added:
        gaps.append(("outcomes", f"This data has no outcomes (no column '{out.label}', the "
                                 f"policy's `outcomes.label`)", _GIVE_LABEL))
    elif not data[out.label].notna().any():
        gaps.append(("outcomes", f"This data has no observed outcome (column '{out.label}' is "
                                 f"empty)", _GIVE_LABEL))
    recorded = out.reviewer.decision if out is not None and out.reviewer is not None else None
    fix_recorded = ("name the column of recorded decisions in the policy's "
                    "`outcomes.reviewer.decision` (with `reviewer.map`) to run it")
    if recorded is None:
        gaps.append(("recorded", "This data has no recorded human decisions (the policy names "
                                 "no `outcomes.reviewer.decision` column)", fix_recorded))
    elif recorded not in data.columns:
        gaps.append(("recorded", f"This data has no recorded human decisions (no column "
                                 f"'{recorded}', the policy's `outcomes.reviewer.decision`)",
                     fix_recorded))
    time_gap = next((g for g in gaps if g[0] == "time"), None)
    if time_gap is not None:
        gaps.append(("windows", *time_gap[1:]))
    elif out is None or out.window is None:
        gaps.append(("windows", "The policy declares no review window (`outcomes.window`)",
                     "add one (e.g. `window: 1D`) to the policy to run it"))
    fix_id = "add `columns.id` naming a column with one value per case to run it"
    if policy.id_column is None:
        gaps.append(("id", "The policy names no row key (`columns.id`)", fix_id))
    elif policy.id_column not in data.columns:
        gaps.append(("id", f"This data has no column '{policy.id_column}' (the policy's "
                           f"`columns.id`)", fix_id))
    if not any(s.kind == "probability" and s.higher_means == "risk" for s in policy.signals):
        gaps.append(("risk_probability", "The policy has no signal that is a probability of the "
                                         "bad outcome (`kind: probability`, `higher_means: risk`)",
                     "declare one to run it"))
    return gaps


def read_history(dataset: str | os.PathLike, policy: str | os.PathLike, *,
                 champion: str | os.PathLike | None = None, label: str = "", bad_when: str = "",
                 time: str = "", exclude: Sequence[str] | None = None, seed: int = 0,
                 train: bool = True) -> History:
    """Read a data set for a policy as the notebooks' ``dataset``, ``policy``, ``label``,
    ``bad_when`` and ``time`` parameters name them.

    Parameters
    ----------
    dataset : str or path
        A shipped data set's name or a CSV/Parquet path (see :func:`load_dataset`).
    policy : str or path
        The policy file.
    champion : str or path, optional
        A second policy file (a live policy to compare with), read the same way.
    label : str
        A column to read as the outcome in place of the policies' ``outcomes.label``
        (empty: the policy's own); see :func:`trustlab.review.outcome_read_from`.
    bad_when : str
        The outcome value (or JSON list of values) meaning the bad outcome in
        place of the policies' ``outcomes.bad_when`` (empty: the policy's own);
        see :func:`trustlab.review.bad_when_read_as`.
    time : str
        The column of decision times (empty: the policy's ``columns.time``). A
        policy that declares none gets this one (a new content hash, stated
        in the notes); one that declares another reads it from this column.
    exclude : sequence of str, optional
        Columns a signal scored here must never read.
    seed : int
        Seeds the folds of a signal scored here.
    train : bool
        Score a signal the data lacks out of fold (:func:`with_signals`);
        False leaves the data without it.

    Returns
    -------
    History
        The data with what the policies read, and what it lacks.

    Raises
    ------
    trustlab.ConfigError
        When ``time`` or ``label`` names no column of the data, or a signal
        is missing and cannot be scored.
    trustlab.DataError
        When the decision times cannot be read as times.

    Examples
    --------
    >>> h = read_history("german_credit", "policies/lending-club-risk.yaml",
    ...                  label="creditability", train=False)
    >>> h.outcome, h.time
    ('Class', None)
    >>> print(h.missing("time", "drift over time"))
    This data has no time column, so drift over time is skipped; give `time` (the column holding each decision's time) to run it.
    """
    from ._outcome import bad_when_text
    from .policy import load_policy
    from .review import bad_when_read_as, outcome_read_from

    path = repo_path(policy)
    rules = load_policy(path)
    champion_path = repo_path(champion) if champion else None
    champ = load_policy(champion_path) if champion_path is not None else None
    data = load_dataset(dataset, rules, champ)
    source = f"Data '{dataset}'"
    notes: list[str] = []
    if time and time not in data.columns:
        raise ConfigError("Parameters of notebook", [Problem(
            "time", f"{time!r} is not a column; columns: {', '.join(map(str, data.columns))}")])
    if label:
        data = outcome_read_from(data, label, (rules, champ), source=source)
        if label != rules.outcomes.label:  # outcome_read_from refuses a policy without outcomes
            notes.append(f"Outcomes are read from column '{label}' as the policy's "
                         f"`outcomes.label` '{rules.outcomes.label}'.")
    rules, data, note = _time_param(rules, path, data, time)
    notes += [note] if note else []
    if champ is not None and champion_path is not None:
        champ, data, _ = _time_param(champ, champion_path, data, time)
    if bad_when:  # after the time: a policy given a time column is read again from its file
        given = rules
        rules = bad_when_read_as(rules, data, bad_when, source=source)
        champ = champ if champ is None else bad_when_read_as(champ, data, bad_when, source=source)
        notes.append(f"The bad outcome is read as {bad_when_text(rules.outcomes.bad_when)} in "
                     f"place of the policy's {bad_when_text(given.outcomes.bad_when)}.")
    for p in (rules, champ):
        if p is not None and p.time_column is not None and p.time_column in data.columns:
            data = _as_times(data, p.time_column, p.time_format, source)
    if train:
        for p in (rules, champ):
            if p is not None:
                data, scored = with_signals(data, p, exclude=list(exclude or ()), seed=seed)
                notes += scored
    added = rules.outcomes is not None and rules.outcomes.label not in data.columns
    if added:  # decisions can still be counted; nothing is valued
        data = data.assign(**{rules.outcomes.label: pd.Series(pd.NA, index=data.index,
                                                              dtype="object")})
        notes.append(f"This data has no column '{rules.outcomes.label}' (the policy's "
                     f"`outcomes.label`): decisions are counted, none is valued.")
    gaps = _gaps(rules, data, added)
    lacking = {g[0] for g in gaps}
    out = rules.outcomes
    return History(
        data=data, policy=rules, name=str(dataset), champion=champ,
        time=None if "time" in lacking else rules.time_column,
        outcome=None if "outcomes" in lacking else out.label,  # type: ignore[union-attr]
        recorded=None if "recorded" in lacking else out.reviewer.decision,  # type: ignore[union-attr]
        notes=tuple(notes), gaps=tuple(gaps))


# ----------------------------------------------------------------------------- choices

def rate_limit_id(policy: Policy, name: str = "") -> str | None:
    """The rate limit ``name`` (checked), or the policy's first one when empty; None if it has none.

    Examples
    --------
    >>> import trustlab
    >>> rate_limit_id(trustlab.load_policy(repo_path("policies/consumer-credit.yaml")))
    'decline-rate-limit'
    """
    limits = [g.id for g in policy.guardrails if g.kind == "rate_limit"]
    if not name:
        return limits[0] if limits else None
    if name not in limits:
        raise ConfigError("Parameters of notebook", [Problem(
            "rate_limit", f"policy '{policy.name}' has no rate limit {name!r}; its rate limits: "
                          f"{', '.join(limits) or 'none'}")])
    return name


def cautious_unlabelled(policy: Policy, rule: str) -> Policy:
    """``policy`` valuing every case without an observed outcome as the outcome that makes
    rule ``rule``'s action the wrong call.

    Under selective labels a line set on observed outcomes alone drifts towards
    the cases nobody observed; valued this way, it cannot. A rule leading to a
    human action is left as the policy values it.

    Examples
    --------
    >>> import trustlab
    >>> p = trustlab.load_policy(repo_path("policies/consumer-credit.yaml"))
    >>> [cautious_unlabelled(p, r).outcomes.unlabelled for r in ("low-risk", "high-risk")]
    ['bad', 'good']
    """
    from .simulate import with_unlabelled

    ids = [r.id for r in policy.rules]
    if rule not in ids:
        raise ConfigError("Parameters of notebook", [Problem(
            "rule", f"policy '{policy.name}' has no rule {rule!r}; rules: {', '.join(ids)}")])
    right = policy.right_call_of(policy.rules[ids.index(rule)].then)
    if right is None:
        return policy
    return with_unlabelled(policy, "bad" if right == "good" else "good")


def stage_start(plan, first: pd.Timestamp) -> pd.Timestamp:
    """When a rollout that starts at ``first`` (at midnight) reaches its last stage short of
    everyone, if every earlier stage lasts its minimum duration.

    Examples
    --------
    >>> from trustlab.change import RolloutPlan
    >>> plan = RolloutPlan.from_dict({"stages": [{"share": 0.1, "min_duration": "7D"},
    ...                                          {"share": 0.5, "min_duration": "7D"},
    ...                                          {"share": 1.0}]})
    >>> stage_start(plan, pd.Timestamp("2025-01-01 09:00"))
    Timestamp('2025-01-08 00:00:00')
    """
    partial = [i for i, s in enumerate(plan.stages) if s.share < 1]
    last = partial[-1] if partial else 0
    seconds = sum(s.window.seconds for s in plan.stages[:last])
    return pd.Timestamp(first).normalize() + pd.Timedelta(seconds=seconds)


# ----------------------------------------------------------------------------- failures

FAILURES = ("none", "feature_drift", "concept_shift", "segment_mix", "model_outage")
"""Failures :func:`with_failure` switches on in a history from a given time."""


def _drift_column(policy: Policy, data: pd.DataFrame) -> str | None:
    """The first numeric column besides the signals that a drift brake watches, else that a
    rule reads."""
    from .policy import columns_of

    signals = {s.name for s in policy.signals}
    watched = [c for g in policy.guardrails if g.kind == "drift_brake" for c in g.watch]
    read = [c for r in policy.rules if r.when is not None for c in columns_of(r.when)]
    for c in (*watched, *read):
        if c not in signals and c in data.columns and pd.api.types.is_numeric_dtype(data[c]) \
                and not pd.api.types.is_bool_dtype(data[c]):
            return c
    return None


def _segment_column(history: History) -> str | None:
    return next((c for c in history.policy.segments if c in history.data.columns), None)


def failure_unavailable(history: History, kind: str, column: str = "") -> str | None:
    """Why failure ``kind`` cannot be switched on in ``history``, in a sentence; None when it can."""
    if kind not in FAILURES:
        raise ConfigError("Parameters of notebook", [Problem(
            "scenario", f"must be one of {', '.join(FAILURES)}; got {kind!r}")])
    section = f"the {kind.replace('_', ' ')} rehearsal"
    if column and column not in history.data.columns:
        raise ConfigError("Parameters of notebook", [Problem(
            "drift_column", f"{column!r} is not a column; columns: "
                            f"{', '.join(map(str, history.data.columns))}")])
    why = history.missing("time", section)
    if why is None and kind == "concept_shift":
        why = history.missing("outcomes", section)
    if why is None and kind == "feature_drift" and not (column or _drift_column(history.policy,
                                                                               history.data)):
        why = (f"No rule reads a numeric column besides the signals, so {section} is skipped; "
               f"name the column to move to run it.")
    if why is None and kind == "segment_mix" and _segment_column(history) is None:
        why = (f"The policy declares no segment column this data has (`segments`), so {section} "
               f"is skipped; declare one to run it.")
    return why


def _riskiest(history: History, column: str) -> object:
    """The value of ``column`` with the highest observed bad rate (30 outcomes or more); without
    outcomes, its least common value."""
    from ._outcome import bad_indicator

    values = history.data[column].astype(object)
    if history.outcome is not None:
        known, bad, _ = bad_indicator(history.data[history.outcome],
                                      history.policy.outcomes.bad_when)  # type: ignore[union-attr]
        rates = pd.DataFrame({"v": values[known].to_numpy(), "bad": bad[known]}).groupby(
            "v")["bad"].agg(["mean", "size"])
        rates = rates[rates["size"] >= 30]
        if not rates.empty:
            return rates["mean"].idxmax()
    return values.value_counts().idxmin()


def with_failure(history: History, kind: str, start, *, seed: int = 0, size: float | None = None,
                 column: str = "") -> pd.DataFrame:
    """``history.data`` with one failure switched on for every decision at or after ``start``.

    The failures act on the history as recorded, so a rehearsal asks how early
    this team's monitors would catch them on this team's data:

    * ``none``: the data as it is;
    * ``feature_drift``: ``column`` (default: the first numeric column besides
      the signals that a drift brake watches, else that a rule reads) moves up by ``size`` (default 1) standard
      deviations of its values before ``start``; the signals do not move;
    * ``concept_shift``: the odds of the bad outcome are multiplied by ``size``
      (default 2) while the inputs and signals stay as they were: each observed
      good outcome turns bad with the probability that makes it so, from the
      risk signal where the policy has one, else from the bad rate before ``start``;
    * ``segment_mix``: a share ``size`` (default 0.35) of decisions become cases
      drawn from the riskiest value of the policy's first segment column (the
      highest observed bad rate), keeping their times and row keys;
    * ``model_outage``: every signal is missing for ``size`` (default 1) days.

    Parameters
    ----------
    history : History
    kind : str
        One of :data:`FAILURES`.
    start : time
    seed : int
        Seeds the draws of ``concept_shift`` and ``segment_mix``.
    size : float, optional
        See above.
    column : str
        The column ``feature_drift`` moves.

    Returns
    -------
    pandas.DataFrame
        The same rows, index and columns.

    Examples
    --------
    >>> t = pd.date_range("2025-01-01", periods=6, freq="D")
    >>> h = History(pd.DataFrame({"t": t, "x": [1.0, 3.0, 1.0, 3.0, 1.0, 3.0]}), None, "tiny",
    ...             time="t")
    >>> with_failure(h, "feature_drift", "2025-01-05", column="x")["x"].tolist()
    [1.0, 3.0, 1.0, 3.0, 2.0, 4.0]
    """
    why = failure_unavailable(history, kind, column)
    if why is not None:
        raise ConfigError("Parameters of notebook", [Problem("scenario", why)])
    data, policy = history.data, history.policy
    after = (history.times >= pd.Timestamp(start)).to_numpy()
    rng = np.random.default_rng(seed)
    if kind == "none":
        return data
    if kind == "feature_drift":
        col = column or _drift_column(policy, data)
        shift = (1.0 if size is None else size) * float(data.loc[~after, col].std(ddof=0))
        return data.assign(**{col: data[col].mask(after, data[col] + shift)})
    if kind == "model_outage":
        t = history.times
        during = ((t >= pd.Timestamp(start))
                  & (t < pd.Timestamp(start) + pd.Timedelta(days=1 if size is None else size)))
        return data.assign(**{s.name: data[s.name].mask(during) for s in policy.signals})
    if kind == "concept_shift":
        return _concept_shift(history, after, 2.0 if size is None else size, rng)
    chosen = np.flatnonzero(after & (rng.random(len(data)) < (0.35 if size is None else size)))
    col = _segment_column(history)
    donors = np.flatnonzero(data[col].astype(object).eq(_riskiest(history, col)).to_numpy())
    source = np.arange(len(data))
    source[chosen] = rng.choice(donors, size=len(chosen))
    mixed = data.iloc[source].copy()
    mixed.index = data.index
    for keep in {history.time, policy.id_column} - {None}:
        if keep in data.columns:
            mixed[keep] = data[keep].array
    return mixed


def _concept_shift(history: History, after: np.ndarray, factor: float,
                   rng: np.random.Generator) -> pd.DataFrame:
    """Observed good outcomes after ``start`` turned bad so that the odds of bad grow ``factor``-fold."""
    from ._outcome import bad_indicator, bad_values

    data, label = history.data, history.outcome
    bad_when = history.policy.outcomes.bad_when  # type: ignore[union-attr]
    known, bad, matched = bad_indicator(data[label], bad_when)
    base = float(bad[known & ~after].mean()) if (known & ~after).any() else float(bad[known].mean())
    p = np.full(len(data), base)
    if history.risk_signal is not None:
        scores = data[history.risk_signal].to_numpy(dtype=float, na_value=np.nan)
        p = np.where(np.isnan(scores), p, scores)
    p = np.clip(p, 1e-9, 1 - 1e-9)
    turn = p * (factor - 1) / (1 - p + factor * p)  # P(bad now | good before)
    flip = after & known & ~bad & (rng.random(len(data)) < turn)
    value = matched[0] if matched else bad_values(bad_when)[0]
    column = data[label]
    if isinstance(column.dtype, pd.CategoricalDtype) and value not in column.cat.categories:
        column = column.cat.add_categories([value])
    return data.assign(**{label: column.mask(flip, value)})


def outcome_gap(history: History, data: pd.DataFrame | None = None, *, window: str = "1W",
                label_delay: str = ""):
    """Expected against realised bad rates of the cases with an observed outcome.

    :func:`trustlab.expected_vs_realised` on the policy's risk signal and
    outcome; the cases counted are those whose outcome the history records
    (under selective labels: the ones approved).

    Parameters
    ----------
    history : History
        With a time column, outcomes and a risk signal (see :meth:`History.needs`).
    data : pandas.DataFrame, optional
        ``history.data`` with a failure switched on (default: the data as read).
    window, label_delay : str
        As :func:`trustlab.expected_vs_realised` (empty ``label_delay``: none).
    """
    from .drift import expected_vs_realised

    data = history.data if data is None else data
    return expected_vs_realised(
        data, signal=history.risk_signal, label=history.outcome, time=history.time,
        window=window, approved=history.observed,
        bad_when=history.policy.outcomes.bad_when,  # type: ignore[union-attr]
        label_delay=label_delay or None)


def rehearse(history: History, start, *, kinds: Sequence[str] = FAILURES, reference: str = "",
             window: str | None = None, levels: str = "fixed", seed: int = 0, column: str = ""
             ) -> pd.DataFrame:
    """How early the policy's monitors catch each failure switched on in ``history`` at ``start``.

    Each failure of ``kinds`` (see :func:`with_failure`) is switched on in
    turn; the policy's drift (:func:`trustlab.policy_drift`) and, with
    outcomes and a risk signal, expected against realised bad rates
    (:func:`outcome_gap`) are measured, and :func:`trustlab.drift.detection`
    reads the first alert at the act level.

    Parameters
    ----------
    history : History
    start : time
        When every failure begins.
    kinds : sequence of str
        Failures of :data:`FAILURES`, in the order of the rows.
    reference : str
        The first span of the history drift is measured against (``"90D"``);
        empty for :func:`trustlab.policy_drift`'s default.
    window, levels
        As :func:`trustlab.policy_drift`.
    seed : int
        Seeds the failures' draws.
    column : str
        The column ``feature_drift`` moves (see :func:`with_failure`).

    Returns
    -------
    pandas.DataFrame
        One row per failure (index ``scenario``): ``first alert``, ``kind``,
        ``column``, ``measure``, ``windows late`` (0: caught in the window the
        failure began in), ``alerts before`` (false alarms) and ``not run``
        (why a failure could not be switched on in this history).
    """
    from .drift import detection, policy_drift

    rows = []
    for kind in kinds:
        why = failure_unavailable(history, kind, column)
        if why is not None:
            rows.append({"scenario": kind, "not run": why})
            continue
        data = with_failure(history, kind, start, seed=seed, column=column)
        drift = policy_drift(history.policy, data, reference={"first": reference} if reference
                             else None, window=window, levels=levels)
        gap = (outcome_gap(history, data, window=str(drift.window.text))
               if history.outcome and history.risk_signal else None)
        rows.append({"scenario": kind, **detection(drift, start, gap), "not run": None})
    frame = pd.DataFrame(rows).set_index("scenario")
    if "windows late" in frame:
        frame["windows late"] = frame["windows late"].astype("Int64")
    return frame if frame["not run"].notna().any() else frame.drop(columns="not run")
