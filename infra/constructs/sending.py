"""Campaign sending: `POST /campaigns/{id}/send` queues one fan-out message; the fanout function
splits the list into batches of recipients on the send queue; the sender renders and sends each
batch through SES. Both consume SQS with partial batch responses, so one failed message is
retried alone, and with reserved concurrency, so sending never starves the API and the sender
stays within the SES send rate."""

from constructs import Construct

from consentmail.core.routes import Function
from consentmail.core.settings import PREFIX
from consentmail.core.tables import Table as T
from consentmail.sending.models import BATCH_SIZE
from consentmail.sending.sender import TIME_RESERVE
from infra.constructs.queues import FANOUT_TIMEOUT, SENDER_TIMEOUT
from infra.constructs.shared import Consumes, Needs, ServiceResources

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

        self.fanout = shared.function(
            self,
            "Fanout",
            function=Function.FANOUT,
            description="Splits a campaign send into recipient batches",
            timeout=FANOUT_TIMEOUT,
            reserved_concurrency=FANOUT_CONCURRENCY,
            needs=Needs(
                # A scheduled send starts here: it restarts the content's 6 days (as POST /send
                # does) and checks the account is still open.
                writes=(T.CAMPAIGNS, T.CONTENT),
                reads=(T.LISTS, T.CONTACTS, T.ACCOUNTS),
                send_to=(queues.send,),
            ),
            consumes=Consumes(queues.fanout, batch_size=1, max_concurrency=FANOUT_CONCURRENCY),
        )
        self.sender = shared.function(
            self,
            "Sender",
            function=Function.SENDER,
            description="Renders and sends campaign emails through SES",
            environment={MAX_SEND_RATE_VARIABLE: f"{sender_rate(max_send_rate):g}"},
            timeout=SENDER_TIMEOUT,
            reserved_concurrency=SENDER_CONCURRENCY,
            needs=Needs(
                writes=(T.CAMPAIGNS, T.EVENTS),
                reads=(T.CONTENT, T.LISTS, T.CONTACTS, T.SUPPRESSION),
                secret=True,
                email=True,
            ),
            consumes=Consumes(
                queues.send, batch_size=sender_batch(max_send_rate), max_concurrency=SENDER_CONCURRENCY
            ),
        )
