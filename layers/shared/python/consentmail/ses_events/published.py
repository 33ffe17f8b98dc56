"""The SES event types our configuration set publishes (the CDK app) and the local SES simulator
emits, in SES's own names.

Send is not among them: the sender writes a send marker before each SES call and counts the send
itself, so a Send event would cost an SNS publish, an invocation and a write per email and add
nothing (docs/benchmarks.md). The processing still accepts Send events, from identity
notifications or topics routed to /webhooks/ses."""

PUBLISHED_EVENT_TYPES = ("Delivery", "Bounce", "Complaint", "Reject", "DeliveryDelay", "Rendering Failure")
