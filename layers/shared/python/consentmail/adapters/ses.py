"""The one place that talks to SES: SES v2 `send_email` with raw content, through our
configuration set, tagged so SES events map back to account, campaign and contact without a
lookup; and the removal of an address from SES's account-level suppression list.

SES's error codes become domain errors here (core/errors.py): a throttle `EmailThrottled`, a
refusal that retrying will not change `EmailRefused`, anything else `EmailNotSent`."""

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from consentmail.adapters import aws_clients
from consentmail.core.addresses import ascii_address
from consentmail.core.errors import EmailNotSent, EmailRefused, EmailThrottled
from consentmail.core.settings import get_settings

# Tag names SES events carry back to us (mail.tags).
logger = Logger(child=True)

TAG_KIND = "cm_kind"
TAG_ACCOUNT = "cm_account"
TAG_CAMPAIGN = "cm_campaign"
TAG_CONTACT = "cm_contact"
TAG_LIST = "cm_list"

# SES v2 SendEmail errors that mean "too fast / over quota"; v1-style codes for safety.
THROTTLING = frozenset(
    {"TooManyRequestsException", "ThrottlingException", "Throttling", "LimitExceededException"}
)
# Errors that will not change by sending the same message again.
REFUSED = frozenset(
    {
        "MessageRejected",
        "MailFromDomainNotVerifiedException",
        "BadRequestException",
        "NotFoundException",
        "SendingPausedException",
        "AccountSuspendedException",
    }
)
# SES answers NotFoundException for an address that is not on its suppression list; the emulator
# of local mode answers a bare 404, since it has no such route.
_NOT_SUPPRESSED = frozenset({"NotFoundException", "404"})


def _code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def not_sent(error: ClientError) -> EmailNotSent:
    """The domain error for SES's answer to a send."""
    code = _code(error)
    if code in THROTTLING:
        return EmailThrottled(code)
    if code in REFUSED:
        return EmailRefused(code)
    return EmailNotSent(code)


def send_raw(raw: bytes, *, from_email: str, to: str, tags: dict[str, str]) -> str:
    """Send one message to one recipient; returns SES's message id, or raises EmailNotSent. SES
    takes addresses in ASCII (an internationalized domain in punycode)."""
    try:
        response = aws_clients.client("sesv2").send_email(
            FromEmailAddress=ascii_address(from_email),
            Destination={"ToAddresses": [ascii_address(to)]},
            Content={"Raw": {"Data": raw}},
            ConfigurationSetName=get_settings().ses_configuration_set,
            EmailTags=[{"Name": name, "Value": value} for name, value in tags.items() if value],
        )
    except ClientError as error:
        raise not_sent(error) from error
    return response["MessageId"]


def remove_from_suppression_list(address: str) -> bool:
    """Take the address off SES's account-level suppression list; False if it was not on it."""
    try:
        aws_clients.client("sesv2").delete_suppressed_destination(EmailAddress=address)
    except ClientError as error:
        if _code(error) in _NOT_SUPPRESSED:
            return False
        raise
    except NotImplementedError:
        # Only the in-process emulator of the tests raises this (it does not implement the call);
        # AWS does. Nothing to remove there.
        logger.warning("SES suppression list not available in this emulator")
        return False
    return True
