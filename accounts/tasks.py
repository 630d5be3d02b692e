"""Account housekeeping started by Celery beat. Each task finds its own work and is safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task
def disable_inactive_accounts_daily() -> int:
    """Deactivate the accounts nobody has logged into for ACCOUNT_INACTIVE_DAYS (each one audit-logged)."""
    from accounts.services import disable_inactive_accounts

    return len(disable_inactive_accounts())


@shared_task
def end_expired_break_glass_hourly() -> int:
    """Take the superuser flag from every account whose break-glass grant has run out (or that has none)."""
    from accounts.break_glass import end_expired_break_glass

    return len(end_expired_break_glass())
