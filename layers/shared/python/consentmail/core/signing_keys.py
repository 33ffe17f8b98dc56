"""The keys behind tokens and keyed hashes, read from Secrets Manager through Powertools
parameters with caching. The secret is JSON:
{"current": "<kid>", "keys": {"<kid>": "<base64 key>", ...}, "hash_key": "<base64 key>"}.
Rotation adds a key and moves `current`; tokens signed with older keys verify while their key
stays in `keys`. The hash key never rotates: keyed hashes of addresses must stay comparable."""

import base64
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from consentmail.core.container import per_container
from consentmail.core.settings import get_settings

CACHE_SECONDS = 300


@dataclass(frozen=True)
class KeyRing:
    current: str
    keys: dict[str, bytes]
    hash_key: bytes

    def signing_key(self) -> tuple[str, bytes]:
        return self.current, self.keys[self.current]


def parse_keyring(value: dict) -> KeyRing:
    keys = {kid: base64.b64decode(key) for kid, key in value["keys"].items()}
    if value["current"] not in keys:
        raise ValueError("the signing secret's current key id is not among its keys")
    return KeyRing(value["current"], keys, base64.b64decode(value["hash_key"]))


def new_secret_value(kid: str = "k1") -> str:
    """A fresh secret in the format above (local mode and tests seed it; in AWS, see the README)."""
    return json.dumps(
        {
            "current": kid,
            "keys": {kid: base64.b64encode(secrets.token_bytes(32)).decode()},
            "hash_key": base64.b64encode(secrets.token_bytes(32)).decode(),
        }
    )


class _SigningSecret:
    """The secret, read through a Powertools SecretsProvider (which caches it for CACHE_SECONDS),
    and its last parsed key ring (parsed again only when the secret's value changes)."""

    def __init__(self, provider, name: str):
        self._provider = provider
        self._name = name
        self._parsed: tuple[str, KeyRing] | None = None

    def keyring(self) -> KeyRing:
        value = self._provider.get(self._name, transform="json", max_age=CACHE_SECONDS)
        fingerprint = json.dumps(value, sort_keys=True)
        if self._parsed is None or self._parsed[0] != fingerprint:
            self._parsed = (fingerprint, parse_keyring(value))
        return self._parsed[1]


# The Secrets Manager client the secret is read through (`read_through`); None: a client of
# Powertools' own, in a boto3 session of its own.
_client: Callable[[], object] | None = None


def read_through(client: Callable[[], object]) -> None:
    """Read the secret through the client `client()` returns (made on first use): the container's
    own, in boto3's default session like every other client (`consentmail/composition` wires it).
    A session of Powertools' own would load boto3's endpoint and credential data a second time
    at every cold start (tens of milliseconds)."""
    global _client
    _client = client
    _signing_secret.cache_clear()


@per_container
def _signing_secret() -> _SigningSecret:
    # A provider of our own, not Powertools' module-level default: its cache goes with the
    # container's (`container.reset_all()`), and its client is made here, lazily.
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    provider = SecretsProvider(boto3_client=_client() if _client else None)
    return _SigningSecret(provider, get_settings().signing_secret)


def get_keyring() -> KeyRing:
    return _signing_secret().keyring()
