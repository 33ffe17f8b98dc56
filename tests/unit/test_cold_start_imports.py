"""What a cold start imports: each module is imported in a fresh interpreter and its `sys.modules`
checked, so a module-level import added on the way brings the heavy package back visibly here
rather than as a slower cold start in the benchmark (docs/benchmarks.md, Cold start).

The tracking function (the open pixel and the click redirect, the hottest path) imports neither
pydantic nor Powertools; the rest is imported where it is used: Babel where a text is translated
or a date formatted, email-validator where an address is validated, cryptography where an SNS
signature is checked, Jinja2 where a campaign is rendered."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
HEAVY = ("pydantic", "aws_lambda_powertools", "babel", "email_validator", "cryptography", "jinja2")


def modules_after(code: str, environ: dict[str, str] | None = None) -> set[str]:
    """`sys.modules` after running `code` in a fresh interpreter."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    env = {"PYTHONPATH": f"{ROOT / 'layers' / 'shared' / 'python'}:{ROOT}", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", script],
        env={**env, **(environ or {})},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def imported_by(code: str, environ: dict[str, str] | None = None) -> set[str]:
    """The heavy top-level packages imported by `code` in a fresh interpreter."""
    return {name.split(".")[0] for name in modules_after(code, environ)} & set(HEAVY)


def test_the_tracking_handler_imports_neither_pydantic_nor_powertools_nor_anything_heavy():
    assert imported_by("import functions.tracking.handler") == set()


def test_tracking_reads_its_settings_and_builds_its_service_without_pydantic(settings_environment):
    # Settings are parsed on the first request: still no pydantic (nor any other heavy package)
    code = (
        "import functions.tracking.handler\n"
        "from consentmail.core.settings import get_settings\n"
        "from consentmail.composition import tracking\n"
        "get_settings()\n"
        "tracking.tracking()"
    )
    assert (
        imported_by(code, {**settings_environment, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"})
        == set()
    )


@pytest.mark.parametrize(
    ("module", "not_imported"),
    [
        # Every function imports the records (a list's language) and the addresses (hashes, masks).
        ("consentmail.core.records", {"babel", "email_validator"}),
        ("consentmail.core.addresses", {"email_validator"}),
        # The SES events and the webhook: an unverifiable message is refused without cryptography.
        ("consentmail.ses_events.sns_verify", {"cryptography"}),
        ("functions.ses_events.handler", {"babel", "email_validator", "cryptography", "jinja2"}),
        # The sender renders with Jinja2, imported with the first campaign it renders.
        ("functions.sender.handler", {"babel", "jinja2", "cryptography"}),
        ("functions.fanout.handler", {"babel", "email_validator", "cryptography", "jinja2"}),
    ],
)
def test_heavy_packages_are_imported_where_they_are_used(module, not_imported):
    assert imported_by(f"import {module}") & not_imported == set()


def test_the_purge_reads_its_event_without_powertools_event_classes():
    # Powertools' event data classes package imports every one of its classes
    assert "aws_lambda_powertools.utilities.data_classes" not in modules_after(
        "import functions.purge.handler"
    )


def test_a_record_builds_its_validation_when_first_used_not_when_imported():
    # Every function imports the records and uses a few: importing builds none of them
    code = (
        "from consentmail.core import records\n"
        "import pydantic\n"
        "built = [m.__name__ for m in vars(records).values() if isinstance(m, type) and "
        "issubclass(m, pydantic.BaseModel) and m.__pydantic_complete__]\n"
        "assert built == [], built\n"
        # and a record used validates as before, its errors included
        "proof = records.ConsentProof.model_validate({'source': 'form', 'obtained_at': "
        "'2026-11-01T00:00:00Z', 'text': 'yes'})\n"
        "assert proof.obtained_at.year == 2026 and records.ConsentProof.__pydantic_complete__\n"
        "try:\n"
        "    records.ConsentProof.model_validate({'source': 'form'})\n"
        "except pydantic.ValidationError as error:\n"
        "    assert {e['loc'][0] for e in error.errors()} == {'obtained_at', 'text'}\n"
        "else:\n"
        "    raise AssertionError('accepted')"
    )
    modules_after(code)


def test_the_signing_secret_is_read_through_the_containers_session_not_a_second_one(settings_environment):
    # Given a function's services, its table and the signing secret's provider made (no AWS call)
    code = (
        "import boto3.session\n"
        "sessions = []\n"
        "made = boto3.session.Session.__init__\n"
        "def counted(self, *args, **kwargs):\n"
        "    sessions.append(1)\n"
        "    made(self, *args, **kwargs)\n"
        "boto3.session.Session.__init__ = counted\n"
        "import functions.tracking.handler\n"
        "from consentmail.adapters import aws_clients\n"
        "from consentmail.core import signing_keys\n"
        "from consentmail.core.tables import Table\n"
        "aws_clients.table(Table.CONTACTS)\n"
        "provider = signing_keys._signing_secret()._provider\n"
        # Then one boto3 session serves both: a second would load boto3's data again at cold start
        "assert provider.client is aws_clients.client('secretsmanager'), provider.client\n"
        "assert len(sessions) == 1, len(sessions)"
    )
    environ = {**settings_environment, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}
    modules_after(code, environ)
