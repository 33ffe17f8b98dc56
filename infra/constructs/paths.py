"""Where the CDK assets come from and are built: the function folders and the two layers.

The dependency layer is built by `make layer` (tools/build_layer.py); the shared layer and each
function's code are copied into build/ with their bytecode at every synthesis
(`tools.build_layer.build_code`), so what is deployed is always the source tree as it is."""

from pathlib import Path

from consentmail.core.routes import Function

ROOT = Path(__file__).resolve().parent.parent.parent
BUILD = ROOT / "build"
DEPS_LAYER = BUILD / "layers" / "deps"
SHARED_SOURCE = ROOT / "layers" / "shared" / "python" / "consentmail"
SHARED_LAYER = BUILD / "layers" / "shared"
# Never shipped from the dependency layer: the build's completion marker (for make, not Lambda).
DEPS_EXCLUDES = ["python/.built"]


def function_folder(function: Function) -> Path:
    """The function's source folder (functions/<name>)."""
    return ROOT / "functions" / function.value


def function_build(function: Function) -> Path:
    """Where the function's code is built for its asset."""
    return BUILD / "functions" / function.value
