"""The list routes: create, read, edit and delete an account's mailing lists; every list read
carries its contacts' `counts` by status."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from consentmail.audience.models import ListIn, ListOut, ListPage, ListPatch
from consentmail.composition import accounts as services
from consentmail.core.clock import now
from consentmail.core.records import MailingList
from consentmail.web.account_responses import documented
from consentmail.web.auth import active_account_id

router = APIGatewayRouter()
TAGS = ["lists"]


def _caller() -> str:
    """The caller's account id, from verified claims; a closed account's token answers 401."""
    return active_account_id(router, services.accounts(), now())


def _with_counts(mailing_list: MailingList) -> ListOut:
    return ListOut.of(mailing_list, services.lists().counts([mailing_list]).get(mailing_list.list_id))


@router.post("/lists", status_code=201, tags=TAGS, summary="Create a list")
def create_list(request: Annotated[ListIn, Body()]) -> ListOut:
    account_id = _caller()
    return ListOut.of(services.lists().create(account_id, request, now()))  # counts all 0


@router.get("/lists", tags=TAGS, summary="My lists")
def get_lists() -> ListPage:
    account_id = _caller()
    lists = services.lists().of_account(account_id, now())
    counts = services.lists().counts(lists)
    return ListPage(items=[ListOut.of(m, counts.get(m.list_id)) for m in lists])


@router.get("/lists/<list_id>", tags=TAGS, summary="One list", responses=documented(200, ListOut, 404))
def get_list(list_id: str) -> ListOut:
    account_id = _caller()
    return _with_counts(services.lists().get(account_id, list_id, now()))


@router.patch("/lists/<list_id>", tags=TAGS, summary="Edit a list", responses=documented(200, ListOut, 404))
def patch_list(list_id: str, patch: Annotated[ListPatch, Body()]) -> ListOut:
    account_id = _caller()
    return _with_counts(services.lists().update(account_id, list_id, patch, now()))


@router.delete(
    "/lists/<list_id>",
    status_code=204,
    tags=TAGS,
    summary="Delete a list and its contacts",
    responses=documented(204, None, 404),
)
def delete_list(list_id: str) -> Response[None]:
    account_id = _caller()
    services.lists().delete(account_id, list_id, now())
    return Response(204, None, "")
