"""How long the synchronous CSV import (`POST /lists/{list_id}/contacts/import`) takes at its row
limit in local mode, against the accounts function's timeout: `python -m bench.import_timing
[--rows N] [--runs N]` prints the figures as JSON (docs/scaling.md keeps the latest).

Each run imports a fresh list's full file (every row new: the heaviest case, since every row is
written with its ledger entries), then the same file again into the same list (every row already
there: read, never written). Rows carry a consent proof, tracking consent and an attribute, as an
export of another tool would. The time is the client's, from request to answer, as API Gateway
would wait for it."""

import argparse
import json
import statistics
import time

from bench.campaign import Api, _expect, progress
from consentmail.audience.imports import MAX_ROWS
from consentmail.core.routes import Function
from infra.local.runtime import LocalMode, free_port
from infra.timeouts import timeout_seconds

REGION = "eu-west-3"
HEADER = (
    "email,first_name,last_name,tracking_consent,consent_source,consent_obtained_at,consent_text,city\r\n"
)
OWNER = {"email": "importer@example.com", "password": "Bench-pass-2026"}
PROFILE = {"first_name": "I", "last_name": "Mport", "country": "FR", "accept_privacy_policy": "1"}


def csv_file(rows: int, run: int) -> bytes:
    lines = (
        f"reader{run:02d}x{n:06d}@example.org,Reader,{n},{'true' if n % 3 else 'false'},"
        f"newsletter form,2026-10-0{1 + n % 9}T10:00:00Z,I agree to receive the newsletter,Lyon\r\n"
        for n in range(rows)
    )
    return (HEADER + "".join(lines)).encode()


def measure(rows: int = MAX_ROWS, runs: int = 3) -> dict:
    mode = LocalMode(port=free_port(), region=REGION, purge_interval=10**7).start()
    try:
        api = Api(mode.urls.base)
        _expect(api.call("POST", "/accounts", {**OWNER, **PROFILE}), 201, "create account")
        api.token = _expect(api.call("POST", "/auth/login", OWNER), 200, "login")["id_token"]
        new, again = [], []
        for run in range(runs):
            list_id = _expect(
                api.call("POST", "/lists", {"name": f"Import {run}", "from_email": "news@example.com"}),
                201,
                "create list",
            )["list_id"]
            body = csv_file(rows, run)
            path = f"/lists/{list_id}/contacts/import"
            for timings, expected in ((new, rows), (again, 0)):
                started = time.perf_counter()
                answer = api.call("POST", path, body=body, headers={"Content-Type": "text/csv"})
                timings.append(time.perf_counter() - started)
                result = _expect(answer, 200, "import")
                if result["imported"] != expected:
                    rejected = result["rejected"][:3]
                    raise RuntimeError(f"imported {result['imported']} of {expected}: {rejected}")
            progress(f"run {run + 1}: {new[-1]:.1f} s new, {again[-1]:.1f} s again")
    finally:
        mode.stop()
    figures = {
        "rows": rows,
        "runs": runs,
        "timeout_s": timeout_seconds(Function.ACCOUNTS),
        "new_rows_s": [round(t, 2) for t in new],
        "new_rows_median_s": round(statistics.median(new), 2),
        "existing_rows_s": [round(t, 2) for t in again],
        "existing_rows_median_s": round(statistics.median(again), 2),
    }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.import_timing", description=__doc__)
    parser.add_argument("--rows", type=int, default=MAX_ROWS)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(measure(args.rows, args.runs), indent=2))


if __name__ == "__main__":
    main()
