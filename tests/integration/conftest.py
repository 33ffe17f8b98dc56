"""The integration tier: every consentmail resource in an in-process moto AWS (`mock_aws`),
provisioned by the same code as local mode, and the settings environment pointing at it. No
servers, no ports: a test that needs the running local mode belongs in `tests/local`."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache

import boto3
import botocore.loaders
import botocore.session
import pytest
from moto import mock_aws

from consentmail.core import container
from consentmail.core.records import MailingList
from consentmail.store.lists import ListRepository
from infra.local.provision import Provisioned, provision
from tests.conftest import PUBLIC_URL, REGION
from tests.tiers import refuse_imports

# Local mode runs servers and threads on ports of its own; in-process moto is all this tier uses.
FORBIDDEN = {
    "infra.local.runtime": "it starts the running local mode: move the test to tests/local",
    "tests.local": "its helpers drive the running local mode: move the test to tests/local",
}


@pytest.fixture(autouse=True)
def _integration_tier(request) -> None:
    refuse_imports(request, FORBIDDEN)


@pytest.fixture
def aws(monkeypatch) -> Iterator[Provisioned]:
    """A fresh moto AWS with every consentmail resource, and settings pointing at it."""
    with moto_aws(monkeypatch) as provisioned:
        yield provisioned


@cache
def _service_models() -> botocore.loaders.Loader:
    """One botocore loader for the session: the AWS service models it caches are read-only data."""
    return botocore.loaders.create_loader()


@contextmanager
def moto_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Provisioned]:
    """What `aws` gives, for fixtures of a wider scope (with their own MonkeyPatch)."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "consentmail")
    with mock_aws():
        # moto starts each test on a new default session, whose clients would read every service's
        # model from disk again (a third of provisioning): its sessions share one loader.
        core = botocore.session.get_session()
        core.register_component("data_loader", _service_models())
        boto3.setup_default_session(botocore_session=core)
        provisioned = provision(REGION, PUBLIC_URL)
        for key, value in provisioned.environment.items():
            monkeypatch.setenv(key, value)
        container.reset_all()  # clients, settings, keys and services made afresh, for this moto
        yield provisioned
        container.reset_all()


@pytest.fixture
def demo_list(aws) -> MailingList:
    mailing_list = MailingList(
        list_id="list-demo",
        account_id="account-demo",
        name="Demo News",
        from_email="news@example.com",
        from_name="Demo News",
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
    )
    ListRepository().create(mailing_list)
    return mailing_list
