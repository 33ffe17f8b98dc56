"""One synthesis of the CDK app per test session (it takes seconds and half a gigabyte), shared by
every infrastructure test as parsed templates."""

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from infra.constructs.paths import DEPS_LAYER  # noqa: E402
from tools.build_layer import DONE_MARKER, build  # noqa: E402

REGION = "eu-west-3"


@dataclass(frozen=True)
class Synthesized:
    outdir: Path
    data: dict
    service: dict

    def resources(self, template: dict, type_: str) -> dict[str, dict]:
        return {k: r for k, r in template["Resources"].items() if r["Type"] == type_}

    def data_key_id(self) -> str:
        """The logical id of the data stack's key, consentmail's only customer managed key."""
        (key_id,) = self.resources(self.data, "AWS::KMS::Key")
        return key_id

    def is_data_key(self, value: object) -> bool:
        """Whether a service stack value is the data key's ARN (the data stack's output of it)."""
        if not isinstance(value, dict) or "Fn::GetStackOutput" not in value:
            return False
        output = self.data["Outputs"].get(value["Fn::GetStackOutput"]["OutputName"], {})
        return output.get("Value") == {"Fn::GetAtt": [self.data_key_id(), "Arn"]}


@pytest.fixture(scope="session")
def deps_layer() -> Path:
    """The built dependency layer (`make test` builds it first; built here when it is missing)."""
    target = DEPS_LAYER / "python"
    if not (target / DONE_MARKER).exists():
        build(target)
    return target


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory, deps_layer) -> Synthesized:
    from infra.app import build_app

    outdir = tmp_path_factory.mktemp("cdk.out")
    app = build_app(outdir=str(outdir), environ={"REGION": REGION})
    assembly = app.synth()  # raises when cdk-nag reports an unacknowledged finding
    return Synthesized(
        outdir=outdir,
        data=assembly.get_stack_by_name("ConsentmailData").template,
        service=assembly.get_stack_by_name("ConsentmailService").template,
    )


def load(path: Path) -> dict:
    return json.loads(path.read_text())
