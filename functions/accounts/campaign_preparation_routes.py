"""The routes that prepare a campaign's send, as a Powertools Router the accounts handler includes:
preview (`GET /campaigns/{campaign_id}/preview?contact_id=`), test send (`POST …/test`), schedule
and unschedule (`POST`/`DELETE …/schedule`) and duplicate (`POST …/duplicate`).

Thin: the caller's (active) account from the verified claims, the body validated by its model, the
campaign service does the rest. Another account's campaign answers 404 like an unknown one;
expired content answers 410, a campaign no longer in the right state 409, a test beyond the day's
allowance 429, and a scheduler or SES that did not take the request 503 (nothing changed)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from consentmail.campaigns.models import (
    CampaignView,
    PreviewView,
    ScheduleAccepted,
    ScheduleRequest,
    TestSendAccepted,
    TestSendRequest,
)
from consentmail.composition import accounts as services
from consentmail.core.clock import now
from consentmail.web.account_responses import PROBLEM, documented
from consentmail.web.auth import account_id, active_account_id

router = APIGatewayRouter()
TAGS = ["campaigns"]

CampaignId = Annotated[str, Path(min_length=1, max_length=100)]


def _caller() -> str:
    return active_account_id(router, services.accounts(), now())


def _sender() -> str:
    """The caller's account id if it may send (open, with a verified address; else 403): a test
    send and a schedule send email as surely as `POST /send` does."""
    return services.accounts().sending_account(account_id(router), now()).account_id


def _problems(**described: str) -> dict:
    """Refusals beyond 404, by status: `_problems(s409="…")`."""
    return {int(code[1:]): {"description": text, "content": PROBLEM} for code, text in described.items()}


INVALID = "Invalid input: the errors name each field"
EXPIRED = "The campaign's content has expired: nothing to render, send or copy"


@router.get(
    "/campaigns/<campaign_id>/preview",
    tags=TAGS,
    summary="The email a contact of the list (or a sample contact) would get",
    responses={
        **documented(200, PreviewView, 404),
        **_problems(s409="The campaign's list no longer exists", s410=EXPIRED, s422=INVALID),
    },
)
def preview_campaign(
    campaign_id: CampaignId,
    contact_id: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
) -> PreviewView:
    return services.campaigns().preview(_caller(), campaign_id, contact_id, now())


@router.post(
    "/campaigns/<campaign_id>/test",
    status_code=202,
    tags=TAGS,
    summary="Send the rendered email, subject [Test], to my own address: no tracking, no statistics",
    responses={
        **documented(202, TestSendAccepted, 404, description="Sent"),
        **_problems(
            s409="The campaign's list no longer exists",
            s410=EXPIRED,
            s422="An address that is not your own verified address, or invalid input",
            s403="The account's email address is not verified yet",
            s429="More than 20 test emails today",
            s503="SES did not take the email; try again",
        ),
    },
)
def test_campaign(
    campaign_id: CampaignId, request: Annotated[TestSendRequest, Body()]
) -> Response[TestSendAccepted]:
    accepted = services.campaigns().test_send(_sender(), campaign_id, request.to, now())
    return Response(202, "application/json", accepted)


@router.post(
    "/campaigns/<campaign_id>/schedule",
    status_code=202,
    tags=TAGS,
    summary="Send the campaign at a time 5 minutes to 6 days out (or move its time)",
    responses={
        **documented(202, ScheduleAccepted, 404, description="Scheduled"),
        **_problems(
            s403="The account's email address is not verified yet",
            s409="The campaign has been sent, or its list no longer exists",
            s410=EXPIRED,
            s422="`at` is missing, has no offset, or is not 5 minutes to 6 days out",
            s503="The scheduler did not take the schedule; nothing changed",
        ),
    },
)
def schedule_campaign(
    campaign_id: CampaignId, request: Annotated[ScheduleRequest, Body()]
) -> Response[ScheduleAccepted]:
    accepted = services.campaigns().schedule(_sender(), campaign_id, request.at, now())
    return Response(202, "application/json", accepted)


@router.delete(
    "/campaigns/<campaign_id>/schedule",
    tags=TAGS,
    summary="Cancel the scheduled send: the campaign is a draft again",
    responses={
        **documented(200, CampaignView, 404, description="The campaign, a draft again"),
        **_problems(
            s409="The campaign is not scheduled (or its send has started)",
            s503="The scheduler did not remove the schedule; nothing changed",
        ),
    },
)
def unschedule_campaign(campaign_id: CampaignId) -> CampaignView:
    return services.campaigns().unschedule(_caller(), campaign_id, now())


@router.post(
    "/campaigns/<campaign_id>/duplicate",
    status_code=201,
    tags=TAGS,
    summary="A new draft with the same list and content",
    responses={
        **documented(201, CampaignView, 404, description="The new draft"),
        **_problems(s409="The campaign's list no longer exists", s410=EXPIRED),
    },
)
def duplicate_campaign(campaign_id: CampaignId) -> Response[CampaignView]:
    return Response(201, "application/json", services.campaigns().duplicate(_caller(), campaign_id, now()))
