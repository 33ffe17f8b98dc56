"""Domain errors, and their one mapping to RFC 9457 problem+json bodies."""

from dataclasses import dataclass, field

PROBLEM_JSON = "application/problem+json"


@dataclass
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    """A refusal a client can act on; `status` is the HTTP status it maps to."""

    status = 400
    title = "Bad request"
    type = "about:blank"

    def __init__(self, detail: str, errors: list[FieldError] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class InvalidInput(DomainError):
    status = 422
    title = "Invalid input"
    type = "https://consentmail.dev/problems/invalid-input"


class NotFound(DomainError):
    status = 404
    title = "Not found"
    type = "https://consentmail.dev/problems/not-found"


class AddressErased(NotFound):
    """A write about an address whose erasure is under way (its tombstone lives, see
    docs/retention.md): refused, so the erasure wins. The data it would have written must not
    exist, so by default it answers as for data that does not exist; each context that has its
    own answer for that (a neutral 202, the unknown-link page, a dropped event) gives it."""

    def __init__(self, detail: str = "There is no such contact."):
        super().__init__(detail)


class Conflict(DomainError):
    status = 409
    title = "Conflict"
    type = "https://consentmail.dev/problems/conflict"


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"
    type = "https://consentmail.dev/problems/unauthorized"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"
    type = "https://consentmail.dev/problems/forbidden"


class Gone(DomainError):
    """What the request needs existed but is gone for good (a campaign's content after 6 days)."""

    status = 410
    title = "Gone"
    type = "https://consentmail.dev/problems/gone"


class TooManyRequests(DomainError):
    """An account's own limit (e.g. test sends per day): the same request succeeds later."""

    status = 429
    title = "Too many requests"
    type = "https://consentmail.dev/problems/too-many-requests"


class Unavailable(DomainError):
    """A service behind us (SES, the scheduler) did not take the request; nothing was changed, and
    the same request may succeed shortly."""

    status = 503
    title = "Service unavailable"
    type = "https://consentmail.dev/problems/unavailable"


class PayloadTooLarge(DomainError):
    status = 413
    title = "Payload too large"
    type = "https://consentmail.dev/problems/payload-too-large"


class InvalidToken(DomainError):
    """A token that is malformed, tampered with, of another purpose, or expired."""

    status = 400
    title = "Invalid or expired link"
    type = "https://consentmail.dev/problems/invalid-token"


class Retryable(Exception):
    """A transient failure (throttling, a dependency briefly unavailable): retry, don't give up."""


class EmailNotSent(Exception):
    """SES did not take a message (its error code in `code`): no DomainError, since the person
    who caused the send did nothing wrong; whoever sends decides whether to count, log or fail."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class EmailRefused(EmailNotSent):
    """SES refused this message or this account (rejected, unverified domain, sending paused):
    sending it again will not change the answer."""


class EmailThrottled(EmailNotSent, Retryable):
    """SES's rate or quota: the same message may go out after a pause."""


@dataclass
class Problem:
    status: int
    title: str
    detail: str
    type: str = "about:blank"
    errors: list[FieldError] = field(default_factory=list)

    def body(self) -> dict:
        body: dict = {"type": self.type, "title": self.title, "status": self.status, "detail": self.detail}
        if self.errors:
            body["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        return body


def problem_for(error: DomainError) -> Problem:
    return Problem(error.status, error.title, error.detail, error.type, error.errors)
