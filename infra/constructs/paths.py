"""Where the CDK assets live in the repository: function folders and the two layers."""

from pathlib import Path

from consentmail.core.routes import Function

ROOT = Path(__file__).resolve().parent.parent.parent
DEPS_LAYER = ROOT / "build" / "layers" / "deps"
SHARED_LAYER = ROOT / "layers" / "shared"
# Never shipped: bytecode caches, the editable install's metadata, test leftovers.
ASSET_EXCLUDES = ["**/__pycache__", "*.pyc", "*.egg-info", ".pytest_cache"]


def function_folder(function: Function) -> Path:
    return ROOT / "functions" / function.value
