"""The outbox: background work written as rows in the same transaction as the change that needs it.

    job = jobs.enqueue("assessment.recompute", key=str(period.pk), payload={"period_id": period.pk})

``enqueue`` writes a ``Job`` row in the caller's transaction — or, when a job of that kind and key is
already waiting, joins it — and hands it to Celery once the transaction commits. The work itself is a
plain function registered under the kind (``register``); the Celery task that carries the job calls
``run``, which claims the row so that one runner at a time does the work and finished work is never
done again. The function gets the payload as keyword arguments and must be safe to run twice: a runner
killed half-way is run again.

When the broker cannot be reached the row stays pending without a ``sent_at``; the request that wrote it
carries on (``Job.waits_for_queue`` lets the page say so) and ``sweep`` — Celery beat runs it every minute,
``manage.py sweep_jobs`` on demand — hands it over once the queue is back. The sweeper also hands over
again a job whose runner died. On PostgreSQL a runner holds an advisory lock on a connection of its own
for as long as it works, and the server drops that lock the moment the process dies, so a dead runner is
seen at once; on other databases its claim lapses after the kind's lease.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import socket
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from celery import current_app
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules, import_string
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import OperationalError as BrokerUnreachable

from core.models import Job, JobState

logger = logging.getLogger(__name__)

DEFAULT_TASK = "core.tasks.run_job"
# What a page says when its change is saved but the job that follows it could not be queued.
QUEUE_UNAVAILABLE = _("数据已保存；后台队列暂不可用，结果将在队列恢复后自动更新")

# A hand-over makes one attempt on a connection of its own that gives up within about two seconds,
# whether the broker refuses, does not answer or hangs: a request does not wait for a broker that is
# down (its job waits for the sweeper instead). The pooled connections would keep retrying for seconds.
HAND_OVER_TRANSPORT_OPTIONS = {"max_retries": 0, "socket_connect_timeout": 1.5, "socket_timeout": 2}
# After a failed hand-over, requests skip the broker for this long: a page that queues several jobs
# should not wait for an unreachable broker once per job. The sweeper always tries.
QUEUE_RETRY_AFTER = 15.0  # seconds
# A job handed over this long ago and still not started is handed over again (its message may have
# been lost with a broker that kept nothing on disk); a duplicate message finds the job claimed or done.
RESEND_AFTER = timedelta(minutes=10)
SWEEP_LIMIT = 500
FINISHED_JOBS_KEPT = timedelta(days=90)
# The first of the two keys of every runner's advisory lock (pg_try_advisory_lock(int, int)); the
# second is the job's id.
ADVISORY_LOCK_CLASS = 0x4A4F42  # "JOB"


# --- The kinds of job ---------------------------------------------------------------------------


@dataclass(frozen=True)
class JobKind:
    name: str
    function: str | Callable  # the work, or its dotted path (imported when a job runs)
    task: str = DEFAULT_TASK  # the Celery task that carries jobs of this kind (its name routes it)
    lease: timedelta = timedelta(minutes=30)  # how long a claim lasts where no session lock tells
    max_attempts: int = 5

    def resolve(self) -> Callable:
        return import_string(self.function) if isinstance(self.function, str) else self.function


_kinds: dict[str, JobKind] = {}
_discovered = False


def register(kind: str, function: str | Callable, *, task: str = DEFAULT_TASK,
             lease: timedelta = timedelta(minutes=30), max_attempts: int = 5) -> JobKind:
    """Declare a kind of job and the function that does it. Call it at import time of the app's
    ``tasks.py`` (or a module it imports), so that web processes and workers both know the kind."""
    _kinds[kind] = JobKind(kind, function, task=task, lease=lease, max_attempts=max_attempts)
    return _kinds[kind]


def _discover() -> None:
    """Import every app's tasks module once: that is where kinds are registered and tasks defined."""
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules("tasks")


def kind_of(name: str) -> JobKind:
    if name not in _kinds:
        _discover()
    try:
        return _kinds[name]
    except KeyError:
        raise LookupError(f"unknown job kind {name!r}: register it with core.jobs.register "
                          f"in the app's tasks.py") from None


# --- Writing and handing over -------------------------------------------------------------------


def enqueue(kind: str, *, key: str = "", payload: dict | None = None) -> Job:
    """Write a job in the current transaction and hand it to Celery once that commits.

    With a ``key``, a job of the same kind and key that is still waiting is that same work: it is
    returned instead (and held until this transaction ends, so that it cannot start before it sees
    this transaction's changes). Without a key every call writes a job of its own."""
    kind_of(kind)  # an unknown kind fails here, in the request, not later in a worker
    with transaction.atomic():
        if key:
            waiting = Job.objects.select_for_update().filter(kind=kind, key=key, state=JobState.PENDING).first()
            if waiting is not None:
                return waiting
        try:
            with transaction.atomic():
                job = Job.objects.create(kind=kind, key=key, payload=payload or {})
        except IntegrityError:
            # Another transaction wrote the same waiting job and committed while this one waited for it.
            return Job.objects.select_for_update().get(kind=kind, key=key, state=JobState.PENDING)
        transaction.on_commit(lambda: send(job))
    return job


# {broker URL: until when (monotonic seconds) requests leave it alone after a failed hand-over}
_unreachable_until: dict[str, float] = {}


def send(job: Job, *, force: bool = False) -> bool:
    """Hand the job to its Celery task; False when the broker cannot be reached (the sweeper will).

    In the embedded setting (no broker) the task runs here and now, as every task does there."""
    task = _task_for(job)
    if task.app.conf.task_always_eager:
        _mark_sent(job)
        task.apply_async(kwargs={"job_id": job.pk})
        return True
    broker = task.app.conf.broker_url
    if not force and time.monotonic() < _unreachable_until.get(broker, 0.0):
        return False
    try:
        with task.app.connection_for_write(transport_options=HAND_OVER_TRANSPORT_OPTIONS) as broker:
            task.apply_async(kwargs={"job_id": job.pk}, ignore_result=True, retry=False, connection=broker)
    except (BrokerUnreachable, ConnectionError, TimeoutError) as error:
        _unreachable_until[broker] = time.monotonic() + QUEUE_RETRY_AFTER
        logger.warning("job %s (%s) is saved but not queued, the broker is unreachable (%s); "
                       "the sweeper will queue it", job.pk, job.kind, error)
        return False
    _unreachable_until.pop(broker, None)
    _mark_sent(job)
    return True


def _task_for(job: Job):
    # The application configured at start-up (assessment.celery); the outbox does not name it.
    app = current_app
    name = kind_of(job.kind).task
    if name not in app.tasks:
        _discover()
    return app.tasks[name]


def _mark_sent(job: Job) -> None:
    job.sent_at = timezone.now()
    Job.objects.filter(pk=job.pk).update(sent_at=job.sent_at)


# A page asks these after the change is committed, when the hand-over has been tried. Inside a
# transaction nothing has been tried yet, so they answer False rather than guess.


def left_waiting(job: Job) -> bool:
    """Whether the job, its transaction committed, could not be handed to the queue."""
    if connection.in_atomic_block:
        return False
    job.refresh_from_db(fields=["state", "sent_at"])
    return job.waits_for_queue


def waits_for_queue(kind: str, key: str) -> bool:
    """Whether a job of this kind and key is waiting for a queue that could not be reached."""
    if connection.in_atomic_block:
        return False
    return Job.objects.filter(kind=kind, key=key, state=JobState.PENDING, sent_at__isnull=True).exists()


# --- Running ------------------------------------------------------------------------------------


@contextmanager
def _runner_lock(job_id: int) -> Iterator[str | None]:
    """``"session"`` while this process holds the job's advisory lock (PostgreSQL), ``None`` when
    another live process holds it, ``"lease"`` where the database has no such locks."""
    if connection.vendor != "postgresql":
        yield "lease"
        return
    # A connection of its own: whatever the job does with the default connection (closing it, losing it
    # to an error) cannot drop the lock while the job still runs. Closing it releases the lock.
    lock_connection = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with lock_connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [ADVISORY_LOCK_CLASS, job_id])
            held = cursor.fetchone()[0]
        yield "session" if held else None
    finally:
        lock_connection.close()


def _runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def _claim(job_id: int, *, lock: str) -> tuple[Job | None, str]:
    """Make the job this run's; (None, "") when it is finished, not yet due, or still held."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        return None, ""
    now = timezone.now()
    claimable = Q(state=JobState.PENDING, run_after__lte=now)
    if lock == "session":
        claimable |= Q(state=JobState.RUNNING)  # holding its lock proves the previous runner is gone
    else:
        claimable |= Q(state=JobState.RUNNING, locked_until__lt=now)
    token = uuid.uuid4().hex
    claimed = Job.objects.filter(claimable, pk=job_id).update(
        state=JobState.RUNNING, attempts=F("attempts") + 1, lock_token=token, locked_by=_runner_name(),
        locked_until=now + kind_of(job.kind).lease, started_at=now, finished_at=None)
    if not claimed:
        return None, ""
    job.refresh_from_db()
    return job, token


def _finish(job: Job, token: str, **fields) -> None:
    Job.objects.filter(pk=job.pk, lock_token=token).update(finished_at=timezone.now(), locked_until=None, **fields)


def _as_result(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    elif isinstance(value, models.Model):
        value = value.pk
    try:
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    except (TypeError, ValueError):
        return str(value)


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 1800))


def run(job_id: int) -> dict:
    """Do a job's work unless it is finished or another runner holds it; the carrying task calls this."""
    with _runner_lock(job_id) as lock:
        if lock is None:
            return {"job": job_id, "skipped": "running elsewhere"}
        job, token = _claim(job_id, lock=lock)
        if job is None:
            return {"job": job_id, "skipped": "finished, not due or running elsewhere"}
        kind = kind_of(job.kind)
        if job.attempts > kind.max_attempts:
            # Each earlier attempt died without a word (a killed worker): stop rather than loop.
            _finish(job, token, state=JobState.FAILED,
                    last_error=f"gave up after {kind.max_attempts} attempts that did not finish")
            return {"job": job_id, "failed": "too many attempts"}
        logger.info("job %s (%s %s) started, attempt %s", job.pk, job.kind, job.key, job.attempts)
        try:
            value = kind.resolve()(**job.payload)
        except Exception:
            _give_back(job, token, kind, traceback.format_exc()[-4000:])
            raise
        result = _as_result(value)
        _finish(job, token, state=JobState.DONE, result=result, last_error="")
        logger.info("job %s (%s %s) done", job.pk, job.kind, job.key)
        return {"job": job_id, "kind": job.kind, "result": result}


def _give_back(job: Job, token: str, kind: JobKind, error: str) -> None:
    """A failed attempt: wait and try again, up to the kind's attempts. If meanwhile a new job with the
    same key is waiting, that one will do the work, and this one stays failed."""
    if job.attempts < kind.max_attempts:
        try:
            with transaction.atomic():
                _finish(job, token, state=JobState.PENDING, last_error=error,
                        run_after=timezone.now() + _retry_delay(job.attempts))
            return
        except IntegrityError:
            pass
    _finish(job, token, state=JobState.FAILED, last_error=error)


# --- Sweeping -----------------------------------------------------------------------------------


@dataclass
class SweepSummary:
    sent: int = 0
    reclaimed: int = 0
    queue_unreachable: bool = False
    pruned: int = 0


def _runner_is_gone(job: Job, now) -> bool:
    if connection.vendor != "postgresql":
        return job.locked_until is None or job.locked_until < now
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [ADVISORY_LOCK_CLASS, job.pk])
        free = cursor.fetchone()[0]
        if free:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [ADVISORY_LOCK_CLASS, job.pk])
    return free


def _sweep_send(job: Job) -> bool:
    try:
        kind_of(job.kind)
    except LookupError as error:
        # Written by a version of the code that knew this kind: nothing here can do it.
        Job.objects.filter(pk=job.pk).update(state=JobState.FAILED, finished_at=timezone.now(), last_error=str(error))
        return True
    try:
        return send(job, force=True)
    except Exception:
        # Only in the embedded setting, where the job runs inside send: its failure is on its row, and
        # the other jobs still get their turn.
        logger.exception("job %s (%s %s) failed", job.pk, job.kind, job.key)
        return True


def sweep(*, now=None) -> SweepSummary:
    """Hand over the jobs the queue never got, the retries that are due, and the jobs whose runner
    died; forget finished jobs after ``FINISHED_JOBS_KEPT``. Safe to run at any time, and twice."""
    now = now or timezone.now()
    summary = SweepSummary()
    due = (Job.objects.filter(state=JobState.PENDING, run_after__lte=now)
           .filter(Q(sent_at__isnull=True) | Q(sent_at__lt=F("run_after")) | Q(sent_at__lt=now - RESEND_AFTER))
           .order_by("run_after", "pk")[:SWEEP_LIMIT])
    for job in due:
        if not _sweep_send(job):
            summary.queue_unreachable = True
            return summary
        summary.sent += 1
    for job in Job.objects.filter(state=JobState.RUNNING).order_by("pk")[:SWEEP_LIMIT]:
        if _runner_is_gone(job, now):
            logger.warning("job %s (%s %s): its runner %s is gone; queued again", job.pk, job.kind, job.key,
                           job.locked_by)
            if not _sweep_send(job):
                summary.queue_unreachable = True
                return summary
            summary.reclaimed += 1
    summary.pruned = Job.objects.filter(state__in=[JobState.DONE, JobState.FAILED],
                                        finished_at__lt=now - FINISHED_JOBS_KEPT).delete()[0]
    return summary
