"""The kit's own exceptions.

Every error a user can cause derives from :class:`TrustlabError`, itself a
``ValueError``, so callers can catch the kit's errors without catching bugs.
Each kind says whose fault it is: :class:`PolicyError` a policy file,
:class:`DataError` data that does not fit the policy, :class:`ConfigError`
another configuration file, :class:`ParameterError` an argument of a call.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TrustlabError", "PolicyError", "DataError", "ConfigError", "ParameterError",
           "Problem"]


@dataclass(frozen=True)
class Problem:
    """One problem found in a policy file or a data set.

    Parameters
    ----------
    where : str
        The YAML field path (``rules[3].when``) or the column (``column 'x'``).
    message : str
        What is wrong and what would be valid.
    line : int or None
        1-based line in the policy file, where known.
    """

    where: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        at = f" (line {self.line})" if self.line is not None else ""
        return f"{self.where}{at}: {self.message}"


class TrustlabError(ValueError):
    """Base class of every error the kit raises on bad input."""


class _ProblemsError(TrustlabError):
    """An error that carries every problem found, not only the first."""

    _noun = "input"

    def __init__(self, source: str, problems: list[Problem] | tuple[Problem, ...]):
        self.source = source
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self._render())

    def _render(self) -> str:
        n = len(self.problems)
        if n == 1:
            return f"{self.source}: {self.problems[0]}"
        lines = [f"{self.source} has {n} problems:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)

    @property
    def failure_cases(self):
        """The problems as a DataFrame with columns ``where``, ``line``, ``message``."""
        import pandas as pd

        return pd.DataFrame(
            [(p.where, p.line, p.message) for p in self.problems],
            columns=["where", "line", "message"],
        )


class PolicyError(_ProblemsError):
    """A policy file that is not valid.

    ``problems`` holds every problem found in the file, each led by its YAML
    path; ``failure_cases`` shows them as a table.
    """


class DataError(_ProblemsError):
    """Data that does not fit the policy: a missing column, a signal outside its kind."""


class ConfigError(_ProblemsError):
    """A configuration file other than a policy (a glossary, an assessment) that is not valid."""


class ParameterError(_ProblemsError, TypeError):
    """Arguments of a call that are not allowed: a wrong type or a value out of range.

    Raised by the argument checks declared beside each public function
    (``trustlab._validate``), before the function does any work, with every
    bad argument at once. Each of ``problems`` has the argument as ``where``
    and, as ``message``, what is allowed and what was given; ``function`` is
    the function's name, and every line of the message names it.

    It is a :class:`TrustlabError` (a ``ValueError``) and, as a bad argument
    is in Python, a ``TypeError``; it is not a :class:`DataError`, which
    means data that does not fit the policy.

    Examples
    --------
    >>> err = ParameterError("bootstrap_metrics", [
    ...     Problem("n", "must be a whole number in [1, inf); got 0"),
    ...     Problem("level", "must be a number in (0, 1); got 95")])
    >>> print(err)
    bootstrap_metrics() has 2 bad arguments:
      - the 'n' argument of bootstrap_metrics() must be a whole number in [1, inf); got 0
      - the 'level' argument of bootstrap_metrics() must be a number in (0, 1); got 95
    >>> isinstance(err, TypeError), isinstance(err, DataError)
    (True, False)
    """

    def __init__(self, function: str, problems: list[Problem] | tuple[Problem, ...]):
        self.function = function
        super().__init__(f"{function}()", problems)

    def _render(self) -> str:
        lines = [f"the '{p.where}' argument of {self.source} {p.message}" for p in self.problems]
        if len(lines) == 1:
            return lines[0]
        return "\n".join([f"{self.source} has {len(lines)} bad arguments:"]
                         + [f"  - {line}" for line in lines])
