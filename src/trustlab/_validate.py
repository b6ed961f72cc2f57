"""Arguments checked by declaration: the constraints stand beside each public function.

A public function declares what each argument may be, and
:func:`validate_params` checks every declared argument before the function
runs, raising one :class:`trustlab.ParameterError` that lists every bad
argument at once (as scikit-learn's ``validate_params`` does)::

    @validate_params({
        "n": [Interval(Integral, 1, None, hint="1000 is usual")],
        "level": [Interval(Real, 0, 1, closed="neither", hint="such as 0.95")],
        "by": [None, Text()],
    })
    def bootstrap_metrics(replay, *, n=1000, level=0.95, by=None): ...

Each argument has a list of constraints; the value must satisfy one of
them. A constraint is one of the types below, or a shorthand:

``None``
    the value may be None;
``callable``
    any callable;
a class (``pd.DataFrame``)
    an instance of it (:class:`InstanceOf`).

Arguments are about the call, not the data: an argument of the wrong type or
out of range is a ``ParameterError``; a column the data lacks stays a
``DataError``, checked by the function itself.

**Booleans are real booleans.** :class:`Boolean` accepts ``True`` and
``False``, Python's or numpy's (``series.any()`` gives ``numpy.True_``), and
nothing else: not 0/1 (a count passed where a switch was meant) and not the
text ``"false"`` (which is truthy). A function that records a flag in a
result written as JSON turns it into ``bool`` first. No number constraint
accepts a boolean (``True`` is an ``int`` in Python, but never a count of
replicates).

The checks cost a few microseconds a call: the signature is read once, when
the function is decorated, and a call looks its arguments up by position or
keyword without binding.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from ._errors import ParameterError, Problem

__all__ = ["validate_params", "check_params", "param_problems", "Constraint", "Interval", "Options", "Boolean",
           "InstanceOf", "Text", "SequenceOf", "Numbers", "Integral", "Real", "SEED", "LEVEL", "REPLICATES",
           "REPLICATES_OR_NONE"]

Integral = numbers.Integral
Real = numbers.Real


class Constraint:
    """What one argument may be: :meth:`allows` a value, and says so in words (``str``).

    Every constraint takes two keywords for its words in messages:

    Parameters
    ----------
    name : str, optional
        The allowed values in words, instead of the constraint's own
        (``"the Replay of a champion policy"``); ``""`` leaves the constraint
        out of messages, when another of the argument's constraints words
        both (a number, or a list of numbers).
    hint : str, optional
        Words added after the description, in brackets (``"1000 is usual"``).
    """

    def __init__(self, *, name: str | None = None, hint: str | None = None) -> None:
        self.name = name
        self.hint = hint

    def allows(self, value) -> bool:
        """Whether ``value`` satisfies the constraint."""
        raise NotImplementedError

    def describe(self) -> str:
        """The allowed values in words, without the hint (``"a whole number in [1, inf)"``)."""
        raise NotImplementedError

    def __str__(self) -> str:
        if self.name == "":
            return ""
        words = self.name if self.name is not None else self.describe()
        return words + (f" ({self.hint})" if self.hint else "")

    def __repr__(self) -> str:
        return f"{type(self).__name__}<{self}>"


class Interval(Constraint):
    """A number between two bounds.

    Parameters
    ----------
    kind : numbers.Integral or numbers.Real
        ``Integral``: a whole number (Python or numpy integer). ``Real``: any
        real number (NaN never lies in an interval). A boolean is neither.
    low, high : number or None
        The bounds; None: unbounded on that side (infinity itself is outside).
    closed : {"both", "left", "right", "neither"}, default "both"
        Which bounds belong to the interval.

    Examples
    --------
    >>> c = Interval(Integral, 1, None)
    >>> c.allows(3), c.allows(0), c.allows(2.0), c.allows(True)
    (True, False, False, False)
    >>> str(c)
    'a whole number in [1, inf)'
    >>> str(Interval(Real, 0, 1, closed="neither", hint="such as 0.95"))
    'a number in (0, 1) (such as 0.95)'
    """

    _CLOSED = ("both", "left", "right", "neither")

    def __init__(self, kind, low, high, *, closed: str = "both", name: str | None = None,
                 hint: str | None = None):
        super().__init__(name=name, hint=hint)
        if kind not in (Integral, Real):
            raise TypeError(f"Interval kind must be numbers.Integral or numbers.Real; got {kind!r}")
        if closed not in self._CLOSED:
            raise ValueError(f"closed must be one of {', '.join(self._CLOSED)}; got {closed!r}")
        if low is not None and high is not None and low > high:
            raise ValueError(f"Interval low {low!r} is above high {high!r}")
        self.kind, self.low, self.high, self.closed = kind, low, high, closed
        self._left = closed in ("both", "left") and low is not None
        self._right = closed in ("both", "right") and high is not None

    def allows(self, value) -> bool:
        t = type(value)
        if t is int:  # the usual cases first, without the slower ABC checks
            pass
        elif t is float:
            if self.kind is Integral or not math.isfinite(value):
                return False  # NaN is in no interval; infinity is outside an unbounded end
        elif t is bool or isinstance(value, np.bool_) or not isinstance(value, self.kind):
            return False
        elif self.kind is Real and not math.isfinite(value):
            return False
        if self.low is not None and (value < self.low if self._left else value <= self.low):
            return False
        return self.high is None or (value <= self.high if self._right else value < self.high)

    def describe(self) -> str:
        what = "a whole number" if self.kind is Integral else "a number"
        if self.low is None and self.high is None:
            return what
        left = "[" if self._left else "("
        right = "]" if self._right else ")"
        low = "-inf" if self.low is None else _number(self.low)
        high = "inf" if self.high is None else _number(self.high)
        return f"{what} in {left}{low}, {high}{right}"


class Options(Constraint):
    """One of a fixed set of values (compared by value and type: ``1`` is not ``True``).

    Examples
    --------
    >>> c = Options(("isotonic", "sigmoid"))
    >>> c.allows("sigmoid"), c.allows("Sigmoid"), c.allows(["sigmoid"])
    (True, False, False)
    >>> str(c)
    "one of 'isotonic', 'sigmoid'"
    """

    def __init__(self, values: Iterable, *, name: str | None = None, hint: str | None = None):
        super().__init__(name=name, hint=hint)
        self.values = tuple(dict.fromkeys(values))
        self._set = frozenset((isinstance(v, bool), v) for v in self.values)

    def allows(self, value) -> bool:
        flag = isinstance(value, (bool, np.bool_))  # True == 1, but is not the option 1
        try:
            return (flag, bool(value) if flag else value) in self._set
        except TypeError:  # unhashable: a list where a name was meant
            return False

    def describe(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


class Boolean(Constraint):
    """``True`` or ``False`` (Python's or numpy's bool): not 0/1, not text.

    Examples
    --------
    >>> [Boolean().allows(v) for v in (False, np.True_, 0, "false")]
    [True, True, False, False]
    """

    def allows(self, value) -> bool:
        return value is True or value is False or isinstance(value, np.bool_)

    def describe(self) -> str:
        return "True or False"


class InstanceOf(Constraint):
    """An instance of a class (or of one of several).

    Parameters
    ----------
    types : type or tuple of types
    name : str, optional
        The class in words (default: its name, ``"a DataFrame"``).

    Examples
    --------
    >>> import pandas as pd
    >>> c = InstanceOf(pd.DataFrame, name="a pandas DataFrame")
    >>> c.allows(pd.DataFrame()), c.allows({}), str(c)
    (True, False, 'a pandas DataFrame')
    """

    def __init__(self, types: type | tuple[type, ...], *, name: str | None = None,
                 hint: str | None = None):
        super().__init__(name=name, hint=hint)
        self.types = types if isinstance(types, tuple) else (types,)

    def allows(self, value) -> bool:
        return isinstance(value, self.types)

    def describe(self) -> str:
        return " or ".join(_article(t.__name__) for t in self.types)


class Text(Constraint):
    """Non-empty text (a ``str`` that is not only spaces).

    Examples
    --------
    >>> Text().allows("age_band"), Text().allows(" "), Text().allows(3)
    (True, False, False)
    """

    def allows(self, value) -> bool:
        return isinstance(value, str) and bool(value.strip())

    def describe(self) -> str:
        return "non-empty text"


class SequenceOf(Constraint):
    """A list, tuple, range, numpy array or pandas Series whose every item satisfies ``item``.

    (Not any iterable: checking a generator would use it up.)

    Parameters
    ----------
    item : Constraint
    min_len, max_len : int or None
        How many items (default: at least one).
    distinct : bool, default False
        The items must differ.
    name : str, optional
        The whole in words (default: ``"a list of 1 or more items, each <item>"``).

    Examples
    --------
    >>> c = SequenceOf(Text(), min_len=2, max_len=2, distinct=True)
    >>> c.allows(("age_band", "sex")), c.allows(["sex", "sex"]), c.allows("ab")
    (True, False, False)
    >>> str(c)
    'a list of 2 different items, each non-empty text'
    """

    def __init__(self, item: Constraint, *, min_len: int | None = 1, max_len: int | None = None,
                 distinct: bool = False, name: str | None = None, hint: str | None = None):
        super().__init__(name=name, hint=hint)
        self.item, self.min_len, self.max_len, self.distinct = item, min_len, max_len, distinct

    def allows(self, value) -> bool:
        if not isinstance(value, _SEQUENCES):
            return False
        n = len(value)
        if (self.min_len is not None and n < self.min_len) or \
                (self.max_len is not None and n > self.max_len):
            return False
        if not all(self.item.allows(v) for v in value):
            return False
        if self.distinct:
            try:
                return len(set(value)) == n
            except TypeError:
                return False
        return True

    def describe(self) -> str:
        low, high = self.min_len or 0, self.max_len
        count = (f"{low}" if high == low else f"{low} or more" if high is None
                 else f"{low} to {high}")
        different = " different" if self.distinct else ""
        return f"a list of {count}{different} items, each {self.item}"


class Numbers(Constraint):
    """One or more finite numbers: a number, a list, an array or a Series.

    Examples
    --------
    >>> [Numbers().allows(v) for v in ([0.2, 0.3], 0.5, [], [0.1, float("nan")], "0.5")]
    [True, True, False, False, False]
    """

    def allows(self, value) -> bool:
        if isinstance(value, (str, bytes)):
            return False
        try:
            t = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return False
        return t.size > 0 and bool(np.isfinite(t).all())

    def describe(self) -> str:
        return "one or more finite numbers"


SEED = Interval(Integral, 0, None)
"""A random seed: the same seed gives identical numbers."""
LEVEL = Interval(Real, 0, 1, closed="neither", hint="such as 0.95")
"""The coverage of an interval."""
REPLICATES = Interval(Integral, 1, None, hint="1000 is usual")
"""Bootstrap replicates, at least one."""
REPLICATES_OR_NONE = Interval(Integral, 0, None, hint="0 for none, 1000 is usual")
"""Bootstrap replicates, 0 for no bootstrap."""


class _NoneValue(Constraint):
    def allows(self, value) -> bool:
        return value is None

    def describe(self) -> str:
        return "None"


class _Callables(Constraint):
    def allows(self, value) -> bool:
        return callable(value)

    def describe(self) -> str:
        return "a callable"


def _constraint(declared) -> Constraint:
    """A declared constraint as a :class:`Constraint` (``None``, ``callable``, a class)."""
    if isinstance(declared, Constraint):
        return declared
    if declared is None:
        return _NoneValue()
    if declared is callable:
        return _Callables()
    if declared is bool:
        return Boolean()
    if isinstance(declared, type):
        return InstanceOf(declared)
    raise TypeError(f"not a constraint: {declared!r}; give a Constraint, None, callable or a "
                    f"class")


def _constraints(declared) -> tuple[Constraint, ...]:
    items = declared if isinstance(declared, (list, tuple)) else [declared]
    if not items:
        raise TypeError("an argument needs at least one constraint")
    return tuple(_constraint(c) for c in items)


def _number(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _article(name: str) -> str:
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


_SEQUENCES = (list, tuple, range, np.ndarray, pd.Series)
_SCALARS = (str, bytes, numbers.Number, bool, np.bool_, type(None))


def given(value) -> str:
    """What was given, in words: a short value's repr, else its type.

    Examples
    --------
    >>> given(0), given("sigmoid"), given([1, 2]), given(object())
    ('0', "'sigmoid'", '[1, 2]', 'an object')
    """
    if isinstance(value, _SCALARS) or (isinstance(value, (list, tuple)) and len(value) <= 6
                                       and all(isinstance(v, _SCALARS) for v in value)):
        text = repr(value)
        return text if len(text) <= 80 else text[:77] + "..."
    return _article(type(value).__name__)


def _allowed(constraints: tuple[Constraint, ...]) -> str:
    words = [w for w in map(str, constraints) if w]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _problem(name: str, value, constraints: tuple[Constraint, ...]) -> Problem:
    return Problem(name, f"must be {_allowed(constraints)}; got {given(value)}")


def param_problems(constraints: Mapping[str, object], values: Mapping[str, object]
                   ) -> list[Problem]:
    """The problems of ``values`` against ``constraints``, one per bad value (none: all good).

    For a check that adds problems no constraint can state (a mapping's
    entries) before raising one :class:`ParameterError` with them all.

    Examples
    --------
    >>> [str(p) for p in param_problems({"levels": [Options(("act", "warn"))]},
    ...                                 {"levels": "alarm"})]
    ["levels: must be one of 'act', 'warn'; got 'alarm'"]
    """
    problems = []
    for name, declared in constraints.items():
        cons = _constraints(declared)
        value = values[name]
        if not any(c.allows(value) for c in cons):
            problems.append(_problem(name, value, cons))
    return problems


def check_params(function: str, constraints: Mapping[str, object], values: Mapping[str, object]
                 ) -> None:
    """Check ``values`` against ``constraints``; one :class:`ParameterError` for every bad one.

    The functional form of :func:`validate_params`, for checks that are not a
    function's arguments (a dataclass's fields in ``__post_init__``).

    Examples
    --------
    >>> check_params("Outage", {"seed": [Interval(Integral, 0, None)]}, {"seed": -1})
    Traceback (most recent call last):
    ...
    trustlab._errors.ParameterError: the 'seed' argument of Outage() must be a whole number in [0, inf); got -1
    """
    problems = param_problems(constraints, values)
    if problems:
        raise ParameterError(function, problems)


def validate_params(constraints: Mapping[str, object], *, caller: str | None = None
                    ) -> Callable:
    """Decorate a function so its declared arguments are checked before every call.

    Parameters
    ----------
    constraints : mapping
        Argument name → a constraint or a list of constraints, one of which
        the value must satisfy: a :class:`Constraint`, ``None``,
        ``callable``, ``bool`` (:class:`Boolean`) or a class
        (:class:`InstanceOf`). Every name must be an argument of the
        function; arguments not named are not checked.
    caller : str, optional
        The function's name in messages (default: its ``__qualname__``).

    Returns
    -------
    callable
        The decorator. The decorated function raises
        :class:`trustlab.ParameterError` naming every argument that satisfies
        none of its constraints, before doing anything; a call with missing
        or unknown arguments is left to raise Python's own ``TypeError``.
        Its constraints are kept as ``__trustlab_constraints__``.

    Examples
    --------
    >>> @validate_params({"n": [Interval(Integral, 1, None)],
    ...                   "method": [Options(("exact", "fast"))], "by": [None, Text()]})
    ... def count(data, n=10, *, method="exact", by=None):
    ...     return n
    >>> count([], 3, by="region")
    3
    >>> count([], 0, method="quick")
    Traceback (most recent call last):
    ...
    trustlab._errors.ParameterError: count() has 2 bad arguments:
      - the 'n' argument of count() must be a whole number in [1, inf); got 0
      - the 'method' argument of count() must be one of 'exact', 'fast'; got 'quick'
    """
    declared = {name: _constraints(c) for name, c in constraints.items()}

    def decorate(func: Callable) -> Callable:
        sig = inspect.signature(func)
        params = sig.parameters
        unknown = [n for n in declared if n not in params]
        if unknown:
            raise TypeError(f"validate_params on {func.__qualname__}: no argument "
                            f"{', '.join(unknown)}; arguments: {', '.join(params)}")
        # name, position (None: keyword-only), default, constraints — read once, here
        plan = []
        for name, cons in declared.items():
            p = params[name]
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise TypeError(f"validate_params on {func.__qualname__}: *{name} cannot be "
                                f"checked")
            pos = (list(params).index(name)
                   if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) else None)
            plan.append((name, pos, p.default, cons))
        plan = tuple(plan)
        name_of = caller or func.__qualname__
        missing = inspect.Parameter.empty

        @functools.wraps(func)
        def checked(*args, **kwargs):
            problems = None
            n_args = len(args)
            for name, pos, default, cons in plan:
                if pos is not None and pos < n_args:
                    value = args[pos]
                elif name in kwargs:
                    value = kwargs[name]
                else:
                    value = default
                    if value is missing:
                        continue  # a required argument not given: Python says so below
                for c in cons:
                    if c.allows(value):
                        break
                else:
                    if problems is None:
                        problems = []
                    problems.append(_problem(name, value, cons))
            if problems:
                raise ParameterError(name_of, problems)
            return func(*args, **kwargs)

        checked.__trustlab_constraints__ = declared
        return checked

    return decorate
