"""The documented way to invoke one handler on a sample event works offline."""

import os

from consentmail.core import container
from consentmail.core.routes import Function
from infra.local.run_event import run
from tests.http_events import load_event


def test_running_the_subscribe_sample_answers_202_and_sends_the_optin_email(monkeypatch):
    monkeypatch.setattr(os, "environ", os.environ.copy())

    outcome = run(Function.SUBSCRIPTION, load_event("subscribe_json"))
    container.reset_all()

    assert outcome["result"]["statusCode"] == 202
    [email] = outcome["emails_sent"]
    assert "To: ada@example.org" in email and "/confirm?token=" in email
