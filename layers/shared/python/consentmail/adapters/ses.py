"""The one place that hands a message to SES: SES v2 `send_email` with raw content, through our
configuration set, tagged so SES events map back to account, campaign and contact without a
lookup."""

from consentmail.adapters import aws_clients
from consentmail.core.addresses import ascii_address
from consentmail.core.settings import get_settings

# Tag names SES events carry back to us (mail.tags).
TAG_KIND = "cm_kind"
TAG_ACCOUNT = "cm_account"
TAG_CAMPAIGN = "cm_campaign"
TAG_CONTACT = "cm_contact"
TAG_LIST = "cm_list"


def send_raw(raw: bytes, *, from_email: str, to: str, tags: dict[str, str]) -> str:
    """Send one message to one recipient; returns SES's message id. SES takes addresses in ASCII
    (an internationalized domain in punycode)."""
    response = aws_clients.client("sesv2").send_email(
        FromEmailAddress=ascii_address(from_email),
        Destination={"ToAddresses": [ascii_address(to)]},
        Content={"Raw": {"Data": raw}},
        ConfigurationSetName=get_settings().ses_configuration_set,
        EmailTags=[{"Name": name, "Value": value} for name, value in tags.items() if value],
    )
    return response["MessageId"]
