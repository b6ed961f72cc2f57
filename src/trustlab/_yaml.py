"""Safe YAML reading that keeps line numbers and refuses duplicate keys.

The one strict reader of the kit's YAML files: policies, glossaries and design
assessments. YAML parsers otherwise keep the last of two equal keys without a
word, so a second ``answers:`` entry could silently flip an assessment's
recommendation; here it is an error naming the key and its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

__all__ = ["read_yaml", "YamlDoc", "YamlProblem", "MAX_BYTES", "MAX_VALUES", "MAX_ALIASES",
           "MAX_DEPTH", "MAX_DIGITS"]

MAX_BYTES = 262_144
"""Largest text read, in bytes of UTF-8 (256 KiB; shipped policies are about 5 KiB)."""
MAX_VALUES = 20_000
"""Most values (mappings, lists and scalars, counting every alias expansion) in a document."""
MAX_ALIASES = 100
"""Most YAML aliases (``*name``) in a document; aliases are how a small file grows huge."""
MAX_DEPTH = 50
"""Deepest nesting of mappings and lists (counting through aliases)."""
MAX_DIGITS = 100
"""Most digits in a number written in a document."""


class YamlProblem(Exception):
    """YAML that cannot be read: bad syntax, a duplicate key, a tag."""

    def __init__(self, message: str, line: int | None):
        self.line = line
        super().__init__(message)


@dataclass(frozen=True)
class YamlDoc:
    """A parsed document plus the 1-based line of every field path."""

    data: object
    lines: dict[str, int]
    plain: dict[str, str] = field(default_factory=dict)
    """Source text of each unquoted scalar that YAML did not read as text, by field path
    (``"010"`` for ``version: 010``, which YAML reads as the number 8)."""


_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
)


def _child(path: str, key) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


_CANNOT_START = re.compile(r"found character '(.)' that cannot start any token")
_KEY_BEFORE = re.compile(r"([^\s{},\[\]#:-][^{},\[\]#:]*?)\s*:\s*$")
_FLOW_VALUE = re.compile(r"(?:`[^`]*`|\"[^\"]*\"|'[^']*'|[^,}\]])*")


def _quote_hint(text: str, line: int, column: int, problem: str | None) -> str:
    """How to fix a plain value YAML refuses to start (with a backtick, ``@`` or ``%``): quote it.

    Examples
    --------
    >>> _quote_hint("when: `loan amount` > 5000\\n", 0, 6,
    ...             "found character '`' that cannot start any token")
    '. A YAML value cannot start with a backtick unquoted: quote the whole condition: when: "`loan amount` > 5000"'
    """
    m = _CANNOT_START.search(problem or "")
    if m is None:
        return ""
    lines = text.splitlines()
    if line >= len(lines):
        return ""
    before, rest = lines[line][:column], lines[line][column:]
    flow = before.count("{") + before.count("[") > before.count("}") + before.count("]")
    if flow:
        value = _FLOW_VALUE.match(rest).group()  # up to the next , } or ] outside quotes
    else:
        value = re.split(r"\s+#", rest, maxsplit=1)[0]  # a comment is not part of the value
    value = value.strip()
    key = _KEY_BEFORE.search(before)
    name = key.group(1).strip() if key else None
    char = "a backtick" if m.group(1) == "`" else repr(m.group(1))
    what = "the whole condition" if name == "when" else "the whole value"
    quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return (f". A YAML value cannot start with {char} unquoted: quote {what}: "
            f"{name + ': ' if name else ''}{quoted}")


def _too_many(what: str, limit: int | str, found: str, line: int | None, fix: str) -> YamlProblem:
    limit = f"{limit:,}" if isinstance(limit, int) else limit
    return YamlProblem(f"{what}: the limit is {limit}, found {found}; {fix}", line)


def _short(what: str) -> str:
    """The fix for too much text or too many values."""
    if what == "policy":
        return "a policy is a short list of rules; keep data out of it"
    return f"an {what} is short; keep data out of it" if what[:1] in "aeiou" else \
        f"a {what} is short; keep data out of it"


def _check_limits(text: str, what: str = "policy") -> None:
    """Refuse text over the size limit, or whose events exceed the alias, value or depth limits.

    The events come from libyaml (C) when it is installed, so a hostile file is refused in
    a fraction of a second before any tree is built. Syntax errors are left to the composer,
    which words them.

    Examples
    --------
    >>> _check_limits("a: [[[1]]]")
    >>> _check_limits("[" * 60 + "]" * 60)
    Traceback (most recent call last):
    ...
    trustlab._yaml.YamlProblem: nesting too deep: the limit is 50, found 51 levels...
    """
    if len(text) > 4 * MAX_BYTES:  # no UTF-8 copy of a huge text just to count its bytes
        raise _too_many(f"the {what} text is too large", f"{MAX_BYTES:,} bytes",
                        f"at least {len(text):,} bytes", None, _short(what))
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:  # only text given in Python; a file is decoded UTF-8
        raise YamlProblem(f"character {exc.object[exc.start]!r} at position {exc.start} is not "
                          "valid Unicode text (a lone surrogate); remove it", None) from None
    if size > MAX_BYTES:
        raise _too_many(f"the {what} text is too large", f"{MAX_BYTES:,} bytes", f"{size:,} bytes",
                        None, _short(what))
    if getattr(yaml, "__with_libyaml__", False):
        try:
            _scan(text, yaml.CSafeLoader, what)
            return
        except yaml.YAMLError as exc:
            if "nesting depth" in str(exc):  # libyaml's own cap (1,000 levels), met first
                raise _too_many("nesting too deep", MAX_DEPTH, f"more than {MAX_DEPTH} levels",
                                getattr(exc.problem_mark, "line", -1) + 1 or None,
                                "flatten the document") from None
            if len(text) > _PYTHON_REREAD:
                return  # the composer reports libyaml's syntax error
    try:
        _scan(text, yaml.SafeLoader, what)  # iterative: safe at any depth, up to the syntax error
    except yaml.YAMLError:
        return  # the composer below reports the syntax error with its line


def _scan(text: str, loader, what: str = "policy") -> None:
    """Count values, aliases and depth in the event stream; raise at the first limit passed."""
    depth = values = aliases = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise _too_many("too many YAML aliases", MAX_ALIASES, f"more than {MAX_ALIASES}",
                                event.start_mark.line + 1, "write the values out")
        elif isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
            values += 1
            if values > MAX_VALUES:
                raise _too_many("too many values", MAX_VALUES, f"more than {MAX_VALUES:,}",
                                event.start_mark.line + 1, _short(what))
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _too_many("nesting too deep", MAX_DEPTH, f"{depth} levels",
                                    event.start_mark.line + 1, "flatten the document")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def read_yaml(text: str, *, what: str = "policy") -> YamlDoc:
    """Parse YAML text with the safe loader; record where each field path starts.

    Only plain mappings, sequences and scalars are accepted: tags such as
    ``!!python/object`` are refused, and so are duplicate keys (which YAML
    parsers otherwise resolve silently by keeping the last).

    Parameters
    ----------
    text : str
    what : str, default "policy"
        What the text is, in messages (``"assessment"``, ``"glossary"``).

    Raises
    ------
    YamlProblem
        With the message and the 1-based ``line`` where known.

    Examples
    --------
    >>> doc = read_yaml("a: 1\\nb:\\n  - x: true\\n")
    >>> doc.data, doc.lines["b[0].x"]
    ({'a': 1, 'b': [{'x': True}]}, 3)

    Limits (:data:`MAX_BYTES`, :data:`MAX_VALUES`, :data:`MAX_ALIASES`, :data:`MAX_DEPTH`,
    :data:`MAX_DIGITS`) keep a hostile document from taking long or much memory:

    >>> read_yaml("a: &x [1, 2]\\nb: *x\\n").data
    {'a': [1, 2], 'b': [1, 2]}
    >>> read_yaml("answers:\\n  latency: low\\n  latency: high\\n", what="assessment")
    Traceback (most recent call last):
    ...
    trustlab._yaml.YamlProblem: answers.latency: the key 'latency' appears twice; keep one (YAML would silently use the last)
    >>> read_yaml("n: " + "9" * 101)
    Traceback (most recent call last):
    ...
    trustlab._yaml.YamlProblem: n: a number with too many digits: the limit is 100, found 101...
    """
    _check_limits(text, what)
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        hint = _quote_hint(text, mark.line, mark.column, exc.problem) if mark is not None else ""
        raise YamlProblem(f"not valid YAML: {exc.problem}{hint}", line) from None
    except yaml.YAMLError as exc:  # pragma: no cover - defensive
        raise YamlProblem(f"not valid YAML: {exc}", None) from None
    if node is None:
        return YamlDoc(None, {})
    constructor = yaml.constructor.SafeConstructor()
    lines: dict[str, int] = {}
    plain: dict[str, str] = {}
    built = [0]

    def build(n: yaml.Node, path: str, depth: int = 1):
        lines.setdefault(path, n.start_mark.line + 1)
        built[0] += 1
        if built[0] > MAX_VALUES:  # aliases expanded: a few lines can name millions of values
            raise _too_many("too many values once YAML aliases are expanded", MAX_VALUES,
                            f"more than {MAX_VALUES:,}", n.start_mark.line + 1,
                            "write the values out instead of repeating aliases")
        if depth > MAX_DEPTH:
            raise _too_many("nesting too deep once YAML aliases are expanded", MAX_DEPTH,
                            f"{depth} levels", n.start_mark.line + 1, "flatten the document")
        if n.tag not in _PLAIN_TAGS:
            raise YamlProblem(
                f"{path or 'the document'}: the tag '{n.tag}' is not allowed; a {what} "
                "holds plain values only",
                n.start_mark.line + 1,
            )
        if isinstance(n, yaml.MappingNode):
            out: dict = {}
            for key_node, value_node in n.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise YamlProblem(
                        f"{path or 'the document'}: a key must be plain text",
                        key_node.start_mark.line + 1,
                    )
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise YamlProblem(
                        f"{path or 'the document'}: YAML merge keys ('<<') are not supported; "
                        "write the fields out",
                        key_node.start_mark.line + 1,
                    )
                key = constructor.construct_object(key_node)
                if key in out:
                    raise YamlProblem(
                        f"{_child(path, key)}: the key '{key}' appears twice; "
                        "keep one (YAML would silently use the last)",
                        key_node.start_mark.line + 1,
                    )
                lines.setdefault(_child(path, key), key_node.start_mark.line + 1)
                out[key] = build(value_node, _child(path, key), depth + 1)
            return out
        if isinstance(n, yaml.SequenceNode):
            return [build(item, _child(path, i), depth + 1) for i, item in enumerate(n.value)]
        return scalar(n, path)

    def scalar(n: yaml.ScalarNode, path: str):
        if n.tag in (_INT, _FLOAT):
            digits = sum(ch.isdigit() for ch in n.value)
            if digits > MAX_DIGITS:
                raise _too_many(f"{path or 'the document'}: a number with too many digits",
                                MAX_DIGITS, f"{digits:,}", n.start_mark.line + 1,
                                "quote it if it is text")
        if not n.style and n.tag != _STR:  # plain: None (Python loader) or '' (libyaml)
            plain.setdefault(path, n.value)
        try:
            return constructor.construct_object(n)
        except (ValueError, OverflowError) as exc:  # a timestamp such as 2024-13-45
            raise YamlProblem(f"{path or 'the document'}: YAML cannot read {n.value!r}: {exc}; "
                              "quote it if it is text", n.start_mark.line + 1) from None

    try:
        data = build(node, "")
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise YamlProblem(
            f"not valid YAML: {exc.problem}", mark.line + 1 if mark else None
        ) from None
    return YamlDoc(data, lines, plain)


_INT, _FLOAT, _STR = (f"tag:yaml.org,2002:{t}" for t in ("int", "float", "str"))


def _compose(text: str) -> yaml.Node | None:
    """Compose with libyaml (fast) when installed, else with the pure-Python loader.

    libyaml words syntax errors differently (without the offending character), so text
    libyaml refuses is re-read by the Python loader to report the usual message and hint,
    unless the text is large enough for that re-read to be slow.
    """
    if getattr(yaml, "__with_libyaml__", False):
        try:
            return yaml.compose(text, Loader=yaml.CSafeLoader)
        except yaml.YAMLError:
            if len(text) > _PYTHON_REREAD:
                raise
    return yaml.compose(text, Loader=yaml.SafeLoader)


_PYTHON_REREAD = 65_536
