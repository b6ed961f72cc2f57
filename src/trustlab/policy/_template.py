"""``because`` templates: plain text with ``{column}`` or ``{column:format_spec}`` fields.

A field is filled from the record by name and nothing else: no attribute or
index look-ups, no conversions, no nested fields. Missing values render as
``missing``, and a number never renders as negative zero: ``-0.0`` and
``-0.04`` at ``.1f`` both read ``0.0`` (the ``z`` option is implied for
floating-point presentation types).
"""

from __future__ import annotations

import datetime
import functools
import math
import operator
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np

from ._condition import And, Column, Compare, Condition, In, Literal, Not, Or, flip

MAX_WIDTH = 1_000
"""Largest width or precision in a ``because`` format spec (``{p:>8}``, ``{p:.2f}``)."""
MAX_TEMPLATE_CHARS = 2_000
"""Longest ``because`` text, in characters (a reason is a sentence or two)."""

__all__ = ["Template", "TemplateError", "parse_template", "format_value", "no_negative_zero",
           "MISSING_TEXT", "Line", "lines_of", "field_text", "field_formatter", "read_back",
           "same_side"]

MISSING_TEXT = "missing"


class TemplateError(Exception):
    """A ``because`` text that is not a valid template."""


@dataclass(frozen=True)
class Template:
    """A parsed ``because`` text.

    ``parts`` alternates literal text and fields: each item is
    ``(text, column, format_spec)`` where ``column`` is ``None`` for a trailing
    piece of text.
    """

    source: str
    parts: tuple[tuple[str, str | None, str], ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """Columns the template reads, in order, without repeats."""
        return tuple(dict.fromkeys(c for _, c, _ in self.parts if c is not None))

    def render(self, values, lines: tuple[Line, ...] = ()) -> str:
        """Fill the fields from a mapping of column → value.

        Parameters
        ----------
        values : mapping
            Column → value.
        lines : tuple of Line, optional
            The deciding rule's comparisons with numbers (:func:`lines_of`):
            a field of a compared column is shown with enough digits to stay
            on the value's side of each (:func:`field_text`).

        Examples
        --------
        >>> t = parse_template("Risk {p:.0%} is high for {grade}.")
        >>> t.render({"p": 0.4123, "grade": "E"})
        'Risk 41% is high for E.'
        >>> t.render({"p": float("nan"), "grade": "E"})
        'Risk missing is high for E.'
        >>> from trustlab.policy import parse_condition
        >>> low = parse_template("Risk {p:.1%} is under the 5% line.")
        >>> low.render({"p": 0.04996}, lines_of(parse_condition("p < 0.05")))
        'Risk 4.996% is under the 5% line.'
        """
        out = []
        for text, column, spec in self.parts:
            out.append(text)
            if column is not None:
                value = values.get(column)
                out.append(field_text(value, spec, _on(lines, column)) if lines
                           else format_value(value, spec))
        return "".join(out)

    def renderer(self, lines: tuple[Line, ...] = ()) -> Callable[[Callable], str]:
        """This template compiled for one rule: ``render(get) -> str`` from a record's ``get``.

        The same text as :meth:`render` with the same ``lines``, for the online
        path: each field is a formatter closure made once (:func:`field_formatter`),
        so a call does no parsing, look-up of lines or type dispatch for the
        common values (Python and numpy floats, integers, text, missing).

        Examples
        --------
        >>> from trustlab.policy import parse_condition
        >>> t = parse_template("Risk {p:.1%} is under the 5% line; grade {grade}.")
        >>> render = t.renderer(lines_of(parse_condition("p < 0.05")))
        >>> render({"p": 0.04996, "grade": "A"}.get), render({"p": 0.0412}.get)
        ('Risk 4.996% is under the 5% line; grade A.', 'Risk 4.1% is under the 5% line; grade missing.')
        """
        pieces: list = []
        for text, column, spec in self.parts:
            if text:
                pieces.append(text)
            if column is not None:
                pieces.append((column, field_formatter(spec, _on(lines, column))))
        if not any(isinstance(p, tuple) for p in pieces):
            constant = "".join(pieces)
            return lambda get: constant
        if len(pieces) == 3 and isinstance(pieces[1], tuple) and not isinstance(pieces[0], tuple) \
                and not isinstance(pieces[2], tuple):
            head, (column, fmt), tail = pieces

            def render_one(get):
                return head + fmt(get(column)) + tail

            return render_one
        steps = tuple(p if isinstance(p, tuple) else (None, p) for p in pieces)

        def render_many(get):
            return "".join([piece if column is None else piece(get(column))
                            for column, piece in steps])

        return render_many


def is_missing(value) -> bool:
    """True for ``None``, NaN, ``pd.NA`` and ``NaT``."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(value != value)  # NaN-like (numpy floats, NaT)
    except (TypeError, ValueError, ArithmeticError):
        return True  # pd.NA raises on bool(); a signalling Decimal NaN on comparison


def format_value(value, spec: str) -> str:
    """Format one value as a template field does.

    Numpy scalars format as the equivalent Python value; a duration formats
    as pandas shows it (``0 days 00:05:00``) and a date as a pandas timestamp,
    whether it comes as numpy, pandas or :mod:`datetime`; a missing value gives
    ``'missing'``. Raises ``TypeError``/``ValueError`` when the spec does not
    fit the value's type.

    Examples
    --------
    >>> format_value(0.0712, ".1%"), format_value(None, ".1%"), format_value(12000, ",")
    ('7.1%', 'missing', '12,000')
    >>> format_value(datetime.timedelta(minutes=5), ""), format_value(np.timedelta64(300, "s"), "")
    ('0 days 00:05:00', '0 days 00:05:00')
    """
    if is_missing(value):
        return MISSING_TEXT
    if isinstance(value, (datetime.timedelta, np.timedelta64, datetime.datetime, np.datetime64)):
        import pandas as pd  # times read as pandas shows them; the spec needs pandas for nothing else

        time = pd.Timedelta if isinstance(value, (datetime.timedelta, np.timedelta64)) else \
            pd.Timestamp
        return format(time(value), spec)
    item = getattr(value, "item", None)
    if item is not None and not isinstance(value, (str, bytes)):
        value = item()
    if isinstance(value, float) and value == 0.0:
        value = 0.0  # never '-0.0'
    return format(value, no_negative_zero(spec))


_SPEC_HEAD = re.compile(r"^((?:.?[<>=^])?[+\- ]?)(z?)(.*)$", re.DOTALL)


@functools.lru_cache(maxsize=256)
def no_negative_zero(spec: str) -> str:
    """``spec`` with the ``z`` option for floating-point presentation types.

    Examples
    --------
    >>> no_negative_zero(".1f"), no_negative_zero(">+8.2%"), no_negative_zero(",d"), no_negative_zero("")
    ('z.1f', '>+z8.2%', ',d', '')
    >>> format(-0.04, no_negative_zero(".1f"))
    '0.0'
    """
    if not spec or spec[-1] not in "eEfFgG%":
        return spec
    m = _SPEC_HEAD.match(spec)
    if m is None or m.group(2):
        return spec
    candidate = f"{m.group(1)}z{m.group(3)}"
    try:
        format(0.5, candidate)
    except ValueError:
        return spec
    return candidate


def parse_template(text: str) -> Template:
    """Parse a ``because`` text.

    Raises
    ------
    TemplateError
        For unbalanced braces, an empty field, a conversion (``!r``), an
        attribute or index look-up, or a nested field in a format spec.

    Examples
    --------
    >>> parse_template("Score {score:.2f} is low.").columns
    ('score',)
    """
    if len(text) > MAX_TEMPLATE_CHARS:
        raise TemplateError(f"the text is too long: the limit is {MAX_TEMPLATE_CHARS:,} "
                            f"characters, found {len(text):,}; a reason is a sentence or two")
    parts: list[tuple[str, str | None, str]] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise TemplateError(f"{exc} (write a literal brace as '{{{{' or '}}}}')") from None
    for literal, field, spec, conversion in parsed:
        if field is None:
            parts.append((literal, None, ""))
            continue
        if field == "" or field.isspace():
            raise TemplateError("an empty field '{}': name a column inside the braces")
        if conversion is not None:
            raise TemplateError(
                f"conversion '!{conversion}' in field '{{{field}}}' is not allowed; "
                "use '{column}' or '{column:format_spec}'"
            )
        if any(ch in field for ch in ".[]"):
            raise TemplateError(
                f"field '{{{field}}}' looks up an attribute or index, which templates "
                "never do; use '{column}' or '{column:format_spec}'"
            )
        spec = spec or ""
        if "{" in spec or "}" in spec:
            raise TemplateError(f"field '{{{field}}}' has a nested field in its format spec")
        wide = [run for run in re.findall(r"\d+", spec) if len(run) > 4 or int(run) > MAX_WIDTH]
        if wide:  # checked before any formatting: '{p:999999999}' would need gigabytes
            found = wide[0] if len(wide[0]) <= 20 else f"a {len(wide[0]):,}-digit number"
            raise TemplateError(
                f"format spec '{spec}' of field '{{{field}}}' asks for a width or precision of "
                f"{found}; the limit is {MAX_WIDTH:,} characters"
            )
        if spec and not _spec_fits_something(spec):
            raise TemplateError(
                f"format spec '{spec}' of field '{{{field}}}' is not valid for a number "
                "or a text (see Python's format specification mini-language, "
                "e.g. '.0%', ',.2f', '>8')"
            )
        parts.append((literal, field, spec))
    return Template(text, tuple(parts))


def _spec_fits_something(spec: str) -> bool:
    for probe in (0.5, 1, "x"):
        try:
            format(probe, spec)
            return True
        except (TypeError, ValueError):
            continue
    return False


# --------------------------------------------------------------------------- lines

@dataclass(frozen=True)
class Line:
    """A comparison of a column with a number in a rule's condition: ``column op value``."""

    column: str
    op: str
    value: float | int


_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
        "==": operator.eq, "!=": operator.ne}


def _number(lit) -> bool:
    return isinstance(lit, Literal) and lit.kind == "number"


@functools.lru_cache(maxsize=4096)
def lines_of(condition: Condition | None) -> tuple[Line, ...]:
    """Every comparison of a column with a number in ``condition``, as ``column op number``.

    ``number op column`` is turned round; ``column in [...]`` gives one
    ``==`` line per number listed. None (an ``otherwise`` rule) has none.

    Examples
    --------
    >>> from trustlab.policy import parse_condition
    >>> [(l.column, l.op, l.value) for l in lines_of(parse_condition(
    ...     "0.05 > p and (grade in [1, 2] or income >= 20000 or p < q)"))]
    [('p', '<', 0.05), ('grade', '==', 1), ('grade', '==', 2), ('income', '>=', 20000)]
    """
    out: list[Line] = []

    def walk(node) -> None:
        if isinstance(node, Compare):
            left, right = node.left, node.right
            if isinstance(left, Column) and _number(right):
                out.append(Line(left.name, node.op, right.value))
            elif _number(left) and isinstance(right, Column):
                out.append(Line(right.name, flip(node.op), left.value))
        elif isinstance(node, In):
            out.extend(Line(node.column.name, "==", v.value) for v in node.values if _number(v))
        elif isinstance(node, (And, Or)):
            for item in node.items:
                walk(item)
        elif isinstance(node, Not):
            walk(node.item)

    if condition is not None:
        walk(condition)
    return tuple(dict.fromkeys(out))


def _on(lines: tuple[Line, ...], column: str) -> tuple[Line, ...]:
    return tuple(ln for ln in lines if ln.column == column)


_SHOWN_NUMBER = re.compile(r"([-+]?)(\d[\d,_]*(?:\.\d*)?|\.\d+)(?:[eE]([-+]?\d+))?(%?)")


def read_back(text: str) -> float | None:
    """The number a reader reads in a rendered field (``'4.996%'`` → 0.04996); None if none.

    Read exactly, then rounded once to the nearest float, as the rule's own
    numbers are.

    Examples
    --------
    >>> read_back("5.0%"), read_back("  1,234.5"), read_back("1.20e-03"), read_back("missing")
    (0.05, 1234.5, 0.0012, None)
    """
    m = _SHOWN_NUMBER.search(text)
    if m is None:
        return None
    sign, digits, exponent, percent = m.groups()
    try:
        d = Decimal(sign + digits.replace(",", "").replace("_", ""))
    except InvalidOperation:  # pragma: no cover - the pattern only matches numbers
        return None
    if exponent:
        d = d.scaleb(int(exponent))
    if percent:
        d = d.scaleb(-2)
    return float(d)


def same_side(value: float, shown: float | None, lines: tuple[Line, ...]) -> bool:
    """True when ``shown`` compares with every line as ``value`` does (vacuously for None).

    Examples
    --------
    >>> line = (Line("p", "<", 0.05),)
    >>> same_side(0.04996, 0.05, line), same_side(0.04996, 0.04996, line)
    (False, True)
    """
    if shown is None:
        return True
    at = _at_precision(value)
    return all(_OPS[ln.op](value, at(ln.value)) == _OPS[ln.op](at(shown), at(ln.value))
               for ln in lines)


def _float(n: float | int) -> float:
    try:
        return float(n)
    except OverflowError:  # an integer past every float
        return math.inf if n > 0 else -math.inf


def _at_precision(value):
    """How a number is read beside ``value``: as the engine compares it with a literal.

    Integers compare exactly; a float32 (float16) with the number rounded to
    float32; any other float with the number as a float64.
    """
    dtype = getattr(value, "dtype", None)
    if dtype is not None and dtype.kind == "f" and dtype.itemsize < 8:
        def narrow(n):
            with np.errstate(over="ignore"):
                return np.array(_float(n), dtype=np.float64).astype(dtype)[()]
        return narrow
    if isinstance(value, (float, np.floating)):
        return _float
    return lambda n: n


_SPEC_TAIL = re.compile(r"^(.*?)(?:\.(\d+))?([eEfFgG%])$", re.DOTALL)
_MAX_DIGITS = 1100  # past every decimal digit a float has


def _real_value(value):
    """The finite real number ``value`` holds, at its own precision (a float32 stays one,
    an integer stays exact), or None."""
    if isinstance(value, np.floating) and value.dtype.itemsize < 8:
        return value if np.isfinite(value) else None
    item = getattr(value, "item", None)
    if item is not None and not isinstance(value, (str, bytes)):
        value = item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def field_text(value, spec: str, lines: tuple[Line, ...] = ()) -> str:
    """A field as :func:`format_value` shows it, with more digits where it would cross a line.

    When the shown number, read back (:func:`read_back`), falls on the other
    side of one of ``lines`` than ``value`` (0.04996 shown as ``5.0%`` beside
    ``p < 0.05``), the field is shown again with the same spec at a higher
    precision, one digit at a time, until it does not: at the number's full
    precision it reads back as the value itself.

    Examples
    --------
    >>> field_text(0.04996, ".1%", (Line("p", "<", 0.05),))
    '4.996%'
    >>> field_text(0.05, ".1%", (Line("p", "<", 0.05),)), field_text(0.0412, ".1%", (Line("p", "<", 0.05),))
    ('5.0%', '4.1%')
    >>> field_text(0.3500001, ".2f", (Line("p", ">", 0.35),))
    '0.3500001'

    A float32 lies on a line's side at float32, as the engine compares it:

    >>> field_text(np.float32(0.35), ".2f", (Line("p", ">=", 0.35),))
    '0.35'
    """
    text = format_value(value, spec)
    if not lines:
        return text
    x = _real_value(value)
    if x is None or same_side(x, read_back(text), lines):
        return text
    m = _SPEC_TAIL.match(spec)
    if m is None:
        return text  # no precision to raise (an integer or text spec)
    head, given, kind = m.groups()
    start = int(given) if given is not None else 6
    for digits in range(start + 1, start + _MAX_DIGITS):
        text = format_value(x, f"{head}.{digits}{kind}")
        if same_side(x, read_back(text), lines):
            break
    return text


_INTEGER_SPECS = frozenset({"", "d", ",", "_", ",d", "_d"})
"""Specs that show every integer exactly (``n`` is left out: it follows the locale)."""


def field_formatter(spec: str, lines: tuple[Line, ...] = ()) -> Callable[[object], str]:
    """``lambda value: field_text(value, spec, lines)``, compiled once for one field.

    Python, numpy float64 and float32 values with a fixed-point spec (``.1%``,
    ``,.0f``) are formatted directly, and read back against ``lines`` only when
    within a unit of the last shown digit of a line (a float32: of the line
    rounded to float32, plus one float32 step), since no other value can cross
    one; only a value whose text does cross goes through :func:`field_text`.
    Integers with an integer spec, text with no spec and missing values are
    shown directly; every other value goes through :func:`field_text`. So the
    text is always :func:`field_text`'s.

    Examples
    --------
    >>> fmt = field_formatter(".1%", (Line("p", "<", 0.05),))
    >>> fmt(0.04996), fmt(0.0412), fmt(np.float64(0.0412)), fmt(None), fmt(np.float32(0.04996))
    ('4.996%', '4.1%', '4.1%', 'missing', '4.996%')
    """
    zspec = no_negative_zero(spec)
    tail = _SPEC_TAIL.match(zspec)
    fixed = tail is not None and tail.group(3) in "fF%" and tail.group(2) is not None
    float_lines: tuple[float, ...] = ()
    lines_are_floats = True
    for ln in lines:
        value = _float(ln.value)
        if not math.isfinite(value) or abs(value) > 1e300:
            lines_are_floats = False
        float_lines += (value,)
    tolerance = (10.0 ** -(int(tail.group(2)) + (2 if tail.group(3) == "%" else 0))
                 if fixed else math.inf)
    float_fast = fixed and lines_are_floats and all(
        isinstance(ln.value, float) or abs(ln.value) < 2**53 for ln in lines)
    checks = tuple((_OPS[ln.op], value) for ln, value in zip(lines, float_lines))
    integer_fast = spec in _INTEGER_SPECS
    np_float64, np_float32 = np.float64, np.float32
    # a float32 is compared with each line rounded to float32 (``_at_precision``): it can only
    # cross one within a shown unit plus a float32 step of that rounded line
    float32_lines: tuple[tuple[float, float], ...] = ()
    if float_fast:
        with np.errstate(over="ignore"):
            for value in float_lines:
                line32 = np.float32(value)
                float32_lines += ((float(line32), tolerance + float(np.spacing(abs(line32)))),)
    checks32 = tuple((_OPS[ln.op], at) for ln, (at, _) in zip(lines, float32_lines))
    float32_fast = float_fast and all(math.isfinite(a) and math.isfinite(b)
                                      for a, b in float32_lines)

    def slow(value) -> str:
        return field_text(value, spec, lines) if lines else format_value(value, spec)

    def fmt(value) -> str:
        t = type(value)
        if t is float or t is np_float64:
            if value != value:
                return MISSING_TEXT
            if not float_fast:
                return slow(value)
            value = float(value) + 0.0  # never '-0.0', as format_value
            text = format(value, zspec)
            for line in float_lines:  # only a value this close to a line can cross it
                if abs(value - line) <= tolerance:
                    shown = read_back(text)  # as same_side reads it beside a float
                    if shown is None or all(op(value, at) == op(shown, at) for op, at in checks):
                        return text
                    return slow(value)
            return text
        if t is np_float32:
            if value != value:
                return MISSING_TEXT
            if not float32_fast:
                return slow(value)
            x = float(value) + 0.0  # the float32's exact value; never '-0.0'
            text = format(x, zspec)
            for line, margin in float32_lines:
                if abs(x - line) <= margin:
                    shown = read_back(text)  # read at float32, as same_side reads it
                    if shown is None:
                        return text
                    if abs(shown) < 3e38 and all(
                            op(x, at) == op(float(np_float32(shown)), at)
                            for op, at in checks32):
                        return text
                    return slow(value)
            return text
        if t is str:
            return value if not spec else slow(value)
        if t is int:
            return (format(value, spec) if integer_fast else slow(value))
        if value is None:
            return MISSING_TEXT
        return slow(value)

    return fmt
