"""Which label values mean the bad outcome: one reading for every consumer.

``outcomes.bad_when`` is one value or a list of values (a loan book has several
bad statuses: ``["Charged Off", "Default"]``). A label value is bad when it
equals one of them; missing labels are never bad. Booleans, numbers and text
compare as Python compares them (``1 == True``), so ``bad_when: 1`` matches a
``True`` label; text never equals a boolean, which is how YAML's reading of an
unquoted ``Yes`` as ``true`` is caught and explained.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["bad_values", "bad_indicator", "coded_bad_indicator", "bad_when_text", "yaml_boolean_hint"]

_YAML_BOOLEAN_WORDS = {True: ("Yes", "yes", "Y", "y", "True", "true", "On", "on"),
                       False: ("No", "no", "N", "n", "False", "false", "Off", "off")}


def bad_values(bad_when) -> tuple:
    """``bad_when`` as a tuple of values.

    Examples
    --------
    >>> bad_values("bad"), bad_values(("Charged Off", "Default"))
    (('bad',), ('Charged Off', 'Default'))
    """
    if isinstance(bad_when, (tuple, list)):
        return tuple(bad_when)
    return (bad_when,)


def bad_when_text(bad_when) -> str:
    """``bad_when`` as people read it: ``'bad'`` or ``'Charged Off' or 'Default'``."""
    return " or ".join(repr(v) for v in bad_values(bad_when))


def _is_bad(value, wanted: Sequence) -> bool:
    for w in wanted:
        if isinstance(value, str) != isinstance(w, str):
            continue
        try:
            if bool(value == w):
                return True
        except (TypeError, ValueError):
            continue
    return False


def bad_indicator(label: pd.Series, bad_when) -> tuple[np.ndarray, np.ndarray, list]:
    """``(labelled, bad, matched)`` of a label column.

    ``matched`` lists the distinct label values that count as bad (empty when
    ``bad_when`` matches no value). Each distinct value is compared once, so
    the cost does not grow with a text column's length.

    Examples
    --------
    >>> lab = pd.Series(["Fully Paid", "Charged Off", None, "Default"])
    >>> labelled, bad, matched = bad_indicator(lab, ["Charged Off", "Default"])
    >>> labelled.tolist(), bad.tolist(), matched
    ([True, True, False, True], [False, True, False, True], ['Charged Off', 'Default'])
    """
    codes, uniques = pd.factorize(label, use_na_sentinel=True)
    return coded_bad_indicator(codes, uniques.tolist(), bad_when)


def coded_bad_indicator(codes: np.ndarray, values: list, bad_when
                        ) -> tuple[np.ndarray, np.ndarray, list]:
    """:func:`bad_indicator` of a label already coded: ``codes`` into its distinct
    ``values`` (-1 for missing), as :func:`pandas.factorize` gives them.

    Examples
    --------
    >>> labelled, bad, matched = coded_bad_indicator(np.array([1, -1, 0]), ["no", "yes"], "yes")
    >>> labelled.tolist(), bad.tolist(), matched
    ([True, False, True], [True, False, False], ['yes'])
    """
    wanted = bad_values(bad_when)
    flags = [_is_bad(v, wanted) for v in values]
    lut = np.array(flags + [False], dtype=bool)
    return codes >= 0, lut[codes], [v for v, f in zip(values, flags) if f]


def yaml_boolean_hint(bad_when, values: Sequence) -> str:
    """A sentence for a boolean ``bad_when`` that was probably meant as text, or ``""``.

    YAML reads an unquoted ``Yes``, ``No``, ``On``, ``Off`` (and ``True``,
    ``False``) as booleans, so ``bad_when: Yes`` never matches the text label
    ``"Yes"``.

    Examples
    --------
    >>> yaml_boolean_hint(True, ["No", "Yes"])
    'YAML reads an unquoted Yes as true (a boolean), which never equals the text "Yes"; quote it: `bad_when: "Yes"`. '
    """
    for flag in bad_values(bad_when):
        if not isinstance(flag, bool):
            continue
        for word in _YAML_BOOLEAN_WORDS[flag]:
            if word in values:
                return (f"YAML reads an unquoted {word} as {str(flag).lower()} (a boolean), which "
                        f"never equals the text \"{word}\"; quote it: `bad_when: \"{word}\"`. ")
    return ""
