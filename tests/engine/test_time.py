"""Times as teams store them, and fixed or calendar windows: every format by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustlab
from trustlab import _time
from trustlab._time import (read_times, shift_times, span_end, time_ns, times_ns,
                                   window_ends, window_id, window_ids, window_starts)
from trustlab.policy import read_window
from _support import BASE, policy_text


def ts(*texts: str) -> list[pd.Timestamp]:
    return [pd.Timestamp(t) for t in texts]


def as_times(ns: np.ndarray) -> list[pd.Timestamp]:
    return list(pd.DatetimeIndex(ns))


W = {text: read_window(text, "test", "window") for text in
     ("1M", "2M", "3M", "1Q", "2Q", "1D", "7D", "1W", "12h")}


# ----------------------------------------------------------------------------- formats

FORMATS = [
    # values, the times they are, words of the sentence
    (["Mar-2018", "Dec-2019"], ts("2018-03-01", "2019-12-01"),
     "as month stamps like 'Mar-2018' (format %b-%Y)"),
    (["March 2018", "December 2019"], ts("2018-03-01", "2019-12-01"), "(format %B %Y)"),
    (["Mar-18", "Dec-19"], ts("2018-03-01", "2019-12-01"), "(format %b-%y)"),
    (["2018-03", "2019-12"], ts("2018-03-01", "2019-12-01"),
     "as month stamps like '2018-03' (format %Y-%m)"),
    (["03/2018", "12/2019"], ts("2018-03-01", "2019-12-01"), "(format %m/%Y)"),
    (["201803", "201912"], ts("2018-03-01", "2019-12-01"), "(format %Y%m)"),
    (["2018Q1", "2019-Q4", "Q2 2018"], ts("2018-01-01", "2019-10-01", "2018-04-01"),
     "as quarter stamps like '2018Q1'"),
    (["2018-03-15", "2019-12-31"], ts("2018-03-15", "2019-12-31"),
     "as ISO 8601 dates like '2018-03-15' (ISO 8601)"),
    (["2018-03-15 09:30", "2018-03-15T09:30:05"], ts("2018-03-15 09:30", "2018-03-15 09:30:05"),
     "as ISO 8601 times"),
    (["20180315", "20191231"], ts("2018-03-15", "2019-12-31"), "(ISO 8601)"),
    (["15/03/2018", "01/04/2018"], ts("2018-03-15", "2018-04-01"),
     "as dates like '15/03/2018' (format %d/%m/%Y)"),
    (["03/15/2018", "04/01/2018"], ts("2018-03-15", "2018-04-01"), "(format %m/%d/%Y)"),
    (["15.03.2018 09:30", "01.04.2018 10:00"], ts("2018-03-15 09:30", "2018-04-01 10:00"),
     "as times like '15.03.2018 09:30' (format %d.%m.%Y %H:%M)"),
    (["15-Mar-2018", "1-Apr-2018"], ts("2018-03-15", "2018-04-01"), "(format %d-%b-%Y)"),
    (["Mar 15, 2018", "Apr 1, 2018"], ts("2018-03-15", "2018-04-01"), "(format %b %d, %Y)"),
    (["2018/03/15", "2018/04/01"], ts("2018-03-15", "2018-04-01"), "(ISO 8601)"),
    (["15 Mar 2018 09:30", "1 Apr 2018 10:00"], ts("2018-03-15 09:30", "2018-04-01 10:00"),
     "as times like '15 Mar 2018 09:30' (format %d %b %Y %H:%M)"),
    (["Thu, 15 Mar 2018 09:30:00 +0100"], ts("2018-03-15 08:30"),
     "(format %a, %d %b %Y %H:%M:%S %z), with UTC offset +0100, converted to UTC"),
    ([" Mar-2018 ", "Apr-2018"], ts("2018-03-01", "2018-04-01"), "(format %b-%Y)"),
]


@pytest.mark.parametrize("values, expected, words", FORMATS)
def test_recognised_formats(values, expected, words):
    """Check that every recognised text format reads to the right UTC times and says how."""
    r = read_times(pd.Series(values, name="when"))
    assert r.ok, r.why
    assert as_times(r.ns) == expected
    assert r.how.startswith("read 'when' as ") or r.how.startswith("read 'when' with ")
    assert words in r.how


@pytest.mark.parametrize("dtype", ["str", "string[pyarrow]", object, "category"])
def test_month_stamps_in_every_storage(dtype):
    """Check that month stamps read the same as pandas 3 str, string[pyarrow], object, category."""
    s = pd.Series(["Mar-2018", "Apr-2018", None, "Mar-2018"], dtype=dtype, name="issue_d")
    r = read_times(s.iloc[[0, 1, 3]])
    assert as_times(r.ns) == ts("2018-03-01", "2018-04-01", "2018-03-01")
    assert r.how == "read 'issue_d' as month stamps like 'Mar-2018' (format %b-%Y)"
    assert r.format == "%b-%Y"
    missing = read_times(s)
    assert missing.ns is None and "missing times" in missing.why
    assert missing.bad.tolist() == [False, False, True, False]


def test_distinct_values_are_parsed_once(monkeypatch):
    """Check that a column repeating few values is parsed on its distinct values only."""
    seen: list[int] = []
    parse = _time._parse

    def counting(texts, fmt):
        seen.append(len(texts))
        return parse(texts, fmt)

    monkeypatch.setattr(_time, "_parse", counting)
    months = pd.date_range("2016-01-01", periods=36, freq="MS").strftime("%b-%Y")
    rows = np.random.default_rng(0).integers(0, 36, 50_000)
    s = pd.Series(np.asarray(months)[rows], dtype="str")
    r = read_times(s)
    assert max(seen) == 36
    expected = pd.date_range("2016-01-01", periods=36, freq="MS").as_unit("ns").asi8[rows]
    assert np.array_equal(r.ns, expected)


def test_datetime64_columns():
    """Check naive datetime64 is taken as UTC and a zoned one converted to UTC."""
    naive = pd.Series(pd.to_datetime(["2018-03-15 00:00", "2018-04-01 12:00"]), name="t")
    r = read_times(naive)
    assert as_times(r.ns) == ts("2018-03-15", "2018-04-01 12:00")
    assert "no time zone: taken as UTC" in r.how
    zoned = naive.dt.tz_localize("Europe/Paris")
    r = read_times(zoned)
    assert as_times(r.ns) == ts("2018-03-14 23:00", "2018-04-01 10:00")  # CET, then CEST
    assert "in Europe/Paris, converted to UTC" in r.how
    periods = pd.Series(pd.period_range("2018-01", periods=2, freq="M"), name="m")
    assert as_times(read_times(periods).ns) == ts("2018-01-01", "2018-02-01")


def test_python_datetimes_as_objects():
    """Check datetimes stored as objects read, and zoned mixed with naive ones are refused."""
    import datetime as dt

    s = pd.Series([dt.datetime(2018, 3, 15, 9), dt.date(2018, 4, 1)], dtype=object)
    assert as_times(read_times(s).ns) == ts("2018-03-15 09:00", "2018-04-01")
    mixed = pd.Series([dt.datetime(2018, 3, 15, tzinfo=dt.timezone.utc),
                       dt.datetime(2018, 3, 16), dt.datetime(2018, 3, 17)], dtype=object)
    r = read_times(mixed)
    assert r.ns is None and "with a time zone and without one" in r.why
    assert "(row position 0)" in r.why


def test_epoch_numbers_and_their_unit():
    """Check epoch numbers read in the unit their size says, and the sentence names it."""
    t = pd.Timestamp("2018-03-04 00:00")
    sec = int(t.value // 10**9)
    r = read_times(pd.Series([sec, sec + 60], name="ts"))
    assert as_times(r.ns) == [t, t + pd.Timedelta("60s")]
    assert r.how.startswith(f"read 'ts' as epoch seconds like {sec} (2018-03-04 00:00 UTC)")
    assert "guessed from their size" in r.how
    r = read_times(pd.Series([sec + 0.5], dtype="float64"))
    assert as_times(r.ns) == [t + pd.Timedelta("500ms")]
    r = read_times(pd.Series([sec * 1000, sec * 1000 + 1], dtype="Int64", name="ms"))
    assert as_times(r.ns) == [t, t + pd.Timedelta("1ms")]
    assert "as epoch milliseconds" in r.how
    r = read_times(pd.Series([sec * 10**6], name="us"))
    assert "as epoch microseconds" in r.how and as_times(r.ns) == [t]
    r = read_times(pd.Series([sec], dtype="float32"))
    assert "float32 keeps epoch seconds only to about 7 digits" in r.how


def test_numbers_that_are_not_epoch_times():
    """Check dates written as numbers read, and small or mixed-unit numbers are refused."""
    r = read_times(pd.Series([20180315, 20191231], name="d"))
    assert as_times(r.ns) == ts("2018-03-15", "2019-12-31")
    assert r.how == "read 'd' as dates written as numbers like 20180315 (format %Y%m%d)"
    assert as_times(read_times(pd.Series([201803, 201912])).ns) == ts("2018-03-01", "2019-12-01")
    r = read_times(pd.Series([1, 2, 36], name="month_no"))
    assert r.ns is None and "too small to be epoch seconds" in r.why
    assert "1 (row position 0), 2 (row position 1) and 36 (row position 2)" in r.why
    sec = 1_520_121_600
    r = read_times(pd.Series([sec, sec + 1, sec * 1000, sec + 2]))
    assert r.ns is None and "different sizes" in r.why and "milliseconds" in r.why
    assert r.bad.tolist() == [False, False, True, False]
    assert f"{sec * 1000} (row position 2)" in r.why
    r = read_times(pd.Series([True, False]))
    assert r.ns is None and "has type bool" in r.why


# ----------------------------------------------------------------------------- refusals


def test_time_format_reads_exactly():
    """Check that a time_format reads text with that pattern only, day first when it says so."""
    s = pd.Series(["03/04/2018", "04/05/2018"], name="t")
    assert read_times(s).ns is None  # both day-first and month-first read these
    r = read_times(s, "%d/%m/%Y")
    assert as_times(r.ns) == ts("2018-04-03", "2018-05-04")
    assert r.how == "read 't' with columns.time_format %d/%m/%Y as dates like '03/04/2018'"
    assert as_times(read_times(s, "%m/%d/%Y").ns) == ts("2018-03-04", "2018-04-05")
    # ISO text that a pattern does not describe is not read "helpfully"
    assert read_times(pd.Series(["2018-03-04"]), "%d/%m/%Y").ns is None


def test_time_format_refuses_values_that_do_not_match():
    """Check that values not in the pattern are refused: three shown, with row positions."""
    s = pd.Series(["15/03/2018", "2018-03-16", "16/03/2018", "March 17", "x", "y"], name="t")
    r = read_times(s, "%d/%m/%Y")
    assert r.ns is None
    assert r.bad.tolist() == [False, True, False, True, True, True]
    assert r.why == ("holds values that do not match columns.time_format \"%d/%m/%Y\": "
                     "'2018-03-16' (row position 1), 'March 17' (row position 3) and 'x' "
                     "(row position 4); 4 rows in all; correct them, or set "
                     "columns.time_format to the pattern every value is written in")


def test_unreadable_values_name_three_and_the_fix():
    """Check text in no recognised format is refused with three values and the setting."""
    r = read_times(pd.Series(["yesterday", "last week", "yesterday", "soon", "later"], name="t"))
    assert r.ns is None and r.bad.all()
    assert "not ISO 8601 times or another recognised format" in r.why
    assert ("'yesterday' (row position 0), 'last week' (row position 1) and 'soon' "
            "(row position 3); 5 rows in all") in r.why
    assert 'set columns.time_format: "..."' in r.why
    # most values in one format: the others are the offending ones
    r = read_times(pd.Series(["Mar-2018", "n/a", "Apr-2018", "TBD", "??", "zz", "Mar-2018"]))
    assert r.why.startswith("holds 4 rows whose values are not a month stamp like 'Mar-2018' "
                            "(format %b-%Y) as the other values are: 'n/a' (row position 1), "
                            "'TBD' (row position 3) and '??' (row position 4); correct them")
    # outside the years nanoseconds can hold
    r = read_times(pd.Series(["2018-03-15", "9999-12-31"]))
    assert "outside the years 1678 to 2261" in r.why and "'9999-12-31' (row position 1)" in r.why
    # the fix of a keyword argument
    r = read_times(pd.Series(["soon"]), setting="time_format")
    assert 'pass time_format="..."' in r.why


def test_day_month_ambiguity_is_refused():
    """Check dates that read both day first and month first are refused with both fixes."""
    r = read_times(pd.Series(["03/04/2018", "04/05/2018", "01/02/2018"], name="t"))
    assert r.ns is None
    assert 'set columns.time_format: "%d/%m/%Y" if the day comes first' in r.why
    assert 'set columns.time_format: "%m/%d/%Y" if the month does' in r.why


def test_utc_offsets_convert_to_utc():
    """Check text mixing UTC offsets is converted to UTC, not refused with a traceback."""
    s = pd.Series(["2025-03-01T09:00+01:00", "2025-03-01T09:00+02:00", "2025-03-01T09:00Z",
                   "2025-03-01T00:30+01:00"], name="t")
    r = read_times(s)
    assert as_times(r.ns) == ts("2025-03-01 08:00", "2025-03-01 07:00", "2025-03-01 09:00",
                                "2025-02-28 23:30")
    assert r.how.endswith("with UTC offsets +01:00, +02:00, Z, converted to UTC")
    # the last one is in February in UTC, so in February's window
    assert window_ids(r.ns, W["1M"]).tolist() == [662, 662, 662, 661]


def test_offsets_mixed_with_naive_times_are_refused():
    """Check times with and without a UTC offset in one column are a DataError with the fix."""
    s = pd.Series(["2025-03-01T09:00+01:00", "2025-03-01T10:00", "2025-03-02T09:00+01:00"])
    ns, why, bad = times_ns(s)
    assert ns is None and bad.tolist() == [False, True, False]
    assert "mixes times with a UTC offset and times without one" in why
    assert "'2025-03-01T10:00' (row position 1)" in why
    assert "write every time with its UTC offset" in why
    p = trustlab.parse_policy(policy_text(RATE_1M))
    frame = _frame(["2025-03-01T09:00+01:00", "2025-03-01T10:00", "2025-03-02T09:00+01:00"])
    with pytest.raises(trustlab.DataError, match=r"column 't': mixes times with a UTC offset"):
        p.apply(frame)


def test_policy_time_format_is_read_everywhere():
    """Check a policy's columns.time_format reads its time column, and a mismatch names it."""
    text = BASE.replace("columns: {id: app_id, time: t}",
                        'columns: {id: app_id, time: t, time_format: "%d/%m/%Y"}') + RATE_1M
    p = trustlab.parse_policy(text)
    frame = _frame(["31/01/2019", "01/02/2019", "02/02/2019", "03/02/2019", "28/02/2019"])
    assert p.apply(frame)["action"].tolist() == ["decline"] * 4 + ["review"]
    bad = _frame(["31/01/2019", "2019-02-01", "02/02/2019", "Feb 3"])
    with pytest.raises(trustlab.DataError) as info:
        p.apply(bad)
    msg = str(info.value)
    assert "column 't': holds values that do not match columns.time_format \"%d/%m/%Y\"" in msg
    assert "'2019-02-01' (row position 1) and 'Feb 3' (row position 3)" in msg
    with pytest.raises(trustlab.DataError, match="does not match|do not match"):
        p.decide(bad.iloc[1].to_dict(), trustlab.GuardrailState())


# ----------------------------------------------------------------------------- one value


@pytest.mark.parametrize("values, expected, words", FORMATS)
def test_one_value_reads_as_the_column_does(values, expected, words):
    """Check time_ns reads each value to the time the column gives it, or refuses it.

    A lone ``01/04/2018`` reads both day first and month first, so it is refused
    (never placed in another window than in bulk); with the column's pattern
    it reads as in bulk.
    """
    fmt = read_times(pd.Series(values)).format
    for v, t in zip(values, expected):
        try:
            assert pd.Timestamp(time_ns(v)) == t
        except ValueError as exc:
            assert "day first" in str(exc)
        if fmt not in ("ISO8601", "year and quarter"):
            assert pd.Timestamp(time_ns(v, fmt)) == t


def test_one_value_refusals():
    """Check time_ns refuses missing, ambiguous and unreadable values with the reason."""
    with pytest.raises(ValueError, match="missing"):
        time_ns(None)
    with pytest.raises(ValueError, match="day first"):
        time_ns("03/04/2018")
    assert pd.Timestamp(time_ns("03/04/2018", "%d/%m/%Y")) == pd.Timestamp("2018-04-03")
    with pytest.raises(ValueError, match="not an ISO 8601 time"):
        time_ns("yesterday")
    with pytest.raises(TypeError):
        time_ns([2018, 3])
    assert time_ns(pd.Timestamp("2018-03-01", tz="Europe/Paris")) == \
        pd.Timestamp("2018-02-28 23:00").value


# ----------------------------------------------------------------------------- windows


def test_calendar_window_ids_and_starts():
    """Check M counts months since 1970-01 over the count, Q starts Jan/Apr/Jul/Oct."""
    t = pd.DatetimeIndex(["1969-12-31 23:59", "1970-01-01", "2018-01-31 23:59:59",
                          "2018-02-01", "2018-02-28 23:59", "2018-03-01", "2018-06-30",
                          "2018-07-01"], dtype="datetime64[ns]").asi8
    months = [-1, 0, 576, 577, 577, 578, 581, 582]
    assert window_ids(t, W["1M"]).tolist() == months
    assert window_ids(t, W["2M"]).tolist() == [m // 2 for m in months]
    assert window_ids(t, W["3M"]).tolist() == window_ids(t, W["1Q"]).tolist() == \
        [m // 3 for m in months]
    assert window_ids(t, W["2Q"]).tolist() == [m // 6 for m in months]
    assert [window_id(int(x), W["1Q"]) for x in t] == [m // 3 for m in months]
    starts = window_starts(window_ids(t, W["1Q"]), W["1Q"])
    assert starts.strftime("%Y-%m-%d").tolist() == [
        "1969-10-01", "1970-01-01", "2018-01-01", "2018-01-01", "2018-01-01", "2018-01-01",
        "2018-04-01", "2018-07-01"]
    assert window_starts(np.array([577]), W["1M"])[0] == pd.Timestamp("2018-02-01")
    assert window_ends(np.array([577]), W["1M"])[0] == pd.Timestamp("2018-03-01")
    assert window_starts(np.array([96]), W["2Q"])[0] == pd.Timestamp("2018-01-01")


def test_fixed_windows_unchanged():
    """Check fixed windows stay epoch-aligned, weeks from Monday."""
    t = pd.DatetimeIndex(["2025-01-05 23:59", "2025-01-06 00:00"], dtype="datetime64[ns]").asi8
    assert window_starts(window_ids(t, W["1W"]), W["1W"]).strftime("%Y-%m-%d").tolist() == \
        ["2024-12-30", "2025-01-06"]
    assert window_ids(t, W["1D"]).tolist() == [20093, 20094]
    assert window_ids(t, W["12h"]).tolist() == [40187, 40188]


def test_shift_times_and_span_end():
    """Check months step to the same day (or the month's last) and spans start on the first."""
    t = pd.DatetimeIndex(["2019-01-31 09:00", "2020-01-31", "2019-03-31 12:00", "2019-05-15"],
                         dtype="datetime64[ns]").asi8
    assert as_times(shift_times(t, W["1M"])) == ts("2019-02-28 09:00", "2020-02-29",
                                                   "2019-04-30 12:00", "2019-06-15")
    assert as_times(shift_times(t, W["1M"], -1)) == ts("2018-12-31 09:00", "2019-12-31",
                                                       "2019-02-28 12:00", "2019-04-15")
    assert as_times(shift_times(t, W["1Q"])) == ts("2019-04-30 09:00", "2020-04-30",
                                                   "2019-06-30 12:00", "2019-08-15")
    assert as_times(shift_times(t, W["7D"], 2))[0] == pd.Timestamp("2019-02-14 09:00")
    assert pd.Timestamp(span_end(int(t[3]), W["3M"])) == pd.Timestamp("2019-08-01")
    assert pd.Timestamp(span_end(int(t[3]), W["1Q"])) == pd.Timestamp("2019-07-01")
    assert pd.Timestamp(span_end(int(t[3]), W["2Q"])) == pd.Timestamp("2019-10-01")
    assert pd.Timestamp(span_end(int(t[3]), W["7D"])) == pd.Timestamp("2019-05-22")


# ----------------------------------------------------------------------------- bulk = online

RATE_1M = """
guardrails:
  - {id: cap-month, kind: rate_limit, action: decline, max: 3, per: 1M, overflow: review}
  - {id: cap-quarter, kind: rate_limit, action: decline, max: 7, per: 1Q, overflow: review}
"""


def _frame(times) -> pd.DataFrame:
    n = len(times)
    return pd.DataFrame({"app_id": [f"a{i:03d}" for i in range(n)], "t": times,
                         "p": [0.9] * n, "amount": [50] * n, "grade": ["A"] * n})


@pytest.mark.parametrize("style", [
    "month stamps",
    pytest.param("iso with offsets", marks=pytest.mark.slow),  # ~15 s: offsets parsed per row
    "epoch seconds", "time_format"])
def test_bulk_and_online_place_records_in_the_same_windows(style):
    """Check apply() and decide() one record at a time cap the same records per 1M and 1Q."""
    rng = np.random.default_rng(3)
    t = pd.Series(pd.date_range("2018-12-01", "2019-08-31 23:00", freq="h")).sample(
        300, random_state=1).sort_values().reset_index(drop=True)
    if style == "month stamps":
        t = t.dt.to_period("M").dt.start_time
    elif style == "time_format":
        t = t.dt.floor("D")
    text = BASE + RATE_1M
    if style == "month stamps":
        times = pd.Series(t.dt.strftime("%b-%Y"), dtype="str")
    elif style == "iso with offsets":
        offsets = rng.choice(["+01:00", "+02:00", "-05:00", "Z"], len(t))
        times = pd.Series([f"{x:%Y-%m-%dT%H:%M}{o}" for x, o in zip(t, offsets)], dtype=object)
        utc = t.dt.tz_localize("UTC") - pd.to_timedelta(
            [0 if o == "Z" else int(o[:3]) for o in offsets], unit="h")  # local - offset
        t = utc.dt.tz_localize(None)
        order = np.argsort(t.to_numpy(), kind="stable")
        times, t = times.iloc[order].reset_index(drop=True), t.iloc[order].reset_index(drop=True)
    elif style == "epoch seconds":
        times = pd.Series(t.astype("datetime64[ns]").astype(np.int64) // 10**9)
    else:
        times = pd.Series(t.dt.strftime("%d/%m/%Y"), dtype="string[pyarrow]")
        text = BASE.replace("columns: {id: app_id, time: t}",
                            'columns: {id: app_id, time: t, time_format: "%d/%m/%Y"}') + RATE_1M
    p = trustlab.parse_policy(text)
    frame = _frame(times)
    bulk = p.apply(frame)
    state = trustlab.GuardrailState()
    online = [p.decide(r, state) for r in frame.to_dict("records")]
    assert bulk["action"].tolist() == [d.action for d in online]
    assert [g if isinstance(g, str) else "" for g in bulk["guardrail"].astype(object)] == \
        [d.guardrail or "" for d in online]
    # by hand: at most 3 declines a calendar month and 7 a calendar quarter, earliest first
    ns = read_times(times, p.time_format).ns
    assert np.array_equal(ns, t.astype("datetime64[ns]").astype(np.int64).to_numpy())
    month, quarter = window_ids(ns, W["1M"]), window_ids(ns, W["1Q"])
    taken_m: dict[int, int] = {}
    taken_q: dict[int, int] = {}
    expected = []
    for m, q in zip(month, quarter):
        if taken_m.get(m, 0) < 3:
            taken_m[m] = taken_m.get(m, 0) + 1
            if taken_q.get(q, 0) < 7:
                taken_q[q] = taken_q.get(q, 0) + 1
                expected.append("decline")
                continue
            expected.append("review")
            continue
        expected.append("review")
    assert bulk["action"].tolist() == expected
