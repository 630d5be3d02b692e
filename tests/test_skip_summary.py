"""The closing line about skipped tests counts the ones that need a service, and only those."""

from __future__ import annotations

from tests.conftest import services_needed


def test_it_counts_the_skips_that_need_postgresql_or_a_worker():
    reasons = [
        "needs PostgreSQL row locks (CI runs this on PostgreSQL)",
        "REDIS_URL is not set, so Celery runs eagerly (set REDIS_URL=redis://127.0.0.1:6379/5)",
        "LibreOffice is not installed",
    ]
    assert services_needed(reasons) == (2, ["PostgreSQL", "Redis"])


def test_it_says_nothing_when_no_skip_needs_a_service():
    assert services_needed(["LibreOffice is not installed"]) == (0, [])
