"""The ses_webhook function's service: the SNS endpoint, verifying against the configured topics
and regions."""

from consentmail.core.container import per_container
from consentmail.core.settings import get_settings
from consentmail.ses_events.sns_verify import SnsVerifier
from consentmail.ses_events.webhook import SesWebhook


@per_container
def webhook() -> SesWebhook:
    settings = get_settings()
    return SesWebhook(SnsVerifier(settings.sns_topic_arns, settings.sns_regions))
