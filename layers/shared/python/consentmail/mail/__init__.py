"""Outgoing mail: MIME building with the standard library, and the one SES v2 send call."""
