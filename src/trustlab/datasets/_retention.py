"""A synthetic subscription-retention history: whom to make a retention offer.

One row per customer contact (a renewal coming up, a scoring run), stored as a
subscription business stores it: the contact date as ISO date text, plan,
contract and payment method as plain text, counts as integers, and the churn
label as ``"Yes"``/``"No"``. The history comes from a period without retention
offers, so ``churned`` is what the customer did when nobody intervened; the
true probability that drew it (``true_p_churn``) is kept, so tests can check a
score's ordering and calibration against the truth.

The decision this data is for runs the other way from credit: the favourable
action (an offer) goes to the *high*-risk side, and it was the right call when
the bad outcome (churn) would have happened — ``right_when: bad`` in
``policies/retention-offer.yaml``.

Everything is vectorised and every random draw comes from its own stream
spawned from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._daily import check_days, daily_counts, numbered_ids, read_shipped_csv
from ._synthetic import _poisson_quantile, _sigmoid

__all__ = ["RETENTION_COLUMNS", "RETENTION_FILE", "load_retention_history",
           "make_retention_history", "retention_log_odds"]

#: The columns of :func:`make_retention_history`'s frame, in order.
RETENTION_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "contact_date",
    "region",
    "age_band",
    "plan",
    "contract",
    "payment_method",
    "tenure_months",
    "monthly_charge",
    "support_calls_90d",
    "num_late_payments",
    "usage_change_pct",
    "true_p_churn",
    "p_churn",
    "churned",
)

#: The shipped sample in ``datasets/``: ``make_retention_history(seed=7)``.
RETENTION_FILE = "retention_history.csv"

REGIONS = ("north", "south", "east", "west")
AGE_BANDS = ("18-34", "35-54", "55+")
PLANS = ("basic", "standard", "premium")
CONTRACTS = ("month-to-month", "one-year", "two-year")
PAYMENT_METHODS = ("card", "direct debit", "invoice")

# Contacts: fewer at weekends (Monday first), averaging 1 over a week.
_WEEKDAY_RAW = np.array([1.15, 1.15, 1.15, 1.15, 1.15, 0.70, 0.55])
WEEKDAY_FACTOR = _WEEKDAY_RAW / _WEEKDAY_RAW.mean()

AGE_P = np.array([0.35, 0.40, 0.25])
AGE_LOG_TENURE = np.array([-0.35, 0.05, 0.35])  # older customers have stayed longer
PLAN_P = np.array([0.40, 0.40, 0.20])
PLAN_CHARGE = np.array([25.0, 45.0, 75.0])  # typical monthly charge of each plan
PAYMENT_P = np.array([0.45, 0.40, 0.15])
CONTRACT_CUTS = np.array([0.0, 0.84])  # on a standard-normal score: about 50/30/20%
CONTRACT_LOG_TENURE = np.array([-0.3, 0.2, 0.5])

# The true relationship between the features and the log-odds of churn; region
# and age band are not in it.
INTERCEPT = -2.2
CONTRACT_EFFECT = np.array([0.85, -0.35, -1.20])
PAYMENT_EFFECT = np.array([0.0, -0.25, 0.35])
PLAN_EFFECT = np.array([0.15, 0.0, -0.20])
LOG_TENURE_SLOPE = -0.35  # per log unit of tenure above 12 months
SUPPORT_CALL_SLOPE = 0.28  # per support call in the last 90 days
LATE_PAYMENT_SLOPE = 0.35  # per late payment in the last 12 months
USAGE_SLOPE = -0.025  # per percentage point of usage change
CHARGE_SLOPE = 0.012  # per currency unit of monthly charge above 45

MODEL_NOISE = 0.5  # sd of the churn model's error on the log-odds scale
# The model's noisy log-odds are shrunk by the share of their variance that is
# signal and re-centred, so the score stays close to calibrated.
MODEL_SLOPE = 0.84
MODEL_INTERCEPT = -0.21


def retention_log_odds(features: pd.DataFrame) -> np.ndarray:
    """The true log-odds of churn from a customer's features.

    Reads ``contract``, ``payment_method``, ``plan``, ``tenure_months``,
    ``support_calls_90d``, ``num_late_payments``, ``usage_change_pct`` and
    ``monthly_charge`` — not ``region`` or ``age_band``.

    Examples
    --------
    >>> one = pd.DataFrame({"contract": ["two-year"], "payment_method": ["card"],
    ...                     "plan": ["standard"], "tenure_months": [12],
    ...                     "support_calls_90d": [0], "num_late_payments": [0],
    ...                     "usage_change_pct": [0.0], "monthly_charge": [45.0]})
    >>> round(float(retention_log_odds(one)[0]), 2)
    -3.4
    """
    def codes(column: str, categories: tuple[str, ...]) -> np.ndarray:
        return pd.Categorical(features[column], categories=categories).codes

    return (INTERCEPT
            + CONTRACT_EFFECT[codes("contract", CONTRACTS)]
            + PAYMENT_EFFECT[codes("payment_method", PAYMENT_METHODS)]
            + PLAN_EFFECT[codes("plan", PLANS)]
            + LOG_TENURE_SLOPE * np.log(features["tenure_months"].to_numpy(float) / 12.0)
            + SUPPORT_CALL_SLOPE * features["support_calls_90d"].to_numpy(float)
            + LATE_PAYMENT_SLOPE * features["num_late_payments"].to_numpy(float)
            + USAGE_SLOPE * features["usage_change_pct"].to_numpy(float)
            + CHARGE_SLOPE * (features["monthly_charge"].to_numpy(float) - 45.0))


def make_retention_history(n_days: int = 182, customers_per_day: float = 50.0,
                           start: str = "2024-01-01", seed: int = 0) -> pd.DataFrame:
    """Generate a retention history: customer features, a churn score and whether they churned.

    Parameters
    ----------
    n_days : int
        Length of the history in days, from ``start``.
    customers_per_day : float
        Average contacts a day; each day's count is Poisson around it times a
        weekday factor (weekdays 1.12, Saturday 0.68, Sunday 0.54).
    start : str
        First day, a date such as ``'2024-01-01'``.
    seed : int
        Seed for ``numpy.random.default_rng``; the same arguments give the same frame.

    Returns
    -------
    pandas.DataFrame
        One row per contact in date order, with a RangeIndex and the columns of
        :data:`RETENTION_COLUMNS`: ``customer_id`` (text, ``C0000001``...),
        ``contact_date`` (ISO date *text*, ``2024-01-01``), ``region`` and
        ``age_band`` (text; no direct effect on churn — ``age_band`` is a
        protected attribute, correlated with tenure), ``plan``, ``contract``
        and ``payment_method`` (text), ``tenure_months``,
        ``support_calls_90d`` and ``num_late_payments`` (int),
        ``monthly_charge`` and ``usage_change_pct`` (float; usage change
        against the previous quarter, in percent), ``true_p_churn`` (the
        probability that drew the outcome), ``p_churn`` (the churn model's
        score) and ``churned`` (text ``"Yes"``/``"No"``).

    Raises
    ------
    trustlab.DataError
        For an invalid argument, naming it.

    Examples
    --------
    >>> df = make_retention_history(n_days=14, customers_per_day=20, seed=1)
    >>> df["contact_date"].iloc[0], sorted(df["churned"].unique())
    ('2024-01-01', ['No', 'Yes'])
    >>> bool(df["contact_date"].is_monotonic_increasing)
    True
    """
    first = check_days("make_retention_history", n_days, customers_per_day, "customers_per_day",
                       start, seed)
    streams = iter(np.random.default_rng(int(seed)).spawn(12))
    counts, _ = daily_counts(next(streams), first, int(n_days), float(customers_per_day),
                             WEEKDAY_FACTOR)
    n = int(counts.sum())
    row_day = np.repeat(np.arange(int(n_days)), counts)

    region = next(streams).integers(0, len(REGIONS), size=n)
    age = next(streams).choice(len(AGE_BANDS), size=n, p=AGE_P)
    plan = next(streams).choice(len(PLANS), size=n, p=PLAN_P)
    payment = next(streams).choice(len(PAYMENT_METHODS), size=n, p=PAYMENT_P)
    z = next(streams).standard_normal(n)  # engagement, unobserved
    e_contract, e_tenure, e_charge, e_usage = next(streams).standard_normal((4, n))
    u_calls, u_late = next(streams).random((2, n))
    e_model = next(streams).standard_normal(n)
    u_churn = next(streams).random(n)

    contract = np.searchsorted(CONTRACT_CUTS, 0.6 * z + 0.8 * e_contract)
    tenure = np.clip(np.round(np.exp(np.log(18.0) + 0.5 * z + 0.6 * e_tenure
                                     + CONTRACT_LOG_TENURE[contract] + AGE_LOG_TENURE[age])),
                     1, 120).astype(np.int64)
    charge = np.round(PLAN_CHARGE[plan] * np.exp(0.15 * e_charge), 2)
    calls = _poisson_quantile(u_calls, np.exp(-0.5 - 0.4 * z))
    late = _poisson_quantile(u_late, np.exp(-1.6 - 0.5 * z + 0.5 * (payment == 2)))
    usage = np.round(np.clip(8.0 * z + 15.0 * e_usage - 5.0, -100.0, 200.0), 1)

    dates = (first + pd.to_timedelta(row_day, unit="D")).strftime("%Y-%m-%d")
    df = pd.DataFrame({
        "customer_id": numbered_ids("C", n),
        "contact_date": pd.Series(np.asarray(dates, dtype=object), dtype=str),
        "region": pd.Series(np.asarray(REGIONS, dtype=object)[region], dtype=str),
        "age_band": pd.Series(np.asarray(AGE_BANDS, dtype=object)[age], dtype=str),
        "plan": pd.Series(np.asarray(PLANS, dtype=object)[plan], dtype=str),
        "contract": pd.Series(np.asarray(CONTRACTS, dtype=object)[contract], dtype=str),
        "payment_method": pd.Series(np.asarray(PAYMENT_METHODS, dtype=object)[payment],
                                    dtype=str),
        "tenure_months": tenure,
        "monthly_charge": charge,
        "support_calls_90d": calls,
        "num_late_payments": late,
        "usage_change_pct": usage,
    })
    true = retention_log_odds(df)
    df["true_p_churn"] = _sigmoid(true)
    df["p_churn"] = _sigmoid(MODEL_INTERCEPT + MODEL_SLOPE * (true + MODEL_NOISE * e_model))
    df["churned"] = pd.Series(np.where(u_churn < df["true_p_churn"].to_numpy(), "Yes", "No"),
                              dtype=str)
    return df


def load_retention_history() -> pd.DataFrame:
    """The shipped retention history, ``datasets/retention_history.csv``.

    It equals ``make_retention_history(seed=7)``: 9,145 contacts from
    2024-01-01 to 2024-06-30, 19.6% churned (see ``datasets/README.md``).

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`RETENTION_COLUMNS`, with the generator's dtypes
        (``contact_date`` and ``churned`` stay text).

    Raises
    ------
    trustlab.DataError
        When the file is not found or cannot be read.

    Examples
    --------
    >>> df = load_retention_history()
    >>> len(df), df["contact_date"].iloc[0], round(float(df["churned"].eq("Yes").mean()), 3)
    (9145, '2024-01-01', 0.196)
    """
    return read_shipped_csv(RETENTION_FILE)
