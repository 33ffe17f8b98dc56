"""Prices a measured campaign (campaign.run_summary) with prices.py: every line of the AWS bill
the campaign's emails cause, per 1,000 emails, and its ratio to SES's own $0.10.

What is counted and how:
- Lambda: every invocation (request fee) and its measured duration, rounded up to the
  millisecond, times the memory its CDK construct gives it (lambdas.configured_memory). Durations
  are wall-clock on this machine with the emulator answering in-process, so they include the
  emulator's time per request: an upper bound of what DynamoDB's few milliseconds would give.
- DynamoDB: read and write request units computed from item sizes (meter.py says how).
- SQS: billed requests (64 KB chunks); the pollers' empty receives are left out, since Lambda's
  event source mapping polls whatever is sent (a fixed monthly cost, not a per-email one), and
  its receives and deletes of real messages are counted.
- SNS: one publish per SES event the configuration set publishes, delivered raw to the SES events
  queue: one SQS request per event (SNS's send), plus a receive and a delete per batch that
  ses_events consumes (the local simulator hands the batches to the function directly, so these
  are counted from its invocations, not from emulator requests).
- API Gateway: each request, by front door (REST as deployed; what an HTTP API or a Lambda
  function URL in front of the tracking routes would cost is shown beside it).
- Secrets Manager: the calls counted. KMS: the emulator makes no KMS calls; DynamoDB, SQS and SNS
  cache their data keys for minutes, so KMS requests do not grow with the number of emails.
- CloudWatch Logs: the bytes the functions logged, plus API Gateway's access log line per request
  (ACCESS_LOG_BYTES, the configured JSON fields with typical values).
- X-Ray: tracing is active on every function and the API stage; the default sampling rule records
  1 request a second and 5% of the rest, so 5% of the invocations and requests are priced.
"""

from bench import prices
from bench.lambdas import configured_memory

ACCESS_LOG_BYTES = 330
XRAY_SAMPLED = 0.05


def _per_1000(value: float, emails: int) -> float:
    return value / emails * 1000 if emails else 0.0


def price_campaign(summary: dict) -> dict:
    phase = summary["campaign"]
    emails = summary["sent"]
    explicit, default = configured_memory()
    functions = phase["functions"]
    lines: dict[str, float] = {}

    invocations = sum(f["invocations"] for f in functions.values())
    lines["lambda_requests"] = invocations * prices.LAMBDA_REQUEST.usd
    gb_seconds = {
        name: f["billed_ms"] / 1000 * explicit.get(name, default) / 1024 for name, f in functions.items()
    }
    lines["lambda_duration"] = sum(gb_seconds.values()) * prices.LAMBDA_ARM_GB_SECOND.usd

    rru = sum(t["rru"] for t in phase["dynamodb"].values())
    wru = sum(t["wru"] + t["gsi_wru"] for t in phase["dynamodb"].values())
    lines["dynamodb_reads"] = rru * prices.DYNAMODB_RRU.usd
    lines["dynamodb_writes"] = wru * prices.DYNAMODB_WRU.usd

    ses_events = functions.get("ses_events", {})
    sns_publishes = ses_events.get("records", 0)
    event_queue_requests = sns_publishes + 2 * ses_events.get("invocations", 0)
    sqs_requests = sum(phase["sqs_billed_requests"].values()) + event_queue_requests
    lines["sqs"] = sqs_requests * prices.SQS_REQUEST.usd
    lines["sns"] = sns_publishes * prices.SNS_PUBLISH.usd

    api = phase["api_requests"]
    tracking_requests, other_requests = api.get("tracking", 0), api.get("api", 0)
    lines["api_gateway"] = (tracking_requests + other_requests) * prices.API_GATEWAY_REST.usd

    secrets = sum(c["requests"] for c in phase["calls"] if c["service"] == "secretsmanager")
    lines["secrets_manager"] = secrets * prices.SECRETS_MANAGER_CALL.usd

    log_bytes = sum(phase["log_bytes"].values()) + (tracking_requests + other_requests) * ACCESS_LOG_BYTES
    lines["cloudwatch_logs"] = log_bytes / 1e9 * prices.CLOUDWATCH_LOGS_GB.usd

    traces = XRAY_SAMPLED * (invocations + tracking_requests + other_requests)
    lines["xray"] = traces * prices.XRAY_TRACE.usd

    total = sum(lines.values())
    per_1000 = {name: _per_1000(value, emails) for name, value in lines.items()}
    infra = _per_1000(total, emails)
    api_share = _per_1000(lines["api_gateway"], emails)
    front_doors = {
        "rest_api": infra,
        "http_api_for_tracking": infra
        - _per_1000(tracking_requests * (prices.API_GATEWAY_REST.usd - prices.API_GATEWAY_HTTP.usd), emails),
        "function_url_for_tracking": infra
        - _per_1000(tracking_requests * prices.API_GATEWAY_REST.usd, emails),
    }
    aws_calls = sum(c["requests"] for c in phase["calls"])
    return {
        "emails": emails,
        "infra_per_1000_usd": infra,
        "ses_per_1000_usd": prices.SES_PER_1000.usd,
        "ratio": infra / prices.SES_PER_1000.usd,
        "goal_per_1000_usd": 0.02 * prices.SES_PER_1000.usd,
        "lines_per_1000_usd": per_1000,
        "api_gateway_per_1000_usd": api_share,
        "infra_per_1000_by_front_door_usd": front_doors,
        "per_email": {
            "lambda_invocations": invocations / emails,
            "lambda_gb_seconds": sum(gb_seconds.values()) / emails,
            "dynamodb_rru": rru / emails,
            "dynamodb_wru": wru / emails,
            "sqs_requests": sqs_requests / emails,
            "sns_publishes": sns_publishes / emails,
            "api_requests": (tracking_requests + other_requests) / emails,
            "log_bytes": log_bytes / emails,
            "aws_calls": aws_calls / emails,
        },
        "dynamodb_wru_per_email_by_table": {
            table: (t["wru"] + t["gsi_wru"]) / emails for table, t in phase["dynamodb"].items()
        },
        "dynamodb_gsi_wru_per_email_by_table": {
            table: t["gsi_wru"] / emails for table, t in phase["dynamodb"].items()
        },
        "dynamodb_rru_per_email_by_table": {
            table: t["rru"] / emails for table, t in phase["dynamodb"].items()
        },
        "memory_mb": {name: explicit.get(name, default) for name in functions},
        "memory_source": "infra/constructs: ServiceFunction's memory_size default, per-construct overrides",
    }


def _wru(phase: dict, function: str, operation: str, table: str | None = None) -> float:
    return sum(
        row["wru"]
        for row in phase.get("dynamodb_by_operation", [])
        if row["function"] == function
        and row["operation"] == operation
        and (table is None or row["table"] == table)
    )


def _rru(phase: dict, function: str, operation: str) -> float:
    return sum(
        row["rru"]
        for row in phase.get("dynamodb_by_operation", [])
        if row["function"] == function and row["operation"] == operation
    )


def proposals(summary: dict, priced: dict) -> list[dict]:
    """What each proposed change would save, per 1,000 emails, worked out from the measured
    figures of this run (each an estimate: it assumes the change removes exactly the requests,
    invocations, bytes or index writes named, and leaves the rest as measured)."""
    phase, emails = summary["campaign"], summary["sent"]
    if not emails:
        return []
    functions = phase["functions"]
    explicit, default = configured_memory()
    memory_gb = explicit.get("ses_events", default) / 1024
    by_kind = functions.get("ses_events", {}).get("by_kind", {})
    logged = phase.get("log_bytes_by_label", {})

    def event_costs(kind: str) -> tuple[float, float, float, float]:
        """(Lambda, logs, X-Ray, SNS) of the ses_events invocations for one SES event type."""
        figures = by_kind.get(kind, {})
        invocations = figures.get("invocations", 0)
        events = figures.get("records", invocations)
        lambda_usd = (
            invocations * prices.LAMBDA_REQUEST.usd
            + figures.get("billed_ms", 0) / 1000 * memory_gb * prices.LAMBDA_ARM_GB_SECOND.usd
        )
        logs = logged.get(f"ses_events ({kind})", 0) / 1e9 * prices.CLOUDWATCH_LOGS_GB.usd
        return (
            lambda_usd,
            logs,
            XRAY_SAMPLED * invocations * prices.XRAY_TRACE.usd,
            events * prices.SNS_PUBLISH.usd,
        )

    wru, rru = prices.DYNAMODB_WRU.usd, prices.DYNAMODB_RRU.usd
    send_lambda, send_logs, send_xray, send_sns = event_costs("Send")
    delivery_lambda, delivery_logs, delivery_xray, _ = event_costs("Delivery")
    send_units = sum(
        row["wru"] * wru + row["rru"] * rru
        for row in phase.get("dynamodb_by_operation", [])
        if row["function"] == "ses_events (Send)"
    )
    delivery_puts = _wru(phase, "ses_events (Delivery)", "PutItem")
    delivery_reads = _rru(phase, "ses_events (Delivery)", "GetItem")
    events_table = "consentmail-events"
    # Index writes of the items that stay once event items are gone: the send markers, the hits.
    gsi_kept = sum(
        row.get("gsi_wru", 0.0)
        for row in phase.get("dynamodb_by_operation", [])
        if row["table"] == events_table and row["function"] in ("sender", "tracking")
    )
    tracking_requests = phase["api_requests"].get("tracking", 0)
    counter_updates = _wru(phase, "ses_events (Delivery)", "UpdateItem", "consentmail-campaigns")
    delivery_invocations = by_kind.get("Delivery", {}).get("invocations", 0)
    delivery_events = by_kind.get("Delivery", {}).get("records", delivery_invocations)
    sender_batches = max(1, emails // 50)
    rows = [
        {
            "change": "Publish no Send events: drop ses.EmailSendingEvent.SEND from EVENTS in "
            "infra/constructs/mailing.py (the sender's marker already records the send and counts it)",
            "saves": send_lambda + send_logs + send_xray + send_sns + send_units,
        },
        {
            "change": "No event item per Delivery (the send marker's delivered_at is the record), and "
            "`tracked` read from `first_outcome` with ReturnValues=ALL_NEW instead of a `get_send` read: "
            "consentmail/ses_events/processing.py `_delivery`",
            "saves": delivery_puts * wru + delivery_reads * rru,
        },
        {
            "change": "SES events through SQS in batches of 10 (topic -> queue -> ses_events with "
            "BatchProcessor), one counter update per batch: infra/constructs/ses_events.py and "
            "functions/ses_events/handler.py",
            # What is left to save is the share of single-event invocations still made.
            "saves": max(0.0, 1 - delivery_events / max(1, 10 * delivery_invocations))
            * (delivery_lambda + delivery_xray + counter_updates * wru),
        },
        {
            "change": "ses_events logs one line per batch, not per event (`SES event processed` at DEBUG "
            "in functions/ses_events/handler.py)",
            "saves": 0.9 * delivery_logs,
        },
        {
            "change": "Tracking routes behind a Lambda function URL (or an HTTP API, $1.00/M) instead of "
            "the REST API: infra/constructs/api.py",
            "saves": tracking_requests * prices.API_GATEWAY_REST.usd,
        },
        {
            "change": "No by_expiry index on the events table: the purge finds expired send markers "
            "through one expiry-ledger item per send batch (consentmail/store/events.py, tables.py, "
            "purge/service.py); TTL stays the backstop",
            "saves": (gsi_kept - sender_batches * 1.0) * wru,
        },
        {
            "change": "Send marker written once: no `finish_send` update (the Delivery, Bounce or Reject "
            "event settles it, and the message tags map events to the contact without SES's message id): "
            "consentmail/sending/sender.py `_send_one`, consentmail/store/events.py",
            "saves": _wru(phase, "sender", "UpdateItem", events_table) * wru,
        },
        {
            "change": "Suppression check of a send batch eventually consistent (`ConsistentRead=False` in "
            "SuppressionRepository.of_many): half the read units",
            "saves": 0.5 * _rru(phase, "sender", "BatchGetItem") * rru,
        },
        {
            "change": "X-Ray: a sampling rule of 1% (or passive tracing) for ses_events and sender, "
            "the high-volume asynchronous functions (infra/constructs/function.py)",
            "saves": priced["lines_per_1000_usd"].get("xray", 0) * emails / 1000 * 0.8,
        },
    ]
    remaining = priced["infra_per_1000_usd"]
    for row in rows:
        row["saves_per_1000_usd"] = max(0.0, row.pop("saves")) / emails * 1000
        remaining -= row["saves_per_1000_usd"]
        row["infra_per_1000_after_usd"] = remaining
    return rows
