"""Reading an assessment file: YAML in, checked answers out, every problem named at once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._errors import ConfigError, Problem
from .._yaml import YamlProblem
from .._yaml import read_yaml as read_strict

__all__ = ["read_yaml", "Fields"]


def read_yaml(path: str | os.PathLike) -> tuple[dict, str]:
    """The mapping in a YAML file and a name for errors (``Assessment file '<path>'``).

    Read by the kit's one strict reader (:func:`trustlab._yaml.read_yaml`, the
    policy's): a key written twice is refused with its line, not resolved
    silently in favour of the last, which could flip a recommendation; so are
    YAML tags and oversized files.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.yaml"
    >>> _ = p.write_text("framework: batch_or_real_time\\nanswers:\\n  reversible: true\\n"
    ...                  "  reversible: false\\n")
    >>> read_yaml(p)
    Traceback (most recent call last):
    ...
    trustlab._errors.ConfigError: Assessment file '...a.yaml': answers.reversible (line 4): the key 'reversible' appears twice; keep one (YAML would silently use the last)
    """
    p = Path(path)
    where = f"Assessment file '{p}'"
    if not p.is_file():
        raise ConfigError(where, [Problem("(file)", "does not exist; check the path")])
    try:
        doc = read_strict(p.read_text(encoding="utf-8"), what="assessment").data
    except UnicodeDecodeError as e:
        raise ConfigError(where, [Problem("(file)", f"is not UTF-8 text: {e}")]) from None
    except YamlProblem as e:
        raise ConfigError(where, [_problem(e)]) from None
    if not isinstance(doc, Mapping):
        raise ConfigError(where, [Problem("(file)", "must hold a mapping of fields (framework, "
                                                    "decision, answers, …)")])
    return dict(doc), where


def _problem(e: YamlProblem) -> Problem:
    """A reader's problem led by its field path when it names one (``answers.delay: …``)."""
    text = str(e)
    path, sep, rest = text.partition(": ")
    if sep and path and " " not in path and path != "not valid YAML":
        return Problem(path, rest, e.line)
    return Problem("(file)", f"is {text}" if text.startswith("not valid YAML") else text, e.line)


class Fields:
    """Typed reads from a mapping that collect problems instead of raising at the first.

    Examples
    --------
    >>> f = Fields({"a": "yes", "b": 3}, "demo")
    >>> f.choice("a", ("yes", "no")), f.number("b", low=0, high=5)
    ('yes', 3.0)
    >>> f.number("c", low=0, high=1)
    >>> [p.where for p in f.problems]
    ['demo.c']
    """

    def __init__(self, doc: Mapping, prefix: str = "") -> None:
        self.doc = doc
        self.prefix = prefix
        self.problems: list[Problem] = []

    def path(self, key: str) -> str:
        """The field's dotted path, for messages."""
        return f"{self.prefix}.{key}" if self.prefix else key

    def _get(self, key: str, default: Any, required: bool) -> Any:
        if key not in self.doc or self.doc[key] is None:
            if required:
                self.problems.append(Problem(self.path(key), "is missing"))
            return default
        return self.doc[key]

    def text(self, key: str, *, required: bool = True, default: str = "") -> str:
        """A non-empty text field."""
        v = self._get(key, None, required)
        if v is None or (v == "" and not required):
            return default
        if not isinstance(v, str) or not v.strip():
            self.problems.append(Problem(self.path(key), f"must be text; got {v!r}"))
            return default
        return v.strip()

    def choice(self, key: str, options: tuple[str, ...], *, required: bool = True
               ) -> str | None:
        """One of ``options``."""
        v = self._get(key, None, required)
        if v is None:
            return None
        if v is True or v is False:  # YAML reads yes/no as booleans
            v = "yes" if v else "no"
        if v not in options:
            self.problems.append(Problem(self.path(key), f"must be one of "
                                                         f"{', '.join(options)}; got {v!r}"))
            return None
        return str(v)

    def flag(self, key: str, *, required: bool = True) -> bool | None:
        """A yes/no answer (true/false)."""
        v = self._get(key, None, required)
        if v is None:
            return None
        if not isinstance(v, bool):
            self.problems.append(Problem(self.path(key), f"must be true or false; got {v!r}"))
            return None
        return v

    def number(self, key: str, *, low: float, high: float | None = None,
               required: bool = True, default: float | None = None) -> float | None:
        """A number in ``[low, high]``."""
        v = self._get(key, default, required)
        if v is None:
            return default
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or v < low or \
                (high is not None and v > high):
            span = f"at least {low:g}" if high is None else f"from {low:g} to {high:g}"
            self.problems.append(Problem(self.path(key), f"must be a number {span}; got {v!r}"))
            return default
        return float(v)

    def mapping(self, key: str, *, required: bool = True) -> Mapping:
        """A nested mapping (empty when missing and not required)."""
        v = self._get(key, {}, required)
        if not isinstance(v, Mapping):
            self.problems.append(Problem(self.path(key), f"must be a mapping; got {v!r}"))
            return {}
        return v

    def child(self, key: str, *, required: bool = True) -> Fields:
        """The nested mapping ``key`` as fields whose problems are collected here too."""
        f = Fields(self.mapping(key, required=required), self.path(key))
        f.problems = self.problems
        return f

    def unknown(self, known: tuple[str, ...]) -> None:
        """Name every key that is not one of ``known``."""
        for k in self.doc:
            if k not in known:
                self.problems.append(Problem(self.path(str(k)), f"is not a field here; fields: "
                                                                f"{', '.join(known)}"))

    def raise_any(self, where: str) -> None:
        """Raise every collected problem at once."""
        if self.problems:
            raise ConfigError(where, self.problems)
