"""SES sending events into consentmail: the configuration set's SNS topic invokes ses_events
directly; ses_webhook is the same processing behind POST /webhooks/ses, for topics the operator
subscribes over HTTPS (another region, identity notifications). Both write events, statistics,
suppression, and notify account holders."""

from aws_cdk import Duration
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from consentmail.routes import Function
from consentmail.tables import Table as T
from infra.constructs.capabilities import API_TIMEOUT
from infra.constructs.function import ServiceFunction
from infra.constructs.queues import dead_letter_queue
from infra.constructs.shared import ServiceResources
from infra.timeouts import timeout_seconds

EVENT_TABLES = (T.EVENTS, T.CONTACTS, T.CAMPAIGNS, T.SUPPRESSION, T.ACCOUNTS)
# Identity notifications carry no tags: their source address is matched to the lists it sends for.
LOOKUP_TABLES = (T.LISTS,)


class SesEvents(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, shared: ServiceResources) -> None:
        super().__init__(scope, construct_id)
        # SNS invokes the function asynchronously: what still fails after Lambda's retries is kept
        # here (and alarmed on) instead of being dropped.
        self.dead_letters = dead_letter_queue(self, "DeadLetters", shared.messaging_key)
        self.events = ServiceFunction(
            self,
            "Events",
            function=Function.SES_EVENTS,
            description="SES sending events from the configuration set's topic",
            layers=shared.layers,
            environment=shared.environment,
            timeout=Duration.seconds(timeout_seconds(Function.SES_EVENTS)),
            dead_letter_queue=self.dead_letters,
        )
        shared.read_write(self.events, *EVENT_TABLES)
        shared.read(self.events, *LOOKUP_TABLES)
        # Addresses in SES events are matched to contacts by their keyed hash.
        shared.secret.grant_read(self.events.role)
        shared.mailing.events_topic.add_subscription(subscriptions.LambdaSubscription(self.events.function))
        self.events.acknowledge_wildcards()

        self.webhook = ServiceFunction(
            self,
            "Webhook",
            function=Function.SES_WEBHOOK,
            description="SES events posted by SNS over HTTPS (signature verified)",
            layers=shared.layers,
            environment=shared.environment,
            timeout=API_TIMEOUT,
        )
        shared.read_write(self.webhook, *EVENT_TABLES)
        shared.read(self.webhook, *LOOKUP_TABLES)
        shared.secret.grant_read(self.webhook.role)
        self.webhook.acknowledge_wildcards()
