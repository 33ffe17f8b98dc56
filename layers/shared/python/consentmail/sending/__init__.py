"""Campaigns and their sending: the campaign service (CRUD, send start), the fan-out over a
list's sendable contacts, and the sender that turns a batch into one email per contact."""
