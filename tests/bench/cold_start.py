"""Cold start: for each function, the median over fresh interpreters of the time to import its
handler module (its whole module-level initialisation), against a fresh interpreter that only
imports boto3 and creates one client: what the smallest Python Lambda function does anyway.

The interpreters get the environment a deployed function has (the settings, Powertools' service
name, AWS_LAMBDA_FUNCTION_NAME so Powertools behaves as in Lambda: Tracer patches the AWS SDK),
with placeholder values and no AWS endpoint: nothing may do I/O at import. Interpreter start-up
itself is the same for both and left out. For the slower functions, `-X importtime` tells which
top-level packages the time goes to."""

import os
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from consentmail.core.routes import Function
from consentmail.core.tables import SCHEMAS

ROOT = Path(__file__).resolve().parents[2]
RUNS = 10
REGION = "eu-west-3"

_IMPORT = """
import importlib, sys, time
started = time.perf_counter()
importlib.import_module(sys.argv[1])
print(time.perf_counter() - started)
"""
_BASELINE = """
import sys, time
started = time.perf_counter()
import boto3
boto3.client("dynamodb", region_name=sys.argv[1])
print(time.perf_counter() - started)
"""


def lambda_environment(function: str) -> dict[str, str]:
    """What a deployed function's environment holds, with placeholders (see infra/constructs)."""
    account = "123456789012"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "HOME": os.environ.get("HOME", "/tmp"),
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "placeholder",
        "AWS_SECRET_ACCESS_KEY": "placeholder",
        "AWS_LAMBDA_FUNCTION_NAME": f"consentmail-{function.replace('_', '-')}",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "POWERTOOLS_SERVICE_NAME": "consentmail",
        "POWERTOOLS_METRICS_NAMESPACE": "consentmail",
        "POWERTOOLS_METRICS_FUNCTION_NAME": function,
        "CONSENTMAIL_PUBLIC_URL": "https://mail.example.com",
        "CONSENTMAIL_SIGNING_SECRET": "consentmail/signing-keys",
        "CONSENTMAIL_SES_CONFIGURATION_SET": "consentmail-events",
        "CONSENTMAIL_SYSTEM_FROM": "privacy@example.com",
        "CONSENTMAIL_FANOUT_QUEUE_URL": f"https://sqs.{REGION}.amazonaws.com/{account}/consentmail-fanout",
        "CONSENTMAIL_SEND_QUEUE_URL": f"https://sqs.{REGION}.amazonaws.com/{account}/consentmail-send",
        "CONSENTMAIL_FANOUT_QUEUE_ARN": f"arn:aws:sqs:{REGION}:{account}:consentmail-fanout",
        "CONSENTMAIL_SCHEDULE_GROUP": "consentmail-campaigns",
        "CONSENTMAIL_SCHEDULER_ROLE_ARN": f"arn:aws:iam::{account}:role/consentmail-scheduler",
        "CONSENTMAIL_USER_POOL_ID": f"{REGION}_placeholder",
        "CONSENTMAIL_USER_POOL_CLIENT_ID": "placeholder",
        "CONSENTMAIL_MAX_SEND_RATE": "14",
        "CONSENTMAIL_SNS_TOPIC_ARNS": f"arn:aws:sns:{REGION}:{account}:consentmail-ses-events",
        "CONSENTMAIL_SNS_REGIONS": REGION,
        "CONSENTMAIL_OPERATOR_TOPIC_ARN": f"arn:aws:sns:{REGION}:{account}:consentmail-operator",
    }
    for schema in SCHEMAS.values():
        env[schema.env_var] = f"consentmail-{schema.table.value}"
    return env


def _run(
    code: str, argument: str, env: dict[str, str], extra: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, *extra, "-c", code, argument],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _seconds(code: str, argument: str, env: dict[str, str]) -> float:
    result = _run(code, argument, env)
    if result.returncode != 0:
        raise RuntimeError(f"{argument}: {result.stderr.strip().splitlines()[-1:]}")
    return float(result.stdout.strip().splitlines()[-1])


def import_profile(function: str, top: int = 6) -> list[dict]:
    """The top-level packages a handler's import spends its time in (self time, ms)."""
    result = _run(
        _IMPORT, f"functions.{function}.handler", lambda_environment(function), ("-X", "importtime")
    )
    by_package: dict[str, int] = defaultdict(int)
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        try:
            self_us, _cumulative, name = (part.strip() for part in line[len("import time:") :].split("|"))
            by_package[name.strip().split(".")[0]] += int(self_us)
        except ValueError:
            continue
    ranked = sorted(by_package.items(), key=lambda item: -item[1])[:top]
    return [{"package": name, "ms": round(us / 1000, 1)} for name, us in ranked]


def measure(runs: int = RUNS, progress=lambda message: None) -> dict:
    baseline_env = lambda_environment("baseline")
    baseline = statistics.median(_seconds(_BASELINE, REGION, baseline_env) for _ in range(runs))
    progress(f"baseline (import boto3, one client): {baseline * 1000:.0f} ms")
    results: dict = {}
    for function in Function:
        env = lambda_environment(function.value)
        samples = [_seconds(_IMPORT, f"functions.{function.value}.handler", env) for _ in range(runs)]
        seconds = statistics.median(samples)
        results[function.value] = {
            "seconds": seconds,
            "baseline_seconds": baseline,
            "ratio": seconds / baseline,
            "runs": runs,
        }
        progress(f"{function.value}: {seconds * 1000:.0f} ms ({seconds / baseline:.2f}x)")
    return results


def profile_slow(results: dict, goal: float = 1.25) -> dict:
    """Where the import time goes, for every function over the goal (and tracking, always)."""
    return {
        name: import_profile(name)
        for name, result in results.items()
        if result["ratio"] > goal or name == Function.TRACKING.value
    }


# What each building block adds to `import boto3` at import time, in a fresh interpreter.
COMPONENTS = {
    "boto3 alone": "import boto3",
    "Powertools Logger()": "from aws_lambda_powertools import Logger\nLogger()",
    "Powertools Tracer() (X-Ray SDK, patching)": "from aws_lambda_powertools import Tracer\nTracer()",
    "pydantic + consentmail.core.settings": "from consentmail.core.settings import get_settings",
    "Powertools BatchProcessor": "from aws_lambda_powertools.utilities.batch import BatchProcessor",
    "REST resolver with validation": (
        "from aws_lambda_powertools.event_handler import APIGatewayRestResolver\n"
        "APIGatewayRestResolver(enable_validation=True)"
    ),
    "email_validator": "import email_validator",
}


def components(runs: int = 5) -> dict[str, float]:
    """Milliseconds each building block adds to `import boto3` (median of `runs` interpreters)."""
    env = lambda_environment("components")
    results: dict[str, float] = {}
    for name, snippet in COMPONENTS.items():
        body = snippet if name == "boto3 alone" else "import boto3\n" + snippet
        code = (
            "import time\nstarted = time.perf_counter()\n" + body + "\nprint(time.perf_counter() - started)"
        )
        results[name] = 1000 * statistics.median(_seconds(code, "-", env) for _ in range(runs))
    alone = results["boto3 alone"]
    return {name: (ms if name == "boto3 alone" else ms - alone) for name, ms in results.items()}
