"""A synthetic loan-application history with a model score, human decisions and outcomes.

The real data sets shipped with the kit have no time column and no recorded
human decisions. :func:`make_history` supplies both: one row per application,
in time order, with applicant features, the true default probability, a model
score, an underwriter's decision and the outcome. Scenarios switch on feature
drift, a concept shift, a new sales channel or a model outage from a given
time, so a policy can be tried against each of them.

Everything is vectorised and every random draw comes from its own stream
spawned from ``numpy.random.default_rng(seed)``. The draws do not depend on
the scenarios, so a history with a scenario equals the history without it
before the scenario starts, and after it differs only by the scenario's effect.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._errors import DataError, Problem

__all__ = [
    "COLUMNS",
    "ConceptShift",
    "DRIFTABLE_COLUMNS",
    "FeatureDrift",
    "ModelOutage",
    "NewChannel",
    "Scenario",
    "make_history",
]

#: The columns of :func:`make_history`'s frame, in order.
COLUMNS: tuple[str, ...] = (
    "application_id",
    "decision_time",
    "channel",
    "loan_amount",
    "annual_income",
    "debt_to_income",
    "credit_history_years",
    "delinquencies_2y",
    "employment_years",
    "grade",
    "purpose",
    "age_band",
    "true_pd",
    "p_default",
    "underwriter_decision",
    "defaulted_truth",
    "defaulted",
)

#: Numeric applicant features a :class:`FeatureDrift` may shift, with the floor
#: each is clipped at after the shift.
DRIFTABLE_COLUMNS: dict[str, float] = {
    "loan_amount": 1000.0,
    "annual_income": 1000.0,
    "debt_to_income": 0.0,
    "credit_history_years": 0.0,
    "employment_years": 0.0,
}

CHANNELS = ("branch", "online")
GRADES = ("A", "B", "C", "D", "E", "F", "G")
PURPOSES = ("debt_consolidation", "home_improvement", "car", "small_business", "other")
AGE_BANDS = ("18-25", "26-35", "36-50", "51-65", "65+")
DECISIONS = ("approved", "declined")

# Volume: relative weekday factors (Monday first), normalised to average 1 over a
# week, so ``applications_per_day`` is the average daily volume; the trend grows
# volume by 8% a year, centred on the middle of the first year.
_WEEKDAY_RAW = np.array([1.2, 1.1, 1.05, 1.05, 1.0, 0.5, 0.3])
WEEKDAY_FACTOR = _WEEKDAY_RAW / _WEEKDAY_RAW.mean()
ANNUAL_GROWTH = 0.08
# Hour-of-day profile of arrivals.
_HOUR_W = np.array([1.0, 0.6, 0.4, 0.3, 0.3, 0.5, 1.0, 2.0, 4.0, 6.0, 7.0, 7.5,
                    7.0, 7.0, 6.5, 6.0, 5.5, 5.0, 5.0, 5.5, 5.0, 4.0, 3.0, 2.0])
HOUR_P = _HOUR_W / _HOUR_W.sum()

AGE_P = np.array([0.13, 0.28, 0.33, 0.20, 0.06])
AGE_LOW = np.array([18.0, 26.0, 36.0, 51.0, 66.0])
AGE_SPAN = np.array([8.0, 10.0, 15.0, 15.0, 15.0])  # width of each band in years
AGE_LOG_INCOME = np.array([-0.30, -0.05, 0.10, 0.10, -0.20])
PURPOSE_P = np.array([0.42, 0.18, 0.17, 0.07, 0.16])
PURPOSE_LOG_LOAN = np.array([0.05, 0.25, -0.15, 0.45, -0.45])
ONLINE_SHARE = 0.6
# Grade cut points on a standard-normal grade score: about 18/28/26/15/8/3.5/1.5%.
GRADE_CUTS = np.array([-0.915, -0.100, 0.583, 1.126, 1.645, 2.170])

# The true relationship between the features and the log-odds of default. The
# model learned exactly this relationship at training time; age_band is not in it.
INTERCEPT = -2.5
GRADE_EFFECT = np.array([-1.00, -0.50, 0.00, 0.45, 0.85, 1.20, 1.50])
PURPOSE_EFFECT = np.array([0.10, -0.10, -0.20, 0.50, 0.00])
DTI_SLOPE = 0.035  # per percentage point above 18
LOG_LOAN_SLOPE = 0.30  # per log unit above 11,000
LOG_INCOME_SLOPE = -0.35  # per log unit above 52,000
DELINQUENCY_SLOPE = 0.30  # per delinquency
HISTORY_SLOPE = -0.025  # per year above 10
EMPLOYMENT_SLOPE = -0.02  # per year above 5

MODEL_NOISE = 0.45  # sd of the model's error on the log-odds scale
# The model's noisy log-odds are shrunk by the share of their variance that is
# signal (about 1.18 / (1.18 + 0.45**2)) and re-centred, so the score is calibrated.
MODEL_SLOPE = 0.85
MODEL_INTERCEPT = -0.33
UNDERWRITER_NOISE = 0.8  # sd of the underwriter's error on the log-odds scale
UNDERWRITER_THRESHOLD = -2.1  # approve when the perceived log-odds is below this
UNDERWRITER_FRIDAY = -0.4  # Friday leniency (lowers perceived risk)
UNDERWRITER_LOG_LOAN = 0.35  # caution per log unit of loan above 11,000

# A new channel's applicants: lower creditworthiness, lower income, more debt.
NEW_CHANNEL_RISK = 0.7
NEW_CHANNEL_LOG_INCOME = -0.2
NEW_CHANNEL_DTI = 5.0


# --------------------------------------------------------------------- scenarios

def _timestamp(value: object, source: str, field: str) -> pd.Timestamp:
    """``value`` as a naive Timestamp, or a DataError naming ``field``."""
    ts = None
    if isinstance(value, (str, datetime.date, np.datetime64)):
        try:
            ts = pd.Timestamp(value)
        except (TypeError, ValueError):
            pass
    if ts is None or ts is pd.NaT:
        raise DataError(source, [Problem(field, f"{value!r} is not a date or time; give e.g. "
                                                f"'2025-06-01' or '2025-06-01 09:00'")])
    if ts.tz is not None:
        raise DataError(source, [Problem(field, f"{value!r} has a time zone; decision times "
                                                f"are naive, so give a time without one")])
    return ts


def _finite(value: object) -> bool:
    return (isinstance(value, (int, float, np.integer, np.floating))
            and not isinstance(value, bool) and math.isfinite(value))


@dataclass(frozen=True)
class FeatureDrift:
    """From ``start``, a numeric applicant feature shifts by ``shift``.

    A covariate shift: the applicants change, the relationship between features
    and default does not. ``true_pd`` follows the shifted feature through the
    true relationship, and the model score ``p_default``, computed with the
    relationship the model learned before the drift, moves with the feature.

    Parameters
    ----------
    start : str
        First decision time affected, e.g. ``'2025-07-01'``.
    column : str
        One of ``loan_amount``, ``annual_income``, ``debt_to_income``,
        ``credit_history_years``, ``employment_years``.
    shift : float
        Added to the feature, in its own units (``debt_to_income`` is in
        percentage points); the result is clipped at the feature's floor
        (1,000 for amounts, 0 otherwise).

    Examples
    --------
    >>> FeatureDrift("2025-07-01")
    FeatureDrift(start='2025-07-01', column='debt_to_income', shift=8.0)
    """

    start: str
    column: str = "debt_to_income"
    shift: float = 8.0

    def __post_init__(self) -> None:
        _timestamp(self.start, "FeatureDrift", "start")
        if self.column not in DRIFTABLE_COLUMNS:
            raise DataError("FeatureDrift", [Problem(
                "column", f"{self.column!r} is not a numeric applicant feature that can drift; "
                          f"valid: {', '.join(DRIFTABLE_COLUMNS)}")])
        if not _finite(self.shift):
            raise DataError("FeatureDrift", [Problem(
                "shift", f"{self.shift!r} is not a finite number; give the shift in the "
                         f"feature's units, e.g. 8.0")])


@dataclass(frozen=True)
class ConceptShift:
    """From ``start``, the true odds of default multiply by ``factor``.

    The model does not know: ``p_default`` keeps its distribution while
    ``true_pd`` and the realised defaults rise (or fall, for a factor below 1).

    Parameters
    ----------
    start : str
        First decision time affected.
    factor : float
        Multiplier of the odds ``p / (1 - p)``; must be positive.

    Examples
    --------
    >>> ConceptShift("2025-09-01", factor=2.0).factor
    2.0
    """

    start: str
    factor: float = 1.6

    def __post_init__(self) -> None:
        _timestamp(self.start, "ConceptShift", "start")
        if not _finite(self.factor) or self.factor <= 0:
            raise DataError("ConceptShift", [Problem(
                "factor", f"{self.factor!r} is not a positive number; give the odds "
                          f"multiplier, e.g. 1.6 (1 means no change)")])


@dataclass(frozen=True)
class NewChannel:
    """From ``start``, a share of applications comes from a new, riskier channel.

    The new channel's applicants are less creditworthy (more of grades D–G and
    more delinquencies), earn less and carry more debt; the remaining
    applications keep the usual branch/online split.

    Parameters
    ----------
    start : str
        First decision time affected.
    share : float
        Share of applications from the new channel, strictly between 0 and 1.
    name : str
        The channel's name in the ``channel`` column; not ``branch`` or ``online``.

    Examples
    --------
    >>> NewChannel("2025-10-01", share=0.2).name
    'broker'
    """

    start: str
    share: float = 0.35
    name: str = "broker"

    def __post_init__(self) -> None:
        _timestamp(self.start, "NewChannel", "start")
        if not _finite(self.share) or not 0 < self.share < 1:
            raise DataError("NewChannel", [Problem(
                "share", f"{self.share!r} is not strictly between 0 and 1; give the share "
                         f"of applications from the new channel, e.g. 0.35")])
        if not isinstance(self.name, str) or not self.name.strip() or self.name in CHANNELS:
            raise DataError("NewChannel", [Problem(
                "name", f"{self.name!r} is not a new channel name; give non-empty text "
                        f"other than {', '.join(CHANNELS)}, e.g. 'broker'")])


@dataclass(frozen=True)
class ModelOutage:
    """The model score ``p_default`` is missing (NaN) for decision times in [start, end).

    Parameters
    ----------
    start : str
        First decision time without a score.
    end : str
        First decision time with a score again; after ``start``.

    Examples
    --------
    >>> ModelOutage("2025-03-03 09:00", "2025-03-03 17:00").end
    '2025-03-03 17:00'
    """

    start: str
    end: str

    def __post_init__(self) -> None:
        start = _timestamp(self.start, "ModelOutage", "start")
        end = _timestamp(self.end, "ModelOutage", "end")
        if end <= start:
            raise DataError("ModelOutage", [Problem(
                "end", f"{self.end!r} is not after start {self.start!r}; the outage covers "
                       f"[start, end), so give an end later than the start")])


Scenario = FeatureDrift | ConceptShift | NewChannel | ModelOutage


# ------------------------------------------------------------------ the model

def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _codes(values: pd.Series | np.ndarray, categories: tuple[str, ...]) -> np.ndarray:
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype) \
            and tuple(values.cat.categories) == categories:
        return values.cat.codes.to_numpy()
    return pd.Categorical(values, categories=categories).codes


def _risk_log_odds(features: pd.DataFrame) -> np.ndarray:
    """The log-odds of default from the applicant features, before any concept shift.

    This is the true relationship, and the one the model learned at training
    time. It reads ``grade``, ``purpose``, ``debt_to_income``, ``loan_amount``,
    ``annual_income``, ``delinquencies_2y``, ``credit_history_years`` and
    ``employment_years`` — not ``age_band`` or ``channel``.
    """
    return (INTERCEPT
            + GRADE_EFFECT[_codes(features["grade"], GRADES)]
            + PURPOSE_EFFECT[_codes(features["purpose"], PURPOSES)]
            + DTI_SLOPE * (features["debt_to_income"].to_numpy(float) - 18.0)
            + LOG_LOAN_SLOPE * np.log(features["loan_amount"].to_numpy(float) / 11_000.0)
            + LOG_INCOME_SLOPE * np.log(features["annual_income"].to_numpy(float) / 52_000.0)
            + DELINQUENCY_SLOPE * features["delinquencies_2y"].to_numpy(float)
            + HISTORY_SLOPE * (features["credit_history_years"].to_numpy(float) - 10.0)
            + EMPLOYMENT_SLOPE * (features["employment_years"].to_numpy(float) - 5.0))


def _poisson_quantile(u: np.ndarray, lam: np.ndarray, kmax: int = 40) -> np.ndarray:
    """Poisson(lam) draws by inverting the CDF at ``u`` (monotone in lam, vectorised)."""
    term = np.exp(-lam)
    cdf = term.copy()
    k = np.zeros(u.shape, dtype=np.int64)
    for i in range(1, kmax + 1):  # a fixed number of whole-array steps, not a row loop
        below = u >= cdf
        if not below.any():
            break
        k += below
        term = term * lam / i
        cdf = cdf + term
    return k


# ------------------------------------------------------------------ validation

def _check(n_days: object, applications_per_day: object, start: object, seed: object,
           scenarios: object) -> tuple[pd.Timestamp, list[Scenario]]:
    source = "make_history"
    problems: list[Problem] = []
    if isinstance(n_days, bool) or not isinstance(n_days, (int, np.integer)) or n_days < 1:
        problems.append(Problem("n_days", f"{n_days!r} is not a whole number of days of at "
                                          f"least 1; give e.g. 365"))
    if not _finite(applications_per_day) or applications_per_day <= 0:
        problems.append(Problem("applications_per_day",
                                f"{applications_per_day!r} is not a positive number; give the "
                                f"average number of applications a day, e.g. 140"))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        problems.append(Problem("seed", f"{seed!r} is not a non-negative whole number; "
                                        f"give e.g. 0"))
    first: pd.Timestamp | None = None
    try:
        first = _timestamp(start, source, "start")
    except DataError as exc:
        problems.extend(exc.problems)
    if first is not None and first != first.normalize():
        problems.append(Problem("start", f"{start!r} has a time of day; the history starts "
                                         f"at midnight, so give a date such as '2025-01-01'"))
        first = None
    if isinstance(scenarios, (str, bytes)) or not isinstance(scenarios, Sequence):
        scenarios = [scenarios] if isinstance(scenarios, Scenario) else None
        if scenarios is None:
            problems.append(Problem("scenarios", "is not a sequence of scenarios; give a list "
                                                 "of FeatureDrift, ConceptShift, NewChannel or "
                                                 "ModelOutage, e.g. [ConceptShift('2025-07-01')]"))
    scenarios = list(scenarios or [])
    for i, sc in enumerate(scenarios):
        if not isinstance(sc, Scenario):
            problems.append(Problem(f"scenarios[{i}]", f"{sc!r} is not a scenario; valid: "
                                                       f"FeatureDrift, ConceptShift, NewChannel, "
                                                       f"ModelOutage"))
    channels = [i for i, sc in enumerate(scenarios) if isinstance(sc, NewChannel)]
    if len(channels) > 1:
        problems.append(Problem(f"scenarios[{channels[1]}]",
                                "is a second NewChannel; at most one new channel is supported"))
    if first is not None and not any(p.where == "n_days" for p in problems):
        end = first + pd.Timedelta(days=int(n_days))
        for i, sc in enumerate(scenarios):
            if isinstance(sc, Scenario):
                at = pd.Timestamp(sc.start)
                if not first <= at < end:
                    problems.append(Problem(
                        f"scenarios[{i}].start",
                        f"{sc.start!r} is outside the history [{first:%Y-%m-%d}, "
                        f"{end:%Y-%m-%d}); give a start within it"))
    if problems:
        raise DataError(source, problems)
    return first, scenarios


# ------------------------------------------------------------------ generator

def make_history(
    n_days: int = 365,
    applications_per_day: float = 140.0,
    start: str = "2025-01-01",
    seed: int = 0,
    scenarios: Sequence[Scenario] = (),
) -> pd.DataFrame:
    """Generate a loan-application history: features, model score, human decision, outcome.

    Parameters
    ----------
    n_days : int
        Length of the history in days, from ``start``.
    applications_per_day : float
        Average daily volume. Each day's count is Poisson around this times a
        weekday factor (Monday 1.35, Saturday 0.56, Sunday 0.34; the factors
        average 1 over a week) times a trend of 8% growth a year.
    start : str
        First day, a date such as ``'2025-01-01'``.
    seed : int
        Seed for ``numpy.random.default_rng``; the same arguments give the same frame.
    scenarios : sequence of FeatureDrift, ConceptShift, NewChannel, ModelOutage
        Changes switched on at given times (at most one NewChannel). Random
        draws do not depend on them: rows before every scenario's start equal
        the rows of the history without scenarios.

    Returns
    -------
    pandas.DataFrame
        One row per application, sorted by ``decision_time``, with a RangeIndex
        and the columns of :data:`COLUMNS`:

        ``application_id`` (str, ``A0000001``...), ``decision_time``
        (datetime64[ns]), ``channel`` (category: branch, online and any new
        channel); the applicant's ``loan_amount``, ``annual_income``,
        ``debt_to_income`` (percent), ``credit_history_years``,
        ``delinquencies_2y`` (int), ``employment_years``, ``grade`` (A–G),
        ``purpose``, ``age_band`` (a protected attribute with no direct effect
        on default); ``true_pd`` (the true default probability),
        ``p_default`` (the model's score, NaN during an outage),
        ``underwriter_decision`` (approved/declined), ``defaulted_truth``
        (bool, every row) and ``defaulted`` (nullable boolean, observed only
        for approved applications: ``<NA>`` where declined).

    Raises
    ------
    trustlab.DataError
        For an invalid argument or a scenario starting outside the history.

    Examples
    --------
    >>> df = make_history(n_days=14, applications_per_day=20, seed=1)
    >>> df.columns[:4].tolist()
    ['application_id', 'decision_time', 'channel', 'loan_amount']
    >>> bool(df["decision_time"].is_monotonic_increasing)
    True
    >>> bool((df["defaulted"].isna() == df["underwriter_decision"].eq("declined")).all())
    True
    >>> late = make_history(n_days=14, applications_per_day=20, seed=1,
    ...                     scenarios=[ModelOutage("2025-01-08", "2025-01-09")])
    >>> day = late["decision_time"].dt.day.eq(8)
    >>> bool(late.loc[day, "p_default"].isna().all() and late.loc[~day, "p_default"].notna().all())
    True
    """
    first, scenarios = _check(n_days, applications_per_day, start, seed, scenarios)
    streams = iter(np.random.default_rng(int(seed)).spawn(16))

    # Volume and arrival times.
    day = np.arange(n_days)
    weekday = (first.day_of_week + day) % 7
    trend = 1.0 + ANNUAL_GROWTH * (day / 365.0 - 0.5)
    counts = next(streams).poisson(applications_per_day * WEEKDAY_FACTOR[weekday] * trend)
    n = int(counts.sum())
    row_day = np.repeat(day, counts)
    g = next(streams)
    seconds = g.choice(24, size=n, p=HOUR_P) * 3600 + g.integers(0, 3600, size=n)
    seconds = np.sort(row_day * 86_400 + seconds)  # days are in order: one sort orders all
    times = first.to_datetime64().astype("datetime64[ns]") + seconds.astype("timedelta64[s]")
    row_weekday = weekday[seconds // 86_400]

    # Every random draw, independent of the scenarios.
    age_code = next(streams).choice(len(AGE_BANDS), size=n, p=AGE_P)
    u_age = next(streams).random(n)
    u_new, u_online = next(streams).random((2, n))
    z = next(streams).standard_normal(n)  # creditworthiness, unobserved
    e_income, e_loan, e_dti, e_history, e_employment, e_grade = next(streams).standard_normal((6, n))
    purpose_code = next(streams).choice(len(PURPOSES), size=n, p=PURPOSE_P)
    u_delinquency = next(streams).random(n)
    e_model = next(streams).standard_normal(n)
    e_underwriter = next(streams).standard_normal(n)
    u_default = next(streams).random(n)

    def since(sc: Scenario) -> np.ndarray:
        return times >= pd.Timestamp(sc.start).to_datetime64()

    # Channel: branch/online, or a new channel from its start.
    channel_code = (u_online < ONLINE_SHARE).astype(np.int8)
    channels = list(CHANNELS)
    new = np.zeros(n, dtype=bool)
    for sc in scenarios:
        if isinstance(sc, NewChannel):
            new = since(sc) & (u_new < sc.share)
            channel_code[new] = len(channels)
            channels.append(sc.name)
    z = z - 0.1 * (channel_code == 1) - NEW_CHANNEL_RISK * new

    # Applicant features.
    age = AGE_LOW[age_code] + u_age * AGE_SPAN[age_code]
    log_income = (np.log(52_000.0) + 0.22 * z + AGE_LOG_INCOME[age_code] + 0.45 * e_income
                  + NEW_CHANNEL_LOG_INCOME * new)
    income = np.round(np.clip(np.exp(log_income), 9_000.0, 600_000.0), -2)
    log_loan = (np.log(11_000.0) + PURPOSE_LOG_LOAN[purpose_code]
                + 0.35 * (np.log(income) - np.log(52_000.0)) + 0.6 * e_loan)
    loan = np.round(np.clip(np.exp(log_loan), 1_000.0, 60_000.0), -2)
    dti = np.round(np.clip(17.0 - 4.0 * z + 6.5 * e_dti + NEW_CHANNEL_DTI * new, 0.0, 65.0), 1)
    history = np.round((age - 18.0) * _sigmoid(0.3 + 0.35 * z + 0.9 * e_history), 1)
    employment = np.round((age - 18.0) * _sigmoid(-0.6 + 0.3 * z + 1.0 * e_employment), 1)
    delinquencies = _poisson_quantile(u_delinquency, np.exp(-1.5 - 0.6 * z))
    grade_code = np.searchsorted(GRADE_CUTS, -0.9 * z + 0.45 * e_grade)

    features = {"loan_amount": loan, "annual_income": income, "debt_to_income": dti,
                "credit_history_years": history, "employment_years": employment}
    for sc in scenarios:
        if isinstance(sc, FeatureDrift):
            col = features[sc.column]
            features[sc.column] = np.where(
                since(sc), np.maximum(col + sc.shift, DRIFTABLE_COLUMNS[sc.column]), col)

    width = max(7, len(str(n)))
    strings = getattr(np, "strings", np.char)  # numpy >= 2 / numpy 1.26
    ids = (strings.add("A", strings.zfill(np.arange(1, n + 1).astype(str), width))
           if n else np.array([], dtype=str))  # numpy's zfill fails on an empty array
    df = pd.DataFrame({
        "application_id": pd.Series(ids, dtype=str),  # pandas' default text dtype
        "decision_time": times,
        "channel": pd.Categorical.from_codes(channel_code, categories=channels),
        "loan_amount": features["loan_amount"],
        "annual_income": features["annual_income"],
        "debt_to_income": features["debt_to_income"],
        "credit_history_years": features["credit_history_years"],
        "delinquencies_2y": delinquencies,
        "employment_years": features["employment_years"],
        "grade": pd.Categorical.from_codes(grade_code, categories=GRADES),
        "purpose": pd.Categorical.from_codes(purpose_code, categories=PURPOSES),
        "age_band": pd.Categorical.from_codes(age_code, categories=AGE_BANDS),
    })

    # Truth, model score, human decision, outcome.
    learned = _risk_log_odds(df)
    true_log_odds = learned.copy()
    for sc in scenarios:
        if isinstance(sc, ConceptShift):
            true_log_odds += np.where(since(sc), np.log(sc.factor), 0.0)
    true_pd = _sigmoid(true_log_odds)
    p_default = _sigmoid(MODEL_INTERCEPT + MODEL_SLOPE * (learned + MODEL_NOISE * e_model))
    for sc in scenarios:
        if isinstance(sc, ModelOutage):
            p_default[since(sc) & (times < pd.Timestamp(sc.end).to_datetime64())] = np.nan
    perceived = (learned + UNDERWRITER_NOISE * e_underwriter
                 + UNDERWRITER_LOG_LOAN * np.log(df["loan_amount"].to_numpy() / 11_000.0)
                 + UNDERWRITER_FRIDAY * (row_weekday == 4))
    approved = perceived < UNDERWRITER_THRESHOLD
    truth = u_default < true_pd

    df["true_pd"] = true_pd
    df["p_default"] = p_default
    df["underwriter_decision"] = pd.Categorical.from_codes((~approved).astype(np.int8),
                                                           categories=DECISIONS)
    df["defaulted_truth"] = truth
    df["defaulted"] = pd.arrays.BooleanArray(truth, ~approved)
    return df
