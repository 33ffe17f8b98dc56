"""Fixtures shared by the integration tests."""

import pytest

from infra.local.runtime import LocalMode
from tests.integration.local_client import LocalClient


@pytest.fixture(scope="module")
def local_mode():
    """The whole local mode in this process (moto server, gateway, workers, SES simulator) on free
    ports; stopped, and the environment restored, when the module's tests are done."""
    mode = LocalMode(port=0).start()
    try:
        yield mode
    finally:
        mode.stop()


@pytest.fixture(scope="module")
def local_client(local_mode) -> LocalClient:
    return LocalClient(local_mode.urls.base)
