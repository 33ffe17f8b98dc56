"""Each function's timeout, in seconds: the one source the CDK constructs and local mode read
(handlers that watch the time left — fan-out, sender, purge — behave the same in both)."""

from consentmail.core.routes import Function

# API Gateway's REST integration timeout is 29 s; leave it room to answer.
API_SECONDS = 25
SECONDS: dict[Function, int] = {
    Function.FANOUT: 300,
    # Long enough for a batch at the SES sandbox's 1 email per second (see sending.sender_batch).
    Function.SENDER: 300,
    Function.SES_EVENTS: 30,
    Function.PURGE: 600,
    # An import goes chunk by chunk and hands the rest to a new message before this runs out.
    Function.IMPORTER: 300,
    # An export writes its whole file in one invocation: a million contacts take minutes.
    Function.EXPORTER: 900,
}


def timeout_seconds(function: Function) -> int:
    return SECONDS.get(function, API_SECONDS)
