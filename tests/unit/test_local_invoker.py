"""Local mode runs handlers in threads; Powertools' REST resolver keeps the request it answers in
a class attribute shared by every resolver of the process, so the functions behind it must never
run at the same time there (in Lambda, one container answers one request at a time)."""

import threading
import time

from consentmail.core.routes import Function
from infra.local import invoke


def _overlaps(monkeypatch, first: Function, second: Function) -> bool:
    running: set[Function] = set()
    overlapped = threading.Event()

    def handler_of(function: Function):
        def handler(event, context):
            running.add(function)
            if len(running) > 1:
                overlapped.set()
            time.sleep(0.05)
            running.discard(function)

        return handler

    monkeypatch.setattr(invoke, "load_handler", handler_of)
    invoker = invoke.Invoker("eu-west-1")
    threads = [threading.Thread(target=invoker, args=(f, {})) for f in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return overlapped.is_set()


def test_two_functions_behind_the_rest_resolver_never_answer_at_the_same_time(monkeypatch):
    assert not _overlaps(monkeypatch, Function.ACCOUNTS, Function.SUBSCRIPTION)


def test_a_worker_still_runs_beside_an_api_function(monkeypatch):
    assert _overlaps(monkeypatch, Function.ACCOUNTS, Function.SENDER)
