"""Safe YAML reading that keeps line numbers and refuses duplicate keys."""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

__all__ = ["read_yaml", "YamlDoc", "YamlProblem"]


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


def read_yaml(text: str) -> YamlDoc:
    """Parse YAML text with the safe loader; record where each field path starts.

    Only plain mappings, sequences and scalars are accepted: tags such as
    ``!!python/object`` are refused, and so are duplicate keys (which YAML
    parsers otherwise resolve silently by keeping the last).

    Examples
    --------
    >>> doc = read_yaml("a: 1\\nb:\\n  - x: true\\n")
    >>> doc.data, doc.lines["b[0].x"]
    ({'a': 1, 'b': [{'x': True}]}, 3)
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
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

    def build(n: yaml.Node, path: str):
        lines.setdefault(path, n.start_mark.line + 1)
        if n.tag not in _PLAIN_TAGS:
            raise YamlProblem(
                f"{path or 'the document'}: the tag '{n.tag}' is not allowed; policies "
                "hold plain values only",
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
                out[key] = build(value_node, _child(path, key))
            return out
        if isinstance(n, yaml.SequenceNode):
            return [build(item, _child(path, i)) for i, item in enumerate(n.value)]
        return constructor.construct_object(n)

    try:
        data = build(node, "")
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise YamlProblem(
            f"not valid YAML: {exc.problem}", mark.line + 1 if mark else None
        ) from None
    return YamlDoc(data, lines)
