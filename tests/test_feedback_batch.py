"""Every unit's feedback workbook of a period in one zip, made by the Celery task (eager here, as in a
default installation without Redis), with its progress on the period page and a checked download."""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditEvent
from accounts.roles import Role
from assessment.recompute import recompute_period
from feedback.batches import generate_period_feedback
from feedback.models import BatchStatus, FeedbackBatch
from feedback.notes import feedback_note_save

FORMULA = '=HYPERLINK("http://evil.example/","点击查看")'


@pytest.fixture
def computed(district, make_user):
    recompute_period(district["period"].pk)
    officer = make_user("kaohe", [Role.ASSESSMENT_OFFICER])
    feedback_note_save(period=district["period"], unit=district["towns"]["Z1"], comments=FORMULA, user=officer)
    return {**district, "officer": officer}


def download(client, batch) -> zipfile.ZipFile:
    response = client.get(reverse("feedback:batch_download", kwargs={"batch_pk": batch.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_task_writes_one_workbook_per_unit_into_a_zip_and_reaches_100_percent(
        client, computed, django_capture_on_commit_callbacks):
    period = computed["period"]
    client.force_login(computed["officer"])
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post(reverse("feedback:batch_start", kwargs={"period_pk": period.pk}))
    assert response.status_code == 302 and len(queued) == 1  # the task is queued after the commit
    batch = FeedbackBatch.objects.get(period=period)
    assert batch.status == BatchStatus.DONE and batch.progress == 100 and batch.unit_count == 3

    status = client.get(reverse("feedback:batch_status", kwargs={"batch_pk": batch.pk}), HTTP_HX_REQUEST="true")
    assert status["HX-Refresh"] == "true" and "100%" in status.content.decode()
    page = client.get(reverse("feedback:period", kwargs={"period_pk": period.pk})).content.decode()
    assert reverse("feedback:batch_download", kwargs={"batch_pk": batch.pk}) in page

    archive = download(client, batch)
    assert sorted(archive.namelist()) == ["00_2024_反馈单汇总.xlsx", "Z1_东镇_反馈单.xlsx", "Z2_西镇_反馈单.xlsx",
                                          "Z3_南镇_反馈单.xlsx"]
    for code, name, rank in (("Z1", "东镇", 2), ("Z2", "西镇", 3), ("Z3", "南镇", 1)):
        sheet = load_workbook(io.BytesIO(archive.read(f"{code}_{name}_反馈单.xlsx"))).active
        values = [cell.value for row in sheet.iter_rows() for cell in row if cell.value is not None]
        assert values[values.index("单位名称") + 1] == name
        assert values[values.index("赛道名次") + 1] == rank
    # The officer's formula-looking comment stays text in the file.
    sheet = load_workbook(io.BytesIO(archive.read("Z1_东镇_反馈单.xlsx"))).active
    comment = next(c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert comment.value == "'" + FORMULA and comment.data_type == "s"
    summary = load_workbook(io.BytesIO(archive.read("00_2024_反馈单汇总.xlsx"))).active
    assert [row[0] for row in summary.iter_rows(min_row=3, values_only=True)] == ["Z1", "Z2", "Z3"]
    assert AuditEvent.objects.filter(action="feedback.batch.downloaded", object_id=str(batch.pk)).exists()


def test_the_zip_is_kept_in_private_storage_outside_static_files(computed):
    batch = FeedbackBatch.objects.create(period=computed["period"])
    generate_period_feedback(batch.pk)
    batch.refresh_from_db()
    stored = Path(batch.file.path).resolve()
    private = Path(settings.STORAGES["default"]["OPTIONS"]["location"]).resolve()
    assert stored.is_relative_to(private) and stored.is_file()
    for public in [*settings.STATICFILES_DIRS, settings.STATIC_ROOT]:
        if public:
            assert not stored.is_relative_to(Path(public).resolve())


def test_running_the_job_twice_leaves_the_finished_zip_as_it_was(computed):
    batch = FeedbackBatch.objects.create(period=computed["period"])
    first = generate_period_feedback(batch.pk)
    second = generate_period_feedback(batch.pk)
    assert second.file.name == first.file.name and second.status == BatchStatus.DONE


def test_while_it_runs_the_page_polls_a_progress_bar(client, computed):
    batch = FeedbackBatch.objects.create(period=computed["period"], status=BatchStatus.RUNNING, progress=40,
                                         unit_count=3)
    client.force_login(computed["officer"])
    status = client.get(reverse("feedback:batch_status", kwargs={"batch_pk": batch.pk}), HTTP_HX_REQUEST="true")
    html = status.content.decode()
    assert 'value="40"' in html and "40%" in html and 'hx-trigger="every 1s"' in html
    assert "HX-Refresh" not in status
    page = client.get(reverse("feedback:period", kwargs={"period_pk": computed["period"].pk})).content.decode()
    assert 'value="40"' in page and "生成全部反馈单" not in page  # no second run while one is under way
    # Nor is the zip offered before it exists.
    assert client.get(reverse("feedback:batch_download", kwargs={"batch_pk": batch.pk})).status_code == 404


def test_asking_again_while_a_run_is_under_way_does_not_start_a_second(client, computed,
                                                                     django_capture_on_commit_callbacks):
    FeedbackBatch.objects.create(period=computed["period"], status=BatchStatus.QUEUED)
    client.force_login(computed["officer"])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(reverse("feedback:batch_start", kwargs={"period_pk": computed["period"].pk}))
    assert FeedbackBatch.objects.filter(period=computed["period"]).count() == 1 and not queued


def test_the_supervision_officer_downloads_but_does_not_start_a_run(client, computed, make_user):
    batch = FeedbackBatch.objects.create(period=computed["period"])
    generate_period_feedback(batch.pk)
    client.force_login(make_user("jiandu", [Role.SUPERVISION_OFFICER]))
    assert len(download(client, batch).namelist()) == 4
    response = client.post(reverse("feedback:batch_start", kwargs={"period_pk": computed["period"].pk}))
    assert response.status_code == 403


def test_a_run_lost_for_half_an_hour_does_not_block_a_new_one(client, computed, django_capture_on_commit_callbacks):
    lost = FeedbackBatch.objects.create(period=computed["period"], status=BatchStatus.RUNNING, progress=30)
    FeedbackBatch.objects.filter(pk=lost.pk).update(requested_at=timezone.now() - datetime.timedelta(minutes=31))
    client.force_login(computed["officer"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("feedback:batch_start", kwargs={"period_pk": computed["period"].pk}))
    lost.refresh_from_db()
    assert lost.status == BatchStatus.FAILED and "超过30分钟未完成" in lost.error
    assert FeedbackBatch.objects.get(period=computed["period"], status=BatchStatus.DONE).progress == 100
