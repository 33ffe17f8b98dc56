"""Large imports and exports in the running local mode, as an account holder does them with curl:
the CSV file PUT with plain HTTP to the presigned URL (moto's server, reachable from the host), the
upload's S3 event reaching the importer through the import queue (moto's server delivers bucket
notifications as S3 does), the status polled until done; an export's file downloaded with a plain
GET of its URL."""

import json
import urllib.request

import pytest

from tests.local import flows
from tests.local.local_client import LocalClient

ROWS = 2_500


@pytest.fixture(scope="module")
def owner(local_client: LocalClient) -> dict:
    holder = flows.sign_up(local_client, "bulk-owner@example.org")
    created = local_client.post_json(
        "/lists", {"name": "Bulk News", "from_email": "news@example.com"}, holder["auth"]
    )
    assert created.status == 201, created.text
    return {**holder, "list_id": created.json()["list_id"]}


def put(url: str, data: bytes) -> int:
    # A content type of its own: without one, urllib says form data, which the emulator's web
    # server reads as a form and stores an empty file (S3 itself stores the bytes either way).
    request = urllib.request.Request(url, data=data, method="PUT", headers={"Content-Type": "text/csv"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - the emulator's URL
        return answer.status


def fetch(url: str) -> tuple[bytes, str]:
    with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 - the emulator's URL
        return answer.read(), answer.headers.get("Content-Disposition", "")


def test_a_large_import_is_uploaded_with_a_plain_put_and_runs_to_done(local_mode, local_client, owner):
    lines = ["email,first_name,city"] + [f"reader{n}@example.org,Reader {n},Lyon" for n in range(ROWS)]
    lines[10] = "not an address,Bad,Lyon"
    created = local_client.post_json(f"/lists/{owner['list_id']}/imports", {}, owner["auth"])
    assert created.status == 201, created.text
    upload_url = created.json()["upload_url"]
    assert upload_url.startswith(f"{local_mode.endpoint_url}/consentmail-transfers/imports/")

    assert put(upload_url, ("\n".join(lines) + "\n").encode()) == 200

    path = f"/lists/{owner['list_id']}/imports/{created.json()['import_id']}"

    def finished() -> dict | None:
        status = local_client.get(path, headers=owner["auth"]).json()
        return status if status["status"] in ("done", "failed") else None

    status = flows.wait_until(finished, what="the import to finish", timeout=300)
    assert status["status"] == "done", status
    assert (status["rows"], status["imported"], status["rejected_count"]) == (ROWS, ROWS - 1, 1)
    assert status["rejected"] == [{"line": 11, "reason": "not a valid email address"}]
    page = local_client.get(
        f"/lists/{owner['list_id']}/contacts", headers=owner["auth"], query={"limit": "5"}
    )
    assert len(page.json()["items"]) == 5 and page.json()["next_cursor"]


@pytest.mark.parametrize("format", ["csv", "json"])
def test_a_large_export_is_downloaded_with_a_plain_get(local_client, owner, format):  # noqa: A002
    asked = local_client.post_json(f"/lists/{owner['list_id']}/exports", {"format": format}, owner["auth"])
    assert asked.status == 202, asked.text
    path = f"/lists/{owner['list_id']}/exports/{asked.json()['export_id']}"

    def finished() -> dict | None:
        status = local_client.get(path, headers=owner["auth"]).json()
        return status if status["status"] in ("done", "failed") else None

    status = flows.wait_until(finished, what="the export to finish", timeout=300)
    assert status["status"] == "done" and status["rows"] == ROWS - 1

    body, disposition = fetch(status["download_url"])

    assert disposition == f'attachment; filename="contacts-{owner["list_id"]}.{format}"'
    synchronous = local_client.get(
        f"/lists/{owner['list_id']}/contacts/export", headers=owner["auth"], query={"format": format}
    )
    if format == "csv":
        assert body == synchronous.body
    else:
        assert json.loads(body)["items"] == synchronous.json()["items"]


def test_the_console_may_put_a_large_import_to_the_emulator_and_nowhere_else(local_mode, local_client):
    policy = local_client.get("/console/").headers["Content-Security-Policy"]

    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["connect-src"] == f"'self' {local_mode.endpoint_url}"
