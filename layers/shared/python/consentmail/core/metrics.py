"""Names of the custom CloudWatch metrics that an alarm watches: the function that emits one and
the CDK app's alarm both read the name here, so they cannot drift apart."""

# Recipients of a campaign counted `failed` (their email could not be built or SES refused it),
# emitted by the sender after each batch; any of them raises the operator alarm.
CAMPAIGN_RECIPIENTS_FAILED = "CampaignRecipientsFailed"
