"""SES sending events into consentmail: the configuration set's SNS topic delivers each event
(raw) to an encrypted queue, which the ses_events function consumes in batches, so a batch's
counter updates are one write per campaign instead of one per email; ses_webhook is the same
processing behind POST /webhooks/ses, for topics the operator subscribes over HTTPS (another
region, identity notifications). Both write events, statistics, suppression, and notify account
holders."""

from aws_cdk import Duration
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from consentmail.core.routes import Function
from consentmail.core.tables import Table as T
from infra.constructs.capabilities import API_TIMEOUT
from infra.constructs.queues import work_queue
from infra.constructs.shared import Consumes, Needs, ServiceResources
from infra.timeouts import timeout_seconds

# What processing an SES event takes, the same through the queue and through the webhook.
EVENT_PROCESSING = Needs(
    writes=(T.EVENTS, T.CONTACTS, T.CAMPAIGNS, T.SUPPRESSION, T.ACCOUNTS),
    # Identity notifications carry no tags: their source address is matched to the lists it sends for.
    reads=(T.LISTS,),
    # A bounce or complaint moves the contact's status, and with it its list's counts.
    counts=(T.LISTS,),
    # Addresses in SES events are matched to contacts by their keyed hash.
    secret=True,
)
# SES events per invocation, and how long the event source waits to fill a batch.
EVENTS_BATCH = 10
EVENTS_BATCH_WINDOW = Duration.seconds(5)


class SesEvents(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, shared: ServiceResources) -> None:
        super().__init__(scope, construct_id)
        timeout = Duration.seconds(timeout_seconds(Function.SES_EVENTS))
        # Encrypted with the one key, as the topic is: SNS may use it for consentmail's topics only
        # (a source ARN pattern on the topics' fixed names, infra/constructs/key_users.py), which
        # needs no reference to the topic, so no cycle. What still fails after the queue's
        # redeliveries is kept in the dead-letter queue (and alarmed on) instead of being dropped.
        self.queue, self.dead_letters = work_queue(self, "Queue", shared.key, timeout)
        shared.mailing.events_topic.add_subscription(
            subscriptions.SqsSubscription(self.queue, raw_message_delivery=True)
        )
        self.events = shared.function(
            self,
            "Events",
            function=Function.SES_EVENTS,
            description="SES sending events from the configuration set's topic",
            timeout=timeout,
            needs=EVENT_PROCESSING,
            consumes=Consumes(self.queue, batch_size=EVENTS_BATCH, max_batching_window=EVENTS_BATCH_WINDOW),
        )
        self.webhook = shared.function(
            self,
            "Webhook",
            function=Function.SES_WEBHOOK,
            description="SES events posted by SNS over HTTPS (signature verified)",
            timeout=API_TIMEOUT,
            needs=EVENT_PROCESSING,
        )
