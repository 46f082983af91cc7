"""Policy texts shipped with breachtrail: each a Markdown data file read by ``domain.policy_text``."""
