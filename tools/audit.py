"""The operator's audit of deletion receipts: prints every receipt of a period (the last 30 days by
default), verifies each signature, and exits non-zero on a bad signature or a late deletion.

    python -m tools.audit                          # local mode at http://127.0.0.1:8787
    python -m tools.audit --local http://127.0.0.1:9000
    python -m tools.audit --aws --region eu-west-3 # a deployed stack, with the operator's credentials
    python -m tools.audit --days 400 --until 2027-12-31T00:00:00Z

Exit status: 0 all verified and on time; 1 a bad signature or a late deletion; 2 bad usage.
Against AWS it reads the `consentmail-receipts` table and the signing secret, nothing else (the
receipt key is derived from the secret, as the functions derive it).
"""

import argparse
import json
import sys
import urllib.request
from datetime import datetime, timedelta

import boto3

from consentmail.core.clock import iso, now, parse_iso
from consentmail.core.receipts import Receipt, receipt_key
from consentmail.core.signing_keys import parse_keyring
from consentmail.core.tables import Table
from consentmail.receipts.service import Audit, ReceiptService
from consentmail.store.receipts import ReceiptRepository
from infra.regions import DEFAULT_REGION

DEFAULT_LOCAL = "http://127.0.0.1:8787"
DEFAULT_DAYS = 30
# The names the data stack and local mode give the receipts table and the signing secret.
RECEIPTS_TABLE = f"consentmail-{Table.RECEIPTS.value}"
SECRET_NAME = "consentmail/signing-keys"  # noqa: S105 - a name, not a value


def _session_args(args: argparse.Namespace) -> tuple[dict, str, str]:
    """boto3 client arguments, the receipts table name and the signing secret's name."""
    if args.aws:
        return {"region_name": args.region}, RECEIPTS_TABLE, SECRET_NAME
    with urllib.request.urlopen(args.local.rstrip("/") + "/_local/config", timeout=10) as answer:  # noqa: S310
        config = json.load(answer)
    table = next(name for name in config["tables"] if name == RECEIPTS_TABLE)
    client_args = {
        "region_name": config["region"],
        "endpoint_url": config["aws_endpoint_url"],
        "aws_access_key_id": "local",
        "aws_secret_access_key": "local",
    }
    return client_args, table, SECRET_NAME


def run_audit(
    client_args: dict, table_name: str, secret_name: str, since: datetime, until: datetime
) -> Audit:
    table = boto3.resource("dynamodb", **client_args).Table(table_name)
    secrets = boto3.client("secretsmanager", **client_args)

    def key() -> bytes:
        value = json.loads(secrets.get_secret_value(SecretId=secret_name)["SecretString"])
        return receipt_key(parse_keyring(value).hash_key)

    return ReceiptService(ReceiptRepository(table=table), key=key).audit(since, until)


def _line(receipt: Receipt, verdict: str) -> str:
    return (
        f"{iso(receipt.run_at)}  {receipt.kind.value:<14} {receipt.scope:<38} {receipt.items_deleted:>8}  "
        f"{iso(receipt.oldest_deadline)} .. {iso(receipt.latest_deadline)}  "
        f"late {receipt.late_by_seconds_max:>7}s  {verdict}"
    )


def report(audit: Audit, since: datetime, until: datetime) -> str:
    bad = {r.receipt_id for r in audit.bad_signatures}
    late = {r.receipt_id for r in audit.late}
    lines = [f"deletion receipts from {iso(since)} to {iso(until)}: {len(audit.receipts)}"]
    for receipt in audit.receipts:
        verdict = (
            "BAD SIGNATURE" if receipt.receipt_id in bad else "LATE" if receipt.receipt_id in late else "ok"
        )
        lines.append(_line(receipt, verdict))
    lines.append(
        f"{len(audit.bad_signatures)} bad signature(s), {len(audit.late)} late deletion(s): "
        + ("PASS" if audit.passed else "FAIL")
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.audit", description=__doc__.splitlines()[0])
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--local", default=DEFAULT_LOCAL, help="local mode's base URL (default)")
    target.add_argument("--aws", action="store_true", help="a deployed stack, with your AWS credentials")
    parser.add_argument("--region", default=DEFAULT_REGION, help="the deployed stack's region")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="how many days back")
    parser.add_argument("--until", help="the period's end, ISO 8601 (default: now)")
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error("--days must be at least 1")
    try:
        until = parse_iso(args.until) if args.until else now()
    except ValueError:
        parser.error("--until must be an ISO 8601 time, e.g. 2027-01-31T00:00:00Z")
    since = until - timedelta(days=args.days)
    client_args, table_name, secret_name = _session_args(args)
    audit = run_audit(client_args, table_name, secret_name, since, until)
    print(report(audit, since, until))
    return 0 if audit.passed else 1


if __name__ == "__main__":
    sys.exit(main())
