"""The custom resource that gives the signing secret its first keyring."""

import json

import boto3
from moto import mock_aws

from consentmail.core.signing_keys import parse_keyring
from infra.constructs.signing_secret_seed import is_keyring, seed

REGION = "eu-west-3"


def test_seed_replaces_the_placeholder_with_a_keyring_the_service_can_read(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("secretsmanager", region_name=REGION)
        client.create_secret(Name="consentmail/signing-keys", SecretString="placeholder1234")
        # When the custom resource runs on creation
        assert seed(client, "consentmail/signing-keys") is True
        # Then the secret is a keyring of 32-byte keys
        value = json.loads(client.get_secret_value(SecretId="consentmail/signing-keys")["SecretString"])
        keyring = parse_keyring(value)
        assert len(keyring.signing_key()[1]) == 32 and len(keyring.hash_key) == 32


def test_seed_never_overwrites_an_existing_keyring(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("secretsmanager", region_name=REGION)
        client.create_secret(Name="s", SecretString="placeholder")
        seed(client, "s")
        before = client.get_secret_value(SecretId="s")["SecretString"]
        # When the stack is updated and the resource runs again
        assert seed(client, "s") is False
        # Then the keys (and every token and address hash made with them) are unchanged
        assert client.get_secret_value(SecretId="s")["SecretString"] == before
        assert is_keyring(before)


def test_seed_handler_fits_cloudformations_inline_code_limit():
    from infra.constructs.signing_secret import SEED_HANDLER

    assert len(SEED_HANDLER.read_text()) < 4096
