"""Subscription: website forms, double opt-in, confirmation, unsubscription."""
