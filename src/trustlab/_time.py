"""Times as teams store them → integer nanoseconds (UTC) → fixed or calendar window ids.

Reading
    :func:`read_times` reads a time column — datetime64 (naive or with a time
    zone), text (ISO 8601, month stamps such as ``Mar-2018`` or ``2018-03``,
    quarter stamps, dates such as ``15/03/2018``, times with UTC offsets),
    epoch numbers, periods, in any of pandas' storages (``str``,
    ``string[pyarrow]``, object, categorical) — into UTC nanoseconds, and
    says in a sentence how it read it. A ``time_format`` (strftime) reads text
    exactly with that pattern. Distinct values are parsed once and mapped back
    to rows. :func:`time_ns` reads one value the same way, so a record decided
    online falls in the same window as in bulk.

Windows
    :func:`window_ids` places times in windows: fixed windows (``12h``,
    ``7D``) are aligned to the Unix epoch, weeks start on Mondays, and
    calendar windows count months since 1970-01 (``1M``, ``3M``; ``1Q`` and
    ``2Q`` start in January, April, July and October). :func:`window_starts`
    inverts it; :func:`shift_times` and :func:`span_end` step by a window,
    calendar months included. ``Window.seconds`` is only a rough width.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from ._errors import DataError, Problem

__all__ = ["Window", "TimeReading", "read_times", "times_ns", "time_ns", "window_ids", "window_id",
           "window_starts", "window_ends", "shift_times", "span_start", "span_end",
           "WEEK_ORIGIN_NS", "TIME_SETTING"]

WEEK_ORIGIN_NS = 4 * 86_400 * 10**9
"""Weeks start on Mondays: 1970-01-05 is the first Monday after the epoch."""

TIME_SETTING = "columns.time_format"
"""Where a policy declares the pattern of its time column; named in every fix."""

_DAY_NS = 86_400 * 10**9
_SHOW = 3  # offending values shown in a message
_SAMPLE = 64  # distinct values a candidate format is first tried on
_MIN = pd.Timestamp("1678-01-01")
_MAX = pd.Timestamp("2261-12-31 23:59:59")
_EPOCH_UNITS = (("seconds", 1e11, 10**9), ("milliseconds", 1e14, 10**6),
                ("microseconds", 1e17, 10**3), ("nanoseconds", np.inf, 1))
_EPOCH_FLOOR = 1e8  # epoch seconds below this fall before 1973-03-03: not decision times
_QUARTER = "year and quarter"
_ISO = "ISO8601"
_OFFSET = r"[T ][\d:]+(?:[.,]\d+)?\s*(?P<zone>Z|[+-]\d{2}(?::?\d{2})?)$"  # RE2, for pyarrow
_RELATIVE = ("now", "today", "Now", "Today", "NOW", "TODAY")
_QUARTER_RE = r"^(?:(?P<y1>\d{4})\s*-?\s*[Qq](?P<q1>[1-4])|[Qq](?P<q2>[1-4])[\s-]*(?P<y2>\d{4}))$"


@dataclass(frozen=True)
class Window:
    """A time window such as ``1D``, ``7D``, ``12h``, ``1W``, ``1M`` or ``1Q``.

    Fixed windows are aligned to the Unix epoch (weeks to Mondays); calendar
    months and quarters start on the first day of a month (quarters in January,
    April, July and October). So the same timestamp always falls in the same
    window.
    """

    text: str
    count: int
    unit: Literal["s", "min", "h", "D", "W", "M", "Q"]

    @property
    def calendar(self) -> bool:
        """True for calendar months (``M``) and quarters (``Q``), whose lengths vary."""
        return self.unit in ("M", "Q")

    @property
    def months(self) -> int:
        """The window's length in calendar months (0 for a fixed-length window)."""
        return self.count * {"M": 1, "Q": 3}.get(self.unit, 0)

    @property
    def seconds(self) -> int:
        """The window's length in seconds; for a calendar window, its mean length.

        Placing times in windows never uses this for ``M`` and ``Q``: it is
        for widths of bars and rough spans only.
        """
        per = {"s": 1, "min": 60, "h": 3600, "D": 86400, "W": 604800,
               "M": 2_629_746, "Q": 7_889_238}
        return self.count * per[self.unit]

    @property
    def unit_words(self) -> str:
        """The unit in words: ``"day"`` for ``7D``."""
        return {"s": "second", "min": "minute", "h": "hour", "D": "day", "W": "week",
                "M": "month", "Q": "quarter"}[self.unit]

    @property
    def words(self) -> str:
        """The window in words: ``"day"`` for ``1D``, ``"12 hours"`` for ``12h``."""
        return self.unit_words if self.count == 1 else f"{self.count} {self.unit_words}s"



def _candidates() -> tuple[tuple[str, str | None], ...]:
    """Formats tried in order, each with the format that reads the same text the other way round
    (day first / month first), or None."""
    months = ("%b-%Y", "%b %Y", "%B %Y", "%B-%Y", "%b-%y", "%b%Y", "%Y-%m", "%Y/%m", "%m/%Y",
              "%m-%Y", "%Y%m")
    out: list[tuple[str, str | None]] = [(f, None) for f in months]
    out += [(_QUARTER, None), (_ISO, None)]
    suffixes = ("", " %H:%M", " %H:%M:%S", "T%H:%M:%S")
    named = ("%d-%b-%Y", "%d %b %Y", "%d %B %Y", "%d-%b-%y", "%b %d, %Y", "%B %d, %Y",
             "%b %d %Y", "%Y/%m/%d", "%Y.%m.%d")
    out += [(f + s, None) for f in named for s in suffixes]
    for sep in ("/", "-", "."):
        for s in suffixes:
            day, month = f"%d{sep}%m{sep}%Y{s}", f"%m{sep}%d{sep}%Y{s}"
            out += [(day, month), (month, day)]
    out += [("%a, %d %b %Y %H:%M:%S %z", None), ("%a, %d %b %Y %H:%M:%S", None),
            ("%Y%m%d%H%M%S", None), ("%Y%m%d %H:%M:%S", None)]
    return tuple(out)


_CANDIDATES = _candidates()


# ----------------------------------------------------------------------------- reading


@dataclass(frozen=True, eq=False)
class TimeReading:
    """How a time column was read: UTC nanoseconds and a sentence, or what stops it.

    Attributes
    ----------
    column : str
        The column's name, as the sentences say it.
    ns : ndarray of int64 or None
        UTC nanoseconds of every row; None when the column cannot be read.
    how : str or None
        How it was read, e.g. ``read 'issue_d' as month stamps like 'Mar-2018'
        (format %b-%Y)``; None when it cannot be read.
    format : str or None
        The strftime pattern (``"ISO8601"`` for ISO 8601 text), or None for
        datetime64 columns and epoch numbers.
    why : str or None
        What is wrong and how to fix it, when ``ns`` is None.
    bad : ndarray of bool or None
        The rows ``why`` is about (unreadable or missing times), when known.
    """

    column: str
    ns: np.ndarray | None
    how: str | None
    format: str | None = None
    why: str | None = None
    bad: np.ndarray | None = None

    @property
    def ok(self) -> bool:
        """True when every row was read."""
        return self.ns is not None

    def problem(self) -> Problem:
        """The :class:`~trustlab.Problem` of an unreadable column, led by the column."""
        return Problem(f"column '{self.column}'", str(self.why))

    def check(self, source: str) -> np.ndarray:
        """The nanoseconds, or a :class:`~trustlab.DataError` from ``source`` saying why not."""
        if self.ns is None:
            raise DataError(source, [self.problem()])
        return self.ns


@dataclass(frozen=True, eq=False)
class _Values:
    """Per value read (rows, or the distinct values of a column): what each value became."""

    ns: np.ndarray  # int64; meaningless where not ok
    ok: np.ndarray  # read
    missing: np.ndarray  # no time at all (null, empty text)
    how: str | None = None
    format: str | None = None
    template: str | None = None  # why, with {examples}; None: not readable in a recognised way
    far: np.ndarray | None = None  # read, but outside the years the kit can place


def _refused(n: int, template: str, missing: np.ndarray | None = None,
             ok: np.ndarray | None = None) -> _Values:
    return _Values(np.zeros(n, dtype=np.int64),
                   np.zeros(n, dtype=bool) if ok is None else ok,
                   np.zeros(n, dtype=bool) if missing is None else missing, template=template)


def _lit(text) -> str:
    """Text put into a message template as it is (braces doubled)."""
    return str(text).replace("{", "{{").replace("}", "}}")


def _set(setting: str, pattern: str) -> str:
    """The fix, as the caller spells it: a YAML field or a keyword argument."""
    if "." in setting:
        return f'set {setting}: "{pattern}"'
    return (f'pass {setting}="{pattern}" (or convert the column first with '
            f'pandas.to_datetime(..., format="{pattern}"))')


def _shown(value) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return repr(int(value))
    if isinstance(value, (np.generic,)):
        return repr(value.item())
    if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date)):
        return f"'{value}'"
    return repr(value)


def read_times(s: pd.Series, time_format: str | None = None, *, column: str | None = None,
               setting: str = TIME_SETTING) -> TimeReading:
    """Read a time column as UTC nanoseconds, and say how it was read.

    Parameters
    ----------
    s : pandas.Series
        Times as stored: datetime64 (naive times are taken as UTC, zoned ones
        converted to UTC), text, epoch numbers (seconds, milliseconds,
        microseconds or nanoseconds, told apart by their size), dates written
        as numbers (``20180315``, ``201803``), periods; in any storage
        (``str``, ``string[pyarrow]``, object, categorical).
    time_format : str, optional
        A strftime pattern (``"%b-%Y"``) that text is read with, exactly.
        Without it the first recognised format that reads every value is
        used: month stamps (``Mar-2018``, ``2018-03``, ``03/2018``), quarter
        stamps (``2018Q1``), ISO 8601 dates and times (with or without UTC
        offsets), dates with named months (``15-Mar-2018``) and numeric
        dates (``15/03/2018``; refused when both day-first and month-first
        read every value differently).
    column : str, optional
        The name the sentences use (default: the series' name).
    setting : str, default ``"columns.time_format"``
        The setting a fix names (``"time_format"`` for a keyword argument).

    Returns
    -------
    TimeReading
        With ``ns`` and ``how``, or ``why`` (naming up to three offending
        values with their row positions, and the fix) and the ``bad`` rows.
        Text with UTC offsets is converted to UTC; text mixing times with and
        without an offset is refused.

    Examples
    --------
    >>> r = read_times(pd.Series(["Mar-2018", "Apr-2018", "Mar-2018"], name="issue_d"))
    >>> r.how
    "read 'issue_d' as month stamps like 'Mar-2018' (format %b-%Y)"
    >>> pd.DatetimeIndex(r.ns).strftime("%Y-%m-%d").tolist()
    ['2018-03-01', '2018-04-01', '2018-03-01']
    >>> r = read_times(pd.Series(["2025-03-01T09:00+01:00", "2025-03-01T09:00+02:00"], name="t"))
    >>> pd.DatetimeIndex(r.ns).strftime("%H:%M").tolist()
    ['08:00', '07:00']
    >>> print(read_times(pd.Series(["Mar-2018", "n/a", "Apr-2018"], name="d")).why)
    ... # doctest: +NORMALIZE_WHITESPACE
    holds 1 row whose value is not a month stamp like 'Mar-2018' (format %b-%Y) as the
    other values are: 'n/a' (row position 1); correct it, or set columns.time_format: "..."
    to the one pattern every value is written in
    """
    name = column if column is not None else ("time" if s.name is None else str(s.name))
    codes: np.ndarray | None = None
    if isinstance(s.dtype, pd.CategoricalDtype):  # the categories in use, in order of rows
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        values = pd.Series(np.asarray(uniques))
        if values.dtype == object:
            values = _stored(values)
    elif ptypes.is_string_dtype(s.dtype) or s.dtype == object:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        values = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    else:
        values = s.reset_index(drop=True)
    v = _read_values(values, time_format, name, setting)
    if codes is None:
        ok, missing = v.ok, v.missing
        far = v.far
    else:
        none = codes < 0
        safe = np.where(none, 0, codes)
        ok = v.ok[safe] & ~none if len(v.ok) else np.zeros(len(codes), dtype=bool)
        missing = none | (v.missing[safe] if len(v.missing) else none)
        far = None if v.far is None else (v.far[safe] & ~none)
    bad = ~ok & ~missing
    if bad.any():
        return TimeReading(name, None, None, v.format,
                           _why(v, values, codes, bad, far, name, setting), bad)
    if missing.any():
        return TimeReading(name, None, None, v.format, "has missing times; every decision needs "
                                                       "its time to be placed in a window", missing)
    ns = v.ns if codes is None else v.ns[codes]
    return TimeReading(name, np.ascontiguousarray(ns, dtype=np.int64), v.how, v.format)


def _examples(values: pd.Series, codes: np.ndarray | None, rows: np.ndarray,
              counted: bool = False) -> str:
    """Up to three distinct offending values with the row position each first appears at."""
    pos = np.flatnonzero(rows)
    if codes is None:
        first = pos[:50]
        shown, seen = [], set()
        for p in first:  # at most 50 rows: the examples only
            key = _shown(values.iloc[p])
            if key not in seen:
                seen.add(key)
                shown.append((key, p))
    else:
        which, at = np.unique(codes[pos], return_index=True)
        order = np.argsort(pos[at], kind="stable")
        shown = [(_shown(values.iloc[which[i]]), pos[at[i]]) for i in order[:_SHOW]]
    parts = [f"{v} (row position {p:,})" for v, p in shown[:_SHOW]]
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + f" and {parts[-1]}"
    n = len(pos)
    return text if n <= len(parts) or counted else f"{text}; {n:,} rows in all"


def _why(v: _Values, values: pd.Series, codes, bad: np.ndarray, far, name: str,
         setting: str) -> str:
    examples = _examples(values, codes, bad, counted=v.template is not None
                         and "{n" in v.template)
    if far is not None and (far | ~bad).all():
        return (f"holds times outside the years 1678 to 2261, which cannot be placed in windows: "
                f"{examples}; replace placeholders such as 9999-12-31 with the real times")
    if v.template is not None:
        return v.template.format(examples=examples, n=int(bad.sum()),
                                 rows="row" if bad.sum() == 1 else "rows",
                                 s="" if bad.sum() == 1 else "s",
                                 whose="whose value is" if bad.sum() == 1 else "whose values are",
                                 it="it" if bad.sum() == 1 else "them")
    return (f"holds values that are not ISO 8601 times or another recognised format (month "
            f"stamps such as Mar-2018 or 2018-03, dates such as 15-Mar-2018 or 15/03/2018, "
            f"epoch seconds): {examples}; {_set(setting, '...')} with the strftime pattern they "
            f"are written in, e.g. \"%d %b %Y %H:%M\" for '15 Mar 2018 09:30'")


def _read_values(values: pd.Series, fmt: str | None, name: str, setting: str) -> _Values:
    """Each value read (no dtype is categorical here)."""
    dtype = values.dtype
    if isinstance(dtype, pd.PeriodDtype):
        missing = np.array(values.isna(), dtype=bool)
        starts = values.dt.start_time
        out = _datetimes(starts, name)
        first = str(values.iloc[int(np.argmax(~missing))]) if (~missing).any() else ""
        how = f"read '{name}' as periods like '{first}', each at its start (taken as UTC)"
        return _Values(out.ns, out.ok & ~missing, missing, how, None, far=out.far)
    if ptypes.is_datetime64_any_dtype(dtype):
        return _datetimes(values, name)
    if ptypes.is_bool_dtype(dtype) or not (ptypes.is_numeric_dtype(dtype)
                                           or ptypes.is_string_dtype(dtype)
                                           or dtype == object):
        return _refused(len(values), f"has type {dtype}; it must hold times (datetime64, text "
                                     f"such as 2025-03-01 09:30 or Mar-2018, or epoch seconds): "
                                     "{examples}")
    if ptypes.is_numeric_dtype(dtype):
        return _numbers(values, fmt, name, setting)
    return _objects(values, fmt, name, setting)


def _utc_ns(idx: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """UTC nanoseconds, read mask and out-of-range mask of a DatetimeIndex (NaT: not read)."""
    if idx.tz is not None:
        idx = idx.tz_convert("UTC").tz_localize(None)
    read = ~np.asarray(idx.isna())
    far = read & np.asarray((idx < _MIN) | (idx > _MAX))
    keep = read & ~far
    idx = idx.where(keep)
    ns = idx.as_unit("ns").asi8 if len(idx) else np.zeros(0, dtype=np.int64)
    return ns, keep, far


def _datetimes(values: pd.Series, name: str) -> _Values:
    missing = np.array(values.isna(), dtype=bool)
    ns, ok, far = _utc_ns(pd.DatetimeIndex(values))
    tz = getattr(values.dtype, "tz", None)
    how = (f"read '{name}' as datetime64 times in {tz}, converted to UTC" if tz is not None
           else f"read '{name}' as datetime64 times (no time zone: taken as UTC)")
    return _Values(ns, ok, missing, how, None, far=far)


def _numbers(values: pd.Series, fmt: str | None, name: str, setting: str) -> _Values:
    """Epoch numbers (unit by size), or dates written as numbers (20180315, 201803)."""
    n = len(values)
    x = values.to_numpy(dtype=float, na_value=np.nan)
    present = ~np.array(values.isna(), dtype=bool) & ~np.isnan(x)
    missing = ~present
    if not present.any():
        return _Values(np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool), missing)
    whole = bool(np.all(np.floor(x[present]) == x[present]))
    pattern = fmt if fmt is not None else _as_date_number(x[present], whole)
    if pattern is not None:
        return _date_numbers(values, x, present, pattern, fmt is not None, name, setting, whole)
    mag = np.abs(x)
    unit = np.full(n, -1, dtype=np.int64)
    for k, (_, top, _) in reversed(list(enumerate(_EPOCH_UNITS))):
        unit[present & (mag < top)] = k
    small = present & (mag < _EPOCH_FLOOR)
    if small[present].all():
        return _refused(n, f"holds numbers from {np.nanmin(x):g} to {np.nanmax(x):g}, too small "
                           f"to be epoch seconds (they would fall before 1973-03-03) and not "
                           f"dates written as numbers such as 20180315: "
                           "{examples}; store the times as dates, datetimes or epoch seconds",
                        missing)
    counts = np.bincount(unit[present & ~small], minlength=len(_EPOCH_UNITS))
    main = int(np.argmax(counts))
    word, _, per = _EPOCH_UNITS[main]
    in_unit = present & (unit == main) & ~small
    if ptypes.is_integer_dtype(values.dtype):  # whole numbers stay exact
        raw = values.to_numpy(dtype=np.int64, na_value=0)
        big = in_unit & (np.abs(raw) > np.iinfo(np.int64).max // per)
        ns = np.where(in_unit & ~big, raw, 0) * per
    else:
        scaled = np.where(in_unit, x, 0.0) * per
        big = in_unit & (np.abs(scaled) >= 9.2e18)
        ns = np.round(np.where(in_unit & ~big, scaled, 0.0)).astype(np.int64)
    ok = in_unit & ~big & (ns >= _MIN.value) & (ns <= _MAX.value)
    far = in_unit & ~ok
    how = None
    if ok.any():
        first = int(np.argmax(ok))
        how = (f"read '{name}' as epoch {word} like {_shown(values.iloc[first])} "
               f"({pd.Timestamp(int(ns[first])):%Y-%m-%d %H:%M} UTC); the unit is guessed from "
               f"their size")
        if values.dtype == np.float32:
            how += (f"; float32 keeps epoch {word} only to about 7 digits, so store them as "
                    f"float64 or whole numbers for exact times")
    others = [w for k, (w, _, _) in enumerate(_EPOCH_UNITS) if counts[k] and k != main]
    template = ("holds epoch numbers of different sizes: most look like " + word
                + (f", these like {' or '.join(others)}" if others else "")
                + " or are too small to be times (before 1973-03-03): {examples}; store every "
                  "time in one unit")
    return _Values(ns, ok, missing, how, None, template, far if far.any() else None)


def _date_numbers(values: pd.Series, x: np.ndarray, present: np.ndarray, pattern: str,
                  given: bool, name: str, setting: str, whole: bool = True) -> _Values:
    """Numbers read as the text they are written as (20180315 with ``%Y%m%d``)."""
    n = len(values)
    if not whole:
        return _refused(n, f"holds numbers with fractions, which {setting} "
                           f"\"{_lit(pattern)}\" cannot read: " "{examples}; store the times as "
                           "text in that pattern", ~present)
    codes, uniq = pd.factorize(np.where(present, x, 0).astype(np.int64))
    texts = pd.Series(np.asarray(uniq).astype(str).astype(object), dtype=object)
    v = _texts(texts, pattern, name, setting, given=given)
    how = None
    if v.how is not None:
        by = f"with {setting} {pattern} " if given else ""
        how = (f"read '{name}' {by}as {_kind(pattern, '')} written as numbers like "
               f"{_shown(values.iloc[int(np.argmax(present))])} (format {pattern})")
    return _Values(v.ns[codes], v.ok[codes] & present, ~present, how, v.format, v.template,
                   None if v.far is None else v.far[codes])


def _as_date_number(x: np.ndarray, whole: bool) -> str | None:
    """The pattern of dates written as numbers (20180315, 201803), or None."""
    if not len(x) or not whole:
        return None
    lo, hi = float(x.min()), float(x.max())
    if 10000101 <= lo and hi <= 29991231:
        return "%Y%m%d"
    if 100001 <= lo and hi <= 299912:
        return "%Y%m"
    return None


def _objects(values: pd.Series, fmt: str | None, name: str, setting: str) -> _Values:
    """Values of an object or text column: text, Python datetimes, or numbers — one kind."""
    n = len(values)
    missing = np.array(values.isna(), dtype=bool)
    if ptypes.is_string_dtype(values.dtype) and values.dtype != object:
        return _texts(values.astype(object), fmt, name, setting)
    inferred = ptypes.infer_dtype(values, skipna=True)
    if inferred in ("string", "empty"):
        return _texts(values, fmt, name, setting)
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
        return _numbers(pd.to_numeric(values), fmt, name, setting)
    if inferred in ("datetime", "datetime64", "date"):
        return _python_datetimes(values, name)
    # mixed kinds: look at each (distinct) value only to say which differ
    kinds = pd.Series(values[~missing].map(_kind_of).to_numpy(), index=np.flatnonzero(~missing))
    found = set(kinds.unique())
    main = kinds.value_counts().index[0]
    ok = np.zeros(n, dtype=bool)
    ok[kinds.index[kinds.to_numpy() == main]] = True
    words = {"text": "text", "number": "numbers", "datetime": "datetimes", "other": "other values"}
    return _refused(n, f"mixes kinds of values ({', '.join(sorted(words[k] for k in found))}); "
                       f"most are {words[main]}, these are not: " "{examples}; store every time "
                       "the same way", missing, ok)


def _stored(values: pd.Series) -> pd.Series:
    """Object values as the dtype they hold, when pandas can tell (categories of numbers)."""
    inferred = ptypes.infer_dtype(values, skipna=True)
    if inferred in ("integer", "floating", "mixed-integer-float"):
        return pd.to_numeric(values)
    return values


def _kind_of(v) -> str:
    if isinstance(v, str):
        return "text"
    if isinstance(v, (bool, np.bool_)):
        return "other"
    if isinstance(v, (int, float, np.integer, np.floating)):
        return "number"
    if isinstance(v, (_dt.date, np.datetime64)):
        return "datetime"
    return "other"


def _python_datetimes(values: pd.Series, name: str) -> _Values:
    """Python datetimes, dates, Timestamps or numpy datetime64 values stored as objects."""
    n = len(values)
    missing = np.array(values.isna(), dtype=bool)
    present = values[~missing]
    try:
        idx = pd.DatetimeIndex(pd.to_datetime(present.to_numpy()))
        zoned = idx.tz is not None
    except (ValueError, TypeError):  # mixed time zones, or zoned with naive ones
        aware = np.fromiter((getattr(v, "tzinfo", None) is not None for v in present),
                            dtype=bool, count=len(present))  # only when the zones differ
        if not aware.all():
            ok = np.zeros(n, dtype=bool)
            ok[np.flatnonzero(~missing)[aware if aware.sum() > (~aware).sum() else ~aware]] = True
            return _refused(n, "mixes datetimes with a time zone and without one; these differ "
                               "from the rest: {examples}; give every time its zone, or none",
                            missing, ok)
        idx = pd.DatetimeIndex(pd.to_datetime(present.to_numpy(), utc=True))
        zoned = True
    ns_p, ok_p, far_p = _utc_ns(idx)
    ns, ok, far = (np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool))
    ns[~missing], ok[~missing], far[~missing] = ns_p, ok_p, far_p
    how = (f"read '{name}' as datetimes with time zones, converted to UTC" if zoned
           else f"read '{name}' as datetimes (no time zone: taken as UTC)")
    return _Values(ns, ok, missing, how, None, far=far)


def _arrow_texts(values: pd.Series) -> pd.Series:
    """Text as ``string[pyarrow]`` (vectorised string work), missing values kept missing."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        return values.reset_index(drop=True)
    return pd.Series(values.to_numpy(dtype=object), dtype="string[pyarrow]")


def _try(fmt: str, texts: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``texts`` read with one format: UTC ns, read mask, out-of-range mask."""
    if fmt == _QUARTER:
        return _quarters(texts)
    idx = _parse(texts, fmt)
    relative = np.asarray(texts.isin(_RELATIVE), dtype=bool)
    if relative.any():  # pandas reads these as the clock's time whatever the format
        idx = idx.where(~relative)
    return _utc_ns(idx)


def _parse(texts: pd.Series, fmt: str) -> pd.DatetimeIndex:
    """Text read with ``fmt`` (NaT where it does not match); offsets converted to UTC."""
    kw = {"format": fmt, "errors": "coerce"}
    if fmt == _ISO or "%z" in fmt:
        kw["utc"] = True  # mixed offsets: one zone (UTC); naive text is told apart by _zones
    return pd.DatetimeIndex(pd.to_datetime(texts, **kw))


def _quarters(texts: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    parts = texts.astype(object).str.extract(_QUARTER_RE)
    year = parts["y1"].fillna(parts["y2"])
    quarter = parts["q1"].fillna(parts["q2"])
    ok = year.notna().to_numpy() & quarter.notna().to_numpy()
    y = pd.to_numeric(year.where(ok, "1970")).to_numpy(dtype=np.int64)
    q = pd.to_numeric(quarter.where(ok, "1")).to_numpy(dtype=np.int64)
    months = (y - 1970) * 12 + (q - 1) * 3
    far = ok & ((y < 1678) | (y > 2261))
    ok &= ~far
    return _month_starts(np.where(ok, months, 0)), ok, far


def _zones(texts: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Which ISO 8601 times end in a UTC offset (``Z``, ``+01:00``), and the offsets seen."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(texts.to_numpy(dtype=object), type=pa.string())
    aware = np.asarray(pc.match_substring_regex(arr, _OFFSET).to_numpy(zero_copy_only=False),
                       dtype=bool)
    if not aware.any():
        return aware, []
    found = pc.struct_field(pc.extract_regex(arr.filter(pa.array(aware)), _OFFSET), "zone")
    return aware, [str(z) for z in pc.unique(found).to_pylist()]


def _kind(fmt: str, example: str) -> str:
    """What the format's values are, in words (plural)."""
    if fmt == _QUARTER:
        return "quarter stamps"
    if fmt == _ISO:
        if ":" in example or "T" in example:
            return "ISO 8601 times"
        return {4: "years", 7: "month stamps"}.get(len(example.strip()), "ISO 8601 dates")
    found = set(re.findall(r"%([A-Za-z])", fmt))
    if found & {"H", "I", "M", "S", "f", "p"}:
        return "times"
    if found & {"d", "j"}:
        return "dates"
    if found & {"m", "b", "B"}:
        return "month stamps"
    return "years"


def _one(kind: str) -> str:
    """A plural kind in the singular: ``month stamps`` → ``a month stamp``."""
    word = kind[:-1] if kind.endswith("s") else kind
    return ("an " if word[0] in "aeiouAEIOU" else "a ") + word


def _fmt_words(fmt: str) -> str:
    return {"ISO8601": "ISO 8601", _QUARTER: "year and quarter"}.get(fmt, f"format {fmt}")


def _texts(values: pd.Series, fmt: str | None, name: str, setting: str,
           given: bool | None = None) -> _Values:
    """Distinct text values read with ``fmt``, or with the first recognised format."""
    given = fmt is not None if given is None else given
    n = len(values)
    text = _arrow_texts(values).str.strip()
    missing = np.asarray(text.isna() | (text == ""), dtype=bool)
    live = np.flatnonzero(~missing)
    t = text.iloc[live].reset_index(drop=True)
    ns, ok, far = (np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool))

    def done(f: str, parsed, how: str | None, template: str | None) -> _Values:
        ns[live], ok[live], far[live] = parsed
        return _Values(ns, ok, missing, how, f, template, far)

    if not len(t):
        return _Values(ns, ok, missing, None, fmt)
    if given:
        parsed = _try(fmt, t)
        example = t.iloc[int(np.argmax(parsed[1]))] if parsed[1].any() else t.iloc[0]
        zone = ", converted to UTC" if "%z" in fmt else ""
        return done(fmt, parsed,
                    f"read '{name}' with {setting} {fmt} as {_kind(fmt, example)} like "
                    f"'{example}'{zone}",
                    f"holds values that do not match {setting} \"{_lit(fmt)}\": " "{examples}; "
                    f"correct {{it}}, or set {setting} to the pattern every value is written in")
    sample = t.iloc[np.unique(np.linspace(0, len(t) - 1, min(len(t), _SAMPLE)).astype(np.int64))]
    best: tuple[float, str | None] = (0.0, None)
    for cand, twin in _CANDIDATES:
        got = _try(cand, sample)
        share = float(got[1].mean() + got[2].mean())
        if share == 1.0 and len(sample) < len(t):
            got = _try(cand, t)
            share = float(got[1].mean() + got[2].mean())
        if share < 1.0:
            best = max(best, (share, cand), key=lambda b: b[0])
            continue
        if twin is not None and _try(twin, sample)[1].all():  # both read the sample
            other = _try(twin, t)
            if other[1].all() and not np.array_equal(other[0], got[0]):
                differ = t.iloc[int(np.argmax(other[0] != got[0]))]
                return done(cand, (got[0], np.zeros(len(t), dtype=bool), got[2]), None,
                            f"holds dates that read both day first ({cand}) and month first "
                            f"({twin}), such as '{_lit(differ)}'; among them "
                            "{examples}; " f"{_set(setting, cand)} if the day comes first, or "
                            f"{_set(setting, twin)} if the month does")
        return _texts_read(cand, got, t, done, name)
    share, cand = best
    if cand is None:
        none = np.zeros(len(t), dtype=bool)
        return done("", (np.zeros(len(t), dtype=np.int64), none, none), None, None)
    parsed = _try(cand, t)
    example = t.iloc[int(np.argmax(parsed[1]))] if parsed[1].any() else t.iloc[0]
    kind = _kind(cand, example)
    return done(cand, parsed, None,
                f"holds {{n:,}} {{rows}} {{whose}} not {_one(kind)} like '{_lit(example)}' "
                f"({_fmt_words(cand)}) as the other values are: " "{examples}; correct {it}, or "
                f"{_set(setting, '...')} to the one pattern every value is written in")


def _texts_read(cand: str, parsed, t: pd.Series, done, name: str) -> _Values:
    """Every value read with ``cand``: check UTC offsets (all or none), and say how."""
    example = t.iloc[0]
    kind = _kind(cand, example)
    zone = ""
    if cand == _ISO or "%z" in cand:
        aware, seen = _zones(t)
        if aware.any() and not aware.all():
            minority = ~aware if (~aware).sum() <= aware.sum() else aware
            other = t.iloc[int(np.argmax(~minority))]
            return done(cand, (parsed[0], ~minority, parsed[2]), None,
                        f"mixes times with a UTC offset and times without one (such as "
                        f"'{_lit(other)}'); these differ from the rest: " "{examples}; write "
                        "every time with its UTC offset (or none)")
        if aware.any():
            listed = ", ".join(str(o) for o in seen[:3]) + (", …" if len(seen) > 3 else "")
            zone = (f", with UTC offset{'s' if len(seen) > 1 else ''} {listed}, "
                    f"converted to UTC")
    how = f"read '{name}' as {kind} like '{example}' ({_fmt_words(cand)}){zone}"
    return done(cand, parsed, how, None)


def times_ns(s: pd.Series, time_format: str | None = None
             ) -> tuple[np.ndarray | None, str | None, np.ndarray | None]:
    """UTC nanoseconds of a time column, or ``(None, why, bad_rows_mask)``.

    :func:`read_times` without the sentence, for callers that raise their own
    :class:`~trustlab.DataError`.
    """
    r = read_times(s, time_format)
    return r.ns, r.why, r.bad


def time_ns(value, time_format: str | None = None) -> int:
    """UTC nanoseconds of one time value, read as :func:`read_times` reads a column.

    Text and numbers go through the same reader as a whole column (cached),
    so a record decided online falls in the same window as in bulk.

    Raises
    ------
    ValueError
        For a missing time, or one that cannot be read (the reason says why).
    TypeError
        For a value of another kind (a list, a dict).

    Examples
    --------
    >>> time_ns("Mar-2018") == time_ns("2018-03-01")
    True
    >>> time_ns("15/03/2018", "%d/%m/%Y") == time_ns(pd.Timestamp("2018-03-15"))
    True
    """
    if value is None or value is pd.NaT or value is pd.NA or (
            isinstance(value, (float, np.floating)) and np.isnan(value)):
        raise ValueError("missing time")
    if isinstance(value, (str, int, float, np.integer, np.floating)) and \
            not isinstance(value, (bool, np.bool_)):
        if isinstance(value, np.generic):
            value = value.item()
        return _one_value(type(value).__name__, value, time_format)
    if not isinstance(value, (_dt.date, np.datetime64)):
        raise TypeError(f"a time must be a datetime, date, text or number; got "
                        f"{type(value).__name__}")
    ts = pd.Timestamp(value)
    if ts is pd.NaT:
        raise ValueError("missing time")
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return int(ts.as_unit("ns").value)


@lru_cache(maxsize=8192)
def _one_value(kind: str, value, time_format: str | None) -> int:
    values = pd.Series([value], dtype=object)
    v = _read_values(values, time_format, "time", TIME_SETTING)
    if not bool(v.ok[0]):
        if bool(v.missing[0]):
            raise ValueError("missing time")
        if v.far is not None and bool(v.far[0]):
            raise ValueError(f"{value!r} is outside the years 1678 to 2261")
        why = v.template if v.template is not None else (
            "is not an ISO 8601 time or another recognised format: {examples}; "
            + _set(TIME_SETTING, "...") + " with the strftime pattern it is written in")
        raise ValueError(why.format(examples=repr(value), n=1, rows="row", s="",
                                    whose="whose value is", it="it"))
    return int(v.ns[0])


# ----------------------------------------------------------------------------- windows


def _months(ns) -> np.ndarray:
    """Calendar months since 1970-01 of UTC nanoseconds (floored, so before 1970 too)."""
    return (np.asarray(ns, dtype=np.int64).view("datetime64[ns]").astype("datetime64[M]")
            .astype(np.int64))


def _month_starts(months) -> np.ndarray:
    """UTC nanoseconds of the first instant of months counted since 1970-01."""
    return (np.asarray(months, dtype=np.int64).astype("datetime64[M]").astype("datetime64[ns]")
            .astype(np.int64))


def window_ids(ns: np.ndarray, window: Window) -> np.ndarray:
    """The window each time falls in.

    Fixed windows are aligned to the Unix epoch (weeks start on Monday);
    calendar windows count months since 1970-01, floor-divided by the
    window's months (``1Q`` and ``3M``: quarters from January, April, July,
    October).

    Examples
    --------
    >>> from trustlab.policy import read_window
    >>> t = pd.DatetimeIndex(["2018-01-31 23:59", "2018-02-01", "2018-03-31", "2018-04-01"],
    ...                      dtype="datetime64[ns]")
    >>> window_ids(t.asi8, read_window("1M", "doc", "w")).tolist()
    [576, 577, 578, 579]
    >>> window_ids(t.asi8, read_window("1Q", "doc", "w")).tolist()
    [192, 192, 192, 193]
    """
    ns = np.asarray(ns, dtype=np.int64)
    if window.calendar:
        return _months(ns) // window.months
    length = window.seconds * 10**9
    origin = WEEK_ORIGIN_NS if window.unit == "W" else 0
    return (ns - origin) // length


def window_id(ns: int, window: Window) -> int:
    """:func:`window_ids` for one time."""
    return int(window_ids(np.array([ns], dtype=np.int64), window)[0])


def window_bounds(ns: int, window: Window) -> tuple[int, int, int]:
    """The id of the window holding time ``ns`` (UTC nanoseconds), its first instant and
    its end (the next window's first instant): integer arithmetic for fixed windows.

    Examples
    --------
    >>> from trustlab.policy import read_window
    >>> window_bounds(86_400 * 10**9 + 5, read_window("1D", "doc", "w"))
    (1, 86400000000000, 172800000000000)
    """
    if window.calendar:  # months and quarters vary in length
        wid = window_id(ns, window)
        ids = np.array([wid, wid + 1], dtype=np.int64)
        start, end = window_starts(ids, window).asi8.tolist()
        return wid, start, end
    length = window.seconds * 10**9
    origin = WEEK_ORIGIN_NS if window.unit == "W" else 0
    wid = (ns - origin) // length  # as window_ids places them
    start = origin + wid * length
    return wid, start, start + length


def window_starts(ids: np.ndarray, window: Window) -> pd.DatetimeIndex:
    """The first instant of each window id (the inverse of :func:`window_ids`).

    Examples
    --------
    >>> from trustlab.policy import read_window
    >>> starts = window_starts(np.array([576, 577]), read_window("1M", "doc", "w"))
    >>> starts.strftime("%Y-%m-%d").tolist()
    ['2018-01-01', '2018-02-01']
    """
    ids = np.asarray(ids, dtype=np.int64)
    if window.calendar:
        return pd.DatetimeIndex(_month_starts(ids * window.months))
    origin = WEEK_ORIGIN_NS if window.unit == "W" else 0
    return pd.DatetimeIndex(origin + ids * (window.seconds * 10**9))


def window_ends(ids: np.ndarray, window: Window) -> pd.DatetimeIndex:
    """The end of each window id: the first instant of the window after it."""
    return window_starts(np.asarray(ids, dtype=np.int64) + 1, window)


def shift_times(ns, window: Window, n: int = 1):
    """Times moved by ``n`` windows (``n`` may be negative), calendar months included.

    A month later is the same day and time of the next month, or its last
    day when it is shorter (31 January + 1M = 28 February).

    Examples
    --------
    >>> from trustlab.policy import read_window
    >>> t = pd.DatetimeIndex(["2018-01-31 09:00", "2018-03-15"]).as_unit("ns").asi8
    >>> pd.DatetimeIndex(shift_times(t, read_window("1M", "doc", "w"))).strftime(
    ...     "%Y-%m-%d %H:%M").tolist()
    ['2018-02-28 09:00', '2018-04-15 00:00']
    >>> pd.Timestamp(shift_times(int(t[1]), read_window("7D", "doc", "w"), -1))
    Timestamp('2018-03-08 00:00:00')
    """
    scalar = np.ndim(ns) == 0
    x = np.atleast_1d(np.asarray(ns, dtype=np.int64))
    if not window.calendar:
        out = x + n * window.seconds * 10**9
    else:
        m = _months(x)
        within = x - _month_starts(m)
        target = m + n * window.months
        start = _month_starts(target)
        days = (_month_starts(target + 1) - start) // _DAY_NS
        out = start + np.minimum(within // _DAY_NS, days - 1) * _DAY_NS + within % _DAY_NS
    return int(out[0]) if scalar else out


def span_start(t0, span: Window):
    """Where a span that begins with the time ``t0`` starts: ``t0`` itself for a fixed span,
    the first of its month for ``M`` (of its quarter for ``Q``).

    Examples
    --------
    >>> from trustlab.policy import read_window
    >>> t0 = pd.Timestamp("2018-05-14 10:00").value
    >>> pd.Timestamp(span_start(t0, read_window("9M", "doc", "w")))
    Timestamp('2018-05-01 00:00:00')
    >>> pd.Timestamp(span_start(t0, read_window("1Q", "doc", "w")))
    Timestamp('2018-04-01 00:00:00')
    """
    scalar = np.ndim(t0) == 0
    x = np.atleast_1d(np.asarray(t0, dtype=np.int64))
    if span.calendar:
        m = _months(x)
        x = _month_starts(m - m % 3 if span.unit == "Q" else m)
    return int(x[0]) if scalar else x


def span_end(t0, span: Window):
    """The end of a span such as a reference's ``first: 90D`` that begins with the time ``t0``.

    A fixed span ends its length after ``t0``; a calendar span counts whole
    months from the first of ``t0``'s month (of its quarter for ``Q``):
    ``first: 3M`` from 14 March 2018 is March, April and May.

    Examples
    --------
    >>> from trustlab.policy import read_window
    >>> t0 = pd.Timestamp("2018-03-14 10:00").value
    >>> pd.Timestamp(span_end(t0, read_window("3M", "doc", "w")))
    Timestamp('2018-06-01 00:00:00')
    >>> pd.Timestamp(span_end(t0, read_window("1Q", "doc", "w")))
    Timestamp('2018-04-01 00:00:00')
    >>> pd.Timestamp(span_end(t0, read_window("2D", "doc", "w")))
    Timestamp('2018-03-16 10:00:00')
    """
    start = span_start(np.atleast_1d(np.asarray(t0, dtype=np.int64)), span)
    out = (_month_starts(_months(start) + span.months) if span.calendar
           else start + span.seconds * 10**9)
    return int(out[0]) if np.ndim(t0) == 0 else out
