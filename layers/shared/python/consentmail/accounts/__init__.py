"""Account holders: Cognito accounts, profiles, closure, notifications, lists and contacts."""
