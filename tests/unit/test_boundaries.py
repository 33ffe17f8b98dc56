"""The package's boundaries as a test: the import-linter contracts of pyproject.toml (layers, no
context importing web/, the AWS SDK only in store/ and adapters/, handlers never reaching store/
or adapters/), and "only store/ imports boto3.dynamodb", which import-linter cannot express. A
change that breaks one fails here with the rule's name and the offending import."""

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "layers" / "shared" / "python" / "consentmail"


def test_every_import_linter_contract_is_kept():
    # This checkout first on the path, whatever the environment has installed.
    path = os.pathsep.join([str(PACKAGE.parent), str(ROOT), os.environ.get("PYTHONPATH", "")])
    result = subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())",
            "--config",
            str(ROOT / "pyproject.toml"),
            "--no-cache",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": path, "NO_COLOR": "1", "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    report = result.stdout + result.stderr
    assert result.returncode == 0, (
        "A boundary of docs/architecture.md is broken:\n" + report[report.find("Contracts") :]
    )
    assert "0 broken" in report


def _imports(source: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, node.module)]
    return found


def test_only_the_store_imports_boto3_dynamodb():
    """Key conditions and item types are the store's: only it knows key formats and items."""
    offending = [
        f"{source.relative_to(ROOT)}:{line} imports {module}"
        for tree in (PACKAGE, ROOT / "functions")
        for source in sorted(tree.rglob("*.py"))
        if PACKAGE / "store" not in source.parents
        for line, module in _imports(source)
        if module == "boto3.dynamodb" or module.startswith("boto3.dynamodb.")
    ]

    assert offending == [], "Only store/ imports boto3.dynamodb (docs/architecture.md):\n" + "\n".join(
        offending
    )
