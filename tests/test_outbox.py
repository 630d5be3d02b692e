"""The outbox (core.jobs): jobs are rows written with the change that needs them, handed to the
queue after the commit, done once, and swept up when the queue was down or their runner died.

These run in this process on any database. With the broker "down" Celery is not eager and its broker
is a port that refuses connections; "back" is the embedded setting, where a handed-over job runs at
once. tests/test_drills.py does the same with a real worker on PostgreSQL and Redis.
"""

from __future__ import annotations

import socket
import time
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from assessment.celery import app as celery_app
from assessment.models import Statistic, UnitResult
from assessment.recompute import RECOMPUTE, recompute_period, request_recompute
from core import jobs
from core.models import Job, JobState
from indicators.models import ImportMode, ImportStatus
from indicators.uploads import batch_check, batch_receive
from supervision.models import SupervisionReport
from tests.sheets import xlsx_bytes

QUEUE_UNAVAILABLE = "数据已保存；后台队列暂不可用，结果将在队列恢复后自动更新"
PROMPT_SECONDS = 5

calls: list[dict] = []


def count_call(**payload) -> int:
    calls.append(payload)
    return len(calls)


def fail(**payload):
    raise RuntimeError("数据源暂时无法读取")


jobs.register("tests.count", count_call)
jobs.register("tests.fail", fail, max_attempts=2)


@pytest.fixture(autouse=True)
def _no_calls_yet():
    calls.clear()


@contextmanager
def broker_down():
    """Celery as in production (not eager), its broker a port that refuses every connection."""
    refusing = socket.socket()
    refusing.bind(("127.0.0.1", 0))  # bound and never listening: connecting to it is refused
    previous = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.broker_url = f"redis://127.0.0.1:{refusing.getsockname()[1]}/0"
    celery_app.conf.task_always_eager = False
    celery_app._after_fork()  # the producer pool was built for the old URL; drop it as Celery does on fork
    try:
        yield
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = previous
        celery_app._after_fork()
        refusing.close()


def ranks(period) -> dict[str, int]:
    return dict(UnitResult.objects.filter(period=period).values_list("unit__code", "rank"))


def statistics_sheet(*rows) -> bytes:
    return xlsx_bytes([["2024年统计数据"], ["单位代码", "单位名称", "G1 增速", "G2 完成率"], *rows], sheet="统计数据")


@pytest.fixture
def provider(client, make_user, district):
    """The statistics bureau's data provider, logged in with ``client``."""
    user = make_user("tianbao", [Role.DATA_PROVIDER], department=district["growth"].provider)
    client.force_login(user)
    return user


# --- Writing ----------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_change_and_its_job_are_committed_or_rolled_back_together(district):
    period = district["period"]
    with pytest.raises(RuntimeError), transaction.atomic():
        Statistic.objects.filter(period=period, unit__code="Z1", indicator__code="G1").update(value=50)
        request_recompute(period)
        raise RuntimeError("导入中途出错")
    period.refresh_from_db()
    assert not Job.objects.exists() and period.inputs_version == 0

    with transaction.atomic():
        Statistic.objects.filter(period=period, unit__code="Z1", indicator__code="G1").update(value=50)
        job = request_recompute(period)
        assert Job.objects.get().state == JobState.PENDING  # written with the change, handed over after it
    job.refresh_from_db()
    assert (job.kind, job.key, job.state, job.attempts) == (RECOMPUTE, str(period.pk), JobState.DONE, 1)
    assert ranks(period)["Z1"] == 1


def test_changes_that_arrive_while_a_job_waits_join_it(district, django_capture_on_commit_callbacks):
    period = district["period"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = request_recompute(period)
        assert request_recompute(period) == first and request_recompute(period) == first
    assert len(callbacks) == 1 and Job.objects.count() == 1
    first.refresh_from_db()
    assert first.state == JobState.DONE
    with django_capture_on_commit_callbacks(execute=True):
        second = request_recompute(period)  # the first is done: a new change needs a new run
    assert second != first and Job.objects.filter(state=JobState.DONE).count() == 2
    period.refresh_from_db()
    assert period.results_version == period.inputs_version == 4


def test_an_unknown_kind_of_job_is_refused_when_it_is_written(db):
    with pytest.raises(LookupError, match="tests.no_such_kind"):
        jobs.enqueue("tests.no_such_kind", payload={})
    assert not Job.objects.exists()


# --- The broker is down --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_an_import_commits_promptly_and_the_sweeper_runs_its_job_once(
        district, provider, client, make_user):
    period = district["period"]
    recompute_period(period.pk)
    assert ranks(period) == {"Z1": 2, "Z2": 3, "Z3": 1}
    # Received and checked as the upload page's background check does; the provider confirms on the page.
    batch = batch_receive(data=statistics_sheet(["Z1", "东镇", 50, 100]), filename="tj.xlsx", period=period,
                          department=district["growth"].provider, user=provider, mode=ImportMode.MERGE)
    batch_check(batch)
    assert batch.status == ImportStatus.PREVIEWED

    with broker_down():
        started = time.monotonic()
        page = client.post(reverse("indicators:batch_confirm", args=[batch.pk]), follow=True)
        elapsed = time.monotonic() - started
        print(f"confirming the import with the broker down took {elapsed:.2f}s")
        assert elapsed < PROMPT_SECONDS
        assert QUEUE_UNAVAILABLE in page.content.decode()
        batch.refresh_from_db()
        assert batch.status == ImportStatus.COMMITTED
        assert Statistic.objects.get(period=period, unit__code="Z1", indicator__code="G1").value == 50
        job = Job.objects.get(kind=RECOMPUTE)
        assert (job.state, job.sent_at, job.attempts) == (JobState.PENDING, None, 0)
        assert ranks(period) == {"Z1": 2, "Z2": 3, "Z3": 1}  # the previous results stand meanwhile
        client.force_login(make_user("kaohe", [Role.ASSESSMENT_OFFICER]))  # the office follows the period
        period_page = client.get(reverse("assessment:period_detail", args=[period.pk])).content.decode()
        assert "后台队列暂不可用" in period_page and "正在计算" not in period_page
        summary = jobs.sweep()  # beat's sweep while the broker is still down hands nothing over
        assert summary.queue_unreachable and summary.sent == 0

    summary = jobs.sweep()
    assert (summary.sent, summary.queue_unreachable) == (1, False)
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.DONE, 1)
    assert ranks(period) == {"Z1": 1, "Z2": 3, "Z3": 2}
    assert jobs.sweep().sent == 0  # nothing is left to hand over: the job ran once
    job.refresh_from_db()
    assert job.attempts == 1
    period_page = client.get(reverse("assessment:period_detail", args=[period.pk])).content.decode()
    assert "结果已是最新" in period_page


@pytest.mark.django_db(transaction=True)
def test_a_file_uploaded_while_the_broker_is_down_is_checked_when_it_returns(district, provider, client):
    period = district["period"]
    with broker_down():
        started = time.monotonic()
        response = client.post(reverse("indicators:upload", args=[period.pk]), {
            "file": SimpleUploadedFile("tj.xlsx", statistics_sheet(["Z1", "东镇", 14, 100])),
            "mode": ImportMode.MERGE}, follow=True)
        assert time.monotonic() - started < PROMPT_SECONDS
    assert "文件已保存；后台队列暂不可用，将在队列恢复后自动检查" in response.content.decode()
    batch = response.context["batch"]
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CHECKING

    assert jobs.sweep().sent == 1
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PREVIEWED and batch.counts["changed"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_report_asked_for_while_the_broker_is_down_is_made_when_it_returns(client, personas):
    client.force_login(personas[Role.SUPERVISION_OFFICER])
    with broker_down():
        page = client.post(reverse("supervision:report_generate"), {"kind": "monthly", "month": "2026-01"},
                           follow=True).content.decode()
    assert "后台队列暂不可用，报告将在队列恢复后自动生成" in page
    assert not SupervisionReport.objects.exists()
    assert jobs.sweep().sent == 1
    report = SupervisionReport.objects.get()
    assert (report.kind, report.period_start) == ("monthly", date(2026, 1, 1))


# --- Running -----------------------------------------------------------------------------------------


def test_a_job_is_done_once_however_often_it_is_delivered(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.enqueue("tests.count", payload={"batch": 7})
    assert calls == [{"batch": 7}]
    assert jobs.run(job.pk)["skipped"]  # a second delivery of the same message
    assert jobs.send(job)  # or a second hand-over
    job.refresh_from_db()
    assert calls == [{"batch": 7}] and (job.state, job.attempts, job.result) == (JobState.DONE, 1, 1)


def test_jobs_without_a_key_are_not_merged(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue("tests.count", payload={"batch": 1})
        jobs.enqueue("tests.count", payload={"batch": 2})
    assert calls == [{"batch": 1}, {"batch": 2}]


def test_a_failing_job_is_tried_again_after_a_pause_and_then_given_up(db, django_capture_on_commit_callbacks):
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        job = jobs.enqueue("tests.fail", key="source", payload={})
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.PENDING, 1)
    assert "数据源暂时无法读取" in job.last_error and job.run_after > timezone.now()
    assert jobs.sweep().sent == 0  # not due yet

    Job.objects.filter(pk=job.pk).update(run_after=timezone.now())  # as if the pause were over
    assert jobs.sweep().sent == 1
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.FAILED, 2)  # its second and last attempt
    assert jobs.sweep(now=timezone.now() + timedelta(days=1)).sent == 0


def test_the_sweeper_runs_again_a_job_whose_runner_died_and_leaves_a_live_one_alone(db):
    now = timezone.now()
    if connection.vendor == "postgresql":
        # Its lease has not run out, but no process holds its lock: the runner is gone.
        dead = Job.objects.create(kind="tests.count", payload={"batch": "dead"}, state=JobState.RUNNING,
                                  attempts=1, locked_by="gone:1", locked_until=now + timedelta(minutes=20))
    else:
        dead = Job.objects.create(kind="tests.count", payload={"batch": "dead"}, state=JobState.RUNNING,
                                  attempts=1, locked_by="gone:1", locked_until=now - timedelta(seconds=1))
    alive = Job.objects.create(kind="tests.count", payload={"batch": "alive"}, state=JobState.RUNNING,
                               attempts=1, locked_by="busy:2", locked_until=now + timedelta(minutes=20))
    holder = None
    if connection.vendor == "postgresql":
        holder = connections.create_connection("default")  # a live runner: it holds the job's lock
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [jobs.ADVISORY_LOCK_CLASS, alive.pk])
    try:
        summary = jobs.sweep()
        assert summary.reclaimed == 1
        dead.refresh_from_db()
        alive.refresh_from_db()
        assert (dead.state, dead.attempts) == (JobState.DONE, 2) and calls == [{"batch": "dead"}]
        assert alive.state == JobState.RUNNING and alive.attempts == 1
        assert jobs.run(alive.pk)["skipped"]
        assert calls == [{"batch": "dead"}]
    finally:
        if holder is not None:
            holder.close()


def test_the_drill_pause_does_nothing_in_production(district, settings, monkeypatch, tmp_path):
    settings.PRODUCTION = True
    marker = tmp_path / "paused"
    monkeypatch.setenv("RECOMPUTE_DRILL_PAUSE_FILE", str(marker))
    started = time.monotonic()
    recompute_period(district["period"].pk)
    assert time.monotonic() - started < 30 and not marker.exists()
    assert ranks(district["period"]) == {"Z1": 2, "Z2": 3, "Z3": 1}


def test_the_sweeper_fails_jobs_nothing_can_do_and_forgets_old_finished_ones(db):
    orphan = Job.objects.create(kind="tests.kind_no_longer_in_the_code", payload={})
    old = Job.objects.create(kind="tests.count", state=JobState.DONE, finished_at=timezone.now() - timedelta(days=91))
    recent = Job.objects.create(kind="tests.count", state=JobState.DONE, finished_at=timezone.now() - timedelta(days=89))
    assert jobs.sweep().pruned == 1
    orphan.refresh_from_db()
    assert orphan.state == JobState.FAILED and "tests.kind_no_longer_in_the_code" in orphan.last_error
    assert not Job.objects.filter(pk=old.pk).exists() and Job.objects.filter(pk=recent.pk).exists()
    assert calls == []


@pytest.mark.django_db(transaction=True)
def test_feedback_reports_asked_for_while_the_broker_is_down_are_made_when_it_returns(client, make_user, district):
    from feedback.models import BatchStatus, FeedbackBatch

    period = district["period"]
    recompute_period(period.pk)
    client.force_login(make_user("officer", [Role.ASSESSMENT_OFFICER]))
    with broker_down():
        page = client.post(reverse("feedback:batch_start", args=[period.pk]), follow=True).content.decode()
    assert "后台队列暂不可用，恢复后将自动生成" in page
    batch = FeedbackBatch.objects.get()
    assert batch.status == BatchStatus.QUEUED
    assert jobs.sweep().sent == 1
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE and batch.file
