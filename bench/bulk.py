"""A large import and a large export end to end in local mode, measured (`python -m bench --only
bulk --merge`): local mode started in this process with the AWS meter and the timed invoker (as
the campaign benchmark does), an account holder and a list through the HTTP routes, then

- the import: `POST /lists/{id}/imports`, the CSV file of ROWS rows PUT to its presigned URL with
  plain HTTP, the upload's S3 event through the import queue to the importer, `GET …/imports/{id}`
  polled until `done`;
- the export: `POST /lists/{id}/exports {"format": "csv"}`, the exporter, the status polled until
  `done`, the file downloaded with a plain GET of its URL.

Each phase reports rows per second (wall time in local mode: every function and the emulator in
one Python process on this machine) and a cost per 1,000 rows from the requests it made:

- S3 requests by class (PUT/COPY/POST/LIST and GET/HEAD; DELETE is free), the file's day of
  storage and, for the export, its download out of AWS;
- SQS requests (64 KB chunks; the upload's event, continuations, export requests, and the event
  source mapping's receives and deletes of them; empty polls are idle cost, priced with the
  campaign's);
- DynamoDB read and write request units, computed from item sizes by the meter (bench/meter.py);
- Lambda requests and GB-seconds from the stated model of bench/latency.py: our code's measured
  time scaled to the function's share of a vCPU, plus each AWS call at its modelled latency; the
  importer's contact puts run 16 at a time (BulkContacts._create), so they are modelled as
  a sixteenth of their latency each;
- API Gateway: one request to start, one status read to learn it is done (a client polling more
  often pays more).

KMS requests are left out: the bucket uses S3 bucket keys, so S3 asks KMS for a data key about
once per bucket key and not per object."""

import csv
import io
import math
import sys
import time
import urllib.request

from bench import cost, latency, meter, prices
from bench.campaign import Api, BenchLocalMode, LogBytes, Phase, _expect, phase_summary, progress
from bench.lambdas import base_function, configured_memory
from bench.meter import AwsMeter
from consentmail.core.routes import Function
from consentmail.store.accounts import _PARALLEL_PUTS, BulkContacts
from infra.local.runtime import free_port
from tests.local.flows import emailed_token

REGION = "eu-west-3"
ROWS = 100_000
# One row in a thousand is refused (not an address), so the rejection path is in the figures.
BAD_EVERY = 1_000
POLL_SECONDS = 0.5
S3_TIER1 = {"PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload", "ListObjectsV2"}
S3_TIER2 = {"GetObject", "HeadObject"}
MONTH_DAYS = 30.44
# The functions a large import or export runs.
PRICED = {Function.ACCOUNTS.value, Function.IMPORTER.value, Function.EXPORTER.value}


def csv_file(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["email", "first_name", "last_name", "tracking_consent", "city"])
    for n in range(rows):
        address = "not an address" if n % BAD_EVERY == BAD_EVERY - 1 else f"reader{n:07d}@example.org"
        writer.writerow([address, "Reader", str(n), "true" if n % 2 else "false", "Lyon"])
    return out.getvalue().encode()


class PooledPuts:
    """The importer's contact puts run on a thread pool, where the meter cannot see whose they are:
    while a pool runs, its requests are the importer's, and its wall time is the invocation's time
    waiting on AWS."""

    def __init__(self):
        self.puts = 0
        self._owner: str | None = None
        self._real_create = BulkContacts._create
        self._real_current = meter.current_function

    def install(self) -> None:
        pooled = self

        def current_function() -> str:
            return getattr(meter._current, "function", None) or pooled._owner or meter.OUTSIDE

        def create(repository, contacts, ledger, written):
            record = getattr(meter._current, "invocation", None)
            pooled._owner = getattr(meter._current, "function", None)
            started = time.perf_counter()
            try:
                return pooled._real_create(repository, contacts, ledger, written)
            finally:
                pooled._owner = None
                new = sum(1 for c in contacts if c.contact_id not in written)
                pooled.puts += new
                if record is not None:
                    record.aws_seconds += time.perf_counter() - started
                    record.aws_calls += new

        meter.current_function = current_function
        BulkContacts._create = create

    def uninstall(self) -> None:
        meter.current_function = self._real_current
        BulkContacts._create = self._real_create

    def reset(self) -> int:
        puts, self.puts = self.puts, 0
        return puts


def _put(url: str, data: bytes) -> None:
    # A content type of its own: without one, urllib says form data, which the emulator's web
    # server reads as a form (S3 itself stores the bytes either way).
    request = urllib.request.Request(url, data=data, method="PUT", headers={"Content-Type": "text/csv"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=600) as answer:  # noqa: S310 - the emulator's URL
        if answer.status != 200:
            raise RuntimeError(f"upload answered {answer.status}")


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=600) as answer:  # noqa: S310 - the emulator's URL
        return answer.read()


def _until_finished(api: Api, path: str, what: str, timeout: float = 7200) -> tuple[dict, int]:
    """The status once done (or failed), and how many times it was read."""
    deadline = time.monotonic() + timeout
    reads = 0
    last = -1
    while time.monotonic() < deadline:
        status = _expect(api.call("GET", path), 200, what)
        reads += 1
        if status["status"] in ("done", "failed"):
            return status, reads
        done = status.get("imported", 0) + status.get("rejected_count", 0)
        if "imported" in status and done // 10_000 != last // 10_000:
            progress(f"{what}: {done:,} of {status.get('rows', 0):,} rows")
            last = done
        time.sleep(POLL_SECONDS)
    raise RuntimeError(f"{what} did not finish in {timeout:.0f} s")


def run_bulk(rows: int = ROWS) -> dict:
    aws_meter = AwsMeter(REGION)
    logs = LogBytes()
    pooled = PooledPuts()
    saved_stdout = sys.stdout
    sys.stdout = logs
    mode = BenchLocalMode(aws_meter, port=free_port(), region=REGION, purge_interval=10**7)
    try:
        mode.start()
        pooled.install()
        aws_meter.capture_ses = False
        progress(f"local mode started at {mode.urls.base}")
        return _run(mode, aws_meter, logs, pooled, rows)
    finally:
        sys.stdout = saved_stdout
        pooled.uninstall()
        mode.stop()
        aws_meter.uninstall()


def _run(mode: BenchLocalMode, aws_meter: AwsMeter, logs: LogBytes, pooled: PooledPuts, rows: int) -> dict:
    api = Api(mode.urls.base)
    invoker = mode.invoker
    owner = {
        "email": "bulk-owner@example.com",
        "password": "Bench-pass-2026",
        "first_name": "Olivia",
        "last_name": "Owner",
        "country": "FR",
        "accept_privacy_policy": "2026-11",
    }
    _expect(api.call("POST", "/accounts", owner), 201, "create account")
    api.call(
        "POST",
        "/accounts/verify",
        {"token": emailed_token(api.client, owner["email"], "Verify your email address")},
    )
    login = _expect(
        api.call("POST", "/auth/login", {"email": owner["email"], "password": owner["password"]}),
        200,
        "login",
    )
    api.token = login["id_token"]
    list_id = _expect(
        api.call("POST", "/lists", {"name": "Bulk", "from_email": "news@example.com"}), 201, "list"
    )["list_id"]
    data = csv_file(rows)
    progress(f"a {rows:,}-row file of {len(data) / 2**20:.1f} MB")
    # The verification email's SES events are the setup's, not the import's.
    mode.simulator.wait_idle(30)

    # -- the import ----------------------------------------------------------------------------
    aws_meter.reset(), invoker.reset(), logs.reset(), pooled.reset()
    api.requests = {}
    started = time.perf_counter()
    created = _expect(api.call("POST", f"/lists/{list_id}/imports", {}), 201, "create import")
    _put(created["upload_url"], data)
    uploaded = time.perf_counter()
    status, reads = _until_finished(api, f"/lists/{list_id}/imports/{created['import_id']}", "import")
    seconds = time.perf_counter() - started
    if status["status"] != "done":
        raise RuntimeError(f"the import failed: {status.get('error')}")
    imported = phase_summary(Phase(seconds, aws_meter.reset(), invoker.reset(), logs.reset(), api.requests))
    imported |= {
        "rows": status["rows"],
        "imported": status["imported"],
        "rejected": status["rejected_count"],
        "file_bytes": len(data),
        "upload_seconds": uploaded - started,
        "status_reads": reads,
        "pooled_puts": pooled.reset(),
    }
    progress(
        f"imported {status['imported']:,} rows in {seconds:.0f} s ({status['rows'] / seconds:.0f} rows/s)"
    )

    # -- the export ----------------------------------------------------------------------------
    api.requests = {}
    started = time.perf_counter()
    asked = _expect(api.call("POST", f"/lists/{list_id}/exports", {"format": "csv"}), 202, "create export")
    status, reads = _until_finished(api, f"/lists/{list_id}/exports/{asked['export_id']}", "export")
    written = time.perf_counter()
    if status["status"] != "done":
        raise RuntimeError(f"the export failed: {status.get('error')}")
    body = _get(status["download_url"])
    seconds = time.perf_counter() - started
    exported = phase_summary(Phase(seconds, aws_meter.reset(), invoker.reset(), logs.reset(), api.requests))
    exported |= {
        "rows": status["rows"],
        "file_bytes": len(body),
        "write_seconds": written - started,
        "status_reads": reads,
        "pooled_puts": pooled.reset(),
    }
    progress(f"exported {status['rows']:,} rows in {seconds:.0f} s ({status['rows'] / seconds:.0f} rows/s)")
    return {"rows": rows, "import": imported, "export": exported}


# -- the cost model ---------------------------------------------------------------------------------


def _memory(function: str) -> int:
    """The function's memory as its construct deploys it (read from the source, no synthesis)."""
    explicit, default = configured_memory()
    return explicit.get(function, default)


def _lambda(phase: dict, start_and_one_read: int) -> tuple[float, float, dict]:
    """(Lambda requests, GB-seconds, the model's figures per function) of a phase. The accounts
    function is counted for `start_and_one_read` invocations (its share of the phase's)."""
    calls: dict[str, list[dict]] = {}
    for call in phase["calls"]:
        calls.setdefault(base_function(call["function"]), []).append(call)
    requests = gb_seconds = 0.0
    model: dict[str, dict] = {}
    for name, f in phase["functions"].items():
        if name not in PRICED:
            continue
        memory = _memory(name)
        share = 1.0
        if name == Function.ACCOUNTS.value:
            share = min(1.0, start_and_one_read / f["invocations"])
        our_code = max(0.0, f["seconds"] - f["aws_seconds"]) / latency.cpu_share(memory) * share
        waiting = sum(
            c["requests"] * latency.of(c["service"], c["operation"]).ms / 1000 for c in calls.get(name, [])
        )
        if name == Function.IMPORTER.value:
            # The contact puts go 16 at a time: each waits a sixteenth of its latency.
            put = latency.of("dynamodb", "PutItem").ms / 1000
            waiting -= phase["pooled_puts"] * put * (1 - 1 / _PARALLEL_PUTS)
        waiting *= share
        invocations = f["invocations"] * share
        seconds = our_code + waiting + 0.0005 * invocations
        requests += invocations
        gb_seconds += seconds * memory / 1024
        model[name] = {
            "memory_mb": memory,
            "invocations": invocations,
            "our_code_seconds": our_code,
            "aws_wait_seconds": waiting,
            "seconds": seconds,
        }
    return requests, gb_seconds, model


# The transfers' functions and queues, as their alarms name them (infra/constructs/monitoring.py).
TRANSFER_FUNCTIONS = (Function.IMPORTER.value, Function.EXPORTER.value)
TRANSFER_ALARMS = tuple(f"consentmail-{name}-" for name in TRANSFER_FUNCTIONS) + (
    "consentmail-import-dlq",
    "consentmail-export-dlq",
)


def fixed_monthly(deployed: dict | None) -> dict[str, float]:
    """The monthly costs the transfers add whatever the rows, counted in the synthesized templates
    (deployed.count()) and priced as bench/cost.py prices the stack's: the alarm metrics of the
    importer's and exporter's alarms and of their dead-letter queues', and the idle polls of the
    event source mappings feeding them. They add no key: the bucket and queues use the one key.
    Empty without templates counted by this version of deployed.py."""
    variant = (deployed or {}).get("default") or {}
    if "alarms" not in variant:
        return {}
    alarms = {name: n for name, n in variant["alarms"].items() if name.startswith(TRANSFER_ALARMS)}
    mappings = [name for name in variant["event_sources"] if name in TRANSFER_FUNCTIONS]
    lines = {
        "alarms": sum(alarms.values()) * prices.CLOUDWATCH_ALARM.usd,
        "idle_queue_polling": len(mappings)
        * cost.IDLE_POLLERS
        * (cost.MONTH_SECONDS / cost.LONG_POLL_SECONDS)
        * prices.SQS_REQUEST.usd,
    }
    counts = {"alarm_metrics": sum(alarms.values()), "event_source_mappings": len(mappings)}
    return {**lines, "total": sum(lines.values()), "counts": counts}


def price(summary: dict, deployed: dict | None = None) -> dict:
    """USD per 1,000 rows of each phase, by line, and the phase's rows per second."""
    result: dict = {}
    for name in ("import", "export"):
        phase = summary[name]
        rows = phase["rows"]
        s3_calls = {c["operation"]: 0 for c in phase["calls"] if c["service"] == "s3"}
        for call in phase["calls"]:
            if call["service"] == "s3":
                s3_calls[call["operation"]] += call["requests"]
        # The account holder's own request with the presigned URL (plain HTTP, no SDK to count it).
        by_url = "PutObject" if name == "import" else "GetObject"
        s3_calls[by_url] = s3_calls.get(by_url, 0) + 1
        tier1 = sum(n for op, n in s3_calls.items() if op in S3_TIER1)
        tier2 = sum(n for op, n in s3_calls.items() if op in S3_TIER2)
        # S3's own SendMessage of the upload's event to the import queue is billed too.
        sqs = sum(phase["sqs_billed_requests"].values()) + (1 if name == "import" else 0)
        rru = sum(t["rru"] for t in phase["dynamodb"].values())
        wru = sum(t["wru"] + t["gsi_wru"] for t in phase["dynamodb"].values())
        requests, gb_seconds, model = _lambda(phase, start_and_one_read=2)
        gb = phase["file_bytes"] / 2**30
        lines = {
            "s3_requests": tier1 * prices.S3_TIER1_REQUEST.usd + tier2 * prices.S3_TIER2_REQUEST.usd,
            "s3_storage_one_day": gb * prices.S3_STORAGE_GB_MONTH.usd / MONTH_DAYS,
            "s3_download": gb * prices.DATA_TRANSFER_OUT_GB.usd if name == "export" else 0.0,
            "sqs": sqs * prices.SQS_REQUEST.usd,
            "dynamodb_writes": wru * prices.DYNAMODB_WRU.usd,
            "dynamodb_reads": rru * prices.DYNAMODB_RRU.usd,
            "lambda_requests": requests * prices.LAMBDA_REQUEST.usd,
            "lambda_duration": gb_seconds * prices.LAMBDA_ARM_GB_SECOND.usd,
            "api_gateway": 2 * prices.API_GATEWAY_REST.usd,
        }
        per_1000 = {line: usd / rows * 1000 for line, usd in lines.items()}
        result[name] = {
            "rows": rows,
            "seconds": phase["seconds"],
            "rows_per_s": rows / phase["seconds"],
            "per_1000_usd": per_1000,
            "total_per_1000_usd": sum(per_1000.values()),
            "s3_requests": {"tier1": tier1, "tier2": tier2, "by_operation": s3_calls},
            "sqs_billed_requests": sqs,
            "dynamodb": {"rru": rru, "wru": wru, "wru_per_row": wru / rows, "rru_per_row": rru / rows},
            "lambda": {"requests": requests, "gb_seconds": gb_seconds, "model": model},
            "gb_seconds_per_1000": gb_seconds / rows * 1000,
            "invocations": {f: v["invocations"] for f, v in phase["functions"].items() if f in PRICED},
            "file_mb": phase["file_bytes"] / 2**20,
        }
        if name == "import":
            result[name]["rows_imported"] = phase["imported"]
            result[name]["rows_rejected"] = phase["rejected"]
    result["fixed_monthly_usd"] = fixed_monthly(deployed)
    result["million_rows_usd"] = {
        name: result[name]["total_per_1000_usd"] * 1000 for name in ("import", "export")
    }
    assert math.isfinite(result["import"]["total_per_1000_usd"])
    return result
