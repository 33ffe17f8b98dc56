"""SES's error codes become domain errors in the adapter, so the sender and the subject-request
service decide on them without knowing botocore: a throttle is retried, a refusal is counted
failed, anything else means SES did not take the message."""

import pytest
from botocore.exceptions import ClientError

from consentmail.adapters.ses import not_sent
from consentmail.core.errors import DomainError, EmailNotSent, EmailRefused, EmailThrottled, Retryable


def ses_answer(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "SES says no"}}, "SendEmail")


@pytest.mark.parametrize(
    "code", ["TooManyRequestsException", "ThrottlingException", "LimitExceededException"]
)
def test_a_throttle_is_a_retryable_email_throttled(code):
    error = not_sent(ses_answer(code))

    assert isinstance(error, EmailThrottled) and isinstance(error, Retryable)
    assert error.code == code


@pytest.mark.parametrize(
    "code", ["MessageRejected", "MailFromDomainNotVerifiedException", "SendingPausedException"]
)
def test_a_refusal_that_retrying_will_not_change_is_email_refused(code):
    error = not_sent(ses_answer(code))

    assert isinstance(error, EmailRefused) and not isinstance(error, Retryable)
    assert error.code == code


def test_any_other_answer_is_email_not_sent_and_never_an_http_refusal():
    error = not_sent(ses_answer("InternalFailure"))

    assert type(error) is EmailNotSent and error.code == "InternalFailure"
    # Whoever asked for the email did nothing wrong: it must not become a 4xx.
    assert not isinstance(error, DomainError)
