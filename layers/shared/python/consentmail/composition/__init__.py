"""One composition module per Lambda function: the services that function uses, each built once
per container and lazily (`consentmail.core.container.per_container`). Handlers call
`<module>.<service>()`; tests swap a dependency by monkeypatching that factory, and one
`container.reset_all()` forgets every service, client and setting at once.

The signing secret is read through the container's Secrets Manager client (boto3's default
session, as every other client) rather than a session of Powertools' own."""

from consentmail.adapters import aws_clients
from consentmail.core import signing_keys

signing_keys.read_through(lambda: aws_clients.client("secretsmanager"))
