"""An erasure against every writer that could bring the address back, in threads against the
in-process emulator, each writer called as its function is (a PATCH or an import to the accounts
function, a form post or a link to the subscription function, a pixel to the tracking function,
an SES event to ses_events, a send batch to the sender).

The interleavings are chosen, not left to chance: a writer starts after the erasure's k-th
DynamoDB request and from then on makes one request for every three of the erasure's, k running
over every third request of the erasure up to its last deletion. Whatever a writer reads and
whatever it then writes, for some k one of the erasure's requests falls in between. And once per
writer the whole erasure runs between the writer's last read and its first write, where the
writer must lose, with the answer the HTTP contract gives for data that does not exist.

Once every trial is done, every item of every table is read: nothing may hold a trial's address
or its contact ids, and its keyed hash only what the erasure keeps on purpose (the `ERASED`
suppression, its tombstone for an hour, the subject request; docs/retention.md).

moto applies a DynamoDB request in several steps without a lock (a failed transaction even puts
back whole tables copied at its start, undoing what other threads wrote meanwhile), where
DynamoDB applies each request atomically: `Turns` lets one request through at a time, which
restores that guarantee and chooses the order."""

import json
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import count
from math import inf

import pytest
from moto.dynamodb.responses import DynamoHandler

import functions.sender.handler as sender_function
from consentmail.audience.contacts import ERASED_REFUSAL, ContactService
from consentmail.audience.models import ContactIn
from consentmail.campaigns.models import CampaignCreate
from consentmail.campaigns.service import CampaignService
from consentmail.composition import sender as sender_services
from consentmail.core import tokens
from consentmail.core.addresses import email_hash
from consentmail.core.clock import now
from consentmail.core.links import Recipient, open_url, preferences_url, recipient_claims
from consentmail.core.records import Contact, RequestType, Visitor
from consentmail.core.retention import EMAILED_LINK
from consentmail.core.tokens import Purpose
from consentmail.sending.models import SendBatch
from consentmail.sending.pacing import RateLimiter
from consentmail.sending.sender import Sender
from consentmail.store.contacts import ContactRepository, contact_id_for
from consentmail.store.events import EventRepository
from consentmail.store.list_counts import COUNT_KEY_MARKER
from consentmail.store.requests import RequestRepository
from consentmail.store.suppression import ERASED, TOMBSTONE, SuppressionRepository
from consentmail.subject_requests.service import SubjectRequestService
from consentmail.subscription.models import SubscribeRequest
from consentmail.subscription.service import SubscriptionService
from functions.ses_events.handler import handler as ses_events_handler
from functions.subscription.handler import handler as subscription_handler
from functions.tracking.handler import handler as tracking_handler
from tests.accounts_helpers import call, create_list, signed_in
from tests.http_events import FakeContext, api_event, headers_of, load_event
from tests.integration.conftest import moto_aws
from tests.stored_items import every_item
from tests.tracking_helpers import ses_event, sqs_lambda_event

VISITOR = Visitor(ip="203.0.113.9", user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0")
PROOF = {"source": "trade fair", "obtained_at": "2026-11-20T10:00:00Z", "text": "Yes, send me news"}
# A writer makes one request for every ERASURE_BLOCK of the erasure's, and starts after every
# ERASURE_BLOCK-th request of the erasure: between two requests of the writer fall at least
# ERASURE_BLOCK consecutive requests of the erasure, so each of those falls there in some trial.
ERASURE_BLOCK = 3
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")
DELETIONS = ("DeleteItem", "BatchWriteItem")


@dataclass
class Schedule:
    """Who may make the next request: the erasure `erasure_first` requests, then the writer
    `writer_block`, then the erasure `erasure_block`, and so on; once one has finished, the other
    goes on alone."""

    erasure: threading.Thread
    writer: threading.Thread
    erasure_first: float  # inf: the erasure alone, then the writer
    writer_block: float = 1
    erasure_block: float = ERASURE_BLOCK
    finished: set = field(default_factory=set)

    def __post_init__(self) -> None:
        self.turn, self.left = (
            (self.erasure, self.erasure_first) if self.erasure_first else (self.writer, self.writer_block)
        )

    def may_go(self, thread: threading.Thread) -> bool:
        other = self.writer if thread is self.erasure else self.erasure
        return self.turn is thread or other in self.finished

    def went(self, thread: threading.Thread) -> None:
        if thread is not self.turn:
            return
        self.left -= 1
        if self.left <= 0:
            if thread is self.erasure:
                self.turn, self.left = self.writer, self.writer_block
            else:
                self.turn, self.left = self.erasure, self.erasure_block


class Turns:
    """Every DynamoDB request one at a time, in the order a `Schedule` gives the two threads of a
    race (others go when the lock is free), each thread's operations recorded in order."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.changed = threading.Condition()
        self.operations: dict[threading.Thread, list[str]] = defaultdict(list)
        self.schedule: Schedule | None = None

    def wrap(self, call_action: Callable) -> Callable:
        turns = self

        def one_at_a_time(handler):
            thread = threading.current_thread()
            with turns.changed:
                schedule = turns.schedule
                if schedule and thread in (schedule.erasure, schedule.writer):
                    assert turns.changed.wait_for(lambda: schedule.may_go(thread), timeout=20), "stuck"
            with turns.lock:
                try:
                    return call_action(handler)
                finally:
                    with turns.changed:
                        turns.operations[thread].append(handler.get_endpoint_name(handler.headers) or "")
                        if schedule:
                            schedule.went(thread)
                        turns.changed.notify_all()

        return one_at_a_time

    def run(self, erasure: Callable[[], None], writer: Callable[[], object], **schedule) -> object:
        """The erasure and the writer in two threads, in `schedule`'s order; the writer's answer."""
        answers: list = []
        raised: list[BaseException] = []

        def thread_of(body: Callable[[], object]) -> threading.Thread:
            def run() -> None:
                try:
                    answers.append(body())
                except BaseException as error:  # noqa: BLE001 - the test reports it
                    raised.append(error)
                finally:
                    with self.changed:
                        if self.schedule:
                            self.schedule.finished.add(threading.current_thread())
                        self.changed.notify_all()

            return threading.Thread(target=run)

        erasing, writing = thread_of(erasure), thread_of(writer)
        with self.changed:
            self.schedule = Schedule(erasing, writing, **schedule)
        try:
            erasing.start()
            writing.start()
            erasing.join(timeout=30)
            writing.join(timeout=30)
        finally:
            with self.changed:
                self.schedule = None
        if raised:
            raise raised[0]
        return next(answer for answer in answers if answer is not None)

    def alone(self, body: Callable[[], object]) -> list[str]:
        """The operations `body` makes, run alone in a thread of its own."""
        thread = threading.Thread(target=body)
        thread.start()
        thread.join(timeout=30)
        return self.operations[thread]


@dataclass
class World:
    turns: Turns
    owner: dict  # the account holder's claims
    held: str  # the list holding each trial's address when its erasure starts
    other: str  # a list a writer may add it to meanwhile
    campaign_id: str  # a campaign of `held`
    last_deletion: int = 0  # how many requests an erasure makes up to its last deletion

    @property
    def account_id(self) -> str:
        return self.owner["sub"]


@dataclass
class Trial:
    """One address, held on one list with its consent records (and the campaign sent to it,
    unless the writer is the sender), and a verified erasure request ready to be carried out."""

    address: str
    contact: Contact
    erasure_token: str
    other_list: str

    @property
    def hashed(self) -> str:
        return self.contact.email_hash

    @property
    def contact_ids(self) -> tuple[str, ...]:
        return self.contact.contact_id, contact_id_for(self.other_list, self.hashed)


@pytest.fixture(scope="module")
def world():
    with pytest.MonkeyPatch.context() as monkeypatch, moto_aws(monkeypatch):
        turns = Turns()
        monkeypatch.setattr(DynamoHandler, "call_action", turns.wrap(DynamoHandler.call_action))
        sender = Sender(limiter=RateLimiter(1000.0, sleep=lambda _: None), sleep=lambda _: None)
        monkeypatch.setattr(sender_services, "sender", lambda: sender)
        owner = signed_in("owner@example.com")
        held, other = (create_list(owner, name)["list_id"] for name in ("Held", "Other"))
        create = CampaignCreate(list_id=held, subject="News", html="<p>Hello</p>")
        campaign_id = CampaignService().create(owner["sub"], create, now()).campaign_id
        made = World(turns, owner, held, other, campaign_id)
        trial = new_trial(made, 0)
        erasure = turns.alone(lambda: erase(trial))
        made.last_deletion = max(n for n, operation in enumerate(erasure, start=1) if operation in DELETIONS)
        yield made


def new_trial(world: World, n: int, *, pending: bool = False, sent: bool = True) -> Trial:
    address = f"racer{n:04d}@example.org"
    at = now()
    if pending:
        subscribe = SubscribeRequest(list_id=world.held, email=address, consent=True, tracking_consent=True)
        SubscriptionService().subscribe(subscribe, VISITOR, at)
        contact = ContactRepository().get(world.held, contact_id_for(world.held, email_hash(address)), at)
    else:
        contact_in = ContactIn(email=address, first_name="Ada", tracking_consent=True, consent=PROOF)
        contact = ContactService().add(world.account_id, world.held, contact_in, VISITOR, at)
    if sent:
        events = EventRepository()
        marker = {"contact_id": contact.contact_id, "campaign_id": world.campaign_id}
        events.claim_send(**marker, account_id=world.account_id, list_id=world.held, tracked=True, at=at)
        events.finish_send(**marker, status="sent", message_id=f"message-{n}")
    request = RequestRepository().create(
        email_hash=contact.email_hash, email=address, request_type=RequestType.ERASURE, changes={}, at=at
    )
    claims = {"h": contact.email_hash, "r": request.request_id}
    token = tokens.issue(Purpose.SUBJECT_CONFIRM, claims, EMAILED_LINK.after(at))
    return Trial(address, contact, token, world.other)


def erase(trial: Trial) -> None:
    """The erasure as the confirmation's POST carries it out. Not through its function: Powertools'
    REST resolvers keep the current event in a class attribute, shared by every resolver of the
    process, which a Lambda process never runs two of at once, but two threads would."""
    assert SubjectRequestService().carry_out(trial.erasure_token, now()).done_now


# --- the writers, each answering as its function does ------------------------------------------


def token_in(url: str) -> str:
    return url.partition("token=")[2] or url.rpartition("/")[2]


def patch(world: World, trial: Trial) -> str:
    path = f"/lists/{world.held}/contacts/{trial.contact.contact_id}"
    return str(call("PATCH", path, claims=world.owner, body={"first_name": "Grace"}).status)


def import_(world: World, trial: Trial) -> str:
    body = f"email,first_name\r\n{trial.address},Grace\r\n"
    path = f"/lists/{world.other}/contacts/import"
    reply = call("POST", path, claims=world.owner, body=body, headers={"Content-Type": "text/csv"})
    assert reply.status == 200, reply.text
    summary = reply.json()
    return "imported" if summary["imported"] else "refused: " + summary["rejected"][0]["reason"]


def subscribe(world: World, trial: Trial) -> str:
    body = {"list_id": world.other, "email": trial.address, "consent": True, "tracking_consent": True}
    response = subscription_handler(api_event("POST", "/subscribe", body=body), FakeContext())
    return f"{response['statusCode']} {response['body']}"


def confirm(world: World, trial: Trial) -> str:
    claims = {**recipient_claims(trial.contact), "n": trial.contact.optin_nonce}
    token = tokens.issue(Purpose.CONFIRM, claims, EMAILED_LINK.after(now()))
    response = subscription_handler(api_event("POST", "/confirm", query={"token": token}), FakeContext())
    return str(response["statusCode"])


def preferences_post(contact: Contact) -> str:
    """The page a preference POST answers, its link's token left out (the page repeats it)."""
    token = token_in(preferences_url(contact, now()))
    event = api_event("POST", "/preferences", query={"token": token}, form={"first_name": "Grace"})
    response = subscription_handler(event, FakeContext())
    return f"{response['statusCode']} {response['body'].replace(token, '')}"


def preferences(world: World, trial: Trial) -> str:
    answer = preferences_post(trial.contact)
    # The page a link to no subscription at all gets.
    unknown = preferences_post(trial.contact.model_copy(update={"contact_id": "nobody"}))
    return "as unknown" if answer == unknown else answer[:3]


def tracking(world: World, trial: Trial) -> str:
    recipient = Recipient(world.account_id, world.campaign_id, world.held, trial.contact.contact_id)
    token = token_in(open_url(recipient, now() - timedelta(minutes=5)))
    event = api_event("GET", f"/t/o/{token}", resource="/t/o/{token}", path_params={"token": token})
    response = tracking_handler(event, FakeContext())
    return f"{response['statusCode']} {headers_of(response)['Content-Type']}"


def ses(name: str) -> Callable[[World, Trial], str]:
    def process(world: World, trial: Trial) -> str:
        event = ses_event(name, trial.contact, campaign_id=world.campaign_id)
        response = ses_events_handler(sqs_lambda_event(event), FakeContext())
        return "acknowledged" if response == {"batchItemFailures": []} else json.dumps(response)

    return process


def send(world: World, trial: Trial) -> str:
    batch = SendBatch(
        campaign_id=world.campaign_id,
        account_id=world.account_id,
        list_id=world.held,
        contact_ids=[trial.contact.contact_id],
    )
    record = {**load_event("sqs_send")["Records"][0], "body": batch.model_dump_json()}
    response = sender_function.handler({"Records": [record]}, FakeContext())
    return "done" if response == {"batchItemFailures": []} else json.dumps(response)


@dataclass(frozen=True)
class Writer:
    run: Callable[[World, Trial], str]
    lost: str  # its answer when it loses against the erasure
    won: tuple[str, ...] = ()  # its other answers, when it comes first
    pending: bool = False  # the held contact waits for its opt-in confirmation
    sent: bool = True  # the campaign was sent to it already


SUBSCRIBED = '202 {"status": "pending"}'
WRITERS = {
    "patch": Writer(patch, lost="404", won=("200",)),
    "import": Writer(import_, lost=f"refused: {ERASED_REFUSAL}", won=("imported",)),
    # The same answer whatever happens: a form reveals nothing about an address.
    "subscribe": Writer(subscribe, lost=SUBSCRIBED),
    "confirm": Writer(confirm, lost="400", won=("200",), pending=True),
    "preferences": Writer(preferences, lost="as unknown", won=("200",)),
    "tracking": Writer(tracking, lost="200 image/gif"),
    "ses_bounce": Writer(ses("ses_bounce_permanent"), lost="acknowledged"),
    "ses_delivery": Writer(ses("ses_delivery"), lost="acknowledged"),
    "finish_send": Writer(send, lost="done", sent=False),
}


def left_behind(trial: Trial, items: list[tuple[str, dict]]) -> list[str]:
    """What the stored items still hold of the trial's address, beyond what an erasure keeps."""
    found = []
    for table, item in items:
        text = json.dumps(item).lower()
        if table.endswith("receipts"):  # counts and dates (tests/stored_items.py)
            continue
        found += [
            f"{table} holds {value}: {item}" for value in (trial.address, *trial.contact_ids) if value in text
        ]
        scope = item.get("scope", {}).get("S")
        kept = table.endswith("requests") or (table.endswith("suppression") and scope in (ERASED, TOMBSTONE))
        if trial.hashed in text and not kept:
            found.append(f"{table} holds the keyed hash: {item}")
    if not SuppressionRepository().is_erased(trial.hashed, now()):
        found.append("no ERASED suppression")
    return found


def counted(items: list[tuple[str, dict]], list_id: str) -> dict[str, int]:
    """The list's contacts by status as its count shards hold them, summed (zeros left out)."""
    totals: Counter = Counter()
    for table, item in items:
        if table.endswith("lists") and item["list_id"]["S"].startswith(f"{list_id}{COUNT_KEY_MARKER}"):
            totals.update({name: int(value["N"]) for name, value in item.items() if "N" in value})
    return {status: total for status, total in totals.items() if total}


def holds(items: list[tuple[str, dict]], list_id: str) -> dict[str, int]:
    """The list's contacts by status, as the contacts table holds them."""
    return dict(
        Counter(
            item["status"]["S"]
            for table, item in items
            if table.endswith("contacts") and item["list_id"]["S"] == list_id
        )
    )


@pytest.mark.promise("rights.erasure")
@pytest.mark.parametrize("name", WRITERS)
def test_an_erasure_wins_against_every_concurrent_writer(world, name):
    writer, turns = WRITERS[name], world.turns
    numbers = count(1000 * (1 + list(WRITERS).index(name)))  # this writer's trials' addresses
    # Alone, first: where the writer first writes.
    trial = new_trial(world, next(numbers), pending=writer.pending, sent=writer.sent)
    writes = turns.alone(lambda: writer.run(world, trial))
    reads = next(n for n, operation in enumerate(writes) if operation in WRITES)

    trials, answers = [], Counter()
    # The writer joins the running erasure after every third of its requests up to its last
    # deletion...
    for start in range(0, world.last_deletion + 1, ERASURE_BLOCK):
        trial = new_trial(world, next(numbers), pending=writer.pending, sent=writer.sent)
        answers[
            turns.run(lambda t=trial: erase(t), lambda t=trial: writer.run(world, t), erasure_first=start)
        ] += 1
        trials.append(trial)
    # ... and the whole erasure runs between its reads and its first write: it must lose.
    trial = new_trial(world, next(numbers), pending=writer.pending, sent=writer.sent)
    between = (
        {"erasure_first": 0, "writer_block": reads, "erasure_block": inf} if reads else {"erasure_first": inf}
    )
    lost = turns.run(lambda: erase(trial), lambda: writer.run(world, trial), **between)
    trials.append(trial)

    items = every_item()
    left = {t.address: left_behind(t, items) for t in trials}
    assert {address: found for address, found in left.items() if found} == {}
    # Whoever won, the lists' counts are what the lists hold, read from their shards as stored
    # (a read of the counts would hide one below zero).
    for list_id in (world.held, world.other):
        assert counted(items, list_id) == holds(items, list_id), list_id
    assert lost == writer.lost
    assert set(answers) <= {writer.lost, *writer.won}, answers
