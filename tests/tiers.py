"""How a tier keeps its promise: each tier's conftest names the modules its tests may not import
(with what to do instead), and a test whose module imports one fails, naming the rule. The check
reads the test module's source, so an import inside a test function counts as much as one at the
top."""

import ast
from functools import cache
from pathlib import Path

import pytest


@cache
def imported_modules(source: str) -> frozenset[str]:
    """Every module a source text imports, anywhere in it (cached: each test of a module asks)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return frozenset(found)


def broken_rules(path: Path, forbidden: dict[str, str]) -> list[str]:
    """`module imports X: why` for each forbidden module (or a submodule of it) the file imports."""
    imported = imported_modules(path.read_text())
    return [
        f"{path.name} imports {name}: {why}"
        for name, why in forbidden.items()
        if any(module == name or module.startswith(name + ".") for module in imported)
    ]


def refuse_imports(request: pytest.FixtureRequest, forbidden: dict[str, str]) -> None:
    """Fail the requesting test when its module imports what its tier forbids."""
    broken = broken_rules(Path(request.node.path), forbidden)
    if broken:
        pytest.fail("; ".join(broken), pytrace=False)
