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
  - ``_cli`` (the ``trustlab`` command) and ``_notebook`` (helpers the shipped
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
    "_time": 0, "_plotting": 0, "_validate": 0, "_yaml": 0,  # _plotting planned, not written yet
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
    "_cli": 7, "_notebook": 7, "_summary": 7,
}
FACE = "trustlab"  # trustlab/__init__.py
FACE_FLOOR = 7  # beside the entry points: they may use public names; nothing below may

KINDS = ("cycle", "upward", "sideways", "private", "deferred")

# (importer module, imported module, kind): why it is still there / what would fix it.
KNOWN: dict[tuple[str, str, str], str] = {
    # --- upward
    ('trustlab._io', 'trustlab.policy', 'upward'):
        "type-only: _io's read_data annotates Policy; the ground should take the policy's "
        "column names (plain strings), not the Policy type",
    ('trustlab._windowed', 'trustlab.policy', 'upward'):
        "WindowGrid.build takes a policy Window; take the window's length/anchor as plain "
        "values, or move _windowed up beside its users (trust/, change/)",
    ('trustlab.policy._spec', 'trustlab.engine', 'upward'):
        'type-only: Policy.decide annotates Decision/GuardrailState; goes with the engine '
        'registration (the spec knows no engine), or a Protocol on floor 1',
    # --- sideways
    ('trustlab.drift._plots', 'trustlab.simulate._plots', 'sideways'):
        "drift's plots borrow simulate's axes helpers _axes/_note; move shared plot helpers "
        "to the planned ground module trustlab/_plotting",
    ('trustlab.trust._gate', 'trustlab.simulate', 'sideways'):
        "the gate computes ratios with simulate's _RATIOS/_indicators; these belong in the "
        "floor-3 metrics registry (one definition of each metric)",
    ('trustlab.trust._metrics', 'trustlab.simulate', 'sideways'):
        "trust_over_time computes ratios with simulate's _RATIOS/_indicators; these belong in "
        "the floor-3 metrics registry (one definition of each metric)",
    ('trustlab.trust._partial', 'trustlab.simulate', 'sideways'):
        'TrustPartial reads a Replay; either trust sits above simulate or the Replay result '
        'type moves down to metrics/',
    ('trustlab.trust._plots', 'trustlab.simulate._plots', 'sideways'):
        "trust's plots borrow simulate's _axes/literal; move shared plot helpers to the "
        "planned ground module trustlab/_plotting",
    # --- private
    ('trustlab._cli', 'trustlab.engine._columns', 'private'):
        "the command's 'did you mean' hints use engine._columns.did_you_mean; move "
        "did_you_mean to the ground (_errors or _format)",
    ('trustlab._cli', 'trustlab.policy._metric_names', 'private'):
        'the command formats metrics with policy._metric_names.format_metric; use '
        'trustlab.metrics.format_metric (one definition of each metric)',
    ('trustlab._cli', 'trustlab.review._assess', 'private'):
        'the command adds drift metrics with review._assess._with_drift_metrics; make it a '
        'public review function (or part of assess)',
    ('trustlab._io', 'trustlab.policy._condition', 'private'):
        'see the deferred entry: text_columns_of belongs in policy/, not on the ground',
    ('trustlab.change._impact', 'trustlab.policy._load', 'private'):
        'rehash not public in trustlab.policy: export it from trustlab.policy or move it '
        'where both sides can use it',
    ('trustlab.change._shadow', 'trustlab.trust._plots', 'private'):
        "shadow plots borrow trust's _window_label; move it to the planned ground module "
        "trustlab/_plotting",
    ('trustlab.design._readiness', 'trustlab.review._run', 'private'):
        'see the deferred entry: the review-folder reader (STATUS_FILE, folder_incomplete, '
        'sha256_of) should be public or on the ground',
    ('trustlab.drift._plots', 'trustlab.simulate._plots', 'private'):
        '_axes, _note not public in trustlab.simulate: export them from trustlab.simulate or '
        'move them where both sides can use them',
    ('trustlab.drift._policy', 'trustlab.engine._brake', 'private'):
        "brake_reference from engine's brake: the plan says the drift brake is drift code; "
        "move engine/_brake.py into drift/ and give the engine decided windows",
    ('trustlab.engine._apply', 'trustlab.policy._template', 'private'):
        'lines_of not public in trustlab.policy: export it from trustlab.policy or move it '
        'where both sides can use it',
    ('trustlab.engine._brake', 'trustlab.drift._monitor', 'private'):
        "the engine's brake reaches into drift (see the deferred entry); goes when the brake "
        "moves into drift/",
    ('trustlab.engine._columns', 'trustlab.policy._condition', 'private'):
        'Column not public in trustlab.policy (columns_of already public): export it from '
        'trustlab.policy or move it where both sides can use it',
    ('trustlab.engine._online', 'trustlab.policy._template', 'private'):
        'is_missing, lines_of not public in trustlab.policy: export them from trustlab.policy '
        'or move them where both sides can use them',
    ('trustlab.engine._reasons', 'trustlab.policy._template', 'private'):
        'Line, MISSING_TEXT, field_text, format_value, no_negative_zero, read_back not public '
        'in trustlab.policy (Template already public): export them from trustlab.policy or '
        'move them where both sides can use them',
    ('trustlab.engine._scalar', 'trustlab.policy._condition', 'private'):
        'And, Column, Compare, Condition, In, IsMissing, Literal, Not, Or, flip not public in '
        'trustlab.policy: export them from trustlab.policy or move them where both sides can '
        'use them',
    ('trustlab.engine._scalar', 'trustlab.policy._template', 'private'):
        'is_missing not public in trustlab.policy: export it from trustlab.policy or move it '
        'where both sides can use it',
    ('trustlab.engine._vector', 'trustlab.policy._condition', 'private'):
        'And, Column, Compare, Condition, In, IsMissing, Literal, Not, Or, flip not public in '
        'trustlab.policy: export them from trustlab.policy or move them where both sides can '
        'use them',
    ('trustlab.explain._case', 'trustlab.engine._plan', 'private'):
        'plan_for not public in trustlab.engine: export it from trustlab.engine or move it '
        'where both sides can use it',
    ('trustlab.explain._codes', 'trustlab.signals._oof', 'private'):
        'reason codes reuse signals._oof._plain (a plain-estimator unwrapper); make it public '
        'in trustlab.signals',
    ('trustlab.explain._reference', 'trustlab.policy._condition', 'private'):
        'And, Column, Compare, Literal, Not, Or, flip not public in trustlab.policy '
        '(columns_of already public): export them from trustlab.policy or move them where '
        'both sides can use them',
    ('trustlab.scale._brakes', 'trustlab.engine._brake', 'private'):
        "BrakeWindows, brake_reference, brake_reference_of, engaged, window_tops from "
        "engine's brake: the plan says the drift brake is drift code; move engine/_brake.py "
        "into drift/ and give the engine decided windows",
    ('trustlab.scale._drift', 'trustlab.drift._monitor', 'private'):
        "scale folds parts behind drift's functions with drift-internal check_options; give "
        "drift a small public partial-sums API for scale (the backend) to call",
    ('trustlab.scale._drift', 'trustlab.drift._partial', 'private'):
        "scale folds parts behind drift's functions with drift-internal DEFAULT_FINE_BINS, "
        "_grid, count_part; give drift a small public partial-sums API for scale (the "
        "backend) to call",
    ('trustlab.scale._lda', 'trustlab.engine._plan', 'private'):
        "scale folds parts behind engine's functions with engine-internal plan_for, "
        "refuse_brakes; give engine a small public partial-sums API for scale (the backend) "
        "to call",
    ('trustlab.scale._lda', 'trustlab.simulate._lda', 'private'):
        "scale folds parts behind simulate's functions with simulate-internal "
        "DEFAULT_TOLERANCES, LdaPlan, LdaSums, lda_plan, lda_result, lda_sums; give simulate "
        "a small public partial-sums API for scale (the backend) to call",
    ('trustlab.scale._lda', 'trustlab.simulate._open', 'private'):
        "scale folds parts behind simulate's functions with simulate-internal open_history; "
        "give simulate a small public partial-sums API for scale (the backend) to call",
    ('trustlab.scale._replay', 'trustlab.engine._plan', 'private'):
        "scale folds parts behind engine's functions with engine-internal plan_for; give "
        "engine a small public partial-sums API for scale (the backend) to call",
    ('trustlab.scale._replay', 'trustlab.simulate._replay', 'private'):
        "scale folds parts behind simulate's functions with simulate-internal Checked, "
        "replay_segments; give simulate a small public partial-sums API for scale (the "
        "backend) to call",
    ('trustlab.scale._sweeps', 'trustlab.engine._plan', 'private'):
        "scale folds parts behind engine's functions with engine-internal plan_for, "
        "refuse_brakes; give engine a small public partial-sums API for scale (the backend) "
        "to call",
    ('trustlab.scale._sweeps', 'trustlab.simulate._grid', 'private'):
        "scale folds parts behind simulate's functions with simulate-internal _cells, "
        "check_grid_args, grid_result; give simulate a small public partial-sums API for "
        "scale (the backend) to call",
    ('trustlab.scale._sweeps', 'trustlab.simulate._open', 'private'):
        "scale folds parts behind simulate's functions with simulate-internal open_history, "
        "open_rule_threshold, threshold_problem; give simulate a small public partial-sums "
        "API for scale (the backend) to call",
    ('trustlab.scale._sweeps', 'trustlab.simulate._sweep', 'private'):
        "scale folds parts behind simulate's functions with simulate-internal grid_totals, "
        "movable_cases, sweep_frame, sweep_result; give simulate a small public partial-sums "
        "API for scale (the backend) to call",
    ('trustlab.simulate._edit', 'trustlab.policy._condition', 'private'):
        'And, Column, Compare, Condition, Literal, Not, Or, flip not public in '
        'trustlab.policy: export them from trustlab.policy or move them where both sides can '
        'use them',
    ('trustlab.simulate._edit', 'trustlab.policy._load', 'private'):
        'rehash not public in trustlab.policy: export it from trustlab.policy or move it '
        'where both sides can use it',
    ('trustlab.simulate._edit', 'trustlab.policy._spec', 'private'):
        'UNLABELLED_RULES not public in trustlab.policy (Policy, RateLimit, Rule already '
        'public): export it from trustlab.policy or move it where both sides can use it',
    ('trustlab.simulate._grid', 'trustlab.policy._condition', 'private'):
        'OP_WORDS not public in trustlab.policy: export it from trustlab.policy or move it '
        'where both sides can use it',
    ('trustlab.simulate._open', 'trustlab.engine._apply', 'private'):
        'first_rules, over_limit not public in trustlab.engine: export them from '
        'trustlab.engine or move them where both sides can use them',
    ('trustlab.simulate._open', 'trustlab.engine._plan', 'private'):
        'refuse_brakes not public in trustlab.engine: export it from trustlab.engine or move '
        'it where both sides can use it',
    ('trustlab.simulate._open', 'trustlab.engine._vector', 'private'):
        'OPS, holds not public in trustlab.engine: export them from trustlab.engine or move '
        'them where both sides can use them',
    ('trustlab.simulate._open', 'trustlab.policy._condition', 'private'):
        'And, Compare not public in trustlab.policy: export them from trustlab.policy or move '
        'them where both sides can use them',
    ('trustlab.simulate._sweep', 'trustlab.policy._condition', 'private'):
        'OP_WORDS not public in trustlab.policy: export it from trustlab.policy or move it '
        'where both sides can use it',
    ('trustlab.trust._gate', 'trustlab.signals._calibration', 'private'):
        "the gate borrows signals' normal quantile _Z; compute it locally "
        "(scipy/statistics.NormalDist) or move it to the ground",
    ('trustlab.trust._plots', 'trustlab.simulate._plots', 'private'):
        '_axes, literal not public in trustlab.simulate: export them from trustlab.simulate '
        'or move them where both sides can use them',
    # --- deferred
    ('trustlab._io', 'trustlab.policy._condition', 'deferred'):
        'text_columns_of walks the condition tree (And, Compare, ...) from the ground; move '
        'text_columns_of into policy/ (it asks a policy a question)',
    ('trustlab.design._readiness', 'trustlab.review', 'deferred'):
        "design reads a review folder's file names (DECISIONS_FILE, METRICS_FILE) from its "
        "floor-6 neighbour; put the review-folder layout in a ground module both read",
    ('trustlab.design._readiness', 'trustlab.review._run', 'deferred'):
        "design checks a review folder with review._run's "
        "STATUS_FILE/folder_incomplete/sha256_of; move the review-folder reader to the ground "
        "(or make review export it and let design sit above review)",
    ('trustlab.engine._brake', 'trustlab.drift', 'deferred'):
        'the engine computes the drift brake and reaches up into drift for MEASURES; the plan '
        'moves the brake into drift/ and hands the engine decided brake windows or a tracker',
    ('trustlab.engine._brake', 'trustlab.drift._monitor', 'deferred'):
        "the engine's brake calls drift's reference_rows/window_values; goes when the brake "
        "moves into drift/ (engine receives decided windows or a tracker)",
    ('trustlab.policy._spec', 'trustlab.engine', 'deferred'):
        'Policy.apply/decide find the engine by import; the plan wants a registration made '
        'when trustlab.engine is imported (as pandera finds its backend)',
    ('trustlab.review._assess', 'trustlab._notebook', 'deferred'):
        'assess borrows the notebook helper search_alternatives (floor 7); move the LDA '
        'search wrapper into review/ or simulate/ and let _notebook call it',
    ('trustlab.review._run', 'trustlab._notebook', 'deferred'):
        'run_review parses notebook parameters with _notebook.read_parameters (floor 7); move '
        'read_parameters into review/ (the runner owns the parameter contract)',
    ('trustlab.simulate._lda', 'trustlab.change', 'deferred'):
        "LdaSearch.policy_for/diff_for use change's bump_version/describe_changes (floor 5) "
        "from floor 4; move bump_version to policy/ and have the diff come from "
        "policy.policy_changes",
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
