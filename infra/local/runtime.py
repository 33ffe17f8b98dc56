"""Local mode, assembled: the emulator (moto's server), the provisioned resources, the demo seed,
the SES simulator, the queue workers, the purge and schedule timers and the gateway with its
local-only routes.
`LocalMode(port).start()` … `.stop()`; `python -m infra.local` runs it until interrupted."""

import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

import boto3
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from consentmail.core import container
from consentmail.core.clock import parse_iso
from consentmail.core.routes import Function
from infra.local.authorizer import CognitoAuthorizer
from infra.local.console import ConsoleSite, is_console_path
from infra.local.demo import Demo, demo_page, seed_demo
from infra.local.gateway import Gateway, ProblemRequestHandler, json_response, problem
from infra.local.invoke import Invoker, MissingFunction
from infra.local.outbox import outbox_page, sent_emails
from infra.local.provision import Provisioned, provision
from infra.local.schedules import ScheduleTimer, fire_due
from infra.local.ses_simulator import SesSimulator
from infra.local.workers import PurgeTimer, QueueWorker, scheduled_event

logger = logging.getLogger(__name__)

DEFAULT_PORT = 8787
DEFAULT_REGION = "eu-west-3"
HOST = "127.0.0.1"
PURGE_INTERVAL_SECONDS = 3600

# Only the emulator is ever called: dummy credentials, and nothing that could pick real ones.
_CLEARED = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DEFAULT_PROFILE")


def quiet_werkzeug() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


def free_port(host: str = HOST) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def reset_emulator() -> None:
    """Empty every moto backend of this process (what the server's /moto-api/reset does)."""
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()


@dataclass(frozen=True)
class Urls:
    base: str

    @property
    def demo(self) -> str:
        return f"{self.base}/"

    @property
    def outbox(self) -> str:
        return f"{self.base}/_local/outbox"

    @property
    def outbox_page(self) -> str:
        return f"{self.base}/_local/outbox?format=html"

    @property
    def config(self) -> str:
        return f"{self.base}/_local/config"

    @property
    def console(self) -> str:
        return f"{self.base}/console/"

    @property
    def openapi(self) -> str:
        return f"{self.base}/openapi.json"


class LocalMode:
    def __init__(
        self,
        port: int = DEFAULT_PORT,
        region: str = DEFAULT_REGION,
        host: str = HOST,
        purge_interval: float = PURGE_INTERVAL_SECONDS,
        demo_history: bool = True,
    ):
        self.requested_port = port
        self.region = region
        self.host = host
        self.purge_interval = purge_interval
        # The demo account's sent campaigns (infra/local/demo_campaign.py): their retention
        # deadlines fall in the days after the start, so a test that runs the purge months ahead
        # and wants every deletion on time starts without them.
        self.demo_history = demo_history
        self.provisioned: Provisioned | None = None
        self.demo: Demo | None = None
        self.endpoint_url = ""
        self.urls = Urls("")
        self.invoker = Invoker(region)
        self.gateway: Gateway | None = None
        self.simulator: SesSimulator | None = None
        self._moto = None
        self._server: BaseWSGIServer | None = None
        self._server_thread: threading.Thread | None = None
        self._workers: list = []
        self._saved_environ: dict[str, str] | None = None
        self.console = ConsoleSite()

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> "LocalMode":
        quiet_werkzeug()
        self._saved_environ = dict(os.environ)
        try:
            # Bind first: the public URL (in every emailed link) needs the real port.
            self._server = make_server(
                self.host,
                self.requested_port,
                self._wsgi,
                threaded=True,
                request_handler=ProblemRequestHandler,
            )
            self.urls = Urls(f"http://{self.host}:{self._server.server_port}")
            self._start_emulator()
            # The console PUTs a large import's file to its presigned URL: the emulator's origin.
            self.console.transfers = self.endpoint_url
            self.provisioned = provision(self.region, self.urls.base)
            os.environ.update(self.provisioned.environment)
            # As a new container would: every client, setting, key and service is made again,
            # from the emulator's environment, on first use.
            container.reset_all()
            self.simulator = SesSimulator(
                self.region,
                lambda event: self.invoker(Function.SES_EVENTS, event),
            )
            # The demo's past sends build and process their own SES events, at their own times:
            # seeded before the simulator watches sends.
            self.demo = seed_demo(datetime.now(UTC), self.region, self.demo_history)
            self.simulator.sent_at.update(self.demo.sent_at)
            # The simulator watches the clients made after it is installed: the seed's go.
            container.reset_all()
            self.simulator.install(boto3.DEFAULT_SESSION)
            self.simulator.start()
            self.gateway = Gateway(
                self.invoker,
                CognitoAuthorizer(
                    self.endpoint_url,
                    self.region,
                    self.provisioned.user_pool_id,
                    self.provisioned.user_pool_client_id,
                ),
                self._local_routes(),
            )
            env = self.provisioned.environment
            self._workers = [
                QueueWorker(Function.FANOUT, env["CONSENTMAIL_FANOUT_QUEUE_URL"], self.region, self.invoker),
                QueueWorker(Function.SENDER, env["CONSENTMAIL_SEND_QUEUE_URL"], self.region, self.invoker),
                # One message per invocation, as the stack's event source mappings give them.
                QueueWorker(
                    Function.IMPORTER, env["CONSENTMAIL_IMPORT_QUEUE_URL"], self.region, self.invoker, 1
                ),
                QueueWorker(
                    Function.EXPORTER, env["CONSENTMAIL_EXPORT_QUEUE_URL"], self.region, self.invoker, 1
                ),
                PurgeTimer(self.region, self.invoker, self.purge_interval),
                ScheduleTimer(),
            ]
            for worker in self._workers:
                worker.start()
            self._server_thread = threading.Thread(
                target=self._server.serve_forever, name="gateway", daemon=True
            )
            self._server_thread.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop everything this instance started, in reverse order, and restore the environment."""
        # Asked all at once, the queue workers' long polls end together, not one after another.
        for worker in self._workers:
            worker.request_stop()
        for worker in self._workers:
            worker.stop()
        self._workers = []
        if self._server is not None:
            if self._server_thread is not None:
                self._server.shutdown()
                self._server_thread.join(10)
                self._server_thread = None
            self._server.server_close()
            self._server = None
        if self.simulator is not None:
            self.simulator.stop()
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        if self._saved_environ is not None:
            os.environ.clear()
            os.environ.update(self._saved_environ)
            self._saved_environ = None
            container.reset_all()

    def _start_emulator(self) -> None:
        from moto.server import ThreadedMotoServer

        port = free_port(self.host)
        self._moto = ThreadedMotoServer(ip_address=self.host, port=port, verbose=False)
        self._moto.start()
        self.endpoint_url = f"http://{self.host}:{port}"
        # moto's backends live in this process: start from an empty AWS even if another emulator
        # (an earlier local mode, a test's mock_aws) ran here before.
        reset_emulator()
        for name in _CLEARED:
            os.environ.pop(name, None)
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": self.endpoint_url,
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region,
                # Current botocore builds account-based endpoints (e.g. for DynamoDB) unless told not to.
                "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
                "NO_PROXY": ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"])),
            }
        )
        for name, value in {
            "POWERTOOLS_SERVICE_NAME": "consentmail",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_NAMESPACE": "consentmail",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }.items():
            os.environ.setdefault(name, value)
        # A fresh default session: the SES simulator's hooks go on it, and every client the
        # functions create (after the caches are reset) comes from it.
        boto3.setup_default_session()

    # -- the gateway ---------------------------------------------------------------------------
    def _wsgi(self, environ, start_response):
        if is_console_path(environ.get("PATH_INFO", "")):
            return self.console(environ, start_response)
        if self.gateway is None:
            response = problem(503, "Starting", "Local mode is still starting.")
            return response(environ, start_response)
        return self.gateway(environ, start_response)

    @property
    def port(self) -> int:
        return int(self.urls.base.rsplit(":", 1)[1])

    def _local_routes(self):
        return {
            ("GET", "/"): self._demo_page,
            ("GET", "/_local/config"): self._config,
            ("GET", "/_local/outbox"): self._outbox,
            ("POST", "/_local/jobs/purge"): self._purge,
            ("POST", "/_local/jobs/schedules"): self._schedules,
            ("GET", "/openapi.json"): self._openapi,
        }

    def config(self) -> dict:
        assert self.provisioned is not None and self.demo is not None
        return {
            "aws_endpoint_url": self.endpoint_url,
            "region": self.region,
            "tables": list(self.provisioned.table_names),
            "demo": {"email": self.demo.email, "password": self.demo.password, "list_id": self.demo.list_id},
        }

    def _config(self, _request: Request) -> Response:
        return json_response(self.config())

    def _demo_page(self, _request: Request) -> Response:
        assert self.demo is not None
        html, headers = demo_page(self.demo.list_id)
        return Response(html, 200, headers=headers)

    def _outbox(self, request: Request) -> Response:
        assert self.simulator is not None
        emails = sent_emails(self.region, self.simulator.sent_at, request.args.get("to"))
        if request.args.get("format") == "html":
            html, headers = outbox_page(emails)
            return Response(html, 200, headers=headers)
        return json_response(emails)

    @staticmethod
    def _job_time(request: Request) -> str | Response:
        """The `time` of a job request, or the 422 that says what to send."""
        data = request.get_json(silent=True)
        at = data.get("time") if isinstance(data, dict) else None
        try:
            if not isinstance(at, str):
                raise ValueError
            parse_iso(at)
        except ValueError:
            return problem(
                422, "Invalid input", 'The body must be {"time": "<ISO 8601 date-time>"}.', "invalid-input"
            )
        return at

    def _schedules(self, request: Request) -> Response:
        at = self._job_time(request)
        if isinstance(at, Response):
            return at
        return json_response({"fired": fire_due(parse_iso(at))})

    def _purge(self, request: Request) -> Response:
        at = self._job_time(request)
        if isinstance(at, Response):
            return at
        try:
            result = self.invoker(Function.PURGE, scheduled_event(at, self.region))
        except MissingFunction as error:
            return problem(503, "Function not available", str(error), "function-missing")
        return json_response(result)

    def _openapi(self, _request: Request) -> Response:
        from tools.openapi import OpenApiError, build_document

        try:
            return json_response(build_document(servers=[self.urls.base]))
        except OpenApiError as error:
            return problem(503, "OpenAPI document not available", str(error))
