"""Tables and stores in SQL: read models, case keys, the chain, the access log, users."""
