"""Every spreadsheet and CSV the app writes, read back: text that a spreadsheet would run as a
formula (starting with = + - @, a tab or a carriage return) is stored as plain text.

The world below puts such text in every field that reaches an export (a unit's name, a cadre's
name, a record's summary and document number, an officer's comments, a rectification problem),
then each export is produced the way its users produce it and every cell is read back.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from import_export.formats.base_formats import XLSX
from openpyxl import load_workbook

from accounts.roles import Role
from assessment.models import Adjustment, Period
from assessment.recompute import recompute_period
from cadres.id_numbers import check_character
from cadres.models import Appointment, AppointmentRole, Cadre, Unit
from cadres.resources import AppointmentResource, CadreResource, UnitResource
from core.spreadsheets.formula_guard import FORMULA_STARTS
from supervision.evaluation import after_records_changed
from supervision.models import Record, RecordType

UNIT_NAME = '=HYPERLINK("http://evil.example","东镇")'
CADRE_NAME = "+SUM(1,1)张"
SUMMARY = "@SUM(A1:A9) 摘要"
DOCUMENT = "-2+3号"
COMMENT = "=1+1 反馈意见"
PROBLEM = "\t=cmd 台账问题"
CADRE_ID = "11010519800101003" + check_character("11010519800101003")
PAYLOADS = (UNIT_NAME, CADRE_NAME, SUMMARY, DOCUMENT, COMMENT, PROBLEM)


@pytest.fixture
def hostile(district, make_user):
    from feedback.models import FeedbackNote, RectificationItem

    period: Period = district["period"]
    town = Unit.objects.get(code="Z1")
    town.name = UNIT_NAME
    town.save()
    officer = make_user("officer", [Role.ASSESSMENT_OFFICER])
    cadre = Cadre.objects.create(name=CADRE_NAME, gender="M", id_number=CADRE_ID)
    Appointment.objects.create(cadre=cadre, unit=town, title="党委书记", role=AppointmentRole.PRINCIPAL,
                               start_date=datetime.date(2020, 1, 1))
    Record.objects.create(cadre=cadre, record_type=RecordType.objects.get(name="诫勉"), date=datetime.date.today(),
                          source="纪委监委", document_number=DOCUMENT, summary=SUMMARY)
    after_records_changed([cadre.pk])
    Adjustment.objects.create(period=period, unit=town, points=Decimal("-1"), category="=扣分", reason="=原因",
                              approved_by=officer, approved_at=datetime.datetime.now(datetime.UTC))
    recompute_period(period.pk)
    FeedbackNote.objects.create(period=period, unit=town, comments=COMMENT, written_by=officer)
    RectificationItem.objects.create(period=period, unit=town, problem=PROBLEM, requirement="=补齐",
                                     deadline=datetime.date.today())
    return {"period": period, "town": town, "cadre": cadre, "officer": officer,
            "supervisor": make_user("supervisor", [Role.SUPERVISION_OFFICER]),
            "provider": make_user("provider", [Role.DATA_PROVIDER], department=period.scheme.indicators.first().provider),
            "auditor": make_user("auditor", [Role.AUDITOR])}


# --- Reading files back -----------------------------------------------------------------------


def cells_of(name: str, data: bytes) -> list[tuple[str, object, str]]:
    """(where, value, kind) for every non-empty cell of an .xlsx, a .csv or the workbooks in a .zip."""
    if name.endswith(".zip"):
        found = []
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                found += cells_of(f"{name}/{member}", archive.read(member))
        return found
    if name.endswith(".csv"):
        text = data.decode("utf-8-sig")
        return [(f"{name}:{r}:{c}", value, "s") for r, row in enumerate(csv.reader(io.StringIO(text)))
                for c, value in enumerate(row) if value != ""]
    book = load_workbook(io.BytesIO(data))
    return [(f"{name}!{sheet.title}!{cell.coordinate}", cell.value, cell.data_type)
            for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]


def assert_formula_safe(name: str, data: bytes, *, carries: tuple[str, ...]) -> None:
    cells = cells_of(name, data)
    assert cells, f"{name} is empty"
    runnable = [(where, value) for where, value, kind in cells
                if kind == "f" or (isinstance(value, str) and value.startswith(FORMULA_STARTS))]
    assert not runnable, runnable
    texts = [value for _where, value, _kind in cells if isinstance(value, str)]
    for payload in carries:  # the hostile text did reach the file (and no cell starts like a formula)
        assert any(payload in text for text in texts), (name, payload)


# --- The exports, produced as their users produce them --------------------------------------


def downloaded(client, user, url: str, *, post: dict | None = None) -> bytes:
    client.force_login(user)
    response = client.post(url, post) if post is not None else client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_results_export_command(hostile, tmp_path):
    for suffix in ("csv", "xlsx"):
        output = tmp_path / f"results.{suffix}"
        call_command("export_results", scheme=hostile["period"].scheme.name, period="2024", output=output,
                     stdout=io.StringIO())
        assert_formula_safe(output.name, output.read_bytes(), carries=(UNIT_NAME,))


def test_circular_ranking_workbook(client, hostile):
    data = downloaded(client, hostile["officer"], reverse("analysis:ranking_workbook", args=[hostile["period"].pk]))
    assert_formula_safe("circular.xlsx", data, carries=(UNIT_NAME,))


def test_feedback_report_workbook_and_the_zip_of_all(client, hostile, django_capture_on_commit_callbacks):
    from feedback.models import FeedbackBatch

    period, town = hostile["period"], hostile["town"]
    data = downloaded(client, hostile["officer"], reverse("feedback:report_xlsx", args=[period.pk, town.pk]))
    assert_formula_safe("report.xlsx", data, carries=(UNIT_NAME, COMMENT, PROBLEM))
    with django_capture_on_commit_callbacks(execute=True):  # the job is queued when the request commits
        client.post(reverse("feedback:batch_start", args=[period.pk]))
    batch = FeedbackBatch.objects.get(period=period)
    archive = downloaded(client, hostile["officer"], reverse("feedback:batch_download", args=[batch.pk]))
    assert_formula_safe("feedback.zip", archive, carries=(UNIT_NAME, COMMENT))


def test_rectification_list_workbook(client, hostile):
    data = downloaded(client, hostile["officer"], reverse("feedback:rectification_list") + "?_export=xlsx")
    assert_formula_safe("rectifications.xlsx", data, carries=(UNIT_NAME, PROBLEM))


def test_supervision_record_list_and_pre_check_workbooks(client, hostile):
    supervisor = hostile["supervisor"]
    data = downloaded(client, supervisor, reverse("supervision:record_list") + "?_export=xlsx")
    assert_formula_safe("records.xlsx", data, carries=(CADRE_NAME, SUMMARY, DOCUMENT))
    data = downloaded(client, supervisor, reverse("supervision:precheck_batch"),
                      post={"export": "xlsx", "line": ["1"], "id_number": [CADRE_ID], "problem": [""]})
    assert_formula_safe("precheck.xlsx", data, carries=(CADRE_NAME,))
    data = downloaded(client, supervisor, reverse("supervision:warning_overview") + "?_export=xlsx")
    assert_formula_safe("warnings.xlsx", data, carries=())


def test_supervision_export_commands(hostile, tmp_path):
    for command in ("export_points", "export_warnings"):
        for suffix in ("csv", "xlsx"):
            output = tmp_path / f"{command}.{suffix}"
            call_command(command, output=output, stdout=io.StringIO())
            assert_formula_safe(output.name, output.read_bytes(),
                                carries=(CADRE_NAME,) if command == "export_points" else ())


def test_statistics_template_for_the_department(client, hostile):
    data = downloaded(client, hostile["provider"],
                      reverse("indicators:template_download", args=[hostile["period"].pk]))
    assert_formula_safe("template.xlsx", data, carries=(UNIT_NAME,))


def test_admin_exports_of_the_registry(hostile):
    for resource, carries in ((UnitResource(), (UNIT_NAME,)), (CadreResource(mask_personal_numbers=False),
                              (CADRE_NAME,)), (AppointmentResource(mask_personal_numbers=False), (CADRE_NAME,))):
        data = XLSX().export_data(resource.export())
        assert_formula_safe(f"{type(resource).__name__}.xlsx", data, carries=carries)


def test_audit_log_page_and_archive_command(client, hostile, tmp_path):
    from accounts.audit import record_event

    record_event("registry.unit.changed", obj=hostile["town"])  # the unit's hostile name as the object
    data = downloaded(client, hostile["auditor"], reverse("accounts:audit_log") + "?_export=xlsx")
    assert_formula_safe("audit.xlsx", data, carries=(UNIT_NAME,))
    today = datetime.date.today().isoformat()
    for suffix in ("csv", "xlsx"):
        output = tmp_path / f"audit.{suffix}"
        call_command("export_audit_log", since=today, until=today, output=output, stdout=io.StringIO())
        assert_formula_safe(output.name, output.read_bytes(), carries=(UNIT_NAME,))


def test_supervision_lists_and_periodic_report_workbooks(client, hostile):
    from supervision.models import ReportKind
    from supervision.tasks import generate_report_job

    supervisor = hostile["supervisor"]
    year = datetime.date.today().year
    data = downloaded(client, supervisor, reverse("supervision:lists_download", kwargs={"year": year}))
    assert_formula_safe("lists.xlsx", data, carries=())
    month = datetime.date.today().replace(day=1)
    report_pk = generate_report_job(ReportKind.MONTHLY, month.isoformat())
    data = downloaded(client, supervisor, reverse("supervision:report_download", kwargs={"report_pk": report_pk}))
    assert_formula_safe("report.xlsx", data, carries=(UNIT_NAME,))


def test_scheme_workbook_download(client, hostile):
    data = downloaded(client, hostile["officer"],
                      reverse("assessment:scheme_download", args=[hostile["period"].scheme.pk]))
    assert_formula_safe("scheme.xlsx", data, carries=(UNIT_NAME,))


def test_a_guarded_name_reads_back_as_it_was_written(client, hostile):
    """The apostrophe guard is not part of the text: a template filled and uploaded again, or a
    scheme workbook loaded again, finds the unit's name unchanged."""
    from assessment.scheme_workbook import read_scheme_workbook
    from indicators.statistics_import import read_statistics

    period = hostile["period"]
    template = downloaded(client, hostile["provider"], reverse("indicators:template_download", args=[period.pk]))
    _cells, problems = read_statistics(template, "template.xlsx", period=period,
                                       department=period.scheme.indicators.first().provider)
    assert not [problem for problem in problems if problem.column == "单位名称" or "单位名称" in problem.message]
    scheme = downloaded(client, hostile["officer"], reverse("assessment:scheme_download", args=[period.scheme.pk]))
    draft, problems = read_scheme_workbook(scheme, "scheme.xlsx")
    assert draft is not None and UNIT_NAME in {unit.name for unit in draft.units}
