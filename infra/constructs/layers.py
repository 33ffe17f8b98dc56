"""The two Lambda layers every function carries: the runtime dependencies (built by
`python -m tools.build_layer` for arm64 / CPython 3.13, no Docker) and the shared `consentmail`
package (layers/shared/python/consentmail, mounted at /opt/python, built here at every synthesis).
Both ship CPython 3.13 bytecode when the build machine has that interpreter (tools/build_layer.py)."""

from aws_cdk import RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.paths import DEPS_EXCLUDES, DEPS_LAYER, SHARED_LAYER, SHARED_SOURCE
from tools.build_layer import LAYER_ROOT, build_code

RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64


class MissingLayerBuild(RuntimeError):
    """The dependency layer has not been built; `make layer` builds it."""


class Layers(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        if not (DEPS_LAYER / "python" / ".built").exists():
            raise MissingLayerBuild(
                f"{DEPS_LAYER}/python is not built: run `make layer` (python -m tools.build_layer "
                "build/layers/deps/python) first"
            )
        self.deps = lambda_.LayerVersion(
            self,
            "Dependencies",
            code=lambda_.Code.from_asset(str(DEPS_LAYER), exclude=DEPS_EXCLUDES),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="consentmail runtime dependencies (pyproject.toml), arm64 CPython 3.13 wheels",
            removal_policy=RemovalPolicy.DESTROY,
        )
        build_code(
            SHARED_SOURCE, SHARED_LAYER / "python" / SHARED_SOURCE.name, f"{LAYER_ROOT}/{SHARED_SOURCE.name}"
        )
        self.shared = lambda_.LayerVersion(
            self,
            "Shared",
            code=lambda_.Code.from_asset(str(SHARED_LAYER)),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="consentmail shared package: domain logic, repositories, settings",
            removal_policy=RemovalPolicy.DESTROY,
        )

    @property
    def all(self) -> list[lambda_.ILayerVersion]:
        return [self.deps, self.shared]
