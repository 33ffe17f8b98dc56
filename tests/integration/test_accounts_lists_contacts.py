"""Lists and contacts through the accounts function, against moto: CRUD, the consent proof and the
ledger, double opt-in, the sensitive-data guard, pagination, CSV import with bad rows, CSV and
JSON export of a whole list."""

import csv
import email
import io
from datetime import UTC, datetime

import pytest

from consentmail.adapters import aws_clients
from consentmail.audience.contacts import ContactService
from consentmail.audience.imports import MAX_ROWS
from consentmail.audience.models import ConsentProofIn, ContactIn
from consentmail.core.addresses import email_hash
from consentmail.core.clock import now
from consentmail.core.records import ConsentAction, Contact, ContactStatus, Visitor
from consentmail.core.tables import Table
from consentmail.store.accounts import BulkContacts
from consentmail.store.consent import ConsentRepository
from consentmail.store.contacts import ContactRepository, contact_id_for, contact_item
from consentmail.store.suppression import Reason, SuppressionRepository
from tests.accounts_helpers import CONSENT, add_contact, call, create_list, invoke, sample, signed_in
from tests.conftest import sent_messages

CONTACT_KEYS = {
    "contact_id",
    "list_id",
    "email",
    "first_name",
    "last_name",
    "status",
    "tracking_consent",
    "attributes",
    "consent",
    "created_at",
}


@pytest.fixture(autouse=True)
def fresh_services(aws):
    return aws


@pytest.fixture
def owner(aws) -> dict:
    return signed_in("owner@example.com")


@pytest.fixture
def list_id(owner) -> str:
    return create_list(owner)["list_id"]


def ledger(address: str) -> list:
    return ConsentRepository().of_email_hash(email_hash(address), now())


# --- lists ---------------------------------------------------------------------------------------


@pytest.mark.promise("lists.export_edit_delete")
def test_list_crud(owner):
    created = invoke(sample("accounts_lists_create", claims=owner))
    assert created.status == 201
    mailing_list = created.json()
    assert set(mailing_list) == {
        "list_id",
        "name",
        "from_email",
        "from_name",
        "confirm_redirect_url",
        "thank_you_url",
        "language",
        "created_at",
        "counts",
    }
    assert mailing_list["language"] == "en"
    list_id = mailing_list["list_id"]

    assert invoke(sample("accounts_lists_get", claims=owner, list_id=list_id)).json() == mailing_list
    assert [m["list_id"] for m in call("GET", "/lists", claims=owner).json()["items"]] == [list_id]

    patched = call(
        "PATCH",
        f"/lists/{list_id}",
        claims=owner,
        body={"name": "Autumn News", "thank_you_url": "https://example.com/thanks"},
    )
    assert patched.status == 200
    assert (patched.json()["name"], patched.json()["thank_you_url"]) == (
        "Autumn News",
        "https://example.com/thanks",
    )
    assert patched.json()["from_email"] == "news@example.com"

    deleted = call("DELETE", f"/lists/{list_id}", claims=owner)
    assert deleted.status == 204
    assert call("GET", f"/lists/{list_id}", claims=owner).status == 404
    assert call("GET", "/lists", claims=owner).json()["items"] == []


def test_a_list_with_an_invalid_sender_is_refused(owner):
    reply = call("POST", "/lists", claims=owner, body={"name": "X", "from_email": "not an address"})
    assert reply.status == 422
    assert reply.problem["errors"][0]["field"] == "from_email"


@pytest.mark.promise("lists.export_edit_delete")
def test_deleting_a_list_deletes_its_contacts_and_their_consent_records(owner, list_id):
    contact = add_contact(owner, list_id, "ada@example.org")

    call("DELETE", f"/lists/{list_id}", claims=owner)

    assert ContactRepository().get(list_id, contact["contact_id"], now()) is None
    assert ledger("ada@example.org") == []


# --- one contact ---------------------------------------------------------------------------------


@pytest.mark.promise("consent.ledger")
def test_adding_a_contact_with_consent_proof_confirms_it_and_records_the_proof(owner, list_id):
    reply = invoke(sample("accounts_contacts_add", claims=owner, list_id=list_id))

    assert reply.status == 201
    contact = reply.json()
    assert set(contact) == CONTACT_KEYS
    assert contact["status"] == "confirmed" and contact["list_id"] == list_id
    assert contact["email"] == "ada@example.org" and contact["attributes"] == {"city": "London"}
    assert contact["consent"] == {
        "source": "trade fair sign-up sheet",
        "obtained_at": "2026-11-20T10:00:00Z",
        "text": "I agree to receive Demo News and can unsubscribe at any time.",
    }
    [entry] = ledger("ada@example.org")
    assert entry.action == ConsentAction.ADDED_BY_ACCOUNT
    assert entry.text == CONSENT["text"] and "trade fair sign-up sheet" in entry.source
    assert entry.ip == "203.0.113.9" and entry.account_id == owner["sub"]
    assert sent_messages(to="ada@example.org") == []


@pytest.mark.promise("consent.ledger")
def test_a_contact_without_consent_proof_is_refused(owner, list_id):
    reply = call("POST", f"/lists/{list_id}/contacts", claims=owner, body={"email": "ada@example.org"})

    assert reply.status == 422
    assert "consent" in [e["field"] for e in reply.problem["errors"]]


@pytest.mark.promise("consent.double_opt_in")
def test_double_opt_in_keeps_the_contact_pending_and_sends_the_optin_email(owner, list_id):
    contact = add_contact(owner, list_id, "ada@example.org", double_opt_in=True)

    assert contact["status"] == "pending"
    [message] = sent_messages(to="ada@example.org")
    parsed = email.message_from_string(message.raw_data)
    assert parsed["To"] == "ada@example.org"
    assert "/confirm?token=" in parsed.get_payload()[0].get_payload(decode=True).decode()


@pytest.mark.promise("sensitive_data.refused")
def test_sensitive_data_in_a_contact_is_refused_naming_field_and_category(owner, list_id):
    reply = call(
        "POST",
        f"/lists/{list_id}/contacts",
        claims=owner,
        body={"email": "ada@example.org", "consent": CONSENT, "attributes": {"card": "4111 1111 1111 1111"}},
    )

    assert reply.status == 422
    [error] = reply.problem["errors"]
    assert error["field"] == "attributes.card" and "payment card number" in error["message"]
    assert "4111" not in reply.text
    assert (
        ContactRepository().get(list_id, contact_id_for(list_id, email_hash("ada@example.org")), now())
        is None
    )


@pytest.mark.promise("rights.erasure")
def test_an_erased_address_cannot_be_added_at_the_subjects_request(owner, list_id):
    SuppressionRepository().suppress_erased(email_hash("ada@example.org"), now())

    reply = call(
        "POST",
        f"/lists/{list_id}/contacts",
        claims=owner,
        body={"email": "ada@example.org", "consent": CONSENT},
    )

    assert reply.status == 422
    assert "at the subject's request" in reply.problem["errors"][0]["message"]


def test_an_address_that_bounced_for_this_account_keeps_its_bounced_status(owner, list_id):
    SuppressionRepository().suppress_for_account(
        email_hash("ada@example.org"), owner["sub"], Reason.BOUNCE, now()
    )

    assert add_contact(owner, list_id, "ada@example.org")["status"] == "bounced"


def test_an_address_already_on_the_list_answers_409(owner, list_id):
    add_contact(owner, list_id, "ada@example.org")

    again = call(
        "POST",
        f"/lists/{list_id}/contacts",
        claims=owner,
        body={"email": "ADA@example.org", "consent": CONSENT},
    )

    assert again.status == 409


@pytest.mark.promise("lists.export_edit_delete")
def test_contact_get_patch_delete(owner, list_id):
    contact = add_contact(owner, list_id, "ada@example.org", tracking_consent=False)
    path = f"/lists/{list_id}/contacts/{contact['contact_id']}"

    assert call("GET", path, claims=owner).json() == contact

    patched = call(
        "PATCH",
        path,
        claims=owner,
        body={"last_name": "Lovelace", "tracking_consent": True, "attributes": {"city": "Paris"}},
    )
    assert patched.status == 200
    assert patched.json()["last_name"] == "Lovelace" and patched.json()["tracking_consent"] is True
    assert call("GET", path, claims=owner).json()["attributes"] == {"city": "Paris"}
    actions = [r.action for r in ledger("ada@example.org")]
    assert ConsentAction.TRACKING_GRANTED in actions and ConsentAction.RECTIFIED in actions

    unsubscribed = call("PATCH", path, claims=owner, body={"status": "unsubscribed"})
    assert unsubscribed.json()["status"] == "unsubscribed"
    assert call("PATCH", path, claims=owner, body={"status": "confirmed"}).status == 422

    aws_clients.table(Table.EVENTS).put_item(
        Item={"contact_id": contact["contact_id"], "sk": "2026-11-25#sent"}
    )
    assert call("DELETE", path, claims=owner).status == 204
    assert call("GET", path, claims=owner).status == 404
    assert ledger("ada@example.org") == []
    events = aws_clients.table(Table.EVENTS).query(
        KeyConditionExpression="contact_id = :c", ExpressionAttributeValues={":c": contact["contact_id"]}
    )["Items"]
    assert events == []


def test_patching_sensitive_data_into_a_contact_is_refused(owner, list_id):
    contact = add_contact(owner, list_id, "ada@example.org")

    reply = call(
        "PATCH",
        f"/lists/{list_id}/contacts/{contact['contact_id']}",
        claims=owner,
        body={"attributes": {"diagnostic": "x"}},
    )

    assert reply.status == 422
    assert reply.problem["errors"][0]["field"] == "attributes.diagnostic"


# --- pages ---------------------------------------------------------------------------------------


def test_contacts_are_paginated_with_an_opaque_cursor(owner, list_id):
    added = {add_contact(owner, list_id, f"c{i}@example.org")["contact_id"] for i in range(5)}

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        reply = call("GET", f"/lists/{list_id}/contacts", claims=owner, query=query)
        assert reply.status == 200
        page = reply.json()
        assert all(set(item) == CONTACT_KEYS for item in page["items"])
        seen.extend(item["contact_id"] for item in page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
        assert list_id not in cursor  # opaque

    assert set(seen) == added and len(seen) == 5
    assert pages >= 3


def test_a_forged_or_foreign_cursor_is_refused(owner, list_id):
    other_list = create_list(owner, "Other")["list_id"]
    for i in range(3):
        add_contact(owner, other_list, f"c{i}@example.org")
    foreign = call("GET", f"/lists/{other_list}/contacts", claims=owner, query={"limit": "1"}).json()[
        "next_cursor"
    ]

    for cursor in (foreign, "not-a-cursor", "e30"):
        reply = call("GET", f"/lists/{list_id}/contacts", claims=owner, query={"cursor": cursor})
        assert reply.status == 422
        assert reply.problem["errors"][0]["field"] == "cursor"


# --- import --------------------------------------------------------------------------------------


def test_import_keeps_good_rows_and_reports_every_bad_one(owner, list_id):
    add_contact(owner, list_id, "existing@example.org")
    SuppressionRepository().suppress_erased(email_hash("erased@example.org"), now())
    body = (
        "email,first_name,last_name,tracking_consent,city,medical_history\r\n"  # line 1
        "ada@example.org,Ada,Lovelace,true,London,\r\n"  # 2 good
        "not-an-address,Bad,Row,false,,\r\n"  # 3 invalid email
        "grace@example.org,Grace,Hopper,no,Arlington,\r\n"  # 4 good
        "ADA@example.org,Ada,Again,false,,\r\n"  # 5 duplicate of 2
        "card@example.org,Card,Holder,false,4111 1111 1111 1111,\r\n"  # 6 sensitive value
        "erased@example.org,Era,Sed,false,,\r\n"  # 7 erased
        "existing@example.org,Ex,Isting,false,,\r\n"  # 8 already on the list
        "maybe@example.org,May,Be,perhaps,,\r\n"  # 9 bad tracking_consent
        "sick@example.org,Si,Ck,false,,diabetes\r\n"  # 10 health data column
        "\r\n"
        "linus@example.org,Linus,,1,Helsinki,\r\n"  # 12 good
    )

    reply = call(
        "POST",
        f"/lists/{list_id}/contacts/import",
        claims=owner,
        body=body,
        headers={"Content-Type": "text/csv"},
    )

    assert reply.status == 200, reply.text
    result = reply.json()
    assert result["imported"] == 3
    rejected = {r["line"]: r["reason"] for r in result["rejected"]}
    assert sorted(rejected) == [3, 5, 6, 7, 8, 9, 10]
    assert "valid email" in rejected[3]
    assert "line 2" in rejected[5]
    assert (
        "attributes.city" in rejected[6]
        and "payment card number" in rejected[6]
        and "4111" not in rejected[6]
    )
    assert "at the subject's request" in rejected[7]
    assert "already on the list" in rejected[8]
    assert "tracking_consent" in rejected[9]
    assert "health data" in rejected[10]
    contacts = ContactRepository()
    ada = contacts.get(list_id, contact_id_for(list_id, email_hash("ada@example.org")), now())
    assert ada.status == ContactStatus.CONFIRMED and ada.tracking_consent is True
    assert ada.attributes == {"city": "London"} and ada.consent.source == "import"
    assert sorted(r.action for r in ledger("ada@example.org")) == sorted(
        [ConsentAction.IMPORTED, ConsentAction.TRACKING_GRANTED]
    )
    linus = contacts.get(list_id, contact_id_for(list_id, email_hash("linus@example.org")), now())
    assert linus.tracking_consent is True


def test_import_takes_the_consent_proof_from_the_request_or_the_rows(owner, list_id):
    body = (
        "email,consent_source,consent_obtained_at,consent_text\r\n"
        "ada@example.org,,,\r\n"
        "grace@example.org,shop counter,2026-10-01T09:00:00Z,Yes to the newsletter\r\n"
    )

    call(
        "POST",
        f"/lists/{list_id}/contacts/import",
        claims=owner,
        body=body,
        query={
            "consent_source": "webinar",
            "consent_text": "Send me the news",
            "consent_obtained_at": "2026-09-01",
        },
    )

    contacts = ContactRepository()
    ada = contacts.get(list_id, contact_id_for(list_id, email_hash("ada@example.org")), now())
    grace = contacts.get(list_id, contact_id_for(list_id, email_hash("grace@example.org")), now())
    assert (ada.consent.source, ada.consent.text) == ("webinar", "Send me the news")
    assert ada.consent.obtained_at.date().isoformat() == "2026-09-01"
    assert (grace.consent.source, grace.consent.text) == ("shop counter", "Yes to the newsletter")
    assert grace.consent.obtained_at == datetime(2026, 10, 1, 9, tzinfo=UTC)


def test_a_contact_added_while_the_import_runs_is_left_as_it_is_and_counted_once(owner, list_id, monkeypatch):
    # Given an import whose existence check answers just before the subscribe form (here the
    # service it calls) adds one of its addresses with a proof, a status and attributes of its own
    real_existing = BulkContacts.existing
    race_id = contact_id_for(list_id, email_hash("race@example.org"))
    added: list[Contact] = []

    def added_right_after_the_check(self, list_id_, contact_ids, at):
        found = real_existing(self, list_id_, contact_ids, at)
        request = ContactIn(
            email="race@example.org",
            first_name="Added by hand",
            attributes={"city": "Lyon"},
            consent=ConsentProofIn.model_validate(CONSENT),
            double_opt_in=True,
        )
        visitor = Visitor("198.51.100.7", "the subscribe form")
        ContactService().add(owner["sub"], list_id, request, visitor, now())
        added.append(ContactRepository().get(list_id, race_id, now()))
        return found

    monkeypatch.setattr(BulkContacts, "existing", added_right_after_the_check)
    body = "email,first_name,city\r\nrace@example.org,Imported,Paris\r\nother@example.org,Other,Nice\r\n"

    # When the import writes its rows
    reply = call("POST", f"/lists/{list_id}/contacts/import", claims=owner, body=body)

    # Then the contact added meanwhile is exactly as it was, its row reported as already there
    assert reply.status == 200, reply.text
    assert reply.json() == {
        "imported": 1,
        "rejected": [{"line": 2, "reason": "the address is already on the list"}],
    }
    race = ContactRepository().get(list_id, race_id, now())
    assert race == added[0]
    assert race.status == ContactStatus.PENDING and race.consent.source == CONSENT["source"]
    assert [r.action for r in ledger("race@example.org")] == [ConsentAction.ADDED_BY_ACCOUNT]
    # And the list counts each contact it holds once
    counts = call("GET", f"/lists/{list_id}", claims=owner).json()["counts"]
    held = [c.status.value for c in ContactRepository().all_of_list(list_id, now())]
    assert counts == {**dict.fromkeys(counts, 0), "pending": 1, "confirmed": 1}
    assert sorted(held) == ["confirmed", "pending"]


def test_import_beyond_the_row_limit_answers_413_pointing_to_the_large_import(owner, list_id):
    rows = "".join(f"p{i}@example.org\r\n" for i in range(MAX_ROWS + 1))

    reply = call("POST", f"/lists/{list_id}/contacts/import", claims=owner, body="email\r\n" + rows)

    assert reply.status == 413
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert f"{MAX_ROWS:,}" in reply.problem["detail"]
    assert "POST /lists/{list_id}/imports" in reply.problem["detail"]
    assert call("GET", f"/lists/{list_id}/contacts", claims=owner).json()["items"] == []


def test_import_without_an_email_column_answers_422(owner, list_id):
    reply = call(
        "POST", f"/lists/{list_id}/contacts/import", claims=owner, body="name,city\r\nAda,London\r\n"
    )

    assert reply.status == 422


def test_the_sample_import_event_imports_its_rows(owner, list_id):
    reply = invoke(sample("accounts_contacts_import", claims=owner, list_id=list_id))

    assert reply.status == 200
    assert reply.json() == {"imported": 2, "rejected": []}


# --- export --------------------------------------------------------------------------------------


def seed_contacts(list_id: str, account_id: str, count: int) -> None:
    created = datetime(2026, 11, 1, tzinfo=UTC)
    contacts = []
    for i in range(count):
        address = f"p{i:04d}@example.org"
        hashed = email_hash(address)
        contacts.append(
            Contact(
                contact_id=contact_id_for(list_id, hashed),
                list_id=list_id,
                account_id=account_id,
                email=address,
                email_hash=hashed,
                first_name=f"P{i}",
                status=ContactStatus.CONFIRMED,
                attributes={"rank": str(i)} if i % 2 else {"city": '=HYPERLINK("x")'},
                consent=CONSENT,
                created_at=created,
            )
        )
    # Written as they are stored, in batches: 520 contacts are setup here, not what is tested.
    with aws_clients.table(Table.CONTACTS).batch_writer() as batch:
        for contact in contacts:
            batch.put_item(Item=contact_item(contact))


@pytest.mark.promise("lists.export_edit_delete")
def test_csv_export_holds_the_whole_list(owner, list_id):
    # More contacts than one internal page (500)
    seed_contacts(list_id, owner["sub"], 520)

    reply = invoke(sample("accounts_contacts_export", claims=owner, list_id=list_id))

    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in reply.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(reply.text)))
    assert len(rows) == 520
    assert {"contact_id", "email", "status", "consent_source", "city", "rank"} <= set(rows[0])
    assert len({r["email"] for r in rows}) == 520
    # a formula is never handed to a spreadsheet as a formula
    assert all(not r["city"].startswith("=") for r in rows)


@pytest.mark.promise("lists.export_edit_delete")
def test_json_export_holds_the_whole_list_in_the_contract_representation(owner, list_id):
    seed_contacts(list_id, owner["sub"], 520)

    reply = call("GET", f"/lists/{list_id}/contacts/export", claims=owner, query={"format": "json"})

    assert reply.status == 200
    export = reply.json()
    assert export["list_id"] == list_id and len(export["items"]) == 520
    assert all(set(item) == CONTACT_KEYS for item in export["items"])


def test_an_exported_csv_imports_back(owner, list_id):
    add_contact(owner, list_id, "ada@example.org", attributes={"city": "London"})
    exported = call("GET", f"/lists/{list_id}/contacts/export", claims=owner).text
    other = create_list(owner, "Copy")["list_id"]

    reply = call("POST", f"/lists/{other}/contacts/import", claims=owner, body=exported)

    assert reply.json() == {"imported": 1, "rejected": []}
    copy = ContactRepository().get(other, contact_id_for(other, email_hash("ada@example.org")), now())
    assert copy.attributes == {"city": "London"} and copy.consent.source == CONSENT["source"]


def test_an_unknown_export_format_answers_422(owner, list_id):
    assert (
        call("GET", f"/lists/{list_id}/contacts/export", claims=owner, query={"format": "xml"}).status == 422
    )


def test_an_import_of_exactly_the_row_limit_is_accepted(owner, list_id, monkeypatch):
    from consentmail.audience import imports

    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    rows = "".join(f"p{i}@example.org\r\n" for i in range(3))

    at_limit = call("POST", f"/lists/{list_id}/contacts/import", claims=owner, body="email\r\n" + rows)
    beyond = call(
        "POST",
        f"/lists/{list_id}/contacts/import",
        claims=owner,
        body="email\r\n" + rows + "p9@example.org\r\n",
    )

    assert at_limit.status == 200 and at_limit.json()["imported"] == 3
    assert beyond.status == 413


# --- the sample events ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("accounts_profile_get", 200),
        ("accounts_profile_update", 200),
        ("accounts_export", 200),
        ("accounts_notifications", 200),
        ("accounts_lists_create", 201),
        ("accounts_lists_get", 200),
        ("accounts_contacts_add", 201),
        ("accounts_contacts_import", 200),
        ("accounts_contacts_page", 200),
        ("accounts_contacts_export", 200),
        ("accounts_imports_create", 201),
        ("accounts_exports_create", 202),
        ("accounts_close", 202),
    ],
)
def test_every_account_sample_event_is_served(owner, list_id, name, status):
    path_params = {"list_id": list_id} if "list_id" in (sample(name)["pathParameters"] or {}) else {}

    reply = invoke(sample(name, claims=owner, **path_params))

    assert reply.status == status, reply.text
