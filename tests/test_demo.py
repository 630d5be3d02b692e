import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from accounts.access import roles_of
from assessment.models import Period, Track, TrackMembership, UnitResult
from assessment.site.demo import DEMO_USERS
from cadres.models import Appointment, Cadre, Unit, UnitKind


def counts():
    from assessment.models import Indicator, Statistic

    return (Unit.objects.count(), Track.objects.count(), TrackMembership.objects.count(), Cadre.objects.count(),
            Appointment.objects.count(), Appointment.objects.filter(end_date__isnull=False).count(),
            get_user_model().objects.count(), Indicator.objects.count(), Statistic.objects.count(),
            UnitResult.objects.count())


@pytest.mark.django_db
def test_the_demo_district_is_realistic_and_loading_it_twice_changes_nothing(capsys):
    call_command("load_demo")
    first = counts()
    call_command("load_demo")
    assert counts() == first

    units, tracks, memberships, cadres, appointments, ended, users, indicators, statistics, results = first
    # Two yearly schemes (2023, 2024), each with 6 tracks over the 64 units.
    assert units == 64 and memberships == 2 * 64 and tracks == 2 * 6
    assert Unit.objects.filter(kind__in=[UnitKind.TOWNSHIP, UnitKind.STREET]).count() == 14
    assert Unit.objects.filter(kind=UnitKind.DEPARTMENT).count() == 50
    assert 500 <= cadres <= 560 and appointments > cadres
    assert ended >= 10  # job changes end the earlier appointment
    assert Appointment.objects.filter(role="principal").count() >= 64

    # Both years are computed, and 2024 shows progress against 2023 and the approved veto.
    latest = Period.objects.get(code="2024")
    results = UnitResult.objects.filter(period=latest)
    assert results.count() == 64 and not latest.recompute_pending
    assert results.filter(rank_change__isnull=False).count() == 64
    assert results.get(unit__code="T05").vetoed and results.get(unit__code="T05").tier == 3
    assert results.get(unit__code="T03").bonus == 2 and results.get(unit__code="J02").penalty == 3
    assert UnitResult.objects.filter(period__code="2023").count() == 64
    # The past year is published for the units to read; the current one stays open for uploads.
    assert dict(Period.objects.values_list("code", "state")) == {"2023": "published", "2024": "open"}

    output = capsys.readouterr().out
    for demo in DEMO_USERS:
        assert f"{demo.username}" in output and demo.password in output
        user = get_user_model().objects.get(username=demo.username)
        assert user.check_password(demo.password) and not user.is_superuser
        assert roles_of(user) == {demo.role}
