"""The demo district (云溪区): invented units, cadres, a seven-dimension scheme with two years of
statistics and component scores, a few adjustments and one veto, and one user per role.

Everything is loaded from the spreadsheets in ``fixtures/`` through the import paths that users
use (the unit resource of Django admin, the roster import, the scheme workbook, the departments'
statistics sheets, the component sheet), so the demo exercises them. Running it again changes
nothing.
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
from assessment.models import Adjustment, Period, PeriodState, SchemeStatus, Verdict, VerdictKind, VetoItem
from assessment.publishing import period_lock, period_publish
from assessment.recompute import recompute_period
from assessment.scheme_workbook import apply_scheme, read_scheme_workbook
from assessment.workbooks import ColumnSpec, cell_text, open_workbook, read_table
from cadres.models import Unit
from cadres.resources import UnitResource
from cadres.roster import import_roster
from feedback.demo import load_feedback_demo
from indicators.component_import import import_component_scores
from indicators.models import ImportStatus
from indicators.uploads import import_statistics_file, problems_of
from supervision.demo import load_supervision_demo

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
UNITS_FILE = FIXTURES / "demo_units.xlsx"
CADRES_FILE = FIXTURES / "demo_cadres.xlsx"
SCHEME_FILE = FIXTURES / "demo_scheme.xlsx"
STATISTICS_DIR = FIXTURES / "demo_statistics"
DEMO_SCHEME_NAME = "云溪区领导班子和领导干部综合考核"
DEMO_YEARS = (2023, 2024)

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
    DemoUser("anquan", "Yx@Anquan2026", "林安全", Role.SECURITY_ADMIN),
)


class DemoLoadError(RuntimeError):
    pass


def load_units() -> None:
    """The registry's units through the admin's unit resource (tracks come with the scheme)."""
    workbook = open_workbook(UNITS_FILE.read_bytes(), UNITS_FILE.name)
    table = read_table(workbook, UNIT_COLUMNS, sheet_names=("单位",))
    headers = [spec.header for spec in UNIT_COLUMNS if spec.key != "track"]
    dataset = tablib.Dataset(headers=headers)
    for row in table.rows:
        dataset.append([cell_text(row.values.get(spec.key)) for spec in UNIT_COLUMNS if spec.key != "track"])
    result = UnitResource().import_data(dataset, dry_run=False, raise_errors=False)
    if result.has_errors() or result.has_validation_errors():
        raise DemoLoadError(f"demo units could not be imported: {result.invalid_rows or result.row_errors()}")


def load_schemes() -> dict[int, Period]:
    """The scheme workbook, once per year, each with its annual period (the scheme is renewed yearly)."""
    draft, problems = read_scheme_workbook(SCHEME_FILE.read_bytes(), SCHEME_FILE.name)
    if draft is None or any(problem.is_error for problem in problems):
        raise DemoLoadError("demo scheme has errors:\n" + "\n".join(map(str, problems)))
    periods = {}
    for year in DEMO_YEARS:
        result = apply_scheme(draft, name=DEMO_SCHEME_NAME, year=year, period_codes=[str(year)])
        result.scheme.status = SchemeStatus.ACTIVE if year == DEMO_YEARS[-1] else SchemeStatus.ARCHIVED
        result.scheme.save(update_fields=["status"])
        periods[year] = Period.objects.get(scheme=result.scheme, code=str(year))
    return periods


def load_statistics(periods: dict[int, Period]) -> None:
    """Each department's sheet for each year, and the other components' scores."""
    departments = {unit.code: unit for unit in Unit.objects.all()}
    for year, period in periods.items():
        period.refresh_from_db()
        if not period.is_open:
            continue  # published by an earlier load: its data is frozen, and loaded already
        for path in sorted((STATISTICS_DIR / str(year)).glob("*.xlsx")):
            batch = import_statistics_file(path.read_bytes(), path.name, period=period,
                                           department=departments[path.stem])
            if batch.status != ImportStatus.COMMITTED:
                raise DemoLoadError(f"{path}: " + "; ".join(map(str, problems_of(batch))))
        components = FIXTURES / f"demo_components_{year}.xlsx"
        result = import_component_scores(components.read_bytes(), components.name, period=period)
        if result.errors:
            raise DemoLoadError(f"{components}: " + "; ".join(map(str, result.errors)))


# Adjustments and the veto of the demo's latest year, as the assessment office approved them.
DEMO_ADJUSTMENTS = (
    ("T03", "2", "考核加分", "获省级表彰：乡村振兴工作成效明显"),
    ("J02", "-3", "考核扣分", "被区委督查室通报：重点项目推进滞后"),
    ("D07", "1.5", "考核加分", "耕地保护工作获省政府督查激励"),
)
DEMO_VETO = ("T05", "安全生产", "《中华人民共和国安全生产法》及本地区安全生产责任制规定",
             "辖区发生较大生产安全责任事故，按安全生产“一票否决”规定处理")


def load_adjustments(period: Period, approver) -> None:
    from django.utils import timezone

    now = timezone.now()
    units = Unit.objects.in_bulk([code for code, *_rest in DEMO_ADJUSTMENTS] + [DEMO_VETO[0]], field_name="code")
    for code, points, category, reason in DEMO_ADJUSTMENTS:
        Adjustment.objects.get_or_create(
            period=period, unit=units[code], category=category, reason=reason,
            defaults={"points": points, "approved_by": approver, "approved_at": now},
        )
    code, item_name, legal_basis, reason = DEMO_VETO
    item, _created = VetoItem.objects.get_or_create(name=item_name, defaults={"legal_basis": legal_basis})
    Verdict.objects.get_or_create(
        period=period, unit=units[code], kind=VerdictKind.VETO, veto_item=item,
        defaults={"reason": reason, "approved_by": approver, "approved_at": now},
    )


def load_cadres() -> None:
    result = import_roster(CADRES_FILE.read_bytes(), CADRES_FILE.name)
    if result.errors:
        raise DemoLoadError("demo roster has errors:\n" + "\n".join(str(problem) for problem in result.errors))


def load_users() -> list[DemoUser]:
    """The demo's accounts, one per role. Demo only: their passwords are printed and in the README, and
    each has an authenticator already enrolled, whose codes ``manage.py demo_codes`` prints."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

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
        # The secret is random and kept: an authenticator app that scanned it once goes on working.
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=True)
    return list(DEMO_USERS)


def publish_past_years(periods: dict[int, Period], officer) -> None:
    """Every year but the latest is locked and published, as the office would have done, so a unit
    viewer has results and feedback to read; the latest stays open for the departments' uploads."""
    for year in DEMO_YEARS[:-1]:
        period = Period.objects.get(pk=periods[year].pk)
        if period.state == PeriodState.OPEN:
            period = period_lock(period=period, user=officer)
        if period.state == PeriodState.LOCKED:
            period_publish(period=period, user=officer, missing_confirmed=True)


@transaction.atomic
def load_demo() -> list[DemoUser]:
    load_units()
    load_cadres()
    users = load_users()
    periods = load_schemes()
    load_statistics(periods)
    officer = get_user_model().objects.get(username="kaohe")
    load_adjustments(periods[DEMO_YEARS[-1]], officer)
    # Oldest first, so that each year's progress compares with the year before.
    for year in DEMO_YEARS:
        recompute_period(periods[year].pk)
    publish_past_years(periods, officer)
    load_supervision_demo()
    load_feedback_demo(scheme_name=DEMO_SCHEME_NAME)
    return users
