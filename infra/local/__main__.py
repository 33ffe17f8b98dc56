"""`python -m infra.local [--port 8787]`: local mode until Ctrl-C (or SIGTERM), then a clean stop."""

import argparse
import logging
import os
import signal
import sys
import threading

from infra.local.runtime import DEFAULT_PORT, DEFAULT_REGION, LocalMode
from infra.regions import ALLOWED_REGIONS


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m infra.local", description=__doc__)
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT") or DEFAULT_PORT),
        help="gateway port (env PORT)",
    )
    # The same EU regions the CDK app accepts, so local mode never runs a configuration AWS would refuse.
    parser.add_argument(
        "--region", default=DEFAULT_REGION, choices=ALLOWED_REGIONS, help="the emulated AWS region"
    )
    parser.add_argument("--purge-interval", type=float, default=3600, help="seconds between purge runs")
    return parser.parse_args(argv)


def banner(mode: LocalMode) -> str:
    demo = mode.demo
    assert demo is not None
    return "\n".join(
        [
            "",
            "consentmail local mode is running (Ctrl-C to stop)",
            f"  console        {mode.urls.console}",
            f"  demo website   {mode.urls.demo}",
            f"  outbox         {mode.urls.outbox}  (in a browser: {mode.urls.outbox_page})",
            f"  configuration  {mode.urls.config}",
            f"  OpenAPI        {mode.urls.openapi}",
            f"  AWS emulator   {mode.endpoint_url}",
            f"  demo account   {demo.email} / {demo.password}",
            f"  demo list id   {demo.list_id}",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("botocore").setLevel(logging.WARNING)
    stopping = threading.Event()

    def request_stop(signum, _frame) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    mode = LocalMode(port=args.port, region=args.region, purge_interval=args.purge_interval)
    try:
        mode.start()
    except OSError as error:
        print(f"local mode could not start: {error}", file=sys.stderr)
        return 1
    print(banner(mode), flush=True)
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        print("stopping local mode…", flush=True)
        mode.stop()
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
