"""Large imports and exports through the transfer bucket, against moto: the routes, the upload's S3
event reaching the import queue, the importer chunk by chunk (and resumed after a crash or a
timeout without losing or duplicating a row), the exporter's streamed file and its download URL,
bad input on every route, and what closure and the purge do with them."""

import csv
import io
import json
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import boto3
import pytest
import requests
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.client import BaseClient

import functions.exporter.handler as exporter_function
import functions.importer.handler as importer_function
from consentmail.adapters.s3 import export_key, import_key, import_of_key
from consentmail.adapters.sqs import TransferQueues
from consentmail.audience import bulk_export, bulk_import
from consentmail.audience.bulk_export import BulkExports
from consentmail.audience.bulk_import import BulkImports
from consentmail.audience.contacts import ERASED_REFUSAL, ContactService
from consentmail.audience.imports import default_proof
from consentmail.composition import accounts as account_services
from consentmail.composition import exporter as exporter_services
from consentmail.composition import importer as importer_services
from consentmail.core.addresses import email_hash
from consentmail.core.clock import epoch, now
from consentmail.core.records import ConsentAction, ContactStatus, ExportJob, ImportJob
from consentmail.purge.service import PurgeService
from consentmail.store.accounts import AccountRepository, BulkContacts, account_pk
from consentmail.store.contacts import ContactRepository, contact_id_for
from consentmail.store.list_counts import COUNT_KEY_MARKER
from consentmail.store.suppression import SuppressionRepository
from infra.local.workers import failed_ids, sqs_event
from tests.accounts_helpers import add_contact, call, create_list, open_account, signed_in
from tests.conftest import REGION
from tests.http_events import FakeContext, load_event

CHUNK = 100


class Context(FakeContext):
    """A Lambda context whose remaining time a test decides."""

    def __init__(self, seconds: Callable[[], float] = lambda: 300.0):
        self.seconds = seconds

    def get_remaining_time_in_millis(self) -> int:
        return int(self.seconds() * 1000)


@pytest.fixture
def imports(aws, monkeypatch) -> BulkImports:
    """The importer's service on this test's moto, in chunks of 100 rows."""
    service = BulkImports(chunk_rows=CHUNK)
    monkeypatch.setattr(importer_services, "imports", lambda: service)
    return service


@pytest.fixture
def owner(aws) -> dict:
    return signed_in("owner@example.com")


@pytest.fixture
def list_id(owner) -> str:
    return create_list(owner)["list_id"]


def sqs():
    return boto3.client("sqs", region_name=REGION)


def s3():
    return boto3.client("s3", region_name=REGION)


def deliver(url: str, handler, context: FakeContext | None = None, rounds: int = 500) -> int:
    """Hand the queue's messages to the handler one at a time, as the event source mapping does:
    delete what succeeded, make what failed visible again. Returns how many deliveries failed."""
    failures = 0
    for _ in range(rounds):
        messages = sqs().receive_message(QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"])
        if not messages.get("Messages"):
            return failures
        event = sqs_event(messages["Messages"], "arn:aws:sqs:eu-west-3:123456789012:queue", REGION)
        try:
            failed = failed_ids(handler(event, context or Context()), event["Records"])
        except BatchProcessingError:
            failed = {record["messageId"] for record in event["Records"]}
        for message in messages["Messages"]:
            if message["MessageId"] in failed:
                failures += 1
                sqs().change_message_visibility(
                    QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                sqs().delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    raise AssertionError("the queue never drained")


def start_import(owner: dict, list_id: str, body: dict | None = None) -> dict:
    reply = call("POST", f"/lists/{list_id}/imports", claims=owner, body=body)
    assert reply.status == 201, reply.text
    return reply.json()


def upload(created: dict, data: bytes) -> None:
    """The file PUT to its presigned URL, as curl --upload-file does."""
    answer = requests.put(created["upload_url"], data=data, timeout=10)
    assert answer.status_code == 200, answer.text


def run_imports(aws, context: FakeContext | None = None) -> int:
    return deliver(aws.environment["CONSENTMAIL_IMPORT_QUEUE_URL"], importer_function.handler, context)


def import_status(owner: dict, list_id: str, import_id: str) -> dict:
    reply = call("GET", f"/lists/{list_id}/imports/{import_id}", claims=owner)
    assert reply.status == 200, reply.text
    return reply.json()


def imported_file(aws, owner: dict, list_id: str, data: bytes, body: dict | None = None) -> dict:
    created = start_import(owner, list_id, body)
    upload(created, data)
    run_imports(aws)
    return import_status(owner, list_id, created["import_id"])


def file_exists(key: str) -> bool:
    listed = s3().list_objects_v2(Bucket="consentmail-transfers", Prefix=key)
    return bool(listed.get("Contents"))


def contact(list_id: str, address: str):
    return ContactRepository().get(list_id, contact_id_for(list_id, email_hash(address)), now())


def ledger_of_list(list_id: str) -> list[dict]:
    table = boto3.resource("dynamodb", region_name=REGION).Table("consentmail-consent")
    return [item for item in table.scan()["Items"] if item["list_id"] == list_id]


# --- imports ---------------------------------------------------------------------------------


@pytest.mark.promise("sensitive_data.refused")
def test_a_large_import_applies_the_rules_of_the_synchronous_import(aws, imports, owner, list_id):
    add_contact(owner, list_id, "existing@example.org")
    SuppressionRepository().suppress_erased(email_hash("erased@example.org"), now())
    data = (
        b"email,first_name,last_name,tracking_consent,city,medical_history\r\n"  # line 1
        b"ada@example.org,Ada,Lovelace,true,London,\r\n"  # 2 good
        b"not-an-address,Bad,Row,false,,\r\n"  # 3 invalid email
        b"grace@example.org,Grace,Hopper,no,Arlington,\r\n"  # 4 good
        b"ADA@example.org,Ada,Again,false,,\r\n"  # 5 duplicate of 2
        b"card@example.org,Card,Holder,false,4111 1111 1111 1111,\r\n"  # 6 sensitive value
        b"erased@example.org,Era,Sed,false,,\r\n"  # 7 erased
        b"existing@example.org,Ex,Isting,false,,\r\n"  # 8 already on the list
        b"maybe@example.org,May,Be,perhaps,,\r\n"  # 9 bad tracking_consent
        b"sick@example.org,Si,Ck,false,,diabetes\r\n"  # 10 health data column
        b"\r\n"
        b"linus@example.org,Linus,,1,Helsinki,\r\n"  # 12 good
    )

    status = imported_file(aws, owner, list_id, data)

    assert status["status"] == "done" and status["error"] is None
    assert (status["rows"], status["imported"], status["rejected_count"]) == (10, 3, 7)
    rejected = {r["line"]: r["reason"] for r in status["rejected"]}
    assert sorted(rejected) == [3, 5, 6, 7, 8, 9, 10]
    assert "valid email" in rejected[3]
    assert "line 2" in rejected[5]
    assert "payment card number" in rejected[6] and "4111" not in rejected[6]
    assert "at the subject's request" in rejected[7]
    assert "already on the list" in rejected[8]
    assert "tracking_consent" in rejected[9]
    assert "health data" in rejected[10]
    ada = contact(list_id, "ada@example.org")
    assert ada.status == ContactStatus.CONFIRMED and ada.tracking_consent is True
    assert ada.attributes == {"city": "London"} and ada.consent.source == "import"
    assert contact(list_id, "existing@example.org").first_name == "Ada"  # as added, not as imported
    actions = sorted(
        r["action"] for r in ledger_of_list(list_id) if r["email_hash"] == email_hash("ada@example.org")
    )
    assert actions == sorted([ConsentAction.IMPORTED.value, ConsentAction.TRACKING_GRANTED.value])


@pytest.mark.promise("retention.transfer_files")
def test_the_uploaded_file_is_deleted_once_imported(aws, imports, owner, list_id):
    created = start_import(owner, list_id)
    upload(created, b"email\nada@example.org\n")
    key = import_key(owner["sub"], created["import_id"])
    assert file_exists(key)

    run_imports(aws)

    assert import_status(owner, list_id, created["import_id"])["status"] == "done"
    assert not file_exists(key)


def test_an_import_waits_for_its_file_and_its_url_works_an_hour(aws, imports, owner, list_id):
    created = start_import(owner, list_id)

    status = import_status(owner, list_id, created["import_id"])

    assert status["status"] == "waiting"
    assert (status["rows"], status["imported"], status["rejected_count"], status["rejected"]) == (0, 0, 0, [])
    assert "X-Amz-Signature=" in created["upload_url"] and "X-Amz-Expires=3600" in created["upload_url"]


def test_an_import_takes_the_consent_proof_from_its_request_or_the_rows(aws, imports, owner, list_id):
    data = (
        b"email,consent_source,consent_obtained_at,consent_text\n"
        b"plain@example.org,,,\n"
        b"proven@example.org,web form,2026-10-01T08:00:00Z,Yes please\n"
    )

    status = imported_file(
        aws, owner, list_id, data, {"consent_source": "trade fair", "consent_text": "Signed the sheet"}
    )

    assert status["imported"] == 2
    plain = contact(list_id, "plain@example.org").consent
    assert (plain.source, plain.text) == ("trade fair", "Signed the sheet")
    proven = contact(list_id, "proven@example.org").consent
    assert (proven.source, proven.text) == ("web form", "Yes please")


@pytest.mark.parametrize(
    ("encoded", "name"),
    [
        ("email,first_name\nzoe@example.org,Zoé\n".encode("cp1252"), "Zoé"),
        ("email,first_name\nzoe@example.org,Zoé\n".encode("utf-16"), "Zoé"),
        (b"\xef\xbb\xbfemail,first_name\r\nzoe@example.org,Zo\xc3\xa9\r\n", "Zoé"),
    ],
    ids=["windows-1252", "utf-16 with bom", "utf-8 with bom"],
)
def test_an_import_detects_the_files_encoding(aws, imports, owner, list_id, encoded, name):
    status = imported_file(aws, owner, list_id, encoded)

    assert status["status"] == "done" and status["imported"] == 1
    assert contact(list_id, "zoe@example.org").first_name == name


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"name,city\nAda,London\n", "no `email` column"),
        ("email\nada@example.org\n".encode("utf-16-le"), "could not be read"),
        (b"email,=cmd\nada@example.org,x\n", "header row has column names"),
        (b"email,notes\nada@example.org," + b"x" * 140_000 + b"\n", "malformed near line 2"),
        (b"", "empty"),
    ],
    ids=["no email column", "utf-16 without bom", "bad column name", "malformed", "empty"],
)
def test_a_file_that_cannot_be_imported_fails_whole_with_the_reason(aws, imports, owner, list_id, data, says):
    created = start_import(owner, list_id)
    upload(created, data)

    run_imports(aws)

    status = import_status(owner, list_id, created["import_id"])
    assert status["status"] == "failed" and says in status["error"]
    assert status["imported"] == 0 and ContactRepository().page(list_id, now())[0] == []
    assert not file_exists(import_key(owner["sub"], created["import_id"]))


def test_a_file_beyond_the_row_limit_fails_and_imports_nothing(aws, imports, owner, list_id, monkeypatch):
    monkeypatch.setattr(bulk_import, "MAX_ROWS", 5)

    status = imported_file(
        aws, owner, list_id, b"email\n" + b"".join(f"r{i}@example.org\n".encode() for i in range(6))
    )

    assert status["status"] == "failed" and "at most 5 rows" in status["error"]
    assert ContactRepository().page(list_id, now())[0] == []


def test_an_import_of_a_list_deleted_meanwhile_fails(aws, imports, owner, list_id):
    created = start_import(owner, list_id)
    upload(created, b"email\nada@example.org\n")
    assert call("DELETE", f"/lists/{list_id}", claims=owner).status == 204

    run_imports(aws)

    job = AccountRepository().import_job(owner["sub"], created["import_id"], now())
    assert job.status == "failed" and job.error == "The list was deleted."
    assert ContactRepository().page(list_id, now())[0] == []


# --- resumable, exactly once -------------------------------------------------------------------


def big_file(rows: int) -> tuple[bytes, set[str], dict[int, str]]:
    """A file of `rows` rows: the addresses it imports, and the rejected lines with what their
    reason says. Every 97th row is not an address, row 750 repeats row 20 (another chunk), row
    3's address is already on the list."""
    lines = ["email,first_name,tracking_consent"]
    good: set[str] = set()
    bad: dict[int, str] = {}
    for n in range(1, rows + 1):
        line = n + 1
        if n % 97 == 0:
            lines.append(f"not an address {n},Bad,false")
            bad[line] = "valid email"
        elif n == 750:
            lines.append("reader20@example.org,Again,false")
            bad[line] = "the same address as line 21"
        else:
            address = f"reader{n}@example.org"
            lines.append(f"{address},Reader {n},{'true' if n % 2 else 'false'}")
            if n == 3:
                bad[line] = "already on the list"
            else:
                good.add(address)
    return ("\n".join(lines) + "\n").encode(), good, bad


def test_an_import_killed_mid_way_resumes_without_losing_or_duplicating_a_row(
    aws, imports, owner, list_id, monkeypatch
):
    add_contact(owner, list_id, "reader3@example.org")
    data, good, bad = big_file(1_000)
    created = start_import(owner, list_id)
    upload(created, data)
    checkpoints = []
    real_checkpoint = AccountRepository.checkpoint_import

    def checkpoint(self, job, **progress):
        checkpoints.append(progress["offset"])
        if len(checkpoints) == 3:
            # The Lambda stops after chunk 3's contacts were written, before its checkpoint.
            raise RuntimeError("Task timed out after 300.00 seconds")
        return real_checkpoint(self, job, **progress)

    monkeypatch.setattr(AccountRepository, "checkpoint_import", checkpoint)
    chunk_writes = []
    real_store = ContactService.store_imported

    def store_imported(self, contacts, visitor, at, written=()):
        chunk_writes.append(len(contacts))
        return real_store(self, contacts, visitor, at, written)

    monkeypatch.setattr(ContactService, "store_imported", store_imported)
    recycled = []
    real_put_absent = BulkContacts._put_absent

    def put_absent(self, contacts):
        existed = real_put_absent(self, contacts)
        if len(chunk_writes) == 6 and not recycled:
            # Stopped between chunk 5's first contacts and their ledger entries.
            recycled.append(True)
            raise RuntimeError("the container was recycled")
        return existed

    monkeypatch.setattr(BulkContacts, "_put_absent", put_absent)
    # The invocation runs short of time after the eighth checkpoint: the rest goes on in a
    # continuation message.
    context = Context(lambda: 10.0 if len(checkpoints) == 8 else 300.0)
    continued = []
    real_continue = TransferQueues.continue_import

    def continue_import(self, message):
        continued.append(message)
        return real_continue(self, message)

    monkeypatch.setattr(TransferQueues, "continue_import", continue_import)

    failures = run_imports(aws, context)

    status = import_status(owner, list_id, created["import_id"])
    assert failures == 2 and len(continued) == 1
    assert status["status"] == "done"
    assert status["rows"] == 1_000
    assert status["imported"] + status["rejected_count"] == status["rows"]
    assert status["imported"] == len(good)
    assert {r["line"] for r in status["rejected"]} == set(bad)
    for rejection in status["rejected"]:
        assert bad[rejection["line"]] in rejection["reason"]
    on_list = {c.email for c in ContactRepository().all_of_list(list_id, now())}
    assert on_list == good | {"reader3@example.org"}
    assert contact(list_id, "reader20@example.org").first_name == "Reader 20"
    imported_entries = [r for r in ledger_of_list(list_id) if r["action"] == ConsentAction.IMPORTED.value]
    assert len(imported_entries) == len(good)
    assert len({r["contact_id"] for r in imported_entries}) == len(good)
    granted = [r for r in ledger_of_list(list_id) if r["action"] == ConsentAction.TRACKING_GRANTED.value]
    assert len(granted) == len({a for a in good if int(a.removeprefix("reader").split("@")[0]) % 2})
    counts = call("GET", f"/lists/{list_id}", claims=owner).json()["counts"]
    assert counts["confirmed"] == len(on_list)


def crash_after(monkeypatch, operation: Callable[[str, dict], bool], nth: int) -> list[str]:
    """The worker dies right after its `nth` DynamoDB call that `operation` (name, parameters)
    matches has returned, once; answers the calls it died after."""
    real_call = BaseClient._make_api_call
    seen: list[dict] = []
    died: list[str] = []

    def dying(self, name, params):
        answer = real_call(self, name, params)
        if self.meta.service_model.service_name == "dynamodb" and operation(name, params) and not died:
            seen.append(params)
            if len(seen) == nth:
                died.append(name)
                raise RuntimeError("Task timed out after 300.00 seconds")
        return answer

    monkeypatch.setattr(BaseClient, "_make_api_call", dying)
    return died


def a_contact_created(name: str, params: dict) -> bool:
    """A contact created only if absent."""
    return (
        name == "PutItem"
        and params["TableName"] == "consentmail-contacts"
        and "ConditionExpression" in params
    )


def a_count_added(name: str, params: dict) -> bool:
    """A write adding to a list's counts (alone, or in a transaction)."""
    text = json.dumps(params, default=str)
    return name in ("UpdateItem", "TransactWriteItems") and COUNT_KEY_MARKER in text


def a_checkpoint(name: str, params: dict) -> bool:
    """A chunk's checkpoint (alone, or in a transaction)."""
    text = json.dumps(params, default=str)
    return name in ("UpdateItem", "TransactWriteItems") and "IMPORT#" in text and '"imported"' in text


@pytest.mark.parametrize(
    ("operation", "nth"),
    [(a_contact_created, 250), (a_count_added, 3), (a_checkpoint, 3)],
    ids=["after-its-contacts-are-created", "after-its-counts-are-added", "after-its-checkpoint"],
)
def test_an_import_killed_at_any_point_of_a_chunk_leaves_the_list_counts_exact(
    aws, imports, owner, list_id, monkeypatch, operation, nth
):
    add_contact(owner, list_id, "reader3@example.org")
    data, good, bad = big_file(400)
    created = start_import(owner, list_id)
    upload(created, data)
    died = crash_after(monkeypatch, operation, nth)

    failures = run_imports(aws)

    assert died and failures == 1
    status = import_status(owner, list_id, created["import_id"])
    assert status["status"] == "done"
    assert (status["rows"], status["imported"]) == (400, len(good))
    assert {r["line"] for r in status["rejected"]} == set(bad)
    on_list = list(ContactRepository().all_of_list(list_id, now()))
    assert {c.email for c in on_list} == good | {"reader3@example.org"}
    imported_entries = [r for r in ledger_of_list(list_id) if r["action"] == ConsentAction.IMPORTED.value]
    assert len(imported_entries) == len({r["contact_id"] for r in imported_entries}) == len(good)
    counts = call("GET", f"/lists/{list_id}", claims=owner).json()["counts"]
    held = Counter(c.status.value for c in on_list)
    assert counts == {status: held.get(status, 0) for status in counts}
    assert sum(counts.values()) == len(good) + 1


def test_contacts_a_racing_worker_created_are_counted_by_the_checkpoint_that_moves(
    aws, imports, owner, list_id, monkeypatch
):
    created = start_import(owner, list_id)
    upload(created, b"email\nada@example.org\ngrace@example.org\nlinus@example.org\n")
    real_put_absent = BulkContacts._put_absent
    calls = []

    def put_absent(self, contacts):
        calls.append(len(contacts))
        racing = len(calls) == 2
        if len(calls) == 1:
            # A redelivered message runs the same chunk meanwhile: it creates the contacts first
            # and dies before its checkpoint.
            with pytest.raises(RuntimeError):
                BulkImports(chunk_rows=CHUNK).run(owner["sub"], created["import_id"], now())
        existed = real_put_absent(self, contacts)
        if racing:
            raise RuntimeError("the other worker died")
        return existed

    monkeypatch.setattr(BulkContacts, "_put_absent", put_absent)

    assert run_imports(aws) == 0

    status = import_status(owner, list_id, created["import_id"])
    assert (status["status"], status["imported"], status["rejected"]) == ("done", 3, [])
    counts = call("GET", f"/lists/{list_id}", claims=owner).json()["counts"]
    assert counts["confirmed"] == len(list(ContactRepository().all_of_list(list_id, now()))) == 3


def test_a_contact_added_while_its_row_is_imported_is_never_overwritten(
    aws, imports, owner, list_id, monkeypatch
):
    created = start_import(owner, list_id)
    upload(created, b"email,first_name\nrace@example.org,Imported\nother@example.org,Other\n")
    real_import_rows = ContactRepository.import_rows

    def someone_adds_it_meanwhile(self, list_id_, contact_ids, at, **options):
        found = real_import_rows(self, list_id_, contact_ids, at, **options)
        if contact(list_id, "race@example.org") is None:
            add_contact(owner, list_id, "race@example.org", first_name="Added by hand")
        return found

    monkeypatch.setattr(ContactRepository, "import_rows", someone_adds_it_meanwhile)

    run_imports(aws)

    status = import_status(owner, list_id, created["import_id"])
    assert (status["imported"], status["rejected"]) == (
        1,
        [{"line": 2, "reason": "the address is already on the list"}],
    )
    assert contact(list_id, "race@example.org").first_name == "Added by hand"
    assert contact(list_id, "race@example.org").import_row is None


def test_a_large_import_writes_like_the_synchronous_one_counts_kept_and_erased_rows_taken_back(
    aws, imports, owner, list_id, monkeypatch
):
    add_contact(owner, list_id, "reader@example.org")
    created = start_import(owner, list_id)
    upload(created, b"email\nada@example.org\nerased@example.org\nbob@example.org\n")
    real_import_rows = ContactRepository.import_rows

    def erased_meanwhile(self, list_id_, contact_ids, at, **options):
        # The person asks for erasure after the import read the suppressions, before it writes.
        SuppressionRepository().begin_erasure(email_hash("erased@example.org"), now())
        return real_import_rows(self, list_id_, contact_ids, at, **options)

    monkeypatch.setattr(ContactRepository, "import_rows", erased_meanwhile)

    run_imports(aws)

    status = import_status(owner, list_id, created["import_id"])
    assert status["imported"] == 2
    assert status["rejected"] == [{"line": 3, "reason": ERASED_REFUSAL}]
    assert contact(list_id, "erased@example.org") is None
    assert not [r for r in ledger_of_list(list_id) if r["email_hash"] == email_hash("erased@example.org")]
    counts = call("GET", f"/lists/{list_id}", claims=owner).json()["counts"]
    on_list = list(ContactRepository().all_of_list(list_id, now()))
    assert sum(counts.values()) == len(on_list) == 3
    assert counts["confirmed"] == sum(c.status == ContactStatus.CONFIRMED for c in on_list)


def test_an_import_failing_on_its_last_delivery_says_so(aws, imports, owner, list_id, monkeypatch):
    created = start_import(owner, list_id)
    upload(created, b"email\nada@example.org\n")

    def broken(*_args, **_kwargs):
        raise RuntimeError("DynamoDB is having a bad day")

    monkeypatch.setattr(BulkContacts, "create", broken)

    failures = run_imports(aws)

    assert failures == 5
    status = import_status(owner, list_id, created["import_id"])
    assert status["status"] == "failed" and "repeated errors" in status["error"]
    assert not file_exists(import_key(owner["sub"], created["import_id"]))


def test_the_s3_test_event_and_an_upload_nobody_waits_for_are_ignored(aws, imports, owner):
    url = aws.environment["CONSENTMAIL_IMPORT_QUEUE_URL"]
    sqs().send_message(
        QueueUrl=url, MessageBody=json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"})
    )
    stray = import_key(owner["sub"], "0" * 32)
    s3().put_object(Bucket="consentmail-transfers", Key=stray, Body=b"email\nada@example.org\n")

    assert run_imports(aws) == 0
    assert not file_exists(stray)


# --- exports ---------------------------------------------------------------------------------


@pytest.fixture
def exports(aws, monkeypatch) -> BulkExports:
    service = BulkExports()
    monkeypatch.setattr(exporter_services, "exports", lambda: service)
    return service


def run_exports(aws) -> int:
    return deliver(aws.environment["CONSENTMAIL_EXPORT_QUEUE_URL"], exporter_function.handler)


def export_status(owner: dict, list_id: str, export_id: str) -> dict:
    reply = call("GET", f"/lists/{list_id}/exports/{export_id}", claims=owner)
    assert reply.status == 200, reply.text
    assert reply.headers.get("Cache-Control") == "no-store"
    return reply.json()


def exported(aws, owner: dict, list_id: str, format: str) -> tuple[dict, bytes]:  # noqa: A002
    reply = call("POST", f"/lists/{list_id}/exports", claims=owner, body={"format": format})
    assert reply.status == 202, reply.text
    export_id = reply.json()["export_id"]
    assert export_status(owner, list_id, export_id)["status"] == "waiting"
    run_exports(aws)
    status = export_status(owner, list_id, export_id)
    download = requests.get(status["download_url"], timeout=10)
    assert download.status_code == 200
    return status, download.content


@pytest.mark.promise("lists.export_edit_delete")
def test_a_csv_export_is_the_synchronous_export_with_formulas_neutralized(aws, exports, owner, list_id):
    add_contact(owner, list_id, "ada@example.org", attributes={"city": '=HYPERLINK("x")'})
    add_contact(owner, list_id, "grace@example.org", last_name="-Hopper", attributes={"team": "+Navy"})
    add_contact(owner, list_id, "phone@example.org", attributes={"phone": "+33 6 12 34 56 78"})

    status, body = exported(aws, owner, list_id, "csv")

    assert status["status"] == "done" and status["rows"] == 3 and status["format"] == "csv"
    synchronous = call("GET", f"/lists/{list_id}/contacts/export", claims=owner, query={"format": "csv"})
    assert body.decode() == synchronous.text
    rows = {row["email"]: row for row in csv.DictReader(io.StringIO(body.decode()))}
    assert rows["ada@example.org"]["city"] == '\'=HYPERLINK("x")'
    assert (
        rows["grace@example.org"]["last_name"] == "'-Hopper" and rows["grace@example.org"]["team"] == "'+Navy"
    )
    assert rows["phone@example.org"]["phone"] == "+33 6 12 34 56 78"


@pytest.mark.promise("lists.export_edit_delete")
def test_a_json_export_is_the_synchronous_export(aws, exports, owner, list_id):
    for n in range(3):
        add_contact(owner, list_id, f"reader{n}@example.org")

    status, body = exported(aws, owner, list_id, "json")

    synchronous = call(
        "GET", f"/lists/{list_id}/contacts/export", claims=owner, query={"format": "json"}
    ).json()
    document = json.loads(body)
    assert document["list_id"] == list_id and document["items"] == synchronous["items"]
    assert status["rows"] == 3


def test_an_export_is_downloaded_as_a_named_attachment_for_an_hour_at_most(aws, exports, owner, list_id):
    add_contact(owner, list_id, "ada@example.org")

    status, _body = exported(aws, owner, list_id, "csv")

    url = status["download_url"]
    assert "X-Amz-Expires=3600" in url and "attachment" in requests.utils.unquote(url)
    expires = status["expires_at"]
    assert now() < now().fromisoformat(expires.replace("Z", "+00:00")) <= now() + timedelta(hours=1)


def test_an_export_larger_than_a_part_is_uploaded_in_parts(aws, exports, owner, list_id, monkeypatch):
    import moto.s3.models

    from consentmail.adapters import s3 as s3_adapter

    # Parts of 4 KB (S3's own minimum is 5 MB, and so is the emulator's unless told otherwise).
    monkeypatch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", 1024)
    monkeypatch.setattr(s3_adapter, "PART_SIZE", 4096)
    monkeypatch.setattr(bulk_export, "WRITE_BATCH", 5)
    for n in range(40):
        add_contact(owner, list_id, f"reader{n}@example.org", attributes={"notes": "x" * 300})
    parts = []
    real_upload_part = s3_adapter.MultipartWriter._flush

    def counted(self):
        parts.append(len(self._buffer))
        return real_upload_part(self)

    monkeypatch.setattr(s3_adapter.MultipartWriter, "_flush", counted)

    status, body = exported(aws, owner, list_id, "csv")

    assert len(parts) > 3 and all(size >= 4096 for size in parts[:-1])
    assert status["rows"] == 40 and len(body) == sum(parts)
    assert len(list(csv.DictReader(io.StringIO(body.decode())))) == 40


def test_an_export_of_a_list_deleted_meanwhile_fails(aws, exports, owner, list_id):
    reply = call("POST", f"/lists/{list_id}/exports", claims=owner, body={"format": "json"})
    export_id = reply.json()["export_id"]
    assert call("DELETE", f"/lists/{list_id}", claims=owner).status == 204

    run_exports(aws)

    job = AccountRepository().export_job(owner["sub"], export_id, now())
    assert job.status == "failed" and job.error == "The list was deleted."


# --- bad input on every route ----------------------------------------------------------------

ROUTES = (
    ("POST", "/lists/{list}/imports", None),
    ("GET", "/lists/{list}/imports/{id}", None),
    ("POST", "/lists/{list}/exports", {"format": "csv"}),
    ("GET", "/lists/{list}/exports/{id}", None),
)


def jobs_of(account_id: str) -> list[dict]:
    table = boto3.resource("dynamodb", region_name=REGION).Table("consentmail-accounts")
    items = table.query(
        KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": account_pk(account_id)}
    )
    return [i for i in items["Items"] if i["sk"].startswith(("IMPORT#", "EXPORT#"))]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_an_unknown_list_answers_404_and_writes_nothing(aws, owner, method, path, body):
    reply = call(method, path.format(list="no-such-list", id="0" * 32), claims=owner, body=body)

    assert reply.status == 404 and reply.problem["detail"] == "There is no list with this id."
    assert jobs_of(owner["sub"]) == []


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_another_accounts_list_answers_404(aws, owner, method, path, body):
    other = signed_in("other@example.com")
    theirs = create_list(other)["list_id"]

    reply = call(method, path.format(list=theirs, id="0" * 32), claims=owner, body=body)

    assert reply.status == 404
    assert jobs_of(owner["sub"]) == [] and jobs_of(other["sub"]) == []


@pytest.mark.promise("accounts.isolation")
def test_another_accounts_or_another_lists_import_and_export_answer_404(aws, owner, list_id):
    other = signed_in("other@example.com")
    theirs = create_list(other)["list_id"]
    their_import = start_import(other, theirs)["import_id"]
    their_export = call("POST", f"/lists/{theirs}/exports", claims=other, body={"format": "csv"}).json()[
        "export_id"
    ]
    my_other_list = create_list(owner, name="Second")["list_id"]
    my_import = start_import(owner, list_id)["import_id"]

    for path in (
        f"/lists/{list_id}/imports/{their_import}",
        f"/lists/{theirs}/imports/{their_import}",
        f"/lists/{list_id}/exports/{their_export}",
        f"/lists/{theirs}/exports/{their_export}",
        f"/lists/{my_other_list}/imports/{my_import}",
        f"/lists/{list_id}/imports/{'f' * 32}",
    ):
        reply = call("GET", path, claims=owner)
        assert reply.status == 404, path


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("exports", {"format": "xlsx"}, "format"),
        ("exports", {}, "format"),
        ("exports", {"format": "csv", "where": "s3://elsewhere"}, "where"),
        ("imports", {"consent_source": ""}, "consent_source"),
        ("imports", {"bucket": "mine"}, "bucket"),
        ("imports", {"consent_obtained_at": "yesterday"}, "consent_obtained_at"),
    ],
)
def test_a_bad_request_body_answers_422_naming_the_field_and_writes_nothing(
    aws, owner, list_id, path, body, field
):
    reply = call("POST", f"/lists/{list_id}/{path}", claims=owner, body=body)

    assert reply.status == 422, reply.text
    assert field in {e["field"] for e in reply.problem["errors"]}
    assert jobs_of(owner["sub"]) == []


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_a_closed_account_gets_the_same_401_as_on_other_routes(aws, owner, list_id, method, path, body):
    import_id = start_import(owner, list_id)["import_id"]
    assert call("DELETE", "/account", claims=owner).status == 202
    before = jobs_of(owner["sub"])

    reply = call(method, path.format(list=list_id, id=import_id), claims=owner, body=body)

    assert reply.status == 401
    assert reply.problem == call("GET", f"/lists/{list_id}", claims=owner).problem
    assert jobs_of(owner["sub"]) == before


def test_an_export_the_queue_refuses_answers_503_and_leaves_no_export(aws, owner, list_id, monkeypatch):
    exports = account_services.exports()

    def refused(_message):
        from consentmail.core.errors import Unavailable

        raise Unavailable("The export could not be queued; ask again in a moment.")

    monkeypatch.setattr(exports.queues, "request_export", refused)

    reply = call("POST", f"/lists/{list_id}/exports", claims=owner, body={"format": "csv"})

    assert reply.status == 503
    assert jobs_of(owner["sub"]) == []


# --- what is kept, and for how long ---------------------------------------------------------


def test_imports_and_exports_go_with_the_account_at_closure(aws, owner, list_id):
    start_import(owner, list_id)
    call("POST", f"/lists/{list_id}/exports", claims=owner, body={"format": "csv"})

    closed = call("DELETE", "/account", claims=owner)

    deletion_due = now().fromisoformat(closed.json()["deletion_due"].replace("Z", "+00:00"))
    jobs = jobs_of(owner["sub"])
    assert len(jobs) == 2
    assert all(int(job["expires_at"]) <= epoch(deletion_due) for job in jobs)


def test_an_import_report_is_kept_30_days_and_an_export_one(aws, owner, list_id):
    start_import(owner, list_id)
    call("POST", f"/lists/{list_id}/exports", claims=owner, body={"format": "csv"})

    kept = {job["sk"].split("#")[0]: int(job["expires_at"]) - epoch(now()) for job in jobs_of(owner["sub"])}

    assert abs(kept["IMPORT"] - 30 * 86_400) < 60 and abs(kept["EXPORT"] - 86_400) < 60


@pytest.mark.promise("retention.transfer_files")
def test_the_purge_deletes_transfer_files_a_day_old(aws, owner):
    for key in (import_key(owner["sub"], "1" * 32), export_key(owner["sub"], "2" * 32, "csv")):
        s3().put_object(Bucket="consentmail-transfers", Key=key, Body=b"email\nada@example.org\n")

    assert PurgeService().run(now() + timedelta(hours=23)).deleted["transfer_files"] == 0
    assert PurgeService().run(now() + timedelta(days=1, minutes=1)).deleted["transfer_files"] == 2

    assert s3().list_objects_v2(Bucket="consentmail-transfers").get("KeyCount") == 0


def test_the_transfer_bucket_expires_files_after_a_day(aws):
    rules = s3().get_bucket_lifecycle_configuration(Bucket="consentmail-transfers")["Rules"]

    assert rules[0]["Expiration"] == {"Days": 1}
    assert rules[0]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}


# --- the sample events -----------------------------------------------------------------------


def test_the_sample_upload_event_imports_its_file(aws, imports, demo_list):
    open_account(demo_list.account_id)
    event = load_event("sqs_import_upload")
    key = json.loads(event["Records"][0]["body"])["Records"][0]["s3"]["object"]["key"]
    account_id, import_id = import_of_key(key)
    at = now()
    AccountRepository().create_job(
        ImportJob(
            import_id=import_id,
            account_id=account_id,
            list_id=demo_list.list_id,
            created_at=at,
            upload_expires_at=at + timedelta(hours=1),
            proof=default_proof(at, None, None, None),
        ),
        at + timedelta(days=30),
    )
    s3().put_object(Bucket="consentmail-transfers", Key=key, Body=b"email\nsample@example.org\n")

    result = importer_function.handler(event, Context())

    assert result == {"batchItemFailures": []}
    assert AccountRepository().import_job(account_id, import_id, now()).imported == 1
    assert contact(demo_list.list_id, "sample@example.org") is not None


def test_the_sample_export_message_exports_the_list(aws, exports, demo_list):
    open_account(demo_list.account_id)
    event = load_event("sqs_export")
    message = json.loads(event["Records"][0]["body"])
    AccountRepository().create_job(
        ExportJob(
            export_id=message["export_id"],
            account_id=message["account_id"],
            list_id=demo_list.list_id,
            format="csv",
            created_at=now(),
        ),
        now() + timedelta(days=1),
    )

    result = exporter_function.handler(event, Context())

    assert result == {"batchItemFailures": []}
    assert AccountRepository().export_job(message["account_id"], message["export_id"], now()).status == "done"
    assert file_exists(export_key(message["account_id"], message["export_id"], "csv"))
