"""Deletion receipts: what the purge and erasures deleted, signed, for account holders and audits."""
