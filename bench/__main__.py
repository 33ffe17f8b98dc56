"""`python -m bench [--recipients N] [--only cold_start,hot_path,campaign,bulk,console] [--out docs]`:
runs the benchmarks, writes docs/benchmarks.json and docs/benchmarks.md, prints the table.

The campaign (cost and throughput) runs last and longest: 10,000 recipients through local mode.
A run with other --recipients or --only is for trying things out; its files say so. `--merge`
keeps the other parts' figures of OUT/benchmarks.json and replaces only the parts run (the large
import and export, `--only bulk --merge`, is measured apart: 100,000 rows each way)."""

import argparse
import json
import sys
import time
from pathlib import Path

from bench import (
    bulk,
    cold_start,
    console_size,
    cost,
    deployed,
    hot_paths,
    latency,
    pacing,
    report,
    throughput,
)
from bench.campaign import progress, run_campaign, run_summary

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("console", "cold_start", "hot_path", "pacing", "campaign", "bulk")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=bulk.ROWS, help="rows of the large import and export")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep OUT/benchmarks.json's figures of the parts not run (their date stays theirs)",
    )
    parser.add_argument("--only", default=",".join(PARTS), help="comma-separated: " + ", ".join(PARTS))
    parser.add_argument(
        "--runs", type=int, default=cold_start.RUNS, help="rounds of fresh interpreters (at least 11)"
    )
    parser.add_argument("--calls", type=int, default=hot_paths.CALLS, help="calls per hot path")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument(
        "--from-summary", type=Path, help="price a saved campaign summary instead of running one"
    )
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="measure nothing: write the documents again from OUT/benchmarks.json (same figures)",
    )
    args = parser.parse_args(argv)
    if args.render_only:
        results = json.loads((args.out / "benchmarks.json").read_text())
        if "campaign_run" in results:
            results["cost"] = cost.price_campaign(
                results["campaign_run"], results.get("cold_start"), results.get("deployed")
            )
            results["throughput"] = throughput.measure(results["campaign_run"])
        if "bulk_run" in results:
            results["bulk"] = bulk.price(results["bulk_run"], results.get("deployed"))
        results["prices"] = prices_rows()
        results["latency_model"] = latency.table()
        report.write(results, args.out)
        print(report.table(results))
        return 0
    parts = [part.strip() for part in args.only.split(",") if part.strip()]
    machine = report.machine()
    results: dict = {"machine": machine}
    if args.merge and (args.out / "benchmarks.json").exists():
        results = json.loads((args.out / "benchmarks.json").read_text())
        if {"cold_start", "campaign"} & set(parts):
            # The run the report's header names is this one (the parts measured apart carry
            # their own date).
            results["machine"] = machine
    started = time.perf_counter()

    if "console" in parts:
        progress("the console's first load")
        results["console"] = console_size.measure()
    if "cold_start" in parts:
        progress("cold starts")
        results["cold_start"] = cold_start.measure(args.runs, progress)
        results["cold_start_conditions"] = cold_start.conditions()
        results["cold_start_profile"] = cold_start.profile_slow(results["cold_start"], report.COLD_START_GOAL)
        results["cold_start_components_ms"] = cold_start.components()
    if "hot_path" in parts:
        progress("hot paths")
        results["hot_path"] = hot_paths.measure(args.calls, progress)
    if "pacing" in parts:
        progress(f"a paced campaign with SES throttling {pacing.THROTTLED_CALLS} sends")
        results["pacing"] = pacing.measure()
    if "campaign" in parts:
        if args.from_summary:
            summary = json.loads(args.from_summary.read_text())
        else:
            progress(f"a {args.recipients:,}-recipient campaign in local mode")
            campaign_started = time.perf_counter()
            summary = run_summary(run_campaign(args.recipients))
            summary["total_seconds"] = time.perf_counter() - campaign_started
        results["campaign_run"] = summary
        progress("what the CDK app deploys (synthesized templates)")
        results["deployed"] = deployed.count()
        results["cost"] = cost.price_campaign(summary, results.get("cold_start"), results["deployed"])
        results["throughput"] = throughput.measure(summary)
        if summary.get("errors"):
            progress(f"campaign errors: {summary['errors']}")
    if "bulk" in parts:
        progress(f"a {args.rows:,}-row import and export in local mode")
        results["bulk_run"] = bulk.run_bulk(args.rows)
        results["bulk_run"]["machine"] = report.machine()
        if "campaign" not in parts:  # the campaign part counted them already
            progress("what the CDK app deploys (synthesized templates)")
            results["deployed"] = deployed.count()
            if "campaign_run" in results:  # a merged campaign's fixed costs, from the same templates
                results["cost"] = cost.price_campaign(
                    results["campaign_run"], results.get("cold_start"), results["deployed"]
                )
        results["bulk"] = bulk.price(results["bulk_run"], results["deployed"])
    results["prices"] = prices_rows()
    results["latency_model"] = latency.table()
    if not args.merge:
        results["bench_seconds"] = time.perf_counter() - started
    json_path, md_path = report.write(results, args.out)
    print(report.table(results))
    print(
        f"\nwritten: {json_path.relative_to(ROOT) if json_path.is_relative_to(ROOT) else json_path}, "
        f"{md_path.relative_to(ROOT) if md_path.is_relative_to(ROOT) else md_path}"
    )
    return 0


def prices_rows() -> list[dict]:
    from bench import prices

    return prices.table()


if __name__ == "__main__":
    sys.exit(main())
