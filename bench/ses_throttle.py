"""SES throttling on demand, for local mode (moto never throttles): a botocore `before-call` hook
that answers the next N SES v2 SendEmail calls of this process with a throttling error, as SES
does when an account goes over its sending rate (`TooManyRequestsException`, and `Throttling`
from the older API), without the request reaching the emulator. Everything else about the call,
and every call after the stretch, is moto's.

Used by the benchmark's paced run (bench/pacing.py) and by the integration test that shows a
throttled stretch loses no email."""

import threading

import boto3
from botocore.awsrequest import AWSResponse

CODES = ("TooManyRequestsException", "Throttling")
_EVENT = "before-call.sesv2.SendEmail"


class SesThrottle:
    """Throttles the next `calls` SendEmail calls made by clients created after `install()`."""

    def __init__(self, calls: int, codes: tuple[str, ...] = CODES):
        self.remaining = calls
        self.codes = codes
        self.throttled = 0
        self.passed = 0
        self._lock = threading.Lock()
        self._session = None

    def install(self, session=None) -> "SesThrottle":
        """Hook the session (boto3's default one unless given); clients made from it afterwards
        carry the hook (botocore copies a session's handlers into each new client)."""
        if session is None:
            if boto3.DEFAULT_SESSION is None:
                boto3.setup_default_session()
            session = boto3.DEFAULT_SESSION
        session.events.register_first(_EVENT, self._answer)
        self._session = session
        return self

    def uninstall(self) -> None:
        if self._session is not None:
            self._session.events.unregister(_EVENT, self._answer)
            self._session = None

    @property
    def over(self) -> bool:
        with self._lock:
            return self.remaining <= 0

    def _answer(self, model, **_kwargs):
        with self._lock:
            if self.remaining <= 0:
                self.passed += 1
                return None
            self.remaining -= 1
            code = self.codes[self.throttled % len(self.codes)]
            self.throttled += 1
        parsed = {
            "Error": {"Code": code, "Message": "Maximum sending rate exceeded."},
            "ResponseMetadata": {"HTTPStatusCode": 429},
        }
        return AWSResponse("https://email.amazonaws.com/v2/email/outbound-emails", 429, {}, None), parsed
