"""Tracking: the open pixel and click redirects (only for contacts who allow it), preferences."""
