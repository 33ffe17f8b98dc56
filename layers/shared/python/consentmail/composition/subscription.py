"""The subscription function's services: subscribe, confirm and unsubscribe, and the recipient's
preferences. Both serve the function's routes, whose models import their modules at cold start
anyway."""

from consentmail.core.container import per_container
from consentmail.subscription.preferences import PreferencesService
from consentmail.subscription.service import SubscriptionService


@per_container
def subscription() -> SubscriptionService:
    return SubscriptionService()


@per_container
def preferences() -> PreferencesService:
    return PreferencesService()
