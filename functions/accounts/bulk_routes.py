"""The large import and export routes: create an import and get its upload URL, read its progress;
ask for an export and get its download URL once it is done. The work is the importer's and the
exporter's (queue-driven functions); these routes only start it and report on it."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from consentmail.audience.models import (
    ExportCreated,
    ExportIn,
    ExportStatus,
    ImportCreated,
    ImportIn,
    ImportStatus,
)
from consentmail.composition import accounts as services
from consentmail.core.clock import now
from consentmail.core.records import Visitor
from consentmail.web.account_responses import documented
from consentmail.web.api import client_ip, user_agent
from consentmail.web.auth import active_account_id

router = APIGatewayRouter()
TAGS = ["contacts"]


def _caller() -> str:
    """The caller's account id, from verified claims; a closed account's token answers 401."""
    return active_account_id(router, services.accounts(), now())


@router.post(
    "/lists/<list_id>/imports",
    status_code=201,
    tags=TAGS,
    summary="Start a large import (up to 1,000,000 rows): get a URL to upload the CSV file to",
    responses=documented(201, ImportCreated, 404),
    description=(
        "PUT the CSV file to `upload_url` before `expires_at` (e.g. `curl --upload-file contacts.csv "
        '"$upload_url"`); the import starts when the file arrives, and '
        "`GET /lists/{list_id}/imports/{import_id}` follows it. The file's columns, encodings and "
        "per-row rules are the synchronous import's. The optional body is the consent proof of rows "
        "without proof columns (the import itself by default)."
    ),
)
def create_import(
    list_id: str, request: Annotated[ImportIn | None, Body()] = None
) -> Response[ImportCreated]:
    account_id = _caller()
    visitor = Visitor(ip=client_ip(router), user_agent=user_agent(router))
    job, url = services.imports().create(account_id, list_id, request or ImportIn(), visitor, now())
    created = ImportCreated(import_id=job.import_id, upload_url=url, expires_at=job.upload_expires_at)
    return Response(201, "application/json", created, {"Cache-Control": "no-store"})


@router.get(
    "/lists/<list_id>/imports/<import_id>",
    tags=TAGS,
    summary="A large import's progress: rows, imported, rejected (the first 1,000 with line and reason)",
    responses=documented(200, ImportStatus, 404),
)
def get_import(list_id: str, import_id: str) -> ImportStatus:
    account_id = _caller()
    return ImportStatus.of(services.imports().status(account_id, list_id, import_id, now()))


@router.post(
    "/lists/<list_id>/exports",
    status_code=202,
    tags=TAGS,
    summary="Start a large export (CSV or JSON) of the whole list",
    responses=documented(202, ExportCreated, 404),
    description="`GET /lists/{list_id}/exports/{export_id}` gives its download URL once it is done.",
)
def create_export(list_id: str, request: Annotated[ExportIn, Body()]) -> Response[ExportCreated]:
    account_id = _caller()
    job = services.exports().request(account_id, list_id, request.format, now())
    return Response(202, "application/json", ExportCreated(export_id=job.export_id))


@router.get(
    "/lists/<list_id>/exports/<export_id>",
    tags=TAGS,
    summary="A large export's status, and its download URL once done (the file is gone within 24 h)",
    responses=documented(200, ExportStatus, 404),
)
def get_export(list_id: str, export_id: str) -> Response[ExportStatus]:
    account_id = _caller()
    job, url, expires = services.exports().status(account_id, list_id, export_id, now())
    status = ExportStatus(
        export_id=job.export_id,
        status=job.status,
        format=job.format,
        rows=job.rows,
        download_url=url,
        expires_at=expires,
        error=job.error,
        created_at=job.created_at,
    )
    return Response(200, "application/json", status, {"Cache-Control": "no-store"})
