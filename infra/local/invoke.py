"""Calls a function's handler in-process the way Lambda would: imported lazily (the function may
not exist yet), with a Lambda context object, and one invocation at a time per function, as in
one warm container (Powertools resolvers keep the current event in module state)."""

import importlib
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from consentmail.core.routes import Function, http_functions
from infra.timeouts import API_SECONDS, timeout_seconds

logger = logging.getLogger(__name__)

ACCOUNT_ID = "123456789012"


class MissingFunction(RuntimeError):
    """The function's handler module does not exist (yet) or has no `handler`."""


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that Powertools and handlers read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"
    timeout_seconds: int = API_SECONDS
    _deadline: float | None = None

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def function_name(function: Function) -> str:
    return f"consentmail-{function.value.replace('_', '-')}"


def lambda_context(function: Function, region: str) -> LambdaContext:
    name = function_name(function)
    return LambdaContext(
        function_name=name,
        invoked_function_arn=f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}",
        log_group_name=f"/aws/lambda/{name}",
        timeout_seconds=timeout_seconds(function),
    )


def module_name(function: Function) -> str:
    return f"functions.{function.value}.handler"


def load_module(function: Function):
    """The function's handler module, imported on first use; MissingFunction if it is not there."""
    name = module_name(function)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        # Only the handler module (or its package) missing is "not written yet"; a missing
        # dependency inside an existing handler is a real error and propagates.
        if error.name and name.startswith(error.name):
            importlib.invalidate_caches()  # so a module written later is found on the next try
            raise MissingFunction(
                f"the {function.value} function is not available: no module {name}"
            ) from error
        raise


def load_handler(function: Function) -> Callable[[dict, Any], Any]:
    handler = getattr(load_module(function), "handler", None)
    if not callable(handler):
        raise MissingFunction(f"{module_name(function)} has no handler(event, context)")
    return handler


class Invoker:
    """Invokes handlers in-process, serialized per function, as one Lambda container serves one
    request at a time. The functions behind Powertools' REST resolver share one lock: the resolver
    keeps the request it is answering in a class attribute (`BaseRouter.current_event`) that every
    resolver of the process shares, so two of them at once could each read the other's request.
    Tracking is a plain handler and keeps its own lock."""

    def __init__(self, region: str):
        self.region = region
        resolvers = threading.Lock()
        self._locks = {
            function: resolvers
            if function in http_functions() and function != Function.TRACKING
            else threading.Lock()
            for function in Function
        }

    def __call__(self, function: Function, event: dict) -> Any:
        handler = load_handler(function)
        with self._locks[function]:
            return handler(event, lambda_context(function, self.region))
