"""The condition language of a rule's ``when``, parsed into a small tree.

Grammar (lowest precedence first)::

    expr       := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | atom
    atom       := "(" expr ")" | test
    test       := operand CMP operand
                | column ["not"] "in" "[" literal ("," literal)* "]"
                | column "is" ["not"] "missing"
    operand    := column | literal
    column     := IDENT | `any text`
    literal    := NUMBER | 'text' | "text" | true | false

Nothing here is ever executed as code: the tree is interpreted by the engine.
Keywords (``and or not in is missing true false``) are case-sensitive and
cannot be used as bare column names; write such a column in backticks.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

__all__ = [
    "Column",
    "Literal",
    "Compare",
    "In",
    "IsMissing",
    "And",
    "Or",
    "Not",
    "Condition",
    "ConditionSyntaxError",
    "parse_condition",
    "columns_of",
    "MAX_CONDITION_DEPTH",
    "MAX_NUMBER_DIGITS",
    "MAX_CONDITION_CHARS",
]

MAX_CONDITION_DEPTH = 100
"""Deepest nesting of brackets and ``not`` in a condition."""
MAX_NUMBER_DIGITS = 100
"""Most digits in a number in a condition."""
MAX_CONDITION_CHARS = 10_000
"""Longest condition, in characters (room for an ``in`` list of about a thousand codes)."""

_KEYWORDS = {"and", "or", "not", "in", "is", "missing", "true", "false"}
_COMPARE_OPS = ("<=", ">=", "==", "!=", "<", ">")
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}


class ConditionSyntaxError(Exception):
    """A condition that does not parse; ``position`` is the 0-based offset in the text."""

    def __init__(self, message: str, position: int):
        self.position = position
        super().__init__(message)


@dataclass(frozen=True)
class Column:
    """A reference to a column of the record."""

    name: str

    def canonical(self) -> str:
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", self.name) and self.name not in _KEYWORDS:
            return self.name
        return "`" + self.name + "`"


@dataclass(frozen=True)
class Literal:
    """A number, text or boolean literal."""

    value: float | int | str | bool

    @property
    def kind(self) -> str:
        """``'number'``, ``'text'`` or ``'bool'``."""
        if isinstance(self.value, bool):
            return "bool"
        if isinstance(self.value, str):
            return "text"
        return "number"

    def canonical(self) -> str:
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        if isinstance(self.value, str):
            return '"' + self.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(self.value, float) and self.value.is_integer() and abs(self.value) < 1e15:
            return str(int(self.value))  # 100.0 and 100 are the same number
        return repr(self.value)


Operand = Column | Literal


@dataclass(frozen=True)
class Compare:
    """``left OP right`` where at least one side is a column."""

    left: Operand
    op: str
    right: Operand

    def canonical(self) -> str:
        return f"{self.left.canonical()} {self.op} {self.right.canonical()}"


@dataclass(frozen=True)
class In:
    """``column in [...]`` or, with ``negate``, ``column not in [...]``."""

    column: Column
    values: tuple[Literal, ...]
    negate: bool = False

    def canonical(self) -> str:
        op = "not in" if self.negate else "in"
        items = ", ".join(v.canonical() for v in self.values)
        return f"{self.column.canonical()} {op} [{items}]"


@dataclass(frozen=True)
class IsMissing:
    """``column is missing`` or, with ``negate``, ``column is not missing``."""

    column: Column
    negate: bool = False

    def canonical(self) -> str:
        return f"{self.column.canonical()} is {'not ' if self.negate else ''}missing"


@dataclass(frozen=True)
class And:
    """All of ``items`` hold."""

    items: tuple[Condition, ...]

    def canonical(self) -> str:
        return " and ".join(_wrap(i, And) for i in self.items)


@dataclass(frozen=True)
class Or:
    """Any of ``items`` holds."""

    items: tuple[Condition, ...]

    def canonical(self) -> str:
        return " or ".join(_wrap(i, Or) for i in self.items)


@dataclass(frozen=True)
class Not:
    """``item`` does not hold (a missing value stays unknown, so ``not`` never fires on it)."""

    item: Condition

    def canonical(self) -> str:
        inner = self.item.canonical()
        if isinstance(self.item, (And, Or)):
            inner = f"({inner})"
        return f"not {inner}"


Condition = Compare | In | IsMissing | And | Or | Not


def _wrap(item: Condition, parent: type) -> str:
    text = item.canonical()
    if isinstance(item, (And, Or)) and not isinstance(item, parent):
        return f"({text})"
    return text


def columns_of(cond: Condition) -> tuple[str, ...]:
    """Column names a condition reads, in order of first appearance.

    Examples
    --------
    >>> columns_of(parse_condition("p > 0.5 and (grade in ['A'] or p is missing)"))
    ('p', 'grade')
    """
    seen: dict[str, None] = {}

    def walk(node: Condition) -> None:
        if isinstance(node, Compare):
            for side in (node.left, node.right):
                if isinstance(side, Column):
                    seen.setdefault(side.name)
        elif isinstance(node, (In, IsMissing)):
            seen.setdefault(node.column.name)
        elif isinstance(node, (And, Or)):
            for item in node.items:
                walk(item)
        elif isinstance(node, Not):
            walk(node.item)

    walk(cond)
    return tuple(seen)


# --------------------------------------------------------------------------- tokens

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<quoted>`[^`]*`)
  | (?P<op><=|>=|==|!=|<|>)
  | (?P<punct>[()\[\],])
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Token:
    kind: str  # number string column ident op punct end
    text: str
    pos: int
    value: object = None


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            ch = text[pos]
            hint = ""
            if ch in "+-*/%":
                hint = " Arithmetic is not part of the condition language."
            elif ch == "=":
                hint = " Use '==' to test equality."
            elif ch in "&|!":
                hint = " Use 'and', 'or', 'not'."
            elif ch in ".{}":
                hint = " Write a column name that is not a plain identifier in backticks."
            hint += _backtick_hint(text, _word_start(text, pos), inside=pos)
            raise ConditionSyntaxError(f"unexpected character {ch!r}.{hint}", pos)
        kind = m.lastgroup
        raw = m.group()
        if kind == "ws":
            pass
        elif kind == "number":
            digits = sum(ch.isdigit() for ch in raw)
            if digits > MAX_NUMBER_DIGITS:
                raise ConditionSyntaxError(
                    f"a number with too many digits: the limit is {MAX_NUMBER_DIGITS}, "
                    f"found {digits:,}", pos)
            value: object = float(raw) if any(c in raw for c in ".eE") else int(raw)
            if isinstance(value, float) and not math.isfinite(value):
                raise ConditionSyntaxError(f"number {raw!r} is not finite", pos)
            tokens.append(_Token("number", raw, pos, value))
        elif kind == "string":
            body = raw[1:-1]
            value = re.sub(r"\\(.)", r"\1", body)
            tokens.append(_Token("string", raw, pos, value))
        elif kind == "quoted":
            name = raw[1:-1]
            if not name:
                raise ConditionSyntaxError("empty column name in backticks", pos)
            tokens.append(_Token("column", raw, pos, name))
        elif kind == "ident":
            if raw in _KEYWORDS:
                tokens.append(_Token("keyword", raw, pos, raw))
            else:
                tokens.append(_Token("column", raw, pos, raw))
        else:
            tokens.append(_Token(kind, raw, pos, raw))
        pos = m.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


# --------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.depth = 0

    def deeper(self, pos: int) -> None:
        """Enter one more level of brackets or ``not``; refuse beyond the limit."""
        self.depth += 1
        if self.depth > MAX_CONDITION_DEPTH:
            raise ConditionSyntaxError(
                f"the condition is nested too deeply: the limit is {MAX_CONDITION_DEPTH} levels "
                "of brackets and 'not'; write it flatter", pos)

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def next(self) -> _Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def at_keyword(self, word: str) -> bool:
        return self.tok.kind == "keyword" and self.tok.value == word

    def expect(self, kind: str, text: str | None, what: str) -> _Token:
        t = self.tok
        if t.kind != kind or (text is not None and t.text != text):
            raise ConditionSyntaxError(f"expected {what}, found {_describe(t)}", t.pos)
        return self.next()

    def parse(self) -> Condition:
        if self.tok.kind == "end":
            raise ConditionSyntaxError("the condition is empty", 0)
        node = self.parse_or()
        if self.tok.kind != "end":
            raise ConditionSyntaxError(
                f"expected 'and', 'or' or the end of the condition, found {_describe(self.tok)}",
                self.tok.pos,
            )
        return node

    def parse_or(self) -> Condition:
        items = [self.parse_and()]
        while self.at_keyword("or"):
            self.next()
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self) -> Condition:
        items = [self.parse_not()]
        while self.at_keyword("and"):
            self.next()
            items.append(self.parse_not())
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_not(self) -> Condition:
        if self.at_keyword("not"):
            self.deeper(self.next().pos)
            node = Not(self.parse_not())
            self.depth -= 1
            return node
        return self.parse_atom()

    def parse_atom(self) -> Condition:
        t = self.tok
        if t.kind == "punct" and t.text == "(":
            self.deeper(self.next().pos)
            node = self.parse_or()
            self.expect("punct", ")", "')'")
            self.depth -= 1
            return node
        first = self.tok
        left = self.parse_operand()
        t = self.tok
        if t.kind == "op":
            op = self.next().text
            right = self.parse_operand()
            if isinstance(left, Literal) and isinstance(right, Literal):
                raise ConditionSyntaxError(
                    "a comparison needs a column on at least one side", t.pos
                )
            return Compare(left, op, right)
        if not isinstance(left, Column):
            joined = t.kind in ("column", "number") and t.pos == first.pos + len(first.text)
            hint = _backtick_hint(self.text, first.pos) if joined else ""
            raise ConditionSyntaxError(
                f"expected a comparison operator after {left.canonical()}, found {_describe(t)}"
                + (f".{hint}" if hint else ""),
                t.pos,
            )
        if self.at_keyword("is"):
            self.next()
            negate = False
            if self.at_keyword("not"):
                self.next()
                negate = True
            if not self.at_keyword("missing"):
                raise ConditionSyntaxError(
                    f"expected 'missing' after 'is', found {_describe(self.tok)}", self.tok.pos
                )
            self.next()
            return IsMissing(left, negate)
        negate = False
        if self.at_keyword("not"):
            self.next()
            negate = True
            if not self.at_keyword("in"):
                raise ConditionSyntaxError(
                    f"expected 'in' after '{left.canonical()} not', found {_describe(self.tok)}",
                    self.tok.pos,
                )
        if self.at_keyword("in"):
            self.next()
            return In(left, self.parse_list(), negate)
        hint = _backtick_hint(self.text, first.pos) if t.kind in ("column", "number") else ""
        raise ConditionSyntaxError(
            f"expected an operator (< <= > >= == != in, not in, is missing) after "
            f"column {left.canonical()}, found {_describe(t)}" + (f".{hint}" if hint else ""),
            t.pos,
        )

    def parse_list(self) -> tuple[Literal, ...]:
        self.expect("punct", "[", "'[' to start a list")
        values: list[Literal] = []
        if self.tok.kind == "punct" and self.tok.text == "]":
            raise ConditionSyntaxError("the list is empty", self.tok.pos)
        while True:
            t = self.tok
            operand = self.parse_operand()
            if not isinstance(operand, Literal):
                raise ConditionSyntaxError(
                    f"a list holds literals only, found column {operand.canonical()}", t.pos
                )
            values.append(operand)
            if self.tok.kind == "punct" and self.tok.text == ",":
                self.next()
                continue
            self.expect("punct", "]", "',' or ']'")
            return tuple(values)

    def parse_operand(self) -> Operand:
        t = self.tok
        if t.kind == "column":
            self.next()
            return Column(str(t.value))
        if t.kind in ("number", "string"):
            self.next()
            return Literal(t.value)  # type: ignore[arg-type]
        if t.kind == "keyword" and t.value in ("true", "false"):
            self.next()
            return Literal(t.value == "true")
        if t.kind == "keyword":
            raise ConditionSyntaxError(
                f"expected a column or a literal, found keyword '{t.text}' "
                f"(write a column with that name as `{t.text}`)",
                t.pos,
            )
        raise ConditionSyntaxError(f"expected a column or a literal, found {_describe(t)}", t.pos)


_NAME_PART = re.compile(r"[^\s<>=!()\[\],'\"`]+")
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _word_start(text: str, pos: int) -> int:
    """Where the word holding position ``pos`` starts (``pos`` itself when nothing precedes it)."""
    start = pos
    while start > 0 and _NAME_PART.fullmatch(text[start - 1]):
        start -= 1
    return start


def _name_run(text: str, start: int) -> str:
    """The words from ``start`` that could be one column name: up to an operator, a bracket,
    a quote, a keyword or the end."""
    end = i = start
    while True:
        m = _NAME_PART.match(text, i)
        if m is None or m.group() in _KEYWORDS:
            break
        end = i = m.end()
        while i < len(text) and text[i].isspace():
            i += 1
    return text[start:end]


def _backtick_hint(text: str, start: int, inside: int | None = None) -> str:
    """A sentence for a column name that is not a plain identifier written without backticks.

    ``start`` is where the name would begin; with ``inside`` (the position of
    an unexpected character), only when that character joins two parts of a
    name, as in ``debt-to-income``.

    Examples
    --------
    >>> _backtick_hint("loan amount > 5000", 0)
    " If 'loan amount' is one column, write `loan amount` in backticks."
    >>> _backtick_hint("p > 1 + 2", 6, inside=6)
    ''
    """
    if inside is not None and (start == inside or inside + 1 >= len(text)
                               or not _NAME_PART.fullmatch(text[inside + 1])):
        return ""
    run = _name_run(text, start)
    if not run or _PLAIN_NAME.fullmatch(run):
        return ""
    return f" If '{run}' is one column, write `{run}` in backticks."


def _describe(t: _Token) -> str:
    if t.kind == "end":
        return "the end of the condition"
    return repr(t.text)


def parse_condition(text: str) -> Condition:
    """Parse a ``when`` condition into a tree.

    Parameters
    ----------
    text : str
        The condition, e.g. ``"p_default >= 0.35 and grade in ['E', 'F']"``.

    Returns
    -------
    Condition
        An immutable tree of :class:`Compare`, :class:`In`, :class:`IsMissing`,
        :class:`And`, :class:`Or` and :class:`Not` nodes.

    Raises
    ------
    ConditionSyntaxError
        With the 0-based ``position`` of the problem in ``text``.

    Examples
    --------
    >>> parse_condition("p_default < 0.08 and `debt to income` < 40").canonical()
    'p_default < 0.08 and `debt to income` < 40'
    >>> parse_condition("grade not in ['F', 'G'] or p is missing").canonical()
    'grade not in ["F", "G"] or p is missing'
    """
    if len(text) > MAX_CONDITION_CHARS:
        raise ConditionSyntaxError(
            f"the condition is too long: the limit is {MAX_CONDITION_CHARS:,} characters, found "
            f"{len(text):,}; split it over several rules", MAX_CONDITION_CHARS)
    return _Parser(text).parse()


OP_WORDS = {"<": "below", "<=": "at or below", ">": "above", ">=": "at or above",
            "==": "equal to", "!=": "not equal to"}
"""Each comparison with a threshold in words: ``x is <words> t``."""


def flip(op: str) -> str:
    """The operator that gives the same test with its sides swapped (``<`` ↔ ``>``)."""
    return _FLIP[op]
