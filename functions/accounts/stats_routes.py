"""The statistics routes of the accounts function, as a Powertools Router the accounts handler
includes: `GET /campaigns/{campaign_id}/stats` (exactly the contract's fields and rates), its
timeline (`…/stats/timeline`: hourly for 72 hours after the send, daily after) and its link
counts (`…/stats/links`, in the campaign's link order), all from consentmail.campaigns.stats.
Another account's campaign answers 404 like an unknown one, and a closed account's token 401, as
on every account route."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from consentmail.campaigns.stats import CampaignStats, LinkStats, Timeline
from consentmail.composition import accounts as services
from consentmail.core.clock import now
from consentmail.web.account_responses import documented
from consentmail.web.auth import active_account_id

router = APIGatewayRouter()

CampaignId = Annotated[str, Path(min_length=1, max_length=100)]
TAGS = ["campaigns"]


@router.get("/campaigns/<campaign_id>/stats")
def get_campaign_stats(campaign_id: CampaignId) -> CampaignStats:
    at = now()
    caller = active_account_id(router, services.accounts(), at)
    return services.campaigns().stats(caller, campaign_id, at)


@router.get(
    "/campaigns/<campaign_id>/stats/timeline",
    tags=TAGS,
    summary="The campaign over time: hourly for 72 hours after the send, daily after",
    responses=documented(200, Timeline, 401, 404),
)
def get_campaign_timeline(campaign_id: CampaignId) -> Timeline:
    at = now()
    caller = active_account_id(router, services.accounts(), at)
    return services.campaigns().timeline(caller, campaign_id, at)


@router.get(
    "/campaigns/<campaign_id>/stats/links",
    tags=TAGS,
    summary="Clicks per link, in the campaign's link order",
    responses=documented(200, list[LinkStats], 401, 404),
)
def get_campaign_links(campaign_id: CampaignId) -> list[LinkStats]:
    at = now()
    caller = active_account_id(router, services.accounts(), at)
    return services.campaigns().links(caller, campaign_id, at)
