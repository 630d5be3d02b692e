"""The demo district (云溪区): invented units, tracks, cadres and one user per role.

Everything is loaded from the spreadsheets in ``fixtures/`` through the import paths that users
use (the unit resource of Django admin, the roster import), so the demo exercises them. Running
it again changes nothing. Later parts of the product add their own steps to ``DEMO_STEPS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import tablib
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.roles import Role
from accounts.services import sync_role_groups, user_assign_roles
from assessment.models import Scheme, SchemeStatus, Track, TrackMembership
from assessment.workbooks import ColumnSpec, cell_text, open_workbook, read_table
from cadres.models import Unit
from cadres.resources import UnitResource
from cadres.roster import import_roster

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
UNITS_FILE = FIXTURES / "demo_units.xlsx"
CADRES_FILE = FIXTURES / "demo_cadres.xlsx"
DEMO_SCHEME_NAME = "云溪区领导班子和领导干部综合考核"
DEMO_SCHEME_YEAR = 2024

UNIT_COLUMNS = (
    ColumnSpec("code", "代码"),
    ColumnSpec("name", "名称"),
    ColumnSpec("kind", "类型"),
    ColumnSpec("parent", "上级单位代码", required=False),
    ColumnSpec("population", "人口", required=False),
    ColumnSpec("area_km2", "面积", required=False),
    ColumnSpec("gdp", "地区生产总值", required=False),
    ColumnSpec("fiscal_revenue", "财政收入", required=False),
    ColumnSpec("track", "赛道"),
)
TRACK_COLUMNS = (ColumnSpec("code", "代码"), ColumnSpec("name", "名称"))


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    full_name: str
    role: Role
    unit_code: str = ""  # the unit a unit viewer sees, or the department a data provider fills in for


DEMO_USERS = (
    DemoUser("kaohe", "Yx@Kaohe2026", "周考核", Role.ASSESSMENT_OFFICER),
    DemoUser("jiandu", "Yx@Jiandu2026", "吴监督", Role.SUPERVISION_OFFICER),
    DemoUser("tianbao", "Yx@Tianbao2026", "郑填报", Role.DATA_PROVIDER, unit_code="D03"),
    DemoUser("danwei", "Yx@Danwei2026", "王单位", Role.UNIT_VIEWER, unit_code="T01"),
    DemoUser("shenji", "Yx@Shenji2026", "冯审计", Role.AUDITOR),
    DemoUser("xitong", "Yx@Xitong2026", "陈系统", Role.SYSTEM_ADMIN),
)


class DemoLoadError(RuntimeError):
    pass


def load_units() -> dict[str, str]:
    """Units through the admin's unit resource; returns each unit's track code."""
    workbook = open_workbook(UNITS_FILE.read_bytes(), UNITS_FILE.name)
    table = read_table(workbook, UNIT_COLUMNS, sheet_names=("单位",))
    headers = [spec.header for spec in UNIT_COLUMNS if spec.key != "track"]
    dataset = tablib.Dataset(headers=headers)
    tracks_of = {}
    for row in table.rows:
        dataset.append([cell_text(row.values.get(spec.key)) for spec in UNIT_COLUMNS if spec.key != "track"])
        tracks_of[cell_text(row.values["code"])] = cell_text(row.values["track"])
    result = UnitResource().import_data(dataset, dry_run=False, raise_errors=False)
    if result.has_errors() or result.has_validation_errors():
        raise DemoLoadError(f"demo units could not be imported: {result.invalid_rows or result.row_errors()}")
    return tracks_of


def load_scheme(tracks_of: dict[str, str]) -> Scheme:
    workbook = open_workbook(UNITS_FILE.read_bytes(), UNITS_FILE.name)
    track_table = read_table(workbook, TRACK_COLUMNS, sheet_names=("赛道",))
    scheme, _created = Scheme.objects.update_or_create(
        name=DEMO_SCHEME_NAME, year=DEMO_SCHEME_YEAR,
        defaults={"status": SchemeStatus.ACTIVE, "description": "演示方案：乡镇街道分2个赛道，区直部门分4个赛道。"},
    )
    tracks = {}
    for order, row in enumerate(track_table.rows, start=1):
        code = cell_text(row.values["code"])
        tracks[code], _created = Track.objects.update_or_create(
            scheme=scheme, code=code, defaults={"name": cell_text(row.values["name"]), "sort_order": order}
        )
    units = Unit.objects.in_bulk(list(tracks_of), field_name="code")
    for unit_code, track_code in tracks_of.items():
        TrackMembership.objects.update_or_create(
            scheme=scheme, unit=units[unit_code], defaults={"track": tracks[track_code]}
        )
    return scheme


def load_cadres() -> None:
    result = import_roster(CADRES_FILE.read_bytes(), CADRES_FILE.name)
    if result.errors:
        raise DemoLoadError("demo roster has errors:\n" + "\n".join(str(problem) for problem in result.errors))


def load_users() -> list[DemoUser]:
    sync_role_groups()
    User = get_user_model()
    for demo in DEMO_USERS:
        user, _created = User.objects.get_or_create(username=demo.username)
        # Reset to the documented password so the printed logins always work.
        user.set_password(demo.password)
        user.is_active = True
        user.is_superuser = False
        user.save()
        unit = Unit.objects.get(code=demo.unit_code) if demo.unit_code else None
        user_assign_roles(user=user, roles=[demo.role], unit=unit, department=unit, full_name=demo.full_name)
    return list(DEMO_USERS)


@transaction.atomic
def load_demo() -> list[DemoUser]:
    tracks_of = load_units()
    load_scheme(tracks_of)
    load_cadres()
    return load_users()
