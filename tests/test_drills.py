"""Reliability drills with real ``celery worker`` processes on PostgreSQL and Redis (docs/operations.md).

- Broker outage: with the broker unreachable an import still commits, the page answers at once and
  says that results will follow; its recompute job waits as a row. With the broker back, the sweeper
  hands the job over, a real worker runs it once and the ranking changes.
- Worker killed mid-recompute: a worker is killed with SIGKILL inside the transaction that replaces a
  period's results (RECOMPUTE_DRILL_PAUSE_FILE holds it there, see assessment/recompute.py). The
  previous results stay readable throughout; the sweeper sees that the job's runner is gone, a second
  worker runs the job again, and the results equal those of an uninterrupted run. With the prefork
  pool, a killed pool process's message is put back by the worker itself and run again at once.

Like tests/test_worker.py these need PostgreSQL (the worker shares the test database) and Redis; without
them they are skipped on a developer's machine and fail in CI.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from accounts.roles import Role
from assessment.celery import app as celery_app
from assessment.models import DimensionResult, IndicatorScore, Statistic, UnitResult
from assessment.recompute import DRILL_PAUSE_VARIABLE, RECOMPUTE, recompute_period, request_recompute
from core.models import Job, JobState
from indicators.models import ImportMode, ImportStatus
from indicators.uploads import batch_check, batch_receive
from tests.test_outbox import PROMPT_SECONDS, QUEUE_UNAVAILABLE, broker_down, statistics_sheet
from tests.test_worker import stop, unavailable, wait_until_ready, worker_database_url

ROOT = Path(__file__).resolve().parent.parent
JOB_TIMEOUT = 60

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


class Drill:
    """Starts real workers on a queue of their own (tasks sent from this process go to it too)."""

    def __init__(self, tmp_path: Path, redis_url: str):
        self.tmp_path = tmp_path
        self.redis_url = redis_url
        self.queue = f"drill-{uuid.uuid4().hex[:10]}"
        self.workers: list[tuple[subprocess.Popen, Path]] = []

    def start(self, name: str, *, pool: str = "solo", **environment: str) -> subprocess.Popen:
        nodename = f"{name}-{uuid.uuid4().hex[:6]}@{socket.gethostname()}"
        env = {**os.environ, "DATABASE_URL": worker_database_url(), "REDIS_URL": self.redis_url,
               "DJANGO_SETTINGS_MODULE": "assessment.settings", "PYTHONUNBUFFERED": "1", **environment}
        log_path = self.tmp_path / f"{name}.log"
        command = [sys.executable, "-m", "celery", "-A", "assessment", "worker", f"--pool={pool}", "--concurrency=1",
                   "-l", "info", "-n", nodename, "-Q", self.queue, "--without-gossip", "--without-mingle"]
        with log_path.open("wb") as log:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL)
        self.workers.append((process, log_path))
        started = time.monotonic()
        wait_until_ready(process, nodename)
        print(f"worker {name} (pid {process.pid}) ready after {time.monotonic() - started:.1f}s")
        return process

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def drill(tmp_path):
    if connection.vendor != "postgresql":
        unavailable(f"the database is {connection.vendor}, not PostgreSQL; a worker process cannot share the "
                    "test database (set DATABASE_URL=postgres://postgres@127.0.0.1:5432/assessment_dev)")
    if not settings.REDIS_URL:
        unavailable("REDIS_URL is not set, so Celery runs eagerly (set REDIS_URL=redis://127.0.0.1:6379/5)")
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3, socket_timeout=3).ping()
    except redis.RedisError as exc:
        unavailable(f"Redis at {settings.REDIS_URL} is not reachable: {exc}")
    drill = Drill(tmp_path, settings.REDIS_URL)
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager = False  # conftest makes every other test eager
    celery_app.conf.task_default_queue = drill.queue
    try:
        yield drill
    except BaseException:
        for _process, log_path in drill.workers:
            print(f"----- {log_path.name} -----\n{log_path.read_text(encoding='utf-8', errors='replace')}")
        raise
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = previous
        for process, _log_path in drill.workers:
            started = time.monotonic()
            stop(process)
            print(f"worker {process.pid} stopped in {time.monotonic() - started:.1f}s")


def wait_for(condition, what: str, timeout: float = JOB_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"{what} did not happen within {timeout}s", pytrace=False)


def ranks(period) -> dict[str, int]:
    return dict(UnitResult.objects.filter(period=period).values_list("unit__code", "rank"))


def stored_results(period) -> dict[str, list[tuple]]:
    """Every stored result of the period, as a reader sees it (computed_at aside, a clock reading)."""
    return {
        "units": list(UnitResult.objects.filter(period=period).order_by("unit_id").values_list(
            "unit_id", "track_id", "performance", "component_scores", "bonus", "penalty", "total", "rank", "tier",
            "rank_change", "missing_count", "vetoed", "affirmed", "inputs_version")),
        "indicators": list(IndicatorScore.objects.filter(period=period).order_by("unit_id", "indicator_id")
                           .values_list("unit_id", "indicator_id", "value", "scored_value", "target_used", "weight",
                                        "score", "status")),
        "dimensions": list(DimensionResult.objects.filter(period=period).order_by("unit_id", "dimension_id", "kind")
                           .values_list("unit_id", "dimension_id", "score", "weight", "rate", "track_median",
                                        "kind")),
    }


def sweep() -> str:
    """What an operator runs (Celery beat runs the same sweep every minute)."""
    output = io.StringIO()
    call_command("sweep_jobs", stdout=output)
    return output.getvalue()


def test_broker_outage_drill(drill, district, client, make_user):
    period = district["period"]
    recompute_period(period.pk)
    assert ranks(period) == {"Z1": 2, "Z2": 3, "Z3": 1}
    provider = make_user("tianbao", [Role.DATA_PROVIDER], department=district["growth"].provider)
    client.force_login(provider)
    batch = batch_receive(data=statistics_sheet(["Z1", "东镇", 50, 100]), filename="tj.xlsx", period=period,
                          department=district["growth"].provider, user=provider, mode=ImportMode.MERGE)
    batch_check(batch)
    assert batch.status == ImportStatus.PREVIEWED
    drill.start("worker")

    with broker_down():
        started = time.monotonic()
        page = client.post(reverse("indicators:batch_confirm", args=[batch.pk]), follow=True).content.decode()
        elapsed = time.monotonic() - started
    print(f"the import was confirmed with the broker down in {elapsed:.2f}s")
    assert elapsed < PROMPT_SECONDS and QUEUE_UNAVAILABLE in page
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED
    assert Statistic.objects.get(period=period, unit__code="Z1", indicator__code="G1").value == 50
    job = Job.objects.get(kind=RECOMPUTE)
    assert (job.state, job.sent_at) == (JobState.PENDING, None)
    time.sleep(2)  # a running worker gets nothing: the job never reached the queue
    job.refresh_from_db()
    assert job.state == JobState.PENDING and ranks(period) == {"Z1": 2, "Z2": 3, "Z3": 1}

    assert "已投递1个任务" in sweep()  # the broker is back
    wait_for(lambda: Job.objects.filter(pk=job.pk, state=JobState.DONE).exists(), "the recompute job")
    job.refresh_from_db()
    assert job.attempts == 1 and job.locked_by.endswith(f":{drill.workers[0][0].pid}")
    assert ranks(period) == {"Z1": 1, "Z2": 3, "Z3": 2}
    period.refresh_from_db()
    assert not period.recompute_pending
    assert "已投递0个任务" in sweep()
    assert drill.log("worker").count("Task assessment.tasks.recompute[") == 2  # received and succeeded, once


def test_worker_killed_mid_recompute_drill(drill, district, tmp_path):
    period = district["period"]
    recompute_period(period.pk)
    previous = stored_results(period)
    assert ranks(period) == {"Z1": 2, "Z2": 3, "Z3": 1}
    paused = tmp_path / "paused"
    first = drill.start("killed", **{DRILL_PAUSE_VARIABLE: str(paused)})

    Statistic.objects.filter(period=period, unit__code="Z1", indicator__code="G1").update(value=50)
    job = request_recompute(period)  # committed at once (autocommit), so handed to the worker at once
    pid = int(wait_for(lambda: paused.exists() and paused.read_text(encoding="ascii"), "the pause in the store"))
    assert pid == first.pid  # the solo pool runs the job in the worker process itself
    job.refresh_from_db()
    assert job.state == JobState.RUNNING and job.locked_by.endswith(f":{pid}")
    assert stored_results(period) == previous  # the new rows are written but not committed

    os.kill(pid, signal.SIGKILL)
    first.wait(timeout=10)
    assert first.returncode == -signal.SIGKILL
    assert stored_results(period) == previous  # the previous results stand while the job is dead
    period.refresh_from_db()
    job.refresh_from_db()
    assert period.recompute_pending and job.state == JobState.RUNNING  # the row still names the dead runner

    drill.start("rerun", **{DRILL_PAUSE_VARIABLE: str(paused)})  # the pause file exists: no pause again
    # The server drops the dead runner's lock when it notices the closed connection, a moment after the kill.
    wait_for(lambda: "重新投递1个中断的任务" in sweep(), "the sweeper's reclaim", timeout=15)
    wait_for(lambda: Job.objects.filter(pk=job.pk, state=JobState.DONE).exists(), "the rerun")
    job.refresh_from_db()
    assert job.attempts == 2
    rerun = stored_results(period)
    assert rerun != previous and ranks(period) == {"Z1": 1, "Z2": 3, "Z3": 2}
    period.refresh_from_db()
    assert not period.recompute_pending

    recompute_period(period.pk)  # an uninterrupted run from the same inputs
    assert stored_results(period) == rerun


def test_a_pool_process_killed_mid_recompute_is_redelivered_at_once(drill, district, tmp_path):
    """The prefork pool (production's): the worker sees its pool process die and puts the message back
    (acks_late, reject_on_worker_lost); a new pool process takes the job over, no sweep needed."""
    period = district["period"]
    recompute_period(period.pk)
    previous = stored_results(period)
    paused = tmp_path / "paused"
    worker = drill.start("prefork", pool="prefork", **{DRILL_PAUSE_VARIABLE: str(paused)})
    Statistic.objects.filter(period=period, unit__code="Z1", indicator__code="G1").update(value=50)
    job = request_recompute(period)
    pid = int(wait_for(lambda: paused.exists() and paused.read_text(encoding="ascii"), "the pause in the store"))
    assert pid != worker.pid  # a pool process, not the worker itself
    assert stored_results(period) == previous

    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: Job.objects.filter(pk=job.pk, state=JobState.DONE).exists(), "the redelivered run")
    job.refresh_from_db()
    assert job.attempts == 2 and "WorkerLostError" in drill.log("prefork")
    rerun = stored_results(period)
    assert rerun != previous and ranks(period) == {"Z1": 1, "Z2": 3, "Z3": 2}
    recompute_period(period.pk)  # an uninterrupted run from the same inputs
    assert stored_results(period) == rerun
