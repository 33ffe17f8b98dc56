"""The verifier against messages Amazon SNS really signed (versions 1 and 2, with and without a
Subject), their certificate injected: our string to sign is AWS's."""

import json
from datetime import timedelta
from pathlib import Path

import pytest

from consentmail.core.clock import parse_iso
from consentmail.ses_events.sns_verify import SnsRejected, SnsVerifier

FIXTURE = json.loads((Path(__file__).parent.parent / "fixtures" / "sns_signed_by_aws.json").read_text())
MESSAGES = FIXTURE["messages"]


def verifier_for(message: dict, fetched: list[str]) -> SnsVerifier:
    def fetch(url: str) -> bytes:
        fetched.append(url)
        return FIXTURE["certificate"].encode()

    return SnsVerifier([message["TopicArn"]], ["us-east-2"], fetch=fetch)


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: f"v{m['SignatureVersion']}-{'subject' in str(m)}")
def test_messages_signed_by_sns_verify(message):
    fetched: list[str] = []
    at = parse_iso(message["Timestamp"]) + timedelta(seconds=2)

    assert verifier_for(message, fetched).verify(dict(message), at)
    assert fetched == [message["SigningCertURL"]]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: m["MessageId"][:8])
def test_a_changed_word_breaks_a_real_signature(message):
    at = parse_iso(message["Timestamp"]) + timedelta(seconds=2)

    with pytest.raises(SnsRejected):
        verifier_for(message, []).verify({**message, "Message": "Hello World"}, at)


def test_a_real_message_is_refused_once_it_is_old():
    message = MESSAGES[1]

    with pytest.raises(SnsRejected, match="replay"):
        verifier_for(message, []).verify(dict(message), parse_iso(message["Timestamp"]) + timedelta(days=1))
