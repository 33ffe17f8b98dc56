"""The EU region guard, operator settings, cdk-nag, cfn-lint and the dependency layer."""

import subprocess
import sys
from pathlib import Path

import pytest

from consentmail.core.routes import Function
from infra.config import ConfigError, config_from
from infra.regions import ALLOWED_REGIONS, RegionNotAllowed, check_region

pytestmark = pytest.mark.infra

CONTEXT = {"sender_domain": "example.com", "max_send_rate": 1}
ELF_MACHINE_AARCH64 = 183


@pytest.mark.promise("region.eu_only")
@pytest.mark.parametrize("region", ["us-east-1", "eu-west-2", "eu-central-2", "ap-southeast-1", ""])
def test_region_guard_refuses_regions_outside_the_eu_naming_the_allowed_ones(region):
    with pytest.raises(RegionNotAllowed) as refused:
        check_region(region)
    for allowed in ALLOWED_REGIONS:
        assert allowed in str(refused.value)


@pytest.mark.promise("region.eu_only")
@pytest.mark.parametrize("region", ALLOWED_REGIONS)
def test_region_guard_accepts_the_eu_regions(region):
    assert check_region(region) == region


def test_region_env_var_wins_over_context_and_eu_west_3_is_the_default():
    assert config_from({**CONTEXT, "region": "eu-west-1"}, {"REGION": "eu-north-1"}).region == "eu-north-1"
    assert config_from({**CONTEXT, "region": "eu-west-1"}, {}).region == "eu-west-1"
    assert config_from(CONTEXT, {}).region == "eu-west-3"


@pytest.mark.promise("region.eu_only")
def test_synthesis_for_us_east_1_fails_naming_the_allowed_regions(tmp_path, monkeypatch, capsys):
    # When the app's entry point (`python -m infra.app`, what cdk.json runs) is run for a region
    # outside the EU (in this process: the CDK's node runtime is already started for the session)
    from infra.app import main

    monkeypatch.setenv("REGION", "us-east-1")
    monkeypatch.setenv("CDK_OUTDIR", str(tmp_path))
    status = main()
    # Then it exits non-zero before synthesizing anything, and says where it may go
    stderr = capsys.readouterr().err
    assert status != 0
    assert "us-east-1" in stderr
    for allowed in ALLOWED_REGIONS:
        assert allowed in stderr
    assert not list(tmp_path.glob("*.template.json"))


def test_operator_settings_are_checked():
    config = config_from({**CONTEXT, "waf": "true", "public_url": "https://mail.example.org/"}, {})
    assert config.waf is True
    assert config.public_url == "https://mail.example.org"
    assert config.system_from == "privacy@example.com"
    for bad in (
        {"sender_domain": "not a domain"},
        {"max_send_rate": 0},
        {"public_url": "http://insecure.example.org"},
        {"alarm_email": "nobody"},
        {"waf": "maybe"},
    ):
        with pytest.raises(ConfigError):
            config_from({**CONTEXT, **bad}, {})


def test_cdk_nag_passes_and_the_report_is_written(synthesized):
    # The fixture's synthesis raises ValidationFailed on any unacknowledged finding.
    assert (synthesized.outdir / "ConsentmailService.template.json").exists()
    assert (synthesized.outdir / "ConsentmailData.template.json").exists()


def test_cfn_lint_finds_no_error_nor_warning_in_the_templates(synthesized):
    templates = [
        str(synthesized.outdir / f"{name}.template.json")
        for name in ("ConsentmailData", "ConsentmailService")
    ]
    result = subprocess.run(  # noqa: S603
        [str(Path(sys.executable).with_name("cfn-lint")), "--ignore-checks", "W3005", "--", *templates],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependency_layer_holds_aarch64_cpython313_wheels_and_no_boto(deps_layer):
    (binary,) = list((deps_layer / "pydantic_core").glob("_pydantic_core*.so"))
    assert "cpython-313-aarch64-linux-gnu" in binary.name
    header = binary.read_bytes()[:20]
    assert header[:4] == b"\x7fELF"
    assert int.from_bytes(header[18:20], "little") == ELF_MACHINE_AARCH64
    for provided_by_lambda in ("boto3", "botocore"):
        assert not (deps_layer / provided_by_lambda).exists()
    assert (deps_layer / "aws_lambda_powertools").is_dir()


def test_the_deployed_code_carries_the_runtimes_bytecode_and_no_other(synthesized, deps_layer):
    # Given the assets the synthesis staged (the layers and every function's code) and the layer
    from tools.build_layer import runtime_python

    staged = [
        path for path in synthesized.outdir.iterdir() if path.name.startswith("asset.") and path.is_dir()
    ]
    functions = [path for path in staged if (path / "handler.py").exists()]
    shared = [path for path in staged if (path / "python" / "consentmail").is_dir()]
    assert len(functions) == len(Function) and len(shared) == 1
    # Then no bytecode of another Python is shipped (Lambda's python3.13 would ignore it)
    for root in [*staged, deps_layer]:
        foreign = [p for p in root.rglob("*.pyc") if not p.name.endswith(".cpython-313.pyc")]
        assert not foreign, foreign[:3]
    if runtime_python() is None:
        pytest.skip("no CPython 3.13 here: the code ships without bytecode")
    # And every module of our code has its 3.13 bytecode, hash-based and unchecked (the asset zip
    # keeps no modification times), naming the path Lambda mounts it at
    for root, deployed_at in [
        *((path, "/var/task") for path in functions),
        (shared[0] / "python", "/opt/python"),
    ]:
        for source in root.rglob("*.py"):
            compiled = source.parent / "__pycache__" / f"{source.stem}.cpython-313.pyc"
            assert compiled.exists(), source
            data = compiled.read_bytes()
            assert int.from_bytes(data[4:8], "little") == 0b01, compiled
            assert f"{deployed_at}/{source.relative_to(root)}".encode() in data, compiled


def test_operator_options_turn_waf_off_add_an_alarm_subscription_and_a_custom_url(tmp_path, deps_layer):
    # Given an operator who turns WAF off (it is on by default), asks for alarm emails and a
    # custom domain, in a known account
    from infra.app import build_app

    context = {"waf": "false", "alarm_email": "ops@example.org", "public_url": "https://mail.example.org"}
    environ = {"REGION": "eu-central-1", "CDK_DEFAULT_ACCOUNT": "123456789012"}
    # When the app is synthesized (a second synthesis: these options change the templates)
    assembly = build_app(outdir=str(tmp_path), context=context, environ=environ).synth()
    # Then cdk-nag still passes, and the options are there
    service = assembly.get_stack_by_name("ConsentmailService").template
    types = [r["Type"] for r in service["Resources"].values()]
    assert "AWS::WAFv2::WebACL" not in types and "AWS::WAFv2::WebACLAssociation" not in types
    emails = [
        r
        for r in service["Resources"].values()
        if r["Type"] == "AWS::SNS::Subscription" and r["Properties"]["Protocol"] == "email"
    ]
    assert [r["Properties"]["Endpoint"] for r in emails] == ["ops@example.org"]
    for r in service["Resources"].values():
        if r["Type"] == "AWS::Lambda::Function":
            assert (
                r["Properties"]["Environment"]["Variables"]["CONSENTMAIL_PUBLIC_URL"]
                == "https://mail.example.org"
            )


def test_extra_webhook_topics_are_validated_and_their_regions_accepted():
    topic = "arn:aws:sns:eu-central-1:210987654321:ses-events-elsewhere"
    config = config_from({**CONTEXT, "webhook_topics": f" {topic} "}, {})
    assert config.webhook_topics == (topic,) and config.webhook_regions == ("eu-central-1",)
    with pytest.raises(ConfigError, match="webhook_topics"):
        config_from({**CONTEXT, "webhook_topics": "https://sns.eu-west-3.amazonaws.com/"}, {})
