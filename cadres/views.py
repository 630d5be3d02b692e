from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig
from django_tables2.export import TableExport

from accounts.access import can, capability_required, may_see_full_id_number
from accounts.audit import record_event
from accounts.roles import Capability
from cadres import selectors
from cadres.filters import CadreFilter, UnitFilter
from cadres.id_numbers import mask_id_number, mask_phone
from cadres.roster import import_roster
from cadres.tables import CadreTable, UnitTable
from core import pending_uploads
from core.forms import SpreadsheetUploadForm

PAGE_SIZE = 25


def _table_page(request, table, export_name: str, template: str, context: dict):
    export_format = request.GET.get("_export")
    if export_format == "xlsx":
        record_event("registry.list.exported", request=request, list=export_name, rows=len(table.rows))
        return TableExport("xlsx", table, exclude_columns=()).response(f"{export_name}.xlsx")
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    return render(request, template, {**context, "table": table})


@capability_required(Capability.VIEW_UNITS)
def unit_list(request):
    filterset = UnitFilter(request.GET, queryset=selectors.unit_list(request.user))
    table = UnitTable(filterset.qs)
    return _table_page(request, table, "units", "cadres/unit_list.html", {"filter": filterset})


@capability_required(Capability.VIEW_UNITS)
def unit_detail(request, pk: int):
    unit = selectors.unit_detail(request.user, pk)
    return render(request, "cadres/unit_detail.html", {
        "unit": unit,
        "team": selectors.unit_team(unit),
        "memberships": selectors.unit_tracks(unit),
        "may_open_cadres": can(request.user, Capability.VIEW_CADRES),
    })


@capability_required(Capability.VIEW_CADRES)
def cadre_list(request):
    filterset = CadreFilter(request.GET, queryset=selectors.cadre_list(request.user))
    table = CadreTable(filterset.qs)
    return _table_page(request, table, "cadres", "cadres/cadre_list.html", {"filter": filterset})


@capability_required(Capability.VIEW_CADRES)
def cadre_detail(request, pk: int):
    cadre = selectors.cadre_detail(request.user, pk)
    full = may_see_full_id_number(request.user)
    return render(request, "cadres/cadre_detail.html", {
        "cadre": cadre,
        "appointments": selectors.cadre_appointments(cadre),
        "id_number": cadre.id_number if full else mask_id_number(cadre.id_number),
        "phone": cadre.phone if full else mask_phone(cadre.phone),
    })


@capability_required(Capability.IMPORT_CADRES)
def roster_import(request):
    """Step 1: upload and check. Nothing is stored until the officer confirms the preview."""
    form = SpreadsheetUploadForm(request.POST or None, request.FILES or None)
    result = token = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        result = import_roster(data, upload.name, commit=False)
        if not result.errors:
            token = pending_uploads.keep(request, "roster", data, upload.name)
    return render(request, "cadres/roster_import.html", {"form": form, "result": result, "token": token})


@require_POST
@capability_required(Capability.IMPORT_CADRES)
def roster_import_confirm(request):
    """Step 2: the confirmed file is checked again and stored in one transaction."""
    pending = pending_uploads.take(request, "roster", request.POST.get("token", ""))
    if pending is None:
        messages.error(request, _("待导入的文件已失效，请重新上传"))
        return redirect("cadres:roster_import")
    data, filename = pending
    result = import_roster(data, filename, user=request.user, request=request, commit=True)
    if not result.committed:
        return render(request, "cadres/roster_import.html",
                      {"form": SpreadsheetUploadForm(), "result": result, "token": None})
    messages.success(request, _(
        "干部名册已导入：新增干部%(created)d人，更新%(updated)d人；新增任职%(opened)d条，结束任职%(ended)d条"
    ) % {"created": result.cadres_created, "updated": result.cadres_updated,
         "opened": result.appointments_opened, "ended": result.appointments_ended})
    return redirect("cadres:cadre_list")


