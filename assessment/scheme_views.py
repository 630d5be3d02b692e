"""The scheme workbook in the browser: upload → check → preview → confirm, and download.

An assessment officer uploads a workbook with the scheme's name and year and the periods to open.
The page lists every problem, or else what loading would change (the workbook applied in a
transaction that is rolled back), with a confirm button; confirming loads the kept file for real.
Anyone who may see schemes may download one as the same workbook, to edit and load it again.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import capability_required
from accounts.audit import record_event
from accounts.roles import Capability
from assessment.forms import SchemeImportForm, SchemeTargetForm
from assessment.models import Scheme
from assessment.scheme_workbook import (
    CHANGE_KINDS,
    SchemeApplyResult,
    SchemeDraft,
    SchemeRejected,
    apply_scheme,
    preview_scheme,
    read_scheme_workbook,
    scheme_workbook_bytes,
)
from assessment.workbooks import Problem
from core import pending_uploads

PENDING_KIND = "scheme"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Characters no file system accepts in a name; a scheme's name may contain them.
_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@dataclass
class SchemeCheck:
    """What the import page shows after an upload: every problem, and what loading would change."""

    problems: list[Problem] = field(default_factory=list)
    draft: SchemeDraft | None = None
    preview: SchemeApplyResult | None = None

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.is_error]

    @property
    def change_rows(self) -> list[tuple[str, int, int, int]]:
        """(what, created, updated, removed) for every kind of row a load changes."""
        if self.preview is None:
            return []
        return [(label, self.preview.created[kind], self.preview.updated[kind], self.preview.removed[kind])
                for kind, label in CHANGE_KINDS]


def _check(data: bytes, filename: str, target: dict) -> SchemeCheck:
    """Read and validate the workbook, then preview the load; nothing is stored."""
    check = SchemeCheck()
    check.draft, check.problems = read_scheme_workbook(data, filename)
    if check.draft is not None:
        try:
            check.preview = preview_scheme(check.draft, name=target["name"], year=target["year"],
                                           period_codes=target["periods"])
        except SchemeRejected as rejected:
            check.problems = [*check.problems, *rejected.problems]
    return check


def _import_page(request, form, check: SchemeCheck | None = None, token: str | None = None):
    return render(request, "assessment/scheme_import.html", {"form": form, "check": check, "token": token})


@capability_required(Capability.MANAGE_SCHEMES)
def scheme_import(request):
    """Step 1: upload and check. Nothing is stored until the officer confirms the preview."""
    # The scheme page links here with its name and year, to load an edited download back into it.
    initial = {"name": request.GET.get("name", ""), "year": request.GET.get("year") or timezone.localdate().year}
    form = SchemeImportForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method != "POST" or not form.is_valid():
        return _import_page(request, form)
    upload = form.cleaned_data["file"]
    data = upload.read()
    check = _check(data, upload.name, form.details())
    token = None
    if not check.errors and check.preview.changes:
        token = pending_uploads.keep(request, PENDING_KIND, data, upload.name, details=form.details())
    return _import_page(request, form, check, token)


@require_POST
@capability_required(Capability.MANAGE_SCHEMES)
def scheme_import_confirm(request):
    """Step 2: the kept file is read and checked again and loaded in one transaction."""
    pending = pending_uploads.take_upload(request, PENDING_KIND, request.POST.get("token", ""))
    target = SchemeTargetForm.from_details(pending.details) if pending else None
    if target is None or not target.is_valid():
        messages.error(request, _("待导入的文件已失效，请重新上传"))
        return redirect("assessment:scheme_import")
    choices = target.details()
    check = SchemeCheck()
    check.draft, check.problems = read_scheme_workbook(pending.data, pending.filename)
    if check.draft is not None:
        try:
            result = apply_scheme(check.draft, name=choices["name"], year=choices["year"],
                                  period_codes=choices["periods"], user=request.user)
        except SchemeRejected as rejected:
            check.problems = [*check.problems, *rejected.problems]
        else:
            messages.success(request, result.summary())
            return redirect(result.scheme.get_absolute_url())
    # Something changed since the preview (the registry, or the scheme's periods): show why.
    form = SchemeImportForm(initial={**choices, "periods": " ".join(choices["periods"])})
    return _import_page(request, form, check)


@capability_required(Capability.VIEW_SCHEMES)
def scheme_download(request, pk: int):
    """The scheme as the workbook the import reads, named <year>_<name>.xlsx."""
    scheme = get_object_or_404(Scheme, pk=pk)
    data = scheme_workbook_bytes(scheme)
    filename = _UNSAFE_IN_FILENAME.sub("_", f"{scheme.year}_{scheme.name}.xlsx")
    record_event("assessment.scheme.downloaded", request=request, obj=scheme, filename=filename)
    # FileResponse writes the Content-Disposition header, with an RFC 5987 filename* for Chinese names.
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
