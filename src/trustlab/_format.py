"""One way to show each kind of number: tables, summaries, HTML, figure axes and annotations.

Every number the kit shows has a *kind* (:data:`KINDS`): a count, a share, a
difference of two shares in points, an amount of money, ... The kind, not the
metric's name, decides how the number reads, so a share always reads ``3.9%``,
a count never carries a ``%``, a difference of shares reads ``+0.3 pts`` and
no number ever reads in scientific notation. Which metric has which kind is
declared once, in :mod:`trustlab.metrics`; this module only knows kinds.

The API, for every place that shows a number:

* :func:`format_number` — one value (``n/a`` with the reason when missing);
* :func:`format_numbers` — many values of one kind;
* :func:`change_kind` — the kind of a difference of two values of a kind;
* :func:`tick_labels` / :func:`tick_formatter` — axis ticks with as many
  decimals as the tick spacing needs (``3.95% 4.00% 4.05%``, never
  ``4% 4% 4%``);
* :func:`axis_label` and :func:`money_unit` — the unit in an axis label or
  column header (``Total value (EUR)``, ``Share (%)``).

Money takes the policy's optional ``outcomes.currency`` (``EUR 1,234``,
``-EUR 35.00``: whole units from 100 up, cents below); without one it reads as
a plain number and the unit is "value units".

This module imports nothing beyond the standard library (matplotlib only when
a tick formatter is made), so every floor of the package, the policy spec
included, may use it.
"""

from __future__ import annotations

import functools
import math
import numbers
import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Kind", "KINDS", "CURRENCY_PATTERN", "NOT_AVAILABLE", "format_number", "format_numbers",
           "change_kind", "tick_labels", "tick_formatter", "axis_label", "money_unit",
           "check_kind"]

NOT_AVAILABLE = "n/a"
"""How a missing value (None, NaN) reads."""

CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
"""An ISO-4217-like currency code: three capital letters (EUR, USD, GBP)."""

VALUE_UNITS = "value units"
"""The unit of money when the policy names no currency."""


@dataclass(frozen=True)
class Kind:
    """A kind of number: how it reads, what its differences are, its unit in a label.

    Attributes
    ----------
    name : str
    words : str
        What a number of this kind is.
    change : str
        The kind of a difference of two numbers of this kind.
    unit : str
        The unit an axis label or column header names ("" for none); money's
        unit is the currency.
    signed : bool
        Numbers of this kind are differences: shown with ``+`` or ``-``.
    """

    name: str
    words: str
    change: str
    unit: str = ""
    signed: bool = False


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("count", "a number of things (rows, cases, reviews), whole numbers with thousands "
                  "separators", "count_change"),
    Kind("count_change", "a difference of two counts", "count_change", signed=True),
    Kind("share", "a part of a whole, in %", "points", "%"),
    Kind("points", "a difference of two shares, in percentage points", "points",
         "percentage points", signed=True),
    Kind("ratio", "one quantity over another, not a share (e.g. lowest over highest segment "
                  "rate)", "ratio_change"),
    Kind("ratio_change", "a difference of two ratios", "ratio_change", signed=True),
    Kind("money", "an amount of money, in the policy's currency", "money_change", "money"),
    Kind("money_change", "a difference of two amounts of money", "money_change", "money",
         signed=True),
    Kind("days", "a duration in days", "days_change", "days"),
    Kind("days_change", "a difference of two durations in days", "days_change", "days",
         signed=True),
    Kind("weeks", "a duration in weeks", "weeks_change", "weeks"),
    Kind("weeks_change", "a difference of two durations in weeks", "weeks_change", "weeks",
         signed=True),
    Kind("drift", "a drift measure (PSI, KS, JS distance): three decimals", "drift_change"),
    Kind("drift_change", "a difference of two drift measures", "drift_change", signed=True),
    Kind("p_value", "a probability from a statistical test: two significant digits, tiny "
                    "ones '< 0.000001'",
         "number_change"),
    Kind("number", "any other number (a threshold, a score): four significant digits",
         "number_change"),
    Kind("number_change", "a difference of two other numbers", "number_change", signed=True),
    Kind("flag", "yes or no", "flag"),
)}
"""Kind name → :class:`Kind`."""


def check_kind(kind: str) -> Kind:
    """The :class:`Kind` named ``kind``; a ValueError naming the kinds otherwise.

    Examples
    --------
    >>> check_kind("share").change
    'points'
    """
    found = KINDS.get(kind)
    if found is None:
        raise ValueError(f"{kind!r} is not a kind of number; kinds: {', '.join(KINDS)}")
    return found


def change_kind(kind: str) -> str:
    """The kind of a difference of two numbers of ``kind``.

    Examples
    --------
    >>> change_kind("share"), change_kind("money"), change_kind("count")
    ('points', 'money_change', 'count_change')
    """
    return check_kind(kind).change


def money_unit(currency: str | None) -> str:
    """The unit of money: the currency code, or "value units" without one.

    Examples
    --------
    >>> money_unit("EUR"), money_unit(None)
    ('EUR', 'value units')
    """
    return currency or VALUE_UNITS


def axis_label(words: str, kind: str, *, currency: str | None = None) -> str:
    """An axis label or column header with the unit of ``kind``.

    Examples
    --------
    >>> axis_label("Total value", "money", currency="EUR")
    'Total value (EUR)'
    >>> axis_label("Total value", "money_change")
    'Total value (value units)'
    >>> axis_label("Decided automatically", "share"), axis_label("Reviews", "count")
    ('Decided automatically (%)', 'Reviews')
    """
    unit = check_kind(kind).unit
    if unit == "money":
        unit = money_unit(currency)
    return f"{words} ({unit})" if unit else words


# ----------------------------------------------------------------------------- one value

def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT
    except (TypeError, ValueError):
        return True  # pd.NA


def _real(value) -> float:
    item = getattr(value, "item", None)  # numpy scalars
    if item is not None and not isinstance(value, (str, bytes)):
        value = item()
    if isinstance(value, bool):
        return float(value)
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{value!r} is not a number")
    return float(value)


def _fixed(x: float, decimals: int, *, plus: bool = False,
           never: tuple[float, ...] = (0.0,)) -> str:
    """``x`` with thousands separators and ``decimals`` decimals, more while a value other
    than one of ``never`` would read as it (a share of 0.0004 never reads ``0.0%``, nor
    0.9996 ``100.0%``); a value that reads as zero has no sign."""
    x = x + 0.0
    d = decimals
    for _ in range(16):
        text = format(x, f"{'+' if plus else ''},.{d}f")
        shown = float(text.replace(",", ""))
        if not any(shown == v and x != v for v in never):
            break
        d += 1
    if float(text.replace(",", "")) == 0:
        text = text.lstrip("+-")
    return text


def _significant(x: float, digits: int) -> int:
    """Decimals that show ``digits`` significant digits of ``x`` (at least 0)."""
    if x == 0 or not math.isfinite(x):
        return 0
    return max(0, digits - 1 - math.floor(math.log10(abs(x))))


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def _infinite(x: float, signed: bool) -> str:
    return ("+" if signed else "") + "∞" if x > 0 else "-∞"


def _money(x: float, currency: str | None, signed: bool) -> str:
    a = abs(x)
    decimals = 0 if a >= 100 else max(2, _significant(a, 2))
    body = _fixed(a, decimals)
    if x < 0 and float(body.replace(",", "")) != 0:
        sign = "-"
    elif signed and x > 0:
        sign = "+"
    else:
        sign = ""
    return f"{sign}{currency} {body}" if currency else f"{sign}{body}"


def format_number(value, kind: str, *, currency: str | None = None, reason: str | None = None,
                  decimals: int | None = None, trim: bool = False) -> str:
    """One number as a reader expects a number of its ``kind``.

    Parameters
    ----------
    value : number, bool or None
        NaN and None read ``n/a``.
    kind : str
        One of :data:`KINDS`.
    currency : str, optional
        The currency of money (``outcomes.currency``): ``EUR 1,234``; without
        it money reads as a plain number.
    reason : str, optional
        Why a missing value is missing: ``n/a — <reason>``.
    decimals : int, optional
        Decimals for shares, points, ratios and drift measures instead of the
        kind's own (still more when a non-zero value would read as zero).
    trim : bool, default False
        For a value someone set rather than measured (a stage's share, a
        reviewer accuracy): a share or points with up to two decimals and no
        trailing zeros (``50%``, ``12.5%``).

    Returns
    -------
    str
        Never in scientific notation.

    Examples
    --------
    >>> format_number(0.0395, "share"), format_number(5148000.0, "count")
    ('4.0%', '5,148,000')
    >>> format_number(0.003, "points"), format_number(-0.0125, "points")
    ('+0.3 pts', '-1.2 pts')
    >>> format_number(1234.4, "money", currency="EUR"), format_number(-35, "money_change", currency="EUR")
    ('EUR 1,234', '-EUR 35.00')
    >>> format_number(6.0625, "money"), format_number(0.8312, "ratio"), format_number(0.1234, "drift")
    ('6.06', '0.83', '0.123')
    >>> format_number(float("nan"), "share", reason="no labelled rows")
    'n/a — no labelled rows'
    >>> format_number(0.0004, "share"), format_number(0.9996, "share")
    ('0.04%', '99.96%')
    >>> format_number(0.5, "share", trim=True), format_number(0.125, "share", trim=True)
    ('50%', '12.5%')
    >>> format_number(False, "flag"), format_number(0.0000123, "number"), format_number(5.3, "weeks")
    ('no', '0.0000123', '5.3 weeks')
    >>> format_number(0.00001, "p_value"), format_number(0.0123, "p_value"), format_number(1e-9, "p_value")
    ('0.00001', '0.012', '< 0.000001')
    """
    k = check_kind(kind)
    if _missing(value):
        return f"{NOT_AVAILABLE} — {reason}" if reason else NOT_AVAILABLE
    if k.name == "flag":
        return "yes" if bool(value) else "no"
    x = _real(value)
    if not math.isfinite(x):
        return _infinite(x, k.signed)
    name, plus = k.name, k.signed
    if name in ("share", "points"):
        base = (2 if trim else 1) if decimals is None else decimals
        never = (0.0, 100.0, -100.0) if name == "share" else (0.0,)
        text = _fixed(x * 100, base, plus=plus, never=never)
        text = _trim(text) if trim else text
        return f"{text}%" if name == "share" else f"{text} pts"
    if name in ("count", "count_change"):
        d = 0 if x == round(x) else 1
        return _fixed(x, d, plus=plus)
    if name in ("money", "money_change"):
        return _money(x, currency, plus)
    if name in ("days", "days_change", "weeks", "weeks_change"):
        unit = "day" if name.startswith("days") else "week"
        text = _fixed(x, 0 if x == round(x) else 1, plus=plus)
        return f"{text} {unit}{'' if abs(x) == 1 else 's'}"
    if name in ("ratio", "ratio_change"):
        return _fixed(x, 2 if decimals is None else decimals, plus=plus)
    if name in ("drift", "drift_change"):
        return _fixed(x, 3 if decimals is None else decimals, plus=plus)
    if name == "p_value":
        if 0 <= x < 1e-6:
            return "< 0.000001"
        return _trim(_fixed(x, max(3, _significant(x, 2))))
    d = _significant(x, 4) if decimals is None else decimals  # number, number_change
    return _trim(_fixed(x, d, plus=plus))


def format_numbers(values: Iterable, kind: str, *, currency: str | None = None,
                   reasons: Iterable | None = None) -> list[str]:
    """Many numbers of one ``kind`` (``reasons``, when given, one per value).

    Examples
    --------
    >>> format_numbers([0.1, None, 0.25], "share", reasons=["", "no rows", ""])
    ['10.0%', 'n/a — no rows', '25.0%']
    """
    vals = list(values)
    why = [None] * len(vals) if reasons is None else [r if r else None for r in reasons]
    return [format_number(v, kind, currency=currency, reason=r) for v, r in zip(vals, why)]


# ----------------------------------------------------------------------------- axes

_COMPACT = ((1e9, 1e9, "bn"), (1e6, 1e6, "M"), (1e4, 1e3, "k"))  # from, divide by, suffix
_COMPACTED = ("count", "count_change", "money", "money_change", "number", "number_change")


def tick_labels(values: Iterable, kind: str, *, currency: str | None = None) -> list[str]:
    """Labels for axis ticks at ``values``, with as many decimals as their spacing needs.

    All labels share one number of decimals: the fewest that show every tick
    exactly, so ticks 0.5% apart never read alike. Large money and counts
    read ``12k``, ``1.5M``; money's currency belongs in the axis label
    (:func:`axis_label`), not on every tick.

    Examples
    --------
    >>> tick_labels([0.0395, 0.04, 0.0405, 0.041], "share")
    ['3.95%', '4.00%', '4.05%', '4.10%']
    >>> tick_labels([0.0, 0.25, 0.5], "share")
    ['0%', '25%', '50%']
    >>> tick_labels([0, 5000, 10000, 15000], "money")
    ['0', '5k', '10k', '15k']
    >>> tick_labels([-0.005, 0.0, 0.005], "points")
    ['-0.5 pts', '0.0 pts', '+0.5 pts']
    """
    k = check_kind(kind)
    raw = [_real(v) if not _missing(v) else math.nan for v in values]
    scale = 100.0 if k.name in ("share", "points") else 1.0
    scaled = [v * scale for v in raw]
    finite = sorted({v for v in scaled if math.isfinite(v)})
    div, suffix = 1.0, ""
    if k.name in _COMPACTED and finite:
        big = max(abs(finite[0]), abs(finite[-1]))
        for start, size, name in _COMPACT:
            if big >= start:
                div, suffix = size, name
                break
    shown = [v / div for v in finite]
    steps = [b - a for a, b in zip(shown, shown[1:]) if b - a > 0]
    step = min(steps) if steps else 0.0
    if k.name == "flag":
        return [format_number(v, "flag") for v in raw]
    d = max(0, math.ceil(-math.log10(step) - 1e-9)) if step > 0 else 0
    tol = step * 1e-6 if step > 0 else 1e-12
    while d < 12 and any(abs(round(v, d) - v) > max(tol, 1e-12 * abs(v)) for v in shown):
        d += 1
    out = []
    for v in scaled:
        if not math.isfinite(v):
            out.append("" if math.isnan(v) else _infinite(v, k.signed))
            continue
        x = round(v / div, d) + 0.0
        text = format(x, f"{'+' if k.signed and x != 0 else ''},.{d}f") + (suffix if x else "")
        if k.name == "share":
            text += "%"
        elif k.name == "points":
            text += " pts"
        out.append(text)
    return out


@functools.cache
def _formatter_type():
    from matplotlib.ticker import Formatter

    class KindFormatter(Formatter):
        """Tick labels of one kind of number, decimals from the tick spacing."""

        def __init__(self, kind: str, currency: str | None = None):
            self.kind = check_kind(kind).name
            self.currency = currency
            self._ticks: list[float] = []

        def set_locs(self, locs):
            self._ticks = [float(v) for v in locs]

        def format_ticks(self, values):
            self.set_locs(values)
            return tick_labels(values, self.kind, currency=self.currency)

        def __call__(self, x, pos=None):
            return tick_labels(self._ticks + [x], self.kind, currency=self.currency)[-1]

        def format_data_short(self, value):
            return format_number(value, self.kind, currency=self.currency)

    return KindFormatter


def tick_formatter(kind: str, *, currency: str | None = None):
    """A matplotlib tick formatter for numbers of ``kind`` (see :func:`tick_labels`).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set_xlim(0.0395, 0.0412)
    >>> ax.xaxis.set_major_formatter(tick_formatter("share"))
    >>> fig.canvas.draw()
    >>> labels = [t.get_text() for t in ax.get_xticklabels()]
    >>> labels[:4]
    ['3.94%', '3.96%', '3.98%', '4.00%']
    >>> plt.close(fig)
    """
    return _formatter_type()(kind, currency)


PASS_COLOUR, FAIL_COLOUR = "#1e7d32", "#c62828"
"""Colours of a status that holds and one that does not (never the only signal: words too)."""


def status_html(ok: bool, yes: str = "PASS", no: str = "FAIL") -> str:
    """A status in words and colour, never an emoji alone (emoji print as empty boxes
    without a colour emoji font).

    Examples
    --------
    >>> status_html(True)
    "<b style='color:#1e7d32'>PASS</b>"
    >>> status_html(False, "holds", "fails")
    "<b style='color:#c62828'>fails</b>"
    """
    return f"<b style='color:{PASS_COLOUR if ok else FAIL_COLOUR}'>{yes if ok else no}</b>"
