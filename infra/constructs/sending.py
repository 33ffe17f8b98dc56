"""Campaign sending: `POST /campaigns/{id}/send` queues one fan-out message; the fanout function
splits the list into batches of recipients on the send queue; the sender renders and sends each
batch through SES. Both consume SQS with partial batch responses, so one failed message is
retried alone, and with reserved concurrency, so sending never starves the API and the sender
stays within the SES send rate."""

from aws_cdk import aws_lambda_event_sources as sources
from constructs import Construct

from consentmail.core.routes import Function
from consentmail.core.settings import PREFIX
from consentmail.core.tables import Table as T
from consentmail.sending.models import BATCH_SIZE
from consentmail.sending.sender import TIME_RESERVE
from infra.constructs.function import ServiceFunction
from infra.constructs.queues import FANOUT_TIMEOUT, SENDER_TIMEOUT
from infra.constructs.shared import ServiceResources

MAX_SEND_RATE_VARIABLE = PREFIX + "MAX_SEND_RATE"
FANOUT_CONCURRENCY = 2
SENDER_CONCURRENCY = 2
MAX_SENDER_BATCH = 10


def sender_rate(max_send_rate: float) -> float:
    """Each sender container paces itself to this, so all of them together stay within the
    account's SES rate."""
    return max_send_rate / SENDER_CONCURRENCY


def sender_batch(max_send_rate: float) -> int:
    """SQS messages per sender invocation: as many as one container can send at its rate before
    its timeout (minus the margin), so a batch is not handed back again and again into the DLQ."""
    usable = SENDER_TIMEOUT.to_seconds() - TIME_RESERVE
    fits = int(usable * sender_rate(max_send_rate) // BATCH_SIZE)
    return max(1, min(MAX_SENDER_BATCH, fits))


class Sending(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, shared: ServiceResources, max_send_rate: float
    ) -> None:
        super().__init__(scope, construct_id)
        queues = shared.queues

        self.fanout = ServiceFunction(
            self,
            "Fanout",
            function=Function.FANOUT,
            description="Splits a campaign send into recipient batches",
            layers=shared.layers,
            environment=shared.environment,
            timeout=FANOUT_TIMEOUT,
            reserved_concurrency=FANOUT_CONCURRENCY,
        )
        role = self.fanout.role
        shared.read_write(self.fanout, T.CAMPAIGNS)
        shared.read(self.fanout, T.CONTENT, T.LISTS, T.CONTACTS)
        queues.send.grant_send_messages(role)
        self.fanout.function.add_event_source(
            sources.SqsEventSource(
                queues.fanout,
                batch_size=1,
                report_batch_item_failures=True,
                max_concurrency=FANOUT_CONCURRENCY,
            )
        )
        self.fanout.acknowledge_wildcards()

        self.sender = ServiceFunction(
            self,
            "Sender",
            function=Function.SENDER,
            description="Renders and sends campaign emails through SES",
            layers=shared.layers,
            environment={**shared.environment, MAX_SEND_RATE_VARIABLE: f"{sender_rate(max_send_rate):g}"},
            timeout=SENDER_TIMEOUT,
            reserved_concurrency=SENDER_CONCURRENCY,
        )
        role = self.sender.role
        shared.read_write(self.sender, T.CAMPAIGNS, T.EVENTS)
        shared.read(self.sender, T.CONTENT, T.LISTS, T.CONTACTS, T.SUPPRESSION)
        shared.secret.grant_read(role)
        shared.mailing.grant_send(role)
        self.sender.function.add_event_source(
            sources.SqsEventSource(
                queues.send,
                batch_size=sender_batch(max_send_rate),
                report_batch_item_failures=True,
                max_concurrency=SENDER_CONCURRENCY,
            )
        )
        self.sender.acknowledge_wildcards()
