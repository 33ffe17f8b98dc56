"""The statistics route of the accounts function, as a Powertools Router the accounts handler
includes: `GET /campaigns/{campaign_id}/stats`, exactly the contract's fields and rates
(consentmail.campaigns.stats). Another account's campaign answers 404 like an unknown one."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from consentmail.campaigns.stats import CampaignStats, campaign_stats
from consentmail.core.clock import now
from consentmail.core.errors import NotFound
from consentmail.store.campaigns import CampaignRepository
from consentmail.web.auth import account_id

router = APIGatewayRouter()

CampaignId = Annotated[str, Path(min_length=1, max_length=100)]


@router.get("/campaigns/<campaign_id>/stats")
def get_campaign_stats(campaign_id: CampaignId) -> CampaignStats:
    caller = account_id(router)  # type: ignore[arg-type]  # a Router exposes current_event too
    if CampaignRepository().get_for_account(caller, campaign_id, now()) is None:
        raise NotFound("There is no campaign with this id.")
    return campaign_stats(campaign_id)
