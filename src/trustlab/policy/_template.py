"""``because`` templates: plain text with ``{column}`` or ``{column:format_spec}`` fields.

A field is filled from the record by name and nothing else: no attribute or
index look-ups, no conversions, no nested fields. Missing values render as
``missing``, and a number never renders as negative zero: ``-0.0`` and
``-0.04`` at ``.1f`` both read ``0.0`` (the ``z`` option is implied for
floating-point presentation types).
"""

from __future__ import annotations

import functools
import math
import re
import string
from dataclasses import dataclass

__all__ = ["Template", "TemplateError", "parse_template", "format_value", "no_negative_zero", "MISSING_TEXT"]

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

    def render(self, values) -> str:
        """Fill the fields from a mapping of column → value.

        Examples
        --------
        >>> t = parse_template("Risk {p:.0%} is high for {grade}.")
        >>> t.render({"p": 0.4123, "grade": "E"})
        'Risk 41% is high for E.'
        >>> t.render({"p": float("nan"), "grade": "E"})
        'Risk missing is high for E.'
        """
        out = []
        for text, column, spec in self.parts:
            out.append(text)
            if column is not None:
                out.append(format_value(values.get(column), spec))
        return "".join(out)


def is_missing(value) -> bool:
    """True for ``None``, NaN, ``pd.NA`` and ``NaT``."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(value != value)  # NaN-like (numpy floats, NaT)
    except (TypeError, ValueError):
        return True  # pd.NA raises on bool()


def format_value(value, spec: str) -> str:
    """Format one value as a template field does.

    Numpy scalars format as the equivalent Python value; a missing value gives
    ``'missing'``. Raises ``TypeError``/``ValueError`` when the spec does not
    fit the value's type.

    Examples
    --------
    >>> format_value(0.0712, ".1%"), format_value(None, ".1%"), format_value(12000, ",")
    ('7.1%', 'missing', '12,000')
    """
    if is_missing(value):
        return MISSING_TEXT
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
