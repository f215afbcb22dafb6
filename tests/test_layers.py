"""The layers of DESIGN.md hold: pure code never touches Django, nothing imports upward,
and no module imports itself round a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "civharm"

# Lower number = lower layer. A module may import only its own layer or lower ones.
LAYERS = {
    "civharm.config": 0,
    "civharm.domain": 0,
    "civharm.ingest": 0,
    "civharm.analysis": 0,
    "civharm.simulation": 0,
    "civharm.site": 1,
    "civharm.store": 1,
    "civharm.services": 2,
    "civharm.cli": 3,
    "civharm.web": 3,
}
PURE = {name for name, layer in LAYERS.items() if layer == 0}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str | None:
    for prefix in sorted(LAYERS, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return prefix
    return None


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}


def imports(path: Path, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{a.name}" for a in node.names} & MODULES.keys()
            # "from package import submodule" depends on the submodule, not the package.
            if len(submodules) < len(node.names):
                found.add(node.module)
            found |= submodules
    return found




@pytest.mark.parametrize("module", sorted(m for m in MODULES if layer_of(m) in PURE))
def test_pure_code_never_imports_django_or_a_higher_layer(module: str) -> None:
    for name in imports(MODULES[module], top_level_only=False):
        assert not name.startswith("django"), f"{module} imports {name}"
        target = layer_of(name)
        assert target is None or target in PURE, f"{module} imports {name}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_nothing_imports_a_higher_layer(module: str) -> None:
    own = layer_of(module)
    if own is None:
        return
    for name in imports(MODULES[module], top_level_only=False):
        target = layer_of(name)
        if target is not None:
            assert LAYERS[target] <= LAYERS[own], f"{module} imports {name} from a higher layer"


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        ancestors = {module.rsplit(".", i)[0] for i in range(1, module.count(".") + 1)}
        graph[module] = {n for n in imports(path, top_level_only=True) if n in MODULES} \
            - {module} - ancestors
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt):], nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)


def test_every_module_is_placed_in_a_layer() -> None:
    top = ("civharm", "civharm.__main__")
    unplaced = [m for m in MODULES if m not in top and layer_of(m) is None]
    assert unplaced == []
