from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from accounts.access import can, capability_required, roles_of, scoped_unit_id
from accounts.roles import Capability
from assessment.models import Scheme
from cadres.models import Appointment, Cadre, Unit


@capability_required(Capability.VIEW_DASHBOARD)
def dashboard(request):
    user = request.user
    today = timezone.localdate()
    context = {"roles": roles_of(user), "today": today}
    if can(user, Capability.VIEW_UNITS):
        context["unit_count"] = Unit.objects.active().count()
    if can(user, Capability.VIEW_CADRES):
        context["cadre_count"] = Cadre.objects.count()
        context["appointment_count"] = Appointment.objects.active_on(today).count()
        context["recent_appointments"] = (
            Appointment.objects.select_related("cadre", "unit").order_by("-start_date", "-pk")[:8]
        )
    if can(user, Capability.VIEW_SCHEMES):
        context["schemes"] = Scheme.objects.annotate(
            track_count=Count("tracks", distinct=True), unit_count=Count("memberships", distinct=True)
        )
    if can(user, Capability.VIEW_UNITS) and not can(user, Capability.VIEW_CADRES):
        unit_id = scoped_unit_id(user)
        context["own_unit"] = Unit.objects.filter(pk=unit_id).first() if unit_id else None
    return render(request, "dashboard.html", context)


@capability_required(Capability.VIEW_SCHEMES)
def scheme_list(request):
    schemes = Scheme.objects.annotate(
        track_count=Count("tracks", distinct=True), unit_count=Count("memberships", distinct=True)
    )
    return render(request, "assessment/scheme_list.html", {"schemes": schemes})


@capability_required(Capability.VIEW_SCHEMES)
def scheme_detail(request, pk: int):
    scheme = get_object_or_404(Scheme, pk=pk)
    tracks = scheme.tracks.prefetch_related("memberships__unit")
    return render(request, "assessment/scheme_detail.html", {"scheme": scheme, "tracks": tracks})
