"""Local mode: the whole system on one machine with no AWS account. moto's server stands in for
AWS, a gateway serves the route table by calling the functions' handlers in-process with the API
Gateway proxy event, workers consume the queues, and an SES simulator feeds SES events back through
the `ses_events` handler. Nothing here is deployed; handlers contain no local-mode branches."""
