"""Hot paths: p50 and p99 of the handler itself, in-process, for the open pixel, the click
redirect and POST /subscribe, with every AWS call answered by botocore's Stubber so that only our
code is timed (parsing, token verification, the verdict, building requests and responses,
logging).

The answers the Stubber gives are recorded, not written by hand: each path runs once against an
in-process moto (`mock_aws`, provisioned by local mode's own code) with real data — a list, a
contact who allows tracking, a sent campaign — and the AWS responses it got, in order and per
client, are queued again before each timed call. The signing secret is read once before timing
(Powertools caches it for 5 minutes, as in a warm container), so no timed call fetches it."""

import copy
import logging
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import boto3
from botocore import xform_name
from botocore.stub import Stubber

REGION = "eu-west-3"
PUBLIC_URL = "https://mail.example.com"
CALLS = 2_000
WARMUP = 20
READER_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Thunderbird/128.0"


class _Discard:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


@dataclass
class Recorded:
    service: str
    method: str
    response: dict | None
    error: dict | None


class Recorder:
    """The AWS responses a call got, in order (typed values, before boto3's resource layer turns
    them into Python ones)."""

    def __init__(self):
        self.calls: list[Recorded] = []
        self.active = False

    def install(self, session) -> None:
        session.events.register_first("after-call.dynamodb", self._dynamodb)
        session.events.register("after-call", self._other)

    def _dynamodb(self, parsed, model, **_kwargs) -> None:
        self._record(parsed, model)

    def _other(self, parsed, model, **_kwargs) -> None:
        if model.service_model.service_name != "dynamodb":
            self._record(parsed, model)

    def _record(self, parsed, model) -> None:
        if not self.active:
            return
        parsed = copy.deepcopy(parsed)
        metadata = parsed.pop("ResponseMetadata", {})
        error = parsed.pop("Error", None)
        if error:
            error = {**error, "status": metadata.get("HTTPStatusCode", 400)}
        self.calls.append(
            Recorded(
                model.service_model.service_name, xform_name(model.name), None if error else parsed, error
            )
        )


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _clients() -> dict[str, object]:
    """The clients our code calls AWS through: DynamoDB via the tables' resource, others by name."""
    from consentmail.adapters import aws_clients

    return {
        "dynamodb": aws_clients._resource().meta.client,
        **{name: aws_clients.client(name) for name in ("sesv2", "sqs", "sns", "secretsmanager")},
    }


def _time(call: Callable[[], dict], recorded: list[Recorded], calls: int, check: Callable[[dict], bool]):
    clients = _clients()
    stubbers = {service: Stubber(client) for service, client in clients.items()}
    for recording in recorded:
        if recording.service not in stubbers:
            raise RuntimeError(f"no stubbed client for {recording.service}")
    made = [0]

    def count(**_kwargs) -> None:
        made[0] += 1

    for client in clients.values():
        client.meta.events.register("before-parameter-build", count)
    for stubber in stubbers.values():
        stubber.activate()
    samples: list[float] = []
    try:
        for _ in range(WARMUP + calls):
            for recording in recorded:
                stubber = stubbers[recording.service]
                if recording.error:
                    stubber.add_client_error(
                        recording.method,
                        service_error_code=recording.error.get("Code", ""),
                        service_message=recording.error.get("Message", ""),
                        http_status_code=recording.error["status"],
                    )
                else:
                    # A fresh copy each time: boto3's resource layer rewrites the response in place.
                    stubber.add_response(recording.method, copy.deepcopy(recording.response))
            made[0] = 0
            started = time.perf_counter()
            result = call()
            samples.append(time.perf_counter() - started)
            if made[0] != len(recorded):
                # A path that swallows errors (the pixel) must still have taken the recorded path.
                raise RuntimeError(f"{made[0]} AWS calls instead of the {len(recorded)} recorded")
            if not check(result):
                raise RuntimeError(f"unexpected answer under the Stubber: {str(result)[:300]}")
            for stubber in stubbers.values():
                stubber.assert_no_pending_responses()
    finally:
        for stubber in stubbers.values():
            stubber.deactivate()
        for client in clients.values():
            client.meta.events.unregister("before-parameter-build", count)
    return samples[WARMUP:]


def measure(calls: int = CALLS, progress=lambda message: None) -> dict:
    from moto import mock_aws

    saved_environ = dict(os.environ)
    saved_stdout = sys.stdout
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": REGION,
            "POWERTOOLS_SERVICE_NAME": "consentmail",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
    )
    # The functions log to stdout as in Lambda; their lines are written, then thrown away.
    sys.stdout = _Discard()
    for handler in logging.getLogger("consentmail").handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(sys.stdout)
    try:
        with mock_aws():
            boto3.setup_default_session()
            return _measure(calls, progress)
    finally:
        from consentmail.core import container

        sys.stdout = saved_stdout
        os.environ.clear()
        os.environ.update(saved_environ)
        container.reset_all()
        boto3.setup_default_session()


def _measure(calls: int, progress) -> dict:
    from consentmail.core import container
    from infra.local.provision import provision

    provisioned = provision(REGION, PUBLIC_URL)
    os.environ.update(provisioned.environment)
    container.reset_all()
    recorder = Recorder()
    recorder.install(boto3.DEFAULT_SESSION)

    from consentmail.core.records import MailingList
    from consentmail.store.lists import ListRepository
    from functions.subscription import handler as subscription
    from functions.tracking import handler as tracking
    from tests.http_events import FakeContext, api_event
    from tests.tracking_helpers import click_token, create_campaign, open_token, sent_to

    mailing_list = MailingList(
        list_id="list-bench",
        account_id="account-bench",
        name="Benchmark news",
        from_email="news@example.com",
        from_name="Benchmark news",
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
    )
    ListRepository().create(mailing_list)
    create_campaign(mailing_list)
    # Two readers: the warm-up call opens and clicks as the first, the recorded one as the second,
    # so what is timed is a first open and a first click (the most work a hit does).
    sent_at = datetime.now(UTC) - timedelta(hours=1)
    readers = [sent_to(mailing_list, f"reader{n}@example.org", sent_at=sent_at) for n in range(2)]
    pixel_tokens = [open_token(contact) for contact in readers]
    click_tokens = [click_token(contact, "https://example.com/articles/1") for contact in readers]
    headers = {"User-Agent": READER_AGENT}
    context = FakeContext()
    calls_made = {"o": 0, "c": 0}

    def hit(kind: str, token: str) -> dict:
        event = api_event("GET", f"/t/{kind}/{token}", resource=f"/t/{kind}/{{token}}", headers=headers)
        event["pathParameters"] = {"token": token}
        return tracking.handler(event, context)

    def first_then_second(kind: str, tokens: list[str]) -> str:
        calls_made[kind] += 1
        return tokens[0] if calls_made[kind] == 1 else tokens[1]

    def pixel() -> dict:
        return hit("o", first_then_second("o", pixel_tokens))

    def redirect() -> dict:
        return hit("c", first_then_second("c", click_tokens))

    counter = iter(range(10**9))

    def subscribe() -> dict:
        body = {
            "list_id": mailing_list.list_id,
            "email": f"new{next(counter)}@example.org",
            "consent": True,
            "first_name": "Ada",
        }
        return subscription.handler(api_event("POST", "/subscribe", body=body), context)

    paths = {
        "pixel": (pixel, lambda r: r["statusCode"] == 200),
        "redirect": (redirect, lambda r: r["statusCode"] == 302),
        "subscribe": (subscribe, lambda r: r["statusCode"] == 202),
    }
    results: dict = {}
    for name, (call, check) in paths.items():
        call()  # warm: imports, the cached secret, the service objects
        recorder.calls.clear()
        recorder.active = True
        first = call()
        recorder.active = False
        if not check(first):
            raise RuntimeError(f"{name} failed against the emulator: {str(first)[:300]}")
        recorded = list(recorder.calls)
        samples = _time(call, recorded, calls, check)
        results[name] = {
            "p50_ms": 1000 * percentile(samples, 0.50),
            "p99_ms": 1000 * percentile(samples, 0.99),
            "mean_ms": 1000 * statistics.fmean(samples),
            "calls": len(samples),
            "aws_calls_stubbed": [
                f"{r.service}.{r.method}" + (f" -> {r.error['Code']}" if r.error else "") for r in recorded
            ],
        }
        progress(
            f"{name}: p50 {results[name]['p50_ms']:.2f} ms, p99 {results[name]['p99_ms']:.2f} ms "
            f"({len(recorded)} AWS calls stubbed)"
        )
    return results
