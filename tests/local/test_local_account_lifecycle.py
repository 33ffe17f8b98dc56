"""An account holder's life in local mode, over real HTTP: sign up, find the verification email in
the outbox, verify, forget the password, reset it from the emailed link, and find the old session
gone and the new password working. The demo account is seeded verified: it sends at once."""

import uuid

from tests.local import flows
from tests.local.local_client import LocalClient

NEW_PASSWORD = "Reset-pass-2026!"


def test_sign_up_verify_forget_reset_and_sign_in_again(local_mode, local_client: LocalClient):
    # Given a new account holder who signed up and signed in, not yet verified
    email = f"holder-{uuid.uuid4().hex[:8]}@example.com"
    holder = flows.sign_up(local_client, email, verified=False)
    list_id = local_client.post_json(
        "/lists", {"name": "News", "from_email": "news@example.com"}, holder["auth"]
    ).json()["list_id"]
    campaign_id = local_client.post_json(
        "/campaigns",
        {"list_id": list_id, "subject": "Hello", "html": "<p>Hello</p>", "text": "Hello"},
        holder["auth"],
    ).json()["campaign_id"]
    refused = local_client.post_json(f"/campaigns/{campaign_id}/send", {}, holder["auth"])
    assert refused.status == 403, refused.text
    assert "/accounts/verify" in refused.json()["detail"]

    # When they follow the verification email the outbox shows
    token = flows.emailed_token(local_client, email, "Verify your email address")
    verified = local_client.post_json("/accounts/verify", {"token": token})

    # Then the address is verified and the send is accepted
    assert verified.status == 204, verified.text
    assert local_client.get("/account", headers=holder["auth"]).json()["email_verified"] is True
    assert local_client.post_json(f"/campaigns/{campaign_id}/send", {}, holder["auth"]).status == 202

    # When they forget their password and reset it from the emailed link
    forgot = local_client.post_json("/auth/password/forgot", {"email": email})
    assert forgot.status == 202, forgot.text
    reset_token = flows.emailed_token(local_client, email, "Reset your password")
    reset = local_client.post_json("/auth/password/reset", {"token": reset_token, "password": NEW_PASSWORD})
    assert reset.status == 204, reset.text

    # Then the session from before the reset is signed out, the link is spent, the old password
    # refused and the new one works
    old = local_client.post_json("/auth/refresh", {"refresh_token": holder["refresh_token"]})
    assert old.status == 401, old.text
    again = local_client.post_json("/auth/password/reset", {"token": reset_token, "password": NEW_PASSWORD})
    assert again.status == 400
    assert (
        local_client.post_json("/auth/login", {"email": email, "password": holder["password"]}).status == 401
    )
    signed_in = local_client.post_json("/auth/login", {"email": email, "password": NEW_PASSWORD})
    assert signed_in.status == 200, signed_in.text

    # And a refresh then a sign-out of that new session work over HTTP too
    session = signed_in.json()
    auth = {"Authorization": f"Bearer {session['id_token']}"}
    refreshed = local_client.post_json("/auth/refresh", {"refresh_token": session["refresh_token"]})
    assert refreshed.status == 200 and refreshed.json()["id_token"]
    out = local_client.post_json("/auth/logout", {"refresh_token": session["refresh_token"]}, auth)
    assert out.status == 204, out.text
    assert local_client.post_json("/auth/refresh", {"refresh_token": session["refresh_token"]}).status == 401


def test_the_demo_account_is_seeded_verified(local_mode, local_client: LocalClient):
    demo = local_client.get("/_local/config").json()["demo"]
    signed_in = local_client.post_json("/auth/login", {"email": demo["email"], "password": demo["password"]})
    auth = {"Authorization": f"Bearer {signed_in.json()['id_token']}"}

    profile = local_client.get("/account", headers=auth).json()

    assert profile["email_verified"] is True
    assert local_client.get("/_local/outbox", query={"to": demo["email"]}).json() == []
