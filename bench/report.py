"""The benchmark's results as docs/benchmarks.json (for tools) and docs/benchmarks.md (the
table people read), both from one run."""

import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import cost as cost_model
from bench import latency, prices

COST_GOAL_RATIO = 0.02
COLD_START_GOAL = 1.25
HOT_PATH_GOAL_MS = 2.0


def machine() -> dict:
    return {
        "platform": platform.platform(),
        "processor": platform.machine(),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _mark(met: bool) -> str:
    return "met" if met else "**missed**"


def _usd(value: float) -> str:
    return f"${value:.5f}"


def _usd_fine(value: float) -> str:
    """Fractions of a cent that five decimals would show as 0."""
    if value == 0 or value >= 0.00001:
        return _usd(value)
    return f"${value:.2g}"


def markdown(results: dict) -> str:
    m = results["machine"]
    apart = [
        what
        for what, measured_apart in (
            ("the large import and export", results.get("bulk_run", {}).get("machine", m) != m),
            ("the console's first load", results.get("console", {}).get("date", m["date"]) != m["date"]),
        )
        if measured_apart
    ]
    out = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` on {m['date']}: {m['platform']} ({m['processor']}), {m['cpus']} CPUs, "
        f"Python {m['python']}. Every figure below comes from that one run"
        + (f" (but {' and '.join(apart)}, measured on their own: see their sections)" if apart else "")
        + "; "
        '[scaling.md](scaling.md) uses them, and "What the figures show" says what each goal\'s figure '
        "means and what would close the gaps.",
        "",
        "| benchmark | figure | goal | |",
        "| --- | --- | --- | --- |",
    ]
    cost = results.get("cost")
    if cost:
        for label, total in cost["total_per_1000_usd_at"].items():
            ratios = cost["ratio_at"][label]
            out.append(
                f"| infrastructure cost per 1,000 emails at {label} emails/month | {_usd(total)} "
                f"({ratios['ses_0.10']:.1%} of SES's $0.10, {ratios['ses_0.16']:.1%} of $0.16) | "
                f"≤ {_usd(COST_GOAL_RATIO * cost['ses_per_1000_usd'])} (2%)"
                + (" **headline**" if label == cost["headline_volume"] else "")
                + f" | {_mark(ratios['ses_0.10'] <= COST_GOAL_RATIO)} |"
            )
        out.append(
            f"| of which DynamoDB storage (13-month steady state) | {_usd(cost['storage_per_1000_usd'])} "
            "per 1,000 | | |"
        )
        out.append(
            "| fixed monthly costs (as deployed by default, WAF included) | "
            f"${cost['fixed_per_month_usd']:.2f}/month{_without_waf(cost)} | | |"
        )
    for name, cold in (results.get("cold_start") or {}).items():
        out.append(
            f"| cold start `{name}` | {cold['seconds'] * 1000:.0f} ms ({cold['ratio']:.2f}× "
            f"{cold['baseline_seconds'] * 1000:.0f} ms) | ≤ 1.25× | "
            f"{_mark(cold['ratio'] <= COLD_START_GOAL)} |"
        )
    for name, hot in (results.get("hot_path") or {}).items():
        goal = f"p99 < {HOT_PATH_GOAL_MS:.0f} ms" if name != "subscribe" else "(no goal)"
        met = hot["p99_ms"] < HOT_PATH_GOAL_MS if name != "subscribe" else True
        out.append(
            f"| hot path `{name}` | p50 {hot['p50_ms']:.2f} ms, p99 {hot['p99_ms']:.2f} ms "
            f"({hot['calls']:,} calls) | {goal} | {_mark(met) if name != 'subscribe' else ''} |"
        )
    throughput = results.get("throughput")
    if throughput:
        out.append(
            f"| throughput (local mode) | {throughput['recipients_per_s']:.1f} recipients/s, "
            f"{throughput['aws_calls_per_recipient']:.2f} AWS calls per recipient (fan-out + sender) | | |"
        )
    paced = results.get("pacing")
    if paced:
        lost = paced["missing"] + paced["sent_twice"] + paced["dead_lettered"] + paced["left_in_queue"]
        out.append(
            f"| send rate, paced, SES throttling {paced['throttled_calls']} sends | "
            f"{paced['steady_emails_per_s']:.1f} emails/s steady ({paced['share_of_max_rate']:.0%} of "
            f"max_send_rate {paced['max_send_rate']:.0f}/s), {paced['emails_per_s']:.1f}/s overall; "
            f"{paced['missing']} missing, {paced['sent_twice']} sent twice, {paced['dead_lettered']} "
            f"dead-lettered | 0 lost | {_mark(lost == 0)} |"
        )
    console = results.get("console")
    if console:
        out.append(
            f"| console first load, JS and CSS (local mode, gzip) | {_kb(console['served_bytes'])} "
            f"({_kb(console['uncompressed_bytes'])} uncompressed) | "
            f"≤ {_kb(console['goal_bytes'])} | {_mark(console['served_bytes'] <= console['goal_bytes'])} |"
        )
    bulk = results.get("bulk")
    if bulk:
        for name, what in (("import", "large import"), ("export", "large export (CSV)")):
            b = bulk[name]
            out.append(
                f"| {what}, {b['rows']:,} rows (local mode) | {b['rows_per_s']:,.0f} rows/s; "
                f"{_usd(b['total_per_1000_usd'])} per 1,000 rows | | |"
            )
    out.append("")
    if cost:
        out += _cost_section(results)
    if results.get("cold_start"):
        out += _cold_section(results)
    if results.get("hot_path"):
        out += _hot_section(results)
    if paced:
        out += _pacing_section(results)
    if throughput:
        out += _throughput_section(results)
    if bulk:
        out += _bulk_section(results)
    if console:
        out += _console_section(results)
    out += notes(results)
    out += [
        f"## Prices (USD; the stacks deploy to {prices.DEPLOY_REGION})",
        "",
        "`us-east-1` marks a us-east-1 figure standing in for the EU region (EU prices are equal or "
        "somewhat higher); `all` a price that is the same in every region.",
        "",
        "| price | per | region | source | as of |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in prices.table():
        out.append(
            f"| {row['name']} | {row['usd']:.10g} per {row['unit']} | {row['region']} | {row['source']} | "
            f"{row['as_of']} |"
        )
    out.append("")
    return "\n".join(out)


def _cost_section(results: dict) -> list[str]:
    cost, run = results["cost"], results["campaign_run"]
    per = cost["per_email"]
    model = cost["model"]
    volumes = list(cost["by_volume"])
    out = [
        "## Cost per 1,000 emails",
        "",
        f"One campaign to {run['recipients']:,} contacts in local mode: {run['sent']:,} emails sent, "
        f"{run['opens']:,} opens and {run['clicks']:,} clicks through the tracking routes, every SES event "
        "through `ses_events`, the stats read once. "
        f"The campaign phase took {run['campaign']['seconds']:.0f} s "
        f"(the import of the contacts, setup, {run['setup']['seconds']:.0f} s more). Its requests, units, "
        "bytes stored and logged are priced per email; what depends on the month's volume (X-Ray's "
        "reservoir, Lambda INIT, the fixed costs) is modelled at "
        + ", ".join(volumes)
        + " emails a month. Prices: the table at the end (us-east-1 figures standing in for the EU "
        "region where marked).",
        "",
        "How it is counted: every AWS request of the process through botocore hooks on every boto3 "
        "session; DynamoDB units computed from item sizes (moto answers `ReturnConsumedCapacity` with a "
        "constant); storage from what the campaign left in the tables (items and index entries, 100 bytes "
        "of overhead each) kept for its retention class (13 months; content 6 days), so at steady state a "
        "month's emails keep 13 months of storage billed, plus point-in-time recovery where a table has "
        "it; Lambda duration from the latency model below, not the emulator's wall time, the sender billed "
        f"at least its paced time (2 senders at {model['send_rate_per_s']:.0f} emails/s in all); Lambda "
        "INIT per cold start at the cold-start figure measured below (cold starts per month: each "
        f"campaign of {model['campaign_size']:,} starts fanout, sender and ses_events at their maximum "
        "concurrency, tracking starts once an hour, the other functions once a campaign); X-Ray by its "
        "default rule (1 request a second and 5% of the rest) per entry point, with requests spread over "
        "the month (API) or the send windows (asynchronous functions); SQS per 64 KB chunk; one SNS "
        "publish per SES event; API Gateway per request (REST, as deployed); the bytes logged plus "
        f"{cost_model.ACCESS_LOG_BYTES} bytes of access log per API request. Fixed costs are counted in the "
        "synthesized templates (`bench/deployed.py`). Free tiers are not counted.",
        "",
        "| line | " + " | ".join(f"at {v}" for v in volumes) + " |",
        "| --- | " + " | ".join("---" for _ in volumes) + " |",
    ]
    headline_lines = cost["by_volume"][cost["headline_volume"]]["lines_per_1000_usd"]
    for name in sorted(headline_lines, key=lambda n: -headline_lines[n]):
        out.append(
            f"| {name.replace('_', ' ')} | "
            + " | ".join(_usd(cost["by_volume"][v]["lines_per_1000_usd"][name]) for v in volumes)
            + " |"
        )
    out.append(
        "| **total** | "
        + " | ".join(f"**{_usd(cost['by_volume'][v]['total_per_1000_usd'])}**" for v in volumes)
        + " |"
    )
    out.append(
        "| % of SES at $0.10 / $0.16 | "
        + " | ".join(
            f"{cost['ratio_at'][v]['ses_0.10']:.1%} / {cost['ratio_at'][v]['ses_0.16']:.1%}" for v in volumes
        )
        + " |"
    )
    if cost.get("total_per_1000_without_waf_usd_at"):
        out.append(
            "| total without WAF (`waf=false`) | "
            + " | ".join(_usd(cost["total_per_1000_without_waf_usd_at"][v]) for v in volumes)
            + " |"
        )
    out.append(
        "| X-Ray: share of requests traced | "
        + " | ".join(f"{cost['by_volume'][v]['xray_traced_share']:.0%}" for v in volumes)
        + " |"
    )
    out += [
        "",
        "Fixed monthly costs, from the synthesized templates: "
        + ", ".join(
            f"{name.replace('_', ' ')} ${value:.2f}"
            for name, value in cost["fixed_per_month_lines_usd"].items()
        )
        + f" (total ${cost['fixed_per_month_usd']:.2f} with WAF, as deployed by default"
        + _without_waf(cost, ", ${:.2f} without WAF")
        + f"; WAF's ${cost.get('waf_requests_per_million_usd') or 0:.2f} per million requests is the "
        "per-email line `waf requests`). " + _deployed_counts(results),
        "",
        "Lambda seconds of the campaign, emulator wall time against the model (our code scaled to the "
        "function's share of a vCPU, plus each AWS call at its modelled latency):",
        "",
        "| function | memory MB | invocations | emulator s | model: our code s | model: AWS calls s | "
        "paced s | billed s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, m in cost["lambda_seconds"].items():
        out.append(
            f"| {name} | {m['memory_mb']} | {m['invocations']:,} | {m['emulator_seconds']:.1f} | "
            f"{m['our_code_seconds']:.1f} | {m['aws_wait_seconds']:.1f} | {m['paced_seconds']:.1f} | "
            f"{m['seconds']:.1f} |"
        )
    out += [
        "",
        f"GB-seconds per email: {per['lambda_gb_seconds']:.4f} modelled "
        f"({per['lambda_gb_seconds_emulator_wall_time']:.4f} from the emulator's wall time).",
        "",
        "The latency model (`bench/latency.py`):",
        "",
        "| ms | calls | source |",
        "| --- | --- | --- |",
    ]
    for row in latency.table():
        out.append(f"| {row['ms']:.0f} | {', '.join(row['calls'])} | {row['source']} |")
    out += [
        "",
        "Bytes stored per email at the end of the campaign, by table (items and index entries, with "
        "DynamoDB's 100 bytes each): "
        + ", ".join(
            f"{table.removeprefix('consentmail-')} {value:.0f}"
            for table, value in cost["dynamodb_stored_bytes_per_email_by_table"].items()
        )
        + f" (total {per['dynamodb_stored_bytes']:.0f}).",
        "",
        "Front door of the tracking routes (everything else equal, at the headline volume): "
        + ", ".join(
            f"{name.replace('_', ' ')} {_usd(value)}"
            for name, value in cost["infra_per_1000_by_front_door_usd"].items()
        )
        + ".",
        "",
        "Per email: "
        + ", ".join(f"{value:.3g} {name.replace('_', ' ')}" for name, value in per.items())
        + ".",
        "",
        "DynamoDB write units per email, by table (of which into global secondary indexes): "
        + ", ".join(
            f"{table.removeprefix('consentmail-')} {value:.2f} "
            f"({cost['dynamodb_gsi_wru_per_email_by_table'][table]:.2f})"
            for table, value in cost["dynamodb_wru_per_email_by_table"].items()
            if value
        )
        + ". Read units per email: "
        + ", ".join(
            f"{table.removeprefix('consentmail-')} {value:.2f}"
            for table, value in cost["dynamodb_rru_per_email_by_table"].items()
            if value
        )
        + ".",
        "",
        "AWS requests of the campaign, by function:",
        "",
        "| function | service | operation | requests | per email |",
        "| --- | --- | --- | --- | --- |",
    ]
    for call in run["campaign"]["calls"]:
        out.append(
            f"| {call['function']} | {call['service']} | {call['operation']} | {call['requests']:,} | "
            f"{call['requests'] / run['sent']:.3f} |"
        )
    out += [
        "",
        "| function | invocations | total s | of which waiting on AWS | median ms | logged bytes |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, f in run["campaign"]["functions"].items():
        out.append(
            f"| {name} | {f['invocations']:,} | {f['seconds']:.1f} | {f['aws_seconds']:.1f} | "
            f"{f['median_ms']:.1f} | "
            f"{run['campaign']['log_bytes'].get(name, 0):,} |"
        )
    out.append("")
    return out


def _without_waf(cost: dict, form: str = " (${:.2f} without WAF)") -> str:
    """The fixed costs without WAF, when the templates synthesized with `waf=false` were counted."""
    without = cost.get("fixed_per_month_without_waf_usd")
    return form.format(without) if without is not None else ""


def _deployed_counts(results: dict) -> str:
    deployed = results.get("deployed")
    if not deployed:
        return ""
    counts = deployed["default"]["resources"]
    return (
        "Counted: "
        + ", ".join(f"{n} {kind.split('::')[-1]}" for kind, n in counts.items() if n)
        + "; point-in-time recovery on "
        + ", ".join(t.removeprefix("consentmail-") for t in deployed["default"]["pitr_tables"])
        + "."
    )


def _cold_section(results: dict) -> list[str]:
    conditions = results.get("cold_start_conditions") or {}
    cold = results["cold_start"]
    runs = next(iter(cold.values()))["runs"] if cold else 0
    out = [
        "## Cold start",
        "",
        f"Median of {runs} fresh interpreters per function, interleaved with the baseline (baseline, f1, "
        "baseline, f2, ... each round; the baseline is the median of all its runs: `import boto3` and one "
        "client). A function's figure is its handler's import and its first request, a real one against "
        "data seeded in moto's server (`bench/first_requests.py`: settings, its clients, the signing "
        "secret, the request's reads and writes, the email it sends; a round gets its own reader, "
        "subscriber, campaign or recipient), interpreter start-up excluded. "
        + (
            f"Measured with {conditions.get('measured_with', '')}; Lambda runs "
            f"{conditions.get('lambda_runtime', '')}. Bytecode: {conditions.get('bytecode', '')}."
            if conditions
            else ""
        ),
        "",
        "| function | total ms | import ms | first request ms | ratio | first request answered | request |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, c in cold.items():
        out.append(
            f"| {name} | {c['seconds'] * 1000:.0f} | {c.get('import_seconds', c['seconds']) * 1000:.0f} | "
            f"{c.get('first_request_seconds', 0) * 1000:.0f} | {c['ratio']:.2f} | "
            f"{', '.join(c.get('first_request_status', []))} | {c.get('first_event') or '(import only)'} |"
        )
    out += [
        "",
        "Where the import time goes (`-X importtime`, bytecode as measured above, self time by top-level "
        "package, one run):",
        "",
    ]
    for name, packages in (results.get("cold_start_profile") or {}).items():
        out.append(f"- `{name}`: " + ", ".join(f"{p['package']} {p['ms']:.0f} ms" for p in packages))
    out.append("")
    return out


def _hot_section(results: dict) -> list[str]:
    out = [
        "## Hot paths",
        "",
        "In-process, AWS calls answered by botocore's Stubber (recorded from moto):",
        "",
    ]
    for name, hot in results["hot_path"].items():
        out.append(
            f"- `{name}`: mean {hot['mean_ms']:.2f} ms over {hot['calls']:,} calls; stubbed calls: "
            + ", ".join(hot["aws_calls_stubbed"])
        )
    out.append("")
    return out


def _pacing_section(results: dict) -> list[str]:
    p = results["pacing"]
    return [
        "## Pacing and throttling",
        "",
        f"A campaign to {p['recipients']:,} contacts in local mode at the configured `max_send_rate` "
        f"({p['max_send_rate']:.0f}/s, not lifted), SES answering `TooManyRequestsException`/`Throttling` "
        f"to the first {p['throttled_calls']} sends (`bench/ses_throttle.py`), the sender's real backoff. "
        f"The last email went out {p['seconds']:.0f} s after the send request: {p['emails_per_s']:.1f} "
        f"emails/s overall, {p['steady_emails_per_s']:.1f}/s over the last three quarters "
        f"({p['share_of_max_rate']:.0%} of the configured rate; the gap is the two senders' pacing "
        "overhead in one shared process). A throttled batch's rest goes back on the send queue as a new "
        "message, so the stretch uses up no receives: "
        f"{p['missing']} emails missing, {p['sent_twice']} sent twice, {p['dead_lettered']} batches "
        f"dead-lettered (after 5 receives, as deployed), {p['left_in_queue']} left in the queue. "
        "`tests/local/test_ses_throttling.py` asserts the same with a stretch longer than five "
        "receives could absorb.",
        "",
    ]


def _throughput_section(results: dict) -> list[str]:
    t = results["throughput"]
    s = t["seconds_per_recipient"]
    return [
        "## Throughput",
        "",
        f"{t['recipients']:,} recipients in {t['send_seconds']:.0f} s from the send request to the last SES "
        f"SendEmail: {t['recipients_per_s']:.1f} recipients/s in local mode. Fan-out and sender spend "
        f"{s['send_pipeline'] * 1000:.1f} ms per recipient, {s['waiting_on_aws'] * 1000:.1f} ms of it "
        f"waiting on the emulator and {s['our_code'] * 1000:.1f} ms in our code "
        f"({t['recipients_per_s_our_code_only']:.0f} "
        "recipients/s for one sender if AWS answered instantly).",
        "",
        "AWS requests per recipient, fan-out and sender: "
        + ", ".join(f"{op} {n:.3f}" for op, n in t["aws_calls_per_recipient_by_operation"].items())
        + "; all functions together (SES events, tracking included): "
        + f"{t['aws_calls_per_recipient_all_functions']:.2f}.",
        "",
    ]


BULK_LINES = {
    "s3_requests": "S3 requests",
    "s3_storage_one_day": "S3 storage, one day",
    "s3_download": "download out of AWS",
    "sqs": "SQS requests",
    "dynamodb_writes": "DynamoDB writes",
    "dynamodb_reads": "DynamoDB reads",
    "lambda_requests": "Lambda requests",
    "lambda_duration": "Lambda duration",
    "api_gateway": "API Gateway (start + one status read)",
}


def _bulk_fixed(fixed: dict) -> list[str]:
    """What the transfers add to the fixed costs, as counted in the templates (bench/bulk.py)."""
    if not fixed:
        return []
    counts = fixed["counts"]
    return [
        f"Whatever the rows, the transfers add ${fixed['total']:.2f} a month to the fixed costs, counted "
        f"in the synthesized templates: {counts['alarm_metrics']} alarm metrics (errors and throttles of "
        f"the importer and exporter, their dead-letter queues) ${fixed['alarms']:.2f}, and their "
        f"{counts['event_source_mappings']} event source mappings' idle polls "
        f"${fixed['idle_queue_polling']:.2f} (bench/cost.py's model, part of the stack's fixed costs "
        "above). No key of their own: the bucket and queues use consentmail's one customer managed key.",
        "",
    ]


def _kb(size: int) -> str:
    return f"{size / 1024:.1f} kB"


def _console_section(results: dict) -> list[str]:
    console = results["console"]
    out = [
        "## The console's first load",
        "",
        f"Measured by `python -m bench --only console` on {console['date']}: what a browser downloads "
        "to open /console/, as local mode serves it (bench/console_size.py): "
        "index.html's module script and stylesheet and every module they import statically, "
        "gzip-compressed (level 6) as the local gateway compresses JS and CSS for a browser that "
        "accepts it. The goal (issue 15) is at most 200 kB (here 1 kB is 1,024 bytes).",
        "",
        "| file | transferred (gzip) | uncompressed |",
        "| --- | --- | --- |",
    ]
    for f in console["files"]:
        out.append(f"| `{f['path']}` | {_kb(f['served_bytes'])} | {_kb(f['uncompressed_bytes'])} |")
    out.append(
        f"| **first load** | **{_kb(console['served_bytes'])}** | {_kb(console['uncompressed_bytes'])} |"
    )
    for f in console["lazy"]:
        out.append(
            f"| `{f['path']}` (loaded later, only when a screen needs it) | {_kb(f['served_bytes'])} | "
            f"{_kb(f['uncompressed_bytes'])} |"
        )
    out.append("")
    if console["aws_compressed"]:
        out.append(
            "Deployed, the same files come from the console's bucket through API Gateway, which gzips "
            "answers over 1 KB for a browser that accepts it (the RestApi's `min_compression_size`, "
            "infra/constructs/api.py): about the same figure, at whatever level API Gateway compresses."
        )
    else:
        out.append(
            "Deployed, the files come from the console's bucket through API Gateway, which compresses "
            "a response only when the REST API sets a minimum compression size: the stack sets none "
            "and the files are stored uncompressed, so in AWS the first load transfers "
            f"{_kb(console['aws_bytes'])}. Setting `min_compression_size` on the RestApi "
            "(infra/constructs/api.py) would bring it to about the local figure."
        )
    out.append("")
    return out


def _bulk_section(results: dict) -> list[str]:
    bulk, run = results["bulk"], results["bulk_run"]
    m = run.get("machine", results["machine"])
    imp, exp = bulk["import"], bulk["export"]
    fixed = bulk["fixed_monthly_usd"]
    out = [
        "## Large imports and exports",
        "",
        f"Measured by `python -m bench --only bulk --merge` on {m['date']} ({m['cpus']} CPUs, Python "
        f"{m['python']}): a {imp['rows']:,}-row CSV file ({imp['file_mb']:.1f} MB, one row in 1,000 not an "
        "address) PUT with plain HTTP to the presigned URL, imported by the importer through the upload's "
        "S3 event and the import queue, the status polled until done; then the list exported as CSV by the "
        "exporter and downloaded with its URL (bench/bulk.py). Local mode runs every function and the "
        "emulator in one Python process, so the rates are this machine's, bounded by the emulator.",
        "",
        "| | import | export |",
        "| --- | --- | --- |",
        f"| rows | {imp['rows']:,} ({imp['rows_imported']:,} imported, {imp['rows_rejected']:,} rejected) | "
        f"{exp['rows']:,} |",
        f"| seconds, end to end | {imp['seconds']:.0f} | {exp['seconds']:.0f} |",
        f"| rows per second | {imp['rows_per_s']:,.0f} | {exp['rows_per_s']:,.0f} |",
        "| invocations | "
        + ", ".join(f"{f} {n}" for f, n in imp["invocations"].items())
        + " | "
        + ", ".join(f"{f} {n}" for f, n in exp["invocations"].items())
        + " |",
        f"| S3 requests (PUT/LIST class, GET/HEAD class) | {imp['s3_requests']['tier1']}, "
        f"{imp['s3_requests']['tier2']} | {exp['s3_requests']['tier1']}, {exp['s3_requests']['tier2']} |",
        f"| SQS requests billed | {imp['sqs_billed_requests']} | {exp['sqs_billed_requests']} |",
        f"| DynamoDB WRU per row, RRU per row | {imp['dynamodb']['wru_per_row']:.2f}, "
        f"{imp['dynamodb']['rru_per_row']:.2f} | {exp['dynamodb']['wru_per_row']:.3f}, "
        f"{exp['dynamodb']['rru_per_row']:.3f} |",
        f"| Lambda GB-s per 1,000 rows (model) | {imp['gb_seconds_per_1000']:.3f} | "
        f"{exp['gb_seconds_per_1000']:.3f} |",
    ]
    for line, label in BULK_LINES.items():
        out.append(
            f"| {label}, per 1,000 rows | {_usd_fine(imp['per_1000_usd'][line])} | "
            f"{_usd_fine(exp['per_1000_usd'][line])} |"
        )
    out += [
        f"| **total per 1,000 rows** | **{_usd(imp['total_per_1000_usd'])}** | "
        f"**{_usd(exp['total_per_1000_usd'])}** |",
        f"| a million rows | ${bulk['million_rows_usd']['import']:.2f} | "
        f"${bulk['million_rows_usd']['export']:.2f} |",
        "",
        *_bulk_fixed(fixed),
        "The model: S3 requests by class at S3 Standard prices, the file's day of storage, the export's "
        "download out of AWS; SQS requests in 64 KB chunks (the upload's event, continuations, export "
        "requests, and the event source mapping's receives and deletes of them); DynamoDB units from "
        "item sizes (bench/meter.py); Lambda GB-seconds as for the campaign (bench/latency.py: our "
        "code's measured time scaled to the function's share of a vCPU at 1,024 MB, plus each AWS call "
        "at its modelled latency, the importer's contact puts 16 at a time); API Gateway for the start "
        "and one status read. KMS requests are left out: the bucket's S3 bucket key asks KMS for a data "
        "key about once per bucket key, not per object. The import's writes are the contact (a "
        "conditional put, with its `by_email` index entry) and one or two consent-ledger entries per "
        "row, as the synchronous import's.",
        "",
    ]
    return out


def write(results: dict, directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    json_path, md_path = directory / "benchmarks.json", directory / "benchmarks.md"
    json_path.write_text(json.dumps(results, indent=1, sort_keys=False) + "\n")
    md_path.write_text(markdown(results))
    return json_path, md_path


def table(results: dict) -> str:
    """The summary table alone (what `make bench` prints)."""
    lines = markdown(results).splitlines()
    start = lines.index("| benchmark | figure | goal | |")
    end = lines.index("", start)
    return "\n".join([lines[2], "", *lines[start:end]])


# Why each DynamoDB write happens, by (function, operation, table).
WRITE_CAUSES = {
    ("sender", "PutItem", "events"): "the send marker, claimed (conditional put) before the SES call",
    ("sender", "UpdateItem", "events"): "the send marker finished: `sent` and SES's message id",
    ("sender", "UpdateItem", "campaigns"): "campaign counters, one update per batch of 50",
    ("ses_events (Send)", "PutItem", "events"): "an event item per Send event",
    ("ses_events (Delivery)", "PutItem", "events"): "an event item per Delivery event",
    ("ses_events (Delivery)", "UpdateItem", "events"): "`delivered_at` set once on the send marker",
    ("ses_events (Delivery)", "UpdateItem", "campaigns"): "a counter update per Delivery event",
    ("tracking", "PutItem", "events"): "an event item per open or click (before the hit became one update)",
    ("tracking", "UpdateItem", "events"): "an open or a click: one conditional update of the send marker "
    "(first times, the clicked link)",
    ("tracking", "UpdateItem", "campaigns"): "counter, timeline and link updates per open or click",
    ("fanout", "UpdateItem", "campaigns"): "fan-out cursor and status",
}


def _fixed_lines(lines: dict[str, float]) -> str:
    """The fixed costs by line, largest first, and what is left to cut."""
    largest_first = sorted(lines.items(), key=lambda item: -item[1])
    listed = ", ".join(f"{name.replace('_', ' ')} ${usd:.2f}" for name, usd in largest_first if usd)
    keys = lines.get("kms_keys", 0.0) / prices.KMS_KEY.usd
    left = (
        f"{keys:.0f} customer managed keys where one would do"
        if keys > 1
        else "one customer managed key for everything, and the alarms are billed per metric watched (a "
        "metric-math or composite alarm saves nothing), so what is left is the price of the promises: "
        "encryption under the operator's key, a runbook per alarm and WAF's per-client limits (one rule per "
        "distinct limit; `waf=false` removes them)"
    )
    return f"{listed}; {left}"


def notes(results: dict) -> list[str]:
    out = ["## What the figures show", ""]
    cost, run = results.get("cost"), results.get("campaign_run")
    if cost and run:
        emails = run["sent"]
        lines = sorted(cost["lines_per_1000_usd"].items(), key=lambda item: -item[1])
        fixed_1000 = cost["lines_per_1000_usd"].get("fixed", 0.0)
        out += [
            f"**Cost.** At {cost['headline_volume']} emails a month, {_usd(cost['infra_per_1000_usd'])} per "
            f"1,000 emails is {cost['ratio']:.1%} of SES's $0.10 ({cost['ratio_ses_2026']:.1%} of the 2026 "
            "plan's $0.16); the goal is 2% of $0.10. The largest lines: "
            + ", ".join(f"{name.replace('_', ' ')} {_usd(value)}" for name, value in lines[:5])
            + f". The fixed costs alone (${cost['fixed_per_month_usd']:.2f}/month) are "
            f"{_usd(fixed_1000)} per 1,000 at {cost['headline_volume']}, "
            f"{fixed_1000 / cost['ses_per_1000_usd']:.1%} of SES's price: "
            f"{_fixed_lines(cost['fixed_per_month_lines_usd'])}. "
            f"DynamoDB writes are {cost['per_email']['dynamodb_wru']:.2f} WRU per email:",
            "",
            "| function | operation | table | WRU per email | of which index | why |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        rows = sorted(run["campaign"].get("dynamodb_by_operation", []), key=lambda row: -row["wru"])
        for row in rows:
            if row["wru"] / emails < 0.0005:
                continue
            table = row["table"].removeprefix("consentmail-")
            cause = WRITE_CAUSES.get((row["function"], row["operation"], table), "")
            out.append(
                f"| {row['function']} | {row['operation']} | {table} | {row['wru'] / emails:.3f} | "
                f"{row.get('gsi_wru', 0) / emails:.3f} | {cause} |"
            )
        out += [
            "",
            f"The data-path levers, each estimated from this run's figures at {cost['headline_volume']} "
            "emails a month (cumulative, in this order):",
            "",
            "| change | saves per 1,000 | cost per 1,000 after |",
            "| --- | --- | --- |",
        ]
        rows = cost_model.proposals(run, cost)
        done = [row["change"].split(":")[0] for row in rows if row["saves_per_1000_usd"] < 0.000005]
        for row in rows:
            if row["saves_per_1000_usd"] < 0.000005:
                continue
            out.append(
                f"| {row['change']} | {_usd(row['saves_per_1000_usd'])} | "
                f"{_usd(row['infra_per_1000_after_usd'])} |"
            )
        if done:
            out += [
                "",
                "Nothing left to save in this run (already the code's behaviour): " + "; ".join(done) + ".",
            ]
        out.append("")
    cold = results.get("cold_start") or {}
    missed = [name for name, c in cold.items() if c["ratio"] > COLD_START_GOAL]
    if cold:
        out.append(
            f"**Cold start.** {len(cold) - len(missed)} of {len(cold)} functions within 1.25× of the bare "
            "boto3 baseline"
            + (f"; over it: {', '.join(missed)}" if missed else "")
            + ". What each building block adds to `import boto3` (ms): "
            + ", ".join(
                f"{name} {ms:+.0f}" for name, ms in (results.get("cold_start_components_ms") or {}).items()
            )
            + ". "
            + _cold_cause(results)
        )
        out.append("")
    hot = results.get("hot_path") or {}
    if hot:
        slow = [
            name for name in ("pixel", "redirect") if name in hot and hot[name]["p99_ms"] >= HOT_PATH_GOAL_MS
        ]
        out.append(
            "**Hot paths.** "
            + (
                f"p99 over 2 ms for {', '.join(slow)}: the tail is the machine (two shared CPUs, garbage "
                "collection), the median is well under it."
                if slow
                else "Pixel and redirect stay under 2 ms at p99 with AWS stubbed: our own code is not what a "
                "recipient waits for; DynamoDB's round trips are."
            )
        )
        out.append("")
    throughput = results.get("throughput")
    if throughput and run:
        s = throughput["seconds_per_recipient"]
        out.append(
            f"**Throughput and run time.** The campaign phase took {run['campaign']['seconds'] / 60:.1f} min "
            f"({run.get('total_seconds', 0) / 60:.1f} min with start-up and the import). "
            "Local mode runs every "
            "function and the emulator in one Python process on two cores: "
            f"{s['waiting_on_aws'] / max(s['send_pipeline'], 1e-9):.0%} of the send pipeline's time is spent "
            "waiting on the emulator, for "
            f"{throughput['aws_calls_per_recipient_all_functions']:.1f} AWS requests "
            "per recipient across all functions, so the run time is the emulator's, not our code's "
            "(`python -m bench.profile_run` shows the split by package). Profiled on a 300-recipient "
            "run, the emulator spent ~3 ms per request finding which of its backends serves it (moto's "
            "`get_application`, which lists and stats its package's files), ~3.6 ms in DynamoDB's handler, "
            "and each request opened a new connection to it."
        )
        out.append("")
    return out


def _cold_cause(results: dict) -> str:
    cold = results.get("cold_start") or {}
    if not cold:
        return ""
    first = {name: c.get("first_request_seconds", 0.0) for name, c in cold.items()}
    imports = {name: c.get("import_seconds", c["seconds"]) for name, c in cold.items()}
    base = next(iter(cold.values()))["baseline_seconds"]
    allowed = COLD_START_GOAL * base
    over = {name: c["seconds"] - allowed for name, c in cold.items() if c["ratio"] > COLD_START_GOAL}
    bytecode = (results.get("cold_start_conditions") or {}).get("bytecode", "")
    return (
        f"Imports take {min(imports.values()) * 1000:.0f}-{max(imports.values()) * 1000:.0f} ms against "
        f"the baseline's {base * 1000:.0f} ms (bytecode: {bytecode or 'unknown'}); the first request adds "
        f"{min(first.values()) * 1000:.0f}-{max(first.values()) * 1000:.0f} ms: a second client (Secrets "
        "Manager, for the signing secret), DynamoDB's resource layer on top of its client, and the "
        "request's own calls to the emulator."
        + (
            " Over the goal by: "
            + ", ".join(
                f"{name} {ms * 1000:.0f} ms" for name, ms in sorted(over.items(), key=lambda i: -i[1])
            )
            + f" (the goal allows {allowed * 1000:.0f} ms)."
            if over
            else ""
        )
        + " Done so far: the layers and the functions' code ship CPython 3.13 bytecode when built "
        "with that interpreter (tools/build_layer.py); the tracking function imports neither pydantic "
        "nor Powertools (settings are a checked dataclass, its logger the standard library's); Babel, "
        "email-validator, cryptography and Jinja2 are imported where they are used; the records' "
        "schemas are built on first use. What is left is "
        "what each request needs: Powertools' resolver with pydantic validation for the API functions, "
        "its batch processor and pydantic models for the queue consumers, boto3's resource layer and a "
        "second client for everyone (the signing secret's, in the same session). Past that, Lambda "
        "SnapStart (Python 3.12 and later, on a "
        "published version or alias, which the API and the event source mappings would have to target) "
        "restores an initialized snapshot instead of running INIT, for a cache price per GB-second "
        "of each version kept plus a price per GB restored; provisioned concurrency removes the cold "
        "start at a fixed price per instance (arm64, 512 MB: about $4.4 a month each, before duration)."
    )
