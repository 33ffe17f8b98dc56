"""Repositories: one per table, the only code that speaks DynamoDB."""
