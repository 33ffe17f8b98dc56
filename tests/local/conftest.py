"""The local tier: the whole local mode running in this process (moto server, gateway, workers,
SES simulator) on free ports, driven over real HTTP. One local mode per module: starting it takes
seconds, and a module's tests share its state (they read what they wrote, by their own names)."""

import pytest

from infra.local.runtime import LocalMode
from tests.local.local_client import LocalClient


@pytest.fixture(scope="module")
def local_mode():
    """Local mode on free ports; stopped, and the environment restored, when the module is done."""
    mode = LocalMode(port=0).start()
    try:
        yield mode
    finally:
        mode.stop()


@pytest.fixture(scope="module")
def local_client(local_mode) -> LocalClient:
    return LocalClient(local_mode.urls.base)
