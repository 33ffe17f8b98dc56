"""Cold start as deployed: for each function, the median over fresh interpreters of the time to
import its handler module and answer its first request (what Lambda's INIT phase plus the first
invocation cost: module-level initialisation, settings, the boto3 clients, the signing secret read
through the emulator, the request's own reads and writes), against a fresh interpreter that only
imports boto3 and creates one client (what the smallest Python Lambda function does anyway).

How, so that the figures do not flatter the code:
- interleaved: baseline, f1, baseline, f2, ... round after round, so a change in the machine's load
  moves the baseline and the functions alike; each function's ratio is over the median of all
  baseline runs, and `baseline_seconds` is that median;
- bytecode only where the deployed function has it: the layer's packages (their x86 builds from
  this virtualenv, the layer's own list of top-level packages) and our code (consentmail,
  functions) are copied into a temporary tree without `__pycache__`, and the interpreters run with
  `-B`. When the built layers ship CPython 3.13 bytecode (tools/build_layer.py, on a machine with
  that interpreter), the copies are compiled the same way (unchecked-hash) by the measuring
  interpreter; when they do not, every run compiles them from source, as Lambda then does. The
  standard library and boto3 are the runtime's and keep their bytecode (an assumption: Lambda's
  Python runtime ships them compiled);
- the first request is a real one (bench/first_requests.py): data seeded in moto's server,
  provisioned by local mode's own code, and a deployed function's environment; a first request
  that answers anything but what it should stops the benchmark;
- interpreter start-up itself is the same for both and left out.
The CPython measuring it is this machine's (`machine.python` in the results); Lambda runs the CDK
construct's runtime (RUNTIME below), on arm64 with the CPU share of its memory, so the absolute
milliseconds differ; the ratio is what carries over. For the slower functions, `-X importtime`
tells which top-level packages the import time goes to."""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.first_requests import seed
from consentmail.core.routes import Function
from consentmail.core.tables import SCHEMAS

ROOT = Path(__file__).resolve().parents[1]
RUNS = 11
REGION = "eu-west-3"
RUNTIME = "python3.13"  # infra/constructs/function.py RUNTIME (the deps layer is built for cp313)
DEPS_LAYER = ROOT / "build" / "layers" / "deps" / "python"
BYTECODE_TAG = "cpython-313"  # the runtime's bytecode, as tools/build_layer.py compiles it
# The purge's first request is its hourly job (hundreds of index queries): its duration is the job's,
# not the cold start's, so the purge is measured up to its import and settings only.
IMPORT_ONLY = (Function.PURGE,)
# What a first request may answer: anything else means it took a short way out (or failed), and
# the benchmark stops rather than report a cold start that skipped the work.
EXPECTED_STATUS = {
    Function.TRACKING: "200",
    Function.SUBSCRIPTION: "202",
    Function.ACCOUNTS: "200",
    Function.SUBJECT_REQUESTS: "202",
    Function.SES_WEBHOOK: "403",
    Function.FANOUT: "ok",
    Function.SENDER: "ok",
    Function.SES_EVENTS: "ok",
    Function.PURGE: "import only",
    Function.IMPORTER: "ok",
    Function.EXPORTER: "ok",
}

_FIRST_REQUEST = """
import json, sys, time, uuid
started = time.perf_counter()
import importlib
module = importlib.import_module(sys.argv[1])
imported = time.perf_counter()


class Context:
    function_name = "consentmail-" + sys.argv[1].split(".")[1]
    invoked_function_arn = "arn:aws:lambda:eu-west-3:123456789012:function:" + function_name
    memory_limit_in_mb = 512
    function_version = "$LATEST"
    aws_request_id = str(uuid.uuid4())
    log_group_name = "/aws/lambda/" + function_name
    log_stream_name = "cold-start"

    def get_remaining_time_in_millis(self):
        return 600_000


status = "ok"
if sys.argv[2] == "-":
    from consentmail.core.settings import get_settings

    get_settings()
    status = "import only"
else:
    event = json.loads(open(sys.argv[2]).read())
    try:
        answer = module.handler(event, Context())
        if isinstance(answer, dict) and "statusCode" in answer:
            status = str(answer["statusCode"])
        elif isinstance(answer, dict) and answer.get("batchItemFailures"):
            status = "failed records"
    except Exception as error:
        status = type(error).__name__
print(json.dumps({"import": imported - started, "total": time.perf_counter() - started, "status": status}))
"""
_BASELINE = """
import json, sys, time
started = time.perf_counter()
import boto3
boto3.client("dynamodb", region_name=sys.argv[1])
seconds = time.perf_counter() - started
print(json.dumps({"import": seconds, "total": seconds, "status": "ok"}))
"""
_IMPORT = """
import importlib, sys, time
started = time.perf_counter()
importlib.import_module(sys.argv[1])
print(time.perf_counter() - started)
"""


def layer_packages() -> list[str]:
    """The top-level packages and modules the dependency layer ships (its own list)."""
    if not DEPS_LAYER.is_dir():
        raise RuntimeError(f"the dependency layer is not built at {DEPS_LAYER} (`make layer`)")
    names = []
    for entry in DEPS_LAYER.iterdir():
        if (
            entry.name.startswith((".", "_"))
            or entry.name.endswith((".dist-info", ".so"))
            or entry.name == "bin"
        ):
            continue
        names.append(entry.name.removesuffix(".py"))
    return sorted(names)


def _copy(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    else:
        shutil.copy2(source, target)


@contextmanager
def deployed_tree() -> Iterator[Path]:
    """A temporary tree laid out as the function sees it: layer packages and our code, with
    bytecode (this interpreter's) only when the built layers ship theirs."""
    import importlib.util

    with tempfile.TemporaryDirectory(prefix="bench-cold-") as directory:
        root = Path(directory)
        layer = root / "layer"
        layer.mkdir()
        for name in layer_packages():
            spec = importlib.util.find_spec(name)
            if spec is None or spec.origin is None:
                continue
            origin = Path(spec.origin)
            source = origin.parent if origin.name == "__init__.py" else origin
            _copy(source, layer / source.name)
        _copy(ROOT / "layers" / "shared" / "python" / "consentmail", layer / "consentmail")
        code = root / "code"
        code.mkdir()
        _copy(ROOT / "functions", code / "functions")
        if layers_ship_bytecode():
            # As deployed, with this interpreter's bytecode standing in for the runtime's.
            subprocess.run(  # noqa: S603 - our own interpreter on our own copies
                [sys.executable, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash"]
                + [str(layer), str(code)],
                check=False,
                stdout=subprocess.DEVNULL,
            )
        yield root


def layers_ship_bytecode() -> bool:
    """Whether the layers as built here carry the runtime's bytecode (tools/build_layer.py compiles
    them when this machine has CPython 3.13, the deployed runtime's version)."""
    return any(DEPS_LAYER.rglob(f"*.{BYTECODE_TAG}.pyc"))


def lambda_environment(function: str, tree: Path | None = None) -> dict[str, str]:
    """What a deployed function's environment holds, with placeholders (see infra/constructs)."""
    account = "123456789012"
    pythonpath = f"{tree / 'layer'}{os.pathsep}{tree / 'code'}" if tree else str(ROOT)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": pythonpath,
        "PYTHONDONTWRITEBYTECODE": "1",
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
        "CONSENTMAIL_TRANSFER_BUCKET": f"consentmail-transfers-{account}-{REGION}",
        "CONSENTMAIL_IMPORT_QUEUE_URL": f"https://sqs.{REGION}.amazonaws.com/{account}/consentmail-import",
        "CONSENTMAIL_EXPORT_QUEUE_URL": f"https://sqs.{REGION}.amazonaws.com/{account}/consentmail-export",
    }
    for schema in SCHEMAS.values():
        env[schema.env_var] = f"consentmail-{schema.table.value}"
    return env


def _run(
    code: str, arguments: list[str], env: dict[str, str], extra: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-B", *extra, "-c", code, *arguments],
        cwd=tempfile.gettempdir(),
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _measure_once(code: str, arguments: list[str], env: dict[str, str]) -> dict:
    result = _run(code, arguments, env)
    if result.returncode != 0:
        raise RuntimeError(f"{arguments[0]}: {result.stderr.strip().splitlines()[-3:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _seconds(code: str, argument: str, env: dict[str, str]) -> float:
    result = _run(code, [argument], env)
    if result.returncode != 0:
        raise RuntimeError(f"{argument}: {result.stderr.strip().splitlines()[-1:]}")
    return float(result.stdout.strip().splitlines()[-1])


def import_profile(function: str, tree: Path, top: int = 6) -> list[dict]:
    """The top-level packages a handler's import spends its time in (self time, ms), without
    bytecode for the layer and our code, as deployed (`tree`: deployed_tree())."""
    result = _run(
        _IMPORT, [f"functions.{function}.handler"], lambda_environment(function, tree), ("-X", "importtime")
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


@contextmanager
def _emulator() -> Iterator[dict[str, str]]:
    """moto's server in this process, provisioned as local mode provisions it: the environment
    (endpoint and settings) the functions' first requests run against."""
    import logging

    from moto.server import ThreadedMotoServer

    from infra.local.provision import provision
    from infra.local.runtime import free_port, reset_emulator

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    saved = dict(os.environ)
    try:
        reset_emulator()
        endpoint = f"http://127.0.0.1:{port}"
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": endpoint,
                "AWS_ACCESS_KEY_ID": "placeholder",
                "AWS_SECRET_ACCESS_KEY": "placeholder",
                "AWS_REGION": REGION,
                "AWS_DEFAULT_REGION": REGION,
            }
        )
        provisioned = provision(REGION, "https://mail.example.com")
        # Seeding (first_requests.seed) runs in this process with the functions' settings.
        os.environ.update(provisioned.environment)
        yield {"AWS_ENDPOINT_URL": endpoint, **provisioned.environment}
    finally:
        os.environ.clear()
        os.environ.update(saved)
        server.stop()


def measure(runs: int = RUNS, progress=lambda message: None) -> dict:
    """Interleaved rounds: baseline, f1, baseline, f2, ... (`runs` rounds)."""
    functions = list(Function)
    samples: dict[str, list[dict]] = {f.value: [] for f in functions}
    baseline: list[dict] = []
    with deployed_tree() as tree, _emulator() as emulated:
        (tree / "events").mkdir()
        first = seed(tree / "events", runs)
        environments = {}
        for function in functions:
            env = {**lambda_environment(function.value, tree), **emulated}
            if function is Function.SES_WEBHOOK:
                # A topic the webhook does not accept: the signature check stops before fetching
                # the certificate from the internet (a request this benchmark must not make).
                env["CONSENTMAIL_SNS_TOPIC_ARNS"] = f"arn:aws:sns:{REGION}:123456789012:consentmail-other"
            environments[function] = env
        baseline_env = {**lambda_environment("baseline", tree), **emulated}
        for round_number in range(runs):
            for function in functions:
                baseline.append(_measure_once(_BASELINE, [REGION], baseline_env))
                event = "-" if function in IMPORT_ONLY else str(first.events[function][round_number])
                sample = _measure_once(
                    _FIRST_REQUEST, [f"functions.{function.value}.handler", event], environments[function]
                )
                if sample["status"] != EXPECTED_STATUS[function]:
                    raise RuntimeError(
                        f"{function.value}: its first request answered {sample['status']}, not "
                        f"{EXPECTED_STATUS[function]} ({first.describe.get(function, 'import only')})"
                    )
                samples[function.value].append(sample)
            progress(f"cold starts: round {round_number + 1} of {runs}")
    base = statistics.median(s["total"] for s in baseline)
    progress(f"baseline (import boto3, one client): {base * 1000:.0f} ms")
    results: dict = {}
    for function in functions:
        runs_of = samples[function.value]
        seconds = statistics.median(s["total"] for s in runs_of)
        results[function.value] = {
            "seconds": seconds,
            "baseline_seconds": base,
            "ratio": seconds / base,
            "import_seconds": statistics.median(s["import"] for s in runs_of),
            "first_request_seconds": statistics.median(s["total"] - s["import"] for s in runs_of),
            "first_request_status": sorted({s["status"] for s in runs_of}),
            "first_event": first.describe.get(function),
            "runs": len(runs_of),
            "baseline_runs": len(baseline),
        }
        progress(
            f"{function.value}: {seconds * 1000:.0f} ms ({seconds / base:.2f}x; "
            f"first request answered {', '.join(results[function.value]['first_request_status'])})"
        )
    return results


def conditions() -> dict:
    """How the cold starts were measured (benchmarks.json and the markdown say it)."""
    return {
        "measured_with": f"CPython {sys.version.split()[0]} ({sys.implementation.name}, this machine)",
        "lambda_runtime": RUNTIME + " on arm64",
        "bytecode": (
            "the layers and the functions' code ship CPython 3.13 bytecode (unchecked-hash, "
            "tools/build_layer.py); measured with this interpreter's bytecode of the same files"
            if layers_ship_bytecode()
            else "none for the layer's packages and our code (no CPython 3.13 to compile them where "
            "the layer was built)"
        )
        + "; the standard library and boto3 keep theirs (the runtime's)",
        "order": "interleaved: baseline, f1, baseline, f2, ... per round",
        "first_request": "a real request against data seeded in moto's server (bench/first_requests.py)",
        "layer_packages": layer_packages(),
    }


def profile_slow(results: dict, goal: float = 1.25) -> dict:
    """Where the import time goes, for every function over the goal (and tracking, always)."""
    with deployed_tree() as tree:
        return {
            name: import_profile(name, tree)
            for name, result in results.items()
            if result["ratio"] > goal or name == Function.TRACKING.value
        }


# What each building block adds to `import boto3` at import time, in a fresh interpreter.
COMPONENTS = {
    "boto3 alone": "import boto3",
    "Powertools Logger()": "from aws_lambda_powertools import Logger\nLogger()",
    "Powertools Tracer() (X-Ray SDK, patching)": "from aws_lambda_powertools import Tracer\nTracer()",
    "pydantic (one BaseModel)": "from pydantic import BaseModel\nclass Model(BaseModel):\n    x: int",
    "consentmail.core.settings (no pydantic)": "from consentmail.core.settings import get_settings",
    "Powertools BatchProcessor": "from aws_lambda_powertools.utilities.batch import BatchProcessor",
    "REST resolver with validation": (
        "from aws_lambda_powertools.event_handler import APIGatewayRestResolver\n"
        "APIGatewayRestResolver(enable_validation=True)"
    ),
    "email_validator": "import email_validator",
}


def components(runs: int = 5) -> dict[str, float]:
    """Milliseconds each building block adds to `import boto3` (median of `runs` interpreters,
    without bytecode for the layer's packages, as deployed)."""
    results: dict[str, float] = {}
    with deployed_tree() as tree:
        env = lambda_environment("components", tree)
        for name, snippet in COMPONENTS.items():
            body = snippet if name == "boto3 alone" else "import boto3\n" + snippet
            code = (
                "import time\nstarted = time.perf_counter()\n"
                + body
                + "\nprint(time.perf_counter() - started)"
            )
            results[name] = 1000 * statistics.median(_seconds(code, "-", env) for _ in range(runs))
    alone = results["boto3 alone"]
    return {name: (ms if name == "boto3 alone" else ms - alone) for name, ms in results.items()}
