"""What the CDK app deploys that is billed by the month, whatever the number of emails: counted
from the synthesized templates, not by hand, so a new alarm, key or queue changes the benchmark.

`python -m bench.deployed` synthesizes the app twice in one process (jsii's node process is slow to
start and warm afterwards): as `make deploy` deploys it by default (WAF on), and with `waf=false`
(the operator's option), and prints the resource counts as JSON. `count()` runs that in a child process
with the CDK's own environment, so the benchmark's process never loads jsii."""

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGION = "eu-west-3"

# The resource types with a monthly price of their own (prices.py), and the queues whose Lambda
# event source mappings poll even when idle.
BILLED_TYPES = (
    "AWS::KMS::Key",
    "AWS::CloudWatch::Alarm",
    "AWS::SecretsManager::Secret",
    "AWS::WAFv2::WebACL",
    "AWS::Lambda::EventSourceMapping",
    "AWS::Events::Rule",
    "AWS::Scheduler::Schedule",
    "AWS::DynamoDB::Table",
    "AWS::DynamoDB::GlobalTable",
    "AWS::SQS::Queue",
    "AWS::Lambda::Function",
)


def alarm_metrics(properties: dict) -> int:
    """What CloudWatch bills an alarm as: one alarm metric per metric it references (a metric-math
    alarm over errors and throttles is two, the price of two single-metric alarms)."""
    queries = properties.get("Metrics")
    if queries is None:
        return 1
    return sum(1 for query in queries if "MetricStat" in query)


def _counts(templates: list[dict]) -> dict:
    types: Counter = Counter()
    # Alarm name -> the alarm metrics it is billed as; each event source mapping's function.
    alarms: dict[str, int] = {}
    event_sources: list[str] = []
    waf_rules = 0
    pitr_tables: list[str] = []
    schedules: list[str] = []
    # X-Ray: each function's tracing mode, and the URL paths a sampling rule records nothing of.
    tracing: dict[str, str] = {}
    untraced_paths: list[str] = []
    for template in templates:
        resources = template.get("Resources", {})
        for resource in resources.values():
            kind = resource["Type"]
            types[kind] += 1
            properties = resource.get("Properties", {})
            if kind == "AWS::CloudWatch::Alarm":
                alarms[str(properties.get("AlarmName", ""))] = alarm_metrics(properties)
            if kind == "AWS::Lambda::EventSourceMapping":
                function = resources.get((properties.get("FunctionName") or {}).get("Ref", ""), {})
                variables = (function.get("Properties", {}).get("Environment") or {}).get("Variables") or {}
                event_sources.append(str(variables.get("POWERTOOLS_METRICS_FUNCTION_NAME", "")))
            if kind == "AWS::WAFv2::WebACL":
                waf_rules += len(properties.get("Rules", []))
            if kind in ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"):
                recovery = properties.get("PointInTimeRecoverySpecification") or {}
                if recovery.get("PointInTimeRecoveryEnabled"):
                    pitr_tables.append(str(properties.get("TableName", "")))
            if kind in ("AWS::Events::Rule", "AWS::Scheduler::Schedule"):
                schedules.append(str(properties.get("ScheduleExpression", "")))
            if kind == "AWS::Lambda::Function":
                variables = (properties.get("Environment") or {}).get("Variables") or {}
                name = variables.get("POWERTOOLS_METRICS_FUNCTION_NAME")
                if name:
                    tracing[name] = (properties.get("TracingConfig") or {}).get("Mode", "PassThrough")
            if kind == "AWS::XRay::SamplingRule":
                rule = properties.get("SamplingRule") or {}
                if rule.get("FixedRate") == 0 and rule.get("ReservoirSize") == 0:
                    untraced_paths.append(str(rule.get("URLPath", "")))
    return {
        "resources": {kind: types.get(kind, 0) for kind in BILLED_TYPES},
        "alarm_metrics": sum(alarms.values()),
        "alarms": alarms,
        "event_sources": sorted(event_sources),
        "waf_rules": waf_rules,
        "pitr_tables": sorted(pitr_tables),
        "schedules": schedules,
        "tracing": tracing,
        "untraced_paths": untraced_paths,
    }


def _synthesize(context: dict) -> dict:
    from infra.app import build_app

    with tempfile.TemporaryDirectory(prefix="bench-synth-") as outdir:
        app = build_app(outdir=outdir, context=context, environ={"REGION": REGION})
        assembly = app.synth()
        return _counts([stack.template for stack in assembly.stacks])


def main() -> int:
    result = {"default": _synthesize({}), "without_waf": _synthesize({"waf": "false"})}
    print(json.dumps(result))
    return 0


def count(timeout: float = 600) -> dict:
    """The resource counts of both variants ({"default": ..., "without_waf": ...})."""
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.deployed"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"CDK synthesis failed: {result.stderr.strip()[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.exit(main())
