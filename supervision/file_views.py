"""Pages of a cadre's file, a unit's team, the promotion pre-check, the three lists and the reports.

Views check the capability, load by id, call the services in cadre_file, precheck, lists and reports,
and render. Every view of a file, every pre-check and every download is audit-logged.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import capability_required
from accounts.audit import record_event
from accounts.roles import Capability
from assessment.grades import default_grade_year
from assessment.workbooks import WorkbookRejected
from cadres.models import Cadre, Unit
from core import jobs
from supervision import reports as report_service
from supervision.cadre_file import cadre_file, search_cadres, unit_team
from supervision.clearance import by_source_within_clearance, mark_readable
from supervision.file_exports import lists_workbook, precheck_workbook, report_workbook
from supervision.file_forms import MandatoryCheckForm, PrecheckBatchForm, PrecheckDateForm, ReportGenerateForm
from supervision.job_kinds import REPORT as REPORT_JOB
from supervision.lists import ListKind, list_years, three_lists
from supervision.models import ReportKind, SupervisionReport
from supervision.precheck import log_precheck, mandatory_check_record, precheck
from supervision.precheck_batch import (
    BatchLine,
    lines_from_text,
    lines_from_workbook,
    precheck_batch,
    too_many,
)
from supervision.recusal import check_not_recused, withhold_recused

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_PAGE_SIZE = 50
REPORT_PAGE_SIZE = 20


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _url_exists(name: str, **kwargs) -> bool:
    """Pages of the records area are built alongside the file; link to them only once they exist."""
    try:
        reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return False
    return True


def _url_around_pk(name: str, kwarg: str) -> tuple[str, str] | None:
    """The text before and after the pk in ``name``'s URL (None while the page does not exist).

    A file can hold hundreds of records; joining three strings per row is much cheaper than
    reversing the URL for each of them."""
    marker = 987654321
    try:
        url = reverse(name, kwargs={kwarg: marker})
    except NoReverseMatch:
        return None
    before, after = url.split(str(marker), 1)
    return before, after


# --- The file and the team ------------------------------------------------------------------------


@capability_required(Capability.VIEW_SUPERVISION)
def cadre_file_view(request, cadre_pk: int):
    cadre = get_object_or_404(Cadre, pk=cadre_pk)
    check_not_recused(request, cadre)
    file = cadre_file(cadre, timezone.localdate())
    mark_readable(file.records, request.user)
    file.by_source = by_source_within_clearance(file.by_source)
    record_event("supervision.file_view", request=request, obj=cadre)
    return render(request, "supervision/file/cadre_file.html", {
        "file": file,
        "cadre": cadre,
        "check_form": MandatoryCheckForm(initial={"done_on": timezone.localdate()}),
        "record_edit_url": _url_around_pk("supervision:record_edit", "record_pk"),
        "can_download_attachments": _url_exists("supervision:attachment_download", attachment_pk=0),
        "can_add_records": _url_exists("supervision:record_create", cadre_pk=0),
        "can_open_alerts": _url_exists("supervision:alert_detail", alert_pk=0),
    })


@require_POST
@capability_required(Capability.VIEW_SUPERVISION)
def mandatory_check_add(request, cadre_pk: int):
    cadre = get_object_or_404(Cadre, pk=cadre_pk)
    check_not_recused(request, cadre)
    form = MandatoryCheckForm(request.POST)
    if form.is_valid():
        check = mandatory_check_record(cadre=cadre, user=request.user, request=request, **form.cleaned_data)
        messages.success(request, _("已登记%(name)s的“%(kind)s”（%(date)s）") % {
            "name": cadre.name, "kind": check.get_kind_display(), "date": check.done_on.isoformat()})
    else:
        problems = "；".join(f"{form.fields[field].label}：{'、'.join(errors)}" for field, errors in form.errors.items())
        messages.error(request, _("凡提四必未登记：%(problems)s") % {"problems": problems})
    return redirect("supervision:cadre_file", cadre_pk=cadre.pk)


@capability_required(Capability.VIEW_SUPERVISION)
def unit_team_view(request, unit_pk: int):
    unit = get_object_or_404(Unit, pk=unit_pk)
    return render(request, "supervision/file/unit_team.html", {
        "team": unit_team(unit, timezone.localdate()),
        "can_open_warning_history": _url_exists("supervision:unit_warning", unit_pk=0),
    })


# --- Promotion pre-check --------------------------------------------------------------------------


@capability_required(Capability.VIEW_SUPERVISION)
def precheck_view(request):
    """One cadre: chosen by id (from a search), or found by ID number or name."""
    date_form = PrecheckDateForm(request.GET or None)
    on = date_form.day() if date_form.is_valid() else timezone.localdate()
    query = request.GET.get("q", "").strip()
    context = {"date_form": date_form, "on": on, "query": query, "verdict": None, "search": None}
    cadre = None
    if request.GET.get("cadre", "").isdigit():
        cadre = get_object_or_404(Cadre, pk=int(request.GET["cadre"]))
    elif query:
        search = search_cadres(query, on)
        candidates = list(search.cadres[:51])
        if len(candidates) == 1:
            cadre = candidates[0]
        else:
            context.update(search=search, candidates=candidates[:50], more=len(candidates) > 50)
    if cadre is not None:
        check_not_recused(request, cadre)
        verdict = precheck(cadre, on)
        log_precheck(verdict, request=request, mode="single")
        context["verdict"] = verdict
    return render(request, "supervision/precheck/precheck.html", context)


def _posted_lines(request) -> list[BatchLine]:
    """The lines of a result page posted back for its download, with their original line numbers."""
    numbers, ids = request.POST.getlist("line"), request.POST.getlist("id_number")
    problems = request.POST.getlist("problem")
    return [BatchLine(int(number) if number.isdigit() else 0, id_number.strip().upper(), problem)
            for number, id_number, problem in zip(numbers, ids, problems, strict=False)]


def _submitted_lines(form: PrecheckBatchForm) -> list[BatchLine]:
    """The lines of the uploaded sheet and of the pasted text; form errors say what is wrong."""
    upload = form.cleaned_data.get("file")
    lines = lines_from_workbook(upload.read(), upload.name) if upload else []
    lines += lines_from_text(form.cleaned_data.get("id_numbers", ""))
    if not lines:
        form.add_error(None, _("没有读到任何身份证号"))
    elif too_many(lines):
        form.add_error(None, too_many(lines))
        return []
    return lines


@capability_required(Capability.VIEW_SUPERVISION)
def precheck_batch_view(request):
    """Step 1 posts ID numbers (pasted or in a sheet) and shows the verdicts; the result page posts the
    same lines back with ``export=xlsx`` for the Excel file. Each time is a pre-check, and is logged."""
    form = PrecheckBatchForm(request.POST or None, request.FILES or None)
    if request.method != "POST":
        return render(request, "supervision/precheck/batch.html", {"form": form})
    exporting = request.POST.get("export") == "xlsx"
    if exporting:
        date_form = PrecheckDateForm(request.POST)
        on = date_form.day() if date_form.is_valid() else timezone.localdate()
        lines = _posted_lines(request)
    elif form.is_valid():
        on = form.day()
        try:
            lines = _submitted_lines(form)
        except WorkbookRejected as rejected:
            return render(request, "supervision/precheck/batch.html", {"form": form, "problems": rejected.problems})
    else:
        lines = []
    if not lines:
        return render(request, "supervision/precheck/batch.html", {"form": form})
    entries = withhold_recused(precheck_batch(lines, on), request)
    for entry in entries:
        if entry.verdict is not None:
            log_precheck(entry.verdict, request=request, mode="batch")
    if exporting:
        record_event("supervision.precheck.exported", request=request, rows=len(entries), on=on.isoformat())
        return _xlsx_response(precheck_workbook(entries), _("任前核查结果_%(date)s.xlsx") % {"date": on.isoformat()})
    return render(request, "supervision/precheck/batch.html", {
        "form": form, "entries": entries, "on": on,
        "blocked": sum(1 for entry in entries if entry.verdict and not entry.verdict.eligible),
        "eligible": sum(1 for entry in entries if entry.verdict and entry.verdict.eligible),
        "unchecked": sum(1 for entry in entries if entry.verdict is None),
    })


# --- Three lists ----------------------------------------------------------------------------------


def _year(request, years: list[int]) -> int:
    text = request.GET.get("year", "")
    return int(text) if text.isdigit() and int(text) in years else default_grade_year()


@capability_required(Capability.VIEW_SUPERVISION)
def lists_view(request):
    years = list_years()
    year = _year(request, years)
    years = sorted(set(years) | {year}, reverse=True)
    lists = three_lists(year)
    kind = request.GET.get("list", ListKind.EXCELLENT)
    if kind not in ListKind.values:
        kind = ListKind.EXCELLENT
    page = Paginator(lists.of(kind), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/lists/lists.html", {
        "lists": lists, "years": years, "year": year, "kind": kind, "kind_label": ListKind(kind).label, "page": page,
    })


@capability_required(Capability.VIEW_SUPERVISION)
def lists_download(request, year: int):
    lists = three_lists(year)
    record_event("supervision.lists.exported", request=request, year=year,
                 **{kind: count for kind, _label, count in lists.counts})
    return _xlsx_response(lists_workbook(lists), _("三类名单_%(year)d年度.xlsx") % {"year": year})


# --- Periodic reports -----------------------------------------------------------------------------


@capability_required(Capability.VIEW_SUPERVISION)
def reports_view(request):
    reports = SupervisionReport.objects.all()
    kind = request.GET.get("kind", "")
    if kind in ReportKind.values:
        reports = reports.filter(kind=kind)
    page = Paginator(reports.order_by("-period_start", "kind"), REPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(request, "supervision/reports/report_list.html", {
        "page": page, "kind": kind, "kinds": ReportKind.choices,
        "form": ReportGenerateForm(initial={"kind": ReportKind.MONTHLY,
                                            "month": report_service.last_complete_start(ReportKind.MONTHLY, today)
                                            .strftime("%Y-%m")}),
    })


@require_POST
@capability_required(Capability.VIEW_SUPERVISION)
def report_generate(request):
    form = ReportGenerateForm(request.POST)
    if not form.is_valid():
        problems = "；".join("、".join(errors) for errors in form.errors.values())
        messages.error(request, _("未生成报告：%(problems)s") % {"problems": problems})
        return redirect("supervision:reports")
    kind = form.cleaned_data["kind"]
    start = report_service.period_containing(kind, form.cleaned_data["month"])
    record_event("supervision.report.requested", request=request, kind=kind, period_start=start.isoformat())
    job = jobs.enqueue(REPORT_JOB, key=f"{kind}:{start.isoformat()}",
                       payload={"kind": kind, "period_start": start.isoformat(), "user_id": request.user.pk})
    labels = {"label": report_service.period_label(kind, start), "kind": ReportKind(kind).label}
    if jobs.left_waiting(job):
        messages.warning(request, _("已记下生成%(label)s%(kind)s的请求；后台队列暂不可用，报告将在队列恢复后"
                                    "自动生成") % labels)
    else:
        messages.info(request, _("正在生成%(label)s%(kind)s，完成后出现在下面的列表中（数据量大时需要几十秒）")
                      % labels)
    return redirect(f"{reverse('supervision:reports')}?kind={kind}")


@capability_required(Capability.VIEW_SUPERVISION)
def report_detail(request, report_pk: int):
    report = get_object_or_404(SupervisionReport, pk=report_pk)
    return render(request, "supervision/reports/report_detail.html", {
        "report": report, "label": report_service.period_label(report.kind, report.period_start),
        "tables": report_service.report_tables(report),
        "partial": report.period_end >= timezone.localdate(),
    })


@capability_required(Capability.VIEW_SUPERVISION)
def report_download(request, report_pk: int):
    report = get_object_or_404(SupervisionReport, pk=report_pk)
    label = report_service.period_label(report.kind, report.period_start)
    record_event("supervision.report.exported", request=request, obj=report)
    return _xlsx_response(report_workbook(report, report_service.report_tables(report)),
                          f"{report.get_kind_display()}_{label}.xlsx")
