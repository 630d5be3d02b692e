"""Django admin: every page loads for the roles that may open it; imports are all-or-nothing."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.audit import record_event
from accounts.models import AuditEvent
from accounts.roles import Role
from cadres.models import Unit
from tests.sheets import xlsx_bytes

STAFF_ROLES = (Role.SYSTEM_ADMIN, Role.ASSESSMENT_OFFICER, Role.AUDITOR)


def admin_pages():
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        yield model, model_admin, f"admin:{meta.app_label}_{meta.model_name}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", STAFF_ROLES, ids=lambda role: role.value)
def test_every_changelist_and_add_page_loads_for_those_allowed(client, personas, role):
    user = personas[role]
    client.force_login(user)
    for model, _model_admin, prefix in admin_pages():
        meta = model._meta
        may_view = user.has_perm(f"{meta.app_label}.view_{meta.model_name}") or user.has_perm(
            f"{meta.app_label}.change_{meta.model_name}")
        changelist = client.get(reverse(f"{prefix}_changelist"))
        assert changelist.status_code == (200 if may_view else 403), (prefix, changelist.status_code)
        add = client.get(reverse(f"{prefix}_add"))
        may_add = user.has_perm(f"{meta.app_label}.add_{meta.model_name}") and model is not AuditEvent
        assert add.status_code == (200 if may_add else 403), (prefix, add.status_code)


@pytest.mark.django_db
def test_the_change_pages_of_registry_records_load(client, personas, registry):
    client.force_login(personas[Role.SYSTEM_ADMIN])
    for obj in (registry["town_a"], registry["cadre_a"], registry["cadre_a"].appointments.first(), registry["scheme"],
                registry["track"]):
        meta = obj._meta
        response = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]))
        assert response.status_code == 200, meta.label


@pytest.mark.django_db
def test_a_unit_import_with_one_bad_row_reports_the_row_and_stores_nothing(client, personas):
    client.force_login(personas[Role.SYSTEM_ADMIN])
    data = xlsx_bytes([
        ["代码", "名称", "类型", "上级单位代码", "人口", "面积", "地区生产总值", "财政收入"],
        ["N01", "新安镇", "乡镇", "", 3.2, 120, 25, 1.5],
        ["N02", "新平镇", "乡镇", "", 2.8, 98, 19, 1.1],
        ["N03", "新和镇", "不是类型", "", 2.1, 80, 15, 0.9],
    ])
    upload = SimpleUploadedFile("units.xlsx", data)
    response = client.post(reverse("admin:cadres_unit_import"), {"import_file": upload, "format": "0"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "“不是类型”不是可选值" in page
    assert "N03" in page
    assert not Unit.objects.filter(code__in=["N01", "N02", "N03"]).exists()


@pytest.mark.django_db
def test_a_good_unit_import_is_stored_after_confirmation(client, personas):
    client.force_login(personas[Role.SYSTEM_ADMIN])
    data = xlsx_bytes([["代码", "名称", "类型", "上级单位代码", "人口", "面积", "地区生产总值", "财政收入"],
                       ["N01", "新安镇", "乡镇", "", 3.2, 120, 25, 1.5]])
    preview = client.post(reverse("admin:cadres_unit_import"),
                          {"import_file": SimpleUploadedFile("units.xlsx", data), "format": "0"})
    assert not Unit.objects.filter(code="N01").exists()
    form = preview.context["confirm_form"]
    confirmed = client.post(reverse("admin:cadres_unit_process_import"), {**form.initial})
    assert confirmed.status_code == 302
    unit = Unit.objects.get(code="N01")
    assert (unit.name, unit.kind, float(unit.population)) == ("新安镇", "township", 3.2)


@pytest.mark.django_db
def test_audit_records_cannot_be_edited_or_deleted_by_anyone(client, personas):
    event = record_event("test.event", user=personas[Role.SYSTEM_ADMIN])
    event.action = "changed"
    with pytest.raises(PermissionDenied):
        event.save()
    with pytest.raises(PermissionDenied):
        event.delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.filter(pk=event.pk).update(action="changed")
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.all().delete()

    # Not even an all-powerful account gets an edit or delete page in admin.
    personas[Role.AUDITOR].is_superuser = True
    personas[Role.AUDITOR].save()
    client.force_login(personas[Role.AUDITOR])
    change_page = client.get(reverse("admin:accounts_auditevent_change", args=[event.pk])).content.decode()
    assert 'name="_save"' not in change_page
    assert client.get(reverse("admin:accounts_auditevent_delete", args=[event.pk])).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_the_system_administrator_keeps_record_types_but_never_sees_a_record(client, personas):
    client.force_login(personas[Role.SYSTEM_ADMIN])
    assert client.get(reverse("admin:supervision_recordtype_changelist")).status_code == 200
    assert client.get(reverse("admin:supervision_record_changelist")).status_code == 403
    assert client.get(reverse("admin:supervision_alert_changelist")).status_code == 403
