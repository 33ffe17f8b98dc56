"""Calling the accounts function as API Gateway does: REST proxy events (built from the samples in
events/), with the verified ID-token claims at requestContext.authorizer.claims for account routes,
as the Cognito authorizer (or the local gateway) puts them."""

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt

from consentmail.accounts.models import NewAccount
from consentmail.accounts.service import AccountService
from consentmail.core.records import AccountProfile, PolicyAcceptance
from consentmail.core.routes import ROUTES, Function
from consentmail.store.accounts import AccountRepository
from tests.http_events import FakeContext, api_event, headers_of, load_event

PASSWORD = "Correct-horse-9"
POLICY_VERSION = "2026-11"
CONSENT = {
    "source": "trade fair sign-up sheet",
    "obtained_at": "2026-11-20T10:00:00Z",
    "text": "I agree to receive Demo News and can unsubscribe at any time.",
}


def _pattern(path: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\{[^}]+\}", r"([^/]+)", path) + "$")


_ACCOUNT_ROUTES = [(r.method, r.path, _pattern(r.path)) for r in ROUTES if r.function == Function.ACCOUNTS]


def resource_of(method: str, path: str) -> tuple[str, dict]:
    """The route-table resource a concrete path belongs to, and its path parameters."""
    # Literal segments win over parameters, as in API Gateway (".../contacts/export").
    candidates = sorted(_ACCOUNT_ROUTES, key=lambda r: r[1].count("{"))
    for route_method, resource, pattern in candidates:
        match = pattern.match(path)
        if route_method == method and match:
            names = re.findall(r"\{([^}]+)\}", resource)
            return resource, dict(zip(names, match.groups(), strict=True))
    return path, {}


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)

    @property
    def problem(self) -> dict:
        assert self.headers["Content-Type"] == "application/problem+json", self.headers
        return self.json()


def claims_of(id_token: str) -> dict:
    """The claims the authorizer passes on once it has verified the token."""
    return jwt.decode(id_token, options={"verify_signature": False})


def invoke(event: dict) -> Reply:
    from functions.accounts.handler import handler

    result = handler(event, FakeContext())
    return Reply(result["statusCode"], headers_of(result), result.get("body") or "")


def call(
    method: str,
    path: str,
    *,
    claims: dict | None = None,
    body: Any = None,
    query: dict | None = None,
    headers: dict | None = None,
    source_ip: str = "203.0.113.9",
) -> Reply:
    resource, params = resource_of(method, path)
    all_headers = dict(headers or {})
    if claims is not None:
        all_headers.setdefault("Authorization", "Bearer <id_token>")
    event = api_event(
        method,
        path,
        body=body,
        query=query,
        headers=all_headers,
        resource=resource,
        path_params=params or None,
        claims=claims,
        source_ip=source_ip,
    )
    return invoke(event)


def sample(name: str, claims: dict | None = None, **path_params: str) -> dict:
    """A sample event from events/, with the caller's claims and path parameters put in."""
    event = load_event(name)
    if claims is not None:
        event["requestContext"]["authorizer"] = {"claims": claims}
    for key, value in path_params.items():
        event["path"] = event["path"].replace(event["pathParameters"][key], value)
        event["requestContext"]["path"] = "/prod" + event["path"]
        event["pathParameters"][key] = value
    return event


def account_holder(email: str, at: datetime) -> AccountProfile:
    """An account created at `at` through the service (no HTTP), for tests that travel in time
    around its closure."""
    return AccountService().create_account(
        NewAccount(
            email=email,
            password="correct horse 1!",
            first_name="Hedy",
            last_name="Lamarr",
            country="FR",
            accept_privacy_policy="2026-01",
        ),
        ip="198.51.100.1",
        at=at,
    )


def sign_up(email: str, password: str = PASSWORD, **fields) -> str:
    body = {
        "email": email,
        "password": password,
        "first_name": "Olivia",
        "last_name": "Owner",
        "country": "FR",
        "accept_privacy_policy": POLICY_VERSION,
        **fields,
    }
    reply = call("POST", "/accounts", body=body)
    assert reply.status == 201, reply.text
    return reply.json()["account_id"]


def login(email: str, password: str = PASSWORD) -> Reply:
    return call("POST", "/auth/login", body={"email": email, "password": password})


# The token in the account emails' text part: `POST {"token": "<token>", ...}`.
_EMAILED_TOKEN = re.compile(r'\{"token": "([A-Za-z0-9_.-]+)"')


def emailed_token(to: str, subject: str) -> str:
    """The token of the newest account email (verification, reset) moto's SES took for `to`."""
    from tests.conftest import sent_messages
    from tests.sending_helpers import parse

    for message in reversed(sent_messages()):
        parsed = parse(message.raw_data)
        if parsed["To"] == to and parsed["Subject"] == subject:
            match = _EMAILED_TOKEN.search(parsed.get_body(("plain",)).get_content())
            assert match, parsed
            return match.group(1)
    raise AssertionError(f"no email {subject!r} to {to}")


def verify(email: str) -> None:
    """Follow the sign-up's verification email, as its recipient would."""
    reply = call("POST", "/accounts/verify", body={"token": emailed_token(email, VERIFY_SUBJECT)})
    assert reply.status == 204, reply.text


VERIFY_SUBJECT = "Verify your email address"
RESET_SUBJECT = "Reset your password"


def signed_in(email: str, *, verified: bool = True) -> dict:
    """A new account's verified claims (what account routes receive); its address verified unless
    `verified=False`."""
    sign_up(email)
    if verified:
        verify(email)
    reply = login(email)
    assert reply.status == 200, reply.text
    return claims_of(reply.json()["id_token"])


def create_list(claims: dict, name: str = "Demo News") -> dict:
    reply = call("POST", "/lists", claims=claims, body={"name": name, "from_email": "news@example.com"})
    assert reply.status == 201, reply.text
    return reply.json()


def add_contact(claims: dict, list_id: str, email: str, **fields) -> dict:
    body = {"email": email, "first_name": "Ada", "consent": CONSENT, **fields}
    reply = call("POST", f"/lists/{list_id}/contacts", claims=claims, body=body)
    assert reply.status == 201, reply.text
    return reply.json()


def open_account(account_id: str, at: datetime = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)) -> None:
    """An active account's profile, written directly (no sign-up): what account routes check."""
    AccountRepository().create_profile(
        AccountProfile(
            account_id=account_id,
            email=f"{account_id}@example.com",
            username=account_id,
            first_name="Ada",
            last_name="Lovelace",
            country="FR",
            privacy_policy=PolicyAcceptance(version="2026-01", accepted_at=at, ip="203.0.113.9"),
            created_at=at,
            updated_at=at,
        )
    )
