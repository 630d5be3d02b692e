"""Pages for entering cadres' annual grades; the rules live in ``assessment.grades``."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.access import capability_required, units_visible_to
from accounts.roles import Capability
from assessment import grades
from assessment.models import Grade
from cadres.models import Unit


def _year_from(request, years: list[int]) -> int:
    year = request.GET.get("year", "")
    return int(year) if year.isdigit() and int(year) in years else grades.default_grade_year()


@capability_required(Capability.MANAGE_GRADES)
def grade_index(request):
    years = grades.grade_years()
    year = _year_from(request, years)
    units = units_visible_to(request.user, Unit.objects.active()).order_by("code")
    query = request.GET.get("q", "").strip()
    if query:
        units = units.filter(name__icontains=query) | units.filter(code__icontains=query)
    page = Paginator(units, 50).get_page(request.GET.get("page"))
    return render(request, "assessment/grade_index.html", {
        "years": years, "year": year, "query": query, "page": page,
        "summaries": grades.grade_overview(year, page.object_list),
    })


@capability_required(Capability.MANAGE_GRADES)
def grade_unit(request, year: int, unit_pk: int):
    if year not in grades.grade_years():
        raise Http404
    unit = get_object_or_404(units_visible_to(request.user, Unit.objects.all()), pk=unit_pk)
    if request.method == "POST":
        try:
            cadre_id = int(request.POST.get("cadre", ""))
        except ValueError:
            cadre_id = 0
        grade = request.POST.get("grade", "")
        try:
            entry = grades.grade_enter(unit=unit, cadre_id=cadre_id, year=year, grade=grade,
                                       comment=request.POST.get("comment", "").strip()[:2000],
                                       user=request.user, request=request)
        except grades.GradeRefused as refused:
            messages.error(request, _("未保存：") + "；".join(refused.reasons))
        else:
            messages.success(request, _("已保存：%(cadre)s %(year)d 年度 %(grade)s") % {
                "cadre": entry.cadre.name, "year": year, "grade": entry.get_grade_display(),
            })
        return redirect("assessment:grade_unit", year=year, unit_pk=unit.pk)
    return render(request, "assessment/grade_unit.html", {
        "sheet": grades.grade_sheet(unit, year), "grade_choices": Grade.choices,
    })
