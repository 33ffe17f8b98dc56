"""The unit tier: no AWS at all, not even moto, so the whole tier runs in seconds. A unit test
whose module imports moto, boto3 or botocore fails, and so does one that makes an AWS client
through any path (a repository, a service, a helper): such a test belongs in tests/integration,
where the `aws` fixture provides moto (that fixture does not exist here)."""

import pytest
from botocore.session import Session

from consentmail.core.tables import SCHEMAS
from tests.conftest import PUBLIC_URL, REGION
from tests.tiers import refuse_imports

MOVE = "unit tests run without AWS or moto: move this test to tests/integration"
FORBIDDEN = {"moto": MOVE, "boto3": MOVE, "botocore": MOVE}


@pytest.fixture(autouse=True)
def _unit_tier(request, monkeypatch) -> None:
    refuse_imports(request, FORBIDDEN)

    def no_client(self, service_name, *args, **kwargs):
        pytest.fail(f"a unit test made an AWS client ({service_name}): {MOVE}", pytrace=False)

    # Every boto3 client and resource, moto's included, is made here.
    monkeypatch.setattr(Session, "create_client", no_client)


@pytest.fixture
def settings_environment() -> dict[str, str]:
    """A complete, well-formed settings environment of plain values: what the functions read at
    start, with nothing behind it (no test here calls AWS)."""
    account = "123456789012"
    return {
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "CONSENTMAIL_PUBLIC_URL": PUBLIC_URL,
        "CONSENTMAIL_SIGNING_SECRET": "consentmail/signing-keys",
        "CONSENTMAIL_SES_CONFIGURATION_SET": "consentmail-events",
        "CONSENTMAIL_SYSTEM_FROM": "privacy@example.com",
        "CONSENTMAIL_FANOUT_QUEUE_URL": f"https://sqs.{REGION}.amazonaws.com/{account}/consentmail-fanout",
        "CONSENTMAIL_SEND_QUEUE_URL": f"https://sqs.{REGION}.amazonaws.com/{account}/consentmail-send",
        "CONSENTMAIL_FANOUT_QUEUE_ARN": f"arn:aws:sqs:{REGION}:{account}:consentmail-fanout",
        "CONSENTMAIL_SCHEDULE_GROUP": "consentmail-campaigns",
        "CONSENTMAIL_SCHEDULER_ROLE_ARN": f"arn:aws:iam::{account}:role/consentmail-scheduler",
        "CONSENTMAIL_USER_POOL_ID": f"{REGION}_TestPool1",
        "CONSENTMAIL_USER_POOL_CLIENT_ID": "test-client-id",
        "CONSENTMAIL_MAX_SEND_RATE": "14.0",
        "CONSENTMAIL_SNS_TOPIC_ARNS": f"arn:aws:sns:{REGION}:{account}:consentmail-ses-events",
        "CONSENTMAIL_SNS_REGIONS": REGION,
        "CONSENTMAIL_OPERATOR_TOPIC_ARN": f"arn:aws:sns:{REGION}:{account}:consentmail-operator",
        "CONSENTMAIL_TRANSFER_BUCKET": "consentmail-transfers",
        "CONSENTMAIL_IMPORT_QUEUE_URL": f"https://sqs.{REGION}.amazonaws.com/{account}/consentmail-import",
        "CONSENTMAIL_EXPORT_QUEUE_URL": f"https://sqs.{REGION}.amazonaws.com/{account}/consentmail-export",
        **{schema.env_var: f"consentmail-{schema.table.value}" for schema in SCHEMAS.values()},
    }
