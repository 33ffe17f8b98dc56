"""The keys behind tokens and keyed hashes, read from Secrets Manager through Powertools
parameters with caching. The secret is JSON:
{"current": "<kid>", "keys": {"<kid>": "<base64 key>", ...}, "hash_key": "<base64 key>"}.
Rotation adds a key and moves `current`; tokens signed with older keys verify while their key
stays in `keys`. The hash key never rotates: keyed hashes of addresses must stay comparable."""

import base64
import json
import secrets
from dataclasses import dataclass

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


_cached: tuple[str, KeyRing] | None = None


def get_keyring() -> KeyRing:
    global _cached
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_secret(get_settings().signing_secret, transform="json", max_age=CACHE_SECONDS)
    fingerprint = json.dumps(value, sort_keys=True)
    if _cached is None or _cached[0] != fingerprint:
        _cached = (fingerprint, parse_keyring(value))
    return _cached[1]
