"""The supervision area's front page: find a cadre's file by name or ID number, and the ways in."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.access import capability_required
from accounts.roles import Capability
from supervision.cadre_file import search_cadres
from supervision.models import Alert, AlertStatus, CadrePointsState, Record
from supervision.points import Line

PAGE_SIZE = 25

# The other supervision pages, shown once they exist (they are built alongside this one).
ENTRY_POINTS = (
    ("supervision:record_list", _("监督记录"), "bi-journal-text"),
    ("supervision:record_import", _("导入监督记录"), "bi-upload"),
    ("supervision:alert_list", _("触线预警"), "bi-bell"),
    ("supervision:warning_overview", _("单位预警"), "bi-flag"),
    ("supervision:efficiency_warnings", _("效能预警"), "bi-speedometer"),
    ("supervision:precheck", _("任前核查"), "bi-shield-check"),
    ("supervision:lists", _("三类名单"), "bi-list-check"),
    ("supervision:reports", _("分析报告"), "bi-file-earmark-bar-graph"),
    ("supervision:rule_versions", _("预警规则"), "bi-sliders"),
)


def _entry_points() -> list[tuple[str, str, str]]:
    found = []
    for name, label, icon in ENTRY_POINTS:
        try:
            found.append((reverse(name), label, icon))
        except NoReverseMatch:
            continue
    return found


@capability_required(Capability.VIEW_SUPERVISION)
def index(request):
    today = timezone.localdate()
    search = search_cadres(request.GET.get("q", ""), today)
    page = Paginator(search.cadres, PAGE_SIZE).get_page(request.GET.get("page")) if search.query else None
    return render(request, "supervision/index.html", {
        "search": search,
        "page": page,
        "entry_points": _entry_points(),
        "open_alerts": Alert.objects.exclude(status=AlertStatus.CLOSED).count(),
        "cadres_at_lines": CadrePointsState.objects.exclude(line=Line.NONE).count(),
        "has_records": Record.objects.exists(),
    })
