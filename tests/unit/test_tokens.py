"""Signed tokens: bound to a purpose, expiring, rotatable, tamper-evident."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from consentmail.core.errors import InvalidToken
from consentmail.core.signing_keys import parse_keyring
from consentmail.core.tokens import Purpose, issue, verify

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def ring(current: str = "k1", **keys: bytes):
    keys = keys or {"k1": b"a" * 32}
    return parse_keyring(
        {
            "current": current,
            "keys": {kid: base64.b64encode(key).decode() for kid, key in keys.items()},
            "hash_key": base64.b64encode(b"h" * 32).decode(),
        }
    )


def test_a_token_verifies_for_its_purpose_and_returns_its_claims():
    token = issue(Purpose.CONFIRM, {"l": "list", "c": "contact"}, NOW + timedelta(days=7), ring())
    assert verify(token, Purpose.CONFIRM, NOW, ring()) == {"l": "list", "c": "contact"}


def test_a_token_of_another_purpose_is_refused():
    token = issue(Purpose.UNSUBSCRIBE, {"c": "x"}, NOW + timedelta(days=1), ring())
    with pytest.raises(InvalidToken):
        verify(token, Purpose.CONFIRM, NOW, ring())


def test_a_token_is_refused_from_the_second_it_expires():
    token = issue(Purpose.CONFIRM, {}, NOW + timedelta(days=7), ring())
    verify(token, Purpose.CONFIRM, NOW + timedelta(days=7, seconds=-1), ring())
    with pytest.raises(InvalidToken, match="expired"):
        verify(token, Purpose.CONFIRM, NOW + timedelta(days=7), ring())


def test_changing_the_claims_breaks_the_signature():
    token = issue(Purpose.CLICK, {"u": "https://example.org/"}, NOW + timedelta(days=1), ring())
    kid, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["u"] = "https://evil.example/"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidToken):
        verify(f"{kid}.{forged}.{signature}", Purpose.CLICK, NOW, ring())


@pytest.mark.parametrize("token", ["", "a.b", "a.b.c.d", "k1.!!!.sig", "unknown.e30.sig"])
def test_malformed_tokens_are_refused(token):
    with pytest.raises(InvalidToken):
        verify(token, Purpose.CONFIRM, NOW, ring())


def test_tokens_signed_with_an_older_key_verify_after_rotation():
    old = ring("k1", k1=b"a" * 32)
    rotated = ring("k2", k1=b"a" * 32, k2=b"b" * 32)
    token = issue(Purpose.CONFIRM, {"c": "x"}, NOW + timedelta(days=1), old)
    assert verify(token, Purpose.CONFIRM, NOW, rotated) == {"c": "x"}
    assert issue(Purpose.CONFIRM, {}, NOW + timedelta(days=1), rotated).startswith("k2.")


def test_a_retired_key_no_longer_verifies():
    token = issue(Purpose.CONFIRM, {}, NOW + timedelta(days=1), ring("k1", k1=b"a" * 32))
    with pytest.raises(InvalidToken):
        verify(token, Purpose.CONFIRM, NOW, ring("k2", k2=b"b" * 32))
