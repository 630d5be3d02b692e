"""The honour list of a period (printable) and the 骏马奖 / 蜗牛奖 the office gives. Rules in
``feedback.honours``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import can, capability_required
from accounts.roles import Capability
from assessment.models import UnitResult
from feedback import honours, selectors
from feedback.forms import AwardEditForm, AwardForm, attach_errors
from feedback.models import Award, AwardKind


def honours_url(period) -> str:
    return f"{reverse('feedback:honours')}?period={period.pk}"


@capability_required(Capability.VIEW_FEEDBACK)
def honour_list(request):
    """One period's honour list; the latest period with results unless another is chosen."""
    periods = list(selectors.feedback_periods_for(request.user)
                   .annotate(has_results=Exists(UnitResult.objects.filter(period=OuterRef("pk"))))
                   .order_by("-start_date", "scheme__name"))
    chosen = request.GET.get("period", "")
    period = (next((p for p in periods if str(p.pk) == chosen), None)
              or next((p for p in periods if p.has_results), None)
              or (periods[0] if periods else None))
    context = {"periods": periods, "period": period, "may_manage": can(request.user, Capability.MANAGE_FEEDBACK)}
    if period is not None:
        awards = list(Award.objects.filter(period=period).select_related("unit", "cadre", "awarded_by"))
        context.update({
            "tracks": honours.honour_list(period),
            "excellent_cadres": honours.cadres_excellent_three_years(period),
            "streak_years": honours.streak_years(period),
            "steeds": [award for award in awards if award.kind == AwardKind.STEED],
            "snails": [award for award in awards if award.kind == AwardKind.SNAIL],
        })
    return render(request, "feedback/honours.html", context)


@capability_required(Capability.MANAGE_FEEDBACK)
def award_create(request, period_pk: int):
    period = selectors.feedback_period_for(request.user, period_pk)
    form = AwardForm(request.POST or None, period=period, initial={"kind": request.GET.get("kind", AwardKind.STEED)})
    if request.method == "POST" and form.is_valid():
        try:
            award = honours.award_give(period=period, user=request.user, request=request, **form.cleaned_data)
        except ValidationError as refused:
            attach_errors(form, refused)
        else:
            messages.success(request, _("已评定%(award)s") % {"award": award})
            return redirect(honours_url(period))
    return render(request, "feedback/award_form.html", {"form": form, "period": period, "award": None})


@capability_required(Capability.MANAGE_FEEDBACK)
def award_edit(request, award_pk: int):
    award = get_object_or_404(Award.objects.select_related("period__scheme", "unit", "cadre"), pk=award_pk)
    form = AwardEditForm(request.POST or None, initial={"citation": award.citation})
    if request.method == "POST" and form.is_valid():
        try:
            honours.award_edit(award, citation=form.cleaned_data["citation"], user=request.user, request=request)
        except ValidationError as refused:
            attach_errors(form, refused)
        else:
            messages.success(request, _("已修改%(award)s的评语") % {"award": award})
            return redirect(honours_url(award.period))
    return render(request, "feedback/award_form.html", {"form": form, "period": award.period, "award": award})


@require_POST
@capability_required(Capability.MANAGE_FEEDBACK)
def award_delete(request, award_pk: int):
    award = get_object_or_404(Award.objects.select_related("period", "unit", "cadre"), pk=award_pk)
    period = award.period
    description = str(award)
    honours.award_withdraw(award, user=request.user, request=request)
    messages.success(request, _("已撤销%(award)s") % {"award": description})
    return redirect(honours_url(period))
