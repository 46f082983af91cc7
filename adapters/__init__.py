"""The edges of breachtrail: configuration, storage wiring, HTTP and the command line."""
