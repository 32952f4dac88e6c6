"""Notification centre (消息提醒) and the year's schedule: reminders created once per
event, an optional daily e-mail digest, and the scheduled steps (trial, reminders,
closes an admin switched on) that Celery beat runs."""
