"""A task goes through a real ``celery -A assessment worker`` process on Redis and PostgreSQL.

Nothing is mocked: the test commits units to the test database, starts a worker subprocess that
reads that same database, sends tasks through the Redis broker and waits for their results in the
Redis result backend. It needs ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL``; without them it is
skipped locally and fails in CI.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection

from assessment.celery import app as celery_app
from cadres.models import Unit, UnitKind
from cadres.tasks import count_units
from core.tasks import ping

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 60
RESULT_TIMEOUT = 60

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def unavailable(reason: str) -> None:
    """A missing service skips the test on a developer's machine and fails it in CI."""
    if os.environ.get("CI"):
        pytest.fail(f"CI needs this test to run: {reason}", pytrace=False)
    print(f"SKIPPED worker test: {reason}")
    pytest.skip(reason)


def worker_database_url() -> str:
    """The URL of the database this test runs on (pytest-django's test database, not the dev one)."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(db['NAME'], safe='')}"


@pytest.fixture
def services():
    if connection.vendor != "postgresql":
        unavailable(
            f"the database is {connection.vendor}, not PostgreSQL; a worker process cannot share the "
            "test database (set DATABASE_URL=postgres://postgres@127.0.0.1:5432/assessment_dev)"
        )
    redis_url = settings.REDIS_URL
    if not redis_url:
        unavailable("REDIS_URL is not set, so Celery runs eagerly (set REDIS_URL=redis://127.0.0.1:6379/5)")
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3, socket_timeout=3).ping()
    except redis.RedisError as exc:
        unavailable(f"Redis at {redis_url} is not reachable: {exc}")
    return {"redis_url": redis_url, "database_url": worker_database_url()}


@pytest.fixture
def real_celery(_eager_celery):
    """Tasks leave this process: undo the eager mode that conftest sets for every other test."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield celery_app
    finally:
        celery_app.conf.task_always_eager = previous


def wait_until_ready(worker: subprocess.Popen, nodename: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            pytest.fail(f"the worker exited early with code {worker.returncode}", pytrace=False)
        replies = celery_app.control.ping(destination=[nodename], timeout=1.0)
        if any(nodename in reply for reply in replies):
            return
        time.sleep(0.5)
    pytest.fail(f"the worker did not answer a ping within {READY_TIMEOUT}s", pytrace=False)


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is not None:
        return
    worker.terminate()  # SIGTERM: the worker's warm shutdown closes its database connections
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=10)


@pytest.fixture
def worker(services, real_celery, tmp_path):
    """A real worker process on a queue and node name of its own (so that another worker on the
    same Redis cannot take the tasks); tasks sent without a queue go to it too."""
    suffix = uuid.uuid4().hex[:10]
    queue = f"test-worker-{suffix}"
    nodename = f"test-{suffix}@{socket.gethostname()}"
    env = {**os.environ, "DATABASE_URL": services["database_url"], "REDIS_URL": services["redis_url"],
           "DJANGO_SETTINGS_MODULE": "assessment.settings", "PYTHONUNBUFFERED": "1"}
    log_path = tmp_path / "worker.log"
    command = [sys.executable, "-m", "celery", "-A", "assessment", "worker", "--pool=solo", "--concurrency=1",
               "-l", "info", "-n", nodename, "-Q", queue, "--without-gossip", "--without-mingle"]
    print("worker:", " ".join(command))
    print("worker database:", services["database_url"], "broker:", services["redis_url"])
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    try:
        started = time.monotonic()
        wait_until_ready(process, nodename)
        print(f"worker ready after {time.monotonic() - started:.1f}s")
        yield {"queue": queue, "log": log_path}
    except BaseException:
        print(f"----- worker log ({log_path}) -----")
        print(log_path.read_text(encoding="utf-8", errors="replace"))
        print("----- end of worker log -----")
        raise
    finally:
        celery_app.conf.task_default_queue = previous_queue
        stop(process)


def test_tasks_run_in_a_real_worker_on_redis(worker):
    units = [
        Unit(code=f"W{number:02d}", name=f"测试单位{number}", kind=UnitKind.TOWNSHIP) for number in range(1, 6)
    ]
    Unit.objects.bulk_create(units)
    expected_units = Unit.objects.count()
    assert expected_units == 5

    result = ping.apply_async(args=["鸡鸣"], queue=worker["queue"])
    assert result.get(timeout=RESULT_TIMEOUT) == "pong:鸡鸣"
    assert result.successful()

    counted = count_units.delay()
    assert counted.get(timeout=RESULT_TIMEOUT) == {"units": expected_units}

    # The worker really reads the database: a unit committed now is counted by the next task.
    Unit.objects.create(code="W99", name="新增单位", kind=UnitKind.DEPARTMENT)
    recount = count_units.delay()
    assert recount.get(timeout=RESULT_TIMEOUT) == {"units": expected_units + 1}

    log_text = worker["log"].read_text(encoding="utf-8", errors="replace")
    assert "ready." in log_text
    assert "core.tasks.ping" in log_text and "cadres.tasks.count_units" in log_text


def wait_for_results(period, timeout: float = RESULT_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        period.refresh_from_db()
        if period.computed_at and not period.recompute_pending:
            return
        time.sleep(0.2)
    pytest.fail(f"the worker did not recompute {period} within {timeout}s", pytrace=False)


def test_a_changed_statistic_is_recomputed_by_the_worker(worker, district):
    from assessment.models import Statistic, UnitResult
    from assessment.recompute import request_recompute

    period = district["period"]
    request_recompute(period)  # autocommit: the task is sent to the broker at once
    wait_for_results(period)
    assert UnitResult.objects.get(period=period, unit__code="Z1").rank == 2

    Statistic.objects.filter(period=period, unit__code="Z1", indicator__code="G1").update(value=50)
    request_recompute(period)
    wait_for_results(period)
    assert UnitResult.objects.get(period=period, unit__code="Z1").rank == 1
    assert UnitResult.objects.filter(period=period).count() == 3
    assert "assessment.tasks.recompute" in worker["log"].read_text(encoding="utf-8", errors="replace")
