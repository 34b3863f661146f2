"""The package's import graph: no cycles between files, no import up the layers.

Every ``.py`` file of the installed namespace (the folders ``pyproject.toml`` maps
into ``eeg_emotion``) is parsed with :mod:`ast`; every import of a project module,
at the top of a file or inside a function, is an edge. ``from pkg import name``
is an edge to ``pkg.name`` when that is a module, else to ``pkg``. The layers,
bottom to top: core (``eeg_emotion/*.py``) -> models -> offline -> realtime ->
``eeg_emotion/cli.py`` (and ``__main__.py``, which runs it); a module may import its
own layer or lower ones.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "eeg_emotion"
LAYERS = ("core", "models", "offline", "realtime", "cli")


def package_dirs() -> dict[str, Path]:
    """Package name -> folder, as ``pyproject.toml`` maps them."""
    with (ROOT / "pyproject.toml").open("rb") as f:
        mapping = tomllib.load(f)["tool"]["setuptools"]["package-dir"]
    return {pkg: ROOT / folder for pkg, folder in mapping.items()}


def module_files() -> dict[str, Path]:
    """Module name -> file, for every module of the namespace."""
    dirs = package_dirs()
    out: dict[str, Path] = {}
    for pkg, folder in dirs.items():
        for path in sorted(folder.glob("*.py")):
            name = pkg if path.stem == "__init__" else f"{pkg}.{path.stem}"
            out[name] = path
    return out


def layer_of(module: str) -> str:
    """The layer a module belongs to."""
    if module in (f"{PROJECT}.cli", f"{PROJECT}.__main__"):
        return "cli"
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in ("models", "offline", "realtime"):
        return parts[1]
    return "core"  # eeg_emotion, eeg_emotion.<core module>, eeg_emotion.configs


def _resolve_relative(module: str, is_package: bool, level: int, target: str | None) -> str:
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join(base + ([target] if target else []))


def imports_of(module: str, path: Path, modules: set[str]) -> list[tuple[str, int]]:
    """(imported project module, line) for every import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names
                      if alias.name.split(".")[0] == PROJECT]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = _resolve_relative(module, path.stem == "__init__", node.level,
                                         node.module)
            if base.split(".")[0] != PROJECT:
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.append((sub if sub in modules else base, node.lineno))
    return [(name, line) for name, line in found if name in modules and name != module]


def import_graph() -> dict[str, dict[str, int]]:
    """Module -> {imported module: first line}."""
    files = module_files()
    names = set(files)
    graph: dict[str, dict[str, int]] = {}
    for module, path in files.items():
        edges: dict[str, int] = {}
        for target, line in imports_of(module, path, names):
            edges.setdefault(target, line)
        graph[module] = edges
    return graph


def find_cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Every strongly connected group of more than one module, as a cycle through it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [_cycle_through(sorted(group), graph) for group in groups]


def _cycle_through(group: list[str], graph: dict[str, dict[str, int]]) -> list[str]:
    """One concrete cycle starting and ending at the group's first module (BFS)."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v]):
            if w == start:
                return paths[v] + [start]
            if w in members and w not in paths:
                paths[w] = paths[v] + [w]
                queue.append(w)
    return group  # pragma: no cover (a strongly connected group always has one)


def test_the_graph_sees_the_whole_package():
    graph = import_graph()
    assert {"eeg_emotion.cli", "eeg_emotion.models.checkpoint",
            "eeg_emotion.offline.datasets.registry", "eeg_emotion.realtime.engine",
            "eeg_emotion.realtime.dashboard.window"} <= set(graph)
    # function-level imports count, and `from pkg import module` names the module
    assert "eeg_emotion.realtime.dashboard.window" in graph["eeg_emotion.realtime.dashboard"]
    assert "eeg_emotion.realtime.dashboard.theme" in graph["eeg_emotion.realtime.dashboard.traces"]


def test_no_import_cycles():
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles (one per group of modules that import each other):\n" \
        + "\n".join(" -> ".join(c) for c in cycles)


def test_no_upward_imports():
    graph = import_graph()
    files = module_files()
    upward = [f"{a} -> {b}  ({files[a].relative_to(ROOT)}:{line})"
              for a, edges in sorted(graph.items()) for b, line in sorted(edges.items())
              if LAYERS.index(layer_of(b)) > LAYERS.index(layer_of(a))]
    assert not upward, "imports up the layers " + " -> ".join(LAYERS) + ":\n" + \
        "\n".join(upward)


def test_cycle_finder_reports_a_cycle():
    graph = {"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b": 1}, "b": {}}) == []
