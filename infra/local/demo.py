"""The demo seed and the demo website: a Cognito account a newcomer can sign in with, a list it
owns, and a page with that list's subscribe form, so the whole flow can be clicked through in a
browser. `seed_demo` is the one place that creates demo data; extend it (the account profile
item, sample contacts) rather than seeding elsewhere."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from consentmail.accounts.models import NewAccount
from consentmail.accounts.service import create_account
from consentmail.core.records import MailingList
from consentmail.store.lists import ListRepository
from consentmail.web.pages import SECURITY_HEADERS, render
from infra.local.demo_campaign import seed_campaigns
from infra.local.provision import SENDER_DOMAIN

DEMO_EMAIL = "demo@example.com"
# Meets the account password rule: 8+ characters, a letter, a digit, a special character.
DEMO_PASSWORD = "Demo-pass-2026!"  # noqa: S105 - only ever exists in the local emulator, printed on start
DEMO_LIST_NAME = "Demo News"
DEMO_FROM = f"news@{SENDER_DOMAIN}"


@dataclass(frozen=True)
class Demo:
    email: str
    password: str
    account_id: str
    list_id: str
    campaign_id: str | None
    sent_at: dict[str, datetime]


def seed_demo(at: datetime, region: str, history: bool = True) -> Demo:
    """Create the demo account, its list, and (with `history`) its readers and sent campaigns
    (demo_campaign.py).
    Runs once, after provisioning and with the settings environment exported, before the gateway
    serves and before the SES simulator watches sends."""
    account = NewAccount(
        email=DEMO_EMAIL,
        password=DEMO_PASSWORD,
        first_name="Demo",
        last_name="Holder",
        country="FR",
        accept_privacy_policy="demo",
    )
    # The same path as POST /accounts: password rule, Cognito user, profile; seeded verified (no
    # email), so the demo can send at once.
    account_id = create_account(account, ip="127.0.0.1", at=at, verified=True).account_id
    mailing_list = MailingList(
        list_id=uuid.uuid4().hex,
        account_id=account_id,
        name=DEMO_LIST_NAME,
        from_email=DEMO_FROM,
        from_name=DEMO_LIST_NAME,
        created_at=at - timedelta(days=60),
    )
    ListRepository().create(mailing_list)
    campaign = seed_campaigns(account_id, mailing_list, at, region) if history else None
    return Demo(
        DEMO_EMAIL,
        DEMO_PASSWORD,
        account_id,
        mailing_list.list_id,
        campaign.campaign_id if campaign else None,
        campaign.sent_at if campaign else {},
    )


def demo_page(list_id: str) -> tuple[str, dict[str, str]]:
    """The demo website: the subscribe form of the demo list, as a customer's site would embed it."""
    consent_text = f"I agree to receive emails from {DEMO_LIST_NAME} and can unsubscribe at any time."
    form = f"""
<p>This is what a website embedding a consentmail subscribe form looks like. Subscribe, then open
the <a href="/_local/outbox?format=html">outbox</a> to find the confirmation email, follow its link and
press the button on the page it opens.</p>
<form method=post action="/subscribe" enctype="application/x-www-form-urlencoded">
  <input type=hidden name=list_id value="{escape(list_id)}">
  <input type=hidden name=consent_text value="{escape(consent_text)}">
  <label>Email <input type=email name=email required autocomplete=email></label>
  <label>First name <input type=text name=first_name autocomplete=given-name></label>
  <label><input type=checkbox name=consent value=true required> {escape(consent_text)}</label>
  <label><input type=checkbox name=tracking_consent value=true>
    I allow {escape(DEMO_LIST_NAME)} to see whether I open its emails and click their links.</label>
  <button type=submit>Subscribe</button>
</form>
<p><a href="/subject-requests">Your data and your rights</a> ·
<a href="/_local/outbox?format=html">Outbox</a> · <a href="/_local/config">Local configuration</a> ·
<a href="/openapi.json">OpenAPI</a></p>
"""
    headers = dict(SECURITY_HEADERS)
    headers["Content-Type"] = "text/html; charset=utf-8"
    return render(f"{DEMO_LIST_NAME}: subscribe", form), headers
