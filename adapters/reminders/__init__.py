"""Reminders reach people: digest mails over SMTP and calendar feeds, in Danish or English."""
