"""The breachtrail domain: cases of policy breaches, their steps and the rules they name.

Pure Python plus ``eventsourcing.domain``; nothing here knows about HTTP or databases.
"""
