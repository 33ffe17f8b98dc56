"""What the browser tests prepare through the API (data a test needs but is not about) and read
back from local mode (the outbox), so each test drives the console only for what it shows; and
answers held back, as a slow network would answer them."""

import html
import re
import time

from infra.local.provision import SENDER_DOMAIN
from tests.local.local_client import LocalClient
from tests.sending_helpers import parts

PROOF = {
    "source": "the newsletter form of shop.example.com",
    "obtained_at": "2026-11-02T10:00:00Z",
    "text": "I agree to receive the shop's newsletter and can unsubscribe at any time.",
}


PASSWORD = "Owner-pass-1!"


def owner(api: LocalClient, email: str, password: str = PASSWORD, verified: bool = True) -> dict[str, str]:
    """A new account, signed in through the API: its Authorization header. Its address is verified
    through the emailed link, as its holder would (an unverified account cannot send), unless
    `verified=False`."""
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
    if verified:
        token = console_link(api, email, "verify-email").split("token=", 1)[1]
        answer = api.post_json("/accounts/verify", {"token": token})
        assert answer.status == 204, answer.text
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


def console_link(api: LocalClient, to: str, screen: str) -> str:
    """The link to a console screen (`verify-email`, `reset-password`) in the newest email to `to`
    that has one, as the account emails write it."""

    def found() -> str | None:
        for email in outbox(api, to):
            for part in parts(email["raw"])[1:]:
                urls = re.findall(rf"https?://\S*/console/{screen}\?token=[^\s\"'<>]+", part)
                if urls:
                    return html.unescape(urls[0])
        return None

    return await_condition(found, what=f"a /console/{screen} link emailed to {to}")


def links_in(raw_html: str, pattern: str) -> list[str]:
    return [html.unescape(url) for url in re.findall(rf'"(https?://[^"]*{pattern}[^"]*)"', raw_html)]


class Held:
    """The page's next `method` request to a URL matching `url`, held back until `release()` lets
    it go, as a slow network would answer it; other requests pass."""

    def __init__(self, page, method: str, url: re.Pattern):
        self.page, self.method = page, method
        self.routes: list = []
        page.route(url, self._hold)

    def _hold(self, route) -> None:
        if route.request.method == self.method and not self.routes:
            self.routes.append(route)
        else:
            route.fallback()

    def release(self) -> None:
        """Sends the held request on, once the page has made it, and returns once the page has its
        answer and has had the time to show it."""
        deadline = time.monotonic() + 10
        while not self.routes:
            assert time.monotonic() < deadline, f"the page made no {self.method} request to hold"
            self.page.wait_for_timeout(50)
        request = self.routes[0].request
        with self.page.expect_request_finished(lambda r: r.url == request.url and r.method == self.method):
            self.routes[0].continue_()
        self.page.wait_for_timeout(300)
