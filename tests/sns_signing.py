"""A stand-in for Amazon SNS's signing, for offline tests: our own RSA key and self-signed
certificate, served by an injected fetcher that records every URL it was asked for."""

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from consentmail.ses_events.sns_verify import FetchFailed

REGION = "eu-west-3"
CERT_URL = (
    f"https://sns.{REGION}.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem"
)


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def certificate_pem(key: rsa.RSAPrivateKey, not_before: datetime, not_after: datetime) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


def canonical(message: dict) -> bytes:
    """The string to sign, written out independently of the code under test."""
    if message["Type"] == "Notification":
        names = ["Message", "MessageId"] + (["Subject"] if message.get("Subject") is not None else [])
        names += ["Timestamp", "TopicArn", "Type"]
    else:
        names = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    return "".join(f"{name}\n{message[name]}\n" for name in names).encode()


def sign(message: dict, key: rsa.RSAPrivateKey, version: str = "2") -> dict:
    algorithm = hashes.SHA256() if version == "2" else hashes.SHA1()  # noqa: S303  # SNS SignatureVersion 1 is SHA1withRSA
    signature = key.sign(canonical(message), padding.PKCS1v15(), algorithm)
    return {**message, "SignatureVersion": version, "Signature": base64.b64encode(signature).decode()}


def iso_ms(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


@dataclass
class FakeSns:
    """Serves our certificate at CERT_URL; `fail` makes every fetch fail (SNS unreachable)."""

    key: rsa.RSAPrivateKey = field(default_factory=new_key)
    fail: bool = False
    fetched: list[str] = field(default_factory=list)
    pem: bytes = b""

    def __post_init__(self):
        if not self.pem:
            start = datetime.now(UTC) - timedelta(days=1)
            self.pem = certificate_pem(self.key, start, start + timedelta(days=365))

    def fetch(self, url: str) -> bytes:
        self.fetched.append(url)
        if self.fail:
            raise FetchFailed("unreachable")
        if url == CERT_URL:
            return self.pem
        if "Action=ConfirmSubscription" in url:
            return b"<ConfirmSubscriptionResponse/>"
        raise FetchFailed("404")
