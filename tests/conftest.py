"""What every tier shares: the region and public URL the tests configure, the tier markers
(`unit`, `integration`, `local`, `infra`, one per folder), and a helper reading what moto's SES
received. Fixtures live with the tier that needs them: the in-process moto AWS in
`integration/conftest.py`, the running local mode in `local/conftest.py`, the synthesized CDK
app in `infra/conftest.py`; `unit/` has neither, and its conftest keeps it that way."""

import os
from pathlib import Path

import pytest

REGION = "eu-west-3"
PUBLIC_URL = "https://mail.example.test"

TIERS = ("unit", "integration", "local", "infra", "browser")
_TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its tier (its folder), so `pytest -m unit` or `-m "not local"` selects
    by what a test needs rather than by path."""
    for item in items:
        parts = Path(item.path).resolve().relative_to(_TESTS).parts
        if parts and parts[0] in TIERS:
            item.add_marker(getattr(pytest.mark, parts[0]))


def sent_messages() -> list:
    """Every message moto's SES received in this test (raw MIME in `.raw_data`)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID][os.environ["AWS_REGION"]].sent_messages)
