"""Lambda invocations as local mode makes them, timed: an Invoker that records, per function, each
invocation's duration and the time it spent waiting on AWS; and the memory each function is
deployed with, read from the CDK constructs' source (no synthesis, no node process).

The memory sizes are not in a constants module: `ServiceFunction` (infra/constructs/function.py)
has a `memory_size` default and a construct may pass its own. `configured_memory()` reads both
with `ast`, so a change in the constructs changes the benchmark's prices."""

import ast
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import meter
from consentmail.core.routes import Function
from infra.local.invoke import Invoker, lambda_context, load_handler

CONSTRUCTS = Path(__file__).resolve().parents[1] / "infra" / "constructs"


@dataclass
class Invocation:
    function: str
    kind: str = ""  # for ses_events: the SES event type of its batch ("mixed" when several)
    records: int = 1  # for ses_events: the SES events in its batch
    seconds: float = 0.0
    aws_seconds: float = 0.0
    aws_calls: int = 0


@dataclass
class Invocations:
    records: list[Invocation] = field(default_factory=list)

    def of(self, function: str) -> list[Invocation]:
        return [r for r in self.records if r.function == function]

    def functions(self) -> list[str]:
        return sorted({r.function for r in self.records})


class MeteredInvoker(Invoker):
    """local mode's Invoker, timing each invocation and marking its thread, so the AWS meter can
    attribute each request to the function that made it."""

    def __init__(self, region: str):
        super().__init__(region)
        self.invocations = Invocations()
        self._records_lock = threading.Lock()

    def reset(self) -> Invocations:
        with self._records_lock:
            previous, self.invocations = self.invocations, Invocations()
        return previous

    def __call__(self, function: Function, event: dict):
        handler = load_handler(function)
        kind = event_kind(event) if function is Function.SES_EVENTS else ""
        with self._locks[function]:
            record = Invocation(function.value, kind, records=len(event.get("Records") or []) or 1)
            # Requests are attributed to "ses_events (Delivery)" etc., so each SES event type's
            # cost can be told apart.
            meter.set_current_function(f"{function.value} ({kind})" if kind else function.value)
            meter._current.invocation = record
            started = time.perf_counter()
            try:
                return handler(event, lambda_context(function, self.region))
            finally:
                record.seconds = time.perf_counter() - started
                meter.set_current_function(None)
                meter._current.invocation = None
                with self._records_lock:
                    self.invocations.records.append(record)


def event_kind(event: dict) -> str:
    """The SES event type of a batch of SQS records (`eventType` or `notificationType`), or
    "mixed" when the batch holds several types."""
    kinds = set()
    for record in event.get("Records") or []:
        try:
            message = json.loads(record["body"])
        except (KeyError, TypeError, ValueError):
            continue
        kinds.add(str(message.get("eventType") or message.get("notificationType") or ""))
    return kinds.pop() if len(kinds) == 1 else ("mixed" if kinds else "")


def base_function(label: str) -> str:
    """ "ses_events (Delivery)" -> "ses_events"."""
    return label.split(" (", 1)[0]


def _int(node: ast.AST) -> int | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, int) else None


def _function_of(call: ast.Call) -> str | None:
    for node in [*call.args, *(k.value for k in call.keywords)]:
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "Function"
            and node.attr in Function.__members__
        ):
            return Function[node.attr].value
    return None


def configured_memory(constructs: Path = CONSTRUCTS) -> tuple[dict[str, int], int]:
    """({function: memory MB} for the functions whose construct sets it, the default)."""
    default = 128  # Lambda's own default, if the construct declared none
    explicit: dict[str, int] = {}
    for path in sorted(constructs.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "__init__":
                positional = node.args.args
                defaults = [None] * (len(positional) - len(node.args.defaults)) + list(node.args.defaults)
                pairs = list(zip(positional, defaults, strict=True)) + list(
                    zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True)
                )
                for argument, value in pairs:
                    if argument.arg == "memory_size" and value is not None and _int(value) is not None:
                        default = _int(value)
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "memory_size" and _int(keyword.value) is not None:
                        function = _function_of(node)
                        if function:
                            explicit[function] = _int(keyword.value)
    return explicit, default


def memory_of(function: str) -> int:
    explicit, default = configured_memory()
    return explicit.get(function, default)
