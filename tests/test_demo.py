import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from accounts.access import roles_of
from assessment.demo import DEMO_USERS
from assessment.models import Track, TrackMembership
from cadres.models import Appointment, Cadre, Unit, UnitKind


def counts():
    return (Unit.objects.count(), Track.objects.count(), TrackMembership.objects.count(), Cadre.objects.count(),
            Appointment.objects.count(), Appointment.objects.filter(end_date__isnull=False).count(),
            get_user_model().objects.count())


@pytest.mark.django_db
def test_the_demo_district_is_realistic_and_loading_it_twice_changes_nothing(capsys):
    call_command("load_demo")
    first = counts()
    call_command("load_demo")
    assert counts() == first

    units, tracks, memberships, cadres, appointments, ended, users = first
    assert units == 64 and memberships == 64 and tracks == 6
    assert Unit.objects.filter(kind__in=[UnitKind.TOWNSHIP, UnitKind.STREET]).count() == 14
    assert Unit.objects.filter(kind=UnitKind.DEPARTMENT).count() == 50
    assert 500 <= cadres <= 560 and appointments > cadres
    assert ended >= 10  # job changes end the earlier appointment
    assert Appointment.objects.filter(role="principal").count() >= 64

    output = capsys.readouterr().out
    for demo in DEMO_USERS:
        assert f"{demo.username}" in output and demo.password in output
        user = get_user_model().objects.get(username=demo.username)
        assert user.check_password(demo.password) and not user.is_superuser
        assert roles_of(user) == {demo.role}
