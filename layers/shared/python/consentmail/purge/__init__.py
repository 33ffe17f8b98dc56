"""The hourly purge: retention enforced by the system, not left to DynamoDB's TTL alone."""
