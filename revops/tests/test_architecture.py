"""The layout holds: apps depend on each other one way only, no module imports another that
imports it back (imports inside functions included), and no module grows past 600 lines."""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PACKAGES = ["common", "leads", "campaigns", "handoff", "qualification", "sales", "integrations", "dashboard", "review", "demo", "revops"]
# Each app may import only the ones before it in this list (and itself).
LAYERS = PACKAGES
MAX_LINES = 600


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts or "tests" in parts:
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    """Every project module `path` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(path, modules) - {name} for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A path that comes back to where it started, or None."""
    state: dict[str, str] = {}

    def visit(node, path):
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return path[path.index(target):] + [target] if target in path else [node, target]
            if target not in state:
                cycle = visit(target, path + [target])
                if cycle:
                    return cycle
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start, [start])
            if cycle:
                return cycle
    return None


def test_no_module_imports_one_that_imports_it_back():
    assert find_cycle(import_graph()) is None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_apps_import_only_the_apps_below_them():
    upward = []
    for module, targets in import_graph().items():
        layer = LAYERS.index(module.split(".")[0])
        for target in targets:
            if LAYERS.index(target.split(".")[0]) > layer:
                upward.append(f"{module} imports {target}")
    assert upward == []


def test_the_shared_package_imports_no_app():
    graph = import_graph()
    assert {t for m, ts in graph.items() if m.startswith("common") for t in ts if not t.startswith("common")} == set()


def test_no_module_is_longer_than_600_lines():
    long = {
        str(path.relative_to(ROOT)): count
        for path in project_modules().values()
        if (count := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
