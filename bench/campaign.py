"""One campaign end to end in local mode, measured: local mode started in this process with its
own startup code (`LocalMode`), the AWS meter on every boto3 session and a timed invoker in place
of its own; then, through the gateway's HTTP routes only, a list of N contacts imported, a
campaign created and sent, every email's SES events delivered by the SES simulator, 20% of the
recipients opening (the open pixel) and 3% clicking (the click redirect), and the stats read once.

What is measured is the campaign (create, send, fan-out, sender, SES events, tracking, stats);
the import is setup, timed and counted apart. Local mode paces the sender to the SES sandbox
quota (14/s); the benchmark lifts the pace so it measures our code, not the quota."""

import email
import json
import logging
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from email.policy import default as default_policy

from bench.lambdas import Invocations, MeteredInvoker, base_function
from bench.meter import AwsMeter, Usage, current_function
from consentmail.core import container
from infra.local.runtime import LocalMode, free_port
from tests.local.flows import emailed_token
from tests.local.local_client import LocalClient

REGION = "eu-west-3"
OPEN_SHARE = 0.20
CLICK_SHARE = 0.03
IMPORT_ROWS = 1_000  # well below the route's 10,000-row limit: a request must finish within 29 s
UNPACED_RATE = "100000"
# A person's mail client: neither a scanner nor Apple's proxy (see consentmail.tracking.machine).
READER_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Thunderbird/128.0"
SCAN_WINDOW_SECONDS = 11
_PIXEL = re.compile(r'https?://[^"\s]+/t/o/[A-Za-z0-9_.~=-]+')
_CLICK = re.compile(r'https?://[^"\s]+/t/c/[A-Za-z0-9_.~=-]+')

HTML = """<html><body>
<h1>November news</h1>
<p>Hello {{first_name}}, here is what changed this month.</p>
<p><a href="https://example.com/articles/1">Read the first article</a></p>
<p><a href="https://example.com/articles/2">Read the second article</a></p>
<p>Thanks for reading.</p>
</body></html>"""
TEXT = "November news\n\nRead the first article: https://example.com/articles/1\n"


class LogBytes:
    """Stands in for stdout while local mode runs: counts the bytes each function logs (the
    CloudWatch Logs ingestion they would cost) and throws the lines away."""

    def __init__(self):
        self.by_function: dict[str, int] = {}
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        size = len(text.encode())
        with self._lock:
            name = current_function()
            self.by_function[name] = self.by_function.get(name, 0) + size
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def reset(self) -> dict[str, int]:
        self.capture()
        with self._lock:
            previous, self.by_function = self.by_function, {}
        return previous

    def capture(self, service: str = "consentmail") -> None:
        """Point the functions' log handlers here. Powertools binds sys.stdout when a Logger is
        first set up and keeps that handler for the service's logger, even across re-imports."""
        for handler in logging.getLogger(service).handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(self)


class BenchLocalMode(LocalMode):
    """LocalMode with the meter installed right after the emulator's fresh default session is
    made (before any client), and the timed invoker."""

    def __init__(self, aws_meter: AwsMeter, **kwargs):
        super().__init__(**kwargs)
        self.meter = aws_meter
        self.invoker = MeteredInvoker(self.region)

    def _start_emulator(self) -> None:
        super()._start_emulator()
        self.meter.install_everywhere()


@dataclass
class Phase:
    seconds: float
    usage: Usage
    invocations: Invocations
    log_bytes: dict[str, int]
    api_requests: dict[str, int] = field(default_factory=dict)


@dataclass
class CampaignRun:
    recipients: int
    startup_seconds: float
    setup: Phase
    campaign: Phase
    send_seconds: float  # send POST -> the last SendEmail
    sent: int
    opens: int
    clicks: int
    stats: dict
    errors: list[str] = field(default_factory=list)
    # What the campaign left stored, by table: the bytes it added (items and index entries).
    storage: dict = field(default_factory=dict)


def progress(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.__stderr__, flush=True)


def _tracking_urls(raw_body: bytes) -> tuple[str, str, str | None]:
    """(recipient, pixel URL, first click URL) of one SendEmail request body."""
    request = json.loads(raw_body)
    import base64

    raw = base64.b64decode(request["Content"]["Raw"]["Data"])
    message = email.message_from_bytes(raw, policy=default_policy)
    html = ""
    for part in message.walk():
        if part.get_content_type() == "text/html":
            html = part.get_content()
    pixel = _PIXEL.search(html)
    click = _CLICK.search(html)
    to = request["Destination"]["ToAddresses"][0]
    return to, pixel.group(0) if pixel else "", click.group(0) if click else None


class Api:
    """The gateway's HTTP routes, counting requests by front door (tracking vs the rest)."""

    def __init__(self, base_url: str):
        self.client = LocalClient(base_url)
        self.requests: dict[str, int] = {}
        self.token = ""

    def _count(self, path: str) -> None:
        kind = "tracking" if path.startswith(("/t/o/", "/t/c/")) or "/t/" in path else "api"
        self.requests[kind] = self.requests.get(kind, 0) + 1

    def call(self, method: str, path: str, data=None, body: bytes | None = None, headers=None):
        self._count(path)
        all_headers = dict(headers or {})
        if self.token:
            all_headers.setdefault("Authorization", f"Bearer {self.token}")
        if data is not None:
            body = json.dumps(data).encode()
            all_headers.setdefault("Content-Type", "application/json")
        answer = self.client.request(method, path, body, all_headers)
        self.client.answers.clear()
        return answer

    def hit(self, url: str):
        """A tracking hit as a person's mail client makes it (retried if throttled)."""
        for _ in range(20):
            self._count(url)
            answer = self.client.request("GET", url, headers={"User-Agent": READER_AGENT})
            self.client.answers.clear()
            if answer.status != 429:
                return answer
            time.sleep(0.5)
        return answer


def _expect(answer, status: int, what: str) -> dict:
    if answer.status != status:
        raise RuntimeError(f"{what}: expected {status}, got {answer.status}: {answer.body[:500]!r}")
    return answer.json() if answer.body else {}


def run_campaign(recipients: int, stall_seconds: float = 120) -> CampaignRun:
    aws_meter = AwsMeter(REGION)
    logs = LogBytes()
    saved_stdout = sys.stdout
    sys.stdout = logs  # Powertools loggers bind sys.stdout when the functions are imported
    mode = BenchLocalMode(aws_meter, port=free_port(), region=REGION, purge_interval=10**7)
    started = time.perf_counter()
    try:
        mode.start()
        startup = time.perf_counter() - started
        progress(f"local mode started in {startup:.1f} s at {mode.urls.base}")
        import os

        os.environ["CONSENTMAIL_MAX_SEND_RATE"] = UNPACED_RATE
        container.reset_all()
        return _run(mode, aws_meter, logs, recipients, startup, stall_seconds)
    finally:
        sys.stdout = saved_stdout
        mode.stop()
        aws_meter.uninstall()


def _run(
    mode: BenchLocalMode, aws_meter: AwsMeter, logs: LogBytes, recipients: int, startup: float, stall: float
) -> CampaignRun:
    api = Api(mode.urls.base)
    invoker: MeteredInvoker = mode.invoker
    # -- setup: sign in, a list, its contacts (not part of the campaign's cost) ------------------
    aws_meter.reset()
    invoker.reset()
    logs.reset()
    setup_started = time.perf_counter()
    owner = {
        "email": "owner@example.com",
        "password": "Bench-pass-2026",
        "first_name": "Olivia",
        "last_name": "Owner",
        "country": "FR",
        "company": "Benchmark SAS",
        "accept_privacy_policy": "2026-11",
    }
    _expect(api.call("POST", "/accounts", owner), 201, "create account")
    # No send before the address is verified: follow the emailed link, as the holder would.
    verify_token = emailed_token(api.client, owner["email"], "Verify your email address")
    api.call("POST", "/accounts/verify", {"token": verify_token})
    login = _expect(
        api.call("POST", "/auth/login", {"email": owner["email"], "password": owner["password"]}),
        200,
        "login",
    )
    api.token = login["id_token"]
    mailing_list = _expect(
        api.call(
            "POST",
            "/lists",
            {"name": "Benchmark news", "from_email": "news@example.com", "from_name": "Benchmark news"},
        ),
        201,
        "create list",
    )
    list_id = mailing_list["list_id"]
    for start in range(0, recipients, IMPORT_ROWS):
        rows = range(start, min(recipients, start + IMPORT_ROWS))
        csv = "email,first_name,last_name,tracking_consent\r\n" + "".join(
            f"reader{i:07d}@example.org,Reader,{i},true\r\n" for i in rows
        )
        imported = _expect(
            api.call(
                "POST",
                f"/lists/{list_id}/contacts/import",
                body=csv.encode(),
                headers={"Content-Type": "text/csv"},
            ),
            200,
            "import",
        )
        if imported.get("rejected"):
            raise RuntimeError(f"import rejected rows: {imported['rejected'][:3]}")
        if (start // IMPORT_ROWS) % 5 == 4 or start + IMPORT_ROWS >= recipients:
            progress(f"imported {min(recipients, start + IMPORT_ROWS):,} contacts")
    setup = Phase(
        time.perf_counter() - setup_started, aws_meter.reset(), invoker.reset(), logs.reset(), api.requests
    )
    api.requests = {}
    stored_before = aws_meter.items.stored(aws_meter.schemas)
    # -- the campaign -----------------------------------------------------------------------------
    campaign_started = time.perf_counter()
    campaign = _expect(
        api.call(
            "POST", "/campaigns", {"list_id": list_id, "subject": "November news", "html": HTML, "text": TEXT}
        ),
        201,
        "create campaign",
    )
    campaign_id = campaign["campaign_id"]
    send_started = time.perf_counter()
    _expect(api.call("POST", f"/campaigns/{campaign_id}/send"), 202, "send")
    last_count, last_change = 0, time.perf_counter()
    while True:
        count = len(aws_meter.usage.ses_raw)
        now = time.perf_counter()
        if count != last_count:
            if count // 1000 != last_count // 1000:
                progress(f"sent {count:,} emails ({count / (now - send_started):.0f}/s)")
            last_count, last_change = count, now
        if count >= recipients:
            break
        if now - last_change > stall:
            raise RuntimeError(f"sending stalled at {count} of {recipients} emails")
        time.sleep(0.2)
    send_seconds = aws_meter.usage.ses_raw[-1][0] - send_started
    progress(f"all {recipients:,} emails sent in {send_seconds:.1f} s; waiting for the SES events")
    if not mode.simulator.wait_idle(timeout=600):
        raise RuntimeError("the SES simulator did not deliver every event")
    # Hits come after the scan window (a hit within it is judged a machine's prefetch).
    time.sleep(max(0.0, SCAN_WINDOW_SECONDS - (time.perf_counter() - aws_meter.usage.ses_raw[-1][0])))
    sent_bodies = [body for _at, body in aws_meter.usage.ses_raw]
    urls = sorted(_tracking_urls(body) for body in sent_bodies)
    opens = clicks = 0
    errors: list[str] = []
    step_open = round(1 / OPEN_SHARE)
    clickers = round(CLICK_SHARE * 100)
    for index, (_to, pixel, click) in enumerate(urls):
        if index % step_open:
            continue
        answer = api.hit(pixel)
        opens += 1
        if answer.status != 200:
            errors.append(f"pixel answered {answer.status}")
        if (index // step_open) % (100 // step_open) < clickers and click:
            answer = api.hit(click)
            clicks += 1
            if answer.status != 302:
                errors.append(f"click answered {answer.status}")
    progress(f"{opens:,} opens and {clicks:,} clicks through the tracking routes")
    stats = _expect(api.call("GET", f"/campaigns/{campaign_id}/stats"), 200, "stats")
    campaign_phase = Phase(
        time.perf_counter() - campaign_started, aws_meter.reset(), invoker.reset(), logs.reset(), api.requests
    )
    stored_after = aws_meter.items.stored(aws_meter.schemas)
    storage = {
        table: {
            key: after[key] - stored_before.get(table, {}).get(key, 0)
            for key in ("items", "item_bytes", "index_entries", "index_bytes")
        }
        for table, after in stored_after.items()
    }
    return CampaignRun(
        recipients=recipients,
        startup_seconds=startup,
        setup=setup,
        campaign=campaign_phase,
        send_seconds=send_seconds,
        sent=len(sent_bodies),
        opens=opens,
        clicks=clicks,
        stats=stats,
        errors=sorted(set(errors)),
        storage=storage,
    )


def _billed_ms(seconds: float) -> int:
    """Lambda bills duration per started millisecond."""
    return max(1, -(-int(seconds * 1e6) // 1000))


def phase_summary(phase: Phase) -> dict:
    """A phase as plain data (what cost.py prices and benchmarks.json keeps)."""
    usage = phase.usage
    functions = {}
    for name in phase.invocations.functions():
        records = phase.invocations.of(name)
        durations = sorted(r.seconds for r in records)
        functions[name] = {
            "invocations": len(records),
            "records": sum(r.records for r in records),
            "seconds": sum(durations),
            "aws_seconds": sum(r.aws_seconds for r in records),
            "aws_calls": sum(r.aws_calls for r in records),
            "billed_ms": sum(_billed_ms(r.seconds) for r in records),
            "median_ms": 1000 * durations[len(durations) // 2],
        }
        kinds = sorted({r.kind for r in records if r.kind})
        if kinds:
            functions[name]["by_kind"] = {
                kind: {
                    "invocations": sum(1 for r in records if r.kind == kind),
                    "records": sum(r.records for r in records if r.kind == kind),
                    "billed_ms": sum(_billed_ms(r.seconds) for r in records if r.kind == kind),
                }
                for kind in kinds
            }
    log_bytes: dict[str, int] = {}
    for label, size in phase.log_bytes.items():
        log_bytes[base_function(label)] = log_bytes.get(base_function(label), 0) + size
    return {
        "seconds": phase.seconds,
        "calls": [
            {"function": fn, "service": service, "operation": op, "requests": n}
            for (fn, service, op), n in sorted(usage.calls_by_function.items())
        ],
        "errors": [
            {"service": s, "operation": o, "code": c, "requests": n}
            for (s, o, c), n in sorted(usage.errors.items())
        ],
        "dynamodb": {
            table: {"rru": units.rru, "wru": units.wru, "gsi_wru": units.gsi_wru}
            for table, units in sorted(usage.tables.items())
        },
        "dynamodb_by_function": {
            fn: {"rru": r, "wru": w} for fn, (r, w) in sorted(usage.units_by_function.items())
        },
        "dynamodb_by_operation": [
            {"function": fn, "operation": op, "table": table, "rru": r, "wru": w, "gsi_wru": g}
            for (fn, op, table), (r, w, g) in sorted(usage.units_by_operation.items())
        ],
        "sqs_billed_requests": dict(usage.sqs_billed),
        "sqs_empty_receives": usage.sqs_empty_receives,
        "functions": functions,
        "log_bytes": log_bytes,
        "log_bytes_by_label": dict(phase.log_bytes),
        "api_requests": dict(phase.api_requests),
    }


def run_summary(run: CampaignRun) -> dict:
    return {
        "recipients": run.recipients,
        "startup_seconds": run.startup_seconds,
        "send_seconds": run.send_seconds,
        "sent": run.sent,
        "opens": run.opens,
        "clicks": run.clicks,
        "stats": run.stats,
        "errors": run.errors,
        "storage": run.storage,
        "setup": phase_summary(run.setup),
        "campaign": phase_summary(run.campaign),
    }
