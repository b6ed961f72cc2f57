"""A synthetic card-transaction history: which payments to hold as suspected fraud.

One row per card transaction, stored as a payments team stores it: the
transaction time as a datetime, the fraud model's score as ``float32``, the
label ``is_fraud`` as 0/1 integers beside a chargeback-style status text, and
the fraud analysts' recorded decision on the transactions the legacy rules
sent them. The true probability that drew the outcome (``true_p_fraud``) is
kept, so tests can check a score's ordering and calibration against the truth.

The decision this data is for holds the *high*-risk side automatically (an
unfavourable, automated action that was the right call when the transaction
was a fraud), releases the low-risk side and sends the middle to fraud
operations (``policies/fraud-hold.yaml``).

Everything is vectorised and every random draw comes from its own stream
spawned from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._daily import check_days, daily_counts, numbered_ids, read_shipped_csv
from ._synthetic import _poisson_quantile, _sigmoid

__all__ = ["FRAUD_COLUMNS", "FRAUD_FILE", "fraud_log_odds", "load_fraud_history",
           "make_fraud_history"]

#: The columns of :func:`make_fraud_history`'s frame, in order.
FRAUD_COLUMNS: tuple[str, ...] = (
    "transaction_id",
    "transaction_time",
    "merchant_category",
    "channel",
    "amount",
    "card_age_days",
    "txn_count_24h",
    "distance_from_home_km",
    "new_device",
    "country_mismatch",
    "true_p_fraud",
    "p_fraud",
    "analyst_decision",
    "is_fraud",
    "chargeback_status",
)

#: The shipped sample in ``datasets/``: ``make_fraud_history(seed=7)``.
FRAUD_FILE = "fraud_history.csv"

CATEGORIES = ("grocery", "fuel", "fashion", "electronics", "travel", "digital_goods")
CHANNELS = ("card_present", "online", "mobile")
STATUSES = ("none", "chargeback_dispute", "chargeback_fraud", "confirmed_fraud")
ANALYST_DECISIONS = ("released", "held")

# Volume: busier at the end of the week (Monday first), averaging 1 over a week;
# hour-of-day profile with a quiet night.
_WEEKDAY_RAW = np.array([0.90, 0.90, 0.95, 1.00, 1.15, 1.10, 1.00])
WEEKDAY_FACTOR = _WEEKDAY_RAW / _WEEKDAY_RAW.mean()
_HOUR_W = np.array([0.8, 0.5, 0.35, 0.3, 0.3, 0.4, 1.0, 2.0, 3.5, 4.5, 5.0, 5.5,
                    6.0, 6.0, 5.5, 5.5, 5.5, 6.0, 6.5, 6.5, 5.5, 4.0, 2.5, 1.5])
HOUR_P = _HOUR_W / _HOUR_W.sum()

CATEGORY_P = np.array([0.30, 0.15, 0.15, 0.12, 0.08, 0.20])
CATEGORY_LOG_AMOUNT = np.log(np.array([40.0, 55.0, 70.0, 220.0, 350.0, 15.0]))
CHANNEL_P = np.array([0.50, 0.30, 0.20])

# The true relationship between the features and the log-odds of fraud. The
# hour of the transaction is in it (fraud clusters at night); the model knows it.
INTERCEPT = -6.0
CATEGORY_EFFECT = np.array([-0.6, -0.3, 0.0, 0.7, 0.5, 1.0])
CHANNEL_EFFECT = np.array([-1.0, 0.4, 0.2])
LOG_AMOUNT_SLOPE = 0.55  # per log unit of amount above 45
NIGHT_EFFECT = 1.2  # transactions from midnight to 6am
VELOCITY_SLOPE = 0.4  # per transaction in the last 24 hours above 2
DISTANCE_SLOPE = 0.5  # per log unit of (1 + km / 10)
NEW_DEVICE_EFFECT = 2.0
COUNTRY_MISMATCH_EFFECT = 2.4
LOG_CARD_AGE_SLOPE = -0.3  # per log unit of card age above a year

MODEL_NOISE = 0.6  # sd of the fraud model's error on the log-odds scale
# The model's noisy log-odds are shrunk by the share of their variance that is
# signal and re-centred, so the score stays close to calibrated.
MODEL_SLOPE = 0.90
MODEL_INTERCEPT = -0.42

ANALYST_REVIEW_LINE = 0.10  # the legacy rules sent scores at or above this to an analyst
ANALYST_ACCURACY = 0.92  # share of analysts' decisions that were right
DISPUTE_RATE = 0.02  # genuine transactions charged back by the cardholder anyway


def fraud_log_odds(features: pd.DataFrame, hour: np.ndarray) -> np.ndarray:
    """The true log-odds of fraud from a transaction's features and its hour of day.

    Reads ``merchant_category``, ``channel``, ``amount``, ``txn_count_24h``,
    ``distance_from_home_km``, ``new_device``, ``country_mismatch`` and
    ``card_age_days``.

    Examples
    --------
    >>> one = pd.DataFrame({"merchant_category": ["fashion"], "channel": ["online"],
    ...                     "amount": [45.0], "txn_count_24h": [2],
    ...                     "distance_from_home_km": [0.0], "new_device": [False],
    ...                     "country_mismatch": [False], "card_age_days": [365]})
    >>> round(float(fraud_log_odds(one, np.array([12]))[0]), 2)
    -5.6
    """
    def codes(column: str, categories: tuple[str, ...]) -> np.ndarray:
        return pd.Categorical(features[column], categories=categories).codes

    return (INTERCEPT
            + CATEGORY_EFFECT[codes("merchant_category", CATEGORIES)]
            + CHANNEL_EFFECT[codes("channel", CHANNELS)]
            + LOG_AMOUNT_SLOPE * np.log(features["amount"].to_numpy(float) / 45.0)
            + NIGHT_EFFECT * (np.asarray(hour) < 6)
            + VELOCITY_SLOPE * (features["txn_count_24h"].to_numpy(float) - 2.0)
            + DISTANCE_SLOPE * np.log1p(features["distance_from_home_km"].to_numpy(float) / 10.0)
            + NEW_DEVICE_EFFECT * features["new_device"].to_numpy(bool)
            + COUNTRY_MISMATCH_EFFECT * features["country_mismatch"].to_numpy(bool)
            + LOG_CARD_AGE_SLOPE * np.log(features["card_age_days"].to_numpy(float) / 365.0))


def make_fraud_history(n_days: int = 60, transactions_per_day: float = 150.0,
                       start: str = "2025-03-01", seed: int = 0) -> pd.DataFrame:
    """Generate a card-transaction history: features, a fraud score, analysts' calls, outcomes.

    Parameters
    ----------
    n_days : int
        Length of the history in days, from ``start``.
    transactions_per_day : float
        Average transactions a day; each day's count is Poisson around it times
        a weekday factor (Friday busiest); times follow an hour-of-day profile
        with a quiet night.
    start : str
        First day, a date such as ``'2025-03-01'``.
    seed : int
        Seed for ``numpy.random.default_rng``; the same arguments give the same frame.

    Returns
    -------
    pandas.DataFrame
        One row per transaction in time order, with a RangeIndex and the
        columns of :data:`FRAUD_COLUMNS`: ``transaction_id`` (text,
        ``T0000001``...), ``transaction_time`` (datetime64[ns]),
        ``merchant_category`` and ``channel`` (text), ``amount`` (float, two
        decimals), ``card_age_days`` and ``txn_count_24h`` (int),
        ``distance_from_home_km`` (float), ``new_device`` and
        ``country_mismatch`` (bool), ``true_p_fraud`` (the probability that
        drew the outcome), ``p_fraud`` (the fraud model's score, float32),
        ``analyst_decision`` (text ``held``/``released`` where the legacy
        rules sent the transaction to an analyst — a ``p_fraud`` of 0.10 or
        more — missing elsewhere), ``is_fraud`` (int 0/1, known for every
        row) and ``chargeback_status`` (text: ``none``,
        ``chargeback_dispute`` for a genuine payment the cardholder disputed,
        ``chargeback_fraud`` for a fraud found by a chargeback,
        ``confirmed_fraud`` for a fraud an analyst held).

    Raises
    ------
    trustlab.DataError
        For an invalid argument, naming it.

    Examples
    --------
    >>> df = make_fraud_history(n_days=7, transactions_per_day=40, seed=1)
    >>> str(df["p_fraud"].dtype), sorted(df["is_fraud"].unique().tolist())
    ('float32', [0, 1])
    >>> bool(df["transaction_time"].is_monotonic_increasing)
    True
    """
    first = check_days("make_fraud_history", n_days, transactions_per_day,
                       "transactions_per_day", start, seed)
    streams = iter(np.random.default_rng(int(seed)).spawn(12))
    counts, _ = daily_counts(next(streams), first, int(n_days), float(transactions_per_day),
                             WEEKDAY_FACTOR)
    n = int(counts.sum())
    row_day = np.repeat(np.arange(int(n_days)), counts)
    g = next(streams)
    seconds = g.choice(24, size=n, p=HOUR_P) * 3600 + g.integers(0, 3600, size=n)
    seconds = np.sort(row_day * 86_400 + seconds)  # days are in order: one sort orders all
    times = first.to_datetime64().astype("datetime64[ns]") + seconds.astype("timedelta64[s]")
    hour = (seconds % 86_400) // 3600

    category = next(streams).choice(len(CATEGORIES), size=n, p=CATEGORY_P)
    channel = next(streams).choice(len(CHANNELS), size=n, p=CHANNEL_P)
    e_amount, e_card, e_distance = next(streams).standard_normal((3, n))
    u_velocity, u_device, u_country = next(streams).random((3, n))
    e_model = next(streams).standard_normal(n)
    u_fraud, u_analyst, u_dispute = next(streams).random((3, n))

    amount = np.round(np.clip(np.exp(CATEGORY_LOG_AMOUNT[category] + 0.8 * e_amount),
                              1.0, 5000.0), 2)
    card_age = np.clip(np.round(np.exp(np.log(700.0) + 1.0 * e_card)), 1, 7300).astype(np.int64)
    velocity = _poisson_quantile(u_velocity, np.full(n, 1.8))
    remote = channel != 0
    distance = np.round(np.exp(np.log(8.0) + 1.3 * e_distance + 1.0 * remote), 1)
    new_device = u_device < np.where(remote, 0.12, 0.02)
    country = u_country < 0.03

    df = pd.DataFrame({
        "transaction_id": numbered_ids("T", n),
        "transaction_time": times,
        "merchant_category": pd.Series(np.asarray(CATEGORIES, dtype=object)[category], dtype=str),
        "channel": pd.Series(np.asarray(CHANNELS, dtype=object)[channel], dtype=str),
        "amount": amount,
        "card_age_days": card_age,
        "txn_count_24h": velocity,
        "distance_from_home_km": distance,
        "new_device": new_device,
        "country_mismatch": country,
    })
    true = fraud_log_odds(df, hour)
    df["true_p_fraud"] = _sigmoid(true)
    p_fraud = _sigmoid(MODEL_INTERCEPT + MODEL_SLOPE * (true + MODEL_NOISE * e_model))
    df["p_fraud"] = p_fraud.astype(np.float32)
    fraud = u_fraud < df["true_p_fraud"].to_numpy()
    reviewed = df["p_fraud"].to_numpy() >= np.float32(ANALYST_REVIEW_LINE)
    held = fraud ^ (u_analyst >= ANALYST_ACCURACY)  # right ANALYST_ACCURACY of the time
    decision = np.where(held, ANALYST_DECISIONS[1], ANALYST_DECISIONS[0]).astype(object)
    df["analyst_decision"] = pd.Series(np.where(reviewed, decision, None), dtype=str)
    df["is_fraud"] = fraud.astype(np.int64)
    status = np.select([fraud & reviewed & held, fraud, u_dispute < DISPUTE_RATE], [3, 2, 1], 0)
    df["chargeback_status"] = pd.Series(np.asarray(STATUSES, dtype=object)[status], dtype=str)
    return df


def load_fraud_history() -> pd.DataFrame:
    """The shipped card-transaction history, ``datasets/fraud_history.csv``.

    It equals ``make_fraud_history(seed=7)``: 9,133 transactions from
    2025-03-01 to 2025-04-29, 1.4% frauds (see ``datasets/README.md``).

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`FRAUD_COLUMNS`, with the generator's dtypes
        (``transaction_time`` datetime64[ns], ``p_fraud`` float32).

    Raises
    ------
    trustlab.DataError
        When the file is not found or cannot be read.

    Examples
    --------
    >>> df = load_fraud_history()
    >>> len(df), str(df["p_fraud"].dtype), int(df["is_fraud"].sum())
    (9133, 'float32', 129)
    """
    return read_shipped_csv(FRAUD_FILE, times=("transaction_time",),
                            dtypes={"p_fraud": "float32"})
