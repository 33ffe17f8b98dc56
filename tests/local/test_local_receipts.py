"""Deletion receipts in local mode, as an account holder and the operator see them: a sent
campaign's content and events, an erasure and a closed account each leave signed receipts;
`GET /account/retention` pages through the account's own; `make audit` (python -m tools.audit)
verifies them all and fails once a receipt is edited in the emulator.

The purge runs "as" each deadline plus half an hour, as the hourly schedule would run it."""

import json
import urllib.request
from datetime import timedelta

import boto3
import pytest

from consentmail.core.clock import iso, now
from consentmail.core.retention import add_months
from infra.local.runtime import LocalMode
from tests.local import flows
from tests.local.test_local_gdpr import PROOF, link_to, list_with, sign_up
from tools import audit

ERASED = "erase.me@example.org"
# A purge run "as" a time months away walks every expiry month since its watermark, table by table,
# through the emulator's HTTP API: longer than the client's usual 30 s on a busy machine.
PURGE_TIMEOUT = 600


def purge_as(local_mode, moment) -> dict:
    request = urllib.request.Request(  # noqa: S310 - the local gateway's own URL
        local_mode.urls.base + "/_local/jobs/purge",
        data=json.dumps({"time": iso(moment)}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=PURGE_TIMEOUT) as answer:  # noqa: S310
        assert answer.status == 200
        return json.load(answer)


@pytest.fixture(scope="module")
def local_mode():
    """Without the demo's sent campaigns: the purge runs months ahead here and every deletion must
    be on time, while the demo's content and events are due in between (it has its own receipts)."""
    mode = LocalMode(port=0, demo_history=False).start()
    try:
        yield mode
    finally:
        mode.stop()


@pytest.fixture(scope="module")
def scenario(local_mode, local_client) -> dict:
    owner = sign_up(local_client, "receipts-owner@example.org")
    held = list_with(local_client, owner, "Receipt News", "reader.receipts@example.org")
    added = local_client.post_json(
        f"/lists/{held['list_id']}/contacts", {"email": ERASED, "consent": PROOF}, owner["auth"]
    )
    assert added.status == 201, added.text
    started = now()
    # Both contacts get it: the reader, and the person about to be erased.
    flows.send_campaign(
        local_client, local_mode, owner["auth"], held["list_id"], "Receipt News issue 1", expected=2
    )
    sent = now()

    # An erasure, carried out at once.
    assert local_client.post_json("/subject-requests", {"email": ERASED, "type": "erasure"}).status == 202
    assert (
        local_client.post_form(link_to(local_client, ERASED, "/subject-requests/confirm"), {}).status == 200
    )

    # Another account, closed.
    closing = sign_up(local_client, "closing-owner@example.org")
    closed = local_client.request("DELETE", "/account", headers=closing["auth"])
    assert closed.status == 202, closed.text
    # The answer gives the date; the deadline is closure + 3 months to the second, closure being
    # at most this moment (the purge finishes an account 7 days and at most an hour before it).
    deletion_due = add_months(now(), 3)
    assert iso(deletion_due)[:10] == closed.json()["deletion_due"]

    runs = {
        "content": purge_as(local_mode, sent + timedelta(days=6, minutes=30)),
        "closed_account": purge_as(local_mode, deletion_due - timedelta(days=7, minutes=30)),
        "events": purge_as(local_mode, add_months(sent, 13) + timedelta(minutes=30)),
    }
    return {"owner": owner, "closing": closing, "runs": runs, "started": started, "sent": sent}


def receipts_of(local_client, owner: dict, **query) -> dict:
    answer = local_client.get("/account/retention", headers=owner["auth"], query=query)
    assert answer.status == 200, answer.text
    return answer.json()


@pytest.mark.promise("retention.receipts", "rights.erasure", "retention.account.3m")
def test_content_events_erasure_and_closure_each_leave_a_receipt_on_time(scenario):
    assert [run["receipts"] for run in scenario["runs"].values()] and all(
        run["late_by_seconds_max"] == 0 for run in scenario["runs"].values()
    )
    assert scenario["runs"]["closed_account"]["accounts_finished"] == 1
    table = next(t for t in boto3.client("dynamodb").list_tables()["TableNames"] if t.endswith("receipts"))
    items = boto3.resource("dynamodb").Table(table).scan()["Items"]
    kinds = {(i["kind"], i["scope"] == "all") for i in items}
    owner_id, closing_id = scenario["owner"]["account_id"], scenario["closing"]["account_id"]
    assert {("content", False), ("events", False), ("erasure", False), ("closed_account", False)} <= kinds
    assert any(i["kind"] == "closed_account" and i["scope"] == closing_id for i in items)
    erasures = [i for i in items if i["kind"] == "erasure"]
    assert {i["scope"] for i in erasures} == {owner_id, "all"}
    # The erasure's receipts name its request, never the person.
    assert len({i["receipt_id"].split(":")[0] for i in erasures}) == 1
    assert ERASED not in json.dumps(items, default=str).lower()
    assert all(int(i["late_by_seconds_max"]) == 0 for i in items)


@pytest.mark.promise("retention.receipts")
def test_the_account_sees_its_own_receipts_newest_first_a_page_at_a_time(scenario, local_client):
    owner = scenario["owner"]
    everything = receipts_of(local_client, owner)
    items = everything["items"]

    assert everything["next_cursor"] is None
    assert {i["scope"] for i in items} == {owner["account_id"]}
    # Statistics go with the events they count (13 months), in the same purge run.
    assert {i["kind"] for i in items} == {"events", "statistics", "content", "erasure"}
    assert [i["run_at"] for i in items] == sorted((i["run_at"] for i in items), reverse=True)
    assert all(i["signature"].startswith("v1.") for i in items)

    first = receipts_of(local_client, owner, limit="2")
    rest = receipts_of(local_client, owner, limit="2", cursor=first["next_cursor"])
    assert [i["receipt_id"] for i in first["items"] + rest["items"]] == [i["receipt_id"] for i in items]
    assert rest["next_cursor"] is None

    forged = local_client.get(
        "/account/retention", headers=owner["auth"], query={"cursor": "bm90LWEtY3Vyc29y"}
    )
    assert forged.status == 422 and forged.content_type == "application/problem+json"


@pytest.mark.promise("retention.receipts")
def test_the_audit_verifies_every_receipt_and_fails_once_one_is_edited(scenario, local_mode, capsys):
    args = ["--local", local_mode.urls.base, "--until", (add_months(scenario["sent"], 14)).isoformat()]
    args += ["--days", "450"]

    assert audit.main(args) == 0
    out = capsys.readouterr().out
    assert "0 bad signature(s), 0 late deletion(s): PASS" in out

    table = boto3.resource("dynamodb").Table(
        next(t for t in boto3.client("dynamodb").list_tables()["TableNames"] if t.endswith("receipts"))
    )
    item = next(i for i in table.scan()["Items"] if i["kind"] == "content" and i["scope"] != "all")
    table.update_item(
        Key={"pk": item["pk"], "sk": item["sk"]},
        UpdateExpression="SET items_deleted = :n",
        ExpressionAttributeValues={":n": 0},
    )

    assert audit.main(args) == 1
    assert "BAD SIGNATURE" in capsys.readouterr().out
