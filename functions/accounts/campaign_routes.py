"""The campaign routes of the accounts function, as a Powertools Router the accounts handler
includes: CRUD on `/campaigns` and `POST /campaigns/{campaign_id}/send`.

Thin: the caller's (active) account from the verified claims, the request validated by its model,
the campaign service does the rest. Another account's campaign answers 404 like an unknown one. A
repeated send answers 202 with the campaign's current status (`sending` or `sent`) and sends
nothing again; a send of expired content or of a campaign whose list is gone answers 409, and a
send from an account whose address is not verified yet answers 403 (what to do in its detail)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel

from consentmail.campaigns.models import CampaignCreate, CampaignPatch, CampaignView
from consentmail.composition import accounts as services
from consentmail.core.clock import now
from consentmail.core.records import CampaignStatus
from consentmail.web.account_responses import PROBLEM, documented
from consentmail.web.auth import account_id, active_account_id

router = APIGatewayRouter()
TAGS = ["campaigns"]


def _caller() -> str:
    """The caller's account id, from verified claims; a closed account's token answers 401."""
    return active_account_id(router, services.accounts(), now())


class CampaignList(BaseModel):
    items: list[CampaignView]


class SendAccepted(BaseModel):
    status: CampaignStatus


def _refusal_409(description: str) -> dict:
    return {409: {"description": description, "content": PROBLEM}}


def _sender() -> str:
    """The caller's account id if it may send: open and with a verified address (else 403)."""
    return services.accounts().sending_account(account_id(router), now()).account_id


NOT_VERIFIED_403 = {
    403: {"description": "The account's email address is not verified yet", "content": PROBLEM}
}


@router.post("/campaigns", status_code=201, tags=TAGS, summary="Create a campaign (a draft)")
def create_campaign(request: Annotated[CampaignCreate, Body()]) -> Response[CampaignView]:
    return Response(201, "application/json", services.campaigns().create(_caller(), request, now()))


@router.get("/campaigns", tags=TAGS, summary="My campaigns, newest first")
def list_campaigns() -> CampaignList:
    return CampaignList(items=services.campaigns().of_account(_caller(), now()))


@router.get(
    "/campaigns/<campaign_id>",
    tags=TAGS,
    summary="One campaign",
    responses=documented(200, CampaignView, 404),
)
def get_campaign(campaign_id: str) -> CampaignView:
    return services.campaigns().get(_caller(), campaign_id, now())


@router.patch(
    "/campaigns/<campaign_id>",
    tags=TAGS,
    summary="Edit a draft campaign",
    responses={
        **documented(200, CampaignView, 404),
        **_refusal_409("The campaign is no longer a draft"),
    },
)
def update_campaign(campaign_id: str, patch: Annotated[CampaignPatch, Body()]) -> CampaignView:
    return services.campaigns().update(_caller(), campaign_id, patch, now())


@router.delete(
    "/campaigns/<campaign_id>",
    status_code=204,
    tags=TAGS,
    summary="Delete a campaign, its content and its counters",
    responses=documented(204, None, 404),
)
def delete_campaign(campaign_id: str) -> Response[None]:
    services.campaigns().delete(_caller(), campaign_id, now())
    return Response(204, None, "")


@router.post(
    "/campaigns/<campaign_id>/send",
    status_code=202,
    tags=TAGS,
    summary="Send the campaign once to every sendable contact of its list",
    responses={
        **documented(202, SendAccepted, 404, description="Sending (or already sent: nothing is sent again)"),
        **NOT_VERIFIED_403,
        **_refusal_409("The content has expired or the list no longer exists"),
    },
)
def send_campaign(campaign_id: str) -> Response[SendAccepted]:
    status = services.campaigns().start_send(_sender(), campaign_id, now())
    return Response(202, "application/json", SendAccepted(status=status))
