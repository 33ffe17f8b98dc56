"""Invoke one function's handler on one sample event, offline, and print what it returns:

    .venv/bin/python -m infra.local.run_event subscription events/subscribe_json.json

An in-process moto AWS is provisioned exactly as local mode does, with the list the samples name
(`list-demo`), so the handler runs against the same resources it has in AWS. Emails it sends are
printed after its result."""

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from consentmail.core.routes import Function

REGION = "eu-west-3"
SAMPLE_LIST = "list-demo"


def run(function: Function, event: dict) -> dict:
    from moto import mock_aws
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    from consentmail.core import container
    from consentmail.core.records import MailingList
    from consentmail.store.lists import ListRepository
    from infra.local.invoke import Invoker
    from infra.local.provision import SENDER_DOMAIN, provision

    os.environ.update({"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"})
    os.environ.pop("AWS_ENDPOINT_URL", None)
    with mock_aws():
        os.environ.update(provision(REGION, "http://127.0.0.1:8787").environment)
        container.reset_all()
        ListRepository().create(
            MailingList(
                list_id=SAMPLE_LIST,
                account_id="account-sample",
                name="Sample list",
                from_email=f"news@{SENDER_DOMAIN}",
                created_at=datetime.now(UTC),
            )
        )
        result = Invoker(REGION)(function, event)
        sent = [m.raw_data for m in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages]
    return {"result": result, "emails_sent": sent}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.local.run_event", description=__doc__.split("\n")[0]
    )
    parser.add_argument("function", choices=[f.value for f in Function])
    parser.add_argument("event", type=Path, help="a JSON event, e.g. one of events/*.json")
    args = parser.parse_args(argv)
    outcome = run(Function(args.function), json.loads(args.event.read_text()))
    json.dump(outcome["result"], sys.stdout, indent=2, default=str)
    print()
    for raw in outcome["emails_sent"]:
        print("\n--- email sent ---\n" + raw)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
