"""The breachtrail application: use cases, authorisation and queries over the event store."""
