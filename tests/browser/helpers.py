"""What the browser tests prepare through the API (data a test needs but is not about) and read
back from local mode (the outbox), so each test drives the console only for what it shows."""

import html
import re
import time

from infra.local.provision import SENDER_DOMAIN
from tests.local.local_client import LocalClient

PROOF = {
    "source": "the newsletter form of shop.example.com",
    "obtained_at": "2026-11-02T10:00:00Z",
    "text": "I agree to receive the shop's newsletter and can unsubscribe at any time.",
}


PASSWORD = "Owner-pass-1!"


def owner(api: LocalClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    """A new account, signed in through the API: its Authorization header."""
    created = api.post_json(
        "/accounts",
        {
            "email": email,
            "password": password,
            "first_name": "Ada",
            "last_name": "Lovelace",
            "country": "FR",
            "accept_privacy_policy": "2026-11",
        },
    )
    assert created.status == 201, created.text
    token = api.post_json("/auth/login", {"email": email, "password": password}).json()["id_token"]
    return {"Authorization": f"Bearer {token}"}


def new_list(api: LocalClient, auth: dict, name: str) -> str:
    answer = api.post_json(
        "/lists", {"name": name, "from_email": f"news@{SENDER_DOMAIN}", "from_name": name}, auth
    )
    assert answer.status == 201, answer.text
    return answer.json()["list_id"]


def add_contact(api: LocalClient, auth: dict, list_id: str, email: str, **fields) -> dict:
    answer = api.post_json(f"/lists/{list_id}/contacts", {"email": email, "consent": PROOF, **fields}, auth)
    assert answer.status == 201, answer.text
    return answer.json()


def outbox(api: LocalClient, to: str | None = None) -> list[dict]:
    return api.get("/_local/outbox", query={"to": to} if to else None).json()


def await_condition(condition, timeout: float = 30, what: str = "the condition"):
    """Polls until `condition()` is truthy (local mode's workers run in their own threads)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def links_in(raw_html: str, pattern: str) -> list[str]:
    return [html.unescape(url) for url in re.findall(rf'"(https?://[^"]*{pattern}[^"]*)"', raw_html)]
