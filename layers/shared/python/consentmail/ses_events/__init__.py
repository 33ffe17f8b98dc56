"""SES events: the models of both shapes, their processing into events, counters and
suppression, and the verification of SNS messages posted to the webhook."""
