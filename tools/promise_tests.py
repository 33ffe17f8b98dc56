"""Which tests prove which promise: every `@pytest.mark.promise("<id>", ...)` on a test function
(or a module's `pytestmark`), read from the test sources without importing them, so the check runs
in the unit tier and a test needing moto or the CDK is found as cheaply as any other."""

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
TESTS = REPOSITORY / "tests"
# Where each top-level package lives: the shared package is in the Lambda layer's folder.
PACKAGE_ROOTS = {"consentmail": REPOSITORY / "layers" / "shared" / "python"}


@dataclass(frozen=True, order=True)
class ProvingTest:
    path: str  # relative to the repository, e.g. tests/unit/test_retention.py
    name: str  # the test function, e.g. test_the_three_promised_periods
    promise_id: str

    @property
    def node_id(self) -> str:
        return f"{self.path}::{self.name}"


def _promise_ids(decorator: ast.expr) -> list[str]:
    """The ids of a `pytest.mark.promise("a", "b")` expression, or [] for any other expression."""
    if not isinstance(decorator, ast.Call):
        return []
    target = decorator.func
    if not (
        isinstance(target, ast.Attribute)
        and target.attr == "promise"
        and isinstance(target.value, ast.Attribute)
        and target.value.attr == "mark"
    ):
        return []
    return [
        arg.value for arg in decorator.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
    ]


def _module_marks(tree: ast.Module) -> list[str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets
        ):
            values = node.value.elts if isinstance(node.value, ast.List | ast.Tuple) else [node.value]
            return [pid for value in values for pid in _promise_ids(value)]
    return []


def _test_functions(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_"):
            yield node
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for member in node.body:
                if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef) and member.name.startswith(
                    "test_"
                ):
                    yield member


def proving_tests(root: Path = TESTS) -> list[ProvingTest]:
    """Every (test, promise id) pair the test sources under `root` declare, sorted."""
    found: set[ProvingTest] = set()
    for source in sorted(root.rglob("test_*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
        relative = source.relative_to(REPOSITORY).as_posix()
        module_ids = _module_marks(tree)
        for function in _test_functions(tree):
            ids = module_ids + [pid for d in function.decorator_list for pid in _promise_ids(d)]
            found.update(ProvingTest(relative, function.name, pid) for pid in ids)
    return sorted(found)


def module_path(module: str) -> Path:
    """The source file of a dotted module name (a package's `__init__.py`), in this repository."""
    top, *rest = module.split(".")
    base = PACKAGE_ROOTS.get(top, REPOSITORY) / top
    candidate = base.joinpath(*rest)
    if candidate.is_dir():
        return candidate / "__init__.py"
    return candidate.with_suffix(".py")
