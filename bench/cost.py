"""Prices a measured campaign (campaign.run_summary) with prices.py: the whole AWS bill the
campaign's emails cause, per 1,000 emails, at 100k, 1M and 10M emails a month, against SES's own
price ($0.10 per 1,000, and $0.16 on SES's 2026 plan). The headline is the total at 1M a month.

What is counted and how:
- Per email, measured: Lambda requests; DynamoDB read and write units (meter.py); SQS requests
  (64 KB chunks; the pollers' empty receives are a fixed cost, below); one SNS publish per SES event
  and the SES events queue's send, receive and delete; API Gateway per request (REST, as deployed);
  Secrets Manager calls; CloudWatch Logs (the bytes logged plus an access log line per request).
- Lambda duration from latency.py's model, not the emulator's wall time: our code's measured time
  scaled to the function's share of a vCPU, plus each AWS call at its modelled latency; the sender
  is billed at least its paced time (SENDER_CONCURRENCY senders, each sending at
  `SEND_RATE / SENDER_CONCURRENCY` per second, are billed for the whole send window).
- DynamoDB storage at its steady state: the bytes a campaign leaves (items and index entries, plus
  DynamoDB's 100 bytes each; meter.EmulatorItems.stored) stay as long as their retention class
  (13 months for send markers, events and counters; 6 days for content), so a month's emails keep
  13 months' worth of storage billed; point-in-time recovery is billed on the tables that have it.
- Per month, modelled at each volume: Lambda INIT (billed since 2025-08-01): cold starts per month
  (COLD_STARTS below) × the measured cold start × memory; X-Ray: the default sampling rule records
  the first request each second and 5% of the rest, per entry point (the API stage, whose trace the
  function behind it joins, and each asynchronously invoked function whose tracing is active),
  over the seconds the requests are spread across (Poisson arrivals); the routes a sampling rule
  of rate 0 matches (the tracking routes, as deployed) and the functions that pass tracing
  through (the hot paths) record none, as counted in the synthesized templates.
- Fixed per month, counted from the synthesized templates (deployed.py): customer managed KMS keys,
  CloudWatch alarm metrics (an alarm is billed per metric it references, so a metric-math alarm
  over two metrics costs what two alarms do), the secret, WAF (on by default: its web ACL and the
  rules in it), the event source mappings' idle long polls, the hourly purge.
- WAF's $0.60 per million requests is a per-email line (every API request is inspected) while the
  default templates hold a web ACL. The totals without WAF (`waf=false`, the operator's option)
  are shown beside, from the templates synthesized that way.
KMS requests do not grow with emails (DynamoDB, SQS and SNS cache their data keys for minutes).
"""

import fnmatch
import math

from bench import latency, prices
from bench.lambdas import base_function, configured_memory

ACCESS_LOG_BYTES = 330
XRAY_RESERVOIR_PER_S = 1.0
XRAY_RATE = 0.05
MONTH_SECONDS = 30.44 * 86_400
MONTH_HOURS = MONTH_SECONDS / 3600
VOLUMES = {"100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}
HEADLINE = "1M"

# The send rate an SES production account is assumed to send at (its quota; the CDK parameter
# `max_send_rate`); the pipeline's modelled seconds depend on it. 14/s is SES's usual starting
# production quota and local mode's rate.
SEND_RATE = 14.0
# Campaign size assumed to turn a month's volume into campaigns (the benchmark's own).
CAMPAIGN_SIZE = 10_000
# Retention of what a campaign leaves stored, by table (consentmail.core.retention): statistics
# are event data, so counters go with the events; content is kept 6 days.
RETENTION_MONTHS = {"consentmail-content": 6 / 30.44}
EVENT_MONTHS = 13
# Lambda's event source mapping long-polls an idle queue (20 s) with 5 pollers (Lambda's SQS
# scaling starts at five concurrent batches; https://docs.aws.amazon.com/lambda/latest/dg/
# with-sqs.html); an assumption, as AWS publishes no idle request count.
IDLE_POLLERS = 5
LONG_POLL_SECONDS = 20
# The purge runs hourly; its duration is not part of the campaign, so it is an assumption (a few
# index queries and deletes) and it starts cold each time (an hour idle).
PURGE_SECONDS = 1.0
# Cold starts per month (an assumption, stated): each campaign starts the asynchronous functions
# at their maximum concurrency; the API functions start cold about once an hour they are in use
# (Lambda reclaims idle environments after minutes, which AWS does not publish), at most once per
# invocation.
ASYNC_CONCURRENCY = {"fanout": 2, "sender": 2, "ses_events": 2}
FALLBACK_INIT_SECONDS = 0.5


def _per_1000(value: float, emails: float) -> float:
    return value / emails * 1000 if emails else 0.0


def traced(requests: float, seconds: float) -> float:
    """Traces the default sampling rule records for `requests` spread evenly (Poisson) over
    `seconds`: the first request of each busy second, and 5% of the others."""
    if requests <= 0:
        return 0.0
    seconds = max(seconds, 1.0)
    busy = seconds * (1 - math.exp(-requests / seconds)) * XRAY_RESERVOIR_PER_S
    return busy + XRAY_RATE * max(0.0, requests - busy)


def _calls_by_function(phase: dict) -> dict[str, list[dict]]:
    calls: dict[str, list[dict]] = {}
    for call in phase["calls"]:
        calls.setdefault(base_function(call["function"]), []).append(call)
    return calls


def modelled_seconds(summary: dict, send_rate: float = SEND_RATE) -> dict[str, dict]:
    """Per function: the measured figures and the modelled billed seconds (latency.py)."""
    phase = summary["campaign"]
    explicit, default = configured_memory()
    calls = _calls_by_function(phase)
    emails = summary["sent"]
    result: dict[str, dict] = {}
    for name, f in phase["functions"].items():
        memory = explicit.get(name, default)
        our_code = max(0.0, f["seconds"] - f["aws_seconds"]) / latency.cpu_share(memory)
        waiting = sum(
            c["requests"] * latency.of(c["service"], c["operation"]).ms / 1000 for c in calls.get(name, [])
        )
        # Billed per started millisecond: half a millisecond per invocation on average.
        seconds = our_code + waiting + 0.0005 * f["invocations"]
        paced = 0.0
        if name == "sender" and send_rate:
            paced = emails * ASYNC_CONCURRENCY["sender"] / send_rate
            seconds = max(seconds, paced)
        result[name] = {
            "memory_mb": memory,
            "invocations": f["invocations"],
            "emulator_seconds": f["seconds"],
            "our_code_seconds": our_code,
            "aws_wait_seconds": waiting,
            "paced_seconds": paced,
            "seconds": seconds,
            "gb_seconds": seconds * memory / 1024,
        }
    return result


def _storage(summary: dict, pitr_tables: list[str]) -> tuple[float, dict[str, float]]:
    """(USD per email at steady state, bytes per email by table)."""
    emails = summary["sent"]
    usd = 0.0
    bytes_by_table: dict[str, float] = {}
    for table, stored in (summary.get("storage") or {}).items():
        added = max(0, stored["item_bytes"]) + max(0, stored["index_bytes"])
        if not added:
            continue
        per_email = added / emails
        bytes_by_table[table] = per_email
        months = RETENTION_MONTHS.get(table, EVENT_MONTHS)
        price = prices.DYNAMODB_STORAGE_GB_MONTH.usd
        if table in pitr_tables:
            price += prices.DYNAMODB_PITR_GB_MONTH.usd * max(0, stored["item_bytes"]) / added
        usd += per_email * months / 1e9 * price
    return usd, bytes_by_table


def fixed_monthly(deployed: dict | None, variant: str = "default") -> dict[str, float]:
    """The monthly costs that do not grow with emails, from the templates synthesized as deployed
    by default ("default", WAF on) or with `waf=false` ("without_waf"); empty without them."""
    templates = (deployed or {}).get(variant)
    if not templates:
        return {}
    counts = templates["resources"]
    lines = {
        "kms_keys": counts["AWS::KMS::Key"] * prices.KMS_KEY.usd,
        "cloudwatch_alarms": templates.get("alarm_metrics", counts["AWS::CloudWatch::Alarm"])
        * prices.CLOUDWATCH_ALARM.usd,
        "secrets": counts["AWS::SecretsManager::Secret"] * prices.SECRETS_MANAGER_SECRET.usd,
        "idle_queue_polling": counts["AWS::Lambda::EventSourceMapping"]
        * IDLE_POLLERS
        * (MONTH_SECONDS / LONG_POLL_SECONDS)
        * prices.SQS_REQUEST.usd,
        "waf": counts["AWS::WAFv2::WebACL"] * prices.WAF_WEB_ACL.usd
        + templates["waf_rules"] * prices.WAF_RULE.usd,
    }
    return lines


# A tracking hit's path, as the API stage reports it to X-Ray's sampling.
TRACKING_HIT_PATH = "/t/o/token"
HOT_FUNCTIONS = ("sender", "ses_events")


def xray_entry_points(deployed: dict | None) -> dict:
    """What X-Ray's default rule samples, as deployed: the tracking routes unless a sampling rule
    of rate 0 matches them, and the asynchronous functions whose tracing is active (without the
    templates: all of them)."""
    default = (deployed or {}).get("default") or {}
    tracing = default.get("tracing")
    untraced = default.get("untraced_paths") or []
    return {
        "tracking": not any(fnmatch.fnmatchcase(TRACKING_HIT_PATH, path) for path in untraced),
        "active": (
            {"fanout", "sender", "ses_events"}
            if tracing is None
            else {name for name, mode in tracing.items() if mode == "Active"}
        ),
    }


def price_campaign(
    summary: dict,
    cold_start: dict | None = None,
    deployed: dict | None = None,
    send_rate: float = SEND_RATE,
) -> dict:
    phase = summary["campaign"]
    emails = summary["sent"]
    functions = phase["functions"]
    modelled = modelled_seconds(summary, send_rate)
    explicit, default = configured_memory()

    # -- per email, whatever the volume ---------------------------------------------------------
    per_email: dict[str, float] = {}
    invocations = sum(f["invocations"] for f in functions.values())
    per_email["lambda_requests"] = invocations * prices.LAMBDA_REQUEST.usd / emails
    gb_seconds = sum(m["gb_seconds"] for m in modelled.values())
    per_email["lambda_duration"] = gb_seconds * prices.LAMBDA_ARM_GB_SECOND.usd / emails
    rru = sum(t["rru"] for t in phase["dynamodb"].values())
    wru = sum(t["wru"] + t["gsi_wru"] for t in phase["dynamodb"].values())
    per_email["dynamodb_reads"] = rru * prices.DYNAMODB_RRU.usd / emails
    per_email["dynamodb_writes"] = wru * prices.DYNAMODB_WRU.usd / emails
    pitr_tables = [f"{t}" for t in ((deployed or {}).get("default", {}).get("pitr_tables") or [])]
    storage_usd, storage_bytes = _storage(summary, pitr_tables)
    per_email["dynamodb_storage"] = storage_usd

    ses_events = functions.get("ses_events", {})
    sns_publishes = ses_events.get("records", 0)
    event_queue_requests = sns_publishes + 2 * ses_events.get("invocations", 0)
    sqs_requests = sum(phase["sqs_billed_requests"].values()) + event_queue_requests
    per_email["sqs"] = sqs_requests * prices.SQS_REQUEST.usd / emails
    per_email["sns"] = sns_publishes * prices.SNS_PUBLISH.usd / emails
    api = phase["api_requests"]
    tracking_requests, other_requests = api.get("tracking", 0), api.get("api", 0)
    api_requests = tracking_requests + other_requests
    per_email["api_gateway"] = api_requests * prices.API_GATEWAY_REST.usd / emails
    # WAF inspects every request to the stage it guards, tracking hits included.
    web_acls = (((deployed or {}).get("default") or {}).get("resources") or {}).get("AWS::WAFv2::WebACL", 0)
    waf_request = web_acls * prices.WAF_REQUEST.usd
    per_email["waf_requests"] = api_requests * waf_request / emails
    secrets = sum(c["requests"] for c in phase["calls"] if c["service"] == "secretsmanager")
    per_email["secrets_manager"] = secrets * prices.SECRETS_MANAGER_CALL.usd / emails
    log_bytes = sum(phase["log_bytes"].values()) + api_requests * ACCESS_LOG_BYTES
    per_email["cloudwatch_logs"] = log_bytes / 1e9 * prices.CLOUDWATCH_LOGS_GB.usd / emails

    # -- per month, by volume ---------------------------------------------------------------------
    init_seconds = {
        name: (cold_start or {}).get(name, {}).get("seconds", FALLBACK_INIT_SECONDS) for name in functions
    }
    fixed = fixed_monthly(deployed)
    fixed_without_waf = fixed_monthly(deployed, "without_waf")
    purge_memory = explicit.get("purge", default) / 1024
    purge_init = (cold_start or {}).get("purge", {}).get("seconds", FALLBACK_INIT_SECONDS)
    purge_gb_seconds = (PURGE_SECONDS + purge_init) * purge_memory
    purge_monthly = MONTH_HOURS * (
        prices.LAMBDA_REQUEST.usd + purge_gb_seconds * prices.LAMBDA_ARM_GB_SECOND.usd
    )
    if fixed:
        fixed["purge_schedule"] = purge_monthly
    if fixed_without_waf:
        fixed_without_waf["purge_schedule"] = purge_monthly
    xray = xray_entry_points(deployed)
    by_volume: dict[str, dict] = {}
    for label, volume in VOLUMES.items():
        scale = volume / emails
        campaigns = max(1.0, volume / CAMPAIGN_SIZE)
        send_window = min(MONTH_SECONDS, volume / send_rate) if send_rate else MONTH_SECONDS
        # X-Ray: the API stage (tracking hits trickle in over the month; the other API requests
        # too) and the asynchronous functions (busy during the send windows).
        traces = traced(other_requests * scale, MONTH_SECONDS)
        if xray["tracking"]:
            traces += traced(tracking_requests * scale, MONTH_SECONDS)
        for name in ("fanout", "sender", "ses_events"):
            if name in functions and name in xray["active"]:
                traces += traced(functions[name]["invocations"] * scale, send_window)
        cold_starts: dict[str, float] = {}
        init_usd = 0.0
        for name, f in functions.items():
            monthly_invocations = f["invocations"] * scale
            if name in ASYNC_CONCURRENCY:
                starts = campaigns * ASYNC_CONCURRENCY[name]
            elif name == "tracking":
                starts = MONTH_HOURS
            else:
                starts = campaigns
            starts = min(starts, monthly_invocations)
            cold_starts[name] = starts
            memory_gb = explicit.get(name, default) / 1024
            init_usd += starts * init_seconds[name] * memory_gb * prices.LAMBDA_ARM_GB_SECOND.usd
        lines = {name: value * 1000 for name, value in per_email.items()}
        lines["xray"] = _per_1000(traces * prices.XRAY_TRACE.usd, volume)
        lines["lambda_init"] = _per_1000(init_usd, volume)
        lines["fixed"] = _per_1000(sum(fixed.values()), volume)
        total = sum(lines.values())
        without_waf = (
            total
            - lines["fixed"]
            - lines["waf_requests"]
            + _per_1000(sum(fixed_without_waf.values()), volume)
            if fixed_without_waf
            else None
        )
        by_volume[label] = {
            "emails_per_month": volume,
            "lines_per_1000_usd": lines,
            "total_per_1000_usd": total,
            "total_per_1000_without_waf_usd": without_waf,
            "xray_traces_per_month": traces,
            "xray_traced_share": traces / max(1.0, (api_requests + invocations) * scale),
            "cold_starts_per_month": cold_starts,
        }

    headline = by_volume[HEADLINE]
    total = headline["total_per_1000_usd"]
    # Off the REST API, the tracking hits are no longer inspected by WAF either (neither an HTTP
    # API nor a function URL can have a web ACL; the tracking routes have no WAF rule anyway).
    tracking_rest = tracking_requests * (prices.API_GATEWAY_REST.usd + waf_request) / emails * 1000
    tracking_http = tracking_requests * prices.API_GATEWAY_HTTP.usd / emails * 1000
    aws_calls = sum(c["requests"] for c in phase["calls"])
    return {
        "emails": emails,
        "headline_volume": HEADLINE,
        "xray_on_hot_paths": xray["tracking"] or any(name in xray["active"] for name in HOT_FUNCTIONS),
        "infra_per_1000_usd": total,
        "total_per_1000_usd_at": {label: v["total_per_1000_usd"] for label, v in by_volume.items()},
        "total_per_1000_without_waf_usd_at": {
            label: v["total_per_1000_without_waf_usd"] for label, v in by_volume.items()
        }
        if fixed_without_waf
        else None,
        "storage_per_1000_usd": per_email["dynamodb_storage"] * 1000,
        "fixed_per_month_usd": sum(fixed.values()),
        "fixed_per_month_lines_usd": fixed,
        "fixed_per_month_without_waf_usd": sum(fixed_without_waf.values()) if fixed_without_waf else None,
        "waf_requests_per_million_usd": waf_request * 1e6,
        "ses_per_1000_usd": prices.SES_PER_1000.usd,
        "ses_2026_per_1000_usd": prices.SES_PER_1000_2026.usd,
        "ratio": total / prices.SES_PER_1000.usd,
        "ratio_ses_2026": total / prices.SES_PER_1000_2026.usd,
        "ratio_at": {
            label: {
                "ses_0.10": v["total_per_1000_usd"] / prices.SES_PER_1000.usd,
                "ses_0.16": v["total_per_1000_usd"] / prices.SES_PER_1000_2026.usd,
            }
            for label, v in by_volume.items()
        },
        "goal_per_1000_usd": 0.02 * prices.SES_PER_1000.usd,
        "lines_per_1000_usd": headline["lines_per_1000_usd"],
        "by_volume": by_volume,
        "api_gateway_per_1000_usd": per_email["api_gateway"] * 1000,
        "infra_per_1000_by_front_door_usd": {
            "rest_api": total,
            "http_api_for_tracking": total - tracking_rest + tracking_http,
            "function_url_for_tracking": total - tracking_rest,
        },
        "model": {
            "send_rate_per_s": send_rate,
            "campaign_size": CAMPAIGN_SIZE,
            "async_concurrency": ASYNC_CONCURRENCY,
            "idle_pollers_per_queue": IDLE_POLLERS,
            "purge_seconds": PURGE_SECONDS,
            "init_seconds": init_seconds,
            "init_source": "cold_start.<fn>.seconds of this run" if cold_start else "assumed",
            "latency_ms": latency.table(),
            "xray": "1 request/s reservoir + 5% per entry point, Poisson arrivals",
        },
        "lambda_seconds": modelled,
        "per_email": {
            "lambda_invocations": invocations / emails,
            "lambda_gb_seconds": gb_seconds / emails,
            "lambda_gb_seconds_emulator_wall_time": sum(
                f["billed_ms"] / 1000 * explicit.get(n, default) / 1024 for n, f in functions.items()
            )
            / emails,
            "dynamodb_rru": rru / emails,
            "dynamodb_wru": wru / emails,
            "dynamodb_stored_bytes": sum(storage_bytes.values()),
            "sqs_requests": sqs_requests / emails,
            "sns_publishes": sns_publishes / emails,
            "api_requests": api_requests / emails,
            "log_bytes": log_bytes / emails,
            "aws_calls": aws_calls / emails,
        },
        "dynamodb_stored_bytes_per_email_by_table": storage_bytes,
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
    """What each lever of the data path would save at the headline volume, per 1,000 emails,
    worked out from this run's measured figures (each an estimate: it assumes the change removes
    exactly the requests, units, seconds or traces named and leaves the rest as measured; the
    savings are cumulative, in the order listed)."""
    phase, emails = summary["campaign"], summary["sent"]
    if not emails:
        return []
    functions = phase["functions"]
    lines = priced["lines_per_1000_usd"]
    modelled = priced.get("lambda_seconds") or {}
    wru, rru = prices.DYNAMODB_WRU.usd, prices.DYNAMODB_RRU.usd
    gb_s = prices.LAMBDA_ARM_GB_SECOND.usd
    per_1000 = 1000 / emails

    def units(function: str, operation: str | None = None, table: str | None = None) -> tuple[float, float]:
        rows = [
            row
            for row in phase.get("dynamodb_by_operation", [])
            if base_function(row["function"]) == function
            and (operation is None or row["operation"] == operation)
            and (table is None or row["table"] == table)
        ]
        return sum(r["rru"] for r in rows), sum(r["wru"] for r in rows)

    def lambda_usd(function: str) -> float:
        m = modelled.get(function)
        if not m:
            return 0.0
        return m["gb_seconds"] * gb_s + m["invocations"] * prices.LAMBDA_REQUEST.usd

    events, suppression = "consentmail-events", "consentmail-suppression"
    tracking_requests = phase["api_requests"].get("tracking", 0)
    ses_events = functions.get("ses_events", {})
    ses_records = ses_events.get("records", 0)
    ses_rru, ses_wru = units("ses_events")
    # What the tracking lever takes away, as measured: the marker and tombstone reads, the event
    # item per hit (with its index entry, and its deletion when an erasure raced it) and the
    # marker updates beyond one per hit. Not the consent read (withdrawal must stop tracking at
    # once) nor the campaign counts (what the statistics read). Built, it measures none of these
    # and saves nothing: the report lists it as already the code's behaviour.
    tracking_rru = units("tracking", "GetItem", events)[0] + units("tracking", "GetItem", suppression)[0]
    event_item_wru = units("tracking", "PutItem", events)[1] + units("tracking", "DeleteItem", events)[1]
    marker_wru = units("tracking", "UpdateItem", events)[1]
    tracking_hits = tracking_requests
    gsi_events = sum(
        row.get("gsi_wru", 0.0) for row in phase.get("dynamodb_by_operation", []) if row["table"] == events
    )
    stored = (summary.get("storage") or {}).get(events, {})
    index_share = (
        stored.get("index_bytes", 0) / (stored.get("item_bytes", 0) + stored.get("index_bytes", 0))
        if stored
        else 0.0
    )
    finish_rru, finish_wru = units("sender", "UpdateItem", events)
    suppression_rru = sum(
        row["rru"]
        for row in phase.get("dynamodb_by_operation", [])
        if base_function(row["function"]) == "sender"
        and row["operation"] == "BatchGetItem"
        and row["table"] == "consentmail-suppression"
    )
    sender = modelled.get("sender", {})
    sender_paced_extra = max(0.0, sender.get("paced_seconds", 0) - sender.get("aws_wait_seconds", 0))
    rows = [
        {
            "change": "Tracking routes behind a Lambda function URL (or an HTTP API at $1.00/M) instead of "
            "the REST API ($3.50/M, and WAF's $0.60/M inspection while WAF is on: neither can have a "
            "web ACL, and the tracking routes have no WAF rule)",
            "saves": tracking_requests
            * (prices.API_GATEWAY_REST.usd + (priced.get("waf_requests_per_million_usd") or 0.0) / 1e6)
            * per_1000,
        },
        {
            "change": "X-Ray off on the hot paths (sender, ses_events, the tracking routes): a sampling rule "
            "of 0 or PassThrough tracing; errors still logged",
            "saves": 0.9 * lines.get("xray", 0.0),
        }
        if priced.get("xray_on_hot_paths", True)
        else None,
        {
            "change": "SES events through Kinesis Data Firehose to S3 and an aggregator whose counter writes "
            "are idempotent per object, instead of SNS -> SQS -> a read and a write per delivery "
            "(Firehose's ingestion, ~5 KB a record at $0.029/GB, is taken off the saving)",
            "saves": (
                ses_records * prices.SNS_PUBLISH.usd
                + (ses_records + 2 * ses_events.get("invocations", 0)) * prices.SQS_REQUEST.usd
                + ses_rru * rru
                + ses_wru * wru
                + lambda_usd("ses_events")
                - ses_records * 5e-6 * 0.029
            )
            * per_1000,
        },
        {
            "change": "No by_expiry index entry per item of the events table (TTL plus a per-batch expiry "
            "ledger for the purge): the index writes and the index's share of storage",
            "saves": gsi_events * wru * per_1000 + index_share * lines.get("dynamodb_storage", 0.0),
        },
        {
            "change": "Send marker written once: no finish update per email (the outcome is one item per "
            "batch)",
            "saves": (finish_wru * wru + finish_rru * rru) * per_1000,
        },
        {
            "change": "Tracking: one conditional UpdateItem of the send marker per hit instead of a marker "
            "read, an event item with its index entry, a tombstone read and first-time updates",
            "saves": (tracking_rru * rru + (event_item_wru + max(0.0, marker_wru - tracking_hits)) * wru)
            * per_1000,
        },
        {
            "change": "Suppression reads of a send batch eventually consistent (half the read units)",
            "saves": 0.5 * suppression_rru * rru * per_1000,
        },
        {
            "change": "The sender sending from parallel threads within its pacing, one sender instead of "
            "two waiting out the pace (the paced time beyond the AWS calls, halved)",
            "saves": 0.5 * sender_paced_extra * sender.get("memory_mb", 512) / 1024 * gb_s * per_1000,
        },
    ]
    # Fixed costs: one customer managed key for everything is built (a lever only while the
    # templates count more). Fewer alarms is no lever: CloudWatch bills an alarm per metric it
    # references, so one metric-math alarm over a function's errors and throttles costs what two
    # alarms do, and a composite alarm costs more.
    keys = (priced.get("fixed_per_month_lines_usd") or {}).get("kms_keys", 0.0) / prices.KMS_KEY.usd
    if keys > 1:
        rows.append(
            {
                "change": "One customer managed KMS key for tables, topics, queues and files instead of "
                f"{keys:.0f}",
                "saves": (keys - 1) * prices.KMS_KEY.usd / VOLUMES[priced["headline_volume"]] * 1000,
            }
        )
    rows = [row for row in rows if row is not None]
    remaining = priced["infra_per_1000_usd"]
    for row in rows:
        row["saves_per_1000_usd"] = max(0.0, row.pop("saves"))
        remaining -= row["saves_per_1000_usd"]
        row["infra_per_1000_after_usd"] = remaining
    return rows
