"""The plan in ARCHITECTURE.md, guarded: floors, no circles, no private reach-ins.

The test reads every module under ``src/trustlab`` with :mod:`ast` (nothing is
imported) and collects every import of a trustlab module: at module level, in
``if TYPE_CHECKING:`` blocks and inside functions. It then reports five kinds of
violation:

``cycle``     a module-level import that lies on a circle of the package graph
              (Tarjan's strongly connected components over packages; type-only
              imports never run, so they are left out of this graph).
``upward``    a module on a lower floor imports one on a higher floor (a type-only
              import counts: the lower floor still knows the higher one's names).
``sideways``  a package imports a *different* package on its own floor.
``private``   ``trustlab.<pkg>._mod`` (or a ``_name`` from ``trustlab.<pkg>``)
              imported from outside ``<pkg>``.
``deferred``  an import inside a function that, at module level, would be upward
              or sideways or would close a circle: the plan forbids dodging a
              circle that way. Deferred imports of optional libraries (through
              ``trustlab._extras.require``, or IPython, matplotlib, shap, dask...)
              are not trustlab imports and are not looked at.

The violations of today are listed in ``KNOWN`` with why each is still there and
what would remove it. The test fails on a violation not in ``KNOWN`` (new code
must follow the plan) and on a ``KNOWN`` entry that no longer occurs (delete it:
the list only shrinks).

Run ``python tests/test_architecture.py`` to print the current violations in
``KNOWN``'s format.

Decisions taken here, where the plan leaves room:

* ``fairness/`` is floor 5: it reads replays (``simulate``), as ``change/`` does.
* ``datasets/`` is floor 0: it makes and loads example histories from numpy,
  pandas and the shipped files and imports nothing of trustlab above the ground.
* Top-level ``_`` modules are floor 0 (the ground), except, judged by what
  each is:
  - ``_cli`` (the ``trustlab`` command) and ``notebook`` (the public helpers the shipped
    notebooks call) drive the whole package, review included: floor 7, entry
    points, above review/design.
  - ``_summary`` is the command line's plain-text summary of decision records;
    only ``_cli`` uses it, so it stands with it on floor 7.
  - ``_explore`` is the explorer toolkit (debounced controls, a figure updated in
    place) that ``simulate`` and ``drift`` explorers build on; it imports only
    ``_extras`` and ``_format``, so it is ground: floor 0.
  - ``_windowed`` stays floor 0 as the brief says; its reach into ``engine`` is
    reported (it is engine/policy windowing logic that belongs on floor 2+).
* Sideways imports are violations. The plan says a module imports "from its own
  floor's package or from floors below it": its *own* package, not a neighbour on
  the same floor (engine/ and signals/, or simulate/ and drift/, are meant to be
  independent rooms; what both need goes a floor down). The ground (floor 0) and
  the entry points (floor 7) are sets of single modules, not packages: they may
  import one another one way (``_io`` uses ``_errors``); a circle among them is
  still a ``cycle``.
* Top-level ``_`` modules are the shared ground; importing them from a package is
  not ``private`` (the plan lists them as what everyone stands on).
* ``trustlab/__init__.py`` is the public face: exempt as an importer; imported
  it stands with the entry points on floor 7 (they may use public names, as
  ``_cli`` takes ``__version__``); below floor 7 importing it is upward.
"""

from __future__ import annotations

import ast
import functools
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "src" / "trustlab"

# The floors of ARCHITECTURE.md; the unit is the first name under ``trustlab``.
FLOORS: dict[str, int] = {
    # 0: the ground everyone stands on
    "_errors": 0, "_format": 0, "_io": 0, "_extras": 0, "_json": 0, "_outcome": 0,
    "_progress": 0, "_resources": 0, "_threads": 0, "_windowed": 0, "_explore": 0,
    "_time": 0, "_stats": 0, "_codes": 0, "_review_folder": 0, "_backends": 0, "_plotting": 0, "_result": 0, "_validate": 0, "_yaml": 0,
    "datasets": 0,
    # 1: what a policy declares
    "policy": 1,
    # 2: how a policy decides; how signals are made
    "engine": 2, "signals": 2,
    # 3: one registry of metrics
    "metrics": 3,
    # 4: questions asked of history
    "simulate": 4, "drift": 4, "trust": 4, "explain": 4,
    # 5: diffs, shadow, rollout; parts folding; fairness (reads replays)
    "change": 5, "scale": 5, "fairness": 5,
    # 6: the run, the report, the frameworks
    "review": 6, "design": 6,
    # 7: entry points
    "_cli": 7, "notebook": 7, "_summary": 7,
}
FACE = "trustlab"  # trustlab/__init__.py
FACE_FLOOR = 7  # beside the entry points: they may use public names; nothing below may

KINDS = ("cycle", "upward", "sideways", "private", "deferred")

# (importer module, imported module, kind): why it is still there / what would fix it.
KNOWN: dict[tuple[str, str, str], str] = {
}


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Import:
    importer: str  # trustlab.a.b
    imported: str  # trustlab.c.d (the deepest module; a private name as trustlab.c._name)
    line: int
    deferred: bool  # inside a function
    type_only: bool  # inside ``if TYPE_CHECKING:``


def module_names() -> dict[str, Path]:
    names = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _has_private_part(module: str) -> bool:
    return any(p.startswith("_") and not p.startswith("__") for p in module.split(".")[2:])


def _imports_of(name: str, path: Path, modules: set[str]) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[Import] = []

    def add(target: str, node: ast.stmt, deferred: bool, type_only: bool) -> None:
        if target == FACE or target.startswith(FACE + "."):
            found.append(Import(name, target, node.lineno, deferred, type_only))

    def visit(node: ast.AST, deferred: bool, type_only: bool) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node, deferred, type_only)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                if sub in modules:
                    add(sub, node, deferred, type_only)
                elif (alias.name.startswith("_") and not alias.name.startswith("__")
                      and not _has_private_part(source)):
                    # a private name taken through a public face: reported as such
                    add(sub, node, deferred, type_only)
                else:
                    add(source, node, deferred, type_only)
        inner_deferred = deferred or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                       ast.Lambda))
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, inner_deferred, True)
            for child in node.orelse:
                visit(child, inner_deferred, type_only)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, inner_deferred, type_only)

    visit(tree, False, False)
    return found


@functools.lru_cache(maxsize=1)
def all_imports() -> tuple[Import, ...]:
    names = module_names()
    modules = set(names)
    out: list[Import] = []
    for name, path in names.items():
        if name != FACE:
            out.extend(_imports_of(name, path, modules))
    return tuple(out)


# --------------------------------------------------------------------------- judging


def unit(module: str) -> str:
    """``trustlab.engine._x`` -> ``engine``; ``trustlab._io`` -> ``_io``; the face -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def floor(module: str) -> int:
    u = unit(module)
    return FACE_FLOOR if u == "" else FLOORS[u]


def is_package(u: str) -> bool:
    return (ROOT / u).is_dir()


def is_private(imp: Import) -> bool:
    """``trustlab.<pkg>._x...`` reached from outside ``<pkg>``."""
    u = unit(imp.imported)
    if not u or not is_package(u) or unit(imp.importer) == u:
        return False
    return _has_private_part(imp.imported)


def layering(importer: str, imported: str) -> str | None:
    a, b = unit(importer), unit(imported)
    if a == b:
        return None
    if floor(importer) < floor(imported):
        return "upward"
    if floor(importer) == floor(imported) and is_package(a) and is_package(b):
        return "sideways"
    return None


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative; the components with more than one node."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[set[str]] = []
    counter = 0
    nodes = sorted(set(graph) | {v for vs in graph.values() for v in vs})
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(component)
    return components


def reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        for nxt in graph.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


def violations(imports: tuple[Import, ...] | None = None) -> dict[tuple[str, str, str], int]:
    """Every violation with the first line it occurs on."""
    imports = all_imports() if imports is None else imports
    found: dict[tuple[str, str, str], int] = {}

    def report(imp: Import, kind: str) -> None:
        found.setdefault((imp.importer, imp.imported, kind), imp.line)

    runtime = [i for i in imports if not i.deferred and not i.type_only]
    graph: dict[str, set[str]] = defaultdict(set)
    for imp in runtime:
        a, b = unit(imp.importer), unit(imp.imported)
        if a != b:
            graph[a].add(b)
    circles = strongly_connected(graph)
    in_circle = {u: i for i, comp in enumerate(circles) for u in comp}

    for imp in imports:
        if is_private(imp):
            report(imp, "private")
        a, b = unit(imp.importer), unit(imp.imported)
        if a == b:
            continue
        wrong = layering(imp.importer, imp.imported)
        if imp.deferred:
            if wrong or reaches(graph, b, a):
                report(imp, "deferred")
            continue
        if wrong:
            report(imp, wrong)
        if not imp.type_only and a in in_circle and in_circle.get(b) == in_circle[a]:
            report(imp, "cycle")
    return found


# --------------------------------------------------------------------------- tests


def _short(module: str) -> str:
    return module.removeprefix("trustlab.")


def test_every_package_has_a_floor():
    units = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    units |= {p.stem for p in ROOT.glob("_*.py") if p.name != "__init__.py"}
    unplaced = sorted(units - set(FLOORS))
    assert not unplaced, (
        f"not placed on a floor of ARCHITECTURE.md: {unplaced}; add them to FLOORS "
        "in tests/test_architecture.py (and to the plan)")


def test_known_entries_are_well_formed():
    for (importer, imported, kind), why in KNOWN.items():
        assert kind in KINDS, (importer, imported, kind)
        assert why.strip(), f"say why {importer} -> {imported} ({kind}) is still there"


def test_imports_follow_the_plan():
    found = violations()
    paths = module_names()
    new = sorted(set(found) - set(KNOWN))
    stale = sorted(set(KNOWN) - set(found))
    lines = []
    if new:
        lines.append("new violations of ARCHITECTURE.md (follow the plan; do not add to KNOWN "
                     "unless you must, with a reason):")
        for importer, imported, kind in new:
            where = paths[importer].relative_to(ROOT.parents[1])
            lines.append(f"  {kind:9} {_short(importer)} -> {_short(imported)}  "
                         f"({where}:{found[(importer, imported, kind)]})")
    if stale:
        lines.append("KNOWN entries that no longer occur; delete them from "
                     "tests/test_architecture.py:")
        lines += [f"    {key!r}," for key in stale]
    assert not lines, "\n".join(lines)


def test_analysis_is_sound():
    """Guards the guard: the walker sees deferred, relative and private imports."""
    imports = all_imports()
    assert len(imports) > 100
    assert any(i.deferred for i in imports)
    assert any(i.type_only for i in imports)
    assert all(i.imported.startswith("trustlab") for i in imports)
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(graph) == [{"a", "b", "c"}]


def test_each_kind_is_caught():
    """Made-up imports between real packages: each kind of violation is reported."""
    def imp(a, b, deferred=False, type_only=False):
        return Import(f"trustlab.{a}", f"trustlab.{b}", 1, deferred, type_only)

    found = set(violations((
        imp("policy._spec", "engine"),            # upward, and with the next a circle
        imp("engine._apply", "policy"),
        imp("simulate._replay", "drift"),         # sideways
        imp("change._shadow", "simulate._replay"),  # private
        imp("engine._brake", "drift", deferred=True),  # deferred (upward dodge)
        imp("_io", "policy", type_only=True),     # upward, type-only: no circle
        imp("_io", "_errors"),                    # fine: the ground stands on itself
        imp("review._run", "simulate"),           # fine: downward, public
        imp("_cli", "review", deferred=True),     # fine: entry points may defer
    )))
    assert found == {
        ("trustlab.policy._spec", "trustlab.engine", "upward"),
        ("trustlab.policy._spec", "trustlab.engine", "cycle"),
        ("trustlab.engine._apply", "trustlab.policy", "cycle"),
        ("trustlab.simulate._replay", "trustlab.drift", "sideways"),
        ("trustlab.change._shadow", "trustlab.simulate._replay", "private"),
        ("trustlab.engine._brake", "trustlab.drift", "deferred"),
        ("trustlab._io", "trustlab.policy", "upward"),
    }
    # a deferred downward import that would close a circle is caught too
    found = set(violations((imp("engine._brake", "simulate"),
                            imp("simulate._open", "engine", deferred=True))))
    assert ("trustlab.simulate._open", "trustlab.engine", "deferred") in found


def _print_known() -> None:  # pragma: no cover - a maintenance aid
    found = violations()
    for key in sorted(found, key=lambda k: (k[2], k[0], k[1])):
        why = KNOWN.get(key, "TODO")
        print(f"    {key!r}:\n        {why!r},")
    counts = defaultdict(int)
    for _, _, kind in found:
        counts[kind] += 1
    print(dict(counts), file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    _print_known()


def test_the_policy_spec_stands_without_pandas():
    """Check no module of ``policy/`` imports pandas when it is imported (floor 1 declares; a
    table of changes or a reason formatting a pandas time may import it when asked)."""
    for path in sorted((ROOT / "policy").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # module level only; TYPE_CHECKING blocks never run
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n == "pandas" or n.startswith("pandas.") for n in names), path.name
