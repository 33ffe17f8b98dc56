"""The contact routes: add, import, page through, export, edit and delete a list's contacts."""

import base64
import json
from datetime import datetime
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from consentmail.audience.imports import LARGE_IMPORT_ROUTE, MAX_ROWS, contacts_csv, default_proof, import_csv
from consentmail.audience.models import (
    ContactExport,
    ContactIn,
    ContactOut,
    ContactPage,
    ContactPatch,
    ImportResult,
)
from consentmail.composition import accounts as services
from consentmail.core.clock import now
from consentmail.core.errors import PayloadTooLarge
from consentmail.core.records import ContactStatus, Visitor
from consentmail.core.routes import MAX_BODY_BYTES
from consentmail.web.account_responses import documented
from consentmail.web.api import client_ip, user_agent
from consentmail.web.auth import active_account_id

router = APIGatewayRouter()
TAGS = ["contacts"]


def _caller() -> str:
    """The caller's account id, from verified claims; a closed account's token answers 401."""
    return active_account_id(router, services.accounts(), now())


def _visitor() -> Visitor:
    return Visitor(ip=client_ip(router), user_agent=user_agent(router))


@router.post(
    "/lists/<list_id>/contacts",
    status_code=201,
    tags=TAGS,
    summary="Add a contact",
    responses=documented(201, ContactOut, 404),
)
def add_contact(list_id: str, request: Annotated[ContactIn, Body()]) -> ContactOut:
    account_id = _caller()
    return ContactOut.of(services.contacts().add(account_id, list_id, request, _visitor(), now()))


@router.post(
    "/lists/<list_id>/contacts/import",
    tags=TAGS,
    summary="Import contacts from CSV",
    responses=documented(200, ImportResult, 404, 413),
    description=(
        "Body: `text/csv` with a header row (`email`, `first_name`, `last_name`, `tracking_consent`, "
        "optional `consent_source`, `consent_obtained_at`, `consent_text`; other columns become "
        f"attributes). At most {MAX_ROWS:,} rows (413 beyond: import a larger file with "
        f"{LARGE_IMPORT_ROUTE}). Bad rows are reported, good rows kept."
    ),
)
def import_contacts(
    list_id: str,
    consent_source: Annotated[str | None, Query(max_length=200)] = None,
    consent_text: Annotated[str | None, Query(max_length=2000)] = None,
    consent_obtained_at: Annotated[datetime | None, Query()] = None,
) -> ImportResult:
    account_id = _caller()
    event = router.current_event
    # The bytes as sent: the import detects the file's encoding itself (UTF-8, UTF-16, cp1252).
    raw = event.body or ""
    body = base64.b64decode(raw) if event.is_base64_encoded else raw.encode()
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"An import body holds at most {MAX_BODY_BYTES // (1024 * 1024)} MB.")
    at = now()
    proof = default_proof(at, consent_source, consent_text, consent_obtained_at)
    outcome = import_csv(services.contacts(), account_id, list_id, body, proof, _visitor(), at)
    return ImportResult(imported=outcome.imported, rejected=outcome.rejected)


@router.get(
    "/lists/<list_id>/contacts/export",
    tags=TAGS,
    summary="Export the whole list (CSV or JSON)",
    responses={
        **documented(200, ContactExport, 404),
        200: {
            "description": "The whole list, as CSV (the default) or JSON",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"model": ContactExport},
            },
        },
    },
)
def export_contacts(list_id: str, format: Annotated[Literal["csv", "json"], Query()] = "csv"):  # noqa: A002
    account_id = _caller()
    at = now()
    mailing_list, contacts = services.contacts().export(account_id, list_id, at)
    filename = f"contacts-{mailing_list.list_id}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
    if format == "csv":
        return Response(200, "text/csv; charset=utf-8", contacts_csv(contacts), headers)
    export = ContactExport(
        list_id=mailing_list.list_id, exported_at=at, items=[ContactOut.of(c) for c in contacts]
    )
    return Response(200, "application/json", json.dumps(export.model_dump(mode="json")), headers)


@router.get(
    "/lists/<list_id>/contacts",
    tags=TAGS,
    summary="A page of the list's contacts",
    responses=documented(200, ContactPage, 404),
)
def get_contacts(
    list_id: str,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    status: Annotated[ContactStatus | None, Query(description="only contacts with this status")] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=254,
            description="an exact address, or the start of an address, first name, last name or full name",
        ),
    ] = None,
) -> ContactPage:
    account_id = _caller()
    contacts, next_cursor = services.contacts().page(
        account_id, list_id, cursor, now(), limit, status=status, q=q
    )
    return ContactPage(items=[ContactOut.of(c) for c in contacts], next_cursor=next_cursor)


@router.get(
    "/lists/<list_id>/contacts/<contact_id>",
    tags=TAGS,
    summary="One contact",
    responses=documented(200, ContactOut, 404),
)
def get_contact(list_id: str, contact_id: str) -> ContactOut:
    account_id = _caller()
    return ContactOut.of(services.contacts().get(account_id, list_id, contact_id, now()))


@router.patch(
    "/lists/<list_id>/contacts/<contact_id>",
    tags=TAGS,
    summary="Edit a contact",
    responses=documented(200, ContactOut, 404),
)
def patch_contact(list_id: str, contact_id: str, patch: Annotated[ContactPatch, Body()]) -> ContactOut:
    account_id = _caller()
    updated = services.contacts().update(account_id, list_id, contact_id, patch, _visitor(), now())
    return ContactOut.of(updated)


@router.delete(
    "/lists/<list_id>/contacts/<contact_id>",
    status_code=204,
    tags=TAGS,
    summary="Delete a contact, its consent records and its events",
    responses=documented(204, None, 404),
)
def delete_contact(list_id: str, contact_id: str) -> Response[None]:
    account_id = _caller()
    services.contacts().delete(account_id, list_id, contact_id, now())
    return Response(204, None, "")
