"""Entering and correcting supervision records and their attachments (SPEC §7), as services and as pages."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from accounts.models import AuditEvent
from accounts.roles import Role
from supervision.models import Alert, Record, RecordAttachment, RecordType, RecordVersion
from supervision.records import add_attachment, create_record, describe_alert, update_record

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def record_type(name: str, subtype: str = "") -> RecordType:
    return RecordType.objects.get(name=name, subtype=subtype)


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.fixture
def officer(personas):
    return personas[Role.SUPERVISION_OFFICER]


@pytest.fixture
def today():
    return timezone.localdate()


# --- Creating ---------------------------------------------------------------------------------------


def test_a_record_that_takes_a_cadre_over_a_line_raises_the_alert_before_returning(registry, officer, today):
    cadre = registry["cadre_a"]
    saved = create_record(cadre=cadre, record_type=record_type("党纪处分", "警告"), date=today, source="纪委监委",
                          document_number="云纪〔2026〕1号", user=officer)

    assert [alert.line for alert in saved.alerts] == ["inquiry"]
    assert Alert.objects.get(cadre=cadre).records.get() == saved.record
    assert describe_alert(saved.alerts[0]) == "张三 积分 6 分，已达到函询线，已生成预警"
    assert saved.record.entered_by == officer
    event = AuditEvent.objects.get(action="supervision.record.created")
    assert event.user == officer and event.object_id == str(saved.record.pk)


def test_a_record_without_points_raises_no_alert(registry, officer, today):
    saved = create_record(cadre=registry["cadre_a"], record_type=record_type("信访举报", "收到"), date=today,
                          source="信访", user=officer)
    assert saved.alerts == [] and not Alert.objects.exists()


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"date": "tomorrow"}, "date", "晚于今天"),
    ({"record_type": 999_999}, "record_type", "类型不存在"),
    ({"source": "  "}, "source", "来源部门"),
    ({"document_number": "号" * 101}, "document_number", "文号过长"),
])
def test_a_record_is_refused_with_the_reason_in_chinese(registry, officer, today, changes, field, words):
    values = {"record_type": record_type("提醒谈话"), "date": today, "source": "组织部", "document_number": ""}
    values.update(changes)
    if values["date"] == "tomorrow":
        values["date"] = today + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        create_record(cadre=registry["cadre_a"], user=officer, **values)
    assert words in " ".join(refused.value.message_dict[field])
    assert not Record.objects.exists()


# --- Editing ----------------------------------------------------------------------------------------


def test_an_edit_keeps_the_earlier_state_as_a_version(registry, officer, today):
    earlier = today - datetime.timedelta(days=40)
    record = create_record(cadre=registry["cadre_a"], record_type=record_type("审计问题", "一般"), date=earlier,
                           source="审计", document_number="云审〔2026〕3号", summary="往来款未清理", user=officer).record

    saved = update_record(record, {"record_type": record_type("审计问题", "重大"), "summary": "重大项目超概算"},
                          officer, "审计报告定稿，问题性质调整")

    record.refresh_from_db()
    assert str(record.record_type) == "审计问题·重大" and record.summary == "重大项目超概算"
    version = RecordVersion.objects.get(record=record)
    assert version.snapshot["record_type"] == "审计问题·一般"
    assert version.snapshot["date"] == earlier.isoformat()
    assert version.snapshot["summary"] == "往来款未清理" and version.snapshot["document_number"] == "云审〔2026〕3号"
    assert version.reason == "审计报告定稿，问题性质调整" and version.changed_by == officer
    assert saved.changed
    event = AuditEvent.objects.get(action="supervision.record.updated")
    assert event.detail["before"]["record_type"] == "审计问题·一般"
    assert event.detail["after"]["record_type"] == "审计问题·重大"


def test_an_edit_needs_a_reason_and_an_edit_that_changes_nothing_keeps_no_version(registry, officer, today):
    record = create_record(cadre=registry["cadre_a"], record_type=record_type("提醒谈话"), date=today,
                           source="组织部", user=officer).record
    with pytest.raises(ValidationError) as refused:
        update_record(record, {"summary": "补充情况"}, officer, "  ")
    assert "修改原因" in refused.value.message_dict["reason"][0]

    saved = update_record(record, {"summary": "", "source": "组织部"}, officer, "核对")
    assert not saved.changed and not RecordVersion.objects.exists()


def test_an_inquiry_answered_with_admonishment_creates_the_linked_record_once(registry, officer, today):
    cadre = registry["cadre_a"]
    sent = today - datetime.timedelta(days=60)
    answered = today - datetime.timedelta(days=10)
    inquiry = create_record(cadre=cadre, record_type=record_type("函询"), date=sent, source="纪委监委",
                            document_number="云纪函〔2026〕7号", user=officer)
    assert inquiry.follow_up is None

    saved = update_record(inquiry.record, {"record_type": record_type("函询", "诫勉")}, officer, "函询办结",
                          outcome_date=answered)

    follow_up = saved.follow_up
    assert follow_up.record_type == record_type("诫勉") and follow_up.follows == inquiry.record
    assert follow_up.date == answered and follow_up.cadre == cadre and follow_up.source == "纪委监委"
    # 2 (inquiry) + 4 (admonishment) = 6 points: the inquiry line, told at once.
    assert [alert.line for alert in saved.alerts] == ["inquiry"]

    update_record(saved.record, {"summary": "补充办理情况"}, officer, "补充")
    update_record(saved.record, {"record_type": record_type("函询", "诫勉"), "source": "组织部"}, officer, "更正来源")
    assert Record.objects.filter(follows=inquiry.record).count() == 1


def test_an_inquiry_entered_with_its_admonishment_outcome_links_a_record_dated_the_outcome(registry, officer, today):
    sent = today - datetime.timedelta(days=30)
    saved = create_record(cadre=registry["cadre_b"], record_type=record_type("函询", "诫勉"), date=sent,
                          source="纪委监委", user=officer)
    assert saved.follow_up.date == sent and saved.follow_up.follows == saved.record

    with pytest.raises(ValidationError) as refused:
        create_record(cadre=registry["cadre_b"], record_type=record_type("函询", "诫勉"), date=sent,
                      source="纪委监委", user=officer, outcome_date=sent - datetime.timedelta(days=1))
    assert "早于记录日期" in refused.value.message_dict["outcome_date"][0]
    assert Record.objects.count() == 2


# --- Attachments ------------------------------------------------------------------------------------


@pytest.fixture
def record(registry, officer, today):
    return create_record(cadre=registry["cadre_a"], record_type=record_type("诫勉"), date=today, source="组织部",
                         user=officer).record


@pytest.mark.parametrize(("name", "data", "content_type"), [
    ("决定书.pdf", PDF, "application/pdf"),
    ("照片.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 16, "image/jpeg"),
    ("扫描件.png", PNG, "image/png"),
    ("情况说明.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("清单.xlsx", xlsx_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("旧文档.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le"), "application/msword"),
    ("旧表格.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "Workbook".encode("utf-16-le"), "application/vnd.ms-excel"),
])
def test_an_attachment_is_kept_with_its_type_told_by_its_content(record, officer, name, data, content_type):
    attachment = add_attachment(record, upload(name, data), officer)
    assert attachment.content_type == content_type and attachment.original_name == name
    assert attachment.size == len(data) and len(attachment.sha256) == 64
    with attachment.file.open("rb") as handle:
        assert handle.read() == data
    assert name not in attachment.file.name  # the stored name does not carry the uploaded one


@pytest.mark.parametrize(("name", "data"), [
    ("决定书.pdf", WINDOWS_PROGRAM),  # a program renamed to .pdf
    ("说明.docx", b"PK\x03\x04not really a zip"),
    ("演示.docx", None),  # a zip that is neither Word nor Excel
    ("空.pdf", b""),
])
def test_an_attachment_whose_content_is_not_an_allowed_type_is_refused(record, officer, name, data):
    if data is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("ppt/presentation.xml", "<p/>")
        data = buffer.getvalue()
    with pytest.raises(ValidationError) as refused:
        add_attachment(record, upload(name, data), officer)
    assert name in refused.value.messages[0]
    assert not RecordAttachment.objects.exists()


def test_an_attachment_over_the_size_limit_is_refused(record, officer, settings):
    settings.DOCUMENT_MAX_BYTES = 1024 * 1024
    with pytest.raises(ValidationError) as refused:
        add_attachment(record, upload("大文件.pdf", PDF + b"0" * (1024 * 1024)), officer)
    assert "超过了1 MB的上限" in refused.value.messages[0]
    assert not RecordAttachment.objects.exists()


def test_the_same_attachment_is_not_kept_twice(record, officer):
    add_attachment(record, upload("决定书.pdf", PDF), officer)
    with pytest.raises(ValidationError, match="内容相同"):
        add_attachment(record, upload("决定书（副本）.pdf", PDF), officer)


# --- Pages ------------------------------------------------------------------------------------------


def test_the_officer_enters_a_record_with_attachments_and_is_told_of_the_alert(client, registry, officer, today):
    client.force_login(officer)
    cadre = registry["cadre_a"]
    url = reverse("supervision:record_create", kwargs={"cadre_pk": cadre.pk})
    page = client.get(url).content.decode()
    assert "11010519491231002X" in page and 'list="source-departments"' in page and "纪委监委" in page

    response = client.post(url, {
        "record_type": record_type("党纪处分", "严重警告").pk, "date": today.isoformat(), "source": "纪委监委",
        "document_number": "云纪〔2026〕9号", "summary": "违规接受宴请",
        "attachments": [upload("处分决定.pdf", PDF), upload("谈话记录.png", PNG)],
    })

    assert response.status_code == 302
    stored = Record.objects.get(cadre=cadre)
    assert stored.document_number == "云纪〔2026〕9号" and stored.attachments.count() == 2
    told = [str(message) for message in get_messages(response.wsgi_request)]
    assert "张三 积分 8 分，已达到函询线，已生成预警" in told


def test_a_refused_attachment_stores_nothing_and_says_why(client, registry, officer, today):
    client.force_login(officer)
    url = reverse("supervision:record_create", kwargs={"cadre_pk": registry["cadre_a"].pk})
    response = client.post(url, {
        "record_type": record_type("提醒谈话").pk, "date": today.isoformat(), "source": "组织部",
        "attachments": [upload("决定书.pdf", WINDOWS_PROGRAM)],
    })
    assert response.status_code == 200
    assert "决定书.pdf" in response.content.decode() and "不是允许的文件类型" in response.content.decode()
    assert not Record.objects.exists() and not Alert.objects.exists()


def test_a_future_date_is_shown_as_an_error_on_the_form(client, registry, officer, today):
    client.force_login(officer)
    url = reverse("supervision:record_create", kwargs={"cadre_pk": registry["cadre_a"].pk})
    response = client.post(url, {"record_type": record_type("提醒谈话").pk,
                                 "date": (today + datetime.timedelta(days=3)).isoformat(), "source": "组织部"})
    assert response.status_code == 200 and "晚于今天" in response.content.decode()
    assert not Record.objects.exists()


def test_the_edit_page_needs_a_reason_and_shows_the_history(client, registry, officer, today):
    client.force_login(officer)
    record = create_record(cadre=registry["cadre_a"], record_type=record_type("通报批评"), date=today,
                           source="纪委监委", summary="督查通报", user=officer).record
    url = reverse("supervision:record_edit", kwargs={"record_pk": record.pk})
    form = {"record_type": record.record_type_id, "date": today.isoformat(), "source": "组织部",
            "summary": "作风督查通报"}

    refused = client.post(url, form)
    assert refused.status_code == 200 and not RecordVersion.objects.exists()

    response = client.post(url, {**form, "reason": "来源部门录错"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "来源部门录错" in page and "督查通报" in page and "作风督查通报" in page
    assert AuditEvent.objects.filter(action="supervision.record.viewed", object_id=str(record.pk), user=officer).exists()


def test_downloading_an_attachment_is_logged(client, registry, officer, record):
    attachment = add_attachment(record, upload("处分决定.pdf", PDF), officer)
    client.force_login(officer)
    response = client.get(reverse("supervision:attachment_download", kwargs={"attachment_pk": attachment.pk}))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    event = AuditEvent.objects.get(action="supervision.attachment.downloaded")
    assert event.user == officer and event.object_id == str(attachment.pk)


def test_an_attachment_renamed_from_another_type_downloads_with_the_right_extension(client, record, officer):
    attachment = add_attachment(record, upload("扫描件.pdf", PNG), officer)
    client.force_login(officer)
    response = client.get(reverse("supervision:attachment_download", kwargs={"attachment_pk": attachment.pk}))
    assert response["Content-Type"] == "image/png"
    assert ".pdf.png" in response["Content-Disposition"]


def test_the_record_list_filters_and_exports_with_formulas_neutralised(client, registry, officer, today):
    create_record(cadre=registry["cadre_a"], record_type=record_type("提醒谈话"), date=today, source="组织部",
                  summary="=HYPERLINK(\"http://example.com\")", user=officer)
    create_record(cadre=registry["cadre_b"], record_type=record_type("审计问题", "一般"), date=today, source="审计",
                  summary="+往来款", user=officer)
    client.force_login(officer)
    url = reverse("supervision:record_list")

    page = client.get(url, {"q": "李四"}).content.decode()
    assert "审计问题·一般" in page and "提醒谈话" not in page.split("record-table")[1]
    assert "没有符合条件" in client.get(url, {"q": "王五"}).content.decode()

    response = client.get(url, {"_export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:8] == ("身份证号", "姓名", "类型", "细类", "积分", "日期", "文号", "来源部门")
    summaries = {row[1]: row[8] for row in rows[1:]}
    assert summaries == {"张三": "'=HYPERLINK(\"http://example.com\")", "李四": "'+往来款"}
    assert AuditEvent.objects.filter(action="supervision.records.exported").exists()


def test_the_record_list_says_when_there_is_nothing_yet(client, registry, officer):
    client.force_login(officer)
    assert "还没有监督记录" in client.get(reverse("supervision:record_list")).content.decode()


def test_the_officer_finds_a_cadre_to_enter_a_record_for(client, registry, officer):
    client.force_login(officer)
    page = client.get(reverse("supervision:record_cadre_choice"), {"q": "张"}).content.decode()
    assert reverse("supervision:record_create", kwargs={"cadre_pk": registry["cadre_a"].pk}) in page
    assert "李四" not in page
