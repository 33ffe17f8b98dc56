"""Verifying Amazon SNS messages posted to our HTTPS endpoint, exactly as AWS specifies
(docs: "Verifying the signatures of Amazon SNS messages"), with the traps of public verifiers
closed:

- the string to sign is built per message type: Notification signs Message, MessageId, Subject
  (only when present), Timestamp, TopicArn, Type; SubscriptionConfirmation and
  UnsubscribeConfirmation sign Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type;
  each as "Name\\nvalue\\n", in that order;
- SignatureVersion "1" is SHA1withRSA, "2" SHA256withRSA; nothing else is accepted;
- the TopicArn must be one the operator configured, checked before anything is fetched;
- SigningCertURL must be https://sns.<region>.amazonaws.com/SimpleNotificationService-<hex>.pem
  for a configured region, the TopicArn's own: no port, user info, query or fragment. The common
  host pattern `sns.[a-z0-9-]+.amazonaws.com` also matches S3 buckets named `sns`
  (`sns.s3-eu-west-3.amazonaws.com`), and substring checks accept look-alike hosts and paths
  carrying the AWS host; an exact host and an anchored path refuse them all. A URL that fails
  the pin is never fetched, so a forged webhook cannot make us request anything;
- the certificate is fetched without following redirects, within 5 seconds, checked for its
  validity period and cached per URL; a certificate that cannot be fetched means the signature
  cannot be checked: `SnsRejected` (403, change nothing), and the failure is remembered per URL
  for FETCH_FAILURE_KEPT, so a forged message with a well-formed certificate URL neither makes us
  fetch again on every request (a fetch amplifier) nor feeds the 5xx alarm; anything else
  unverified is `SnsRejected` too; only a SubscribeURL GET that fails after a verified message is
  `SnsUnavailable` (answer 5xx so SNS retries);
- messages older than MAX_AGE are refused as replays (SNS retries an HTTP delivery for at most an
  hour); processing is idempotent besides, so a replay inside the window changes nothing;
- a subscription is confirmed only after its message verified, by a GET of its SubscribeURL,
  which must be https on `sns.<region of the TopicArn>.amazonaws.com`, path `/`, with
  Action=ConfirmSubscription for that very topic; no redirects, 5 seconds.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import re
import ssl
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from consentmail.core.clock import parse_iso

if TYPE_CHECKING:
    from cryptography import x509

NOTIFICATION = "Notification"
SUBSCRIPTION_CONFIRMATION = "SubscriptionConfirmation"
UNSUBSCRIBE_CONFIRMATION = "UnsubscribeConfirmation"

NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
CONFIRMATION_FIELDS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")
SIGNED_FIELDS = {
    NOTIFICATION: NOTIFICATION_FIELDS,
    SUBSCRIPTION_CONFIRMATION: CONFIRMATION_FIELDS,
    UNSUBSCRIBE_CONFIRMATION: CONFIRMATION_FIELDS,
}
# SignatureVersion -> the hash it signs with (cryptography's, imported when a message gets that far:
# a message of a topic that is not ours is refused without it).
HASHES = {"1": "SHA1", "2": "SHA256"}

FETCH_TIMEOUT_SECONDS = 5
MAX_CERTIFICATE_BYTES = 64 * 1024
MAX_AGE = timedelta(hours=1)
CLOCK_SKEW = timedelta(minutes=5)
CERTIFICATE_CACHE_SIZE = 32
# How long a certificate URL that could not be fetched is refused without fetching it again.
FETCH_FAILURE_KEPT = timedelta(minutes=5)

_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d$")
_CERT_PATH = re.compile(r"^/SimpleNotificationService-[0-9a-fA-F]+\.pem$")
_TOPIC_ARN = re.compile(r"^arn:aws:sns:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):([A-Za-z0-9_-]{1,256})$")


class SnsRejected(Exception):
    """The message is not a verified SNS message for one of our topics: answer 403, change nothing."""


class SnsUnavailable(Exception):
    """A verified subscription could not be confirmed (its SubscribeURL GET failed): answer 5xx so
    SNS retries."""


class FetchFailed(Exception):
    """An HTTPS GET did not answer 200 in time (or tried to redirect)."""


Fetcher = Callable[[str], bytes]


def https_get(url: str) -> bytes:
    """GET an https URL already checked against our pins: no redirect is followed (a 3xx is a
    failure), 5 s timeout, the platform's certificate verification."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise FetchFailed("not an https URL")
    connection = http.client.HTTPSConnection(
        parts.hostname, 443, timeout=FETCH_TIMEOUT_SECONDS, context=ssl.create_default_context()
    )
    try:
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        connection.request("GET", target, headers={"User-Agent": "consentmail-sns-verifier"})
        response = connection.getresponse()
        body = response.read(MAX_CERTIFICATE_BYTES + 1)
        if response.status != 200:
            raise FetchFailed(f"HTTP {response.status}")
        return body
    except (OSError, http.client.HTTPException) as error:
        raise FetchFailed(type(error).__name__) from error
    finally:
        connection.close()


def sns_host(region: str) -> str:
    return f"sns.{region}.amazonaws.com"


def topic_region(topic_arn: str) -> str:
    match = _TOPIC_ARN.match(topic_arn)
    if not match:
        raise SnsRejected("malformed TopicArn")
    return match.group(1)


def _plain_https(url: str, what: str):
    """The URL's parts, if it is a plain https URL: no user info, no port, no fragment."""
    if not isinstance(url, str) or any(ord(c) < 0x21 or ord(c) > 0x7E for c in url):
        raise SnsRejected(f"malformed {what}")
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise SnsRejected(f"{what} is not https")
    try:
        port = parts.port
    except ValueError as error:
        raise SnsRejected(f"malformed {what}") from error
    if parts.username is not None or parts.password is not None or port is not None or parts.fragment:
        raise SnsRejected(f"{what} has user info, a port or a fragment")
    if "@" in parts.netloc or "\\" in url:
        raise SnsRejected(f"malformed {what}")
    return parts


def check_certificate_url(url: str, region: str) -> None:
    """The certificate URL pin: https, exactly sns.<region>.amazonaws.com, the SNS path."""
    parts = _plain_https(url, "SigningCertURL")
    if parts.netloc != sns_host(region):
        raise SnsRejected("SigningCertURL is not on the SNS host of the topic's region")
    if parts.query or not _CERT_PATH.match(parts.path):
        raise SnsRejected("SigningCertURL has an unexpected path")


def check_subscribe_url(url: str, topic_arn: str) -> None:
    parts = _plain_https(url, "SubscribeURL")
    if parts.netloc != sns_host(topic_region(topic_arn)):
        raise SnsRejected("SubscribeURL is not on the SNS host of the topic's region")
    if parts.path not in ("", "/"):
        raise SnsRejected("SubscribeURL has an unexpected path")
    query = parse_qs(parts.query, strict_parsing=False)
    if query.get("Action") != ["ConfirmSubscription"] or query.get("TopicArn") != [topic_arn]:
        raise SnsRejected("SubscribeURL does not confirm this topic")


def string_to_sign(message: dict) -> bytes:
    """AWS's canonical form of the message: "Name\\nvalue\\n" for each signed field, in order;
    a Notification's Subject only when it has one."""
    fields = SIGNED_FIELDS.get(message.get("Type", ""))
    if fields is None:
        raise SnsRejected("unknown message Type")
    lines: list[str] = []
    for name in fields:
        value = message.get(name)
        if value is None and name == "Subject":
            continue
        if not isinstance(value, str):
            raise SnsRejected(f"{name} is missing")
        lines += [name, value]
    return ("\n".join(lines) + "\n").encode("utf-8")


class SnsVerifier:
    """Verifies SNS messages for the configured topics and regions; one per container (its
    certificate cache lives with it)."""

    def __init__(self, topic_arns: list[str], regions: list[str], fetch: Fetcher = https_get):
        self.topic_arns = frozenset(topic_arns)
        self.regions = frozenset(r for r in regions if _REGION.match(r))
        self.fetch = fetch
        self._certificates: dict[str, x509.Certificate] = {}
        # URL -> until when a failed fetch is not retried.
        self._failed: dict[str, datetime] = {}

    def verify(self, message: dict, at: datetime) -> dict:
        """The message, verified; SnsRejected or SnsUnavailable otherwise."""
        if not isinstance(message, dict):
            raise SnsRejected("not an SNS message")
        topic_arn = message.get("TopicArn")
        if not isinstance(topic_arn, str) or topic_arn not in self.topic_arns:
            raise SnsRejected("TopicArn is not one of ours")
        region = topic_region(topic_arn)
        if region not in self.regions:
            raise SnsRejected("the topic's region is not configured")
        version = message.get("SignatureVersion")
        if version not in HASHES:
            raise SnsRejected("unsupported SignatureVersion")
        cert_url = message.get("SigningCertURL")
        check_certificate_url(cert_url, region)
        data = string_to_sign(message)
        signature = self._signature(message.get("Signature"))
        self._check_time(message.get("Timestamp"), at)
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding, rsa

        certificate = self._certificate(cert_url, at)
        public_key = certificate.public_key()
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise SnsRejected("the certificate's key is not RSA")
        try:
            public_key.verify(signature, data, padding.PKCS1v15(), getattr(hashes, HASHES[version])())
        except InvalidSignature as error:
            raise SnsRejected("bad signature") from error
        if message["Type"] != NOTIFICATION:
            check_subscribe_url(message.get("SubscribeURL"), topic_arn)
        return message

    def confirm_subscription(self, message: dict) -> None:
        """GET the SubscribeURL of a message `verify` accepted."""
        url = message["SubscribeURL"]
        check_subscribe_url(url, message["TopicArn"])
        try:
            self.fetch(url)
        except FetchFailed as error:
            raise SnsUnavailable("could not confirm the subscription") from error

    @staticmethod
    def _signature(value) -> bytes:
        if not isinstance(value, str) or not value:
            raise SnsRejected("no Signature")
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as error:
            raise SnsRejected("malformed Signature") from error

    @staticmethod
    def _check_time(value, at: datetime) -> None:
        try:
            sent = parse_iso(value)
        except (TypeError, ValueError, AttributeError) as error:
            raise SnsRejected("malformed Timestamp") from error
        if sent < at - MAX_AGE or sent > at + CLOCK_SKEW:
            raise SnsRejected("Timestamp out of range (a replay?)")

    def _certificate(self, url: str, at: datetime) -> x509.Certificate:
        certificate = self._certificates.get(url)
        if certificate is None:
            failed_until = self._failed.get(url)
            if failed_until is not None and at < failed_until:
                raise SnsRejected("the signing certificate could not be fetched a moment ago")
            try:
                body = self.fetch(url)
            except FetchFailed as error:
                if len(self._failed) >= CERTIFICATE_CACHE_SIZE:
                    self._failed.pop(next(iter(self._failed)))
                self._failed[url] = at + FETCH_FAILURE_KEPT
                raise SnsRejected("could not fetch the signing certificate") from error
            if len(body) > MAX_CERTIFICATE_BYTES:
                raise SnsRejected("the signing certificate is too large")
            from cryptography import x509

            try:
                certificate = x509.load_pem_x509_certificate(body)
            except ValueError as error:
                raise SnsRejected("the signing certificate is not a PEM certificate") from error
            if len(self._certificates) >= CERTIFICATE_CACHE_SIZE:
                self._certificates.pop(next(iter(self._certificates)))
            self._certificates[url] = certificate
        if not certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc:
            raise SnsRejected("the signing certificate is not valid now")
        return certificate
